/* SPDX-License-Identifier: MIT */
/* A simulated meter's state: per-phase voltage, current and power factor from
 * which every other value follows (P = U·I·PF, S = U·I, Q = √(S²−P²)), and
 * energies that grow with the time that passes between requests. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sim/sim_internal.h"

#define V(sm, q) ((sm)->v[METER_Q_##q])

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void mtr_sim_meter_derive(struct mtr_sim_meter *sm)
{
    static const meter_quantity_t U[3] = {METER_Q_VOLTAGE_L1, METER_Q_VOLTAGE_L2, METER_Q_VOLTAGE_L3};
    static const meter_quantity_t I[3] = {METER_Q_CURRENT_L1, METER_Q_CURRENT_L2, METER_Q_CURRENT_L3};
    static const meter_quantity_t PF[3] = {METER_Q_POWER_FACTOR_L1, METER_Q_POWER_FACTOR_L2,
                                           METER_Q_POWER_FACTOR_L3};
    static const meter_quantity_t P[3] = {METER_Q_ACTIVE_POWER_L1, METER_Q_ACTIVE_POWER_L2,
                                          METER_Q_ACTIVE_POWER_L3};
    static const meter_quantity_t Q[3] = {METER_Q_REACTIVE_POWER_L1, METER_Q_REACTIVE_POWER_L2,
                                          METER_Q_REACTIVE_POWER_L3};
    static const meter_quantity_t S[3] = {METER_Q_APPARENT_POWER_L1, METER_Q_APPARENT_POWER_L2,
                                          METER_Q_APPARENT_POWER_L3};
    unsigned phases = sm->model->phases == 3 ? 3 : 1;
    double p = 0, q = 0, s = 0, i = 0, u = 0;
    for (unsigned k = 0; k < phases; k++) {
        double sk = sm->v[U[k]] * sm->v[I[k]];
        double pk = sk * sm->v[PF[k]];
        double qk = sqrt(fmax(0, sk * sk - pk * pk));
        sm->v[P[k]] = pk;
        sm->v[Q[k]] = qk;
        sm->v[S[k]] = sk;
        p += pk;
        q += qk;
        s += sk;
        i += sm->v[I[k]];
        u += sm->v[U[k]];
    }
    V(sm, ACTIVE_POWER) = p;
    V(sm, REACTIVE_POWER) = q;
    V(sm, APPARENT_POWER) = s;
    V(sm, POWER_FACTOR) = s > 0 ? p / s : 1;
    V(sm, CURRENT) = i;
    V(sm, VOLTAGE) = u / phases;
    V(sm, APPARENT_DEMAND) = s;
    /* totals follow tariffs; combined totals follow calculation code 5 (import + export) */
    V(sm, ENERGY_ACTIVE_IMPORT) = V(sm, ENERGY_ACTIVE_IMPORT_T1) + V(sm, ENERGY_ACTIVE_IMPORT_T2);
    V(sm, ENERGY_ACTIVE_EXPORT) = V(sm, ENERGY_ACTIVE_EXPORT_T1) + V(sm, ENERGY_ACTIVE_EXPORT_T2);
    V(sm, ENERGY_REACTIVE_IMPORT) = V(sm, ENERGY_REACTIVE_IMPORT_T1) + V(sm, ENERGY_REACTIVE_IMPORT_T2);
    V(sm, ENERGY_REACTIVE_EXPORT) = V(sm, ENERGY_REACTIVE_EXPORT_T1) + V(sm, ENERGY_REACTIVE_EXPORT_T2);
    for (int t = 0; t < 2; t++) {
        sm->v[METER_Q_ENERGY_ACTIVE_TOTAL_T1 + t] =
            sm->v[METER_Q_ENERGY_ACTIVE_IMPORT_T1 + t] + sm->v[METER_Q_ENERGY_ACTIVE_EXPORT_T1 + t];
        sm->v[METER_Q_ENERGY_REACTIVE_TOTAL_T1 + t] =
            sm->v[METER_Q_ENERGY_REACTIVE_IMPORT_T1 + t] + sm->v[METER_Q_ENERGY_REACTIVE_EXPORT_T1 + t];
    }
    V(sm, ENERGY_ACTIVE_TOTAL) = V(sm, ENERGY_ACTIVE_IMPORT) + V(sm, ENERGY_ACTIVE_EXPORT);
    V(sm, ENERGY_REACTIVE_TOTAL) = V(sm, ENERGY_REACTIVE_IMPORT) + V(sm, ENERGY_REACTIVE_EXPORT);
    /* per phase: import split by each phase's share of the power */
    static const meter_quantity_t EI[3] = {METER_Q_ENERGY_ACTIVE_IMPORT_L1, METER_Q_ENERGY_ACTIVE_IMPORT_L2,
                                           METER_Q_ENERGY_ACTIVE_IMPORT_L3};
    static const meter_quantity_t EE[3] = {METER_Q_ENERGY_ACTIVE_EXPORT_L1, METER_Q_ENERGY_ACTIVE_EXPORT_L2,
                                           METER_Q_ENERGY_ACTIVE_EXPORT_L3};
    static const meter_quantity_t ET[3] = {METER_Q_ENERGY_ACTIVE_TOTAL_L1, METER_Q_ENERGY_ACTIVE_TOTAL_L2,
                                           METER_Q_ENERGY_ACTIVE_TOTAL_L3};
    static const meter_quantity_t RI[3] = {METER_Q_ENERGY_REACTIVE_IMPORT_L1,
                                           METER_Q_ENERGY_REACTIVE_IMPORT_L2,
                                           METER_Q_ENERGY_REACTIVE_IMPORT_L3};
    static const meter_quantity_t RE[3] = {METER_Q_ENERGY_REACTIVE_EXPORT_L1,
                                           METER_Q_ENERGY_REACTIVE_EXPORT_L2,
                                           METER_Q_ENERGY_REACTIVE_EXPORT_L3};
    static const meter_quantity_t RT[3] = {METER_Q_ENERGY_REACTIVE_TOTAL_L1,
                                           METER_Q_ENERGY_REACTIVE_TOTAL_L2,
                                           METER_Q_ENERGY_REACTIVE_TOTAL_L3};
    for (unsigned k = 0; k < 3; k++) {
        double share = k < phases && p > 0 ? sm->v[P[k]] / p : 0;
        sm->v[EI[k]] = V(sm, ENERGY_ACTIVE_IMPORT) * share;
        sm->v[EE[k]] = V(sm, ENERGY_ACTIVE_EXPORT) * share;
        sm->v[ET[k]] = sm->v[EI[k]] + sm->v[EE[k]];
        sm->v[RI[k]] = V(sm, ENERGY_REACTIVE_IMPORT) * share;
        sm->v[RE[k]] = V(sm, ENERGY_REACTIVE_EXPORT) * share;
        sm->v[RT[k]] = sm->v[RI[k]] + sm->v[RE[k]];
    }
    /* the four tariffs of KPM31-style meters: t3, t4 hold fixed older consumption */
    /* history: this period's values, then older settlement days, each lower */
    for (int block = 0; block < 10; block++) {
        int reactive = block % 2;
        int tariff = block / 2; /* 0 = all tariffs, 1..4 */
        meter_quantity_t base = (meter_quantity_t)((reactive ? METER_Q_ENERGY_REACTIVE_TOTAL_M0
                                                             : METER_Q_ENERGY_ACTIVE_TOTAL_M0) +
                                                   13 * tariff);
        double now = tariff == 0
                         ? sm->v[reactive ? METER_Q_ENERGY_REACTIVE_TOTAL : METER_Q_ENERGY_ACTIVE_TOTAL]
                         : sm->v[(reactive ? METER_Q_ENERGY_REACTIVE_TOTAL_T1 : METER_Q_ENERGY_ACTIVE_TOTAL_T1) +
                                 tariff - 1];
        for (int m = 0; m < 13; m++)
            sm->v[base + m] = m == 0 ? now : floor(now * (1.0 - 0.02 * m) * 100) / 100;
    }
}

void mtr_sim_meter_init(struct mtr_sim_meter *sm, const struct mtr_model *model, int address)
{
    memset(sm, 0, sizeof *sm);
    sm->model = model;
    sm->address = address;
    double d = (address - 1) * 0.1; /* meters on one bus differ a little */
    V(sm, VOLTAGE_L1) = 230.1 + d;
    V(sm, CURRENT_L1) = 5.2 + d;
    V(sm, POWER_FACTOR_L1) = 0.95;
    if (model->phases == 3) {
        V(sm, VOLTAGE_L2) = 229.8 + d;
        V(sm, CURRENT_L2) = 3.1;
        V(sm, POWER_FACTOR_L2) = 0.9;
        V(sm, VOLTAGE_L3) = 231.2 + d;
        V(sm, CURRENT_L3) = 7.4;
        V(sm, POWER_FACTOR_L3) = 0.98;
    }
    V(sm, FREQUENCY) = 50.0;
    V(sm, ENERGY_ACTIVE_IMPORT_T1) = 8345.67 + 100 * address;
    V(sm, ENERGY_ACTIVE_IMPORT_T2) = 4000.25;
    V(sm, ENERGY_ACTIVE_EXPORT_T1) = 200.5;
    V(sm, ENERGY_ACTIVE_EXPORT_T2) = 34.0;
    V(sm, ENERGY_REACTIVE_IMPORT_T1) = 1234.5;
    V(sm, ENERGY_REACTIVE_IMPORT_T2) = 567.75;
    V(sm, ENERGY_REACTIVE_EXPORT_T1) = 12.25;
    V(sm, ENERGY_REACTIVE_EXPORT_T2) = 3.5;
    V(sm, ENERGY_ACTIVE_TOTAL_T3) = 2100.5;
    V(sm, ENERGY_ACTIVE_TOTAL_T4) = 1800.75;
    V(sm, ENERGY_REACTIVE_TOTAL_T3) = 310.25;
    V(sm, ENERGY_REACTIVE_TOTAL_T4) = 150.5;
    V(sm, ENERGY_ACTIVE_DAY_COUNTER) = 3.21;
    V(sm, DEVICE_ADDRESS) = address;
    V(sm, BAUD_RATE) = model->baud;
    V(sm, PARITY_SETTING) = 1;
    V(sm, PROTOCOL_VERSION) = 1.0;
    V(sm, FIRMWARE_VERSION) = 1.12;
    V(sm, HARDWARE_VERSION) = 1.0;
    V(sm, METER_AMPS) = model->phases == 3 ? 100 : 45;
    V(sm, CT_RATIO) = 1;
    V(sm, CT_MODE) = 0;
    V(sm, S0_RATE) = 1000;
    V(sm, CALCULATION_CODE) = 5;
    V(sm, LCD_CYCLE_TIME) = 10;
    V(sm, ERROR_CODE) = 0;
    V(sm, POWER_DOWN_COUNTER) = 3;
    V(sm, QUADRANT) = 1;
    V(sm, QUADRANT_L1) = 1;
    V(sm, QUADRANT_L2) = 1;
    V(sm, QUADRANT_L3) = 1;
    V(sm, TARIFF) = 1;
    V(sm, PASSWORD) = 6666;
    V(sm, RELAY) = 1;
    snprintf(sm->text[METER_Q_SERIAL_NUMBER], sizeof sm->text[0], "%08d", 13070000 + address);
    snprintf(sm->text[METER_Q_METER_CODE], sizeof sm->text[0], "%04X",
             model->phases == 3 ? 0x0380 : 0x0101);
    snprintf(sm->text[METER_Q_CURRENT_DIRECTION], sizeof sm->text[0], "F");
    snprintf(sm->text[METER_Q_CURRENT_DIRECTION_L2], sizeof sm->text[0], "F");
    snprintf(sm->text[METER_Q_CURRENT_DIRECTION_L3], sizeof sm->text[0], "F");
    snprintf(sm->text[METER_Q_FIRMWARE_CHECKSUM], sizeof sm->text[0], "1A2B3C4D");
    snprintf(sm->text[METER_Q_STATUS_WORD], sizeof sm->text[0], "00011111");
    mtr_sim_meter_derive(sm);
    sm->t_last = now_s();
}

void mtr_sim_meter_tick(struct mtr_sim_meter *sm, int frozen)
{
    double t = now_s();
    double dt = t - sm->t_last;
    sm->t_last = t;
    if (frozen || dt <= 0)
        return;
    double kwh = V(sm, ACTIVE_POWER) * dt / 3.6e6;
    double kvarh = V(sm, REACTIVE_POWER) * dt / 3.6e6;
    int t2 = V(sm, TARIFF) == 2;
    sm->v[t2 ? METER_Q_ENERGY_ACTIVE_IMPORT_T2 : METER_Q_ENERGY_ACTIVE_IMPORT_T1] += kwh;
    sm->v[t2 ? METER_Q_ENERGY_REACTIVE_IMPORT_T2 : METER_Q_ENERGY_REACTIVE_IMPORT_T1] += kvarh;
    V(sm, ENERGY_ACTIVE_DAY_COUNTER) += kwh;
    mtr_sim_meter_derive(sm);
}

void mtr_sim_meter_clear_energy(struct mtr_sim_meter *sm)
{
    for (unsigned q = METER_Q_ENERGY_ACTIVE_TOTAL; q <= METER_Q_ENERGY_ACTIVE_DAY_COUNTER; q++)
        sm->v[q] = 0;
    mtr_sim_meter_derive(sm);
}

struct mtr_sim_meter *mtr_sim_find(struct meter_sim *s, int address)
{
    for (int i = 0; i < s->nmeters; i++)
        if (s->meters[i].address == address)
            return &s->meters[i];
    return NULL;
}
