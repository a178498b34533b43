/* SPDX-License-Identifier: MIT */
/* Modbus benchmark, one run, three tables: (a) bus efficiency of a snapshot
 * against one request per quantity, with the wire time at 9600 baud 8E1;
 * (b) decoding throughput and heap allocations; (c) snapshots per second from
 * 120 simulated Modbus TCP meters with 1, 2 and 4 polling threads. A paced
 * snapshot against the wire's bound: bench_paced. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alloc_count.h"
#include "meter/sim.h"
#include "protocols/modbus/modbus_internal.h"

#define BAUD 9600.0
#define CHAR_S (11.0 / BAUD)   /* start + 8 data + parity + stop */
#define GAP_S (3.5 * CHAR_S)   /* the silence that ends an RTU frame */

struct sim_run {
    meter_sim_t *sim;
    pthread_t tid;
};

static void *sim_main(void *arg)
{
    meter_sim_run(((struct sim_run *)arg)->sim);
    return NULL;
}

static int sim_start(struct sim_run *s, const char *listen, const char *model, int first, int count)
{
    char err[256];
    if (meter_sim_new(&s->sim, listen, err, sizeof err) != METER_OK) {
        fprintf(stderr, "bench_modbus: %s\n", err);
        return -1;
    }
    for (int id = first; id < first + count; id++)
        meter_sim_add(s->sim, model, id);
    meter_sim_set(s->sim, METER_SIM_FROZEN, 1);
    return pthread_create(&s->tid, NULL, sim_main, s) ? -1 : 0;
}

static void sim_end(struct sim_run *s)
{
    meter_sim_stop(s->sim);
    pthread_join(s->tid, NULL);
    meter_sim_free(s->sim);
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static meter_t *open_at(const char *endpoint, const char *model, int id)
{
    char conn[300], err[256];
    meter_t *m;
    snprintf(conn, sizeof conn, "%s?id=%d&timeout=2000", endpoint, id);
    if (meter_open(&m, model, conn, err, sizeof err) != METER_OK) {
        fprintf(stderr, "bench_modbus: %s\n", err);
        exit(1);
    }
    return m;
}

static double wire_s(const meter_stats_t *s)
{
    return (double)(s->bytes_sent + s->bytes_received) * CHAR_S + (double)s->transactions * 2 * GAP_S;
}

static void efficiency(void)
{
    static const char *models[] = {"klefr-6924", "klefr-6934", "compere-kpm31"};
    printf("(a) bus efficiency at 9600 baud 8E1: a snapshot vs one request per quantity\n");
    printf("  %-14s %6s | %5s %7s %9s | %5s %7s %9s | %6s\n", "model", "values", "reqs", "bytes",
           "wire", "reqs", "bytes", "wire", "ratio");
    for (size_t k = 0; k < 3; k++) {
        struct sim_run s;
        if (sim_start(&s, "pty", models[k], 1, 1) < 0)
            exit(1);
        meter_t *m = open_at(meter_sim_endpoint(s.sim), models[k], 1);
        size_t n = meter_quantities(m, NULL, 0), got;
        meter_reading_t *r = calloc(n, sizeof *r);
        meter_quantity_t *qs = calloc(n, sizeof *qs);
        meter_quantities(m, qs, n);
        meter_snapshot(m, r, n, &got);
        meter_stats_t a = METER_STATS_INIT, b = METER_STATS_INIT;
        meter_get_stats(m, &a);
        meter_close(m);
        m = open_at(meter_sim_endpoint(s.sim), models[k], 1);
        for (size_t i = 0; i < n; i++)
            meter_read(m, qs[i], &r[i]);
        meter_get_stats(m, &b);
        meter_close(m);
        printf("  %-14s %6zu | %5llu %7llu %7.0f ms | %5llu %7llu %7.0f ms | %5.1fx\n", models[k], n,
               (unsigned long long)a.transactions,
               (unsigned long long)(a.bytes_sent + a.bytes_received), wire_s(&a) * 1e3,
               (unsigned long long)b.transactions,
               (unsigned long long)(b.bytes_sent + b.bytes_received), wire_s(&b) * 1e3,
               wire_s(&b) / wire_s(&a));
        free(r);
        free(qs);
        sim_end(&s);
    }
}

static void decoding(void)
{
    const struct mtr_model *model = mtr_model_find("klefr-6934");
    const struct mtr_mb_map *map = model->proto_data;
    uint16_t words[0x60][2];
    for (size_t i = 0; i < map->nregs && i < 0x60; i++)
        mtr_mb_encode(&(struct mtr_mb_field){map->regs[i].addr, map->regs[i].words, map->regs[i].type, map->regs[i].exp10}, 1234.5, "13070001", MTR_WORDS_ABCD, words[i]);
    const char *how = bench_alloc_install();
    bench_allocations = 0;
    bench_counting = 1;
    unsigned long decoded = 0;
    double t0 = now();
    int rounds = getenv("BENCH_QUICK") && strcmp(getenv("BENCH_QUICK"), "0") ? 100 : 20000;
    for (int round = 0; round < rounds; round++)
        for (size_t i = 0; i < map->nregs && i < 0x60; i++) {
            meter_reading_t r;
            char err[64];
            mtr_mb_decode_row(&map->regs[i], words[i], MTR_WORDS_ABCD, &r, err, sizeof err);
            decoded++;
        }
    double dt = now() - t0;
    bench_counting = 0;
    printf("\n(b) internal: decoding Modbus register rows (all %zu rows of klefr-6934, every value 1234.5; "
           "bench_snapshot times the public path)\n", map->nregs);
    printf("  %.2f million values/s (%.0f whole snapshots/s); heap allocations per value: %.3f (%s)\n",
           decoded / dt / 1e6, decoded / dt / (double)map->nregs,
           (double)bench_allocations / (double)decoded, how ? how : "not counted");
}

struct poller {
    meter_t **meters;
    size_t n;
    unsigned rounds;
    pthread_t tid;
    unsigned long snapshots, failures;
};

static void *poll_main(void *arg)
{
    struct poller *p = arg;
    meter_reading_t r[96];
    for (unsigned k = 0; k < p->rounds; k++)
        for (size_t i = 0; i < p->n; i++) {
            size_t got;
            if (meter_snapshot(p->meters[i], r, 96, &got) == METER_OK)
                p->snapshots++;
            else
                p->failures++;
        }
    return NULL;
}

static void scale(void)
{
    enum { SIMS = 4, PER_SIM = 30, METERS = SIMS * PER_SIM };
    struct sim_run s[SIMS];
    meter_t *m[METERS];
    for (int k = 0; k < SIMS; k++) {
        if (sim_start(&s[k], "tcp:127.0.0.1:0", "klefr-6934", 1, PER_SIM) < 0)
            exit(1);
        for (int i = 0; i < PER_SIM; i++)
            m[k * PER_SIM + i] = open_at(meter_sim_endpoint(s[k].sim), "klefr-6934", i + 1);
    }
    { /* count a snapshot's requests rather than state them */
        meter_reading_t r[96];
        size_t got;
        meter_stats_t a = METER_STATS_INIT, b = METER_STATS_INIT;
        meter_get_stats(m[0], &a);
        meter_snapshot(m[0], r, 96, &got);
        meter_get_stats(m[0], &b);
        printf("\n(c) polling %d simulated Modbus TCP meters (klefr-6934, %llu requests a snapshot, "
               "counted) on 127.0.0.1, %d simulator threads\n", METERS,
               (unsigned long long)(b.transactions - a.transactions), SIMS);
    }
    static const int threads[] = {1, 2, 4};
    for (size_t t = 0; t < 3; t++) {
        int T = threads[t];
        struct poller p[4];
        meter_t *split[4][METERS];
        memset(p, 0, sizeof p);
        for (int i = 0; i < METERS; i++)
            split[i % T][p[i % T].n++] = m[i];
        double t0 = now();
        for (int k = 0; k < T; k++) {
            p[k].meters = split[k];
            p[k].rounds = getenv("BENCH_QUICK") && strcmp(getenv("BENCH_QUICK"), "0") ? 1 : 10;
            pthread_create(&p[k].tid, NULL, poll_main, &p[k]);
        }
        unsigned long snaps = 0, fails = 0;
        for (int k = 0; k < T; k++) {
            pthread_join(p[k].tid, NULL);
            snaps += p[k].snapshots;
            fails += p[k].failures;
        }
        double dt = now() - t0;
        printf("  %d thread%s: %8.0f snapshots/s (%lu snapshots, %lu failed, %.2f s)\n", T,
               T > 1 ? "s" : " ", snaps / dt, snaps, fails, dt);
    }
    for (int i = 0; i < METERS; i++)
        meter_close(m[i]);
    for (int k = 0; k < SIMS; k++)
        sim_end(&s[k]);
}

int main(void)
{
    efficiency();
    decoding();
    scale();
    return 0;
}
