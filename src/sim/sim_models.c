/* SPDX-License-Identifier: MIT */
/* The simulator's model look-up: its own simulator-only families (one line
 * each), then libmeter's model list. */
#include <string.h>

#include "sim/sim_internal.h"

extern const struct mtr_family mtr_sim_family_mbus;

static const struct mtr_family *const sim_families[] = {
    &mtr_sim_family_mbus,
};

const struct mtr_model *mtr_sim_model_find(const char *name)
{
    for (size_t f = 0; name && f < sizeof sim_families / sizeof sim_families[0]; f++)
        for (size_t i = 0; i < sim_families[f]->nmodels; i++)
            if (strcmp(sim_families[f]->models[i].info.name, name) == 0)
                return &sim_families[f]->models[i];
    return mtr_model_find(name);
}
