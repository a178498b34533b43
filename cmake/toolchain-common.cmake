# SPDX-License-Identifier: MIT
# Shared part of the Linux cross toolchains (Debian's gcc-<triple> cross compilers):
# the includer sets METER_CROSS_TRIPLE and METER_CROSS_QEMU. Test programs run under
# qemu-user with the cross C library's folder as its prefix (-L /usr/<triple>).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_C_COMPILER ${METER_CROSS_TRIPLE}-gcc)
set(CMAKE_CROSSCOMPILING_EMULATOR ${METER_CROSS_QEMU} -L /usr/${METER_CROSS_TRIPLE})

# The target's libraries (libmodbus, cmocka) come from pkg-config files in one of two
# places: METER_CROSS_LIBS, a folder holding the target's Debian packages unpacked
# (scripts/cross.sh makes one), or else Debian's multiarch folders (packages
# installed as NAME:ARCH). Never the build machine's own .pc files.
set(CMAKE_TRY_COMPILE_PLATFORM_VARIABLES METER_CROSS_LIBS)
if(METER_CROSS_LIBS)
  set(ENV{PKG_CONFIG_SYSROOT_DIR} ${METER_CROSS_LIBS})
  set(ENV{PKG_CONFIG_LIBDIR}
      "${METER_CROSS_LIBS}/usr/lib/${METER_CROSS_TRIPLE}/pkgconfig:${METER_CROSS_LIBS}/usr/share/pkgconfig")
else()
  set(ENV{PKG_CONFIG_LIBDIR}
      "/usr/lib/${METER_CROSS_TRIPLE}/pkgconfig:/usr/share/pkgconfig")
endif()
set(ENV{PKG_CONFIG_PATH} "")
