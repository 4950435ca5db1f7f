#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run the base tree's checkpatch.pl --strict on every patch of patches/series.
# Fails listing each patch with errors, warnings or checks.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ -x "$BASE_SRC/scripts/checkpatch.pl" ] || die "no base tree; run 'make base' first"
bad=0 n=0
for p in $(series_files); do
	n=$((n + 1))
	# Debian's python3 first: scripts/spdxcheck.py needs python3-ply/-git.
	if out=$(cd "$BASE_SRC" && PATH=/usr/bin:$PATH ./scripts/checkpatch.pl --strict --quiet --no-summary \
		--ignore FILE_PATH_CHANGES "$p" 2>&1) && [ -z "$out" ]; then
		info "checkpatch ok: $(basename "$p")"
	else
		printf 'checkpatch --strict: %s\n%s\n' "$(basename "$p")" "$out" >&2
		bad=$((bad + 1))
	fi
done
[ "$bad" = 0 ] || die "$bad of $n patches are not checkpatch --strict clean"
step "checkpatch --strict: $n patches clean"
