#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# A misbehaving IEC 62056-21 mode C meter on 127.0.0.1 (port 0, a transparent serial
# server: 7E1 made in software) or on a pty (--pty, plain 7-bit bytes). It answers
# the sign-on "/?...!" with "/HOS6HOSTILE" (19200 Bd) and the option select with a
# readout (1.8.0 = 0033402.264 kWh), as --case says. Wrong values are 99999.999.
#   python3 iec.py --case readout-endless [--pty] [--lifetime S]
import random
import sys

from hostile import Server, forever, main, once, trickle

IDENT = b"/HOS6HOSTILE\r\n"
DATA = b"0.0.0(12345678)\r\n1.8.0(0033402.264*kWh)\r\n2.8.0(0000012.000*kWh)\r\n16.7.0(03.454*kW)\r\n"
LINE = b"1.8.1(0099999.999*kWh)\r\n"  # filler of the long readouts: a tariff register
STX, ETX = b"\x02", b"\x03"


def bcc(data):
    x = 0
    for b in data:
        x ^= b
    return bytes([x & 0x7F])


def readout(data):
    body = data + b"!\r\n" + ETX
    return STX + body + bcc(body)


# 7E1 in software: the even-parity bit on bit 7 (a table, so 5 MB take no time)
EVEN = bytes((b & 0x7F) | (0x80 if bin(b & 0x7F).count("1") & 1 else 0) for b in range(256))
STRIP = bytes(b & 0x7F for b in range(256))


# printable bytes a data set may hold besides digits (not the frame's ( ) * / ! &),
# and controls that a readout's value may carry as noise (the codec drops them)
AWKWARD = b'",;\\\' {}[]<>%#$?=+:\x7f\x1b\x00\t'


def hostile_readout(seed):
    """Data sets with awkward addresses, values and units (issue: every output valid).
    Returns (the data lines, [(address, value as sent, unit)])."""
    rng = random.Random(seed)

    def text(n, controls):
        pool = AWKWARD if controls else AWKWARD[:-5]
        return bytes(rng.choice(pool) if rng.random() < 0.5 else rng.randrange(0x30, 0x7B)
                     for _ in range(n)).replace(b"&", b"+")
    lines, sets = b"", []
    for _ in range(rng.randint(2, 6)):
        addr = text(rng.randint(1, 12), False).lstrip(b" ") or b"C"
        value = text(rng.randint(0, 30), True)
        unit = text(rng.randint(0, 6), False) if rng.random() < 0.5 else b""
        lines += addr + b"(" + value + (b"*" + unit if unit else b"") + b")\r\n"
        sets.append((addr, value, unit))
    return lines, sets


class Req:
    def __init__(self, kind, text=b""):
        self.kind, self.text = kind, text


class Iec(Server):
    description = "misbehaving IEC 62056-21 meter on TCP (7E1 in software) or a pty"

    def decode_in(self, data):
        return data if self.args.pty else data.translate(STRIP)

    def parse(self, rx):
        i = 0
        while i < len(rx) and rx[i] not in (ord("/"), 0x06, 0x01):
            i += 1  # NULs of a wake-up, echo, junk
        rx = rx[i:]
        end = rx.find(b"\r\n")
        if rx[:1] == b"\x01":  # SOH B0 ETX q (break) or another command: to ETX + BCC
            e = rx.find(ETX)
            if e < 0 or len(rx) < e + 2:
                return None, i
            return Req("cmd", rx[:e + 2]), i + e + 2
        if end < 0:
            return None, i
        line = rx[:end]
        if line.startswith(b"/?") and line.endswith(b"!"):
            return Req("signon", line), i + end + 2
        if line[:1] == b"\x06" and len(line) == 4:
            return Req("ack", line), i + end + 2
        return None, i + end + 2

    def answer(self, req):
        if req.kind == "cmd":
            return None  # a break: nothing to say
        return self.case(req.kind == "signon")(self, req)

    # --- the cases
    def c_normal(self, req):
        return once(IDENT) if req.kind == "signon" else once(readout(DATA))

    def c_ident_endless(self, req):
        if req.kind != "signon":
            return None
        def gen():
            yield 0.0, b"/HOS6"
            while True:
                yield 0.01, b"HOSTILE" * 146
        return gen()

    def c_nuls(self, req):
        return forever(bytes(1024), 0.01) if req.kind == "signon" else None

    def c_readout_endless(self, req):
        if req.kind == "signon":
            return once(IDENT)
        def gen():
            yield 0.0, STX + DATA
            while True:
                yield 0.01, LINE * 40
        return gen()

    def c_readout_5mb(self, req):
        if req.kind == "signon":
            return once(IDENT)
        data = DATA + LINE * (5 * 1024 * 1024 // len(LINE))
        return once(readout(data))

    def c_value128(self, req):
        if req.kind == "signon":
            return once(IDENT)
        return once(readout(b"0.0.1(" + b"7" * 128 + b")\r\n" + DATA + b"0.0.2(" + b"8" * 128 + b")\r\n"))

    def c_trickle(self, req):
        # 292 bytes of readout at 450 ms each (131 s): longer than any bound the
        # connection's settings give (max_readout=1024 at 300 Bd: 43 s), so the outcome
        # is a time-out, never a value that came in just in time
        return trickle(IDENT if req.kind == "signon" else readout(DATA + LINE * 8), 0.45)

    # --- added by the red team: check characters, frame ends, parity
    def c_texts(self, req):
        # the awkward data sets of hostile_readout(--seed) after the normal ones
        if req.kind == "signon":
            return once(IDENT)
        return once(readout(DATA + hostile_readout(self.args.seed)[0]))

    def c_bcc_wrong(self, req):
        # the wrong value under the check character of the right readout
        if req.kind == "signon":
            return once(IDENT)
        good = readout(DATA)
        bad = readout(DATA.replace(b"0033402.264", b"0099999.999"))
        return once(bad[:-1] + good[-1:])

    def c_no_etx(self, req):
        # '!' CR LF and then nothing: no ETX, no check character
        if req.kind == "signon":
            return once(IDENT)
        return once(STX + DATA + b"!\r\n")

    def c_parity(self, req):
        # two digits with one bit flipped each (3->2, 4->5: the same bit, so the check
        # character still fits) and their parity bits left as they were: over TCP the
        # 7E1 is software's, so only the parity tells (on a pty there is none: the UART's)
        if req.kind == "signon":
            return once(IDENT)
        good = readout(DATA)
        bad = readout(DATA.replace(b"0033402.264", b"0023502.264"))
        assert bad[-1] == good[-1]
        if self.args.pty:
            return once(bad)
        enc = bytearray(good.translate(EVEN))
        for i in range(len(good)):
            if bad[i] != good[i]:
                enc[i] = (enc[i] & 0x80) | bad[i]  # the data bit flipped, parity not
        return once(_Raw(bytes(enc)))

    # --- one code, two values
    def c_two_values(self, req):
        # 1.8.0 twice with two values, the check character right: which is meant is unknown
        if req.kind == "signon":
            return once(IDENT)
        return once(readout(DATA + b"1.8.0(0099999.999*kWh)\r\n"))

    def c_same_twice(self, req):
        # 1.8.0 twice with one value (in Wh the second time), and a billing period of it
        # (1.8.0*01, another address) with another: read
        if req.kind == "signon":
            return once(IDENT)
        return once(readout(DATA + b"1-0:1.8.0(33402264*Wh)\r\n1.8.0*01(0099999.999*kWh)\r\n"))

    def encode_out(self, data):
        if isinstance(data, _Raw):
            return bytes(data)
        if self.args.pty:
            return data
        return data.translate(EVEN)


class _Raw(bytes):
    """Bytes sent as they are (their parity already made)."""


Iec.cases = {
    "normal": Iec.c_normal,
    "ident-endless": Iec.c_ident_endless,
    "nuls": Iec.c_nuls,
    "readout-endless": Iec.c_readout_endless,
    "readout-5mb": Iec.c_readout_5mb,
    "value128": Iec.c_value128,
    "trickle": Iec.c_trickle,
    "bcc-wrong": Iec.c_bcc_wrong,
    "no-etx": Iec.c_no_etx,
    "parity": Iec.c_parity,
    "texts": Iec.c_texts,
    "two-values": Iec.c_two_values,
    "same-twice": Iec.c_same_twice,
}

if __name__ == "__main__":
    main(Iec)
