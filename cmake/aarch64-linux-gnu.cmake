# SPDX-License-Identifier: Apache-2.0
# Toolchain file: cross-build for 64-bit ARM Linux with Debian's gcc-aarch64-linux-gnu, against the
# arm64 libraries installed by multiarch (dpkg --add-architecture arm64), and run what is built
# (tests, benchmarks) under qemu-user. tools/cross-aarch64.sh installs all of it and uses this file.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(SLTD_CROSS_TRIPLET aarch64-linux-gnu)

set(CMAKE_C_COMPILER ${SLTD_CROSS_TRIPLET}-gcc)
find_program(_sltd_cross_cxx ${SLTD_CROSS_TRIPLET}-g++)
if(_sltd_cross_cxx)
  set(CMAKE_CXX_COMPILER ${_sltd_cross_cxx})
endif()

# Multiarch: the arm64 libraries and headers live beside the host's, under their own triplet, so
# there is no sysroot; only arm64 pkg-config files may be found.
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/${SLTD_CROSS_TRIPLET}/pkgconfig:/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")
set(CMAKE_LIBRARY_ARCHITECTURE ${SLTD_CROSS_TRIPLET})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)

# Run target binaries under qemu-user; the arm64 dynamic loader and libraries are the multiarch ones.
find_program(SLTD_QEMU_AARCH64 NAMES qemu-aarch64 qemu-aarch64-static)
if(SLTD_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${SLTD_QEMU_AARCH64})
endif()
