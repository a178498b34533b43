/* SPDX-License-Identifier: MIT */
/* libmeter umbrella header: include this one.
 *
 * Thread safety: the catalogue, model list, meter_strerror() and
 * meter_errname() may be called from any thread. A meter_t is used by one
 * thread at a time; different meter_t may be used at once from different
 * threads, also when they share one meter_bus_t (the bus serialises their
 * transactions). The simulated meters are a library of their own,
 * libmeter-sim (meter/sim.h).
 *
 * Errors: every fallible call returns a meter_status_t (0 = METER_OK, negative
 * = failure); the detail is in meter_last_error(). The library never prints. */
#ifndef METER_METER_H
#define METER_METER_H

#include "meter/bus.h"
#include "meter/decode.h"
#include "meter/device.h"
#include "meter/error.h"
#include "meter/iec.h"
#include "meter/log.h"
#include "meter/quantity.h"
#include "meter/record.h"
#include "meter/scan.h"
#include "meter/settings.h"
#include "meter/sml.h"
#include "meter/version.h"

#endif /* METER_METER_H */
