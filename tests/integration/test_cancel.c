/* SPDX-License-Identifier: MIT */
/* meter_cancel() from another thread ends a call that waits for a silent
 * meter, long before its response timeout; and a serial port is taken by one
 * handle at a time (a second opener gets METER_EBUSY instead of interleaving). */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <pty.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "meter/meter.h"

struct call {
    meter_t *m;
    meter_reading_t r;
    int rc;
};

static void *do_read(void *arg)
{
    struct call *c = arg;
    c->rc = meter_read(c->m, METER_Q_ENERGY_ACTIVE_IMPORT, &c->r);
    return NULL;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* A meter that never answers: the test holds the pty's master side. The call's
 * request arriving there shows it is waiting; then it is cancelled. */
static void cancel_case(const char *model, const char *scheme, const char *opts)
{
    int master, slave;
    char name[128];
    assert_int_equal(openpty(&master, &slave, name, NULL, NULL), 0);
    struct termios tio;
    tcgetattr(slave, &tio);
    cfmakeraw(&tio);
    tcsetattr(slave, TCSANOW, &tio);
    char conn[256], err[256];
    snprintf(conn, sizeof conn, "%s:%s?timeout=60000&retries=0%s", scheme, name, opts);
    struct call c = {0};
    if (meter_open(&c.m, model, conn, err, sizeof err) != METER_OK)
        fail_msg("open %s: %s", conn, err);
    double t0 = now_s();
    pthread_t tid;
    assert_int_equal(pthread_create(&tid, NULL, do_read, &c), 0);
    struct pollfd p = {master, POLLIN, 0};
    assert_int_equal(poll(&p, 1, 30000), 1); /* the request went out: the call waits */
    uint8_t junk[256];
    assert_true(read(master, junk, sizeof junk) > 0);
    meter_cancel(c.m);
    pthread_join(tid, NULL);
    double took = now_s() - t0;
    assert_int_equal(c.rc, METER_ECANCELED);
    if (!strstr(meter_last_error(c.m), "cancel"))
        fail_msg("%s: message \"%s\"", model, meter_last_error(c.m));
    assert_true(took < 60.0); /* the response timeout it would otherwise have waited out */
    /* a later call is not affected by the earlier cancellation: it times out as set */
    assert_int_equal(meter_set_timeout(c.m, 50), METER_OK);
    assert_int_equal(meter_read(c.m, METER_Q_ENERGY_ACTIVE_IMPORT, &c.r), METER_ETIMEDOUT);
    meter_close(c.m);
    close(master);
    close(slave);
}

static void test_cancel_mbus(void **state)
{
    (void)state;
    cancel_case("klefr-6923", "mbus", "&addr=1");
}

static void test_cancel_iec(void **state)
{
    (void)state;
    cancel_case("klefr-6921", "iec", "");
}

static void test_port_taken_once(void **state)
{
    (void)state;
    int master, slave;
    char name[128], conn[256], err[256];
    assert_int_equal(openpty(&master, &slave, name, NULL, NULL), 0);
    const char *schemes[][2] = {{"mbus", "klefr-6923"}, {"iec", "klefr-6921"}, {"rtu", "klefr-6934"}};
    for (size_t i = 0; i < 3; i++) {
        meter_t *a = NULL, *b = NULL;
        snprintf(conn, sizeof conn, "%s:%s", schemes[i][0], name);
        if (meter_open(&a, schemes[i][1], conn, err, sizeof err) != METER_OK)
            fail_msg("open %s: %s", conn, err);
        int rc = meter_open(&b, schemes[i][1], conn, err, sizeof err);
        if (rc != METER_EBUSY)
            fail_msg("%s: second open gave %s: %s", conn, meter_errname(rc), err);
        assert_null(b);
        assert_non_null(strstr(err, "in use"));
        meter_close(a);
        /* once closed, it can be opened again */
        assert_int_equal(meter_open(&b, schemes[i][1], conn, err, sizeof err), METER_OK);
        meter_close(b);
    }
    close(master);
    close(slave);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cancel_mbus),
        cmocka_unit_test(test_cancel_iec),
        cmocka_unit_test(test_port_taken_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
