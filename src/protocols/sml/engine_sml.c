/* SPDX-License-Identifier: MIT */
/* The SML protocol as the core sees it: the bus is an IR head (or a serial server)
 * that the meter pushes telegrams to; every read, snapshot or records call waits for
 * the next valid telegram (sml_listen.c) and maps it through the driver's rows. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocols/sml/sml_internal.h"

#define LINE (MTR_SET_BAUD | MTR_SET_PARITY | MTR_SET_DATA | MTR_SET_STOP | MTR_SET_TIMEOUT)
static const struct mtr_scheme schemes[] = {
    {"sml", MTR_SMLP_SERIAL, 1, 0, LINE, 0},
    {"sml-tcp", MTR_SMLP_TCP, 0, 0, MTR_SET_TIMEOUT, 0},
};

static const struct mtr_choice crc_choices[] = {{"x25", MTR_SMLP_CRC_X25},
                                                {"kermit", MTR_SMLP_CRC_KERMIT},
                                                {"x25-swapped", MTR_SMLP_CRC_X25_SWAPPED},
                                                {NULL, 0}};
static const struct mtr_choice msgcrc_choices[] = {{"check", 0}, {"trust-transport", 1}, {NULL, 0}};

#define OFF(f) offsetof(struct mtr_sml_opts, f), sizeof(((struct mtr_sml_opts *)0)->f)
#define SERIAL (1u << MTR_SMLP_SERIAL)
static const struct mtr_opt opts[] = {
    {"interval", MTR_CONN_LINE, 0, MTR_OPT_UINT, 100, 60000, NULL, OFF(interval_ms),
     MTR_SMLP_SET_INTERVAL, "the meter's push interval in ms, 100 to 60000 (default 2000)"},
    {"crc", MTR_CONN_LINE, 0, MTR_OPT_CHOICE, 0, 0, crc_choices, OFF(crc), MTR_SMLP_SET_CRC,
     "x25, kermit (Holley, also accepts X.25) or x25-swapped"},
    {"msgcrc", MTR_CONN_LINE, 0, MTR_OPT_CHOICE, 0, 0, msgcrc_choices, OFF(msgcrc),
     MTR_SMLP_SET_MSGCRC, "check or trust-transport (meters with wrong message CRCs)"},
    {"dtr", MTR_CONN_LINE, SERIAL, MTR_OPT_BOOL, 0, 1, NULL, OFF(dtr), MTR_SMLP_SET_DTR, "0 or 1"},
    {"rts", MTR_CONN_LINE, SERIAL, MTR_OPT_BOOL, 0, 1, NULL, OFF(rts), MTR_SMLP_SET_RTS, "0 or 1"},
};
_Static_assert(sizeof(struct mtr_sml_opts) <= MTR_POPT_MAX, "options fit a connection");

static int bus_open(struct meter_bus *b, char *err, size_t len)
{
    const struct mtr_conn *c = &b->conn;
    const struct mtr_sml_opts *o = MTR_CPOPT(c, struct mtr_sml_opts);
    struct mtr_sml_bus *sb = calloc(1, sizeof *sb);
    if (!sb)
        return mtr_err(err, len, METER_ENOMEM, "out of memory");
    int rc;
    if (c->scheme->id == MTR_SMLP_TCP) {
        rc = mtr_link_open_tcp(&sb->link, c->host, c->port,
                               (c->set & MTR_SET_TIMEOUT) ? c->timeout_ms : 3000, err, len);
    } else {
        /* 8N1 unless the string says otherwise (the core's default parity is E) */
        rc = mtr_link_open_serial(&sb->link, c->path, c->baud,
                                  (c->set & MTR_SET_PARITY) ? c->parity : 'N', c->data_bits,
                                  c->stop_bits, err, len);
        if (rc == METER_OK && (c->pset & (MTR_SMLP_SET_DTR | MTR_SMLP_SET_RTS)))
            rc = mtr_link_set_modem(&sb->link, (c->pset & MTR_SMLP_SET_DTR) ? o->dtr : -1,
                                    (c->pset & MTR_SMLP_SET_RTS) ? o->rts : -1, err, len);
        if (rc != METER_OK)
            mtr_link_close(&sb->link);
    }
    if (rc != METER_OK) {
        free(sb);
        return rc;
    }
    sb->interval_ms = (c->pset & MTR_SMLP_SET_INTERVAL) ? o->interval_ms : MTR_SMLP_INTERVAL_DEFAULT;
    if (c->pset & MTR_SMLP_SET_CRC)
        sb->codec_flags |= o->crc == MTR_SMLP_CRC_KERMIT ? MTR_SML_OPT_KERMIT
                         : o->crc == MTR_SMLP_CRC_X25_SWAPPED ? MTR_SML_OPT_X25_SWAPPED : 0;
    if ((c->pset & MTR_SMLP_SET_MSGCRC) && o->msgcrc)
        sb->codec_flags |= MTR_SML_OPT_MSG_CRC_TRUST_TRANSPORT;
    sb->link.cancel = &b->cancel;
    b->link = sb;
    return METER_OK;
}

static void bus_close(struct meter_bus *b)
{
    struct mtr_sml_bus *sb = b->link;
    if (sb) {
        mtr_link_close(&sb->link);
        free(sb);
    }
    b->link = NULL;
}

static const struct mtr_sml_driver *driver(const meter_t *m)
{
    return m->model->proto_data;
}

static int attach(meter_t *m, const struct mtr_conn *c, char *err, size_t len)
{
    (void)err;
    (void)len;
    struct mtr_sml_bus *sb = m->bus->link;
    if (!sb)
        return METER_OK; /* opened offline (meter_open_offline): no link, nothing to set */
    const struct mtr_sml_driver *d = driver(m);
    if (d)
        sb->codec_flags |= d->codec_flags;
    if (!(c->set & MTR_SET_TIMEOUT) && !(m->bus->conn.set & MTR_SET_TIMEOUT))
        m->timeout_ms = mtr_sml_deadline_ms(sb->interval_ms, sb->link.kind == MTR_LINK_SERIAL
                                                                 ? sb->link.baud : 9600);
    return METER_OK;
}

/* The next telegram into the bus's result. On METER_OK the bus stays locked (its
 * entries point into the bus's stream buffer): the caller maps them, then unlocks. */
static int telegram(meter_t *m)
{
    int rc = mtr_bus_lock(m);
    if (rc != METER_OK)
        return mtr_set_err(m, rc, "cancelled");
    rc = mtr_sml_listen(m, m->bus->link);
    if (rc != METER_OK)
        mtr_bus_unlock(m);
    return rc;
}

static int server_id_serial(const meter_t *m, const mtr_sml_result_t *res, meter_quantity_t q)
{
    return q == METER_Q_SERIAL_NUMBER && driver(m) && (driver(m)->flags & MTR_SMLD_SERIAL_SERVER_ID)
           && res->server_id_len;
}

/* One quantity from the telegram; METER_EQUANTITY when it does not send it. */
static int one(const meter_t *m, const mtr_sml_result_t *res, const size_t *best,
               meter_quantity_t q, meter_reading_t *out, char *err, size_t len)
{
    const size_t *clash = best + METER_Q_COUNT_;
    const meter_quantity_info_t *qi = meter_quantity_info(q);
    memset(out, 0, sizeof *out);
    out->quantity = q;
    if (!qi)
        return out->status = mtr_err(err, len, METER_EQUANTITY, "no quantity %d", (int)q);
    if (best[q] != SIZE_MAX && clash[q] != SIZE_MAX)
        return mtr_sml_clash(&res->entries[best[q]], &res->entries[clash[q]], q, out, err, len);
    if (best[q] != SIZE_MAX)
        return mtr_sml_convert(&res->entries[best[q]], q, out, err, len);
    out->unit = qi->unit;
    out->kind = qi->kind;
    if (server_id_serial(m, res, q)) {
        mtr_sml_octets_text(res->server_id, res->server_id_len, out->text, sizeof out->text);
        return out->status = METER_OK;
    }
    return out->status = mtr_err(err, len, METER_EQUANTITY, "the meter's telegram has no %s (%s)",
                                 qi->name, qi->obis ? qi->obis : "no OBIS code");
}

static int read_list(meter_t *m, const meter_quantity_t *qs, size_t n, meter_reading_t *out)
{
    int rc = telegram(m);
    if (rc != METER_OK) {
        for (size_t i = 0; i < n; i++) {
            memset(&out[i], 0, sizeof out[i]);
            out[i].quantity = qs[i];
            out[i].status = rc;
        }
        return rc;
    }
    const mtr_sml_result_t *res = &((struct mtr_sml_bus *)m->bus->link)->res;
    size_t best[2 * METER_Q_COUNT_]; /* best[q], then clash[q] (mtr_sml_choose) */
    mtr_sml_choose(driver(m), res, best, best + METER_Q_COUNT_);
    int first = METER_OK;
    for (size_t i = 0; i < n; i++) {
        char err[300] = "";
        int st = qs[i] < METER_Q_COUNT_ ? one(m, res, best, qs[i], &out[i], err, sizeof err)
                                        : METER_EQUANTITY;
        if (qs[i] >= METER_Q_COUNT_) {
            memset(&out[i], 0, sizeof out[i]);
            out[i].quantity = qs[i];
            out[i].status = st;
            snprintf(err, sizeof err, "no quantity %d", (int)qs[i]);
        }
        if (st != METER_OK && first == METER_OK) {
            first = st;
            mtr_set_err(m, st, "%s", err);
        }
    }
    mtr_bus_unlock(m);
    return first;
}

static int has_quantity(const meter_t *m, meter_quantity_t q)
{
    const struct mtr_sml_driver *d = driver(m);
    if (!d)
        return 0;
    if (q == METER_Q_SERIAL_NUMBER && (d->flags & MTR_SMLD_SERIAL_SERVER_ID))
        return 1;
    for (size_t i = 0; i < d->nrows; i++)
        if (d->rows[i].q == q)
            return 1;
    return 0;
}

static size_t quantities(const meter_t *m, meter_quantity_t *out, size_t cap)
{
    size_t k = 0;
    for (unsigned q = 0; q < METER_Q_COUNT_; q++) {
        if (!has_quantity(m, (meter_quantity_t)q))
            continue;
        if (out && k < cap)
            out[k] = (meter_quantity_t)q;
        k++;
    }
    return k;
}

static int records(meter_t *m, meter_record_t *out, size_t cap, size_t *n)
{
    int rc = telegram(m);
    if (rc != METER_OK)
        return rc;
    const mtr_sml_result_t *res = &((struct mtr_sml_bus *)m->bus->link)->res;
    size_t k = 0;
    if (res->server_id_len) { /* first: the server id the telegram came from */
        if (k < cap) {
            meter_record_t *r = &out[k];
            memset(r, 0, sizeof *r);
            snprintf(r->name, sizeof r->name, "serverId");
            r->kind = METER_KIND_TEXT;
            mtr_sml_octets_text(res->server_id, res->server_id_len, r->text, sizeof r->text);
            r->storage = r->tariff = r->subunit = -1;
            r->quantity = server_id_serial(m, res, METER_Q_SERIAL_NUMBER) ? METER_Q_SERIAL_NUMBER
                                                                          : METER_Q_NONE;
        }
        k++;
    }
    for (size_t i = 0; i < res->count; i++, k++)
        if (k < cap)
            mtr_sml_entry_record(&res->entries[i], mtr_sml_map_entry(driver(m), &res->entries[i], NULL),
                                 &out[k]);
    mtr_bus_unlock(m);
    *n = k < cap ? k : cap;
    if (k > cap)
        return mtr_set_err(m, METER_EBUFSIZE, "the telegram has %zu records, room for %zu", k, cap);
    return METER_OK;
}

static int snapshot(meter_t *m, meter_reading_t *out, size_t cap, size_t *n)
{
    int rc = telegram(m);
    if (rc != METER_OK)
        return rc;
    const mtr_sml_result_t *res = &((struct mtr_sml_bus *)m->bus->link)->res;
    size_t best[2 * METER_Q_COUNT_]; /* best[q], then clash[q] (mtr_sml_choose) */
    mtr_sml_choose(driver(m), res, best, best + METER_Q_COUNT_);
    size_t k = 0;
    int first = METER_OK;
    for (unsigned q = 0; q < METER_Q_COUNT_; q++) {
        if (best[q] == SIZE_MAX && !server_id_serial(m, res, (meter_quantity_t)q))
            continue;
        if (k < cap) {
            char err[300] = "";
            int st = one(m, res, best, (meter_quantity_t)q, &out[k], err, sizeof err);
            if (st != METER_OK && first == METER_OK) {
                first = st;
                mtr_set_err(m, st, "%s", err);
            }
        }
        k++;
    }
    mtr_bus_unlock(m);
    *n = k < cap ? k : cap;
    if (k > cap)
        first = mtr_set_err(m, METER_EBUFSIZE, "the telegram maps to %zu quantities, room for %zu",
                            k, cap);
    return first;
}

const struct mtr_proto_ops mtr_proto_sml = {
    .name = "sml",
    .schemes = schemes,
    .nschemes = sizeof schemes / sizeof schemes[0],
    .opts = opts,
    .nopts = sizeof opts / sizeof opts[0],
    .bus_open = bus_open,
    .bus_close = bus_close,
    .attach = attach,
    .read = read_list,
    .quantities = quantities,
    .records = records,
    .snapshot = snapshot,
};
