/* SPDX-License-Identifier: MIT */
/* M-Bus end to end against the simulator: the KLEFR 6923 manual's telegram
 * through the driver, its write table byte for byte, every setting round trip
 * (the handle following address, secondary address and baud), multi-telegram
 * reads, primary and secondary scans with collisions, mbus-tcp, and heat,
 * water and gas meters as catalogue quantities. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sim/sim_internal.h"
#include "support.h"

#define KLEFR_FRAME                                                                          \
    "68 4B 4B 68 08 00 72 00 00 00 00 25 CD 01 02 02 00 00 00 0C 04 14 48 60 01 8C 10 04 23 " \
    "80 35 00 8C 20 04 91 67 24 01 1C 04 46 13 69 00 9C 10 04 56 34 12 00 9C 20 04 90 78 56 " \
    "00 2C 04 68 34 91 00 AC 10 04 67 45 23 00 AC 20 04 01 89 67 00 7C 16"

struct model_at {
    const char *model;
    int address;
};

/* Meters that a test keeps open together share one bus, as on a real line: a
 * serial port is taken by one handle (or one shared bus) at a time. */
static meter_bus_t *shared_bus;
static const meter_sim_t *shared_sim;

static void release_shared(void)
{
    meter_bus_close(shared_bus); /* the bus lives on while its meters do */
    shared_bus = NULL;
    shared_sim = NULL;
}

/* a simulator on @listen with the meters listed (address -1: the model's default) */
static void start(struct sim_thread *t, const char *listen, const struct model_at *ms, size_t n,
                  int frozen)
{
    char err[256];
    release_shared(); /* a new simulator may get the last one's pty name (or address) */
    if (meter_sim_new(&t->sim, listen, err, sizeof err) != METER_OK)
        fail_msg("sim: %s", err);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(meter_sim_add(t->sim, ms[i].model, ms[i].address), METER_OK);
    meter_sim_set(t->sim, METER_SIM_FROZEN, frozen);
    assert_int_equal(pthread_create(&t->tid, NULL, sim_thread_main, t), 0);
}

static meter_t *open_m(struct sim_thread *t, const char *model, const char *opts)
{
    char conn[512], err[256];
    meter_t *m = NULL;
    if (strstr(opts, "baud=") || strncmp(meter_sim_endpoint(t->sim), "mbus-tcp:", 9) == 0) {
        /* a line option, or a TCP gateway (a connection each): a bus of its own */
        snprintf(conn, sizeof conn, "%s%s%s", meter_sim_endpoint(t->sim), *opts ? "?" : "", opts);
        if (meter_open(&m, model, conn, err, sizeof err) != METER_OK)
            fail_msg("open %s: %s", conn, err);
        return m;
    }
    if (shared_sim != t->sim) {
        /* the line at the first model's speed, as meter_open() would open it */
        release_shared();
        const meter_model_info_t *mi = meter_model_find(model);
        snprintf(conn, sizeof conn, "%s?baud=%d", meter_sim_endpoint(t->sim),
                 mi ? atoi(mi->defaults) : 2400);
        if (meter_bus_open(&shared_bus, conn, err, sizeof err) != METER_OK)
            fail_msg("bus %s: %s", conn, err);
        shared_sim = t->sim;
    }
    if (meter_open_on_bus(&m, shared_bus, model, opts, err, sizeof err) != METER_OK)
        fail_msg("open %s on %s: %s", model, meter_sim_endpoint(t->sim), err);
    return m;
}

/* the received frames, as the debug log shows them */
struct trace {
    char recv[8][800];
    int n;
};

static void on_log(meter_log_level_t level, const char *msg, void *ud)
{
    struct trace *t = ud;
    (void)level;
    const char *p = strstr(msg, "mbus recv ");
    if (p && t->n < 8)
        snprintf(t->recv[t->n++], sizeof t->recv[0], "%s", p + 10);
}

static const struct {
    meter_quantity_t q;
    double kwh;
} manual_values[] = {
    {METER_Q_ENERGY_ACTIVE_TOTAL, 16048.14},    {METER_Q_ENERGY_ACTIVE_TOTAL_T1, 3580.23},
    {METER_Q_ENERGY_ACTIVE_TOTAL_T2, 12467.91}, {METER_Q_ENERGY_ACTIVE_IMPORT, 6913.46},
    {METER_Q_ENERGY_ACTIVE_IMPORT_T1, 1234.56}, {METER_Q_ENERGY_ACTIVE_IMPORT_T2, 5678.90},
    {METER_Q_ENERGY_ACTIVE_EXPORT, 9134.68},    {METER_Q_ENERGY_ACTIVE_EXPORT_T1, 2345.67},
    {METER_Q_ENERGY_ACTIVE_EXPORT_T2, 6789.01},
};

static void check_manual_values(meter_t *m)
{
    meter_reading_t r[16];
    size_t n = 0;
    if (meter_snapshot(m, r, 16, &n) != METER_OK)
        fail_msg("snapshot: %s", meter_last_error(m));
    assert_int_equal(n, 9);
    for (size_t i = 0; i < 9; i++) {
        meter_reading_t one;
        assert_int_equal(meter_read(m, manual_values[i].q, &one), METER_OK);
        assert_int_equal(one.unit, METER_UNIT_KWH);
        assert_true(one.value == manual_values[i].kwh); /* exact: 1604814 · 10 Wh / 1000 */
    }
}

/* The manual's REQ_UD2 example: the simulated meter sends it byte for byte, and
 * the klefr-6923 driver makes the nine energies of it. */
static void test_klefr_manual_telegram(void **state)
{
    (void)state;
    struct sim_thread st;
    const struct model_at ms[] = {{"klefr-6923", -1}};
    start(&st, "pty", ms, 1, 1);
    meter_t *m = open_m(&st, "pro1-mb", "");
    struct trace tr = {.n = 0};
    meter_set_log(m, on_log, &tr);
    meter_reading_t r;
    assert_int_equal(meter_read(m, METER_Q_ENERGY_ACTIVE_TOTAL, &r), METER_OK);
    assert_int_equal(tr.n, 2); /* E5 to SND_NKE, then the telegram */
    assert_string_equal(tr.recv[0], "E5");
    assert_string_equal(tr.recv[1], KLEFR_FRAME);
    check_manual_values(m);
    /* a quantity the meter does not send */
    assert_int_equal(meter_read(m, METER_Q_VOLTAGE, &r), METER_EQUANTITY);
    meter_close(m);
    sim_thread_stop(&st);
}

static void frame_is(meter_t *m, meter_setting_t s, const char *value, const char *hex)
{
    uint8_t f[300];
    size_t n = 0;
    char got[900] = "";
    if (meter_setting_frame(m, s, value, f, sizeof f, &n) != METER_OK)
        fail_msg("%s=%s: %s", meter_setting_name(s), value, meter_last_error(m));
    for (size_t i = 0, k = 0; i < n; i++)
        k += (size_t)snprintf(got + k, sizeof got - k, "%s%02X", i ? " " : "", f[i]);
    if (strcmp(got, hex))
        fail_msg("%s=%s: %s, want %s", meter_setting_name(s), value, got, hex);
}

static void action_is(meter_t *m, meter_action_t a, const char *hex)
{
    uint8_t f[300];
    size_t n = 0;
    char got[900] = "";
    assert_int_equal(meter_action_frame(m, a, f, sizeof f, &n), METER_OK);
    for (size_t i = 0, k = 0; i < n; i++)
        k += (size_t)snprintf(got + k, sizeof got - k, "%s%02X", i ? " " : "", f[i]);
    assert_string_equal(got, hex);
}

/* seed-notes: the M-Bus write table, C = 53, A = 0, checksums and stop byte added */
static void test_klefr_write_frames(void **state)
{
    (void)state;
    struct sim_thread st;
    const struct model_at ms[] = {{"klefr-6923", -1}};
    start(&st, "pty", ms, 1, 1);
    meter_t *m = open_m(&st, "klefr-6923", "");
    frame_is(m, METER_SETTING_BAUD_RATE, "9600", "68 03 03 68 53 00 BD 10 16");
    frame_is(m, METER_SETTING_BAUD_RATE, "2400", "68 03 03 68 53 00 BB 0E 16");
    frame_is(m, METER_SETTING_ADDRESS, "10", "68 06 06 68 53 00 51 01 7A 0A 29 16");
    frame_is(m, METER_SETTING_SECONDARY_ADDRESS, "12345678",
             "68 09 09 68 53 00 51 0C 79 78 56 34 12 3D 16");
    frame_is(m, METER_SETTING_TARIFF, "2", "68 08 08 68 53 00 51 09 7C 01 54 02 80 16");
    frame_is(m, METER_SETTING_CALCULATION_CODE, "10", "68 07 07 68 53 00 51 09 FD 3A 10 F4 16");
    frame_is(m, METER_SETTING_S0_RATE, "100", "68 0A 0A 68 53 00 51 0C FD 3A 00 00 01 00 E8 16");
    frame_is(m, METER_SETTING_S0_RATE, "0.01", "68 0A 0A 68 53 00 51 0C FD 3A 01 00 00 00 E8 16");
    action_is(m, METER_ACTION_RESET_DAY_COUNTER, "68 09 09 68 53 00 51 0C 04 00 00 00 00 B4 16");
    action_is(m, METER_ACTION_RESET_POWER_DOWN_COUNTER, "68 08 08 68 53 00 51 0A FD 60 00 00 0B 16");

    /* out of range: refused before a byte is sent */
    static const struct {
        meter_setting_t s;
        const char *v;
    } bad[] = {
        {METER_SETTING_BAUD_RATE, "19200"}, {METER_SETTING_BAUD_RATE, "1000"},
        {METER_SETTING_ADDRESS, "251"},      {METER_SETTING_ADDRESS, "-1"},
        {METER_SETTING_ADDRESS, "2.5"},      {METER_SETTING_SECONDARY_ADDRESS, "1234567"},
        {METER_SETTING_SECONDARY_ADDRESS, "1234567A"}, {METER_SETTING_TARIFF, "3"},
        {METER_SETTING_TARIFF, "11"},        {METER_SETTING_CALCULATION_CODE, "2"},
        {METER_SETTING_CALCULATION_CODE, "11"}, {METER_SETTING_S0_RATE, "500"},
        {METER_SETTING_S0_RATE, "0.001"},    {METER_SETTING_S0_RATE, "x"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (meter_write_setting(m, bad[i].s, bad[i].v) != METER_ERANGE)
            fail_msg("%s=%s was not refused", meter_setting_name(bad[i].s), bad[i].v);
        assert_non_null(strstr(meter_last_error(m), "allowed"));
    }
    assert_int_equal(meter_write_setting(m, METER_SETTING_PARITY, "E"), METER_EUNSUPPORTED);
    assert_int_equal(meter_write_setting(m, METER_SETTING_LCD_CYCLE_TIME, "10"), METER_EUNSUPPORTED);
    meter_stats_t stats = METER_STATS_INIT;
    assert_int_equal(meter_get_stats(m, &stats), METER_OK);
    assert_int_equal(stats.bytes_sent, 0);
    meter_close(m);
    sim_thread_stop(&st);
}

/* Every setting written, checked in the simulated meter, and the handle follows. */
static void test_klefr_settings_round_trip(void **state)
{
    (void)state;
    struct sim_thread st;
    const struct model_at ms[] = {{"klefr-6923", -1}};
    start(&st, "pty", ms, 1, 1);
    meter_t *m = open_m(&st, "klefr-6923", "timeout=300");
    struct mtr_sim_meter *sm = &st.sim->meters[0];
    meter_reading_t r;
    assert_int_equal(meter_read(m, METER_Q_ENERGY_ACTIVE_TOTAL, &r), METER_OK);

    assert_int_equal(meter_write_setting(m, METER_SETTING_TARIFF, "2"), METER_OK);
    assert_true(sm->v[METER_Q_TARIFF] == 2);
    assert_int_equal(meter_write_setting(m, METER_SETTING_CALCULATION_CODE, "9"), METER_OK);
    assert_true(sm->v[METER_Q_CALCULATION_CODE] == 9);
    assert_int_equal(meter_write_setting(m, METER_SETTING_S0_RATE, "0.1"), METER_OK);
    assert_true(sm->v[METER_Q_S0_RATE] == 0.1);
    assert_int_equal(meter_write_setting(m, METER_SETTING_S0_RATE, "10000"), METER_OK);
    assert_true(sm->v[METER_Q_S0_RATE] == 10000);
    assert_int_equal(meter_run_action(m, METER_ACTION_RESET_DAY_COUNTER), METER_OK);
    assert_true(sm->v[METER_Q_ENERGY_ACTIVE_DAY_COUNTER] == 0);
    assert_int_equal(meter_run_action(m, METER_ACTION_RESET_POWER_DOWN_COUNTER), METER_OK);
    assert_true(sm->v[METER_Q_POWER_DOWN_COUNTER] == 0);

    /* address: the meter moves, the handle follows, the next read works */
    assert_int_equal(meter_write_setting(m, METER_SETTING_ADDRESS, "17"), METER_OK);
    assert_int_equal(sm->address, 17);
    check_manual_values(m);
    /* secondary address: read back from the telegram's header */
    assert_int_equal(meter_write_setting(m, METER_SETTING_SECONDARY_ADDRESS, "87654321"), METER_OK);
    meter_t *by_sec = open_m(&st, "klefr-6923", "secondary=87654321&timeout=300");
    check_manual_values(by_sec);
    /* and through the selection, the secondary address changes again: the handle follows */
    assert_int_equal(meter_write_setting(by_sec, METER_SETTING_SECONDARY_ADDRESS, "11223344"), METER_OK);
    check_manual_values(by_sec);
    meter_close(by_sec);

    /* baud: E5 at the old speed, then both sides at the new one */
    assert_int_equal(meter_write_setting(m, METER_SETTING_BAUD_RATE, "2400"), METER_OK);
    assert_true(sm->v[METER_Q_BAUD_RATE] == 2400);
    check_manual_values(m);
    /* the simulated meter answers only at its speed: the read above was at 2400 */
    assert_int_equal(meter_write_setting(m, METER_SETTING_BAUD_RATE, "9600"), METER_OK);
    check_manual_values(m);
    meter_close(m);
    sim_thread_stop(&st);
}

struct scan_log {
    meter_scan_result_t r[16];
    int n;
};

static int on_found(const meter_scan_result_t *r, void *ud)
{
    struct scan_log *l = ud;
    if (l->n < 16)
        l->r[l->n++] = *r;
    return 0;
}

static int has(const struct scan_log *l, int primary, const char *secondary, const char *model)
{
    for (int i = 0; i < l->n; i++)
        if (l->r[i].primary == primary && !strcmp(l->r[i].secondary, secondary) &&
            !strcmp(l->r[i].model, model) && l->r[i].status == METER_OK)
            return 1;
    return 0;
}

/* a bus with a KLEFR 6923, a heat meter and four water meters (two share their id) */
static const struct model_at bus[] = {
    {"sim-mbus-water", 1}, {"sim-mbus-water", 2}, {"sim-mbus-water", 3},
    {"sim-mbus-water", 51}, {"sim-mbus-heat", 7}, {"klefr-6923", 0},
};

static void test_scans(void **state)
{
    (void)state;
    struct sim_thread st;
    start(&st, "pty", bus, sizeof bus / sizeof bus[0], 1);
    char conn[512], err[256];
    /* a probe's silence costs one timeout: short, but far above the simulator's reaction */
    snprintf(conn, sizeof conn, "%s?baud=2400&timeout=40&retries=0", meter_sim_endpoint(st.sim));
    struct scan_log l = {.n = 0};
    size_t n = 0;
    assert_int_equal(meter_scan(conn, METER_SCAN_PRIMARY, on_found, &l, &n, err, sizeof err),
                     METER_OK);
    assert_int_equal(n, 5); /* the KLEFR listens at 9600 */
    assert_true(has(&l, 1, "1234560124230107", "mbus"));
    assert_true(has(&l, 2, "1234560224230107", "mbus"));
    assert_true(has(&l, 3, "1234560324230107", "mbus"));
    assert_true(has(&l, 51, "1234560124232A06", "mbus"));
    assert_true(has(&l, 7, "70000007A7320704", "mbus"));

    /* secondary: every wildcard selection collides until narrowed; 1 and 51
     * share their id and are told apart by the medium byte */
    l.n = 0;
    assert_int_equal(meter_scan(conn, METER_SCAN_SECONDARY, on_found, &l, &n, err, sizeof err),
                     METER_OK);
    assert_int_equal(n, 5);
    assert_true(has(&l, -1, "1234560124230107", "mbus"));
    assert_true(has(&l, -1, "1234560224230107", "mbus"));
    assert_true(has(&l, -1, "1234560324230107", "mbus"));
    assert_true(has(&l, -1, "1234560124232A06", "mbus"));
    assert_true(has(&l, -1, "70000007A7320704", "mbus"));

    /* at 9600 only the KLEFR (the CLI test finds it by primary address), its driver named */
    snprintf(conn, sizeof conn, "%s?baud=9600&timeout=40&retries=0", meter_sim_endpoint(st.sim));
    l.n = 0;
    assert_int_equal(meter_scan(conn, METER_SCAN_SECONDARY, on_found, &l, &n, err, sizeof err),
                     METER_OK);
    assert_int_equal(n, 1);
    assert_true(has(&l, -1, "0000000025CD0102", "klefr-6923"));
    assert_string_equal(l.r[0].manufacturer, "SIE"); /* what the manual's bytes say */
    sim_thread_stop(&st);
}

static void test_multi_telegram(void **state)
{
    (void)state;
    struct sim_thread st;
    start(&st, "pty", bus, sizeof bus / sizeof bus[0], 0);
    meter_t *m = open_m(&st, "mbus", "addr=7");
    meter_record_t r[64];
    size_t n = 0;
    for (int round = 0; round < 2; round++) { /* the FCB sequence goes on across reads */
        assert_int_equal(meter_read_records(m, r, 64, &n), METER_OK);
        assert_int_equal(n, 15);
        assert_string_equal(r[0].name, "energy");
        assert_true(r[0].value == 12345000);
        assert_int_equal(r[0].quantity, METER_Q_THERMAL_ENERGY);
        assert_string_equal(r[8].function, "more_follows");
        assert_int_equal(r[9].storage, 1);
        assert_int_equal(r[9].quantity, METER_Q_THERMAL_ENERGY_M1);
        assert_string_equal(r[10].text, "2024-12-31");
        assert_string_equal(r[11].text, "V1.3");
        /* the meter's local time: type F sends no seconds and no zone */
        assert_string_equal(r[13].text, "2024-03-15T13:45");
        assert_int_equal(r[13].flags & (METER_RECORD_F_UTC | METER_RECORD_F_INVALID), 0);
        assert_string_equal(r[14].name, "error_flags");
        assert_true(r[14].flags & METER_RECORD_F_RAW); /* a bit field: unsigned, as sent */
        assert_int_equal(r[14].raw, 0);
    }
    /* the telegram limit */
    meter_t *one = open_m(&st, "mbus", "addr=7&telegrams=1");
    assert_int_equal(meter_read_records(one, r, 64, &n), METER_OK);
    assert_int_equal(n, 9);
    meter_close(one);
    /* generic readings: heat energy is thermal energy, never energy_active_import */
    meter_reading_t rd;
    assert_int_equal(meter_read(m, METER_Q_THERMAL_ENERGY, &rd), METER_OK);
    assert_true(rd.value == 12345);
    assert_int_equal(meter_read(m, METER_Q_THERMAL_POWER, &rd), METER_OK);
    assert_true(rd.value == 12500);
    assert_int_equal(meter_read(m, METER_Q_ENERGY_ACTIVE_IMPORT, &rd), METER_EQUANTITY);
    assert_int_equal(meter_read(m, METER_Q_ACTIVE_POWER, &rd), METER_EQUANTITY);
    /* by secondary address, wildcards in manufacturer/version/medium */
    meter_t *sec = open_m(&st, "mbus", "secondary=12345602");
    assert_int_equal(meter_read_records(sec, r, 64, &n), METER_OK);
    assert_int_equal(n, 3);
    assert_true(r[0].value == 12.347);
    meter_close(sec);
    /* a selection that matches several meters collides */
    meter_t *many = open_m(&st, "mbus", "secondary=1234560F&retries=0");
    assert_int_equal(meter_read_records(many, r, 64, &n), METER_ECOLLISION);
    meter_close(many);
    meter_close(m);
    sim_thread_stop(&st);
}

static void test_mbus_tcp(void **state)
{
    (void)state;
    struct sim_thread st;
    const struct model_at ms[] = {{"klefr-6923", -1}, {"sim-mbus-heat", 5}};
    start(&st, "tcp:127.0.0.1:0", ms, 2, 1);
    assert_non_null(strstr(meter_sim_endpoint(st.sim), "mbus-tcp:127.0.0.1:"));
    meter_t *m = open_m(&st, "klefr-6923", "addr=0");
    check_manual_values(m);
    meter_t *h = open_m(&st, "mbus", "addr=5");
    meter_record_t r[64];
    size_t n = 0;
    assert_int_equal(meter_read_records(h, r, 64, &n), METER_OK);
    assert_int_equal(n, 15);
    /* 254 reaches "the only meter": both answer here, so it collides or is garbled */
    meter_t *all = open_m(&st, "mbus", "addr=254&retries=0&timeout=200");
    assert_int_not_equal(meter_read_records(all, r, 64, &n), METER_OK);
    meter_close(all);
    meter_close(h);
    meter_close(m);
    sim_thread_stop(&st);
}

static void test_wrong_meter(void **state)
{
    (void)state;
    struct sim_thread st;
    start(&st, "pty", bus, sizeof bus / sizeof bus[0], 1);
    /* a water meter is not a KLEFR 6923 */
    meter_t *m = open_m(&st, "klefr-6923", "addr=1&baud=2400");
    meter_reading_t r;
    assert_int_equal(meter_read(m, METER_Q_ENERGY_ACTIVE_TOTAL, &r), METER_EUNSUPPORTED);
    assert_non_null(strstr(meter_last_error(m), "HYD"));
    meter_close(m);
    sim_thread_stop(&st);
}

/* Heat, water and gas meters read through the generic driver give catalogue
 * quantities in catalogue units, by medium; a snapshot holds only what they send. */
static void test_media(void **state)
{
    (void)state;
    struct sim_thread st;
    const struct model_at ms[] = {{"sim-mbus-heat", 7}, {"sim-mbus-water", 1}, {"sim-mbus-gas", 3}};
    start(&st, "pty", ms, 3, 1);
    static const struct {
        meter_quantity_t q;
        double v;
        meter_unit_t unit;
    } heat[] = {
        {METER_Q_VOLUME, 1234.56, METER_UNIT_M3},
        {METER_Q_VOLUME_FLOW, 1.25, METER_UNIT_M3_PER_H},
        {METER_Q_THERMAL_ENERGY, 12345, METER_UNIT_KWH},
        {METER_Q_THERMAL_POWER, 12500, METER_UNIT_WATT},
        {METER_Q_FLOW_TEMPERATURE, 65.3, METER_UNIT_CELSIUS},
        {METER_Q_RETURN_TEMPERATURE, 40.1, METER_UNIT_CELSIUS},
        {METER_Q_TEMPERATURE_DIFFERENCE, 25.2, METER_UNIT_KELVIN},
        {METER_Q_OPERATING_TIME, 1234, METER_UNIT_HOUR},
        {METER_Q_ERROR_FLAGS, 0, METER_UNIT_NONE},
        {METER_Q_THERMAL_ENERGY_M1, 11000, METER_UNIT_KWH},
    };
    meter_t *h = open_m(&st, "mbus", "addr=7");
    meter_reading_t r[64];
    size_t n = 0;
    assert_int_equal(meter_snapshot(h, r, 64, &n), METER_OK);
    assert_int_equal(n, 12); /* the ten above, meter_date, meter_date_m1 (one reading each) */
    for (size_t i = 0; i < sizeof heat / sizeof heat[0]; i++) {
        meter_reading_t one;
        assert_int_equal(meter_read(h, heat[i].q, &one), METER_OK);
        assert_int_equal(one.unit, heat[i].unit);
        if (one.value != heat[i].v)
            fail_msg("%s: %.17g, not %.17g", meter_quantity_info(heat[i].q)->name, one.value,
                     heat[i].v);
    }
    meter_reading_t d;
    assert_int_equal(meter_read(h, METER_Q_METER_DATE, &d), METER_OK);
    assert_int_equal(d.kind, METER_KIND_TEXT);
    assert_string_equal(d.text, "2024-03-15T13:45");
    assert_int_equal(meter_read(h, METER_Q_METER_DATE_M1, &d), METER_OK);
    assert_string_equal(d.text, "2024-12-31");

    meter_t *w = open_m(&st, "mbus", "addr=1");
    assert_int_equal(meter_snapshot(w, r, 64, &n), METER_OK);
    assert_int_equal(n, 3); /* volume, error flags, meter date */
    assert_int_equal(r[0].quantity, METER_Q_VOLUME);
    assert_true(r[0].value == 12.346); /* 12346 l: 12345 + the id's last byte (0x01) */
    assert_int_equal(meter_read(w, METER_Q_GAS_VOLUME, &d), METER_EQUANTITY);

    meter_t *g = open_m(&st, "mbus", "addr=3");
    assert_int_equal(meter_snapshot(g, r, 64, &n), METER_OK);
    assert_int_equal(n, 4); /* gas volume now and at the due date, both dates */
    assert_int_equal(meter_read(g, METER_Q_GAS_VOLUME, &d), METER_OK);
    assert_true(d.value == 4567.89);
    assert_int_equal(meter_read(g, METER_Q_GAS_VOLUME_M1, &d), METER_OK);
    assert_true(d.value == 4000);
    assert_int_equal(meter_read(g, METER_Q_VOLUME, &d), METER_EQUANTITY);
    meter_close(g);
    meter_close(w);
    meter_close(h);
    sim_thread_stop(&st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_klefr_manual_telegram), cmocka_unit_test(test_klefr_write_frames),
        cmocka_unit_test(test_klefr_settings_round_trip), cmocka_unit_test(test_scans),
        cmocka_unit_test(test_multi_telegram),          cmocka_unit_test(test_mbus_tcp),
        cmocka_unit_test(test_wrong_meter),              cmocka_unit_test(test_media),
    };
    atexit(release_shared);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
