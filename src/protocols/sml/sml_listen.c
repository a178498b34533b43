/* SPDX-License-Identifier: MIT */
/* The listening session on the IR head: no request, the meter pushes. Input that
 * was waiting is dropped, then bytes go through the codec's stream parser until a
 * telegram decodes with every CRC right, or the deadline passes, or meter_cancel(). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "protocols/sml/sml_internal.h"

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

unsigned mtr_sml_deadline_ms(unsigned interval_ms, unsigned baud)
{
    if (!baud)
        baud = 9600;
    unsigned long long wire = (unsigned long long)MTR_SML_FRAME_MAX * 10 * 1000 / baud + 1;
    return (unsigned)(2ull * interval_ms + wire);
}

int mtr_sml_listen(meter_t *m, struct mtr_sml_bus *sb)
{
    char err[200] = "", msg[400] = "";
    unsigned bad = 0;
    uint64_t rx0 = sb->link.bytes_received;
    long long deadline = now_ms() + m->timeout_ms;
    mtr_link_flush_input(&sb->link);
    mtr_sml_stream_init(&sb->stream, sb->codec_flags);
    sb->res.entries = sb->entries;
    sb->res.cap = MTR_SML_ENTRIES_MAX;
    uint8_t buf[256];
    size_t have = 0, pos = 0;
    int rc;
    m->stats.transactions++;
    for (;;) {
        if (pos == have) {
            long long left = deadline - now_ms();
            size_t got = 0;
            rc = left <= 0 ? METER_ETIMEDOUT
                           : mtr_link_read(&sb->link, buf, sizeof buf, (unsigned)left, &got, msg,
                                           sizeof msg);
            if (rc == METER_ETIMEDOUT && bad)
                snprintf(msg, sizeof msg, "no valid SML telegram within %u ms: %u refused, the "
                         "last: %s", m->timeout_ms, bad, err);
            else if (rc == METER_ETIMEDOUT)
                snprintf(msg, sizeof msg, "no SML telegram within %u ms (%llu bytes seen)",
                         m->timeout_ms, (unsigned long long)(sb->link.bytes_received - rx0));
            if (rc != METER_OK)
                break;
            have = got;
            pos = 0;
            continue;
        }
        size_t used = 0;
        mtr_sml_frame_t f;
        rc = mtr_sml_stream_feed(&sb->stream, buf + pos, have - pos, &used, &f, err, sizeof err);
        pos += used;
        if (rc == MTR_SML_FRAME) {
            rc = mtr_sml_decode_frame(&f, sb->codec_flags, &sb->res, err, sizeof err);
            if (rc == METER_OK) {
                mtr_log_hex(m, "sml telegram", f.data, f.len);
                break;
            }
            if (rc == METER_EBUFSIZE) { /* cannot happen (the array holds a whole frame's) */
                snprintf(msg, sizeof msg, "an SML telegram with %zu entries, more than the %d "
                         "kept (MTR_SML_ENTRIES_MAX)", sb->res.total, MTR_SML_ENTRIES_MAX);
                rc = METER_ELIMIT;
                break;
            }
        }
        if (rc < 0) {
            bad++;
            sb->frames_bad++;
            mtr_log(m, METER_LOG_DEBUG, "sml: telegram refused: %s", err);
        }
    }
    m->stats.bytes_received += sb->link.bytes_received - rx0;
    if (rc == METER_OK)
        return METER_OK;
    m->stats.errors++;
    return mtr_set_err(m, rc, "%s", msg[0] ? msg : meter_strerror(rc));
}
