/* SPDX-License-Identifier: MIT */
/* The model registry: the driver families found in src/drivers/ at configure
 * time (generated drivers.gen.h), model look-up by name or alias, and the
 * public model list. */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "core/internal.h"

#define MTR_FAMILY(stem) extern const struct mtr_family mtr_family_##stem;
#include "drivers.gen.h"
#undef MTR_FAMILY

static const struct mtr_family *const families[] = {
#define MTR_FAMILY(stem) &mtr_family_##stem,
#include "drivers.gen.h"
#undef MTR_FAMILY
};

#define NFAMILIES (sizeof families / sizeof families[0])

size_t mtr_model_total(void)
{
    size_t n = 0;
    for (size_t f = 0; f < NFAMILIES; f++)
        n += families[f]->nmodels;
    return n;
}

const struct mtr_model *mtr_model_at(size_t i)
{
    for (size_t f = 0; f < NFAMILIES; f++) {
        if (i < families[f]->nmodels)
            return &families[f]->models[i];
        i -= families[f]->nmodels;
    }
    return NULL;
}

static int alias_match(const char *aliases, const char *name)
{
    size_t n = strlen(name);
    const char *p = aliases;
    while (p && *p) {
        const char *comma = strchr(p, ',');
        size_t k = comma ? (size_t)(comma - p) : strlen(p);
        if (k == n && memcmp(p, name, n) == 0)
            return 1;
        p = comma ? comma + 1 : NULL;
    }
    return 0;
}

const struct mtr_model *mtr_model_find(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0, n = mtr_model_total(); i < n; i++) {
        const struct mtr_model *m = mtr_model_at(i);
        if (strcmp(m->info.name, name) == 0 || alias_match(m->info.aliases, name))
            return m;
    }
    return NULL;
}

int mtr_model_has_flags(const struct mtr_model *model, unsigned flags)
{
    if ((flags & MTR_R_3P) && model->phases != 3)
        return 0;
    if ((flags & MTR_R_1P) && model->phases == 3)
        return 0;
    return 1;
}

static const struct mtr_mb_reg *row_search(const struct mtr_model *model, meter_quantity_t q)
{
    const struct mtr_mb_map *map = model->modbus;
    for (size_t i = 0; i < map->nregs; i++)
        if (map->regs[i].q == q && mtr_model_has_row(model, &map->regs[i]))
            return &map->regs[i];
    return NULL;
}

/* The quantity -> row index of every registered Modbus model, built once:
 * row_index[model][q] is the row's place in the table + 1, 0 for none. Models
 * beyond ROW_MODELS, or tables beyond 65534 rows, are searched instead. */
#define ROW_MODELS 64
static uint16_t row_index[ROW_MODELS][METER_Q_COUNT_];
static pthread_once_t row_once = PTHREAD_ONCE_INIT;

static void row_index_build(void)
{
    for (size_t i = 0, n = mtr_model_total(); i < n && i < ROW_MODELS; i++) {
        const struct mtr_model *model = mtr_model_at(i);
        if (!model->modbus || model->modbus->nregs >= UINT16_MAX)
            continue;
        for (unsigned q = 0; q < METER_Q_COUNT_; q++) {
            const struct mtr_mb_reg *r = row_search(model, (meter_quantity_t)q);
            row_index[i][q] = r ? (uint16_t)(r - model->modbus->regs + 1) : 0;
        }
    }
}

/* the model's place in the registry, or -1 (a model built elsewhere, as in a test) */
static long model_place(const struct mtr_model *model)
{
    size_t base = 0;
    for (size_t f = 0; f < NFAMILIES; f++) {
        const struct mtr_family *fam = families[f];
        for (size_t i = 0; i < fam->nmodels; i++)
            if (&fam->models[i] == model)
                return (long)(base + i);
        base += fam->nmodels;
    }
    return -1;
}

const struct mtr_mb_reg *mtr_model_row(const struct mtr_model *model, meter_quantity_t q)
{
    const struct mtr_mb_map *map = model->modbus;
    if (!map)
        return NULL;
    if ((unsigned)q >= METER_Q_COUNT_ || map->nregs >= UINT16_MAX)
        return row_search(model, q);
    /* callers ask about one model many times in a row (a snapshot's quantity list) */
    static _Thread_local const struct mtr_model *last_model;
    static _Thread_local long last_place;
    long place = model == last_model ? last_place : model_place(model);
    last_model = model;
    last_place = place;
    if (place < 0 || place >= ROW_MODELS)
        return row_search(model, q);
    pthread_once(&row_once, row_index_build);
    unsigned k = row_index[place][q];
    return k ? &map->regs[k - 1] : NULL;
}

size_t meter_model_count(void)
{
    return mtr_model_total();
}

const meter_model_info_t *meter_model_info(size_t i)
{
    const struct mtr_model *m = mtr_model_at(i);
    return m ? &m->info : NULL;
}
