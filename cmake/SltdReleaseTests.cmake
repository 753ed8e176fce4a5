# SPDX-License-Identifier: Apache-2.0
# SltdReleaseTests.cmake — the tests of what a release ships. Included after tests/.

# Every tracked source, script and CMake file starts with its SPDX line (tools/spdx.sh).
add_test(NAME spdx_headers COMMAND sh ${PROJECT_SOURCE_DIR}/tools/spdx.sh)
set_tests_properties(spdx_headers PROPERTIES TIMEOUT 120)

# libsltd.so exports only sltd_* functions, each at version LIBSLTD_<SOVERSION>.
add_test(NAME library_symbols COMMAND sh ${PROJECT_SOURCE_DIR}/tests/symbols_test.sh $<TARGET_FILE:sltd>
  ${SLTD_SOVERSION})
set_tests_properties(library_symbols PROPERTIES TIMEOUT 60 SKIP_RETURN_CODE 77)
