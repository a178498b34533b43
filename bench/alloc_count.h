/* SPDX-License-Identifier: MIT */
/* Counting heap allocations in a benchmark: set bench_counting, run the code,
 * read bench_allocations. Shared by every bench_*.c. */
#ifndef METER_BENCH_ALLOC_COUNT_H
#define METER_BENCH_ALLOC_COUNT_H

extern volatile int bench_counting;
extern volatile unsigned long bench_allocations;

/** Install the counter; returns how it counts ("glibc wrappers" or the sanitizer's hooks). */
const char *bench_alloc_install(void);

#endif
