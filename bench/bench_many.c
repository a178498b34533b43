/* SPDX-License-Identifier: MIT */
/* Many meters: ten `meter sim` processes (gateways on TCP 127.0.0.1, port
 * chosen by the kernel), each answering KLEFR 6934 meters at ids 1..100, are
 * polled through the public API — one bus a gateway (meter_bus_open), 100
 * meters on each (meter_open_on_bus) — with 1 and 2 threads (a thread owns
 * whole gateways). Prints snapshots/s and the client's CPU per snapshot
 * (the whole process: the simulators run elsewhere), medians over rounds.
 * Every simulator stops by itself (--exit-after) and is killed on exit. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_util.h"
#include "meter/meter.h"

#ifndef METER_CLI_PATH
#define METER_CLI_PATH "meter"
#endif

#define MAX_GW 10
#define MAX_IDS 100

static pid_t sims[MAX_GW];
static int nsims;

static void stop_sims(void)
{
    for (int i = 0; i < nsims; i++)
        if (sims[i] > 0) {
            kill(sims[i], SIGTERM);
            waitpid(sims[i], NULL, 0);
            sims[i] = 0;
        }
}

static void on_signal(int sig)
{
    (void)sig;
    for (int i = 0; i < nsims; i++)
        if (sims[i] > 0)
            kill(sims[i], SIGTERM);
    _exit(3);
}

/* "1,2,…" for ids [first, last] */
static void id_list(char *out, size_t cap, int first, int last)
{
    size_t k = 0;
    out[0] = '\0';
    for (int id = first; id <= last && k + 8 < cap; id++)
        k += (size_t)snprintf(out + k, cap - k, id == first ? "%d" : ",%d", id);
}

/* Start one gateway; its endpoint (its first line on stdout) is the readiness signal. */
static int start_sim(int ids, char *endpoint, size_t cap)
{
    /* `meter sim` keeps a --id list in 256 bytes: 1..100 (291 characters) does not
     * fit, so the ids go in two --model groups of 50 */
    char a[256], b[256];
    int half = ids > 50 ? 50 : ids;
    id_list(a, sizeof a, 1, half);
    id_list(b, sizeof b, half + 1, ids);
    int fd[2];
    if (pipe(fd) < 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM); /* and --exit-after, should that fail */
        dup2(fd[1], 1);
        close(fd[0]);
        close(fd[1]);
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0)
            dup2(null, 2);
        if (ids > half)
            execl(METER_CLI_PATH, "meter", "sim", "--listen", "tcp:127.0.0.1:0", "--exit-after",
                  "300", "--model", "klefr-6934", "--id", a, "--model", "klefr-6934", "--id", b,
                  (char *)NULL);
        else
            execl(METER_CLI_PATH, "meter", "sim", "--listen", "tcp:127.0.0.1:0", "--exit-after",
                  "300", "--model", "klefr-6934", "--id", a, (char *)NULL);
        _exit(127);
    }
    sims[nsims++] = pid;
    close(fd[1]);
    FILE *f = fdopen(fd[0], "r");
    if (!f || !fgets(endpoint, (int)cap, f)) {
        fprintf(stderr, "bench_many: %s sim did not start\n", METER_CLI_PATH);
        return -1;
    }
    endpoint[strcspn(endpoint, "\n")] = '\0';
    fclose(f);
    return 0;
}

struct poller {
    meter_t **meters;
    size_t n;
    pthread_t tid;
    unsigned long snapshots, failed;
};

static void *poll_round(void *arg)
{
    struct poller *p = arg;
    meter_reading_t r[128];
    for (size_t i = 0; i < p->n; i++) {
        size_t got;
        if (meter_snapshot(p->meters[i], r, 128, &got) == METER_OK)
            p->snapshots++;
        else
            p->failed++;
    }
    return NULL;
}

int main(void)
{
    int quick = bench_quick();
    int ngw = quick ? 2 : MAX_GW, ids = quick ? 10 : MAX_IDS, rounds = quick ? 1 : 5;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    atexit(stop_sims);
    static meter_bus_t *bus[MAX_GW];
    static meter_t *m[MAX_GW * MAX_IDS];
    char err[256];
    for (int g = 0; g < ngw; g++) {
        char ep[256], conn[300];
        if (start_sim(ids, ep, sizeof ep) < 0)
            return 1;
        snprintf(conn, sizeof conn, "%s?timeout=2000", ep);
        if (meter_bus_open(&bus[g], conn, err, sizeof err) != METER_OK) {
            fprintf(stderr, "bench_many: %s: %s\n", conn, err);
            return 1;
        }
        for (int i = 0; i < ids; i++) {
            char opt[32];
            snprintf(opt, sizeof opt, "id=%d", i + 1);
            if (meter_open_on_bus(&m[g * ids + i], bus[g], "klefr-6934", opt, err, sizeof err) !=
                METER_OK) {
                fprintf(stderr, "bench_many: id %d: %s\n", i + 1, err);
                return 1;
            }
        }
    }
    int total = ngw * ids;
    printf("bench_many: %d simulated KLEFR 6934 meters behind %d `meter sim` gateways (TCP "
           "127.0.0.1, %d ids each, one connection a gateway), median of %d rounds\n",
           total, ngw, ids, rounds);
    { /* one warm-up round: connections, caches */
        struct poller p = {m, (size_t)total, 0, 0, 0};
        poll_round(&p);
    }
    for (int T = 1; T <= 2; T++) {
        double rate[5], cpu[5], user[5];
        unsigned long failed = 0, snaps = 0;
        for (int r = 0; r < rounds; r++) {
            struct poller p[2];
            memset(p, 0, sizeof p);
            for (int t = 0; t < T; t++) { /* whole gateways to a thread */
                int g0 = ngw * t / T, g1 = ngw * (t + 1) / T;
                p[t].meters = &m[g0 * ids];
                p[t].n = (size_t)((g1 - g0) * ids);
            }
            double u0, s0, u1, s1;
            bench_rusage(RUSAGE_SELF, &u0, &s0);
            double w0 = bench_now();
            for (int t = 0; t < T; t++)
                pthread_create(&p[t].tid, NULL, poll_round, &p[t]);
            unsigned long done = 0;
            for (int t = 0; t < T; t++) {
                pthread_join(p[t].tid, NULL);
                done += p[t].snapshots;
                failed += p[t].failed;
            }
            double w = bench_now() - w0;
            bench_rusage(RUSAGE_SELF, &u1, &s1);
            snaps += done;
            rate[r] = (double)done / w;
            cpu[r] = (u1 - u0 + s1 - s0) / (double)done * 1e6;
            user[r] = (u1 - u0) / (double)done * 1e6;
        }
        double mr = bench_median(rate, (size_t)rounds), mc = bench_median(cpu, (size_t)rounds),
               mu = bench_median(user, (size_t)rounds);
        printf("  %d thread%s: %8.0f snapshots/s, client CPU %.1f us a snapshot (user %.1f), "
               "%lu snapshots, %lu failed\n", T, T > 1 ? "s" : " ", mr, mc, mu, snaps, failed);
        char key[64];
        snprintf(key, sizeof key, "many.threads%d.snapshots_per_s", T);
        bench_key(key, mr);
        snprintf(key, sizeof key, "many.threads%d.client_cpu_us", T);
        bench_key(key, mc);
        snprintf(key, sizeof key, "many.threads%d.client_user_us", T);
        bench_key(key, mu);
        snprintf(key, sizeof key, "many.threads%d.failed", T);
        bench_key(key, (double)failed);
    }
    for (int i = 0; i < total; i++)
        meter_close(m[i]);
    for (int g = 0; g < ngw; g++)
        meter_bus_close(bus[g]);
    stop_sims();
    return 0;
}
