#!/bin/bash
# SPDX-License-Identifier: MIT
# The meter command: models, JSON/CSV/table output, exit codes and messages.
. "$(dirname "$0")/lib.sh"

"$METER_BIN" models >"$TMP/models"
for m in klefr-6924 klefr-6934 compere-kpm31 pro1-mod pro380-mod; do
    grep -q "$m" "$TMP/models" || fail "meter models lacks $m"
done

start_sim EP --model klefr-6924 --id 1,2 --model compere-kpm31 --id 3 --pty --frozen
case "$EP" in rtu:/dev/*) ;; *) fail "pty simulator printed '$EP'" ;; esac

"$METER_BIN" read -m klefr-6924 -c "$EP?id=2" --json >"$TMP/all.json"
[ "$(json_get "$TMP/all.json" "d['model']")" = "klefr-6924" ] || fail "json model"
[ "$(json_get "$TMP/all.json" "d['readings']['voltage_l1']['value']")" = "230.2" ] || fail "json voltage"
[ "$(json_get "$TMP/all.json" "d['readings']['voltage_l1']['unit']")" = "V" ] || fail "json unit"
[ "$(json_get "$TMP/all.json" "d['readings']['active_power']['unit']")" = "W" ] || fail "power unit"
[ "$(json_get "$TMP/all.json" "len(d['readings'])")" = "50" ] || fail "a 6924 snapshot has 50 readings (46 registers; active, reactive, apparent power and power factor also as _l1)"
[ "$(json_get "$TMP/all.json" "d['readings']['serial_number']['value']")" = "13070002" ] || fail "serial"

# single-phase meters: the _l1 names on every model (docs/quantities.md), the same value
for m in "klefr-6924 1" "compere-kpm31 3"; do
    set -- $m
    "$METER_BIN" read -m "$1" -c "$EP?id=$2" -q voltage,voltage_l1,current,current_l1 --csv >"$TMP/1p.csv" ||
        fail "$1: single-phase names"
    v=$(awk -F, '$1=="voltage"{print $2}' "$TMP/1p.csv"); v1=$(awk -F, '$1=="voltage_l1"{print $2}' "$TMP/1p.csv")
    [ -n "$v" ] && [ "$v" = "$v1" ] || fail "$1: voltage $v, voltage_l1 $v1"
    "$METER_BIN" quantities -m "$1" | grep -q '^active_power_l1 ' || fail "$1 lists no active_power_l1"
done
"$METER_BIN" read -m compere-kpm31 -c "$EP?id=3" -q relay,voltage --csv >"$TMP/c.csv"
grep -qx 'relay,1,,ok' "$TMP/c.csv" || fail "csv relay: $(cat "$TMP/c.csv")"
grep -qx 'voltage,230.3,V,ok' "$TMP/c.csv" || fail "csv voltage: $(cat "$TMP/c.csv")"

"$METER_BIN" read -m klefr-6924 -c "$EP?id=1" -q voltage_l1,energy_active_export_t1 >"$TMP/t.txt"
grep -q 'voltage_l1 .* 230.1 V' "$TMP/t.txt" || fail "table: $(cat "$TMP/t.txt")"

# the shared-bus example: three meters on one pty, one absent (id 9)
shared=$(dirname "$METER_BIN")/shared_bus
set +e
"$shared" "$EP?timeout=50&retries=0" klefr-6924:1 klefr-6924:2 compere-kpm31:3 klefr-6924:9 >"$TMP/sb" 2>&1
rc=$?
set -e
[ $rc -eq 1 ] || fail "shared_bus exit $rc: $(cat "$TMP/sb")"
grep -q '^klefr-6924:1 .*klefr-6924 .* W .* kWh' "$TMP/sb" || fail "shared_bus: $(cat "$TMP/sb")"
grep -q '^compere-kpm31:3 .*compere-kpm31' "$TMP/sb" || fail "shared_bus kpm31: $(cat "$TMP/sb")"
grep -q '^klefr-6924:9 .*no reply' "$TMP/sb" || fail "shared_bus absent meter: $(cat "$TMP/sb")"

# errors: non-zero status, the library's message on stderr
set +e
"$METER_BIN" read -m klefr-6924 -c "$EP?id=1&speed=1" 2>"$TMP/e1"; rc1=$?
"$METER_BIN" read -m nosuch -c "$EP" 2>"$TMP/e2"; rc2=$?
"$METER_BIN" read -m klefr-6924 -c "$EP?id=1" -q voltage,bogus 2>"$TMP/e3"; rc3=$?
"$METER_BIN" read -m klefr-6924 -c "$EP?id=9&timeout=50&retries=0" -q voltage 2>"$TMP/e4" >/dev/null; rc4=$?
"$METER_BIN" read -m klefr-6924 2>"$TMP/e5"; rc5=$?
"$METER_BIN" sim --model klefr-6924 --id 0 --pty 2>"$TMP/e6" >/dev/null; rc6=$?
set -e
[ $rc1 -ne 0 ] && grep -q "unknown option 'speed'" "$TMP/e1" || fail "bad option: $rc1 $(cat "$TMP/e1")"
[ $rc2 -eq 2 ] && grep -q "unknown model 'nosuch'" "$TMP/e2" || fail "bad model: $rc2 $(cat "$TMP/e2")"
[ $rc3 -eq 2 ] && grep -q "unknown quantity 'bogus'" "$TMP/e3" || fail "bad quantity: $(cat "$TMP/e3")"
[ $rc4 -eq 1 ] && grep -q "no reply within 50 ms" "$TMP/e4" || fail "timeout: $(cat "$TMP/e4")"
[ $rc5 -eq 2 ] && grep -q "usage" "$TMP/e5" || fail "usage"
[ $rc6 -eq 2 ] && grep -q "bad id '0'" "$TMP/e6" || fail "sim bad id: $(cat "$TMP/e6")"
# settings: dry run prints the manual's frames; moves need --yes; bad values send nothing
"$METER_BIN" set -m klefr-6924 -c "$EP?id=1" --dry-run address=10 s0_rate=10 >"$TMP/dry"
grep -qx 'address: 01 06 40 03 00 0A EC 0D' "$TMP/dry" || fail "dry run: $(cat "$TMP/dry")"
grep -qx 's0_rate: 01 10 40 0D 00 02 04 41 20 00 00 16 03' "$TMP/dry" || fail "dry run: $(cat "$TMP/dry")"
set +e
"$METER_BIN" set -m klefr-6924 -c "$EP?id=1" address=10 2>"$TMP/e7"; rc7=$?
"$METER_BIN" set -m klefr-6924 -c "$EP?id=1" lcd_cycle_time=31 2>"$TMP/e8"; rc8=$?
"$METER_BIN" reset -m compere-kpm31 -c "$EP?id=3" energy 2>"$TMP/e9"; rc9=$?
set -e
[ $rc7 -eq 2 ] && grep -q -- "--yes" "$TMP/e7" || fail "address without --yes: $rc7 $(cat "$TMP/e7")"
[ $rc8 -eq 2 ] && grep -q "allowed: 1 to 30" "$TMP/e8" || fail "lcd 31: $(cat "$TMP/e8")"
[ $rc9 -eq 2 ] && grep -q "erases" "$TMP/e9" || fail "clear without --yes: $rc9 $(cat "$TMP/e9")"
"$METER_BIN" read -m klefr-6924 -c "$EP?id=1" -q device_address --csv | grep -qx 'device_address,1,,ok' ||
    fail "a refused change was sent"
"$METER_BIN" set -m klefr-6924 -c "$EP?id=1" tariff=2 lcd_cycle_time=25 >/dev/null
"$METER_BIN" read -m klefr-6924 -c "$EP?id=1" -q tariff,lcd_cycle_time --csv >"$TMP/set.csv"
grep -qx 'tariff,2,,ok' "$TMP/set.csv" && grep -qx 'lcd_cycle_time,25,s,ok' "$TMP/set.csv" || fail "set"
set +e
"$METER_BIN" relay -m compere-kpm31 -c "$EP?id=3" off 2>"$TMP/e10"; rc10=$?
set -e
[ $rc10 -eq 2 ] && grep -q "switches a load" "$TMP/e10" || fail "relay without --yes: $rc10 $(cat "$TMP/e10")"
"$METER_BIN" read -m compere-kpm31 -c "$EP?id=3" -q relay --csv | grep -qx 'relay,1,,ok' || fail "a refused relay switch was sent"
"$METER_BIN" relay -m compere-kpm31 -c "$EP?id=3" --yes off >"$TMP/relay.out"
grep -qx 'relay: done, read back' "$TMP/relay.out" || fail "relay: $(cat "$TMP/relay.out")"
"$METER_BIN" read -m compere-kpm31 -c "$EP?id=3" -q relay --csv | grep -qx 'relay,0,,ok' || fail "relay off"
# a dry run opens nothing: the device may be absent
"$METER_BIN" set -m klefr-6934 -c 'rtu:/dev/nonexistent-port?id=1' --dry-run address=10 >"$TMP/dry.out" ||
    fail "dry run needs the device"
grep -qx 'address: 01 06 40 03 00 0A EC 0D' "$TMP/dry.out" || fail "dry run: $(cat "$TMP/dry.out")"
"$METER_BIN" reset -m compere-kpm31 -c "$EP?id=3" --yes energy >/dev/null
"$METER_BIN" read -m compere-kpm31 -c "$EP?id=3" -q energy_active_total --csv | grep -qx 'energy_active_total,0,kWh,ok' ||
    fail "energy not cleared"

# --help on every command, and meter help CMD: the same text, exit 0, on stdout
for c in models quantities read monitor sim set reset relay scan decode; do
    "$METER_BIN" "$c" --help >"$TMP/h1" 2>"$TMP/h1.err" || fail "meter $c --help failed: $(cat "$TMP/h1.err")"
    "$METER_BIN" help "$c" >"$TMP/h2" || fail "meter help $c"
    grep -q "^usage: meter $c" "$TMP/h1" && grep -q "^exit status:" "$TMP/h1" || fail "meter $c --help: $(head -2 "$TMP/h1")"
    cmp -s "$TMP/h1" "$TMP/h2" || fail "meter help $c differs from meter $c --help"
    [ ! -s "$TMP/h1.err" ] || fail "meter $c --help wrote to stderr"
done
set +e
"$METER_BIN" help nosuch 2>/dev/null; rc=$?
set -e
[ $rc -eq 2 ] || fail "meter help nosuch: exit $rc"

# quantities: aliases, and only the model's own
"$METER_BIN" quantities -m pro380-mod >"$TMP/q6934" || fail "quantities -m pro380-mod (an alias)"
"$METER_BIN" quantities -m klefr-6923 >"$TMP/q6923"
"$METER_BIN" quantities >"$TMP/qall"
[ "$(wc -l <"$TMP/q6923")" -lt "$(wc -l <"$TMP/qall")" ] || fail "quantities -m klefr-6923 lists the whole catalogue"
grep -q '^energy_active_import ' "$TMP/q6923" && ! grep -q '^voltage_l1 ' "$TMP/q6923" || fail "klefr-6923's quantities: $(cat "$TMP/q6923")"
grep -q '^voltage_l3 ' "$TMP/q6934" || fail "klefr-6934 has voltage_l3"
set +e
"$METER_BIN" quantities -m nosuch 2>/dev/null; rc=$?
set -e
[ $rc -eq 2 ] || fail "quantities -m nosuch: exit $rc"

# models: every column starts at the same place on every line
"$PY" - "$TMP/models" <<'PY' || fail "meter models columns misaligned: $(cat "$TMP/models")"
import sys
lines = open(sys.argv[1]).read().splitlines()
head = lines[0]
starts = [head.index(w) for w in ("ALIASES", "PROTOCOL", "DEFAULTS", "DESCRIPTION")]
for l in lines[1:]:
    for s in starts:
        assert l[s - 2:s] == "  " and l[s] != " ", (s, l)
PY

# sim: 100 ids kept (no fixed buffer), no "id -1"
ids=$(seq -s, 1 100)
"$METER_BIN" sim --model klefr-6924 --id "$ids" --pty --exit-after 1 2>"$TMP/s100" >/dev/null
[ "$(grep -c 'klefr-6924 at id' "$TMP/s100")" -eq 100 ] && grep -q 'at id 100$' "$TMP/s100" || fail "sim --id 1..100: $(tail -2 "$TMP/s100")"
"$METER_BIN" sim --model pro1-mod --pty --exit-after 1 2>"$TMP/sdef" >/dev/null
grep -q 'pro1-mod at its default address' "$TMP/sdef" && ! grep -q 'id -1' "$TMP/sdef" || fail "sim default id: $(cat "$TMP/sdef")"

# CSV fields with commas are quoted (RFC 4180); JSON is strict
"$METER_BIN" read -m klefr-6924 -c "$EP?id=1" --csv >"$TMP/all.csv"
"$PY" - "$TMP/all.csv" <<'PY' || fail "CSV does not parse: $(head -3 "$TMP/all.csv")"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
assert rows[0] == ["quantity", "value", "unit", "status"], rows[0]
assert all(len(r) == 4 for r in rows), [r for r in rows if len(r) != 4]
PY
echo "cli: output formats, settings and errors as documented"
