/* SPDX-License-Identifier: MIT */
/* Status code names and messages, generated from METER_ERRNO_MAP; and the
 * per-handle detail message helper used by every layer. */
#include <stdarg.h>
#include <stdio.h>

#include "core/internal.h"

const char *meter_strerror(int status)
{
    switch (status) {
#define MTR_MSG_(name, value, msg) \
    case (value):                  \
        return msg;
        METER_ERRNO_MAP(MTR_MSG_)
#undef MTR_MSG_
    default:
        return "unknown status";
    }
}

const char *meter_errname(int status)
{
    switch (status) {
#define MTR_NAME_(name, value, msg) \
    case (value):                   \
        return "METER_" #name;
        METER_ERRNO_MAP(MTR_NAME_)
#undef MTR_NAME_
    default:
        return "METER_UNKNOWN";
    }
}

int mtr_err(char *buf, size_t len, int status, const char *fmt, ...)
{
    if (buf && len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf, len, fmt, ap);
        va_end(ap);
    }
    return status;
}
