/* SPDX-License-Identifier: MIT */
/* Soak under faults on M-Bus: thousands of reads of a simulated KLEFR 6923
 * whose telegram drops, flips bits, breaks off, comes late, comes from another
 * address, follows line noise or our own echo, or is an application error. The
 * true values are the manual's nine energies: every value returned must be one
 * of them exactly; every failure must carry a status such a fault can cause. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "support.h"

static const meter_quantity_t qs[] = {
    METER_Q_ENERGY_ACTIVE_TOTAL,  METER_Q_ENERGY_ACTIVE_TOTAL_T1,  METER_Q_ENERGY_ACTIVE_TOTAL_T2,
    METER_Q_ENERGY_ACTIVE_IMPORT, METER_Q_ENERGY_ACTIVE_IMPORT_T1, METER_Q_ENERGY_ACTIVE_IMPORT_T2,
    METER_Q_ENERGY_ACTIVE_EXPORT, METER_Q_ENERGY_ACTIVE_EXPORT_T1, METER_Q_ENERGY_ACTIVE_EXPORT_T2};
/* seed-notes: the manual's example telegram */
static const double truth[] = {16048.14, 3580.23, 12467.91, 6913.46, 1234.56,
                               5678.90,  9134.68, 2345.67,  6789.01};

static int allowed_failure(int rc)
{
    return rc == METER_ETIMEDOUT || rc == METER_ECHECKSUM || rc == METER_EFRAME ||
           rc == METER_ETRUNCATED || rc == METER_ESLAVE || rc == METER_EAPPLICATION ||
           rc == METER_EIO || rc == METER_ECOLLISION;
}

static void test_soak_mbus_over_pty(void **state)
{
    (void)state;
    struct sim_thread st;
    const int ids[] = {-1, 0}; /* the model's own address (0) */
    char err[256];
    assert_int_equal(meter_sim_new(&st.sim, "pty", err, sizeof err), METER_OK);
    assert_int_equal(meter_sim_add(st.sim, "klefr-6923", ids[0]), METER_OK);
    meter_sim_set(st.sim, METER_SIM_FROZEN, 1);
    meter_sim_set(st.sim, METER_SIM_FAULTS, METER_SIM_F_ALL_);
    meter_sim_set(st.sim, METER_SIM_FAULT_RATE, 250);
    meter_sim_set(st.sim, METER_SIM_SEED, 13757);
    meter_sim_set(st.sim, METER_SIM_DELAY_MS, 45); /* past the 30 ms timeout */
    assert_int_equal(pthread_create(&st.tid, NULL, sim_thread_main, &st), 0);

    char conn[300];
    snprintf(conn, sizeof conn, "%s?timeout=30&retries=0", meter_sim_endpoint(st.sim));
    meter_t *m;
    if (meter_open(&m, "klefr-6923", conn, err, sizeof err) != METER_OK)
        fail_msg("open: %s", err);
    unsigned long right = 0, wrong = 0, failed = 0, by_status[32] = {0};
    const unsigned reads = 3000;
    for (unsigned k = 0; k < reads; k++) {
        meter_reading_t r[9];
        meter_read_list(m, qs, 9, r);
        for (int i = 0; i < 9; i++) {
            if (r[i].status == METER_OK) {
                if (r[i].value == truth[i])
                    right++;
                else {
                    wrong++;
                    print_error("WRONG %s: %.9g, true %.9g\n", meter_quantity_info(qs[i])->name,
                                r[i].value, truth[i]);
                }
            } else {
                failed++;
                by_status[-r[i].status < 32 ? -r[i].status : 0]++;
                if (!allowed_failure(r[i].status))
                    fail_msg("failed with %s (%s)", meter_errname(r[i].status), meter_last_error(m));
            }
        }
    }
    meter_stats_t s = METER_STATS_INIT;
    assert_int_equal(meter_get_stats(m, &s), METER_OK);
    static const char *fn[] = {"drop", "corrupt", "truncate", "delay", "wrong-id", "garbage",
                               "echo", "exception"};
    print_message("soak mbus: %u reads, %llu transactions; values: %lu right, %lu WRONG, %lu not "
                  "returned\n", reads, (unsigned long long)s.transactions, right, wrong, failed);
    for (int b = 0; b < 8; b++) {
        unsigned long c = meter_sim_fault_count(st.sim, (meter_sim_fault_t)(1 << b));
        print_message("  faults injected: %-9s %lu\n", fn[b], c);
        assert_true(c > 0);
    }
    for (int k = 1; k < 32; k++)
        if (by_status[k])
            print_message("  failures reported as %-18s %lu readings\n", meter_errname(-k), by_status[k]);
    assert_int_equal(wrong, 0);
    assert_true(right * 3 > failed); /* plenty gets through (no finer ratio on a loaded machine) */
    meter_close(m);
    sim_thread_stop(&st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_soak_mbus_over_pty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
