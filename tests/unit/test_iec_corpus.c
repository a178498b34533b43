/* SPDX-License-Identifier: MIT */
/* IEC 62056-21 readouts from other people's meters (tests/fixtures/iec/NAME.bin) must give
 * exactly the rows of their NAME.expected.tsv, fed whole and in chunks of every size class,
 * with the identification and the check character as the capture says. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/iec62056.h"

#define MAX_ROWS 1024

struct row {
    char addr[MTR_IEC_ADDR_MAX + 1];
    char idx[24];
    char value[MTR_IEC_VALUE_MAX + 1];
    char unit[MTR_IEC_VALUE_MAX + 1];
};

struct rows {
    size_t n;
    struct row r[MAX_ROWS];
};

struct corpus_case {
    const char *stem;
    const char *manufacturer;
    char baud_char;
    const char *ident;
    bool fast;
    bool bcc_present;  /* the capture ends in ETX BCC */
    uint8_t bcc;
    bool bcc_verifies; /* neither XOR nor the 7-bit sum matches the Siemens capture */
};

static const struct corpus_case cases[] = {
    {"iskra_mt174_smartmeter-obis", "ISk", '5', "MT174-0001", true, true, 0x66, true},
    {"itron_em214_smartmeter-obis", "ITR", '5', "EM214", false, false, 0, false},
    {"siemens_wr5_heat_smartmeter-obis", "SIE", 'C', "2WR5", false, true, 'X', false},
};

static size_t read_file(const char *path, uint8_t *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t n = fread(buf, 1, cap, f);
    assert_true(feof(f));
    fclose(f);
    return n;
}

static int collect(void *user, const mtr_iec_dataset_t *ds)
{
    struct rows *rs = user;
    if (rs->n == MAX_ROWS)
        return METER_ELIMIT;
    struct row *r = &rs->r[rs->n++];
    assert_int_equal(strlen(ds->address), ds->address_len);
    assert_int_equal(strlen(ds->value), ds->value_len);
    assert_int_equal(strlen(ds->unit), ds->unit_len);
    snprintf(r->addr, sizeof r->addr, "%s", ds->address);
    if (ds->nsub > 1)
        snprintf(r->idx, sizeof r->idx, "%u.%u", ds->index, ds->sub);
    else
        snprintf(r->idx, sizeof r->idx, "%u", ds->index);
    snprintf(r->value, sizeof r->value, "%s", ds->value);
    snprintf(r->unit, sizeof r->unit, "%s", ds->unit);
    return 0;
}

/* Split one TSV line into 4 fields in place (the last ones may be empty). */
static int split4(char *line, char *f[4])
{
    int k = 0;
    f[k++] = line;
    for (char *p = line; *p; p++) {
        if (*p == '\t') {
            *p = '\0';
            if (k == 4)
                return -1;
            f[k++] = p + 1;
        }
    }
    while (k < 4)
        f[k++] = line + strlen(line);
    return 0;
}

static void load_tsv(const char *stem, struct rows *want, char *ident, size_t identcap)
{
    char path[512];
    snprintf(path, sizeof path, "%s/iec/%s.expected.tsv", METER_FIXTURES, stem);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[256];
    want->n = 0;
    ident[0] = '\0';
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (strncmp(line, "# ident\t", 8) == 0) {
            size_t len = strlen(line + 8);
            assert_true(len < identcap);
            memcpy(ident, line + 8, len + 1);
            continue;
        }
        if (line[0] == '#' || line[0] == '\0')
            continue;
        char *fl[4];
        assert_int_equal(split4(line, fl), 0);
        assert_true(want->n < MAX_ROWS);
        struct row *r = &want->r[want->n++];
        assert_true(strlen(fl[0]) < sizeof r->addr && strlen(fl[1]) < sizeof r->idx);
        memcpy(r->addr, fl[0], strlen(fl[0]) + 1);
        memcpy(r->idx, fl[1], strlen(fl[1]) + 1);
        memcpy(r->value, fl[2], strlen(fl[2]) + 1);
        memcpy(r->unit, fl[3], strlen(fl[3]) + 1);
    }
    fclose(f);
    assert_true(want->n > 0);
}

static void compare(const struct rows *got, const struct rows *want, const char *stem)
{
    for (size_t i = 0; i < want->n && i < got->n; i++) {
        const struct row *g = &got->r[i], *w = &want->r[i];
        if (strcmp(g->addr, w->addr) || strcmp(g->idx, w->idx) || strcmp(g->value, w->value) ||
            strcmp(g->unit, w->unit))
            fail_msg("%s row %zu: got [%s|%s|%s|%s], want [%s|%s|%s|%s]", stem, i + 1, g->addr,
                     g->idx, g->value, g->unit, w->addr, w->idx, w->value, w->unit);
    }
    if (got->n != want->n)
        fail_msg("%s: %zu rows, want %zu", stem, got->n, want->n);
}

static uint8_t capture[65536];
static struct rows got, want;

/* Feed @p n bytes in chunks of @p chunk; returns the final status. */
static int feed_chunks(mtr_iec_reader_t *r, const mtr_iec_reader_opts_t *o, const uint8_t *p,
                       size_t n, size_t chunk, int *idents)
{
    mtr_iec_reader_init(r, o);
    size_t off = 0;
    *idents = 0;
    while (off < n) {
        size_t len = n - off < chunk ? n - off : chunk, used = 0;
        int rc = mtr_iec_reader_feed(r, p + off, len, &used);
        assert_true(used <= len);
        off += used;
        if (rc == MTR_IEC_IDENT) {
            (*idents)++;
            continue;
        }
        if (rc != MTR_IEC_MORE)
            return rc;
        assert_int_equal(used, len);
    }
    return mtr_iec_reader_finish(r);
}

static void run_case(const struct corpus_case *c)
{
    char path[512], ident_line[128];
    snprintf(path, sizeof path, "%s/iec/%s.bin", METER_FIXTURES, c->stem);
    size_t n = read_file(path, capture, sizeof capture);
    load_tsv(c->stem, &want, ident_line, sizeof ident_line);

    static const size_t chunks[] = {65536, 1, 2, 3, 7, 64, 333};
    for (size_t k = 0; k < sizeof chunks / sizeof chunks[0]; k++) {
        char err[160] = "";
        mtr_iec_reader_t r;
        mtr_iec_reader_opts_t o = {MTR_IEC_RD_IDENT,
                                   c->bcc_verifies ? MTR_IEC_BCC_XOR : MTR_IEC_BCC_NONE,
                                   collect, &got, err, sizeof err};
        got.n = 0;
        int idents;
        int rc = feed_chunks(&r, &o, capture, n, chunks[k], &idents);
        if (rc != MTR_IEC_COMPLETE)
            fail_msg("%s chunk %zu: rc %d (%s)", c->stem, chunks[k], rc, err);
        assert_int_equal(idents, 1);
        assert_true(r.have_ident);
        assert_string_equal(r.ident.manufacturer, c->manufacturer);
        assert_int_equal(r.ident.baud_char, c->baud_char);
        assert_string_equal(r.ident.ident, c->ident);
        assert_int_equal(r.ident.fast_reaction, c->fast);
        /* the TSV's "# ident" line is the identification verbatim */
        char rebuilt[128];
        snprintf(rebuilt, sizeof rebuilt, "/%s%c%s", r.ident.manufacturer, r.ident.baud_char,
                 r.ident.ident);
        assert_string_equal(rebuilt, ident_line);
        assert_int_equal(r.bcc_present, c->bcc_present);
        if (c->bcc_verifies) {
            assert_true(r.bcc_checked);
            assert_int_equal(r.bcc_got, c->bcc);
            assert_int_equal(r.bcc_matched, MTR_IEC_BCC_XOR);
        }
        assert_true(r.block.end_mark);
        compare(&got, &want, c->stem);
    }

    /* the one-call form agrees, and a strict reader accepts the complete captures */
    mtr_iec_reader_t r;
    mtr_iec_reader_opts_t o = {MTR_IEC_RD_IDENT | (c->bcc_present ? MTR_IEC_RD_STRICT : 0u),
                               c->bcc_verifies ? MTR_IEC_BCC_XOR : MTR_IEC_BCC_NONE, collect,
                               &got, NULL, 0};
    got.n = 0;
    assert_int_equal(mtr_iec_readout_parse(&r, &o, capture, n), MTR_IEC_COMPLETE);
    compare(&got, &want, c->stem);

    /* the Siemens capture's check character verifies by neither rule: refused */
    if (c->bcc_present && !c->bcc_verifies) {
        o.bcc = MTR_IEC_BCC_ANY;
        assert_int_equal(mtr_iec_readout_parse(&r, &o, capture, n), METER_ECHECKSUM);
        o.bcc = MTR_IEC_BCC_XOR;
    }

    /* a check character that is one bit off is refused when there is one */
    if (c->bcc_present) {
        char err[160] = "";
        capture[n - 1] ^= 0x01;
        o.err = err;
        o.errlen = sizeof err;
        got.n = 0;
        assert_int_equal(mtr_iec_readout_parse(&r, &o, capture, n), METER_ECHECKSUM);
        assert_non_null(strstr(err, "check character"));
        capture[n - 1] ^= 0x01;
    }
}

static void test_iskra_mt174(void **state)
{
    (void)state;
    run_case(&cases[0]);
}

static void test_itron_em214(void **state)
{
    (void)state;
    run_case(&cases[1]);
}

static void test_siemens_wr5(void **state)
{
    (void)state;
    run_case(&cases[2]);
}

/* The brief names the full frames that verify: the MT174 readout's XOR is 0x66. */
static void test_iskra_bcc_by_hand(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/iec/iskra_mt174_smartmeter-obis.bin", METER_FIXTURES);
    size_t n = read_file(path, capture, sizeof capture);
    const uint8_t *stx = memchr(capture, MTR_IEC_STX, n);
    assert_non_null(stx);
    size_t from = (size_t)(stx - capture) + 1;
    assert_int_equal(capture[n - 2], MTR_IEC_ETX);
    assert_int_equal(mtr_iec_bcc_xor(capture + from, n - 1 - from), 0x66);
    assert_int_equal(mtr_iec_bcc_check(MTR_IEC_BCC_ANY, capture + from, n - 1 - from, 0x66, NULL),
                     METER_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_iskra_mt174),
        cmocka_unit_test(test_itron_em214),
        cmocka_unit_test(test_siemens_wr5),
        cmocka_unit_test(test_iskra_bcc_by_hand),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
