#!/bin/bash
# SPDX-License-Identifier: MIT
# meter-mqtt end to end: a real mosquitto broker on 127.0.0.1 (ephemeral port),
# three simulated meters on two buses, a subscriber; state and retained
# discovery messages, availability and the last will; then the broker stops,
# readings queue, it restarts on the same port and every queued reading
# arrives, in order. Waits are bounded loops on output, never bare sleeps.
. "$(dirname "$0")/lib.sh"

MQTT_BIN=${METER_MQTT_BIN:-$(dirname "$METER_BIN")/mqtt/meter-mqtt}
if [ ! -x "$MQTT_BIN" ]; then
    echo "SKIP: meter-mqtt was not built (libmosquitto-dev missing)"
    exit 0
fi
MOSQUITTO=$(command -v mosquitto || echo /usr/sbin/mosquitto)
[ -x "$MOSQUITTO" ] && command -v mosquitto_sub >/dev/null || fail "mosquitto and mosquitto-clients are needed"

# wait_until SECONDS CMD...: re-check CMD every 0.1 s, fail after SECONDS
wait_until() {
    local tries=$(($1 * 10)); shift
    while ! "$@" 2>/dev/null; do
        tries=$((tries - 1))
        [ $tries -gt 0 ] || return 1
        sleep 0.1
    done
}

# mosquitto started by root drops to user mosquitto: let it reach its database
chmod 711 "$TMP" && mkdir -m 777 "$TMP/db"
PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$TMP/mosquitto.conf" <<CONF
listener $PORT 127.0.0.1
allow_anonymous true
persistence true
persistence_location $TMP/db/
max_queued_messages 100000
CONF
port_open() { "$PY" -c "import socket,sys; socket.create_connection(('127.0.0.1', $PORT), 0.2)"; }
BROKER=""
start_broker() {
    timeout 200 "$MOSQUITTO" -c "$TMP/mosquitto.conf" >>"$TMP/broker.log" 2>&1 &
    BROKER=$!
    PIDS="$PIDS $BROKER"
    wait_until 20 port_open || fail "mosquitto did not listen on $PORT: $(cat "$TMP/broker.log")"
}
stop_broker() {
    kill "$BROKER"
    wait "$BROKER" 2>/dev/null || true
    ! port_open 2>/dev/null || fail "broker still listening"
}
start_broker

start_sim RTU --model klefr-6924 --id 1,2 --pty
start_sim TCP --model klefr-6934 --listen tcp:127.0.0.1:0

# the subscriber: a persistent session (-c), so the broker keeps what arrives
# for it while it reconnects after the restart
timeout 200 mosquitto_sub -h 127.0.0.1 -p "$PORT" -c -i test-sub -q 1 -t 'meters/#' -F '%r %t %p' \
    >"$TMP/sub.txt" 2>"$TMP/sub.err" &
PIDS="$PIDS $!"
marker() { mosquitto_pub -h 127.0.0.1 -p "$PORT" -q 1 -t meters/marker -m ready && grep -q '^0 meters/marker ready' "$TMP/sub.txt"; }
wait_until 20 marker || fail "subscriber not ready: $(cat "$TMP/sub.err")"

cat >"$TMP/bridge.ini" <<INI
# two buses: a serial line with two meters, a TCP meter
[mqtt]
host = 127.0.0.1
port = $PORT
prefix = meters
client_id = test-bridge
queue = 1000
reconnect_min = 100ms
reconnect_max = 500ms

[meter house]
model = klefr-6924
connection = $RTU?id=1
interval = 100ms
quantities = voltage, current, active_power, energy_active_import

[meter garage]
model = klefr-6924
connection = $RTU?id=2
interval = 100ms

[meter grid]
model = klefr-6934
connection = $TCP?id=1
interval = 150ms
quantities = voltage_l1, current_l1, current_l2, active_power, energy_active_import
INI
"$MQTT_BIN" -f "$TMP/bridge.ini" --check | grep -q '3 meters on 2 buses' || fail "--check"

"$MQTT_BIN" -f "$TMP/bridge.ini" --exit-after 150 -v 2>"$TMP/bridge.log" &  # stops by itself
BRIDGE=$!
PIDS="$PIDS $BRIDGE"

# --- state messages
has_seq() { "$PY" - "$TMP/sub.txt" "$@" <<'PY'
import json, sys
want = dict(zip(sys.argv[2::2], map(int, sys.argv[3::2])))
got = {}
for line in open(sys.argv[1]):
    parts = line.rstrip("\n").split(" ", 2)
    if len(parts) == 3 and parts[1].endswith("/state"):
        d = json.loads(parts[2])
        got[d["meter"]] = max(got.get(d["meter"], 0), d["seq"])
sys.exit(0 if all(got.get(m, 0) >= s for m, s in want.items()) else 1)
PY
}
wait_until 30 has_seq house 3 garage 3 grid 3 || fail "no states: $(tail -5 "$TMP/bridge.log")"
"$PY" - "$TMP/sub.txt" <<'PY' || fail "state payloads: $(grep state "$TMP/sub.txt" | head -3)"
import json, re, sys
seen = {}
for line in open(sys.argv[1]):
    retained, topic, payload = line.rstrip("\n").split(" ", 2)
    if not topic.endswith("/state"):
        continue
    d = json.loads(payload)
    assert topic == "meters/%s/state" % d["meter"], topic
    assert retained == "0"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", d["time"])
    assert d["dropped"] == 0 and "error" not in d, d
    seen[d["meter"]] = d
h, g, r = seen["house"], seen["garage"], seen["grid"]
assert h["model"] == "klefr-6924" and h["voltage"] == 230.1 and h["current"] == 5.2, h
assert set(h) == {"seq", "time", "meter", "model", "dropped", "voltage", "current", "active_power",
                  "energy_active_import"}, h
assert g["voltage"] == 230.2 and g["voltage_l1"] == 230.2 and g["serial_number"] == "13070002" and len(g) == 5 + 50, g
assert r["model"] == "klefr-6934" and r["current_l2"] == 3.1 and r["active_power"] > 0, r
PY

# --- availability: retained "online"
[ "$(timeout 10 mosquitto_sub -h 127.0.0.1 -p "$PORT" -t meters/status -C 1 -F '%r %p')" = "1 online" ] ||
    fail "availability is not a retained 'online'"

# --- discovery: retained, one config per quantity (4 + 50 + 5)
wait_until 20 grep -q 'grid: 5 discovery configs published' "$TMP/bridge.log" || fail "discovery not published"
timeout 10 mosquitto_sub -h 127.0.0.1 -p "$PORT" -t 'homeassistant/#' --retained-only -C 59 -F '%r %t %p' \
    >"$TMP/disc.txt" || fail "fewer than 59 retained discovery configs: $(wc -l <"$TMP/disc.txt")"
"$PY" - "$TMP/disc.txt" <<'PY' || fail "discovery payloads"
import json, sys
ids = set()
byname = {}
for line in open(sys.argv[1]):
    retained, topic, payload = line.rstrip("\n").split(" ", 2)
    assert retained == "1", line
    assert topic.startswith("homeassistant/sensor/test-bridge_") and topic.endswith("/config"), topic
    d = json.loads(payload)
    assert d["unique_id"] not in ids
    ids.add(d["unique_id"])
    assert d["availability_topic"] == "meters/status"
    assert d["device"]["identifiers"] and d["device"]["manufacturer"] == "libmeter"
    byname[d["unique_id"]] = d
v = byname["test-bridge_house_voltage"]
assert v["device_class"] == "voltage" and v["state_class"] == "measurement" and v["unit_of_measurement"] == "V"
assert v["state_topic"] == "meters/house/state" and v["value_template"] == "{{ value_json.voltage }}"
e = byname["test-bridge_grid_energy_active_import"]
assert e["device_class"] == "energy" and e["state_class"] == "total_increasing" and e["unit_of_measurement"] == "kWh"
p = byname["test-bridge_grid_active_power"]
assert p["device_class"] == "power" and p["state_class"] == "measurement" and p["unit_of_measurement"] == "W"
c = byname["test-bridge_grid_current_l2"]
assert c["device_class"] == "current" and c["unit_of_measurement"] == "A"
s = byname["test-bridge_garage_serial_number"]
assert s.get("entity_category") == "diagnostic" and "state_class" not in s
assert byname["test-bridge_garage_voltage"]["device"]["model"] == "klefr-6924"
PY

# --- the broker goes away: readings queue; it comes back: all arrive, in order
stop_broker
wait_until 20 grep -q 'broker connection lost' "$TMP/bridge.log" || fail "loss not noticed"
queued() { [ "$(grep -c "queued $1 seq" "$TMP/bridge.log")" -ge "$2" ]; }
wait_until 30 queued house 5 && wait_until 30 queued garage 5 && wait_until 30 queued grid 5 ||
    fail "readings not queued: $(tail -3 "$TMP/bridge.log")"
start_broker
connected_twice() { [ "$(grep -c 'connected to' "$TMP/bridge.log")" -ge 2 ]; }
wait_until 30 connected_twice || fail "no reconnect: $(tail -3 "$TMP/bridge.log")"
last_queued() { grep "queued $1 seq" "$TMP/bridge.log" | tail -1 | sed 's/.* seq \([0-9]*\) .*/\1/'; }
LH=$(last_queued house); LG=$(last_queued garage); LR=$(last_queued grid)
wait_until 60 has_seq house "$LH" garage "$LG" grid "$LR" ||
    fail "queued readings did not arrive (want $LH $LG $LR): $(tail -3 "$TMP/bridge.log")"
"$PY" - "$TMP/sub.txt" <<'PY' || fail "order or loss"
import json, sys
seqs = {}
for line in open(sys.argv[1]):
    retained, topic, payload = line.rstrip("\n").split(" ", 2)
    if topic.endswith("/state"):
        d = json.loads(payload)
        seqs.setdefault(d["meter"], []).append(d["seq"])
        assert d["dropped"] == 0
for meter, s in seqs.items():
    first = []
    for x in s:            # at least once: a re-sent message may repeat, never go back
        if x not in first:
            first.append(x)
    assert first == sorted(first), (meter, s)
    assert first == list(range(1, first[-1] + 1)), (meter, "gap", s)
print(" ".join("%s:%d" % (m, len(s)) for m, s in sorted(seqs.items())))
PY

# --- the last will: killed without a goodbye, the broker says "offline"
kill -9 "$BRIDGE"
wait "$BRIDGE" 2>/dev/null || true
last_status_offline() { [ "$(grep ' meters/status ' "$TMP/sub.txt" | tail -1 | cut -d' ' -f3)" = offline ]; }
wait_until 20 last_status_offline || fail "no last will: $(grep status "$TMP/sub.txt")"
[ "$(timeout 10 mosquitto_sub -h 127.0.0.1 -p "$PORT" -t meters/status -C 1 -F '%r %p')" = "1 offline" ] ||
    fail "the will is not retained"

# --- the bound: no broker at all, a queue of 3, 8 snapshots: 5 dropped, oldest first
stop_broker
sed -e 's/^queue = 1000/queue = 3/' "$TMP/bridge.ini" | awk '/^\[meter garage\]/{exit} {print}' >"$TMP/small.ini"
set +e
"$MQTT_BIN" -f "$TMP/small.ini" --count 8 --exit-after 3 2>"$TMP/small.log"; rc=$?
set -e
grep -q '0 readings delivered, 5 dropped (queue full), 3 undelivered' "$TMP/small.log" ||
    fail "bounded queue: $(tail -2 "$TMP/small.log")"
[ $rc -eq 4 ] || fail "readings left undelivered, exit $rc (want 4)"

# --count ends by itself while the broker stays away (no --exit-after), exit 4 with a status
sed -e 's/^reconnect_max = 500ms/reconnect_max = 1s/' "$TMP/small.ini" >"$TMP/count.ini"
set +e
timeout 60 "$MQTT_BIN" -f "$TMP/count.ini" --count 2 2>"$TMP/count.log"; rc=$?
set -e
[ $rc -eq 4 ] || fail "--count 2 with no broker: exit $rc: $(tail -3 "$TMP/count.log")"
grep -q 'every snapshot taken, but the broker' "$TMP/count.log" && grep -q '2 undelivered' "$TMP/count.log" ||
    fail "--count status: $(tail -3 "$TMP/count.log")"

# read errors are logged without -v, rate-limited (one line a minute per meter)
cat >"$TMP/dead.ini" <<INI
[mqtt]
port = $PORT
reconnect_min = 100ms
reconnect_max = 200ms
[meter dead]
model = klefr-6934
connection = $TCP?id=9&timeout=30&retries=0
interval = 100ms
INI
set +e
timeout 60 "$MQTT_BIN" -f "$TMP/dead.ini" --count 5 --exit-after 20 2>"$TMP/dead.log"; rc=$?
set -e
[ "$(grep -c 'meter-mqtt: dead: .*(METER_E' "$TMP/dead.log")" -eq 1 ] ||
    fail "read errors not logged once by default: $(cat "$TMP/dead.log")"
[ $rc -eq 4 ] || fail "dead meter with no broker: exit $rc"

# --- config errors: line numbers, non-zero exit
check_bad() {
    printf '%b' "$2" >"$TMP/bad.ini"
    set +e
    "$MQTT_BIN" -f "$TMP/bad.ini" --check 2>"$TMP/bad.err"
    local rc=$?
    set -e
    [ $rc -eq 5 ] && grep -qF "$1" "$TMP/bad.err" || fail "config error '$1': rc $rc, $(cat "$TMP/bad.err")"
}
check_bad "bad.ini:3: unknown key 'intervall' in [meter]" '[meter a]\nmodel = klefr-6924\nintervall = 1s\n'
check_bad "bad.ini:4: bad interval '0s'" '# c\n[meter a]\nmodel = klefr-6924\ninterval = 0s\n'
check_bad "bad.ini:2: bad port '70000'" '[mqtt]\nport = 70000\n'
check_bad "bad.ini:1: unknown section [meters]" '[meters]\n'
check_bad "bad.ini:2: unknown model 'klefr-9999'" '[meter a]\nmodel = klefr-9999\n'
check_bad "bad.ini:1: [meter a] has no connection" '[meter a]\nmodel = klefr-6924\n'
check_bad "bad.ini:3: expected 'key = value'" '[meter a]\nmodel = klefr-6924\nconnection\n'
check_bad "bad.ini:3: unknown quantity 'voltage_l9'" '[meter a]\nmodel = klefr-6924\nquantities = voltage, voltage_l9\n'
# --check opens nothing, yet refuses what can never work
check_bad "bad.ini:3: bad connection 'tcp:': missing host after 'tcp:'" '[meter a]\nmodel = klefr-6924\nconnection = tcp:\n'
check_bad "bad.ini:2: host is empty" '[mqtt]\nhost =\n[meter a]\nmodel = klefr-6924\nconnection = tcp:h\n'
check_bad "bad.ini:4: klefr-6924 has no quantity 'relay'" '[meter a]\nmodel = klefr-6924\nconnection = tcp:127.0.0.1:9\nquantities = voltage, relay\n'
check_bad "bad.ini:3: bad connection 'rtu:/dev/ttyUSB0': model klefr-6923 speaks mbus" '[meter a]\nmodel = pro1-mb\nconnection = rtu:/dev/ttyUSB0\n'
check_bad "bad.ini:2: '#' inside the value" '[meter a]\nmodel = klefr-6924  # the house\nconnection = tcp:h\n'
printf '[meter a]\nmodel = kpm31\nconnection = rtu:/dev/nonexistent-tty?id=3\nquantities = voltage, relay\n' >"$TMP/good.ini"
"$MQTT_BIN" -f "$TMP/good.ini" --check >"$TMP/good.out" || fail "--check opened the device? $(cat "$TMP/good.out")"
# the docs' example bridge.ini, as written in docs/mqtt.md
awk "/^cat > bridge.ini <<'INI'\$/ {on=1; next} /^INI\$/ {on=0} on" "$METER_SRC/docs/mqtt.md" >"$TMP/doc.ini"
[ -s "$TMP/doc.ini" ] || fail "docs/mqtt.md has no bridge.ini"
"$MQTT_BIN" -f "$TMP/doc.ini" --check | grep -q '3 meters on 2 buses' || fail "docs/mqtt.md's bridge.ini: $("$MQTT_BIN" -f "$TMP/doc.ini" --check 2>&1)"
echo "mqtt: states, retained discovery, availability and will; queued readings delivered in order after a broker restart"
