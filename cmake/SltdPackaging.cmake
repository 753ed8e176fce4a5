# SPDX-License-Identifier: Apache-2.0
# SltdPackaging.cmake — CPack settings that turn the install components (cmake/SltdInstall.cmake) into
# four Debian packages: libsltdN (N = SOVERSION), libsltd-dev, sltd, sltd-bench.
#   packaging/build-debs.sh OUTDIR     configures a /usr build with Debian's build flags, builds,
#                                      runs `cpack -G DEB` and lintian (the way to make them)
# A build tree configured with -DCMAKE_INSTALL_PREFIX=/usr can also run `cpack -G DEB` itself.
# Each package gets /usr/share/doc/PACKAGE/{copyright,changelog.Debian.gz}: installed by rules marked
# EXCLUDE_FROM_ALL, so they come with a component install (which is what CPack does) and never with a
# plain `cmake --install`.

set(SLTD_PACKAGE_CONTACT "Seed 4109addf maintainers <maintainers@users.noreply.r-seed-4109addf.example>"
  CACHE STRING "Maintainer of the Debian packages (name <address>)")
set(SLTD_DEB_RELEASE 1 CACHE STRING "Debian revision of the packages (VERSION-REVISION)")

set(SLTD_DEB_LIB libsltd${SLTD_SOVERSION})
set(_sltd_components lib dev cli)
if(TARGET sltd_bench)
  list(APPEND _sltd_components bench)
endif()

# ---- per-package documentation --------------------------------------------------------------------
# The Debian changelog's date is the release date written in CHANGELOG.md ("## [X.Y.Z] - YYYY-MM-DD"),
# so that rebuilding a release gives the same file.
file(STRINGS ${PROJECT_SOURCE_DIR}/CHANGELOG.md _sltd_rel REGEX "^## \\[${PROJECT_VERSION}\\] - [0-9-]+")
set(SLTD_DEB_DATE "")
if(_sltd_rel MATCHES "- ([0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9])")
  execute_process(COMMAND date -u -R -d "${CMAKE_MATCH_1} 12:00:00"
    OUTPUT_VARIABLE SLTD_DEB_DATE OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
endif()
if(NOT SLTD_DEB_DATE)
  # an unreleased version: the time of configuration (SOURCE_DATE_EPOCH when set)
  string(TIMESTAMP SLTD_DEB_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)
endif()
configure_file(packaging/changelog.Debian.in ${CMAKE_CURRENT_BINARY_DIR}/debian/changelog.Debian @ONLY)
set(_sltd_deb_docs ${PROJECT_SOURCE_DIR}/packaging/copyright)
if(SLTD_GZIP)
  set(_sltd_chlog ${CMAKE_CURRENT_BINARY_DIR}/debian/changelog.Debian.gz)
  add_custom_command(OUTPUT ${_sltd_chlog}
    COMMAND ${SLTD_GZIP} -9nc ${CMAKE_CURRENT_BINARY_DIR}/debian/changelog.Debian > ${_sltd_chlog}
    DEPENDS ${CMAKE_CURRENT_BINARY_DIR}/debian/changelog.Debian VERBATIM)
  add_custom_target(deb_changelog ALL DEPENDS ${_sltd_chlog})
  list(APPEND _sltd_deb_docs ${_sltd_chlog})
endif()
set(_sltd_pkg_lib ${SLTD_DEB_LIB})
set(_sltd_pkg_dev libsltd-dev)
set(_sltd_pkg_cli sltd)
set(_sltd_pkg_bench sltd-bench)
foreach(c IN LISTS _sltd_components)
  install(FILES ${_sltd_deb_docs} DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/${_sltd_pkg_${c}}
    COMPONENT ${c} EXCLUDE_FROM_ALL)
endforeach()

# ---- the -dev package depends on the -dev packages of what a static link and sltd.pc need ----------
# Found, not written down: the Debian package owning each pkg-config module of Requires.private and
# each library file found by find_library (dpkg-query -S), so the list follows the build.
set(_sltd_dev_depends "")
find_program(SLTD_DPKG_QUERY dpkg-query)
if(SLTD_DPKG_QUERY AND PKG_CONFIG_EXECUTABLE)
  set(_sltd_dep_files "")
  foreach(m IN LISTS SLTD_PC_REQUIRES_PRIVATE)
    execute_process(COMMAND ${PKG_CONFIG_EXECUTABLE} --path ${m} OUTPUT_VARIABLE f
      OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    list(APPEND _sltd_dep_files ${f})
  endforeach()
  foreach(f IN LISTS _sltd_dep_files)
    execute_process(COMMAND ${SLTD_DPKG_QUERY} -S ${f} OUTPUT_VARIABLE p ERROR_QUIET
      OUTPUT_STRIP_TRAILING_WHITESPACE)
    if(p MATCHES "^([a-z0-9.+-]+)(:[a-z0-9-]+)?: ")
      list(APPEND _sltd_dev_depends ${CMAKE_MATCH_1})
    endif()
  endforeach()
endif()
list(APPEND _sltd_dev_depends "pkgconf | pkg-config")
list(REMOVE_DUPLICATES _sltd_dev_depends)
list(JOIN _sltd_dev_depends ", " _sltd_dev_depends)

# ---- CPack ----------------------------------------------------------------------------------------
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME sltd)
set(CPACK_PACKAGE_VENDOR "The sltd authors")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT ${SLTD_PACKAGE_CONTACT})
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/packages)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL ${_sltd_components})
set(CPACK_DEBIAN_PACKAGE_RELEASE ${SLTD_DEB_RELEASE})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SOURCE sltd)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# Depends: dpkg-shlibdeps for the system libraries; the packages built here by component dependency
# (then with the exact version: they come from one build).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS ${CMAKE_CURRENT_BINARY_DIR}) # where libsltd.so.N is built
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
set(CPACK_COMPONENT_DEV_DEPENDS lib)
set(CPACK_COMPONENT_CLI_DEPENDS lib)
set(CPACK_COMPONENT_BENCH_DEPENDS lib)

set(CPACK_DEBIAN_LIB_PACKAGE_NAME ${SLTD_DEB_LIB})
set(CPACK_DEBIAN_LIB_PACKAGE_SECTION libs)
# dpkg runs ldconfig through the trigger (CPack also writes postinst/postrm calling ldconfig itself,
# which lintian notes as redundant: maintscript-calls-ldconfig). The symbols file maps each symbol
# version node to the release that introduced it (docs/VERSIONING.md), for dpkg-shlibdeps of users.
configure_file(packaging/libsltd.triggers ${CMAKE_CURRENT_BINARY_DIR}/debian/lib/triggers COPYONLY)
configure_file(packaging/libsltd.symbols.in ${CMAKE_CURRENT_BINARY_DIR}/debian/lib/symbols @ONLY)
set(CPACK_DEBIAN_LIB_PACKAGE_CONTROL_EXTRA ${CMAKE_CURRENT_BINARY_DIR}/debian/lib/triggers
  ${CMAKE_CURRENT_BINARY_DIR}/debian/lib/symbols)
set(CPACK_DEBIAN_LIB_DESCRIPTION "offline stolen/lost travel document checks - shared library
libsltd answers whether a travel document (issuing state, document number) is
listed as stolen, lost, revoked or invalid, offline and in microseconds. The
list is held as keyed digests in LMDB behind a persisted Bloom filter shared by
every process; signed update bundles are applied all or nothing while lookups
go on.

This package contains the shared library.")

set(CPACK_DEBIAN_DEV_PACKAGE_NAME libsltd-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "${_sltd_dev_depends}")
set(CPACK_DEBIAN_DEV_DESCRIPTION "offline stolen/lost travel document checks - development files
libsltd answers whether a travel document (issuing state, document number) is
listed as stolen, lost, revoked or invalid, offline and in microseconds.

This package contains the header sltd.h, the static library, the pkg-config
file, the CMake package (find_package(sltd)) and the libsltd(3) manual page.")

set(CPACK_DEBIAN_CLI_PACKAGE_NAME sltd)
set(CPACK_DEBIAN_CLI_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_CLI_DESCRIPTION "offline stolen/lost travel document checks - command line
sltd creates and updates a local copy of a stolen/lost travel documents list
(CSV feeds, signed update bundles), checks single documents and machine-
readable zones, screens passenger manifests (CSV, MRZ text, JSON Lines) and
verifies a database's integrity. No document number is stored in clear.")

set(CPACK_DEBIAN_BENCH_PACKAGE_NAME sltd-bench)
set(CPACK_DEBIAN_BENCH_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_BENCH_DESCRIPTION "offline stolen/lost travel document checks - benchmark
sltd-bench measures libsltd's lookup latency and throughput on a synthetic
database, beside the baselines a team would use instead (a bare LMDB lookup
of the same digests and, when built with it, SQLite), in one interleaved run.")

include(CPack)
