/* SPDX-License-Identifier: MIT */
/* SML codec and DSMR CRC, byte-exact cases: CRC check values, transport escapes,
 * padding, CRC byte order, KERMIT, each TL type and width, multi-byte TL, entries
 * and messages, truncation at every byte, bad CRC never gives values, resync,
 * chunked feeding, limits. Captures come from tests/fixtures/sml (see its README). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hex.h"
#include "meter/error.h"
#include "proto/iec62056.h"
#include "proto/sml.h"

#define BIG 8192
static mtr_sml_stream_t S;
static char err[200];

/* ---- helpers ----------------------------------------------------------- */

/* transport frame around @p data: escapes 1B1B1B1B, pads to 4, CRC of @p kind.
 * Pinned to independent bytes by test_wrap_matches_literals. */
static size_t wrap(const uint8_t *data, size_t n, mtr_sml_crc_kind_t kind, uint8_t *out)
{
    size_t o = 0, run = 0;
    memcpy(out, "\x1b\x1b\x1b\x1b\x01\x01\x01\x01", 8);
    o = 8;
    for (size_t i = 0; i < n; i++) {
        out[o++] = data[i];
        run = data[i] == 0x1B ? run + 1 : 0;
        if (run == 4) {
            memcpy(out + o, "\x1b\x1b\x1b\x1b", 4);
            o += 4;
            run = 0;
        }
    }
    unsigned pad = (unsigned)((4 - o % 4) % 4);
    for (unsigned i = 0; i < pad; i++)
        out[o++] = 0;
    memcpy(out + o, "\x1b\x1b\x1b\x1b\x1a", 5);
    o += 5;
    out[o++] = (uint8_t)pad;
    uint16_t c = kind == MTR_SML_CRC_KERMIT ? mtr_sml_crc_kermit(out, o) : mtr_sml_crc_x25(out, o);
    if (kind == MTR_SML_CRC_X25) {
        out[o++] = (uint8_t)(c & 0xFF);
        out[o++] = (uint8_t)(c >> 8);
    } else {
        out[o++] = (uint8_t)(c >> 8);
        out[o++] = (uint8_t)(c & 0xFF);
    }
    return o;
}

/* feed all of @p p (in @p chunk pieces, 0 = whole); returns the first frame's status
 * or the last error; *f gets the frame's copy into @p copy */
static int one_frame(const uint8_t *p, size_t n, unsigned flags, uint8_t *copy,
                     mtr_sml_frame_t *f)
{
    mtr_sml_stream_init(&S, flags);
    size_t off = 0;
    int last = MTR_SML_NEED_MORE;
    while (off < n) {
        size_t used;
        int rc = mtr_sml_stream_feed(&S, p + off, n - off, &used, f, err, sizeof err);
        off += used;
        if (rc == MTR_SML_FRAME) {
            memcpy(copy, f->data, f->len);
            f->data = copy;
            return rc;
        }
        if (rc < 0)
            last = rc;
    }
    int rc = mtr_sml_stream_finish(&S, err, sizeof err);
    return last < 0 ? last : rc < 0 ? rc : MTR_SML_NEED_MORE;
}

static uint8_t *load(const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/sml/%s.bin", METER_FIXTURES, name);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        fail_msg("cannot open %s", path);
    uint8_t *buf = malloc(BIG);
    assert_non_null(buf);
    *len = fread(buf, 1, BIG, fp);
    fclose(fp);
    return buf;
}

/* the SML file of frame @p index of a capture */
static size_t capture_file(const char *name, unsigned index, uint8_t *out)
{
    size_t n;
    uint8_t *bin = load(name, &n);
    mtr_sml_stream_init(&S, 0);
    size_t off = 0, len = 0;
    unsigned k = 0;
    bool found = false;
    while (off < n && !found) {
        size_t used;
        mtr_sml_frame_t f;
        int rc = mtr_sml_stream_feed(&S, bin + off, n - off, &used, &f, err, sizeof err);
        off += used;
        if (rc == MTR_SML_FRAME && k++ == index) {
            memcpy(out, f.data, f.len);
            len = f.len;
            found = true;
        }
    }
    free(bin);
    assert_true(found);
    return len;
}

/* offsets of each message's CRC TL in an SML file */
static size_t crc_offsets(const uint8_t *p, size_t n, size_t *at, size_t max)
{
    mtr_sml_cursor_t c = {p, n, 0};
    size_t k = 0;
    while (c.off < n && k < max) {
        if (p[c.off] == 0) {
            c.off++;
            continue;
        }
        mtr_sml_tl_t tl;
        assert_int_equal(mtr_sml_tl_read(&c, &tl, err, sizeof err), METER_OK);
        for (int i = 0; i < 4; i++)
            assert_int_equal(mtr_sml_skip(&c, 0, err, sizeof err), METER_OK);
        at[k++] = c.off;
        assert_int_equal(mtr_sml_skip(&c, 0, err, sizeof err), METER_OK);
        assert_int_equal(p[c.off++], 0x00);
    }
    return k;
}

/* message CRC field (63 lo hi) from @p start through before @p at */
static void set_msg_crc(uint8_t *p, size_t start, size_t at, bool kermit)
{
    assert_int_equal(p[at], 0x63);
    if (kermit) {
        uint16_t c = mtr_sml_crc_kermit(p + start, at - start);
        p[at + 1] = (uint8_t)(c >> 8);
        p[at + 2] = (uint8_t)c;
    } else {
        uint16_t c = mtr_sml_crc_x25(p + start, at - start);
        p[at + 1] = (uint8_t)c;
        p[at + 2] = (uint8_t)(c >> 8);
    }
}

/* ---- CRCs ----------------------------------------------------------------- */

static void test_crc_check_values(void **state)
{
    (void)state;
    const uint8_t *s = (const uint8_t *)"123456789";
    assert_int_equal(mtr_sml_crc_x25(s, 9), 0x906E);
    assert_int_equal(mtr_sml_crc_kermit(s, 9), 0x2189);
    assert_int_equal(mtr_iec_crc16_arc(s, 9), 0xBB3D);
}

/* ---- transport -------------------------------------------------------------- */

static void test_transport_literals(void **state)
{
    (void)state;
    uint8_t b[64], copy[64];
    mtr_sml_frame_t f;
    size_t n;
    /* sml-rs doc example */
    n = unhex("1b1b1b1b 01010101 12345678 1b1b1b1b 1a00 b87b", b, sizeof b);
    assert_int_equal(one_frame(b, n, 0, copy, &f), MTR_SML_FRAME);
    assert_int_equal(f.len, 4);
    assert_memory_equal(f.data, "\x12\x34\x56\x78", 4);
    assert_int_equal(f.crc, MTR_SML_CRC_X25);
    assert_int_equal(f.raw_len, n);
    /* escaped data 12 1b1b1b1b (sml-rs encoder test), 3 fill bytes */
    n = unhex("1b1b1b1b 01010101 12 1b1b1b1b 1b1b1b1b 000000 1b1b1b1b 1a03 be25", b, sizeof b);
    assert_int_equal(one_frame(b, n, 0, copy, &f), MTR_SML_FRAME);
    assert_int_equal(f.len, 5);
    assert_memory_equal(f.data, "\x12\x1b\x1b\x1b\x1b", 5);
    assert_int_equal(f.padding, 3);
    /* data ending in 1b1b right before the end escape (sml.md's "... 12341b1b 1b1b1b1b
     * 1a00 1ac5" is the tail of a longer frame: the CRC here is our own) */
    n = unhex("1b1b1b1b 01010101 12341b1b 1b1b1b1b 1a00 0000", b, sizeof b);
    uint16_t c = mtr_sml_crc_x25(b, n - 2);
    assert_int_equal(c, 0xa87f); /* python-checked */
    b[n - 2] = (uint8_t)c, b[n - 1] = (uint8_t)(c >> 8);
    assert_int_equal(one_frame(b, n, 0, copy, &f), MTR_SML_FRAME);
    assert_int_equal(f.len, 4);
    assert_memory_equal(f.data, "\x12\x34\x1b\x1b", 4);
    /* ... and in 1b and 1b1b1b */
    n = unhex("1b1b1b1b 01010101 1234561b 1b1b1b1b 1a00 0000", b, sizeof b);
    c = mtr_sml_crc_x25(b, n - 2);
    b[n - 2] = (uint8_t)c, b[n - 1] = (uint8_t)(c >> 8);
    assert_int_equal(one_frame(b, n, 0, copy, &f), MTR_SML_FRAME);
    assert_memory_equal(f.data, "\x12\x34\x56\x1b", 4);
    n = unhex("1b1b1b1b 01010101 121b1b1b 1b1b1b1b 1a00 0000", b, sizeof b);
    c = mtr_sml_crc_x25(b, n - 2);
    b[n - 2] = (uint8_t)c, b[n - 1] = (uint8_t)(c >> 8);
    assert_int_equal(one_frame(b, n, 0, copy, &f), MTR_SML_FRAME);
    assert_memory_equal(f.data, "\x12\x1b\x1b\x1b", 4);
    /* empty frame: X.25 0xe5c6 low byte first */
    n = unhex("1b1b1b1b 01010101 1b1b1b1b 1a00 c6e5", b, sizeof b);
    assert_int_equal(one_frame(b, n, 0, copy, &f), MTR_SML_FRAME);
    assert_int_equal(f.len, 0);
    /* the same with CRC 0000 (SmlLib's exception case) and high byte first */
    n = unhex("1b1b1b1b 01010101 1b1b1b1b 1a00 0000", b, sizeof b);
    assert_int_equal(one_frame(b, n, 0, copy, &f), METER_ECHECKSUM);
    n = unhex("1b1b1b1b 01010101 1b1b1b1b 1a00 e5c6", b, sizeof b);
    assert_int_equal(one_frame(b, n, 0, copy, &f), METER_ECHECKSUM);
    assert_int_equal(one_frame(b, n, MTR_SML_OPT_X25_SWAPPED, copy, &f), MTR_SML_FRAME);
    assert_int_equal(f.crc, MTR_SML_CRC_X25_SWAPPED);
}

static void test_wrap_matches_literals(void **state)
{
    (void)state;
    uint8_t want[64], got[64];
    size_t n = unhex("1b1b1b1b 01010101 12 1b1b1b1b 1b1b1b1b 000000 1b1b1b1b 1a03 be25", want,
                     sizeof want);
    assert_int_equal(wrap((const uint8_t *)"\x12\x1b\x1b\x1b\x1b", 5, MTR_SML_CRC_X25, got), n);
    assert_memory_equal(got, want, n);
    n = unhex("1b1b1b1b 01010101 12345678 1b1b1b1b 1a00 b87b", want, sizeof want);
    assert_int_equal(wrap((const uint8_t *)"\x12\x34\x56\x78", 4, MTR_SML_CRC_X25, got), n);
    assert_memory_equal(got, want, n);
}

static void test_padding(void **state)
{
    (void)state;
    uint8_t b[64], copy[64];
    mtr_sml_frame_t f;
    /* pp = 4, four 00 fill bytes (SmlLib Frame1 does this): accepted */
    size_t n = unhex("1b1b1b1b 01010101 12345678 00000000 1b1b1b1b 1a04 0000", b, sizeof b);
    uint16_t c = mtr_sml_crc_x25(b, n - 2);
    b[n - 2] = (uint8_t)c, b[n - 1] = (uint8_t)(c >> 8);
    assert_int_equal(one_frame(b, n, 0, copy, &f), MTR_SML_FRAME);
    assert_int_equal(f.len, 4);
    assert_int_equal(f.padding, 4);
    /* a fill byte that is not 00 */
    n = unhex("1b1b1b1b 01010101 12345678 1b1b1b1b 1a01 0000", b, sizeof b);
    c = mtr_sml_crc_x25(b, n - 2);
    b[n - 2] = (uint8_t)c, b[n - 1] = (uint8_t)(c >> 8);
    assert_int_equal(one_frame(b, n, 0, copy, &f), METER_EFRAME);
    /* more fill than data */
    n = unhex("1b1b1b1b 01010101 1b1b1b1b 1a02 0000", b, sizeof b);
    c = mtr_sml_crc_x25(b, n - 2);
    b[n - 2] = (uint8_t)c, b[n - 1] = (uint8_t)(c >> 8);
    assert_int_equal(one_frame(b, n, 0, copy, &f), METER_EFRAME);
    /* end escape off the grid, CRC right */
    n = unhex("1b1b1b1b 01010101 123456 1b1b1b1b 1a00 0000", b, sizeof b);
    c = mtr_sml_crc_x25(b, n - 2);
    b[n - 2] = (uint8_t)c, b[n - 1] = (uint8_t)(c >> 8);
    assert_int_equal(one_frame(b, n, 0, copy, &f), METER_EFRAME);
    /* invalid escape */
    n = unhex("1b1b1b1b 01010101 1b1b1b1b 02020202 1b1b1b1b 1a00 0000", b, sizeof b);
    assert_int_equal(one_frame(b, n, 0, copy, &f), METER_EFRAME);
}

/* every single-byte change of a real frame is refused: no values from a bad CRC */
static void test_bad_crc_no_values(void **state)
{
    (void)state;
    size_t n;
    uint8_t *bin = load("libsml-testing__EMH_eHZ361L5R", &n);
    uint8_t copy[BIG];
    mtr_sml_frame_t f;
    assert_int_equal(one_frame(bin, n, 0, copy, &f), MTR_SML_FRAME);
    for (size_t i = 8; i < n; i++) {
        for (unsigned flip = 1; flip < 256; flip <<= 1) {
            bin[i] ^= (uint8_t)flip;
            int rc = one_frame(bin, n, MTR_SML_OPT_KERMIT | MTR_SML_OPT_X25_SWAPPED, copy, &f);
            if (rc == MTR_SML_FRAME)
                fail_msg("byte %zu ^ %02x still gave a frame", i, flip);
            assert_true(rc < 0);
            bin[i] ^= (uint8_t)flip;
        }
    }
    free(bin);
}

/* a prefix of a real stream never yields a frame or values; finish says truncated */
static void test_truncation_every_byte(void **state)
{
    (void)state;
    size_t n;
    uint8_t *bin = load("libsml-testing__EMH_eHZ361L5R", &n);
    uint8_t copy[BIG];
    mtr_sml_frame_t f;
    for (size_t len = 0; len < n; len++) {
        int rc = one_frame(bin, len, 0, copy, &f);
        assert_int_equal(rc, len >= 8 ? METER_ETRUNCATED : MTR_SML_NEED_MORE);
    }
    /* the SML file cut at every byte: a named error and no entries, or OK exactly at
     * a message boundary */
    uint8_t file[BIG];
    size_t fl = capture_file("libsml-testing__EMH_eHZ361L5R", 0, file);
    mtr_sml_entry_t e[16];
    for (size_t len = 0; len < fl; len++) {
        uint8_t *cut = malloc(len ? len : 1);
        memcpy(cut, file, len);
        mtr_sml_result_t r = {.entries = e, .cap = 16};
        int rc = mtr_sml_decode(cut, len, 0, &r, err, sizeof err);
        if (rc == METER_OK) {
            assert_true(len == 0 || cut[len - 1] == 0x00);
            assert_true(r.messages < 3);
        } else {
            assert_true(rc == METER_ETRUNCATED || rc == METER_EFRAME || rc == METER_ECHECKSUM);
            assert_int_equal(r.count, 0);
        }
        free(cut);
    }
    mtr_sml_result_t r = {.entries = e, .cap = 16};
    assert_int_equal(mtr_sml_decode(file, fl, 0, &r, err, sizeof err), METER_OK);
    assert_int_equal(r.messages, 3);
    assert_int_equal(r.count, 5);
    free(bin);
}

static void test_resync_and_chunks(void **state)
{
    (void)state;
    size_t n;
    uint8_t *bin = load("libsml-testing__EMH_eHZ361L5R", &n);
    uint8_t *s = malloc(4 * BIG);
    size_t o = 0;
    /* starts mid-telegram, garbage, a good frame, a frame cut by a new start, a frame
     * with a bad CRC, an invalid escape directly followed by a start, a good frame */
    memcpy(s + o, bin + 100, n - 100), o += n - 100;
    memcpy(s + o, "\x1b\x1b\x01\x01\x1b\x00\xff", 7), o += 7;
    memcpy(s + o, bin, n), o += n;
    memcpy(s + o, bin, 60), o += 60;
    memcpy(s + o, bin, n), o += n;
    memcpy(s + o, bin, n), s[o + 50] ^= 1, o += n;
    /* start, then 1b1b1b1b 021b1b1b: an invalid escape whose last bytes begin a start */
    memcpy(s + o, "\x1b\x1b\x1b\x1b\x01\x01\x01\x01\x1b\x1b\x1b\x1b\x02\x1b\x1b\x1b", 16), o += 16;
    memcpy(s + o, bin + 3, n - 3), o += n - 3;
    const char *want = "F T F C E F";
    for (size_t chunk = 0; chunk < 20; chunk++) {
        char ev[64] = "";
        mtr_sml_stream_init(&S, 0);
        size_t off = 0;
        unsigned seed = 7;
        while (off < o) {
            size_t len = o - off;
            if (chunk == 19) { /* random sizes */
                seed = seed * 1103515245u + 12345u;
                len = 1 + (seed >> 16) % 40;
            } else if (chunk) {
                len = chunk;
            }
            if (len > o - off)
                len = o - off;
            size_t used;
            mtr_sml_frame_t f;
            int rc = mtr_sml_stream_feed(&S, s + off, len, &used, &f, err, sizeof err);
            off += used;
            const char *c = rc == MTR_SML_FRAME ? "F" : rc == METER_ETRUNCATED ? "T"
                          : rc == METER_ECHECKSUM ? "C" : rc == METER_EFRAME ? "E" : NULL;
            if (rc == MTR_SML_FRAME) {
                assert_int_equal(f.raw_len, n);
                mtr_sml_entry_t e[8];
                mtr_sml_result_t r = {.entries = e, .cap = 8};
                assert_int_equal(mtr_sml_decode_frame(&f, 0, &r, err, sizeof err), METER_OK);
                assert_int_equal(r.count, 5);
            }
            if (c)
                snprintf(ev + strlen(ev), sizeof ev - strlen(ev), "%s%s", *ev ? " " : "", c);
        }
        assert_int_equal(mtr_sml_stream_finish(&S, err, sizeof err), METER_OK);
        assert_string_equal(ev, want);
    }
    free(s);
    free(bin);
}

static void test_frame_limit(void **state)
{
    (void)state;
    uint8_t *s = malloc(2 * BIG), copy[BIG];
    size_t o = 8;
    memcpy(s, "\x1b\x1b\x1b\x1b\x01\x01\x01\x01", 8);
    memset(s + o, 0x42, MTR_SML_FRAME_MAX), o += MTR_SML_FRAME_MAX;
    o += wrap((const uint8_t *)"\x12\x34", 2, MTR_SML_CRC_X25, s + o);
    mtr_sml_stream_init(&S, 0);
    size_t used, off = 0;
    mtr_sml_frame_t f;
    int rc = mtr_sml_stream_feed(&S, s, o, &used, &f, err, sizeof err);
    assert_int_equal(rc, METER_ELIMIT);
    assert_int_equal(used, MTR_SML_FRAME_MAX + 1);
    off = used;
    rc = mtr_sml_stream_feed(&S, s + off, o - off, &used, &f, err, sizeof err);
    assert_int_equal(rc, MTR_SML_FRAME);
    assert_int_equal(f.len, 2);
    /* a frame of exactly MTR_SML_FRAME_MAX raw bytes is fine */
    size_t dl = MTR_SML_FRAME_MAX - 16;
    memset(s, 0x42, dl);
    o = wrap(s, dl, MTR_SML_CRC_X25, s + BIG);
    assert_int_equal(o, MTR_SML_FRAME_MAX);
    assert_int_equal(one_frame(s + BIG, o, 0, copy, &f), MTR_SML_FRAME);
    assert_int_equal(f.len, dl);
    free(s);
}

/* ---- type-length fields ------------------------------------------------------ */

static int tl(const char *h, mtr_sml_tl_t *t, size_t *off)
{
    static uint8_t b[128];
    size_t n = unhex(h, b, sizeof b);
    mtr_sml_cursor_t c = {b, n, 0};
    int rc = mtr_sml_tl_read(&c, t, err, sizeof err);
    *off = c.off;
    return rc;
}

static void test_tl_types(void **state)
{
    (void)state;
    mtr_sml_tl_t t;
    size_t off;
    assert_int_equal(tl("42 01", &t, &off), METER_OK);
    assert_int_equal(t.type, MTR_SML_T_BOOL);
    assert_int_equal(t.data[0], 1);
    assert_int_equal(tl("04 45 4d 48", &t, &off), METER_OK);
    assert_int_equal(t.type, MTR_SML_T_OCTETS);
    assert_int_equal(t.len, 3);
    assert_memory_equal(t.data, "EMH", 3);
    assert_int_equal(off, 4);
    assert_int_equal(tl("00", &t, &off), METER_OK);
    assert_int_equal(t.type, MTR_SML_T_END);
    assert_int_equal(tl("01", &t, &off), METER_OK);
    assert_int_equal(t.type, MTR_SML_T_ABSENT);
    assert_int_equal(tl("77", &t, &off), METER_OK);
    assert_int_equal(t.type, MTR_SML_T_LIST);
    assert_int_equal(t.len, 7);
    assert_int_equal(off, 1);
    /* multi-byte: list of 0x15, octet string of 0x32 - 2 = 48 bytes */
    assert_int_equal(tl("f1 05", &t, &off), METER_OK);
    assert_int_equal(t.type, MTR_SML_T_LIST);
    assert_int_equal(t.len, 21);
    assert_int_equal(t.tl_len, 2);
    char h[200] = "83 02";
    for (int i = 0; i < 48; i++)
        strcat(h, " aa");
    assert_int_equal(tl(h, &t, &off), METER_OK);
    assert_int_equal(t.len, 48);
    assert_int_equal(off, 50);
    h[strlen(h) - 3] = 0; /* one byte short */
    assert_int_equal(tl(h, &t, &off), METER_ETRUNCATED);
    /* errors */
    assert_int_equal(tl("24 00 00 00", &t, &off), METER_EFRAME); /* reserved type 2 */
    assert_int_equal(tl("33 00 00", &t, &off), METER_EFRAME);    /* reserved type 3 */
    assert_int_equal(tl("81 12 00", &t, &off), METER_EFRAME);    /* continuation with type */
    assert_int_equal(tl("80 01", &t, &off), METER_EFRAME);       /* length below TL */
    assert_int_equal(tl("51", &t, &off), METER_EFRAME);          /* integer of 0 bytes */
    assert_int_equal(tl("5a 00 00 00 00 00 00 00 00 00", &t, &off), METER_EFRAME); /* 9 bytes */
    assert_int_equal(tl("43 01 01", &t, &off), METER_EFRAME);    /* boolean of 2 */
    assert_int_equal(tl("63 01", &t, &off), METER_ETRUNCATED);
    assert_int_equal(tl("f1", &t, &off), METER_ETRUNCATED);
    assert_int_equal(tl("", &t, &off), METER_ETRUNCATED);
    assert_int_equal(tl("f1 81 81 81 81 81 81 81 01", &t, &off), METER_ELIMIT);
}

static void test_int_widths(void **state)
{
    (void)state;
    static const struct {
        const char *h;
        int64_t i;
        uint64_t u;
    } v[] = {
        {"52 ff", -1, 0},
        {"53 8b28", -29912, 0},                 /* DZG 356.24 W sent as -299.12 */
        {"54 fecbfd", -78851, 0},               /* 3-byte */
        {"54 7fffff", 8388607, 0},
        {"55 fca49884", -56321916, 0},
        {"56 0008d1cf1b", 147967771, 0},        /* 5-byte */
        {"56 ff00000000", -4294967296LL, 0},
        {"57 800000000000", -140737488355328LL, 0}, /* 6-byte */
        {"58 ffffffffffff85", -123, 0},          /* 7-byte */
        {"59 8000000000000000", INT64_MIN, 0},
        {"59 7fffffffffffffff", INT64_MAX, 0},
        {"62 1e", 0, 30},
        {"63 0180", 0, 0x180},
        {"64 1c0104", 0, 0x1c0104},             /* 3-byte */
        {"65 00148e03", 0, 1347075},
        {"66 ffffffffff", 0, 0xffffffffffULL},  /* 5-byte */
        {"67 010000000000", 0, 0x010000000000ULL},
        {"68 80000000000000", 0, 0x80000000000000ULL},
        {"69 0000001408499d07", 0, 86038387975ULL},
        {"69 ffffffffffffffff", 0, UINT64_MAX},
    };
    for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
        mtr_sml_tl_t t;
        size_t off;
        assert_int_equal(tl(v[k].h, &t, &off), METER_OK);
        if (t.type == MTR_SML_T_INT) {
            if (mtr_sml_be_int(t.data, t.len) != v[k].i)
                fail_msg("%s: %lld", v[k].h, (long long)mtr_sml_be_int(t.data, t.len));
        } else {
            assert_int_equal(t.type, MTR_SML_T_UINT);
            if (mtr_sml_be_uint(t.data, t.len) != v[k].u)
                fail_msg("%s: %llu", v[k].h, (unsigned long long)mtr_sml_be_uint(t.data, t.len));
        }
    }
}

static void test_skip_depth(void **state)
{
    (void)state;
    uint8_t b[64];
    memset(b, 0x71, 40);
    b[40] = 0x62, b[41] = 0x05;
    mtr_sml_cursor_t c = {b, 17, 0};
    memcpy(b + 17, "\x62\x05", 2);
    c.n = 19;
    assert_int_equal(mtr_sml_skip(&c, 0, err, sizeof err), METER_ELIMIT);
    mtr_sml_cursor_t c2 = {b + 1, 18, 0}; /* 16 lists then a scalar */
    assert_int_equal(mtr_sml_skip(&c2, 0, err, sizeof err), METER_OK);
    assert_int_equal(c2.off, 18);
}

/* ---- entries ------------------------------------------------------------------- */

static int entry(const char *h, mtr_sml_entry_t *e)
{
    static uint8_t b[256];
    size_t n = unhex(h, b, sizeof b);
    mtr_sml_cursor_t c = {b, n, 0};
    memset(e, 0, sizeof *e);
    int rc = mtr_sml_entry_read(&c, e, err, sizeof err);
    if (rc == METER_OK)
        assert_int_equal(c.off, n);
    return rc;
}

static void test_entries(void **state)
{
    (void)state;
    mtr_sml_entry_t e;
    char obis[32];
    /* EMH eHZ361L5R: Integer32 negative power, status 0x82 */
    assert_int_equal(entry("77 07 0100010701ff 62 82 01 62 1b 52 fc 55 fca49884 01", &e), METER_OK);
    mtr_sml_obis_format(e.obis, obis, sizeof obis);
    assert_string_equal(obis, "1-0:1.7.1*255");
    assert_true(e.has_status && e.status == 0x82);
    assert_int_equal(e.val_time.kind, MTR_SML_TIME_NONE);
    assert_true(e.has_unit && e.unit == 27);
    assert_string_equal(mtr_sml_unit_symbol(e.unit), "W");
    assert_true(e.has_scaler && e.scaler == -4);
    assert_int_equal(e.kind, MTR_SML_V_INT);
    assert_true(e.i == -56321916);
    assert_true(fabs(mtr_sml_entry_value(&e) - -5632.1916) < 1e-9);
    assert_false(e.has_signature);
    /* DZG dwsb20: 3-byte int, valTime secIndex 0 */
    assert_int_equal(entry("77 07 0100100700ff 01 72 62 01 62 00 62 1b 52 fe 54 fecbfd 01", &e),
                     METER_OK);
    assert_int_equal(e.val_time.kind, MTR_SML_TIME_SECINDEX);
    assert_int_equal(e.val_time.value, 0);
    assert_int_equal(e.int_bytes, 3);
    assert_true(fabs(mtr_sml_entry_value(&e) - -788.51) < 1e-9);
    /* DZG DVS-7412: 356.24 W sent as Integer16 -299.12: kept as the wire says */
    assert_int_equal(entry("77 07 0100100700ff 01 72 62 01 62 00 62 1b 52 fe 53 8b28 01", &e),
                     METER_OK);
    assert_true(fabs(mtr_sml_entry_value(&e) - -299.12) < 1e-9);
    /* Holley DTZ541: bare Unsigned32 as valTime, 3-byte status */
    assert_int_equal(
        entry("77 07 0100010801ff 65 001c0104 65 00148e03 62 1e 52 ff 62 00 01", &e), METER_OK);
    assert_true(e.status == 0x1c0104);
    assert_int_equal(e.val_time.kind, MTR_SML_TIME_SECINDEX);
    assert_int_equal(e.val_time.value, 1347075);
    assert_int_equal(e.kind, MTR_SML_V_UINT);
    /* ISKRA without PIN: scaler +3 */
    assert_int_equal(entry("77 07 0100010800ff 65 00100104 01 62 1e 52 03 63 07fb 01", &e),
                     METER_OK);
    assert_true(mtr_sml_entry_value(&e) == 2043000.0);
    /* EMH with_error: mandatory value sent as 01 */
    assert_int_equal(entry("77 07 010060320206 01 72 62 01 65 01e8292f 01 01 01 01", &e),
                     METER_OK);
    assert_int_equal(e.kind, MTR_SML_V_ABSENT);
    assert_int_equal(e.val_time.value, 31992111);
    assert_false(e.has_unit || e.has_scaler);
    assert_true(isnan(mtr_sml_entry_value(&e)));
    /* localTimestamp valTime (tag 3, offsets as Integer8 and Integer16), a signature */
    assert_int_equal(entry("77 07 0100011100ff 01 72 62 03 73 65 5f5e1000 52 3c 53 ff88"
                           " 62 1e 52 ff 56 0000009e3c 03 abcd", &e), METER_OK);
    assert_int_equal(e.val_time.kind, MTR_SML_TIME_LOCAL);
    assert_int_equal(e.val_time.value, 1600000000);
    assert_int_equal(e.val_time.local_offset, 60);
    assert_int_equal(e.val_time.season_offset, -120);
    assert_true(e.has_signature && e.signature_len == 2);
    /* a value that is an SML_Time list (secIndex), a boolean, an octet string */
    assert_int_equal(entry("77 07 8181c78203ff 01 01 01 01 72 62 01 65 001e3f50 01", &e), METER_OK);
    assert_int_equal(e.kind, MTR_SML_V_TIME);
    assert_int_equal(e.time.value, 1982288);
    mtr_sml_obis_format(e.obis, obis, sizeof obis);
    assert_string_equal(obis, "129-129:199.130.3*255");
    assert_int_equal(entry("77 07 0100000009ff 01 01 01 01 42 00 01", &e), METER_OK);
    assert_int_equal(e.kind, MTR_SML_V_BOOL);
    assert_false(e.b);
    assert_int_equal(entry("77 07 0100000009ff 01 01 01 01 04 454d48 01", &e), METER_OK);
    assert_int_equal(e.kind, MTR_SML_V_OCTETS);
    assert_memory_equal(e.octets, "EMH", 3);
    /* other list value: walked over */
    assert_int_equal(entry("77 07 0100000009ff 01 01 01 01 72 62 09 71 01 01", &e), METER_OK);
    assert_int_equal(e.kind, MTR_SML_V_LIST);
    /* malformed */
    assert_int_equal(entry("76 07 0100000009ff 01 01 01 01 42 00", &e), METER_EFRAME);
    assert_int_equal(entry("77 01 01 01 01 01 42 00 01", &e), METER_EFRAME);  /* no objName */
    assert_int_equal(entry("77 07 0100000009ff 04 414243 01 01 01 42 00 01", &e), METER_EFRAME);
    assert_int_equal(entry("77 07 0100000009ff 01 01 63 0100 01 42 00 01", &e), METER_EFRAME);
    assert_int_equal(entry("77 07 0100000009ff 01 01 01 53 0100 42 00 01", &e), METER_EFRAME);
    assert_int_equal(entry("77 07 0100000009ff 01 72 62 07 62 00 01 01 42 00 01", &e), METER_EFRAME);
    assert_int_equal(entry("77 07 0100000009ff 01 01 01 01 00 01", &e), METER_EFRAME);
    assert_int_equal(entry("77 07 0100000009ff 01 01 01 01 42", &e), METER_ETRUNCATED);
}

static void test_units(void **state)
{
    (void)state;
    assert_string_equal(mtr_sml_unit_symbol(30), "Wh");
    assert_string_equal(mtr_sml_unit_symbol(27), "W");
    assert_string_equal(mtr_sml_unit_symbol(35), "V");
    assert_string_equal(mtr_sml_unit_symbol(33), "A");
    assert_string_equal(mtr_sml_unit_symbol(44), "Hz");
    assert_string_equal(mtr_sml_unit_symbol(29), "var");
    assert_string_equal(mtr_sml_unit_symbol(32), "varh");
    assert_string_equal(mtr_sml_unit_symbol(8), "\xc2\xb0");
    assert_string_equal(mtr_sml_unit_symbol(13), "m\xc2\xb3");
    assert_string_equal(mtr_sml_unit_symbol(0), "");
    assert_string_equal(mtr_sml_unit_symbol(255), "");
    assert_null(mtr_sml_unit_symbol(39));
    assert_null(mtr_sml_unit_symbol(100));
    char b[32];
    assert_int_equal(mtr_sml_obis_format((const uint8_t *)"\x01\x00\x01\x08\x00\xff", b, 10),
                     METER_EBUFSIZE);
}

/* ---- messages -------------------------------------------------------------------- */

/* append a message 76 [tid, 62 00, 62 00, 72 [tag, body], crc, 00] */
static size_t msg(uint8_t *out, const char *tag, const char *body, int crc_width, uint8_t tid)
{
    size_t o = 0;
    uint8_t tmp[512];
    o += unhex("76 02", out, 8);
    out[o++] = tid;
    o += unhex("62 00 62 00 72", out + o, 16);
    o += unhex(tag, out + o, 16);
    size_t n = unhex(body, tmp, sizeof tmp);
    memcpy(out + o, tmp, n), o += n;
    uint16_t c = mtr_sml_crc_x25(out, o);
    if (crc_width == 1) {
        out[o++] = 0x62, out[o++] = (uint8_t)(c >> 8);
    } else {
        out[o++] = 0x63, out[o++] = (uint8_t)c, out[o++] = (uint8_t)(c >> 8);
    }
    out[o++] = 0x00;
    return o;
}

#define OPEN_BODY "76 01 01 05 0a0b0c0d 0b 0a01454d480000a1bd34 01 01"
#define LIST_BODY "77 01 0b 0a01454d480000a1bd34 01 72 62 01 65 00000100 73" \
    " 77 07 0100010800ff 65 00100104 01 62 1e 52 ff 56 0008d1cf1b 01" \
    " 77 07 0100100700ff 01 01 62 1b 52 00 53 ff38 01" \
    " 77 07 8181c78203ff 01 01 01 01 04 454d48 01" \
    " 01 01"

static void test_messages(void **state)
{
    (void)state;
    uint8_t file[2048];
    size_t o = 0;
    o += msg(file + o, "63 0101", OPEN_BODY, 2, 1);
    o += msg(file + o, "65 00000701", LIST_BODY, 2, 2); /* Unsigned32 tag */
    o += msg(file + o, "63 ff01", "74 0b 0a01454d480000a1bd34 03 ff01 01 01", 2, 3);
    o += msg(file + o, "63 0201", "71 01", 2, 4);
    file[o++] = 0x00; /* stray 00 */
    mtr_sml_entry_t e[4];
    mtr_sml_result_t r = {.entries = e, .cap = 4};
    assert_int_equal(mtr_sml_decode(file, o, 0, &r, err, sizeof err), METER_OK);
    assert_int_equal(r.messages, 4);
    assert_int_equal(r.open_res, 1);
    assert_int_equal(r.getlist_res, 1);
    assert_int_equal(r.close_res, 1);
    assert_int_equal(r.skipped, 1);
    assert_int_equal(r.count, 3);
    assert_int_equal(r.server_id_len, 10);
    assert_int_equal(r.act_sensor_time.value, 256);
    assert_true(e[0].kind == MTR_SML_V_INT && e[0].i == 147967771 && e[0].status == 0x100104);
    assert_true(fabs(mtr_sml_entry_value(&e[0]) - 14796777.1) < 1e-9);
    assert_true(e[1].i == -200 && e[1].scaler == 0);
    assert_int_equal(e[1].message, 1);
    assert_int_equal(e[2].server_id_len, 10);
    /* room for 2 of 3: EBUFSIZE, the first two kept */
    r.cap = 2;
    assert_int_equal(mtr_sml_decode(file, o, 0, &r, err, sizeof err), METER_EBUFSIZE);
    assert_int_equal(r.count, 2);
    assert_int_equal(r.total, 3);
    r.cap = 4;
    /* a wrong message CRC: no entries */
    file[o - 4]++; /* last message's CRC */
    assert_int_equal(mtr_sml_decode(file, o, 0, &r, err, sizeof err), METER_ECHECKSUM);
    assert_int_equal(r.count, 0);
    /* bare payloads have no transport CRC: the trust option does not apply */
    assert_int_equal(mtr_sml_decode(file, o, MTR_SML_OPT_MSG_CRC_TRUST_TRANSPORT, &r, err,
                                    sizeof err), METER_ECHECKSUM);
    file[o - 4]--;
    /* garbage after the messages */
    file[o++] = 0x72; /* a list of 2 is no SML_Message */
    assert_int_equal(mtr_sml_decode(file, o, 0, &r, err, sizeof err), METER_EFRAME);
    assert_int_equal(r.count, 0);
    /* 1-byte CRC 62 xx when the CRC's low byte is 0 */
    for (unsigned tid = 0; tid < 256 * 16; tid++) {
        uint8_t m[600];
        size_t n = msg(m, "63 0701", LIST_BODY, 2, (uint8_t)tid);
        if (m[n - 3] != 0)
            continue;
        n = msg(m, "63 0701", LIST_BODY, 1, (uint8_t)tid);
        assert_int_equal(m[n - 3], 0x62);
        assert_int_equal(mtr_sml_decode(m, n, 0, &r, err, sizeof err), METER_OK);
        assert_int_equal(r.count, 3);
        return;
    }
    fail_msg("no transaction id gives a CRC with low byte 0");
}

/* KERMIT: a Holley capture's frame re-sent with KERMIT message and transport CRCs */
static void test_kermit_capture(void **state)
{
    (void)state;
    uint8_t file[BIG], raw[2 * BIG], copy[BIG];
    size_t fl = capture_file("libsml-testing__HOLLEY_DTZ541-BDBA_with_PIN", 0, file);
    size_t at[8], start = 0;
    size_t nm = crc_offsets(file, fl, at, 8);
    assert_int_equal(nm, 3);
    for (size_t k = 0; k < nm; k++) {
        while (file[start] == 0)
            start++;
        set_msg_crc(file, start, at[k], true);
        start = at[k] + 4;
    }
    size_t n = wrap(file, fl, MTR_SML_CRC_KERMIT, raw);
    mtr_sml_frame_t f;
    assert_int_equal(one_frame(raw, n, 0, copy, &f), METER_ECHECKSUM);
    assert_int_equal(one_frame(raw, n, MTR_SML_OPT_KERMIT, copy, &f), MTR_SML_FRAME);
    assert_int_equal(f.crc, MTR_SML_CRC_KERMIT);
    mtr_sml_entry_t e[32];
    mtr_sml_result_t r = {.entries = e, .cap = 32};
    assert_int_equal(mtr_sml_decode_frame(&f, 0, &r, err, sizeof err), METER_ECHECKSUM);
    assert_int_equal(r.count, 0);
    assert_int_equal(mtr_sml_decode_frame(&f, MTR_SML_OPT_KERMIT, &r, err, sizeof err), METER_OK);
    assert_int_equal(r.msg_crc_kermit, 3);
    assert_int_equal(r.count, 4); /* as the X.25 original (fixture: 4 entries per frame) */
}

/* eBZ with wrong message CRCs, transport CRC right (as SmlLib's Frame_Issue_8_OK) */
static void test_msg_crc_trust_transport(void **state)
{
    (void)state;
    uint8_t file[BIG], raw[2 * BIG], copy[BIG];
    size_t fl = capture_file("libsml-testing__eBZ_DD3_DD3BZ06DTA-SMZ1_without_PIN", 0, file);
    size_t at[8];
    assert_int_equal(crc_offsets(file, fl, at, 8), 3);
    file[at[0] + 1] ^= 0x5A; /* OpenRes and GetListRes CRCs wrong, CloseRes right */
    file[at[1] + 2] ^= 0xA5;
    size_t n = wrap(file, fl, MTR_SML_CRC_X25, raw);
    mtr_sml_frame_t f;
    assert_int_equal(one_frame(raw, n, 0, copy, &f), MTR_SML_FRAME);
    mtr_sml_entry_t e[32];
    mtr_sml_result_t r = {.entries = e, .cap = 32};
    assert_int_equal(mtr_sml_decode_frame(&f, 0, &r, err, sizeof err), METER_ECHECKSUM);
    assert_int_equal(r.count, 0);
    assert_int_equal(mtr_sml_decode_frame(&f, MTR_SML_OPT_MSG_CRC_TRUST_TRANSPORT, &r, err,
                                          sizeof err), METER_OK);
    assert_int_equal(r.msg_crc_bad, 2);
    assert_int_equal(r.count, 5);
    assert_true(e[2].u == 4469 && e[2].scaler == 3);
    /* the same bytes without a transport frame: no trust */
    assert_int_equal(mtr_sml_decode(file, fl, MTR_SML_OPT_MSG_CRC_TRUST_TRANSPORT, &r, err,
                                    sizeof err), METER_ECHECKSUM);
}

/* ---- DSMR P1 ------------------------------------------------------------------------ */

static const char dsmr_v5[] =
    "/ISk5\\2MT382-1000\r\n\r\n1-3:0.2.8(50)\r\n0-0:1.0.0(170102192002W)\r\n"
    "0-0:96.1.1(4B384547303034303436333935353037)\r\n1-0:1.8.1(000004.426*kWh)\r\n"
    "1-0:1.8.2(000002.399*kWh)\r\n1-0:2.8.1(000002.444*kWh)\r\n1-0:2.8.2(000000.000*kWh)\r\n"
    "0-0:96.14.0(0002)\r\n1-0:1.7.0(00.244*kW)\r\n1-0:2.7.0(00.000*kW)\r\n0-0:96.7.21(00013)\r\n"
    "0-0:96.7.9(00000)\r\n1-0:99.97.0(0)(0-0:96.7.19)\r\n1-0:32.32.0(00000)\r\n1-0:52.32.0(00000)\r\n"
    "1-0:72.32.0(00000)\r\n1-0:32.36.0(00000)\r\n1-0:52.36.0(00000)\r\n1-0:72.36.0(00000)\r\n"
    "0-0:96.13.0()\r\n1-0:32.7.0(0230.0*V)\r\n1-0:52.7.0(0230.0*V)\r\n1-0:72.7.0(0229.0*V)\r\n"
    "1-0:31.7.0(0.48*A)\r\n1-0:51.7.0(0.44*A)\r\n1-0:71.7.0(0.86*A)\r\n1-0:21.7.0(00.070*kW)\r\n"
    "1-0:41.7.0(00.032*kW)\r\n1-0:61.7.0(00.142*kW)\r\n1-0:22.7.0(00.000*kW)\r\n1-0:42.7.0(00.000*kW)\r\n"
    "1-0:62.7.0(00.000*kW)\r\n0-1:24.1.0(003)\r\n0-1:96.1.0(3232323241424344313233343536373839)\r\n"
    "0-1:24.2.1(170102161005W)(00000.107*m3)\r\n0-2:24.1.0(003)\r\n0-2:96.1.0()\r\n!6EEE\r\n";

static void test_dsmr_crc(void **state)
{
    (void)state;
    char t[1024];
    uint16_t crc;
    size_t used, n = strlen(dsmr_v5);
    assert_int_equal(n, 884 + 6);
    assert_int_equal(mtr_iec_dsmr_crc_check((const uint8_t *)dsmr_v5, n, &crc, &used, err,
                                            sizeof err), METER_OK);
    assert_int_equal(crc, 0x6EEE);
    assert_int_equal(used, n - 2);
    /* junk before '/' is skipped; lower-case digits accepted */
    memcpy(t, "\xff\x00zz", 4);
    memcpy(t + 4, dsmr_v5, n + 1);
    assert_int_equal(mtr_iec_dsmr_crc_check((const uint8_t *)t, n + 4, &crc, NULL, NULL, 0),
                     METER_OK);
    /* one changed digit in a value */
    memcpy(t, dsmr_v5, n + 1);
    *strstr(t, "4.426") = '5';
    assert_int_equal(mtr_iec_dsmr_crc_check((const uint8_t *)t, n, &crc, NULL, err, sizeof err),
                     METER_ECHECKSUM);
    /* fewer than 4 digits (CRC 0x0206, python-checked) */
    const char *s = "/A\r\n\r\n1-0:1.8.1(071)\r\n!206\r\n";
    assert_int_equal(mtr_iec_dsmr_crc_check((const uint8_t *)s, strlen(s), &crc, NULL, err,
                                            sizeof err), METER_OK);
    assert_int_equal(crc, 0x0206);
    s = "/XMX5LGBBFG1009021021\r\n\r\n1-0:1.8.1(000004.426*kWh)\r\n!d164\r\n";
    assert_int_equal(mtr_iec_dsmr_crc_check((const uint8_t *)s, strlen(s), NULL, NULL, err,
                                            sizeof err), METER_OK);
    s = "/A\r\n\r\n1-0:1.8.1(071)\r\n!\r\n"; /* DSMR 2.2: no CRC */
    assert_int_equal(mtr_iec_dsmr_crc_check((const uint8_t *)s, strlen(s), NULL, NULL, err,
                                            sizeof err), METER_EUNSUPPORTED);
    s = "/A\r\n\r\n1-0:1.8.1(071)\r\n";
    assert_int_equal(mtr_iec_dsmr_crc_check((const uint8_t *)s, strlen(s), NULL, NULL, err,
                                            sizeof err), METER_EFRAME);
    assert_int_equal(mtr_iec_dsmr_crc_check((const uint8_t *)"abc!1234", 8, NULL, NULL, err,
                                            sizeof err), METER_EFRAME);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc_check_values),
        cmocka_unit_test(test_transport_literals),
        cmocka_unit_test(test_wrap_matches_literals),
        cmocka_unit_test(test_padding),
        cmocka_unit_test(test_bad_crc_no_values),
        cmocka_unit_test(test_truncation_every_byte),
        cmocka_unit_test(test_resync_and_chunks),
        cmocka_unit_test(test_frame_limit),
        cmocka_unit_test(test_tl_types),
        cmocka_unit_test(test_int_widths),
        cmocka_unit_test(test_skip_depth),
        cmocka_unit_test(test_entries),
        cmocka_unit_test(test_units),
        cmocka_unit_test(test_messages),
        cmocka_unit_test(test_kermit_capture),
        cmocka_unit_test(test_msg_crc_trust_transport),
        cmocka_unit_test(test_dsmr_crc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
