/* SPDX-License-Identifier: MIT */
/* The help text of meter, meter-mqtt and power-optimizer (see help.h). */
#include "help.h"

#include <string.h>

const char help_exit_status[] =
    "0  everything asked was done: read, sent, delivered\n"
    "1  a reading or the meter failed, also partly (no reply, a refused request, a link that cannot be opened)\n"
    "2  usage: a bad option or argument, an unknown model, quantity or setting, a value out of range, a risky change without --yes\n"
    "3  meter decode refused the input: not a frame or readout, or decoding stopped part-way\n"
    "4  meter-mqtt: readings were left undelivered when it stopped\n"
    "5  meter-mqtt: the configuration file is invalid (what --check reports)\n";

static const struct {
    const char *tool, *summary;
} summaries[] = {
    {"meter", "read, configure, scan and simulate electricity, heat and water meters"},
    {"meter-mqtt", "poll meters and publish them to MQTT with Home Assistant discovery"},
    {"power-optimizer", "the charging current an EV charger may draw under the main fuse"},
};

const char *help_summary(const char *tool)
{
    for (size_t i = 0; i < sizeof summaries / sizeof summaries[0]; i++)
        if (!strcmp(summaries[i].tool, tool))
            return summaries[i].summary;
    return "";
}

const struct help_entry help_entries[] = {
    {"meter", NULL, "meter COMMAND [options]\nmeter help COMMAND\nmeter COMMAND --help\nmeter --version",
     "Commands: models, quantities, read, monitor, sim, set, reset, relay, scan, decode, help.\n"
     "Connections: rtu:/dev/ttyUSB0?baud=9600&parity=E&id=1, tcp:192.168.1.10:502?id=3,\n"
     "mbus:/dev/ttyUSB0?baud=2400&addr=5, mbus-tcp:HOST:PORT, iec:/dev/ttyUSB0, iec-tcp:HOST:PORT\n"
     "(docs/connection-strings.md). Models may be named by an alias everywhere (meter models).\n"
     "Errors go to stderr; output to stdout."},
    {"meter", "models", "meter models",
     "List the models: name, aliases, protocol, default line settings, description."},
    {"meter", "quantities", "meter quantities [-m MODEL]",
     "List the quantity catalogue (name, unit, OBIS code, description), or with -m only the\n"
     "quantities MODEL has.\n"
     "  -m, --model MODEL   a model or alias"},
    {"meter", "read", "meter read -m MODEL -c CONNECTION [-q NAME,... | --records] [--json|--csv] [-v]",
     "Read a meter: everything it has, or the named quantities.\n"
     "  -m, --model MODEL          a model or alias (meter models)\n"
     "  -c, --connection CONN      where it is (docs/connection-strings.md)\n"
     "  -q, --quantities LIST      comma-separated quantity names (meter quantities -m MODEL)\n"
     "  --records                  every record as the meter sends it (M-Bus, IEC: name, unit, storage …)\n"
     "  --json                     one JSON object; a failed or non-finite value is null with \"error\"\n"
     "  --csv                      quantity,value,unit,status (RFC 4180)\n"
     "  -v, --verbose              log the exchanges on stderr"},
    {"meter", "monitor", "meter monitor -m MODEL -c CONNECTION [--interval 1s] [--csv|--json] [--count N] [-q NAME,...]",
     "Read a meter every interval; one timestamped line per snapshot, errors inline.\n"
     "  -i, --interval DURATION    10ms to 24h (250ms, 1s, 5m); default 1s\n"
     "  -n, --count N              stop after N snapshots (exit 1 if none read)\n"
     "  --csv, --json              CSV with a header, or JSON lines"},
    {"meter", "sim", "meter sim --model MODEL [--id N[,N...]] [--model ...] (--pty | --listen tcp:HOST:PORT) [options]",
     "Serve simulated meters; the first line printed is the endpoint to connect to.\n"
     "  --model MODEL [--id LIST]  a model and its addresses (default: the model's own)\n"
     "  --pty | --listen tcp:HOST:PORT   a pseudo-terminal, or TCP (port 0: a free one)\n"
     "  --exit-after SECONDS       stop by itself\n"
     "  --frozen, --max-regs N, --strict-holes, --delay-ms N, --turnaround-us N (default 5000)\n"
     "  --pace BAUD                each character at a real line's time (docs/timing.md): Modbus RTU\n"
     "                             at BAUD 8E1 with its silences; M-Bus at the slave's own speed;\n"
     "                             IEC 300 Bd sign-on, then the meter's speed (any BAUD turns it on)\n"
     "  --faults drop,corrupt,truncate,delay,wrong-id,garbage,echo,exception,glued,drip,endless|all  --fault-rate PER_1000  --seed N\n"
     "  IEC: --ident, --device, --password, --p0, --data, --readout FILE, --registers, --error-text,\n"
     "       --echo, --no-switch, --sum7, --answer-crlf, --reaction-ms, --ack-wait-ms, --nak-first, --corrupt-first\n"
     "It stops on SIGINT/SIGTERM or after --exit-after."},
    {"meter", "set", "meter set -m MODEL -c CONNECTION [--dry-run] [--yes] NAME=VALUE...",
     "Change settings: each value is checked against the manual before anything is sent.\n"
     "Names: address baud parity s0_rate calculation_code lcd_cycle_time tariff password relay.\n"
     "  -n, --dry-run   print the frames, send nothing\n"
     "  -y, --yes       allow changes that move the meter off the bus (address, baud, parity)"},
    {"meter", "reset", "meter reset -m MODEL -c CONNECTION [--dry-run] [--yes] day-counter|power-down-counter|energy",
     "Run an action; clearing energy needs --yes.\n"
     "  -n, --dry-run   print the frame, send nothing\n"
     "  -y, --yes       allow an action that loses data"},
    {"meter", "relay", "meter relay -m MODEL -c CONNECTION [--dry-run] --yes on|off",
     "Switch a meter's relay (Compere KPM31). Off cuts the power behind it, on\n"
     "re-energises a circuit someone may be working on: it needs --yes.\n"
     "  -n, --dry-run   print the frame, send nothing\n"
     "  -y, --yes       switch it"},
    {"meter", "scan", "meter scan -c mbus:DEVICE[?baud=2400] [--primary] [--secondary] [--hex-ids] [--json]",
     "Find the meters on an M-Bus line, by primary and/or secondary address.\n"
     "  --primary, --secondary     which scans (default: both)\n"
     "  --hex-ids                  secondary ids with hex digits too\n"
     "  --json                     one JSON object at the end"},
    {"meter", "decode", "meter decode mbus [--json] HEX... | -\nmeter decode iec FILE|- [--json] [--bcc xor|sum7|none|any]\n"
     "meter decode sml HEX|FILE|- [--json] [--kermit] [--trust-transport]",
     "Decode captured bytes without a bus: an M-Bus frame (hex on the command line or stdin), an\n"
     "IEC 62056-21 readout (a file or stdin), or SML telegrams (hex or bytes). Exit 3 when the input\n"
     "is refused or decoding stops."},
    {"meter-mqtt", NULL, "meter-mqtt -f CONFIG [--count N] [--exit-after SECONDS] [--check] [-v]",
     "Poll the meters of CONFIG and publish each snapshot to MQTT, with Home Assistant discovery.\n"
     "  -f, --config FILE      meters and broker (docs/mqtt.md)\n"
     "  --check                check the file (models, connection strings, quantities against each\n"
     "                         model) without opening anything; exit 0 or 5\n"
     "  --count N              take N snapshots per meter, deliver them, exit (with --exit-after, or\n"
     "                         when the broker stays away, exit 4 with what was left undelivered)\n"
     "  --exit-after SECONDS   stop after this long whatever happens\n"
     "  -v, --verbose          say what is queued and published; read errors are logged anyway\n"
     "                         (at most one line per meter and minute without -v)\n"
     "A systemd unit meter-mqtt@.service runs one bridge per /etc/meter-mqtt/NAME.ini."},
    {"power-optimizer", NULL,
     "power-optimizer -m MODEL -c CONNECTION --fuse off|16|20|25|32|40|63|80 [options]",
     "Poll the grid meter and print the charging current allowed under the main fuse.\n"
     "  --min A, --max A           the charger's range (default 6, 32)\n"
     "  --hysteresis A             default 2\n"
     "  --interval DURATION        100ms to 1h; default 1s\n"
     "  --failsafe-after N         failed reads before the minimum (default 1)\n"
     "  --charger-phases 1|3       default 3\n"
     "  --charger-meter MODEL --charger-connection CONN | --charger-current A\n"
     "  --json                     JSON lines\n"
     "  --count N                  stop after N decisions (exit 1 if any read failed)"},
    {NULL, NULL, NULL, NULL},
};

const struct help_entry *help_find(const char *tool, const char *cmd)
{
    for (const struct help_entry *e = help_entries; e->tool; e++)
        if (!strcmp(e->tool, tool) && (cmd ? e->cmd && !strcmp(e->cmd, cmd) : !e->cmd))
            return e;
    return NULL;
}

void help_print(FILE *f, const struct help_entry *e)
{
    const char *s = e->synopsis;
    for (int first = 1; *s; first = 0) {
        const char *nl = strchr(s, '\n');
        int len = nl ? (int)(nl - s) : (int)strlen(s);
        fprintf(f, "%s%.*s\n", first ? "usage: " : "       ", len, s);
        s += len + (nl ? 1 : 0);
    }
    fprintf(f, "\n%s\n\nexit status:\n%s", e->text, help_exit_status);
}
