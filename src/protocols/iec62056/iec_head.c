/* SPDX-License-Identifier: MIT */
/* The IEC 62056-21 optical head on top of the raw link: 300 Bd 7E1 at sign-on,
 * the baud switch after the option select (drain, computed wire time, extra
 * delay), echo suppression, DTR/RTS, wake-up, and 7E1 made in software on TCP.
 * No protocol grammar here: the sessions in src/core/iec_*.c frame the bytes. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "protocols/iec62056/iec_internal.h"

static void now(struct timespec *t)
{
    clock_gettime(CLOCK_MONOTONIC, t);
}

static long us_between(const struct timespec *a, const struct timespec *b)
{
    return (b->tv_sec - a->tv_sec) * 1000000L + (b->tv_nsec - a->tv_nsec) / 1000L;
}

static void sleep_us(long us)
{
    if (us <= 0)
        return;
    struct timespec ts = {us / 1000000L, (us % 1000000L) * 1000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

void mtr_iec_head_pause(unsigned ms)
{
    sleep_us((long)ms * 1000L);
}

int mtr_iec_head_open(struct mtr_iec_head *h, const struct mtr_conn *c, char *err, size_t len)
{
    int rc;
    memset(h, 0, sizeof *h);
    h->link.fd = -1;
    const struct mtr_iec_opts *o = MTR_CPOPT(c, struct mtr_iec_opts);
    h->echo = (c->pset & MTR_IEC_SET_ECHO) ? o->echo : MTR_ECHO_AUTO;
    h->echo_known = -1;
    int id = c->scheme->id;
    h->keep8 = MTR_IEC_IS_DSMR(id) && (MTR_IEC_IS_TCP(id) || !(c->set & MTR_SET_DATA) ||
                                       c->data_bits == 8);
    if (MTR_IEC_IS_TCP(id)) {
        unsigned t = (c->set & MTR_SET_TIMEOUT) ? c->timeout_ms : 3000;
        rc = mtr_link_open_tcp(&h->link, c->host, c->port, t, err, len);
        h->soft7e1 = id != MTR_IEC_DSMR_TCP; /* DSMR P1 is 8N1 */
        return rc;
    }
    if (MTR_IEC_IS_PUSH(id)) {
        /* the line of the string or the model (dsmr 115200 8N1, easymeter-q3d 9600 7E1) */
        unsigned data = (c->set & MTR_SET_DATA) ? c->data_bits : MTR_IEC_IS_DSMR(id) ? 8 : 7;
        rc = mtr_link_open_serial(&h->link, c->path, c->baud, c->parity, data, c->stop_bits, err,
                                  len);
    } else {
        unsigned baud = (c->set & MTR_SET_BAUD) ? c->baud : 300;
        rc = mtr_link_open_serial(&h->link, c->path, baud, 'E', 7, 1, err, len);
    }
    if (rc != METER_OK)
        return rc;
    int dtr = (c->pset & MTR_IEC_SET_DTR) ? o->dtr : -1;
    int rts = (c->pset & MTR_IEC_SET_RTS) ? o->rts : -1;
    if ((dtr >= 0 || rts >= 0) && (rc = mtr_link_set_modem(&h->link, dtr, rts, err, len)) != METER_OK) {
        mtr_link_close(&h->link);
        return rc;
    }
    return METER_OK;
}

void mtr_iec_head_close(struct mtr_iec_head *h)
{
    mtr_link_close(&h->link);
}

bool mtr_iec_head_can_switch(const struct mtr_iec_head *h)
{
    return h->link.kind == MTR_LINK_SERIAL;
}

int mtr_iec_head_send(struct mtr_iec_head *h, const uint8_t *p, size_t n, char *err, size_t len)
{
    uint8_t wire[MTR_IEC_FRAME_MAX];
    size_t done = 0;
    /* the echo we expect is the whole of what we send (in chunks for long data) */
    h->sent_len = n < sizeof h->sent ? n : sizeof h->sent;
    memcpy(h->sent, p, h->sent_len);
    h->sent_pos = h->echo == MTR_ECHO_OFF || h->echo_known == 0 ? h->sent_len : 0;
    now(&h->write_start);
    h->write_len = n;
    while (done < n) {
        size_t k = n - done < sizeof wire ? n - done : sizeof wire;
        memcpy(wire, p + done, k);
        if (h->soft7e1)
            mtr_iec_7e1_encode(wire, k);
        int rc = mtr_link_write(&h->link, wire, k, 2000 + (unsigned)(k * 40), err, len);
        if (rc != METER_OK)
            return rc;
        done += k;
    }
    return METER_OK;
}

/* Sort received bytes into echo (dropped) and data (kept in h->pend). Bytes that
 * match the start of our last frame are held until the whole frame has come back;
 * at the first byte that differs they were data after all and are kept. */
static void pend(struct mtr_iec_head *h, const uint8_t *p, size_t n)
{
    size_t room = sizeof h->pend - h->pend_len;
    if (n > room)
        n = room;
    memcpy(h->pend + h->pend_len, p, n);
    h->pend_len += n;
}

static void release_held(struct mtr_iec_head *h)
{
    if (h->sent_pos < h->sent_len) {
        pend(h, h->sent, h->sent_pos); /* a partial match: it was data */
        if (h->echo == MTR_ECHO_AUTO && h->echo_known < 0)
            h->echo_known = 0; /* the first reply is not an echo: this head has none */
        h->sent_pos = h->sent_len;
    }
}

static void sort_bytes(struct mtr_iec_head *h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (h->sent_pos < h->sent_len) {
            if (p[i] == h->sent[h->sent_pos]) {
                if (++h->sent_pos == h->sent_len && h->echo == MTR_ECHO_AUTO)
                    h->echo_known = 1;
                continue;
            }
            release_held(h);
        }
        pend(h, p + i, 1);
    }
}

int mtr_iec_head_recv(struct mtr_iec_head *h, uint8_t *p, size_t cap, unsigned timeout_ms,
                      size_t *got, char *err, size_t len)
{
    struct timespec t0, t;
    uint8_t buf[512];
    now(&t0);
    *got = 0;
    while (!h->pend_len) {
        now(&t);
        long left = (long)timeout_ms - us_between(&t0, &t) / 1000;
        if (left < 0)
            left = 0;
        size_t k = 0;
        char why[160] = "";
        int rc = mtr_link_read(&h->link, buf, sizeof buf, (unsigned)left, &k, why, sizeof why);
        if (rc == METER_ETIMEDOUT) {
            release_held(h);
            if (h->pend_len)
                break;
            return mtr_err(err, len, METER_ETIMEDOUT, "no data within %u ms", timeout_ms);
        }
        if (rc != METER_OK)
            return mtr_err(err, len, rc, "%s", rc == METER_EIO ? "the link failed or was closed"
                                                : why[0]        ? why
                                                                : "read failed");
        now(&h->last_rx);
        h->parity_errors += (unsigned)(h->link.parity_errors - h->link_parity); /* serial */
        h->link_parity = h->link.parity_errors;
        if (h->soft7e1)
            h->parity_errors += (unsigned)mtr_iec_7e1_decode(buf, k);
        else if (!h->keep8)
            for (size_t i = 0; i < k; i++)
                buf[i] &= 0x7F;
        sort_bytes(h, buf, k);
    }
    size_t n = h->pend_len < cap ? h->pend_len : cap;
    memcpy(p, h->pend, n);
    memmove(h->pend, h->pend + n, h->pend_len - n);
    h->pend_len -= n;
    *got = n;
    return METER_OK;
}

int mtr_iec_head_switch(struct mtr_iec_head *h, unsigned baud, unsigned delay_ms, char *err,
                        size_t len)
{
    if (!mtr_iec_head_can_switch(h))
        return mtr_err(err, len, METER_EUNSUPPORTED, "a TCP link cannot change speed");
    mtr_link_drain(&h->link);
    /* USB bridges return from tcdrain() early: also wait the wire time since the write began */
    long wire_us = (long)(mtr_link_char_time(&h->link) * 1e6 * (double)h->write_len) + 1000;
    struct timespec t;
    now(&t);
    sleep_us(wire_us - us_between(&h->write_start, &t));
    sleep_us((long)delay_ms * 1000L);
    return mtr_link_set_baud(&h->link, baud, err, len);
}

int mtr_iec_head_reset_speed(struct mtr_iec_head *h, char *err, size_t len)
{
    if (!mtr_iec_head_can_switch(h) || h->link.baud == 300)
        return METER_OK;
    return mtr_link_set_baud(&h->link, 300, err, len);
}

void mtr_iec_head_wait_since_rx(struct mtr_iec_head *h, unsigned ms)
{
    struct timespec t;
    now(&t);
    sleep_us((long)ms * 1000L - us_between(&h->last_rx, &t));
}

int mtr_iec_head_wakeup(struct mtr_iec_head *h, char *err, size_t len)
{
    /* 66 NULs at 300 Bd 7E1 take 2.2 s (2.1-2.3 s asked), written back to back */
    uint8_t nul[66];
    memset(nul, 0, sizeof nul);
    int rc = mtr_iec_head_send(h, nul, sizeof nul, err, len);
    if (rc != METER_OK)
        return rc;
    mtr_link_drain(&h->link);
    struct timespec t;
    now(&t);
    long wire_us = (long)(10.0 / 300.0 * 1e6 * (double)sizeof nul);
    sleep_us(wire_us - us_between(&h->write_start, &t));
    sleep_us(1500000L); /* then 1.5-1.7 s of silence before the request */
    mtr_iec_head_flush(h);
    return METER_OK;
}

void mtr_iec_head_flush(struct mtr_iec_head *h)
{
    mtr_link_flush_input(&h->link); /* on a stream at most MTR_LINK_FLUSH_MAX bytes */
    h->sent_pos = h->sent_len;
    h->pend_len = 0;
}

double mtr_iec_head_char_ms(const struct mtr_iec_head *h)
{
    /* a TCP link is read at 300 Bd: the session never switches it (see choose_speed) */
    unsigned baud = h->link.kind == MTR_LINK_SERIAL && h->link.baud ? h->link.baud : 300;
    return 10000.0 / baud;
}
