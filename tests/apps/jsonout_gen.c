/* SPDX-License-Identifier: MIT */
/* Property-test driver of examples/common/jsonout: N random texts (arbitrary
 * bytes) and numbers (arbitrary bit patterns: NaN, infinities, subnormals)
 * through the JSON writer (one object a line) or the CSV writer (one record a
 * line, with the number as tables and CSV print it). tests/scripts/test_json_strict.sh checks each line with a strict
 * parser against what the input says it must be. Usage: jsonout_gen json|csv N SEED */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonout.h"

static uint64_t state;

static uint64_t next(void) /* xorshift64* */
{
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 2685821657736338717ULL;
}

static void random_text(char *buf, size_t cap, char *hex)
{
    size_t n = next() % (cap - 1);
    for (size_t i = 0; i < n; i++) {
        unsigned b = (unsigned)(next() % 255) + 1; /* any byte but NUL */
        if (next() % 4 == 0)
            b = (unsigned)"\",\r\n\\\t;\x7f"[next() % 8]; /* the awkward ones, often */
        buf[i] = (char)b;
        sprintf(hex + 2 * i, "%02x", b);
    }
    buf[n] = '\0';
    hex[2 * n] = '\0';
}

int main(int argc, char **argv)
{
    if (argc != 4 || (strcmp(argv[1], "json") && strcmp(argv[1], "csv"))) {
        fprintf(stderr, "usage: jsonout_gen json|csv N SEED\n");
        return 2;
    }
    long n = strtol(argv[2], NULL, 10);
    state = strtoull(argv[3], NULL, 10) | 1;
    static const double decimals[] = {230.1, 0.1, 1136.694, 12445.92, -0.5, 50.02, 13070002, 0, 1e21, 4.2e-7,
                                      0.1 + 0.2, -0.0, 5e-324, 1.7976931348623157e308, 9007199254740993.0,
                                      0.1408000030517578, 1e15, 123456789012345.67, 1e-7};
    for (long i = 0; i < n; i++) {
        char text[48], hex[96];
        random_text(text, sizeof text, hex);
        double v;
        if (i < (long)(sizeof decimals / sizeof decimals[0])) {
            v = decimals[i];
        } else if (i % 3) {
            uint64_t bits = next();
            memcpy(&v, &bits, sizeof v);
        } else { /* a meter's kind of number: digits with a decimal point, or a float32 */
            static const double scale[] = {1, 10, 100, 1000, 1e4, 1e5, 1e6, 1e9};
            v = (double)(int64_t)(next() % 2000000001) - 1000000000;
            v = next() % 2 ? v / scale[next() % 8] : (double)(float)(v / scale[next() % 8]);
        }
        uint64_t bits;
        memcpy(&bits, &v, sizeof bits);
        if (!strcmp(argv[1], "csv")) {
            /* hex of the input, then the field as UTF-8 and as ISO 8859-1 */
            char num[64];
            jo_number(num, sizeof num, v);
            printf("%s,", hex);
            jo_csv_field(stdout, text, JO_TEXT_UTF8);
            putchar(',');
            jo_csv_field(stdout, text, JO_TEXT_LATIN1);
            printf(",%016" PRIx64 ",%s\n", bits, num);
            continue;
        }
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "hex", hex);
        char b[20];
        snprintf(b, sizeof b, "%016" PRIx64, bits);
        cJSON_AddStringToObject(o, "bits", b);
        jo_add_text(o, "utf8", text, JO_TEXT_UTF8);
        jo_add_text(o, "latin1", text, JO_TEXT_LATIN1);
        jo_add_number(o, "n", v);
        if (jo_nonfinite(v))
            cJSON_AddStringToObject(o, "why", jo_nonfinite(v));
        if (jo_print(stdout, o) < 0)
            return 1;
    }
    return 0;
}
