/* SPDX-License-Identifier: MIT */
/* The power optimizer's decision function (see decide.h and
 * docs/power-optimizer.md): lower at once, raise with hysteresis, stop below
 * the charger's minimum, fail safe when the meter is silent. */
#include "decide.h"

#include <math.h>
#include <string.h>

/* whole amperes, rounded down; the epsilon keeps 11.9999999 from float noise at 12 */
static double whole_amps(double a)
{
    return floor(a + 1e-9);
}

static struct opt_decision failed_poll(const struct opt_params *p, struct opt_state *st)
{
    struct opt_decision d = {st->allowed_a, OPT_STALE, {0, 0, 0}, NAN, -1};
    if (st->missed < 0xFFFFFFFFu)
        st->missed++;
    if (st->missed >= (p->failsafe_after ? p->failsafe_after : 1)) {
        /* never raise without a measurement: stopped stays stopped */
        d.allowed_a = fmin(st->allowed_a, p->min_a);
        d.reason = OPT_FAILSAFE;
    }
    st->allowed_a = d.allowed_a;
    return d;
}

/* each phase's current minus the charger's (≥ 0) into d, and the worst phase the charger
 * draws on; returns its load (-1: none) */
static double household(const struct opt_params *p, const struct opt_input *in, struct opt_decision *d)
{
    unsigned n = in->nphases == 3 ? 3 : 1;
    unsigned mask = n == 1 ? 1u : (p->charger_mask ? p->charger_mask : 7u);
    double worst = -1;
    for (unsigned k = 0; k < n; k++) {
        double charger = (mask >> k) & 1u ? fmax(0, in->charger_a[k]) : 0;
        d->household_a[k] = fmax(0, in->phase_a[k] - charger);
        if ((mask >> k) & 1u && d->household_a[k] > worst) {
            worst = d->household_a[k];
            d->worst_phase = (int)k;
        }
    }
    return worst;
}

struct opt_decision opt_decide(const struct opt_params *p, struct opt_state *st,
                               const struct opt_input *in)
{
    if (p->fuse_a <= 0) {
        st->missed = in->meter_ok ? 0 : st->missed + 1;
        st->allowed_a = p->max_a;
        /* no fuse, no limit: the household load is still what it is (never a 0 A
         * that was not measured) */
        struct opt_decision off = {p->max_a, OPT_OFF, {NAN, NAN, NAN}, INFINITY, -1};
        if (in->meter_ok)
            household(p, in, &off);
        off.worst_phase = -1; /* no phase limits */
        return off;
    }
    if (!in->meter_ok)
        return failed_poll(p, st);
    st->missed = 0;

    struct opt_decision d = {0, OPT_FOLLOW, {0, 0, 0}, 0, -1};
    double worst = household(p, in, &d);
    d.headroom_a = p->fuse_a - (worst < 0 ? 0 : worst);
    double room = whole_amps(fmin(d.headroom_a, p->max_a));
    double prev = st->allowed_a;

    if (room < p->min_a) {
        d.allowed_a = 0; /* even the minimum would overload the fuse */
        d.reason = OPT_STOP;
    } else if (prev <= 0) {
        /* restart only with the minimum plus the hysteresis free */
        if (d.headroom_a >= p->min_a + p->hysteresis_a) {
            d.allowed_a = room;
        } else {
            d.allowed_a = 0;
            d.reason = OPT_WAIT;
        }
    } else if (room < prev) {
        d.allowed_a = room; /* lower at once: the fuse comes first */
    } else if (room >= prev + p->hysteresis_a) {
        d.allowed_a = room;
    } else {
        d.allowed_a = prev;
        d.reason = OPT_HOLD;
    }
    st->allowed_a = d.allowed_a;
    return d;
}

int opt_parse_fuse(const char *s, double *out)
{
    static const char *const dip[] = {"16", "20", "25", "32", "40", "63", "80"};
    if (!s)
        return -1;
    if (!strcmp(s, "off")) {
        *out = 0;
        return 0;
    }
    for (size_t i = 0; i < sizeof dip / sizeof dip[0]; i++) {
        if (!strcmp(s, dip[i]) || (!strncmp(s, dip[i], strlen(dip[i])) && !strcmp(s + strlen(dip[i]), "A"))) {
            *out = (double)(10 * (dip[i][0] - '0') + (dip[i][1] - '0'));
            return 0;
        }
    }
    return -1;
}

const char *opt_reason_name(enum opt_reason r)
{
    switch (r) {
    case OPT_OFF: return "off";
    case OPT_FOLLOW: return "follow";
    case OPT_HOLD: return "hold";
    case OPT_STOP: return "stop";
    case OPT_WAIT: return "wait";
    case OPT_STALE: return "stale";
    case OPT_FAILSAFE: return "failsafe";
    }
    return "?";
}
