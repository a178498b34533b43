/* SPDX-License-Identifier: MIT */
/* meter-mqtt's configuration: an INI-like file with one [mqtt] section and
 * one [meter NAME] section a meter. The parser reports the first error with
 * its line number and never exits by itself. */
#ifndef MQ_CONFIG_H
#define MQ_CONFIG_H

#include <stddef.h>

#include "meter/meter.h"

#define MQ_NAME_MAX 64
#define MQ_TEXT_MAX 256

struct mq_meter_cfg {
    char name[MQ_NAME_MAX];         /**< section name: [a-z0-9_-], used in topics */
    char model[MQ_NAME_MAX];
    char connection[MQ_TEXT_MAX];
    long interval_ms;               /**< default 10 s */
    meter_quantity_t *quantities;   /**< NULL: everything the model has */
    size_t nquantities;
    int line;                       /**< line of the section header */
    int connection_line, quantities_line;
};

struct mq_config {
    char host[MQ_TEXT_MAX];         /**< default 127.0.0.1 */
    int port;                       /**< default 1883 */
    char prefix[MQ_TEXT_MAX];       /**< default "meters" */
    char client_id[MQ_NAME_MAX];    /**< default "meter-mqtt" */
    char discovery_prefix[MQ_TEXT_MAX]; /**< default "homeassistant"; "" disables discovery */
    size_t queue_max;               /**< readings kept while the broker is away; default 1000 */
    int keepalive;                  /**< seconds; default 30 */
    long reconnect_min_ms, reconnect_max_ms; /**< back-off bounds; default 1 s, 30 s */
    struct mq_meter_cfg *meters;
    size_t nmeters;
    int check_quantities;           /**< in: check quantities against each model (needs the library's models) */
};

/** Parse @p text (named @p file in messages). Set cfg->check_quantities first to check each
 *  meter's quantities against its model (it is kept; everything else is reset).
 *  @return 0, or -1 with "FILE:LINE: what" in @p err. */
int mq_config_parse(struct mq_config *cfg, const char *file, const char *text, char *err, size_t errlen);
/** Read and parse a file. @return as mq_config_parse(). */
int mq_config_load(struct mq_config *cfg, const char *path, char *err, size_t errlen);
void mq_config_free(struct mq_config *cfg);

#endif /* MQ_CONFIG_H */
