/* SPDX-License-Identifier: MIT */
/* Modbus RTU over TCP end to end: the simulator serves rtu-tcp: on 127.0.0.1,
 * every Modbus model's whole snapshot matches the simulator's truth in as many
 * requests as on rtu:, a setting is written and read back, the dry-run frame
 * is the RTU frame with its CRC. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "meter/settings.h"
#include "support.h"

static void check_snapshot(meter_sim_t *sim, meter_t *m, const char *model)
{
    size_t need = meter_quantities(m, NULL, 0), n = 0;
    meter_reading_t *r = calloc(need, sizeof *r);
    assert_true(need > 40);
    if (meter_snapshot(m, r, need, &n) != METER_OK)
        fail_msg("%s snapshot: %s", model, meter_last_error(m));
    assert_int_equal(n, need);
    for (size_t i = 0; i < n; i++) {
        const meter_quantity_info_t *qi = meter_quantity_info(r[i].quantity);
        assert_int_equal(r[i].status, METER_OK);
        if (qi->kind == METER_KIND_TEXT) {
            assert_true(strlen(r[i].text) > 0);
            continue;
        }
        double truth;
        assert_int_equal(meter_sim_value(sim, 1, r[i].quantity, &truth), METER_OK);
        if (fabs(r[i].value - truth) > fabs(truth) * 1e-6 + 1e-9)
            fail_msg("%s %s: read %.9g, simulator has %.9g", model, qi->name, r[i].value, truth);
    }
    free(r);
}

static void test_every_model(void **state)
{
    (void)state;
    static const struct {
        const char *model;
        unsigned transactions; /* a snapshot from a fresh handle, as on rtu: and tcp: */
    } models[] = {{"klefr-6924", 3}, {"klefr-6934", 3}, {"compere-kpm31", 7}};
    for (size_t k = 0; k < sizeof models / sizeof models[0]; k++) {
        struct sim_thread st;
        const int ids[] = {1, 0};
        assert_int_equal(sim_thread_start(&st, "rtu-tcp:127.0.0.1:0", models[k].model, ids, 1),
                         METER_OK);
        const char *ep = meter_sim_endpoint(st.sim);
        assert_memory_equal(ep, "rtu-tcp:127.0.0.1:", 18);
        char conn[256], err[256];
        snprintf(conn, sizeof conn, "%s?id=1", ep);
        meter_t *m = NULL;
        if (meter_open(&m, models[k].model, conn, err, sizeof err) != METER_OK)
            fail_msg("open %s: %s", conn, err);
        check_snapshot(st.sim, m, models[k].model);
        meter_stats_t s = METER_STATS_INIT;
        assert_int_equal(meter_get_stats(m, &s), METER_OK);
        assert_int_equal(s.transactions, models[k].transactions);
        assert_int_equal(s.errors, 0);
        meter_close(m);
        sim_thread_stop(&st);
    }
}

static void test_write_and_frame(void **state)
{
    (void)state;
    struct sim_thread st;
    const int ids[] = {1, 0};
    assert_int_equal(sim_thread_start(&st, "rtu-tcp:127.0.0.1:0", "klefr-6934", ids, 1), METER_OK);
    char conn[256], err[256];
    snprintf(conn, sizeof conn, "%s?id=1", meter_sim_endpoint(st.sim));
    meter_t *m = NULL;
    assert_int_equal(meter_open(&m, "klefr-6934", conn, err, sizeof err), METER_OK);
    /* the tariff register 0x6048 by FC06: an RTU frame, CRC low byte first */
    uint8_t f[64];
    size_t n = 0;
    assert_int_equal(meter_setting_frame(m, METER_SETTING_TARIFF, "2", f, sizeof f, &n), METER_OK);
    const uint8_t want[] = {0x01, 0x06, 0x60, 0x48, 0x00, 0x02, 0x96, 0x1D};
    assert_int_equal(n, sizeof want);
    assert_memory_equal(f, want, sizeof want);
    if (meter_write_setting(m, METER_SETTING_TARIFF, "2") != METER_OK)
        fail_msg("write: %s", meter_last_error(m));
    double v;
    assert_int_equal(meter_sim_value(st.sim, 1, METER_Q_TARIFF, &v), METER_OK);
    assert_true(v == 2);
    meter_close(m);
    sim_thread_stop(&st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_model),
        cmocka_unit_test(test_write_and_frame),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
