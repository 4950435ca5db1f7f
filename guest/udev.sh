#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The udev policy end to end: the real systemd-udevd (Debian's udev) with
# udev/70-memmap-streaming.rules and a site configuration that says "off"
# where the kernel's auto would stream (map=dev, devdax). The value must be
# on the seeds before anything binds, and in effect at the first bind: the
# kernel's "memmap_init_zone_device initialised N pages in Mms, PATH path"
# line (pr_debug, turned on by observe_memmap_init) must say "template", not
# "template+streaming". A dax-bus device starts with the value of the nd
# daxX.Y device it came from, so the first device_dax bind (which udev
# cannot reach before it happens) already uses the site's off.
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

# bind_took_template DESC BEFORE: memmap_init_zone_device() logged since
# BEFORE, and its last line reports the template path without streaming.
bind_took_template() {
	local p
	check "udev: $1 initialised the memmap" test "$(memmap_init_count)" -gt "$2"
	p=$(last_path)
	if [ "$p" = template ]; then
		pass "udev: $1 took the template path, without streaming"
	else
		fail "udev: $1 took the '$p' path, expected template (no streaming)"
	fi
}

observe_memmap_init
before=$(memmap_init_count)
if ndctl create-namespace -r region0 -s 1G -m fsdax -M dev >/dev/null; then
	bind_took_template "fsdax map=dev first bind, with the site's off" "$before"
else
	fail "ndctl create-namespace -m fsdax -M dev"
fi
udevadm settle
before=$(memmap_init_count)
if json=$(ndctl create-namespace -r region0 -s 1G -m devdax -a 2M); then
	dax=$(echo "$json" | json_field chardev)
	bind_took_template "devdax first bind of $dax, off from the nd dax seed" "$before"
	udevadm settle
	check "udev: dax-bus $dax reads off" test "$(cat "$DAXBUS/devices/$dax/memmap_streaming")" = off
	before=$(memmap_init_count)
	check "udev: device_dax rebind $dax" rebind dax device_dax "$dax"
	bind_took_template "devdax rebind of $dax" "$before"
else
	fail "ndctl create-namespace -m devdax"
fi
udevadm control --exit
summary
