/* SPDX-License-Identifier: MIT */
/* IEC 62056-21 programming-mode frames and their check characters: XOR (standard),
 * 7-bit sum (Energomera CE102M, Kamstrup) or none; building and scanning
 * SOH C D [STX data] ETX|EOT BCC, STX data ETX|EOT BCC, ACK and NAK. No I/O. */
#include <string.h>

#include "proto/status.h"
#include "proto/iec62056.h"

uint8_t mtr_iec_bcc_xor(const uint8_t *p, size_t n)
{
    uint8_t x = 0;
    for (size_t i = 0; i < n; i++)
        x ^= p[i];
    return (uint8_t)(x & 0x7F);
}

uint8_t mtr_iec_bcc_sum7(const uint8_t *p, size_t n)
{
    unsigned s = 0;
    for (size_t i = 0; i < n; i++)
        s += p[i];
    return (uint8_t)(s & 0x7F);
}

uint8_t mtr_iec_bcc(mtr_iec_bcc_t alg, const uint8_t *p, size_t n)
{
    return alg == MTR_IEC_BCC_SUM7 ? mtr_iec_bcc_sum7(p, n) : mtr_iec_bcc_xor(p, n);
}

int mtr_iec_bcc_check(mtr_iec_bcc_t alg, const uint8_t *p, size_t n, uint8_t got,
                      mtr_iec_bcc_t *matched)
{
    got &= 0x7F;
    mtr_iec_bcc_t m = alg;
    int rc = METER_OK;
    switch (alg) {
    case MTR_IEC_BCC_NONE:
        break;
    case MTR_IEC_BCC_XOR:
    case MTR_IEC_BCC_SUM7:
        if (mtr_iec_bcc(alg, p, n) != got)
            rc = METER_ECHECKSUM;
        break;
    case MTR_IEC_BCC_ANY:
    default:
        if (mtr_iec_bcc_xor(p, n) == got)
            m = MTR_IEC_BCC_XOR;
        else if (mtr_iec_bcc_sum7(p, n) == got)
            m = MTR_IEC_BCC_SUM7;
        else
            rc = METER_ECHECKSUM;
        break;
    }
    if (matched)
        *matched = rc == METER_OK ? m : MTR_IEC_BCC_NONE;
    return rc;
}

/* The check character of the built bytes: SUM7 or XOR, NONE and ANY build XOR. */
static void put_bcc(uint8_t *out, size_t from, size_t end, mtr_iec_bcc_t alg)
{
    out[end] = mtr_iec_bcc(alg, out + from, end - from);
}

int mtr_iec_cmd_build(uint8_t *out, size_t cap, char cmd, char type, const void *data,
                      size_t len, bool partial, mtr_iec_bcc_t alg, size_t *outlen)
{
    if (!out || !outlen || (!data && len))
        return METER_EINVAL;
    if (cmd < 'A' || cmd > 'Z' || type < '0' || type > '9')
        return METER_EINVAL;
    size_t need = 3 + (data ? 1 + len : 0) + 2;
    if (need > cap)
        return METER_EBUFSIZE;
    size_t k = 0;
    out[k++] = MTR_IEC_SOH;
    out[k++] = (uint8_t)cmd;
    out[k++] = (uint8_t)type;
    if (data) {
        out[k++] = MTR_IEC_STX;
        if (len)
            memcpy(out + k, data, len);
        k += len;
    }
    out[k++] = partial ? MTR_IEC_EOT : MTR_IEC_ETX;
    put_bcc(out, 1, k, alg);
    *outlen = k + 1;
    return METER_OK;
}

int mtr_iec_data_build(uint8_t *out, size_t cap, const void *data, size_t len, bool partial,
                       mtr_iec_bcc_t alg, size_t *outlen)
{
    if (!out || !outlen || (!data && len))
        return METER_EINVAL;
    if (len + 3 > cap)
        return METER_EBUFSIZE;
    out[0] = MTR_IEC_STX;
    if (len)
        memcpy(out + 1, data, len);
    out[len + 1] = partial ? MTR_IEC_EOT : MTR_IEC_ETX;
    put_bcc(out, 1, len + 2, alg);
    *outlen = len + 3;
    return METER_OK;
}

int mtr_iec_frame_build(uint8_t *out, size_t cap, const mtr_iec_frame_t *f, mtr_iec_bcc_t alg,
                        size_t *outlen)
{
    if (!out || !f || !outlen)
        return METER_EINVAL;
    switch (f->kind) {
    case MTR_IEC_FRAME_ACK:
    case MTR_IEC_FRAME_NAK:
        if (cap < 1)
            return METER_EBUFSIZE;
        out[0] = f->kind == MTR_IEC_FRAME_ACK ? MTR_IEC_ACK : MTR_IEC_NAK;
        *outlen = 1;
        return METER_OK;
    case MTR_IEC_FRAME_CMD:
        return mtr_iec_cmd_build(out, cap, f->cmd, f->type,
                                 f->has_data ? (f->data ? (const void *)f->data : "") : NULL,
                                 f->has_data ? f->data_len : 0, f->partial, alg, outlen);
    case MTR_IEC_FRAME_DATA:
        return mtr_iec_data_build(out, cap, f->data ? (const void *)f->data : "", f->data_len,
                                  f->partial, alg, outlen);
    }
    return METER_EINVAL;
}

/* Scan from the STX at buf[i] (inside a frame that started at buf[from]) for the data
 * end; on success, fill data, the end byte and the BCC position. */
static int scan_data(const uint8_t *buf, size_t len, size_t start, size_t from,
                     mtr_iec_frame_t *out, size_t *endpos, char *err, size_t errlen)
{
    for (size_t i = start; i < len; i++) {
        uint8_t c = buf[i] & 0x7F;
        if (i - from + 2 > MTR_IEC_FRAME_MAX)
            return mtr_perr(err, errlen, METER_ELIMIT,
                           "iec: no ETX within %d bytes of the frame start", MTR_IEC_FRAME_MAX);
        if (c == MTR_IEC_ETX || c == MTR_IEC_EOT) {
            out->data = buf + start;
            out->data_len = i - start;
            out->partial = c == MTR_IEC_EOT;
            *endpos = i;
            return MTR_IEC_COMPLETE;
        }
        if (c == MTR_IEC_SOH || c == MTR_IEC_STX)
            return mtr_perr(err, errlen, METER_EFRAME,
                           "iec: %s inside a frame's data at offset %zu",
                           c == MTR_IEC_SOH ? "SOH" : "STX", i);
    }
    if (len - from + 1 > MTR_IEC_FRAME_MAX)
        return mtr_perr(err, errlen, METER_ELIMIT, "iec: frame longer than %d bytes",
                       MTR_IEC_FRAME_MAX);
    return MTR_IEC_MORE;
}

int mtr_iec_frame_scan(const uint8_t *buf, size_t len, mtr_iec_bcc_t alg, mtr_iec_frame_t *out,
                       size_t *consumed, char *err, size_t errlen)
{
    if ((!buf && len) || !out || !consumed)
        return METER_EINVAL;
    memset(out, 0, sizeof *out);
    size_t i = 0;
    while (i < len && (buf[i] == 0 || buf[i] == '\r' || buf[i] == '\n'))
        i++; /* line noise and stray line ends before a frame */
    if (i == len)
        return MTR_IEC_MORE;
    size_t from = i;
    uint8_t c = buf[i] & 0x7F;
    size_t end = 0;
    int rc;
    switch (c) {
    case MTR_IEC_ACK:
    case MTR_IEC_NAK:
        out->kind = c == MTR_IEC_ACK ? MTR_IEC_FRAME_ACK : MTR_IEC_FRAME_NAK;
        *consumed = i + 1;
        return MTR_IEC_COMPLETE;
    case MTR_IEC_STX:
        out->kind = MTR_IEC_FRAME_DATA;
        out->has_data = true;
        rc = scan_data(buf, len, i + 1, from, out, &end, err, errlen);
        break;
    case MTR_IEC_SOH:
        out->kind = MTR_IEC_FRAME_CMD;
        if (len - i < 4)
            return MTR_IEC_MORE;
        out->cmd = (char)(buf[i + 1] & 0x7F);
        out->type = (char)(buf[i + 2] & 0x7F);
        if (out->cmd < 'A' || out->cmd > 'Z' || out->type < '0' || out->type > '9')
            return mtr_perr(err, errlen, METER_EFRAME,
                           "iec: SOH followed by 0x%02X 0x%02X, not a command and a type",
                           buf[i + 1], buf[i + 2]);
        c = buf[i + 3] & 0x7F;
        if (c == MTR_IEC_STX) {
            out->has_data = true;
            rc = scan_data(buf, len, i + 4, from, out, &end, err, errlen);
        } else if (c == MTR_IEC_ETX || c == MTR_IEC_EOT) {
            out->partial = c == MTR_IEC_EOT;
            end = i + 3;
            rc = MTR_IEC_COMPLETE;
        } else {
            return mtr_perr(err, errlen, METER_EFRAME,
                           "iec: command %c%c followed by 0x%02X, not STX or ETX", out->cmd,
                           out->type, buf[i + 3]);
        }
        break;
    default:
        return mtr_perr(err, errlen, METER_EFRAME,
                       "iec: 0x%02X at offset %zu does not start a frame", buf[i], i);
    }
    if (rc != MTR_IEC_COMPLETE)
        return rc;
    if (end + 1 >= len)
        return MTR_IEC_MORE; /* the check character is still to come */
    out->bcc = buf[end + 1] & 0x7F;
    /* With a parity bit still on the bytes (8-bit link), check the 7-bit characters. */
    uint8_t tmp[MTR_IEC_FRAME_MAX];
    size_t n = end - from;
    for (size_t k = 0; k < n; k++)
        tmp[k] = buf[from + 1 + k] & 0x7F;
    rc = mtr_iec_bcc_check(alg, tmp, n, out->bcc, &out->matched);
    if (rc != METER_OK)
        return mtr_perr(err, errlen, rc,
                       "iec: check character 0x%02X, expected 0x%02X (%s)", out->bcc,
                       mtr_iec_bcc(alg, tmp, n), alg == MTR_IEC_BCC_SUM7 ? "7-bit sum" : "XOR");
    *consumed = end + 2;
    return MTR_IEC_COMPLETE;
}

int mtr_iec_answer_status(const mtr_iec_frame_t *f, char *err, size_t errlen)
{
    if (!f)
        return METER_EINVAL;
    switch (f->kind) {
    case MTR_IEC_FRAME_NAK:
        return mtr_perr(err, errlen, METER_ENAK, "iec: the meter answered NAK");
    case MTR_IEC_FRAME_CMD:
        if (f->cmd == 'B')
            return mtr_perr(err, errlen, METER_ESTATE, "iec: the meter ended the session (B%c)",
                           f->type);
        return METER_OK;
    case MTR_IEC_FRAME_DATA:
        /* An error message is "(text)" with no address, text usually starting "ER". */
        if (f->data_len >= 4 && f->data[0] == '(' && (f->data[1] & 0xDF) == 'E' &&
            (f->data[2] & 0xDF) == 'R') {
            size_t n = 1;
            while (n < f->data_len && f->data[n] != ')')
                n++;
            return mtr_perr(err, errlen, METER_EAPPLICATION, "iec: the meter answered %.*s",
                           (int)(n < f->data_len ? n + 1 : n), (const char *)f->data);
        }
        return METER_OK;
    case MTR_IEC_FRAME_ACK:
    default:
        return METER_OK;
    }
}
