/* SPDX-License-Identifier: MIT */
/* IEC 62056-21 programming mode: sign-on with "ACK 0 Z 1", the meter's P0, our
 * P1 with the password, R1 reads and W1 writes, each answered within the
 * reaction time; a NAK makes us send the command again, a bad check character
 * makes us send NAK; B0 ends every session, also after an abort. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "protocols/iec62056/iec_internal.h"

/* Read one frame (ACK, NAK, command or data) into p->rx; *f points into p->rx.
 * Bounded: at most sizeof p->rx bytes, by the response timeout plus their wire time. */
static int recv_frame(struct mtr_iec_prog *p, mtr_iec_frame_t *f, size_t *flen, char *err,
                      size_t len)
{
    struct mtr_iec_head *h = p->h;
    long span = (long)p->m->timeout_ms + (long)((double)sizeof p->rx * mtr_iec_head_char_ms(h) + 0.999);
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        size_t used = 0;
        if (p->rxn) {
            int rc = mtr_iec_frame_scan(p->rx, p->rxn, p->alg, f, &used, err, len);
            if (rc == MTR_IEC_COMPLETE) {
                *flen = used;
                return METER_OK;
            }
            if (rc == METER_ECHECKSUM) {
                *flen = used ? used : p->rxn; /* the damaged frame goes */
                return rc;
            }
            if (rc < 0) {
                p->rxn = 0; /* garbage: drop it and wait for a frame */
                return rc;
            }
        }
        if (p->rxn == sizeof p->rx)
            return mtr_err(err, len, METER_ELIMIT, "answer longer than %zu bytes", sizeof p->rx);
        size_t n;
        clock_gettime(CLOCK_MONOTONIC, &t);
        long left = span - ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
        if (left <= 0)
            return mtr_err(err, len, METER_ETIMEDOUT, "no complete answer within %ld ms", span);
        unsigned wait = left < (long)p->m->timeout_ms ? (unsigned)left : p->m->timeout_ms;
        int rc = mtr_iec_head_recv(h, p->rx + p->rxn, sizeof p->rx - p->rxn, wait, &n, err, len);
        if (rc != METER_OK)
            return rc;
        mtr_log_hex(p->m, "iec <", p->rx + p->rxn, n);
        p->rxn += n;
    }
}

static void drop_frame(struct mtr_iec_prog *p, size_t flen)
{
    memmove(p->rx, p->rx + flen, p->rxn - flen);
    p->rxn -= flen;
}

static int send_bytes(struct mtr_iec_prog *p, const uint8_t *b, size_t n, char *err, size_t len)
{
    mtr_iec_head_wait_since_rx(p->h, p->reaction_ms);
    mtr_log_hex(p->m, "iec >", b, n);
    return mtr_iec_head_send(p->h, b, n, err, len);
}

/* Send a command and get its answer: NAK from the meter -> send again; a bad check
 * character -> we send NAK and the meter repeats; silence -> send again. Up to
 * the handle's retries. On success the answer's data is in p->ans. */
static int transact(struct mtr_iec_prog *p, char cmd, char type, const char *data,
                    mtr_iec_frame_t *ans, const char *what)
{
    meter_t *m = p->m;
    uint8_t frame[MTR_IEC_FRAME_MAX];
    size_t flen;
    char err[200] = "";
    int rc = mtr_iec_cmd_build(frame, sizeof frame, cmd, type, data, data ? strlen(data) : 0, false,
                               p->alg, &flen);
    if (rc != METER_OK)
        return mtr_set_err(m, rc, "iec: %s: cannot build the command (too long?)", what);
    bool resend = true;
    for (unsigned attempt = 0;; attempt++) {
        m->stats.transactions++;
        if (attempt)
            m->stats.retries++;
        if (resend && (rc = send_bytes(p, frame, flen, err, sizeof err)) != METER_OK)
            return mtr_set_err(m, rc, "iec: %s: %s", what, err);
        size_t alen = 0;
        rc = recv_frame(p, ans, &alen, err, sizeof err);
        if (rc == METER_OK) {
            p->ans_len = ans->data_len < sizeof p->ans ? ans->data_len : sizeof p->ans;
            memcpy(p->ans, ans->data ? ans->data : (const uint8_t *)"", p->ans_len);
            drop_frame(p, alen);
            ans->data = p->ans;
            if (ans->kind != MTR_IEC_FRAME_NAK)
                return METER_OK;
            m->stats.errors++;
            if (attempt >= m->retries)
                return mtr_set_err(m, METER_ENAK, "iec: %s: the meter answered NAK %u time%s",
                                   what, attempt + 1, attempt ? "s" : "");
            mtr_log(m, METER_LOG_INFO, "iec: %s: NAK, sending it again", what);
            resend = true;
            continue;
        }
        m->stats.errors++;
        if (attempt >= m->retries)
            return mtr_set_err(m, rc, "iec: %s: %s", what, err);
        if (rc == METER_ECHECKSUM) {
            /* ask for the answer again */
            drop_frame(p, alen);
            mtr_log(m, METER_LOG_INFO, "iec: %s: bad check character in the answer, NAK", what);
            uint8_t nak = MTR_IEC_NAK;
            if ((rc = send_bytes(p, &nak, 1, err, sizeof err)) != METER_OK)
                return mtr_set_err(m, rc, "iec: %s: %s", what, err);
            resend = false;
        } else {
            resend = true; /* silence or garbage: the command again */
            p->rxn = 0;
        }
    }
}

int mtr_iec_prog_open(struct mtr_iec_prog *p, meter_t *m, const char *password)
{
    struct mtr_iec_meter *o = m->priv;
    memset(p, 0, sizeof *p);
    p->m = m;
    p->o = o;
    p->h = mtr_iec_head_of(m);
    p->alg = o->bcc == MTR_IEC_BCC_SUM7 ? MTR_IEC_BCC_SUM7 : o->bcc;
    char err[200] = "";
    uint8_t buf[MTR_IEC_FRAME_MAX];
    size_t n, used;
    int rc;
    if (!password || !*password)
        password = o->password[0] ? o->password : NULL;
    mtr_iec_head_reset_speed(p->h, NULL, 0);
    if (o->wakeup && (rc = mtr_iec_head_wakeup(p->h, err, sizeof err)) != METER_OK)
        return mtr_set_err(m, rc, "iec: wake-up: %s", err);
    mtr_iec_head_flush(p->h);
    p->open = true; /* from here on, B0 ends the session whatever happens */
    if ((rc = mtr_iec_signon_build(buf, sizeof buf, o->devaddr, &n)) != METER_OK)
        return mtr_set_err(m, rc, "iec: bad device address '%s'", o->devaddr);
    mtr_log_hex(m, "iec >", buf, n);
    if ((rc = mtr_iec_head_send(p->h, buf, n, err, sizeof err)) != METER_OK)
        return mtr_set_err(m, rc, "iec: %s", err);
    /* the identification */
    m->stats.transactions++;
    /* at most sizeof p->rx bytes, by the timeout plus their wire time at 300 Bd */
    long span = (long)m->timeout_ms + (long)((double)sizeof p->rx * mtr_iec_head_char_ms(p->h) + 0.999);
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &t);
        long left = span - ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
        if (left <= 0)
            return mtr_set_err(m, METER_ETIMEDOUT, "iec: no complete identification within %ld ms "
                               "after the sign-on", span);
        rc = mtr_iec_head_recv(p->h, p->rx + p->rxn, sizeof p->rx - p->rxn,
                               left < (long)m->timeout_ms ? (unsigned)left : m->timeout_ms, &n, err,
                               sizeof err);
        if (rc == METER_ETIMEDOUT)
            return mtr_set_err(m, rc, "iec: no identification within %u ms after the sign-on",
                               m->timeout_ms);
        if (rc != METER_OK)
            return mtr_set_err(m, rc, "iec: %s", err);
        p->rxn += n;
        rc = mtr_iec_ident_scan(p->rx, p->rxn, &o->ident, &used, err, sizeof err);
        if (rc == MTR_IEC_COMPLETE)
            break;
        if (rc < 0)
            return mtr_set_err(m, rc, "iec: identification: %s", err);
        if (p->rxn == sizeof p->rx)
            return mtr_set_err(m, METER_ELIMIT, "iec: no identification in %zu bytes", p->rxn);
    }
    p->rxn = 0;
    o->have_ident = true;
    p->reaction_ms = o->ident.fast_reaction ? 20 : 200;
    if (o->ident.mode != MTR_IEC_MODE_C)
        return mtr_set_err(m, METER_EUNSUPPORTED,
                           "iec: the meter announced mode %s (baud character '%c'); programming "
                           "mode needs mode C",
                           o->ident.mode == MTR_IEC_MODE_A ? "A" : o->ident.mode == MTR_IEC_MODE_B ? "B" : "?",
                           o->ident.baud_char);
    /* option select: programming mode, at the meter's speed where we can switch */
    mtr_iec_optsel_t os = {'0', '0', '1'};
    unsigned baud = 300;
    if (mtr_iec_head_can_switch(p->h) && o->ident.baud > 300 &&
        (!o->max_baud || o->ident.baud <= o->max_baud)) {
        os.z = o->ident.baud_char;
        baud = o->ident.baud;
    }
    mtr_iec_optsel_build(buf, sizeof buf, &os, &n);
    if ((rc = send_bytes(p, buf, n, err, sizeof err)) != METER_OK)
        return mtr_set_err(m, rc, "iec: %s", err);
    if (baud != 300 && (rc = mtr_iec_head_switch(p->h, baud, o->delay_ms, err, sizeof err)) != METER_OK)
        return mtr_set_err(m, rc, "iec: switching to %u Bd: %s", baud, err);
    /* P0 from the meter */
    mtr_iec_frame_t f;
    size_t flen;
    rc = recv_frame(p, &f, &flen, err, sizeof err);
    if (rc != METER_OK)
        return mtr_set_err(m, rc, "iec: no P0 after the option select: %s", err);
    drop_frame(p, flen);
    if (f.kind != MTR_IEC_FRAME_CMD || f.cmd != 'P')
        return mtr_set_err(m, METER_EFRAME, "iec: expected P0 after the option select");
    if (!password)
        return METER_OK; /* meters such as the ME162 take R1 right away */
    char pw[40];
    snprintf(pw, sizeof pw, "(%s)", password);
    rc = transact(p, 'P', '1', pw, &f, "password");
    if (rc == METER_ENAK)
        return mtr_set_err(m, METER_EAUTH, "iec: password refused (the meter answered NAK)");
    if (rc != METER_OK)
        return rc;
    if (f.kind == MTR_IEC_FRAME_ACK)
        return METER_OK;
    char detail[100] = "";
    snprintf(detail, sizeof detail, "%.*s", (int)p->ans_len, (const char *)p->ans);
    return mtr_set_err(m, METER_EAUTH, "iec: password refused (the meter answered %s%s)",
                       f.kind == MTR_IEC_FRAME_CMD ? "with a break " : "", detail);
}

static int answer_status(struct mtr_iec_prog *p, const mtr_iec_frame_t *f, const char *what,
                         const char *address)
{
    char detail[160] = "";
    int rc = mtr_iec_answer_status(f, detail, sizeof detail);
    if (rc == METER_OK)
        return rc;
    if (rc == METER_ESTATE)
        p->open = false; /* the meter ended the session itself */
    return mtr_set_err(p->m, rc, "iec: %s %s: %s", what, address, detail[0] ? detail : meter_strerror(rc));
}

int mtr_iec_prog_read(struct mtr_iec_prog *p, const char *address)
{
    char data[MTR_IEC_ADDR_MAX + 8];
    mtr_iec_frame_t f;
    snprintf(data, sizeof data, "%s()", address);
    int rc = transact(p, 'R', '1', data, &f, "R1");
    if (rc != METER_OK)
        return rc;
    if (f.kind == MTR_IEC_FRAME_ACK) /* EMH: an ACK-only answer carries no value */
        return mtr_set_err(p->m, METER_EFRAME, "iec: R1 %s: the meter answered ACK without data",
                           address);
    rc = answer_status(p, &f, "R1", address);
    if (rc == METER_OK && f.kind != MTR_IEC_FRAME_DATA)
        return mtr_set_err(p->m, METER_EFRAME, "iec: R1 %s: unexpected answer", address);
    return rc;
}

int mtr_iec_prog_write(struct mtr_iec_prog *p, const char *address, const char *value)
{
    char data[MTR_IEC_ADDR_MAX + MTR_IEC_VALUE_MAX + 8];
    mtr_iec_frame_t f;
    snprintf(data, sizeof data, "%s(%s)", address, value);
    int rc = transact(p, 'W', '1', data, &f, "W1");
    if (rc != METER_OK)
        return rc;
    rc = answer_status(p, &f, "W1", address);
    if (rc == METER_OK && f.kind != MTR_IEC_FRAME_ACK)
        return mtr_set_err(p->m, METER_EFRAME, "iec: W1 %s: expected ACK", address);
    return rc;
}

void mtr_iec_prog_close(struct mtr_iec_prog *p)
{
    if (p->open) {
        uint8_t b0[8];
        size_t n;
        if (mtr_iec_cmd_build(b0, sizeof b0, 'B', '0', NULL, 0, false, p->alg, &n) == METER_OK &&
            send_bytes(p, b0, n, NULL, 0) == METER_OK && mtr_iec_head_can_switch(p->h) &&
            p->h->link.baud != 300)
            mtr_iec_head_switch(p->h, 300, 0, NULL, 0); /* after B0 has left the UART */
        p->open = false;
    }
    mtr_iec_head_reset_speed(p->h, NULL, 0);
}
