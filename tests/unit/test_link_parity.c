/* SPDX-License-Identifier: MIT */
/* Parity errors on serial lines: the link asks the kernel to mark a damaged byte
 * (INPCK, PARMRK: FF 00 x; a real FF as FF FF) and mtr_link_unmark() undoes the
 * marks and counts the damage, also when a mark is cut between two reads. On a
 * pty (which has no parity but does double FF under PARMRK) a whole read path is
 * checked: FF bytes come through once, and a line without parity is not marked. */
#include <fcntl.h>
#include <pty.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/transport/link.h"
#include "meter/error.h"

/* unmark @p in (n bytes) in pieces of @p chunk; returns the bytes left in @p out */
static size_t unmark_in_pieces(const uint8_t *in, size_t n, size_t chunk, uint8_t *out,
                               uint64_t *errors)
{
    uint8_t state = 0;
    size_t o = 0;
    for (size_t i = 0; i < n; i += chunk) {
        size_t k = n - i < chunk ? n - i : chunk;
        uint8_t buf[64];
        memcpy(buf, in + i, k);
        size_t left = mtr_link_unmark(&state, buf, k, errors);
        memcpy(out + o, buf, left);
        o += left;
    }
    return o;
}

static void test_unmark(void **state)
{
    (void)state;
    /* 01, a real FF, 02 damaged, 03, a real FF, 7E damaged (a break: 00 damaged) */
    static const uint8_t wire[] = {0x01, 0xFF, 0xFF, 0xFF, 0x00, 0x02, 0x03,
                                   0xFF, 0xFF, 0xFF, 0x00, 0x7E, 0xFF, 0x00, 0x00};
    static const uint8_t want[] = {0x01, 0xFF, 0x02, 0x03, 0xFF, 0x7E, 0x00};
    for (size_t chunk = 1; chunk <= sizeof wire; chunk++) { /* every cut between reads */
        uint8_t out[64];
        uint64_t errors = 0;
        size_t n = unmark_in_pieces(wire, sizeof wire, chunk, out, &errors);
        assert_int_equal(n, sizeof want);
        assert_memory_equal(out, want, sizeof want);
        assert_int_equal(errors, 3);
    }
    /* clean bytes pass untouched and count nothing */
    uint8_t clean[] = {0x68, 0x03, 0x03, 0x68, 0x08, 0x05, 0x72, 0x7F, 0x16};
    uint8_t st = 0;
    uint64_t errors = 0;
    assert_int_equal(mtr_link_unmark(&st, clean, sizeof clean, &errors), sizeof clean);
    assert_int_equal(errors, 0);
    /* a mark the kernel does not write (FF then neither FF nor 00) counts as damage */
    uint8_t odd[] = {0x10, 0xFF, 0x41, 0x11};
    st = 0;
    assert_int_equal(mtr_link_unmark(&st, odd, sizeof odd, &errors), 3);
    assert_int_equal(odd[1], 0x41);
    assert_int_equal(errors, 1);
}

/* open the pty's slave through the link with @p parity; the master is returned */
static int open_pty(struct mtr_link *l, char parity, unsigned bits)
{
    int master, slave;
    char name[128];
    assert_int_equal(openpty(&master, &slave, name, NULL, NULL), 0);
    close(slave);
    char err[256];
    assert_int_equal(mtr_link_open_serial(l, name, 9600, parity, bits, 1, err, sizeof err),
                     METER_OK);
    return master;
}

/* read until @p want bytes came through the link */
static void read_n(struct mtr_link *l, uint8_t *got, size_t want)
{
    size_t n = 0;
    while (n < want) {
        size_t k = 0;
        char err[128];
        assert_int_equal(mtr_link_read(l, got + n, want - n, 1000, &k, err, sizeof err), METER_OK);
        n += k;
    }
}

static void test_pty_marks_and_ff(void **state)
{
    (void)state;
    struct mtr_link l;
    int master = open_pty(&l, 'E', 8);
    struct termios t;
    assert_int_equal(tcgetattr(l.fd, &t), 0);
    assert_true(t.c_iflag & INPCK); /* the kernel checks and marks */
    assert_true(t.c_iflag & PARMRK);
    assert_false(t.c_iflag & IGNPAR);
    assert_false(t.c_iflag & ISTRIP);
    static const uint8_t sent[] = {0x68, 0xFF, 0x00, 0xFF, 0xFF, 0x16};
    assert_int_equal(write(master, sent, sizeof sent), (ssize_t)sizeof sent);
    uint8_t got[sizeof sent + 1];
    read_n(&l, got, sizeof sent); /* the pty doubles each FF; the link gives each once */
    assert_memory_equal(got, sent, sizeof sent);
    size_t k = 0;
    char err[128];
    assert_int_equal(mtr_link_read(&l, got, sizeof got, 50, &k, err, sizeof err), METER_ETIMEDOUT);
    assert_int_equal(l.parity_errors, 0);
    assert_int_equal(l.bytes_received, sizeof sent);
    mtr_link_close(&l);
    close(master);
}

static void test_pty_no_parity_no_marks(void **state)
{
    (void)state;
    struct mtr_link l;
    int master = open_pty(&l, 'N', 8);
    struct termios t;
    assert_int_equal(tcgetattr(l.fd, &t), 0);
    assert_false(t.c_iflag & (INPCK | PARMRK));
    static const uint8_t sent[] = {0x01, 0xFF, 0x00, 0x02};
    assert_int_equal(write(master, sent, sizeof sent), (ssize_t)sizeof sent);
    uint8_t got[sizeof sent];
    read_n(&l, got, sizeof sent);
    assert_memory_equal(got, sent, sizeof sent); /* FF 00 is data here, not a mark */
    assert_int_equal(l.parity_errors, 0);
    mtr_link_close(&l);
    close(master);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unmark),
        cmocka_unit_test(test_pty_marks_and_ff),
        cmocka_unit_test(test_pty_no_parity_no_marks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
