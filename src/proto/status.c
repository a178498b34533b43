/* SPDX-License-Identifier: MIT */
/* The codecs' one error helper: format the detail, hand back the status. */
#include <stdarg.h>
#include <stdio.h>

#include "proto/status.h"

int mtr_perr(char *buf, size_t len, int status, const char *fmt, ...)
{
    if (buf && len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf, len, fmt, ap);
        va_end(ap);
    }
    return status;
}
