/* SPDX-License-Identifier: MIT */
/* The simulator's line clock (METER_SIM_PACE_BAUD): when a request ends on the
 * wire, when the reply may start, and writing a reply so that no character
 * arrives before a real line would have carried it (absolute deadlines on the
 * monotonic clock, so the error does not add up). No protocol knowledge here. */
#include <errno.h>
#include <poll.h>
#include <time.h>

#include "sim/sim_internal.h"

int64_t mtr_sim_now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

int64_t mtr_sim_chars_ns(size_t n, unsigned baud, unsigned bits)
{
    /* rounded up: never a nanosecond early */
    return baud ? (int64_t)(((uint64_t)n * bits * 1000000000u + baud - 1) / baud) : 0;
}

int mtr_sim_wait_until(struct meter_sim *s, int64_t t)
{
    for (;;) {
        if (s->stopping)
            return -1;
        int64_t left = t - mtr_sim_now_ns();
        if (left <= 0)
            return 0;
        if (left > 3000000) { /* long waits: watch the stop pipe, wake 1 ms early */
            struct pollfd p = {s->stop_pipe[0], POLLIN, 0};
            if (poll(&p, 1, (int)((left - 1000000) / 1000000)) > 0)
                return -1;
            continue;
        }
        struct timespec ts = {(time_t)(t / 1000000000), (long)(t % 1000000000)};
        int rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
        if (rc != 0 && rc != EINTR)
            return 0;
    }
}

void mtr_sim_heard(struct meter_sim *s)
{
    s->heard_ns = mtr_sim_now_ns();
}

int64_t mtr_sim_reply_at(const struct meter_sim *s, size_t req_chars, const struct mtr_sim_line *l)
{
    /* the request went onto the line when we first saw it, or when the line was free again */
    int64_t start = s->heard_ns > s->free_ns ? s->heard_ns : s->free_ns;
    req_chars = req_chars > l->overhead ? req_chars - l->overhead : req_chars;
    return start + mtr_sim_chars_ns(req_chars, l->baud, l->bits) + l->gap_ns;
}

int mtr_sim_paced_write(struct meter_sim *s, const struct mtr_sim_line *l, int64_t *t,
                        const uint8_t *p, size_t n, mtr_sim_out_fn out, void *arg)
{
    int64_t t0 = *t;
    if (l->whole) { /* a gateway: the frame leaves in one piece once its last character is in */
        *t = t0 + mtr_sim_chars_ns(n > l->overhead ? n - l->overhead : n, l->baud, l->bits);
        if (mtr_sim_wait_until(s, *t) < 0)
            return -1;
        return out(arg, p, n);
    }
    *t = t0 + mtr_sim_chars_ns(n, l->baud, l->bits);
    size_t i = 0;
    while (i < n) {
        /* character i has arrived at t0 + (i + 1) character times */
        if (mtr_sim_wait_until(s, t0 + mtr_sim_chars_ns(i + 1, l->baud, l->bits)) < 0)
            return -1;
        int64_t now = mtr_sim_now_ns();
        size_t k = i + 1; /* and every later one whose time has come too */
        while (k < n && t0 + mtr_sim_chars_ns(k + 1, l->baud, l->bits) <= now)
            k++;
        if (out(arg, p + i, k - i) < 0)
            return -1;
        i = k;
    }
    return 0;
}

void mtr_sim_line_done(struct meter_sim *s, const struct mtr_sim_line *l, int64_t t)
{
    s->free_ns = t + l->after_ns;
}
