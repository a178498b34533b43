/* SPDX-License-Identifier: MIT */
/* DLMS unit codes (IEC 62056-62, as SML sends them) to symbols, and OBIS objNames
 * as text. Tables only; which units a quantity may have is not decided here. */
#include <stdio.h>

#include "proto/sml.h"

static const char *const units[] = {
    [1] = "a", [2] = "mo", [3] = "wk", [4] = "d", [5] = "h", [6] = "min", [7] = "s",
    [8] = "\xc2\xb0", [9] = "\xc2\xb0" "C", [10] = "currency", [11] = "m", [12] = "m/s",
    [13] = "m\xc2\xb3", [14] = "m\xc2\xb3", [15] = "m\xc2\xb3/h", [16] = "m\xc2\xb3/h",
    [17] = "m\xc2\xb3/d", [18] = "m\xc2\xb3/d", [19] = "l", [20] = "kg", [21] = "N",
    [22] = "Nm", [23] = "Pa", [24] = "bar", [25] = "J", [26] = "J/h", [27] = "W",
    [28] = "VA", [29] = "var", [30] = "Wh", [31] = "VAh", [32] = "varh", [33] = "A",
    [34] = "C", [35] = "V", [36] = "V/m", [37] = "F", [38] = "\xce\xa9", [40] = "Wb",
    [41] = "T", [42] = "A/m", [43] = "H", [44] = "Hz", [45] = "1/(Wh)", [46] = "1/(varh)",
    [47] = "1/(VAh)", [52] = "K", [56] = "%", [57] = "Ah",
};

const char *mtr_sml_unit_symbol(unsigned code)
{
    if (code == 0 || code == 255) /* none / count (DZG sends 0 on octet strings) */
        return "";
    if (code == 254)
        return "other";
    if (code < sizeof units / sizeof units[0])
        return units[code];
    return NULL;
}

int mtr_sml_obis_format(const uint8_t obis[6], char *buf, size_t cap)
{
    if (!buf || cap < 24)
        return METER_EBUFSIZE;
    snprintf(buf, cap, "%u-%u:%u.%u.%u*%u", obis[0], obis[1], obis[2], obis[3], obis[4], obis[5]);
    return METER_OK;
}
