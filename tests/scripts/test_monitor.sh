#!/bin/bash
# SPDX-License-Identifier: MIT
# meter monitor: --count lines with ISO-8601 timestamps in text, CSV and JSON;
# a meter that does not answer gives an error line per snapshot, not an exit.
. "$(dirname "$0")/lib.sh"

start_sim EP --model klefr-6924 --id 1 --pty --frozen
ts='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z'

"$METER_BIN" monitor -m klefr-6924 -c "$EP?id=1" --interval 10ms --count 3 -q voltage,current --csv >"$TMP/m.csv"
[ "$(wc -l <"$TMP/m.csv")" -eq 4 ] || fail "csv: 1 header + 3 lines: $(cat "$TMP/m.csv")"
[ "$(head -1 "$TMP/m.csv")" = "time,voltage,current,status" ] || fail "csv header: $(head -1 "$TMP/m.csv")"
[ "$(tail -n +2 "$TMP/m.csv" | grep -cE "^$ts,230\.1,5\.2,ok\$")" -eq 3 ] || fail "csv lines: $(cat "$TMP/m.csv")"

"$METER_BIN" monitor -m klefr-6924 -c "$EP?id=1" --interval 10ms --count 2 --json >"$TMP/m.json"
[ "$(wc -l <"$TMP/m.json")" -eq 2 ] || fail "json: 2 lines: $(cat "$TMP/m.json")"
"$PY" - "$TMP/m.json" <<'PY' || fail "json lines: $(cat "$TMP/m.json")"
import json, re, sys
for line in open(sys.argv[1]):
    d = json.loads(line)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", d["time"]), d["time"]
    r = d["readings"]
    assert r["voltage_l1"] == 230.1 and r["serial_number"] == "13070001" and len(r) == 50, r
    assert "error" not in d
PY

"$METER_BIN" monitor -m klefr-6924 -c "$EP?id=1" --count 1 -q voltage,active_power >"$TMP/m.txt"
grep -qE "^$ts voltage=230\.1 V active_power=[0-9.]+ W\$" "$TMP/m.txt" || fail "text: $(cat "$TMP/m.txt")"

# no meter at id 9: every snapshot is an error line naming the error; it keeps going
set +e
"$METER_BIN" monitor -m klefr-6924 -c "$EP?id=9&timeout=30&retries=0" --interval 10ms --count 3 \
    -q voltage >"$TMP/e.txt" 2>"$TMP/e.err"
rc=$?
"$METER_BIN" monitor -m klefr-6924 -c "$EP?id=9&timeout=30&retries=0" --interval 10ms --count 2 \
    -q voltage --csv >"$TMP/e.csv"
"$METER_BIN" monitor -m klefr-6924 -c "$EP?id=1" --interval 0s 2>"$TMP/e2"; rc2=$?
set -e
[ $rc -eq 1 ] || fail "all snapshots failed: exit $rc"
[ "$(grep -cE "^$ts error METER_ETIMEDOUT: .*no reply within 30 ms" "$TMP/e.txt")" -eq 3 ] ||
    fail "error lines: $(cat "$TMP/e.txt")"
[ "$(grep -cE "^$ts,,METER_ETIMEDOUT\$" "$TMP/e.csv")" -eq 2 ] || fail "csv error lines: $(cat "$TMP/e.csv")"
[ $rc2 -eq 2 ] && grep -q "interval takes" "$TMP/e2" || fail "bad interval: $(cat "$TMP/e2")"

# every model reads its own simulator with no error (issue 11): an IEC model and a
# heat meter through the generic M-Bus model monitor what the meter sends, in W and kWh
start_sim IEC --model klefr-6921 --pty --frozen
"$METER_BIN" monitor -m klefr-6921 -c "$IEC" --interval 10ms --count 2 --csv >"$TMP/i.csv" ||
    fail "klefr-6921 monitor: $(cat "$TMP/i.csv")"
! grep -q METER_E "$TMP/i.csv" || fail "klefr-6921 against its simulator: $(cat "$TMP/i.csv")"
head -1 "$TMP/i.csv" | grep -q '^time,voltage_l1,.*active_power,.*,status$' || fail "iec csv: $(cat "$TMP/i.csv")"
start_sim HEAT --model sim-mbus-heat --id 7 --pty --frozen
"$METER_BIN" monitor -m mbus -c "$HEAT?addr=7" --interval 10ms --count 1 >"$TMP/h.txt" ||
    fail "heat monitor: $(cat "$TMP/h.txt")"
grep -q "thermal_energy=12345 kWh" "$TMP/h.txt" && grep -q "flow_temperature=65.3 °C" "$TMP/h.txt" &&
    ! grep -q "METER_E\|voltage" "$TMP/h.txt" || fail "heat monitor: $(cat "$TMP/h.txt")"
echo "monitor: timestamped lines in three formats, errors inline; IEC and M-Bus models as sent"
