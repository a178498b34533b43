/* SPDX-License-Identifier: MIT */
/* Time helpers shared by the example programs: durations like "1s" or
 * "500ms", ISO-8601 timestamps, and an interruptible wait for the next
 * polling deadline. No libmeter calls here. */
#ifndef EXAMPLES_CLOCK_H
#define EXAMPLES_CLOCK_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

/** Parse "250ms", "2s", "1.5s", "1m" or a bare number of seconds into ms within
 *  [min_ms, max_ms]. @return 0, or -1 if malformed or out of range. */
int clk_parse_duration(const char *s, long min_ms, long max_ms, long *out_ms);

/** Now as "2024-05-01T12:00:00.123Z" (UTC, milliseconds). */
void clk_iso8601_now(char *buf, size_t len);

/** Monotonic clock in milliseconds. */
int64_t clk_mono_ms(void);

/** Sleep until the monotonic time @p deadline_ms, or until *stop becomes
 *  non-zero (checked at least every 100 ms and after every signal). */
void clk_sleep_until(int64_t deadline_ms, volatile sig_atomic_t *stop);

#endif /* EXAMPLES_CLOCK_H */
