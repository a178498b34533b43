/* SPDX-License-Identifier: MIT */
/* End to end over a real pseudo-terminal and a real TCP socket on 127.0.0.1:
 * every quantity of every Modbus model read from the simulator, several
 * meters on one shared pty, the fallback to shorter reads, timeouts. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "support.h"

static meter_t *open_meter(const char *model, const char *endpoint, const char *opts)
{
    char conn[512], err[256];
    snprintf(conn, sizeof conn, "%s?%s", endpoint, opts);
    meter_t *m = NULL;
    int rc = meter_open(&m, model, conn, err, sizeof err);
    if (rc != METER_OK)
        fail_msg("open %s %s: %s", model, conn, err);
    return m;
}

/* read a whole snapshot and check every value against the simulator's truth */
static void check_snapshot(meter_sim_t *sim, meter_t *m, int id, const char *model)
{
    size_t need = meter_quantities(m, NULL, 0), n = 0;
    meter_reading_t *r = calloc(need, sizeof *r);
    assert_true(need > 40);
    int rc = meter_snapshot(m, r, need, &n);
    if (rc != METER_OK)
        fail_msg("%s snapshot: %s", model, meter_last_error(m));
    assert_int_equal(n, need);
    for (size_t i = 0; i < n; i++) {
        const meter_quantity_info_t *qi = meter_quantity_info(r[i].quantity);
        assert_int_equal(r[i].status, METER_OK);
        assert_int_equal(r[i].unit, qi->unit);
        if (qi->kind == METER_KIND_TEXT) {
            assert_true(strlen(r[i].text) > 0);
            continue;
        }
        double truth;
        assert_int_equal(meter_sim_value(sim, id, r[i].quantity, &truth), METER_OK);
        double tol = fabs(truth) * 1e-6 + 1e-9; /* float32 on the wire */
        if (fabs(r[i].value - truth) > tol)
            fail_msg("%s %s: read %.9g, simulator has %.9g", model, qi->name, r[i].value, truth);
    }
    free(r);
}

static void want_value(meter_t *m, meter_quantity_t q, double want)
{
    meter_reading_t r;
    int rc = meter_read(m, q, &r);
    if (rc != METER_OK)
        fail_msg("read %s: %s", meter_quantity_info(q)->name, meter_last_error(m));
    if (r.value != want)
        fail_msg("%s: %.17g, want %.17g", meter_quantity_info(q)->name, r.value, want);
}

static void want_text(meter_t *m, meter_quantity_t q, const char *want)
{
    meter_reading_t r;
    assert_int_equal(meter_read(m, q, &r), METER_OK);
    assert_string_equal(r.text, want);
}

static void every_model(const char *listen)
{
    static const struct {
        const char *model;
        unsigned transactions; /* a snapshot from a fresh handle */
    } models[] = {{"klefr-6924", 3}, {"klefr-6934", 3}, {"compere-kpm31", 7}};
    for (size_t k = 0; k < sizeof models / sizeof models[0]; k++) {
        struct sim_thread st;
        const int ids[] = {1, 0};
        assert_int_equal(sim_thread_start(&st, listen, models[k].model, ids, 1), METER_OK);
        meter_t *m = open_meter(models[k].model, meter_sim_endpoint(st.sim), "id=1");
        check_snapshot(st.sim, m, 1, models[k].model);
        meter_stats_t s = METER_STATS_INIT;
        assert_int_equal(meter_get_stats(m, &s), METER_OK);
        assert_int_equal(s.transactions, models[k].transactions);
        assert_int_equal(s.errors, 0);
        /* literal values, not only the simulator's word */
        /* the three-phase meter's summary voltage is the mean of its phases */
        want_value(m, METER_Q_VOLTAGE, strcmp(models[k].model, "klefr-6934") ? 230.1 : 230.36667);
        want_value(m, METER_Q_FREQUENCY, 50.0);
        if (strncmp(models[k].model, "klefr", 5) == 0) {
            want_value(m, METER_Q_VOLTAGE_L1, 230.1);
            want_value(m, METER_Q_POWER_FACTOR, models[k].model[8] == '2' ? 0.95 : 0.9543393);
            want_value(m, METER_Q_LCD_CYCLE_TIME, 10);
            want_value(m, METER_Q_DEVICE_ADDRESS, 1);
            want_value(m, METER_Q_ENERGY_ACTIVE_EXPORT_T1, 200.5);
            want_text(m, METER_Q_SERIAL_NUMBER, "13070001");
            want_text(m, METER_Q_CURRENT_DIRECTION, "F");
            want_text(m, METER_Q_FIRMWARE_CHECKSUM, "1A2B3C4D");
            /* P = U·I·PF on L1: 230.1 · 5.2 · 0.95 = 1136.6940 W (float32 of kW) */
            meter_reading_t p;
            assert_int_equal(meter_read(m, METER_Q_ACTIVE_POWER, &p), METER_OK);
            if (models[k].model[8] == '2')
                assert_true(fabs(p.value - 230.1 * 5.2 * 0.95) < 1e-3);
        } else {
            want_value(m, METER_Q_RELAY, 1);
            want_value(m, METER_Q_BAUD_RATE, 9600);
            want_value(m, METER_Q_PASSWORD, 6666);
            want_value(m, METER_Q_ENERGY_ACTIVE_TOTAL_T3, 2100.5);
        }
        meter_close(m);
        sim_thread_stop(&st);
    }
}

static void test_every_model_over_pty(void **state)
{
    (void)state;
    every_model("pty");
}

static void test_every_model_over_tcp(void **state)
{
    (void)state;
    every_model("tcp:127.0.0.1:0");
}

static void test_two_meters_one_shared_pty(void **state)
{
    (void)state;
    char err[256];
    meter_sim_t *sim;
    struct sim_thread st;
    assert_int_equal(meter_sim_new(&sim, "pty", err, sizeof err), METER_OK);
    assert_int_equal(meter_sim_add(sim, "klefr-6924", 1), METER_OK);
    assert_int_equal(meter_sim_add(sim, "klefr-6934", 2), METER_OK);
    assert_int_equal(meter_sim_add(sim, "klefr-6934", 2), METER_EBUSY);
    assert_int_equal(meter_sim_add(sim, "nope", 3), METER_EMODEL);
    assert_int_equal(meter_sim_add(sim, "klefr-6924", 248), METER_ERANGE);
    meter_sim_set(sim, METER_SIM_FROZEN, 1);
    st.sim = sim;
    assert_int_equal(pthread_create(&st.tid, NULL, sim_thread_main, &st), 0);

    meter_bus_t *bus;
    assert_int_equal(meter_bus_open(&bus, meter_sim_endpoint(sim), err, sizeof err), METER_OK);
    meter_t *a, *b, *c;
    assert_int_equal(meter_open_on_bus(&a, bus, "klefr-6924", "id=1", err, sizeof err), METER_OK);
    assert_int_equal(meter_open_on_bus(&b, bus, "pro380-mod", "id=2&timeout=700", err, sizeof err),
                     METER_OK);
    assert_int_equal(meter_open_on_bus(&c, bus, "klefr-6924", "baud=2400", err, sizeof err),
                     METER_EOPTION);
    assert_null(c);
    meter_bus_close(bus); /* the meters keep the bus open */
    want_value(a, METER_Q_VOLTAGE_L1, 230.1);
    want_value(b, METER_Q_VOLTAGE_L1, 230.2);
    want_text(a, METER_Q_SERIAL_NUMBER, "13070001");
    want_text(b, METER_Q_SERIAL_NUMBER, "13070002");
    check_snapshot(sim, a, 1, "klefr-6924");
    check_snapshot(sim, b, 2, "klefr-6934");
    meter_close(a);
    want_value(b, METER_Q_DEVICE_ADDRESS, 2);
    meter_close(b);
    sim_thread_stop(&st);
}

static void test_fallback_to_shorter_reads(void **state)
{
    (void)state;
    struct sim_thread st;
    const int ids[] = {1, 0};
    assert_int_equal(sim_thread_start(&st, "pty", "klefr-6934", ids, 1), METER_OK);
    meter_sim_set(st.sim, METER_SIM_MAX_REGISTERS, 40); /* refuses longer reads: exception 03 */
    meter_t *m = open_meter("klefr-6934", meter_sim_endpoint(st.sim), "id=1");
    check_snapshot(st.sim, m, 1, "klefr-6934");
    meter_stats_t s = METER_STATS_INIT;
    assert_int_equal(meter_get_stats(m, &s), METER_OK);
    assert_int_equal(s.max_registers, 25); /* 50 refused, halved */
    assert_int_equal(s.errors, 1);
    uint64_t before = s.transactions;
    check_snapshot(st.sim, m, 1, "klefr-6934"); /* the handle remembers the limit */
    assert_int_equal(meter_get_stats(m, &s), METER_OK);
    assert_int_equal(s.errors, 1);
    assert_int_equal(s.transactions - before, 2 + 3 + 4); /* 25-register reads, floats whole */
    meter_close(m);
    sim_thread_stop(&st);
}

static void test_fallback_when_holes_refused(void **state)
{
    (void)state;
    struct sim_thread st;
    const int ids[] = {4, 0};
    assert_int_equal(sim_thread_start(&st, "tcp:127.0.0.1:0", "klefr-6924", ids, 1), METER_OK);
    meter_sim_set(st.sim, METER_SIM_STRICT_HOLES, 1); /* exception 02 over the '*' registers */
    meter_t *m = open_meter("klefr-6924", meter_sim_endpoint(st.sim), "id=4");
    check_snapshot(st.sim, m, 4, "klefr-6924");
    meter_stats_t s = METER_STATS_INIT;
    assert_int_equal(meter_get_stats(m, &s), METER_OK);
    uint64_t before = s.transactions, errors = s.errors;
    assert_true(errors >= 1);
    check_snapshot(st.sim, m, 4, "klefr-6924");
    assert_int_equal(meter_get_stats(m, &s), METER_OK);
    assert_int_equal(s.errors, errors);
    assert_int_equal(s.transactions - before, 17); /* mapped runs only */
    meter_close(m);
    sim_thread_stop(&st);
}

static void test_timeout_and_unknown_quantity(void **state)
{
    (void)state;
    struct sim_thread st;
    const int ids[] = {1, 0};
    assert_int_equal(sim_thread_start(&st, "pty", "klefr-6924", ids, 1), METER_OK);
    meter_t *m = open_meter("klefr-6924", meter_sim_endpoint(st.sim), "id=9&timeout=50&retries=1");
    meter_reading_t r;
    assert_int_equal(meter_read(m, METER_Q_VOLTAGE, &r), METER_ETIMEDOUT);
    assert_int_equal(r.status, METER_ETIMEDOUT);
    assert_non_null(strstr(meter_last_error(m), "no reply"));
    meter_stats_t s = METER_STATS_INIT;
    assert_int_equal(meter_get_stats(m, &s), METER_OK);
    assert_int_equal(s.transactions, 2); /* one retry */
    assert_int_equal(s.retries, 1);
    meter_close(m);

    m = open_meter("klefr-6924", meter_sim_endpoint(st.sim), "id=1");
    /* a quantity the model does not have fails alone, without bus traffic */
    meter_quantity_t qs[] = {METER_Q_VOLTAGE_L3, METER_Q_VOLTAGE_L1};
    meter_reading_t rr[2];
    assert_int_equal(meter_read_list(m, qs, 2, rr), METER_EQUANTITY);
    assert_int_equal(rr[0].status, METER_EQUANTITY);
    assert_int_equal(rr[1].status, METER_OK);
    assert_true(rr[1].value == 230.1);
    assert_int_equal(meter_get_stats(m, &s), METER_OK);
    assert_int_equal(s.transactions, 1);
    size_t n;
    assert_int_equal(meter_snapshot(m, rr, 2, &n), METER_EBUFSIZE);
    assert_int_equal(meter_set_timeout(m, 0), METER_ERANGE);
    assert_int_equal(meter_set_retries(m, 11), METER_ERANGE);
    assert_int_equal(meter_set_timeout(m, 300), METER_OK);
    assert_int_equal(meter_read(m, (meter_quantity_t)9999, &r), METER_EQUANTITY);
    meter_close(m);
    sim_thread_stop(&st);
}

struct log_capture {
    char lines[8][256];
    int n;
};

static void capture(meter_log_level_t level, const char *msg, void *ud)
{
    struct log_capture *c = ud;
    if (level == METER_LOG_DEBUG && c->n < 8)
        snprintf(c->lines[c->n++], sizeof c->lines[0], "%s", msg);
}

static void test_log_shows_exact_frames(void **state)
{
    (void)state;
    struct sim_thread st;
    const int ids[] = {1, 0};
    assert_int_equal(sim_thread_start(&st, "pty", "klefr-6934", ids, 1), METER_OK);
    meter_t *m = open_meter("klefr-6934", meter_sim_endpoint(st.sim), "id=1");
    struct log_capture c = {.n = 0};
    meter_reading_t r;
    assert_int_equal(meter_read(m, METER_Q_VOLTAGE_L1, &r), METER_OK); /* silent by default */
    meter_set_log(m, capture, &c);
    assert_int_equal(meter_read(m, METER_Q_VOLTAGE_L1, &r), METER_OK);
    assert_true(c.n >= 1);
    /* FC03, 0x5002, 2 registers, CRC 74 CB */
    assert_string_equal(c.lines[0], "tx 01 03 50 02 00 02 74 CB");
    meter_close(m);
    sim_thread_stop(&st);
}

static void test_energies_grow(void **state)
{
    (void)state;
    struct sim_thread st;
    const int ids[] = {1, 0};
    assert_int_equal(sim_thread_start(&st, "tcp:127.0.0.1:0", "klefr-6934", ids, 0), METER_OK);
    meter_t *m = open_meter("klefr-6934", meter_sim_endpoint(st.sim), "id=1");
    meter_reading_t a, b;
    assert_int_equal(meter_read(m, METER_Q_ENERGY_ACTIVE_IMPORT, &a), METER_OK);
    /* many reads: time passes on the simulator's clock, never by sleeping */
    for (int i = 0; i < 200; i++)
        assert_int_equal(meter_read(m, METER_Q_ENERGY_ACTIVE_IMPORT, &b), METER_OK);
    assert_true(b.value >= a.value);
    double truth;
    assert_int_equal(meter_sim_value(st.sim, 1, METER_Q_ENERGY_ACTIVE_IMPORT, &truth), METER_OK);
    assert_true(truth > 12345.0);
    meter_close(m);
    sim_thread_stop(&st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_model_over_pty),
        cmocka_unit_test(test_every_model_over_tcp),
        cmocka_unit_test(test_two_meters_one_shared_pty),
        cmocka_unit_test(test_fallback_to_shorter_reads),
        cmocka_unit_test(test_fallback_when_holes_refused),
        cmocka_unit_test(test_timeout_and_unknown_quantity),
        cmocka_unit_test(test_log_shows_exact_frames),
        cmocka_unit_test(test_energies_grow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
