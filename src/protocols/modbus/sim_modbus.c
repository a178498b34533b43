/* SPDX-License-Identifier: MIT */
/* The simulator's Modbus slave side: frames RTU requests itself (so one link
 * serves several slave ids; on a pty and on rtu-tcp:), takes TCP requests
 * through libmodbus, fills libmodbus's mapping from the simulated meter's state
 * and replies with modbus_reply(); writes are checked against the manuals'
 * write tables and refused with the exception a meter gives. */
#include <errno.h>
#include <math.h>
#include <modbus.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "protocols/modbus/modbus_internal.h"
#include "sim/sim_internal.h"

/* ---- the manuals' write tables (kept apart from the library's own code) ---- */

enum wkind {
    W_ID,      /* new slave id */
    W_SET,     /* one of a set of values */
    W_FLOATSET,/* a float (two registers) from a set */
    W_HEXNUM,  /* hex digits in a range */
    W_RANGE,   /* an integer in [lo, hi] */
    W_ZERO,    /* reset: the value must be 0 (integer or float) */
    W_TARIFF,  /* 1, 2 (saved), 11, 12 (not saved) */
    W_CLEAR,   /* 0x55AA clears the energies */
    W_BAUDCODE /* 1..4 */
};

struct wrule {
    const char *family; /* model name prefix */
    uint16_t addr;
    uint8_t words;
    uint8_t fc;
    enum wkind kind;
    meter_quantity_t q;
    double lo, hi;
    const double *set;
    size_t nset;
};

static const double bauds[] = {1200, 2400, 4800, 9600};
static const double s0_rates[] = {10000, 2000, 1000, 100, 10, 1, 0.1, 0.01};
static const double calc_codes_1p[] = {1, 4, 5, 6, 9, 10};
static const double calc_codes_3p[] = {1, 4, 5, 6, 9, 10, 11};
static const double parities[] = {1, 2, 3};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct wrule wrules[] = {
    /* KLEFR 6924/6934, seed 000 App. 3, the "Write" table */
    {"klefr-6924", 0x4003, 1, 6, W_ID, METER_Q_DEVICE_ADDRESS, 1, 247, NULL, 0},
    {"klefr-6934", 0x4003, 1, 6, W_ID, METER_Q_DEVICE_ADDRESS, 1, 247, NULL, 0},
    {"klefr-69", 0x4004, 1, 6, W_SET, METER_Q_BAUD_RATE, 0, 0, bauds, N(bauds)},
    {"klefr-69", 0x400D, 2, 16, W_FLOATSET, METER_Q_S0_RATE, 0, 0, s0_rates, N(s0_rates)},
    {"klefr-6924", 0x400F, 1, 6, W_SET, METER_Q_CALCULATION_CODE, 0, 0, calc_codes_1p, N(calc_codes_1p)},
    {"klefr-6934", 0x400F, 1, 6, W_SET, METER_Q_CALCULATION_CODE, 0, 0, calc_codes_3p, N(calc_codes_3p)},
    {"klefr-69", 0x4010, 1, 6, W_HEXNUM, METER_Q_LCD_CYCLE_TIME, 1, 30, NULL, 0},
    {"klefr-69", 0x4011, 1, 6, W_SET, METER_Q_PARITY_SETTING, 0, 0, parities, N(parities)},
    {"klefr-69", 0x4016, 1, 6, W_ZERO, METER_Q_POWER_DOWN_COUNTER, 0, 0, NULL, 0},
    {"klefr-69", 0x6048, 1, 6, W_TARIFF, METER_Q_TARIFF, 0, 0, NULL, 0},
    {"klefr-69", 0x6049, 2, 16, W_ZERO, METER_Q_ENERGY_ACTIVE_DAY_COUNTER, 0, 0, NULL, 0},
    /* Compere KPM31, seed 004 §6.1.2 (FC16) and §6.1.1 (coil, FC05) */
    {"compere-kpm31", 0x0000, 1, 16, W_RANGE, METER_Q_PASSWORD, 0, 9999, NULL, 0},
    {"compere-kpm31", 0x0001, 1, 16, W_ID, METER_Q_DEVICE_ADDRESS, 1, 247, NULL, 0},
    {"compere-kpm31", 0x0002, 1, 16, W_BAUDCODE, METER_Q_BAUD_RATE, 1, 4, NULL, 0},
    {"compere-kpm31", 0x000C, 1, 16, W_CLEAR, METER_Q_NONE, 0, 0, NULL, 0},
    {"compere-kpm31", 0x0001, 1, 5, W_RANGE, METER_Q_RELAY, 0, 1, NULL, 0},
};

static int in_set(double v, const double *set, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (v == set[i])
            return 1;
    return 0;
}

static const struct wrule *find_rule(const struct mtr_sim_meter *sm, uint16_t addr, uint8_t fc)
{
    for (size_t i = 0; i < N(wrules); i++) {
        const struct wrule *r = &wrules[i];
        if (r->addr == addr && r->fc == fc &&
            strncmp(sm->model->info.name, r->family, strlen(r->family)) == 0)
            return r;
    }
    return NULL;
}

/* Check a write; on success apply it to the meter (new_id set for W_ID).
 * Returns 0 or a Modbus exception code. */
static int apply_write(struct mtr_sim_meter *sm, uint8_t fc, uint16_t addr, const uint16_t *w,
                       unsigned count, int *new_id)
{
    int any = 0;
    for (size_t i = 0; i < N(wrules); i++)
        any |= wrules[i].addr == addr && strncmp(sm->model->info.name, wrules[i].family,
                                                 strlen(wrules[i].family)) == 0;
    const struct wrule *r = find_rule(sm, addr, fc);
    if (!r)
        return any ? MODBUS_EXCEPTION_ILLEGAL_FUNCTION : MODBUS_EXCEPTION_ILLEGAL_DATA_ADDRESS;
    if (count != r->words)
        return MODBUS_EXCEPTION_ILLEGAL_DATA_ADDRESS;
    double v;
    if (r->words == 2) {
        v = (double)mtr_mb_get_float(w, MTR_WORDS_ABCD);
    } else if (fc == 5) {
        v = w[0] == 0xFF00 ? 1 : 0;
    } else {
        v = w[0];
    }
    switch (r->kind) {
    case W_ID:
        if (v < r->lo || v > r->hi)
            return MODBUS_EXCEPTION_ILLEGAL_DATA_VALUE;
        *new_id = (int)v;
        sm->v[r->q] = v;
        return 0;
    case W_SET:
        if (!in_set(v, r->set, r->nset))
            return MODBUS_EXCEPTION_ILLEGAL_DATA_VALUE;
        sm->v[r->q] = v;
        return 0;
    case W_FLOATSET:
        for (size_t k = 0; k < r->nset; k++)
            if ((float)v == (float)r->set[k]) {
                sm->v[r->q] = r->set[k];
                return 0;
            }
        return MODBUS_EXCEPTION_ILLEGAL_DATA_VALUE;
    case W_HEXNUM: {
        unsigned x = w[0], dec = 0, mul = 1;
        for (int k = 0; k < 4; k++, x >>= 4, mul *= 10) {
            if ((x & 0xF) > 9)
                return MODBUS_EXCEPTION_ILLEGAL_DATA_VALUE;
            dec += (x & 0xF) * mul;
        }
        if (dec < r->lo || dec > r->hi)
            return MODBUS_EXCEPTION_ILLEGAL_DATA_VALUE;
        sm->v[r->q] = dec;
        return 0;
    }
    case W_RANGE:
        if (v < r->lo || v > r->hi)
            return MODBUS_EXCEPTION_ILLEGAL_DATA_VALUE;
        sm->v[r->q] = v;
        return 0;
    case W_ZERO:
        if (v != 0)
            return MODBUS_EXCEPTION_ILLEGAL_DATA_VALUE;
        sm->v[r->q] = 0;
        return 0;
    case W_TARIFF:
        if (v != 1 && v != 2 && v != 11 && v != 12)
            return MODBUS_EXCEPTION_ILLEGAL_DATA_VALUE;
        sm->v[r->q] = v > 10 ? v - 10 : v;
        return 0;
    case W_CLEAR:
        if (w[0] != 0x55AA)
            return MODBUS_EXCEPTION_ILLEGAL_DATA_VALUE;
        mtr_sim_meter_clear_energy(sm);
        return 0;
    case W_BAUDCODE:
        if (v < 1 || v > 4)
            return MODBUS_EXCEPTION_ILLEGAL_DATA_VALUE;
        sm->v[r->q] = bauds[(int)v - 1];
        return 0;
    }
    return MODBUS_EXCEPTION_ILLEGAL_DATA_VALUE;
}

/* ---- reads -------------------------------------------------------------- */

static int in_block(const struct mtr_mb_map *map, unsigned a)
{
    for (size_t i = 0; i < map->nblocks; i++)
        if (a >= map->blocks[i].first && a <= map->blocks[i].last)
            return 1;
    return 0;
}

/* Fill mapping registers [addr, addr+count) from the meter; 0 or an exception code. */
static int fill_registers(struct meter_sim *s, struct mtr_sim_meter *sm, uint16_t addr,
                          unsigned count, uint16_t *tab)
{
    const struct mtr_mb_map *map = mtr_mb_map_of(sm->model);
    unsigned limit = s->max_regs ? s->max_regs : MODBUS_MAX_READ_REGISTERS;
    if (count < 1 || count > limit)
        return MODBUS_EXCEPTION_ILLEGAL_DATA_VALUE;
    unsigned end = (unsigned)addr + count;
    if (end > 0x10000)
        return MODBUS_EXCEPTION_ILLEGAL_DATA_ADDRESS;
    for (unsigned a = addr; a < end; a++) {
        if (!in_block(map, a))
            return MODBUS_EXCEPTION_ILLEGAL_DATA_ADDRESS;
        tab[a] = 0;
    }
    unsigned mapped = 0;
    for (size_t i = 0; i < map->nregs; i++) {
        const struct mtr_mb_reg *r = &map->regs[i];
        if (r->type == MTR_T_COIL || !mtr_model_has_row(sm->model, r))
            continue;
        if ((unsigned)r->addr + r->words <= addr || r->addr >= end)
            continue;
        uint16_t w[4] = {0};
        if (mtr_mb_encode(&(struct mtr_mb_field){r->addr, r->words, r->type, r->exp10}, sm->v[r->q], sm->text[r->q], map->word_order, w) != METER_OK)
            return MODBUS_EXCEPTION_SLAVE_OR_SERVER_FAILURE;
        for (unsigned k = 0; k < r->words; k++) {
            unsigned a = (unsigned)r->addr + k;
            if (a >= addr && a < end) {
                tab[a] = w[k];
                mapped++;
            }
        }
    }
    if (s->strict_holes && mapped < count)
        return MODBUS_EXCEPTION_ILLEGAL_DATA_ADDRESS;
    return 0;
}

static int fill_coils(struct mtr_sim_meter *sm, uint16_t addr, unsigned count, uint8_t *bits)
{
    const struct mtr_mb_map *map = mtr_mb_map_of(sm->model);
    for (unsigned a = addr; a < (unsigned)addr + count; a++) {
        int found = 0;
        for (size_t i = 0; i < map->nregs; i++)
            if (map->regs[i].type == MTR_T_COIL && map->regs[i].addr == a) {
                bits[a] = sm->v[map->regs[i].q] != 0;
                found = 1;
            }
        if (!found)
            return MODBUS_EXCEPTION_ILLEGAL_DATA_ADDRESS;
    }
    return 0;
}

/* How faults change a Modbus reply: RTU has its id first and a CRC last; TCP its
 * unit id in the MBAP header. The refusal is exception 04 (slave device failure). */
static void rtu_reseal(uint8_t *p, size_t n)
{
    if (n < 4)
        return;
    uint16_t crc = mtr_mb_crc16(p, n - 2);
    p[n - 2] = (uint8_t)(crc & 0xFF);
    p[n - 1] = (uint8_t)(crc >> 8);
}

static int rtu_readdress(uint8_t *p, size_t n)
{
    if (n < 4)
        return 0;
    p[0] = (uint8_t)(p[0] % 247 + 1);
    return 1;
}

static int tcp_readdress(uint8_t *p, size_t n)
{
    if (n < 8)
        return 0;
    p[6] = (uint8_t)(p[6] + 1);
    return 1;
}

static size_t refusal(const uint8_t *rsp, size_t n, uint8_t *out, size_t cap, size_t hl, int tcp)
{
    if (n < hl + 1 || cap < hl + 4)
        return 0;
    memcpy(out, rsp, hl);
    out[hl] = (uint8_t)(rsp[hl] | 0x80);
    out[hl + 1] = 0x04;
    if (tcp) {
        out[4] = 0;
        out[5] = 3;
        return hl + 2;
    }
    rtu_reseal(out, hl + 4);
    return hl + 4;
}

static size_t rtu_refusal(const uint8_t *rsp, size_t n, uint8_t *out, size_t cap)
{
    return refusal(rsp, n, out, cap, 1, 0);
}

static size_t tcp_refusal(const uint8_t *rsp, size_t n, uint8_t *out, size_t cap)
{
    return refusal(rsp, n, out, cap, 7, 1);
}

/* Paced: an RTU line at the pace baud, 8E1 (11 bits a character); the request ends with the
 * 3.5-character silence (a fixed 1.75 ms above 19 200 Bd), then the meter's turnaround, and
 * the reply too is followed by the silence. On TCP the line is behind a gateway: the frame
 * crosses it without the MBAP header (7 bytes) and with address and CRC (3), in one piece. */
static void rtu_line(const struct meter_sim *s, struct mtr_sim_line *l)
{
    l->baud = s->pace_baud;
    l->bits = 11;
    l->after_ns = s->pace_baud > 19200 ? 1750000 : (mtr_sim_chars_ns(7, s->pace_baud, 11) + 1) / 2;
    l->gap_ns = l->after_ns + (int64_t)s->turnaround_us * 1000;
}

static void tcp_line(const struct meter_sim *s, struct mtr_sim_line *l)
{
    rtu_line(s, l);
    l->whole = 1;
    l->overhead = 4;
}

/* RTU over TCP: the same frame on both sides of the gateway, in one piece. */
static void rtu_tcp_line(const struct meter_sim *s, struct mtr_sim_line *l)
{
    rtu_line(s, l);
    l->whole = 1;
}

static const struct mtr_sim_framing rtu_framing = {rtu_reseal, rtu_readdress, rtu_refusal, NULL,
                                                   NULL};
static const struct mtr_sim_framing tcp_framing = {NULL, tcp_readdress, tcp_refusal, NULL, NULL};

/* MBAP framing (tcp:); RTU frames on a pty and on rtu-tcp: */
static int mbap(const struct meter_sim *s)
{
    return s->tcp && !s->tcp_scheme;
}

/* Build libmodbus's reply into the capture socket, then send it with faults applied. */
static void reply(struct meter_sim *s, int fd, const uint8_t *req, int len, int exception)
{
    modbus_t *ctx = s->proto_ctx;
    modbus_set_socket(ctx, s->cap[0]);
    int n = exception ? modbus_reply_exception(ctx, req, (unsigned)exception)
                      : modbus_reply(ctx, req, len, s->proto_map);
    modbus_set_socket(ctx, fd);
    if (n <= 0)
        return;
    uint8_t rsp[MODBUS_TCP_MAX_ADU_LENGTH];
    ssize_t got = read(s->cap[1], rsp, sizeof rsp);
    struct mtr_sim_line line = {0};
    (mbap(s) ? tcp_line : s->tcp ? rtu_tcp_line : rtu_line)(s, &line);
    if (got > 0)
        mtr_sim_send_line(s, fd, req, (size_t)len, rsp, (size_t)got,
                          mbap(s) ? &tcp_framing : &rtu_framing, &line);
}

/* Handle one well-formed request (req/len as libmodbus frames it). */
static void handle(struct meter_sim *s, int fd, uint8_t *req, int len)
{
    modbus_mapping_t *mp = s->proto_map;
    int hl = mbap(s) ? 7 : 1;
    int unit = req[hl - 1];
    uint8_t fc = req[hl];
    uint16_t addr = (uint16_t)(req[hl + 1] << 8 | req[hl + 2]);
    uint16_t val = (uint16_t)(req[hl + 3] << 8 | req[hl + 4]);
    int broadcast = !mbap(s) && unit == 0;
    int served = 0;
    s->requests++;
    for (int i = 0; i < s->nmeters; i++) {
        struct mtr_sim_meter *sm = &s->meters[i];
        if (!broadcast && sm->address != unit)
            continue;
        mtr_sim_meter_tick(sm, s->frozen);
        int ex = 0, new_id = 0;
        switch (fc) {
        case MODBUS_FC_READ_HOLDING_REGISTERS:
            ex = broadcast ? MODBUS_EXCEPTION_ILLEGAL_FUNCTION
                           : fill_registers(s, sm, addr, val, mp->tab_registers);
            break;
        case MODBUS_FC_READ_COILS:
            ex = val < 1 || val > 2000 ? MODBUS_EXCEPTION_ILLEGAL_DATA_VALUE
                                       : fill_coils(sm, addr, val, mp->tab_bits);
            break;
        case MODBUS_FC_WRITE_SINGLE_REGISTER:
            ex = apply_write(sm, fc, addr, &val, 1, &new_id);
            break;
        case MODBUS_FC_WRITE_SINGLE_COIL:
            if (val != 0xFF00 && val != 0x0000)
                ex = MODBUS_EXCEPTION_ILLEGAL_DATA_VALUE;
            else
                ex = apply_write(sm, fc, addr, &val, 1, &new_id);
            break;
        case MODBUS_FC_WRITE_MULTIPLE_REGISTERS: {
            uint16_t w[8];
            unsigned n = val;
            if (n < 1 || n > 8 || req[hl + 5] != 2 * n || len < hl + 6 + 2 * (int)n) {
                ex = MODBUS_EXCEPTION_ILLEGAL_DATA_VALUE;
                break;
            }
            for (unsigned k = 0; k < n; k++)
                w[k] = (uint16_t)(req[hl + 6 + 2 * k] << 8 | req[hl + 7 + 2 * k]);
            ex = apply_write(sm, fc, addr, w, n, &new_id);
            break;
        }
        default:
            ex = MODBUS_EXCEPTION_ILLEGAL_FUNCTION;
            break;
        }
        mtr_sim_meter_derive(sm);
        served = 1;
        if (!broadcast)
            reply(s, fd, req, len, ex);
        if (!ex && new_id)
            sm->address = new_id; /* answered from the old id, listens on the new one */
        if (!broadcast)
            break;
    }
    /* TCP: a unit id no simulated meter has gets the gateway's exception */
    if (mbap(s) && !served)
        reply(s, fd, req, len, MODBUS_EXCEPTION_GATEWAY_TARGET);
}

/* ---- RTU framing, done here so one link serves several slave ids --------- */

static int read_exact(int fd, uint8_t *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        struct pollfd pfd = {fd, POLLIN, 0};
        int rc = poll(&pfd, 1, 200); /* inter-byte gap that ends a broken frame */
        if (rc <= 0)
            return -1;
        ssize_t k = read(fd, p + got, n - got);
        if (k <= 0) {
            if (k < 0 && (errno == EINTR || errno == EAGAIN))
                continue;
            return k == 0 ? -2 : -1; /* -2: the peer closed the connection */
        }
        got += (size_t)k;
    }
    return 0;
}

static void drain(int fd)
{
    uint8_t junk[256];
    struct pollfd pfd = {fd, POLLIN, 0};
    while (poll(&pfd, 1, 20) > 0 && read(fd, junk, sizeof junk) > 0) {
    }
}

/* A frame could not be read: on TCP (rtu-tcp:) a closed connection ends the client. */
static int lost(const struct meter_sim *s, int e)
{
    return e == -2 && s->tcp ? -1 : 0;
}

static int serve_rtu(struct meter_sim *s, int fd)
{
    uint8_t req[MODBUS_RTU_MAX_ADU_LENGTH];
    size_t len;
    int e;
    if ((e = read_exact(fd, req, 2)) < 0)
        return lost(s, e);
    switch (req[1]) {
    case 1: case 2: case 3: case 4: case 5: case 6:
        len = 8;
        if ((e = read_exact(fd, req + 2, len - 2)) < 0)
            return lost(s, e);
        break;
    case 15: case 16:
        if ((e = read_exact(fd, req + 2, 5)) < 0)
            return lost(s, e);
        len = 9 + (size_t)req[6];
        if ((e = read_exact(fd, req + 7, len - 7)) < 0)
            return lost(s, e);
        break;
    default:
        drain(fd); /* a function we cannot frame: drop the line's bytes */
        return 0;
    }
    uint16_t crc = mtr_mb_crc16(req, len - 2);
    if (req[len - 2] != (crc & 0xFF) || req[len - 1] != (crc >> 8)) {
        drain(fd); /* a real slave stays silent on a bad CRC */
        return 0;
    }
    if (req[0] != 0 && !mtr_sim_find(s, req[0]))
        return 0; /* another slave's request: not ours to answer */
    modbus_set_slave(s->proto_ctx, req[0] ? req[0] : 1);
    handle(s, fd, req, (int)len);
    return 0;
}

static int serve_tcp(struct meter_sim *s, int fd)
{
    uint8_t req[MODBUS_TCP_MAX_ADU_LENGTH];
    modbus_set_socket(s->proto_ctx, fd);
    int rc = modbus_receive(s->proto_ctx, req);
    if (rc < 0)
        return errno == EMBBADDATA || errno == EMBXILFUN ? 0 : -1;
    if (rc == 0)
        return 0;
    handle(s, fd, req, rc);
    return 0;
}

static int sim_modbus_serve(struct meter_sim *s, int fd)
{
    return mbap(s) ? serve_tcp(s, fd) : serve_rtu(s, fd);
}

static int sim_modbus_setup(struct meter_sim *s, char *err, size_t len)
{
    modbus_t *ctx = mbap(s) ? modbus_new_tcp("127.0.0.1", 502) : modbus_new_rtu("/dev/null", 9600, 'E', 8, 1);
    if (!ctx)
        return mtr_err(err, len, METER_ENOMEM, "cannot create the simulator's Modbus context");
    modbus_mapping_t *mp = modbus_mapping_new(0x10000, 0, 0x10000, 0);
    if (!mp) {
        modbus_free(ctx);
        return mtr_err(err, len, METER_ENOMEM, "cannot allocate the simulator's register map");
    }
    if (!mbap(s))
        modbus_set_socket(ctx, s->pty_master);
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s->cap) < 0) {
        modbus_mapping_free(mp);
        modbus_free(ctx);
        return mtr_err(err, len, METER_EIO, "cannot create the simulator's reply buffer");
    }
    s->proto_ctx = ctx;
    s->proto_map = mp;
    return METER_OK;
}

static void sim_modbus_free(struct meter_sim *s)
{
    if (s->proto_map)
        modbus_mapping_free(s->proto_map);
    if (s->proto_ctx) {
        modbus_set_socket(s->proto_ctx, -1);
        modbus_free(s->proto_ctx);
        close(s->cap[0]);
        close(s->cap[1]);
    }
    s->proto_map = NULL;
    s->proto_ctx = NULL;
}

static int serves(const struct mtr_model *model, meter_quantity_t q)
{
    return mtr_mb_row(model, q) != NULL;
}

const struct mtr_sim_proto_ops mtr_sim_modbus = {
    &mtr_proto_modbus, "rtu", "tcp", 1, 247, serves, sim_modbus_setup, sim_modbus_free, sim_modbus_serve, NULL,
};
