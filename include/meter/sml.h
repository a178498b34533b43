/* SPDX-License-Identifier: MIT */
/* Decoding SML (Smart Message Language) captured elsewhere: transport frames
 * (1b1b1b1b 01010101 ... 1a pp crc) or a bare SML file, into the entries of its
 * GetList.Res messages, values as the wire says. Reading a meter: the `sml` models. */
#ifndef METER_SML_H
#define METER_SML_H

#include <stddef.h>
#include <stdint.h>

#include "meter/error.h"
#include "meter/export.h"
#include "meter/quantity.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Options of meter_sml_decode() (bits). @since 0.2 */
typedef enum meter_sml_flag {
    METER_SML_KERMIT = 1u << 0,          /**< CRC-16/KERMIT accepted beside X.25 (Holley) */
    METER_SML_X25_SWAPPED = 1u << 1,     /**< transport X.25 high byte first accepted too */
    METER_SML_TRUST_TRANSPORT = 1u << 2  /**< wrong message CRCs kept when the transport CRC is right */
} meter_sml_flag_t;

/** One SML_ListEntry. @since 0.2 */
typedef struct meter_sml_entry {
    char obis[32];         /**< "1-0:1.8.0*255"; objName in hex (printable or not) when it has not 6 bytes */
    unsigned frame;        /**< index of its transport frame (0 for a bare file) */
    unsigned message;      /**< index of its message within the file */
    int has_unit;          /**< 1: unit_code was sent */
    unsigned unit_code;    /**< DLMS unit code (30 Wh, 27 W, 35 V ...) */
    char unit[16];         /**< its symbol; "" for none or count */
    int has_scaler;
    int scaler;            /**< value = raw x 10^scaler (0 when not sent) */
    int has_status;
    uint64_t status;
    meter_kind_t kind;     /**< NUMBER: value and raw; TEXT: text (octet strings) */
    double value;          /**< raw x 10^scaler */
    char raw[24];          /**< the integer as sent, in decimal ("-29912"); "" for texts */
    char text[200];        /**< octet strings in hex (cut at 99 bytes) */
    int printable;         /**< 1: the octet string is printable ASCII (then ascii holds it) */
    char ascii[100];       /**< the octet string as text when printable */
    int absent;            /**< 1: the mandatory value was sent as "not there" (01) */
    uint32_t reserved_[4]; /**< zeroed */
} meter_sml_entry_t;

/** What the input held besides its entries. @since 0.2 */
typedef struct meter_sml_info {
    unsigned frames;       /**< transport frames decoded (0: the input was a bare SML file) */
    unsigned messages;     /**< SML messages */
    unsigned open_res, getlist_res, close_res, skipped; /**< messages by type */
    unsigned msg_crc_bad;  /**< message CRCs wrong, kept by METER_SML_TRUST_TRANSPORT */
    unsigned truncated;    /**< 1: a frame cut off by the end of the input was left out */
    unsigned refused;      /**< frames refused (CRC, framing, decoding): none of their entries given */
    char server_id[64];    /**< the first PublicOpen.Res serverId in hex, printable or not (31 bytes at most) */
    uint32_t reserved_[4];
} meter_sml_info_t;

/**
 * @brief Decode SML: every transport frame of @p data (a capture may start and end
 *        mid-telegram), or @p data as a bare SML file when it has no start sequence.
 * @param flags  METER_SML_* bits
 * @param out    room for @p cap entries; NULL with cap 0 to count (then METER_OK)
 * @param n      receives the number of entries (all of them, also beyond @p cap)
 * A frame that is refused (its CRC, framing or content is wrong) gives no entry;
 * the frames around it still do, info->refused counts it and @p errbuf says why.
 * @return METER_OK (at least one frame decoded, or the bare file); METER_EBUFSIZE (more
 *         than @p cap entries: the first cap are given, n says how many; or a telegram with
 *         more than 256 entries, of which the first 256 are given); METER_ECHECKSUM, METER_EFRAME, METER_ETRUNCATED, METER_ELIMIT:
 *         nothing could be decoded (the first reason).
 * @since 0.2
 */
METER_API meter_status_t meter_sml_decode(const uint8_t *data, size_t len, unsigned flags,
                                          meter_sml_info_t *info, meter_sml_entry_t *out,
                                          size_t cap, size_t *n, char *errbuf, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif /* METER_SML_H */
