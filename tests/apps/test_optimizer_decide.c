/* SPDX-License-Identifier: MIT */
/* The power optimizer's decision function, table-driven: phase currents,
 * fuse limits, the charger's own current, clamping to the minimum or zero,
 * the hysteresis path (no flapping) and the fail-safe path. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>

#include "decide.h"

#define P3 3
#define P1 1

struct row {
    const char *what;
    double fuse, hyst;
    unsigned failsafe_after, mask;
    double prev;
    unsigned missed;
    int ok;
    unsigned nphases;
    double phase[3], charger[3];
    double want;
    enum opt_reason reason;
    int worst; /* expected worst phase, -1 when unknown */
};

static const struct row rows[] = {
    {"start from stopped", 25, 2, 1, 7, 0, 0, 1, P3, {10, 5, 8}, {0, 0, 0}, 15, OPT_FOLLOW, 0},
    {"charger's own current is not household", 25, 2, 1, 7, 16, 0, 1, P3, {26, 21, 24}, {16, 16, 16}, 15, OPT_FOLLOW, 0},
    {"most loaded phase limits (L3)", 25, 2, 1, 7, 16, 0, 1, P3, {20, 21, 28}, {16, 16, 16}, 13, OPT_FOLLOW, 2},
    {"lowered at once by a fraction", 25, 2, 1, 7, 16, 0, 1, P3, {25.1, 20, 20}, {16, 16, 16}, 15, OPT_FOLLOW, 0},
    {"within the band: hold", 25, 2, 1, 7, 15, 0, 1, P3, {23.5, 20, 20}, {15, 15, 15}, 15, OPT_HOLD, 0},
    {"one amp more free: still hold", 25, 2, 1, 7, 15, 0, 1, P3, {24.5, 20, 20}, {16, 16, 16}, 15, OPT_HOLD, 0},
    {"raised past the hysteresis", 25, 2, 1, 7, 10, 0, 1, P3, {18, 10, 10}, {10, 10, 10}, 17, OPT_FOLLOW, 0},
    {"clamped to the charger's maximum", 63, 2, 1, 7, 16, 0, 1, P3, {21, 20, 20}, {16, 16, 16}, 32, OPT_FOLLOW, 0},
    {"exactly the minimum", 16, 2, 1, 7, 8, 0, 1, P3, {18, 8, 8}, {8, 8, 8}, 6, OPT_FOLLOW, 0},
    {"below the minimum: stop", 16, 2, 1, 7, 6, 0, 1, P3, {17, 6, 6}, {6, 6, 6}, 0, OPT_STOP, 0},
    {"household alone over the fuse: stop", 25, 2, 1, 7, 0, 0, 1, P3, {30, 5, 5}, {0, 0, 0}, 0, OPT_STOP, 0},
    {"stopped, room for 6 but not 6+2: wait", 16, 2, 1, 7, 0, 0, 1, P3, {9.5, 2, 2}, {0, 0, 0}, 0, OPT_WAIT, 0},
    {"stopped, room for 6+2: restart", 16, 2, 1, 7, 0, 0, 1, P3, {8, 2, 2}, {0, 0, 0}, 8, OPT_FOLLOW, 0},
    {"single phase", 32, 2, 1, 1, 10, 0, 1, P1, {20, 0, 0}, {10, 0, 0}, 22, OPT_FOLLOW, 0},
    {"single phase, 20 A fuse", 20, 2, 1, 1, 16, 0, 1, P1, {28, 0, 0}, {16, 0, 0}, 8, OPT_FOLLOW, 0},
    {"1-phase charger on L1 of a 3-phase house", 32, 2, 1, 1, 6, 0, 1, P3, {10, 30, 5}, {6, 0, 0}, 28, OPT_FOLLOW, 0},
    {"car draws less than allowed", 25, 2, 1, 7, 20, 0, 1, P3, {22, 12, 12}, {10, 10, 10}, 13, OPT_FOLLOW, 0},
    {"charger reads above the grid: household 0", 40, 2, 1, 7, 32, 0, 1, P3, {5, 5, 5}, {6, 6, 6}, 32, OPT_HOLD, 0},
    {"80 A fuse", 80, 2, 1, 7, 0, 0, 1, P3, {50, 40, 45}, {0, 0, 0}, 30, OPT_FOLLOW, 0},
    {"fuse off: charger's maximum", 0, 2, 1, 7, 6, 0, 1, P3, {90, 90, 90}, {6, 6, 6}, 32, OPT_OFF, -1},
    {"fuse off, meter silent: still maximum", 0, 2, 1, 7, 6, 0, 0, P3, {0, 0, 0}, {6, 6, 6}, 32, OPT_OFF, -1},
    {"meter silent: fail safe to the minimum", 25, 2, 1, 7, 16, 0, 0, P3, {0, 0, 0}, {16, 16, 16}, 6, OPT_FAILSAFE, -1},
    {"meter silent while stopped: stays 0", 25, 2, 1, 7, 0, 0, 0, P3, {0, 0, 0}, {0, 0, 0}, 0, OPT_FAILSAFE, -1},
    {"meter silent, grace of 3: hold (stale)", 25, 2, 3, 7, 16, 0, 0, P3, {0, 0, 0}, {16, 16, 16}, 16, OPT_STALE, -1},
    {"third silent poll of 3: fail safe", 25, 2, 3, 7, 16, 2, 0, P3, {0, 0, 0}, {16, 16, 16}, 6, OPT_FAILSAFE, -1},
};

static struct opt_params params_of(const struct row *r)
{
    return (struct opt_params){r->fuse, 6, 32, r->hyst, r->failsafe_after, r->mask};
}

static void table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const struct row *r = &rows[i];
        struct opt_params p = params_of(r);
        struct opt_state st = {r->prev, r->missed};
        struct opt_input in = {r->ok, r->nphases, {r->phase[0], r->phase[1], r->phase[2]},
                               {r->charger[0], r->charger[1], r->charger[2]}};
        struct opt_decision d = opt_decide(&p, &st, &in);
        if (d.allowed_a != r->want || d.reason != r->reason || d.worst_phase != r->worst)
            fail_msg("row %zu '%s': allowed %g (%s, worst %d), want %g (%s, worst %d)", i, r->what,
                     d.allowed_a, opt_reason_name(d.reason), d.worst_phase, r->want,
                     opt_reason_name(r->reason), r->worst);
        assert_true(st.allowed_a == d.allowed_a);
        assert_true(d.allowed_a == 0 || (d.allowed_a >= 6 && d.allowed_a <= 32));
        if (r->ok && r->fuse > 0) {
            assert_int_equal(st.missed, 0);
            /* never more than the fuse leaves free on the worst charger phase */
            assert_true(d.allowed_a <= d.headroom_a + 1e-9 || d.allowed_a == 0);
        }
    }
}

/* the household load wobbles ±0.3 A across a whole-amp boundary */
static unsigned changes_under_noise(double hyst)
{
    struct opt_params p = {25, 6, 32, hyst, 1, 7};
    struct opt_state st = {0, 0};
    double last = -1;
    unsigned changes = 0;
    for (int i = 0; i < 40; i++) {
        double hh = 10 + (i % 2 ? 0.3 : -0.3);
        double charger = st.allowed_a;
        struct opt_input in = {1, 3, {hh + charger, 3 + charger, 3 + charger}, {charger, charger, charger}};
        struct opt_decision d = opt_decide(&p, &st, &in);
        assert_true(d.allowed_a <= 25 - hh + 1e-9);
        if (i > 0 && d.allowed_a != last)
            changes++;
        last = d.allowed_a;
    }
    return changes;
}

static void hysteresis_path(void **state)
{
    (void)state;
    assert_true(changes_under_noise(0) >= 30); /* without hysteresis it flaps 14 ↔ 15 */
    assert_int_equal(changes_under_noise(2), 1); /* with 2 A: one step down, then steady */

    /* near the minimum: stops once, does not restart on a small dip */
    struct opt_params p = {16, 6, 32, 2, 1, 7};
    struct opt_state st = {6, 0};
    unsigned starts = 0;
    for (int i = 0; i < 20; i++) {
        double hh = 10 + (i % 2 ? 0.2 : -0.2); /* headroom 5.8 / 6.2 */
        double c = st.allowed_a;
        struct opt_input in = {1, 1, {hh + c, 0, 0}, {c, 0, 0}};
        double before = st.allowed_a;
        opt_decide(&p, &st, &in);
        starts += before == 0 && st.allowed_a > 0;
    }
    assert_int_equal(starts, 0);
    assert_true(st.allowed_a == 0);
}

static void failsafe_path(void **state)
{
    (void)state;
    struct opt_params p = {25, 6, 32, 2, 2, 7};
    struct opt_state st = {0, 0};
    struct opt_input good = {1, 3, {9, 9, 9}, {0, 0, 0}};
    struct opt_input silent = {0, 3, {0, 0, 0}, {0, 0, 0}};
    static const struct {
        int ok;
        double want;
        enum opt_reason reason;
    } seq[] = {{1, 16, OPT_FOLLOW}, {0, 16, OPT_STALE}, {0, 6, OPT_FAILSAFE}, {0, 6, OPT_FAILSAFE},
               {1, 16, OPT_FOLLOW}, {0, 16, OPT_STALE}, {1, 16, OPT_HOLD}, {0, 16, OPT_STALE},
               {0, 6, OPT_FAILSAFE}};
    for (size_t i = 0; i < sizeof seq / sizeof seq[0]; i++) {
        double c = st.allowed_a;
        good.phase_a[0] = good.phase_a[1] = good.phase_a[2] = 9 + c;
        good.charger_a[0] = good.charger_a[1] = good.charger_a[2] = c;
        struct opt_decision d = opt_decide(&p, &st, seq[i].ok ? &good : &silent);
        if (d.allowed_a != seq[i].want || d.reason != seq[i].reason)
            fail_msg("step %zu: %g %s, want %g %s", i, d.allowed_a, opt_reason_name(d.reason), seq[i].want,
                     opt_reason_name(seq[i].reason));
    }
}

static void fuse_values(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        int rc;
        double a;
    } t[] = {{"off", 0, 0},  {"16", 0, 16}, {"20", 0, 20}, {"25", 0, 25}, {"32", 0, 32}, {"40", 0, 40},
             {"63", 0, 63},  {"80", 0, 80}, {"63A", 0, 63}, {"50", -1, 0}, {"", -1, 0},   {"16.5", -1, 0},
             {"160", -1, 0}, {"Off", -1, 0}, {"1", -1, 0}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        double a = -1;
        int rc = opt_parse_fuse(t[i].s, &a);
        if (rc != t[i].rc || (rc == 0 && a != t[i].a))
            fail_msg("fuse '%s': rc %d, %g", t[i].s, rc, a);
    }
    assert_int_equal(opt_parse_fuse(NULL, NULL), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table),
        cmocka_unit_test(hysteresis_path),
        cmocka_unit_test(failsafe_path),
        cmocka_unit_test(fuse_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
