/* SPDX-License-Identifier: MIT */
/* Modbus peers that misbehave on 127.0.0.1 (tcp:, rtu-tcp:): a reply trickling a byte
 * per 450 ms, replies from another unit or transaction, unknown exceptions, protocol id 1,
 * endless noise, a refusal that passes. Each ends with a named error (never a value)
 * within the bound device.h gives. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "support.h"

enum mode {
    TRICKLE,     /* a whole reply, one byte every 450 ms, over and over */
    OTHER_UNIT,  /* a good reply carrying the next unit id */
    OLD_TID,     /* TCP: a good reply to the previous transaction id */
    UNIT0,       /* a good reply carrying unit id 0 */
    EXCEPTION,   /* exception `arg` */
    PROTOCOL1,   /* TCP: protocol id 1 */
    REFUSE_ONCE, /* exception 02 to the first request, then the simulator's replies */
    NOISE        /* endless bytes that are no reply, 64 every 2 ms */
};

struct server {
    int lfd, port, rtu;
    enum mode mode;
    uint8_t arg;
    int stop[2];     /* the test ends the thread */
    int arrived[2];  /* a byte per request received */
    int upstream;    /* REFUSE_ONCE: the simulator's port */
    int refused;
    pthread_t tid;
};

static uint16_t crc16(const uint8_t *p, size_t n)
{
    uint16_t c = 0xFFFF;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? (uint16_t)((c >> 1) ^ 0xA001) : (uint16_t)(c >> 1);
    }
    return c;
}

/* Wait for fd (or the stop pipe): 1 readable, 0 timed out, -1 stop. */
static int wait_in(struct server *s, int fd, int ms)
{
    struct pollfd p[2] = {{fd, POLLIN, 0}, {s->stop[0], POLLIN, 0}};
    int rc = poll(p, 2, ms);
    if (rc > 0 && p[1].revents)
        return -1;
    return rc > 0;
}

/* One request: MBAP (7 + len - 1) or an 8-byte RTU read. Its length, or -1. */
static int take_request(struct server *s, int fd, uint8_t *req)
{
    size_t want = s->rtu ? 8 : 7, got = 0;
    while (got < want) {
        if (wait_in(s, fd, -1) <= 0)
            return -1;
        ssize_t k = read(fd, req + got, want - got);
        if (k <= 0)
            return -1;
        got += (size_t)k;
        if (!s->rtu && got == 7)
            want = 6 + (size_t)(req[4] << 8 | req[5]);
    }
    if (write(s->arrived[1], "r", 1) < 0)
        return -1;
    return (int)got;
}

/* A reply to req per the mode, every register pair 230.1 (0x4366 0x199A). */
static size_t make_reply(const struct server *s, const uint8_t *req, uint8_t *out)
{
    size_t h = s->rtu ? 1 : 7, n;
    uint8_t fc = req[h];
    unsigned count = (unsigned)(req[h + 3] << 8 | req[h + 4]);
    memcpy(out, req, h);
    if (s->mode == EXCEPTION) {
        out[h] = (uint8_t)(fc | 0x80);
        out[h + 1] = s->arg;
        n = h + 2;
    } else {
        out[h] = fc;
        out[h + 1] = (uint8_t)(2 * count);
        for (unsigned i = 0; i < count; i++) {
            out[h + 2 + 2 * i] = i % 2 ? 0x19 : 0x43;
            out[h + 3 + 2 * i] = i % 2 ? 0x9A : 0x66;
        }
        n = h + 2 + 2 * count;
    }
    uint8_t *unit = &out[h - 1];
    if (s->mode == OTHER_UNIT)
        *unit = (uint8_t)(*unit + 1);
    if (s->mode == UNIT0)
        *unit = 0;
    if (s->rtu) {
        uint16_t c = crc16(out, n);
        out[n++] = (uint8_t)c;
        out[n++] = (uint8_t)(c >> 8);
        return n;
    }
    out[4] = (uint8_t)((n - 6) >> 8);
    out[5] = (uint8_t)(n - 6);
    if (s->mode == OLD_TID)
        out[1] = (uint8_t)(out[1] - 1);
    if (s->mode == PROTOCOL1)
        out[3] = 1;
    return n;
}

static int connect_local(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* REFUSE_ONCE: relay a request to the simulator and its reply back. */
static int relay(struct server *s, int up, const uint8_t *req, int len, uint8_t *rsp)
{
    if (write(up, req, (size_t)len) != len)
        return -1;
    size_t got = 0, want = 7;
    while (got < want) {
        if (wait_in(s, up, 5000) <= 0)
            return -1;
        ssize_t k = read(up, rsp + got, want - got);
        if (k <= 0)
            return -1;
        got += (size_t)k;
        if (got == 7)
            want = 6 + (size_t)(rsp[4] << 8 | rsp[5]);
    }
    return (int)got;
}

static void serve(struct server *s, int fd)
{
    uint8_t req[300], rsp[300];
    int up = s->mode == REFUSE_ONCE ? connect_local(s->upstream) : -1;
    for (;;) {
        int len = take_request(s, fd, req);
        if (len < 0)
            break;
        size_t n;
        if (s->mode == REFUSE_ONCE && !s->refused++) {
            struct server ex = *s;
            ex.mode = EXCEPTION;
            ex.arg = 2;
            n = make_reply(&ex, req, rsp);
        } else if (s->mode == REFUSE_ONCE) {
            int k = relay(s, up, req, len, rsp);
            if (k < 0)
                break;
            n = (size_t)k;
        } else {
            n = make_reply(s, req, rsp);
        }
        if (s->mode == NOISE) {
            uint8_t junk[64];
            uint32_t x = 2463534242u;
            for (;;) {
                int w = wait_in(s, fd, 2);
                if (w < 0 || (w > 0 && read(fd, req, sizeof req) <= 0))
                    goto done;
                for (size_t i = 0; i < sizeof junk; i++) {
                    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
                    junk[i] = (uint8_t)x;
                }
                if (write(fd, junk, sizeof junk) != (ssize_t)sizeof junk)
                    goto done;
            }
        }
        if (s->mode != TRICKLE) {
            if (write(fd, rsp, n) != (ssize_t)n)
                break;
            continue;
        }
        /* a byte every 450 ms until the client hangs up (requests it sends are read) */
        for (size_t i = 0;; i = (i + 1) % n) {
            int w = wait_in(s, fd, 450);
            if (w < 0)
                goto done;
            if (w > 0 && read(fd, req, sizeof req) <= 0)
                goto done;
            if (w == 0 && write(fd, &rsp[i], 1) != 1)
                goto done;
        }
    }
done:
    if (up >= 0)
        close(up);
}

static void *server_main(void *arg)
{
    struct server *s = arg;
    while (wait_in(s, s->lfd, -1) > 0) {
        int fd = accept(s->lfd, NULL, NULL);
        if (fd < 0)
            break;
        serve(s, fd);
        close(fd);
    }
    return NULL;
}

static void server_start(struct server *s, enum mode mode, uint8_t arg, int rtu)
{
    memset(s, 0, sizeof *s);
    s->mode = mode;
    s->arg = arg;
    s->rtu = rtu;
    assert_int_equal(pipe(s->stop), 0);
    assert_int_equal(pipe(s->arrived), 0);
    s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t sl = sizeof a;
    assert_int_equal(bind(s->lfd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(s->lfd, 4), 0);
    assert_int_equal(getsockname(s->lfd, (struct sockaddr *)&a, &sl), 0);
    s->port = ntohs(a.sin_port);
}

static void server_run(struct server *s)
{
    assert_int_equal(pthread_create(&s->tid, NULL, server_main, s), 0);
}

static void server_stop(struct server *s)
{
    assert_int_equal(write(s->stop[1], "x", 1), 1);
    pthread_join(s->tid, NULL);
    close(s->lfd);
    close(s->stop[0]);
    close(s->stop[1]);
    close(s->arrived[0]);
    close(s->arrived[1]);
}

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static meter_t *open_at(const struct server *s, const char *opts)
{
    char conn[256], err[256];
    snprintf(conn, sizeof conn, "%s:127.0.0.1:%d?id=1&%s", s->rtu ? "rtu-tcp" : "tcp", s->port, opts);
    meter_t *m = NULL;
    if (meter_open(&m, "klefr-6934", conn, err, sizeof err) != METER_OK)
        fail_msg("open %s: %s", conn, err);
    return m;
}

/* The documented bound of one exchange on TCP (no line speed):
 * (1 + retries) × 2 × timeout. */
static long long bound_ms(unsigned timeout_ms, unsigned retries)
{
    return (1 + (long long)retries) * 2 * timeout_ms;
}

/* One read against a peer in @mode: its status, the time it took, and no value. */
static int read_case(enum mode mode, uint8_t arg, int rtu, const char *opts, unsigned timeout_ms,
                     unsigned retries, meter_reading_t *r)
{
    struct server s;
    server_start(&s, mode, arg, rtu);
    server_run(&s);
    char o[128];
    snprintf(o, sizeof o, "timeout=%u&retries=%u%s", timeout_ms, retries, opts);
    meter_t *m = open_at(&s, o);
    long long t0 = now_ms();
    int rc = meter_read(m, METER_Q_VOLTAGE_L1, r);
    long long took = now_ms() - t0;
    if (took > bound_ms(timeout_ms, retries))
        fail_msg("the read took %lld ms, the bound is %lld ms", took, bound_ms(timeout_ms, retries));
    if (rc != METER_OK)
        print_message("  %s\n", meter_last_error(m));
    meter_close(m);
    server_stop(&s);
    return rc;
}

static void test_trickle(void **state)
{
    (void)state;
    meter_reading_t r;
    for (int rtu = 0; rtu <= 1; rtu++) {
        assert_int_equal(read_case(TRICKLE, 0, rtu, "", 1000, 1, &r), METER_ETIMEDOUT);
        assert_int_not_equal(r.status, METER_OK);
    }
}

/* a meter that refuses everything (02), or is busy (06): every quantity gets the
 * exception (never METER_ERANGE), and the handle learns no limit from it */
static void test_refusals_teach_nothing(void **state)
{
    (void)state;
    static const uint8_t codes[] = {0x02, 0x06};
    for (size_t c = 0; c < sizeof codes; c++) {
        struct server s;
        server_start(&s, EXCEPTION, codes[c], 0);
        server_run(&s);
        meter_t *m = open_at(&s, "timeout=300&retries=1");
        size_t need = meter_quantities(m, NULL, 0), n;
        meter_reading_t *r = calloc(need, sizeof *r);
        assert_int_equal(meter_snapshot(m, r, need, &n), METER_EEXCEPTION);
        for (size_t i = 0; i < n; i++)
            assert_int_equal(r[i].status, METER_EEXCEPTION);
        meter_stats_t st = METER_STATS_INIT;
        assert_int_equal(meter_get_stats(m, &st), METER_OK);
        assert_int_equal(st.max_registers, 125);
        free(r);
        meter_close(m);
        server_stop(&s);
    }
}

/* an endless stream of noise: a named error by the bound, never a value */
static void test_noise(void **state)
{
    (void)state;
    meter_reading_t r;
    for (int rtu = 0; rtu <= 1; rtu++) {
        int rc = read_case(NOISE, 0, rtu, "", 300, 1, &r);
        assert_true(rc == METER_EFRAME || rc == METER_ECHECKSUM || rc == METER_ETIMEDOUT ||
                    rc == METER_ESLAVE);
        assert_int_not_equal(r.status, METER_OK);
    }
}

static void test_other_unit(void **state)
{
    (void)state;
    meter_reading_t r;
    for (int rtu = 0; rtu <= 1; rtu++) {
        assert_int_equal(read_case(OTHER_UNIT, 0, rtu, "", 300, 1, &r), METER_ESLAVE);
        assert_int_not_equal(r.status, METER_OK);
    }
    assert_int_equal(read_case(OLD_TID, 0, 0, "", 300, 1, &r), METER_ESLAVE);
}

static void test_unit0_only_when_asked(void **state)
{
    (void)state;
    meter_reading_t r;
    for (int rtu = 0; rtu <= 1; rtu++) {
        assert_int_equal(read_case(UNIT0, 0, rtu, "", 300, 0, &r), METER_ESLAVE);
        assert_int_equal(read_case(UNIT0, 0, rtu, "&any_unit=1", 300, 0, &r), METER_OK);
        assert_true(r.value == 230.1);
    }
}

static void test_exceptions(void **state)
{
    (void)state;
    static const struct {
        uint8_t code;
        const char *text;
    } cases[] = {{0x00, "exception 0x00 (unknown)"}, {0x0C, "exception 0x0C (unknown)"},
                 {0xFF, "exception 0xFF (unknown)"}, {0x02, "exception 0x02 (illegal data address)"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        for (int rtu = 0; rtu <= 1; rtu++) {
            struct server s;
            server_start(&s, EXCEPTION, cases[i].code, rtu);
            server_run(&s);
            meter_t *m = open_at(&s, "timeout=300&retries=0");
            meter_reading_t r;
            assert_int_equal(meter_read(m, METER_Q_VOLTAGE_L1, &r), METER_EEXCEPTION);
            if (!strstr(meter_last_error(m), cases[i].text))
                fail_msg("'%s' does not say '%s'", meter_last_error(m), cases[i].text);
            meter_close(m);
            server_stop(&s);
        }
}

static void test_protocol_id(void **state)
{
    (void)state;
    meter_reading_t r;
    assert_int_equal(read_case(PROTOCOL1, 0, 0, "", 300, 1, &r), METER_EFRAME);
}

struct call {
    meter_t *m;
    meter_reading_t r;
    int rc;
};

static void *do_read(void *arg)
{
    struct call *c = arg;
    c->rc = meter_read(c->m, METER_Q_VOLTAGE_L1, &c->r);
    return NULL;
}

/* meter_cancel() ends a read that a trickling peer keeps waiting */
static void test_cancel_trickle(void **state)
{
    (void)state;
    for (int rtu = 0; rtu <= 1; rtu++) {
        struct server s;
        server_start(&s, TRICKLE, 0, rtu);
        server_run(&s);
        struct call c = {open_at(&s, "timeout=60000&retries=0"), {0}, 0};
        long long t0 = now_ms();
        pthread_t tid;
        assert_int_equal(pthread_create(&tid, NULL, do_read, &c), 0);
        char b;
        assert_int_equal(read(s.arrived[0], &b, 1), 1); /* the request is out: the call waits */
        meter_cancel(c.m);
        pthread_join(tid, NULL);
        assert_int_equal(c.rc, METER_ECANCELED);
        assert_true(now_ms() - t0 < 60000);
        meter_close(c.m);
        server_stop(&s);
    }
}

/* one exception 02, then the meter answers: every quantity is read, and the
 * learned limit is tried again after MTR_MB_RELEARN reads */
static void test_refusal_passes(void **state)
{
    (void)state;
    struct sim_thread st;
    const int ids[] = {1, 0};
    assert_int_equal(sim_thread_start(&st, "tcp:127.0.0.1:0", "klefr-6934", ids, 1), METER_OK);
    const char *ep = meter_sim_endpoint(st.sim);
    struct server s;
    server_start(&s, REFUSE_ONCE, 0, 0);
    s.upstream = atoi(strrchr(ep, ':') + 1);
    server_run(&s);
    meter_t *m = open_at(&s, "timeout=1000&retries=0");
    size_t need = meter_quantities(m, NULL, 0), n;
    meter_reading_t *r = calloc(need, sizeof *r);
    meter_stats_t st0 = METER_STATS_INIT, st1 = METER_STATS_INIT;
    for (int k = 1; k <= 17; k++) {
        meter_get_stats(m, &st0);
        int rc = meter_snapshot(m, r, need, &n);
        meter_get_stats(m, &st1);
        if (rc != METER_OK)
            fail_msg("snapshot %d: %s", k, meter_last_error(m));
        for (size_t i = 0; i < n; i++)
            assert_int_equal(r[i].status, METER_OK);
        if (k == 2)
            assert_true(st1.transactions - st0.transactions > 3); /* shorter reads learned */
        if (k == 16) /* the longest reads tried again: what a fresh handle sends */
            assert_int_equal(st1.transactions - st0.transactions, 3);
    }
    free(r);
    meter_close(m);
    server_stop(&s);
    sim_thread_stop(&st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trickle),          cmocka_unit_test(test_other_unit),
        cmocka_unit_test(test_unit0_only_when_asked), cmocka_unit_test(test_exceptions),
        cmocka_unit_test(test_protocol_id),      cmocka_unit_test(test_cancel_trickle),
        cmocka_unit_test(test_refusal_passes),   cmocka_unit_test(test_noise),
        cmocka_unit_test(test_refusals_teach_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
