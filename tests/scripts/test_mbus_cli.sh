#!/bin/bash
# SPDX-License-Identifier: MIT
# The meter command on M-Bus: decode (table and the issue's JSON), read and
# --records against the simulated KLEFR 6923, set --dry-run, scan --json.
. "$(dirname "$0")/lib.sh"
M="$METER_BIN"
F="68 4B 4B 68 08 00 72 00 00 00 00 25 CD 01 02 02 00 00 00 0C 04 14 48 60 01 8C 10 04 23 80 35 00 8C 20 04 91 67 24 01 1C 04 46 13 69 00 9C 10 04 56 34 12 00 9C 20 04 90 78 56 00 2C 04 68 34 91 00 AC 10 04 67 45 23 00 AC 20 04 01 89 67 00 7C 16"

# decode: JSON as issue 3 item 8, records in frame order, numbers as numbers
"$M" decode mbus --json $F >"$TMP/d.json" || fail "decode --json"
[ "$(json_get "$TMP/d.json" 'd["header"]')" = "{'id': '00000000', 'manufacturer': 'SIE', 'version': 1, 'medium': 'electricity', 'access': 2, 'status': 0}" ] ||
    fail "decode header: $(cat "$TMP/d.json")"
[ "$(json_get "$TMP/d.json" 'len(d["records"])')" = 9 ] || fail "decode: 9 records"
[ "$(json_get "$TMP/d.json" 'd["records"][0]')" = "{'function': 'instantaneous', 'storage': 0, 'tariff': 0, 'subunit': 0, 'value': 16048140, 'unit': 'Wh', 'quantity': 'energy'}" ] ||
    fail "decode record 0: $(cat "$TMP/d.json")"
[ "$(json_get "$TMP/d.json" '[r["value"] for r in d["records"]]')" = "[16048140, 3580230, 12467910, 6913460, 1234560, 5678900, 9134680, 2345670, 6789010]" ] ||
    fail "decode values"
[ "$(json_get "$TMP/d.json" 'd["records"][8]["function"], d["records"][8]["tariff"]')" = "minimum 2" ] || fail "decode record 8"
# from stdin, as a table
echo "$F" | "$M" decode mbus - >"$TMP/d.txt" || fail "decode -"
grep -q "manufacturer SIE (CD25)" "$TMP/d.txt" || fail "decode table: $(cat "$TMP/d.txt")"
# a bad checksum is refused
"$M" decode mbus ${F% 7C 16} 7D 16 2>"$TMP/e" && fail "bad checksum decoded"
grep -q METER_ECHECKSUM "$TMP/e" || fail "bad checksum: $(cat "$TMP/e")"
rc=0; "$M" decode nosuch 01 2>/dev/null || rc=$?
[ "$rc" = 2 ] || fail "decode of an unknown format"

# the simulated KLEFR 6923 on a pty
start_sim EP --model klefr-6923 --pty --frozen
"$M" read -m pro1-mb -c "$EP" --json >"$TMP/r.json" || fail "read"
[ "$(json_get "$TMP/r.json" 'd["readings"]["energy_active_total"]["value"], d["readings"]["energy_active_export_t2"]["value"]')" = "16048.14 6789.01" ] ||
    fail "read values: $(cat "$TMP/r.json")"
"$M" read -m mbus -c "$EP?baud=9600" --records --json >"$TMP/g.json" || fail "generic read"
[ "$(json_get "$TMP/g.json" 'len(d["records"])')" = 9 ] || fail "generic read: $(cat "$TMP/g.json")"
[ "$("$M" set -m klefr-6923 -c "$EP" --dry-run tariff=2)" = "tariff: 68 08 08 68 53 00 51 09 7C 01 54 02 80 16" ] ||
    fail "set --dry-run"
# the tariff write is acknowledged by E5 only: the confirmation says no more than that
[ "$("$M" set -m klefr-6923 -c "$EP" tariff=2)" = "tariff: sent, acknowledged (cannot be read back)" ] ||
    fail "tariff confirmation"
"$M" set -m klefr-6923 -c "$EP" address=5 2>/dev/null && fail "address change without --yes"
[ "$("$M" set -m klefr-6923 -c "$EP" --yes address=5)" = "address: done, read back" ] || fail "address change"
"$M" read -m klefr-6923 -c "$EP?addr=5" -q energy_active_total >/dev/null || fail "read at the new address"
"$M" scan -c "$EP?baud=9600&timeout=20&retries=0" --primary --json >"$TMP/s.json" || fail "scan"
[ "$(json_get "$TMP/s.json" '[(m["primary"], m["secondary"], m["model"]) for m in d["meters"]]')" = "[(5, '0000000025CD0102', 'klefr-6923')]" ] ||
    fail "scan: $(cat "$TMP/s.json")"
# heat, water and gas meters through the generic model: catalogue quantities in the
# shape of every model (table, strict JSON, CSV quantity,value,unit,status)
start_sim MED --model sim-mbus-heat --id 7 --model sim-mbus-water --id 1 --model sim-mbus-gas --id 3 --pty --frozen
"$M" read -m mbus -c "$MED?addr=7" >"$TMP/h.txt" || fail "heat read"
grep -Eq '^  thermal_energy +12345 kWh$' "$TMP/h.txt" && grep -Eq '^  volume +1234.56 m³$' "$TMP/h.txt" &&
    grep -Eq '^  flow_temperature +65.3 °C$' "$TMP/h.txt" && grep -Eq '^  temperature_difference +25.2 K$' "$TMP/h.txt" ||
    fail "heat table: $(cat "$TMP/h.txt")"
! grep -q "energy_active\|voltage\|METER_E" "$TMP/h.txt" || fail "heat energy filed as electricity: $(cat "$TMP/h.txt")"
"$M" read -m mbus -c "$MED?addr=7" --json >"$TMP/h.json" || fail "heat json"
"$PY" - "$TMP/h.json" <<'PY' || fail "heat json: $(cat "$TMP/h.json")"
import json, sys
d = json.load(open(sys.argv[1]), parse_constant=lambda c: sys.exit("not JSON: " + c))
r = d["readings"]
assert r["thermal_energy"] == {"value": 12345, "unit": "kWh"}, r["thermal_energy"]
assert r["thermal_power"] == {"value": 12500, "unit": "W"}
assert r["volume_flow"] == {"value": 1.25, "unit": "m³/h"}
assert r["operating_time"] == {"value": 1234, "unit": "h"}
assert r["thermal_energy_m1"]["value"] == 11000 and r["meter_date_m1"]["value"] == "2024-12-31"
assert r["meter_date"] == {"value": "2024-03-15T13:45", "unit": ""}
PY
"$M" read -m mbus -c "$MED?addr=1" --csv >"$TMP/w.csv" || fail "water csv"
[ "$(cat "$TMP/w.csv")" = "quantity,value,unit,status
volume,12.346,m³,ok
error_flags,0,,ok
meter_date,2024-03-15T13:45,,ok" ] || fail "water csv: $(cat "$TMP/w.csv")"
"$M" read -m mbus -c "$MED?addr=3" --csv >"$TMP/g.csv" || fail "gas csv"
grep -qx 'gas_volume,4567.89,m³,ok' "$TMP/g.csv" && grep -qx 'gas_volume_m1,4000,m³,ok' "$TMP/g.csv" ||
    fail "gas csv: $(cat "$TMP/g.csv")"
"$M" read -m mbus -c "$MED?addr=3" -q gas_volume,volume --csv >"$TMP/q.csv" && fail "a water volume from a gas meter"
grep -qx 'volume,,m³,METER_EQUANTITY' "$TMP/q.csv" || fail "gas -q: $(cat "$TMP/q.csv")"
"$M" read -m mbus -c "$MED?addr=7" --records --json >"$TMP/hr.json" || fail "heat records"
[ "$(json_get "$TMP/hr.json" '[(r["name"], r["unit"], r["quantity"]) for r in d["records"]][0]')" = "('energy', 'Wh', 'thermal_energy')" ] ||
    fail "heat records: $(cat "$TMP/hr.json")"
[ "$(json_get "$TMP/hr.json" 'd["records"][14]["raw"]')" = "0x0" ] || fail "error flags raw: $(cat "$TMP/hr.json")"

# decode: what is not a frame or a readout is refused, exit 3
rc=0; "$M" decode mbus E5 >"$TMP/e5" 2>&1 || rc=$?
[ $rc = 3 ] && grep -q "single-character acknowledgement" "$TMP/e5" || fail "decode E5: rc $rc $(cat "$TMP/e5")"
# a fixed-structure frame (libmbus's CI 73 test frame): two counters, no invented header fields
"$M" decode mbus --json 68131368080173939291901000056931650000690000003F16 >"$TMP/fx.json" || fail "fixed"
[ "$(json_get "$TMP/fx.json" 'd["header"]["manufacturer"], d["header"]["version"], [(r["value"], r["unit"]) for r in d["records"]]')" = "None None [(6531000, 'Wh'), (0.069, 'm^3')]" ] ||
    fail "fixed frame: $(cat "$TMP/fx.json")"
# no baud= given: the scan finds the speed first and says it (the simulator's meter is at 9600)
"$M" scan -c "$EP?timeout=20&retries=0" --primary --json >"$TMP/s2.json" 2>"$TMP/s2.err" || fail "scan without baud"
grep -q "meters answer at 9600 Bd" "$TMP/s2.err" || fail "scan without baud: $(cat "$TMP/s2.err")"
[ "$(json_get "$TMP/s2.json" '[m["primary"] for m in d["meters"]]')" = "[5]" ] || fail "scan without baud: $(cat "$TMP/s2.json")"
echo "mbus cli: ok"
