/* SPDX-License-Identifier: MIT */
/* The public settings API: setting and action names, and the calls that hand
 * a checked request to the meter's protocol (which validates the value against
 * the model's write table, builds, sends and verifies). */
#include <string.h>

#include "core/internal.h"

static const char *const setting_names[] = {
#define MTR_S_NAME_(id, name, desc) name,
    METER_SETTING_MAP(MTR_S_NAME_)
#undef MTR_S_NAME_
};

static const char *const action_names[] = {
#define MTR_A_NAME_(id, name, desc) name,
    METER_ACTION_MAP(MTR_A_NAME_)
#undef MTR_A_NAME_
};

const char *meter_setting_name(meter_setting_t s)
{
    return (unsigned)s < METER_SETTING_COUNT_ ? setting_names[s] : NULL;
}

const char *meter_action_name(meter_action_t a)
{
    return (unsigned)a < METER_ACTION_COUNT_ ? action_names[a] : NULL;
}

meter_status_t meter_setting_from_name(const char *name, meter_setting_t *out)
{
    for (unsigned i = 0; name && out && i < METER_SETTING_COUNT_; i++)
        if (strcmp(setting_names[i], name) == 0) {
            *out = (meter_setting_t)i;
            return METER_OK;
        }
    return METER_EINVAL;
}

meter_status_t meter_action_from_name(const char *name, meter_action_t *out)
{
    for (unsigned i = 0; name && out && i < METER_ACTION_COUNT_; i++)
        if (strcmp(action_names[i], name) == 0) {
            *out = (meter_action_t)i;
            return METER_OK;
        }
    return METER_EINVAL;
}

static int check(const meter_t *m, const struct mtr_cfg *c)
{
    if (!m)
        return METER_EINVAL;
    if (c->kind == MTR_CFG_SETTING && ((unsigned)c->id >= METER_SETTING_COUNT_ || !c->value))
        return METER_EINVAL;
    if (c->kind == MTR_CFG_ACTION && (unsigned)c->id >= METER_ACTION_COUNT_)
        return METER_EINVAL;
    if (!m->bus->ops->cfg_apply)
        return METER_EUNSUPPORTED;
    return METER_OK;
}

meter_status_t meter_setting_allowed(const meter_t *m, meter_setting_t s, char *buf, size_t len, unsigned *risk)
{
    struct mtr_cfg c = {MTR_CFG_SETTING, (int)s, ""};
    int rc = check(m, &c);
    if (rc != METER_OK)
        return rc;
    return m->bus->ops->cfg_allowed(m, &c, buf, len, risk);
}

meter_status_t meter_action_risk(const meter_t *m, meter_action_t a, unsigned *risk)
{
    struct mtr_cfg c = {MTR_CFG_ACTION, (int)a, NULL};
    int rc = check(m, &c);
    if (rc != METER_OK)
        return rc;
    return m->bus->ops->cfg_allowed(m, &c, NULL, 0, risk);
}

int meter_setting_verified(const meter_t *m, meter_setting_t s)
{
    struct mtr_cfg c = {MTR_CFG_SETTING, (int)s, ""};
    int rc = check(m, &c);
    if (rc != METER_OK)
        return rc;
    return m->bus->ops->cfg_verified ? m->bus->ops->cfg_verified(m, &c) : 0;
}

int meter_action_verified(const meter_t *m, meter_action_t a)
{
    struct mtr_cfg c = {MTR_CFG_ACTION, (int)a, NULL};
    int rc = check(m, &c);
    if (rc != METER_OK)
        return rc;
    return m->bus->ops->cfg_verified ? m->bus->ops->cfg_verified(m, &c) : 0;
}

static int apply(meter_t *m, const struct mtr_cfg *c, uint8_t *buf, size_t cap, size_t *len)
{
    int rc = check(m, c);
    if (rc != METER_OK)
        return m ? mtr_set_err(m, rc, "%s", rc == METER_EUNSUPPORTED
                                                ? "this protocol has no settings"
                                                : "invalid setting, action or value")
                 : rc;
    if (buf && (!len || !cap))
        return mtr_set_err(m, METER_EINVAL, "no room for the frame");
    mtr_call_start(m);
    if (!buf && (rc = mtr_online(m)) != METER_OK)
        return rc;
    return m->bus->ops->cfg_apply(m, c, buf, cap, len);
}

meter_status_t meter_write_setting(meter_t *m, meter_setting_t s, const char *value)
{
    struct mtr_cfg c = {MTR_CFG_SETTING, (int)s, value};
    return apply(m, &c, NULL, 0, NULL);
}

meter_status_t meter_run_action(meter_t *m, meter_action_t a)
{
    struct mtr_cfg c = {MTR_CFG_ACTION, (int)a, NULL};
    return apply(m, &c, NULL, 0, NULL);
}

meter_status_t meter_setting_frame(meter_t *m, meter_setting_t s, const char *value, uint8_t *buf, size_t cap,
                    size_t *len)
{
    struct mtr_cfg c = {MTR_CFG_SETTING, (int)s, value};
    return apply(m, &c, buf, cap, len);
}

meter_status_t meter_action_frame(meter_t *m, meter_action_t a, uint8_t *buf, size_t cap, size_t *len)
{
    struct mtr_cfg c = {MTR_CFG_ACTION, (int)a, NULL};
    return apply(m, &c, buf, cap, len);
}
