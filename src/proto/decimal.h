/* SPDX-License-Identifier: MIT */
/* Float to decimal, pure: the value a meter's float32 stands for, as the fewest
 * significant digits (6 to 9) that read back as the same float, shifted by a
 * power of ten. No I/O, no heap, no text. */
#ifndef MTR_PROTO_DECIMAL_H
#define MTR_PROTO_DECIMAL_H

/** The shortest decimal (6 to 9 significant digits) that reads back as f, times 10^exp10:
 *  bit for bit the double that snprintf("%.*e") until strtof gives f back, the exponent
 *  shifted in the text, then strtod, would give. NaN stays NaN (its sign kept, payload not). */
double mtr_decimal_from_float(float f, int exp10);

#endif /* MTR_PROTO_DECIMAL_H */
