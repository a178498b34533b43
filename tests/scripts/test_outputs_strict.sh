#!/bin/bash
# SPDX-License-Identifier: MIT
# Every output format, whatever the meter sends (test_json_strict.sh covers the writer
# and `meter decode mbus --json`): hostile texts (quotes, commas, semicolons, CR/LF, TAB,
# backslashes, C0/C1 controls, DEL, ISO 8859-1 and invalid UTF-8, long) and numbers
# (NaN, infinities, -0, subnormal, huge, int64) reach
#  - meter read --records --json/--csv, read --json/--csv, monitor --json/--csv over
#    M-Bus, IEC 62056-21 and SML (tests/hostile/{mbus,iec,sml}.py --case texts --seed N),
#  - meter decode iec (--json and its tab-separated table) and decode sml --json,
#  - meter-mqtt's state and discovery payloads (tests/apps/payload_gen).
# Each output is checked with a strict parser: JSON (RFC 8259) in strict UTF-8 with no
# NaN/Infinity and no control character in any string; CSV per RFC 4180 (a field with a
# comma, quote, CR or LF quoted, quotes doubled; every row as wide as the header). Each
# text must read as what was sent (made UTF-8, controls as \xNN), each number as the
# very double decoded.
. "$(dirname "$0")/lib.sh"
: "${METER_BUILD:?}"
"$PY" - "$METER_BIN" "$METER_SRC" "$METER_BUILD" <<'PY' || fail "outputs are not strict"
import csv, io, json, math, os, re, struct, subprocess, sys
from fractions import Fraction

meter, src, build = sys.argv[1:4]
sys.path.insert(0, os.path.join(src, "tests", "hostile"))
import iec as iec_srv    # noqa: E402  (the servers' generators: what they send)
import mbus as mbus_srv  # noqa: E402
import sml as sml_srv    # noqa: E402

counts = {}


def count(what):
    counts[what] = counts.get(what, 0) + 1


def refuse(c):
    raise ValueError("non-standard constant " + c)


def bad_char(ch):
    o = ord(ch)
    return (o < 0x20 and ch != "\t") or 0x7F <= o <= 0x9F


def walk(v, where):
    if isinstance(v, str):
        assert not any(bad_char(c) for c in v), (where, v)
    elif isinstance(v, dict):
        for k, x in v.items():
            walk(k, where)
            walk(x, where)
    elif isinstance(v, list):
        for x in v:
            walk(x, where)


def strict_json(raw, where):
    text = raw.decode("utf-8", "strict")
    d = json.loads(text, parse_constant=refuse)
    walk(d, where)
    count("json")
    return d


def rfc4180(raw, where):
    """Rows of CSV text, refused unless every field is RFC 4180 (quoted when it holds a
    comma, quote, CR or LF) and every row has the header's width."""
    text = raw.decode("utf-8", "strict")
    rows, i, n = [], 0, len(text)
    while i < n:
        row = []
        while True:
            if text.startswith('"', i):
                j, field = i + 1, []
                while True:
                    k = text.index('"', j)
                    field.append(text[j:k])
                    if text.startswith('"', k + 1):
                        field.append('"')
                        j = k + 2
                    else:
                        i = k + 1
                        break
                row.append("".join(field))
            else:
                m = re.compile(r'[^,"\r\n]*').match(text, i)
                row.append(m.group(0))
                i = m.end()
            if text.startswith(",", i):
                i += 1
                continue
            assert text.startswith("\n", i), (where, "field not followed by , or LF", text[i:i + 20])
            i += 1
            break
        rows.append(row)
    assert rows and all(len(r) == len(rows[0]) for r in rows), (where, rows)
    assert rows == list(csv.reader(io.StringIO(text, newline=""))), where  # Python agrees
    count("csv")
    return rows


def esc(s):
    """What a tool writes for a meter's text (as code points): controls as \\xNN."""
    return "".join("\\x%02X" % ord(c) if bad_char(c) else c for c in s)


def esc_bytes(raw):
    """What a tool writes for arbitrary bytes given as UTF-8: invalid ones as \\xNN."""
    s = raw.decode("utf-8", "surrogateescape")
    return "".join("\\x%02X" % (ord(c) - 0xDC00) if 0xDC80 <= ord(c) <= 0xDCFF else esc(c) for c in s)


def cut(s, cap):
    """s as the library's field of cap bytes holds it: cut between characters."""
    while len(s.encode()) > cap - 1:
        s = s[:-1]
    return s


def same_number(printed, v, where):
    """printed (JSON number, or CSV text) is exactly v, or v is not finite and printed says so."""
    if v is None or not math.isfinite(v):
        assert printed in (None, "", "NaN", "Infinity", "-Infinity"), (where, printed, v)
        return
    assert printed is not None and not isinstance(printed, bool), (where, printed, v)
    assert float(printed) == v, (where, printed, v)
    if isinstance(printed, str):
        assert printed.startswith("-") == (math.copysign(1, v) < 0), (where, printed, v)


def run(args, ok=(0,)):
    p = subprocess.run([meter] + args, capture_output=True, timeout=60)
    assert p.returncode in ok, (args, p.returncode, p.stderr)
    return p.stdout


class Server:
    def __init__(self, script, seed, *extra):
        self.p = subprocess.Popen([sys.executable, os.path.join(src, "tests", "hostile", script),
                                   "--case", "texts", "--seed", str(seed), "--lifetime", "60"] + list(extra),
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.port = int(self.p.stdout.readline())

    def stop(self):
        self.p.stdin.close()  # a pipe that closes stops it
        self.p.wait(timeout=10)


def readings_agree(model, conn, where):
    """read --json/--csv and monitor --json/--csv: strict, and the same value everywhere."""
    d = strict_json(run(["read", "-m", model, "-c", conn, "--json"], ok=(0, 1)), where)
    vals = {q: r["value"] for q, r in d["readings"].items()}
    rows = rfc4180(run(["read", "-m", model, "-c", conn, "--csv"], ok=(0, 1)), where)
    assert rows[0] == ["quantity", "value", "unit", "status"], rows[0]
    for q, v, unit, status in rows[1:]:
        if isinstance(vals[q], str):
            assert v == vals[q], (where, q, v, vals[q])
        elif vals[q] is not None:
            assert float(v) == vals[q] and status == "ok", (where, q, v, vals[q])
        else:
            assert v == "" and status == d["readings"][q]["error"], (where, q, v, status)
    qs = ",".join(vals)
    m = strict_json(run(["monitor", "-m", model, "-c", conn, "-q", qs, "--json", "--count", "1",
                         "--interval", "10ms"], ok=(0, 1)), where)
    if all(v is None for v in vals.values()):  # nothing read: monitor's line is the error
        errors = {r["error"] for r in d["readings"].values()}
        assert "readings" not in m and m["error"] in errors, (where, m, errors)
    else:
        assert m["readings"] == vals, (where, m, vals)
    rows = rfc4180(run(["monitor", "-m", model, "-c", conn, "-q", qs, "--csv", "--count", "1",
                        "--interval", "10ms"], ok=(0, 1)), where)
    assert rows[0] == ["time"] + list(vals) + ["status"], (where, rows[0])
    for q, v in zip(vals, rows[1][1:-1]):
        if isinstance(vals[q], str):
            assert v == vals[q], (where, q, v)
        elif vals[q] is not None:
            assert float(v) == vals[q], (where, q, v)


# --- M-Bus: hostile records through read --records, read and monitor
for seed in range(1, 9):
    srv = Server("mbus.py", seed)
    try:
        conn = "mbus-tcp:127.0.0.1:%d?addr=5&timeout=300&retries=1" % srv.port
        where = "mbus seed %d" % seed
        _, want = mbus_srv.hostile_records(seed)
        d = strict_json(run(["read", "-m", "mbus", "-c", conn, "--records", "--json"]), where)
        rows = rfc4180(run(["read", "-m", "mbus", "-c", conn, "--records", "--csv"]), where)
        assert rows[0] == "name,address,index,value,unit,function,storage,tariff,subunit,quantity".split(","), rows[0]
        recs = d["records"]
        assert len(recs) == len(want) == len(rows) - 1, (where, recs, want)
        for rec, row, w in zip(recs, rows[1:], want):
            if w[0] == "text":
                text = esc(cut(w[1].decode("latin-1"), 64))
                assert rec["value"] == text and row[3] == text, (where, rec, row, w)
            else:
                same_number(rec["value"], w[1], where)
                same_number(row[3], w[1], where)
                if w[1] is None:
                    assert rec["error"] in ("NaN", "Infinity", "-Infinity"), (where, rec)
                if w[2] is not None:
                    unit = esc(cut(w[2].decode("latin-1"), 16))
                    assert rec["unit"] == unit and row[4] == unit, (where, rec, row, w)
            assert row[0] == rec["name"] and row[6:9] == [str(rec[k]) for k in ("storage", "tariff", "subunit")]
        readings_agree("mbus", conn, where)
    finally:
        srv.stop()

# --- IEC 62056-21: awkward addresses, values and units through read --records and read
for seed in range(1, 5):
    srv = Server("iec.py", seed)
    try:
        conn = "iec-tcp:127.0.0.1:%d?timeout=500&retries=0" % srv.port
        where = "iec seed %d" % seed
        _, sets = iec_srv.hostile_readout(seed)
        d = strict_json(run(["read", "-m", "iec62056", "-c", conn, "--records", "--json"]), where)
        rows = rfc4180(run(["read", "-m", "iec62056", "-c", conn, "--records", "--csv"]), where)
        recs = d["records"][4:]  # after the readout's own four data sets
        assert len(recs) == len(sets) == len(rows) - 5, (where, recs, sets)
        for rec, row, (addr, value, unit) in zip(recs, rows[5:], sets):
            a, u = addr.decode(), unit.decode()
            v = bytes(b for b in value if 0x20 <= b <= 0x7E).decode()  # the codec drops noise
            assert rec["address"] == row[1] == cut(a, 40) and rec["name"] == row[0] == cut(a, 32), (where, rec, addr)
            assert rec["unit"] == row[4] == cut(u, 16), (where, rec, unit)
            if isinstance(rec["value"], str):
                assert rec["value"] == row[3] == cut(v, 64), (where, rec, value)
            else:
                same_number(rec["value"], float(v), where)
                same_number(row[3], float(v), where)
        readings_agree("iec62056", conn, where)
    finally:
        srv.stop()

# --- SML pushed: octet strings of awkward or any bytes, int64 values, through read --records and read
for seed in range(1, 4):
    srv = Server("sml.py", seed, "--interval", "0.2")
    try:
        conn = "sml-tcp:127.0.0.1:%d?interval=400" % srv.port
        where = "sml seed %d" % seed
        _, want = sml_srv.hostile_entries(seed)
        d = strict_json(run(["read", "-m", "sml", "-c", conn, "--records", "--json"]), where)
        rows = rfc4180(run(["read", "-m", "sml", "-c", conn, "--records", "--csv"]), where)
        recs = d["records"][1:]  # after the server id
        assert len(recs) == len(want) == len(rows) - 2, (where, recs, want)
        for rec, row, w in zip(recs, rows[2:], want):
            if w[0] == "text":
                printable = all(0x20 <= b <= 0x7E for b in w[1])
                text = cut(w[1].decode(), 64) if printable else w[1][:31].hex()
                assert rec["value"] == row[3] == text, (where, rec, row, w)
            else:
                exact = float(Fraction(w[1]) * Fraction(10) ** w[2])
                same_number(rec["value"], exact, where)
                same_number(row[3], exact, where)
        readings_agree("sml", conn, where)
    finally:
        srv.stop()

# --- meter decode iec: the same data sets with any byte (no 7E1 here), JSON and the table
for seed in range(1, 41):
    lines, sets = iec_srv.hostile_readout(seed)
    body = lines.replace(b"\x00", bytes([0x80 + seed])) + b"!\r\n\x03"
    data = b"/HOS6HOSTILE\r\n\x02" + body + iec_srv.bcc(body)
    p = subprocess.run([meter, "decode", "iec", "-", "--json"], input=data, capture_output=True)
    assert p.returncode == 0, (seed, p.stderr)
    d = strict_json(p.stdout, "decode iec %d" % seed)
    assert len(d["data"]) == len(sets), (seed, d, sets)
    for ds, (addr, value, unit) in zip(d["data"], sets):
        v = bytes(b for b in value if 0x20 <= b <= 0x7E).decode()
        assert ds["address"] == addr.decode() and ds["values"] == [{"value": v, "unit": unit.decode()}], (seed, ds)
    p = subprocess.run([meter, "decode", "iec", "-"], input=data, capture_output=True)
    table = p.stdout.decode("utf-8", "strict").split("\n")
    assert table[-1] == "" and all(len(t.split("\t")) == 4 for t in table[1:-1]), (seed, table)
    count("table")

# --- meter decode sml --json: octet strings of any byte, 64-bit status words, int64 values
rng = __import__("random").Random(7)


def octets(b):
    n = len(b) + 1
    if n <= 15:
        return bytes([n]) + b
    n += 1  # two TL bytes
    return bytes([0x80 | (n >> 4), n & 0x0F]) + b


def sml_entry(obis, status, unit, scaler, value):
    return (sml_srv.lst(7) + octets(bytes(obis)) + sml_srv.uint(status, 8) + sml_srv.ABSENT +
            sml_srv.uint(unit, 1) + sml_srv.sint(scaler, 1) + value + sml_srv.ABSENT)


for k in range(40):
    entries, want = [], []
    for j in range(rng.randint(1, 6)):
        status = rng.choice((0, 2**64 - 1, 2**53 + 1, rng.randrange(2**64)))
        scaler = rng.randint(-5, 5)
        if rng.random() < 0.4:
            raw = bytes(rng.choice(b'",;\r\n\t\\\x00\x1b\x7f\x80\xe9\xffAz ') for _ in range(rng.randint(0, 40)))
            entries.append(sml_entry((1, 0, 96, 50, j, 255), status, 255, scaler, octets(raw)))
            want.append(("text", status, raw))
        else:
            v = rng.choice((2**63 - 1, -2**63, 0, -1, 2**53 + 1, rng.randrange(-2**63, 2**63)))
            entries.append(sml_entry((1, 0, 1, 8, j, 255), status, 30, scaler, sml_srv.sint(v, 8)))
            want.append(("number", status, v, scaler))
    server = bytes(rng.randrange(256) for _ in range(rng.randint(1, 14)))
    f = sml_srv.transport(sml_srv.sml_file(k, entries=entries, server=server))
    where = "decode sml %d" % k
    d = strict_json(run(["decode", "sml", "--json", f.hex()]), where)
    assert d["server_id"] == server.hex(), (where, d["server_id"])
    assert len(d["entries"]) == len(want), (where, d)
    for e, w in zip(d["entries"], want):
        assert e["status"] == w[1], (where, e, w)  # all 64 bits
        if w[0] == "text" and not w[2]:  # 01, an empty octet string, is SML's "absent"
            assert e["value"] is None, (where, e, w)
        elif w[0] == "text":
            assert e["value"] == w[2].hex()[:198], (where, e, w)
            printable = all(0x20 <= b <= 0x7E for b in w[2])
            assert ("ascii" in e) == (printable and len(w[2]) > 0) or "ascii" not in e, (where, e)
            if "ascii" in e:
                assert e["ascii"] == w[2].decode(), (where, e, w)
        else:
            assert e["raw"] == str(w[2]), (where, e, w)
            exact = Fraction(w[2]) * Fraction(10) ** w[3]
            assert e["value"] == float(exact), (where, e, w, float(exact))  # rounded once
            same_number(e["value"], float(e["value"]), where)

# --- meter-mqtt: state and discovery payloads
gen = os.path.join(build, "tests", "apps", "payload_gen")
if os.path.exists(gen):
    out = subprocess.run([gen, "state", "2000", "11"], capture_output=True, check=True).stdout
    for i, line in enumerate(out.split(b"\n")[:-1]):
        head, payload = line.split(b"\t", 1)
        htext, st0, _, st1, bits, hmsg, hmodel = head.decode().split(" ")
        raw = lambda h: b"" if h == "-" else bytes.fromhex(h)
        d = strict_json(payload, "state %d" % i)
        assert d["seq"] == i + 1 and d["model"] == esc_bytes(raw(hmodel)), (i, d)
        if st0 == "0":
            assert d["serial_number"] == esc_bytes(raw(htext)), (i, d)
        else:
            assert d["serial_number"] is None and d["errors"]["serial_number"] == "METER_EVALUE", (i, d)
        v = struct.unpack(">d", bytes.fromhex(bits))[0]
        if st1 == "0" and math.isfinite(v):
            same_number(d["voltage_l1"], v, "state %d" % i)
            num = re.search(rb'"voltage_l1":(-?[0-9][^,}]*)', payload).group(1).decode()
            assert num.startswith("-") == (math.copysign(1, v) < 0), (i, num, v)
        else:
            assert d["voltage_l1"] is None and d["errors"]["voltage_l1"], (i, d)
        if "error" in d:
            assert d["message"] == esc_bytes(raw(hmsg)), (i, d)
    out = subprocess.run([gen, "discovery", "1000", "12"], capture_output=True, check=True).stdout
    for i, line in enumerate(out.split(b"\n")[:-1]):
        head, payload = line.split(b"\t", 1)
        hp, hc, hm = head.decode().split(" ")
        raw = lambda h: b"" if h == "-" else bytes.fromhex(h)
        d = strict_json(payload, "discovery %d" % i)
        assert d["device"]["model"] == esc_bytes(raw(hm)), (i, d)
        assert d["state_topic"] == esc_bytes(raw(hp)) + "/m1/state", (i, d)
else:
    print("payload_gen not built (no libmosquitto): meter-mqtt payloads not checked")

print("outputs: " + ", ".join("%d %s" % (n, w) for w, n in sorted(counts.items())) +
      " checked strictly; every text and number as the meter sent it")
PY

# power-optimizer --json: a meter that answers (fuse off: headroom infinite, null with its
# reason), and one whose every reply is lost (the library's message in "message")
OPT="$METER_BUILD/examples/optimizer/power-optimizer"
if [ -x "$OPT" ]; then
    start_sim GOOD --model klefr-6934 --listen tcp:127.0.0.1:0
    start_sim LOST --model klefr-6934 --listen tcp:127.0.0.1:0 --faults drop --fault-rate 1000
    "$OPT" -m klefr-6934 -c "$GOOD?id=1" --fuse off --json --count 2 --interval 100ms \
        --charger-current 0 >"$TMP/opt.json" || fail "power-optimizer against the simulator"
    "$OPT" -m klefr-6934 -c "$LOST?id=1&timeout=100&retries=0" --fuse 25 --json --count 1 \
        --interval 100ms --charger-current 0 >>"$TMP/opt.json" || true
    "$PY" - "$TMP/opt.json" <<'PY' || fail "power-optimizer --json is not strict"
import json, sys
def refuse(c):
    raise ValueError("non-standard constant " + c)
lines = open(sys.argv[1], "rb").read().split(b"\n")[:-1]
assert len(lines) == 3, lines
d = [json.loads(l.decode("utf-8", "strict"), parse_constant=refuse) for l in lines]
assert d[0]["ok"] and d[0]["headroom"] is None and d[0]["headroom_reason"] == "Infinity", d[0]
assert all(isinstance(x, (int, float)) for x in d[0]["phases"]), d[0]
assert d[0]["household"] == d[0]["phases"], d[0]  # no charger: measured, never 0 A made up
assert not d[2]["ok"] and d[2]["error"].startswith("METER_E") and d[2]["message"], d[2]
print("power-optimizer: 3 JSON lines strict (an infinite headroom null with its reason, a failed read with its message)")
PY
else
    echo "power-optimizer not built: not checked"
fi
echo "outputs: every format strict, whatever the meter sends"
