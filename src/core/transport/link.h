/* SPDX-License-Identifier: MIT */
/* Raw byte links for the protocols libmeter frames itself: a serial port
 * through termios, or a TCP connection to a transparent serial server. This
 * room holds the system calls; it moves bytes and knows no protocol. */
#ifndef MTR_LINK_H
#define MTR_LINK_H

#include <stddef.h>
#include <stdint.h>

struct mtr_cancel;

/** How a protocol treats its own request coming back (2-wire adapters, optical heads). */
enum { MTR_ECHO_AUTO = 0, MTR_ECHO_ON, MTR_ECHO_OFF };

enum mtr_link_kind { MTR_LINK_NONE = 0, MTR_LINK_SERIAL, MTR_LINK_TCP };

struct mtr_link {
    enum mtr_link_kind kind;
    int fd;
    unsigned baud;       /* serial: current speed */
    char parity;         /* 'N', 'E', 'O' */
    unsigned data_bits;  /* 7 or 8 */
    unsigned stop_bits;  /* 1 or 2 */
    uint64_t bytes_sent, bytes_received;
    const struct mtr_cancel *cancel; /* waits also end on cancellation (NULL: none) */
    int locked;                      /* serial: we hold the port's lock (flock) */
    int marks;                       /* serial with parity: the kernel marks damaged bytes (PARMRK) */
    uint8_t mark_state;              /* where mtr_link_unmark() is within a mark */
    uint64_t parity_errors;          /* bytes the UART received with a parity or framing error */
};

/** Open a serial port raw at the given line settings. */
int mtr_link_open_serial(struct mtr_link *l, const char *path, unsigned baud, char parity,
                         unsigned data_bits, unsigned stop_bits, char *err, size_t len);
/** Take a serial port for this handle alone: an exclusive flock() (another program,
 *  or another handle, opening it gets METER_EBUSY) and TIOCEXCL. */
int mtr_link_claim_port(int fd, const char *path, char *err, size_t len);
/** Connect to host:port within timeout_ms. */
int mtr_link_open_tcp(struct mtr_link *l, const char *host, unsigned port, unsigned timeout_ms,
                      char *err, size_t len);
void mtr_link_close(struct mtr_link *l);
/** Write all bytes (within timeout_ms). */
int mtr_link_write(struct mtr_link *l, const uint8_t *p, size_t n, unsigned timeout_ms, char *err,
                   size_t len);
/** Wait until written bytes have left the UART (serial; no-op on TCP). */
int mtr_link_drain(struct mtr_link *l);
/** Read what arrives: waits up to timeout_ms for the first byte, then returns what is
 *  there (at most cap). METER_ETIMEDOUT when nothing came; METER_EIO on EOF/error;
 *  METER_ECANCELED when the bus owner called meter_cancel(). On a serial line with
 *  parity, a byte the UART received damaged is returned as received and counted in
 *  parity_errors: a protocol whose own check may miss it refuses the reply. */
int mtr_link_read(struct mtr_link *l, uint8_t *p, size_t cap, unsigned timeout_ms, size_t *got,
                  char *err, size_t len);
/** The most mtr_link_flush_input() drops from a stream in one call. */
#define MTR_LINK_FLUSH_MAX 4096
/** Drop bytes already received and not read (on TCP: what is there, at most MTR_LINK_FLUSH_MAX). */
void mtr_link_flush_input(struct mtr_link *l);
/** Change the serial speed (both directions); METER_EUNSUPPORTED on TCP. */
int mtr_link_set_baud(struct mtr_link *l, unsigned baud, char *err, size_t len);
/** Set DTR and RTS (-1 leaves a line unchanged); for optical heads powered from them. */
int mtr_link_set_modem(struct mtr_link *l, int dtr, int rts, char *err, size_t len);
/** Undo the kernel's marks (PARMRK) in @p p in place: FF FF is one FF, FF 00 x is x
 *  received damaged (counted in *errors, as is a malformed mark). @p state carries a
 *  mark cut between reads (0 at the start). Returns the bytes left. */
size_t mtr_link_unmark(uint8_t *state, uint8_t *p, size_t n, uint64_t *errors);
/** Seconds one character takes on the wire at the link's settings (start+data+parity+stop). */
double mtr_link_char_time(const struct mtr_link *l);

#endif /* MTR_LINK_H */
