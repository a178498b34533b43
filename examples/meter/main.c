/* SPDX-License-Identifier: MIT */
/* The meter command: reads meters, lists models and quantities, and runs
 * simulated meters. This file dispatches to the subcommands. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "help.h"

static void usage(FILE *f)
{
    help_print(f, help_find("meter", NULL));
    fprintf(f, "\ncommands:\n");
    for (const struct help_entry *e = help_entries; e->tool; e++)
        if (!strcmp(e->tool, "meter") && e->cmd)
            fprintf(f, "  %s\n", e->synopsis);
}

/* meter help CMD, meter CMD --help / -h (before a "--") */
static int wants_help(int argc, char **argv)
{
    for (int i = 2; i < argc && strcmp(argv[i], "--"); i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return 1;
    return 0;
}

static int help(const char *cmd)
{
    const struct help_entry *e = help_find("meter", cmd);
    if (!e) {
        fprintf(stderr, "meter: no command '%s' (see: meter --help)\n", cmd);
        return TOOL_EXIT_USAGE;
    }
    help_print(stdout, e);
    return 0;
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
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || (strcmp(cmd, "help") == 0 && argc == 2)) {
        usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "help") == 0)
        return argc == 3 ? help(argv[2]) : (usage(stderr), TOOL_EXIT_USAGE);
    if (wants_help(argc, argv))
        return help(cmd);
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
