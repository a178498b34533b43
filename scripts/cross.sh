#!/bin/sh
# SPDX-License-Identifier: MIT
# Cross-build libmeter and its C tests for arm64 (a Raspberry Pi) and s390x (big-endian,
# for byte-order mistakes) with Debian's cross compilers, and run the tests under qemu-user.
# Usage: scripts/cross.sh [arm64|s390x|all]. Installs only what is missing; writes build-cross/.
set -eu
cd "$(dirname "$0")/.."
case ${1:-all} in
    all) targets="arm64 s390x" ;;
    arm64 | s390x) targets=$1 ;;
    *) echo "usage: $0 [arm64|s390x|all]" >&2; exit 2 ;;
esac
jobs=$(nproc 2>/dev/null || echo 2)
top=$(pwd)/build-cross
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo

triple() {
    case $1 in
        arm64) echo aarch64-linux-gnu ;;
        s390x) echo s390x-linux-gnu ;;
    esac
}
installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

# --- what is missing: the cross compilers and C libraries, qemu-user, the target's
# package lists.
missing=""
installed qemu-user || missing="$missing qemu-user"
need_update=0
for a in $targets; do
    for p in "gcc-$(triple "$a")" "libc6-dev-$a-cross"; do
        installed "$p" || missing="$missing $p"
    done
    if ! dpkg --print-foreign-architectures | grep -qx "$a"; then
        echo "adding the $a architecture to dpkg (for its package lists)"
        $SUDO dpkg --add-architecture "$a"
        need_update=1
    fi
done
[ -n "$missing" ] && need_update=1
updated=0
if [ "$need_update" -eq 1 ]; then
    $SUDO apt-get update -qq
    updated=1
fi
if [ -n "$missing" ]; then
    echo "installing:$missing"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
        -o DPkg::Lock::Timeout=600 $missing >/dev/null
fi

# --- the target's libraries. They are unpacked into build-cross/ARCH/libs, not installed
# as NAME:ARCH: a multiarch package must have the very version of the native one, and
# Debian's archive does not always carry a security update for every architecture (here
# libmodbus5 3.1.6-2.1+deb12u1 has no s390x build), which would leave apt unable to
# install or upgrade the native libmodbus-dev that the rest of the suite needs.
# libc comes with the cross compiler (/usr/TRIPLE).
LIBPKGS="libmodbus5 libmodbus-dev libcmocka0 libcmocka-dev"
unpack_libs() { # ARCH
    dir="$top/$1/libs"
    [ -f "$dir/.unpacked" ] && return 0
    rm -rf "$dir" "$top/$1/debs"
    mkdir -p "$dir" "$top/$1/debs"
    pkgs=""
    for p in $LIBPKGS; do pkgs="$pkgs $p:$1"; done
    # apt-get download writes into the current folder
    if ! (cd "$top/$1/debs" && apt-get download -qq -o APT::Sandbox::User=root $pkgs); then
        [ "$updated" -eq 1 ] && return 1
        $SUDO apt-get update -qq
        updated=1
        (cd "$top/$1/debs" && apt-get download -qq -o APT::Sandbox::User=root $pkgs)
    fi
    for d in "$top/$1/debs"/*.deb; do
        dpkg-deb -x "$d" "$dir"
    done
    touch "$dir/.unpacked"
}

# --- build and test each target.
# Left out under qemu-user, with the reason:
#   test_soak_*  load tests (30 000 Modbus transactions, 3000 M-Bus reads, 60 IEC readouts
#                with faults): they pass under qemu-s390x but cost 155 s there (one at a time),
#                more than the rest of a target; they test robustness, not byte order, and the
#                native run and ASan cover them. `ctest --test-dir build-cross/ARCH/build -R
#                soak` runs them.
exclude='^test_soak_'
for a in $targets; do
    t=$(triple "$a")
    echo "== cross: $a ($t), tests under qemu-user"
    unpack_libs "$a"
    b="$top/$a/build"
    cmake -S . -B "$b" -DCMAKE_TOOLCHAIN_FILE="$(pwd)/cmake/toolchain-$t.cmake" \
        -DMETER_CROSS_LIBS="$top/$a/libs" -DMETER_WERROR=ON -DMETER_BUILD_EXAMPLES=OFF \
        -DMETER_BUILD_BENCH=OFF -DMETER_BUILD_TESTS=ON >/dev/null
    cmake --build "$b" -j"$jobs" >"$b/build.log" 2>&1 || { cat "$b/build.log"; exit 1; }
    # the tests are the target's (and s390x's really big-endian), not the build machine's
    case $a in
        arm64) want="little endian.*AArch64" ;;
        s390x) want="big endian.*S/390" ;;
    esac
    readelf -h "$b/tests/test_modbus_codec" | tr '\n' ' ' | grep -q "$want" ||
        { echo "cross: $b/tests/test_modbus_codec is not an $a program" >&2; exit 1; }
    # (no pipe: a failing test must fail this script)
    ctest --test-dir "$b" -j"$jobs" -E "$exclude" --output-on-failure >"$b/ctest.log" 2>&1 ||
        { cat "$b/ctest.log"; echo "cross: $a: tests failed" >&2; exit 1; }
    grep -E "tests passed|tests failed" "$b/ctest.log" | sed "s/^/cross $a: /"
done
