/* SPDX-License-Identifier: MIT */
/* Modbus snapshot benchmark through the whole public path: meter_open() and
 * meter_snapshot() of each Modbus model against an in-process simulator on
 * TCP 127.0.0.1:0 (its own thread). Per snapshot, medians of repeated runs: the
 * calling thread's CPU (CLOCK_THREAD_CPUTIME_ID), its user and system time
 * (getrusage RUSAGE_THREAD), wall time, transactions (meter_get_stats) against a
 * lower bound computed here from the register table (distinct registers per
 * function code / the per-request maximum), and heap allocations made by the
 * calling thread. Each model twice: with the client and the simulator on one CPU (what
 * the library costs), and as the scheduler places them (on a VM a wake-up across CPUs
 * can cost the kernel tens of microseconds a round trip, none of it ours). Then,
 * labelled internal: the float-to-decimal conversion
 * against the text implementation it replaced, and Modbus row decoding. */
#include <float.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_count.h"
#include "bench_util.h"
#include "proto/decimal.h"
#include "protocols/modbus/modbus_internal.h"
#include "meter/meter.h"
#include "meter/sim.h"

struct sim_run {
    meter_sim_t *sim;
    pthread_t tid;
};

static void *sim_main(void *arg)
{
    meter_sim_run(((struct sim_run *)arg)->sim);
    return NULL;
}

/* Requests a snapshot cannot do with fewer: the registers its rows cover, per
 * function code, over the longest read (125 registers, 2000 coils). From the
 * driver table, not from the planner. */
static unsigned transactions_bound(const char *model_name, const meter_quantity_t *qs, size_t n)
{
    const struct mtr_model *model = mtr_model_find(model_name);
    static unsigned char used[2][65536];
    memset(used, 0, sizeof used);
    for (size_t i = 0; i < n; i++)
        for (size_t r = 0; r < mtr_mb_map_of(model)->nregs; r++) {
            const struct mtr_mb_reg *row = &mtr_mb_map_of(model)->regs[r];
            if (row->q != qs[i] || !mtr_model_has_flags(model, row->flags))
                continue;
            for (unsigned w = 0; w < row->words; w++)
                used[row->type == MTR_T_COIL][(row->addr + w) & 0xFFFF] = 1;
            break;
        }
    unsigned regs[2] = {0, 0};
    for (int f = 0; f < 2; f++)
        for (unsigned a = 0; a < 65536; a++)
            regs[f] += used[f][a];
    return (regs[0] + 124) / 125 + (regs[1] + 1999) / 2000;
}

/* one CPU for this thread and the threads it starts, or every CPU again */
static void place(int one_cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    if (one_cpu) {
        int cpu = sched_getcpu();
        CPU_SET(cpu < 0 ? 0 : cpu, &set);
    } else {
        for (int c = 0; c < CPU_SETSIZE; c++)
            CPU_SET(c, &set);
    }
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

static int snapshot_bench(const char *model, int quick, int one_cpu)
{
    struct sim_run s;
    place(one_cpu); /* before the simulator's thread starts: it inherits it */
    char err[256], conn[300];
    if (meter_sim_new(&s.sim, "tcp:127.0.0.1:0", err, sizeof err) != METER_OK ||
        meter_sim_add(s.sim, model, 1) != METER_OK) {
        fprintf(stderr, "bench_snapshot: simulator: %s\n", err);
        return -1;
    }
    if (pthread_create(&s.tid, NULL, sim_main, &s))
        return -1;
    snprintf(conn, sizeof conn, "%s?id=1&timeout=2000", meter_sim_endpoint(s.sim));
    meter_t *m;
    if (meter_open(&m, model, conn, err, sizeof err) != METER_OK) {
        fprintf(stderr, "bench_snapshot: %s\n", err);
        return -1;
    }
    size_t n = meter_quantities(m, NULL, 0), got;
    meter_quantity_t *qs = calloc(n, sizeof *qs);
    meter_reading_t *r = calloc(n, sizeof *r);
    meter_quantities(m, qs, n);
    unsigned bound = transactions_bound(model, qs, n);
    int runs = quick ? 3 : 7, per = quick ? 20 : 1500;
    for (int i = 0; i < (quick ? 3 : 50); i++) /* warm up: connection, index, caches */
        meter_snapshot(m, r, n, &got);
    double cpu[7], user[7], sys[7], wall[7], trans[7], allocs[7];
    unsigned long failed = 0;
    for (int k = 0; k < runs; k++) {
        meter_stats_t a = METER_STATS_INIT, b = METER_STATS_INIT;
        meter_get_stats(m, &a);
        double u0, s0, u1, s1;
        bench_rusage(RUSAGE_THREAD, &u0, &s0);
        double c0 = bench_thread_cpu(), w0 = bench_now();
        bench_allocations = 0;
        bench_counting = 1;
        for (int i = 0; i < per; i++) {
            if (meter_snapshot(m, r, n, &got) != METER_OK || got != n) {
                failed++;
                continue;
            }
            for (size_t j = 0; j < n; j++)
                failed += r[j].status != METER_OK;
        }
        bench_counting = 0;
        double c1 = bench_thread_cpu(), w1 = bench_now();
        bench_rusage(RUSAGE_THREAD, &u1, &s1);
        meter_get_stats(m, &b);
        cpu[k] = (c1 - c0) / per * 1e6;
        user[k] = (u1 - u0) / per * 1e6;
        sys[k] = (s1 - s0) / per * 1e6;
        wall[k] = (w1 - w0) / per * 1e6;
        trans[k] = (double)(b.transactions - a.transactions) / per;
        allocs[k] = (double)bench_allocations / per;
    }
    double mc = bench_median(cpu, (size_t)runs), mu = bench_median(user, (size_t)runs),
           ms = bench_median(sys, (size_t)runs), mw = bench_median(wall, (size_t)runs),
           mt = bench_median(trans, (size_t)runs), ma = bench_median(allocs, (size_t)runs);
    printf("  %-14s %-8s %3zu values | thread CPU %6.1f us (user %5.1f, system %5.1f) | wall %6.1f us | "
           "%4.1f transactions (bound %u) | %.2f allocations | %lu failed\n",
           model, one_cpu ? "one CPU" : "spread", n, mc, mu, ms, mw, mt, bound, ma, failed);
    char key[96];
#define KEY(what, v)                                                                              \
    do {                                                                                          \
        snprintf(key, sizeof key, "snapshot%s.%s.%s", one_cpu ? "" : "_spread", model, what);     \
        bench_key(key, v);                                                                        \
    } while (0)
    KEY("values", (double)n);
    KEY("thread_cpu_us", mc);
    KEY("user_us", mu);
    KEY("system_us", ms);
    KEY("wall_us", mw);
    KEY("transactions", mt);
    KEY("transactions_bound", bound);
    KEY("allocations", ma);
    KEY("failed", (double)failed);
#undef KEY
    free(qs);
    free(r);
    meter_close(m);
    meter_sim_stop(s.sim);
    pthread_join(s.tid, NULL);
    meter_sim_free(s.sim);
    return failed ? -1 : 0;
}

/* ---- internal: the float-to-decimal conversion ---------------------------- */

/* the implementation mtr_decimal_from_float() replaced (also the test's reference) */
static double decimal_text(float f, int exp10)
{
    char buf[48];
    for (int p = 6; p <= 9; p++) {
        snprintf(buf, sizeof buf, "%.*e", p - 1, (double)f);
        if (strtof(buf, NULL) == f)
            break;
    }
    if (exp10) {
        char *e = strchr(buf, 'e');
        if (e) {
            int x = atoi(e + 1) + exp10;
            snprintf(e, sizeof buf - (size_t)(e - buf), "e%d", x);
        }
    }
    return strtod(buf, NULL);
}

static volatile double sink;

static double ns_per(double (*fn)(float, int), const float *v, const int *e, size_t n, int reps)
{
    double t0 = bench_now();
    for (int r = 0; r < reps; r++)
        for (size_t i = 0; i < n; i++)
            sink = fn(v[i], e[i]);
    return (bench_now() - t0) / ((double)n * reps) * 1e9;
}

static void decimal_bench(int quick)
{
    enum { N = 4096 };
    static float meter_v[N], random_v[N];
    static int meter_e[N], random_e[N];
    uint64_t x = 0x2545F4914F6CDD1DULL;
    for (size_t i = 0; i < N; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        /* what meters send: volts, amps, kW, kWh, Hz, power factors, with 0..3 decimals */
        static const float base[] = {230.0f, 5.0f, 1.2f, 12345.0f, 50.0f, 0.95f};
        static const int exps[] = {0, 0, 3, 0, 0, 0};
        size_t b = (size_t)(x % 6);
        meter_v[i] = base[b] * (0.8f + (float)((x >> 8) % 4000) / 10000.0f);
        meter_e[i] = exps[b];
        uint32_t bits = (uint32_t)(x >> 32);
        float f;
        memcpy(&f, &bits, sizeof f);
        random_v[i] = isfinite(f) ? f : 1.0f;
        random_e[i] = (int)(i % 13) - 6;
    }
    int runs = quick ? 1 : 5, reps = quick ? 1 : 20;
    double on[5], ot[5], rn[5], rt[5];
    for (int k = 0; k < runs; k++) {
        on[k] = ns_per(mtr_decimal_from_float, meter_v, meter_e, N, reps);
        ot[k] = ns_per(decimal_text, meter_v, meter_e, N, reps);
        rn[k] = ns_per(mtr_decimal_from_float, random_v, random_e, N, reps);
        rt[k] = ns_per(decimal_text, random_v, random_e, N, reps);
    }
    double a = bench_median(on, (size_t)runs), b = bench_median(ot, (size_t)runs),
           c = bench_median(rn, (size_t)runs), d = bench_median(rt, (size_t)runs);
    printf("  internal float -> decimal, meters' values: %.1f ns (text version %.1f ns): %.1fx\n",
           a, b, b / a);
    printf("  internal float -> decimal, random floats:  %.1f ns (text version %.1f ns): %.1fx\n",
           c, d, d / c);
    bench_key("internal.decimal.meter_values_ns", a);
    bench_key("internal.decimal.meter_values_text_ns", b);
    bench_key("internal.decimal.meter_values_speedup", b / a);
    bench_key("internal.decimal.random_ns", c);
    bench_key("internal.decimal.random_text_ns", d);
    bench_key("internal.decimal.random_speedup", d / c);
}

/* ---- internal: Modbus row decoding, the KLEFR 6934's rows with varied values ---- */

static void rows_bench(int quick)
{
    const struct mtr_model *model = mtr_model_find("klefr-6934");
    const struct mtr_mb_map *map = mtr_mb_map_of(model);
    enum { MAXR = 256 };
    static uint16_t words[MAXR][4];
    size_t nr = map->nregs < MAXR ? map->nregs : MAXR;
    for (size_t i = 0; i < nr; i++)
        mtr_mb_encode(&(struct mtr_mb_field){map->regs[i].addr, map->regs[i].words,
                                             map->regs[i].type, map->regs[i].exp10},
                      map->regs[i].type == MTR_T_FLOAT ? 230.0 + (double)i * 1.37 : 1.0, "13070001",
                      map->word_order, words[i]);
    int runs = quick ? 1 : 5, reps = quick ? 10 : 5000;
    double per[5];
    for (int k = 0; k < runs; k++) {
        double t0 = bench_now();
        for (int r = 0; r < reps; r++)
            for (size_t i = 0; i < nr; i++) {
                meter_reading_t out;
                char err[64];
                mtr_mb_decode_row(&map->regs[i], words[i], map->word_order, &out, err, sizeof err);
                sink = out.value;
            }
        per[k] = (bench_now() - t0) / ((double)reps * (double)nr) * 1e9;
    }
    double ns = bench_median(per, (size_t)runs);
    printf("  internal Modbus row decoding (klefr-6934's %zu rows, varied values): %.1f ns a row, "
           "%.2f million rows/s\n", nr, ns, 1e3 / ns);
    bench_key("internal.modbus_rows.ns", ns);
}

int main(void)
{
    int quick = bench_quick();
    const char *how = bench_alloc_install();
    printf("bench_snapshot: meter_snapshot() against an in-process simulator on TCP 127.0.0.1, per "
           "snapshot, median of %d runs (allocations: %s, this thread only)\n", quick ? 3 : 7, how);
    static const char *models[] = {"klefr-6924", "klefr-6934", "compere-kpm31"};
    int rc = 0;
    for (int one_cpu = 1; one_cpu >= 0; one_cpu--)
        for (size_t i = 0; i < 3; i++)
            if (snapshot_bench(models[i], quick, one_cpu) < 0)
                rc = 1;
    place(0);
    decimal_bench(quick);
    rows_bench(quick);
    return rc;
}
