/* SPDX-License-Identifier: MIT */
/* Paced reads against the wire's limit: the simulator paced like a real line
 * (METER_SIM_PACE_BAUD, on a pty), timed through the public API, each read's
 * wall time divided by a bound computed here from the frames' lengths and the
 * formulas of docs/timing.md (not from the simulator's code). Fails loudly when
 * a read beats its bound: the pacing would not be real. */
#include <pthread.h>

#include "bench_util.h"
#include "meter/meter.h"
#include "meter/sim.h"

#define TURNAROUND_S 0.005 /* the simulated meters' turnaround (METER_SIM_TURNAROUND_US) */

struct sim_run {
    meter_sim_t *sim;
    pthread_t tid;
};

static int failures;

static void *sim_main(void *arg)
{
    meter_sim_run(((struct sim_run *)arg)->sim);
    return NULL;
}

static void sim_start(struct sim_run *s, const char *model, int address, long pace)
{
    char err[256];
    if (meter_sim_new(&s->sim, "pty", err, sizeof err) != METER_OK ||
        meter_sim_add(s->sim, model, address) != METER_OK) {
        fprintf(stderr, "bench_paced: simulator: %s\n", err);
        exit(1);
    }
    meter_sim_set(s->sim, METER_SIM_FROZEN, 1);
    meter_sim_set(s->sim, METER_SIM_PACE_BAUD, pace);
    meter_sim_set(s->sim, METER_SIM_TURNAROUND_US, (long)(TURNAROUND_S * 1e6));
    if (pthread_create(&s->tid, NULL, sim_main, s)) {
        fprintf(stderr, "bench_paced: cannot start the simulator\n");
        exit(1);
    }
}

static void sim_end(struct sim_run *s)
{
    meter_sim_stop(s->sim);
    pthread_join(s->tid, NULL);
    meter_sim_free(s->sim);
}

static meter_t *open_at(const struct sim_run *s, const char *model, const char *opts)
{
    char conn[300], err[256];
    meter_t *m;
    snprintf(conn, sizeof conn, "%s%s", meter_sim_endpoint(s->sim), opts);
    if (meter_open(&m, model, conn, err, sizeof err) != METER_OK) {
        fprintf(stderr, "bench_paced: %s: %s\n", conn, err);
        exit(1);
    }
    return m;
}

static meter_stats_t stats(const meter_t *m)
{
    meter_stats_t st = METER_STATS_INIT;
    meter_get_stats(m, &st);
    return st;
}

/* One read's wall time and the stats' growth over it. Each read starts on an idle line
 * (50 ms after the last, longer than any silence here), so it is timed alone: a simulator
 * that sent a reply early could not hide it behind the previous reply's line time. */
typedef int (*read_fn)(meter_t *m);
static double timed(meter_t *m, read_fn f, meter_stats_t *d)
{
    struct timespec idle = {0, 50000000};
    nanosleep(&idle, NULL);
    meter_stats_t a = stats(m);
    double t0 = bench_now();
    if (f(m) != METER_OK) {
        fprintf(stderr, "bench_paced: read failed: %s\n", meter_last_error(m));
        exit(1);
    }
    double wall = bench_now() - t0;
    meter_stats_t b = stats(m);
    d->transactions = b.transactions - a.transactions;
    d->bytes_sent = b.bytes_sent - a.bytes_sent;
    d->bytes_received = b.bytes_received - a.bytes_received;
    return wall;
}

/* Print a row and its summary keys; a ratio under 1 fails the benchmark. */
static void report(const char *key, const char *what, double wall, double bound, const char *how)
{
    double ratio = wall / bound;
    printf("  %-50s %8.1f ms wall %8.1f ms bound  %.4f %s\n", what, wall * 1e3, bound * 1e3, ratio,
           ratio <= 1.05 ? "" : "(above the 1.05 target)");
    printf("    bound: %s\n", how);
    char k[96];
    snprintf(k, sizeof k, "paced_%s_wall_ms", key);
    bench_key(k, wall * 1e3);
    snprintf(k, sizeof k, "paced_%s_bound_ms", key);
    bench_key(k, bound * 1e3);
    snprintf(k, sizeof k, "paced_%s_ratio", key);
    bench_key(k, ratio);
    if (ratio < 1.0) {
        fprintf(stderr, "bench_paced: FAIL: %s took %.3f ms, less than the wire's %.3f ms: the "
                        "simulator is faster than the line, its pacing is not real\n",
                what, wall * 1e3, bound * 1e3);
        failures++;
    }
}

static int runs(int full)
{
    return bench_quick() ? 1 : full;
}

/* ---- Modbus RTU: per transaction, request + t3.5 + turnaround + reply + t3.5 ---------- */

static int snapshot(meter_t *m)
{
    meter_reading_t r[128];
    size_t got;
    return meter_snapshot(m, r, 128, &got);
}

static void modbus(void)
{
    const double baud = 9600, ch = 11 / baud, t35 = baud > 19200 ? 1.75e-3 : 3.5 * ch;
    struct sim_run s;
    sim_start(&s, "klefr-6934", 1, (long)baud);
    meter_t *m = open_at(&s, "klefr-6934", "?id=1&timeout=2000");
    meter_stats_t d;
    timed(m, snapshot, &d); /* the first: the handle learns the meter */
    int n = runs(7);
    double walls[16], bounds[16];
    for (int i = 0; i < n; i++) {
        walls[i] = timed(m, snapshot, &d);
        /* on an idle line: the read is over at the last reply's end, before its silence */
        bounds[i] = (double)(d.bytes_sent + d.bytes_received) * ch +
                    (double)d.transactions * (2 * t35 + TURNAROUND_S) - t35;
    }
    char how[200];
    snprintf(how, sizeof how, "%llu transactions, %llu bytes x 11 bits / 9600 + %llu x (2 x %.3f ms "
             "silence + 5 ms turnaround) - the last silence", (unsigned long long)d.transactions,
             (unsigned long long)(d.bytes_sent + d.bytes_received),
             (unsigned long long)d.transactions, t35 * 1e3);
    report("modbus_6934_9600", "KLEFR 6934 snapshot, Modbus RTU 9600 8E1", bench_median(walls, (size_t)n),
           bench_median(bounds, (size_t)n), how);
    meter_close(m);
    sim_end(&s);
}

/* ---- M-Bus: per telegram, request + turnaround + response ----------------------------- */

static int energy(meter_t *m)
{
    meter_reading_t r;
    return meter_read(m, METER_Q_ENERGY_ACTIVE_IMPORT, &r);
}

static void mbus_at(struct sim_run *s, unsigned baud)
{
    char opts[64];
    snprintf(opts, sizeof opts, "?addr=0&baud=%u&timeout=2000", baud);
    meter_t *m = open_at(s, "klefr-6923", opts);
    meter_stats_t d;
    timed(m, energy, &d); /* the first: SND_NKE, then REQ_UD2 */
    int n = runs(7);
    double walls[16], bounds[16];
    for (int i = 0; i < n; i++) {
        walls[i] = timed(m, energy, &d);
        bounds[i] = (double)(d.bytes_sent + d.bytes_received) * 11 / baud +
                    (double)d.transactions * TURNAROUND_S;
    }
    char what[64], key[32], how[200];
    snprintf(what, sizeof what, "KLEFR 6923 read, M-Bus %u 8E1", baud);
    snprintf(key, sizeof key, "mbus_6923_%u", baud);
    snprintf(how, sizeof how, "%llu telegram(s), %llu bytes x 11 bits / %u + %llu x 5 ms turnaround",
             (unsigned long long)d.transactions,
             (unsigned long long)(d.bytes_sent + d.bytes_received), baud,
             (unsigned long long)d.transactions);
    report(key, what, bench_median(walls, (size_t)n), bench_median(bounds, (size_t)n), how);
    if (baud == 9600) { /* then the meter to 2400 Bd, as a user would set it */
        if (meter_write_setting(m, METER_SETTING_BAUD_RATE, "2400") != METER_OK) {
            fprintf(stderr, "bench_paced: baud 2400: %s\n", meter_last_error(m));
            exit(1);
        }
    }
    meter_close(m);
}

static void mbus(void)
{
    struct sim_run s;
    sim_start(&s, "klefr-6923", 0, 9600); /* M-Bus is paced at the slave's own speed */
    mbus_at(&s, 9600);
    mbus_at(&s, 2400);
    sim_end(&s);
}

/* ---- IEC 62056-21 mode C readout session ---------------------------------------------- */

static int session(meter_t *m)
{
    meter_reading_t r;
    return meter_read(m, METER_Q_ENERGY_ACTIVE_IMPORT, &r);
}

static void iec(void)
{
    /* the KLEFR 6921's identification as the driver gives it: "/INM5PRO1" CR LF. Its third
     * manufacturer letter is upper case (reaction time 200 ms, not 20 ms), baud character '5'
     * (9600 Bd after the option select). 7E1: 10 bits a character. */
    const char *ident = "/INM5PRO1";
    const double id_chars = (double)strlen(ident) + 2, tr = ident[3] >= 'a' ? 0.020 : 0.200;
    const double b0 = 10.0 / 300, b1 = 10.0 / 9600;
    struct sim_run s;
    sim_start(&s, "klefr-6921", 1, 300);
    meter_t *m = open_at(&s, "klefr-6921", "?timeout=3000");
    int n = runs(3);
    double walls[16], bounds[16];
    meter_stats_t d = {0};
    for (int i = 0; i < n; i++) {
        walls[i] = timed(m, session, &d);
        double readout = (double)d.bytes_received - id_chars;
        /* sign-on and option select out, identification back at 300 Bd; the meter's reaction
         * time twice and the head's once (before the option select); the readout at 9600 */
        bounds[i] = (double)d.bytes_sent * b0 + id_chars * b0 + 3 * tr + readout * b1;
    }
    char how[220];
    snprintf(how, sizeof how, "(%llu sent + %.0f identification) x 10 bits / 300 + 3 x %.0f ms "
             "reaction + %.0f readout x 10 bits / 9600", (unsigned long long)d.bytes_sent,
             id_chars, tr * 1e3, (double)d.bytes_received - id_chars);
    report("iec_6921", "KLEFR 6921 readout session, IEC 62056-21 mode C",
           bench_median(walls, (size_t)n), bench_median(bounds, (size_t)n), how);
    meter_close(m);
    sim_end(&s);
}

int main(void)
{
    printf("paced reads, each on an idle line: wall time / the wire's bound (docs/timing.md), medians "
           "of %s; pty, simulator paced like the line, 5 ms turnaround\n", bench_quick() ? "1 run" : "repeated runs");
    modbus();
    mbus();
    iec();
    if (failures) {
        fprintf(stderr, "bench_paced: FAIL: %d read(s) faster than the wire\n", failures);
        return 1;
    }
    return 0;
}
