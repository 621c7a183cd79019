#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Installs every Debian 12 (bookworm) package pgplist needs to build, run and test.
# Idempotent: when everything is installed already it changes nothing and does not even run
# "apt-get update" (pass --update to refresh the package lists and upgrade to the candidates
# anyway). Postfix is preseeded to "No configuration", so it installs without asking and the
# system's mail setup is left alone. Runs apt-get as root (through sudo when not root).
#
#   scripts/install-deps.sh [--update]
set -euo pipefail

PACKAGES=(
	# build
	meson ninja-build pkg-config gcc libc6-dev clang libclang-rt-14-dev
	libglib2.0-dev libgmime-3.0-dev librnp-dev libsqlite3-dev libsoup-3.0-dev libjson-glib-dev
	# run
	glib-networking gnupg sqlite3 openssl ca-certificates
	# test
	postfix swaks python3
)

die() { echo "install-deps: $*" >&2; exit 1; }

force=0
case "${1:-}" in
"") ;;
--update) force=1 ;;
-h | --help) sed -n '4,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
*) die "unknown argument $1 (usage: $0 [--update])" ;;
esac

if [ ! -r /etc/debian_version ] || ! command -v apt-get >/dev/null; then
	die "this is not a Debian system"
fi

SUDO=()
if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null || die "run as root (or install sudo)"
	SUDO=(sudo)
fi

missing=()
for package in "${PACKAGES[@]}"; do
	status=$(dpkg-query -W -f '${db:Status-Status}' "$package" 2>/dev/null || true)
	[ "$status" = installed ] || missing+=("$package")
done
if [ "$force" = 0 ] && [ "${#missing[@]}" = 0 ]; then
	echo "install-deps: all ${#PACKAGES[@]} packages are installed"
	exit 0
fi

export DEBIAN_FRONTEND=noninteractive
# Postfix asks how to configure itself; "No configuration" leaves /etc/postfix/main.cf absent
# and the service unstarted (the tests run their own private instance).
if ! dpkg-query -W -f '${db:Status-Status}' postfix 2>/dev/null | grep -qx installed; then
	echo "postfix postfix/main_mailer_type select No configuration" |
		"${SUDO[@]}" debconf-set-selections || die "debconf-set-selections failed"
fi

echo "install-deps: apt-get update"
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q update ||
	die "apt-get update failed"
if [ "$force" = 1 ]; then
	install=("${PACKAGES[@]}") # --update: bring every one of them to its candidate version
else
	install=("${missing[@]}")
fi
echo "install-deps: apt-get install ${install[*]}"
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -y \
	-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
	install "${install[@]}" || die "apt-get install failed"

for package in "${PACKAGES[@]}"; do
	dpkg-query -W -f '${db:Status-Status}' "$package" 2>/dev/null | grep -qx installed ||
		die "$package is still not installed"
done
echo "install-deps: all ${#PACKAGES[@]} packages are installed"
