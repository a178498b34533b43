/* SPDX-License-Identifier: MIT */
/* 7E1 produced in software for links that carry 8-bit bytes (TCP serial servers,
 * 8N1-only UARTs): add the even-parity bit when sending, check and strip it when
 * receiving. The transport decides when to use these; nothing here does I/O. */
#include "proto/iec62056.h"

/* 1 when the low 7 bits hold an odd number of ones. */
static unsigned odd7(uint8_t c)
{
    c &= 0x7F;
    c ^= (uint8_t)(c >> 4);
    c ^= (uint8_t)(c >> 2);
    c ^= (uint8_t)(c >> 1);
    return c & 1u;
}

uint8_t mtr_iec_7e1_encode_byte(uint8_t c)
{
    return (uint8_t)((c & 0x7F) | (odd7(c) << 7));
}

bool mtr_iec_7e1_ok(uint8_t b)
{
    return (unsigned)(b >> 7) == odd7(b);
}

void mtr_iec_7e1_encode(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = mtr_iec_7e1_encode_byte(p[i]);
}

size_t mtr_iec_7e1_decode(uint8_t *p, size_t n)
{
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        if (!mtr_iec_7e1_ok(p[i]))
            bad++;
        p[i] &= 0x7F;
    }
    return bad;
}
