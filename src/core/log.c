/* SPDX-License-Identifier: MIT */
/* Logging to the caller's callback (the handle's, else its bus's), and the
 * per-handle detailed error message. Nothing is ever printed. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/internal.h"

static meter_log_fn log_target(const meter_t *m, void **ud)
{
    if (m->log) {
        *ud = m->log_ud;
        return m->log;
    }
    if (!m->bus)
        return NULL;
    pthread_mutex_lock(&m->bus->log_lock);
    meter_log_fn fn = m->bus->log;
    *ud = m->bus->log_ud;
    pthread_mutex_unlock(&m->bus->log_lock);
    return fn;
}

void mtr_log(const meter_t *m, meter_log_level_t level, const char *fmt, ...)
{
    void *ud;
    meter_log_fn fn = log_target(m, &ud);
    if (!fn)
        return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fn(level, line, ud);
}

void mtr_log_hex(const meter_t *m, const char *what, const uint8_t *p, size_t n)
{
    void *ud;
    meter_log_fn fn = log_target(m, &ud);
    if (!fn)
        return;
    char line[512];
    int k = snprintf(line, sizeof line, "%s", what);
    for (size_t i = 0; i < n && k > 0 && (size_t)k + 4 < sizeof line; i++)
        k += snprintf(line + k, sizeof line - (size_t)k, " %02X", p[i]);
    fn(METER_LOG_DEBUG, line, ud);
}

int mtr_set_err(meter_t *m, int status, const char *fmt, ...)
{
    /* formatted apart first: a caller may pass m->err itself as an argument ("telegram 2:
     * %s", m->err) to say more about the last failure */
    char msg[sizeof m->err];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    memcpy(m->err, msg, sizeof msg);
    return status;
}
