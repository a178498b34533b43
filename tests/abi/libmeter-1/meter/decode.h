/* SPDX-License-Identifier: MIT */
/* Decoding frames captured elsewhere (a log, another master): an M-Bus
 * RSP_UD long frame into its header and its records, with no bus involved. */
#ifndef METER_DECODE_H
#define METER_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "meter/error.h"
#include "meter/export.h"
#include "meter/record.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The link and application header of an M-Bus frame. @since 0.1 */
typedef struct meter_mbus_header {
    int c, a, ci;             /**< C field, A field, CI field */
    int has_id;               /**< 1: id, manufacturer, version and medium were sent (CI 72) */
    char id[9];               /**< identification number, 8 digits */
    char manufacturer[4];     /**< three letters */
    unsigned manufacturer_code; /**< the 16-bit code as read (least significant byte first) */
    int version, medium;      /**< -1 when not sent */
    const char *medium_name;  /**< "" when not sent */
    int access, status;       /**< access number, status byte; -1 when not sent */
    unsigned signature;       /**< signature / configuration word (0: not encrypted) */
    int more_follows;         /**< the last record is DIF 1F: more telegrams follow */
} meter_mbus_header_t;

/**
 * @brief Decode one M-Bus reply frame (68 L L 68 … 16, or E5).
 * @param records room for @p cap records, in frame order; NULL with cap 0 to count
 * @param n       receives the number of records in the frame
 * @return METER_OK; METER_EBUFSIZE (n says how many there are); METER_EFRAME,
 *         METER_ECHECKSUM, METER_ETRUNCATED (link layer); METER_EAPPLICATION (CI 70);
 *         METER_EUNSUPPORTED (CI); a record-level error stops the walk with that code
 *         after the records before it were given.
 * @since 0.1
 */
METER_API meter_status_t meter_mbus_decode(const uint8_t *frame, size_t len, meter_mbus_header_t *header,
                                meter_record_t *records, size_t cap, size_t *n, char *errbuf,
                                size_t errlen);

#ifdef __cplusplus
}
#endif
#endif /* METER_DECODE_H */
