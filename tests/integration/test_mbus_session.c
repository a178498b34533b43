/* SPDX-License-Identifier: MIT */
/* M-Bus sessions against a scripted slave behind a TCP "gateway" thread:
 * our own echoed request and line noise are dropped, a corrupt answer is
 * asked for again with the same FCB, the FCB toggles after a good exchange. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "meter/meter.h"

static const uint8_t klefr[] = {
    0x68, 0x4B, 0x4B, 0x68, 0x08, 0x00, 0x72, 0x00, 0x00, 0x00, 0x00, 0x25, 0xCD, 0x01, 0x02,
    0x02, 0x00, 0x00, 0x00, 0x0C, 0x04, 0x14, 0x48, 0x60, 0x01, 0x8C, 0x10, 0x04, 0x23, 0x80,
    0x35, 0x00, 0x8C, 0x20, 0x04, 0x91, 0x67, 0x24, 0x01, 0x1C, 0x04, 0x46, 0x13, 0x69, 0x00,
    0x9C, 0x10, 0x04, 0x56, 0x34, 0x12, 0x00, 0x9C, 0x20, 0x04, 0x90, 0x78, 0x56, 0x00, 0x2C,
    0x04, 0x68, 0x34, 0x91, 0x00, 0xAC, 0x10, 0x04, 0x67, 0x45, 0x23, 0x00, 0xAC, 0x20, 0x04,
    0x01, 0x89, 0x67, 0x00, 0x7C, 0x16};

struct fake {
    int listen_fd;
    pthread_t tid;
    uint8_t reqs[8][8]; /* the short frames received */
    int nreq;
};

/* Answers: 1) SND_NKE: echo + E5; 2) REQ_UD2: echo + noise + a frame with a bad
 * checksum; 3) the repeat: echo + noise + the good frame; 4) REQ_UD2: good frame. */
static void *slave(void *arg)
{
    struct fake *f = arg;
    int c = accept(f->listen_fd, NULL, NULL);
    if (c < 0)
        return NULL;
    for (f->nreq = 0; f->nreq < 4;) {
        uint8_t req[5];
        size_t got = 0;
        while (got < 5) {
            ssize_t k = read(c, req + got, 5 - got);
            if (k <= 0)
                goto out;
            got += (size_t)k;
        }
        memcpy(f->reqs[f->nreq], req, 5);
        int i = f->nreq++;
        uint8_t out[300];
        size_t n = 0;
        if (i < 3) { /* a level converter that echoes, and a noisy line */
            memcpy(out, req, 5);
            n = 5;
        }
        if (i == 0) {
            out[n++] = 0xE5;
        } else {
            if (i < 3) {
                out[n++] = 0xFE;
                out[n++] = 0x00;
            }
            memcpy(out + n, klefr, sizeof klefr);
            if (i == 1)
                out[n + sizeof klefr - 2] ^= 0x01; /* checksum off */
            n += sizeof klefr;
        }
        if (write(c, out, n) != (ssize_t)n)
            break;
    }
out:
    close(c);
    return NULL;
}

static void test_echo_noise_retry_fcb(void **state)
{
    (void)state;
    struct fake f;
    memset(&f, 0, sizeof f);
    f.listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(f.listen_fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(f.listen_fd, 1), 0);
    socklen_t sl = sizeof a;
    getsockname(f.listen_fd, (struct sockaddr *)&a, &sl);
    assert_int_equal(pthread_create(&f.tid, NULL, slave, &f), 0);

    char conn[128], err[256];
    snprintf(conn, sizeof conn, "mbus-tcp:127.0.0.1:%u?addr=0&timeout=2000&retries=1",
             ntohs(a.sin_port));
    meter_t *m;
    assert_int_equal(meter_open(&m, "klefr-6923", conn, err, sizeof err), METER_OK);
    meter_reading_t r;
    assert_int_equal(meter_read(m, METER_Q_ENERGY_ACTIVE_EXPORT_T2, &r), METER_OK);
    assert_true(r.value == 6789.01);
    meter_stats_t st = METER_STATS_INIT;
    assert_int_equal(meter_get_stats(m, &st), METER_OK);
    assert_int_equal(st.retries, 1);
    assert_int_equal(meter_read(m, METER_Q_ENERGY_ACTIVE_TOTAL, &r), METER_OK);
    assert_true(r.value == 16048.14);
    meter_close(m);
    pthread_join(f.tid, NULL);
    close(f.listen_fd);

    assert_int_equal(f.nreq, 4);
    assert_memory_equal(f.reqs[0], "\x10\x40\x00\x40\x16", 5); /* SND_NKE */
    assert_memory_equal(f.reqs[1], "\x10\x7B\x00\x7B\x16", 5); /* REQ_UD2, FCB 1 */
    assert_memory_equal(f.reqs[2], "\x10\x7B\x00\x7B\x16", 5); /* corrupt answer: the same */
    assert_memory_equal(f.reqs[3], "\x10\x5B\x00\x5B\x16", 5); /* a good one: FCB toggled */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_echo_noise_retry_fcb),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
