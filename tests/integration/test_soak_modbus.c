/* SPDX-License-Identifier: MIT */
/* Soak under faults: tens of thousands of Modbus transactions against a
 * simulator that drops, corrupts, truncates, delays, misaddresses, prefixes
 * noise, echoes or refuses a high share of its replies. Every value the
 * library returns must equal the simulator's true value; every failure must
 * carry a status that such a fault can cause. The counts are printed. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "support.h"

#define NSTATUS 32

struct tally {
    unsigned long reads, ok_values, wrong_values, failed_values;
    unsigned long by_status[NSTATUS];
};

static int allowed_failure(int rc)
{
    return rc == METER_ETIMEDOUT || rc == METER_ECHECKSUM || rc == METER_EFRAME ||
           rc == METER_ESLAVE || rc == METER_EEXCEPTION || rc == METER_EIO;
}

static void soak(const char *listen, unsigned faults, unsigned long transactions, unsigned timeout_ms,
                 unsigned delay_ms)
{
    struct sim_thread st;
    const int ids[] = {1, 0};
    assert_int_equal(sim_thread_start(&st, listen, "klefr-6934", ids, 1), METER_OK);
    meter_sim_set(st.sim, METER_SIM_FAULTS, faults);
    meter_sim_set(st.sim, METER_SIM_FAULT_RATE, 250);
    meter_sim_set(st.sim, METER_SIM_SEED, 20261121);
    meter_sim_set(st.sim, METER_SIM_DELAY_MS, delay_ms); /* past the timeout */

    char conn[512], err[256];
    snprintf(conn, sizeof conn, "%s?id=1&timeout=%u&retries=0", meter_sim_endpoint(st.sim), timeout_ms);
    meter_t *m;
    assert_int_equal(meter_open(&m, "klefr-6934", conn, err, sizeof err), METER_OK);

    size_t nq = meter_quantities(m, NULL, 0);
    meter_quantity_t *all = calloc(nq, sizeof *all);
    meter_reading_t *r = calloc(nq, sizeof *r);
    double *truth = calloc(nq, sizeof *truth);
    meter_quantities(m, all, nq);
    for (size_t i = 0; i < nq; i++)
        if (meter_sim_value(st.sim, 1, all[i], &truth[i]) != METER_OK)
            truth[i] = NAN; /* text quantities */

    struct tally t;
    memset(&t, 0, sizeof t);
    meter_stats_t s = METER_STATS_INIT;
    unsigned step = 0;
    do {
        /* vary the requests: single values, short lists, whole snapshots */
        size_t first = (step * 7) % nq, n = step % 5 == 0 ? nq - first : 1 + step % 3;
        if (first + n > nq)
            n = nq - first;
        step++;
        meter_read_list(m, all + first, n, r);
        t.reads++;
        for (size_t i = 0; i < n; i++) {
            int rc = r[i].status;
            if (rc == METER_OK) {
                double want = truth[first + i];
                int good = isnan(want) ? strlen(r[i].text) > 0
                                       : fabs(r[i].value - want) <= 1e-7 * fabs(want) + 1e-12;
                if (good)
                    t.ok_values++;
                else {
                    t.wrong_values++;
                    print_error("WRONG %s: %.9g, true %.9g\n",
                                meter_quantity_info(r[i].quantity)->name, r[i].value, want);
                }
            } else {
                t.failed_values++;
                t.by_status[-rc < NSTATUS ? -rc : 0]++;
                if (!allowed_failure(rc))
                    fail_msg("%s failed with %s (%s)", meter_quantity_info(r[i].quantity)->name,
                             meter_errname(rc), meter_last_error(m));
            }
        }
        assert_int_equal(meter_get_stats(m, &s), METER_OK);
    } while (s.transactions < transactions);

    static const char *fn[] = {"drop", "corrupt", "truncate", "delay", "wrong-id", "garbage",
                               "echo", "exception"};
    print_message("soak %s: %llu transactions, %llu failed; values: %lu right, %lu WRONG, %lu "
                  "not returned\n",
                  listen, (unsigned long long)s.transactions, (unsigned long long)s.errors,
                  t.ok_values, t.wrong_values, t.failed_values);
    unsigned long injected = 0;
    for (int b = 0; b < 8; b++) {
        unsigned long c = meter_sim_fault_count(st.sim, (meter_sim_fault_t)(1 << b));
        injected += c;
        print_message("  faults injected: %-9s %lu\n", fn[b], c);
        assert_true(c > 0 || !(faults & (1u << b)));
    }
    for (int k = 1; k < NSTATUS; k++)
        if (t.by_status[k])
            print_message("  failures reported as %-18s %lu readings\n", meter_errname(-k), t.by_status[k]);
    assert_int_equal(t.wrong_values, 0);
    /* plenty still gets through (a loaded machine adds timeouts of its own: no finer ratio) */
    assert_true(t.ok_values * 3 > t.failed_values);
    assert_true(s.errors > 0 && s.errors <= s.transactions);
    assert_true(injected > s.transactions / 10);
    free(all);
    free(r);
    free(truth);
    meter_close(m);
    sim_thread_stop(&st);
}

static void test_soak_rtu_over_pty(void **state)
{
    (void)state;
    soak("pty", METER_SIM_F_ALL_, 20000, 6, 9);
}

static void test_soak_tcp(void **state)
{
    (void)state;
    /* Modbus TCP has no checksum of its own: TCP's checksum and the Ethernet CRC protect
     * the bytes, and a gateway checks the RTU CRC on its serial side. A bit flipped or a
     * request echoed inside the stream cannot be told from data by any Modbus client, and
     * a TCP stream does not produce them; every other fault is injected. */
    soak("tcp:127.0.0.1:0", METER_SIM_F_ALL_ & ~(METER_SIM_F_CORRUPT | METER_SIM_F_ECHO), 10000, 6, 9);
}

/* Replies five times later than the timeout, long after the line was quiet:
 * only getting back in step by a probe of another length keeps them from
 * passing for the answer to a later request of the same length. */
static void test_very_late_replies_rtu(void **state)
{
    (void)state;
    soak("pty", METER_SIM_F_DELAY | METER_SIM_F_DROP, 1500, 10, 50);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_soak_rtu_over_pty),
        cmocka_unit_test(test_soak_tcp),
        cmocka_unit_test(test_very_late_replies_rtu),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
