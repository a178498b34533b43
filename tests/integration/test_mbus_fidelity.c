/* SPDX-License-Identifier: MIT */
/* One M-Bus quantity, two values: a slave on a pty answers the KLEFR manual's telegram
 * with a record repeated. The same address twice with another value is METER_EVALUE
 * naming both (the other quantities read); with the same value it reads; a record of
 * another address that maps to the same quantity stays a record (the first wins); and
 * every real frame of the corpus reads as before. */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <pty.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <cmocka.h>

#include "meter/meter.h"

/* the KLEFR manual's telegram (docs §9): header, then 9 records in 10 Wh, BCD */
static const uint8_t HEADER[] = {0x08, 0x00, 0x72, 0x00, 0x00, 0x00, 0x00, 0x25, 0xCD,
                                 0x01, 0x02, 0x02, 0x00, 0x00, 0x00};
static const uint8_t RECORDS[] = {
    0x0C, 0x04, 0x14, 0x48, 0x60, 0x01, /* total 16048.14 kWh */
    0x8C, 0x10, 0x04, 0x23, 0x80, 0x35, 0x00, 0x8C, 0x20, 0x04, 0x91, 0x67, 0x24, 0x01,
    0x1C, 0x04, 0x46, 0x13, 0x69, 0x00, /* forward 6913.46 kWh */
    0x9C, 0x10, 0x04, 0x56, 0x34, 0x12, 0x00, 0x9C, 0x20, 0x04, 0x90, 0x78, 0x56, 0x00,
    0x2C, 0x04, 0x68, 0x34, 0x91, 0x00, 0xAC, 0x10, 0x04, 0x67, 0x45, 0x23, 0x00,
    0xAC, 0x20, 0x04, 0x01, 0x89, 0x67, 0x00};

struct slave {
    int master, slave;
    char path[64];
    uint8_t frame[300];
    size_t len;
    int stop[2]; /* a pipe: written to stop the thread */
    pthread_t tid;
};

/* The long frame: the manual's header and records, then @p extra records. */
static void telegram(struct slave *s, const uint8_t *extra, size_t n)
{
    uint8_t body[256];
    size_t k = 0;
    memcpy(body, HEADER, sizeof HEADER);
    k += sizeof HEADER;
    memcpy(body + k, RECORDS, sizeof RECORDS);
    k += sizeof RECORDS;
    memcpy(body + k, extra, n);
    k += n;
    assert_true(k < 256);
    uint8_t cs = 0;
    for (size_t i = 0; i < k; i++)
        cs = (uint8_t)(cs + body[i]);
    s->frame[0] = 0x68;
    s->frame[1] = s->frame[2] = (uint8_t)k;
    s->frame[3] = 0x68;
    memcpy(s->frame + 4, body, k);
    s->frame[4 + k] = cs;
    s->frame[5 + k] = 0x16;
    s->len = k + 6;
}

/* SND_NKE (10 40 A CS 16) gets E5, REQ_UD2 (10 5B/7B A CS 16) the telegram. */
static void *slave_main(void *arg)
{
    struct slave *s = arg;
    uint8_t rx[64];
    size_t have = 0;
    for (;;) {
        struct pollfd p[2] = {{s->master, POLLIN, 0}, {s->stop[0], POLLIN, 0}};
        if (poll(p, 2, -1) < 0 || p[1].revents)
            return NULL;
        ssize_t r = read(s->master, rx + have, sizeof rx - have);
        if (r <= 0)
            return NULL;
        have += (size_t)r;
        while (have >= 5) {
            if (rx[0] != 0x10 || rx[4] != 0x16) {
                memmove(rx, rx + 1, --have);
                continue;
            }
            const uint8_t *ans = (rx[1] & 0x4F) == 0x4B ? s->frame : (const uint8_t *)"\xE5";
            size_t n = (rx[1] & 0x4F) == 0x4B ? s->len : 1;
            if (write(s->master, ans, n) != (ssize_t)n)
                return NULL;
            memmove(rx, rx + 5, have -= 5);
        }
    }
}

static meter_t *start(struct slave *s, const char *model)
{
    assert_int_equal(openpty(&s->master, &s->slave, s->path, NULL, NULL), 0);
    struct termios t;
    assert_int_equal(tcgetattr(s->slave, &t), 0);
    cfmakeraw(&t);
    assert_int_equal(tcsetattr(s->slave, TCSANOW, &t), 0);
    assert_int_equal(pipe(s->stop), 0);
    assert_int_equal(pthread_create(&s->tid, NULL, slave_main, s), 0);
    char conn[128], err[256];
    snprintf(conn, sizeof conn, "mbus:%s?baud=9600&addr=0&timeout=500&retries=0&telegrams=1",
             s->path);
    meter_t *m = NULL;
    if (meter_open(&m, model, conn, err, sizeof err) != METER_OK)
        fail_msg("open %s: %s", conn, err);
    return m;
}

static void stop(struct slave *s, meter_t *m)
{
    meter_close(m);
    assert_int_equal(write(s->stop[1], "x", 1), 1);
    pthread_join(s->tid, NULL);
    close(s->stop[0]);
    close(s->stop[1]);
    close(s->slave);
    close(s->master);
}

/* KLEFR 6923 (its record map) and the generic model (the catalogue) alike. */
static void test_two_values(void **state)
{
    (void)state;
    static const char *const models[] = {"klefr-6923", "mbus"};
    static const meter_quantity_t total[] = {METER_Q_ENERGY_ACTIVE_TOTAL,
                                             METER_Q_ENERGY_ACTIVE_IMPORT};
    for (size_t i = 0; i < 2; i++) {
        static struct slave s;
        static const uint8_t again[] = {0x0C, 0x04, 0x99, 0x99, 0x99, 0x00}; /* 9999.99 */
        memset(&s, 0, sizeof s);
        telegram(&s, again, sizeof again);
        meter_t *m = start(&s, models[i]);
        meter_reading_t r;
        assert_int_equal(meter_read(m, total[i], &r), METER_EVALUE);
        assert_int_equal(r.status, METER_EVALUE);
        assert_true(r.value == 0);
        const char *e = meter_last_error(m);
        if (!strstr(e, "16048.14") || !strstr(e, "9999.99") || !strstr(e, "VIF 04"))
            fail_msg("%s: message: %s", models[i], e);
        /* the snapshot: the clash is an error, what else the telegram has reads */
        meter_reading_t snap[64];
        size_t n = 0;
        assert_int_equal(meter_snapshot(m, snap, 64, &n), METER_EVALUE);
        size_t ok = 0;
        for (size_t k = 0; k < n; k++) {
            assert_false(snap[k].status == METER_OK && snap[k].quantity == total[i]);
            ok += snap[k].status == METER_OK;
        }
        assert_int_equal(ok, i == 0 ? 8 : 2); /* the generic model: function 00, T1 and T2 */
        if (i == 0) {
            assert_int_equal(meter_read(m, METER_Q_ENERGY_ACTIVE_IMPORT, &r), METER_OK);
            assert_true(r.value == 6913.46);
        }
        stop(&s, m);
    }
}

static void test_same_value_twice(void **state)
{
    (void)state;
    static struct slave s;
    static const uint8_t again[] = {0x0C, 0x04, 0x14, 0x48, 0x60, 0x01};
    memset(&s, 0, sizeof s);
    telegram(&s, again, sizeof again);
    meter_t *m = start(&s, "klefr-6923");
    meter_reading_t r;
    assert_int_equal(meter_read(m, METER_Q_ENERGY_ACTIVE_TOTAL, &r), METER_OK);
    assert_true(r.value == 16048.14);
    stop(&s, m);
}

/* Another address (VIF 05: 100 Wh; storage 1) for the same quantity is no clash: the
 * first record of the read gives it (docs/mbus.md, "Which record wins"). */
static void test_other_address(void **state)
{
    (void)state;
    static struct slave s;
    static const uint8_t other[] = {0x0C, 0x05, 0x00, 0x00, 0x00, 0x01, /* 1000 kWh */
                                    0x4C, 0x04, 0x00, 0x00, 0x00, 0x02}; /* storage 1 */
    memset(&s, 0, sizeof s);
    telegram(&s, other, sizeof other);
    meter_t *m = start(&s, "mbus");
    meter_reading_t r;
    assert_int_equal(meter_read(m, METER_Q_ENERGY_ACTIVE_IMPORT, &r), METER_OK);
    assert_true(r.value == 16048.14);
    stop(&s, m);
}

/* Every long frame of the corpus (real meters, tests/fixtures/mbus/frames.tsv) read
 * through the generic model: the rule refuses none of their quantities. (The ELS Falcon
 * sends "storage 1, date" twice, 2007-01-01 and 2008-01-01: the due date and the date
 * of a maximum. Dates are the time of a record beside them, not values: not refused.) */
static void test_corpus_no_clash(void **state)
{
    (void)state;
    char path[512], line[4096];
    snprintf(path, sizeof path, "%s/mbus/frames.tsv", METER_FIXTURES);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    unsigned frames = 0, read = 0;
    while (fgets(line, sizeof line, f)) {
        char name[128], hex[2048];
        if (sscanf(line, "F\t%127[^\t]\t%2047[^\t]", name, hex) != 2)
            continue;
        static struct slave s;
        memset(&s, 0, sizeof s);
        size_t n = strlen(hex) / 2;
        if (n > sizeof s.frame || n < 6)
            continue;
        for (size_t i = 0; i < n; i++)
            sscanf(hex + 2 * i, "%2hhx", &s.frame[i]);
        if (s.frame[0] != 0x68 || s.frame[6] == 0x73 || s.frame[6] == 0x77)
            continue; /* long frames with a variable structure */
        s.frame[4] = 0x08; /* RSP_UD from address 0, the checksum made good again */
        s.frame[5] = 0x00;
        uint8_t cs = 0;
        for (size_t i = 4; i < n - 2; i++)
            cs = (uint8_t)(cs + s.frame[i]);
        s.frame[n - 2] = cs;
        s.len = n;
        frames++;
        meter_t *m = start(&s, "mbus");
        meter_reading_t snap[128];
        size_t k = 0;
        int rc = meter_snapshot(m, snap, 128, &k);
        if (rc == METER_EVALUE)
            fail_msg("%s: %s", name, meter_last_error(m));
        read += rc == METER_OK;
        stop(&s, m);
    }
    fclose(f);
    print_message("%u corpus frames, %u read\n", frames, read);
    assert_true(frames >= 30);
    assert_true(read >= frames - 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_values),
        cmocka_unit_test(test_same_value_twice),
        cmocka_unit_test(test_other_address),
        cmocka_unit_test(test_corpus_no_clash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
