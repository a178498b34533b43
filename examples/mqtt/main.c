/* SPDX-License-Identifier: MIT */
/* meter-mqtt: poll the meters of a config file and publish their snapshots
 * to an MQTT broker, with Home Assistant discovery. Bus threads poll; this
 * thread drives the broker connection until SIGINT/SIGTERM, --exit-after,
 * or (with --count) every snapshot taken and delivered. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "config.h"
#include "exitcodes.h"
#include "help.h"
#include "poller.h"
#include "publisher.h"

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static void usage(FILE *f)
{
    help_print(f, help_find("meter-mqtt", NULL));
}

static long parse_positive(const char *opt, const char *s, long max)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < 1 || v > max) {
        fprintf(stderr, "meter-mqtt: %s takes 1 to %ld, not '%s'\n", opt, max, s);
        return -1;
    }
    return v;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'f'}, {"count", required_argument, NULL, 'n'},
        {"exit-after", required_argument, NULL, 'x'}, {"check", no_argument, NULL, 'k'},
        {"verbose", no_argument, NULL, 'v'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *path = NULL;
    long count = 0, exit_after = 0;
    int check = 0, verbose = 0, c;
    while ((c = getopt_long(argc, argv, "f:vh", opts, NULL)) != -1) {
        switch (c) {
        case 'f': path = optarg; break;
        case 'n':
            if ((count = parse_positive("--count", optarg, 100000000)) < 0)
                return 2;
            break;
        case 'x':
            if ((exit_after = parse_positive("--exit-after", optarg, 31536000)) < 0)
                return 2;
            break;
        case 'k': check = 1; break;
        case 'v': verbose = 1; break;
        case 'h': usage(stdout); return 0;
        default: fprintf(stderr, "(meter-mqtt --help tells more)\n"); return TOOL_EXIT_USAGE;
        }
    }
    if (!path || optind != argc) {
        fprintf(stderr, "usage: %s\n(meter-mqtt --help tells more)\n", help_find("meter-mqtt", NULL)->synopsis);
        return TOOL_EXIT_USAGE;
    }
    struct mq_config cfg;
    char err[600];
    memset(&cfg, 0, sizeof cfg);
    cfg.check_quantities = 1; /* a quantity the model lacks would fail at every poll */
    if (mq_config_load(&cfg, path, err, sizeof err) < 0) {
        fprintf(stderr, "meter-mqtt: %s\n", err);
        return TOOL_EXIT_CONFIG;
    }
    struct mq_queue queue;
    mq_queue_init(&queue, cfg.queue_max);
    atomic_int broker_up;
    atomic_init(&broker_up, 0);
    atomic_long failed_polls;
    atomic_init(&failed_polls, 0);
    struct mq_slot *slots = calloc(cfg.nmeters, sizeof *slots);
    struct mq_poll_env env = {&cfg, &queue, &stop_flag, &broker_up, slots, count, verbose, &failed_polls};
    struct mq_pollers *pollers = slots ? mq_pollers_new(&env, err, sizeof err) : NULL;
    if (!pollers) {
        fprintf(stderr, "meter-mqtt: %s: %s\n", path, slots ? err : "out of memory");
        free(slots);
        mq_queue_destroy(&queue);
        mq_config_free(&cfg);
        return slots ? TOOL_EXIT_CONFIG : TOOL_EXIT_FAILED;
    }
    if (check) {
        printf("%s: %zu meters on %zu buses\n", path, cfg.nmeters, mq_pollers_buses(pollers));
        mq_pollers_free(pollers);
        free(slots);
        mq_queue_destroy(&queue);
        mq_config_free(&cfg);
        return 0;
    }
    struct mq_publisher pub;
    if (mq_publisher_init(&pub, &cfg, &queue, slots, &broker_up, verbose) < 0) {
        fprintf(stderr, "meter-mqtt: cannot start libmosquitto\n");
        return TOOL_EXIT_FAILED;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    int rc = 0;
    if (mq_pollers_start(pollers) < 0) {
        fprintf(stderr, "meter-mqtt: cannot start the polling threads\n");
        stop_flag = 1;
        rc = 1;
    }
    fprintf(stderr, "meter-mqtt: %zu meters on %zu buses, publishing to %s:%d under %s/\n", cfg.nmeters,
            mq_pollers_buses(pollers), cfg.host, cfg.port, cfg.prefix);
    int64_t deadline = exit_after ? clk_mono_ms() + exit_after * 1000 : 0, polled_at = 0;
    /* with --count: once every snapshot is taken, the broker has this long to take them */
    const int64_t grace_ms = cfg.reconnect_max_ms > 10000 ? cfg.reconnect_max_ms : 10000;
    while (!stop_flag) {
        if (deadline && clk_mono_ms() >= deadline) {
            fprintf(stderr, "meter-mqtt: --exit-after %ld s reached\n", exit_after);
            break;
        }
        if (count && mq_pollers_done(pollers)) {
            if (mq_queue_len(&queue) == 0)
                break; /* every snapshot taken and acknowledged */
            if (!polled_at)
                polled_at = clk_mono_ms();
            if (clk_mono_ms() - polled_at >= grace_ms) {
                fprintf(stderr, "meter-mqtt: --count %ld: every snapshot taken, but the broker %s:%d did not "
                                "take them within %lld s\n", count, cfg.host, cfg.port, (long long)grace_ms / 1000);
                break;
            }
        }
        mq_publisher_step(&pub, 100);
    }
    stop_flag = 1; /* the bus threads stop at their next wait */
    mq_pollers_free(pollers);
    for (int i = 0; i < 20 && mq_queue_len(&queue) && atomic_load(&broker_up); i++)
        mq_publisher_step(&pub, 50); /* up to ~1 s to deliver what is still queued */
    size_t left = mq_queue_len(&queue);
    unsigned long dropped = mq_queue_dropped(&queue);
    fprintf(stderr, "meter-mqtt: stopped; %lu readings delivered, %lu dropped (queue full), %zu undelivered\n",
            pub.delivered, dropped, left);
    if (left || dropped)
        rc = TOOL_EXIT_UNDELIVERED;
    else if (!rc && count && atomic_load(&failed_polls))
        rc = TOOL_EXIT_FAILED; /* delivered, but some polls failed */
    mq_publisher_close(&pub);
    free(slots);
    mq_queue_destroy(&queue);
    mq_config_free(&cfg);
    return rc;
}
