/* SPDX-License-Identifier: MIT */
/* Records: every data item a meter sends, as it sends it — an M-Bus data
 * record with its storage, tariff and subunit, an IEC 62056-21 data set with
 * its address — for generic drivers that read any meter of a protocol. Each
 * record also names the catalogue quantity it maps to, where one fits. */
#ifndef METER_RECORD_H
#define METER_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "meter/device.h"
#include "meter/error.h"
#include "meter/export.h"
#include "meter/quantity.h"

#ifdef __cplusplus
extern "C" {
#endif

/** One data item as the meter sent it. @since 0.1 */
typedef struct meter_record {
    char name[32];          /**< what it is: "energy", "volume", "flow_temperature"; IEC: the address */
    char unit[16];          /**< its unit after the meter's scaling: "Wh", "m^3", "kWh"; "" if none */
    meter_kind_t kind;      /**< NUMBER: see value; TEXT: see text (dates, identifiers, raw values) */
    double value;           /**< the number */
    char text[64];          /**< the text; for NUMBER records the value as sent, where it is text */
    char function[16];      /**< M-Bus: "instantaneous", "maximum", "minimum", "error"; else "" */
    int storage;            /**< M-Bus storage number; IEC billing period; -1 if none */
    int tariff;             /**< tariff; -1 if none */
    int subunit;            /**< M-Bus subunit (device); -1 if none */
    char address[40];       /**< IEC: the data set's address verbatim; M-Bus: "" */
    int index;              /**< the value's index within its address or record (0, 1 …) */
    meter_quantity_t quantity; /**< the catalogue quantity it is, or METER_Q_NONE */
    unsigned flags;         /**< METER_RECORD_F_* (0 when the record says nothing more). @since 0.2 */
    uint64_t raw;           /**< the integer as sent, where flags has METER_RECORD_F_RAW. @since 0.2 */
    uint32_t reserved_[6];  /**< room for fields of later versions; zeroed by the library */
} meter_record_t;

/** What a record's flags say. Bits are added, never renumbered. @since 0.2 */
enum meter_record_flag {
    METER_RECORD_F_INVALID = 1u << 0,     /**< the meter marks the value or date invalid */
    METER_RECORD_F_SUMMER_TIME = 1u << 1, /**< a date/time the meter marks as summer time */
    METER_RECORD_F_ERROR_STATE = 1u << 2, /**< a value "during error state" (M-Bus function 11) */
    METER_RECORD_F_RAW = 1u << 3,         /**< raw holds the integer as sent (bit fields, counters, ids) */
    METER_RECORD_F_UTC = 1u << 4          /**< a time the meter says is UTC */
};

/**
 * @brief Read every data item the meter sends, in the order it sends them.
 * Models with a register map (Modbus) give their snapshot, one record a quantity.
 * @param n receives the number of records written; when @p cap was too small,
 *          the number the meter sent (and METER_EBUFSIZE is returned)
 * @return METER_OK, METER_EBUFSIZE, or a link/protocol error.
 * @since 0.1
 */
METER_API meter_status_t meter_read_records(meter_t *m, meter_record_t *out, size_t cap, size_t *n);

#ifdef __cplusplus
}
#endif
#endif /* METER_RECORD_H */
