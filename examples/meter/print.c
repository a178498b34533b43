/* SPDX-License-Identifier: MIT */
/* Output of readings: a table with units, JSON, or CSV. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void cli_number(char *buf, size_t len, double v)
{
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

void cli_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
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
