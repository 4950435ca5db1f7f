#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Apply the series to a Linux 7.3.4 source tree, in patches/series order,
# without the cover letter and without patches/test-only/: with git am where
# TREE is a git work tree (one commit a patch), with patch -p1 elsewhere
# (each patch checked with --dry-run first, so nothing is half-applied).
# Tested on Debian's linux-source-7.3 (7.3.4), the base the rig pins.
#
# Usage: rig/apply-series.sh [TREE]   (default: the current directory)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
tree=${1:-.}
me=apply-series

case "$tree" in -h | --help) sed -n '3,9s/^# \{0,1\}//p' "$0"; exit 0 ;; esac
if [ ! -f "$tree/Makefile" ] || [ ! -d "$tree/mm" ]; then echo "$me: $tree is not a kernel source tree" >&2; exit 1; fi
git=0
git -C "$tree" rev-parse --is-inside-work-tree >/dev/null 2>&1 && git=1
n=0
while read -r p; do
	case "$p" in '' | '#'*) continue ;; esac
	n=$((n + 1))
	echo "$me: [$n] $p"
	if [ "$git" = 1 ]; then
		git -C "$tree" am -q "$top/patches/$p" ||
			{ echo "$me: $p does not apply; git -C $tree am --abort undoes it" >&2; exit 1; }
	else
		patch -d "$tree" -p1 -s -N --dry-run <"$top/patches/$p" >/dev/null ||
			{ echo "$me: $p does not apply to $tree (the $((n - 1)) before it are applied)" >&2; exit 1; }
		patch -d "$tree" -p1 -s -N <"$top/patches/$p"
	fi
done <"$top/patches/series"
echo "$me: $n patches applied to $tree"
