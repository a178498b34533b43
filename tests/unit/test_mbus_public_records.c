/* SPDX-License-Identifier: MIT */
/* M-Bus records as the public API gives them (issue 11): meter_mbus_decode()
 * keeps plain-text units, transcodes text to UTF-8, flags invalid/summer/error
 * values, gives bit fields unsigned with raw, dates in local time, the records
 * before a reserved DIF, fixed frames without invented fields; and the catalogue
 * mapping by medium (thermal energy correctly rounded from J). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "hex.h"

#include "meter/decode.h"
#include "protocols/mbus/mbus_internal.h"

static uint8_t frame[300];
static size_t frame_len;
static meter_mbus_header_t h;
static meter_record_t r[32];
static size_t n;
static char err[256];

/* RSP_UD, CI 72, id 12345678, medium @p medium, then the records @p hex */
static int decode(unsigned medium, const char *hex)
{
    uint8_t d[252];
    static const uint8_t head[12] = {0x78, 0x56, 0x34, 0x12, 0x24, 0x40, 0x01, 0, 0x55, 0, 0, 0};
    memcpy(d, head, 12);
    d[7] = (uint8_t)medium;
    size_t k = 12 + unhex(hex, d + 12, sizeof d - 12);
    assert_int_equal(mtr_mbus_build_long(frame, sizeof frame, 0x08, 1, 0x72, d, k, &frame_len),
                     METER_OK);
    return meter_mbus_decode(frame, frame_len, &h, r, 32, &n, err, sizeof err);
}

/* meter_mbus_decode() writes every byte of each record (padding and reserved_
 * included; it writes them in pieces, not with one memset): records decoded into
 * buffers filled with different bytes come out identical */
static void test_every_byte_written(void **state)
{
    (void)state;
    static const char *const records[] = {
        "0D 7C 08 44 49 20 2E 74 73 75 63 06 72 65 6C 68 E4 5A", /* text unit, text */
        "04 FD 17 00 00 00 80  02 FD 1B FF FF  04 6D 2D 8D 0F 33", /* bits, date */
        "0C 13 78 56 34 12  0F 01 02 03", /* BCD volume, manufacturer data */
        "0C 78 12 34 56 7A  82 40 06 2A 00", /* BCD with A-F (raw text), storage/subunit */
    };
    static meter_record_t a[8], b[8];
    for (size_t i = 0; i < sizeof records / sizeof records[0]; i++) {
        size_t na = 0, nb = 0;
        memset(a, 0xA5, sizeof a);
        memset(b, 0x5A, sizeof b);
        if (decode(0x07, records[i]) != METER_OK)
            fail_msg("record %zu: %s", i, err);
        memcpy(a, r, n * sizeof r[0]);
        na = n;
        memset(r, 0xA5, sizeof r);
        assert_int_equal(decode(0x07, records[i]), METER_OK);
        memcpy(b, r, n * sizeof r[0]);
        nb = n;
        memset(r, 0x5A, sizeof r);
        assert_int_equal(decode(0x07, records[i]), METER_OK);
        assert_int_equal(na, nb);
        assert_memory_equal(b, r, n * sizeof r[0]); /* 0xA5 and 0x5A fills: the same bytes */
        assert_memory_equal(a, r, n * sizeof r[0]);
    }
}

/* the quantity names, unit symbols lie in zero-padded slots the records' fields
 * are copied from whole: each ends inside its slot */
static void test_names_fit_their_slots(void **state)
{
    (void)state;
    for (unsigned q = 0; q <= MTR_MBUS_Q_COUNT_; q++)
        assert_non_null(memchr(mtr_mbus_quantity_name(q), 0, MTR_MBUS_QUANTITY_SLOT));
    for (unsigned u = 0; u <= MTR_MBUS_U_COUNT_; u++)
        assert_non_null(memchr(mtr_mbus_unit_name(u), 0, MTR_MBUS_UNIT_SLOT));
    assert_int_equal(sizeof r[0].name, MTR_MBUS_QUANTITY_SLOT);
    assert_int_equal(sizeof r[0].unit, MTR_MBUS_UNIT_SLOT);
}

static void test_text_unit_and_utf8(void **state)
{
    (void)state;
    /* 0D 7C 08 "cust. ID" (last character first), LVAR 06 "Zähler" in ISO 8859-1 */
    assert_int_equal(decode(0x07, "0D 7C 08 44 49 20 2E 74 73 75 63 06 72 65 6C 68 E4 5A"), METER_OK);
    assert_int_equal(n, 1);
    assert_int_equal(r[0].kind, METER_KIND_TEXT);
    assert_string_equal(r[0].unit, "cust. ID");
    assert_string_equal(r[0].text, "Z\xC3\xA4hler");
}

static void test_unsigned_and_flags(void **state)
{
    (void)state;
    /* FD 17 error flags 0x80000000; FD 1B digital input FFFF; F date with IV; F date with SU;
     * error-state volume (DIF function 11) */
    assert_int_equal(decode(0x07, "04 FD 17 00 00 00 80  02 FD 1B FF FF  04 6D 2D 8D 0F 33 "
                                  "04 6D 2D 8D 0F 33  34 13 10 00 00 00"),
                     METER_OK);
    assert_int_equal(n, 5);
    assert_true(r[0].value == 2147483648.0);
    assert_true(r[0].flags & METER_RECORD_F_RAW);
    assert_true(r[0].raw == 0x80000000u);
    assert_true(r[1].value == 65535.0);
    assert_true(r[1].raw == 0xFFFFu);
    /* 2D 8D 0F 33: 2024-03-15 13:45, SU set (bit 7 of byte 1), local time, no "Z" */
    assert_string_equal(r[2].text, "2024-03-15T13:45");
    assert_true(r[2].flags & METER_RECORD_F_SUMMER_TIME);
    assert_int_equal(r[2].flags & (METER_RECORD_F_UTC | METER_RECORD_F_INVALID), 0);
    assert_int_equal(r[4].flags & METER_RECORD_F_ERROR_STATE, METER_RECORD_F_ERROR_STATE);
    assert_int_equal(r[4].quantity, METER_Q_NONE); /* a value during error state is no reading */
    /* IV: bit 7 of byte 0 */
    assert_int_equal(decode(0x07, "04 6D AD 0D 0F 33"), METER_OK);
    assert_true(r[0].flags & METER_RECORD_F_INVALID);
    assert_int_equal(r[0].quantity, METER_Q_NONE); /* an invalid date is not the meter's date */
}

static void test_reserved_dif_keeps_records(void **state)
{
    (void)state;
    /* two volumes, then the reserved DIF 4F: both records stay, the stop is named */
    int rc = decode(0x07, "0C 13 45 23 01 00  4C 13 00 10 01 00  4F 13 00");
    assert_int_equal(rc, METER_EFRAME);
    assert_int_equal(n, 2);
    assert_true(r[0].value == 12.345);
    assert_int_equal(r[0].quantity, METER_Q_VOLUME);
    assert_int_equal(r[1].quantity, METER_Q_VOLUME_M1);
    assert_non_null(strstr(err, "reserved DIF"));
    assert_non_null(strstr(err, "byte 12"));
}

static void test_fixed_frame(void **state)
{
    (void)state;
    /* libmbus's CI 73 test frame (sen_pollusonic_2): id and medium, no manufacturer/version */
    size_t k = unhex("68131368080173939291901000056931650000690000003F16", frame, sizeof frame);
    assert_int_equal(meter_mbus_decode(frame, k, &h, r, 32, &n, err, sizeof err), METER_OK);
    assert_string_equal(h.id, "90919293");
    assert_string_equal(h.manufacturer, "");
    assert_int_equal(h.version, -1);
    assert_int_equal(h.has_id, 0);
    assert_int_equal(h.access, 0x10);
    assert_int_equal(n, 2);
    assert_string_equal(r[0].unit, "Wh");
    assert_true(r[0].value == 6531000);
    assert_int_equal(r[0].quantity, METER_Q_THERMAL_ENERGY); /* medium 4: heat */
    assert_string_equal(r[1].unit, "m^3");
    assert_true(r[1].value == 0.069);
    assert_int_equal(r[1].quantity, METER_Q_VOLUME);
}

static void test_encrypted_refused(void **state)
{
    (void)state;
    /* CI 7A, configuration word 0500: security mode 5 (AES-CBC) */
    uint8_t d[] = {0x55, 0x00, 0x00, 0x05, 0x0C, 0x13, 0x45, 0x23, 0x01, 0x00};
    assert_int_equal(mtr_mbus_build_long(frame, sizeof frame, 0x08, 1, 0x7A, d, sizeof d, &frame_len),
                     METER_OK);
    assert_int_equal(meter_mbus_decode(frame, frame_len, &h, r, 32, &n, err, sizeof err),
                     METER_EUNSUPPORTED);
    assert_int_equal(n, 0);
    assert_non_null(strstr(err, "encrypted"));
}

/* a control frame with CI 78: a reply without records (was NULL + 0 in the codec) */
static void test_control_frame_no_records(void **state)
{
    (void)state;
    size_t k = unhex("68 03 03 68 08 01 78 81 16", frame, sizeof frame);
    n = 99;
    assert_int_equal(meter_mbus_decode(frame, k, &h, r, 32, &n, err, sizeof err), METER_OK);
    assert_int_equal(h.ci, 0x78);
    assert_int_equal(h.a, 1);
    assert_int_equal(n, 0);
}

/* one record through mtr_mbus_to_record() and the catalogue */
static int map(unsigned medium, const char *hex, meter_quantity_t *q, double *x)
{
    static uint8_t b[64];
    size_t k = unhex(hex, b, sizeof b);
    mtr_mbus_iter_t it;
    mtr_mbus_record_t rec;
    mtr_mbus_iter_init(&it, b, k, 0);
    assert_int_equal(mtr_mbus_iter_next(&it, &rec, NULL, 0), 1);
    meter_record_t pub;
    mtr_mbus_to_record(&rec, &pub, 0);
    return mtr_mbus_catalogue(&rec, &pub, (int)medium, q, x);
}

static void test_catalogue_by_medium(void **state)
{
    (void)state;
    meter_quantity_t q;
    double x;
    /* 1000 MJ (VIF 0E) = 10^9 J = 2500/9 kWh, one rounding */
    assert_true(map(0x04, "0C 0E 00 10 00 00", &q, &x));
    assert_int_equal(q, METER_Q_THERMAL_ENERGY);
    assert_true(x == 2500.0 / 9.0);
    /* J on any medium is heat, never electricity */
    assert_true(map(0x02, "0C 0E 78 56 34 12", &q, &x));
    assert_int_equal(q, METER_Q_THERMAL_ENERGY);
    assert_true(x == 3429355.0); /* 12345678 MJ = 12345678e6 J / 3.6e6 */
    /* Wh: heat meter → thermal, electricity meter → active import */
    assert_true(map(0x04, "0C 06 45 23 01 00", &q, &x));
    assert_int_equal(q, METER_Q_THERMAL_ENERGY);
    assert_true(x == 12345);
    assert_true(map(0x02, "0C 06 45 23 01 00", &q, &x));
    assert_int_equal(q, METER_Q_ENERGY_ACTIVE_IMPORT);
    /* volume: gas meter → gas_volume, water → volume; storage 2 → _m2 */
    assert_true(map(0x03, "0C 14 89 67 45 00", &q, &x));
    assert_int_equal(q, METER_Q_GAS_VOLUME);
    assert_true(map(0x07, "8C 01 14 89 67 45 00", &q, &x));
    assert_int_equal(q, METER_Q_VOLUME_M2);
    /* volume flow in m^3/min (VIF 40..47: 10^(n-7)): 10 · 10^-1 m^3/min = 60 m^3/h */
    assert_true(map(0x07, "0A 46 10 00", &q, &x));
    assert_int_equal(q, METER_Q_VOLUME_FLOW);
    assert_true(x == 60.0);
    /* temperature difference is K; HCA units; W on a water meter is nothing */
    assert_true(map(0x04, "0A 62 52 02", &q, &x));
    assert_int_equal(q, METER_Q_TEMPERATURE_DIFFERENCE);
    assert_true(map(0x08, "0B 6E 34 12 00", &q, &x));
    assert_int_equal(q, METER_Q_HCA_UNITS);
    assert_false(map(0x07, "0B 2B 00 25 01", &q, &x));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_byte_written),   cmocka_unit_test(test_names_fit_their_slots),
        cmocka_unit_test(test_text_unit_and_utf8),   cmocka_unit_test(test_unsigned_and_flags),
        cmocka_unit_test(test_reserved_dif_keeps_records), cmocka_unit_test(test_fixed_frame),
        cmocka_unit_test(test_encrypted_refused),    cmocka_unit_test(test_control_frame_no_records),    cmocka_unit_test(test_catalogue_by_medium),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
