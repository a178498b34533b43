/* SPDX-License-Identifier: MIT */
/* The codecs' status: every codec returns one of the public status codes of
 * meter/error.h (the lowest layer, shared by all) and formats its detail into
 * the caller's buffer. Nothing here depends on the core. */
#ifndef MTR_PROTO_STATUS_H
#define MTR_PROTO_STATUS_H

#include <stddef.h>

#include "meter/error.h"

/** Format a message into buf (may be NULL) and return status. */
int mtr_perr(char *buf, size_t len, int status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif /* MTR_PROTO_STATUS_H */
