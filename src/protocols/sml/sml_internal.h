/* SPDX-License-Identifier: MIT */
/* SML inside libmeter: the schemes and options, the listening session on the IR
 * head (sml_listen.c), entries onto the catalogue and into records (sml_map.c) and
 * the driver data type. Internal only; the codec is proto/sml.h. */
#ifndef MTR_SML_INTERNAL_H
#define MTR_SML_INTERNAL_H

#include <stdbool.h>

#include "core/internal.h"
#include "core/transport/link.h"
#include "proto/obis.h"
#include "proto/sml.h"

extern const struct mtr_proto_ops mtr_proto_sml;

/** The schemes (mtr_scheme.id). */
enum { MTR_SMLP_SERIAL = 0, MTR_SMLP_TCP = 1 };

/** Its connection-string options (mtr_conn.popt), all of the line. */
struct mtr_sml_opts {
    unsigned interval_ms; /* the meter's push interval (sets the deadline) */
    int crc;              /* MTR_SMLP_CRC_* */
    int msgcrc;           /* 1: trust the transport CRC over wrong message CRCs */
    int dtr, rts;         /* 0, 1: drive the line (unset: leave it) */
};
enum { MTR_SMLP_CRC_X25 = 0, MTR_SMLP_CRC_KERMIT, MTR_SMLP_CRC_X25_SWAPPED };
enum {
    MTR_SMLP_SET_INTERVAL = 1u << 0,
    MTR_SMLP_SET_CRC = 1u << 1,
    MTR_SMLP_SET_MSGCRC = 1u << 2,
    MTR_SMLP_SET_DTR = 1u << 3,
    MTR_SMLP_SET_RTS = 1u << 4
};
#define MTR_SMLP_INTERVAL_DEFAULT 2000 /* ms; meters push every 1 to 4 s */

/* ---- driver data (src/drivers/sml.c) ------------------------------------------ */

enum {
    /* the serial number is the telegram's server id (hex) where no entry gives one */
    MTR_SMLD_SERIAL_SERVER_ID = 1u << 0
};

/** What the simulator pushes for a model: OBIS C.D.E codes of the catalogue. */
struct mtr_sml_driver {
    const mtr_obis_row_t *rows; /* OBIS onto the catalogue (the shared map or a subset) */
    size_t nrows;
    unsigned codec_flags;       /* MTR_SML_OPT_* the meter needs (model default) */
    unsigned flags;             /* MTR_SMLD_* */
    const char *sim_codes;      /* the simulator's telegram: "\n"-separated "C.D.E" codes */
};

/* ---- the bus: the head and the stream ------------------------------------------- */

/* Every entry a frame can carry (455: proto/sml.h), kept in the bus (71 KiB, allocated
 * once when the bus opens): no quantity is ever lost behind an entry limit. */
#define MTR_SML_ENTRIES_MAX MTR_SML_FRAME_ENTRIES_MAX

struct mtr_sml_bus {
    struct mtr_link link;
    unsigned codec_flags;       /* from the options (a model may add its own) */
    unsigned interval_ms;
    mtr_sml_stream_t stream;
    mtr_sml_entry_t entries[MTR_SML_ENTRIES_MAX];
    mtr_sml_result_t res;       /* the last telegram (slices into stream.buf) */
    unsigned long frames_bad;   /* telegrams refused since the bus was opened */
};

/** Wait for the next complete telegram whose transport CRC (and message CRCs) are
 *  right, within m->timeout_ms; bus lock held by the caller. Result in sb->res.
 *  METER_OK, METER_ETIMEDOUT (message says what was refused), METER_ECANCELED, METER_EIO. */
int mtr_sml_listen(meter_t *m, struct mtr_sml_bus *sb);
/** The deadline a read gets unless timeout= is given: two push intervals plus the
 *  wire time of the largest telegram (MTR_SML_FRAME_MAX bytes) at @p baud 8N1. */
unsigned mtr_sml_deadline_ms(unsigned interval_ms, unsigned baud);

/* ---- entries onto the catalogue (sml_map.c) ------------------------------------- */

/** The quantity an entry is (METER_Q_NONE if none); *prio gets the row index. */
meter_quantity_t mtr_sml_map_entry(const struct mtr_sml_driver *d, const mtr_sml_entry_t *e,
                                   size_t *prio);
/** An entry as a reading in the catalogue's unit (value as the wire says, times
 *  10^scaler, unit converted: Wh -> kWh ...). */
int mtr_sml_convert(const mtr_sml_entry_t *e, meter_quantity_t q, meter_reading_t *out, char *err,
                    size_t len);
/** mtr_choose() (core/choose.h) over the entries: best[q] gives q, clash[q] contradicts it. */
void mtr_sml_choose(const struct mtr_sml_driver *d, const mtr_sml_result_t *res, size_t *best,
                    size_t *clash);
/** The reading of a clash: METER_EVALUE, the message naming both codes and values. */
int mtr_sml_clash(const mtr_sml_entry_t *a, const mtr_sml_entry_t *b, meter_quantity_t q,
                  meter_reading_t *out, char *err, size_t len);
/** An entry as a record: value and unit as sent (after the scaler), OBIS as name. */
void mtr_sml_entry_record(const mtr_sml_entry_t *e, meter_quantity_t q, meter_record_t *r);
/** A server id (or octet string) as text: printable ASCII as is, else lower-case hex. */
void mtr_sml_octets_text(const uint8_t *p, size_t n, char *out, size_t cap);

#endif /* MTR_SML_INTERNAL_H */
