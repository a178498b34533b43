#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# Runs `meter read` against each case of cases.tsv, each against its own misbehaving
# server, and checks the exit status, the error name on stderr, the value (or that no
# wrong value appears), the deadline computed from the connection's settings, and for
# the endless and huge cases the peak memory. Cases in known-failing.txt are expected
# failures: reported, not fatal; one of them that passes is fatal until removed there.
# Then `meter monitor --count N` against the cases of monitor.tsv (named monitor:P/C):
# every poll's line within its bound, the named error or the right value on each, the
# order of failing and good polls (recovery when the server behaves again), never a
# wrong value.
#
#   run.py METER_BIN [--only PROTOCOL/CASE|monitor:PROTOCOL/CASE ...] [--jobs N] [--verbose]
#
# Deadlines: the formula column is a Python expression in milliseconds over
#   timeout, retries, telegrams, baud, delay, max_readout   the connection's options (or
#                     their documented defaults: docs/connection-strings.md, docs/mbus.md,
#                     docs/iec62056.md);
#   T0    = 2000 ms: starting `meter` and connecting (process start-up, not the protocol);
#   wire(n, baud, bits) = n * bits * 1000 / baud: n characters on the wire;
#   M-Bus (include/meter/device.h, docs/mbus.md "Bounds"): T(n) = 1000 + timeout + gap +
#         (3n + 325)·c, one exchange with an n-byte request; c = ms per 11-bit character at
#         the line's speed (2400 Bd over TCP), gap = max(100, 40 bit times), 300 over TCP;
#   IEC (include/meter/device.h, docs/iec62056.md "Bounds"): A = 8000 + delay + 2·timeout +
#         256·c300 + (max_readout + 256)·c, one attempt; c300 = 33.3 ms (10 bits at 300 Bd),
#         c = 10 bits at the readout's speed (zbaud = 19200, what the server announces; a
#         TCP link stays at 300 Bd); s = 1 on a serial link (the ACK 0 0 0 fallback), 0 on TCP.
#   SML, DSMR (push: docs/sml.md, docs/iec62056.md "Pushed text"): 2·interval plus the wire
#         time of the largest telegram (4096 bytes SML, 8192 DSMR, 10 bits a byte; TCP
#         counted at 9600 Bd); the server pushes every `interval` ms.
# A case that has not ended by its deadline is killed (its whole process group) and
# fails. No sleeps: the runner waits on the process (pidfd) until the deadline.
import argparse
import concurrent.futures
import os
import re
import select
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
T0 = 2000
ZBAUD = 19200

# protocol -> (server script, pty?, connection-string template, model, quantities, wrong value)
PROTOCOLS = {
    "modbus-tcp": ("modbus.py", False, "tcp:127.0.0.1:{ep}?{opts}", "klefr-6924", "voltage_l1,frequency", "999.9"),
    "modbus-rtu": ("modbus.py", True, "rtu:{ep}?{opts}", "klefr-6924", "voltage_l1,frequency", "999.9"),
    "mbus-tcp": ("mbus.py", False, "mbus-tcp:127.0.0.1:{ep}?{opts}", "klefr-6923", "energy_active_total", "9999.99"),
    "mbus-pty": ("mbus.py", True, "mbus:{ep}?{opts}", "klefr-6923", "energy_active_total", "9999.99"),
    "iec-tcp": ("iec.py", False, "iec-tcp:127.0.0.1:{ep}?{opts}", "iec62056", "energy_active_import", "99999.999"),
    "iec-pty": ("iec.py", True, "iec:{ep}?{opts}", "iec62056", "energy_active_import", "99999.999"),
    "rtu-tcp": ("modbus.py", False, "rtu-tcp:127.0.0.1:{ep}?{opts}", "klefr-6924", "voltage_l1,frequency", "999.9"),
    "sml-tcp": ("sml.py", False, "sml-tcp:127.0.0.1:{ep}?{opts}", "sml", "energy_active_import,active_power", "99999.999"),
    "sml-pty": ("sml.py", True, "sml:{ep}?{opts}", "sml", "energy_active_import,active_power", "99999.999"),
    "dsmr-tcp": ("dsmr.py", False, "dsmr-tcp:127.0.0.1:{ep}?{opts}", "dsmr", "energy_active_import_t1", "99999.999"),
    "dsmr-pty": ("dsmr.py", True, "dsmr:{ep}?{opts}", "dsmr", "energy_active_import_t1", "99999.999"),
    "q3d-tcp": ("dsmr.py", False, "iec-push-tcp:127.0.0.1:{ep}?{opts}", "easymeter-q3d", "energy_active_import_t1", "99999.999"),
    # writes: `meter set` instead of `meter read` ("set:NAME=VALUE"); the value column is
    # then text stdout must hold ("tariff: done, read back": the write was verified)
    "modbus-tcp-set": ("modbus.py", False, "tcp:127.0.0.1:{ep}?{opts}", "klefr-6924", "set:tariff=2", "read back"),
    "modbus-rtu-set": ("modbus.py", True, "rtu:{ep}?{opts}", "klefr-6924", "set:tariff=2", "read back"),
}

# the server's own arguments, per protocol (the push meters' interval from the options)
SERVER_ARGS = {
    "rtu-tcp": lambda env: ["--rtu"],
    "sml-tcp": lambda env: ["--interval", str(env["interval"] / 1000.0)],
    "sml-pty": lambda env: ["--interval", str(env["interval"] / 1000.0)],
    "dsmr-tcp": lambda env: ["--interval", str(env["interval"] / 1000.0)],
    "dsmr-pty": lambda env: ["--interval", str(env["interval"] / 1000.0)],
    "q3d-tcp": lambda env: ["--7e1", "--interval", str(env["interval"] / 1000.0)],
}

# documented defaults of the options a formula may use, per protocol
DEFAULTS = {
    "modbus-tcp": {"timeout": 1000, "retries": 1, "baud": 9600, "telegrams": 1},
    "modbus-rtu": {"timeout": 500, "retries": 1, "baud": 9600, "telegrams": 1},
    # a transparent gateway's serial side: the connection string cannot say, 2400 assumed
    "mbus-tcp": {"timeout": 3000, "retries": 1, "baud": 2400, "telegrams": 16},
    "mbus-pty": {"timeout": None, "retries": 1, "baud": 2400, "telegrams": 16},
    "iec-tcp": {"timeout": 2000, "retries": 1, "baud": 300, "delay": 0, "max_readout": 65536},
    "iec-pty": {"timeout": 2000, "retries": 1, "baud": 300, "delay": 0, "max_readout": 65536},
    "rtu-tcp": {"timeout": 1000, "retries": 1, "baud": 9600, "telegrams": 1},
    # push meters: TCP counted at 9600 Bd (docs/sml.md, docs/iec62056.md "Pushed text")
    "sml-tcp": {"interval": 2000, "baud": 9600},
    "sml-pty": {"interval": 2000, "baud": 9600},
    "dsmr-tcp": {"interval": 10000, "baud": 9600},
    "dsmr-pty": {"interval": 10000, "baud": 115200},
    "q3d-tcp": {"interval": 2000, "baud": 9600},
    "modbus-tcp-set": {"timeout": 1000, "retries": 1, "baud": 9600, "telegrams": 1},
    "modbus-rtu-set": {"timeout": 500, "retries": 1, "baud": 9600, "telegrams": 1},
}

RSS_HARD_MB = 1024  # a case past this is killed at once (it would only get worse)


def wire(n, baud, bits):
    return n * bits * 1000.0 / baud


def load_cases(path):
    cases = []
    for lineno, line in enumerate(open(path), 1):
        line = line.rstrip("\n")
        if not line.strip() or line.startswith("#"):
            continue
        f = line.split("\t")
        if len(f) not in (7, 8):
            sys.exit("%s:%d: %d fields, want 7 or 8" % (path, lineno, len(f)))
        proto, case, opts, code, err, value, formula = f[:7]
        rss = f[7] if len(f) == 8 else "-"
        if proto not in PROTOCOLS:
            sys.exit("%s:%d: unknown protocol %s" % (path, lineno, proto))
        cases.append(dict(proto=proto, case=case, opts=opts, code=int(code), err=err, value=value,
                          formula=formula, rss=None if rss == "-" else int(rss), line=lineno))
    return cases


def options(c):
    env = dict(DEFAULTS[c["proto"]])
    for kv in c["opts"].split("&") if c["opts"] else []:
        k, _, v = kv.partition("=")
        try:
            env[k] = int(v)
        except ValueError:
            env[k] = v
    return env


def deadline_ms(c):
    env = options(c)
    if env.get("timeout") is None:  # M-Bus: from the baud (docs/connection-strings.md)
        env["timeout"] = 330 * 1000.0 / env["baud"] + 50 + 11 * 1000.0 / env["baud"] + 100
    tcp = c["proto"].endswith("-tcp")
    env.update(T0=T0, zbaud=ZBAUD, wire=wire)
    if c["proto"].startswith("mbus"):
        line = 2400 if tcp else env["baud"]
        ch = 11 * 1000.0 / line
        gap = 300 if tcp else max(100, 40 * 1000.0 / line)
        timeout = env["timeout"]
        env["T"] = lambda n: 1000 + timeout + gap + (3 * n + 325) * ch
    if c["proto"].startswith("iec"):
        c300 = 10 * 1000.0 / 300
        ch = c300 if tcp else 10 * 1000.0 / ZBAUD
        env["s"] = 0 if tcp else 1
        env["A"] = (8000 + env["delay"] + 2 * env["timeout"] + 256 * c300 +
                    (env["max_readout"] + 256) * ch)
    return float(eval(c["formula"], {"__builtins__": {}}, env))


def load_monitor(path, cases):
    """monitor.tsv rows, each joined with its cases.tsv row (options, formula, errors) and
    the protocol's 'normal' value."""
    by = {(c["proto"], c["case"]): c for c in cases}
    rows = []
    for lineno, line in enumerate(open(path), 1):
        line = line.rstrip("\n")
        if not line.strip() or line.startswith("#"):
            continue
        f = line.split("\t")
        if len(f) != 6:
            sys.exit("%s:%d: %d fields, want 6" % (path, lineno, len(f)))
        proto, case, bad, count, interval, expect = f
        c = by.get((proto, case))
        if c is None:
            sys.exit("%s:%d: %s/%s is not in cases.tsv" % (path, lineno, proto, case))
        normal = by.get((proto, "normal"))
        value = c["value"] if c["value"] != "-" else (normal["value"] if normal else "-")
        rows.append(dict(c, bad=None if bad == "-" else int(bad), count=int(count),
                         interval=int(interval), expect=expect, good=value, line=lineno))
    return rows


def vm_rss_mb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return 0.0


def watch(p, t0, limit):
    """Wait for `meter` (process p, started at t0) until it exits or its deadline (limit ms)
    passes, sampling its memory; kill it at the deadline or past RSS_HARD_MB.
    Returns (wait status, rusage, peak RSS in MB, why it was killed or None)."""
    pidfd = os.pidfd_open(p.pid)
    killed, status, usage, peak = None, None, None, 0.0
    while status is None:
        left = limit / 1000.0 - (time.monotonic() - t0)
        if left <= 0:
            killed = "still running at its deadline"
        rss = vm_rss_mb(p.pid)
        peak = max(peak, rss)
        if rss > RSS_HARD_MB:
            killed = "using %.0f MB" % rss
        if killed:
            os.killpg(p.pid, signal.SIGKILL)
            _, status, usage = os.wait4(p.pid, 0)
            break
        r, _, _ = select.select([pidfd], [], [], min(max(left, 0), 0.05))
        if r:
            _, status, usage = os.wait4(p.pid, 0)
    os.close(pidfd)
    return status, usage, peak, killed


def run_case(meter, c):
    """Returns (ok, message, elapsed_ms, deadline_ms, peak_rss_mb)."""
    script, is_pty, tmpl, model, qs, wrong = PROTOCOLS[c["proto"]]
    limit = deadline_ms(c)
    srv = start_server(c, limit / 1000.0)
    try:
        ep = srv.stdout.readline().decode().strip()  # the readiness handshake
        if not ep:
            return False, "server printed no endpoint: %s" % srv.stderr.read().decode()[-300:], 0, limit, 0
        conn = tmpl.format(ep=ep, opts=c["opts"])
        setting = qs[4:] if qs.startswith("set:") else None
        cmd = ([meter, "set", "-m", model, "-c", conn, setting] if setting else
               [meter, "read", "-m", model, "-c", conn, "-q", qs, "--csv"])
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, start_new_session=True)
        out_buf, err_buf = [], []
        readers = [threading.Thread(target=lambda s=s, b=b: b.append(s.read()), daemon=True)
                   for s, b in ((p.stdout, out_buf), (p.stderr, err_buf))]
        for t in readers:
            t.start()
        status, usage, peak, killed = watch(p, t0, limit)
        elapsed = (time.monotonic() - t0) * 1000.0
        p.returncode = os.waitstatus_to_exitcode(status)
        for t in readers:
            t.join()
        out = out_buf[0].decode(errors="replace") if out_buf else ""
        err = err_buf[0].decode(errors="replace") if err_buf else ""
        peak = max(peak, usage.ru_maxrss / 1024.0)
        problems = []
        if killed:
            problems.append("killed: %s (%.0f ms)" % (killed, limit))
        else:
            if p.returncode != c["code"]:
                problems.append("exit %d, want %d" % (p.returncode, c["code"]))
            if c["err"] != "-":
                names = set(re.findall(r"METER_E[A-Z]+", err))
                if not names & set(c["err"].split("|")):
                    problems.append("error %s, want %s" % ("/".join(sorted(names)) or "none", c["err"]))
            if c["value"] != "-" and setting:
                if c["value"] not in out:
                    problems.append("no '%s' in the output" % c["value"])
            elif c["value"] != "-":
                q, _, v = c["value"].partition("=")
                if not re.search(r"^%s,%s," % (re.escape(q), re.escape(v)), out, re.M):
                    problems.append("no %s in the output" % c["value"])
        if setting and c["code"] != 0 and wrong in out:  # a failed write never "read back"
            problems.append("CONFIRMED A WRITE THAT FAILED: %s" % out.strip())
        for line in out.splitlines():  # never a wrong value, whatever else happened
            f = line.split(",")
            if len(f) >= 2 and f[1] == wrong:
                problems.append("WRONG VALUE %s" % line)
        if c["rss"] is not None and peak > c["rss"]:
            problems.append("peak memory %.0f MB > %d MB" % (peak, c["rss"]))
        got = "/".join(sorted(set(re.findall(r"METER_E[A-Z]+", err)))) or "no error"
        msg = "; ".join(problems) if problems else "ok: exit %d, %s" % (p.returncode, got)
        if problems:
            tail = (err.strip().splitlines() or [""])[-1][:160]
            msg += " [rc %s, %.0f ms, %.0f MB; stderr: %s]" % (p.returncode, elapsed, peak, tail)
        return not problems, msg, elapsed, limit, peak
    finally:
        stop_server(srv, "%s/%s" % (c["proto"], c["case"]))


def start_server(c, lifetime_s, bad=None):
    script, is_pty, tmpl, model, qs, wrong = PROTOCOLS[c["proto"]]
    argv = [sys.executable, os.path.join(HERE, script), "--case", c["case"],
            "--lifetime", str(int(lifetime_s) + 30)]
    if is_pty:
        argv.append("--pty")
    if bad is not None:
        argv += ["--bad", str(bad)]
    argv += SERVER_ARGS.get(c["proto"], lambda env: [])(options(c))
    return subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)


def stop_server(srv, name):
    try:
        srv.stdin.close()  # the server's cue to stop
    except OSError:
        pass
    try:
        srv.wait(timeout=5)
    except subprocess.TimeoutExpired:
        os.killpg(srv.pid, signal.SIGKILL)
        srv.wait()
        stuck.append(name)
    srv.stdout.close()
    srv.stderr.close()


def run_monitor(meter, c):
    """`meter monitor --count N --csv` against a case. Each poll's line must come within
    interval + the poll's bound (the case's formula without T0) of the last one (the first:
    T0 + the bound), carry a named error of the case's list or the right value, and the
    kinds of lines (E: error, V: the value) must match the row's pattern. Returns (ok,
    message, elapsed_ms, deadline_ms, peak_rss_mb)."""
    script, is_pty, tmpl, model, qs, wrong = PROTOCOLS[c["proto"]]
    poll = deadline_ms(c) - T0
    limit = T0 + c["count"] * (poll + c["interval"])
    srv = start_server(c, limit / 1000.0, c["bad"])
    name = "monitor:%s/%s" % (c["proto"], c["case"])
    try:
        ep = srv.stdout.readline().decode().strip()
        if not ep:
            return False, "server printed no endpoint", 0, limit, 0
        conn = tmpl.format(ep=ep, opts=c["opts"])
        cmd = [meter, "monitor", "-m", model, "-c", conn, "-q", qs, "--csv",
               "--count", str(c["count"]), "--interval", "%dms" % c["interval"]]
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, start_new_session=True)
        lines, err_buf = [], []  # (arrival in ms since start, text)

        def read_lines():
            for raw in p.stdout:
                lines.append(((time.monotonic() - t0) * 1000.0, raw.decode(errors="replace").rstrip("\n")))

        readers = [threading.Thread(target=read_lines, daemon=True),
                   threading.Thread(target=lambda: err_buf.append(p.stderr.read()), daemon=True)]
        for t in readers:
            t.start()
        status, usage, peak, killed = watch(p, t0, limit)
        elapsed = (time.monotonic() - t0) * 1000.0
        rc = os.waitstatus_to_exitcode(status)
        for t in readers:
            t.join()
        peak = max(peak, usage.ru_maxrss / 1024.0)
        problems = []
        if killed:
            problems.append("killed: %s (%.0f ms)" % (killed, limit))
        header = lines[0][1].split(",") if lines else []
        polls = lines[1:]
        if header[:1] != ["time"] or header[-1:] != ["status"]:
            problems.append("no CSV header: %r" % (lines[:1],))
        q, _, v = c["good"].partition("=")
        col = header.index(q) if q in header else None
        kinds, last = "", 0.0
        for k, (at, text) in enumerate(polls):
            f = text.split(",")
            bound = (T0 if k == 0 else c["interval"]) + poll
            if at - last > bound:
                problems.append("poll %d took %.0f ms, bound %.0f ms" % (k + 1, at - last, bound))
            last = at
            if any(x == wrong for x in f[1:]):
                problems.append("WRONG VALUE in poll %d: %s" % (k + 1, text))
            st = f[-1] if f else ""
            if st == "ok" and col is not None and col < len(f) and f[col] == v:
                kinds += "V"
            elif st != "ok" and c["err"] != "-" and st in c["err"].split("|"):
                kinds += "E"
            else:
                kinds += "?"
                problems.append("poll %d: %s (want %s or %s)" % (k + 1, text, c["err"], c["good"]))
        if not killed:
            if len(polls) != c["count"]:
                problems.append("%d polls, want %d" % (len(polls), c["count"]))
            if not re.fullmatch(c["expect"], kinds):
                problems.append("polls %s, want %s" % (kinds or "none", c["expect"]))
            want_rc = 0 if "V" in kinds else 1
            if rc != want_rc:
                problems.append("exit %d, want %d" % (rc, want_rc))
        msg = "; ".join(problems) if problems else "ok: polls %s, exit %d" % (kinds, rc)
        if problems:
            tail = ((err_buf[0] if err_buf else b"").decode(errors="replace").strip().splitlines() or [""])[-1][:160]
            msg += " [rc %s, %.0f ms; stderr: %s]" % (rc, elapsed, tail)
        return not problems, msg, elapsed, limit, peak
    finally:
        stop_server(srv, name)


stuck = []  # servers that did not stop by themselves (a bug of the server)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("meter")
    ap.add_argument("--only", nargs="*", default=[], help="PROTOCOL/CASE to run")
    ap.add_argument("--jobs", type=int, default=int(os.environ.get("HOSTILE_JOBS", "6")))
    ap.add_argument("--cases", default=os.path.join(HERE, "cases.tsv"))
    ap.add_argument("--known", default=os.path.join(HERE, "known-failing.txt"))
    ap.add_argument("--monitor", default=os.path.join(HERE, "monitor.tsv"))
    ap.add_argument("--verbose", action="store_true")
    a = ap.parse_args()
    cases = load_cases(a.cases)
    known = set()
    for line in open(a.known):
        line = line.split("#", 1)[0].strip()
        if line:
            known.add(line)
    monitors = load_monitor(a.monitor, cases)
    for c in cases:
        c["name"] = "%s/%s" % (c["proto"], c["case"])
    for c in monitors:
        c["name"] = "monitor:%s/%s" % (c["proto"], c["case"])
    names = {c["name"] for c in cases + monitors}
    for k in sorted(known - names):
        print("hostile: known-failing.txt names %s, which cases.tsv and monitor.tsv lack" % k)
    if a.only:
        cases = [c for c in cases if c["name"] in a.only]
        monitors = [c for c in monitors if c["name"] in a.only]
    passed = failed = xfail = xpass = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as ex:
        # the monitor runs first: they are the longest, and the short reads fill in behind
        futs = [(c, ex.submit(run_monitor, a.meter, c)) for c in monitors]
        futs += [(c, ex.submit(run_case, a.meter, c)) for c in cases]
        for c, fut in futs:
            name = c["name"]
            ok, msg, elapsed, limit, peak = fut.result()
            if ok and name in known:
                xpass += 1
                tag = "XPASS"
                msg = "passes now (%s): remove it from known-failing.txt" % msg
            elif ok:
                passed += 1
                tag = "PASS"
            elif name in known:
                xfail += 1
                tag = "XFAIL"
            else:
                failed += 1
                tag = "FAIL"
            print("%-5s %-36s %6.0f/%-6.0f ms %4.0f MB  %s" % (tag, name, elapsed, limit, peak, msg),
                  flush=True)
    for name in stuck:
        print("FAIL  %s: its server did not stop within 5 s of its stdin closing" % name)
    failed += len(stuck)
    print("hostile: %d passed, %d failed (%d of them known: tests/hostile/known-failing.txt), "
          "%d known-failing case(s) pass now" % (passed + xpass, failed + xfail, xfail, xpass))
    return 1 if failed or xpass else 0


if __name__ == "__main__":
    sys.exit(main())
