/* SPDX-License-Identifier: MIT */
/* Soak under faults on IEC 62056-21: readouts of a simulated KLEFR 6921 whose
 * data message is dropped, has a bit flipped, breaks off, comes late, or
 * follows line noise. Every value returned must be the meter's; every failure
 * a status such a fault can cause. (Readouts take the protocol's own time —
 * sign-on at 300 baud — so there are fewer rounds than on the other buses.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "support.h"

static const meter_quantity_t qs[] = {METER_Q_ENERGY_ACTIVE_IMPORT, METER_Q_ENERGY_ACTIVE_EXPORT,
                                      METER_Q_VOLTAGE_L1, METER_Q_CURRENT_L1, METER_Q_FREQUENCY};
/* the simulated meter at address 1, frozen (as `meter read -m klefr-6921` shows it) */
static const double truth[] = {12445.92, 234.5, 230.1, 5.2, 50};

static int allowed_failure(int rc)
{
    return rc == METER_ETIMEDOUT || rc == METER_ECHECKSUM || rc == METER_EFRAME ||
           rc == METER_ETRUNCATED || rc == METER_EIO || rc == METER_ENAK;
}

static void test_soak_iec_over_pty(void **state)
{
    (void)state;
    struct sim_thread st;
    const int ids[] = {1, 0};
    assert_int_equal(sim_thread_start(&st, "pty", "klefr-6921", ids, 1), METER_OK);
    meter_sim_set(st.sim, METER_SIM_FAULTS,
                  METER_SIM_F_DROP | METER_SIM_F_CORRUPT | METER_SIM_F_TRUNCATE | METER_SIM_F_DELAY |
                      METER_SIM_F_GARBAGE);
    meter_sim_set(st.sim, METER_SIM_FAULT_RATE, 300);
    meter_sim_set(st.sim, METER_SIM_SEED, 6205621);
    meter_sim_set(st.sim, METER_SIM_DELAY_MS, 450); /* past the 300 ms silence timeout */
    char conn[300], err[256];
    snprintf(conn, sizeof conn, "%s?timeout=300&retries=0", meter_sim_endpoint(st.sim));
    meter_t *m;
    if (meter_open(&m, "klefr-6921", conn, err, sizeof err) != METER_OK)
        fail_msg("open: %s", err);
    unsigned long right = 0, wrong = 0, failed = 0, by_status[32] = {0};
    const unsigned reads = 60;
    for (unsigned k = 0; k < reads; k++) {
        meter_reading_t r[5];
        meter_read_list(m, qs, 5, r);
        for (int i = 0; i < 5; i++) {
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
    static const char *fn[] = {"drop", "corrupt", "truncate", "delay", "wrong-id", "garbage"};
    print_message("soak iec: %u readouts; values: %lu right, %lu WRONG, %lu not returned\n", reads,
                  right, wrong, failed);
    unsigned long injected = 0;
    for (int b = 0; b < 6; b++) {
        unsigned long c = meter_sim_fault_count(st.sim, (meter_sim_fault_t)(1 << b));
        injected += c;
        print_message("  faults injected: %-9s %lu\n", fn[b], c);
    }
    for (int k = 1; k < 32; k++)
        if (by_status[k])
            print_message("  failures reported as %-18s %lu readings\n", meter_errname(-k), by_status[k]);
    assert_int_equal(wrong, 0);
    assert_true(injected > 5);
    assert_true(right * 3 > failed); /* plenty gets through (no finer ratio on a loaded machine) */
    meter_close(m);
    sim_thread_stop(&st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_soak_iec_over_pty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
