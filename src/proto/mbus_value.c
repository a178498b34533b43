/* SPDX-License-Identifier: MIT */
/* M-Bus value conversion (EN 13757-3 annex A types): little-endian signed
 * integers (type B), BCD with negative sign nibble (type A), real32 (type H),
 * dates G/F/I and time J, LVAR text/BCD/binary. Results point into the frame;
 * the only copy is mtr_mbus_text_copy() into a caller's buffer. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "proto/decimal.h"
#include "proto/status.h"
#include "proto/mbus.h"

int mtr_mbus_bcd_decode(const uint8_t *p, size_t n, int64_t *out)
{
    int64_t v = 0;
    int neg = 0;
    if (n == 0 || n > 9) /* 18 digits fit in int64 */
        return -1;
    for (size_t i = n; i-- > 0;) {
        unsigned hi = p[i] >> 4, lo = p[i] & 0x0F;
        if (i == n - 1 && hi == 0x0F) {
            neg = 1;
            hi = 0;
        }
        if (hi > 9 || lo > 9)
            return -1;
        v = v * 100 + (int64_t)(hi * 10 + lo);
    }
    *out = neg ? -v : v;
    return 0;
}

static uint64_t le_unsigned(const uint8_t *p, size_t n)
{
    uint64_t u = 0;
    for (size_t i = n; i-- > 0;)
        u = (u << 8) | p[i];
    return u;
}

static int64_t le_signed(const uint8_t *p, size_t n)
{
    uint64_t u = le_unsigned(p, n);
    if (n < 8 && (p[n - 1] & 0x80))
        u |= ~(uint64_t)0 << (8 * n); /* sign-extend */
    return (int64_t)u;
}

/* year from the 7-bit year field and, for type F, the hundred-year bits */
static uint16_t full_year(unsigned yy, unsigned hy)
{
    if (hy == 0 && yy <= 80)
        return (uint16_t)(2000 + yy);
    return (uint16_t)(1900 + 100 * hy + yy);
}

void mtr_mbus_date_g(const uint8_t *p, mtr_mbus_datetime_t *dt)
{
    memset(dt, 0, sizeof *dt);
    dt->day = p[0] & 0x1F;
    dt->month = p[1] & 0x0F;
    dt->year = full_year((unsigned)((p[0] >> 5) | ((p[1] >> 4) << 3)), 0);
    dt->invalid = p[0] == 0xFF && p[1] == 0xFF;
}

void mtr_mbus_datetime_f(const uint8_t *p, mtr_mbus_datetime_t *dt)
{
    memset(dt, 0, sizeof *dt);
    dt->minute = p[0] & 0x3F;
    dt->invalid = (p[0] >> 7) & 1;
    dt->hour = p[1] & 0x1F;
    dt->summer = (p[1] >> 7) & 1;
    dt->day = p[2] & 0x1F;
    dt->month = p[3] & 0x0F;
    dt->year = full_year((unsigned)((p[2] >> 5) | ((p[3] >> 4) << 3)), (p[1] >> 5) & 3);
}

void mtr_mbus_datetime_i(const uint8_t *p, mtr_mbus_datetime_t *dt)
{
    memset(dt, 0, sizeof *dt);
    dt->second = p[0] & 0x3F;
    dt->summer = (p[0] >> 6) & 1;
    dt->minute = p[1] & 0x3F;
    dt->invalid = (p[1] >> 7) & 1;
    dt->hour = p[2] & 0x1F;
    dt->day_of_week = p[2] >> 5;
    dt->day = p[3] & 0x1F;
    dt->month = p[4] & 0x0F;
    dt->year = full_year((unsigned)((p[3] >> 5) | ((p[4] >> 4) << 3)), 0);
    dt->week = p[5] & 0x3F;
    dt->has_seconds = 1;
}

size_t mtr_mbus_datetime_format(const mtr_mbus_datetime_t *dt, int with_time, char *out,
                                size_t cap)
{
    int k;
    if (!out || cap == 0)
        return 0;
    if (with_time)
        k = snprintf(out, cap, "%04u-%02u-%02uT%02u:%02u:%02uZ", dt->year, dt->month, dt->day,
                     dt->hour, dt->minute, dt->second);
    else
        k = snprintf(out, cap, "%04u-%02u-%02u", dt->year, dt->month, dt->day);
    if (k < 0)
        return 0;
    return (size_t)k < cap ? (size_t)k : cap - 1;
}

size_t mtr_mbus_datetime_format_local(const mtr_mbus_datetime_t *dt, int with_time, char *out,
                                      size_t cap)
{
    int k;
    if (!out || cap == 0)
        return 0;
    if (!with_time)
        k = snprintf(out, cap, "%04u-%02u-%02u", dt->year, dt->month, dt->day);
    else if (dt->has_seconds)
        k = snprintf(out, cap, "%04u-%02u-%02uT%02u:%02u:%02u", dt->year, dt->month, dt->day,
                     dt->hour, dt->minute, dt->second);
    else
        k = snprintf(out, cap, "%04u-%02u-%02uT%02u:%02u", dt->year, dt->month, dt->day,
                     dt->hour, dt->minute);
    if (k < 0) {
        out[0] = '\0';
        return 0;
    }
    return (size_t)k < cap ? (size_t)k : cap - 1;
}

/* one ISO 8859-1 byte as UTF-8 into dst at *k; 0 when it does not fit with a NUL */
static int put_latin1(uint8_t c, char *dst, size_t cap, size_t *k)
{
    if (c < 0x80) {
        if (*k + 1 >= cap)
            return 0;
        dst[(*k)++] = (char)c;
    } else {
        if (*k + 2 >= cap)
            return 0;
        dst[(*k)++] = (char)(0xC0 | (c >> 6));
        dst[(*k)++] = (char)(0x80 | (c & 0x3F));
    }
    return 1;
}

int mtr_mbus_latin1_to_utf8(const uint8_t *src, size_t n, char *dst, size_t cap)
{
    if (!dst || cap == 0)
        return METER_EBUFSIZE;
    size_t k = 0;
    int rc = METER_OK;
    for (size_t i = 0; i < n && src; i++)
        if (!put_latin1(src[i], dst, cap, &k)) {
            rc = METER_EBUFSIZE;
            break;
        }
    dst[k] = '\0';
    return rc;
}

int mtr_mbus_text_utf8(const uint8_t *wire, size_t n, char *dst, size_t cap)
{
    if (!dst || cap == 0)
        return METER_EBUFSIZE;
    size_t k = 0;
    int rc = METER_OK;
    for (size_t i = n; i-- > 0 && wire;)
        if (!put_latin1(wire[i], dst, cap, &k)) {
            rc = METER_EBUFSIZE;
            break;
        }
    dst[k] = '\0';
    return rc;
}

int mtr_mbus_text_copy(const uint8_t *wire, size_t n, char *out, size_t cap)
{
    if (!out || cap == 0)
        return METER_EBUFSIZE;
    size_t k = n < cap - 1 ? n : cap - 1;
    for (size_t i = 0; i < k; i++)
        out[i] = (char)wire[n - 1 - i];
    out[k] = '\0';
    return k == n ? METER_OK : METER_EBUFSIZE;
}

/* 10^e: the exact double from a table where there is one (0 ≤ e ≤ 22, the powers of
 * ten a double holds exactly, which pow() also gives), pow() beyond */
static double ten_to(int e)
{
    static const double p[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                               1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                               1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    return e >= 0 && e < (int)(sizeof p / sizeof p[0]) ? p[e] : pow(10.0, e);
}

double mtr_mbus_value_double(const mtr_mbus_value_t *v)
{
    switch (v->kind) {
    case MTR_MBUS_V_INT: /* the integer times 10^exp10, rounded once, also from 2^53 on */
        if (v->flags & MTR_MBUS_VAL_UNSIGNED)
            return mtr_decimal_scale(v->raw, 0, v->exp10);
        return mtr_decimal_scale(v->number < 0 ? 0 - (uint64_t)v->number : (uint64_t)v->number,
                                 v->number < 0, v->exp10);
    case MTR_MBUS_V_REAL:
        return v->exp10 < 0 ? v->real / ten_to(-v->exp10) : v->real * ten_to(v->exp10);
    default:
        return NAN;
    }
}

static int date_flags(mtr_mbus_value_t *v)
{
    if (v->dt.invalid)
        v->flags |= MTR_MBUS_VAL_INVALID;
    if (v->dt.summer)
        v->flags |= MTR_MBUS_VAL_SUMMER;
    return METER_OK;
}

int mtr_mbus_value_decode(const mtr_mbus_record_t *r, mtr_mbus_value_t *v, char *err,
                          size_t errlen)
{
    if (!r || !v)
        return mtr_perr(err, errlen, METER_EINVAL, "mbus: NULL argument");
    static const mtr_mbus_value_t blank; /* copied, not memset(): no `rep stos` start-up */
    *v = blank;
    v->exp10 = r->vi.exp10;
    const uint8_t *d = r->data;
    size_t n = r->data_len;
    if (r->function == MTR_MBUS_FN_ERROR_STATE)
        v->flags |= MTR_MBUS_VAL_ERROR_STATE;
    if (r->vi.record_error > 0) /* VIFE 00 = "no error" */
        v->flags |= MTR_MBUS_VAL_RECORD_ERROR;
    /* mode 2: numbers, BCD and dates most significant byte first; brought into
     * the LSB-first order every decoder below expects. Text and byte strings
     * stay as sent (docs/mbus-codec.md). */
    uint8_t rev[64];
    int is_text = r->data_field == MTR_MBUS_DF_LVAR && r->lvar <= 0xBF;
    if ((r->flags & MTR_MBUS_RF_MSB_FIRST) && r->has_vif && d && n > 1 && n <= sizeof rev &&
        !is_text && r->data_field != MTR_MBUS_DF_SPECIAL) {
        for (size_t i = 0; i < n; i++)
            rev[i] = d[n - 1 - i];
        d = rev;
    }

    if (!r->has_vif || r->data_field == MTR_MBUS_DF_SPECIAL) { /* 0F, 1F, 7F */
        v->kind = n ? MTR_MBUS_V_BYTES : MTR_MBUS_V_NONE;
        v->bytes = r->data;
        v->len = n;
        v->exp10 = 0;
        return METER_OK;
    }
    if (r->vi.meaning == MTR_MBUS_M_TIME_POINT) {
        switch (r->data_field) {
        case MTR_MBUS_DF_INT16:
            v->kind = MTR_MBUS_V_DATE;
            mtr_mbus_date_g(d, &v->dt);
            return date_flags(v);
        case MTR_MBUS_DF_INT32:
            v->kind = MTR_MBUS_V_DATETIME;
            mtr_mbus_datetime_f(d, &v->dt);
            return date_flags(v);
        case MTR_MBUS_DF_INT48:
            v->kind = MTR_MBUS_V_DATETIME;
            mtr_mbus_datetime_i(d, &v->dt);
            return date_flags(v);
        case MTR_MBUS_DF_INT24:
            v->kind = MTR_MBUS_V_TIME;
            v->dt.second = d[0] & 0x3F;
            v->dt.minute = d[1] & 0x3F;
            v->dt.hour = d[2] & 0x1F;
            v->dt.has_seconds = 1;
            return METER_OK;
        default:
            break; /* other types: decode the number as sent */
        }
    }
    switch (r->data_field) {
    case MTR_MBUS_DF_NONE:
    case MTR_MBUS_DF_SELECTION:
        v->kind = MTR_MBUS_V_NONE;
        return METER_OK;
    case MTR_MBUS_DF_INT8:
    case MTR_MBUS_DF_INT16:
    case MTR_MBUS_DF_INT24:
    case MTR_MBUS_DF_INT32:
    case MTR_MBUS_DF_INT48:
    case MTR_MBUS_DF_INT64:
        v->kind = MTR_MBUS_V_INT;
        v->raw = le_unsigned(d, n);
        if (r->vi.flags & MTR_MBUS_VF_UNSIGNED) { /* type C / D */
            v->flags |= MTR_MBUS_VAL_UNSIGNED;
            if (r->vi.flags & MTR_MBUS_VF_BITS)
                v->flags |= MTR_MBUS_VAL_BITS;
            v->number = v->raw > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)v->raw;
        } else {
            v->number = le_signed(d, n);
        }
        return METER_OK;
    case MTR_MBUS_DF_REAL32: {
        uint32_t bits = (uint32_t)d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 |
                        (uint32_t)d[3] << 24;
        float f;
        memcpy(&f, &bits, sizeof f);
        v->kind = MTR_MBUS_V_REAL;
        v->real = f;
        return METER_OK;
    }
    case MTR_MBUS_DF_LVAR:
        if (r->lvar <= 0xBF) {
            v->kind = MTR_MBUS_V_TEXT;
            v->bytes = r->data;
            v->len = n;
            return METER_OK;
        }
        if (r->lvar <= 0xC9 || (r->lvar >= 0xD0 && r->lvar <= 0xD9)) {
            int64_t x = 0;
            if (n && mtr_mbus_bcd_decode(d, n, &x) < 0)
                goto bad_bcd;
            v->kind = MTR_MBUS_V_INT;
            v->number = r->lvar >= 0xD0 ? -x : x;
            return METER_OK;
        }
        v->kind = MTR_MBUS_V_BYTES;
        v->bytes = r->data; /* as sent */
        v->len = n;
        return METER_OK;
    default: /* BCD 2..12 digits */
        if (mtr_mbus_bcd_decode(d, n, &v->number) < 0)
            goto bad_bcd;
        v->kind = MTR_MBUS_V_INT;
        return METER_OK;
    }
bad_bcd:
    v->kind = MTR_MBUS_V_BYTES;
    v->bytes = r->data; /* as sent */
    v->len = n;
    v->number = 0;
    v->flags |= MTR_MBUS_VAL_BCD_INVALID;
    return mtr_perr(err, errlen, METER_EVALUE, "mbus: BCD with a digit A-F at record offset %zu",
                   r->offset);
}
