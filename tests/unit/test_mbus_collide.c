/* SPDX-License-Identifier: MIT */
/* The rule that tells a collision from a corrupt answer in an M-Bus read
 * (docs/mbus.md, "Collisions in a read"): a spoiled frame followed by more bytes,
 * or the same spoiled frame on the retry, is a collision; a spoiled frame once, a
 * cut-short frame, noise, or two different spoiled frames are not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "protocols/mbus/mbus_internal.h"

/* the KLEFR manual's telegram from address 5 (checksum 81) */
static const uint8_t tel_a[] = {
    0x68, 0x4B, 0x4B, 0x68, 0x08, 0x05, 0x72, 0x00, 0x00, 0x00, 0x00, 0x25, 0xCD, 0x01, 0x02,
    0x02, 0x00, 0x00, 0x00, 0x0C, 0x04, 0x14, 0x48, 0x60, 0x01, 0x8C, 0x10, 0x04, 0x23, 0x80,
    0x35, 0x00, 0x8C, 0x20, 0x04, 0x91, 0x67, 0x24, 0x01, 0x1C, 0x04, 0x46, 0x13, 0x69, 0x00,
    0x9C, 0x10, 0x04, 0x56, 0x34, 0x12, 0x00, 0x9C, 0x20, 0x04, 0x90, 0x78, 0x56, 0x00, 0x2C,
    0x04, 0x68, 0x34, 0x91, 0x00, 0xAC, 0x10, 0x04, 0x67, 0x45, 0x23, 0x00, 0xAC, 0x20, 0x04,
    0x01, 0x89, 0x67, 0x00, 0x81, 0x16};

/* another meter's (address 12, id 44332211, 9999.99 kWh), same length, checksum 40 */
static void tel_b(uint8_t *b)
{
    memcpy(b, tel_a, sizeof tel_a);
    b[5] = 0x0C;
    memcpy(b + 7, "\x11\x22\x33\x44", 4);
    memcpy(b + 21, "\x99\x99\x99\x00", 4);
    b[sizeof tel_a - 2] = 0x40;
}

/* what the master hears when both answer at once: a 0 bit wins (wired-AND) */
static void wired_and(uint8_t *out, const uint8_t *x, const uint8_t *y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = x[i] & y[i];
}

static void test_whole_frames_are_not_spoiled(void **state)
{
    (void)state;
    uint8_t b[sizeof tel_a];
    tel_b(b);
    assert_int_equal(mtr_mbus_checksum(b + 4, sizeof b - 6), 0x40); /* the helper is right */
    assert_int_equal(mtr_mbus_spoiled_frame(tel_a, sizeof tel_a, NULL, NULL), 0);
    assert_int_equal(mtr_mbus_spoiled_frame(b, sizeof b, NULL, NULL), 0);
    int why = 0;
    assert_int_equal(mtr_mbus_collided(tel_a, sizeof tel_a, tel_a, sizeof tel_a, &why), 0);
}

static void test_one_bad_checksum_is_not_a_collision(void **state)
{
    (void)state;
    uint8_t b[sizeof tel_a];
    memcpy(b, tel_a, sizeof b);
    b[30] ^= 0x04; /* one bit on a clean line */
    size_t at = 99, after = 99;
    assert_int_equal(mtr_mbus_spoiled_frame(b, sizeof b, &at, &after), 1);
    assert_int_equal(at, 0);
    assert_int_equal(after, 0);
    int why = 0;
    assert_int_equal(mtr_mbus_collided(b, sizeof b, NULL, 0, &why), 0); /* first attempt */
    /* the retry brings another corruption: still noise, not two senders */
    uint8_t c[sizeof tel_a];
    memcpy(c, tel_a, sizeof c);
    c[50] ^= 0x10;
    assert_int_equal(mtr_mbus_collided(c, sizeof c, b, sizeof b, &why), 0);
}

static void test_same_spoiled_frame_twice_is_a_collision(void **state)
{
    (void)state;
    uint8_t b[sizeof tel_a], both[sizeof tel_a];
    tel_b(b);
    wired_and(both, tel_a, b, sizeof both);
    assert_int_equal(mtr_mbus_spoiled_frame(both, sizeof both, NULL, NULL), 1);
    int why = 0;
    assert_int_equal(mtr_mbus_collided(both, sizeof both, NULL, 0, &why), 0); /* once: ECHECKSUM */
    assert_int_equal(mtr_mbus_collided(both, sizeof both, both, sizeof both, &why), 1);
    assert_int_equal(why, MTR_MBUS_COLLIDE_REPEAT);
    /* the previous attempt's bytes must be the same, all of them */
    uint8_t other[sizeof tel_a];
    memcpy(other, both, sizeof other);
    other[40] ^= 0x01;
    assert_int_equal(mtr_mbus_collided(both, sizeof both, other, sizeof other, &why), 0);
    assert_int_equal(mtr_mbus_collided(both, sizeof both, both, sizeof both - 1, &why), 0);
}

/* a wired-AND keeps the stop byte both answers share: one meter repeating a frame with a
 * wrong stop byte (checksum right or not) is that meter's fault, not a collision */
static void test_repeated_bad_stop_is_not_a_collision(void **state)
{
    (void)state;
    uint8_t b[sizeof tel_a];
    memcpy(b, tel_a, sizeof b);
    b[sizeof b - 1] = 0x17;
    int why = 0;
    assert_int_equal(mtr_mbus_spoiled_frame(b, sizeof b, NULL, NULL), 1);
    assert_int_equal(mtr_mbus_collided(b, sizeof b, b, sizeof b, &why), 0);
    b[sizeof b - 2] ^= 0x21; /* and a wrong checksum too */
    assert_int_equal(mtr_mbus_collided(b, sizeof b, b, sizeof b, &why), 0);
}

static void test_longer_answer_overrunning_is_a_collision(void **state)
{
    (void)state;
    /* a 6-byte-longer answer from another meter: L = 4B & 51 = 41, so the overlap ends
     * (announced) 10 bytes before the longer one does */
    uint8_t longer[sizeof tel_a + 6], heard[sizeof tel_a + 6];
    memcpy(longer, tel_a, sizeof tel_a - 2);
    memcpy(longer + sizeof tel_a - 2, "\x0C\x04\x11\x22\x33\x44", 6);
    longer[1] = longer[2] = 0x51;
    longer[5] = 0x0C;
    longer[sizeof longer - 2] = mtr_mbus_checksum(longer + 4, sizeof longer - 6);
    longer[sizeof longer - 1] = 0x16;
    wired_and(heard, tel_a, longer, sizeof tel_a);
    memcpy(heard + sizeof tel_a, longer + sizeof tel_a, 6);
    size_t at = 99, after = 0;
    assert_int_equal(mtr_mbus_spoiled_frame(heard, sizeof heard, &at, &after), 1);
    assert_int_equal(at, 0);
    assert_int_equal(after, sizeof heard - (0x41 + 6));
    int why = 0;
    assert_int_equal(mtr_mbus_collided(heard, sizeof heard, NULL, 0, &why), 1);
    assert_int_equal(why, MTR_MBUS_COLLIDE_OVERRUN);
}

static void test_cut_short_and_noise_are_not_spoiled(void **state)
{
    (void)state;
    int why = 0;
    /* truncated: the announced end never came */
    assert_int_equal(mtr_mbus_spoiled_frame(tel_a, sizeof tel_a - 3, NULL, NULL), 0);
    /* a broken header (L L differ): not a slave's frame, just noise */
    uint8_t b[sizeof tel_a + 4];
    memcpy(b, tel_a, sizeof tel_a);
    b[2] = 0x4A;
    b[sizeof tel_a - 2] ^= 0xFF;
    memset(b + sizeof tel_a, 0xAA, 4);
    assert_int_equal(mtr_mbus_spoiled_frame(b, sizeof b, NULL, NULL), 0);
    assert_int_equal(mtr_mbus_collided(b, sizeof b, b, sizeof b, &why), 0);
    static const uint8_t noise[] = {0xAA, 0x00, 0xFE, 0x13, 0x68, 0x02, 0x02, 0x68, 0x10};
    assert_int_equal(mtr_mbus_collided(noise, sizeof noise, noise, sizeof noise, &why), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whole_frames_are_not_spoiled),
        cmocka_unit_test(test_one_bad_checksum_is_not_a_collision),
        cmocka_unit_test(test_same_spoiled_frame_twice_is_a_collision),
        cmocka_unit_test(test_repeated_bad_stop_is_not_a_collision),
        cmocka_unit_test(test_longer_answer_overrunning_is_a_collision),
        cmocka_unit_test(test_cut_short_and_noise_are_not_spoiled),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
