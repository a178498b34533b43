/* SPDX-License-Identifier: MIT */
/* One line per decision: an ISO-8601 timestamp, the phase currents, the
 * charger's current, the household load and the allowed current with its
 * reason; or the same as a JSON object (--json). */
#include "report.h"
#include "jsonout.h"

#include <math.h>

#include "clock.h"

/* to the mA; a value too large to scale stays as it is */
static double r3(double v)
{
    double r = round(v * 1000) / 1000;
    return isfinite(r) ? r : v;
}

static cJSON *json_array(const double *v, unsigned n)
{
    cJSON *a = cJSON_CreateArray();
    for (unsigned k = 0; a && k < n; k++)
        cJSON_AddItemToArray(a, jo_number_item(r3(v[k]))); /* null when not finite */
    return a;
}

static void add(cJSON *o, const char *key, cJSON *item)
{
    if (item && !cJSON_AddItemToObject(o, key, item))
        cJSON_Delete(item);
}

void opt_report(FILE *f, int json, const struct opt_poller *p, const struct opt_poll_result *r)
{
    char ts[40];
    clk_iso8601_now(ts, sizeof ts);
    unsigned n = p->nphases;
    int ok = r->read_status == METER_OK;
    if (json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "time", ts);
        cJSON_AddBoolToObject(o, "ok", ok);
        jo_add_number(o, "fuse", p->params.fuse_a);
        if (ok) {
            add(o, "phases", json_array(r->phase_a, n));
            add(o, "household", json_array(r->d.household_a, n));
            jo_add_number(o, "headroom", isfinite(r->d.headroom_a) ? r3(r->d.headroom_a) : r->d.headroom_a);
            if (jo_nonfinite(r->d.headroom_a)) /* no fuse: no limit */
                cJSON_AddStringToObject(o, "headroom_reason", jo_nonfinite(r->d.headroom_a));
        } else {
            cJSON_AddStringToObject(o, "error", meter_errname(r->read_status));
            jo_add_text(o, "message", r->error, JO_TEXT_UTF8);
        }
        add(o, "charger", json_array(r->charger_a, n));
        jo_add_number(o, "allowed", r->d.allowed_a);
        cJSON_AddStringToObject(o, "reason", opt_reason_name(r->d.reason));
        jo_print(f, o);
        return;
    }
    fprintf(f, "%s", ts);
    if (ok) {
        for (unsigned k = 0; k < n; k++)
            fprintf(f, " L%u %.1f", k + 1, r->phase_a[k]);
        double charger = 0;
        for (unsigned k = 0; k < n; k++)
            charger = fmax(charger, r->charger_a[k]);
        fprintf(f, " A | charger %.1f A | household", charger);
        for (unsigned k = 0; k < n; k++)
            fprintf(f, " %.1f", r->d.household_a[k]);
        fprintf(f, " A");
    } else {
        fprintf(f, " meter: %s (%s)", meter_errname(r->read_status), r->error);
    }
    if (p->params.fuse_a > 0)
        fprintf(f, " | fuse %g A", p->params.fuse_a);
    else
        fprintf(f, " | fuse off");
    fprintf(f, " | allowed %g A (%s)\n", r->d.allowed_a, opt_reason_name(r->d.reason));
}
