/* SPDX-License-Identifier: MIT */
/* OBIS onto the catalogue: full, short and billing-period addresses, priorities,
 * exact unit scaling on the decimal text, refused units; and the corpus readouts
 * mapped through the generic driver (literal values from the captures). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "protocols/iec62056/iec_internal.h"

static const struct mtr_iec_driver *generic(void)
{
    return mtr_model_find("iec62056")->proto_data;
}

static struct mtr_iec_set make(const char *addr, const char *value, const char *unit)
{
    struct mtr_iec_set s;
    memset(&s, 0, sizeof s);
    snprintf(s.address, sizeof s.address, "%s", addr);
    snprintf(s.value, sizeof s.value, "%s", value);
    snprintf(s.unit, sizeof s.unit, "%s", unit);
    s.is_obis = mtr_iec_obis_parse(addr, strlen(addr), &s.obis) == METER_OK;
    return s;
}

static meter_quantity_t map(const char *addr)
{
    struct mtr_iec_set s = make(addr, "1", "");
    return mtr_iec_map_set(generic(), &s, NULL);
}

static void test_addresses(void **state)
{
    (void)state;
    assert_int_equal(map("1.8.0"), METER_Q_ENERGY_ACTIVE_IMPORT);
    assert_int_equal(map("1-0:1.8.0*255"), METER_Q_ENERGY_ACTIVE_IMPORT);
    assert_int_equal(map("1-0:1.8.0"), METER_Q_ENERGY_ACTIVE_IMPORT);
    assert_int_equal(map("1.8.1"), METER_Q_ENERGY_ACTIVE_IMPORT_T1);
    assert_int_equal(map("1-1:1.8.2*255"), METER_Q_ENERGY_ACTIVE_IMPORT_T2);
    assert_int_equal(map("2.8.0"), METER_Q_ENERGY_ACTIVE_EXPORT);
    assert_int_equal(map("3.8.1"), METER_Q_ENERGY_REACTIVE_IMPORT_T1);
    assert_int_equal(map("4.8.0"), METER_Q_ENERGY_REACTIVE_EXPORT);
    assert_int_equal(map("32.7.0"), METER_Q_VOLTAGE_L1);
    assert_int_equal(map("32.7"), METER_Q_VOLTAGE_L1); /* reduced C.D */
    assert_int_equal(map("72.7.0"), METER_Q_VOLTAGE_L3);
    assert_int_equal(map("51.7.0"), METER_Q_CURRENT_L2);
    assert_int_equal(map("16.7.0"), METER_Q_ACTIVE_POWER);
    assert_int_equal(map("1.7.0"), METER_Q_ACTIVE_POWER);
    assert_int_equal(map("61.7.0"), METER_Q_ACTIVE_POWER_L3);
    assert_int_equal(map("14.7.0"), METER_Q_FREQUENCY);
    assert_int_equal(map("13.7.0"), METER_Q_POWER_FACTOR);
    assert_int_equal(map("C.1.0"), METER_Q_SERIAL_NUMBER);
    assert_int_equal(map("0-0:C.1.0*255"), METER_Q_SERIAL_NUMBER);
    assert_int_equal(map("0.0.0"), METER_Q_SERIAL_NUMBER);
    assert_int_equal(map("F.F"), METER_Q_ERROR_CODE);
    assert_int_equal(map("0-0:F.F.0*255"), METER_Q_ERROR_CODE);
    /* billing periods are history, never the current value */
    assert_int_equal(map("1.8.0*02"), METER_Q_NONE);
    assert_int_equal(map("1-0:1.8.0*101"), METER_Q_NONE);
    struct mtr_iec_set b = make("1.8.1*12", "1", "kWh");
    assert_int_equal(mtr_iec_billing_period(&b), 12);
    /* a gas or heat meter's A group is not electricity */
    assert_int_equal(map("7-0:1.8.0"), METER_Q_NONE);
    assert_int_equal(map("1-0:0.0.0"), METER_Q_NONE); /* A=1 is not the abstract 0.0.0 */
    assert_int_equal(map("CURRE"), METER_Q_NONE);
    assert_int_equal(map("1.6.0"), METER_Q_NONE); /* maximum demand: records only */
}

static void test_priority(void **state)
{
    (void)state;
    struct mtr_iec_set a = make("1.7.0", "1", "kW"), b = make("16.7.0", "1", "kW");
    size_t pa = 0, pb = 0;
    mtr_iec_map_set(generic(), &a, &pa);
    mtr_iec_map_set(generic(), &b, &pb);
    assert_true(pb < pa);
    struct mtr_iec_set c = make("C.1.0", "1", ""), d = make("0.0.0", "1", "");
    mtr_iec_map_set(generic(), &c, &pa);
    mtr_iec_map_set(generic(), &d, &pb);
    assert_true(pa < pb);
}

static int conv(const char *addr, const char *value, const char *unit, meter_quantity_t q,
                double *out)
{
    struct mtr_iec_set s = make(addr, value, unit);
    meter_reading_t r;
    char err[200];
    int rc = mtr_iec_convert(&s, q, &r, err, sizeof err);
    *out = r.value;
    return rc;
}

static void test_units(void **state)
{
    (void)state;
    double v;
    assert_int_equal(conv("16.7.0", "01.2345", "kW", METER_Q_ACTIVE_POWER, &v), METER_OK);
    assert_true(v == 1234.5); /* exact: the point moves in the text */
    assert_int_equal(conv("1.8.0", "0033402.264", "kWh", METER_Q_ENERGY_ACTIVE_IMPORT, &v), METER_OK);
    assert_true(v == 33402.264);
    assert_int_equal(conv("1.8.0", "12345", "Wh", METER_Q_ENERGY_ACTIVE_IMPORT, &v), METER_OK);
    assert_true(v == 12.345);
    assert_int_equal(conv("1.8.0", "0029.055", "MWh", METER_Q_ENERGY_ACTIVE_IMPORT, &v), METER_OK);
    assert_true(v == 29055);
    assert_int_equal(conv("1.8.0", "000013,4", "KWH", METER_Q_ENERGY_ACTIVE_IMPORT, &v), METER_OK);
    assert_true(v == 13.4);
    assert_int_equal(conv("31.7.0", "+000.8", "A", METER_Q_CURRENT_L1, &v), METER_OK);
    assert_true(v == 0.8);
    assert_int_equal(conv("16.7.0", "-000073.69", "W", METER_Q_ACTIVE_POWER, &v), METER_OK);
    assert_true(v == -73.69);
    assert_int_equal(conv("16.7.0", "0.000005", "MW", METER_Q_ACTIVE_POWER, &v), METER_OK);
    assert_true(v == 5);
    assert_int_equal(conv("13.7.0", "0.95", "", METER_Q_POWER_FACTOR, &v), METER_OK);
    assert_true(v == 0.95);
    /* refused rather than guessed */
    assert_int_equal(conv("1.8.0", "100", "", METER_Q_ENERGY_ACTIVE_IMPORT, &v), METER_EVALUE);
    assert_int_equal(conv("1.8.0", "100", "m3", METER_Q_ENERGY_ACTIVE_IMPORT, &v), METER_EVALUE);
    assert_int_equal(conv("1.8.0", "100", "kW", METER_Q_ENERGY_ACTIVE_IMPORT, &v), METER_EVALUE);
    assert_int_equal(conv("1.8.0", "100", "mWh", METER_Q_ENERGY_ACTIVE_IMPORT, &v), METER_EVALUE);
    assert_int_equal(conv("13.7.0", "95", "%", METER_Q_POWER_FACTOR, &v), METER_EVALUE);
    assert_int_equal(conv("1.8.0", "12:00", "kWh", METER_Q_ENERGY_ACTIVE_IMPORT, &v), METER_EVALUE);
    assert_int_equal(conv("F.F", "0000A000", "", METER_Q_ERROR_CODE, &v), METER_EVALUE);
    struct mtr_iec_set s = make("C.1.0", " 63355730 ", "");
    meter_reading_t r;
    assert_int_equal(mtr_iec_convert(&s, METER_Q_SERIAL_NUMBER, &r, NULL, 0), METER_OK);
    assert_string_equal(r.text, "63355730");
}

/* The captures through the generic driver. */
static void corpus(const char *file, struct mtr_iec_sets *sets, mtr_iec_bcc_t alg)
{
    char path[512];
    snprintf(path, sizeof path, "%s/iec/%s", METER_FIXTURES, file);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static uint8_t buf[65536];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    mtr_iec_reader_opts_t o = {MTR_IEC_RD_IDENT, alg, mtr_iec_sets_add, sets, NULL, 0};
    mtr_iec_reader_t r;
    assert_int_equal(mtr_iec_readout_parse(&r, &o, buf, n), MTR_IEC_COMPLETE);
}

/* A quantity as a read takes it: the engine's choice (mtr_iec_choose) and reading. */
static int find(const struct mtr_iec_sets *s, meter_quantity_t q, meter_reading_t *out)
{
    size_t best[METER_Q_COUNT_], clash[METER_Q_COUNT_];
    mtr_iec_choose(generic(), s, best, clash);
    return mtr_iec_reading(s, best, clash, q, out, NULL, 0);
}

/* No real meter's readout repeats a code with another value: none is refused. */
static void no_clash(const struct mtr_iec_sets *s)
{
    size_t best[METER_Q_COUNT_], clash[METER_Q_COUNT_];
    mtr_iec_choose(generic(), s, best, clash);
    for (size_t q = 0; q < METER_Q_COUNT_; q++)
        assert_true(clash[q] == SIZE_MAX);
}

static void test_corpus_mapping(void **state)
{
    (void)state;
    struct mtr_iec_sets s = {0};
    meter_reading_t r;
    corpus("iskra_mt174_smartmeter-obis.bin", &s, MTR_IEC_BCC_XOR);
    no_clash(&s);
    assert_int_equal(find(&s, METER_Q_ENERGY_ACTIVE_IMPORT, &r), METER_OK);
    assert_true(r.value == 8048.375);
    assert_int_equal(find(&s, METER_Q_ACTIVE_POWER, &r), METER_OK);
    assert_true(r.value == 908); /* 1-0:1.7.0*255(0.908*kW) */
    assert_int_equal(find(&s, METER_Q_SERIAL_NUMBER, &r), METER_OK);
    assert_string_equal(r.text, "63355730");
    assert_int_equal(find(&s, METER_Q_ERROR_CODE, &r), METER_OK);
    assert_true(r.value == 0);
    mtr_iec_sets_free(&s);
    corpus("itron_em214_smartmeter-obis.bin", &s, MTR_IEC_BCC_XOR);
    no_clash(&s);
    assert_int_equal(find(&s, METER_Q_ENERGY_ACTIVE_IMPORT_T1, &r), METER_OK);
    assert_true(r.value == 22108.7);
    assert_int_equal(find(&s, METER_Q_ENERGY_ACTIVE_EXPORT_T1, &r), METER_OK);
    assert_true(r.value == 10452.0);
    assert_int_equal(find(&s, METER_Q_CURRENT_L3, &r), METER_OK);
    assert_true(r.value == 1.2);
    assert_int_equal(find(&s, METER_Q_ACTIVE_POWER, &r), METER_OK);
    assert_true(r.value == 490);
    assert_int_equal(find(&s, METER_Q_SERIAL_NUMBER, &r), METER_OK);
    assert_string_equal(r.text, "53965555"); /* C.1 before 0.0.0 */
    assert_int_equal(find(&s, METER_Q_VOLTAGE_L1, &r), METER_EQUANTITY);
    mtr_iec_sets_free(&s);
    /* a heat meter: short codes may look like electricity ones (9.7 "apparent power"),
     * but no value gets through without an electricity unit */
    corpus("siemens_wr5_heat_smartmeter-obis.bin", &s, MTR_IEC_BCC_NONE);
    no_clash(&s);
    for (size_t i = 0; i < s.n; i++) {
        meter_quantity_t q = mtr_iec_map_set(generic(), &s.v[i], NULL);
        if (q == METER_Q_SERIAL_NUMBER) { /* 0.0(00010213): the device id, 0.0.0 */
            assert_int_equal(mtr_iec_convert(&s.v[i], q, &r, NULL, 0), METER_OK);
            assert_string_equal(r.text, "00010213");
        } else if (q != METER_Q_NONE) {
            assert_int_equal(mtr_iec_convert(&s.v[i], q, &r, NULL, 0), METER_EVALUE);
        }
    }
    mtr_iec_sets_free(&s);
}

static void add(struct mtr_iec_sets *s, const char *addr, const char *value, const char *unit)
{
    struct mtr_iec_set e = make(addr, value, unit);
    mtr_iec_dataset_t ds;
    memset(&ds, 0, sizeof ds);
    ds.address = e.address;
    ds.address_len = strlen(e.address);
    ds.value = e.value;
    ds.value_len = strlen(e.value);
    ds.unit = e.unit;
    ds.unit_len = strlen(e.unit);
    ds.is_obis = e.is_obis;
    ds.obis = e.obis;
    assert_int_equal(mtr_iec_sets_add(s, &ds), 0);
}

/* A code sent twice: one value is fine, two values are refused (docs/decisions.md,
 * "One quantity, two values"); the rest of the readout reads. */
static void test_clash(void **state)
{
    (void)state;
    struct mtr_iec_sets s = {0};
    meter_reading_t r;
    char err[300] = "";
    size_t best[METER_Q_COUNT_], clash[METER_Q_COUNT_];
    add(&s, "1-0:1.8.1", "012345.678", "kWh");
    add(&s, "1-0:1.8.2", "000123.456", "kWh");
    add(&s, "1-0:1.8.1", "099999.999", "kWh");  /* the same code, another value */
    add(&s, "1-0:1.8.2", "123456", "Wh");       /* the same value, written otherwise */
    add(&s, "1-0:1.8.0*01", "000001.000", "kWh"); /* a billing period: another address */
    add(&s, "1-0:1.8.0", "012469.134", "kWh");
    add(&s, "1.8.0*02", "000002.000", "kWh");
    add(&s, "1-0:1.7.0", "00.456", "kW");       /* 16.7.0 comes first in the table */
    add(&s, "1-0:16.7.0", "00.400", "kW");
    add(&s, "1-0:1.7.0", "00.999", "kW");       /* a repeat of the lower row: no matter */
    add(&s, "1-0:32.7.0", "230.1", "V");
    add(&s, "1-0:32.7.0", "230.1", "V");        /* the same value twice */
    add(&s, "0-0:96.1.0", "X1", "");
    add(&s, "0-0:96.1.0", "X2", "");            /* texts too */
    mtr_iec_choose(generic(), &s, best, clash);
    assert_int_equal(mtr_iec_reading(&s, best, clash, METER_Q_ENERGY_ACTIVE_IMPORT_T1, &r, err,
                                     sizeof err), METER_EVALUE);
    assert_int_equal(r.status, METER_EVALUE);
    assert_int_equal(r.quantity, METER_Q_ENERGY_ACTIVE_IMPORT_T1);
    assert_non_null(strstr(err, "1-0:1.8.1(012345.678*kWh)"));
    assert_non_null(strstr(err, "1-0:1.8.1(099999.999*kWh)"));
    assert_non_null(strstr(err, "energy_active_import_t1"));
    assert_int_equal(find(&s, METER_Q_ENERGY_ACTIVE_IMPORT_T2, &r), METER_OK);
    assert_true(r.value == 123.456);
    assert_int_equal(find(&s, METER_Q_ENERGY_ACTIVE_IMPORT, &r), METER_OK);
    assert_true(r.value == 12469.134);
    assert_int_equal(find(&s, METER_Q_ACTIVE_POWER, &r), METER_OK);
    assert_true(r.value == 400);
    assert_int_equal(find(&s, METER_Q_VOLTAGE_L1, &r), METER_OK);
    assert_true(r.value == 230.1);
    assert_int_equal(find(&s, METER_Q_SERIAL_NUMBER, &r), METER_EVALUE);
    assert_int_equal(find(&s, METER_Q_VOLTAGE_L2, &r), METER_EQUANTITY);
    /* the code without A, or with another B, is the same code to the map */
    mtr_iec_sets_free(&s);
    add(&s, "1.8.0", "000010.000", "kWh");
    add(&s, "1-1:1.8.0", "000011.000", "kWh");
    assert_int_equal(find(&s, METER_Q_ENERGY_ACTIVE_IMPORT, &r), METER_EVALUE);
    mtr_iec_sets_free(&s);
}

static void test_records(void **state)
{
    (void)state;
    struct mtr_iec_set s = make("1-0:1.8.2*03", "0000123.400", "kWh");
    meter_record_t r;
    mtr_iec_set_record(&s, mtr_iec_map_set(generic(), &s, NULL), &r);
    assert_string_equal(r.address, "1-0:1.8.2*03");
    assert_string_equal(r.text, "0000123.400");
    assert_string_equal(r.unit, "kWh");
    assert_int_equal(r.kind, METER_KIND_NUMBER);
    assert_true(r.value == 123.4);
    assert_int_equal(r.storage, 3);
    assert_int_equal(r.tariff, 2);
    assert_int_equal(r.quantity, METER_Q_NONE);
    s = make("0.2.0", "V01.69#EEA3546C", "");
    mtr_iec_set_record(&s, METER_Q_COUNT_, &r);
    assert_int_equal(r.kind, METER_KIND_TEXT);
    assert_int_equal(r.storage, -1);
}

static void test_models(void **state)
{
    (void)state;
    static const char *names[] = {"iec62056", "klefr-6921", "klefr-6922", "klefr-6923-ir",
                                  "klefr-6924-ir", "klefr-6934-ir", "pro1", "pro1-2t"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const struct mtr_model *m = mtr_model_find(names[i]);
        assert_non_null(m);
        assert_ptr_equal(m->proto, &mtr_proto_iec);
        assert_int_equal(m->baud, 300);
        const struct mtr_iec_driver *d = m->proto_data;
        assert_non_null(d);
        for (size_t r = 0; r < d->nrows; r++) {
            assert_non_null(meter_quantity_info(d->rows[r].q));
            assert_non_null(d->rows[r].cite);
        }
        mtr_iec_ident_t id;
        assert_int_equal(mtr_iec_ident_parse((const uint8_t *)d->ident, strlen(d->ident), &id, NULL, 0),
                         METER_OK);
    }
    /* the Modbus models keep their names; their IR ports are the -ir models */
    assert_string_equal(mtr_model_find("klefr-6924")->proto->name, "modbus");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_addresses),   cmocka_unit_test(test_priority),
        cmocka_unit_test(test_units),       cmocka_unit_test(test_corpus_mapping),
        cmocka_unit_test(test_records),     cmocka_unit_test(test_models),
        cmocka_unit_test(test_clash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
