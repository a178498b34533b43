/* SPDX-License-Identifier: MIT */
/* mtr_decimal_from_float() against the text implementation it replaced (kept
 * here as the reference: "%.*e" with 6..9 digits until strtof reads the float
 * back, the exponent shifted in the text, then strtod): bit-identical doubles
 * over every power of two, the edge cases, every float exponent with every
 * exp10 a row can hold, and millions of random floats. */
#include <float.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "proto/decimal.h"

static double reference(float f, int exp10)
{
    char buf[48];
    for (int p = 6; p <= 9; p++) {
        snprintf(buf, sizeof buf, "%.*e", p - 1, (double)f);
        if (strtof(buf, NULL) == f)
            break;
    }
    if (exp10) {
        char *e = strchr(buf, 'e');
        if (e) {
            int x = atoi(e + 1) + exp10;
            snprintf(e, sizeof buf - (size_t)(e - buf), "e%d", x);
        }
    }
    return strtod(buf, NULL);
}

static float float_of(uint32_t bits)
{
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

static uint32_t bits_of(float f)
{
    uint32_t b;
    memcpy(&b, &f, sizeof b);
    return b;
}

static unsigned long checked;

/* one float at one exponent: fails with both results in the message */
static void check(float f, int exp10)
{
    double want = reference(f, exp10), got = mtr_decimal_from_float(f, exp10);
    uint64_t a, b;
    memcpy(&a, &want, sizeof a);
    memcpy(&b, &got, sizeof b);
    if (a != b)
        fail_msg("float %08X (%.9g) exp10 %d: reference %.17g (%016llX), got %.17g (%016llX)",
                 (unsigned)bits_of(f), (double)f, exp10, want, (unsigned long long)a, got,
                 (unsigned long long)b);
    checked++;
}

/* the exponents drivers use: -10 .. 10 */
static void check_all_exponents(float f)
{
    for (int e = -10; e <= 10; e++) {
        check(f, e);
        check(-f, e);
    }
}

static void test_powers_of_two(void **state)
{
    (void)state;
    for (int e = -149; e <= 127; e++)
        check_all_exponents(ldexpf(1.0f, e));
}

static void test_edge_cases(void **state)
{
    (void)state;
    static const uint32_t bits[] = {
        0x00000000, 0x80000000,             /* zeros */
        0x00000001, 0x00000002, 0x00000003, /* the smallest denormals */
        0x000FFFFF, 0x00400000, 0x007FFFFF, /* larger denormals */
        0x00800000, 0x00800001,             /* FLT_MIN and its neighbour */
        0x7F7FFFFF, 0x7F7FFFFE,             /* FLT_MAX */
        0x7F800000, 0xFF800000,             /* infinities */
        0x7FC00000, 0xFFC00000, 0x7F800001, /* NaNs */
        0x3F800000, 0x3F7FFFFF, 0x3F800001, /* 1 and its neighbours */
        0x3F9E0419,                         /* 1.2345 (kW → W) */
        /* from 10^19 up, where the double estimate of a ten-digit floor of the float (v),
         * its upper (hi) or lower (lo) midpoint comes out one too high and is corrected (a
         * run over every float found 634 such, none one too low; the tenth digit alone
         * never decided the result there) */
        0x5F04C180, 0x5F228EE5, 0x60815E85, 0x60A5F1E0,             /* v */
        0x5EFA9C4D, 0x5F13A832, 0x5FDCCEE8, 0x60B83B8D,             /* hi */
        0x5EFA9C4E, 0x5F13A833, 0x5FDCCEE9, 0x60383B8E,             /* lo */
    };
    for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++)
        for (int e = -10; e <= 10; e++)
            check(float_of(bits[i]), e);
    /* the meters' own figures */
    static const float v[] = {230.1f, 49.98f, 1234.5f, 16048.14f, 123456.78f, 0.1f, 0.999f,
                              99999.99f, 1e-3f, 1.4e-45f, 3.4028235e38f};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        check_all_exponents(v[i]);
    /* far exponents: the result is 0 or infinity (the text version's sum would overflow) */
    assert_true(mtr_decimal_from_float(1.0f, INT_MAX) == HUGE_VAL);
    assert_true(mtr_decimal_from_float(-3.4e38f, INT_MAX) == -HUGE_VAL);
    double z = mtr_decimal_from_float(-1.0f, INT_MIN);
    assert_true(z == 0 && signbit(z));
    assert_true(mtr_decimal_from_float(1e-45f, INT_MIN) == 0);
}

/* every float exponent (subnormals included) × a few mantissas × every exp10 a register row
 * can hold (int8_t: -128 .. 127), and a few beyond, where the result leaves the doubles: each
 * path of the digits (ten-digit floors through 128 or 192 bits, or a corrected estimate) and
 * of the scaling (exact operations, d·5^x rounded, an estimate moved between midpoints) */
static void test_every_exponent(void **state)
{
    (void)state;
    static const uint32_t mant[] = {0x000000, 0x000001, 0x400000, 0x7FFFFF, 0x1E0419, 0x5D2F1B};
    for (uint32_t be = 0; be <= 254; be++)
        for (size_t i = 0; i < sizeof mant / sizeof mant[0]; i++) {
            if (be == 0 && mant[i] == 0)
                continue;
            float f = float_of(be << 23 | mant[i]);
            for (int e = -128; e <= 127; e++)
                check(f, e);
            static const int far[] = {-1000, -400, -360, -346, -345, -330, -300, -200,
                                      200,   290,  300,  309,  320,  330,  331,  400, 1000};
            for (size_t j = 0; j < sizeof far / sizeof far[0]; j++)
                check(-f, far[j]);
        }
}

/* floats around every power of ten and around p-digit rounding ties (…5 at the p+1st digit) */
static void test_digit_boundaries(void **state)
{
    (void)state;
    for (int e = -45; e <= 38; e++) {
        float c = (float)pow(10.0, e);
        float lo = c, hi = c;
        for (int i = 0; i < 8; i++) {
            check_all_exponents(lo);
            check_all_exponents(hi);
            lo = nextafterf(lo, 0);
            hi = nextafterf(hi, INFINITY);
        }
    }
    uint64_t x = 0x9E3779B97F4A7C15ULL;
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        int p = 6 + (int)(x % 4);
        long long d = (long long)((x >> 8) % 9000000000ULL) / 1000 + 1000000; /* 7 digits */
        for (int k = 7; k > p; k--)
            d /= 10;
        int e = (int)((x >> 40) % 77) - 40;
        float c = (float)(((double)d + 0.5) * pow(10.0, e));
        for (int s = -2; s <= 2; s++) {
            float f = c;
            for (int j = 0; j < abs(s); j++)
                f = nextafterf(f, s < 0 ? 0 : INFINITY);
            check(f, (int)(x >> 50) % 21 - 10);
        }
    }
}

static void test_random_bit_patterns(void **state)
{
    (void)state;
    uint64_t x = 0x0123456789ABCDEFULL; /* fixed seed: the same floats every run */
    for (long i = 0; i < 3000000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        check(float_of((uint32_t)(x >> 32)), (int)(i % 21) - 10);
    }
    print_message("%lu conversions compared bit for bit\n", checked);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_powers_of_two),
        cmocka_unit_test(test_edge_cases),
        cmocka_unit_test(test_every_exponent),
        cmocka_unit_test(test_digit_boundaries),
        cmocka_unit_test(test_random_bit_patterns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
