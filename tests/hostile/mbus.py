#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# A misbehaving M-Bus slave (EN 13757-2/-3) on 127.0.0.1 (port 0, as a transparent
# gateway) or on a pty (--pty). It answers SND_NKE and a selection with E5, and
# REQ_UD2 as --case says, with the KLEFR manual's telegram (docs §9: energy
# 16048.14 kWh). A telegram that does not belong to the request carries 9999.99 kWh.
#   python3 mbus.py --case other-primary [--pty] [--lifetime S]
from fractions import Fraction
import math
import random
import struct
import sys

from hostile import Server, forever, main, once, trickle

# §9 telegram: C A CI, header ID MAN VER MED ACC STS SIG, 9 records (energy in 10 Wh)
HEADER = bytes.fromhex("08 00 72 00000000 25CD 01 02 02 00 0000")
RECORDS = bytes.fromhex(
    "0C04 14486001 8C1004 23803500 8C2004 91672401 1C04 46136900 9C1004 56341200"
    "9C2004 90785600 2C04 68349100 AC1004 67452300 AC2004 01896700")
WRONG_RECORD0 = bytes.fromhex("0C04 99999900")  # 9999.99 kWh


# Awkward bytes for a meter's text: quotes, separators, CR/LF, TAB, backslash, C0/C1
# controls, DEL, ISO 8859-1 letters (a text is ISO 8859-1 on the wire)
AWKWARD = b'"\',;\r\n\t\\\x01\x1b\x7f\x80\x9b\xa0\xe9\xff{}[]<>&%'
REAL32 = ("7fc00000", "ffc00000", "7f800000", "ff800000", "80000000", "00000001", "007fffff",
          "7f7fffff", "43661999", "c2c80000", "3dcccccd")


def hostile_records(seed):
    """Records whose texts and numbers are hostile (issue: every output valid): LVAR
    texts and plain-text units of awkward bytes, real32 NaN/inf/-0/subnormal/huge, int64.
    Returns (record bytes, what each record must read as): ("text", latin1 bytes in
    reading order) or ("number", float or None when not finite, unit latin1 or None)."""
    rng = random.Random(seed)

    def text(n):
        return bytes(rng.choice(AWKWARD) if rng.random() < 0.6 else rng.randrange(1, 256)
                     for _ in range(n))
    out, want = b"", []
    for _ in range(rng.randint(3, 6)):
        kind = rng.randrange(5)
        if kind == 1 and len(out) > 240 - 15 - 0x44:
            kind = 0  # a long frame holds 252 bytes after L: no second long text
        if len(out) > 240 - 15 - 24:
            break
        if kind == 0:  # LVAR text (firmware version), last character first on the wire
            t = text(rng.randint(0, 20))
            out += bytes([0x0D, 0xFD, 0x0E, len(t)]) + t[::-1]
            want.append(("text", t))
        elif kind == 1:  # a long one: cut between characters to fit the record
            t = text(rng.randint(40, 0x3F))
            out += bytes([0x0D, 0xFD, 0x0E, len(t)]) + t[::-1]
            want.append(("text", t))
        elif kind == 2:  # a number with a plain-text unit
            u, v = text(rng.randint(1, 7)), rng.randrange(-2**31, 2**31)
            out += bytes([0x04, 0x7C, len(u)]) + u[::-1] + struct.pack("<i", v)
            want.append(("number", float(v), u))
        elif kind == 3:  # real32 in Wh
            b = bytes.fromhex(rng.choice(REAL32)) if rng.random() < 0.6 else rng.randbytes(4)
            v = struct.unpack(">f", b)[0]
            out += b"\x05\x03" + b[::-1]
            want.append(("number", v if math.isfinite(v) else None, None))
        else:  # int64 in mWh, Wh or kWh (beyond 2^53: the double nearest the decimal)
            v = rng.choice((2**63 - 1, -2**63, 2**53 + 1, 2**62 + 12345, rng.randrange(-2**63, 2**63)))
            e = rng.choice((-3, 0, 3))
            out += bytes([0x07, e + 3]) + struct.pack("<q", v)
            want.append(("number", float(Fraction(v) * Fraction(10) ** e), None))
    return out, want


def long_frame(c, a, ci, data):
    body = bytes([c, a, ci]) + data
    return bytes([0x68, len(body), len(body), 0x68]) + body + bytes([sum(body) & 0xFF, 0x16])


class Req:
    def __init__(self, kind, c, a, ci=None, data=b""):
        self.kind, self.c, self.a, self.ci, self.data = kind, c, a, ci, data


class MBus(Server):
    description = "misbehaving M-Bus slave on TCP or a pty"

    def parse(self, rx):
        i = 0
        while i < len(rx) and rx[i] not in (0x10, 0x68):
            i += 1  # stray bytes: skip
        rx = rx[i:]
        if not rx:
            return None, i
        if rx[0] == 0x10:
            if len(rx) < 5:
                return None, i
            if rx[4] != 0x16 or (rx[1] + rx[2]) & 0xFF != rx[3]:
                return None, i + 1
            return Req("short", rx[1], rx[2]), i + 5
        if len(rx) < 4:
            return None, i
        n = rx[1]
        if rx[2] != n or rx[3] != 0x68 or n < 3:
            return None, i + 1
        if len(rx) < n + 6:
            return None, i
        body = rx[4:4 + n]
        if rx[4 + n] != sum(body) & 0xFF or rx[5 + n] != 0x16:
            return None, i + 1
        return Req("long", body[0], body[1], body[2], body[3:]), i + n + 6

    def answer(self, req):
        if req.kind == "short" and req.c & 0x4F == 0x40:  # SND_NKE
            return once(b"\xE5")
        if req.kind == "long":
            if req.ci == 0x52:  # selection: remember the id
                self.state["selected"] = req.data[:4]
            return once(b"\xE5")
        if req.kind == "short" and req.c & 0x4F == 0x4B:  # REQ_UD2
            return self.case(True)(self, req)
        return None

    def telegram(self, req, wrong=False, a=None, ident=None, extra=b""):
        hdr = bytearray(HEADER)
        hdr[1] = req.a if a is None else a
        if req.a == 0xFD and ident is None:
            ident = self.state.get("selected", b"\0\0\0\0")
        if ident is not None:
            hdr[3:7] = ident
        rec = ((WRONG_RECORD0 + RECORDS[6:]) if wrong else RECORDS) + extra
        return long_frame(hdr[0], hdr[1], hdr[2], bytes(hdr[3:]) + rec)

    def noise(self, n):
        """Random bytes without E5 (a lone E5 is a well-formed answer, not noise)."""
        return bytes(b if b != 0xE5 else 0xE4 for b in self.rng.randbytes(n))

    def c_normal(self, req):
        return once(self.telegram(req))

    def c_endless_68(self, req):
        return forever(b"\x68" * 1024, 0.01)

    def c_noise(self, req):
        # a burst of noise every 200 ms, without end
        def gen():
            while True:
                yield 0.2, self.noise(8)
        return gen()

    def c_other_primary(self, req):
        return once(self.telegram(req, wrong=True, a=(req.a + 1) % 251))

    def c_other_secondary(self, req):
        return once(self.telegram(req, wrong=True, ident=bytes.fromhex("21436587")))

    def c_glued(self, req):
        return once(self.telegram(req) + self.telegram(req, wrong=True))

    def c_trickle(self, req):
        return trickle(self.telegram(req), 0.45)

    def c_endless(self, req):
        block = self.noise(1024)
        return forever(block, 0.01)

    def c_e5_for_long(self, req):
        return once(b"\xE5")

    def c_collision(self, req):
        # two slaves answer at once: on the bus a 0 wins (wired-AND of the bytes)
        a = self.telegram(req)
        b = self.telegram(req, wrong=True, a=(req.a + 7) % 251, ident=bytes.fromhex("11223344"))
        return once(bytes(x & y for x, y in zip(a, b)) + b[len(a):])

    # --- added by the red team: frames that are well-formed but not a reply to REQ_UD2,
    # framing bytes that lie, and a bad checksum before a right retry
    def _frame(self, req, wrong=True, c=None, ci=None, stop=0x16, l2=None, cs=None):
        f = bytearray(self.telegram(req, wrong=wrong))
        if c is not None:
            f[4] = c
        if ci is not None:
            f[6] = ci
        if c is not None or ci is not None:
            f[-2] = sum(f[4:-2]) & 0xFF
        if l2 is not None:
            f[2] = l2
        if cs is not None:
            f[-2] = cs
        f[-1] = stop
        return bytes(f)

    def c_wrong_c(self, req):
        return once(self._frame(req, c=0x53))  # SND_UD: a master's C field

    def c_wrong_ci(self, req):
        return once(self._frame(req, ci=0x51))  # a master's CI (data send)

    def c_bad_stop(self, req):
        return once(self._frame(req, stop=0x17))

    def c_l_mismatch(self, req):
        f = self._frame(req)
        return once(self._frame(req, l2=f[1] - 1))

    def c_l_huge(self, req):
        f = self.telegram(req, wrong=True)
        return once(bytes([0x68, 0xFF, 0xFF, 0x68]) + f[4:])  # promises 255, sends fewer

    def c_two_values(self, req):
        # the total (0C 04) a second time with another value, checksum right
        return once(self.telegram(req, extra=WRONG_RECORD0))

    def c_same_twice(self, req):
        # the total a second time with the same value: read
        return once(self.telegram(req, extra=RECORDS[:6]))

    def c_short_reply(self, req):
        return once(bytes([0x10, 0x08, req.a, (0x08 + req.a) & 0xFF, 0x16]))

    def c_texts(self, req):
        # the hostile texts and numbers of hostile_records(--seed)
        hdr = bytearray(HEADER)
        hdr[1] = req.a
        if req.a == 0xFD:
            hdr[3:7] = self.state.get("selected", b"\0\0\0\0")
        return once(long_frame(hdr[0], hdr[1], hdr[2], bytes(hdr[3:]) + hostile_records(self.args.seed)[0]))

    def c_cs_then_right(self, req):
        # the first answer's checksum is wrong (value changed), the repeat is right
        self.state["n"] = self.state.get("n", 0) + 1
        if self.state["n"] == 1:
            good = self.telegram(req)
            return once(self._frame(req, cs=good[-2]))
        return once(self.telegram(req))


MBus.cases = {
    "normal": MBus.c_normal,
    "normal-secondary": MBus.c_normal,
    "endless-68": MBus.c_endless_68,
    "noise": MBus.c_noise,
    "other-primary": MBus.c_other_primary,
    "other-secondary": MBus.c_other_secondary,
    "glued": MBus.c_glued,
    "trickle": MBus.c_trickle,
    "endless": MBus.c_endless,
    "e5-for-long": MBus.c_e5_for_long,
    "collision": MBus.c_collision,
    "wrong-c": MBus.c_wrong_c,
    "wrong-ci": MBus.c_wrong_ci,
    "bad-stop": MBus.c_bad_stop,
    "l-mismatch": MBus.c_l_mismatch,
    "l-huge": MBus.c_l_huge,
    "short-reply": MBus.c_short_reply,
    "cs-then-right": MBus.c_cs_then_right,
    "texts": MBus.c_texts,
    "two-values": MBus.c_two_values,
    "same-twice": MBus.c_same_twice,
}

if __name__ == "__main__":
    main(MBus)
