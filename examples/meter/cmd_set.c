/* SPDX-License-Identifier: MIT */
/* meter set / meter reset / meter relay: change settings and run actions.
 * Every request is checked (and built) before the first byte is sent;
 * --dry-run prints the exact frames and sends nothing; changes that can drop
 * the meter off the bus or lose data need --yes. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct op {
    int is_action;
    meter_setting_t setting;
    meter_action_t action;
    const char *value;
    const char *label;
};

static int frame_of(meter_t *m, const struct op *o, uint8_t *buf, size_t cap, size_t *len)
{
    return o->is_action ? meter_action_frame(m, o->action, buf, cap, len)
                        : meter_setting_frame(m, o->setting, o->value, buf, cap, len);
}

static int run(const char *cmd, const char *model, const char *conn, struct op *ops, int n,
               int dry, int yes)
{
    char err[256];
    meter_t *m;
    /* a dry run opens nothing: the frames come from the model and the connection string */
    int rc = dry ? meter_open_offline(&m, model, conn, err, sizeof err)
                 : meter_open(&m, model, conn, err, sizeof err);
    if (rc != METER_OK) {
        fprintf(stderr, "meter %s: %s (%s)\n", cmd, err, meter_errname(rc));
        return cli_open_exit(rc);
    }
    /* 1. check every request and collect the risks: nothing is sent yet */
    unsigned risks = 0;
    for (int i = 0; i < n; i++) {
        uint8_t f[64];
        size_t len;
        unsigned risk = 0;
        rc = frame_of(m, &ops[i], f, sizeof f, &len);
        if (rc != METER_OK) {
            fprintf(stderr, "meter %s: %s (%s); nothing was sent\n", cmd, meter_last_error(m),
                    meter_errname(rc));
            meter_close(m);
            return rc == METER_EUNSUPPORTED || rc == METER_ERANGE ? 2 : 1;
        }
        if (ops[i].is_action)
            meter_action_risk(m, ops[i].action, &risk);
        else
            meter_setting_allowed(m, ops[i].setting, NULL, 0, &risk);
        risks |= risk;
        if (dry) {
            printf("%s:", ops[i].label);
            for (size_t k = 0; k < len; k++)
                printf(" %02X", f[k]);
            printf("\n");
        }
    }
    if (dry) {
        meter_close(m);
        return 0;
    }
    if (risks && !yes) {
        fprintf(stderr, "meter %s: not sent. ", cmd);
        if (risks & METER_RISK_BUS)
            fprintf(stderr, "Changing the address, baud rate or parity moves the meter: other "
                            "programs (and meters) on this bus must follow, or it is off the bus. ");
        if (risks & METER_RISK_DATA)
            fprintf(stderr, "Clearing energy erases the meter's energy registers for good. ");
        if (risks & METER_RISK_LOAD)
            fprintf(stderr, "Switching the relay switches a load: off cuts the power behind it, "
                            "on re-energises a circuit someone may be working on. ");
        fprintf(stderr, "Add --yes to do it (or --dry-run to see the frames).\n");
        meter_close(m);
        return TOOL_EXIT_USAGE;
    }
    /* 2. send, one after the other, each verified by the library */
    int status = 0;
    for (int i = 0; i < n; i++) {
        rc = ops[i].is_action ? meter_run_action(m, ops[i].action) : meter_write_setting(m, ops[i].setting, ops[i].value);
        if (rc != METER_OK) {
            fprintf(stderr, "meter %s: %s: %s (%s)\n", cmd, ops[i].label, meter_last_error(m),
                    meter_errname(rc));
            status = 1;
            break;
        }
        int verified = ops[i].is_action ? meter_action_verified(m, ops[i].action)
                                        : meter_setting_verified(m, ops[i].setting);
        printf("%s: %s\n", ops[i].label,
               verified == 1 ? "done, read back" : "sent, acknowledged (cannot be read back)");
    }
    meter_close(m);
    return status;
}

static int parse_common(int argc, char **argv, const char **model, const char **conn, int *dry,
                        int *yes)
{
    static const struct option opts[] = {
        {"model", required_argument, NULL, 'm'}, {"connection", required_argument, NULL, 'c'},
        {"dry-run", no_argument, NULL, 'n'},     {"yes", no_argument, NULL, 'y'},
        {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "m:c:ny", opts, NULL)) != -1) {
        switch (c) {
        case 'm': *model = optarg; break;
        case 'c': *conn = optarg; break;
        case 'n': *dry = 1; break;
        case 'y': *yes = 1; break;
        default: return -1;
        }
    }
    return *model && *conn ? 0 : -1;
}

int cmd_set(int argc, char **argv)
{
    const char *model = NULL, *conn = NULL;
    int dry = 0, yes = 0;
    if (parse_common(argc, argv, &model, &conn, &dry, &yes) < 0 || optind == argc) {
        fprintf(stderr, "usage: meter set -m MODEL -c CONNECTION [--dry-run] [--yes] NAME=VALUE...\n"
                        "names: address baud parity s0_rate calculation_code lcd_cycle_time tariff "
                        "password relay\n");
        return 2;
    }
    int n = argc - optind;
    struct op *ops = calloc((size_t)n, sizeof *ops);
    if (!ops)
        return 1;
    for (int i = 0; i < n; i++) {
        char *arg = argv[optind + i], *eq = strchr(arg, '=');
        if (!eq || eq == arg || !eq[1]) {
            fprintf(stderr, "meter set: '%s' is not NAME=VALUE\n", arg);
            free(ops);
            return 2;
        }
        *eq = '\0';
        if (meter_setting_from_name(arg, &ops[i].setting) != METER_OK) {
            fprintf(stderr, "meter set: unknown setting '%s'\n", arg);
            free(ops);
            return 2;
        }
        ops[i].value = eq + 1;
        ops[i].label = arg;
    }
    int rc = run("set", model, conn, ops, n, dry, yes);
    free(ops);
    return rc;
}

int cmd_reset(int argc, char **argv)
{
    const char *model = NULL, *conn = NULL;
    int dry = 0, yes = 0;
    if (parse_common(argc, argv, &model, &conn, &dry, &yes) < 0 || optind != argc - 1) {
        fprintf(stderr, "usage: meter reset -m MODEL -c CONNECTION [--dry-run] [--yes] "
                        "day-counter|power-down-counter|energy\n");
        return 2;
    }
    struct op o = {.is_action = 1, .label = argv[optind]};
    if (meter_action_from_name(argv[optind], &o.action) != METER_OK) {
        fprintf(stderr, "meter reset: unknown action '%s' (day-counter, power-down-counter, energy)\n",
                argv[optind]);
        return 2;
    }
    return run("reset", model, conn, &o, 1, dry, yes);
}

int cmd_relay(int argc, char **argv)
{
    const char *model = NULL, *conn = NULL;
    int dry = 0, yes = 0;
    if (parse_common(argc, argv, &model, &conn, &dry, &yes) < 0 || optind != argc - 1 ||
        (strcmp(argv[optind], "on") && strcmp(argv[optind], "off"))) {
        fprintf(stderr, "usage: meter relay -m MODEL -c CONNECTION [--dry-run] [--yes] on|off\n");
        return 2;
    }
    struct op o = {.setting = METER_SETTING_RELAY, .value = argv[optind], .label = "relay"};
    return run("relay", model, conn, &o, 1, dry, yes);
}
