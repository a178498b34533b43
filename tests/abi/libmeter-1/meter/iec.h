/* SPDX-License-Identifier: MIT */
/* IEC 62056-21 programming mode: read registers (R1) and write them (W1) on a
 * meter opened with an "iec:" or "iec-tcp:" connection, in one session that
 * signs on with "ACK 0 Z 1", answers P0 with the password, and always ends with B0. */
#ifndef METER_IEC_H
#define METER_IEC_H

#include <stddef.h>

#include "meter/device.h"
#include "meter/error.h"
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
METER_API meter_status_t meter_iec_program(meter_t *m, const char *password, meter_iec_op_t *ops, size_t n);

/**
 * @brief Read one register (R1) in its own programming session.
 * @param value receives the first value as sent (with "*unit" if the meter sends one)
 * @return as meter_iec_program(); METER_EBUFSIZE when @p cap is too small.
 * @since 0.1
 */
METER_API meter_status_t meter_iec_read_register(meter_t *m, const char *address, const char *password,
                                      char *value, size_t cap);

/**
 * @brief Write one register (W1) in its own programming session.
 * @return as meter_iec_program().
 * @since 0.1
 */
METER_API meter_status_t meter_iec_write_register(meter_t *m, const char *address, const char *value,
                                       const char *password);

/**
 * @brief The identification the meter sent in the last session ("/ISk5MT174-0001"
 * gives "ISk5MT174-0001"), as one line without the '/' and CR LF.
 * @return METER_OK, METER_ESTATE (no session yet), METER_EBUFSIZE, METER_EUNSUPPORTED.
 * @since 0.1
 */
METER_API meter_status_t meter_iec_identification(const meter_t *m, char *buf, size_t cap);

/** The identification message of a readout ("/ISk5\\2MT174-0001"). @since 0.1 */
typedef struct meter_iec_identification {
    char manufacturer[4]; /**< three characters as sent ("ISk"); compare case-insensitively */
    char baud_char;       /**< Z: '0'-'6' mode C, 'A'-'F' mode B, other mode A */
    char mode;            /**< 'A', 'B', 'C', or '?' for a reserved baud character */
    unsigned baud;        /**< the speed Z announces (300 for mode A, 0 if reserved) */
    int fast_reaction;    /**< 1: lower-case third letter, 20 ms reaction time */
    char caps[9];         /**< the W of each "\\W" capability pair, in order */
    char ident[65];       /**< the identification after the pairs, whole */
} meter_iec_identification_t;

/** One value of a data set, verbatim, as meter_iec_decode() hands it over. @since 0.1 */
typedef struct meter_iec_value {
    const char *address;  /**< the data set's address ("1-0:1.8.0*255"); "" if none was sent */
    const char *value;    /**< the value as sent (padding, sign, decimal comma kept) */
    const char *unit;     /**< the unit, "" if none */
    unsigned index;       /**< n-th "(...)" of this address (continuations count on) */
    unsigned sub;         /**< n-th '&' part of the value */
    unsigned nsub;        /**< '&' parts of the value (1 when there is no '&') */
    int continuation;     /**< 1: a "(...)" with no address on the wire */
} meter_iec_value_t;

/** Check characters for meter_iec_decode(). @since 0.1 */
typedef enum meter_iec_check {
    METER_IEC_CHECK_XOR = 0, /**< the standard */
    METER_IEC_CHECK_SUM7,    /**< 7-bit sum (Energomera, Kamstrup) */
    METER_IEC_CHECK_NONE,    /**< do not check */
    METER_IEC_CHECK_ANY      /**< XOR or 7-bit sum */
} meter_iec_check_t;

/**
 * @brief Decode a captured IEC 62056-21 readout (echo and junk, identification,
 * STX, data block, '!', ETX, check character; the real-world deviations of
 * docs/iec62056-codec.md are tolerated). No I/O.
 * @param ident  receives the identification (may be NULL); zeroed if the capture has none
 * @param cb     called once per value in readout order (may be NULL); return 0 to go on
 * @param verified receives 1 when the check character was verified (may be NULL)
 * @return METER_OK; METER_ECHECKSUM, METER_ETRUNCATED, METER_EFRAME, METER_ELIMIT,
 *         METER_EINVAL; a non-zero return of @p cb stops the decode with it.
 * @since 0.1
 */
METER_API meter_status_t meter_iec_decode(const void *buf, size_t len, meter_iec_check_t check,
                               meter_iec_identification_t *ident,
                               int (*cb)(void *userdata, const meter_iec_value_t *v),
                               void *userdata, int *verified, char *errbuf, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif /* METER_IEC_H */
