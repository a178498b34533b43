/* SPDX-License-Identifier: MIT */
/* M-Bus application layer (EN 13757-3): the CI field, the 12/4/0-byte
 * variable-data headers, the legacy fixed structure (CI 73/77), application
 * errors (CI 70) and the master-to-slave CIs (50, 51, 52, B8..BF).
 * Records themselves are walked by mbus_record.c. */
#include <string.h>

#include "proto/status.h"
#include "proto/mbus.h"

static const char *const app_errors[] = {
    "Unspecified error",
    "Unimplemented CI-Field",
    "Buffer too long, truncated",
    "Too many records",
    "Premature end of record",
    "More than 10 DIFE\xC2\xB4s",
    "More than 10 VIFE\xC2\xB4s",
    "Reserved",
    "Application busy",
    "Too many readouts",
};

const char *mtr_mbus_app_error_name(int code)
{
    if (code >= 0 && (size_t)code < sizeof app_errors / sizeof app_errors[0])
        return app_errors[code];
    return "Reserved";
}

void mtr_mbus_man_string(uint16_t man, char out[4])
{
    out[0] = (char)(((man >> 10) & 0x1F) + 64);
    out[1] = (char)(((man >> 5) & 0x1F) + 64);
    out[2] = (char)((man & 0x1F) + 64);
    out[3] = '\0';
}

uint16_t mtr_mbus_man_code(const char *s)
{
    if (!s)
        return 0;
    unsigned m = 0;
    for (int i = 0; i < 3; i++) {
        if (s[i] < 'A' || s[i] > 'Z')
            return 0;
        m = (m << 5) | (unsigned)(s[i] - 64);
    }
    return s[3] ? 0 : (uint16_t)m;
}

static const char *const media[] = {
    "other", "oil", "electricity", "gas", "heat (outlet)", "steam",
    "warm water (30-90 °C)", "water", "heat cost allocator", "compressed air",
    "cooling load (outlet)", "cooling load (inlet)", "heat (inlet)", "heat / cooling load",
    "bus / system component", "unknown medium", "irrigation water", "water data logger",
    "gas data logger", "gas converter", "calorific value", "hot water (>= 90 °C)",
    "cold water", "dual register (hot/cold) water", "pressure", "A/D converter",
    "smoke detector", "room sensor", "gas detector", "reserved (sensor)", "reserved (sensor)",
    "reserved (sensor)", "breaker (electricity)", "valve (gas or water)",
    "reserved (switching device)", "reserved (switching device)",
    "reserved (switching device)", "customer unit (display)", "reserved (customer unit)",
    "reserved (customer unit)", "waste water", "garbage", "carbon dioxide",
    "reserved (environmental)", "reserved (environmental)", "reserved (environmental)",
    "reserved (environmental)", "reserved (environmental)", "service unit",
    "communication controller", "unidirectional repeater", "bidirectional repeater",
    "reserved (system)", "reserved (system)", "radio converter (system side)",
    "radio converter (meter side)",
};

const char *mtr_mbus_medium_name(uint8_t medium)
{
    if (medium < sizeof media / sizeof media[0])
        return media[medium];
    return medium == 0xFF ? "any" : "reserved";
}

int64_t mtr_mbus_id_number(uint32_t id)
{
    int64_t v = 0;
    for (int i = 7; i >= 0; i--) {
        unsigned d = (id >> (4 * i)) & 0xF;
        if (d > 9)
            return -1;
        v = v * 10 + d;
    }
    return v;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* 6-bit units of the fixed structure: unit and exponent */
static void fixed_unit(uint8_t code, mtr_mbus_fixed_counter_t *c)
{
    static const struct {
        uint8_t lo, hi, unit;
        int8_t exp0;
    } t[] = {
        {0x02, 0x0A, MTR_MBUS_U_WH, 0},        /* Wh .. 100 MWh */
        {0x0B, 0x13, MTR_MBUS_U_J, 3},         /* kJ .. 100 GJ */
        {0x14, 0x1C, MTR_MBUS_U_W, 0},         /* W .. 100 MW */
        {0x1D, 0x25, MTR_MBUS_U_J_PER_H, 3},   /* kJ/h .. 100 GJ/h */
        {0x26, 0x2E, MTR_MBUS_U_M3, -6},       /* ml .. 100 m3 */
        {0x2F, 0x37, MTR_MBUS_U_M3_PER_H, -6}, /* ml/h .. 100 m3/h */
    };
    c->unit_code = code;
    c->unit = MTR_MBUS_U_NONE;
    c->exp10 = 0;
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (code >= t[i].lo && code <= t[i].hi) {
            c->unit = t[i].unit;
            c->exp10 = t[i].exp0 + (code - t[i].lo);
            return;
        }
    if (code == 0x38) {
        c->unit = MTR_MBUS_U_CELSIUS;
        c->exp10 = -3;
    } else if (code == 0x39) {
        c->unit = MTR_MBUS_U_HCA;
    }
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 | (uint32_t)p[0] << 24;
}

/* 16-bit field in the frame's byte order */
static uint16_t u16(const uint8_t *p, int msb_first)
{
    return msb_first ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[0] | p[1] << 8);
}

int mtr_mbus_security_mode_encrypted(unsigned mode)
{
    /* EN 13757-7:2018 / OMS: 1 manufacturer specific, 2/3 DES (deprecated),
     * 4 specific usage, 5 AES-CBC IV!=0, 7 AES-CBC IV=0, 8 AES-CTR+CMAC,
     * 9 AES-GCM, 10 AES-CCM, 13 TLS, 15 specific usage. 6, 11, 12, 14 and
     * 16..31 are reserved: no security method is assigned to them. */
    switch (mode) {
    case 1: case 2: case 3: case 4: case 5: case 7: case 8: case 9: case 10: case 13: case 15:
        return 1;
    default:
        return 0;
    }
}

static int parse_fixed(const uint8_t *d, size_t n, int msb_first, mtr_mbus_app_t *out, char *err,
                       size_t errlen)
{
    if (n != 16)
        return mtr_perr(err, errlen, METER_EFRAME,
                       "mbus: fixed data (CI %02X) must be 16 bytes, got %zu", out->ci, n);
    const uint8_t *b = d;
    out->kind = MTR_MBUS_APP_FIXED;
    out->header_len = 16;
    out->msb_first = (uint8_t)(msb_first != 0);
    /* id, access number, status and a 4-bit medium; no manufacturer, no version */
    out->has_id = 0;
    out->fields = MTR_MBUS_HF_ID | MTR_MBUS_HF_MEDIUM | MTR_MBUS_HF_ACCESS | MTR_MBUS_HF_STATUS;
    out->id = msb_first ? be32(b) : le32(b); /* CI 77: the id is a multi-byte field too */
    out->access = b[4];
    out->status = b[5];
    out->medium = (uint8_t)(((b[7] >> 6) << 2) | (b[6] >> 6));
    out->fixed_historic = (b[5] >> 6) & 1;
    out->payload = d;
    out->payload_len = 16;
    int binary = (b[5] >> 7) & 1;
    for (int i = 0; i < 2; i++) {
        mtr_mbus_fixed_counter_t *c = &out->fixed[i];
        const uint8_t *p = b + 8 + 4 * i;
        uint8_t q[4] = {p[0], p[1], p[2], p[3]};
        if (msb_first) {
            q[0] = p[3];
            q[1] = p[2];
            q[2] = p[1];
            q[3] = p[0];
        }
        fixed_unit(b[6 + i] & 0x3F, c);
        c->valid = 1;
        if (binary) {
            c->number = le32(q);
        } else if (mtr_mbus_bcd_decode(q, 4, &c->number) < 0) {
            c->number = 0;
            c->valid = 0;
        }
    }
    /* unit code 3E on counter 2: same unit as counter 1, historic value */
    if ((b[7] & 0x3F) == 0x3E) {
        out->fixed[1].unit = out->fixed[0].unit;
        out->fixed[1].exp10 = out->fixed[0].exp10;
    }
    return METER_OK;
}

/* CI 72 / 76: the 12-byte long header; mode 2 reads id, man and the
 * configuration word most significant byte first (docs/mbus-codec.md) */
static void long_header(const uint8_t *d, int msb_first, mtr_mbus_app_t *out)
{
    out->kind = MTR_MBUS_APP_VARIABLE;
    out->header_len = 12;
    out->has_id = 1;
    out->fields = MTR_MBUS_HF_ID | MTR_MBUS_HF_MAN | MTR_MBUS_HF_VERSION | MTR_MBUS_HF_MEDIUM |
                  MTR_MBUS_HF_ACCESS | MTR_MBUS_HF_STATUS | MTR_MBUS_HF_SIGNATURE;
    out->id = msb_first ? be32(d) : le32(d);
    out->man = u16(d + 4, msb_first);
    out->version = d[6];
    out->medium = d[7];
    out->access = d[8];
    out->status = d[9];
    out->signature = u16(d + 10, msb_first);
}

int mtr_mbus_app_parse(const mtr_mbus_frame_t *f, mtr_mbus_app_t *out, char *err, size_t errlen)
{
    if (!f || !out)
        return mtr_perr(err, errlen, METER_EINVAL, "mbus: NULL argument");
    memset(out, 0, sizeof *out);
    out->app_error = -1;
    out->reset_subcode = -1;
    if (f->kind == MTR_MBUS_FRAME_ACK)
        return mtr_perr(err, errlen, METER_EFRAME,
                       "mbus: E5 is the single-character acknowledgement; it carries no "
                       "application layer");
    if (f->kind != MTR_MBUS_FRAME_LONG && f->kind != MTR_MBUS_FRAME_CONTROL)
        return mtr_perr(err, errlen, METER_EFRAME, "mbus: no application layer in this frame");
    const uint8_t *d = f->data;
    size_t n = f->data_len;
    if (n && !d)
        return mtr_perr(err, errlen, METER_EINVAL, "mbus: frame data missing");
    out->ci = f->ci;
    switch (f->ci) {
    case 0x72: /* long header */
    case 0x76: /* the same in mode 2 */
        if (n < 12)
            return mtr_perr(err, errlen, METER_ETRUNCATED,
                           "mbus: variable data header too short (%zu of 12 bytes)", n);
        long_header(d, f->ci == 0x76, out);
        out->msb_first = f->ci == 0x76;
        break;
    case 0x7A: /* short header */
        if (n < 4)
            return mtr_perr(err, errlen, METER_ETRUNCATED,
                           "mbus: variable data header too short (%zu of 4 bytes)", n);
        out->kind = MTR_MBUS_APP_VARIABLE;
        out->header_len = 4;
        out->fields = MTR_MBUS_HF_ACCESS | MTR_MBUS_HF_STATUS | MTR_MBUS_HF_SIGNATURE;
        out->access = d[0];
        out->status = d[1];
        out->signature = (uint16_t)(d[2] | d[3] << 8);
        break;
    case 0x78: /* no header */
        out->kind = MTR_MBUS_APP_VARIABLE;
        break;
    case 0x73:
    case 0x77:
        return parse_fixed(d, n, f->ci == 0x77, out, err, errlen);
    case 0x70:
        out->kind = MTR_MBUS_APP_ERROR;
        out->app_error = n ? d[0] : 0;
        return mtr_perr(err, errlen, METER_EAPPLICATION, "%s",
                       mtr_mbus_app_error_name(out->app_error));
    case 0x71:
        out->kind = MTR_MBUS_APP_ALARM;
        out->records = d;
        out->records_len = n;
        out->payload = d;
        out->payload_len = n;
        return METER_OK;
    case 0x50:
        if (n > 1)
            return mtr_perr(err, errlen, METER_EFRAME,
                           "mbus: application reset carries at most one subcode byte");
        out->kind = MTR_MBUS_APP_RESET;
        out->reset_subcode = n ? d[0] : -1;
        return METER_OK;
    case 0x51:
        out->kind = MTR_MBUS_APP_DATA_SEND;
        out->records = d;
        out->records_len = n;
        out->payload = d;
        out->payload_len = n;
        return METER_OK;
    case 0x52:
        if (n != 8)
            return mtr_perr(err, errlen, METER_EFRAME,
                           "mbus: selection needs 8 bytes (ID MAN VER MED), got %zu", n);
        out->kind = MTR_MBUS_APP_SELECT;
        out->select.id = le32(d);
        out->select.man = (uint16_t)(d[4] | d[5] << 8);
        out->select.version = d[6];
        out->select.medium = d[7];
        return METER_OK;
    default:
        if (f->ci >= 0xB8 && f->ci <= 0xBF) {
            if (n)
                return mtr_perr(err, errlen, METER_EFRAME, "mbus: baud switch carries no data");
            out->kind = MTR_MBUS_APP_BAUD;
            out->baud = mtr_mbus_ci_baud(f->ci);
            return METER_OK;
        }
        return mtr_perr(err, errlen, METER_EUNSUPPORTED, "mbus: CI %02X not supported", f->ci);
    }
    /* Configuration word (OMS): bits 12..8 are the security mode. An assigned
     * mode means the records are ciphertext: refuse them, never decode them as
     * values. Reserved modes are not an encryption anyone can apply; wired
     * meters send such words in plain frames (corpus example_data_01: B627,
     * mode 22), so those are decoded. See docs/mbus-codec.md. */
    out->security_mode = (uint8_t)((out->signature >> 8) & 0x1F);
    if (out->header_len && mtr_mbus_security_mode_encrypted(out->security_mode))
        return mtr_perr(err, errlen, METER_EUNSUPPORTED,
                       "mbus: encrypted telegram (configuration word %04X, security mode %u); "
                       "not decoded", out->signature, out->security_mode);
    /* (left NULL for encrypted telegrams, and for a control frame: no data, d NULL,
     * where even d + 0 is undefined) */
    out->payload = d ? d + out->header_len : NULL;
    out->payload_len = n - out->header_len;
    if (!out->msb_first) { /* CI 76 records are not LSB first: only through iter_init_app */
        out->records = out->payload;
        out->records_len = out->payload_len;
    }
    return METER_OK;
}

int mtr_mbus_reply_parse(const mtr_mbus_frame_t *f, mtr_mbus_app_t *out, char *err, size_t errlen)
{
    if (!f || !out)
        return mtr_perr(err, errlen, METER_EINVAL, "mbus: NULL argument");
    if (f->kind != MTR_MBUS_FRAME_LONG && f->kind != MTR_MBUS_FRAME_CONTROL)
        return mtr_perr(err, errlen, METER_EFRAME, "mbus: expected a long frame with data");
    if (mtr_mbus_c_is_request(f->c))
        return mtr_perr(err, errlen, METER_EFRAME,
                       "mbus: master-to-slave frame (C %02X), not a reply", f->c);
    int rc = mtr_mbus_app_parse(f, out, err, errlen);
    if (rc == METER_OK && out->kind >= MTR_MBUS_APP_DATA_SEND)
        return mtr_perr(err, errlen, METER_EFRAME, "mbus: CI %02X is master to slave, not a reply",
                       f->ci);
    return rc;
}
