/* SPDX-License-Identifier: MIT */
/* The protocols built in: one line each. A protocol's folder beside this file
 * supplies its ops table (schemes, options, operations); the core reaches them
 * through mtr_protocols[] only. */
#include "core/internal.h"

extern const struct mtr_proto_ops mtr_proto_modbus;
extern const struct mtr_proto_ops mtr_proto_mbus;
extern const struct mtr_proto_ops mtr_proto_iec;
extern const struct mtr_proto_ops mtr_proto_sml;

const struct mtr_proto_ops *const mtr_protocols[] = {
    &mtr_proto_modbus,
    &mtr_proto_mbus,
    &mtr_proto_iec,
    &mtr_proto_sml,
    NULL,
};
