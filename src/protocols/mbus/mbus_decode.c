/* SPDX-License-Identifier: MIT */
/* meter_mbus_decode(): one captured M-Bus reply frame into its header and
 * public records, through the pure codec; no bus, no allocation. */
#include <string.h>

#include "protocols/mbus/mbus_internal.h"
#include "meter/decode.h"

meter_status_t meter_mbus_decode(const uint8_t *frame, size_t len, meter_mbus_header_t *h,
                      meter_record_t *records, size_t cap, size_t *n, char *err, size_t errlen)
{
    if (!frame || !h || !n || (cap && !records))
        return mtr_err(err, errlen, METER_EINVAL, "NULL frame, header, records or count");
    memset(h, 0, sizeof *h);
    h->version = h->medium = h->access = h->status = -1;
    h->medium_name = "";
    *n = 0;
    mtr_mbus_frame_t f;
    size_t need = 0;
    int rc = mtr_mbus_frame_parse(frame, len, &f, &need, err, errlen);
    if (rc != METER_OK)
        return rc;
    if (f.size != len)
        return mtr_err(err, errlen, METER_EFRAME, "%zu bytes after the frame's stop byte",
                       len - f.size);
    h->c = f.kind == MTR_MBUS_FRAME_ACK ? -1 : f.c;
    h->a = f.kind == MTR_MBUS_FRAME_ACK ? -1 : f.a;
    h->ci = f.kind == MTR_MBUS_FRAME_LONG || f.kind == MTR_MBUS_FRAME_CONTROL ? f.ci : -1;
    if (f.kind == MTR_MBUS_FRAME_ACK || f.kind == MTR_MBUS_FRAME_SHORT)
        return METER_OK; /* no application layer */
    mtr_mbus_app_t app;
    rc = mtr_mbus_app_parse(&f, &app, err, errlen);
    if (rc != METER_OK)
        return rc;
    /* only the fields the frame carries (a fixed frame has no manufacturer or version) */
    h->has_id = app.has_id;
    if (app.fields & MTR_MBUS_HF_ID)
        mtr_mbus_id_text(app.id, h->id);
    if (app.fields & MTR_MBUS_HF_MAN) {
        mtr_mbus_man_string(app.man, h->manufacturer);
        h->manufacturer_code = app.man;
    }
    if (app.fields & MTR_MBUS_HF_VERSION)
        h->version = app.version;
    if (app.fields & MTR_MBUS_HF_MEDIUM) {
        h->medium = app.medium;
        h->medium_name = app.kind == MTR_MBUS_APP_FIXED
                             ? mtr_mbus_medium_name((uint8_t)mtr_mbus_catalogue_medium(&app))
                             : mtr_mbus_medium_name(app.medium);
    }
    if (app.fields & MTR_MBUS_HF_ACCESS)
        h->access = app.access;
    if (app.fields & MTR_MBUS_HF_STATUS)
        h->status = app.status;
    if (app.fields & MTR_MBUS_HF_SIGNATURE)
        h->signature = app.signature;
    if (app.kind != MTR_MBUS_APP_VARIABLE && app.kind != MTR_MBUS_APP_DATA_SEND &&
        app.kind != MTR_MBUS_APP_FIXED)
        return METER_OK;
    mtr_mbus_iter_t it;
    mtr_mbus_record_t r;
    mtr_mbus_iter_init_app(&it, &app, 0);
    int medium = mtr_mbus_catalogue_medium(&app);
    size_t k = 0;
    while ((rc = mtr_mbus_iter_next(&it, &r, NULL, 0)) > 0) {
        if (k < cap) {
            mtr_mbus_value_t v;
            int vrc;
            mtr_mbus_to_record_v(&r, &records[k], 0, &v, &vrc);
            meter_quantity_t q;
            if (mtr_mbus_catalogue_v(&r, &records[k], &v, vrc, medium, &q, NULL))
                records[k].quantity = q;
        }
        k++;
    }
    *n = k;
    h->more_follows = it.more_follows;
    if (rc < 0) /* the records before the stop are given; say where and why */
        return mtr_err(err, errlen, rc, "records stop at byte %zu of the data: %s; %zu record%s "
                       "before it", it.stop_offset, mtr_mbus_stop_name(it.stop_reason), k,
                       k == 1 ? "" : "s");
    if (k > cap)
        return mtr_err(err, errlen, METER_EBUFSIZE, "%zu records, room for %zu", k, cap);
    return METER_OK;
}
