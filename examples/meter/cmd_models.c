/* SPDX-License-Identifier: MIT */
/* meter models / meter quantities: list what the library knows. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "models.h"

int cmd_models(int argc, char **argv)
{
    (void)argv;
    if (argc > 1) {
        fprintf(stderr, "meter models: takes no arguments\n");
        return TOOL_EXIT_USAGE;
    }
    /* columns as wide as their widest entry */
    int w[4] = {5, 7, 8, 8};
    for (size_t i = 0; i < meter_model_count(); i++) {
        const meter_model_info_t *mi = meter_model_info(i);
        const char *c[4] = {mi->name, mi->aliases, mi->protocol, mi->defaults};
        for (int k = 0; k < 4; k++)
            if ((int)strlen(c[k] ? c[k] : "") > w[k])
                w[k] = (int)strlen(c[k]);
    }
    printf("%-*s  %-*s  %-*s  %-*s  %s\n", w[0], "MODEL", w[1], "ALIASES", w[2], "PROTOCOL", w[3], "DEFAULTS",
           "DESCRIPTION");
    for (size_t i = 0; i < meter_model_count(); i++) {
        const meter_model_info_t *mi = meter_model_info(i);
        printf("%-*s  %-*s  %-*s  %-*s  %s\n", w[0], mi->name, w[1], mi->aliases && *mi->aliases ? mi->aliases : "-",
               w[2], mi->protocol, w[3], mi->defaults, mi->description);
    }
    return 0;
}

int cmd_quantities(int argc, char **argv)
{
    static const struct option opts[] = {{"model", required_argument, NULL, 'm'}, {NULL, 0, NULL, 0}};
    const char *model = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "m:", opts, NULL)) != -1) {
        if (c == 'm')
            model = optarg;
        else
            return TOOL_EXIT_USAGE;
    }
    if (optind != argc) {
        fprintf(stderr, "usage: meter quantities [-m MODEL]\n");
        return TOOL_EXIT_USAGE;
    }
    meter_quantity_t *qs = NULL;
    size_t n = meter_quantity_count();
    if (model) {
        char err[256];
        if (!mdl_find(model)) {
            fprintf(stderr, "meter quantities: unknown model '%s' (see: meter models)\n", model);
            return TOOL_EXIT_USAGE;
        }
        if (mdl_quantities(model, &qs, &n, err, sizeof err) < 0) {
            fprintf(stderr, "meter quantities: %s\n", err);
            return TOOL_EXIT_FAILED;
        }
    }
    printf("%-34s %-8s %-12s %s\n", "NAME", "UNIT", "OBIS", "DESCRIPTION");
    for (size_t i = 0; i < n; i++) {
        const meter_quantity_info_t *qi = meter_quantity_info(qs ? qs[i] : (meter_quantity_t)i);
        printf("%-34s %-8s %-12s %s\n", qi->name, meter_unit_symbol(qi->unit),
               qi->obis ? qi->obis : "-", qi->description);
    }
    free(qs);
    return 0;
}
