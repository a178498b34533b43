/* SPDX-License-Identifier: MIT */
/* Meters that push SML telegrams on their info (IR) interface (eHZ, "moderne
 * Messeinrichtung"): the generic model (OBIS onto the catalogue through the shared
 * map, every entry a record) and rows where meters differ (docs/sml.md). */
#include "protocols/sml/sml_internal.h"

#define E(q, c, d, e) {METER_Q_##q, 1, c, d, e, "OBIS 1-0:" #c "." #d "." #e "*255"}

/* Meters whose info interface sends the counters only until the PIN is entered
 * (EMH eHZ, ISKRA MT175/MT631, Holley DTZ541, EasyMeter Q3A: FNN "Lastenheft EDL",
 * info interface without PIN): 1.8.0 and 2.8.0, the import tariffs where the meter has them. */
static const mtr_obis_row_t counter_rows[] = {
    E(ENERGY_ACTIVE_IMPORT, 1, 8, 0),    E(ENERGY_ACTIVE_IMPORT_T1, 1, 8, 1),
    E(ENERGY_ACTIVE_IMPORT_T2, 1, 8, 2), E(ENERGY_ACTIVE_EXPORT, 2, 8, 0),
};
#undef E

#define ROWS(r) r, sizeof r / sizeof r[0]
#define ALL_CODES                                                                              \
    "1.8.0\n1.8.1\n1.8.2\n2.8.0\n16.7.0\n21.7.0\n41.7.0\n61.7.0\n32.7.0\n52.7.0\n72.7.0\n31.7.0\n" \
    "51.7.0\n71.7.0\n14.7.0"

/* every telegram names its sender (serverId): that is the serial number here */
static const struct mtr_sml_driver generic_driver = {
    mtr_obis_generic, MTR_OBIS_GENERIC_N, 0, MTR_SMLD_SERIAL_SERVER_ID, ALL_CODES};
static const struct mtr_sml_driver counter_driver = {
    ROWS(counter_rows), 0, MTR_SMLD_SERIAL_SERVER_ID, "1.8.0\n1.8.1\n1.8.2\n2.8.0"};
/* Holley DTZ541: KERMIT CRCs on some firmware (docs/sml-codec.md); X.25 still accepted */
static const struct mtr_sml_driver holley_driver = {
    mtr_obis_generic, MTR_OBIS_GENERIC_N, MTR_SML_OPT_KERMIT, MTR_SMLD_SERIAL_SERVER_ID,
    "1.8.0\n2.8.0\n16.7.0"};
/* eBZ DD3: firmware with wrong message CRCs; values kept when the transport CRC is right */
static const struct mtr_sml_driver ebz_driver = {
    mtr_obis_generic, MTR_OBIS_GENERIC_N, MTR_SML_OPT_MSG_CRC_TRUST_TRANSPORT,
    MTR_SMLD_SERIAL_SERVER_ID, "1.8.0\n2.8.0\n16.7.0\n21.7.0\n41.7.0\n61.7.0"};

#define SML_DEFAULTS "9600 8N1, listening"
static const struct mtr_model sml_models[] = {
    {{"sml", "ehz,sml-generic", "sml",
      "any meter pushing SML on its IR head: every entry, OBIS onto the catalogue", SML_DEFAULTS, 1},
     &mtr_proto_sml, 9600, 'N', 0, 3, &generic_driver},
    {{"sml-counter", "sml-nopin", "sml",
      "SML meter without the PIN entered: the energy counters 1.8.0-1.8.2 and 2.8.0 only", SML_DEFAULTS,
      0},
     &mtr_proto_sml, 9600, 'N', 0, 3, &counter_driver},
    {{"holley-dtz541", "dtz541", "sml",
      "Holley DTZ541 (SML; KERMIT CRCs accepted beside X.25)", SML_DEFAULTS, 0},
     &mtr_proto_sml, 9600, 'N', 0, 3, &holley_driver},
    {{"ebz-dd3", "dd3", "sml",
      "eBZ DD3 (SML; wrong message CRCs trusted when the transport CRC is right)", SML_DEFAULTS, 0},
     &mtr_proto_sml, 9600, 'N', 0, 3, &ebz_driver},
};

const struct mtr_family mtr_family_sml = {
    "sml", sml_models, sizeof sml_models / sizeof sml_models[0],
};
