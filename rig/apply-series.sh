#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Apply the series to a Linux 7.3.4 source tree, in patches/series order,
# without the cover letter and without patches/test-only/: with git am where
# TREE is the top of a git work tree (one commit a patch), with patch -p1
# elsewhere (a plain directory, also one inside another git repository).
# Tested on Debian's linux-source-7.3 (7.3.4), the base the rig pins.
#
# Before it changes anything it checks that TREE's Makefile says 7.3.4 and
# dry-runs every patch it would apply, in order, on a scratch copy of the
# files they touch, with no fuzz (git apply): if one does not apply, it
# names it and changes nothing. Where the series (or its first patches, up
# to the end of a posted series) is applied already, it says so and
# applies only what is missing, or nothing. A git am that fails is aborted:
# TREE is left at the commit it started from.
#
# Usage: rig/apply-series.sh [--through I|II|III] [TREE]   (default TREE: .)
#   --through S  stop after series S of the three posted on their own (the
#                "# series S" lines of patches/series say where each
#                begins): I, the ZONE_DEVICE template and streaming; II, the
#                template for onlined memory; III, parallel init
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
me=apply-series
die() { echo "$me: $*" >&2; exit 1; }
say() { echo "$me: $*"; }

tree='' through=''
while [ $# -gt 0 ]; do
	case "$1" in
	-h | --help) sed -n '3,21s/^# \{0,1\}//p' "$0"; exit 0 ;;
	--through)
		[ $# -ge 2 ] || die "--through needs a series: I, II or III"
		through=$2
		shift ;;
	--through=*) through=${1#--through=} ;;
	-*) die "unknown option $1 (see --help)" ;;
	*) [ -z "$tree" ] || die "one TREE only, not '$tree' and '$1' (see --help)"; tree=$1 ;;
	esac
	shift
done
tree=${tree:-.}
if [ ! -f "$tree/Makefile" ] || [ ! -d "$tree/mm" ]; then die "$tree is not a kernel source tree"; fi
tree=$(cd "$tree" && pwd -P)

# --- the kernel version --------------------------------------------------------
ver=$(awk -F' *= *' '$1 == "VERSION" { v = $2 } $1 == "PATCHLEVEL" { p = $2 }
	$1 == "SUBLEVEL" { s = $2; print v "." p "." s; exit }' "$tree/Makefile")
[ "$ver" = 7.3.4 ] ||
	die "$tree is Linux ${ver:-of no version its Makefile says}, not 7.3.4: the series is made and tested on 7.3.4 only, so nothing was changed. Apply it to a 7.3.4 tree (make base fetches Debian's: ~/.cache/memmap-fast/src/base), or port it by hand to yours: git am -3 (or patch -p1 --dry-run) patch by patch, resolving each conflict against the 7.3.4 context"

# --- the patches: all, or up to the end of series $through ---------------------
list=$(grep -v '^#' "$top/patches/series" | grep .) || die "patches/series names no patch"
if [ -n "$through" ]; then
	grep -qx "# series $through" "$top/patches/series" ||
		die "--through $through: patches/series has no '# series $through' line (its series: $(sed -n 's/^# series //p' "$top/patches/series" | tr '\n' ' '))"
	# The patches up to the last one of series $through.
	list=$(awk -v want="$through" '
		/^# series / { if (s == want) exit; s = $3; next }
		/^#/ || !NF { next }
		{ print }' "$top/patches/series")
fi
[ -n "$list" ] || die "patches/series names no patch"
n=0
for p in $list; do
	[ -f "$top/patches/$p" ] || die "patches/series names $p, which does not exist"
	n=$((n + 1))
done

# --- git or not: git am only where TREE is the top of its own work tree --------
git=0
if [ "$(git -C "$tree" rev-parse --show-toplevel 2>/dev/null)" = "$tree" ]; then
	git=1
	[ ! -d "$(git -C "$tree" rev-parse --git-path rebase-apply)" ] ||
		die "a git am or rebase is in progress in $tree: finish it, or git -C $tree am --abort; nothing was changed"
	git -C "$tree" var GIT_COMMITTER_IDENT >/dev/null 2>&1 ||
		die "git am needs a committer identity, and $tree's git has none: git -C $tree config user.name 'Your Name' and git -C $tree config user.email you@example.org (or GIT_COMMITTER_NAME and GIT_COMMITTER_EMAIL); nothing was changed"
fi

# --- dry runs on a scratch copy of the touched files ---------------------------
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
files=$(for p in $list; do sed -n 's|^diff --git a/\([^ ]*\) b/.*|\1|p' "$top/patches/$p"; done | sort -u)
if [ "$git" = 1 ]; then
	dirty=$(git -C "$tree" status --porcelain -- $files)
	[ -z "$dirty" ] ||
		die "$tree has uncommitted changes in files the series touches ($(echo "$dirty" | awk '{ print $2 }' | tr '\n' ' ')): commit or stash them first; nothing was changed"
fi
# fresh: the scratch copy as TREE has it.
fresh() {
	rm -rf "$scratch/t"
	mkdir -p "$scratch/t"
	for f in $files; do
		[ -e "$tree/$f" ] || continue
		mkdir -p "$scratch/t/$(dirname "$f")"
		cp -p "$tree/$f" "$scratch/t/$f"
	done
}
# applies [-R] PATCH...: the patches apply in that order to the scratch copy,
# with no fuzz; the first that does not is left in $scratch/bad, git
# apply's words in $scratch/why. No repository around the scratch copy.
applies() {
	local p r=''
	[ "$1" != -R ] || { r=-R; shift; }
	for p in "$@"; do
		if ! (cd "$scratch/t" && GIT_CEILING_DIRECTORIES=$scratch git apply $r "$top/patches/$p") 2>"$scratch/why"; then
			echo "$p" >"$scratch/bad"
			return 1
		fi
	done
}
reversed() { for p in "$@"; do echo "$p"; done | tac; }

todo=$list
fresh
if ! applies $list; then
	bad=$(cat "$scratch/bad")
	# Applied already: all of it, or the patches up to the end of a posted
	# series, the rest of the list applying on top.
	done_n=0 k=0 prefix=''
	for p in $list; do
		k=$((k + 1))
		prefix="$prefix $p"
		boundary=0
		[ "$k" = "$n" ] && boundary=1
		next=$(echo "$list" | sed -n "$((k + 1))p")
		[ -z "$next" ] || ! grep -B1 -x "$next" "$top/patches/series" | grep -q '^# series ' || boundary=1
		[ "$boundary" = 1 ] || continue
		fresh
		# shellcheck disable=SC2046
		applies -R $(reversed $prefix) || continue
		done_n=$k
	done
	if [ "$done_n" = "$n" ]; then
		say "already applied: the $n patches ${through:+through series $through }are in $tree; nothing changed"
		exit 0
	fi
	if [ "$done_n" -gt 0 ]; then
		todo=$(echo "$list" | sed "1,${done_n}d")
		fresh
		# shellcheck disable=SC2086
		applies $todo || done_n=0
	fi
	if [ "$done_n" = 0 ]; then
		echo "$me: $bad does not apply to $tree (git apply, no fuzz); nothing was changed:" >&2
		sed 's/^/  /' "$scratch/why" >&2
		die "is it the 7.3.4 tree its Makefile says, unmodified where the series changes it? A partly applied series: git -C $tree am --abort, or patch -R -p1 the patches applied"
	fi
	say "the first $done_n patches are in $tree already; applying the other $((n - done_n))"
fi
say "dry run: the $(echo "$todo" | grep -c .) patches apply to $tree, in order, with no fuzz"

# --- apply -------------------------------------------------------------------------
i=0
if [ "$git" = 1 ]; then
	head=$(git -C "$tree" rev-parse HEAD)
	# shellcheck disable=SC2046
	if ! git -C "$tree" am -q --keep-cr $(for p in $todo; do echo "$top/patches/$p"; done) 2>"$scratch/why"; then
		sed 's/^/  /' "$scratch/why" >&2
		git -C "$tree" am --abort >/dev/null 2>&1 || true
		die "git am failed after the dry run passed (see above); aborted: $tree is back at $(git -C "$tree" rev-parse --short HEAD) ($( [ "$(git -C "$tree" rev-parse HEAD)" = "$head" ] && echo 'where it started' || echo "NOT where it started, $head"))"
	fi
	for p in $todo; do i=$((i + 1)); say "[$i] $p"; done
else
	for p in $todo; do
		i=$((i + 1))
		say "[$i] $p"
		patch -d "$tree" -p1 -s -N -F0 --no-backup-if-mismatch <"$top/patches/$p" >"$scratch/why" 2>&1 || {
			sed 's/^/  /' "$scratch/why" >&2
			die "$p did not apply after the dry run passed; the $((i - 1)) before it are applied: undo them with patch -R -p1, last first"
		}
	done
fi
say "$i patches applied to $tree${through:+ (through series $through)}"
