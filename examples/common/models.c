/* SPDX-License-Identifier: MIT */
/* Model look-ups: names and aliases; a model's quantities through a
 * simulated meter on a private pseudo-terminal (see models.h). */
#include "models.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const meter_model_info_t *mdl_find(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    for (size_t i = 0; n && i < meter_model_count(); i++) {
        const meter_model_info_t *mi = meter_model_info(i);
        if (!strcmp(mi->name, name))
            return mi;
        for (const char *a = mi->aliases; a && *a;) {
            const char *comma = strchr(a, ',');
            size_t len = comma ? (size_t)(comma - a) : strlen(a);
            if (len == n && !strncmp(a, name, n))
                return mi;
            a = comma ? comma + 1 : "";
        }
    }
    return NULL;
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
    meter_sim_t *sim = NULL;
    meter_t *m = NULL;
    int rc = meter_sim_new(&sim, "pty", err, errlen);
    if (rc == METER_OK && (rc = meter_sim_add(sim, mi->name, -1)) != METER_OK)
        snprintf(err, errlen, "%s: %s", mi->name, meter_strerror(rc));
    if (rc == METER_OK) {
        /* the endpoint's options stay off: opening a serial line sends nothing */
        char conn[300];
        snprintf(conn, sizeof conn, "%s", meter_sim_endpoint(sim));
        rc = meter_open(&m, mi->name, conn, err, errlen);
    }
    if (rc == METER_OK) {
        *n = meter_quantities(m, NULL, 0);
        *out = calloc(*n ? *n : 1, sizeof **out);
        if (*out)
            meter_quantities(m, *out, *n);
        else
            snprintf(err, errlen, "out of memory");
    }
    meter_close(m);
    meter_sim_free(sim);
    return rc == METER_OK && *out ? 0 : -1;
}
