/* SPDX-License-Identifier: MIT */
/* The IEC 62056-21 readout session (mode A, B and C): [wake-up] sign-on,
 * identification, option select after the reaction time, baud switch, data
 * block with its check character; a readout with no STX after a switch is
 * retried once with "ACK 0 0 0" at 300 Bd. Programming mode is iec_prog.c. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "protocols/iec62056/iec_internal.h"

struct mtr_iec_head *mtr_iec_head_of(meter_t *m)
{
    return m->bus->link;
}

enum attempt_result { A_DONE, A_RETRY, A_NO_STX, A_FAIL };

/* One phase of a session (identification, readout): at most cap bytes, and an end
 * at the response timeout plus the wire time of cap bytes, whatever the meter sends. */
struct phase {
    struct timespec end;
    size_t got, cap;
    long span; /* ms */
};

static void phase_start(struct phase *ph, meter_t *m, size_t cap)
{
    ph->got = 0;
    ph->cap = cap;
    ph->span = (long)m->timeout_ms + (long)((double)cap * mtr_iec_head_char_ms(mtr_iec_head_of(m)) + 0.999);
    clock_gettime(CLOCK_MONOTONIC, &ph->end);
    ph->end.tv_sec += ph->span / 1000;
    ph->end.tv_nsec += (ph->span % 1000) * 1000000L;
    if (ph->end.tv_nsec >= 1000000000L) {
        ph->end.tv_sec++;
        ph->end.tv_nsec -= 1000000000L;
    }
}

/* Receive within the phase: METER_OK, METER_ETIMEDOUT (silence: *late 0; the phase's
 * end: *late 1), METER_ELIMIT (more than cap bytes), or the link's error. */
static int phase_recv(meter_t *m, struct phase *ph, uint8_t *buf, size_t cap, size_t *n,
                      int *late, char *err, size_t len)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    long left = (ph->end.tv_sec - t.tv_sec) * 1000 + (ph->end.tv_nsec - t.tv_nsec) / 1000000;
    *late = left < (long)m->timeout_ms;
    if (left <= 0)
        return mtr_err(err, len, METER_ETIMEDOUT, "not complete within %ld ms", ph->span);
    int rc = mtr_iec_head_recv(mtr_iec_head_of(m), buf, cap, *late ? (unsigned)left : m->timeout_ms,
                               n, err, len);
    if (rc == METER_ETIMEDOUT && *late)
        return mtr_err(err, len, METER_ETIMEDOUT, "not complete within %ld ms", ph->span);
    *late = 0;
    return rc;
}

/* Count n bytes of the phase: METER_ELIMIT past its cap. */
static int phase_count(struct phase *ph, size_t n, char *err, size_t len)
{
    ph->got += n;
    if (ph->got > ph->cap)
        return mtr_err(err, len, METER_ELIMIT, "more than %zu bytes", ph->cap);
    return METER_OK;
}

/* The data sets of one readout, at most max_readout / 8 of them. */
struct sink {
    struct mtr_iec_sets *out;
    size_t max;
};

static int sink_add(void *user, const mtr_iec_dataset_t *ds)
{
    struct sink *k = user;
    if (k->out->n >= k->max)
        return METER_ELIMIT;
    return mtr_iec_sets_add(k->out, ds);
}

static mtr_iec_bcc_t reader_bcc(const struct mtr_iec_meter *o)
{
    return o->bcc;
}

/* How the option select is answered: the speed to ask for (its character) or '0'. */
static char choose_speed(meter_t *m, const mtr_iec_ident_t *id, bool fallback, unsigned *baud)
{
    struct mtr_iec_meter *o = m->priv;
    struct mtr_iec_head *h = mtr_iec_head_of(m);
    *baud = 300;
    if (fallback || id->mode != MTR_IEC_MODE_C || id->baud <= 300)
        return '0';
    if (!mtr_iec_head_can_switch(h)) {
        mtr_log(m, METER_LOG_INFO, "iec: %u Bd announced; a TCP link stays at 300 Bd", id->baud);
        return '0';
    }
    if (o->max_baud && id->baud > o->max_baud) {
        /* offering a lower Z is not in the standard (the meter would not switch) */
        mtr_log(m, METER_LOG_INFO, "iec: %u Bd announced, over max_baud %u: staying at 300 Bd",
                id->baud, o->max_baud);
        return '0';
    }
    *baud = id->baud;
    return id->baud_char;
}

static int one_attempt(meter_t *m, struct mtr_iec_sets *out, bool fallback, bool wake,
                       enum attempt_result *res)
{
    struct mtr_iec_meter *o = m->priv;
    struct mtr_iec_head *h = mtr_iec_head_of(m);
    char err[200] = "";
    uint8_t buf[512];
    size_t n, used;
    int rc;
    *res = A_FAIL;
    out->n = 0;
    if ((rc = mtr_iec_head_reset_speed(h, err, sizeof err)) != METER_OK)
        return mtr_set_err(m, rc, "iec: %s", err);
    if (wake) {
        mtr_log(m, METER_LOG_DEBUG, "iec: wake-up");
        if ((rc = mtr_iec_head_wakeup(h, err, sizeof err)) != METER_OK)
            return mtr_set_err(m, rc, "iec: wake-up: %s", err);
    }
    mtr_iec_head_flush(h);
    if ((rc = mtr_iec_signon_build(buf, sizeof buf, o->devaddr, &n)) != METER_OK)
        return mtr_set_err(m, rc, "iec: bad device address '%s'", o->devaddr);
    mtr_log_hex(m, "iec sign-on", buf, n);
    if ((rc = mtr_iec_head_send(h, buf, n, err, sizeof err)) != METER_OK)
        return mtr_set_err(m, rc, "iec: %s", err);

    char rerr[200] = "";
    struct sink sink = {out, o->max_readout / 8};
    mtr_iec_reader_opts_t ro = {MTR_IEC_RD_IDENT, reader_bcc(o), sink_add, &sink, rerr,
                                sizeof rerr};
    mtr_iec_reader_t r;
    mtr_iec_reader_init(&r, &ro);
    struct phase ph;
    int late;
    size_t carry = 0;
    /* identification: our echo, junk and the line within MTR_IEC_IDENT_PHASE_MAX bytes */
    phase_start(&ph, m, MTR_IEC_IDENT_PHASE_MAX);
    for (;;) {
        rc = phase_recv(m, &ph, buf, sizeof buf, &n, &late, err, sizeof err);
        if (rc == METER_ETIMEDOUT && !late && ph.got == 0) {
            *res = A_RETRY;
            return mtr_set_err(m, METER_ETIMEDOUT,
                               "iec: no identification within %u ms after the sign-on (is the "
                               "head on the meter's port, the right way round?)",
                               m->timeout_ms);
        }
        if (rc == METER_ETIMEDOUT || rc == METER_ELIMIT) {
            *res = A_RETRY;
            return mtr_set_err(m, rc, "iec: identification: %zu bytes after the sign-on and no "
                               "complete identification line: %s", ph.got, err);
        }
        if (rc != METER_OK)
            return mtr_set_err(m, rc, "iec: %s", err);
        mtr_log_hex(m, "iec <", buf, n);
        rc = mtr_iec_reader_feed(&r, buf, n, &used);
        if (phase_count(&ph, used, err, sizeof err) != METER_OK) {
            *res = A_RETRY;
            return mtr_set_err(m, METER_ELIMIT, "iec: identification: %zu bytes after the "
                               "sign-on and no complete identification line: %s", ph.got, err);
        }
        if (rc == MTR_IEC_IDENT) {
            carry = n - used; /* what came after the identification is the readout's */
            memmove(buf, buf + used, carry);
            break;
        }
        if (rc < 0) {
            *res = A_RETRY;
            return mtr_set_err(m, rc, "iec: identification: %s", rerr);
        }
        if (rc == MTR_IEC_COMPLETE)
            break;
    }
    o->ident = r.ident;
    o->have_ident = true;
    mtr_log(m, METER_LOG_DEBUG, "iec: identification %.3s, baud character '%c', '%s'",
            r.ident.manufacturer, r.ident.baud_char, r.ident.ident);
    unsigned reaction = r.ident.fast_reaction ? 20 : 200;
    unsigned baud = 300;
    bool switched = false;
    if (r.ident.mode == MTR_IEC_MODE_C || r.ident.mode == MTR_IEC_MODE_RESERVED) {
        mtr_iec_optsel_t os = {'0', '0', '0'};
        carry = 0; /* the meter waits for our option select: nothing of the readout yet */
        os.z = choose_speed(m, &r.ident, fallback, &baud);
        mtr_iec_head_wait_since_rx(h, reaction);
        if ((rc = mtr_iec_optsel_build(buf, sizeof buf, &os, &n)) != METER_OK)
            return mtr_set_err(m, rc, "iec: option select");
        mtr_log_hex(m, "iec option select", buf, n);
        if ((rc = mtr_iec_head_send(h, buf, n, err, sizeof err)) != METER_OK)
            return mtr_set_err(m, rc, "iec: %s", err);
        if (baud != 300) {
            if ((rc = mtr_iec_head_switch(h, baud, o->delay_ms, err, sizeof err)) != METER_OK)
                return mtr_set_err(m, rc, "iec: switching to %u Bd: %s", baud, err);
            switched = true;
            mtr_log(m, METER_LOG_DEBUG, "iec: switched to %u Bd", baud);
        }
    } else if (r.ident.mode == MTR_IEC_MODE_B && r.ident.baud > 300 && mtr_iec_head_can_switch(h)) {
        /* mode B: the meter switches right after its identification, no ACK */
        carry = 0;
        if ((rc = mtr_iec_head_switch(h, r.ident.baud, 0, err, sizeof err)) != METER_OK)
            return mtr_set_err(m, rc, "iec: switching to %u Bd: %s", r.ident.baud, err);
        switched = true;
    }
    /* the data block: an inactivity timeout per read, and the phase's bound: at most
     * max_readout bytes (plus the framing), by the wire time of that many */
    phase_start(&ph, m, (size_t)o->max_readout + MTR_IEC_READOUT_SLACK);
    unsigned parity0 = h->parity_errors;
    for (;;) {
        if (carry) {
            n = carry;
            carry = 0;
            rc = METER_OK;
        } else {
            rc = phase_recv(m, &ph, buf, sizeof buf, &n, &late, err, sizeof err);
        }
        if (rc == METER_OK)
            rc = phase_count(&ph, n, err, sizeof err);
        if (rc == METER_ELIMIT || (rc == METER_ETIMEDOUT && late)) {
            *res = A_FAIL; /* the same again would end the same way */
            if (rc == METER_ELIMIT)
                return mtr_set_err(m, rc, "iec: the readout goes on past %u bytes (%zu data "
                                   "sets so far; option max_readout=)", o->max_readout, out->n);
            return mtr_set_err(m, rc, "iec: the readout did not end within %ld ms (%zu bytes, "
                               "the wire time of max_readout=%u at %u Bd and the timeout)",
                               ph.span, ph.got, o->max_readout,
                               h->link.kind == MTR_LINK_SERIAL ? h->link.baud : 300);
        }
        if (rc == METER_ETIMEDOUT) {
            if (!r.stx_seen && r.block.nsets == 0) {
                *res = switched ? A_NO_STX : A_RETRY;
                return mtr_set_err(m, METER_ETIMEDOUT, "iec: no data within %u ms after the %s",
                                   m->timeout_ms, switched ? "speed switch" : "identification");
            }
            if (r.stx_seen && r.o.bcc != MTR_IEC_BCC_NONE && !r.bcc_checked) {
                /* a message framed by STX ends with '!', ETX and its check character: one that
                 * goes quiet before all three broke off, and what it holds was never checked
                 * (bcc=none accepts meters that omit them) */
                *res = A_RETRY;
                return mtr_set_err(m, METER_ETRUNCATED,
                                   "iec: the readout broke off after %zu data sets (%s within %u ms)",
                                   out->n, mtr_iec_reader_at_end(&r) ? "no ETX and check character"
                                                                     : "no '!' and ETX",
                                   m->timeout_ms);
            }
            rc = mtr_iec_reader_finish(&r);
            if (rc == MTR_IEC_COMPLETE)
                break;
            *res = A_RETRY;
            return mtr_set_err(m, rc, "iec: readout ended after %u ms of silence: %s",
                               m->timeout_ms, rerr[0] ? rerr : meter_strerror(rc));
        }
        if (rc != METER_OK)
            return mtr_set_err(m, rc, "iec: %s", err);
        mtr_log_hex(m, "iec <", buf, n);
        rc = mtr_iec_reader_feed(&r, buf, n, &used);
        if (rc == MTR_IEC_COMPLETE)
            break;
        if (rc == METER_ELIMIT) {
            *res = A_FAIL;
            return mtr_set_err(m, rc, "iec: the readout has more than %zu data sets (max_readout=%u"
                               " / 8)", sink.max, o->max_readout);
        }
        if (rc < 0) {
            *res = rc == METER_ENOMEM ? A_FAIL : A_RETRY;
            return mtr_set_err(m, rc, "iec: readout: %s", rerr[0] ? rerr : meter_strerror(rc));
        }
    }
    if (h->parity_errors != parity0) {
        /* 7E1 checked in software (TCP): a byte with a wrong parity bit is a damaged byte,
         * even where two damaged bytes leave the check character right */
        *res = A_RETRY;
        out->n = 0;
        return mtr_set_err(m, METER_ECHECKSUM, "iec: %u byte(s) of the readout with a parity "
                           "error", h->parity_errors - parity0);
    }
    mtr_log(m, METER_LOG_DEBUG, "iec: readout of %zu data sets%s", out->n,
            r.bcc_checked ? ", check character verified" : "");
    /* the session is over: the meter is back at 300 Bd */
    mtr_iec_head_reset_speed(h, NULL, 0);
    *res = A_DONE;
    return METER_OK;
}

int mtr_iec_readout(meter_t *m, struct mtr_iec_sets *out)
{
    struct mtr_iec_meter *o = m->priv;
    struct mtr_iec_head *h = mtr_iec_head_of(m);
    uint64_t sent0 = h->link.bytes_sent, recv0 = h->link.bytes_received;
    bool fallback = false, fell_back = false;
    int rc = METER_OK;
    unsigned tries = 0;
    for (;;) {
        enum attempt_result res;
        m->stats.transactions++;
        rc = one_attempt(m, out, fallback, o->wakeup && tries == 0 && !fell_back, &res);
        if (res == A_DONE)
            break;
        m->stats.errors++;
        mtr_iec_head_reset_speed(h, NULL, 0);
        if (res == A_FAIL)
            break;
        if (res == A_NO_STX && !fell_back) {
            /* the meter did not follow us to the new speed: ACK 0 0 0, stay at 300 Bd */
            mtr_log(m, METER_LOG_INFO, "iec: no data after the speed switch; again with ACK 0 0 0");
            fallback = fell_back = true;
        } else if (tries++ >= m->retries) {
            break;
        }
        m->stats.retries++;
        mtr_iec_head_pause(1500); /* after an abort: >= 1.5 s before a new sign-on */
    }
    m->stats.bytes_sent += h->link.bytes_sent - sent0;
    m->stats.bytes_received += h->link.bytes_received - recv0;
    return rc;
}
