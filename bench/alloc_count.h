/* SPDX-License-Identifier: MIT */
/* Counting heap allocations in a benchmark: set bench_counting in the thread
 * being measured, run the code, read bench_allocations. Only allocations made
 * by threads whose bench_counting is set are counted (an in-process simulator
 * thread's are not). Shared by every bench_*.c. */
#ifndef METER_BENCH_ALLOC_COUNT_H
#define METER_BENCH_ALLOC_COUNT_H

extern _Thread_local volatile int bench_counting;
extern volatile unsigned long bench_allocations;

/** Install the counter; returns how it counts ("glibc wrappers" or the sanitizer's hooks). */
const char *bench_alloc_install(void);

#endif
