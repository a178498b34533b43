/* SPDX-License-Identifier: MIT */
/* The charger's present current for the command-line optimizer: read from
 * its own meter if one is given (a failed read counts as 0 A, so all the grid
 * current is taken as household load: the cautious side), a fixed value
 * (--charger-current), else the setpoint. */
#include "charger.h"

#include <stdio.h>
#include <string.h>

static void present(void *ud, double out[OPT_PHASES])
{
    struct cli_charger *c = ud;
    for (unsigned k = 0; k < OPT_PHASES; k++)
        out[k] = (c->mask >> k) & 1u ? (c->fixed_a >= 0 ? c->fixed_a : c->setpoint_a) : 0;
    if (!c->meter)
        return;
    meter_reading_t r[OPT_PHASES];
    if (meter_read_list(c->meter, c->q, c->nq, r) != METER_OK) {
        /* unknown: assume it draws nothing, so all the grid current counts as household */
        memset(out, 0, OPT_PHASES * sizeof out[0]);
        return;
    }
    for (unsigned k = 0; k < OPT_PHASES; k++)
        out[k] = (c->mask >> k) & 1u ? r[c->nq == 1 ? 0 : k].value : 0;
}

static void apply(void *ud, double allowed_a)
{
    struct cli_charger *c = ud;
    c->setpoint_a = allowed_a;
}

int cli_charger_open(struct cli_charger *c, const char *model, const char *conn, unsigned mask)
{
    memset(c, 0, sizeof *c);
    c->mask = mask;
    c->fixed_a = -1;
    if (!model)
        return 0;
    char err[256];
    int rc = meter_open(&c->meter, model, conn, err, sizeof err);
    if (rc != METER_OK) {
        fprintf(stderr, "power-optimizer: charger meter: %s (%s)\n", err, meter_errname(rc));
        return -1;
    }
    meter_quantity_t qs[512];
    size_t n = meter_quantities(c->meter, qs, 512);
    int l2 = 0, l3 = 0;
    for (size_t i = 0; i < n && i < 512; i++) {
        l2 |= qs[i] == METER_Q_CURRENT_L2;
        l3 |= qs[i] == METER_Q_CURRENT_L3;
    }
    if (l2 && l3) {
        c->q[0] = METER_Q_CURRENT_L1;
        c->q[1] = METER_Q_CURRENT_L2;
        c->q[2] = METER_Q_CURRENT_L3;
        c->nq = 3;
    } else {
        c->q[0] = METER_Q_CURRENT;
        c->nq = 1;
    }
    return 0;
}

void cli_charger_close(struct cli_charger *c)
{
    meter_close(c->meter);
    c->meter = NULL;
}

struct opt_charger cli_charger_ops(struct cli_charger *c)
{
    return (struct opt_charger){present, apply, c};
}
