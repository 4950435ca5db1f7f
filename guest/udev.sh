#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The udev site policy end to end, installed as make install-udev installs it
# (rig/install-udev.sh), under the real systemd-udevd (Debian's udev):
# - into a DESTDIR: the files, the example that sets nothing, an existing
#   configuration kept, a same-named rule in etc/udev/rules.d warned about;
# - on this running system, with namespaces that already exist and a
#   configuration of its own written first (off where the kernel's auto
#   would stream: map=dev, devdax; not the example, which sets nothing):
#   its value must be on every existing pfn and dax-bus device right after
#   the install, and their next rebind must take the template path without
#   streaming (the kernel's "memmap_init_zone_device initialised N pages in
#   M ms, PATH path" pr_debug line, turned on by observe_memmap_init); a
#   namespace created after it must bind without streaming the first time;
# - uninstalled: the rule and helper gone, the modified configuration kept.
# Whether the first bind of a new devdax device uses the site's value is
# not checked: that depends on the kernel (a nd daxX.Y attribute, where
# the kernel still has one).
#
# Expects rig/qemu-run.sh --nvdimm 8G (as make check gives every guest
# script). Destroys every namespace on it.
# shellcheck source=guest/lib.sh
. "$(dirname "$0")/lib.sh"
rig_guest_only

INSTALL=/guest/rig/install-udev.sh
RULES=/usr/lib/udev/rules.d/70-memmap-streaming.rules
CONF=/etc/memmap-streaming.conf

# path_is WANT DESC BEFORE: memmap_init_zone_device() logged since BEFORE,
# and its last line reports the WANT path.
path_is() {
	check "udev: $2 initialised the memmap" test "$(memmap_init_count)" -gt "$3"
	p=$(last_path)
	if [ "$p" = "$1" ]; then
		pass "udev: $2 took the $1 path"
	else
		fail "udev: $2 took the '$p' path, expected $1"
	fi
}

# reads DEVICE-DIR VALUE: the device's memmap_streaming reads VALUE.
reads() {
	r=$(cat "$1/memmap_streaming")
	if [ "$r" = "$2" ]; then
		pass "udev: $1 reads $2"
	else
		fail "udev: $1 reads '$r', expected $2"
	fi
}

# --- into a staging directory ------------------------------------------------
stage=$(mktemp -d)
check "install-udev: DESTDIR install" env DESTDIR="$stage" sh $INSTALL
check "install-udev: DESTDIR rule, helper and example installed" \
	test -f "$stage$RULES" -a -x "$stage/usr/lib/udev/memmap-streaming-policy" -a -f "$stage$CONF"
check "udev: the example sets nothing (pfn0.0, dax0.0)" test -z "$(
	MEMMAP_STREAMING_CONF="$stage$CONF" sh "$stage/usr/lib/udev/memmap-streaming-policy" nd pfn0.0
	MEMMAP_STREAMING_CONF="$stage$CONF" sh "$stage/usr/lib/udev/memmap-streaming-policy" dax dax0.0)"
mkdir -p "$stage/etc/udev/rules.d"
echo "# an old copy" >"$stage/etc/udev/rules.d/70-memmap-streaming.rules"
out=$(env DESTDIR="$stage" sh $INSTALL 2>&1)
case "$out" in
*"WARNING: $stage/etc/udev/rules.d/70-memmap-streaming.rules shadows"*) pass "install-udev: a same-named rule in /etc/udev/rules.d is warned about" ;;
*) fail "install-udev: no warning about $stage/etc/udev/rules.d/70-memmap-streaming.rules: $out" ;;
esac
rm -r "$stage/etc/udev"
echo "nd pfn9.* on" >"$stage$CONF"
check "install-udev: DESTDIR reinstall" env DESTDIR="$stage" sh $INSTALL
check "install-udev: an existing configuration is kept" test "$(cat "$stage$CONF")" = "nd pfn9.* on"
check "install-udev: DESTDIR uninstall" env DESTDIR="$stage" sh $INSTALL --uninstall
check "install-udev: rule gone, modified configuration kept" \
	test ! -e "$stage$RULES" -a -f "$stage$CONF"
rm -rf "$stage"
check "install-udev: a DESTDIR install left / alone" test ! -e $RULES -a ! -e $CONF

# --- namespaces that exist before the install ---------------------------------
check "systemd-udevd starts" /lib/systemd/systemd-udevd --daemon --resolve-names=never
load_pmem_stack
udevadm settle
check "NFIT: labels initialised" init_nfit_labels
udevadm settle
observe_memmap_init

pfn='' dax=''
before=$(memmap_init_count)
if json=$(ndctl create-namespace -r region0 -s 1G -m fsdax -M dev); then
	pfn=$(pfn_of_blockdev "$(echo "$json" | json_field blockdev)")
	path_is template+streaming "fsdax map=dev $pfn before the install (auto)" "$before"
else
	fail "ndctl create-namespace -m fsdax -M dev"
fi
udevadm settle
if json=$(ndctl create-namespace -r region0 -s 1G -m devdax -a 2M); then
	dax=$(echo "$json" | json_field chardev)
else
	fail "ndctl create-namespace -m devdax"
fi
udevadm settle
[ -z "$pfn" ] || reads "$ND/devices/$pfn" auto
[ -z "$dax" ] || reads "$DAXBUS/devices/$dax" auto

# A configuration of its own, not the kernel's default (auto) and not the
# example (which sets nothing), there before the install, which keeps it.
printf 'nd pfn* off\ndax dax* off\n' >$CONF
check "install-udev: install into / (udev running)" sh $INSTALL
check "install-udev: its own configuration is kept" test "$(cat $CONF)" = "$(printf 'nd pfn* off\ndax dax* off')"
seed=$(cat "$ND/devices/region0/pfn_seed")
reads "$ND/devices/$seed" off
if [ -n "$pfn" ]; then
	reads "$ND/devices/$pfn" off
	before=$(memmap_init_count)
	check "udev: nd_pmem rebind $pfn" rebind nd nd_pmem "$pfn"
	path_is template "fsdax map=dev rebind of $pfn, installed off" "$before"
fi
if [ -n "$dax" ]; then
	reads "$DAXBUS/devices/$dax" off
	before=$(memmap_init_count)
	check "udev: device_dax rebind $dax" rebind dax device_dax "$dax"
	path_is template "devdax rebind of $dax, installed off" "$before"
fi

# --- a namespace created after the install: its pfn seed had the value -------
before=$(memmap_init_count)
if ndctl create-namespace -r region0 -s 1G -m fsdax -M dev >/dev/null; then
	path_is template "fsdax map=dev first bind after the install" "$before"
else
	fail "ndctl create-namespace -m fsdax -M dev after the install"
fi
udevadm settle

# --- uninstall ----------------------------------------------------------------
check "install-udev: uninstall from /" sh $INSTALL --uninstall
check "install-udev: rule and helper removed, the modified configuration kept" \
	test ! -e $RULES -a ! -e /usr/lib/udev/memmap-streaming-policy -a -f $CONF
rm -f $CONF
udevadm control --exit
summary
