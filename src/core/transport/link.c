/* SPDX-License-Identifier: MIT */
/* Raw byte links: termios serial ports (any standard speed, 7/8 data bits,
 * parity, DTR/RTS) and TCP connections, with poll()-based timeouts. No
 * protocol knowledge here; never sleeps beyond what a caller asks for. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "core/internal.h"
#include "core/transport/link.h"

static speed_t speed_of(unsigned baud)
{
    switch (baud) {
    case 300: return B300;
    case 600: return B600;
    case 1200: return B1200;
    case 2400: return B2400;
    case 4800: return B4800;
    case 9600: return B9600;
    case 19200: return B19200;
    case 38400: return B38400;
    case 57600: return B57600;
    case 115200: return B115200;
    default: return 0;
    }
}

static int apply_termios(struct mtr_link *l, unsigned baud, char *err, size_t len)
{
    struct termios tio;
    char eb[128];
    speed_t sp = speed_of(baud);
    if (!sp)
        return mtr_err(err, len, METER_EOPTION, "baud %u is not a standard speed", baud);
    if (tcgetattr(l->fd, &tio) < 0)
        return mtr_err(err, len, METER_EIO, "tcgetattr: %s", strerror_r(errno, eb, sizeof eb));
    cfmakeraw(&tio);
    tio.c_cflag &= ~(tcflag_t)(CSIZE | PARENB | PARODD | CSTOPB | CRTSCTS);
    tio.c_cflag |= CLOCAL | CREAD | (l->data_bits == 7 ? CS7 : CS8);
    if (l->parity == 'E')
        tio.c_cflag |= PARENB;
    else if (l->parity == 'O')
        tio.c_cflag |= PARENB | PARODD;
    if (l->stop_bits == 2)
        tio.c_cflag |= CSTOPB;
    tio.c_iflag &= ~(tcflag_t)(IXON | IXOFF | IXANY | INPCK | ISTRIP | PARMRK | IGNPAR);
    /* with parity on, the kernel marks a damaged byte (FF 00 x; a real FF comes as FF FF):
     * otherwise it passes it on as if it were right, and a checksum as weak as IEC's XOR
     * or M-Bus's sum misses two damaged bytes that cancel out */
    if (l->parity != 'N')
        tio.c_iflag |= INPCK | PARMRK;
    tio.c_cc[VMIN] = 0;
    tio.c_cc[VTIME] = 0;
    cfsetispeed(&tio, sp);
    cfsetospeed(&tio, sp);
    struct termios now; /* a pty drops PARENB (and CS7); glibc then says EINVAL though the rest applied */
    if (tcsetattr(l->fd, TCSANOW, &tio) < 0 &&
        !(errno == EINVAL && tcgetattr(l->fd, &now) == 0 && cfgetospeed(&now) == sp &&
          ((now.c_cflag & CSIZE) == (tio.c_cflag & CSIZE) || (now.c_cflag & CSIZE) == CS8) &&
          !(now.c_cflag & PARENB)))
        return mtr_err(err, len, METER_EIO, "tcsetattr: %s", strerror_r(errno, eb, sizeof eb));
    l->baud = baud;
    l->marks = l->parity != 'N';
    l->mark_state = 0;
    return METER_OK;
}

size_t mtr_link_unmark(uint8_t *state, uint8_t *p, size_t n, uint64_t *errors)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t b = p[i];
        switch (*state) {
        case 1: /* after FF */
            *state = 0;
            if (b == 0xFF) {
                p[o++] = 0xFF; /* a real FF */
            } else if (b == 0x00) {
                *state = 2;
            } else { /* not a mark the kernel writes: take the byte as damaged */
                p[o++] = b;
                (*errors)++;
            }
            break;
        case 2: /* after FF 00: the damaged byte */
            *state = 0;
            p[o++] = b;
            (*errors)++;
            break;
        default:
            if (b == 0xFF)
                *state = 1;
            else
                p[o++] = b;
            break;
        }
    }
    return o;
}

int mtr_link_claim_port(int fd, const char *path, char *err, size_t len)
{
    /* an advisory lock every libmeter program takes (and tools like minicom's
     * lock files do not replace), and TIOCEXCL against other openers */
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        if (errno == EWOULDBLOCK)
            return mtr_err(err, len, METER_EBUSY,
                           "serial port '%s' is in use by another program or handle (it is locked); "
                           "share one meter_bus_t between meters on the same line", path);
        /* a file system without locks: go on with TIOCEXCL alone */
    }
    if (isatty(fd))
        ioctl(fd, TIOCEXCL);
    return METER_OK;
}

int mtr_link_open_serial(struct mtr_link *l, const char *path, unsigned baud, char parity,
                         unsigned data_bits, unsigned stop_bits, char *err, size_t len)
{
    char eb[128];
    memset(l, 0, sizeof *l);
    l->fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (l->fd < 0 && errno == EBUSY)
        return mtr_err(err, len, METER_EBUSY,
                       "serial port '%s' is in use by another program or handle (opened "
                       "exclusively); share one meter_bus_t between meters on the same line", path);
    if (l->fd < 0)
        return mtr_err(err, len, METER_EIO, "cannot open serial port '%s': %s", path,
                       strerror_r(errno, eb, sizeof eb));
    int rc = mtr_link_claim_port(l->fd, path, err, len);
    if (rc != METER_OK) {
        close(l->fd);
        l->fd = -1;
        return rc;
    }
    l->kind = MTR_LINK_SERIAL;
    l->parity = parity ? parity : 'N';
    l->data_bits = data_bits ? data_bits : 8;
    l->stop_bits = stop_bits ? stop_bits : 1;
    rc = apply_termios(l, baud, err, len);
    if (rc != METER_OK) {
        close(l->fd);
        l->fd = -1;
        l->kind = MTR_LINK_NONE;
        return rc;
    }
    tcflush(l->fd, TCIOFLUSH);
    return METER_OK;
}

static int wait_fd(int fd, short events, int timeout_ms)
{
    struct pollfd p = {fd, events, 0};
    for (;;) {
        int rc = poll(&p, 1, timeout_ms);
        if (rc < 0 && errno == EINTR)
            continue;
        return rc < 0 ? -1 : rc;
    }
}

/* Wait for the link, or for a cancellation: 1 ready, 0 timed out, -1 error, -2 cancelled. */
static int wait_link(const struct mtr_link *l, short events, int timeout_ms)
{
    if (!l->cancel)
        return wait_fd(l->fd, events, timeout_ms);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        struct pollfd p[2] = {{l->fd, events, 0}, {l->cancel->rd, POLLIN, 0}};
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        long left = timeout_ms - ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
        int rc = poll(p, 2, left < 0 ? 0 : (int)left);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc < 0)
            return -1;
        if (p[1].revents && mtr_cancel_check(l->cancel))
            return -2;
        if (p[0].revents)
            return 1;
        if (rc == 0 || left <= 0)
            return 0;
    }
}

int mtr_link_open_tcp(struct mtr_link *l, const char *host, unsigned port, unsigned timeout_ms,
                      char *err, size_t len)
{
    char service[16], eb[128];
    memset(l, 0, sizeof *l);
    l->fd = -1;
    snprintf(service, sizeof service, "%u", port);
    struct addrinfo hints, *ai = NULL, *a;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    int gai = getaddrinfo(host, service, &hints, &ai);
    if (gai != 0)
        return mtr_err(err, len, METER_EIO, "cannot resolve '%s': %s", host, gai_strerror(gai));
    int last = ECONNREFUSED;
    for (a = ai; a; a = a->ai_next) {
        int fd = socket(a->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            last = errno;
            continue;
        }
        if (connect(fd, a->ai_addr, a->ai_addrlen) < 0 && errno != EINPROGRESS) {
            last = errno;
            close(fd);
            continue;
        }
        int w = wait_fd(fd, POLLOUT, (int)timeout_ms);
        int soerr = 0;
        socklen_t sl = sizeof soerr;
        if (w <= 0) {
            last = w == 0 ? ETIMEDOUT : errno;
            close(fd);
            continue;
        }
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
        if (soerr) {
            last = soerr;
            close(fd);
            continue;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        l->fd = fd;
        break;
    }
    freeaddrinfo(ai);
    if (l->fd < 0)
        return mtr_err(err, len, last == ETIMEDOUT ? METER_ETIMEDOUT : METER_EIO,
                       "cannot connect to %s port %u: %s", host, port,
                       strerror_r(last, eb, sizeof eb));
    l->kind = MTR_LINK_TCP;
    l->parity = 'N';
    l->data_bits = 8;
    l->stop_bits = 1;
    return METER_OK;
}

void mtr_link_close(struct mtr_link *l)
{
    if (l->fd >= 0 && l->kind != MTR_LINK_NONE)
        close(l->fd);
    l->fd = -1;
    l->kind = MTR_LINK_NONE;
}

static long ms_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

int mtr_link_write(struct mtr_link *l, const uint8_t *p, size_t n, unsigned timeout_ms, char *err,
                   size_t len)
{
    char eb[128];
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    size_t done = 0;
    while (done < n) {
        ssize_t k = l->kind == MTR_LINK_TCP ? send(l->fd, p + done, n - done, MSG_NOSIGNAL)
                                            : write(l->fd, p + done, n - done);
        if (k > 0) {
            done += (size_t)k;
            continue;
        }
        if (k < 0 && errno != EAGAIN && errno != EINTR)
            return mtr_err(err, len, METER_EIO, "write failed: %s", strerror_r(errno, eb, sizeof eb));
        long left = (long)timeout_ms - ms_since(&t0);
        int w = left > 0 ? wait_link(l, POLLOUT, (int)left) : 0;
        if (w == -2)
            return mtr_err(err, len, METER_ECANCELED, "cancelled (meter_cancel) while writing");
        if (w <= 0)
            return mtr_err(err, len, METER_ETIMEDOUT, "write blocked for %u ms", timeout_ms);
    }
    l->bytes_sent += n;
    return METER_OK;
}

int mtr_link_drain(struct mtr_link *l)
{
    if (l->kind == MTR_LINK_SERIAL)
        while (tcdrain(l->fd) < 0 && errno == EINTR) {
        }
    return METER_OK;
}

int mtr_link_read(struct mtr_link *l, uint8_t *p, size_t cap, unsigned timeout_ms, size_t *got,
                  char *err, size_t len)
{
    char eb[128];
    *got = 0;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        long left = (long)timeout_ms - ms_since(&t0);
        if (left < 0)
            left = 0;
        int w = wait_link(l, POLLIN, (int)left);
        if (w == -2)
            return mtr_err(err, len, METER_ECANCELED, "cancelled (meter_cancel) while waiting for a reply");
        if (w < 0)
            return mtr_err(err, len, METER_EIO, "poll failed: %s", strerror_r(errno, eb, sizeof eb));
        if (w == 0)
            return mtr_err(err, len, METER_ETIMEDOUT, "no data within %u ms", timeout_ms);
        ssize_t k = read(l->fd, p, cap);
        if (k > 0) {
            size_t n = (size_t)k;
            if (l->marks)
                n = mtr_link_unmark(&l->mark_state, p, n, &l->parity_errors);
            l->bytes_received += (uint64_t)n;
            if (!n)
                continue; /* the start of a mark alone: its rest comes within the wait */
            *got = n;
            return METER_OK;
        }
        if (k == 0)
            return mtr_err(err, len, METER_EIO, "the link was closed by the other side");
        if (errno != EAGAIN && errno != EINTR)
            return mtr_err(err, len, METER_EIO, "read failed: %s", strerror_r(errno, eb, sizeof eb));
    }
}

void mtr_link_flush_input(struct mtr_link *l)
{
    if (l->kind == MTR_LINK_SERIAL) {
        tcflush(l->fd, TCIFLUSH);
        l->mark_state = 0;
        return;
    }
    /* what is there now, and no more: a peer that never stops sending must not keep
     * us here (the exchange that follows meets the rest within its own bounds) */
    uint8_t junk[256];
    for (size_t total = 0; total < MTR_LINK_FLUSH_MAX;) {
        ssize_t k = read(l->fd, junk, sizeof junk);
        if (k <= 0)
            break;
        total += (size_t)k;
    }
}

int mtr_link_set_baud(struct mtr_link *l, unsigned baud, char *err, size_t len)
{
    if (l->kind != MTR_LINK_SERIAL)
        return mtr_err(err, len, METER_EUNSUPPORTED, "a TCP link has no baud rate to change");
    return apply_termios(l, baud, err, len);
}

int mtr_link_set_modem(struct mtr_link *l, int dtr, int rts, char *err, size_t len)
{
    char eb[128];
    if (l->kind != MTR_LINK_SERIAL)
        return mtr_err(err, len, METER_EUNSUPPORTED, "a TCP link has no DTR/RTS lines");
    int set = 0, clr = 0;
    if (dtr == 1) set |= TIOCM_DTR;
    if (dtr == 0) clr |= TIOCM_DTR;
    if (rts == 1) set |= TIOCM_RTS;
    if (rts == 0) clr |= TIOCM_RTS;
    if ((set && ioctl(l->fd, TIOCMBIS, &set) < 0) || (clr && ioctl(l->fd, TIOCMBIC, &clr) < 0))
        return mtr_err(err, len, METER_EIO, "cannot set DTR/RTS: %s", strerror_r(errno, eb, sizeof eb));
    return METER_OK;
}

double mtr_link_char_time(const struct mtr_link *l)
{
    unsigned bits = 1 + l->data_bits + (l->parity != 'N') + l->stop_bits;
    return l->baud ? (double)bits / l->baud : 0;
}
