/* SPDX-License-Identifier: MIT */
/* M-Bus VIF tables (EN 13757-3): the primary VIF table, the FD (main) and FB
 * (alternate) extension tables and the combinable (orthogonal) VIFEs, mapped
 * onto a quantity, a base unit and a decimal exponent. Units are brought to
 * one base each (Wh, J, m^3, kg, W, …); time units stay as sent. */
#include <stdatomic.h>
#include <string.h>

#include "proto/mbus.h"

/* zero-padded slots (MTR_MBUS_QUANTITY_SLOT, MTR_MBUS_UNIT_SLOT): a caller may copy a
 * whole slot, which is quicker than a string copy; a name too long for its slot
 * does not compile (test_mbus_records checks that each ends inside it) */
static const char quantity_names[][MTR_MBUS_QUANTITY_SLOT] = {
#define MTR_MBUS_Q_NAME_(id, name) name,
    MTR_MBUS_QUANTITIES(MTR_MBUS_Q_NAME_)
#undef MTR_MBUS_Q_NAME_
};

static const char unit_names[][MTR_MBUS_UNIT_SLOT] = {
#define MTR_MBUS_U_NAME_(id, name) name,
    MTR_MBUS_UNITS(MTR_MBUS_U_NAME_)
#undef MTR_MBUS_U_NAME_
};

const char *mtr_mbus_quantity_name(unsigned q)
{
    static const char unknown[MTR_MBUS_QUANTITY_SLOT] = "unknown";
    return q < MTR_MBUS_Q_COUNT_ ? quantity_names[q] : unknown;
}

const char *mtr_mbus_unit_name(unsigned u)
{
    static const char none[MTR_MBUS_UNIT_SLOT] = "";
    return u < MTR_MBUS_U_COUNT_ ? unit_names[u] : none;
}

double mtr_mbus_unit_seconds(unsigned u)
{
    switch (u) {
    case MTR_MBUS_U_SECOND: return 1.0;
    case MTR_MBUS_U_MINUTE: return 60.0;
    case MTR_MBUS_U_HOUR: return 3600.0;
    case MTR_MBUS_U_DAY: return 86400.0;
    case MTR_MBUS_U_MONTH: return 2629743.83; /* mean Gregorian month, as libmbus */
    case MTR_MBUS_U_YEAR: return 31556926.0;
    default: return 0.0;
    }
}

/* how a row turns the code into unit and exponent */
enum {
    R_EXP,  /* exp10 = base + (code - lo) */
    R_SMHD, /* unit = s, min, h, d by code & 3 */
    R_HDMY, /* unit = h, d, month, year by code & 3 */
    R_FIX   /* unit and exp10 as given */
};

struct vif_row {
    uint8_t lo, hi;
    uint8_t quantity;
    uint8_t unit;
    int8_t base;
    uint8_t rule;
    uint8_t meaning;
};

#define Q(x) MTR_MBUS_Q_##x
#define U(x) MTR_MBUS_U_##x
#define VAL MTR_MBUS_M_VALUE
#define RAW MTR_MBUS_M_RAW
#define TP MTR_MBUS_M_TIME_POINT

/* EN 13757-3:2013 table 10 (primary VIF), as in the project's brief mbus.md §6 */
static const struct vif_row primary[] = {
    {0x00, 0x07, Q(ENERGY), U(WH), -3, R_EXP, VAL},
    {0x08, 0x0F, Q(ENERGY), U(J), 0, R_EXP, VAL},
    {0x10, 0x17, Q(VOLUME), U(M3), -6, R_EXP, VAL},
    {0x18, 0x1F, Q(MASS), U(KG), -3, R_EXP, VAL},
    {0x20, 0x23, Q(ON_TIME), U(NONE), 0, R_SMHD, VAL},
    {0x24, 0x27, Q(OPERATING_TIME), U(NONE), 0, R_SMHD, VAL},
    {0x28, 0x2F, Q(POWER), U(W), -3, R_EXP, VAL},
    {0x30, 0x37, Q(POWER), U(J_PER_H), 0, R_EXP, VAL},
    {0x38, 0x3F, Q(VOLUME_FLOW), U(M3_PER_H), -6, R_EXP, VAL},
    {0x40, 0x47, Q(VOLUME_FLOW), U(M3_PER_MIN), -7, R_EXP, VAL},
    {0x48, 0x4F, Q(VOLUME_FLOW), U(M3_PER_S), -9, R_EXP, VAL},
    {0x50, 0x57, Q(MASS_FLOW), U(KG_PER_H), -3, R_EXP, VAL},
    {0x58, 0x5B, Q(FLOW_TEMPERATURE), U(CELSIUS), -3, R_EXP, VAL},
    {0x5C, 0x5F, Q(RETURN_TEMPERATURE), U(CELSIUS), -3, R_EXP, VAL},
    {0x60, 0x63, Q(TEMPERATURE_DIFFERENCE), U(KELVIN), -3, R_EXP, VAL},
    {0x64, 0x67, Q(EXTERNAL_TEMPERATURE), U(CELSIUS), -3, R_EXP, VAL},
    {0x68, 0x6B, Q(PRESSURE), U(BAR), -3, R_EXP, VAL},
    {0x6C, 0x6D, Q(TIME_POINT), U(NONE), 0, R_FIX, TP},
    {0x6E, 0x6E, Q(HCA), U(HCA), 0, R_FIX, VAL},
    {0x70, 0x73, Q(AVERAGING_DURATION), U(NONE), 0, R_SMHD, VAL},
    {0x74, 0x77, Q(ACTUALITY_DURATION), U(NONE), 0, R_SMHD, VAL},
    {0x78, 0x78, Q(FABRICATION_NO), U(NONE), 0, R_FIX, RAW},
    {0x79, 0x79, Q(IDENTIFICATION), U(NONE), 0, R_FIX, RAW},
    {0x7A, 0x7A, Q(BUS_ADDRESS), U(NONE), 0, R_FIX, RAW},
    {0x7E, 0x7E, Q(ANY_VIF), U(NONE), 0, R_FIX, RAW},
};

/* EN 13757-3:2013 table 14 (FD, main extension); 71..76 from the 2013 edition */
static const struct vif_row ext_fd[] = {
    {0x00, 0x03, Q(CREDIT), U(CURRENCY), -3, R_EXP, VAL},
    {0x04, 0x07, Q(DEBIT), U(CURRENCY), -3, R_EXP, VAL},
    {0x08, 0x08, Q(ACCESS_NUMBER), U(NONE), 0, R_FIX, RAW},
    {0x09, 0x09, Q(MEDIUM), U(NONE), 0, R_FIX, RAW},
    {0x0A, 0x0A, Q(MANUFACTURER), U(NONE), 0, R_FIX, RAW},
    {0x0B, 0x0B, Q(PARAMETER_SET_ID), U(NONE), 0, R_FIX, RAW},
    {0x0C, 0x0C, Q(MODEL_VERSION), U(NONE), 0, R_FIX, RAW},
    {0x0D, 0x0D, Q(HARDWARE_VERSION), U(NONE), 0, R_FIX, RAW},
    {0x0E, 0x0E, Q(FIRMWARE_VERSION), U(NONE), 0, R_FIX, RAW},
    {0x0F, 0x0F, Q(SOFTWARE_VERSION), U(NONE), 0, R_FIX, RAW},
    {0x10, 0x10, Q(CUSTOMER_LOCATION), U(NONE), 0, R_FIX, RAW},
    {0x11, 0x11, Q(CUSTOMER), U(NONE), 0, R_FIX, RAW},
    {0x12, 0x12, Q(ACCESS_CODE_USER), U(NONE), 0, R_FIX, RAW},
    {0x13, 0x13, Q(ACCESS_CODE_OPERATOR), U(NONE), 0, R_FIX, RAW},
    {0x14, 0x14, Q(ACCESS_CODE_SYSTEM_OPERATOR), U(NONE), 0, R_FIX, RAW},
    {0x15, 0x15, Q(ACCESS_CODE_DEVELOPER), U(NONE), 0, R_FIX, RAW},
    {0x16, 0x16, Q(PASSWORD), U(NONE), 0, R_FIX, RAW},
    {0x17, 0x17, Q(ERROR_FLAGS), U(NONE), 0, R_FIX, RAW},
    {0x18, 0x18, Q(ERROR_MASK), U(NONE), 0, R_FIX, RAW},
    {0x1A, 0x1A, Q(DIGITAL_OUTPUT), U(NONE), 0, R_FIX, RAW},
    {0x1B, 0x1B, Q(DIGITAL_INPUT), U(NONE), 0, R_FIX, RAW},
    {0x1C, 0x1C, Q(BAUD_RATE), U(BAUD), 0, R_FIX, VAL},
    {0x1D, 0x1D, Q(RESPONSE_DELAY), U(BIT_TIMES), 0, R_FIX, VAL},
    {0x1E, 0x1E, Q(RETRY), U(NONE), 0, R_FIX, VAL},
    {0x20, 0x20, Q(STORAGE_FIRST), U(NONE), 0, R_FIX, VAL},
    {0x21, 0x21, Q(STORAGE_LAST), U(NONE), 0, R_FIX, VAL},
    {0x22, 0x22, Q(STORAGE_BLOCK_SIZE), U(NONE), 0, R_FIX, VAL},
    {0x24, 0x27, Q(STORAGE_INTERVAL), U(NONE), 0, R_SMHD, VAL},
    {0x28, 0x28, Q(STORAGE_INTERVAL), U(MONTH), 0, R_FIX, VAL},
    {0x29, 0x29, Q(STORAGE_INTERVAL), U(YEAR), 0, R_FIX, VAL},
    {0x2C, 0x2F, Q(DURATION_SINCE_READOUT), U(NONE), 0, R_SMHD, VAL},
    {0x30, 0x30, Q(TARIFF_START), U(NONE), 0, R_FIX, TP},
    {0x31, 0x33, Q(TARIFF_DURATION), U(NONE), 0, R_SMHD, VAL},
    {0x34, 0x37, Q(TARIFF_PERIOD), U(NONE), 0, R_SMHD, VAL},
    {0x38, 0x38, Q(TARIFF_PERIOD), U(MONTH), 0, R_FIX, VAL},
    {0x39, 0x39, Q(TARIFF_PERIOD), U(YEAR), 0, R_FIX, VAL},
    {0x3A, 0x3A, Q(DIMENSIONLESS), U(NONE), 0, R_FIX, VAL},
    {0x40, 0x4F, Q(VOLTAGE), U(VOLT), -9, R_EXP, VAL},
    {0x50, 0x5F, Q(CURRENT), U(AMPERE), -12, R_EXP, VAL},
    {0x60, 0x60, Q(RESET_COUNTER), U(NONE), 0, R_FIX, VAL},
    {0x61, 0x61, Q(CUMULATION_COUNTER), U(NONE), 0, R_FIX, VAL},
    {0x62, 0x62, Q(CONTROL_SIGNAL), U(NONE), 0, R_FIX, RAW},
    {0x63, 0x63, Q(DAY_OF_WEEK), U(NONE), 0, R_FIX, VAL},
    {0x64, 0x64, Q(WEEK_NUMBER), U(NONE), 0, R_FIX, VAL},
    {0x65, 0x65, Q(DAY_CHANGE_TIME), U(NONE), 0, R_FIX, TP},
    {0x66, 0x66, Q(PARAMETER_ACTIVATION), U(NONE), 0, R_FIX, RAW},
    {0x67, 0x67, Q(SUPPLIER_INFO), U(NONE), 0, R_FIX, RAW},
    {0x68, 0x6B, Q(DURATION_SINCE_CUMULATION), U(NONE), 0, R_HDMY, VAL},
    {0x6C, 0x6F, Q(BATTERY_OPERATING_TIME), U(NONE), 0, R_HDMY, VAL},
    {0x70, 0x70, Q(BATTERY_CHANGE_DATE), U(NONE), 0, R_FIX, TP},
    {0x71, 0x71, Q(RF_LEVEL), U(DBM), 0, R_FIX, VAL},
    {0x72, 0x72, Q(DAYLIGHT_SAVING), U(NONE), 0, R_FIX, RAW},
    {0x73, 0x73, Q(LISTENING_WINDOW), U(NONE), 0, R_FIX, RAW},
    {0x74, 0x74, Q(REMAINING_BATTERY), U(DAY), 0, R_FIX, VAL},
    {0x75, 0x75, Q(METER_STOP_COUNT), U(NONE), 0, R_FIX, VAL},
    {0x76, 0x76, Q(MANUFACTURER_CONTAINER), U(NONE), 0, R_FIX, RAW},
};

/* EN 13757-3:2013 table 12 (FB, alternate extension). Bases: MWh -> Wh 10^6,
 * GJ -> J 10^9, t -> kg 10^3, kvar(h) -> var(h) 10^3, Mcal -> cal 10^6. */
static const struct vif_row ext_fb[] = {
    {0x00, 0x01, Q(ENERGY), U(WH), 5, R_EXP, VAL},              /* 10^(n-1) MWh */
    {0x02, 0x03, Q(REACTIVE_ENERGY), U(VARH), 3, R_EXP, VAL},   /* 10^n kvarh */
    {0x04, 0x05, Q(APPARENT_ENERGY), U(VAH), 3, R_EXP, VAL},    /* 10^n kVAh */
    {0x08, 0x09, Q(ENERGY), U(J), 8, R_EXP, VAL},               /* 10^(n-1) GJ */
    {0x0C, 0x0F, Q(ENERGY), U(CAL), 5, R_EXP, VAL},             /* 10^(nn-1) Mcal */
    {0x10, 0x11, Q(VOLUME), U(M3), 2, R_EXP, VAL},              /* 10^(n+2) m3 */
    {0x14, 0x17, Q(REACTIVE_POWER), U(VAR), 0, R_EXP, VAL},     /* 10^(nn-3) kvar */
    {0x18, 0x19, Q(MASS), U(KG), 5, R_EXP, VAL},                /* 10^(n+2) t */
    {0x1A, 0x1B, Q(RELATIVE_HUMIDITY), U(PERCENT), -1, R_EXP, VAL},
    {0x20, 0x20, Q(VOLUME), U(FT3), 0, R_FIX, VAL},
    {0x21, 0x21, Q(VOLUME), U(FT3), -1, R_FIX, VAL},
    {0x22, 0x22, Q(VOLUME), U(US_GAL), -1, R_FIX, VAL},
    {0x23, 0x23, Q(VOLUME), U(US_GAL), 0, R_FIX, VAL},
    {0x24, 0x24, Q(VOLUME_FLOW), U(US_GAL_PER_MIN), -3, R_FIX, VAL},
    {0x25, 0x25, Q(VOLUME_FLOW), U(US_GAL_PER_MIN), 0, R_FIX, VAL},
    {0x26, 0x26, Q(VOLUME_FLOW), U(US_GAL_PER_H), 0, R_FIX, VAL},
    {0x28, 0x29, Q(POWER), U(W), 5, R_EXP, VAL},                /* 10^(n-1) MW */
    {0x2A, 0x2A, Q(PHASE_U_U), U(DEGREE), -1, R_FIX, VAL},
    {0x2B, 0x2B, Q(PHASE_U_I), U(DEGREE), -1, R_FIX, VAL},
    {0x2C, 0x2F, Q(FREQUENCY), U(HZ), -3, R_EXP, VAL},
    {0x30, 0x31, Q(POWER), U(J_PER_H), 8, R_EXP, VAL},          /* 10^(n-1) GJ/h */
    {0x34, 0x37, Q(APPARENT_POWER), U(VA), 0, R_EXP, VAL},      /* 10^(nn-3) kVA */
    {0x58, 0x5B, Q(FLOW_TEMPERATURE), U(FAHRENHEIT), -3, R_EXP, VAL},
    {0x5C, 0x5F, Q(RETURN_TEMPERATURE), U(FAHRENHEIT), -3, R_EXP, VAL},
    {0x60, 0x63, Q(TEMPERATURE_DIFFERENCE), U(FAHRENHEIT), -3, R_EXP, VAL},
    {0x64, 0x67, Q(EXTERNAL_TEMPERATURE), U(FAHRENHEIT), -3, R_EXP, VAL},
    {0x70, 0x73, Q(COLD_WARM_TEMPERATURE_LIMIT), U(FAHRENHEIT), -3, R_EXP, VAL},
    {0x74, 0x77, Q(COLD_WARM_TEMPERATURE_LIMIT), U(CELSIUS), -3, R_EXP, VAL},
    {0x78, 0x7F, Q(CUMULATIVE_MAX_POWER), U(W), -3, R_EXP, VAL},
};

/* Fixed data structure (CI 73/77), the 6-bit unit codes of mbus.md §4 (from
 * rev 4.8 as libmbus reproduces it; libmbus's own factors for 14..1C and
 * 2F..37 are wrong, these are the table's). 3E ("same unit as counter 1,
 * historic") is resolved by the iterator. */
static const struct vif_row fixed_units[] = {
    {0x00, 0x00, Q(TIME), U(NONE), 0, R_FIX, RAW},           /* h:m:s */
    {0x01, 0x01, Q(DATE), U(NONE), 0, R_FIX, RAW},           /* D.M.Y */
    {0x02, 0x0A, Q(ENERGY), U(WH), 0, R_EXP, VAL},           /* Wh .. 100 MWh */
    {0x0B, 0x13, Q(ENERGY), U(J), 3, R_EXP, VAL},            /* kJ .. 100 GJ */
    {0x14, 0x1C, Q(POWER), U(W), 0, R_EXP, VAL},             /* W .. 100 MW */
    {0x1D, 0x25, Q(POWER), U(J_PER_H), 3, R_EXP, VAL},       /* kJ/h .. 100 GJ/h */
    {0x26, 0x2E, Q(VOLUME), U(M3), -6, R_EXP, VAL},          /* ml .. 100 m3 */
    {0x2F, 0x37, Q(VOLUME_FLOW), U(M3_PER_H), -6, R_EXP, VAL}, /* ml/h .. 100 m3/h */
    {0x38, 0x38, Q(TEMPERATURE), U(CELSIUS), -3, R_FIX, VAL},
    {0x39, 0x39, Q(HCA), U(HCA), 0, R_FIX, VAL},
    {0x3F, 0x3F, Q(DIMENSIONLESS), U(NONE), 0, R_FIX, VAL},  /* no unit */
};

/* Type C (unsigned) and D (bit field) codes: identifiers, counters and bit
 * fields that a signed reading would turn negative (0xFFFFFFFF as -1). See
 * docs/mbus-codec.md "Signedness" for the reason of each. */
static uint32_t type_flags(mtr_mbus_vif_table_t table, uint8_t code)
{
    if (table == MTR_MBUS_VT_PRIMARY)
        return code >= 0x78 && code <= 0x7A ? MTR_MBUS_VF_UNSIGNED : 0; /* fab. no, id, address */
    if (table != MTR_MBUS_VT_FD)
        return 0;
    switch (code) {
    case 0x17: /* error flags */
    case 0x18: /* error mask */
    case 0x1A: /* digital output */
    case 0x1B: /* digital input */
        return MTR_MBUS_VF_UNSIGNED | MTR_MBUS_VF_BITS;
    case 0x08: /* access number */
    case 0x09: case 0x0A: case 0x0B: case 0x0C: case 0x0D: case 0x0E: case 0x0F: /* identifiers */
    case 0x10: case 0x11: case 0x12: case 0x13: case 0x14: case 0x15: case 0x16: /* ids, codes */
    case 0x1C: case 0x1D: case 0x1E:         /* baud rate, response delay, retry */
    case 0x20: case 0x21: case 0x22:         /* storage numbers, block size */
    case 0x60: case 0x61:                    /* reset and cumulation counters */
    case 0x62: case 0x66: case 0x67:         /* control signal, activation state, supplier info */
    case 0x63: case 0x64:                    /* day of week, week number */
    case 0x74: case 0x75:                    /* remaining battery days, meter-stop count */
        return MTR_MBUS_VF_UNSIGNED;
    default:
        return 0;
    }
}

static const uint8_t smhd[4] = {U(SECOND), U(MINUTE), U(HOUR), U(DAY)};
static const uint8_t hdmy[4] = {U(HOUR), U(DAY), U(MONTH), U(YEAR)};

static void apply_row(const struct vif_row *r, uint8_t code, mtr_mbus_vif_info_t *vi)
{
    vi->quantity = r->quantity;
    vi->meaning = r->meaning;
    switch (r->rule) {
    case R_EXP:
        vi->unit = r->unit;
        vi->exp10 = (int8_t)(r->base + (code - r->lo));
        break;
    case R_SMHD:
        vi->unit = smhd[code & 3];
        vi->exp10 = 0;
        break;
    case R_HDMY:
        vi->unit = hdmy[code & 3];
        vi->exp10 = 0;
        break;
    default:
        vi->unit = r->unit;
        vi->exp10 = r->base;
        break;
    }
}

static int sorted(const struct vif_row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (rows[i].lo > rows[i].hi || (i + 1 < n && rows[i].hi >= rows[i + 1].lo))
            return 0;
    return 1;
}

int mtr_mbus_vif_tables_sorted(void)
{
#define S_(t) sorted(t, sizeof t / sizeof t[0])
    return S_(primary) && S_(ext_fd) && S_(ext_fb) && S_(fixed_units);
#undef S_
}

/* The row of a code: a binary search (the tables are sorted by code with disjoint
 * ranges: mtr_mbus_vif_tables_sorted(), checked by test_mbus_records), remembered
 * per code so that each code is searched once per process. The memo holds row + 1,
 * NO_ROW for a reserved code, 0 before the first search; threads that race on a code
 * store the same byte, and relaxed atomics make that well-defined (a plain load on
 * the machines we build for). */
enum { NO_ROW = 0xFF };
static _Atomic uint8_t memo_primary[128], memo_fd[128], memo_fb[128], memo_fixed[64];

static const struct vif_row *find_row(const struct vif_row *rows, size_t n, uint8_t code,
                                      _Atomic uint8_t *memo)
{
    unsigned m = atomic_load_explicit(&memo[code], memory_order_relaxed);
    if (!m) {
        size_t lo = 0, hi = n;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (code > rows[mid].hi)
                lo = mid + 1;
            else
                hi = mid;
        }
        m = lo < n && code >= rows[lo].lo ? (unsigned)lo + 1 : NO_ROW;
        atomic_store_explicit(&memo[code], (uint8_t)m, memory_order_relaxed);
    }
    return m == NO_ROW ? NULL : &rows[m - 1];
}

#define FIND_ROW_(rows, code, memo) find_row(rows, sizeof rows / sizeof rows[0], code, memo)
_Static_assert(sizeof primary / sizeof primary[0] < NO_ROW && sizeof ext_fd / sizeof ext_fd[0] < NO_ROW &&
                   sizeof ext_fb / sizeof ext_fb[0] < NO_ROW &&
                   sizeof fixed_units / sizeof fixed_units[0] < NO_ROW,
               "a row index fits the memo's byte");

void mtr_mbus_vif_lookup(mtr_mbus_vif_table_t table, uint8_t vif, mtr_mbus_vif_info_t *vi)
{
    const struct vif_row *row = NULL;
    uint8_t code = vif & 0x7F;
    memset(vi, 0, sizeof *vi);
    vi->table = (uint8_t)table;
    vi->code = code;
    vi->record_error = -1;
    vi->quantity = Q(UNKNOWN);
    switch (table) {
    case MTR_MBUS_VT_PRIMARY:
        row = FIND_ROW_(primary, code, memo_primary);
        break;
    case MTR_MBUS_VT_FD:
        row = FIND_ROW_(ext_fd, code, memo_fd);
        break;
    case MTR_MBUS_VT_FB:
        row = FIND_ROW_(ext_fb, code, memo_fb);
        break;
    case MTR_MBUS_VT_PLAIN_TEXT:
        vi->quantity = Q(PLAIN_TEXT);
        vi->unit = U(TEXT);
        return;
    case MTR_MBUS_VT_MANUFACTURER:
        vi->quantity = Q(MANUFACTURER_SPECIFIC);
        vi->meaning = RAW;
        vi->flags = MTR_MBUS_VF_MANUFACTURER;
        return;
    case MTR_MBUS_VT_FIXED:
        code = vif & 0x3F;
        vi->code = code;
        row = FIND_ROW_(fixed_units, code, memo_fixed);
        break;
    default:
        return;
    }
    if (row) {
        apply_row(row, code, vi);
        vi->flags |= type_flags(table, code);
        return;
    }
    vi->meaning = RAW; /* reserved code: keep the number, claim no unit */
    vi->flags |= MTR_MBUS_VF_UNKNOWN_VIF;
}

/* the VIFE turns the record into something other than a value in the VIF unit */
static void change_meaning(mtr_mbus_vif_info_t *vi, uint8_t meaning, uint8_t unit)
{
    vi->meaning = meaning;
    vi->unit = unit;
    vi->exp10 = 0;
}

void mtr_mbus_vife_apply(mtr_mbus_vif_info_t *vi, uint8_t vife, int ext)
{
    uint8_t c = vife & 0x7F;
    if (vi->flags & MTR_MBUS_VF_MANUFACTURER)
        return; /* after 7F everything is the manufacturer's */
    if (c <= 0x1F) {
        vi->record_error = (int8_t)c;
        vi->flags |= MTR_MBUS_VF_RECORD_ERROR;
    } else if (c <= 0x38) {
        vi->per = c;
        vi->flags |= MTR_MBUS_VF_PER_TIME;
    } else if (c == 0x39) {
        vi->flags |= MTR_MBUS_VF_START_DATE;
        change_meaning(vi, TP, U(NONE));
    } else if (c == 0x3A) {
        vi->flags |= MTR_MBUS_VF_UNCORRECTED;
    } else if (c == 0x3B) {
        vi->flags |= MTR_MBUS_VF_IMPORT;
    } else if (c == 0x3C) {
        vi->flags |= MTR_MBUS_VF_EXPORT;
    } else if (c <= 0x3F) {
        vi->flags |= MTR_MBUS_VF_UNKNOWN_VIFE;
    } else if (c <= 0x4F) { /* E100 u f n b: limit values, counts, dates */
        vi->flags |= (c & 0x08) ? MTR_MBUS_VF_UPPER_LIMIT : MTR_MBUS_VF_LOWER_LIMIT;
        switch (c & 0x07) {
        case 0: /* limit value: stays in the VIF unit */
            break;
        case 1: /* number of exceeds: a counter, unsigned */
            change_meaning(vi, MTR_MBUS_M_COUNT, U(NONE));
            vi->flags |= MTR_MBUS_VF_UNSIGNED;
            break;
        case 2: case 3: case 6: case 7:
            if (c & 0x04)
                vi->flags |= MTR_MBUS_VF_LAST;
            if (c & 0x01)
                vi->flags |= MTR_MBUS_VF_END;
            change_meaning(vi, TP, U(NONE));
            break;
        default:
            vi->flags |= MTR_MBUS_VF_UNKNOWN_VIFE;
            break;
        }
    } else if (c <= 0x5F) { /* E101 u f nn: duration of limit exceed */
        vi->flags |= (c & 0x08) ? MTR_MBUS_VF_UPPER_LIMIT : MTR_MBUS_VF_LOWER_LIMIT;
        if (c & 0x04)
            vi->flags |= MTR_MBUS_VF_LAST;
        change_meaning(vi, MTR_MBUS_M_DURATION, smhd[c & 3]);
    } else if (c <= 0x67) { /* E110 0 f nn: duration of first/last */
        if (c & 0x04)
            vi->flags |= MTR_MBUS_VF_LAST;
        change_meaning(vi, MTR_MBUS_M_DURATION, smhd[c & 3]);
    } else if (c == 0x6A || c == 0x6B || c == 0x6E || c == 0x6F) {
        if (c & 0x04)
            vi->flags |= MTR_MBUS_VF_LAST;
        if (c & 0x01)
            vi->flags |= MTR_MBUS_VF_END;
        change_meaning(vi, TP, U(NONE));
    } else if (c <= 0x6F) {
        vi->flags |= MTR_MBUS_VF_UNKNOWN_VIFE;
    } else if (c <= 0x77) {
        vi->exp10 = (int8_t)(vi->exp10 + (c & 7) - 6);
    } else if (c <= 0x7B) {
        vi->flags |= MTR_MBUS_VF_OFFSET;
        vi->offset_exp10 = (int8_t)((c & 3) - 3);
    } else if (c == 0x7C) {
        if (ext >= 0) {
            vi->ext_code = (uint8_t)(ext & 0x7F);
            if (vi->ext_code >= 1 && vi->ext_code <= 7)
                vi->phase = vi->ext_code;
            else if (vi->ext_code == 0x11) /* data type C */
                vi->flags |= MTR_MBUS_VF_UNSIGNED;
            else if (vi->ext_code == 0x12) /* data type D */
                vi->flags |= MTR_MBUS_VF_UNSIGNED | MTR_MBUS_VF_BITS;
        }
    } else if (c == 0x7D) {
        vi->exp10 = (int8_t)(vi->exp10 + 3);
    } else if (c == 0x7E) {
        vi->flags |= MTR_MBUS_VF_FUTURE;
    } else { /* 7F */
        vi->flags |= MTR_MBUS_VF_MANUFACTURER;
    }
}
