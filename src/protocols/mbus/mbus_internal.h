/* SPDX-License-Identifier: MIT */
/* Internal M-Bus declarations shared by the session (mbus_session.c), the
 * engine (engine_mbus*.c), scans, the record conversion and the M-Bus drivers:
 * the bus and per-meter state, transactions, and the driver data format. */
#ifndef MTR_MBUS_INTERNAL_H
#define MTR_MBUS_INTERNAL_H

#include "core/internal.h"
#include "core/transport/link.h"
#include "proto/mbus.h"

/* ---- schemes, options, bus and meter state --------------------------------- */

/** The schemes (mtr_scheme.id). */
enum { MTR_MBUS_SERIAL = 0, MTR_MBUS_TCP = 1 };

/** Its connection-string options (mtr_conn.popt). */
struct mtr_mbus_opts {
    int addr;           /* primary address (0-250, 254) */
    char secondary[17]; /* 16 hex digits IIIIIIIIMMMMVVDD, F/FF wildcards, or 8 id digits */
    int select_c;       /* 0x53 (default) or 0x73 */
    unsigned telegrams; /* multi-telegram limit */
    int echo;           /* MTR_ECHO_* */
};
enum {
    MTR_MBUS_SET_ADDR = 1u << 0,
    MTR_MBUS_SET_SECONDARY = 1u << 1,
    MTR_MBUS_SET_SELECT_C = 1u << 2,
    MTR_MBUS_SET_TELEGRAMS = 1u << 3,
    MTR_MBUS_SET_ECHO = 1u << 4
};

/** The bus's M-Bus state (meter_bus.priv and .link). */
struct mtr_mbus_bus {
    struct mtr_link link;
    mtr_mbus_parser_t parser;
    int8_t fcb[256]; /* FCB of the next REQ_UD2 per address; -1: unknown (SND_NKE first) */
    int echo;        /* MTR_ECHO_* */
    int echo_seen;   /* an echo of our own request was seen on this line */
    mtr_mbus_secondary_t selected; /* the last selection acknowledged (answers to 0xFD) */
    int have_selected;
};

/** A meter handle's M-Bus state (meter.priv). */
struct mtr_mbus_meter {
    int use_secondary;          /* talk through a selection, then to 0xFD */
    mtr_mbus_secondary_t sec;   /* the selection */
    uint8_t select_c;           /* 0x53 or 0x73 */
    unsigned telegrams;         /* most telegrams per read */
    int timeout_auto;           /* the response timeout follows the baud rate */
};

/* ---- transactions (mbus_session.c) ---------------------------------------- */

enum { MTR_MBUS_X_ACK = 1, MTR_MBUS_X_RSP = 2 };

/** A reply: one frame, copied off the parser. */
struct mtr_mbus_reply {
    uint8_t buf[MTR_MBUS_FRAME_MAX];
    mtr_mbus_frame_t frame; /* points into buf */
    unsigned garbled;       /* malformed candidates, noise bytes, truncated tails */
    size_t extra;           /* bytes of frames after the first (repeats of it excluded) */
    unsigned foreign;       /* well-formed slave frames that do not answer this request */
    char foreign_why[96];   /* what the first of them was */
    int flood;              /* the line was still sending at the exchange's bound */
};

/* The bound of one exchange (request of n bytes, one answer), in ms: the write
 * (1000 ms + twice its wire time), the response timeout, the silence that ends
 * an answer, and the wire time of the most an answer may take (the echo of the
 * request, one long frame of 261 bytes and 64 bytes of noise):
 *     1000 + timeout + gap + (3·n + 325) · c
 * c: ms per character (11 bits at the line's speed; 2400 Bd over TCP),
 * gap: max(100, 40 bit times) on a serial line, 300 over TCP. */
#define MTR_MBUS_NOISE_MAX 64
/** ms per character on the bus's link (11 bits; TCP counted at 2400 Bd). */
double mtr_mbus_char_ms(const meter_t *m);
/** The silence that ends an answer (ms). */
unsigned mtr_mbus_gap_ms(const meter_t *m);
/** The bound of one exchange with a request of @p n bytes (ms), as above. */
unsigned mtr_mbus_exchange_bound_ms(const meter_t *m, size_t n);

/** The response timeout the standard implies at a baud rate (ms). */
unsigned mtr_mbus_default_timeout(unsigned baud, int tcp);
/**
 * One request and its reply, retried per the handle on a timeout or a corrupt
 * reply. The answer must belong to the request: E5 only where E5 is expected; an
 * RSP_UD (C 08, ACD/DFC any) from the primary address asked (0xFE and 0xFF: any), or
 * after a selection (0xFD) one whose header matches the selection. A frame that does
 * not belong is dropped and the wait goes on; when no answer belonged: METER_EFRAME.
 * A second, different frame with the answer: METER_EFRAME. In a read, a garbled
 * answer is METER_ECHECKSUM (METER_ETRUNCATED when cut short) unless
 * mtr_mbus_collided() sees two senders: METER_ECOLLISION; both retried. @p strict (scans,
 * selections): garbled bytes, noise or a second frame mean several slaves answered
 * → METER_ECOLLISION, never retried. A line that is still sending at the exchange's
 * bound (mtr_mbus_exchange_bound_ms()): METER_ELIMIT, never retried.
 * The caller holds the bus lock.
 * @return METER_OK, METER_ETIMEDOUT, METER_ECOLLISION, METER_ECHECKSUM, METER_EFRAME,
 *         METER_ETRUNCATED, METER_ELIMIT, METER_EIO, METER_ECANCELED.
 */
int mtr_mbus_request(meter_t *m, const uint8_t *req, size_t n, int expect, int strict,
                     struct mtr_mbus_reply *r);
/* ---- collisions in a read (mbus_collide.c; docs/mbus.md, "Collisions in a read") ---- */

/** The most bytes one exchange keeps of an answer (the bound's n + 261 + 64, with n at
 *  most a frame, and the last read's overshoot). */
#define MTR_MBUS_RAW_MAX (2 * MTR_MBUS_FRAME_MAX + MTR_MBUS_NOISE_MAX + 300)
/** What told a collision apart from a corrupt answer. */
enum { MTR_MBUS_COLLIDE_OVERRUN = 1, MTR_MBUS_COLLIDE_REPEAT = 2 };
/**
 * A spoiled frame in @p b: a long-frame header 68 L L 68 (L ≥ 3) that is intact, all
 * L + 6 bytes there, and a stop byte or checksum that fails. *at: its offset; *after:
 * the bytes that came after its announced end. @return 1 when there is one.
 */
int mtr_mbus_spoiled_frame(const uint8_t *b, size_t n, size_t *at, size_t *after);
/**
 * Did several slaves answer at once? Only for an answer in which no frame answered the
 * request: yes when it holds a spoiled frame and either bytes kept coming past its
 * announced end (*why = MTR_MBUS_COLLIDE_OVERRUN: the longer of two overlapping answers)
 * or @p prev, the garbled answer of the previous attempt of the same request, is the
 * same bytes (*why = MTR_MBUS_COLLIDE_REPEAT: both slaves repeat their answer to a frame
 * with the same FCB; noise does not repeat itself). A spoiled frame alone, once, is a
 * corrupt answer (METER_ECHECKSUM). @return 1 for a collision.
 */
int mtr_mbus_collided(const uint8_t *b, size_t n, const uint8_t *prev, size_t prev_n, int *why);

/** Select the handle's secondary address (strict). Caller holds the lock. */
int mtr_mbus_select(meter_t *m, const mtr_mbus_secondary_t *sel, uint8_t c);
/** The address the handle talks to: its primary address, or 0xFD after a selection. */
int mtr_mbus_target(meter_t *m, int *addr);

/** Called once per telegram of a read; return nonzero to stop. */
typedef int (*mtr_mbus_telegram_fn)(meter_t *m, const mtr_mbus_frame_t *f,
                                    const mtr_mbus_app_t *app, unsigned index, void *ud);
/** Read the meter's telegrams (REQ_UD2, FCB toggled, DIF 1F → next), under the bus lock. */
int mtr_mbus_read_telegrams(meter_t *m, mtr_mbus_telegram_fn fn, void *ud);
/** Send one SND_UD (or control) frame and expect E5. Caller holds the lock. */
int mtr_mbus_send_expect_ack(meter_t *m, const uint8_t *req, size_t n);
/** Switch the bus's serial speed (after a baud change); also the bus's conn. */
int mtr_mbus_relink(meter_t *m, unsigned baud);

/* ---- records (mbus_records.c) --------------------------------------------- */

/** One codec record as a public record (name, unit, value or text, DIF fields). */
void mtr_mbus_to_record(const mtr_mbus_record_t *r, meter_record_t *out, int index);
/** The same, handing back the decoded value and its status (for mtr_mbus_catalogue_v()). */
void mtr_mbus_to_record_v(const mtr_mbus_record_t *r, meter_record_t *out, int index,
                          mtr_mbus_value_t *v, int *vrc);
/** The catalogue quantity of a generic record by the meter's @p medium (-1: not
 *  sent), and its value in the catalogue unit (mbus_catalogue.c, docs/mbus.md).
 *  @return 1 when one fits (a TEXT record: meter_date, value unused). */
int mtr_mbus_catalogue(const mtr_mbus_record_t *r, const meter_record_t *rec, int medium,
                       meter_quantity_t *q, double *value);
/** mtr_mbus_catalogue() with the record's value already decoded (@p v, @p vrc as
 *  mtr_mbus_to_record_v() gave them): a frame's records are decoded once. @p value
 *  NULL: the quantity only (no unit conversion). */
int mtr_mbus_catalogue_v(const mtr_mbus_record_t *r, const meter_record_t *rec,
                         const mtr_mbus_value_t *v, int vrc, int medium, meter_quantity_t *q,
                         double *value);
/** The medium of a telegram as a table-3 code (a fixed frame's 4-bit code
 *  translated), -1 when the header has none. */
int mtr_mbus_catalogue_medium(const mtr_mbus_app_t *app);
/** Every quantity mtr_mbus_catalogue() may give, ascending; returns how many. */
size_t mtr_mbus_catalogue_all(meter_quantity_t *out, size_t cap);
/** Format the header's id as 8 hex digits (BCD digits as they read). */
void mtr_mbus_id_text(uint32_t id, char out[9]);

/* ---- drivers --------------------------------------------------------------- */

/** One row of a model's record map: which record is which catalogue quantity. */
struct mtr_mbus_row {
    uint8_t function;   /* mtr_mbus_function_t of the DIF */
    uint8_t tariff;
    uint8_t quantity;   /* mtr_mbus_quantity_t (energy …) */
    uint8_t unit;       /* mtr_mbus_unit_t the record must have */
    meter_quantity_t q; /* the catalogue quantity */
    const char *cite;
};

/** How a setting's value goes into the SND_UD. */
enum mtr_mbus_wenc {
    MTR_MBUS_W_BAUD = 1,  /* control frame, CI B8..BD */
    MTR_MBUS_W_ADDRESS,   /* 51 01 7A nn */
    MTR_MBUS_W_SECONDARY, /* 51 0C 79 + 4 BCD bytes */
    MTR_MBUS_W_BCD2,      /* prefix + 1 BCD byte */
    MTR_MBUS_W_BCD8,      /* prefix + 4 BCD bytes, value × scale */
    MTR_MBUS_W_FIXED      /* prefix only (actions: the data is part of it) */
};

/** One row of a model's write table. */
struct mtr_mbus_wrow {
    enum mtr_cfg_kind kind;
    int id;               /* meter_setting_t or meter_action_t */
    uint8_t enc;          /* enum mtr_mbus_wenc */
    uint8_t prefix[8];    /* CI 51 data before the value (DIF VIF …) */
    uint8_t nprefix;
    const double *set;    /* allowed values, or NULL for [lo, hi] */
    size_t nset;
    double lo, hi;
    double scale;         /* BCD8: value on the wire = value × scale */
    unsigned risk;        /* METER_RISK_* */
    const char *cite;
};

/** A model's M-Bus driver data (mtr_model.proto_data). */
struct mtr_mbus_driver {
    const struct mtr_mbus_row *rows; /* NULL: generic (every record, catalogue where obvious) */
    size_t nrows;
    const uint16_t *man;             /* manufacturer codes that identify it (either byte order) */
    size_t nman;
    int medium;                      /* medium that identifies it; -1 any */
    const struct mtr_mbus_wrow *writes;
    size_t nwrites;
};

/** The model a scanned meter fits ("mbus" when only the generic one does). */
const char *mtr_mbus_model_for(uint16_t man, uint8_t medium);
/** Does the header identify a meter of this driver? */
int mtr_mbus_driver_fits(const struct mtr_mbus_driver *d, uint16_t man, uint8_t medium);

/* ---- engine (engine_mbus.c, engine_mbus_cfg.c) ----------------------------- */

extern const struct mtr_proto_ops mtr_proto_mbus;
int mtr_mbus_cfg_allowed(const meter_t *m, const struct mtr_cfg *c, char *buf, size_t len,
                         unsigned *risk);
/** 1: a write of this setting is checked by reading the meter back; 0: only its E5. */
int mtr_mbus_cfg_verified(const meter_t *m, const struct mtr_cfg *c);
int mtr_mbus_cfg_apply(meter_t *m, const struct mtr_cfg *c, uint8_t *frame, size_t cap,
                       size_t *flen);

#endif /* MTR_MBUS_INTERNAL_H */
