#!/bin/sh
# SPDX-License-Identifier: MIT
# Install what libmeter needs to build and test, from Debian's packages.
# Runs apt-get only when something is missing; uses sudo when not root.
set -eu
PKGS="build-essential cmake pkg-config libmodbus-dev libcmocka-dev clang libclang-rt-14-dev valgrind mbpoll python3 python3-pymodbus python3-serial-asyncio libmosquitto-dev mosquitto mosquitto-clients libcjson-dev libinih-dev libsml-dev"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "installing:$missing"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
