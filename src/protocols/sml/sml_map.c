/* SPDX-License-Identifier: MIT */
/* SML entries onto the catalogue: OBIS through the driver's rows (the shared map,
 * proto/obis.h), the DLMS unit onto the catalogue's unit (Wh -> kWh ...), the choice
 * of the entry that gives each quantity (a code sent twice with two values gives none),
 * and records that keep every entry as the wire says (value after the scaler). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/choose.h"
#include "protocols/sml/sml_internal.h"

meter_quantity_t mtr_sml_map_entry(const struct mtr_sml_driver *d, const mtr_sml_entry_t *e,
                                   size_t *prio)
{
    /* a current value only: F = 255 (F 0..99 are billing periods) */
    if (!d || !e->has_obis || e->obis[5] != 255)
        return METER_Q_NONE;
    return mtr_obis_map(d->rows, d->nrows, e->obis[0], e->obis[2], e->obis[3], e->obis[4], prio);
}

/* DLMS unit codes (IEC 62056-62) the catalogue has, by the power of ten to its unit */
static const struct {
    unsigned code;
    meter_unit_t to;
    int exp10;
} units[] = {
    {30, METER_UNIT_KWH, -3},  {32, METER_UNIT_KVARH, -3}, {27, METER_UNIT_WATT, 0},
    {29, METER_UNIT_VAR, 0},   {28, METER_UNIT_VOLTAMPERE, 0}, {35, METER_UNIT_VOLT, 0},
    {33, METER_UNIT_AMPERE, 0}, {44, METER_UNIT_HERTZ, 0},
};

void mtr_sml_octets_text(const uint8_t *p, size_t n, char *out, size_t cap)
{
    bool printable = n > 0;
    for (size_t i = 0; i < n; i++)
        printable = printable && p[i] >= 0x20 && p[i] < 0x7f;
    size_t k = 0;
    if (printable) {
        for (size_t i = 0; i < n && k + 1 < cap; i++)
            out[k++] = (char)p[i];
    } else {
        for (size_t i = 0; i < n && k + 2 < cap; i++)
            k += (size_t)snprintf(out + k, cap - k, "%02x", p[i]);
    }
    if (cap)
        out[k < cap ? k : cap - 1] = '\0';
}


int mtr_sml_convert(const mtr_sml_entry_t *e, meter_quantity_t q, meter_reading_t *out, char *err,
                    size_t len)
{
    const meter_quantity_info_t *qi = meter_quantity_info(q);
    char obis[32];
    mtr_sml_obis_format(e->obis, obis, sizeof obis);
    memset(out, 0, sizeof *out);
    out->quantity = q;
    if (!qi)
        return out->status = mtr_err(err, len, METER_EQUANTITY, "no quantity %d", (int)q);
    out->unit = qi->unit;
    out->kind = qi->kind;
    if (qi->kind == METER_KIND_TEXT) {
        if (e->kind == MTR_SML_V_OCTETS)
            mtr_sml_octets_text(e->octets, e->octets_len, out->text, sizeof out->text);
        else if (e->kind == MTR_SML_V_INT)
            snprintf(out->text, sizeof out->text, "%lld", (long long)e->i);
        else if (e->kind == MTR_SML_V_UINT)
            snprintf(out->text, sizeof out->text, "%llu", (unsigned long long)e->u);
        else
            return out->status = mtr_err(err, len, METER_EVALUE, "%s: no value for %s", obis,
                                         qi->name);
        return out->status = METER_OK;
    }
    if (e->kind != MTR_SML_V_INT && e->kind != MTR_SML_V_UINT)
        return out->status = mtr_err(err, len, METER_EVALUE, "%s: the value is no number (%s)",
                                     obis, qi->name);
    int exp10 = 0;
    if (qi->unit == METER_UNIT_NONE) {
        if (e->has_unit && e->unit != 0 && e->unit != 255)
            return out->status = mtr_err(err, len, METER_EVALUE,
                                         "%s: %s has no unit, the meter sends unit %u", obis,
                                         qi->name, e->unit);
    } else {
        size_t i = 0;
        while (i < sizeof units / sizeof units[0] && !(e->has_unit && units[i].code == e->unit))
            i++;
        if (i == sizeof units / sizeof units[0] || units[i].to != qi->unit)
            return out->status = mtr_err(err, len, METER_EVALUE,
                                         "%s: unit %s%u is not one for %s (%s)", obis,
                                         e->has_unit ? "" : "none, ", e->has_unit ? e->unit : 0,
                                         qi->name, meter_unit_symbol(qi->unit));
        exp10 = units[i].exp10;
    }
    out->value = mtr_sml_entry_scaled(e, exp10);
    return out->status = METER_OK;
}

void mtr_sml_entry_record(const mtr_sml_entry_t *e, meter_quantity_t q, meter_record_t *r)
{
    memset(r, 0, sizeof *r);
    if (e->has_obis) {
        mtr_sml_obis_format(e->obis, r->name, sizeof r->name);
    } else {
        char hex[2 * sizeof r->name + 1];
        mtr_sml_octets_text(e->obj_name, e->obj_name_len, hex, sizeof hex);
        snprintf(r->name, sizeof r->name, "%.31s", hex);
    }
    memcpy(r->address, r->name, sizeof r->name);
    const char *u = e->has_unit ? mtr_sml_unit_symbol(e->unit) : "";
    if (u)
        snprintf(r->unit, sizeof r->unit, "%s", u);
    else
        snprintf(r->unit, sizeof r->unit, "unit %u", e->unit);
    r->storage = -1;
    r->tariff = -1;
    r->subunit = -1;
    r->quantity = q;
    if (e->has_obis && e->obis[5] != 255 && e->obis[5] < 100)
        r->storage = e->obis[5];
    if (e->has_obis && e->obis[3] == 8 && e->obis[4] > 0 && e->obis[4] < 64)
        r->tariff = e->obis[4];
    switch (e->kind) {
    case MTR_SML_V_INT:
    case MTR_SML_V_UINT:
    case MTR_SML_V_BOOL:
        r->kind = METER_KIND_NUMBER;
        r->value = mtr_sml_entry_scaled(e, 0);
        r->flags = METER_RECORD_F_RAW;
        r->raw = e->kind == MTR_SML_V_INT ? (uint64_t)e->i : e->kind == MTR_SML_V_UINT ? e->u : e->b;
        if (e->kind == MTR_SML_V_INT)
            snprintf(r->text, sizeof r->text, "%lld", (long long)e->i);
        else
            snprintf(r->text, sizeof r->text, "%llu", (unsigned long long)r->raw);
        break;
    case MTR_SML_V_OCTETS:
        r->kind = METER_KIND_TEXT;
        mtr_sml_octets_text(e->octets, e->octets_len, r->text, sizeof r->text);
        break;
    case MTR_SML_V_TIME:
        r->kind = METER_KIND_NUMBER;
        r->value = e->time.value;
        r->flags = e->time.kind == MTR_SML_TIME_SECINDEX ? 0 : METER_RECORD_F_UTC;
        snprintf(r->text, sizeof r->text, "%s %u",
                 e->time.kind == MTR_SML_TIME_SECINDEX ? "secIndex" : "timestamp",
                 (unsigned)e->time.value);
        break;
    default: /* absent, or a list */
        r->kind = METER_KIND_TEXT;
        r->flags = METER_RECORD_F_INVALID;
        break;
    }
}

/* Two entries of one code say the same: equal once converted (or, for what does not
 * convert, the same kind, raw value, scaler and unit). */
static bool same_value(const mtr_sml_entry_t *a, const mtr_sml_entry_t *b, meter_quantity_t q)
{
    meter_reading_t ra, rb;
    int ca = mtr_sml_convert(a, q, &ra, NULL, 0), cb = mtr_sml_convert(b, q, &rb, NULL, 0);
    if (ca == METER_OK && cb == METER_OK)
        return ra.kind == METER_KIND_TEXT ? strcmp(ra.text, rb.text) == 0 : ra.value == rb.value;
    if (ca == METER_OK || cb == METER_OK || a->kind != b->kind)
        return false;
    meter_record_t xa, xb;
    mtr_sml_entry_record(a, q, &xa);
    mtr_sml_entry_record(b, q, &xb);
    return strcmp(xa.text, xb.text) == 0 && strcmp(xa.unit, xb.unit) == 0 &&
           a->scaler == b->scaler;
}

struct sml_choice {
    const struct mtr_sml_driver *d;
    const mtr_sml_result_t *res;
};

static meter_quantity_t choice_map(const void *ctx, size_t i, size_t *prio)
{
    const struct sml_choice *c = ctx;
    return mtr_sml_map_entry(c->d, &c->res->entries[i], prio);
}

static bool choice_same(const void *ctx, size_t a, size_t b, meter_quantity_t q)
{
    const struct sml_choice *c = ctx;
    return same_value(&c->res->entries[a], &c->res->entries[b], q);
}

void mtr_sml_choose(const struct mtr_sml_driver *d, const mtr_sml_result_t *res, size_t *best,
                    size_t *clash)
{
    struct sml_choice c = {d, res};
    struct mtr_choice_src src = {res->count, choice_map, choice_same, &c};
    mtr_choose(&src, best, clash);
}

/* An entry's value as the wire says it, for a message: "12345.6 kWh" */
static void said(const mtr_sml_entry_t *e, char *out, size_t cap)
{
    meter_record_t r;
    mtr_sml_entry_record(e, METER_Q_NONE, &r);
    if (r.kind == METER_KIND_NUMBER && e->kind != MTR_SML_V_TIME)
        snprintf(out, cap, "%.15g%s%s", r.value, r.unit[0] ? " " : "", r.unit);
    else
        snprintf(out, cap, "'%.*s'", (int)(cap > 3 ? cap - 3 : 0), r.text); /* cut to fit */
}

int mtr_sml_clash(const mtr_sml_entry_t *a, const mtr_sml_entry_t *b, meter_quantity_t q,
                  meter_reading_t *out, char *err, size_t len)
{
    const meter_quantity_info_t *qi = meter_quantity_info(q);
    char na[32], nb[32], va[64], vb[64];
    mtr_sml_obis_format(a->obis, na, sizeof na);
    mtr_sml_obis_format(b->obis, nb, sizeof nb);
    said(a, va, sizeof va);
    said(b, vb, sizeof vb);
    memset(out, 0, sizeof *out);
    out->quantity = q;
    out->unit = qi ? qi->unit : METER_UNIT_NONE;
    out->kind = qi ? qi->kind : METER_KIND_NUMBER;
    return out->status = mtr_err(err, len, METER_EVALUE,
                                 "%s = %s and %s = %s in one telegram: two values for %s, "
                                 "neither is taken", na, va, nb, vb, qi ? qi->name : "?");
}
