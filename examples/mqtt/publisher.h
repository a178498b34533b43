/* SPDX-License-Identifier: MIT */
/* meter-mqtt's side of the broker: connects (with back-off), announces
 * availability (a retained "online", "offline" as last will) and the Home
 * Assistant discovery configs, and sends the queue in order with QoS 1. One
 * thread drives it; libmosquitto runs no thread of its own. */
#ifndef MQ_PUBLISHER_H
#define MQ_PUBLISHER_H

#include <stdatomic.h>
#include <stdint.h>

#include "config.h"
#include "poller.h"
#include "queue.h"

struct mosquitto;

struct mq_publisher {
    const struct mq_config *cfg;
    struct mq_queue *queue;
    struct mq_slot *slots;       /**< discovery: one per configured meter */
    atomic_int *broker_up;       /**< 1 between CONNACK and the loss of the link */
    int verbose;
    struct mosquitto *mosq;      /**< NULL while disconnected */
    int lost;                    /**< set by callbacks: the link is gone */
    unsigned inflight;           /**< queue messages sent, not yet acknowledged */
    long backoff_ms;
    int64_t next_attempt_ms;
    int failures;                /**< connection attempts failed in a row */
    char avail_topic[MQ_TEXT_MAX + 16];
    unsigned long delivered;     /**< queue messages acknowledged */
};

/** @return 0, or -1 if libmosquitto cannot start. */
int mq_publisher_init(struct mq_publisher *p, const struct mq_config *cfg, struct mq_queue *q,
                      struct mq_slot *slots, atomic_int *broker_up, int verbose);
/** Do the work of at most about @p wait_ms: connect, send, receive acknowledgements. */
void mq_publisher_step(struct mq_publisher *p, int wait_ms);
/** Say "offline" (retained), disconnect cleanly, free. */
void mq_publisher_close(struct mq_publisher *p);

#endif /* MQ_PUBLISHER_H */
