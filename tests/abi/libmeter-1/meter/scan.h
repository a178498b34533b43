/* SPDX-License-Identifier: MIT */
/* Bus scans: find the meters on an M-Bus line by primary address (0–250) and
 * by secondary address (wildcard selection, narrowed position by position
 * when several meters answer at once). Each meter found is handed to a
 * callback as it is found. */
#ifndef METER_SCAN_H
#define METER_SCAN_H

#include <stddef.h>

#include "meter/error.h"
#include "meter/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/** What to scan. @since 0.1 */
enum {
    METER_SCAN_PRIMARY = 1u << 0,   /**< SND_NKE + REQ_UD2 at every primary address 0–250 */
    METER_SCAN_SECONDARY = 1u << 1, /**< wildcard selections, narrowed on collisions */
    METER_SCAN_HEX_IDS = 1u << 2    /**< secondary: try id digits A–E too (non-BCD ids) */
};

/** One meter found (or one collision that could not be resolved). @since 0.1 */
typedef struct meter_scan_result {
    int primary;             /**< primary address it answered at; -1 when found by selection */
    char secondary[17];      /**< "IIIIIIIIMMMMVVDD": id, manufacturer's wire bytes, version, medium */
    char id[9];              /**< identification number, 8 digits */
    char manufacturer[4];    /**< three letters, as the standard decodes the code */
    int version;             /**< version (generation) byte */
    int medium;              /**< medium / device type byte */
    const char *medium_name; /**< e.g. "electricity", "heat (outlet)" */
    const char *model;       /**< a model whose driver fits, e.g. "klefr-6923"; "mbus" otherwise */
    int status;              /**< METER_OK; METER_ECOLLISION: several meters answer here and
                                  could not be told apart (the other fields hold the pattern) */
} meter_scan_result_t;

/** Called for each meter found; return nonzero to stop the scan. @since 0.1 */
typedef int (*meter_scan_fn)(const meter_scan_result_t *found, void *userdata);

/**
 * @brief Scan an M-Bus line.
 * @param connection  "mbus:/dev/ttyUSB0?baud=2400" or "mbus-tcp:host:port"; timeout= and
 *                    retries= apply to every probe (silence costs one timeout per retry)
 * @param flags       METER_SCAN_PRIMARY and/or METER_SCAN_SECONDARY (0: both), METER_SCAN_HEX_IDS
 * @param found       callback, may be NULL
 * @param count       receives the number of meters reported (may be NULL)
 * @return METER_OK (also when nothing answered), METER_EUNSUPPORTED (not an M-Bus
 *         connection), METER_ECONNSTR, METER_EOPTION, METER_EIO.
 * @since 0.1
 */
METER_API meter_status_t meter_scan(const char *connection, unsigned flags, meter_scan_fn found,
                         void *userdata, size_t *count, char *errbuf, size_t errlen);

/**
 * @brief The speed at which something answers on an M-Bus line: a REQ_UD2 to the test
 * address 254 (every slave answers it; several at once still show as bytes) at 2400,
 * 9600, 300, 1200, 4800, 19200 and 38400 Bd in turn. meter_scan() does this by itself
 * when a serial connection string has no baud=; a tool calls it first to say which speed
 * it scans at. Each speed costs about one response timeout (at 300 Bd about 1.2 s).
 * @param baud receives the speed; 0 for a TCP gateway (no speed to find) or when the
 *             connection string names one (then that one is used, not probed)
 * @return METER_OK; METER_ENOTFOUND (nothing answered at any of them; the message lists
 *         them); METER_EUNSUPPORTED, METER_ECONNSTR, METER_EOPTION, METER_EIO, METER_EBUSY.
 * @since 0.2
 */
METER_API meter_status_t meter_scan_probe(const char *connection, unsigned *baud, char *errbuf,
                                          size_t errlen);

#ifdef __cplusplus
}
#endif
#endif /* METER_SCAN_H */
