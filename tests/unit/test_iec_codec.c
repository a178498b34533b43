/* SPDX-License-Identifier: MIT */
/* IEC 62056-21 codec pieces, table-driven: the brief's check-character vectors (XOR and
 * 7-bit sum), identifications, OBIS addresses, every data-block deviation the brief
 * lists, readout framing, malformed frames with their specific errors, 7E1 helpers, and
 * the inputs the fuzz target found (tests/fixtures/iec/regress/). */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/iec62056.h"

#define S(lit) (const uint8_t *)(lit), sizeof(lit) - 1

/* ---- check characters -------------------------------------------------- */

struct bcc_vec {
    char cmd, type;      /* 0: an STX frame */
    const char *data;    /* NULL: no STX part */
    size_t len;
    mtr_iec_bcc_t alg;
    uint8_t want;
};

#define D(lit) lit, sizeof(lit) - 1
static const struct bcc_vec bcc_vecs[] = {
    /* the brief, section 2 (XOR) */
    {'B', '0', NULL, 0, MTR_IEC_BCC_XOR, 0x71},
    {'R', '1', D("1.8.0(1)"), MTR_IEC_BCC_XOR, 'k'},
    {'P', '0', D("(1234567)"), MTR_IEC_BCC_XOR, 'P'},
    {'P', '0', D("(00000000)"), MTR_IEC_BCC_XOR, 0x60},
    {'P', '1', D("(00000000)"), MTR_IEC_BCC_XOR, 0x61},
    {'R', '1', D("1.8.0()"), MTR_IEC_BCC_XOR, 'Z'},
    {0, 0, D("(0033402.264*kWh)"), MTR_IEC_BCC_XOR, 'T'},
    {0, 0, D("3:14(314*kWh)4:15(415*kWh)\r\n!\r\n"), MTR_IEC_BCC_XOR, '"'},
    /* Energomera CE102M (7-bit sum), from the wb-mqtt-serial transcript */
    {'P', '0', D("(141628345)"), MTR_IEC_BCC_SUM7, '('},
    {'P', '1', D("(777777)"), MTR_IEC_BCC_SUM7, '!'},
    {'R', '1', D("CURRE()"), MTR_IEC_BCC_SUM7, 'Z'},
    {'R', '1', D("ET0PE()"), MTR_IEC_BCC_SUM7, '7'},
    {0, 0, D("CURRE(0.402)\r\n"), MTR_IEC_BCC_SUM7, '`'},
    {0, 0, D("VOLTA(237.58)\r\n"), MTR_IEC_BCC_SUM7, '('},
    {'B', '0', NULL, 0, MTR_IEC_BCC_SUM7, 0x75},
};

static void test_bcc_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bcc_vecs / sizeof bcc_vecs[0]; i++) {
        const struct bcc_vec *v = &bcc_vecs[i];
        uint8_t out[128];
        size_t n = 0;
        int rc = v->cmd ? mtr_iec_cmd_build(out, sizeof out, v->cmd, v->type, v->data, v->len,
                                            false, v->alg, &n)
                        : mtr_iec_data_build(out, sizeof out, v->data, v->len, false, v->alg, &n);
        assert_int_equal(rc, METER_OK);
        if (out[n - 1] != v->want)
            fail_msg("vector %zu: 0x%02X, want 0x%02X", i, out[n - 1], v->want);
        /* and the frame verifies with that rule, and is refused by the other when they differ */
        mtr_iec_frame_t fr;
        size_t used;
        assert_int_equal(mtr_iec_frame_scan(out, n, v->alg, &fr, &used, NULL, 0),
                         MTR_IEC_COMPLETE);
        assert_int_equal(used, n);
        assert_int_equal(mtr_iec_frame_scan(out, n, MTR_IEC_BCC_ANY, &fr, &used, NULL, 0),
                         MTR_IEC_COMPLETE);
        mtr_iec_bcc_t other = v->alg == MTR_IEC_BCC_XOR ? MTR_IEC_BCC_SUM7 : MTR_IEC_BCC_XOR;
        if (mtr_iec_bcc(other, out + 1, n - 2) != v->want)
            assert_int_equal(mtr_iec_frame_scan(out, n, other, &fr, &used, NULL, 0),
                             METER_ECHECKSUM);
        assert_int_equal(mtr_iec_frame_scan(out, n, MTR_IEC_BCC_NONE, &fr, &used, NULL, 0),
                         MTR_IEC_COMPLETE);
    }
    /* the parity bit of a received check character is not part of the comparison */
    mtr_iec_bcc_t m;
    static const uint8_t b0[] = {'B', '0', 0x03};
    assert_int_equal(mtr_iec_bcc_check(MTR_IEC_BCC_XOR, b0, 3, 0xF1, &m), METER_OK);
    assert_int_equal(m, MTR_IEC_BCC_XOR);
    assert_int_equal(mtr_iec_bcc_check(MTR_IEC_BCC_ANY, b0, 3, 0x75, &m), METER_OK);
    assert_int_equal(m, MTR_IEC_BCC_SUM7);
    assert_int_equal(mtr_iec_bcc_check(MTR_IEC_BCC_XOR, b0, 3, 0x75, &m), METER_ECHECKSUM);
    assert_int_equal(m, MTR_IEC_BCC_NONE);
}

/* ---- 7E1 ---------------------------------------------------------------- */

static void test_7e1(void **state)
{
    (void)state;
    assert_int_equal(mtr_iec_7e1_encode_byte('A'), 0x41); /* two ones: parity 0 */
    assert_int_equal(mtr_iec_7e1_encode_byte('C'), 0xC3); /* three ones: parity 1 */
    assert_int_equal(mtr_iec_7e1_encode_byte('/'), 0xAF);
    assert_int_equal(mtr_iec_7e1_encode_byte(0x06), 0x06);
    for (unsigned c = 0; c < 256; c++) {
        uint8_t b = mtr_iec_7e1_encode_byte((uint8_t)c);
        assert_true(mtr_iec_7e1_ok(b));
        assert_false(mtr_iec_7e1_ok((uint8_t)(b ^ 0x80)));
        assert_int_equal(b & 0x7F, c & 0x7F);
    }
    uint8_t req[] = "/?!\r\n";
    mtr_iec_7e1_encode(req, 5);
    assert_memory_equal(req, "\xaf\x3f\x21\x8d\x0a", 5);
    req[2] ^= 0x80; /* one byte damaged on the line */
    assert_int_equal(mtr_iec_7e1_decode(req, 5), 1);
    assert_memory_equal(req, "/?!\r\n", 5);
}

/* ---- identification ----------------------------------------------------- */

struct ident_vec {
    const char *line;
    int rc;
    const char *manuf;
    char z;
    mtr_iec_mode_t mode;
    unsigned baud;
    bool fast;
    const char *caps;
    const char *ident;
};

static const struct ident_vec ident_vecs[] = {
    {"/ISk5MT174-0001\r\n", METER_OK, "ISk", '5', MTR_IEC_MODE_C, 9600, true, "", "MT174-0001"},
    {"/ISK5ME162-0033\r\n", METER_OK, "ISK", '5', MTR_IEC_MODE_C, 9600, false, "", "ME162-0033"},
    {"/HAG5eHZ010C_EHZ1vA02", METER_OK, "HAG", '5', MTR_IEC_MODE_C, 9600, false, "", "eHZ010C_EHZ1vA02"},
    {"/KAM MC\r\n", METER_OK, "KAM", ' ', MTR_IEC_MODE_A, 300, false, "", "MC"},
    {"/AUX5\\2SX330SKH10F10013\r\n", METER_OK, "AUX", '5', MTR_IEC_MODE_C, 9600, false, "2",
     "SX330SKH10F10013"},
    {"/LGZ4\\2\\@ZMD120AP.R21\r\n", METER_OK, "LGZ", '4', MTR_IEC_MODE_C, 4800, false, "2@",
     "ZMD120AP.R21"},
    {"/ISK5ME162-0033-ABCDEFGHIJKLMNOP\n", METER_OK, "ISK", '5', MTR_IEC_MODE_C, 9600, false, "",
     "ME162-0033-ABCDEFGHIJKLMNOP"}, /* 27 characters, kept whole */
    {"/SIEC2WR5", METER_OK, "SIE", 'C', MTR_IEC_MODE_B, 2400, false, "", "2WR5"},
    {"/ABCA", METER_OK, "ABC", 'A', MTR_IEC_MODE_B, 600, false, "", ""},
    {"/ABC0x", METER_OK, "ABC", '0', MTR_IEC_MODE_C, 300, false, "", "x"},
    {"/ABC7x", METER_OK, "ABC", '7', MTR_IEC_MODE_RESERVED, 0, false, "", "x"},
    {"/ABCGx", METER_OK, "ABC", 'G', MTR_IEC_MODE_RESERVED, 0, false, "", "x"},
    {"/ABC5x\\y", METER_OK, "ABC", '5', MTR_IEC_MODE_C, 9600, false, "", "x\\y"},
    {"/AB\r\n", METER_EFRAME, NULL, 0, 0, 0, false, NULL, NULL},
    {"ISK5ME162", METER_EFRAME, NULL, 0, 0, 0, false, NULL, NULL},
    {"/I K5ME162", METER_EFRAME, NULL, 0, 0, 0, false, NULL, NULL},
    {"/ISK5ME\x01" "162", METER_EFRAME, NULL, 0, 0, 0, false, NULL, NULL},
    {"/ISK5\\\x01", METER_EFRAME, NULL, 0, 0, 0, false, NULL, NULL},
    {"/ISK5" "0123456789012345678901234567890123456789012345678901234567890123456789",
     METER_ELIMIT, NULL, 0, 0, 0, false, NULL, NULL},
    {"/ISK5\\1\\2\\3\\4\\5\\6\\7\\8\\9", METER_ELIMIT, NULL, 0, 0, 0, false, NULL, NULL},
};

static void test_ident(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof ident_vecs / sizeof ident_vecs[0]; i++) {
        const struct ident_vec *v = &ident_vecs[i];
        mtr_iec_ident_t id;
        char err[128] = "";
        int rc = mtr_iec_ident_parse((const uint8_t *)v->line, strlen(v->line), &id, err,
                                     sizeof err);
        if (rc != v->rc)
            fail_msg("ident %zu (%s): rc %d, want %d (%s)", i, v->line, rc, v->rc, err);
        if (rc != METER_OK) {
            assert_true(err[0] != '\0');
            continue;
        }
        assert_string_equal(id.manufacturer, v->manuf);
        assert_int_equal(id.baud_char, v->z);
        assert_int_equal(id.mode, v->mode);
        assert_int_equal(id.baud, v->baud);
        assert_int_equal(id.fast_reaction, v->fast);
        assert_int_equal(id.ncaps, strlen(v->caps));
        assert_memory_equal(id.caps, v->caps, id.ncaps);
        assert_int_equal(id.hdlc, strchr(v->caps, '2') != NULL && v->caps[0]);
        assert_string_equal(id.ident, v->ident);
        assert_int_equal(id.ident_len, strlen(v->ident));
        /* builds back to the line without its line end */
        uint8_t out[128];
        size_t n;
        assert_int_equal(mtr_iec_ident_build(out, sizeof out, &id, &n), METER_OK);
        size_t l = strcspn(v->line, "\r\n");
        assert_int_equal(n, l + 2);
        assert_memory_equal(out, v->line, l);
        assert_memory_equal(out + l, "\r\n", 2);
        assert_int_equal(mtr_iec_ident_build(out, l + 1, &id, &n), METER_EBUFSIZE);
    }
    for (int m = MTR_IEC_MODE_B; m <= MTR_IEC_MODE_C; m++) {
        static const unsigned bauds[] = {300, 600, 1200, 2400, 4800, 9600, 19200};
        for (size_t k = 0; k < 7; k++) {
            char z = mtr_iec_baud_to_char((mtr_iec_mode_t)m, bauds[k]);
            if (m == MTR_IEC_MODE_B && k == 0) {
                assert_int_equal(z, 0);
                continue;
            }
            unsigned b;
            assert_int_equal(mtr_iec_baud_char(z, &b), m);
            assert_int_equal(b, bauds[k]);
        }
    }
    assert_int_equal(mtr_iec_baud_to_char(MTR_IEC_MODE_C, 38400), 0);
}

static void test_ident_scan(void **state)
{
    (void)state;
    /* NULs, 0x7F, the echo of our request, then the identification, then STX */
    static const uint8_t in[] = "\x00\x7f/?!\r\n\x00/ISk5MT174-0001\r\n\x02";
    mtr_iec_ident_t id;
    size_t used = 0;
    for (size_t n = 0; n < sizeof in - 2; n++)
        assert_int_equal(mtr_iec_ident_scan(in, n, &id, &used, NULL, 0), MTR_IEC_MORE);
    assert_int_equal(mtr_iec_ident_scan(in, sizeof in - 1, &id, &used, NULL, 0),
                     MTR_IEC_COMPLETE);
    assert_int_equal(used, sizeof in - 2);
    assert_string_equal(id.ident, "MT174-0001");
    /* an identification that never ends */
    uint8_t big[300];
    big[0] = '/';
    memset(big + 1, 'A', sizeof big - 1);
    char err[128];
    assert_int_equal(mtr_iec_ident_scan(big, sizeof big, &id, &used, err, sizeof err),
                     METER_ELIMIT);
    assert_int_equal(mtr_iec_ident_scan(S("/ISK\r\n"), &id, &used, NULL, 0), METER_EFRAME);
}

/* ---- sign-on and option select ----------------------------------------- */

static void test_signon_optsel(void **state)
{
    (void)state;
    uint8_t out[64];
    size_t n, used;
    assert_int_equal(mtr_iec_signon_build(out, sizeof out, NULL, &n), METER_OK);
    assert_int_equal(n, 5);
    assert_memory_equal(out, "\x2f\x3f\x21\x0d\x0a", 5);
    assert_int_equal(mtr_iec_signon_build(out, sizeof out, "00000201", &n), METER_OK);
    assert_memory_equal(out, "/?00000201!\r\n", n);
    assert_int_equal(mtr_iec_signon_build(out, sizeof out, "12-3", &n), METER_EINVAL);
    assert_int_equal(mtr_iec_signon_build(out, sizeof out, "123456789012345678901234567890123",
                                          &n),
                     METER_EINVAL);
    assert_int_equal(mtr_iec_signon_build(out, 12, "00000201", &n), METER_EBUFSIZE);
    char addr[MTR_IEC_DEVADDR_MAX + 1];
    assert_int_equal(mtr_iec_signon_parse(S("/?!\r\n"), addr, sizeof addr, &used, NULL, 0),
                     MTR_IEC_COMPLETE);
    assert_string_equal(addr, "");
    assert_int_equal(mtr_iec_signon_parse(S("\0\0/?12 A!\n"), addr, sizeof addr, &used, NULL, 0),
                     MTR_IEC_COMPLETE);
    assert_int_equal(used, 10);
    assert_string_equal(addr, "12 A");
    assert_int_equal(mtr_iec_signon_parse(S("/?12"), addr, sizeof addr, &used, NULL, 0),
                     MTR_IEC_MORE);
    assert_int_equal(mtr_iec_signon_parse(S("/?12!\r"), addr, sizeof addr, &used, NULL, 0),
                     MTR_IEC_MORE);
    assert_int_equal(mtr_iec_signon_parse(S("/#!\r\n"), addr, sizeof addr, &used, NULL, 0),
                     METER_EUNSUPPORTED);
    assert_int_equal(mtr_iec_signon_parse(S("/?1.2!\r\n"), addr, sizeof addr, &used, NULL, 0),
                     METER_EFRAME);
    assert_int_equal(mtr_iec_signon_parse(S("/?!x"), addr, sizeof addr, &used, NULL, 0),
                     METER_EFRAME);
    assert_int_equal(mtr_iec_signon_parse(S("x"), addr, sizeof addr, &used, NULL, 0),
                     METER_EFRAME);

    mtr_iec_optsel_t o = {'0', '5', '0'};
    assert_int_equal(mtr_iec_optsel_build(out, sizeof out, &o, &n), METER_OK);
    assert_int_equal(n, 6);
    assert_memory_equal(out, "\x06\x30\x35\x30\x0d\x0a", 6);
    o.y = 'x';
    assert_int_equal(mtr_iec_optsel_build(out, sizeof out, &o, &n), METER_EINVAL);
    assert_int_equal(mtr_iec_optsel_parse(S("\x06" "051\r\n"), &o, &used, NULL, 0),
                     MTR_IEC_COMPLETE);
    assert_true(o.v == '0' && o.z == '5' && o.y == '1');
    assert_int_equal(mtr_iec_optsel_parse(S("\x06" "05"), &o, &used, NULL, 0), MTR_IEC_MORE);
    assert_int_equal(mtr_iec_optsel_parse(S("\x06" "x50\r\n"), &o, &used, NULL, 0),
                     METER_EFRAME);
    assert_int_equal(mtr_iec_optsel_parse(S("\x15"), &o, &used, NULL, 0), METER_EFRAME);
    assert_int_equal(mtr_iec_optsel_parse(S("\x06" "050\rX"), &o, &used, NULL, 0),
                     METER_EFRAME);
}

/* ---- OBIS --------------------------------------------------------------- */

struct obis_vec {
    const char *s;
    int rc;
    int g[6];
    const char *canon;
};

#define N MTR_OBIS_NONE
static const struct obis_vec obis_vecs[] = {
    {"1-0:1.8.0*255", METER_OK, {1, 0, 1, 8, 0, 255}, "1-0:1.8.0*255"},
    {"1.8.0", METER_OK, {N, N, 1, 8, 0, N}, "1.8.0"},
    {"1.8.0*12", METER_OK, {N, N, 1, 8, 0, 12}, "1.8.0*12"},
    {"1.8.0&12", METER_OK, {N, N, 1, 8, 0, 12}, "1.8.0&12"},
    {"1.8.1*02", METER_OK, {N, N, 1, 8, 1, 2}, "1.8.1*2"},
    {"32.7", METER_OK, {N, N, 32, 7, N, N}, "32.7"},
    {"6.8*01", METER_OK, {N, N, 6, 8, N, 1}, "6.8*1"},
    {"F.F", METER_OK, {N, N, 97, 97, N, N}, "F.F"},
    {"0-0:F.F.0*255", METER_OK, {0, 0, 97, 97, 0, 255}, "0-0:F.F.0*255"},
    {"0-0:C.1.0*255", METER_OK, {0, 0, 96, 1, 0, 255}, "0-0:C.1.0*255"},
    {"C.13.21", METER_OK, {N, N, 96, 13, 21, N}, "C.13.21"},
    {"0.0", METER_OK, {N, N, 0, 0, N, N}, "0.0"},
    {"1-0:0.9.1*255", METER_OK, {1, 0, 0, 9, 1, 255}, "1-0:0.9.1*255"},
    {"CURRE", METER_EVALUE, {0}, NULL},
    {"ET0PE", METER_EVALUE, {0}, NULL},
    {"F", METER_EVALUE, {0}, NULL},
    {"100700FF", METER_EVALUE, {0}, NULL},
    {"1.8.0*256", METER_EVALUE, {0}, NULL},
    {"1.8.0*", METER_EVALUE, {0}, NULL},
    {"1..8", METER_EVALUE, {0}, NULL},
    {"1.8.0.0", METER_EVALUE, {0}, NULL},
    {"1-0:", METER_EVALUE, {0}, NULL},
    {"1:1.8.0", METER_EVALUE, {0}, NULL},
    {"1-0-1.8.0", METER_EVALUE, {0}, NULL},
    {"1.8.0 ", METER_EVALUE, {0}, NULL},
    {"1234.8.0", METER_EVALUE, {0}, NULL},
    {"", METER_EVALUE, {0}, NULL},
};
#undef N

static void test_obis(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof obis_vecs / sizeof obis_vecs[0]; i++) {
        const struct obis_vec *v = &obis_vecs[i];
        mtr_iec_obis_t o;
        int rc = mtr_iec_obis_parse(v->s, strlen(v->s), &o);
        if (rc != v->rc)
            fail_msg("obis %zu \"%s\": rc %d, want %d", i, v->s, rc, v->rc);
        if (rc)
            continue;
        const int have[6] = {o.a, o.b, o.c, o.d, o.e, o.f};
        for (int g = 0; g < 6; g++)
            if (have[g] != v->g[g])
                fail_msg("obis \"%s\": group %c is %d, want %d", v->s, 'A' + g, have[g], v->g[g]);
        char buf[40];
        assert_int_equal(mtr_iec_obis_format(&o, buf, sizeof buf), METER_OK);
        assert_string_equal(buf, v->canon);
        assert_int_equal(mtr_iec_obis_format(&o, buf, strlen(v->canon)), METER_EBUFSIZE);
    }
    mtr_iec_obis_t o;
    assert_int_equal(mtr_iec_obis_parse("1.8.1", 5, &o), METER_OK);
    assert_true(mtr_iec_obis_match(&o, 1, 0, 1, 8, 1, 255)); /* absent A, B, F match */
    assert_false(mtr_iec_obis_match(&o, 1, 0, 1, 8, 0, 255));
    assert_true(mtr_iec_obis_match(&o, MTR_OBIS_NONE, MTR_OBIS_NONE, 1, 8, MTR_OBIS_NONE,
                                   MTR_OBIS_NONE));
    assert_int_equal(mtr_iec_obis_parse_hex("2107FFFF", 8, &o), METER_OK);
    assert_true(o.c == 33 && o.d == 7 && o.e == 255 && o.f == 255);
    assert_int_equal(mtr_iec_obis_parse_hex("2107FFFG", 8, &o), METER_EVALUE);
    assert_int_equal(mtr_iec_obis_parse_hex("2107FF", 6, &o), METER_EVALUE);
}

/* ---- data block deviations --------------------------------------------- */

struct collected {
    char text[4096]; /* "addr|idx|value|unit;" per value */
    size_t len;
    unsigned n, cont, by_space, obis;
    int stop_at; /* return an error at this row (1-based), 0: never */
};

static int collect(void *user, const mtr_iec_dataset_t *ds)
{
    struct collected *c = user;
    char idx[24];
    if (ds->nsub > 1)
        snprintf(idx, sizeof idx, "%u.%u", ds->index, ds->sub);
    else
        snprintf(idx, sizeof idx, "%u", ds->index);
    int k = snprintf(c->text + c->len, sizeof c->text - c->len, "%s|%s|%s|%s;", ds->address, idx,
                     ds->value, ds->unit);
    assert_true(k > 0 && (size_t)k < sizeof c->text - c->len);
    c->len += (size_t)k;
    c->n++;
    c->cont += ds->continuation;
    c->by_space += ds->unit_by_space;
    c->obis += ds->is_obis;
    if (c->stop_at && (int)c->n == c->stop_at)
        return METER_EVALUE;
    return 0;
}

struct block_vec {
    const char *name;
    const char *block; /* between STX and ETX */
    size_t len;
    const char *want;
};

#define B(lit) lit, sizeof(lit) - 1
static const struct block_vec block_vecs[] = {
    {"several values per address",
     B("1-0:1.6.0*255(02.468*kW)(1703100930)\r\n1.6.1(09.48*kW)(16-03-14,18:45)\r\n!\r\n"),
     "1-0:1.6.0*255|0|02.468|kW;1-0:1.6.0*255|1|1703100930|;1.6.1|0|09.48|kW;"
     "1.6.1|1|16-03-14,18:45|;"},
    {"continuation data sets on their own lines (CE102M)",
     B("ET0PE(68.42)\r\n(45.54)\r\n(22.88)\r\nVOLTA(237.58)\r\n!\r\n"),
     "ET0PE|0|68.42|;ET0PE|1|45.54|;ET0PE|2|22.88|;VOLTA|0|237.58|;"},
    {"several data sets on one line",
     B("6.8(0029.055*MWh)6.26(01589.28*m3)9.21(00010213)\r\n!\r\n"),
     "6.8|0|0029.055|MWh;6.26|0|01589.28|m3;9.21|0|00010213|;"},
    {"& sub-values with units, # and , inside values",
     B("9.4(088*C&082*C)\r\n0.2.0(V01.69#EEA3546C)\r\n0F0880FF(46.24,31.14)\r\n9.2(&&)\r\n!\r\n"),
     "9.4|0.0|088|C;9.4|0.1|082|C;0.2.0|0|V01.69#EEA3546C|;0F0880FF|0|46.24,31.14|;"
     "9.2|0.0||;9.2|0.1||;9.2|0.2||;"},
    {"mixed date and time forms",
     B("0.1.2*02(16-03-01,00:00)\r\n9.36(2017-01-18&01:36:47)\r\n0.9.1(220645)\r\n!\r\n"),
     "0.1.2*02|0|16-03-01,00:00|;9.36|0.0|2017-01-18|;9.36|0.1|01:36:47|;0.9.1|0|220645|;"},
    {"decimal comma and '!' glued to the last line (Kamstrup 382)",
     B("1.8.0(000007,4*kW)\r\n1.6*1(000013,0)!\r\n"),
     "1.8.0|0|000007,4|kW;1.6*1|0|000013,0|;"},
    {"LF-only lines and LF LF (E350 with ICRNL)",
     B("1.8.1(001234.5*kWh)\n\n1.8.2(000000.0*kWh)\n\n!\n\n"),
     "1.8.1|0|001234.5|kWh;1.8.2|0|000000.0|kWh;"},
    {"padding, empty, signed values, unit after a space",
     B("0.0(        18438636)\r\n0.0.0( 20000)\r\nC.1.1( )\r\n6.8.1()\r\n31.7.0(+000.8*A)\r\n"
       "2.7.0(-000073.69*W)\r\n1.8.0(0000000 kWh)\r\n!\r\n"),
     "0.0|0|        18438636|;0.0.0|0| 20000|;C.1.1|0| |;6.8.1|0||;31.7.0|0|+000.8|A;"
     "2.7.0|0|-000073.69|W;1.8.0|0|0000000|kWh;"},
    {"NUL bytes and a value never closed (RIOT): resync at the next line",
     B("0.0.0(\0\0\0\0\0\0\0\0\r\n1.8.0(1*kWh)\r\n!\r\n"), "1.8.0|0|1|kWh;"},
    {"garbage before '!' (ACE3000)",
     B("1.8.0(1*kWh)\r\nY \x02\x02\x01\x00!\r\n"), "1.8.0|0|1|kWh;"},
    {"junk lines without a value, stray ')', '/' lines",
     B("HELLO\r\n)1.8.0(2)\r\n/?!\r\n2.8.0(3)\r\n!\r\n"), "1.8.0|0|2|;2.8.0|0|3|;"},
    {"error registers", B("F.F(00)\r\n0-0:F.F.0*255(0000000)\r\nF(0)\r\nFF(12)\r\n!\r\n"),
     "F.F|0|00|;0-0:F.F.0*255|0|0000000|;F|0|0|;FF|0|12|;"},
    {"an answer without address (ME162) and an error text",
     B("(0033402.264*kWh)(ERROR)"), "|0|0033402.264|kWh;|1|ERROR|;"},
    {"empty readout", B("!\r\n"), ""},
    {"'!' inside parentheses is data", B("0.2.2(:::::G11!)!\r\n"), "0.2.2|0|:::::G11!|;"},
    {"no '!' at all", B("1.8.0(1)\r\n2.8.0(2)\r\n"), "1.8.0|0|1|;2.8.0|0|2|;"},
    {"a long address is junk", B("0123456789012345678901234567890123456789(1)\r\n1.8.0(5)\r\n!"),
     "1.8.0|0|5|;"},
};
#undef B

static void run_block_vec(const struct block_vec *v, size_t i)
{
    struct collected c;
    char err[160] = "";
    /* 1: the bare block parser */
    memset(&c, 0, sizeof c);
    int rc = mtr_iec_block_parse((const uint8_t *)v->block, v->len, collect, &c, NULL, err,
                                 sizeof err);
    if (rc != METER_OK || strcmp(c.text, v->want) != 0)
        fail_msg("block %zu (%s): rc %d (%s)\n got  %s\n want %s", i, v->name, rc, err, c.text,
                 v->want);
    /* 2: inside a readout frame with its XOR check character, fed one byte at a time */
    uint8_t frame[512];
    size_t n;
    assert_int_equal(mtr_iec_data_build(frame, sizeof frame, v->block, v->len, false,
                                        MTR_IEC_BCC_XOR, &n),
                     METER_OK);
    memset(&c, 0, sizeof c);
    mtr_iec_reader_t r;
    mtr_iec_reader_opts_t o = {0, MTR_IEC_BCC_XOR, collect, &c, err, sizeof err};
    mtr_iec_reader_init(&r, &o);
    rc = MTR_IEC_MORE;
    size_t k;
    for (k = 0; k < n && rc == MTR_IEC_MORE; k++) {
        size_t used;
        rc = mtr_iec_reader_feed(&r, frame + k, 1, &used);
        assert_int_equal(used, 1);
    }
    if (rc != MTR_IEC_COMPLETE || k != n || strcmp(c.text, v->want) != 0)
        fail_msg("framed block %zu (%s): rc %d at %zu/%zu (%s)\n got  %s\n want %s", i, v->name,
                 rc, k, n, err, c.text, v->want);
    assert_true(r.bcc_checked);
}

static void test_block_deviations(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof block_vecs / sizeof block_vecs[0]; i++)
        run_block_vec(&block_vecs[i], i);
}

static void test_block_details(void **state)
{
    (void)state;
    struct collected c;
    memset(&c, 0, sizeof c);
    unsigned nsets;
    static const char blk[] = "1-0:1.6.0*255(02.468*kW)(1703100930)\r\nCURRE(1)\r\n1.8.0(0 kWh)!";
    assert_int_equal(mtr_iec_block_parse((const uint8_t *)blk, sizeof blk - 1, collect, &c,
                                         &nsets, NULL, 0),
                     METER_OK);
    assert_int_equal(nsets, 4);
    assert_int_equal(c.cont, 1);
    assert_int_equal(c.by_space, 1);
    assert_int_equal(c.obis, 3); /* CURRE is no OBIS code */

    /* the callback stops the parse with its own status */
    memset(&c, 0, sizeof c);
    c.stop_at = 2;
    assert_int_equal(mtr_iec_block_parse((const uint8_t *)blk, sizeof blk - 1, collect, &c,
                                         &nsets, NULL, 0),
                     METER_EVALUE);
    assert_int_equal(nsets, 2);

    /* a value longer than the protocol allows */
    char longv[MTR_IEC_VALUE_MAX + 16] = "1.8.0(";
    memset(longv + 6, '1', MTR_IEC_VALUE_MAX + 1);
    char err[160] = "";
    assert_int_equal(mtr_iec_block_parse((const uint8_t *)longv, strlen(longv), NULL, NULL, NULL,
                                         err, sizeof err),
                     METER_ELIMIT);
    assert_non_null(strstr(err, "1.8.0"));
    /* data that ends inside a value */
    assert_int_equal(mtr_iec_block_parse(S("1.8.0(12"), NULL, NULL, NULL, err, sizeof err),
                     METER_ETRUNCATED);

    /* helpers */
    double d;
    static const struct {
        const char *s;
        int rc;
        double v;
    } nums[] = {
        {"+000.8", METER_OK, 0.8},       {"-000073.69", METER_OK, -73.69},
        {"000013,0", METER_OK, 13.0},    {"        18438636", METER_OK, 18438636},
        {" 20000", METER_OK, 20000},     {"0033402.264", METER_OK, 33402.264},
        {"46.24,31.14", METER_EVALUE, 0}, {"", METER_EVALUE, 0},
        {" ", METER_EVALUE, 0},          {"-", METER_EVALUE, 0},
        {"16-03-14", METER_EVALUE, 0},   {"V01.69#EEA3546C", METER_EVALUE, 0},
    };
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        assert_int_equal(mtr_iec_value_number(nums[i].s, strlen(nums[i].s), &d), nums[i].rc);
        if (nums[i].rc == METER_OK)
            assert_float_equal(d, nums[i].v, 1e-9);
    }
    char out[32];
    size_t n;
    assert_int_equal(mtr_iec_dataset_format(out, sizeof out, "1.8.0", NULL, NULL, &n), METER_OK);
    assert_string_equal(out, "1.8.0()");
    assert_int_equal(mtr_iec_dataset_format(out, sizeof out, "CURRE", "", "", &n), METER_OK);
    assert_string_equal(out, "CURRE()");
    assert_int_equal(mtr_iec_dataset_format(out, sizeof out, "0.9.1", "12:00:00", NULL, &n),
                     METER_OK);
    assert_string_equal(out, "0.9.1(12:00:00)");
    assert_int_equal(mtr_iec_dataset_format(out, sizeof out, "1.8.0", "1", "kWh", &n), METER_OK);
    assert_string_equal(out, "1.8.0(1*kWh)");
    assert_int_equal(n, 12);
    assert_int_equal(mtr_iec_dataset_format(out, 12, "1.8.0", "1", "kWh", &n), METER_EBUFSIZE);
    assert_int_equal(mtr_iec_dataset_format(out, sizeof out, "1.8/0", "1", NULL, &n),
                     METER_EINVAL);
    assert_int_equal(mtr_iec_dataset_format(out, sizeof out, "1.8.0", "(1)", NULL, &n),
                     METER_EINVAL);
}

/* ---- readout framing ----------------------------------------------------- */

struct frame_vec {
    const char *name;
    const char *in;
    size_t len;
    unsigned flags;
    mtr_iec_bcc_t bcc;
    int rc;            /* after feeding everything and finish() */
    const char *want;  /* rows, when rc is COMPLETE */
};

#define F(lit) lit, sizeof(lit) - 1
static const struct frame_vec frame_vecs[] = {
    {"empty readout", F("\x02!\r\n\x03\x25"), MTR_IEC_RD_STRICT, MTR_IEC_BCC_XOR,
     MTR_IEC_COMPLETE, ""},
    {"STX missing (push meter)", F("/ABC5X\r\n1.8.0(1)\r\n!\r\n"), MTR_IEC_RD_IDENT,
     MTR_IEC_BCC_XOR, MTR_IEC_COMPLETE, "1.8.0|0|1|;"},
    {"STX missing, strict", F("/ABC5X\r\n1.8.0(1)\r\n!\r\n"), MTR_IEC_RD_IDENT | MTR_IEC_RD_STRICT,
     MTR_IEC_BCC_XOR, METER_EFRAME, NULL},
    {"an extra STX inside the first line (L+G T550)", F("\x02" "1.8.0(1\x02)\r\n!\r\n\x03\x29"), 0,
     MTR_IEC_BCC_XOR, MTR_IEC_COMPLETE, "1.8.0|0|1|;"},
    {"'!' missing before ETX", F("\x02" "1.8.0(1)\r\n\x03\x0d"), 0, MTR_IEC_BCC_XOR,
     MTR_IEC_COMPLETE, "1.8.0|0|1|;"},
    {"'!' missing before ETX, strict", F("\x02" "1.8.0(1)\r\n\x03\x0d"), MTR_IEC_RD_STRICT,
     MTR_IEC_BCC_XOR, METER_EFRAME, NULL},
    {"no '!', ETX, BCC: ends at the inactivity timeout", F("\x02" "1.8.0(1)\r\n"), 0,
     MTR_IEC_BCC_XOR, MTR_IEC_COMPLETE, "1.8.0|0|1|;"},
    {"no ETX, strict", F("\x02" "1.8.0(1)\r\n!\r\n"), MTR_IEC_RD_STRICT, MTR_IEC_BCC_XOR,
     METER_ETRUNCATED, NULL},
    {"ETX without its check character", F("\x02" "1.8.0(1)\r\n!\r\n\x03"), 0, MTR_IEC_BCC_XOR,
     METER_ETRUNCATED, NULL},
    {"ETX without check character, not checking", F("\x02" "1.8.0(1)\r\n!\r\n\x03"), 0,
     MTR_IEC_BCC_NONE, MTR_IEC_COMPLETE, "1.8.0|0|1|;"},
    {"cut inside a value", F("\x02" "1.8.0(1"), 0, MTR_IEC_BCC_XOR, METER_ETRUNCATED, NULL},
    {"ETX inside a value", F("\x02" "1.8.0(1\x03\x00"), 0, MTR_IEC_BCC_XOR, METER_ETRUNCATED,
     NULL},
    {"bad check character", F("\x02" "1.8.0(1)\r\n!\r\n\x03\x00"), 0, MTR_IEC_BCC_XOR,
     METER_ECHECKSUM, NULL},
    {"7-bit sum (Kamstrup), any rule", F("\x02" "1.8.0(1)\r\n!\r\n\x03\x49"), 0, MTR_IEC_BCC_ANY,
     MTR_IEC_COMPLETE, "1.8.0|0|1|;"},
    {"7-bit sum refused by XOR", F("\x02" "1.8.0(1)\r\n!\r\n\x03\x49"), 0, MTR_IEC_BCC_XOR,
     METER_ECHECKSUM, NULL},
    {"identification only", F("/?!\r\n/ISK5ME162\r\n"), MTR_IEC_RD_IDENT, MTR_IEC_BCC_XOR,
     METER_ETRUNCATED, NULL},
    {"a stray '/' before the identification", F("//ISK5ME162\r\n\x02" "1.8.0(1)\r\n!\r\n\x03\x2b"),
     MTR_IEC_RD_IDENT, MTR_IEC_BCC_XOR, MTR_IEC_COMPLETE, "1.8.0|0|1|;"},
    {"only the echo", F("/?!\r\n"), MTR_IEC_RD_IDENT, MTR_IEC_BCC_XOR, METER_ETRUNCATED, NULL},
    {"nothing", F(""), 0, MTR_IEC_BCC_XOR, METER_ETRUNCATED, NULL},
    {"garbage identification", F("/\x01\x02\x03\x04\r\n"), MTR_IEC_RD_IDENT, MTR_IEC_BCC_XOR,
     METER_EFRAME, NULL},
    {"identification never ends", F("/ISK5AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                                    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
     MTR_IEC_RD_IDENT, MTR_IEC_BCC_XOR, METER_ELIMIT, NULL},
    {"the meter's own ACK CR LF before STX (AS1440)",
     F("/ELS5AS1440\r\n\x06\r\n\x02" "1.8.0(1)\r\n!\r\n\x03\x2b"), MTR_IEC_RD_IDENT,
     MTR_IEC_BCC_XOR, MTR_IEC_COMPLETE, "1.8.0|0|1|;"},
    {"identification read elsewhere, STX first", F("\x02" "1.8.0(1)\r\n!\r\n\x03\x2b"),
     MTR_IEC_RD_IDENT, MTR_IEC_BCC_XOR, MTR_IEC_COMPLETE, "1.8.0|0|1|;"},
    {"ETX before any STX", F("\x03\x00"), 0, MTR_IEC_BCC_XOR, MTR_IEC_COMPLETE, ""},
    {"ETX before any STX, strict", F("\x03\x00"), MTR_IEC_RD_STRICT, MTR_IEC_BCC_XOR,
     METER_EFRAME, NULL},
};
#undef F

static void test_readout_framing(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof frame_vecs / sizeof frame_vecs[0]; i++) {
        const struct frame_vec *v = &frame_vecs[i];
        struct collected c;
        memset(&c, 0, sizeof c);
        char err[160] = "";
        mtr_iec_reader_t r;
        mtr_iec_reader_opts_t o = {v->flags, v->bcc, collect, &c, err, sizeof err};
        int rc = mtr_iec_readout_parse(&r, &o, (const uint8_t *)v->in, v->len);
        if (rc != v->rc)
            fail_msg("framing %zu (%s): rc %d, want %d (%s)", i, v->name, rc, v->rc, err);
        if (rc == MTR_IEC_COMPLETE)
            assert_string_equal(c.text, v->want);
        else
            assert_true(err[0] != '\0');
        /* the error sticks: more bytes do not revive a failed reader */
        if (rc < 0) {
            size_t used;
            assert_int_equal(mtr_iec_reader_feed(&r, (const uint8_t *)"x", 1, &used), rc);
            assert_int_equal(mtr_iec_reader_finish(&r), rc);
        }
    }
}

static void test_reader_incremental(void **state)
{
    (void)state;
    /* echo + identification + echoed ACK + readout + junk after the check character */
    static const uint8_t in[] = "/?!\r\n/ISk5MT174-0001\r\n\x06" "050\r\n\x02"
                                "1.8.0(1*kWh)\r\n!\r\n\x03\x55" "JUNK";
    struct collected c;
    memset(&c, 0, sizeof c);
    mtr_iec_reader_t r;
    mtr_iec_reader_opts_t o = {MTR_IEC_RD_IDENT | MTR_IEC_RD_STRICT, MTR_IEC_BCC_XOR, collect, &c,
                               NULL, 0};
    mtr_iec_reader_init(&r, &o);
    size_t used;
    assert_int_equal(mtr_iec_reader_feed(&r, in, sizeof in - 1, &used), MTR_IEC_IDENT);
    assert_int_equal(used, 22);
    assert_true(r.ident.fast_reaction);
    assert_false(mtr_iec_reader_at_end(&r));
    size_t off = used;
    assert_int_equal(mtr_iec_reader_feed(&r, in + off, 20, &used), MTR_IEC_MORE);
    off += used;
    assert_int_equal(mtr_iec_reader_feed(&r, in + off, sizeof in - 1 - off, &used),
                     MTR_IEC_COMPLETE);
    off += used;
    assert_int_equal(sizeof in - 1 - off, 4); /* "JUNK" is not the reader's */
    assert_true(mtr_iec_reader_at_end(&r));
    assert_string_equal(c.text, "1.8.0|0|1|kWh;");
    assert_int_equal(mtr_iec_reader_feed(&r, in + off, 4, &used), MTR_IEC_COMPLETE);
    assert_int_equal(used, 0);
    assert_int_equal(mtr_iec_reader_finish(&r), MTR_IEC_COMPLETE);

    /* the same through an 8-bit link: parity bits on every byte, stripped by the reader */
    uint8_t p8[sizeof in];
    memcpy(p8, in, sizeof in);
    mtr_iec_7e1_encode(p8, sizeof in - 1);
    memset(&c, 0, sizeof c);
    o.flags |= MTR_IEC_RD_STRIP8;
    assert_int_equal(mtr_iec_readout_parse(&r, &o, p8, sizeof in - 1), MTR_IEC_COMPLETE);
    assert_string_equal(c.text, "1.8.0|0|1|kWh;");
    assert_int_equal(r.junk, 2 + 3 + 6 + 4); /* "/?" "!\r\n" the ACK echo, "JUNK" */
}

/* ---- programming-mode frames -------------------------------------------- */

static void test_frames(void **state)
{
    (void)state;
    uint8_t out[64];
    size_t n, used;
    mtr_iec_frame_t fr;
    char err[160];
    /* W1 and a partial-block R3 */
    assert_int_equal(mtr_iec_cmd_build(out, sizeof out, 'W', '1', "1.8.0(5)", 8, false,
                                       MTR_IEC_BCC_XOR, &n),
                     METER_OK);
    assert_memory_equal(out, "\x01W1\x02" "1.8.0(5)\x03", n - 1);
    assert_int_equal(mtr_iec_cmd_build(out, sizeof out, 'R', '3', "P.01(;)", 7, true,
                                       MTR_IEC_BCC_XOR, &n),
                     METER_OK);
    assert_int_equal(out[n - 2], MTR_IEC_EOT);
    assert_int_equal(mtr_iec_frame_scan(out, n, MTR_IEC_BCC_XOR, &fr, &used, NULL, 0),
                     MTR_IEC_COMPLETE);
    assert_true(fr.partial && fr.kind == MTR_IEC_FRAME_CMD && fr.cmd == 'R' && fr.type == '3');
    assert_int_equal(fr.data_len, 7);
    assert_int_equal(mtr_iec_data_build(out, sizeof out, "(1)", 3, true, MTR_IEC_BCC_XOR, &n),
                     METER_OK);
    assert_int_equal(mtr_iec_frame_scan(out, n, MTR_IEC_BCC_XOR, &fr, &used, NULL, 0),
                     MTR_IEC_COMPLETE);
    assert_true(fr.partial && fr.kind == MTR_IEC_FRAME_DATA);
    /* argument checks */
    assert_int_equal(mtr_iec_cmd_build(out, sizeof out, 'r', '1', "", 0, false, MTR_IEC_BCC_XOR,
                                       &n),
                     METER_EINVAL);
    assert_int_equal(mtr_iec_cmd_build(out, sizeof out, 'R', 'x', "", 0, false, MTR_IEC_BCC_XOR,
                                       &n),
                     METER_EINVAL);
    assert_int_equal(mtr_iec_cmd_build(out, 5, 'R', '1', "1.8.0()", 7, false, MTR_IEC_BCC_XOR,
                                       &n),
                     METER_EBUFSIZE);
    assert_int_equal(mtr_iec_data_build(out, 4, "(12)", 4, false, MTR_IEC_BCC_XOR, &n),
                     METER_EBUFSIZE);

    struct {
        const char *name;
        const uint8_t *in;
        size_t len;
        int rc;
    } bad[] = {
        {"garbage", S("hello"), METER_EFRAME},
        {"SOH with a lower-case command", S("\x01r1\x02()\x03\x00"), METER_EFRAME},
        {"SOH with no STX/ETX after the type", S("\x01R1X"), METER_EFRAME},
        {"SOH inside the data", S("\x02" "1.8.0(\x01)\x03\x00"), METER_EFRAME},
        {"bad check character", S("\x01" "B0\x03\x70"), METER_ECHECKSUM},
        {"truncated before BCC", S("\x01" "B0\x03"), MTR_IEC_MORE},
        {"truncated in data", S("\x02" "1.8.0(1"), MTR_IEC_MORE},
        {"truncated after SOH", S("\x01R"), MTR_IEC_MORE},
        {"only noise", S("\0\r\n"), MTR_IEC_MORE},
        {"NAK", S("\x15"), MTR_IEC_COMPLETE},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        int rc = mtr_iec_frame_scan(bad[i].in, bad[i].len, MTR_IEC_BCC_XOR, &fr, &used, err,
                                    sizeof err);
        if (rc != bad[i].rc)
            fail_msg("frame %s: rc %d, want %d (%s)", bad[i].name, rc, bad[i].rc, err);
        if (rc < 0)
            assert_true(err[0] != '\0');
    }
    /* no ETX within the frame limit */
    static uint8_t big[MTR_IEC_FRAME_MAX + 8];
    memset(big, 'A', sizeof big);
    big[0] = MTR_IEC_STX;
    assert_int_equal(mtr_iec_frame_scan(big, sizeof big, MTR_IEC_BCC_XOR, &fr, &used, NULL, 0),
                     METER_ELIMIT);
    assert_int_equal(mtr_iec_frame_scan(big, 100, MTR_IEC_BCC_XOR, &fr, &used, NULL, 0),
                     MTR_IEC_MORE);

    /* what answers mean */
    assert_int_equal(mtr_iec_frame_scan(S("\x15"), MTR_IEC_BCC_XOR, &fr, &used, NULL, 0),
                     MTR_IEC_COMPLETE);
    assert_int_equal(mtr_iec_answer_status(&fr, err, sizeof err), METER_ENAK);
    assert_int_equal(mtr_iec_data_build(out, sizeof out, "(ER12)", 6, false, MTR_IEC_BCC_XOR, &n),
                     METER_OK);
    assert_int_equal(mtr_iec_frame_scan(out, n, MTR_IEC_BCC_XOR, &fr, &used, NULL, 0),
                     MTR_IEC_COMPLETE);
    assert_int_equal(mtr_iec_answer_status(&fr, err, sizeof err), METER_EAPPLICATION);
    assert_non_null(strstr(err, "(ER12)"));
    assert_int_equal(mtr_iec_cmd_build(out, sizeof out, 'B', '0', NULL, 0, false,
                                       MTR_IEC_BCC_XOR, &n),
                     METER_OK);
    assert_int_equal(n, 5);
    assert_memory_equal(out, "\x01\x42\x30\x03\x71", 5);
    assert_int_equal(mtr_iec_frame_scan(out, n, MTR_IEC_BCC_XOR, &fr, &used, NULL, 0),
                     MTR_IEC_COMPLETE);
    assert_false(fr.has_data);
    assert_int_equal(mtr_iec_answer_status(&fr, NULL, 0), METER_ESTATE);
    /* parity bits still on the bytes: checked on the 7-bit characters */
    mtr_iec_7e1_encode(out, n);
    assert_int_equal(mtr_iec_frame_scan(out, n, MTR_IEC_BCC_XOR, &fr, &used, NULL, 0),
                     MTR_IEC_COMPLETE);
}

/* ---- inputs the fuzz target found ---------------------------------------- */

/* A 128-character value without a unit (the largest the block takes) wrote part[129], one
 * byte past part[] (issue 10; UBSan in the fuzz build, fuzz/seeds/fuzz_iec/value128-no-unit).
 * The bytes after part[] (the struct's tail and a canary behind it) must stay untouched. */
static void test_value128_without_unit(void **state)
{
    (void)state;
    struct {
        mtr_iec_block_t b;
        unsigned char canary[16];
    } s;
    char text[MTR_IEC_VALUE_MAX + 16];
    memset(text, '7', MTR_IEC_VALUE_MAX);
    memcpy(text + MTR_IEC_VALUE_MAX, ")\r\n!\r\n", 6);
    const char *forms[] = {"1.8.0(", "(", "1.8.0(1*kWh)("};
    for (size_t f = 0; f < sizeof forms / sizeof forms[0]; f++) {
        struct collected c;
        memset(&c, 0, sizeof c);
        char err[160] = "";
        mtr_iec_block_init(&s.b, collect, &c, err, sizeof err);
        size_t tail = offsetof(mtr_iec_block_t, part) + sizeof s.b.part;
        memset((unsigned char *)&s.b + tail, 0xA5, sizeof s.b - tail);
        memset(s.canary, 0xA5, sizeof s.canary);
        int rc = MTR_IEC_MORE;
        for (const char *p = forms[f]; *p && rc == MTR_IEC_MORE; p++)
            rc = mtr_iec_block_byte(&s.b, (uint8_t)*p);
        for (size_t i = 0; i < MTR_IEC_VALUE_MAX + 6 && rc == MTR_IEC_MORE; i++)
            rc = mtr_iec_block_byte(&s.b, (uint8_t)text[i]);
        assert_int_equal(rc, MTR_IEC_COMPLETE);
        for (size_t i = tail; i < sizeof s.b; i++)
            assert_int_equal(((unsigned char *)&s.b)[i], 0xA5);
        for (size_t i = 0; i < sizeof s.canary; i++)
            assert_int_equal(s.canary[i], 0xA5);
        /* the value comes out whole, with no unit */
        char want[512];
        snprintf(want, sizeof want, "%s%.*s|;",
                 f == 0 ? "1.8.0|0|" : f == 1 ? "|0|" : "1.8.0|0|1|kWh;1.8.0|1|",
                 MTR_IEC_VALUE_MAX, text);
        assert_string_equal(c.text, want);
    }
}

static int drop(void *user, const mtr_iec_dataset_t *ds)
{
    (void)user;
    assert_true(ds->address_len <= MTR_IEC_ADDR_MAX && ds->value_len <= MTR_IEC_VALUE_MAX);
    return 0;
}

static void test_regressions(void **state)
{
    (void)state;
    char dir[512];
    snprintf(dir, sizeof dir, "%s/iec/regress", METER_FIXTURES);
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    unsigned files = 0;
    static uint8_t buf[65536];
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || strcmp(e->d_name, "README.md") == 0)
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        size_t n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        files++;
        char err[160];
        mtr_iec_reader_t r;
        for (unsigned fl = 0; fl < 8; fl++) {
            mtr_iec_reader_opts_t o = {fl, (mtr_iec_bcc_t)(fl % 4), drop, NULL, err, sizeof err};
            int rc = mtr_iec_readout_parse(&r, &o, buf, n);
            assert_true(rc == MTR_IEC_COMPLETE || rc < 0);
        }
        mtr_iec_frame_t fr;
        mtr_iec_ident_t id;
        size_t used;
        (void)mtr_iec_frame_scan(buf, n, MTR_IEC_BCC_ANY, &fr, &used, err, sizeof err);
        (void)mtr_iec_ident_scan(buf, n, &id, &used, err, sizeof err);
        (void)mtr_iec_block_parse(buf, n, drop, NULL, NULL, err, sizeof err);
    }
    closedir(d);
    assert_true(files > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bcc_vectors),     cmocka_unit_test(test_7e1),
        cmocka_unit_test(test_ident),           cmocka_unit_test(test_ident_scan),
        cmocka_unit_test(test_signon_optsel),   cmocka_unit_test(test_obis),
        cmocka_unit_test(test_block_deviations), cmocka_unit_test(test_block_details),
        cmocka_unit_test(test_readout_framing), cmocka_unit_test(test_reader_incremental),
        cmocka_unit_test(test_frames),          cmocka_unit_test(test_regressions),
        cmocka_unit_test(test_value128_without_unit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
