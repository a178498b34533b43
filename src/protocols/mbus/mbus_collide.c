/* SPDX-License-Identifier: MIT */
/* Evidence of several senders in a garbled M-Bus answer (docs/mbus.md, "Collisions in a
 * read"): a long frame whose header survived but whose end did not, followed by more
 * bytes, or seen byte for byte again on the retry. Pure: bytes in, a verdict out. */
#include <string.h>

#include "protocols/mbus/mbus_internal.h"

int mtr_mbus_spoiled_frame(const uint8_t *b, size_t n, size_t *at, size_t *after)
{
    for (size_t i = 0; i + 4 <= n; i++) {
        if (b[i] != MTR_MBUS_START_LONG || b[i + 1] != b[i + 2] || b[i + 3] != MTR_MBUS_START_LONG ||
            b[i + 1] < 3)
            continue;
        size_t len = (size_t)b[i + 1] + 6, end = i + len;
        if (end > n)
            continue; /* cut short: a truncation, not a spoiled end */
        if (b[end - 1] == MTR_MBUS_STOP && mtr_mbus_checksum(b + i + 4, len - 6) == b[end - 2])
            continue; /* a whole frame (the parser judged it) */
        if (at)
            *at = i;
        if (after)
            *after = n - end;
        return 1;
    }
    return 0;
}

int mtr_mbus_collided(const uint8_t *b, size_t n, const uint8_t *prev, size_t prev_n,
                      int *why)
{
    size_t at = 0, after = 0;
    if (!mtr_mbus_spoiled_frame(b, n, &at, &after))
        return 0;
    if (after) {
        *why = MTR_MBUS_COLLIDE_OVERRUN;
        return 1;
    }
    /* two answers of one length AND to a frame that keeps every byte they share: the
     * start bytes, L and the stop byte. A wrong stop byte is one sender's fault. */
    int stop_intact = b[at + b[at + 1] + 5] == MTR_MBUS_STOP;
    if (stop_intact && prev && prev_n == n && memcmp(prev, b, n) == 0) {
        *why = MTR_MBUS_COLLIDE_REPEAT;
        return 1;
    }
    return 0;
}
