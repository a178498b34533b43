#!/bin/bash
# SPDX-License-Identifier: MIT
# IEC 62056-21 from the command line: meter decode iec (--json too) on the corpus
# readouts against their expected rows, and meter read against meter sim on a pty.
. "$(dirname "$0")/lib.sh"
FIX="$METER_SRC/tests/fixtures/iec"

for bin in "$FIX"/*.bin; do
    exp="${bin%.bin}.expected.tsv"
    bcc=any
    case "$bin" in *siemens*) bcc=none ;; esac   # its check character matches no rule
    # the table output is the expected file's rows
    "$METER_BIN" decode iec --bcc "$bcc" "$bin" >"$TMP/out.tsv" || fail "decode $bin"
    diff <(grep -v '^# ident' "$TMP/out.tsv") <(grep -v '^# ident' "$exp") >"$TMP/d" ||
        fail "decode $bin: $(head "$TMP/d")"
    # --json, from stdin, flattened to the same rows
    "$METER_BIN" decode iec --json --bcc "$bcc" - <"$bin" >"$TMP/out.json" || fail "decode --json $bin"
    "$PY" - "$TMP/out.json" "$exp" <<'PYEOF' || fail "json rows of $bin"
import json, sys
d = json.load(open(sys.argv[1]))
rows = []
for e in d["data"]:
    i = -1
    for v in e["values"]:
        if v.get("sub", 0) == 0:
            i += 1
        idx = "%d.%d" % (i, v["sub"]) if "sub" in v else "%d" % i
        rows.append("\t".join([e["address"], idx, v["value"], v["unit"]]))
want, ident = [], None
for line in open(sys.argv[2], encoding="latin-1"):
    line = line.rstrip("\n")
    if line.startswith("# ident"):
        ident = line.split("\t")[1]
    elif not line.startswith("#"):
        want.append(line)
assert rows == want, (len(rows), len(want), [r for r in rows if r not in want][:3])
i = d["identification"]
got = "/" + i["manufacturer"] + i["baud_char"] + "".join("\\" + c for c in i["capabilities"]) + i["ident"]
assert got == ident, (got, ident)
PYEOF
done
# the issue's example shape
printf '/ISK5ME162-0033\r\n\x02' >"$TMP/me162.bin"
printf '1.8.0(0033402.264*kWh)\r\n!\r\n\x03' >>"$TMP/me162.bin"
"$METER_BIN" decode iec --bcc none --json "$TMP/me162.bin" >"$TMP/me.json"
[ "$(json_get "$TMP/me.json" "(d['identification']['manufacturer'], d['identification']['baud_char'], d['identification']['ident'])")" = "('ISK', '5', 'ME162-0033')" ] || fail "ident json: $(cat "$TMP/me.json")"
[ "$(json_get "$TMP/me.json" "d['data']")" = "[{'address': '1.8.0', 'values': [{'value': '0033402.264', 'unit': 'kWh'}]}]" ] || fail "data json: $(cat "$TMP/me.json")"

# text or noise is not a readout: a named error, exit 3
rc=0; printf 'hello world\n' | "$METER_BIN" decode iec - 2>"$TMP/nr" >/dev/null || rc=$?
[ $rc = 3 ] && grep -q "not an IEC 62056-21 readout.*METER_EFRAME" "$TMP/nr" || fail "text decoded: rc $rc $(cat "$TMP/nr")"

# a simulated meter on a pty: the generic model prints the catalogue quantities it sent (the
# shape of every model, W not kW), --records the data sets, -q the values named
start_sim EP --model iec62056 --pty --frozen
case "$EP" in iec:/dev/*) ;; *) fail "IEC simulator printed '$EP'" ;; esac
"$METER_BIN" read -m iec62056 -c "$EP" --csv >"$TMP/s.csv" || fail "read"
[ "$(head -1 "$TMP/s.csv")" = "quantity,value,unit,status" ] || fail "csv shape: $(cat "$TMP/s.csv")"
grep -qx 'active_power,3454,W,ok' "$TMP/s.csv" || fail "snapshot in W: $(cat "$TMP/s.csv")"
"$METER_BIN" read -m iec62056 -c "$EP" --records --json >"$TMP/r.json" || fail "read records"
[ "$(json_get "$TMP/r.json" "[r['quantity'] for r in d['records'] if r['address'] == '16.7.0'][0]")" = "active_power" ] || fail "records: $(cat "$TMP/r.json")"
"$METER_BIN" read -m iec62056 -c "$EP" -q active_power,voltage_l2 --csv >"$TMP/r.csv" || fail "read -q"
grep -qx 'active_power,3454,W,ok' "$TMP/r.csv" || fail "kW scaled to W: $(cat "$TMP/r.csv")"
grep -qx 'voltage_l2,229.8,V,ok' "$TMP/r.csv" || fail "voltage: $(cat "$TMP/r.csv")"

# a replayed capture with echo and a device address; the KLEFR model reads what it sends
start_sim EP2 --model klefr-6922 --pty --readout "$FIX/iskra_mt174_smartmeter-obis.bin" --echo --device 63355730
"$METER_BIN" read -m klefr-6922 -c "$EP2?device=63355730" -q energy_active_import_t1,serial_number --csv >"$TMP/k.csv" || fail "klefr read"
grep -qx 'energy_active_import_t1,8048.375,kWh,ok' "$TMP/k.csv" || fail "klefr: $(cat "$TMP/k.csv")"
grep -qx 'serial_number,63355730,,ok' "$TMP/k.csv" || fail "klefr serial: $(cat "$TMP/k.csv")"
set +e
"$METER_BIN" read -m klefr-6922 -c "$EP2?device=999&timeout=200&retries=0" -q serial_number 2>"$TMP/e1" >/dev/null; rc=$?
set -e
[ $rc -eq 1 ] && grep -q "no identification within 200 ms" "$TMP/e1" || fail "wrong address: $(cat "$TMP/e1")"
echo ok
