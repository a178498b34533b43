#!/bin/bash
# SPDX-License-Identifier: MIT
# libmeter against independent Modbus implementations: mbpoll (a libmodbus-free
# command-line master) reads the simulator at the manual's addresses, and
# libmeter reads a pymodbus server holding literal words.
. "$(dirname "$0")/lib.sh"

command -v mbpoll >/dev/null || fail "mbpoll is not installed (scripts/deps.sh installs it)"
start_sim EP --model klefr-6934 --listen tcp:127.0.0.1:0 --frozen
port=${EP##*:}

# 1. mbpoll reads voltage L1..L3 at 0x5002 (20482) as big-endian floats
out=$(timeout 20 mbpoll -m tcp -p "$port" -a 1 -0 -r 20482 -c 3 -t 4:float -B -1 -q 127.0.0.1)
mb_l1=$(echo "$out" | awk '/^\[20482\]/ {print $2}')
mb_l3=$(echo "$out" | awk '/^\[20486\]/ {print $2}')
[ "$mb_l1" = "230.1" ] || fail "mbpoll read L1 voltage '$mb_l1' at 0x5002: $out"
"$METER_BIN" read -m klefr-6934 -c "$EP?id=1" -q voltage_l1,voltage_l3,serial_number --json >"$TMP/r.json"
[ "$(json_get "$TMP/r.json" "d['readings']['voltage_l1']['value']")" = "$mb_l1" ] || fail "L1 differs"
[ "$(json_get "$TMP/r.json" "d['readings']['voltage_l3']['value']")" = "$mb_l3" ] || fail "L3 differs"
# the serial number's HEX digits at 0x4000 (16384)
out=$(timeout 20 mbpoll -m tcp -p "$port" -a 1 -0 -r 16384 -c 2 -t 4:hex -1 -q 127.0.0.1)
hex=$(echo "$out" | awk '/^\[1638[45]\]/ {sub("0x", "", $2); printf "%s", $2}')
[ "$(json_get "$TMP/r.json" "d['readings']['serial_number']['value']")" = "$hex" ] ||
    fail "serial number differs from mbpoll's '$hex'"
# energies at 0x6000.. (24576) and the power in kW at 0x5012 (20498) against W
out=$(timeout 20 mbpoll -m tcp -p "$port" -a 1 -0 -r 20498 -c 1 -t 4:float -B -1 -q 127.0.0.1)
kw=$(echo "$out" | awk '/^\[20498\]/ {print $2}')
"$METER_BIN" read -m klefr-6934 -c "$EP?id=1" -q active_power --json >"$TMP/p.json"
"$PY" -c "import sys; w=float(sys.argv[1]); kw=float(sys.argv[2]); assert abs(w-kw*1000) <= 1e-3*abs(w), (w, kw)" \
    "$(json_get "$TMP/p.json" "d['readings']['active_power']['value']")" "$kw" || fail "power W vs kW"

# 2. libmeter reads a pymodbus server
"$PY" -c "import pymodbus" 2>/dev/null || fail "python3-pymodbus is not installed"
mkfifo "$TMP/py.fifo" "$TMP/py.in"
"$PY" "$METER_SRC/tests/scripts/pymodbus_server.py" 120 <"$TMP/py.in" >"$TMP/py.fifo" 2>"$TMP/py.err" &
PIDS="$PIDS $!"
exec 9>"$TMP/py.in"
read -r PYEP <"$TMP/py.fifo" || fail "pymodbus server did not start: $(cat "$TMP/py.err")"
"$METER_BIN" read -m klefr-6924 -c "$PYEP?id=7" --json \
    -q serial_number,device_address,lcd_cycle_time,current_direction,voltage_l1,frequency,active_power,energy_active_total,energy_active_import,energy_active_export,tariff >"$TMP/k.json"
check() { # file quantity expected
    local got
    got=$(json_get "$1" "d['readings']['$2']['value']")
    [ "$got" = "$3" ] || fail "$2 read '$got', the pymodbus server holds '$3'"
}
check "$TMP/k.json" serial_number 13070042
check "$TMP/k.json" device_address 7
check "$TMP/k.json" lcd_cycle_time 25
check "$TMP/k.json" current_direction R
check "$TMP/k.json" voltage_l1 229.9
check "$TMP/k.json" frequency 49.98
check "$TMP/k.json" active_power 1234.5
check "$TMP/k.json" energy_active_total 16048.14
check "$TMP/k.json" energy_active_import 6913.46
check "$TMP/k.json" energy_active_export 9134.68
check "$TMP/k.json" tariff 2
"$METER_BIN" read -m compere-kpm31 -c "$PYEP?id=5" --json \
    -q password,device_address,baud_rate,voltage,current,active_power,reactive_power,apparent_power,power_factor,frequency,energy_active_total,energy_active_import,energy_active_export,energy_active_total_t4_m0,relay >"$TMP/c.json"
check "$TMP/c.json" password 1234
check "$TMP/c.json" device_address 5
check "$TMP/c.json" baud_rate 4800
check "$TMP/c.json" voltage 231.5
check "$TMP/c.json" current 4.25
check "$TMP/c.json" active_power 980.5
check "$TMP/c.json" reactive_power 120.25
check "$TMP/c.json" apparent_power 983.75
check "$TMP/c.json" power_factor 0.99
check "$TMP/c.json" frequency 50.01
check "$TMP/c.json" energy_active_total 321.5
check "$TMP/c.json" energy_active_import 300.25
check "$TMP/c.json" energy_active_export 21.25
check "$TMP/c.json" energy_active_total_t4_m0 77.5
check "$TMP/c.json" relay 1
exec 9>&-
echo "crosscheck: mbpoll and pymodbus agree with libmeter"
