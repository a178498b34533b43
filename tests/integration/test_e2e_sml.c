/* SPDX-License-Identifier: MIT */
/* SML end to end: `sml` and `sml-counter` read against the pushing simulator over
 * a pty and over 127.0.0.1 TCP; values exact against the simulator's; corrupted,
 * cut and noisy telegrams never give a value; the deadline and meter_cancel(). */
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <pty.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "meter/record.h"
#include "protocols/sml/sml_internal.h"
#include "support.h"

#define assert_near(a, b, eps)                                                             \
    do {                                                                                   \
        double a_ = (a), b_ = (b);                                                         \
        if (!(fabs(a_ - b_) <= (eps)))                                                     \
            fail_msg("%.12g is not %.12g", a_, b_);                                        \
    } while (0)

static void start(struct sim_thread *t, const char *listen, const char *model)
{
    char err[256];
    assert_int_equal(meter_sim_new(&t->sim, listen, err, sizeof err), METER_OK);
    assert_int_equal(meter_sim_add(t->sim, model, -1), METER_OK);
    meter_sim_set(t->sim, METER_SIM_FROZEN, 1);
}

static void run(struct sim_thread *t)
{
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

/* What the reader must make of the simulator's value: the simulator sends it
 * rounded to its resolution (0.1 Wh, 0.1 W, 0.1 V), the reader scales back. */
static double expect(meter_sim_t *sim, meter_quantity_t q, double to_wire, int scaler)
{
    double v;
    assert_int_equal(meter_sim_value(sim, 0, q, &v), METER_OK);
    return (double)llround(v * to_wire / pow(10.0, scaler)) / (to_wire / pow(10.0, scaler));
}

static void check_values(meter_t *m, meter_sim_t *sim)
{
    meter_quantity_t qs[] = {METER_Q_ENERGY_ACTIVE_IMPORT, METER_Q_ACTIVE_POWER, METER_Q_VOLTAGE_L1,
                             METER_Q_CURRENT_L2, METER_Q_FREQUENCY, METER_Q_SERIAL_NUMBER};
    meter_reading_t r[6];
    int rc = meter_read_list(m, qs, 6, r);
    if (rc != METER_OK)
        fail_msg("read: %s", meter_last_error(m));
    assert_near(r[0].value, expect(sim, METER_Q_ENERGY_ACTIVE_IMPORT, 1000, -1), 1e-9);
    assert_near(r[1].value, expect(sim, METER_Q_ACTIVE_POWER, 1, -1), 1e-9);
    assert_near(r[2].value, expect(sim, METER_Q_VOLTAGE_L1, 1, -1), 1e-9);
    assert_near(r[3].value, expect(sim, METER_Q_CURRENT_L2, 1, -2), 1e-9);
    assert_near(r[4].value, expect(sim, METER_Q_FREQUENCY, 1, -1), 1e-9);
    /* the server id 0a 01 "SIM" 00 and 10000000 + address, as hex */
    assert_string_equal(r[5].text, "0a0153494d0000989680");
}

static void sml_pty(void **state)
{
    (void)state;
    struct sim_thread t;
    start(&t, "pty", "sml");
    run(&t);
    meter_t *m = open_at("sml", meter_sim_endpoint(t.sim));
    check_values(m, t.sim);
    meter_record_t rec[40];
    size_t n = 0;
    assert_int_equal(meter_read_records(m, rec, 40, &n), METER_OK);
    assert_int_equal(n, 17); /* serverId, manufacturer, 15 values */
    assert_string_equal(rec[0].name, "serverId");
    assert_string_equal(rec[2].name, "1-0:1.8.0*255");
    assert_string_equal(rec[2].unit, "Wh");
    assert_int_equal(rec[2].quantity, METER_Q_ENERGY_ACTIVE_IMPORT);
    assert_true(rec[2].flags & METER_RECORD_F_RAW);
    assert_near(rec[2].value, (double)rec[2].raw / 10, 1e-9); /* scaler -1 */
    meter_close(m);
    sim_thread_stop(&t);
}

static void sml_tcp(void **state)
{
    (void)state;
    struct sim_thread t;
    start(&t, "tcp:127.0.0.1:0", "sml");
    run(&t);
    const char *ep = meter_sim_endpoint(t.sim);
    assert_memory_equal(ep, "sml-tcp:127.0.0.1:", 18);
    meter_t *m = open_at("sml", ep);
    check_values(m, t.sim);
    check_values(m, t.sim); /* a second read waits for the next telegram */
    meter_close(m);
    sim_thread_stop(&t);
}

/* The values grow from one telegram to the next (not frozen). */
static void sml_grows(void **state)
{
    (void)state;
    struct sim_thread t;
    start(&t, "pty", "sml-counter");
    meter_sim_set(t.sim, METER_SIM_FROZEN, 0);
    run(&t);
    meter_t *m = open_at("sml-counter", meter_sim_endpoint(t.sim));
    meter_reading_t a, b;
    assert_int_equal(meter_read(m, METER_Q_ENERGY_ACTIVE_IMPORT, &a), METER_OK);
    assert_int_equal(meter_read(m, METER_Q_ENERGY_ACTIVE_IMPORT, &b), METER_OK);
    assert_true(b.value > a.value);
    /* the counter model does not list what a meter without the PIN does not send */
    meter_quantity_t qs[16];
    size_t nq = meter_quantities(m, qs, 16);
    for (size_t i = 0; i < nq; i++)
        assert_true(qs[i] != METER_Q_ACTIVE_POWER && qs[i] != METER_Q_VOLTAGE_L1);
    meter_close(m);
    sim_thread_stop(&t);
}

/* Corrupted, cut and noisy telegrams: a read gives the exact values or nothing. */
static void sml_faults(void **state)
{
    (void)state;
    struct sim_thread t;
    start(&t, "pty", "sml");
    meter_sim_set(t.sim, METER_SIM_FAULTS,
                  METER_SIM_F_CORRUPT | METER_SIM_F_TRUNCATE | METER_SIM_F_GARBAGE);
    meter_sim_set(t.sim, METER_SIM_FAULT_RATE, 600);
    meter_sim_set(t.sim, METER_SIM_SEED, 7);
    run(&t);
    meter_t *m = open_at("sml", meter_sim_endpoint(t.sim));
    for (int i = 0; i < 4; i++)
        check_values(m, t.sim);
    meter_close(m);
    meter_sim_stop(t.sim);
    pthread_join(t.tid, NULL);
    assert_true(meter_sim_fault_count(t.sim, METER_SIM_F_CORRUPT) +
                    meter_sim_fault_count(t.sim, METER_SIM_F_TRUNCATE) > 0);
    meter_sim_free(t.sim);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Every telegram corrupted: no value, METER_ETIMEDOUT within the timeout given. */
static void sml_all_corrupt(void **state)
{
    (void)state;
    struct sim_thread t;
    start(&t, "pty", "sml");
    meter_sim_set(t.sim, METER_SIM_FAULTS, METER_SIM_F_CORRUPT);
    meter_sim_set(t.sim, METER_SIM_FAULT_RATE, 1000);
    run(&t);
    char conn[300];
    snprintf(conn, sizeof conn, "%s?timeout=2500", meter_sim_endpoint(t.sim));
    meter_t *m = open_at("sml", conn);
    meter_reading_t r;
    assert_int_equal(meter_read(m, METER_Q_ENERGY_ACTIVE_IMPORT, &r), METER_ETIMEDOUT);
    assert_int_equal(r.status, METER_ETIMEDOUT);
    assert_non_null(strstr(meter_last_error(m), "refused"));
    meter_close(m);
    sim_thread_stop(&t);
}

/* A head nobody pushes to: the deadline from the settings, then METER_ETIMEDOUT. */
static void sml_deadline(void **state)
{
    (void)state;
    /* two push intervals plus 4096 bytes at 9600 Bd, 10 bits each */
    assert_int_equal(mtr_sml_deadline_ms(2000, 9600), 4000 + 4266 + 1);
    assert_int_equal(mtr_sml_deadline_ms(1000, 115200), 2000 + 355 + 1);
    int mfd, sfd;
    char name[128], conn[200];
    assert_int_equal(openpty(&mfd, &sfd, name, NULL, NULL), 0);
    snprintf(conn, sizeof conn, "sml:%s?interval=100", name);
    meter_t *m = open_at("sml", conn);
    unsigned bound = mtr_sml_deadline_ms(100, 9600);
    double t0 = now_s();
    meter_reading_t r;
    assert_int_equal(meter_read(m, METER_Q_ENERGY_ACTIVE_IMPORT, &r), METER_ETIMEDOUT);
    double dt = now_s() - t0;
    assert_true(dt >= bound / 1000.0 - 0.01);
    assert_true(dt < bound / 1000.0 + 1.0);
    meter_close(m);
    close(sfd);
    close(mfd);
}

struct canceller {
    meter_t *m;
    int mfd, sfd; /* the pty: a byte written there is taken off only by the read in progress */
};

static void *cancel_main(void *arg)
{
    struct canceller *c = arg;
    /* A byte on the line that leaves the tty's queue shows the read is under way (a
     * listening read drops what waited, then reads); the queue is polled, bounded. */
    ssize_t k = write(c->mfd, "\x55", 1);
    (void)k;
    int queued = 1;
    for (int i = 0; i < 20000 && queued > 0; i++) {
        struct pollfd p = {c->mfd, 0, 0};
        poll(&p, 1, 1);
        if (ioctl(c->sfd, FIONREAD, &queued) < 0)
            queued = 0;
    }
    meter_cancel(c->m);
    return NULL;
}

static void sml_cancel(void **state)
{
    (void)state;
    int mfd, sfd;
    char name[128], conn[200];
    assert_int_equal(openpty(&mfd, &sfd, name, NULL, NULL), 0);
    snprintf(conn, sizeof conn, "sml:%s?timeout=20000", name);
    meter_t *m = open_at("sml", conn);
    struct canceller c = {m, mfd, sfd};
    pthread_t tid;
    double t0 = now_s();
    assert_int_equal(pthread_create(&tid, NULL, cancel_main, &c), 0);
    meter_reading_t r;
    int rc = meter_read(m, METER_Q_ENERGY_ACTIVE_IMPORT, &r);
    pthread_join(tid, NULL);
    if (rc != METER_ECANCELED)
        fail_msg("read after meter_cancel(): %s", meter_errname(rc));
    assert_true(now_s() - t0 < 10.0); /* far below the 20 s timeout */
    meter_close(m);
    close(sfd);
    close(mfd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sml_pty),        cmocka_unit_test(sml_tcp),
        cmocka_unit_test(sml_grows),      cmocka_unit_test(sml_faults),
        cmocka_unit_test(sml_all_corrupt), cmocka_unit_test(sml_deadline),
        cmocka_unit_test(sml_cancel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
