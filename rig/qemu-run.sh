#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot a guest kernel with emulated persistent memory and run one guest
# script, or give an interactive shell.
#
# Usage: rig/qemu-run.sh [options] [--] [SCRIPT [ARGS...]]
#   -k, --kernel V      base, part1, patched, check or kasan (default patched)
#   -a, --accel A       tcg (multi-threaded, default), tcg-icount (deterministic:
#                       1 guest ns = 1 guest instruction), kvm, auto (kvm where
#                       kvm_intel/kvm_amd is loaded, else tcg)
#   -m, --mem SIZE      guest RAM (default 2G)
#   -c, --cpus N        vCPUs (default 2; 1 under tcg-icount)
#   --cpu MODEL         TCG CPU model (default max)
#   --nvdimm SIZE       add a labelled ACPI NFIT NVDIMM with a SIZE region
#   --virtio-pmem SIZE  add a virtio-pmem device of SIZE
#   --virtio-mem SIZE   add a virtio-mem device of up to SIZE, none of it plugged;
#                       a guest script resizes it with a "@vmem-resize BYTES" line
#   --e820 SIZE         add legacy e820 pmem (memmap=SIZE!4G), RAM grows by SIZE;
#                       all RAM is NUMA node 0, the pmem's target node
#   --two-nodes         two NUMA nodes, each with half the RAM: node 0 with
#                       vCPU 0, node 1 with the others and the NVDIMMs
#   --keep-pmem         reuse the backing files instead of starting blank
#   -t, --timeout SECS  hard limit for the whole run (default 1800)
#   -o, --out DIR       where console.log and guest.log go (default results/run)
#   --append ARGS       extra kernel command line (repeatable)
#   -s, --shell         interactive shell in the guest (console on this terminal)
# The guest's output arrives on a dedicated serial port and is copied to this
# terminal and DIR/guest.log; the exit status is the guest script's. With
# --virtio-mem, a line "@vmem-resize BYTES" from the guest sets the device's
# requested size through QEMU's monitor (rig/qmp.py); the guest can ask for
# nothing else.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kernel=patched accel=tcg mem=2G cpus= cpu=max timeout=1800 shell=0 keep=0 append=
outdir=$RESULTS_DIR/run
nvdimms=() vpmems=() e820= vmem= nodes=1
while [ $# -gt 0 ]; do
	case "$1" in
	-k | --kernel) kernel=$2; shift ;;
	-a | --accel) accel=$2; shift ;;
	-m | --mem) mem=$2; shift ;;
	-c | --cpus) cpus=$2; shift ;;
	--cpu) cpu=$2; shift ;;
	--nvdimm) nvdimms+=("$2"); shift ;;
	--virtio-pmem) vpmems+=("$2"); shift ;;
	--e820) e820=$2; shift ;;
	--virtio-mem) vmem=$2; shift ;;
	--two-nodes) nodes=2 ;;
	--keep-pmem) keep=1 ;;
	-t | --timeout) timeout=$2; shift ;;
	-o | --out) outdir=$2; shift ;;
	--append) append="$append $2"; shift ;;
	-s | --shell) shell=1 ;;
	-h | --help) sed -n '3,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	--) shift; break ;;
	-*) die "unknown option $1 (see --help)" ;;
	*) break ;;
	esac
	shift
done
script=${1:-}
[ $# -gt 0 ] && shift
[ "$shell" = 1 ] || [ -n "$script" ] || die "name a guest script (e.g. smoke.sh) or use --shell"
[ -z "$script" ] || [ -f "$TOP_DIR/guest/$script" ] || die "no guest script guest/$script"

need_cmd qemu-system-x86_64 timeout
kdir=$BUILD_DIR/$kernel
[ -f "$kdir/arch/x86/boot/bzImage" ] || die "no $kernel kernel in $kdir; run 'make build' (or rig/build-kernel.sh $kernel)"
[ -f "$kdir/initramfs.cpio.gz" ] || die "no initramfs for $kernel; run rig/mkinitramfs.sh $kernel"

# to_mib SIZE: 512M, 16G, 1T -> MiB
to_mib() {
	case "$1" in
	*[0-9]M) echo "${1%M}" ;;
	*[0-9]G) echo $((${1%G} * 1024)) ;;
	*[0-9]T) echo $((${1%T} * 1024 * 1024)) ;;
	*) die "bad size '$1' (use M, G or T, e.g. 16G)" ;;
	esac
}

case "$accel" in
auto) if grep -qE '^kvm_(intel|amd) ' /proc/modules 2>/dev/null; then accel=kvm; else accel=tcg; fi ;;
tcg | tcg-icount) ;;
kvm) grep -qE '^kvm_(intel|amd) ' /proc/modules 2>/dev/null ||
	die "--accel kvm needs kvm_intel or kvm_amd loaded; this host has neither (use tcg or tcg-icount)" ;;
*) die "unknown accelerator '$accel' (tcg, tcg-icount, kvm, auto)" ;;
esac
case "$accel" in
tcg) accel_opts=(-accel tcg,thread=multi -cpu "$cpu") ;;
tcg-icount) accel_opts=(-accel tcg -icount shift=0 -cpu "$cpu") ;;
kvm) accel_opts=(-accel kvm -cpu host) ;;
esac
[ -n "$cpus" ] || { [ "$accel" = tcg-icount ] && cpus=1 || cpus=2; }
[ "$nodes" = 1 ] || [ "$cpus" -ge 2 ] || die "--two-nodes needs 2 vCPUs or more"
[ "$nodes" = 1 ] || [ -z "$e820" ] || die "--two-nodes and --e820 do not go together"
nvnode=
[ "$nodes" = 1 ] || nvnode=,node=1

mem_mib=$(to_mib "$mem")
pmem_dir=$CACHE_DIR/pmem
mkdir -p "$pmem_dir" "$outdir"

# Without --keep-pmem, QEMU maps the backing files private: the guest's
# stores stay in host memory and are never written back, so no rebind meets
# the write faults that follow the host's writeback of a shared mapping
# (which made the multi-threaded TCG times of a map=dev rebind vary
# tenfold).
share=off
[ "$keep" = 0 ] || share=on

# Sparse backing files: they cost only what the guest writes into them (the
# memmap for map=dev, the test patterns), in host memory or, shared, on
# disk; check for a sane margin there.
total_mib=0
for s in "${nvdimms[@]}" "${vpmems[@]}"; do total_mib=$((total_mib + $(to_mib "$s"))); done
need_mib=$((total_mib / 50 + 512))
if [ "$share" = on ]; then
	where="disk in $pmem_dir" fix="free some space or set CACHE_DIR"
	free_mib=$(df -Pm "$pmem_dir" | awk 'NR == 2 { print $4 }')
else
	where="host memory" fix="stop other work or use a smaller pmem"
	free_mib=$(awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo)
fi
[ "$free_mib" -ge "$need_mib" ] ||
	die "too little $where: ${free_mib} MiB free, ${need_mib} MiB needed for the memmap of ${total_mib} MiB of pmem; $fix"

# backing NAME MIB: a fresh (or kept) sparse file
backing() {
	local f=$pmem_dir/$1.img
	[ "$keep" = 1 ] && [ -f "$f" ] || { rm -f "$f"; truncate -s "${2}M" "$f"; }
	echo "$f"
}

dev_opts=() slots=0 maxmem=$mem_mib
i=0
for s in "${nvdimms[@]}"; do
	m=$(($(to_mib "$s") + 2)) # QEMU keeps the label area out of the region
	f=$(backing "nvdimm$i" $m)
	dev_opts+=(-object "memory-backend-file,id=nvm$i,share=$share,mem-path=$f,size=${m}M"
		-device "nvdimm,id=nvdimm$i,memdev=nvm$i,label-size=128K$nvnode")
	slots=$((slots + 1)) maxmem=$((maxmem + m + 1024)) i=$((i + 1))
done
i=0
for s in "${vpmems[@]}"; do
	m=$(to_mib "$s")
	f=$(backing "vpmem$i" $m)
	# 1G alignment: a virtio-pmem device packed right after an NVDIMM's
	# label-trimmed region is misaligned for nd_pmem's memremap_pages().
	dev_opts+=(-object "memory-backend-file,id=vpm$i,share=$share,mem-path=$f,size=${m}M,align=1G"
		-device "virtio-pmem-pci,id=vpmem$i,memdev=vpm$i")
	slots=$((slots + 1)) maxmem=$((maxmem + m + 1024)) i=$((i + 1))
done
qmpsock=
if [ -n "$vmem" ]; then
	m=$(to_mib "$vmem")
	# A short path: a Unix socket's may not exceed 107 bytes.
	qmpsock=$(mktemp -d)/qmp.sock
	trap 'rm -rf "${qmpsock%/*}"' EXIT
	dev_opts+=(-object "memory-backend-ram,id=vmem-ram,size=${m}M"
		-device "virtio-mem-pci,id=vmem0,memdev=vmem-ram,requested-size=0"
		-qmp "unix:$qmpsock,server=on,wait=off")
	maxmem=$((maxmem + m))
fi
machine=pc
[ ${#nvdimms[@]} -gt 0 ] && machine=pc,nvdimm=on
if [ -n "$e820" ]; then
	[ "$mem_mib" -ge 3072 ] || die "--e820 needs --mem 3G or more (legacy pmem is carved above 4G)"
	e=$(to_mib "$e820")
	mem_mib=$((mem_mib + e)) maxmem=$((maxmem + e))
	f=$(backing e820 "$mem_mib")
	dev_opts+=(-object "memory-backend-file,id=ram0,share=on,mem-path=$f,size=${mem_mib}M")
	# A NUMA node in the SRAT gives the e820 range a target node, which
	# dax/kmem needs to online it.
	dev_opts+=(-numa "node,nodeid=0,memdev=ram0")
	append="$append memmap=${e}M!4G"
fi
if [ "$nodes" = 2 ]; then
	h=$((mem_mib / 2))
	dev_opts+=(-object "memory-backend-ram,id=ram0,size=${h}M"
		-object "memory-backend-ram,id=ram1,size=$((mem_mib - h))M"
		-numa "node,nodeid=0,cpus=0,memdev=ram0"
		-numa "node,nodeid=1,cpus=1-$((cpus - 1)),memdev=ram1")
fi
mem_opt=${mem_mib}M
[ "$maxmem" -gt "$mem_mib" ] && mem_opt="$mem_mib,slots=$((slots + 1)),maxmem=${maxmem}M"

# tsc=unstable: sched_clock stays unstable from the start, so that no
# static key flips under a running vCPU when late init marks it stable
# (with JUMP_LABEL, multi-threaded TCG once left the other vCPU on the
# breakpoint of that patch: an "int3" oops in sched_clock_tick()).
cmdline="console=ttyS0 panic=-1 loglevel=4 rdinit=/init tsc=unstable"
if [ "$shell" = 1 ]; then
	cmdline="$cmdline rig.shell=1"
else
	args=$(IFS=,; echo "$*")
	cmdline="$cmdline rig.script=$script${args:+ rig.args=$args}"
fi
cmdline="$cmdline $append"

console=$outdir/console.log guestlog=$outdir/guest.log
rm -f "$console" "$guestlog"
# Two nodes: one socket per vCPU, so that no cache is shared across nodes.
smp=$cpus
[ "$nodes" = 1 ] || smp=$cpus,sockets=$cpus
qemu=(qemu-system-x86_64 -machine "$machine" "${accel_opts[@]}" -smp "$smp" -m "$mem_opt"
	-kernel "$kdir/arch/x86/boot/bzImage" -initrd "$kdir/initramfs.cpio.gz"
	-append "$cmdline" -display none -no-reboot -nodefaults "${dev_opts[@]}")
echo "${qemu[*]}" >"$outdir/qemu.cmd"

if [ "$shell" = 1 ]; then
	step "interactive guest ($kernel, $accel); 'poweroff -f' or Ctrl-A X quits"
	exec timeout --foreground "$timeout" "${qemu[@]}" -serial mon:stdio -serial null
fi

step "booting $kernel kernel ($accel, ${cpus} vCPU, $mem RAM${nvdimms:+, nvdimm ${nvdimms[*]}}${vpmems:+, virtio-pmem ${vpmems[*]}}${vmem:+, virtio-mem $vmem}${e820:+, e820 $e820}): guest/$script $*"
: >"$guestlog"
timeout "$timeout" "${qemu[@]}" -serial "file:$console" -serial "file:$guestlog" &
qpid=$!
tail -n +1 -F --pid="$qpid" "$guestlog" 2>/dev/null | while IFS= read -r l; do
	case "$l" in
	@@rig-exit*) ;;
	@vmem-resize\ *)
		b=${l#@vmem-resize }
		case "$qmpsock:$b" in
		:* | *:*[!0-9]* | *:) r="ignored (no --virtio-mem, or not a number of bytes): $l" ;;
		*) r=$("$RIG_DIR/qmp.py" "$qmpsock" qom-set \
			"{\"path\": \"/machine/peripheral/vmem0\", \"property\": \"requested-size\", \"value\": $b}" 2>&1) ;;
		esac
		printf '[%s] %s\n' "$(elapsed)" "$r" ;;
	*) printf '[%s] %s\n' "$(elapsed)" "$l" ;;
	esac
done &
tpid=$!
wait "$qpid" && qrc=0 || qrc=$?
wait "$tpid" 2>/dev/null || true # tail ends with QEMU (--pid)

rc=$(sed -n 's/^@@rig-exit \([0-9]*\).*/\1/p' "$guestlog" | tail -n1)
if [ -z "$rc" ]; then
	if [ "$qrc" = 124 ]; then
		echo "ERROR: the guest did not finish within ${timeout}s (--timeout); the last console lines:" >&2
	else
		echo "ERROR: the guest stopped (QEMU exit $qrc) before the script finished; the last console lines:" >&2
	fi
	tail -n 25 "$console" | sed 's/^/  | /' >&2
	die "see $console and $guestlog"
fi
step "guest script exited with $rc (logs: $outdir)"
exit "$rc"
