/* SPDX-License-Identifier: MIT */
/* M-Bus link layer (EN 13757-2, FT1.2): checksum, one-shot frame parser,
 * builders for master requests (SND_NKE, REQ_UD2, SND_UD, selection, address
 * and baud changes) and the incremental, resynchronising stream parser.
 * No I/O and no timers: the session decides when a partial frame is stale. */
#include <ctype.h>
#include <string.h>

#include "proto/status.h"
#include "proto/mbus.h"

uint8_t mtr_mbus_checksum(const uint8_t *p, size_t n)
{
    unsigned s = 0;
    for (size_t i = 0; i < n; i++)
        s += p[i];
    return (uint8_t)(s & 0xFF);
}

int mtr_mbus_c_is_request(uint8_t c)
{
    return (c & MTR_MBUS_C_PRM) != 0;
}

const char *mtr_mbus_frame_kind_name(unsigned kind)
{
    switch (kind) {
    case MTR_MBUS_FRAME_ACK: return "single-character acknowledgement (E5)";
    case MTR_MBUS_FRAME_SHORT: return "short frame";
    case MTR_MBUS_FRAME_CONTROL: return "control frame";
    case MTR_MBUS_FRAME_LONG: return "long frame";
    default: return "unknown";
    }
}

int mtr_mbus_frame_parse(const uint8_t *buf, size_t len, mtr_mbus_frame_t *out, size_t *need,
                         char *err, size_t errlen)
{
    mtr_mbus_frame_t f;
    memset(&f, 0, sizeof f);
    if (need)
        *need = 0;
    if (!buf || !out)
        return mtr_perr(err, errlen, METER_EINVAL, "mbus: NULL argument");
    if (len < 1) {
        if (need)
            *need = 1;
        return mtr_perr(err, errlen, METER_ETRUNCATED, "mbus: empty frame");
    }
    switch (buf[0]) {
    case MTR_MBUS_ACK:
        f.kind = MTR_MBUS_FRAME_ACK;
        f.size = 1;
        break;
    case MTR_MBUS_START_SHORT:
        if (len < 5) {
            if (need)
                *need = 5 - len;
            return mtr_perr(err, errlen, METER_ETRUNCATED, "mbus: short frame needs 5 bytes, have %zu",
                           len);
        }
        if (buf[4] != MTR_MBUS_STOP)
            return mtr_perr(err, errlen, METER_EFRAME, "mbus: short frame stop byte is %02X, not 16",
                           buf[4]);
        if (mtr_mbus_checksum(buf + 1, 2) != buf[3])
            return mtr_perr(err, errlen, METER_ECHECKSUM,
                           "mbus: short frame checksum %02X, computed %02X", buf[3],
                           mtr_mbus_checksum(buf + 1, 2));
        f.kind = MTR_MBUS_FRAME_SHORT;
        f.c = buf[1];
        f.a = buf[2];
        f.size = 5;
        break;
    case MTR_MBUS_START_LONG: {
        if (len < 4) {
            if (need)
                *need = 4 - len;
            return mtr_perr(err, errlen, METER_ETRUNCATED, "mbus: long frame header needs 4 bytes");
        }
        if (buf[1] != buf[2])
            return mtr_perr(err, errlen, METER_EFRAME, "mbus: length bytes differ (%02X, %02X)",
                           buf[1], buf[2]);
        if (buf[1] < 3)
            return mtr_perr(err, errlen, METER_EFRAME, "mbus: length %u is below 3", buf[1]);
        if (buf[3] != MTR_MBUS_START_LONG)
            return mtr_perr(err, errlen, METER_EFRAME, "mbus: second start byte is %02X, not 68",
                           buf[3]);
        size_t l = buf[1], total = l + 6;
        if (len < total) {
            if (need)
                *need = total - len;
            return mtr_perr(err, errlen, METER_ETRUNCATED,
                           "mbus: long frame needs %zu bytes, have %zu", total, len);
        }
        if (buf[total - 1] != MTR_MBUS_STOP)
            return mtr_perr(err, errlen, METER_EFRAME, "mbus: stop byte is %02X, not 16",
                           buf[total - 1]);
        uint8_t cs = mtr_mbus_checksum(buf + 4, l);
        if (cs != buf[total - 2])
            return mtr_perr(err, errlen, METER_ECHECKSUM, "mbus: checksum %02X, computed %02X",
                           buf[total - 2], cs);
        f.kind = l == 3 ? MTR_MBUS_FRAME_CONTROL : MTR_MBUS_FRAME_LONG;
        f.c = buf[4];
        f.a = buf[5];
        f.ci = buf[6];
        f.data = l > 3 ? buf + 7 : NULL;
        f.data_len = l - 3;
        f.size = total;
        break;
    }
    default:
        return mtr_perr(err, errlen, METER_EFRAME, "mbus: byte %02X starts no frame", buf[0]);
    }
    *out = f;
    return METER_OK;
}

/* ---- builders ----------------------------------------------------------- */

int mtr_mbus_build_short(uint8_t *buf, size_t cap, uint8_t c, uint8_t a, size_t *out_len)
{
    if (!buf || !out_len)
        return METER_EINVAL;
    if (cap < 5)
        return METER_EBUFSIZE;
    buf[0] = MTR_MBUS_START_SHORT;
    buf[1] = c;
    buf[2] = a;
    buf[3] = (uint8_t)(c + a);
    buf[4] = MTR_MBUS_STOP;
    *out_len = 5;
    return METER_OK;
}

int mtr_mbus_build_long(uint8_t *buf, size_t cap, uint8_t c, uint8_t a, uint8_t ci,
                        const uint8_t *data, size_t n, size_t *out_len)
{
    if (!buf || !out_len || (n && !data) || n > MTR_MBUS_DATA_MAX)
        return METER_EINVAL;
    if (cap < n + 9)
        return METER_EBUFSIZE;
    buf[0] = MTR_MBUS_START_LONG;
    buf[1] = buf[2] = (uint8_t)(n + 3);
    buf[3] = MTR_MBUS_START_LONG;
    buf[4] = c;
    buf[5] = a;
    buf[6] = ci;
    if (n)
        memmove(buf + 7, data, n);
    buf[7 + n] = mtr_mbus_checksum(buf + 4, n + 3);
    buf[8 + n] = MTR_MBUS_STOP;
    *out_len = n + 9;
    return METER_OK;
}

int mtr_mbus_build_snd_nke(uint8_t *buf, size_t cap, uint8_t a, size_t *out_len)
{
    return mtr_mbus_build_short(buf, cap, MTR_MBUS_C_SND_NKE, a, out_len);
}

int mtr_mbus_build_req_ud2(uint8_t *buf, size_t cap, uint8_t a, int fcb, size_t *out_len)
{
    uint8_t c = (uint8_t)(MTR_MBUS_C_REQ_UD2 | (fcb ? MTR_MBUS_C_FCB : 0));
    return mtr_mbus_build_short(buf, cap, c, a, out_len);
}

int mtr_mbus_build_snd_ud(uint8_t *buf, size_t cap, uint8_t a, int fcb, uint8_t ci,
                          const uint8_t *data, size_t n, size_t *out_len)
{
    uint8_t c = (uint8_t)(MTR_MBUS_C_SND_UD | (fcb ? MTR_MBUS_C_FCB : 0));
    return mtr_mbus_build_long(buf, cap, c, a, ci, data, n, out_len);
}

int mtr_mbus_build_select(uint8_t *buf, size_t cap, const mtr_mbus_secondary_t *sel, uint8_t c,
                          size_t *out_len)
{
    if (!sel)
        return METER_EINVAL;
    uint8_t d[8] = {
        (uint8_t)(sel->id & 0xFF),         (uint8_t)((sel->id >> 8) & 0xFF),
        (uint8_t)((sel->id >> 16) & 0xFF), (uint8_t)((sel->id >> 24) & 0xFF),
        (uint8_t)(sel->man & 0xFF),        (uint8_t)(sel->man >> 8),
        sel->version,                      sel->medium,
    };
    return mtr_mbus_build_long(buf, cap, c, MTR_MBUS_ADDR_SELECTED, 0x52, d, sizeof d, out_len);
}

static int hexval(int ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    ch = tolower(ch);
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    return -1;
}

int mtr_mbus_secondary_parse(const char *s, mtr_mbus_secondary_t *out, char *err, size_t errlen)
{
    if (!s || !out)
        return mtr_perr(err, errlen, METER_EINVAL, "mbus: NULL argument");
    uint8_t nib[16];
    size_t i;
    for (i = 0; i < 16 && s[i]; i++) {
        int v = hexval((unsigned char)s[i]);
        if (v < 0)
            return mtr_perr(err, errlen, METER_EINVAL,
                           "mbus: secondary address: '%c' is not a hex digit", s[i]);
        nib[i] = (uint8_t)v;
    }
    if (i != 16 || s[16])
        return mtr_perr(err, errlen, METER_EINVAL,
                       "mbus: secondary address needs 16 hex digits (ID MAN VER MED)");
    for (i = 0; i < 8; i++)
        if (nib[i] > 9 && nib[i] != 0xF)
            return mtr_perr(err, errlen, METER_EINVAL,
                           "mbus: secondary address: ID digits are 0-9 or F (wildcard)");
    uint32_t id = 0;
    for (i = 0; i < 8; i++)
        id = (id << 4) | nib[i];
    out->id = id;
    /* MAN as its two wire bytes, e.g. "CD25" for INM */
    out->man = (uint16_t)((nib[8] << 4 | nib[9]) | (nib[10] << 4 | nib[11]) << 8);
    out->version = (uint8_t)(nib[12] << 4 | nib[13]);
    out->medium = (uint8_t)(nib[14] << 4 | nib[15]);
    return METER_OK;
}

int mtr_mbus_build_set_address(uint8_t *buf, size_t cap, uint8_t a, int fcb, unsigned new_addr,
                               size_t *out_len)
{
    if (new_addr > MTR_MBUS_ADDR_MAX_PRIMARY)
        return METER_ERANGE;
    uint8_t d[3] = {0x01, 0x7A, (uint8_t)new_addr};
    return mtr_mbus_build_snd_ud(buf, cap, a, fcb, 0x51, d, sizeof d, out_len);
}

static const unsigned baud_by_ci[8] = {300, 600, 1200, 2400, 4800, 9600, 19200, 38400};

unsigned mtr_mbus_ci_baud(uint8_t ci)
{
    return (ci >= 0xB8 && ci <= 0xBF) ? baud_by_ci[ci - 0xB8] : 0;
}

int mtr_mbus_build_set_baud(uint8_t *buf, size_t cap, uint8_t a, unsigned baud, size_t *out_len)
{
    for (unsigned i = 0; i < 8; i++)
        if (baud_by_ci[i] == baud)
            return mtr_mbus_build_long(buf, cap, MTR_MBUS_C_SND_UD, a, (uint8_t)(0xB8 + i), NULL,
                                       0, out_len);
    return METER_ERANGE;
}

/* ---- stream parser ------------------------------------------------------ */

void mtr_mbus_parser_init(mtr_mbus_parser_t *p)
{
    memset(p, 0, sizeof *p);
}

void mtr_mbus_parser_expect_echo(mtr_mbus_parser_t *p, const uint8_t *sent, size_t n)
{
    if (!sent || n == 0 || n > sizeof p->echo) {
        p->echo_len = 0;
        return;
    }
    memcpy(p->echo, sent, n);
    p->echo_len = n;
}

size_t mtr_mbus_parser_pending(const mtr_mbus_parser_t *p)
{
    return p->len - p->deliver;
}

static void drop(mtr_mbus_parser_t *p, size_t k)
{
    if (k > p->len)
        k = p->len;
    memmove(p->buf, p->buf + k, p->len - k);
    p->len -= k;
}

static int is_start(uint8_t b)
{
    return b == MTR_MBUS_ACK || b == MTR_MBUS_START_SHORT || b == MTR_MBUS_START_LONG;
}

int mtr_mbus_parser_feed(mtr_mbus_parser_t *p, const uint8_t *in, size_t n, size_t *used,
                         mtr_mbus_frame_t *frame, char *err, size_t errlen)
{
    size_t take = 0;
    if (used)
        *used = 0;
    if (!p || !frame || (n && !in))
        return mtr_perr(err, errlen, METER_EINVAL, "mbus: NULL argument");
    if (p->deliver) { /* the frame handed out last time is consumed now */
        drop(p, p->deliver);
        p->deliver = 0;
    }
    for (;;) {
        /* skip garbage in front of a candidate */
        size_t k = 0;
        while (k < p->len && !is_start(p->buf[k]))
            k++;
        if (k) {
            p->noise += k;
            drop(p, k);
        }
        if (p->len) {
            size_t need = 0;
            int rc = mtr_mbus_frame_parse(p->buf, p->len, frame, &need, err, errlen);
            if (rc == METER_OK) {
                p->deliver = frame->size;
                if (used)
                    *used = take;
                if (p->echo_len && p->echo_len == frame->size &&
                    memcmp(p->echo, p->buf, frame->size) == 0) {
                    p->echo_len = 0;
                    return MTR_MBUS_ECHO;
                }
                return MTR_MBUS_COMPLETE;
            }
            if (rc != METER_ETRUNCATED) {
                /* not a frame: drop only its first byte, rescan the rest */
                p->noise++;
                drop(p, 1);
                if (used)
                    *used = take;
                return rc;
            }
        }
        if (take == n) {
            if (used)
                *used = take;
            return MTR_MBUS_NEED_MORE;
        }
        /* pull in more input; a candidate is never longer than the buffer */
        size_t room = sizeof p->buf - p->len;
        if (room == 0) { /* cannot happen (a frame fits); never spin */
            p->noise++;
            drop(p, 1);
            continue;
        }
        size_t chunk = n - take < room ? n - take : room;
        memcpy(p->buf + p->len, in + take, chunk);
        p->len += chunk;
        take += chunk;
    }
}
