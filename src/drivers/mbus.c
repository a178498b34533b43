/* SPDX-License-Identifier: MIT */
/* M-Bus models: the KLEFR 6923 (= Inepro PRO1-Mb; seed 000/001 Appendix 2,
 * read as in seed-notes.md) with its record map and write table, the generic
 * `mbus` model that reads any EN 13757-3 meter, and two simulator-only meters. */
#include "protocols/mbus/mbus_internal.h"

#define A2 "seed 000 App. 2 (seed-notes: KLEFR / PRO1 M-Bus)"
#define E(fn, t, q) {MTR_MBUS_FN_##fn, t, MTR_MBUS_Q_ENERGY, MTR_MBUS_U_WH, METER_Q_##q, A2}

/* DIF function 00 = total, 01 ("maximum") = forward, 10 ("minimum") = reverse;
 * DIFE tariff 1, 2. All BCD8, VIF 04 (10 Wh). */
static const struct mtr_mbus_row klefr_rows[] = {
    E(INSTANTANEOUS, 0, ENERGY_ACTIVE_TOTAL),   /* 0C 04 */
    E(INSTANTANEOUS, 1, ENERGY_ACTIVE_TOTAL_T1),/* 8C 10 04 */
    E(INSTANTANEOUS, 2, ENERGY_ACTIVE_TOTAL_T2),/* 8C 20 04 */
    E(MAXIMUM, 0, ENERGY_ACTIVE_IMPORT),        /* 1C 04 */
    E(MAXIMUM, 1, ENERGY_ACTIVE_IMPORT_T1),     /* 9C 10 04 */
    E(MAXIMUM, 2, ENERGY_ACTIVE_IMPORT_T2),     /* 9C 20 04 */
    E(MINIMUM, 0, ENERGY_ACTIVE_EXPORT),        /* 2C 04 */
    E(MINIMUM, 1, ENERGY_ACTIVE_EXPORT_T1),     /* AC 10 04 */
    E(MINIMUM, 2, ENERGY_ACTIVE_EXPORT_T2),     /* AC 20 04 */
};

/* "INM" = 0x25CD; the manual prints it 25 CD (accepted in either order) */
static const uint16_t inm[] = {0x25CD};

#define W "seed 000 App. 2, write table (seed-notes)"
static const double bauds[] = {300, 600, 1200, 2400, 4800, 9600};
static const double tariffs[] = {1, 2};
static const double codes[] = {1, 4, 5, 6, 9, 10};
static const double s0_rates[] = {10000, 2000, 1000, 100, 10, 1, 0.1, 0.01};
#define SET(id) MTR_CFG_SETTING, METER_SETTING_##id
#define ACT(id) MTR_CFG_ACTION, METER_ACTION_##id
#define N(a) a, sizeof a / sizeof a[0]

static const struct mtr_mbus_wrow klefr_writes[] = {
    {SET(BAUD_RATE), MTR_MBUS_W_BAUD, {0}, 0, N(bauds), 0, 0, 0, METER_RISK_BUS, W},
    {SET(ADDRESS), MTR_MBUS_W_ADDRESS, {0x01, 0x7A}, 2, NULL, 0, 0, 250, 0, METER_RISK_BUS, W},
    {SET(SECONDARY_ADDRESS), MTR_MBUS_W_SECONDARY, {0x0C, 0x79}, 2, NULL, 0, 0, 0, 0,
     METER_RISK_BUS, W},
    {SET(TARIFF), MTR_MBUS_W_BCD2, {0x09, 0x7C, 0x01, 0x54}, 4, N(tariffs), 0, 0, 0, 0, W},
    {SET(CALCULATION_CODE), MTR_MBUS_W_BCD2, {0x09, 0xFD, 0x3A}, 3, N(codes), 0, 0, 0, 0, W},
    {SET(S0_RATE), MTR_MBUS_W_BCD8, {0x0C, 0xFD, 0x3A}, 3, N(s0_rates), 0, 0, 100, 0, W},
    {ACT(RESET_DAY_COUNTER), MTR_MBUS_W_FIXED, {0x0C, 0x04, 0, 0, 0, 0}, 6, NULL, 0, 0, 0, 0, 0, W},
    {ACT(RESET_POWER_DOWN_COUNTER), MTR_MBUS_W_FIXED, {0x0A, 0xFD, 0x60, 0, 0}, 5, NULL, 0, 0, 0, 0,
     0, W},
};

static const struct mtr_mbus_driver klefr_6923 = {
    klefr_rows, sizeof klefr_rows / sizeof klefr_rows[0], N(inm), 0x02, N(klefr_writes),
};

/* every record as it comes; catalogue quantities where obvious */
static const struct mtr_mbus_driver generic = {NULL, 0, NULL, 0, -1, NULL, 0};

static const struct mtr_model mbus_models[] = {
    {{"klefr-6923", "pro1-mb", "mbus",
      "KLEFR 6923 / Inepro PRO1-Mb, single phase, M-Bus: total/forward/reverse energy, T1/T2",
      "9600 8E1 address 0", 0},
     &mtr_proto_mbus, 9600, 'E', 0, 1, &klefr_6923},
    {{"mbus", "m-bus", "mbus",
      "any EN 13757-3 meter (heat, water, gas, electricity …): every record it sends",
      "2400 8E1 address 0", 1},
     &mtr_proto_mbus, 2400, 'E', 0, 0, &generic},
};

const struct mtr_family mtr_family_mbus = {
    "mbus", mbus_models, sizeof mbus_models / sizeof mbus_models[0],
};
