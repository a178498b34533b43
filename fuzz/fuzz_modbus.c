/* SPDX-License-Identifier: MIT */
/* libFuzzer target for what the Modbus path takes from outside: register words
 * as a reply delivers them, decoded through every row of every model's table
 * (and every row type, both word orders), and the request planner fed
 * arbitrary addresses and limits. Nothing may crash or return a non-finite value. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "protocols/modbus/modbus_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint16_t w[8] = {0};
    for (size_t i = 0; i < 8 && 2 * i + 1 < size; i++)
        w[i] = (uint16_t)(data[2 * i] << 8 | data[2 * i + 1]);
    /* every model row */
    for (size_t k = 0; k < mtr_model_total(); k++) {
        const struct mtr_model *mo = mtr_model_at(k);
        const struct mtr_mb_map *map = mo->proto == &mtr_proto_modbus ? mtr_mb_map_of(mo) : NULL;
        for (size_t i = 0; map && i < map->nregs; i++) {
            meter_reading_t r;
            char err[160];
            for (int order = 0; order < 2; order++)
                if (mtr_mb_decode_row(&map->regs[i], w, order, &r, err, sizeof err) == METER_OK &&
                    r.kind == METER_KIND_NUMBER && !isfinite(r.value))
                    __builtin_trap();
        }
    }
    /* every row type at widths 1..4 */
    for (uint8_t type = MTR_T_FLOAT; type <= MTR_T_COIL; type++)
        for (uint8_t words = 1; words <= 4; words++) {
            struct mtr_mb_reg row = {METER_Q_SERIAL_NUMBER, 0, words, type, (int8_t)(size ? data[0] % 7 - 3 : 0), 0, "fuzz"};
            meter_reading_t r;
            char err[160];
            /* the text is a NUL-terminated string (a number row leaves it empty); what lies
             * after the NUL is not promised, so fill it first rather than read stack garbage */
            memset(&r, 0xA5, sizeof r);
            if (mtr_mb_decode_row(&row, w, MTR_WORDS_ABCD, &r, err, sizeof err) == METER_OK &&
                memchr(r.text, '\0', sizeof r.text) == NULL)
                __builtin_trap();
        }
    /* the planner: items from the input, limits from its first bytes */
    struct mtr_plan_item items[32];
    struct mtr_plan_req reqs[32];
    size_t n = 0;
    for (size_t i = 16; i + 3 < size && n < 32; i += 4, n++)
        items[n] = (struct mtr_plan_item){(uint8_t)(data[i] & 1 ? 1 : 3),
                                          (uint16_t)(data[i + 1] << 8 | data[i + 2]),
                                          (uint16_t)(1 + data[i + 3] % 4), n};
    struct mtr_mb_block blocks[2] = {{0x0000, 0x00FF}, {0x4000, 0x40FF}};
    unsigned max_regs = size ? 1u + data[size - 1] % 125u : 125u;
    size_t nreq = 0;
    if (mtr_plan(items, n, blocks, 2, max_regs, (int)(size & 1), reqs, 32, &nreq) == METER_OK) {
        size_t covered = 0;
        for (size_t r = 0; r < nreq; r++) {
            /* past the limit only a value wider than it, read whole (with any item it covers) */
            unsigned widest = 0;
            for (size_t i = reqs[r].first; i < reqs[r].first + reqs[r].n; i++)
                widest = items[i].words > widest ? items[i].words : widest;
            if (reqs[r].fc == 3 && reqs[r].count > max_regs && reqs[r].count != widest)
                __builtin_trap();
            for (size_t i = reqs[r].first; i < reqs[r].first + reqs[r].n; i++)
                if (items[i].addr < reqs[r].addr ||
                    items[i].addr + items[i].words > reqs[r].addr + reqs[r].count)
                    __builtin_trap();
            covered += reqs[r].n;
        }
        if (covered != n)
            __builtin_trap();
    }
    return 0;
}
