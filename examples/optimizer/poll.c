/* SPDX-License-Identifier: MIT */
/* One poll of the power optimizer through libmeter's public API: the phase
 * currents are read in one meter_read_list() call, any failed reading counts
 * as a silent meter (never decide on half a picture). */
#include "poll.h"

#include <stdio.h>
#include <string.h>

static int has(const meter_quantity_t *qs, size_t n, meter_quantity_t q)
{
    for (size_t i = 0; i < n; i++)
        if (qs[i] == q)
            return 1;
    return 0;
}

int opt_poller_init(struct opt_poller *p, meter_t *m, const struct opt_params *params,
                    const struct opt_charger *charger)
{
    meter_quantity_t qs[512];
    size_t n = meter_quantities(m, qs, sizeof qs / sizeof qs[0]);
    if (n > sizeof qs / sizeof qs[0])
        n = sizeof qs / sizeof qs[0];
    memset(p, 0, sizeof *p);
    p->meter = m;
    p->params = *params;
    p->charger = *charger;
    if (has(qs, n, METER_Q_CURRENT_L1) && has(qs, n, METER_Q_CURRENT_L2) &&
        has(qs, n, METER_Q_CURRENT_L3)) {
        p->nphases = 3;
        p->q[0] = METER_Q_CURRENT_L1;
        p->q[1] = METER_Q_CURRENT_L2;
        p->q[2] = METER_Q_CURRENT_L3;
    } else if (has(qs, n, METER_Q_CURRENT_L1) || has(qs, n, METER_Q_CURRENT)) {
        p->nphases = 1;
        p->q[0] = has(qs, n, METER_Q_CURRENT_L1) ? METER_Q_CURRENT_L1 : METER_Q_CURRENT;
    } else {
        return -1;
    }
    if (p->nphases == 1)
        p->params.charger_mask = 1;
    return 0;
}

void opt_poller_poll(struct opt_poller *p, struct opt_poll_result *out)
{
    memset(out, 0, sizeof *out);
    meter_reading_t r[OPT_PHASES];
    struct opt_input in;
    memset(&in, 0, sizeof in);
    out->read_status = meter_read_list(p->meter, p->q, p->nphases, r);
    if (out->read_status != METER_OK)
        snprintf(out->error, sizeof out->error, "%s", meter_last_error(p->meter));
    in.meter_ok = out->read_status == METER_OK;
    in.nphases = p->nphases;
    for (unsigned k = 0; k < p->nphases && in.meter_ok; k++)
        in.phase_a[k] = out->phase_a[k] = r[k].value;
    p->charger.present(p->charger.ud, in.charger_a);
    memcpy(out->charger_a, in.charger_a, sizeof out->charger_a);
    out->d = opt_decide(&p->params, &p->state, &in);
    p->charger.apply(p->charger.ud, out->d.allowed_a);
}
