# SPDX-License-Identifier: Apache-2.0
# SltdInstall.cmake — what `cmake --install` puts where (GNUInstallDirs), in four components that are
# also the four Debian packages (cmake/SltdPackaging.cmake):
#   lib    libsltd.so.N (the runtime library)                                  -> libsltdN
#   dev    sltd.h, libsltd.a, libsltd.so, sltd.pc, CMake package, libsltd(3)   -> libsltd-dev
#   cli    sltd, sltd(1)                                                       -> sltd
#   bench  sltd-bench, sltd-bench(1); not in a plain `cmake --install` (it links SQLite): install it
#          with `cmake --install BUILD --component bench`                     -> sltd-bench
# Included by the top-level CMakeLists.txt after every target is defined.

include(CMakePackageConfigHelpers)

# ---- RUNPATH of the installed programs ------------------------------------------------------------
# A system prefix (/usr: its libdir is one the toolchain and the dynamic linker search anyway) gets no
# RPATH/RUNPATH at all: distributions refuse them, and the packages must not carry one. Any other
# prefix (/usr/local, /opt/sltd, a private directory) gets RUNPATH $ORIGIN/<bindir to libdir> on the
# programs only, so that they find the library installed with them, wherever the tree is moved.
# The library itself never gets one (its dependencies are system libraries).
set(SLTD_INSTALL_RPATH AUTO CACHE STRING "RUNPATH on installed programs: AUTO (only for non-system prefixes), ON, OFF")
set_property(CACHE SLTD_INSTALL_RPATH PROPERTY STRINGS AUTO ON OFF)
set(_sltd_rpath "")
if(SLTD_INSTALL_RPATH STREQUAL "AUTO")
  set(_sltd_system_dirs ${CMAKE_C_IMPLICIT_LINK_DIRECTORIES} ${CMAKE_PLATFORM_IMPLICIT_LINK_DIRECTORIES})
  if(NOT CMAKE_INSTALL_FULL_LIBDIR IN_LIST _sltd_system_dirs)
    set(_sltd_want_rpath ON)
  endif()
elseif(SLTD_INSTALL_RPATH)
  set(_sltd_want_rpath ON)
endif()
if(_sltd_want_rpath)
  file(RELATIVE_PATH _sltd_bin_to_lib ${CMAKE_INSTALL_FULL_BINDIR} ${CMAKE_INSTALL_FULL_LIBDIR})
  set(_sltd_rpath "$ORIGIN/${_sltd_bin_to_lib}")
endif()
set(_sltd_programs sltd_cli)
if(TARGET sltd_bench)
  list(APPEND _sltd_programs sltd_bench)
endif()
foreach(t IN LISTS _sltd_programs)
  set_target_properties(${t} PROPERTIES INSTALL_RPATH "${_sltd_rpath}")
endforeach()

# ---- man pages: gzip -9n where gzip exists (Debian policy; man reads both) -------------------------
find_program(SLTD_GZIP gzip)
function(sltd_install_man src section component)
  get_filename_component(name ${src} NAME)
  if(SLTD_GZIP)
    set(out ${CMAKE_CURRENT_BINARY_DIR}/man/${name}.gz)
    add_custom_command(OUTPUT ${out}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_CURRENT_BINARY_DIR}/man
      COMMAND ${SLTD_GZIP} -9nc ${CMAKE_CURRENT_SOURCE_DIR}/${src} > ${out}
      DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${src} VERBATIM)
    add_custom_target(man_${name} ALL DEPENDS ${out})
  else()
    set(out ${CMAKE_CURRENT_SOURCE_DIR}/${src})
  endif()
  install(FILES ${out} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section} COMPONENT ${component} ${ARGN})
endfunction()

# ---- the library ----------------------------------------------------------------------------------
install(TARGETS sltd EXPORT sltdTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT lib NAMELINK_COMPONENT dev)
install(TARGETS sltd_static EXPORT sltdTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev)
install(FILES include/sltd.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT dev)
sltd_install_man(docs/libsltd.3 3 dev)

# CMake package: relocatable (every path is computed from where the files are found).
install(EXPORT sltdTargets NAMESPACE sltd:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/sltd COMPONENT dev)
configure_package_config_file(cmake/sltdConfig.cmake.in ${CMAKE_CURRENT_BINARY_DIR}/sltdConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/sltd)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/sltdConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/sltdConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/sltdConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/sltd COMPONENT dev)

# pkg-config: sltd.pc is written at install time, with the prefix the install really uses (so
# `cmake --install BUILD --prefix P` writes P), absolute paths for a multiarch libdir as for any
# other, and never DESTDIR (a staged install describes its final place). The pkg-config modules
# a static link needs are the ones listed here, and the Debian -dev package depends on their packages.
set(SLTD_PC_REQUIRES_PRIVATE lmdb libsodium libxxhash jansson libcurl)
list(JOIN SLTD_PC_REQUIRES_PRIVATE " " _sltd_pc_requires)
configure_file(cmake/sltd-pc-install.cmake.in ${CMAKE_CURRENT_BINARY_DIR}/sltd-pc-install.cmake @ONLY)
install(SCRIPT ${CMAKE_CURRENT_BINARY_DIR}/sltd-pc-install.cmake COMPONENT dev)

# ---- the programs ---------------------------------------------------------------------------------
install(TARGETS sltd_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT cli)
sltd_install_man(docs/sltd.1 1 cli)
if(TARGET sltd_bench)
  install(TARGETS sltd_bench RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT bench EXCLUDE_FROM_ALL)
  sltd_install_man(docs/sltd-bench.1 1 bench EXCLUDE_FROM_ALL)
endif()
