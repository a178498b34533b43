/* SPDX-License-Identifier: MIT */
/* Internal declarations shared across core, proto, drivers, transports and
 * the simulator: connection strings, the model/driver tables, the bus and
 * handle structures. Names here use the mtr_ prefix and are never exported. */
#ifndef MTR_INTERNAL_H
#define MTR_INTERNAL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "meter/meter.h"
#include "meter/record.h"
#include "meter/settings.h"
#include "proto/modbus.h"

/* ---- errors ------------------------------------------------------------ */

/** Format a message into buf (may be NULL) and return status. */
int mtr_err(char *buf, size_t len, int status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* ---- connection strings (connstr.c) ------------------------------------- */

enum mtr_proto { MTR_PROTO_NONE = 0, MTR_PROTO_MODBUS, MTR_PROTO_MBUS, MTR_PROTO_IEC };

enum mtr_scheme {
    MTR_SCHEME_NONE = 0,
    MTR_SCHEME_RTU,      /* Modbus RTU on a serial line */
    MTR_SCHEME_TCP,      /* Modbus TCP */
    MTR_SCHEME_MBUS,     /* M-Bus on a serial line */
    MTR_SCHEME_MBUS_TCP, /* M-Bus through a transparent TCP gateway */
    MTR_SCHEME_IEC,      /* IEC 62056-21 on an optical head */
    MTR_SCHEME_IEC_TCP   /* IEC 62056-21 through a serial server */
};

/* which fields of struct mtr_conn were given explicitly */
enum {
    MTR_SET_BAUD = 1u << 0,
    MTR_SET_PARITY = 1u << 1,
    MTR_SET_DATA = 1u << 2,
    MTR_SET_STOP = 1u << 3,
    MTR_SET_ID = 1u << 4,
    MTR_SET_TIMEOUT = 1u << 5,
    MTR_SET_RETRIES = 1u << 6,
    MTR_SET_RS485 = 1u << 7,
    MTR_SET_WORDS = 1u << 8,
    MTR_SET_MAXREGS = 1u << 9,
    MTR_SET_SECONDARY = 1u << 10, /* M-Bus secondary address */
    MTR_SET_SELECT_C = 1u << 11,  /* M-Bus selection C field */
    MTR_SET_TELEGRAMS = 1u << 12, /* M-Bus multi-telegram limit */
    MTR_SET_ECHO = 1u << 13,      /* M-Bus, IEC: local echo handling */
    MTR_SET_DEVADDR = 1u << 14,   /* IEC: device address for the sign-on */
    MTR_SET_PASSWORD = 1u << 15,  /* IEC: programming-mode password */
    MTR_SET_WAKEUP = 1u << 16,    /* IEC: wake-up sequence for battery meters */
    MTR_SET_DELAY = 1u << 17,     /* IEC: extra delay before the baud switch */
    MTR_SET_DTR = 1u << 18,       /* IEC: DTR line */
    MTR_SET_RTS = 1u << 19,       /* IEC: RTS line */
    MTR_SET_BCC = 1u << 20,       /* IEC: check character variant */
    MTR_SET_MAXBAUD = 1u << 21    /* IEC: highest speed to switch to */
};

enum { MTR_ECHO_AUTO = 0, MTR_ECHO_ON, MTR_ECHO_OFF };
enum { MTR_BCC_XOR = 0, MTR_BCC_SUM7, MTR_BCC_NONE };

#define MTR_PATH_MAX 256

struct mtr_conn {
    enum mtr_scheme scheme;
    char path[MTR_PATH_MAX]; /* serial device, for serial schemes */
    char host[MTR_PATH_MAX]; /* host name or address, for TCP schemes */
    unsigned port;
    unsigned set; /* MTR_SET_* */
    unsigned baud;
    char parity; /* 'N', 'E', 'O' */
    unsigned data_bits;
    unsigned stop_bits;
    int id;               /* Modbus slave id */
    unsigned timeout_ms;  /* response timeout */
    unsigned retries;     /* retries after timeout/corrupt reply */
    int rs485;            /* 1: kernel RS485 mode (TIOCSRS485) */
    int word_order;       /* MTR_WORDS_ABCD or MTR_WORDS_CDAB */
    unsigned max_regs;    /* longest Modbus read to try (1-125) */
    /* M-Bus (id above holds the primary address 0-250, 254) */
    char secondary[17];   /* 16 hex digits IIIIIIIIMMMMVVDD, F/FF wildcards, or 8 id digits */
    unsigned select_c;    /* 0x53 (default) or 0x73 */
    unsigned max_telegrams;
    int echo;             /* MTR_ECHO_* */
    /* IEC 62056-21 */
    char devaddr[33];     /* device address in the sign-on /?ADDR! */
    char password[33];    /* programming-mode password (P1) */
    int wakeup;           /* 1: send the wake-up sequence first */
    unsigned delay_ms;    /* extra delay before switching speed after the ACK */
    int dtr, rts;         /* 0, 1: drive the line; -1 leave it */
    int bcc;              /* MTR_BCC_* */
    unsigned max_baud;    /* highest speed the session switches to */
};

/* option classes; MTR_CONN_LISTEN (no options, port 0 allowed) is for servers */
enum { MTR_CONN_LISTEN = 0, MTR_CONN_LINE = 1, MTR_CONN_METER = 2, MTR_CONN_ALL = 3 };

/** Parse "scheme:target?k=v&k=v". @p what selects which option classes are allowed. */
int mtr_conn_parse(const char *s, struct mtr_conn *c, unsigned what, char *err, size_t len);
/** Parse only "k=v&k=v" options for a known scheme into @p c. */
int mtr_conn_parse_options(const char *opts, struct mtr_conn *c, unsigned what, char *err,
                           size_t len);
enum mtr_proto mtr_scheme_proto(enum mtr_scheme s);
const char *mtr_scheme_name(enum mtr_scheme s);

/* ---- Modbus register maps (the drivers' tables) ------------------------- */

/* row flags */
enum {
    MTR_R_3P = 1u << 0, /* three-phase models only (the manual's '*') */
    MTR_R_1P = 1u << 1  /* single-phase models only */
};

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

/* ---- settings and actions ------------------------------------------------ */

enum mtr_cfg_kind { MTR_CFG_SETTING = 1, MTR_CFG_ACTION };

/** A setting change or an action, as the core hands it to a protocol. */
struct mtr_cfg {
    enum mtr_cfg_kind kind;
    int id;            /* meter_setting_t or meter_action_t */
    const char *value; /* the setting's value as text; NULL for actions */
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

/* ---- models and families ----------------------------------------------- */

struct mtr_model {
    meter_model_info_t info; /* first: meter_model_info() hands out &model->info */
    enum mtr_proto proto;
    unsigned baud;
    char parity;
    int id;
    unsigned phases;
    const struct mtr_mb_map *modbus; /* Modbus models */
    const void *proto_data;          /* other protocols' driver data */
};

struct mtr_family {
    const char *name;
    const struct mtr_model *models;
    size_t nmodels;
};

size_t mtr_model_total(void);
const struct mtr_model *mtr_model_at(size_t i);
const struct mtr_model *mtr_model_find(const char *name_or_alias);
/** Does the model have a row with these MTR_R_* flags? (three-/single-phase-only rows) */
int mtr_model_has_flags(const struct mtr_model *model, unsigned flags);
#define mtr_model_has_row(model, r) mtr_model_has_flags((model), (r)->flags)
/** The row for q in the model's table, or NULL. */
const struct mtr_mb_reg *mtr_model_row(const struct mtr_model *model, meter_quantity_t q);

/* ---- protocols ------------------------------------------------------------ */

/* What a protocol (Modbus, M-Bus, IEC 62056-21) plugs into the core. A new
 * protocol is one ops table in its own file and one line in protocols.c. */
struct mtr_proto_ops {
    enum mtr_proto proto;
    const char *name;
    /* open/close the bus's link (b->conn holds the parsed connection) */
    int (*bus_open)(struct meter_bus *b, char *err, size_t len);
    void (*bus_close)(struct meter_bus *b);
    /* a meter opened on a bus: check/keep its options (c), set up m->priv; may be NULL */
    int (*attach)(meter_t *m, const struct mtr_conn *c, char *err, size_t len);
    void (*detach)(meter_t *m);
    int (*read)(meter_t *m, const meter_quantity_t *qs, size_t n, meter_reading_t *out);
    size_t (*quantities)(const meter_t *m, meter_quantity_t *out, size_t cap);
    /* settings: describe what is allowed; apply (frame != NULL: only build the request) */
    int (*cfg_allowed)(const meter_t *m, const struct mtr_cfg *c, char *buf, size_t len,
                       unsigned *risk);
    int (*cfg_apply)(meter_t *m, const struct mtr_cfg *c, uint8_t *frame, size_t cap,
                     size_t *flen);
    /* optional: all records in one session (NULL: the snapshot as records) */
    int (*records)(meter_t *m, meter_record_t *out, size_t cap, size_t *n);
    /* optional: a snapshot of what the meter really sends (NULL: read every quantity listed) */
    int (*snapshot)(meter_t *m, meter_reading_t *out, size_t cap, size_t *n);
};

/** The ops of a protocol, or NULL. */
const struct mtr_proto_ops *mtr_proto_ops(enum mtr_proto proto);
extern const struct mtr_proto_ops mtr_proto_modbus;
extern const struct mtr_proto_ops mtr_proto_iec;

/* ---- the bus and the handle --------------------------------------------- */

struct meter_bus {
    const struct mtr_proto_ops *ops;
    pthread_mutex_t lock;     /* held for one transaction */
    pthread_mutex_t ref_lock; /* guards refs */
    int refs;
    struct mtr_conn conn;
    enum mtr_proto proto;
    void *link; /* the protocol's link object (modbus_t * for Modbus) */
    void *priv; /* the protocol's bus state, if any */
    int stale;  /* an exchange failed: a reply may still be on its way */
    unsigned stale_ms; /* the timeout it had */
    uint16_t late[8];  /* RTU: reply lengths (bytes) of FC03 requests that may still be answered */
    unsigned nlate;
    meter_log_fn log;
    void *log_ud;
};

struct meter {
    const struct mtr_model *model;
    struct meter_bus *bus;
    int id;
    unsigned timeout_ms;
    unsigned retries;
    int word_order;
    unsigned max_regs; /* learned limit for one read */
    int no_bridge;     /* learned: the meter refuses reads over holes */
    meter_stats_t stats;
    char err[256];
    meter_log_fn log;
    void *log_ud;
    void *userdata;
    void *priv; /* the protocol's per-meter state (attach/detach) */
};

void mtr_log(const meter_t *m, meter_log_level_t level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void mtr_log_hex(const meter_t *m, const char *what, const uint8_t *p, size_t n);
int mtr_set_err(meter_t *m, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/** Take a reference on a bus (a meter opened on it). */
void mtr_bus_ref(struct meter_bus *b);
/** Open a bus from a parsed connection. */
int mtr_bus_open_conn(struct meter_bus **out, const struct mtr_conn *c, char *err, size_t len);

/* ---- Modbus rows through the codec (engine_modbus.c) ---------------------- */

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

/* ---- Modbus link (src/core/transport/modbus_link.c) ---------------------- */

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
int mtr_modbus_cfg_apply(meter_t *m, const struct mtr_cfg *c, uint8_t *frame, size_t cap,
                         size_t *flen);

#endif /* MTR_INTERNAL_H */
