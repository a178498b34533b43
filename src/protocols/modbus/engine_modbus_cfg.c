/* SPDX-License-Identifier: MIT */
/* Modbus settings and actions: find the model's write-table row, parse and
 * check the value against the allowed values (nothing is sent otherwise),
 * build the request, send it, follow the meter to a new id or speed, and read
 * the setting back. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "protocols/modbus/modbus_internal.h"

static const struct mtr_mb_cfg *find_cfg(const meter_t *m, const struct mtr_cfg *c)
{
    const struct mtr_mb_map *map = mtr_mb_map_of(m->model);
    for (size_t i = 0; map && i < map->ncfgs; i++) {
        const struct mtr_mb_cfg *r = &map->cfgs[i];
        if (r->kind == c->kind && r->id == c->id && mtr_model_has_flags(m->model, r->flags))
            return r;
    }
    return NULL;
}

int mtr_modbus_cfg_verified(const meter_t *m, const struct mtr_cfg *c)
{
    const struct mtr_mb_cfg *r = find_cfg(m, c);
    if (!r)
        return METER_EUNSUPPORTED;
    return r->expect != MTR_X_NONE;
}

static const char *what(const struct mtr_cfg *c)
{
    return c->kind == MTR_CFG_SETTING ? meter_setting_name((meter_setting_t)c->id)
                                      : meter_action_name((meter_action_t)c->id);
}

static void describe(const struct mtr_mb_cfg *r, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    if (r->enc == MTR_E_COIL) {
        snprintf(buf, len, "on, off");
    } else if (r->enc == MTR_E_PARITY) {
        snprintf(buf, len, "E (even), N (none), O (odd)");
    } else if (r->set) {
        for (size_t i = 0; i < r->nset && used + 1 < len; i++) {
            int k = snprintf(buf + used, len - used, "%s%g", i ? ", " : "", r->set[i]);
            if (k < 0)
                break;
            used += (size_t)k;
        }
    } else {
        snprintf(buf, len, "%g to %g", r->lo, r->hi);
    }
}

int mtr_modbus_cfg_allowed(const meter_t *m, const struct mtr_cfg *c, char *buf, size_t len,
                           unsigned *risk)
{
    const struct mtr_mb_cfg *r = find_cfg(m, c);
    if (!r)
        return METER_EUNSUPPORTED;
    if (risk)
        *risk = r->risk;
    if (buf && len) {
        char tmp[256];
        describe(r, tmp, sizeof tmp);
        if (strlen(tmp) >= len)
            return METER_EBUFSIZE;
        memcpy(buf, tmp, strlen(tmp) + 1);
    }
    return METER_OK;
}

/* Parse the text into the logical value v; 0 or -1. */
static int parse_value(const struct mtr_mb_cfg *r, const char *s, double *v)
{
    while (isspace((unsigned char)*s))
        s++;
    if (r->enc == MTR_E_COIL) {
        if (!strcasecmp(s, "on") || !strcmp(s, "1") || !strcasecmp(s, "close"))
            *v = 1;
        else if (!strcasecmp(s, "off") || !strcmp(s, "0") || !strcasecmp(s, "open"))
            *v = 0;
        else
            return -1;
        return 0;
    }
    if (r->enc == MTR_E_PARITY) {
        if (!strcasecmp(s, "e") || !strcasecmp(s, "even"))
            *v = 1;
        else if (!strcasecmp(s, "n") || !strcasecmp(s, "none"))
            *v = 2;
        else if (!strcasecmp(s, "o") || !strcasecmp(s, "odd"))
            *v = 3;
        else
            return -1;
        return 0;
    }
    if (!*s)
        return -1;
    char *end;
    double x = strtod(s, &end);
    while (isspace((unsigned char)*end))
        end++;
    if (*end || !isfinite(x))
        return -1;
    if (r->enc != MTR_E_FLOAT && x != floor(x))
        return -1;
    *v = x;
    return 0;
}

static int allowed(const struct mtr_mb_cfg *r, double v)
{
    if (r->enc == MTR_E_COIL || r->enc == MTR_E_PARITY)
        return 1;
    if (r->set) {
        for (size_t i = 0; i < r->nset; i++)
            if (fabs(v - r->set[i]) <= 1e-9 * fabs(r->set[i]))
                return 1;
        return 0;
    }
    return v >= r->lo && v <= r->hi;
}

/* The registers (or coil value) to write. */
static int encode(const struct mtr_mb_cfg *r, double v, uint16_t *w, uint16_t *n)
{
    switch (r->enc) {
    case MTR_E_U16: w[0] = (uint16_t)v; *n = 1; return 0;
    case MTR_E_PARITY: w[0] = (uint16_t)v; *n = 1; return 0;
    case MTR_E_COIL: w[0] = v ? 0xFF00 : 0x0000; *n = 1; return 0;
    case MTR_E_FLOAT: mtr_mb_put_float((float)v, w, MTR_WORDS_ABCD); *n = 2; return 0;
    case MTR_E_HEX: {
        unsigned x = (unsigned)v;
        w[0] = (uint16_t)(((x / 1000) % 10) << 12 | ((x / 100) % 10) << 8 | ((x / 10) % 10) << 4 | (x % 10));
        *n = 1;
        return 0;
    }
    case MTR_E_BAUDCODE:
        switch ((unsigned)v) {
        case 1200: w[0] = 1; break;
        case 2400: w[0] = 2; break;
        case 4800: w[0] = 3; break;
        case 9600: w[0] = 4; break;
        default: return -1;
        }
        *n = 1;
        return 0;
    }
    return -1;
}

/* The request PDU (function code first). */
static size_t build_pdu(const struct mtr_mb_cfg *r, const uint16_t *w, uint16_t n, uint8_t *pdu)
{
    pdu[0] = r->fc;
    pdu[1] = (uint8_t)(r->addr >> 8);
    pdu[2] = (uint8_t)r->addr;
    if (r->fc == 5 || r->fc == 6) {
        pdu[3] = (uint8_t)(w[0] >> 8);
        pdu[4] = (uint8_t)w[0];
        return 5;
    }
    pdu[3] = 0;
    pdu[4] = (uint8_t)n;
    pdu[5] = (uint8_t)(2 * n);
    for (uint16_t i = 0; i < n; i++) {
        pdu[6 + 2 * i] = (uint8_t)(w[i] >> 8);
        pdu[7 + 2 * i] = (uint8_t)w[i];
    }
    return 6 + 2u * n;
}

static size_t build_adu(const meter_t *m, const uint8_t *pdu, size_t n, uint8_t *buf, size_t cap)
{
    if (m->bus->conn.scheme->id == MTR_MB_TCP) {
        if (cap < n + 7)
            return 0;
        /* MBAP: transaction id 0 here (the link numbers each request it sends), protocol 0,
         * length, unit */
        uint8_t h[7] = {0, 0, 0, 0, (uint8_t)((n + 1) >> 8), (uint8_t)(n + 1), (uint8_t)m->id};
        memcpy(buf, h, 7);
        memcpy(buf + 7, pdu, n);
        return n + 7;
    }
    return mtr_mb_rtu_frame(buf, cap, (uint8_t)m->id, pdu, n);
}

static int verify(meter_t *m, const struct mtr_mb_cfg *r, double v, const struct mtr_cfg *c)
{
    if (r->expect == MTR_X_NONE)
        return METER_OK;
    double want = r->expect == MTR_X_ZERO || r->expect == MTR_X_CLEARED ? 0
                  : r->expect == MTR_X_TARIFF && v > 10                ? v - 10
                                                                       : v;
    double tol = r->expect == MTR_X_CLEARED ? 0.1 : 1e-6 * fabs(want) + 1e-9;
    meter_reading_t rd;
    int rc = meter_read(m, r->readback, &rd);
    if (rc != METER_OK)
        return mtr_set_err(m, METER_EVERIFY, "%s was written, but reading it back failed: %s",
                           what(c), m->err);
    if (fabs(rd.value - want) > tol)
        return mtr_set_err(m, METER_EVERIFY, "%s was written, but the meter reads back %g, not %g",
                           what(c), rd.value, want);
    return METER_OK;
}

int mtr_modbus_cfg_apply(meter_t *m, const struct mtr_cfg *c, uint8_t *frame, size_t cap,
                         size_t *flen)
{
    const struct mtr_mb_cfg *r = find_cfg(m, c);
    if (!r)
        return mtr_set_err(m, METER_EUNSUPPORTED, "model %s has no %s %s", m->model->info.name,
                           what(c), c->kind == MTR_CFG_SETTING ? "setting" : "action");
    double v = r->fixed;
    if (c->kind == MTR_CFG_SETTING) {
        char allowed_txt[200];
        describe(r, allowed_txt, sizeof allowed_txt);
        if (parse_value(r, c->value, &v) < 0 || !allowed(r, v))
            return mtr_set_err(m, METER_ERANGE, "%s '%s' is not allowed on %s (allowed: %s)",
                               what(c), c->value, m->model->info.name, allowed_txt);
    }
    uint16_t w[4], n = 0;
    if (encode(r, v, w, &n) < 0)
        return mtr_set_err(m, METER_ERANGE, "%s '%s' cannot be encoded", what(c),
                           c->value ? c->value : "");
    if (frame) {
        uint8_t pdu[32];
        size_t pn = build_pdu(r, w, n, pdu);
        *flen = build_adu(m, pdu, pn, frame, cap);
        return *flen ? METER_OK : mtr_set_err(m, METER_EBUFSIZE, "frame needs more than %zu bytes", cap);
    }
    /* a write that moves the meter is not repeated: the first may have taken effect */
    int moves = c->kind == MTR_CFG_SETTING && (c->id == METER_SETTING_ADDRESS ||
                                               c->id == METER_SETTING_BAUD_RATE ||
                                               c->id == METER_SETTING_PARITY);
    int excode = 0;
    int rc = mtr_mb_write(m, r->fc, r->addr, w, n, !moves, &excode);
    if (rc != METER_OK)
        return rc;
    mtr_log(m, METER_LOG_INFO, "id %d: %s set (%s)", m->id, what(c), r->cite);
    if (c->kind == MTR_CFG_SETTING) {
        if (c->id == METER_SETTING_ADDRESS)
            m->id = (int)v; /* the meter answers at its new id from now on */
        if (c->id == METER_SETTING_BAUD_RATE && (rc = mtr_mb_relink(m, (unsigned)v, 0)) != METER_OK)
            return rc;
        if (c->id == METER_SETTING_PARITY &&
            (rc = mtr_mb_relink(m, 0, v == 1 ? 'E' : v == 2 ? 'N' : 'O')) != METER_OK)
            return rc;
    }
    return verify(m, r, v, c);
}
