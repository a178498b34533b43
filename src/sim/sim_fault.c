/* SPDX-License-Identifier: MIT */
/* Fault injection for the simulator's replies (paced through sim_pace.c): drop, flip a
 * bit, truncate, delay, answer as another slave, prepend noise, echo the
 * request, answer with an exception, glue another frame, drip, or never stop
 * sending — at a seeded, repeatable rate. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "sim/sim_internal.h"

unsigned mtr_sim_random(struct meter_sim *s, unsigned n)
{
    /* xorshift64*: small, fast and repeatable for a given seed */
    uint64_t x = s->rng ? s->rng : 0x9E3779B97F4A7C15ull;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    s->rng = x;
    return n ? (unsigned)((x * 0x2545F4914F6CDD1Dull) >> 33) % n : 0;
}

static void put_raw(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t k = write(fd, p, n);
        if (k <= 0)
            return;
        p += k;
        n -= (size_t)k;
    }
}

/* Where a reply's bytes go: through the protocol's writer where it has one, and
 * paced like the line when the simulator is paced. */
struct sink {
    struct meter_sim *s;
    const struct mtr_sim_framing *fr;
    int fd;
    struct mtr_sim_line line;
    int paced;
    int64_t t; /* paced: the end of the last character written */
};

static int out(void *arg, const uint8_t *p, size_t n)
{
    struct sink *k = arg;
    if (k->fr->write)
        k->fr->write(k->s, k->fd, p, n);
    else
        put_raw(k->fd, p, n);
    return 0;
}

static void put(struct sink *k, const uint8_t *p, size_t n)
{
    if (k->paced)
        mtr_sim_paced_write(k->s, &k->line, &k->t, p, n, out, k);
    else
        out(k, p, n);
}

/* Pick the fault for this reply (0: none). */
static unsigned pick(struct meter_sim *s)
{
    if (!s->faults || mtr_sim_random(s, 1000) >= s->fault_rate)
        return 0;
    unsigned kinds[MTR_SIM_FAULT_KINDS], n = 0;
    for (unsigned b = 0; b < MTR_SIM_FAULT_KINDS; b++)
        if (s->faults & (1u << b))
            kinds[n++] = b;
    unsigned b = kinds[mtr_sim_random(s, n)];
    s->fault_counts[b]++;
    return 1u << b;
}

/* Bytes without end in place of the reply: its first byte, then noise — or, where the
 * protocol says which part repeats (an IEC readout's data lines), its head and then
 * that part again and again — chunk after chunk (paced like the line when the
 * simulator is paced), until the simulator stops, the client goes away or sends
 * again (its next request ends the stream). It waits for room on the line with
 * poll(), so a client that stops reading never blocks a stop. */
static void endless(struct sink *k, const uint8_t *rsp, size_t rsp_len)
{
    struct meter_sim *s = k->s;
    uint8_t chunk[64];
    int first = 1;
    size_t from = 0, rep = k->fr->endless ? k->fr->endless(rsp, rsp_len, &from) : 0, at = 0;
    if (rep && from + rep > rsp_len)
        rep = 0;
    while (!s->stopping) {
        struct pollfd p[2] = {{k->fd, POLLIN | POLLOUT, 0}, {s->stop_pipe[0], POLLIN, 0}};
        if (poll(p, 2, 1000) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (p[1].revents || (p[0].revents & (POLLIN | POLLERR | POLLHUP | POLLNVAL)))
            break;
        if (!(p[0].revents & POLLOUT))
            continue;
        if (rep && first && from) {
            put(k, rsp, from);
        } else if (rep) {
            size_t n = rep - at < sizeof chunk ? rep - at : sizeof chunk;
            put(k, rsp + from + at, n);
            at = (at + n) % rep;
        } else {
            for (size_t i = 0; i < sizeof chunk; i++)
                chunk[i] = (uint8_t)mtr_sim_random(s, 256);
            if (first && rsp_len)
                chunk[0] = rsp[0];
            put(k, chunk, sizeof chunk);
        }
        first = 0;
    }
    if (k->paced)
        mtr_sim_line_done(s, &k->line, k->t);
}

void mtr_sim_send(struct meter_sim *s, int fd, const uint8_t *req, size_t req_len, uint8_t *rsp,
                  size_t rsp_len, const struct mtr_sim_framing *fr)
{
    mtr_sim_send_line(s, fd, req, req_len, rsp, rsp_len, fr, NULL);
}

void mtr_sim_send_line(struct meter_sim *s, int fd, const uint8_t *req, size_t req_len,
                       uint8_t *rsp, size_t rsp_len, const struct mtr_sim_framing *fr,
                       const struct mtr_sim_line *line)
{
    struct sink k = {s, fr, fd, {0}, 0, 0};
    if (s->pace_baud && line && line->baud) {
        /* the reply starts when the request has crossed the line, after the silence and the
         * meter's turnaround; each character then arrives at its time */
        k.line = *line;
        k.paced = 1;
        k.t = mtr_sim_reply_at(s, req_len, &k.line);
    }
    unsigned f = pick(s);
    switch (f) {
    case METER_SIM_F_DROP:
        if (k.paced)
            mtr_sim_line_done(s, &k.line, k.t);
        return;
    case METER_SIM_F_CORRUPT: {
        unsigned bit = mtr_sim_random(s, (unsigned)rsp_len * 8);
        rsp[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        break;
    }
    case METER_SIM_F_TRUNCATE:
        if (rsp_len > 1)
            rsp_len = 1 + mtr_sim_random(s, (unsigned)rsp_len - 1);
        break;
    case METER_SIM_F_DELAY:
        if (!k.paced)
            k.t = mtr_sim_now_ns();
        k.t += (int64_t)s->delay_ms * 1000000;
        mtr_sim_wait_until(s, k.t);
        break;
    case METER_SIM_F_WRONG_ID:
        if (fr->readdress && fr->readdress(rsp, rsp_len) && fr->reseal)
            fr->reseal(rsp, rsp_len);
        break;
    case METER_SIM_F_GARBAGE: {
        uint8_t noise[8];
        unsigned n = 1 + mtr_sim_random(s, sizeof noise);
        for (unsigned i = 0; i < n; i++)
            noise[i] = (uint8_t)mtr_sim_random(s, 256);
        put(&k, noise, n);
        break;
    }
    case METER_SIM_F_ECHO:
        put(&k, req, req_len);
        break;
    case METER_SIM_F_EXCEPTION: {
        uint8_t refused[64];
        size_t n = fr->refusal ? fr->refusal(rsp, rsp_len, refused, sizeof refused) : 0;
        if (n) {
            put(&k, refused, n);
            rsp_len = 0;
        }
        break;
    }
    default:
        break;
    }
    if (f == METER_SIM_F_ENDLESS) {
        endless(&k, rsp, rsp_len);
        return;
    }
    if (f == METER_SIM_F_DRIP && rsp_len) {
        /* byte by byte, each one long after the last: only a bound on the whole call ends it */
        int64_t t = k.paced ? k.t : mtr_sim_now_ns();
        for (size_t i = 0; i < rsp_len && !s->stopping; i++) {
            t += (int64_t)s->delay_ms * 1000000 / 8;
            mtr_sim_wait_until(s, t);
            out(&k, rsp + i, 1);
        }
        if (k.paced)
            mtr_sim_line_done(s, &k.line, t);
        return;
    }
    if (f == METER_SIM_F_GLUED && rsp_len && rsp_len <= 512 && fr->readdress) {
        /* another slave's frame right behind ours, in the same write: the reply must not
         * be trusted */
        uint8_t both[1024];
        memcpy(both, rsp, rsp_len);
        memcpy(both + rsp_len, rsp, rsp_len);
        if (fr->readdress(both + rsp_len, rsp_len)) {
            if (fr->reseal)
                fr->reseal(both + rsp_len, rsp_len);
            put(&k, both, 2 * rsp_len);
            rsp_len = 0;
        }
    }
    if (rsp_len)
        put(&k, rsp, rsp_len);
    if (k.paced)
        mtr_sim_line_done(s, &k.line, k.t);
}

unsigned long meter_sim_fault_count(const meter_sim_t *s, meter_sim_fault_t fault)
{
    if (!s)
        return 0;
    for (unsigned b = 0; b < MTR_SIM_FAULT_KINDS; b++)
        if ((unsigned)fault == 1u << b)
            return s->fault_counts[b];
    return 0;
}
