/* SPDX-License-Identifier: MIT */
/* The Modbus protocol as the core sees it: its schemes (rtu:, tcp:, rtu-tcp:)
 * and connection-string options, a handle's Modbus state (word order, the learned
 * read limit), the row look-up of the drivers' maps, and the ops table. */
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "protocols/modbus/modbus_internal.h"

static const struct mtr_scheme schemes[] = {
    {"rtu", MTR_MB_RTU, 1, 0,
     MTR_SET_BAUD | MTR_SET_PARITY | MTR_SET_DATA | MTR_SET_STOP | MTR_SET_RS485 |
         MTR_SET_TIMEOUT | MTR_SET_RETRIES,
     500},
    {"tcp", MTR_MB_TCP, 0, 502, MTR_SET_TIMEOUT | MTR_SET_RETRIES, 1000},
    /* RTU frames (CRC included) in a TCP stream: transparent serial servers */
    {"rtu-tcp", MTR_MB_RTU_TCP, 0, 0, MTR_SET_TIMEOUT | MTR_SET_RETRIES, 1000},
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
    {"any_unit", MTR_CONN_LINE, 0, MTR_OPT_BOOL, 0, 1, NULL, OFF(any_unit), MTR_MB_SET_ANYUNIT,
     "0 or 1: a link with a single device, whose replies may carry unit id 0 or 255"},
};
_Static_assert(sizeof(struct mtr_mb_opts) <= MTR_POPT_MAX, "options fit a connection");

static const struct mtr_mb_reg *row_exact(const struct mtr_model *model, meter_quantity_t q)
{
    const struct mtr_mb_map *map = mtr_mb_map_of(model);
    for (size_t i = 0; i < map->nregs; i++)
        if (map->regs[i].q == q && mtr_model_has_row(model, &map->regs[i]))
            return &map->regs[i];
    return NULL;
}

/* A single-phase meter's phase quantities have the *_l1 names on every model
 * (docs/quantities.md): a map with only the summary register serves both names. */
static const struct mtr_mb_reg *row_search(const struct mtr_model *model, meter_quantity_t q)
{
    const struct mtr_mb_reg *r = row_exact(model, q);
    meter_quantity_t twin = model->phases == 1 ? mtr_quantity_single_phase_twin(q) : METER_Q_NONE;
    return r || twin == METER_Q_NONE ? r : row_exact(model, twin);
}

/* The quantity -> row index of every registered Modbus model, built once:
 * row_index[k][q] is the row's place in the table + 1, 0 for none. Models
 * beyond ROW_MODELS (or built elsewhere, as in a test) are searched instead. */
#define ROW_MODELS 64
static const struct mtr_model *row_model[ROW_MODELS];
static uint16_t row_index[ROW_MODELS][METER_Q_COUNT_];
static size_t row_models;
static pthread_once_t row_once = PTHREAD_ONCE_INIT;

static void row_index_build(void)
{
    for (size_t i = 0, n = mtr_model_total(); i < n && row_models < ROW_MODELS; i++) {
        const struct mtr_model *model = mtr_model_at(i);
        if (model->proto != &mtr_proto_modbus || mtr_mb_map_of(model)->nregs >= UINT16_MAX)
            continue;
        for (unsigned q = 0; q < METER_Q_COUNT_; q++) {
            const struct mtr_mb_reg *r = row_search(model, (meter_quantity_t)q);
            row_index[row_models][q] = r ? (uint16_t)(r - mtr_mb_map_of(model)->regs + 1) : 0;
        }
        row_model[row_models++] = model;
    }
}

const struct mtr_mb_reg *mtr_mb_row(const struct mtr_model *model, meter_quantity_t q)
{
    const struct mtr_mb_map *map = mtr_mb_map_of(model);
    if (!map)
        return NULL;
    if ((unsigned)q >= METER_Q_COUNT_)
        return NULL;
    pthread_once(&row_once, row_index_build);
    /* callers ask about one model many times in a row (a snapshot's quantity list) */
    static _Thread_local const struct mtr_model *last_model;
    static _Thread_local long last_place;
    long place = -1;
    if (model == last_model) {
        place = last_place;
    } else {
        for (size_t k = 0; k < row_models && place < 0; k++)
            if (row_model[k] == model)
                place = (long)k;
        last_model = model;
        last_place = place;
    }
    if (place < 0)
        return row_search(model, q);
    unsigned k = row_index[place][q];
    return k ? &map->regs[k - 1] : NULL;
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
    mb->max_cfg = mb->max_regs;
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
    .name = "modbus",
    .schemes = schemes,
    .nschemes = sizeof schemes / sizeof schemes[0],
    .opts = opts,
    .nopts = sizeof opts / sizeof opts[0],
    .bus_open = mtr_mb_link_open,
    .bus_close = mtr_mb_link_close,
    .attach = attach,
    .detach = detach,
    .read = mtr_modbus_read,
    .quantities = mtr_modbus_quantities,
    .cfg_allowed = mtr_modbus_cfg_allowed,
    .cfg_apply = mtr_modbus_cfg_apply,
    .cfg_verified = mtr_modbus_cfg_verified,
};
