/* SPDX-License-Identifier: MIT */
/* meter decode sml HEX|FILE|- [--json]: the entries of captured SML telegrams
 * (transport frames, or a bare SML file) through meter_sml_decode(): OBIS, value
 * after the scaler, unit, scaler, status; the messages by type. Exit 3 if refused. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "meter/sml.h"

#define MAX_INPUT (4u << 20)

/* The input's bytes: hex text is read as hex, anything else as it is. */
static int from_text_or_bytes(uint8_t *buf, size_t n, size_t *out)
{
    size_t k = 0, digits = 0;
    int half = -1;
    for (size_t i = 0; i < n; i++) {
        if (isspace(buf[i]) || buf[i] == ':' || buf[i] == ',')
            continue;
        if (!isxdigit(buf[i])) {
            *out = n; /* binary */
            return 0;
        }
        digits++;
    }
    if (!digits || digits % 2) {
        *out = n;
        return digits ? 0 : -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (!isxdigit(buf[i]))
            continue;
        int v = isdigit(buf[i]) ? buf[i] - '0' : (tolower(buf[i]) - 'a' + 10);
        if (half < 0) {
            half = v;
        } else {
            buf[k++] = (uint8_t)(half << 4 | v);
            half = -1;
        }
    }
    *out = k;
    return 0;
}

static uint8_t *load(const char *arg, size_t *n)
{
    FILE *f = !strcmp(arg, "-") ? stdin : (access(arg, R_OK) == 0 ? fopen(arg, "rb") : NULL);
    uint8_t *buf = malloc(MAX_INPUT);
    if (!buf)
        return NULL;
    size_t len = 0;
    if (f) {
        size_t k;
        while (len < MAX_INPUT && (k = fread(buf + len, 1, MAX_INPUT - len, f)) > 0)
            len += k;
        if (f != stdin)
            fclose(f);
    } else { /* the argument itself is hex */
        len = strlen(arg);
        if (len > MAX_INPUT)
            len = MAX_INPUT;
        memcpy(buf, arg, len);
        for (size_t i = 0; i < len; i++)
            if (!isxdigit((unsigned char)arg[i]) && !isspace((unsigned char)arg[i])) {
                free(buf);
                return NULL;
            }
    }
    if (from_text_or_bytes(buf, len, n) < 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

static void message_count(cJSON *arr, const char *type, unsigned n)
{
    if (!n)
        return;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "type", type);
    cJSON_AddNumberToObject(o, "count", n);
    cJSON_AddItemToArray(arr, o);
}

static void print_json(const meter_sml_info_t *info, const meter_sml_entry_t *e, size_t n)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddNumberToObject(root, "frames", info->frames);
    cJSON_AddNumberToObject(root, "refused", info->refused);
    cJSON_AddBoolToObject(root, "truncated", info->truncated != 0);
    jo_add_text(root, "server_id", info->server_id, JO_TEXT_UTF8);
    cJSON *msgs = cJSON_AddArrayToObject(root, "messages");
    message_count(msgs, "PublicOpen.Res", info->open_res);
    message_count(msgs, "GetList.Res", info->getlist_res);
    message_count(msgs, "PublicClose.Res", info->close_res);
    message_count(msgs, "other", info->skipped);
    cJSON *arr = cJSON_AddArrayToObject(root, "entries");
    for (size_t i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        jo_add_text(o, "obis", e[i].obis, JO_TEXT_UTF8);
        if (e[i].kind == METER_KIND_NUMBER) {
            jo_add_number(o, "value", e[i].value);
            jo_add_text(o, "raw", e[i].raw, JO_TEXT_UTF8);
        } else if (e[i].absent) {
            cJSON_AddNullToObject(o, "value");
        } else {
            jo_add_text(o, "value", e[i].text, JO_TEXT_UTF8);
            if (e[i].printable)
                jo_add_text(o, "ascii", e[i].ascii, JO_TEXT_UTF8);
        }
        if (e[i].has_unit) {
            jo_add_text(o, "unit", e[i].unit, JO_TEXT_UTF8);
            cJSON_AddNumberToObject(o, "unit_code", e[i].unit_code);
        } else {
            cJSON_AddNullToObject(o, "unit");
        }
        if (e[i].has_scaler)
            cJSON_AddNumberToObject(o, "scaler", e[i].scaler);
        else
            cJSON_AddNullToObject(o, "scaler");
        if (e[i].has_status)
            jo_add_uint(o, "status", e[i].status); /* up to 64 bits, exact */
        else
            cJSON_AddNullToObject(o, "status");
        cJSON_AddNumberToObject(o, "frame", e[i].frame);
        cJSON_AddNumberToObject(o, "message", e[i].message);
        cJSON_AddItemToArray(arr, o);
    }
    jo_print(stdout, root);
}

static void print_table(const meter_sml_info_t *info, const meter_sml_entry_t *e, size_t n)
{
    printf("frames %u  refused %u  server id %s\n", info->frames, info->refused,
           info->server_id[0] ? info->server_id : "-");
    printf("%-24s %24s %-6s %6s %s\n", "OBIS", "VALUE", "UNIT", "SCALER", "STATUS");
    for (size_t i = 0; i < n; i++) {
        char v[64], st[24] = "-", sc[8] = "-";
        if (e[i].kind == METER_KIND_NUMBER)
            cli_number(v, sizeof v, e[i].value);
        else
            snprintf(v, sizeof v, "%.*s", (int)sizeof v - 1, /* cut to the column */
                     e[i].absent ? "-" : e[i].printable ? e[i].ascii : e[i].text);
        if (e[i].has_status)
            snprintf(st, sizeof st, "%llx", (unsigned long long)e[i].status);
        if (e[i].has_scaler)
            snprintf(sc, sizeof sc, "%d", e[i].scaler);
        printf("%-24s %24s %-6s %6s %s\n", e[i].obis, v, e[i].has_unit ? e[i].unit : "-", sc, st);
    }
}

int cmd_decode_sml(int argc, char **argv)
{
    int json = 0;
    unsigned flags = 0;
    const char *in = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            json = 1;
        else if (!strcmp(argv[i], "--kermit"))
            flags |= METER_SML_KERMIT;
        else if (!strcmp(argv[i], "--trust-transport"))
            flags |= METER_SML_TRUST_TRANSPORT;
        else if (!in)
            in = argv[i];
        else
            in = "";
    }
    if (!in || !*in) {
        fprintf(stderr, "usage: meter decode sml HEX|FILE|- [--json] [--kermit] [--trust-transport]\n");
        return TOOL_EXIT_USAGE;
    }
    size_t n = 0;
    uint8_t *buf = load(in, &n);
    if (!buf) {
        fprintf(stderr, "meter decode sml: '%s' is neither a readable file nor hex\n", in);
        return TOOL_EXIT_USAGE;
    }
    char err[256] = "";
    meter_sml_info_t info;
    size_t ne = 0;
    int rc = meter_sml_decode(buf, n, flags, &info, NULL, 0, &ne, err, sizeof err);
    meter_sml_entry_t *e = NULL;
    if (rc == METER_OK && ne) {
        e = calloc(ne, sizeof *e);
        rc = e ? meter_sml_decode(buf, n, flags, &info, e, ne, &ne, err, sizeof err) : METER_ENOMEM;
    }
    free(buf);
    if (rc != METER_OK) {
        fprintf(stderr, "meter decode sml: %s (%s)\n", err, meter_errname(rc));
        free(e);
        return TOOL_EXIT_DECODE;
    }
    if (json)
        print_json(&info, e, ne);
    else
        print_table(&info, e, ne);
    if (info.refused)
        fprintf(stderr, "meter decode sml: %u frame%s refused, the first: %s\n", info.refused,
                info.refused == 1 ? "" : "s", err);
    free(e);
    return 0;
}
