/* SPDX-License-Identifier: MIT */
/* The quantity catalogue as a table built from METER_QUANTITY_MAP, and name
 * and unit look-ups. Pure data; no state. */
#include <string.h>

#include "core/internal.h"

static const meter_quantity_info_t catalogue[] = {
#define MTR_Q_ROW_(id, name, unit, kind, obis, desc) \
    {METER_Q_##id, name, METER_UNIT_##unit, METER_KIND_##kind, obis, desc},
    METER_QUANTITY_MAP(MTR_Q_ROW_)
#undef MTR_Q_ROW_
};

static const char *const unit_symbols[] = {
#define MTR_U_ROW_(name, sym) sym,
    METER_UNIT_MAP(MTR_U_ROW_)
#undef MTR_U_ROW_
};

const meter_quantity_info_t *meter_quantity_info(meter_quantity_t q)
{
    if ((unsigned)q >= METER_Q_COUNT_)
        return NULL;
    return &catalogue[q];
}

meter_quantity_t mtr_quantity_single_phase_twin(meter_quantity_t q)
{
    switch (q) {
    case METER_Q_VOLTAGE_L1: return METER_Q_VOLTAGE;
    case METER_Q_CURRENT_L1: return METER_Q_CURRENT;
    case METER_Q_ACTIVE_POWER_L1: return METER_Q_ACTIVE_POWER;
    case METER_Q_REACTIVE_POWER_L1: return METER_Q_REACTIVE_POWER;
    case METER_Q_APPARENT_POWER_L1: return METER_Q_APPARENT_POWER;
    case METER_Q_POWER_FACTOR_L1: return METER_Q_POWER_FACTOR;
    default: return METER_Q_NONE;
    }
}

unsigned meter_quantity_count(void)
{
    return METER_Q_COUNT_;
}

meter_status_t meter_quantity_from_name(const char *name, meter_quantity_t *out)
{
    if (!name || !out)
        return METER_EINVAL;
    for (unsigned i = 0; i < METER_Q_COUNT_; i++) {
        if (strcmp(catalogue[i].name, name) == 0) {
            *out = catalogue[i].id;
            return METER_OK;
        }
    }
    return METER_EQUANTITY;
}

const char *meter_unit_symbol(meter_unit_t unit)
{
    if ((unsigned)unit >= METER_UNIT_COUNT_)
        return "";
    return unit_symbols[unit];
}
