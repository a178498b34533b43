/* SPDX-License-Identifier: MIT */
/* Settings and actions: the manuals' write examples byte for byte, every
 * out-of-range value refused before a byte is sent, and every setting written
 * to the simulator, read back, and followed (new id, new speed) by the handle. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "support.h"

static meter_t *open_on(struct sim_thread *st, const char *model, int id)
{
    char conn[512], err[256];
    snprintf(conn, sizeof conn, "%s?id=%d&timeout=200", meter_sim_endpoint(st->sim), id);
    meter_t *m = NULL;
    if (meter_open(&m, model, conn, err, sizeof err) != METER_OK)
        fail_msg("open: %s", err);
    return m;
}

static void frame_is(meter_t *m, meter_setting_t s, const char *value, const char *hex)
{
    uint8_t f[64];
    size_t n = 0;
    char got[200] = "";
    int rc = meter_setting_frame(m, s, value, f, sizeof f, &n);
    if (rc != METER_OK)
        fail_msg("%s=%s: %s", meter_setting_name(s), value, meter_last_error(m));
    for (size_t i = 0, k = 0; i < n; i++)
        k += (size_t)snprintf(got + k, sizeof got - k, "%s%02X", i ? " " : "", f[i]);
    if (strcmp(got, hex))
        fail_msg("%s=%s: %s, want %s", meter_setting_name(s), value, got, hex);
}

static void test_manual_write_examples(void **state)
{
    (void)state;
    struct sim_thread st;
    const int ids[] = {1, 0};
    assert_int_equal(sim_thread_start(&st, "pty", "klefr-6934", ids, 1), METER_OK);
    meter_t *m = open_on(&st, "klefr-6934", 1);
    /* seed 000 App. 3, the Write table, CRCs appended */
    frame_is(m, METER_SETTING_ADDRESS, "10", "01 06 40 03 00 0A EC 0D");
    frame_is(m, METER_SETTING_BAUD_RATE, "9600", "01 06 40 04 25 80 C6 FB");
    frame_is(m, METER_SETTING_S0_RATE, "10", "01 10 40 0D 00 02 04 41 20 00 00 16 03");
    frame_is(m, METER_SETTING_CALCULATION_CODE, "10", "01 06 40 0F 00 0A 2C 0E");
    frame_is(m, METER_SETTING_LCD_CYCLE_TIME, "25", "01 06 40 10 00 25 5C 14");
    frame_is(m, METER_SETTING_PARITY, "N", "01 06 40 11 00 02 4D CE");
    frame_is(m, METER_SETTING_TARIFF, "2", "01 06 60 48 00 02 96 1D");
    uint8_t f[64];
    size_t n;
    assert_int_equal(meter_action_frame(m, METER_ACTION_RESET_POWER_DOWN_COUNTER, f, sizeof f, &n), METER_OK);
    assert_int_equal(n, 8);
    assert_memory_equal(f, "\x01\x06\x40\x16\x00\x00\x7D\xCE", 8);
    assert_int_equal(meter_action_frame(m, METER_ACTION_RESET_DAY_COUNTER, f, sizeof f, &n), METER_OK);
    assert_int_equal(n, 13);
    assert_memory_equal(f, "\x01\x10\x60\x49\x00\x02\x04\x00\x00\x00\x00\x9F\xF7", 13);
    meter_stats_t s = METER_STATS_INIT;
    assert_int_equal(meter_get_stats(m, &s), METER_OK);
    assert_int_equal(s.bytes_sent, 0); /* a dry run sends nothing */
    meter_close(m);

    /* KPM31: relay by FC05 (0xFF00 close), clear energy 0x55AA to 0x000C by FC16 */
    sim_thread_stop(&st);
    assert_int_equal(sim_thread_start(&st, "pty", "compere-kpm31", ids, 1), METER_OK);
    m = open_on(&st, "compere-kpm31", 1);
    frame_is(m, METER_SETTING_RELAY, "on", "01 05 00 01 FF 00 DD FA");
    frame_is(m, METER_SETTING_RELAY, "off", "01 05 00 01 00 00 9C 0A");
    frame_is(m, METER_SETTING_BAUD_RATE, "4800", "01 10 00 02 00 01 02 00 03 E7 B3");
    assert_int_equal(meter_action_frame(m, METER_ACTION_CLEAR_ENERGY, f, sizeof f, &n), METER_OK);
    assert_int_equal(n, 11);
    assert_memory_equal(f, "\x01\x10\x00\x0C\x00\x01\x02\x55\xAA\x19\xB3", 11);
    meter_close(m);
    sim_thread_stop(&st);
}

struct bad {
    const char *model;
    meter_setting_t s;
    const char *value;
    int rc;
};

static const struct bad bad[] = {
    {"klefr-6924", METER_SETTING_ADDRESS, "0", METER_ERANGE},
    {"klefr-6924", METER_SETTING_ADDRESS, "248", METER_ERANGE},
    {"klefr-6924", METER_SETTING_ADDRESS, "1.5", METER_ERANGE},
    {"klefr-6924", METER_SETTING_ADDRESS, "ten", METER_ERANGE},
    {"klefr-6924", METER_SETTING_ADDRESS, "", METER_ERANGE},
    {"klefr-6924", METER_SETTING_BAUD_RATE, "300", METER_ERANGE},
    {"klefr-6924", METER_SETTING_BAUD_RATE, "19200", METER_ERANGE},
    {"klefr-6924", METER_SETTING_S0_RATE, "7", METER_ERANGE},
    {"klefr-6924", METER_SETTING_S0_RATE, "0.5", METER_ERANGE},
    {"klefr-6924", METER_SETTING_S0_RATE, "nan", METER_ERANGE},
    {"klefr-6924", METER_SETTING_CALCULATION_CODE, "2", METER_ERANGE},
    {"klefr-6924", METER_SETTING_CALCULATION_CODE, "11", METER_ERANGE}, /* three phase only */
    {"klefr-6934", METER_SETTING_CALCULATION_CODE, "12", METER_ERANGE},
    {"klefr-6924", METER_SETTING_LCD_CYCLE_TIME, "0", METER_ERANGE},
    {"klefr-6924", METER_SETTING_LCD_CYCLE_TIME, "31", METER_ERANGE},
    {"klefr-6924", METER_SETTING_PARITY, "X", METER_ERANGE},
    {"klefr-6924", METER_SETTING_TARIFF, "3", METER_ERANGE},
    {"klefr-6924", METER_SETTING_TARIFF, "0", METER_ERANGE},
    {"klefr-6924", METER_SETTING_PASSWORD, "1234", METER_EUNSUPPORTED},
    {"klefr-6924", METER_SETTING_RELAY, "on", METER_EUNSUPPORTED},
    {"compere-kpm31", METER_SETTING_PASSWORD, "10000", METER_ERANGE},
    {"compere-kpm31", METER_SETTING_PASSWORD, "-1", METER_ERANGE},
    {"compere-kpm31", METER_SETTING_ADDRESS, "0", METER_ERANGE},
    {"compere-kpm31", METER_SETTING_BAUD_RATE, "300", METER_ERANGE},
    {"compere-kpm31", METER_SETTING_RELAY, "maybe", METER_ERANGE},
    {"compere-kpm31", METER_SETTING_TARIFF, "1", METER_EUNSUPPORTED},
};

static void test_bad_values_send_nothing(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct sim_thread st;
        const int ids[] = {1, 0};
        assert_int_equal(sim_thread_start(&st, "pty", bad[i].model, ids, 1), METER_OK);
        meter_t *m = open_on(&st, bad[i].model, 1);
        int rc = meter_write_setting(m, bad[i].s, bad[i].value);
        meter_stats_t s = METER_STATS_INIT;
        assert_int_equal(meter_get_stats(m, &s), METER_OK);
        if (rc != bad[i].rc || s.bytes_sent != 0)
            fail_msg("%s %s=%s: %s after %llu bytes (%s)", bad[i].model, meter_setting_name(bad[i].s),
                     bad[i].value, meter_errname(rc), (unsigned long long)s.bytes_sent,
                     meter_last_error(m));
        if (rc == METER_ERANGE) /* the message names the allowed values */
            assert_non_null(strstr(meter_last_error(m), "allowed:"));
        meter_close(m);
        sim_thread_stop(&st);
    }
    /* actions the model lacks */
    struct sim_thread st;
    const int ids[] = {1, 0};
    assert_int_equal(sim_thread_start(&st, "pty", "klefr-6924", ids, 1), METER_OK);
    meter_t *m = open_on(&st, "klefr-6924", 1);
    assert_int_equal(meter_run_action(m, METER_ACTION_CLEAR_ENERGY), METER_EUNSUPPORTED);
    assert_int_equal(meter_write_setting(m, (meter_setting_t)99, "1"), METER_EINVAL);
    assert_int_equal(meter_write_setting(m, METER_SETTING_TARIFF, NULL), METER_EINVAL);
    meter_close(m);
    sim_thread_stop(&st);
}

static double read_value(meter_t *m, meter_quantity_t q)
{
    meter_reading_t r;
    if (meter_read(m, q, &r) != METER_OK)
        fail_msg("read %s: %s", meter_quantity_info(q)->name, meter_last_error(m));
    return r.value;
}

static void set_ok(meter_t *m, meter_setting_t s, const char *v)
{
    if (meter_write_setting(m, s, v) != METER_OK)
        fail_msg("%s=%s: %s", meter_setting_name(s), v, meter_last_error(m));
}

static void test_klefr_settings_round_trip(void **state)
{
    (void)state;
    char err[256];
    meter_sim_t *sim;
    struct sim_thread st;
    assert_int_equal(meter_sim_new(&sim, "pty", err, sizeof err), METER_OK);
    assert_int_equal(meter_sim_add(sim, "klefr-6934", 1), METER_OK);
    assert_int_equal(meter_sim_add(sim, "klefr-6924", 2), METER_OK);
    meter_sim_set(sim, METER_SIM_FROZEN, 1);
    st.sim = sim;
    assert_int_equal(pthread_create(&st.tid, NULL, sim_thread_main, &st), 0);
    meter_bus_t *bus;
    meter_t *m, *other;
    assert_int_equal(meter_bus_open(&bus, meter_sim_endpoint(sim), err, sizeof err), METER_OK);
    assert_int_equal(meter_open_on_bus(&m, bus, "klefr-6934", "id=1", err, sizeof err), METER_OK);
    assert_int_equal(meter_open_on_bus(&other, bus, "klefr-6924", "id=2", err, sizeof err), METER_OK);
    meter_bus_close(bus);

    set_ok(m, METER_SETTING_S0_RATE, "100");
    assert_true(read_value(m, METER_Q_S0_RATE) == 100);
    set_ok(m, METER_SETTING_S0_RATE, "0.01");
    assert_true(read_value(m, METER_Q_S0_RATE) == 0.01);
    set_ok(m, METER_SETTING_CALCULATION_CODE, "11");
    assert_true(read_value(m, METER_Q_CALCULATION_CODE) == 11);
    set_ok(m, METER_SETTING_LCD_CYCLE_TIME, "25");
    assert_true(read_value(m, METER_Q_LCD_CYCLE_TIME) == 25);
    set_ok(m, METER_SETTING_TARIFF, "2");
    assert_true(read_value(m, METER_Q_TARIFF) == 2);
    set_ok(m, METER_SETTING_TARIFF, "11"); /* T1, not saved: reads back as 1 */
    assert_true(read_value(m, METER_Q_TARIFF) == 1);
    assert_int_equal(meter_run_action(m, METER_ACTION_RESET_DAY_COUNTER), METER_OK);
    assert_true(read_value(m, METER_Q_ENERGY_ACTIVE_DAY_COUNTER) == 0);
    assert_int_equal(meter_run_action(m, METER_ACTION_RESET_POWER_DOWN_COUNTER), METER_OK);
    assert_true(read_value(m, METER_Q_POWER_DOWN_COUNTER) == 0);
    /* settings that move the meter: the same handle follows it */
    set_ok(m, METER_SETTING_PARITY, "N");
    assert_true(read_value(m, METER_Q_PARITY_SETTING) == 2);
    set_ok(m, METER_SETTING_BAUD_RATE, "4800");
    assert_true(read_value(m, METER_Q_BAUD_RATE) == 4800);
    set_ok(m, METER_SETTING_ADDRESS, "10");
    assert_true(read_value(m, METER_Q_DEVICE_ADDRESS) == 10);
    assert_true(read_value(m, METER_Q_VOLTAGE_L1) == 230.1);
    double truth;
    assert_int_equal(meter_sim_value(sim, 10, METER_Q_DEVICE_ADDRESS, &truth), METER_OK);
    assert_int_equal(meter_sim_value(sim, 1, METER_Q_DEVICE_ADDRESS, &truth), METER_ENOTFOUND);
    /* the other meter on the bus is still read over the (reopened) shared port */
    assert_true(read_value(other, METER_Q_VOLTAGE_L1) == 230.2);
    meter_close(m);
    meter_close(other);
    sim_thread_stop(&st);
}

static void test_kpm31_settings_round_trip(void **state)
{
    (void)state;
    struct sim_thread st;
    const int ids[] = {1, 0};
    assert_int_equal(sim_thread_start(&st, "tcp:127.0.0.1:0", "compere-kpm31", ids, 1), METER_OK);
    meter_t *m = open_on(&st, "compere-kpm31", 1);
    set_ok(m, METER_SETTING_PASSWORD, "1234");
    assert_true(read_value(m, METER_Q_PASSWORD) == 1234);
    set_ok(m, METER_SETTING_RELAY, "off");
    assert_true(read_value(m, METER_Q_RELAY) == 0);
    set_ok(m, METER_SETTING_RELAY, "on");
    assert_true(read_value(m, METER_Q_RELAY) == 1);
    set_ok(m, METER_SETTING_BAUD_RATE, "2400");
    assert_true(read_value(m, METER_Q_BAUD_RATE) == 2400);
    assert_true(read_value(m, METER_Q_ENERGY_ACTIVE_TOTAL) > 1000);
    assert_int_equal(meter_run_action(m, METER_ACTION_CLEAR_ENERGY), METER_OK);
    assert_true(read_value(m, METER_Q_ENERGY_ACTIVE_TOTAL) == 0);
    assert_true(read_value(m, METER_Q_ENERGY_ACTIVE_TOTAL_T4) == 0);
    set_ok(m, METER_SETTING_ADDRESS, "5");
    assert_true(read_value(m, METER_Q_DEVICE_ADDRESS) == 5);
    meter_close(m);
    sim_thread_stop(&st);
}

static void test_no_retry_for_moves(void **state)
{
    (void)state;
    struct sim_thread st;
    const int ids[] = {1, 0};
    assert_int_equal(sim_thread_start(&st, "pty", "klefr-6924", ids, 1), METER_OK);
    meter_t *m = open_on(&st, "klefr-6924", 7); /* nobody at id 7 */
    assert_int_equal(meter_set_retries(m, 3), METER_OK);
    assert_int_equal(meter_set_timeout(m, 50), METER_OK);
    assert_int_equal(meter_write_setting(m, METER_SETTING_ADDRESS, "8"), METER_ETIMEDOUT);
    meter_stats_t s = METER_STATS_INIT;
    assert_int_equal(meter_get_stats(m, &s), METER_OK);
    assert_int_equal(s.transactions, 1); /* an address change is never repeated blindly */
    assert_int_equal(meter_write_setting(m, METER_SETTING_TARIFF, "2"), METER_ETIMEDOUT);
    assert_int_equal(meter_get_stats(m, &s), METER_OK);
    assert_int_equal(s.transactions, 1 + 4);
    meter_close(m);
    sim_thread_stop(&st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_manual_write_examples),
        cmocka_unit_test(test_bad_values_send_nothing),
        cmocka_unit_test(test_klefr_settings_round_trip),
        cmocka_unit_test(test_kpm31_settings_round_trip),
        cmocka_unit_test(test_no_retry_for_moves),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
