/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the meter-mqtt configuration file (examples/mqtt/config.c):
 * any text parses into a config or fails with a line-numbered message; a parsed
 * config has sane bounds. Nothing may crash or leak. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    struct mq_config cfg;
    char err[512];
    err[0] = '\0';
    int rc = mq_config_parse(&cfg, "fuzz.ini", text, err, sizeof err);
    if (rc != 0 && !err[0])
        __builtin_trap(); /* a refusal always says why */
    if (rc == 0) {
        if (cfg.port < 1 || cfg.port > 65535 || cfg.queue_max < 1)
            __builtin_trap();
        for (size_t i = 0; i < cfg.nmeters; i++)
            if (cfg.meters[i].interval_ms <= 0 || !memchr(cfg.meters[i].name, 0, MQ_NAME_MAX))
                __builtin_trap();
        mq_config_free(&cfg);
    }
    free(text);
    return 0;
}
