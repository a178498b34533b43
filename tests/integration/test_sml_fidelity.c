/* SPDX-License-Identifier: MIT */
/* SML telegrams built here byte by byte, pushed over a pty: a telegram of 100 entries
 * whose wanted value is entry 90, one with as many entries as a frame can carry, and a
 * code sent twice (one value: read; two values: METER_EVALUE naming both, the rest read).
 * The entry choice is also checked on every corpus capture: no real meter is refused. */
#include <fcntl.h>
#include <pthread.h>
#include <pty.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "protocols/sml/sml_internal.h"

/* ---- a small SML writer ---------------------------------------------------- */

struct buf {
    uint8_t p[8192];
    size_t n;
};

static void put(struct buf *b, const void *p, size_t n)
{
    assert_true(b->n + n <= sizeof b->p);
    memcpy(b->p + b->n, p, n);
    b->n += n;
}

static void byte(struct buf *b, uint8_t v)
{
    put(b, &v, 1);
}

static void octets(struct buf *b, const void *p, size_t n) /* n < 15 */
{
    byte(b, (uint8_t)(n + 1));
    put(b, p, n);
}

static void u32(struct buf *b, uint32_t v)
{
    uint8_t x[5] = {0x65, (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    put(b, x, 5);
}

/* one SML_ListEntry: objName, status absent, valTime absent, unit, scaler, value */
static void entry(struct buf *b, const uint8_t obis[6], uint8_t unit, int8_t scaler, uint32_t v)
{
    byte(b, 0x77);
    octets(b, obis, 6);
    byte(b, 0x01);
    byte(b, 0x01);
    uint8_t u[2] = {0x62, unit};
    put(b, u, 2);
    uint8_t s[2] = {0x52, (uint8_t)scaler};
    put(b, s, 2);
    u32(b, v);
    byte(b, 0x01);
}

/* the smallest entry the decoder takes (MTR_SML_ENTRY_MIN bytes): a 1-byte objName */
static void tiny_entry(struct buf *b)
{
    static const uint8_t x[MTR_SML_ENTRY_MIN] = {0x77, 0x02, 0x00, 0x01, 0x01, 0x01,
                                                 0x01, 0x01, 0x01};
    put(b, x, sizeof x);
}

static const uint8_t SERVER[] = {0x0a, 0x01, 'T', 'S', 'T', 0x00, 0x00, 0x00, 0x00, 0x01};

/* 76 [transactionId, groupNo, abortOnError, body 72 [tag, ...], crc, 00] */
static void message(struct buf *file, uint32_t tag, const struct buf *body, uint8_t tid)
{
    size_t start = file->n;
    byte(file, 0x76);
    octets(file, &tid, 1);
    uint8_t grp[2] = {0x62, 0x00}, abort_[2] = {0x62, 0x00};
    put(file, grp, 2);
    put(file, abort_, 2);
    byte(file, 0x72);
    u32(file, tag);
    put(file, body->p, body->n);
    uint16_t crc = mtr_sml_crc_x25(file->p + start, file->n - start);
    uint8_t c[3] = {0x63, (uint8_t)(crc & 0xff), (uint8_t)(crc >> 8)}; /* low byte first */
    put(file, c, 3);
    byte(file, 0x00);
}

/* A whole transport frame: OpenRes, GetListRes with @p list (its entries, @p n of them),
 * CloseRes. */
static size_t telegram(const struct buf *list, size_t n, uint8_t *out, size_t cap)
{
    static struct buf file, body;
    file.n = body.n = 0;
    /* PublicOpen.Res 76 [codepage, clientId, reqFileId, serverId, refTime, smlVersion] */
    byte(&body, 0x76);
    byte(&body, 0x01);
    byte(&body, 0x01);
    octets(&body, "F1", 2);
    octets(&body, SERVER, sizeof SERVER);
    byte(&body, 0x01);
    byte(&body, 0x01);
    message(&file, MTR_SML_TAG_OPEN_RES, &body, 1);
    /* GetList.Res 77 [clientId, serverId, listName, actSensorTime, valList, sig, gwTime] */
    body.n = 0;
    byte(&body, 0x77);
    byte(&body, 0x01);
    octets(&body, SERVER, sizeof SERVER);
    byte(&body, 0x01);
    byte(&body, 0x01);
    /* the list's TL: type 7 and the count, 4 bits a byte, "more" in bit 7 */
    assert_true(n < 0x1000);
    if (n >= 256)
        byte(&body, (uint8_t)(0xF0 | (n >> 8)));
    if (n >= 16)
        byte(&body, (uint8_t)((n >= 256 ? 0x80 : 0xF0) | ((n >> 4) & 0x0F)));
    byte(&body, (uint8_t)((n >= 16 ? 0x00 : 0x70) | (n & 0x0F)));
    put(&body, list->p, list->n);
    byte(&body, 0x01);
    byte(&body, 0x01);
    message(&file, MTR_SML_TAG_GETLIST_RES, &body, 2);
    /* Close.Res 71 [signature] */
    body.n = 0;
    byte(&body, 0x71);
    byte(&body, 0x01);
    message(&file, MTR_SML_TAG_CLOSE_RES, &body, 3);
    /* transport: start, file (no 1B 1B 1B 1B inside), padding, end, CRC */
    static const uint8_t esc[4] = {0x1b, 0x1b, 0x1b, 0x1b}, ver[4] = {1, 1, 1, 1};
    size_t k = 0, pad = (4 - file.n % 4) % 4;
    assert_true(8 + file.n + pad + 8 <= cap);
    memcpy(out, esc, 4);
    memcpy(out + 4, ver, 4);
    memcpy(out + 8, file.p, file.n);
    k = 8 + file.n;
    memset(out + k, 0, pad);
    k += pad;
    memcpy(out + k, esc, 4);
    out[k + 4] = 0x1a;
    out[k + 5] = (uint8_t)pad;
    uint16_t crc = mtr_sml_crc_x25(out, k + 6);
    out[k + 6] = (uint8_t)(crc & 0xff);
    out[k + 7] = (uint8_t)(crc >> 8);
    return k + 8;
}

static const uint8_t E180[6] = {1, 0, 1, 8, 0, 255}, P1670[6] = {1, 0, 16, 7, 0, 255},
                     V3270[6] = {1, 0, 32, 7, 0, 255};

/* ---- a pushing meter on a pty ------------------------------------------------ */

struct pusher {
    int master, slave;
    char path[64];
    const uint8_t *frame;
    size_t len;
    atomic_int stop;
    pthread_t tid;
};

/* Push the telegram every 50 ms, as a meter does, until told to stop. */
static void *push_main(void *arg)
{
    struct pusher *p = arg;
    while (!atomic_load(&p->stop)) {
        size_t off = 0;
        while (off < p->len) {
            ssize_t w = write(p->master, p->frame + off, p->len - off);
            if (w <= 0)
                break;
            off += (size_t)w;
        }
        struct timespec t = {0, 50 * 1000000L};
        nanosleep(&t, NULL);
    }
    return NULL;
}

static void push_start(struct pusher *p, const uint8_t *frame, size_t len)
{
    memset(p, 0, sizeof *p);
    assert_int_equal(openpty(&p->master, &p->slave, p->path, NULL, NULL), 0);
    struct termios t;
    assert_int_equal(tcgetattr(p->slave, &t), 0);
    cfmakeraw(&t);
    assert_int_equal(tcsetattr(p->slave, TCSANOW, &t), 0);
    /* never blocked by a full pty: what finds no room is dropped, as on a line */
    fcntl(p->master, F_SETFL, fcntl(p->master, F_GETFL) | O_NONBLOCK);
    p->frame = frame;
    p->len = len;
    assert_int_equal(pthread_create(&p->tid, NULL, push_main, p), 0);
}

static void push_stop(struct pusher *p)
{
    atomic_store(&p->stop, 1);
    pthread_join(p->tid, NULL);
    close(p->slave);
    close(p->master);
}

static meter_t *open_pty(const struct pusher *p)
{
    char conn[128], err[256];
    meter_t *m = NULL;
    snprintf(conn, sizeof conn, "sml:%s?baud=115200&interval=1000", p->path);
    if (meter_open(&m, "sml", conn, err, sizeof err) != METER_OK)
        fail_msg("open %s: %s", conn, err);
    return m;
}

/* ---- the cases ----------------------------------------------------------------- */

/* 100 entries; the energy is entry 90, the voltage entry 100. */
static void test_hundred_entries(void **state)
{
    (void)state;
    static struct buf list;
    static uint8_t frame[MTR_SML_FRAME_MAX];
    list.n = 0;
    for (unsigned i = 0; i < 100; i++) {
        uint8_t other[6] = {1, 0, 96, 50, (uint8_t)i, 255}; /* not in the catalogue */
        if (i == 89)
            entry(&list, E180, 30, -1, 123456000u); /* 12345600.0 Wh = 12345.6 kWh */
        else if (i == 99)
            entry(&list, V3270, 35, -1, 2301);
        else
            entry(&list, other, 255, 0, i);
    }
    size_t n = telegram(&list, 100, frame, sizeof frame);
    assert_true(n <= MTR_SML_FRAME_MAX);
    struct pusher p;
    push_start(&p, frame, n);
    meter_t *m = open_pty(&p);
    meter_quantity_t qs[] = {METER_Q_ENERGY_ACTIVE_IMPORT, METER_Q_VOLTAGE_L1};
    meter_reading_t r[2];
    int rc = meter_read_list(m, qs, 2, r);
    if (rc != METER_OK)
        fail_msg("read: %s", meter_last_error(m));
    assert_true(r[0].value == 12345.6);
    assert_true(r[1].value == 230.1);
    static meter_record_t recs[128];
    size_t nrec = 0;
    assert_int_equal(meter_read_records(m, recs, 128, &nrec), METER_OK);
    assert_int_equal(nrec, 101); /* the server id, then every entry */
    assert_int_equal(recs[90].quantity, METER_Q_ENERGY_ACTIVE_IMPORT);
    meter_close(m);
    push_stop(&p);
}

/* As many entries as a frame can carry: the wanted value is the last of them. */
static void test_full_frame(void **state)
{
    (void)state;
    static struct buf list;
    static uint8_t frame[MTR_SML_FRAME_MAX + 64];
    size_t n = 0;
    list.n = 0;
    /* room: the frame's framing and messages take about 110 bytes, the energy 20 */
    while (list.n + MTR_SML_ENTRY_MIN + 20 + 110 + 16 < MTR_SML_FRAME_MAX) {
        tiny_entry(&list);
        n++;
    }
    entry(&list, E180, 30, -1, 123456000u);
    n++;
    size_t len = telegram(&list, n, frame, sizeof frame);
    assert_true(len <= MTR_SML_FRAME_MAX);
    assert_true(n > 400 && n <= MTR_SML_ENTRIES_MAX);
    struct pusher p;
    push_start(&p, frame, len);
    meter_t *m = open_pty(&p);
    meter_reading_t r;
    int rc = meter_read(m, METER_Q_ENERGY_ACTIVE_IMPORT, &r);
    if (rc != METER_OK)
        fail_msg("read of entry %zu: %s", n, meter_last_error(m));
    assert_true(r.value == 12345.6);
    meter_close(m);
    push_stop(&p);
}

/* The same code twice: two values are refused (and say both), the rest reads; one
 * value twice, even written with another scaler, is read. */
static void test_two_values(void **state)
{
    (void)state;
    static struct buf list;
    static uint8_t frame[MTR_SML_FRAME_MAX];
    list.n = 0;
    entry(&list, E180, 30, -1, 123456000u);
    entry(&list, P1670, 27, -1, 4560);
    entry(&list, V3270, 35, -1, 2301);
    entry(&list, E180, 30, -1, 999999990u);
    entry(&list, V3270, 35, -2, 23010); /* 230.10 V: the same */
    size_t len = telegram(&list, 5, frame, sizeof frame);
    struct pusher p;
    push_start(&p, frame, len);
    meter_t *m = open_pty(&p);
    meter_quantity_t qs[] = {METER_Q_ACTIVE_POWER, METER_Q_ENERGY_ACTIVE_IMPORT, METER_Q_VOLTAGE_L1};
    meter_reading_t r[3];
    assert_int_equal(meter_read_list(m, qs, 3, r), METER_EVALUE);
    assert_int_equal(r[0].status, METER_OK);
    assert_true(r[0].value == 456);
    assert_int_equal(r[1].status, METER_EVALUE);
    assert_true(r[1].value == 0);
    assert_int_equal(r[2].status, METER_OK);
    assert_true(r[2].value == 230.1);
    const char *e = meter_last_error(m);
    if (!strstr(e, "1-0:1.8.0*255") || !strstr(e, "12345600 Wh") || !strstr(e, "99999999 Wh"))
        fail_msg("message: %s", e);
    /* the snapshot: the other quantities read, the clash is an error */
    meter_reading_t s[16];
    size_t n = 0;
    assert_int_equal(meter_snapshot(m, s, 16, &n), METER_EVALUE);
    int seen = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i].quantity == METER_Q_ENERGY_ACTIVE_IMPORT) {
            assert_int_equal(s[i].status, METER_EVALUE);
            seen++;
        } else {
            assert_int_equal(s[i].status, METER_OK);
        }
    }
    assert_int_equal(seen, 1);
    meter_close(m);
    push_stop(&p);
}

/* Every corpus capture through the choice: no real meter sends a code twice with two
 * values, so none of its quantities is refused. */
static void test_corpus_no_clash(void **state)
{
    (void)state;
    static const char *const files[] = {
        "libsml-testing__DZG_DVS-7412.2_jmberg", "libsml-testing__DZG_DVS-7420.2V.G2_mtr1",
        "libsml-testing__DrNeuhaus_SMARTY_ix-130", "libsml-testing__EMH-ED300L_delivery",
        "libsml-testing__EMH_eHZ-HW8E2A5L0EK2P", "libsml-testing__EMH_eHZ361L5R",
        "libsml-testing__EMH_mME40-AE6AKF0K0", "libsml-testing__HOLLEY_DTZ541-ZDBA",
        "libsml-testing__ISKRA_MT175_eHZ", "libsml-testing__ISKRA_MT631-D1A52-K0z-H01_without_PIN",
        "libsml-testing__ITRON_OpenWay-3.HZ", "libsml-testing__dzg_dwsb20_2th_3byte",
        "libsml-testing__eBZ_DD3_DD3BZ06DTA-SMZ1_without_PIN", "smartmeter-obis__ttyUSB0-2.dump",
        "smlpy__test_own_data_EMH_eHZ-K"};
    const struct mtr_sml_driver *d = mtr_model_find("sml")->proto_data;
    static mtr_sml_stream_t st;
    static mtr_sml_entry_t entries[MTR_SML_ENTRIES_MAX];
    static uint8_t data[1 << 16];
    unsigned frames = 0, mapped = 0;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/sml/%s.bin", METER_FIXTURES, files[i]);
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        size_t len = fread(data, 1, sizeof data, f);
        fclose(f);
        mtr_sml_stream_init(&st, MTR_SML_OPT_KERMIT | MTR_SML_OPT_MSG_CRC_TRUST_TRANSPORT);
        for (size_t pos = 0; pos < len;) {
            size_t used = 0;
            mtr_sml_frame_t fr;
            int rc = mtr_sml_stream_feed(&st, data + pos, len - pos, &used, &fr, NULL, 0);
            pos += used;
            if (rc != MTR_SML_FRAME)
                continue;
            mtr_sml_result_t res = {.entries = entries, .cap = MTR_SML_ENTRIES_MAX};
            if (mtr_sml_decode_frame(&fr, st.flags, &res, NULL, 0) != METER_OK)
                continue;
            frames++;
            size_t best[METER_Q_COUNT_], clash[METER_Q_COUNT_];
            mtr_sml_choose(d, &res, best, clash);
            for (size_t q = 0; q < METER_Q_COUNT_; q++) {
                if (clash[q] != SIZE_MAX)
                    fail_msg("%s: %s twice with two values", files[i],
                             meter_quantity_info((meter_quantity_t)q)->name);
                mapped += best[q] != SIZE_MAX;
            }
        }
    }
    assert_true(frames > 20);
    assert_true(mapped > 40);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hundred_entries),
        cmocka_unit_test(test_full_frame),
        cmocka_unit_test(test_two_values),
        cmocka_unit_test(test_corpus_no_clash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
