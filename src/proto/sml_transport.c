/* SPDX-License-Identifier: MIT */
/* SML transport v1: an incremental parser for 1B1B1B1B 01010101 ... 1B1B1B1B 1A pp c1 c2
 * frames. Byte by byte, so chunking never changes the result; hunts for the start
 * sequence after every error. Removes escapes and padding, checks the transport CRC
 * over the raw bytes. It does not look inside the SML file (sml_message.c does). */
#include <string.h>

#include "proto/sml.h"
#include "proto/status.h"

#define START_SEQ 0x1B1B1B1B01010101ull

enum { ST_HUNT = 0, ST_DATA, ST_PAYLOAD };

void mtr_sml_stream_init(mtr_sml_stream_t *s, unsigned flags)
{
    memset(s, 0, sizeof *s);
    s->flags = flags;
    s->state = ST_HUNT;
}

static void begin(mtr_sml_stream_t *s)
{
    static const uint8_t start[8] = {0x1B, 0x1B, 0x1B, 0x1B, 0x01, 0x01, 0x01, 0x01};
    s->x25 = 0xFFFF;
    s->kermit = 0;
    for (int i = 0; i < 8; i++) {
        s->x25 = mtr_sml_crc_update(s->x25, start[i]);
        s->kermit = mtr_sml_crc_update(s->kermit, start[i]);
    }
    s->raw_len = 8;
    s->len = 0;
    s->nesc = 0;
    s->npay = 0;
    s->state = ST_DATA;
}

static void crc_add(mtr_sml_stream_t *s, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        s->x25 = mtr_sml_crc_update(s->x25, p[i]);
        s->kermit = mtr_sml_crc_update(s->kermit, p[i]);
    }
}

/* decoded bytes never outnumber raw ones, and raw ones are bounded before this */
static void push(mtr_sml_stream_t *s, uint8_t b, size_t times)
{
    while (times--)
        s->buf[s->len++] = b;
}

/* drop the frame being read: back to hunting, last8 keeps the recent raw bytes */
static int drop(mtr_sml_stream_t *s, int status)
{
    s->state = ST_HUNT;
    s->len = 0;
    s->frames_bad++;
    return status;
}

/* the end escape 1B1B1B1B 1A pp c1 c2 is complete in s->pay */
static int end_frame(mtr_sml_stream_t *s, mtr_sml_frame_t *f, char *err, size_t errlen)
{
    crc_add(s, s->pay, 2);
    uint16_t x25 = (uint16_t)(s->x25 ^ 0xFFFF), kermit = s->kermit;
    uint16_t lo_first = (uint16_t)(s->pay[2] | (s->pay[3] << 8));
    uint16_t hi_first = (uint16_t)((s->pay[2] << 8) | s->pay[3]);
    mtr_sml_crc_kind_t kind;
    if (lo_first == x25)
        kind = MTR_SML_CRC_X25;
    else if ((s->flags & MTR_SML_OPT_X25_SWAPPED) && hi_first == x25)
        kind = MTR_SML_CRC_X25_SWAPPED;
    else if ((s->flags & MTR_SML_OPT_KERMIT) && hi_first == kermit)
        kind = MTR_SML_CRC_KERMIT;
    else
        return drop(s, mtr_perr(err, errlen, METER_ECHECKSUM,
                                "sml: transport CRC field %02x%02x, X.25 %04x (%zu raw bytes)",
                                s->pay[2], s->pay[3], x25, s->raw_len));
    size_t esc_at = s->raw_len - 8;
    if (esc_at % 4)
        return drop(s, mtr_perr(err, errlen, METER_EFRAME,
                                "sml: end escape at offset %zu is off the 4-byte grid", esc_at));
    unsigned pad = s->pay[1];
    if (pad > s->len)
        return drop(s, mtr_perr(err, errlen, METER_EFRAME,
                                "sml: %u fill bytes announced, frame holds %zu", pad, s->len));
    for (unsigned i = 0; i < pad; i++)
        if (s->buf[s->len - 1 - i] != 0)
            return drop(s, mtr_perr(err, errlen, METER_EFRAME, "sml: fill byte %02x is not 00",
                                    s->buf[s->len - 1 - i]));
    s->len -= pad;
    memset(f, 0, sizeof *f);
    f->data = s->buf;
    f->len = s->len;
    f->raw_len = s->raw_len;
    f->padding = pad;
    f->crc = kind;
    f->transport_ok = true;
    s->state = ST_HUNT;
    s->frames_ok++;
    return MTR_SML_FRAME;
}

static int escape(mtr_sml_stream_t *s, mtr_sml_frame_t *f, char *err, size_t errlen)
{
    const uint8_t *p = s->pay;
    if (p[0] == 0x1B && p[1] == 0x1B && p[2] == 0x1B && p[3] == 0x1B) {
        crc_add(s, p, 4); /* four data bytes 1B, sent doubled */
        push(s, 0x1B, 4);
        s->state = ST_DATA;
        return MTR_SML_NEED_MORE;
    }
    if (p[0] == 0x01 && p[1] == 0x01 && p[2] == 0x01 && p[3] == 0x01) {
        size_t lost = s->raw_len - 8;
        s->frames_bad++;
        begin(s);
        return mtr_perr(err, errlen, METER_ETRUNCATED,
                        "sml: a start sequence interrupted the frame after %zu bytes", lost);
    }
    if (p[0] == 0x1A)
        return end_frame(s, f, err, errlen);
    /* Data ending in 1..3 bytes 1B just before the end escape: the four 1B seen were
     * not aligned; the first k of them are data when the payload starts with k more
     * 1B and then 1A at the aligned place. */
    size_t esc_at = s->raw_len - 8;
    unsigned k = (unsigned)((4 - esc_at % 4) % 4);
    if (k) {
        bool ok = p[k] == 0x1A;
        for (unsigned i = 0; i < k; i++)
            ok = ok && p[i] == 0x1B;
        if (ok) {
            crc_add(s, p, k);
            push(s, 0x1B, k);
            memmove(s->pay, s->pay + k, 4 - k);
            s->npay = 4 - k;
            return MTR_SML_NEED_MORE;
        }
    }
    return drop(s, mtr_perr(err, errlen, METER_EFRAME,
                            "sml: invalid escape 1b1b1b1b %02x%02x%02x%02x", p[0], p[1], p[2],
                            p[3]));
}

static int step(mtr_sml_stream_t *s, uint8_t b, mtr_sml_frame_t *f, char *err, size_t errlen)
{
    s->last8 = (s->last8 << 8) | b;
    if (s->state == ST_HUNT) {
        if (s->last8 == START_SEQ)
            begin(s);
        return MTR_SML_NEED_MORE;
    }
    if (++s->raw_len > MTR_SML_FRAME_MAX)
        return drop(s, mtr_perr(err, errlen, METER_ELIMIT,
                                "sml: frame longer than %d bytes", MTR_SML_FRAME_MAX));
    if (s->state == ST_PAYLOAD) {
        s->pay[s->npay++] = b;
        return s->npay < 4 ? MTR_SML_NEED_MORE : escape(s, f, err, errlen);
    }
    crc_add(s, &b, 1);
    if (b == 0x1B) {
        if (++s->nesc == 4) {
            s->nesc = 0;
            s->npay = 0;
            s->state = ST_PAYLOAD;
        }
        return MTR_SML_NEED_MORE;
    }
    push(s, 0x1B, s->nesc);
    s->nesc = 0;
    push(s, b, 1);
    return MTR_SML_NEED_MORE;
}

int mtr_sml_stream_feed(mtr_sml_stream_t *s, const uint8_t *in, size_t n, size_t *used,
                        mtr_sml_frame_t *frame, char *err, size_t errlen)
{
    size_t i = 0;
    int rc = MTR_SML_NEED_MORE;
    mtr_sml_frame_t dummy;
    if (!frame)
        frame = &dummy;
    if (s && s->state == ST_HUNT)
        s->len = 0; /* the frame delivered last is no longer valid */
    if (!s || (!in && n)) {
        rc = mtr_perr(err, errlen, METER_EINVAL, "sml: NULL argument");
    } else {
        while (i < n && rc == MTR_SML_NEED_MORE)
            rc = step(s, in[i++], frame, err, errlen);
    }
    if (used)
        *used = i;
    return rc;
}

int mtr_sml_stream_finish(mtr_sml_stream_t *s, char *err, size_t errlen)
{
    int rc = METER_OK;
    if (s->state != ST_HUNT) {
        rc = mtr_perr(err, errlen, METER_ETRUNCATED, "sml: input ended %zu bytes into a frame",
                      s->raw_len);
        s->frames_bad++;
    }
    s->state = ST_HUNT;
    s->last8 = 0;
    s->len = 0;
    return rc;
}
