/* SPDX-License-Identifier: MIT */
/* A simulated IEC 62056-21 mode C meter: sign-on (with device address),
 * identification, option select (the readout at the asked speed, or at 300 Bd
 * when no option select comes), programming mode with P0/P1, R1/W1 on
 * registers, NAK handling and B0; echo, a replayed capture, injected faults. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "protocols/iec62056/iec_internal.h"
#include "protocols/iec62056/sim_iec.h"
#include "sim/sim_internal.h"

#define MAX_REGS 256
#define MAX_VALS 8

struct reg {
    char addr[MTR_IEC_ADDR_MAX + 1];
    unsigned nval;
    char val[MAX_VALS][MTR_IEC_VALUE_MAX + 1];
};

struct sim_iec {
    unsigned fault_baud; /* the readout's speed while faults are applied to it */
    /* options */
    char ident[MTR_IEC_IDLINE_MAX + 1]; /* without CR LF */
    char devaddr[MTR_IEC_DEVADDR_MAX + 1];
    char password[33];
    char p0[MTR_IEC_VALUE_MAX + 1];
    char error_text[MTR_IEC_VALUE_MAX + 1];
    int echo, no_switch, answer_crlf;
    unsigned reaction_ms, ack_wait_ms, nak_first, corrupt_first;
    mtr_iec_bcc_t alg;
    char *data;            /* configured data block lines (CR LF), or NULL */
    uint8_t *capture;      /* replayed readout: STX (or first data byte) to the end */
    size_t capture_len;
    char *reg_text;        /* configured registers, or NULL: the readout's */
    /* state */
    int prog, authed;
    struct reg *regs;
    size_t nregs;
    uint8_t in[MTR_IEC_FRAME_MAX * 2];
    size_t inn;
    uint8_t last[MTR_IEC_FRAME_MAX]; /* the last answer, repeated on a NAK */
    size_t last_len;
    /* what was seen */
    uint8_t *rec;
    size_t rec_len, rec_cap;
    unsigned readout_baud, sessions;
    /* pacing (METER_SIM_PACE_BAUD): the session's speed, when the request being answered was
     * first seen, its characters, and when the next answer may start */
    unsigned speed;
    int64_t heard_ns, at_ns;
    size_t req_chars;
    long next_push;        /* pushing meters: monotonic ms of the next telegram */
};

static struct sim_iec *ctx(const meter_sim_t *s)
{
    return s->proto_ctx;
}

/* ---- time and bytes --------------------------------------------------------- */

static long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

/* Wait up to ms for fd to be readable; 1 readable, 0 time out, -1 stopping. */
static int wait_in(struct meter_sim *s, int fd, long ms)
{
    struct pollfd p[2] = {{fd, POLLIN, 0}, {s->stop_pipe[0], POLLIN, 0}};
    for (;;) {
        int rc = poll(p, 2, ms < 0 ? 0 : (int)ms);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc < 0 || p[1].revents || s->stopping)
            return -1;
        return rc > 0 ? 1 : 0;
    }
}

static void pause_ms(struct meter_sim *s, long ms)
{
    long end = now_ms() + ms;
    while (!s->stopping && now_ms() < end) {
        struct pollfd p = {s->stop_pipe[0], POLLIN, 0};
        if (poll(&p, 1, (int)(end - now_ms())) > 0)
            return;
    }
}

static void record(struct sim_iec *c, const uint8_t *p, size_t n)
{
    if (c->rec_len + n > c->rec_cap) {
        size_t cap = (c->rec_len + n) * 2 + 256;
        uint8_t *r = realloc(c->rec, cap);
        if (!r)
            return;
        c->rec = r;
        c->rec_cap = cap;
    }
    memcpy(c->rec + c->rec_len, p, n);
    c->rec_len += n;
}

static int send_raw(struct meter_sim *s, int fd, const uint8_t *p, size_t n)
{
    uint8_t buf[512];
    size_t done = 0;
    while (done < n) {
        size_t k = n - done < sizeof buf ? n - done : sizeof buf;
        memcpy(buf, p + done, k);
        if (s->tcp)
            mtr_iec_7e1_encode(buf, k); /* a transparent serial server passes 7E1 as 8 bits */
        size_t w = 0;
        while (w < k) {
            ssize_t r = write(fd, buf + w, k - w);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                return -1;
            w += (size_t)r;
        }
        done += k;
    }
    return 0;
}

/* Read what is there (fd readable), echo it if asked, keep it. -1 when the peer left. */
static int take(struct meter_sim *s, int fd)
{
    struct sim_iec *c = ctx(s);
    uint8_t buf[512];
    ssize_t k = read(fd, buf, sizeof buf);
    if (k < 0 && (errno == EINTR || errno == EAGAIN))
        return 0;
    if (k <= 0)
        return -1;
    if (s->tcp)
        mtr_iec_7e1_decode(buf, (size_t)k);
    if (!c->inn)
        c->heard_ns = mtr_sim_now_ns(); /* a message starts */
    if (c->echo)
        send_raw(s, fd, buf, (size_t)k);
    record(c, buf, (size_t)k);
    size_t room = sizeof c->in - c->inn;
    size_t n = (size_t)k < room ? (size_t)k : room;
    memcpy(c->in + c->inn, buf, n);
    c->inn += n;
    return (int)k;
}

static void consume(struct sim_iec *c, size_t n)
{
    if (n > c->inn)
        n = c->inn;
    memmove(c->in, c->in + n, c->inn - n);
    c->inn -= n;
}

static unsigned reaction(const struct sim_iec *c)
{
    if (c->reaction_ms)
        return c->reaction_ms;
    return c->ident[3] >= 'a' && c->ident[3] <= 'z' ? 20 : 200;
}

/* ---- pacing: 7E1 (10 bits a character) at the session's speed ------------------- */

struct out_ctx {
    struct meter_sim *s;
    int fd;
};

static int out_raw(void *arg, const uint8_t *p, size_t n)
{
    struct out_ctx *o = arg;
    return send_raw(o->s, o->fd, p, n);
}

/* Send as the meter's UART would at baud: when paced, each character at its time, from
 * the end of the reaction time (or now, if that has passed). */
static int send_paced(struct meter_sim *s, int fd, unsigned baud, const uint8_t *p, size_t n)
{
    struct sim_iec *c = ctx(s);
    if (!s->pace_baud)
        return send_raw(s, fd, p, n);
    struct mtr_sim_line l = {baud, 10, 0, 0, 0, 0};
    struct out_ctx o = {s, fd};
    int64_t now = mtr_sim_now_ns();
    int64_t t = c->at_ns > now ? c->at_ns : now;
    int rc = mtr_sim_paced_write(s, &l, &t, p, n, out_raw, &o);
    mtr_sim_line_done(s, &l, t);
    c->at_ns = t;
    return rc;
}

/* The meter's reaction time after a request of chars characters at baud: when paced, it
 * starts where the request's last character ends on the wire; else now. */
static void react(struct meter_sim *s, size_t chars, unsigned baud)
{
    struct sim_iec *c = ctx(s);
    if (!s->pace_baud) {
        pause_ms(s, reaction(c));
        return;
    }
    struct mtr_sim_line l = {baud, 10, (int64_t)reaction(c) * 1000000, 0, 0, 0};
    s->heard_ns = c->heard_ns;
    c->at_ns = mtr_sim_reply_at(s, chars, &l);
    mtr_sim_wait_until(s, c->at_ns);
}

/* The client's speed on a pty (the master reads the slave's termios); 0 if unknown. */
static unsigned client_baud(struct meter_sim *s, int fd)
{
    struct termios t;
    if (s->tcp || tcgetattr(fd, &t) < 0)
        return 0;
    switch (cfgetospeed(&t)) {
    case B300: return 300;
    case B600: return 600;
    case B1200: return 1200;
    case B2400: return 2400;
    case B4800: return 4800;
    case B9600: return 9600;
    case B19200: return 19200;
    default: return 1;
    }
}

/* Send at the meter's speed: on a pty, give the client until the end of the longest
 * reaction time (1.5 s) to be at that speed; bytes at a wrong speed arrive garbled. */
static int send_at(struct meter_sim *s, int fd, unsigned baud, const uint8_t *p, size_t n)
{
    struct sim_iec *c = ctx(s);
    unsigned cb = client_baud(s, fd);
    long end = now_ms() + 1500;
    while (cb && cb != baud && now_ms() < end && !s->stopping) {
        pause_ms(s, 5);
        cb = client_baud(s, fd);
    }
    c->readout_baud = cb;
    if (!cb || cb == baud)
        return send_paced(s, fd, baud, p, n);
    uint8_t junk[64];
    size_t k = n < sizeof junk ? n : sizeof junk;
    for (size_t i = 0; i < k; i++)
        junk[i] = (uint8_t)(0x78 | (p[i] & 0x80)); /* what a UART at the wrong speed makes of it */
    return send_paced(s, fd, baud, junk, k);
}

/* ---- registers and the readout ------------------------------------------------ */

static struct reg *find_reg(struct sim_iec *c, const char *addr, size_t n)
{
    for (size_t i = 0; i < c->nregs; i++)
        if (strlen(c->regs[i].addr) == n && memcmp(c->regs[i].addr, addr, n) == 0)
            return &c->regs[i];
    return NULL;
}

static int add_reg_cb(void *user, const mtr_iec_dataset_t *ds)
{
    struct sim_iec *c = user;
    if (ds->sub)
        return 0;
    struct reg *r = find_reg(c, ds->address, ds->address_len);
    if (!r) {
        if (c->nregs == MAX_REGS)
            return 0;
        r = &c->regs[c->nregs++];
        memset(r, 0, sizeof *r);
        snprintf(r->addr, sizeof r->addr, "%.*s", (int)ds->address_len, ds->address);
    }
    if (ds->index == 0)
        r->nval = 0;
    if (r->nval < MAX_VALS)
        snprintf(r->val[r->nval++], sizeof r->val[0], "%.*s", (int)ds->raw_len, ds->raw);
    return 0;
}

static const struct mtr_iec_driver *driver_of(struct meter_sim *s)
{
    return s->meters[0].model->proto_data;
}

/* One generated data set for an OBIS code the simulated meter sends. */
static size_t gen_set(struct mtr_sim_meter *sm, const char *code, char *out, size_t cap)
{
    static const struct {
        const char *code;
        meter_quantity_t q;
        int width, prec;
        double scale;
        const char *unit;
    } rows[] = {
        {"1.8.0", METER_Q_ENERGY_ACTIVE_IMPORT, 11, 3, 1, "kWh"},
        {"1.8.1", METER_Q_ENERGY_ACTIVE_IMPORT_T1, 11, 3, 1, "kWh"},
        {"1.8.2", METER_Q_ENERGY_ACTIVE_IMPORT_T2, 11, 3, 1, "kWh"},
        {"2.8.0", METER_Q_ENERGY_ACTIVE_EXPORT, 11, 3, 1, "kWh"},
        {"2.8.1", METER_Q_ENERGY_ACTIVE_EXPORT_T1, 11, 3, 1, "kWh"},
        {"2.8.2", METER_Q_ENERGY_ACTIVE_EXPORT_T2, 11, 3, 1, "kWh"},
        {"1.7.0", METER_Q_ACTIVE_POWER, 6, 3, 1e-3, "kW"},
        {"3.8.0", METER_Q_ENERGY_REACTIVE_IMPORT, 11, 3, 1, "kvarh"},
        {"4.8.0", METER_Q_ENERGY_REACTIVE_EXPORT, 11, 3, 1, "kvarh"},
        {"32.7.0", METER_Q_VOLTAGE_L1, 5, 1, 1, "V"},
        {"52.7.0", METER_Q_VOLTAGE_L2, 5, 1, 1, "V"},
        {"72.7.0", METER_Q_VOLTAGE_L3, 5, 1, 1, "V"},
        {"31.7.0", METER_Q_CURRENT_L1, 6, 2, 1, "A"},
        {"51.7.0", METER_Q_CURRENT_L2, 6, 2, 1, "A"},
        {"71.7.0", METER_Q_CURRENT_L3, 6, 2, 1, "A"},
        {"16.7.0", METER_Q_ACTIVE_POWER, 6, 3, 1e-3, "kW"},
        {"21.7.0", METER_Q_ACTIVE_POWER_L1, 6, 3, 1e-3, "kW"},
        {"41.7.0", METER_Q_ACTIVE_POWER_L2, 6, 3, 1e-3, "kW"},
        {"61.7.0", METER_Q_ACTIVE_POWER_L3, 6, 3, 1e-3, "kW"},
        {"14.7.0", METER_Q_FREQUENCY, 5, 2, 1, "Hz"},
        {"13.7.0", METER_Q_POWER_FACTOR, 4, 2, 1, ""},
    };
    if (strcmp(code, "C.1.0") == 0)
        return (size_t)snprintf(out, cap, "C.1.0(%s)\r\n", sm->text[METER_Q_SERIAL_NUMBER]);
    if (strcmp(code, "F.F") == 0)
        return (size_t)snprintf(out, cap, "F.F(00000000)\r\n");
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        if (strcmp(rows[i].code, code) != 0)
            continue;
        char v[40];
        snprintf(v, sizeof v, "%0*.*f", rows[i].width, rows[i].prec, sm->v[rows[i].q] * rows[i].scale);
        return (size_t)snprintf(out, cap, "%s(%s%s%s)\r\n", code, v, rows[i].unit[0] ? "*" : "",
                                rows[i].unit);
    }
    return 0;
}

/* The data block between STX and ETX ("...!\r\n"); returns its length. */
static size_t data_block(struct meter_sim *s, char *out, size_t cap)
{
    struct sim_iec *c = ctx(s);
    size_t k = 0;
    if (c->data) {
        k = (size_t)snprintf(out, cap, "%s", c->data);
    } else {
        struct mtr_sim_meter *sm = &s->meters[0];
        mtr_sim_meter_tick(sm, s->frozen);
        const char *p = driver_of(s)->sim_sets;
        while (p && *p && k + 200 < cap) {
            const char *nl = strchr(p, '\n');
            size_t n = nl ? (size_t)(nl - p) : strlen(p);
            char code[24];
            snprintf(code, sizeof code, "%.*s", (int)n, p);
            k += gen_set(sm, code, out + k, cap - k);
            p = nl ? nl + 1 : NULL;
        }
    }
    if (k + 4 > cap)
        k = cap - 4;
    memcpy(out + k, "!\r\n", 4);
    return k + 3;
}

static void load_regs(struct meter_sim *s)
{
    struct sim_iec *c = ctx(s);
    if (c->nregs)
        return;
    if (c->reg_text) {
        mtr_iec_block_parse((const uint8_t *)c->reg_text, strlen(c->reg_text), add_reg_cb, c, NULL,
                            NULL, 0);
    } else if (c->capture) {
        mtr_iec_reader_t r;
        mtr_iec_reader_opts_t o = {0, MTR_IEC_BCC_NONE, add_reg_cb, c, NULL, 0};
        mtr_iec_readout_parse(&r, &o, c->capture, c->capture_len);
    } else {
        char block[8192];
        size_t n = data_block(s, block, sizeof block);
        mtr_iec_block_parse((const uint8_t *)block, n, add_reg_cb, c, NULL, NULL, 0);
    }
}

/* Faults on the readout: the data message goes out at the meter's speed; a
 * flipped bit or a cut-off message must be caught by the check character or
 * the missing ETX. (Readdressing and refusals do not apply to a readout.) */
static void write_at_speed(struct meter_sim *s, int fd, const uint8_t *p, size_t n)
{
    send_at(s, fd, ctx(s)->fault_baud, p, n);
}

/* An endless readout: STX, then its data lines again and again, never the "!" line,
 * ETX or the check character. */
static size_t readout_lines(const uint8_t *rsp, size_t n, size_t *from)
{
    (void)rsp;
    *from = 1;
    return n > 7 ? n - 7 : 0; /* STX … "!" CR LF ETX BCC */
}

static const struct mtr_sim_framing iec_framing = {NULL, NULL, NULL, write_at_speed,
                                                   readout_lines};

static int send_readout(struct meter_sim *s, int fd, unsigned baud)
{
    struct sim_iec *c = ctx(s);
    c->sessions++;
    s->requests++;
    if (c->capture)
        return send_at(s, fd, baud, c->capture, c->capture_len);
    size_t cap = 16384 + (c->data ? strlen(c->data) : 0);
    char *block = malloc(cap);
    uint8_t *frame = malloc(cap + 8);
    int rc = -1;
    if (block && frame) {
        size_t n = data_block(s, block, cap);
        frame[0] = MTR_IEC_STX;
        memcpy(frame + 1, block, n);
        frame[n + 1] = MTR_IEC_ETX;
        frame[n + 2] = mtr_iec_bcc(c->alg, frame + 1, n + 1);
        if (s->faults) {
            c->fault_baud = baud;
            mtr_sim_send(s, fd, NULL, 0, frame, n + 3, &iec_framing);
            rc = 0;
        } else {
            rc = send_at(s, fd, baud, frame, n + 3);
        }
    }
    free(block);
    free(frame);
    return rc;
}

/* ---- programming mode --------------------------------------------------------- */

static int answer(struct meter_sim *s, int fd, const uint8_t *p, size_t n, int keep)
{
    struct sim_iec *c = ctx(s);
    react(s, c->req_chars, c->speed);
    if (keep && n <= sizeof c->last) {
        memcpy(c->last, p, n);
        c->last_len = n;
    }
    if (keep && c->corrupt_first && n > 1 && p[0] == MTR_IEC_STX) {
        c->corrupt_first--;
        uint8_t bad[MTR_IEC_FRAME_MAX];
        memcpy(bad, p, n);
        bad[n - 1] ^= 0x01;
        return send_paced(s, fd, c->speed, bad, n);
    }
    return send_paced(s, fd, c->speed, p, n);
}

static int answer_data(struct meter_sim *s, int fd, const char *text)
{
    uint8_t f[MTR_IEC_FRAME_MAX];
    size_t n;
    if (mtr_iec_data_build(f, sizeof f, text, strlen(text), false, ctx(s)->alg, &n) != METER_OK)
        return -1;
    return answer(s, fd, f, n, 1);
}

static int answer_byte(struct meter_sim *s, int fd, uint8_t b)
{
    return answer(s, fd, &b, 1, b == MTR_IEC_ACK);
}

/* The operand of "ADDR(operand)" or "(operand)". */
static int split_data(const mtr_iec_frame_t *f, const char **addr, size_t *alen, const char **op,
                      size_t *oplen)
{
    const char *d = (const char *)f->data;
    const char *lp = memchr(d, '(', f->data_len);
    const char *rp = lp ? memchr(lp, ')', f->data_len - (size_t)(lp - d)) : NULL;
    if (!f->has_data || !lp || !rp)
        return -1;
    *addr = d;
    *alen = (size_t)(lp - d);
    *op = lp + 1;
    *oplen = (size_t)(rp - lp - 1);
    return 0;
}

static int prog_command(struct meter_sim *s, int fd, const mtr_iec_frame_t *f)
{
    struct sim_iec *c = ctx(s);
    const char *addr, *op;
    size_t alen, oplen;
    s->requests++;
    if (f->cmd == 'B') {
        c->prog = c->authed = 0;
        return 0;
    }
    if (c->nak_first) {
        c->nak_first--;
        return answer_byte(s, fd, MTR_IEC_NAK);
    }
    if (split_data(f, &addr, &alen, &op, &oplen) < 0)
        return answer_byte(s, fd, MTR_IEC_NAK); /* a syntax error is a protocol error */
    if (f->cmd == 'P' && f->type == '1') {
        if (!c->password[0] ||
            (strlen(c->password) == oplen && memcmp(c->password, op, oplen) == 0)) {
            c->authed = 1;
            return answer_byte(s, fd, MTR_IEC_ACK);
        }
        return answer_data(s, fd, c->error_text);
    }
    if (!c->authed)
        return answer_data(s, fd, c->error_text);
    load_regs(s);
    struct reg *r = find_reg(c, addr, alen);
    if (f->cmd == 'R' && f->type == '1' && r) {
        char text[MTR_IEC_FRAME_MAX - 8];
        size_t k = (size_t)snprintf(text, sizeof text, "%s", r->addr);
        for (unsigned i = 0; i < r->nval && k + MTR_IEC_VALUE_MAX + 6 < sizeof text; i++)
            k += (size_t)snprintf(text + k, sizeof text - k, "(%s)%s", r->val[i],
                                  c->answer_crlf ? "\r\n" : "");
        return answer_data(s, fd, text);
    }
    if (f->cmd == 'W' && f->type == '1' && r && oplen <= MTR_IEC_VALUE_MAX) {
        snprintf(r->val[0], sizeof r->val[0], "%.*s", (int)oplen, op);
        r->nval = 1;
        return answer_byte(s, fd, MTR_IEC_ACK);
    }
    return answer_data(s, fd, c->error_text);
}

static int serve_prog(struct meter_sim *s, int fd)
{
    struct sim_iec *c = ctx(s);
    while (c->inn && c->prog) {
        mtr_iec_frame_t f;
        size_t used = 0;
        int rc = mtr_iec_frame_scan(c->in, c->inn, c->alg, &f, &used, NULL, 0);
        if (rc == MTR_IEC_MORE)
            return 0;
        if (rc == METER_ECHECKSUM) {
            /* B0 ends the session whatever its check character (its bytes are fixed) */
            if (f.kind == MTR_IEC_FRAME_CMD && f.cmd == 'B') {
                consume(c, used);
                c->prog = c->authed = 0;
                s->requests++;
                continue;
            }
            consume(c, used);
            c->req_chars = used;
            answer_byte(s, fd, MTR_IEC_NAK);
            continue;
        }
        if (rc < 0) {
            consume(c, 1);
            continue;
        }
        consume(c, used);
        c->req_chars = used;
        if (f.kind == MTR_IEC_FRAME_NAK) {
            if (c->last_len)
                answer(s, fd, c->last, c->last_len, 0);
        } else if (f.kind == MTR_IEC_FRAME_CMD) {
            uint8_t copy[MTR_IEC_FRAME_MAX];
            memcpy(copy, f.data ? f.data : (const uint8_t *)"", f.data_len);
            f.data = copy;
            if (prog_command(s, fd, &f) < 0)
                return -1;
        }
    }
    return 0;
}

/* ---- sign-on and option select -------------------------------------------------- */

static int addressed_to_us(const struct sim_iec *c, const char *req)
{
    if (!req[0] || !c->devaddr[0])
        return 1;
    while (*req == '0' && req[1])
        req++;
    const char *mine = c->devaddr;
    while (*mine == '0' && mine[1])
        mine++;
    return strcmp(req, mine) == 0;
}

static int after_ident(struct meter_sim *s, int fd)
{
    struct sim_iec *c = ctx(s);
    unsigned baud;
    mtr_iec_baud_char(c->ident[4], &baud);
    long end = now_ms() + (long)c->ack_wait_ms;
    for (;;) {
        size_t i = 0;
        while (i < c->inn && (c->in[i] == 0 || c->in[i] == '\r' || c->in[i] == '\n'))
            i++;
        consume(c, i);
        if (c->inn) {
            mtr_iec_optsel_t o;
            size_t used = 0;
            int rc = mtr_iec_optsel_parse(c->in, c->inn, &o, &used, NULL, 0);
            if (rc == MTR_IEC_COMPLETE) {
                consume(c, used);
                int switching = o.z != '0';
                if (switching && (c->no_switch || o.z != c->ident[4]))
                    return 0; /* not heard: back to waiting for a sign-on */
                react(s, used, 300); /* the option select comes at 300 Bd */
                c->speed = switching ? baud : 300;
                if (o.y == '0')
                    return send_readout(s, fd, switching ? baud : 300);
                if (o.y == '1') {
                    uint8_t p0[MTR_IEC_FRAME_MAX];
                    char operand[MTR_IEC_VALUE_MAX + 3];
                    size_t n;
                    snprintf(operand, sizeof operand, "(%s)", c->p0);
                    mtr_iec_cmd_build(p0, sizeof p0, 'P', '0', operand, strlen(operand), false,
                                      c->alg, &n);
                    c->prog = 1;
                    c->authed = !c->password[0];
                    c->last_len = 0;
                    c->sessions++;
                    return send_at(s, fd, switching ? baud : 300, p0, n);
                }
                return 0;
            }
            if (rc != MTR_IEC_MORE) {
                consume(c, c->inn);
                return 0;
            }
        }
        int w = wait_in(s, fd, end - now_ms());
        if (w < 0)
            return 0;
        if (w == 0) /* no option select within t_t: the readout at 300 Bd, as the standard says */
            return send_readout(s, fd, 300);
        if (take(s, fd) < 0)
            return -1;
    }
}

static int serve_idle(struct meter_sim *s, int fd)
{
    struct sim_iec *c = ctx(s);
    while (c->inn && !c->prog) {
        if (c->in[0] == MTR_IEC_SOH) { /* a B0 from a client that ends a session anyway */
            mtr_iec_frame_t f;
            size_t used = 0;
            int rc = mtr_iec_frame_scan(c->in, c->inn, MTR_IEC_BCC_ANY, &f, &used, NULL, 0);
            if (rc == MTR_IEC_MORE)
                return 0;
            consume(c, rc == MTR_IEC_COMPLETE || rc == METER_ECHECKSUM ? used : 1);
            continue;
        }
        char dev[MTR_IEC_DEVADDR_MAX + 1];
        size_t used = 0;
        int rc = mtr_iec_signon_parse(c->in, c->inn, dev, sizeof dev, &used, NULL, 0);
        if (rc == MTR_IEC_MORE)
            return 0;
        if (rc < 0) {
            consume(c, 1);
            continue;
        }
        consume(c, used);
        if (!addressed_to_us(c, dev))
            continue;
        s->requests++;
        react(s, used, 300);
        c->speed = 300;
        char line[MTR_IEC_IDLINE_MAX + 4];
        int n = snprintf(line, sizeof line, "%s\r\n", c->ident);
        c->inn = 0; /* a new session: what came before is gone */
        if (send_at(s, fd, 300, (const uint8_t *)line, (size_t)n) < 0)
            return -1;
        if (after_ident(s, fd) < 0)
            return -1;
    }
    return 0;
}

/* Defaults that need the first meter (added after setup). */
static void defaults(struct meter_sim *s)
{
    struct sim_iec *c = ctx(s);
    if (c->ident[0] || !s->nmeters)
        return;
    const struct mtr_iec_driver *d = driver_of(s);
    snprintf(c->ident, sizeof c->ident, "%s", d && d->ident ? d->ident : "/ISk5ME162-0033");
}

static int sim_iec_serve(struct meter_sim *s, int fd)
{
    struct sim_iec *c = ctx(s);
    defaults(s);
    if (take(s, fd) < 0)
        return -1;
    for (int guard = 0; guard < 4 && c->inn; guard++) {
        size_t before = c->inn;
        int rc = c->prog ? serve_prog(s, fd) : serve_idle(s, fd);
        if (rc < 0)
            return -1;
        if (c->inn == before)
            break;
    }
    return 0;
}

/* ---- meters that push (dsmr, easymeter-q3d) ---------------------------------------- */

/* A listener that reads nothing loses telegrams, as on a real P1 port: never block. */
static void write_nb(struct meter_sim *s, int fd, const uint8_t *p, size_t n)
{
    (void)s;
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0 && !(fl & O_NONBLOCK))
        fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    uint8_t buf[512];
    while (n) {
        size_t k = n < sizeof buf ? n : sizeof buf;
        memcpy(buf, p, k);
        if (s->tcp && driver_of(s)->push == 1)
            mtr_iec_7e1_encode(buf, k); /* a serial server passes 7E1 as 8 bits */
        ssize_t w = write(fd, buf, k);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

static const struct mtr_sim_framing push_framing = {NULL, NULL, NULL, write_nb, NULL};

/* Every second: "/ident CR LF CR LF data !" and, for DSMR, the CRC-16/ARC and CR LF. */
static long sim_iec_push(struct meter_sim *s, const int *fds, int nfds)
{
    struct sim_iec *c = ctx(s);
    const struct mtr_iec_driver *d = driver_of(s);
    if (!d || !d->push)
        return 60000;
    long now = now_ms();
    if (c->next_push && now < c->next_push)
        return c->next_push - now;
    c->next_push = now + 1000;
    defaults(s);
    size_t cap = 16384 + (c->data ? strlen(c->data) : 0);
    char *t = malloc(cap + 64);
    if (!t)
        return 1000;
    size_t k = (size_t)snprintf(t, cap, "%s\r\n\r\n", c->ident);
    k += data_block(s, t + k, cap - k); /* ends "!\r\n" */
    if (d->push == 2) { /* DSMR: the CRC over '/' through '!' instead of CR LF */
        k -= 2;
        k += (size_t)snprintf(t + k, 64, "%04X\r\n", mtr_iec_crc16_arc((uint8_t *)t, k));
    }
    if (nfds) { /* a telegram nobody hears does not count towards METER_SIM_MAX_REQUESTS */
        s->requests++;
        c->sessions++;
    }
    for (int i = 0; i < nfds; i++) {
        uint8_t *copy = malloc(k);
        if (!copy)
            break;
        memcpy(copy, t, k);
        mtr_sim_send(s, fds[i], NULL, 0, copy, k, &push_framing);
        free(copy);
    }
    free(t);
    return 1000;
}

/* ---- setup and options ------------------------------------------------------------ */

static int sim_iec_setup(struct meter_sim *s, char *err, size_t len)
{
    struct sim_iec *c = calloc(1, sizeof *c);
    if (!c)
        return mtr_err(err, len, METER_ENOMEM, "out of memory");
    c->regs = calloc(MAX_REGS, sizeof *c->regs);
    if (!c->regs) {
        free(c);
        return mtr_err(err, len, METER_ENOMEM, "out of memory");
    }
    s->proto_ctx = c; /* the identification is the model's, set when first needed */
    snprintf(c->error_text, sizeof c->error_text, "(ERROR)");
    c->ack_wait_ms = 1800;
    c->alg = MTR_IEC_BCC_XOR;
    const struct mtr_iec_driver *d = s->meters[0].model ? s->meters[0].model->proto_data : NULL;
    if (d && d->push) { /* a meter that pushes mode D text; the endpoint says how to listen */
        s->push = sim_iec_push;
        s->scheme = d->push == 2 ? (s->tcp ? "dsmr-tcp" : "dsmr")
                                 : (s->tcp ? "iec-push-tcp" : "iec-push");
    }
    return METER_OK;
}

static void sim_iec_free(struct meter_sim *s)
{
    struct sim_iec *c = ctx(s);
    if (!c)
        return;
    free(c->data);
    free(c->capture);
    free(c->reg_text);
    free(c->regs);
    free(c->rec);
    free(c);
    s->proto_ctx = NULL;
}

/* Lines of data sets with CR LF line ends (LF or CR LF accepted on input). */
static char *crlf_text(const char *t)
{
    size_t n = strlen(t);
    char *out = malloc(2 * n + 3), *o = out;
    if (!out)
        return NULL;
    for (const char *p = t; *p; p++) {
        if (*p == '\r')
            continue;
        if (*p == '\n') {
            *o++ = '\r';
            *o++ = '\n';
        } else {
            *o++ = *p;
        }
    }
    if (o > out && o[-1] != '\n') {
        *o++ = '\r';
        *o++ = '\n';
    }
    *o = '\0';
    return out;
}

static int load_capture(struct sim_iec *c, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return METER_EIO;
    uint8_t *buf = malloc(1 << 20);
    size_t n = buf ? fread(buf, 1, 1 << 20, f) : 0;
    fclose(f);
    if (!buf)
        return METER_ENOMEM;
    mtr_iec_ident_t id;
    size_t used = 0;
    if (mtr_iec_ident_scan(buf, n, &id, &used, NULL, 0) != MTR_IEC_COMPLETE) {
        free(buf);
        return METER_EFRAME;
    }
    /* the identification line as sent, then the data from STX (or its first byte) */
    size_t start = 0;
    for (size_t i = used; i-- > 0;)
        if (buf[i] == '/' && (i + 1 >= n || buf[i + 1] != '?')) {
            start = i;
            break;
        }
    size_t e = start;
    while (e < n && buf[e] != '\r' && buf[e] != '\n')
        e++;
    snprintf(c->ident, sizeof c->ident, "%.*s", (int)(e - start), (const char *)buf + start);
    size_t d = used;
    while (d < n && buf[d] != MTR_IEC_STX)
        d++;
    if (d == n) { /* no STX: after the echoed option select, if any */
        d = used;
        if (d < n && buf[d] == MTR_IEC_ACK)
            while (d < n && buf[d++] != '\n') {
            }
    }
    free(c->capture);
    c->capture = malloc(n - d + 1);
    if (!c->capture) {
        free(buf);
        return METER_ENOMEM;
    }
    memcpy(c->capture, buf + d, n - d);
    c->capture_len = n - d;
    free(buf);
    return METER_OK;
}

static int set_text(char *dst, size_t cap, const char *v)
{
    if (strlen(v) >= cap)
        return METER_EINVAL;
    memcpy(dst, v, strlen(v) + 1);
    return METER_OK;
}

static int sim_iec_set(struct meter_sim *s, int opt, long v, const char *text)
{
    struct sim_iec *c = ctx(s);
    if (!c)
        return METER_EINVAL;
    if (!text) {
        switch (opt) {
        case METER_SIM_IEC_ECHO: c->echo = v != 0; return METER_OK;
        case METER_SIM_IEC_NO_SWITCH: c->no_switch = v != 0; return METER_OK;
        case METER_SIM_IEC_REACTION_MS: c->reaction_ms = (unsigned)(v > 1500 ? 1500 : v); return METER_OK;
        case METER_SIM_IEC_ACK_WAIT_MS: c->ack_wait_ms = (unsigned)(v > 60000 ? 60000 : v); return METER_OK;
        case METER_SIM_IEC_NAK_FIRST: c->nak_first = (unsigned)v; return METER_OK;
        case METER_SIM_IEC_CORRUPT_FIRST: c->corrupt_first = (unsigned)v; return METER_OK;
        case METER_SIM_IEC_SUM7: c->alg = v ? MTR_IEC_BCC_SUM7 : MTR_IEC_BCC_XOR; return METER_OK;
        case METER_SIM_IEC_ANSWER_CRLF: c->answer_crlf = v != 0; return METER_OK;
        default: return METER_EINVAL;
        }
    }
    switch (opt) {
    case METER_SIM_IEC_IDENT: {
        mtr_iec_ident_t id;
        defaults(s);
        if (mtr_iec_ident_parse((const uint8_t *)text, strlen(text), &id, NULL, 0) != METER_OK)
            return METER_EINVAL;
        size_t n = strcspn(text, "\r\n");
        if (n >= sizeof c->ident)
            return METER_EINVAL;
        snprintf(c->ident, sizeof c->ident, "%.*s", (int)n, text);
        return METER_OK;
    }
    case METER_SIM_IEC_DEVICE: return set_text(c->devaddr, sizeof c->devaddr, text);
    case METER_SIM_IEC_PASSWORD: return set_text(c->password, sizeof c->password, text);
    case METER_SIM_IEC_P0: return set_text(c->p0, sizeof c->p0, text);
    case METER_SIM_IEC_ERROR_TEXT: return set_text(c->error_text, sizeof c->error_text, text);
    case METER_SIM_IEC_DATA:
        free(c->data);
        c->data = crlf_text(text);
        c->nregs = 0;
        return c->data ? METER_OK : METER_ENOMEM;
    case METER_SIM_IEC_REGISTERS:
        free(c->reg_text);
        c->reg_text = crlf_text(text);
        c->nregs = 0;
        return c->reg_text ? METER_OK : METER_ENOMEM;
    case METER_SIM_IEC_READOUT_FILE:
        defaults(s);
        c->nregs = 0;
        return load_capture(c, text);
    default: return METER_EINVAL;
    }
}

const uint8_t *mtr_sim_iec_received(const meter_sim_t *s, size_t *n)
{
    const struct sim_iec *c = s && s->proto == &mtr_proto_iec ? ctx(s) : NULL;
    *n = c ? c->rec_len : 0;
    return c ? c->rec : NULL;
}

unsigned mtr_sim_iec_readout_baud(const meter_sim_t *s)
{
    const struct sim_iec *c = s && s->proto == &mtr_proto_iec ? ctx(s) : NULL;
    return c ? c->readout_baud : 0;
}

unsigned mtr_sim_iec_readouts(const meter_sim_t *s)
{
    const struct sim_iec *c = s && s->proto == &mtr_proto_iec ? ctx(s) : NULL;
    return c ? c->sessions : 0;
}

const struct mtr_sim_proto_ops mtr_sim_iec = {
    &mtr_proto_iec, "iec", "iec-tcp", 1, 247, NULL, sim_iec_setup, sim_iec_free, sim_iec_serve, sim_iec_set,
};
