/* SPDX-License-Identifier: MIT */
/* IEC 62056-21 end to end over a pty against the simulator: readout with a
 * speed switch, echo, the fallback to ACK 0 0 0, the meter's own readout when no
 * option select comes, programming mode (password, R1, W1, NAK both ways, B0
 * always), and the two programming transcripts replayed byte for byte. */
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <cmocka.h>

#include "proto/iec62056.h"
#include "protocols/iec62056/sim_iec.h"
#include "support.h"

static void start(struct sim_thread *t, const char *model)
{
    char err[256];
    assert_int_equal(meter_sim_new(&t->sim, "pty", err, sizeof err), METER_OK);
    assert_int_equal(meter_sim_add(t->sim, model, 1), METER_OK);
    meter_sim_set(t->sim, METER_SIM_FROZEN, 1);
}

static void run(struct sim_thread *t)
{
    assert_int_equal(pthread_create(&t->tid, NULL, sim_thread_main, t), 0);
}

/* Stop the simulator; copy what it received (caller frees). */
static uint8_t *stop(struct sim_thread *t, size_t *n, unsigned *baud)
{
    meter_sim_stop(t->sim);
    pthread_join(t->tid, NULL);
    const uint8_t *p = mtr_sim_iec_received(t->sim, n);
    uint8_t *copy = malloc(*n + 1);
    memcpy(copy, p, *n);
    if (baud)
        *baud = mtr_sim_iec_readout_baud(t->sim);
    meter_sim_free(t->sim);
    t->sim = NULL;
    return copy;
}

static size_t count(const uint8_t *hay, size_t n, const char *needle, size_t k)
{
    size_t c = 0;
    for (size_t i = 0; i + k <= n; i++)
        c += memcmp(hay + i, needle, k) == 0;
    return c;
}

static int ends_with_b0(const uint8_t *p, size_t n)
{
    return n >= 5 && memcmp(p + n - 5, "\x01" "B0\x03", 4) == 0;
}

static meter_t *open_meter(struct sim_thread *t, const char *model, const char *opts)
{
    char conn[512], err[256];
    meter_t *m = NULL;
    snprintf(conn, sizeof conn, "%s%s%s", meter_sim_endpoint(t->sim), opts[0] ? "?" : "", opts);
    int rc = meter_open(&m, model, conn, err, sizeof err);
    if (rc != METER_OK)
        fail_msg("open %s: %s", conn, err);
    return m;
}

static double reading(meter_t *m, meter_quantity_t q)
{
    meter_reading_t r;
    int rc = meter_read(m, q, &r);
    if (rc != METER_OK)
        fail_msg("read: %s", meter_last_error(m));
    return r.value;
}

static void test_readout_with_switch(void **state)
{
    (void)state;
    struct sim_thread t;
    start(&t, "iec62056");
    run(&t);
    meter_t *m = open_meter(&t, "iec62056", "");
    meter_reading_t r[64];
    size_t n = 0;
    assert_int_equal(meter_snapshot(m, r, 64, &n), METER_OK);
    assert_true(n >= 15);
    assert_int_equal(r[0].quantity, METER_Q_VOLTAGE_L1);
    assert_true(r[0].value == 230.1);
    assert_true(reading(m, METER_Q_ACTIVE_POWER_L1) == 1137.0); /* 1.137 kW, scaled exactly */
    assert_true(reading(m, METER_Q_ENERGY_ACTIVE_IMPORT_T2) == 4000.25);
    char id[80];
    assert_int_equal(meter_iec_identification(m, id, sizeof id), METER_OK);
    assert_string_equal(id, "ISk5ME162-0033");
    meter_stats_t st = METER_STATS_INIT;
    assert_int_equal(meter_get_stats(m, &st), METER_OK);
    assert_int_equal(st.retries, 0);
    meter_close(m);
    size_t rn;
    unsigned baud;
    uint8_t *rx = stop(&t, &rn, &baud);
    assert_int_equal(count(rx, rn, "\x06" "050\r\n", 6), 3); /* one session a read */
    assert_int_equal(baud, 9600); /* the client had switched when the readout went out */
    free(rx);
}

static void test_echo(void **state)
{
    (void)state;
    static const char *modes[] = {"echo=auto", "echo=on"};
    for (size_t i = 0; i < 2; i++) {
        struct sim_thread t;
        start(&t, "klefr-6922");
        meter_sim_set(t.sim, METER_SIM_IEC_ECHO, 1);
        run(&t);
        meter_t *m = open_meter(&t, "klefr-6922", modes[i]);
        assert_true(reading(m, METER_Q_ENERGY_ACTIVE_IMPORT_T1) == 8445.67);
        meter_record_t rec[32];
        size_t n = 0;
        assert_int_equal(meter_read_records(m, rec, 32, &n), METER_OK);
        assert_int_equal(n, 11);
        assert_string_equal(rec[0].address, "C.1.0");
        assert_int_equal(rec[0].quantity, METER_Q_SERIAL_NUMBER);
        assert_string_equal(rec[0].text, "13070001");
        meter_close(m);
        size_t rn;
        free(stop(&t, &rn, NULL));
    }
}

static void test_fallback_to_300(void **state)
{
    (void)state;
    struct sim_thread t;
    start(&t, "iec62056");
    meter_sim_set(t.sim, METER_SIM_IEC_NO_SWITCH, 1);
    run(&t);
    meter_t *m = open_meter(&t, "iec62056", "timeout=300");
    assert_true(reading(m, METER_Q_FREQUENCY) == 50.0);
    meter_stats_t st = METER_STATS_INIT;
    assert_int_equal(meter_get_stats(m, &st), METER_OK);
    assert_int_equal(st.retries, 1);
    meter_close(m);
    size_t rn;
    unsigned baud;
    uint8_t *rx = stop(&t, &rn, &baud);
    assert_int_equal(count(rx, rn, "/?!\r\n", 5), 2);
    assert_int_equal(count(rx, rn, "\x06" "050\r\n", 6), 1);
    assert_int_equal(count(rx, rn, "\x06" "000\r\n", 6), 1);
    assert_int_equal(baud, 300);
    free(rx);
}

/* ---- a raw client on the pty (for the meter's side of the protocol) ---- */

static int raw_open(const char *endpoint, unsigned baud)
{
    const char *path = strchr(endpoint, ':') + 1;
    int fd = open(path, O_RDWR | O_NOCTTY);
    assert_true(fd >= 0);
    struct termios tio;
    tcgetattr(fd, &tio);
    cfmakeraw(&tio);
    cfsetspeed(&tio, baud == 9600 ? B9600 : B300);
    tcsetattr(fd, TCSANOW, &tio);
    return fd;
}

static void raw_speed(int fd, unsigned baud)
{
    struct termios tio;
    tcgetattr(fd, &tio);
    cfsetspeed(&tio, baud == 9600 ? B9600 : B300);
    tcsetattr(fd, TCSANOW, &tio);
}

/* Read exactly n bytes (the simulator always answers; 10 s is only a safety net). */
static void raw_read(int fd, uint8_t *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        struct pollfd pf = {fd, POLLIN, 0};
        if (poll(&pf, 1, 10000) <= 0)
            fail_msg("no answer: %zu of %zu bytes", got, n);
        ssize_t k = read(fd, p + got, n - got);
        assert_true(k > 0);
        got += (size_t)k;
    }
}

static void test_meter_sends_readout_without_ack(void **state)
{
    (void)state;
    struct sim_thread t;
    start(&t, "iec62056");
    meter_sim_set(t.sim, METER_SIM_IEC_ACK_WAIT_MS, 50);
    meter_sim_set_text(t.sim, METER_SIM_IEC_DATA, "1.8.0(0033402.264*kWh)\n0.0.0(12345678)");
    run(&t);
    int fd = raw_open(meter_sim_endpoint(t.sim), 300);
    assert_int_equal(write(fd, "/?!\r\n", 5), 5);
    uint8_t buf[128];
    const char ident[] = "/ISk5ME162-0033\r\n";
    raw_read(fd, buf, strlen(ident));
    assert_memory_equal(buf, ident, strlen(ident));
    /* no option select: the readout follows at 300 Bd */
    const char data[] = "\x02" "1.8.0(0033402.264*kWh)\r\n0.0.0(12345678)\r\n!\r\n\x03";
    raw_read(fd, buf, sizeof data); /* with the check character */
    assert_memory_equal(buf, data, sizeof data - 1);
    assert_int_equal(buf[sizeof data - 1], mtr_iec_bcc_xor((const uint8_t *)data + 1, sizeof data - 2));
    close(fd);
    size_t rn;
    free(stop(&t, &rn, NULL));
}

/* ---- programming mode ---- */

static void prog_sim(struct sim_thread *t, const char *password)
{
    start(t, "iec62056");
    meter_sim_set_text(t->sim, METER_SIM_IEC_PASSWORD, password);
    meter_sim_set_text(t->sim, METER_SIM_IEC_REGISTERS, "1.8.0(0033402.264*kWh)\nC.90(00000100)");
}

static void test_program_read_write(void **state)
{
    (void)state;
    struct sim_thread t;
    prog_sim(&t, "secret");
    run(&t);
    meter_t *m = open_meter(&t, "iec62056", "password=secret");
    char v[64];
    assert_int_equal(meter_iec_read_register(m, "1.8.0", NULL, v, sizeof v), METER_OK);
    assert_string_equal(v, "0033402.264*kWh");
    meter_iec_op_t ops[3];
    memset(ops, 0, sizeof ops);
    ops[0].address = "C.90";
    ops[0].value = "00000200";
    ops[1].address = "C.90";
    ops[2].address = "1.8.0";
    assert_int_equal(meter_iec_program(m, NULL, ops, 3), METER_OK);
    assert_string_equal(ops[1].result, "00000200");
    assert_string_equal(ops[2].answer, "1.8.0(0033402.264*kWh)");
    meter_close(m);
    size_t rn;
    uint8_t *rx = stop(&t, &rn, NULL);
    assert_int_equal(count(rx, rn, "\x06" "051\r\n", 6), 2);
    assert_int_equal(count(rx, rn, "\x01" "P1\x02(secret)\x03", 12), 2);
    assert_int_equal(count(rx, rn, "\x01" "B0\x03q", 5), 2); /* B0 ends each session */
    assert_true(ends_with_b0(rx, rn));
    free(rx);
}

static void test_wrong_password(void **state)
{
    (void)state;
    struct sim_thread t;
    prog_sim(&t, "secret");
    run(&t);
    meter_t *m = open_meter(&t, "iec62056", "password=secret");
    char v[64];
    assert_int_equal(meter_iec_read_register(m, "1.8.0", "guess", v, sizeof v), METER_EAUTH);
    assert_non_null(strstr(meter_last_error(m), "password refused"));
    assert_non_null(strstr(meter_last_error(m), "(ERROR)"));
    meter_close(m);
    size_t rn;
    uint8_t *rx = stop(&t, &rn, NULL);
    assert_int_equal(count(rx, rn, "\x01R1", 3), 0); /* nothing read after the refusal */
    assert_true(ends_with_b0(rx, rn));                /* B0 after the abort */
    free(rx);
}

static void test_nak_and_retry(void **state)
{
    (void)state;
    struct sim_thread t;
    prog_sim(&t, "");
    meter_sim_set(t.sim, METER_SIM_IEC_NAK_FIRST, 1);     /* our R1 is refused once */
    meter_sim_set(t.sim, METER_SIM_IEC_CORRUPT_FIRST, 1); /* then its answer arrives damaged */
    run(&t);
    meter_t *m = open_meter(&t, "iec62056", "retries=2");
    char v[64];
    assert_int_equal(meter_iec_read_register(m, "C.90", NULL, v, sizeof v), METER_OK);
    assert_string_equal(v, "00000100");
    assert_int_equal(meter_iec_read_register(m, "1.8.0", NULL, v, sizeof v), METER_OK);
    assert_string_equal(v, "0033402.264*kWh");
    meter_stats_t st = METER_STATS_INIT;
    assert_int_equal(meter_get_stats(m, &st), METER_OK);
    assert_int_equal(st.retries, 2);
    meter_close(m);
    size_t rn;
    uint8_t *rx = stop(&t, &rn, NULL);
    assert_int_equal(count(rx, rn, "\x01R1\x02" "C.90()\x03", 10), 2);   /* sent again after NAK */
    assert_int_equal(count(rx, rn, "\x15", 1), 1);                       /* our NAK */
    assert_int_equal(count(rx, rn, "\x01R1\x02" "1.8.0()\x03", 11), 1);  /* we NAKed, it repeated */
    assert_true(ends_with_b0(rx, rn));
    free(rx);
}

static void test_error_answer_still_b0(void **state)
{
    (void)state;
    struct sim_thread t;
    prog_sim(&t, "");
    run(&t);
    meter_t *m = open_meter(&t, "iec62056", "");
    char v[64];
    assert_int_equal(meter_iec_read_register(m, "9.9.9", NULL, v, sizeof v), METER_EAPPLICATION);
    assert_non_null(strstr(meter_last_error(m), "(ERROR)"));
    meter_close(m);
    size_t rn;
    uint8_t *rx = stop(&t, &rn, NULL);
    assert_true(ends_with_b0(rx, rn));
    free(rx);
}

/* ---- the programming transcripts, byte for byte ---- */

struct frame {
    int to_meter;
    uint8_t b[256];
    size_t n;
};

static size_t load_transcript(const char *name, struct frame *f, size_t cap)
{
    char path[512], line[2048];
    snprintf(path, sizeof path, "%s/iec/%s", METER_FIXTURES, name);
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    size_t k = 0;
    while (fgets(line, sizeof line, fp) && k < cap) {
        if (strncmp(line, ">>", 2) != 0 && strncmp(line, "<<", 2) != 0)
            continue;
        char *hex = strchr(strchr(line, '\t') + 1, '\t') + 1;
        f[k].to_meter = line[0] == '>';
        f[k].n = 0;
        for (char *p = hex; *p && *p != '\t' && *p != '\n';) {
            if (*p == ' ') {
                p++;
                continue;
            }
            unsigned v;
            sscanf(p, "%2x", &v);
            f[k].b[f[k].n++] = (uint8_t)v;
            p += 2;
        }
        k++;
    }
    fclose(fp);
    return k;
}

struct transcript_case {
    const char *file, *ident, *device, *password, *p0, *registers, *error_text;
    int sum7, crlf;
};

static const struct transcript_case transcripts[] = {
    {"energomera_ce102m_progmode_wb-mqtt-serial.session.txt", "/EKT5CE102Mv01", "141628345",
     "777777", "141628345",
     "CURRE(0.402)\nFREQU(49.97)\nVOLTA(237.58)\nET0PE(68.42)(45.54)(22.88)(0.00)(0.00)(0.00)",
     "(ERROR)", 1, 1},
    {"neva_mt324_progmode_wb-mqtt-serial.session.txt", "/TPC5NEVAMT324.2307", "00000201",
     "00000000", "00000000",
     "100700FF(00005.3)\n2107FFFF(00.717)\n600900FF(029)\n"
     "0F0880FF(000046.24,000031.14,000015.10,000000.00,000000.00)",
     "(01)", 0, 0},
};

static void transcript_sim(struct sim_thread *t, const struct transcript_case *c)
{
    start(t, "iec62056");
    meter_sim_set_text(t->sim, METER_SIM_IEC_IDENT, c->ident);
    meter_sim_set_text(t->sim, METER_SIM_IEC_DEVICE, c->device);
    meter_sim_set_text(t->sim, METER_SIM_IEC_PASSWORD, c->password);
    meter_sim_set_text(t->sim, METER_SIM_IEC_P0, c->p0);
    meter_sim_set_text(t->sim, METER_SIM_IEC_REGISTERS, c->registers);
    meter_sim_set_text(t->sim, METER_SIM_IEC_ERROR_TEXT, c->error_text);
    meter_sim_set(t->sim, METER_SIM_IEC_SUM7, c->sum7);
    meter_sim_set(t->sim, METER_SIM_IEC_ANSWER_CRLF, c->crlf);
    meter_sim_set(t->sim, METER_SIM_IEC_REACTION_MS, 1);
    run(t);
}

/* The meter's side: send the client's frames, get the meter's frames back exactly. */
static void test_transcripts_meter_side(void **state)
{
    (void)state;
    for (size_t c = 0; c < 2; c++) {
        struct frame f[32];
        size_t nf = load_transcript(transcripts[c].file, f, 32);
        struct sim_thread t;
        transcript_sim(&t, &transcripts[c]);
        int fd = raw_open(meter_sim_endpoint(t.sim), 300);
        for (size_t i = 0; i < nf; i++) {
            if (f[i].to_meter) {
                assert_int_equal(write(fd, f[i].b, f[i].n), (ssize_t)f[i].n);
                if (f[i].b[0] == 0x06) /* our option select asked for 9600 Bd */
                    raw_speed(fd, 9600);
            } else {
                uint8_t got[256];
                raw_read(fd, got, f[i].n);
                assert_memory_equal(got, f[i].b, f[i].n);
            }
        }
        close(fd);
        size_t rn;
        free(stop(&t, &rn, NULL));
    }
}

/* The client's side: libmeter sends the transcript's frames (B0 with the meter's check). */
static void test_transcripts_client_side(void **state)
{
    (void)state;
    static const char *addrs[2][5] = {{"CURRE", "FREQU", "VOLTA", "ET0PE", NULL},
                                      {"100700FF", "2107FFFF", "600900FF", NULL, NULL}};
    static const char *values[2][4] = {{"0.402", "49.97", "237.58", "68.42"},
                                       {"00005.3", "00.717", "029", NULL}};
    for (size_t c = 0; c < 2; c++) {
        struct frame f[32];
        size_t nf = load_transcript(transcripts[c].file, f, 32);
        struct sim_thread t;
        transcript_sim(&t, &transcripts[c]);
        char opts[200];
        snprintf(opts, sizeof opts, "device=%s&password=%s%s", transcripts[c].device,
                 transcripts[c].password, transcripts[c].sum7 ? "&bcc=sum7" : "");
        meter_t *m = open_meter(&t, "iec62056", opts);
        meter_iec_op_t ops[4];
        memset(ops, 0, sizeof ops);
        size_t n = 0;
        for (; n < 4 && addrs[c][n]; n++)
            ops[n].address = addrs[c][n];
        assert_int_equal(meter_iec_program(m, NULL, ops, n), METER_OK);
        for (size_t i = 0; i < n; i++)
            assert_string_equal(ops[i].result, values[c][i]);
        meter_close(m);
        size_t rn;
        uint8_t *rx = stop(&t, &rn, NULL);
        /* what we sent = the transcript's client frames, in order, through the last R1 */
        size_t off = 0, r1 = 0;
        for (size_t i = 0; i < nf && r1 < n; i++) {
            if (!f[i].to_meter)
                continue;
            assert_true(off + f[i].n <= rn);
            assert_memory_equal(rx + off, f[i].b, f[i].n);
            off += f[i].n;
            r1 += f[i].b[0] == 0x01 && f[i].b[1] == 'R';
        }
        uint8_t b0[8];
        size_t bn;
        mtr_iec_cmd_build(b0, sizeof b0, 'B', '0', NULL, 0, false,
                          transcripts[c].sum7 ? MTR_IEC_BCC_SUM7 : MTR_IEC_BCC_XOR, &bn);
        assert_int_equal(rn, off + bn);
        assert_memory_equal(rx + off, b0, bn);
        free(rx);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_readout_with_switch),
        cmocka_unit_test(test_echo),
        cmocka_unit_test(test_fallback_to_300),
        cmocka_unit_test(test_meter_sends_readout_without_ack),
        cmocka_unit_test(test_program_read_write),
        cmocka_unit_test(test_wrong_password),
        cmocka_unit_test(test_nak_and_retry),
        cmocka_unit_test(test_error_answer_still_b0),
        cmocka_unit_test(test_transcripts_meter_side),
        cmocka_unit_test(test_transcripts_client_side),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
