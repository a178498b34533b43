/* SPDX-License-Identifier: MIT */
/* Table-driven SML test over the corpus fixtures (tests/fixtures/sml/, see its
 * README for sources and licences): every capture is streamed through the transport
 * parser and decoded; the sequence of good and CRC-failed frames and every expected
 * entry's OBIS, raw value, scaler, value after scaler, unit, status, valTime and
 * server id must match. Also: chunked feeding gives the same result as whole. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "meter/error.h"
#include "proto/sml.h"

static const char *const fixtures[] = {
    "libsml-testing__DZG_DVS-7412.2_jmberg",
    "libsml-testing__DZG_DVS-7420.2V.G2_mtr1",
    "libsml-testing__DZG_DVS-7420.2V.G2_mtr2",
    "libsml-testing__DrNeuhaus_SMARTY_ix-130",
    "libsml-testing__EMH-ED300L_delivery",
    "libsml-testing__EMH_eHZ-HW8E2A5L0EK2P",
    "libsml-testing__EMH_eHZ-HW8E2A5L0EK2P_2",
    "libsml-testing__EMH_eHZ-IW8E2A5L0EK2P_with_error",
    "libsml-testing__EMH_eHZ361L5R",
    "libsml-testing__EMH_mME40-AE6AKF0K0",
    "libsml-testing__HOLLEY_DTZ541-BDBA_with_PIN",
    "libsml-testing__HOLLEY_DTZ541-ZDBA",
    "libsml-testing__ISKRA_MT175_eHZ",
    "libsml-testing__ISKRA_MT631-D1A52-K0z-H01_without_PIN",
    "libsml-testing__ISKRA_MT631-D2A51-V22-K0z_without_PIN",
    "libsml-testing__ITRON_OpenWay-3.HZ",
    "libsml-testing__ITRON_OpenWay-3.HZ_without_PIN",
    "libsml-testing__dzg_dwsb20_2th_3byte",
    "libsml-testing__eBZ_DD3_DD3BZ06DTA-SMZ1_without_PIN",
    "smartmeter-obis__testLocalFileSml",
    "smartmeter-obis__testSerialResponseSmlError",
    "smartmeter-obis__ttyUSB0-2.dump",
    "smlpy__test_own_data_EMH_eHZ-K",
};

#define NFIX (sizeof fixtures / sizeof fixtures[0])
#define MAXFRAMES 32
#define MAXENT 64

/* Every frame of a capture, decoded. Slices point into copies of the frame data. */
typedef struct capture {
    size_t nframes;
    char events[MAXFRAMES * 4 + 1]; /* "ok ok bad ..." */
    struct {
        uint8_t data[MTR_SML_FRAME_MAX];
        mtr_sml_entry_t e[MAXENT];
        mtr_sml_result_t res;
        int rc;
    } f[MAXFRAMES];
} capture_t;

static uint8_t *load(const char *name, const char *ext, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/sml/%s%s", METER_FIXTURES, name, ext);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        fail_msg("cannot open %s", path);
    static uint8_t buf[1 << 16];
    *len = fread(buf, 1, sizeof buf - 1, fp);
    buf[*len] = 0;
    fclose(fp);
    uint8_t *copy = malloc(*len + 1);
    assert_non_null(copy);
    memcpy(copy, buf, *len + 1);
    return copy;
}

/* Stream @p p in chunks of @p chunk (0 = whole) and decode every good frame. */
static void run(const uint8_t *p, size_t n, size_t chunk, unsigned flags, capture_t *c)
{
    static mtr_sml_stream_t s;
    mtr_sml_stream_init(&s, flags);
    memset(c, 0, sizeof *c);
    size_t off = 0;
    char err[160];
    while (off < n) {
        size_t len = chunk && chunk < n - off ? chunk : n - off;
        size_t used = 0;
        mtr_sml_frame_t fr;
        int rc = mtr_sml_stream_feed(&s, p + off, len, &used, &fr, err, sizeof err);
        assert_true(used <= len);
        off += used;
        if (rc == MTR_SML_NEED_MORE || rc == METER_ETRUNCATED)
            continue; /* bytes lost before a new start: not a frame of the capture */
        assert_true(c->nframes < MAXFRAMES);
        size_t k = c->nframes++;
        strcat(c->events, k ? " " : "");
        if (rc != MTR_SML_FRAME) {
            assert_true(rc == METER_ECHECKSUM || rc == METER_EFRAME);
            strcat(c->events, "bad");
            c->f[k].rc = rc;
            continue;
        }
        strcat(c->events, "ok");
        memcpy(c->f[k].data, fr.data, fr.len);
        fr.data = c->f[k].data;
        c->f[k].res.entries = c->f[k].e;
        c->f[k].res.cap = MAXENT;
        c->f[k].rc = mtr_sml_decode_frame(&fr, flags, &c->f[k].res, err, sizeof err);
        if (c->f[k].rc != METER_OK)
            print_error("frame %zu: %s (%s)\n", k, meter_errname(c->f[k].rc), err);
    }
    (void)mtr_sml_stream_finish(&s, NULL, 0);
}

static void hex(const uint8_t *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", p[i]);
    out[2 * n] = 0;
}

static int split(char *line, char **f, int max)
{
    int n = 0;
    line[strcspn(line, "\r\n")] = '\0';
    for (char *s = line; n < max;) {
        f[n++] = s;
        char *t = strchr(s, '\t');
        if (!t)
            break;
        *t = '\0';
        s = t + 1;
    }
    return n;
}

/* one expected row against the first unused entry of its frame with that OBIS */
static int check_row(const char *name, capture_t *c, char **f, bool *used_e)
{
    char ctx[300], got[2 * MTR_SML_FRAME_MAX + 1], obis[32];
    size_t k = strtoul(f[0], NULL, 10);
    snprintf(ctx, sizeof ctx, "%s frame %zu %s", name, k, f[1]);
    if (k >= c->nframes || c->f[k].rc != METER_OK) {
        print_error("%s: frame not decoded\n", ctx);
        return 1;
    }
    const mtr_sml_entry_t *e = NULL;
    size_t idx = 0;
    for (size_t i = 0; i < c->f[k].res.count; i++) {
        mtr_sml_obis_format(c->f[k].e[i].obis, obis, sizeof obis);
        if (!used_e[k * MAXENT + i] && c->f[k].e[i].has_obis && !strcmp(obis, f[1])) {
            e = &c->f[k].e[i];
            idx = i;
            break;
        }
    }
    if (!e) {
        print_error("%s: no such entry\n", ctx);
        return 1;
    }
    used_e[k * MAXENT + idx] = true;
    int bad = 0;
    const char *type = f[2], *raw = f[3], *scaler = f[4], *value = f[5], *unit = f[6];
    if (!strcmp(type, "octet") || !strcmp(type, "ascii")) {
        if (!strcmp(type, "octet") && !*value && e->kind == MTR_SML_V_ABSENT)
            return 0; /* Q7: value sent as 01; sml-rs says "", we say ABSENT (docs) */
        if (e->kind != MTR_SML_V_OCTETS) {
            print_error("%s: kind %d, want octets\n", ctx, e->kind);
            return 1;
        }
        if (!strcmp(type, "ascii")) {
            if (e->octets_len != strlen(value) || memcmp(e->octets, value, e->octets_len)) {
                print_error("%s: text differs, want %s\n", ctx, value);
                bad++;
            }
        } else {
            hex(e->octets, e->octets_len, got);
            if (strcmp(got, value)) {
                print_error("%s: octets %s, want %s\n", ctx, got, value);
                bad++;
            }
        }
    } else {
        bool is_int = e->kind == MTR_SML_V_INT, is_uint = e->kind == MTR_SML_V_UINT;
        if ((!strcmp(type, "int") && !is_int) || (!strcmp(type, "uint") && !is_uint) ||
            (!is_int && !is_uint)) {
            print_error("%s: kind %d, want %s\n", ctx, e->kind, type);
            return 1;
        }
        if (strcmp(raw, "-")) {
            bool ok = is_int ? e->i == strtoll(raw, NULL, 10) : e->u == strtoull(raw, NULL, 10);
            if (!ok) {
                print_error("%s: raw %lld/%llu, want %s\n", ctx, (long long)e->i,
                            (unsigned long long)e->u, raw);
                bad++;
            }
        }
        /* value after scaler: raw is compared exactly above; this checks the scaling.
         * One double division or multiplication (and the fixture's own decimal) errs
         * by under 1e-15 relative; a wrong scaler is off by a factor of 10. */
        double v = mtr_sml_entry_value(e), w = strtod(value, NULL);
        if (!strcmp(unit, "kWh"))
            v /= 1000.0; /* smartmeter-obis and the DZG/EMH snapshots show kWh */
        if (fabs(v - w) > 1e-12 * fmax(1.0, fabs(w))) {
            print_error("%s: value %.12g, want %s\n", ctx, v, value);
            bad++;
        }
    }
    /* "-" is "absent" in decoder snapshots, "not asserted" in project tests (num, ascii) */
    bool asserted = strcmp(type, "num") && strcmp(type, "ascii");
    if (strcmp(scaler, "-") ? !e->has_scaler || e->scaler != atoi(scaler)
                            : asserted && e->has_scaler) {
        print_error("%s: scaler %d (has %d), want %s\n", ctx, e->scaler, e->has_scaler, scaler);
        bad++;
    }
    const char *sym = e->has_unit ? mtr_sml_unit_symbol(e->unit) : "";
    const char *want_unit = !strcmp(unit, "-") ? "" : !strcmp(unit, "kWh") ? "Wh" : unit;
    if (!sym || strcmp(sym, want_unit)) {
        print_error("%s: unit '%s', want '%s'\n", ctx, sym ? sym : "(null)", want_unit);
        bad++;
    }
    if (strcmp(f[7], "-") && (!e->has_unit || e->unit != atoi(f[7]))) {
        print_error("%s: unit code %u, want %s\n", ctx, e->unit, f[7]);
        bad++;
    }
    if (strcmp(f[8], "-") && (!e->has_status || e->status != strtoull(f[8], NULL, 10))) {
        print_error("%s: status %llu, want %s\n", ctx, (unsigned long long)e->status, f[8]);
        bad++;
    }
    if (strcmp(f[9], "-") && (e->val_time.kind != MTR_SML_TIME_SECINDEX ||
                              e->val_time.value != strtoul(f[9], NULL, 10))) {
        print_error("%s: valTime %d/%u, want secIndex %s\n", ctx, e->val_time.kind,
                    e->val_time.value, f[9]);
        bad++;
    }
    if (strcmp(f[10], "-")) {
        hex(e->server_id, e->server_id_len, got);
        if (strcmp(got, f[10])) {
            print_error("%s: server id %s, want %s\n", ctx, got, f[10]);
            bad++;
        }
    }
    return bad;
}

static void test_corpus(void **state)
{
    (void)state;
    static capture_t c, c1, c7;
    static bool used_e[MAXFRAMES * MAXENT];
    int bad = 0;
    size_t rows = 0, frames = 0;
    for (size_t i = 0; i < NFIX; i++) {
        size_t n, tn;
        uint8_t *bin = load(fixtures[i], ".bin", &n);
        char *tsv = (char *)load(fixtures[i], ".expected.tsv", &tn);
        run(bin, n, 0, 0, &c);
        memset(used_e, 0, sizeof used_e);
        bool full_list = strstr(tsv, "sml-rs") || strstr(tsv, "2+ independent");
        size_t per_frame[MAXFRAMES] = {0};
        for (char *line = strtok(tsv, "\n"); line; line = strtok(NULL, "\n")) {
            char *f[12];
            if (!strncmp(line, "# frames\t", 9)) {
                if (strcmp(line + 9, c.events)) {
                    print_error("%s: frames '%s', want '%s'\n", fixtures[i], c.events, line + 9);
                    bad++;
                }
                continue;
            }
            if (line[0] == '#')
                continue;
            if (split(line, f, 12) != 11)
                fail_msg("%s: bad fixture line", fixtures[i]);
            per_frame[strtoul(f[0], NULL, 10) % MAXFRAMES]++;
            bad += check_row(fixtures[i], &c, f, used_e);
            rows++;
        }
        for (size_t k = 0; k < c.nframes; k++) {
            if (c.f[k].rc == METER_OK) {
                frames++;
                if (full_list && c.f[k].res.count != per_frame[k]) {
                    print_error("%s frame %zu: %zu entries, want %zu\n", fixtures[i], k,
                                c.f[k].res.count, per_frame[k]);
                    bad++;
                }
            }
        }
        /* chunking changes nothing: byte by byte and in 7s */
        run(bin, n, 1, 0, &c1);
        run(bin, n, 7, 0, &c7);
        assert_string_equal(c.events, c1.events);
        assert_string_equal(c.events, c7.events);
        for (size_t k = 0; k < c.nframes; k++) {
            assert_int_equal(c.f[k].rc, c1.f[k].rc);
            assert_int_equal(c.f[k].res.count, c1.f[k].res.count);
            assert_int_equal(c.f[k].res.count, c7.f[k].res.count);
            for (size_t j = 0; j < c.f[k].res.count; j++) {
                assert_memory_equal(c.f[k].e[j].obis, c1.f[k].e[j].obis, 6);
                assert_true(c.f[k].e[j].i == c1.f[k].e[j].i && c.f[k].e[j].u == c7.f[k].e[j].u);
            }
        }
        free(bin);
        free(tsv);
    }
    print_message("sml corpus: %zu captures, %zu good frames, %zu expected entries, %d mismatches\n",
                  NFIX, frames, rows, bad);
    assert_true(rows > 700);
    assert_int_equal(bad, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
