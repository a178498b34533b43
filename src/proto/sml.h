/* SPDX-License-Identifier: MIT */
/* SML (Smart Message Language, BSI TR-03109-1 / SML 1.04) codec, internal API:
 * CRC-16/X.25 and KERMIT, the transport v1 stream parser (escapes, padding, resync),
 * the type-length reader and the message decoder into caller-provided entries.
 * Pure: no I/O, no heap, no globals. Decisions and reasons: docs/sml-codec.md. */
#ifndef MTR_PROTO_SML_H
#define MTR_PROTO_SML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meter/error.h"

/* ---- limits ------------------------------------------------------------- */

/* Raw (escaped) bytes of one transport frame, start sequence through CRC. The
 * largest frame in the corpus has 528; past this the frame is dropped with
 * METER_ELIMIT and the parser hunts for the next start. Never grows. */
#define MTR_SML_FRAME_MAX 4096
/* The most SML_ListEntries one frame can carry: the smallest entry the decoder takes
 * is 9 bytes (77, a 1-byte objName 02 xx, then 01 for status, valTime, unit, scaler,
 * value and signature), and a frame's SML file is shorter than MTR_SML_FRAME_MAX. An
 * entries array of this size holds every entry of any frame the stream delivers. */
#define MTR_SML_ENTRY_MIN 9
#define MTR_SML_FRAME_ENTRIES_MAX (MTR_SML_FRAME_MAX / MTR_SML_ENTRY_MIN)
#define MTR_SML_DEPTH_MAX 16  /* nesting of lists walked (SML_Tree, signatures) */
#define MTR_SML_TL_MAX 8      /* bytes of one type-length field */

/* ---- options (flags for the stream and the decoder) ----------------------- */

enum {
    /* Transport and message CRC may also be CRC-16/KERMIT, sent high byte first
     * (Holley DTZ541 on its RS-485 port). */
    MTR_SML_OPT_KERMIT = 1u << 0,
    /* Transport CRC X.25 may also be sent high byte first (no capture shows it). */
    MTR_SML_OPT_X25_SWAPPED = 1u << 1,
    /* A message CRC that matches nothing does not reject the frame when the transport
     * CRC was right: the values are kept and counted in msg_crc_bad (eBZ firmware
     * with wrong message CRCs). Ignored for bare payloads (no transport CRC). */
    MTR_SML_OPT_MSG_CRC_TRUST_TRANSPORT = 1u << 2
};

/* ---- CRC (sml_crc.c) ------------------------------------------------------ */

/** CRC-16/X.25 (reflected 0x1021, init and xorout 0xFFFF); check 0x906E. */
uint16_t mtr_sml_crc_x25(const uint8_t *p, size_t n);
/** CRC-16/KERMIT (reflected 0x1021, init and xorout 0); check 0x2189. */
uint16_t mtr_sml_crc_kermit(const uint8_t *p, size_t n);
/** One byte into a reflected 0x8408 register (both CRCs share it; only init and
 *  xorout differ). */
uint16_t mtr_sml_crc_update(uint16_t reg, uint8_t b);

/* ---- transport v1 stream parser (sml_transport.c) ------------------------ */

typedef enum mtr_sml_crc_kind {
    MTR_SML_CRC_X25 = 0,     /* the standard: X.25, low byte first */
    MTR_SML_CRC_X25_SWAPPED, /* X.25, high byte first (MTR_SML_OPT_X25_SWAPPED) */
    MTR_SML_CRC_KERMIT       /* KERMIT, high byte first (MTR_SML_OPT_KERMIT) */
} mtr_sml_crc_kind_t;

/** Results of mtr_sml_stream_feed() other than errors (which are < 0). */
enum {
    MTR_SML_NEED_MORE = 0, /* all input consumed, no event */
    MTR_SML_FRAME = 1      /* *frame holds a frame whose transport CRC is right */
};

/** A decoded transport frame: its SML file, escapes removed, padding dropped. */
typedef struct mtr_sml_frame {
    const uint8_t *data;     /* into the stream's buffer: valid until the next feed */
    size_t len;
    size_t raw_len;          /* bytes on the wire, start sequence through CRC */
    unsigned padding;        /* fill bytes the trailer announced (and that were 00) */
    mtr_sml_crc_kind_t crc;  /* which check matched */
    bool transport_ok;       /* always true for a delivered frame */
} mtr_sml_frame_t;

/** Caller-owned stream state (about 4.2 KiB, nothing to free). */
typedef struct mtr_sml_stream {
    unsigned flags;        /* MTR_SML_OPT_* */
    int state;
    uint64_t last8;        /* the last 8 raw bytes (hunting for the start) */
    uint16_t x25, kermit;  /* running CRC registers over the raw bytes */
    size_t raw_len;        /* raw bytes of the current frame */
    size_t len;            /* decoded bytes in buf */
    unsigned nesc;         /* consecutive 1B (escape candidate) */
    uint8_t pay[4];        /* escape payload being read */
    unsigned npay;
    unsigned frames_ok;    /* frames delivered since init */
    unsigned frames_bad;   /* frames dropped with an error since init */
    uint8_t buf[MTR_SML_FRAME_MAX];
} mtr_sml_stream_t;

void mtr_sml_stream_init(mtr_sml_stream_t *s, unsigned flags);
/**
 * Feed @p n bytes. Consumes up to and including the byte that completes an event;
 * *used says how many. Call again with the rest. The result does not depend on how
 * the bytes are chunked.
 * @return MTR_SML_NEED_MORE; MTR_SML_FRAME (*frame is valid until the next call);
 *   or a dropped frame: METER_ECHECKSUM (transport CRC wrong: no values may be used),
 *   METER_EFRAME (invalid escape, end escape off the 4-byte grid, bad fill bytes),
 *   METER_ELIMIT (longer than MTR_SML_FRAME_MAX), METER_ETRUNCATED (a new start
 *   sequence interrupted the frame; the new frame is being read). After an error the
 *   parser is already hunting or reading the next frame.
 */
int mtr_sml_stream_feed(mtr_sml_stream_t *s, const uint8_t *in, size_t n, size_t *used,
                        mtr_sml_frame_t *frame, char *err, size_t errlen);
/** End of input (gap timeout, end of a capture): METER_ETRUNCATED when a frame was
 *  begun, else METER_OK. The parser is reset to hunting either way. */
int mtr_sml_stream_finish(mtr_sml_stream_t *s, char *err, size_t errlen);

/* ---- type-length fields (sml_tl.c) --------------------------------------- */

typedef enum mtr_sml_type {
    MTR_SML_T_OCTETS = 0, /* 0x0_ */
    MTR_SML_T_BOOL = 4,   /* 0x4_ */
    MTR_SML_T_INT = 5,    /* 0x5_ */
    MTR_SML_T_UINT = 6,   /* 0x6_ */
    MTR_SML_T_LIST = 7,   /* 0x7_ */
    MTR_SML_T_END = 8,    /* the byte 00: endOfSmlMsg (not a wire type) */
    MTR_SML_T_ABSENT = 9  /* the byte 01: optional field not sent (not a wire type) */
} mtr_sml_type_t;

typedef struct mtr_sml_tl {
    mtr_sml_type_t type;
    size_t len;            /* data bytes (scalars, octets) or elements (lists) */
    size_t tl_len;         /* bytes of the TL field itself */
    const uint8_t *data;   /* first data byte (scalars, octets), NULL for lists */
} mtr_sml_tl_t;

typedef struct mtr_sml_cursor {
    const uint8_t *p;
    size_t n;
    size_t off;
} mtr_sml_cursor_t;

/** Read one TL and step over it and (for scalars) its data. METER_ETRUNCATED,
 *  METER_EFRAME (reserved type, bad continuation byte, length below the TL's own,
 *  integer of 0 or more than 8 bytes, boolean not 1 byte), METER_ELIMIT (> TL_MAX). */
int mtr_sml_tl_read(mtr_sml_cursor_t *c, mtr_sml_tl_t *tl, char *err, size_t errlen);
/** Skip one whole element (lists recursively, at most MTR_SML_DEPTH_MAX deep). */
int mtr_sml_skip(mtr_sml_cursor_t *c, unsigned depth, char *err, size_t errlen);
/** Big-endian unsigned of 1..8 bytes. */
uint64_t mtr_sml_be_uint(const uint8_t *p, size_t n);
/** Big-endian two's complement of 1..8 bytes, sign taken from bit 7 of p[0]. */
int64_t mtr_sml_be_int(const uint8_t *p, size_t n);

/* ---- messages and entries (sml_message.c, sml_entry.c) -------------------- */

typedef enum mtr_sml_time_kind {
    MTR_SML_TIME_NONE = 0,
    MTR_SML_TIME_SECINDEX = 1,  /* seconds counter of the meter */
    MTR_SML_TIME_TIMESTAMP = 2, /* Unix seconds, UTC */
    MTR_SML_TIME_LOCAL = 3      /* Unix seconds UTC plus the two offsets */
} mtr_sml_time_kind_t;

typedef struct mtr_sml_time {
    mtr_sml_time_kind_t kind;
    uint32_t value;
    int16_t local_offset;  /* minutes (LOCAL only) */
    int16_t season_offset; /* minutes (LOCAL only) */
} mtr_sml_time_t;

typedef enum mtr_sml_vkind {
    MTR_SML_V_ABSENT = 0, /* the mandatory value was sent as 01 */
    MTR_SML_V_BOOL,
    MTR_SML_V_INT,        /* i, as the wire says (signed) */
    MTR_SML_V_UINT,       /* u */
    MTR_SML_V_OCTETS,     /* octets, octets_len */
    MTR_SML_V_TIME,       /* time (a value sent as an SML_Time list) */
    MTR_SML_V_LIST        /* another list: skipped, nothing kept */
} mtr_sml_vkind_t;

/** One SML_ListEntry. Slices point into the decoded frame (valid as long as it). */
typedef struct mtr_sml_entry {
    uint8_t obis[6];          /* objName when it has 6 bytes (has_obis) */
    bool has_obis;
    const uint8_t *obj_name;  /* objName as sent */
    size_t obj_name_len;
    bool has_status;
    uint64_t status;
    mtr_sml_time_t val_time;  /* kind NONE when absent */
    bool has_unit;
    uint8_t unit;             /* DLMS unit code */
    bool has_scaler;
    int8_t scaler;            /* value = raw * 10^scaler; 0 when absent */
    mtr_sml_vkind_t kind;
    bool b;
    int64_t i;
    uint64_t u;
    const uint8_t *octets;
    size_t octets_len;
    unsigned int_bytes;       /* data bytes of an INT/UINT value (3 for a 54 ...) */
    mtr_sml_time_t time;
    bool has_signature;
    const uint8_t *signature;
    size_t signature_len;
    const uint8_t *server_id; /* the GetList.Res's serverId */
    size_t server_id_len;
    unsigned message;         /* index of its message in the file */
} mtr_sml_entry_t;

/** Caller-provided output. Set entries and cap; the decoder fills the rest. */
typedef struct mtr_sml_result {
    mtr_sml_entry_t *entries;
    size_t cap;
    size_t count;           /* entries written (<= cap); 0 after any error but EBUFSIZE */
    size_t total;           /* entries in the file (> cap with METER_EBUFSIZE) */
    unsigned messages;      /* SML_Messages read */
    unsigned open_res, getlist_res, close_res, skipped;
    unsigned msg_crc_bad;   /* messages whose CRC matched nothing, kept by the option */
    unsigned msg_crc_kermit;/* messages whose CRC was KERMIT */
    const uint8_t *server_id; /* PublicOpen.Res serverId, NULL when none */
    size_t server_id_len;
    mtr_sml_time_t act_sensor_time; /* of the last GetList.Res */
} mtr_sml_result_t;

/** Read an optional SML_Time: 01 (absent: kind NONE), 72 [tag, data] with tag 1
 *  secIndex, 2 timestamp, 3 localTimestamp 73 [u32, i16, i16], or a bare Unsigned32
 *  taken as secIndex (Holley DTZ541). METER_EFRAME for anything else. */
int mtr_sml_time_read(mtr_sml_cursor_t *c, mtr_sml_time_t *t, char *err, size_t errlen);
/** Read one SML_ListEntry 77 [...] into @p e (server_id and message left alone). */
int mtr_sml_entry_read(mtr_sml_cursor_t *c, mtr_sml_entry_t *e, char *err, size_t errlen);

/** Message body tags decoded; every other body is skipped by walking its TLs. */
enum {
    MTR_SML_TAG_OPEN_RES = 0x0101,
    MTR_SML_TAG_CLOSE_RES = 0x0201,
    MTR_SML_TAG_GETLIST_RES = 0x0701,
    MTR_SML_TAG_ATTENTION_RES = 0xFF01
};

/**
 * Decode an SML file (messages back to back, no transport framing) into @p res.
 * Every message CRC is checked (X.25 sent big-endian in 1 or 2 bytes; KERMIT too
 * with MTR_SML_OPT_KERMIT). All or nothing: after any error res->count is 0.
 * @return METER_OK; METER_EBUFSIZE (the file decoded, more than res->cap entries:
 *   the first cap are kept, res->total says how many); METER_ECHECKSUM (a message
 *   CRC is wrong); METER_ETRUNCATED; METER_EFRAME; METER_ELIMIT; METER_EINVAL.
 */
int mtr_sml_decode(const uint8_t *p, size_t n, unsigned flags, mtr_sml_result_t *res,
                   char *err, size_t errlen);
/** Decode a frame the stream delivered; honours MTR_SML_OPT_MSG_CRC_TRUST_TRANSPORT. */
int mtr_sml_decode_frame(const mtr_sml_frame_t *f, unsigned flags, mtr_sml_result_t *res,
                         char *err, size_t errlen);

/** The entry's value times 10^scaler (INT, UINT, BOOL; NAN for the other kinds). */
double mtr_sml_entry_value(const mtr_sml_entry_t *e);
/** The value x 10^(scaler + @p exp10) (a unit's power of ten besides), rounded once:
 *  exactly the double nearest the decimal, also beyond 2^53 and for large powers. */
double mtr_sml_entry_scaled(const mtr_sml_entry_t *e, int exp10);

/* ---- units and OBIS (sml_unit.c) ----------------------------------------- */

/** Symbol of a DLMS unit code (IEC 62056-62): 30 "Wh", 27 "W", 35 "V" ...; "" for
 *  0 and 255 (none, count); NULL for a code not in the table. UTF-8. */
const char *mtr_sml_unit_symbol(unsigned code);
/** "A-B:C.D.E*F" in decimal from 6 objName bytes. METER_EBUFSIZE when cap < 24. */
int mtr_sml_obis_format(const uint8_t obis[6], char *buf, size_t cap);

#endif /* MTR_PROTO_SML_H */
