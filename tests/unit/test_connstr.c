/* SPDX-License-Identifier: MIT */
/* Connection strings: the grammar, defaults, and bad input refused with a
 * specific code and a message that names the bad part. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "protocols/modbus/modbus_internal.h"

#define MB(c) MTR_CPOPT(&(c), struct mtr_mb_opts)

static void test_good(void **state)
{
    (void)state;
    struct mtr_conn c;
    char err[256];
    assert_int_equal(mtr_conn_parse("rtu:/dev/ttyUSB0?baud=9600&parity=E&id=1", &c, MTR_CONN_ALL,
                                    err, sizeof err),
                     METER_OK);
    assert_int_equal(c.scheme->id, MTR_MB_RTU);
    assert_ptr_equal(c.proto, &mtr_proto_modbus);
    assert_string_equal(c.path, "/dev/ttyUSB0");
    assert_int_equal(c.baud, 9600);
    assert_int_equal(c.parity, 'E');
    assert_int_equal(MB(c)->id, 1);
    assert_int_equal(c.set, MTR_SET_BAUD | MTR_SET_PARITY);
    assert_int_equal(c.pset, MTR_MB_SET_ID);

    assert_int_equal(mtr_conn_parse("tcp:192.168.1.10:502?id=3", &c, MTR_CONN_ALL, err, sizeof err),
                     METER_OK);
    assert_string_equal(c.host, "192.168.1.10");
    assert_int_equal(c.port, 502);
    assert_int_equal(MB(c)->id, 3);

    assert_int_equal(mtr_conn_parse("tcp:gateway.local", &c, MTR_CONN_ALL, err, sizeof err), METER_OK);
    assert_int_equal(c.port, 502); /* Modbus TCP's port by default */
    assert_int_equal(mtr_conn_parse("tcp:[::1]:1502?timeout=800&retries=0&words=cdab", &c,
                                    MTR_CONN_ALL, err, sizeof err),
                     METER_OK);
    assert_string_equal(c.host, "::1");
    assert_int_equal(c.port, 1502);
    assert_int_equal(c.timeout_ms, 800);
    assert_int_equal(c.retries, 0);
    assert_int_equal(MB(c)->word_order, MTR_WORDS_CDAB);
    assert_int_equal(mtr_conn_parse("rtu:/dev/ttyS1?parity=none&stop=2&data=8&rs485=1", &c,
                                    MTR_CONN_ALL, err, sizeof err),
                     METER_OK);
    assert_int_equal(c.parity, 'N');
    assert_int_equal(c.stop_bits, 2);
    assert_int_equal(c.rs485, 1);
    /* listening: port 0 picks a free port */
    assert_int_equal(mtr_conn_parse("tcp:127.0.0.1:0", &c, MTR_CONN_LISTEN, err, sizeof err), METER_OK);
}

struct bad {
    const char *s;
    unsigned what;
    int rc;
    const char *names; /* the message must contain this */
};

static const struct bad bad[] = {
    {"", MTR_CONN_ALL, METER_ECONNSTR, "empty"},
    {"/dev/ttyUSB0", MTR_CONN_ALL, METER_ECONNSTR, "no scheme"},
    {"rtx:/dev/ttyUSB0", MTR_CONN_ALL, METER_ECONNSTR, "'rtx'"},
    {"rtu:", MTR_CONN_ALL, METER_ECONNSTR, "device path"},
    {"rtu:?baud=9600", MTR_CONN_ALL, METER_ECONNSTR, "device path"},
    {"rtu:/dev/x?", MTR_CONN_ALL, METER_ECONNSTR, "after '?'"},
    {"rtu:/dev/x?baud=9601", MTR_CONN_ALL, METER_EOPTION, "'9601'"},
    {"rtu:/dev/x?baud=fast", MTR_CONN_ALL, METER_EOPTION, "'fast'"},
    {"rtu:/dev/x?baud=", MTR_CONN_ALL, METER_EOPTION, "'baud' has no value"},
    {"rtu:/dev/x?parity=X", MTR_CONN_ALL, METER_EOPTION, "'X'"},
    {"rtu:/dev/x?id=0", MTR_CONN_ALL, METER_EOPTION, "'0' for option 'id'"},
    {"rtu:/dev/x?id=248", MTR_CONN_ALL, METER_EOPTION, "'248'"},
    {"rtu:/dev/x?id=-1", MTR_CONN_ALL, METER_EOPTION, "'-1'"},
    {"rtu:/dev/x?speed=9600", MTR_CONN_ALL, METER_EOPTION, "unknown option 'speed'"},
    {"rtu:/dev/x?baud=9600&baud=2400", MTR_CONN_ALL, METER_EOPTION, "'baud' is given twice"},
    {"rtu:/dev/x?baud=9600&", MTR_CONN_ALL, METER_ECONNSTR, "ends with '&'"},
    {"rtu:/dev/x?&baud=9600", MTR_CONN_ALL, METER_ECONNSTR, "stray '&'"},
    {"rtu:/dev/x?baud", MTR_CONN_ALL, METER_ECONNSTR, "'baud' is not of the form"},
    {"rtu:/dev/x?timeout=0", MTR_CONN_ALL, METER_EOPTION, "'timeout'"},
    {"rtu:/dev/x?retries=11", MTR_CONN_ALL, METER_EOPTION, "'retries'"},
    {"rtu:/dev/x?words=badc", MTR_CONN_ALL, METER_EOPTION, "'badc'"},
    {"tcp:10.0.0.1:502?baud=9600", MTR_CONN_ALL, METER_EOPTION, "unknown option 'baud' for tcp"},
    {"tcp:10.0.0.1:0", MTR_CONN_ALL, METER_ECONNSTR, "bad port '0'"},
    {"tcp:10.0.0.1:70000", MTR_CONN_ALL, METER_ECONNSTR, "'70000'"},
    {"tcp:10.0.0.1:", MTR_CONN_ALL, METER_ECONNSTR, "bad port ''"},
    {"tcp::502", MTR_CONN_ALL, METER_ECONNSTR, "missing host"},
    {"tcp:::1:502", MTR_CONN_ALL, METER_ECONNSTR, "IPv6"},
    {"tcp:[::1:502", MTR_CONN_ALL, METER_ECONNSTR, "missing ']'"},
    {"rtu:/dev/x?id=3", MTR_CONN_LINE, METER_EOPTION, "belongs to the meter"},
    {"tcp:127.0.0.1:1502?id=1", MTR_CONN_LISTEN, METER_EOPTION, "'id'"},
};

static void test_bad(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct mtr_conn c;
        char err[256] = "";
        int rc = mtr_conn_parse(bad[i].s, &c, bad[i].what, err, sizeof err);
        if (rc != bad[i].rc || !strstr(err, bad[i].names))
            fail_msg("'%s': got %s \"%s\", want %s naming \"%s\"", bad[i].s, meter_errname(rc), err,
                     meter_errname(bad[i].rc), bad[i].names);
    }
}

static void test_options_only(void **state)
{
    (void)state;
    struct mtr_conn c;
    char err[256];
    /* the scheme and protocol as parsed from a bus's string */
    assert_int_equal(mtr_conn_parse("rtu:/dev/ttyUSB0", &c, MTR_CONN_LINE, err, sizeof err), METER_OK);
    assert_int_equal(mtr_conn_parse_options("id=7&timeout=900", &c, MTR_CONN_METER, err, sizeof err),
                     METER_OK);
    assert_int_equal(MB(c)->id, 7);
    assert_int_equal(mtr_conn_parse_options("baud=2400", &c, MTR_CONN_METER, err, sizeof err),
                     METER_EOPTION);
    assert_non_null(strstr(err, "belongs to the bus"));
}

/* meter_connection_check(): every model on every scheme of its protocol is checked
 * without opening anything — no protocol's attach may need an open link (a fuzz
 * finding: the SML attach read its bus state on an offline handle) */
static void test_connection_check_every_model(void **state)
{
    (void)state;
    char conn[128], err[256];
    for (size_t k = 0; k < mtr_model_total(); k++) {
        const struct mtr_model *mo = mtr_model_at(k);
        for (size_t i = 0; i < mo->proto->nschemes; i++) {
            const struct mtr_scheme *sc = &mo->proto->schemes[i];
            /* a device that does not exist, a port nothing listens on: never opened */
            snprintf(conn, sizeof conn, "%s:%s", sc->name,
                     sc->serial ? "/dev/nonexistent-port" : "127.0.0.1:9");
            if (meter_connection_check(mo->info.name, conn, err, sizeof err) != METER_OK)
                fail_msg("%s on %s: %s", mo->info.name, conn, err);
        }
    }
    assert_int_equal(meter_connection_check("klefr-6923", "rtu:/dev/x", err, sizeof err),
                     METER_EUNSUPPORTED);
    assert_int_equal(meter_connection_check(NULL, "tcp:", err, sizeof err), METER_ECONNSTR);
}

static void test_public_open_errors(void **state)
{
    (void)state;
    meter_t *m = (meter_t *)&m;
    char err[256];
    assert_int_equal(meter_open(&m, "klefr-9999", "rtu:/dev/null", err, sizeof err), METER_EMODEL);
    assert_null(m);
    assert_non_null(strstr(err, "klefr-9999"));
    assert_int_equal(meter_open(&m, "klefr-6924", "rtu:/dev/x?bogus=1", err, sizeof err), METER_EOPTION);
    assert_int_equal(meter_open(&m, "klefr-6924", "rtu:/nonexistent/tty", err, sizeof err), METER_EIO);
    assert_non_null(strstr(err, "/nonexistent/tty"));
    assert_int_equal(meter_open(&m, "klefr-6924", "tcp:127.0.0.1:1", err, sizeof err), METER_EIO);
    assert_int_equal(meter_open(NULL, "klefr-6924", "tcp:127.0.0.1:1", err, sizeof err), METER_EINVAL);
    meter_bus_t *bus = (meter_bus_t *)&bus;
    assert_int_equal(meter_bus_open(&bus, "rtu:/dev/x?id=1", err, sizeof err), METER_EOPTION);
    assert_null(bus);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),
        cmocka_unit_test(test_bad),
        cmocka_unit_test(test_options_only),
        cmocka_unit_test(test_connection_check_every_model),
        cmocka_unit_test(test_public_open_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
