/* SPDX-License-Identifier: MIT */
/* JSON through cJSON, meter text made valid UTF-8, RFC 4180 CSV fields and
 * shortest exact decimals for the example programs. */
#include "jsonout.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* the length of a valid UTF-8 sequence at s (RFC 3629: no overlongs, no
 * surrogates, at most U+10FFFF), 0 if the bytes there are not one */
static size_t utf8_seq(const unsigned char *s)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        return (s[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        unsigned char lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
        return s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80 ? 3 : 0;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        unsigned char lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
        return s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80 && (s[3] & 0xC0) == 0x80 ? 4 : 0;
    }
    return 0;
}

char *jo_utf8(const char *s, enum jo_text enc)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t n = strlen((const char *)p);
    char *out = malloc(n * 4 + 1); /* worst case: every byte becomes \xNN */
    if (!out)
        return NULL;
    size_t k = 0;
    while (*p) {
        size_t len = enc == JO_TEXT_UTF8 ? utf8_seq(p) : (*p < 0x80);
        if (len == 2 && p[0] == 0xC2 && p[1] < 0xA0) { /* U+0080..U+009F: C1 controls */
            k += (size_t)snprintf(out + k, 5, "\\x%02X", p[1]); /* as in ISO 8859-1 */
            p += 2;
        } else if (len && !(*p < 0x20 && *p != '\t') && *p != 0x7F) {
            memcpy(out + k, p, len);
            k += len;
            p += len;
        } else if (enc == JO_TEXT_LATIN1 && *p >= 0xA0) {
            out[k++] = (char)(0xC0 | *p >> 6); /* U+00A0..U+00FF */
            out[k++] = (char)(0x80 | (*p & 0x3F));
            p++;
        } else {
            k += (size_t)snprintf(out + k, 5, "\\x%02X", *p); /* controls, C1, invalid bytes */
            p++;
        }
    }
    out[k] = '\0';
    return out;
}

const char *jo_nonfinite(double v)
{
    if (isnan(v))
        return "NaN";
    if (isinf(v))
        return v > 0 ? "Infinity" : "-Infinity";
    return NULL;
}

cJSON *jo_text_item(const char *s, enum jo_text enc)
{
    char *t = jo_utf8(s, enc);
    if (!t)
        return NULL;
    cJSON *item = cJSON_CreateString(t);
    free(t);
    return item;
}

cJSON *jo_number_item(double v)
{
    /* cJSON prints "%1.15g" when it reads back within a relative DBL_EPSILON, not
     * exactly (0.1 + 0.2 came out as 0.3): the digits are ours, the same as every
     * table and CSV shows, and read back as the very same double */
    char buf[64];
    if (jo_nonfinite(v))
        return cJSON_CreateNull();
    jo_number(buf, sizeof buf, v);
    return cJSON_CreateRaw(buf);
}

static cJSON *add_item(cJSON *obj, const char *key, cJSON *item)
{
    if (item && !cJSON_AddItemToObject(obj, key, item)) {
        cJSON_Delete(item);
        return NULL;
    }
    return item;
}

cJSON *jo_add_text(cJSON *obj, const char *key, const char *s, enum jo_text enc)
{
    return add_item(obj, key, jo_text_item(s, enc));
}

cJSON *jo_add_number(cJSON *obj, const char *key, double v)
{
    return add_item(obj, key, jo_number_item(v));
}

cJSON *jo_add_uint(cJSON *obj, const char *key, unsigned long long v)
{
    char buf[24]; /* exact: a double holds integers up to 2^53 only */
    snprintf(buf, sizeof buf, "%llu", v);
    return add_item(obj, key, cJSON_CreateRaw(buf));
}

char *jo_take(cJSON *root)
{
    char *s = root ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    return s;
}

int jo_print(FILE *f, cJSON *root)
{
    char *s = jo_take(root);
    fprintf(f, "%s\n", s ? s : "null");
    cJSON_free(s);
    return s ? 0 : -1;
}

void jo_number(char *buf, size_t len, double v)
{
    const char *nf = jo_nonfinite(v);
    if (nf) {
        snprintf(buf, len, "%s", nf);
        return;
    }
    /* plain decimal, with the fewest decimals that read back as v */
    if (fabs(v) < 1e15 && (v == 0 || fabs(v) >= 1e-6)) {
        for (int d = 0; d <= 12; d++) {
            snprintf(buf, len, "%.*f", d, v);
            if (strtod(buf, NULL) == v)
                return;
        }
    }
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, len, "%.*g", p, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

void jo_csv_field(FILE *f, const char *s, enum jo_text enc)
{
    char *t = jo_utf8(s, enc);
    const char *v = t ? t : "";
    if (!strpbrk(v, ",\"\r\n")) {
        fputs(v, f);
    } else {
        fputc('"', f);
        for (const char *p = v; *p; p++) {
            if (*p == '"')
                fputc('"', f);
            fputc(*p, f);
        }
        fputc('"', f);
    }
    free(t);
}
