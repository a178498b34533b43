/* SPDX-License-Identifier: MIT */
/* Decimals as doubles, pure: the value a meter's float32 stands for, as the fewest
 * significant digits (6 to 9) that read back as the same float, shifted by a
 * power of ten; and an integer times a power of ten, rounded once. No I/O, no heap. */
#ifndef MTR_PROTO_DECIMAL_H
#define MTR_PROTO_DECIMAL_H

#include <stdint.h>

/** The shortest decimal (6 to 9 significant digits) that reads back as f, times 10^exp10:
 *  bit for bit the double that snprintf("%.*e") until strtof gives f back, the exponent
 *  shifted in the text, then strtod, would give. NaN stays NaN (its sign kept, payload not). */
double mtr_decimal_from_float(float f, int exp10);

/** (negative ? -m : m) · 10^exp10 as the nearest double, rounded once (as strtod reads the
 *  decimal): exact arithmetic where m < 2^53 and |exp10| <= 22, the decimal's text read by
 *  strtod beyond (a meter's 64-bit counter, a far scaler: rare). */
double mtr_decimal_scale(uint64_t m, int negative, int exp10);

#endif /* MTR_PROTO_DECIMAL_H */
