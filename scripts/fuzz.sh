#!/bin/sh
# SPDX-License-Identifier: MIT
# Build the libFuzzer targets with clang (ASan+UBSan, recovery off) and run each for a
# bounded time from seeds made of the test corpora and fuzz/seeds/<target>/. Working
# copies of the seeds live in the build directory; the repository is not written.
# Every sanitizer finding halts the target: libFuzzer saves the input beside the log
# ($dir/<target>-crash-*) and this script exits 1.
#
# Times: CI's share, about 10 minutes in all (docs/fuzzing.md has the measurements).
# FUZZ_SECONDS=N runs every target N seconds; FUZZ_SECONDS_<target>=N one of them;
# scripts/fuzz-long.sh runs each target until its coverage stopped growing.
set -eu
cd "$(dirname "$0")/.."
dir=${FUZZ_DIR:-build-fuzz}
# seconds per target for CI (480 s in all, the build comes on top): the share of each
# follows how long its coverage kept growing in docs/fuzzing.md's measurements
default_secs() {
    case "$1" in
        fuzz_mbus) echo 150 ;;        # 494-499 edges at 120 s, then one now and then up to 369 s
        fuzz_iec) echo 120 ;;         # the last new edge at 128 s (582 of 588 at 55 s)
        fuzz_sml) echo 100 ;;         # the last new edge at 93 s
        fuzz_mqtt_config) echo 60 ;;  # 455 of 463 edges at 60 s
        fuzz_modbus) echo 25 ;;       # the last new edge at 19 s
        fuzz_connstr) echo 25 ;;      # the last new edge at 26 s
        *) echo 30 ;;
    esac
}
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"

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
    secs=${FUZZ_SECONDS:-$(default_secs "$name")}
    eval "secs=\${FUZZ_SECONDS_$name:-$secs}"
    mkdir -p "$seeds/$name"
    # FUZZ_KEEP_CORPUS=1: what a run finds is kept in $dir/corpus/<target> for the next run
    corpus="seeds/$name"
    if [ "${FUZZ_KEEP_CORPUS:-0}" = 1 ]; then
        mkdir -p "$dir/corpus/$name"
        corpus="corpus/$name seeds/$name"
    fi
    echo "fuzz: $name for ${secs}s from $(ls "$seeds/$name" | wc -l) seeds"
    # shellcheck disable=SC2086 # $corpus is one or two directories
    if ! (cd "$dir" && "./fuzz/$name" -max_total_time="$secs" -max_len="${FUZZ_MAX_LEN:-1024}" \
            -print_final_stats=1 -artifact_prefix="$name-" $corpus >"$name.log" 2>&1); then
        echo "fuzz: $name FAILED; see $dir/$name.log (the input is beside it: $dir/$name-crash-*)"
        tail -40 "$dir/$name.log"
        status=1
    else
        grep -E "stat::number_of_executed_units" "$dir/$name.log" | sed "s/^/fuzz: $name: /"
        grep -E "^#[0-9]+.*cov: " "$dir/$name.log" | tail -1 | sed "s/^/fuzz: $name: /"
    fi
done
exit $status
