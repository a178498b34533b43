/* SPDX-License-Identifier: MIT */
/* The driver tables: linted (known quantities, no overlaps, rows inside
 * blocks, units that agree with the catalogue) and pinned to literal
 * addresses from the manuals, so a wrong row cannot hide behind a simulator
 * built from the same table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "protocols/modbus/modbus_internal.h"

static void test_lint_every_model(void **state)
{
    (void)state;
    assert_true(mtr_model_total() >= 3);
    for (size_t i = 0; i < mtr_model_total(); i++) {
        const struct mtr_model *m = mtr_model_at(i);
        assert_non_null(m->info.name);
        /* names and aliases are unique */
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(mtr_model_at(j)->info.name, m->info.name);
        assert_ptr_equal(mtr_model_find(m->info.name), m);
        if (m->proto != &mtr_proto_modbus)
            continue;
        const struct mtr_mb_map *map = m->proto_data;
        for (size_t r = 0; r < map->nregs; r++) {
            const struct mtr_mb_reg *a = &map->regs[r];
            if (!mtr_model_has_row(m, a))
                continue;
            const meter_quantity_info_t *qi = meter_quantity_info(a->q);
            assert_non_null(qi);
            assert_non_null(a->cite);
            /* one row per quantity */
            assert_ptr_equal(mtr_mb_row(m, a->q), a);
            /* text quantities are text types, numbers are number types */
            int text = a->type == MTR_T_HEXTEXT || a->type == MTR_T_ASCII;
            assert_int_equal(text, qi->kind == METER_KIND_TEXT);
            if (a->type == MTR_T_FLOAT)
                assert_int_equal(a->words, 2);
            if (a->type == MTR_T_COIL)
                continue;
            /* inside a readable block */
            int inside = 0;
            for (size_t b = 0; b < map->nblocks; b++)
                inside |= a->addr >= map->blocks[b].first &&
                          a->addr + a->words - 1u <= map->blocks[b].last;
            assert_true(inside);
            /* no two rows share a register */
            for (size_t s = 0; s < r; s++) {
                const struct mtr_mb_reg *o = &map->regs[s];
                if (o->type == MTR_T_COIL || !mtr_model_has_row(m, o))
                    continue;
                int overlap = a->addr < o->addr + o->words && o->addr < a->addr + a->words;
                assert_false(overlap);
            }
        }
    }
}

struct pin {
    const char *model;
    const char *quantity;
    uint16_t addr;
    uint8_t type;
    int8_t exp10;
};

/* literal rows of the manuals: seed 000 App. 3 §A3.2 and seed 004 §6.1 */
static const struct pin pins[] = {
    {"klefr-6924", "serial_number", 0x4000, MTR_T_HEXTEXT, 0},
    {"klefr-6924", "device_address", 0x4003, MTR_T_S16, 0},
    {"klefr-6924", "s0_rate", 0x400D, MTR_T_FLOAT, 0},
    {"klefr-6924", "lcd_cycle_time", 0x4010, MTR_T_HEXNUM, 0},
    {"klefr-6924", "current_direction", 0x4012, MTR_T_ASCII, 0},
    {"klefr-6924", "power_down_counter", 0x4016, MTR_T_S16, 0},
    {"klefr-6924", "voltage_l1", 0x5002, MTR_T_FLOAT, 0},
    {"klefr-6924", "frequency", 0x5008, MTR_T_FLOAT, 0},
    {"klefr-6924", "active_power", 0x5012, MTR_T_FLOAT, 3},
    {"klefr-6924", "reactive_power", 0x501A, MTR_T_FLOAT, 3},
    {"klefr-6924", "apparent_power", 0x5022, MTR_T_FLOAT, 3},
    {"klefr-6924", "power_factor", 0x502A, MTR_T_FLOAT, 0},
    {"klefr-6924", "energy_active_total", 0x6000, MTR_T_FLOAT, 0},
    {"klefr-6924", "energy_active_import_t1", 0x600E, MTR_T_FLOAT, 0},
    {"klefr-6924", "energy_active_export_t2", 0x601C, MTR_T_FLOAT, 0},
    {"klefr-6924", "energy_reactive_export", 0x603C, MTR_T_FLOAT, 0},
    {"klefr-6924", "tariff", 0x6048, MTR_T_S16, 0},
    {"klefr-6924", "energy_active_day_counter", 0x6049, MTR_T_FLOAT, 0},
    {"klefr-6934", "voltage_l3", 0x5006, MTR_T_FLOAT, 0},
    {"klefr-6934", "current_l2", 0x500E, MTR_T_FLOAT, 0},
    {"klefr-6934", "active_power_l3", 0x5018, MTR_T_FLOAT, 3},
    {"klefr-6934", "power_factor_l3", 0x5030, MTR_T_FLOAT, 0},
    {"klefr-6934", "energy_active_export_l3", 0x6022, MTR_T_FLOAT, 0},
    {"klefr-6934", "energy_reactive_export_l3", 0x6046, MTR_T_FLOAT, 0},
    {"klefr-6934", "status_word", 0x401D, MTR_T_HEXTEXT, 0},
    {"klefr-6934", "ct_mode", 0x401F, MTR_T_S16, 0},
    {"compere-kpm31", "relay", 0x0001, MTR_T_COIL, 0},
    {"compere-kpm31", "device_address", 0x0001, MTR_T_U16, 0},
    {"compere-kpm31", "baud_rate", 0x0002, MTR_T_BAUDCODE, 0},
    {"compere-kpm31", "voltage", 0x0030, MTR_T_FLOAT, 0},
    {"compere-kpm31", "active_power", 0x0034, MTR_T_FLOAT, 0}, /* W, not kW */
    {"compere-kpm31", "frequency", 0x003C, MTR_T_FLOAT, 0},
    {"compere-kpm31", "apparent_demand", 0x0070, MTR_T_FLOAT, 0},
    {"compere-kpm31", "energy_active_export", 0x0084, MTR_T_FLOAT, 0},
    {"compere-kpm31", "energy_active_total_t1", 0x008C, MTR_T_FLOAT, 0},
    {"compere-kpm31", "energy_reactive_total_t4", 0x009A, MTR_T_FLOAT, 0},
    {"compere-kpm31", "energy_active_total_m0", 0x009C, MTR_T_FLOAT, 0},
    {"compere-kpm31", "energy_active_total_m10", 0x00B0, MTR_T_FLOAT, 0},
    {"compere-kpm31", "energy_reactive_total_m0", 0x00B6, MTR_T_FLOAT, 0},
    {"compere-kpm31", "energy_reactive_total_t1_m0", 0x00EA, MTR_T_FLOAT, 0},
    {"compere-kpm31", "energy_active_total_t2_m0", 0x0104, MTR_T_FLOAT, 0},
    {"compere-kpm31", "energy_reactive_total_t2_m0", 0x011E, MTR_T_FLOAT, 0},
    {"compere-kpm31", "energy_active_total_t3_m0", 0x0138, MTR_T_FLOAT, 0},
    {"compere-kpm31", "energy_reactive_total_t3_m0", 0x0152, MTR_T_FLOAT, 0},
    {"compere-kpm31", "energy_active_total_t4_m0", 0x016C, MTR_T_FLOAT, 0},
    {"compere-kpm31", "energy_active_total_t4_m10", 0x0180, MTR_T_FLOAT, 0},
    {"compere-kpm31", "energy_reactive_total_t4_m0", 0x0186, MTR_T_FLOAT, 0},
    {"compere-kpm31", "energy_reactive_total_t4_m12", 0x019E, MTR_T_FLOAT, 0},
};

/* every model names its protocol once: the public info says what its ops table is,
 * and every protocol is registered (src/protocols/protocols.c) */
static void test_models_protocol(void **state)
{
    (void)state;
    for (size_t k = 0; k < mtr_model_total(); k++) {
        const struct mtr_model *m = mtr_model_at(k);
        assert_non_null(m->proto);
        assert_string_equal(m->info.protocol, m->proto->name);
        int registered = 0;
        for (size_t i = 0; mtr_protocols[i]; i++)
            registered |= mtr_protocols[i] == m->proto;
        assert_true(registered);
        assert_non_null(meter_model_find(m->info.name));
    }
}

static void test_pinned_addresses(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof pins / sizeof pins[0]; i++) {
        const struct mtr_model *m = mtr_model_find(pins[i].model);
        meter_quantity_t q;
        assert_non_null(m);
        assert_int_equal(meter_quantity_from_name(pins[i].quantity, &q), METER_OK);
        const struct mtr_mb_reg *r = mtr_mb_row(m, q);
        if (!r)
            fail_msg("%s has no row for %s", pins[i].model, pins[i].quantity);
        if (r->addr != pins[i].addr)
            fail_msg("%s %s at 0x%04X, manual says 0x%04X", pins[i].model, pins[i].quantity, r->addr,
                     pins[i].addr);
        assert_int_equal(r->type, pins[i].type);
        assert_int_equal(r->exp10, pins[i].exp10);
    }
}

static void test_three_phase_rows(void **state)
{
    (void)state;
    const struct mtr_model *one = mtr_model_find("pro1-mod"), *three = mtr_model_find("pro380-mod");
    assert_non_null(one);
    assert_non_null(three);
    assert_string_equal(one->info.name, "klefr-6924");
    assert_string_equal(three->info.name, "klefr-6934");
    /* '*' registers exist on the three-phase model only; a single-phase meter's L1 power
     * is its total (docs/quantities.md: one name per thing), read from that row */
    assert_null(mtr_mb_row(one, METER_Q_VOLTAGE_L2));
    assert_ptr_equal(mtr_mb_row(one, METER_Q_ACTIVE_POWER_L1), mtr_mb_row(one, METER_Q_ACTIVE_POWER));
    assert_int_equal(mtr_mb_row(one, METER_Q_ACTIVE_POWER_L1)->addr, 0x5012);
    assert_non_null(mtr_mb_row(one, METER_Q_VOLTAGE_L1));
    assert_non_null(mtr_mb_row(three, METER_Q_ACTIVE_POWER_L1));
    meter_t m1 = {.model = one}, m3 = {.model = three};
    /* manual App. 3: 25 settings rows, 25 instantaneous, 36 energies + tariff + day counter;
     * without the '*' rows: 17 settings, 9 instantaneous, 18 energies + 2 */
    assert_int_equal(mtr_modbus_quantities(&m3, NULL, 0), 25 + 25 + 36 + 2);
    /* plus the single-phase L1 names of the totals: active, reactive, apparent power and
     * power factor (docs/quantities.md) */
    assert_int_equal(mtr_modbus_quantities(&m1, NULL, 0), 17 + 9 + 18 + 2 + 4);
    const struct mtr_model *kpm = mtr_model_find("compere-kpm31");
    meter_t mk = {.model = kpm};
    /* relay + 3 parameters + 8 measurements + 14 energies + 10 x 13 history, and the
     * single-phase L1 names of voltage, current, the three powers and power factor */
    assert_int_equal(mtr_modbus_quantities(&mk, NULL, 0), 1 + 3 + 8 + 14 + 130 + 6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lint_every_model),
        cmocka_unit_test(test_models_protocol),
        cmocka_unit_test(test_pinned_addresses),
        cmocka_unit_test(test_three_phase_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
