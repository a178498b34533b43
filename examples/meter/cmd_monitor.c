/* SPDX-License-Identifier: MIT */
/* meter monitor: read a meter every --interval and print one line per
 * snapshot with an ISO-8601 timestamp (text, CSV or JSON lines), until
 * interrupted or --count snapshots. A failed read is a line that names the
 * error; monitoring goes on (a link that cannot be opened is retried). */
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "clock.h"
#include "models.h"

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

struct monitor {
    const char *model, *conn;
    enum cli_format fmt;
    meter_quantity_t *qs;
    size_t n;
    meter_reading_t *r;
    meter_t *m;
};

static int parse_list(const char *list, struct monitor *mon)
{
    char *copy = strdup(list);
    mon->qs = calloc(strlen(list) / 2 + 1, sizeof *mon->qs);
    if (!copy || !mon->qs) {
        free(copy);
        fprintf(stderr, "meter monitor: out of memory\n");
        return -1;
    }
    for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (meter_quantity_from_name(tok, &mon->qs[mon->n]) != METER_OK) {
            fprintf(stderr, "meter monitor: unknown quantity '%s' (see: meter quantities)\n", tok);
            free(copy);
            return -1;
        }
        mon->n++;
    }
    free(copy);
    if (!mon->n) {
        fprintf(stderr, "meter monitor: -q names no quantity\n");
        return -1;
    }
    return 0;
}

/* The quantities of a generic model's meter: what one snapshot gave (a water
 * meter's volume, not every quantity the generic driver might map). */
static int first_read_quantities(struct monitor *mon, char *err, size_t len)
{
    size_t cap = meter_quantities(mon->m, NULL, 0), n = 0;
    meter_reading_t *r = calloc(cap ? cap : 1, sizeof *r);
    mon->qs = calloc(cap ? cap : 1, sizeof *mon->qs);
    if (!r || !mon->qs) {
        free(r);
        snprintf(err, len, "out of memory");
        return METER_ENOMEM;
    }
    int rc = meter_snapshot(mon->m, r, cap, &n);
    mon->n = 0;
    for (size_t i = 0; rc == METER_OK && i < n; i++)
        if (r[i].status == METER_OK)
            mon->qs[mon->n++] = r[i].quantity;
    free(r);
    if (rc != METER_OK) {
        snprintf(err, len, "%s", meter_last_error(mon->m));
        free(mon->qs);
        mon->qs = NULL;
    }
    return rc;
}

/* the quantities: the -q list; for a generic model what its first read gave; else
 * everything the model has (known once the meter is open) */
static int choose_quantities(struct monitor *mon, char *err, size_t len)
{
    if (!mon->qs) {
        const meter_model_info_t *mi = meter_model_find(meter_model_name(mon->m));
        if (mi && mi->generic) {
            int rc = first_read_quantities(mon, err, len);
            if (rc != METER_OK)
                return rc;
        } else {
            mon->n = meter_quantities(mon->m, NULL, 0);
            mon->qs = calloc(mon->n ? mon->n : 1, sizeof *mon->qs);
            if (!mon->qs) {
                snprintf(err, len, "out of memory");
                return METER_ENOMEM;
            }
            meter_quantities(mon->m, mon->qs, mon->n);
        }
    }
    free(mon->r);
    mon->r = calloc(mon->n ? mon->n : 1, sizeof *mon->r);
    if (!mon->r) {
        snprintf(err, len, "out of memory");
        return METER_ENOMEM;
    }
    return METER_OK;
}

static void print_header(const struct monitor *mon)
{
    if (mon->fmt != CLI_CSV)
        return;
    printf("time");
    for (size_t i = 0; i < mon->n; i++)
        printf(",%s", meter_quantity_info(mon->qs[i])->name);
    printf(",status\n");
}

static void print_error(const struct monitor *mon, const char *ts, int rc, const char *msg)
{
    switch (mon->fmt) {
    case CLI_CSV:
        printf("%s", ts);
        for (size_t i = 0; i < mon->n; i++)
            printf(",");
        printf(",%s\n", meter_errname(rc));
        break;
    case CLI_JSON: {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "time", ts);
        cJSON_AddStringToObject(o, "error", meter_errname(rc));
        jo_add_text(o, "message", msg, JO_TEXT_UTF8);
        jo_print(stdout, o);
        break;
    }
    case CLI_TABLE: printf("%s error %s: %s\n", ts, meter_errname(rc), msg); break;
    }
}

static void print_line(const struct monitor *mon, const char *ts, int rc)
{
    const meter_reading_t *r = mon->r;
    enum jo_text enc = cli_text_encoding(meter_model_name(mon->m));
    char v[64];
    switch (mon->fmt) {
    case CLI_CSV:
        printf("%s", ts);
        for (size_t i = 0; i < mon->n; i++) {
            printf(",");
            if (cli_reading_problem(&r[i]))
                continue; /* empty; the status column says why */
            if (r[i].kind == METER_KIND_TEXT) {
                jo_csv_field(stdout, r[i].text, enc);
            } else {
                cli_number(v, sizeof v, r[i].value);
                printf("%s", v);
            }
        }
        printf(",%s\n", rc == METER_OK ? "ok" : meter_errname(rc));
        break;
    case CLI_JSON: {
        cJSON *o = cJSON_CreateObject(), *rd, *errs = NULL;
        cJSON_AddStringToObject(o, "time", ts);
        rd = cJSON_AddObjectToObject(o, "readings");
        for (size_t i = 0; rd && i < mon->n; i++) {
            const char *name = meter_quantity_info(r[i].quantity)->name, *why = cli_reading_problem(&r[i]);
            if (why) {
                cJSON_AddNullToObject(rd, name);
                if (!errs)
                    errs = cJSON_CreateObject();
                cJSON_AddStringToObject(errs, name, why);
            } else if (r[i].kind == METER_KIND_TEXT) {
                jo_add_text(rd, name, r[i].text, enc);
            } else {
                jo_add_number(rd, name, r[i].value);
            }
        }
        if (errs && !cJSON_AddItemToObject(o, "errors", errs))
            cJSON_Delete(errs);
        if (rc != METER_OK) {
            cJSON_AddStringToObject(o, "error", meter_errname(rc));
            jo_add_text(o, "message", meter_last_error(mon->m), JO_TEXT_UTF8);
        }
        jo_print(stdout, o);
        break;
    }
    case CLI_TABLE:
        printf("%s", ts);
        for (size_t i = 0; i < mon->n; i++) {
            printf(" %s=", meter_quantity_info(r[i].quantity)->name);
            if (r[i].status != METER_OK) {
                printf("%s", meter_errname(r[i].status));
            } else if (r[i].kind == METER_KIND_TEXT) {
                char *t = jo_utf8(r[i].text, enc);
                printf("%s", t ? t : "");
                free(t);
            } else {
                cli_number(v, sizeof v, r[i].value);
                printf("%s%s%s", v, *meter_unit_symbol(r[i].unit) ? " " : "", meter_unit_symbol(r[i].unit));
            }
        }
        if (rc != METER_OK)
            printf(" error %s: %s", meter_errname(rc), meter_last_error(mon->m));
        printf("\n");
        break;
    }
}

/* one snapshot: open the meter if it is not yet open, read, print; 0 if it read */
static int snapshot(struct monitor *mon, int *header_done)
{
    char ts[40], err[256];
    int rc;
    if (!mon->m) {
        rc = meter_open(&mon->m, mon->model, mon->conn, err, sizeof err);
        if (rc == METER_OK)
            rc = choose_quantities(mon, err, sizeof err);
        if (rc != METER_OK) {
            meter_close(mon->m);
            mon->m = NULL;
            clk_iso8601_now(ts, sizeof ts);
            print_error(mon, ts, rc, err);
            return -1;
        }
    }
    if (!*header_done) {
        print_header(mon);
        *header_done = 1;
    }
    rc = meter_read_list(mon->m, mon->qs, mon->n, mon->r);
    clk_iso8601_now(ts, sizeof ts);
    int any = 0;
    for (size_t i = 0; i < mon->n; i++)
        any |= mon->r[i].status == METER_OK;
    if (any)
        print_line(mon, ts, rc);
    else
        print_error(mon, ts, rc, meter_last_error(mon->m));
    return rc == METER_OK ? 0 : -1;
}

int cmd_monitor(int argc, char **argv)
{
    static const struct option opts[] = {
        {"model", required_argument, NULL, 'm'}, {"connection", required_argument, NULL, 'c'},
        {"quantities", required_argument, NULL, 'q'}, {"json", no_argument, NULL, 'j'},
        {"csv", no_argument, NULL, 'C'}, {"interval", required_argument, NULL, 'i'},
        {"count", required_argument, NULL, 'n'}, {NULL, 0, NULL, 0}};
    struct monitor mon;
    memset(&mon, 0, sizeof mon);
    mon.fmt = CLI_TABLE;
    const char *names = NULL;
    long interval_ms = 1000, count = 0;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "m:c:q:i:n:", opts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'm': mon.model = optarg; break;
        case 'c': mon.conn = optarg; break;
        case 'q': names = optarg; break;
        case 'j': mon.fmt = CLI_JSON; break;
        case 'C': mon.fmt = CLI_CSV; break;
        case 'i':
            if (clk_parse_duration(optarg, 10, 86400000, &interval_ms) < 0) {
                fprintf(stderr, "meter monitor: --interval takes 10ms to 24h (e.g. 1s, 250ms, 5m), not '%s'\n",
                        optarg);
                return 2;
            }
            break;
        case 'n':
            count = strtol(optarg, &end, 10);
            if (!*optarg || *end || count < 1) {
                fprintf(stderr, "meter monitor: --count takes a positive number, not '%s'\n", optarg);
                return 2;
            }
            break;
        default: return 2;
        }
    }
    if (!mon.model || !mon.conn || optind != argc) {
        fprintf(stderr, "usage: meter monitor -m MODEL -c CONNECTION [--interval 1s] [--csv|--json] "
                        "[--count N] [-q NAME,...]\n");
        return 2;
    }
    if (!mdl_find(mon.model)) { /* not a reason to retry for ever */
        fprintf(stderr, "meter monitor: unknown model '%s' (see: meter models)\n", mon.model);
        return TOOL_EXIT_USAGE;
    }
    if (names && parse_list(names, &mon) < 0) {
        free(mon.qs);
        return 2;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    setvbuf(stdout, NULL, _IOLBF, 0);

    long good = 0, done = 0;
    int header_done = 0;
    if (mon.qs) { /* -q: the columns are known before the meter answers */
        print_header(&mon);
        header_done = 1;
    }
    int64_t next = clk_mono_ms();
    while (!stop_flag && (!count || done < count)) {
        good += snapshot(&mon, &header_done) == 0;
        done++;
        if (count && done == count)
            break;
        next += interval_ms;
        if (next < clk_mono_ms()) /* a slow read: do not rush to catch up */
            next = clk_mono_ms();
        clk_sleep_until(next, &stop_flag);
    }
    meter_close(mon.m);
    free(mon.qs);
    free(mon.r);
    return done && !good ? 1 : 0;
}
