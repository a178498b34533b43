/* SPDX-License-Identifier: MIT */
/* The Modbus link through libmodbus: opens the RTU or TCP context from the
 * bus's parameters (libmodbus opens the port itself), runs one read with the
 * handle's timeout and retry policy under the bus lock, and maps libmodbus's
 * errno values onto libmeter status codes with the detail in the message. */
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <modbus.h>
#include <poll.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/transport/link.h"
#include "protocols/modbus/modbus_internal.h"

#define MB_BUS(b) ((struct mtr_mb_bus *)(b)->priv)

int mtr_mb_link_open(struct meter_bus *b, char *err, size_t len)
{
    const struct mtr_conn *c = &b->conn;
    modbus_t *ctx;
    char ebuf[128];
    struct mtr_mb_bus *mbb = calloc(1, sizeof *mbb);
    if (!mbb)
        return mtr_err(err, len, METER_ENOMEM, "out of memory");
    if (c->scheme->id == MTR_MB_RTU) {
        /* libmodbus opens the port itself: see first whether another handle holds it */
        int probe = open(c->path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
        int busy = probe < 0 ? errno == EBUSY : flock(probe, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK;
        if (probe >= 0)
            close(probe);
        if (busy) {
            free(mbb);
            return mtr_err(err, len, METER_EBUSY,
                           "serial port '%s' is in use by another program or handle (it is "
                           "locked); share one meter_bus_t between meters on the same line", c->path);
        }
        ctx = modbus_new_rtu(c->path, (int)c->baud, c->parity, (int)c->data_bits, (int)c->stop_bits);
    } else {
        char port[16];
        snprintf(port, sizeof port, "%u", c->port);
        ctx = modbus_new_tcp_pi(c->host, port);
    }
    if (!ctx) {
        int e = errno;
        free(mbb);
        return mtr_err(err, len, e == ENOMEM ? METER_ENOMEM : METER_EINVAL,
                       "cannot create the Modbus context: %s", strerror_r(e, ebuf, sizeof ebuf));
    }
    /* With a byte timeout set, the response timeout covers the first byte only. The
     * connection's timeout (default 1 s) also bounds the TCP connect. */
    unsigned ms = (c->set & MTR_SET_TIMEOUT) ? c->timeout_ms : 1000;
    modbus_set_response_timeout(ctx, ms / 1000, (ms % 1000) * 1000);
    modbus_set_byte_timeout(ctx, 0, 500000);
    if (modbus_connect(ctx) < 0) {
        int e = errno;
        modbus_free(ctx);
        free(mbb);
        if (c->scheme->id == MTR_MB_RTU && e == EBUSY)
            return mtr_err(err, len, METER_EBUSY,
                           "serial port '%s' is in use by another program or handle (opened "
                           "exclusively); share one meter_bus_t between meters on the same line",
                           c->path);
        if (c->scheme->id == MTR_MB_RTU)
            return mtr_err(err, len, METER_EIO, "cannot open serial port '%s': %s", c->path,
                           strerror_r(e, ebuf, sizeof ebuf));
        return mtr_err(err, len, METER_EIO, "cannot connect to %s port %u: %s", c->host, c->port,
                       strerror_r(e, ebuf, sizeof ebuf));
    }
    if (c->scheme->id == MTR_MB_RTU) {
        int rc = mtr_link_claim_port(modbus_get_socket(ctx), c->path, err, len);
        if (rc != METER_OK) {
            modbus_close(ctx);
            modbus_free(ctx);
            free(mbb);
            return rc;
        }
    }
    if (c->scheme->id == MTR_MB_RTU && c->rs485 &&
        modbus_rtu_set_serial_mode(ctx, MODBUS_RTU_RS485) < 0) {
        int e = errno;
        modbus_close(ctx);
        modbus_free(ctx);
        free(mbb);
        return mtr_err(err, len, METER_EIO, "cannot switch '%s' to kernel RS485 mode: %s", c->path,
                       strerror_r(e, ebuf, sizeof ebuf));
    }
    b->link = ctx;
    b->priv = mbb;
    return METER_OK;
}

void mtr_mb_link_close(struct meter_bus *b)
{
    if (b->link) {
        modbus_close(b->link);
        modbus_free(b->link);
        b->link = NULL;
    }
    free(b->priv);
    b->priv = NULL;
}

/* Getting back in step after a failed exchange.
 *
 * Nothing in a Modbus RTU reply ties it to its request: a reply that comes
 * after its request failed could pass for the answer to a later request of the
 * same length — a wrong number. A meter on a half-duplex line answers in order,
 * so once a probe whose reply length differs from every reply still possibly
 * on its way is answered correctly, every earlier reply has been consumed or
 * will never come. The bus stays "stale" until such a probe succeeds; no real
 * request is sent before. On TCP the transaction id does this job, and a
 * stream that lost its framing is replaced by a new connection. */

static void wait_quiet(struct meter_bus *b, modbus_t *ctx)
{
    int fd = modbus_get_socket(ctx);
    uint8_t junk[256];
    for (int rounds = 0; fd >= 0 && rounds < 3; rounds++) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, (int)MB_BUS(b)->stale_ms) <= 0)
            break;
        if (read(fd, junk, sizeof junk) <= 0)
            break;
    }
    modbus_flush(ctx);
}

static int is_late(const struct meter_bus *b, unsigned len)
{
    for (unsigned i = 0; i < MB_BUS(b)->nlate; i++)
        if (MB_BUS(b)->late[i] == len)
            return 1;
    return 0;
}

static void remember_late(struct meter_bus *b, uint8_t fc, unsigned rsp_adu_len)
{
    if (fc != 3 || is_late(b, rsp_adu_len))
        return;
    if (MB_BUS(b)->nlate == sizeof MB_BUS(b)->late / sizeof MB_BUS(b)->late[0]) {
        memmove(MB_BUS(b)->late, MB_BUS(b)->late + 1, sizeof MB_BUS(b)->late - sizeof MB_BUS(b)->late[0]);
        MB_BUS(b)->nlate--;
    }
    MB_BUS(b)->late[MB_BUS(b)->nlate++] = (uint16_t)rsp_adu_len;
}

/* A read of mapped registers whose reply length (5 + 2·count bytes) is not late. */
static int pick_probe(const meter_t *m, const struct meter_bus *b, uint16_t *addr, uint16_t *count)
{
    const struct mtr_mb_map *map = mtr_mb_map_of(m->model);
    for (size_t i = 0; i < map->nregs; i++) {
        const struct mtr_mb_reg *r = &map->regs[i];
        if (r->type == MTR_T_COIL || !mtr_model_has_row(m->model, r))
            continue;
        /* the run of mapped registers that starts at this row */
        unsigned end = (unsigned)r->addr + r->words;
        for (int grown = 1; grown;) {
            grown = 0;
            for (size_t j = 0; j < map->nregs; j++)
                if (map->regs[j].addr == end && map->regs[j].type != MTR_T_COIL &&
                    mtr_model_has_row(m->model, &map->regs[j])) {
                    end += map->regs[j].words;
                    grown = 1;
                }
        }
        for (unsigned k = 1; k <= end - r->addr && k <= 125; k++)
            if (!is_late(b, 5 + 2 * k)) {
                *addr = r->addr;
                *count = (uint16_t)k;
                return 0;
            }
    }
    return -1;
}

static int map_errno(meter_t *m, int e, uint8_t fc, uint16_t addr, uint16_t count, int *excode,
                     int *retry);

/* Called with the bus locked and MB_BUS(b)->stale set. METER_OK when in step again. */
static int recover(meter_t *m, struct meter_bus *b, modbus_t *ctx)
{
    if (b->conn.scheme->id == MTR_MB_TCP) {
        modbus_close(ctx);
        modbus_connect(ctx);
        MB_BUS(b)->stale = 0;
        return METER_OK;
    }
    wait_quiet(b, ctx);
    uint16_t addr, count, regs[125];
    if (MB_BUS(b)->nlate == 0 || pick_probe(m, b, &addr, &count) < 0) {
        MB_BUS(b)->stale = 0; /* nothing of the same kind can be mistaken */
        MB_BUS(b)->nlate = 0;
        return METER_OK;
    }
    m->stats.transactions++;
    m->stats.bytes_sent += 8;
    int n = modbus_read_registers(ctx, addr, count, regs);
    int e = errno;
    if (n == count) {
        m->stats.bytes_received += 5 + 2u * count;
        mtr_log(m, METER_LOG_INFO, "id %d: in step again (probe of %u registers at 0x%04X)", m->id,
                count, addr);
        MB_BUS(b)->stale = 0;
        MB_BUS(b)->nlate = 0;
        return METER_OK;
    }
    m->stats.errors++;
    remember_late(b, 3, 5 + 2u * count);
    int excode, retry;
    int rc = map_errno(m, n >= 0 ? EMBBADDATA : e, 3, addr, count, &excode, &retry);
    if (rc == METER_EEXCEPTION) { /* a whole reply, in order: in step */
        MB_BUS(b)->stale = 0;
        MB_BUS(b)->nlate = 0;
        return METER_OK;
    }
    mtr_log(m, METER_LOG_WARN, "%s (while getting back in step after a failed exchange)", m->err);
    return rc;
}

/* After a failed exchange: anything but an exception (a whole, in-order reply)
 * leaves the bus stale; on RTU the reply it may still get is remembered. */
static void after_failure(struct meter_bus *b, const meter_t *m, uint8_t fc, unsigned rsp_adu_len,
                          int rc)
{
    if (rc == METER_EEXCEPTION)
        return;
    MB_BUS(b)->stale = 1;
    MB_BUS(b)->stale_ms = m->timeout_ms;
    if (b->conn.scheme->id == MTR_MB_RTU)
        remember_late(b, fc, rsp_adu_len);
}

/* The byte timeout (the gap allowed inside one reply) follows the response timeout. */
static void set_timeouts(modbus_t *ctx, unsigned ms)
{
    unsigned byte_ms = ms < 500 ? ms : 500;
    modbus_set_response_timeout(ctx, ms / 1000, (ms % 1000) * 1000);
    modbus_set_byte_timeout(ctx, byte_ms / 1000, (byte_ms % 1000) * 1000);
}

static const char *exception_name(int code)
{
    switch (code) {
    case 1: return "illegal function";
    case 2: return "illegal data address";
    case 3: return "illegal data value";
    case 4: return "slave device failure";
    case 5: return "acknowledge";
    case 6: return "slave device busy";
    case 8: return "memory parity error";
    case 10: return "gateway path unavailable";
    case 11: return "gateway target failed to respond";
    default: return "unknown exception";
    }
}

/* Map an errno left by libmodbus. Sets *retry for transient failures. */
static int map_errno(meter_t *m, int e, uint8_t fc, uint16_t addr, uint16_t count, int *excode,
                     int *retry)
{
    *excode = 0;
    *retry = 0;
    if (e > MODBUS_ENOBASE && e < MODBUS_ENOBASE + 64) {
        int code = e - MODBUS_ENOBASE;
        if (code <= 11) {
            *excode = code;
            return mtr_set_err(m, METER_EEXCEPTION,
                               "id %d: exception %02X (%s) to FC%02u at 0x%04X, %u registers",
                               m->id, code, exception_name(code), fc, addr, count);
        }
    }
    char ebuf[128];
    switch (e) {
    case ETIMEDOUT:
        *retry = 1;
        return mtr_set_err(m, METER_ETIMEDOUT, "id %d: no reply within %u ms (FC%02u at 0x%04X)",
                           m->id, m->timeout_ms, fc, addr);
    case EMBBADCRC:
        *retry = 1;
        return mtr_set_err(m, METER_ECHECKSUM, "id %d: reply with a bad CRC (FC%02u at 0x%04X)",
                           m->id, fc, addr);
    case EMBBADSLAVE:
        *retry = 1;
        return mtr_set_err(m, METER_ESLAVE, "id %d: reply came from another slave id (FC%02u at 0x%04X)",
                           m->id, fc, addr);
    case EMBBADDATA:
        *retry = 1;
        return mtr_set_err(m, METER_EFRAME,
                           "id %d: malformed reply (wrong length or function) to FC%02u at 0x%04X",
                           m->id, fc, addr);
    case EMBMDATA:
        return mtr_set_err(m, METER_ELIMIT, "id %d: %u registers is more than one request may read",
                           m->id, count);
    case ECONNRESET:
    case EPIPE:
    case ENOTCONN:
    case EBADF:
        *retry = 1; /* the next exchange reconnects (after_failure) */
        /* fall through */
    default:
        return mtr_set_err(m, METER_EIO, "id %d: link error: %s", m->id,
                           strerror_r(e, ebuf, sizeof ebuf));
    }
}

/* One Modbus request: a read (FC01, FC03) into dst or a write (FC05, FC06, FC16) from src. */
struct xfer {
    uint8_t fc;
    uint16_t addr, count;
    uint16_t *dst;
    const uint16_t *src;
    unsigned attempts;
};

/* The request's PDU (for the log) and the sizes of request and reply PDUs. */
static size_t request_pdu(const struct xfer *x, uint8_t *pdu, size_t *rsp_len)
{
    size_t n = 5;
    pdu[0] = x->fc;
    pdu[1] = (uint8_t)(x->addr >> 8);
    pdu[2] = (uint8_t)x->addr;
    uint16_t v = x->fc == 5 || x->fc == 6 ? x->src[0] : x->count;
    pdu[3] = (uint8_t)(v >> 8);
    pdu[4] = (uint8_t)v;
    if (x->fc == 16) {
        pdu[5] = (uint8_t)(2 * x->count);
        for (unsigned i = 0; i < x->count; i++) {
            pdu[6 + 2 * i] = (uint8_t)(x->src[i] >> 8);
            pdu[7 + 2 * i] = (uint8_t)x->src[i];
        }
        n = 6 + 2u * x->count;
    }
    *rsp_len = x->fc == 3 ? 2u + 2u * x->count : x->fc == 1 ? 2u + (x->count + 7u) / 8u : 5u;
    return n;
}

/* Send one request and take its reply; returns the count of values, or -1 with errno. */
static int one_request(modbus_t *ctx, const struct xfer *x)
{
    switch (x->fc) {
    case 1: {
        uint8_t bits[2000];
        int n = modbus_read_bits(ctx, x->addr, x->count, bits);
        for (int i = 0; i < n; i++)
            x->dst[i] = bits[i];
        return n;
    }
    case 3: return modbus_read_registers(ctx, x->addr, x->count, x->dst);
    case 5: return modbus_write_bit(ctx, x->addr, x->src[0] == 0xFF00) < 0 ? -1 : x->count;
    case 6: return modbus_write_register(ctx, x->addr, x->src[0]) < 0 ? -1 : x->count;
    default: return modbus_write_registers(ctx, x->addr, x->count, x->src) < 0 ? -1 : x->count;
    }
}

/* Run a request under the bus lock with the handle's timeout and retry policy. */
static int exchange(meter_t *m, const struct xfer *x, int *excode)
{
    struct meter_bus *b = m->bus;
    int tcp = b->conn.scheme->id == MTR_MB_TCP;
    unsigned overhead = tcp ? 7 : 3; /* MBAP header, or slave id + CRC */
    int rc = METER_OK;
    uint8_t pdu[MODBUS_MAX_PDU_LENGTH], frame[MODBUS_RTU_MAX_ADU_LENGTH];
    size_t rsp_len, pdu_len = request_pdu(x, pdu, &rsp_len);
    size_t flen = mtr_mb_rtu_frame(frame, sizeof frame, (uint8_t)m->id, pdu, pdu_len);
    *excode = 0;
    int lrc = mtr_bus_lock(m);
    if (lrc != METER_OK)
        return lrc;
    modbus_t *ctx = b->link;
    if (!ctx) {
        mtr_bus_unlock(m);
        return mtr_set_err(m, METER_EIO, "the bus is not open");
    }
    modbus_set_slave(ctx, tcp && m->id == 0 ? MODBUS_TCP_SLAVE : m->id);
    set_timeouts(ctx, m->timeout_ms);
    for (unsigned attempt = 0; attempt < x->attempts; attempt++) {
        if (attempt)
            m->stats.retries++;
        if (MB_BUS(b)->stale && (rc = recover(m, b, ctx)) != METER_OK)
            continue; /* not in step: this attempt is spent getting there */
        m->stats.transactions++;
        mtr_log_hex(m, "tx", frame, flen);
        int n = one_request(ctx, x);
        int e = errno;
        m->stats.bytes_sent += overhead + pdu_len;
        if (n == x->count) {
            m->stats.bytes_received += overhead + rsp_len;
            mtr_log(m, METER_LOG_DEBUG, "rx id %d FC%02u 0x%04X: %u done", m->id, x->fc, x->addr,
                    x->count);
            rc = METER_OK;
            break;
        }
        m->stats.errors++;
        int retry;
        rc = map_errno(m, n >= 0 ? EMBBADDATA : e, x->fc, x->addr, x->count, excode, &retry);
        after_failure(b, m, x->fc, (unsigned)(overhead + rsp_len), rc);
        mtr_log(m, METER_LOG_WARN, "%s", m->err);
        if (!retry)
            break;
    }
    mtr_bus_unlock(m);
    return rc;
}

int mtr_mb_read(meter_t *m, uint8_t fc, uint16_t addr, uint16_t count, uint16_t *dst, int *excode)
{
    struct xfer x = {fc, addr, count, dst, NULL, m->retries + 1};
    return exchange(m, &x, excode);
}

int mtr_mb_write(meter_t *m, uint8_t fc, uint16_t addr, const uint16_t *w, uint16_t n, int retry_ok,
                 int *excode)
{
    struct xfer x = {fc, addr, n, NULL, w, retry_ok ? m->retries + 1 : 1};
    int rc = exchange(m, &x, excode);
    if (rc == METER_EEXCEPTION)
        mtr_set_err(m, rc, "id %d refused the write to 0x%04X (FC%02u): exception %02X (%s)", m->id,
                    addr, fc, *excode, exception_name(*excode));
    return rc;
}

int mtr_mb_relink(meter_t *m, unsigned baud, char parity)
{
    struct meter_bus *b = m->bus;
    if (b->conn.scheme->id != MTR_MB_RTU) {
        mtr_log(m, METER_LOG_WARN, "the meter's line settings changed behind a TCP gateway: "
                "the gateway must be set to match");
        return METER_OK;
    }
    char err[256];
    int lrc = mtr_bus_lock(m);
    if (lrc != METER_OK)
        return lrc;
    mtr_mb_link_close(b);
    if (baud)
        b->conn.baud = baud;
    if (parity)
        b->conn.parity = parity;
    int rc = mtr_mb_link_open(b, err, sizeof err);
    mtr_bus_unlock(m);
    if (rc != METER_OK)
        return mtr_set_err(m, rc, "the setting was written, but reopening the port at %u %c failed: %s",
                           b->conn.baud, b->conn.parity, err);
    mtr_log(m, METER_LOG_INFO, "bus now at %u baud, parity %c", b->conn.baud, b->conn.parity);
    return METER_OK;
}
