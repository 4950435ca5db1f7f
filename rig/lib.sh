# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the host-side rig scripts: logging, progress, paths.
# Sourced, never run.

RIG_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP_DIR=$(cd "$RIG_DIR/.." && pwd)

# Pinned base: Debian's linux-source-7.3 from trixie-backports.
BASE_PKG=linux-source-7.3
BASE_DEB_VERSION=$(sed -n "s/^version //p" "$RIG_DIR/base.pin")
BASE_SUITE=trixie-backports
BASE_TARBALL_SHA256=$(sed -n 's/^sha256 //p' "$RIG_DIR/base.pin")

# Everything expensive lives outside the clone so that a fresh clone on the
# same machine (CI) reuses it.
CACHE_DIR=${CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/memmap-fast}
BASE_SRC=$CACHE_DIR/src/base          # unpacked base, a git repo, tag "base"
PATCHED_SRC=$CACHE_DIR/src/patched    # worktree of BASE_SRC: base + patches/
PART1_SRC=$CACHE_DIR/src/part1        # worktree of BASE_SRC: base + part 1
CHECK_SRC=$CACHE_DIR/src/check        # worktree of BASE_SRC: base + patches/ + patches/test-only/
# O= dirs: base, part1, patched, check, kasan, linkcheck, each-patch; with
# KERNEL_OPT=size (make bench OPT=size) the same kernels built with -Os,
# CONFIG_CC_OPTIMIZE_FOR_SIZE, in a build root of their own.
case "${KERNEL_OPT:-}" in '' | size) ;; *) echo "ERROR: KERNEL_OPT is '' or size, not '$KERNEL_OPT'" >&2; exit 1 ;; esac
BUILD_DIR=$CACHE_DIR/build${KERNEL_OPT:+-$KERNEL_OPT}
RESULTS_DIR=${RESULTS_DIR:-$TOP_DIR/results}

# Part 1 of the series is its first PART1_PATCHES patches: the struct page
# template without streaming stores.  "make bench" measures it as the kernel
# that the streaming part must not be slower than.
PART1_PATCHES=6

_rig_t0=${_rig_t0:-$(date +%s)}
export _rig_t0

elapsed() {
	local s=$(($(date +%s) - _rig_t0))
	printf '%d:%02d' $((s / 60)) $((s % 60))
}

# step NAME...: announce a step with the elapsed time of the whole run.
step() { printf '==> [%s] %s\n' "$(elapsed)" "$*" >&2; }
info() { printf '    %s\n' "$*" >&2; }
warn() { printf 'WARNING: %s\n' "$*" >&2; }
die() {
	printf 'ERROR: %s\n' "$*" >&2
	exit 1
}

need_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 ||
			die "'$c' not found; install it (make deps, or apt-get install the package providing it)"
	done
}

# series_files [N]: the patch files of patches/series, in order, one per
# line; only the first N if N is given.
series_files() {
	local f max=${1:-} n=0
	[ -f "$TOP_DIR/patches/series" ] || die "patches/series is missing"
	while read -r f; do
		case "$f" in '' | '#'*) continue ;; esac
		[ -f "$TOP_DIR/patches/$f" ] || die "patches/series names $f, which does not exist"
		[ -n "$max" ] && [ "$n" -ge "$max" ] && break
		printf '%s\n' "$TOP_DIR/patches/$f"
		n=$((n + 1))
	done <"$TOP_DIR/patches/series"
}

# test_only_files: the test-only patches (patches/test-only/NNNN-*.patch), in
# name order, one per line.  They are applied on top of the whole series for
# the "check" kernel only (the debug verification that make check uses),
# never for the kernels that make bench measures.
test_only_files() {
	local f
	for f in "$TOP_DIR"/patches/test-only/[0-9][0-9][0-9][0-9]-*.patch; do
		[ -f "$f" ] && printf '%s\n' "$f"
	done
	return 0
}

# git_id: a fixed committer identity for the rig's own commits in kernel trees.
git_id() {
	git -c user.name="${GIT_AUTHOR_NAME:-memmap-fast rig}" \
		-c user.email="${GIT_AUTHOR_EMAIL:-rig@localhost}" "$@"
}

# apply_patches DIR PATCH...: git am each PATCH onto DIR's HEAD.  A patch
# that does not apply is named with its failing hunk, and the tree is left as
# it was before that patch.
apply_patches() {
	local dir=$1 p n=0 total name
	shift
	total=$#
	for p in "$@"; do
		n=$((n + 1))
		name=${p#"$TOP_DIR/"}
		info "applying [$n/$total] ${name#patches/}"
		if ! git_id -C "$dir" am -q --keep-cr "$p" >/tmp/rig-am.$$ 2>&1; then
			printf 'ERROR: %s does not apply:\n' "$name" >&2
			git -C "$dir" apply --check --verbose "$p" 2>&1 | grep -E '^(error|Checking|Hunk|Applied)' | sed 's/^/  /' >&2 || true
			sed 's/^/  /' /tmp/rig-am.$$ >&2
			rm -f /tmp/rig-am.$$
			git -C "$dir" am --abort >/dev/null 2>&1 || true
			die "fix $name against the base (edit in the worktree: make worktree), then export again"
		fi
	done
	rm -f /tmp/rig-am.$$
}

# apply_series DIR [N]: apply_patches every patch of patches/series (the
# first N).
apply_series() {
	local files
	files=$(series_files "${2:-}") || exit 1
	# shellcheck disable=SC2086
	apply_patches "$1" $files
}

# series_stamp [N [test-only]]: identifies base + patches/ content (of the
# first N; N empty: all of it), and with "test-only" the test-only patches
# too (the check kernel).
series_stamp() {
	{
		git -C "$BASE_SRC" rev-parse base
		series_files "${1:-}" | xargs -r cat
		if [ "${2:-}" = test-only ]; then
			echo "@@ test-only"
			test_only_files | xargs -r cat
		fi
	} | sha256sum | cut -d' ' -f1
}
