/* SPDX-License-Identifier: MIT */
/* libmeter status codes: one X-macro list makes the enum, the names and the
 * messages, so they cannot drift apart. Codes are append-only: a released
 * code is never renumbered or reused. */
#ifndef METER_ERROR_H
#define METER_ERROR_H

#include "meter/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* X(name, value, message). The message ends with whose doing it is:
 *
 *   (caller)  the program calling libmeter: a bad argument, string, option, model or
 *             quantity the model lacks, a buffer too small, a call at the wrong time,
 *             a cancellation. Never used for what a meter or a line did.
 *   (device)  the meter: it refused (exception, NAK, application error, password), sent
 *             a value that cannot be valid, or a write did not read back.
 *   (link)    the line or gateway between: no reply, bad checksum, malformed or cut-off
 *             frames, a reply from another address, OS-level I/O errors.
 *   (bus)     several devices on one bus: collisions, nothing found.
 *   (system)  the host: out of memory; a port held by another program.
 *   (model)   what this model or transport cannot do at all.
 *
 * A code is never renumbered; new codes are appended (docs/abi.md). */
#define METER_ERRNO_MAP(X)                                                         \
    X(OK, 0, "success")                                                            \
    X(EINVAL, -1, "invalid argument (caller)")                                     \
    X(ENOMEM, -2, "out of memory (system)")                                        \
    X(ECONNSTR, -3, "malformed connection string (caller)")                        \
    X(EOPTION, -4, "unknown or invalid option (caller)")                           \
    X(EMODEL, -5, "unknown meter model (caller)")                                  \
    X(EQUANTITY, -6, "quantity unknown or not provided by this model (caller)")    \
    X(EIO, -7, "input/output error on the link (link)")                            \
    X(ETIMEDOUT, -8, "no reply within the response timeout (link)")                \
    X(ECHECKSUM, -9, "checksum or CRC mismatch (link)")                            \
    X(EFRAME, -10, "malformed frame, or one that does not belong (link)")          \
    X(EEXCEPTION, -11, "the device answered with an exception (device)")          \
    X(EUNSUPPORTED, -12, "not supported by this model or transport (model)")      \
    X(ERANGE, -13, "value out of the allowed range (caller)")                      \
    X(EVERIFY, -14, "read-back after a write did not match (device)")              \
    X(ESLAVE, -15, "reply came from another device address (link)")               \
    X(ETRUNCATED, -16, "frame ends before its data (link)")                       \
    X(EAPPLICATION, -17, "the device reported an application error (device)")     \
    X(ECOLLISION, -18, "several devices answered at once (bus)")                   \
    X(ENOTFOUND, -19, "no device found (bus)")                                     \
    X(ENAK, -20, "the device refused the request with NAK (device)")              \
    X(EAUTH, -21, "password refused by the device (device)")                       \
    X(EBUFSIZE, -22, "caller's buffer is too small (caller)")                      \
    X(EBUSY, -23, "port or resource in use by another program or handle (system)") \
    X(ELIMIT, -24, "a size or count limit was exceeded by what the device sent (link)") \
    X(EVALUE, -25, "the device sent a value that cannot be valid (device)")        \
    X(ESTATE, -26, "operation not allowed in the current state (caller)")          \
    X(ECANCELED, -27, "the call was cancelled (caller)")

/** Status codes returned by every fallible libmeter call. @since 0.1 */
typedef enum meter_status {
#define METER_ERR_ENUM_(name, value, msg) METER_##name = (value),
    METER_ERRNO_MAP(METER_ERR_ENUM_)
#undef METER_ERR_ENUM_
    METER_STATUS_MIN_ = -27 /**< lowest code defined in this version */
} meter_status_t;

/**
 * @brief A static message describing a status code (no handle needed).
 * @return "unknown status" for a code this version does not define. Never NULL.
 * @since 0.1
 */
METER_API const char *meter_strerror(int status);

/**
 * @brief The code's name as a string, e.g. "METER_ETIMEDOUT".
 * @return "METER_UNKNOWN" for a code this version does not define. Never NULL.
 * @since 0.1
 */
METER_API const char *meter_errname(int status);

#ifdef __cplusplus
}
#endif
#endif /* METER_ERROR_H */
