#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# A misbehaving Modbus server: Modbus TCP on 127.0.0.1 (port 0), or Modbus RTU on a
# pty (--pty), or RTU over TCP (--rtu). It holds the KLEFR map's voltage_l1 (0x5002: 230.1 V) and frequency
# (0x5008: 50.0 Hz), zeros elsewhere, and answers each read as --case says. A value
# that does not belong to the request is always 999.9, so a test can tell it apart.
#   python3 modbus.py --case other-unit [--pty] [--lifetime S]
import struct
import sys

from hostile import CLOSE, RST, Server, forever, main, once, trickle

REGS = {0x5002: 0x4366, 0x5003: 0x199A, 0x5008: 0x4248, 0x5009: 0x0000,
        0x6048: 1}  # tariff 1 (written with FC06 by the w-* cases: `meter set tariff=2`)
WRONG = struct.unpack(">HH", struct.pack(">f", 999.9))


def crc16(data):
    crc = 0xFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return struct.pack("<H", crc)


class Req:
    def __init__(self, tid, unit, pdu):
        self.tid, self.unit, self.pdu = tid, unit, pdu
        self.fc = pdu[0] if pdu else 0
        self.addr, self.count = struct.unpack(">HH", pdu[1:5]) if len(pdu) >= 5 else (0, 0)


class Modbus(Server):
    description = "misbehaving Modbus TCP (or RTU on a pty) server"

    def __init__(self):
        Server.__init__(self)
        self.regs = dict(REGS)

    def add_args(self, ap):
        ap.add_argument("--rtu", action="store_true", help="RTU framing over TCP (rtu-tcp:)")

    def parse(self, rx):
        if self.args.pty or self.args.rtu:  # RTU: the reads and single writes are 8 bytes
            if len(rx) < 8:
                return None, 0
            if crc16(rx[:6]) != rx[6:8]:
                return None, 1  # resynchronise byte by byte
            return Req(0, rx[0], rx[1:6]), 8
        if len(rx) < 7:
            return None, 0
        tid, pid, length, unit = struct.unpack(">HHHB", rx[:7])
        if len(rx) < 6 + length:
            return None, 0
        return Req(tid, unit, rx[7:6 + length]), 6 + length

    def adu(self, req, pdu, unit=None, pid=0, length=None):
        unit = req.unit if unit is None else unit
        if self.args.pty or self.args.rtu:
            body = bytes([unit]) + pdu
            return body + crc16(body)
        length = len(pdu) + 1 if length is None else length
        return struct.pack(">HHHB", req.tid, pid, length, unit) + pdu

    def answer(self, req):
        if req.fc == 6:  # a single-register write: the w-* cases, else echoed and applied
            case = self.cases[self.args.case]
            if self.args.case.startswith("w-"):
                return case(self, req)
            self.regs[req.addr] = req.count
            return once(self.adu(req, req.pdu))
        return Server.answer(self, req)

    def words(self, req, wrong=False):
        out = b""
        for a in range(req.addr, req.addr + req.count):
            w = self.regs.get(a, 0)
            if wrong and a in (0x5002, 0x5003):
                w = WRONG[a - 0x5002]
            out += struct.pack(">H", w)
        return out

    def pdu(self, req, wrong=False, fc=None, bytecount=None):
        data = self.words(req, wrong)
        bc = len(data) if bytecount is None else bytecount
        return bytes([req.fc if fc is None else fc, bc]) + data

    def good(self, req, wrong=False):
        return self.adu(req, self.pdu(req, wrong))

    def exception(self, req, code):
        return self.adu(req, bytes([req.fc | 0x80, code]))

    # --- the cases: each returns the script of one answer
    def c_normal(self, req):
        return once(self.good(req))

    def c_other_unit(self, req):
        return once(self.adu(req, self.pdu(req, wrong=True), unit=(req.unit % 247) + 1))

    def c_unit0(self, req):
        return once(self.adu(req, self.pdu(req, wrong=True), unit=0))

    def c_unit255(self, req):
        return once(self.adu(req, self.pdu(req, wrong=True), unit=255))

    def c_bad_protocol_id(self, req):
        return once(self.adu(req, self.pdu(req, wrong=True), pid=0x0001))

    def c_bad_length(self, req):
        p = self.pdu(req, wrong=True)
        return once(self.adu(req, p, length=len(p) + 3))  # MBAP says 2 bytes more than sent

    def c_bad_function(self, req):
        return once(self.adu(req, self.pdu(req, wrong=True, fc=4 if req.fc == 3 else 3)))

    def c_bad_byte_count(self, req):
        return once(self.adu(req, self.pdu(req, wrong=True, bytecount=2 * req.count - 2)))

    def c_exc02_once(self, req):
        if self.requests == 1:
            return once(self.exception(req, 0x02))
        return once(self.good(req))

    def c_trickle(self, req):
        return trickle(self.good(req), 0.45)

    def c_endless(self, req):
        # bytes without end instead of the reply: 4 KiB of noise every 20 ms
        return forever(self.rng.randbytes(4096), 0.02)

    def c_noise(self, req):
        return once(bytes(self.rng.randrange(256) for _ in range(23)))

    def c_glued(self, req):
        return once(self.good(req) + self.good(req, wrong=True))

    # --- added by the red team: framing and connection faults
    def c_silent(self, req):
        return None  # connected, never answers (a gateway whose meter is off)

    def c_close_mid_reply(self, req):
        a = self.adu(req, self.pdu(req, wrong=True))
        return iter([(0.0, a[:len(a) // 2]), (0.0, CLOSE)])

    def c_rst(self, req):
        return once(RST)

    def c_split(self, req):
        # the right reply in 3-byte pieces 15 ms apart, well within the timeout
        a = self.good(req)
        return iter([(0.015, a[i:i + 3]) for i in range(0, len(a), 3)])

    def _mbap_len(self, req, length):
        p = self.pdu(req, wrong=True)
        return once(self.adu(req, p, length=length) + p[:max(0, length - 1 - len(p))])

    def c_mbap_len0(self, req):
        return self._mbap_len(req, 0)

    def c_mbap_len1(self, req):
        return self._mbap_len(req, 1)

    def c_mbap_len2(self, req):
        return self._mbap_len(req, 2)

    def c_mbap_len300(self, req):
        p = self.pdu(req, wrong=True)
        return once(self.adu(req, p, length=300) + p + bytes(300 - 1 - len(p)))

    def c_exc_other_fc(self, req):
        return once(self.adu(req, bytes([0x84 if req.fc != 4 else 0x83, 0x02])))

    def c_stale_then_right(self, req):
        # an earlier transaction's reply (another value) first, then the right one
        stale = Req((req.tid - 1) & 0xFFFF, req.unit, req.pdu)
        return once(self.adu(stale, self.pdu(req, wrong=True)) + self.good(req))

    def c_noise_then_right(self, req):
        # bytes that look like the head of a long frame, then the right reply (RTU: the
        # right reply must still be found; TCP: the stream lost its framing)
        return once(bytes([0x07, 0x03, 0xF0, 0x55]) + self.good(req))

    def c_echo(self, req):
        # an RS485 adapter that echoes the request before the meter's reply
        if self.args.pty or self.args.rtu:
            body = bytes([req.unit]) + req.pdu
            return once(body + crc16(body) + self.good(req))
        return once(self.good(req))

    def c_crc_then_right(self, req):
        # the first reply's CRC is wrong (value changed), the retry's is right
        if self.requests == 1:
            a = bytearray(self.good(req))
            a[-1] ^= 0x5A
            return once(self.adu(req, self.pdu(req, wrong=True))[:-2] + bytes(a[-2:]))
        return once(self.good(req))

    # --- writes (FC06; req.count is the value): the confirmation must never claim more
    # than was checked. Reads are answered as by c_normal.
    def _write(self, req, apply=None, addr=None, value=None):
        if req.fc != 6:
            return self.c_normal(req)
        if apply is not None:
            self.regs[req.addr] = apply
        echo = struct.pack(">BHH", 6, req.addr if addr is None else addr,
                           req.count if value is None else value)
        return once(self.adu(req, echo))

    def c_w_ok(self, req):
        return self._write(req, apply=req.count)

    def c_w_not_applied(self, req):
        return self._write(req)  # acknowledged, not applied

    def c_w_other_value(self, req):
        return self._write(req, apply=req.count + 1)  # applied another value, echoed the asked

    def c_w_echo_addr(self, req):
        return self._write(req, apply=req.count, addr=req.addr + 1)

    def c_w_echo_value(self, req):
        return self._write(req, apply=req.count + 1, value=req.count + 1)

    def c_w_exception(self, req):
        return self.c_normal(req) if req.fc != 6 else once(self.exception(req, 0x03))

    def c_partial_then_silence(self, req):
        return once(self.adu(req, self.pdu(req, wrong=True))[:5])


def _exc(code):
    return lambda self, req: once(self.exception(req, code))


Modbus.cases = {
    "normal": Modbus.c_normal,
    "other-unit": Modbus.c_other_unit,
    "unit0": Modbus.c_unit0,
    "unit255": Modbus.c_unit255,
    "bad-protocol-id": Modbus.c_bad_protocol_id,
    "bad-length": Modbus.c_bad_length,
    "bad-function": Modbus.c_bad_function,
    "bad-byte-count": Modbus.c_bad_byte_count,
    "exc02-once": Modbus.c_exc02_once,
    "trickle": Modbus.c_trickle,
    "endless": Modbus.c_endless,
    "noise": Modbus.c_noise,
    "glued": Modbus.c_glued,
    "silent": Modbus.c_silent,
    "close-mid-reply": Modbus.c_close_mid_reply,
    "rst": Modbus.c_rst,
    "split": Modbus.c_split,
    "mbap-len0": Modbus.c_mbap_len0,
    "mbap-len1": Modbus.c_mbap_len1,
    "mbap-len2": Modbus.c_mbap_len2,
    "mbap-len300": Modbus.c_mbap_len300,
    "exc-other-fc": Modbus.c_exc_other_fc,
    "stale-then-right": Modbus.c_stale_then_right,
    "noise-then-right": Modbus.c_noise_then_right,
    "echo": Modbus.c_echo,
    "crc-then-right": Modbus.c_crc_then_right,
    "partial-then-silence": Modbus.c_partial_then_silence,
    "w-ok": Modbus.c_w_ok,
    "w-not-applied": Modbus.c_w_not_applied,
    "w-other-value": Modbus.c_w_other_value,
    "w-echo-addr": Modbus.c_w_echo_addr,
    "w-echo-value": Modbus.c_w_echo_value,
    "w-exception": Modbus.c_w_exception,
}
for _code in (0x00, 0x05, 0x06, 0x0A, 0x0B, 0x0C, 0xFF):
    Modbus.cases["exc-%02X" % _code] = _exc(_code)

if __name__ == "__main__":
    main(Modbus)
