/* SPDX-License-Identifier: MIT */
/* The power optimizer's decision: from the grid meter's phase currents and
 * the charger's own present current, the charging current allowed under the
 * main-fuse limit. Pure: no I/O, no clock, no libmeter calls. */
#ifndef OPT_DECIDE_H
#define OPT_DECIDE_H

#define OPT_PHASES 3

/** Why the allowed current is what it is. */
enum opt_reason {
    OPT_OFF,      /**< fuse limit "off": the optimizer is disabled, charge at max */
    OPT_FOLLOW,   /**< set to the room under the fuse (lowered at once, or raised past the hysteresis) */
    OPT_HOLD,     /**< kept: the change is within the hysteresis band */
    OPT_STOP,     /**< 0 A: even the charger's minimum would overload the fuse */
    OPT_WAIT,     /**< stopped; room for the minimum but not yet for minimum + hysteresis */
    OPT_STALE,    /**< the meter did not answer; kept for now (failsafe_after not reached) */
    OPT_FAILSAFE  /**< the meter stopped answering: the minimum, or 0 if stopped */
};

struct opt_params {
    double fuse_a;           /**< main-fuse limit (16 … 80 A); 0 = off */
    double min_a;            /**< the charger's minimum current (6 A by IEC 61851) */
    double max_a;            /**< the charger's maximum current */
    double hysteresis_a;     /**< raise or restart only when this much more is free */
    unsigned failsafe_after; /**< failed polls in a row before failing safe (1 = at once) */
    unsigned charger_mask;   /**< phases the charger draws on: bit k = phase L(k+1) */
};

/** What the decision remembers between polls. Start zeroed (not charging). */
struct opt_state {
    double allowed_a; /**< the last decision */
    unsigned missed;  /**< failed polls in a row */
};

struct opt_input {
    int meter_ok;                  /**< 0: the meter did not answer this poll */
    unsigned nphases;              /**< phases measured: 1 or 3 */
    double phase_a[OPT_PHASES];    /**< grid meter: current of each phase (charger included) */
    double charger_a[OPT_PHASES];  /**< the charger's present current on each phase */
};

struct opt_decision {
    double allowed_a;                /**< the charging current allowed: 0 or min_a … max_a */
    enum opt_reason reason;
    double household_a[OPT_PHASES];  /**< phase current minus the charger's (≥ 0); NaN with the fuse
                                          off and no reading (0 after a failed poll: not printed) */
    double headroom_a;               /**< fuse − the most loaded charger phase's household load;
                                          infinite with the fuse off, NaN after a failed poll */
    int worst_phase;                 /**< 0-based phase that limits, -1 if unknown */
};

/** Decide the allowed current for one poll and update @p st. */
struct opt_decision opt_decide(const struct opt_params *p, struct opt_state *st,
                               const struct opt_input *in);

/** "off", "16", "20", "25", "32", "40", "63", "80" (the DIP switch of the
 *  charger, table 2 of the installation guide) → amperes (0 for off).
 *  @return 0, or -1 for any other value. */
int opt_parse_fuse(const char *s, double *out);

/** The reason's name: "off", "follow", "hold", "stop", "wait", "stale", "failsafe". */
const char *opt_reason_name(enum opt_reason r);

#endif /* OPT_DECIDE_H */
