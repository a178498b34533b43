/* SPDX-License-Identifier: MIT */
/* meter_iec_decode(): the public face of the pure readout reader, for tools
 * that look at captures (meter decode iec). Copies the identification out and
 * hands every value over verbatim. No I/O. */
#include <string.h>

#include "core/internal.h"
#include "meter/iec.h"
#include "proto/iec62056.h"

struct decode_ctx {
    int (*cb)(void *, const meter_iec_value_t *);
    void *ud;
    char addr[MTR_IEC_ADDR_MAX + 1], value[MTR_IEC_VALUE_MAX + 1], unit[MTR_IEC_VALUE_MAX + 1];
};

static void cut(char *dst, size_t cap, const char *src, size_t n)
{
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static int each(void *user, const mtr_iec_dataset_t *ds)
{
    struct decode_ctx *c = user;
    if (!c->cb)
        return 0;
    cut(c->addr, sizeof c->addr, ds->address, ds->address_len);
    cut(c->value, sizeof c->value, ds->value, ds->value_len);
    cut(c->unit, sizeof c->unit, ds->unit, ds->unit_len);
    meter_iec_value_t v = {c->addr, c->value, c->unit, ds->index, ds->sub, ds->nsub, ds->continuation};
    int rc = c->cb(c->ud, &v);
    return rc > 0 ? METER_EINVAL : rc;
}

static void copy_ident(const mtr_iec_ident_t *id, meter_iec_identification_t *out)
{
    memset(out, 0, sizeof *out);
    memcpy(out->manufacturer, id->manufacturer, 3);
    out->baud_char = id->baud_char;
    out->mode = id->mode == MTR_IEC_MODE_A   ? 'A'
                : id->mode == MTR_IEC_MODE_B ? 'B'
                : id->mode == MTR_IEC_MODE_C ? 'C'
                                             : '?';
    out->baud = id->baud;
    out->fast_reaction = id->fast_reaction;
    for (unsigned i = 0; i < id->ncaps && i + 1 < sizeof out->caps; i++)
        out->caps[i] = id->caps[i];
    cut(out->ident, sizeof out->ident, id->ident, id->ident_len);
}

meter_status_t meter_iec_decode(const void *buf, size_t len, meter_iec_check_t check,
                     meter_iec_identification_t *ident,
                     int (*cb)(void *userdata, const meter_iec_value_t *v), void *userdata,
                     int *verified, char *errbuf, size_t errlen)
{
    if ((!buf && len) || (unsigned)check > METER_IEC_CHECK_ANY)
        return mtr_err(errbuf, errlen, METER_EINVAL, "NULL buffer or bad check kind");
    static const mtr_iec_bcc_t algs[] = {MTR_IEC_BCC_XOR, MTR_IEC_BCC_SUM7, MTR_IEC_BCC_NONE,
                                         MTR_IEC_BCC_ANY};
    struct decode_ctx c;
    memset(&c, 0, sizeof c);
    c.cb = cb;
    c.ud = userdata;
    /* with an identification first when the capture starts with one (after echo/junk) */
    const uint8_t *p = buf;
    unsigned flags = 0;
    for (size_t i = 0; i < len; i++) {
        if (p[i] == '/') {
            flags = MTR_IEC_RD_IDENT;
            break;
        }
        if (p[i] == MTR_IEC_STX)
            break;
    }
    mtr_iec_reader_opts_t o = {flags, algs[check], each, &c, errbuf, errlen};
    mtr_iec_reader_t r;
    if (errbuf && errlen)
        errbuf[0] = '\0';
    int rc = mtr_iec_readout_parse(&r, &o, p, len);
    if (ident) {
        if (r.have_ident)
            copy_ident(&r.ident, ident);
        else
            memset(ident, 0, sizeof *ident);
    }
    if (verified)
        *verified = r.bcc_checked && check != METER_IEC_CHECK_NONE;
    if (rc == MTR_IEC_COMPLETE || rc == MTR_IEC_IDENT)
        return METER_OK;
    if (errbuf && errlen && !errbuf[0])
        mtr_err(errbuf, errlen, rc, "%s", meter_strerror(rc));
    return rc;
}
