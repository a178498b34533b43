/* SPDX-License-Identifier: MIT */
/* libmeter-sim (pkg-config libmeter-sim, CMake libmeter::meter_sim), not part of
 * libmeter. A meter_sim_t is driven by one thread; meter_sim_stop() may be called
 * from any thread or a signal handler.
 * Simulated meters: serve one or more modelled meters on a pseudo-terminal
 * or a TCP socket, so programs and tests can be run without hardware. The
 * values are plausible and consistent (P = U·I·PF; energies grow). */
#ifndef METER_SIM_H
#define METER_SIM_H

#include <stddef.h>

#include "meter/export.h"
#include "meter/quantity.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A simulator: one link, any number of simulated meters on it. Opaque. @since 0.1 */
typedef struct meter_sim meter_sim_t;

/**
 * @brief Create a simulator listening on @p listen: "pty" (a new pseudo-terminal;
 * meter_sim_endpoint() names its slave side) or "tcp:HOST:PORT" (PORT 0 picks a
 * free port), or a protocol's own TCP scheme ("rtu-tcp:HOST:PORT": Modbus RTU frames
 * in a TCP stream). It is listening when this returns: no waiting needed before a
 * client connects. The protocol follows the models added (Modbus RTU on a pty, Modbus
 * TCP on a socket).
 * @return METER_OK, METER_ECONNSTR, METER_EIO, METER_ENOMEM.
 * @since 0.1
 */
METER_API int meter_sim_new(meter_sim_t **out, const char *listen, char *errbuf, size_t errlen);

/**
 * @brief Add a simulated meter of @p model at bus address @p address (Modbus 1–247,
 * M-Bus 0–250; -1: the model's default address).
 * @return METER_OK, METER_EMODEL, METER_ERANGE (address), METER_EBUSY (address taken),
 *         METER_EUNSUPPORTED (protocol differs from the meters already added).
 * @since 0.1
 */
METER_API int meter_sim_add(meter_sim_t *sim, const char *model, int address);

/** Simulator options (meter_sim_set()). @since 0.1 */
typedef enum meter_sim_option {
    METER_SIM_FROZEN = 1,      /**< 1: values never change (for exact tests); default 0 */
    METER_SIM_MAX_REGISTERS,   /**< refuse longer reads with exception 03 (0 = 125) */
    METER_SIM_STRICT_HOLES,    /**< 1: unmapped registers inside a block raise exception 02 */
    METER_SIM_MAX_REQUESTS,    /**< stop by itself after this many requests (0 = never) */
    METER_SIM_FAULTS,          /**< which faults to inject: METER_SIM_F_* bits (default 0) */
    METER_SIM_FAULT_RATE,      /**< how often, in requests per 1000 that get a fault (0-1000) */
    METER_SIM_SEED,            /**< seed of the fault generator, for repeatable runs */
    METER_SIM_DELAY_MS,        /**< how late a delayed reply comes (default 1000 ms) */
    METER_SIM_PACE_BAUD,       /**< each character at a real line's time (docs/timing.md): Modbus RTU at this baud 8E1; M-Bus, IEC: at the meter's own speeds (non-zero: on) */
    METER_SIM_TURNAROUND_US,   /**< with PACE_BAUD: the meter's reaction time (default 5000 us) */
    /* IEC 62056-21 meters (set after meter_sim_add(); see docs/iec62056.md). Numbers: */
    METER_SIM_IEC_ECHO,        /**< 1: echo every byte received, as a half-duplex head does */
    METER_SIM_IEC_NO_SWITCH,   /**< 1: ignore an option select that asks for another speed */
    METER_SIM_IEC_REACTION_MS, /**< reaction time; 0 (default): 20 ms or 200 ms by the identification */
    METER_SIM_IEC_ACK_WAIT_MS, /**< how long to wait for the option select before the readout at 300 Bd (default 1800) */
    METER_SIM_IEC_NAK_FIRST,   /**< answer the next N commands with NAK */
    METER_SIM_IEC_CORRUPT_FIRST, /**< send the next N answers with a wrong check character */
    METER_SIM_IEC_SUM7,        /**< 1: 7-bit sum check characters (Energomera) instead of XOR */
    METER_SIM_IEC_ANSWER_CRLF, /**< 1: R1 answers end each value with CR LF (Energomera) */
    /* Text (meter_sim_set_text()): */
    METER_SIM_IEC_IDENT,       /**< identification line, e.g. "/ISk5ME162-0033" */
    METER_SIM_IEC_DEVICE,      /**< device address: answer only "/?!" and "/?ADDRESS!" */
    METER_SIM_IEC_PASSWORD,    /**< the P1 password ("" accepts any) */
    METER_SIM_IEC_P0,          /**< the P0 operand, without parentheses (default empty) */
    METER_SIM_IEC_DATA,        /**< the readout's data sets, one or more a line: "1.8.0(0001234.567*kWh)" */
    METER_SIM_IEC_READOUT_FILE,/**< replay a captured readout: identification and data block from this file */
    METER_SIM_IEC_REGISTERS,   /**< the R1/W1 registers, as data set lines (default: the readout's) */
    METER_SIM_IEC_ERROR_TEXT   /**< the answer to a bad command, with parentheses (default "(ERROR)") */
} meter_sim_option_t;

/** Faults the simulator can inject into its replies (METER_SIM_FAULTS). @since 0.1 */
typedef enum meter_sim_fault {
    METER_SIM_F_DROP = 1 << 0,      /**< no reply */
    METER_SIM_F_CORRUPT = 1 << 1,   /**< one bit flipped */
    METER_SIM_F_TRUNCATE = 1 << 2,  /**< the reply cut short */
    METER_SIM_F_DELAY = 1 << 3,     /**< the reply comes METER_SIM_DELAY_MS late */
    METER_SIM_F_WRONG_ID = 1 << 4,  /**< the reply carries another slave id (valid CRC) */
    METER_SIM_F_GARBAGE = 1 << 5,   /**< line noise before the reply */
    METER_SIM_F_ECHO = 1 << 6,      /**< the request echoed before the reply (2-wire adapters) */
    METER_SIM_F_EXCEPTION = 1 << 7, /**< exception 04 (slave device failure) instead */
    METER_SIM_F_ALL_ = (1 << 8) - 1, /**< the eight above (what the soak tests mix) */
    METER_SIM_F_GLUED = 1 << 8,     /**< a second, different frame (another address) glued to the
                                         reply. @since 0.2 */
    METER_SIM_F_DRIP = 1 << 9,      /**< the reply one byte every METER_SIM_DELAY_MS / 8: a slow
                                         drip no per-byte timeout ends. @since 0.2 */
    METER_SIM_F_ENDLESS = 1 << 10,  /**< bytes without end instead of the reply (its first
                                         byte, then noise) until the client sends again or
                                         goes away: only a bound on the whole call ends a
                                         read (include/meter/device.h). @since 0.3 */
    METER_SIM_F_EVERY_ = (1 << 11) - 1 /**< every fault of this version (grows with new
                                            faults; an older value stays valid). @since 0.2 */
} meter_sim_fault_t;

/** @brief How many faults of one kind were injected so far. @since 0.1 */
METER_API unsigned long meter_sim_fault_count(const meter_sim_t *sim, meter_sim_fault_t fault);

/** @brief Set an option. @return METER_OK or METER_EINVAL. @since 0.1 */
METER_API int meter_sim_set(meter_sim_t *sim, meter_sim_option_t opt, long value);

/**
 * @brief Set a text option (METER_SIM_IEC_IDENT …), after meter_sim_add().
 * @return METER_OK, METER_EINVAL (not a text option of the meters added, bad text),
 *         METER_EIO (READOUT_FILE cannot be read), METER_EFRAME (no identification in it).
 * @since 0.1
 */
METER_API int meter_sim_set_text(meter_sim_t *sim, meter_sim_option_t opt, const char *value);

/** @brief The connection string a client uses to reach the simulator, e.g. "rtu:/dev/pts/4". @since 0.1 */
METER_API const char *meter_sim_endpoint(const meter_sim_t *sim);

/**
 * @brief Serve requests until meter_sim_stop() (or METER_SIM_MAX_REQUESTS).
 * @return METER_OK after a stop; METER_EIO on a fatal link error.
 * @since 0.1
 */
METER_API int meter_sim_run(meter_sim_t *sim);

/** @brief Ask meter_sim_run() to return. Safe from any thread and from a signal handler. @since 0.1 */
METER_API void meter_sim_stop(meter_sim_t *sim);

/**
 * @brief The simulated meter's true present value of a quantity, in the catalogue unit
 * (what a correct client must read). Text quantities give METER_EUNSUPPORTED.
 * @return METER_OK, METER_ENOTFOUND (no meter at @p address), METER_EQUANTITY.
 * @since 0.1
 */
METER_API int meter_sim_value(meter_sim_t *sim, int address, meter_quantity_t q, double *value);

/**
 * @brief Change a simulated meter's present value, e.g. a phase current to script a load.
 * Settable: a phase's voltage, current or power factor and the frequency (the powers
 * and totals are derived again from them; on a single-phase model "voltage" and
 * "current" mean phase L1), and stored values (a tariff's energy register, settings).
 * Values derived from others (powers, sums of phases or tariffs) cannot be set.
 * Safe to call from any thread while meter_sim_run() serves: a reply never mixes
 * values from before and after the change.
 * @return METER_OK, METER_EINVAL, METER_ENOTFOUND (no meter at @p address),
 *         METER_EQUANTITY (the model has no such quantity), METER_EUNSUPPORTED (a text
 *         or derived quantity), METER_ERANGE (not a finite number).
 * @since 0.2
 */
METER_API int meter_sim_set_value(meter_sim_t *sim, int address, meter_quantity_t q, double value);

/** @brief Requests served so far. @since 0.1 */
METER_API unsigned long meter_sim_requests(const meter_sim_t *sim);

/** @brief Free the simulator (NULL allowed). Call after meter_sim_run() returned. @since 0.1 */
METER_API void meter_sim_free(meter_sim_t *sim);

#ifdef __cplusplus
}
#endif
#endif /* METER_SIM_H */
