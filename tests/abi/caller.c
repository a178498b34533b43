/* SPDX-License-Identifier: MIT */
/* A program built against the LIBMETER_1 headers (tests/abi/libmeter-1), run
 * against the current library: the calls, structs and enums of that release
 * must keep working. Also a caller whose meter_stats_t is smaller than the
 * library's (an older layout): the library must write only what fits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <meter/meter.h>
#include <meter/sim.h>

#define CHECK(c)                                                                 \
    do {                                                                         \
        if (!(c)) {                                                              \
            fprintf(stderr, "abi: %s:%d: %s\n", __FILE__, __LINE__, #c);         \
            exit(1);                                                             \
        }                                                                        \
    } while (0)

int main(int argc, char **argv)
{
    CHECK(argc == 2); /* the simulator's endpoint */
    char err[256];
    meter_t *m;
    CHECK(meter_open(&m, "klefr-6934", argv[1], err, sizeof err) == METER_OK);
    const meter_quantity_t want[] = {METER_Q_VOLTAGE_L1, METER_Q_ENERGY_ACTIVE_IMPORT};
    meter_reading_t r[2];
    CHECK(meter_read_list(m, want, 2, r) == METER_OK);
    CHECK(r[0].quantity == METER_Q_VOLTAGE_L1 && r[0].status == METER_OK);
    CHECK(r[0].value > 200 && r[0].value < 260 && r[0].unit == METER_UNIT_VOLT);
    CHECK(r[1].quantity == METER_Q_ENERGY_ACTIVE_IMPORT && r[1].unit == METER_UNIT_KWH);

    size_t need = meter_quantities(m, NULL, 0), n = 0;
    meter_reading_t *all = calloc(need, sizeof *all);
    CHECK(meter_snapshot(m, all, need, &n) == METER_OK && n == need);
    free(all);
    meter_record_t rec[128];
    CHECK(meter_read_records(m, rec, 128, &n) == METER_OK && n > 0 && n <= 128);
    CHECK(rec[0].quantity != METER_Q_NONE);

    /* this release's stats */
    meter_stats_t st = METER_STATS_INIT;
    CHECK(meter_get_stats(m, &st) == METER_OK && st.transactions > 0);
    CHECK(st.struct_size == sizeof st);

    /* an older, smaller layout: the library writes its fields and nothing past them */
    struct {
        meter_stats_t s; /* as far as max_registers */
        unsigned char guard[64];
    } small;
    memset(&small, 0xA5, sizeof small);
    small.s.struct_size = offsetof(meter_stats_t, max_registers) + sizeof small.s.max_registers;
    CHECK(meter_get_stats(m, &small.s) == METER_OK);
    for (size_t i = small.s.struct_size; i < sizeof small; i++)
        CHECK(((unsigned char *)&small)[i] == 0xA5);
    small.s.struct_size = 4; /* smaller than any release's: refused, nothing written */
    CHECK(meter_get_stats(m, &small.s) == METER_EINVAL);

    /* writes under their LIBMETER_1 names: the bytes of a dry run */
    unsigned char frame[64];
    size_t flen = 0;
    CHECK(meter_setting_frame(m, METER_SETTING_ADDRESS, "10", frame, sizeof frame, &flen) ==
          METER_OK);
    CHECK(flen == 12 && frame[7] == 0x06 && frame[11] == 10); /* MBAP + FC06 on tcp: */
    CHECK(strcmp(meter_errname(METER_EBUFSIZE), "METER_EBUFSIZE") == 0);
    meter_close(m);
    printf("abi: LIBMETER_1 caller ok against %s\n", meter_version_string());
    return 0;
}
