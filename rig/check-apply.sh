#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check's test of the README's apply command, rig/apply-series.sh.
# First its refusals and stops, on small trees holding the base's Makefile
# and the files the series touches (seconds): a 7.3.5 tree is refused and
# left as it was; a git tree gets one commit a patch, and a second run says
# "already applied" and changes nothing; --through I stops after series I
# and a later run applies the rest; a patch that does not apply in a git
# tree changes nothing and leaves no git am running, nor does a git am that
# stops half way after the dry run (its hook fails); a git tree without a
# committer identity is told so, unchanged; a plain directory inside
# another git repository gets patch -p1, and that repository no git am.
# Then the README's command on a fresh copy of the whole base that is not a
# git tree (as Debian's linux-source tarball unpacks), after which every
# file the series touches must equal the patched tree's
# (rig/patched-tree.sh, which make check runs first).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

APPLY=$RIG_DIR/apply-series.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bad=0
ok() { echo "ok - apply-series: $*"; }
nok() { echo "not ok - apply-series: $*" >&2; bad=$((bad + 1)); }
# expect DESC RC WANT CMD...: CMD exits RC and its output says WANT.
expect() {
	local d=$1 rc=$2 want=$3 out got
	shift 3
	out=$("$@" 2>&1) && got=0 || got=$?
	echo "$out" | sed 's/^/    | /'
	if [ "$got" = "$rc" ] && grep -qF -- "$want" <<<"$out"; then
		ok "$d"
	else
		nok "$d: exit $got (want $rc), output without '$want'"
	fi
}
# same DESC A B: the two state strings are equal.
same() { if [ "$2" = "$3" ]; then ok "$1"; else nok "$1"; fi; }
# state DIR: every file's checksum, and HEAD where DIR is a git tree of
# its own.
state() {
	(cd "$1" && find . -path ./.git -prune -o -type f -print0 | sort -z | xargs -0 sha256sum)
	[ ! -d "$1/.git" ] || git -C "$1" rev-parse HEAD
	[ ! -d "$1/.git/rebase-apply" ] || echo "git am in progress"
}

# The files the series touches that the base has, and its Makefile.
mapfile -t touched < <(series_files | xargs sed -n 's|^diff --git a/\([^ ]*\) b/.*|\1|p' | sort -u)
mapfile -t present < <(git -C "$BASE_SRC" ls-tree -r --name-only base -- "${touched[@]}")
# small DIR [git]: a small tree of the base there (a git tree: committed).
small() {
	mkdir -p "$1"
	git -C "$BASE_SRC" archive base -- Makefile "${present[@]}" | tar -x -C "$1"
	mkdir -p "$1/mm"
	[ "${2:-}" = git ] || return 0
	git -C "$1" init -q
	git_id -C "$1" add .
	git_id -C "$1" commit -q -m base
}
commits() { git -C "$1" rev-list --count HEAD; }
n_all=$(series_files | grep -c .)

step "apply-series: its refusals and stops on small trees of the base"
small "$tmp/v735"
sed -i 's/^SUBLEVEL = 4$/SUBLEVEL = 5/' "$tmp/v735/Makefile"
before=$(state "$tmp/v735")
expect "a 7.3.5 tree is refused" 1 "is Linux 7.3.5, not 7.3.4" "$APPLY" "$tmp/v735"
same "a 7.3.5 tree is left as it was" "$before" "$(state "$tmp/v735")"

small "$tmp/git" git
expect "a git tree gets the series" 0 "$n_all patches applied" "$APPLY" "$tmp/git"
same "a git tree gets one commit a patch" "$((n_all + 1))" "$(commits "$tmp/git")"
before=$(state "$tmp/git")
expect "an applied git tree: already applied" 0 "already applied" "$APPLY" "$tmp/git"
same "an applied git tree is left as it was" "$before" "$(state "$tmp/git")"

small "$tmp/through" git
n_one=$(awk '/^# series II$/ { exit } /^#/ || !NF { next } { n++ } END { print n + 0 }' "$TOP_DIR/patches/series")
expect "--through I" 0 "$n_one patches applied" "$APPLY" --through I "$tmp/through"
same "--through I stops after series I ($n_one patches)" "$((n_one + 1))" "$(commits "$tmp/through")"
expect "after --through I, the rest" 0 "the first $n_one patches are in" "$APPLY" "$tmp/through"
same "after --through I, the rest: the whole series" "$((n_all + 1))" "$(commits "$tmp/through")"
expect "--through IV is refused" 1 "no '# series IV' line" "$APPLY" --through IV "$tmp/through"

# A context line of a late patch changed and committed, in a file of the
# base: the dry run must stop it before git am makes a single commit.
small "$tmp/half" git
late='' f='' line=''
for p in $(series_files | tac); do
	for f in $(sed -n 's|^--- a/\(.*\)|\1|p' "$p"); do
		[ -f "$tmp/half/$f" ] || continue
		line=$(awk -v f="$f" '/^--- a\// { on = ($0 == "--- a/" f) } on && /^@@/ { h = 1; next }
			on && h && /^ ./ && length($0) > 8 { print substr($0, 2); exit }' "$p")
		[ -n "$line" ] && grep -qxF -- "$line" "$tmp/half/$f" && { late=$p; break 2; }
	done
done
if [ -n "$late" ]; then
	grep -vxF -- "$line" "$tmp/half/$f" >"$tmp/f" && cat "$tmp/f" >"$tmp/half/$f"
	git_id -C "$tmp/half" commit -q -am "change a context line of $f"
	before=$(state "$tmp/half")
	expect "a patch that does not apply ($(basename "$late"), $f) is named" 1 "does not apply to $tmp/half" "$APPLY" "$tmp/half"
	same "a patch that does not apply: nothing changed, no git am left running" "$before" "$(state "$tmp/half")"
else
	nok "found no context line of a late patch in a file of the base"
fi

# git am itself stopping half way (its pre-applypatch hook fails at the
# fifth patch, after four commits), after the dry run passed: it must be
# aborted, TREE back where it started.
small "$tmp/hook" git
printf '#!/bin/sh\nn=$(cat "$GIT_DIR/n" 2>/dev/null || echo 0); echo $((n + 1)) >"$GIT_DIR/n"; [ "$n" -lt 4 ]\n' \
	>"$tmp/hook/.git/hooks/pre-applypatch"
chmod +x "$tmp/hook/.git/hooks/pre-applypatch"
before=$(state "$tmp/hook")
expect "git am stopped half way is aborted" 1 "aborted: $tmp/hook is back at" "$APPLY" "$tmp/hook"
rm -f "$tmp/hook/.git/n"
same "git am stopped half way: back where it started, no git am left running" "$before" "$(state "$tmp/hook")"

small "$tmp/noid" git
before=$(state "$tmp/noid")
expect "a git tree without a committer identity is told so" 1 "git am needs a committer identity" \
	env -u GIT_COMMITTER_NAME -u GIT_COMMITTER_EMAIL -u GIT_AUTHOR_NAME -u GIT_AUTHOR_EMAIL -u EMAIL \
	HOME="$tmp" XDG_CONFIG_HOME="$tmp" GIT_CONFIG_NOSYSTEM=1 "$APPLY" "$tmp/noid"
same "a git tree without a committer identity is left as it was" "$before" "$(state "$tmp/noid")"

mkdir -p "$tmp/outer"
git -C "$tmp/outer" init -q
small "$tmp/outer/linux"
outer=$(git -C "$tmp/outer" status --porcelain)
expect "a plain directory inside another repository: patch -p1" 0 "$n_all patches applied" "$APPLY" "$tmp/outer/linux"
same "the enclosing repository has no git am and no commit" "$outer-no am" \
	"$(git -C "$tmp/outer" status --porcelain)-$([ -d "$tmp/outer/.git/rebase-apply" ] && echo am || echo no am)"
same "a plain directory matches the git tree after the series" "$(state "$tmp/git" | sed '$d')" \
	"$(state "$tmp/outer/linux")"
rm -rf "$tmp/v735" "$tmp/git" "$tmp/through" "$tmp/half" "$tmp/hook" "$tmp/noid" "$tmp/outer"
[ "$bad" = 0 ] || die "$bad apply-series check(s) failed"

[ -d "$PATCHED_SRC" ] || die "no patched tree; run rig/patched-tree.sh first"
step "unpacking the base into $tmp"
git -C "$BASE_SRC" archive base | tar -x -C "$tmp"
step "rig/apply-series.sh $tmp"
"$APPLY" "$tmp"
bad=0 n=0
for f in $(git -C "$PATCHED_SRC" diff --name-only base HEAD); do
	n=$((n + 1))
	cmp -s "$tmp/$f" "$PATCHED_SRC/$f" || { echo "$f differs from the patched tree" >&2; bad=$((bad + 1)); }
done
[ "$bad" = 0 ] || die "$bad of $n files differ"
step "the README's apply command gives the patched tree's $n files"
