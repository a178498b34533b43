#!/bin/bash
# SPDX-License-Identifier: MIT
# SML from the command line: meter decode sml --json on every corpus capture against
# the values independent decoders found (OBIS, value after the scaler, unit), a corrupted
# telegram refused (exit 3), and meter read -m sml against meter sim over a pty and TCP.
. "$(dirname "$0")/lib.sh"
FIX="$METER_SRC/tests/fixtures/sml"

for bin in "$FIX"/*.bin; do
    exp="${bin%.bin}.expected.tsv"
    set +e
    "$METER_BIN" decode sml --json "$bin" >"$TMP/out.json" 2>"$TMP/err"; rc=$?
    set -e
    if ! grep -q '^# frames.*\bok\b' "$exp"; then # no good frame: refused
        [ $rc -eq 3 ] && [ ! -s "$TMP/out.json" ] || fail "decode $bin: exit $rc, want 3"
        continue
    fi
    [ $rc -eq 0 ] || fail "decode $bin: $(cat "$TMP/err")"
    "$PY" - "$TMP/out.json" "$exp" <<'PYEOF' || fail "entries of $bin"
import json, sys
d = json.load(open(sys.argv[1]))
want, frames = [], []
for line in open(sys.argv[2]):
    f = line.rstrip("\n").split("\t")
    if line.startswith("# frames"):
        frames = f[1].split()
    elif not line.startswith("#"):
        want.append(f)
ok = [i for i, s in enumerate(frames) if s == "ok"]
assert d["frames"] == len(ok), (d["frames"], frames)
assert d["refused"] == len(frames) - len(ok), (d["refused"], frames)
got = d["entries"]
used = set()
# each expected row against the first unused entry of its frame with that OBIS
# (some sources assert a subset of the entries)
for w in want:
    frame, obis, typ, raw, scaler, value, unit, code = w[:8]
    cand = [i for i, g in enumerate(got)
            if i not in used and ok[g["frame"]] == int(frame) and g["obis"] == obis]
    assert cand, ("no entry", w)
    used.add(cand[0])
    g = got[cand[0]]
    if typ in ("int", "uint", "num"):
        v = float(value)
        if unit == "kWh" and g["unit"] == "Wh":  # the source converted
            v *= 1000
        assert abs(g["value"] - v) <= 1e-9 * max(1.0, abs(v)), (g, w)
        if typ != "num" and raw != "-":
            assert g["raw"] == raw, (g, w)
    elif typ == "octet":
        assert g["value"] == value or (g["value"] is None and value == ""), (g, w)
    elif typ == "ascii":
        assert g.get("ascii") == value, (g, w)
    if code != "-":
        assert g["unit_code"] == int(code), (g, w)
PYEOF
done

# a telegram with one bit changed: refused, exit 3, no entry printed
F="$FIX/libsml-testing__DZG_DVS-7412.2_jmberg.bin"
"$PY" -c "import sys; b=bytearray(open(sys.argv[1],'rb').read()); b[40]^=4; sys.stdout.buffer.write(b)" "$F" >"$TMP/bad.bin"
set +e
"$METER_BIN" decode sml --json "$TMP/bad.bin" >"$TMP/bad.out" 2>"$TMP/bad.err"; rc=$?
set -e
[ $rc -eq 3 ] || fail "corrupted telegram: exit $rc: $(cat "$TMP/bad.out" "$TMP/bad.err")"
[ ! -s "$TMP/bad.out" ] || fail "corrupted telegram printed $(cat "$TMP/bad.out")"
grep -q METER_ECHECKSUM "$TMP/bad.err" || fail "corrupted telegram: $(cat "$TMP/bad.err")"
# hex on the command line and on stdin give the same as the file
HEX=$(od -An -v -tx1 "$F" | tr -d ' \n')
"$METER_BIN" decode sml --json "$HEX" >"$TMP/h1.json" || fail "hex argument"
echo "$HEX" | "$METER_BIN" decode sml --json - >"$TMP/h2.json" || fail "hex on stdin"
"$METER_BIN" decode sml --json "$F" | cmp - "$TMP/h1.json" || fail "hex argument differs"
cmp "$TMP/h1.json" "$TMP/h2.json" || fail "hex on stdin differs"
[ "$(json_get "$TMP/h1.json" "[e['value'] for e in d['entries'] if e['obis'] == '1-0:16.7.0*255']")" = "[-299.12]" ] ||
    fail "DZG power as the wire says: $(cat "$TMP/h1.json")"

# the simulator pushing on a pty and on TCP; meter read prints the usual outputs
start_sim EP --model sml --pty --frozen
case "$EP" in sml:/dev/*) ;; *) fail "SML simulator printed '$EP'" ;; esac
"$METER_BIN" read -m sml -c "$EP" -q energy_active_import,voltage_l1,serial_number --csv >"$TMP/r.csv" || fail "read -q"
grep -qx 'energy_active_import,12345.92,kWh,ok' "$TMP/r.csv" || fail "energy: $(cat "$TMP/r.csv")"
grep -qx 'voltage_l1,230,V,ok' "$TMP/r.csv" || fail "voltage: $(cat "$TMP/r.csv")"
grep -qx 'serial_number,0a0153494d0000989680,,ok' "$TMP/r.csv" || fail "serial: $(cat "$TMP/r.csv")"
"$METER_BIN" read -m sml -c "$EP" --records --json >"$TMP/r.json" || fail "read records"
[ "$(json_get "$TMP/r.json" "[r['quantity'] for r in d['records'] if r['name'] == '1-0:16.7.0*255'][0]")" = "active_power" ] ||
    fail "records: $(cat "$TMP/r.json")"
"$METER_BIN" read -m sml -c "$EP" >"$TMP/r.txt" || fail "read table"
grep -q '^  energy_active_import ' "$TMP/r.txt" || fail "table: $(cat "$TMP/r.txt")"
"$METER_BIN" read -m sml -c "$EP" --records >"$TMP/rr.txt" || fail "read records table"
grep -q '1-0:1.8.0\*255' "$TMP/rr.txt" || fail "records table: $(cat "$TMP/rr.txt")"

start_sim EP2 --model sml-counter --listen tcp:127.0.0.1:0 --frozen
case "$EP2" in sml-tcp:127.0.0.1:*) ;; *) fail "SML TCP simulator printed '$EP2'" ;; esac
"$METER_BIN" read -m sml-counter -c "$EP2" -q energy_active_export --csv >"$TMP/t.csv" || fail "read over TCP"
grep -qx 'energy_active_export,234.5,kWh,ok' "$TMP/t.csv" || fail "TCP: $(cat "$TMP/t.csv")"
# a head that hears nothing: the deadline from timeout=, exit 1 and why
set +e
"$METER_BIN" read -m sml -c "$EP2?timeout=200" -q active_power 2>"$TMP/e1" >/dev/null; rc=$?
set -e
[ $rc -eq 1 ] || fail "missing quantity: exit $rc"
echo ok
