/* SPDX-License-Identifier: MIT */
/* The request planner: a whole KLEFR 6934 snapshot in 3 transactions, the
 * KPM31's in 7, limits on request length, holes bridged only inside blocks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "protocols/modbus/modbus_internal.h"

static size_t plan_model(const char *name, unsigned max_regs, int bridge, struct mtr_plan_req *reqs,
                         size_t cap)
{
    const struct mtr_model *model = mtr_model_find(name);
    assert_non_null(model);
    meter_t m = {.model = model};
    size_t n = mtr_modbus_quantities(&m, NULL, 0);
    meter_quantity_t *qs = calloc(n, sizeof *qs);
    struct mtr_plan_item *items = calloc(n, sizeof *items);
    mtr_modbus_quantities(&m, qs, n);
    for (size_t i = 0; i < n; i++) {
        const struct mtr_mb_reg *r = mtr_mb_row(model, qs[i]);
        items[i] = (struct mtr_plan_item){r->type == MTR_T_COIL ? 1 : 3, r->addr, r->words, i};
    }
    size_t nreq = 0;
    assert_int_equal(mtr_plan(items, n, mtr_mb_map_of(model)->blocks, mtr_mb_map_of(model)->nblocks, max_regs,
                              bridge, reqs, cap, &nreq),
                     METER_OK);
    /* every item lies inside its request */
    for (size_t r = 0; r < nreq; r++) {
        assert_true(reqs[r].count <= (reqs[r].fc == 1 ? 2000u : max_regs));
        for (size_t i = reqs[r].first; i < reqs[r].first + reqs[r].n; i++) {
            assert_int_equal(items[i].fc, reqs[r].fc);
            assert_true(items[i].addr >= reqs[r].addr);
            assert_true(items[i].addr + items[i].words <= reqs[r].addr + reqs[r].count);
        }
    }
    free(qs);
    free(items);
    return nreq;
}

static void test_klefr_6934_snapshot_is_3_reads(void **state)
{
    (void)state;
    struct mtr_plan_req reqs[256];
    assert_int_equal(plan_model("klefr-6934", 125, 1, reqs, 256), 3);
    assert_int_equal(reqs[0].addr, 0x4000);
    assert_int_equal(reqs[0].count, 0x20);
    assert_int_equal(reqs[1].addr, 0x5000);
    assert_int_equal(reqs[1].count, 0x32);
    assert_int_equal(reqs[2].addr, 0x6000);
    assert_int_equal(reqs[2].count, 0x4B);
}

static void test_klefr_6924_bridges_holes_in_blocks(void **state)
{
    (void)state;
    struct mtr_plan_req reqs[256];
    assert_int_equal(plan_model("klefr-6924", 125, 1, reqs, 256), 3);
    /* a meter that refuses reads over its unmapped registers: only mapped runs */
    assert_int_equal(plan_model("klefr-6924", 125, 0, reqs, 256), 17);
}

static void test_kpm31_snapshot(void **state)
{
    (void)state;
    struct mtr_plan_req reqs[256];
    /* coil 1; 0x0000-2; 0x0030-3D; 0x0070-71; 0x0080-0x019F in 125+125+38 */
    size_t n = plan_model("compere-kpm31", 125, 1, reqs, 256);
    assert_int_equal(n, 7);
    assert_int_equal(reqs[0].fc, 1);
    assert_int_equal(reqs[0].addr, 1);
    assert_int_equal(reqs[4].addr, 0x0080);
    assert_int_equal(reqs[4].count, 124); /* floats are never split: 62 of them */
    assert_int_equal(reqs[6].addr + reqs[6].count, 0x01A0);
}

static void test_limits(void **state)
{
    (void)state;
    struct mtr_plan_req reqs[256];
    /* a meter that reads at most 20 registers at a time */
    size_t n = plan_model("klefr-6934", 20, 1, reqs, 256);
    assert_int_equal(n, 2 + 3 + 4);
    /* a two-register float under a one-register limit is read alone, whole (a refusal of
     * that read is the quantity's exception, never METER_ERANGE for the caller) */
    struct mtr_plan_item it[2] = {{3, 0x5000, 2, 0}, {3, 0x5002, 2, 1}};
    size_t k;
    assert_int_equal(mtr_plan(it, 2, NULL, 0, 1, 1, reqs, 4, &k), METER_OK);
    assert_int_equal(k, 2);
    assert_int_equal(reqs[0].addr, 0x5000);
    assert_int_equal(reqs[0].count, 2);
    assert_int_equal(reqs[1].addr, 0x5002);
    assert_int_equal(reqs[1].count, 2);
    /* ... and an item it covers comes along in the same read (a single-phase twin reads its
     * summary's register; the fuzz seed regress-wide-value-covers-item) */
    struct mtr_plan_item cov[2] = {{3, 0x0001, 2, 0}, {3, 0x0002, 1, 1}};
    assert_int_equal(mtr_plan(cov, 2, NULL, 0, 1, 1, reqs, 4, &k), METER_OK);
    assert_int_equal(k, 1);
    assert_int_equal(reqs[0].addr, 0x0001);
    assert_int_equal(reqs[0].count, 2);
    assert_int_equal(reqs[0].n, 2);
    /* room for the requests is checked */
    struct mtr_plan_item two[2] = {{3, 0x5000, 2, 0}, {3, 0x6000, 2, 1}};
    assert_int_equal(mtr_plan(two, 2, NULL, 0, 125, 1, reqs, 1, &k), METER_EBUFSIZE);
}

static void test_no_bridge_across_blocks(void **state)
{
    (void)state;
    struct mtr_mb_block blocks[] = {{0x0000, 0x0003}, {0x0008, 0x000F}};
    struct mtr_plan_item items[] = {{3, 0x0002, 2, 0}, {3, 0x0008, 2, 1}, {3, 0x000C, 1, 2},
                                    {3, 0x000C, 1, 3}};
    struct mtr_plan_req reqs[4];
    size_t n;
    assert_int_equal(mtr_plan(items, 4, blocks, 2, 125, 1, reqs, 4, &n), METER_OK);
    assert_int_equal(n, 2); /* 0x0002-3 | 0x0008-C (a hole inside the block, a duplicate) */
    assert_int_equal(reqs[1].addr, 0x0008);
    assert_int_equal(reqs[1].count, 5);
    assert_int_equal(reqs[1].n, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_klefr_6934_snapshot_is_3_reads),
        cmocka_unit_test(test_klefr_6924_bridges_holes_in_blocks),
        cmocka_unit_test(test_kpm31_snapshot),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_no_bridge_across_blocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
