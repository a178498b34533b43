/* SPDX-License-Identifier: MIT */
/* The IEC 62056-21 readout session (mode A, B and C): [wake-up] sign-on,
 * identification, option select after the reaction time, baud switch, data
 * block with its check character; a readout with no STX after a switch is
 * retried once with "ACK 0 0 0" at 300 Bd. Programming mode is iec_prog.c. */
#include <stdio.h>
#include <string.h>

#include "protocols/iec62056/iec_internal.h"

struct mtr_iec_head *mtr_iec_head_of(meter_t *m)
{
    return m->bus->link;
}

enum attempt_result { A_DONE, A_RETRY, A_NO_STX, A_FAIL };

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
    mtr_iec_reader_opts_t ro = {MTR_IEC_RD_IDENT, reader_bcc(o), mtr_iec_sets_add, out, rerr,
                                sizeof rerr};
    mtr_iec_reader_t r;
    mtr_iec_reader_init(&r, &ro);
    /* identification */
    for (;;) {
        rc = mtr_iec_head_recv(h, buf, sizeof buf, m->timeout_ms, &n, err, sizeof err);
        if (rc == METER_ETIMEDOUT) {
            *res = A_RETRY;
            return mtr_set_err(m, METER_ETIMEDOUT,
                               "iec: no identification within %u ms after the sign-on (is the "
                               "head on the meter's port, the right way round?)",
                               m->timeout_ms);
        }
        if (rc != METER_OK)
            return mtr_set_err(m, rc, "iec: %s", err);
        mtr_log_hex(m, "iec <", buf, n);
        rc = mtr_iec_reader_feed(&r, buf, n, &used);
        if (rc == MTR_IEC_IDENT)
            break;
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
        if ((rc = mtr_iec_head_switch(h, r.ident.baud, 0, err, sizeof err)) != METER_OK)
            return mtr_set_err(m, rc, "iec: switching to %u Bd: %s", r.ident.baud, err);
        switched = true;
    }
    /* the data block: an inactivity timeout per read, never one total timeout */
    for (;;) {
        rc = mtr_iec_head_recv(h, buf, sizeof buf, m->timeout_ms, &n, err, sizeof err);
        if (rc == METER_ETIMEDOUT) {
            if (!r.stx_seen && r.block.nsets == 0) {
                *res = switched ? A_NO_STX : A_RETRY;
                return mtr_set_err(m, METER_ETIMEDOUT, "iec: no data within %u ms after the %s",
                                   m->timeout_ms, switched ? "speed switch" : "identification");
            }
            if (r.stx_seen && r.o.bcc != MTR_IEC_BCC_NONE && !mtr_iec_reader_at_end(&r)) {
                /* a message framed by STX ends with '!', ETX and its check character: one that
                 * goes quiet before them broke off (bcc=none accepts meters that omit them) */
                *res = A_RETRY;
                return mtr_set_err(m, METER_ETRUNCATED,
                                   "iec: the readout broke off after %zu data sets (no '!' and ETX "
                                   "within %u ms)", out->n, m->timeout_ms);
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
        if (rc < 0) {
            *res = rc == METER_ENOMEM ? A_FAIL : A_RETRY;
            return mtr_set_err(m, rc, "iec: readout: %s", rerr[0] ? rerr : meter_strerror(rc));
        }
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
