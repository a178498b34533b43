/* SPDX-License-Identifier: MIT */
/* The meter handle: open a meter by model name and connection string, read
 * one quantity, a list, or everything the model has; timeouts, retries,
 * per-handle error detail and bus statistics. Models are listed here too. */
#ifndef METER_DEVICE_H
#define METER_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#include "meter/bus.h"
#include "meter/error.h"
#include "meter/export.h"
#include "meter/log.h"
#include "meter/quantity.h"

#ifdef __cplusplus
extern "C" {
#endif

/** An open meter. Opaque. @since 0.1 */
typedef struct meter meter_t;

/** Longest text value (serial number, direction …) including the NUL. */
#define METER_TEXT_MAX 40

/** One reading: a quantity's value in the catalogue's unit, or why not. @since 0.1 */
typedef struct meter_reading {
    meter_quantity_t quantity; /**< what was read */
    int status;                /**< METER_OK, or why this quantity has no value */
    meter_unit_t unit;         /**< the catalogue's unit (W, kWh, V …) */
    meter_kind_t kind;         /**< METER_KIND_NUMBER: see value; TEXT: see text */
    double value;              /**< the number (NUMBER kind); 0 otherwise */
    char text[METER_TEXT_MAX]; /**< the text (TEXT kind); "" otherwise */
    uint32_t reserved_[4];     /**< room for fields of later versions; zeroed by the library. @since 0.2 */
} meter_reading_t;

/** Traffic counters of a handle since it was opened. Size-tagged: set struct_size
 * (METER_STATS_INIT does) and the library writes only what fits. @since 0.1 */
typedef struct meter_stats {
    size_t struct_size;     /**< sizeof the caller's struct (METER_STATS_INIT). @since 0.2 */
    uint64_t transactions;  /**< request/response exchanges attempted (retries included) */
    uint64_t retries;       /**< exchanges repeated after a timeout or corrupt reply */
    uint64_t errors;        /**< exchanges that failed */
    uint64_t bytes_sent;    /**< bytes put on the wire (frame bytes, protocol headers included) */
    uint64_t bytes_received;/**< bytes taken off the wire */
    unsigned max_registers; /**< Modbus: the longest read this meter accepts (learned) */
} meter_stats_t;

/** A meter_stats_t ready for meter_get_stats(). @since 0.2 */
#define METER_STATS_INIT {sizeof(meter_stats_t), 0, 0, 0, 0, 0, 0}

/** A model the library knows. @since 0.1 */
typedef struct meter_model_info {
    const char *name;        /**< canonical name, e.g. "klefr-6934" */
    const char *aliases;     /**< comma separated aliases, e.g. "pro380-mod"; "" if none */
    const char *protocol;    /**< "modbus", "mbus" or "iec62056" */
    const char *description; /**< one line */
    const char *defaults;    /**< default line settings, e.g. "9600 8E1 id 1" */
    int generic;             /**< 1: reads any meter of its protocol (see meter_read_records()) */
} meter_model_info_t;

/** @brief Number of models the library knows. @since 0.1 */
METER_API size_t meter_model_count(void);
/** @brief The i-th model (0 ≤ i < meter_model_count()), or NULL. @since 0.1 */
METER_API const meter_model_info_t *meter_model_info(size_t i);
/** @brief A model by its name or one of its aliases, or NULL. @since 0.2 */
METER_API const meter_model_info_t *meter_model_find(const char *name_or_alias);
/**
 * @brief The quantities a model provides, without opening a meter: what
 * meter_quantities() gives for a handle of that model.
 * @param out room for @p cap quantities (NULL with cap 0: only count)
 * @return how many the model has (more than @p cap: the first cap written); 0 for an
 *         unknown model.
 * @since 0.2
 */
METER_API size_t meter_model_quantities(const char *name_or_alias, meter_quantity_t *out,
                                        size_t cap);

/**
 * @brief Open a meter.
 * @param out         receives the handle; set to NULL on failure
 * @param model       model name or alias (see meter_model_info())
 * @param connection  e.g. "rtu:/dev/ttyUSB0?baud=9600&parity=E&id=1" or
 *                    "tcp:192.168.1.10:502?id=3"; unset options take the
 *                    model's defaults. See docs/connection-strings.md.
 * @param errbuf      optional buffer for a message naming the problem (no
 *                    handle exists yet to hold it); may be NULL
 * @param errlen      size of @p errbuf
 * @return METER_OK; METER_EINVAL, METER_EMODEL, METER_ECONNSTR, METER_EOPTION,
 *         METER_EIO (the link could not be opened), METER_ENOMEM.
 * @since 0.1
 */
METER_API meter_status_t meter_open(meter_t **out, const char *model, const char *connection,
                         char *errbuf, size_t errlen);

/**
 * @brief Open a meter without opening its link: the model and connection string are
 * parsed and checked as meter_open() checks them (every option, its range, the
 * protocol's addressing), nothing is opened or sent. Good for dry runs
 * (meter_setting_frame()), quantity lists and configuration checks. Every exchange on
 * it returns METER_ESTATE.
 * @return as meter_open(), without the link's errors.
 * @since 0.2
 */
METER_API meter_status_t meter_open_offline(meter_t **out, const char *model, const char *connection,
                                            char *errbuf, size_t errlen);

/**
 * @brief Check a connection string without opening anything: its grammar, every
 * option and its range and, with a model, that the model speaks the scheme's
 * protocol and takes its options (as meter_open_offline()).
 * @param model a model name or alias, or NULL for the string alone
 * @return METER_OK, or what meter_open() would say (METER_ECONNSTR, METER_EOPTION,
 *         METER_EMODEL, METER_EUNSUPPORTED …) with the message in @p errbuf.
 * @since 0.2
 */
METER_API meter_status_t meter_connection_check(const char *model, const char *connection,
                                                char *errbuf, size_t errlen);

/**
 * @brief Open a meter on a bus that is already open (several meters, one port).
 * @param options  the per-meter part of a connection string, e.g. "id=3&timeout=800",
 *                 or NULL/"" for the model's defaults. Line options (baud …) belong to the bus.
 * @return as meter_open(); METER_EUNSUPPORTED if the model does not speak the bus's protocol.
 * @since 0.1
 */
METER_API meter_status_t meter_open_on_bus(meter_t **out, meter_bus_t *bus, const char *model,
                                const char *options, char *errbuf, size_t errlen);

/** @brief Close a meter (NULL is allowed). Its bus closes with its last user. @since 0.1 */
METER_API void meter_close(meter_t *m);

/**
 * @brief Read one quantity.
 * @return METER_OK, or the reason (also in out->status and meter_last_error()):
 *         METER_EQUANTITY (the model has no such quantity), METER_ETIMEDOUT,
 *         METER_ECHECKSUM, METER_EEXCEPTION, METER_EIO, METER_EVALUE …
 * @since 0.1
 */
METER_API meter_status_t meter_read(meter_t *m, meter_quantity_t q, meter_reading_t *out);

/**
 * @brief Read several quantities in as few bus transactions as the meter allows.
 * Each out[i] gets its own status. Unknown quantities fail alone.
 * @return METER_OK if every reading succeeded, else the first failure's code.
 * @since 0.1
 */
METER_API meter_status_t meter_read_list(meter_t *m, const meter_quantity_t *qs, size_t n,
                              meter_reading_t *out);

/**
 * @brief Read everything the model provides (a snapshot).
 * @param out  room for @p cap readings; meter_quantities(m, NULL, 0) readings are always
 *             enough, on every protocol
 * @param n    receives the number of readings written (never more than @p cap)
 * @return as meter_read_list(); METER_EBUFSIZE when the snapshot has more readings than
 *         @p cap. Where the number is known before reading (register maps: Modbus) nothing
 *         is sent then and *n is 0; where it depends on what the meter sends (M-Bus,
 *         IEC 62056-21: one exchange gives everything) the exchange takes place and the
 *         first @p cap readings are written (*n = @p cap).
 * @since 0.1 (this contract since 0.2; tests/integration/test_snapshot_contract.c)
 */
METER_API meter_status_t meter_snapshot(meter_t *m, meter_reading_t *out, size_t cap, size_t *n);

/**
 * @brief The quantities this meter's model provides, in catalogue order.
 * @return how many there are (even if more than @p cap; only @p cap are written).
 * @since 0.1
 */
METER_API size_t meter_quantities(const meter_t *m, meter_quantity_t *out, size_t cap);

/** @brief The canonical model name of an open meter. @since 0.1 */
METER_API const char *meter_model_name(const meter_t *m);

/** @brief The detailed message of the last failure on this handle ("" if none). @since 0.1 */
METER_API const char *meter_last_error(const meter_t *m);

/*
 * How long a call can take (bus-lock waiting behind other meters excluded), whatever the
 * peer sends. c: ms per character at the line's speed.
 *
 * Modbus (docs/decisions.md, "Modbus replies: checked by libmeter"): each attempt of one
 *   request, and each getting back in step after a failed exchange, has timeout + W, W the
 *   wire time of the request's own reply (5 + 2·registers bytes for a register read on RTU,
 *   at most 256)·c, 0 over TCP; arriving bytes do not restart the timeout. One request takes
 *   at most (1 + retries)·2·(timeout + W), whatever the meter or gateway sends (slow drips,
 *   endless bytes, replies of other units); a read makes one request per group of registers
 *   (meter_stats_t.transactions).
 * M-Bus (docs/mbus.md, "Bounds"): one exchange with a request of n bytes takes at most
 *   T(n) = 1000 + timeout + gap + (3·n + 325)·c   (c for 11 bits, TCP counted at 2400 Bd;
 *   gap = max(100, 40 bit times), 300 over TCP); it reads at most n + 261 + 64 bytes
 *   (METER_ELIMIT past that). A read takes at most
 *   (1 + retries)·(T(17) [secondary] + T(5) [SND_NKE] + telegrams·T(5)).
 * IEC 62056-21 (docs/iec62056.md, "Bounds"): no fixed total; one attempt takes at most
 *   A = 8000 + delay + 2·timeout + 256·c300 + (max_readout + 256)·c   (c for 10 bits at the
 *   readout's speed, TCP at 300 Bd; c300 = 33.3), a readout at most max_readout= bytes
 *   (default 65536; METER_ELIMIT past it); a call at most
 *   (1 + retries + s)·A + (retries + s)·1500 + w   (s = 1 after a failed speed switch on a
 *   serial link, w = 3700 with wakeup=1).
 * Push meters (SML: docs/sml.md; DSMR P1 and pushed IEC text: docs/iec62056.md, "Pushed
 *   text"): no request, one listening wait of 2·interval + F·c, F the largest telegram taken
 *   (4096 bytes SML, 8192 text; longer ones are refused and the wait goes on), c for 10 bits,
 *   TCP counted at 9600 Bd; timeout= replaces the whole. A telegram that fails a check
 *   (CRC, parity over TCP) gives no value.
 */

/**
 * @brief Response timeout in milliseconds (1–60000; default 500 for Modbus RTU, 1000 for
 * Modbus TCP and RTU over TCP).
 * How long a Modbus request can take follows from it: see above.
 * @return METER_OK or METER_ERANGE.
 * @since 0.1
 */
METER_API meter_status_t meter_set_timeout(meter_t *m, unsigned ms);

/** @brief Retries after a timeout or corrupt reply (0–10; default 1). @since 0.1 */
METER_API meter_status_t meter_set_retries(meter_t *m, unsigned retries);

/**
 * @brief Traffic counters of this handle. @p out->struct_size says how big the
 * caller's struct is (a caller built against an older header has a smaller one):
 * the library writes the fields that fit and leaves struct_size as it was.
 * @return METER_OK; METER_EINVAL (NULL, or struct_size smaller than the 0.2 struct's first
 *         field set: transactions … max_registers).
 * @since 0.1 (size-tagged and returning a status since 0.2)
 */
METER_API meter_status_t meter_get_stats(const meter_t *m, meter_stats_t *out);

/**
 * @brief Make the call in progress on @p m return METER_ECANCELED promptly — waiting for
 * a reply, for the bus behind other meters, or between telegrams — so a service can
 * stop while a slow readout is under way. Safe from any thread and from a signal
 * handler. A call that starts after meter_cancel() returned is not affected (each call
 * forgets an earlier cancellation when it starts). A write already on the wire is not
 * undone: after METER_ECANCELED from a setting, read it back before trusting it.
 * @since 0.2
 */
METER_API void meter_cancel(meter_t *m);

/** @brief A log callback for this handle (NULL: silent, the default). @since 0.1 */
METER_API void meter_set_log(meter_t *m, meter_log_fn fn, void *userdata);

/** @brief A slot for the caller's own pointer; the library never touches it. @since 0.1 */
METER_API void meter_set_userdata(meter_t *m, void *data);
/** @brief The pointer given to meter_set_userdata() (NULL by default). @since 0.1 */
METER_API void *meter_userdata(const meter_t *m);

#ifdef __cplusplus
}
#endif
#endif /* METER_DEVICE_H */
