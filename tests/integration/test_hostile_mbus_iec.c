/* SPDX-License-Identifier: MIT */
/* Misbehaving M-Bus and IEC 62056-21 peers on 127.0.0.1 (a thread per case): endless
 * bytes, noise, trickles, foreign and glued frames, endless readouts. Each case asserts
 * the named error and that the call ended before the bound the headers document,
 * computed from the settings; the huge cases also that little of the flood was read. */
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
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "meter/meter.h"
#include "meter/scan.h"
#include "support.h"

/* ---- the peer --------------------------------------------------------------- */

struct peer;
typedef void (*peer_fn)(struct peer *p, int c);

struct peer {
    int listen_fd;
    unsigned port;
    pthread_t tid;
    peer_fn fn;
    size_t sent; /* bytes the peer got onto the socket */
    int asked;   /* REQ_UD2s answered so far */
};

/* Send all of buf; 0 once the client has gone. */
static int put(struct peer *p, int c, const void *buf, size_t n)
{
    const uint8_t *b = buf;
    while (n) {
        ssize_t k = send(c, b, n, MSG_NOSIGNAL);
        if (k <= 0)
            return 0;
        p->sent += (size_t)k;
        b += k;
        n -= (size_t)k;
    }
    return 1;
}

/* Wait up to ms for the client; drop what it sent. 0 once it has gone. */
static int idle(int c, int ms)
{
    struct pollfd pf = {c, POLLIN, 0};
    if (poll(&pf, 1, ms) <= 0)
        return 1;
    uint8_t junk[256];
    return recv(c, junk, sizeof junk, MSG_DONTWAIT) > 0;
}

/* Read one request: an M-Bus short frame (5 bytes) or a line up to LF. 0 at EOF. */
static int get_request(int c, uint8_t *buf, size_t cap, size_t *n)
{
    *n = 0;
    while (*n < cap) {
        ssize_t k = recv(c, buf + *n, 1, 0);
        if (k <= 0)
            return 0;
        (*n)++;
        if (buf[0] == 0x10 && *n == 5)
            return 1;
        if (buf[0] != 0x10 && buf[*n - 1] == '\n')
            return 1;
    }
    return 1;
}

static void *peer_main(void *arg)
{
    struct peer *p = arg;
    int c = accept(p->listen_fd, NULL, NULL);
    if (c < 0)
        return NULL;
    p->fn(p, c);
    close(c);
    return NULL;
}

static void peer_start(struct peer *p, peer_fn fn)
{
    memset(p, 0, sizeof *p);
    p->fn = fn;
    p->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(p->listen_fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(p->listen_fd, 1), 0);
    socklen_t sl = sizeof a;
    getsockname(p->listen_fd, (struct sockaddr *)&a, &sl);
    p->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&p->tid, NULL, peer_main, p), 0);
}

static void peer_join(struct peer *p)
{
    pthread_join(p->tid, NULL);
    close(p->listen_fd);
}

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1000.0 + (double)t.tv_nsec / 1e6;
}

/* ---- M-Bus ------------------------------------------------------------------ */

/* A KLEFR 6923 RSP_UD from primary address 0 (its energies: 16048.14 kWh …). */
static const uint8_t klefr[] = {
    0x68, 0x4B, 0x4B, 0x68, 0x08, 0x00, 0x72, 0x00, 0x00, 0x00, 0x00, 0x25, 0xCD, 0x01, 0x02,
    0x02, 0x00, 0x00, 0x00, 0x0C, 0x04, 0x14, 0x48, 0x60, 0x01, 0x8C, 0x10, 0x04, 0x23, 0x80,
    0x35, 0x00, 0x8C, 0x20, 0x04, 0x91, 0x67, 0x24, 0x01, 0x1C, 0x04, 0x46, 0x13, 0x69, 0x00,
    0x9C, 0x10, 0x04, 0x56, 0x34, 0x12, 0x00, 0x9C, 0x20, 0x04, 0x90, 0x78, 0x56, 0x00, 0x2C,
    0x04, 0x68, 0x34, 0x91, 0x00, 0xAC, 0x10, 0x04, 0x67, 0x45, 0x23, 0x00, 0xAC, 0x20, 0x04,
    0x01, 0x89, 0x67, 0x00, 0x7C, 0x16};

/* klefr with byte i set to v and the checksum made good again */
static void klefr_with(uint8_t *out, size_t i, uint8_t v)
{
    memcpy(out, klefr, sizeof klefr);
    out[i] = v;
    uint8_t cs = 0;
    for (size_t k = 4; k < sizeof klefr - 2; k++)
        cs = (uint8_t)(cs + out[k]);
    out[sizeof klefr - 2] = cs;
}

/* The documented bound of one exchange (include/meter/device.h, docs/mbus.md), TCP:
 * 1000 + timeout + 300 + (3·n + 325) · 11000/2400 ms. */
static double mbus_exchange_bound(unsigned timeout, size_t n)
{
    return 1000.0 + timeout + 300.0 + (3.0 * (double)n + 325.0) * 11000.0 / 2400.0;
}

/* SND_NKE gets E5; every REQ_UD2 gets what answer() sends. */
static void mbus_serve(struct peer *p, int c, int (*answer)(struct peer *, int))
{
    uint8_t req[300];
    size_t n;
    while (get_request(c, req, sizeof req, &n)) {
        if (n == 5 && req[1] == 0x40) {
            if (!put(p, c, "\xE5", 1))
                return;
        } else if (!answer(p, c)) {
            return;
        }
    }
}

static int ans_endless_68(struct peer *p, int c)
{
    uint8_t b[512];
    memset(b, 0x68, sizeof b);
    while (put(p, c, b, sizeof b)) {
    }
    return 0;
}
static void peer_endless_68(struct peer *p, int c) { mbus_serve(p, c, ans_endless_68); }

static int ans_noise(struct peer *p, int c)
{
    for (int i = 0; i < 200; i++) /* a noise byte every 200 ms, for 40 s at most */
        if (!put(p, c, "\xAA", 1) || !idle(c, 200))
            return 0;
    return 0;
}
static void peer_noise(struct peer *p, int c) { mbus_serve(p, c, ans_noise); }

static int ans_trickle(struct peer *p, int c)
{
    for (size_t i = 0; i < sizeof klefr; i++) /* a good answer at a byte per 250 ms */
        if (!put(p, c, klefr + i, 1) || !idle(c, 250))
            return 0;
    return 1;
}
static void peer_trickle(struct peer *p, int c) { mbus_serve(p, c, ans_trickle); }

static int ans_other_address(struct peer *p, int c)
{
    uint8_t f[sizeof klefr];
    klefr_with(f, 5, 7); /* well formed, from address 7 */
    return put(p, c, f, sizeof f);
}
static void peer_other_address(struct peer *p, int c) { mbus_serve(p, c, ans_other_address); }

static int ans_glued(struct peer *p, int c)
{
    uint8_t f[2 * sizeof klefr];
    memcpy(f, klefr, sizeof klefr);
    klefr_with(f + sizeof klefr, 21, 0x99); /* another energy */
    return put(p, c, f, sizeof f);
}
static void peer_glued(struct peer *p, int c) { mbus_serve(p, c, ans_glued); }

static int ans_e5(struct peer *p, int c)
{
    return put(p, c, "\xE5", 1);
}
static void peer_e5(struct peer *p, int c) { mbus_serve(p, c, ans_e5); }

static int ans_repeat(struct peer *p, int c)
{
    uint8_t f[2 * sizeof klefr]; /* the same answer twice (a gateway repeating itself) */
    memcpy(f, klefr, sizeof klefr);
    memcpy(f + sizeof klefr, klefr, sizeof klefr);
    return put(p, c, f, sizeof f);
}
static void peer_repeat(struct peer *p, int c) { mbus_serve(p, c, ans_repeat); }

/* ---- collisions in a read (docs/mbus.md, "Collisions in a read") ---- */

/* Another meter at the same address: id 44332211 and 9999.99 kWh, the same length. */
static void other_meter(uint8_t *f)
{
    klefr_with(f, 21, 0x99);
    f[22] = f[23] = 0x99;
    f[24] = 0x00;
    memcpy(f + 7, "\x11\x22\x33\x44", 4);
    uint8_t cs = 0;
    for (size_t k = 4; k < sizeof klefr - 2; k++)
        cs = (uint8_t)(cs + f[k]);
    f[sizeof klefr - 2] = cs;
}

/* both answer at once: the master hears the wired-AND (a 0 bit wins) */
static void both(uint8_t *out)
{
    uint8_t b[sizeof klefr];
    other_meter(b);
    for (size_t i = 0; i < sizeof klefr; i++)
        out[i] = klefr[i] & b[i];
}

static int ans_collision(struct peer *p, int c)
{
    uint8_t f[sizeof klefr];
    both(f);
    p->asked++;
    return put(p, c, f, sizeof f);
}
static void peer_collision(struct peer *p, int c) { mbus_serve(p, c, ans_collision); }

static int ans_corrupt_once(struct peer *p, int c)
{
    uint8_t f[sizeof klefr];
    memcpy(f, klefr, sizeof f);
    if (p->asked++ == 0)
        f[30] ^= 0x04; /* one bit, once, on a clean line */
    return put(p, c, f, sizeof f);
}
static void peer_corrupt_once(struct peer *p, int c) { mbus_serve(p, c, ans_corrupt_once); }

static int ans_corrupt_always(struct peer *p, int c)
{
    uint8_t f[sizeof klefr];
    memcpy(f, klefr, sizeof f);
    f[20 + 7 * (p->asked++ % 8)] ^= 0x04; /* noise: another bit each time */
    return put(p, c, f, sizeof f);
}
static void peer_corrupt_always(struct peer *p, int c) { mbus_serve(p, c, ans_corrupt_always); }

static int ans_overlap(struct peer *p, int c)
{
    /* the other meter's answer is 6 bytes longer: its tail comes after the overlap's end */
    uint8_t lng[sizeof klefr + 6], f[sizeof klefr + 6];
    other_meter(lng);
    memmove(lng + sizeof klefr - 2 + 6, lng + sizeof klefr - 2, 2);
    memcpy(lng + sizeof klefr - 2, "\x0C\x04\x11\x22\x33\x44", 6);
    lng[1] = lng[2] = (uint8_t)(lng[1] + 6);
    uint8_t cs = 0;
    for (size_t k = 4; k < sizeof lng - 2; k++)
        cs = (uint8_t)(cs + lng[k]);
    lng[sizeof lng - 2] = cs;
    for (size_t i = 0; i < sizeof f; i++)
        f[i] = i < sizeof klefr ? (uint8_t)(klefr[i] & lng[i]) : lng[i];
    p->asked++;
    return put(p, c, f, sizeof f);
}
static void peer_overlap(struct peer *p, int c) { mbus_serve(p, c, ans_overlap); }

/* One read against a hostile M-Bus peer: its status, and whether it ended within
 * the bound of the exchanges it may take (SND_NKE and REQ_UD2, each 1 + retries). */
static int mbus_case(peer_fn fn, unsigned timeout, unsigned retries, meter_reading_t *r,
                     char *msg, size_t len)
{
    struct peer p;
    peer_start(&p, fn);
    char conn[160], err[256];
    snprintf(conn, sizeof conn, "mbus-tcp:127.0.0.1:%u?addr=0&timeout=%u&retries=%u", p.port,
             timeout, retries);
    meter_t *m;
    assert_int_equal(meter_open(&m, "klefr-6923", conn, err, sizeof err), METER_OK);
    double t0 = now_ms();
    int rc = meter_read(m, METER_Q_ENERGY_ACTIVE_TOTAL, r);
    double took = now_ms() - t0;
    double bound = 2.0 * (1 + retries) * mbus_exchange_bound(timeout, 5);
    snprintf(msg, len, "%s", meter_last_error(m));
    meter_stats_t st = METER_STATS_INIT;
    assert_int_equal(meter_get_stats(m, &st), METER_OK);
    meter_close(m);
    peer_join(&p);
    print_message("  %s after %.0f ms (bound %.0f ms): %s\n", meter_errname(rc), took, bound, msg);
    assert_true(took < bound);
    /* a read takes at most what its exchanges accept: the echo, a frame, the noise allowance */
    assert_true(st.bytes_received <= 2 * (1 + retries) * (5 + 261 + 64) + 2 * 300);
    return rc;
}

static void test_mbus_collision_seen_on_the_retry(void **state)
{
    (void)state;
    meter_reading_t r;
    char msg[256];
    /* the same garbled frame on the repeated request: two meters answer at address 0 */
    assert_int_equal(mbus_case(peer_collision, 300, 1, &r, msg, sizeof msg), METER_ECOLLISION);
    assert_non_null(strstr(msg, "the same garbled frame"));
    assert_int_equal(r.status, METER_ECOLLISION);
}

static void test_mbus_collision_unseen_without_retry(void **state)
{
    (void)state;
    meter_reading_t r;
    char msg[256];
    /* one garbled frame and no second look: a corrupt answer, as on a clean line */
    assert_int_equal(mbus_case(peer_collision, 300, 0, &r, msg, sizeof msg), METER_ECHECKSUM);
}

static void test_mbus_one_bad_checksum_is_retried(void **state)
{
    (void)state;
    meter_reading_t r;
    char msg[256];
    assert_int_equal(mbus_case(peer_corrupt_once, 300, 1, &r, msg, sizeof msg), METER_OK);
    assert_true(r.value == 16048.14);
    assert_int_equal(mbus_case(peer_corrupt_once, 300, 0, &r, msg, sizeof msg), METER_ECHECKSUM);
    assert_non_null(strstr(msg, "garbled answer: no valid frame"));
}

static void test_mbus_changing_corruption_is_a_checksum_error(void **state)
{
    (void)state;
    meter_reading_t r;
    char msg[256];
    assert_int_equal(mbus_case(peer_corrupt_always, 300, 2, &r, msg, sizeof msg),
                     METER_ECHECKSUM);
}

static void test_mbus_overlapping_answers_collide_at_once(void **state)
{
    (void)state;
    meter_reading_t r;
    char msg[256];
    assert_int_equal(mbus_case(peer_overlap, 300, 0, &r, msg, sizeof msg), METER_ECOLLISION);
    assert_non_null(strstr(msg, "different lengths overlapped"));
}

static void test_mbus_endless_68(void **state)
{
    (void)state;
    meter_reading_t r;
    char msg[256];
    assert_int_equal(mbus_case(peer_endless_68, 300, 1, &r, msg, sizeof msg), METER_ELIMIT);
    assert_non_null(strstr(msg, "kept sending"));
}

static void test_mbus_noise_every_200ms(void **state)
{
    (void)state;
    meter_reading_t r;
    char msg[256];
    assert_int_equal(mbus_case(peer_noise, 300, 1, &r, msg, sizeof msg), METER_ETIMEDOUT);
    assert_non_null(strstr(msg, "still coming"));
}

static void test_mbus_trickle(void **state)
{
    (void)state;
    meter_reading_t r;
    char msg[256];
    int rc = mbus_case(peer_trickle, 300, 0, &r, msg, sizeof msg);
    assert_int_equal(rc, METER_ETIMEDOUT);
    assert_non_null(strstr(msg, "still coming"));
}

static void test_mbus_other_address(void **state)
{
    (void)state;
    meter_reading_t r;
    char msg[256];
    assert_int_equal(mbus_case(peer_other_address, 300, 1, &r, msg, sizeof msg), METER_EFRAME);
    assert_non_null(strstr(msg, "from address 7, not 0"));
}

static void test_mbus_glued_frames(void **state)
{
    (void)state;
    meter_reading_t r;
    char msg[256];
    assert_int_equal(mbus_case(peer_glued, 300, 1, &r, msg, sizeof msg), METER_EFRAME);
    assert_non_null(strstr(msg, "second, different frame"));
}

static void test_mbus_e5_for_data(void **state)
{
    (void)state;
    meter_reading_t r;
    char msg[256];
    assert_int_equal(mbus_case(peer_e5, 300, 1, &r, msg, sizeof msg), METER_EFRAME);
    assert_non_null(strstr(msg, "an E5 where RSP_UD was expected"));
}

static void test_mbus_repeated_answer_is_the_answer(void **state)
{
    (void)state;
    meter_reading_t r;
    char msg[256];
    assert_int_equal(mbus_case(peer_repeat, 300, 0, &r, msg, sizeof msg), METER_OK);
    assert_true(r.value == 16048.14);
}

/* ---- IEC 62056-21 ----------------------------------------------------------- */

/* bytes with even parity in bit 7, as an 8-bit TCP link carries 7E1 */
static void e7(uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t c = b[i] & 0x7F, x = c;
        x ^= x >> 4;
        x ^= x >> 2;
        x ^= x >> 1;
        b[i] = (uint8_t)(c | ((x & 1) << 7));
    }
}

static int put7(struct peer *p, int c, const char *s, size_t n)
{
    uint8_t b[1024];
    size_t k = n < sizeof b ? n : sizeof b;
    memcpy(b, s, k);
    e7(b, k);
    return put(p, c, b, k);
}

/* wait for the sign-on "/?!CR LF" (parity bits ignored) */
static int iec_signon(int c)
{
    uint8_t req[128];
    size_t n;
    return get_request(c, req, sizeof req, &n);
}

static void peer_endless_nuls(struct peer *p, int c)
{
    uint8_t z[512] = {0};
    if (iec_signon(c))
        while (put(p, c, z, sizeof z)) {
        }
}

static void peer_endless_ident(struct peer *p, int c)
{
    if (!iec_signon(c) || !put7(p, c, "/ABC5", 5))
        return;
    char x[512];
    memset(x, 'x', sizeof x);
    while (put7(p, c, x, sizeof x)) {
    }
}

static void peer_trickle_nuls(struct peer *p, int c)
{
    if (!iec_signon(c))
        return;
    for (int i = 0; i < 400; i++) /* a NUL every 100 ms, for 40 s at most */
        if (!put(p, c, "", 1) || !idle(c, 100))
            return;
}

/* Identification mode A (no switch), then a readout of up to 5 MB that never ends. */
static void peer_endless_readout(struct peer *p, int c)
{
    if (!iec_signon(c) || !put7(p, c, "/ABC0METER\r\n\x02", 13))
        return;
    char line[64];
    for (unsigned i = 0; p->sent < 5u * 1024 * 1024; i++) {
        int n = snprintf(line, sizeof line, "1.8.%u(%06u.%03u*kWh)\r\n", i % 10, i, i % 1000);
        if (!put7(p, c, line, (size_t)n))
            return;
    }
}

/* The documented bound of a readout call over TCP (include/meter/iec.h, docs/iec62056.md):
 * (1 + retries) attempts of 8000 + 2·timeout + 256·c + (max_readout + 256)·c, c = 10000/300 ms,
 * and 1500 ms between attempts. */
static double iec_bound(unsigned timeout, unsigned retries, unsigned max_readout)
{
    double c = 10000.0 / 300.0;
    double attempt = 8000.0 + 2.0 * timeout + 256.0 * c + (max_readout + 256.0) * c;
    return (1 + retries) * attempt + retries * 1500.0;
}

static int iec_case(peer_fn fn, unsigned timeout, unsigned retries, unsigned max_readout,
                    char *msg, size_t len, uint64_t *received, size_t *peer_sent)
{
    struct peer p;
    peer_start(&p, fn);
    char conn[200], err[256];
    snprintf(conn, sizeof conn, "iec-tcp:127.0.0.1:%u?timeout=%u&retries=%u&max_readout=%u",
             p.port, timeout, retries, max_readout);
    meter_t *m;
    assert_int_equal(meter_open(&m, "iec", conn, err, sizeof err), METER_OK);
    meter_reading_t r;
    double t0 = now_ms();
    int rc = meter_read(m, METER_Q_ENERGY_ACTIVE_IMPORT, &r);
    double took = now_ms() - t0;
    double bound = iec_bound(timeout, retries, max_readout);
    snprintf(msg, len, "%s", meter_last_error(m));
    meter_stats_t st = METER_STATS_INIT;
    assert_int_equal(meter_get_stats(m, &st), METER_OK);
    *received = st.bytes_received;
    meter_close(m);
    peer_join(&p);
    *peer_sent = p.sent;
    print_message("  %s after %.0f ms (bound %.0f ms), %llu bytes read of %zu sent: %s\n",
                  meter_errname(rc), took, bound, (unsigned long long)*received, p.sent, msg);
    assert_true(took < bound);
    return rc;
}

static void test_iec_endless_nuls(void **state)
{
    (void)state;
    char msg[256];
    uint64_t got;
    size_t sent;
    assert_int_equal(iec_case(peer_endless_nuls, 300, 1, 4096, msg, sizeof msg, &got, &sent),
                     METER_ELIMIT);
    /* each attempt stops at the identification phase's 256 bytes (+ one read of 512) */
    assert_true(got <= 2 * (256 + 512) + 4096); /* and the flush before the second */
}

static void test_iec_endless_identification(void **state)
{
    (void)state;
    char msg[256];
    uint64_t got;
    size_t sent;
    assert_int_equal(iec_case(peer_endless_ident, 300, 0, 4096, msg, sizeof msg, &got, &sent),
                     METER_ELIMIT);
    assert_true(got <= 256 + 512);
}

static void test_iec_trickling_identification(void **state)
{
    (void)state;
    char msg[256];
    uint64_t got;
    size_t sent;
    assert_int_equal(iec_case(peer_trickle_nuls, 300, 0, 4096, msg, sizeof msg, &got, &sent),
                     METER_ETIMEDOUT);
    assert_non_null(strstr(msg, "not complete within"));
}

static void test_iec_endless_readout(void **state)
{
    (void)state;
    char msg[256];
    uint64_t got;
    size_t sent;
    assert_int_equal(iec_case(peer_endless_readout, 300, 1, 4096, msg, sizeof msg, &got, &sent),
                     METER_ELIMIT);
    assert_non_null(strstr(msg, "max_readout"));
    /* read at most the maximum, its framing allowance, the identification phase and one
     * read's buffer; not retried (the same again would end the same way) */
    assert_true(got <= 4096 + 256 + 256 + 512);
}

/* ---- scans ------------------------------------------------------------------ */

static int count_found(const meter_scan_result_t *r, void *ud)
{
    (void)r;
    (*(int *)ud)++;
    return 0;
}

/* A meter found by its primary address and by selection is listed once. */
static void test_scan_lists_each_meter_once(void **state)
{
    (void)state;
    struct sim_thread st;
    const int ids[] = {5, 0};
    assert_int_equal(sim_thread_start(&st, "pty", "sim-mbus-heat", ids, 1), METER_OK);
    char conn[300], err[256];
    snprintf(conn, sizeof conn, "%s?baud=2400&timeout=40&retries=0", meter_sim_endpoint(st.sim));
    size_t n = 0;
    int calls = 0;
    assert_int_equal(meter_scan(conn, 0, count_found, &calls, &n, err, sizeof err), METER_OK);
    sim_thread_stop(&st);
    assert_int_equal(n, 1);
    assert_int_equal(calls, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mbus_collision_seen_on_the_retry),
        cmocka_unit_test(test_mbus_collision_unseen_without_retry),
        cmocka_unit_test(test_mbus_one_bad_checksum_is_retried),
        cmocka_unit_test(test_mbus_changing_corruption_is_a_checksum_error),
        cmocka_unit_test(test_mbus_overlapping_answers_collide_at_once),
        cmocka_unit_test(test_mbus_endless_68),
        cmocka_unit_test(test_mbus_noise_every_200ms),
        cmocka_unit_test(test_mbus_trickle),
        cmocka_unit_test(test_mbus_other_address),
        cmocka_unit_test(test_mbus_glued_frames),
        cmocka_unit_test(test_mbus_e5_for_data),
        cmocka_unit_test(test_mbus_repeated_answer_is_the_answer),
        cmocka_unit_test(test_iec_endless_nuls),
        cmocka_unit_test(test_iec_endless_identification),
        cmocka_unit_test(test_iec_trickling_identification),
        cmocka_unit_test(test_iec_endless_readout),
        cmocka_unit_test(test_scan_lists_each_meter_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
