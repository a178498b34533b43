/* SPDX-License-Identifier: MIT */
/* Optional cross-check: every frame of the SML corpus that our codec accepts is
 * decoded again by Debian's libsml (GPL-3.0, linked into this test only, never into
 * anything installed); every entry's OBIS, integer, scaler, unit and status agree.
 * libsml's faults are guarded: it checks no CRC (it only ever gets frames our CRCs
 * passed), it is never given a stream (its transport reader loops at the end of
 * input), and any of its fields may be NULL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>

#include <cmocka.h>
#include <sml_file.h>
#include <sml_list.h>
#include <sml_message.h>
#include <sml_get_list_response.h>
#include <sml_value.h>
#include <sml_status.h>

#include "proto/sml.h"

static mtr_sml_entry_t ours[512];
static unsigned long compared, frames_total, unread;

/* libsml's integer as 64 bits: *is_signed, the raw value; 0 when it is no integer */
static int lib_int(const sml_value *v, int *is_signed, uint64_t *u)
{
    if (!v || !v->data.uint8)
        return 0;
    unsigned kind = v->type & SML_TYPE_FIELD, len = v->type & SML_LENGTH_FIELD;
    if (kind == SML_TYPE_INTEGER) {
        *is_signed = 1;
        int64_t i = len == 1 ? *v->data.int8 : len == 2 ? *v->data.int16
                  : len == 4 ? *v->data.int32 : *v->data.int64;
        *u = (uint64_t)i;
        return 1;
    }
    if (kind == SML_TYPE_UNSIGNED) {
        *is_signed = 0;
        *u = len == 1 ? *v->data.uint8 : len == 2 ? *v->data.uint16
           : len == 4 ? *v->data.uint32 : *v->data.uint64;
        return 1;
    }
    return 0;
}

static void cross(const char *name, const uint8_t *file, size_t len)
{
    char err[200];
    mtr_sml_result_t res = {.entries = ours, .cap = 512};
    assert_int_equal(mtr_sml_decode(file, len, 0, &res, err, sizeof err), METER_OK);
    /* libsml parses in place and may write: give it a copy */
    unsigned char *copy = malloc(len);
    memcpy(copy, file, len);
    sml_file *f = sml_file_parse(copy, len);
    assert_non_null(f);
    size_t k = 0;
    for (short mi = 0; mi < f->messages_len; mi++) {
        sml_message *msg = f->messages[mi];
        if (!msg || !msg->message_body || !msg->message_body->tag ||
            *msg->message_body->tag != SML_MESSAGE_GET_LIST_RESPONSE)
            continue;
        sml_get_list_response *gl = msg->message_body->data;
        for (sml_list *e = gl ? gl->val_list : NULL; e; e = e->next, k++) {
            if (k >= res.count)
                fail_msg("%s: libsml has more entries than our %zu", name, res.count);
            const mtr_sml_entry_t *o = &ours[k];
            assert_non_null(e->obj_name);
            if ((size_t)e->obj_name->len != o->obj_name_len ||
                memcmp(e->obj_name->str, o->obj_name, o->obj_name_len))
                fail_msg("%s: entry %zu: objName differs", name, k);
            if (!e->scaler != !o->has_scaler || (e->scaler && *e->scaler != o->scaler))
                fail_msg("%s: entry %zu: scaler differs", name, k);
            if (!e->unit != !o->has_unit || (e->unit && *e->unit != o->unit))
                fail_msg("%s: entry %zu: unit differs", name, k);
            if (e->status && e->status->data.status8 && o->has_status) {
                unsigned l = e->status->type & SML_LENGTH_FIELD;
                uint64_t s = l == 1 ? *e->status->data.status8 : l == 2 ? *e->status->data.status16
                           : l == 4 ? *e->status->data.status32 : *e->status->data.status64;
                if (s != o->status)
                    fail_msg("%s: entry %zu: status %llx, ours %llx", name, k,
                             (unsigned long long)s, (unsigned long long)o->status);
            }
            int sg = 0;
            uint64_t u = 0;
            if (lib_int(e->value, &sg, &u)) {
                int64_t want = o->kind == MTR_SML_V_INT ? o->i : (int64_t)o->u;
                if ((o->kind != MTR_SML_V_INT && o->kind != MTR_SML_V_UINT) ||
                    (int64_t)u != want)
                    fail_msg("%s: entry %zu: libsml %lld, ours %lld (kind %d)", name, k,
                             (long long)u, (long long)want, o->kind);
            } else if (e->value && (e->value->type & SML_TYPE_FIELD) == SML_TYPE_OCTET_STRING &&
                       e->value->data.bytes) {
                if (o->kind == MTR_SML_V_OCTETS &&
                    ((size_t)e->value->data.bytes->len != o->octets_len ||
                     memcmp(e->value->data.bytes->str, o->octets, o->octets_len)))
                    fail_msg("%s: entry %zu: octets differ", name, k);
            }
            compared++;
        }
    }
    if (k != res.count) {
        /* libsml gave up on the file (it prints "could not read the whole file") */
        print_message("libsml reads %zu of the %zu entries of a frame of %s\n", k, res.count, name);
        unread++;
        if (!strstr(name, "HOLLEY_DTZ541-ZDBA"))
            fail_msg("%s: libsml %zu entries, ours %zu", name, k, res.count);
    }
    sml_file_free(f);
    free(copy); /* libsml keeps the buffer it was given and does not free it */
}

static void corpus(void **state)
{
    (void)state;
    char dir[512];
    snprintf(dir, sizeof dir, "%s/sml", METER_FIXTURES);
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *de;
    static mtr_sml_stream_t st;
    while ((de = readdir(d))) {
        size_t nl = strlen(de->d_name);
        if (nl < 4 || strcmp(de->d_name + nl - 4, ".bin"))
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        static uint8_t buf[65536];
        size_t len = fread(buf, 1, sizeof buf, f);
        fclose(f);
        mtr_sml_stream_init(&st, 0);
        for (size_t off = 0; off < len;) {
            size_t used = 0;
            mtr_sml_frame_t fr;
            int rc = mtr_sml_stream_feed(&st, buf + off, len - off, &used, &fr, NULL, 0);
            off += used;
            if (rc != MTR_SML_FRAME)
                continue;
            mtr_sml_result_t res = {.entries = ours, .cap = 512};
            if (mtr_sml_decode_frame(&fr, 0, &res, NULL, 0) != METER_OK)
                continue; /* refused by us: never handed to libsml (it checks no CRC) */
            cross(de->d_name, fr.data, fr.len);
            frames_total++;
        }
    }
    closedir(d);
    print_message("libsml agrees on %lu frames, %lu entries; %lu frames it cannot read\n",
                  frames_total - unread, compared, unread);
    assert_true(frames_total > 50);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(corpus)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
