/* SPDX-License-Identifier: MIT */
/* State and Home Assistant discovery payloads, written into a growing
 * buffer (open_memstream). Energies are total_increasing; voltages, currents,
 * powers, frequency and power factor are measurements; settings and texts
 * are diagnostics without a state class. */
#include "payload.h"
#include "jsonout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* the library gives every text in UTF-8 (M-Bus plain text transcoded from ISO 8859-1) */
static enum jo_text text_encoding(const char *model)
{
    (void)model;
    return JO_TEXT_UTF8;
}

char *mq_state_json(const struct mq_state_info *si, const meter_reading_t *r, size_t n)
{
    /* published names never change: seq, time, meter, model, dropped, one key per
     * quantity (null when it has no value), errors, error, message */
    enum jo_text enc = text_encoding(si->model);
    cJSON *o = cJSON_CreateObject(), *errs = NULL;
    if (!o)
        return NULL;
    cJSON_AddNumberToObject(o, "seq", (double)si->seq);
    jo_add_text(o, "time", si->time, JO_TEXT_UTF8);
    jo_add_text(o, "meter", si->meter, JO_TEXT_UTF8);
    jo_add_text(o, "model", si->model, JO_TEXT_UTF8);
    cJSON_AddNumberToObject(o, "dropped", (double)si->dropped);
    for (size_t i = 0; i < n; i++) {
        const char *name = meter_quantity_info(r[i].quantity)->name;
        const char *why = r[i].status != METER_OK ? meter_errname(r[i].status)
                          : r[i].kind == METER_KIND_NUMBER ? jo_nonfinite(r[i].value) : NULL;
        if (why) {
            cJSON_AddNullToObject(o, name);
            if (!errs && !(errs = cJSON_CreateObject()))
                break;
            cJSON_AddStringToObject(errs, name, why);
        } else if (r[i].kind == METER_KIND_TEXT) {
            jo_add_text(o, name, r[i].text, enc);
        } else {
            jo_add_number(o, name, r[i].value);
        }
    }
    if (errs && !cJSON_AddItemToObject(o, "errors", errs))
        cJSON_Delete(errs);
    if (si->status != METER_OK) {
        cJSON_AddStringToObject(o, "error", meter_errname(si->status));
        jo_add_text(o, "message", si->message ? si->message : "", JO_TEXT_UTF8);
    }
    return jo_take(o);
}

/* a history value (M-Bus storage N, "_mN"): a stored reading, not a running statistic */
static int is_history(const char *name)
{
    const char *p = strrchr(name, '_');
    return p && p[1] == 'm' && p[2] >= '0' && p[2] <= '9';
}

/* Heat, water and gas meters (issue 11): water volume is "water", gas volume "gas",
 * volume flow "volume_flow_rate", temperatures "temperature" — but a temperature
 * difference in K is not a temperature: no device class, a measurement all the same */
static void heat_water_gas(const meter_quantity_info_t *qi, const char **device_class,
                           const char **state_class, int *diagnostic)
{
    int hist = is_history(qi->name);
    switch (qi->unit) {
    case METER_UNIT_M3:
        *device_class = !strncmp(qi->name, "gas_", 4) ? "gas" : "water";
        *state_class = hist ? NULL : "total_increasing";
        *diagnostic = 0;
        break;
    case METER_UNIT_M3_PER_H:
        *device_class = "volume_flow_rate";
        *state_class = "measurement";
        *diagnostic = 0;
        break;
    case METER_UNIT_CELSIUS:
        *device_class = "temperature";
        *state_class = "measurement";
        *diagnostic = 0;
        break;
    case METER_UNIT_KELVIN:
        *device_class = NULL;
        *state_class = "measurement";
        *diagnostic = 0;
        break;
    case METER_UNIT_HOUR:
        *device_class = "duration";
        *state_class = "total_increasing";
        *diagnostic = 0;
        break;
    default:
        if (!strncmp(qi->name, "hca_units", 9)) { /* the allocator's reading */
            *state_class = hist ? NULL : "total_increasing";
            *diagnostic = 0;
        }
        if (!strncmp(qi->name, "thermal_energy_m", 16)) /* a due-date value */
            *state_class = NULL;
        break;
    }
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
    heat_water_gas(qi, device_class, state_class, diagnostic);
}

char *mq_discovery_json(const struct mq_discovery_info *di, const char *discovery_prefix,
                        meter_quantity_t q, char **topic)
{
    const meter_quantity_info_t *qi = meter_quantity_info(q);
    const char *dc, *sc;
    int diag;
    classes(qi, &dc, &sc, &diag);
    if (asprintf(topic, "%s/sensor/%s_%s/%s/config", discovery_prefix, di->client_id, di->meter, qi->name) < 0) {
        *topic = NULL;
        return NULL;
    }
    char *id = NULL, *obj = NULL, *uid = NULL, *st = NULL, *tmpl = NULL;
    cJSON *o = cJSON_CreateObject(), *dev;
    if (!o || asprintf(&id, "%s_%s", di->client_id, di->meter) < 0 ||
        asprintf(&obj, "%s_%s", di->meter, qi->name) < 0 || asprintf(&uid, "%s_%s", id, qi->name) < 0 ||
        asprintf(&st, "%s/%s/state", di->prefix, di->meter) < 0 ||
        asprintf(&tmpl, "{{ value_json.%s }}", qi->name) < 0)
        goto fail;
    jo_add_text(o, "name", qi->description, JO_TEXT_UTF8);
    jo_add_text(o, "object_id", obj, JO_TEXT_UTF8);
    jo_add_text(o, "unique_id", uid, JO_TEXT_UTF8);
    jo_add_text(o, "state_topic", st, JO_TEXT_UTF8);
    jo_add_text(o, "value_template", tmpl, JO_TEXT_UTF8);
    if (*meter_unit_symbol(qi->unit) && qi->kind == METER_KIND_NUMBER)
        jo_add_text(o, "unit_of_measurement", meter_unit_symbol(qi->unit), JO_TEXT_UTF8);
    if (dc)
        cJSON_AddStringToObject(o, "device_class", dc);
    if (sc)
        cJSON_AddStringToObject(o, "state_class", sc);
    if (diag)
        cJSON_AddStringToObject(o, "entity_category", "diagnostic");
    jo_add_text(o, "availability_topic", di->availability_topic, JO_TEXT_UTF8);
    cJSON_AddStringToObject(o, "payload_available", "online");
    cJSON_AddStringToObject(o, "payload_not_available", "offline");
    if (!(dev = cJSON_AddObjectToObject(o, "device")))
        goto fail;
    cJSON *ids = cJSON_AddArrayToObject(dev, "identifiers");
    if (!ids || !cJSON_AddItemToArray(ids, jo_text_item(id, JO_TEXT_UTF8)))
        goto fail;
    jo_add_text(dev, "name", di->meter, JO_TEXT_UTF8);
    jo_add_text(dev, "model", di->model, JO_TEXT_UTF8);
    cJSON_AddStringToObject(dev, "manufacturer", "libmeter");
    jo_add_text(dev, "sw_version", meter_version_string(), JO_TEXT_UTF8);
    free(id);
    free(obj);
    free(uid);
    free(st);
    free(tmpl);
    char *buf = jo_take(o);
    if (!buf) {
        free(*topic);
        *topic = NULL;
    }
    return buf;
fail:
    cJSON_Delete(o);
    free(id);
    free(obj);
    free(uid);
    free(st);
    free(tmpl);
    free(*topic);
    *topic = NULL;
    return NULL;
}
