/* SPDX-License-Identifier: MIT */
/* The meter command: dispatches to its subcommands (models, read, sim). */
#include <stdio.h>
#include <string.h>

#include "meter/meter.h"

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
        printf("meter %s\n", meter_version_string());
        return 0;
    }
    fprintf(stderr, "usage: meter --version\n");
    return 2;
}
