/* SPDX-License-Identifier: MIT */
/* M-Bus data records (EN 13757-3): an iterator over the variable data block
 * that splits each record into DIF, DIFE chain (storage, tariff, subunit),
 * VIF and VIFE chain (resolved by mbus_vif.c), plain-text unit, LVAR and data.
 * It copies nothing and bounds-checks every byte before reading it. */
#include <string.h>

#include "proto/status.h"
#include "proto/mbus.h"

static const char *const function_names[] = {
    "instantaneous", "maximum", "minimum", "error", "manufacturer_specific", "more_records_follow",
    "readout_request",
};

const char *mtr_mbus_function_name(unsigned fn)
{
    return fn < sizeof function_names / sizeof function_names[0] ? function_names[fn] : "unknown";
}

static const char *const stop_names[] = {
#define MTR_MBUS_STOP_NAME_(id, name) name,
    MTR_MBUS_STOP_REASONS(MTR_MBUS_STOP_NAME_)
#undef MTR_MBUS_STOP_NAME_
};

const char *mtr_mbus_stop_name(unsigned reason)
{
    return reason < MTR_MBUS_STOP_COUNT_ ? stop_names[reason] : "unknown";
}

void mtr_mbus_iter_init(mtr_mbus_iter_t *it, const uint8_t *records, size_t n, unsigned flags)
{
    memset(it, 0, sizeof *it);
    it->p = records;
    it->n = records ? n : 0;
    it->flags = flags;
}

void mtr_mbus_iter_init_app(mtr_mbus_iter_t *it, const mtr_mbus_app_t *app, unsigned flags)
{
    flags &= MTR_MBUS_IT_FC_TEXT_AFTER_VIFE;
    if (!app) {
        mtr_mbus_iter_init(it, NULL, 0, flags);
        return;
    }
    switch (app->kind) {
    case MTR_MBUS_APP_VARIABLE:
    case MTR_MBUS_APP_DATA_SEND:
    case MTR_MBUS_APP_ALARM:
        mtr_mbus_iter_init(it, app->payload, app->payload_len,
                           flags | (app->msb_first ? MTR_MBUS_IT_MSB_FIRST : 0));
        break;
    case MTR_MBUS_APP_FIXED:
        if (app->payload && app->payload_len == 16) {
            mtr_mbus_iter_init(it, app->payload, 16,
                               MTR_MBUS_IT_FIXED | (app->msb_first ? MTR_MBUS_IT_MSB_FIRST : 0));
            break;
        }
        /* fall through */
    default:
        mtr_mbus_iter_init(it, NULL, 0, flags);
        break;
    }
}

/* Fixed structure: counter i (0, 1) as a record. Layout (mbus.md §4): id 0-3,
 * access 4, status 5 (bit 7 binary, bit 6 historic), unit/medium bytes 6-7,
 * counter 1 at 8-11, counter 2 at 12-15. */
static void fixed_record(const mtr_mbus_iter_t *it, unsigned i, mtr_mbus_record_t *rec)
{
    const uint8_t *b = it->p;
    int binary = (b[5] >> 7) & 1;
    uint8_t code = b[6 + i] & 0x3F;
    int historic = (b[5] >> 6) & 1;
    if (i == 1 && code == 0x3E) { /* same unit as counter 1, historic value */
        code = b[6] & 0x3F;
        historic = 1;
    }
    rec->offset = 8 + 4 * i;
    rec->size = 4;
    rec->flags = MTR_MBUS_RF_FIXED;
    if (it->flags & MTR_MBUS_IT_MSB_FIRST)
        rec->flags |= MTR_MBUS_RF_MSB_FIRST;
    rec->dif = binary ? 0x04 : 0x0C; /* int32 / BCD8: what a variable record would say */
    rec->data_field = rec->dif;
    rec->function = MTR_MBUS_FN_INSTANTANEOUS;
    if (historic) {
        rec->flags |= MTR_MBUS_RF_HISTORIC;
        rec->storage = 1; /* a stored value, not the actual one (see docs/mbus-codec.md) */
    }
    rec->has_vif = 1; /* vi is resolved from the unit code; vif 0 is not on the wire */
    mtr_mbus_vif_lookup(MTR_MBUS_VT_FIXED, code, &rec->vi);
    if (binary)
        rec->vi.flags |= MTR_MBUS_VF_UNSIGNED; /* a binary counter has no sign */
    rec->data = b + rec->offset;
    rec->data_len = 4;
}

/* bytes of data for a data field code other than D (LVAR) and F */
static const uint8_t df_len[16] = {0, 1, 2, 3, 4, 4, 6, 8, 0, 1, 2, 3, 4, 0, 6, 0};

/* data length an LVAR byte announces; -1 for reserved codes */
static int lvar_len(uint8_t l)
{
    if (l <= 0xBF)
        return l;              /* text, ISO 8859-1, last character first */
    if (l <= 0xC9)
        return l - 0xC0;       /* positive BCD, bytes */
    if (l >= 0xD0 && l <= 0xD9)
        return l - 0xD0;       /* negative BCD, bytes */
    if (l >= 0xE0 && l <= 0xEF)
        return l - 0xE0;       /* binary */
    if (l >= 0xF0 && l <= 0xF4)
        return 4 * (l - 0xEC); /* binary, 16..32 bytes */
    if (l == 0xF5)
        return 48;
    if (l == 0xF6)
        return 64;
    return -1;
}

/* plain-text unit: a length byte, then that many characters */
static int read_text(mtr_mbus_iter_t *it, size_t *pos, mtr_mbus_record_t *rec, char *err,
                     size_t errlen)
{
    if (*pos >= it->n)
        return it->stop_reason = MTR_MBUS_STOP_PREMATURE_END_TEXT,
               mtr_perr(err, errlen, METER_ETRUNCATED,
                       "mbus: premature end of record at plain-text VIF length (offset %zu)", *pos);
    uint8_t len = it->p[(*pos)++];
    if (len > 0xBF)
        return it->stop_reason = MTR_MBUS_STOP_TEXT_TOO_LONG,
               mtr_perr(err, errlen, METER_ELIMIT,
                       "mbus: plain-text VIF length %u exceeds 191 (offset %zu)", len, *pos - 1);
    if (it->n - *pos < len)
        return it->stop_reason = MTR_MBUS_STOP_PREMATURE_END_TEXT,
               mtr_perr(err, errlen, METER_ETRUNCATED,
                       "mbus: premature end of record in plain-text VIF (%u bytes, %zu left)", len,
                       it->n - *pos);
    rec->text = it->p + *pos;
    rec->text_len = len;
    *pos += len;
    return METER_OK;
}

static int parse_record(mtr_mbus_iter_t *it, mtr_mbus_record_t *rec, char *err, size_t errlen)
{
    const uint8_t *p = it->p;
    size_t n = it->n, pos = it->pos;
    int rc;

    rec->offset = pos;
    if (it->flags & MTR_MBUS_IT_MSB_FIRST)
        rec->flags |= MTR_MBUS_RF_MSB_FIRST;
    uint8_t dif = p[pos++];
    rec->dif = dif;
    rec->data_field = dif & 0x0F;
    rec->function = (dif >> 4) & 3;
    rec->storage = (dif >> 6) & 1;
    rec->vi.record_error = -1;

    if (dif == 0x0F || dif == 0x1F) { /* manufacturer data to the end */
        rec->function = dif == 0x1F ? MTR_MBUS_FN_MORE_FOLLOWS : MTR_MBUS_FN_MANUFACTURER;
        rec->storage = 0;
        rec->data = p + pos;
        rec->data_len = n - pos;
        rec->size = n - rec->offset;
        it->pos = n;
        it->done = 1;
        if (dif == 0x1F)
            it->more_follows = 1;
        return METER_OK;
    }
    if (dif == 0x7F) { /* global readout request: no VIF, no data */
        rec->function = MTR_MBUS_FN_READOUT;
        rec->storage = 0;
        rec->size = 1;
        it->pos = pos;
        return METER_OK;
    }
    if ((dif & 0x0F) == 0x0F)
        return it->stop_reason = MTR_MBUS_STOP_RESERVED_DIF,
               mtr_perr(err, errlen, METER_EFRAME, "mbus: reserved DIF %02X at offset %zu", dif,
                       rec->offset);

    /* DIFE chain: storage, tariff, subunit bits, least significant first */
    uint8_t more = dif & 0x80;
    while (more) {
        if (rec->ndife == MTR_MBUS_DIFE_MAX)
            return it->stop_reason = MTR_MBUS_STOP_TOO_MANY_DIFE,
                   mtr_perr(err, errlen, METER_ELIMIT, "mbus: more than %d DIFEs at offset %zu",
                           MTR_MBUS_DIFE_MAX, rec->offset);
        if (pos >= n)
            return it->stop_reason = MTR_MBUS_STOP_PREMATURE_END_DIFE,
                   mtr_perr(err, errlen, METER_ETRUNCATED,
                           "mbus: premature end of record at DIFE (offset %zu)", pos);
        uint8_t b = p[pos++];
        unsigned k = rec->ndife;
        rec->dife[rec->ndife++] = b;
        rec->storage |= (uint64_t)(b & 0x0F) << (1 + 4 * k);
        rec->tariff |= (uint32_t)((b >> 4) & 3) << (2 * k);
        rec->subunit = (uint16_t)(rec->subunit | ((b >> 6) & 1) << k);
        more = b & 0x80;
    }

    /* VIF */
    if (pos >= n)
        return it->stop_reason = MTR_MBUS_STOP_PREMATURE_END_VIF,
               mtr_perr(err, errlen, METER_ETRUNCATED,
                       "mbus: premature end of record at VIF (offset %zu)", pos);
    uint8_t vif = p[pos++];
    rec->has_vif = 1;
    rec->vif = vif;
    int text_later = 0;
    if (vif == 0xFD || vif == 0xFB) {
        if (pos >= n)
            return it->stop_reason = MTR_MBUS_STOP_PREMATURE_END_VIFE, mtr_perr(err, errlen, METER_ETRUNCATED,
                           "mbus: premature end of record at VIFE (offset %zu)", pos);
        uint8_t b = p[pos++];
        rec->vife[rec->nvife++] = b;
        mtr_mbus_vif_lookup(vif == 0xFD ? MTR_MBUS_VT_FD : MTR_MBUS_VT_FB, b, &rec->vi);
        more = b & 0x80;
    } else if ((vif & 0x7F) == 0x7C) {
        mtr_mbus_vif_lookup(MTR_MBUS_VT_PLAIN_TEXT, vif, &rec->vi);
        more = vif & 0x80;
        if (more && (it->flags & MTR_MBUS_IT_FC_TEXT_AFTER_VIFE)) {
            text_later = 1;
        } else if ((rc = read_text(it, &pos, rec, err, errlen)) < 0) {
            return rc;
        }
    } else if ((vif & 0x7F) == 0x7F) {
        mtr_mbus_vif_lookup(MTR_MBUS_VT_MANUFACTURER, vif, &rec->vi);
        more = vif & 0x80;
    } else {
        mtr_mbus_vif_lookup(MTR_MBUS_VT_PRIMARY, vif, &rec->vi);
        more = vif & 0x80;
    }

    /* VIFE chain (combinable VIFEs; after 7F they are the manufacturer's) */
    while (more) {
        if (rec->nvife == MTR_MBUS_VIFE_MAX)
            return it->stop_reason = MTR_MBUS_STOP_TOO_MANY_VIFE, mtr_perr(err, errlen, METER_ELIMIT, "mbus: more than %d VIFEs at offset %zu",
                           MTR_MBUS_VIFE_MAX, rec->offset);
        if (pos >= n)
            return it->stop_reason = MTR_MBUS_STOP_PREMATURE_END_VIFE, mtr_perr(err, errlen, METER_ETRUNCATED,
                           "mbus: premature end of record at VIFE (offset %zu)", pos);
        uint8_t b = p[pos++];
        rec->vife[rec->nvife++] = b;
        more = b & 0x80;
        int ext = -1;
        if ((b & 0x7F) == 0x7C && !(rec->vi.flags & MTR_MBUS_VF_MANUFACTURER) && more) {
            /* combinable extension: the next byte is from its own table */
            if (rec->nvife == MTR_MBUS_VIFE_MAX)
                return it->stop_reason = MTR_MBUS_STOP_TOO_MANY_VIFE, mtr_perr(err, errlen, METER_ELIMIT, "mbus: more than %d VIFEs at offset %zu",
                               MTR_MBUS_VIFE_MAX, rec->offset);
            if (pos >= n)
                return it->stop_reason = MTR_MBUS_STOP_PREMATURE_END_VIFE, mtr_perr(err, errlen, METER_ETRUNCATED,
                               "mbus: premature end of record at VIFE (offset %zu)", pos);
            uint8_t e = p[pos++];
            rec->vife[rec->nvife++] = e;
            ext = e;
            more = e & 0x80;
        }
        mtr_mbus_vife_apply(&rec->vi, b, ext);
    }
    if (text_later && (rc = read_text(it, &pos, rec, err, errlen)) < 0)
        return rc;

    /* data */
    size_t len = df_len[rec->data_field];
    if (rec->data_field == MTR_MBUS_DF_LVAR) {
        if (pos >= n)
            return it->stop_reason = MTR_MBUS_STOP_PREMATURE_END_LVAR,
                   mtr_perr(err, errlen, METER_ETRUNCATED,
                           "mbus: premature end of record at LVAR (offset %zu)", pos);
        rec->lvar = p[pos++];
        int l = lvar_len(rec->lvar);
        if (l < 0)
            return it->stop_reason = MTR_MBUS_STOP_RESERVED_LVAR,
                   mtr_perr(err, errlen, METER_EFRAME, "mbus: reserved LVAR %02X at offset %zu",
                           rec->lvar, pos - 1);
        len = (size_t)l;
    }
    if (n - pos < len)
        return it->stop_reason = MTR_MBUS_STOP_PREMATURE_END_DATA,
               mtr_perr(err, errlen, METER_ETRUNCATED,
                       "mbus: premature end of record at data (offset %zu: %zu bytes, %zu left)",
                       pos, len, n - pos);
    rec->data = len ? p + pos : NULL;
    rec->data_len = len;
    pos += len;
    rec->size = pos - rec->offset;
    it->pos = pos;
    return METER_OK;
}

int mtr_mbus_iter_next(mtr_mbus_iter_t *it, mtr_mbus_record_t *rec, char *err, size_t errlen)
{
    if (!it || !rec)
        return mtr_perr(err, errlen, METER_EINVAL, "mbus: NULL argument");
    if (it->status)
        return mtr_perr(err, errlen, it->status, "mbus: record walk stopped at offset %zu (%s)",
                       it->stop_offset, mtr_mbus_stop_name(it->stop_reason));
    while (!it->done && !(it->flags & MTR_MBUS_IT_FIXED) && it->pos < it->n &&
           it->p[it->pos] == 0x2F)
        it->pos++; /* idle fillers */
    if (it->done || it->pos >= it->n) {
        it->done = 1;
        return 0;
    }
    static const mtr_mbus_record_t blank; /* copied, not memset(): no `rep stos` start-up */
    *rec = blank;
    if (it->flags & MTR_MBUS_IT_FIXED) {
        if (it->n != 16 || it->pos >= 2) {
            it->done = 1;
            return 0;
        }
        fixed_record(it, (unsigned)it->pos, rec);
        it->pos++;
        it->count++;
        return 1;
    }
    int rc = parse_record(it, rec, err, errlen);
    if (rc < 0) {
        it->status = rc;
        it->stop_offset = it->pos;
        return rc;
    }
    it->count++;
    return 1;
}
