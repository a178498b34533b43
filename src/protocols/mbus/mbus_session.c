/* SPDX-License-Identifier: MIT */
/* M-Bus master sessions over a raw link: one request and its reply (echo
 * dropped, garbage skipped, collisions told apart from silence), retries,
 * SND_NKE and the FCB kept per slave address, secondary selection, and
 * multi-telegram reads. Waits only on the link, never sleeps. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "protocols/mbus/mbus_internal.h"

unsigned mtr_mbus_default_timeout(unsigned baud, int tcp)
{
    if (tcp)
        return 3000; /* gateways buffer; users with fast ones lower it */
    if (!baud)
        baud = 2400;
    /* EN 13757-2: the answer starts within 330 bit times + 50 ms; we add the
     * first character (11 bit times) and 100 ms for level converters */
    return (unsigned)((341u * 1000u + baud - 1) / baud) + 150u;
}

double mtr_mbus_char_ms(const meter_t *m)
{
    const struct mtr_mbus_bus *mb = m->bus->priv;
    unsigned baud = mb->link.kind == MTR_LINK_SERIAL && mb->link.baud ? mb->link.baud : 2400;
    return 11000.0 / baud;
}

/* silence between bytes of one answer that ends it (ms) */
unsigned mtr_mbus_gap_ms(const meter_t *m)
{
    const struct mtr_mbus_bus *mb = m->bus->priv;
    const struct mtr_link *l = &mb->link;
    if (l->kind == MTR_LINK_TCP)
        return 300;
    unsigned bits40 = l->baud ? (40u * 1000u + l->baud - 1) / l->baud : 100;
    return bits40 > 100 ? bits40 : 100;
}

unsigned mtr_mbus_exchange_bound_ms(const meter_t *m, size_t n)
{
    double wire = (3.0 * (double)n + MTR_MBUS_FRAME_MAX + MTR_MBUS_NOISE_MAX) * mtr_mbus_char_ms(m);
    return 1000u + m->timeout_ms + mtr_mbus_gap_ms(m) + (unsigned)(wire + 0.999);
}

/* What the request asks for: the kind of answer, and from whom. */
struct want {
    int expect;     /* MTR_MBUS_X_* */
    int addr;       /* the request's A field; -1 unknown */
    const mtr_mbus_secondary_t *sel; /* addr 0xFD: the selection acknowledged, or NULL */
};

static int sec_matches(const mtr_mbus_secondary_t *sel, const mtr_mbus_app_t *app)
{
    for (unsigned k = 0; k < 8; k++) {
        unsigned want = (sel->id >> (4 * k)) & 0xFu;
        if (want != 0xF && want != ((app->id >> (4 * k)) & 0xFu))
            return 0;
    }
    return (sel->man == 0xFFFF || sel->man == app->man) &&
           (sel->version == 0xFF || sel->version == app->version) &&
           (sel->medium == 0xFF || sel->medium == app->medium);
}

/* Does the slave frame f answer the request? When not, why says what it was. */
static int belongs(const struct want *w, const mtr_mbus_frame_t *f, char *why, size_t len)
{
    int ack = f->kind == MTR_MBUS_FRAME_ACK;
    if (w->expect == MTR_MBUS_X_ACK) {
        if (ack)
            return 1;
        snprintf(why, len, "a %s (C %02X, A %u) where E5 was expected",
                 mtr_mbus_frame_kind_name(f->kind), f->c, f->a);
        return 0;
    }
    if (ack) {
        snprintf(why, len, "an E5 where RSP_UD was expected");
        return 0;
    }
    if (f->kind != MTR_MBUS_FRAME_LONG || (f->c & 0xCF) != MTR_MBUS_C_RSP_UD) {
        snprintf(why, len, "a %s with C %02X where RSP_UD was expected",
                 mtr_mbus_frame_kind_name(f->kind), f->c);
        return 0;
    }
    if (w->addr >= 0 && w->addr <= MTR_MBUS_ADDR_MAX_PRIMARY && f->a != w->addr) {
        snprintf(why, len, "an RSP_UD from address %u, not %d", f->a, w->addr);
        return 0;
    }
    if (w->addr == MTR_MBUS_ADDR_SELECTED && w->sel) {
        mtr_mbus_app_t app;
        if (mtr_mbus_reply_parse(f, &app, NULL, 0) == METER_OK && app.has_id &&
            !sec_matches(w->sel, &app)) {
            char id[9];
            mtr_mbus_id_text(app.id, id);
            snprintf(why, len, "an RSP_UD from the meter with id %s, which is not the one selected",
                     id);
            return 0;
        }
    }
    return 1;
}

/* Feed received bytes; copy the first slave frame that answers the request into r. */
static void take(struct mtr_mbus_bus *mb, const struct want *w, const uint8_t *in, size_t n,
                 struct mtr_mbus_reply *r, int *have)
{
    size_t off = 0;
    for (;;) {
        size_t used = 0;
        mtr_mbus_frame_t f;
        int ev = mtr_mbus_parser_feed(&mb->parser, in + off, n - off, &used, &f, NULL, 0);
        off += used;
        if (ev == MTR_MBUS_NEED_MORE)
            return;
        if (ev < 0) {
            r->garbled++;
            continue;
        }
        if (ev == MTR_MBUS_ECHO) {
            mb->echo_seen = 1;
            continue;
        }
        int master = f.kind != MTR_MBUS_FRAME_ACK && mtr_mbus_c_is_request(f.c);
        if (master) { /* someone's request (an echo we did not arm, another master) */
            if (mb->echo == MTR_ECHO_OFF)
                r->garbled++;
            continue;
        }
        if (*have) { /* a second frame: a repeat of the answer is harmless, another is not */
            if (f.size != r->frame.size || memcmp(mb->parser.buf, r->buf, f.size) != 0)
                r->extra += f.size;
            continue;
        }
        char why[sizeof r->foreign_why];
        if (!belongs(w, &f, why, sizeof why)) {
            if (!r->foreign++)
                memcpy(r->foreign_why, why, sizeof why);
            continue;
        }
        memcpy(r->buf, mb->parser.buf, f.size);
        mtr_mbus_frame_parse(r->buf, f.size, &r->frame, NULL, NULL, 0);
        *have = 1;
    }
}

static long ms_left(const struct timespec *end)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (end->tv_sec - t.tv_sec) * 1000 + (end->tv_nsec - t.tv_nsec) / 1000000;
}

/* Drop what came before the request: tcflush on a serial line; over TCP what is
 * there, at most 4 KiB (a peer that never stops must not keep us here). */
static void want_of(const struct mtr_mbus_bus *mb, const uint8_t *req, size_t n, int expect,
                    struct want *w)
{
    w->expect = expect;
    w->addr = n >= 5 && req[0] == 0x10 ? req[2] : n >= 6 && req[0] == 0x68 ? req[5] : -1;
    w->sel = mb->have_selected ? &mb->selected : NULL;
}

/* The garbled answer of the previous attempt of the same request (a read's collision
 * evidence: mtr_mbus_collided()); len 0: none. */
struct prev_answer {
    uint8_t b[MTR_MBUS_RAW_MAX];
    size_t len;
};

static int exchange(meter_t *m, const uint8_t *req, size_t n, int expect, int strict,
                    struct mtr_mbus_reply *r, struct prev_answer *prev)
{
    uint8_t raw[MTR_MBUS_RAW_MAX]; /* the answer's bytes as they came (bounded: cap below) */
    size_t nraw = 0;
    size_t prev_len = prev->len; /* only the attempt just before counts */
    prev->len = 0;
    struct mtr_mbus_bus *mb = m->bus->priv;
    struct mtr_link *l = &mb->link;
    char eb[160];
    struct want w;
    memset(r, 0, sizeof *r);
    want_of(mb, req, n, expect, &w);
    mtr_link_flush_input(l); /* bounded on a stream: a peer that never stops cannot hold us */
    mtr_mbus_parser_init(&mb->parser);
    if (mb->echo != MTR_ECHO_OFF)
        mtr_mbus_parser_expect_echo(&mb->parser, req, n);
    mtr_log_hex(m, "mbus send", req, n);
    uint64_t s0 = l->bytes_sent, r0 = l->bytes_received, p0 = l->parity_errors;
    m->stats.transactions++;
    double cms = mtr_mbus_char_ms(m);
    unsigned wto = 1000u + (unsigned)(cms * (double)n * 2);
    int rc = mtr_link_write(l, req, n, wto, eb, sizeof eb);
    if (rc == METER_OK)
        mtr_link_drain(l);
    /* the answer's bound: the first byte within the timeout, then at most the wire time
     * of the most an answer may take, and the silence that ends it */
    size_t cap = n + MTR_MBUS_FRAME_MAX + MTR_MBUS_NOISE_MAX, total = 0;
    unsigned gap = mtr_mbus_gap_ms(m);
    long span = (long)m->timeout_ms + gap + (long)((double)cap * cms + 0.999);
    struct timespec end;
    clock_gettime(CLOCK_MONOTONIC, &end);
    end.tv_sec += span / 1000;
    end.tv_nsec += (span % 1000) * 1000000L;
    if (end.tv_nsec >= 1000000000L) {
        end.tv_sec++;
        end.tv_nsec -= 1000000000L;
    }
    int have = 0, late = 0;
    unsigned wait = m->timeout_ms;
    while (rc == METER_OK) {
        uint8_t in[300];
        size_t got = 0;
        long left = ms_left(&end);
        if (total >= cap) {
            r->flood = 1; /* more than any answer: the line is still sending */
            break;
        }
        if (left <= 0) {
            late = 1; /* bytes still trickling in at the bound */
            break;
        }
        rc = mtr_link_read(l, in, sizeof in, left < (long)wait ? (unsigned)left : wait, &got, eb,
                           sizeof eb);
        if (rc == METER_ETIMEDOUT) {
            late = left < (long)wait;
            rc = METER_OK;
            break;
        }
        if (rc != METER_OK)
            break;
        total += got;
        mtr_log_hex(m, "mbus recv", in, got);
        size_t keep = got < sizeof raw - nraw ? got : sizeof raw - nraw;
        memcpy(raw + nraw, in, keep);
        nraw += keep;
        take(mb, &w, in, got, r, &have);
        if (have && !strict && mtr_mbus_parser_pending(&mb->parser) == 0)
            break; /* a read: the answer is complete */
        wait = gap;
    }
    m->stats.bytes_sent += l->bytes_sent - s0;
    m->stats.bytes_received += l->bytes_received - r0;
    if (rc != METER_OK)
        return mtr_set_err(m, rc, "M-Bus link: %s", eb);
    size_t pending = mtr_mbus_parser_pending(&mb->parser);
    unsigned bad = r->garbled + (pending ? 1u : 0u) + (mb->parser.noise ? 1u : 0u);
    if (!have && r->flood)
        return mtr_set_err(m, METER_ELIMIT, "the line kept sending (%zu bytes, more than any "
                           "answer) and no answer to the request among them", total);
    if (!have && late && total)
        return mtr_set_err(m, METER_ETIMEDOUT, "no complete answer within %ld ms (%zu bytes came, "
                           "still coming)", span, total);
    r->flood |= late;
    if (!have && r->foreign)
        return mtr_set_err(m, METER_EFRAME, "no answer to the request: %s%s", r->foreign_why,
                           r->foreign > 1 ? " (and more frames that do not belong)" : "");
    if (!have) {
        if (!bad)
            return mtr_set_err(m, METER_ETIMEDOUT, "no answer within %u ms", m->timeout_ms);
        if (strict)
            return mtr_set_err(m, METER_ECOLLISION, "garbled answer (%zu stray bytes): several "
                               "slaves answered at once", mb->parser.noise + pending);
        /* a read: a corrupt answer, unless the bytes show two senders */
        int why = 0, col = mtr_mbus_collided(raw, nraw, prev->b, prev_len, &why);
        size_t at = 0, after = 0;
        int spoiled = mtr_mbus_spoiled_frame(raw, nraw, &at, &after);
        prev->len = spoiled ? nraw : 0;
        if (spoiled)
            memcpy(prev->b, raw, nraw);
        if (col && why == MTR_MBUS_COLLIDE_OVERRUN)
            return mtr_set_err(m, METER_ECOLLISION, "garbled answer: a frame announcing %u bytes "
                               "failed its check and %zu more bytes came after its end: two "
                               "answers of different lengths overlapped (several slaves at "
                               "address %d?)", raw[at + 1] + 6u, after, w.addr);
        if (col)
            return mtr_set_err(m, METER_ECOLLISION, "the same garbled frame (%zu bytes, check "
                               "failed) on the repeated request: several slaves answer at once "
                               "(at address %d?)", nraw, w.addr);
        return mtr_set_err(m, pending ? METER_ETRUNCATED : METER_ECHECKSUM,
                           "garbled answer: %s", pending ? "frame cut short" : "no valid frame");
    }
    if (l->parity_errors != p0) /* the frame's sum misses two damaged bytes that cancel out */
        return mtr_set_err(m, strict ? METER_ECOLLISION : METER_ECHECKSUM,
                           "%llu byte(s) of the answer came with a parity error%s",
                           (unsigned long long)(l->parity_errors - p0),
                           strict ? ": several slaves answered at once?" : "");
    if (strict && (bad || r->extra || r->foreign || r->flood))
        return mtr_set_err(m, METER_ECOLLISION, "an answer with %zu extra bytes: several slaves "
                           "answered at once", r->extra + mb->parser.noise + pending);
    if (r->extra)
        return mtr_set_err(m, METER_EFRAME, "a second, different frame (%zu bytes) came with the "
                           "answer", r->extra);
    return METER_OK;
}

int mtr_mbus_request(meter_t *m, const uint8_t *req, size_t n, int expect, int strict,
                     struct mtr_mbus_reply *r)
{
    int rc;
    struct prev_answer prev;
    prev.len = 0;
    for (unsigned k = 0;; k++) {
        rc = exchange(m, req, n, expect, strict, r, &prev);
        if (rc == METER_OK)
            return METER_OK;
        int transient = rc == METER_ETIMEDOUT || rc == METER_ECHECKSUM || rc == METER_ETRUNCATED ||
                        ((rc == METER_EFRAME || rc == METER_ECOLLISION) && !strict);
        if (!transient || k >= m->retries)
            break;
        m->stats.retries++;
        mtr_log(m, METER_LOG_DEBUG, "mbus: %s; repeating the same frame", m->err);
    }
    m->stats.errors++;
    return rc;
}

int mtr_mbus_select(meter_t *m, const mtr_mbus_secondary_t *sel, uint8_t c)
{
    uint8_t f[32];
    size_t n;
    struct mtr_mbus_reply r;
    if (mtr_mbus_build_select(f, sizeof f, sel, c, &n) != METER_OK)
        return mtr_set_err(m, METER_EINVAL, "cannot build the selection frame");
    struct mtr_mbus_bus *mb = m->bus->priv;
    mb->have_selected = 0;
    int rc = mtr_mbus_request(m, f, n, MTR_MBUS_X_ACK, 1, &r);
    if (rc == METER_ETIMEDOUT)
        return mtr_set_err(m, METER_ENOTFOUND, "no meter answered the selection (C %02X)", c);
    if (rc == METER_OK) {
        mb->selected = *sel;
        mb->have_selected = 1;
    }
    return rc;
}

int mtr_mbus_target(meter_t *m, int *addr)
{
    struct mtr_mbus_meter *mm = m->priv;
    if (!mm->use_secondary) {
        *addr = m->id;
        return METER_OK;
    }
    int rc = mtr_mbus_select(m, &mm->sec, mm->select_c);
    if (rc != METER_OK)
        return rc;
    struct mtr_mbus_bus *mb = m->bus->priv;
    mb->fcb[MTR_MBUS_ADDR_SELECTED] = 1; /* a fresh selection starts the FCB sequence */
    *addr = MTR_MBUS_ADDR_SELECTED;
    return METER_OK;
}

static int link_reset(meter_t *m, int a)
{
    uint8_t f[8];
    size_t n;
    struct mtr_mbus_reply r;
    mtr_mbus_build_snd_nke(f, sizeof f, (uint8_t)a, &n);
    int rc = mtr_mbus_request(m, f, n, MTR_MBUS_X_ACK, 0, &r);
    if (rc == METER_OK)
        ((struct mtr_mbus_bus *)m->bus->priv)->fcb[a] = 1;
    return rc;
}

/* *done: the meter's telegram sequence was read to its end (or it has none) */
static int read_locked(meter_t *m, mtr_mbus_telegram_fn fn, void *ud, int *a_out, int *done)
{
    struct mtr_mbus_bus *mb = m->bus->priv;
    struct mtr_mbus_meter *mm = m->priv;
    int a, rc = mtr_mbus_target(m, &a);
    if (rc != METER_OK)
        return rc;
    *a_out = a;
    if (mb->fcb[a] < 0 && (rc = link_reset(m, a)) != METER_OK)
        return rc;
    uint8_t prev[MTR_MBUS_FRAME_MAX];
    size_t prev_len = 0;
    for (unsigned t = 0; t < mm->telegrams; t++) {
        uint8_t f[8];
        size_t n;
        struct mtr_mbus_reply r;
        mtr_mbus_build_req_ud2(f, sizeof f, (uint8_t)a, mb->fcb[a], &n);
        rc = mtr_mbus_request(m, f, n, MTR_MBUS_X_RSP, 0, &r);
        if (rc != METER_OK)
            return t ? mtr_set_err(m, rc, "telegram %u: %s", t + 1, m->err) : rc;
        mb->fcb[a] = (int8_t)!mb->fcb[a]; /* a good exchange: toggle */
        if (t && r.frame.size == prev_len && memcmp(prev, r.buf, prev_len) == 0) {
            mtr_log(m, METER_LOG_INFO, "mbus: telegram %u repeats the last one; the meter "
                    "ignores the FCB", t + 1);
            *done = 1;
            break;
        }
        memcpy(prev, r.buf, r.frame.size);
        prev_len = r.frame.size;
        mtr_mbus_app_t app;
        char eb[160];
        rc = mtr_mbus_reply_parse(&r.frame, &app, eb, sizeof eb);
        if (rc != METER_OK)
            return mtr_set_err(m, rc, "telegram %u: %s", t + 1, eb);
        if (fn(m, &r.frame, &app, t, ud))
            break;
        /* more telegrams only when the last record is DIF 1F */
        mtr_mbus_iter_t it;
        mtr_mbus_record_t rec;
        mtr_mbus_iter_init_app(&it, &app, 0);
        while (mtr_mbus_iter_next(&it, &rec, NULL, 0) > 0) {
        }
        if (!it.more_follows) {
            *done = 1;
            break;
        }
        if (t + 1 == mm->telegrams)
            mtr_log(m, METER_LOG_WARN, "mbus: more telegrams follow, but the limit is %u "
                    "(option telegrams=)", mm->telegrams);
    }
    return METER_OK;
}

int mtr_mbus_read_telegrams(meter_t *m, mtr_mbus_telegram_fn fn, void *ud)
{
    int rc = mtr_bus_lock(m);
    if (rc != METER_OK)
        return rc;
    int a = -1, done = 0;
    rc = read_locked(m, fn, ud, &a, &done);
    /* a read that stopped inside the meter's telegram sequence (limit, error, the
     * caller had enough): the next read starts again at the first telegram (SND_NKE) */
    if (!done && a >= 0)
        ((struct mtr_mbus_bus *)m->bus->priv)->fcb[a] = -1;
    mtr_bus_unlock(m);
    return rc;
}

int mtr_mbus_send_expect_ack(meter_t *m, const uint8_t *req, size_t n)
{
    struct mtr_mbus_reply r;
    /* a write is not repeated blindly: the first may have taken effect, and
     * repeating it is harmless only for idempotent writes, which these are */
    return mtr_mbus_request(m, req, n, MTR_MBUS_X_ACK, 0, &r);
}

int mtr_mbus_relink(meter_t *m, unsigned baud)
{
    struct mtr_mbus_bus *mb = m->bus->priv;
    struct mtr_mbus_meter *mm = m->priv;
    char eb[160];
    if (mb->link.kind != MTR_LINK_SERIAL) {
        mtr_log(m, METER_LOG_WARN, "mbus: the meter now speaks %u Bd; set the gateway's serial "
                "port to match", baud);
        return METER_OK;
    }
    int rc = mtr_link_set_baud(&mb->link, baud, eb, sizeof eb);
    if (rc != METER_OK)
        return mtr_set_err(m, rc, "cannot switch the line to %u Bd: %s", baud, eb);
    m->bus->conn.baud = baud;
    if (mm->timeout_auto)
        m->timeout_ms = mtr_mbus_default_timeout(baud, 0);
    return METER_OK;
}
