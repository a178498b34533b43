/* SPDX-License-Identifier: MIT */
/* The entry that gives each quantity, and a second one that contradicts it. */
#include <stdint.h>

#include "core/choose.h"

void mtr_choose(const struct mtr_choice_src *src, size_t *best, size_t *clash)
{
    size_t prio[METER_Q_COUNT_];
    for (size_t q = 0; q < METER_Q_COUNT_; q++)
        best[q] = clash[q] = prio[q] = SIZE_MAX;
    for (size_t i = 0; i < src->n; i++) {
        size_t p = 0;
        meter_quantity_t q = src->map(src->ctx, i, &p);
        if ((unsigned)q >= METER_Q_COUNT_ || p > prio[q])
            continue;
        if (p < prio[q]) { /* an earlier row of the table: this entry gives the quantity */
            prio[q] = p;
            best[q] = i;
            clash[q] = SIZE_MAX;
        } else if (clash[q] == SIZE_MAX && !src->same(src->ctx, best[q], i, q)) {
            clash[q] = i; /* the same code again, another value */
        }
    }
}
