#!/bin/sh
# SPDX-License-Identifier: MIT
# The long fuzz run (not CI's: that is scripts/fuzz.sh, about 10 minutes): each target
# for several times as long as its coverage kept growing in the measurements of
# docs/fuzzing.md (3780 s, about 65 minutes in all), with the corpus kept in build-fuzz/corpus/
# so that the next long run goes on from there. Any sanitizer finding stops its target
# and makes this script exit 1; the input is saved as build-fuzz/<target>-crash-*.
# Override one target's time with FUZZ_SECONDS_<target>=N (or all with FUZZ_SECONDS).
set -eu
cd "$(dirname "$0")/.."
if [ -z "${FUZZ_SECONDS:-}" ]; then
    : "${FUZZ_SECONDS_fuzz_mbus:=1800}"        # an edge now and then up to 369 s; a finding at 423 s
    : "${FUZZ_SECONDS_fuzz_iec:=600}"          # the last new edge at 128 s
    : "${FUZZ_SECONDS_fuzz_mqtt_config:=600}"  # the last new edge at 162 s
    : "${FUZZ_SECONDS_fuzz_sml:=480}"          # the last new edge at 93 s
    : "${FUZZ_SECONDS_fuzz_modbus:=150}"       # the last new edge at 19 s
    : "${FUZZ_SECONDS_fuzz_connstr:=150}"      # the last new edge at 26 s
    export FUZZ_SECONDS_fuzz_sml FUZZ_SECONDS_fuzz_mbus FUZZ_SECONDS_fuzz_iec FUZZ_SECONDS_fuzz_connstr \
        FUZZ_SECONDS_fuzz_modbus FUZZ_SECONDS_fuzz_mqtt_config
fi
export FUZZ_KEEP_CORPUS=1
exec sh scripts/fuzz.sh
