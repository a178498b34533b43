/* SPDX-License-Identifier: MIT */
/* Connection strings: "scheme:target?key=value&key=value", one grammar for
 * every transport. This file only parses and validates; it opens nothing.
 * The grammar and every option are documented in docs/connection-strings.md. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"

/* The generic options, taken by the schemes whose line_opts name them. */
enum gen_kind { GEN_BAUD, GEN_PARITY, GEN_UINT, GEN_BOOL };

struct gen_row {
    const char *key;
    unsigned cls; /* MTR_CONN_LINE and/or MTR_CONN_METER */
    enum gen_kind kind;
    unsigned flag; /* MTR_SET_* */
    long min, max;
    const char *help;
};

static const struct gen_row generic[] = {
    {"baud", MTR_CONN_LINE, GEN_BAUD, MTR_SET_BAUD, 300, 115200,
     "300, 600, 1200, 2400, 4800, 9600, 19200, 38400, 57600 or 115200"},
    {"parity", MTR_CONN_LINE, GEN_PARITY, MTR_SET_PARITY, 0, 0, "N, E or O"},
    {"data", MTR_CONN_LINE, GEN_UINT, MTR_SET_DATA, 7, 8, "7 or 8"},
    {"stop", MTR_CONN_LINE, GEN_UINT, MTR_SET_STOP, 1, 2, "1 or 2"},
    {"rs485", MTR_CONN_LINE, GEN_BOOL, MTR_SET_RS485, 0, 1, "0 or 1"},
    {"timeout", MTR_CONN_LINE | MTR_CONN_METER, GEN_UINT, MTR_SET_TIMEOUT, 1, 60000,
     "milliseconds, 1 to 60000"},
    {"retries", MTR_CONN_LINE | MTR_CONN_METER, GEN_UINT, MTR_SET_RETRIES, 0, 10, "0 to 10"},
};

#define NGENERIC (sizeof generic / sizeof generic[0])

/* One option as found for a key: a generic row or one of the protocol's. */
struct found {
    const char *key;
    unsigned cls;
    const struct gen_row *g;
    const struct mtr_opt *p;
};

static int applies(const struct mtr_conn *c, const struct mtr_opt *o)
{
    return !o->schemes || (o->schemes & (1u << c->scheme->id));
}

static int find_option(const struct mtr_conn *c, const char *k, size_t kn, struct found *f)
{
    for (size_t i = 0; i < NGENERIC; i++)
        if ((c->scheme->line_opts & generic[i].flag) && strlen(generic[i].key) == kn &&
            memcmp(generic[i].key, k, kn) == 0) {
            *f = (struct found){generic[i].key, generic[i].cls, &generic[i], NULL};
            return 1;
        }
    for (size_t i = 0; i < c->proto->nopts; i++) {
        const struct mtr_opt *o = &c->proto->opts[i];
        if (applies(c, o) && strlen(o->key) == kn && memcmp(o->key, k, kn) == 0) {
            *f = (struct found){o->key, o->cls, NULL, o};
            return 1;
        }
    }
    return 0;
}

static const unsigned std_bauds[] = {300, 600, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200};

static int parse_uint(const char *s, size_t n, long *out)
{
    if (n == 0 || n > 9)
        return -1;
    long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

static int str_ieq(const char *a, size_t n, const char *b)
{
    if (strlen(b) != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i]))
            return 0;
    return 1;
}

static int bad_value(const char *key, const char *help, const char *v, size_t vn, char *err,
                     size_t len)
{
    return mtr_err(err, len, METER_EOPTION, "bad value '%.*s' for option '%s' (%s)", (int)vn, v,
                   key, help);
}

static int set_generic(struct mtr_conn *c, const struct gen_row *o, const char *v, size_t vn,
                       char *err, size_t len)
{
    long x = 0;
    switch (o->kind) {
    case GEN_BAUD: {
        int ok = parse_uint(v, vn, &x) == 0;
        int std = 0;
        for (size_t i = 0; ok && i < sizeof std_bauds / sizeof std_bauds[0]; i++)
            std |= (unsigned long)x == std_bauds[i];
        if (!std)
            return bad_value(o->key, o->help, v, vn, err, len);
        c->baud = (unsigned)x;
        break;
    }
    case GEN_PARITY:
        if (str_ieq(v, vn, "n") || str_ieq(v, vn, "none"))
            c->parity = 'N';
        else if (str_ieq(v, vn, "e") || str_ieq(v, vn, "even"))
            c->parity = 'E';
        else if (str_ieq(v, vn, "o") || str_ieq(v, vn, "odd"))
            c->parity = 'O';
        else
            return bad_value(o->key, o->help, v, vn, err, len);
        break;
    case GEN_UINT:
    case GEN_BOOL:
        if (parse_uint(v, vn, &x) < 0 || x < o->min || x > o->max ||
            (o->kind == GEN_BOOL && vn != 1))
            return bad_value(o->key, o->help, v, vn, err, len);
        switch (o->flag) {
        case MTR_SET_DATA: c->data_bits = (unsigned)x; break;
        case MTR_SET_STOP: c->stop_bits = (unsigned)x; break;
        case MTR_SET_RS485: c->rs485 = (int)x; break;
        case MTR_SET_TIMEOUT: c->timeout_ms = (unsigned)x; break;
        case MTR_SET_RETRIES: c->retries = (unsigned)x; break;
        default: break;
        }
        break;
    }
    c->set |= o->flag;
    return METER_OK;
}

static int set_protocol(struct mtr_conn *c, const struct mtr_opt *o, const char *v, size_t vn,
                        char *err, size_t len)
{
    unsigned char *field = c->popt.bytes + o->offset;
    long x = 0;
    switch (o->kind) {
    case MTR_OPT_UINT:
    case MTR_OPT_INT:
    case MTR_OPT_BOOL:
        if (parse_uint(v, vn, &x) < 0 || x < o->min || x > o->max ||
            (o->kind == MTR_OPT_BOOL && (vn != 1 || x > 1)))
            return bad_value(o->key, o->help, v, vn, err, len);
        if (o->kind == MTR_OPT_UINT) {
            unsigned u = (unsigned)x;
            memcpy(field, &u, sizeof u);
        } else {
            int i = (int)x;
            memcpy(field, &i, sizeof i);
        }
        break;
    case MTR_OPT_TEXT:
        if ((long)vn < o->min || (long)vn > o->max || vn >= o->size)
            return bad_value(o->key, o->help, v, vn, err, len);
        for (size_t i = 0; i < vn; i++)
            if (!isgraph((unsigned char)v[i]) || v[i] == '!' || v[i] == '?')
                return mtr_err(err, len, METER_EOPTION, "bad character in option '%s' ('%.*s')",
                               o->key, (int)vn, v);
        memcpy(field, v, vn);
        field[vn] = '\0';
        break;
    case MTR_OPT_CHOICE: {
        const struct mtr_choice *ch = o->choices;
        while (ch->name && !str_ieq(v, vn, ch->name))
            ch++;
        if (!ch->name)
            return bad_value(o->key, o->help, v, vn, err, len);
        memcpy(field, &ch->value, sizeof ch->value);
        break;
    }
    }
    c->pset |= o->flag;
    return METER_OK;
}

static void list_keys(const struct mtr_conn *c, unsigned what, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < NGENERIC + c->proto->nopts && used + 1 < len; i++) {
        const char *key;
        if (i < NGENERIC) {
            if (!(c->scheme->line_opts & generic[i].flag) || !(generic[i].cls & what))
                continue;
            key = generic[i].key;
        } else {
            const struct mtr_opt *o = &c->proto->opts[i - NGENERIC];
            if (!applies(c, o) || !(o->cls & what))
                continue;
            key = o->key;
        }
        int k = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", key);
        if (k < 0)
            break;
        used += (size_t)k;
    }
}

int mtr_conn_parse_options(const char *p, struct mtr_conn *c, unsigned what, char *err, size_t len)
{
    unsigned seen = 0, pseen = 0;
    if (!p)
        return METER_OK;
    while (*p) {
        const char *amp = strchr(p, '&');
        size_t n = amp ? (size_t)(amp - p) : strlen(p);
        const char *eq = memchr(p, '=', n);
        if (n == 0)
            return mtr_err(err, len, METER_ECONNSTR, "empty option (a stray '&') in '%s'", p);
        if (!eq || eq == p)
            return mtr_err(err, len, METER_ECONNSTR, "option '%.*s' is not of the form key=value",
                           (int)n, p);
        size_t kn = (size_t)(eq - p);
        const char *v = eq + 1;
        size_t vn = n - kn - 1;
        struct found f;
        int known = find_option(c, p, kn, &f);
        if (!known || !(f.cls & what)) {
            char keys[300];
            list_keys(c, what, keys, sizeof keys);
            if (known)
                return mtr_err(err, len, METER_EOPTION,
                               "option '%.*s' belongs to the %s, not here (allowed here: %s)",
                               (int)kn, p, (f.cls & MTR_CONN_LINE) ? "bus" : "meter", keys);
            return mtr_err(err, len, METER_EOPTION, "unknown option '%.*s' for %s: (known: %s)",
                           (int)kn, p, c->scheme->name, keys);
        }
        if (vn == 0)
            return mtr_err(err, len, METER_EOPTION, "option '%s' has no value (%s)", f.key,
                           f.g ? f.g->help : f.p->help);
        if (f.g ? (seen & f.g->flag) : (pseen & f.p->flag))
            return mtr_err(err, len, METER_EOPTION, "option '%s' is given twice", f.key);
        if (f.g)
            seen |= f.g->flag;
        else
            pseen |= f.p->flag;
        int rc = f.g ? set_generic(c, f.g, v, vn, err, len) : set_protocol(c, f.p, v, vn, err, len);
        if (rc != METER_OK)
            return rc;
        p += n + (amp ? 1 : 0);
        if (amp && !*p)
            return mtr_err(err, len, METER_ECONNSTR, "connection string ends with '&'");
    }
    return METER_OK;
}

static int parse_host_port(const char *t, size_t n, const struct mtr_scheme *sr,
                           struct mtr_conn *c, unsigned what, char *err, size_t len)
{
    const char *host = t, *colon = NULL;
    size_t hn;
    if (n && t[0] == '[') {
        const char *close = memchr(t, ']', n);
        if (!close)
            return mtr_err(err, len, METER_ECONNSTR, "missing ']' after IPv6 address in '%.*s'",
                           (int)n, t);
        host = t + 1;
        hn = (size_t)(close - host);
        if (close + 1 < t + n) {
            if (close[1] != ':')
                return mtr_err(err, len, METER_ECONNSTR, "expected ':port' after ']' in '%.*s'",
                               (int)n, t);
            colon = close + 1;
        }
    } else {
        colon = memchr(t, ':', n);
        hn = colon ? (size_t)(colon - t) : n;
        if (colon && memchr(colon + 1, ':', n - hn - 1))
            return mtr_err(err, len, METER_ECONNSTR,
                           "too many ':' in '%.*s' (write an IPv6 address as [addr]:port)", (int)n,
                           t);
    }
    if (hn == 0)
        return mtr_err(err, len, METER_ECONNSTR, "missing host in '%s:%.*s'", sr->name, (int)n, t);
    if (hn >= sizeof c->host)
        return mtr_err(err, len, METER_ECONNSTR, "host name too long");
    for (size_t i = 0; i < hn; i++)
        if (isspace((unsigned char)host[i]) || host[i] == '/' || host[i] == '@')
            return mtr_err(err, len, METER_ECONNSTR, "bad character in host '%.*s'", (int)hn, host);
    memcpy(c->host, host, hn);
    c->host[hn] = '\0';
    if (colon) {
        long port;
        size_t pn = (size_t)((t + n) - (colon + 1));
        long lowest = what == MTR_CONN_LISTEN ? 0 : 1;
        if (parse_uint(colon + 1, pn, &port) < 0 || port < lowest || port > 65535)
            return mtr_err(err, len, METER_ECONNSTR, "bad port '%.*s' (%ld to 65535)", (int)pn,
                           colon + 1, lowest);
        c->port = (unsigned)port;
    } else if (sr->default_port) {
        c->port = sr->default_port;
    } else {
        return mtr_err(err, len, METER_ECONNSTR, "missing ':port' after host '%s'", c->host);
    }
    return METER_OK;
}

int mtr_conn_parse(const char *s, struct mtr_conn *c, unsigned what, char *err, size_t len)
{
    memset(c, 0, sizeof *c);
    if (!s || !*s)
        return mtr_err(err, len, METER_ECONNSTR, "empty connection string");
    const char *colon = strchr(s, ':');
    if (!colon) {
        return mtr_err(err, len, METER_ECONNSTR,
                       "'%s' has no scheme (expected e.g. rtu:/dev/ttyUSB0 or tcp:host:port)", s);
    }
    const struct mtr_scheme *sr = NULL;
    size_t sn = (size_t)(colon - s);
    for (size_t k = 0; mtr_protocols[k]; k++)
        for (size_t i = 0; i < mtr_protocols[k]->nschemes; i++) {
            const struct mtr_scheme *x = &mtr_protocols[k]->schemes[i];
            if (strlen(x->name) == sn && memcmp(x->name, s, sn) == 0) {
                sr = x;
                c->proto = mtr_protocols[k];
            }
        }
    if (!sr) {
        char known[200] = "";
        size_t used = 0;
        for (size_t k = 0; mtr_protocols[k]; k++)
            for (size_t i = 0; i < mtr_protocols[k]->nschemes && used < sizeof known; i++)
                used += (size_t)snprintf(known + used, sizeof known - used, "%s%s",
                                         used ? ", " : "", mtr_protocols[k]->schemes[i].name);
        return mtr_err(err, len, METER_ECONNSTR, "unknown scheme '%.*s' (known: %s)", (int)sn, s,
                       known);
    }
    c->scheme = sr;
    const char *target = colon + 1;
    const char *q = strchr(target, '?');
    size_t tn = q ? (size_t)(q - target) : strlen(target);
    if (tn == 0)
        return mtr_err(err, len, METER_ECONNSTR, "missing %s after '%s:'",
                       sr->serial ? "device path" : "host", sr->name);
    if (sr->serial) {
        if (tn >= sizeof c->path)
            return mtr_err(err, len, METER_ECONNSTR, "device path too long");
        memcpy(c->path, target, tn);
        c->path[tn] = '\0';
    } else {
        int rc = parse_host_port(target, tn, sr, c, what, err, len);
        if (rc != METER_OK)
            return rc;
    }
    if (q) {
        if (!q[1])
            return mtr_err(err, len, METER_ECONNSTR, "nothing after '?' in '%s'", s);
        return mtr_conn_parse_options(q + 1, c, what, err, len);
    }
    return METER_OK;
}
