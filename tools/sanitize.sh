#!/bin/sh
# The sanitizer matrix: the whole suite under ASan+UBSan (-fno-sanitize-recover=all), the concurrency
# suites under TSan, and the Check suites under valgrind memcheck with CK_FORK=no.
#   sh tools/sanitize.sh [asan] [tsan] [valgrind]     (default: all three)
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
        # install_consumer links the example with the system compiler flags: not meaningful under ASan
        (cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
            ctest --output-on-failure -E install_consumer)
        ;;
    tsan)
        cmake -S . -B build-tsan -DSLTD_WERROR=ON -DSLTD_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=Debug \
            -DSLTD_SANITIZE=thread >/dev/null
        cmake --build build-tsan -j "$(nproc)" --target test_concurrency >/dev/null
        (cd build-tsan && TSAN_OPTIONS=halt_on_error=1 ctest --output-on-failure -R 'test_concurrency')
        ;;
    valgrind)
        cmake -S . -B build-vg -DSLTD_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=Debug >/dev/null
        cmake --build build-vg -j "$(nproc)" >/dev/null
        for t in build-vg/tests/test_*; do
            [ -x "$t" ] || continue
            case $t in *test_concurrency) continue ;; esac # forks a writer and a reader: run under TSan instead
            echo "== valgrind $t"
            (cd build-vg/tests && CK_FORK=no SLTD_TEST_TMP=/tmp valgrind -q --error-exitcode=99 --leak-check=full \
                --errors-for-leak-kinds=definite --child-silent-after-fork=yes "../../$t")
        done
        ;;
    *) echo "unknown: $w (asan, tsan, valgrind)" >&2; exit 2 ;;
    esac
done
echo "sanitize: $what: clean"
