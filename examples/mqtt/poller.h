/* SPDX-License-Identifier: MIT */
/* meter-mqtt's pollers: meters that share a link (same scheme and target)
 * form one bus, polled in turn by one thread through one meter_bus_t;
 * different buses are polled in parallel. Each snapshot becomes a state
 * message in the queue. */
#ifndef MQ_POLLER_H
#define MQ_POLLER_H

#include <signal.h>
#include <stdatomic.h>

#include "config.h"
#include "queue.h"

struct mq_pollers;

/** What a meter's discovery needs, known once its quantities are (the config's
 *  list, or the model's once the meter is open). Written once by its poller. */
struct mq_slot {
    atomic_int ready;
    meter_quantity_t *qs;   /**< owned by the poller (or the config) */
    size_t nq;
    int announced;          /**< publisher only: discovery sent on this connection */
};

struct mq_poll_env {
    const struct mq_config *cfg;
    struct mq_queue *queue;
    volatile sig_atomic_t *stop;
    atomic_int *broker_up;   /**< set by the publisher: log queued readings while 0 */
    struct mq_slot *slots;   /**< one per configured meter, in config order */
    long count;              /**< snapshots per meter, 0 = until stopped */
    int verbose;
    atomic_long *failed;     /**< polls that failed, counted */
};

/** Group the configured meters by bus. @return NULL with a message in @p err
 *  (meters on one bus that disagree on line options, out of memory). */
struct mq_pollers *mq_pollers_new(const struct mq_poll_env *env, char *err, size_t errlen);
/** Start a thread per bus. @return 0 or -1. */
int mq_pollers_start(struct mq_pollers *p);
/** 1 when every thread has finished (all --count snapshots taken). */
int mq_pollers_done(struct mq_pollers *p);
size_t mq_pollers_buses(const struct mq_pollers *p);
/** Join the threads (set *env->stop first to cut them short) and free everything. */
void mq_pollers_free(struct mq_pollers *p);

#endif /* MQ_POLLER_H */
