/* SPDX-License-Identifier: MIT */
/* SML_File into entries: each SML_Message 76 [transactionId, groupNo, abortOnError,
 * body 72 [tag, ...], crc16, 00] with its CRC checked; PublicOpen.Res, GetList.Res and
 * PublicClose.Res decoded, every other body walked over by its TLs. All or nothing:
 * an error leaves no entries. Entries themselves are read in sml_entry.c. */
#include <string.h>

#include "proto/sml.h"
#include "proto/status.h"

typedef struct ctx {
    mtr_sml_cursor_t c;
    unsigned flags;
    bool trust_transport;
    mtr_sml_result_t *res;
    char *err;
    size_t errlen;
} ctx_t;

static int expect_list(ctx_t *x, size_t n, const char *what)
{
    mtr_sml_tl_t tl;
    size_t at = x->c.off;
    int rc = mtr_sml_tl_read(&x->c, &tl, x->err, x->errlen);
    if (rc < 0)
        return rc;
    if (tl.type != MTR_SML_T_LIST || tl.len != n)
        return mtr_perr(x->err, x->errlen, METER_EFRAME, "sml: %s at offset %zu is no list of %zu",
                        what, at, n);
    return METER_OK;
}

static int skip(ctx_t *x, unsigned n)
{
    int rc = METER_OK;
    while (n-- && rc >= 0)
        rc = mtr_sml_skip(&x->c, 1, x->err, x->errlen);
    return rc;
}

static int read_octets(ctx_t *x, const uint8_t **p, size_t *len, const char *what)
{
    mtr_sml_tl_t tl;
    size_t at = x->c.off;
    int rc = mtr_sml_tl_read(&x->c, &tl, x->err, x->errlen);
    if (rc < 0)
        return rc;
    if (tl.type != MTR_SML_T_OCTETS)
        return mtr_perr(x->err, x->errlen, METER_EFRAME, "sml: %s at offset %zu is no octet string",
                        what, at);
    *p = tl.data;
    *len = tl.len;
    return METER_OK;
}

/* 76 [codepage?, clientId?, reqFileId, serverId, refTime?, smlVersion?] */
static int open_res(ctx_t *x)
{
    int rc;
    if ((rc = expect_list(x, 6, "PublicOpen.Res")) < 0 || (rc = skip(x, 3)) < 0 ||
        (rc = read_octets(x, &x->res->server_id, &x->res->server_id_len, "serverId")) < 0)
        return rc;
    x->res->open_res++;
    return skip(x, 2);
}

/* 77 [clientId?, serverId, listName?, actSensorTime?, valList, listSignature?,
 *     actGatewayTime?] */
static int getlist_res(ctx_t *x, unsigned msg, bool *full)
{
    const uint8_t *srv = NULL;
    size_t srv_len = 0;
    mtr_sml_time_t t;
    mtr_sml_tl_t tl;
    int rc;
    if ((rc = expect_list(x, 7, "GetList.Res")) < 0 || (rc = skip(x, 1)) < 0 ||
        (rc = read_octets(x, &srv, &srv_len, "serverId")) < 0 || (rc = skip(x, 1)) < 0 ||
        (rc = mtr_sml_time_read(&x->c, &t, x->err, x->errlen)) < 0)
        return rc;
    size_t at = x->c.off;
    if ((rc = mtr_sml_tl_read(&x->c, &tl, x->err, x->errlen)) < 0)
        return rc;
    if (tl.type != MTR_SML_T_LIST)
        return mtr_perr(x->err, x->errlen, METER_EFRAME, "sml: valList at offset %zu is no list",
                        at);
    mtr_sml_result_t *r = x->res;
    for (size_t i = 0; i < tl.len; i++) {
        mtr_sml_entry_t e;
        e.server_id = srv;
        e.server_id_len = srv_len;
        e.message = msg;
        if ((rc = mtr_sml_entry_read(&x->c, &e, x->err, x->errlen)) < 0)
            return rc;
        if (r->count < r->cap)
            r->entries[r->count++] = e;
        else
            *full = true;
        r->total++;
    }
    if ((rc = skip(x, 2)) < 0)
        return rc;
    r->act_sensor_time = t;
    r->getlist_res++;
    return METER_OK;
}

static int check_crc(ctx_t *x, size_t start, size_t end)
{
    mtr_sml_tl_t tl;
    size_t at = x->c.off;
    int rc = mtr_sml_tl_read(&x->c, &tl, x->err, x->errlen);
    if (rc < 0)
        return rc;
    const uint8_t *p = x->c.p + start;
    uint16_t x25 = mtr_sml_crc_x25(p, end - start);
    uint16_t want = (uint16_t)((x25 >> 8) | (x25 << 8)); /* sent low byte first */
    uint64_t got = 0;
    bool is_crc = tl.type == MTR_SML_T_UINT && tl.len <= 2;
    if (is_crc)
        got = mtr_sml_be_uint(tl.data, tl.len);
    if (is_crc && got == want)
        return METER_OK;
    if (is_crc && (x->flags & MTR_SML_OPT_KERMIT) && got == mtr_sml_crc_kermit(p, end - start)) {
        x->res->msg_crc_kermit++;
        return METER_OK;
    }
    if (x->trust_transport && (x->flags & MTR_SML_OPT_MSG_CRC_TRUST_TRANSPORT)) {
        x->res->msg_crc_bad++;
        return METER_OK;
    }
    if (!is_crc)
        return mtr_perr(x->err, x->errlen, METER_ECHECKSUM,
                        "sml: message at offset %zu: CRC field at %zu is no Unsigned16", start, at);
    return mtr_perr(x->err, x->errlen, METER_ECHECKSUM,
                    "sml: message at offset %zu: CRC %04llx, X.25 gives %04x", start,
                    (unsigned long long)got, want);
}

static int message(ctx_t *x, unsigned msg, bool *full)
{
    size_t start = x->c.off;
    mtr_sml_tl_t tl;
    int rc;
    if ((rc = expect_list(x, 6, "SML_Message")) < 0 || (rc = skip(x, 3)) < 0 ||
        (rc = expect_list(x, 2, "message body")) < 0)
        return rc;
    size_t at = x->c.off;
    if ((rc = mtr_sml_tl_read(&x->c, &tl, x->err, x->errlen)) < 0)
        return rc;
    if (tl.type != MTR_SML_T_UINT || tl.len > 4)
        return mtr_perr(x->err, x->errlen, METER_EFRAME, "sml: message tag at offset %zu", at);
    uint64_t tag = mtr_sml_be_uint(tl.data, tl.len);
    switch (tag) {
    case MTR_SML_TAG_OPEN_RES: rc = open_res(x); break;
    case MTR_SML_TAG_GETLIST_RES: rc = getlist_res(x, msg, full); break;
    case MTR_SML_TAG_CLOSE_RES:
        x->res->close_res++;
        rc = skip(x, 1);
        break;
    default:
        x->res->skipped++;
        rc = skip(x, 1);
        break;
    }
    if (rc < 0)
        return rc;
    if ((rc = check_crc(x, start, x->c.off)) < 0)
        return rc;
    at = x->c.off;
    if ((rc = mtr_sml_tl_read(&x->c, &tl, x->err, x->errlen)) < 0)
        return rc;
    if (tl.type != MTR_SML_T_END)
        return mtr_perr(x->err, x->errlen, METER_EFRAME,
                        "sml: endOfSmlMsg expected at offset %zu", at);
    x->res->messages++;
    return METER_OK;
}

static int decode(const uint8_t *p, size_t n, unsigned flags, bool trust, mtr_sml_result_t *res,
                  char *err, size_t errlen)
{
    if (!res || (!p && n) || (!res->entries && res->cap))
        return mtr_perr(err, errlen, METER_EINVAL, "sml: NULL argument");
    mtr_sml_entry_t *entries = res->entries;
    size_t cap = res->cap;
    memset(res, 0, sizeof *res);
    res->entries = entries;
    res->cap = cap;
    ctx_t x = {.c = {p, n, 0}, .flags = flags, .trust_transport = trust, .res = res,
               .err = err, .errlen = errlen};
    bool full = false;
    int rc = METER_OK;
    for (unsigned msg = 0; x.c.off < n && rc >= 0;) {
        if (p[x.c.off] == 0x00) { /* stray 00 between messages (libsml skips them too) */
            x.c.off++;
            continue;
        }
        rc = message(&x, msg++, &full);
    }
    if (rc < 0) {
        res->count = 0;
        return rc;
    }
    if (full)
        return mtr_perr(err, errlen, METER_EBUFSIZE, "sml: %zu entries, room for %zu", res->total,
                        res->cap);
    return METER_OK;
}

int mtr_sml_decode(const uint8_t *p, size_t n, unsigned flags, mtr_sml_result_t *res, char *err,
                   size_t errlen)
{
    return decode(p, n, flags, false, res, err, errlen);
}

int mtr_sml_decode_frame(const mtr_sml_frame_t *f, unsigned flags, mtr_sml_result_t *res,
                         char *err, size_t errlen)
{
    if (!f)
        return mtr_perr(err, errlen, METER_EINVAL, "sml: NULL frame");
    return decode(f->data, f->len, flags, f->transport_ok, res, err, errlen);
}
