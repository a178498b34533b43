/* SPDX-License-Identifier: MIT */
/* The JSON that meter-mqtt publishes: a meter's state (one snapshot, with a
 * sequence number) and Home Assistant's discovery config for a quantity. */
#ifndef MQ_PAYLOAD_H
#define MQ_PAYLOAD_H

#include <stddef.h>

#include "meter/meter.h"

struct mq_state_info {
    const char *meter;        /**< the config's name */
    const char *model;
    unsigned long seq;        /**< per meter, from 1, one per snapshot (failed ones too) */
    const char *time;         /**< ISO-8601 */
    unsigned long dropped;    /**< readings dropped so far because the queue was full */
    int status;               /**< METER_OK or the read's error */
    const char *message;      /**< the error's detail ("" when none) */
};

/** The state JSON: {"seq", "time", "model", one key per quantity, "errors"?, "error"?}.
 *  @return a malloc'd string, or NULL when out of memory. */
char *mq_state_json(const struct mq_state_info *si, const meter_reading_t *r, size_t n);

struct mq_discovery_info {
    const char *client_id, *prefix, *meter, *model, *availability_topic;
};

/** Discovery topic and payload for one quantity of a meter (retained by the caller).
 *  @return a malloc'd payload (and *topic malloc'd), or NULL when out of memory. */
char *mq_discovery_json(const struct mq_discovery_info *di, const char *discovery_prefix,
                        meter_quantity_t q, char **topic);

#endif /* MQ_PAYLOAD_H */
