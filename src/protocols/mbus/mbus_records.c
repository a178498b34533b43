/* SPDX-License-Identifier: MIT */
/* M-Bus data records as public records (meter_record_t): name and unit from
 * the VIF, value scaled, dates as the meter's local time, text in UTF-8, and
 * what the frame says about the value (flags, the unsigned integer as sent). */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "protocols/mbus/mbus_internal.h"

/* Text by hand, not snprintf: this runs for every record of every frame. */
static const char hex_digit[] = "0123456789ABCDEF";

void mtr_mbus_id_text(uint32_t id, char out[9])
{
    for (int i = 0; i < 8; i++)
        out[i] = hex_digit[(id >> (28 - 4 * i)) & 0xF];
    out[8] = '\0';
}

/* snprintf(out, cap, "%s", s) */
static void copy_text(char *out, size_t cap, const char *s)
{
    size_t i = 0;
    for (; i + 1 < cap && s[i]; i++)
        out[i] = s[i];
    out[i] = '\0';
}

/* x in decimal, at least width digits with leading zeros (as %0*u); returns the end */
static char *put_uint(char *p, unsigned x, int width)
{
    if (width == 2 && x < 100) {
        p[0] = (char)('0' + x / 10);
        p[1] = (char)('0' + x % 10);
        return p + 2;
    }
    if (width == 4 && x < 10000) {
        p[0] = (char)('0' + x / 1000);
        p[1] = (char)('0' + x / 100 % 10);
        p[2] = (char)('0' + x / 10 % 10);
        p[3] = (char)('0' + x % 10);
        return p + 4;
    }
    char tmp[12];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + x % 10);
        x /= 10;
    } while (x);
    while (n < width)
        tmp[n++] = '0';
    while (n)
        *p++ = tmp[--n];
    return p;
}

/* The meter's local time as mtr_mbus_datetime_format_local() writes it:
 * "YYYY-MM-DD", "YYYY-MM-DDThh:mm" (type F sends no seconds) or
 * "YYYY-MM-DDThh:mm:ss" (type I); no zone designator, truncated to cap. */
static void date_text(const mtr_mbus_datetime_t *dt, int with_time, char *out, size_t cap)
{
    char tmp[64], *p = tmp;
    p = put_uint(p, dt->year, 4);
    *p++ = '-';
    p = put_uint(p, dt->month, 2);
    *p++ = '-';
    p = put_uint(p, dt->day, 2);
    if (with_time) {
        *p++ = 'T';
        p = put_uint(p, dt->hour, 2);
        *p++ = ':';
        p = put_uint(p, dt->minute, 2);
        if (dt->has_seconds) {
            *p++ = ':';
            p = put_uint(p, dt->second, 2);
        }
    }
    *p = '\0';
    copy_text(out, cap, tmp);
}

/* Function words that fit meter_record_t.function, in zero-padded slots of its size. */
static const char function_words[][16] = {
    [MTR_MBUS_FN_INSTANTANEOUS] = "instantaneous", [MTR_MBUS_FN_MAXIMUM] = "maximum",
    [MTR_MBUS_FN_MINIMUM] = "minimum",             [MTR_MBUS_FN_ERROR_STATE] = "error",
    [MTR_MBUS_FN_MANUFACTURER] = "manufacturer",   [MTR_MBUS_FN_MORE_FOLLOWS] = "more_follows",
    [MTR_MBUS_FN_READOUT] = "readout",
};

static const char *function_word(unsigned fn)
{
    static const char unknown[16] = "unknown";
    return fn < sizeof function_words / sizeof function_words[0] ? function_words[fn] : unknown;
}

static void hex_text(const uint8_t *p, size_t n, char *out, size_t cap)
{
    size_t k = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && k + 3 <= cap; i++) {
        out[k++] = hex_digit[p[i] >> 4];
        out[k++] = hex_digit[p[i] & 0xF];
        out[k] = '\0';
    }
}

static int clamp_int(uint64_t x)
{
    return x > 0x7FFFFFFF ? 0x7FFFFFFF : (int)x;
}

/* The value flags the frame states, as record flags. */
static unsigned record_flags(const mtr_mbus_record_t *r, const mtr_mbus_value_t *v)
{
    unsigned fl = 0;
    if (v->flags & (MTR_MBUS_VAL_INVALID | MTR_MBUS_VAL_RECORD_ERROR | MTR_MBUS_VAL_BCD_INVALID))
        fl |= METER_RECORD_F_INVALID;
    if (v->flags & MTR_MBUS_VAL_SUMMER)
        fl |= METER_RECORD_F_SUMMER_TIME;
    if ((v->flags & MTR_MBUS_VAL_ERROR_STATE) || r->function == MTR_MBUS_FN_ERROR_STATE)
        fl |= METER_RECORD_F_ERROR_STATE;
    return fl;
}

/* The data bytes in hex, most significant first (mode 1 sends them last) */
static void raw_hex(const mtr_mbus_record_t *r, char *out, size_t cap)
{
    size_t k = 0;
    int msb = (r->flags & MTR_MBUS_RF_MSB_FIRST) != 0;
    for (size_t j = 0; j < r->data_len && k + 3 <= cap; j++) {
        uint8_t b = r->data[msb ? j : r->data_len - 1 - j];
        out[k++] = hex_digit[b >> 4];
        out[k++] = hex_digit[b & 0xF];
    }
    out[k] = '\0';
}

void mtr_mbus_to_record(const mtr_mbus_record_t *r, meter_record_t *out, int index)
{
    mtr_mbus_value_t v;
    int vrc;
    mtr_mbus_to_record_v(r, out, index, &v, &vrc);
}

void mtr_mbus_to_record_v(const mtr_mbus_record_t *r, meter_record_t *out, int index,
                          mtr_mbus_value_t *vp, int *vrc)
{
    /* Every byte of the record is written once below, padding included, in pieces
     * the compiler stores with a few vector moves: a memset() or a blank copy of the
     * whole record becomes `rep stos`, whose start-up costs more than the rest of
     * the conversion. The assertion makes a new field a compile error here. */
    _Static_assert(sizeof out->reserved_ == 24 &&
                       offsetof(meter_record_t, reserved_) + sizeof out->reserved_ == sizeof *out,
                   "meter_record_t changed: write its new fields below");
    _Static_assert(sizeof out->function == 16, "function slot");
    _Static_assert(sizeof out->name == MTR_MBUS_QUANTITY_SLOT, "quantity name slot");
    _Static_assert(sizeof out->unit == MTR_MBUS_UNIT_SLOT, "unit slot");
    static const char manufacturer_specific[MTR_MBUS_QUANTITY_SLOT] = "manufacturer_specific";
    int special = !r->has_vif || r->data_field == MTR_MBUS_DF_SPECIAL;
    /* whole zero-padded slots, not string copies: constant-size moves */
    memcpy(out->name, special ? manufacturer_specific : mtr_mbus_quantity_name(r->vi.quantity),
           sizeof out->name);
    /* a plain-text unit is kept for numbers and text alike (UTF-8, cut between
     * characters at 15 bytes); dates, raw bytes and BCD with A-F digits have none */
    if (r->vi.table == MTR_MBUS_VT_PLAIN_TEXT && r->text) {
        memset(out->unit, 0, sizeof out->unit);
        mtr_mbus_text_utf8(r->text, r->text_len, out->unit, sizeof out->unit);
    } else {
        memcpy(out->unit, mtr_mbus_unit_name(special ? MTR_MBUS_U_COUNT_ : r->vi.unit),
               sizeof out->unit);
    }
    memset(&out->kind, 0, offsetof(meter_record_t, text) - offsetof(meter_record_t, kind));
    memset(out->text, 0, sizeof out->text);
    memcpy(out->function, function_word(r->function), sizeof out->function);
    out->storage = clamp_int(r->storage);
    out->tariff = clamp_int(r->tariff);
    out->subunit = (int)r->subunit;
    memset(out->address, 0, sizeof out->address);
    out->index = index;
    out->quantity = METER_Q_NONE;
    out->flags = 0;
    out->raw = 0;
    memset(out->reserved_, 0, sizeof out->reserved_);
    int rc = mtr_mbus_value_decode(r, vp, NULL, 0);
    const mtr_mbus_value_t *v = vp;
    *vrc = rc;
    out->kind = METER_KIND_TEXT;
    out->flags = record_flags(r, v);
    if (rc != METER_OK) { /* BCD with A-F digits: the raw bytes, most significant first */
        raw_hex(r, out->text, sizeof out->text);
        out->unit[0] = '\0';
        return;
    }
    if (v->kind == MTR_MBUS_V_INT && (v->flags & MTR_MBUS_VAL_UNSIGNED)) {
        out->raw = v->raw; /* bit fields, identifiers, counters: exact, never negative */
        out->flags |= METER_RECORD_F_RAW;
    }
    switch (v->kind) {
    case MTR_MBUS_V_INT:
    case MTR_MBUS_V_REAL:
        out->kind = METER_KIND_NUMBER;
        out->value = mtr_mbus_value_double(v);
        break;
    case MTR_MBUS_V_DATE:
        date_text(&v->dt, 0, out->text, sizeof out->text);
        out->unit[0] = '\0';
        break;
    case MTR_MBUS_V_DATETIME:
        date_text(&v->dt, 1, out->text, sizeof out->text);
        out->unit[0] = '\0';
        break;
    case MTR_MBUS_V_TIME:
        {
            char tmp[16], *p = tmp;
            p = put_uint(p, v->dt.hour, 2);
            *p++ = ':';
            p = put_uint(p, v->dt.minute, 2);
            *p++ = ':';
            p = put_uint(p, v->dt.second, 2);
            *p = '\0';
            copy_text(out->text, sizeof out->text, tmp);
        }
        out->unit[0] = '\0';
        break;
    case MTR_MBUS_V_TEXT: /* ISO 8859-1 on the wire, UTF-8 here; the plain-text unit stays */
        mtr_mbus_text_utf8(v->bytes, v->len, out->text, sizeof out->text);
        if (r->vi.table != MTR_MBUS_VT_PLAIN_TEXT)
            out->unit[0] = '\0';
        break;
    case MTR_MBUS_V_BYTES:
        hex_text(v->bytes, v->len, out->text, sizeof out->text);
        out->unit[0] = '\0';
        break;
    case MTR_MBUS_V_NONE:
        break;
    }
}
