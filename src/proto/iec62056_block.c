/* SPDX-License-Identifier: MIT */
/* IEC 62056-21 data block grammar, fed one byte at a time: data sets
 * "address(value*unit)", several values per address, continuation "(...)",
 * '&' sub-values, LF-only lines, '!' glued to a line, junk and NUL bytes (resync at
 * the next line). Values stay verbatim strings; framing (STX/ETX/BCC) is not here. */
#include <string.h>

#include "proto/status.h"
#include "proto/iec62056.h"

enum { B_ADDR = 0, B_VALUE, B_SKIP, B_END };

void mtr_iec_block_init(mtr_iec_block_t *b, mtr_iec_dataset_cb cb, void *user, char *err,
                        size_t errlen)
{
    memset(b, 0, sizeof *b);
    b->cb = cb;
    b->user = user;
    b->err = err;
    b->errlen = errlen;
    b->line = 1;
    b->state = B_ADDR;
}

static bool addr_char(uint8_t c)
{
    return c >= 0x20 && c <= 0x7E && c != '(' && c != ')' && c != '/' && c != '!';
}

static bool is_digitish(char c)
{
    return (c >= '0' && c <= '9') || c == '.' || c == ',' || c == '+' || c == '-';
}

static bool is_alpha(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '%';
}

/* "(0000000 kWh)": a number, spaces, then a word that starts with a letter. Returns the
 * offset of the first separating space in [s, e), or 0 when the part does not look so. */
static size_t unit_after_space(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && s[i] == ' ')
        i++; /* padding */
    size_t num = i;
    while (i < n && is_digitish(s[i]))
        i++;
    if (i == num || i == n || s[i] != ' ')
        return 0;
    size_t sp = i;
    while (i < n && s[i] == ' ')
        i++;
    if (i == n || !is_alpha(s[i]))
        return 0;
    for (size_t k = i; k < n; k++)
        if (s[k] == ' ')
            return 0;
    return sp;
}

/* Deliver the values of the "(...)" just closed: one call per '&' part. */
static int emit(mtr_iec_block_t *b)
{
    b->raw[b->raw_len] = '\0';
    unsigned nsub = 1;
    for (size_t i = 0; i < b->raw_len; i++)
        nsub += b->raw[i] == '&';
    size_t s = 0;
    for (unsigned j = 0; j < nsub; j++) {
        size_t e = s;
        while (e < b->raw_len && b->raw[e] != '&')
            e++;
        const char *p = b->raw + s;
        size_t n = e - s, vlen = n, ustart = n;
        bool by_space = false;
        const char *star = memchr(p, '*', n);
        if (star) {
            vlen = (size_t)(star - p);
            ustart = vlen + 1;
        } else {
            size_t sp = unit_after_space(p, n);
            if (sp) {
                vlen = sp;
                ustart = sp;
                while (ustart < n && p[ustart] == ' ')
                    ustart++;
                by_space = true;
            }
        }
        /* value NUL unit NUL in part[]: n + 2 bytes when there is no unit (vlen = ustart = n),
         * n + 1 otherwise; part[] holds MTR_IEC_VALUE_MAX + 2 */
        memcpy(b->part, p, vlen);
        b->part[vlen] = '\0';
        size_t ulen = n - ustart;
        memcpy(b->part + vlen + 1, p + ustart, ulen);
        b->part[vlen + 1 + ulen] = '\0';

        mtr_iec_dataset_t ds;
        memset(&ds, 0, sizeof ds);
        ds.address = b->addr;
        ds.address_len = b->addr_len;
        ds.value = b->part;
        ds.value_len = vlen;
        ds.unit = b->part + vlen + 1;
        ds.unit_len = ulen;
        ds.raw = b->raw;
        ds.raw_len = b->raw_len;
        ds.index = b->index;
        ds.sub = j;
        ds.nsub = nsub;
        ds.continuation = b->cont;
        ds.unit_by_space = by_space;
        ds.is_obis = b->addr_obis;
        ds.obis = b->obis;
        ds.line = b->line;
        b->nsets++;
        if (b->cb) {
            int rc = b->cb(b->user, &ds);
            if (rc != 0)
                return rc < 0 ? rc : METER_EINVAL;
        }
        s = e + 1;
    }
    return METER_OK;
}

/* '(' opens a value: a pending address starts a new data set, none continues the last. */
static void open_value(mtr_iec_block_t *b)
{
    if (b->pend_len) {
        memcpy(b->addr, b->pend, b->pend_len);
        b->addr_len = b->pend_len;
        b->addr[b->addr_len] = '\0';
        b->addr_obis = mtr_iec_obis_parse(b->addr, b->addr_len, &b->obis) == METER_OK;
        b->index = 0;
        b->cont = false;
        b->have_addr = true;
        b->pend_len = 0;
    } else {
        if (b->have_addr) {
            b->index++;
        } else { /* "(...)" with no address at all: an answer without address (ME162) */
            b->have_addr = true;
            b->addr_len = 0;
            b->addr[0] = '\0';
            b->addr_obis = false;
            b->index = 0;
        }
        b->cont = true;
    }
    b->raw_len = 0;
    b->state = B_VALUE;
}

static void drop_pending(mtr_iec_block_t *b)
{
    if (b->pend_len) {
        b->junk++;
        b->pend_len = 0;
    }
}

int mtr_iec_block_byte(mtr_iec_block_t *b, uint8_t c)
{
    switch (b->state) {
    case B_END:
        return MTR_IEC_COMPLETE;
    case B_SKIP:
        if (c == '\n') {
            b->line++;
            b->state = B_ADDR;
        }
        return MTR_IEC_MORE;
    case B_VALUE:
        if (c == ')') {
            b->state = B_ADDR;
            int rc = emit(b);
            return rc < 0 ? rc : MTR_IEC_MORE;
        }
        if (c == '\r' || c == '\n' || c == '(') { /* value never closed: resync */
            b->junk++;
            b->raw_len = 0;
            if (c == '\n')
                b->line++;
            b->state = c == '(' ? B_SKIP : B_ADDR;
            return MTR_IEC_MORE;
        }
        if (c < 0x20 || c > 0x7E) { /* NUL and other noise inside a value */
            b->junk++;
            return MTR_IEC_MORE;
        }
        if (b->raw_len == MTR_IEC_VALUE_MAX)
            return mtr_perr(b->err, b->errlen, METER_ELIMIT,
                           "iec: line %u: value of \"%s\" longer than %d characters", b->line,
                           b->addr, MTR_IEC_VALUE_MAX);
        b->raw[b->raw_len++] = (char)c;
        return MTR_IEC_MORE;
    case B_ADDR:
    default:
        break;
    }
    switch (c) {
    case '(':
        open_value(b);
        return MTR_IEC_MORE;
    case '!':
        drop_pending(b);
        b->end_mark = true;
        b->state = B_END;
        return MTR_IEC_COMPLETE;
    case '\n':
        b->line++;
        drop_pending(b);
        return MTR_IEC_MORE;
    case '\r':
    case ')':
        drop_pending(b);
        if (c == ')')
            b->junk++;
        return MTR_IEC_MORE;
    default:
        break;
    }
    if (!addr_char(c)) {
        b->junk++;
        if (c == '/') { /* not allowed in an address: the line is noise */
            b->pend_len = 0;
            b->state = B_SKIP;
        }
        return MTR_IEC_MORE;
    }
    if (b->pend_len == MTR_IEC_ADDR_MAX) { /* no address is this long: noise */
        b->junk++;
        b->pend_len = 0;
        b->state = B_SKIP;
        return MTR_IEC_MORE;
    }
    b->pend[b->pend_len++] = (char)c;
    return MTR_IEC_MORE;
}

int mtr_iec_block_finish(mtr_iec_block_t *b)
{
    if (b->state == B_VALUE)
        return mtr_perr(b->err, b->errlen, METER_ETRUNCATED,
                       "iec: line %u: data ends inside the value of \"%s\"", b->line,
                       b->addr);
    drop_pending(b);
    return METER_OK;
}

int mtr_iec_block_parse(const uint8_t *p, size_t n, mtr_iec_dataset_cb cb, void *user,
                        unsigned *nsets, char *err, size_t errlen)
{
    if (!p && n)
        return METER_EINVAL;
    mtr_iec_block_t b;
    mtr_iec_block_init(&b, cb, user, err, errlen);
    int rc = METER_OK;
    for (size_t i = 0; i < n; i++) {
        rc = mtr_iec_block_byte(&b, p[i]);
        if (rc < 0 || rc == MTR_IEC_COMPLETE)
            break;
    }
    if (rc >= 0)
        rc = mtr_iec_block_finish(&b);
    if (nsets)
        *nsets = b.nsets;
    return rc < 0 ? rc : METER_OK;
}

static bool fmt_ok(const char *s, bool is_value)
{
    for (; s && *s; s++) {
        uint8_t c = (uint8_t)*s;
        if (c < 0x20 || c > 0x7E || c == '(' || c == ')' || c == '!' || (!is_value && c == '/'))
            return false;
    }
    return true;
}

int mtr_iec_dataset_format(char *out, size_t cap, const char *address, const char *value,
                           const char *unit, size_t *outlen)
{
    if (!out || !fmt_ok(address, false) || !fmt_ok(value, true) || !fmt_ok(unit, true))
        return METER_EINVAL;
    size_t na = address ? strlen(address) : 0, nv = value ? strlen(value) : 0;
    size_t nu = unit ? strlen(unit) : 0;
    size_t need = na + 1 + nv + (nu ? 1 + nu : 0) + 1;
    if (need + 1 > cap)
        return METER_EBUFSIZE;
    size_t k = 0;
    memcpy(out + k, address ? address : "", na);
    k += na;
    out[k++] = '(';
    memcpy(out + k, value ? value : "", nv);
    k += nv;
    if (nu) {
        out[k++] = '*';
        memcpy(out + k, unit, nu);
        k += nu;
    }
    out[k++] = ')';
    out[k] = '\0';
    if (outlen)
        *outlen = k;
    return METER_OK;
}

int mtr_iec_value_item(const char *v, size_t len, unsigned i, const char **item,
                       size_t *item_len)
{
    if ((!v && len) || !item || !item_len)
        return METER_EINVAL;
    size_t s = 0;
    for (unsigned k = 0;; k++) {
        size_t e = s;
        while (e < len && v[e] != ',')
            e++;
        if (k == i) {
            *item = v + s;
            *item_len = e - s;
            return METER_OK;
        }
        if (e == len)
            return METER_ERANGE;
        s = e + 1;
    }
}

int mtr_iec_value_number(const char *v, size_t len, double *out)
{
    if ((!v && len) || !out)
        return METER_EINVAL;
    size_t i = 0;
    while (i < len && v[i] == ' ')
        i++;
    while (len > i && v[len - 1] == ' ')
        len--;
    bool neg = false;
    if (i < len && (v[i] == '+' || v[i] == '-'))
        neg = v[i++] == '-';
    double ip = 0, fp = 0, scale = 1;
    unsigned ndig = 0, nsep = 0;
    for (; i < len; i++) {
        char c = v[i];
        if (c >= '0' && c <= '9') {
            ndig++;
            if (nsep) {
                scale *= 10;
                fp = fp * 10 + (c - '0');
            } else {
                ip = ip * 10 + (c - '0');
            }
        } else if ((c == '.' || c == ',') && nsep == 0) {
            nsep++;
        } else {
            return METER_EVALUE;
        }
    }
    if (!ndig)
        return METER_EVALUE;
    double x = ip + fp / scale;
    *out = neg ? -x : x;
    return METER_OK;
}
