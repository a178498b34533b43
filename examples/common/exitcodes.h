/* SPDX-License-Identifier: MIT */
/* The exit statuses of meter, meter-mqtt and power-optimizer: one table for
 * the three tools (also in README.md, the man pages and tools.def's text). */
#ifndef EXAMPLES_EXITCODES_H
#define EXAMPLES_EXITCODES_H

enum tool_exit {
    TOOL_EXIT_OK = 0,          /**< everything read, sent, delivered */
    TOOL_EXIT_FAILED = 1,      /**< a reading or the meter failed, also partly */
    TOOL_EXIT_USAGE = 2,       /**< bad usage: an option, an unknown model or quantity, a value out of
                                    range, a risky change without --yes */
    TOOL_EXIT_DECODE = 3,      /**< meter decode refused the input (not a frame/readout, or it stops) */
    TOOL_EXIT_UNDELIVERED = 4, /**< meter-mqtt: readings were left undelivered */
    TOOL_EXIT_CONFIG = 5       /**< meter-mqtt: the configuration is invalid (what --check reports) */
};

#endif
