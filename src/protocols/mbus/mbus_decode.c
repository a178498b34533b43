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
    h->has_id = app.has_id;
    if (app.has_id) {
        mtr_mbus_id_text(app.id, h->id);
        mtr_mbus_man_string(app.man, h->manufacturer);
        h->manufacturer_code = app.man;
        h->version = app.version;
        h->medium = app.medium;
        h->medium_name = mtr_mbus_medium_name(app.medium);
    }
    if (app.kind == MTR_MBUS_APP_VARIABLE || app.kind == MTR_MBUS_APP_FIXED) {
        h->access = app.access;
        h->status = app.status;
        h->signature = app.signature;
    }
    if (app.kind != MTR_MBUS_APP_VARIABLE && app.kind != MTR_MBUS_APP_DATA_SEND)
        return METER_OK;
    mtr_mbus_iter_t it;
    mtr_mbus_record_t r;
    mtr_mbus_iter_init(&it, app.records, app.records_len, 0);
    size_t k = 0;
    while ((rc = mtr_mbus_iter_next(&it, &r, err, errlen)) > 0) {
        if (k < cap)
            mtr_mbus_to_record(&r, &records[k], 0);
        k++;
    }
    *n = k;
    h->more_follows = it.more_follows;
    if (rc < 0)
        return rc;
    if (k > cap)
        return mtr_err(err, errlen, METER_EBUFSIZE, "%zu records, room for %zu", k, cap);
    return METER_OK;
}
