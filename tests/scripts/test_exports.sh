#!/bin/bash
# SPDX-License-Identifier: MIT
# The shared library exports meter_* symbols only, and has its soname.
set -eu
: "${METER_LIB:?}"
bad=$(nm -D --defined-only "$METER_LIB" | awk '{print $3}' | sed 's/@.*//' | grep -v '^meter_' | grep -v '^LIBMETER_' || true)
[ -z "$bad" ] || { echo "FAIL: exported non-meter_ symbols:"; echo "$bad"; exit 1; }
n=$(nm -D --defined-only "$METER_LIB" | grep -c ' T meter_')
[ "$n" -ge 30 ] || { echo "FAIL: only $n meter_ functions exported"; exit 1; }
objdump -p "$METER_LIB" | grep -q 'SONAME *libmeter.so.0' || { echo "FAIL: soname is not libmeter.so.0"; exit 1; }
echo "exports: $n meter_* functions, nothing else"
