/* SPDX-License-Identifier: MIT */
/* meter_sml_decode() (include/meter/sml.h): a capture through the codec's stream
 * parser frame by frame (or a bare SML file), entries copied out of the codec's
 * slices into the public struct. No bus, no heap. */
#include <stdio.h>
#include <string.h>

#include "meter/sml.h"
#include "protocols/sml/sml_internal.h"

#define FRAME_ENTRIES 256

/* bytes in hex, always (as sml.h promises): printable bytes as themselves would make
 * the ids 0x31 0x32 and 0x12 read alike */
static void hex(const uint8_t *p, size_t n, char *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 2 < cap; i++)
        k += (size_t)snprintf(out + k, cap - k, "%02x", p[i]);
    out[k] = '\0';
}

static void copy_entry(const mtr_sml_entry_t *e, unsigned frame, meter_sml_entry_t *o)
{
    memset(o, 0, sizeof *o);
    if (e->has_obis)
        mtr_sml_obis_format(e->obis, o->obis, sizeof o->obis);
    else
        hex(e->obj_name, e->obj_name_len > 15 ? 15 : e->obj_name_len, o->obis, sizeof o->obis);
    o->frame = frame;
    o->message = e->message;
    o->has_unit = e->has_unit;
    o->unit_code = e->unit;
    const char *u = e->has_unit ? mtr_sml_unit_symbol(e->unit) : "";
    snprintf(o->unit, sizeof o->unit, "%s", u ? u : "");
    o->has_scaler = e->has_scaler;
    o->scaler = e->scaler;
    o->has_status = e->has_status;
    o->status = e->status;
    meter_record_t r;
    mtr_sml_entry_record(e, METER_Q_NONE, &r);
    o->kind = r.kind;
    o->value = r.value;
    o->absent = e->kind == MTR_SML_V_ABSENT;
    if (e->kind == MTR_SML_V_INT || e->kind == MTR_SML_V_UINT || e->kind == MTR_SML_V_BOOL)
        snprintf(o->raw, sizeof o->raw, "%.23s", r.text);
    if (e->kind == MTR_SML_V_OCTETS) {
        size_t k = 0;
        for (size_t i = 0; i < e->octets_len && k + 2 < sizeof o->text; i++)
            k += (size_t)snprintf(o->text + k, sizeof o->text - k, "%02x", e->octets[i]);
        o->printable = e->octets_len > 0 && e->octets_len < sizeof o->ascii;
        for (size_t i = 0; i < e->octets_len && o->printable; i++)
            o->printable = e->octets[i] >= 0x20 && e->octets[i] < 0x7f;
        if (o->printable)
            memcpy(o->ascii, e->octets, e->octets_len);
    } else if (e->kind == MTR_SML_V_TIME) {
        snprintf(o->text, sizeof o->text, "%s", r.text);
    }
}

/* One decoded file into the output and the counts. */
static int take(const mtr_sml_result_t *res, unsigned frame, meter_sml_info_t *info,
                meter_sml_entry_t *out, size_t cap, size_t *k)
{
    for (size_t i = 0; i < res->count; i++, (*k)++)
        if (*k < cap)
            copy_entry(&res->entries[i], frame, &out[*k]);
    info->messages += res->messages;
    info->open_res += res->open_res;
    info->getlist_res += res->getlist_res;
    info->close_res += res->close_res;
    info->skipped += res->skipped;
    info->msg_crc_bad += res->msg_crc_bad;
    if (res->server_id && !info->server_id[0])
        hex(res->server_id, res->server_id_len > 31 ? 31 : res->server_id_len, info->server_id,
            sizeof info->server_id);
    return res->total > res->count ? METER_EBUFSIZE : METER_OK;
}

static unsigned codec_flags(unsigned flags)
{
    return ((flags & METER_SML_KERMIT) ? MTR_SML_OPT_KERMIT : 0) |
           ((flags & METER_SML_X25_SWAPPED) ? MTR_SML_OPT_X25_SWAPPED : 0) |
           ((flags & METER_SML_TRUST_TRANSPORT) ? MTR_SML_OPT_MSG_CRC_TRUST_TRANSPORT : 0);
}

static int has_start(const uint8_t *p, size_t n)
{
    static const uint8_t start[8] = {0x1b, 0x1b, 0x1b, 0x1b, 0x01, 0x01, 0x01, 0x01};
    for (size_t i = 0; i + 8 <= n; i++)
        if (memcmp(p + i, start, 8) == 0)
            return 1;
    return 0;
}

meter_status_t meter_sml_decode(const uint8_t *data, size_t len, unsigned flags,
                                meter_sml_info_t *info, meter_sml_entry_t *out, size_t cap,
                                size_t *n, char *err, size_t errlen)
{
    meter_sml_info_t dummy;
    if (!info)
        info = &dummy;
    memset(info, 0, sizeof *info);
    if (n)
        *n = 0;
    if ((!data && len) || !n || (!out && cap))
        return mtr_err(err, errlen, METER_EINVAL, "NULL argument");
    mtr_sml_entry_t entries[FRAME_ENTRIES];
    mtr_sml_result_t res = {.entries = entries, .cap = FRAME_ENTRIES};
    unsigned cf = codec_flags(flags);
    size_t k = 0;
    int rc, full = 0;
    if (!has_start(data, len)) { /* a bare SML file */
        rc = mtr_sml_decode(data, len, cf, &res, err, errlen);
        if (rc != METER_OK && rc != METER_EBUFSIZE)
            return rc;
        full = take(&res, 0, info, out, cap, &k) != METER_OK || rc == METER_EBUFSIZE;
    } else {
        mtr_sml_stream_t st;
        char why[200] = "";
        int first = METER_OK;
        mtr_sml_stream_init(&st, cf);
        size_t pos = 0;
        while (pos < len) {
            size_t used = 0;
            mtr_sml_frame_t f;
            rc = mtr_sml_stream_feed(&st, data + pos, len - pos, &used, &f, why, sizeof why);
            pos += used;
            if (rc == MTR_SML_FRAME) {
                rc = mtr_sml_decode_frame(&f, cf, &res, why, sizeof why);
                if (rc == METER_OK || rc == METER_EBUFSIZE) {
                    full |= take(&res, info->frames, info, out, cap, &k) != METER_OK ||
                            rc == METER_EBUFSIZE;
                    info->frames++;
                    continue;
                }
            }
            if (rc < 0) {
                info->refused++;
                if (first == METER_OK) {
                    first = rc;
                    mtr_err(err, errlen, rc, "%s", why);
                }
            }
        }
        if (mtr_sml_stream_finish(&st, NULL, 0) == METER_ETRUNCATED)
            info->truncated = 1;
        if (!info->frames) {
            if (first == METER_OK)
                first = mtr_err(err, errlen, METER_ETRUNCATED, "sml: no complete frame");
            return first;
        }
    }
    *n = k;
    if (full)
        return mtr_err(err, errlen, METER_EBUFSIZE, "sml: a telegram has more than %d entries: "
                       "the first %d are given", FRAME_ENTRIES, FRAME_ENTRIES);
    if (out && k > cap)
        return mtr_err(err, errlen, METER_EBUFSIZE, "sml: %zu entries, room for %zu", k, cap);
    return METER_OK;
}
