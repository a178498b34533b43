# SPDX-License-Identifier: MIT
# The shared part of the misbehaving servers (modbus.py, mbus.py, iec.py): a TCP
# listener on 127.0.0.1 (port 0) or a pty, the readiness line on stdout (the port,
# or the pty's slave path), and one loop that parses requests and plays the case's
# answer as a script of (delay, bytes) steps. Python 3 standard library only.
#
# A server stops by itself: after --lifetime seconds, when its stdin is a pipe that
# closes (the test runner is done), and when its client went away and none came back within --linger
# seconds (a library may reconnect after a failure, so not at the first disconnect).
import argparse
import errno
import os
import random
import select
import signal
import socket
import stat
import struct
import sys
import termios
import time
import tty


def forever(chunk, delay):
    """Script steps: the same bytes again and again (an endless stream)."""
    while True:
        yield delay, chunk


def trickle(data, delay):
    """Script steps: one byte every `delay` seconds."""
    for i in range(len(data)):
        yield delay, data[i:i + 1]


def once(data, delay=0.0):
    yield delay, data


# Script steps that are not bytes: end the TCP connection after what was written,
# with a FIN (CLOSE) or a reset (RST: SO_LINGER 0). On a pty both end the session.
CLOSE = object()
RST = object()


class Server:
    """Subclasses set `cases` (name -> method) and implement parse(rx) -> (request, used),
    where request is None until a whole request is there; used bytes are dropped."""

    cases = {}
    description = ""

    def __init__(self):
        ap = argparse.ArgumentParser(description=self.description)
        ap.add_argument("--case", required=True, help="one of: " + ", ".join(sorted(self.cases)))
        ap.add_argument("--pty", action="store_true", help="serve on a pty, not TCP")
        ap.add_argument("--lifetime", type=float, default=60.0, help="seconds before it stops")
        ap.add_argument("--linger", type=float, default=2.0,
                        help="seconds to wait for a reconnect after the client left")
        ap.add_argument("--seed", type=int, default=10, help="seed of the noise")
        ap.add_argument("--bad", type=int, default=None, metavar="N",
                        help="misbehave for the first N answers only, then answer as 'normal' "
                             "(an answer: a Modbus request, an M-Bus REQ_UD2, an IEC session)")
        self.add_args(ap)
        self.args = ap.parse_args()
        if self.args.case not in self.cases:
            ap.error("unknown case '%s' (known: %s)" % (self.args.case, ", ".join(sorted(self.cases))))
        self.rng = random.Random(self.args.seed)
        self.requests = 0  # requests seen, over all connections
        self.state = {}

    # --- the answer to one request: an iterable of (delay, bytes), or None for silence
    def answer(self, req):
        return self.case(True)(self, req)

    def case(self, new):
        """The case's method for this answer; `new` counts it as one more answer (an IEC
        session's later steps are not new). With --bad N, 'normal' after N answers."""
        if new:
            self.answers = getattr(self, "answers", 0) + 1
        if self.args.bad is not None and getattr(self, "answers", 0) > self.args.bad:
            return self.cases["normal"]
        return self.cases[self.args.case]

    def add_args(self, ap):
        """A server's own options."""

    def greet(self):
        """The script played when a client connects (TCP) or at once (pty): None for a
        server that waits for requests, a push meter's endless telegrams otherwise."""
        return None

    def decode_in(self, data):
        return data

    def encode_out(self, data):
        return data

    def run(self):
        a = self.args
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)  # EPIPE instead: the client may reconnect
        deadline = time.monotonic() + a.lifetime
        listener = None
        slave = None
        if a.pty:
            master, slave = os.openpty()
            tty.setraw(slave)
            attrs = termios.tcgetattr(slave)
            attrs[3] &= ~termios.ECHO
            termios.tcsetattr(slave, termios.TCSANOW, attrs)
            os.set_blocking(master, False)
            print(os.ttyname(slave), flush=True)
            conns = [master]
            ans = self.greet()
            script = iter(ans) if ans is not None else None
        else:
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", 0))
            listener.listen(4)
            print(listener.getsockname()[1], flush=True)
            conns = []
        # stdin closing stops the server only when it is a pipe (a runner holding its
        # other end); a background job's /dev/null would stop it at once
        stdin = sys.stdin.fileno()
        watch_stdin = stat.S_ISFIFO(os.fstat(stdin).st_mode)
        gone_at = None       # when the last client left
        rx = b""
        if not a.pty:
            script = None    # iterator of (delay, bytes)
        due = 0.0
        pending = b""        # bytes of the current step not yet written
        while True:
            now = time.monotonic()
            if now >= deadline:
                return 0
            if gone_at is not None and now - gone_at >= a.linger:
                return 0
            fd = conns[0] if conns else None
            rlist = ([stdin] if watch_stdin else []) + ([fd] if fd is not None else []) + ([listener] if listener else [])
            wlist = [fd] if fd is not None and pending and now >= due else []
            wait = deadline - now
            if gone_at is not None:
                wait = min(wait, a.linger - (now - gone_at))
            if script is not None and not pending:
                wait = min(wait, 0.0)
            elif pending and now < due:
                wait = min(wait, due - now)
            r, w, _ = select.select(rlist, wlist, [], max(wait, 0.0))
            if watch_stdin and stdin in r:
                try:
                    if not os.read(stdin, 512):
                        return 0
                except OSError:
                    return 0
            if listener is not None and listener in r:
                c, _ = listener.accept()
                c.setblocking(False)
                if conns:  # one client at a time: a newer connection replaces the old
                    self._close(conns.pop(), a.pty)
                conns.append(c)
                gone_at, rx, script, pending = None, b"", None, b""
                ans = self.greet()
                if ans is not None:
                    script = iter(ans)
                continue
            if fd is not None and fd in r:
                try:
                    data = os.read(fd if a.pty else fd.fileno(), 4096)
                except OSError as e:
                    if e.errno not in (errno.EIO, errno.ECONNRESET):
                        raise
                    data = b""
                if not data:
                    if a.pty:
                        return 0
                    self._close(conns.pop(), a.pty)
                    gone_at, script, pending = time.monotonic(), None, b""
                    continue
                if a.pty and slave is not None:
                    # the client has it open now: let its close end the session (EIO)
                    os.close(slave)
                    slave = None
                rx += self.decode_in(data)
                while True:
                    req, used = self.parse(rx)
                    rx = rx[used:]
                    if req is None:
                        break
                    self.requests += 1
                    ans = self.answer(req)
                    if ans is not None:
                        script, pending = iter(ans), b""
                continue
            # scripted output: take the next step when the current one is written
            if script is not None and not pending:
                try:
                    delay, chunk = next(script)
                except StopIteration:
                    script = None
                    continue
                if chunk is CLOSE or chunk is RST:
                    if a.pty:
                        return 0
                    if chunk is RST:
                        conns[0].setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                            struct.pack("ii", 1, 0))
                    self._close(conns.pop(), a.pty)
                    gone_at, script, pending = time.monotonic(), None, b""
                    continue
                pending = self.encode_out(chunk)
                due = time.monotonic() + delay
                continue
            if fd is not None and fd in w and pending:
                try:
                    n = os.write(fd if a.pty else fd.fileno(), pending[:65536])
                except OSError as e:
                    if e.errno in (errno.EPIPE, errno.ECONNRESET, errno.EIO):
                        if a.pty:
                            return 0
                        self._close(conns.pop(), a.pty)
                        gone_at, script, pending = time.monotonic(), None, b""
                        continue
                    if e.errno != errno.EAGAIN:
                        raise
                    n = 0
                pending = pending[n:]

    @staticmethod
    def _close(c, is_pty):
        if not is_pty:
            try:
                c.close()
            except OSError:
                pass


class PushServer(Server):
    """A meter that pushes without being asked (SML, DSMR P1): its case makes the script
    played once a client connects, usually self.pushes(make)."""

    def add_args(self, ap):
        ap.add_argument("--interval", type=float, default=1.0, help="seconds between telegrams")

    def parse(self, rx):
        return None, len(rx)  # a push meter ignores what it is sent

    def greet(self):
        return self.cases[self.args.case](self)

    def pushes(self, make):
        """Script: make(k) every interval, for ever."""
        k = 0
        while True:
            yield (0.0 if k == 0 else self.args.interval), make(k)
            k += 1


def main(cls):
    try:
        sys.exit(cls().run())  # the OS closes the listener and the pty
    except KeyboardInterrupt:
        sys.exit(0)
