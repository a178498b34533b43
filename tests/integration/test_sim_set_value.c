/* SPDX-License-Identifier: MIT */
/* meter_sim_set_value(): a scripted change of a phase current reaches a
 * client over TCP with the powers derived again (P = U·I·PF); derived, text
 * and unknown quantities are refused and leave the meter as it was. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "support.h"

static double read_q(meter_t *m, meter_quantity_t q)
{
    meter_reading_t r;
    int rc = meter_read(m, q, &r);
    if (rc != METER_OK)
        fail_msg("read %s: %s", meter_quantity_info(q)->name, meter_last_error(m));
    return r.value;
}

static meter_t *open_on(const struct sim_thread *st, const char *model)
{
    char conn[300], err[256];
    snprintf(conn, sizeof conn, "%s?id=1", meter_sim_endpoint(st->sim));
    meter_t *m = NULL;
    if (meter_open(&m, model, conn, err, sizeof err) != METER_OK)
        fail_msg("open: %s", err);
    return m;
}

static void three_phase(void **state)
{
    (void)state;
    struct sim_thread st;
    const int ids[] = {1, 0};
    assert_int_equal(sim_thread_start(&st, "tcp:127.0.0.1:0", "klefr-6934", ids, 1), METER_OK);
    meter_t *m = open_on(&st, "klefr-6934");
    double u = read_q(m, METER_Q_VOLTAGE_L2), pf = read_q(m, METER_Q_POWER_FACTOR_L2);

    /* the simulator serves in its own thread while this one changes the load */
    assert_int_equal(meter_sim_set_value(st.sim, 1, METER_Q_CURRENT_L2, 24.5), METER_OK);
    assert_float_equal(read_q(m, METER_Q_CURRENT_L2), 24.5, 1e-5);
    assert_float_equal(read_q(m, METER_Q_ACTIVE_POWER_L2), u * 24.5 * pf, 0.01);
    double truth;
    assert_int_equal(meter_sim_value(st.sim, 1, METER_Q_CURRENT, &truth), METER_OK);
    assert_float_equal(truth, 5.2 + 24.5 + 7.4, 1e-9); /* the sum follows */

    /* derived, text, absent: refused, nothing changed */
    double before;
    assert_int_equal(meter_sim_value(st.sim, 1, METER_Q_ACTIVE_POWER, &before), METER_OK);
    assert_int_equal(meter_sim_set_value(st.sim, 1, METER_Q_ACTIVE_POWER, 1.0), METER_EUNSUPPORTED);
    assert_int_equal(meter_sim_set_value(st.sim, 1, METER_Q_CURRENT, 1.0), METER_EUNSUPPORTED);
    assert_int_equal(meter_sim_value(st.sim, 1, METER_Q_ACTIVE_POWER, &truth), METER_OK);
    assert_float_equal(truth, before, 0);
    assert_int_equal(meter_sim_set_value(st.sim, 1, METER_Q_SERIAL_NUMBER, 1.0), METER_EUNSUPPORTED);
    assert_int_equal(meter_sim_set_value(st.sim, 9, METER_Q_CURRENT_L1, 1.0), METER_ENOTFOUND);
    assert_int_equal(meter_sim_set_value(st.sim, 1, METER_Q_RELAY, 1.0), METER_EQUANTITY);
    assert_int_equal(meter_sim_set_value(st.sim, 1, METER_Q_CURRENT_L1, NAN), METER_ERANGE);
    assert_int_equal(meter_sim_set_value(NULL, 1, METER_Q_CURRENT_L1, 1.0), METER_EINVAL);

    /* a stored value: a tariff register; its total follows */
    assert_int_equal(meter_sim_set_value(st.sim, 1, METER_Q_ENERGY_ACTIVE_IMPORT_T1, 100.0), METER_OK);
    assert_int_equal(meter_sim_value(st.sim, 1, METER_Q_ENERGY_ACTIVE_IMPORT, &truth), METER_OK);
    assert_float_equal(truth, 100.0 + 4000.25, 1e-9);
    meter_close(m);
    sim_thread_stop(&st);
}

static void single_phase(void **state)
{
    (void)state;
    struct sim_thread st;
    const int ids[] = {1, 0};
    assert_int_equal(sim_thread_start(&st, "pty", "klefr-6924", ids, 1), METER_OK);
    meter_t *m = open_on(&st, "klefr-6924");
    /* "current" of a single-phase meter is phase L1's */
    assert_int_equal(meter_sim_set_value(st.sim, 1, METER_Q_CURRENT, 31.0), METER_OK);
    assert_float_equal(read_q(m, METER_Q_CURRENT_L1), 31.0, 1e-5);
    assert_float_equal(read_q(m, METER_Q_CURRENT), 31.0, 1e-5);
    assert_int_equal(meter_sim_set_value(st.sim, 1, METER_Q_CURRENT_L2, 1.0), METER_EQUANTITY);
    meter_close(m);
    sim_thread_stop(&st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(three_phase),
        cmocka_unit_test(single_phase),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
