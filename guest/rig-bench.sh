#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The rig's guest entry for the benchmark: fresh labelled NFIT namespaces,
# then the host bench, bench/host/bench.sh. Arguments come from the host's rig/bench.sh:
#   rig-bench.sh KERNEL POLICY ACCEL CONFIGS REBINDS SIZE [THREADS]
# THREADS: BENCH_THREADS with "+" for spaces, or "-".
# bench.sh may destroy region0 (the NFIT NVDIMM) and, for virtio-fsdax-dev,
# region1 (the virtio-pmem device), the regions of this disposable guest.
. "$(dirname "$0")/lib.sh"
rig_guest_only
export BENCH_KERNEL="$1" BENCH_POLICY="$2" BENCH_ACCEL="$3" BENCH_DESTROY=region0
case "+$4+" in
*+virtio-fsdax-dev+*) export VREGION=region1 BENCH_DESTROY="region0 region1" ;;
esac
[ "${7:--}" = - ] || export BENCH_THREADS="$(echo "$7" | tr '+' ' ')"
load_pmem_stack
init_nfit_labels || { echo "# could not initialise NFIT labels" >&2; exit 1; }
# The rig's init traces memmap_init_zone_device() at the top level of
# tracefs for the test suites; the bench times it in a tracing instance of
# its own, the only function-graph user, as before.
echo nop >"$TRACEFS/current_tracer"
exec sh /bench/host/bench.sh "$4" "$5" "$6" region0
