/* SPDX-License-Identifier: MIT */
/* Modbus value codec, pure: CRC-16, floats by shifts (Debian's libmodbus
 * 3.1.6 float setters are broken), HEX-digit and ASCII registers, and the
 * decoding and encoding of one field. No I/O, no heap. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "proto/modbus.h"
#include "proto/status.h"

uint16_t mtr_mb_crc16(const uint8_t *p, size_t n)
{
    uint16_t crc = 0xFFFF;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int b = 0; b < 8; b++)
            crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0xA001) : (uint16_t)(crc >> 1);
    }
    return crc;
}

size_t mtr_mb_rtu_frame(uint8_t *buf, size_t cap, uint8_t id, const uint8_t *pdu, size_t n)
{
    if (cap < n + 3)
        return 0;
    buf[0] = id;
    memcpy(buf + 1, pdu, n);
    uint16_t crc = mtr_mb_crc16(buf, n + 1);
    buf[n + 1] = (uint8_t)(crc & 0xFF); /* CRC goes low byte first */
    buf[n + 2] = (uint8_t)(crc >> 8);
    return n + 3;
}

float mtr_mb_get_float(const uint16_t *w, int word_order)
{
    uint32_t hi = word_order == MTR_WORDS_CDAB ? w[1] : w[0];
    uint32_t lo = word_order == MTR_WORDS_CDAB ? w[0] : w[1];
    uint32_t bits = (hi << 16) | lo;
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

void mtr_mb_put_float(float f, uint16_t *w, int word_order)
{
    uint32_t bits;
    memcpy(&bits, &f, sizeof bits);
    uint16_t hi = (uint16_t)(bits >> 16), lo = (uint16_t)(bits & 0xFFFF);
    w[0] = word_order == MTR_WORDS_CDAB ? lo : hi;
    w[1] = word_order == MTR_WORDS_CDAB ? hi : lo;
}

/* ---- float -> decimal, exactly as "%.*e" (6..9 digits) then strtof/strtod would ----
 * A float is m·2^q exactly. Its p-digit rounding D·10^k (ties to even, as glibc's
 * printf) is computed in integers; it reads back as the float when it lies inside
 * the float's rounding interval (ties to even, as strtof). The result is the
 * double nearest D·10^(k+exp10), as strtod of the shifted text. 128-bit integers
 * cover every float from 1e-23 up; smaller floats and far exponents go through a
 * small fixed-size big integer. No text, no allocation. */

typedef unsigned __int128 mtr_u128;

static const uint64_t pow10_u64[20] = {
    1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL, 100000000ULL,
    1000000000ULL, 10000000000ULL, 100000000000ULL, 1000000000000ULL, 10000000000000ULL,
    100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL, 100000000000000000ULL,
    1000000000000000000ULL, 10000000000000000000ULL};

static const double pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static mtr_u128 pow10_u128(int k) /* 0 <= k <= 38 */
{
    return k <= 19 ? (mtr_u128)pow10_u64[k] : (mtr_u128)pow10_u64[k - 19] * pow10_u64[19];
}

static int bitlen64(uint64_t x)
{
    return x ? 64 - __builtin_clzll(x) : 0;
}

static int bitlen128(mtr_u128 x)
{
    return (uint64_t)(x >> 64) ? 64 + bitlen64((uint64_t)(x >> 64)) : bitlen64((uint64_t)x);
}

static mtr_u128 pow5_u128(int k) /* 0 <= k <= 55 */
{
    mtr_u128 v = 1;
    for (; k >= 13; k -= 13)
        v *= 1220703125u; /* 5^13 */
    static const uint32_t p5[13] = {1, 5, 25, 125, 625, 3125, 15625, 78125, 390625, 1953125,
                                    9765625, 48828125, 244140625};
    return v * p5[k];
}

/* floor(e · log10 2) for |e| < 2600 */
static int floor_log10_pow2(int e)
{
    return e >= 0 ? (e * 78913) >> 18 : -((-e * 78913 + (1 << 18) - 1) >> 18);
}

/* a small unsigned big integer, 32-bit limbs, least significant first, no leading zero limbs */
#define BIG_LIMBS 40
struct big {
    uint32_t w[BIG_LIMBS];
    int n;
};

static void big_set(struct big *b, uint64_t x)
{
    b->n = 0;
    while (x) {
        b->w[b->n++] = (uint32_t)x;
        x >>= 32;
    }
}

static void big_mul_small(struct big *b, uint32_t k)
{
    uint64_t c = 0;
    for (int i = 0; i < b->n; i++) {
        c += (uint64_t)b->w[i] * k;
        b->w[i] = (uint32_t)c;
        c >>= 32;
    }
    if (c)
        b->w[b->n++] = (uint32_t)c;
}

static void big_mul_pow10(struct big *b, int j)
{
    for (; j >= 9; j -= 9)
        big_mul_small(b, 1000000000u);
    if (j)
        big_mul_small(b, (uint32_t)pow10_u64[j]);
}

static void big_shl(struct big *b, int s)
{
    if (b->n == 0)
        return;
    int limbs = s / 32, bits = s % 32;
    if (bits) {
        uint32_t carry = 0;
        for (int i = 0; i < b->n; i++) {
            uint32_t w = b->w[i];
            b->w[i] = (w << bits) | carry;
            carry = w >> (32 - bits);
        }
        if (carry)
            b->w[b->n++] = carry;
    }
    if (limbs) {
        for (int i = b->n - 1; i >= 0; i--)
            b->w[i + limbs] = b->w[i];
        for (int i = 0; i < limbs; i++)
            b->w[i] = 0;
        b->n += limbs;
    }
}

static void big_shr1(struct big *b)
{
    for (int i = 0; i < b->n; i++)
        b->w[i] = (b->w[i] >> 1) | (i + 1 < b->n ? b->w[i + 1] << 31 : 0);
    while (b->n && !b->w[b->n - 1])
        b->n--;
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

static void big_sub(struct big *a, const struct big *b) /* a -= b, a >= b */
{
    int64_t c = 0;
    for (int i = 0; i < a->n; i++) {
        c += (int64_t)a->w[i] - (i < b->n ? b->w[i] : 0);
        a->w[i] = (uint32_t)c;
        c = c < 0 ? -1 : 0;
    }
    while (a->n && !a->w[a->n - 1])
        a->n--;
}

static int big_bitlen(const struct big *b)
{
    return b->n ? 32 * (b->n - 1) + bitlen64(b->w[b->n - 1]) : 0;
}

static int big_bit(const struct big *b, int i)
{
    return i / 32 < b->n ? (int)((b->w[i / 32] >> (i % 32)) & 1) : 0;
}

static int big_any_below(const struct big *b, int i) /* any of bits 0 .. i-1 set */
{
    for (int l = 0; l < b->n && 32 * l < i; l++) {
        uint32_t w = b->w[l];
        if (32 * l + 32 > i)
            w &= (uint32_t)((1ULL << (i - 32 * l)) - 1);
        if (w)
            return 1;
    }
    return 0;
}

static uint64_t big_bits_from(const struct big *b, int i) /* the 64 bits from bit i up */
{
    int l = i / 32;
    mtr_u128 acc = 0;
    for (int k = 2; k >= 0; k--)
        acc = (acc << 32) | (l + k < b->n ? b->w[l + k] : 0);
    return (uint64_t)(acc >> (i % 32));
}

/* The p-digit rounding of m·2^q at decimal position k: *d (before a carry to 10^p) and
 * whether it reads back as the float. Returns 1 when q(uotient) overflowed 10^p, i.e. the
 * decimal exponent estimate was one too low. */
struct digits {
    uint64_t d;  /* rounded digits */
    int k;       /* value = d · 10^k */
    int readback;
};

/* the float's rounding interval test: diff = |d·10^k - v| in units of 1/den, nu = ulp in the same
 * units; up: d·10^k lies above v */
#define READBACK(diff, nu, up, m, q)                                                              \
    ((diff) == 0 ||                                                                               \
     (((up) || !((m) == 0x800000u && (q) > -149)) ? ((diff) * 2 < (nu) || ((diff) * 2 == (nu) && !((m) & 1))) \
                                             : ((diff) * 4 < (nu) || ((diff) * 4 == (nu) && !((m) & 1)))))

static int digits_fast(uint32_t m, int q, int p, int k, struct digits *out)
{
    mtr_u128 num, den, nu, quo, rem;
    if (q >= 0 && k >= 0) {
        num = (mtr_u128)m << q;
        den = pow10_u128(k);
        nu = (mtr_u128)1 << q;
        quo = num / den;
        rem = num % den;
    } else if (q >= 0) { /* an integer with fewer than p digits: exact */
        num = ((mtr_u128)m << q) * pow10_u64[-k];
        den = 1;
        nu = 1;
        quo = num;
        rem = 0;
    } else if (k >= 0) {
        num = m;
        den = pow10_u128(k) << -q;
        nu = 1;
        quo = num / den;
        rem = num % den;
    } else {
        num = (mtr_u128)m * pow10_u128(-k);
        den = (mtr_u128)1 << -q;
        nu = pow10_u128(-k);
        quo = num >> -q;
        rem = num & (den - 1);
    }
    if (quo >= pow10_u64[p])
        return 1;
    mtr_u128 other = den - rem;
    int up = rem > other || (rem == other && (quo & 1));
    mtr_u128 diff = up ? other : rem;
    out->d = (uint64_t)quo + (uint64_t)up;
    out->k = k;
    out->readback = READBACK(diff, nu, up, m, q);
    return 0;
}

/* the same for tiny floats (q < 0, k < -31) with big integers */
static int digits_big(uint32_t m, int q, int p, int k, struct digits *out)
{
    struct big num, diff, nu;
    int s = -q;
    big_set(&num, m);
    big_mul_pow10(&num, -k);
    uint64_t quo = big_bits_from(&num, s);
    if (quo >= pow10_u64[p])
        return 1;
    int half = big_bit(&num, s - 1), below = big_any_below(&num, s - 1);
    int up = half && (below || (quo & 1));
    /* diff = rem or 2^s - rem, where rem = num mod 2^s */
    diff = num;
    for (int l = 0; l < diff.n; l++) {
        if (32 * l >= s)
            diff.w[l] = 0;
        else if (32 * l + 32 > s)
            diff.w[l] &= (uint32_t)((1ULL << (s - 32 * l)) - 1);
    }
    while (diff.n && !diff.w[diff.n - 1])
        diff.n--;
    if (up) {
        struct big pw;
        big_set(&pw, 1);
        big_shl(&pw, s);
        big_sub(&pw, &diff);
        diff = pw;
    }
    big_set(&nu, 1);
    big_mul_pow10(&nu, -k);
    int rb;
    if (diff.n == 0) {
        rb = 1;
    } else {
        big_shl(&diff, (up || !(m == 0x800000u && q > -149)) ? 1 : 2);
        int c = big_cmp(&diff, &nu);
        rb = c < 0 || (c == 0 && !(m & 1));
    }
    out->d = quo + (uint64_t)up;
    out->k = k;
    out->readback = rb;
    return 0;
}

/* the double nearest top·2^e (top's bit 63 set) with more bits below if sticky: ties to even */
static double round_to_double(uint64_t top, int e, int sticky)
{
    int msb = e + 63;
    int lsb = msb - 52 < -1074 ? -1074 : msb - 52;
    int drop = lsb - e;
    uint64_t mant;
    int half, rest;
    if (drop >= 65)
        return 0;
    if (drop == 64) {
        mant = 0;
        half = 1;
        rest = (top << 1) != 0 || sticky;
    } else {
        mant = top >> drop;
        half = (int)((top >> (drop - 1)) & 1);
        rest = (drop >= 2 && (top & ((1ULL << (drop - 1)) - 1)) != 0) || sticky;
    }
    if (half && (rest || (mant & 1)))
        mant++;
    return ldexp((double)mant, lsb);
}

/* the double nearest d·10^x, as strtod would read it */
static double scale_pow10(uint64_t d, int x)
{
    if (d == 0)
        return 0;
    if (x >= 0 && x <= 22)
        return (double)d * pow10_exact[x];
    if (x < 0 && x >= -22)
        return (double)d / pow10_exact[-x];
    if (x > 22 && x <= 22 + 19 && d <= (1ULL << 53) / pow10_u64[x - 22])
        return (double)(d * pow10_u64[x - 22]) * 1e22;
    if (x > 22 && x <= 42) { /* d·5^x fits 128 bits: round it, times 2^x */
        mtr_u128 v = (mtr_u128)d * pow5_u128(x);
        int len = bitlen128(v);
        if (len <= 64)
            return round_to_double((uint64_t)v << (64 - len), len - 64 + x, 0);
        mtr_u128 low = v & (((mtr_u128)1 << (len - 64)) - 1);
        return round_to_double((uint64_t)(v >> (len - 64)), len - 64 + x, low != 0);
    }
    if (x < -22 && x >= -31) { /* d·2^s / 5^j in 128 bits, then 2^-(s+j) */
        int j = -x, s = 127 - bitlen64(d);
        mtr_u128 five = pow5_u128(j), num = (mtr_u128)d << s;
        mtr_u128 quo = num / five, rem = num % five;
        int len = bitlen128(quo);
        if (len >= 64) {
            mtr_u128 low = quo & (((mtr_u128)1 << (len - 64)) - 1);
            return round_to_double((uint64_t)(quo >> (len - 64)), len - 64 - s - j,
                                   low != 0 || rem != 0);
        }
        if (len >= 56)
            return round_to_double((uint64_t)quo << (64 - len), len - 64 - s - j, rem != 0);
    }
    if (x > 330)
        return HUGE_VAL;
    if (x < -345)
        return 0;
    struct big a;
    big_set(&a, d);
    if (x > 0) {
        big_mul_pow10(&a, x);
        int len = big_bitlen(&a);
        if (len <= 64)
            return round_to_double(big_bits_from(&a, 0) << (64 - len), len - 64, 0);
        return round_to_double(big_bits_from(&a, len - 64), len - 64, big_any_below(&a, len - 64));
    }
    struct big b;
    big_set(&b, 1);
    big_mul_pow10(&b, -x);
    int s = 63 + big_bitlen(&b) - bitlen64(d); /* a/b lies in (2^62, 2^64) */
    big_shl(&a, s);
    big_shl(&b, 63);
    uint64_t quo = 0;
    for (int i = 63; i >= 0; i--) {
        if (big_cmp(&a, &b) >= 0) {
            big_sub(&a, &b);
            quo |= 1ULL << i;
        }
        big_shr1(&b);
    }
    int lz = __builtin_clzll(quo);
    return round_to_double(quo << lz, -s - lz, a.n != 0);
}

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
    int e10 = floor_log10_pow2(q + bitlen64(m) - 1); /* the decimal exponent, or one less */
    struct digits dg = {0, 0, 0};
    for (int p = 6; p <= 9; p++) {
        for (;;) {
            int k = e10 - p + 1;
            int over = (q < 0 && k < -31) ? digits_big(m, q, p, k, &dg) : digits_fast(m, q, p, k, &dg);
            if (!over)
                break;
            e10++;
        }
        if (dg.d == pow10_u64[p]) { /* 9.99…5 rounded up to 10.0: one digit fewer, same value */
            dg.d = pow10_u64[p - 1];
            dg.k++;
        }
        if (dg.readback)
            break;
    }
    double r = scale_pow10(dg.d, dg.k + exp10);
    return neg ? -r : r;
}

static int hex_digits_number(const uint16_t *w, unsigned words, double *out)
{
    double v = 0;
    for (unsigned i = 0; i < words; i++) {
        for (int s = 12; s >= 0; s -= 4) {
            unsigned d = (w[i] >> s) & 0xF;
            if (d > 9)
                return -1;
            v = v * 10 + d;
        }
    }
    *out = v;
    return 0;
}

int mtr_mb_decode(const struct mtr_mb_field *r, const uint16_t *w, int word_order,
                  struct mtr_mb_value *out, char *err, size_t len)
{
    out->value = 0;
    out->is_text = r->type == MTR_T_HEXTEXT || r->type == MTR_T_ASCII;
    out->text[0] = '\0';
    /* only the integer types scale by a power of ten (floats shift it in decimal) */
    double scale = r->type == MTR_T_FLOAT || r->exp10 == 0 ? 1.0 : pow(10.0, r->exp10);
    switch (r->type) {
    case MTR_T_FLOAT: {
        float f = mtr_mb_get_float(w, word_order);
        if (!isfinite(f))
            return mtr_perr(err, len, METER_EVALUE, "register 0x%04X holds a non-finite float (%04X %04X)",
                           r->addr, w[0], w[1]);
        out->value = mtr_decimal_from_float(f, r->exp10);
        break;
    }
    case MTR_T_S16:
        out->value = (double)(int16_t)w[0] * scale;
        break;
    case MTR_T_U16:
        out->value = (double)w[0] * scale;
        break;
    case MTR_T_COIL:
        out->value = w[0] ? 1 : 0;
        break;
    case MTR_T_HEXNUM: {
        double v;
        if (hex_digits_number(w, r->words, &v) < 0)
            return mtr_perr(err, len, METER_EVALUE,
                           "register 0x%04X (%04X) is not made of decimal digits", r->addr, w[0]);
        out->value = v * scale;
        break;
    }
    case MTR_T_HEXTEXT: {
        if ((size_t)r->words * 4 + 1 > sizeof out->text)
            return mtr_perr(err, len, METER_EINVAL, "register row 0x%04X too wide", r->addr);
        static const char hex[] = "0123456789ABCDEF";
        for (unsigned i = 0; i < r->words; i++)
            for (int j = 0; j < 4; j++)
                out->text[4 * i + (unsigned)j] = hex[(w[i] >> (12 - 4 * j)) & 0xF];
        out->text[4 * r->words] = '\0';
        break;
    }
    case MTR_T_ASCII: {
        if ((size_t)r->words * 2 + 1 > sizeof out->text)
            return mtr_perr(err, len, METER_EINVAL, "register row 0x%04X too wide", r->addr);
        size_t k = 0;
        for (unsigned i = 0; i < r->words; i++) {
            uint8_t c[2] = {(uint8_t)(w[i] >> 8), (uint8_t)(w[i] & 0xFF)};
            for (int j = 0; j < 2; j++) {
                if (c[j] == 0)
                    continue;
                if (c[j] < 0x20 || c[j] > 0x7E)
                    return mtr_perr(err, len, METER_EVALUE,
                                   "register 0x%04X holds a non-printable character 0x%02X", r->addr,
                                   c[j]);
                out->text[k++] = (char)c[j];
            }
        }
        out->text[k] = '\0';
        break;
    }
    case MTR_T_BAUDCODE: {
        static const unsigned codes[] = {1200, 2400, 4800, 9600};
        if (w[0] < 1 || w[0] > 4)
            return mtr_perr(err, len, METER_EVALUE, "register 0x%04X: unknown baud code %u", r->addr,
                           w[0]);
        out->value = codes[w[0] - 1];
        break;
    }
    default:
        return mtr_perr(err, len, METER_EINVAL, "register row 0x%04X has an unknown type", r->addr);
    }
    return METER_OK;
}

static int encode_hex_digits(double v, unsigned words, uint16_t *w)
{
    if (v < 0 || v != floor(v))
        return METER_ERANGE;
    unsigned long long x = (unsigned long long)v;
    for (int i = (int)words - 1; i >= 0; i--) {
        uint16_t word = 0;
        for (int s = 0; s < 16; s += 4) {
            word |= (uint16_t)((x % 10) << s);
            x /= 10;
        }
        w[i] = word;
    }
    return x ? METER_ERANGE : METER_OK;
}

int mtr_mb_encode(const struct mtr_mb_field *r, double value, const char *text, int word_order,
                  uint16_t *w)
{
    double raw = value / pow(10.0, r->exp10);
    switch (r->type) {
    case MTR_T_FLOAT:
        mtr_mb_put_float((float)raw, w, word_order);
        return METER_OK;
    case MTR_T_S16:
        if (raw < -32768 || raw > 32767)
            return METER_ERANGE;
        w[0] = (uint16_t)(int16_t)lround(raw);
        return METER_OK;
    case MTR_T_U16:
        if (raw < 0 || raw > 65535)
            return METER_ERANGE;
        w[0] = (uint16_t)lround(raw);
        return METER_OK;
    case MTR_T_COIL:
        w[0] = value != 0;
        return METER_OK;
    case MTR_T_HEXNUM:
        return encode_hex_digits(raw, r->words, w);
    case MTR_T_HEXTEXT: {
        if (!text || strlen(text) != (size_t)r->words * 4)
            return METER_ERANGE;
        for (unsigned i = 0; i < r->words; i++) {
            char part[5];
            memcpy(part, text + 4 * i, 4);
            part[4] = '\0';
            char *end;
            unsigned long x = strtoul(part, &end, 16);
            if (*end)
                return METER_ERANGE;
            w[i] = (uint16_t)x;
        }
        return METER_OK;
    }
    case MTR_T_ASCII: {
        size_t n = text ? strlen(text) : 0;
        if (n > (size_t)r->words * 2)
            return METER_ERANGE;
        for (unsigned i = 0; i < r->words; i++) {
            uint8_t hi = 2 * i < n ? (uint8_t)text[2 * i] : 0;
            uint8_t lo = 2 * i + 1 < n ? (uint8_t)text[2 * i + 1] : 0;
            w[i] = (uint16_t)(hi << 8 | lo);
        }
        return METER_OK;
    }
    case MTR_T_BAUDCODE:
        switch ((long)value) {
        case 1200: w[0] = 1; return METER_OK;
        case 2400: w[0] = 2; return METER_OK;
        case 4800: w[0] = 3; return METER_OK;
        case 9600: w[0] = 4; return METER_OK;
        default: return METER_ERANGE;
        }
    default:
        return METER_EINVAL;
    }
}
