/* SPDX-License-Identifier: MIT */
/* IEC 62056-21 programming mode: read registers (R1) and write them (W1) on a
 * meter opened with an "iec:" or "iec-tcp:" connection, in one session that
 * signs on with "ACK 0 Z 1", answers P0 with the password, and always ends with B0. */
#ifndef METER_IEC_H
#define METER_IEC_H

#include <stddef.h>

#include "meter/device.h"
#include "meter/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Longest register value (the standard allows 128 characters in programming mode). */
#define METER_IEC_VALUE_MAX 129

/** One R1 read or W1 write of a programming session. @since 0.1 */
typedef struct meter_iec_op {
    const char *address;  /**< the register's address as the meter knows it: "1.8.0", "CURRE", "100700FF" */
    const char *value;    /**< NULL: read (R1); else the value to write (W1), without parentheses */
    char result[METER_IEC_VALUE_MAX]; /**< R1: the first value as sent ("0.402", "0033402.264*kWh") */
    char answer[256];     /**< R1: the answer's whole data block, verbatim (continuations too) */
    int status;           /**< METER_OK, or why this operation failed */
} meter_iec_op_t;

/**
 * @brief Run R1 reads and W1 writes in one programming-mode session.
 * The session signs on with the connection's device address, selects
 * programming mode at the meter's speed (max_baud respected), and answers the
 * meter's P0 with P1 and the password, if there is one. A NAK from the meter
 * makes the command go again, a bad check character from the meter is answered
 * with NAK, both up to the handle's retries. B0 is sent at the end, also when
 * an operation or the sign-on failed. Operations after a failed one are not
 * sent (their status is that failure).
 * @param password  the P1 password; NULL or "" takes the connection's
 *                  "password" option; with neither, no P1 is sent
 * @return METER_OK; METER_EAUTH (password refused), METER_ENAK, METER_EAPPLICATION
 *         (an "(ER..)" answer), METER_ETIMEDOUT, METER_ECHECKSUM, METER_EUNSUPPORTED
 *         (not a mode C meter or not an IEC connection), METER_EINVAL.
 * @since 0.1
 */
METER_API int meter_iec_program(meter_t *m, const char *password, meter_iec_op_t *ops, size_t n);

/**
 * @brief Read one register (R1) in its own programming session.
 * @param value receives the first value as sent (with "*unit" if the meter sends one)
 * @return as meter_iec_program(); METER_EBUFSIZE when @p cap is too small.
 * @since 0.1
 */
METER_API int meter_iec_read_register(meter_t *m, const char *address, const char *password,
                                      char *value, size_t cap);

/**
 * @brief Write one register (W1) in its own programming session.
 * @return as meter_iec_program().
 * @since 0.1
 */
METER_API int meter_iec_write_register(meter_t *m, const char *address, const char *value,
                                       const char *password);

/**
 * @brief The identification the meter sent in the last session ("/ISk5MT174-0001"
 * gives "ISk5MT174-0001"), as one line without the '/' and CR LF.
 * @return METER_OK, METER_ESTATE (no session yet), METER_EBUFSIZE, METER_EUNSUPPORTED.
 * @since 0.1
 */
METER_API int meter_iec_identification(const meter_t *m, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif
#endif /* METER_IEC_H */
