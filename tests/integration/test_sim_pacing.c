/* SPDX-License-Identifier: MIT */
/* The paced simulator is never faster than the wire: every character of a Modbus
 * RTU and an M-Bus reply arrives no earlier than the line could carry it, and
 * whole Modbus and IEC 62056-21 reads take at least the wire time computed here
 * from the frames' lengths (lower bounds only: no upper timing bound is asserted). */
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "support.h"

#define TURNAROUND_US 5000

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* A paced simulator with one meter, its options set before it serves. */
static void start_on(struct sim_thread *t, const char *listen, const char *model, int address,
                     long pace)
{
    char err[256];
    if (meter_sim_new(&t->sim, listen, err, sizeof err) != METER_OK)
        fail_msg("sim: %s", err);
    assert_int_equal(meter_sim_add(t->sim, model, address), METER_OK);
    meter_sim_set(t->sim, METER_SIM_FROZEN, 1);
    assert_int_equal(meter_sim_set(t->sim, METER_SIM_PACE_BAUD, pace), METER_OK);
    assert_int_equal(meter_sim_set(t->sim, METER_SIM_TURNAROUND_US, TURNAROUND_US), METER_OK);
    assert_int_equal(pthread_create(&t->tid, NULL, sim_thread_main, t), 0);
}

static void start(struct sim_thread *t, const char *model, int address, long pace)
{
    start_on(t, "pty", model, address, pace);
}

/* The simulator's pty, raw, at baud (the M-Bus slave answers only at its speed). */
static int open_line(const struct sim_thread *t, speed_t baud)
{
    const char *path = strchr(meter_sim_endpoint(t->sim), ':') + 1;
    int fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
    assert_true(fd >= 0);
    struct termios tio;
    assert_int_equal(tcgetattr(fd, &tio), 0);
    cfmakeraw(&tio);
    cfsetspeed(&tio, baud);
    assert_int_equal(tcsetattr(fd, TCSANOW, &tio), 0);
    return fd;
}

/* Send req (t0: just before), then read n bytes noting when each was read. */
static void exchange(int fd, const uint8_t *req, size_t req_len, uint8_t *rsp, double *at,
                     size_t n, double *t0)
{
    *t0 = now_s();
    assert_int_equal(write(fd, req, req_len), (ssize_t)req_len);
    size_t got = 0;
    while (got < n) {
        struct pollfd p = {fd, POLLIN, 0};
        assert_true(poll(&p, 1, 5000) == 1);
        ssize_t k = read(fd, rsp + got, n - got);
        assert_true(k > 0);
        double t = now_s();
        for (ssize_t i = 0; i < k; i++)
            at[got + (size_t)i] = t;
        got += (size_t)k;
    }
}

/* Modbus RTU at 9600 8E1: character i of the reply is through the line at the earliest
 * t0 + request (8 characters) + 3.5-character silence + turnaround + (i + 1) characters. */
static void test_modbus_rtu_bytes(void **state)
{
    (void)state;
    struct sim_thread t;
    start(&t, "klefr-6934", 1, 9600);
    int fd = open_line(&t, B9600);
    static const uint8_t req[] = {0x01, 0x03, 0x50, 0x00, 0x00, 0x02, 0xD5, 0x0B};
    uint8_t rsp[9];
    double at[9], t0;
    const double ch = 11.0 / 9600, gap = 3.5 * ch + TURNAROUND_US * 1e-6;
    for (int round = 0; round < 3; round++) { /* the later ones after the silence, too */
        exchange(fd, req, sizeof req, rsp, at, sizeof rsp, &t0);
        assert_memory_equal(rsp, "\x01\x03\x04", 3);
        for (size_t i = 0; i < sizeof rsp; i++)
            if (at[i] < t0 + 8 * ch + gap + (double)(i + 1) * ch)
                fail_msg("round %d: character %zu after %.3f ms, the line needs %.3f ms", round, i,
                         (at[i] - t0) * 1e3, (8 * ch + gap + (double)(i + 1) * ch) * 1e3);
    }
    close(fd);
    sim_thread_stop(&t);
}

/* M-Bus at 9600 8E1: REQ_UD2 to address 0 (5 characters), turnaround, the KLEFR 6923's
 * RSP_UD (81 characters), each at its time. */
static void test_mbus_bytes(void **state)
{
    (void)state;
    struct sim_thread t;
    start(&t, "klefr-6923", 0, 9600);
    int fd = open_line(&t, B9600);
    static const uint8_t req[] = {0x10, 0x7B, 0x00, 0x7B, 0x16};
    uint8_t rsp[81];
    double at[81], t0;
    const double ch = 11.0 / 9600;
    exchange(fd, req, sizeof req, rsp, at, sizeof rsp, &t0);
    assert_memory_equal(rsp, "\x68\x4B\x4B\x68\x08\x00\x72", 7);
    assert_int_equal(rsp[80], 0x16);
    for (size_t i = 0; i < sizeof rsp; i++)
        if (at[i] < t0 + 5 * ch + TURNAROUND_US * 1e-6 + (double)(i + 1) * ch)
            fail_msg("character %zu after %.3f ms, the line needs %.3f ms", i, (at[i] - t0) * 1e3,
                     (5 * ch + TURNAROUND_US * 1e-6 + (double)(i + 1) * ch) * 1e3);
    close(fd);
    sim_thread_stop(&t);
}

static meter_t *open_m(const struct sim_thread *t, const char *model, const char *opts)
{
    char conn[300], err[256];
    meter_t *m;
    snprintf(conn, sizeof conn, "%s%s", meter_sim_endpoint(t->sim), opts);
    if (meter_open(&m, model, conn, err, sizeof err) != METER_OK)
        fail_msg("open %s: %s", conn, err);
    return m;
}

/* A whole KLEFR 6934 snapshot through the public API: at least its transactions' bytes
 * at 9600 8E1, a silence and the turnaround after each request, a silence between frames. */
static void test_modbus_snapshot(void **state)
{
    (void)state;
    struct sim_thread t;
    start(&t, "klefr-6934", 1, 9600);
    meter_t *m = open_m(&t, "klefr-6934", "?id=1&timeout=2000");
    meter_reading_t r[128];
    size_t got;
    double t0 = now_s();
    assert_int_equal(meter_snapshot(m, r, 128, &got), METER_OK);
    double wall = now_s() - t0;
    meter_stats_t st = METER_STATS_INIT;
    assert_int_equal(meter_get_stats(m, &st), METER_OK);
    const double ch = 11.0 / 9600, t35 = 3.5 * ch;
    double k = (double)st.transactions;
    double bound = (double)(st.bytes_sent + st.bytes_received) * ch +
                   k * (t35 + TURNAROUND_US * 1e-6) + (k - 1) * t35;
    assert_true(st.transactions >= 3);
    if (wall < bound)
        fail_msg("snapshot in %.2f ms, the wire needs %.2f ms", wall * 1e3, bound * 1e3);
    meter_close(m);
    sim_thread_stop(&t);
}

/* Modbus TCP: the line behind a gateway carries each frame as RTU, 4 characters shorter
 * than on TCP (no MBAP header; an address and a CRC). */
static void test_modbus_tcp_snapshot(void **state)
{
    (void)state;
    struct sim_thread t;
    start_on(&t, "tcp:127.0.0.1:0", "klefr-6934", 1, 9600);
    meter_t *m = open_m(&t, "klefr-6934", "?id=1&timeout=2000");
    meter_reading_t r[128];
    size_t got;
    double t0 = now_s();
    assert_int_equal(meter_snapshot(m, r, 128, &got), METER_OK);
    double wall = now_s() - t0;
    meter_stats_t st = METER_STATS_INIT;
    assert_int_equal(meter_get_stats(m, &st), METER_OK);
    const double ch = 11.0 / 9600, t35 = 3.5 * ch;
    double k = (double)st.transactions;
    double bound = ((double)(st.bytes_sent + st.bytes_received) - 8 * k) * ch +
                   k * (t35 + TURNAROUND_US * 1e-6) + (k - 1) * t35;
    assert_true(st.transactions >= 3);
    if (wall < bound)
        fail_msg("snapshot in %.2f ms, the wire needs %.2f ms", wall * 1e3, bound * 1e3);
    meter_close(m);
    sim_thread_stop(&t);
}

/* A KLEFR 6921 readout session: sign-on (5 characters) at 300 Bd 7E1, the reaction time
 * (200 ms: "/INM5..." has no 20 ms flag), the identification (11), the option select (6),
 * the reaction time, the readout at 9600 Bd. */
static void test_iec_session(void **state)
{
    (void)state;
    struct sim_thread t;
    start(&t, "klefr-6921", 1, 300);
    meter_t *m = open_m(&t, "klefr-6921", "");
    meter_reading_t r;
    double t0 = now_s();
    assert_int_equal(meter_read(m, METER_Q_ENERGY_ACTIVE_IMPORT, &r), METER_OK);
    double wall = now_s() - t0;
    meter_stats_t st = METER_STATS_INIT;
    assert_int_equal(meter_get_stats(m, &st), METER_OK);
    assert_int_equal(st.bytes_sent, 5 + 6);
    assert_true(st.bytes_received > 11);
    double bound = (5 + 11 + 6) * 10.0 / 300 + 2 * 0.200 +
                   (double)(st.bytes_received - 11) * 10.0 / 9600;
    if (wall < bound)
        fail_msg("session in %.1f ms, the wire needs %.1f ms", wall * 1e3, bound * 1e3);
    meter_close(m);
    sim_thread_stop(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_modbus_rtu_bytes),
        cmocka_unit_test(test_mbus_bytes),
        cmocka_unit_test(test_modbus_snapshot),
        cmocka_unit_test(test_modbus_tcp_snapshot),
        cmocka_unit_test(test_iec_session),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
