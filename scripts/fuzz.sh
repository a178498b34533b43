#!/bin/sh
# SPDX-License-Identifier: MIT
# Build the libFuzzer targets with clang (ASan+UBSan) and run each for a bounded
# time (FUZZ_SECONDS, default 20) from seeds made of the test corpora. Working
# copies of the seeds live in the build directory; the repository is not written.
set -eu
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-20}
dir=build-fuzz
CC=clang cmake -S . -B "$dir" -DMETER_FUZZ=ON -DMETER_BUILD_TESTS=OFF -DMETER_BUILD_EXAMPLES=OFF \
    -DMETER_BUILD_BENCH=OFF >/dev/null
cmake --build "$dir" -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
seeds="$dir/seeds"
rm -rf "$seeds"
mkdir -p "$seeds"
for d in fuzz/seeds/*/; do
    cp -r "$d" "$seeds/"
done
# M-Bus: every corpus frame (hex in the TSV fixtures) as a binary seed
mkdir -p "$seeds/fuzz_mbus"
/usr/bin/python3 - "$seeds/fuzz_mbus" tests/fixtures/mbus/frames.tsv tests/fixtures/mbus/malformed.tsv <<'PY'
import sys, re
out = sys.argv[1]
n = 0
for path in sys.argv[2:]:
    for line in open(path):
        if line.startswith('#'):
            continue
        f = line.rstrip('\n').split('\t')
        hexes = [x for x in f if re.fullmatch(r'(?:[0-9A-Fa-f]{2} ?){4,}', x.strip())]
        if hexes:
            n += 1
            open(f"{out}/s{n}.bin", "wb").write(bytes.fromhex(hexes[0].replace(' ', '')))
PY
# IEC 62056-21: the corpus readouts
mkdir -p "$seeds/fuzz_iec"
cp tests/fixtures/iec/*.bin "$seeds/fuzz_iec/" 2>/dev/null || true
status=0
for t in "$dir"/fuzz/fuzz_*; do
    name=$(basename "$t")
    mkdir -p "$seeds/$name"
    echo "fuzz: $name for ${secs}s from $(ls "$seeds/$name" | wc -l) seeds"
    if ! (cd "$dir" && "./fuzz/$name" -max_total_time="$secs" -max_len=1024 -print_final_stats=1 \
            "seeds/$name" >"$name.log" 2>&1); then
        echo "fuzz: $name FAILED; see $dir/$name.log (the crashing input is beside it)"
        tail -40 "$dir/$name.log"
        status=1
    else
        grep -E "stat::number_of_executed_units" "$dir/$name.log" | sed "s/^/fuzz: $name: /"
    fi
done
exit $status
