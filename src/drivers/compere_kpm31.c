/* SPDX-License-Identifier: MIT */
/* Compere KPM31 single-phase meter over Modbus RTU: the maps of the manual's
 * section 6 (seed 004) as data. Floats are taken ABCD (the manual does not
 * say; a connection may override with words=cdab). Tariffs: t1 sharp,
 * t2 peak, t3 flat, t4 valley. History block k, month m at 0x009C+26k+2m. */
#include "protocols/modbus/modbus_internal.h"

#define S611 "seed 004 §6.1.1"
#define S612 "seed 004 §6.1.2"
#define S613 "seed 004 §6.1.3"
#define F(q, addr, cite) {METER_Q_##q, addr, 2, MTR_T_FLOAT, 0, 0, cite}
/* one history block: this month (m0) and settlement days 1-12 before */
#define H1(q, k, m) {METER_Q_##q##_M##m, (uint16_t)(0x009C + 26 * (k) + 2 * (m)), 2, MTR_T_FLOAT, 0, 0, S613}
#define H(q, k)                                                                              \
    H1(q, k, 0), H1(q, k, 1), H1(q, k, 2), H1(q, k, 3), H1(q, k, 4), H1(q, k, 5), H1(q, k, 6), \
        H1(q, k, 7), H1(q, k, 8), H1(q, k, 9), H1(q, k, 10), H1(q, k, 11), H1(q, k, 12)

static const struct mtr_mb_reg kpm31_regs[] = {
    {METER_Q_RELAY, 0x0001, 1, MTR_T_COIL, 0, 0, S611},
    {METER_Q_PASSWORD, 0x0000, 1, MTR_T_U16, 0, 0, S612},
    {METER_Q_DEVICE_ADDRESS, 0x0001, 1, MTR_T_U16, 0, 0, S612},
    {METER_Q_BAUD_RATE, 0x0002, 1, MTR_T_BAUDCODE, 0, 0, S612},
    F(VOLTAGE, 0x0030, S613),
    F(CURRENT, 0x0032, S613),
    F(ACTIVE_POWER, 0x0034, S613),
    F(REACTIVE_POWER, 0x0036, S613),
    F(APPARENT_POWER, 0x0038, S613),
    F(POWER_FACTOR, 0x003A, S613),
    F(FREQUENCY, 0x003C, S613),
    F(APPARENT_DEMAND, 0x0070, S613),
    F(ENERGY_ACTIVE_TOTAL, 0x0080, S613),
    F(ENERGY_ACTIVE_IMPORT, 0x0082, S613),
    F(ENERGY_ACTIVE_EXPORT, 0x0084, S613),
    F(ENERGY_REACTIVE_TOTAL, 0x0086, S613),
    F(ENERGY_REACTIVE_IMPORT, 0x0088, S613),
    F(ENERGY_REACTIVE_EXPORT, 0x008A, S613),
    F(ENERGY_ACTIVE_TOTAL_T1, 0x008C, S613),
    F(ENERGY_ACTIVE_TOTAL_T2, 0x008E, S613),
    F(ENERGY_ACTIVE_TOTAL_T3, 0x0090, S613),
    F(ENERGY_ACTIVE_TOTAL_T4, 0x0092, S613),
    F(ENERGY_REACTIVE_TOTAL_T1, 0x0094, S613),
    F(ENERGY_REACTIVE_TOTAL_T2, 0x0096, S613),
    F(ENERGY_REACTIVE_TOTAL_T3, 0x0098, S613),
    F(ENERGY_REACTIVE_TOTAL_T4, 0x009A, S613),
    H(ENERGY_ACTIVE_TOTAL, 0),
    H(ENERGY_REACTIVE_TOTAL, 1),
    H(ENERGY_ACTIVE_TOTAL_T1, 2),
    H(ENERGY_REACTIVE_TOTAL_T1, 3),
    H(ENERGY_ACTIVE_TOTAL_T2, 4),
    H(ENERGY_REACTIVE_TOTAL_T2, 5),
    H(ENERGY_ACTIVE_TOTAL_T3, 6),
    H(ENERGY_REACTIVE_TOTAL_T3, 7),
    H(ENERGY_ACTIVE_TOTAL_T4, 8),
    H(ENERGY_REACTIVE_TOTAL_T4, 9),
};

/* Register ranges the manual lists without holes (0x000C is write-only). */
static const struct mtr_mb_block kpm31_blocks[] = {
    {0x0000, 0x0002},
    {0x0030, 0x003D},
    {0x0070, 0x0071},
    {0x0080, 0x019F},
};

/* Writes: §6.1.2 parameters by FC16, §6.1.1 the relay by FC05 (0xFF00 close, 0x0000 open). */
static const double bauds[] = {1200, 2400, 4800, 9600};
#define SET(id) MTR_CFG_SETTING, METER_SETTING_##id
#define ACT(id) MTR_CFG_ACTION, METER_ACTION_##id

static const struct mtr_mb_cfg kpm31_cfgs[] = {
    {SET(PASSWORD), 0x0000, 16, MTR_E_U16, NULL, 0, 0, 9999, 0, METER_Q_PASSWORD, MTR_X_VALUE, 0, 0,
     S612},
    {SET(ADDRESS), 0x0001, 16, MTR_E_U16, NULL, 0, 1, 247, 0, METER_Q_DEVICE_ADDRESS, MTR_X_VALUE, 0,
     METER_RISK_BUS, S612},
    {SET(BAUD_RATE), 0x0002, 16, MTR_E_BAUDCODE, bauds, 4, 0, 0, 0, METER_Q_BAUD_RATE, MTR_X_VALUE, 0,
     METER_RISK_BUS, S612},
    {SET(RELAY), 0x0001, 5, MTR_E_COIL, NULL, 0, 0, 1, 0, METER_Q_RELAY, MTR_X_VALUE, 0,
     METER_RISK_LOAD, S611},
    {ACT(CLEAR_ENERGY), 0x000C, 16, MTR_E_U16, NULL, 0, 0, 0, 0x55AA, METER_Q_ENERGY_ACTIVE_TOTAL,
     MTR_X_CLEARED, 0, METER_RISK_DATA, S612},
};

static const struct mtr_mb_map kpm31_map = {
    kpm31_regs, sizeof kpm31_regs / sizeof kpm31_regs[0],
    kpm31_blocks, sizeof kpm31_blocks / sizeof kpm31_blocks[0],
    MTR_WORDS_ABCD,
    kpm31_cfgs, sizeof kpm31_cfgs / sizeof kpm31_cfgs[0],
};

static const struct mtr_model kpm31_models[] = {
    {{"compere-kpm31", "kpm31", "modbus",
      "Compere KPM31 single phase, Modbus RTU, relay, 4 tariffs, 12-month history",
      "9600 8E1 id 1", 0},
     &mtr_proto_modbus, 9600, 'E', 1, 1, &kpm31_map},
};

const struct mtr_family mtr_family_compere_kpm31 = {
    "compere", kpm31_models, sizeof kpm31_models / sizeof kpm31_models[0],
};
