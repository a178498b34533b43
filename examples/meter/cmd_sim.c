/* SPDX-License-Identifier: MIT */
/* meter sim: serve simulated meters on a pseudo-terminal or a TCP socket.
 * The first line printed is the endpoint to connect to (for scripts); the
 * simulator stops on SIGINT/SIGTERM or after --exit-after seconds. */
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static meter_sim_t *running;

static void on_signal(int sig)
{
    (void)sig;
    meter_sim_stop(running);
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static int parse_faults(const char *list, long *out)
{
    static const struct {
        const char *name;
        long bit;
    } names[] = {{"drop", METER_SIM_F_DROP},         {"corrupt", METER_SIM_F_CORRUPT},
                 {"truncate", METER_SIM_F_TRUNCATE}, {"delay", METER_SIM_F_DELAY},
                 {"wrong-id", METER_SIM_F_WRONG_ID}, {"garbage", METER_SIM_F_GARBAGE},
                 {"echo", METER_SIM_F_ECHO},         {"exception", METER_SIM_F_EXCEPTION},
                 {"glued", METER_SIM_F_GLUED},       {"drip", METER_SIM_F_DRIP},
                 {"endless", METER_SIM_F_ENDLESS},
                 {"all", METER_SIM_F_ALL_}};
    char *buf = strdup(list);
    if (!buf) {
        fprintf(stderr, "meter sim: out of memory\n");
        return -1;
    }
    *out = 0;
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        size_t i = 0;
        while (i < sizeof names / sizeof names[0] && strcmp(names[i].name, tok))
            i++;
        if (i == sizeof names / sizeof names[0]) {
            fprintf(stderr, "meter sim: unknown fault '%s' (drop, corrupt, truncate, delay, wrong-id, "
                            "garbage, echo, exception, glued, drip, endless, all)\n", tok);
            free(buf);
            return -1;
        }
        *out |= names[i].bit;
    }
    free(buf);
    return 0;
}

struct group {
    const char *model;
    const char *ids; /* the --id argument as given (any length); NULL: the model's default */
};

int cmd_sim(int argc, char **argv)
{
    static const struct option opts[] = {
        {"model", required_argument, NULL, 'm'}, {"id", required_argument, NULL, 'i'},
        {"pty", no_argument, NULL, 'p'}, {"listen", required_argument, NULL, 'l'},
        {"frozen", no_argument, NULL, 'f'}, {"max-regs", required_argument, NULL, 'r'},
        {"strict-holes", no_argument, NULL, 's'}, {"exit-after", required_argument, NULL, 'x'},
        {"faults", required_argument, NULL, 'F'}, {"fault-rate", required_argument, NULL, 'R'},
        {"seed", required_argument, NULL, 'S'},   {"delay-ms", required_argument, NULL, 'D'},
        {"pace", required_argument, NULL, 'P'},   {"turnaround-us", required_argument, NULL, 'T'},
        {NULL, 0, NULL, 0}};
    long faults = 0, fault_rate = 0, seed = 1, delay_ms = 1000, pace = 0, turnaround = 5000;
    struct group groups[32];
    int ng = 0, c, frozen = 0, strict = 0;
    long max_regs = 0, exit_after = 0;
    const char *listen = NULL;
    struct option all[48];
    size_t nall = 0;
    while (opts[nall].name)
        all[nall] = opts[nall], nall++;
    nall += cli_sim_iec_options(all + nall, 47 - nall);
    all[nall] = (struct option){NULL, 0, NULL, 0};
    optind = 1;
    while ((c = getopt_long(argc, argv, "m:i:", all, NULL)) != -1) {
        switch (c) {
        case 'm':
            if (ng == 32) {
                fprintf(stderr, "meter sim: at most 32 --model groups\n");
                return 2;
            }
            groups[ng].model = optarg;
            groups[ng].ids = NULL; /* the model's default address */
            ng++;
            break;
        case 'i':
            if (!ng) {
                fprintf(stderr, "meter sim: --id must follow a --model\n");
                return 2;
            }
            groups[ng - 1].ids = optarg;
            break;
        case 'p': listen = "pty"; break;
        case 'l': listen = optarg; break;
        case 'f': frozen = 1; break;
        case 's': strict = 1; break;
        case 'r':
            if (parse_long(optarg, 1, 125, &max_regs) < 0) {
                fprintf(stderr, "meter sim: --max-regs takes 1 to 125, not '%s'\n", optarg);
                return 2;
            }
            break;
        case 'F':
            if (parse_faults(optarg, &faults) < 0)
                return 2;
            break;
        case 'R':
            if (parse_long(optarg, 0, 1000, &fault_rate) < 0) {
                fprintf(stderr, "meter sim: --fault-rate takes 0 to 1000 (per thousand replies)\n");
                return 2;
            }
            break;
        case 'S':
            if (parse_long(optarg, 0, 2147483647L, &seed) < 0) {
                fprintf(stderr, "meter sim: bad --seed '%s'\n", optarg);
                return 2;
            }
            break;
        case 'D':
            if (parse_long(optarg, 0, 60000, &delay_ms) < 0) {
                fprintf(stderr, "meter sim: --delay-ms takes 0 to 60000\n");
                return 2;
            }
            break;
        case 'P':
            if (parse_long(optarg, 300, 1000000, &pace) < 0) {
                fprintf(stderr, "meter sim: --pace takes a baud rate, 300 to 1000000\n");
                return 2;
            }
            break;
        case 'T':
            if (parse_long(optarg, 0, 10000000, &turnaround) < 0) {
                fprintf(stderr, "meter sim: --turnaround-us takes 0 to 10000000\n");
                return 2;
            }
            break;
        case 'x':
            if (parse_long(optarg, 1, 86400, &exit_after) < 0) {
                fprintf(stderr, "meter sim: --exit-after takes 1 to 86400 seconds, not '%s'\n", optarg);
                return 2;
            }
            break;
        default:
            if (cli_sim_iec_option(c, optarg) != 0)
                return 2;
        }
    }
    if (!ng || !listen || optind != argc) {
        fprintf(stderr, "usage: meter sim --model MODEL [--id N,...] (--pty | --listen tcp:HOST:PORT) "
                        "[--frozen] [--max-regs N] [--strict-holes] [--exit-after SECONDS]\n");
        return 2;
    }
    char err[256];
    meter_sim_t *sim;
    int rc = meter_sim_new(&sim, listen, err, sizeof err);
    if (rc != METER_OK) {
        fprintf(stderr, "meter sim: %s (%s)\n", err, meter_errname(rc));
        return 1;
    }
    for (int g = 0; g < ng; g++) {
        char *save = NULL, *ids = strdup(groups[g].ids ? groups[g].ids : "-1");
        if (!ids) {
            fprintf(stderr, "meter sim: out of memory\n");
            meter_sim_free(sim);
            return 1;
        }
        int bad = 0;
        for (char *tok = strtok_r(ids, ",", &save); tok && !bad; tok = strtok_r(NULL, ",", &save)) {
            long id;
            if (parse_long(tok, groups[g].ids ? 0 : -1, 250, &id) < 0) {
                fprintf(stderr, "meter sim: bad id '%s' (Modbus 1 to 247, M-Bus 0 to 250)\n", tok);
                bad = 2;
                break;
            }
            rc = meter_sim_add(sim, groups[g].model, (int)id);
            char at[32] = "at its default address";
            if (id >= 0)
                snprintf(at, sizeof at, "at id %ld", id);
            if (rc == METER_ERANGE) {
                fprintf(stderr, "meter sim: bad id '%s' for %s (Modbus 1 to 247, M-Bus 0 to 250)\n",
                        tok, groups[g].model);
                bad = 2;
            } else if (rc != METER_OK) {
                fprintf(stderr, "meter sim: cannot add %s %s: %s\n", groups[g].model, at, meter_strerror(rc));
                bad = rc == METER_EMODEL || rc == METER_EINVAL ? 2 : 1;
            } else {
                fprintf(stderr, "meter sim: %s %s\n", groups[g].model, at);
            }
        }
        free(ids);
        if (bad) {
            meter_sim_free(sim);
            return bad;
        }
    }
    meter_sim_set(sim, METER_SIM_FROZEN, frozen);
    meter_sim_set(sim, METER_SIM_STRICT_HOLES, strict);
    meter_sim_set(sim, METER_SIM_MAX_REGISTERS, max_regs);
    meter_sim_set(sim, METER_SIM_FAULTS, faults);
    meter_sim_set(sim, METER_SIM_FAULT_RATE, fault_rate);
    meter_sim_set(sim, METER_SIM_SEED, seed);
    meter_sim_set(sim, METER_SIM_DELAY_MS, delay_ms);
    meter_sim_set(sim, METER_SIM_PACE_BAUD, pace);
    meter_sim_set(sim, METER_SIM_TURNAROUND_US, turnaround);
    if (cli_sim_iec_apply(sim) != 0) {
        meter_sim_free(sim);
        return 2;
    }
    printf("%s\n", meter_sim_endpoint(sim));
    fflush(stdout);
    running = sim;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGALRM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    if (exit_after)
        alarm((unsigned)exit_after);
    rc = meter_sim_run(sim);
    fprintf(stderr, "meter sim: stopped after %lu requests\n", meter_sim_requests(sim));
    if (faults) {
        static const char *fn[] = {"drop",    "corrupt",   "truncate", "delay", "wrong-id",
                                   "garbage", "echo",      "exception", "glued", "drip",
                                   "endless"};
        for (int b = 0; b < (int)(sizeof fn / sizeof fn[0]); b++)
            fprintf(stderr, "meter sim: %-9s faults injected: %lu\n", fn[b],
                    meter_sim_fault_count(sim, (meter_sim_fault_t)(1 << b)));
    }
    meter_sim_free(sim);
    return rc == METER_OK ? 0 : 1;
}
