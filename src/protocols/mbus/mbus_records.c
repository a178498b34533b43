/* SPDX-License-Identifier: MIT */
/* M-Bus data records as public records (meter_record_t): name and unit from
 * the VIF, value scaled, dates and text as text; and the catalogue quantity a
 * generic record obviously is (electricity energy, power, voltage, current …). */
#include <math.h>
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

/* "%04u-%02u-%02u" or "%04u-%02u-%02uT%02u:%02u:%02uZ", truncated to cap like snprintf */
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
        *p++ = ':';
        p = put_uint(p, dt->second, 2);
        *p++ = 'Z';
    }
    *p = '\0';
    copy_text(out, cap, tmp);
}

/* mtr_mbus_value_double() with exact powers of ten from a table instead of pow() */
static double value_double(const mtr_mbus_value_t *v)
{
    static const double p10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    int e = v->exp10 < 0 ? -v->exp10 : v->exp10;
    if (e > 22 || (v->kind != MTR_MBUS_V_INT && v->kind != MTR_MBUS_V_REAL))
        return mtr_mbus_value_double(v);
    double x = v->kind == MTR_MBUS_V_INT ? (double)v->number : v->real;
    /* divide by 10^-e rather than multiply by an inexact 10^e, as the codec does */
    return v->exp10 < 0 ? x / p10[e] : x * p10[e];
}

/* Function names that fit meter_record_t.function (16 bytes). */
static const char *function_word(unsigned fn)
{
    switch (fn) {
    case MTR_MBUS_FN_MANUFACTURER: return "manufacturer";
    case MTR_MBUS_FN_MORE_FOLLOWS: return "more_follows";
    case MTR_MBUS_FN_READOUT: return "readout";
    default: return mtr_mbus_function_name(fn);
    }
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

void mtr_mbus_to_record(const mtr_mbus_record_t *r, meter_record_t *out, int index)
{
    memset(out, 0, sizeof *out);
    out->index = index;
    out->quantity = METER_Q_NONE;
    out->storage = clamp_int(r->storage);
    out->tariff = clamp_int(r->tariff);
    out->subunit = (int)r->subunit;
    copy_text(out->function, sizeof out->function, function_word(r->function));
    int special = !r->has_vif || r->data_field == MTR_MBUS_DF_SPECIAL;
    copy_text(out->name, sizeof out->name,
              special ? "manufacturer_specific" : mtr_mbus_quantity_name(r->vi.quantity));
    if (r->vi.table == MTR_MBUS_VT_PLAIN_TEXT && r->text)
        mtr_mbus_text_copy(r->text, r->text_len, out->unit, sizeof out->unit);
    else if (!special)
        copy_text(out->unit, sizeof out->unit, mtr_mbus_unit_name(r->vi.unit));
    mtr_mbus_value_t v;
    int rc = mtr_mbus_value_decode(r, &v, NULL, 0);
    out->kind = METER_KIND_TEXT;
    if (rc != METER_OK) { /* BCD with A-F digits: the raw bytes, most significant first */
        char tmp[64];
        size_t k = 0;
        for (size_t i = r->data_len; i-- > 0 && k + 3 <= sizeof tmp;) {
            tmp[k++] = hex_digit[r->data[i] >> 4];
            tmp[k++] = hex_digit[r->data[i] & 0xF];
        }
        tmp[k] = '\0';
        copy_text(out->text, sizeof out->text, tmp);
        out->unit[0] = '\0';
        return;
    }
    switch (v.kind) {
    case MTR_MBUS_V_INT:
    case MTR_MBUS_V_REAL:
        out->kind = METER_KIND_NUMBER;
        out->value = value_double(&v);
        break;
    case MTR_MBUS_V_DATE:
        date_text(&v.dt, 0, out->text, sizeof out->text);
        out->unit[0] = '\0';
        break;
    case MTR_MBUS_V_DATETIME:
        date_text(&v.dt, 1, out->text, sizeof out->text);
        out->unit[0] = '\0';
        break;
    case MTR_MBUS_V_TIME:
        {
            char tmp[16], *p = tmp;
            p = put_uint(p, v.dt.hour, 2);
            *p++ = ':';
            p = put_uint(p, v.dt.minute, 2);
            *p++ = ':';
            p = put_uint(p, v.dt.second, 2);
            *p = '\0';
            copy_text(out->text, sizeof out->text, tmp);
        }
        out->unit[0] = '\0';
        break;
    case MTR_MBUS_V_TEXT:
        mtr_mbus_text_copy(v.bytes, v.len, out->text, sizeof out->text);
        out->unit[0] = '\0';
        break;
    case MTR_MBUS_V_BYTES:
        hex_text(v.bytes, v.len, out->text, sizeof out->text);
        out->unit[0] = '\0';
        break;
    case MTR_MBUS_V_NONE:
        break;
    }
}

static meter_quantity_t by_tariff(meter_quantity_t base, uint32_t tariff)
{
    /* energy quantities list the total, then _t1 .. _t4 */
    return tariff <= 4 ? (meter_quantity_t)(base + tariff) : METER_Q_NONE;
}

static meter_quantity_t by_phase(meter_quantity_t base, uint8_t phase)
{
    /* voltage/current list the summary value, then _l1 .. _l3 */
    return phase <= 3 ? (meter_quantity_t)(base + phase) : METER_Q_NONE;
}

int mtr_mbus_catalogue(const mtr_mbus_record_t *r, const meter_record_t *rec, meter_quantity_t *q,
                       double *value)
{
    if (rec->kind != METER_KIND_NUMBER || r->storage != 0 || r->subunit != 0 ||
        r->function != MTR_MBUS_FN_INSTANTANEOUS || r->vi.meaning != MTR_MBUS_M_VALUE ||
        (r->vi.flags & (MTR_MBUS_VF_PER_TIME | MTR_MBUS_VF_LOWER_LIMIT | MTR_MBUS_VF_UPPER_LIMIT |
                        MTR_MBUS_VF_RECORD_ERROR | MTR_MBUS_VF_FUTURE)))
        return 0;
    meter_quantity_t out = METER_Q_NONE;
    double x = rec->value;
    int export_ = (r->vi.flags & MTR_MBUS_VF_EXPORT) != 0;
    uint8_t phase = r->vi.phase;
    switch (r->vi.unit) {
    case MTR_MBUS_U_WH:
        out = by_tariff(export_ ? METER_Q_ENERGY_ACTIVE_EXPORT : METER_Q_ENERGY_ACTIVE_IMPORT,
                        r->tariff);
        x /= 1000.0;
        break;
    case MTR_MBUS_U_VARH:
        out = by_tariff(export_ ? METER_Q_ENERGY_REACTIVE_EXPORT : METER_Q_ENERGY_REACTIVE_IMPORT,
                        r->tariff);
        x /= 1000.0;
        break;
    case MTR_MBUS_U_W:
        if (r->tariff == 0 && phase <= 3)
            out = phase ? (meter_quantity_t)(METER_Q_ACTIVE_POWER_L1 + phase - 1)
                        : METER_Q_ACTIVE_POWER;
        break;
    case MTR_MBUS_U_VAR:
        if (r->tariff == 0 && phase == 0)
            out = METER_Q_REACTIVE_POWER;
        break;
    case MTR_MBUS_U_VA:
        if (r->tariff == 0 && phase == 0)
            out = METER_Q_APPARENT_POWER;
        break;
    case MTR_MBUS_U_VOLT:
        if (r->tariff == 0)
            out = by_phase(METER_Q_VOLTAGE, phase);
        break;
    case MTR_MBUS_U_AMPERE:
        if (r->tariff == 0)
            out = by_phase(METER_Q_CURRENT, phase);
        break;
    case MTR_MBUS_U_HZ:
        if (r->tariff == 0)
            out = METER_Q_FREQUENCY;
        break;
    default:
        break;
    }
    if (out == METER_Q_NONE)
        return 0;
    *q = out;
    *value = x;
    return 1;
}
