/* SPDX-License-Identifier: MIT */
/* Meters that push IEC 62056-21 mode D text: a DSMR 5 telegram (dsmr_parser's V5
 * example) pushed by the simulator over a pty and 127.0.0.1 TCP and read with dsmr:,
 * the CRC refusing every changed telegram, and a 7E1 meter read with iec-push-tcp:. */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "protocols/iec62056/iec_internal.h"
#include "support.h"

/* dsmr_parser's TELEGRAM_V5 data lines (its CRC 6EEE is recomputed by the simulator,
 * which sends these lines after its identification) */
static const char v5_ident[] = "/ISk5\\2MT382-1000";
static const char v5_data[] =
    "1-3:0.2.8(50)\r\n0-0:1.0.0(170102192002W)\r\n"
    "0-0:96.1.1(4B384547303034303436333935353037)\r\n1-0:1.8.1(000004.426*kWh)\r\n"
    "1-0:1.8.2(000002.399*kWh)\r\n1-0:2.8.1(000002.444*kWh)\r\n1-0:2.8.2(000000.000*kWh)\r\n"
    "0-0:96.14.0(0002)\r\n1-0:1.7.0(00.244*kW)\r\n1-0:2.7.0(00.000*kW)\r\n0-0:96.7.21(00013)\r\n"
    "0-0:96.7.9(00000)\r\n1-0:99.97.0(0)(0-0:96.7.19)\r\n1-0:32.32.0(00000)\r\n"
    "1-0:32.7.0(0230.0*V)\r\n1-0:52.7.0(0230.0*V)\r\n1-0:72.7.0(0229.0*V)\r\n"
    "1-0:31.7.0(0.48*A)\r\n1-0:51.7.0(0.44*A)\r\n1-0:71.7.0(0.86*A)\r\n1-0:21.7.0(00.070*kW)\r\n"
    "1-0:41.7.0(00.032*kW)\r\n1-0:61.7.0(00.142*kW)\r\n0-1:24.1.0(003)\r\n"
    "0-1:24.2.1(170102161005W)(00000.107*m3)\r\n";

static void start(struct sim_thread *t, const char *listen, const char *model, int v5)
{
    char err[256];
    assert_int_equal(meter_sim_new(&t->sim, listen, err, sizeof err), METER_OK);
    assert_int_equal(meter_sim_add(t->sim, model, -1), METER_OK);
    meter_sim_set(t->sim, METER_SIM_FROZEN, 1);
    if (v5) {
        assert_int_equal(meter_sim_set_text(t->sim, METER_SIM_IEC_IDENT, v5_ident), METER_OK);
        assert_int_equal(meter_sim_set_text(t->sim, METER_SIM_IEC_DATA, v5_data), METER_OK);
    }
    assert_int_equal(pthread_create(&t->tid, NULL, sim_thread_main, t), 0);
}

static meter_t *open_at(const char *model, const char *conn)
{
    char err[256];
    meter_t *m = NULL;
    if (meter_open(&m, model, conn, err, sizeof err) != METER_OK)
        fail_msg("open %s: %s", conn, err);
    return m;
}

static void check_v5(meter_t *m)
{
    meter_quantity_t qs[] = {METER_Q_ENERGY_ACTIVE_IMPORT_T1, METER_Q_ENERGY_ACTIVE_EXPORT_T1,
                             METER_Q_ACTIVE_POWER, METER_Q_VOLTAGE_L3, METER_Q_CURRENT_L3,
                             METER_Q_ACTIVE_POWER_L3};
    double want[] = {4.426, 2.444, 244, 229.0, 0.86, 142};
    meter_reading_t r[6];
    if (meter_read_list(m, qs, 6, r) != METER_OK)
        fail_msg("read: %s", meter_last_error(m));
    for (int i = 0; i < 6; i++)
        if (fabs(r[i].value - want[i]) > 1e-9)
            fail_msg("%s: %.12g, want %.12g", meter_quantity_info(qs[i])->name, r[i].value, want[i]);
    char id[64];
    assert_int_equal(meter_iec_identification(m, id, sizeof id), METER_OK);
    assert_string_equal(id, "ISk5\\2MT382-1000");
}

static void dsmr_pty(void **state)
{
    (void)state;
    struct sim_thread t;
    start(&t, "pty", "dsmr", 1);
    const char *ep = meter_sim_endpoint(t.sim);
    assert_memory_equal(ep, "dsmr:/dev/", 10);
    meter_t *m = open_at("dsmr", ep);
    check_v5(m);
    meter_close(m);
    sim_thread_stop(&t);
}

static void dsmr_tcp(void **state)
{
    (void)state;
    struct sim_thread t;
    start(&t, "tcp:127.0.0.1:0", "dsmr", 1);
    const char *ep = meter_sim_endpoint(t.sim);
    assert_memory_equal(ep, "dsmr-tcp:127.0.0.1:", 19);
    meter_t *m = open_at("dsmr", ep);
    check_v5(m);
    check_v5(m);
    meter_close(m);
    sim_thread_stop(&t);
}

/* Changed telegrams: a read gives the exact values or none. */
static void dsmr_faults(void **state)
{
    (void)state;
    struct sim_thread t;
    char err[256];
    assert_int_equal(meter_sim_new(&t.sim, "pty", err, sizeof err), METER_OK);
    assert_int_equal(meter_sim_add(t.sim, "dsmr", -1), METER_OK);
    meter_sim_set(t.sim, METER_SIM_FROZEN, 1);
    meter_sim_set_text(t.sim, METER_SIM_IEC_IDENT, v5_ident);
    meter_sim_set_text(t.sim, METER_SIM_IEC_DATA, v5_data);
    meter_sim_set(t.sim, METER_SIM_FAULTS, METER_SIM_F_CORRUPT | METER_SIM_F_TRUNCATE);
    meter_sim_set(t.sim, METER_SIM_FAULT_RATE, 500);
    meter_sim_set(t.sim, METER_SIM_SEED, 3);
    assert_int_equal(pthread_create(&t.tid, NULL, sim_thread_main, &t), 0);
    meter_t *m = open_at("dsmr", meter_sim_endpoint(t.sim));
    for (int i = 0; i < 4; i++)
        check_v5(m);
    meter_close(m);
    sim_thread_stop(&t);
}

/* Every telegram changed: the CRC refuses them all. */
static void dsmr_all_corrupt(void **state)
{
    (void)state;
    struct sim_thread t;
    char err[256];
    assert_int_equal(meter_sim_new(&t.sim, "pty", err, sizeof err), METER_OK);
    assert_int_equal(meter_sim_add(t.sim, "dsmr", -1), METER_OK);
    meter_sim_set(t.sim, METER_SIM_FAULTS, METER_SIM_F_CORRUPT);
    meter_sim_set(t.sim, METER_SIM_FAULT_RATE, 1000);
    assert_int_equal(pthread_create(&t.tid, NULL, sim_thread_main, &t), 0);
    char conn[300];
    snprintf(conn, sizeof conn, "%s?timeout=2500", meter_sim_endpoint(t.sim));
    meter_t *m = open_at("dsmr", conn);
    meter_reading_t r;
    assert_int_equal(meter_read(m, METER_Q_ENERGY_ACTIVE_IMPORT_T1, &r), METER_ETIMEDOUT);
    assert_non_null(strstr(meter_last_error(m), "refused"));
    meter_close(m);
    sim_thread_stop(&t);
}

/* A 7E1 meter behind a serial server: parity made and stripped in software. */
static void q3d_tcp(void **state)
{
    (void)state;
    struct sim_thread t;
    start(&t, "tcp:127.0.0.1:0", "easymeter-q3d", 0);
    const char *ep = meter_sim_endpoint(t.sim);
    assert_memory_equal(ep, "iec-push-tcp:127.0.0.1:", 23);
    meter_t *m = open_at("easymeter-q3d", ep);
    meter_reading_t r;
    assert_int_equal(meter_read(m, METER_Q_ENERGY_ACTIVE_IMPORT, &r), METER_OK);
    /* the frozen simulated meter's counter, sent as 1.8.0(0012445.920*kWh) */
    if (fabs(r.value - 12445.92) > 1e-9)
        fail_msg("%.12g, want 12445.92", r.value);
    assert_int_equal(meter_read(m, METER_Q_SERIAL_NUMBER, &r), METER_OK);
    assert_string_equal(r.text, "13070001");
    meter_close(m);
    sim_thread_stop(&t);
}

static void deadline(void **state)
{
    (void)state;
    /* two push intervals plus 8192 bytes, 10 bits each */
    assert_int_equal(mtr_iec_push_deadline_ms(10000, 115200), 20000 + 711 + 1);
    assert_int_equal(mtr_iec_push_deadline_ms(2000, 9600), 4000 + 8533 + 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dsmr_pty),         cmocka_unit_test(dsmr_tcp),
        cmocka_unit_test(dsmr_faults),      cmocka_unit_test(dsmr_all_corrupt),
        cmocka_unit_test(q3d_tcp),          cmocka_unit_test(deadline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
