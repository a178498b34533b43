/* SPDX-License-Identifier: MIT */
/* IEC 62056-21 meters read through an optical head: the generic driver (any
 * meter's readout, OBIS codes onto the catalogue) and the KLEFR / Inepro PRO1
 * and PRO380 infrared ports, whose manuals give no data list (docs/iec62056.md). */
#include "protocols/iec62056/iec_internal.h"

/* The generic model maps through the shared OBIS map (src/proto/obis.c); the KLEFR
 * tables below are subsets of it in the same row type. */
#define E(q, c, d, e) {METER_Q_##q, 1, c, d, e, "OBIS 1-b:" #c "." #d "." #e}

/* KLEFR / PRO1 (single phase): the codes the LCD shows; the meter sends what it sends,
 * and anything else stays available as records. */
static const mtr_obis_row_t klefr_1p_rows[] = {
    E(ENERGY_ACTIVE_IMPORT, 1, 8, 0),    E(ENERGY_ACTIVE_EXPORT, 2, 8, 0),
    E(ENERGY_ACTIVE_TOTAL, 15, 8, 0),
    E(VOLTAGE_L1, 32, 7, 0),             E(CURRENT_L1, 31, 7, 0),
    E(ACTIVE_POWER, 16, 7, 0),           E(ACTIVE_POWER, 1, 7, 0),
    E(FREQUENCY, 14, 7, 0),              E(POWER_FACTOR, 13, 7, 0),
    {METER_Q_SERIAL_NUMBER, 0, 96, 1, 0, "OBIS 0-0:C.1.0 (96.1.0), serial number"},
    {METER_Q_SERIAL_NUMBER, 0, 0, 0, 0, "OBIS 0-0:0.0.0, device address / meter id"},
    {METER_Q_ERROR_CODE, 0, 97, 97, 0, "OBIS 0-0:F.F.0 (97.97.0), error register"},
};

/* PRO1-2T: two tariffs switched by an external 230 V input (seed 001). */
static const mtr_obis_row_t klefr_2t_rows[] = {
    E(ENERGY_ACTIVE_IMPORT, 1, 8, 0),    E(ENERGY_ACTIVE_IMPORT_T1, 1, 8, 1),
    E(ENERGY_ACTIVE_IMPORT_T2, 1, 8, 2), E(ENERGY_ACTIVE_EXPORT, 2, 8, 0),
    E(ENERGY_ACTIVE_EXPORT_T1, 2, 8, 1), E(ENERGY_ACTIVE_EXPORT_T2, 2, 8, 2),
    E(ENERGY_ACTIVE_TOTAL, 15, 8, 0),
    E(VOLTAGE_L1, 32, 7, 0),             E(CURRENT_L1, 31, 7, 0),
    E(ACTIVE_POWER, 16, 7, 0),           E(ACTIVE_POWER, 1, 7, 0),
    E(FREQUENCY, 14, 7, 0),              E(POWER_FACTOR, 13, 7, 0),
    {METER_Q_SERIAL_NUMBER, 0, 96, 1, 0, "OBIS 0-0:C.1.0 (96.1.0), serial number"},
    {METER_Q_SERIAL_NUMBER, 0, 0, 0, 0, "OBIS 0-0:0.0.0, device address / meter id"},
    {METER_Q_ERROR_CODE, 0, 97, 97, 0, "OBIS 0-0:F.F.0 (97.97.0), error register"},
};
#undef E

#define ROWS(r) r, sizeof r / sizeof r[0]

/* What the simulator sends for each (its identification is invented: no capture of a
 * KLEFR identification exists; "INM" is Inepro's M-Bus manufacturer code). */
static const struct mtr_iec_driver generic_driver = {
    mtr_obis_generic, MTR_OBIS_GENERIC_N, "/ISk5ME162-0033",
    "C.1.0\n1.8.0\n1.8.1\n1.8.2\n2.8.0\n3.8.0\n4.8.0\n32.7.0\n52.7.0\n72.7.0\n31.7.0\n51.7.0\n"
    "71.7.0\n16.7.0\n21.7.0\n41.7.0\n61.7.0\n14.7.0\n13.7.0\nF.F", 0};
static const struct mtr_iec_driver klefr_1p_driver = {
    ROWS(klefr_1p_rows), "/INM5PRO1",
    "C.1.0\n1.8.0\n2.8.0\n32.7.0\n31.7.0\n16.7.0\n14.7.0\n13.7.0\nF.F", 0};
static const struct mtr_iec_driver klefr_2t_driver = {
    ROWS(klefr_2t_rows), "/INM5PRO1-2T",
    "C.1.0\n1.8.0\n1.8.1\n1.8.2\n2.8.0\n32.7.0\n31.7.0\n16.7.0\n14.7.0\n13.7.0\nF.F", 0};
static const struct mtr_iec_driver klefr_3p_driver = {
    mtr_obis_generic, MTR_OBIS_GENERIC_N, "/INM5PRO380",
    "C.1.0\n1.8.0\n1.8.1\n1.8.2\n2.8.0\n32.7.0\n52.7.0\n72.7.0\n31.7.0\n51.7.0\n71.7.0\n16.7.0\n"
    "21.7.0\n41.7.0\n61.7.0\n14.7.0\n13.7.0\nF.F", 0};

/* Meters that push mode D text unasked (docs/iec62056.md "Pushed text"): DSMR P1 ports
 * (DSMR 5.0.2 P1 companion standard: 115200 8N1, CRC-16 after '!') and EasyMeter Q3D
 * (9600 7E1, no CRC). The simulator's identifications are invented. */
static const struct mtr_iec_driver dsmr_driver = {
    mtr_obis_generic, MTR_OBIS_GENERIC_N, "/SIM5DSMR-SIM",
    "1.8.1\n1.8.2\n2.8.1\n2.8.2\n1.7.0\n32.7.0\n52.7.0\n72.7.0\n31.7.0\n51.7.0\n71.7.0\n"
    "21.7.0\n41.7.0\n61.7.0", 2};
static const struct mtr_iec_driver push_driver = {
    mtr_obis_generic, MTR_OBIS_GENERIC_N, "/ESY5Q3DA1024 V3.04",
    "C.1.0\n1.8.0\n2.8.0\n21.7.0\n41.7.0\n61.7.0\n1.7.0\nF.F", 1};

#define IEC_DEFAULTS "300 7E1, then the meter's speed"
static const struct mtr_model iec_models[] = {
    {{"iec62056", "iec,iec1107", "iec62056",
      "any IEC 62056-21 meter on an optical head: readout, OBIS onto the catalogue", IEC_DEFAULTS, 1},
     &mtr_proto_iec, 300, 'E', 0, 3, &generic_driver},
    {{"klefr-6921", "pro1", "iec62056", "KLEFR 6921 / Inepro PRO1, single phase, infrared port",
      IEC_DEFAULTS, 1},
     &mtr_proto_iec, 300, 'E', 0, 1, &klefr_1p_driver},
    {{"klefr-6922", "pro1-2t", "iec62056",
      "KLEFR 6922 / Inepro PRO1-2T, single phase, two tariffs, infrared port", IEC_DEFAULTS, 1},
     &mtr_proto_iec, 300, 'E', 0, 1, &klefr_2t_driver},
    {{"klefr-6923-ir", "pro1-mb-ir", "iec62056",
      "KLEFR 6923 / Inepro PRO1-Mb, its infrared port (M-Bus is klefr-6923)", IEC_DEFAULTS, 1},
     &mtr_proto_iec, 300, 'E', 0, 1, &klefr_2t_driver},
    {{"klefr-6924-ir", "pro1-mod-ir", "iec62056",
      "KLEFR 6924 / Inepro PRO1-Mod, its infrared port (Modbus is klefr-6924)", IEC_DEFAULTS, 1},
     &mtr_proto_iec, 300, 'E', 0, 1, &klefr_2t_driver},
    {{"klefr-6934-ir", "pro380-mod-ir", "iec62056",
      "KLEFR 6934 / Inepro PRO380-Mod, three phase, its infrared port (Modbus is klefr-6934)",
      IEC_DEFAULTS, 1},
     &mtr_proto_iec, 300, 'E', 0, 3, &klefr_3p_driver},
    {{"dsmr", "p1,dsmr5", "iec62056",
      "DSMR P1 port (NL, BE): pushed telegrams, CRC checked; connect with dsmr:",
      "115200 8N1, listening", 1},
     &mtr_proto_iec, 115200, 'N', 0, 3, &dsmr_driver},
    {{"easymeter-q3d", "iec-push,q3d", "iec62056",
      "a meter pushing IEC 62056-21 mode D text (EasyMeter Q3D); connect with iec-push:",
      "9600 7E1, listening", 1},
     &mtr_proto_iec, 9600, 'E', 0, 3, &push_driver},
};

const struct mtr_family mtr_family_iec62056 = {
    "iec62056", iec_models, sizeof iec_models / sizeof iec_models[0],
};
