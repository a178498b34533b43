/* SPDX-License-Identifier: MIT */
/* The protocols built in: one ops table each, looked up by protocol id. */
#include "core/internal.h"
#include "core/mbus_internal.h"

static const struct mtr_proto_ops *const protocols[] = {
    &mtr_proto_modbus,
    &mtr_proto_iec,
    &mtr_proto_mbus,
};

const struct mtr_proto_ops *mtr_proto_ops(enum mtr_proto proto)
{
    for (size_t i = 0; i < sizeof protocols / sizeof protocols[0]; i++)
        if (protocols[i]->proto == proto)
            return protocols[i];
    return NULL;
}
