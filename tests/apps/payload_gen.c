/* SPDX-License-Identifier: MIT */
/* Property-test driver of meter-mqtt's payloads (examples/mqtt/payload.c): N state
 * messages of random readings (texts of arbitrary bytes, numbers of arbitrary bit
 * patterns, failed readings), error messages and model names, and N discovery
 * configs under random topic prefixes. Each line: what went in, as hex fields, a
 * TAB, then the payload. tests/scripts/test_outputs_strict.sh checks every payload
 * with a strict parser against what went in. Usage: payload_gen state|discovery N SEED */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "payload.h"

static uint64_t state;

static uint64_t next(void) /* xorshift64* */
{
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 2685821657736338717ULL;
}

/* a text of arbitrary bytes (no NUL), often awkward ones; its hex into hex */
static void random_text(char *buf, size_t cap, char *hex)
{
    size_t n = next() % cap;
    for (size_t i = 0; i < n; i++) {
        unsigned b = (unsigned)(next() % 255) + 1;
        if (next() % 3 == 0)
            b = (unsigned char)"\",\r\n\\\t;\x7f\x1b\x80\x9b\xc3\xe9{}/"[next() % 16];
        buf[i] = (char)b;
        sprintf(hex + 2 * i, "%02x", b);
    }
    buf[n] = '\0';
    hex[2 * n] = '\0';
    if (!n)
        strcpy(hex, "-");
}

static double random_number(void)
{
    double v;
    uint64_t bits = next();
    if (next() % 2) {
        memcpy(&v, &bits, sizeof v); /* NaN, infinities, subnormals, huge */
    } else {
        v = (double)(int64_t)(bits % 2000000001) - 1000000000;
        v /= (double)(1u << (next() % 11)) * (next() % 2 ? 1 : 10);
    }
    return v;
}

static int states(long n)
{
    const meter_quantity_t q[2] = {METER_Q_SERIAL_NUMBER, METER_Q_VOLTAGE_L1};
    for (long i = 0; i < n; i++) {
        meter_reading_t r[2];
        memset(r, 0, sizeof r);
        char text[METER_TEXT_MAX], msg[120], model[24];
        char htext[2 * sizeof text + 2], hmsg[2 * sizeof msg + 2], hmodel[2 * sizeof model + 2];
        random_text(text, sizeof text, htext);
        random_text(msg, sizeof msg, hmsg);
        random_text(model, sizeof model, hmodel);
        r[0].quantity = q[0];
        r[0].kind = METER_KIND_TEXT;
        r[0].status = next() % 5 ? METER_OK : METER_EVALUE;
        memcpy(r[0].text, text, sizeof text);
        r[1].quantity = q[1];
        r[1].kind = METER_KIND_NUMBER;
        r[1].status = next() % 5 ? METER_OK : METER_ETIMEDOUT;
        r[1].value = random_number();
        uint64_t bits;
        memcpy(&bits, &r[1].value, sizeof bits);
        struct mq_state_info si = {"m1", model, (unsigned long)i + 1, "2026-01-01T00:00:00.000Z", 0,
                                   next() % 3 ? METER_OK : METER_EIO, msg};
        char *json = mq_state_json(&si, r, 2);
        if (!json)
            return 1;
        printf("%s %d %s %d %016" PRIx64 " %s %s\t%s\n", htext, r[0].status, "-", r[1].status, bits,
               hmsg, hmodel, json);
        free(json);
    }
    return 0;
}

static int discoveries(long n)
{
    for (long i = 0; i < n; i++) {
        char prefix[32], client[32], model[24], hp[66], hc[66], hm[50];
        random_text(prefix, sizeof prefix, hp);
        random_text(client, sizeof client, hc);
        random_text(model, sizeof model, hm);
        struct mq_discovery_info di = {client, prefix, "m1", model, "x/status"};
        char *topic = NULL;
        char *json = mq_discovery_json(&di, "homeassistant", next() % 2 ? METER_Q_SERIAL_NUMBER : METER_Q_VOLTAGE_L1,
                                       &topic);
        if (!json)
            return 1;
        printf("%s %s %s\t%s\n", hp, hc, hm, json);
        free(json);
        free(topic);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 4 || (strcmp(argv[1], "state") && strcmp(argv[1], "discovery"))) {
        fprintf(stderr, "usage: payload_gen state|discovery N SEED\n");
        return 2;
    }
    long n = strtol(argv[2], NULL, 10);
    state = strtoull(argv[3], NULL, 10) | 1;
    return !strcmp(argv[1], "state") ? states(n) : discoveries(n);
}
