/* SPDX-License-Identifier: MIT */
/* Printing the power optimizer's decisions: one text line, or one JSON
 * object a line (--json). */
#ifndef OPT_REPORT_H
#define OPT_REPORT_H

#include <stdio.h>

#include "poll.h"

void opt_report(FILE *f, int json, const struct opt_poller *p, const struct opt_poll_result *r);

#endif /* OPT_REPORT_H */
