/* SPDX-License-Identifier: MIT */
/* M-Bus codec benchmark: decodes every corpus frame (link layer, application
 * header, every record and value) over and over and prints frames/s,
 * records/s and heap allocations per frame (malloc is counted by forwarding to
 * glibc, or by the sanitizer's hooks in ASan builds; the target is zero). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proto/mbus.h"

#ifndef __has_feature
#define __has_feature(x) 0
#endif
#if defined(__SANITIZE_ADDRESS__) || __has_feature(address_sanitizer)
#define BENCH_ASAN 1
#else
#define BENCH_ASAN 0
#endif

#include "alloc_count.h"


#define MAX_FRAMES 64

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
        while (k < MTR_MBUS_FRAME_MAX && sscanf(hex + 2 * k, "%2x", &v) == 1 && hex[2 * k] != '\t')
            frames[n][k++] = (uint8_t)v;
        lens[n++] = k;
    }
    fclose(fp);
    return n;
}

static volatile double sink;

/* decode one frame completely; returns records, -1 on error */
static int decode(const uint8_t *buf, size_t len)
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

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(void)
{
    size_t nf = load();
    if (nf == 0) {
        fprintf(stderr, "bench_mbus: no frames\n");
        return 1;
    }
    bench_alloc_install();
    /* prove the counter sees bench_allocations before trusting a zero */
    bench_counting = 1;
    void *volatile probe = malloc(16);
    bench_counting = 0;
    free(probe);
    if (bench_allocations != 1) {
        fprintf(stderr, "bench_mbus: allocation counter does not work (%lu)\n", bench_allocations);
        return 1;
    }
    bench_allocations = 0;
    unsigned long frames_done = 0, records = 0, bytes = 0;
    double t0 = now(), t;
    bench_counting = 1;
    do {
        for (int rep = 0; rep < 100; rep++)
            for (size_t i = 0; i < nf; i++) {
                int k = decode(frames[i], lens[i]);
                if (k < 0) {
                    bench_counting = 0;
                    fprintf(stderr, "bench_mbus: frame %zu did not decode\n", i);
                    return 1;
                }
                records += (unsigned long)k;
                bytes += lens[i];
                frames_done++;
            }
        t = now() - t0;
    } while (t < 1.0);
    bench_counting = 0;
    printf("bench_mbus: %zu corpus frames, %lu decoded in %.3f s%s\n", nf, frames_done, t,
           BENCH_ASAN ? " (sanitizer build: figures are slow)" : "");
    printf("  frames/s:  %.0f\n", (double)frames_done / t);
    printf("  records/s: %.0f\n", (double)records / t);
    printf("  MB/s:      %.1f\n", (double)bytes / t / 1e6);
    printf("  heap allocations per frame: %.3f (%lu in total)\n",
           (double)bench_allocations / (double)frames_done, bench_allocations);
    return bench_allocations == 0 ? 0 : 2;
}
