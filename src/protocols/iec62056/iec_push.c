/* SPDX-License-Identifier: MIT */
/* Meters that push IEC 62056-21 mode D text unasked (DSMR P1, EasyMeter Q3D): listen
 * for the next whole telegram '/' ... '!' (DSMR: the CRC-16 after '!' checked), parse
 * it with the codec's reader, within a deadline; bounded memory, the cancel pipe polled. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "protocols/iec62056/iec_internal.h"

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

unsigned mtr_iec_push_deadline_ms(unsigned interval_ms, unsigned baud)
{
    if (!baud)
        baud = 9600;
    unsigned long long wire = (unsigned long long)MTR_IEC_PUSH_MAX * 10 * 1000 / baud + 1;
    return (unsigned)(2ull * interval_ms + wire);
}

/* One whole telegram: check and parse it into out. */
static int telegram(meter_t *m, const uint8_t *p, size_t n, struct mtr_iec_sets *out, char *err,
                    size_t len)
{
    int dsmr = MTR_IEC_IS_DSMR(m->bus->conn.scheme->id);
    if (dsmr) {
        int rc = mtr_iec_dsmr_crc_check(p, n, NULL, NULL, err, len);
        if (rc != METER_OK)
            return rc;
    }
    out->n = 0;
    mtr_iec_reader_t r;
    mtr_iec_reader_opts_t o = {MTR_IEC_RD_IDENT, MTR_IEC_BCC_NONE, mtr_iec_sets_add, out, err, len};
    int rc = mtr_iec_readout_parse(&r, &o, p, n);
    if (rc != MTR_IEC_COMPLETE) {
        out->n = 0;
        return rc < 0 ? rc : mtr_err(err, len, METER_ETRUNCATED, "the telegram ends early");
    }
    struct mtr_iec_meter *im = m->priv;
    if (im && r.have_ident) {
        im->ident = r.ident;
        im->have_ident = true;
    }
    return METER_OK;
}

int mtr_iec_push_listen(meter_t *m, struct mtr_iec_sets *out)
{
    struct mtr_iec_head *h = mtr_iec_head_of(m);
    uint8_t tg[MTR_IEC_PUSH_MAX];
    size_t n = 0;
    int state = 0; /* 0 hunting '/', 1 in the telegram, 2 after '!' up to LF */
    unsigned bad = 0;
    unsigned parity = h->parity_errors; /* soft 7E1 (TCP): bytes with a wrong parity bit */
    bool tainted = false;                /* the telegram has bytes from a read with one */
    char err[200] = "", msg[400] = "";
    uint64_t rx0 = h->link.bytes_received;
    long long deadline = now_ms() + m->timeout_ms;
    int rc;
    mtr_iec_head_flush(h);
    m->stats.transactions++;
    for (;;) {
        uint8_t buf[512];
        size_t got = 0;
        long long left = deadline - now_ms();
        rc = left <= 0 ? METER_ETIMEDOUT
                       : mtr_iec_head_recv(h, buf, sizeof buf, (unsigned)left, &got, msg, sizeof msg);
        if (rc == METER_ETIMEDOUT) {
            if (bad)
                snprintf(msg, sizeof msg, "no valid telegram within %u ms: %u refused, the last: %s",
                         m->timeout_ms, bad, err);
            else
                snprintf(msg, sizeof msg, "no telegram within %u ms (%llu bytes seen)",
                         m->timeout_ms, (unsigned long long)(h->link.bytes_received - rx0));
        }
        if (rc != METER_OK)
            break;
        /* a read with a parity error taints the telegram it adds to (the count is per
         * read, not per byte: the telegram is refused even if the bad byte was before it) */
        bool chunk_bad = h->parity_errors != parity;
        parity = h->parity_errors;
        for (size_t i = 0; i < got && rc == METER_OK; i++) {
            uint8_t c = buf[i];
            if (c == '/' && (state == 0 || (n && tg[n - 1] == '\n'))) {
                if (state != 0) { /* a new telegram began inside one: the old one is cut */
                    bad++;
                    snprintf(err, sizeof err, "a telegram cut off by the next '/'");
                }
                n = 0;
                state = 1;
                tainted = false;
            }
            if (state == 0)
                continue;
            tainted |= chunk_bad;
            if (n == sizeof tg) {
                bad++;
                snprintf(err, sizeof err, "a telegram longer than %d bytes", MTR_IEC_PUSH_MAX);
                state = 0;
                continue;
            }
            tg[n++] = c;
            if (state == 1 && c == '!')
                state = 2;
            else if (state == 2 && c == '\n') {
                state = 0;
                int st = tainted ? mtr_err(err, sizeof err, METER_ECHECKSUM,
                                           "a telegram with a parity error")
                                 : telegram(m, tg, n, out, err, sizeof err);
                if (st == METER_OK) {
                    mtr_log_hex(m, "telegram", tg, n);
                    rc = 1;
                } else {
                    bad++;
                    mtr_log(m, METER_LOG_DEBUG, "telegram refused: %s", err);
                }
            }
        }
        if (rc == 1) {
            rc = METER_OK;
            break;
        }
    }
    m->stats.bytes_received += h->link.bytes_received - rx0;
    if (rc == METER_OK)
        return METER_OK;
    m->stats.errors++;
    return mtr_set_err(m, rc, "%s", msg[0] ? msg : meter_strerror(rc));
}
