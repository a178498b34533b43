/* SPDX-License-Identifier: MIT */
/* Version macros of the libmeter headers, and the version of the library
 * actually linked (which may be newer than the headers a program saw). */
#ifndef METER_VERSION_H
#define METER_VERSION_H

#include "meter/export.h"

#ifdef __cplusplus
extern "C" {
#endif

#define METER_VERSION_MAJOR 0
#define METER_VERSION_MINOR 3
#define METER_VERSION_PATCH 0
#define METER_VERSION_STRING "0.3.0"
/** One number, comparable: 0x00MMmmpp. */
#define METER_VERSION_HEX                                                          \
    ((METER_VERSION_MAJOR << 16) | (METER_VERSION_MINOR << 8) | METER_VERSION_PATCH)
/** True when the headers are at least version a.b.c. */
#define METER_VERSION_CHECK(a, b, c) (METER_VERSION_HEX >= (((a) << 16) | ((b) << 8) | (c)))

/** @brief The linked library's version as METER_VERSION_HEX. @since 0.1 */
METER_API unsigned meter_version(void);
/** @brief The linked library's version as "major.minor.patch". @since 0.1 */
METER_API const char *meter_version_string(void);

#ifdef __cplusplus
}
#endif
#endif /* METER_VERSION_H */
