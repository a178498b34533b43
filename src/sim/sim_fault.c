/* SPDX-License-Identifier: MIT */
/* Fault injection and line pacing for the simulator's replies: drop, flip a
 * bit, truncate, delay, answer as another slave, prepend noise, echo the
 * request, or answer with an exception — at a seeded, repeatable rate. */
#include <string.h>
#include <time.h>
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

static void pause_us(unsigned long us)
{
    struct timespec ts = {(time_t)(us / 1000000), (long)(us % 1000000) * 1000};
    while (nanosleep(&ts, &ts) < 0) {
    }
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

/* Out through the protocol's writer where it has one. */
static void put(struct meter_sim *s, const struct mtr_sim_framing *fr, int fd, const uint8_t *p,
                size_t n)
{
    if (fr->write)
        fr->write(s, fd, p, n);
    else
        put_raw(fd, p, n);
}

/* Pick the fault for this reply (0: none). */
static unsigned pick(struct meter_sim *s)
{
    if (!s->faults || mtr_sim_random(s, 1000) >= s->fault_rate)
        return 0;
    unsigned kinds[8], n = 0;
    for (unsigned b = 0; b < 8; b++)
        if (s->faults & (1u << b))
            kinds[n++] = b;
    unsigned b = kinds[mtr_sim_random(s, n)];
    s->fault_counts[b]++;
    return 1u << b;
}

void mtr_sim_send(struct meter_sim *s, int fd, const uint8_t *req, size_t req_len, uint8_t *rsp,
                  size_t rsp_len, const struct mtr_sim_framing *fr)
{
    if (s->pace_baud) {
        /* what a line at this baud (11 bits a character) takes for request and reply */
        double us = (double)(req_len + rsp_len) * 11e6 / s->pace_baud + s->turnaround_us;
        pause_us((unsigned long)us);
    }
    unsigned f = pick(s);
    switch (f) {
    case METER_SIM_F_DROP:
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
        pause_us((unsigned long)s->delay_ms * 1000);
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
        put(s, fr, fd, noise, n);
        break;
    }
    case METER_SIM_F_ECHO:
        put(s, fr, fd, req, req_len);
        break;
    case METER_SIM_F_EXCEPTION: {
        uint8_t out[64];
        size_t n = fr->refusal ? fr->refusal(rsp, rsp_len, out, sizeof out) : 0;
        if (n) {
            put(s, fr, fd, out, n);
            return;
        }
        break;
    }
    default:
        break;
    }
    put(s, fr, fd, rsp, rsp_len);
}

unsigned long meter_sim_fault_count(const meter_sim_t *s, meter_sim_fault_t fault)
{
    if (!s)
        return 0;
    for (unsigned b = 0; b < 8; b++)
        if ((unsigned)fault == 1u << b)
            return s->fault_counts[b];
    return 0;
}
