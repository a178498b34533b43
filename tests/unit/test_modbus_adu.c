/* SPDX-License-Identifier: MIT */
/* Modbus ADUs as libmeter builds and judges them (modbus_adu.c): byte-exact
 * RTU and MBAP requests, and the verdict on replies: ours, an exception, a
 * stray (another unit, transaction or request), a bad CRC, garbage, more needed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "protocols/modbus/modbus_internal.h"

static const struct mtr_mb_req rtu_read = {0, 1, 0, 0, 3, 0x5002, 2, NULL};
static const struct mtr_mb_req tcp_read = {1, 1, 0, 0x1234, 3, 0x5002, 2, NULL};

static void test_build(void **state)
{
    (void)state;
    uint8_t b[300];
    static const uint8_t rtu[] = {0x01, 0x03, 0x50, 0x02, 0x00, 0x02, 0x74, 0xCB};
    assert_int_equal(mtr_mb_adu_build(&rtu_read, b, sizeof b), sizeof rtu);
    assert_memory_equal(b, rtu, sizeof rtu);
    static const uint8_t tcp[] = {0x12, 0x34, 0x00, 0x00, 0x00, 0x06, 0x01, 0x03, 0x50, 0x02, 0x00, 0x02};
    assert_int_equal(mtr_mb_adu_build(&tcp_read, b, sizeof b), sizeof tcp);
    assert_memory_equal(b, tcp, sizeof tcp);
    const uint16_t w[2] = {0x4366, 0x199A};
    struct mtr_mb_req wr = {1, 7, 0, 9, 16, 0x400D, 2, w};
    static const uint8_t fc16[] = {0x00, 0x09, 0x00, 0x00, 0x00, 0x0B, 0x07, 0x10, 0x40, 0x0D,
                                   0x00, 0x02, 0x04, 0x43, 0x66, 0x19, 0x9A};
    assert_int_equal(mtr_mb_adu_build(&wr, b, sizeof b), sizeof fc16);
    assert_memory_equal(b, fc16, sizeof fc16);
    assert_int_equal(mtr_mb_reply_len(&rtu_read), 9);
    assert_int_equal(mtr_mb_reply_len(&tcp_read), 13);
}

static int scan(const struct mtr_mb_req *r, const uint8_t *p, size_t n, size_t *used, int *ex,
                uint16_t *dst)
{
    return mtr_mb_adu_scan(r, p, n, used, ex, dst);
}

static void test_tcp_verdicts(void **state)
{
    (void)state;
    uint8_t ok[] = {0x12, 0x34, 0, 0, 0, 7, 1, 3, 4, 0x43, 0x66, 0x19, 0x9A};
    size_t used;
    int ex = -1;
    uint16_t w[2] = {0};
    assert_int_equal(scan(&tcp_read, ok, 12, &used, &ex, w), MTR_MB_NEED);
    assert_int_equal(scan(&tcp_read, ok, 13, &used, &ex, w), MTR_MB_MINE);
    assert_int_equal(used, 13);
    assert_int_equal(w[0], 0x4366);
    assert_int_equal(w[1], 0x199A);
    uint8_t p[20];
    memcpy(p, ok, 13);
    p[6] = 2; /* another unit */
    assert_int_equal(scan(&tcp_read, p, 13, &used, &ex, w), MTR_MB_STRAY_UNIT);
    assert_int_equal(used, 13);
    p[6] = 0; /* unit 0: only with any_unit */
    assert_int_equal(scan(&tcp_read, p, 13, &used, &ex, w), MTR_MB_STRAY_UNIT);
    struct mtr_mb_req any = tcp_read;
    any.any_unit = 1;
    assert_int_equal(scan(&any, p, 13, &used, &ex, w), MTR_MB_MINE);
    memcpy(p, ok, 13);
    p[1] = 0x33; /* an earlier transaction */
    assert_int_equal(scan(&tcp_read, p, 13, &used, &ex, w), MTR_MB_STRAY_TID);
    memcpy(p, ok, 13);
    p[3] = 1; /* protocol id 1 */
    assert_int_equal(scan(&tcp_read, p, 13, &used, &ex, w), MTR_MB_GARBLED);
    memcpy(p, ok, 13);
    p[8] = 6; /* byte count against the length field */
    assert_int_equal(scan(&tcp_read, p, 13, &used, &ex, w), MTR_MB_MISMATCH);
    uint8_t exc[] = {0x12, 0x34, 0, 0, 0, 3, 1, 0x83, 0x0C};
    assert_int_equal(scan(&tcp_read, exc, 9, &used, &ex, w), MTR_MB_EXCEPTION);
    assert_int_equal(ex, 0x0C);
}

static void test_rtu_verdicts(void **state)
{
    (void)state;
    uint8_t ok[] = {0x01, 0x03, 0x04, 0x43, 0x66, 0x19, 0x9A, 0x00, 0x00};
    uint16_t c = mtr_mb_crc16(ok, 7);
    ok[7] = (uint8_t)c;
    ok[8] = (uint8_t)(c >> 8);
    size_t used;
    int ex = -1;
    uint16_t w[2] = {0};
    assert_int_equal(scan(&rtu_read, ok, 8, &used, &ex, w), MTR_MB_NEED);
    assert_int_equal(scan(&rtu_read, ok, 9, &used, &ex, w), MTR_MB_MINE);
    assert_int_equal(w[0], 0x4366);
    uint8_t p[40];
    memcpy(p, ok, 9);
    p[8] ^= 1; /* our reply, CRC broken */
    assert_int_equal(scan(&rtu_read, p, 9, &used, &ex, w), MTR_MB_BADCRC);
    assert_int_equal(used, 9);
    /* another unit, CRC right */
    memcpy(p, ok, 9);
    p[0] = 2;
    c = mtr_mb_crc16(p, 7);
    p[7] = (uint8_t)c;
    p[8] = (uint8_t)(c >> 8);
    assert_int_equal(scan(&rtu_read, p, 9, &used, &ex, w), MTR_MB_STRAY_UNIT);
    /* a late reply of another length from this unit: 1 register */
    uint8_t late[] = {0x01, 0x03, 0x02, 0x00, 0x07, 0, 0};
    c = mtr_mb_crc16(late, 5);
    late[5] = (uint8_t)c;
    late[6] = (uint8_t)(c >> 8);
    assert_int_equal(scan(&rtu_read, late, 7, &used, &ex, w), MTR_MB_STRAY_LATE);
    assert_int_equal(used, 7);
    /* noise before the reply: skipped a byte at a time */
    p[0] = 0x68;
    p[1] = 0x68;
    memcpy(p + 2, ok, 9);
    assert_int_equal(scan(&rtu_read, p, 11, &used, &ex, w), MTR_MB_GARBLED);
    assert_int_equal(used, 1);
    assert_int_equal(scan(&rtu_read, p + 2, 9, &used, &ex, w), MTR_MB_MINE);
    /* an unknown exception keeps its code */
    uint8_t exc[] = {0x01, 0x83, 0xFF, 0, 0};
    c = mtr_mb_crc16(exc, 3);
    exc[3] = (uint8_t)c;
    exc[4] = (uint8_t)(c >> 8);
    assert_int_equal(scan(&rtu_read, exc, 5, &used, &ex, w), MTR_MB_EXCEPTION);
    assert_int_equal(ex, 0xFF);
    assert_string_equal(mtr_mb_exception_name(0xFF), "unknown");
}

/* A head that promises a long frame (noise, or an RS485 adapter's echo of the request)
 * in front of a whole reply: the reply is found (mtr_mb_rtu_resync); our own reply's head
 * is waited for, never skipped; nothing on TCP. */
static void test_rtu_resync(void **state)
{
    (void)state;
    uint8_t ok[] = {0x01, 0x03, 0x04, 0x43, 0x66, 0x19, 0x9A, 0x00, 0x00};
    uint16_t c = mtr_mb_crc16(ok, 7);
    ok[7] = (uint8_t)c;
    ok[8] = (uint8_t)(c >> 8);
    uint8_t p[40];
    size_t used;
    int ex = -1;
    uint16_t w[2] = {0};
    /* the echo: 01 03 50 02 00 02 CRC reads as a reply of 0x50 bytes */
    assert_int_equal(mtr_mb_adu_build(&rtu_read, p, sizeof p), 8);
    memcpy(p + 8, ok, 9);
    assert_int_equal(scan(&rtu_read, p, 17, &used, &ex, w), MTR_MB_NEED);
    assert_int_equal(mtr_mb_rtu_resync(&rtu_read, p, 16), 0); /* the reply not whole yet */
    assert_int_equal(mtr_mb_rtu_resync(&rtu_read, p, 17), 8);
    assert_int_equal(scan(&rtu_read, p + 8, 9, &used, &ex, w), MTR_MB_MINE);
    /* noise whose head promises 0xF0 bytes */
    static const uint8_t noise[] = {0x07, 0x03, 0xF0, 0x55};
    memcpy(p, noise, 4);
    memcpy(p + 4, ok, 9);
    assert_int_equal(scan(&rtu_read, p, 13, &used, &ex, w), MTR_MB_NEED);
    assert_int_equal(mtr_mb_rtu_resync(&rtu_read, p, 13), 4);
    /* our reply's head, still arriving: never skipped for a frame inside it */
    memcpy(p, ok, 3);
    p[2] = 4;
    memcpy(p + 3, ok, 9); /* its "data" happens to hold a whole reply */
    assert_int_equal(mtr_mb_rtu_resync(&rtu_read, p, 12), 0);
    /* TCP: framing is the MBAP header's, never searched */
    assert_int_equal(mtr_mb_rtu_resync(&tcp_read, p, 12), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build),
        cmocka_unit_test(test_tcp_verdicts),
        cmocka_unit_test(test_rtu_verdicts),
        cmocka_unit_test(test_rtu_resync),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
