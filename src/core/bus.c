/* SPDX-License-Identifier: MIT */
/* Buses: one open link shared by the meters opened on it, reference counted
 * (the caller's reference plus one per meter), with the lock that serialises
 * their transactions. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/internal.h"

/* a serial line's defaults where neither the string nor the model said; the
 * protocol's bus_open may insist on its own line settings */
static void apply_line_defaults(struct mtr_conn *c)
{
    if (!(c->set & MTR_SET_BAUD))
        c->baud = 9600;
    if (!(c->set & MTR_SET_PARITY))
        c->parity = 'E';
    if (!(c->set & MTR_SET_DATA))
        c->data_bits = 8;
    if (!(c->set & MTR_SET_STOP))
        c->stop_bits = 1;
}

int mtr_bus_open_conn(struct meter_bus **out, const struct mtr_conn *c, int offline, char *err,
                      size_t len)
{
    *out = NULL;
    struct meter_bus *b = calloc(1, sizeof *b);
    if (!b)
        return mtr_err(err, len, METER_ENOMEM, "out of memory");
    b->conn = *c;
    apply_line_defaults(&b->conn);
    b->refs = 1;
    int cp[2];
    if (pipe2(cp, O_CLOEXEC | O_NONBLOCK) < 0) {
        free(b);
        return mtr_err(err, len, METER_EIO, "cannot create a pipe: %s", strerror(errno));
    }
    b->cancel.rd = cp[0];
    b->cancel.wr = cp[1];
    atomic_init(&b->cancel.flag, (atomic_int *)NULL);
    pthread_mutex_init(&b->lock, NULL);
    pthread_mutex_init(&b->ref_lock, NULL);
    pthread_mutex_init(&b->log_lock, NULL);
    b->ops = c->proto;
    b->offline = offline;
    int rc = offline ? METER_OK : b->ops->bus_open(b, err, len);
    if (rc != METER_OK) {
        close(b->cancel.rd);
        close(b->cancel.wr);
        pthread_mutex_destroy(&b->log_lock);
        pthread_mutex_destroy(&b->lock);
        pthread_mutex_destroy(&b->ref_lock);
        free(b);
        return rc;
    }
    *out = b;
    return METER_OK;
}

meter_status_t meter_bus_open(meter_bus_t **out, const char *connection, char *errbuf, size_t errlen)
{
    struct mtr_conn c;
    if (!out)
        return mtr_err(errbuf, errlen, METER_EINVAL, "NULL output pointer");
    *out = NULL;
    int rc = mtr_conn_parse(connection, &c, MTR_CONN_LINE, errbuf, errlen);
    if (rc != METER_OK)
        return rc;
    return mtr_bus_open_conn(out, &c, 0, errbuf, errlen);
}

void mtr_bus_ref(struct meter_bus *b)
{
    pthread_mutex_lock(&b->ref_lock);
    b->refs++;
    pthread_mutex_unlock(&b->ref_lock);
}

int mtr_bus_lock(meter_t *m)
{
    struct meter_bus *b = m->bus;
    pthread_mutex_lock(&b->lock);
    if (atomic_load(&m->cancel)) {
        pthread_mutex_unlock(&b->lock);
        return mtr_set_err(m, METER_ECANCELED, "cancelled (meter_cancel) before the exchange");
    }
    atomic_store(&b->cancel.flag, &m->cancel);
    return METER_OK;
}

void mtr_bus_unlock(meter_t *m)
{
    atomic_store(&m->bus->cancel.flag, (atomic_int *)NULL);
    pthread_mutex_unlock(&m->bus->lock);
}

int mtr_cancel_check(const struct mtr_cancel *c)
{
    char junk[64];
    while (read(c->rd, junk, sizeof junk) > 0) {
    }
    atomic_int *f = atomic_load(&((struct mtr_cancel *)c)->flag);
    return f && atomic_load(f);
}

void meter_cancel(meter_t *m)
{
    if (!m)
        return;
    atomic_store(&m->cancel, 1);
    /* async-signal-safe: a flag and a write(); a full pipe already says it */
    ssize_t k = write(m->bus->cancel.wr, "c", 1);
    (void)k;
}

void meter_bus_close(meter_bus_t *b)
{
    if (!b)
        return;
    pthread_mutex_lock(&b->ref_lock);
    int left = --b->refs;
    pthread_mutex_unlock(&b->ref_lock);
    if (left > 0)
        return;
    if (!b->offline)
        b->ops->bus_close(b);
    close(b->cancel.rd);
    close(b->cancel.wr);
    pthread_mutex_destroy(&b->log_lock);
    pthread_mutex_destroy(&b->lock);
    pthread_mutex_destroy(&b->ref_lock);
    free(b);
}

void meter_bus_set_log(meter_bus_t *b, meter_log_fn fn, void *userdata)
{
    if (!b)
        return;
    pthread_mutex_lock(&b->log_lock);
    b->log = fn;
    b->log_ud = userdata;
    pthread_mutex_unlock(&b->log_lock);
}
