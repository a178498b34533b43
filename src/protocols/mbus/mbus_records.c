/* SPDX-License-Identifier: MIT */
/* M-Bus data records as public records (meter_record_t): name and unit from
 * the VIF, value scaled, dates and text as text; and the catalogue quantity a
 * generic record obviously is (electricity energy, power, voltage, current …). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "protocols/mbus/mbus_internal.h"

void mtr_mbus_id_text(uint32_t id, char out[9])
{
    snprintf(out, 9, "%08X", (unsigned)id);
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
    for (size_t i = 0; i < n && k + 3 <= cap; i++)
        k += (size_t)snprintf(out + k, cap - k, "%02X", p[i]);
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
    snprintf(out->function, sizeof out->function, "%s", function_word(r->function));
    int special = !r->has_vif || r->data_field == MTR_MBUS_DF_SPECIAL;
    snprintf(out->name, sizeof out->name, "%s",
             special ? "manufacturer_specific" : mtr_mbus_quantity_name(r->vi.quantity));
    if (r->vi.table == MTR_MBUS_VT_PLAIN_TEXT && r->text)
        mtr_mbus_text_copy(r->text, r->text_len, out->unit, sizeof out->unit);
    else if (!special)
        snprintf(out->unit, sizeof out->unit, "%s", mtr_mbus_unit_name(r->vi.unit));
    mtr_mbus_value_t v;
    int rc = mtr_mbus_value_decode(r, &v, NULL, 0);
    out->kind = METER_KIND_TEXT;
    if (rc != METER_OK) { /* BCD with A-F digits: the raw bytes, most significant first */
        char tmp[64];
        size_t k = 0;
        for (size_t i = r->data_len; i-- > 0 && k + 3 <= sizeof tmp;)
            k += (size_t)snprintf(tmp + k, sizeof tmp - k, "%02X", r->data[i]);
        snprintf(out->text, sizeof out->text, "%s", k ? tmp : "");
        out->unit[0] = '\0';
        return;
    }
    switch (v.kind) {
    case MTR_MBUS_V_INT:
    case MTR_MBUS_V_REAL:
        out->kind = METER_KIND_NUMBER;
        out->value = mtr_mbus_value_double(&v);
        break;
    case MTR_MBUS_V_DATE:
        mtr_mbus_datetime_format(&v.dt, 0, out->text, sizeof out->text);
        out->unit[0] = '\0';
        break;
    case MTR_MBUS_V_DATETIME:
        mtr_mbus_datetime_format(&v.dt, 1, out->text, sizeof out->text);
        out->unit[0] = '\0';
        break;
    case MTR_MBUS_V_TIME:
        snprintf(out->text, sizeof out->text, "%02u:%02u:%02u", v.dt.hour, v.dt.minute, v.dt.second);
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
