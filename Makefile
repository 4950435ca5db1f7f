# SPDX-License-Identifier: GPL-2.0
# Entry points only; the work is done by the scripts in rig/, guest/, bench/.

SHELL := /bin/bash
R := rig

.PHONY: help deps base worktree export tree checkpatch build shell unit-test \
	check check-kasan bench bench-profile bench-threads bench-native install-udev uninstall-udev clean-results

help:
	@echo "Run and measure:"
	@echo "  make unit-test       host-side tests only (seconds, no kernel)"
	@echo "  make bench-native    the series' memmap store loop on this CPU (seconds, no kernel)"
	@echo "  make check           the test suite: fetch, apply, checkpatch, build, guest suites"
	@echo "  make check-kasan     the check kernel with KASAN, smoke suite on it (not in make check)"
	@echo "  make bench           base vs the series, memmap init time per bind (KERNELS, POLICIES: more)"
	@echo "  make bench-profile   onlining, offlining, virtio-mem plug: instructions per page by function"
	@echo "  make bench-threads   thread scaling, 1 2 4 8: multi-threaded TCG with 8 vCPUs, then bench-native"
	@echo "  make shell           a shell in the guest (KERNEL=..., ACCEL=...)"
	@echo "Use the series (README, \"Use it on your kernel\"):"
	@echo "  rig/apply-series.sh [--through I|II|III] TREE   apply it to a 7.3.4 tree"
	@echo "  make install-udev    install the udev site policy (DESTDIR=...); uninstall-udev removes it"
	@echo "  make bench-native DEST=DIR [SAVE=1]   streaming's verdict for memory on your device"
	@echo "  bench/host/bench.sh --help            time binds on your host (destroys a region you name)"
	@echo "  tools/testing/selftests/dax/memmap_streaming.sh   the kselftest, in a patched tree"
	@echo "Edit the series:"
	@echo "  make worktree        ./linux: the base with patches/ and patches/test-only/ as commits"
	@echo "  make export          regenerate patches/ from ./linux"
	@echo "  make checkpatch      checkpatch.pl --strict on every patch"
	@echo "  make build           build one kernel (KERNEL=base|part1|patched|check|kasan|linkcheck)"
	@echo "Parts of the above:"
	@echo "  make deps            apt-get what is missing (as root; else prints the command)"
	@echo "  make base            fetch and unpack the pinned 7.3.4 base"
	@echo "  make tree            the patched source tree the builds use"
	@echo "  make clean-results   remove results/ (not the cache: see README, Cleanup)"

deps:
	@$(R)/deps.sh

base: deps
	@$(R)/fetch-base.sh

worktree: base
	@$(R)/worktree.sh

export:
	@$(R)/export-series.sh

tree: base
	@$(R)/patched-tree.sh

checkpatch: base
	@$(R)/checkpatch.sh

KERNEL ?= patched
# The source tree of each kernel variant (rig/patched-tree.sh): part1, check
# (check and kasan: the series + patches/test-only/) or patched (patched,
# linkcheck). linkcheck is vmlinux only: no initramfs.
tree_of = $(if $(filter part1,$(1)),part1,$(if $(filter check kasan,$(1)),check,patched))
build: deps
	@$(R)/fetch-base.sh
	@[ "$(KERNEL)" = base ] || $(R)/patched-tree.sh $(call tree_of,$(KERNEL))
	@$(R)/build-kernel.sh $(KERNEL)
	@[ "$(KERNEL)" = linkcheck ] || $(R)/mkinitramfs.sh $(KERNEL)

shell: build
	@$(R)/qemu-run.sh --shell -k $(KERNEL) -a $(or $(ACCEL),tcg) --nvdimm 8G --virtio-pmem 2G

unit-test:
	@python3 -m unittest discover -s tests -p 'test_*.py'

check: deps
	@$(R)/check.sh

# KASAN build of the check kernel and the smoke suite on it (slow path
# everywhere); not part of make check, see rig/check.sh.
check-kasan: deps
	@$(R)/check.sh --kasan

# make bench [SIZE=16G] [REBINDS=10] [ACCEL="tcg-icount ..."] [CONFIGS="fsdax-dev ..."]
#            [KERNELS="base part1 patched"] [POLICIES="auto on off"] [OPT=size]
#            [MEMMAP_THREADS="1 0"]   (with threads, ACCEL defaults to "tcg tcg-icount")
# Default: KERNELS="base patched" POLICIES=auto, the README's table.
bench: deps
	@$(R)/bench.sh $(if $(SIZE),--size $(SIZE)) $(if $(REBINDS),--rebinds $(REBINDS)) \
		$(if $(ACCEL),--accel "$(ACCEL)") $(if $(CONFIGS),--configs "$(CONFIGS)") \
		$(if $(KERNELS),--kernels "$(KERNELS)") $(if $(POLICIES),--policies "$(POLICIES)") \
		$(if $(OPT),--opt $(OPT)) $(if $(MEMMAP_THREADS),--threads "$(MEMMAP_THREADS)")

# make bench-profile [SIZE=16G] [KERNELS="base patched"] [SAVE=1]: make
# bench's kernels (built if missing, never rebuilt), one -icount boot each;
# tracing in passes of its own, never in make bench's timed runs
# (rig/bench-profile.sh). SAVE=1: copy the result to bench/latest/profile/.
bench-profile: deps
	@$(R)/bench-profile.sh $(if $(SIZE),--size $(SIZE)) $(if $(KERNELS),--kernels "$(KERNELS)") \
		$(if $(SAVE),--save)

# make bench-threads: the thread-scaling run in one command. The series'
# memmap with memremap.memmap_threads 1, 2, 4 and 8 in turn, in a guest of
# 8 vCPUs under multi-threaded TCG (emulated time: it means something only
# where each vCPU has a host core of its own, e.g. on 16 cores), then make
# bench-native with 1, 2, 4 and 8 threads on this host's CPUs.
bench-threads: deps
	@$(MAKE) --no-print-directory bench KERNELS=patched POLICIES=auto \
		CONFIGS="fsdax-dev devdax-2m" MEMMAP_THREADS="1 2 4 8" ACCEL=tcg
	@$(MAKE) --no-print-directory bench-native THREADS=1,2,4,8

# make bench-native [MEMMAP=1600M] [RUNS=10] [THREADS=1,2,...] [DEST=DIR|FILE|DEVICE]
#                   [BENCH_NATIVE_OVERWRITE=FILE|DEVICE] [SAVE=1]
# No kernel: cached vs streaming stores vs the fill floor, in seconds, and a
# verdict per memory and thread count. A DEST directory gets a new file; a
# DEST file or device would be overwritten, so it is refused unless
# BENCH_NATIVE_OVERWRITE names it too (one in use: always). SAVE=1: copy the
# result to bench/native/results/<cpu>_<kernel>.{txt,csv,raw}.
bench-native:
	@BENCH_NATIVE_OVERWRITE='$(BENCH_NATIVE_OVERWRITE)' bench/native/run.sh $(if $(MEMMAP),--size $(MEMMAP)) $(if $(RUNS),--runs $(RUNS)) \
		$(if $(THREADS),--threads $(THREADS)) $(foreach d,$(DEST),--dest $(d)) \
		$(if $(SAVE),--save)

# The udev rules, helper and example configuration (rig/install-udev.sh):
# into DESTDIR when given, else into / with a reload and a per-device trigger.
install-udev:
	@DESTDIR="$(DESTDIR)" $(R)/install-udev.sh

uninstall-udev:
	@DESTDIR="$(DESTDIR)" $(R)/install-udev.sh --uninstall

clean-results:
	rm -rf results
