/* SPDX-License-Identifier: MIT */
/* What a reading's status says when the meter's telegram is at fault: a record
 * with BCD digits A..F is METER_EVALUE (the meter's doing), the quantities after
 * a record cut off are the frame's error (METER_ETRUNCATED), and the ones before
 * it are read — never METER_EQUANTITY, which blames the caller. A scripted slave
 * behind a TCP "gateway" answers the KLEFR 6923 manual's telegram, altered. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "meter/meter.h"

/* the manual's telegram (seed 001), checksum 7C */
static const uint8_t klefr[] = {
    0x68, 0x4B, 0x4B, 0x68, 0x08, 0x00, 0x72, 0x00, 0x00, 0x00, 0x00, 0x25, 0xCD, 0x01, 0x02,
    0x02, 0x00, 0x00, 0x00, 0x0C, 0x04, 0x14, 0x48, 0x60, 0x01, 0x8C, 0x10, 0x04, 0x23, 0x80,
    0x35, 0x00, 0x8C, 0x20, 0x04, 0x91, 0x67, 0x24, 0x01, 0x1C, 0x04, 0x46, 0x13, 0x69, 0x00,
    0x9C, 0x10, 0x04, 0x56, 0x34, 0x12, 0x00, 0x9C, 0x20, 0x04, 0x90, 0x78, 0x56, 0x00, 0x2C,
    0x04, 0x68, 0x34, 0x91, 0x00, 0xAC, 0x10, 0x04, 0x67, 0x45, 0x23, 0x00, 0xAC, 0x20, 0x04,
    0x01, 0x89, 0x67, 0x00, 0x7C, 0x16};

struct slave {
    int listen_fd;
    pthread_t tid;
    uint8_t frame[300];
    size_t len;
};

/* a long frame from user data (C A CI … records): start, L, checksum, stop */
static size_t long_frame(uint8_t *out, const uint8_t *ud, size_t n)
{
    out[0] = out[3] = 0x68;
    out[1] = out[2] = (uint8_t)n;
    memcpy(out + 4, ud, n);
    uint8_t cs = 0;
    for (size_t i = 0; i < n; i++)
        cs = (uint8_t)(cs + ud[i]);
    out[4 + n] = cs;
    out[5 + n] = 0x16;
    return n + 6;
}

/* SND_NKE (10 40 …) gets E5, REQ_UD2 (10 5B/7B …) the frame, until the client leaves */
static void *serve(void *arg)
{
    struct slave *s = arg;
    int c = accept(s->listen_fd, NULL, NULL);
    for (;;) {
        uint8_t req[5];
        size_t got = 0;
        while (c >= 0 && got < 5) {
            ssize_t k = read(c, req + got, 5 - got);
            if (k <= 0)
                goto out;
            got += (size_t)k;
        }
        if (c < 0)
            break;
        if (req[1] == 0x40) {
            uint8_t e5 = 0xE5;
            if (write(c, &e5, 1) != 1)
                break;
        } else if (write(c, s->frame, s->len) != (ssize_t)s->len) {
            break;
        }
    }
out:
    if (c >= 0)
        close(c);
    return NULL;
}

static meter_t *start(struct slave *s)
{
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    s->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s->listen_fd >= 0);
    assert_int_equal(bind(s->listen_fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(s->listen_fd, 1), 0);
    socklen_t al = sizeof a;
    getsockname(s->listen_fd, (struct sockaddr *)&a, &al);
    assert_int_equal(pthread_create(&s->tid, NULL, serve, s), 0);
    char conn[128], err[256];
    snprintf(conn, sizeof conn, "mbus-tcp:127.0.0.1:%u?timeout=500&retries=0", ntohs(a.sin_port));
    meter_t *m = NULL;
    if (meter_open(&m, "klefr-6923", conn, err, sizeof err) != METER_OK)
        fail_msg("open %s: %s", conn, err);
    return m;
}

static void stop(struct slave *s, meter_t *m)
{
    meter_close(m);
    pthread_join(s->tid, NULL);
    close(s->listen_fd);
}

static const meter_quantity_t want[] = {METER_Q_ENERGY_ACTIVE_TOTAL, METER_Q_ENERGY_ACTIVE_IMPORT,
                                        METER_Q_ENERGY_ACTIVE_EXPORT};

static void test_bad_bcd_is_the_meters(void **state)
{
    (void)state;
    struct slave s;
    uint8_t ud[256];
    memcpy(ud, klefr + 4, klefr[1]);
    ud[15 + 2] = 0x1A; /* the first record's lowest BCD byte: digit A */
    s.len = long_frame(s.frame, ud, klefr[1]);
    meter_t *m = start(&s);
    meter_reading_t r[3];
    assert_int_equal(meter_read_list(m, want, 3, r), METER_EVALUE);
    assert_int_equal(r[0].status, METER_EVALUE);
    assert_int_equal(r[1].status, METER_OK); /* the other records are fine */
    assert_true(r[1].value == 6913.46); /* 1C 04 46 13 69 00: forward, the manual's table */
    assert_non_null(strstr(meter_last_error(m), "cannot be valid"));
    stop(&s, m);
}

static void test_cut_off_record_is_the_frames(void **state)
{
    (void)state;
    struct slave s;
    uint8_t ud[256];
    /* C A CI + 12 header bytes, three whole records (6 + 7 + 7 bytes), 3 bytes of the fourth */
    size_t n = 3 + 12 + 20 + 3;
    memcpy(ud, klefr + 4, n);
    s.len = long_frame(s.frame, ud, n);
    meter_t *m = start(&s);
    const meter_quantity_t q[] = {METER_Q_ENERGY_ACTIVE_TOTAL, METER_Q_ENERGY_ACTIVE_EXPORT_T1};
    meter_reading_t r[2];
    int rc = meter_read_list(m, q, 2, r);
    assert_int_equal(r[0].status, METER_OK);
    assert_true(r[0].value == 16048.14);
    assert_int_not_equal(r[1].status, METER_EQUANTITY);
    assert_int_equal(r[1].status, METER_ETRUNCATED);
    assert_int_equal(rc, METER_ETRUNCATED);
    assert_non_null(strstr(meter_last_error(m), "records stop at byte"));
    stop(&s, m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_bcd_is_the_meters),
        cmocka_unit_test(test_cut_off_record_is_the_frames),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
