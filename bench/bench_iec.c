/* SPDX-License-Identifier: MIT */
/* Benchmark: the IEC 62056-21 corpus readouts (tests/fixtures/iec/NAME.bin).
 * Public: meter_iec_decode() (iec.h), readouts/s and data sets/s, median of
 * repeated runs. Internal (labelled so): the readout reader, whole and in 64-byte
 * reads. Heap allocations per readout for both (target: zero); exits 1 if either
 * allocates. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "meter/iec.h"
#include "proto/iec62056.h"

#include "alloc_count.h"
#include "bench_util.h"


/* ---- the benchmark ------------------------------------------------------ */

struct sample {
    const char *stem;
    mtr_iec_bcc_t bcc;
    unsigned char *data;
    size_t len;
};

static unsigned long values;

static int on_set(void *user, const mtr_iec_dataset_t *ds)
{
    (void)user;
    (void)ds;
    values++;
    return 0;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int parse_once(const struct sample *s, size_t chunk)
{
    mtr_iec_reader_t r;
    mtr_iec_reader_opts_t o = {MTR_IEC_RD_IDENT, s->bcc, on_set, NULL, NULL, 0};
    mtr_iec_reader_init(&r, &o);
    size_t off = 0;
    while (off < s->len) {
        size_t n = s->len - off < chunk ? s->len - off : chunk, used = 0;
        int rc = mtr_iec_reader_feed(&r, s->data + off, n, &used);
        off += used;
        if (rc == MTR_IEC_IDENT || rc == MTR_IEC_MORE)
            continue;
        return rc;
    }
    return mtr_iec_reader_finish(&r);
}

/* Parse @p s repeatedly for about @p seconds. */
static void run(const struct sample *s, size_t chunk, double seconds, double *per_s,
                double *sets_per_s, unsigned long *alloc_count, unsigned long *iters)
{
    unsigned long n = 0;
    values = 0;
    bench_allocations = 0;
    bench_counting = 1;
    double t0 = now(), t;
    do {
        for (int k = 0; k < 64; k++) {
            if (parse_once(s, chunk) != MTR_IEC_COMPLETE) {
                bench_counting = 0;
                fprintf(stderr, "bench_iec: %s does not parse\n", s->stem);
                exit(2);
            }
        }
        n += 64;
        t = now() - t0;
    } while (t < seconds);
    bench_counting = 0;
    *per_s = (double)n / t;
    *sets_per_s = (double)values / t;
    *alloc_count = bench_allocations;
    *iters = n;
}

static unsigned long pub_values;

static int on_value(void *user, const meter_iec_value_t *v)
{
    (void)user;
    (void)v;
    pub_values++;
    return 0;
}

/* the public decoder over every sample for about @p seconds: readouts/s, values/s */
static int run_public(const struct sample *s, size_t ns, double seconds, double *per_s,
                      double *values_s, unsigned long *allocs, unsigned long *iters)
{
    unsigned long n = 0;
    pub_values = 0;
    bench_allocations = 0;
    bench_counting = 1;
    double t0 = bench_now(), t;
    do {
        for (size_t i = 0; i < ns; i++) {
            meter_iec_identification_t id;
            char err[128];
            meter_iec_check_t ck = s[i].bcc == MTR_IEC_BCC_NONE ? METER_IEC_CHECK_NONE
                                                                : METER_IEC_CHECK_XOR;
            int rc = meter_iec_decode(s[i].data, s[i].len, ck, &id, on_value, NULL, NULL, err,
                                      sizeof err);
            if (rc != METER_OK) {
                bench_counting = 0;
                fprintf(stderr, "bench_iec: meter_iec_decode(%s): %s\n", s[i].stem, err);
                return -1;
            }
            n++;
        }
        t = bench_now() - t0;
    } while (t < seconds);
    bench_counting = 0;
    *per_s = (double)n / t;
    *values_s = (double)pub_values / t;
    *allocs = bench_allocations;
    *iters = n;
    return 0;
}

int main(int argc, char **argv)
{
    int quick = bench_quick();
    double seconds = argc > 1 ? atof(argv[1]) : quick ? 0.02 : 0.3;
    if (seconds <= 0)
        seconds = 0.3;
    struct sample samples[] = {
        {"iskra_mt174_smartmeter-obis", MTR_IEC_BCC_XOR, NULL, 0},
        {"itron_em214_smartmeter-obis", MTR_IEC_BCC_XOR, NULL, 0},
        {"siemens_wr5_heat_smartmeter-obis", MTR_IEC_BCC_NONE, NULL, 0}, /* BCC does not verify */
    };
    const size_t ns = sizeof samples / sizeof samples[0];
    for (size_t i = 0; i < ns; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/iec/%s.bin", METER_FIXTURES, samples[i].stem);
        FILE *f = fopen(path, "rb");
        if (!f) {
            fprintf(stderr, "bench_iec: cannot open %s\n", path);
            return 2;
        }
        samples[i].data = malloc(65536);
        samples[i].len = fread(samples[i].data, 1, 65536, f);
        fclose(f);
    }
    const char *how = bench_alloc_install();
    if (how) { /* prove the counter sees an allocation before trusting its zero */
        bench_counting = 1;
        void *volatile probe = malloc(16);
        bench_counting = 0;
        free(probe);
        if (bench_allocations != 1)
            how = NULL;
        bench_allocations = 0;
    }
    printf("bench_iec: IEC 62056-21 readout parsing (allocations counted by %s)\n",
           how ? how : "nothing: not measured");
    unsigned long total_allocs = 0, total_iters = 0;
    {
        int runs = quick ? 3 : 9;
        double rs[9], vs[9];
        unsigned long pa = 0, pit = 0;
        for (int i = 0; i < runs; i++) {
            unsigned long a, it;
            if (run_public(samples, ns, seconds, &rs[i], &vs[i], &a, &it) < 0)
                return 2;
            pa += a;
            pit += it;
        }
        double r = bench_median(rs, (size_t)runs), v = bench_median(vs, (size_t)runs);
        printf("  public  meter_iec_decode(), the three readouts in turn, median of %d runs: "
               "%.0f readouts/s, %.0f data sets/s, %.3f allocations/readout\n",
               runs, r, v, (double)pa / (double)pit);
        bench_key("iec.public.readouts_per_s", r);
        bench_key("iec.public.values_per_s", v);
        bench_key("iec.public.allocations_per_readout", (double)pa / (double)pit);
        total_allocs += pa;
        total_iters += pit;
        printf("  internal: the readout reader alone\n");
    }
    static const size_t chunks[] = {(size_t)-1, 64};
    for (size_t c = 0; c < 2; c++) {
        double sum_time_per_readout = 0, sum_sets = 0, sum_bytes = 0;
        for (size_t i = 0; i < ns; i++) {
            double per_s, sets_per_s;
            unsigned long a, it;
            run(&samples[i], chunks[c], seconds, &per_s, &sets_per_s, &a, &it);
            total_allocs += a;
            total_iters += it;
            sum_time_per_readout += 1.0 / per_s;
            sum_sets += sets_per_s / per_s;
            sum_bytes += (double)samples[i].len;
            printf("  %-34s %5zu bytes %3.0f values  %s: %10.0f readouts/s %11.0f data sets/s "
                   "%7.1f MB/s  %.2f allocations/readout\n",
                   samples[i].stem, samples[i].len, sets_per_s / per_s,
                   c == 0 ? "whole  " : "64-byte", per_s, sets_per_s,
                   per_s * (double)samples[i].len / 1e6, (double)a / (double)it);
        }
        printf("  internal, all three, %s reads: %.0f readouts/s, %.0f data sets/s, %.1f MB/s\n",
               c == 0 ? "whole" : "64-byte", (double)ns / sum_time_per_readout,
               sum_sets / sum_time_per_readout, sum_bytes / sum_time_per_readout / 1e6);
        if (c == 0) {
            bench_key("iec.internal_reader.readouts_per_s", (double)ns / sum_time_per_readout);
            bench_key("iec.internal_reader.values_per_s", sum_sets / sum_time_per_readout);
        }
    }
    printf("heap allocations per readout: %.3f (%lu in %lu readouts; target 0)\n",
           (double)total_allocs / (double)total_iters, total_allocs, total_iters);
    for (size_t i = 0; i < ns; i++)
        free(samples[i].data);
    return how && total_allocs ? 1 : 0;
}
