/* SPDX-License-Identifier: MIT */
/* Model look-ups for the tools: names and aliases, and a model's quantities
 * (the library lists them without opening anything). */
#include "models.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const meter_model_info_t *mdl_find(const char *name)
{
    return name && *name ? meter_model_find(name) : NULL;
}

int mdl_quantities(const char *name, meter_quantity_t **out, size_t *n, char *err, size_t errlen)
{
    const meter_model_info_t *mi = mdl_find(name);
    *out = NULL;
    *n = 0;
    if (!mi) {
        snprintf(err, errlen, "unknown model '%s' (see: meter models)", name ? name : "");
        return -1;
    }
    *n = meter_model_quantities(mi->name, NULL, 0);
    *out = calloc(*n ? *n : 1, sizeof **out);
    if (!*out) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    meter_model_quantities(mi->name, *out, *n);
    return 0;
}
