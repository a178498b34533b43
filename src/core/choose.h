/* SPDX-License-Identifier: MIT */
/* Which entry of a telegram gives each quantity, when a meter sends a list of
 * entries (a readout, a pushed telegram): the protocol says what each
 * entry is and whether two say the same; the choice and its one rule live here. */
#ifndef MTR_CORE_CHOOSE_H
#define MTR_CORE_CHOOSE_H

#include <stdbool.h>
#include <stddef.h>

#include "meter/quantity.h"

struct mtr_choice_src {
    size_t n; /* entries 0 .. n-1 */
    /* the quantity entry i gives (METER_Q_COUNT_ or more: none) and its table row's
     * priority in *prio (lower wins) */
    meter_quantity_t (*map)(const void *ctx, size_t i, size_t *prio);
    /* entries a and b give q with the same value */
    bool (*same)(const void *ctx, size_t a, size_t b, meter_quantity_t q);
    const void *ctx;
};

/** For each quantity (arrays of METER_Q_COUNT_): best[q], the entry that gives it (the
 *  earliest entry of the earliest matching row; SIZE_MAX: none), and clash[q], another
 *  entry of that row with a different value (SIZE_MAX: none). A code sent twice with one
 *  value is no clash; with two, which one the meter means is unknown (docs/decisions.md,
 *  "One quantity, two values"). */
void mtr_choose(const struct mtr_choice_src *src, size_t *best, size_t *clash);

#endif /* MTR_CORE_CHOOSE_H */
