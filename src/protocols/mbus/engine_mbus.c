/* SPDX-License-Identifier: MIT */
/* The M-Bus protocol as the core sees it: opens the raw link (8E1 serial or a
 * transparent TCP gateway), keeps each handle's addressing (primary or
 * secondary), and turns a read's telegrams into readings or records through
 * the model's driver data (a record map, or generic: every record). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocols/mbus/mbus_internal.h"

static const struct mtr_scheme schemes[] = {
    {"mbus", MTR_MBUS_SERIAL, 1, 0, MTR_SET_BAUD | MTR_SET_TIMEOUT | MTR_SET_RETRIES, 0},
    {"mbus-tcp", MTR_MBUS_TCP, 0, 0, MTR_SET_TIMEOUT | MTR_SET_RETRIES, 0},
};

static const struct mtr_choice echo_choices[] = {
    {"auto", MTR_ECHO_AUTO}, {"on", MTR_ECHO_ON}, {"off", MTR_ECHO_OFF}, {NULL, 0}};
static const struct mtr_choice select_choices[] = {
    {"53", 0x53}, {"0x53", 0x53}, {"73", 0x73}, {"0x73", 0x73}, {NULL, 0}};

#define OFF(f) offsetof(struct mtr_mbus_opts, f), sizeof(((struct mtr_mbus_opts *)0)->f)
static const struct mtr_opt opts[] = {
    {"addr", MTR_CONN_METER, 0, MTR_OPT_INT, 0, 254, NULL, OFF(addr), MTR_MBUS_SET_ADDR,
     "a primary address 0 to 250, or 254 for the only meter on the bus"},
    {"secondary", MTR_CONN_METER, 0, MTR_OPT_TEXT, 8, 16, NULL, OFF(secondary),
     MTR_MBUS_SET_SECONDARY, "8 id digits, or 16 hex digits IIIIIIIIMMMMVVDD; F or FF are wildcards"},
    {"select_c", MTR_CONN_METER, 0, MTR_OPT_CHOICE, 0, 0, select_choices, OFF(select_c),
     MTR_MBUS_SET_SELECT_C, "53 or 73"},
    {"telegrams", MTR_CONN_METER, 0, MTR_OPT_UINT, 1, 64, NULL, OFF(telegrams),
     MTR_MBUS_SET_TELEGRAMS, "1 to 64 telegrams per read"},
    {"echo", MTR_CONN_LINE, 0, MTR_OPT_CHOICE, 0, 0, echo_choices, OFF(echo), MTR_MBUS_SET_ECHO,
     "auto, on or off"},
};
_Static_assert(sizeof(struct mtr_mbus_opts) <= MTR_POPT_MAX, "options fit a connection");

static int bus_open(struct meter_bus *b, char *err, size_t len)
{
    struct mtr_mbus_bus *mb = calloc(1, sizeof *mb);
    if (!mb)
        return mtr_err(err, len, METER_ENOMEM, "out of memory");
    const struct mtr_conn *c = &b->conn;
    int rc;
    if (c->scheme->id == MTR_MBUS_SERIAL) {
        unsigned baud = (c->set & MTR_SET_BAUD) ? c->baud : 2400;
        if (baud > 38400) {
            free(mb);
            return mtr_err(err, len, METER_EOPTION, "M-Bus speaks 300 to 38400 Bd, not %u", baud);
        }
        b->conn.baud = baud;
        b->conn.parity = 'E'; /* M-Bus is 8E1, always */
        rc = mtr_link_open_serial(&mb->link, c->path, baud, 'E', 8, 1, err, len);
    } else {
        unsigned to = (c->set & MTR_SET_TIMEOUT) ? c->timeout_ms : 3000;
        rc = mtr_link_open_tcp(&mb->link, c->host, c->port, to, err, len);
    }
    if (rc != METER_OK) {
        free(mb);
        return rc;
    }
    mb->link.cancel = &b->cancel;
    memset(mb->fcb, -1, sizeof mb->fcb);
    mb->echo = (c->pset & MTR_MBUS_SET_ECHO) ? MTR_CPOPT(c, struct mtr_mbus_opts)->echo
                                            : MTR_ECHO_AUTO;
    b->priv = mb;
    b->link = &mb->link;
    return METER_OK;
}

static void bus_close(struct meter_bus *b)
{
    struct mtr_mbus_bus *mb = b->priv;
    if (mb) {
        mtr_link_close(&mb->link);
        free(mb);
    }
    b->priv = b->link = NULL;
}

static int parse_secondary(const char *s, mtr_mbus_secondary_t *sec, char *err, size_t len)
{
    char full[17];
    if (strlen(s) == 8) { /* id digits only: any manufacturer, version, medium */
        memcpy(full, s, 8);
        memcpy(full + 8, "FFFFFFFF", 9);
        s = full;
    }
    return mtr_mbus_secondary_parse(s, sec, err, len);
}

static int attach(meter_t *m, const struct mtr_conn *c, char *err, size_t len)
{
    struct mtr_mbus_meter *mm = calloc(1, sizeof *mm);
    if (!mm)
        return mtr_err(err, len, METER_ENOMEM, "out of memory");
    const struct mtr_conn *bc = &m->bus->conn;
    const struct mtr_mbus_opts *o = MTR_CPOPT(c, struct mtr_mbus_opts);
    const struct mtr_mbus_opts *bo = MTR_CPOPT(bc, struct mtr_mbus_opts);
    if (c->pset & MTR_MBUS_SET_ADDR)
        m->id = o->addr;
    const char *sec = (c->pset & MTR_MBUS_SET_SECONDARY)    ? o->secondary
                      : (bc->pset & MTR_MBUS_SET_SECONDARY) ? bo->secondary
                                                            : NULL;
    if (sec) {
        char why[160];
        if (parse_secondary(sec, &mm->sec, why, sizeof why) != METER_OK) {
            free(mm);
            return mtr_err(err, len, METER_EOPTION, "bad value '%s' for option 'secondary': %s",
                           sec, why);
        }
        mm->use_secondary = 1;
    }
    if (m->id > MTR_MBUS_ADDR_MAX_PRIMARY && m->id != MTR_MBUS_ADDR_TEST) {
        free(mm);
        return mtr_err(err, len, METER_EOPTION, "M-Bus primary address %d is reserved "
                       "(0 to 250, or 254 for the only meter on the bus)", m->id);
    }
    mm->select_c = (c->pset & MTR_MBUS_SET_SELECT_C)    ? (uint8_t)o->select_c
                   : (bc->pset & MTR_MBUS_SET_SELECT_C) ? (uint8_t)bo->select_c
                                                        : MTR_MBUS_C_SND_UD;
    mm->telegrams = (c->pset & MTR_MBUS_SET_TELEGRAMS)    ? o->telegrams
                    : (bc->pset & MTR_MBUS_SET_TELEGRAMS) ? bo->telegrams
                                                          : 16;
    if (!((c->set | bc->set) & MTR_SET_TIMEOUT)) {
        mm->timeout_auto = 1;
        m->timeout_ms = mtr_mbus_default_timeout(bc->baud, bc->scheme->id == MTR_MBUS_TCP);
    }
    m->priv = mm;
    return METER_OK;
}

static void detach(meter_t *m)
{
    free(m->priv);
    m->priv = NULL;
}

static const struct mtr_mbus_driver *driver(const meter_t *m)
{
    return m->model->proto_data;
}

/* ---- readings ------------------------------------------------------------- */

static size_t quantities(const meter_t *m, meter_quantity_t *out, size_t cap)
{
    const struct mtr_mbus_driver *d = driver(m);
    if (!d->rows) /* generic: whatever the catalogue mapping may give */
        return mtr_mbus_catalogue_all(out, cap);
    size_t k = 0;
    for (unsigned q = 0; q < METER_Q_COUNT_; q++) {
        int has = 0;
        for (size_t i = 0; i < d->nrows; i++)
            has |= d->rows[i].q == (meter_quantity_t)q;
        if (!has)
            continue;
        if (out && k < cap)
            out[k] = (meter_quantity_t)q;
        k++;
    }
    return k;
}

/* What one read collected. */
struct collect {
    double v[METER_Q_COUNT_];
    uint8_t have[METER_Q_COUNT_];
    char text[METER_Q_COUNT_][METER_TEXT_MAX]; /* TEXT quantities (meter_date) */
    int medium;           /* of the first telegram that names one; -1 none */
    meter_record_t *recs; /* records wanted (NULL: readings only) */
    size_t cap, n;
    int rc;
    uint8_t bad[METER_Q_COUNT_]; /* the quantity's record is there, its value undecodable */
    int stop_rc;                 /* the walk stopped early (later records unread) */
    char stop_msg[160];
    /* the record that gave each quantity: its telegram and address; a record of the same
     * address in that telegram with another value makes the quantity a clash */
    unsigned tel[METER_Q_COUNT_];
    struct addr {
        uint64_t storage;
        uint32_t tariff;
        uint16_t subunit;
        uint8_t function, has_vif, vif, nvife, text_len, fixed;
        uint8_t vife[MTR_MBUS_VIFE_MAX];
        uint8_t text[16];
        size_t offset;           /* fixed-structure counters: their place is their address */
    } addr[METER_Q_COUNT_];
    uint8_t clash[METER_Q_COUNT_];
    char clash_msg[METER_Q_COUNT_][200];
};

/* A record's address: what it is (storage, tariff, subunit, function, VIF and its
 * extensions, plain-text unit), not how its value is coded. */
static void addr_of(const mtr_mbus_record_t *r, struct addr *a)
{
    memset(a, 0, sizeof *a);
    a->storage = r->storage;
    a->tariff = r->tariff;
    a->subunit = r->subunit;
    a->function = r->function;
    a->has_vif = r->has_vif;
    a->vif = r->vif;
    a->nvife = r->nvife < MTR_MBUS_VIFE_MAX ? r->nvife : MTR_MBUS_VIFE_MAX;
    memcpy(a->vife, r->vife, a->nvife);
    a->text_len = (uint8_t)(r->text_len < sizeof a->text ? r->text_len : sizeof a->text);
    if (r->text)
        memcpy(a->text, r->text, a->text_len);
    a->fixed = (r->flags & MTR_MBUS_RF_FIXED) != 0;
    a->offset = a->fixed ? r->offset : 0;
}

static int same_addr(const struct addr *a, const struct addr *b)
{
    return a->storage == b->storage && a->tariff == b->tariff && a->subunit == b->subunit &&
           a->function == b->function && a->has_vif == b->has_vif && a->vif == b->vif &&
           a->nvife == b->nvife && memcmp(a->vife, b->vife, a->nvife) == 0 &&
           a->text_len == b->text_len && memcmp(a->text, b->text, a->text_len) == 0 &&
           a->fixed == b->fixed && a->offset == b->offset;
}

/* "storage 0, tariff 1, VIF 04" (the VIFEs and a subunit when there are) */
static void addr_text(const struct addr *a, char *out, size_t cap)
{
    int k = snprintf(out, cap, "storage %llu, tariff %u, ", (unsigned long long)a->storage,
                     (unsigned)a->tariff);
    if (a->subunit && k >= 0 && (size_t)k < cap)
        k += snprintf(out + k, cap - (size_t)k, "subunit %u, ", (unsigned)a->subunit);
    if (k >= 0 && (size_t)k < cap)
        k += snprintf(out + k, cap - (size_t)k, "VIF %02X", a->vif);
    for (unsigned i = 0; i < a->nvife && k >= 0 && (size_t)k < cap; i++)
        k += snprintf(out + k, cap - (size_t)k, " %02X", a->vife[i]);
}

/* A second record for @p q (the first gave it): the same address in the same telegram
 * with another value is a clash; anything else is later and stays a record only. Time
 * points (meter_date…) are not values but the time of a record next to them: a meter
 * may send "storage 1, date" once for the due date and again for the date of a maximum
 * (the ELS Falcon of the corpus does), so for them the first is the date, as before. */
static void second(struct collect *c, meter_quantity_t q, const mtr_mbus_record_t *r,
                   double x, unsigned index)
{
    const meter_quantity_info_t *qi = meter_quantity_info(q);
    struct addr a;
    addr_of(r, &a);
    if (!qi || qi->kind != METER_KIND_NUMBER || c->clash[q] || c->tel[q] != index ||
        !same_addr(&a, &c->addr[q]) || x == c->v[q])
        return;
    char where[96];
    addr_text(&a, where, sizeof where);
    c->clash[q] = 1;
    snprintf(c->clash_msg[q], sizeof c->clash_msg[q], "telegram %u has two records of %s "
             "(%.60s): %.15g and %.15g %s; neither is taken", index + 1, qi->name, where,
             c->v[q], x, meter_unit_symbol(qi->unit));
}

/* the driver's row a current, storage-0 record of the main unit is */
static const struct mtr_mbus_row *driver_row(const struct mtr_mbus_driver *d,
                                             const mtr_mbus_record_t *r)
{
    if (r->storage || r->subunit)
        return NULL;
    for (size_t i = 0; d->rows && i < d->nrows; i++) {
        const struct mtr_mbus_row *row = &d->rows[i];
        if (row->function == r->function && row->tariff == r->tariff &&
            row->quantity == r->vi.quantity && row->unit == r->vi.unit)
            return row;
    }
    return NULL;
}

static int map_row(const struct mtr_mbus_driver *d, const mtr_mbus_record_t *r,
                   const meter_record_t *rec, int medium, meter_quantity_t *q, double *x)
{
    if (!d->rows)
        return mtr_mbus_catalogue(r, rec, medium, q, x);
    const struct mtr_mbus_row *row = driver_row(d, r);
    if (!row || rec->kind != METER_KIND_NUMBER)
        return 0;
    *q = row->q;
    *x = row->unit == MTR_MBUS_U_WH ? rec->value / 1000.0 : rec->value;
    return 1;
}

/* a driver's row that this record is, whatever its value: the quantity is there but
 * its value could not be decoded (BCD with A..F digits, a value marked invalid) */
static int row_of_bad(const struct mtr_mbus_driver *d, const mtr_mbus_record_t *r,
                      meter_quantity_t *q)
{
    const struct mtr_mbus_row *row = driver_row(d, r);
    if (row)
        *q = row->q;
    return row != NULL;
}

static int on_telegram(meter_t *m, const mtr_mbus_frame_t *f, const mtr_mbus_app_t *app,
                       unsigned index, void *ud)
{
    struct collect *c = ud;
    const struct mtr_mbus_driver *d = driver(m);
    (void)f;
    if (index == 0 && d->nman && (app->fields & MTR_MBUS_HF_MAN) && !mtr_mbus_driver_fits(d, app->man, app->medium)) {
        char man[4];
        mtr_mbus_man_string(app->man, man);
        c->rc = mtr_set_err(m, METER_EUNSUPPORTED, "the meter is %s (code %04X), medium %s: not "
                            "a %s", man, app->man, mtr_mbus_medium_name(app->medium),
                            m->model->info.name);
        return 1;
    }
    if (c->medium < 0)
        c->medium = mtr_mbus_catalogue_medium(app);
    mtr_mbus_iter_t it;
    mtr_mbus_record_t r;
    mtr_mbus_iter_init_app(&it, app, 0);
    int k;
    while ((k = mtr_mbus_iter_next(&it, &r, NULL, 0)) > 0) {
        meter_record_t rec;
        mtr_mbus_to_record(&r, &rec, (int)c->n);
        meter_quantity_t q;
        double x;
        /* the first record that maps to a quantity wins (docs/mbus.md), unless the same
         * address comes again in that telegram with another value */
        int mapped = map_row(d, &r, &rec, c->medium, &q, &x);
        if (mapped && c->have[q]) {
            second(c, q, &r, x, index);
        } else if (mapped) {
            c->v[q] = x;
            c->tel[q] = index;
            addr_of(&r, &c->addr[q]);
            const meter_quantity_info_t *qi = meter_quantity_info(q);
            if (qi && qi->kind == METER_KIND_TEXT) {
                size_t l = strnlen(rec.text, sizeof c->text[q] - 1);
                memcpy(c->text[q], rec.text, l);
                c->text[q][l] = '\0';
            }
            c->have[q] = 1;
            rec.quantity = q;
        } else if (rec.kind != METER_KIND_NUMBER && row_of_bad(d, &r, &q) && !c->have[q]) {
            c->bad[q] = 1;
        }
        if (c->recs && (d->rows == NULL || rec.quantity != METER_Q_NONE)) {
            if (c->n < c->cap)
                c->recs[c->n] = rec;
            c->n++;
        }
    }
    if (k < 0 && !c->stop_rc) {
        c->stop_rc = k;
        snprintf(c->stop_msg, sizeof c->stop_msg, "telegram %u: records stop at byte %zu of the "
                 "data (%s)", index + 1, it.stop_offset, mtr_mbus_stop_name(it.stop_reason));
    }
    if (k < 0) /* the records before it are kept */
        mtr_log(m, METER_LOG_WARN, "mbus: telegram %u: records stop at byte %zu of the data: %s "
                "(%s); the %u before it are kept", index + 1, it.stop_offset,
                mtr_mbus_stop_name(it.stop_reason), meter_errname(k), (unsigned)it.count);
    return 0;
}

static int collect(meter_t *m, struct collect *c)
{
    c->rc = METER_OK;
    c->medium = -1;
    int rc = mtr_mbus_read_telegrams(m, on_telegram, c);
    return rc != METER_OK ? rc : c->rc;
}

static void fill(const struct collect *c, meter_quantity_t q, meter_reading_t *out)
{
    const meter_quantity_info_t *qi = meter_quantity_info(q);
    memset(out, 0, sizeof *out);
    out->quantity = q;
    out->unit = qi ? qi->unit : METER_UNIT_NONE;
    out->kind = qi ? qi->kind : METER_KIND_NUMBER;
    /* not there: undecodable (the meter's doing), or perhaps after where the records
     * stopped (the frame's), else the model has none (the caller asked for it) */
    out->status = (unsigned)q >= METER_Q_COUNT_ ? METER_EQUANTITY
                  : c->clash[q]                 ? METER_EVALUE
                  : c->have[q]                  ? METER_OK
                  : c->bad[q]                   ? METER_EVALUE
                  : c->stop_rc                  ? c->stop_rc
                                                : METER_EQUANTITY;
    if (out->status == METER_OK && out->kind == METER_KIND_TEXT)
        memcpy(out->text, c->text[q], sizeof out->text);
    else if (out->status == METER_OK)
        out->value = c->v[q];
}

static int read_q(meter_t *m, const meter_quantity_t *qs, size_t n, meter_reading_t *out)
{
    struct collect *c = calloc(1, sizeof *c);
    if (!c)
        return mtr_set_err(m, METER_ENOMEM, "out of memory");
    int rc = collect(m, c);
    int first = METER_OK;
    const char *clash = NULL;
    for (size_t i = 0; i < n; i++) {
        fill(c, qs[i], &out[i]);
        if (rc != METER_OK)
            out[i].status = rc;
        if (first == METER_OK && out[i].status != METER_OK) {
            first = out[i].status;
            if ((unsigned)qs[i] < METER_Q_COUNT_ && c->clash[qs[i]])
                clash = c->clash_msg[qs[i]];
        }
    }
    if (rc == METER_OK && clash)
        mtr_set_err(m, first, "%s", clash);
    else if (rc == METER_OK && first == METER_EVALUE)
        mtr_set_err(m, first, "a record asked for holds a value that cannot be valid (BCD digits "
                    "A to F, or marked invalid by the meter)");
    else if (rc == METER_OK && first != METER_OK && c->stop_rc)
        mtr_set_err(m, first, "%s; the quantities after it were not read", c->stop_msg);
    else if (rc == METER_OK && first != METER_OK)
        mtr_set_err(m, first, "the meter's telegrams hold no record for some quantities asked for");
    free(c);
    return rc != METER_OK ? rc : first;
}

static int snapshot(meter_t *m, meter_reading_t *out, size_t cap, size_t *n)
{
    struct collect *c = calloc(1, sizeof *c);
    if (!c)
        return mtr_set_err(m, METER_ENOMEM, "out of memory");
    int rc = collect(m, c);
    size_t k = 0;
    int first = METER_OK;
    for (unsigned q = 0; rc == METER_OK && q < METER_Q_COUNT_; q++) {
        if (!c->have[q])
            continue;
        if (k < cap)
            fill(c, (meter_quantity_t)q, &out[k]);
        if (c->clash[q] && first == METER_OK)
            first = mtr_set_err(m, METER_EVALUE, "%s", c->clash_msg[q]);
        k++;
    }
    free(c);
    if (rc != METER_OK)
        return rc;
    *n = k < cap ? k : cap;
    if (k > cap)
        return mtr_set_err(m, METER_EBUFSIZE, "a snapshot needs room for %zu readings, not %zu", k,
                           cap);
    return first;
}

static int records(meter_t *m, meter_record_t *out, size_t cap, size_t *n)
{
    struct collect *c = calloc(1, sizeof *c);
    if (!c)
        return mtr_set_err(m, METER_ENOMEM, "out of memory");
    c->recs = out;
    c->cap = cap;
    int rc = collect(m, c);
    *n = c->n;
    if (rc == METER_OK && c->n > cap)
        rc = mtr_set_err(m, METER_EBUFSIZE, "%zu records, room for %zu", c->n, cap);
    free(c);
    return rc;
}

int mtr_mbus_driver_fits(const struct mtr_mbus_driver *d, uint16_t man, uint8_t medium)
{
    int ok = d->nman == 0;
    for (size_t i = 0; i < d->nman; i++) /* either byte order (seed notes: the manual's "25 CD") */
        ok |= man == d->man[i] || man == (uint16_t)(d->man[i] << 8 | d->man[i] >> 8);
    return ok && (d->medium < 0 || d->medium == medium);
}

const char *mtr_mbus_model_for(uint16_t man, uint8_t medium)
{
    const char *generic = "mbus";
    for (size_t i = 0, n = mtr_model_total(); i < n; i++) {
        const struct mtr_model *mo = mtr_model_at(i);
        const struct mtr_mbus_driver *d = mo->proto_data;
        if (mo->proto != &mtr_proto_mbus || !d || !d->nman)
            continue;
        if (mtr_mbus_driver_fits(d, man, medium))
            return mo->info.name;
    }
    return generic;
}

const struct mtr_proto_ops mtr_proto_mbus = {
    .name = "mbus",
    .schemes = schemes,
    .nschemes = sizeof schemes / sizeof schemes[0],
    .opts = opts,
    .nopts = sizeof opts / sizeof opts[0],
    .bus_open = bus_open,
    .bus_close = bus_close,
    .attach = attach,
    .detach = detach,
    .read = read_q,
    .quantities = quantities,
    .cfg_allowed = mtr_mbus_cfg_allowed,
    .cfg_apply = mtr_mbus_cfg_apply,
    .cfg_verified = mtr_mbus_cfg_verified,
    .records = records,
    .snapshot = snapshot,
};
