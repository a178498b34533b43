/* SPDX-License-Identifier: MIT */
/* Durations, ISO-8601 timestamps and interruptible waits for the example
 * programs (meter monitor, meter-mqtt, power-optimizer). */
#include "clock.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int clk_parse_duration(const char *s, long min_ms, long max_ms, long *out_ms)
{
    if (!s || !*s)
        return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || !isfinite(v) || v < 0)
        return -1;
    double scale;
    if (!strcmp(end, "ms"))
        scale = 1;
    else if (!strcmp(end, "s") || !*end)
        scale = 1000;
    else if (!strcmp(end, "m") || !strcmp(end, "min"))
        scale = 60000;
    else
        return -1;
    double ms = v * scale;
    if (ms < (double)min_ms || ms > (double)max_ms)
        return -1;
    *out_ms = lround(ms);
    return 0;
}

void clk_iso8601_now(char *buf, size_t len)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    char base[32];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, len, "%s.%03ldZ", base, ts.tv_nsec / 1000000);
}

int64_t clk_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void clk_sleep_until(int64_t deadline_ms, volatile sig_atomic_t *stop)
{
    for (;;) {
        if (stop && *stop)
            return;
        int64_t left = deadline_ms - clk_mono_ms();
        if (left <= 0)
            return;
        if (left > 100)
            left = 100;
        struct timespec ts = {(time_t)(left / 1000), (long)(left % 1000) * 1000000L};
        nanosleep(&ts, NULL); /* EINTR: look at the stop flag again */
    }
}
