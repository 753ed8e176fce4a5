# SPDX-License-Identifier: Apache-2.0
# SltdReleaseTests.cmake — the tests of what a release ships. Included after tests/.

# Every tracked source, script and CMake file starts with its SPDX line (tools/spdx.sh).
add_test(NAME spdx_headers COMMAND sh ${PROJECT_SOURCE_DIR}/tools/spdx.sh)
set_tests_properties(spdx_headers PROPERTIES TIMEOUT 120)
