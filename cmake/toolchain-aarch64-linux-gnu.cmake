# SPDX-License-Identifier: MIT
# Cross build for 64-bit ARM (a Raspberry Pi 3/4/5 on a 64-bit OS), little-endian:
# Debian's gcc-aarch64-linux-gnu; tests run under qemu-aarch64 (qemu-user).
# Used by scripts/cross.sh; see cmake/toolchain-common.cmake for METER_CROSS_LIBS.
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(METER_CROSS_TRIPLE aarch64-linux-gnu)
set(METER_CROSS_QEMU qemu-aarch64)
include(${CMAKE_CURRENT_LIST_DIR}/toolchain-common.cmake)
