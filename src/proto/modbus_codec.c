/* SPDX-License-Identifier: MIT */
/* Modbus value codec, pure: CRC-16, floats by shifts (Debian's libmodbus
 * 3.1.6 float setters are broken), HEX-digit and ASCII registers, and the
 * decoding and encoding of one field (a float's decimal value comes from
 * proto/decimal.c). No I/O, no heap. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "proto/decimal.h"
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
