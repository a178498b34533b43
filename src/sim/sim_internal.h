/* SPDX-License-Identifier: MIT */
/* Internal declarations of the simulator: a simulated meter's state (the
 * physics behind its values) and the protocol handlers that serve it. */
#ifndef MTR_SIM_INTERNAL_H
#define MTR_SIM_INTERNAL_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>

#include "core/internal.h"
#include "meter/sim.h"

#define MTR_SIM_MAX_METERS 256
#define MTR_SIM_MAX_CLIENTS 256

struct mtr_sim_meter {
    const struct mtr_model *model;
    int address;
    double v[METER_Q_COUNT_];   /* numeric values, catalogue units */
    char text[METER_Q_COUNT_][12]; /* text values (serial number …) */
    double t_last;              /* monotonic seconds of the last update */
};

struct meter_sim;

/* What a protocol plugs into the simulator: one table in its folder's sim_*.c
 * and one line in sim_protocols.c. */
struct mtr_sim_proto_ops {
    const struct mtr_proto_ops *proto; /* the models it serves speak this */
    const char *pty_scheme;            /* the endpoint's scheme on a pseudo-terminal ("rtu") */
    const char *tcp_scheme;            /* and on TCP ("tcp") */
    int min_addr, max_addr;            /* the addresses a simulated meter may have */
    /* optional: does the model serve q as a value meter_sim_value() can reach? */
    int (*serves)(const struct mtr_model *model, meter_quantity_t q);
    int (*setup)(struct meter_sim *s, char *err, size_t len); /* when the first meter is added */
    void (*free)(struct meter_sim *s);
    /* serve what is readable on fd; -1 when the peer went away */
    int (*serve)(struct meter_sim *s, int fd);
    /* optional: the protocol's own options (meter_sim_set/meter_sim_set_text) */
    int (*set)(struct meter_sim *s, int opt, long value, const char *text);
};

/** The protocols the simulator serves (sim_protocols.c), NULL-terminated. */
extern const struct mtr_sim_proto_ops *const mtr_sim_protocols[];
/** A model by name: the simulator's own models first (sim_models), then libmeter's. */
const struct mtr_model *mtr_sim_model_find(const char *name);

/** How many METER_SIM_F_* bits there are (METER_SIM_F_EVERY_ has them all). */
#define MTR_SIM_FAULT_KINDS 11

struct meter_sim {
    const struct mtr_proto_ops *proto;
    const struct mtr_sim_proto_ops *ops;
    int tcp;              /* 1: TCP listener; 0: pty */
    const struct mtr_scheme *tcp_scheme; /* listening as "SCHEME:host:port" other than tcp: */
    const struct mtr_proto_ops *tcp_proto; /* that scheme's protocol */
    int listen_fd;        /* TCP */
    int clients[MTR_SIM_MAX_CLIENTS];
    int nclients;
    int pty_master, pty_slave;
    int stop_pipe[2];
    atomic_int stopping; /* set by meter_sim_stop() from any thread or a signal handler */
    char endpoint[MTR_PATH_MAX + 16];
    struct mtr_sim_meter meters[MTR_SIM_MAX_METERS];
    int nmeters;
    int frozen;
    unsigned max_regs;
    int strict_holes;
    unsigned long max_requests;
    unsigned long requests;
    unsigned faults;          /* METER_SIM_F_* */
    unsigned fault_rate;      /* per 1000 replies */
    uint64_t rng;             /* xorshift state */
    unsigned delay_ms;
    unsigned pace_baud;       /* 0: replies go out at once; else paced (sim_pace.c) */
    unsigned turnaround_us;
    int64_t heard_ns;         /* when the bytes being served were first seen */
    int64_t free_ns;          /* the line carries nothing before this (monotonic ns) */
    unsigned long fault_counts[MTR_SIM_FAULT_KINDS]; /* per METER_SIM_F_* bit */
    int cap[2];               /* socketpair: a reply is built into cap[0], read from cap[1] */
    void *proto_ctx;      /* modbus_t * for Modbus */
    void *proto_map;      /* modbus_mapping_t * for Modbus */
    pthread_mutex_t lock; /* values: serving vs meter_sim_set_value() */
    /* set by a protocol's setup() for meters that push unasked (SML): called on every turn
     * of the loop with the listeners (the pty, or every TCP client); sends what is due and
     * returns the ms until the next push */
    long (*push)(struct meter_sim *s, const int *fds, int nfds);
    /* set by a protocol's setup() when the endpoint's scheme is not the protocol's usual
     * one for this model ("dsmr" for a meter that pushes DSMR telegrams) */
    const char *scheme;
};

/* sim_meter.c */
void mtr_sim_meter_init(struct mtr_sim_meter *sm, const struct mtr_model *model, int address);
/** Advance time (energies grow by P·dt) unless frozen. */
void mtr_sim_meter_tick(struct mtr_sim_meter *sm, int frozen);
/** Recompute derived values (powers, totals) from the phase values. */
void mtr_sim_meter_derive(struct mtr_sim_meter *sm);
/** Clear all energy registers (a meter's "clear energy" command). */
void mtr_sim_meter_clear_energy(struct mtr_sim_meter *sm);
struct mtr_sim_meter *mtr_sim_find(struct meter_sim *s, int address);

/* sim_pace.c: the line's clock when the simulator is paced */
/** How a reply travels: the line's speed and its silences. */
struct mtr_sim_line {
    unsigned baud;   /* characters per second times bits */
    unsigned bits;   /* a character's bits: start + data + parity + stop (11 for 8E1) */
    int64_t gap_ns;  /* from the request's last character to the reply's first */
    int64_t after_ns; /* the silence the line keeps after the reply */
    int whole;       /* 1: the reply leaves in one piece at its end (a gateway on TCP) */
    size_t overhead; /* bytes of each frame the serial line does not carry (TCP headers) */
};
typedef int (*mtr_sim_out_fn)(void *arg, const uint8_t *p, size_t n);
int64_t mtr_sim_now_ns(void);
/** The time n characters of bits each take at baud, ns (rounded up). */
int64_t mtr_sim_chars_ns(size_t n, unsigned baud, unsigned bits);
/** Sleep until the monotonic time t (ns); -1 when the simulator is stopping. */
int mtr_sim_wait_until(struct meter_sim *s, int64_t t);
/** Bytes of a request were seen now. */
void mtr_sim_heard(struct meter_sim *s);
/** When the reply to a request of req_chars characters may start on the line. */
int64_t mtr_sim_reply_at(const struct meter_sim *s, size_t req_chars, const struct mtr_sim_line *l);
/** Write p[0..n) from time *t on, character i not before *t + (i+1) character times;
 * *t becomes the end of the last character. -1: stopping or the write failed. */
int mtr_sim_paced_write(struct meter_sim *s, const struct mtr_sim_line *l, int64_t *t,
                        const uint8_t *p, size_t n, mtr_sim_out_fn out, void *arg);
/** A reply ended at t: the line is free after l's silence. */
void mtr_sim_line_done(struct meter_sim *s, const struct mtr_sim_line *l, int64_t t);

/* sim_fault.c */
/** How a protocol's reply is changed on purpose by a fault (any hook may be NULL). */
struct mtr_sim_framing {
    /* recompute the reply's check (CRC, checksum) after a deliberate change */
    void (*reseal)(uint8_t *p, size_t n);
    /* make the reply come from another address (then resealed); 0 if it has none */
    int (*readdress)(uint8_t *p, size_t n);
    /* the protocol's refusal in place of the reply (Modbus exception 04, M-Bus CI 70); 0: none */
    size_t (*refusal)(const uint8_t *rsp, size_t n, uint8_t *out, size_t cap);
    /* how bytes go out (NULL: written as they are) */
    void (*write)(struct meter_sim *s, int fd, const uint8_t *p, size_t n);
    /* METER_SIM_F_ENDLESS: the part of the reply that repeats without end (rsp[*from ..
     * *from + return)), after rsp[0 .. *from); 0 (or NULL): its first byte, then noise */
    size_t (*endless)(const uint8_t *rsp, size_t n, size_t *from);
};
/** Send a reply (req: the request as received) with faults applied, at once. */
void mtr_sim_send(struct meter_sim *s, int fd, const uint8_t *req, size_t req_len, uint8_t *rsp,
                  size_t rsp_len, const struct mtr_sim_framing *fr);
/** The same, paced on line when the simulator is paced (METER_SIM_PACE_BAUD) and line->baud
 * is set: the reply starts when the request has crossed the line plus line->gap_ns. */
void mtr_sim_send_line(struct meter_sim *s, int fd, const uint8_t *req, size_t req_len,
                       uint8_t *rsp, size_t rsp_len, const struct mtr_sim_framing *fr,
                       const struct mtr_sim_line *line);
/** A random number in [0, n). */
unsigned mtr_sim_random(struct meter_sim *s, unsigned n);


#endif /* MTR_SIM_INTERNAL_H */
