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
"$M" set -m klefr-6923 -c "$EP" address=5 2>/dev/null && fail "address change without --yes"
"$M" set -m klefr-6923 -c "$EP" --yes address=5 >/dev/null || fail "address change"
"$M" read -m klefr-6923 -c "$EP?addr=5" -q energy_active_total >/dev/null || fail "read at the new address"
"$M" scan -c "$EP?baud=9600&timeout=20&retries=0" --primary --json >"$TMP/s.json" || fail "scan"
[ "$(json_get "$TMP/s.json" '[(m["primary"], m["secondary"], m["model"]) for m in d["meters"]]')" = "[(5, '0000000025CD0102', 'klefr-6923')]" ] ||
    fail "scan: $(cat "$TMP/s.json")"
echo "mbus cli: ok"
