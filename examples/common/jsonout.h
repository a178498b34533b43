/* SPDX-License-Identifier: MIT */
/* Output shared by the example programs: JSON through cJSON (Debian's
 * libcjson: prints 230.1 as 230.1 and never prints NaN), text from a meter
 * made valid UTF-8 before it reaches JSON, CSV or a terminal, and CSV fields
 * quoted per RFC 4180. The library (src/) knows nothing of this. */
#ifndef EXAMPLES_JSONOUT_H
#define EXAMPLES_JSONOUT_H

#include <stddef.h>
#include <stdio.h>

#include <cjson/cJSON.h>

/** How a meter's text is encoded. */
enum jo_text {
    JO_TEXT_UTF8,  /**< UTF-8 (ASCII): invalid bytes are written as the four characters \xNN */
    JO_TEXT_LATIN1 /**< ISO 8859-1 (M-Bus plain text, EN 13757-3): every byte is a code point */
};

/** @p s (NUL-terminated) as valid UTF-8 without control characters other than
 *  TAB: C0 controls, DEL and the C1 controls U+0080..U+009F become \xNN too (NN the
 *  code point, as ISO 8859-1 text gives it). @return malloc'd, or NULL when out of memory. */
char *jo_utf8(const char *s, enum jo_text enc);

/** NULL when @p v is a finite number, else why not: "NaN", "Infinity" or "-Infinity". */
const char *jo_nonfinite(double v);

/** Add @p s (as jo_utf8()) under @p key. @return the item, NULL when out of memory. */
cJSON *jo_add_text(cJSON *obj, const char *key, const char *s, enum jo_text enc);
/** Add a number, or null when it is not finite. The caller puts the reason
 *  (jo_nonfinite()) beside it. The digits are jo_number()'s: they read back as
 *  exactly @p v. @return the item, NULL when out of memory. */
cJSON *jo_add_number(cJSON *obj, const char *key, double v);
/** A number item as jo_add_number() writes it (null when not finite), for arrays. */
cJSON *jo_number_item(double v);
/** Add an unsigned integer exactly (all 64 bits, beyond a double's 2^53). */
cJSON *jo_add_uint(cJSON *obj, const char *key, unsigned long long v);
/** A string item made valid UTF-8 (for arrays). */
cJSON *jo_text_item(const char *s, enum jo_text enc);

/** Print @p root on one line and a newline, then free it. @return 0, -1 when out of memory
 *  (then "null" is printed, so a consumer still reads a JSON value per line). */
int jo_print(FILE *f, cJSON *root);
/** @p root as a malloc'd one-line string (no newline), then free it; NULL when out of memory. */
char *jo_take(cJSON *root);

/** Format @p v as the shortest plain decimal that reads back as @p v (for tables and CSV).
 *  NaN and infinities are written "NaN", "Infinity", "-Infinity". */
void jo_number(char *buf, size_t len, double v);

/** Write @p s as one CSV field (RFC 4180: quoted when it holds a comma, a quote, CR or LF;
 *  quotes doubled), made valid UTF-8 first. */
void jo_csv_field(FILE *f, const char *s, enum jo_text enc);

#endif
