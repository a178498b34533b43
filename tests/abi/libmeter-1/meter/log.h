/* SPDX-License-Identifier: MIT */
/* Optional tracing: the library never prints; it hands log lines to a
 * callback the caller sets (silent by default). */
#ifndef METER_LOG_H
#define METER_LOG_H

#include "meter/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Log levels, most severe first. @since 0.1 */
typedef enum meter_log_level {
    METER_LOG_ERROR = 0,
    METER_LOG_WARN = 1,
    METER_LOG_INFO = 2,
    METER_LOG_DEBUG = 3 /**< every frame sent and received, in hex */
} meter_log_level_t;

/** A log callback: @p msg is one line without a newline, valid during the call. @since 0.1 */
typedef void (*meter_log_fn)(meter_log_level_t level, const char *msg, void *userdata);

#ifdef __cplusplus
}
#endif
#endif /* METER_LOG_H */
