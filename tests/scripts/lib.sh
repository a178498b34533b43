# SPDX-License-Identifier: MIT
# Shared helpers of the script tests: start a simulator in the background
# (it stops by itself after 120 s at the latest, and at the test's exit),
# read its endpoint from its first line, and fail with a message.
set -eu
: "${METER_BIN:?METER_BIN must name the meter command}"
: "${METER_SRC:?}"
PY=/usr/bin/python3
TMP=$(mktemp -d)
PIDS=""
cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null || true; done
    for p in $PIDS; do wait "$p" 2>/dev/null || true; done
    rm -rf "$TMP"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

# start_sim NAME ARGS... : runs meter sim, sets $NAME to its endpoint
start_sim() {
    local var=$1; shift
    local fifo="$TMP/$var.fifo"
    mkfifo "$fifo"
    "$METER_BIN" sim "$@" --exit-after 120 >"$fifo" 2>"$TMP/$var.err" &
    PIDS="$PIDS $!"
    local ep
    read -r ep <"$fifo" || fail "simulator $* printed no endpoint: $(cat "$TMP/$var.err")"
    eval "$var=\$ep"
}

# json_get FILE EXPR : evaluate a Python expression on the parsed JSON 'd'
json_get() { "$PY" -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
