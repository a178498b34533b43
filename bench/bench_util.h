/* SPDX-License-Identifier: MIT */
/* What every benchmark shares: clocks (wall, the calling thread's CPU, its user
 * and system time), the median of repeated runs, BENCH_QUICK, and the summary
 * lines "@ key value" that scripts/bench.sh gathers at the end. */
#ifndef METER_BENCH_UTIL_H
#define METER_BENCH_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static inline double bench_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/** CPU time of the calling thread (user + system), seconds. */
static inline double bench_thread_cpu(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/** User and system time of the calling thread (RUSAGE_THREAD) or of the process. */
static inline void bench_rusage(int who, double *user, double *sys)
{
    struct rusage ru;
    getrusage(who, &ru);
    *user = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6;
    *sys = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

/** BENCH_QUICK=1: every benchmark runs briefly (CI checks that they work). */
static inline int bench_quick(void)
{
    const char *q = getenv("BENCH_QUICK");
    return q && *q && strcmp(q, "0") != 0;
}

static int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/** The median of n figures (sorts them). */
static inline double bench_median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, bench_cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/** One line of the machine-readable summary. */
static inline void bench_key(const char *key, double value)
{
    printf("@ %s %.6g\n", key, value);
}

#endif
