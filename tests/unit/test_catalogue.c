/* SPDX-License-Identifier: MIT */
/* The quantity catalogue and status codes: the names users script against,
 * fixed units (power W, energy kWh), OBIS codes, and every code's name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "meter/meter.h"

struct fixed {
    const char *name;
    const char *unit;
};

/* names fixed by the foundation issue; they must never change */
static const struct fixed fixed[] = {
    {"voltage_l1", "V"}, {"voltage_l2", "V"}, {"voltage_l3", "V"},
    {"current_l1", "A"}, {"current_l2", "A"}, {"current_l3", "A"},
    {"frequency", "Hz"}, {"active_power", "W"}, {"active_power_l1", "W"},
    {"active_power_l3", "W"}, {"reactive_power", "var"}, {"reactive_power_l2", "var"},
    {"apparent_power", "VA"}, {"apparent_power_l3", "VA"}, {"power_factor", ""},
    {"power_factor_l1", ""}, {"energy_active_import", "kWh"}, {"energy_active_export", "kWh"},
    {"energy_active_total", "kWh"}, {"energy_active_import_t1", "kWh"},
    {"energy_active_export_t2", "kWh"}, {"energy_active_total_t4", "kWh"},
    {"energy_reactive_import", "kvarh"}, {"energy_reactive_export", "kvarh"},
    {"energy_reactive_total", "kvarh"}, {"energy_reactive_total_t2", "kvarh"},
    {"serial_number", ""}, {"firmware_version", ""}, {"tariff", ""}, {"s0_rate", "imp/kWh"},
    {"calculation_code", ""}, {"error_code", ""}, {"power_down_counter", ""},
    {"energy_active_day_counter", "kWh"}, {"relay", ""},
};

static void test_fixed_names_and_units(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        meter_quantity_t q;
        if (meter_quantity_from_name(fixed[i].name, &q) != METER_OK)
            fail_msg("catalogue lacks %s", fixed[i].name);
        const meter_quantity_info_t *qi = meter_quantity_info(q);
        assert_string_equal(qi->name, fixed[i].name);
        assert_string_equal(meter_unit_symbol(qi->unit), fixed[i].unit);
    }
}

static void test_catalogue_is_consistent(void **state)
{
    (void)state;
    assert_int_equal(meter_quantity_count(), METER_Q_COUNT_);
    for (unsigned i = 0; i < meter_quantity_count(); i++) {
        const meter_quantity_info_t *qi = meter_quantity_info((meter_quantity_t)i);
        assert_int_equal(qi->id, i);
        for (unsigned j = 0; j < i; j++)
            assert_string_not_equal(meter_quantity_info((meter_quantity_t)j)->name, qi->name);
        /* power always W-based, energy always kWh-based */
        if (strstr(qi->name, "energy_active"))
            assert_int_equal(qi->unit, METER_UNIT_KWH);
        if (strstr(qi->name, "energy_reactive"))
            assert_int_equal(qi->unit, METER_UNIT_KVARH);
        if (strncmp(qi->name, "active_power", 12) == 0)
            assert_int_equal(qi->unit, METER_UNIT_WATT);
    }
    assert_null(meter_quantity_info(METER_Q_COUNT_));
    assert_null(meter_quantity_info((meter_quantity_t)-1));
    meter_quantity_t q;
    assert_int_equal(meter_quantity_from_name("Voltage_L1", &q), METER_EQUANTITY);
    assert_int_equal(meter_quantity_from_name(NULL, &q), METER_EINVAL);
    assert_string_equal(meter_unit_symbol((meter_unit_t)999), "");
}

static void test_obis(void **state)
{
    (void)state;
    assert_string_equal(meter_quantity_info(METER_Q_VOLTAGE_L1)->obis, "1-0:32.7.0");
    assert_string_equal(meter_quantity_info(METER_Q_CURRENT_L3)->obis, "1-0:71.7.0");
    assert_string_equal(meter_quantity_info(METER_Q_ENERGY_ACTIVE_IMPORT)->obis, "1-0:1.8.0");
    assert_string_equal(meter_quantity_info(METER_Q_ENERGY_ACTIVE_IMPORT_T2)->obis, "1-0:1.8.2");
    assert_string_equal(meter_quantity_info(METER_Q_ENERGY_ACTIVE_EXPORT)->obis, "1-0:2.8.0");
    assert_string_equal(meter_quantity_info(METER_Q_ACTIVE_POWER_L2)->obis, "1-0:41.7.0");
    assert_string_equal(meter_quantity_info(METER_Q_FREQUENCY)->obis, "1-0:14.7.0");
}

static void test_status_codes(void **state)
{
    (void)state;
    assert_string_equal(meter_errname(METER_OK), "METER_OK");
    assert_string_equal(meter_errname(METER_ETIMEDOUT), "METER_ETIMEDOUT");
    assert_string_equal(meter_errname(METER_ESTATE), "METER_ESTATE");
    assert_string_equal(meter_errname(12345), "METER_UNKNOWN");
    assert_string_equal(meter_strerror(12345), "unknown status");
    static const char *const blame[] = {"(caller)", "(device)", "(link)", "(bus)", "(system)",
                                         "(model)"};
    for (int c = 0; c >= METER_STATUS_MIN_; c--) {
        assert_string_not_equal(meter_errname(c), "METER_UNKNOWN");
        assert_string_not_equal(meter_strerror(c), "unknown status");
        /* every failure says whose doing it is (include/meter/error.h) */
        const char *msg = meter_strerror(c), *close = strrchr(msg, '(');
        int named = c == METER_OK;
        for (size_t b = 0; close && b < sizeof blame / sizeof blame[0]; b++)
            named |= strcmp(close, blame[b]) == 0;
        if (!named)
            fail_msg("%s: '%s' names no side", meter_errname(c), msg);
    }
    /* a caller's mistake is never used for the meter's or the line's doing */
    assert_non_null(strstr(meter_strerror(METER_EVALUE), "(device)"));
    assert_non_null(strstr(meter_strerror(METER_EEXCEPTION), "(device)"));
    assert_non_null(strstr(meter_strerror(METER_ESLAVE), "(link)"));
    assert_true(METER_VERSION_CHECK(0, 1, 0));
    assert_int_equal(meter_version(), METER_VERSION_HEX);
    assert_string_equal(meter_version_string(), METER_VERSION_STRING);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixed_names_and_units),
        cmocka_unit_test(test_catalogue_is_consistent),
        cmocka_unit_test(test_obis),
        cmocka_unit_test(test_status_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
