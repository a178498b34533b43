/* SPDX-License-Identifier: MIT */
/* An integrator's loop: several meters on one RS485 line share one bus (one
 * open port); each is read in turn, and a meter that does not answer is
 * reported without stopping the others.
 * Usage: shared_bus BUS MODEL:ID [MODEL:ID ...]
 *   e.g. shared_bus rtu:/dev/ttyUSB0 klefr-6924:1 klefr-6934:2 compere-kpm31:7 */
#include <meter/meter.h>
#include <stdio.h>
#include <string.h>

#define MAX_METERS 64

int main(int argc, char **argv)
{
    if (argc < 3 || argc - 2 > MAX_METERS) {
        fprintf(stderr, "usage: %s BUS MODEL:ID [MODEL:ID ...]\n", argv[0]);
        return 2;
    }
    char err[256];
    meter_bus_t *bus;
    int rc = meter_bus_open(&bus, argv[1], err, sizeof err);
    if (rc != METER_OK) {
        fprintf(stderr, "%s: %s\n", meter_errname(rc), err);
        return 1;
    }
    meter_t *meters[MAX_METERS];
    int n = 0, failed = 0;
    for (int i = 2; i < argc; i++) {
        char model[64], opts[32];
        const char *colon = strchr(argv[i], ':');
        if (!colon || colon == argv[i] || (size_t)(colon - argv[i]) >= sizeof model) {
            fprintf(stderr, "'%s' is not MODEL:ID\n", argv[i]);
            return 2;
        }
        snprintf(model, sizeof model, "%.*s", (int)(colon - argv[i]), argv[i]);
        snprintf(opts, sizeof opts, "id=%s", colon + 1);
        rc = meter_open_on_bus(&meters[n], bus, model, opts, err, sizeof err);
        if (rc != METER_OK) {
            fprintf(stderr, "%s: %s\n", argv[i], err);
            return 2;
        }
        n++;
    }
    meter_bus_close(bus); /* the meters hold the bus open */
    const meter_quantity_t want[] = {METER_Q_ACTIVE_POWER, METER_Q_ENERGY_ACTIVE_IMPORT};
    for (int i = 0; i < n; i++) {
        meter_reading_t r[2];
        rc = meter_read_list(meters[i], want, 2, r);
        if (rc == METER_OK)
            printf("%-14s %-14s %10.1f W %12.2f kWh\n", argv[i + 2], meter_model_name(meters[i]),
                   r[0].value, r[1].value);
        else
            printf("%-14s %s\n", argv[i + 2], meter_last_error(meters[i]));
        failed |= rc != METER_OK;
        meter_close(meters[i]);
    }
    return failed;
}
