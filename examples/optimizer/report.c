/* SPDX-License-Identifier: MIT */
/* One line per decision: an ISO-8601 timestamp, the phase currents, the
 * charger's current, the household load and the allowed current with its
 * reason; or the same as a JSON object (--json). */
#include "report.h"
#include "jsonout.h"

#include <math.h>

#include "clock.h"

static double r3(double v)
{
    return round(v * 1000) / 1000;
}

static void json_array(FILE *f, const double *v, unsigned n)
{
    fputc('[', f);
    for (unsigned k = 0; k < n; k++)
        fprintf(f, "%s%.10g", k ? ", " : "", r3(v[k]));
    fputc(']', f);
}

void opt_report(FILE *f, int json, const struct opt_poller *p, const struct opt_poll_result *r)
{
    char ts[40];
    clk_iso8601_now(ts, sizeof ts);
    unsigned n = p->nphases;
    int ok = r->read_status == METER_OK;
    if (json) {
        fprintf(f, "{\"time\": \"%s\", \"ok\": %s, \"fuse\": %g", ts, ok ? "true" : "false", p->params.fuse_a);
        if (ok) {
            fprintf(f, ", \"phases\": ");
            json_array(f, r->phase_a, n);
            fprintf(f, ", \"household\": ");
            json_array(f, r->d.household_a, n);
            fprintf(f, ", \"headroom\": ");
            if (isfinite(r->d.headroom_a))
                fprintf(f, "%.10g", r3(r->d.headroom_a));
            else
                fprintf(f, "null");
        } else {
            fprintf(f, ", \"error\": \"%s\", \"message\": ", meter_errname(r->read_status));
            jo_string(f, r->error);
        }
        fprintf(f, ", \"charger\": ");
        json_array(f, r->charger_a, n);
        fprintf(f, ", \"allowed\": %g, \"reason\": \"%s\"}\n", r->d.allowed_a, opt_reason_name(r->d.reason));
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
