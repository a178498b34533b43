#!/bin/sh
# SPDX-License-Identifier: MIT
# The whole test suite: build warning-free and run every test, then build
# again with AddressSanitizer + UndefinedBehaviorSanitizer and run the C tests.
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build -DMETER_WERROR=ON >/dev/null
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure
cmake -S . -B build-asan -DMETER_SANITIZE=ON -DMETER_WERROR=ON -DMETER_BUILD_EXAMPLES=ON >/dev/null
cmake --build build-asan -j"$jobs"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir build-asan --output-on-failure -LE script
