#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The rig's guest entry for the benchmark: fresh labelled NFIT namespaces,
# then guest/bench.sh. Arguments come from the host's rig/bench.sh:
#   rig-bench.sh KERNEL POLICY ACCEL CONFIGS REBINDS SIZE [THREADS]
# THREADS: BENCH_THREADS with "+" for spaces, or "-".
. /guest/lib.sh
export BENCH_KERNEL=$1 BENCH_POLICY=$2 BENCH_ACCEL=$3 BENCH_DESTROY=1
[ "${7:--}" = - ] || export BENCH_THREADS="$(echo "$7" | tr '+' ' ')"
load_pmem_stack
init_nfit_labels || { echo "# could not initialise NFIT labels" >&2; exit 1; }
exec sh /guest/bench.sh "$4" "$5" "$6" region0
