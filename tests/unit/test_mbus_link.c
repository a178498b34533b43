/* SPDX-License-Identifier: MIT */
/* M-Bus link layer: frame parsing, checksums, request builders (the KLEFR
 * 6923 manual's write commands byte for byte) and the incremental parser
 * (resynchronisation after garbage, echo recognition, chunked input).
 * Expected bytes were computed independently (python), not by this code. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hex.h"

#include "proto/mbus.h"

#define ASSERT_BYTES(buf, len, hex)                                                        \
    do {                                                                                   \
        uint8_t exp_[300];                                                                 \
        size_t n_ = unhex(hex, exp_, sizeof exp_);                                         \
        assert_int_equal((len), n_);                                                       \
        assert_memory_equal((buf), exp_, n_);                                              \
    } while (0)

static void test_checksum_and_parse_kinds(void **state)
{
    (void)state;
    uint8_t b[300];
    mtr_mbus_frame_t f;
    char err[128];
    size_t n;

    n = unhex("E5", b, sizeof b);
    assert_int_equal(mtr_mbus_frame_parse(b, n, &f, NULL, err, sizeof err), METER_OK);
    assert_int_equal(f.kind, MTR_MBUS_FRAME_ACK);
    assert_int_equal(f.size, 1);

    n = unhex("10 7B 01 7C 16", b, sizeof b);
    assert_int_equal(mtr_mbus_frame_parse(b, n, &f, NULL, err, sizeof err), METER_OK);
    assert_int_equal(f.kind, MTR_MBUS_FRAME_SHORT);
    assert_int_equal(f.c, 0x7B);
    assert_int_equal(f.a, 1);
    assert_true(mtr_mbus_c_is_request(f.c));

    n = unhex("68 03 03 68 53 01 BD 11 16", b, sizeof b);
    assert_int_equal(mtr_mbus_frame_parse(b, n, &f, NULL, err, sizeof err), METER_OK);
    assert_int_equal(f.kind, MTR_MBUS_FRAME_CONTROL);
    assert_int_equal(f.ci, 0xBD);
    assert_int_equal(f.data_len, 0);

    /* bad checksum, bad stop, L mismatch, L < 3, second start, truncated */
    n = unhex("10 7B 01 7D 16", b, sizeof b);
    assert_int_equal(mtr_mbus_frame_parse(b, n, &f, NULL, err, sizeof err), METER_ECHECKSUM);
    n = unhex("10 7B 01 7C 17", b, sizeof b);
    assert_int_equal(mtr_mbus_frame_parse(b, n, &f, NULL, err, sizeof err), METER_EFRAME);
    n = unhex("68 03 04 68 53 01 BD 11 16", b, sizeof b);
    assert_int_equal(mtr_mbus_frame_parse(b, n, &f, NULL, err, sizeof err), METER_EFRAME);
    n = unhex("68 02 02 68 53 01 54 16", b, sizeof b);
    assert_int_equal(mtr_mbus_frame_parse(b, n, &f, NULL, err, sizeof err), METER_EFRAME);
    n = unhex("68 03 03 69 53 01 BD 11 16", b, sizeof b);
    assert_int_equal(mtr_mbus_frame_parse(b, n, &f, NULL, err, sizeof err), METER_EFRAME);
    n = unhex("68 03 03 68 53 01 BD 12 16", b, sizeof b);
    assert_int_equal(mtr_mbus_frame_parse(b, n, &f, NULL, err, sizeof err), METER_ECHECKSUM);
    size_t need = 0;
    n = unhex("68 03 03 68 53 01", b, sizeof b);
    assert_int_equal(mtr_mbus_frame_parse(b, n, &f, &need, err, sizeof err), METER_ETRUNCATED);
    assert_int_equal(need, 3);
    n = unhex("10 7B", b, sizeof b);
    assert_int_equal(mtr_mbus_frame_parse(b, n, &f, &need, err, sizeof err), METER_ETRUNCATED);
    assert_int_equal(need, 3);
    assert_int_equal(mtr_mbus_frame_parse(b, 0, &f, &need, err, sizeof err), METER_ETRUNCATED);
    n = unhex("FE", b, sizeof b);
    assert_int_equal(mtr_mbus_frame_parse(b, n, &f, NULL, err, sizeof err), METER_EFRAME);
    assert_non_null(strstr(err, "FE"));

    /* the largest frame: L = 255, 252 data bytes */
    uint8_t data[252];
    memset(data, 0xAA, sizeof data);
    size_t len;
    assert_int_equal(mtr_mbus_build_long(b, sizeof b, 0x08, 1, 0x72, data, 252, &len), METER_OK);
    assert_int_equal(len, 261);
    assert_int_equal(mtr_mbus_frame_parse(b, len, &f, NULL, err, sizeof err), METER_OK);
    assert_int_equal(f.data_len, 252);
    assert_int_equal(mtr_mbus_build_long(b, sizeof b, 0x08, 1, 0x72, data, 253, &len),
                     METER_EINVAL);
    assert_int_equal(mtr_mbus_build_long(b, 260, 0x08, 1, 0x72, data, 252, &len),
                     METER_EBUFSIZE);
}

/* fuzz_mbus finding: a control frame (L = 3) with CI 78 is a complete variable data
 * reply without records. Its frame has no data (NULL), and the application layer
 * used to compute NULL + 0 (undefined; UBSan halts on it): payload and records stay
 * NULL with length 0 and walk to no record. Regression seed: fuzz/seeds/fuzz_mbus/. */
static void test_control_frame_without_records(void **state)
{
    (void)state;
    uint8_t b[16];
    mtr_mbus_frame_t f;
    mtr_mbus_app_t app;
    char err[128];
    size_t n = unhex("68 03 03 68 08 01 78 81 16", b, sizeof b);
    assert_int_equal(mtr_mbus_frame_parse(b, n, &f, NULL, err, sizeof err), METER_OK);
    assert_int_equal(f.kind, MTR_MBUS_FRAME_CONTROL);
    assert_null(f.data);
    assert_int_equal(mtr_mbus_reply_parse(&f, &app, err, sizeof err), METER_OK);
    assert_int_equal(app.kind, MTR_MBUS_APP_VARIABLE);
    assert_int_equal(app.header_len, 0);
    assert_null(app.payload);
    assert_int_equal(app.payload_len, 0);
    assert_null(app.records);
    assert_int_equal(app.records_len, 0);
    mtr_mbus_iter_t it;
    mtr_mbus_record_t rec;
    mtr_mbus_iter_init_app(&it, &app, 0);
    assert_int_equal(mtr_mbus_iter_next(&it, &rec, err, sizeof err), 0);
}

static void test_builders(void **state)
{
    (void)state;
    uint8_t b[300];
    size_t n;
    /* T1, T2 of the brief */
    assert_int_equal(mtr_mbus_build_snd_nke(b, sizeof b, 5, &n), METER_OK);
    ASSERT_BYTES(b, n, "10 40 05 45 16");
    assert_int_equal(mtr_mbus_build_snd_nke(b, sizeof b, 0xFD, &n), METER_OK);
    ASSERT_BYTES(b, n, "10 40 FD 3D 16");
    assert_int_equal(mtr_mbus_build_req_ud2(b, sizeof b, 1, 1, &n), METER_OK);
    ASSERT_BYTES(b, n, "10 7B 01 7C 16");
    assert_int_equal(mtr_mbus_build_req_ud2(b, sizeof b, 0xFD, 0, &n), METER_OK);
    ASSERT_BYTES(b, n, "10 5B FD 58 16");
    assert_int_equal(mtr_mbus_build_req_ud2(b, sizeof b, 2, 1, &n), METER_OK);
    ASSERT_BYTES(b, n, "10 7B 02 7D 16"); /* X4 */
    assert_int_equal(mtr_mbus_build_req_ud2(b, 4, 2, 1, &n), METER_EBUFSIZE);

    /* T4: selection, C 53 default and 73 option */
    mtr_mbus_secondary_t sel = {0x12345678, 0x25CD, 0xFF, 0x02};
    assert_int_equal(mtr_mbus_build_select(b, sizeof b, &sel, 0x53, &n), METER_OK);
    ASSERT_BYTES(b, n, "68 0B 0B 68 53 FD 52 78 56 34 12 CD 25 FF 02 A9 16");
    assert_int_equal(mtr_mbus_build_select(b, sizeof b, &sel, 0x73, &n), METER_OK);
    ASSERT_BYTES(b, n, "68 0B 0B 68 73 FD 52 78 56 34 12 CD 25 FF 02 C9 16");
    mtr_mbus_secondary_t any = {0xFFFFFFFF, 0xFFFF, 0xFF, 0xFF};
    assert_int_equal(mtr_mbus_build_select(b, sizeof b, &any, 0x73, &n), METER_OK);
    assert_int_equal(b[15], 0xBA);
    /* X1-X3: selection frames seen in public logs */
    mtr_mbus_secondary_t x1 = {0x000267FF, 0xFFFF, 0xFF, 0xFF};
    assert_int_equal(mtr_mbus_build_select(b, sizeof b, &x1, 0x73, &n), METER_OK);
    ASSERT_BYTES(b, n, "68 0B 0B 68 73 FD 52 FF 67 02 00 FF FF FF FF 26 16");
    mtr_mbus_secondary_t x2 = {0x16357551, 0xFFFF, 0xFF, 0xFF};
    assert_int_equal(mtr_mbus_build_select(b, sizeof b, &x2, 0x73, &n), METER_OK);
    ASSERT_BYTES(b, n, "68 0B 0B 68 73 FD 52 51 75 35 16 FF FF FF FF CF 16");
    mtr_mbus_secondary_t x3 = {0x00000002, 0xFFFF, 0xFF, 0xFF};
    assert_int_equal(mtr_mbus_build_select(b, sizeof b, &x3, 0x73, &n), METER_OK);
    ASSERT_BYTES(b, n, "68 0B 0B 68 73 FD 52 02 00 00 00 FF FF FF FF C0 16");

    /* secondary address strings: ID digits, MAN as wire bytes, VER, MED */
    mtr_mbus_secondary_t s;
    char err[128];
    assert_int_equal(mtr_mbus_secondary_parse("13070001CD250102", &s, err, sizeof err), METER_OK);
    assert_int_equal(s.id, 0x13070001);
    assert_int_equal(s.man, 0x25CD);
    assert_int_equal(s.version, 1);
    assert_int_equal(s.medium, 2);
    assert_int_equal(mtr_mbus_build_select(b, sizeof b, &s, 0x53, &n), METER_OK);
    ASSERT_BYTES(b, n, "68 0B 0B 68 53 FD 52 01 00 07 13 CD 25 01 02 B2 16");
    assert_int_equal(mtr_mbus_secondary_parse("1307FFFFFFFFFFFF", &s, err, sizeof err), METER_OK);
    assert_int_equal(s.id, 0x1307FFFF);
    assert_int_equal(mtr_mbus_secondary_parse("1307000ACD250102", &s, err, sizeof err),
                     METER_EINVAL);
    assert_int_equal(mtr_mbus_secondary_parse("13070001CD2501", &s, err, sizeof err),
                     METER_EINVAL);
    assert_int_equal(mtr_mbus_secondary_parse("13070001CD250102F", &s, err, sizeof err),
                     METER_EINVAL);
    assert_int_equal(mtr_mbus_secondary_parse("13070001CD25010G", &s, err, sizeof err),
                     METER_EINVAL);

    /* T5, T6 */
    assert_int_equal(mtr_mbus_build_set_address(b, sizeof b, 0xFE, 0, 8, &n), METER_OK);
    ASSERT_BYTES(b, n, "68 06 06 68 53 FE 51 01 7A 08 25 16");
    assert_int_equal(mtr_mbus_build_set_address(b, sizeof b, 0xFE, 0, 251, &n), METER_ERANGE);
    const uint8_t id[] = {0x0C, 0x79, 0x21, 0x43, 0x65, 0x87};
    assert_int_equal(mtr_mbus_build_snd_ud(b, sizeof b, 1, 0, 0x51, id, sizeof id, &n), METER_OK);
    ASSERT_BYTES(b, n, "68 09 09 68 53 01 51 0C 79 21 43 65 87 7A 16");
    assert_int_equal(mtr_mbus_build_set_baud(b, sizeof b, 1, 9600, &n), METER_OK);
    ASSERT_BYTES(b, n, "68 03 03 68 53 01 BD 11 16");
    assert_int_equal(mtr_mbus_build_set_baud(b, sizeof b, 1, 1000, &n), METER_ERANGE);
    assert_int_equal(mtr_mbus_build_snd_ud(b, sizeof b, 1, 0, 0x50, NULL, 0, &n), METER_OK);
    ASSERT_BYTES(b, n, "68 03 03 68 53 01 50 A4 16");
    assert_int_equal(mtr_mbus_ci_baud(0xB8), 300);
    assert_int_equal(mtr_mbus_ci_baud(0xBF), 38400);
    assert_int_equal(mtr_mbus_ci_baud(0x72), 0);
}

/* KLEFR 6923 / PRO1-Mb manual, appendix 2 (seed-notes.md): SND_UD to A = 1 */
static void test_klefr_write_commands(void **state)
{
    (void)state;
    uint8_t b[300];
    size_t n;
    assert_int_equal(mtr_mbus_build_set_baud(b, sizeof b, 1, 9600, &n), METER_OK);
    ASSERT_BYTES(b, n, "68 03 03 68 53 01 BD 11 16");
    assert_int_equal(mtr_mbus_build_set_baud(b, sizeof b, 1, 2400, &n), METER_OK);
    ASSERT_BYTES(b, n, "68 03 03 68 53 01 BB 0F 16");
    assert_int_equal(mtr_mbus_build_set_address(b, sizeof b, 1, 0, 5, &n), METER_OK);
    ASSERT_BYTES(b, n, "68 06 06 68 53 01 51 01 7A 05 25 16");

    static const struct {
        const char *what;
        uint8_t data[8];
        size_t n;
        int fcb;
        const char *frame;
    } cmds[] = {
        {"secondary address 13070001", {0x0C, 0x79, 0x01, 0x00, 0x07, 0x13}, 6, 0,
         "68 09 09 68 53 01 51 0C 79 01 00 07 13 45 16"},
        {"tariff 2", {0x09, 0x7C, 0x01, 0x54, 0x02}, 5, 0,
         "68 08 08 68 53 01 51 09 7C 01 54 02 81 16"},
        {"tariff 1 with FCB", {0x09, 0x7C, 0x01, 0x54, 0x01}, 5, 1,
         "68 08 08 68 73 01 51 09 7C 01 54 01 A0 16"},
        {"calculation code 5", {0x09, 0xFD, 0x3A, 0x05}, 4, 0,
         "68 07 07 68 53 01 51 09 FD 3A 05 EA 16"},
        {"S0 rate 100 imp/kWh", {0x0C, 0xFD, 0x3A, 0x00, 0x00, 0x01, 0x00}, 7, 0,
         "68 0A 0A 68 53 01 51 0C FD 3A 00 00 01 00 E9 16"},
        {"reset day counter", {0x0C, 0x04, 0, 0, 0, 0}, 6, 0,
         "68 09 09 68 53 01 51 0C 04 00 00 00 00 B5 16"},
        {"reset power-down counter", {0x0A, 0xFD, 0x60, 0, 0}, 5, 0,
         "68 08 08 68 53 01 51 0A FD 60 00 00 0C 16"},
    };
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        assert_int_equal(mtr_mbus_build_snd_ud(b, sizeof b, 1, cmds[i].fcb, 0x51, cmds[i].data,
                                               cmds[i].n, &n),
                         METER_OK);
        ASSERT_BYTES(b, n, cmds[i].frame);
        /* and they parse back as master-to-slave data sends */
        mtr_mbus_frame_t f;
        mtr_mbus_app_t app;
        assert_int_equal(mtr_mbus_frame_parse(b, n, &f, NULL, NULL, 0), METER_OK);
        assert_int_equal(mtr_mbus_app_parse(&f, &app, NULL, 0), METER_OK);
        assert_int_equal(app.kind, MTR_MBUS_APP_DATA_SEND);
        assert_int_equal(mtr_mbus_reply_parse(&f, &app, NULL, 0), METER_EFRAME);
    }
}

/* feed everything, collect events */
struct events {
    int kinds[16];
    mtr_mbus_frame_kind_t fk[16];
    size_t sizes[16];
    int n;
};

static void feed_all(mtr_mbus_parser_t *p, const uint8_t *in, size_t n, size_t chunk,
                     struct events *ev)
{
    size_t off = 0;
    for (;;) {
        size_t give = n - off < chunk ? n - off : chunk;
        size_t used = 0;
        mtr_mbus_frame_t f;
        int rc = mtr_mbus_parser_feed(p, in + off, give, &used, &f, NULL, 0);
        off += used;
        if (rc != MTR_MBUS_NEED_MORE) {
            assert_true(ev->n < 16);
            ev->kinds[ev->n] = rc;
            ev->fk[ev->n] = rc > 0 ? f.kind : 0;
            ev->sizes[ev->n] = rc > 0 ? f.size : 0;
            ev->n++;
            continue;
        }
        if (off == n)
            break;
    }
}

#define KLEFR_FRAME                                                                         \
    "68 4B 4B 68 08 00 72 00 00 00 00 25 CD 01 02 02 00 00 00 0C 04 14 48 60 01 8C 10 04 "  \
    "23 80 35 00 8C 20 04 91 67 24 01 1C 04 46 13 69 00 9C 10 04 56 34 12 00 9C 20 04 90 "  \
    "78 56 00 2C 04 68 34 91 00 AC 10 04 67 45 23 00 AC 20 04 01 89 67 00 7C 16"

static void test_stream_parser(void **state)
{
    (void)state;
    uint8_t in[600];
    mtr_mbus_parser_t p;
    /* T21: our echoed request, 4 bytes of noise, then the reply */
    size_t n = unhex("10 7B 00 7B 16 FE 00 68 68 " KLEFR_FRAME, in, sizeof in);
    const uint8_t req[] = {0x10, 0x7B, 0x00, 0x7B, 0x16};
    static const size_t chunks[] = {1, 2, 3, 7, 64, 600};
    for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
        struct events ev = {0};
        mtr_mbus_parser_init(&p);
        mtr_mbus_parser_expect_echo(&p, req, sizeof req);
        feed_all(&p, in, n, chunks[c], &ev);
        /* echo; then "68 68 68 08" header fails (L mismatch) twice before resync */
        assert_true(ev.n >= 2);
        assert_int_equal(ev.kinds[0], MTR_MBUS_ECHO);
        assert_int_equal(ev.kinds[ev.n - 1], MTR_MBUS_COMPLETE);
        assert_int_equal(ev.fk[ev.n - 1], MTR_MBUS_FRAME_LONG);
        assert_int_equal(ev.sizes[ev.n - 1], 81);
        for (int i = 1; i < ev.n - 1; i++)
            assert_int_equal(ev.kinds[i], METER_EFRAME);
        assert_int_equal(mtr_mbus_parser_pending(&p), 0);
        assert_true(p.noise >= 4);
    }

    /* without echo arming the echo is a complete master-to-slave frame */
    {
        struct events ev = {0};
        mtr_mbus_parser_init(&p);
        feed_all(&p, in, 5, 5, &ev);
        assert_int_equal(ev.n, 1);
        assert_int_equal(ev.kinds[0], MTR_MBUS_COMPLETE);
    }

    /* ACK, bad checksum frame, then a good short frame in one chunk */
    {
        struct events ev = {0};
        n = unhex("E5 10 5B 01 00 16 10 5B 01 5C 16 E5", in, sizeof in);
        mtr_mbus_parser_init(&p);
        feed_all(&p, in, n, n, &ev);
        assert_int_equal(ev.n, 4);
        assert_int_equal(ev.kinds[0], MTR_MBUS_COMPLETE);
        assert_int_equal(ev.fk[0], MTR_MBUS_FRAME_ACK);
        assert_int_equal(ev.kinds[1], METER_ECHECKSUM);
        assert_int_equal(ev.kinds[2], MTR_MBUS_COMPLETE);
        assert_int_equal(ev.fk[2], MTR_MBUS_FRAME_SHORT);
        assert_int_equal(ev.kinds[3], MTR_MBUS_COMPLETE);
        assert_int_equal(ev.fk[3], MTR_MBUS_FRAME_ACK);
    }

    /* partial frame: pending bytes until the rest arrives */
    {
        mtr_mbus_frame_t f;
        size_t used;
        n = unhex(KLEFR_FRAME, in, sizeof in);
        mtr_mbus_parser_init(&p);
        assert_int_equal(mtr_mbus_parser_feed(&p, in, 40, &used, &f, NULL, 0), MTR_MBUS_NEED_MORE);
        assert_int_equal(used, 40);
        assert_int_equal(mtr_mbus_parser_pending(&p), 40);
        assert_int_equal(mtr_mbus_parser_feed(&p, in + 40, n - 40, &used, &f, NULL, 0),
                         MTR_MBUS_COMPLETE);
        assert_int_equal(f.data_len, 72);
        assert_int_equal(f.ci, 0x72);
        /* a feed with nothing new drops the delivered frame */
        assert_int_equal(mtr_mbus_parser_feed(&p, NULL, 0, &used, &f, NULL, 0), MTR_MBUS_NEED_MORE);
        assert_int_equal(mtr_mbus_parser_pending(&p), 0);
    }

    /* endless garbage never overflows */
    {
        uint8_t junk[1000];
        for (size_t i = 0; i < sizeof junk; i++)
            junk[i] = (uint8_t)(i * 7 + 3) == 0x68 ? 0 : (uint8_t)(i * 7 + 3);
        struct events ev = {0};
        mtr_mbus_parser_init(&p);
        size_t off = 0;
        while (off < sizeof junk) {
            size_t used;
            mtr_mbus_frame_t f;
            int rc = mtr_mbus_parser_feed(&p, junk + off, sizeof junk - off, &used, &f, NULL, 0);
            off += used;
            if (rc > 0)
                ev.n++;
        }
        assert_true(mtr_mbus_parser_pending(&p) <= MTR_MBUS_FRAME_MAX);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_checksum_and_parse_kinds),
        cmocka_unit_test(test_control_frame_without_records),
        cmocka_unit_test(test_builders),
        cmocka_unit_test(test_klefr_write_commands),
        cmocka_unit_test(test_stream_parser),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
