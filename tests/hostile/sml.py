#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# A misbehaving SML push meter: SML transport v1 on 127.0.0.1 (port 0) or a pty (--pty).
# It takes no request: once a client connects (at once on a pty) it pushes a telegram
# every --interval seconds, as --case says. The right telegram carries 1-0:1.8.0 =
# 12345.6 kWh and 1-0:16.7.0 = 456.7 W; a value from a telegram that must be refused is
# always 99999.999 kWh.
#   python3 sml.py --case bad-crc [--pty] [--interval 1.0]
import random
import struct

from hostile import PushServer, forever, main

ENERGY = 123456000   # 0.1 Wh (scaler -1): 12345.6 kWh
WRONG = 999999990    # 99999.999 kWh with the same scaler


def crc_x25(data):
    crc = 0xFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    return crc ^ 0xFFFF


def octets(b):
    assert len(b) < 15
    return bytes([len(b) + 1]) + b


def uint(v, n):
    return bytes([0x60 | (n + 1)]) + v.to_bytes(n, "big")


def sint(v, n):
    return bytes([0x50 | (n + 1)]) + v.to_bytes(n, "big", signed=True)


def lst(n):
    if n > 15:  # two-byte TL: 1111 hhhh, 0000 llll
        return bytes([0xF0 | (n >> 4), n & 0x0F])
    return bytes([0x70 | n])


ABSENT = b"\x01"
SERVER_ID = bytes.fromhex("0a0148535400000000ab")


def message(seq, tag, body, bad_crc=False):
    m = lst(6) + octets(struct.pack(">I", seq)) + uint(0, 1) + uint(0, 1) + lst(2) + uint(tag, 2) + body
    crc = crc_x25(m) ^ (0x1234 if bad_crc else 0)
    return m + bytes([0x63, crc & 0xFF, crc >> 8, 0x00])


def entry(obis, unit, scaler, value):
    return (lst(7) + octets(bytes(obis)) + ABSENT + ABSENT + uint(unit, 1) + sint(scaler, 1) +
            value + ABSENT)


def sml_file(seq, energy=ENERGY, entries=None, bad_msg_crc=False, server=SERVER_ID):
    if entries is None:
        entries = [entry((1, 0, 1, 8, 0, 255), 30, -1, uint(energy, 8)),
                   entry((1, 0, 16, 7, 0, 255), 27, -1, sint(4567, 4))]
    opn = message(seq, 0x0101, lst(6) + ABSENT + ABSENT + octets(b"\x00\x01\x02\x03") +
                  octets(server) + ABSENT + ABSENT)
    body = (lst(7) + ABSENT + octets(server) + ABSENT + ABSENT + lst(len(entries)) +
            b"".join(entries) + ABSENT + ABSENT)
    get = message(seq + 1, 0x0701, body, bad_crc=bad_msg_crc)
    cls = message(seq + 2, 0x0201, lst(1) + ABSENT)
    return opn + get + cls


def transport(f, bad_crc=False, pad=None):
    out = b"\x1b\x1b\x1b\x1b\x01\x01\x01\x01" + f.replace(b"\x1b\x1b\x1b\x1b", b"\x1b" * 8)
    n = (4 - len(out) % 4) % 4
    out += bytes(n) + b"\x1b\x1b\x1b\x1b\x1a" + bytes([n if pad is None else pad])
    crc = crc_x25(out) ^ (0x0101 if bad_crc else 0)
    return out + bytes([crc & 0xFF, crc >> 8])


def long_octets(b):
    """An octet string of any length below 240 (two TL bytes past 14)."""
    n = len(b) + 1
    if n <= 15:
        return bytes([n]) + b
    return bytes([0x80 | ((n + 1) >> 4), (n + 1) & 0x0F]) + b


def hostile_entries(seed):
    """The counter, then octet strings of awkward bytes (printable: quotes, commas,
    semicolons, backslashes; or binary) and int64 values with scalers (issue: every
    output valid). Returns (entries, [("text", bytes) or ("number", raw, scaler)])."""
    rng = random.Random(seed)
    es, want = [entry((1, 0, 1, 8, 0, 255), 30, -1, uint(ENERGY, 8))], [("number", ENERGY, -1)]
    for i in range(rng.randint(2, 6)):
        if rng.random() < 0.5:
            pool = b'",;\\\' {}<>&%' + bytes(range(0x30, 0x7B)) if rng.random() < 0.6 else bytes(range(256))
            b = bytes(rng.choice(pool) for _ in range(rng.randint(1, 40)))
            es.append(entry((1, 0, 96, 50, i, 255), 255, 0, long_octets(b)))
            want.append(("text", b))
        else:
            v = rng.choice((2**63 - 1, -2**63, -1, 2**53 + 1, rng.randrange(-2**63, 2**63)))
            sc = rng.randint(-4, 4)
            es.append(entry((1, 0, 96, 51, i, 255), 27, sc, sint(v, 8)))
            want.append(("number", v, sc))
    return es, want


class Sml(PushServer):
    description = "misbehaving SML push meter (TCP or --pty)"

    def c_normal(self):
        return self.pushes(lambda k: transport(sml_file(3 * k)))

    def c_escaped(self):
        # a server id with 1b1b1b1b inside: escaped on the wire, must decode
        sid = b"\x0a\x1b\x1b\x1b\x1b\x00\x01"
        return self.pushes(lambda k: transport(sml_file(3 * k, server=sid)))

    def c_bad_crc(self):
        # the transport CRC of a telegram whose value was changed on the way: stale
        def make(k):
            good = transport(sml_file(3 * k))
            bad = transport(sml_file(3 * k, energy=WRONG))
            return bad[:-2] + good[-2:]
        return self.pushes(make)

    def c_bad_msg_crc(self):
        return self.pushes(lambda k: transport(sml_file(3 * k, energy=WRONG, bad_msg_crc=True)))

    def c_bad_pad(self):
        # transport CRC right, but the fill count says 3 where the file has none or fewer
        return self.pushes(lambda k: transport(sml_file(3 * k, energy=WRONG), pad=3)
                           if len(transport(sml_file(3 * k, energy=WRONG))) % 4 != 3 else
                           transport(sml_file(3 * k, energy=WRONG), pad=2))

    def c_no_escape(self):
        # endless bytes that never hold an escape sequence
        data = bytes(b if b != 0x1b else 0x1c for b in self.rng.randbytes(4096))
        return forever(data, 0.02)

    def c_escape_garbage(self):
        # a start sequence, then garbage for ever (no end sequence)
        data = bytes(b if b != 0x1b else 0x1c for b in self.rng.randbytes(4096))
        return iter([(0.0, b"\x1b\x1b\x1b\x1b\x01\x01\x01\x01")] + [(0.02, data)] * 100000)

    def c_never_ends(self):
        # a valid start and valid messages, again and again, the end never sent
        f = sml_file(0, energy=WRONG)
        return iter([(0.0, b"\x1b\x1b\x1b\x1b\x01\x01\x01\x01")] + [(0.01, f)] * 1000000)

    def c_huge_list(self):
        # 200 entries (within 4096 bytes; the library keeps every entry a frame can
        # carry): the right counter and power first
        def make(k):
            es = [entry((1, 0, 1, 8, 0, 255), 30, -1, uint(ENERGY, 8)),
                  entry((1, 0, 16, 7, 0, 255), 27, -1, sint(4567, 4))]
            es += [entry((1, 0, 96, 50, i & 0xFF, 255), 30, 0, uint(i, 1)) for i in range(198)]
            f = sml_file(3 * k, entries=es)
            return transport(f)
        return self.pushes(make)

    def c_entry_90(self):
        # 100 entries, the counter is entry 90 and the power entry 100 (once, a quantity
        # after entry 64 was "the telegram has no ...")
        def make(k):
            es = [entry((1, 0, 96, 50, i, 255), 30, 0, uint(i, 1)) for i in range(100)]
            es[89] = entry((1, 0, 1, 8, 0, 255), 30, -1, uint(ENERGY, 8))
            es[99] = entry((1, 0, 16, 7, 0, 255), 27, -1, sint(4567, 4))
            return transport(sml_file(3 * k, entries=es))
        return self.pushes(make)

    def c_two_values(self):
        # the counter twice with two values, every CRC right: which one is meant is unknown
        def make(k):
            es = [entry((1, 0, 1, 8, 0, 255), 30, -1, uint(ENERGY, 8)),
                  entry((1, 0, 16, 7, 0, 255), 27, -1, sint(4567, 4)),
                  entry((1, 0, 1, 8, 0, 255), 30, -1, uint(WRONG, 8))]
            return transport(sml_file(3 * k, entries=es))
        return self.pushes(make)

    def c_same_twice(self):
        # the counter twice with one value (the second with another scaler): read
        def make(k):
            es = [entry((1, 0, 1, 8, 0, 255), 30, -1, uint(ENERGY, 8)),
                  entry((1, 0, 16, 7, 0, 255), 27, -1, sint(4567, 4)),
                  entry((1, 0, 1, 8, 0, 255), 30, 0, uint(ENERGY // 10, 8))]
            return transport(sml_file(3 * k, entries=es))
        return self.pushes(make)

    def c_too_long(self):
        # a telegram longer than the largest the library takes (4096 bytes): refused
        def make(k):
            es = [entry((1, 0, 1, 8, 0, 255), 30, -1, uint(WRONG, 8))]
            es += [entry((1, 0, 96, 50, i & 0xFF, 255), 30, 0, octets(bytes(14))) for i in range(254)]
            return transport(sml_file(3 * k, entries=es))
        return self.pushes(make)

    def c_deep(self):
        # an entry's value is a list nested 200 deep (every CRC right)
        def make(k):
            deep = lst(1) * 200 + uint(1, 1)
            es = [entry((1, 0, 1, 8, 0, 255), 30, -1, uint(WRONG, 8)),
                  entry((1, 0, 96, 50, 1, 255), 30, 0, deep)]
            return transport(sml_file(3 * k, entries=es))
        return self.pushes(make)

    def c_texts(self):
        # the entries of hostile_entries(--seed), every CRC right
        es = hostile_entries(self.args.seed)[0]
        return self.pushes(lambda k: transport(sml_file(3 * k, entries=es)))

    def c_trickle(self):
        # a telegram a byte at a time, 50 ms apart: never whole within the deadline
        def steps():
            t = transport(sml_file(0, energy=WRONG))
            while True:
                for i in range(len(t)):
                    yield 0.05, t[i:i + 1]
        return steps()


Sml.cases = {
    "normal": Sml.c_normal,
    "escaped": Sml.c_escaped,
    "bad-crc": Sml.c_bad_crc,
    "bad-msg-crc": Sml.c_bad_msg_crc,
    "bad-pad": Sml.c_bad_pad,
    "no-escape": Sml.c_no_escape,
    "escape-garbage": Sml.c_escape_garbage,
    "never-ends": Sml.c_never_ends,
    "huge-list": Sml.c_huge_list,
    "entry-90": Sml.c_entry_90,
    "two-values": Sml.c_two_values,
    "same-twice": Sml.c_same_twice,
    "too-long": Sml.c_too_long,
    "deep": Sml.c_deep,
    "trickle": Sml.c_trickle,
    "texts": Sml.c_texts,
}

if __name__ == "__main__":
    main(Sml)
