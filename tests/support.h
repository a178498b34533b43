/* SPDX-License-Identifier: MIT */
/* Test support: run a simulator in a thread of the test process. The
 * simulator listens before meter_sim_new() returns, so no waiting is needed;
 * sim_thread_stop() stops and joins it. */
#ifndef METER_TEST_SUPPORT_H
#define METER_TEST_SUPPORT_H

#include <pthread.h>
#include <stdio.h>

#include "meter/meter.h"
#include "meter/sim.h" /* libmeter-sim */

struct sim_thread {
    meter_sim_t *sim;
    pthread_t tid;
    int rc;
};

static void *sim_thread_main(void *arg)
{
    struct sim_thread *t = arg;
    t->rc = meter_sim_run(t->sim);
    return NULL;
}

/* Create a simulator on @listen with @model at each id in @ids (0-terminated). */
static inline int sim_thread_start(struct sim_thread *t, const char *listen, const char *model,
                                   const int *ids, int frozen)
{
    char err[256];
    int rc = meter_sim_new(&t->sim, listen, err, sizeof err);
    if (rc != METER_OK) {
        fprintf(stderr, "sim: %s\n", err);
        return rc;
    }
    for (; *ids; ids++)
        if ((rc = meter_sim_add(t->sim, model, *ids)) != METER_OK)
            return rc;
    meter_sim_set(t->sim, METER_SIM_FROZEN, frozen);
    return pthread_create(&t->tid, NULL, sim_thread_main, t) == 0 ? METER_OK : METER_EIO;
}

static inline void sim_thread_stop(struct sim_thread *t)
{
    meter_sim_stop(t->sim);
    pthread_join(t->tid, NULL);
    meter_sim_free(t->sim);
    t->sim = NULL;
}

#endif /* METER_TEST_SUPPORT_H */
