#!/bin/bash
# SPDX-License-Identifier: MIT
# What `meter` shows of a Modbus exchange: -v logs the bytes really sent and
# taken (an MBAP frame on tcp:, never an RTU frame with a CRC), a unit id the
# gateway does not serve is an exception with its code, and a host name that
# does not resolve says so.
. "$(dirname "$0")/lib.sh"

start_sim EP --model klefr-6934 --listen tcp:127.0.0.1:0 --frozen
"$METER_BIN" read -v -m klefr-6934 -c "$EP?id=1" -q voltage_l1 >"$TMP/out" 2>"$TMP/v.err" ||
    fail "read: $(cat "$TMP/v.err")"
# transaction 1, protocol 0, length 6, unit 1, FC03 at 0x5002, 2 registers
grep -q "tx 00 01 00 00 00 06 01 03 50 02 00 02$" "$TMP/v.err" || fail "-v tx: $(cat "$TMP/v.err")"
grep -q "rx 00 01 00 00 00 07 01 03 04 43 66 19 9A$" "$TMP/v.err" || fail "-v rx: $(cat "$TMP/v.err")"
grep -q "230.1 V" "$TMP/out" || fail "value: $(cat "$TMP/out")"

rc=0
"$METER_BIN" read -m klefr-6934 -c "$EP?id=9" -q voltage_l1 >/dev/null 2>"$TMP/x.err" || rc=$?
[ $rc -eq 1 ] && grep -q "exception 0x0B (gateway target failed to respond)" "$TMP/x.err" ||
    fail "unit 9: rc $rc: $(cat "$TMP/x.err")"

rc=0
"$METER_BIN" read -m klefr-6934 -c "tcp:nonexistent-host.invalid:15020" >/dev/null 2>"$TMP/r.err" || rc=$?
[ $rc -ne 0 ] && grep -q "cannot resolve 'nonexistent-host.invalid'" "$TMP/r.err" ||
    fail "resolution: rc $rc: $(cat "$TMP/r.err")"
echo "modbus cli: -v shows the MBAP frames, refusals and resolution failures are named"
