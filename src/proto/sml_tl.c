/* SPDX-License-Identifier: MIT */
/* SML type-length fields: one- and multi-byte TL, the 00 (end of message) and 01
 * (absent optional) bytes, big-endian integers of any width 1..8 (3, 5, 6, 7 too),
 * and skipping a whole element. Every read is bounds-checked against the cursor. */
#include "proto/sml.h"
#include "proto/status.h"

uint64_t mtr_sml_be_uint(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n && i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}

int64_t mtr_sml_be_int(const uint8_t *p, size_t n)
{
    if (n == 0)
        return 0;
    if (n > 8)
        n = 8;
    uint64_t v = mtr_sml_be_uint(p, n);
    if (n < 8 && (p[0] & 0x80))
        v |= ~0ull << (8 * n); /* sign-extend from bit 7 of the first byte */
    /* two's complement without implementation-defined conversion */
    return (v & 0x8000000000000000ull) ? -(int64_t)(~v) - 1 : (int64_t)v;
}

int mtr_sml_tl_read(mtr_sml_cursor_t *c, mtr_sml_tl_t *tl, char *err, size_t errlen)
{
    size_t at = c->off;
    if (at >= c->n)
        return mtr_perr(err, errlen, METER_ETRUNCATED, "sml: TL expected at offset %zu, data ends",
                        at);
    uint8_t b = c->p[at];
    tl->data = NULL;
    if (b == 0x00 || b == 0x01) {
        tl->type = b == 0x00 ? MTR_SML_T_END : MTR_SML_T_ABSENT;
        tl->len = 0;
        tl->tl_len = 1;
        c->off = at + 1;
        return METER_OK;
    }
    unsigned type = (b >> 4) & 7u;
    size_t len = b & 0x0Fu, n = 1;
    while (b & 0x80) {
        if (n >= MTR_SML_TL_MAX)
            return mtr_perr(err, errlen, METER_ELIMIT, "sml: TL at offset %zu longer than %d bytes",
                            at, MTR_SML_TL_MAX);
        if (at + n >= c->n)
            return mtr_perr(err, errlen, METER_ETRUNCATED, "sml: TL at offset %zu cut short", at);
        b = c->p[at + n++];
        if (b & 0x70)
            return mtr_perr(err, errlen, METER_EFRAME,
                            "sml: TL continuation byte %02x at offset %zu has a type", b,
                            at + n - 1);
        len = (len << 4) | (b & 0x0Fu);
    }
    tl->tl_len = n;
    switch (type) {
    case MTR_SML_T_LIST:
        tl->type = MTR_SML_T_LIST;
        tl->len = len;
        c->off = at + n;
        return METER_OK;
    case MTR_SML_T_OCTETS: case MTR_SML_T_BOOL: case MTR_SML_T_INT: case MTR_SML_T_UINT:
        break;
    default:
        return mtr_perr(err, errlen, METER_EFRAME, "sml: reserved type %u at offset %zu", type, at);
    }
    if (len < n)
        return mtr_perr(err, errlen, METER_EFRAME,
                        "sml: length %zu at offset %zu is below the TL's own %zu bytes", len, at, n);
    len -= n; /* scalars count their TL bytes */
    tl->type = (mtr_sml_type_t)type;
    tl->len = len;
    if ((type == MTR_SML_T_INT || type == MTR_SML_T_UINT) && (len < 1 || len > 8))
        return mtr_perr(err, errlen, METER_EFRAME, "sml: integer of %zu bytes at offset %zu", len,
                        at);
    if (type == MTR_SML_T_BOOL && len != 1)
        return mtr_perr(err, errlen, METER_EFRAME, "sml: boolean of %zu bytes at offset %zu", len,
                        at);
    if (len > c->n - (at + n))
        return mtr_perr(err, errlen, METER_ETRUNCATED,
                        "sml: %zu data bytes at offset %zu, only %zu left", len, at,
                        c->n - (at + n));
    tl->data = c->p + at + n;
    c->off = at + n + len;
    return METER_OK;
}

int mtr_sml_skip(mtr_sml_cursor_t *c, unsigned depth, char *err, size_t errlen)
{
    mtr_sml_tl_t tl;
    int rc = mtr_sml_tl_read(c, &tl, err, errlen);
    if (rc < 0)
        return rc;
    if (tl.type == MTR_SML_T_END)
        return mtr_perr(err, errlen, METER_EFRAME, "sml: end of message at offset %zu inside a list",
                        c->off - 1);
    if (tl.type != MTR_SML_T_LIST)
        return METER_OK;
    if (depth >= MTR_SML_DEPTH_MAX)
        return mtr_perr(err, errlen, METER_ELIMIT, "sml: lists nested deeper than %d",
                        MTR_SML_DEPTH_MAX);
    for (size_t i = 0; i < tl.len; i++)
        if ((rc = mtr_sml_skip(c, depth + 1, err, errlen)) < 0)
            return rc;
    return METER_OK;
}
