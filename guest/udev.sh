#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The udev policy end to end: the real systemd-udevd (Debian's udev) with
# udev/70-memmap-streaming.rules and a site configuration that says "off"
# where the kernel's auto would stream (map=dev, devdax). The value must be
# on the seeds before anything binds, and in effect at the first bind.
#
# Expects rig/qemu-run.sh --nvdimm 8G (as make check gives every guest
# script). Destroys every namespace on it.
. /guest/lib.sh

cat >/etc/memmap-streaming.conf <<'CONF'
# test site policy: never stream on region0
nd   pfn0.*  off
nd   dax0.*  off
dax  dax*    off
CONF

check "systemd-udevd starts" /lib/systemd/systemd-udevd --daemon --resolve-names=never
load_pmem_stack
udevadm settle
check "NFIT: labels initialised" init_nfit_labels
udevadm settle

seed=$(cat $ND/devices/region0/pfn_seed)
check "udev: the pfn seed $seed was set to off before any bind" \
	test "$(cat "$ND/devices/$seed/memmap_streaming")" = off
seed=$(cat $ND/devices/region0/dax_seed)
check "udev: the dax seed $seed was set to off before any bind" \
	test "$(cat "$ND/devices/$seed/memmap_streaming")" = off

if json=$(ndctl create-namespace -r region0 -s 1G -m fsdax -M dev); then
	pfn=$(pfn_of_blockdev "$(echo "$json" | json_field blockdev)")
	check "udev: fsdax map=dev first bind used the site's off" \
		test "$(cat "$ND/devices/$pfn/memmap_streaming_effective")" = off
	check "udev: and the kernel reports the template path without streaming" test "$(last_path)" = template
else
	fail "ndctl create-namespace -m fsdax -M dev"
fi
udevadm settle
if json=$(ndctl create-namespace -r region0 -s 1G -m devdax -a 2M); then
	dax=$(echo "$json" | json_field chardev)
	udevadm settle
	check "udev: dax-bus $dax was set to off" test "$(cat "$DAXBUS/devices/$dax/memmap_streaming")" = off
	before=$(memmap_init_count)
	check "udev: device_dax rebind $dax" rebind dax device_dax "$dax"
	check "udev: the rebind initialised the memmap" test "$(memmap_init_count)" -gt "$before"
	check "udev: devdax bind used the site's off" \
		test "$(cat "$DAXBUS/devices/$dax/memmap_streaming_effective")" = off
else
	fail "ndctl create-namespace -m devdax"
fi
udevadm control --exit
summary
