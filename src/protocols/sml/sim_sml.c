/* SPDX-License-Identifier: MIT */
/* A simulated SML meter on its IR head: no request, it pushes a telegram (Open,
 * GetList with the model's codes, Close; message and transport CRCs right) every
 * interval to every listener, values growing; faults through the shared injector. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "protocols/sml/sml_internal.h"
#include "sim/sim_internal.h"

#define TELEGRAM_MAX 2048

struct sim_sml {
    long long next_ms;   /* monotonic ms of the next push */
    unsigned interval_ms;
    unsigned seq;        /* transaction counter */
    uint32_t secindex;
};

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* ---- an SML file, built ---------------------------------------------------------- */

struct out {
    uint8_t *p;
    size_t n, cap;
};

static void put(struct out *o, uint8_t b)
{
    if (o->n < o->cap)
        o->p[o->n] = b;
    o->n++;
}

static void octets(struct out *o, const uint8_t *p, size_t n)
{
    put(o, (uint8_t)(n + 1)); /* single-byte TL: up to 14 bytes */
    for (size_t i = 0; i < n; i++)
        put(o, p[i]);
}

static void uint_n(struct out *o, uint64_t v, unsigned bytes)
{
    put(o, (uint8_t)(0x60 | (bytes + 1)));
    for (unsigned i = bytes; i-- > 0;)
        put(o, (uint8_t)(v >> (8 * i)));
}

static void int_n(struct out *o, int64_t v, unsigned bytes)
{
    put(o, (uint8_t)(0x50 | (bytes + 1)));
    for (unsigned i = bytes; i-- > 0;)
        put(o, (uint8_t)((uint64_t)v >> (8 * i)));
}

static void list(struct out *o, unsigned n)
{
    if (n > 15) /* a two-byte TL: 1111 hhhh, 0000 llll (up to 255 elements) */
        put(o, (uint8_t)(0xF0 | (n >> 4)));
    put(o, (uint8_t)(n > 15 ? (n & 0x0F) : (0x70 | n)));
}

static void absent(struct out *o)
{
    put(o, 0x01);
}

/* 76 [transactionId, groupNo, abortOnError, body 72 [tag, ...], crc, 00]: begin */
static size_t msg_begin(struct out *o, unsigned seq, unsigned group, unsigned tag)
{
    size_t start = o->n;
    uint8_t tid[4] = {0x53, 0x49, (uint8_t)(seq >> 8), (uint8_t)seq};
    list(o, 6);
    octets(o, tid, sizeof tid);
    uint_n(o, group, 1);
    uint_n(o, 0, 1);
    list(o, 2);
    uint_n(o, tag, 2);
    return start;
}

static void msg_end(struct out *o, size_t start)
{
    uint16_t crc = o->n <= o->cap ? mtr_sml_crc_x25(o->p + start, o->n - start) : 0;
    put(o, 0x63);
    put(o, (uint8_t)(crc & 0xff));
    put(o, (uint8_t)(crc >> 8));
    put(o, 0x00);
}

/* one quantity the simulated meter pushes: code, unit, scaler, width, signed */
static const struct {
    uint8_t c, d, e;
    meter_quantity_t q;
    uint8_t unit;
    int8_t scaler;
    double factor; /* catalogue value x factor = value in the SML unit */
    unsigned bytes;
    int is_signed;
} codes[] = {
    {1, 8, 0, METER_Q_ENERGY_ACTIVE_IMPORT, 30, -1, 1000, 8, 0},
    {1, 8, 1, METER_Q_ENERGY_ACTIVE_IMPORT_T1, 30, -1, 1000, 8, 0},
    {1, 8, 2, METER_Q_ENERGY_ACTIVE_IMPORT_T2, 30, -1, 1000, 8, 0},
    {2, 8, 0, METER_Q_ENERGY_ACTIVE_EXPORT, 30, -1, 1000, 8, 0},
    {16, 7, 0, METER_Q_ACTIVE_POWER, 27, -1, 1, 4, 1},
    {21, 7, 0, METER_Q_ACTIVE_POWER_L1, 27, -1, 1, 4, 1},
    {41, 7, 0, METER_Q_ACTIVE_POWER_L2, 27, -1, 1, 4, 1},
    {61, 7, 0, METER_Q_ACTIVE_POWER_L3, 27, -1, 1, 4, 1},
    {32, 7, 0, METER_Q_VOLTAGE_L1, 35, -1, 1, 2, 0},
    {52, 7, 0, METER_Q_VOLTAGE_L2, 35, -1, 1, 2, 0},
    {72, 7, 0, METER_Q_VOLTAGE_L3, 35, -1, 1, 2, 0},
    {31, 7, 0, METER_Q_CURRENT_L1, 33, -2, 1, 2, 0},
    {51, 7, 0, METER_Q_CURRENT_L2, 33, -2, 1, 2, 0},
    {71, 7, 0, METER_Q_CURRENT_L3, 33, -2, 1, 2, 0},
    {14, 7, 0, METER_Q_FREQUENCY, 44, -1, 1, 2, 0},
};

static void entry(struct out *o, const struct mtr_sim_meter *sm, size_t k)
{
    const uint8_t obis[6] = {1, 0, codes[k].c, codes[k].d, codes[k].e, 255};
    double v = sm->v[codes[k].q] * codes[k].factor / pow(10.0, codes[k].scaler);
    list(o, 7);
    octets(o, obis, 6);
    if (codes[k].d == 8)
        uint_n(o, 0x182, 2); /* status as EMH meters send it on the counters */
    else
        absent(o);
    absent(o); /* valTime */
    uint_n(o, codes[k].unit, 1);
    int_n(o, codes[k].scaler, 1);
    if (codes[k].is_signed)
        int_n(o, (int64_t)llround(v), codes[k].bytes);
    else
        uint_n(o, (uint64_t)llround(v < 0 ? 0 : v), codes[k].bytes);
    absent(o); /* valueSignature */
}

/* the code's row, or SIZE_MAX */
static size_t code_row(const char *p, size_t len)
{
    for (size_t k = 0; k < sizeof codes / sizeof codes[0]; k++) {
        char c[16];
        int n = snprintf(c, sizeof c, "%u.%u.%u", codes[k].c, codes[k].d, codes[k].e);
        if ((size_t)n == len && memcmp(c, p, len) == 0)
            return k;
    }
    return SIZE_MAX;
}

/* how many of the model's codes the simulator knows (the entries it sends) */
static size_t ncodes(const char *sim_codes)
{
    size_t n = 0;
    for (const char *p = sim_codes; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        n += code_row(p, len) != SIZE_MAX;
        p = nl ? nl + 1 : p + len;
    }
    return n;
}

/* The SML file of one push. */
static size_t build_file(struct meter_sim *s, struct sim_sml *c, uint8_t *buf, size_t cap)
{
    struct mtr_sim_meter *sm = &s->meters[0];
    const struct mtr_sml_driver *d = sm->model->proto_data;
    struct out o = {buf, 0, cap};
    uint8_t server[10] = {0x0a, 0x01, 'S', 'I', 'M', 0x00, 0x00, 0x00, 0x00, 0x00};
    uint32_t sn = 10000000u + (uint32_t)sm->address;
    for (int i = 0; i < 4; i++)
        server[6 + i] = (uint8_t)(sn >> (24 - 8 * i));
    unsigned seq = c->seq++;
    /* PublicOpen.Res */
    size_t m = msg_begin(&o, seq, 0, MTR_SML_TAG_OPEN_RES);
    uint8_t file_id[4] = {0x00, 0x01, (uint8_t)(seq >> 8), (uint8_t)seq};
    list(&o, 6);
    absent(&o);
    absent(&o);
    octets(&o, file_id, 4);
    octets(&o, server, sizeof server);
    absent(&o);
    absent(&o);
    msg_end(&o, m);
    /* GetList.Res */
    m = msg_begin(&o, seq + 1, 0, MTR_SML_TAG_GETLIST_RES);
    list(&o, 7);
    absent(&o);
    octets(&o, server, sizeof server);
    absent(&o);
    list(&o, 2); /* actSensorTime: secIndex */
    uint_n(&o, 1, 1);
    uint_n(&o, c->secindex, 4);
    size_t n = ncodes(d->sim_codes);
    list(&o, (unsigned)(n + 1));
    /* the manufacturer first (129-129:199.130.3*255), as most meters do */
    const uint8_t mfr[6] = {0x81, 0x81, 0xc7, 0x82, 0x03, 0xff};
    list(&o, 7);
    octets(&o, mfr, 6);
    absent(&o);
    absent(&o);
    absent(&o);
    absent(&o);
    octets(&o, (const uint8_t *)"SIM", 3);
    absent(&o);
    size_t done = 1;
    for (const char *p = d->sim_codes; p && *p && done <= n;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        size_t k = code_row(p, len);
        if (k != SIZE_MAX) {
            entry(&o, sm, k);
            done++;
        }
        p = nl ? nl + 1 : p + len;
    }
    absent(&o); /* listSignature */
    absent(&o); /* actGatewayTime */
    msg_end(&o, m);
    /* PublicClose.Res */
    m = msg_begin(&o, seq + 2, 0, MTR_SML_TAG_CLOSE_RES);
    list(&o, 1);
    absent(&o);
    msg_end(&o, m);
    return o.n;
}

/* Transport v1: start, the file with 1b1b1b1b doubled, fill to 4 bytes, end, X.25. */
static size_t frame(const uint8_t *file, size_t n, uint8_t *buf, size_t cap)
{
    struct out o = {buf, 0, cap};
    for (int i = 0; i < 4; i++)
        put(&o, 0x1b);
    for (int i = 0; i < 4; i++)
        put(&o, 0x01);
    for (size_t i = 0; i < n; i++) {
        if (i + 4 <= n && !memcmp(file + i, "\x1b\x1b\x1b\x1b", 4)) {
            for (int k = 0; k < 8; k++)
                put(&o, 0x1b);
            i += 3;
            continue;
        }
        put(&o, file[i]);
    }
    unsigned pad = (unsigned)((4 - o.n % 4) % 4);
    for (unsigned i = 0; i < pad; i++)
        put(&o, 0x00);
    for (int i = 0; i < 4; i++)
        put(&o, 0x1b);
    put(&o, 0x1a);
    put(&o, (uint8_t)pad);
    uint16_t crc = o.n <= cap ? mtr_sml_crc_x25(buf, o.n) : 0;
    put(&o, (uint8_t)(crc & 0xff));
    put(&o, (uint8_t)(crc >> 8));
    return o.n <= cap ? o.n : 0;
}

/* ---- the simulator's hooks --------------------------------------------------------- */

/* out without blocking: a listener that reads nothing loses telegrams, as on a real head */
static void write_nb(struct meter_sim *s, int fd, const uint8_t *p, size_t n)
{
    (void)s;
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0 && !(fl & O_NONBLOCK))
        fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    while (n) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return;
        p += k;
        n -= (size_t)k;
    }
}

static const struct mtr_sim_framing sml_framing = {NULL, NULL, NULL, write_nb, NULL};

static long push(struct meter_sim *s, const int *fds, int nfds)
{
    struct sim_sml *c = s->proto_ctx;
    long long now = now_ms();
    if (now < c->next_ms)
        return (long)(c->next_ms - now);
    c->next_ms = now + c->interval_ms;
    c->secindex += (c->interval_ms + 500) / 1000;
    mtr_sim_meter_tick(&s->meters[0], s->frozen);
    uint8_t file[TELEGRAM_MAX], tg[TELEGRAM_MAX + TELEGRAM_MAX / 4 + 16];
    size_t n = build_file(s, c, file, sizeof file);
    size_t len = n <= sizeof file ? frame(file, n, tg, sizeof tg) : 0;
    if (nfds) /* a telegram nobody hears does not count towards METER_SIM_MAX_REQUESTS */
        s->requests++;
    for (int i = 0; len && i < nfds; i++) {
        uint8_t copy[sizeof tg];
        memcpy(copy, tg, len);
        mtr_sim_send(s, fds[i], NULL, 0, copy, len, &sml_framing);
    }
    return c->interval_ms;
}

/* Bytes from a listener are read and dropped (a push meter takes no requests). */
static int serve(struct meter_sim *s, int fd)
{
    (void)s;
    uint8_t junk[256];
    ssize_t k = read(fd, junk, sizeof junk);
    if (k < 0 && (errno == EINTR || errno == EAGAIN))
        return 0;
    return k <= 0 ? -1 : 0;
}

static int setup(struct meter_sim *s, char *err, size_t len)
{
    struct sim_sml *c = calloc(1, sizeof *c);
    if (!c)
        return mtr_err(err, len, METER_ENOMEM, "out of memory");
    c->interval_ms = 1000;
    c->next_ms = now_ms(); /* the first telegram at once */
    s->proto_ctx = c;
    s->push = push;
    return METER_OK;
}

static void sim_free(struct meter_sim *s)
{
    free(s->proto_ctx);
    s->proto_ctx = NULL;
}

static int serves(const struct mtr_model *model, meter_quantity_t q)
{
    const struct mtr_sml_driver *d = model->proto_data;
    for (const char *p = d ? d->sim_codes : NULL; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        size_t k = code_row(p, len);
        if (k != SIZE_MAX && codes[k].q == q)
            return 1;
        p = nl ? nl + 1 : p + len;
    }
    return 0;
}

const struct mtr_sim_proto_ops mtr_sim_sml = {
    &mtr_proto_sml, "sml", "sml-tcp", 0, 0, serves, setup, sim_free, serve, NULL,
};
