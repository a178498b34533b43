/* SPDX-License-Identifier: MIT */
/* The MQTT client of meter-mqtt on libmosquitto. A fresh client object per
 * connection: a lost link drops libmosquitto's own state, and the queue
 * (which keeps every unacknowledged message) sends again from its head, so
 * order holds and nothing within the bound is lost (at least once). */
#include "publisher.h"

#include <mosquitto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "payload.h"
#include "poller.h"

#define MQ_WINDOW 32 /* queue messages in flight at once */

/* discovery configs of the meters whose quantities became known and are not yet announced */
static void publish_discovery(struct mq_publisher *p)
{
    const struct mq_config *c = p->cfg;
    if (!c->discovery_prefix[0])
        return;
    for (size_t i = 0; i < c->nmeters; i++) {
        struct mq_slot *slot = &p->slots[i];
        if (slot->announced || !atomic_load(&slot->ready))
            continue;
        const struct mq_meter_cfg *mc = &c->meters[i];
        struct mq_discovery_info di = {c->client_id, c->prefix, mc->name, mc->model, p->avail_topic};
        unsigned long sent = 0;
        for (size_t k = 0; k < slot->nq; k++) {
            char *topic = NULL;
            char *json = mq_discovery_json(&di, c->discovery_prefix, slot->qs[k], &topic);
            if (json && mosquitto_publish(p->mosq, NULL, topic, (int)strlen(json), json, 1, true) == MOSQ_ERR_SUCCESS)
                sent++;
            free(json);
            free(topic);
        }
        slot->announced = 1;
        if (p->verbose)
            fprintf(stderr, "meter-mqtt: %s: %lu discovery configs published\n", mc->name, sent);
    }
}

static void on_connect(struct mosquitto *mosq, void *ud, int rc)
{
    struct mq_publisher *p = ud;
    if (rc != 0) {
        fprintf(stderr, "meter-mqtt: broker refused the connection: %s\n", mosquitto_connack_string(rc));
        p->lost = 1;
        return;
    }
    fprintf(stderr, "meter-mqtt: connected to %s:%d\n", p->cfg->host, p->cfg->port);
    mosquitto_publish(mosq, NULL, p->avail_topic, 6, "online", 1, true);
    for (size_t i = 0; i < p->cfg->nmeters; i++)
        p->slots[i].announced = 0;
    p->backoff_ms = p->cfg->reconnect_min_ms;
    p->failures = 0;
    atomic_store(p->broker_up, 1);
}

static void on_disconnect(struct mosquitto *mosq, void *ud, int rc)
{
    (void)mosq;
    (void)rc;
    ((struct mq_publisher *)ud)->lost = 1;
}

static void on_publish(struct mosquitto *mosq, void *ud, int mid)
{
    (void)mosq;
    struct mq_publisher *p = ud;
    if (mq_queue_ack(p->queue, mid)) {
        p->inflight--;
        p->delivered++;
    }
}

int mq_publisher_init(struct mq_publisher *p, const struct mq_config *cfg, struct mq_queue *q,
                      struct mq_slot *slots, atomic_int *broker_up, int verbose)
{
    memset(p, 0, sizeof *p);
    p->slots = slots;
    p->cfg = cfg;
    p->queue = q;
    p->broker_up = broker_up;
    p->verbose = verbose;
    p->backoff_ms = cfg->reconnect_min_ms;
    p->next_attempt_ms = clk_mono_ms();
    snprintf(p->avail_topic, sizeof p->avail_topic, "%s/status", cfg->prefix);
    return mosquitto_lib_init() == MOSQ_ERR_SUCCESS ? 0 : -1;
}

static void drop_link(struct mq_publisher *p, const char *why)
{
    if (atomic_load(p->broker_up) || p->verbose)
        fprintf(stderr, "meter-mqtt: broker connection lost (%s); %zu readings waiting\n", why,
                mq_queue_len(p->queue));
    atomic_store(p->broker_up, 0);
    mosquitto_destroy(p->mosq);
    p->mosq = NULL;
    p->inflight = 0;
    p->lost = 0;
    mq_queue_reset_sent(p->queue);
    p->next_attempt_ms = clk_mono_ms() + p->backoff_ms;
}

static void try_connect(struct mq_publisher *p)
{
    const struct mq_config *c = p->cfg;
    p->mosq = mosquitto_new(c->client_id, true, p);
    if (!p->mosq) {
        fprintf(stderr, "meter-mqtt: cannot create an MQTT client\n");
        p->next_attempt_ms = clk_mono_ms() + p->backoff_ms;
        return;
    }
    mosquitto_connect_callback_set(p->mosq, on_connect);
    mosquitto_disconnect_callback_set(p->mosq, on_disconnect);
    mosquitto_publish_callback_set(p->mosq, on_publish);
    mosquitto_max_inflight_messages_set(p->mosq, 0);
    mosquitto_will_set(p->mosq, p->avail_topic, 7, "offline", 1, true);
    int rc = mosquitto_connect(p->mosq, c->host, c->port, c->keepalive);
    if (rc == MOSQ_ERR_SUCCESS)
        return; /* CONNACK comes through mosquitto_loop() → on_connect */
    if (p->failures++ == 0 || p->verbose)
        fprintf(stderr, "meter-mqtt: cannot connect to %s:%d: %s; retrying with back-off\n", c->host,
                c->port, mosquitto_strerror(rc));
    mosquitto_destroy(p->mosq);
    p->mosq = NULL;
    p->next_attempt_ms = clk_mono_ms() + p->backoff_ms;
    p->backoff_ms = p->backoff_ms * 2 > c->reconnect_max_ms ? c->reconnect_max_ms : p->backoff_ms * 2;
}

static void send_queue(struct mq_publisher *p)
{
    pthread_mutex_lock(&p->queue->lock);
    while (p->inflight < MQ_WINDOW) {
        struct mq_msg *m = mq_queue_next_unsent(p->queue);
        if (!m)
            break;
        int mid = 0;
        int rc = mosquitto_publish(p->mosq, &mid, m->topic, (int)strlen(m->payload), m->payload, 1, false);
        if (rc != MOSQ_ERR_SUCCESS) {
            p->lost = 1;
            break;
        }
        m->mid = mid;
        p->inflight++;
    }
    pthread_mutex_unlock(&p->queue->lock);
}

void mq_publisher_step(struct mq_publisher *p, int wait_ms)
{
    if (!p->mosq) {
        int64_t now = clk_mono_ms();
        if (now < p->next_attempt_ms) {
            int64_t until = p->next_attempt_ms < now + wait_ms ? p->next_attempt_ms : now + wait_ms;
            clk_sleep_until(until, NULL);
            return;
        }
        try_connect(p);
        if (!p->mosq)
            return;
    }
    if (atomic_load(p->broker_up) && !p->lost) {
        publish_discovery(p); /* before the states that use it */
        send_queue(p);
    }
    int rc = p->lost ? MOSQ_ERR_CONN_LOST : mosquitto_loop(p->mosq, wait_ms, 1);
    if (rc != MOSQ_ERR_SUCCESS || p->lost)
        drop_link(p, mosquitto_strerror(rc != MOSQ_ERR_SUCCESS ? rc : MOSQ_ERR_CONN_LOST));
}

void mq_publisher_close(struct mq_publisher *p)
{
    if (p->mosq && atomic_load(p->broker_up)) {
        int mid = 0;
        mosquitto_publish(p->mosq, &mid, p->avail_topic, 7, "offline", 1, true);
        for (int i = 0; i < 20 && !p->lost; i++) /* up to ~1 s for the PUBACK */
            if (mosquitto_loop(p->mosq, 50, 1) != MOSQ_ERR_SUCCESS || mosquitto_want_write(p->mosq) == 0)
                break;
        mosquitto_disconnect(p->mosq);
        mosquitto_loop(p->mosq, 50, 1);
    }
    mosquitto_destroy(p->mosq);
    p->mosq = NULL;
    atomic_store(p->broker_up, 0);
    mosquitto_lib_cleanup();
}
