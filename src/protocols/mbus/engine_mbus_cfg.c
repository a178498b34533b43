/* SPDX-License-Identifier: MIT */
/* M-Bus settings and actions: find the model's write row, check the value
 * (nothing is sent otherwise), build the SND_UD (CI 51) or baud control frame,
 * send it expecting E5, follow the meter to its new address, secondary address
 * or speed, and read back what the telegram shows. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocols/mbus/mbus_internal.h"

static const struct mtr_mbus_wrow *find_row(const meter_t *m, const struct mtr_cfg *c)
{
    const struct mtr_mbus_driver *d = m->model->proto_data;
    for (size_t i = 0; d && i < d->nwrites; i++)
        if (d->writes[i].kind == c->kind && d->writes[i].id == c->id)
            return &d->writes[i];
    return NULL;
}

static const char *what(const struct mtr_cfg *c)
{
    return c->kind == MTR_CFG_SETTING ? meter_setting_name((meter_setting_t)c->id)
                                      : meter_action_name((meter_action_t)c->id);
}

static void describe(const struct mtr_mbus_wrow *w, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    if (w->enc == MTR_MBUS_W_SECONDARY) {
        snprintf(buf, len, "8 decimal digits");
    } else if (w->set) {
        for (size_t i = 0; i < w->nset && used + 1 < len; i++) {
            int k = snprintf(buf + used, len - used, "%s%g", i ? ", " : "", w->set[i]);
            if (k < 0)
                break;
            used += (size_t)k;
        }
    } else if (w->enc != MTR_MBUS_W_FIXED) {
        snprintf(buf, len, "%g to %g", w->lo, w->hi);
    }
}

int mtr_mbus_cfg_allowed(const meter_t *m, const struct mtr_cfg *c, char *buf, size_t len,
                         unsigned *risk)
{
    const struct mtr_mbus_wrow *w = find_row(m, c);
    if (!w)
        return METER_EUNSUPPORTED;
    if (risk)
        *risk = w->risk;
    if (buf && len) {
        char tmp[256];
        describe(w, tmp, sizeof tmp);
        if (strlen(tmp) >= len)
            return METER_EBUFSIZE;
        memcpy(buf, tmp, strlen(tmp) + 1);
    }
    return METER_OK;
}

/* 0 and the value, or -1 when the text is not an allowed value */
static int parse_value(const struct mtr_mbus_wrow *w, const char *s, double *v, uint32_t *id)
{
    while (isspace((unsigned char)*s))
        s++;
    if (w->enc == MTR_MBUS_W_SECONDARY) {
        if (strlen(s) != 8)
            return -1;
        uint32_t x = 0;
        for (int i = 0; i < 8; i++) {
            if (!isdigit((unsigned char)s[i]))
                return -1;
            x = x << 4 | (uint32_t)(s[i] - '0');
        }
        *id = x;
        return 0;
    }
    char *end;
    double x = strtod(s, &end);
    while (isspace((unsigned char)*end))
        end++;
    if (!*s || *end || !isfinite(x))
        return -1;
    if (w->enc != MTR_MBUS_W_BCD8 && x != floor(x))
        return -1;
    if (w->set) {
        int ok = 0;
        for (size_t i = 0; i < w->nset; i++)
            ok |= fabs(x - w->set[i]) <= 1e-9 * fabs(w->set[i]);
        if (!ok)
            return -1;
    } else if (x < w->lo || x > w->hi) {
        return -1;
    }
    *v = x;
    return 0;
}

static uint8_t bcd2(unsigned x)
{
    return (uint8_t)((x / 10 % 10) << 4 | x % 10);
}

/* The request frame for address a. */
static int build(const struct mtr_mbus_wrow *w, uint8_t a, double v, uint32_t id, uint8_t *buf,
                 size_t cap, size_t *n)
{
    if (w->enc == MTR_MBUS_W_BAUD)
        return mtr_mbus_build_set_baud(buf, cap, a, (unsigned)v, n);
    uint8_t d[16];
    size_t k = w->nprefix;
    memcpy(d, w->prefix, k);
    switch (w->enc) {
    case MTR_MBUS_W_ADDRESS:
        d[k++] = (uint8_t)v;
        break;
    case MTR_MBUS_W_SECONDARY:
        for (int i = 0; i < 4; i++)
            d[k++] = (uint8_t)(id >> (8 * i));
        break;
    case MTR_MBUS_W_BCD2:
        d[k++] = bcd2((unsigned)v);
        break;
    case MTR_MBUS_W_BCD8: {
        unsigned long x = (unsigned long)llround(v * w->scale);
        for (int i = 0; i < 4; i++, x /= 100)
            d[k++] = bcd2((unsigned)(x % 100));
        break;
    }
    default:
        break;
    }
    return mtr_mbus_build_snd_ud(buf, cap, a, 0, 0x51, d, k, n);
}

struct seen {
    uint8_t a;
    uint32_t id;
    int has_id;
};

static int on_header(meter_t *m, const mtr_mbus_frame_t *f, const mtr_mbus_app_t *app,
                     unsigned index, void *ud)
{
    struct seen *s = ud;
    (void)m;
    (void)index;
    s->a = f->a;
    s->id = app->id;
    s->has_id = app->has_id;
    return 1; /* the first telegram is enough */
}

/* what a write can be checked by: the telegram's header shows the address, the
 * secondary address and (by answering at all) the speed; nothing else */
static int verifiable(const struct mtr_mbus_wrow *w)
{
    return w->enc == MTR_MBUS_W_ADDRESS || w->enc == MTR_MBUS_W_SECONDARY || w->enc == MTR_MBUS_W_BAUD;
}

static int verify(meter_t *m, const struct mtr_mbus_wrow *w, double v, uint32_t id, unsigned old_baud)
{
    struct seen s = {0, 0, 0};
    int rc = mtr_mbus_read_telegrams(m, on_header, &s);
    if (rc != METER_OK) {
        if (w->enc == MTR_MBUS_W_BAUD) { /* fall back to the old speed the meter may keep */
            char keep[256];
            snprintf(keep, sizeof keep, "%s", m->err);
            mtr_mbus_relink(m, old_baud);
            return mtr_set_err(m, METER_EVERIFY, "baud %g: the meter acknowledged, but does not "
                               "answer at the new speed (%s); the line is back at %u Bd", v, keep,
                               old_baud);
        }
        return mtr_set_err(m, METER_EVERIFY, "the write was acknowledged, but reading back "
                           "failed: %s", m->err);
    }
    if (w->enc == MTR_MBUS_W_ADDRESS && s.a != (uint8_t)v)
        return mtr_set_err(m, METER_EVERIFY, "address %g written, the meter answers as %u", v, s.a);
    if (w->enc == MTR_MBUS_W_SECONDARY && (!s.has_id || s.id != id))
        return mtr_set_err(m, METER_EVERIFY, "secondary address %08X written, the meter reports "
                           "%08X", (unsigned)id, (unsigned)s.id);
    return METER_OK;
}

int mtr_mbus_cfg_apply(meter_t *m, const struct mtr_cfg *c, uint8_t *frame, size_t cap,
                       size_t *flen)
{
    struct mtr_mbus_meter *mm = m->priv;
    const struct mtr_mbus_wrow *w = find_row(m, c);
    if (!w)
        return mtr_set_err(m, METER_EUNSUPPORTED, "model %s has no %s %s", m->model->info.name,
                           what(c), c->kind == MTR_CFG_SETTING ? "setting" : "action");
    double v = 0;
    uint32_t id = 0;
    if (c->kind == MTR_CFG_SETTING && parse_value(w, c->value, &v, &id) < 0) {
        char allowed[200];
        describe(w, allowed, sizeof allowed);
        return mtr_set_err(m, METER_ERANGE, "%s '%s' is not allowed on %s (allowed: %s)", what(c),
                           c->value, m->model->info.name, allowed);
    }
    uint8_t a = mm->use_secondary ? MTR_MBUS_ADDR_SELECTED : (uint8_t)m->id;
    uint8_t req[MTR_MBUS_FRAME_MAX];
    size_t n = 0;
    int rc = build(w, a, v, id, req, sizeof req, &n);
    if (rc != METER_OK)
        return mtr_set_err(m, rc, "%s: cannot build the frame", what(c));
    if (frame) {
        if (n > cap)
            return mtr_set_err(m, METER_EBUFSIZE, "frame needs %zu bytes, room for %zu", n, cap);
        memcpy(frame, req, n);
        *flen = n;
        return METER_OK;
    }
    unsigned old_baud = m->bus->conn.baud;
    if ((rc = mtr_bus_lock(m)) != METER_OK)
        return rc;
    int target;
    rc = mtr_mbus_target(m, &target);
    if (rc == METER_OK)
        rc = mtr_mbus_send_expect_ack(m, req, n);
    if (rc == METER_OK) {
        mtr_log(m, METER_LOG_INFO, "mbus %d: %s set (%s)", m->id, what(c), w->cite);
        if (w->enc == MTR_MBUS_W_ADDRESS && !mm->use_secondary)
            m->id = (int)v; /* the meter answers at its new address from now on */
        if (w->enc == MTR_MBUS_W_SECONDARY && mm->use_secondary)
            mm->sec.id = id;
        if (w->enc == MTR_MBUS_W_BAUD)
            rc = mtr_mbus_relink(m, (unsigned)v); /* the slave switched after its E5 */
        if (w->enc == MTR_MBUS_W_ADDRESS) /* a new link partner: SND_NKE first */
            ((struct mtr_mbus_bus *)m->bus->priv)->fcb[(uint8_t)v] = -1;
    }
    mtr_bus_unlock(m);
    if (rc != METER_OK)
        return rc;
    if (!verifiable(w))
        return METER_OK; /* the telegram does not show these: the E5 is all the meter says */
    return verify(m, w, v, id, old_baud);
}

int mtr_mbus_cfg_verified(const meter_t *m, const struct mtr_cfg *c)
{
    const struct mtr_mbus_wrow *w = find_row(m, c);
    if (!w)
        return METER_EUNSUPPORTED;
    return verifiable(w);
}
