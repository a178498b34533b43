/* SPDX-License-Identifier: MIT */
/* Modbus ADUs as libmeter frames and checks them, pure: a request's ADU (RTU:
 * id, PDU, CRC; TCP: MBAP with our transaction id), and the verdict on the
 * bytes received so far: our reply, an exception, a stray that belongs to
 * somebody else, or garbage. No I/O: modbus_link.c feeds it the bytes. */
#include <string.h>

#include "protocols/modbus/modbus_internal.h"

static size_t request_pdu(const struct mtr_mb_req *r, uint8_t *pdu)
{
    uint16_t v = r->fc == 5 || r->fc == 6 ? r->src[0] : r->count;
    pdu[0] = r->fc;
    pdu[1] = (uint8_t)(r->addr >> 8);
    pdu[2] = (uint8_t)r->addr;
    pdu[3] = (uint8_t)(v >> 8);
    pdu[4] = (uint8_t)v;
    if (r->fc != 16)
        return 5;
    pdu[5] = (uint8_t)(2 * r->count);
    for (unsigned i = 0; i < r->count; i++) {
        pdu[6 + 2 * i] = (uint8_t)(r->src[i] >> 8);
        pdu[7 + 2 * i] = (uint8_t)r->src[i];
    }
    return 6 + 2u * r->count;
}

size_t mtr_mb_adu_build(const struct mtr_mb_req *r, uint8_t *buf, size_t cap)
{
    uint8_t pdu[256];
    if (r->fc == 16 && (r->count < 1 || r->count > 123))
        return 0;
    size_t n = request_pdu(r, pdu);
    if (!r->tcp)
        return mtr_mb_rtu_frame(buf, cap, r->unit, pdu, n);
    if (cap < n + 7)
        return 0;
    uint8_t h[7] = {(uint8_t)(r->tid >> 8), (uint8_t)r->tid, 0, 0, (uint8_t)((n + 1) >> 8),
                    (uint8_t)(n + 1), r->unit};
    memcpy(buf, h, 7);
    memcpy(buf + 7, pdu, n);
    return n + 7;
}

unsigned mtr_mb_reply_bytes(uint8_t fc, uint16_t count)
{
    return fc == 3 ? 2u * count : fc == 1 ? (count + 7u) / 8u : 0;
}

size_t mtr_mb_reply_len(const struct mtr_mb_req *r)
{
    size_t pdu = r->fc == 1 || r->fc == 3 ? 2 + mtr_mb_reply_bytes(r->fc, r->count) : 5;
    return pdu + (r->tcp ? 7 : 3);
}

static int unit_ok(const struct mtr_mb_req *r, uint8_t unit)
{
    return unit == r->unit || (r->any_unit && (unit == 0 || unit == 255));
}

/* Does the PDU (fc first, n bytes) answer the request? 1 yes (values into dst), 0 no. */
static int pdu_answers(const struct mtr_mb_req *r, const uint8_t *p, size_t n, uint16_t *dst)
{
    if (p[0] != r->fc)
        return 0;
    if (r->fc == 1 || r->fc == 3) {
        unsigned bc = mtr_mb_reply_bytes(r->fc, r->count);
        if (n != 2 + bc || p[1] != bc)
            return 0;
        for (unsigned i = 0; dst && i < r->count; i++)
            dst[i] = r->fc == 3 ? (uint16_t)(p[2 + 2 * i] << 8 | p[3 + 2 * i])
                                : (uint16_t)((p[2 + i / 8] >> (i % 8)) & 1);
        return 1;
    }
    if (n != 5)
        return 0;
    uint16_t a = (uint16_t)(p[1] << 8 | p[2]), v = (uint16_t)(p[3] << 8 | p[4]);
    uint16_t want = r->fc == 16 ? r->count : r->src[0];
    return a == r->addr && v == want;
}

static int scan_tcp(const struct mtr_mb_req *r, const uint8_t *p, size_t n, size_t *used,
                    int *excode, uint16_t *dst)
{
    if (n < 7)
        return MTR_MB_NEED;
    unsigned tid = (unsigned)(p[0] << 8 | p[1]), pid = (unsigned)(p[2] << 8 | p[3]);
    unsigned len = (unsigned)(p[4] << 8 | p[5]);
    if (pid != 0 || len < 2 || len > 254) {
        *used = n;
        return MTR_MB_GARBLED; /* not an MBAP header: the stream lost its framing */
    }
    if (n < 6 + len)
        return MTR_MB_NEED;
    *used = 6 + len;
    if (tid != r->tid)
        return MTR_MB_STRAY_TID;
    if (!unit_ok(r, p[6]))
        return MTR_MB_STRAY_UNIT;
    if (p[7] == (r->fc | 0x80)) {
        if (len != 3)
            return MTR_MB_MISMATCH;
        *excode = p[8];
        return MTR_MB_EXCEPTION;
    }
    return pdu_answers(r, p + 7, len - 1, dst) ? MTR_MB_MINE : MTR_MB_MISMATCH;
}

/* Does an RTU frame starting at p look like this request's reply (or its exception)?
 * Before the byte count is there, a read's head is given the benefit of the doubt. */
static int rtu_head_ours(const struct mtr_mb_req *r, const uint8_t *p, size_t n)
{
    if (!n || p[0] != r->unit)
        return 0;
    if (n < 2)
        return 1;
    if (p[1] == (r->fc | 0x80))
        return 1;
    if (p[1] != r->fc)
        return 0;
    if (r->fc == 5 || r->fc == 6 || r->fc == 16)
        return 1;
    return n < 3 || p[2] == mtr_mb_reply_bytes(r->fc, r->count);
}

static int scan_rtu(const struct mtr_mb_req *r, const uint8_t *p, size_t n, size_t *used,
                    int *excode, uint16_t *dst)
{
    if (n < 2)
        return MTR_MB_NEED;
    uint8_t fc = p[1];
    size_t len;
    if (fc & 0x80)
        len = 5;
    else if (fc >= 1 && fc <= 4) {
        if (n < 3)
            return MTR_MB_NEED;
        len = 5 + (size_t)p[2];
    } else if (fc == 5 || fc == 6 || fc == 15 || fc == 16)
        len = 8;
    else {
        *used = 1; /* no Modbus reply starts so: look for one further on */
        return MTR_MB_GARBLED;
    }
    /* our reply's (or our exception's) head: a bad CRC there is our reply garbled */
    int ours = rtu_head_ours(r, p, n);
    if (n < len)
        return MTR_MB_NEED;
    uint16_t crc = mtr_mb_crc16(p, len - 2);
    if (p[len - 2] != (crc & 0xFF) || p[len - 1] != (crc >> 8)) {
        *used = ours ? len : 1;
        return ours ? MTR_MB_BADCRC : MTR_MB_GARBLED;
    }
    *used = len;
    if (!unit_ok(r, p[0]))
        return MTR_MB_STRAY_UNIT;
    if (fc == (r->fc | 0x80)) {
        *excode = p[2];
        return MTR_MB_EXCEPTION;
    }
    /* a whole frame from this unit that does not answer this request: a late reply */
    return pdu_answers(r, p + 1, len - 3, dst) ? MTR_MB_MINE : MTR_MB_STRAY_LATE;
}

int mtr_mb_adu_scan(const struct mtr_mb_req *r, const uint8_t *p, size_t n, size_t *used,
                    int *excode, uint16_t *dst)
{
    *used = 0;
    return r->tcp ? scan_tcp(r, p, n, used, excode, dst) : scan_rtu(r, p, n, used, excode, dst);
}

size_t mtr_mb_rtu_resync(const struct mtr_mb_req *r, const uint8_t *p, size_t n)
{
    if (r->tcp || rtu_head_ours(r, p, n))
        return 0;
    for (size_t k = 1; k + 5 <= n; k++) {
        size_t used = 0;
        int ex = 0;
        int v = scan_rtu(r, p + k, n - k, &used, &ex, NULL);
        if (v != MTR_MB_NEED && v != MTR_MB_GARBLED && v != MTR_MB_BADCRC)
            return k; /* a whole frame, CRC right: what came before it starts nothing */
    }
    return 0;
}

const char *mtr_mb_exception_name(int code)
{
    switch (code) {
    case 1: return "illegal function";
    case 2: return "illegal data address";
    case 3: return "illegal data value";
    case 4: return "slave device failure";
    case 5: return "acknowledge";
    case 6: return "slave device busy";
    case 8: return "memory parity error";
    case 10: return "gateway path unavailable";
    case 11: return "gateway target failed to respond";
    default: return "unknown";
    }
}
