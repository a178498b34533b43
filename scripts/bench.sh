#!/bin/sh
# SPDX-License-Identifier: MIT
# Every benchmark, one command: a Release build, then each bench/bench_* program
# prints its table (public decoders and snapshots beside the internal codec
# figures, Modbus bus efficiency, paced reads against the wire's bound, many meters), and at the
# end a machine-readable summary: one "key value" line per figure (the lines the
# programs print as "@ key value"). BENCH_QUICK=1 runs every benchmark briefly.
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DMETER_BUILD_BENCH=ON -DMETER_BUILD_TESTS=OFF >/dev/null
nice cmake --build build-bench -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
out=$(mktemp)
trap 'rm -f "$out"' EXIT
failed=""
for b in build-bench/bench/bench_*; do
    name=$(basename "$b")
    echo "== $name"
    if ! "$b" >"$out.1" 2>&1; then
        failed="$failed $name"
    fi
    grep -v '^@ ' "$out.1" || true
    grep '^@ ' "$out.1" | sed 's/^@ //' >>"$out" || true
    rm -f "$out.1"
    echo
done
echo "== summary (key value)"
cat "$out"
if [ -n "$failed" ]; then
    echo "bench_failed$failed"
    exit 1
fi
