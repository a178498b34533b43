/* SPDX-License-Identifier: MIT */
/* libFuzzer target for connection strings (what users and config files give):
 * every option class, the options-only form, and a listen address. A parse
 * either succeeds with NUL-terminated fields or fails with a message. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char s[1024];
    if (size >= sizeof s)
        size = sizeof s - 1;
    memcpy(s, data, size);
    s[size] = '\0';
    static const unsigned what[] = {MTR_CONN_LISTEN, MTR_CONN_LINE, MTR_CONN_METER, MTR_CONN_ALL};
    for (size_t k = 0; k < sizeof what / sizeof what[0]; k++) {
        struct mtr_conn c;
        char err[256];
        err[0] = '\0';
        int rc = mtr_conn_parse(s, &c, what[k], err, sizeof err);
        if (rc != METER_OK && (!err[0] || rc > 0))
            __builtin_trap(); /* a failure always says why */
        if (rc == METER_OK && (memchr(c.path, 0, sizeof c.path) == NULL ||
                               memchr(c.host, 0, sizeof c.host) == NULL))
            __builtin_trap();
        for (size_t i = 0; rc == METER_OK && i < c.proto->nopts; i++) {
            const struct mtr_opt *o = &c.proto->opts[i];
            if (o->offset + o->size > sizeof c.popt.bytes ||
                (o->kind == MTR_OPT_TEXT && (c.pset & o->flag) &&
                 memchr(c.popt.bytes + o->offset, 0, o->size) == NULL))
                __builtin_trap(); /* a text option always ends inside its field */
        }
        /* the options-only form, on every scheme of every protocol */
        size_t np = 0;
        while (mtr_protocols[np])
            np++;
        memset(&c, 0, sizeof c);
        c.proto = mtr_protocols[(size ? data[0] : 0) % np];
        c.scheme = &c.proto->schemes[(size > 1 ? data[1] : 0) % c.proto->nschemes];
        rc = mtr_conn_parse_options(s, &c, what[k], err, sizeof err);
        if (rc != METER_OK && !err[0])
            __builtin_trap();
    }
    return 0;
}
