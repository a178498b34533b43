/* SPDX-License-Identifier: MIT */
/* Meters that exist only in the simulator: a heat meter answering in three
 * telegrams, a gas meter, and water meters for scans with collisions (docs/mbus.md). A
 * client reads them with the generic "mbus" model; they are not in libmeter's
 * model list. */
#include "protocols/mbus/mbus_internal.h"
#include "sim/sim_internal.h"

/* what the generic driver holds: every record as it comes */
static const struct mtr_mbus_driver generic = {NULL, 0, NULL, 0, -1, NULL, 0};

static const struct mtr_model sim_models[] = {
    {{"sim-mbus-heat", "", "mbus",
      "simulator only: a heat meter answering in three telegrams (DIF 1F)",
      "2400 8E1 address 1", 1},
     &mtr_proto_mbus, 2400, 'E', 1, 0, &generic},
    {{"sim-mbus-water", "", "mbus",
      "simulator only: a water meter whose secondary address follows its primary one "
      "(docs/mbus.md), for scans with collisions",
      "2400 8E1 address 1", 1},
     &mtr_proto_mbus, 2400, 'E', 1, 0, &generic},
    {{"sim-mbus-gas", "", "mbus",
      "simulator only: a gas meter (volume now and at the last due date)",
      "2400 8E1 address 1", 1},
     &mtr_proto_mbus, 2400, 'E', 1, 0, &generic},
};

const struct mtr_family mtr_sim_family_mbus = {
    "sim-mbus", sim_models, sizeof sim_models / sizeof sim_models[0],
};
