/* SPDX-License-Identifier: MIT */
/* The IEC 62056-21 protocol as the core sees it: the bus is an optical head,
 * a meter's options are kept at attach, and every read, snapshot or records
 * call is one readout session (one sign-on), mapped through the driver's table. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocols/iec62056/iec_internal.h"

#define PUSH_LINE (MTR_SET_BAUD | MTR_SET_PARITY | MTR_SET_DATA | MTR_SET_STOP | MTR_SET_TIMEOUT)
static const struct mtr_scheme schemes[] = {
    {"iec", MTR_IEC_SERIAL, 1, 0, MTR_SET_BAUD | MTR_SET_TIMEOUT | MTR_SET_RETRIES, 0},
    {"iec-tcp", MTR_IEC_TCP, 0, 0, MTR_SET_TIMEOUT | MTR_SET_RETRIES, 0},
    /* meters that push mode D text (iec_push.c): DSMR P1 (CRC checked), others */
    {"dsmr", MTR_IEC_DSMR, 1, 0, PUSH_LINE, 0},
    {"dsmr-tcp", MTR_IEC_DSMR_TCP, 0, 0, MTR_SET_TIMEOUT, 0},
    {"iec-push", MTR_IEC_PUSH, 1, 0, PUSH_LINE, 0},
    {"iec-push-tcp", MTR_IEC_PUSH_TCP, 0, 0, MTR_SET_TIMEOUT, 0},
};

static const struct mtr_choice echo_choices[] = {
    {"auto", MTR_ECHO_AUTO}, {"on", MTR_ECHO_ON}, {"off", MTR_ECHO_OFF}, {NULL, 0}};
static const struct mtr_choice bcc_choices[] = {
    {"xor", MTR_IEC_BCC_XOR}, {"sum7", MTR_IEC_BCC_SUM7}, {"none", MTR_IEC_BCC_NONE}, {NULL, 0}};

#define OFF(f) offsetof(struct mtr_iec_opts, f), sizeof(((struct mtr_iec_opts *)0)->f)
#define SERIAL (1u << MTR_IEC_SERIAL | 1u << MTR_IEC_DSMR | 1u << MTR_IEC_PUSH)
#define MODE_C (1u << MTR_IEC_SERIAL | 1u << MTR_IEC_TCP)
#define PUSH (1u << MTR_IEC_DSMR | 1u << MTR_IEC_DSMR_TCP | 1u << MTR_IEC_PUSH | 1u << MTR_IEC_PUSH_TCP)
static const struct mtr_opt opts[] = {
    {"echo", MTR_CONN_LINE, MODE_C, MTR_OPT_CHOICE, 0, 0, echo_choices, OFF(echo), MTR_IEC_SET_ECHO,
     "auto, on or off"},
    {"device", MTR_CONN_METER, MODE_C, MTR_OPT_TEXT, 1, 32, NULL, OFF(devaddr), MTR_IEC_SET_DEVADDR,
     "the device address for the sign-on, 1 to 32 characters"},
    {"password", MTR_CONN_METER, MODE_C, MTR_OPT_TEXT, 1, 32, NULL, OFF(password),
     MTR_IEC_SET_PASSWORD, "the programming-mode password, 1 to 32 characters"},
    {"wakeup", MTR_CONN_METER, MODE_C, MTR_OPT_BOOL, 0, 1, NULL, OFF(wakeup), MTR_IEC_SET_WAKEUP,
     "0 or 1"},
    {"delay", MTR_CONN_METER, MODE_C, MTR_OPT_UINT, 0, 2000, NULL, OFF(delay_ms), MTR_IEC_SET_DELAY,
     "milliseconds before the baud switch, 0 to 2000"},
    {"dtr", MTR_CONN_LINE, SERIAL, MTR_OPT_BOOL, 0, 1, NULL, OFF(dtr), MTR_IEC_SET_DTR, "0 or 1"},
    {"rts", MTR_CONN_LINE, SERIAL, MTR_OPT_BOOL, 0, 1, NULL, OFF(rts), MTR_IEC_SET_RTS, "0 or 1"},
    {"bcc", MTR_CONN_METER, MODE_C, MTR_OPT_CHOICE, 0, 0, bcc_choices, OFF(bcc), MTR_IEC_SET_BCC,
     "xor, sum7 or none"},
    {"max_baud", MTR_CONN_METER, MODE_C, MTR_OPT_UINT, 300, 115200, NULL, OFF(max_baud),
     MTR_IEC_SET_MAXBAUD, "300 to 115200"},
    {"max_readout", MTR_CONN_METER, 0, MTR_OPT_UINT, 256, 16777216, NULL, OFF(max_readout),
     MTR_IEC_SET_MAXREADOUT, "most bytes a readout may take, 256 to 16777216 (default 65536)"},
    {"interval", MTR_CONN_LINE, PUSH, MTR_OPT_UINT, 100, 60000, NULL, OFF(interval_ms),
     MTR_IEC_SET_INTERVAL, "the meter's push interval in ms, 100 to 60000"},
};
_Static_assert(sizeof(struct mtr_iec_opts) <= MTR_POPT_MAX, "options fit a connection");

static int bus_open(struct meter_bus *b, char *err, size_t len)
{
    struct mtr_iec_head *h = calloc(1, sizeof *h);
    if (!h)
        return mtr_err(err, len, METER_ENOMEM, "out of memory");
    int rc = mtr_iec_head_open(h, &b->conn, err, len);
    if (rc != METER_OK) {
        free(h);
        return rc;
    }
    h->link.cancel = &b->cancel;
    b->link = h;
    return METER_OK;
}

static void bus_close(struct meter_bus *b)
{
    struct mtr_iec_head *h = b->link;
    if (h) {
        mtr_iec_head_close(h);
        free(h);
    }
    b->link = NULL;
}

static int attach(meter_t *m, const struct mtr_conn *c, char *err, size_t len)
{
    struct mtr_iec_meter *o = calloc(1, sizeof *o);
    if (!o)
        return mtr_err(err, len, METER_ENOMEM, "out of memory");
    const struct mtr_iec_opts *co = MTR_CPOPT(c, struct mtr_iec_opts);
    if (c->pset & MTR_IEC_SET_DEVADDR)
        memcpy(o->devaddr, co->devaddr, sizeof o->devaddr - 1);
    if (c->pset & MTR_IEC_SET_PASSWORD)
        memcpy(o->password, co->password, sizeof o->password - 1);
    o->wakeup = (c->pset & MTR_IEC_SET_WAKEUP) ? co->wakeup : 0;
    o->delay_ms = (c->pset & MTR_IEC_SET_DELAY) ? co->delay_ms : 0;
    o->bcc = (c->pset & MTR_IEC_SET_BCC) ? (mtr_iec_bcc_t)co->bcc : MTR_IEC_BCC_XOR;
    o->max_baud = (c->pset & MTR_IEC_SET_MAXBAUD) ? co->max_baud : 0;
    o->max_readout = (c->pset & MTR_IEC_SET_MAXREADOUT) ? co->max_readout : MTR_IEC_READOUT_DEFAULT;
    /* the reaction time may reach 1.5 s, plus USB latency: 2 s unless set; a pushing
     * meter: two push intervals (DSMR 10 s, others 2 s unless interval=) plus the wire
     * time of the largest telegram */
    const struct mtr_conn *bc = &m->bus->conn;
    if (!(c->set & MTR_SET_TIMEOUT) && !(bc->set & MTR_SET_TIMEOUT)) {
        int id = bc->scheme->id;
        const struct mtr_iec_opts *bo = MTR_CPOPT(bc, struct mtr_iec_opts);
        unsigned iv = (bc->pset & MTR_IEC_SET_INTERVAL) ? bo->interval_ms
                    : MTR_IEC_IS_DSMR(id)              ? 10000 : 2000;
        m->timeout_ms = !MTR_IEC_IS_PUSH(id) ? 2000
                      : mtr_iec_push_deadline_ms(iv, MTR_IEC_IS_TCP(id) ? 9600 : bc->baud);
    }
    m->priv = o;
    return METER_OK;
}

static void detach(meter_t *m)
{
    free(m->priv);
    m->priv = NULL;
}

static const struct mtr_iec_driver *driver(const meter_t *m)
{
    return m->model->proto_data;
}

static int session(meter_t *m, struct mtr_iec_sets *sets)
{
    int rc = mtr_bus_lock(m);
    if (rc != METER_OK)
        return rc;
    rc = MTR_IEC_IS_PUSH(m->bus->conn.scheme->id) ? mtr_iec_push_listen(m, sets)
                                                   : mtr_iec_readout(m, sets);
    mtr_bus_unlock(m);
    return rc;
}

/* The choice of data sets (mtr_iec_choose): best[q] and clash[q] in one allocation. */
static size_t *choose(const meter_t *m, const struct mtr_iec_sets *sets)
{
    size_t *best = malloc(2 * METER_Q_COUNT_ * sizeof *best);
    if (best)
        mtr_iec_choose(driver(m), sets, best, best + METER_Q_COUNT_);
    return best;
}

static int read_list(meter_t *m, const meter_quantity_t *qs, size_t n, meter_reading_t *out)
{
    struct mtr_iec_sets sets = {0};
    int rc = session(m, &sets);
    if (rc != METER_OK) {
        for (size_t i = 0; i < n; i++) {
            memset(&out[i], 0, sizeof out[i]);
            out[i].quantity = qs[i];
            out[i].status = rc;
        }
        mtr_iec_sets_free(&sets);
        return rc;
    }
    size_t *best = choose(m, &sets);
    if (!best) {
        mtr_iec_sets_free(&sets);
        return mtr_set_err(m, METER_ENOMEM, "out of memory");
    }
    int first = METER_OK;
    for (size_t i = 0; i < n; i++) {
        char err[300] = "";
        int st;
        if ((unsigned)qs[i] >= METER_Q_COUNT_) {
            memset(&out[i], 0, sizeof out[i]);
            out[i].quantity = qs[i];
            st = out[i].status = METER_EQUANTITY;
            snprintf(err, sizeof err, "no quantity %d", (int)qs[i]);
        } else {
            st = mtr_iec_reading(&sets, best, best + METER_Q_COUNT_, qs[i], &out[i], err,
                                 sizeof err);
        }
        if (st != METER_OK && first == METER_OK) {
            first = st;
            mtr_set_err(m, st, "%s", err);
        }
    }
    free(best);
    mtr_iec_sets_free(&sets);
    return first;
}

static size_t quantities(const meter_t *m, meter_quantity_t *out, size_t cap)
{
    const struct mtr_iec_driver *d = driver(m);
    size_t k = 0;
    for (unsigned q = 0; q < METER_Q_COUNT_; q++) {
        int has = 0;
        for (size_t i = 0; d && i < d->nrows && !has; i++)
            has = d->rows[i].q == (meter_quantity_t)q;
        if (!has)
            continue;
        if (out && k < cap)
            out[k] = (meter_quantity_t)q;
        k++;
    }
    return k;
}

static int records(meter_t *m, meter_record_t *out, size_t cap, size_t *n)
{
    struct mtr_iec_sets sets = {0};
    int rc = session(m, &sets);
    if (rc == METER_OK) {
        for (size_t i = 0; i < sets.n && i < cap; i++)
            mtr_iec_set_record(&sets.v[i], mtr_iec_map_set(driver(m), &sets.v[i], NULL), &out[i]);
        *n = sets.n;
        if (sets.n > cap)
            rc = mtr_set_err(m, METER_EBUFSIZE, "the readout has %zu data sets, room for %zu",
                             sets.n, cap);
    }
    mtr_iec_sets_free(&sets);
    return rc;
}

static int snapshot(meter_t *m, meter_reading_t *out, size_t cap, size_t *n)
{
    struct mtr_iec_sets sets = {0};
    int rc = session(m, &sets);
    if (rc != METER_OK) {
        mtr_iec_sets_free(&sets);
        return rc;
    }
    size_t *best = choose(m, &sets);
    if (!best) {
        mtr_iec_sets_free(&sets);
        return mtr_set_err(m, METER_ENOMEM, "out of memory");
    }
    size_t k = 0;
    int first = METER_OK;
    for (unsigned q = 0; q < METER_Q_COUNT_; q++) {
        if (best[q] == SIZE_MAX)
            continue;
        if (k < cap) {
            char err[300] = "";
            int st = mtr_iec_reading(&sets, best, best + METER_Q_COUNT_, (meter_quantity_t)q,
                                     &out[k], err, sizeof err);
            if (st != METER_OK && first == METER_OK) {
                first = st;
                mtr_set_err(m, st, "%s", err);
            }
        }
        k++;
    }
    *n = k < cap ? k : cap;
    if (k > cap)
        first = mtr_set_err(m, METER_EBUFSIZE, "the readout maps to %zu quantities, room for %zu",
                            k, cap);
    free(best);
    mtr_iec_sets_free(&sets);
    return first;
}

const struct mtr_proto_ops mtr_proto_iec = {
    .name = "iec62056",
    .schemes = schemes,
    .nschemes = sizeof schemes / sizeof schemes[0],
    .opts = opts,
    .nopts = sizeof opts / sizeof opts[0],
    .bus_open = bus_open,
    .bus_close = bus_close,
    .attach = attach,
    .detach = detach,
    .read = read_list,
    .quantities = quantities,
    .records = records,
    .snapshot = snapshot,
};
