/* SPDX-License-Identifier: MIT */
/* meter_read_records(): the protocol's own records where it has them, else
 * the model's snapshot turned into records (one per catalogue quantity). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"

static void from_reading(const meter_reading_t *r, meter_record_t *out, int index)
{
    const meter_quantity_info_t *qi = meter_quantity_info(r->quantity);
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "%s", qi ? qi->name : "?");
    snprintf(out->unit, sizeof out->unit, "%s", meter_unit_symbol(r->unit));
    out->kind = r->kind;
    out->value = r->value;
    snprintf(out->text, sizeof out->text, "%s", r->text);
    out->storage = out->tariff = out->subunit = -1;
    out->index = index;
    out->quantity = r->quantity;
}

meter_status_t meter_read_records(meter_t *m, meter_record_t *out, size_t cap, size_t *n)
{
    if (!m || !n || (cap && !out))
        return m ? mtr_set_err(m, METER_EINVAL, "NULL records or count") : METER_EINVAL;
    *n = 0;
    mtr_call_start(m);
    int orc = mtr_online(m);
    if (orc != METER_OK)
        return orc;
    if (m->bus->ops->records)
        return m->bus->ops->records(m, out, cap, n);
    size_t need = meter_quantities(m, NULL, 0);
    meter_reading_t *r = calloc(need ? need : 1, sizeof *r);
    if (!r)
        return mtr_set_err(m, METER_ENOMEM, "out of memory");
    size_t got = 0;
    int rc = meter_snapshot(m, r, need, &got);
    size_t k = 0;
    for (size_t i = 0; i < got; i++) {
        if (r[i].status != METER_OK)
            continue;
        if (k < cap)
            from_reading(&r[i], &out[k], 0);
        k++;
    }
    free(r);
    *n = k;
    if (rc == METER_OK && k > cap)
        return mtr_set_err(m, METER_EBUFSIZE, "%zu records, room for %zu", k, cap);
    return rc;
}
