#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Fetch the pinned base kernel (Debian's linux-source-7.3) through a private
# apt configuration that reuses the Debian mirror this machine already uses,
# verify the tarball's sha256 and unpack it into a git repository tagged
# "base". A second run with everything cached fetches nothing.
#
# Usage: rig/fetch-base.sh           fetch, verify, unpack (idempotent)
#        rig/fetch-base.sh --repin   pin the newest offered version instead
set -euo pipefail
. "$(dirname "$0")/lib.sh"

APT_DIR=$CACHE_DIR/apt
DL_DIR=$CACHE_DIR/download
TARBALL=$DL_DIR/$BASE_PKG-$BASE_DEB_VERSION.tar.xz

# The URI of the Debian mirror of this machine's own release, as apt knows it.
debian_mirror() {
	local codename uri
	codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
	uri=$(apt-cache policy 2>/dev/null |
		awk -v s="$codename/main" '$3 == s && $4 ~ /amd64|all/ { print $2; exit }')
	[ -n "$uri" ] || die "no Debian mirror for '$codename/main' in apt's configuration; run 'apt-get update' first"
	printf '%s\n' "$uri"
}

apt_private() {
	apt-get -q -o Dir::Etc::SourceList="$APT_DIR/sources.list" \
		-o Dir::Etc::SourceParts=/dev/null \
		-o Dir::State::Lists="$APT_DIR/lists" \
		-o Dir::Cache="$APT_DIR/cache" \
		-o Dir::State::Status=/dev/null \
		-o APT::Default-Release= -o APT::Sandbox::User=root \
		"$@"
}

apt_cache_private() {
	apt-cache -o Dir::Etc::SourceList="$APT_DIR/sources.list" \
		-o Dir::Etc::SourceParts=/dev/null \
		-o Dir::State::Lists="$APT_DIR/lists" \
		-o Dir::Cache="$APT_DIR/cache" \
		-o Dir::State::Status=/dev/null \
		"$@"
}

update_private_lists() {
	mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/cache/archives/partial"
	printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s main\n' \
		"$(debian_mirror)" "$BASE_SUITE" >"$APT_DIR/sources.list"
	step "apt-get update ($BASE_SUITE, private lists in $APT_DIR)"
	apt_private update >"$APT_DIR/update.log" 2>&1 ||
		die "apt-get update for $BASE_SUITE failed; see $APT_DIR/update.log"
}

offered_versions() {
	apt_cache_private madison "$BASE_PKG" | awk -F'|' '{ gsub(/ /, "", $2); print $2 }'
}

fetch_deb() {
	local offered
	update_private_lists
	offered=$(offered_versions)
	if ! grep -qxF "$BASE_DEB_VERSION" <<<"$offered"; then
		printf 'ERROR: %s=%s is no longer offered by %s.\n' "$BASE_PKG" "$BASE_DEB_VERSION" "$BASE_SUITE" >&2
		printf 'Offered versions:\n%s\n' "${offered:-  (none)}" | sed 's/^/  /' >&2
		printf 'To re-pin to the newest offered version (and record its checksum), run:\n  rig/fetch-base.sh --repin\n' >&2
		exit 1
	fi
	step "downloading $BASE_PKG=$BASE_DEB_VERSION"
	(cd "$DL_DIR" && apt_private download "$BASE_PKG=$BASE_DEB_VERSION") ||
		die "download of $BASE_PKG=$BASE_DEB_VERSION failed"
}

extract_tarball() {
	local deb tmp
	deb=$(ls "$DL_DIR"/"${BASE_PKG}"_*.deb 2>/dev/null | head -n1)
	[ -n "$deb" ] || die "no $BASE_PKG .deb in $DL_DIR"
	tmp=$(mktemp -d "$DL_DIR/x.XXXXXX")
	step "extracting the source tarball from $(basename "$deb")"
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards '*/linux-source-7.3.tar.xz'
	mv "$tmp"/usr/src/linux-source-7.3.tar.xz "$TARBALL"
	rm -rf "$tmp" "$deb"
}

verify_tarball() {
	local sum
	sum=$(sha256sum "$TARBALL" | cut -d' ' -f1)
	if [ "$sum" != "$BASE_TARBALL_SHA256" ]; then
		mv "$TARBALL" "$TARBALL.bad"
		die "checksum mismatch for $(basename "$TARBALL"): got $sum, rig/base.pin records $BASE_TARBALL_SHA256. Moved it to $TARBALL.bad; nothing was unpacked. Run again to re-download; if it persists, the mirror serves a different file: investigate before re-pinning."
	fi
	info "sha256 ok ($sum)"
}

unpack_git() {
	local tmp
	step "unpacking into $BASE_SRC (git repo, tag 'base')"
	rm -rf "$BASE_SRC.tmp"
	mkdir -p "$BASE_SRC.tmp"
	tar -xf "$TARBALL" -C "$BASE_SRC.tmp" --strip-components=1
	tmp=$BASE_SRC.tmp
	(
		cd "$tmp"
		export GIT_AUTHOR_NAME=base GIT_AUTHOR_EMAIL=base@localhost
		export GIT_COMMITTER_NAME=base GIT_COMMITTER_EMAIL=base@localhost
		export GIT_AUTHOR_DATE='2026-01-01T00:00:00Z' GIT_COMMITTER_DATE='2026-01-01T00:00:00Z'
		git init -q -b base-tree .
		git config core.autocrlf false
		git config gc.auto 0
		git add -A -f .
		git commit -q -m "Linux $BASE_PKG $BASE_DEB_VERSION (Debian)"
		git tag base
	)
	mv "$tmp" "$BASE_SRC"
}

repin() {
	local newest
	update_private_lists
	newest=$(offered_versions | head -n1)
	[ -n "$newest" ] || die "$BASE_SUITE offers no $BASE_PKG"
	BASE_DEB_VERSION=$newest
	TARBALL=$DL_DIR/$BASE_PKG-$BASE_DEB_VERSION.tar.xz
	[ -f "$TARBALL" ] || { fetch_deb && extract_tarball; }
	printf 'version %s\nsha256 %s\n' "$newest" "$(sha256sum "$TARBALL" | cut -d' ' -f1)" >"$RIG_DIR/base.pin"
	info "re-pinned to $newest; commit rig/base.pin, then delete $BASE_SRC to unpack it"
}

need_cmd apt-get apt-cache dpkg-deb tar xz git sha256sum
mkdir -p "$DL_DIR"

if [ "${1:-}" = --repin ]; then
	repin
	exit 0
fi

if [ -d "$BASE_SRC/.git" ] && [ "$(cat "$BASE_SRC/.git/base-version" 2>/dev/null)" = "$BASE_DEB_VERSION" ]; then
	info "base $BASE_DEB_VERSION already unpacked in $BASE_SRC"
	exit 0
fi
if [ ! -f "$TARBALL" ]; then
	fetch_deb
	extract_tarball
else
	info "using cached $(basename "$TARBALL")"
fi
verify_tarball
rm -rf "$BASE_SRC"
unpack_git
echo "$BASE_DEB_VERSION" >"$BASE_SRC/.git/base-version"
step "base ready"
