#!/bin/sh
# SPDX-License-Identifier: MIT
# Every benchmark, one command: a Release build, then each bench/bench_* program
# prints its table (Modbus bus efficiency, paced wall time, polling scale; M-Bus
# and IEC 62056-21 decoding throughput and heap allocations).
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DMETER_BUILD_BENCH=ON -DMETER_BUILD_TESTS=OFF >/dev/null
cmake --build build-bench -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
for b in build-bench/bench/bench_*; do
    echo "== $(basename "$b")"
    "$b"
    echo
done
