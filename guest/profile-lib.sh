# SPDX-License-Identifier: GPL-2.0
# The trace reader of make bench-profile (guest/rig-profile.sh), apart so
# that the host's unit tests run it on recorded trace text. Sourced, never
# run.

# graph_calls [TRACE]: the calls in a function_graph trace (funcgraph-proc
# and funcgraph-tail on), summed per function and per its nearest traced
# caller, one "FUNC PARENT CALLS USECS" line each (PARENT "-": no traced
# caller). The nesting is kept per task ("COMM-PID" of funcgraph-proc), so
# that what other tasks trace in between does not count. A module's
# "FUNC [module]" is FUNC. A return whose entry is not in the trace (the
# call began before it was cleared) counts with the caller "?". Durations
# are function_graph's: from 1 s on it prints no decimals.
graph_calls() {
	awk -F'|' '
		NF < 3 { next }
		{
			task = $1
			sub(/^ *[0-9]+\) */, "", task)
			gsub(/ /, "", task)
			t = $NF
			sub(/^ +/, "", t)
			sub(/ +$/, "", t)
		}
		t ~ /\(\) \{$/ {
			f = t
			sub(/\(\) \{$/, "", f)
			sub(/ \[.*\]$/, "", f)
			stack[task, ++depth[task]] = f
			next
		}
		t ~ /\(\);$/ || t ~ /^\} \/\* .* \*\/$/ {
			if (!match($(NF - 1), /[0-9]+(\.[0-9]+)? us/))
				next
			us = substr($(NF - 1), RSTART, RLENGTH - 3)
			f = t
			if (f ~ /^\}/) {
				sub(/^\} \/\* /, "", f)
				sub(/ \*\/$/, "", f)
				sub(/ \[.*\]$/, "", f)
				if (depth[task] > 0 && stack[task, depth[task]] == f)
					depth[task]--
				else {
					key = f SUBSEP "?"
					calls[key]++
					sum[key] += us
					next
				}
			} else {
				sub(/\(\);$/, "", f)
				sub(/ \[.*\]$/, "", f)
			}
			p = depth[task] > 0 ? stack[task, depth[task]] : "-"
			key = f SUBSEP p
			calls[key]++
			sum[key] += us
		}
		END {
			for (key in calls) {
				split(key, k, SUBSEP)
				printf "%s %s %d %.3f\n", k[1], k[2], calls[key], sum[key]
			}
		}' "${1:-/dev/stdin}" | LC_ALL=C sort
}
