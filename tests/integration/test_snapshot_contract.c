/* SPDX-License-Identifier: MIT */
/* meter_snapshot()'s contract on every protocol (include/meter/device.h): a
 * buffer of meter_quantities() readings is always enough; a smaller one gives
 * METER_EBUFSIZE — with nothing sent where the count is known beforehand
 * (Modbus), and with the first cap readings where it depends on what the meter
 * sends (M-Bus, IEC 62056-21, SML, pushed DSMR text). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "support.h"

struct proto_case {
    const char *listen, *model;
    int id;
    const char *opts; /* the meter's options in the connection string */
    int count_known; /* the number of readings is known before reading */
};

static void check(const struct proto_case *pc)
{
    struct sim_thread t;
    const int ids[] = {pc->id, 0};
    if (pc->id > 0) {
        assert_int_equal(sim_thread_start(&t, pc->listen, pc->model, ids, 1), METER_OK);
    } else { /* a meter with no address on its line (SML): the model's own */
        assert_int_equal(meter_sim_new(&t.sim, pc->listen, NULL, 0), METER_OK);
        assert_int_equal(meter_sim_add(t.sim, pc->model, -1), METER_OK);
        meter_sim_set(t.sim, METER_SIM_FROZEN, 1);
        assert_int_equal(pthread_create(&t.tid, NULL, sim_thread_main, &t), 0);
    }
    char conn[300], err[256];
    snprintf(conn, sizeof conn, "%s%s", meter_sim_endpoint(t.sim), pc->opts);
    meter_t *m = NULL;
    if (meter_open(&m, pc->model, conn, err, sizeof err) != METER_OK)
        fail_msg("open %s: %s", conn, err);
    size_t need = meter_quantities(m, NULL, 0);
    assert_true(need > 1);
    meter_reading_t *r = calloc(need, sizeof *r);
    size_t n = 99;
    assert_int_equal(meter_snapshot(m, r, need, &n), METER_OK);
    assert_true(n >= 1 && n <= need);

    meter_stats_t before = METER_STATS_INIT, after = METER_STATS_INIT;
    assert_int_equal(meter_get_stats(m, &before), METER_OK);
    memset(r, 0, need * sizeof *r);
    n = 99;
    assert_int_equal(meter_snapshot(m, r, 1, &n), METER_EBUFSIZE);
    assert_int_equal(meter_get_stats(m, &after), METER_OK);
    if (pc->count_known) {
        assert_int_equal(n, 0);
        assert_int_equal(after.transactions, before.transactions); /* nothing sent */
    } else {
        assert_int_equal(n, 1);
        assert_int_equal(r[0].status, METER_OK);
        assert_true(after.transactions > before.transactions);
    }
    assert_int_equal(r[1].quantity, 0); /* nothing written past cap */
    assert_int_equal(r[1].status, 0);
    free(r);
    meter_close(m);
    sim_thread_stop(&t);
}

static void test_modbus(void **state)
{
    (void)state;
    const struct proto_case pc = {"tcp:127.0.0.1:0", "klefr-6934", 1, "?id=1", 1};
    check(&pc);
}

static void test_mbus(void **state)
{
    (void)state;
    const struct proto_case pc = {"pty", "klefr-6923", 1, "?addr=1", 0};
    check(&pc);
}

static void test_iec(void **state)
{
    (void)state;
    const struct proto_case pc = {"pty", "klefr-6921", 1, "", 0};
    check(&pc);
}

static void test_sml(void **state)
{
    (void)state;
    const struct proto_case pc = {"pty", "sml", -1, "", 0};
    check(&pc);
}

static void test_dsmr(void **state)
{
    (void)state;
    const struct proto_case pc = {"tcp:127.0.0.1:0", "dsmr", 1, "", 0};
    check(&pc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_modbus),
        cmocka_unit_test(test_mbus),
        cmocka_unit_test(test_iec),
        cmocka_unit_test(test_sml),
        cmocka_unit_test(test_dsmr),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
