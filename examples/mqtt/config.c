/* SPDX-License-Identifier: MIT */
/* The hand-written parser of meter-mqtt's configuration (see
 * docs/mqtt.md): sections, "key = value" lines, '#' and ';' comments; each
 * error names the file, the line and what was expected. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"

struct parser {
    struct mq_config *cfg;
    const char *file;
    int line;
    char *err;
    size_t errlen;
    struct mq_meter_cfg *meter; /* the section being read; NULL in [mqtt] */
    int in_mqtt;
    unsigned seen;              /* keys seen in this section (bit per key) */
};

static int fail(struct parser *p, int line, const char *fmt, ...)
{
    char msg[MQ_TEXT_MAX * 2];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
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
    long n;
    switch (k) {
    case 0: return copy(p, c->host, sizeof c->host, "host", v);
    case 1:
        if (parse_long(p, "port", v, 1, 65535, &n) < 0)
            return -1;
        c->port = (int)n;
        return 0;
    case 2:
        if (!*v || strpbrk(v, "#+"))
            return fail(p, p->line, "bad prefix '%s' (a topic without # or +)", v);
        return copy(p, c->prefix, sizeof c->prefix, "prefix", v);
    case 3:
        if (!*v)
            return fail(p, p->line, "client_id is empty");
        return copy(p, c->client_id, sizeof c->client_id, "client_id", v);
    case 4: return copy(p, c->discovery_prefix, sizeof c->discovery_prefix, "discovery_prefix", v);
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
        return copy(p, m->connection, sizeof m->connection, "connection", v);
    case 2: return parse_duration(p, "interval", v, 100, 86400000, &m->interval_ms);
    default: return parse_quantities(p, v);
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
    return 0;
}

static int section(struct parser *p, char *s)
{
    char *close = strchr(s, ']');
    if (!close || *trim(close + 1))
        return fail(p, p->line, "expected '[mqtt]' or '[meter NAME]'");
    *close = 0;
    s = trim(s + 1);
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

static int keyvalue(struct parser *p, char *s)
{
    char *eq = strchr(s, '=');
    if (!eq)
        return fail(p, p->line, "expected 'key = value'");
    *eq = 0;
    char *key = trim(s), *value = trim(eq + 1);
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
    return p->in_mqtt ? set_mqtt(p, k, value) : set_meter(p, k, value);
}

int mq_config_parse(struct mq_config *cfg, const char *file, const char *text, char *err, size_t errlen)
{
    memset(cfg, 0, sizeof *cfg);
    strcpy(cfg->host, "127.0.0.1");
    cfg->port = 1883;
    strcpy(cfg->prefix, "meters");
    strcpy(cfg->client_id, "meter-mqtt");
    strcpy(cfg->discovery_prefix, "homeassistant");
    cfg->queue_max = 1000;
    cfg->keepalive = 30;
    cfg->reconnect_min_ms = 1000;
    cfg->reconnect_max_ms = 30000;
    struct parser p = {cfg, file, 0, err, errlen, NULL, 0, 0};
    int rc = 0;
    const char *s = text;
    while (*s && rc == 0) {
        const char *nl = strchr(s, '\n');
        size_t len = nl ? (size_t)(nl - s) : strlen(s);
        p.line++;
        char buf[1024];
        if (len >= sizeof buf) {
            rc = fail(&p, p.line, "line too long");
            break;
        }
        memcpy(buf, s, len);
        buf[len] = 0;
        s += len + (nl ? 1 : 0);
        char *line = trim(buf);
        if (!*line || *line == '#' || *line == ';')
            continue;
        rc = *line == '[' ? section(&p, line) : keyvalue(&p, line);
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
    memset(cfg, 0, sizeof *cfg);
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
