/* SPDX-License-Identifier: MIT */
/* DSMR P1 (IEC 62056-21 mode D push, NL/BE): the telegram CRC. CRC-16/ARC over every
 * byte from '/' through '!' (CR LF included), sent as hex digits after '!' (DSMR 5.0.2
 * P1 Companion Standard §6.2). The data lines themselves go through iec62056_block.c. */
#include <string.h>

#include "proto/iec62056.h"
#include "proto/status.h"

uint16_t mtr_iec_crc16_arc(const uint8_t *p, size_t n)
{
    uint16_t crc = 0;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = (uint16_t)((crc & 1u) ? (crc >> 1) ^ 0xA001u : crc >> 1);
    }
    return crc;
}

static int hexval(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

int mtr_iec_dsmr_crc_check(const uint8_t *p, size_t n, uint16_t *crc, size_t *consumed,
                           char *err, size_t errlen)
{
    if (consumed)
        *consumed = 0;
    if (!p)
        return mtr_perr(err, errlen, METER_EINVAL, "dsmr: NULL telegram");
    const uint8_t *start = memchr(p, '/', n);
    if (!start)
        return mtr_perr(err, errlen, METER_EFRAME, "dsmr: no '/' starts a telegram");
    size_t from = (size_t)(start - p);
    const uint8_t *bang = memchr(start, '!', n - from);
    if (!bang)
        return mtr_perr(err, errlen, METER_EFRAME, "dsmr: no '!' ends the telegram");
    size_t end = (size_t)(bang - p) + 1; /* the CRC covers '!' */
    uint16_t calc = mtr_iec_crc16_arc(start, end - from);
    if (crc)
        *crc = calc;
    unsigned got = 0, digits = 0;
    int v;
    while (end + digits < n && digits < 4 && (v = hexval(p[end + digits])) >= 0) {
        got = (got << 4) | (unsigned)v;
        digits++;
    }
    if (consumed)
        *consumed = end + digits;
    if (!digits)
        return mtr_perr(err, errlen, METER_EUNSUPPORTED, "dsmr: no CRC after '!' (DSMR 2.2/3.0)");
    if (got != calc)
        return mtr_perr(err, errlen, METER_ECHECKSUM, "dsmr: CRC %04X, computed %04X", got, calc);
    return METER_OK;
}
