/* SPDX-License-Identifier: MIT */
/* One poll of the power optimizer: read the grid meter's phase currents,
 * ask the charger what it draws, decide, tell the charger. The charger is
 * two callbacks, so a test harness (or a real wallbox driver) plugs in. */
#ifndef OPT_POLL_H
#define OPT_POLL_H

#include "decide.h"
#include "meter/meter.h"

struct opt_charger {
    /** the charger's present current per phase (what it draws now) */
    void (*present)(void *ud, double out_a[OPT_PHASES]);
    /** the new allowed current (0: stop charging) */
    void (*apply)(void *ud, double allowed_a);
    void *ud;
};

struct opt_poller {
    meter_t *meter;
    unsigned nphases;                 /**< 1 or 3, found from the model's quantities */
    meter_quantity_t q[OPT_PHASES];   /**< the phase-current quantities read */
    struct opt_params params;
    struct opt_state state;
    struct opt_charger charger;
};

/** What one poll saw and decided (for printing). */
struct opt_poll_result {
    int read_status;                 /**< METER_OK or the read's error */
    char error[200];                 /**< the meter's message when read_status != METER_OK */
    double phase_a[OPT_PHASES];      /**< as read (valid when read_status == METER_OK) */
    double charger_a[OPT_PHASES];    /**< the charger's current before the decision */
    struct opt_decision d;
};

/** Set up a poller on an open meter: find its phase currents (current_l1..l3,
 *  else current_l1, else current). @return 0, or -1 if the model has none. */
int opt_poller_init(struct opt_poller *p, meter_t *m, const struct opt_params *params,
                    const struct opt_charger *charger);

/** Poll once: read, decide, apply. */
void opt_poller_poll(struct opt_poller *p, struct opt_poll_result *out);

#endif /* OPT_POLL_H */
