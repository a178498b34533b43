/* SPDX-License-Identifier: MIT */
/* SML_ListEntry, SML_Time and SML_Value: one entry of a GetList.Res valList into
 * the caller's struct, the value kept as the wire says (mantissa and scaler), and
 * the value after scaler as a double. Message framing is in sml_message.c. */
#include <math.h>
#include <string.h>

#include "proto/decimal.h"
#include "proto/sml.h"
#include "proto/status.h"

static int read_u32(mtr_sml_cursor_t *c, uint32_t *v, const char *what, char *err, size_t errlen)
{
    mtr_sml_tl_t tl;
    size_t at = c->off;
    int rc = mtr_sml_tl_read(c, &tl, err, errlen);
    if (rc < 0)
        return rc;
    if (tl.type != MTR_SML_T_UINT || tl.len > 4)
        return mtr_perr(err, errlen, METER_EFRAME, "sml: %s at offset %zu is no Unsigned32", what,
                        at);
    *v = (uint32_t)mtr_sml_be_uint(tl.data, tl.len);
    return METER_OK;
}

static int read_i16(mtr_sml_cursor_t *c, int16_t *v, char *err, size_t errlen)
{
    mtr_sml_tl_t tl;
    size_t at = c->off;
    int rc = mtr_sml_tl_read(c, &tl, err, errlen);
    if (rc < 0)
        return rc;
    int64_t x = tl.type == MTR_SML_T_INT ? mtr_sml_be_int(tl.data, tl.len) : INT64_MIN;
    if (x < INT16_MIN || x > INT16_MAX)
        return mtr_perr(err, errlen, METER_EFRAME, "sml: time offset at offset %zu is no Integer16",
                        at);
    *v = (int16_t)x;
    return METER_OK;
}

/* the elements of a 72 [tag, data] list whose TL was read */
static int time_body(mtr_sml_cursor_t *c, mtr_sml_time_t *t, char *err, size_t errlen)
{
    uint32_t tag = 0;
    int rc = read_u32(c, &tag, "SML_Time tag", err, errlen);
    if (rc < 0)
        return rc;
    memset(t, 0, sizeof *t);
    if (tag == MTR_SML_TIME_SECINDEX || tag == MTR_SML_TIME_TIMESTAMP) {
        t->kind = (mtr_sml_time_kind_t)tag;
        return read_u32(c, &t->value, "SML_Time", err, errlen);
    }
    if (tag != MTR_SML_TIME_LOCAL)
        return mtr_perr(err, errlen, METER_EFRAME, "sml: SML_Time tag %u", (unsigned)tag);
    mtr_sml_tl_t tl;
    size_t at = c->off;
    if ((rc = mtr_sml_tl_read(c, &tl, err, errlen)) < 0)
        return rc;
    if (tl.type != MTR_SML_T_LIST || tl.len != 3)
        return mtr_perr(err, errlen, METER_EFRAME, "sml: localTimestamp at offset %zu is no list of 3",
                        at);
    t->kind = MTR_SML_TIME_LOCAL;
    if ((rc = read_u32(c, &t->value, "localTimestamp", err, errlen)) < 0 ||
        (rc = read_i16(c, &t->local_offset, err, errlen)) < 0 ||
        (rc = read_i16(c, &t->season_offset, err, errlen)) < 0)
        return rc;
    return METER_OK;
}

int mtr_sml_time_read(mtr_sml_cursor_t *c, mtr_sml_time_t *t, char *err, size_t errlen)
{
    mtr_sml_tl_t tl;
    size_t at = c->off;
    memset(t, 0, sizeof *t);
    int rc = mtr_sml_tl_read(c, &tl, err, errlen);
    if (rc < 0)
        return rc;
    if (tl.type == MTR_SML_T_ABSENT)
        return METER_OK;
    if (tl.type == MTR_SML_T_UINT && tl.len <= 4) { /* Holley: bare secIndex */
        t->kind = MTR_SML_TIME_SECINDEX;
        t->value = (uint32_t)mtr_sml_be_uint(tl.data, tl.len);
        return METER_OK;
    }
    if (tl.type != MTR_SML_T_LIST || tl.len != 2)
        return mtr_perr(err, errlen, METER_EFRAME, "sml: SML_Time at offset %zu is no list of 2", at);
    return time_body(c, t, err, errlen);
}

static int read_value(mtr_sml_cursor_t *c, mtr_sml_entry_t *e, char *err, size_t errlen)
{
    mtr_sml_tl_t tl;
    size_t at = c->off;
    int rc = mtr_sml_tl_read(c, &tl, err, errlen);
    if (rc < 0)
        return rc;
    switch (tl.type) {
    case MTR_SML_T_ABSENT:
        e->kind = MTR_SML_V_ABSENT;
        return METER_OK;
    case MTR_SML_T_BOOL:
        e->kind = MTR_SML_V_BOOL;
        e->b = tl.data[0] != 0;
        return METER_OK;
    case MTR_SML_T_INT:
        e->kind = MTR_SML_V_INT;
        e->i = mtr_sml_be_int(tl.data, tl.len);
        e->int_bytes = (unsigned)tl.len;
        return METER_OK;
    case MTR_SML_T_UINT:
        e->kind = MTR_SML_V_UINT;
        e->u = mtr_sml_be_uint(tl.data, tl.len);
        e->int_bytes = (unsigned)tl.len;
        return METER_OK;
    case MTR_SML_T_OCTETS:
        e->kind = MTR_SML_V_OCTETS;
        e->octets = tl.data;
        e->octets_len = tl.len;
        return METER_OK;
    case MTR_SML_T_LIST: {
        size_t body = c->off;
        if (tl.len == 2 && time_body(c, &e->time, err, errlen) == METER_OK) {
            e->kind = MTR_SML_V_TIME;
            return METER_OK;
        }
        c->off = body; /* some other list: walk over it, keep nothing */
        e->kind = MTR_SML_V_LIST;
        for (size_t i = 0; i < tl.len; i++)
            if ((rc = mtr_sml_skip(c, 1, err, errlen)) < 0)
                return rc;
        return METER_OK;
    }
    default:
        return mtr_perr(err, errlen, METER_EFRAME, "sml: end of message at offset %zu in a value",
                        at);
    }
}

/* an optional octet string: 01 or 0x */
static int read_octets_opt(mtr_sml_cursor_t *c, const uint8_t **p, size_t *len, bool *has,
                           const char *what, char *err, size_t errlen)
{
    mtr_sml_tl_t tl;
    size_t at = c->off;
    int rc = mtr_sml_tl_read(c, &tl, err, errlen);
    if (rc < 0)
        return rc;
    *has = tl.type == MTR_SML_T_OCTETS;
    if (tl.type == MTR_SML_T_ABSENT)
        return METER_OK;
    if (!*has)
        return mtr_perr(err, errlen, METER_EFRAME, "sml: %s at offset %zu is no octet string", what,
                        at);
    *p = tl.data;
    *len = tl.len;
    return METER_OK;
}

int mtr_sml_entry_read(mtr_sml_cursor_t *c, mtr_sml_entry_t *e, char *err, size_t errlen)
{
    mtr_sml_tl_t tl;
    size_t at = c->off;
    const uint8_t *srv = e->server_id;
    size_t srv_len = e->server_id_len;
    unsigned msg = e->message;
    memset(e, 0, sizeof *e);
    e->server_id = srv;
    e->server_id_len = srv_len;
    e->message = msg;
    int rc = mtr_sml_tl_read(c, &tl, err, errlen);
    if (rc < 0)
        return rc;
    if (tl.type != MTR_SML_T_LIST || tl.len != 7)
        return mtr_perr(err, errlen, METER_EFRAME, "sml: list entry at offset %zu is no list of 7",
                        at);
    bool has_name;
    if ((rc = read_octets_opt(c, &e->obj_name, &e->obj_name_len, &has_name, "objName", err,
                              errlen)) < 0)
        return rc;
    if (!has_name)
        return mtr_perr(err, errlen, METER_EFRAME, "sml: list entry at offset %zu has no objName",
                        at);
    if (e->obj_name_len == 6) {
        memcpy(e->obis, e->obj_name, 6);
        e->has_obis = true;
    }
    /* status: unsigned of 1..8 bytes */
    at = c->off;
    if ((rc = mtr_sml_tl_read(c, &tl, err, errlen)) < 0)
        return rc;
    if (tl.type == MTR_SML_T_UINT) {
        e->has_status = true;
        e->status = mtr_sml_be_uint(tl.data, tl.len);
    } else if (tl.type != MTR_SML_T_ABSENT) {
        return mtr_perr(err, errlen, METER_EFRAME, "sml: status at offset %zu is no unsigned", at);
    }
    if ((rc = mtr_sml_time_read(c, &e->val_time, err, errlen)) < 0)
        return rc;
    /* unit: Unsigned8 */
    at = c->off;
    if ((rc = mtr_sml_tl_read(c, &tl, err, errlen)) < 0)
        return rc;
    if (tl.type == MTR_SML_T_UINT && mtr_sml_be_uint(tl.data, tl.len) <= 255) {
        e->has_unit = true;
        e->unit = (uint8_t)mtr_sml_be_uint(tl.data, tl.len);
    } else if (tl.type != MTR_SML_T_ABSENT) {
        return mtr_perr(err, errlen, METER_EFRAME, "sml: unit at offset %zu is no Unsigned8", at);
    }
    /* scaler: Integer8 */
    at = c->off;
    if ((rc = mtr_sml_tl_read(c, &tl, err, errlen)) < 0)
        return rc;
    if (tl.type == MTR_SML_T_INT) {
        int64_t s = mtr_sml_be_int(tl.data, tl.len);
        if (s < INT8_MIN || s > INT8_MAX)
            return mtr_perr(err, errlen, METER_EFRAME, "sml: scaler %lld at offset %zu",
                            (long long)s, at);
        e->has_scaler = true;
        e->scaler = (int8_t)s;
    } else if (tl.type != MTR_SML_T_ABSENT) {
        return mtr_perr(err, errlen, METER_EFRAME, "sml: scaler at offset %zu is no Integer8", at);
    }
    if ((rc = read_value(c, e, err, errlen)) < 0)
        return rc;
    return read_octets_opt(c, &e->signature, &e->signature_len, &e->has_signature,
                           "valueSignature", err, errlen);
}

double mtr_sml_entry_value(const mtr_sml_entry_t *e)
{
    return mtr_sml_entry_scaled(e, 0);
}

double mtr_sml_entry_scaled(const mtr_sml_entry_t *e, int exp10)
{
    int k = e->scaler + exp10; /* the raw integer times 10^k, rounded once */
    switch (e->kind) {
    case MTR_SML_V_INT:
        return mtr_decimal_scale(e->i < 0 ? 0 - (uint64_t)e->i : (uint64_t)e->i, e->i < 0, k);
    case MTR_SML_V_UINT: return mtr_decimal_scale(e->u, 0, k);
    case MTR_SML_V_BOOL: return mtr_decimal_scale(e->b ? 1 : 0, 0, k);
    default: return NAN;
    }
}
