#!/bin/bash
# SPDX-License-Identifier: MIT
# Property test of everything the tools print as JSON or CSV (issue 11, item 1):
# 1. arbitrary bytes and numbers through the JSON and CSV writers
#    (tests/apps/jsonout_gen), each line checked by a strict parser (Python's
#    json with NaN/Infinity refused, strict UTF-8) against the expected text;
# 2. random M-Bus frames (valid framing, random records: NaN reals, plain text
#    in ISO 8859-1, garbage) through `meter decode mbus --json`: every output
#    parses strictly, and the exit status is 0 or 3 (a refused decode).
. "$(dirname "$0")/lib.sh"
: "${METER_BUILD:?}"
GEN="$METER_BUILD/tests/apps/jsonout_gen"
[ -x "$GEN" ] || fail "jsonout_gen not built"
"$GEN" json 3000 7 >"$TMP/j.txt"
"$GEN" csv 3000 11 >"$TMP/c.txt"
"$PY" - "$TMP/j.txt" "$TMP/c.txt" <<'PY' || fail "JSON/CSV writer"
import csv, io, json, math, re, struct, sys

def refuse(c):
    raise ValueError("non-standard constant " + c)

def esc(b):
    return "\\x%02X" % b

def expect_latin1(raw):
    return "".join(chr(b) if (0x20 <= b < 0x7F or b == 9 or b >= 0xA0) else esc(b) for b in raw)

def expect_utf8(raw):
    s = raw.decode("utf-8", "surrogateescape")
    out = []
    for ch in s:
        o = ord(ch)
        if 0xDC80 <= o <= 0xDCFF:
            out.append(esc(o - 0xDC00))
        elif (o < 0x20 and o != 9) or 0x7F <= o <= 0x9F:  # C0, DEL, C1
            out.append(esc(o))
        else:
            out.append(ch)
    return "".join(out)

decimals = {0: "230.1", 1: "0.1", 2: "1136.694", 3: "12445.92", 4: "-0.5", 5: "50.02", 6: "13070002",
            9: "4.2e-07", 10: "0.30000000000000004", 11: "-0", 13: "1.7976931348623157e+308"}
n = 0
for i, line in enumerate(open(sys.argv[1], "rb")):
    text = line.decode("utf-8", "strict")          # strict UTF-8
    d = json.loads(text, parse_constant=refuse)    # no NaN, no Infinity
    raw = bytes.fromhex(d["hex"])
    assert d["utf8"] == expect_utf8(raw), (i, d, expect_utf8(raw))
    assert d["latin1"] == expect_latin1(raw), (i, d)
    v = struct.unpack(">d", bytes.fromhex(d["bits"]))[0]
    if math.isfinite(v):
        assert isinstance(d["n"], (int, float)) and "why" not in d, (i, d)
        assert float(d["n"]) == v, (i, d, v)  # exactly the double, never a neighbour
        num = re.search(r'"n":(-?[0-9][^,}]*)', text).group(1)
        assert num.startswith("-") == (math.copysign(1, v) < 0), (i, num, v)  # -0 keeps its sign
    else:
        assert d["n"] is None and d["why"] in ("NaN", "Infinity", "-Infinity"), (i, d)
    if i in decimals:  # the meter's decimal, as the meter wrote it
        assert ('"n":%s,' % decimals[i]) in text or ('"n":%s}' % decimals[i]) in text, (i, text)
    n += 1
assert n == 3000, n
rows = list(csv.reader(io.open(sys.argv[2], encoding="utf-8", errors="strict", newline="")))
assert len(rows) == 3000, len(rows)
for i, r in enumerate(rows):
    assert len(r) == 5, (i, r)
    raw = bytes.fromhex(r[0])
    assert r[1] == expect_utf8(raw) and r[2] == expect_latin1(raw), (i, r)
    v = struct.unpack(">d", bytes.fromhex(r[3]))[0]
    if math.isfinite(v):
        assert float(r[4]) == v and r[4].startswith("-") == (math.copysign(1, v) < 0), (i, r, v)
    else:
        assert r[4] == {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}[str(v)], (i, r)
print("writer: 3000 JSON objects and 3000 CSV records parse strictly and hold what went in")
PY

# random M-Bus frames through meter decode mbus --json
"$PY" - "$METER_BIN" <<'PY' || fail "meter decode mbus --json"
import json, random, subprocess, sys
meter = sys.argv[1]
rng = random.Random(15)
def refuse(c):
    raise ValueError("non-standard constant " + c)
pieces = [bytes.fromhex(h) for h in (
    "05FF0A0000C0FF",        # real32 NaN (Schneider iEM3000)
    "05FF0A0000807F",        # +Infinity
    "0513CDCC0C43",          # a real32 volume
    "0D7C08" + "63757374" + "2E204944" + "04C4FCE9FF",  # plain-text unit, text with ISO 8859-1 bytes
    "0DFD0E04" + "FF80C328",  # text: bytes that are not UTF-8
    "0406" + "12345678", "0C13" + "99999999", "02FD1700FF", "046D" + "2B0BC51C",
)]
bad = 0
for k in range(300):
    body = b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 6)))
    if rng.random() < 0.3:
        body += bytes(rng.randrange(256) for _ in range(rng.randint(1, 12)))
    # C A CI, id, manufacturer, version, medium, access, status, signature 0000 (no encryption)
    head = bytes.fromhex("080072785634122440010755000000") if rng.random() < 0.9 else bytes(rng.randrange(256) for _ in range(15))
    data = head + body
    frame = bytes([0x68, len(data), len(data), 0x68]) + data + bytes([sum(data) & 0xFF, 0x16])
    p = subprocess.run([meter, "decode", "mbus", "--json", frame.hex()], capture_output=True)
    assert p.returncode in (0, 3), (frame.hex(), p.returncode, p.stderr)
    if p.returncode == 3:
        bad += 1
    if p.stdout:
        d = json.loads(p.stdout.decode("utf-8", "strict"), parse_constant=refuse)
        assert "records" in d, d
print("decode: 300 random frames, %d refused (exit 3), every output strict JSON" % bad)
PY
# 400 mutated corpus frames (bytes changed, inserted or cut; the checksum mended half the
# time so the change reaches the records): a refusal or strict JSON, never anything else
"$PY" - "$METER_BIN" "$METER_SRC/tests/fixtures/mbus/frames.tsv" <<'PY' || fail "mutated corpus frames"
import json, random, re, subprocess, sys
meter, tsv = sys.argv[1], sys.argv[2]
frames = []
for line in open(tsv):
    if line.startswith("#"):
        continue
    hexes = [x for x in line.rstrip("\n").split("\t") if re.fullmatch(r"(?:[0-9A-Fa-f]{2} ?){4,}", x.strip())]
    if hexes:
        frames.append(bytes.fromhex(hexes[0].replace(" ", "")))
assert len(frames) >= 30, len(frames)
rng = random.Random(400)
def refuse(c):
    raise ValueError("non-standard constant " + c)
refused = 0
for k in range(400):
    f = bytearray(rng.choice(frames))
    for _ in range(rng.randint(1, 4)):
        if len(f) < 8:
            break
        op = rng.random()
        i = rng.randrange(4, len(f) - 2)
        if op < 0.6:
            f[i] = rng.randrange(256)
        elif op < 0.8:
            f.insert(i, rng.randrange(256))
        elif len(f) > 8:
            del f[i]
    if rng.random() < 0.5 and len(f) > 6 and f[0] == 0x68:
        n = len(f) - 6
        f[1] = f[2] = n & 0xFF
        f[-2] = sum(f[4:4 + n]) & 0xFF
        f[-1] = 0x16
    p = subprocess.run([meter, "decode", "mbus", "--json", bytes(f).hex()], capture_output=True)
    assert p.returncode in (0, 3), (bytes(f).hex(), p.returncode, p.stderr)
    refused += p.returncode == 3
    if p.stdout:
        json.loads(p.stdout.decode("utf-8", "strict"), parse_constant=refuse)
print("decode: 400 mutated corpus frames, %d refused (exit 3), every output strict JSON" % refused)
PY
echo "json: writer and decode output are strict RFC 8259 JSON in UTF-8; CSV per RFC 4180"
