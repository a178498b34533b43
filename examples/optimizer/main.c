/* SPDX-License-Identifier: MIT */
/* power-optimizer: the charger-side logic of the KLEFR 6924/6934 power
 * optimizer kit. Polls the grid meter, decides the charging current allowed
 * under the main fuse, prints each decision (text or JSON lines). */
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charger.h"
#include "clock.h"
#include "exitcodes.h"
#include "help.h"
#include "report.h"

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static void usage(FILE *f)
{
    help_print(f, help_find("power-optimizer", NULL));
}

static int parse_amps(const char *opt, const char *s, double lo, double hi, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (!*s || *end || !isfinite(v) || v < lo || v > hi) {
        fprintf(stderr, "power-optimizer: %s takes %g to %g A, not '%s'\n", opt, lo, hi, s);
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_count(const char *opt, const char *s, long lo, long hi, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < lo || v > hi) {
        fprintf(stderr, "power-optimizer: %s takes %ld to %ld, not '%s'\n", opt, lo, hi, s);
        return -1;
    }
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"model", required_argument, NULL, 'm'}, {"connection", required_argument, NULL, 'c'},
        {"fuse", required_argument, NULL, 'f'}, {"min", required_argument, NULL, 'n'},
        {"max", required_argument, NULL, 'x'}, {"hysteresis", required_argument, NULL, 'y'},
        {"interval", required_argument, NULL, 'i'}, {"failsafe-after", required_argument, NULL, 's'},
        {"charger-phases", required_argument, NULL, 'p'}, {"charger-meter", required_argument, NULL, 'M'},
        {"charger-connection", required_argument, NULL, 'C'}, {"json", no_argument, NULL, 'j'},
        {"count", required_argument, NULL, 'k'}, {"help", no_argument, NULL, 'h'},
        {"charger-current", required_argument, NULL, 'F'},
        {NULL, 0, NULL, 0}};
    const char *model = NULL, *conn = NULL, *fuse = NULL, *cmodel = NULL, *cconn = NULL;
    struct opt_params params = {0, 6, 32, 2, 1, 7};
    long interval_ms = 1000, count = 0, failsafe = 1, cphases = 0;
    double fixed = -1;
    int json = 0, c;
    while ((c = getopt_long(argc, argv, "m:c:h", opts, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case 'm': model = optarg; break;
        case 'c': conn = optarg; break;
        case 'f': fuse = optarg; break;
        case 'n': bad = parse_amps("--min", optarg, 1, 80, &params.min_a); break;
        case 'x': bad = parse_amps("--max", optarg, 1, 80, &params.max_a); break;
        case 'y': bad = parse_amps("--hysteresis", optarg, 0, 20, &params.hysteresis_a); break;
        case 'i':
            if (clk_parse_duration(optarg, 100, 3600000, &interval_ms) < 0) {
                fprintf(stderr, "power-optimizer: --interval takes 100ms to 1h (e.g. 1s, 500ms), not '%s'\n",
                        optarg);
                bad = -1;
            }
            break;
        case 's': bad = parse_count("--failsafe-after", optarg, 1, 1000, &failsafe); break;
        case 'p':
            bad = parse_count("--charger-phases", optarg, 1, 3, &cphases);
            if (!bad && cphases == 2) {
                fprintf(stderr, "power-optimizer: --charger-phases takes 1 or 3\n");
                bad = -1;
            }
            break;
        case 'M': cmodel = optarg; break;
        case 'C': cconn = optarg; break;
        case 'j': json = 1; break;
        case 'F': bad = parse_amps("--charger-current", optarg, 0, 80, &fixed); break;
        case 'k': bad = parse_count("--count", optarg, 1, 100000000, &count); break;
        case 'h': usage(stdout); return 0;
        default: fprintf(stderr, "(power-optimizer --help tells more)\n"); return 2;
        }
        if (bad)
            return 2;
    }
    if (!model || !conn || !fuse || optind != argc || (!cmodel != !cconn) || (cmodel && fixed >= 0)) {
        usage(stderr);
        return 2;
    }
    if (opt_parse_fuse(fuse, &params.fuse_a) < 0) {
        fprintf(stderr, "power-optimizer: --fuse takes the charger's DIP-switch values: "
                        "off, 16, 20, 25, 32, 40, 63, 80 (A), not '%s'\n", fuse);
        return 2;
    }
    if (params.min_a > params.max_a) {
        fprintf(stderr, "power-optimizer: --min %g is above --max %g\n", params.min_a, params.max_a);
        return 2;
    }
    params.failsafe_after = (unsigned)failsafe;
    params.charger_mask = cphases == 1 ? 1u : 7u;

    char err[256];
    meter_t *m;
    int rc = meter_open(&m, model, conn, err, sizeof err);
    if (rc != METER_OK) {
        fprintf(stderr, "power-optimizer: %s (%s)\n", err, meter_errname(rc));
        return rc == METER_EMODEL || rc == METER_ECONNSTR || rc == METER_EOPTION ? TOOL_EXIT_USAGE
                                                                                : TOOL_EXIT_FAILED;
    }
    struct cli_charger ch;
    if (cli_charger_open(&ch, cmodel, cconn, params.charger_mask) < 0) {
        meter_close(m);
        return 1;
    }
    ch.fixed_a = fixed;
    struct opt_charger ops = cli_charger_ops(&ch);
    struct opt_poller p;
    if (opt_poller_init(&p, m, &params, &ops) < 0) {
        fprintf(stderr, "power-optimizer: model %s has no phase currents\n", meter_model_name(m));
        cli_charger_close(&ch);
        meter_close(m);
        return 2;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    setvbuf(stdout, NULL, _IOLBF, 0);

    int64_t next = clk_mono_ms();
    long failed = 0;
    for (long i = 0; !stop_flag && (!count || i < count); i++) {
        struct opt_poll_result res;
        opt_poller_poll(&p, &res);
        failed += res.read_status != METER_OK;
        opt_report(stdout, json, &p, &res);
        if (count && i + 1 == count)
            break;
        next += interval_ms;
        clk_sleep_until(next, &stop_flag);
    }
    cli_charger_close(&ch);
    meter_close(m);
    return failed ? TOOL_EXIT_FAILED : TOOL_EXIT_OK; /* a reading failed, also partly */
}
