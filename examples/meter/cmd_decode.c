/* SPDX-License-Identifier: MIT */
/* meter decode FORMAT …: decode captured bytes without a bus, dispatched on the
 * format word. `mbus HEX… | -` prints a frame's header and records (a table, or
 * --json with the records in frame order); `iec` is cmd_decode_iec(). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MAX_FRAME 1024

/* Append the hex digits of s to buf; -1 on a character that is not hex or a separator. */
static int add_hex(const char *s, uint8_t *buf, size_t *n, int *half, unsigned *acc)
{
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (isspace(ch) || ch == ':' || ch == ',' || ch == '-')
            continue;
        if (!isxdigit(ch))
            return -1;
        unsigned v = isdigit(ch) ? (unsigned)(ch - '0') : (unsigned)(tolower(ch) - 'a' + 10);
        *acc = *acc << 4 | v;
        if (++*half == 2) {
            if (*n == MAX_FRAME)
                return -1;
            buf[(*n)++] = (uint8_t)*acc;
            *half = 0;
            *acc = 0;
        }
    }
    return 0;
}

static void add_int_or_null(cJSON *o, const char *key, int v)
{
    if (v < 0)
        cJSON_AddNullToObject(o, key);
    else
        cJSON_AddNumberToObject(o, key, v);
}

static void print_json(const meter_mbus_header_t *h, const meter_record_t *r, size_t n)
{
    /* records come in UTF-8 (the library transcodes M-Bus plain text); identifiers are
     * digits and letters */
    cJSON *root = cJSON_CreateObject(), *hd = cJSON_AddObjectToObject(root, "header");
    if (hd) { /* a field the frame does not carry is null, never invented */
        if (h->id[0])
            jo_add_text(hd, "id", h->id, JO_TEXT_UTF8);
        else
            cJSON_AddNullToObject(hd, "id");
        if (h->manufacturer[0])
            jo_add_text(hd, "manufacturer", h->manufacturer, JO_TEXT_UTF8);
        else
            cJSON_AddNullToObject(hd, "manufacturer");
        add_int_or_null(hd, "version", h->version);
        if (h->medium >= 0)
            jo_add_text(hd, "medium", h->medium_name, JO_TEXT_UTF8);
        else
            cJSON_AddNullToObject(hd, "medium");
        add_int_or_null(hd, "access", h->access);
        add_int_or_null(hd, "status", h->status);
    }
    cJSON *arr = cJSON_AddArrayToObject(root, "records");
    for (size_t i = 0; arr && i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        if (!o || !cJSON_AddItemToArray(arr, o)) {
            cJSON_Delete(o);
            break;
        }
        jo_add_text(o, "function", r[i].function, JO_TEXT_UTF8);
        cJSON_AddNumberToObject(o, "storage", r[i].storage);
        cJSON_AddNumberToObject(o, "tariff", r[i].tariff);
        cJSON_AddNumberToObject(o, "subunit", r[i].subunit);
        cli_record_json(o, &r[i], JO_TEXT_UTF8);
        jo_add_text(o, "quantity", r[i].name, JO_TEXT_UTF8);
    }
    jo_print(stdout, root);
}

static void print_table(const meter_mbus_header_t *h, const meter_record_t *r, size_t n)
{
    printf("C %02X  A %d  CI %02X\n", (unsigned)h->c, h->a, (unsigned)h->ci);
    if (h->has_id)
        printf("id %s  manufacturer %s (%04X)  version %d  medium %d (%s)\n", h->id,
               h->manufacturer, h->manufacturer_code, h->version, h->medium, h->medium_name);
    else if (h->id[0]) /* fixed structure: id and medium, no manufacturer or version */
        printf("id %s  medium %d (%s)\n", h->id, h->medium, h->medium_name);
    if (h->access >= 0)
        printf("access %d  status %02X  signature %04X%s\n", h->access, (unsigned)h->status,
               h->signature, h->more_follows ? "  (more telegrams follow)" : "");
    printf("%-3s %-24s %20s %-8s %-14s %3s %3s %3s\n", "#", "QUANTITY", "VALUE", "UNIT", "FUNCTION",
           "ST", "TA", "SU");
    for (size_t i = 0; i < n; i++) {
        char v[64];
        if (r[i].kind == METER_KIND_NUMBER)
            cli_number(v, sizeof v, r[i].value);
        else {
            char *t = jo_utf8(r[i].text, JO_TEXT_UTF8);
            snprintf(v, sizeof v, "%s", t ? t : "");
            free(t);
        }
        char *unit = jo_utf8(r[i].unit, JO_TEXT_UTF8); /* a plain-text unit is the meter's */
        printf("%-3zu %-24s %20s %-8s %-14s %3d %3d %3d\n", i, r[i].name, v, unit ? unit : "",
               r[i].function, r[i].storage, r[i].tariff, r[i].subunit);
        free(unit);
    }
}

static int decode_mbus(int argc, char **argv)
{
    int json = 0, k = 0;
    uint8_t buf[MAX_FRAME];
    size_t n = 0;
    int half = 0;
    unsigned acc = 0;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) {
            json = 1;
            continue;
        }
        k++;
        if (!strcmp(argv[i], "-")) {
            char line[4096];
            while (fgets(line, sizeof line, stdin))
                if (add_hex(line, buf, &n, &half, &acc) < 0)
                    goto bad;
        } else if (add_hex(argv[i], buf, &n, &half, &acc) < 0) {
            goto bad;
        }
    }
    if (!k || half || !n) {
        fprintf(stderr, "usage: meter decode mbus [--json] HEX... | -\n");
        return 2;
    }
    if (n == 1 && buf[0] == 0xE5) { /* a valid frame, but nothing to decode */
        fprintf(stderr, "meter decode: E5 is the single-character acknowledgement: no header, "
                        "no records (METER_EFRAME)\n");
        return TOOL_EXIT_DECODE;
    }
    meter_mbus_header_t h;
    meter_record_t r[256];
    size_t nr = 0;
    char err[256];
    int rc = meter_mbus_decode(buf, n, &h, r, 256, &nr, err, sizeof err);
    if (rc != METER_OK && !(nr && rc != METER_EBUFSIZE && rc != METER_EAPPLICATION)) {
        fprintf(stderr, "meter decode: %s (%s)\n", err, meter_errname(rc));
        return TOOL_EXIT_DECODE;
    }
    if (nr > 256)
        nr = 256;
    if (json)
        print_json(&h, r, nr);
    else
        print_table(&h, r, nr);
    if (rc != METER_OK) {
        fprintf(stderr, "meter decode: records stop: %s (%s)\n", err, meter_errname(rc));
        return TOOL_EXIT_DECODE;
    }
    return 0;
bad:
    fprintf(stderr, "meter decode: not hex (or longer than %d bytes)\n", MAX_FRAME);
    return 2;
}

int cmd_decode(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: meter decode mbus [--json] HEX... | -\n"
                        "       meter decode iec FILE|- [--json] [--bcc xor|sum7|none|any]\n"
                        "       meter decode sml HEX|FILE|- [--json] [--kermit] [--trust-transport]\n");
        return 2;
    }
    if (!strcmp(argv[1], "mbus"))
        return decode_mbus(argc - 2, argv + 2);
    if (!strcmp(argv[1], "iec"))
        return cmd_decode_iec(argc - 1, argv + 1);
    if (!strcmp(argv[1], "sml"))
        return cmd_decode_sml(argc - 1, argv + 1);
    fprintf(stderr, "meter decode: unknown format '%s' (known: mbus, iec, sml)\n", argv[1]);
    return 2;
}
