/* SPDX-License-Identifier: MIT */
/* The Modbus protocol's internal declarations: the drivers' register maps and
 * write tables, the protocol's bus, handle and option state, the planner, the
 * link through libmodbus and the engine. Only src/protocols/modbus/ and the
 * Modbus drivers include this. */
#ifndef MTR_MODBUS_INTERNAL_H
#define MTR_MODBUS_INTERNAL_H

#include "core/internal.h"
#include "core/transport/link.h"
#include "proto/modbus.h"

/* ---- Modbus register maps (the drivers' tables) ------------------------- */

struct mtr_mb_reg {
    meter_quantity_t q;
    uint16_t addr;   /* PDU (on-wire) address */
    uint8_t words;   /* registers (or 1 for a coil) */
    uint8_t type;    /* enum mtr_regtype */
    int8_t exp10;    /* value in catalogue unit = raw · 10^exp10 (kW → W: 3) */
    uint8_t flags;   /* MTR_R_* */
    const char *cite; /* the manual's section */
};

struct mtr_mb_block {
    uint16_t first, last; /* inclusive register range readable in one request */
};

/* how a Modbus setting's value is put into the request */
enum mtr_enc {
    MTR_E_U16 = 1,  /* the number in one register */
    MTR_E_FLOAT,    /* IEEE-754 single in two registers */
    MTR_E_HEX,      /* decimal digits as hex digits (25 s -> 0x0025) */
    MTR_E_BAUDCODE, /* KPM31: 1200 -> 1 … 9600 -> 4 */
    MTR_E_COIL,     /* FC05: on -> 0xFF00, off -> 0x0000 */
    MTR_E_PARITY    /* KLEFR: E -> 1, N -> 2, O -> 3 */
};

/* what the read-back must show */
enum mtr_expect {
    MTR_X_VALUE = 0, /* the value written */
    MTR_X_TARIFF,    /* 11, 12 (not saved) read back as 1, 2 */
    MTR_X_ZERO,      /* a counter reset: exactly 0 */
    MTR_X_CLEARED,   /* energy cleared: at most 0.1 kWh, what a live meter adds before the read-back */
    MTR_X_NONE
};

/** One row of a Modbus model's write table. */
struct mtr_mb_cfg {
    enum mtr_cfg_kind kind;
    int id;
    uint16_t addr;          /* PDU address */
    uint8_t fc;             /* 5, 6 or 16 */
    uint8_t enc;            /* enum mtr_enc */
    const double *set;      /* allowed values, or NULL for the range [lo, hi] */
    size_t nset;
    double lo, hi;
    double fixed;           /* actions: the value written */
    meter_quantity_t readback;
    uint8_t expect;         /* enum mtr_expect */
    uint8_t flags;          /* MTR_R_* */
    unsigned risk;          /* METER_RISK_* */
    const char *cite;
};

struct mtr_mb_map {
    const struct mtr_mb_reg *regs;
    size_t nregs;
    const struct mtr_mb_block *blocks; /* holes inside a block may be read over */
    size_t nblocks;
    int word_order;
    const struct mtr_mb_cfg *cfgs; /* the write table */
    size_t ncfgs;
};

/** The Modbus models' driver data (mtr_model.proto_data). */
static inline const struct mtr_mb_map *mtr_mb_map_of(const struct mtr_model *model)
{
    return model->proto_data;
}
/** The row for q in the model's table, or NULL. */
const struct mtr_mb_reg *mtr_mb_row(const struct mtr_model *model, meter_quantity_t q);

/* ---- the protocol's state ------------------------------------------------- */

extern const struct mtr_proto_ops mtr_proto_modbus;

/** The schemes (mtr_scheme.id). */
enum { MTR_MB_RTU = 0, MTR_MB_TCP = 1, MTR_MB_RTU_TCP = 2 };

/** Its connection-string options (mtr_conn.popt). */
struct mtr_mb_opts {
    int id;            /* slave id */
    int word_order;    /* MTR_WORDS_* */
    unsigned max_regs; /* longest read to try (1-125) */
    int any_unit;      /* a single-device link: replies from unit 0 or 255 are taken too */
};
enum {
    MTR_MB_SET_ID = 1u << 0,
    MTR_MB_SET_WORDS = 1u << 1,
    MTR_MB_SET_MAXREGS = 1u << 2,
    MTR_MB_SET_ANYUNIT = 1u << 3
};

/** The bus's Modbus state (meter_bus.priv; meter_bus.link points at io). */
struct mtr_mb_bus {
    struct mtr_link io;  /* the raw serial port or TCP connection */
    int tcp;             /* MBAP framing (tcp:); else RTU frames (rtu:, rtu-tcp:) */
    int any_unit;        /* the connection's any_unit=1 */
    uint16_t tid;        /* the last MBAP transaction id sent */
    int stale;           /* an exchange failed: a reply may still be on its way */
    uint16_t late[8];    /* RTU: reply lengths (bytes) of FC03 requests that may still be answered */
    unsigned nlate;
};

/** A handle's Modbus state (meter.priv). */
struct mtr_mb_meter {
    int word_order;
    unsigned max_regs; /* learned limit for one read */
    int no_bridge;     /* learned: the meter refuses reads over holes */
    unsigned max_cfg;  /* the limit the connection allows (max_regs=, else 125) */
    unsigned reads;    /* read calls since the limits were last re-tried */
};
/** Learned limits are forgotten (and re-learned if still needed) every this many reads. */
#define MTR_MB_RELEARN 16

static inline struct mtr_mb_meter *mtr_mb_meter(const meter_t *m)
{
    return m->priv;
}

/* ---- rows through the codec (engine_modbus.c) ------------------------------ */

/** The codec's view of a driver row. */
static inline struct mtr_mb_field mtr_mb_field_of(const struct mtr_mb_reg *r)
{
    struct mtr_mb_field f = {r->addr, r->words, r->type, r->exp10};
    return f;
}
/** Decode a driver row from its words into a reading (quantity, unit, kind, value or text). */
int mtr_mb_decode_row(const struct mtr_mb_reg *r, const uint16_t *words, int word_order,
                      meter_reading_t *out, char *err, size_t len);

/* ---- the request planner (planner.c), pure -------------------------------- */

struct mtr_plan_item {
    uint8_t fc;     /* 3 (registers) or 1 (coils) */
    uint16_t addr;
    uint16_t words; /* registers, or 1 coil */
    size_t tag;     /* the caller's index */
};

struct mtr_plan_req {
    uint8_t fc;
    uint16_t addr;
    uint16_t count;
    size_t first, n; /* items [first, first + n) of the sorted item array */
};

/** Sort items and group them into as few requests as the limits allow. */
int mtr_plan(struct mtr_plan_item *items, size_t n, const struct mtr_mb_block *blocks,
             size_t nblocks, unsigned max_regs, int bridge_holes, struct mtr_plan_req *reqs,
             size_t cap, size_t *nreqs);

/* ---- ADUs (modbus_adu.c), pure ------------------------------------------- */

/** One request as it goes on the wire. */
struct mtr_mb_req {
    int tcp;          /* MBAP framing; else RTU */
    uint8_t unit;     /* slave / unit id */
    int any_unit;     /* replies from unit 0 or 255 are taken too */
    uint16_t tid;     /* TCP: the transaction id */
    uint8_t fc;       /* 1, 3, 5, 6 or 16 */
    uint16_t addr, count;
    const uint16_t *src; /* writes: the values */
};

/** What the bytes received so far are (mtr_mb_adu_scan). */
enum {
    MTR_MB_NEED = 0,    /* not enough bytes to tell */
    MTR_MB_MINE,        /* the reply to this request (values decoded) */
    MTR_MB_EXCEPTION,   /* this request refused (*excode) */
    MTR_MB_STRAY_UNIT,  /* a whole reply from another unit id */
    MTR_MB_STRAY_TID,   /* TCP: a whole reply to an earlier transaction */
    MTR_MB_STRAY_LATE,  /* RTU: a whole reply from this unit to another request */
    MTR_MB_MISMATCH,    /* TCP: this transaction's reply does not fit the request */
    MTR_MB_BADCRC,      /* RTU: this request's reply with a bad CRC */
    MTR_MB_GARBLED      /* bytes that start no reply (RTU: skip *used; TCP: framing lost) */
};

/** The request's ADU into buf; its length, or 0 when it does not fit. */
size_t mtr_mb_adu_build(const struct mtr_mb_req *r, uint8_t *buf, size_t cap);
/** The length of the ADU that answers r. */
size_t mtr_mb_reply_len(const struct mtr_mb_req *r);
/** The byte count of a read reply (FC01, FC03). */
unsigned mtr_mb_reply_bytes(uint8_t fc, uint16_t count);
/** Judge the bytes p[0..n) received for r: one of MTR_MB_*; *used is how many bytes
 *  the verdict consumes. MINE decodes the values into dst (may be NULL). */
int mtr_mb_adu_scan(const struct mtr_mb_req *r, const uint8_t *p, size_t n, size_t *used,
                    int *excode, uint16_t *dst);
/** RTU: when the head at p[0] promises more bytes than came (MTR_MB_NEED) but is not
 *  this request's reply, it may be noise or an adapter's echo of the request in front
 *  of a whole frame: the offset of the first whole frame (CRC right) further on, or 0
 *  (keep waiting). Always 0 on TCP and for this reply's own head. */
size_t mtr_mb_rtu_resync(const struct mtr_mb_req *r, const uint8_t *p, size_t n);
/** "illegal data address", …, "unknown". */
const char *mtr_mb_exception_name(int code);

/* ---- the link (modbus_link.c) ------------------------------------------- */

int mtr_mb_link_open(struct meter_bus *b, char *err, size_t len);
void mtr_mb_link_close(struct meter_bus *b);
/** One read request on the meter's bus (FC01 or FC03), retried per the handle.
 *  On a Modbus exception *excode is set and METER_EEXCEPTION returned. */
int mtr_mb_read(meter_t *m, uint8_t fc, uint16_t addr, uint16_t count, uint16_t *dst,
                int *excode);
/** One write request (FC05, FC06 or FC16) on the meter's bus; retried only if @p retry. */
int mtr_mb_write(meter_t *m, uint8_t fc, uint16_t addr, const uint16_t *w, uint16_t n, int retry,
                 int *excode);
/** Reopen the bus's link at a new baud rate and parity (0 leaves one unchanged). */
int mtr_mb_relink(meter_t *m, unsigned baud, char parity);

/* ---- the Modbus engine (engine_modbus.c) --------------------------------- */

int mtr_modbus_read(meter_t *m, const meter_quantity_t *qs, size_t n, meter_reading_t *out);
size_t mtr_modbus_quantities(const meter_t *m, meter_quantity_t *out, size_t cap);
int mtr_modbus_cfg_allowed(const meter_t *m, const struct mtr_cfg *c, char *buf, size_t len,
                           unsigned *risk);
/** 1: a write of this setting or action is read back and checked; 0: only acknowledged. */
int mtr_modbus_cfg_verified(const meter_t *m, const struct mtr_cfg *c);
int mtr_modbus_cfg_apply(meter_t *m, const struct mtr_cfg *c, uint8_t *frame, size_t cap,
                         size_t *flen);


#endif /* MTR_MODBUS_INTERNAL_H */
