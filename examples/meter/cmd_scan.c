/* SPDX-License-Identifier: MIT */
/* meter scan: find the meters on an M-Bus line by primary and/or secondary
 * address and print each one as it is found (a table, or JSON at the end). */
#include <getopt.h>
#include <string.h>

#include "cli.h"

struct out {
    enum cli_format fmt;
    int n;
    cJSON *meters; /* --json: the array being filled */
};

static int found(const meter_scan_result_t *r, void *ud)
{
    struct out *o = ud;
    int col = r->status == METER_ECOLLISION;
    if (o->fmt == CLI_JSON) {
        /* one object per meter, collected: printed with the closing bracket */
        cJSON *m = cJSON_CreateObject();
        if (m && cJSON_AddItemToArray(o->meters, m)) {
            if (r->primary >= 0)
                cJSON_AddNumberToObject(m, "primary", r->primary);
            else
                cJSON_AddNullToObject(m, "primary");
            jo_add_text(m, "secondary", r->secondary, JO_TEXT_LATIN1);
            jo_add_text(m, "id", r->id, JO_TEXT_LATIN1);
            jo_add_text(m, "manufacturer", r->manufacturer, JO_TEXT_LATIN1);
            cJSON_AddNumberToObject(m, "version", r->version);
            jo_add_text(m, "medium", r->medium_name ? r->medium_name : "", JO_TEXT_UTF8);
            jo_add_text(m, "model", r->model ? r->model : "", JO_TEXT_UTF8);
            cJSON_AddBoolToObject(m, "collision", col);
        } else {
            cJSON_Delete(m);
        }
    } else {
        char prim[12] = "-";
        if (r->primary >= 0)
            snprintf(prim, sizeof prim, "%d", r->primary);
        if (col && !r->id[0])
            printf("%-8s several meters answer at this address (collision)\n", prim);
        else
            printf("%-8s %-16s %-3s  v%-3d %-24s %s%s\n", prim, r->secondary, r->manufacturer,
                   r->version, r->medium_name ? r->medium_name : "", r->model ? r->model : "",
                   col ? "  (several meters share this address)" : "");
    }
    fflush(stdout);
    o->n++;
    return 0;
}

int cmd_scan(int argc, char **argv)
{
    static const struct option opts[] = {
        {"connection", required_argument, NULL, 'c'}, {"primary", no_argument, NULL, 'p'},
        {"secondary", no_argument, NULL, 's'},         {"hex-ids", no_argument, NULL, 'x'},
        {"json", no_argument, NULL, 'j'},               {NULL, 0, NULL, 0}};
    const char *conn = NULL;
    unsigned flags = 0;
    struct out o = {CLI_TABLE, 0, NULL};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:", opts, NULL)) != -1) {
        switch (c) {
        case 'c': conn = optarg; break;
        case 'p': flags |= METER_SCAN_PRIMARY; break;
        case 's': flags |= METER_SCAN_SECONDARY; break;
        case 'x': flags |= METER_SCAN_HEX_IDS; break;
        case 'j': o.fmt = CLI_JSON; break;
        default: return 2;
        }
    }
    if (!conn || optind != argc) {
        fprintf(stderr, "usage: meter scan -c mbus:DEVICE[?baud=2400&timeout=MS&retries=N] "
                        "[--primary] [--secondary] [--hex-ids] [--json]\n");
        return 2;
    }
    cJSON *root = NULL;
    if (o.fmt == CLI_JSON) {
        root = cJSON_CreateObject();
        jo_add_text(root, "connection", conn, JO_TEXT_UTF8);
        o.meters = cJSON_AddArrayToObject(root, "meters");
    } else
        printf("%-8s %-16s %-3s  %-4s %-24s %s\n", "PRIMARY", "SECONDARY", "MAN", "VER", "MEDIUM",
               "MODEL");
    fflush(stdout);
    char err[256];
    size_t n = 0;
    /* no baud= on a serial line: find the speed first and say it (a full primary pass
     * at 300 Bd takes minutes) */
    char probed[512];
    unsigned baud = 0;
    int rc = meter_scan_probe(conn, &baud, err, sizeof err);
    if (rc == METER_ENOTFOUND) {
        fprintf(stderr, "meter scan: %s; nothing to scan\n", err);
        if (o.fmt == CLI_JSON)
            jo_print(stdout, root);
        return 1;
    }
    if (rc == METER_OK && baud) {
        snprintf(probed, sizeof probed, "%s%sbaud=%u", conn, strchr(conn, '?') ? "&" : "?", baud);
        fprintf(stderr, "meter scan: meters answer at %u Bd; scanning at that speed (%s)\n", baud,
                probed);
        conn = probed;
    }
    rc = rc == METER_OK ? meter_scan(conn, flags, found, &o, &n, err, sizeof err) : rc;
    if (o.fmt == CLI_JSON)
        jo_print(stdout, root);
    if (rc != METER_OK) {
        fprintf(stderr, "meter scan: %s (%s)\n", err, meter_errname(rc));
        return rc == METER_EUNSUPPORTED || rc == METER_ECONNSTR || rc == METER_EOPTION ? 2 : 1;
    }
    if (o.fmt != CLI_JSON)
        fprintf(stderr, "meter scan: %zu found\n", n);
    return 0;
}
