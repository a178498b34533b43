/* SPDX-License-Identifier: MIT */
/* A bus: one open link (a serial port or a TCP connection) that several
 * meters share. It serialises their requests, so meters on one RS485 line
 * may be read from several threads. */
#ifndef METER_BUS_H
#define METER_BUS_H

#include <stddef.h>

#include "meter/error.h"
#include "meter/export.h"
#include "meter/log.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A shared link. Opaque. @since 0.1 */
typedef struct meter_bus meter_bus_t;

/**
 * @brief Open a bus from a connection string without per-meter options,
 * e.g. "rtu:/dev/ttyUSB0?baud=9600&parity=E" or "tcp:10.0.0.7:502".
 * Unset line options take the protocol's defaults (Modbus RTU: 9600 8E1).
 * @param errbuf optional buffer for a message naming the problem
 * @return METER_OK, METER_ECONNSTR, METER_EOPTION, METER_EIO, METER_ENOMEM.
 * @since 0.1
 */
METER_API meter_status_t meter_bus_open(meter_bus_t **out, const char *connection, char *errbuf,
                             size_t errlen);

/**
 * @brief Give up the caller's reference. The link closes when the last meter
 * opened on it is closed too. NULL is allowed.
 * @since 0.1
 */
METER_API void meter_bus_close(meter_bus_t *bus);

/** @brief A log callback for the bus's meters that have none of their own (NULL: silent).
 * May be called at any time, also while the bus's meters are in use from other
 * threads: a message goes to the callback set before it started. @since 0.1 */
METER_API void meter_bus_set_log(meter_bus_t *bus, meter_log_fn fn, void *userdata);

#ifdef __cplusplus
}
#endif
#endif /* METER_BUS_H */
