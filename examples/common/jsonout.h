/* SPDX-License-Identifier: MIT */
/* Text output shared by the example programs: JSON string literals and
 * numbers as the shortest decimal that reads back exactly. */
#ifndef EXAMPLES_JSONOUT_H
#define EXAMPLES_JSONOUT_H

#include <stddef.h>
#include <stdio.h>

/** Print s as a JSON string literal, escaping quotes, backslashes and control characters. */
void jo_string(FILE *f, const char *s);
/** Format v as plain decimal with the fewest digits that read back as v (else %g form). */
void jo_number(char *buf, size_t len, double v);

#endif
