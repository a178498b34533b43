/* SPDX-License-Identifier: MIT */
/* The Modbus link: opens the raw serial port or TCP connection (link.c), and
 * runs one exchange under the bus lock with the handle's timeout and retries:
 * sends the ADU libmeter built, checks the reply itself (modbus_adu.c) within
 * one deadline per attempt, and gets an RTU line back in step after a failure. */
#include <errno.h>
#include <linux/serial.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "protocols/modbus/modbus_internal.h"

#define MB_BUS(b) ((struct mtr_mb_bus *)(b)->priv)

static int set_rs485(struct mtr_link *io, const char *path, char *err, size_t len)
{
    struct serial_rs485 rs;
    memset(&rs, 0, sizeof rs);
    rs.flags = SER_RS485_ENABLED | SER_RS485_RTS_ON_SEND;
    if (ioctl(io->fd, TIOCSRS485, &rs) < 0) {
        char eb[128];
        return mtr_err(err, len, METER_EIO, "cannot switch '%s' to kernel RS485 mode: %s", path,
                       strerror_r(errno, eb, sizeof eb));
    }
    return METER_OK;
}

static unsigned connect_ms(const struct mtr_conn *c)
{
    return (c->set & MTR_SET_TIMEOUT) ? c->timeout_ms : c->scheme->default_timeout_ms;
}

int mtr_mb_link_open(struct meter_bus *b, char *err, size_t len)
{
    const struct mtr_conn *c = &b->conn;
    struct mtr_mb_bus *mbb = calloc(1, sizeof *mbb);
    if (!mbb)
        return mtr_err(err, len, METER_ENOMEM, "out of memory");
    int rc;
    if (c->scheme->id == MTR_MB_RTU) {
        rc = mtr_link_open_serial(&mbb->io, c->path, c->baud, c->parity, c->data_bits, c->stop_bits,
                                  err, len);
        if (rc == METER_OK && c->rs485 && (rc = set_rs485(&mbb->io, c->path, err, len)) != METER_OK)
            mtr_link_close(&mbb->io);
    } else {
        rc = mtr_link_open_tcp(&mbb->io, c->host, c->port, connect_ms(c), err, len);
    }
    if (rc != METER_OK) {
        free(mbb);
        return rc;
    }
    const struct mtr_mb_opts *o = MTR_CPOPT(c, struct mtr_mb_opts);
    mbb->tcp = c->scheme->id == MTR_MB_TCP;
    mbb->any_unit = (c->pset & MTR_MB_SET_ANYUNIT) && o->any_unit;
    mbb->io.cancel = &b->cancel;
    b->link = &mbb->io;
    b->priv = mbb;
    return METER_OK;
}

void mtr_mb_link_close(struct meter_bus *b)
{
    if (b->priv)
        mtr_link_close(&MB_BUS(b)->io);
    free(b->priv);
    b->priv = NULL;
    b->link = NULL;
}

/* ---- time ------------------------------------------------------------------ */

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Wire time of a reply of @p bytes at the line's speed; 0 on TCP. */
static unsigned wire_ms(const struct mtr_link *io, size_t bytes)
{
    double ct = io->kind == MTR_LINK_SERIAL ? mtr_link_char_time(io) : 0;
    return (unsigned)(ct * (double)bytes * 1000 + 0.999);
}

static long long min_ll(long long a, long long b)
{
    return a < b ? a : b;
}

/* ---- one reply --------------------------------------------------------------- */

enum { SEEN_NONE = 0, SEEN_UNIT = 1, SEEN_TID = 2, SEEN_LATE = 4 };

/* Read and judge bytes until r's reply (or its exception) is here, or the deadline.
 * Strays are dropped and the wait goes on; whatever the peer sends, it ends by then. */
static int take_reply(meter_t *m, struct mtr_mb_bus *mbb, const struct mtr_mb_req *r,
                      uint16_t *dst, long long deadline, int *excode)
{
    uint8_t buf[520];
    size_t n = 0, want = mtr_mb_reply_len(r);
    unsigned seen = SEEN_NONE, garbled = 0;
    int other = -1;
    char eb[160];
    for (;;) {
        while (n) {
            size_t used = 0;
            int v = mtr_mb_adu_scan(r, buf, n, &used, excode, dst);
            if (v == MTR_MB_NEED) {
                /* RTU: a head that promises more than comes may be noise or an echo of
                 * the request; a whole frame after it is not left waiting behind it */
                size_t k = mtr_mb_rtu_resync(r, buf, n);
                if (!k)
                    break;
                mtr_log_hex(m, "rx (skipped: starts no frame)", buf, k);
                garbled += (unsigned)k;
                memmove(buf, buf + k, n - k);
                n -= k;
                continue;
            }
            if (v == MTR_MB_MINE || v == MTR_MB_EXCEPTION) {
                mtr_log_hex(m, "rx", buf, used);
                m->stats.bytes_received += used;
                /* a second, different frame glued to the reply: something else answered as
                 * well, so this one is not to be trusted (the same frame twice is harmless) */
                if (n > used && !(n == 2 * used && memcmp(buf, buf + used, used) == 0)) {
                    mtr_log_hex(m, "rx (after the reply)", buf + used, n - used);
                    return mtr_set_err(m, METER_EFRAME,
                                       "id %d: a second frame (%zu bytes) came with the reply to "
                                       "FC%02u at 0x%04X", m->id, n - used, r->fc, r->addr);
                }
                if (v == MTR_MB_MINE)
                    return METER_OK;
                return mtr_set_err(m, METER_EEXCEPTION,
                                   "id %d: exception 0x%02X (%s) to FC%02u at 0x%04X, %u %s", m->id,
                                   *excode, mtr_mb_exception_name(*excode), r->fc, r->addr, r->count,
                                   r->fc == 1 || r->fc == 5 ? "coils" : "registers");
            }
            if (v == MTR_MB_MISMATCH) {
                mtr_log_hex(m, "rx", buf, used);
                return mtr_set_err(m, METER_EFRAME,
                                   "id %d: malformed reply (function, length or byte count do not "
                                   "fit the request) to FC%02u at 0x%04X", m->id, r->fc, r->addr);
            }
            if (v == MTR_MB_BADCRC) {
                mtr_log_hex(m, "rx", buf, used);
                return mtr_set_err(m, METER_ECHECKSUM, "id %d: reply with a bad CRC (FC%02u at 0x%04X)",
                                   m->id, r->fc, r->addr);
            }
            if (v == MTR_MB_GARBLED && r->tcp) {
                mtr_log_hex(m, "rx", buf, n);
                return mtr_set_err(m, METER_EFRAME,
                                   "id %d: reply without a valid MBAP header (FC%02u at 0x%04X)", m->id,
                                   r->fc, r->addr);
            }
            if (v == MTR_MB_GARBLED) {
                garbled += (unsigned)used;
            } else {
                mtr_log_hex(m, "rx (discarded)", buf, used);
                seen |= v == MTR_MB_STRAY_UNIT ? SEEN_UNIT : v == MTR_MB_STRAY_TID ? SEEN_TID : SEEN_LATE;
                if (v == MTR_MB_STRAY_UNIT)
                    other = r->tcp ? buf[6] : buf[0];
                mtr_log(m, METER_LOG_WARN, "id %d: discarded a reply that is not this request's (%s)",
                        m->id, v == MTR_MB_STRAY_UNIT ? "another unit id"
                               : v == MTR_MB_STRAY_TID ? "an earlier transaction id"
                                                       : "another request's length or function");
            }
            memmove(buf, buf + used, n - used);
            n -= used;
        }
        long long left = deadline - now_ms();
        if (left <= 0 || n == sizeof buf)
            break;
        size_t got = 0;
        int rc = mtr_link_read(&mbb->io, buf + n, sizeof buf - n, (unsigned)left, &got, eb, sizeof eb);
        if (rc == METER_ETIMEDOUT)
            break;
        if (rc != METER_OK)
            return mtr_set_err(m, rc, "id %d: %s (FC%02u at 0x%04X)", m->id, eb, r->fc, r->addr);
        n += got;
    }
    if (seen & SEEN_UNIT)
        return mtr_set_err(m, METER_ESLAVE,
                           "id %d: only a reply from unit id %d came within %u ms (FC%02u at 0x%04X)",
                           m->id, other, m->timeout_ms, r->fc, r->addr);
    if (seen)
        return mtr_set_err(m, METER_ESLAVE,
                           "id %d: only replies to other requests (%s) came within %u ms (FC%02u at 0x%04X)",
                           m->id, (seen & SEEN_TID) ? "earlier transaction ids" : "late replies",
                           m->timeout_ms, r->fc, r->addr);
    if (n) /* a reply under way (a slow peer), perhaps after bytes dropped */
        return mtr_set_err(m, METER_ETIMEDOUT,
                           "id %d: incomplete reply (%zu of %zu bytes%s) within %u ms (FC%02u at 0x%04X)",
                           m->id, n, want, garbled ? ", after bytes that start no reply" : "",
                           m->timeout_ms, r->fc, r->addr);
    if (garbled)
        return mtr_set_err(m, METER_EFRAME,
                           "id %d: %u bytes that start no Modbus reply, no reply within %u ms "
                           "(FC%02u at 0x%04X)", m->id, garbled, m->timeout_ms, r->fc, r->addr);
    return mtr_set_err(m, METER_ETIMEDOUT, "id %d: no reply within %u ms (FC%02u at 0x%04X)", m->id,
                       m->timeout_ms, r->fc, r->addr);
}

/* Send r's ADU and take its reply by the deadline. */
static int transact(meter_t *m, struct mtr_mb_bus *mbb, struct mtr_mb_req *r, uint16_t *dst,
                    long long deadline, int *excode)
{
    uint8_t adu[300];
    char eb[160];
    if (mbb->tcp)
        r->tid = ++mbb->tid;
    size_t flen = mtr_mb_adu_build(r, adu, sizeof adu);
    if (!flen)
        return mtr_set_err(m, METER_ELIMIT, "id %d: %u registers is more than one request may carry",
                           m->id, r->count);
    if (!mbb->tcp)
        mtr_link_flush_input(&mbb->io); /* what came before this request is nobody's answer */
    m->stats.transactions++;
    mtr_log_hex(m, "tx", adu, flen);
    long long left = deadline - now_ms();
    int rc = mtr_link_write(&mbb->io, adu, flen, left > 0 ? (unsigned)left : 0, eb, sizeof eb);
    if (rc != METER_OK)
        return mtr_set_err(m, rc, "id %d: %s (FC%02u at 0x%04X)", m->id, eb, r->fc, r->addr);
    m->stats.bytes_sent += flen;
    return take_reply(m, mbb, r, dst, deadline, excode);
}

/* ---- getting back in step after a failed exchange ------------------------------
 *
 * Nothing in a Modbus RTU reply ties it to its request: a reply that comes
 * after its request failed could pass for the answer to a later request of the
 * same length — a wrong number. A meter on a half-duplex line answers in order,
 * so once a probe whose reply length differs from every reply still possibly
 * on its way is answered correctly, every earlier reply has been consumed or
 * will never come. The bus stays "stale" until such a probe succeeds; no real
 * request is sent before. On TCP the transaction id does this job, and a
 * stream that lost its framing is replaced by a new connection. */

static int is_late(const struct mtr_mb_bus *mbb, unsigned len)
{
    for (unsigned i = 0; i < mbb->nlate; i++)
        if (mbb->late[i] == len)
            return 1;
    return 0;
}

static void remember_late(struct mtr_mb_bus *mbb, uint8_t fc, unsigned rsp_adu_len)
{
    if (fc != 3 || is_late(mbb, rsp_adu_len))
        return;
    if (mbb->nlate == sizeof mbb->late / sizeof mbb->late[0]) {
        memmove(mbb->late, mbb->late + 1, sizeof mbb->late - sizeof mbb->late[0]);
        mbb->nlate--;
    }
    mbb->late[mbb->nlate++] = (uint16_t)rsp_adu_len;
}

/* A read of mapped registers whose reply length (5 + 2·count bytes) is not late. */
static int pick_probe(const meter_t *m, const struct mtr_mb_bus *mbb, uint16_t *addr, uint16_t *count)
{
    const struct mtr_mb_map *map = mtr_mb_map_of(m->model);
    for (size_t i = 0; i < map->nregs; i++) {
        const struct mtr_mb_reg *r = &map->regs[i];
        if (r->type == MTR_T_COIL || !mtr_model_has_row(m->model, r))
            continue;
        /* the run of mapped registers that starts at this row */
        unsigned end = (unsigned)r->addr + r->words;
        for (int grown = 1; grown;) {
            grown = 0;
            for (size_t j = 0; j < map->nregs; j++)
                if (map->regs[j].addr == end && map->regs[j].type != MTR_T_COIL &&
                    mtr_model_has_row(m->model, &map->regs[j])) {
                    end += map->regs[j].words;
                    grown = 1;
                }
        }
        for (unsigned k = 1; k <= end - r->addr && k <= 125; k++)
            if (!is_late(mbb, 5 + 2 * k)) {
                *addr = r->addr;
                *count = (uint16_t)k;
                return 0;
            }
    }
    return -1;
}

/* Drop what arrives until the line is quiet for a moment (or the deadline). */
static void wait_quiet(struct mtr_mb_bus *mbb, unsigned gap_ms, long long deadline)
{
    uint8_t junk[256];
    char eb[64];
    for (;;) {
        long long left = min_ll(deadline - now_ms(), gap_ms);
        size_t got;
        if (left <= 0 || mtr_link_read(&mbb->io, junk, sizeof junk, (unsigned)left, &got, eb,
                                       sizeof eb) != METER_OK)
            return;
    }
}

/* Called with the bus locked and the bus stale; everything within the deadline. */
static int recover(meter_t *m, struct meter_bus *b, long long deadline)
{
    struct mtr_mb_bus *mbb = MB_BUS(b);
    if (mbb->io.kind == MTR_LINK_TCP && (mbb->tcp || mbb->io.fd < 0)) {
        /* a TCP stream that may have lost its framing (or was closed): a new connection */
        char eb[200];
        long long left = deadline - now_ms();
        mtr_link_close(&mbb->io);
        int rc = mtr_link_open_tcp(&mbb->io, b->conn.host, b->conn.port,
                                   left > 0 ? (unsigned)left : 1, eb, sizeof eb);
        mbb->io.cancel = &b->cancel;
        if (rc != METER_OK) {
            mbb->io.fd = -1;
            mbb->io.kind = MTR_LINK_TCP;
            return mtr_set_err(m, rc, "id %d: reconnecting: %s", m->id, eb);
        }
        if (mbb->tcp) {
            mbb->stale = 0;
            return METER_OK;
        }
    }
    unsigned gap = 20 + (unsigned)(mtr_link_char_time(&mbb->io) * 10 * 1000);
    wait_quiet(mbb, gap < m->timeout_ms ? gap : m->timeout_ms, deadline);
    uint16_t addr, count, regs[125];
    if (mbb->nlate == 0 || pick_probe(m, mbb, &addr, &count) < 0) {
        mbb->stale = 0; /* nothing of the same kind can be mistaken */
        mbb->nlate = 0;
        return METER_OK;
    }
    struct mtr_mb_req r = {0, (uint8_t)m->id, mbb->any_unit, 0, 3, addr, count, NULL};
    int excode = 0;
    int rc = transact(m, mbb, &r, regs, deadline, &excode);
    if (rc == METER_OK || rc == METER_EEXCEPTION) { /* a whole reply, in order: in step */
        mtr_log(m, METER_LOG_INFO, "id %d: in step again (probe of %u registers at 0x%04X)", m->id,
                count, addr);
        mbb->stale = 0;
        mbb->nlate = 0;
        return METER_OK;
    }
    m->stats.errors++;
    remember_late(mbb, 3, (unsigned)mtr_mb_reply_len(&r));
    mtr_log(m, METER_LOG_WARN, "%s (while getting back in step after a failed exchange)", m->err);
    return rc;
}

/* After a failed exchange: anything but an exception (a whole, in-order reply)
 * leaves the bus stale; on RTU the reply it may still get is remembered. */
static void after_failure(struct mtr_mb_bus *mbb, const struct mtr_mb_req *r, int rc)
{
    if (rc == METER_EEXCEPTION)
        return; /* cancelled too: the reply may still be on its way */
    if (mbb->tcp && rc == METER_ESLAVE)
        return; /* whole MBAP frames only: the stream is in step */
    mbb->stale = 1;
    if (rc == METER_EIO && mbb->io.kind == MTR_LINK_TCP) {
        mtr_link_close(&mbb->io); /* the connection broke: a new one before the next request */
        mbb->io.kind = MTR_LINK_TCP;
    }
    if (!mbb->tcp)
        remember_late(mbb, r->fc, (unsigned)mtr_mb_reply_len(r));
}

/* Busy, acknowledge and the gateway's conditions pass; other refusals stand. */
static int transient_exception(int code)
{
    return code == 5 || code == 6 || code == 10 || code == 11;
}

/* Run a request under the bus lock with the handle's timeout and retry policy. */
static int exchange(meter_t *m, struct mtr_mb_req *r, uint16_t *dst, unsigned attempts,
                    int *excode)
{
    struct meter_bus *b = m->bus;
    *excode = 0;
    int rc = mtr_bus_lock(m);
    if (rc != METER_OK)
        return rc;
    struct mtr_mb_bus *mbb = MB_BUS(b);
    if (!mbb) {
        mtr_bus_unlock(m);
        return mtr_set_err(m, METER_EIO, "the bus is not open");
    }
    r->tcp = mbb->tcp;
    r->unit = (uint8_t)(mbb->tcp && m->id == 0 ? 255 : m->id);
    r->any_unit = mbb->any_unit;
    /* each step (getting in step, one attempt) has the timeout + the wire time of the largest
     * reply accepted, this request's; the exchange two steps per attempt */
    long long step = (long long)m->timeout_ms + wire_ms(&mbb->io, mtr_mb_reply_len(r));
    long long end = now_ms() + (long long)attempts * 2 * step;
    for (unsigned attempt = 0; attempt < attempts; attempt++) {
        if (attempt)
            m->stats.retries++;
        if (mbb->stale && (rc = recover(m, b, min_ll(now_ms() + step, end))) != METER_OK) {
            if (rc == METER_ECANCELED)
                break;
            continue; /* not in step: this attempt is spent getting there */
        }
        rc = transact(m, mbb, r, dst, min_ll(now_ms() + step, end), excode);
        if (rc == METER_OK)
            break;
        m->stats.errors++;
        after_failure(mbb, r, rc);
        mtr_log(m, METER_LOG_WARN, "%s", m->err);
        if (rc == METER_ECANCELED || rc == METER_ELIMIT ||
            (rc == METER_EEXCEPTION && !transient_exception(*excode)))
            break;
    }
    mtr_bus_unlock(m);
    return rc;
}

int mtr_mb_read(meter_t *m, uint8_t fc, uint16_t addr, uint16_t count, uint16_t *dst, int *excode)
{
    struct mtr_mb_req r = {0, 0, 0, 0, fc, addr, count, NULL};
    if (count < 1 || count > (fc == 1 ? 2000 : 125))
        return mtr_set_err(m, METER_ELIMIT, "id %d: %u registers is more than one request may read",
                           m->id, count);
    return exchange(m, &r, dst, m->retries + 1, excode);
}

int mtr_mb_write(meter_t *m, uint8_t fc, uint16_t addr, const uint16_t *w, uint16_t n, int retry_ok,
                 int *excode)
{
    struct mtr_mb_req r = {0, 0, 0, 0, fc, addr, n, w};
    int rc = exchange(m, &r, NULL, retry_ok ? m->retries + 1 : 1, excode);
    if (rc == METER_EEXCEPTION)
        mtr_set_err(m, rc, "id %d refused the write to 0x%04X (FC%02u): exception 0x%02X (%s)", m->id,
                    addr, fc, *excode, mtr_mb_exception_name(*excode));
    return rc;
}

int mtr_mb_relink(meter_t *m, unsigned baud, char parity)
{
    struct meter_bus *b = m->bus;
    if (b->conn.scheme->id != MTR_MB_RTU) {
        mtr_log(m, METER_LOG_WARN, "the meter's line settings changed behind a TCP gateway: "
                "the gateway must be set to match");
        return METER_OK;
    }
    char err[256];
    int lrc = mtr_bus_lock(m);
    if (lrc != METER_OK)
        return lrc;
    mtr_mb_link_close(b);
    if (baud)
        b->conn.baud = baud;
    if (parity)
        b->conn.parity = parity;
    int rc = mtr_mb_link_open(b, err, sizeof err);
    mtr_bus_unlock(m);
    if (rc != METER_OK)
        return mtr_set_err(m, rc, "the setting was written, but reopening the port at %u %c failed: %s",
                           b->conn.baud, b->conn.parity, err);
    mtr_log(m, METER_LOG_INFO, "bus now at %u baud, parity %c", b->conn.baud, b->conn.parity);
    return METER_OK;
}
