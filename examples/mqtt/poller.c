/* SPDX-License-Identifier: MIT */
/* Bus threads of meter-mqtt. A connection string is split into the bus part
 * (scheme, target and line options: baud, parity, data, stop, rs485) and the
 * meter part (id, timeout …); a bus that cannot be opened is retried at the
 * next poll, and each failed poll is published as a state with its error. */
#include "poller.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "payload.h"

struct pmeter {
    const struct mq_meter_cfg *cfg;
    struct mq_slot *slot;
    char opts[MQ_TEXT_MAX];
    meter_t *m;
    meter_quantity_t *qs;
    size_t nq;
    meter_reading_t *r;
    unsigned long seq;
    long done;
    int64_t logged_ms;       /* when a read error was last logged */
    unsigned long unlogged;  /* errors since, not logged */
    int64_t next_ms;
};

struct pbus {
    char conn[2 * MQ_TEXT_MAX]; /* scheme:target?line-options */
    char key[MQ_TEXT_MAX];      /* scheme:target */
    char line[MQ_TEXT_MAX];
    meter_bus_t *bus;
    struct pmeter *meters;
    size_t n;
    pthread_t tid;
    int started;
    atomic_int finished;
    const struct mq_poll_env *env;
    char topic[2 * MQ_TEXT_MAX];
};

struct mq_pollers {
    struct mq_poll_env env;
    struct pbus *buses;
    size_t n;
};

static int is_line_option(const char *kv)
{
    static const char *const line[] = {"baud=", "parity=", "data=", "stop=", "rs485="};
    for (size_t i = 0; i < sizeof line / sizeof line[0]; i++)
        if (!strncmp(kv, line[i], strlen(line[i])))
            return 1;
    return 0;
}

static void append(char *dst, size_t cap, const char *kv)
{
    size_t len = strlen(dst);
    snprintf(dst + len, cap - len, "%s%s", len ? "&" : "", kv);
}

/* "rtu:/dev/ttyUSB0?baud=9600&id=3" → key "rtu:/dev/ttyUSB0", line "baud=9600", meter "id=3" */
static void split(const char *conn, char *key, char *line, char *meter)
{
    const char *q = strchr(conn, '?');
    size_t klen = q ? (size_t)(q - conn) : strlen(conn);
    snprintf(key, MQ_TEXT_MAX, "%.*s", (int)klen, conn);
    line[0] = meter[0] = 0;
    if (!q)
        return;
    char opts[MQ_TEXT_MAX];
    snprintf(opts, sizeof opts, "%s", q + 1);
    for (char *save = NULL, *kv = strtok_r(opts, "&", &save); kv; kv = strtok_r(NULL, "&", &save))
        append(is_line_option(kv) ? line : meter, MQ_TEXT_MAX, kv);
}

struct mq_pollers *mq_pollers_new(const struct mq_poll_env *env, char *err, size_t errlen)
{
    const struct mq_config *cfg = env->cfg;
    struct mq_pollers *p = calloc(1, sizeof *p);
    if (p)
        p->buses = calloc(cfg->nmeters, sizeof *p->buses);
    if (!p || !p->buses) {
        free(p);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    p->env = *env;
    for (size_t i = 0; i < cfg->nmeters; i++) {
        const struct mq_meter_cfg *mc = &cfg->meters[i];
        char key[MQ_TEXT_MAX], line[MQ_TEXT_MAX], mopts[MQ_TEXT_MAX];
        split(mc->connection, key, line, mopts);
        struct pbus *b = NULL;
        for (size_t k = 0; k < p->n; k++)
            if (!strcmp(p->buses[k].key, key))
                b = &p->buses[k];
        if (!b) {
            b = &p->buses[p->n++];
            strcpy(b->key, key);
            b->env = &p->env;
        }
        if (line[0] && b->line[0] && strcmp(line, b->line) != 0) {
            snprintf(err, errlen, "line %d: [meter %s] sets line options '%s' but another meter on %s has '%s'",
                     mc->line, mc->name, line, key, b->line);
            mq_pollers_free(p);
            return NULL;
        }
        if (line[0])
            strcpy(b->line, line);
        struct pmeter *bigger = realloc(b->meters, (b->n + 1) * sizeof *bigger);
        if (!bigger) {
            snprintf(err, errlen, "out of memory");
            mq_pollers_free(p);
            return NULL;
        }
        b->meters = bigger;
        struct pmeter *pm = &b->meters[b->n++];
        memset(pm, 0, sizeof *pm);
        pm->cfg = mc;
        pm->slot = &env->slots[i];
        strcpy(pm->opts, mopts);
    }
    for (size_t k = 0; k < p->n; k++)
        snprintf(p->buses[k].conn, sizeof p->buses[k].conn, "%s%s%s", p->buses[k].key,
                 p->buses[k].line[0] ? "?" : "", p->buses[k].line);
    return p;
}

/* The quantities a generic model's meter sent in one snapshot (a water meter's
 * volume, not the 27 electricity quantities the generic driver might map). */
static int first_read_quantities(struct pmeter *pm, char *err, size_t len)
{
    size_t cap = meter_quantities(pm->m, NULL, 0), n = 0, k = 0;
    meter_reading_t *r = calloc(cap ? cap : 1, sizeof *r);
    pm->qs = calloc(cap ? cap : 1, sizeof *pm->qs);
    if (!r || !pm->qs) {
        free(r);
        snprintf(err, len, "out of memory");
        return METER_ENOMEM;
    }
    int rc = meter_snapshot(pm->m, r, cap, &n);
    for (size_t i = 0; rc == METER_OK && i < n; i++)
        if (r[i].status == METER_OK)
            pm->qs[k++] = r[i].quantity;
    free(r);
    if (rc != METER_OK) {
        snprintf(err, len, "%s", meter_last_error(pm->m));
        free(pm->qs);
        pm->qs = NULL;
        return rc;
    }
    pm->nq = k;
    return METER_OK;
}

/* the quantities to read, kept for good: the config's list; for a generic model (any
 * M-Bus or IEC meter) what its first read provides; else everything the model has */
static int choose_quantities(struct pmeter *pm, char *err, size_t len)
{
    if (pm->qs && pm->r)
        return METER_OK;
    if (!pm->qs) {
        const meter_model_info_t *mi = meter_model_find(meter_model_name(pm->m));
        if (!pm->cfg->quantities && mi && mi->generic) {
            int rc = first_read_quantities(pm, err, len);
            if (rc != METER_OK)
                return rc;
        } else {
            pm->nq = pm->cfg->quantities ? pm->cfg->nquantities : meter_quantities(pm->m, NULL, 0);
            pm->qs = calloc(pm->nq ? pm->nq : 1, sizeof *pm->qs);
            if (!pm->qs) {
                snprintf(err, len, "out of memory");
                return METER_ENOMEM;
            }
            if (pm->cfg->quantities)
                memcpy(pm->qs, pm->cfg->quantities, pm->nq * sizeof *pm->qs);
            else
                meter_quantities(pm->m, pm->qs, pm->nq);
        }
    }
    pm->r = calloc(pm->nq ? pm->nq : 1, sizeof *pm->r);
    if (!pm->r) {
        snprintf(err, len, "out of memory");
        return METER_ENOMEM;
    }
    return METER_OK;
}

static void poll_one(struct pbus *b, struct pmeter *pm)
{
    const struct mq_poll_env *env = b->env;
    char err[256] = "";
    int rc = METER_OK;
    size_t n = 0;
    if (!b->bus && (rc = meter_bus_open(&b->bus, b->conn, err, sizeof err)) != METER_OK)
        b->bus = NULL;
    if (rc == METER_OK && !pm->m) {
        rc = meter_open_on_bus(&pm->m, b->bus, pm->cfg->model, pm->opts, err, sizeof err);
        if (rc == METER_OK)
            rc = choose_quantities(pm, err, sizeof err);
        if (rc != METER_OK) {
            meter_close(pm->m);
            pm->m = NULL;
        } else if (!atomic_load(&pm->slot->ready)) {
            pm->slot->qs = pm->qs;
            pm->slot->nq = pm->nq;
            atomic_store(&pm->slot->ready, 1);
        }
    }
    if (rc == METER_OK) {
        rc = meter_read_list(pm->m, pm->qs, pm->nq, pm->r);
        n = pm->nq;
        if (rc != METER_OK)
            snprintf(err, sizeof err, "%s", meter_last_error(pm->m));
    }
    char ts[40];
    clk_iso8601_now(ts, sizeof ts);
    struct mq_state_info si = {pm->cfg->name, pm->cfg->model, ++pm->seq, ts,
                               mq_queue_dropped(env->queue), rc, err};
    char *json = mq_state_json(&si, pm->r, n);
    snprintf(b->topic, sizeof b->topic, "%s/%s/state", env->cfg->prefix, pm->cfg->name);
    if (!json || mq_queue_push(env->queue, b->topic, json) < 0)
        fprintf(stderr, "meter-mqtt: out of memory: %s seq %lu lost\n", pm->cfg->name, pm->seq);
    else if (env->verbose && !atomic_load(env->broker_up))
        fprintf(stderr, "meter-mqtt: queued %s seq %lu (%zu waiting)\n", pm->cfg->name, pm->seq,
                mq_queue_len(env->queue));
    if (rc != METER_OK) {
        /* logged by default: the first, then at most one line a minute per meter (each with -v) */
        int64_t now = clk_mono_ms();
        atomic_fetch_add(env->failed, 1);
        if (env->verbose || !pm->logged_ms || now - pm->logged_ms >= 60000) {
            if (pm->unlogged)
                fprintf(stderr, "meter-mqtt: %s: %s (%s); %lu more failed reads not logged\n", pm->cfg->name,
                        err, meter_errname(rc), pm->unlogged);
            else
                fprintf(stderr, "meter-mqtt: %s: %s (%s)\n", pm->cfg->name, err, meter_errname(rc));
            pm->logged_ms = now;
            pm->unlogged = 0;
        } else {
            pm->unlogged++;
        }
    }
    free(json);
    pm->done++;
}

static void *bus_main(void *arg)
{
    struct pbus *b = arg;
    const struct mq_poll_env *env = b->env;
    int64_t now = clk_mono_ms();
    for (size_t i = 0; i < b->n; i++)
        b->meters[i].next_ms = now;
    while (!*env->stop) {
        struct pmeter *due = NULL;
        for (size_t i = 0; i < b->n; i++) {
            struct pmeter *pm = &b->meters[i];
            if (env->count && pm->done >= env->count)
                continue;
            if (!due || pm->next_ms < due->next_ms)
                due = pm;
        }
        if (!due)
            break;
        clk_sleep_until(due->next_ms, env->stop);
        if (*env->stop)
            break;
        poll_one(b, due);
        due->next_ms += due->cfg->interval_ms;
        if (due->next_ms < clk_mono_ms()) /* the bus is slower than asked: no burst to catch up */
            due->next_ms = clk_mono_ms();
    }
    atomic_store(&b->finished, 1);
    return NULL;
}

int mq_pollers_start(struct mq_pollers *p)
{
    for (size_t k = 0; k < p->n; k++) {
        if (pthread_create(&p->buses[k].tid, NULL, bus_main, &p->buses[k]) != 0)
            return -1;
        p->buses[k].started = 1;
    }
    return 0;
}

int mq_pollers_done(struct mq_pollers *p)
{
    for (size_t k = 0; k < p->n; k++)
        if (!atomic_load(&p->buses[k].finished))
            return 0;
    return 1;
}

size_t mq_pollers_buses(const struct mq_pollers *p)
{
    return p->n;
}

void mq_pollers_free(struct mq_pollers *p)
{
    if (!p)
        return;
    for (size_t k = 0; k < p->n; k++) {
        struct pbus *b = &p->buses[k];
        if (b->started)
            pthread_join(b->tid, NULL);
        for (size_t i = 0; i < b->n; i++) {
            meter_close(b->meters[i].m);
            free(b->meters[i].qs);
            free(b->meters[i].r);
        }
        meter_bus_close(b->bus);
        free(b->meters);
    }
    free(p->buses);
    free(p);
}
