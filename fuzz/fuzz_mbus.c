/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the M-Bus codec: the input is decoded as a whole frame
 * (link, application layer, every record and value), fed to the stream parser
 * in uneven chunks, and walked as a bare records block (no checksum needed).
 * Seeds: the corpus frames (see docs/mbus-codec.md for the command). */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "proto/mbus.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile double sink;

static void walk(const uint8_t *p, size_t n, unsigned flags)
{
    mtr_mbus_iter_t it;
    mtr_mbus_record_t r;
    char err[128], text[200];
    mtr_mbus_iter_init(&it, p, n, flags);
    for (int guard = 0; guard < 1000; guard++) {
        int rc = mtr_mbus_iter_next(&it, &r, err, sizeof err);
        if (rc != 1)
            break;
        /* every slice must lie inside the block */
        if (r.data && (r.data < p || r.data + r.data_len > p + n))
            __builtin_trap();
        if (r.text && (r.text < p || r.text + r.text_len > p + n))
            __builtin_trap();
        if (r.offset + r.size > n)
            __builtin_trap();
        mtr_mbus_value_t v;
        mtr_mbus_value_decode(&r, &v, err, sizeof err);
        sink = mtr_mbus_value_double(&v);
        if (v.kind == MTR_MBUS_V_TEXT || v.kind == MTR_MBUS_V_BYTES)
            mtr_mbus_text_copy(v.bytes, v.len, text, sizeof text);
        if (r.text)
            mtr_mbus_text_copy(r.text, r.text_len, text, sizeof text);
        mtr_mbus_datetime_format(&v.dt, 1, text, sizeof text);
        (void)mtr_mbus_quantity_name(r.vi.quantity);
        (void)mtr_mbus_unit_name(r.vi.unit);
        (void)mtr_mbus_function_name(r.function);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[128];
    mtr_mbus_frame_t f;
    mtr_mbus_app_t app;

    /* 1. one-shot frame decode, both directions */
    if (mtr_mbus_frame_parse(data, size, &f, NULL, err, sizeof err) == METER_OK) {
        if (mtr_mbus_app_parse(&f, &app, err, sizeof err) == METER_OK && app.records)
            walk(app.records, app.records_len, 0);
        if (mtr_mbus_reply_parse(&f, &app, err, sizeof err) == METER_OK && app.records)
            walk(app.records, app.records_len, MTR_MBUS_IT_FC_TEXT_AFTER_VIFE);
        (void)mtr_mbus_app_error_name(app.app_error);
        char man[4];
        mtr_mbus_man_string(app.man, man);
        (void)mtr_mbus_medium_name(app.medium);
        (void)mtr_mbus_id_number(app.id);
    }

    /* 2. stream parser: chunk sizes taken from the data itself */
    mtr_mbus_parser_t p;
    mtr_mbus_parser_init(&p);
    if (size)
        mtr_mbus_parser_expect_echo(&p, data, size > 5 ? 5 : size);
    size_t off = 0, step = 0;
    for (int guard = 0; guard < 100000; guard++) {
        size_t chunk = size ? (size_t)(data[step++ % size] % 17) + 1 : 0;
        if (chunk > size - off)
            chunk = size - off;
        size_t used = 0;
        int rc = mtr_mbus_parser_feed(&p, data + off, chunk, &used, &f, err, sizeof err);
        if (used > chunk)
            __builtin_trap();
        off += used;
        if (rc > 0) {
            if (f.size > MTR_MBUS_FRAME_MAX || f.data_len > MTR_MBUS_DATA_MAX)
                __builtin_trap();
            if (mtr_mbus_reply_parse(&f, &app, err, sizeof err) == METER_OK && app.records)
                walk(app.records, app.records_len, 0);
        }
        if (rc == MTR_MBUS_NEED_MORE && off == size)
            break;
    }
    if (mtr_mbus_parser_pending(&p) > MTR_MBUS_FRAME_MAX)
        __builtin_trap();

    /* 3. the raw input as a records block */
    walk(data, size, 0);
    return 0;
}
