/* SPDX-License-Identifier: MIT */
/* SML checksums: CRC-16/X.25 (the standard, transport and message CRC) and
 * CRC-16/KERMIT (Holley). Both use the reflected polynomial 0x8408; they differ
 * only in init and xorout, so one register step serves both. Bitwise, no table. */
#include "proto/sml.h"

uint16_t mtr_sml_crc_update(uint16_t reg, uint8_t b)
{
    reg ^= b;
    for (int k = 0; k < 8; k++)
        reg = (uint16_t)((reg & 1u) ? (reg >> 1) ^ 0x8408u : reg >> 1);
    return reg;
}

uint16_t mtr_sml_crc_x25(const uint8_t *p, size_t n)
{
    uint16_t reg = 0xFFFF;
    for (size_t i = 0; i < n; i++)
        reg = mtr_sml_crc_update(reg, p[i]);
    return (uint16_t)(reg ^ 0xFFFF);
}

uint16_t mtr_sml_crc_kermit(const uint8_t *p, size_t n)
{
    uint16_t reg = 0;
    for (size_t i = 0; i < n; i++)
        reg = mtr_sml_crc_update(reg, p[i]);
    return reg;
}
