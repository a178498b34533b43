/* SPDX-License-Identifier: MIT */
/* The meter handle: open (model + connection string, or on a shared bus),
 * close, read one/list/snapshot through the protocol's engine, and the
 * handle's settings, statistics, log and user data. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"

static int attach(meter_t **out, struct meter_bus *bus, const struct mtr_model *model,
                  const struct mtr_conn *c, char *err, size_t len)
{
    meter_t *m = calloc(1, sizeof *m);
    if (!m)
        return mtr_err(err, len, METER_ENOMEM, "out of memory");
    m->model = model;
    m->bus = bus;
    m->id = model->id;
    m->timeout_ms = (c->set & MTR_SET_TIMEOUT)          ? c->timeout_ms
                    : (bus->conn.set & MTR_SET_TIMEOUT) ? bus->conn.timeout_ms
                                                        : bus->conn.scheme->default_timeout_ms;
    m->retries = (c->set & MTR_SET_RETRIES) ? c->retries
                 : (bus->conn.set & MTR_SET_RETRIES) ? bus->conn.retries
                                                      : 1;
    if (bus->ops->attach) {
        int rc = bus->ops->attach(m, c, err, len);
        if (rc != METER_OK) {
            free(m);
            return rc;
        }
    }
    *out = m;
    return METER_OK;
}

static int check_proto(const struct mtr_model *model, const struct mtr_conn *c, char *err,
                       size_t len)
{
    if (c->proto != model->proto)
        return mtr_err(err, len, METER_EUNSUPPORTED, "model %s speaks %s; '%s:' is not one of its links",
                       model->info.name, model->info.protocol, c->scheme->name);
    return METER_OK;
}

static const struct mtr_model *find_model(const char *name, char *err, size_t len)
{
    const struct mtr_model *model = mtr_model_find(name);
    if (!model)
        mtr_err(err, len, METER_EMODEL, "unknown model '%s' (list them with: meter models)",
                name ? name : "(null)");
    return model;
}

static meter_status_t open_meter(meter_t **out, const char *model_name, const char *connection,
                                 int offline, char *err, size_t len)
{
    if (!out)
        return mtr_err(err, len, METER_EINVAL, "NULL output pointer");
    *out = NULL;
    const struct mtr_model *model = find_model(model_name, err, len);
    if (!model)
        return METER_EMODEL;
    struct mtr_conn c;
    int rc = mtr_conn_parse(connection, &c, MTR_CONN_ALL, err, len);
    if (rc != METER_OK)
        return rc;
    if ((rc = check_proto(model, &c, err, len)) != METER_OK)
        return rc;
    /* the model's line defaults, where the string left them unset */
    if (!(c.set & MTR_SET_BAUD) && model->baud) {
        c.baud = model->baud;
        c.set |= MTR_SET_BAUD;
    }
    if (!(c.set & MTR_SET_PARITY) && model->parity) {
        c.parity = model->parity;
        c.set |= MTR_SET_PARITY;
    }
    struct meter_bus *bus;
    if ((rc = mtr_bus_open_conn(&bus, &c, offline, err, len)) != METER_OK)
        return rc;
    /* the bus's one reference passes to the meter */
    rc = attach(out, bus, model, &c, err, len);
    if (rc != METER_OK)
        meter_bus_close(bus);
    return rc;
}

meter_status_t meter_open(meter_t **out, const char *model_name, const char *connection, char *err,
                          size_t len)
{
    return open_meter(out, model_name, connection, 0, err, len);
}

meter_status_t meter_open_offline(meter_t **out, const char *model_name, const char *connection,
                                  char *err, size_t len)
{
    return open_meter(out, model_name, connection, 1, err, len);
}

meter_status_t meter_connection_check(const char *model_name, const char *connection, char *err,
                                      size_t len)
{
    if (!model_name) {
        struct mtr_conn c;
        return mtr_conn_parse(connection, &c, MTR_CONN_ALL, err, len);
    }
    meter_t *m;
    int rc = open_meter(&m, model_name, connection, 1, err, len);
    if (rc == METER_OK)
        meter_close(m);
    return rc;
}

int mtr_online(meter_t *m)
{
    if (m->bus->offline)
        return mtr_set_err(m, METER_ESTATE, "%s was opened offline (meter_open_offline): "
                           "nothing is sent", m->model->info.name);
    return METER_OK;
}

meter_status_t meter_open_on_bus(meter_t **out, meter_bus_t *bus, const char *model_name, const char *options,
                      char *err, size_t len)
{
    if (!out || !bus)
        return mtr_err(err, len, METER_EINVAL, "NULL %s", out ? "bus" : "output pointer");
    *out = NULL;
    const struct mtr_model *model = find_model(model_name, err, len);
    if (!model)
        return METER_EMODEL;
    int rc = check_proto(model, &bus->conn, err, len);
    if (rc != METER_OK)
        return rc;
    struct mtr_conn c;
    memset(&c, 0, sizeof c);
    c.proto = bus->conn.proto;
    c.scheme = bus->conn.scheme;
    if ((rc = mtr_conn_parse_options(options, &c, MTR_CONN_METER, err, len)) != METER_OK)
        return rc;
    if ((rc = attach(out, bus, model, &c, err, len)) != METER_OK)
        return rc;
    mtr_bus_ref(bus);
    return METER_OK;
}

void meter_close(meter_t *m)
{
    if (!m)
        return;
    if (m->bus->ops->detach)
        m->bus->ops->detach(m);
    meter_bus_close(m->bus);
    free(m);
}

meter_status_t meter_read_list(meter_t *m, const meter_quantity_t *qs, size_t n, meter_reading_t *out)
{
    if (!m || (n && (!qs || !out)))
        return m ? mtr_set_err(m, METER_EINVAL, "NULL quantity list or output") : METER_EINVAL;
    mtr_call_start(m);
    int rc = mtr_online(m);
    if (rc != METER_OK) {
        for (size_t i = 0; i < n; i++) {
            memset(&out[i], 0, sizeof out[i]);
            out[i].quantity = qs[i];
            out[i].status = rc;
        }
        return rc;
    }
    return m->bus->ops->read(m, qs, n, out);
}

meter_status_t meter_read(meter_t *m, meter_quantity_t q, meter_reading_t *out)
{
    return meter_read_list(m, &q, 1, out);
}

size_t meter_quantities(const meter_t *m, meter_quantity_t *out, size_t cap)
{
    if (!m)
        return 0;
    return m->bus->ops->quantities(m, out, cap);
}

meter_status_t meter_snapshot(meter_t *m, meter_reading_t *out, size_t cap, size_t *n)
{
    if (!m || !n)
        return m ? mtr_set_err(m, METER_EINVAL, "NULL count pointer") : METER_EINVAL;
    *n = 0;
    mtr_call_start(m);
    int orc = mtr_online(m);
    if (orc != METER_OK)
        return orc;
    if (m->bus->ops->snapshot) {
        return m->bus->ops->snapshot(m, out, cap, n);
    }
    /* one pass for the list, on the stack: a quantity appears once, so METER_Q_COUNT_ is room */
    meter_quantity_t local[METER_Q_COUNT_];
    size_t need = meter_quantities(m, local, METER_Q_COUNT_);
    if (cap < need)
        return mtr_set_err(m, METER_EBUFSIZE, "a snapshot of %s needs room for %zu readings, not %zu",
                           m->model->info.name, need, cap);
    meter_quantity_t *qs = local;
    if (need > METER_Q_COUNT_) {
        qs = calloc(need, sizeof *qs);
        if (!qs)
            return mtr_set_err(m, METER_ENOMEM, "out of memory");
        meter_quantities(m, qs, need);
    }
    int rc = meter_read_list(m, qs, need, out);
    if (qs != local)
        free(qs);
    *n = need;
    return rc;
}

void mtr_call_start(meter_t *m)
{
    m->err[0] = '\0';
    atomic_store(&m->cancel, 0);
}

const char *meter_model_name(const meter_t *m)
{
    return m ? m->model->info.name : NULL;
}

const char *meter_last_error(const meter_t *m)
{
    return m ? m->err : "";
}

meter_status_t meter_set_timeout(meter_t *m, unsigned ms)
{
    if (!m)
        return METER_EINVAL;
    if (ms < 1 || ms > 60000)
        return mtr_set_err(m, METER_ERANGE, "timeout %u ms is out of range (1 to 60000)", ms);
    m->timeout_ms = ms;
    return METER_OK;
}

meter_status_t meter_set_retries(meter_t *m, unsigned retries)
{
    if (!m)
        return METER_EINVAL;
    if (retries > 10)
        return mtr_set_err(m, METER_ERANGE, "%u retries is out of range (0 to 10)", retries);
    m->retries = retries;
    return METER_OK;
}

meter_status_t meter_get_stats(const meter_t *m, meter_stats_t *out)
{
    /* the 0.2 struct is the smallest a caller can have: every field up to max_registers */
    size_t least = offsetof(meter_stats_t, max_registers) + sizeof out->max_registers;
    if (!m || !out || out->struct_size < least)
        return METER_EINVAL;
    size_t n = out->struct_size < sizeof m->stats ? out->struct_size : sizeof m->stats;
    size_t keep = out->struct_size;
    memcpy(out, &m->stats, n);
    out->struct_size = keep;
    return METER_OK;
}

void meter_set_log(meter_t *m, meter_log_fn fn, void *userdata)
{
    if (!m)
        return;
    m->log = fn;
    m->log_ud = userdata;
}

void meter_set_userdata(meter_t *m, void *data)
{
    if (m)
        m->userdata = data;
}

void *meter_userdata(const meter_t *m)
{
    return m ? m->userdata : NULL;
}
