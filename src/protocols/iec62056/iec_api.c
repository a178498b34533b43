/* SPDX-License-Identifier: MIT */
/* The public IEC 62056-21 programming-mode calls (include/meter/iec.h): argument
 * checks, the bus lock, one session per call, B0 always at the end. */
#include <stdio.h>
#include <string.h>

#include "protocols/iec62056/iec_internal.h"
#include "meter/iec.h"

static int check(meter_t *m)
{
    if (!m)
        return METER_EINVAL;
    if (m->model->proto != &mtr_proto_iec || !m->priv)
        return mtr_set_err(m, METER_EUNSUPPORTED, "%s does not speak IEC 62056-21",
                           m->model->info.name);
    return mtr_online(m);
}

/* The first value of an answer's data, as sent (value and unit). */
static int first_value(void *user, const mtr_iec_dataset_t *ds)
{
    meter_iec_op_t *op = user;
    if (ds->index == 0 && ds->sub == 0 && !op->result[0])
        snprintf(op->result, sizeof op->result, "%.*s", (int)ds->raw_len, ds->raw);
    return 0;
}

meter_status_t meter_iec_program(meter_t *m, const char *password, meter_iec_op_t *ops, size_t n)
{
    int rc = check(m);
    if (rc != METER_OK)
        return rc;
    if (n && !ops)
        return mtr_set_err(m, METER_EINVAL, "NULL operations");
    for (size_t i = 0; i < n; i++) {
        if (!ops[i].address || !*ops[i].address || strlen(ops[i].address) > MTR_IEC_ADDR_MAX)
            return mtr_set_err(m, METER_EINVAL, "operation %zu: an address of 1 to %d characters", i,
                               MTR_IEC_ADDR_MAX);
        ops[i].result[0] = ops[i].answer[0] = '\0';
        ops[i].status = METER_ESTATE;
    }
    mtr_call_start(m);
    struct mtr_iec_prog p;
    struct mtr_iec_head *h = mtr_iec_head_of(m);
    uint64_t sent0 = h->link.bytes_sent, recv0 = h->link.bytes_received;
    if ((rc = mtr_bus_lock(m)) != METER_OK)
        return rc;
    rc = mtr_iec_prog_open(&p, m, password);
    for (size_t i = 0; i < n && rc == METER_OK; i++) {
        meter_iec_op_t *op = &ops[i];
        if (op->value) {
            rc = mtr_iec_prog_write(&p, op->address, op->value);
        } else {
            rc = mtr_iec_prog_read(&p, op->address);
            if (rc == METER_OK) {
                snprintf(op->answer, sizeof op->answer, "%.*s", (int)p.ans_len, (const char *)p.ans);
                mtr_iec_block_parse(p.ans, p.ans_len, first_value, op, NULL, NULL, 0);
            }
        }
        op->status = rc;
    }
    for (size_t i = 0; i < n; i++)
        if (ops[i].status == METER_ESTATE && rc != METER_OK)
            ops[i].status = rc;
    mtr_iec_prog_close(&p);
    mtr_bus_unlock(m);
    m->stats.bytes_sent += h->link.bytes_sent - sent0;
    m->stats.bytes_received += h->link.bytes_received - recv0;
    return rc;
}

meter_status_t meter_iec_read_register(meter_t *m, const char *address, const char *password, char *value,
                            size_t cap)
{
    if (m && (!value || !cap))
        return mtr_set_err(m, METER_EINVAL, "no room for the value");
    meter_iec_op_t op;
    memset(&op, 0, sizeof op);
    op.address = address;
    int rc = meter_iec_program(m, password, &op, 1);
    if (rc != METER_OK)
        return rc;
    if (strlen(op.result) >= cap)
        return mtr_set_err(m, METER_EBUFSIZE, "the value '%s' needs %zu bytes", op.result,
                           strlen(op.result) + 1);
    memcpy(value, op.result, strlen(op.result) + 1);
    return METER_OK;
}

meter_status_t meter_iec_write_register(meter_t *m, const char *address, const char *value,
                             const char *password)
{
    if (m && !value)
        return mtr_set_err(m, METER_EINVAL, "NULL value");
    meter_iec_op_t op;
    memset(&op, 0, sizeof op);
    op.address = address;
    op.value = value;
    return meter_iec_program(m, password, &op, 1);
}

meter_status_t meter_iec_identification(const meter_t *m, char *buf, size_t cap)
{
    if (!m || !buf)
        return METER_EINVAL;
    if (m->model->proto != &mtr_proto_iec || !m->priv)
        return METER_EUNSUPPORTED;
    const struct mtr_iec_meter *o = m->priv;
    if (!o->have_ident)
        return METER_ESTATE;
    char line[MTR_IEC_IDLINE_MAX + 8];
    size_t k = (size_t)snprintf(line, sizeof line, "%.3s%c", o->ident.manufacturer, o->ident.baud_char);
    for (unsigned i = 0; i < o->ident.ncaps && k + 2 < sizeof line; i++) {
        line[k++] = '\\';
        line[k++] = o->ident.caps[i];
    }
    snprintf(line + k, sizeof line - k, "%s", o->ident.ident);
    if (strlen(line) >= cap)
        return METER_EBUFSIZE;
    memcpy(buf, line, strlen(line) + 1);
    return METER_OK;
}
