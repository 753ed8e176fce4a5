# SPDX-License-Identifier: Apache-2.0
# SltdReleaseTests.cmake — the tests of what a release ships: licence lines, the exported symbols and
# their versions, the ABI against its baseline, and the Debian packages built, unpacked and used. Included after tests/.

# Every tracked source, script and CMake file starts with its SPDX line (tools/spdx.sh).
add_test(NAME spdx_headers COMMAND sh ${PROJECT_SOURCE_DIR}/tools/spdx.sh)
set_tests_properties(spdx_headers PROPERTIES TIMEOUT 120)

# libsltd.so exports only sltd_* functions, each at version LIBSLTD_<SOVERSION>.
add_test(NAME library_symbols COMMAND sh ${PROJECT_SOURCE_DIR}/tests/symbols_test.sh $<TARGET_FILE:sltd>
  ${SLTD_SOVERSION})
set_tests_properties(library_symbols PROPERTIES TIMEOUT 60 SKIP_RETURN_CODE 77)

# libsltd.so's ABI against the stored baseline abi/libsltd.abi (abidiff; refreshed by
# tools/abi-baseline.sh). Skipped (exit 77, with the reason) without abidiff or debug information.
add_test(NAME abi_check COMMAND sh ${PROJECT_SOURCE_DIR}/tests/abi_test.sh $<TARGET_FILE:sltd> ${PROJECT_SOURCE_DIR}
  WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
set_tests_properties(abi_check PROPERTIES TIMEOUT 120 SKIP_RETURN_CODE 77)

# The four Debian packages: built by packaging/build-debs.sh in a build of their own, checked with
# lintian when it is installed, unpacked with dpkg-deb -x, and the example consumer compiled and run
# against the unpacked tree. Skipped (exit 77, with the reason) where the Debian tools are missing.
# Not in sanitizer or fuzzing builds (the packages are a plain build anyway).
if(NOT SLTD_SANITIZE AND NOT SLTD_FUZZ)
  add_test(NAME deb_packages COMMAND sh ${PROJECT_SOURCE_DIR}/tests/deb_test.sh ${PROJECT_SOURCE_DIR}
    ${CMAKE_CURRENT_BINARY_DIR}/deb_tmp ${SLTD_SOVERSION})
  set_tests_properties(deb_packages PROPERTIES TIMEOUT 600 SKIP_RETURN_CODE 77)
endif()
