/* SPDX-License-Identifier: MIT */
/* The catalogue quantity a generic M-Bus record is, by the meter's medium:
 * electricity (energy, power, voltage …), heat (thermal energy and power,
 * temperatures), water and gas (volume), heat-cost allocators; the value in
 * the catalogue's unit. The rules are written in docs/mbus.md. */
#include <math.h>
#include <string.h>

#include "protocols/mbus/mbus_internal.h"

enum med { MED_ELECTRIC, MED_HEAT, MED_GAS, MED_WATER, MED_OTHER };

/* EN 13757-3 table 3 (device type); -1 (not sent) and "other" read as electricity did before */
static enum med med_class(int medium)
{
    switch (medium) {
    case 0x02: return MED_ELECTRIC;
    case 0x04: /* heat, outlet */
    case 0x0C: /* heat, inlet */
    case 0x0D: /* heat / cooling */
        return MED_HEAT;
    case 0x03: return MED_GAS;
    case 0x06: /* hot water */
    case 0x07: /* water */
    case 0x15: /* hot water */
    case 0x16: /* cold water */
    case 0x17: /* dual water */
        return MED_WATER;
    default: return MED_OTHER;
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

/* storage 0: the base quantity; 1..12: its _m1.._m12 (listed in order after _m1) */
static meter_quantity_t by_storage(meter_quantity_t base, meter_quantity_t m1, uint64_t storage)
{
    if (storage == 0)
        return base;
    return storage <= 12 ? (meter_quantity_t)(m1 + (storage - 1)) : METER_Q_NONE;
}

/* number · 10^exp10 / div, rounded once: the integer and the power of ten are
 * exact in long double (64-bit mantissa on x86-64), so only the quotient and
 * the final conversion round (J → kWh, J/h → W, Wh → kWh). */
static double scaled(const mtr_mbus_value_t *v, double fallback, long double div)
{
    if (v->kind != MTR_MBUS_V_INT || v->exp10 < -18 || v->exp10 > 18)
        return (double)((long double)fallback / div);
    long double x = (v->flags & MTR_MBUS_VAL_UNSIGNED) ? (long double)v->raw
                                                       : (long double)v->number;
    long double p = 1.0L;
    for (int i = 0; i < (v->exp10 < 0 ? -v->exp10 : v->exp10); i++)
        p *= 10.0L;
    return (double)(v->exp10 < 0 ? x / (p * div) : x * p / div);
}

/* electricity: as the catalogue's electricity quantities */
static meter_quantity_t electric(const mtr_mbus_record_t *r, int export_)
{
    uint8_t phase = r->vi.phase;
    switch (r->vi.unit) {
    case MTR_MBUS_U_WH:
        return by_tariff(export_ ? METER_Q_ENERGY_ACTIVE_EXPORT : METER_Q_ENERGY_ACTIVE_IMPORT,
                         r->tariff);
    case MTR_MBUS_U_VARH:
        return by_tariff(export_ ? METER_Q_ENERGY_REACTIVE_EXPORT : METER_Q_ENERGY_REACTIVE_IMPORT,
                         r->tariff);
    case MTR_MBUS_U_W:
        if (r->tariff == 0 && phase <= 3)
            return phase ? (meter_quantity_t)(METER_Q_ACTIVE_POWER_L1 + phase - 1)
                         : METER_Q_ACTIVE_POWER;
        return METER_Q_NONE;
    case MTR_MBUS_U_VAR:
        return r->tariff == 0 && phase == 0 ? METER_Q_REACTIVE_POWER : METER_Q_NONE;
    case MTR_MBUS_U_VA:
        return r->tariff == 0 && phase == 0 ? METER_Q_APPARENT_POWER : METER_Q_NONE;
    case MTR_MBUS_U_VOLT:
        return r->tariff == 0 ? by_phase(METER_Q_VOLTAGE, phase) : METER_Q_NONE;
    case MTR_MBUS_U_AMPERE:
        return r->tariff == 0 ? by_phase(METER_Q_CURRENT, phase) : METER_Q_NONE;
    case MTR_MBUS_U_HZ:
        return r->tariff == 0 ? METER_Q_FREQUENCY : METER_Q_NONE;
    default:
        return METER_Q_NONE;
    }
}

/* heat, water, gas, HCA and the meter's date: tariff 0, subunit 0; storage N → _mN.
 * *x is converted to the catalogue's unit; x NULL: the quantity only. */
static meter_quantity_t thermal(const mtr_mbus_record_t *r, enum med mc, const mtr_mbus_value_t *v,
                                double *x)
{
    uint64_t st = r->storage;
    unsigned u = r->vi.unit;
    switch (r->vi.quantity) {
    case MTR_MBUS_Q_ENERGY:
        if (u == MTR_MBUS_U_J) {
            if (x)
                *x = scaled(v, *x, 3.6e6L);
        } else if (u == MTR_MBUS_U_WH && mc == MED_HEAT) {
            if (x)
                *x = scaled(v, *x, 1000.0L);
        } else {
            return METER_Q_NONE;
        }
        return by_storage(METER_Q_THERMAL_ENERGY, METER_Q_THERMAL_ENERGY_M1, st);
    case MTR_MBUS_Q_VOLUME:
        if (u != MTR_MBUS_U_M3)
            return METER_Q_NONE;
        return mc == MED_GAS ? by_storage(METER_Q_GAS_VOLUME, METER_Q_GAS_VOLUME_M1, st)
                             : by_storage(METER_Q_VOLUME, METER_Q_VOLUME_M1, st);
    case MTR_MBUS_Q_HCA:
        return by_storage(METER_Q_HCA_UNITS, METER_Q_HCA_UNITS_M1, st);
    case MTR_MBUS_Q_TIME_POINT:
        return by_storage(METER_Q_METER_DATE, METER_Q_METER_DATE_M1, st);
    default:
        break;
    }
    if (st != 0)
        return METER_Q_NONE;
    switch (r->vi.quantity) {
    case MTR_MBUS_Q_POWER:
        if (u == MTR_MBUS_U_J_PER_H) {
            if (x)
                *x = scaled(v, *x, 3600.0L);
            return METER_Q_THERMAL_POWER;
        }
        return u == MTR_MBUS_U_W && mc == MED_HEAT ? METER_Q_THERMAL_POWER : METER_Q_NONE;
    case MTR_MBUS_Q_VOLUME_FLOW:
        if (u != MTR_MBUS_U_M3_PER_MIN && u != MTR_MBUS_U_M3_PER_S && u != MTR_MBUS_U_M3_PER_H)
            return METER_Q_NONE;
        if (x)
            *x *= u == MTR_MBUS_U_M3_PER_MIN ? 60.0 : u == MTR_MBUS_U_M3_PER_S ? 3600.0 : 1.0;
        return METER_Q_VOLUME_FLOW;
    case MTR_MBUS_Q_FLOW_TEMPERATURE:
        return u == MTR_MBUS_U_CELSIUS ? METER_Q_FLOW_TEMPERATURE : METER_Q_NONE;
    case MTR_MBUS_Q_RETURN_TEMPERATURE:
        return u == MTR_MBUS_U_CELSIUS ? METER_Q_RETURN_TEMPERATURE : METER_Q_NONE;
    case MTR_MBUS_Q_EXTERNAL_TEMPERATURE:
        return u == MTR_MBUS_U_CELSIUS ? METER_Q_EXTERNAL_TEMPERATURE : METER_Q_NONE;
    case MTR_MBUS_Q_TEMPERATURE_DIFFERENCE:
        return u == MTR_MBUS_U_KELVIN ? METER_Q_TEMPERATURE_DIFFERENCE : METER_Q_NONE;
    case MTR_MBUS_Q_OPERATING_TIME:
    case MTR_MBUS_Q_ON_TIME: {
        double s = mtr_mbus_unit_seconds(u);
        if (s <= 0)
            return METER_Q_NONE;
        if (x)
            *x = *x * s / 3600.0;
        return r->function == MTR_MBUS_FN_ERROR_STATE ? METER_Q_ERROR_TIME : METER_Q_OPERATING_TIME;
    }
    case MTR_MBUS_Q_ERROR_FLAGS:
        return METER_Q_ERROR_FLAGS;
    default:
        return METER_Q_NONE;
    }
}

int mtr_mbus_catalogue(const mtr_mbus_record_t *r, const meter_record_t *rec, int medium,
                       meter_quantity_t *q, double *value)
{
    return mtr_mbus_catalogue_v(r, rec, NULL, 0, medium, q, value);
}

int mtr_mbus_catalogue_v(const mtr_mbus_record_t *r, const meter_record_t *rec,
                         const mtr_mbus_value_t *given, int given_rc, int medium,
                         meter_quantity_t *q, double *value)
{
    const uint32_t not_a_reading = MTR_MBUS_VF_PER_TIME | MTR_MBUS_VF_LOWER_LIMIT |
                                   MTR_MBUS_VF_UPPER_LIMIT | MTR_MBUS_VF_RECORD_ERROR |
                                   MTR_MBUS_VF_FUTURE;
    int is_date = r->vi.quantity == MTR_MBUS_Q_TIME_POINT && r->vi.meaning == MTR_MBUS_M_TIME_POINT;
    if ((rec->kind != METER_KIND_NUMBER && !is_date) || (rec->flags & METER_RECORD_F_INVALID) ||
        r->subunit != 0 || (r->vi.flags & not_a_reading) || (is_date && rec->text[0] == '\0'))
        return 0;
    int bits = r->vi.quantity == MTR_MBUS_Q_ERROR_FLAGS; /* type D: a number all the same */
    if (r->vi.meaning != MTR_MBUS_M_VALUE && !is_date && !bits)
        return 0;
    /* a duration during error state is the error time; any other error-state value is none */
    int err_time = r->function == MTR_MBUS_FN_ERROR_STATE &&
                   (r->vi.quantity == MTR_MBUS_Q_OPERATING_TIME || r->vi.quantity == MTR_MBUS_Q_ON_TIME);
    if (r->function != MTR_MBUS_FN_INSTANTANEOUS && !err_time)
        return 0;
    mtr_mbus_value_t own;
    const mtr_mbus_value_t *v = given;
    if (is_date || !given) {
        static const mtr_mbus_value_t blank;
        own = blank;
        if (!is_date && mtr_mbus_value_decode(r, &own, NULL, 0) != METER_OK)
            return 0;
        v = &own;
    } else if (given_rc != METER_OK) {
        return 0;
    }
    enum med mc = med_class(medium);
    double x = rec->value;
    double *xp = value ? &x : NULL; /* NULL: the quantity only, no unit conversion */
    meter_quantity_t out = METER_Q_NONE;
    if (r->tariff == 0)
        out = thermal(r, mc, v, xp);
    if (out == METER_Q_NONE && mc != MED_HEAT && mc != MED_GAS && mc != MED_WATER &&
        r->storage == 0 && !is_date && !err_time) {
        out = electric(r, (r->vi.flags & MTR_MBUS_VF_EXPORT) != 0);
        if (xp && out != METER_Q_NONE && (r->vi.unit == MTR_MBUS_U_WH || r->vi.unit == MTR_MBUS_U_VARH))
            x = scaled(v, x, 1000.0L);
    }
    if (out == METER_Q_NONE)
        return 0;
    *q = out;
    if (value)
        *value = x;
    return 1;
}

int mtr_mbus_catalogue_medium(const mtr_mbus_app_t *app)
{
    if (!(app->fields & MTR_MBUS_HF_MEDIUM))
        return -1;
    if (app->kind != MTR_MBUS_APP_FIXED)
        return app->medium;
    /* the fixed structure's 4-bit code: 0..8 as table 3, 0A..0E the same media "mode 2"
     * (gas, heat, hot water, water, HCA), as libmbus's fixed-medium table reads them */
    static const int mode2[5] = {0x03, 0x04, 0x06, 0x07, 0x08};
    unsigned c = app->medium & 0x0F;
    return c <= 0x08 ? (int)c : c >= 0x0A && c <= 0x0E ? mode2[c - 0x0A] : -1;
}

size_t mtr_mbus_catalogue_all(meter_quantity_t *out, size_t cap)
{
    static const struct {
        meter_quantity_t first, last;
    } ranges[] = {
        {METER_Q_VOLTAGE, METER_Q_CURRENT_L3},
        {METER_Q_FREQUENCY, METER_Q_APPARENT_POWER},
        {METER_Q_ENERGY_ACTIVE_IMPORT, METER_Q_ENERGY_ACTIVE_IMPORT_T4},
        {METER_Q_ENERGY_ACTIVE_EXPORT, METER_Q_ENERGY_ACTIVE_EXPORT_T4},
        {METER_Q_ENERGY_REACTIVE_IMPORT, METER_Q_ENERGY_REACTIVE_IMPORT_T4},
        {METER_Q_ENERGY_REACTIVE_EXPORT, METER_Q_ENERGY_REACTIVE_EXPORT_T4},
        {METER_Q_VOLUME, METER_Q_METER_DATE_M12},
    };
    size_t k = 0;
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++)
        for (unsigned q = ranges[i].first; q <= (unsigned)ranges[i].last; q++) {
            if (q == METER_Q_REACTIVE_POWER_L1 || q == METER_Q_REACTIVE_POWER_L2 ||
                q == METER_Q_REACTIVE_POWER_L3 || (q >= METER_Q_APPARENT_POWER_L1 &&
                                                   q <= METER_Q_APPARENT_POWER_L3))
                continue; /* per-phase var/VA: not mapped */
            if (out && k < cap)
                out[k] = (meter_quantity_t)q;
            k++;
        }
    return k;
}
