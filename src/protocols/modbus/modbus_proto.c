/* SPDX-License-Identifier: MIT */
/* The Modbus protocol as the core sees it: its schemes (rtu:, tcp:) and
 * connection-string options, a handle's Modbus state (word order, the learned
 * read limit), the row look-up of the drivers' maps, and the ops table. */
#include <stddef.h>
#include <stdlib.h>

#include "protocols/modbus/modbus_internal.h"

static const struct mtr_scheme schemes[] = {
    {"rtu", MTR_MB_RTU, 1, 0,
     MTR_SET_BAUD | MTR_SET_PARITY | MTR_SET_DATA | MTR_SET_STOP | MTR_SET_RS485 |
         MTR_SET_TIMEOUT | MTR_SET_RETRIES,
     500},
    {"tcp", MTR_MB_TCP, 0, 502, MTR_SET_TIMEOUT | MTR_SET_RETRIES, 1000},
};

static const struct mtr_choice words[] = {
    {"abcd", MTR_WORDS_ABCD}, {"cdab", MTR_WORDS_CDAB}, {NULL, 0}};

#define OFF(f) offsetof(struct mtr_mb_opts, f), sizeof(((struct mtr_mb_opts *)0)->f)
static const struct mtr_opt opts[] = {
    {"id", MTR_CONN_METER, 0, MTR_OPT_INT, 1, 247, NULL, OFF(id), MTR_MB_SET_ID, "1 to 247"},
    {"words", MTR_CONN_METER, 0, MTR_OPT_CHOICE, 0, 0, words, OFF(word_order), MTR_MB_SET_WORDS,
     "abcd or cdab"},
    {"max_regs", MTR_CONN_METER, 0, MTR_OPT_UINT, 1, 125, NULL, OFF(max_regs),
     MTR_MB_SET_MAXREGS, "1 to 125"},
};
_Static_assert(sizeof(struct mtr_mb_opts) <= MTR_POPT_MAX, "options fit a connection");

const struct mtr_mb_reg *mtr_mb_row(const struct mtr_model *model, meter_quantity_t q)
{
    const struct mtr_mb_map *map = mtr_mb_map_of(model);
    if (!map)
        return NULL;
    for (size_t i = 0; i < map->nregs; i++)
        if (map->regs[i].q == q && mtr_model_has_row(model, &map->regs[i]))
            return &map->regs[i];
    return NULL;
}

static int attach(meter_t *m, const struct mtr_conn *c, char *err, size_t len)
{
    const struct mtr_mb_opts *o = MTR_CPOPT(c, struct mtr_mb_opts);
    struct mtr_mb_meter *mb = calloc(1, sizeof *mb);
    if (!mb)
        return mtr_err(err, len, METER_ENOMEM, "out of memory");
    if (c->pset & MTR_MB_SET_ID)
        m->id = o->id;
    mb->word_order = (c->pset & MTR_MB_SET_WORDS) ? o->word_order
                                                   : mtr_mb_map_of(m->model)->word_order;
    mb->max_regs = (c->pset & MTR_MB_SET_MAXREGS) ? o->max_regs : 125;
    m->stats.max_registers = mb->max_regs;
    m->priv = mb;
    return METER_OK;
}

static void detach(meter_t *m)
{
    free(m->priv);
    m->priv = NULL;
}

const struct mtr_proto_ops mtr_proto_modbus = {
    "modbus", schemes, sizeof schemes / sizeof schemes[0], opts, sizeof opts / sizeof opts[0],
    mtr_mb_link_open, mtr_mb_link_close, attach, detach,
    mtr_modbus_read, mtr_modbus_quantities, mtr_modbus_cfg_allowed, mtr_modbus_cfg_apply,
    NULL, NULL,
};
