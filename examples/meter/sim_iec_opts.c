/* SPDX-License-Identifier: MIT */
/* meter sim's IEC 62056-21 flags (--ident, --echo, --readout FILE, --password …):
 * parsed here, applied to the simulator after its meters are added. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { FIRST = 1000 };

struct flag {
    const char *name;
    int has_arg;
    meter_sim_option_t opt;
    int text; /* 1: a text option (meter_sim_set_text), 0: a number, 2: a switch */
};

static const struct flag flags[] = {
    {"ident", 1, METER_SIM_IEC_IDENT, 1},
    {"device", 1, METER_SIM_IEC_DEVICE, 1},
    {"password", 1, METER_SIM_IEC_PASSWORD, 1},
    {"p0", 1, METER_SIM_IEC_P0, 1},
    {"data", 1, METER_SIM_IEC_DATA, 1},
    {"readout", 1, METER_SIM_IEC_READOUT_FILE, 1},
    {"registers", 1, METER_SIM_IEC_REGISTERS, 1},
    {"error-text", 1, METER_SIM_IEC_ERROR_TEXT, 1},
    {"echo", 0, METER_SIM_IEC_ECHO, 2},
    {"no-switch", 0, METER_SIM_IEC_NO_SWITCH, 2},
    {"sum7", 0, METER_SIM_IEC_SUM7, 2},
    {"answer-crlf", 0, METER_SIM_IEC_ANSWER_CRLF, 2},
    {"reaction-ms", 1, METER_SIM_IEC_REACTION_MS, 0},
    {"ack-wait-ms", 1, METER_SIM_IEC_ACK_WAIT_MS, 0},
    {"nak-first", 1, METER_SIM_IEC_NAK_FIRST, 0},
    {"corrupt-first", 1, METER_SIM_IEC_CORRUPT_FIRST, 0},
};

#define NFLAGS (sizeof flags / sizeof flags[0])

static const char *given[NFLAGS];

size_t cli_sim_iec_options(struct option *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < NFLAGS && k < cap; i++, k++)
        out[k] = (struct option){flags[i].name, flags[i].has_arg ? required_argument : no_argument,
                                 NULL, FIRST + (int)i};
    return k;
}

int cli_sim_iec_option(int c, const char *arg)
{
    if (c < FIRST || c >= FIRST + (int)NFLAGS)
        return 1;
    given[c - FIRST] = arg ? arg : "1";
    return 0;
}

/* "@FILE" reads the text from a file (data sets, registers). */
static char *text_of(const char *arg)
{
    if (arg[0] != '@')
        return strdup(arg);
    FILE *f = fopen(arg + 1, "rb");
    if (!f)
        return NULL;
    char *buf = calloc(1, 1 << 20);
    if (buf) {
        size_t got = fread(buf, 1, (1 << 20) - 1, f);
        buf[got] = '\0';
    }
    fclose(f);
    return buf;
}

int cli_sim_iec_apply(meter_sim_t *sim)
{
    for (size_t i = 0; i < NFLAGS; i++) {
        if (!given[i])
            continue;
        int rc;
        if (flags[i].text == 1) {
            char *t = flags[i].opt == METER_SIM_IEC_READOUT_FILE ? strdup(given[i]) : text_of(given[i]);
            if (!t) {
                fprintf(stderr, "meter sim: cannot read '%s'\n", given[i] + 1);
                return -1;
            }
            rc = meter_sim_set_text(sim, flags[i].opt, t);
            free(t);
        } else {
            char *end;
            long v = flags[i].text == 2 ? 1 : strtol(given[i], &end, 10);
            if (flags[i].text == 0 && (!*given[i] || *end || v < 0)) {
                fprintf(stderr, "meter sim: --%s takes a number, not '%s'\n", flags[i].name, given[i]);
                return -1;
            }
            rc = meter_sim_set(sim, flags[i].opt, v);
        }
        if (rc != METER_OK) {
            fprintf(stderr, "meter sim: --%s %s: %s (IEC 62056-21 models only)\n", flags[i].name,
                    flags[i].has_arg ? given[i] : "", meter_strerror(rc));
            return -1;
        }
    }
    return 0;
}
