#!/bin/bash
# SPDX-License-Identifier: MIT
# libmeter.so exports meter_* symbols only (and none of the simulator's), in
# its version node, with its soname, without libmodbus; libmeter-sim.so exports
# meter_sim_* only.
set -eu
: "${METER_LIB:?}" "${METER_SIM_LIB:?}" "${METER_SOVERSION:?}"
syms() { nm -D --defined-only "$1" | awk '{print $3}'; }
bad=$(syms "$METER_LIB" | sed 's/@.*//' | grep -v '^meter_' | grep -v '^LIBMETER_' || true)
[ -z "$bad" ] || { echo "FAIL: exported non-meter_ symbols:"; echo "$bad"; exit 1; }
sim=$(syms "$METER_LIB" | grep '^meter_sim_' || true)
[ -z "$sim" ] || { echo "FAIL: libmeter.so exports simulator symbols:"; echo "$sim"; exit 1; }
n=$(nm -D --defined-only "$METER_LIB" | grep -c ' T meter_')
[ "$n" -ge 30 ] || { echo "FAIL: only $n meter_ functions exported"; exit 1; }
unversioned=$(syms "$METER_LIB" | grep '^meter_' | grep -v '@@LIBMETER_' || true)
[ -z "$unversioned" ] || { echo "FAIL: symbols outside a LIBMETER_ node:"; echo "$unversioned"; exit 1; }
objdump -p "$METER_LIB" | grep -q "SONAME *libmeter.so.$METER_SOVERSION\$" ||
    { echo "FAIL: soname is not libmeter.so.$METER_SOVERSION"; exit 1; }
# libmodbus serves the simulator only: the library frames Modbus itself
! objdump -p "$METER_LIB" | grep -q 'NEEDED *libmodbus' ||
    { echo "FAIL: libmeter.so needs libmodbus (only libmeter-sim may)"; exit 1; }
badsim=$(syms "$METER_SIM_LIB" | sed 's/@.*//' | grep -v '^meter_sim_' | grep -v '^LIBMETER_SIM_' || true)
[ -z "$badsim" ] || { echo "FAIL: libmeter-sim exports non-meter_sim_ symbols:"; echo "$badsim"; exit 1; }
ns=$(nm -D --defined-only "$METER_SIM_LIB" | grep -c ' T meter_sim_')
[ "$ns" -ge 10 ] || { echo "FAIL: only $ns meter_sim_ functions exported"; exit 1; }
objdump -p "$METER_SIM_LIB" | grep -q "SONAME *libmeter-sim.so.$METER_SOVERSION\$" ||
    { echo "FAIL: soname is not libmeter-sim.so.$METER_SOVERSION"; exit 1; }
echo "exports: $n meter_* functions in LIBMETER_ nodes, no simulator; libmeter-sim: $ns meter_sim_*"
