#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make install-udev / make uninstall-udev: the site memmap streaming policy.
#
# Install: udev/70-memmap-streaming.rules to $DESTDIR/usr/lib/udev/rules.d/,
# udev/memmap-streaming-policy to $DESTDIR/usr/lib/udev/ (the path the rule
# names), and udev/memmap-streaming.conf.example as
# $DESTDIR/etc/memmap-streaming.conf only where that file does not exist: an
# existing configuration is never overwritten. Without DESTDIR, on a
# running udev, it then reloads the rules and sends a "change" event to each
# device that has a memmap_streaming attribute (nd pfnX.Y, dax-bus daxX.Y),
# one by one by path, so that they read the site's value now and use it at
# their next bind. No subsystem-wide trigger: other rules of those devices
# see a "change" event only.
#
# The example sets nothing (every policy line commented out). A rule of the
# same name in /etc/udev/rules.d or /run/udev/rules.d shadows the one in
# /usr/lib/udev/rules.d (udev reads the first it finds): it warns about each,
# since the installed rule then never runs. It also warns when the
# configuration in place has a malformed line (the helper then applies
# nothing).
#
# Uninstall: removes the rule and the helper; the configuration only while it
# is the unmodified example. Values already written stay until the device
# goes away or is written again (echo auto > .../memmap_streaming).
#
# Usage: [DESTDIR=DIR] rig/install-udev.sh [--uninstall]
# POSIX sh and busybox: make check runs it in the guest (guest/udev.sh).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
src=$here/udev
dest=${DESTDIR:-}
rules=$dest/usr/lib/udev/rules.d/70-memmap-streaming.rules
helper=$dest/usr/lib/udev/memmap-streaming-policy
conf=$dest/etc/memmap-streaming.conf
example=$src/memmap-streaming.conf.example
me=install-udev

die() { echo "$me: $*" >&2; exit 1; }
say() { echo "$me: $*"; }

uninstall=0
case "${1:-}" in
'') ;;
--uninstall) uninstall=1 ;;
-h | --help) sed -n '3,28s/^# \{0,1\}//p' "$0"; exit 0 ;;
*) die "unknown option $1 (see --help)" ;;
esac
for f in 70-memmap-streaming.rules memmap-streaming-policy memmap-streaming.conf.example; do
	[ -f "$src/$f" ] || die "$src/$f is missing"
done
if [ -z "$dest" ] && [ "$(id -u)" != 0 ]; then
	die "installing into / needs root (or DESTDIR=DIR for a staging directory)"
fi

# put SRC DST MODE: copy SRC to DST through a temporary file in DST's directory.
put() {
	mkdir -p "$(dirname "$2")"
	cp "$1" "$2.tmp$$"
	chmod "$3" "$2.tmp$$"
	mv -f "$2.tmp$$" "$2"
	say "installed $2"
}

if [ "$uninstall" = 1 ]; then
	for f in "$rules" "$helper"; do
		[ ! -e "$f" ] || { rm -f "$f"; say "removed $f"; }
	done
	if [ ! -e "$conf" ]; then
		:
	elif cmp -s "$conf" "$example"; then
		rm -f "$conf"
		say "removed $conf (the unmodified example)"
	else
		say "kept $conf: it is not the example (remove it by hand if unwanted)"
	fi
else
	put "$src/70-memmap-streaming.rules" "$rules" 0644
	put "$src/memmap-streaming-policy" "$helper" 0755
	if [ -e "$conf" ]; then
		say "kept the existing $conf"
	else
		put "$example" "$conf" 0644
	fi
fi

# shadowed: the same-named rules udev reads instead of ours.
shadowed=
for d in "$dest/etc/udev/rules.d" "$dest/run/udev/rules.d"; do
	[ -e "$d/70-memmap-streaming.rules" ] || [ -L "$d/70-memmap-streaming.rules" ] || continue
	shadowed="$shadowed $d/70-memmap-streaming.rules"
	if [ "$uninstall" = 1 ]; then
		say "left $d/70-memmap-streaming.rules, which is not this installer's: udev still runs it"
	else
		echo "$me: WARNING: $d/70-memmap-streaming.rules shadows $rules: udev reads that one instead, so the installed rule never runs; remove it (or, if it is a copy you made on purpose, keep it up to date with $src/70-memmap-streaming.rules)" >&2
	fi
done
if [ "$uninstall" = 0 ] && [ -f "$conf" ] &&
	! MEMMAP_STREAMING_CONF=$conf sh "$helper" nd pfn0.0 >/dev/null 2>"$conf.check$$"; then
	echo "$me: WARNING: $conf has malformed lines, so the helper applies nothing until they are fixed:" >&2
	sed 's/^/  /' "$conf.check$$" >&2
fi
rm -f "$conf.check$$"

# Staging directory, or no udev running: nothing to reload or trigger.
[ -z "$dest" ] || exit 0
if ! udevadm control --reload 2>/dev/null; then
	say "udev is not running: no reload, no trigger (devices get the value when they appear)"
	exit 0
fi
say "reloaded udev's rules"
[ "$uninstall" = 0 ] || exit 0
n=0
for d in /sys/bus/nd/devices/pfn*.* /sys/bus/dax/devices/dax*.*; do
	[ -e "$d/memmap_streaming" ] || continue
	udevadm trigger --action=change "$d"
	n=$((n + 1))
done
udevadm settle
if [ -n "$shadowed" ]; then
	say "sent a change event to $n existing device(s), but the rule that ran is not the one installed:$shadowed"
else
	say "applied the policy to $n existing device(s); each uses it at its next bind"
fi
for d in /sys/bus/nd/devices/pfn*.* /sys/bus/dax/devices/dax*.*; do
	[ -e "$d/memmap_streaming" ] || continue
	echo "  $d/memmap_streaming: $(cat "$d/memmap_streaming")"
done
