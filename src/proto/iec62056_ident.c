/* SPDX-License-Identifier: MIT */
/* IEC 62056-21 sign-on messages: the request "/?[address]!", the meter's
 * identification "/XXXZ\W..ident" with its baud character, mode and 20 ms flag,
 * and the option-select "ACK V Z Y". Parsers and builders for both sides; no I/O. */
#include <string.h>

#include "proto/status.h"
#include "proto/iec62056.h"

static const unsigned baud_table[7] = {300, 600, 1200, 2400, 4800, 9600, 19200};

mtr_iec_mode_t mtr_iec_baud_char(char z, unsigned *baud)
{
    unsigned b = 0;
    mtr_iec_mode_t m;
    if (z >= '0' && z <= '6') {
        m = MTR_IEC_MODE_C;
        b = baud_table[z - '0'];
    } else if (z >= 'A' && z <= 'F') {
        m = MTR_IEC_MODE_B;
        b = baud_table[z - 'A' + 1];
    } else if ((z >= '7' && z <= '9') || (z >= 'G' && z <= 'I') || z < 0x20 || z > 0x7E) {
        m = MTR_IEC_MODE_RESERVED;
    } else {
        m = MTR_IEC_MODE_A;
        b = 300;
    }
    if (baud)
        *baud = b;
    return m;
}

char mtr_iec_baud_to_char(mtr_iec_mode_t mode, unsigned baud)
{
    for (int i = 0; i < 7; i++) {
        if (baud_table[i] != baud)
            continue;
        if (mode == MTR_IEC_MODE_C)
            return (char)('0' + i);
        if (mode == MTR_IEC_MODE_B && i > 0)
            return (char)('A' + i - 1);
    }
    return 0;
}

static bool is_print(uint8_t c)
{
    return c >= 0x20 && c <= 0x7E;
}

int mtr_iec_ident_parse(const uint8_t *line, size_t len, mtr_iec_ident_t *out, char *err,
                        size_t errlen)
{
    if ((!line && len) || !out)
        return METER_EINVAL;
    memset(out, 0, sizeof *out);
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        len--;
    if (len > MTR_IEC_IDLINE_MAX)
        return mtr_perr(err, errlen, METER_ELIMIT, "iec: identification of %zu bytes (at most %d)",
                       len, MTR_IEC_IDLINE_MAX);
    if (len < 5 || line[0] != '/')
        return mtr_perr(err, errlen, METER_EFRAME,
                       "iec: identification must be '/', 3 manufacturer characters and a baud character");
    for (int i = 1; i <= 3; i++) {
        uint8_t c = line[i];
        if (c <= 0x20 || c > 0x7E || c == '/' || c == '!')
            return mtr_perr(err, errlen, METER_EFRAME,
                           "iec: identification: manufacturer byte %d is 0x%02X", i, c);
        out->manufacturer[i - 1] = (char)c;
    }
    out->fast_reaction = line[3] >= 'a' && line[3] <= 'z';
    if (!is_print(line[4]))
        return mtr_perr(err, errlen, METER_EFRAME, "iec: identification: baud character 0x%02X",
                       line[4]);
    out->baud_char = (char)line[4];
    out->mode = mtr_iec_baud_char(out->baud_char, &out->baud);
    size_t i = 5;
    while (i + 1 < len && line[i] == '\\') {
        if (out->ncaps == MTR_IEC_CAPS_MAX)
            return mtr_perr(err, errlen, METER_ELIMIT,
                           "iec: identification: more than %d \\W pairs", MTR_IEC_CAPS_MAX);
        if (!is_print(line[i + 1]))
            return mtr_perr(err, errlen, METER_EFRAME,
                           "iec: identification: capability byte 0x%02X", line[i + 1]);
        out->caps[out->ncaps++] = (char)line[i + 1];
        if (line[i + 1] == '2')
            out->hdlc = true;
        i += 2;
    }
    if (len - i > MTR_IEC_IDENT_MAX)
        return mtr_perr(err, errlen, METER_ELIMIT,
                       "iec: identification text of %zu characters (at most %d)", len - i,
                       MTR_IEC_IDENT_MAX);
    for (size_t k = i; k < len; k++) {
        if (!is_print(line[k]))
            return mtr_perr(err, errlen, METER_EFRAME,
                           "iec: identification: byte 0x%02X at offset %zu", line[k], k);
        out->ident[k - i] = (char)line[k];
    }
    out->ident_len = len - i;
    out->ident[out->ident_len] = '\0';
    return METER_OK;
}

int mtr_iec_ident_scan(const uint8_t *buf, size_t len, mtr_iec_ident_t *out, size_t *consumed,
                       char *err, size_t errlen)
{
    if ((!buf && len) || !out || !consumed)
        return METER_EINVAL;
    size_t i = 0;
    for (;;) {
        while (i < len && buf[i] != '/')
            i++; /* junk, NULs, 0x7F, the echo of an ACK */
        if (i + 1 >= len)
            return MTR_IEC_MORE;
        const uint8_t *lf = memchr(buf + i, '\n', len - i);
        if (buf[i + 1] == '?') { /* the echo of our own request */
            if (!lf)
                return MTR_IEC_MORE;
            i = (size_t)(lf - buf) + 1;
            continue;
        }
        if (!lf) {
            if (len - i > MTR_IEC_IDLINE_MAX + 2)
                return mtr_perr(err, errlen, METER_ELIMIT,
                               "iec: identification without LF within %d bytes",
                               MTR_IEC_IDLINE_MAX + 2);
            return MTR_IEC_MORE;
        }
        size_t end = (size_t)(lf - buf);
        int rc = mtr_iec_ident_parse(buf + i, end - i, out, err, errlen);
        if (rc != METER_OK)
            return rc;
        *consumed = end + 1;
        return MTR_IEC_COMPLETE;
    }
}

int mtr_iec_ident_build(uint8_t *out, size_t cap, const mtr_iec_ident_t *id, size_t *outlen)
{
    if (!out || !id || !outlen || id->ncaps > MTR_IEC_CAPS_MAX || id->ident_len > MTR_IEC_IDENT_MAX)
        return METER_EINVAL;
    size_t need = 5 + 2 * (size_t)id->ncaps + id->ident_len + 2;
    if (need > cap)
        return METER_EBUFSIZE;
    size_t k = 0;
    out[k++] = '/';
    for (int i = 0; i < 3; i++) {
        uint8_t c = (uint8_t)id->manufacturer[i];
        if (c <= 0x20 || c > 0x7E || c == '/' || c == '!')
            return METER_EINVAL;
        out[k++] = c;
    }
    if (!is_print((uint8_t)id->baud_char))
        return METER_EINVAL;
    out[k++] = (uint8_t)id->baud_char;
    for (unsigned i = 0; i < id->ncaps; i++) {
        out[k++] = '\\';
        out[k++] = (uint8_t)id->caps[i];
    }
    for (size_t i = 0; i < id->ident_len; i++) {
        if (!is_print((uint8_t)id->ident[i]))
            return METER_EINVAL;
        out[k++] = (uint8_t)id->ident[i];
    }
    out[k++] = '\r';
    out[k++] = '\n';
    *outlen = k;
    return METER_OK;
}

static bool devaddr_char(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == ' ';
}

int mtr_iec_signon_build(uint8_t *out, size_t cap, const char *devaddr, size_t *outlen)
{
    if (!out || !outlen)
        return METER_EINVAL;
    size_t n = devaddr ? strlen(devaddr) : 0;
    if (n > MTR_IEC_DEVADDR_MAX)
        return METER_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!devaddr_char((uint8_t)devaddr[i]))
            return METER_EINVAL;
    if (n + 5 > cap)
        return METER_EBUFSIZE;
    out[0] = '/';
    out[1] = '?';
    if (n)
        memcpy(out + 2, devaddr, n);
    memcpy(out + 2 + n, "!\r\n", 3);
    *outlen = n + 5;
    return METER_OK;
}

int mtr_iec_signon_parse(const uint8_t *buf, size_t len, char *devaddr, size_t cap,
                         size_t *consumed, char *err, size_t errlen)
{
    if ((!buf && len) || !consumed || (devaddr && cap < MTR_IEC_DEVADDR_MAX + 1))
        return METER_EINVAL;
    size_t i = 0;
    while (i < len && (buf[i] == 0 || buf[i] == '\r' || buf[i] == '\n'))
        i++; /* wake-up NULs and stray line ends */
    if (i == len)
        return MTR_IEC_MORE;
    if (buf[i] != '/')
        return mtr_perr(err, errlen, METER_EFRAME, "iec: request starts with 0x%02X, not '/'",
                       buf[i]);
    if (i + 1 == len)
        return MTR_IEC_MORE;
    if (buf[i + 1] != '?')
        return mtr_perr(err, errlen, METER_EUNSUPPORTED,
                       "iec: request \"/%c\" is not the standard sign-on \"/?\"", buf[i + 1]);
    size_t a = i + 2, k = a;
    while (k < len && buf[k] != '!') {
        if (!devaddr_char(buf[k]))
            return mtr_perr(err, errlen, METER_EFRAME,
                           "iec: request: byte 0x%02X in the device address", buf[k]);
        if (k - a >= MTR_IEC_DEVADDR_MAX)
            return mtr_perr(err, errlen, METER_ELIMIT,
                           "iec: request: device address longer than %d", MTR_IEC_DEVADDR_MAX);
        k++;
    }
    if (k == len)
        return MTR_IEC_MORE;
    size_t e = k + 1;
    if (e < len && buf[e] == '\r')
        e++;
    if (e == len)
        return MTR_IEC_MORE;
    if (buf[e] != '\n')
        return mtr_perr(err, errlen, METER_EFRAME, "iec: request: 0x%02X after '!', not CR LF",
                       buf[e]);
    if (devaddr) {
        memcpy(devaddr, buf + a, k - a);
        devaddr[k - a] = '\0';
    }
    *consumed = e + 1;
    return MTR_IEC_COMPLETE;
}

int mtr_iec_optsel_build(uint8_t *out, size_t cap, const mtr_iec_optsel_t *o, size_t *outlen)
{
    if (!out || !o || !outlen)
        return METER_EINVAL;
    if (o->v < '0' || o->v > '9' || o->y < '0' || o->y > '9' || !is_print((uint8_t)o->z))
        return METER_EINVAL;
    if (cap < 6)
        return METER_EBUFSIZE;
    out[0] = MTR_IEC_ACK;
    out[1] = (uint8_t)o->v;
    out[2] = (uint8_t)o->z;
    out[3] = (uint8_t)o->y;
    out[4] = '\r';
    out[5] = '\n';
    *outlen = 6;
    return METER_OK;
}

int mtr_iec_optsel_parse(const uint8_t *buf, size_t len, mtr_iec_optsel_t *out,
                         size_t *consumed, char *err, size_t errlen)
{
    if ((!buf && len) || !out || !consumed)
        return METER_EINVAL;
    size_t i = 0;
    while (i < len && buf[i] == 0)
        i++;
    if (i == len)
        return MTR_IEC_MORE;
    if (buf[i] != MTR_IEC_ACK)
        return mtr_perr(err, errlen, METER_EFRAME, "iec: option select starts with 0x%02X, not ACK",
                       buf[i]);
    static const char *const what[3] = {"protocol control", "baud character", "mode control"};
    for (size_t k = 1; k <= 3; k++) {
        if (i + k >= len)
            return MTR_IEC_MORE;
        uint8_t c = buf[i + k];
        bool ok = k == 2 ? is_print(c) : (c >= '0' && c <= '9');
        if (!ok)
            return mtr_perr(err, errlen, METER_EFRAME, "iec: option select: %s 0x%02X",
                           what[k - 1], c);
    }
    size_t e = i + 4;
    if (e < len && buf[e] == '\r')
        e++;
    if (e >= len)
        return MTR_IEC_MORE;
    if (buf[e] != '\n')
        return mtr_perr(err, errlen, METER_EFRAME, "iec: option select: 0x%02X, not CR LF", buf[e]);
    out->v = (char)buf[i + 1];
    out->z = (char)buf[i + 2];
    out->y = (char)buf[i + 3];
    *consumed = e + 1;
    return MTR_IEC_COMPLETE;
}
