#!/bin/bash
# SPDX-License-Identifier: MIT
# Modbus RTU over TCP against an independent server: libmeter reads a pymodbus
# server that frames RTU (CRC included) in its TCP stream, and the simulator
# serving rtu-tcp: agrees with itself over tcp:.
. "$(dirname "$0")/lib.sh"

"$PY" -c "import pymodbus" 2>/dev/null || fail "python3-pymodbus is not installed"
mkfifo "$TMP/py.fifo" "$TMP/py.in"
"$PY" "$METER_SRC/tests/scripts/pymodbus_server.py" 120 rtu <"$TMP/py.in" >"$TMP/py.fifo" 2>"$TMP/py.err" &
PIDS="$PIDS $!"
exec 9>"$TMP/py.in"
read -r PYEP <"$TMP/py.fifo" || fail "pymodbus server did not start: $(cat "$TMP/py.err")"
case "$PYEP" in rtu-tcp:*) ;; *) fail "pymodbus server says '$PYEP'" ;; esac
"$METER_BIN" read -m klefr-6924 -c "$PYEP?id=7" --json \
    -q serial_number,device_address,lcd_cycle_time,current_direction,voltage_l1,frequency,active_power,energy_active_total,tariff >"$TMP/k.json" ||
    fail "klefr-6924 over rtu-tcp: $(cat "$TMP/k.json")"
check() { # file quantity expected
    local got
    got=$(json_get "$1" "d['readings']['$2']['value']")
    [ "$got" = "$3" ] || fail "$2 read '$got', the pymodbus RTU-over-TCP server holds '$3'"
}
check "$TMP/k.json" serial_number 13070042
check "$TMP/k.json" device_address 7
check "$TMP/k.json" lcd_cycle_time 25
check "$TMP/k.json" current_direction R
check "$TMP/k.json" voltage_l1 229.9
check "$TMP/k.json" frequency 49.98
check "$TMP/k.json" active_power 1234.5
check "$TMP/k.json" energy_active_total 16048.14
check "$TMP/k.json" tariff 2
"$METER_BIN" read -m compere-kpm31 -c "$PYEP?id=5" --json -q voltage,current,frequency,relay >"$TMP/c.json" ||
    fail "kpm31 over rtu-tcp: $(cat "$TMP/c.json")"
check "$TMP/c.json" voltage 231.5
check "$TMP/c.json" current 4.25
check "$TMP/c.json" frequency 50.01
check "$TMP/c.json" relay 1
# -v shows an RTU frame with its CRC: id 7, FC03, 0x4000, 2 registers
"$METER_BIN" read -v -m klefr-6924 -c "$PYEP?id=7" -q serial_number 2>"$TMP/v.err" >/dev/null ||
    fail "-v read: $(cat "$TMP/v.err")"
grep -q "tx 07 03 40 00 00 02 D1 AD" "$TMP/v.err" || fail "-v does not show the RTU frame: $(cat "$TMP/v.err")"
exec 9>&-

# the simulator serves rtu-tcp: too
start_sim EP --model klefr-6934 --listen rtu-tcp:127.0.0.1:0 --frozen
case "$EP" in rtu-tcp:127.0.0.1:*) ;; *) fail "simulator endpoint '$EP'" ;; esac
"$METER_BIN" read -m klefr-6934 -c "$EP?id=1" -q voltage_l1,serial_number --json >"$TMP/s.json" ||
    fail "simulator over rtu-tcp: $(cat "$TMP/s.json")"
check "$TMP/s.json" voltage_l1 230.1
echo "crosscheck: pymodbus (RTU over TCP) and the simulator agree with libmeter"
