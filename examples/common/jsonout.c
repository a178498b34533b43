/* SPDX-License-Identifier: MIT */
/* JSON string literals and shortest exact decimals for the example programs. */
#include "jsonout.h"

#include <math.h>
#include <stdlib.h>

void jo_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

void jo_number(char *buf, size_t len, double v)
{
    /* plain decimal, with the fewest decimals that read back as v */
    if (fabs(v) < 1e15 && (v == 0 || fabs(v) >= 1e-6)) {
        for (int d = 0; d <= 12; d++) {
            snprintf(buf, len, "%.*f", d, v);
            if (strtod(buf, NULL) == v)
                return;
        }
    }
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, len, "%.*g", p, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}
