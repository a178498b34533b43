/* SPDX-License-Identifier: MIT */
/* The catalogue of logical quantities: stable names users script against,
 * one fixed unit each (power always W, energy always kWh), and an OBIS code
 * where one applies. The list is append-only: ids are never renumbered. */
#ifndef METER_QUANTITY_H
#define METER_QUANTITY_H

#include "meter/error.h"
#include "meter/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* X(name, symbol) — units of the catalogue. Append-only. */
#define METER_UNIT_MAP(X)                                                          \
    X(NONE, "")                                                                    \
    X(VOLT, "V")                                                                   \
    X(AMPERE, "A")                                                                 \
    X(HERTZ, "Hz")                                                                 \
    X(WATT, "W")                                                                   \
    X(VAR, "var")                                                                  \
    X(VOLTAMPERE, "VA")                                                            \
    X(KWH, "kWh")                                                                  \
    X(KVARH, "kvarh")                                                              \
    X(SECOND, "s")                                                                 \
    X(IMP_PER_KWH, "imp/kWh")                                                      \
    X(BAUD, "Bd")                                                                  \
    X(M3, "m³")                                                                    \
    X(M3_PER_H, "m³/h")                                                            \
    X(CELSIUS, "°C")                                                               \
    X(KELVIN, "K")                                                                 \
    X(HOUR, "h")

/** Units. @since 0.1 */
typedef enum meter_unit {
#define METER_UNIT_ENUM_(name, sym) METER_UNIT_##name,
    METER_UNIT_MAP(METER_UNIT_ENUM_)
#undef METER_UNIT_ENUM_
    METER_UNIT_COUNT_
} meter_unit_t;

/** What a quantity's value is: a number (double) or text. @since 0.1 */
typedef enum meter_kind {
    METER_KIND_NUMBER = 0,
    METER_KIND_TEXT = 1
} meter_kind_t;

/* X(ID, "name", UNIT, KIND, "obis" or NULL, "description").
 * Tariffs: _t1.._t4 (KPM31: t1 sharp, t2 peak, t3 flat, t4 valley).
 * History: _mN is N settlement periods back, _m0 the current period; for
 * M-Bus meters _mN is the value of storage number N (storage 1: the last due
 * date), the base name storage 0 (docs/quantities.md). */
#define METER_QUANTITY_MAP(X) \
    X(VOLTAGE, "voltage", VOLT, NUMBER, NULL, "voltage (single phase, or the meter's summary value)") \
    X(VOLTAGE_L1, "voltage_l1", VOLT, NUMBER, "1-0:32.7.0", "voltage of phase L1") \
    X(VOLTAGE_L2, "voltage_l2", VOLT, NUMBER, "1-0:52.7.0", "voltage of phase L2") \
    X(VOLTAGE_L3, "voltage_l3", VOLT, NUMBER, "1-0:72.7.0", "voltage of phase L3") \
    X(CURRENT, "current", AMPERE, NUMBER, NULL, "current (single phase, or the meter's summary value)") \
    X(CURRENT_L1, "current_l1", AMPERE, NUMBER, "1-0:31.7.0", "current of phase L1") \
    X(CURRENT_L2, "current_l2", AMPERE, NUMBER, "1-0:51.7.0", "current of phase L2") \
    X(CURRENT_L3, "current_l3", AMPERE, NUMBER, "1-0:71.7.0", "current of phase L3") \
    X(FREQUENCY, "frequency", HERTZ, NUMBER, "1-0:14.7.0", "grid frequency") \
    X(ACTIVE_POWER, "active_power", WATT, NUMBER, "1-0:16.7.0", "active power, all phases") \
    X(ACTIVE_POWER_L1, "active_power_l1", WATT, NUMBER, "1-0:21.7.0", "active power of phase L1") \
    X(ACTIVE_POWER_L2, "active_power_l2", WATT, NUMBER, "1-0:41.7.0", "active power of phase L2") \
    X(ACTIVE_POWER_L3, "active_power_l3", WATT, NUMBER, "1-0:61.7.0", "active power of phase L3") \
    X(REACTIVE_POWER, "reactive_power", VAR, NUMBER, "1-0:3.7.0", "reactive power, all phases") \
    X(REACTIVE_POWER_L1, "reactive_power_l1", VAR, NUMBER, "1-0:23.7.0", "reactive power of phase L1") \
    X(REACTIVE_POWER_L2, "reactive_power_l2", VAR, NUMBER, "1-0:43.7.0", "reactive power of phase L2") \
    X(REACTIVE_POWER_L3, "reactive_power_l3", VAR, NUMBER, "1-0:63.7.0", "reactive power of phase L3") \
    X(APPARENT_POWER, "apparent_power", VOLTAMPERE, NUMBER, "1-0:9.7.0", "apparent power, all phases") \
    X(APPARENT_POWER_L1, "apparent_power_l1", VOLTAMPERE, NUMBER, "1-0:29.7.0", "apparent power of phase L1") \
    X(APPARENT_POWER_L2, "apparent_power_l2", VOLTAMPERE, NUMBER, "1-0:49.7.0", "apparent power of phase L2") \
    X(APPARENT_POWER_L3, "apparent_power_l3", VOLTAMPERE, NUMBER, "1-0:69.7.0", "apparent power of phase L3") \
    X(POWER_FACTOR, "power_factor", NONE, NUMBER, "1-0:13.7.0", "power factor, all phases") \
    X(POWER_FACTOR_L1, "power_factor_l1", NONE, NUMBER, "1-0:33.7.0", "power factor of phase L1") \
    X(POWER_FACTOR_L2, "power_factor_l2", NONE, NUMBER, "1-0:53.7.0", "power factor of phase L2") \
    X(POWER_FACTOR_L3, "power_factor_l3", NONE, NUMBER, "1-0:73.7.0", "power factor of phase L3") \
    X(APPARENT_DEMAND, "apparent_demand", VOLTAMPERE, NUMBER, NULL, "apparent power demand") \
    X(ENERGY_ACTIVE_TOTAL, "energy_active_total", KWH, NUMBER, "1-0:15.8.0", "active energy total (as the meter combines import and export)") \
    X(ENERGY_ACTIVE_TOTAL_T1, "energy_active_total_t1", KWH, NUMBER, "1-0:15.8.1", "active energy total (as the meter combines import and export), tariff 1") \
    X(ENERGY_ACTIVE_TOTAL_T2, "energy_active_total_t2", KWH, NUMBER, "1-0:15.8.2", "active energy total (as the meter combines import and export), tariff 2") \
    X(ENERGY_ACTIVE_TOTAL_T3, "energy_active_total_t3", KWH, NUMBER, "1-0:15.8.3", "active energy total (as the meter combines import and export), tariff 3") \
    X(ENERGY_ACTIVE_TOTAL_T4, "energy_active_total_t4", KWH, NUMBER, "1-0:15.8.4", "active energy total (as the meter combines import and export), tariff 4") \
    X(ENERGY_ACTIVE_TOTAL_L1, "energy_active_total_l1", KWH, NUMBER, "1-0:35.8.0", "active energy total (as the meter combines import and export), phase L1") \
    X(ENERGY_ACTIVE_TOTAL_L2, "energy_active_total_l2", KWH, NUMBER, "1-0:55.8.0", "active energy total (as the meter combines import and export), phase L2") \
    X(ENERGY_ACTIVE_TOTAL_L3, "energy_active_total_l3", KWH, NUMBER, "1-0:75.8.0", "active energy total (as the meter combines import and export), phase L3") \
    X(ENERGY_ACTIVE_IMPORT, "energy_active_import", KWH, NUMBER, "1-0:1.8.0", "active energy import (forward)") \
    X(ENERGY_ACTIVE_IMPORT_T1, "energy_active_import_t1", KWH, NUMBER, "1-0:1.8.1", "active energy import (forward), tariff 1") \
    X(ENERGY_ACTIVE_IMPORT_T2, "energy_active_import_t2", KWH, NUMBER, "1-0:1.8.2", "active energy import (forward), tariff 2") \
    X(ENERGY_ACTIVE_IMPORT_T3, "energy_active_import_t3", KWH, NUMBER, "1-0:1.8.3", "active energy import (forward), tariff 3") \
    X(ENERGY_ACTIVE_IMPORT_T4, "energy_active_import_t4", KWH, NUMBER, "1-0:1.8.4", "active energy import (forward), tariff 4") \
    X(ENERGY_ACTIVE_IMPORT_L1, "energy_active_import_l1", KWH, NUMBER, "1-0:21.8.0", "active energy import (forward), phase L1") \
    X(ENERGY_ACTIVE_IMPORT_L2, "energy_active_import_l2", KWH, NUMBER, "1-0:41.8.0", "active energy import (forward), phase L2") \
    X(ENERGY_ACTIVE_IMPORT_L3, "energy_active_import_l3", KWH, NUMBER, "1-0:61.8.0", "active energy import (forward), phase L3") \
    X(ENERGY_ACTIVE_EXPORT, "energy_active_export", KWH, NUMBER, "1-0:2.8.0", "active energy export (reverse)") \
    X(ENERGY_ACTIVE_EXPORT_T1, "energy_active_export_t1", KWH, NUMBER, "1-0:2.8.1", "active energy export (reverse), tariff 1") \
    X(ENERGY_ACTIVE_EXPORT_T2, "energy_active_export_t2", KWH, NUMBER, "1-0:2.8.2", "active energy export (reverse), tariff 2") \
    X(ENERGY_ACTIVE_EXPORT_T3, "energy_active_export_t3", KWH, NUMBER, "1-0:2.8.3", "active energy export (reverse), tariff 3") \
    X(ENERGY_ACTIVE_EXPORT_T4, "energy_active_export_t4", KWH, NUMBER, "1-0:2.8.4", "active energy export (reverse), tariff 4") \
    X(ENERGY_ACTIVE_EXPORT_L1, "energy_active_export_l1", KWH, NUMBER, "1-0:22.8.0", "active energy export (reverse), phase L1") \
    X(ENERGY_ACTIVE_EXPORT_L2, "energy_active_export_l2", KWH, NUMBER, "1-0:42.8.0", "active energy export (reverse), phase L2") \
    X(ENERGY_ACTIVE_EXPORT_L3, "energy_active_export_l3", KWH, NUMBER, "1-0:62.8.0", "active energy export (reverse), phase L3") \
    X(ENERGY_REACTIVE_TOTAL, "energy_reactive_total", KVARH, NUMBER, NULL, "reactive energy total (as the meter combines import and export)") \
    X(ENERGY_REACTIVE_TOTAL_T1, "energy_reactive_total_t1", KVARH, NUMBER, NULL, "reactive energy total (as the meter combines import and export), tariff 1") \
    X(ENERGY_REACTIVE_TOTAL_T2, "energy_reactive_total_t2", KVARH, NUMBER, NULL, "reactive energy total (as the meter combines import and export), tariff 2") \
    X(ENERGY_REACTIVE_TOTAL_T3, "energy_reactive_total_t3", KVARH, NUMBER, NULL, "reactive energy total (as the meter combines import and export), tariff 3") \
    X(ENERGY_REACTIVE_TOTAL_T4, "energy_reactive_total_t4", KVARH, NUMBER, NULL, "reactive energy total (as the meter combines import and export), tariff 4") \
    X(ENERGY_REACTIVE_TOTAL_L1, "energy_reactive_total_l1", KVARH, NUMBER, NULL, "reactive energy total (as the meter combines import and export), phase L1") \
    X(ENERGY_REACTIVE_TOTAL_L2, "energy_reactive_total_l2", KVARH, NUMBER, NULL, "reactive energy total (as the meter combines import and export), phase L2") \
    X(ENERGY_REACTIVE_TOTAL_L3, "energy_reactive_total_l3", KVARH, NUMBER, NULL, "reactive energy total (as the meter combines import and export), phase L3") \
    X(ENERGY_REACTIVE_IMPORT, "energy_reactive_import", KVARH, NUMBER, "1-0:3.8.0", "reactive energy import (forward)") \
    X(ENERGY_REACTIVE_IMPORT_T1, "energy_reactive_import_t1", KVARH, NUMBER, "1-0:3.8.1", "reactive energy import (forward), tariff 1") \
    X(ENERGY_REACTIVE_IMPORT_T2, "energy_reactive_import_t2", KVARH, NUMBER, "1-0:3.8.2", "reactive energy import (forward), tariff 2") \
    X(ENERGY_REACTIVE_IMPORT_T3, "energy_reactive_import_t3", KVARH, NUMBER, "1-0:3.8.3", "reactive energy import (forward), tariff 3") \
    X(ENERGY_REACTIVE_IMPORT_T4, "energy_reactive_import_t4", KVARH, NUMBER, "1-0:3.8.4", "reactive energy import (forward), tariff 4") \
    X(ENERGY_REACTIVE_IMPORT_L1, "energy_reactive_import_l1", KVARH, NUMBER, "1-0:23.8.0", "reactive energy import (forward), phase L1") \
    X(ENERGY_REACTIVE_IMPORT_L2, "energy_reactive_import_l2", KVARH, NUMBER, "1-0:43.8.0", "reactive energy import (forward), phase L2") \
    X(ENERGY_REACTIVE_IMPORT_L3, "energy_reactive_import_l3", KVARH, NUMBER, "1-0:63.8.0", "reactive energy import (forward), phase L3") \
    X(ENERGY_REACTIVE_EXPORT, "energy_reactive_export", KVARH, NUMBER, "1-0:4.8.0", "reactive energy export (reverse)") \
    X(ENERGY_REACTIVE_EXPORT_T1, "energy_reactive_export_t1", KVARH, NUMBER, "1-0:4.8.1", "reactive energy export (reverse), tariff 1") \
    X(ENERGY_REACTIVE_EXPORT_T2, "energy_reactive_export_t2", KVARH, NUMBER, "1-0:4.8.2", "reactive energy export (reverse), tariff 2") \
    X(ENERGY_REACTIVE_EXPORT_T3, "energy_reactive_export_t3", KVARH, NUMBER, "1-0:4.8.3", "reactive energy export (reverse), tariff 3") \
    X(ENERGY_REACTIVE_EXPORT_T4, "energy_reactive_export_t4", KVARH, NUMBER, "1-0:4.8.4", "reactive energy export (reverse), tariff 4") \
    X(ENERGY_REACTIVE_EXPORT_L1, "energy_reactive_export_l1", KVARH, NUMBER, "1-0:24.8.0", "reactive energy export (reverse), phase L1") \
    X(ENERGY_REACTIVE_EXPORT_L2, "energy_reactive_export_l2", KVARH, NUMBER, "1-0:44.8.0", "reactive energy export (reverse), phase L2") \
    X(ENERGY_REACTIVE_EXPORT_L3, "energy_reactive_export_l3", KVARH, NUMBER, "1-0:64.8.0", "reactive energy export (reverse), phase L3") \
    X(ENERGY_ACTIVE_DAY_COUNTER, "energy_active_day_counter", KWH, NUMBER, NULL, "resettable day counter of active energy") \
    X(ENERGY_ACTIVE_TOTAL_M0, "energy_active_total_m0", KWH, NUMBER, NULL, "active energy total, this billing period") \
    X(ENERGY_ACTIVE_TOTAL_M1, "energy_active_total_m1", KWH, NUMBER, NULL, "active energy total, 1 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_M2, "energy_active_total_m2", KWH, NUMBER, NULL, "active energy total, 2 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_M3, "energy_active_total_m3", KWH, NUMBER, NULL, "active energy total, 3 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_M4, "energy_active_total_m4", KWH, NUMBER, NULL, "active energy total, 4 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_M5, "energy_active_total_m5", KWH, NUMBER, NULL, "active energy total, 5 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_M6, "energy_active_total_m6", KWH, NUMBER, NULL, "active energy total, 6 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_M7, "energy_active_total_m7", KWH, NUMBER, NULL, "active energy total, 7 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_M8, "energy_active_total_m8", KWH, NUMBER, NULL, "active energy total, 8 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_M9, "energy_active_total_m9", KWH, NUMBER, NULL, "active energy total, 9 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_M10, "energy_active_total_m10", KWH, NUMBER, NULL, "active energy total, 10 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_M11, "energy_active_total_m11", KWH, NUMBER, NULL, "active energy total, 11 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_M12, "energy_active_total_m12", KWH, NUMBER, NULL, "active energy total, 12 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_T1_M0, "energy_active_total_t1_m0", KWH, NUMBER, NULL, "active energy total, tariff 1, this billing period") \
    X(ENERGY_ACTIVE_TOTAL_T1_M1, "energy_active_total_t1_m1", KWH, NUMBER, NULL, "active energy total, tariff 1, 1 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_T1_M2, "energy_active_total_t1_m2", KWH, NUMBER, NULL, "active energy total, tariff 1, 2 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_T1_M3, "energy_active_total_t1_m3", KWH, NUMBER, NULL, "active energy total, tariff 1, 3 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_T1_M4, "energy_active_total_t1_m4", KWH, NUMBER, NULL, "active energy total, tariff 1, 4 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_T1_M5, "energy_active_total_t1_m5", KWH, NUMBER, NULL, "active energy total, tariff 1, 5 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_T1_M6, "energy_active_total_t1_m6", KWH, NUMBER, NULL, "active energy total, tariff 1, 6 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_T1_M7, "energy_active_total_t1_m7", KWH, NUMBER, NULL, "active energy total, tariff 1, 7 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_T1_M8, "energy_active_total_t1_m8", KWH, NUMBER, NULL, "active energy total, tariff 1, 8 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_T1_M9, "energy_active_total_t1_m9", KWH, NUMBER, NULL, "active energy total, tariff 1, 9 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_T1_M10, "energy_active_total_t1_m10", KWH, NUMBER, NULL, "active energy total, tariff 1, 10 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_T1_M11, "energy_active_total_t1_m11", KWH, NUMBER, NULL, "active energy total, tariff 1, 11 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_T1_M12, "energy_active_total_t1_m12", KWH, NUMBER, NULL, "active energy total, tariff 1, 12 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_T2_M0, "energy_active_total_t2_m0", KWH, NUMBER, NULL, "active energy total, tariff 2, this billing period") \
    X(ENERGY_ACTIVE_TOTAL_T2_M1, "energy_active_total_t2_m1", KWH, NUMBER, NULL, "active energy total, tariff 2, 1 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_T2_M2, "energy_active_total_t2_m2", KWH, NUMBER, NULL, "active energy total, tariff 2, 2 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_T2_M3, "energy_active_total_t2_m3", KWH, NUMBER, NULL, "active energy total, tariff 2, 3 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_T2_M4, "energy_active_total_t2_m4", KWH, NUMBER, NULL, "active energy total, tariff 2, 4 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_T2_M5, "energy_active_total_t2_m5", KWH, NUMBER, NULL, "active energy total, tariff 2, 5 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_T2_M6, "energy_active_total_t2_m6", KWH, NUMBER, NULL, "active energy total, tariff 2, 6 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_T2_M7, "energy_active_total_t2_m7", KWH, NUMBER, NULL, "active energy total, tariff 2, 7 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_T2_M8, "energy_active_total_t2_m8", KWH, NUMBER, NULL, "active energy total, tariff 2, 8 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_T2_M9, "energy_active_total_t2_m9", KWH, NUMBER, NULL, "active energy total, tariff 2, 9 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_T2_M10, "energy_active_total_t2_m10", KWH, NUMBER, NULL, "active energy total, tariff 2, 10 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_T2_M11, "energy_active_total_t2_m11", KWH, NUMBER, NULL, "active energy total, tariff 2, 11 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_T2_M12, "energy_active_total_t2_m12", KWH, NUMBER, NULL, "active energy total, tariff 2, 12 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_T3_M0, "energy_active_total_t3_m0", KWH, NUMBER, NULL, "active energy total, tariff 3, this billing period") \
    X(ENERGY_ACTIVE_TOTAL_T3_M1, "energy_active_total_t3_m1", KWH, NUMBER, NULL, "active energy total, tariff 3, 1 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_T3_M2, "energy_active_total_t3_m2", KWH, NUMBER, NULL, "active energy total, tariff 3, 2 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_T3_M3, "energy_active_total_t3_m3", KWH, NUMBER, NULL, "active energy total, tariff 3, 3 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_T3_M4, "energy_active_total_t3_m4", KWH, NUMBER, NULL, "active energy total, tariff 3, 4 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_T3_M5, "energy_active_total_t3_m5", KWH, NUMBER, NULL, "active energy total, tariff 3, 5 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_T3_M6, "energy_active_total_t3_m6", KWH, NUMBER, NULL, "active energy total, tariff 3, 6 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_T3_M7, "energy_active_total_t3_m7", KWH, NUMBER, NULL, "active energy total, tariff 3, 7 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_T3_M8, "energy_active_total_t3_m8", KWH, NUMBER, NULL, "active energy total, tariff 3, 8 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_T3_M9, "energy_active_total_t3_m9", KWH, NUMBER, NULL, "active energy total, tariff 3, 9 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_T3_M10, "energy_active_total_t3_m10", KWH, NUMBER, NULL, "active energy total, tariff 3, 10 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_T3_M11, "energy_active_total_t3_m11", KWH, NUMBER, NULL, "active energy total, tariff 3, 11 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_T3_M12, "energy_active_total_t3_m12", KWH, NUMBER, NULL, "active energy total, tariff 3, 12 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_T4_M0, "energy_active_total_t4_m0", KWH, NUMBER, NULL, "active energy total, tariff 4, this billing period") \
    X(ENERGY_ACTIVE_TOTAL_T4_M1, "energy_active_total_t4_m1", KWH, NUMBER, NULL, "active energy total, tariff 4, 1 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_T4_M2, "energy_active_total_t4_m2", KWH, NUMBER, NULL, "active energy total, tariff 4, 2 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_T4_M3, "energy_active_total_t4_m3", KWH, NUMBER, NULL, "active energy total, tariff 4, 3 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_T4_M4, "energy_active_total_t4_m4", KWH, NUMBER, NULL, "active energy total, tariff 4, 4 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_T4_M5, "energy_active_total_t4_m5", KWH, NUMBER, NULL, "active energy total, tariff 4, 5 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_T4_M6, "energy_active_total_t4_m6", KWH, NUMBER, NULL, "active energy total, tariff 4, 6 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_T4_M7, "energy_active_total_t4_m7", KWH, NUMBER, NULL, "active energy total, tariff 4, 7 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_T4_M8, "energy_active_total_t4_m8", KWH, NUMBER, NULL, "active energy total, tariff 4, 8 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_T4_M9, "energy_active_total_t4_m9", KWH, NUMBER, NULL, "active energy total, tariff 4, 9 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_T4_M10, "energy_active_total_t4_m10", KWH, NUMBER, NULL, "active energy total, tariff 4, 10 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_T4_M11, "energy_active_total_t4_m11", KWH, NUMBER, NULL, "active energy total, tariff 4, 11 settlement day(s) back") \
    X(ENERGY_ACTIVE_TOTAL_T4_M12, "energy_active_total_t4_m12", KWH, NUMBER, NULL, "active energy total, tariff 4, 12 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_M0, "energy_reactive_total_m0", KVARH, NUMBER, NULL, "reactive energy total, this billing period") \
    X(ENERGY_REACTIVE_TOTAL_M1, "energy_reactive_total_m1", KVARH, NUMBER, NULL, "reactive energy total, 1 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_M2, "energy_reactive_total_m2", KVARH, NUMBER, NULL, "reactive energy total, 2 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_M3, "energy_reactive_total_m3", KVARH, NUMBER, NULL, "reactive energy total, 3 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_M4, "energy_reactive_total_m4", KVARH, NUMBER, NULL, "reactive energy total, 4 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_M5, "energy_reactive_total_m5", KVARH, NUMBER, NULL, "reactive energy total, 5 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_M6, "energy_reactive_total_m6", KVARH, NUMBER, NULL, "reactive energy total, 6 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_M7, "energy_reactive_total_m7", KVARH, NUMBER, NULL, "reactive energy total, 7 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_M8, "energy_reactive_total_m8", KVARH, NUMBER, NULL, "reactive energy total, 8 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_M9, "energy_reactive_total_m9", KVARH, NUMBER, NULL, "reactive energy total, 9 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_M10, "energy_reactive_total_m10", KVARH, NUMBER, NULL, "reactive energy total, 10 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_M11, "energy_reactive_total_m11", KVARH, NUMBER, NULL, "reactive energy total, 11 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_M12, "energy_reactive_total_m12", KVARH, NUMBER, NULL, "reactive energy total, 12 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_T1_M0, "energy_reactive_total_t1_m0", KVARH, NUMBER, NULL, "reactive energy total, tariff 1, this billing period") \
    X(ENERGY_REACTIVE_TOTAL_T1_M1, "energy_reactive_total_t1_m1", KVARH, NUMBER, NULL, "reactive energy total, tariff 1, 1 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_T1_M2, "energy_reactive_total_t1_m2", KVARH, NUMBER, NULL, "reactive energy total, tariff 1, 2 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_T1_M3, "energy_reactive_total_t1_m3", KVARH, NUMBER, NULL, "reactive energy total, tariff 1, 3 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_T1_M4, "energy_reactive_total_t1_m4", KVARH, NUMBER, NULL, "reactive energy total, tariff 1, 4 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_T1_M5, "energy_reactive_total_t1_m5", KVARH, NUMBER, NULL, "reactive energy total, tariff 1, 5 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_T1_M6, "energy_reactive_total_t1_m6", KVARH, NUMBER, NULL, "reactive energy total, tariff 1, 6 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_T1_M7, "energy_reactive_total_t1_m7", KVARH, NUMBER, NULL, "reactive energy total, tariff 1, 7 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_T1_M8, "energy_reactive_total_t1_m8", KVARH, NUMBER, NULL, "reactive energy total, tariff 1, 8 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_T1_M9, "energy_reactive_total_t1_m9", KVARH, NUMBER, NULL, "reactive energy total, tariff 1, 9 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_T1_M10, "energy_reactive_total_t1_m10", KVARH, NUMBER, NULL, "reactive energy total, tariff 1, 10 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_T1_M11, "energy_reactive_total_t1_m11", KVARH, NUMBER, NULL, "reactive energy total, tariff 1, 11 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_T1_M12, "energy_reactive_total_t1_m12", KVARH, NUMBER, NULL, "reactive energy total, tariff 1, 12 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_T2_M0, "energy_reactive_total_t2_m0", KVARH, NUMBER, NULL, "reactive energy total, tariff 2, this billing period") \
    X(ENERGY_REACTIVE_TOTAL_T2_M1, "energy_reactive_total_t2_m1", KVARH, NUMBER, NULL, "reactive energy total, tariff 2, 1 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_T2_M2, "energy_reactive_total_t2_m2", KVARH, NUMBER, NULL, "reactive energy total, tariff 2, 2 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_T2_M3, "energy_reactive_total_t2_m3", KVARH, NUMBER, NULL, "reactive energy total, tariff 2, 3 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_T2_M4, "energy_reactive_total_t2_m4", KVARH, NUMBER, NULL, "reactive energy total, tariff 2, 4 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_T2_M5, "energy_reactive_total_t2_m5", KVARH, NUMBER, NULL, "reactive energy total, tariff 2, 5 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_T2_M6, "energy_reactive_total_t2_m6", KVARH, NUMBER, NULL, "reactive energy total, tariff 2, 6 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_T2_M7, "energy_reactive_total_t2_m7", KVARH, NUMBER, NULL, "reactive energy total, tariff 2, 7 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_T2_M8, "energy_reactive_total_t2_m8", KVARH, NUMBER, NULL, "reactive energy total, tariff 2, 8 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_T2_M9, "energy_reactive_total_t2_m9", KVARH, NUMBER, NULL, "reactive energy total, tariff 2, 9 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_T2_M10, "energy_reactive_total_t2_m10", KVARH, NUMBER, NULL, "reactive energy total, tariff 2, 10 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_T2_M11, "energy_reactive_total_t2_m11", KVARH, NUMBER, NULL, "reactive energy total, tariff 2, 11 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_T2_M12, "energy_reactive_total_t2_m12", KVARH, NUMBER, NULL, "reactive energy total, tariff 2, 12 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_T3_M0, "energy_reactive_total_t3_m0", KVARH, NUMBER, NULL, "reactive energy total, tariff 3, this billing period") \
    X(ENERGY_REACTIVE_TOTAL_T3_M1, "energy_reactive_total_t3_m1", KVARH, NUMBER, NULL, "reactive energy total, tariff 3, 1 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_T3_M2, "energy_reactive_total_t3_m2", KVARH, NUMBER, NULL, "reactive energy total, tariff 3, 2 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_T3_M3, "energy_reactive_total_t3_m3", KVARH, NUMBER, NULL, "reactive energy total, tariff 3, 3 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_T3_M4, "energy_reactive_total_t3_m4", KVARH, NUMBER, NULL, "reactive energy total, tariff 3, 4 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_T3_M5, "energy_reactive_total_t3_m5", KVARH, NUMBER, NULL, "reactive energy total, tariff 3, 5 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_T3_M6, "energy_reactive_total_t3_m6", KVARH, NUMBER, NULL, "reactive energy total, tariff 3, 6 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_T3_M7, "energy_reactive_total_t3_m7", KVARH, NUMBER, NULL, "reactive energy total, tariff 3, 7 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_T3_M8, "energy_reactive_total_t3_m8", KVARH, NUMBER, NULL, "reactive energy total, tariff 3, 8 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_T3_M9, "energy_reactive_total_t3_m9", KVARH, NUMBER, NULL, "reactive energy total, tariff 3, 9 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_T3_M10, "energy_reactive_total_t3_m10", KVARH, NUMBER, NULL, "reactive energy total, tariff 3, 10 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_T3_M11, "energy_reactive_total_t3_m11", KVARH, NUMBER, NULL, "reactive energy total, tariff 3, 11 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_T3_M12, "energy_reactive_total_t3_m12", KVARH, NUMBER, NULL, "reactive energy total, tariff 3, 12 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_T4_M0, "energy_reactive_total_t4_m0", KVARH, NUMBER, NULL, "reactive energy total, tariff 4, this billing period") \
    X(ENERGY_REACTIVE_TOTAL_T4_M1, "energy_reactive_total_t4_m1", KVARH, NUMBER, NULL, "reactive energy total, tariff 4, 1 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_T4_M2, "energy_reactive_total_t4_m2", KVARH, NUMBER, NULL, "reactive energy total, tariff 4, 2 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_T4_M3, "energy_reactive_total_t4_m3", KVARH, NUMBER, NULL, "reactive energy total, tariff 4, 3 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_T4_M4, "energy_reactive_total_t4_m4", KVARH, NUMBER, NULL, "reactive energy total, tariff 4, 4 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_T4_M5, "energy_reactive_total_t4_m5", KVARH, NUMBER, NULL, "reactive energy total, tariff 4, 5 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_T4_M6, "energy_reactive_total_t4_m6", KVARH, NUMBER, NULL, "reactive energy total, tariff 4, 6 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_T4_M7, "energy_reactive_total_t4_m7", KVARH, NUMBER, NULL, "reactive energy total, tariff 4, 7 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_T4_M8, "energy_reactive_total_t4_m8", KVARH, NUMBER, NULL, "reactive energy total, tariff 4, 8 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_T4_M9, "energy_reactive_total_t4_m9", KVARH, NUMBER, NULL, "reactive energy total, tariff 4, 9 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_T4_M10, "energy_reactive_total_t4_m10", KVARH, NUMBER, NULL, "reactive energy total, tariff 4, 10 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_T4_M11, "energy_reactive_total_t4_m11", KVARH, NUMBER, NULL, "reactive energy total, tariff 4, 11 settlement day(s) back") \
    X(ENERGY_REACTIVE_TOTAL_T4_M12, "energy_reactive_total_t4_m12", KVARH, NUMBER, NULL, "reactive energy total, tariff 4, 12 settlement day(s) back") \
    X(SERIAL_NUMBER, "serial_number", NONE, TEXT, "0-0:C.1.0", "serial number") \
    X(METER_CODE, "meter_code", NONE, TEXT, NULL, "meter type code") \
    X(DEVICE_ADDRESS, "device_address", NONE, NUMBER, NULL, "bus address (Modbus id / M-Bus primary address)") \
    X(BAUD_RATE, "baud_rate", BAUD, NUMBER, NULL, "configured baud rate of the data port") \
    X(PARITY_SETTING, "parity_setting", NONE, NUMBER, NULL, "configured parity (KLEFR: 1 even, 2 none, 3 odd)") \
    X(PROTOCOL_VERSION, "protocol_version", NONE, NUMBER, NULL, "protocol version") \
    X(FIRMWARE_VERSION, "firmware_version", NONE, NUMBER, "1-0:0.2.0", "software (firmware) version") \
    X(HARDWARE_VERSION, "hardware_version", NONE, NUMBER, NULL, "hardware version") \
    X(METER_AMPS, "meter_amps", AMPERE, NUMBER, NULL, "rated (maximum) current of the meter") \
    X(CT_RATIO, "ct_ratio", NONE, NUMBER, NULL, "current transformer ratio") \
    X(CT_MODE, "ct_mode", NONE, NUMBER, NULL, "current transformer mode") \
    X(S0_RATE, "s0_rate", IMP_PER_KWH, NUMBER, NULL, "S0 pulse output rate") \
    X(CALCULATION_CODE, "calculation_code", NONE, NUMBER, NULL, "energy calculation (combination) code") \
    X(LCD_CYCLE_TIME, "lcd_cycle_time", SECOND, NUMBER, NULL, "display cycle time") \
    X(CURRENT_DIRECTION, "current_direction", NONE, TEXT, NULL, "current direction (phase L1)") \
    X(CURRENT_DIRECTION_L2, "current_direction_l2", NONE, TEXT, NULL, "current direction of phase L2") \
    X(CURRENT_DIRECTION_L3, "current_direction_l3", NONE, TEXT, NULL, "current direction of phase L3") \
    X(ERROR_CODE, "error_code", NONE, NUMBER, "0-0:F.F.0", "error code (error register)") \
    X(POWER_DOWN_COUNTER, "power_down_counter", NONE, NUMBER, NULL, "number of power failures (resettable)") \
    X(QUADRANT, "quadrant", NONE, NUMBER, NULL, "present quadrant") \
    X(QUADRANT_L1, "quadrant_l1", NONE, NUMBER, NULL, "present quadrant of phase L1") \
    X(QUADRANT_L2, "quadrant_l2", NONE, NUMBER, NULL, "present quadrant of phase L2") \
    X(QUADRANT_L3, "quadrant_l3", NONE, NUMBER, NULL, "present quadrant of phase L3") \
    X(FIRMWARE_CHECKSUM, "firmware_checksum", NONE, TEXT, NULL, "firmware checksum") \
    X(STATUS_WORD, "status_word", NONE, TEXT, NULL, "active status word") \
    X(TARIFF, "tariff", NONE, NUMBER, "0-0:96.14.0", "tariff in use") \
    X(PASSWORD, "password", NONE, NUMBER, NULL, "panel protection password") \
    X(RELAY, "relay", NONE, NUMBER, NULL, "relay state (1 closed/on, 0 open/off)") \
    X(VOLUME, "volume", M3, NUMBER, NULL, "volume: water, or the water through a heat meter (M-Bus storage 0)") \
    X(GAS_VOLUME, "gas_volume", M3, NUMBER, NULL, "volume of gas (M-Bus storage 0)") \
    X(VOLUME_FLOW, "volume_flow", M3_PER_H, NUMBER, NULL, "volume flow") \
    X(THERMAL_ENERGY, "thermal_energy", KWH, NUMBER, NULL, "heat energy (heat meters: never under energy_active_*)") \
    X(THERMAL_POWER, "thermal_power", WATT, NUMBER, NULL, "heat power") \
    X(FLOW_TEMPERATURE, "flow_temperature", CELSIUS, NUMBER, NULL, "flow (supply) temperature") \
    X(RETURN_TEMPERATURE, "return_temperature", CELSIUS, NUMBER, NULL, "return temperature") \
    X(TEMPERATURE_DIFFERENCE, "temperature_difference", KELVIN, NUMBER, NULL, "flow minus return temperature (a difference, not a temperature)") \
    X(EXTERNAL_TEMPERATURE, "external_temperature", CELSIUS, NUMBER, NULL, "external (outside) temperature") \
    X(OPERATING_TIME, "operating_time", HOUR, NUMBER, NULL, "operating time") \
    X(ERROR_TIME, "error_time", HOUR, NUMBER, NULL, "time in error state") \
    X(ERROR_FLAGS, "error_flags", NONE, NUMBER, NULL, "error flags (bit field as the meter sends it)") \
    X(HCA_UNITS, "hca_units", NONE, NUMBER, NULL, "heat-cost allocator units") \
    X(METER_DATE, "meter_date", NONE, TEXT, NULL, "the meter's date and time (its local time)") \
    X(THERMAL_ENERGY_M1, "thermal_energy_m1", KWH, NUMBER, NULL, "heat energy, storage 1 (the last due date)") \
    X(THERMAL_ENERGY_M2, "thermal_energy_m2", KWH, NUMBER, NULL, "heat energy, storage 2 (2 due dates or periods back)") \
    X(THERMAL_ENERGY_M3, "thermal_energy_m3", KWH, NUMBER, NULL, "heat energy, storage 3 (3 due dates or periods back)") \
    X(THERMAL_ENERGY_M4, "thermal_energy_m4", KWH, NUMBER, NULL, "heat energy, storage 4 (4 due dates or periods back)") \
    X(THERMAL_ENERGY_M5, "thermal_energy_m5", KWH, NUMBER, NULL, "heat energy, storage 5 (5 due dates or periods back)") \
    X(THERMAL_ENERGY_M6, "thermal_energy_m6", KWH, NUMBER, NULL, "heat energy, storage 6 (6 due dates or periods back)") \
    X(THERMAL_ENERGY_M7, "thermal_energy_m7", KWH, NUMBER, NULL, "heat energy, storage 7 (7 due dates or periods back)") \
    X(THERMAL_ENERGY_M8, "thermal_energy_m8", KWH, NUMBER, NULL, "heat energy, storage 8 (8 due dates or periods back)") \
    X(THERMAL_ENERGY_M9, "thermal_energy_m9", KWH, NUMBER, NULL, "heat energy, storage 9 (9 due dates or periods back)") \
    X(THERMAL_ENERGY_M10, "thermal_energy_m10", KWH, NUMBER, NULL, "heat energy, storage 10 (10 due dates or periods back)") \
    X(THERMAL_ENERGY_M11, "thermal_energy_m11", KWH, NUMBER, NULL, "heat energy, storage 11 (11 due dates or periods back)") \
    X(THERMAL_ENERGY_M12, "thermal_energy_m12", KWH, NUMBER, NULL, "heat energy, storage 12 (12 due dates or periods back)") \
    X(VOLUME_M1, "volume_m1", M3, NUMBER, NULL, "volume, storage 1 (the last due date)") \
    X(VOLUME_M2, "volume_m2", M3, NUMBER, NULL, "volume, storage 2 (2 due dates or periods back)") \
    X(VOLUME_M3, "volume_m3", M3, NUMBER, NULL, "volume, storage 3 (3 due dates or periods back)") \
    X(VOLUME_M4, "volume_m4", M3, NUMBER, NULL, "volume, storage 4 (4 due dates or periods back)") \
    X(VOLUME_M5, "volume_m5", M3, NUMBER, NULL, "volume, storage 5 (5 due dates or periods back)") \
    X(VOLUME_M6, "volume_m6", M3, NUMBER, NULL, "volume, storage 6 (6 due dates or periods back)") \
    X(VOLUME_M7, "volume_m7", M3, NUMBER, NULL, "volume, storage 7 (7 due dates or periods back)") \
    X(VOLUME_M8, "volume_m8", M3, NUMBER, NULL, "volume, storage 8 (8 due dates or periods back)") \
    X(VOLUME_M9, "volume_m9", M3, NUMBER, NULL, "volume, storage 9 (9 due dates or periods back)") \
    X(VOLUME_M10, "volume_m10", M3, NUMBER, NULL, "volume, storage 10 (10 due dates or periods back)") \
    X(VOLUME_M11, "volume_m11", M3, NUMBER, NULL, "volume, storage 11 (11 due dates or periods back)") \
    X(VOLUME_M12, "volume_m12", M3, NUMBER, NULL, "volume, storage 12 (12 due dates or periods back)") \
    X(GAS_VOLUME_M1, "gas_volume_m1", M3, NUMBER, NULL, "volume of gas, storage 1 (the last due date)") \
    X(GAS_VOLUME_M2, "gas_volume_m2", M3, NUMBER, NULL, "volume of gas, storage 2 (2 due dates or periods back)") \
    X(GAS_VOLUME_M3, "gas_volume_m3", M3, NUMBER, NULL, "volume of gas, storage 3 (3 due dates or periods back)") \
    X(GAS_VOLUME_M4, "gas_volume_m4", M3, NUMBER, NULL, "volume of gas, storage 4 (4 due dates or periods back)") \
    X(GAS_VOLUME_M5, "gas_volume_m5", M3, NUMBER, NULL, "volume of gas, storage 5 (5 due dates or periods back)") \
    X(GAS_VOLUME_M6, "gas_volume_m6", M3, NUMBER, NULL, "volume of gas, storage 6 (6 due dates or periods back)") \
    X(GAS_VOLUME_M7, "gas_volume_m7", M3, NUMBER, NULL, "volume of gas, storage 7 (7 due dates or periods back)") \
    X(GAS_VOLUME_M8, "gas_volume_m8", M3, NUMBER, NULL, "volume of gas, storage 8 (8 due dates or periods back)") \
    X(GAS_VOLUME_M9, "gas_volume_m9", M3, NUMBER, NULL, "volume of gas, storage 9 (9 due dates or periods back)") \
    X(GAS_VOLUME_M10, "gas_volume_m10", M3, NUMBER, NULL, "volume of gas, storage 10 (10 due dates or periods back)") \
    X(GAS_VOLUME_M11, "gas_volume_m11", M3, NUMBER, NULL, "volume of gas, storage 11 (11 due dates or periods back)") \
    X(GAS_VOLUME_M12, "gas_volume_m12", M3, NUMBER, NULL, "volume of gas, storage 12 (12 due dates or periods back)") \
    X(HCA_UNITS_M1, "hca_units_m1", NONE, NUMBER, NULL, "heat-cost allocator units, storage 1 (the last due date)") \
    X(HCA_UNITS_M2, "hca_units_m2", NONE, NUMBER, NULL, "heat-cost allocator units, storage 2 (2 due dates or periods back)") \
    X(HCA_UNITS_M3, "hca_units_m3", NONE, NUMBER, NULL, "heat-cost allocator units, storage 3 (3 due dates or periods back)") \
    X(HCA_UNITS_M4, "hca_units_m4", NONE, NUMBER, NULL, "heat-cost allocator units, storage 4 (4 due dates or periods back)") \
    X(HCA_UNITS_M5, "hca_units_m5", NONE, NUMBER, NULL, "heat-cost allocator units, storage 5 (5 due dates or periods back)") \
    X(HCA_UNITS_M6, "hca_units_m6", NONE, NUMBER, NULL, "heat-cost allocator units, storage 6 (6 due dates or periods back)") \
    X(HCA_UNITS_M7, "hca_units_m7", NONE, NUMBER, NULL, "heat-cost allocator units, storage 7 (7 due dates or periods back)") \
    X(HCA_UNITS_M8, "hca_units_m8", NONE, NUMBER, NULL, "heat-cost allocator units, storage 8 (8 due dates or periods back)") \
    X(HCA_UNITS_M9, "hca_units_m9", NONE, NUMBER, NULL, "heat-cost allocator units, storage 9 (9 due dates or periods back)") \
    X(HCA_UNITS_M10, "hca_units_m10", NONE, NUMBER, NULL, "heat-cost allocator units, storage 10 (10 due dates or periods back)") \
    X(HCA_UNITS_M11, "hca_units_m11", NONE, NUMBER, NULL, "heat-cost allocator units, storage 11 (11 due dates or periods back)") \
    X(HCA_UNITS_M12, "hca_units_m12", NONE, NUMBER, NULL, "heat-cost allocator units, storage 12 (12 due dates or periods back)") \
    X(METER_DATE_M1, "meter_date_m1", NONE, TEXT, NULL, "date of the stored values, storage 1 (the last due date)") \
    X(METER_DATE_M2, "meter_date_m2", NONE, TEXT, NULL, "date of the stored values, storage 2 (2 due dates or periods back)") \
    X(METER_DATE_M3, "meter_date_m3", NONE, TEXT, NULL, "date of the stored values, storage 3 (3 due dates or periods back)") \
    X(METER_DATE_M4, "meter_date_m4", NONE, TEXT, NULL, "date of the stored values, storage 4 (4 due dates or periods back)") \
    X(METER_DATE_M5, "meter_date_m5", NONE, TEXT, NULL, "date of the stored values, storage 5 (5 due dates or periods back)") \
    X(METER_DATE_M6, "meter_date_m6", NONE, TEXT, NULL, "date of the stored values, storage 6 (6 due dates or periods back)") \
    X(METER_DATE_M7, "meter_date_m7", NONE, TEXT, NULL, "date of the stored values, storage 7 (7 due dates or periods back)") \
    X(METER_DATE_M8, "meter_date_m8", NONE, TEXT, NULL, "date of the stored values, storage 8 (8 due dates or periods back)") \
    X(METER_DATE_M9, "meter_date_m9", NONE, TEXT, NULL, "date of the stored values, storage 9 (9 due dates or periods back)") \
    X(METER_DATE_M10, "meter_date_m10", NONE, TEXT, NULL, "date of the stored values, storage 10 (10 due dates or periods back)") \
    X(METER_DATE_M11, "meter_date_m11", NONE, TEXT, NULL, "date of the stored values, storage 11 (11 due dates or periods back)") \
    X(METER_DATE_M12, "meter_date_m12", NONE, TEXT, NULL, "date of the stored values, storage 12 (12 due dates or periods back)")

/** Quantity ids. The order is part of the ABI. @since 0.1 */
typedef enum meter_quantity {
#define METER_Q_ENUM_(id, name, unit, kind, obis, desc) METER_Q_##id,
    METER_QUANTITY_MAP(METER_Q_ENUM_)
#undef METER_Q_ENUM_
    METER_Q_COUNT_, /**< number of quantities in this version (grows: never store it) */
    METER_Q_NONE = 0xFFFF /**< "no quantity": a fixed value outside the catalogue's range. @since 0.2 */
} meter_quantity_t;

/** A catalogue entry. @since 0.1 */
typedef struct meter_quantity_info {
    meter_quantity_t id;
    const char *name;        /**< stable name, e.g. "voltage_l1" */
    meter_unit_t unit;       /**< the unit values are always given in */
    meter_kind_t kind;       /**< number or text */
    const char *obis;        /**< OBIS code, e.g. "1-0:32.7.0", or NULL */
    const char *description; /**< one line in English */
} meter_quantity_info_t;

/**
 * @brief The catalogue entry of a quantity id.
 * @return NULL if @p q is not a quantity of this version.
 * @since 0.1
 */
METER_API const meter_quantity_info_t *meter_quantity_info(meter_quantity_t q);

/**
 * @brief Look a quantity up by its stable name (exact, lower case).
 * @return METER_OK, METER_EINVAL (NULL argument) or METER_EQUANTITY (unknown name).
 * @since 0.1
 */
METER_API meter_status_t meter_quantity_from_name(const char *name, meter_quantity_t *out);

/** @brief Number of quantities in the catalogue (= METER_Q_COUNT_ of the library). @since 0.1 */
METER_API unsigned meter_quantity_count(void);

/** @brief The symbol of a unit ("V", "kWh"; "" for none). Never NULL. @since 0.1 */
METER_API const char *meter_unit_symbol(meter_unit_t unit);

#ifdef __cplusplus
}
#endif
#endif /* METER_QUANTITY_H */
