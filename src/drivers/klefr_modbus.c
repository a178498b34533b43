/* SPDX-License-Identifier: MIT */
/* KLEFR 6924 (= Inepro PRO1-Mod, single phase) and KLEFR 6934 (= PRO380-Mod,
 * three phase) over Modbus RTU: the register map of the manual's Appendix 3
 * (seed 000 §A3.2, same map in seed 001) as data. Rows marked MTR_R_3P are the
 * manual's '*' registers, served by three-phase models only. */
#include "protocols/modbus/modbus_internal.h"

#define A32 "seed 000 App. 3 §A3.2"
#define R(q, addr, words, type, exp, flags) {METER_Q_##q, addr, words, type, exp, flags, A32}
#define F(q, addr, exp, flags) R(q, addr, 2, MTR_T_FLOAT, exp, flags)
#define P3 MTR_R_3P

static const struct mtr_mb_reg klefr_regs[] = {
    /* settings block 0x4000-0x401F */
    R(SERIAL_NUMBER, 0x4000, 2, MTR_T_HEXTEXT, 0, 0),
    R(METER_CODE, 0x4002, 1, MTR_T_HEXTEXT, 0, 0),
    R(DEVICE_ADDRESS, 0x4003, 1, MTR_T_S16, 0, 0),
    R(BAUD_RATE, 0x4004, 1, MTR_T_S16, 0, 0),
    F(PROTOCOL_VERSION, 0x4005, 0, 0),
    F(FIRMWARE_VERSION, 0x4007, 0, 0),
    F(HARDWARE_VERSION, 0x4009, 0, 0),
    R(METER_AMPS, 0x400B, 1, MTR_T_S16, 0, 0),
    R(CT_RATIO, 0x400C, 1, MTR_T_HEXNUM, 0, P3),
    F(S0_RATE, 0x400D, 0, 0),
    R(CALCULATION_CODE, 0x400F, 1, MTR_T_S16, 0, 0),
    R(LCD_CYCLE_TIME, 0x4010, 1, MTR_T_HEXNUM, 0, 0),
    R(PARITY_SETTING, 0x4011, 1, MTR_T_S16, 0, 0),
    R(CURRENT_DIRECTION, 0x4012, 1, MTR_T_ASCII, 0, 0),
    R(CURRENT_DIRECTION_L2, 0x4013, 1, MTR_T_ASCII, 0, P3),
    R(CURRENT_DIRECTION_L3, 0x4014, 1, MTR_T_ASCII, 0, P3),
    R(ERROR_CODE, 0x4015, 1, MTR_T_S16, 0, 0),
    R(POWER_DOWN_COUNTER, 0x4016, 1, MTR_T_S16, 0, 0),
    R(QUADRANT, 0x4017, 1, MTR_T_S16, 0, 0),
    R(QUADRANT_L1, 0x4018, 1, MTR_T_S16, 0, P3),
    R(QUADRANT_L2, 0x4019, 1, MTR_T_S16, 0, P3),
    R(QUADRANT_L3, 0x401A, 1, MTR_T_S16, 0, P3),
    R(FIRMWARE_CHECKSUM, 0x401B, 2, MTR_T_HEXTEXT, 0, 0),
    R(STATUS_WORD, 0x401D, 2, MTR_T_HEXTEXT, 0, P3),
    R(CT_MODE, 0x401F, 1, MTR_T_S16, 0, P3),
    /* instantaneous block 0x5000-0x5031; powers in kW/kvar/kVA, scaled to W/var/VA */
    F(VOLTAGE, 0x5000, 0, 0),
    F(VOLTAGE_L1, 0x5002, 0, 0),
    F(VOLTAGE_L2, 0x5004, 0, P3),
    F(VOLTAGE_L3, 0x5006, 0, P3),
    F(FREQUENCY, 0x5008, 0, 0),
    F(CURRENT, 0x500A, 0, 0),
    F(CURRENT_L1, 0x500C, 0, 0),
    F(CURRENT_L2, 0x500E, 0, P3),
    F(CURRENT_L3, 0x5010, 0, P3),
    F(ACTIVE_POWER, 0x5012, 3, 0),
    F(ACTIVE_POWER_L1, 0x5014, 3, P3),
    F(ACTIVE_POWER_L2, 0x5016, 3, P3),
    F(ACTIVE_POWER_L3, 0x5018, 3, P3),
    F(REACTIVE_POWER, 0x501A, 3, 0),
    F(REACTIVE_POWER_L1, 0x501C, 3, P3),
    F(REACTIVE_POWER_L2, 0x501E, 3, P3),
    F(REACTIVE_POWER_L3, 0x5020, 3, P3),
    F(APPARENT_POWER, 0x5022, 3, 0),
    F(APPARENT_POWER_L1, 0x5024, 3, P3),
    F(APPARENT_POWER_L2, 0x5026, 3, P3),
    F(APPARENT_POWER_L3, 0x5028, 3, P3),
    F(POWER_FACTOR, 0x502A, 0, 0),
    F(POWER_FACTOR_L1, 0x502C, 0, P3),
    F(POWER_FACTOR_L2, 0x502E, 0, P3),
    F(POWER_FACTOR_L3, 0x5030, 0, P3),
    /* energy block 0x6000-0x604A (kWh, kvarh) */
    F(ENERGY_ACTIVE_TOTAL, 0x6000, 0, 0),
    F(ENERGY_ACTIVE_TOTAL_T1, 0x6002, 0, 0),
    F(ENERGY_ACTIVE_TOTAL_T2, 0x6004, 0, 0),
    F(ENERGY_ACTIVE_TOTAL_L1, 0x6006, 0, P3),
    F(ENERGY_ACTIVE_TOTAL_L2, 0x6008, 0, P3),
    F(ENERGY_ACTIVE_TOTAL_L3, 0x600A, 0, P3),
    F(ENERGY_ACTIVE_IMPORT, 0x600C, 0, 0),
    F(ENERGY_ACTIVE_IMPORT_T1, 0x600E, 0, 0),
    F(ENERGY_ACTIVE_IMPORT_T2, 0x6010, 0, 0),
    F(ENERGY_ACTIVE_IMPORT_L1, 0x6012, 0, P3),
    F(ENERGY_ACTIVE_IMPORT_L2, 0x6014, 0, P3),
    F(ENERGY_ACTIVE_IMPORT_L3, 0x6016, 0, P3),
    F(ENERGY_ACTIVE_EXPORT, 0x6018, 0, 0),
    F(ENERGY_ACTIVE_EXPORT_T1, 0x601A, 0, 0),
    F(ENERGY_ACTIVE_EXPORT_T2, 0x601C, 0, 0),
    F(ENERGY_ACTIVE_EXPORT_L1, 0x601E, 0, P3),
    F(ENERGY_ACTIVE_EXPORT_L2, 0x6020, 0, P3),
    F(ENERGY_ACTIVE_EXPORT_L3, 0x6022, 0, P3),
    F(ENERGY_REACTIVE_TOTAL, 0x6024, 0, 0),
    F(ENERGY_REACTIVE_TOTAL_T1, 0x6026, 0, 0),
    F(ENERGY_REACTIVE_TOTAL_T2, 0x6028, 0, 0),
    F(ENERGY_REACTIVE_TOTAL_L1, 0x602A, 0, P3),
    F(ENERGY_REACTIVE_TOTAL_L2, 0x602C, 0, P3),
    F(ENERGY_REACTIVE_TOTAL_L3, 0x602E, 0, P3),
    F(ENERGY_REACTIVE_IMPORT, 0x6030, 0, 0),
    F(ENERGY_REACTIVE_IMPORT_T1, 0x6032, 0, 0),
    F(ENERGY_REACTIVE_IMPORT_T2, 0x6034, 0, 0),
    F(ENERGY_REACTIVE_IMPORT_L1, 0x6036, 0, P3),
    F(ENERGY_REACTIVE_IMPORT_L2, 0x6038, 0, P3),
    F(ENERGY_REACTIVE_IMPORT_L3, 0x603A, 0, P3),
    F(ENERGY_REACTIVE_EXPORT, 0x603C, 0, 0),
    F(ENERGY_REACTIVE_EXPORT_T1, 0x603E, 0, 0),
    F(ENERGY_REACTIVE_EXPORT_T2, 0x6040, 0, 0),
    F(ENERGY_REACTIVE_EXPORT_L1, 0x6042, 0, P3),
    F(ENERGY_REACTIVE_EXPORT_L2, 0x6044, 0, P3),
    F(ENERGY_REACTIVE_EXPORT_L3, 0x6046, 0, P3),
    R(TARIFF, 0x6048, 1, MTR_T_S16, 0, 0),
    F(ENERGY_ACTIVE_DAY_COUNTER, 0x6049, 0, 0),
};

/* "A whole block can be read in one request" (seed-notes.md): the three blocks. */
static const struct mtr_mb_block klefr_blocks[] = {
    {0x4000, 0x401F},
    {0x5000, 0x5031},
    {0x6000, 0x604A},
};

/* The manual's "Write" table (seed 000 App. 3 §A3.2, after the map). */
#define W "seed 000 App. 3 §A3.2 Write"
static const double bauds[] = {1200, 2400, 4800, 9600};
static const double s0_rates[] = {10000, 2000, 1000, 100, 10, 1, 0.1, 0.01};
static const double codes_1p[] = {1, 4, 5, 6, 9, 10};
static const double codes_3p[] = {1, 4, 5, 6, 9, 10, 11}; /* 11: three phase only */
static const double tariffs[] = {1, 2, 11, 12};           /* 11, 12: not saved */
#define SET(id) MTR_CFG_SETTING, METER_SETTING_##id
#define ACT(id) MTR_CFG_ACTION, METER_ACTION_##id
#define N(a) a, sizeof a / sizeof a[0]

static const struct mtr_mb_cfg klefr_cfgs[] = {
    {SET(ADDRESS), 0x4003, 6, MTR_E_U16, NULL, 0, 1, 247, 0, METER_Q_DEVICE_ADDRESS, MTR_X_VALUE, 0,
     METER_RISK_BUS, W},
    {SET(BAUD_RATE), 0x4004, 6, MTR_E_U16, N(bauds), 0, 0, 0, METER_Q_BAUD_RATE, MTR_X_VALUE, 0,
     METER_RISK_BUS, W},
    {SET(S0_RATE), 0x400D, 16, MTR_E_FLOAT, N(s0_rates), 0, 0, 0, METER_Q_S0_RATE, MTR_X_VALUE, 0, 0, W},
    {SET(CALCULATION_CODE), 0x400F, 6, MTR_E_U16, N(codes_1p), 0, 0, 0, METER_Q_CALCULATION_CODE,
     MTR_X_VALUE, MTR_R_1P, 0, W},
    {SET(CALCULATION_CODE), 0x400F, 6, MTR_E_U16, N(codes_3p), 0, 0, 0, METER_Q_CALCULATION_CODE,
     MTR_X_VALUE, MTR_R_3P, 0, W},
    {SET(LCD_CYCLE_TIME), 0x4010, 6, MTR_E_HEX, NULL, 0, 1, 30, 0, METER_Q_LCD_CYCLE_TIME,
     MTR_X_VALUE, 0, 0, W},
    {SET(PARITY), 0x4011, 6, MTR_E_PARITY, NULL, 0, 1, 3, 0, METER_Q_PARITY_SETTING, MTR_X_VALUE, 0,
     METER_RISK_BUS, W},
    {SET(TARIFF), 0x6048, 6, MTR_E_U16, N(tariffs), 0, 0, 0, METER_Q_TARIFF, MTR_X_TARIFF, 0, 0, W},
    {ACT(RESET_POWER_DOWN_COUNTER), 0x4016, 6, MTR_E_U16, NULL, 0, 0, 0, 0,
     METER_Q_POWER_DOWN_COUNTER, MTR_X_ZERO, 0, 0, W},
    {ACT(RESET_DAY_COUNTER), 0x6049, 16, MTR_E_FLOAT, NULL, 0, 0, 0, 0,
     METER_Q_ENERGY_ACTIVE_DAY_COUNTER, MTR_X_CLEARED, 0, 0, W},
};

static const struct mtr_mb_map klefr_map = {
    klefr_regs, sizeof klefr_regs / sizeof klefr_regs[0],
    klefr_blocks, sizeof klefr_blocks / sizeof klefr_blocks[0],
    MTR_WORDS_ABCD,
    klefr_cfgs, sizeof klefr_cfgs / sizeof klefr_cfgs[0],
};

static const struct mtr_model klefr_models[] = {
    {{"klefr-6924", "pro1-mod", "modbus",
      "KLEFR 6924 / Inepro PRO1-Mod, single phase, Modbus RTU", "9600 8E1 id 1", 0},
     &mtr_proto_modbus, 9600, 'E', 1, 1, &klefr_map},
    {{"klefr-6934", "pro380-mod", "modbus",
      "KLEFR 6934 / Inepro PRO380-Mod, three phase, Modbus RTU", "9600 8E1 id 1", 0},
     &mtr_proto_modbus, 9600, 'E', 1, 3, &klefr_map},
};

const struct mtr_family mtr_family_klefr_modbus = {
    "klefr-modbus", klefr_models, sizeof klefr_models / sizeof klefr_models[0],
};
