/* SPDX-License-Identifier: MIT */
/* meter_scan(): M-Bus bus scans. Primary: SND_NKE at 0–250, then REQ_UD2 for
 * the identity. Secondary: a wildcard selection; on a collision the next
 * position is fixed to each value in turn — the 8 id digits (0–9, or 0–E),
 * then the medium, version and both manufacturer bytes over 00–FE — until
 * every branch has one meter or none. */
#include <stdio.h>
#include <string.h>

#include "protocols/mbus/mbus_internal.h"
#include "meter/scan.h"

struct scan {
    meter_t *m;
    meter_scan_fn fn;
    void *ud;
    size_t count;
    int stop;
    unsigned flags;
    char seen[256][17]; /* secondaries reported: a meter found twice is listed once */
    size_t nseen;
};

static void report(struct scan *s, meter_scan_result_t *res)
{
    if (res->status == METER_OK && res->secondary[0]) {
        for (size_t i = 0; i < s->nseen; i++)
            if (strcmp(s->seen[i], res->secondary) == 0) {
                mtr_log(s->m, METER_LOG_DEBUG, "mbus scan: %s again (listed already)",
                        res->secondary);
                return;
            }
        if (s->nseen < sizeof s->seen / sizeof s->seen[0])
            memcpy(s->seen[s->nseen++], res->secondary, sizeof s->seen[0]);
    }
    s->count++;
    if (s->fn && s->fn(res, s->ud))
        s->stop = 1;
}

static void fill_identity(meter_scan_result_t *res, uint32_t id, uint16_t man, uint8_t ver,
                          uint8_t med)
{
    mtr_mbus_id_text(id, res->id);
    mtr_mbus_man_string(man, res->manufacturer);
    snprintf(res->secondary, sizeof res->secondary, "%08X%02X%02X%02X%02X", (unsigned)id,
             man & 0xFF, man >> 8, ver, med);
    res->version = ver;
    res->medium = med;
    res->medium_name = mtr_mbus_medium_name(med);
    res->model = mtr_mbus_model_for(man, med);
}

/* REQ_UD2 to a and the identity from the answer's header. */
static int identify(struct scan *s, uint8_t a, int strict, meter_scan_result_t *res)
{
    struct mtr_mbus_bus *mb = s->m->bus->priv;
    uint8_t f[8];
    size_t n;
    struct mtr_mbus_reply r;
    int fcb = mb->fcb[a] < 0 ? 1 : mb->fcb[a];
    mtr_mbus_build_req_ud2(f, sizeof f, a, fcb, &n);
    int rc = mtr_mbus_request(s->m, f, n, MTR_MBUS_X_RSP, strict, &r);
    if (rc != METER_OK)
        return rc;
    mb->fcb[a] = (int8_t)!fcb;
    mtr_mbus_app_t app;
    char eb[160];
    rc = mtr_mbus_reply_parse(&r.frame, &app, eb, sizeof eb);
    if (rc != METER_OK && rc != METER_EAPPLICATION)
        return mtr_set_err(s->m, rc, "%s", eb);
    res->primary = r.frame.a;
    if (app.has_id)
        fill_identity(res, app.id, app.man, app.version, app.medium);
    return METER_OK;
}

static void scan_primary(struct scan *s)
{
    struct mtr_mbus_bus *mb = s->m->bus->priv;
    for (int a = 0; a <= MTR_MBUS_ADDR_MAX_PRIMARY && !s->stop; a++) {
        uint8_t f[8];
        size_t n;
        struct mtr_mbus_reply r;
        mtr_mbus_build_snd_nke(f, sizeof f, (uint8_t)a, &n);
        int rc = mtr_mbus_request(s->m, f, n, MTR_MBUS_X_ACK, 1, &r);
        meter_scan_result_t res;
        memset(&res, 0, sizeof res);
        res.primary = a;
        res.medium_name = "";
        res.model = "";
        if (rc == METER_ETIMEDOUT)
            continue;
        if (rc == METER_OK) {
            mb->fcb[a] = 1;
            rc = identify(s, (uint8_t)a, 1, &res);
            res.primary = a;
        }
        if (rc == METER_ECOLLISION) {
            res.status = METER_ECOLLISION;
            report(s, &res);
        } else if (rc == METER_OK) {
            res.status = METER_OK;
            report(s, &res);
        } else {
            mtr_log(s->m, METER_LOG_WARN, "mbus scan: address %d: %s", a, s->m->err);
        }
    }
}

/* ---- secondary -------------------------------------------------------------- */

enum { NONE = 0, ONE, MANY };
#define POSITIONS 12 /* 8 id digits, medium, version, manufacturer low and high byte */

static void set_position(mtr_mbus_secondary_t *p, int pos, unsigned v)
{
    if (pos < 8) {
        unsigned shift = (unsigned)(7 - pos) * 4;
        p->id = (p->id & ~(0xFu << shift)) | (uint32_t)v << shift;
    } else if (pos == 8) {
        p->medium = (uint8_t)v;
    } else if (pos == 9) {
        p->version = (uint8_t)v;
    } else if (pos == 10) {
        p->man = (uint16_t)((p->man & 0xFF00) | v);
    } else {
        p->man = (uint16_t)((p->man & 0x00FF) | v << 8);
    }
}

static int probe(struct scan *s, const mtr_mbus_secondary_t *p, meter_scan_result_t *res)
{
    struct mtr_mbus_meter *mm = s->m->priv;
    int rc = mtr_mbus_select(s->m, p, mm->select_c);
    if (rc == METER_ENOTFOUND || rc == METER_ETIMEDOUT)
        return NONE;
    if (rc == METER_ECOLLISION)
        return MANY;
    if (rc != METER_OK)
        return NONE;
    memset(res, 0, sizeof *res);
    rc = identify(s, MTR_MBUS_ADDR_SELECTED, 1, res);
    if (rc == METER_ECOLLISION)
        return MANY;
    if (rc != METER_OK) {
        mtr_log(s->m, METER_LOG_WARN, "mbus scan: selected, but no answer to REQ_UD2: %s",
                s->m->err);
        return NONE;
    }
    res->primary = -1;
    res->status = METER_OK;
    return ONE;
}

static void narrow(struct scan *s, const mtr_mbus_secondary_t *p, int pos)
{
    if (s->stop)
        return;
    meter_scan_result_t res;
    int r = probe(s, p, &res);
    if (r == ONE) {
        report(s, &res);
        return;
    }
    if (r == NONE)
        return;
    if (pos == POSITIONS) { /* identical addresses: nothing left to tell them apart */
        memset(&res, 0, sizeof res);
        fill_identity(&res, p->id, p->man, p->version, p->medium);
        res.primary = -1;
        res.status = METER_ECOLLISION;
        report(s, &res);
        return;
    }
    unsigned last = pos < 8 ? ((s->flags & METER_SCAN_HEX_IDS) ? 0xE : 9) : 0xFE;
    mtr_log(s->m, METER_LOG_INFO, "mbus scan: collision; narrowing position %d", pos);
    for (unsigned v = 0; v <= last && !s->stop; v++) {
        mtr_mbus_secondary_t q = *p;
        set_position(&q, pos, v);
        narrow(s, &q, pos + 1);
    }
}

static void scan_secondary(struct scan *s)
{
    mtr_mbus_secondary_t all = {0xFFFFFFFFu, 0xFFFF, 0xFF, 0xFF};
    narrow(s, &all, 0);
}

/* the connection string with baud=N added */
static int with_baud(const char *connection, unsigned baud, char *out, size_t cap)
{
    int k = snprintf(out, cap, "%s%sbaud=%u", connection, strchr(connection, '?') ? "&" : "?", baud);
    return k > 0 && (size_t)k < cap ? 0 : -1;
}

static const unsigned probe_bauds[] = {2400, 9600, 300, 1200, 4800, 19200, 38400};

meter_status_t meter_scan_probe(const char *connection, unsigned *baud, char *err, size_t len)
{
    struct mtr_conn c;
    if (!baud)
        return mtr_err(err, len, METER_EINVAL, "NULL baud");
    *baud = 0;
    int rc = mtr_conn_parse(connection, &c, MTR_CONN_ALL, err, len);
    if (rc != METER_OK)
        return rc;
    if (c.proto != &mtr_proto_mbus)
        return mtr_err(err, len, METER_EUNSUPPORTED, "scans are for M-Bus lines (mbus: or "
                       "mbus-tcp:), not '%s:'", c.scheme->name);
    if (c.scheme->id != MTR_MBUS_SERIAL || (c.set & MTR_SET_BAUD))
        return METER_OK; /* a gateway has no speed to find; a given one is used */
    char conn[MTR_PATH_MAX + 300];
    for (size_t i = 0; i < sizeof probe_bauds / sizeof probe_bauds[0]; i++) {
        if (with_baud(connection, probe_bauds[i], conn, sizeof conn) < 0)
            return mtr_err(err, len, METER_ECONNSTR, "connection string too long");
        meter_t *m;
        if ((rc = meter_open(&m, "mbus", conn, err, len)) != METER_OK)
            return rc;
        uint8_t f[8];
        size_t n;
        struct mtr_mbus_reply r;
        mtr_mbus_build_req_ud2(f, sizeof f, MTR_MBUS_ADDR_TEST, 1, &n);
        if ((rc = mtr_bus_lock(m)) == METER_OK) {
            rc = mtr_mbus_request(m, f, n, MTR_MBUS_X_RSP, 1, &r);
            mtr_bus_unlock(m);
        }
        meter_close(m);
        if (rc == METER_ECANCELED)
            return mtr_err(err, len, rc, "cancelled");
        if (rc != METER_ETIMEDOUT) { /* an answer, or several at once: someone is there */
            *baud = probe_bauds[i];
            return METER_OK;
        }
    }
    return mtr_err(err, len, METER_ENOTFOUND, "no M-Bus meter answered at 2400, 9600, 300, 1200, "
                   "4800, 19200 or 38400 Bd (a REQ_UD2 to the test address 254 at each)");
}

meter_status_t meter_scan(const char *connection, unsigned flags, meter_scan_fn fn, void *ud, size_t *count,
               char *err, size_t len)
{
    struct mtr_conn c;
    if (count)
        *count = 0;
    int rc = mtr_conn_parse(connection, &c, MTR_CONN_ALL, err, len);
    if (rc != METER_OK)
        return rc;
    if (c.proto != &mtr_proto_mbus)
        return mtr_err(err, len, METER_EUNSUPPORTED, "scans are for M-Bus lines (mbus: or "
                       "mbus-tcp:), not '%s:'", c.scheme->name);
    /* no speed given on a serial line: scan where something answers */
    char conn[MTR_PATH_MAX + 300];
    if (c.scheme->id == MTR_MBUS_SERIAL && !(c.set & MTR_SET_BAUD)) {
        unsigned baud;
        rc = meter_scan_probe(connection, &baud, err, len);
        if (rc == METER_ENOTFOUND)
            return METER_OK; /* nothing answers anywhere: no meters (the message says so) */
        if (rc != METER_OK)
            return rc;
        if (with_baud(connection, baud, conn, sizeof conn) < 0)
            return mtr_err(err, len, METER_ECONNSTR, "connection string too long");
        connection = conn;
    }
    meter_t *m;
    if ((rc = meter_open(&m, "mbus", connection, err, len)) != METER_OK)
        return rc;
    if (!(flags & (METER_SCAN_PRIMARY | METER_SCAN_SECONDARY)))
        flags |= METER_SCAN_PRIMARY | METER_SCAN_SECONDARY;
    static const struct scan zero;
    struct scan s = zero;
    s.m = m;
    s.fn = fn;
    s.ud = ud;
    s.flags = flags;
    if ((rc = mtr_bus_lock(m)) != METER_OK) {
        meter_close(m);
        return rc;
    }
    if (flags & METER_SCAN_PRIMARY)
        scan_primary(&s);
    if ((flags & METER_SCAN_SECONDARY) && !s.stop)
        scan_secondary(&s);
    mtr_bus_unlock(m);
    if (count)
        *count = s.count;
    meter_close(m);
    return METER_OK;
}
