/* SPDX-License-Identifier: MIT */
/* The bounded, thread-safe FIFO of messages waiting for the broker. Pollers
 * push; the publisher sends from the head and removes a message only when the
 * broker acknowledged it. When full, the oldest is dropped and counted. */
#ifndef MQ_QUEUE_H
#define MQ_QUEUE_H

#include <pthread.h>
#include <stddef.h>

struct mq_msg {
    char *topic;
    char *payload;
    int mid;          /**< message id while in flight; 0 = not sent on this connection */
    int acked;
    struct mq_msg *next;
};

struct mq_queue {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    struct mq_msg *head, *tail;
    size_t len, max;
    unsigned long dropped;   /**< dropped because the queue was full */
    unsigned long pushed;
};

void mq_queue_init(struct mq_queue *q, size_t max);
void mq_queue_destroy(struct mq_queue *q);
/** Append a copy of topic and payload; drops the oldest when full. @return 0, -1 out of memory. */
int mq_queue_push(struct mq_queue *q, const char *topic, const char *payload);
/** The first message not yet sent on this connection (mid == 0), or NULL. Call with the lock held. */
struct mq_msg *mq_queue_next_unsent(struct mq_queue *q);
/** The broker acknowledged @p mid: remove acknowledged messages from the head. @return 1 if found. */
int mq_queue_ack(struct mq_queue *q, int mid);
/** The connection is gone: every message is unsent again (they are sent again, in order). */
void mq_queue_reset_sent(struct mq_queue *q);
size_t mq_queue_len(struct mq_queue *q);
unsigned long mq_queue_dropped(struct mq_queue *q);

#endif /* MQ_QUEUE_H */
