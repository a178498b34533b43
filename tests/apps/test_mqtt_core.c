/* SPDX-License-Identifier: MIT */
/* meter-mqtt's pure parts: the config parser (values, defaults, every error
 * with its line), the bounded queue (order, drop-oldest, ack, resend after a
 * lost link) and the state/discovery JSON. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "config.h"
#include "payload.h"
#include "queue.h"

static void config_good(void **state)
{
    (void)state;
    const char *text = "# a comment\n"
                       "[mqtt]\n"
                       "host = broker.lan\n"
                       "port=1884\n"
                       "  prefix = home/meters  \n"
                       "queue = 50\n"
                       "; another comment\n"
                       "[meter grid]   # the grid meter\n"
                       "model = pro380-mod\n"
                       "  connection = rtu:/dev/ttyUSB0?baud=9600&id=1\n"
                       "interval = 500ms    ; fast\n"
                       "quantities = voltage_l1 , current_l1\n"
                       "[meter ev-2]\n"
                       "model = klefr-6924\n"
                       "connection = tcp:10.0.0.7:502?id=3\n";
    struct mq_config c;
    memset(&c, 0, sizeof c);
    char err[300];
    assert_int_equal(mq_config_parse(&c, "t.ini", text, err, sizeof err), 0);
    assert_string_equal(c.host, "broker.lan");
    assert_int_equal(c.port, 1884);
    assert_string_equal(c.prefix, "home/meters");
    assert_string_equal(c.client_id, "meter-mqtt");
    assert_int_equal(c.queue_max, 50);
    assert_int_equal(c.nmeters, 2);
    assert_string_equal(c.meters[0].name, "grid");
    assert_int_equal(c.meters[0].interval_ms, 500);
    assert_int_equal(c.meters[0].nquantities, 2);
    assert_int_equal(c.meters[0].quantities[1], METER_Q_CURRENT_L1);
    assert_int_equal(c.meters[0].line, 8);
    assert_int_equal(c.meters[1].interval_ms, 10000); /* default */
    assert_null(c.meters[1].quantities);                /* all */
    mq_config_free(&c);
}

static void config_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text, *msg;
    } t[] = {
        {"[meter a]\nmodel = klefr-6924\nintervall = 1s\n", "t.ini:3: unknown key 'intervall' in [meter]"},
        {"[mqtt]\nhots = x\n", "t.ini:2: unknown key 'hots' in [mqtt]"},
        {"[meter a]\ninterval = 50ms\n", "t.ini:2: bad interval '50ms'"},
        {"[meter a]\ninterval = soon\n", "t.ini:2: bad interval 'soon'"},
        {"[mqtt]\nport = 0\n", "t.ini:2: bad port '0'"},
        {"[mqtt]\nqueue = -1\n", "t.ini:2: bad queue '-1'"},
        {"[mqtt]\nprefix = a/#\n", "t.ini:2: bad prefix 'a/#'"},
        /* a topic or id the payloads would have to escape names nothing published */
        {"[mqtt]\nprefix = a\x1b[1mb\n", "t.ini:2: bad prefix (not UTF-8"},
        {"[mqtt]\nprefix = m\xe9ters\n", "t.ini:2: bad prefix (not UTF-8"},
        {"[mqtt]\ndiscovery_prefix = ha/+\n", "t.ini:2: bad discovery_prefix 'ha/+'"},
        {"[mqtt]\ndiscovery_prefix = h\x7f\n", "t.ini:2: bad discovery_prefix (not UTF-8"},
        {"[mqtt]\nclient_id = a\xc2\x9b" "b\n", "t.ini:2: bad client_id"},
        {"model = x\n", "t.ini:1: 'model' outside a section"},
        {"[meter A b]\n", "t.ini:1: bad meter name 'A b'"},
        {"[meter a]\nmodel = klefr-6924\nconnection = tcp:h\n[meter a]\n", "t.ini:4: meter 'a' is defined twice (first at line 1)"},
        {"[meter a]\nmodel = klefr-6924\nmodel = klefr-6924\n", "t.ini:3: 'model' given twice"},
        {"[meter a]\nconnection = /dev/ttyUSB0\n", "t.ini:2: bad connection '/dev/ttyUSB0'"},
        {"[meter a]\nmodel = klefr-6924\n\n[mqtt]\n", "t.ini:1: [meter a] has no connection"},
        {"[meter a]\nconnection = tcp:h\n", "t.ini:1: [meter a] has no model"},
        {"[mqtt\n", "t.ini:1: expected '[mqtt]' or '[meter NAME]'"},
        {"[mqtt]\nhost\n", "t.ini:2: expected 'key = value'"},
        {"[mqtt]\n", "t.ini: no [meter NAME] section"},
        {"[mqtt]\nreconnect_min = 10s\nreconnect_max = 1s\n[meter a]\nmodel = klefr-6924\nconnection = tcp:h\n",
         "t.ini: reconnect_min is above reconnect_max"},
        {"[meter a]\nquantities = voltage,nope\n", "t.ini:2: unknown quantity 'nope'"},
        {"[meter a]\nmodel = klefr-6924\nconnection = tcp:\n", "t.ini:3: bad connection 'tcp:': missing host after 'tcp:'"},
        {"[meter a]\nmodel = klefr-6924\nconnection = tcp::502\n", "t.ini:3: bad connection 'tcp::502': missing host in 'tcp::502'"},
        {"[meter a]\nmodel = klefr-6924\nconnection = tcp:h:0\n", "t.ini:3: bad connection 'tcp:h:0': bad port '0' (1 to 65535)"},
        {"[meter a]\nmodel = klefr-6923\nconnection = rtu:/dev/x\n", "t.ini:3: bad connection 'rtu:/dev/x': model klefr-6923 speaks mbus; 'rtu:' is not one of its links"},
        {"[meter a]\nmodel = klefr-6924\nconnection = rtu:/dev/x?speed=1\n", "t.ini:3: bad connection 'rtu:/dev/x?speed=1': unknown option 'speed'"},
        {"[meter a]\nmodel = klefr-6924\nconnection = rtu:/dev/x?id\n", "t.ini:3: bad connection 'rtu:/dev/x?id': option 'id' is not of the form key=value"},
        {"[mqtt]\nhost =\n", "t.ini:2: host is empty"},
        {"[meter a]\nmodel = klefr-6924   # x\n", "t.ini:2: '#' inside the value of 'model'"},
        {"[mqtt]\nhost = aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
         "t.ini:2: line too long"},
        {"[meter a] b\n", "t.ini:1: expected '[mqtt]' or '[meter NAME]'"},
        {"[meter a234567890123456789012345678901234567890123456789012345678901]\n", "t.ini:1: section name too long"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        struct mq_config c;
    memset(&c, 0, sizeof c);
        char err[300] = "";
        if (mq_config_parse(&c, "t.ini", t[i].text, err, sizeof err) != -1 || strncmp(err, t[i].msg, strlen(t[i].msg)))
            fail_msg("case %zu: got '%s', want '%s…'", i, err, t[i].msg);
        assert_null(c.meters);
    }
}

static void config_quantities_against_model(void **state)
{
    (void)state;
    struct mq_config c;
    char err[300] = "";
    memset(&c, 0, sizeof c);
    c.check_quantities = 1;
    const char *bad = "[meter a]\nmodel = klefr-6924\nconnection = tcp:h\nquantities = voltage, relay\n";
    assert_int_equal(mq_config_parse(&c, "t.ini", bad, err, sizeof err), -1);
    assert_string_equal(err, "t.ini:4: klefr-6924 has no quantity 'relay' (see: meter quantities -m klefr-6924)");
    c.check_quantities = 1;
    const char *good = "[meter a]\nmodel = kpm31\nconnection = tcp:h\nquantities = voltage, relay\n";
    assert_int_equal(mq_config_parse(&c, "t.ini", good, err, sizeof err), 0);
    mq_config_free(&c);
}

static void queue_order_and_bound(void **state)
{
    (void)state;
    struct mq_queue q;
    mq_queue_init(&q, 3);
    char p[8];
    for (int i = 1; i <= 5; i++) {
        snprintf(p, sizeof p, "%d", i);
        assert_int_equal(mq_queue_push(&q, "t", p), 0);
    }
    assert_int_equal(mq_queue_len(&q), 3);
    assert_int_equal(mq_queue_dropped(&q), 2); /* 1 and 2: the oldest */
    /* send 3 and 4; the link drops; 4 is acked late (unknown ids are ignored) */
    struct mq_msg *m = mq_queue_next_unsent(&q);
    assert_string_equal(m->payload, "3");
    m->mid = 10;
    m = mq_queue_next_unsent(&q);
    assert_string_equal(m->payload, "4");
    m->mid = 11;
    assert_int_equal(mq_queue_ack(&q, 11), 1); /* out of order: 3 still heads the queue */
    assert_int_equal(mq_queue_len(&q), 3);
    assert_int_equal(mq_queue_ack(&q, 99), 0);
    mq_queue_reset_sent(&q);
    m = mq_queue_next_unsent(&q);
    assert_string_equal(m->payload, "3"); /* sent again first */
    m->mid = 1;
    m = mq_queue_next_unsent(&q);
    assert_string_equal(m->payload, "5"); /* 4 was acknowledged: not again */
    m->mid = 2;
    assert_int_equal(mq_queue_ack(&q, 1), 1);
    assert_int_equal(mq_queue_len(&q), 1);
    assert_int_equal(mq_queue_ack(&q, 2), 1);
    assert_int_equal(mq_queue_len(&q), 0);
    assert_null(mq_queue_next_unsent(&q));
    mq_queue_destroy(&q);
}

static void payloads(void **state)
{
    (void)state;
    meter_reading_t r[3];
    memset(r, 0, sizeof r);
    r[0] = (meter_reading_t){.quantity = METER_Q_VOLTAGE, .status = METER_OK, .unit = METER_UNIT_VOLT, .kind = METER_KIND_NUMBER, .value = 230.1, .text = ""};
    r[1] = (meter_reading_t){.quantity = METER_Q_CURRENT, .status = METER_ETIMEDOUT, .unit = METER_UNIT_AMPERE, .kind = METER_KIND_NUMBER, .value = 0, .text = ""};
    r[2] = (meter_reading_t){.quantity = METER_Q_SERIAL_NUMBER, .status = METER_OK, .unit = METER_UNIT_NONE, .kind = METER_KIND_TEXT, .value = 0, .text = "1\"2"};
    struct mq_state_info si = {"house", "klefr-6924", 7, "2024-01-01T00:00:00.000Z", 2, METER_ETIMEDOUT, "no reply"};
    char *s = mq_state_json(&si, r, 3);
    assert_string_equal(s, "{\"seq\":7,\"time\":\"2024-01-01T00:00:00.000Z\",\"meter\":\"house\","
                           "\"model\":\"klefr-6924\",\"dropped\":2,\"voltage\":230.1,\"current\":null,"
                           "\"serial_number\":\"1\\\"2\",\"errors\":{\"current\":\"METER_ETIMEDOUT\"},"
                           "\"error\":\"METER_ETIMEDOUT\",\"message\":\"no reply\"}");
    free(s);
    /* not a number: null with the reason; invalid UTF-8 escaped; M-Bus text is ISO 8859-1 */
    r[0].value = NAN;
    r[1] = (meter_reading_t){.quantity = METER_Q_CURRENT, .status = METER_OK, .unit = METER_UNIT_AMPERE, .kind = METER_KIND_NUMBER, .value = -INFINITY, .text = ""};
    snprintf(r[2].text, sizeof r[2].text, "a\xff\xc3\x28\x01");
    si.status = METER_OK;
    s = mq_state_json(&si, r, 3);
    assert_non_null(strstr(s, "\"voltage\":null,\"current\":null,\"serial_number\":\"a\\\\xFF\\\\xC3(\\\\x01\""));
    assert_non_null(strstr(s, "\"errors\":{\"voltage\":\"NaN\",\"current\":\"-Infinity\"}"));
    free(s);
    si.model = "klefr-6923"; /* M-Bus: the library transcodes its ISO 8859-1 text to UTF-8 */
    snprintf(r[2].text, sizeof r[2].text, "Z\xc3\xbcrich");
    s = mq_state_json(&si, r, 3);
    assert_non_null(strstr(s, "\"serial_number\":\"Z\xc3\xbcrich\""));
    free(s);
    /* heat, water, gas: Home Assistant's classes; a temperature difference is no temperature */
    static const struct {
        meter_quantity_t q;
        const char *want;
    } media[] = {
        {METER_Q_VOLUME, "\"device_class\":\"water\",\"state_class\":\"total_increasing\""},
        {METER_Q_GAS_VOLUME, "\"device_class\":\"gas\",\"state_class\":\"total_increasing\""},
        {METER_Q_THERMAL_ENERGY, "\"device_class\":\"energy\",\"state_class\":\"total_increasing\""},
        {METER_Q_FLOW_TEMPERATURE, "\"device_class\":\"temperature\",\"state_class\":\"measurement\""},
        {METER_Q_VOLUME_FLOW, "\"device_class\":\"volume_flow_rate\",\"state_class\":\"measurement\""},
        {METER_Q_TEMPERATURE_DIFFERENCE, "\"unit_of_measurement\":\"K\",\"state_class\":\"measurement\","},
    };
    struct mq_discovery_info dm = {"br", "meters", "heat", "mbus", "meters/status"};
    for (size_t i = 0; i < sizeof media / sizeof media[0]; i++) {
        char *t = NULL;
        s = mq_discovery_json(&dm, "homeassistant", media[i].q, &t);
        if (!strstr(s, media[i].want))
            fail_msg("%s: %s", meter_quantity_info(media[i].q)->name, s);
        if (media[i].q == METER_Q_TEMPERATURE_DIFFERENCE)
            assert_null(strstr(s, "device_class"));
        free(s);
        free(t);
    }
    struct mq_discovery_info di = {"br", "meters", "house", "klefr-6924", "meters/status"};
    char *topic = NULL;
    s = mq_discovery_json(&di, "homeassistant", METER_Q_ENERGY_ACTIVE_IMPORT, &topic);
    assert_string_equal(topic, "homeassistant/sensor/br_house/energy_active_import/config");
    assert_non_null(strstr(s, "\"unique_id\":\"br_house_energy_active_import\""));
    assert_non_null(strstr(s, "\"device_class\":\"energy\",\"state_class\":\"total_increasing\""));
    assert_non_null(strstr(s, "\"unit_of_measurement\":\"kWh\""));
    assert_non_null(strstr(s, "\"value_template\":\"{{ value_json.energy_active_import }}\""));
    assert_non_null(strstr(s, "\"device\":{\"identifiers\":[\"br_house\"],\"name\":\"house\""));
    free(s);
    free(topic);
    s = mq_discovery_json(&di, "homeassistant", METER_Q_ACTIVE_POWER_L2, &topic);
    assert_non_null(strstr(s, "\"device_class\":\"power\",\"state_class\":\"measurement\""));
    free(s);
    free(topic);
    s = mq_discovery_json(&di, "homeassistant", METER_Q_BAUD_RATE, &topic);
    assert_non_null(strstr(s, "\"entity_category\":\"diagnostic\""));
    assert_null(strstr(s, "state_class"));
    free(s);
    free(topic);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(config_good),
        cmocka_unit_test(config_errors),
        cmocka_unit_test(config_quantities_against_model),
        cmocka_unit_test(queue_order_and_bound),
        cmocka_unit_test(payloads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
