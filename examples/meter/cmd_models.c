/* SPDX-License-Identifier: MIT */
/* meter models / meter quantities: list what the library knows. */
#include <getopt.h>
#include <string.h>

#include "cli.h"

int cmd_models(int argc, char **argv)
{
    (void)argv;
    if (argc > 1) {
        fprintf(stderr, "meter models: takes no arguments\n");
        return 2;
    }
    printf("%-16s %-12s %-9s %-14s %s\n", "MODEL", "ALIASES", "PROTOCOL", "DEFAULTS", "DESCRIPTION");
    for (size_t i = 0; i < meter_model_count(); i++) {
        const meter_model_info_t *mi = meter_model_info(i);
        printf("%-16s %-12s %-9s %-14s %s\n", mi->name, mi->aliases, mi->protocol, mi->defaults,
               mi->description);
    }
    return 0;
}

int cmd_quantities(int argc, char **argv)
{
    const char *model = NULL;
    int c;
    optind = 1;
    while ((c = getopt(argc, argv, "m:")) != -1) {
        if (c == 'm')
            model = optarg;
        else
            return 2;
    }
    int known = 0;
    for (size_t i = 0; model && i < meter_model_count(); i++)
        known |= strcmp(meter_model_info(i)->name, model) == 0;
    if (model && !known) {
        fprintf(stderr, "meter quantities: unknown model '%s' (see: meter models)\n", model);
        return 1;
    }
    printf("%-34s %-8s %-12s %s\n", "NAME", "UNIT", "OBIS", "DESCRIPTION");
    for (unsigned q = 0; q < meter_quantity_count(); q++) {
        const meter_quantity_info_t *qi = meter_quantity_info((meter_quantity_t)q);
        printf("%-34s %-8s %-12s %s\n", qi->name, meter_unit_symbol(qi->unit),
               qi->obis ? qi->obis : "-", qi->description);
    }
    return 0;
}
