/* SPDX-License-Identifier: MIT */
/* Shared declarations of the meter command's subcommands and output helpers. */
#ifndef METER_CLI_H
#define METER_CLI_H

#include <stdio.h>

#include "meter/meter.h"
#include "meter/sim.h" /* libmeter-sim */
#include "exitcodes.h"
#include "jsonout.h"

enum cli_format { CLI_TABLE, CLI_JSON, CLI_CSV };

int cmd_models(int argc, char **argv);
int cmd_quantities(int argc, char **argv);
int cmd_read(int argc, char **argv);
int cmd_sim(int argc, char **argv);
int cmd_set(int argc, char **argv);
int cmd_reset(int argc, char **argv);
int cmd_relay(int argc, char **argv);
int cmd_scan(int argc, char **argv);
int cmd_decode(int argc, char **argv);
int cmd_decode_iec(int argc, char **argv);
int cmd_decode_sml(int argc, char **argv);
int cmd_monitor(int argc, char **argv);

struct option;
/** meter sim's IEC flags: fill @p out (returns how many), take one, apply them. */
size_t cli_sim_iec_options(struct option *out, size_t cap);
int cli_sim_iec_option(int c, const char *arg);
int cli_sim_iec_apply(meter_sim_t *sim);

/** Print readings in the chosen format. */
void cli_print_readings(FILE *f, enum cli_format fmt, const char *model, const char *conn,
                        const meter_reading_t *r, size_t n);
/** Print records in the chosen format. */
void cli_print_records(FILE *f, enum cli_format fmt, const char *model, const char *conn,
                       const meter_record_t *r, size_t n);
/** The encoding of a model's texts: UTF-8 for every model (the library transcodes M-Bus text). */
enum jo_text cli_text_encoding(const char *model);
/** Why a reading has no number (its status name, "NaN", "Infinity"), or NULL. */
const char *cli_reading_problem(const meter_reading_t *r);
/** Add "value", "unit" and, when there is no value, "error" for one reading. */
void cli_reading_json(cJSON *obj, const meter_reading_t *r, enum jo_text enc);
/** Add "value" (and "error" when it is not finite), "unit", and the record's flags
 *  (invalid, summer_time, utc, error_state: true when set; raw: "0x…") for one record. */
void cli_record_json(cJSON *obj, const meter_record_t *r, enum jo_text enc);
/** The exit status for a failed meter_open()/meter_bus_open(): usage (2) for an
 *  unknown model or a bad connection string, else 1. */
int cli_open_exit(int rc);
/** Format a number the way every output does (shortest exact decimal). */
void cli_number(char *buf, size_t len, double v);

#endif /* METER_CLI_H */
