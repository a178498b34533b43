/* SPDX-License-Identifier: MIT */
/* The Modbus read engine shared by every Modbus model: looks quantities up in
 * the model's register table, plans the fewest requests, runs them, decodes
 * the rows, and falls back to shorter reads when a meter refuses a long one
 * (exception 02/03): the limit is kept only when the shorter reads succeed,
 * and forgotten every MTR_MB_RELEARN reads so a passing refusal never stays. */
#include <stdlib.h>
#include <string.h>

#include "protocols/modbus/modbus_internal.h"

int mtr_mb_decode_row(const struct mtr_mb_reg *r, const uint16_t *words, int word_order,
                      meter_reading_t *out, char *err, size_t len)
{
    const meter_quantity_info_t *qi = meter_quantity_info(r->q);
    struct mtr_mb_field f = mtr_mb_field_of(r);
    struct mtr_mb_value v;
    out->quantity = r->q;
    out->unit = qi ? qi->unit : METER_UNIT_NONE;
    out->kind = qi ? qi->kind : METER_KIND_NUMBER;
    out->value = 0;
    out->text[0] = '\0';
    int rc = mtr_mb_decode(&f, words, word_order, &v, err, len);
    if (rc != METER_OK)
        return rc;
    out->value = v.value;
    _Static_assert(sizeof v.text == sizeof out->text, "codec text fits a reading");
    if (v.is_text) {
        size_t k = strnlen(v.text, sizeof v.text - 1);
        memcpy(out->text, v.text, k);
        memset(out->text + k, 0, sizeof out->text - k);
    }
    return METER_OK;
}

size_t mtr_modbus_quantities(const meter_t *m, meter_quantity_t *out, size_t cap)
{
    size_t k = 0;
    for (unsigned q = 0; q < METER_Q_COUNT_; q++) {
        if (!mtr_mb_row(m->model, (meter_quantity_t)q))
            continue;
        if (out && k < cap)
            out[k] = (meter_quantity_t)q;
        k++;
    }
    return k;
}

static void fail_items(meter_t *m, const struct mtr_plan_item *items, size_t n, int rc,
                       meter_reading_t *out)
{
    for (size_t i = 0; i < n; i++) {
        out[items[i].tag].status = rc;
        (void)m;
    }
}

/* registers a request covers that some item needs */
static unsigned covered(const struct mtr_plan_item *items, size_t n)
{
    unsigned total = 0, end = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned s = items[i].addr, e = s + items[i].words;
        if (e <= end)
            continue;
        total += e - (s > end ? s : end);
        end = e;
    }
    return total;
}

/* plans and item lists of up to this many values live on the stack */
#define LOCAL_ITEMS 256

static int read_items(meter_t *m, struct mtr_plan_item *items, size_t n, const meter_quantity_t *qs,
                      meter_reading_t *out)
{
    const struct mtr_mb_map *map = mtr_mb_map_of(m->model);
    struct mtr_mb_meter *mb = mtr_mb_meter(m);
    struct mtr_plan_req local[LOCAL_ITEMS];
    struct mtr_plan_req *reqs = n <= LOCAL_ITEMS ? local : calloc(n, sizeof *reqs);
    size_t nreq = 0;
    if (!reqs)
        return mtr_set_err(m, METER_ENOMEM, "out of memory planning %zu reads", n);
    int rc = mtr_plan(items, n, map->blocks, map->nblocks, mb->max_regs, !mb->no_bridge, reqs, n, &nreq);
    if (rc != METER_OK) {
        if (reqs != local)
            free(reqs);
        fail_items(m, items, n, rc, out);
        return mtr_set_err(m, rc, "cannot plan the reads (limit %u registers)", mb->max_regs);
    }
    int first_rc = METER_OK;
    for (size_t r = 0; r < nreq; r++) {
        const struct mtr_plan_req *rq = &reqs[r];
        struct mtr_plan_item *its = &items[rq->first];
        uint16_t words[2000];
        int excode = 0;
        rc = mtr_mb_read(m, rq->fc, rq->addr, rq->count, words, &excode);
        if (rc == METER_EEXCEPTION && (excode == 2 || excode == 3) && rq->fc == 3) {
            unsigned need = covered(its, rq->n);
            unsigned widest = 0;
            for (size_t i = 0; i < rq->n; i++)
                widest = its[i].words > widest ? its[i].words : widest;
            unsigned old_max = mb->max_regs;
            int old_bridge = mb->no_bridge;
            if (need < rq->count && !mb->no_bridge) {
                mb->no_bridge = 1; /* perhaps the meter refuses reads over unmapped registers */
            } else if (rq->count > widest) {
                unsigned shorter = rq->count / 2 > widest ? rq->count / 2 : widest;
                mb->max_regs = shorter < mb->max_regs ? shorter : mb->max_regs;
            }
            /* a read at its natural size refused: that quantity's error, not the handle's */
            if (mb->max_regs != old_max || mb->no_bridge != old_bridge) {
                mtr_log(m, METER_LOG_INFO, "id %d refused %u registers at 0x%04X; trying shorter reads "
                        "(limit %u, holes %s)", m->id, rq->count, rq->addr, mb->max_regs,
                        mb->no_bridge ? "not bridged" : "bridged");
                rc = read_items(m, its, rq->n, qs, out);
                int any_ok = 0;
                for (size_t i = 0; i < rq->n; i++)
                    any_ok |= out[its[i].tag].status == METER_OK;
                if (rc != METER_OK && first_rc == METER_OK)
                    first_rc = rc;
                if (!any_ok) { /* the shorter reads failed too: nothing learned */
                    mb->max_regs = old_max;
                    mb->no_bridge = old_bridge;
                    continue;
                }
                /* learned: plan the rest under the new limits */
                size_t done = rq->first + rq->n;
                if (done < n && (rc = read_items(m, items + done, n - done, qs, out)) != METER_OK &&
                    first_rc == METER_OK)
                    first_rc = rc;
                break;
            }
        }
        if (rc != METER_OK) {
            fail_items(m, its, rq->n, rc, out);
            if (first_rc == METER_OK)
                first_rc = rc;
            continue;
        }
        for (size_t i = 0; i < rq->n; i++) {
            const struct mtr_mb_reg *row = mtr_mb_row(m->model, qs[its[i].tag]);
            meter_reading_t *o = &out[its[i].tag];
            char err[160];
            int drc = mtr_mb_decode_row(row, words + (its[i].addr - rq->addr), mb->word_order, o, err,
                                    sizeof err);
            o->quantity = qs[its[i].tag]; /* a single-phase twin reads its summary's row */
            o->status = drc;
            if (drc != METER_OK) {
                mtr_set_err(m, drc, "id %d: %s", m->id, err);
                if (first_rc == METER_OK)
                    first_rc = drc;
            }
        }
    }
    if (reqs != local)
        free(reqs);
    return first_rc;
}

/* Put the items in the order of the model's table rows (tags ascending within
 * a row), which is close to address order, so the planner's sort is a pass. */
static void order_by_row(const struct mtr_mb_map *map, struct mtr_plan_item *items, size_t n,
                         const meter_quantity_t *qs, const struct mtr_model *model)
{
    enum { MAXROWS = 512 };
    uint16_t head[MAXROWS], next[LOCAL_ITEMS];
    struct mtr_plan_item sorted[LOCAL_ITEMS];
    if (n < 2 || n > LOCAL_ITEMS || map->nregs > MAXROWS)
        return;
    for (size_t r = 0; r < map->nregs; r++)
        head[r] = UINT16_MAX;
    for (size_t i = n; i-- > 0;) {
        size_t r = (size_t)(mtr_mb_row(model, qs[items[i].tag]) - map->regs);
        next[i] = head[r];
        head[r] = (uint16_t)i;
    }
    size_t k = 0;
    for (size_t r = 0; r < map->nregs; r++)
        for (unsigned i = head[r]; i != UINT16_MAX; i = next[i])
            sorted[k++] = items[i];
    memcpy(items, sorted, n * sizeof *items);
}

int mtr_modbus_read(meter_t *m, const meter_quantity_t *qs, size_t n, meter_reading_t *out)
{
    struct mtr_plan_item local[LOCAL_ITEMS];
    struct mtr_plan_item *items = n <= LOCAL_ITEMS ? local : calloc(n, sizeof *items);
    if (!items)
        return mtr_set_err(m, METER_ENOMEM, "out of memory");
    size_t k = 0;
    int first_rc = METER_OK;
    struct mtr_mb_meter *mb = mtr_mb_meter(m);
    if (++mb->reads >= MTR_MB_RELEARN) { /* a refusal may have been transient: try again */
        mb->reads = 0;
        if (mb->max_regs != mb->max_cfg || mb->no_bridge)
            mtr_log(m, METER_LOG_INFO, "id %d: trying the longest reads again (limit %u, holes bridged)",
                    m->id, mb->max_cfg);
        mb->max_regs = mb->max_cfg;
        mb->no_bridge = 0;
    }
    for (size_t i = 0; i < n; i++) {
        const meter_quantity_info_t *qi = meter_quantity_info(qs[i]);
        memset(&out[i], 0, sizeof out[i]);
        out[i].quantity = qs[i];
        out[i].unit = qi ? qi->unit : METER_UNIT_NONE;
        out[i].kind = qi ? qi->kind : METER_KIND_NUMBER;
        const struct mtr_mb_reg *row = qi ? mtr_mb_row(m->model, qs[i]) : NULL;
        if (!row) {
            out[i].status = METER_EQUANTITY;
            if (first_rc == METER_OK)
                first_rc = mtr_set_err(m, METER_EQUANTITY, "model %s has no quantity %s",
                                       m->model->info.name, qi ? qi->name : "(invalid id)");
            continue;
        }
        items[k].fc = row->type == MTR_T_COIL ? 1 : 3;
        items[k].addr = row->addr;
        items[k].words = row->words;
        items[k].tag = i;
        k++;
    }
    order_by_row(mtr_mb_map_of(m->model), items, k, qs, m->model);
    int rc = k ? read_items(m, items, k, qs, out) : METER_OK;
    if (items != local)
        free(items);
    m->stats.max_registers = mtr_mb_meter(m)->max_regs;
    if (first_rc != METER_OK)
        return first_rc;
    return rc;
}
