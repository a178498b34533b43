/* SPDX-License-Identifier: MIT */
/* Modbus value codec, pure: CRC-16 and RTU framing, IEEE-754 floats in either
 * word order, and the register encodings the meters use (integers, HEX-digit
 * numbers and text, ASCII, baud codes, coils). No I/O, no heap, nothing from
 * the core: a field is described by its address, width, type and scale. */
#ifndef MTR_PROTO_MODBUS_H
#define MTR_PROTO_MODBUS_H

#include <stddef.h>
#include <stdint.h>

#include "meter/error.h"

/** How a field's registers hold its value. */
enum mtr_regtype {
    MTR_T_FLOAT = 1, /* IEEE-754 single, two registers, in the map's word order */
    MTR_T_S16,       /* one register, two's complement */
    MTR_T_U16,       /* one register, unsigned */
    MTR_T_HEXTEXT,   /* registers' hex digits as text ("13070001") */
    MTR_T_HEXNUM,    /* registers' hex digits read as a decimal number (0x0025 = 25) */
    MTR_T_ASCII,     /* character codes, high byte first, NULs skipped */
    MTR_T_BAUDCODE,  /* KPM31: 1=1200, 2=2400, 3=4800, 4=9600 */
    MTR_T_COIL       /* one coil (FC01), 0 or 1 */
};

/** Word order of two-register values. */
enum { MTR_WORDS_ABCD = 0, MTR_WORDS_CDAB = 1 };

/** One field on the wire. */
struct mtr_mb_field {
    uint16_t addr; /* PDU address (for messages) */
    uint8_t words; /* registers (or 1 for a coil) */
    uint8_t type;  /* enum mtr_regtype */
    int8_t exp10;  /* value = raw · 10^exp10 */
};

#define MTR_MB_TEXT_MAX 40 /* = METER_TEXT_MAX, checked where a reading is filled */

/** A decoded field: a number, or text for the text types. */
struct mtr_mb_value {
    double value;
    int is_text;
    char text[MTR_MB_TEXT_MAX];
};

uint16_t mtr_mb_crc16(const uint8_t *p, size_t n);
float mtr_mb_get_float(const uint16_t *w, int word_order);
void mtr_mb_put_float(float f, uint16_t *w, int word_order);
/** Decode a field from its words (or coil bit in words[0]). METER_EVALUE names a bad value. */
int mtr_mb_decode(const struct mtr_mb_field *f, const uint16_t *words, int word_order,
                  struct mtr_mb_value *out, char *err, size_t len);
/** Encode a value or text into a field's words (simulator, writes). */
int mtr_mb_encode(const struct mtr_mb_field *f, double value, const char *text, int word_order,
                  uint16_t *words);
/** Build an RTU frame: id, pdu bytes, CRC (low byte first). Returns its length or 0. */
size_t mtr_mb_rtu_frame(uint8_t *buf, size_t cap, uint8_t id, const uint8_t *pdu, size_t n);

#endif /* MTR_PROTO_MODBUS_H */
