/* SPDX-License-Identifier: MIT */
/* IEC 62056-21 (IEC 1107) codec, internal API: identification and sign-on messages,
 * the data block parser and readout reader, programming-mode frames and check
 * characters, 7E1 parity for 8-bit links, OBIS addresses. Pure: no I/O, no heap, no
 * globals; every parser state lives in storage the caller owns. No transport here. */
#ifndef MTR_PROTO_IEC62056_H
#define MTR_PROTO_IEC62056_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meter/error.h"

/* ---- bytes and limits --------------------------------------------------- */

enum {
    MTR_IEC_SOH = 0x01,
    MTR_IEC_STX = 0x02,
    MTR_IEC_ETX = 0x03,
    MTR_IEC_EOT = 0x04,
    MTR_IEC_ACK = 0x06,
    MTR_IEC_NAK = 0x15
};

/* Results of the incremental parsers besides the negative meter_status_t codes. */
#define MTR_IEC_COMPLETE 0 /* a whole message was parsed */
#define MTR_IEC_MORE 1     /* all bytes consumed, need more */
#define MTR_IEC_IDENT 2    /* reader: identification done, the readout follows */

#define MTR_IEC_IDENT_MAX 64   /* identification text kept (the standard says 16) */
#define MTR_IEC_CAPS_MAX 8     /* "\W" capability pairs kept */
#define MTR_IEC_IDLINE_MAX 96  /* identification line, '/' to before CR LF */
#define MTR_IEC_ADDR_MAX 32    /* data set address (standard: 16) */
#define MTR_IEC_VALUE_MAX 128  /* value with unit, between '(' and ')' (standard: 32/128) */
#define MTR_IEC_DEVADDR_MAX 32 /* device address in a sign-on request */
#define MTR_IEC_FRAME_MAX 1024 /* programming-mode frame, SOH/STX to BCC */

/* ---- check characters (iec62056_frame.c) -------------------------------- */

typedef enum mtr_iec_bcc {
    MTR_IEC_BCC_XOR = 0, /* the standard: XOR of the bytes after SOH/STX through ETX/EOT */
    MTR_IEC_BCC_SUM7,    /* 7-bit arithmetic sum of the same bytes (Energomera, Kamstrup) */
    MTR_IEC_BCC_NONE,    /* read the byte, do not check it */
    MTR_IEC_BCC_ANY      /* accept XOR or SUM7, report which matched */
} mtr_iec_bcc_t;

/** XOR of @p n bytes, 7 bits. */
uint8_t mtr_iec_bcc_xor(const uint8_t *p, size_t n);
/** Arithmetic sum of @p n bytes & 0x7F. */
uint8_t mtr_iec_bcc_sum7(const uint8_t *p, size_t n);
/** The check character of @p alg (SUM7 for SUM7, XOR for every other value). */
uint8_t mtr_iec_bcc(mtr_iec_bcc_t alg, const uint8_t *p, size_t n);
/** Check @p got (parity bit ignored) against @p p; *matched (may be NULL) gets the
 *  algorithm that matched. METER_OK or METER_ECHECKSUM. NONE always passes. */
int mtr_iec_bcc_check(mtr_iec_bcc_t alg, const uint8_t *p, size_t n, uint8_t got,
                      mtr_iec_bcc_t *matched);

/* ---- 7E1 in software (iec62056_parity.c) -------------------------------- */

/** The 7-bit character with its even-parity bit in bit 7, for 8-bit links. */
uint8_t mtr_iec_7e1_encode_byte(uint8_t c);
/** True when the 8-bit byte @p b carries correct even parity. */
bool mtr_iec_7e1_ok(uint8_t b);
/** Add even parity to @p n bytes in place. */
void mtr_iec_7e1_encode(uint8_t *p, size_t n);
/** Strip bit 7 of @p n bytes in place; returns how many had bad parity. */
size_t mtr_iec_7e1_decode(uint8_t *p, size_t n);

/* ---- identification and sign-on (iec62056_ident.c) ---------------------- */

typedef enum mtr_iec_mode {
    MTR_IEC_MODE_A = 0,    /* any other printable baud character: 300 Bd, no switch */
    MTR_IEC_MODE_B,        /* 'A'..'F': switch right after the identification */
    MTR_IEC_MODE_C,        /* '0'..'6': mode C or E (D uses '3'), switch after ACK */
    MTR_IEC_MODE_RESERVED  /* '7'..'9', 'G'..'I', or not printable */
} mtr_iec_mode_t;

/** Mode and baud rate a baud character announces (baud 0 when reserved). */
mtr_iec_mode_t mtr_iec_baud_char(char z, unsigned *baud);
/** The baud character for @p baud in mode B or C; 0 when there is none. */
char mtr_iec_baud_to_char(mtr_iec_mode_t mode, unsigned baud);

typedef struct mtr_iec_ident {
    char manufacturer[4]; /* three characters as sent (compare case-insensitively) */
    bool fast_reaction;   /* lower-case third letter: 20 ms reaction time */
    char baud_char;       /* Z */
    mtr_iec_mode_t mode;  /* implied by Z (mode D cannot be told from Z) */
    unsigned baud;        /* implied by Z; 300 for mode A, 0 when reserved */
    unsigned ncaps;       /* "\W" pairs right after Z */
    char caps[MTR_IEC_CAPS_MAX];        /* their W characters, in order */
    bool hdlc;                          /* "\2": mode E available */
    size_t ident_len;                   /* identification after the pairs */
    char ident[MTR_IEC_IDENT_MAX + 1];  /* NUL-terminated, kept whole */
} mtr_iec_ident_t;

/** Parse one identification line ('/' up to CR LF; trailing CR/LF allowed).
 *  METER_OK, METER_EFRAME (not an identification), METER_ELIMIT (too long). */
int mtr_iec_ident_parse(const uint8_t *line, size_t len, mtr_iec_ident_t *out, char *err,
                        size_t errlen);
/** Find and parse the identification in received bytes: skips junk, NULs and the echo
 *  of "/?...!". MTR_IEC_MORE, or MTR_IEC_COMPLETE with *consumed up to its LF, or error. */
int mtr_iec_ident_scan(const uint8_t *buf, size_t len, mtr_iec_ident_t *out, size_t *consumed,
                       char *err, size_t errlen);
/** Build "/XXXZ\W..ident CR LF" (simulator side). METER_EBUFSIZE, METER_EINVAL. */
int mtr_iec_ident_build(uint8_t *out, size_t cap, const mtr_iec_ident_t *id, size_t *outlen);

/** Build the sign-on request "/?[address]!CR LF"; @p devaddr may be NULL or "". */
int mtr_iec_signon_build(uint8_t *out, size_t cap, const char *devaddr, size_t *outlen);
/** Parse a sign-on request (meter side); @p devaddr gets the address, NUL-terminated
 *  (cap >= MTR_IEC_DEVADDR_MAX + 1). MTR_IEC_MORE, MTR_IEC_COMPLETE or error. */
int mtr_iec_signon_parse(const uint8_t *buf, size_t len, char *devaddr, size_t cap,
                         size_t *consumed, char *err, size_t errlen);

typedef struct mtr_iec_optsel {
    char v; /* protocol control: '0' normal, '1' secondary, '2' HDLC */
    char z; /* baud character (must equal the identification's to switch) */
    char y; /* mode control: '0' readout, '1' programming, '2' binary, '6'..'9' vendor */
} mtr_iec_optsel_t;

/** Build the option-select message "ACK V Z Y CR LF". */
int mtr_iec_optsel_build(uint8_t *out, size_t cap, const mtr_iec_optsel_t *o, size_t *outlen);
/** Parse an option-select message. MTR_IEC_MORE, MTR_IEC_COMPLETE or error. */
int mtr_iec_optsel_parse(const uint8_t *buf, size_t len, mtr_iec_optsel_t *out,
                         size_t *consumed, char *err, size_t errlen);

/* ---- OBIS addresses (iec62056_obis.c) ----------------------------------- */

#define MTR_OBIS_NONE (-1) /* group absent: "unspecified" */

typedef struct mtr_iec_obis {
    int16_t a, b, c, d, e, f; /* 0..255 or MTR_OBIS_NONE; letters C F L P = 96..99 */
    char f_sep;               /* '*' or '&' before F, 0 when F is absent */
    uint8_t letters;          /* bit 0: C given as a letter, bit 1: D, bit 2: E */
} mtr_iec_obis_t;

/** Parse "A-B:C.D.E*F", "C.D.E", "C.D", "1.8.0*12", "1.8.0&12", "F.F", "0-0:C.1.0*255".
 *  METER_OK, or METER_EVALUE when the text is no OBIS code (a vendor mnemonic). */
int mtr_iec_obis_parse(const char *s, size_t len, mtr_iec_obis_t *out);
/** NEVA style: 8 hex digits "CCDDEEFF" (100700FF = 16.7.0*255). METER_OK or METER_EVALUE. */
int mtr_iec_obis_parse_hex(const char *s, size_t len, mtr_iec_obis_t *out);
/** Format as "A-B:C.D.E*F", leaving out absent groups, letters kept. METER_EBUFSIZE. */
int mtr_iec_obis_format(const mtr_iec_obis_t *o, char *buf, size_t cap);
/** True when @p o equals the given groups. MTR_OBIS_NONE in the pattern, or a group
 *  absent from @p o ("1.8.0" has no A, B, F), matches anything. */
bool mtr_iec_obis_match(const mtr_iec_obis_t *o, int a, int b, int c, int d, int e, int f);

/* ---- data sets (iec62056_block.c) --------------------------------------- */

typedef struct mtr_iec_dataset {
    const char *address;  /* verbatim, NUL-terminated; inherited for a continuation */
    size_t address_len;
    const char *value;    /* verbatim (padding, sign, decimal comma kept) */
    size_t value_len;
    const char *unit;     /* "" when none */
    size_t unit_len;
    const char *raw;      /* everything between '(' and ')' */
    size_t raw_len;
    unsigned index;       /* n-th "(...)" of this address, from 0 */
    unsigned sub;         /* n-th '&' part of the value, from 0 */
    unsigned nsub;        /* number of '&' parts (1 when there is no '&') */
    bool continuation;    /* "(...)" with no address on the wire */
    bool unit_by_space;   /* "(0000000 kWh)": unit after a space, not '*' */
    bool is_obis;         /* address parsed as OBIS into obis */
    mtr_iec_obis_t obis;
    unsigned line;        /* line number in the block, from 1 */
} mtr_iec_dataset_t;

/** Called once per value (per '&' part). Strings stay valid only during the call.
 *  Return 0 to go on, or a negative meter status to stop the parse with it
 *  (a positive return is taken as METER_EINVAL). */
typedef int (*mtr_iec_dataset_cb)(void *user, const mtr_iec_dataset_t *ds);

/* Incremental data block parser (no framing: bytes between STX and ETX). */
typedef struct mtr_iec_block {
    mtr_iec_dataset_cb cb;
    void *user;
    char *err;
    size_t errlen;
    int state;
    unsigned line;
    unsigned index;      /* index of the current address's last value */
    bool have_addr;      /* an address was seen (continuations inherit it) */
    bool cont;           /* the current "(...)" had no address on the wire */
    bool addr_obis;
    mtr_iec_obis_t obis;
    size_t pend_len;     /* address being read */
    size_t addr_len;     /* current address */
    size_t raw_len;
    unsigned nsets;      /* values delivered */
    unsigned junk;       /* bytes or lines skipped */
    bool end_mark;       /* '!' seen */
    char pend[MTR_IEC_ADDR_MAX + 1];
    char addr[MTR_IEC_ADDR_MAX + 1];
    char raw[MTR_IEC_VALUE_MAX + 1];
    /* value NUL unit NUL of one '&' part: a value without unit takes n + 2 bytes */
    char part[MTR_IEC_VALUE_MAX + 2];
} mtr_iec_block_t;

void mtr_iec_block_init(mtr_iec_block_t *b, mtr_iec_dataset_cb cb, void *user, char *err,
                        size_t errlen);
/** One byte. MTR_IEC_MORE, MTR_IEC_COMPLETE on the end mark '!', or error. */
int mtr_iec_block_byte(mtr_iec_block_t *b, uint8_t c);
/** End of the data (ETX or end of input): METER_ETRUNCATED inside "(...)", else OK. */
int mtr_iec_block_finish(mtr_iec_block_t *b);
/** Parse a whole data field (programming-mode answer or block). Stops at '!'.
 *  *nsets (may be NULL) gets the number of values delivered. */
int mtr_iec_block_parse(const uint8_t *p, size_t n, mtr_iec_dataset_cb cb, void *user,
                        unsigned *nsets, char *err, size_t errlen);
/** Format "address(value*unit)" (unit and value may be NULL or ""). METER_EBUFSIZE. */
int mtr_iec_dataset_format(char *out, size_t cap, const char *address, const char *value,
                           const char *unit, size_t *outlen);
/** Item @p i of a ',' list value (NEVA "46.24,31.14,..."). METER_OK or METER_ERANGE. */
int mtr_iec_value_item(const char *v, size_t len, unsigned i, const char **item,
                       size_t *item_len);
/** Number from a verbatim value: padding, sign, '.' or a single decimal ','.
 *  METER_OK or METER_EVALUE. */
int mtr_iec_value_number(const char *v, size_t len, double *out);

/* ---- readout reader (iec62056_reader.c) --------------------------------- */

enum {
    MTR_IEC_RD_IDENT = 1u << 0,  /* the identification comes first (skip echo and junk) */
    MTR_IEC_RD_STRICT = 1u << 1, /* require STX, '!', ETX and the check character */
    MTR_IEC_RD_STRIP8 = 1u << 2  /* strip bit 7 of each byte (8-bit link, unchecked) */
};

typedef struct mtr_iec_reader_opts {
    unsigned flags;   /* MTR_IEC_RD_* */
    mtr_iec_bcc_t bcc;
    mtr_iec_dataset_cb cb;
    void *user;
    char *err;        /* detail on error, may be NULL */
    size_t errlen;
} mtr_iec_reader_opts_t;

typedef struct mtr_iec_reader {
    mtr_iec_reader_opts_t o;
    int state;
    int status;           /* sticky error */
    mtr_iec_block_t block;
    mtr_iec_ident_t ident;
    bool have_ident;
    bool stx_seen;        /* the check character covers the data */
    bool etx_seen;
    bool bcc_present;
    bool bcc_checked;
    mtr_iec_bcc_t bcc_matched;
    uint8_t bcc_got;
    uint8_t sum_xor, sum_add;
    size_t junk;          /* bytes skipped outside the data block */
    size_t line_len;
    uint8_t line[MTR_IEC_IDLINE_MAX + 1]; /* with its CR */
} mtr_iec_reader_t;

void mtr_iec_reader_init(mtr_iec_reader_t *r, const mtr_iec_reader_opts_t *o);
/** Feed received bytes. Returns MTR_IEC_MORE (all consumed), MTR_IEC_IDENT (r->ident is
 *  ready; *consumed stops after its LF so the caller can answer), MTR_IEC_COMPLETE
 *  (*consumed stops after the check character; what follows is not ours) or an error.
 *  Data sets reach the callback as they arrive: commit them only on COMPLETE. */
int mtr_iec_reader_feed(mtr_iec_reader_t *r, const uint8_t *p, size_t n, size_t *consumed);
/** No more bytes will come (inactivity timeout, end of capture). MTR_IEC_COMPLETE when
 *  what came is acceptable without '!'/ETX/check character, else METER_ETRUNCATED. */
int mtr_iec_reader_finish(mtr_iec_reader_t *r);
/** True once '!' or ETX was seen: the caller may wait less for the rest. */
bool mtr_iec_reader_at_end(const mtr_iec_reader_t *r);
/** A whole capture: feed and finish. @p r gives the details afterwards. */
int mtr_iec_readout_parse(mtr_iec_reader_t *r, const mtr_iec_reader_opts_t *o,
                          const uint8_t *p, size_t n);

/* ---- programming-mode frames (iec62056_frame.c) ------------------------- */

typedef enum mtr_iec_frame_kind {
    MTR_IEC_FRAME_ACK = 0, /* 06 */
    MTR_IEC_FRAME_NAK,     /* 15 */
    MTR_IEC_FRAME_CMD,     /* SOH C D [STX data] ETX|EOT BCC */
    MTR_IEC_FRAME_DATA     /* STX data ETX|EOT BCC */
} mtr_iec_frame_kind_t;

typedef struct mtr_iec_frame {
    mtr_iec_frame_kind_t kind;
    char cmd;              /* CMD: 'P', 'W', 'R', 'E', 'B' */
    char type;             /* CMD: '0'..'9' */
    bool has_data;         /* CMD: an STX part is present (B0 has none) */
    bool partial;          /* EOT instead of ETX: more blocks follow */
    const uint8_t *data;   /* points into the scanned buffer */
    size_t data_len;
    uint8_t bcc;           /* as received, parity bit stripped */
    mtr_iec_bcc_t matched; /* the algorithm that verified it */
} mtr_iec_frame_t;

/** Scan one frame at the start of @p buf (NULs and CR/LF before it are skipped).
 *  MTR_IEC_MORE, MTR_IEC_COMPLETE (*consumed through the BCC), METER_ECHECKSUM,
 *  METER_EFRAME, METER_ELIMIT. */
int mtr_iec_frame_scan(const uint8_t *buf, size_t len, mtr_iec_bcc_t alg, mtr_iec_frame_t *out,
                       size_t *consumed, char *err, size_t errlen);
/** Build SOH C D [STX data] ETX|EOT BCC; @p data NULL means no STX part (B0). */
int mtr_iec_cmd_build(uint8_t *out, size_t cap, char cmd, char type, const void *data,
                      size_t len, bool partial, mtr_iec_bcc_t alg, size_t *outlen);
/** Build STX data ETX|EOT BCC (an answer, or a readout whose data ends in "!\r\n"). */
int mtr_iec_data_build(uint8_t *out, size_t cap, const void *data, size_t len, bool partial,
                       mtr_iec_bcc_t alg, size_t *outlen);
/** Build any frame kind from @p f (ACK, NAK, CMD, DATA). */
int mtr_iec_frame_build(uint8_t *out, size_t cap, const mtr_iec_frame_t *f, mtr_iec_bcc_t alg,
                        size_t *outlen);
/** What a meter's answer means: ACK or data METER_OK, NAK METER_ENAK, "(ER..)" text
 *  METER_EAPPLICATION (text in @p err), B0 from the meter METER_ESTATE. */
int mtr_iec_answer_status(const mtr_iec_frame_t *f, char *err, size_t errlen);

/* ---- DSMR P1 telegram CRC (iec62056_dsmr.c) ------------------------------ */

/** CRC-16/ARC (reflected 0xA001, init 0, xorout 0); check("123456789") = 0xBB3D. */
uint16_t mtr_iec_crc16_arc(const uint8_t *p, size_t n);
/** Verify a DSMR 4/5 P1 telegram: CRC-16/ARC over '/' through '!' inclusive against
 *  the 1-4 hex digits after '!' (4 upper-case digits in the standard; dsmr_parser accepts
 *  fewer). @p p may start with junk before '/'. *crc (may be NULL) gets the computed CRC,
 *  *consumed (may be NULL) the bytes through the last hex digit.
 *  METER_OK, METER_ECHECKSUM, METER_EFRAME (no '/' or no '!'), METER_EUNSUPPORTED
 *  ('!' followed by no hex digit: DSMR 2.2/3.0 send no CRC). */
int mtr_iec_dsmr_crc_check(const uint8_t *p, size_t n, uint16_t *crc, size_t *consumed,
                           char *err, size_t errlen);

#endif /* MTR_PROTO_IEC62056_H */
