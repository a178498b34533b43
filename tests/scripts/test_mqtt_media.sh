#!/bin/bash
# SPDX-License-Identifier: MIT
# meter-mqtt with heat, water and gas meters (issue 11): a real mosquitto on
# 127.0.0.1 (ephemeral port), simulated M-Bus meters on one pty bus read with
# the generic model. Each publishes only the quantities its first read gave,
# with Home Assistant's classes: water/gas volume, heat energy, temperatures,
# volume flow; a temperature difference gets no temperature class.
. "$(dirname "$0")/lib.sh"

MQTT_BIN=${METER_MQTT_BIN:-$(dirname "$METER_BIN")/mqtt/meter-mqtt}
if [ ! -x "$MQTT_BIN" ]; then
    echo "SKIP: meter-mqtt was not built (libmosquitto-dev missing)"
    exit 0
fi
MOSQUITTO=$(command -v mosquitto || echo /usr/sbin/mosquitto)
[ -x "$MOSQUITTO" ] && command -v mosquitto_sub >/dev/null || fail "mosquitto and mosquitto-clients are needed"

wait_until() { # SECONDS CMD...: re-check CMD every 0.1 s, fail after SECONDS
    local tries=$(($1 * 10)); shift
    while ! "$@" 2>/dev/null; do
        tries=$((tries - 1))
        [ $tries -gt 0 ] || return 1
        sleep 0.1
    done
}

chmod 711 "$TMP"
PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf 'listener %s 127.0.0.1\nallow_anonymous true\n' "$PORT" >"$TMP/mosquitto.conf"
port_open() { "$PY" -c "import socket,sys; socket.create_connection(('127.0.0.1', $PORT), 0.2)"; }
timeout 100 "$MOSQUITTO" -c "$TMP/mosquitto.conf" >"$TMP/broker.log" 2>&1 &
PIDS="$PIDS $!"
wait_until 20 port_open || fail "mosquitto did not listen: $(cat "$TMP/broker.log")"

start_sim EP --model sim-mbus-heat --id 7 --model sim-mbus-water --id 1 --model sim-mbus-gas --id 3 --pty --frozen

cat >"$TMP/media.ini" <<INI
[mqtt]
host = 127.0.0.1
port = $PORT
prefix = meters
client_id = media

[meter heat]
model = mbus
connection = $EP?addr=7
interval = 200ms

[meter water]
model = mbus
connection = $EP?addr=1
interval = 200ms

[meter gas]
model = mbus
connection = $EP?addr=3
interval = 200ms
INI
"$MQTT_BIN" -f "$TMP/media.ini" --exit-after 60 -v 2>"$TMP/bridge.log" &
PIDS="$PIDS $!"
discovered() { grep -q 'heat: .* discovery configs published' "$TMP/bridge.log" &&
    grep -q 'water: .* discovery configs published' "$TMP/bridge.log" &&
    grep -q 'gas: .* discovery configs published' "$TMP/bridge.log"; }
wait_until 30 discovered || fail "discovery not published: $(tail -5 "$TMP/bridge.log")"

# every retained config and one state of each meter
timeout 10 mosquitto_sub -h 127.0.0.1 -p "$PORT" -t 'homeassistant/#' --retained-only -W 3 -F '%t %p' \
    >"$TMP/disc.txt" || true
timeout 10 mosquitto_sub -h 127.0.0.1 -p "$PORT" -t 'meters/+/state' -C 6 -F '%t %p' >"$TMP/state.txt" ||
    fail "no states"
"$PY" - "$TMP/disc.txt" "$TMP/state.txt" <<'PY' || fail "media: $(cat "$TMP/disc.txt" | cut -c1-200 | head -30)"
import json, sys
cfg = {}
for line in open(sys.argv[1]):
    topic, payload = line.rstrip("\n").split(" ", 1)
    d = json.loads(payload)
    meter, q = d["object_id"].split("_", 1)
    cfg.setdefault(meter, {})[q] = d
states = {}
for line in open(sys.argv[2]):
    topic, payload = line.rstrip("\n").split(" ", 1)
    d = json.loads(payload, parse_constant=lambda c: sys.exit("non-JSON constant " + c))
    states[d["meter"]] = d
meta = {"seq", "time", "meter", "model", "dropped"}
# only what each meter sends: no dead voltage/current/power entities
assert set(cfg["water"]) == {"volume", "error_flags", "meter_date"}, sorted(cfg["water"])
assert set(cfg["gas"]) == {"gas_volume", "gas_volume_m1", "meter_date", "meter_date_m1"}, sorted(cfg["gas"])
assert set(cfg["heat"]) == {"volume", "volume_flow", "thermal_energy", "thermal_power",
    "flow_temperature", "return_temperature", "temperature_difference", "operating_time",
    "error_flags", "meter_date", "thermal_energy_m1", "meter_date_m1"}, sorted(cfg["heat"])
for m in cfg:
    assert set(states[m]) - meta == set(cfg[m]), (m, states[m])
    assert "error" not in states[m] and "errors" not in states[m], states[m]
def cls(m, q):
    d = cfg[m][q]
    return d.get("device_class"), d.get("state_class"), d.get("unit_of_measurement")
assert cls("water", "volume") == ("water", "total_increasing", "m³"), cls("water", "volume")
assert cls("gas", "gas_volume") == ("gas", "total_increasing", "m³"), cls("gas", "gas_volume")
assert cls("heat", "thermal_energy") == ("energy", "total_increasing", "kWh")
assert cls("heat", "thermal_power") == ("power", "measurement", "W")
assert cls("heat", "flow_temperature") == ("temperature", "measurement", "°C")
assert cls("heat", "return_temperature") == ("temperature", "measurement", "°C")
assert cls("heat", "volume_flow") == ("volume_flow_rate", "measurement", "m³/h")
assert cls("heat", "temperature_difference") == (None, "measurement", "K")
assert states["water"]["volume"] == 12.346 and states["gas"]["gas_volume"] == 4567.89
assert states["heat"]["thermal_energy"] == 12345 and states["heat"]["flow_temperature"] == 65.3
assert states["heat"]["meter_date"] == "2024-03-15T13:45"
PY
echo "mqtt media: ok"
