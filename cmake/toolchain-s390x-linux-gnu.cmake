# SPDX-License-Identifier: MIT
# Cross build for IBM Z (s390x), a big-endian target: it catches byte-order mistakes
# in the codecs. Debian's gcc-s390x-linux-gnu; tests run under qemu-s390x (qemu-user).
# Used by scripts/cross.sh; see cmake/toolchain-common.cmake for METER_CROSS_LIBS.
set(CMAKE_SYSTEM_PROCESSOR s390x)
set(METER_CROSS_TRIPLE s390x-linux-gnu)
set(METER_CROSS_QEMU qemu-s390x)
include(${CMAKE_CURRENT_LIST_DIR}/toolchain-common.cmake)
