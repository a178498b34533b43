/* SPDX-License-Identifier: MIT */
/* IEC 62056-21 readout framing around the data block parser: junk, NULs and our own
 * echo before the identification, an echoed ACK before STX, a missing or extra STX,
 * '!' CR LF ETX and the check character, or their absence at the end of input. */
#include <string.h>

#include "proto/status.h"
#include "proto/iec62056.h"

enum {
    R_SEEK_IDENT = 0, /* before '/' */
    R_SLASH,          /* after '/': "/?" is our echo */
    R_ECHO,           /* inside the echo of "/?..!" */
    R_IDLINE,         /* inside the identification */
    R_SEEK_STX,       /* between the identification and STX */
    R_ACK_ECHO,       /* inside an echoed "ACK V Z Y CR LF" */
    R_BLOCK,          /* data block */
    R_AFTER_END,      /* after '!' */
    R_BCC,            /* after ETX */
    R_DONE
};

void mtr_iec_reader_init(mtr_iec_reader_t *r, const mtr_iec_reader_opts_t *o)
{
    memset(r, 0, sizeof *r);
    if (o)
        r->o = *o;
    mtr_iec_block_init(&r->block, r->o.cb, r->o.user, r->o.err, r->o.errlen);
    r->state = (r->o.flags & MTR_IEC_RD_IDENT) ? R_SEEK_IDENT : R_SEEK_STX;
    r->bcc_matched = MTR_IEC_BCC_NONE;
}

static void start_sum(mtr_iec_reader_t *r)
{
    r->stx_seen = true;
    r->sum_xor = 0;
    r->sum_add = 0;
}

static int check_bcc(mtr_iec_reader_t *r, uint8_t c)
{
    r->bcc_got = c & 0x7F;
    r->bcc_present = true;
    r->state = R_DONE;
    if (!r->stx_seen || r->o.bcc == MTR_IEC_BCC_NONE)
        return MTR_IEC_COMPLETE; /* nothing to check it against, or told not to */
    r->bcc_checked = true;
    uint8_t x = r->sum_xor & 0x7F, s = r->sum_add & 0x7F;
    bool ok;
    switch (r->o.bcc) {
    case MTR_IEC_BCC_SUM7:
        ok = s == r->bcc_got;
        r->bcc_matched = MTR_IEC_BCC_SUM7;
        break;
    case MTR_IEC_BCC_ANY:
        ok = x == r->bcc_got || s == r->bcc_got;
        r->bcc_matched = x == r->bcc_got ? MTR_IEC_BCC_XOR : MTR_IEC_BCC_SUM7;
        break;
    case MTR_IEC_BCC_XOR:
    default:
        ok = x == r->bcc_got;
        r->bcc_matched = MTR_IEC_BCC_XOR;
        break;
    }
    if (!ok) {
        r->bcc_matched = MTR_IEC_BCC_NONE;
        return mtr_perr(r->o.err, r->o.errlen, METER_ECHECKSUM,
                       "iec: readout check character 0x%02X, computed XOR 0x%02X, 7-bit sum 0x%02X",
                       r->bcc_got, x, s);
    }
    return MTR_IEC_COMPLETE;
}

static int block_byte(mtr_iec_reader_t *r, uint8_t c)
{
    int rc = mtr_iec_block_byte(&r->block, c);
    if (rc == MTR_IEC_COMPLETE) {
        r->state = R_AFTER_END;
        return MTR_IEC_MORE;
    }
    return rc;
}

static int step(mtr_iec_reader_t *r, uint8_t c)
{
    bool strict = r->o.flags & MTR_IEC_RD_STRICT;
    if (r->stx_seen && (r->state == R_BLOCK || r->state == R_AFTER_END)) {
        r->sum_xor ^= c;
        r->sum_add = (uint8_t)(r->sum_add + c);
    }
    switch (r->state) {
    case R_SEEK_IDENT:
        if (c == '/') {
            r->state = R_SLASH;
        } else if (c == MTR_IEC_STX && !strict) { /* the identification was read elsewhere */
            start_sum(r);
            r->state = R_BLOCK;
        } else {
            r->junk++;
        }
        return MTR_IEC_MORE;
    case R_SLASH:
        if (c == '?') {
            r->junk += 2;
            r->state = R_ECHO;
            return MTR_IEC_MORE;
        }
        if (c == '/') { /* "//ISK5..": the first '/' was noise */
            r->junk++;
            return MTR_IEC_MORE;
        }
        r->line[0] = '/';
        r->line_len = 1;
        r->state = R_IDLINE;
        break; /* c belongs to the identification */
    case R_IDLINE:
        break;
    case R_ECHO:
        r->junk++;
        if (c == '\n')
            r->state = r->have_ident ? R_SEEK_STX : R_SEEK_IDENT;
        return MTR_IEC_MORE;
    case R_SEEK_STX:
        if (c == MTR_IEC_STX) {
            start_sum(r);
            r->state = R_BLOCK;
        } else if (c == MTR_IEC_ACK) {
            r->junk++;
            r->state = R_ACK_ECHO;
        } else if (c == '/' && !r->have_ident) {
            r->state = R_SLASH;
        } else if (c == MTR_IEC_ETX) {
            if (strict)
                return mtr_perr(r->o.err, r->o.errlen, METER_EFRAME, "iec: ETX before any STX");
            r->etx_seen = true;
            r->state = R_BCC;
        } else if (c > 0x20 && c < 0x7F) {
            if (strict)
                return mtr_perr(r->o.err, r->o.errlen, METER_EFRAME,
                               "iec: data (0x%02X) before STX", c);
            r->state = R_BLOCK; /* STX missing (push meters, some firmware) */
            return block_byte(r, c);
        } else {
            r->junk++;
        }
        return MTR_IEC_MORE;
    case R_ACK_ECHO:
        if (c == MTR_IEC_STX) {
            start_sum(r);
            r->state = R_BLOCK;
        } else {
            r->junk++;
            if (c == '\n')
                r->state = R_SEEK_STX;
        }
        return MTR_IEC_MORE;
    case R_BLOCK:
        if (c == MTR_IEC_ETX) {
            r->etx_seen = true;
            r->state = R_BCC;
            if (strict)
                return mtr_perr(r->o.err, r->o.errlen, METER_EFRAME, "iec: ETX without '!' before it");
            int rc = mtr_iec_block_finish(&r->block);
            return rc < 0 ? rc : MTR_IEC_MORE;
        }
        if (c == MTR_IEC_STX) {
            if (!r->stx_seen)
                start_sum(r); /* late STX: the check character starts here */
            else
                r->junk++;    /* extra STX inside the block (L+G T550/UH50) */
            return MTR_IEC_MORE;
        }
        return block_byte(r, c);
    case R_AFTER_END:
        if (c == MTR_IEC_ETX) {
            r->etx_seen = true;
            r->state = R_BCC;
        } else if (c != '\r' && c != '\n') {
            r->junk++;
        }
        return MTR_IEC_MORE;
    case R_BCC:
        return check_bcc(r, c);
    case R_DONE:
    default:
        return MTR_IEC_COMPLETE;
    }
    /* R_IDLINE (also reached from R_SLASH) */
    if (c == '\n') {
        size_t n = r->line_len;
        if (n && r->line[n - 1] == '\r')
            n--;
        int rc = mtr_iec_ident_parse(r->line, n, &r->ident, r->o.err, r->o.errlen);
        if (rc < 0)
            return rc;
        r->have_ident = true;
        r->state = R_SEEK_STX;
        return MTR_IEC_IDENT;
    }
    if (c == 0) {
        r->junk++;
        return MTR_IEC_MORE;
    }
    if (r->line_len == sizeof r->line)
        return mtr_perr(r->o.err, r->o.errlen, METER_ELIMIT,
                       "iec: identification without LF within %zu bytes", sizeof r->line);
    r->line[r->line_len++] = c;
    return MTR_IEC_MORE;
}

int mtr_iec_reader_feed(mtr_iec_reader_t *r, const uint8_t *p, size_t n, size_t *consumed)
{
    size_t dummy;
    if (!consumed)
        consumed = &dummy;
    *consumed = 0;
    if (!r || (!p && n))
        return METER_EINVAL;
    if (r->status < 0)
        return r->status;
    if (r->state == R_DONE)
        return MTR_IEC_COMPLETE;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (r->o.flags & MTR_IEC_RD_STRIP8)
            c &= 0x7F;
        int rc = step(r, c);
        if (rc != MTR_IEC_MORE) {
            *consumed = i + 1;
            if (rc < 0)
                r->status = rc;
            return rc;
        }
    }
    *consumed = n;
    return MTR_IEC_MORE;
}

int mtr_iec_reader_finish(mtr_iec_reader_t *r)
{
    if (!r)
        return METER_EINVAL;
    if (r->status < 0)
        return r->status;
    bool strict = r->o.flags & MTR_IEC_RD_STRICT;
    int rc = MTR_IEC_COMPLETE;
    switch (r->state) {
    case R_DONE:
        return MTR_IEC_COMPLETE;
    case R_BCC:
        if (strict || (r->stx_seen && r->o.bcc != MTR_IEC_BCC_NONE))
            rc = mtr_perr(r->o.err, r->o.errlen, METER_ETRUNCATED,
                         "iec: readout ends after ETX, without its check character");
        break;
    case R_AFTER_END:
        if (strict)
            rc = mtr_perr(r->o.err, r->o.errlen, METER_ETRUNCATED,
                         "iec: readout ends after '!', without ETX");
        break;
    case R_BLOCK:
        if (strict) {
            rc = mtr_perr(r->o.err, r->o.errlen, METER_ETRUNCATED,
                         "iec: readout ends without '!' and ETX");
            break;
        }
        rc = mtr_iec_block_finish(&r->block);
        if (rc == METER_OK)
            rc = MTR_IEC_COMPLETE;
        break;
    case R_SEEK_STX:
    case R_ACK_ECHO:
        rc = mtr_perr(r->o.err, r->o.errlen, METER_ETRUNCATED, "iec: %s, then no data block",
                     r->have_ident ? "identification" : "nothing");
        break;
    default:
        rc = mtr_perr(r->o.err, r->o.errlen, METER_ETRUNCATED,
                     "iec: input ends before a complete identification");
        break;
    }
    if (rc < 0)
        r->status = rc;
    else
        r->state = R_DONE;
    return rc;
}

bool mtr_iec_reader_at_end(const mtr_iec_reader_t *r)
{
    return r->state == R_AFTER_END || r->state == R_BCC || r->state == R_DONE;
}

int mtr_iec_readout_parse(mtr_iec_reader_t *r, const mtr_iec_reader_opts_t *o,
                          const uint8_t *p, size_t n)
{
    if (!r || (!p && n))
        return METER_EINVAL;
    mtr_iec_reader_init(r, o);
    size_t off = 0;
    for (;;) {
        size_t used = 0;
        int rc = mtr_iec_reader_feed(r, p + off, n - off, &used);
        off += used;
        if (rc == MTR_IEC_IDENT)
            continue;
        if (rc < 0)
            return rc;
        if (rc == MTR_IEC_COMPLETE) {
            r->junk += n - off; /* after the check character: not part of the readout */
            return MTR_IEC_COMPLETE;
        }
        return mtr_iec_reader_finish(r);
    }
}
