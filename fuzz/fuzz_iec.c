/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the IEC 62056-21 codec: the readout reader (whole and in
 * chunks, which must agree), the data block parser, identification, sign-on and
 * option-select parsers, frame scan with rebuild, OBIS parse/format round trip. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/iec62056.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct tally {
    unsigned n;
    uint32_t hash;
};

static void check(int cond)
{
    if (!cond)
        abort();
}

static int count(void *user, const mtr_iec_dataset_t *ds)
{
    struct tally *t = user;
    check(strlen(ds->address) == ds->address_len && ds->address_len <= MTR_IEC_ADDR_MAX);
    check(strlen(ds->value) == ds->value_len && strlen(ds->unit) == ds->unit_len);
    check(ds->raw_len <= MTR_IEC_VALUE_MAX && ds->value_len + ds->unit_len <= ds->raw_len);
    check(ds->sub < ds->nsub);
    t->n++;
    for (size_t i = 0; i < ds->value_len; i++)
        t->hash = t->hash * 31u + (uint8_t)ds->value[i];
    t->hash = t->hash * 31u + ds->index;
    return 0;
}

static int reader_run(const uint8_t *p, size_t n, unsigned flags, mtr_iec_bcc_t bcc,
                      size_t chunk, struct tally *t)
{
    char err[128];
    mtr_iec_reader_t r;
    mtr_iec_reader_opts_t o = {flags, bcc, count, t, err, sizeof err};
    mtr_iec_reader_init(&r, &o);
    size_t off = 0;
    while (off < n) {
        size_t len = n - off < chunk ? n - off : chunk, used = 0;
        int rc = mtr_iec_reader_feed(&r, p + off, len, &used);
        check(used <= len);
        off += used;
        if (rc == MTR_IEC_IDENT)
            continue;
        if (rc != MTR_IEC_MORE)
            return rc;
        check(used == len);
    }
    return mtr_iec_reader_finish(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t sel = data[0];
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    unsigned flags = sel & 7u;
    mtr_iec_bcc_t bcc = (mtr_iec_bcc_t)((sel >> 3) & 3u);
    size_t chunk = 1u + (sel >> 5);
    char err[128];

    /* whole and chunked feeding agree on the outcome and on every value */
    struct tally whole = {0, 0}, parts = {0, 0};
    int rc1 = reader_run(p, n, flags, bcc, n ? n : 1, &whole);
    int rc2 = reader_run(p, n, flags, bcc, chunk, &parts);
    check(rc1 == MTR_IEC_COMPLETE || rc1 < 0);
    check(rc1 == rc2 && whole.n == parts.n && whole.hash == parts.hash);

    struct tally t = {0, 0};
    unsigned nsets = 0;
    (void)mtr_iec_block_parse(p, n, count, &t, &nsets, err, sizeof err);
    check(nsets == t.n);

    mtr_iec_ident_t id;
    size_t used = 0;
    if (mtr_iec_ident_scan(p, n, &id, &used, err, sizeof err) == MTR_IEC_COMPLETE) {
        uint8_t out[256];
        size_t k;
        check(used <= n);
        check(mtr_iec_ident_build(out, sizeof out, &id, &k) == METER_OK);
        mtr_iec_ident_t id2;
        check(mtr_iec_ident_parse(out, k, &id2, NULL, 0) == METER_OK);
        check(memcmp(&id, &id2, sizeof id) == 0);
    }

    char addr[MTR_IEC_DEVADDR_MAX + 1];
    if (mtr_iec_signon_parse(p, n, addr, sizeof addr, &used, err, sizeof err) == MTR_IEC_COMPLETE) {
        uint8_t out[64];
        size_t k;
        check(mtr_iec_signon_build(out, sizeof out, addr, &k) == METER_OK);
    }
    mtr_iec_optsel_t os;
    if (mtr_iec_optsel_parse(p, n, &os, &used, err, sizeof err) == MTR_IEC_COMPLETE) {
        uint8_t out[8];
        size_t k;
        check(mtr_iec_optsel_build(out, sizeof out, &os, &k) == METER_OK);
    }

    mtr_iec_frame_t fr;
    if (mtr_iec_frame_scan(p, n, bcc, &fr, &used, err, sizeof err) == MTR_IEC_COMPLETE) {
        static uint8_t out[MTR_IEC_FRAME_MAX + 8];
        size_t k, from = 0;
        check(used <= n);
        while (p[from] == 0 || p[from] == '\r' || p[from] == '\n')
            from++;
        bool seven = true;
        for (size_t i = from; i < used; i++)
            seven = seven && p[i] < 0x80;
        mtr_iec_bcc_t alg = bcc == MTR_IEC_BCC_ANY ? fr.matched : bcc;
        check(mtr_iec_frame_build(out, sizeof out, &fr, alg, &k) == METER_OK);
        if (seven && bcc != MTR_IEC_BCC_NONE)
            check(k == used - from && memcmp(out, p + from, k) == 0);
        (void)mtr_iec_answer_status(&fr, err, sizeof err);
    }

    if (n <= 48) {
        char s[49];
        memcpy(s, p, n);
        s[n] = '\0';
        mtr_iec_obis_t o, o2;
        if (mtr_iec_obis_parse(s, n, &o) == METER_OK) {
            char buf[48];
            check(mtr_iec_obis_format(&o, buf, sizeof buf) == METER_OK);
            check(mtr_iec_obis_parse(buf, strlen(buf), &o2) == METER_OK);
            check(memcmp(&o, &o2, sizeof o) == 0);
        }
        (void)mtr_iec_obis_parse_hex(s, n, &o);
        double d;
        (void)mtr_iec_value_number(s, n, &d);
        const char *item;
        size_t ilen;
        (void)mtr_iec_value_item(s, n, sel & 3u, &item, &ilen);
    }
    return 0;
}
