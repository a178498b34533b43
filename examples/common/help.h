/* SPDX-License-Identifier: MIT */
/* The one source of the tools' help: `meter CMD --help`, `meter help CMD`,
 * `meter-mqtt --help`, `power-optimizer --help` print it, and gen-man turns
 * the same entries into the man pages meter(1), meter-mqtt(1) and
 * power-optimizer(1) at build time. */
#ifndef EXAMPLES_HELP_H
#define EXAMPLES_HELP_H

#include <stdio.h>

struct help_entry {
    const char *tool;     /**< "meter", "meter-mqtt", "power-optimizer" */
    const char *cmd;      /**< a meter subcommand; NULL for the tool itself */
    const char *synopsis; /**< one or more usage lines, without "usage: " */
    const char *text;     /**< what it does and its options (plain text, "  -x  what" lines) */
};

extern const struct help_entry help_entries[];
/** One line a tool: what it is (the man page's NAME). */
const char *help_summary(const char *tool);
/** The exit-status table shared by the three tools. */
extern const char help_exit_status[];

/** The entry of @p tool / @p cmd (cmd NULL: the tool's), or NULL. */
const struct help_entry *help_find(const char *tool, const char *cmd);
/** Print an entry as --help does. */
void help_print(FILE *f, const struct help_entry *e);

#endif
