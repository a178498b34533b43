/* SPDX-License-Identifier: MIT */
/* The meter command: reads meters, lists models and quantities, and runs
 * simulated meters. This file dispatches to the subcommands. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: meter COMMAND [options]\n"
            "\n"
            "commands:\n"
            "  models                         list the meter models\n"
            "  quantities [-m MODEL]          list the quantity catalogue (or a model's quantities)\n"
            "  read -m MODEL -c CONNECTION [-q NAME,NAME...] [--json|--csv] [-v]\n"
            "                                 read a meter (everything it has, or the named quantities)\n"
            "  sim --model MODEL [--id N[,N...]] [--model ...] (--pty | --listen tcp:HOST:PORT)\n"
            "      [--frozen] [--max-regs N] [--strict-holes] [--exit-after SECONDS]\n"
            "      [--faults drop,corrupt,truncate,delay,wrong-id,garbage,echo,exception|all]\n"
            "      [--fault-rate PER_1000] [--seed N] [--delay-ms N] [--pace BAUD] [--turnaround-us N]\n"
            "                                 serve simulated meters; prints the endpoint first\n"
            "  set -m MODEL -c CONNECTION [--dry-run] [--yes] NAME=VALUE...\n"
            "                                 change settings (checked, then read back)\n"
            "  reset -m MODEL -c CONNECTION [--dry-run] [--yes] day-counter|power-down-counter|energy\n"
            "  relay -m MODEL -c CONNECTION [--dry-run] on|off\n"
            "  decode iec FILE|- [--json]     decode a captured IEC 62056-21 readout\n"
            "  scan -c mbus:DEVICE [--primary] [--secondary] [--json]\n"
            "                                 find the meters on an M-Bus line\n"
            "  decode mbus [--json] HEX... | -  decode a captured M-Bus frame\n"
            "  monitor -m MODEL -c CONNECTION [--interval 1s] [--csv|--json] [--count N] [-q NAME,...]\n"
            "                                 one timestamped line per snapshot; errors inline\n"
            "  --version                      print the library version\n"
            "\n"
            "connections: rtu:/dev/ttyUSB0?baud=9600&parity=E&id=1   tcp:192.168.1.10:502?id=3\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--version") == 0) {
        printf("meter %s\n", meter_version_string());
        return 0;
    }
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "models") == 0)
        return cmd_models(argc - 1, argv + 1);
    if (strcmp(cmd, "quantities") == 0)
        return cmd_quantities(argc - 1, argv + 1);
    if (strcmp(cmd, "read") == 0)
        return cmd_read(argc - 1, argv + 1);
    if (strcmp(cmd, "sim") == 0)
        return cmd_sim(argc - 1, argv + 1);
    if (strcmp(cmd, "set") == 0)
        return cmd_set(argc - 1, argv + 1);
    if (strcmp(cmd, "reset") == 0)
        return cmd_reset(argc - 1, argv + 1);
    if (strcmp(cmd, "relay") == 0)
        return cmd_relay(argc - 1, argv + 1);
    if (strcmp(cmd, "scan") == 0)
        return cmd_scan(argc - 1, argv + 1);
    if (strcmp(cmd, "decode") == 0)
        return cmd_decode(argc - 1, argv + 1);
    if (strcmp(cmd, "monitor") == 0)
        return cmd_monitor(argc - 1, argv + 1);
    fprintf(stderr, "meter: unknown command '%s'\n", cmd);
    usage(stderr);
    return 2;
}
