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

struct scheme_row {
    const char *name;
    enum mtr_scheme scheme;
    enum mtr_proto proto;
    int serial;            /* target is a device path (else host:port) */
    unsigned default_port; /* 0: the port must be given */
};

static const struct scheme_row schemes[] = {
    {"rtu", MTR_SCHEME_RTU, MTR_PROTO_MODBUS, 1, 0},
    {"tcp", MTR_SCHEME_TCP, MTR_PROTO_MODBUS, 0, 502},
    {"mbus", MTR_SCHEME_MBUS, MTR_PROTO_MBUS, 1, 0},
    {"mbus-tcp", MTR_SCHEME_MBUS_TCP, MTR_PROTO_MBUS, 0, 0},
    {"iec", MTR_SCHEME_IEC, MTR_PROTO_IEC, 1, 0},
    {"iec-tcp", MTR_SCHEME_IEC_TCP, MTR_PROTO_IEC, 0, 0},
};

#define NSCHEMES (sizeof schemes / sizeof schemes[0])

static const struct scheme_row *scheme_by_id(enum mtr_scheme s)
{
    for (size_t i = 0; i < NSCHEMES; i++)
        if (schemes[i].scheme == s)
            return &schemes[i];
    return NULL;
}

enum mtr_proto mtr_scheme_proto(enum mtr_scheme s)
{
    const struct scheme_row *r = scheme_by_id(s);
    return r ? r->proto : MTR_PROTO_NONE;
}

const char *mtr_scheme_name(enum mtr_scheme s)
{
    const struct scheme_row *r = scheme_by_id(s);
    return r ? r->name : "?";
}

/* ---- options ---------------------------------------------------------- */

enum opt_kind { OPT_UINT, OPT_PARITY, OPT_BOOL, OPT_WORDS, OPT_TEXT, OPT_ECHO, OPT_BCC, OPT_SELECT };

struct opt_row {
    const char *key;
    unsigned cls;     /* MTR_CONN_LINE or MTR_CONN_METER */
    unsigned schemes; /* bit per enum mtr_scheme */
    enum opt_kind kind;
    unsigned flag; /* MTR_SET_* */
    long min, max;
    const char *help;
};

#define S(x) (1u << (x))
#define SERIAL_MODBUS S(MTR_SCHEME_RTU)
#define ALL_MODBUS (S(MTR_SCHEME_RTU) | S(MTR_SCHEME_TCP))
#define ALL_MBUS (S(MTR_SCHEME_MBUS) | S(MTR_SCHEME_MBUS_TCP))
#define ALL_IEC (S(MTR_SCHEME_IEC) | S(MTR_SCHEME_IEC_TCP))
#define ALL_SERIAL (S(MTR_SCHEME_RTU) | S(MTR_SCHEME_MBUS) | S(MTR_SCHEME_IEC))

static const struct opt_row options[] = {
    {"baud", MTR_CONN_LINE, ALL_SERIAL, OPT_UINT, MTR_SET_BAUD, 300, 115200,
     "300, 600, 1200, 2400, 4800, 9600, 19200, 38400, 57600 or 115200"},
    {"parity", MTR_CONN_LINE, SERIAL_MODBUS, OPT_PARITY, MTR_SET_PARITY, 0, 0, "N, E or O"},
    {"data", MTR_CONN_LINE, SERIAL_MODBUS, OPT_UINT, MTR_SET_DATA, 7, 8, "7 or 8"},
    {"stop", MTR_CONN_LINE, SERIAL_MODBUS, OPT_UINT, MTR_SET_STOP, 1, 2, "1 or 2"},
    {"rs485", MTR_CONN_LINE, SERIAL_MODBUS, OPT_BOOL, MTR_SET_RS485, 0, 1, "0 or 1"},
    {"id", MTR_CONN_METER, ALL_MODBUS, OPT_UINT, MTR_SET_ID, 1, 247, "1 to 247"},
    {"timeout", MTR_CONN_LINE | MTR_CONN_METER, ALL_MODBUS | ALL_MBUS | ALL_IEC, OPT_UINT,
     MTR_SET_TIMEOUT, 1, 60000, "milliseconds, 1 to 60000"},
    {"retries", MTR_CONN_LINE | MTR_CONN_METER, ALL_MODBUS | ALL_MBUS | ALL_IEC, OPT_UINT,
     MTR_SET_RETRIES, 0, 10, "0 to 10"},
    {"words", MTR_CONN_METER, ALL_MODBUS, OPT_WORDS, MTR_SET_WORDS, 0, 0, "abcd or cdab"},
    {"max_regs", MTR_CONN_METER, ALL_MODBUS, OPT_UINT, MTR_SET_MAXREGS, 1, 125, "1 to 125"},
    /* M-Bus */
    {"addr", MTR_CONN_METER, ALL_MBUS, OPT_UINT, MTR_SET_ID, 0, 254,
     "a primary address 0 to 250, or 254 for the only meter on the bus"},
    {"secondary", MTR_CONN_METER, ALL_MBUS, OPT_TEXT, MTR_SET_SECONDARY, 8, 16,
     "8 id digits, or 16 hex digits IIIIIIIIMMMMVVDD; F or FF are wildcards"},
    {"select_c", MTR_CONN_METER, ALL_MBUS, OPT_SELECT, MTR_SET_SELECT_C, 0, 0, "53 or 73"},
    {"telegrams", MTR_CONN_METER, ALL_MBUS, OPT_UINT, MTR_SET_TELEGRAMS, 1, 64,
     "1 to 64 telegrams per read"},
    {"echo", MTR_CONN_LINE, ALL_MBUS | ALL_IEC, OPT_ECHO, MTR_SET_ECHO, 0, 0, "auto, on or off"},
    /* IEC 62056-21 */
    {"device", MTR_CONN_METER, ALL_IEC, OPT_TEXT, MTR_SET_DEVADDR, 1, 32,
     "the device address for the sign-on, 1 to 32 characters"},
    {"password", MTR_CONN_METER, ALL_IEC, OPT_TEXT, MTR_SET_PASSWORD, 1, 32,
     "the programming-mode password, 1 to 32 characters"},
    {"wakeup", MTR_CONN_METER, ALL_IEC, OPT_BOOL, MTR_SET_WAKEUP, 0, 1, "0 or 1"},
    {"delay", MTR_CONN_METER, ALL_IEC, OPT_UINT, MTR_SET_DELAY, 0, 2000,
     "milliseconds before the baud switch, 0 to 2000"},
    {"dtr", MTR_CONN_LINE, S(MTR_SCHEME_IEC), OPT_BOOL, MTR_SET_DTR, 0, 1, "0 or 1"},
    {"rts", MTR_CONN_LINE, S(MTR_SCHEME_IEC), OPT_BOOL, MTR_SET_RTS, 0, 1, "0 or 1"},
    {"bcc", MTR_CONN_METER, ALL_IEC, OPT_BCC, MTR_SET_BCC, 0, 0, "xor, sum7 or none"},
    {"max_baud", MTR_CONN_METER, ALL_IEC, OPT_UINT, MTR_SET_MAXBAUD, 300, 115200,
     "300 to 115200"},
};

#define NOPTIONS (sizeof options / sizeof options[0])

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

static int set_option(struct mtr_conn *c, const struct opt_row *o, const char *v, size_t vn,
                      char *err, size_t len)
{
    long x = 0;
    switch (o->kind) {
    case OPT_UINT:
        if (parse_uint(v, vn, &x) < 0 || x < o->min || x > o->max)
            goto bad;
        break;
    case OPT_BOOL:
        if (vn == 1 && (v[0] == '0' || v[0] == '1'))
            x = v[0] - '0';
        else
            goto bad;
        break;
    case OPT_PARITY:
        if (str_ieq(v, vn, "n") || str_ieq(v, vn, "none"))
            x = 'N';
        else if (str_ieq(v, vn, "e") || str_ieq(v, vn, "even"))
            x = 'E';
        else if (str_ieq(v, vn, "o") || str_ieq(v, vn, "odd"))
            x = 'O';
        else
            goto bad;
        break;
    case OPT_TEXT:
        if ((long)vn < o->min || (long)vn > o->max)
            goto bad;
        for (size_t i = 0; i < vn; i++)
            if (!isgraph((unsigned char)v[i]) || v[i] == '!' || v[i] == '?')
                return mtr_err(err, len, METER_EOPTION, "bad character in option '%s' ('%.*s')",
                               o->key, (int)vn, v);
        break;
    case OPT_ECHO:
        if (str_ieq(v, vn, "auto"))
            x = MTR_ECHO_AUTO;
        else if (str_ieq(v, vn, "on"))
            x = MTR_ECHO_ON;
        else if (str_ieq(v, vn, "off"))
            x = MTR_ECHO_OFF;
        else
            goto bad;
        break;
    case OPT_BCC:
        if (str_ieq(v, vn, "xor"))
            x = MTR_BCC_XOR;
        else if (str_ieq(v, vn, "sum7"))
            x = MTR_BCC_SUM7;
        else if (str_ieq(v, vn, "none"))
            x = MTR_BCC_NONE;
        else
            goto bad;
        break;
    case OPT_SELECT:
        if (str_ieq(v, vn, "53") || str_ieq(v, vn, "0x53"))
            x = 0x53;
        else if (str_ieq(v, vn, "73") || str_ieq(v, vn, "0x73"))
            x = 0x73;
        else
            goto bad;
        break;
    case OPT_WORDS:
        if (str_ieq(v, vn, "abcd"))
            x = MTR_WORDS_ABCD;
        else if (str_ieq(v, vn, "cdab"))
            x = MTR_WORDS_CDAB;
        else
            goto bad;
        break;
    }
    switch (o->flag) {
    case MTR_SET_BAUD: {
        int ok = 0;
        for (size_t i = 0; i < sizeof std_bauds / sizeof std_bauds[0]; i++)
            ok |= (unsigned long)x == std_bauds[i];
        if (!ok)
            goto bad;
        c->baud = (unsigned)x;
        break;
    }
    case MTR_SET_PARITY: c->parity = (char)x; break;
    case MTR_SET_DATA: c->data_bits = (unsigned)x; break;
    case MTR_SET_STOP: c->stop_bits = (unsigned)x; break;
    case MTR_SET_RS485: c->rs485 = (int)x; break;
    case MTR_SET_ID: c->id = (int)x; break;
    case MTR_SET_TIMEOUT: c->timeout_ms = (unsigned)x; break;
    case MTR_SET_RETRIES: c->retries = (unsigned)x; break;
    case MTR_SET_WORDS: c->word_order = (int)x; break;
    case MTR_SET_MAXREGS: c->max_regs = (unsigned)x; break;
    case MTR_SET_SECONDARY: memcpy(c->secondary, v, vn); c->secondary[vn] = '\0'; break;
    case MTR_SET_SELECT_C: c->select_c = (unsigned)x; break;
    case MTR_SET_TELEGRAMS: c->max_telegrams = (unsigned)x; break;
    case MTR_SET_ECHO: c->echo = (int)x; break;
    case MTR_SET_DEVADDR: memcpy(c->devaddr, v, vn); c->devaddr[vn] = '\0'; break;
    case MTR_SET_PASSWORD: memcpy(c->password, v, vn); c->password[vn] = '\0'; break;
    case MTR_SET_WAKEUP: c->wakeup = (int)x; break;
    case MTR_SET_DELAY: c->delay_ms = (unsigned)x; break;
    case MTR_SET_DTR: c->dtr = (int)x; break;
    case MTR_SET_RTS: c->rts = (int)x; break;
    case MTR_SET_BCC: c->bcc = (int)x; break;
    case MTR_SET_MAXBAUD: c->max_baud = (unsigned)x; break;
    default: break;
    }
    c->set |= o->flag;
    return METER_OK;
bad:
    return mtr_err(err, len, METER_EOPTION, "bad value '%.*s' for option '%s' (%s)", (int)vn, v,
                   o->key, o->help);
}

static void list_keys(const struct mtr_conn *c, unsigned what, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < NOPTIONS && used + 1 < len; i++) {
        if (!(options[i].schemes & S(c->scheme)) || !(options[i].cls & what))
            continue;
        int k = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", options[i].key);
        if (k < 0)
            break;
        used += (size_t)k;
    }
}

int mtr_conn_parse_options(const char *p, struct mtr_conn *c, unsigned what, char *err, size_t len)
{
    unsigned seen = 0;
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
        const struct opt_row *o = NULL;
        for (size_t i = 0; i < NOPTIONS; i++)
            if (strlen(options[i].key) == kn && memcmp(options[i].key, p, kn) == 0 &&
                (options[i].schemes & S(c->scheme)))
                o = &options[i];
        if (!o || !(o->cls & what)) {
            char keys[200];
            list_keys(c, what, keys, sizeof keys);
            if (o)
                return mtr_err(err, len, METER_EOPTION,
                               "option '%.*s' belongs to the %s, not here (allowed here: %s)",
                               (int)kn, p, (o->cls & MTR_CONN_LINE) ? "bus" : "meter", keys);
            return mtr_err(err, len, METER_EOPTION, "unknown option '%.*s' for %s: (known: %s)",
                           (int)kn, p, mtr_scheme_name(c->scheme), keys);
        }
        if (vn == 0)
            return mtr_err(err, len, METER_EOPTION, "option '%s' has no value (%s)", o->key,
                           o->help);
        if (seen & o->flag)
            return mtr_err(err, len, METER_EOPTION, "option '%s' is given twice", o->key);
        seen |= o->flag;
        int rc = set_option(c, o, v, vn, err, len);
        if (rc != METER_OK)
            return rc;
        p += n + (amp ? 1 : 0);
        if (amp && !*p)
            return mtr_err(err, len, METER_ECONNSTR, "connection string ends with '&'");
    }
    return METER_OK;
}

static int parse_host_port(const char *t, size_t n, const struct scheme_row *sr,
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
    c->dtr = c->rts = -1;
    if (!s || !*s)
        return mtr_err(err, len, METER_ECONNSTR, "empty connection string");
    const char *colon = strchr(s, ':');
    if (!colon) {
        return mtr_err(err, len, METER_ECONNSTR,
                       "'%s' has no scheme (expected e.g. rtu:/dev/ttyUSB0 or tcp:host:port)", s);
    }
    const struct scheme_row *sr = NULL;
    size_t sn = (size_t)(colon - s);
    for (size_t i = 0; i < NSCHEMES; i++)
        if (strlen(schemes[i].name) == sn && memcmp(schemes[i].name, s, sn) == 0)
            sr = &schemes[i];
    if (!sr) {
        char known[100] = "";
        size_t used = 0;
        for (size_t i = 0; i < NSCHEMES; i++)
            used += (size_t)snprintf(known + used, sizeof known - used, "%s%s", i ? ", " : "",
                                     schemes[i].name);
        return mtr_err(err, len, METER_ECONNSTR, "unknown scheme '%.*s' (known: %s)", (int)sn, s,
                       known);
    }
    c->scheme = sr->scheme;
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
