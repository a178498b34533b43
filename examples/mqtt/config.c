/* SPDX-License-Identifier: MIT */
/* meter-mqtt's configuration (docs/mqtt.md), read with inih (Debian's
 * libinih): sections, "key = value" lines, whole-line '#' and ';' comments,
 * inline comments after " ;". What inih does silently (split lines over 199
 * bytes, cut section names at 49 characters, join indented lines to the value
 * above) is refused or undone by the line reader here; every error names the
 * file, the line and what was expected. */
#include "config.h"

#include <ctype.h>
#include <ini.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "jsonout.h"
#include "models.h"

struct parser {
    struct mq_config *cfg;
    const char *file;
    int line;
    char *err;
    size_t errlen;
    struct mq_meter_cfg *meter; /* the section being read; NULL in [mqtt] */
    int in_mqtt;
    unsigned seen;              /* keys seen in this section (bit per key) */
    int failed;                 /* an error is in err: ignore the rest */
    int check_quantities;       /* check each meter's quantities against its model */
    const char *text, *next;    /* the reader's position */
    char section_name[64];      /* the section inih is in, as it reported it */
};

static int fail(struct parser *p, int line, const char *fmt, ...)
{
    char msg[MQ_TEXT_MAX * 2];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (p->failed)
        return -1; /* the first error stands */
    p->failed = 1;
    if (line > 0)
        snprintf(p->err, p->errlen, "%s:%d: %s", p->file, line, msg);
    else
        snprintf(p->err, p->errlen, "%s: %s", p->file, msg);
    return -1;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = 0;
    return s;
}

static int valid_name(const char *s)
{
    if (!*s || strlen(s) >= MQ_NAME_MAX)
        return 0;
    for (; *s; s++)
        if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '_' && *s != '-')
            return 0;
    return 1;
}

/* a topic part or an id as the payloads quote it: valid UTF-8 without control
 * characters (MQTT topics are UTF-8; jo_utf8() would change anything else, and the
 * discovery config's state_topic would then name no topic that is published) */
static int clean_text(const char *v)
{
    char *t = jo_utf8(v, JO_TEXT_UTF8);
    int ok = t && !strcmp(t, v);
    free(t);
    return ok;
}

static int copy(struct parser *p, char *dst, size_t cap, const char *key, const char *v)
{
    if (strlen(v) >= cap)
        return fail(p, p->line, "%s is too long (at most %zu characters)", key, cap - 1);
    strcpy(dst, v);
    return 0;
}

static int parse_long(struct parser *p, const char *key, const char *v, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (!*v || *end || errno || n < lo || n > hi)
        return fail(p, p->line, "bad %s '%s' (a whole number, %ld to %ld)", key, v, lo, hi);
    *out = n;
    return 0;
}

static int parse_duration(struct parser *p, const char *key, const char *v, long lo, long hi, long *out)
{
    if (clk_parse_duration(v, lo, hi, out) < 0)
        return fail(p, p->line, "bad %s '%s' (%ldms to %lds, e.g. 10s or 500ms)", key, v, lo, hi / 1000);
    return 0;
}

static int parse_quantities(struct parser *p, const char *v)
{
    struct mq_meter_cfg *m = p->meter;
    if (!strcmp(v, "all"))
        return 0;
    size_t cap = 1;
    for (const char *s = v; *s; s++)
        cap += *s == ',';
    m->quantities = calloc(cap, sizeof *m->quantities);
    char *list = strdup(v);
    if (!m->quantities || !list) {
        free(list);
        return fail(p, p->line, "out of memory");
    }
    for (char *save = NULL, *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        tok = trim(tok);
        if (meter_quantity_from_name(tok, &m->quantities[m->nquantities]) != METER_OK) {
            fail(p, p->line, "unknown quantity '%s' (see: meter quantities)", tok);
            free(list);
            return -1;
        }
        m->nquantities++;
    }
    free(list);
    if (!m->nquantities)
        return fail(p, p->line, "quantities names none (a list, or 'all')");
    return 0;
}

/* The connection string's shape, checked without opening anything: a scheme
 * for the model's protocol, a target, options of the form key=value with keys
 * the scheme knows (docs/connection-strings.md). The values are checked by the
 * library when the bus opens (it has no call that checks without opening). */
/* the connection string as the library reads it, without opening anything; the
 * model too when it is known (an unknown model is reported on its own line) */
static int check_connection(struct parser *p, const char *model, const char *conn, int line)
{
    char err[256];
    const meter_model_info_t *mi = mdl_find(model);
    if (meter_connection_check(mi ? mi->name : NULL, conn, err, sizeof err) != METER_OK)
        return fail(p, line, "bad connection '%s': %s", conn, err);
    return 0;
}

static int known_model(const char *name)
{
    for (size_t i = 0; i < meter_model_count(); i++) {
        const meter_model_info_t *mi = meter_model_info(i);
        if (!strcmp(mi->name, name))
            return 1;
        size_t n = strlen(name);
        for (const char *a = mi->aliases; a && *a;) {
            const char *comma = strchr(a, ',');
            size_t len = comma ? (size_t)(comma - a) : strlen(a);
            if (len == n && !strncmp(a, name, n))
                return 1;
            a = comma ? comma + 1 : "";
        }
    }
    return 0;
}

static const char *const mqtt_keys[] = {"host", "port", "prefix", "client_id", "discovery_prefix",
                                        "queue", "keepalive", "reconnect_min", "reconnect_max", NULL};
static const char *const meter_keys[] = {"model", "connection", "interval", "quantities", NULL};

static int key_index(const char *const *keys, const char *key)
{
    for (int i = 0; keys[i]; i++)
        if (!strcmp(keys[i], key))
            return i;
    return -1;
}

static int set_mqtt(struct parser *p, int k, const char *v)
{
    struct mq_config *c = p->cfg;
    long n = 0;
    switch (k) {
    case 0:
        if (!*v)
            return fail(p, p->line, "host is empty (a name or address of the MQTT broker)");
        return copy(p, c->host, sizeof c->host, "host", v);
    case 1:
        if (parse_long(p, "port", v, 1, 65535, &n) < 0)
            return -1;
        c->port = (int)n;
        return 0;
    case 2:
        if (!*v || strpbrk(v, "#+"))
            return fail(p, p->line, "bad prefix '%s' (a topic without # or +)", v);
        if (!clean_text(v))
            return fail(p, p->line, "bad prefix (not UTF-8, or a control character in it)");
        return copy(p, c->prefix, sizeof c->prefix, "prefix", v);
    case 3:
        if (!*v || !clean_text(v))
            return fail(p, p->line, "bad client_id (empty, not UTF-8, or a control character in it)");
        return copy(p, c->client_id, sizeof c->client_id, "client_id", v);
    case 4:
        if (strpbrk(v, "#+"))
            return fail(p, p->line, "bad discovery_prefix '%s' (a topic without # or +)", v);
        if (!clean_text(v))
            return fail(p, p->line, "bad discovery_prefix (not UTF-8, or a control character in it)");
        return copy(p, c->discovery_prefix, sizeof c->discovery_prefix, "discovery_prefix", v);
    case 5:
        if (parse_long(p, "queue", v, 1, 10000000, &n) < 0)
            return -1;
        c->queue_max = (size_t)n;
        return 0;
    case 6:
        if (parse_long(p, "keepalive", v, 5, 3600, &n) < 0)
            return -1;
        c->keepalive = (int)n;
        return 0;
    case 7: return parse_duration(p, "reconnect_min", v, 10, 3600000, &c->reconnect_min_ms);
    default: return parse_duration(p, "reconnect_max", v, 10, 3600000, &c->reconnect_max_ms);
    }
}

static int set_meter(struct parser *p, int k, const char *v)
{
    struct mq_meter_cfg *m = p->meter;
    switch (k) {
    case 0:
        if (!known_model(v))
            return fail(p, p->line, "unknown model '%s' (see: meter models)", v);
        return copy(p, m->model, sizeof m->model, "model", v);
    case 1:
        if (!strchr(v, ':'))
            return fail(p, p->line, "bad connection '%s' (e.g. rtu:/dev/ttyUSB0?id=1 or tcp:10.0.0.7:502?id=3)", v);
        m->connection_line = p->line;
        return copy(p, m->connection, sizeof m->connection, "connection", v);
    case 2: return parse_duration(p, "interval", v, 100, 86400000, &m->interval_ms);
    default:
        m->quantities_line = p->line;
        return parse_quantities(p, v);
    }
}

static int finish_meter(struct parser *p)
{
    struct mq_meter_cfg *m = p->meter;
    if (!m)
        return 0;
    if (!m->model[0])
        return fail(p, m->line, "[meter %s] has no model", m->name);
    if (!m->connection[0])
        return fail(p, m->line, "[meter %s] has no connection", m->name);
    if (check_connection(p, m->model, m->connection, m->connection_line) < 0)
        return -1;
    if (m->quantities && p->check_quantities) { /* each against the model */
        meter_quantity_t *has;
        size_t n;
        char err[256];
        if (mdl_quantities(m->model, &has, &n, err, sizeof err) < 0)
            return fail(p, m->line, "[meter %s]: %s", m->name, err);
        for (size_t i = 0; i < m->nquantities; i++) {
            size_t k = 0;
            while (k < n && has[k] != m->quantities[i])
                k++;
            if (k == n) {
                free(has);
                return fail(p, m->quantities_line, "%s has no quantity '%s' (see: meter quantities -m %s)",
                            m->model, meter_quantity_info(m->quantities[i])->name, m->model);
            }
        }
        free(has);
    }
    return 0;
}

static int section(struct parser *p, char *s)
{
    s = trim(s);
    if (finish_meter(p) < 0)
        return -1;
    p->meter = NULL;
    p->in_mqtt = 0;
    p->seen = 0;
    if (!strcmp(s, "mqtt")) {
        p->in_mqtt = 1;
        return 0;
    }
    if (strncmp(s, "meter", 5) != 0 || !isspace((unsigned char)s[5]))
        return fail(p, p->line, "unknown section [%s] (known: [mqtt], [meter NAME])", s);
    char *name = trim(s + 5);
    if (!valid_name(name))
        return fail(p, p->line, "bad meter name '%s' (lower-case letters, digits, '_' and '-')", name);
    struct mq_config *c = p->cfg;
    for (size_t i = 0; i < c->nmeters; i++)
        if (!strcmp(c->meters[i].name, name))
            return fail(p, p->line, "meter '%s' is defined twice (first at line %d)", name, c->meters[i].line);
    struct mq_meter_cfg *bigger = realloc(c->meters, (c->nmeters + 1) * sizeof *bigger);
    if (!bigger)
        return fail(p, p->line, "out of memory");
    c->meters = bigger;
    p->meter = &c->meters[c->nmeters++];
    memset(p->meter, 0, sizeof *p->meter);
    strcpy(p->meter->name, name);
    p->meter->interval_ms = 10000;
    p->meter->line = p->line;
    return 0;
}

static int keyvalue(struct parser *p, const char *key, const char *value)
{
    if (!p->in_mqtt && !p->meter)
        return fail(p, p->line, "'%s' outside a section (start with [mqtt] or [meter NAME])", key);
    const char *const *keys = p->in_mqtt ? mqtt_keys : meter_keys;
    int k = key_index(keys, key);
    if (k < 0)
        return fail(p, p->line, p->in_mqtt ? "unknown key '%s' in [mqtt] (known: host, port, prefix, client_id, "
                                             "discovery_prefix, queue, keepalive, reconnect_min, reconnect_max)"
                                           : "unknown key '%s' in [meter] (known: model, connection, interval, "
                                             "quantities)",
                    key);
    if (p->seen & (1u << k))
        return fail(p, p->line, "'%s' given twice in this section", key);
    p->seen |= 1u << k;
    for (const char *h = strchr(value, '#'); h; h = strchr(h + 1, '#'))
        if (h > value && isspace((unsigned char)h[-1]))
            return fail(p, p->line, "'#' inside the value of '%s': comments after a value start with ';'", key);
    return p->in_mqtt ? set_mqtt(p, k, value) : set_meter(p, k, value);
}

/* inih's line source: one line a call, counted; leading blanks dropped (so an
 * indented line is never joined to the value above); a line longer than inih's
 * buffer, or a section name longer than it keeps, is an error, never cut. A
 * section header is handled here too, so an empty section is seen. */
static char *reader(char *str, int num, void *stream)
{
    struct parser *p = stream;
    if (p->failed || !*p->next)
        return NULL;
    const char *s = p->next, *nl = strchr(s, '\n');
    size_t len = nl ? (size_t)(nl - s) : strlen(s);
    p->next = s + len + (nl ? 1 : 0);
    p->line++;
    while (len && (*s == ' ' || *s == '\t'))
        s++, len--;
    if (len + 2 > (size_t)num) {
        fail(p, p->line, "line too long (at most %d characters)", num - 2);
        return NULL;
    }
    memcpy(str, s, len);
    str[len] = '\n';
    str[len + 1] = '\0';
    if (*str == '[') {
        char *close = strchr(str, ']');
        if (!close || (close[1] != '\n' && close[1] != '\r' && !isspace((unsigned char)close[1]) && close[1] != ';')) {
            fail(p, p->line, "expected '[mqtt]' or '[meter NAME]'");
            return NULL;
        }
        char *rest = close + 1;
        while (isspace((unsigned char)*rest))
            rest++;
        if (*rest && *rest != ';' && *rest != '#') {
            fail(p, p->line, "expected '[mqtt]' or '[meter NAME]' (then only a comment)");
            return NULL;
        }
        if ((size_t)(close - str - 1) >= sizeof p->section_name) {
            fail(p, p->line, "section name too long (at most %zu characters)", sizeof p->section_name - 1);
            return NULL;
        }
        char name[sizeof p->section_name];
        snprintf(name, sizeof name, "%.*s", (int)(close - str - 1), str + 1);
        if (section(p, name) < 0)
            return NULL;
        snprintf(p->section_name, sizeof p->section_name, "%s", trim(name));
    }
    return str;
}

static int handler(void *user, const char *sec, const char *key, const char *value)
{
    struct parser *p = user;
    if (p->failed)
        return 0;
    (void)sec; /* the reader has seen the header already (inih cuts long names) */
    return keyvalue(p, key, value) == 0;
}

int mq_config_parse(struct mq_config *cfg, const char *file, const char *text, char *err, size_t errlen)
{
    int checkq = cfg->check_quantities;
    memset(cfg, 0, sizeof *cfg);
    cfg->check_quantities = checkq;
    strcpy(cfg->host, "127.0.0.1");
    cfg->port = 1883;
    strcpy(cfg->prefix, "meters");
    strcpy(cfg->client_id, "meter-mqtt");
    strcpy(cfg->discovery_prefix, "homeassistant");
    cfg->queue_max = 1000;
    cfg->keepalive = 30;
    cfg->reconnect_min_ms = 1000;
    cfg->reconnect_max_ms = 30000;
    struct parser p;
    memset(&p, 0, sizeof p);
    p.cfg = cfg;
    p.file = file;
    p.err = err;
    p.errlen = errlen;
    p.text = p.next = text;
    p.check_quantities = cfg->check_quantities;
    int rc = ini_parse_stream(reader, &p, handler, &p);
    if (p.failed) {
        rc = -1;
    } else if (rc > 0) { /* inih's own syntax error: a line without '=' */
        fail(&p, rc, "expected 'key = value'");
        rc = -1;
    } else if (rc < 0) {
        fail(&p, 0, "out of memory");
    }
    if (rc == 0)
        rc = finish_meter(&p);
    if (rc == 0 && !cfg->nmeters)
        rc = fail(&p, 0, "no [meter NAME] section");
    if (rc == 0 && cfg->reconnect_min_ms > cfg->reconnect_max_ms)
        rc = fail(&p, 0, "reconnect_min is above reconnect_max");
    if (rc != 0)
        mq_config_free(cfg);
    return rc;
}

int mq_config_load(struct mq_config *cfg, const char *path, char *err, size_t errlen)
{
    int checkq = cfg->check_quantities;
    memset(cfg, 0, sizeof *cfg);
    cfg->check_quantities = checkq;
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    size_t cap = 4096, n = 0;
    char *text = malloc(cap);
    while (text) {
        n += fread(text + n, 1, cap - n - 1, f);
        if (n < cap - 1)
            break;
        char *bigger = realloc(text, cap * 2);
        if (!bigger) {
            free(text);
            text = NULL;
            break;
        }
        text = bigger;
        cap *= 2;
    }
    fclose(f);
    if (!text) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    text[n] = 0;
    int rc = mq_config_parse(cfg, path, text, err, errlen);
    free(text);
    return rc;
}

void mq_config_free(struct mq_config *cfg)
{
    for (size_t i = 0; i < cfg->nmeters; i++)
        free(cfg->meters[i].quantities);
    free(cfg->meters);
    cfg->meters = NULL;
    cfg->nmeters = 0;
}
