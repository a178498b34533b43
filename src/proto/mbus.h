/* SPDX-License-Identifier: MIT */
/* Wired M-Bus codec (EN 13757-2 link layer, EN 13757-3 application layer):
 * frames, an incremental stream parser, request builders, the application
 * header, data records and VIF tables, value conversion. Pure: no I/O, no heap,
 * no globals that change; every function is thread-safe on its own arguments.
 * Sessions, transports and drivers live elsewhere. */
#ifndef MTR_PROTO_MBUS_H
#define MTR_PROTO_MBUS_H

#include <stddef.h>
#include <stdint.h>

#include "meter/error.h"

/* Error detail: every fallible call takes (char *err, size_t errlen); err may be
 * NULL. The status code is what matters; the text says where and why. */

/* ---- link layer (mbus_link.c) ------------------------------------------ */

#define MTR_MBUS_FRAME_MAX 261 /* 68 L L 68 + 255 + CS 16 */
#define MTR_MBUS_DATA_MAX 252  /* user data after C, A, CI */
#define MTR_MBUS_ACK 0xE5
#define MTR_MBUS_START_SHORT 0x10
#define MTR_MBUS_START_LONG 0x68
#define MTR_MBUS_STOP 0x16

/* addresses */
#define MTR_MBUS_ADDR_MAX_PRIMARY 250
#define MTR_MBUS_ADDR_SELECTED 0xFD  /* the slave selected by secondary address */
#define MTR_MBUS_ADDR_TEST 0xFE      /* every slave answers (single-slave bus) */
#define MTR_MBUS_ADDR_BROADCAST 0xFF /* nobody answers */

/* C field */
#define MTR_MBUS_C_PRM 0x40 /* 1: master to slave */
#define MTR_MBUS_C_FCB 0x20 /* master: frame count bit */
#define MTR_MBUS_C_FCV 0x10 /* master: FCB valid */
#define MTR_MBUS_C_ACD 0x20 /* slave: class-1 data available */
#define MTR_MBUS_C_DFC 0x10 /* slave: data flow control */
#define MTR_MBUS_C_SND_NKE 0x40
#define MTR_MBUS_C_SND_UD 0x53
#define MTR_MBUS_C_SND_UD_FCB 0x73
#define MTR_MBUS_C_REQ_UD2 0x5B
#define MTR_MBUS_C_REQ_UD1 0x5A
#define MTR_MBUS_C_RSP_UD 0x08

typedef enum mtr_mbus_frame_kind {
    MTR_MBUS_FRAME_ACK = 1, /* single character E5 */
    MTR_MBUS_FRAME_SHORT,   /* 10 C A CS 16 */
    MTR_MBUS_FRAME_CONTROL, /* 68 03 03 68 C A CI CS 16 */
    MTR_MBUS_FRAME_LONG     /* 68 L L 68 C A CI data CS 16 */
} mtr_mbus_frame_kind_t;

/** A parsed link-layer frame; @c data points into the caller's buffer. */
typedef struct mtr_mbus_frame {
    mtr_mbus_frame_kind_t kind;
    uint8_t c, a, ci;    /* c/a: short, control, long; ci: control, long */
    const uint8_t *data; /* user data after CI (long frames), else NULL */
    size_t data_len;
    size_t size; /* bytes the frame occupies on the wire */
} mtr_mbus_frame_t;

/** Sum of @p n bytes modulo 256 (the FT1.2 checksum). */
uint8_t mtr_mbus_checksum(const uint8_t *p, size_t n);
/** Nonzero when the C field says master to slave (PRM set). */
int mtr_mbus_c_is_request(uint8_t c);
/** What a frame kind is, never NULL: "single-character acknowledgement (E5)",
 * "short frame", "control frame", "long frame"; "unknown" otherwise. */
const char *mtr_mbus_frame_kind_name(unsigned kind);

/**
 * Parse one frame at the start of @p buf.
 * @return METER_OK; METER_ETRUNCATED if more bytes are needed (*need, when not
 * NULL, says how many at least); METER_EFRAME (start, length, second start,
 * stop byte); METER_ECHECKSUM.
 */
int mtr_mbus_frame_parse(const uint8_t *buf, size_t len, mtr_mbus_frame_t *out, size_t *need,
                         char *err, size_t errlen);

/* Builders write a whole frame into buf and its size into *out_len. They
 * return METER_OK, METER_EBUFSIZE (cap too small), METER_EINVAL (NULL, data
 * over 252 bytes) or METER_ERANGE (address or baud not allowed). */
int mtr_mbus_build_short(uint8_t *buf, size_t cap, uint8_t c, uint8_t a, size_t *out_len);
/** Long frame; n == 0 gives a control frame. n <= 252. */
int mtr_mbus_build_long(uint8_t *buf, size_t cap, uint8_t c, uint8_t a, uint8_t ci,
                        const uint8_t *data, size_t n, size_t *out_len);
int mtr_mbus_build_snd_nke(uint8_t *buf, size_t cap, uint8_t a, size_t *out_len);
/** REQ_UD2: C = 5B, or 7B when @p fcb is nonzero (FCV is always set). */
int mtr_mbus_build_req_ud2(uint8_t *buf, size_t cap, uint8_t a, int fcb, size_t *out_len);
/** SND_UD: C = 53, or 73 when @p fcb; CI and data as given (CI 51 data send…). */
int mtr_mbus_build_snd_ud(uint8_t *buf, size_t cap, uint8_t a, int fcb, uint8_t ci,
                          const uint8_t *data, size_t n, size_t *out_len);

/** A secondary address or selection mask. */
typedef struct mtr_mbus_secondary {
    uint32_t id;      /* 8 BCD digits as read LSB byte first; nibble F = wildcard */
    uint16_t man;     /* manufacturer code (wire bytes man&FF, man>>8); FFFF = any */
    uint8_t version;  /* FF = any */
    uint8_t medium;   /* FF = any */
} mtr_mbus_secondary_t;

/** Selection frame 68 0B 0B 68 C FD 52 ID MAN VER MED CS 16; @p c is 53 or 73. */
int mtr_mbus_build_select(uint8_t *buf, size_t cap, const mtr_mbus_secondary_t *sel, uint8_t c,
                          size_t *out_len);
/**
 * Parse "IIIIIIIIMMMMVVDD" (16 hex digits, the form libmbus uses): ID digits
 * most significant first with F/f as wildcard, MAN as its two wire bytes, VER,
 * MED. @return METER_OK or METER_EINVAL.
 */
int mtr_mbus_secondary_parse(const char *s, mtr_mbus_secondary_t *out, char *err, size_t errlen);
/** CI 51 data "01 7A nn": set primary address (0..250) of slave @p a. */
int mtr_mbus_build_set_address(uint8_t *buf, size_t cap, uint8_t a, int fcb, unsigned new_addr,
                               size_t *out_len);
/** Control frame with CI B8..BF: switch slave @p a to @p baud (300..38400). */
int mtr_mbus_build_set_baud(uint8_t *buf, size_t cap, uint8_t a, unsigned baud,
                            size_t *out_len);
/** Baud rate a CI B8..BF asks for, 0 for other CIs. */
unsigned mtr_mbus_ci_baud(uint8_t ci);

/* ---- incremental stream parser (mbus_link.c) --------------------------- */

/** Results of mtr_mbus_parser_feed() other than errors (which are < 0). */
enum {
    MTR_MBUS_NEED_MORE = 0, /* all input consumed, no complete frame yet */
    MTR_MBUS_COMPLETE = 1,  /* *frame holds a frame (valid until the next feed) */
    MTR_MBUS_ECHO = 2       /* *frame is byte for byte the request we armed */
};

/** Caller-owned parser state (about 530 bytes, no pointers to free). */
typedef struct mtr_mbus_parser {
    uint8_t buf[MTR_MBUS_FRAME_MAX]; /* bytes not yet consumed, candidate first */
    size_t len;
    size_t deliver;   /* bytes of the frame last delivered, dropped on the next feed */
    size_t noise;     /* bytes skipped since init: garbage and failed candidates */
    uint8_t echo[MTR_MBUS_FRAME_MAX];
    size_t echo_len;  /* 0: no echo armed */
} mtr_mbus_parser_t;

void mtr_mbus_parser_init(mtr_mbus_parser_t *p);
/** Arm echo recognition: a frame identical to @p sent is reported as MTR_MBUS_ECHO once. */
void mtr_mbus_parser_expect_echo(mtr_mbus_parser_t *p, const uint8_t *sent, size_t n);
/** Bytes held that do not yet form a frame (nonzero at a gap timeout = truncated frame). */
size_t mtr_mbus_parser_pending(const mtr_mbus_parser_t *p);
/**
 * Feed @p n bytes (n may be 0 to drain what is buffered). Consumes bytes up to
 * the first event; *used says how many. Call again with the rest.
 * @return MTR_MBUS_NEED_MORE, MTR_MBUS_COMPLETE, MTR_MBUS_ECHO, or a negative
 * status (METER_EFRAME, METER_ECHECKSUM) after which the candidate's first byte
 * has been dropped and the parser resynchronises on the following bytes.
 */
int mtr_mbus_parser_feed(mtr_mbus_parser_t *p, const uint8_t *in, size_t n, size_t *used,
                         mtr_mbus_frame_t *frame, char *err, size_t errlen);

/* ---- application layer (mbus_app.c) ------------------------------------ */

typedef enum mtr_mbus_app_kind {
    MTR_MBUS_APP_VARIABLE = 1, /* CI 72, 7A, 78: slave variable data */
    MTR_MBUS_APP_FIXED,        /* CI 73, 77: legacy fixed structure */
    MTR_MBUS_APP_ERROR,        /* CI 70: application error */
    MTR_MBUS_APP_ALARM,        /* CI 71: alarm status */
    MTR_MBUS_APP_DATA_SEND,    /* CI 51: master data send (records) */
    MTR_MBUS_APP_SELECT,       /* CI 52: secondary address selection */
    MTR_MBUS_APP_RESET,        /* CI 50: application reset */
    MTR_MBUS_APP_BAUD          /* CI B8..BF: baud rate switch */
} mtr_mbus_app_kind_t;

/** Fixed-structure counter (CI 73/77). value = number * 10^exp10 in unit. */
typedef struct mtr_mbus_fixed_counter {
    int64_t number;
    int exp10;
    uint8_t unit_code; /* the 6-bit legacy unit code */
    uint8_t unit;      /* mtr_mbus_unit_t */
    uint8_t valid;     /* 0 when a BCD counter held A..F digits */
} mtr_mbus_fixed_counter_t;

/* app.fields: which header fields the frame carries (the rest are 0, not data) */
#define MTR_MBUS_HF_ID 0x01u        /* id (CI 72/76, 73/77) */
#define MTR_MBUS_HF_MAN 0x02u       /* man (CI 72/76 only) */
#define MTR_MBUS_HF_VERSION 0x04u   /* version (CI 72/76 only) */
#define MTR_MBUS_HF_MEDIUM 0x08u    /* medium (CI 72/76; 73/77: the 4-bit legacy code) */
#define MTR_MBUS_HF_ACCESS 0x10u    /* access (CI 72/76, 7A, 73/77) */
#define MTR_MBUS_HF_STATUS 0x20u    /* status (CI 72/76, 7A, 73/77) */
#define MTR_MBUS_HF_SIGNATURE 0x40u /* signature / configuration word (CI 72/76, 7A) */

typedef struct mtr_mbus_app {
    mtr_mbus_app_kind_t kind;
    uint8_t ci;
    uint8_t header_len; /* 0, 4 or 12 for variable data; 16-byte fixed block */
    uint8_t has_id;     /* 1 when id, man, version and medium are all present (CI 72/76);
                         * 0 for CI 73/77, which have id and medium but no man/version:
                         * see fields */
    /* header (long: all; short: access, status, signature) */
    uint32_t id;        /* BCD digits as 32-bit value, LSB byte first on the wire */
    uint16_t man;
    uint8_t version, medium, access, status;
    uint16_t signature;
    /* records block (variable data, CI 51) */
    const uint8_t *records;
    size_t records_len;
    /* CI 70 */
    int app_error; /* error code byte, -1 when absent */
    /* CI 50 */
    int reset_subcode; /* -1 when absent */
    /* CI 52 */
    mtr_mbus_secondary_t select;
    /* CI B8..BF */
    unsigned baud;
    /* CI 73/77 */
    uint8_t fixed_historic; /* status bit 6: stored values */
    mtr_mbus_fixed_counter_t fixed[2];
    /* added for "records lose nothing" (docs/mbus-codec.md) */
    uint16_t fields;        /* MTR_MBUS_HF_*: header fields present */
    uint8_t msb_first;      /* CI 76/77 (mode 2): multi-byte fields most significant byte first */
    uint8_t security_mode;  /* configuration word bits 12..8 (OMS security mode); 0 = plain */
    /* user data after the header, whatever the CI and byte order: the variable
     * records block (also CI 76, where records stays NULL), the 16-byte fixed
     * block (CI 73/77). Walk it with mtr_mbus_iter_init_app(). */
    const uint8_t *payload;
    size_t payload_len;
} mtr_mbus_app_t;

/**
 * Parse the application layer of a control or long frame of either
 * direction. CI 70 returns METER_EAPPLICATION with the error's name in err.
 * @return METER_OK, METER_EAPPLICATION, METER_ETRUNCATED (header too short),
 * METER_EFRAME (fixed data not 16 bytes, wrong length for a CI; no
 * application layer, e.g. the E5 acknowledgement), METER_EUNSUPPORTED (unknown
 * CI, mode-2 master CIs 55/56, and encrypted telegrams: a CI 72/76/7A header
 * whose configuration word names an assigned security mode 1..10, 13 or 15 —
 * the header is filled, app.security_mode says which, the records are never
 * decoded). CI 76 and 77 (mode 2) are decoded; see mtr_mbus_iter_init_app().
 */
int mtr_mbus_app_parse(const mtr_mbus_frame_t *f, mtr_mbus_app_t *out, char *err, size_t errlen);
/**
 * Master side: parse a reply. As mtr_mbus_app_parse(), but refuses ACK/short
 * frames and master-to-slave frames (PRM set or a master CI) with METER_EFRAME.
 */
int mtr_mbus_reply_parse(const mtr_mbus_frame_t *f, mtr_mbus_app_t *out, char *err,
                         size_t errlen);
/** Name of a CI 70 error code ("Application busy"…), never NULL. */
const char *mtr_mbus_app_error_name(int code);
/** Decode a manufacturer code to three letters + NUL; bit 15 is ignored. */
void mtr_mbus_man_string(uint16_t man, char out[4]);
/** Encode three letters A..Z to the 15-bit code; 0 on bad input. */
uint16_t mtr_mbus_man_code(const char *letters);
/** Medium / device type name, never NULL. */
const char *mtr_mbus_medium_name(uint8_t medium);
/** The BCD id as a number (A..F digits give -1). */
int64_t mtr_mbus_id_number(uint32_t id);
/** Nonzero when an OMS security mode (configuration word bits 12..8) means
 * the data are encrypted: the assigned modes 1..10, 13, 15 (docs/mbus-codec.md). */
int mtr_mbus_security_mode_encrypted(unsigned mode);

/* ---- VIF tables (mbus_vif.c) ------------------------------------------- */

#define MTR_MBUS_QUANTITIES(X)                                                  \
    X(UNKNOWN, "unknown")                                                       \
    X(ENERGY, "energy")                                                         \
    X(VOLUME, "volume")                                                         \
    X(MASS, "mass")                                                             \
    X(ON_TIME, "on_time")                                                       \
    X(OPERATING_TIME, "operating_time")                                         \
    X(POWER, "power")                                                           \
    X(VOLUME_FLOW, "volume_flow")                                               \
    X(MASS_FLOW, "mass_flow")                                                   \
    X(FLOW_TEMPERATURE, "flow_temperature")                                     \
    X(RETURN_TEMPERATURE, "return_temperature")                                 \
    X(TEMPERATURE_DIFFERENCE, "temperature_difference")                         \
    X(EXTERNAL_TEMPERATURE, "external_temperature")                             \
    X(PRESSURE, "pressure")                                                     \
    X(TIME_POINT, "time_point")                                                 \
    X(HCA, "hca")                                                               \
    X(AVERAGING_DURATION, "averaging_duration")                                 \
    X(ACTUALITY_DURATION, "actuality_duration")                                 \
    X(FABRICATION_NO, "fabrication_no")                                         \
    X(IDENTIFICATION, "identification")                                         \
    X(BUS_ADDRESS, "bus_address")                                               \
    X(PLAIN_TEXT, "plain_text")                                                 \
    X(ANY_VIF, "any_vif")                                                       \
    X(MANUFACTURER_SPECIFIC, "manufacturer_specific")                           \
    X(CREDIT, "credit")                                                         \
    X(DEBIT, "debit")                                                           \
    X(ACCESS_NUMBER, "access_number")                                           \
    X(MEDIUM, "medium")                                                         \
    X(MANUFACTURER, "manufacturer")                                             \
    X(PARAMETER_SET_ID, "parameter_set_id")                                     \
    X(MODEL_VERSION, "model_version")                                           \
    X(HARDWARE_VERSION, "hardware_version")                                     \
    X(FIRMWARE_VERSION, "firmware_version")                                     \
    X(SOFTWARE_VERSION, "software_version")                                     \
    X(CUSTOMER_LOCATION, "customer_location")                                   \
    X(CUSTOMER, "customer")                                                     \
    X(ACCESS_CODE_USER, "access_code_user")                                     \
    X(ACCESS_CODE_OPERATOR, "access_code_operator")                             \
    X(ACCESS_CODE_SYSTEM_OPERATOR, "access_code_system_operator")               \
    X(ACCESS_CODE_DEVELOPER, "access_code_developer")                           \
    X(PASSWORD, "password")                                                     \
    X(ERROR_FLAGS, "error_flags")                                               \
    X(ERROR_MASK, "error_mask")                                                 \
    X(DIGITAL_OUTPUT, "digital_output")                                         \
    X(DIGITAL_INPUT, "digital_input")                                           \
    X(BAUD_RATE, "baud_rate")                                                   \
    X(RESPONSE_DELAY, "response_delay")                                         \
    X(RETRY, "retry")                                                           \
    X(STORAGE_FIRST, "storage_first")                                           \
    X(STORAGE_LAST, "storage_last")                                             \
    X(STORAGE_BLOCK_SIZE, "storage_block_size")                                 \
    X(STORAGE_INTERVAL, "storage_interval")                                     \
    X(DURATION_SINCE_READOUT, "duration_since_readout")                         \
    X(TARIFF_START, "tariff_start")                                             \
    X(TARIFF_DURATION, "tariff_duration")                                       \
    X(TARIFF_PERIOD, "tariff_period")                                           \
    X(DIMENSIONLESS, "dimensionless")                                           \
    X(VOLTAGE, "voltage")                                                       \
    X(CURRENT, "current")                                                       \
    X(RESET_COUNTER, "reset_counter")                                           \
    X(CUMULATION_COUNTER, "cumulation_counter")                                 \
    X(CONTROL_SIGNAL, "control_signal")                                         \
    X(DAY_OF_WEEK, "day_of_week")                                               \
    X(WEEK_NUMBER, "week_number")                                               \
    X(DAY_CHANGE_TIME, "day_change_time")                                       \
    X(PARAMETER_ACTIVATION, "parameter_activation")                             \
    X(SUPPLIER_INFO, "supplier_info")                                           \
    X(DURATION_SINCE_CUMULATION, "duration_since_cumulation")                   \
    X(BATTERY_OPERATING_TIME, "battery_operating_time")                         \
    X(BATTERY_CHANGE_DATE, "battery_change_date")                               \
    X(RF_LEVEL, "rf_level")                                                     \
    X(DAYLIGHT_SAVING, "daylight_saving")                                       \
    X(LISTENING_WINDOW, "listening_window")                                     \
    X(REMAINING_BATTERY, "remaining_battery")                                   \
    X(METER_STOP_COUNT, "meter_stop_count")                                     \
    X(MANUFACTURER_CONTAINER, "manufacturer_container")                         \
    X(REACTIVE_ENERGY, "reactive_energy")                                       \
    X(APPARENT_ENERGY, "apparent_energy")                                       \
    X(RELATIVE_HUMIDITY, "relative_humidity")                                   \
    X(REACTIVE_POWER, "reactive_power")                                         \
    X(APPARENT_POWER, "apparent_power")                                         \
    X(PHASE_U_U, "phase_u_u")                                                   \
    X(PHASE_U_I, "phase_u_i")                                                   \
    X(FREQUENCY, "frequency")                                                   \
    X(COLD_WARM_TEMPERATURE_LIMIT, "cold_warm_temperature_limit")               \
    X(CUMULATIVE_MAX_POWER, "cumulative_max_power")                             \
    X(TEMPERATURE, "temperature")                                               \
    X(TIME, "time")                                                             \
    X(DATE, "date")

typedef enum mtr_mbus_quantity {
#define MTR_MBUS_Q_ENUM_(id, name) MTR_MBUS_Q_##id,
    MTR_MBUS_QUANTITIES(MTR_MBUS_Q_ENUM_)
#undef MTR_MBUS_Q_ENUM_
    MTR_MBUS_Q_COUNT_
} mtr_mbus_quantity_t;

#define MTR_MBUS_UNITS(X)                                                       \
    X(NONE, "")                                                                 \
    X(WH, "Wh")                                                                 \
    X(J, "J")                                                                   \
    X(M3, "m^3")                                                                \
    X(KG, "kg")                                                                 \
    X(SECOND, "s")                                                              \
    X(MINUTE, "min")                                                            \
    X(HOUR, "h")                                                                \
    X(DAY, "d")                                                                 \
    X(MONTH, "month")                                                           \
    X(YEAR, "year")                                                             \
    X(W, "W")                                                                   \
    X(J_PER_H, "J/h")                                                           \
    X(M3_PER_H, "m^3/h")                                                        \
    X(M3_PER_MIN, "m^3/min")                                                    \
    X(M3_PER_S, "m^3/s")                                                        \
    X(KG_PER_H, "kg/h")                                                         \
    X(CELSIUS, "°C")                                                            \
    X(KELVIN, "K")                                                              \
    X(BAR, "bar")                                                               \
    X(HCA, "HCA units")                                                         \
    X(CURRENCY, "currency units")                                               \
    X(BAUD, "Bd")                                                               \
    X(BIT_TIMES, "bit times")                                                   \
    X(VOLT, "V")                                                                \
    X(AMPERE, "A")                                                              \
    X(VARH, "varh")                                                             \
    X(VAH, "VAh")                                                               \
    X(CAL, "cal")                                                               \
    X(VAR, "var")                                                               \
    X(VA, "VA")                                                                 \
    X(PERCENT, "%")                                                             \
    X(FT3, "ft^3")                                                              \
    X(US_GAL, "US gal")                                                         \
    X(US_GAL_PER_MIN, "US gal/min")                                             \
    X(US_GAL_PER_H, "US gal/h")                                                 \
    X(DEGREE, "deg")                                                            \
    X(HZ, "Hz")                                                                 \
    X(FAHRENHEIT, "°F")                                                         \
    X(DBM, "dBm")                                                               \
    X(TEXT, "(text)")

typedef enum mtr_mbus_unit {
#define MTR_MBUS_U_ENUM_(id, name) MTR_MBUS_U_##id,
    MTR_MBUS_UNITS(MTR_MBUS_U_ENUM_)
#undef MTR_MBUS_U_ENUM_
    MTR_MBUS_U_COUNT_
} mtr_mbus_unit_t;

/** Which table the true VIF came from. */
typedef enum mtr_mbus_vif_table {
    MTR_MBUS_VT_NONE = 0,     /* special DIF records: no VIF */
    MTR_MBUS_VT_PRIMARY,
    MTR_MBUS_VT_FD,           /* main extension table */
    MTR_MBUS_VT_FB,           /* alternate extension table */
    MTR_MBUS_VT_PLAIN_TEXT,   /* 7C / FC */
    MTR_MBUS_VT_MANUFACTURER, /* 7F / FF */
    MTR_MBUS_VT_FIXED         /* fixed structure (CI 73/77): code = the 6-bit unit code */
} mtr_mbus_vif_table_t;

/** What the data means once the VIFEs are taken into account. */
typedef enum mtr_mbus_meaning {
    MTR_MBUS_M_VALUE = 0, /* a number in the VIF's unit */
    MTR_MBUS_M_TIME_POINT,/* a date or date-time (VIF 6C/6D, VIFE 39, 42.., 6A..) */
    MTR_MBUS_M_COUNT,     /* number of limit exceeds (VIFE 41/49): no unit */
    MTR_MBUS_M_DURATION,  /* duration of limit exceed (VIFE 50..67): time unit */
    MTR_MBUS_M_RAW        /* identifier-like: BCD/binary number or bytes, no unit */
} mtr_mbus_meaning_t;

/* vif_info.flags */
#define MTR_MBUS_VF_PER_TIME 0x0001u      /* VIFE 20..2F,30..38: value per something (see per) */
#define MTR_MBUS_VF_IMPORT 0x0002u        /* VIFE 3B: accumulation of positive contributions */
#define MTR_MBUS_VF_EXPORT 0x0004u        /* VIFE 3C: accumulation of |negative| contributions */
#define MTR_MBUS_VF_UNCORRECTED 0x0008u   /* VIFE 3A */
#define MTR_MBUS_VF_LOWER_LIMIT 0x0010u   /* VIFE 40..4F, 50..5F with u=0 */
#define MTR_MBUS_VF_UPPER_LIMIT 0x0020u   /* VIFE 48..4F, 58..5F */
#define MTR_MBUS_VF_OFFSET 0x0040u        /* VIFE 78..7B: additive correction (offset_exp10) */
#define MTR_MBUS_VF_FUTURE 0x0080u        /* VIFE 7E */
#define MTR_MBUS_VF_MANUFACTURER 0x0100u  /* VIFE 7F: bytes after it are manufacturer's */
#define MTR_MBUS_VF_RECORD_ERROR 0x0200u  /* VIFE 00..1F present (record_error) */
#define MTR_MBUS_VF_UNKNOWN_VIFE 0x0400u  /* a reserved VIFE was skipped */
#define MTR_MBUS_VF_LAST 0x0800u          /* limit exceed: last (else first) */
#define MTR_MBUS_VF_END 0x1000u           /* limit exceed date: end (else begin) */
#define MTR_MBUS_VF_START_DATE 0x2000u    /* VIFE 39: start date(/time) of */
#define MTR_MBUS_VF_UNSIGNED 0x4000u      /* type C: unsigned (identifiers, counters; see docs) */
#define MTR_MBUS_VF_BITS 0x8000u          /* type D: a bit field (error flags, digital I/O) */
#define MTR_MBUS_VF_UNKNOWN_VIF 0x10000u  /* reserved VIF code: number kept, no unit */

/** The resolved meaning of a record's VIF and VIFE chain. */
typedef struct mtr_mbus_vif_info {
    uint8_t table;       /* mtr_mbus_vif_table_t */
    uint8_t code;        /* true VIF & 0x7F within its table */
    uint8_t quantity;    /* mtr_mbus_quantity_t */
    uint8_t unit;        /* mtr_mbus_unit_t */
    uint8_t meaning;     /* mtr_mbus_meaning_t */
    int8_t exp10;        /* value = number * 10^exp10 unit */
    int8_t offset_exp10; /* VF_OFFSET: correction unit 10^offset_exp10 */
    int8_t record_error; /* VIFE 00..1F code, -1 none */
    uint8_t per;         /* VIFE 20..38 code when VF_PER_TIME, else 0 */
    uint8_t phase;       /* combinable extension FC xx: 1..3 L1..L3, 4 N, 5..7 L1-L2.., 0 none */
    uint8_t ext_code;    /* raw combinable-extension code (after 7C/FC), 0 none */
    uint32_t flags;      /* MTR_MBUS_VF_* */
} mtr_mbus_vif_info_t;

/* The names and symbols below lie in zero-padded slots of these sizes: a caller
 * may copy a whole slot (memcpy of a constant size) instead of the string. */
#define MTR_MBUS_QUANTITY_SLOT 32
#define MTR_MBUS_UNIT_SLOT 16
/** Name of a quantity (snake_case), never NULL; in a slot of MTR_MBUS_QUANTITY_SLOT bytes. */
const char *mtr_mbus_quantity_name(unsigned q);
/** Unit symbol (UTF-8), never NULL; "" for none; in a slot of MTR_MBUS_UNIT_SLOT bytes. */
const char *mtr_mbus_unit_name(unsigned u);
/** Seconds in one time unit (s, min, h, d, month, year); 0 for other units. */
double mtr_mbus_unit_seconds(unsigned u);
/** Fill @p vi from a true VIF in a table (primary/FD/FB) before any VIFE. */
/** 1 when every VIF table is sorted by code with disjoint ranges (the look-up relies on it). */
int mtr_mbus_vif_tables_sorted(void);
void mtr_mbus_vif_lookup(mtr_mbus_vif_table_t table, uint8_t vif, mtr_mbus_vif_info_t *vi);
/**
 * Apply one combinable (orthogonal) VIFE to @p vi. @p ext is the byte after
 * 7C/FC (pass -1 otherwise). Stops interpreting after 7F (VF_MANUFACTURER).
 */
void mtr_mbus_vife_apply(mtr_mbus_vif_info_t *vi, uint8_t vife, int ext);

/* ---- data records (mbus_record.c) -------------------------------------- */

#define MTR_MBUS_DIFE_MAX 10
#define MTR_MBUS_VIFE_MAX 10

/* record.function */
typedef enum mtr_mbus_function {
    MTR_MBUS_FN_INSTANTANEOUS = 0,
    MTR_MBUS_FN_MAXIMUM = 1,
    MTR_MBUS_FN_MINIMUM = 2,
    MTR_MBUS_FN_ERROR_STATE = 3,
    MTR_MBUS_FN_MANUFACTURER = 4, /* DIF 0F: manufacturer data to the end */
    MTR_MBUS_FN_MORE_FOLLOWS = 5, /* DIF 1F: same, and more records in the next telegram */
    MTR_MBUS_FN_READOUT = 6       /* DIF 7F: global readout request (master to slave) */
} mtr_mbus_function_t;

/* data field codes (DIF bits 3..0) */
#define MTR_MBUS_DF_NONE 0x0
#define MTR_MBUS_DF_INT8 0x1
#define MTR_MBUS_DF_INT16 0x2
#define MTR_MBUS_DF_INT24 0x3
#define MTR_MBUS_DF_INT32 0x4
#define MTR_MBUS_DF_REAL32 0x5
#define MTR_MBUS_DF_INT48 0x6
#define MTR_MBUS_DF_INT64 0x7
#define MTR_MBUS_DF_SELECTION 0x8
#define MTR_MBUS_DF_BCD2 0x9
#define MTR_MBUS_DF_BCD4 0xA
#define MTR_MBUS_DF_BCD6 0xB
#define MTR_MBUS_DF_BCD8 0xC
#define MTR_MBUS_DF_LVAR 0xD
#define MTR_MBUS_DF_BCD12 0xE
#define MTR_MBUS_DF_SPECIAL 0xF

/** One data record; pointers go into the frame, nothing is copied. */
typedef struct mtr_mbus_record {
    size_t offset;                 /* of the DIF within the records block */
    size_t size;                   /* bytes from DIF to the end of the data */
    uint8_t dif;
    uint8_t ndife;
    uint8_t nvife;                 /* VIFEs after the first VIF byte (FD/FB's byte counts) */
    uint8_t has_vif;
    uint8_t vif;                   /* first VIF byte as sent */
    uint8_t dife[MTR_MBUS_DIFE_MAX];
    uint8_t vife[MTR_MBUS_VIFE_MAX];
    uint8_t function;              /* mtr_mbus_function_t */
    uint8_t data_field;            /* DIF & 0x0F */
    uint8_t lvar;                  /* LVAR byte when data_field == D */
    uint16_t subunit;
    uint32_t tariff;
    uint64_t storage;
    const uint8_t *text;           /* plain-text unit, wire order (last char first) */
    size_t text_len;
    const uint8_t *data;           /* data bytes (after the LVAR byte) */
    size_t data_len;
    mtr_mbus_vif_info_t vi;
    uint8_t flags;                 /* MTR_MBUS_RF_* */
} mtr_mbus_record_t;

/* record.flags */
#define MTR_MBUS_RF_MSB_FIRST 0x01u /* mode 2 (CI 76/77): multi-byte data most significant byte first */
#define MTR_MBUS_RF_FIXED 0x02u     /* a fixed-structure counter: dif/vif are not on the wire
                                     * (dif 04 binary or 0C BCD, vif 0, vi from the unit code) */
#define MTR_MBUS_RF_HISTORIC 0x04u  /* fixed structure: a stored (historic) value, storage 1 */

/* iterator flags */
#define MTR_MBUS_IT_FC_TEXT_AFTER_VIFE 0x1u /* plain text after FC's VIFEs (default: right after FC) */
#define MTR_MBUS_IT_MSB_FIRST 0x2u   /* mode 2 records (CI 76): set by mtr_mbus_iter_init_app() */
#define MTR_MBUS_IT_FIXED 0x4u       /* the 16-byte fixed block: two counter records */

/* why a walk stopped (iter.stop_reason); the walk keeps every record before it */
#define MTR_MBUS_STOP_REASONS(X)                                                \
    X(NONE, "none")                                                             \
    X(RESERVED_DIF, "reserved DIF")                                             \
    X(PREMATURE_END_DIFE, "premature end at DIFE")                              \
    X(PREMATURE_END_VIF, "premature end at VIF")                                \
    X(PREMATURE_END_VIFE, "premature end at VIFE")                              \
    X(PREMATURE_END_TEXT, "premature end in plain-text unit")                   \
    X(PREMATURE_END_LVAR, "premature end at LVAR")                              \
    X(PREMATURE_END_DATA, "premature end at data")                              \
    X(TOO_MANY_DIFE, "more than 10 DIFEs")                                      \
    X(TOO_MANY_VIFE, "more than 10 VIFEs")                                      \
    X(TEXT_TOO_LONG, "plain-text unit longer than 191")                         \
    X(RESERVED_LVAR, "reserved LVAR")

typedef enum mtr_mbus_stop {
#define MTR_MBUS_STOP_ENUM_(id, name) MTR_MBUS_STOP_##id,
    MTR_MBUS_STOP_REASONS(MTR_MBUS_STOP_ENUM_)
#undef MTR_MBUS_STOP_ENUM_
    MTR_MBUS_STOP_COUNT_
} mtr_mbus_stop_t;

/** Record iterator over a records block (app.records / app.records_len). */
typedef struct mtr_mbus_iter {
    const uint8_t *p;
    size_t n, pos;
    unsigned flags;
    int status;           /* 0, or the error that stopped the walk */
    uint8_t done;
    uint8_t more_follows; /* set once a DIF 1F was met */
    uint16_t count;       /* records returned so far */
    /* where and why the walk stopped (status < 0): the offset of the failing
     * record's DIF in the block (= pos; the raw tail is p + stop_offset) */
    size_t stop_offset;
    uint8_t stop_reason;  /* mtr_mbus_stop_t */
} mtr_mbus_iter_t;

void mtr_mbus_iter_init(mtr_mbus_iter_t *it, const uint8_t *records, size_t n, unsigned flags);
/**
 * Walk what a parsed application layer carries, in its byte order: the
 * variable records (CI 72/7A/78/51/71, and 76 most significant byte first)
 * or the two counters of a fixed-structure frame (CI 73/77) as records.
 * @p flags: MTR_MBUS_IT_FC_TEXT_AFTER_VIFE. Other kinds give an empty walk.
 */
void mtr_mbus_iter_init_app(mtr_mbus_iter_t *it, const mtr_mbus_app_t *app, unsigned flags);
/** Name of a stop reason ("reserved DIF" …), never NULL. */
const char *mtr_mbus_stop_name(unsigned reason);
/**
 * Next record (fillers 2F skipped).
 * @return 1 with *rec filled, 0 at the end, or a negative status when the
 * cursor cannot advance: METER_ETRUNCATED (premature end in DIF, DIFE, VIF,
 * VIFE, text, LVAR or data), METER_ELIMIT (more than 10 DIFEs/VIFEs, text
 * length beyond 0xBF), METER_EFRAME (reserved DIF or LVAR). The iterator then
 * stays at the record's DIF (it->pos) and keeps returning the error.
 */
int mtr_mbus_iter_next(mtr_mbus_iter_t *it, mtr_mbus_record_t *rec, char *err, size_t errlen);

/* ---- values (mbus_value.c) --------------------------------------------- */

typedef enum mtr_mbus_value_kind {
    MTR_MBUS_V_NONE = 0,  /* no data (DF 0, selection) */
    MTR_MBUS_V_INT,       /* integer or BCD: number */
    MTR_MBUS_V_REAL,      /* real32: real */
    MTR_MBUS_V_DATE,      /* type G: dt */
    MTR_MBUS_V_DATETIME,  /* types F, I: dt */
    MTR_MBUS_V_TIME,      /* type J: dt (time fields only) */
    MTR_MBUS_V_TEXT,      /* LVAR text: bytes (wire order, last character first) */
    MTR_MBUS_V_BYTES      /* binary, manufacturer data, over-long integers: bytes */
} mtr_mbus_value_kind_t;

typedef struct mtr_mbus_datetime {
    uint16_t year;               /* full year */
    uint8_t month, day, hour, minute, second;
    uint8_t has_seconds;         /* type I */
    uint8_t invalid;             /* IV bit (F, I) or FFFF (G) */
    uint8_t summer;              /* SU bit */
    uint8_t day_of_week, week;   /* type I; 0 unset */
} mtr_mbus_datetime_t;

/* value.flags */
#define MTR_MBUS_VAL_UNSIGNED 0x01u    /* type C/D: raw is the value (number saturates at INT64_MAX) */
#define MTR_MBUS_VAL_BITS 0x02u        /* type D bit field: print raw in hex */
#define MTR_MBUS_VAL_INVALID 0x04u     /* IV bit (types F, I), FFFF (G): not a valid date */
#define MTR_MBUS_VAL_SUMMER 0x08u      /* SU bit (types F, I): the meter's local summer time */
#define MTR_MBUS_VAL_ERROR_STATE 0x10u /* DIF function 11: value during error state */
#define MTR_MBUS_VAL_RECORD_ERROR 0x20u/* VIFE 01..1F: the meter reports a record error */
#define MTR_MBUS_VAL_BCD_INVALID 0x40u /* BCD with A..E digits: kind V_BYTES, raw bytes kept */

typedef struct mtr_mbus_value {
    mtr_mbus_value_kind_t kind;
    int64_t number;           /* V_INT */
    double real;              /* V_REAL */
    int exp10;                /* from the VIF: value = number * 10^exp10 */
    mtr_mbus_datetime_t dt;
    const uint8_t *bytes;     /* V_TEXT / V_BYTES (wire order, also in mode 2) */
    size_t len;
    uint64_t raw;             /* binary integers (types B/C/D, fixed binary counters):
                               * the bits as sent, in value order, zero-extended */
    uint8_t flags;            /* MTR_MBUS_VAL_* */
} mtr_mbus_value_t;

/**
 * Decode a record's data by its DIF type and VIF meaning.
 * @return METER_OK; METER_EVALUE for a BCD with A..E digits (v->kind is
 * V_BYTES with the raw data) — non-fatal, the next record is unaffected.
 */
int mtr_mbus_value_decode(const mtr_mbus_record_t *r, mtr_mbus_value_t *v, char *err,
                          size_t errlen);
/** number * 10^exp10 or real * 10^exp10 (NaN for non-numeric kinds). */
double mtr_mbus_value_double(const mtr_mbus_value_t *v);
/** Signed BCD of n bytes, LSB byte first; top nibble F = negative. -1 on a bad digit. */
int mtr_mbus_bcd_decode(const uint8_t *p, size_t n, int64_t *out);
/** Copy text sent last-character-first into @p out in reading order, NUL-terminated.
 * @return METER_OK or METER_EBUFSIZE (out truncated). */
int mtr_mbus_text_copy(const uint8_t *wire, size_t n, char *out, size_t cap);
/** Date types: G (2 bytes), F (4), I (6), J (3). */
void mtr_mbus_date_g(const uint8_t *p, mtr_mbus_datetime_t *dt);
void mtr_mbus_datetime_f(const uint8_t *p, mtr_mbus_datetime_t *dt);
void mtr_mbus_datetime_i(const uint8_t *p, mtr_mbus_datetime_t *dt);
/** Format "YYYY-MM-DD" or "YYYY-MM-DDThh:mm:ssZ" (with_time). @return chars written.
 * Kept for compatibility: the "Z" claims UTC, which no M-Bus date says; new
 * callers use mtr_mbus_datetime_format_local(). */
size_t mtr_mbus_datetime_format(const mtr_mbus_datetime_t *dt, int with_time, char *out,
                                size_t cap);
/** Format the meter's local time: "YYYY-MM-DD", "YYYY-MM-DDThh:mm" (type F,
 * no seconds sent) or "YYYY-MM-DDThh:mm:ss" (type I); no zone designator.
 * Summer time and validity are dt->summer / dt->invalid (value flags).
 * @return chars written (truncated to cap-1, always NUL-terminated). */
size_t mtr_mbus_datetime_format_local(const mtr_mbus_datetime_t *dt, int with_time, char *out,
                                      size_t cap);
/**
 * Transcode @p n bytes of ISO 8859-1 (the standard's character set for plain
 * text) to UTF-8 in @p dst, NUL-terminated; a character never splits.
 * @return METER_OK, or METER_EBUFSIZE when @p dst was too small (the result is
 * truncated) or NULL/zero capacity.
 */
int mtr_mbus_latin1_to_utf8(const uint8_t *src, size_t n, char *dst, size_t cap);
/** As mtr_mbus_text_copy() (wire text, last character first) but transcoded to UTF-8. */
int mtr_mbus_text_utf8(const uint8_t *wire, size_t n, char *dst, size_t cap);
/** Name of a function (instantaneous, maximum, …), never NULL. */
const char *mtr_mbus_function_name(unsigned fn);

#endif /* MTR_PROTO_MBUS_H */
