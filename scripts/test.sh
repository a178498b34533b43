#!/bin/sh
# SPDX-License-Identifier: MIT
# The whole test suite: build warning-free and run every test; build again with
# AddressSanitizer + UndefinedBehaviorSanitizer and run the C tests; run the
# end-to-end tests under valgrind; the thread tests under ThreadSanitizer; and
# every fuzz target for a bounded time (scripts/fuzz.sh: about 10 minutes in all; FUZZ_SECONDS=N
# for N seconds each).
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build -DMETER_WERROR=ON >/dev/null
cmake --build build -j"$jobs"
# (no pipe here: under sh -e a pipeline's status is its last command's, and a failing
# test must fail this script)
ctest --test-dir build --output-on-failure >build/ctest.log 2>&1 || { cat build/ctest.log; exit 1; }
cat build/ctest.log
cmake -S . -B build-asan -DMETER_SANITIZE=ON -DMETER_WERROR=ON -DMETER_BUILD_EXAMPLES=ON >/dev/null
cmake --build build-asan -j"$jobs"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir build-asan --output-on-failure -LE script
echo "== valgrind (memcheck) on the end-to-end tests"
for t in build/tests/test_e2e_*; do
    valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
        "$t" >/dev/null
    echo "valgrind: $(basename "$t"): no errors, no leaks"
done
echo "== ThreadSanitizer on the thread tests"
cmake -S . -B build-tsan -DMETER_TSAN=ON -DMETER_BUILD_BENCH=OFF -DMETER_BUILD_EXAMPLES=OFF >/dev/null
cmake --build build-tsan -j"$jobs" --target test_threads
TSAN_OPTIONS=halt_on_error=1 ./build-tsan/tests/test_threads
echo "== fuzzing"
sh scripts/fuzz.sh
sh scripts/cross.sh all # arm64 + big-endian s390x: cross-built C tests under qemu-user
# the plain suite's summary last, for whoever reads the end of this log
grep -E "tests passed|tests failed" build/ctest.log
