/* SPDX-License-Identifier: MIT */
/* The generic OBIS -> catalogue map (IEC 62056-61 / DLMS Blue Book value groups),
 * shared by the IEC 62056-21 and SML protocols, and its lookup. Model tables that
 * send fewer codes keep their own subsets (src/drivers/iec62056.c, sml.c). */
#include "proto/obis.h"

#define E(q, c, d, e) {METER_Q_##q, 1, c, d, e, "OBIS 1-b:" #c "." #d "." #e}
const mtr_obis_row_t mtr_obis_generic[] = {
    E(ENERGY_ACTIVE_IMPORT, 1, 8, 0),    E(ENERGY_ACTIVE_IMPORT_T1, 1, 8, 1),
    E(ENERGY_ACTIVE_IMPORT_T2, 1, 8, 2), E(ENERGY_ACTIVE_IMPORT_T3, 1, 8, 3),
    E(ENERGY_ACTIVE_IMPORT_T4, 1, 8, 4), E(ENERGY_ACTIVE_EXPORT, 2, 8, 0),
    E(ENERGY_ACTIVE_EXPORT_T1, 2, 8, 1), E(ENERGY_ACTIVE_EXPORT_T2, 2, 8, 2),
    E(ENERGY_ACTIVE_EXPORT_T3, 2, 8, 3), E(ENERGY_ACTIVE_EXPORT_T4, 2, 8, 4),
    E(ENERGY_REACTIVE_IMPORT, 3, 8, 0),  E(ENERGY_REACTIVE_IMPORT_T1, 3, 8, 1),
    E(ENERGY_REACTIVE_IMPORT_T2, 3, 8, 2), E(ENERGY_REACTIVE_IMPORT_T3, 3, 8, 3),
    E(ENERGY_REACTIVE_IMPORT_T4, 3, 8, 4), E(ENERGY_REACTIVE_EXPORT, 4, 8, 0),
    E(ENERGY_REACTIVE_EXPORT_T1, 4, 8, 1), E(ENERGY_REACTIVE_EXPORT_T2, 4, 8, 2),
    E(ENERGY_REACTIVE_EXPORT_T3, 4, 8, 3), E(ENERGY_REACTIVE_EXPORT_T4, 4, 8, 4),
    E(ENERGY_ACTIVE_TOTAL, 15, 8, 0),    E(ENERGY_ACTIVE_TOTAL_T1, 15, 8, 1),
    E(ENERGY_ACTIVE_TOTAL_T2, 15, 8, 2), E(ENERGY_ACTIVE_TOTAL_T3, 15, 8, 3),
    E(ENERGY_ACTIVE_TOTAL_T4, 15, 8, 4),
    E(VOLTAGE_L1, 32, 7, 0),             E(VOLTAGE_L2, 52, 7, 0),
    E(VOLTAGE_L3, 72, 7, 0),             E(CURRENT_L1, 31, 7, 0),
    E(CURRENT_L2, 51, 7, 0),             E(CURRENT_L3, 71, 7, 0),
    E(ACTIVE_POWER, 16, 7, 0),           E(ACTIVE_POWER, 1, 7, 0),
    E(ACTIVE_POWER_L1, 21, 7, 0),        E(ACTIVE_POWER_L2, 41, 7, 0),
    E(ACTIVE_POWER_L3, 61, 7, 0),        E(REACTIVE_POWER, 3, 7, 0),
    E(APPARENT_POWER, 9, 7, 0),          E(FREQUENCY, 14, 7, 0),
    E(POWER_FACTOR, 13, 7, 0),           E(POWER_FACTOR_L1, 33, 7, 0),
    E(POWER_FACTOR_L2, 53, 7, 0),        E(POWER_FACTOR_L3, 73, 7, 0),
    {METER_Q_SERIAL_NUMBER, 0, 96, 1, 0, "OBIS 0-0:C.1.0 (96.1.0), serial number"},
    {METER_Q_SERIAL_NUMBER, 0, 0, 0, 0, "OBIS 0-0:0.0.0, device address / meter id"},
    {METER_Q_ERROR_CODE, 0, 97, 97, 0, "OBIS 0-0:F.F.0 (97.97.0), error register"},
};
#undef E
_Static_assert(sizeof mtr_obis_generic / sizeof mtr_obis_generic[0] == MTR_OBIS_GENERIC_N,
               "MTR_OBIS_GENERIC_N counts the rows");

meter_quantity_t mtr_obis_map(const mtr_obis_row_t *rows, size_t n, int a, int c, int d, int e,
                              size_t *prio)
{
    for (size_t i = 0; rows && i < n; i++) {
        const mtr_obis_row_t *r = &rows[i];
        if (a >= 0 && a != r->a)
            continue;
        if (c != r->c || d != r->d || e != r->e)
            continue;
        if (prio)
            *prio = i;
        return r->q;
    }
    return METER_Q_NONE;
}
