/* SPDX-License-Identifier: MIT */
/* Threads: meters on separate links read from separate threads, and several
 * meters on one shared bus read from several threads at once. Each meter's
 * values differ, so a request answered for the wrong meter shows as a wrong
 * value. Run under ThreadSanitizer by scripts/test.sh. */
#include <setjmp.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "support.h"

#define ROUNDS 60

struct worker {
    meter_t *m;
    int id;
    pthread_t tid;
    int wrong, failed, done;
};

static void *work(void *arg)
{
    struct worker *w = arg;
    char serial[16];
    snprintf(serial, sizeof serial, "%08d", 13070000 + w->id);
    /* the simulator's meter at id n has L1 voltage 230.1 + (n-1)·0.1 and current 5.2 + (n-1)·0.1 */
    float u = (float)(230.1 + (w->id - 1) * 0.1), i = (float)(5.2 + (w->id - 1) * 0.1);
    const meter_quantity_t qs[] = {METER_Q_VOLTAGE_L1, METER_Q_CURRENT_L1, METER_Q_SERIAL_NUMBER,
                                   METER_Q_DEVICE_ADDRESS};
    for (int k = 0; k < ROUNDS; k++) {
        meter_reading_t r[4];
        if (meter_read_list(w->m, qs, 4, r) != METER_OK) {
            w->failed++;
            continue;
        }
        if ((float)r[0].value != u || (float)r[1].value != i || strcmp(r[2].text, serial) ||
            r[3].value != w->id)
            w->wrong++;
        w->done++;
    }
    return NULL;
}

static void run_workers(struct worker *w, int n)
{
    for (int k = 0; k < n; k++)
        assert_int_equal(pthread_create(&w[k].tid, NULL, work, &w[k]), 0);
    for (int k = 0; k < n; k++) {
        pthread_join(w[k].tid, NULL);
        assert_int_equal(w[k].wrong, 0);
        assert_int_equal(w[k].failed, 0);
        assert_int_equal(w[k].done, ROUNDS);
    }
}

static void test_shared_bus_from_threads(void **state)
{
    (void)state;
    struct sim_thread st;
    const int ids[] = {1, 2, 3, 4, 0};
    assert_int_equal(sim_thread_start(&st, "pty", "klefr-6924", ids, 1), METER_OK);
    char err[256];
    meter_bus_t *bus;
    assert_int_equal(meter_bus_open(&bus, meter_sim_endpoint(st.sim), err, sizeof err), METER_OK);
    struct worker w[4];
    memset(w, 0, sizeof w);
    for (int k = 0; k < 4; k++) {
        char opts[32];
        snprintf(opts, sizeof opts, "id=%d", k + 1);
        w[k].id = k + 1;
        assert_int_equal(meter_open_on_bus(&w[k].m, bus, "klefr-6924", opts, err, sizeof err), METER_OK);
    }
    meter_bus_close(bus);
    run_workers(w, 4);
    for (int k = 0; k < 4; k++)
        meter_close(w[k].m);
    sim_thread_stop(&st);
}

/* meter_bus_set_log() while the bus's meters read from other threads (TSan: no race) */
static atomic_int logged;

static void count_log(meter_log_level_t level, const char *msg, void *ud)
{
    (void)level;
    (void)msg;
    (void)ud;
    atomic_fetch_add(&logged, 1);
}

struct toggler {
    meter_bus_t *bus;
    atomic_int stop;
};

static void *toggle_log(void *arg)
{
    struct toggler *t = arg;
    for (unsigned k = 0; !atomic_load(&t->stop); k++)
        meter_bus_set_log(t->bus, k % 2 ? count_log : NULL, NULL);
    meter_bus_set_log(t->bus, count_log, NULL);
    return NULL;
}

static void test_bus_log_while_reading(void **state)
{
    (void)state;
    struct sim_thread st;
    const int ids[] = {1, 2, 0};
    assert_int_equal(sim_thread_start(&st, "pty", "klefr-6924", ids, 1), METER_OK);
    char err[256];
    meter_bus_t *bus;
    assert_int_equal(meter_bus_open(&bus, meter_sim_endpoint(st.sim), err, sizeof err), METER_OK);
    struct worker w[2];
    memset(w, 0, sizeof w);
    for (int k = 0; k < 2; k++) {
        char opts[32];
        snprintf(opts, sizeof opts, "id=%d", k + 1);
        w[k].id = k + 1;
        assert_int_equal(meter_open_on_bus(&w[k].m, bus, "klefr-6924", opts, err, sizeof err), METER_OK);
    }
    struct toggler t = {bus, 0};
    pthread_t tid;
    assert_int_equal(pthread_create(&tid, NULL, toggle_log, &t), 0);
    run_workers(w, 2);
    atomic_store(&t.stop, 1);
    pthread_join(tid, NULL);
    /* the callback set last gets the next message */
    int before = atomic_load(&logged);
    assert_int_equal(meter_set_timeout(w[0].m, 1), METER_OK);
    meter_close(w[1].m);
    meter_bus_close(bus);
    meter_reading_t r;
    sim_thread_stop(&st); /* nobody answers now: the read fails and logs */
    meter_read(w[0].m, METER_Q_VOLTAGE_L1, &r);
    assert_true(atomic_load(&logged) > before);
    meter_close(w[0].m);
}

static void test_separate_links_from_threads(void **state)
{
    (void)state;
    struct sim_thread st[4];
    struct worker w[4];
    memset(w, 0, sizeof w);
    for (int k = 0; k < 4; k++) {
        const int ids[] = {k + 1, 0};
        assert_int_equal(sim_thread_start(&st[k], k % 2 ? "pty" : "tcp:127.0.0.1:0", "klefr-6934",
                                          ids, 1),
                         METER_OK);
        char conn[300], err[256];
        snprintf(conn, sizeof conn, "%s?id=%d", meter_sim_endpoint(st[k].sim), k + 1);
        w[k].id = k + 1;
        assert_int_equal(meter_open(&w[k].m, "klefr-6934", conn, err, sizeof err), METER_OK);
    }
    run_workers(w, 4);
    for (int k = 0; k < 4; k++) {
        meter_close(w[k].m);
        sim_thread_stop(&st[k]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shared_bus_from_threads),
        cmocka_unit_test(test_separate_links_from_threads),
        cmocka_unit_test(test_bus_log_while_reading),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
