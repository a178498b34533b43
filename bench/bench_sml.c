/* SPDX-License-Identifier: MIT */
/* Benchmark: SML telegrams of the corpus (tests/fixtures/sml/NAME.bin). Public:
 * meter_sml_decode() (sml.h), telegrams/s and entries/s, median of repeated runs.
 * Internal (labelled so): the stream parser and message decoder, whole and in
 * 64-byte reads as from a link. Heap allocations per telegram (target: zero);
 * exits 1 if either allocates. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meter/sml.h"
#include "proto/sml.h"

#include "alloc_count.h"
#include "bench_util.h"

struct sample {
    const char *stem;
    unsigned char *data;
    size_t len;
    unsigned frames; /* good transport frames in it */
};

static meter_sml_entry_t pub_entries[256];
static mtr_sml_entry_t entries[256];

/* every sample once through the public decoder: telegrams and entries */
static int public_once(const struct sample *s, size_t ns, unsigned long *tg, unsigned long *ent)
{
    for (size_t i = 0; i < ns; i++) {
        meter_sml_info_t info;
        size_t n = 0;
        char err[160];
        int rc = meter_sml_decode(s[i].data, s[i].len, 0, &info, pub_entries, 256, &n, err,
                                  sizeof err);
        if (rc != METER_OK || info.frames != s[i].frames) {
            fprintf(stderr, "bench_sml: meter_sml_decode(%s): %s\n", s[i].stem, err);
            return -1;
        }
        *tg += info.frames;
        *ent += n;
    }
    return 0;
}

/* the codec alone, fed @p chunk bytes at a time */
static int internal_once(const struct sample *s, size_t ns, size_t chunk, unsigned long *tg,
                         unsigned long *ent)
{
    static mtr_sml_stream_t st;
    for (size_t i = 0; i < ns; i++) {
        mtr_sml_stream_init(&st, 0);
        size_t off = 0;
        while (off < s[i].len) {
            size_t n = s[i].len - off < chunk ? s[i].len - off : chunk, used = 0;
            mtr_sml_frame_t f;
            int rc = mtr_sml_stream_feed(&st, s[i].data + off, n, &used, &f, NULL, 0);
            off += used;
            if (rc == MTR_SML_FRAME) {
                mtr_sml_result_t res = {.entries = entries, .cap = 256};
                if (mtr_sml_decode_frame(&f, 0, &res, NULL, 0) != METER_OK)
                    return -1;
                (*tg)++;
                *ent += res.count;
            }
        }
    }
    return 0;
}

static int run(const struct sample *s, size_t ns, size_t chunk, double seconds, double *tg_s,
               double *ent_s, unsigned long *allocs, unsigned long *tgs)
{
    unsigned long tg = 0, ent = 0;
    bench_allocations = 0;
    bench_counting = 1;
    double t0 = bench_now(), t;
    do {
        int rc = chunk ? internal_once(s, ns, chunk, &tg, &ent) : public_once(s, ns, &tg, &ent);
        if (rc < 0) {
            bench_counting = 0;
            return -1;
        }
        t = bench_now() - t0;
    } while (t < seconds);
    bench_counting = 0;
    *tg_s = (double)tg / t;
    *ent_s = (double)ent / t;
    *allocs = bench_allocations;
    *tgs = tg;
    return 0;
}

int main(int argc, char **argv)
{
    int quick = bench_quick();
    double seconds = argc > 1 ? atof(argv[1]) : quick ? 0.02 : 0.3;
    if (seconds <= 0)
        seconds = 0.3;
    struct sample samples[] = {
        {"libsml-testing__DZG_DVS-7412.2_jmberg", NULL, 0, 0},
        {"libsml-testing__EMH_eHZ-HW8E2A5L0EK2P", NULL, 0, 0},
        {"libsml-testing__ISKRA_MT175_eHZ", NULL, 0, 0},
        {"libsml-testing__HOLLEY_DTZ541-ZDBA", NULL, 0, 0},
    };
    const size_t ns = sizeof samples / sizeof samples[0];
    size_t bytes = 0;
    for (size_t i = 0; i < ns; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/sml/%s.bin", METER_FIXTURES, samples[i].stem);
        FILE *f = fopen(path, "rb");
        if (!f) {
            fprintf(stderr, "bench_sml: cannot open %s\n", path);
            return 2;
        }
        samples[i].data = malloc(65536);
        samples[i].len = fread(samples[i].data, 1, 65536, f);
        fclose(f);
        bytes += samples[i].len;
        meter_sml_info_t info;
        size_t n;
        meter_sml_decode(samples[i].data, samples[i].len, 0, &info, NULL, 0, &n, NULL, 0);
        samples[i].frames = info.frames;
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
    printf("bench_sml: SML telegrams of 4 captures, %zu bytes (allocations counted by %s)\n", bytes,
           how ? how : "nothing: not measured");
    unsigned long total_allocs = 0;
    static const struct {
        size_t chunk;
        const char *label, *key;
    } modes[] = {
        {0, "public  meter_sml_decode(), whole captures", "sml.public"},
        {(size_t)-1, "internal: stream parser + decoder, whole captures", "sml.internal"},
        {64, "internal: stream parser + decoder, 64-byte reads", "sml.internal_64"},
    };
    for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
        int runs = quick ? 3 : 9;
        double tg[9], en[9];
        unsigned long a = 0, it = 0;
        for (int i = 0; i < runs; i++) {
            unsigned long ai, iti;
            if (run(samples, ns, modes[m].chunk, seconds, &tg[i], &en[i], &ai, &iti) < 0) {
                fprintf(stderr, "bench_sml: %s failed\n", modes[m].label);
                return 2;
            }
            a += ai;
            it += iti;
        }
        double t = bench_median(tg, (size_t)runs), e = bench_median(en, (size_t)runs);
        printf("  %s, median of %d runs: %.0f telegrams/s, %.0f entries/s, %.3f allocations/telegram\n",
               modes[m].label, runs, t, e, (double)a / (double)it);
        char key[64];
        snprintf(key, sizeof key, "%s.telegrams_per_s", modes[m].key);
        bench_key(key, t);
        snprintf(key, sizeof key, "%s.entries_per_s", modes[m].key);
        bench_key(key, e);
        snprintf(key, sizeof key, "%s.allocations_per_telegram", modes[m].key);
        bench_key(key, (double)a / (double)it);
        total_allocs += a;
    }
    for (size_t i = 0; i < ns; i++)
        free(samples[i].data);
    return how && total_allocs ? 1 : 0;
}
