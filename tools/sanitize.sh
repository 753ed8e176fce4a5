#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The sanitizer matrix: the whole suite under ASan+UBSan (-fno-sanitize-recover=all), the concurrency
# suites under TSan, and the Check suites under valgrind memcheck with CK_FORK=no.
#   sh tools/sanitize.sh [asan] [tsan] [valgrind]     (default: all three)
#
#   asan      every CTest entry but install_consumer, kiosk_example and python (they link programs, or load
#             the library into an interpreter, built without ASan), built with -fsanitize=address,undefined; leaks are
#             errors (detect_leaks=1). test_faults compiles its malloc interposer out under ASan (ASan owns
#             malloc) and says so: its leak check is the valgrind run below.
#   tsan      test_concurrency (threads and processes during imports), test_snapshot (a batch across a
#             commit), test_stress (8 reader threads in 2 processes during 1,000 signed deltas; killed
#             readers' slots reclaimed) and test_screen (screenings on 1 to 64 threads, each reading and
#             finishing its own chunks), -fsanitize=thread.
#   valgrind  every Check suite with CK_FORK=no under memcheck (definite leaks are errors), including
#             test_faults (allocation and I/O failure number N for every N: the leak check of every
#             error path) and test_damage; not the suites that fork and kill busy processes
#             (test_concurrency, test_stress: TSan instead; test_crash: it kills the CLI, not itself;
#             test_disk: forked importers on a tmpfs, some of which die of SIGBUS by design of the test).
set -eu
cd "$(dirname "$0")/.."
SLTD_EXTRA_PKGS="${SLTD_EXTRA_PKGS:-} valgrind" sh tools/deps.sh
what=${*:-asan tsan valgrind}
for w in $what; do
    case $w in
    asan)
        cmake -S . -B build-asan -DSLTD_WERROR=ON -DSLTD_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=Debug \
            -DSLTD_SANITIZE=address,undefined >/dev/null
        cmake --build build-asan -j "$(nproc)" >/dev/null
        # install_consumer and kiosk_example link programs with the system compiler flags, and python
        # loads the library into an interpreter built without ASan: not meaningful under ASan
        (cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
            ctest --output-on-failure -E 'install_consumer|kiosk_example|python')
        ;;
    tsan)
        cmake -S . -B build-tsan -DSLTD_WERROR=ON -DSLTD_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=Debug \
            -DSLTD_SANITIZE=thread >/dev/null
        cmake --build build-tsan -j "$(nproc)" --target test_concurrency test_stress test_snapshot \
            test_screen >/dev/null
        (cd build-tsan && TSAN_OPTIONS=halt_on_error=1 ctest --output-on-failure \
            -R 'test_concurrency|test_stress|test_snapshot|test_screen')
        ;;
    valgrind)
        cmake -S . -B build-vg -DSLTD_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=Debug >/dev/null
        cmake --build build-vg -j "$(nproc)" >/dev/null
        # each suite with the environment CTest gives it (corpora, vectors, its temporary directory),
        # read from CTest itself so that this list never drifts from tests/CMakeLists.txt
        (cd build-vg && ctest --show-only=json-v1) | python3 -c '
import json, sys
for t in json.load(sys.stdin)["tests"]:
    env = [p["value"] for p in t.get("properties", []) if p["name"] == "ENVIRONMENT"]
    print(t["name"], " ".join(env[0]) if env else "")' > build-vg/suite-env.txt
        for t in build-vg/tests/test_*; do
            [ -x "$t" ] || continue
            case $t in *test_concurrency|*test_stress|*test_crash|*test_disk) continue ;; esac # see above
            echo "== valgrind $t"
            # (the CLI's path is the argument of the suites that run it; tcache off: test_faults would
            # otherwise re-execute itself to turn it off; malloc replaced in the C library only, so that
            # test_faults' own malloc, which counts and fails allocations, stays in place; CTest's
            # environment for the suite)
            arg=""
            case $t in *test_secrecy) arg="$(pwd)/build-vg/sltd" ;; esac
            env=$(sed -n "s|^${t##*/} ||p" build-vg/suite-env.txt)
            # shellcheck disable=SC2086 # the environment is a list of NAME=VALUE words (no spaces in paths here)
            (cd build-vg/tests && env $env CK_FORK=no GLIBC_TUNABLES=glibc.malloc.tcache_count=0 \
                valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
                --soname-synonyms=somalloc=nouserintercepts --child-silent-after-fork=yes "../../$t" $arg)
        done
        ;;
    *) echo "unknown: $w (asan, tsan, valgrind)" >&2; exit 2 ;;
    esac
done
echo "sanitize: $what: clean"
