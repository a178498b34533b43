/* SPDX-License-Identifier: MIT */
/* The model registry: the driver families found in src/drivers/ at configure
 * time (generated drivers.gen.h), model look-up by name or alias, and the
 * public model list. */
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

size_t meter_model_count(void)
{
    return mtr_model_total();
}

const meter_model_info_t *meter_model_info(size_t i)
{
    const struct mtr_model *m = mtr_model_at(i);
    return m ? &m->info : NULL;
}

const meter_model_info_t *meter_model_find(const char *name)
{
    const struct mtr_model *m = mtr_model_find(name);
    return m ? &m->info : NULL;
}

size_t meter_model_quantities(const char *name, meter_quantity_t *out, size_t cap)
{
    const struct mtr_model *model = mtr_model_find(name);
    if (!model || (cap && !out))
        return 0;
    /* a protocol lists a model's quantities from the model alone: a handle
     * that is not attached to any bus is enough */
    struct meter m;
    memset(&m, 0, sizeof m);
    m.model = model;
    return model->proto->quantities(&m, out, cap);
}
