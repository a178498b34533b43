/* SPDX-License-Identifier: MIT */
/* Modbus value codec against literal words and frames from the manuals:
 * floats by shifts, CRC-16, HEX-digit and ASCII registers, unit scaling. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "proto/decimal.h"
#include "protocols/modbus/modbus_internal.h"

static void test_crc_check_value(void **state)
{
    (void)state;
    /* CRC-16/MODBUS check value of "123456789" */
    assert_int_equal(mtr_mb_crc16((const uint8_t *)"123456789", 9), 0x4B37);
}

/* the manual's write commands (seed 000 App. 3, Write table), CRC appended */
static void test_manual_write_frames(void **state)
{
    (void)state;
    static const struct {
        uint8_t pdu[16];
        size_t n;
        uint8_t crc[2];
    } f[] = {
        {{0x06, 0x40, 0x03, 0x00, 0x0A}, 5, {0xEC, 0x0D}},
        {{0x06, 0x40, 0x04, 0x25, 0x80}, 5, {0xC6, 0xFB}},
        {{0x10, 0x40, 0x0D, 0x00, 0x02, 0x04, 0x41, 0x20, 0x00, 0x00}, 10, {0x16, 0x03}},
        {{0x06, 0x40, 0x0F, 0x00, 0x0A}, 5, {0x2C, 0x0E}},
        {{0x06, 0x40, 0x10, 0x00, 0x25}, 5, {0x5C, 0x14}},
        {{0x06, 0x40, 0x11, 0x00, 0x02}, 5, {0x4D, 0xCE}},
        {{0x06, 0x40, 0x16, 0x00, 0x00}, 5, {0x7D, 0xCE}},
        {{0x06, 0x60, 0x48, 0x00, 0x02}, 5, {0x96, 0x1D}},
        {{0x10, 0x60, 0x49, 0x00, 0x02, 0x04, 0x00, 0x00, 0x00, 0x00}, 10, {0x9F, 0xF7}},
    };
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        uint8_t buf[32];
        size_t n = mtr_mb_rtu_frame(buf, sizeof buf, 0x01, f[i].pdu, f[i].n);
        assert_int_equal(n, f[i].n + 3);
        assert_int_equal(buf[0], 0x01);
        assert_memory_equal(buf + 1, f[i].pdu, f[i].n);
        assert_int_equal(buf[n - 2], f[i].crc[0]);
        assert_int_equal(buf[n - 1], f[i].crc[1]);
    }
    uint8_t small[4];
    assert_int_equal(mtr_mb_rtu_frame(small, sizeof small, 1, f[0].pdu, 5), 0);
}

static void test_float_words(void **state)
{
    (void)state;
    static const struct {
        uint16_t w[2];
        double v;
    } t[] = {
        {{0x4366, 0x199A}, 230.1}, {{0x4120, 0x0000}, 10.0}, {{0x4248, 0x0000}, 50.0},
        {{0x3F73, 0x3333}, 0.95},  {{0x0000, 0x0000}, 0.0},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        assert_true(mtr_decimal_from_float(mtr_mb_get_float(t[i].w, MTR_WORDS_ABCD), 0) == t[i].v);
        uint16_t w[2];
        mtr_mb_put_float((float)t[i].v, w, MTR_WORDS_ABCD);
        assert_int_equal(w[0], t[i].w[0]);
        assert_int_equal(w[1], t[i].w[1]);
        uint16_t swapped[2] = {t[i].w[1], t[i].w[0]};
        assert_true(mtr_decimal_from_float(mtr_mb_get_float(swapped, MTR_WORDS_CDAB), 0) == t[i].v);
    }
}

static void test_decimal_scaling(void **state)
{
    (void)state;
    /* 1.2345 kW (0x3F9E 0x0419) is exactly 1234.5 W, not 1234.4999… */
    uint16_t w[2] = {0x3F9E, 0x0419};
    assert_true(mtr_decimal_from_float(mtr_mb_get_float(w, MTR_WORDS_ABCD), 3) == 1234.5);
    assert_true(mtr_decimal_from_float(16048.14f, 0) == 16048.14);
    assert_true(mtr_decimal_from_float(123456.78f, 0) == 123456.78);
}

static meter_reading_t decode(uint8_t type, uint8_t words, int8_t exp10, meter_quantity_t q,
                              const uint16_t *w, int *rc)
{
    struct mtr_mb_reg r = {q, 0x4000, words, type, exp10, 0, "test"};
    meter_reading_t out;
    char err[128];
    *rc = mtr_mb_decode_row(&r, w, MTR_WORDS_ABCD, &out, err, sizeof err);
    return out;
}

static void test_decode_types(void **state)
{
    (void)state;
    int rc;
    uint16_t serial[2] = {0x1307, 0x0001};
    meter_reading_t r = decode(MTR_T_HEXTEXT, 2, 0, METER_Q_SERIAL_NUMBER, serial, &rc);
    assert_int_equal(rc, METER_OK);
    assert_string_equal(r.text, "13070001");
    assert_int_equal(r.kind, METER_KIND_TEXT);

    uint16_t lcd[1] = {0x0025};
    r = decode(MTR_T_HEXNUM, 1, 0, METER_Q_LCD_CYCLE_TIME, lcd, &rc);
    assert_int_equal(rc, METER_OK);
    assert_true(r.value == 25);
    assert_int_equal(r.unit, METER_UNIT_SECOND);

    uint16_t bad[1] = {0x002A};
    decode(MTR_T_HEXNUM, 1, 0, METER_Q_LCD_CYCLE_TIME, bad, &rc);
    assert_int_equal(rc, METER_EVALUE);

    uint16_t dir[1] = {0x0046};
    r = decode(MTR_T_ASCII, 1, 0, METER_Q_CURRENT_DIRECTION, dir, &rc);
    assert_int_equal(rc, METER_OK);
    assert_string_equal(r.text, "F");
    uint16_t dir2[1] = {0x5200};
    r = decode(MTR_T_ASCII, 1, 0, METER_Q_CURRENT_DIRECTION, dir2, &rc);
    assert_string_equal(r.text, "R");
    uint16_t ctl[1] = {0x0007};
    decode(MTR_T_ASCII, 1, 0, METER_Q_CURRENT_DIRECTION, ctl, &rc);
    assert_int_equal(rc, METER_EVALUE);

    uint16_t neg[1] = {0xFFFE};
    r = decode(MTR_T_S16, 1, 0, METER_Q_ERROR_CODE, neg, &rc);
    assert_true(r.value == -2);
    r = decode(MTR_T_U16, 1, 0, METER_Q_PASSWORD, neg, &rc);
    assert_true(r.value == 65534);

    uint16_t code[1] = {4};
    r = decode(MTR_T_BAUDCODE, 1, 0, METER_Q_BAUD_RATE, code, &rc);
    assert_true(r.value == 9600);
    uint16_t code0[1] = {0};
    decode(MTR_T_BAUDCODE, 1, 0, METER_Q_BAUD_RATE, code0, &rc);
    assert_int_equal(rc, METER_EVALUE);

    /* a meter's NaN or infinity is refused, never handed on */
    uint16_t nan[2] = {0x7FC0, 0x0000}, inf[2] = {0x7F80, 0x0000};
    decode(MTR_T_FLOAT, 2, 0, METER_Q_VOLTAGE, nan, &rc);
    assert_int_equal(rc, METER_EVALUE);
    decode(MTR_T_FLOAT, 2, 3, METER_Q_ACTIVE_POWER, inf, &rc);
    assert_int_equal(rc, METER_EVALUE);

    /* KLEFR powers are kW on the wire, W in the catalogue */
    uint16_t kw[2] = {0x3F9E, 0x0419};
    r = decode(MTR_T_FLOAT, 2, 3, METER_Q_ACTIVE_POWER, kw, &rc);
    assert_true(r.value == 1234.5);
    assert_int_equal(r.unit, METER_UNIT_WATT);
}

static void test_encode_roundtrip(void **state)
{
    (void)state;
    struct mtr_mb_field hexnum = {0x4010, 1, MTR_T_HEXNUM, 0};
    uint16_t w[2];
    assert_int_equal(mtr_mb_encode(&hexnum, 25, NULL, 0, w), METER_OK);
    assert_int_equal(w[0], 0x0025);
    assert_int_equal(mtr_mb_encode(&hexnum, 10000, NULL, 0, w), METER_ERANGE);
    struct mtr_mb_field serial = {0x4000, 2, MTR_T_HEXTEXT, 0};
    assert_int_equal(mtr_mb_encode(&serial, 0, "13070001", 0, w), METER_OK);
    assert_int_equal(w[0], 0x1307);
    assert_int_equal(w[1], 0x0001);
    struct mtr_mb_field kw = {0x5012, 2, MTR_T_FLOAT, 3};
    assert_int_equal(mtr_mb_encode(&kw, 1234.5, NULL, 0, w), METER_OK);
    assert_int_equal(w[0], 0x3F9E);
    assert_int_equal(w[1], 0x0419);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc_check_value),   cmocka_unit_test(test_manual_write_frames),
        cmocka_unit_test(test_float_words),       cmocka_unit_test(test_decimal_scaling),
        cmocka_unit_test(test_decode_types),      cmocka_unit_test(test_encode_roundtrip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
