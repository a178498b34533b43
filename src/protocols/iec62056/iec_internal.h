/* SPDX-License-Identifier: MIT */
/* IEC 62056-21 inside libmeter: the optical head (iec_head.c), the
 * sessions on top of it (iec_session.c, iec_prog.c), the OBIS mapping that the
 * drivers' tables feed (iec_map.c) and the driver data type. Internal only. */
#ifndef MTR_IEC_INTERNAL_H
#define MTR_IEC_INTERNAL_H

#include <stdbool.h>
#include <time.h>

#include "core/internal.h"
#include "core/transport/link.h"
#include "proto/iec62056.h"
#include "proto/obis.h"

/* ---- schemes and options ---------------------------------------------------- */

extern const struct mtr_proto_ops mtr_proto_iec;

/** The schemes (mtr_scheme.id): mode C sessions, and meters that push mode D text
 *  unasked (DSMR P1 with its CRC, EasyMeter Q3D and the like: iec_push.c). */
enum {
    MTR_IEC_SERIAL = 0,
    MTR_IEC_TCP = 1,
    MTR_IEC_DSMR = 2,
    MTR_IEC_DSMR_TCP = 3,
    MTR_IEC_PUSH = 4,
    MTR_IEC_PUSH_TCP = 5
};
#define MTR_IEC_IS_PUSH(id) ((id) >= MTR_IEC_DSMR)
#define MTR_IEC_IS_DSMR(id) ((id) == MTR_IEC_DSMR || (id) == MTR_IEC_DSMR_TCP)
#define MTR_IEC_IS_TCP(id) ((id) == MTR_IEC_TCP || (id) == MTR_IEC_DSMR_TCP || (id) == MTR_IEC_PUSH_TCP)
#define MTR_IEC_PUSH_MAX 8192 /* bytes of one pushed telegram, '/' through the CRC */

/** Its connection-string options (mtr_conn.popt). */
struct mtr_iec_opts {
    char devaddr[33];  /* device address in the sign-on /?ADDR! */
    char password[33]; /* programming-mode password (P1) */
    int wakeup;        /* 1: send the wake-up sequence first */
    unsigned delay_ms; /* extra delay before switching speed after the ACK */
    int dtr, rts;      /* 0, 1: drive the line (unset: leave it) */
    int bcc;           /* mtr_iec_bcc_t */
    unsigned max_baud; /* highest speed the session switches to */
    int echo;          /* MTR_ECHO_* */
    unsigned max_readout; /* most bytes a readout may take */
    unsigned interval_ms; /* push schemes: the meter's push interval */
};
enum {
    MTR_IEC_SET_DEVADDR = 1u << 0,
    MTR_IEC_SET_PASSWORD = 1u << 1,
    MTR_IEC_SET_WAKEUP = 1u << 2,
    MTR_IEC_SET_DELAY = 1u << 3,
    MTR_IEC_SET_DTR = 1u << 4,
    MTR_IEC_SET_RTS = 1u << 5,
    MTR_IEC_SET_BCC = 1u << 6,
    MTR_IEC_SET_MAXBAUD = 1u << 7,
    MTR_IEC_SET_ECHO = 1u << 8,
    MTR_IEC_SET_MAXREADOUT = 1u << 9,
    MTR_IEC_SET_INTERVAL = 1u << 10
};

/* Limits of a session (see docs/iec62056.md, "Bounds"): the identification phase
 * (our echo, junk, NULs and the line) takes at most MTR_IEC_IDENT_PHASE_MAX bytes;
 * a readout at most max_readout bytes (option max_readout=, default below) and
 * max_readout / 8 data sets. Each phase ends by its deadline: the response timeout
 * plus the wire time of its byte limit (plus 256 bytes for the readout's framing). */
#define MTR_IEC_IDENT_PHASE_MAX 256u
#define MTR_IEC_READOUT_DEFAULT 65536u
#define MTR_IEC_READOUT_SLACK 256u

/* ---- the optical head (iec_head.c) ------------------------------------------ */

struct mtr_iec_head {
    struct mtr_link link;
    int soft7e1;             /* 8-bit link (TCP): add and strip even parity in software */
    int keep8;               /* 8N1 (DSMR P1): bytes as received, bit 7 is corruption */
    int echo;                /* MTR_ECHO_* as configured */
    int echo_known;          /* auto: -1 not yet seen a reply, 0 no echo, 1 echo */
    uint8_t sent[MTR_IEC_FRAME_MAX]; /* the last frame sent, for echo suppression */
    size_t sent_len, sent_pos;       /* sent_pos < sent_len: echo bytes still expected */
    unsigned parity_errors;  /* bytes received with bad parity (soft 7E1, or the UART's marks) */
    uint64_t link_parity;    /* the link's parity_errors already counted above */
    struct timespec write_start;     /* when the last write began */
    size_t write_len;
    struct timespec last_rx; /* when the last byte arrived */
    uint8_t pend[MTR_IEC_FRAME_MAX + 512]; /* received data not yet handed out */
    size_t pend_len;
};

/** Open the head at 300 Bd 7E1 (serial, DTR/RTS as configured) or connect (TCP). */
int mtr_iec_head_open(struct mtr_iec_head *h, const struct mtr_conn *c, char *err, size_t len);
void mtr_iec_head_close(struct mtr_iec_head *h);
/** True when the link has a speed to switch (serial). */
bool mtr_iec_head_can_switch(const struct mtr_iec_head *h);
/** Send bytes (7E1 added in software on TCP); remembered for echo suppression. */
int mtr_iec_head_send(struct mtr_iec_head *h, const uint8_t *p, size_t n, char *err, size_t len);
/** Receive what arrives within @p timeout_ms, echo of our last frame removed.
 *  METER_OK with *got > 0, METER_ETIMEDOUT, METER_EIO. */
int mtr_iec_head_recv(struct mtr_iec_head *h, uint8_t *p, size_t cap, unsigned timeout_ms,
                      size_t *got, char *err, size_t len);
/** After the option select: drain, wait until its computed wire time has passed
 *  since the write began, then @p delay_ms more, then switch both speeds. */
int mtr_iec_head_switch(struct mtr_iec_head *h, unsigned baud, unsigned delay_ms, char *err,
                        size_t len);
/** Back to the sign-on speed (300 Bd) if the link has a speed. */
int mtr_iec_head_reset_speed(struct mtr_iec_head *h, char *err, size_t len);
/** Wait until @p ms have passed since the last byte arrived (the reaction time). */
void mtr_iec_head_wait_since_rx(struct mtr_iec_head *h, unsigned ms);
/** Sleep @p ms (protocol pauses only). */
void mtr_iec_head_pause(unsigned ms);
/** Wake-up for battery meters: NULs for 2.2 s at 300 Bd, then 1.5 s of silence. */
int mtr_iec_head_wakeup(struct mtr_iec_head *h, char *err, size_t len);
/** Drop bytes received and not read. */
void mtr_iec_head_flush(struct mtr_iec_head *h);
/** ms one character takes at the head's speed (7E1: 10 bits; TCP counted at 300 Bd). */
double mtr_iec_head_char_ms(const struct mtr_iec_head *h);

/* ---- OBIS mapping (iec_map.c, through proto/obis.h), the drivers' data ------------------------------ */

/* A driver's rows are OBIS rows of the shared map's type (proto/obis.h): the generic
 * model uses the shared map itself, others a subset. */
struct mtr_iec_driver {
    const mtr_obis_row_t *rows;
    size_t nrows;
    const char *ident;     /* the simulator's identification line, "/XXXZident" */
    const char *sim_sets;  /* the simulator's readout: "\n"-separated OBIS codes it sends */
    int push;              /* the simulator pushes: 0 no (mode C), 1 mode D text, 2 DSMR (CRC) */
};

/** One data set as received, kept after the parse (strings copied). */
struct mtr_iec_set {
    char address[MTR_IEC_ADDR_MAX + 1];
    char value[MTR_IEC_VALUE_MAX + 1];
    char unit[MTR_IEC_VALUE_MAX + 1];
    unsigned index, sub;
    bool is_obis;
    mtr_iec_obis_t obis;
};

struct mtr_iec_sets {
    struct mtr_iec_set *v;
    size_t n, cap;
};

/** Callback for the codec that appends a data set to a struct mtr_iec_sets. */
int mtr_iec_sets_add(void *user, const mtr_iec_dataset_t *ds);
void mtr_iec_sets_free(struct mtr_iec_sets *s);

/** The quantity a data set is (METER_Q_COUNT_ if none); *prio gets the row index. */
meter_quantity_t mtr_iec_map_set(const struct mtr_iec_driver *d, const struct mtr_iec_set *s,
                                 size_t *prio);
/** mtr_choose() (core/choose.h) over the data sets: best[q] gives q, clash[q] contradicts it. */
void mtr_iec_choose(const struct mtr_iec_driver *d, const struct mtr_iec_sets *s, size_t *best,
                    size_t *clash);
/** The reading of @p q from mtr_iec_choose()'s choice: METER_EQUANTITY when no set gives
 *  it, METER_EVALUE naming both sets on a clash, else mtr_iec_convert(). */
int mtr_iec_reading(const struct mtr_iec_sets *s, const size_t *best, const size_t *clash,
                    meter_quantity_t q, meter_reading_t *out, char *err, size_t len);
/** Convert a mapped data set into a reading in the catalogue's unit. */
int mtr_iec_convert(const struct mtr_iec_set *s, meter_quantity_t q, meter_reading_t *out,
                    char *err, size_t len);
/** A record for a data set (value and unit as sent; the quantity it maps to). */
void mtr_iec_set_record(const struct mtr_iec_set *s, meter_quantity_t q, meter_record_t *r);
/** Billing period of an address (F 0..99, 101..), -1 for the current value. */
int mtr_iec_billing_period(const struct mtr_iec_set *s);

/* ---- sessions (iec_session.c, iec_prog.c) ------------------------------------- */

/* a meter's IEC options (m->priv) */
struct mtr_iec_meter {
    char devaddr[MTR_IEC_DEVADDR_MAX + 1];
    char password[33];
    int wakeup;
    unsigned delay_ms;
    mtr_iec_bcc_t bcc;
    unsigned max_baud;
    unsigned max_readout;  /* bytes */
    mtr_iec_ident_t ident; /* of the last session */
    bool have_ident;
};

/** The head of a meter's bus. */
struct mtr_iec_head *mtr_iec_head_of(meter_t *m);

/** One readout session (bus lock taken by the caller): data sets into @p out. */
int mtr_iec_readout(meter_t *m, struct mtr_iec_sets *out);
/** Push schemes (iec_push.c): wait for the next whole telegram ('/' ... '!', the DSMR
 *  CRC checked) within m->timeout_ms; bus lock taken by the caller. */
int mtr_iec_push_listen(meter_t *m, struct mtr_iec_sets *out);
/** The deadline of a push read unless timeout= is given: two push intervals plus the
 *  wire time of the largest telegram (MTR_IEC_PUSH_MAX bytes) at @p baud. */
unsigned mtr_iec_push_deadline_ms(unsigned interval_ms, unsigned baud);

/** A programming-mode session. */
struct mtr_iec_prog {
    meter_t *m;
    struct mtr_iec_head *h;
    struct mtr_iec_meter *o;
    mtr_iec_bcc_t alg;
    unsigned reaction_ms;
    bool open;
    uint8_t rx[MTR_IEC_FRAME_MAX * 2];
    size_t rxn;
    uint8_t ans[MTR_IEC_FRAME_MAX]; /* the data of the last answer */
    size_t ans_len;
};

/** Sign on in programming mode, answer P0 with P1 (password, if any). */
int mtr_iec_prog_open(struct mtr_iec_prog *p, meter_t *m, const char *password);
/** R1 address(): the answer's data in p->ans. */
int mtr_iec_prog_read(struct mtr_iec_prog *p, const char *address);
/** W1 address(value). */
int mtr_iec_prog_write(struct mtr_iec_prog *p, const char *address, const char *value);
/** Send B0 (always; also after an abort) and go back to 300 Bd. */
void mtr_iec_prog_close(struct mtr_iec_prog *p);

#endif /* MTR_IEC_INTERNAL_H */
