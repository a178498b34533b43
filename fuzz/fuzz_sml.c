/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the SML codec: the input is streamed through the transport
 * parser whole and in uneven chunks (both must give the same events), every frame is
 * decoded, and the input is decoded as a bare SML file and as one list entry.
 * Invariants: no entries after an error, counts within bounds, slices inside the data. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "proto/sml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CAP 8

static void check_result(int rc, const mtr_sml_result_t *r, const uint8_t *p, size_t n)
{
    if (rc < 0 && rc != METER_EBUFSIZE && r->count != 0)
        __builtin_trap(); /* values from a failed decode */
    if (r->count > r->cap || r->count > r->total)
        __builtin_trap();
    if (rc == METER_OK && r->count != r->total)
        __builtin_trap();
    for (size_t i = 0; i < r->count; i++) {
        const mtr_sml_entry_t *e = &r->entries[i];
        if (e->obj_name < p || e->obj_name + e->obj_name_len > p + n)
            __builtin_trap();
        if (e->kind == MTR_SML_V_OCTETS && (e->octets < p || e->octets + e->octets_len > p + n))
            __builtin_trap();
        (void)mtr_sml_entry_value(e);
        (void)mtr_sml_unit_symbol(e->unit);
        char obis[32];
        mtr_sml_obis_format(e->obis, obis, sizeof obis);
    }
}

/* events of one pass: a short signature per event, frames' lengths and CRCs */
static size_t stream(const uint8_t *data, size_t size, unsigned flags, int chunky,
                     uint32_t *sig, size_t max)
{
    static mtr_sml_stream_t s;
    mtr_sml_stream_init(&s, flags);
    size_t off = 0, step = 0, nev = 0;
    char err[128];
    while (off < size) {
        size_t chunk = size - off;
        if (chunky) {
            chunk = (size_t)(data[step++ % size] % 13) + 1;
            if (chunk > size - off)
                chunk = size - off;
        }
        size_t used = 0;
        mtr_sml_frame_t f;
        int rc = mtr_sml_stream_feed(&s, data + off, chunk, &used, &f, err, sizeof err);
        if (used > chunk || (rc == MTR_SML_NEED_MORE && used != chunk))
            __builtin_trap();
        off += used;
        if (rc == MTR_SML_NEED_MORE)
            continue;
        uint32_t ev = (uint32_t)(rc & 0xFF) << 24;
        if (rc == MTR_SML_FRAME) {
            if (!f.transport_ok || f.len > MTR_SML_FRAME_MAX || f.raw_len > MTR_SML_FRAME_MAX ||
                f.len > f.raw_len || f.raw_len % 4)
                __builtin_trap();
            ev |= (uint32_t)(f.len & 0xFFFF) | (uint32_t)f.crc << 16;
            mtr_sml_entry_t e[CAP];
            mtr_sml_result_t r = {.entries = e, .cap = CAP};
            int drc = mtr_sml_decode_frame(&f, flags, &r, err, sizeof err);
            check_result(drc, &r, f.data, f.len);
        }
        if (nev < max)
            sig[nev] = ev;
        nev++;
    }
    (void)mtr_sml_stream_finish(&s, err, sizeof err);
    return nev;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned flags = size ? data[0] & 7u : 0;
    static uint32_t a[4096], b[4096];
    size_t na = stream(data, size, flags, 0, a, 4096);
    size_t nb = stream(data, size, flags, 1, b, 4096);
    if (na != nb || memcmp(a, b, (na < 4096 ? na : 4096) * sizeof a[0]))
        __builtin_trap(); /* chunking changed the result */

    char err[128];
    mtr_sml_entry_t e[CAP];
    mtr_sml_result_t r = {.entries = e, .cap = CAP};
    int rc = mtr_sml_decode(data, size, flags, &r, err, sizeof err);
    check_result(rc, &r, data, size);

    mtr_sml_cursor_t c = {data, size, 0};
    mtr_sml_entry_t one;
    memset(&one, 0, sizeof one);
    if (mtr_sml_entry_read(&c, &one, err, sizeof err) == METER_OK && c.off > size)
        __builtin_trap();
    return 0;
}
