/* SPDX-License-Identifier: MIT */
/* Output of readings: a table with units, JSON, or CSV. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "jsonout.h"

void cli_number(char *buf, size_t len, double v)
{
    jo_number(buf, len, v);
}

void cli_json_string(FILE *f, const char *s)
{
    jo_string(f, s);
}

static void value_text(const meter_reading_t *r, char *buf, size_t len)
{
    if (r->status != METER_OK)
        snprintf(buf, len, "%s", meter_errname(r->status));
    else if (r->kind == METER_KIND_TEXT)
        snprintf(buf, len, "%s", r->text);
    else
        cli_number(buf, len, r->value);
}

void cli_print_readings(FILE *f, enum cli_format fmt, const char *model, const char *conn,
                        const meter_reading_t *r, size_t n)
{
    char v[64];
    switch (fmt) {
    case CLI_TABLE:
        fprintf(f, "%s at %s\n", model, conn);
        for (size_t i = 0; i < n; i++) {
            const meter_quantity_info_t *qi = meter_quantity_info(r[i].quantity);
            value_text(&r[i], v, sizeof v);
            fprintf(f, "  %-32s %16s %s\n", qi->name, v,
                    r[i].status == METER_OK ? meter_unit_symbol(r[i].unit) : "");
        }
        break;
    case CLI_CSV:
        fprintf(f, "quantity,value,unit,status\n");
        for (size_t i = 0; i < n; i++) {
            const meter_quantity_info_t *qi = meter_quantity_info(r[i].quantity);
            value_text(&r[i], v, sizeof v);
            fprintf(f, "%s,%s,%s,%s\n", qi->name, r[i].status == METER_OK ? v : "",
                    meter_unit_symbol(r[i].unit), r[i].status == METER_OK ? "ok" : v);
        }
        break;
    case CLI_JSON:
        fprintf(f, "{\"model\": ");
        cli_json_string(f, model);
        fprintf(f, ", \"readings\": {");
        for (size_t i = 0; i < n; i++) {
            const meter_quantity_info_t *qi = meter_quantity_info(r[i].quantity);
            fprintf(f, "%s", i ? ", " : "");
            cli_json_string(f, qi->name);
            fprintf(f, ": {\"value\": ");
            if (r[i].status != METER_OK) {
                fprintf(f, "null, \"unit\": ");
                cli_json_string(f, meter_unit_symbol(r[i].unit));
                fprintf(f, ", \"error\": ");
                cli_json_string(f, meter_errname(r[i].status));
            } else {
                if (r[i].kind == METER_KIND_TEXT) {
                    cli_json_string(f, r[i].text);
                } else {
                    cli_number(v, sizeof v, r[i].value);
                    fprintf(f, "%s", v);
                }
                fprintf(f, ", \"unit\": ");
                cli_json_string(f, meter_unit_symbol(r[i].unit));
            }
            fprintf(f, "}");
        }
        fprintf(f, "}}\n");
        break;
    }
}

static void record_value(const meter_record_t *r, char *buf, size_t len)
{
    if (r->kind == METER_KIND_TEXT)
        snprintf(buf, len, "%s", r->text);
    else
        cli_number(buf, len, r->value);
}

static void json_int_or_null(FILE *f, const char *key, int v)
{
    if (v < 0)
        fprintf(f, ", \"%s\": null", key);
    else
        fprintf(f, ", \"%s\": %d", key, v);
}

void cli_print_records(FILE *f, enum cli_format fmt, const char *model, const char *conn,
                       const meter_record_t *r, size_t n)
{
    char v[80];
    switch (fmt) {
    case CLI_TABLE:
        fprintf(f, "%s at %s: %zu records\n", model, conn, n);
        fprintf(f, "  %-3s %-22s %-24s %18s %-8s %-13s %3s %3s %3s %s\n", "#", "NAME", "ADDRESS", "VALUE",
                "UNIT", "FUNCTION", "ST", "TA", "SU", "QUANTITY");
        for (size_t i = 0; i < n; i++) {
            const meter_quantity_info_t *qi = meter_quantity_info(r[i].quantity);
            record_value(&r[i], v, sizeof v);
            fprintf(f, "  %-3zu %-22s %-24s %18s %-8s %-13s %3d %3d %3d %s\n", i, r[i].name,
                    r[i].address[0] ? r[i].address : "-", v, r[i].unit[0] ? r[i].unit : "-",
                    r[i].function[0] ? r[i].function : "-", r[i].storage, r[i].tariff, r[i].subunit,
                    qi ? qi->name : "-");
        }
        break;
    case CLI_CSV:
        fprintf(f, "name,address,index,value,unit,function,storage,tariff,subunit,quantity\n");
        for (size_t i = 0; i < n; i++) {
            const meter_quantity_info_t *qi = meter_quantity_info(r[i].quantity);
            record_value(&r[i], v, sizeof v);
            fprintf(f, "%s,%s,%d,%s,%s,%s,%d,%d,%d,%s\n", r[i].name, r[i].address, r[i].index, v,
                    r[i].unit, r[i].function, r[i].storage, r[i].tariff, r[i].subunit,
                    qi ? qi->name : "");
        }
        break;
    case CLI_JSON:
        fprintf(f, "{\"model\": ");
        cli_json_string(f, model);
        fprintf(f, ", \"records\": [");
        for (size_t i = 0; i < n; i++) {
            const meter_quantity_info_t *qi = meter_quantity_info(r[i].quantity);
            fprintf(f, "%s{\"name\": ", i ? ", " : "");
            cli_json_string(f, r[i].name);
            if (r[i].address[0]) {
                fprintf(f, ", \"address\": ");
                cli_json_string(f, r[i].address);
                fprintf(f, ", \"index\": %d", r[i].index);
            }
            fprintf(f, ", \"value\": ");
            if (r[i].kind == METER_KIND_TEXT) {
                cli_json_string(f, r[i].text);
            } else {
                cli_number(v, sizeof v, r[i].value);
                fprintf(f, "%s", v);
            }
            fprintf(f, ", \"unit\": ");
            cli_json_string(f, r[i].unit);
            if (r[i].function[0]) {
                fprintf(f, ", \"function\": ");
                cli_json_string(f, r[i].function);
            }
            json_int_or_null(f, "storage", r[i].storage);
            json_int_or_null(f, "tariff", r[i].tariff);
            json_int_or_null(f, "subunit", r[i].subunit);
            fprintf(f, ", \"quantity\": ");
            if (qi)
                cli_json_string(f, qi->name);
            else
                fprintf(f, "null");
            fprintf(f, "}");
        }
        fprintf(f, "]}\n");
        break;
    }
}
