#!/bin/sh
# SPDX-License-Identifier: MIT
# Set everything up and run the main job: install the packages, build, start
# simulated meters (a KLEFR 6934 on Modbus TCP, a KLEFR 6924 and a Compere
# KPM31 sharing one pseudo-terminal "RS485 line", a KLEFR 6921 behind an
# optical head, a KLEFR 6923 on M-Bus), read them, print tables.
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh
# its own build folder: scripts/test.sh (build/, -Werror) does not have to reconfigure it
cmake -S . -B build-demo >/dev/null
cmake --build build-demo -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
METER=build-demo/examples/meter
tmp=$(mktemp -d)
pids=""
trap 'for p in $pids; do kill $p 2>/dev/null || true; done; rm -rf "$tmp"' EXIT
start() { # name args...
    name=$1; shift
    mkfifo "$tmp/$name"
    $METER sim "$@" --exit-after 60 >"$tmp/$name" 2>/dev/null &
    pids="$pids $!"
    read -r ep <"$tmp/$name"
    echo "$ep"
}
tcp=$(start tcp --model klefr-6934 --listen tcp:127.0.0.1:0)
pty=$(start pty --model klefr-6924 --id 1 --model compere-kpm31 --id 2 --pty)
ir=$(start ir --model klefr-6921 --pty)
mb=$(start mb --model klefr-6923 --pty)
echo "== simulated meters: klefr-6934 on $tcp; klefr-6924 (id 1) and compere-kpm31 (id 2) on $pty;"
echo "   klefr-6921 (IEC 62056-21 optical head) on $ir; klefr-6923 (M-Bus) on $mb"
echo
$METER read -m klefr-6934 -c "$tcp?id=1"
echo
$METER read -m klefr-6924 -c "$pty?id=1"
echo
$METER read -m compere-kpm31 -c "$pty?id=2" \
    -q voltage,current,active_power,power_factor,frequency,energy_active_import,energy_active_total_t1,energy_active_total_t2,energy_active_total_t3,energy_active_total_t4,energy_active_total_m1,relay
echo
$METER read -m klefr-6921 -c "$ir"
echo
$METER read -m klefr-6923 -c "$mb"
echo
$METER read -m klefr-6934 -c "$tcp?id=1" -q voltage_l1,current_l1,active_power --json
