/* SPDX-License-Identifier: MIT */
/* meter decode FORMAT FILE|-: decode captured bytes of a protocol, dispatched on
 * the format word (iec: an IEC 62056-21 readout). */
#include <string.h>

#include "cli.h"

int cmd_decode(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: meter decode iec FILE|- [--json] [--bcc xor|sum7|none|any]\n");
        return 2;
    }
    if (strcmp(argv[1], "iec") == 0)
        return cmd_decode_iec(argc - 1, argv + 1);
    fprintf(stderr, "meter decode: unknown format '%s' (known: iec)\n", argv[1]);
    return 2;
}
