/* SPDX-License-Identifier: MIT */
/* Test support: hex text ("68 4B 4B 68 ...", spaces optional) into bytes. A
 * malformed literal fails the test. Include after <cmocka.h>. */
#ifndef METER_TEST_HEX_H
#define METER_TEST_HEX_H

#include <stdint.h>
#include <stdio.h>

static inline size_t unhex(const char *s, uint8_t *out, size_t cap)
{
    size_t n = 0;
    while (*s) {
        while (*s == ' ')
            s++;
        if (!*s)
            break;
        unsigned v;
        if (sscanf(s, "%2x", &v) != 1 || n >= cap)
            fail_msg("bad hex in test: %s", s);
        out[n++] = (uint8_t)v;
        s += 2;
    }
    return n;
}

#endif
