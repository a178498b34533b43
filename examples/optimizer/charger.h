/* SPDX-License-Identifier: MIT */
/* The charger as power-optimizer sees it on the command line: its present
 * current is taken to be the allowed current (the car follows the pilot
 * signal), read from the charger's own meter, or a fixed value. */
#ifndef OPT_CHARGER_H
#define OPT_CHARGER_H

#include "poll.h"

struct cli_charger {
    double setpoint_a;       /**< the last allowed current */
    double fixed_a;          /**< ≥ 0: the charger's current is this, whatever is allowed */
    unsigned mask;           /**< phases it draws on */
    meter_t *meter;          /**< its own meter, or NULL: assume it draws the setpoint */
    meter_quantity_t q[OPT_PHASES];
    unsigned nq;
};

/** Open the charger's meter (model and connection), or leave it NULL when @p model is NULL.
 *  @return 0, or -1 with a message on stderr. */
int cli_charger_open(struct cli_charger *c, const char *model, const char *conn, unsigned mask);
void cli_charger_close(struct cli_charger *c);
/** The callbacks for opt_poller_init(). */
struct opt_charger cli_charger_ops(struct cli_charger *c);

#endif /* OPT_CHARGER_H */
