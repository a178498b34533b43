/* SPDX-License-Identifier: MIT */
/* The bounded message queue of meter-mqtt: a linked list under a mutex.
 * Messages leave only when acknowledged (QoS 1), so a broker that goes away
 * mid-flight loses none: they are sent again, in order, on reconnect. */
#include "queue.h"

#include <stdlib.h>
#include <string.h>

static void free_msg(struct mq_msg *m)
{
    free(m->topic);
    free(m->payload);
    free(m);
}

void mq_queue_init(struct mq_queue *q, size_t max)
{
    memset(q, 0, sizeof *q);
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->changed, NULL);
    q->max = max ? max : 1;
}

void mq_queue_destroy(struct mq_queue *q)
{
    while (q->head) {
        struct mq_msg *m = q->head;
        q->head = m->next;
        free_msg(m);
    }
    pthread_cond_destroy(&q->changed);
    pthread_mutex_destroy(&q->lock);
}

int mq_queue_push(struct mq_queue *q, const char *topic, const char *payload)
{
    struct mq_msg *m = calloc(1, sizeof *m);
    if (m) {
        m->topic = strdup(topic);
        m->payload = strdup(payload);
    }
    if (!m || !m->topic || !m->payload) {
        if (m)
            free_msg(m);
        return -1;
    }
    pthread_mutex_lock(&q->lock);
    if (q->len == q->max) { /* full: the oldest goes, even if it is in flight */
        struct mq_msg *old = q->head;
        q->head = old->next;
        if (!q->head)
            q->tail = NULL;
        free_msg(old);
        q->len--;
        q->dropped++;
    }
    if (q->tail)
        q->tail->next = m;
    else
        q->head = m;
    q->tail = m;
    q->len++;
    q->pushed++;
    pthread_cond_broadcast(&q->changed);
    pthread_mutex_unlock(&q->lock);
    return 0;
}

struct mq_msg *mq_queue_next_unsent(struct mq_queue *q)
{
    for (struct mq_msg *m = q->head; m; m = m->next)
        if (!m->mid)
            return m;
    return NULL;
}

int mq_queue_ack(struct mq_queue *q, int mid)
{
    int found = 0;
    pthread_mutex_lock(&q->lock);
    for (struct mq_msg *m = q->head; m; m = m->next)
        if (m->mid == mid && !m->acked) {
            m->acked = 1;
            found = 1;
            break;
        }
    while (q->head && q->head->acked) {
        struct mq_msg *m = q->head;
        q->head = m->next;
        if (!q->head)
            q->tail = NULL;
        free_msg(m);
        q->len--;
    }
    pthread_cond_broadcast(&q->changed);
    pthread_mutex_unlock(&q->lock);
    return found;
}

void mq_queue_reset_sent(struct mq_queue *q)
{
    pthread_mutex_lock(&q->lock);
    for (struct mq_msg *m = q->head; m; m = m->next)
        if (!m->acked)
            m->mid = 0;
    pthread_mutex_unlock(&q->lock);
}

size_t mq_queue_len(struct mq_queue *q)
{
    pthread_mutex_lock(&q->lock);
    size_t n = q->len;
    pthread_mutex_unlock(&q->lock);
    return n;
}

unsigned long mq_queue_dropped(struct mq_queue *q)
{
    pthread_mutex_lock(&q->lock);
    unsigned long n = q->dropped;
    pthread_mutex_unlock(&q->lock);
    return n;
}
