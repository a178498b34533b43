/* SPDX-License-Identifier: MIT */
/* The protocols the simulator serves: one line each (the sim_*.c file in a
 * protocol's folder supplies the table). */
#include "sim/sim_internal.h"

extern const struct mtr_sim_proto_ops mtr_sim_modbus;
extern const struct mtr_sim_proto_ops mtr_sim_mbus;
extern const struct mtr_sim_proto_ops mtr_sim_iec;
extern const struct mtr_sim_proto_ops mtr_sim_sml;

const struct mtr_sim_proto_ops *const mtr_sim_protocols[] = {
    &mtr_sim_modbus,
    &mtr_sim_mbus,
    &mtr_sim_iec,
    &mtr_sim_sml,
    NULL,
};
