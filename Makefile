# SPDX-License-Identifier: GPL-2.0
# Entry points only; the work is done by the scripts in rig/, guest/, bench/.

SHELL := /bin/bash
R := rig

.PHONY: all help deps base worktree export tree build build-base initramfs \
	checkpatch check check-kasan unit-test bench bench-native shell clean-results

help:
	@echo "make bench       base vs part 1 vs patched memmap init, every configuration (main job)"
	@echo "make bench-native the series' memmap store loop on this CPU (user space, seconds)"
	@echo "make check       the test suite (CI runs this)"
	@echo "make worktree    ./linux: the base with patches/ applied as commits (edit here)"
	@echo "make export      regenerate patches/ from ./linux"
	@echo "make build       build the patched kernel (KERNEL=base|part1|patched|check|kasan|linkcheck)"
	@echo "make shell       a shell in the guest (KERNEL=..., ACCEL=...)"
	@echo "make unit-test   host-side tests only (no kernel build)"

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

# make bench [SIZE=16G] [REBINDS=10] [ACCEL=tcg-icount] [CONFIGS="fsdax-dev ..."]
#            [KERNELS="base part1 patched"] [POLICIES="auto on off"] [OPT=size]
#            [MEMMAP_THREADS="1 2"]
bench: deps
	@$(R)/bench.sh $(if $(SIZE),--size $(SIZE)) $(if $(REBINDS),--rebinds $(REBINDS)) \
		$(if $(ACCEL),--accel $(ACCEL)) $(if $(CONFIGS),--configs "$(CONFIGS)") \
		$(if $(KERNELS),--kernels "$(KERNELS)") $(if $(POLICIES),--policies "$(POLICIES)") \
		$(if $(OPT),--opt $(OPT)) $(if $(MEMMAP_THREADS),--threads "$(MEMMAP_THREADS)")

# make bench-native [MEMMAP=1600M] [RUNS=5] [THREADS=1,2,...] [DEST=/dev/daxX.Y|DIR]
# No kernel, no root: cached vs streaming stores vs the fill floor, in seconds.
bench-native:
	@bench/native/run.sh $(if $(MEMMAP),--size $(MEMMAP)) $(if $(RUNS),--runs $(RUNS)) \
		$(if $(THREADS),--threads $(THREADS)) $(foreach d,$(DEST),--dest $(d))

clean-results:
	rm -rf results
