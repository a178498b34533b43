/* SPDX-License-Identifier: MIT */
/* Output of readings and records: a table with units, JSON (cJSON, through
 * examples/common/jsonout) or CSV (RFC 4180). Every text from a meter is made
 * valid UTF-8 first; a number that is not finite is null with the reason. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "jsonout.h"

void cli_number(char *buf, size_t len, double v)
{
    jo_number(buf, len, v);
}

int cli_open_exit(int rc)
{
    return rc == METER_EMODEL || rc == METER_ECONNSTR || rc == METER_EOPTION ? TOOL_EXIT_USAGE : TOOL_EXIT_FAILED;
}

enum jo_text cli_text_encoding(const char *model)
{
    /* the library gives every text in UTF-8 (M-Bus plain text is transcoded from
     * ISO 8859-1 as it is decoded); invalid bytes still come out escaped */
    (void)model;
    return JO_TEXT_UTF8;
}

/* why a reading has no number: its status, or the value's non-finiteness; NULL if it has one */
const char *cli_reading_problem(const meter_reading_t *r)
{
    if (r->status != METER_OK)
        return meter_errname(r->status);
    return r->kind == METER_KIND_NUMBER ? jo_nonfinite(r->value) : NULL;
}

/* a value for a table or CSV (valid UTF-8), malloc'd */
static char *value_text(const meter_reading_t *r, enum jo_text enc)
{
    char v[64];
    if (r->status != METER_OK)
        return strdup(meter_errname(r->status));
    if (r->kind == METER_KIND_TEXT)
        return jo_utf8(r->text, enc);
    cli_number(v, sizeof v, r->value);
    return strdup(v);
}

void cli_reading_json(cJSON *obj, const meter_reading_t *r, enum jo_text enc)
{
    const char *why = cli_reading_problem(r);
    if (why)
        cJSON_AddNullToObject(obj, "value");
    else if (r->kind == METER_KIND_TEXT)
        jo_add_text(obj, "value", r->text, enc);
    else
        jo_add_number(obj, "value", r->value);
    cJSON_AddStringToObject(obj, "unit", meter_unit_symbol(r->unit));
    if (why)
        cJSON_AddStringToObject(obj, "error", why);
}

void cli_print_readings(FILE *f, enum cli_format fmt, const char *model, const char *conn,
                        const meter_reading_t *r, size_t n)
{
    enum jo_text enc = cli_text_encoding(model);
    switch (fmt) {
    case CLI_TABLE:
        fprintf(f, "%s at %s\n", model, conn);
        for (size_t i = 0; i < n; i++) {
            const meter_quantity_info_t *qi = meter_quantity_info(r[i].quantity);
            char *v = value_text(&r[i], enc);
            fprintf(f, "  %-32s %16s %s\n", qi->name, v ? v : "?",
                    r[i].status == METER_OK ? meter_unit_symbol(r[i].unit) : "");
            free(v);
        }
        break;
    case CLI_CSV:
        fprintf(f, "quantity,value,unit,status\n");
        for (size_t i = 0; i < n; i++) {
            const meter_quantity_info_t *qi = meter_quantity_info(r[i].quantity);
            const char *why = cli_reading_problem(&r[i]);
            char *v = why ? NULL : value_text(&r[i], enc);
            jo_csv_field(f, qi->name, JO_TEXT_UTF8);
            fputc(',', f);
            jo_csv_field(f, v ? v : "", JO_TEXT_UTF8);
            fputc(',', f);
            jo_csv_field(f, meter_unit_symbol(r[i].unit), JO_TEXT_UTF8);
            fputc(',', f);
            jo_csv_field(f, why ? why : "ok", JO_TEXT_UTF8);
            fputc('\n', f);
            free(v);
        }
        break;
    case CLI_JSON: {
        cJSON *root = cJSON_CreateObject();
        jo_add_text(root, "model", model, JO_TEXT_UTF8);
        cJSON *rd = cJSON_AddObjectToObject(root, "readings");
        for (size_t i = 0; rd && i < n; i++) {
            cJSON *o = cJSON_AddObjectToObject(rd, meter_quantity_info(r[i].quantity)->name);
            if (o)
                cli_reading_json(o, &r[i], enc);
        }
        jo_print(f, root);
        break;
    }
    }
}

static char *record_value(const meter_record_t *r, enum jo_text enc)
{
    char v[64];
    if (r->kind == METER_KIND_TEXT)
        return jo_utf8(r->text, enc);
    cli_number(v, sizeof v, r->value);
    return strdup(v);
}

static void json_int_or_null(cJSON *o, const char *key, int v)
{
    if (v < 0)
        cJSON_AddNullToObject(o, key);
    else
        cJSON_AddNumberToObject(o, key, v);
}

void cli_record_json(cJSON *o, const meter_record_t *r, enum jo_text enc)
{
    if (r->kind == METER_KIND_TEXT) {
        jo_add_text(o, "value", r->text, enc);
    } else {
        jo_add_number(o, "value", r->value);
        if (jo_nonfinite(r->value))
            cJSON_AddStringToObject(o, "error", jo_nonfinite(r->value));
    }
    jo_add_text(o, "unit", r->unit, enc);
    /* what the frame says beyond the value: only when it says it */
    if (r->flags & METER_RECORD_F_INVALID)
        cJSON_AddTrueToObject(o, "invalid");
    if (r->flags & METER_RECORD_F_SUMMER_TIME)
        cJSON_AddTrueToObject(o, "summer_time");
    if (r->flags & METER_RECORD_F_UTC)
        cJSON_AddTrueToObject(o, "utc");
    if (r->flags & METER_RECORD_F_ERROR_STATE)
        cJSON_AddTrueToObject(o, "error_state");
    if (r->flags & METER_RECORD_F_RAW) { /* exact: a JSON number only up to 2^53 */
        char hex[24];
        snprintf(hex, sizeof hex, "0x%llX", (unsigned long long)r->raw);
        cJSON_AddStringToObject(o, "raw", hex);
    }
}

/* ",N", or "," alone for a field the record does not have (-1) */
static void csv_int(FILE *f, int v)
{
    if (v < 0)
        fputc(',', f);
    else
        fprintf(f, ",%d", v);
}

void cli_print_records(FILE *f, enum cli_format fmt, const char *model, const char *conn,
                       const meter_record_t *r, size_t n)
{
    enum jo_text enc = cli_text_encoding(model);
    switch (fmt) {
    case CLI_TABLE:
        fprintf(f, "%s at %s: %zu records\n", model, conn, n);
        fprintf(f, "  %-3s %-22s %-24s %18s %-8s %-13s %3s %3s %3s %s\n", "#", "NAME", "ADDRESS", "VALUE",
                "UNIT", "FUNCTION", "ST", "TA", "SU", "QUANTITY");
        for (size_t i = 0; i < n; i++) {
            const meter_quantity_info_t *qi = meter_quantity_info(r[i].quantity);
            char *v = record_value(&r[i], enc), *name = jo_utf8(r[i].name, enc),
                 *addr = jo_utf8(r[i].address, enc), *unit = jo_utf8(r[i].unit, enc);
            fprintf(f, "  %-3zu %-22s %-24s %18s %-8s %-13s %3d %3d %3d %s\n", i, name ? name : "",
                    addr && *addr ? addr : "-", v ? v : "", unit && *unit ? unit : "-",
                    r[i].function[0] ? r[i].function : "-", r[i].storage, r[i].tariff, r[i].subunit,
                    qi ? qi->name : "-");
            free(v);
            free(name);
            free(addr);
            free(unit);
        }
        break;
    case CLI_CSV:
        fprintf(f, "name,address,index,value,unit,function,storage,tariff,subunit,quantity\n");
        for (size_t i = 0; i < n; i++) {
            const meter_quantity_info_t *qi = meter_quantity_info(r[i].quantity);
            char *v = record_value(&r[i], enc);
            jo_csv_field(f, r[i].name, enc);
            fputc(',', f);
            jo_csv_field(f, r[i].address, enc);
            fprintf(f, ",%d,", r[i].index);
            jo_csv_field(f, v ? v : "", JO_TEXT_UTF8);
            fputc(',', f);
            jo_csv_field(f, r[i].unit, enc);
            fputc(',', f);
            jo_csv_field(f, r[i].function, enc);
            csv_int(f, r[i].storage); /* empty where JSON has null */
            csv_int(f, r[i].tariff);
            csv_int(f, r[i].subunit);
            fprintf(f, ",%s\n", qi ? qi->name : "");
            free(v);
        }
        break;
    case CLI_JSON: {
        cJSON *root = cJSON_CreateObject();
        jo_add_text(root, "model", model, JO_TEXT_UTF8);
        cJSON *arr = cJSON_AddArrayToObject(root, "records");
        for (size_t i = 0; arr && i < n; i++) {
            const meter_quantity_info_t *qi = meter_quantity_info(r[i].quantity);
            cJSON *o = cJSON_CreateObject();
            if (!o || !cJSON_AddItemToArray(arr, o)) {
                cJSON_Delete(o);
                break;
            }
            jo_add_text(o, "name", r[i].name, enc);
            if (r[i].address[0]) {
                jo_add_text(o, "address", r[i].address, enc);
                cJSON_AddNumberToObject(o, "index", r[i].index);
            }
            cli_record_json(o, &r[i], enc);
            if (r[i].function[0])
                jo_add_text(o, "function", r[i].function, enc);
            json_int_or_null(o, "storage", r[i].storage);
            json_int_or_null(o, "tariff", r[i].tariff);
            json_int_or_null(o, "subunit", r[i].subunit);
            if (qi)
                cJSON_AddStringToObject(o, "quantity", qi->name);
            else
                cJSON_AddNullToObject(o, "quantity");
        }
        jo_print(f, root);
        break;
    }
    }
}
