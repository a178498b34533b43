/* SPDX-License-Identifier: MIT */
/* State and Home Assistant discovery payloads, written into a growing
 * buffer (open_memstream). Energies are total_increasing; voltages, currents,
 * powers, frequency and power factor are measurements; settings and texts
 * are diagnostics without a state class. */
#include "payload.h"
#include "jsonout.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void json_num(FILE *f, double v)
{
    char buf[64];
    if (!isfinite(v)) {
        fputs("null", f);
        return;
    }
    jo_number(buf, sizeof buf, v);
    fputs(buf, f);
}

char *mq_state_json(const struct mq_state_info *si, const meter_reading_t *r, size_t n)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    fprintf(f, "{\"seq\": %lu, \"time\": ", si->seq);
    jo_string(f, si->time);
    fprintf(f, ", \"meter\": ");
    jo_string(f, si->meter);
    fprintf(f, ", \"model\": ");
    jo_string(f, si->model);
    fprintf(f, ", \"dropped\": %lu", si->dropped);
    size_t failed = 0;
    for (size_t i = 0; i < n; i++) {
        fprintf(f, ", ");
        jo_string(f, meter_quantity_info(r[i].quantity)->name);
        fprintf(f, ": ");
        if (r[i].status != METER_OK) {
            fputs("null", f);
            failed++;
        } else if (r[i].kind == METER_KIND_TEXT) {
            jo_string(f, r[i].text);
        } else {
            json_num(f, r[i].value);
        }
    }
    if (failed) {
        fprintf(f, ", \"errors\": {");
        for (size_t i = 0, k = 0; i < n; i++) {
            if (r[i].status == METER_OK)
                continue;
            fprintf(f, "%s", k++ ? ", " : "");
            jo_string(f, meter_quantity_info(r[i].quantity)->name);
            fprintf(f, ": ");
            jo_string(f, meter_errname(r[i].status));
        }
        fprintf(f, "}");
    }
    if (si->status != METER_OK) {
        fprintf(f, ", \"error\": ");
        jo_string(f, meter_errname(si->status));
        fprintf(f, ", \"message\": ");
        jo_string(f, si->message ? si->message : "");
    }
    fprintf(f, "}");
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* Home Assistant's device and state classes, from the quantity's unit and name */
static void classes(const meter_quantity_info_t *qi, const char **device_class, const char **state_class,
                    int *diagnostic)
{
    *device_class = NULL;
    *state_class = NULL;
    *diagnostic = 0;
    switch (qi->unit) {
    case METER_UNIT_VOLT: *device_class = "voltage"; break;
    case METER_UNIT_AMPERE: *device_class = "current"; break;
    case METER_UNIT_WATT: *device_class = "power"; break;
    case METER_UNIT_VAR: *device_class = "reactive_power"; break;
    case METER_UNIT_VOLTAMPERE: *device_class = "apparent_power"; break;
    case METER_UNIT_HERTZ: *device_class = "frequency"; break;
    case METER_UNIT_KWH: *device_class = "energy"; break;
    case METER_UNIT_KVARH: break; /* no reactive-energy class in older Home Assistant */
    default: break;
    }
    if (!strncmp(qi->name, "power_factor", 12))
        *device_class = "power_factor";
    if (qi->unit == METER_UNIT_KWH || qi->unit == METER_UNIT_KVARH)
        *state_class = "total_increasing";
    else if (*device_class)
        *state_class = "measurement";
    if (qi->kind == METER_KIND_TEXT || (!*device_class && qi->unit != METER_UNIT_KVARH))
        *diagnostic = 1; /* serial number, settings, status words */
    if (!strcmp(qi->name, "meter_amps")) { /* the rating, not a measurement */
        *state_class = NULL;
        *diagnostic = 1;
    }
}

char *mq_discovery_json(const struct mq_discovery_info *di, const char *discovery_prefix,
                        meter_quantity_t q, char **topic)
{
    const meter_quantity_info_t *qi = meter_quantity_info(q);
    const char *dc, *sc;
    int diag;
    classes(qi, &dc, &sc, &diag);
    char *buf = NULL;
    size_t len = 0;
    if (asprintf(topic, "%s/sensor/%s_%s/%s/config", discovery_prefix, di->client_id, di->meter, qi->name) < 0) {
        *topic = NULL;
        return NULL;
    }
    FILE *f = open_memstream(&buf, &len);
    if (!f) {
        free(*topic);
        *topic = NULL;
        return NULL;
    }
    char id[512];
    snprintf(id, sizeof id, "%s_%s", di->client_id, di->meter);
    fprintf(f, "{\"name\": ");
    jo_string(f, qi->description);
    fprintf(f, ", \"object_id\": ");
    char obj[600];
    snprintf(obj, sizeof obj, "%s_%s", di->meter, qi->name);
    jo_string(f, obj);
    fprintf(f, ", \"unique_id\": ");
    snprintf(obj, sizeof obj, "%s_%s", id, qi->name);
    jo_string(f, obj);
    fprintf(f, ", \"state_topic\": ");
    char st[600];
    snprintf(st, sizeof st, "%s/%s/state", di->prefix, di->meter);
    jo_string(f, st);
    fprintf(f, ", \"value_template\": \"{{ value_json.%s }}\"", qi->name);
    if (*meter_unit_symbol(qi->unit) && qi->kind == METER_KIND_NUMBER) {
        fprintf(f, ", \"unit_of_measurement\": ");
        jo_string(f, meter_unit_symbol(qi->unit));
    }
    if (dc)
        fprintf(f, ", \"device_class\": \"%s\"", dc);
    if (sc)
        fprintf(f, ", \"state_class\": \"%s\"", sc);
    if (diag)
        fprintf(f, ", \"entity_category\": \"diagnostic\"");
    fprintf(f, ", \"availability_topic\": ");
    jo_string(f, di->availability_topic);
    fprintf(f, ", \"payload_available\": \"online\", \"payload_not_available\": \"offline\"");
    fprintf(f, ", \"device\": {\"identifiers\": [");
    jo_string(f, id);
    fprintf(f, "], \"name\": ");
    jo_string(f, di->meter);
    fprintf(f, ", \"model\": ");
    jo_string(f, di->model);
    fprintf(f, ", \"manufacturer\": \"libmeter\", \"sw_version\": ");
    jo_string(f, meter_version_string());
    fprintf(f, "}}");
    if (fclose(f) != 0) {
        free(buf);
        free(*topic);
        *topic = NULL;
        return NULL;
    }
    return buf;
}
