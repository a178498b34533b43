/* SPDX-License-Identifier: MIT */
/* M-Bus decoding benchmark over the corpus frames (tests/fixtures/mbus/frames.tsv).
 * Public: meter_mbus_decode() — what decode.h users get: header, records with
 * names, units, scaled values and text — frames/s, records/s, heap allocations.
 * Internal (labelled so): the pure codec alone (link layer, application header,
 * records and values; no names, units or text; fixed frames counted as 2 records).
 * Each figure is the median of repeated runs. Exits 2 if the public path allocates. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_count.h"
#include "bench_util.h"
#include "meter/decode.h"
#include "proto/mbus.h"

#define MAX_FRAMES 64
#define MAX_RECORDS 256

static uint8_t frames[MAX_FRAMES][MTR_MBUS_FRAME_MAX];
static size_t lens[MAX_FRAMES];

static size_t load(void)
{
    char path[1024], line[4096];
    snprintf(path, sizeof path, "%s/mbus/frames.tsv", METER_FIXTURES);
    FILE *fp = fopen(path, "r");
    if (!fp) {
        fprintf(stderr, "bench_mbus: cannot open %s\n", path);
        exit(1);
    }
    size_t n = 0;
    while (fgets(line, sizeof line, fp) && n < MAX_FRAMES) {
        if (strncmp(line, "F\t", 2))
            continue;
        char *hex = strchr(line + 2, '\t');
        if (!hex)
            continue;
        hex++;
        size_t k = 0;
        unsigned v;
        while (k < MTR_MBUS_FRAME_MAX && hex[2 * k] != '\t' && sscanf(hex + 2 * k, "%2x", &v) == 1)
            frames[n][k++] = (uint8_t)v;
        lens[n++] = k;
    }
    fclose(fp);
    return n;
}

static volatile double sink;
static meter_record_t records[MAX_RECORDS];

/* the public path: returns records, -1 on error */
static int decode_public(const uint8_t *buf, size_t len)
{
    meter_mbus_header_t h;
    size_t n = 0;
    if (meter_mbus_decode(buf, len, &h, records, MAX_RECORDS, &n, NULL, 0) != METER_OK)
        return -1;
    if (n)
        sink = records[n - 1].value;
    return (int)n;
}

/* internal: the pure codec only; returns records, -1 on error */
static int decode_codec(const uint8_t *buf, size_t len)
{
    mtr_mbus_frame_t f;
    mtr_mbus_app_t app;
    mtr_mbus_iter_t it;
    mtr_mbus_record_t r;
    mtr_mbus_value_t v;
    int n = 0;
    if (mtr_mbus_frame_parse(buf, len, &f, NULL, NULL, 0) != METER_OK)
        return -1;
    if (mtr_mbus_reply_parse(&f, &app, NULL, 0) != METER_OK)
        return -1;
    if (app.kind == MTR_MBUS_APP_FIXED)
        return 2;
    mtr_mbus_iter_init(&it, app.records, app.records_len, 0);
    while (mtr_mbus_iter_next(&it, &r, NULL, 0) == 1) {
        mtr_mbus_value_decode(&r, &v, NULL, 0);
        sink = mtr_mbus_value_double(&v);
        n++;
    }
    return n;
}

struct run {
    double frames_s, records_s, allocs_per_frame;
};

/* decode every frame over and over for about @p seconds */
static int timed(int (*fn)(const uint8_t *, size_t), size_t nf, double seconds, struct run *out)
{
    unsigned long done = 0, recs = 0;
    bench_allocations = 0;
    bench_counting = 1;
    double t0 = bench_now(), t;
    do {
        for (int rep = 0; rep < 20; rep++)
            for (size_t i = 0; i < nf; i++) {
                int k = fn(frames[i], lens[i]);
                if (k < 0) {
                    bench_counting = 0;
                    fprintf(stderr, "bench_mbus: corpus frame %zu did not decode\n", i);
                    return -1;
                }
                recs += (unsigned long)k;
                done++;
            }
        t = bench_now() - t0;
    } while (t < seconds);
    bench_counting = 0;
    out->frames_s = (double)done / t;
    out->records_s = (double)recs / t;
    out->allocs_per_frame = (double)bench_allocations / (double)done;
    return 0;
}

static int measure(const char *label, const char *key, int (*fn)(const uint8_t *, size_t), size_t nf,
                   int runs, double seconds, double *allocs)
{
    double fs[15], rs[15];
    *allocs = 0;
    for (int i = 0; i < runs; i++) {
        struct run r;
        if (timed(fn, nf, seconds, &r) < 0)
            return -1;
        fs[i] = r.frames_s;
        rs[i] = r.records_s;
        *allocs = r.allocs_per_frame > *allocs ? r.allocs_per_frame : *allocs;
    }
    double f = bench_median(fs, (size_t)runs), rr = bench_median(rs, (size_t)runs);
    printf("  %-44s %10.0f frames/s %11.0f records/s  %.3f allocations/frame\n", label, f, rr,
           *allocs);
    char k[96];
    snprintf(k, sizeof k, "%s.frames_per_s", key);
    bench_key(k, f);
    snprintf(k, sizeof k, "%s.records_per_s", key);
    bench_key(k, rr);
    snprintf(k, sizeof k, "%s.allocations_per_frame", key);
    bench_key(k, *allocs);
    return 0;
}

int main(void)
{
    size_t nf = load();
    if (nf == 0) {
        fprintf(stderr, "bench_mbus: no frames\n");
        return 1;
    }
    const char *how = bench_alloc_install();
    /* prove the counter sees an allocation before trusting a zero */
    bench_counting = 1;
    void *volatile probe = malloc(16);
    bench_counting = 0;
    free(probe);
    if (bench_allocations != 1) {
        fprintf(stderr, "bench_mbus: allocation counter does not work (%lu)\n", bench_allocations);
        return 1;
    }
    int quick = bench_quick(), runs = quick ? 3 : 9;
    double seconds = quick ? 0.02 : 0.3;
    printf("bench_mbus: %zu corpus frames, median of %d runs of %.2f s (allocations: %s)\n", nf,
           runs, seconds, how);
    double a_pub, a_int;
    if (measure("public  meter_mbus_decode()", "mbus.public", decode_public, nf, runs, seconds,
                &a_pub) < 0 ||
        measure("internal codec only (no names/units/text)", "mbus.internal_codec", decode_codec,
                nf, runs, seconds, &a_int) < 0)
        return 1;
    return a_pub == 0 && a_int == 0 ? 0 : 2;
}
