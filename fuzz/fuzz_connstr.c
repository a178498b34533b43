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
                               memchr(c.host, 0, sizeof c.host) == NULL ||
                               memchr(c.secondary, 0, sizeof c.secondary) == NULL ||
                               memchr(c.password, 0, sizeof c.password) == NULL))
            __builtin_trap();
        memset(&c, 0, sizeof c);
        c.scheme = (enum mtr_scheme)(1 + (size ? data[0] : 0) % 6);
        rc = mtr_conn_parse_options(s, &c, what[k], err, sizeof err);
        (void)rc;
    }
    return 0;
}
