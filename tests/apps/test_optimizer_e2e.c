/* SPDX-License-Identifier: MIT */
/* End to end: a simulated KLEFR 6934 grid meter over TCP carries a scripted
 * household load plus the charger's current as the optimizer sets it (the
 * charger is modelled here); the main fuse never stays above its limit for
 * more than one poll, and a silent meter makes the optimizer fail safe.
 * Time is counted in polls: no sleeps, no clocks. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "poll.h"
#include "support.h"

#define FUSE 25.0

/* the charger: follows the allowed current, but the car may take less */
struct model_charger {
    double setpoint;
    double car_max;
};

static double drawn(const struct model_charger *c)
{
    return fmin(c->setpoint, c->car_max);
}

static void ch_present(void *ud, double out[OPT_PHASES])
{
    for (int k = 0; k < OPT_PHASES; k++)
        out[k] = drawn(ud);
}

static void ch_apply(void *ud, double a)
{
    ((struct model_charger *)ud)->setpoint = a;
}

/* the house: per-phase household load at each poll, and what the car accepts */
static const struct {
    double hh[3];
    double car_max;
} profile[] = {
    {{4, 3, 5}, 32},    {{4, 3, 5}, 32},    {{14, 3, 5}, 32},   /* kettle on L1 */
    {{14, 3, 5}, 32},   {{6, 3, 5}, 32},    {{6, 3, 5}, 32},    /* kettle off: raise */
    {{6, 3, 5}, 32},    {{18, 15, 17}, 32}, {{18, 15, 17}, 32}, /* oven, all phases */
    {{21, 15, 17}, 32}, {{21, 15, 17}, 32}, /* too much for 6 A: stop */
    {{18.5, 15, 17}, 32}, {{17.5, 15, 17}, 32}, /* stopped; restart only with 8 A free */
    {{17, 15, 17}, 32}, {{10, 8, 9}, 32},   {{10, 8, 9}, 12},   /* the car tapers to 12 A */
    {{10, 8, 9}, 12},   {{10, 8, 23}, 12},  {{10, 8, 23}, 12},  /* heat pump on L3 */
    {{5, 5, 5}, 32},    {{5, 5, 5}, 32},    {{9.7, 5, 5}, 32},  /* wobble: no flapping */
    {{10.3, 5, 5}, 32}, {{9.7, 5, 5}, 32},  {{10.3, 5, 5}, 32}, {{9.7, 5, 5}, 32},
};

static void set_phases(meter_sim_t *sim, const double hh[3], double charger)
{
    static const meter_quantity_t q[3] = {METER_Q_CURRENT_L1, METER_Q_CURRENT_L2, METER_Q_CURRENT_L3};
    for (int k = 0; k < 3; k++)
        assert_int_equal(meter_sim_set_value(sim, 1, q[k], hh[k] + charger), METER_OK);
}

static double worst(const double hh[3], double charger)
{
    return fmax(hh[0], fmax(hh[1], hh[2])) + charger;
}

static void fuse_kept(void **state)
{
    (void)state;
    struct sim_thread st;
    const int ids[] = {1, 0};
    assert_int_equal(sim_thread_start(&st, "tcp:127.0.0.1:0", "klefr-6934", ids, 1), METER_OK);
    char conn[300], err[256];
    snprintf(conn, sizeof conn, "%s?id=1&timeout=200&retries=0", meter_sim_endpoint(st.sim));
    meter_t *m = NULL;
    if (meter_open(&m, "klefr-6934", conn, err, sizeof err) != METER_OK)
        fail_msg("open: %s", err);

    struct model_charger car = {0, 32};
    struct opt_params params = {FUSE, 6, 32, 2, 1, 7};
    struct opt_charger ops = {ch_present, ch_apply, &car};
    struct opt_poller p;
    assert_int_equal(opt_poller_init(&p, m, &params, &ops), 0);
    assert_int_equal(p.nphases, 3);

    unsigned overloads = 0, stops = 0, changes = 0;
    double last = 0;
    for (size_t i = 0; i < sizeof profile / sizeof profile[0]; i++) {
        car.car_max = profile[i].car_max;
        /* the house changes; the charger still draws what it was allowed */
        set_phases(st.sim, profile[i].hh, drawn(&car));
        double fuse_before = worst(profile[i].hh, drawn(&car));

        struct opt_poll_result r;
        opt_poller_poll(&p, &r);
        if (r.read_status != METER_OK)
            fail_msg("poll %zu: %s", i, r.error);
        for (int k = 0; k < 3; k++)
            assert_float_equal(r.phase_a[k], profile[i].hh[k] + r.charger_a[k], 1e-3);

        /* the charger follows at once; this is the load until the next poll */
        set_phases(st.sim, profile[i].hh, drawn(&car));
        double fuse_after = worst(profile[i].hh, drawn(&car));
        printf("poll %2zu: fuse %5.1f A -> %-8s %4.1f A, fuse %5.1f A\n", i, fuse_before,
               opt_reason_name(r.d.reason), r.d.allowed_a, fuse_after);

        /* a jump of the household may overload the fuse until this poll; this poll ends it */
        overloads += fuse_before > FUSE + 1e-9;
        if (fuse_after > FUSE + 1e-9 && !(r.d.allowed_a == 0 && worst(profile[i].hh, 0) > FUSE))
            fail_msg("poll %zu: fuse at %.2f A after the decision (%g A allowed)", i, fuse_after, r.d.allowed_a);
        stops += r.d.reason == OPT_STOP && last > 0;
        changes += i >= 23 && r.d.allowed_a != last;
        last = r.d.allowed_a;
    }
    assert_true(overloads >= 4);  /* the script does overload the fuse between polls … */
                                  /* … and every overload ended at the next poll (above) */
    assert_int_equal(stops, 2);   /* oven + more on L1, then the heat pump on L3 */
    assert_int_equal(changes, 0); /* once settled, the ±0.3 A wobble does not flap */

    /* the meter falls silent: fail safe to the minimum at the first missed poll */
    assert_true(last > 6);
    sim_thread_stop(&st);
    for (int i = 0; i < 3; i++) {
        struct opt_poll_result r;
        opt_poller_poll(&p, &r);
        assert_int_not_equal(r.read_status, METER_OK);
        assert_int_equal(r.d.reason, OPT_FAILSAFE);
        assert_true(r.d.allowed_a == 6);
        assert_true(car.setpoint == 6);
    }
    meter_close(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fuse_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
