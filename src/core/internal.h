/* SPDX-License-Identifier: MIT */
/* The core's internal declarations, shared by the protocols, drivers and the
 * simulator: connection strings (schemes and options that protocols supply),
 * models, the protocol ops table, the bus and the handle. Nothing here is
 * protocol-specific; names use the mtr_ prefix and are never exported. */
#ifndef MTR_INTERNAL_H
#define MTR_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "meter/meter.h"
#include "meter/record.h"
#include "meter/settings.h"

/* ---- errors ------------------------------------------------------------ */

/** Format a message into buf (may be NULL) and return status. */
int mtr_err(char *buf, size_t len, int status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* ---- connection strings (connstr.c) ------------------------------------- */

struct mtr_proto_ops;

/* the generic options: which were given explicitly (mtr_conn.set), and which
 * a scheme takes (mtr_scheme.line_opts) */
enum {
    MTR_SET_BAUD = 1u << 0,
    MTR_SET_PARITY = 1u << 1,
    MTR_SET_DATA = 1u << 2,
    MTR_SET_STOP = 1u << 3,
    MTR_SET_RS485 = 1u << 4,
    MTR_SET_TIMEOUT = 1u << 5,
    MTR_SET_RETRIES = 1u << 6
};

/** A connection scheme (the "name:" that starts a connection string): one row of a protocol's table. */
struct mtr_scheme {
    const char *name;
    int id;                      /* the protocol's own number for it */
    int serial;                  /* the target is a device path (else host:port) */
    unsigned default_port;       /* TCP: 0 means the port must be given */
    unsigned line_opts;          /* the generic options it takes (MTR_SET_*) */
    unsigned default_timeout_ms; /* a handle's response timeout unless given (0: the protocol's) */
};

/** Kinds of protocol option; where the value goes in the protocol's option struct. */
enum mtr_opt_kind {
    MTR_OPT_UINT = 1, /* unsigned, within [min, max] */
    MTR_OPT_INT,      /* int, within [min, max] */
    MTR_OPT_BOOL,     /* int, 0 or 1 */
    MTR_OPT_TEXT,     /* char[size], length within [min, max], printable, no '!' or '?' */
    MTR_OPT_CHOICE    /* int, one of choices (names compared without case) */
};

struct mtr_choice {
    const char *name;
    int value;
};

/** One option a protocol adds to its schemes' connection strings. */
struct mtr_opt {
    const char *key;
    unsigned cls;                    /* MTR_CONN_LINE and/or MTR_CONN_METER */
    unsigned schemes;                /* bit per mtr_scheme.id; 0: all of the protocol's */
    enum mtr_opt_kind kind;
    long min, max;
    const struct mtr_choice *choices; /* CHOICE: ends with a NULL name */
    size_t offset, size;             /* the field in the protocol's option struct */
    unsigned flag;                   /* its bit in mtr_conn.pset */
    const char *help;
};

#define MTR_PATH_MAX 256
#define MTR_POPT_MAX 256

struct mtr_conn {
    const struct mtr_proto_ops *proto;
    const struct mtr_scheme *scheme;
    char path[MTR_PATH_MAX]; /* serial device, for serial schemes */
    char host[MTR_PATH_MAX]; /* host name or address, for TCP schemes */
    unsigned port;
    unsigned set;         /* MTR_SET_*: generic options given */
    unsigned baud;
    char parity;          /* 'N', 'E', 'O' */
    unsigned data_bits;
    unsigned stop_bits;
    int rs485;            /* 1: kernel RS485 mode (TIOCSRS485) */
    unsigned timeout_ms;  /* response timeout */
    unsigned retries;     /* retries after timeout/corrupt reply */
    unsigned pset;        /* the protocol's options given (mtr_opt.flag) */
    union {               /* the protocol's option struct (its options' offsets) */
        long double align_;
        void *align_p_;
        unsigned char bytes[MTR_POPT_MAX];
    } popt;
};

/** The protocol's option struct inside a connection. */
#define MTR_POPT(c, type) ((type *)(void *)(c)->popt.bytes)
#define MTR_CPOPT(c, type) ((const type *)(const void *)(c)->popt.bytes)

/* option classes; MTR_CONN_LISTEN (no options, port 0 allowed) is for servers */
enum { MTR_CONN_LISTEN = 0, MTR_CONN_LINE = 1, MTR_CONN_METER = 2, MTR_CONN_ALL = 3 };

/** Parse "scheme:target?k=v&k=v". @p what selects which option classes are allowed. */
int mtr_conn_parse(const char *s, struct mtr_conn *c, unsigned what, char *err, size_t len);
/** Parse only "k=v&k=v" options for a known scheme (c->proto, c->scheme set) into @p c. */
int mtr_conn_parse_options(const char *opts, struct mtr_conn *c, unsigned what, char *err,
                           size_t len);

/* ---- rows that apply to some models only ---------------------------------- */

enum {
    MTR_R_3P = 1u << 0, /* three-phase models only (the manual's '*') */
    MTR_R_1P = 1u << 1  /* single-phase models only */
};

/* ---- settings and actions ------------------------------------------------ */

enum mtr_cfg_kind { MTR_CFG_SETTING = 1, MTR_CFG_ACTION };

/** A setting change or an action, as the core hands it to a protocol. */
struct mtr_cfg {
    enum mtr_cfg_kind kind;
    int id;            /* meter_setting_t or meter_action_t */
    const char *value; /* the setting's value as text; NULL for actions */
};

/* ---- the catalogue (quantity.c) ------------------------------------------ */

/** On a single-phase meter, the summary quantity a phase-L1 name is the same value
 *  as (voltage_l1 -> voltage …, docs/quantities.md), or METER_Q_NONE. */
meter_quantity_t mtr_quantity_single_phase_twin(meter_quantity_t q);

/* ---- models and families ----------------------------------------------- */

struct mtr_model {
    meter_model_info_t info; /* first: meter_model_info() hands out &model->info */
    const struct mtr_proto_ops *proto;
    unsigned baud;           /* the model's line defaults (0: the scheme's) */
    char parity;
    int id;                  /* its default address on the bus */
    unsigned phases;
    const void *proto_data;  /* the protocol's driver data (a register map, a record map …) */
};

struct mtr_family {
    const char *name;
    const struct mtr_model *models;
    size_t nmodels;
};

size_t mtr_model_total(void);
const struct mtr_model *mtr_model_at(size_t i);
const struct mtr_model *mtr_model_find(const char *name_or_alias);
/** Does a row with these MTR_R_* flags apply to the model? (three-/single-phase-only rows) */
int mtr_model_has_flags(const struct mtr_model *model, unsigned flags);
#define mtr_model_has_row(model, r) mtr_model_has_flags((model), (r)->flags)

/* ---- protocols ------------------------------------------------------------ */

/* What a protocol plugs into the core: its schemes and options, and its
 * operations. A protocol is one folder under src/protocols/ whose ops table is
 * registered in one line of protocols.c. */
struct mtr_proto_ops {
    const char *name;
    const struct mtr_scheme *schemes; /* the connection schemes it serves */
    size_t nschemes;
    const struct mtr_opt *opts;       /* its connection-string options */
    size_t nopts;
    /* open/close the bus's link (b->conn holds the parsed connection) */
    int (*bus_open)(struct meter_bus *b, char *err, size_t len);
    void (*bus_close)(struct meter_bus *b);
    /* a meter opened on a bus: check/keep its options (c; the bus's in b->conn), set up
     * m->priv and m->id; may be NULL */
    int (*attach)(meter_t *m, const struct mtr_conn *c, char *err, size_t len);
    void (*detach)(meter_t *m);
    int (*read)(meter_t *m, const meter_quantity_t *qs, size_t n, meter_reading_t *out);
    size_t (*quantities)(const meter_t *m, meter_quantity_t *out, size_t cap);
    /* settings: describe what is allowed; apply (frame != NULL: only build the request) */
    int (*cfg_allowed)(const meter_t *m, const struct mtr_cfg *c, char *buf, size_t len,
                       unsigned *risk);
    int (*cfg_apply)(meter_t *m, const struct mtr_cfg *c, uint8_t *frame, size_t cap,
                     size_t *flen);
    /* 1: a write is read back and checked after it is sent; 0: the meter's acknowledgement is
     * all there is; or a status (METER_EUNSUPPORTED) */
    int (*cfg_verified)(const meter_t *m, const struct mtr_cfg *c);
    /* optional: all records in one session (NULL: the snapshot as records) */
    int (*records)(meter_t *m, meter_record_t *out, size_t cap, size_t *n);
    /* optional: a snapshot of what the meter really sends (NULL: read every quantity listed) */
    int (*snapshot)(meter_t *m, meter_reading_t *out, size_t cap, size_t *n);
};

/** The protocols built in (protocols.c), NULL-terminated. */
extern const struct mtr_proto_ops *const mtr_protocols[];

/* ---- the bus and the handle --------------------------------------------- */

/** Cancellation of the exchange in progress on a bus (meter_cancel()): a wait
 *  polls rd as well; when it is readable and *flag (the bus owner's) is set, the
 *  wait ends with METER_ECANCELED. */
struct mtr_cancel {
    int rd, wr;              /* a non-blocking pipe; a byte means "look at the flags" */
    atomic_int *_Atomic flag; /* the owner's cancel flag while the bus is taken; else NULL */
};
/** In a wait that saw c->rd readable: drain it; 1 when the owner asked to stop. */
int mtr_cancel_check(const struct mtr_cancel *c);

struct meter_bus {
    const struct mtr_proto_ops *ops;
    pthread_mutex_t lock;     /* held for one exchange (mtr_bus_lock) */
    pthread_mutex_t ref_lock; /* guards refs */
    int refs;
    int offline; /* meter_open_offline(): no link; exchanges are METER_ESTATE */
    struct mtr_cancel cancel; /* waits on this bus also poll cancel.rd */
    struct mtr_conn conn;
    void *link; /* the protocol's link object */
    void *priv; /* the protocol's bus state, if any */
    pthread_mutex_t log_lock; /* meter_bus_set_log() may be called while meters log */
    meter_log_fn log;
    void *log_ud;
};

struct meter {
    const struct mtr_model *model;
    struct meter_bus *bus;
    int id;             /* its address on the bus, as the protocol reads it */
    unsigned timeout_ms;
    unsigned retries;
    meter_stats_t stats;
    atomic_int cancel;  /* meter_cancel() was called during the call in progress */
    char err[256];
    meter_log_fn log;
    void *log_ud;
    void *userdata;
    void *priv; /* the protocol's per-meter state (attach/detach) */
};

void mtr_log(const meter_t *m, meter_log_level_t level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void mtr_log_hex(const meter_t *m, const char *what, const uint8_t *p, size_t n);
/** Set the handle's message (an argument may be m->err itself) and return status. */
int mtr_set_err(meter_t *m, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/** A public call on m begins: no message yet, an earlier meter_cancel() forgotten. */
void mtr_call_start(meter_t *m);

/** Take a reference on a bus (a meter opened on it). */
void mtr_bus_ref(struct meter_bus *b);
/** Open a bus from a parsed connection (offline: parsed and checked, no link opened). */
int mtr_bus_open_conn(struct meter_bus **out, const struct mtr_conn *c, int offline, char *err,
                      size_t len);
/** METER_OK, or METER_ESTATE (with the message) for a handle opened offline. */
int mtr_online(meter_t *m);
/** Take m's bus for one exchange (every protocol's only way to the lock).
 *  @return METER_OK (the lock is held), or METER_ECANCELED (meter_cancel() came
 *  while waiting; the lock is not held). */
int mtr_bus_lock(meter_t *m);
void mtr_bus_unlock(meter_t *m);

#endif /* MTR_INTERNAL_H */
