/* SPDX-License-Identifier: MIT */
/* The simulator's life: create it on a pseudo-terminal or a TCP socket
 * (listening before meter_sim_new() returns), add meters, serve requests
 * until stopped (a self-pipe makes meter_sim_stop() signal-safe), free. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netdb.h>
#include <poll.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "sim/sim_internal.h"

static int open_pty(struct meter_sim *s, char *err, size_t len)
{
    char name[MTR_PATH_MAX];
    struct termios tio;
    if (openpty(&s->pty_master, &s->pty_slave, name, NULL, NULL) < 0)
        return mtr_err(err, len, METER_EIO, "cannot open a pseudo-terminal: %s", strerror(errno));
    /* raw on both sides: no echo, no line editing, until a client sets its own */
    if (tcgetattr(s->pty_slave, &tio) == 0) {
        cfmakeraw(&tio);
        tcsetattr(s->pty_slave, TCSANOW, &tio);
    }
    fcntl(s->pty_master, F_SETFD, FD_CLOEXEC);
    fcntl(s->pty_slave, F_SETFD, FD_CLOEXEC);
    snprintf(s->endpoint, sizeof s->endpoint, "rtu:%s", name);
    return METER_OK;
}

static int open_tcp(struct meter_sim *s, const char *spec, char *err, size_t len)
{
    struct mtr_conn c;
    int rc = mtr_conn_parse(spec, &c, MTR_CONN_LISTEN, err, len);
    if (rc != METER_OK)
        return rc;
    if (c.scheme->serial)
        return mtr_err(err, len, METER_ECONNSTR, "cannot listen on a serial scheme ('%s:')",
                       c.scheme->name);
    if (strcmp(c.scheme->name, "tcp") != 0) { /* the protocol's own TCP framing (rtu-tcp:) */
        s->tcp_scheme = c.scheme;
        s->tcp_proto = c.proto;
    }
    char port[16];
    snprintf(port, sizeof port, "%u", c.port);
    struct addrinfo hints, *ai = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int gai = getaddrinfo(c.host, port, &hints, &ai);
    if (gai != 0)
        return mtr_err(err, len, METER_ECONNSTR, "cannot resolve '%s': %s", c.host, gai_strerror(gai));
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd >= 0)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, SOMAXCONN) < 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        freeaddrinfo(ai);
        return mtr_err(err, len, METER_EIO, "cannot listen on %s port %s: %s", c.host, port,
                       strerror(e));
    }
    freeaddrinfo(ai);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &sl);
    char host[INET6_ADDRSTRLEN];
    unsigned p;
    if (ss.ss_family == AF_INET6) {
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
        inet_ntop(AF_INET6, &a6->sin6_addr, host, sizeof host);
        p = ntohs(a6->sin6_port);
        snprintf(s->endpoint, sizeof s->endpoint, "tcp:[%s]:%u", host, p);
    } else {
        struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
        inet_ntop(AF_INET, &a4->sin_addr, host, sizeof host);
        p = ntohs(a4->sin_port);
        snprintf(s->endpoint, sizeof s->endpoint, "tcp:%s:%u", host, p);
    }
    s->listen_fd = fd;
    s->tcp = 1;
    return METER_OK;
}

int meter_sim_new(meter_sim_t **out, const char *listen, char *err, size_t len)
{
    if (!out || !listen)
        return mtr_err(err, len, METER_EINVAL, "NULL argument");
    *out = NULL;
    struct meter_sim *s = calloc(1, sizeof *s);
    if (!s)
        return mtr_err(err, len, METER_ENOMEM, "out of memory");
    pthread_mutex_init(&s->lock, NULL);
    s->listen_fd = s->pty_master = s->pty_slave = -1;
    s->cap[0] = s->cap[1] = -1;
    s->delay_ms = 1000;
    s->turnaround_us = 5000;
    s->stop_pipe[0] = s->stop_pipe[1] = -1;
    int rc;
    if (strcmp(listen, "pty") == 0)
        rc = open_pty(s, err, len);
    else if (strchr(listen, ':'))
        rc = open_tcp(s, listen, err, len);
    else
        rc = mtr_err(err, len, METER_ECONNSTR,
                     "cannot listen on '%s' (use pty, tcp:HOST:PORT or a TCP scheme such as "
                     "rtu-tcp:HOST:PORT)", listen);
    if (rc == METER_OK && pipe2(s->stop_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
        rc = mtr_err(err, len, METER_EIO, "cannot create a pipe: %s", strerror(errno));
    if (rc != METER_OK) {
        meter_sim_free(s);
        return rc;
    }
    *out = s;
    return METER_OK;
}

int meter_sim_add(meter_sim_t *s, const char *model_name, int address)
{
    if (!s)
        return METER_EINVAL;
    const struct mtr_model *model = mtr_sim_model_find(model_name);
    if (!model)
        return METER_EMODEL;
    if ((s->nmeters && model->proto != s->proto) || (s->tcp_proto && model->proto != s->tcp_proto))
        return METER_EUNSUPPORTED;
    const struct mtr_sim_proto_ops *ops = NULL;
    for (size_t i = 0; mtr_sim_protocols[i]; i++)
        if (mtr_sim_protocols[i]->proto == model->proto)
            ops = mtr_sim_protocols[i];
    if (!ops)
        return METER_EUNSUPPORTED;
    if (address == -1) /* the model's default address (the lowest allowed when it has none) */
        address = model->id >= ops->min_addr ? model->id : ops->min_addr;
    if (address < ops->min_addr || address > ops->max_addr)
        return METER_ERANGE;
    if (mtr_sim_find(s, address))
        return METER_EBUSY;
    if (s->nmeters == MTR_SIM_MAX_METERS)
        return METER_ELIMIT;
    if (!s->ops) {
        s->ops = ops;
        s->meters[0].model = model; /* setup may look at the first meter's model */
        if (s->ops->setup(s, NULL, 0) != METER_OK) {
            s->ops = NULL;
            return METER_EIO;
        }
        s->proto = model->proto;
        /* the endpoint names the protocol's scheme: "mbus:/dev/pts/N", "iec-tcp:host:port" */
        char ep[sizeof s->endpoint];
        const char *colon = strchr(s->endpoint, ':');
        snprintf(ep, sizeof ep, "%s%s",
                 s->tcp_scheme ? s->tcp_scheme->name
                 : s->scheme   ? s->scheme
                 : s->tcp      ? ops->tcp_scheme
                               : ops->pty_scheme,
                 colon ? colon : ":");
        memcpy(s->endpoint, ep, sizeof ep);
    }
    mtr_sim_meter_init(&s->meters[s->nmeters++], model, address);
    return METER_OK;
}

int meter_sim_set(meter_sim_t *s, meter_sim_option_t opt, long value)
{
    if (!s || value < 0)
        return METER_EINVAL;
    switch (opt) {
    case METER_SIM_FROZEN: s->frozen = value != 0; return METER_OK;
    case METER_SIM_MAX_REGISTERS:
        if (value > 125)
            return METER_EINVAL;
        s->max_regs = (unsigned)value;
        return METER_OK;
    case METER_SIM_STRICT_HOLES: s->strict_holes = value != 0; return METER_OK;
    case METER_SIM_MAX_REQUESTS: s->max_requests = (unsigned long)value; return METER_OK;
    case METER_SIM_FAULTS:
        if (value & ~(long)METER_SIM_F_EVERY_)
            return METER_EINVAL;
        s->faults = (unsigned)value;
        return METER_OK;
    case METER_SIM_FAULT_RATE:
        if (value > 1000)
            return METER_EINVAL;
        s->fault_rate = (unsigned)value;
        return METER_OK;
    case METER_SIM_SEED: s->rng = (uint64_t)value * 0x9E3779B97F4A7C15ull + 1; return METER_OK;
    case METER_SIM_DELAY_MS:
        if (value > 60000)
            return METER_EINVAL;
        s->delay_ms = (unsigned)value;
        return METER_OK;
    case METER_SIM_PACE_BAUD:
        if (value > 1000000)
            return METER_EINVAL;
        s->pace_baud = (unsigned)value;
        return METER_OK;
    case METER_SIM_TURNAROUND_US:
        if (value > 10000000)
            return METER_EINVAL;
        s->turnaround_us = (unsigned)value;
        return METER_OK;
    default: break;
    }
    /* the protocol's own options: after the first meter_sim_add() */
    return s->ops && s->ops->set ? s->ops->set(s, (int)opt, value, NULL) : METER_EINVAL;
}

int meter_sim_set_text(meter_sim_t *s, meter_sim_option_t opt, const char *value)
{
    if (!s || !value)
        return METER_EINVAL;
    return s->ops && s->ops->set ? s->ops->set(s, (int)opt, 0, value) : METER_EINVAL;
}

const char *meter_sim_endpoint(const meter_sim_t *s)
{
    return s ? s->endpoint : "";
}

unsigned long meter_sim_requests(const meter_sim_t *s)
{
    return s ? s->requests : 0;
}

/* The simulated meter at an address, if it serves the numeric quantity q. */
static int numeric_quantity(meter_sim_t *s, int address, meter_quantity_t q,
                            struct mtr_sim_meter **out)
{
    struct mtr_sim_meter *sm = mtr_sim_find(s, address);
    if (!sm)
        return METER_ENOTFOUND;
    const meter_quantity_info_t *qi = meter_quantity_info(q);
    if (!qi || !s->ops->serves || !s->ops->serves(sm->model, q))
        return METER_EQUANTITY;
    if (qi->kind != METER_KIND_NUMBER)
        return METER_EUNSUPPORTED;
    *out = sm;
    return METER_OK;
}

int meter_sim_value(meter_sim_t *s, int address, meter_quantity_t q, double *value)
{
    struct mtr_sim_meter *sm;
    if (!s || !value)
        return METER_EINVAL;
    int rc = numeric_quantity(s, address, q, &sm);
    if (rc == METER_OK)
        *value = sm->v[q];
    return rc;
}

int meter_sim_set_value(meter_sim_t *s, int address, meter_quantity_t q, double value)
{
    if (!s)
        return METER_EINVAL;
    if (!isfinite(value))
        return METER_ERANGE;
    struct mtr_sim_meter *sm;
    int rc = numeric_quantity(s, address, q, &sm);
    if (rc != METER_OK)
        return rc;
    if (sm->model->phases != 3 && (q == METER_Q_CURRENT || q == METER_Q_VOLTAGE))
        q = q == METER_Q_CURRENT ? METER_Q_CURRENT_L1 : METER_Q_VOLTAGE_L1;
    pthread_mutex_lock(&s->lock);
    double old = sm->v[q];
    sm->v[q] = value;
    mtr_sim_meter_derive(sm);
    if (sm->v[q] != value) { /* derived from other values: put everything back */
        sm->v[q] = old;
        mtr_sim_meter_derive(sm);
        rc = METER_EUNSUPPORTED;
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

void meter_sim_stop(meter_sim_t *s)
{
    if (!s)
        return;
    s->stopping = 1;
    if (s->stop_pipe[1] >= 0) {
        ssize_t k = write(s->stop_pipe[1], "x", 1);
        (void)k;
    }
}

static void drop_client(struct meter_sim *s, int i)
{
    close(s->clients[i]);
    s->clients[i] = s->clients[--s->nclients];
}

/* On stopping: what had already arrived is still served (a client's last frame,
 * e.g. an IEC B0 sent just before the stop, is received, not lost in a race). */
static void drain(meter_sim_t *s)
{
    struct pollfd pfd[1 + MTR_SIM_MAX_CLIENTS];
    int n = 0;
    if (!s->tcp)
        pfd[n++] = (struct pollfd){s->pty_master, POLLIN, 0};
    for (int i = 0; i < s->nclients; i++)
        pfd[n++] = (struct pollfd){s->clients[i], POLLIN, 0};
    if (n == 0 || poll(pfd, (nfds_t)n, 0) <= 0)
        return;
    for (int i = 0; i < n; i++)
        if (pfd[i].revents & POLLIN) {
            pthread_mutex_lock(&s->lock);
            s->ops->serve(s, pfd[i].fd);
            pthread_mutex_unlock(&s->lock);
        }
}

int meter_sim_run(meter_sim_t *s)
{
    if (!s || !s->ops)
        return METER_EINVAL; /* no meter added yet */
    while (!s->stopping) {
        struct pollfd pfd[2 + MTR_SIM_MAX_CLIENTS];
        int n = 0;
        pfd[n++] = (struct pollfd){s->stop_pipe[0], POLLIN, 0};
        pfd[n++] = (struct pollfd){s->tcp ? s->listen_fd : s->pty_master, POLLIN, 0};
        for (int i = 0; i < s->nclients; i++)
            pfd[n++] = (struct pollfd){s->clients[i], POLLIN, 0};
        long wait = -1; /* a pushing meter wakes the loop when its next telegram is due */
        if (s->push) {
            int fds[MTR_SIM_MAX_CLIENTS];
            int nfds = s->tcp ? s->nclients : 1;
            for (int i = 0; i < nfds; i++)
                fds[i] = s->tcp ? s->clients[i] : s->pty_master;
            pthread_mutex_lock(&s->lock);
            wait = s->push(s, fds, nfds);
            pthread_mutex_unlock(&s->lock);
            if (s->max_requests && s->requests >= s->max_requests)
                break;
        }
        if (poll(pfd, (nfds_t)n, wait > 60000 ? 60000 : (int)wait) < 0) {
            if (errno == EINTR)
                continue;
            return METER_EIO;
        }
        mtr_sim_heard(s); /* a paced reply counts the request's wire time from here */
        /* a stop (pfd[0]) ends the loop at its test, after the input that was ready with
         * it is served: a client's last bytes (IEC's B0, say), written just before
         * meter_sim_stop(), are not lost when this thread wakes late and finds both */
        if (pfd[1].revents & (POLLERR | POLLNVAL))
            return METER_EIO;
        if (pfd[1].revents & POLLIN) {
            if (s->tcp) {
                int c = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
                if (c >= 0 && s->nclients < MTR_SIM_MAX_CLIENTS)
                    s->clients[s->nclients++] = c;
                else if (c >= 0)
                    close(c);
            } else {
                pthread_mutex_lock(&s->lock);
                s->ops->serve(s, s->pty_master);
                pthread_mutex_unlock(&s->lock);
            }
        }
        for (int i = n - 1; i >= 2; i--) {
            if (!pfd[i].revents)
                continue;
            pthread_mutex_lock(&s->lock);
            int gone = s->ops->serve(s, s->clients[i - 2]) < 0;
            pthread_mutex_unlock(&s->lock);
            if (gone || (pfd[i].revents & POLLHUP))
                drop_client(s, i - 2);
        }
        if (s->max_requests && s->requests >= s->max_requests)
            break;
    }
    drain(s);
    return METER_OK;
}

void meter_sim_free(meter_sim_t *s)
{
    if (!s)
        return;
    if (s->ops)
        s->ops->free(s);
    for (int i = 0; i < s->nclients; i++)
        close(s->clients[i]);
    int fds[] = {s->listen_fd, s->pty_master, s->pty_slave, s->stop_pipe[0], s->stop_pipe[1]};
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    pthread_mutex_destroy(&s->lock);
    free(s);
}
