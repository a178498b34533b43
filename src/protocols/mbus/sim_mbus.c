/* SPDX-License-Identifier: MIT */
/* The simulator's M-Bus slaves: a KLEFR 6923 (the manual's telegram and write
 * table), a heat meter answering in three telegrams, a gas meter, and water
 * meters whose secondary addresses collide. Every slave addressed answers; when several
 * answer at once their bits are ANDed with a skew, as on the wire (garbled). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "protocols/mbus/mbus_internal.h"
#include "sim/sim_internal.h"

enum kind { K_KLEFR = 1, K_HEAT, K_WATER, K_GAS };

struct slave {
    int ready;
    enum kind kind;
    uint32_t id;
    uint16_t man; /* as read least significant byte first */
    uint8_t ver, med, access;
    int selected;
    int last_fcb; /* -1: after SND_NKE or a selection */
    int cur;      /* telegram sent last, -1 none */
    unsigned baud;
};

struct parser_slot {
    int fd;
    mtr_mbus_parser_t p;
};

struct mbus_sim {
    struct slave sl[MTR_SIM_MAX_METERS];
    uint8_t replies[MTR_SIM_MAX_METERS][MTR_MBUS_FRAME_MAX];
    struct parser_slot pp[MTR_SIM_MAX_CLIENTS + 1];
    unsigned reply_baud; /* the answering slave's speed, for a paced reply */
};

#define V(sm, q) ((sm)->v[METER_Q_##q])

static uint32_t to_bcd(unsigned long x)
{
    uint32_t r = 0;
    for (int i = 0; i < 8; i++, x /= 10)
        r |= (uint32_t)(x % 10) << (4 * i);
    return r;
}

static void init_slave(struct meter_sim *s, int i)
{
    struct slave *sl = &((struct mbus_sim *)s->proto_ctx)->sl[i];
    struct mtr_sim_meter *sm = &s->meters[i];
    const char *name = sm->model->info.name;
    memset(sl, 0, sizeof *sl);
    sl->ready = 1;
    sl->last_fcb = -1;
    sl->cur = -1;
    sl->baud = sm->model->baud;
    int a = sm->address;
    if (strcmp(name, "klefr-6923") == 0) {
        /* the manual's example: id 00000000 at address 0, "25 CD", access 02 */
        sl->kind = K_KLEFR;
        sl->id = to_bcd((unsigned long)a);
        sl->man = 0xCD25;
        sl->ver = 0x01;
        sl->med = 0x02;
        sl->access = 0x02;
        V(sm, ENERGY_ACTIVE_IMPORT_T1) = 1234.56;
        V(sm, ENERGY_ACTIVE_IMPORT_T2) = 5678.90;
        V(sm, ENERGY_ACTIVE_EXPORT_T1) = 2345.67;
        V(sm, ENERGY_ACTIVE_EXPORT_T2) = 6789.01;
        V(sm, TARIFF) = 1;
        mtr_sim_meter_derive(sm);
    } else if (strcmp(name, "sim-mbus-heat") == 0) {
        sl->kind = K_HEAT;
        sl->id = to_bcd(70000000ul + (unsigned long)a);
        sl->man = mtr_mbus_man_code("LUG");
        sl->ver = 0x07;
        sl->med = 0x04;
    } else if (strcmp(name, "sim-mbus-gas") == 0) {
        sl->kind = K_GAS;
        sl->id = to_bcd(30000000ul + (unsigned long)a);
        sl->man = mtr_mbus_man_code("ELS");
        sl->ver = 0x02;
        sl->med = 0x03;
    } else {
        sl->kind = K_WATER; /* id 123456xx, xx = address mod 50; from 50 on another medium/version */
        sl->id = to_bcd(12345600ul + (unsigned long)(a % 50));
        sl->man = mtr_mbus_man_code("HYD");
        sl->ver = a >= 50 ? 0x2A : 0x01;
        sl->med = a >= 50 ? 0x06 : 0x07;
    }
}

static void ensure(struct meter_sim *s)
{
    struct mbus_sim *ms = s->proto_ctx;
    for (int i = 0; i < s->nmeters; i++)
        if (!ms->sl[i].ready)
            init_slave(s, i);
}

/* ---- telegrams -------------------------------------------------------------- */

static size_t put_bcd8(uint8_t *d, unsigned long x)
{
    uint32_t b = to_bcd(x);
    for (int i = 0; i < 4; i++)
        d[i] = (uint8_t)(b >> (8 * i));
    return 4;
}

static size_t header(const struct slave *sl, uint8_t *d)
{
    d[0] = (uint8_t)sl->id;
    d[1] = (uint8_t)(sl->id >> 8);
    d[2] = (uint8_t)(sl->id >> 16);
    d[3] = (uint8_t)(sl->id >> 24);
    d[4] = (uint8_t)sl->man;
    d[5] = (uint8_t)(sl->man >> 8);
    d[6] = sl->ver;
    d[7] = sl->med;
    d[8] = sl->access;
    d[9] = 0x00; /* status OK */
    d[10] = d[11] = 0x00;
    return 12;
}

static size_t klefr_records(const struct mtr_sim_meter *sm, uint8_t *d)
{
    static const struct {
        uint8_t dif, dife;
        meter_quantity_t q;
    } rows[] = {
        {0x0C, 0, METER_Q_ENERGY_ACTIVE_TOTAL},     {0x8C, 0x10, METER_Q_ENERGY_ACTIVE_TOTAL_T1},
        {0x8C, 0x20, METER_Q_ENERGY_ACTIVE_TOTAL_T2}, {0x1C, 0, METER_Q_ENERGY_ACTIVE_IMPORT},
        {0x9C, 0x10, METER_Q_ENERGY_ACTIVE_IMPORT_T1}, {0x9C, 0x20, METER_Q_ENERGY_ACTIVE_IMPORT_T2},
        {0x2C, 0, METER_Q_ENERGY_ACTIVE_EXPORT},    {0xAC, 0x10, METER_Q_ENERGY_ACTIVE_EXPORT_T1},
        {0xAC, 0x20, METER_Q_ENERGY_ACTIVE_EXPORT_T2},
    };
    size_t k = 0;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        d[k++] = rows[i].dif;
        if (rows[i].dife)
            d[k++] = rows[i].dife;
        d[k++] = 0x04; /* energy, 10 Wh */
        k += put_bcd8(d + k, (unsigned long)llround(sm->v[rows[i].q] * 100.0) % 100000000ul);
    }
    return k;
}

static size_t copy(uint8_t *d, const uint8_t *src, size_t n)
{
    memcpy(d, src, n);
    return n;
}

/* heat meter: energy, volume, power, temperatures, flow, operating time |
 * history, model | date, errors */
static size_t heat_records(unsigned t, uint8_t *d)
{
    static const uint8_t t0[] = {0x0C, 0x06, 0x45, 0x23, 0x01, 0x00, /* 12345 kWh */
                                 0x0C, 0x14, 0x56, 0x34, 0x12, 0x00, /* 1234.56 m^3 */
                                 0x0B, 0x2B, 0x00, 0x25, 0x01,       /* 12500 W */
                                 0x0A, 0x5A, 0x53, 0x06,             /* 65.3 °C flow */
                                 0x0A, 0x5E, 0x01, 0x04,             /* 40.1 °C return */
                                 0x0B, 0x3B, 0x50, 0x12, 0x00,       /* 1.25 m^3/h */
                                 0x0A, 0x62, 0x52, 0x02,             /* 25.2 K */
                                 0x0A, 0x26, 0x34, 0x12,             /* 1234 h operating */
                                 0x1F};
    static const uint8_t t1[] = {0x4C, 0x06, 0x00, 0x10, 0x01, 0x00, /* storage 1: 11000 kWh */
                                 0x42, 0x6C, 0x1F, 0x3C,             /* storage 1: 2024-12-31 */
                                 0x0D, 0xFD, 0x0C, 0x04, 0x33, 0x2E, 0x31, 0x56, /* "V1.3" */
                                 0x1F};
    static const uint8_t t2[] = {0x04, 0x6D, 0x2D, 0x0D, 0x0F, 0x33, /* 2024-03-15 13:45 */
                                 0x02, 0xFD, 0x17, 0x00, 0x00};      /* error flags */
    return t == 0 ? copy(d, t0, sizeof t0) : t == 1 ? copy(d, t1, sizeof t1) : copy(d, t2, sizeof t2);
}

static size_t water_records(const struct slave *sl, uint8_t *d)
{
    size_t k = 0;
    d[k++] = 0x0C;
    d[k++] = 0x13; /* volume, litres */
    k += put_bcd8(d + k, 12345ul + (sl->id & 0xFF));
    static const uint8_t rest[] = {0x04, 0x6D, 0x2D, 0x0D, 0x0F, 0x33, 0x02, 0xFD, 0x17, 0x00, 0x00};
    return k + copy(d + k, rest, sizeof rest);
}

/* gas meter: volume now and at the last due date, with the dates */
static size_t gas_records(uint8_t *d)
{
    static const uint8_t r[] = {0x0C, 0x14, 0x89, 0x67, 0x45, 0x00, /* 4567.89 m^3 */
                                0x4C, 0x14, 0x00, 0x00, 0x40, 0x00, /* storage 1: 4000 m^3 */
                                0x42, 0x6C, 0x1F, 0x3C,             /* storage 1: 2024-12-31 */
                                0x04, 0x6D, 0x2D, 0x0D, 0x0F, 0x33};/* 2024-03-15 13:45 */
    return copy(d, r, sizeof r);
}

static int ntelegrams(const struct slave *sl)
{
    return sl->kind == K_HEAT ? 3 : 1;
}

static size_t rsp_ud(struct meter_sim *s, int i, uint8_t fcb, int fcv, uint8_t *out, size_t cap)
{
    struct slave *sl = &((struct mbus_sim *)s->proto_ctx)->sl[i];
    struct mtr_sim_meter *sm = &s->meters[i];
    int repeat = fcv && sl->last_fcb >= 0 && fcb == sl->last_fcb;
    /* FCB not toggled: the last telegram again; toggled: the next one (after the last, the first) */
    int t = repeat ? (sl->cur < 0 ? 0 : sl->cur)
                   : (sl->cur >= 0 && sl->cur + 1 < ntelegrams(sl) ? sl->cur + 1 : 0);
    if (fcv)
        sl->last_fcb = fcb;
    if (!repeat && !s->frozen)
        sl->access++;
    sl->cur = t;
    uint8_t d[MTR_MBUS_DATA_MAX];
    size_t k = header(sl, d);
    if (sl->kind == K_KLEFR)
        k += klefr_records(sm, d + k);
    else if (sl->kind == K_HEAT)
        k += heat_records((unsigned)t, d + k);
    else if (sl->kind == K_GAS)
        k += gas_records(d + k);
    else
        k += water_records(sl, d + k);
    size_t n = 0;
    mtr_mbus_build_long(out, cap, MTR_MBUS_C_RSP_UD, (uint8_t)sm->address, 0x72, d, k, &n);
    return n;
}

/* ---- writes (the KLEFR 6923's write table; other slaves ignore writes) ------ */

static int bcd_value(const uint8_t *p, size_t n, unsigned long *out)
{
    unsigned long x = 0;
    for (size_t i = n; i-- > 0;) {
        if ((p[i] >> 4) > 9 || (p[i] & 0xF) > 9)
            return -1;
        x = x * 100 + (unsigned long)(p[i] >> 4) * 10 + (p[i] & 0xF);
    }
    *out = x;
    return 0;
}

/* Apply a CI 51 write; 1 when accepted (answer E5), 0 to stay silent. */
static int klefr_write(struct slave *sl, struct mtr_sim_meter *sm, const uint8_t *d, size_t n,
                       int *new_addr)
{
    unsigned long x;
    if (n == 3 && d[0] == 0x01 && d[1] == 0x7A && d[2] <= 250) {
        *new_addr = d[2];
        return 1;
    }
    if (n == 6 && d[0] == 0x0C && d[1] == 0x79 && bcd_value(d + 2, 4, &x) == 0) {
        sl->id = (uint32_t)d[2] | (uint32_t)d[3] << 8 | (uint32_t)d[4] << 16 | (uint32_t)d[5] << 24;
        return 1;
    }
    if (n == 5 && !memcmp(d, "\x09\x7C\x01\x54", 4) && (d[4] == 0x01 || d[4] == 0x02)) {
        V(sm, TARIFF) = d[4];
        return 1;
    }
    if (n == 4 && !memcmp(d, "\x09\xFD\x3A", 3) && bcd_value(d + 3, 1, &x) == 0 &&
        (x == 1 || x == 4 || x == 5 || x == 6 || x == 9 || x == 10)) {
        V(sm, CALCULATION_CODE) = (double)x;
        return 1;
    }
    if (n == 7 && !memcmp(d, "\x0C\xFD\x3A", 3) && bcd_value(d + 3, 4, &x) == 0) {
        static const unsigned long ok[] = {1000000, 200000, 100000, 10000, 1000, 100, 10, 1};
        for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
            if (x == ok[i]) {
                V(sm, S0_RATE) = (double)x / 100.0;
                return 1;
            }
        return 0;
    }
    if (n == 6 && d[0] == 0x0C && d[1] == 0x04) { /* value ignored */
        V(sm, ENERGY_ACTIVE_DAY_COUNTER) = 0;
        return 1;
    }
    if (n == 5 && !memcmp(d, "\x0A\xFD\x60", 3)) { /* value ignored */
        V(sm, POWER_DOWN_COUNTER) = 0;
        return 1;
    }
    return 0;
}

/* ---- several answers at once ------------------------------------------------ */

/* Slave j's bits start (3j + 1) bit times late; a 0 from anyone wins (current sink). */
static size_t garble(uint8_t (*r)[MTR_MBUS_FRAME_MAX], const size_t *len, int k, uint8_t *out,
                     size_t cap)
{
    size_t bits = 0;
    for (int j = 0; j < k; j++) {
        size_t b = len[j] * 8 + 3u * (size_t)j + 1;
        bits = b > bits ? b : bits;
    }
    size_t n = (bits + 7) / 8;
    n = n < cap ? n : cap;
    for (size_t b = 0; b < n * 8; b++) {
        int bit = 1;
        for (int j = 0; j < k; j++) {
            long p = (long)b - (long)(3 * j + 1);
            if (p >= 0 && (size_t)p < len[j] * 8)
                bit &= (r[j][p / 8] >> (p % 8)) & 1;
        }
        if (b % 8 == 0)
            out[b / 8] = 0;
        out[b / 8] |= (uint8_t)(bit << (b % 8));
    }
    return n;
}

static void send_all(int fd, const uint8_t *p, size_t n)
{
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

/* ---- requests ---------------------------------------------------------------- */

static unsigned line_baud(struct meter_sim *s)
{
    struct termios tio;
    if (s->tcp || tcgetattr(s->pty_master, &tio) < 0)
        return 0;
    static const struct {
        speed_t sp;
        unsigned baud;
    } map[] = {{B300, 300},   {B600, 600},   {B1200, 1200},   {B2400, 2400},
               {B4800, 4800}, {B9600, 9600}, {B19200, 19200}, {B38400, 38400}};
    speed_t sp = cfgetispeed(&tio);
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (map[i].sp == sp)
            return map[i].baud;
    return 0;
}

static int addressed(const struct meter_sim *s, const struct slave *sl, int i, uint8_t a)
{
    if (a == MTR_MBUS_ADDR_TEST)
        return 1;
    if (a == MTR_MBUS_ADDR_SELECTED)
        return sl->selected;
    return a <= MTR_MBUS_ADDR_MAX_PRIMARY && s->meters[i].address == a;
}

static int matches(const struct slave *sl, const mtr_mbus_secondary_t *p)
{
    for (int k = 0; k < 8; k++) {
        unsigned want = (p->id >> (4 * k)) & 0xF;
        if (want != 0xF && want != ((sl->id >> (4 * k)) & 0xF))
            return 0;
    }
    if ((p->man & 0xFF) != 0xFF && (p->man & 0xFF) != (sl->man & 0xFF))
        return 0;
    if ((p->man >> 8) != 0xFF && (p->man >> 8) != (sl->man >> 8))
        return 0;
    return (p->version == 0xFF || p->version == sl->ver) &&
           (p->medium == 0xFF || p->medium == sl->med);
}

/* How faults change an M-Bus reply: the address and the checksum of a short or
 * long frame; the refusal is a CI 70 application error ("unspecified"). */
static void mbus_reseal(uint8_t *p, size_t n)
{
    if (n >= 9 && p[0] == MTR_MBUS_START_LONG)
        p[n - 2] = mtr_mbus_checksum(p + 4, n - 6);
    else if (n == 5 && p[0] == MTR_MBUS_START_SHORT)
        p[3] = mtr_mbus_checksum(p + 1, 2);
}

static int mbus_readdress(uint8_t *p, size_t n)
{
    if (n >= 9 && p[0] == MTR_MBUS_START_LONG) {
        p[5] = (uint8_t)((p[5] + 1) % 251);
        return 1;
    }
    return 0; /* a single E5 carries no address */
}

static size_t mbus_refusal(const uint8_t *rsp, size_t n, uint8_t *out, size_t cap)
{
    static const uint8_t unspecified = 0x00;
    size_t len = 0;
    if (n < 9 || rsp[0] != MTR_MBUS_START_LONG)
        return 0;
    return mtr_mbus_build_long(out, cap, MTR_MBUS_C_RSP_UD, rsp[5], 0x70, &unspecified, 1, &len) ==
                   METER_OK
               ? len
               : 0;
}

/* Paced: the answering slave's speed, 8E1 (11 bits a character); the slave answers the
 * request's last character after its turnaround (EN 13757-2 allows 11 bit times to 330 bit
 * times + 50 ms). */
static void mbus_line(const struct meter_sim *s, struct mtr_sim_line *l)
{
    l->baud = ((const struct mbus_sim *)s->proto_ctx)->reply_baud;
    l->bits = 11;
    l->gap_ns = (int64_t)s->turnaround_us * 1000;
}

static const struct mtr_sim_framing mbus_framing = {mbus_reseal, mbus_readdress, mbus_refusal, NULL,
                                                    NULL};

static int out_fd(void *arg, const uint8_t *p, size_t n)
{
    send_all(*(int *)arg, p, n);
    return 0;
}

/* Several slaves at once: their garbled sum, paced like one reply. */
static void send_garbled(struct meter_sim *s, int fd, size_t req_len, const uint8_t *p, size_t n)
{
    if (!s->pace_baud) {
        send_all(fd, p, n);
        return;
    }
    struct mtr_sim_line l = {0};
    mbus_line(s, &l);
    int64_t t = mtr_sim_reply_at(s, req_len, &l);
    mtr_sim_paced_write(s, &l, &t, p, n, out_fd, &fd);
    mtr_sim_line_done(s, &l, t);
}

/* The request's bytes again (for an echo fault). */
static size_t request_bytes(const mtr_mbus_frame_t *f, uint8_t *buf, size_t cap)
{
    size_t len = 0;
    if (f->kind == MTR_MBUS_FRAME_SHORT)
        mtr_mbus_build_short(buf, cap, f->c, f->a, &len);
    else if (f->kind == MTR_MBUS_FRAME_CONTROL || f->kind == MTR_MBUS_FRAME_LONG)
        mtr_mbus_build_long(buf, cap, f->c, f->a, f->ci, f->data, f->data_len, &len);
    return len;
}

static void handle(struct meter_sim *s, int fd, const mtr_mbus_frame_t *f)
{
    struct mbus_sim *ms = s->proto_ctx;
    uint8_t(*replies)[MTR_MBUS_FRAME_MAX] = ms->replies;
    size_t rlen[MTR_SIM_MAX_METERS];
    int nr = 0, new_addr[MTR_SIM_MAX_METERS];
    unsigned baud = 0; /* of the first slave that answers */
    unsigned new_baud[MTR_SIM_MAX_METERS];
    unsigned speed = line_baud(s);
    int snd_ud = (f->c & 0xDF) == MTR_MBUS_C_SND_UD && f->kind != MTR_MBUS_FRAME_SHORT;
    s->requests++;
    ensure(s);
    mtr_mbus_app_t app;
    int select = snd_ud && f->ci == 0x52 && f->a == MTR_MBUS_ADDR_SELECTED &&
                 mtr_mbus_app_parse(f, &app, NULL, 0) == METER_OK;
    for (int i = 0; i < s->nmeters; i++) {
        struct slave *sl = &ms->sl[i];
        struct mtr_sim_meter *sm = &s->meters[i];
        new_addr[i] = -1;
        new_baud[i] = 0;
        if (speed && speed != sl->baud)
            continue; /* it cannot make out bytes at another speed */
        if (select) {
            sl->selected = matches(sl, &app.select);
            if (sl->selected) {
                sl->last_fcb = -1;
                sl->cur = -1;
                replies[nr][0] = MTR_MBUS_ACK;
                rlen[nr++] = 1;
                baud = baud ? baud : sl->baud;
            }
            continue;
        }
        if (!addressed(s, sl, i, f->a))
            continue;
        mtr_sim_meter_tick(sm, s->frozen);
        baud = baud ? baud : sl->baud;
        if (f->kind == MTR_MBUS_FRAME_SHORT && f->c == MTR_MBUS_C_SND_NKE) {
            sl->last_fcb = -1;
            sl->cur = -1;
            replies[nr][0] = MTR_MBUS_ACK;
            rlen[nr++] = 1;
        } else if (f->kind == MTR_MBUS_FRAME_SHORT && (f->c & 0xDF) == MTR_MBUS_C_REQ_UD2) {
            rlen[nr] = rsp_ud(s, i, (f->c >> 5) & 1, (f->c & MTR_MBUS_C_FCV) != 0, replies[nr],
                              MTR_MBUS_FRAME_MAX);
            nr++;
        } else if (snd_ud && sl->kind == K_KLEFR) {
            unsigned b = mtr_mbus_ci_baud(f->ci);
            int ok = 0;
            if (b && b <= 9600 && f->kind == MTR_MBUS_FRAME_CONTROL)
                ok = 1, new_baud[i] = b;
            else if (f->ci == 0x51)
                ok = klefr_write(sl, sm, f->data, f->data_len, &new_addr[i]);
            else if (f->ci == 0x50)
                ok = 1;
            if (ok) {
                replies[nr][0] = MTR_MBUS_ACK;
                rlen[nr++] = 1;
            }
        }
        mtr_sim_meter_derive(sm);
    }
    ms->reply_baud = baud;
    uint8_t req[MTR_MBUS_FRAME_MAX];
    size_t req_len = request_bytes(f, req, sizeof req);
    if (nr == 1) {
        struct mtr_sim_line line = {0};
        mbus_line(s, &line);
        mtr_sim_send_line(s, fd, req, req_len, replies[0], rlen[0], &mbus_framing, &line);
    } else if (nr > 1) {
        uint8_t out[MTR_MBUS_FRAME_MAX + 32];
        send_garbled(s, fd, req_len, out, garble(replies, rlen, nr, out, sizeof out));
    }
    for (int i = 0; i < s->nmeters; i++) { /* answered at the old address and speed */
        if (new_addr[i] >= 0) {
            s->meters[i].address = new_addr[i];
            V(&s->meters[i], DEVICE_ADDRESS) = new_addr[i];
        }
        if (new_baud[i]) {
            ms->sl[i].baud = new_baud[i];
            V(&s->meters[i], BAUD_RATE) = new_baud[i];
        }
    }
}

static mtr_mbus_parser_t *parser_for(struct mbus_sim *ms, int fd)
{
    struct parser_slot *free_slot = NULL;
    for (size_t i = 0; i < sizeof ms->pp / sizeof ms->pp[0]; i++) {
        if (ms->pp[i].fd == fd + 1)
            return &ms->pp[i].p;
        if (!ms->pp[i].fd && !free_slot)
            free_slot = &ms->pp[i];
    }
    if (!free_slot)
        free_slot = &ms->pp[0];
    free_slot->fd = fd + 1;
    mtr_mbus_parser_init(&free_slot->p);
    return &free_slot->p;
}

static int sim_mbus_serve(struct meter_sim *s, int fd)
{
    struct mbus_sim *ms = s->proto_ctx;
    uint8_t in[512];
    ssize_t got = read(fd, in, sizeof in);
    if (got == 0 || (got < 0 && errno != EINTR && errno != EAGAIN)) {
        if (s->tcp)
            for (size_t i = 0; i < sizeof ms->pp / sizeof ms->pp[0]; i++)
                if (ms->pp[i].fd == fd + 1)
                    ms->pp[i].fd = 0;
        return s->tcp ? -1 : 0;
    }
    if (got < 0)
        return 0;
    mtr_mbus_parser_t *p = parser_for(ms, fd);
    size_t off = 0;
    for (;;) {
        size_t used = 0;
        mtr_mbus_frame_t f;
        int ev = mtr_mbus_parser_feed(p, in + off, (size_t)got - off, &used, &f, NULL, 0);
        off += used;
        if (ev == MTR_MBUS_NEED_MORE)
            break;
        if (ev == MTR_MBUS_COMPLETE && f.kind != MTR_MBUS_FRAME_ACK && mtr_mbus_c_is_request(f.c))
            handle(s, fd, &f); /* a bad checksum or a slave's frame: silence, as a meter */
    }
    return 0;
}

static int sim_mbus_setup(struct meter_sim *s, char *err, size_t len)
{
    struct mbus_sim *ms = calloc(1, sizeof *ms);
    if (!ms)
        return mtr_err(err, len, METER_ENOMEM, "out of memory");
    s->proto_ctx = ms;
    return METER_OK;
}

static void sim_mbus_free(struct meter_sim *s)
{
    free(s->proto_ctx);
    s->proto_ctx = NULL;
}

const struct mtr_sim_proto_ops mtr_sim_mbus = {
    &mtr_proto_mbus, "mbus", "mbus-tcp", 0, 250, NULL, sim_mbus_setup, sim_mbus_free, sim_mbus_serve, NULL,
};
