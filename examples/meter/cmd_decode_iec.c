/* SPDX-License-Identifier: MIT */
/* meter decode iec FILE|-: print the identification and the data sets of a
 * captured IEC 62056-21 readout, values verbatim and in readout order; as
 * address<TAB>index<TAB>value<TAB>unit lines, or --json. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct entry {
    const char *address;
    size_t first, n; /* values [first, first + n) */
};

struct collected {
    meter_iec_value_t *v;
    char **strings;
    struct entry *e;
    size_t nv, ne, cap;
};

static char *dup_or_null(const char *s)
{
    return strdup(s ? s : "");
}

static int collect(void *ud, const meter_iec_value_t *v)
{
    struct collected *c = ud;
    if (c->nv == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        meter_iec_value_t *nv = realloc(c->v, cap * sizeof *nv);
        if (!nv)
            return METER_ENOMEM;
        c->v = nv;
        struct entry *ne = realloc(c->e, cap * sizeof *ne);
        if (!ne)
            return METER_ENOMEM;
        c->e = ne;
        c->cap = cap;
    }
    meter_iec_value_t *d = &c->v[c->nv];
    *d = *v;
    d->address = dup_or_null(v->address);
    d->value = dup_or_null(v->value);
    d->unit = dup_or_null(v->unit);
    if (!d->address || !d->value || !d->unit)
        return METER_ENOMEM;
    /* a new data set starts unless this continues the last one (a '&' part or "(...)") */
    if (c->ne && (v->sub > 0 || v->continuation))
        c->e[c->ne - 1].n++;
    else
        c->e[c->ne++] = (struct entry){d->address, c->nv, 1};
    c->nv++;
    return 0;
}

static void free_collected(struct collected *c)
{
    for (size_t i = 0; i < c->nv; i++) {
        free((char *)c->v[i].address);
        free((char *)c->v[i].value);
        free((char *)c->v[i].unit);
    }
    free(c->v);
    free(c->e);
}

static unsigned char *read_all(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 65536, n = 0;
    unsigned char *buf = malloc(cap);
    while (buf) {
        size_t k = fread(buf + n, 1, cap - n, f);
        n += k;
        if (k == 0)
            break;
        if (n == cap) {
            unsigned char *b = realloc(buf, cap * 2);
            if (!b) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = b;
            cap *= 2;
        }
    }
    if (f != stdin)
        fclose(f);
    *len = n;
    return buf;
}

static void print_json(const meter_iec_identification_t *id, const struct collected *c,
                       int verified, int have_ident)
{
    /* IEC 62056-21 is 7-bit ASCII: anything else is escaped by jo_utf8() */
    cJSON *root = cJSON_CreateObject();
    if (have_ident) {
        char bc[2] = {id->baud_char, 0}, mode[2] = {id->mode, 0};
        cJSON *o = cJSON_AddObjectToObject(root, "identification");
        if (o) {
            jo_add_text(o, "manufacturer", id->manufacturer, JO_TEXT_UTF8);
            jo_add_text(o, "baud_char", bc, JO_TEXT_UTF8);
            jo_add_text(o, "ident", id->ident, JO_TEXT_UTF8);
            jo_add_text(o, "mode", mode, JO_TEXT_UTF8);
            cJSON_AddNumberToObject(o, "baud", id->baud);
            cJSON_AddBoolToObject(o, "fast_reaction", id->fast_reaction);
            jo_add_text(o, "capabilities", id->caps, JO_TEXT_UTF8);
        }
    } else {
        cJSON_AddNullToObject(root, "identification");
    }
    cJSON_AddBoolToObject(root, "check_verified", verified);
    cJSON *data = cJSON_AddArrayToObject(root, "data");
    for (size_t i = 0; data && i < c->ne; i++) {
        const struct entry *e = &c->e[i];
        cJSON *o = cJSON_CreateObject();
        if (!o || !cJSON_AddItemToArray(data, o)) {
            cJSON_Delete(o);
            break;
        }
        jo_add_text(o, "address", e->address, JO_TEXT_UTF8);
        cJSON *vals = cJSON_AddArrayToObject(o, "values");
        for (size_t j = 0; vals && j < e->n; j++) {
            const meter_iec_value_t *v = &c->v[e->first + j];
            cJSON *vo = cJSON_CreateObject();
            if (!vo || !cJSON_AddItemToArray(vals, vo)) {
                cJSON_Delete(vo);
                break;
            }
            jo_add_text(vo, "value", v->value, JO_TEXT_UTF8);
            jo_add_text(vo, "unit", v->unit, JO_TEXT_UTF8);
            if (v->nsub > 1)
                cJSON_AddNumberToObject(vo, "sub", v->sub);
        }
    }
    jo_print(stdout, root);
}

static void print_table(const meter_iec_identification_t *id, const struct collected *c,
                        int have_ident)
{
    if (have_ident) {
        printf("# ident\t/%s%c", id->manufacturer, id->baud_char);
        for (const char *p = id->caps; *p; p++)
            printf("\\%c", *p);
        printf("%s\t(mode %c, %u Bd%s)\n", id->ident, id->mode, id->baud,
               id->fast_reaction ? ", 20 ms reaction" : "");
    }
    printf("# address\tvalue_index\tvalue\tunit\n");
    for (size_t i = 0; i < c->nv; i++) {
        const meter_iec_value_t *v = &c->v[i];
        if (v->nsub > 1)
            printf("%s\t%u.%u\t%s\t%s\n", v->address, v->index, v->sub, v->value, v->unit);
        else
            printf("%s\t%u\t%s\t%s\n", v->address, v->index, v->value, v->unit);
    }
}

int cmd_decode_iec(int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
                                         {"bcc", required_argument, NULL, 'b'},
                                         {NULL, 0, NULL, 0}};
    int json = 0, c;
    meter_iec_check_t check = METER_IEC_CHECK_ANY;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'j': json = 1; break;
        case 'b':
            if (!strcmp(optarg, "xor")) check = METER_IEC_CHECK_XOR;
            else if (!strcmp(optarg, "sum7")) check = METER_IEC_CHECK_SUM7;
            else if (!strcmp(optarg, "none")) check = METER_IEC_CHECK_NONE;
            else if (!strcmp(optarg, "any")) check = METER_IEC_CHECK_ANY;
            else {
                fprintf(stderr, "meter decode iec: --bcc takes xor, sum7, none or any\n");
                return 2;
            }
            break;
        default: return 2;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "usage: meter decode iec FILE|- [--json] [--bcc xor|sum7|none|any]\n");
        return 2;
    }
    size_t len = 0;
    unsigned char *buf = read_all(argv[optind], &len);
    if (!buf) {
        fprintf(stderr, "meter decode iec: cannot read '%s'\n", argv[optind]);
        return TOOL_EXIT_USAGE;
    }
    struct collected col;
    memset(&col, 0, sizeof col);
    meter_iec_identification_t id;
    char err[256] = "";
    int verified = 0;
    int rc = meter_iec_decode(buf, len, check, &id, collect, &col, &verified, err, sizeof err);
    free(buf);
    if (rc == METER_OK && col.ne == 0) { /* text or noise: not a readout, whatever parsed */
        rc = METER_EFRAME;
        snprintf(err, sizeof err, "not an IEC 62056-21 readout: no data set (ADDRESS(VALUE)) in "
                 "%zu bytes", len);
    }
    if (rc == METER_OK) {
        int have_ident = id.manufacturer[0] != '\0';
        if (json)
            print_json(&id, &col, verified, have_ident);
        else
            print_table(&id, &col, have_ident);
    } else {
        fprintf(stderr, "meter decode iec: %s (%s)\n", err, meter_errname(rc));
    }
    free_collected(&col);
    return rc == METER_OK ? 0 : TOOL_EXIT_DECODE;
}
