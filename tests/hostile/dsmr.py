#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# A misbehaving DSMR P1 port: pushed IEC 62056-21 mode D text with the CRC-16/ARC line,
# on 127.0.0.1 (port 0) or a pty (--pty). No request: once a client connects (at once on a
# pty) it pushes a telegram every --interval seconds as --case says. The right telegram
# carries 1-0:1.8.1 = 12345.678 kWh; a value that must be refused is always 99999.999.
#   python3 dsmr.py --case bad-crc [--pty] [--interval 1.0] [--7e1]
# The q3d-* cases are for iec-push-tcp (run.py: q3d-tcp) (EasyMeter Q3D: no CRC line, 7E1 with --7e1).
from hostile import PushServer, forever, main

GOOD = "012345.678"
WRONG = "099999.999"


# 7E1 in software: the even-parity bit on bit 7
EVEN = bytes((b & 0x7F) | (0x80 if bin(b & 0x7F).count("1") & 1 else 0) for b in range(256))


class _Raw(bytes):
    """Bytes sent as they are (their parity already made)."""


def crc_arc(data):
    crc = 0
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def body(t1=GOOD, extra=""):
    return ("/XMX5LGBBFG1012345678\r\n\r\n"
            "1-3:0.2.8(50)\r\n"
            "0-0:1.0.0(261130101010W)\r\n"
            "0-0:96.1.1(4530303034303031353934373534343134)\r\n"
            "1-0:1.8.1(%s*kWh)\r\n"
            "1-0:1.8.2(000123.456*kWh)\r\n"
            "0-0:96.14.0(0001)\r\n"
            "1-0:1.7.0(00.456*kW)\r\n" % t1 + extra + "!").encode()


def telegram(t1=GOOD, bad_crc=False, extra="", crc_fmt="%04X"):
    b = body(t1, extra)
    crc = crc_arc(b) ^ (0x0F0F if bad_crc else 0)
    return b + (crc_fmt % crc).encode() + b"\r\n"


class Dsmr(PushServer):
    description = "misbehaving DSMR P1 port (TCP or --pty)"

    def add_args(self, ap):
        super().add_args(ap)
        ap.add_argument("--7e1", dest="e71", action="store_true",
                        help="7E1 made in software (iec-push-tcp: an EasyMeter Q3D's 9600 7E1)")

    def encode_out(self, data):
        if isinstance(data, _Raw) or not self.args.e71:
            return bytes(data)
        return data.translate(EVEN)

    def c_normal(self):
        return self.pushes(lambda k: telegram())

    def c_bad_crc(self):
        # the CRC of the right telegram after a value was changed on the way
        def make(k):
            good = telegram()
            bad = body(WRONG)
            return bad + good[len(bad):]
        return self.pushes(make)

    def c_crc_garbled(self):
        # CRC digits that are not hex
        return self.pushes(lambda k: body(WRONG) + b"G7ZQ\r\n")

    def c_no_crc(self):
        # DSMR 2.2 style: '!' and nothing after it (refused on dsmr:)
        return self.pushes(lambda k: body(WRONG) + b"\r\n")

    def c_endless_line(self):
        # a telegram whose value line never ends
        start = b"/XMX5LGBBFG1012345678\r\n\r\n1-0:1.8.1(0"
        return iter([(0.0, start)] + [(0.02, b"9" * 4096)] * 1000000)

    def c_endless_crc_line(self):
        # '!' then a CRC line that never ends
        return iter([(0.0, body(WRONG))] + [(0.02, b"A" * 4096)] * 1000000)

    def c_nuls(self):
        return forever(bytes(4096), 0.02)

    def c_cut_then_right(self):
        # a telegram cut off by the next '/' (after a line end), then a right one
        def make(k):
            cut = body(WRONG)[:120]
            return cut + b"\r\n" + telegram()
        return self.pushes(make)

    def c_two_values(self):
        # the same code twice, CRC right: which one is meant is unknown
        return self.pushes(lambda k: telegram(extra="1-0:1.8.1(%s*kWh)\r\n" % WRONG))

    def c_same_twice(self):
        # the same code twice with one value (written in Wh the second time), CRC right,
        # and a billing period of it (another address): read
        return self.pushes(lambda k: telegram(extra="1-0:1.8.1(12345678*Wh)\r\n"
                                                    "1-0:1.8.1*01(%s*kWh)\r\n" % WRONG))

    # --- iec-push (no CRC line: '!' CR LF ends the telegram), 7E1 in software
    def c_q3d_normal(self):
        return self.pushes(lambda k: body() + b"\r\n")

    def c_q3d_parity(self):
        # two digits with one bit flipped each (3->2, 4->5) and their parity bits as they
        # were: nothing but the parity tells (no CRC on iec-push)
        def make(k):
            good = body() + b"\r\n"
            bad = body("012245.778") + b"\r\n"
            enc = bytearray(good.translate(EVEN))
            for i in range(len(good)):
                if bad[i] != good[i]:
                    enc[i] = (enc[i] & 0x80) | bad[i]
            return _Raw(bytes(enc))
        return self.pushes(make)

    def c_trickle(self):
        def steps():
            t = telegram(WRONG)
            while True:
                for i in range(len(t)):
                    yield 0.05, t[i:i + 1]
        return steps()


Dsmr.cases = {
    "normal": Dsmr.c_normal,
    "bad-crc": Dsmr.c_bad_crc,
    "crc-garbled": Dsmr.c_crc_garbled,
    "no-crc": Dsmr.c_no_crc,
    "endless-line": Dsmr.c_endless_line,
    "endless-crc-line": Dsmr.c_endless_crc_line,
    "nuls": Dsmr.c_nuls,
    "cut-then-right": Dsmr.c_cut_then_right,
    "two-values": Dsmr.c_two_values,
    "same-twice": Dsmr.c_same_twice,
    "trickle": Dsmr.c_trickle,
    "q3d-normal": Dsmr.c_q3d_normal,
    "q3d-parity": Dsmr.c_q3d_parity,
}

if __name__ == "__main__":
    main(Dsmr)
