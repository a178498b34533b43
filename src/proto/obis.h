/* SPDX-License-Identifier: MIT */
/* OBIS codes (IEC 62056-61) onto libmeter's quantity catalogue: the one map that
 * IEC 62056-21 readouts and SML telegrams share, and the row type that drivers use
 * for their own subsets. Pure data and a lookup: no I/O, no heap, nothing from core. */
#ifndef MTR_PROTO_OBIS_H
#define MTR_PROTO_OBIS_H

#include <stddef.h>
#include <stdint.h>

#include "meter/quantity.h"

/** One OBIS code (A, C, D, E; B any; F: the current value) and the catalogue quantity
 *  it is. In a table, earlier rows win when a meter sends two codes for one quantity
 *  (16.7.0 before 1.7.0, C.1.0 before 0.0.0). */
typedef struct mtr_obis_row {
    meter_quantity_t q;
    int8_t a;          /* 1 electricity, 0 abstract; a code sent without A matches either */
    uint8_t c, d, e;   /* C, D, E (letters: C = 96, F = 97) */
    const char *cite;  /* where the code comes from */
} mtr_obis_row_t;

/** The generic map: every quantity of the catalogue that has an OBIS code. */
#define MTR_OBIS_GENERIC_N 46
extern const mtr_obis_row_t mtr_obis_generic[];

/** The quantity of the code (a < 0: sent without A); METER_Q_NONE when no row matches.
 *  *prio (may be NULL) gets the matching row's index. The caller decides first whether
 *  the code is a current value at all (F absent or 255, no billing period). */
meter_quantity_t mtr_obis_map(const mtr_obis_row_t *rows, size_t n, int a, int c, int d, int e,
                              size_t *prio);

#endif /* MTR_PROTO_OBIS_H */
