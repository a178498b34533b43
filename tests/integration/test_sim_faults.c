/* SPDX-License-Identifier: MIT */
/* The simulator's newer faults against the client: a second frame glued to the
 * reply is METER_EFRAME (Modbus TCP, M-Bus), never a value; a reply that drips
 * in a byte at a time, or bytes that never end, end the call by its bound
 * (computed from the settings in include/meter/device.h) with a named error and
 * with memory that does not grow with what the meter sends. */
#include <setjmp.h>
#include <sys/resource.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "support.h"

static void start(struct sim_thread *t, const char *listen, const char *model, int id,
                  long faults, long delay_ms)
{
    char err[256];
    if (meter_sim_new(&t->sim, listen, err, sizeof err) != METER_OK)
        fail_msg("sim: %s", err);
    assert_int_equal(meter_sim_add(t->sim, model, id), METER_OK);
    assert_int_equal(meter_sim_set(t->sim, METER_SIM_FROZEN, 1), METER_OK);
    assert_int_equal(meter_sim_set(t->sim, METER_SIM_FAULTS, faults), METER_OK);
    assert_int_equal(meter_sim_set(t->sim, METER_SIM_FAULT_RATE, 1000), METER_OK);
    assert_int_equal(meter_sim_set(t->sim, METER_SIM_DELAY_MS, delay_ms), METER_OK);
    assert_int_equal(pthread_create(&t->tid, NULL, sim_thread_main, t), 0);
}

static meter_t *open_m(struct sim_thread *t, const char *model, const char *opts)
{
    char conn[300], err[256];
    snprintf(conn, sizeof conn, "%s?%s", meter_sim_endpoint(t->sim), opts);
    meter_t *m = NULL;
    if (meter_open(&m, model, conn, err, sizeof err) != METER_OK)
        fail_msg("open %s: %s", conn, err);
    return m;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void test_glued_modbus_tcp(void **state)
{
    (void)state;
    struct sim_thread t;
    start(&t, "tcp:127.0.0.1:0", "klefr-6934", 1, METER_SIM_F_GLUED, 1000);
    meter_t *m = open_m(&t, "klefr-6934", "id=1&retries=0");
    meter_reading_t r;
    assert_int_equal(meter_read(m, METER_Q_VOLTAGE_L1, &r), METER_EFRAME);
    assert_int_equal(r.status, METER_EFRAME);
    assert_non_null(strstr(meter_last_error(m), "second frame"));
    meter_close(m);
    sim_thread_stop(&t);
}

static void test_glued_mbus(void **state)
{
    (void)state;
    struct sim_thread t;
    start(&t, "pty", "klefr-6923", 1, METER_SIM_F_GLUED, 1000);
    meter_t *m = open_m(&t, "klefr-6923", "addr=1&retries=0&timeout=300");
    /* both frames come in one write; a serial line may still hand the client the first
     * alone, and then it is the right meter's answer: never a wrong value, and the glued
     * frame is seen as METER_EFRAME in most of the reads */
    int seen = 0;
    for (int k = 0; k < 5; k++) {
        meter_reading_t r;
        int rc = meter_read(m, METER_Q_ENERGY_ACTIVE_TOTAL, &r);
        assert_true(rc == METER_EFRAME || rc == METER_OK);
        seen += rc == METER_EFRAME;
        if (rc == METER_OK)
            assert_true(r.value == 16048.14); /* the manual's telegram (frozen) */
    }
    assert_true(seen >= 1);
    meter_close(m);
    sim_thread_stop(&t);
}

static void test_drip_modbus_tcp(void **state)
{
    (void)state;
    struct sim_thread t;
    /* 50 ms a byte (400 / 8): every byte comes well inside a 200 ms timeout, the whole
     * 13-byte reply takes 650 ms */
    start(&t, "tcp:127.0.0.1:0", "klefr-6934", 1, METER_SIM_F_DRIP, 400);
    const unsigned timeout = 200, retries = 0;
    char opts[64];
    snprintf(opts, sizeof opts, "id=1&timeout=%u&retries=%u", timeout, retries);
    meter_t *m = open_m(&t, "klefr-6934", opts);
    meter_reading_t r;
    double t0 = now_ms();
    assert_int_equal(meter_read(m, METER_Q_VOLTAGE_L1, &r), METER_ETIMEDOUT);
    double took = now_ms() - t0;
    /* device.h: (1 + retries) · 2 · (timeout + W), W = 0 on TCP */
    double bound = (1 + retries) * 2.0 * timeout;
    if (took > bound + 100)
        fail_msg("a dripping reply took %.0f ms, the bound is %.0f ms", took, bound);
    meter_close(m);
    sim_thread_stop(&t);
}

/* ---- bytes without end (METER_SIM_F_ENDLESS) ---- */

static long max_rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* One read against an endless stream: its status and message; fails past @p bound ms or
 * when the process grew by 16 MB or more while reading. */
static int endless_read(const char *listen, const char *model, const char *opts,
                        meter_quantity_t q, double bound, char *msg, size_t len,
                        meter_stats_t *st)
{
    struct sim_thread t;
    start(&t, listen, model, -1, METER_SIM_F_ENDLESS, 1000);
    meter_t *m = open_m(&t, model, opts);
    meter_reading_t r;
    long rss0 = max_rss_kb();
    double t0 = now_ms();
    int rc = meter_read(m, q, &r);
    double took = now_ms() - t0;
    long grew = max_rss_kb() - rss0;
    snprintf(msg, len, "%s", meter_last_error(m));
    st->struct_size = sizeof *st;
    assert_int_equal(meter_get_stats(m, st), METER_OK);
    meter_close(m);
    assert_true(meter_sim_fault_count(t.sim, METER_SIM_F_ENDLESS) >= 1);
    sim_thread_stop(&t);
    print_message("  %s %s: %s after %.0f ms (bound %.0f ms), %llu bytes taken, +%ld kB: %s\n",
                  listen, model, meter_errname(rc), took, bound,
                  (unsigned long long)st->bytes_received, grew, msg);
    if (took > bound)
        fail_msg("an endless stream took %.0f ms, the bound is %.0f ms", took, bound);
    assert_true(grew < 16 * 1024);
    assert_int_not_equal(rc, METER_OK);
    assert_int_equal(r.status, rc);
    return rc;
}

static void test_endless_modbus_tcp(void **state)
{
    (void)state;
    char msg[256];
    meter_stats_t st = METER_STATS_INIT;
    const unsigned timeout = 300, retries = 1;
    /* device.h: (1 + retries) · 2 · (timeout + W), W = 0 on TCP */
    double bound = (1 + retries) * 2.0 * timeout;
    int rc = endless_read("tcp:127.0.0.1:0", "klefr-6934", "id=1&timeout=300&retries=1",
                          METER_Q_VOLTAGE_L1, bound, msg, sizeof msg, &st);
    assert_true(rc == METER_EFRAME || rc == METER_ETIMEDOUT || rc == METER_ELIMIT);
}

static void test_endless_modbus_rtu(void **state)
{
    (void)state;
    char msg[256];
    meter_stats_t st = METER_STATS_INIT;
    const unsigned timeout = 300, retries = 1;
    /* device.h: (1 + retries) · 2 · (timeout + W), W at most 256 characters of 11 bits */
    double bound = (1 + retries) * 2.0 * (timeout + 256 * 11000.0 / 9600);
    int rc = endless_read("pty", "klefr-6934", "id=1&baud=9600&timeout=300&retries=1",
                          METER_Q_VOLTAGE_L1, bound, msg, sizeof msg, &st);
    assert_true(rc == METER_EFRAME || rc == METER_ETIMEDOUT || rc == METER_ECHECKSUM ||
                rc == METER_ELIMIT || rc == METER_ESLAVE);
}

/* device.h: T(n) = 1000 + timeout + gap + (3·n + 325)·c; a read (primary address, FCB
 * not known yet): (1 + retries)·(T(5) [SND_NKE] + telegrams·T(5)). */
static double mbus_read_bound(unsigned timeout, unsigned retries, unsigned telegrams,
                              double c, double gap)
{
    double t5 = 1000.0 + timeout + gap + (3.0 * 5 + 325.0) * c;
    return (1 + retries) * (t5 + telegrams * t5);
}

static void test_endless_mbus(void **state)
{
    (void)state;
    char msg[256];
    meter_stats_t st = METER_STATS_INIT;
    double bound = mbus_read_bound(300, 1, 1, 11000.0 / 9600, 100);
    int rc = endless_read("pty", "klefr-6923", "baud=9600&timeout=300&retries=1&telegrams=1",
                          METER_Q_ENERGY_ACTIVE_TOTAL, bound, msg, sizeof msg, &st);
    /* the flood outruns any answer: METER_ELIMIT ("kept sending"), never retried */
    assert_int_equal(rc, METER_ELIMIT);
    assert_non_null(strstr(msg, "kept sending"));
    /* an exchange reads at most the echo, a frame and the noise allowance (and one
     * read's overshoot): docs/mbus.md, "Bounds" */
    assert_true(st.bytes_received <= 2 * (5 + 261 + 64 + 300));
}

static void test_endless_mbus_tcp(void **state)
{
    (void)state;
    char msg[256];
    meter_stats_t st = METER_STATS_INIT;
    double bound = mbus_read_bound(300, 1, 1, 11000.0 / 2400, 300);
    int rc = endless_read("tcp:127.0.0.1:0", "klefr-6923", "timeout=300&retries=1&telegrams=1",
                          METER_Q_ENERGY_ACTIVE_TOTAL, bound, msg, sizeof msg, &st);
    assert_int_equal(rc, METER_ELIMIT);
    assert_true(st.bytes_received <= 2 * (5 + 261 + 64 + 300) + 4096);
}

static void test_endless_iec(void **state)
{
    (void)state;
    char msg[256];
    meter_stats_t st = METER_STATS_INIT;
    const unsigned timeout = 500, retries = 0, max_readout = 1024;
    /* device.h: A = 8000 + delay + 2·timeout + 256·c300 + (max_readout + 256)·c, c at
     * 300 Bd over TCP (10 bits); a call (1 + retries + s)·A + (retries + s)·1500, s = 0 on
     * TCP */
    double c300 = 10000.0 / 300;
    double a = 8000.0 + 2.0 * timeout + 256 * c300 + (max_readout + 256.0) * c300;
    double bound = (1 + retries) * a + retries * 1500.0;
    int rc = endless_read("tcp:127.0.0.1:0", "iec62056", "timeout=500&retries=0&max_readout=1024",
                          METER_Q_ENERGY_ACTIVE_IMPORT, bound, msg, sizeof msg, &st);
    assert_true(rc == METER_ELIMIT || rc == METER_EFRAME || rc == METER_ETIMEDOUT);
    /* a readout is read up to max_readout (and the identification's bound), no further */
    assert_true(st.bytes_received <= 2 * (max_readout + 512) + 4096);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_glued_modbus_tcp),
        cmocka_unit_test(test_glued_mbus),
        cmocka_unit_test(test_drip_modbus_tcp),
        cmocka_unit_test(test_endless_modbus_tcp),
        cmocka_unit_test(test_endless_modbus_rtu),
        cmocka_unit_test(test_endless_mbus),
        cmocka_unit_test(test_endless_mbus_tcp),
        cmocka_unit_test(test_endless_iec),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
