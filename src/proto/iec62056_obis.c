/* SPDX-License-Identifier: MIT */
/* OBIS addresses as IEC 62056-21 readouts write them: full "A-B:C.D.E*F", reduced
 * "C.D.E" / "C.D", billing-period suffixes "*12" / "&12", service letters C F L P,
 * and NEVA's 8 hex digits. Best effort: a vendor mnemonic is simply not OBIS. */
#include <stdio.h>
#include <string.h>

#include "proto/iec62056.h"

/* Letters the reduced ID codes use in value groups C and D (IEC 62056-61). */
static int letter_value(char c)
{
    switch (c) {
    case 'C': return 96; /* general service entries */
    case 'F': return 97; /* error register */
    case 'L': return 98; /* list objects */
    case 'P': return 99; /* data profiles */
    default: return -1;
    }
}

static char value_letter(int v)
{
    static const char letters[4] = {'C', 'F', 'L', 'P'};
    return v >= 96 && v <= 99 ? letters[v - 96] : 0;
}

/* One group: 1-3 decimal digits (0..255), or a letter when allowed. Advances *i. */
static int group(const char *s, size_t len, size_t *i, bool letter_ok, bool *was_letter)
{
    *was_letter = false;
    if (*i >= len)
        return -1;
    if (letter_ok) {
        int v = letter_value(s[*i]);
        if (v >= 0) {
            (*i)++;
            *was_letter = true;
            return v;
        }
    }
    int v = 0, nd = 0;
    while (*i < len && s[*i] >= '0' && s[*i] <= '9') {
        if (++nd > 3)
            return -1;
        v = v * 10 + (s[*i] - '0');
        (*i)++;
    }
    return nd == 0 || v > 255 ? -1 : v;
}

int mtr_iec_obis_parse(const char *s, size_t len, mtr_iec_obis_t *out)
{
    if (!s || !out)
        return METER_EINVAL;
    mtr_iec_obis_t o = {MTR_OBIS_NONE, MTR_OBIS_NONE, MTR_OBIS_NONE, MTR_OBIS_NONE,
                        MTR_OBIS_NONE, MTR_OBIS_NONE, 0, 0};
    size_t i = 0;
    bool lt;
    const char *colon = memchr(s, ':', len);
    if (colon) { /* "A-B:" */
        o.a = (int16_t)group(s, len, &i, false, &lt);
        if (o.a < 0 || i >= len || s[i] != '-')
            return METER_EVALUE;
        i++;
        o.b = (int16_t)group(s, len, &i, false, &lt);
        if (o.b < 0 || s + i != colon)
            return METER_EVALUE;
        i++;
    }
    o.c = (int16_t)group(s, len, &i, true, &lt);
    if (o.c < 0 || i >= len || s[i] != '.')
        return METER_EVALUE;
    o.letters |= lt ? 1u : 0u;
    i++;
    o.d = (int16_t)group(s, len, &i, true, &lt);
    if (o.d < 0)
        return METER_EVALUE;
    o.letters |= lt ? 2u : 0u;
    if (i < len && s[i] == '.') {
        i++;
        o.e = (int16_t)group(s, len, &i, true, &lt);
        if (o.e < 0)
            return METER_EVALUE;
        o.letters |= lt ? 4u : 0u;
    }
    if (i < len && (s[i] == '*' || s[i] == '&')) {
        o.f_sep = s[i++];
        o.f = (int16_t)group(s, len, &i, false, &lt);
        if (o.f < 0)
            return METER_EVALUE;
    }
    if (i != len)
        return METER_EVALUE;
    *out = o;
    return METER_OK;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

int mtr_iec_obis_parse_hex(const char *s, size_t len, mtr_iec_obis_t *out)
{
    if (!s || !out)
        return METER_EINVAL;
    if (len != 8)
        return METER_EVALUE;
    int16_t g[4];
    for (int k = 0; k < 4; k++) {
        int hi = hexval(s[2 * k]), lo = hexval(s[2 * k + 1]);
        if (hi < 0 || lo < 0)
            return METER_EVALUE;
        g[k] = (int16_t)(hi * 16 + lo);
    }
    mtr_iec_obis_t o = {MTR_OBIS_NONE, MTR_OBIS_NONE, g[0], g[1], g[2], g[3], '*', 0};
    *out = o;
    return METER_OK;
}

int mtr_iec_obis_format(const mtr_iec_obis_t *o, char *buf, size_t cap)
{
    if (!o || !buf)
        return METER_EINVAL;
    char tmp[40];
    size_t k = 0;
    int n;
    if (o->a >= 0 && o->b >= 0)
        k += (size_t)snprintf(tmp + k, sizeof tmp - k, "%d-%d:", o->a, o->b);
    const int16_t grp[3] = {o->c, o->d, o->e};
    for (int g = 0; g < 3; g++) {
        if (grp[g] < 0)
            break;
        if (g)
            tmp[k++] = '.';
        char l = (o->letters & (1u << g)) ? value_letter(grp[g]) : 0;
        if (l)
            tmp[k++] = l;
        else
            k += (size_t)snprintf(tmp + k, sizeof tmp - k, "%d", grp[g]);
    }
    if (o->f >= 0) {
        n = snprintf(tmp + k, sizeof tmp - k, "%c%d", o->f_sep ? o->f_sep : '*', o->f);
        k += (size_t)n;
    }
    tmp[k] = '\0';
    if (k + 1 > cap)
        return METER_EBUFSIZE;
    memcpy(buf, tmp, k + 1);
    return METER_OK;
}

bool mtr_iec_obis_match(const mtr_iec_obis_t *o, int a, int b, int c, int d, int e, int f)
{
    const int want[6] = {a, b, c, d, e, f};
    const int have[6] = {o->a, o->b, o->c, o->d, o->e, o->f};
    for (int i = 0; i < 6; i++)
        if (want[i] != MTR_OBIS_NONE && have[i] != MTR_OBIS_NONE && want[i] != have[i])
            return false;
    return true;
}
