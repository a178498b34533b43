/* SPDX-License-Identifier: MIT */
/* meter read: open a meter, read all its quantities (a generic model: the
 * ones the meter sends), the ones named with -q, or its records (--records),
 * and print them. Errors go to stderr; the exit status is 1
 * when any reading failed, 2 for bad usage. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void log_stderr(meter_log_level_t level, const char *msg, void *ud)
{
    (void)ud;
    static const char *names[] = {"error", "warn", "info", "debug"};
    fprintf(stderr, "meter: %s: %s\n", names[level], msg);
}

static int parse_names(const char *list, meter_quantity_t **out, size_t *n)
{
    size_t cap = 1;
    for (const char *p = list; *p; p++)
        cap += *p == ',';
    meter_quantity_t *qs = calloc(cap, sizeof *qs);
    char *copy = strdup(list);
    if (!qs || !copy) {
        free(qs);
        free(copy);
        fprintf(stderr, "meter read: out of memory\n");
        return -1;
    }
    size_t k = 0;
    for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (meter_quantity_from_name(tok, &qs[k]) != METER_OK) {
            fprintf(stderr, "meter read: unknown quantity '%s' (see: meter quantities)\n", tok);
            free(qs);
            free(copy);
            return -1;
        }
        k++;
    }
    free(copy);
    if (k == 0) {
        fprintf(stderr, "meter read: -q names no quantity\n");
        free(qs);
        return -1;
    }
    *out = qs;
    *n = k;
    return 0;
}

static int read_records(meter_t *m, enum cli_format fmt, const char *conn)
{
    size_t cap = 256, n = 0;
    meter_record_t *r = NULL;
    int rc;
    for (;;) {
        meter_record_t *bigger = realloc(r, cap * sizeof *r);
        if (!bigger) {
            free(r);
            meter_close(m);
            return 1;
        }
        r = bigger;
        rc = meter_read_records(m, r, cap, &n);
        if (rc != METER_EBUFSIZE || n <= cap)
            break;
        cap = n;
    }
    if (rc == METER_OK)
        cli_print_records(stdout, fmt, meter_model_name(m), conn, r, n);
    else
        fprintf(stderr, "meter read: %s (%s)\n", meter_last_error(m), meter_errname(rc));
    free(r);
    meter_close(m);
    return rc == METER_OK ? 0 : 1;
}

static int read_snapshot(meter_t *m, enum cli_format fmt, const char *conn)
{
    size_t cap = meter_quantities(m, NULL, 0), n = 0;
    meter_reading_t *r = calloc(cap ? cap : 1, sizeof *r);
    if (!r) {
        meter_close(m);
        return 1;
    }
    int rc = meter_snapshot(m, r, cap, &n);
    /* readings that failed alone (a value refused, a group the meter would not give) are
     * printed with their own status beside the others; a failed exchange gives none */
    if (n > 0)
        cli_print_readings(stdout, fmt, meter_model_name(m), conn, r, n);
    if (rc != METER_OK)
        fprintf(stderr, "meter read: %s (%s)\n", meter_last_error(m), meter_errname(rc));
    free(r);
    meter_close(m);
    return rc == METER_OK ? 0 : 1;
}

int cmd_read(int argc, char **argv)
{
    static const struct option opts[] = {
        {"model", required_argument, NULL, 'm'}, {"connection", required_argument, NULL, 'c'},
        {"quantities", required_argument, NULL, 'q'}, {"json", no_argument, NULL, 'j'},
        {"csv", no_argument, NULL, 'C'}, {"verbose", no_argument, NULL, 'v'},
        {"records", no_argument, NULL, 'r'},
        {NULL, 0, NULL, 0}};
    const char *model = NULL, *conn = NULL, *names = NULL;
    enum cli_format fmt = CLI_TABLE;
    int verbose = 0, records = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "m:c:q:v", opts, NULL)) != -1) {
        switch (c) {
        case 'm': model = optarg; break;
        case 'c': conn = optarg; break;
        case 'q': names = optarg; break;
        case 'j': fmt = CLI_JSON; break;
        case 'C': fmt = CLI_CSV; break;
        case 'v': verbose = 1; break;
        case 'r': records = 1; break;
        default: return 2;
        }
    }
    if (!model || !conn || optind != argc || (records && names)) {
        fprintf(stderr, "usage: meter read -m MODEL -c CONNECTION [-q NAME,... | --records] "
                        "[--json|--csv] [-v]\n");
        return 2;
    }
    meter_quantity_t *qs = NULL;
    size_t n = 0;
    if (names && parse_names(names, &qs, &n) < 0)
        return 2;
    char err[256];
    meter_t *m;
    int rc = meter_open(&m, model, conn, err, sizeof err);
    if (rc != METER_OK) {
        fprintf(stderr, "meter read: %s (%s)\n", err, meter_errname(rc));
        free(qs);
        return cli_open_exit(rc);
    }
    if (verbose)
        meter_set_log(m, log_stderr, NULL);
    int generic = 0;
    for (size_t i = 0; i < meter_model_count(); i++)
        if (!strcmp(meter_model_info(i)->name, meter_model_name(m)) && meter_model_info(i)->generic)
            generic = 1;
    if (records) {
        free(qs);
        return read_records(m, fmt, conn);
    }
    if (!qs && generic) /* a generic driver: the quantities this meter sends, nothing else */
        return read_snapshot(m, fmt, conn);
    if (!qs) {
        n = meter_quantities(m, NULL, 0);
        qs = calloc(n ? n : 1, sizeof *qs);
        if (!qs) {
            meter_close(m);
            return 1;
        }
        meter_quantities(m, qs, n);
    }
    meter_reading_t *r = calloc(n, sizeof *r);
    if (!r) {
        free(qs);
        meter_close(m);
        return 1;
    }
    rc = meter_read_list(m, qs, n, r);
    cli_print_readings(stdout, fmt, meter_model_name(m), conn, r, n);
    if (rc != METER_OK)
        fprintf(stderr, "meter read: %s (%s)\n", meter_last_error(m), meter_errname(rc));
    free(r);
    free(qs);
    meter_close(m);
    return rc == METER_OK ? 0 : 1;
}
