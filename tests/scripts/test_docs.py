#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# The doc test (issue 15): every ```sh line of README.md and docs/*.md that runs
# `meter …` (read, quantities, models, decode, set --dry-run, monitor, scan) is
# run against simulators, and must exit 0 (or the status the line's comment
# expects). Placeholders are swapped by one rule, by scheme:
#   rtu:/dev/ttyUSBn      -> a pty simulator of the line's model (rtu:/dev/pts/N)
#   tcp:10.0.0.7:502      -> a TCP simulator on 127.0.0.1:0 (loopback only)
#   mbus:/dev/ttyUSBn     -> a pty M-Bus simulator; iec:/dev/ttyUSBn -> a pty IEC simulator;
#   sml:, dsmr:, iec-push:/dev/ttyUSBn -> a pty simulator that pushes (-tcp: on TCP)
# Every simulator is started with --exit-after and waited for by its first
# output line (the endpoint); all are stopped at the end. No sleeps.
# Not run, each with its reason (EXCLUDE below): apt-get/cmake lines (install,
# build: done by the suite itself), fixed ports (mosquitto -p 1883, --listen
# ...:1502), commands that change a meter on real hardware (set without
# --dry-run, reset, relay), `meter sim` lines (they are the simulators), scans
# (minutes at the default speed; test_mbus_cli covers scan), lines with "…",
# "capture.bin" or "[...]" (placeholders for the reader's own data).
import os, re, shlex, subprocess, sys

METER = os.environ["METER_BIN"]
SRC = os.environ["METER_SRC"]
EXCLUDE = [
    (r"apt-get|cmake ", "installs or builds: scripts/deps.sh and the suite do this"),
    (r"mosquitto|meter-mqtt|bridge\.ini|INI$|^\[|^[a-z_]+ = ", "meter-mqtt: tests/scripts/test_mqtt.sh runs docs/mqtt.md's example"),
    (r":1502|-p 1883", "a fixed port"),
    (r"meter (set|reset|relay)\b(?!.*--dry-run)", "changes a real meter (relays, addresses, bauds)"),
    (r"meter sim\b", "starts a simulator: the test starts its own"),
    (r"meter scan\b", "a scan at the default speed takes minutes; test_mbus_cli.sh covers scans"),
    (r"…|capture\.bin|\[--|\|", "a placeholder for the reader's own data or options"),
    (r"power-optimizer", "docs/power-optimizer.md: tests/apps/test_optimizer_e2e covers it"),
    (r"dtr=1|rts=1", "drives the serial control lines of a real optical head (a pty has none)"),
    (r"secondary=", "selects a real meter by its secondary address (test_mbus_cli.sh covers selection)"),
]

sims = []

def start_sim(model, listen, opts):
    # the simulated meter answers at the id/addr the line names (id=9 is the docs' absent meter)
    ident = re.search(r"[?&](?:id|addr)=(\d+)", opts)
    ids = ["--id", ident.group(1)] if ident and ident.group(1) != "9" else []
    p = subprocess.Popen([METER, "sim", "--model", model] + ids + (["--pty"] if listen == "pty" else ["--listen", listen]) +
                         ["--exit-after", "60", "--frozen"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    sims.append(p)
    return p.stdout.readline().strip()

def blocks(path):
    on = False
    for line in open(path, encoding="utf-8"):
        if line.startswith("```"):
            on = line.strip() == "```sh" if not on else False
            continue
        if on:
            yield line.rstrip("\n")

def model_of(argv):
    for i, a in enumerate(argv):
        if a in ("-m", "--model") and i + 1 < len(argv):
            return argv[i + 1]
    return None

def swap(cmd, argv):
    model = model_of(argv)
    out = []
    for a in argv:
        m = re.match(r"^(rtu|mbus|iec|sml|dsmr|iec-push):/dev/(?:ttyUSB|pts/)\d+(.*)$", a)
        t = re.match(r"^(tcp|mbus-tcp|iec-tcp|sml-tcp|dsmr-tcp|iec-push-tcp):10\.0\.0\.\d+:\d+(.*)$", a)
        if m and model:
            ep = start_sim(model, "pty", m.group(2))
            out.append(ep.split("?")[0] + m.group(2))
        elif t and model:
            ep = start_sim(model, "tcp:127.0.0.1:0", t.group(2))
            if not ep.startswith(t.group(1) + ":"):
                ep = t.group(1) + ":" + ep.split(":", 1)[1]
            out.append(ep.split("?")[0] + t.group(2))
        else:
            out.append(a)
    return out

ran = skipped = 0
failures = []
files = [os.path.join(SRC, "README.md")] + sorted(
    os.path.join(SRC, "docs", f) for f in os.listdir(os.path.join(SRC, "docs")) if f.endswith(".md"))
try:
    for path in files:
        for line in blocks(path):
            cmd = line.split("  #")[0].split(" # ")[0].strip()
            if not cmd or cmd.startswith("#"):
                continue
            why = next((w for rx, w in EXCLUDE if re.search(rx, cmd)), None)
            if why:
                skipped += 1
                continue
            argv = shlex.split(cmd)
            if argv[0] in ("meter", "build/examples/meter"):
                argv[0] = METER
            else:
                skipped += 1
                continue
            argv = swap(cmd, argv)
            p = subprocess.run(argv, capture_output=True, text=True, timeout=60)
            ran += 1
            want = 1 if "id=9" in cmd else 0  # the docs' example of an absent meter
            if p.returncode != want:
                failures.append("%s: `%s` -> exit %d: %s" % (os.path.relpath(path, SRC), cmd, p.returncode,
                                                             p.stderr.strip()[:300]))
finally:
    for p in sims:
        p.terminate()
        p.wait()
for f in failures:
    print("FAIL:", f)
print("docs: %d commands run, %d excluded (reasons in the test), %d failed" % (ran, skipped, len(failures)))
sys.exit(1 if failures or ran < 5 else 0)
