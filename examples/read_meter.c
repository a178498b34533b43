/* SPDX-License-Identifier: MIT */
/* The README's example: read a few quantities from one meter and print them.
 * Usage: read_meter MODEL CONNECTION   e.g. read_meter klefr-6934 tcp:127.0.0.1:1502 */
#include <meter/meter.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s MODEL CONNECTION\n", argv[0]);
        return 2;
    }
    char err[256];
    meter_t *m;
    int rc = meter_open(&m, argv[1], argv[2], err, sizeof err);
    if (rc != METER_OK) {
        fprintf(stderr, "open: %s: %s\n", meter_errname(rc), err);
        return 1;
    }
    const meter_quantity_t want[] = {METER_Q_VOLTAGE_L1, METER_Q_CURRENT_L1,
                                     METER_Q_ACTIVE_POWER, METER_Q_ENERGY_ACTIVE_IMPORT};
    meter_reading_t r[4];
    rc = meter_read_list(m, want, 4, r);
    for (int i = 0; i < 4; i++) {
        const meter_quantity_info_t *qi = meter_quantity_info(r[i].quantity);
        if (r[i].status == METER_OK)
            printf("%-22s %12.3f %s\n", qi->name, r[i].value, meter_unit_symbol(r[i].unit));
        else
            printf("%-22s %s\n", qi->name, meter_strerror(r[i].status));
    }
    if (rc != METER_OK)
        fprintf(stderr, "read: %s\n", meter_last_error(m));
    meter_close(m);
    return rc == METER_OK ? 0 : 1;
}
