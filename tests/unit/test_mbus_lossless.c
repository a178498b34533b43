/* SPDX-License-Identifier: MIT */
/* M-Bus records lose nothing the frame says (issue 11, item 2, codec side):
 * mode 2 (CI 76/77), fixed-structure counters as records, header presence
 * flags, where a walk stopped, unsigned types C/D, validity and summer-time
 * flags, plain-text units, ISO 8859-1 text, encrypted telegrams refused, E5.
 * Every frame is a literal with its checksum; expected values come from
 * mbus.md's layouts, not from this code. */
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

#include "proto/mbus.h"

static uint8_t fbuf[300];

/* parse a whole frame (checksum checked) and its application layer as a reply */
static int reply_of(const char *hex, mtr_mbus_frame_t *f, mtr_mbus_app_t *app, char *err,
                    size_t errlen)
{
    size_t n = unhex(hex, fbuf, sizeof fbuf);
    int rc = mtr_mbus_frame_parse(fbuf, n, f, NULL, err, errlen);
    if (rc != METER_OK)
        return rc;
    assert_int_equal(f->size, n);
    return mtr_mbus_reply_parse(f, app, err, errlen);
}

static uint8_t rbuf[256];

/* one record from raw record bytes (LSB first unless flags say otherwise) */
static void one(const char *hex, unsigned flags, mtr_mbus_record_t *r, mtr_mbus_value_t *v)
{
    size_t n = unhex(hex, rbuf, sizeof rbuf);
    mtr_mbus_iter_t it;
    char err[160];
    mtr_mbus_iter_init(&it, rbuf, n, flags);
    int rc = mtr_mbus_iter_next(&it, r, err, sizeof err);
    if (rc != 1)
        fail_msg("record %s: %d (%s)", hex, rc, err);
    assert_int_equal(r->size, n);
    rc = mtr_mbus_value_decode(r, v, err, sizeof err);
    if (rc != METER_OK && rc != METER_EVALUE)
        fail_msg("record %s: value %d (%s)", hex, rc, err);
}

static void assert_near(double got, double want)
{
    if (fabs(got - want) > 1e-9 * (1 + fabs(want)))
        fail_msg("got %.12g, want %.12g", got, want);
}

/* ---- 1. CI 76: variable data, mode 2 ------------------------------------ */

/* 12-byte header MSB first: id 12 34 56 78 = 12345678, man 25 CD = 0x25CD
 * "INM", version 01, medium 02, access 05, status 00, config 00 00; records
 * with multi-byte data most significant byte first. */
#define CI76_FRAME                                                                           \
    "68 31 31 68 08 01 76 12 34 56 78 25 CD 01 02 05 00 00 00 "                              \
    "04 03 00 00 30 39 "    /* int32 0x3039 = 12345 Wh */                                   \
    "0C 13 00 01 23 45 "    /* BCD8 00012345 -> 12.345 m^3 */                              \
    "04 6D 33 0F 0D 2D "    /* type F, T12 reversed: 2024-03-15 13:45 */                   \
    "02 FD 17 80 00 "       /* error flags 0x8000 */                                        \
    "02 6C 3C 1F "          /* type G, T11 reversed: 2024-12-31 */                         \
    "0D 7C 02 33 32 C1 12 " /* plain-text unit "23", LVAR C1 = 1-byte BCD 12 */            \
    "94 16"

static void test_ci76_mode2(void **state)
{
    (void)state;
    mtr_mbus_frame_t f;
    mtr_mbus_app_t app;
    char err[160], text[64];
    assert_int_equal(reply_of(CI76_FRAME, &f, &app, err, sizeof err), METER_OK);
    assert_int_equal(app.kind, MTR_MBUS_APP_VARIABLE);
    assert_int_equal(app.ci, 0x76);
    assert_true(app.msb_first);
    assert_int_equal(app.header_len, 12);
    assert_int_equal(app.id, 0x12345678);
    assert_int_equal(mtr_mbus_id_number(app.id), 12345678);
    assert_int_equal(app.man, 0x25CD);
    char man[4];
    mtr_mbus_man_string(app.man, man);
    assert_string_equal(man, "INM");
    assert_int_equal(app.version, 1);
    assert_int_equal(app.medium, 2);
    assert_int_equal(app.access, 5);
    assert_int_equal(app.signature, 0);
    assert_true(app.has_id);
    assert_int_equal(app.fields, 0x7F);
    /* LSB-first callers of the old API get no records rather than wrong ones */
    assert_null(app.records);
    assert_int_equal(app.records_len, 0);
    assert_int_equal(app.payload_len, 34);

    mtr_mbus_iter_t it;
    mtr_mbus_record_t r;
    mtr_mbus_value_t v;
    mtr_mbus_iter_init_app(&it, &app, 0);
    assert_int_equal(mtr_mbus_iter_next(&it, &r, err, sizeof err), 1);
    assert_true(r.flags & MTR_MBUS_RF_MSB_FIRST);
    assert_int_equal(mtr_mbus_value_decode(&r, &v, err, sizeof err), METER_OK);
    assert_int_equal(v.number, 12345);
    assert_int_equal(r.vi.unit, MTR_MBUS_U_WH);
    assert_near(mtr_mbus_value_double(&v), 12345.0);

    assert_int_equal(mtr_mbus_iter_next(&it, &r, err, sizeof err), 1);
    assert_int_equal(mtr_mbus_value_decode(&r, &v, err, sizeof err), METER_OK);
    assert_int_equal(v.number, 12345);
    assert_near(mtr_mbus_value_double(&v), 12.345);

    assert_int_equal(mtr_mbus_iter_next(&it, &r, err, sizeof err), 1);
    assert_int_equal(mtr_mbus_value_decode(&r, &v, err, sizeof err), METER_OK);
    assert_int_equal(v.kind, MTR_MBUS_V_DATETIME);
    mtr_mbus_datetime_format_local(&v.dt, 1, text, sizeof text);
    assert_string_equal(text, "2024-03-15T13:45");

    assert_int_equal(mtr_mbus_iter_next(&it, &r, err, sizeof err), 1);
    assert_int_equal(mtr_mbus_value_decode(&r, &v, err, sizeof err), METER_OK);
    assert_int_equal(v.raw, 0x8000);
    assert_int_equal(v.number, 32768);

    assert_int_equal(mtr_mbus_iter_next(&it, &r, err, sizeof err), 1);
    assert_int_equal(mtr_mbus_value_decode(&r, &v, err, sizeof err), METER_OK);
    assert_int_equal(v.kind, MTR_MBUS_V_DATE);
    mtr_mbus_datetime_format_local(&v.dt, 0, text, sizeof text);
    assert_string_equal(text, "2024-12-31");

    assert_int_equal(mtr_mbus_iter_next(&it, &r, err, sizeof err), 1);
    assert_int_equal(mtr_mbus_value_decode(&r, &v, err, sizeof err), METER_OK);
    assert_int_equal(v.number, 12);
    mtr_mbus_text_copy(r.text, r.text_len, text, sizeof text);
    assert_string_equal(text, "23"); /* text stays in mode-1 order (docs) */

    assert_int_equal(mtr_mbus_iter_next(&it, &r, err, sizeof err), 0);

    /* the same records read LSB first would be other numbers: the flag matters */
    mtr_mbus_iter_init(&it, app.payload, app.payload_len, 0);
    assert_int_equal(mtr_mbus_iter_next(&it, &r, err, sizeof err), 1);
    assert_int_equal(mtr_mbus_value_decode(&r, &v, err, sizeof err), METER_OK);
    assert_int_equal(v.number, 0x39300000);
}

/* ---- 2. fixed structure (CI 73, 77) ------------------------------------- */

/* corpus sen_pollusonic_2 (rscada/libmbus test frame, BSD-3-Clause, credit
 * rSCADA / Raditex Control). Layout, mbus.md §4: id 93 92 91 90 = 90919293,
 * access 10, status 00 (BCD, actual), byte6 05 = unit 05 (Wh x 10^3 = kWh),
 * medium bits 00; byte7 69 = unit 29 (m^3 x 10^-3 = l), medium bits 01 ->
 * medium 0100 = 4 heat; counter 1 BCD 00006531 kWh, counter 2 BCD 00000069 l.
 * libmbus: 6531 kWh, 69 l, medium Heat. */
#define POLLUSONIC "68 13 13 68 08 01 73 93 92 91 90 10 00 05 69 31 65 00 00 69 00 00 00 3F 16"

static void test_fixed_records(void **state)
{
    (void)state;
    mtr_mbus_frame_t f;
    mtr_mbus_app_t app;
    mtr_mbus_iter_t it;
    mtr_mbus_record_t r;
    mtr_mbus_value_t v;
    char err[160];
    assert_int_equal(reply_of(POLLUSONIC, &f, &app, err, sizeof err), METER_OK);
    assert_int_equal(app.kind, MTR_MBUS_APP_FIXED);
    assert_int_equal(mtr_mbus_id_number(app.id), 90919293);
    /* no manufacturer, no version: not claimed (they were "@@@", 0 before) */
    assert_false(app.has_id);
    assert_int_equal(app.fields, MTR_MBUS_HF_ID | MTR_MBUS_HF_MEDIUM | MTR_MBUS_HF_ACCESS |
                                     MTR_MBUS_HF_STATUS);
    assert_false(app.fields & (MTR_MBUS_HF_MAN | MTR_MBUS_HF_VERSION | MTR_MBUS_HF_SIGNATURE));
    assert_int_equal(app.medium, 4);
    assert_int_equal(app.access, 0x10);
    assert_int_equal(app.status, 0);
    assert_null(app.records); /* the old record walk sees no DIFs in a fixed block */

    mtr_mbus_iter_init_app(&it, &app, 0);
    assert_int_equal(mtr_mbus_iter_next(&it, &r, err, sizeof err), 1);
    assert_true(r.flags & MTR_MBUS_RF_FIXED);
    assert_false(r.flags & MTR_MBUS_RF_HISTORIC);
    assert_int_equal(r.storage, 0);
    assert_int_equal(r.function, MTR_MBUS_FN_INSTANTANEOUS);
    assert_int_equal(r.vi.table, MTR_MBUS_VT_FIXED);
    assert_int_equal(r.vi.code, 0x05);
    assert_int_equal(r.vi.quantity, MTR_MBUS_Q_ENERGY);
    assert_int_equal(r.vi.unit, MTR_MBUS_U_WH);
    assert_int_equal(r.offset, 8);
    assert_int_equal(mtr_mbus_value_decode(&r, &v, err, sizeof err), METER_OK);
    assert_int_equal(v.number, 6531);
    assert_int_equal(v.exp10, 3);
    assert_near(mtr_mbus_value_double(&v), 6531000.0);
    assert_int_equal(mtr_mbus_iter_next(&it, &r, err, sizeof err), 1);
    assert_int_equal(r.vi.quantity, MTR_MBUS_Q_VOLUME);
    assert_int_equal(r.vi.unit, MTR_MBUS_U_M3);
    assert_int_equal(mtr_mbus_value_decode(&r, &v, err, sizeof err), METER_OK);
    assert_int_equal(v.number, 69);
    assert_near(mtr_mbus_value_double(&v), 0.069);
    assert_int_equal(mtr_mbus_iter_next(&it, &r, err, sizeof err), 0);
    assert_int_equal(it.count, 2);

    /* T22 in mode 2 (CI 77): id 12 34 56 78, counters 00 01 23 45 and
     * 00 00 67 89 most significant byte first; unit 3E = counter 1's, historic */
    assert_int_equal(reply_of("68 13 13 68 08 01 77 12 34 56 78 0A 00 E9 7E 00 01 23 45 00 00 "
                              "67 89 5E 16",
                              &f, &app, err, sizeof err),
                     METER_OK);
    assert_int_equal(mtr_mbus_id_number(app.id), 12345678);
    assert_true(app.msb_first);
    assert_int_equal(app.medium, 7);
    assert_int_equal(app.fixed[0].number, 12345);
    assert_int_equal(app.fixed[1].number, 6789);
    mtr_mbus_iter_init_app(&it, &app, 0);
    assert_int_equal(mtr_mbus_iter_next(&it, &r, err, sizeof err), 1);
    assert_int_equal(mtr_mbus_value_decode(&r, &v, err, sizeof err), METER_OK);
    assert_near(mtr_mbus_value_double(&v), 12.345);
    assert_int_equal(r.vi.unit, MTR_MBUS_U_M3);
    assert_int_equal(mtr_mbus_iter_next(&it, &r, err, sizeof err), 1);
    assert_true(r.flags & MTR_MBUS_RF_HISTORIC);
    assert_int_equal(r.storage, 1);
    assert_int_equal(r.vi.unit, MTR_MBUS_U_M3);
    assert_int_equal(mtr_mbus_value_decode(&r, &v, err, sizeof err), METER_OK);
    assert_near(mtr_mbus_value_double(&v), 6.789);

    /* binary counters (status bit 7) are unsigned: FF FF FF FF = 4294967295 Wh
     * x 10^3 (unit 05); status bit 6 makes both historic */
    assert_int_equal(reply_of("68 13 13 68 08 01 73 78 56 34 12 0A C0 05 05 FF FF FF FF 10 27 00 "
                              "00 97 16",
                              &f, &app, err, sizeof err),
                     METER_OK);
    mtr_mbus_iter_init_app(&it, &app, 0);
    assert_int_equal(mtr_mbus_iter_next(&it, &r, err, sizeof err), 1);
    assert_int_equal(r.dif, 0x04);
    assert_true(r.flags & MTR_MBUS_RF_HISTORIC);
    assert_int_equal(mtr_mbus_value_decode(&r, &v, err, sizeof err), METER_OK);
    assert_true(v.flags & MTR_MBUS_VAL_UNSIGNED);
    assert_int_equal(v.raw, 0xFFFFFFFFu);
    assert_near(mtr_mbus_value_double(&v), 4294967295e3);
    assert_int_equal(mtr_mbus_iter_next(&it, &r, err, sizeof err), 1);
    assert_int_equal(mtr_mbus_value_decode(&r, &v, err, sizeof err), METER_OK);
    assert_int_equal(v.number, 10000);
    /* a BCD counter with A-F digits is flagged, its bytes kept */
    assert_int_equal(reply_of("68 13 13 68 08 01 73 78 56 34 12 0A 00 05 05 FF FF FF FF 10 27 00 "
                              "00 D7 16",
                              &f, &app, err, sizeof err),
                     METER_OK);
    mtr_mbus_iter_init_app(&it, &app, 0);
    assert_int_equal(mtr_mbus_iter_next(&it, &r, err, sizeof err), 1);
    assert_int_equal(mtr_mbus_value_decode(&r, &v, err, sizeof err), METER_EVALUE);
    assert_true(v.flags & MTR_MBUS_VAL_BCD_INVALID);
    assert_int_equal(v.len, 4);
}

/* ---- 3. reserved DIF: keep what came before, say where and why ----------- */

static void test_stop_keeps_records(void **state)
{
    (void)state;
    mtr_mbus_frame_t f;
    mtr_mbus_app_t app;
    mtr_mbus_iter_t it;
    mtr_mbus_record_t r;
    mtr_mbus_value_t v;
    char err[160];
    /* records 01 13 05 | 4F (reserved) 00 11 | 01 13 06 */
    assert_int_equal(reply_of("68 18 18 68 08 01 72 00 00 00 00 25 CD 01 02 05 00 00 00 01 13 05 "
                              "4F 00 11 01 13 06 08 16",
                              &f, &app, err, sizeof err),
                     METER_OK);
    mtr_mbus_iter_init_app(&it, &app, 0);
    assert_int_equal(mtr_mbus_iter_next(&it, &r, err, sizeof err), 1);
    assert_int_equal(mtr_mbus_value_decode(&r, &v, err, sizeof err), METER_OK);
    assert_near(mtr_mbus_value_double(&v), 0.005);
    assert_int_equal(mtr_mbus_iter_next(&it, &r, err, sizeof err), METER_EFRAME);
    assert_non_null(strstr(err, "reserved DIF 4F at offset 3"));
    assert_int_equal(it.stop_offset, 3);
    assert_int_equal(it.stop_reason, MTR_MBUS_STOP_RESERVED_DIF);
    assert_string_equal(mtr_mbus_stop_name(it.stop_reason), "reserved DIF");
    assert_int_equal(it.count, 1);
    assert_int_equal(it.p[it.stop_offset], 0x4F); /* the raw tail starts there */
    /* it stays stopped and says so again */
    assert_int_equal(mtr_mbus_iter_next(&it, &r, err, sizeof err), METER_EFRAME);
    assert_non_null(strstr(err, "offset 3 (reserved DIF)"));

    /* other reasons: premature data, too many DIFEs, reserved LVAR */
    static const struct {
        const char *hex;
        size_t offset;
        unsigned reason;
    } t[] = {
        {"01 13 05 0C 04 14 48", 3, MTR_MBUS_STOP_PREMATURE_END_DATA},
        {"01 13 05 8C 80 80 80 80 80 80 80 80 80 80 00 04 00 00 00 00", 3,
         MTR_MBUS_STOP_TOO_MANY_DIFE},
        {"01 13 05 0D 13 F7", 3, MTR_MBUS_STOP_RESERVED_LVAR},
        {"01 13 05 02 7C C0 41 42", 3, MTR_MBUS_STOP_TEXT_TOO_LONG},
        {"01 13 05 04 FD", 3, MTR_MBUS_STOP_PREMATURE_END_VIFE},
        {"01 13 05 84", 3, MTR_MBUS_STOP_PREMATURE_END_DIFE},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        size_t n = unhex(t[i].hex, rbuf, sizeof rbuf);
        mtr_mbus_iter_init(&it, rbuf, n, 0);
        assert_int_equal(mtr_mbus_iter_next(&it, &r, err, sizeof err), 1);
        assert_true(mtr_mbus_iter_next(&it, &r, err, sizeof err) < 0);
        if (it.stop_offset != t[i].offset || it.stop_reason != t[i].reason)
            fail_msg("%s: stopped at %zu (%s)", t[i].hex, it.stop_offset,
                     mtr_mbus_stop_name(it.stop_reason));
    }
    /* a reserved VIF is not a stop: number kept, no unit, flagged */
    size_t n = unhex("01 6F 05 01 13 06", rbuf, sizeof rbuf);
    mtr_mbus_iter_init(&it, rbuf, n, 0);
    assert_int_equal(mtr_mbus_iter_next(&it, &r, err, sizeof err), 1);
    assert_true(r.vi.flags & MTR_MBUS_VF_UNKNOWN_VIF);
    assert_int_equal(r.vi.quantity, MTR_MBUS_Q_UNKNOWN);
    assert_int_equal(mtr_mbus_iter_next(&it, &r, err, sizeof err), 1);
    assert_int_equal(mtr_mbus_iter_next(&it, &r, err, sizeof err), 0);
    assert_int_equal(it.stop_reason, MTR_MBUS_STOP_NONE);
}

/* ---- 4. unsigned where the standard means bits, identifiers, counters ---- */

static void expect_unsigned(const char *hex, uint64_t raw, int bits)
{
    mtr_mbus_record_t r;
    mtr_mbus_value_t v;
    one(hex, 0, &r, &v);
    if (!(v.flags & MTR_MBUS_VAL_UNSIGNED) || v.raw != raw)
        fail_msg("%s: flags %02X raw %llu, want unsigned %llu", hex, v.flags,
                 (unsigned long long)v.raw, (unsigned long long)raw);
    if (!!(v.flags & MTR_MBUS_VAL_BITS) != bits)
        fail_msg("%s: bit-field flag %d, want %d", hex, !!(v.flags & MTR_MBUS_VAL_BITS), bits);
    assert_near(mtr_mbus_value_double(&v), (double)raw * pow(10, v.exp10));
}

static void test_unsigned(void **state)
{
    (void)state;
    expect_unsigned("04 FD 17 00 00 00 80", 2147483648u, 1); /* error flags */
    expect_unsigned("02 FD 1B FF FF", 65535, 1);              /* digital input */
    expect_unsigned("01 FD 1A 80", 128, 1);                   /* digital output */
    expect_unsigned("04 FD 18 FF FF FF FF", 0xFFFFFFFFu, 1);  /* error mask */
    expect_unsigned("04 78 FF FF FF FF", 0xFFFFFFFFu, 0);     /* fabrication no */
    expect_unsigned("04 79 FE FF FF FF", 0xFFFFFFFEu, 0);     /* identification */
    expect_unsigned("01 7A FD", 253, 0);                      /* bus address */
    expect_unsigned("01 FD 08 FF", 255, 0);                   /* access number */
    expect_unsigned("02 FD 60 FF FF", 65535, 0);              /* reset counter */
    expect_unsigned("02 FD 61 00 80", 32768, 0);              /* cumulation counter */
    expect_unsigned("02 FD 75 FF FF", 65535, 0);              /* meter-stop count */
    expect_unsigned("02 93 41 FF FF", 65535, 0);              /* VIFE 41: number of exceeds */
    expect_unsigned("02 93 FC 11 FF FF", 65535, 0);           /* FC 11: data type C */
    expect_unsigned("02 93 FC 12 01 80", 0x8001, 1);          /* FC 12: data type D */
    /* 64-bit: raw exact, number saturated */
    mtr_mbus_record_t r;
    mtr_mbus_value_t v;
    one("07 FD 17 FF FF FF FF FF FF FF FF", 0, &r, &v);
    assert_true(v.raw == UINT64_MAX);
    assert_true(v.number == INT64_MAX);
    assert_near(mtr_mbus_value_double(&v), 18446744073709551615.0);
    /* quantities stay signed (type B): energy FF FF = -1 Wh x 10^-3 */
    one("02 03 FF FF", 0, &r, &v);
    assert_false(v.flags & MTR_MBUS_VAL_UNSIGNED);
    assert_int_equal(v.number, -1);
    assert_int_equal(v.raw, 0xFFFF); /* the bits are there for whoever needs them */
    one("04 13 00 00 00 80", 0, &r, &v);
    assert_near(mtr_mbus_value_double(&v), -2147483.648);
}

/* ---- 5. validity, summer time, error state ------------------------------ */

static void test_validity(void **state)
{
    (void)state;
    mtr_mbus_record_t r;
    mtr_mbus_value_t v;
    char text[64];
    one("04 6D 2D 0D 0F 33", 0, &r, &v); /* T12 */
    assert_int_equal(v.flags & (MTR_MBUS_VAL_INVALID | MTR_MBUS_VAL_SUMMER), 0);
    mtr_mbus_datetime_format_local(&v.dt, 1, text, sizeof text);
    assert_string_equal(text, "2024-03-15T13:45"); /* local time, no "Z", no seconds sent */
    one("04 6D 2D 8D 0F 33", 0, &r, &v); /* SU */
    assert_int_equal(v.flags & (MTR_MBUS_VAL_INVALID | MTR_MBUS_VAL_SUMMER), MTR_MBUS_VAL_SUMMER);
    assert_int_equal(v.dt.hour, 13);
    one("04 6D AD 0D 0F 33", 0, &r, &v); /* IV */
    assert_int_equal(v.flags & (MTR_MBUS_VAL_INVALID | MTR_MBUS_VAL_SUMMER), MTR_MBUS_VAL_INVALID);
    assert_int_equal(v.dt.minute, 45); /* fields kept */
    /* type I (T13): second 30 + SU (bit 6 of byte 0), minute 45 + IV (bit 7 of byte 1) */
    one("06 6D 1E 2D AD 0F 33 0B", 0, &r, &v);
    assert_int_equal(v.flags & (MTR_MBUS_VAL_INVALID | MTR_MBUS_VAL_SUMMER), 0);
    mtr_mbus_datetime_format_local(&v.dt, 1, text, sizeof text);
    assert_string_equal(text, "2024-03-15T13:45:30");
    one("06 6D 5E AD AD 0F 33 0B", 0, &r, &v);
    assert_int_equal(v.flags & (MTR_MBUS_VAL_INVALID | MTR_MBUS_VAL_SUMMER),
                     MTR_MBUS_VAL_INVALID | MTR_MBUS_VAL_SUMMER);
    assert_int_equal(v.dt.second, 30);
    assert_int_equal(v.dt.minute, 45);
    one("02 6C FF FF", 0, &r, &v); /* type G all ones */
    assert_true(v.flags & MTR_MBUS_VAL_INVALID);
    /* the compatible formatter still says Z (callers above switch) */
    one("04 6D 2D 0D 0F 33", 0, &r, &v);
    mtr_mbus_datetime_format(&v.dt, 1, text, sizeof text);
    assert_string_equal(text, "2024-03-15T13:45:00Z");
    assert_int_equal(mtr_mbus_datetime_format_local(&v.dt, 1, text, 5), 4);
    assert_string_equal(text, "2024");
    /* DIF function 11: value during error state */
    one("34 13 10 00 00 00", 0, &r, &v);
    assert_int_equal(r.function, MTR_MBUS_FN_ERROR_STATE);
    assert_true(v.flags & MTR_MBUS_VAL_ERROR_STATE);
    assert_near(mtr_mbus_value_double(&v), 0.016);
    one("04 13 10 00 00 00", 0, &r, &v);
    assert_int_equal(v.flags, 0);
    /* VIFE 15 (no data) / 18 (data error): record error; VIFE 00 = no error */
    one("04 93 15 10 00 00 00", 0, &r, &v);
    assert_true(v.flags & MTR_MBUS_VAL_RECORD_ERROR);
    one("04 93 00 10 00 00 00", 0, &r, &v);
    assert_false(v.flags & MTR_MBUS_VAL_RECORD_ERROR);
}

/* ---- 6. plain-text units, ISO 8859-1 ------------------------------------ */

static void test_plain_text(void **state)
{
    (void)state;
    mtr_mbus_record_t r;
    mtr_mbus_value_t v;
    char text[64];
    /* 0D 7C 08 "cust. ID" (last character first) + LVAR 04 "1234" */
    one("0D 7C 08 44 49 20 2E 74 73 75 63 04 34 33 32 31", 0, &r, &v);
    assert_int_equal(r.vi.table, MTR_MBUS_VT_PLAIN_TEXT);
    assert_int_equal(r.text_len, 8);
    assert_int_equal(mtr_mbus_text_copy(r.text, r.text_len, text, sizeof text), METER_OK);
    assert_string_equal(text, "cust. ID");
    assert_int_equal(v.kind, MTR_MBUS_V_TEXT);
    mtr_mbus_text_copy(v.bytes, v.len, text, sizeof text);
    assert_string_equal(text, "1234");
    /* numeric value with a plain-text unit (T16) */
    one("02 7C 03 68 57 6B 34 12", 0, &r, &v);
    mtr_mbus_text_copy(r.text, r.text_len, text, sizeof text);
    assert_string_equal(text, "kWh");
    assert_int_equal(v.number, 0x1234);
    /* ISO 8859-1 unit "°C" (B0 43 in reading order): raw bytes kept, UTF-8 on request */
    one("02 7C 02 43 B0 0A 00", 0, &r, &v);
    assert_int_equal(r.text[1], 0xB0);
    assert_int_equal(mtr_mbus_text_utf8(r.text, r.text_len, text, sizeof text), METER_OK);
    assert_string_equal(text, "\xC2\xB0" "C");
    /* the helper: ASCII as is, 80..FF as two bytes, never a split character */
    static const uint8_t latin[] = {'a', 0xE9, 0xFF, 0x80};
    assert_int_equal(mtr_mbus_latin1_to_utf8(latin, 4, text, sizeof text), METER_OK);
    assert_string_equal(text, "a\xC3\xA9\xC3\xBF\xC2\x80");
    assert_int_equal(mtr_mbus_latin1_to_utf8(latin, 4, text, 3), METER_EBUFSIZE);
    assert_string_equal(text, "a"); /* é needs 2 bytes + NUL: left out whole */
    assert_int_equal(mtr_mbus_latin1_to_utf8(latin, 4, text, 4), METER_EBUFSIZE);
    assert_string_equal(text, "a\xC3\xA9");
    assert_int_equal(mtr_mbus_latin1_to_utf8(latin, 0, text, 1), METER_OK);
    assert_string_equal(text, "");
    assert_int_equal(mtr_mbus_latin1_to_utf8(latin, 1, NULL, 4), METER_EBUFSIZE);
    assert_int_equal(mtr_mbus_latin1_to_utf8(latin, 1, text, 0), METER_EBUFSIZE);
}

/* ---- 7. encrypted telegrams refused -------------------------------------- */

static void test_encrypted(void **state)
{
    (void)state;
    mtr_mbus_frame_t f;
    mtr_mbus_app_t app;
    char err[160];
    /* CI 72, configuration word 0500 (wire 00 05): security mode 5, AES-CBC */
    assert_int_equal(reply_of("68 15 15 68 08 01 72 12 34 56 78 25 CD 01 02 05 00 00 05 04 13 01 "
                              "00 00 00 A6 16",
                              &f, &app, err, sizeof err),
                     METER_EUNSUPPORTED);
    assert_non_null(strstr(err, "encrypted"));
    assert_non_null(strstr(err, "security mode 5"));
    assert_int_equal(app.security_mode, 5);
    assert_int_equal(mtr_mbus_id_number(app.id), 78563412); /* header still there */
    assert_null(app.records);
    assert_null(app.payload);
    mtr_mbus_iter_t it;
    mtr_mbus_record_t r;
    mtr_mbus_iter_init_app(&it, &app, 0);
    assert_int_equal(mtr_mbus_iter_next(&it, &r, err, sizeof err), 0);
    /* modes 7 (wire 00 07), 15 (00 0F) and 5 with other bits (2F 05) */
    assert_int_equal(reply_of("68 15 15 68 08 01 72 12 34 56 78 25 CD 01 02 05 00 00 07 04 13 01 "
                              "00 00 00 A8 16",
                              &f, &app, err, sizeof err),
                     METER_EUNSUPPORTED);
    assert_int_equal(reply_of("68 15 15 68 08 01 72 12 34 56 78 25 CD 01 02 05 00 00 0F 04 13 01 "
                              "00 00 00 B0 16",
                              &f, &app, err, sizeof err),
                     METER_EUNSUPPORTED);
    assert_int_equal(reply_of("68 15 15 68 08 01 72 12 34 56 78 25 CD 01 02 05 00 2F 05 04 13 01 "
                              "00 00 00 D5 16",
                              &f, &app, err, sizeof err),
                     METER_EUNSUPPORTED);
    /* CI 7A short header, configuration word 0F00 */
    assert_int_equal(reply_of("68 0D 0D 68 08 01 7A 05 00 00 0F 04 13 01 00 00 00 AF 16", &f, &app,
                              err, sizeof err),
                     METER_EUNSUPPORTED);
    assert_int_equal(app.security_mode, 15);
    /* plain: word 0005 (wire 05 00) is mode 0; reserved mode 11 (wire 00 0B) is
     * no encryption method (example_data_01 sends mode 22): decoded */
    assert_int_equal(reply_of("68 15 15 68 08 01 72 12 34 56 78 25 CD 01 02 05 00 05 00 04 13 01 "
                              "00 00 00 A6 16",
                              &f, &app, err, sizeof err),
                     METER_OK);
    assert_int_equal(app.security_mode, 0);
    assert_int_equal(app.records_len, 6);
    assert_int_equal(reply_of("68 15 15 68 08 01 72 12 34 56 78 25 CD 01 02 05 00 00 0B 04 13 01 "
                              "00 00 00 AC 16",
                              &f, &app, err, sizeof err),
                     METER_OK);
    assert_int_equal(app.security_mode, 11);
    for (unsigned m = 0; m < 32; m++)
        assert_int_equal(mtr_mbus_security_mode_encrypted(m),
                         (m >= 1 && m <= 10 && m != 6) || m == 13 || m == 15);
}

/* ---- 8. E5 --------------------------------------------------------------- */

static void test_ack(void **state)
{
    (void)state;
    mtr_mbus_frame_t f;
    mtr_mbus_app_t app;
    char err[160];
    uint8_t e5 = 0xE5;
    assert_int_equal(mtr_mbus_frame_parse(&e5, 1, &f, NULL, err, sizeof err), METER_OK);
    assert_int_equal(f.kind, MTR_MBUS_FRAME_ACK);
    assert_int_equal(f.size, 1);
    assert_string_equal(mtr_mbus_frame_kind_name(f.kind), "single-character acknowledgement (E5)");
    assert_int_equal(mtr_mbus_app_parse(&f, &app, err, sizeof err), METER_EFRAME);
    assert_non_null(strstr(err, "single-character acknowledgement"));
    assert_string_equal(mtr_mbus_frame_kind_name(MTR_MBUS_FRAME_SHORT), "short frame");
    assert_string_equal(mtr_mbus_frame_kind_name(0), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ci76_mode2),         cmocka_unit_test(test_fixed_records),
        cmocka_unit_test(test_stop_keeps_records), cmocka_unit_test(test_unsigned),
        cmocka_unit_test(test_validity),           cmocka_unit_test(test_plain_text),
        cmocka_unit_test(test_encrypted),          cmocka_unit_test(test_ack),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
