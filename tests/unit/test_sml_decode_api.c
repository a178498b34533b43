/* SPDX-License-Identifier: MIT */
/* meter_sml_decode() (include/meter/sml.h): a real capture's entries through the
 * public struct, every single-bit change of a one-telegram capture refused or
 * harmless (never other values), counting, a bare file, a frame cut off at the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "meter/sml.h"

static uint8_t *load(const char *stem, size_t *n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/sml/%s.bin", METER_FIXTURES, stem);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    uint8_t *p = malloc(65536);
    *n = fread(p, 1, 65536, f);
    fclose(f);
    return p;
}

#define DZG "libsml-testing__DZG_DVS-7412.2_jmberg"

static void dzg(void **state)
{
    (void)state;
    size_t len, n = 0;
    uint8_t *p = load(DZG, &len);
    meter_sml_info_t info;
    meter_sml_entry_t e[8];
    char err[200];
    assert_int_equal(meter_sml_decode(p, len, 0, &info, NULL, 0, &n, err, sizeof err), METER_OK);
    assert_int_equal(n, 5);
    assert_int_equal(meter_sml_decode(p, len, 0, &info, e, 8, &n, err, sizeof err), METER_OK);
    assert_int_equal(info.frames, 1);
    assert_int_equal(info.refused, 0);
    assert_int_equal(info.open_res, 1);
    assert_int_equal(info.getlist_res, 1);
    assert_int_equal(info.close_res, 1);
    assert_string_equal(info.server_id, "0a01445a47000282225e");
    assert_string_equal(e[0].obis, "1-0:96.50.1*1");
    assert_int_equal(e[0].kind, METER_KIND_TEXT);
    assert_string_equal(e[0].text, "445a47");
    assert_true(e[0].printable);
    assert_string_equal(e[0].ascii, "DZG");
    assert_string_equal(e[2].obis, "1-0:1.8.0*255");
    assert_string_equal(e[2].raw, "54301577");
    assert_int_equal(e[2].scaler, -1);
    assert_int_equal(e[2].unit_code, 30);
    assert_string_equal(e[2].unit, "Wh");
    assert_true(e[2].has_status);
    assert_int_equal(e[2].status, 0x1c0104);
    /* the DZG power as the wire says: Integer16 -29912, scaler -2 */
    assert_string_equal(e[4].obis, "1-0:16.7.0*255");
    assert_string_equal(e[4].raw, "-29912");
    assert_true(e[4].value == -299.12);
    /* too little room: EBUFSIZE, n says how many */
    assert_int_equal(meter_sml_decode(p, len, 0, &info, e, 2, &n, err, sizeof err),
                     METER_EBUFSIZE);
    assert_int_equal(n, 5);
    free(p);
}

/* Every single-bit change: inside the frame refused (no entry) — the transport CRC
 * alone must catch a change of its own two bytes —, outside it the same entries. */
static void every_bit(void **state)
{
    (void)state;
    size_t len, n0 = 0;
    uint8_t *p = load(DZG, &len);
    meter_sml_entry_t want[8], got[8];
    meter_sml_info_t info;
    assert_int_equal(meter_sml_decode(p, len, 0, &info, want, 8, &n0, NULL, 0), METER_OK);
    size_t start = 0, end = len - 8;
    while (memcmp(p + start, "\x1b\x1b\x1b\x1b\x01\x01\x01\x01", 8))
        start++;
    while (memcmp(p + end, "\x1b\x1b\x1b\x1b\x1a", 5))
        end--;
    end += 8; /* through the CRC */
    for (size_t bit = 0; bit < len * 8; bit++) {
        p[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        size_t n = 0;
        int rc = meter_sml_decode(p, len, 0, &info, got, 8, &n, NULL, 0);
        if (bit / 8 >= start && bit / 8 < end) {
            if (rc == METER_OK)
                fail_msg("bit %zu of byte %zu changed: a value came", bit % 8, bit / 8);
            assert_int_equal(n, 0);
        } else {
            assert_int_equal(rc, METER_OK);
            assert_int_equal(n, n0);
            for (size_t i = 0; i < n; i++) {
                assert_string_equal(got[i].obis, want[i].obis);
                assert_string_equal(got[i].raw, want[i].raw);
                assert_string_equal(got[i].text, want[i].text);
            }
        }
        p[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    free(p);
}

/* A bare SML file (the frame's content), and a capture whose second frame is cut off. */
static void bare_and_cut(void **state)
{
    (void)state;
    size_t len, n = 0;
    uint8_t *p = load(DZG, &len);
    meter_sml_info_t info;
    size_t start = 0;
    while (start + 8 <= len && memcmp(p + start, "\x1b\x1b\x1b\x1b\x01\x01\x01\x01", 8))
        start++;
    assert_true(start + 8 < len);
    /* the file: after the start sequence, up to the end escape, fill bytes dropped */
    size_t end = len - 8;
    while (end > start && memcmp(p + end, "\x1b\x1b\x1b\x1b\x1a", 5))
        end--;
    size_t pad = p[end + 5];
    assert_int_equal(meter_sml_decode(p + start + 8, end - start - 8 - pad, 0, &info, NULL, 0, &n,
                                      NULL, 0),
                     METER_OK);
    assert_int_equal(info.frames, 0);
    assert_int_equal(n, 5);
    /* the capture twice, the second cut short: one frame, truncated */
    uint8_t *two = malloc(2 * len);
    memcpy(two, p, len);
    memcpy(two + len, p, len);
    assert_int_equal(meter_sml_decode(two, 2 * len - 10, 0, &info, NULL, 0, &n, NULL, 0),
                     METER_OK);
    assert_int_equal(info.frames, 1);
    assert_int_equal(info.truncated, 1);
    assert_int_equal(n, 5);
    /* only a cut frame: nothing, ETRUNCATED */
    assert_int_equal(meter_sml_decode(p, len - 10, 0, &info, NULL, 0, &n, NULL, 0),
                     METER_ETRUNCATED);
    assert_int_equal(n, 0);
    free(two);
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dzg),
        cmocka_unit_test(every_bit),
        cmocka_unit_test(bare_and_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
