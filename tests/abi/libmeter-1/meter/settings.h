/* SPDX-License-Identifier: MIT */
/* Configuring meters: settings (address, baud rate, tariff, S0 rate …) and
 * actions (counter resets, energy clearing, the relay). Every value is checked
 * against the model's allowed values before a byte is sent, and read back
 * after the write where the meter allows it. */
#ifndef METER_SETTINGS_H
#define METER_SETTINGS_H

#include <stddef.h>
#include <stdint.h>

#include "meter/device.h"
#include "meter/error.h"
#include "meter/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/** X(ID, "name", "description"). Append-only. */
#define METER_SETTING_MAP(X)                                                            \
    X(ADDRESS, "address", "bus address: Modbus id or M-Bus primary address")            \
    X(BAUD_RATE, "baud", "baud rate of the meter's data port")                          \
    X(PARITY, "parity", "parity of the data port: E, N or O")                           \
    X(S0_RATE, "s0_rate", "S0 pulse output rate in imp/kWh")                            \
    X(CALCULATION_CODE, "calculation_code", "how import and export combine into total") \
    X(LCD_CYCLE_TIME, "lcd_cycle_time", "display cycle time in seconds")                \
    X(TARIFF, "tariff", "tariff in use (11, 12: T1, T2 not saved)")                     \
    X(PASSWORD, "password", "panel protection password")                                \
    X(RELAY, "relay", "relay: on (closed) or off (open)")                               \
    X(SECONDARY_ADDRESS, "secondary_address", "M-Bus secondary address (8 digits)")

/** Settings. @since 0.1 */
typedef enum meter_setting {
#define METER_SETTING_ENUM_(id, name, desc) METER_SETTING_##id,
    METER_SETTING_MAP(METER_SETTING_ENUM_)
#undef METER_SETTING_ENUM_
    METER_SETTING_COUNT_
} meter_setting_t;

/** X(ID, "name", "description"). Append-only. */
#define METER_ACTION_MAP(X)                                                             \
    X(RESET_DAY_COUNTER, "day-counter", "reset the resettable day counter")             \
    X(RESET_POWER_DOWN_COUNTER, "power-down-counter", "reset the power-down counter")   \
    X(CLEAR_ENERGY, "energy", "clear every energy register (data is lost)")

/** Actions. @since 0.1 */
typedef enum meter_action {
#define METER_ACTION_ENUM_(id, name, desc) METER_ACTION_##id,
    METER_ACTION_MAP(METER_ACTION_ENUM_)
#undef METER_ACTION_ENUM_
    METER_ACTION_COUNT_
} meter_action_t;

/** Consequences that a careful tool asks the user to confirm. @since 0.1 */
enum {
    METER_RISK_BUS = 1u << 0,  /**< the meter may drop off the bus (id, address, baud, parity) */
    METER_RISK_DATA = 1u << 1, /**< data is lost for good (energy clearing) */
    METER_RISK_LOAD = 1u << 2  /**< switches a load: off cuts a household's power, on re-energises
                                    a circuit someone may be working on (relay). @since 0.2 */
};

/** @brief Name ("baud") of a setting, or NULL. @since 0.1 */
METER_API const char *meter_setting_name(meter_setting_t s);
/** @brief Look a setting up by name. @return METER_OK or METER_EINVAL. @since 0.1 */
METER_API meter_status_t meter_setting_from_name(const char *name, meter_setting_t *out);
/** @brief Name ("day-counter") of an action, or NULL. @since 0.1 */
METER_API const char *meter_action_name(meter_action_t a);
/** @brief Look an action up by name. @return METER_OK or METER_EINVAL. @since 0.1 */
METER_API meter_status_t meter_action_from_name(const char *name, meter_action_t *out);

/**
 * @brief What the meter's model allows for a setting, as text (e.g. "1200, 2400, 4800, 9600").
 * @param risk receives METER_RISK_* flags (may be NULL)
 * @return METER_OK, METER_EUNSUPPORTED (the model has no such setting), METER_EBUFSIZE.
 * @since 0.1
 */
METER_API meter_status_t meter_setting_allowed(const meter_t *m, meter_setting_t s, char *buf, size_t len,
                                    unsigned *risk);

/** @brief Risk flags of an action on this model; METER_EUNSUPPORTED if it has none. @since 0.1 */
METER_API meter_status_t meter_action_risk(const meter_t *m, meter_action_t a, unsigned *risk);

/**
 * @brief Does meter_write_setting() check this setting by reading it back?
 * @return 1: the value is read back and compared after the write (a mismatch is
 *         METER_EVERIFY); 0: the meter only acknowledges the write (its confirmation is all
 *         there is: say "sent, acknowledged (cannot be read back)"); METER_EUNSUPPORTED when
 *         the model has no such setting; METER_EINVAL.
 * @since 0.2
 */
METER_API int meter_setting_verified(const meter_t *m, meter_setting_t s);
/** @brief As meter_setting_verified(), for an action (a counter reset read back as 0). @since 0.2 */
METER_API int meter_action_verified(const meter_t *m, meter_action_t a);

/**
 * @brief Change a setting. @p value is text: a number ("9600", "0.1"), a parity
 * ("E", "none"), "on"/"off", or a secondary address. The value is checked before
 * anything is sent; after the write the setting is read back where the meter
 * allows it. After an address, baud or parity change the handle (and its bus)
 * talks to the meter at the new address or speed.
 * @return METER_OK; METER_EUNSUPPORTED (the model has no such setting);
 *         METER_ERANGE (not an allowed value: nothing was sent; the message lists
 *         the allowed values); METER_EEXCEPTION (the meter refused);
 *         METER_EVERIFY (the read-back differs); link errors.
 * @since 0.2 (0.1 called it meter_set)
 */
METER_API meter_status_t meter_write_setting(meter_t *m, meter_setting_t s, const char *value);

/** @brief Carry out an action (counter reset, energy clearing). Checked and verified as meter_write_setting(). @since 0.2 (was meter_do) */
METER_API meter_status_t meter_run_action(meter_t *m, meter_action_t a);

/**
 * @brief The exact bytes meter_write_setting() would send (one request frame, with its CRC or
 * checksum), without sending anything. For a dry run.
 * @return as meter_write_setting() before sending; METER_EBUFSIZE.
 * @since 0.2 (was meter_set_frame)
 */
METER_API meter_status_t meter_setting_frame(meter_t *m, meter_setting_t s, const char *value, uint8_t *buf,
                              size_t cap, size_t *len);

/** @brief The exact bytes meter_run_action() would send, without sending anything. @since 0.2 (was meter_do_frame) */
METER_API meter_status_t meter_action_frame(meter_t *m, meter_action_t a, uint8_t *buf, size_t cap, size_t *len);

#ifdef __cplusplus
}
#endif
#endif /* METER_SETTINGS_H */
