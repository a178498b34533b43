/* SPDX-License-Identifier: MIT */
/* The request planner, pure: sorts the registers wanted and groups them into
 * as few read requests as the limits allow (at most max_regs registers each,
 * across holes only inside a block the model says is readable whole). */
#include <stdlib.h>

#include "protocols/modbus/modbus_internal.h"

static int item_cmp(const void *a, const void *b)
{
    const struct mtr_plan_item *x = a, *y = b;
    if (x->fc != y->fc)
        return x->fc < y->fc ? -1 : 1;
    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    if (x->tag != y->tag)
        return x->tag < y->tag ? -1 : 1;
    return 0;
}

/* Items usually arrive in the table's order, nearly sorted: insertion sort then
 * costs a pass; past a budget of moves, qsort. The order is total (tags differ),
 * so either gives the same result. */
static void sort_items(struct mtr_plan_item *items, size_t n)
{
    size_t budget = 4 * n + 16;
    for (size_t i = 1; i < n; i++) {
        if (item_cmp(&items[i - 1], &items[i]) <= 0)
            continue;
        struct mtr_plan_item x = items[i];
        size_t j = i;
        while (j > 0 && item_cmp(&items[j - 1], &x) > 0) {
            items[j] = items[j - 1];
            j--;
            if (budget-- == 0) {
                items[j] = x;
                qsort(items, n, sizeof *items, item_cmp);
                return;
            }
        }
        items[j] = x;
    }
}

static const struct mtr_mb_block *block_of(const struct mtr_mb_block *b, size_t nb, unsigned first,
                                           unsigned last)
{
    for (size_t i = 0; i < nb; i++)
        if (first >= b[i].first && last <= b[i].last)
            return &b[i];
    return NULL;
}

int mtr_plan(struct mtr_plan_item *items, size_t n, const struct mtr_mb_block *blocks,
             size_t nblocks, unsigned max_regs, int bridge_holes, struct mtr_plan_req *reqs,
             size_t cap, size_t *nreqs)
{
    *nreqs = 0;
    if (n == 0)
        return METER_OK;
    if (max_regs == 0)
        return METER_EINVAL;
    sort_items(items, n);
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        const struct mtr_plan_item *it = &items[i];
        unsigned limit = it->fc == 1 ? 2000 : max_regs;
        if (it->words > limit)
            limit = it->words; /* a value wider than the limit is read alone, whole */
        if (k == cap)
            return METER_EBUFSIZE;
        unsigned start = it->addr, end = (unsigned)it->addr + it->words; /* end exclusive */
        size_t j = i + 1;
        for (; j < n; j++) {
            const struct mtr_plan_item *nx = &items[j];
            unsigned nend = (unsigned)nx->addr + nx->words;
            if (nx->fc != it->fc)
                break;
            if (nend <= end) /* same or overlapping register */
                continue;
            if (nend - start > limit)
                break;
            if (nx->addr > end) { /* a hole between */
                if (!bridge_holes || it->fc != 3 || !block_of(blocks, nblocks, start, nend - 1))
                    break;
            }
            end = nend;
        }
        reqs[k].fc = it->fc;
        reqs[k].addr = (uint16_t)start;
        reqs[k].count = (uint16_t)(end - start);
        reqs[k].first = i;
        reqs[k].n = j - i;
        k++;
        i = j;
    }
    *nreqs = k;
    return METER_OK;
}
