/* SPDX-License-Identifier: MIT */
/* IEC 62056-21 data sets onto the catalogue: OBIS matching against a driver's
 * table (rows of the shared map's type, proto/obis.h), unit conversion to the
 * catalogue's unit (done on the decimal text, so 1.2345 kW is exactly 1234.5 W), the choice
 * of the data set that gives each quantity (a code sent twice with two values gives none),
 * and records that keep every data set as sent. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/choose.h"
#include "protocols/iec62056/iec_internal.h"

int mtr_iec_sets_add(void *user, const mtr_iec_dataset_t *ds)
{
    struct mtr_iec_sets *s = user;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        struct mtr_iec_set *v = realloc(s->v, cap * sizeof *v);
        if (!v)
            return METER_ENOMEM;
        s->v = v;
        s->cap = cap;
    }
    struct mtr_iec_set *e = &s->v[s->n++];
    memset(e, 0, sizeof *e);
    snprintf(e->address, sizeof e->address, "%.*s", (int)ds->address_len, ds->address);
    snprintf(e->value, sizeof e->value, "%.*s", (int)ds->value_len, ds->value);
    snprintf(e->unit, sizeof e->unit, "%.*s", (int)ds->unit_len, ds->unit);
    e->index = ds->index;
    e->sub = ds->sub;
    e->is_obis = ds->is_obis;
    e->obis = ds->obis;
    return 0;
}

void mtr_iec_sets_free(struct mtr_iec_sets *s)
{
    free(s->v);
    memset(s, 0, sizeof *s);
}

int mtr_iec_billing_period(const struct mtr_iec_set *s)
{
    if (!s->is_obis || s->obis.f == MTR_OBIS_NONE || s->obis.f == 255)
        return -1;
    return s->obis.f;
}

meter_quantity_t mtr_iec_map_set(const struct mtr_iec_driver *d, const struct mtr_iec_set *s,
                                 size_t *prio)
{
    const mtr_iec_obis_t *o = &s->obis;
    if (!d || !s->is_obis || s->index != 0 || s->sub != 0 || mtr_iec_billing_period(s) >= 0)
        return METER_Q_NONE;
    int e = o->e == MTR_OBIS_NONE ? 0 : o->e;
    int a = o->a == MTR_OBIS_NONE ? -1 : o->a;
    return mtr_obis_map(d->rows, d->nrows, a, o->c, o->d, e, prio);
}

/* units a meter may send, by the power of ten that takes them to the catalogue's */
struct unit_row {
    const char *sym;
    meter_unit_t to;
    int exp10;
};

static const struct unit_row units[] = {
    {"Wh", METER_UNIT_KWH, -3},     {"kWh", METER_UNIT_KWH, 0},    {"MWh", METER_UNIT_KWH, 3},
    {"varh", METER_UNIT_KVARH, -3}, {"kvarh", METER_UNIT_KVARH, 0}, {"Mvarh", METER_UNIT_KVARH, 3},
    {"W", METER_UNIT_WATT, 0},      {"kW", METER_UNIT_WATT, 3},    {"MW", METER_UNIT_WATT, 6},
    {"var", METER_UNIT_VAR, 0},     {"kvar", METER_UNIT_VAR, 3},   {"Mvar", METER_UNIT_VAR, 6},
    {"VA", METER_UNIT_VOLTAMPERE, 0}, {"kVA", METER_UNIT_VOLTAMPERE, 3},
    {"V", METER_UNIT_VOLT, 0},      {"kV", METER_UNIT_VOLT, 3},
    {"A", METER_UNIT_AMPERE, 0},    {"Hz", METER_UNIT_HERTZ, 0},
};

/* Case-insensitive, except that an 'M' prefix (mega) must be upper case: "mWh" is
 * not MWh, and nobody sends milliwatt-hours, so it is refused. */
static const struct unit_row *find_unit(const char *u)
{
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcasecmp(units[i].sym, u) != 0)
            continue;
        if (units[i].sym[0] == 'M' && u[0] != 'M')
            return NULL;
        return &units[i];
    }
    return NULL;
}

/* "  +0001,2345 " shifted by exp10 places into a plain decimal string. */
static int shift_decimal(const char *v, int exp10, char *out, size_t cap)
{
    char digits[MTR_IEC_VALUE_MAX + 8];
    size_t nd = 0;
    int point = -1, neg = 0, seen = 0;
    const char *p = v;
    while (*p == ' ')
        p++;
    if (*p == '+' || *p == '-')
        neg = *p++ == '-';
    for (; *p && *p != ' '; p++) {
        if (isdigit((unsigned char)*p)) {
            if (nd + 1 >= sizeof digits)
                return METER_EVALUE;
            digits[nd++] = *p;
            seen = 1;
        } else if ((*p == '.' || *p == ',') && point < 0) {
            point = (int)nd;
        } else {
            return METER_EVALUE;
        }
    }
    while (*p == ' ')
        p++;
    if (*p || !seen)
        return METER_EVALUE;
    if (point < 0)
        point = (int)nd;
    point += exp10;
    /* pad with zeros on either side so the point falls inside */
    char buf[MTR_IEC_VALUE_MAX + 32];
    size_t k = 0;
    if (neg)
        buf[k++] = '-';
    if (point <= 0) {
        buf[k++] = '0';
        buf[k++] = '.';
        for (int i = point; i < 0; i++)
            buf[k++] = '0';
        memcpy(buf + k, digits, nd);
        k += nd;
    } else {
        for (int i = 0; i < point; i++)
            buf[k++] = (size_t)i < nd ? digits[i] : '0';
        if ((size_t)point < nd) {
            buf[k++] = '.';
            memcpy(buf + k, digits + point, nd - (size_t)point);
            k += nd - (size_t)point;
        }
    }
    buf[k] = '\0';
    if (k + 1 > cap)
        return METER_EBUFSIZE;
    memcpy(out, buf, k + 1);
    return METER_OK;
}

static void trim(const char *in, char *out, size_t cap)
{
    while (*in == ' ')
        in++;
    size_t n = strlen(in);
    while (n && in[n - 1] == ' ')
        n--;
    snprintf(out, cap, "%.*s", (int)n, in);
}

int mtr_iec_convert(const struct mtr_iec_set *s, meter_quantity_t q, meter_reading_t *out,
                    char *err, size_t len)
{
    const meter_quantity_info_t *qi = meter_quantity_info(q);
    memset(out, 0, sizeof *out);
    out->quantity = q;
    if (!qi)
        return out->status = mtr_err(err, len, METER_EQUANTITY, "no quantity %d", (int)q);
    out->unit = qi->unit;
    out->kind = qi->kind;
    if (qi->kind == METER_KIND_TEXT) {
        trim(s->value, out->text, sizeof out->text);
        return out->status = METER_OK;
    }
    int exp10 = 0;
    if (qi->unit == METER_UNIT_NONE) {
        if (s->unit[0])
            return out->status = mtr_err(err, len, METER_EVALUE,
                                         "%s(%s*%s): %s has no unit, and '%s' is not one to drop",
                                         s->address, s->value, s->unit, qi->name, s->unit);
    } else {
        const struct unit_row *u = s->unit[0] ? find_unit(s->unit) : NULL;
        if (!u || u->to != qi->unit)
            return out->status = mtr_err(
                       err, len, METER_EVALUE, "%s(%s%s%s): unit %s%s%s is not one for %s (%s)",
                       s->address, s->value, s->unit[0] ? "*" : "", s->unit,
                       s->unit[0] ? "'" : "", s->unit[0] ? s->unit : "missing", s->unit[0] ? "'" : "",
                       qi->name, meter_unit_symbol(qi->unit));
        exp10 = u->exp10;
    }
    char dec[MTR_IEC_VALUE_MAX + 32];
    double v;
    if (shift_decimal(s->value, exp10, dec, sizeof dec) != METER_OK ||
        mtr_iec_value_number(dec, strlen(dec), &v) != METER_OK)
        return out->status = mtr_err(err, len, METER_EVALUE, "%s(%s): '%s' is not a number for %s",
                                     s->address, s->value, s->value, qi->name);
    out->value = v;
    return out->status = METER_OK;
}

/* Copy, cut to the room there is (records have fixed-size fields). */
static void copy(char *dst, size_t cap, const char *src)
{
    size_t n = strnlen(src, cap - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

void mtr_iec_set_record(const struct mtr_iec_set *s, meter_quantity_t q, meter_record_t *r)
{
    memset(r, 0, sizeof *r);
    copy(r->name, sizeof r->name, s->address);
    copy(r->unit, sizeof r->unit, s->unit);
    copy(r->address, sizeof r->address, s->address);
    copy(r->text, sizeof r->text, s->value);
    double v;
    char dec[MTR_IEC_VALUE_MAX + 32];
    if (shift_decimal(s->value, 0, dec, sizeof dec) == METER_OK &&
        mtr_iec_value_number(dec, strlen(dec), &v) == METER_OK &&
        !(meter_quantity_info(q) && meter_quantity_info(q)->kind == METER_KIND_TEXT)) {
        r->kind = METER_KIND_NUMBER;
        r->value = v;
    } else {
        r->kind = METER_KIND_TEXT;
    }
    r->storage = mtr_iec_billing_period(s);
    r->tariff = -1;
    if (s->is_obis && s->obis.d == 8 && s->obis.e != MTR_OBIS_NONE && s->obis.e > 0 &&
        s->obis.e < 64)
        r->tariff = s->obis.e;
    r->subunit = -1;
    r->index = (int)s->index;
    r->quantity = q;
}

/* Two data sets of one code say the same: the same text, or values equal once converted. */
static bool same_value(const struct mtr_iec_set *a, const struct mtr_iec_set *b, meter_quantity_t q)
{
    if (strcmp(a->value, b->value) == 0 && strcmp(a->unit, b->unit) == 0)
        return true;
    meter_reading_t ra, rb;
    if (mtr_iec_convert(a, q, &ra, NULL, 0) != METER_OK ||
        mtr_iec_convert(b, q, &rb, NULL, 0) != METER_OK)
        return false;
    return ra.kind == METER_KIND_TEXT ? strcmp(ra.text, rb.text) == 0 : ra.value == rb.value;
}

struct iec_choice {
    const struct mtr_iec_driver *d;
    const struct mtr_iec_sets *s;
};

static meter_quantity_t choice_map(const void *ctx, size_t i, size_t *prio)
{
    const struct iec_choice *c = ctx;
    return mtr_iec_map_set(c->d, &c->s->v[i], prio);
}

static bool choice_same(const void *ctx, size_t a, size_t b, meter_quantity_t q)
{
    const struct iec_choice *c = ctx;
    return same_value(&c->s->v[a], &c->s->v[b], q);
}

void mtr_iec_choose(const struct mtr_iec_driver *d, const struct mtr_iec_sets *s, size_t *best,
                    size_t *clash)
{
    struct iec_choice c = {d, s};
    struct mtr_choice_src src = {s->n, choice_map, choice_same, &c};
    mtr_choose(&src, best, clash);
}

int mtr_iec_reading(const struct mtr_iec_sets *s, const size_t *best, const size_t *clash,
                    meter_quantity_t q, meter_reading_t *out, char *err, size_t len)
{
    const meter_quantity_info_t *qi = meter_quantity_info(q);
    if (!qi || best[q] == SIZE_MAX) {
        memset(out, 0, sizeof *out);
        out->quantity = q;
        out->unit = qi ? qi->unit : METER_UNIT_NONE;
        out->kind = qi ? qi->kind : METER_KIND_NUMBER;
        if (!qi)
            return out->status = mtr_err(err, len, METER_EQUANTITY, "no quantity %d", (int)q);
        return out->status = mtr_err(err, len, METER_EQUANTITY, "the meter's readout has no %s (%s)",
                                     qi->name, qi->obis ? qi->obis : "no OBIS code");
    }
    if (clash[q] == SIZE_MAX)
        return mtr_iec_convert(&s->v[best[q]], q, out, err, len);
    const struct mtr_iec_set *a = &s->v[best[q]], *b = &s->v[clash[q]];
    memset(out, 0, sizeof *out);
    out->quantity = q;
    out->unit = qi->unit;
    out->kind = qi->kind;
    return out->status = mtr_err(err, len, METER_EVALUE,
                                 "%s(%s%s%s) and %s(%s%s%s) in one data message: two values for %s, "
                                 "neither is taken",
                                 a->address, a->value, a->unit[0] ? "*" : "", a->unit, b->address,
                                 b->value, b->unit[0] ? "*" : "", b->unit, qi->name);
}
