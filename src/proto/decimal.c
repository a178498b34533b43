/* SPDX-License-Identifier: MIT */
/* mtr_decimal_from_float(): a float's fewest-digit decimal (6 to 9 significant digits,
 * as "%.*e" then strtof would find it) and the double nearest that decimal times
 * 10^exp10 (as strtod would read it), in integers of fixed width. Why it is exact is
 * written below. No text, no heap, no long double. Also mtr_decimal_scale(): an integer
 * times a power of ten, rounded once (strtod on its text only beyond 2^53 or 10^22). */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/decimal.h"

/*
 * Why this is exact.
 *
 * Digits. A finite nonzero float is m·2^q (m < 2^24). Three numbers X = M·2^Q (Q = q-2)
 * matter: the float itself (M = 4m) and the midpoints to its neighbours, above (M = 4m+2)
 * and below (M = 4m-2, or 4m-1 when m = 2^23 above a smaller exponent: there the gap below
 * is half as wide). For each, at one decimal scale 10^K that leaves ten significant digits,
 * floor(X/10^K) and whether that division is exact are computed without any rounding:
 *   K < 0:  X·10^j = M·5^j·2^(Q+j) with j = -K <= 54: a product below 2^153 (three 64-bit
 *           limbs), shifted right; the bits that fall off say whether it was exact.
 *   K >= 0: X/10^K = N/5^K with N = M·2^(Q-K) < 2^106 and K <= 29: a double estimate of
 *           the quotient q, then moved until q·5^K <= N < (q+1)·5^K holds in 128-bit
 *           integers, so the estimate's error only costs a step.
 * The p-digit rounding (ties to even: glibc's printf rounds the exact binary value so) is
 * the ten-digit floor divided by 10^(10-p), rounded on the remainder and the exactness
 * flag. It reads back as the float (strtof: to nearest, ties to even) when it lies between
 * the two midpoints, or on one of them when m is even: two integer comparisons.
 *
 * Scaling. The result is the double nearest d·10^x, d < 2^30 (as strtod of the text):
 *   |x| <= 22: one IEEE operation on exact operands (10^x is exact as a double): one rounding;
 *   x > 22:    d·5^x is an integer, computed in 64-bit limbs; its top 64 bits are rounded to
 *              53 with a sticky bit for the rest, times 2^x;
 *   x < -22:   a double estimate a few units in the last place off, then moved one double at
 *              a time until d·10^x lies between the midpoints to both its neighbours, each
 *              comparison made exactly in limbs as d·2^a against (2M+1)·5^-x·2^b.
 * Estimates only pick where to start; exact integer comparisons pick the answer.
 */

typedef unsigned __int128 u128;

static const uint64_t pow10_u64[20] = {
    1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL, 100000000ULL,
    1000000000ULL, 10000000000ULL, 100000000000ULL, 1000000000000ULL, 10000000000000ULL,
    100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL, 100000000000000000ULL,
    1000000000000000000ULL, 10000000000000000000ULL};

/* 10^0 .. 10^22: exact as doubles */
static const double pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* 5^0 .. 5^27: the powers of five that fit 64 bits */
static const uint64_t pow5_u64[28] = {
    1ULL, 5ULL, 25ULL, 125ULL, 625ULL, 3125ULL, 15625ULL, 78125ULL, 390625ULL, 1953125ULL,
    9765625ULL, 48828125ULL, 244140625ULL, 1220703125ULL, 6103515625ULL, 30517578125ULL,
    152587890625ULL, 762939453125ULL, 3814697265625ULL, 19073486328125ULL, 95367431640625ULL,
    476837158203125ULL, 2384185791015625ULL, 11920928955078125ULL, 59604644775390625ULL,
    298023223876953125ULL, 1490116119384765625ULL, 7450580596923828125ULL};

/* 10^-(2^i), correctly rounded: for estimates only */
static const double pow10_neg_bits[9] = {1e-1, 1e-2, 1e-4, 1e-8, 1e-16, 1e-32, 1e-64, 1e-128, 1e-256};

static u128 pow5_u128(int k) /* 0 <= k <= 54 (5^54 < 2^126) */
{
    /* unsigned and reduced indexes (no-ops for 0..54): gcc 12's -Warray-bounds, under the
     * sanitizers' instrumentation, otherwise sees k - 27 reach INT_MIN */
    unsigned u = (unsigned)k;
    return u <= 27 ? pow5_u64[u] : (u128)pow5_u64[27] * pow5_u64[(u - 27) % 28];
}

static int bitlen64(uint64_t x)
{
    return x ? 64 - __builtin_clzll(x) : 0;
}

static double two_pow(int e) /* 2^e, -1022 <= e <= 1023 */
{
    uint64_t b = (uint64_t)(e + 1023) << 52;
    double r;
    memcpy(&r, &b, sizeof r);
    return r;
}

/* floor(e · log10 2) for |e| < 2600 */
static int floor_log10_pow2(int e)
{
    return e >= 0 ? (e * 78913) >> 18 : -((-e * 78913 + (1 << 18) - 1) >> 18);
}

/* ---- digits --------------------------------------------------------------------------- */

/* floor(X / 10^K) for X = M·2^Q, and whether the division is exact. Every quotient made
 * is below 2^37 (ten or eleven digits), which bounds what follows. */
struct floor10 {
    uint64_t q;
    int exact;
};

/* n·2^-s (s <= 0: n·2^-s is below 2^37; s > 0: n < 2^91, so s < 91) */
static struct floor10 floor_shift(u128 n, int s)
{
    if (s <= 0)
        return (struct floor10){(uint64_t)n << -s, 1};
    return (struct floor10){(uint64_t)(n >> s), (n & (((u128)1 << s) - 1)) == 0};
}

/* X·10^j = M·5^j·2^-s for 27 < j <= 54, X below 10^-17: M·5^j < 2^153 in three limbs,
 * hi (bits 64..191) and lo (bits 0..63); s > 0 as M·5^j >= 5^28 > 2^64 */
static struct floor10 floor_tiny(uint32_t M, int Q, int j)
{
    u128 p = pow5_u128(j);
    u128 a = (u128)M * (uint64_t)p;
    u128 hi = (u128)M * (uint64_t)(p >> 64) + (a >> 64);
    uint64_t lo = (uint64_t)a;
    int s = -(Q + j);
    if (s < 64)
        return (struct floor10){(uint64_t)(hi << (64 - s)) | (lo >> s),
                                (lo & ((1ULL << s) - 1)) == 0};
    return (struct floor10){(uint64_t)(hi >> (s - 64)),
                            lo == 0 && (hi & (((u128)1 << (s - 64)) - 1)) == 0};
}

/* X/10^K = N/5^K for 0 <= K <= 29, X at least 10^9, with N = M·2^(Q-K): Q > K, as
 * X >= 10^(K+9) with M < 2^27 needs Q >= 3K + 3; and N = (X/10^K)·5^K < 2^37 · 5^29 < 2^106.
 * A double estimate of the quotient (relative error below 2^-51, so at most one off),
 * then corrected: over every float it is one too high 634 times (the test has some),
 * never too low. */
static struct floor10 floor_huge(uint32_t M, int Q, int K)
{
    u128 n = (u128)M << (Q - K), five = pow5_u128(K);
    double est = (double)M * two_pow(Q); /* exact */
    if (K > 22)
        est /= 1e22;
    est /= pow10_exact[K > 22 ? K - 22 : K];
    uint64_t q = (uint64_t)est;
    u128 prod = (u128)q * five;
    while (prod > n) {
        q--;
        prod -= five;
    }
    while (n - prod >= five) {
        q++;
        prod += five;
    }
    return (struct floor10){q, prod == n};
}

static void drop_digit(struct floor10 *f)
{
    f->exact = f->exact && f->q % 10 == 0;
    f->q /= 10;
}

/* the float and the midpoints to its neighbours, in units of 10^K (ten digits) */
struct floors {
    struct floor10 v, hi, lo;
    int even; /* the float's last bit is 0: a decimal on a midpoint reads back */
};

/* The float and its midpoints at 10^K. Between about 10^-18 and 10^9 (what meters send),
 * one 64-bit power of five serves: M·5^j < 2^91, the three products share it. */
static void floors_at(struct floors *fl, uint32_t m, uint32_t below, int Q, int K)
{
    if (K < 0 && K >= -27) {
        u128 five = pow5_u64[-K], v = (u128)(4 * m) * five;
        int s = K - Q; /* X·10^-K = M·5^-K·2^-s */
        fl->v = floor_shift(v, s);
        fl->hi = floor_shift(v + 2 * five, s);
        fl->lo = floor_shift(v - below * five, s);
    } else if (K < 0) {
        fl->v = floor_tiny(4 * m, Q, -K);
        fl->hi = floor_tiny(4 * m + 2, Q, -K);
        fl->lo = floor_tiny(4 * m - below, Q, -K);
    } else {
        fl->v = floor_huge(4 * m, Q, K);
        fl->hi = floor_huge(4 * m + 2, Q, K);
        fl->lo = floor_huge(4 * m - below, Q, K);
    }
    fl->even = !(m & 1);
}

/* The rounding of the float to a multiple of t = 10^(10-p), i.e. to p digits, ties to
 * even: *d is it in units of t. Returns whether it reads back as the float. Called with
 * constant t, the divisions become multiplications. */
static inline int round_digits(const struct floors *fl, uint64_t t, uint64_t *d)
{
    uint64_t r = fl->v.q % t;
    *d = fl->v.q / t;
    *d += (uint64_t)(r > t / 2 || (r == t / 2 && (!fl->v.exact || (*d & 1))));
    uint64_t x = *d * t;
    int under_hi = x < fl->hi.q || (x == fl->hi.q && (!fl->hi.exact || fl->even));
    int over_lo = x > fl->lo.q || (x == fl->lo.q && fl->lo.exact && fl->even);
    return under_hi && over_lo;
}

/* ---- multi-limb integers, for scaling by far powers of ten ----------------------------- */

/* 64-bit limbs, least significant first, no leading zero limbs. The largest number made is
 * (2^54 - 1)·5^345 < 2^856: 14 limbs. */
#define BIG_LIMBS 16
struct big {
    uint64_t w[BIG_LIMBS];
    int n;
};

static void big_set(struct big *b, uint64_t x)
{
    b->w[0] = x;
    b->n = x != 0;
}

static void big_mul_u64(struct big *b, uint64_t k)
{
    u128 c = 0;
    for (int i = 0; i < b->n; i++) {
        c += (u128)b->w[i] * k;
        b->w[i] = (uint64_t)c;
        c >>= 64;
    }
    if (c)
        b->w[b->n++] = (uint64_t)c;
}

static void big_mul_pow5(struct big *b, int k)
{
    for (; k >= 27; k -= 27)
        big_mul_u64(b, pow5_u64[27]);
    if (k)
        big_mul_u64(b, pow5_u64[k]);
}

static int big_bitlen(const struct big *b)
{
    return b->n ? 64 * (b->n - 1) + bitlen64(b->w[b->n - 1]) : 0;
}

static void big_shl(struct big *b, int s) /* the result must fit BIG_LIMBS */
{
    int limbs = s / 64, bits = s % 64, n = b->n;
    if (bits) {
        uint64_t carry = 0;
        for (int i = 0; i < n; i++) {
            uint64_t w = b->w[i];
            b->w[i] = (w << bits) | carry;
            carry = w >> (64 - bits);
        }
        if (carry)
            b->w[n++] = carry;
    }
    if (limbs) {
        for (int i = n - 1; i >= 0; i--)
            b->w[i + limbs] = b->w[i];
        for (int i = 0; i < limbs; i++)
            b->w[i] = 0;
        n += limbs;
    }
    b->n = n;
}

static int big_cmp(const struct big *a, const struct big *b)
{
    if (a->n != b->n)
        return a->n < b->n ? -1 : 1;
    for (int i = a->n - 1; i >= 0; i--)
        if (a->w[i] != b->w[i])
            return a->w[i] < b->w[i] ? -1 : 1;
    return 0;
}

/* compare a·2^ea with b·2^eb (both nonzero); shifts one of them in place */
static int big_cmp_scaled(struct big *a, int ea, struct big *b, int eb)
{
    int la = big_bitlen(a) + ea, lb = big_bitlen(b) + eb;
    if (la != lb)
        return la < lb ? -1 : 1;
    if (ea > eb) /* same top bit: the shifted one ends as long as the other */
        big_shl(a, ea - eb);
    else
        big_shl(b, eb - ea);
    return big_cmp(a, b);
}

/* ---- the double nearest d·10^x -------------------------------------------------------- */

/* the double nearest top·2^e (bit 63 of top set; sticky: nonzero bits below top), ties to
 * even, for values from 2^64 up (no subnormals): top's 53 high bits, rounded on the 11 below */
static double round_to_double(uint64_t top, int e, int sticky)
{
    int lsb = e + 11; /* the weight of the double's last bit */
    if (lsb > 971)
        return HUGE_VAL;
    uint64_t mant = top >> 11, rest = top & 0x7FF;
    mant += (uint64_t)(rest > 0x400 || (rest == 0x400 && (sticky || (mant & 1))));
    /* mant·2^lsb, mant in [2^52, 2^53]: the exponent field counts from lsb = -1074 and the
     * hidden bit (or a carry out of 53 bits) adds into it; 2^53·2^971 comes out as infinity */
    uint64_t bits = ((uint64_t)(lsb + 1074) << 52) + mant;
    double r;
    memcpy(&r, &bits, sizeof r);
    return r;
}

/* d·10^-n against the midpoint between the double with bits u and the next one up,
 * (2M+1)·2^(E-1) where u is M·2^E; p5 = 5^n */
static int cmp_midpoint(uint64_t d, int n, const struct big *p5, uint64_t u)
{
    int be = (int)(u >> 52);
    uint64_t M = u & ((1ULL << 52) - 1);
    int E = be ? be - 1075 : -1074;
    if (be)
        M |= 1ULL << 52;
    struct big a, b;
    b.n = p5->n;
    memcpy(b.w, p5->w, sizeof b.w[0] * (size_t)p5->n);
    big_mul_u64(&b, 2 * M + 1);
    big_set(&a, d);
    /* d·2^-n·5^-n vs (2M+1)·2^(E-1)  <=>  d·2^-n vs (2M+1)·5^n·2^(E-1) */
    return big_cmp_scaled(&a, -n, &b, E - 1);
}

static double scale_down(uint64_t d, int n) /* 22 < n <= 345 */
{
    double est = (double)d;
    for (int i = 0, r = n; r; i++, r >>= 1)
        if (r & 1)
            est *= pow10_neg_bits[i];
    uint64_t u;
    memcpy(&u, &est, sizeof u);
    struct big p5;
    big_set(&p5, 1);
    big_mul_pow5(&p5, n);
    const uint64_t inf = 0x7FF0000000000000ULL;
    /* on a midpoint, the neighbour with the even last bit (as strtod; d·10^-n is never on
     * one here, it is not a binary fraction since 5^n, n > 22, does not divide d < 2^30) */
    while (u > 0) {
        int c = cmp_midpoint(d, n, &p5, u - 1);
        if (!(c < 0 || (c == 0 && (u & 1))))
            break;
        u--;
    }
    while (u < inf) {
        int c = cmp_midpoint(d, n, &p5, u);
        if (!(c > 0 || (c == 0 && (u & 1))))
            break;
        u++;
    }
    double r;
    memcpy(&r, &u, sizeof r);
    return r;
}

/* 22 < x <= 330: d·5^x·2^x, rounded (d·5^x >= 10^5·5^23 > 2^64) */
static double scale_up(uint64_t d, int x)
{
    struct big b;
    big_set(&b, d);
    big_mul_pow5(&b, x);
    int len = big_bitlen(&b);
    int pos = len - 64, l = pos / 64, s = pos % 64;
    uint64_t top = s ? (b.w[l] >> s) | (b.w[l + 1] << (64 - s)) : b.w[l];
    int sticky = s && (b.w[l] & ((1ULL << s) - 1)) != 0;
    for (int i = 0; i < l && !sticky; i++)
        sticky = b.w[i] != 0;
    return round_to_double(top, pos + x, sticky);
}

/* the double nearest d·10^x, as strtod would read it (10^5 <= d <= 10^9: six to nine
 * digits, or 10^p where they rounded up) */
static double scale_pow10(uint64_t d, int x)
{
    if (x >= 0 && x <= 22)
        return (double)d * pow10_exact[x];
    if (x < 0 && x >= -22)
        return (double)d / pow10_exact[-x];
    if (x > 22 && x <= 22 + 19 && d <= (1ULL << 53) / pow10_u64[x - 22])
        return (double)(d * pow10_u64[x - 22]) * 1e22; /* exact integer times exact 10^22 */
    if (x > 330) /* d·10^331 > DBL_MAX */
        return HUGE_VAL;
    if (x < -345) /* d·10^-346 < 2^-1075 */
        return 0;
    return x > 0 ? scale_up(d, x) : scale_down(d, -x);
}

double mtr_decimal_scale(uint64_t m, int negative, int exp10)
{
    double r;
    if (m < (1ULL << 53) && exp10 >= -22 && exp10 <= 22) {
        /* m and 10^|exp10| are exact doubles: one operation, one rounding */
        r = exp10 < 0 ? (double)m / pow10_exact[-exp10] : (double)m * pow10_exact[exp10];
    } else {
        char buf[48];
        snprintf(buf, sizeof buf, "%" PRIu64 "e%d", m, exp10);
        r = strtod(buf, NULL);
    }
    return negative ? -r : r;
}

/* ---- the conversion ------------------------------------------------------------------- */

double mtr_decimal_from_float(float f, int exp10)
{
    uint32_t bits;
    memcpy(&bits, &f, sizeof bits);
    int neg = (int)(bits >> 31);
    uint32_t be = (bits >> 23) & 0xFF, frac = bits & 0x7FFFFF;
    if (be == 0xFF) /* inf reads back; NaN's text "nan" loses its payload */
        return frac ? (neg ? -(double)NAN : (double)NAN) : (double)f;
    if (be == 0 && frac == 0)
        return (double)f;
    uint32_t m = be ? frac | 0x800000u : frac;
    int q = be ? (int)be - 150 : -149;
    int Q = q - 2;
    uint32_t below = m == 0x800000u && q > -149 ? 1 : 2; /* half the gap to the float below */
    /* ten significant digits: 10^K with K one too small when the estimate of the decimal
     * exponent was one low, then one digit is dropped */
    int K = floor_log10_pow2(q + bitlen64(m) - 1) - 9;
    struct floors fl;
    floors_at(&fl, m, below, Q, K);
    if (fl.v.q >= pow10_u64[10]) {
        drop_digit(&fl.v);
        drop_digit(&fl.hi);
        drop_digit(&fl.lo);
        K++;
    }
    /* the fewest digits, 6 to 9, that read back (9 always do) */
    uint64_t d;
    int k;
    if (round_digits(&fl, 10000, &d))
        k = K + 4;
    else if (round_digits(&fl, 1000, &d))
        k = K + 3;
    else if (round_digits(&fl, 100, &d))
        k = K + 2;
    else {
        round_digits(&fl, 10, &d);
        k = K + 1;
    }
    /* beyond ±1000 the result is 0 or infinity already; this keeps the sum an int */
    int e = exp10 > 1000 ? 1000 : exp10 < -1000 ? -1000 : exp10;
    double r = scale_pow10(d, k + e);
    return neg ? -r : r;
}
