/* SPDX-License-Identifier: MIT */
/* The Modbus link through libmodbus: opens the RTU or TCP context from the
 * bus's parameters (libmodbus opens the port itself), runs one read with the
 * handle's timeout and retry policy under the bus lock, and maps libmodbus's
 * errno values onto libmeter status codes with the detail in the message. */
#include <errno.h>
#include <modbus.h>
#include <poll.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>

#include "core/internal.h"

int mtr_mb_link_open(struct meter_bus *b, char *err, size_t len)
{
    const struct mtr_conn *c = &b->conn;
    modbus_t *ctx;
    char ebuf[128];
    if (c->scheme == MTR_SCHEME_RTU) {
        ctx = modbus_new_rtu(c->path, (int)c->baud, c->parity, (int)c->data_bits, (int)c->stop_bits);
    } else {
        char port[16];
        snprintf(port, sizeof port, "%u", c->port);
        ctx = modbus_new_tcp_pi(c->host, port);
    }
    if (!ctx)
        return mtr_err(err, len, errno == ENOMEM ? METER_ENOMEM : METER_EINVAL,
                       "cannot create the Modbus context: %s",
                       strerror_r(errno, ebuf, sizeof ebuf));
    /* With a byte timeout set, the response timeout covers the first byte only. The
     * connection's timeout (default 1 s) also bounds the TCP connect. */
    unsigned ms = (c->set & MTR_SET_TIMEOUT) ? c->timeout_ms : 1000;
    modbus_set_response_timeout(ctx, ms / 1000, (ms % 1000) * 1000);
    modbus_set_byte_timeout(ctx, 0, 500000);
    if (modbus_connect(ctx) < 0) {
        int e = errno;
        modbus_free(ctx);
        if (c->scheme == MTR_SCHEME_RTU)
            return mtr_err(err, len, METER_EIO, "cannot open serial port '%s': %s", c->path,
                           strerror_r(e, ebuf, sizeof ebuf));
        return mtr_err(err, len, METER_EIO, "cannot connect to %s port %u: %s", c->host, c->port,
                       strerror_r(e, ebuf, sizeof ebuf));
    }
    if (c->scheme == MTR_SCHEME_RTU && c->rs485 &&
        modbus_rtu_set_serial_mode(ctx, MODBUS_RTU_RS485) < 0) {
        int e = errno;
        modbus_close(ctx);
        modbus_free(ctx);
        return mtr_err(err, len, METER_EIO, "cannot switch '%s' to kernel RS485 mode: %s", c->path,
                       strerror_r(e, ebuf, sizeof ebuf));
    }
    b->link = ctx;
    return METER_OK;
}

void mtr_mb_link_close(struct meter_bus *b)
{
    if (b->link) {
        modbus_close(b->link);
        modbus_free(b->link);
        b->link = NULL;
    }
}

/* Before a retry: drop what is on the line. After a timeout, a late reply may
 * still be coming; on RTU nothing ties a reply to its request, so a late reply
 * could pass for the answer to the next request of the same length. Wait until
 * the line has been quiet for one response timeout (at most three), then flush. */
static void recover(struct meter_bus *b, modbus_t *ctx)
{
    if (b->stale && b->conn.scheme == MTR_SCHEME_TCP) {
        /* a TCP stream that lost its framing, or has a late reply in flight, is not
         * resynchronised: a new connection starts clean */
        modbus_close(ctx);
        modbus_connect(ctx);
        b->stale = 0;
        return;
    }
    if (b->stale && b->conn.scheme == MTR_SCHEME_RTU) {
        int fd = modbus_get_socket(ctx);
        uint8_t junk[256];
        for (int rounds = 0; fd >= 0 && rounds < 3; rounds++) {
            struct pollfd p = {fd, POLLIN, 0};
            if (poll(&p, 1, (int)b->stale_ms) <= 0)
                break;
            if (read(fd, junk, sizeof junk) <= 0)
                break;
        }
    }
    b->stale = 0;
    modbus_flush(ctx);
}

/* After a failed exchange: remember a timeout (the next RTU exchange waits for
 * quiet), or any failure but an exception on TCP (the next exchange reconnects). */
static void after_failure(struct meter_bus *b, const meter_t *m, int rc)
{
    int tcp = b->conn.scheme == MTR_SCHEME_TCP;
    if (rc == METER_ETIMEDOUT || (tcp && rc != METER_EEXCEPTION)) {
        b->stale = 1;
        b->stale_ms = m->timeout_ms;
    }
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
    int tcp = b->conn.scheme == MTR_SCHEME_TCP;
    unsigned overhead = tcp ? 7 : 3; /* MBAP header, or slave id + CRC */
    int rc = METER_OK;
    uint8_t pdu[MODBUS_MAX_PDU_LENGTH], frame[MODBUS_RTU_MAX_ADU_LENGTH];
    size_t rsp_len, pdu_len = request_pdu(x, pdu, &rsp_len);
    size_t flen = mtr_mb_rtu_frame(frame, sizeof frame, (uint8_t)m->id, pdu, pdu_len);
    *excode = 0;
    pthread_mutex_lock(&b->lock);
    modbus_t *ctx = b->link;
    if (!ctx) {
        pthread_mutex_unlock(&b->lock);
        return mtr_set_err(m, METER_EIO, "the bus is not open");
    }
    if (b->stale)
        recover(b, ctx);
    modbus_set_slave(ctx, tcp && m->id == 0 ? MODBUS_TCP_SLAVE : m->id);
    set_timeouts(ctx, m->timeout_ms);
    for (unsigned attempt = 0; attempt < x->attempts; attempt++) {
        m->stats.transactions++;
        if (attempt)
            m->stats.retries++;
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
        after_failure(b, m, rc);
        mtr_log(m, METER_LOG_WARN, "%s", m->err);
        if (!retry)
            break;
        recover(b, ctx);
    }
    pthread_mutex_unlock(&b->lock);
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
    if (b->conn.scheme != MTR_SCHEME_RTU) {
        mtr_log(m, METER_LOG_WARN, "the meter's line settings changed behind a TCP gateway: "
                "the gateway must be set to match");
        return METER_OK;
    }
    char err[256];
    pthread_mutex_lock(&b->lock);
    mtr_mb_link_close(b);
    if (baud)
        b->conn.baud = baud;
    if (parity)
        b->conn.parity = parity;
    int rc = mtr_mb_link_open(b, err, sizeof err);
    pthread_mutex_unlock(&b->lock);
    if (rc != METER_OK)
        return mtr_set_err(m, rc, "the setting was written, but reopening the port at %u %c failed: %s",
                           b->conn.baud, b->conn.parity, err);
    mtr_log(m, METER_LOG_INFO, "bus now at %u baud, parity %c", b->conn.baud, b->conn.parity);
    return METER_OK;
}
