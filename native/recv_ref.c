/* recd-recv-ref: reference receiver for the recd benchmarks.
 *
 * Listens on a TCP address, accepts --count connections one after the other, and writes each stream
 * (until EOF) to its own file with one of three write paths:
 *   buffered  read() into a --buf buffer, pwrite() at explicit offsets
 *   splice    socket -> pipe -> file with splice(2) and an explicit loff_t offset
 *   direct    read() into a 4096-aligned --buf buffer until full, write full blocks through an
 *             O_DIRECT fd at aligned offsets, the final unaligned tail through the normal fd
 * and prints one key=value line per connection with wall time, CPU (getrusage and thread clock)
 * and throughput. See README.md.
 *
 * --batch BYTES makes every path wait for BYTES queued before it reads: SO_RCVLOWAT on the socket,
 * then poll(2) before each read()/splice(), with a latency bound (--batch-ms) after which it takes
 * whatever is queued. A live stream (a few Mbit/s in 1316-byte sends) otherwise wakes the receiver
 * once per segment, and every receiver then pays per wakeup, not per byte. 
 *
 * Portable C11 + POSIX/Linux: every per-architecture constant (O_DIRECT, F_SETPIPE_SZ, SPLICE_F_*)
 * comes from the target's headers, never hard-coded. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#ifndef _FILE_OFFSET_BITS
#define _FILE_OFFSET_BITS 64
#endif

#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "common.h"

#define DIRECT_ALIGN 4096u

enum mode { MODE_BUFFERED, MODE_SPLICE, MODE_DIRECT };
static const char *const mode_names[] = { "buffered", "splice", "direct" };

struct opts {
    const char *listen;
    enum mode mode;
    size_t buf;
    size_t pipe;
    const char *out;
    int fsync;
    const char *ready;
    uint64_t count;
    size_t batch;           /* SO_RCVLOWAT + poll before each read; 0 = off */
    int batch_ms;           /* latency bound of a batch wait */
    int counters;           /* append call counts and resource use to the output line */
};

/* One connection's result and write-path state. */
struct conn {
    uint64_t bytes;         /* bytes received and written */
    int pipe_granted;       /* F_GETPIPE_SZ after F_SETPIPE_SZ, 0 when no pipe is used */
    int fell_back;          /* switched to buffered (O_DIRECT or splice to file unsupported) */
    size_t batch;           /* as in struct opts: 0 = read whenever anything arrived */
    int batch_ms;
    int lowat;              /* SO_RCVLOWAT the kernel reports after setting it (it caps the value) */
    uint64_t recv_calls;    /* read()/recv()/splice() calls on the socket */
    uint64_t polls;         /* poll() calls (batching only) */
    uint64_t poll_timeouts; /* of which the latency bound expired */
};

struct snap {
    double wall;
    double thread;
    struct rusage ru;
};

static void take_snap(struct snap *s)
{
    struct timespec ts;
    s->wall = now_mono();
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0)
        s->thread = ts_to_s(&ts);
    else
        s->thread = 0;
    getrusage(RUSAGE_SELF, &s->ru);
}

static double tv_s(const struct timeval *tv)
{
    return (double)tv->tv_sec + (double)tv->tv_usec / 1e6;
}

static void usage(FILE *f)
{
    fprintf(f,
        "usage: recd-recv-ref --listen ADDR:PORT --out FILE [--mode buffered|splice|direct]\n"
        "                     [--buf BYTES] [--pipe BYTES] [--fsync] [--ready-file F] [--count N]\n"
        "                     [--batch BYTES [--batch-ms MS]] [--counters]\n"
        "  --listen ADDR:PORT  address to listen on (port 0 = ephemeral; [v6]:port accepted)\n"
        "  --mode M            write path: buffered (default), splice, direct\n"
        "  --buf BYTES         read buffer (buffered/direct, and splice fallback); default 262144;\n"
        "                      direct: 4096-aligned, must be a multiple of 4096\n"
        "  --pipe BYTES        splice pipe size requested with F_SETPIPE_SZ; default 1048576\n"
        "  --out FILE          output file (created/truncated); connection i>0 writes FILE.i\n"
        "  --fsync             fdatasync before the clock stops\n"
        "  --ready-file F      after listen(), write the bound port to F (via F.tmp + rename)\n"
        "  --count N           accept N connections sequentially (default 1)\n"
        "  --batch BYTES       SO_RCVLOWAT BYTES, and poll() before every read/splice (default off)\n"
        "  --batch-ms MS       with --batch: read whatever is queued after MS ms (default 1000)\n"
        "  --counters          append recv_calls= polls= poll_timeouts= lowat= maxrss_kb= vcsw= ivcsw=\n"
        "BYTES accept k/m/g suffixes (powers of 1024).\n"
        "Output per connection: mode=M bytes=N wall_s=F user_s=F sys_s=F cpu_s=F cpu_s_per_gib=F\n"
        "                       mb_per_s=F pipe=GRANTED buf=B fallback=none|buffered\n");
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
    static const struct option lo[] = {
        { "listen", required_argument, NULL, 'l' },
        { "mode", required_argument, NULL, 'm' },
        { "buf", required_argument, NULL, 'b' },
        { "pipe", required_argument, NULL, 'p' },
        { "out", required_argument, NULL, 'o' },
        { "fsync", no_argument, NULL, 'f' },
        { "ready-file", required_argument, NULL, 'r' },
        { "count", required_argument, NULL, 'c' },
        { "batch", required_argument, NULL, 'B' },
        { "batch-ms", required_argument, NULL, 'T' },
        { "counters", no_argument, NULL, 'C' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    memset(o, 0, sizeof *o);
    o->mode = MODE_BUFFERED;
    o->buf = 262144;
    o->pipe = 1048576;
    o->count = 1;
    o->batch_ms = -1;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (c) {
        case 'l': o->listen = optarg; break;
        case 'm':
            if (strcmp(optarg, "buffered") == 0) o->mode = MODE_BUFFERED;
            else if (strcmp(optarg, "splice") == 0) o->mode = MODE_SPLICE;
            else if (strcmp(optarg, "direct") == 0) o->mode = MODE_DIRECT;
            else { warnx_("unknown --mode '%s'", optarg); return -1; }
            break;
        case 'b':
            if (parse_size(optarg, 1, (size_t)1 << 30, &o->buf) != 0) {
                warnx_("bad --buf '%s' (1..1GiB)", optarg);
                return -1;
            }
            break;
        case 'p':
            if (parse_size(optarg, 1, (size_t)1 << 30, &o->pipe) != 0) {
                warnx_("bad --pipe '%s' (1..1GiB)", optarg);
                return -1;
            }
            break;
        case 'o': o->out = optarg; break;
        case 'f': o->fsync = 1; break;
        case 'r': o->ready = optarg; break;
        case 'c':
            if (parse_u64(optarg, &o->count) != 0 || o->count == 0) {
                warnx_("bad --count '%s'", optarg);
                return -1;
            }
            break;
        case 'B':
            if (parse_size(optarg, 1, (size_t)INT32_MAX, &o->batch) != 0) {
                warnx_("bad --batch '%s' (1..2GiB-1)", optarg);
                return -1;
            }
            break;
        case 'T': {
            uint64_t ms;
            if (parse_u64(optarg, &ms) != 0 || ms == 0 || ms > INT32_MAX) {
                warnx_("bad --batch-ms '%s' (1..%d)", optarg, INT32_MAX);
                return -1;
            }
            o->batch_ms = (int)ms;
            break;
        }
        case 'C': o->counters = 1; break;
        case 'h': usage(stdout); exit(0);
        default:
            warnx_("unknown or incomplete option '%s'", argv[optind - 1]);
            return -1;
        }
    }
    if (optind != argc) {
        warnx_("unexpected argument '%s'", argv[optind]);
        return -1;
    }
    if (o->listen == NULL || o->out == NULL) {
        warnx_("--listen and --out are required");
        return -1;
    }
    if (o->batch_ms >= 0 && o->batch == 0) {
        warnx_("--batch-ms needs --batch");
        return -1;
    }
    if (o->batch_ms < 0)
        o->batch_ms = 1000;
    if (o->mode == MODE_DIRECT && o->buf % DIRECT_ALIGN != 0) {
        warnx_("--buf must be a multiple of %u in direct mode (got %zu)", DIRECT_ALIGN, o->buf);
        return -1;
    }
    return 0;
}

static int listen_on(const char *spec, unsigned *port_out)
{
    char host[256], port[16];
    if (split_hostport(spec, host, sizeof host, port, sizeof port) != 0) {
        warnx_("bad --listen '%s' (want ADDR:PORT)", spec);
        return -1;
    }
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    const char *h = (host[0] == '\0' || strcmp(host, "*") == 0) ? NULL : host;
    int gai = getaddrinfo(h, port, &hints, &res);
    if (gai != 0) {
        warnx_("getaddrinfo %s: %s", spec, gai_strerror(gai));
        return -1;
    }
    int fd = -1;
    int err = 0;
    for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            err = errno;
            continue;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 16) == 0)
            break;
        err = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        warnx_("cannot listen on %s: %s", spec, strerror(err));
        return -1;
    }
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
        warnx_("getsockname: %s", strerror(errno));
        close(fd);
        return -1;
    }
    if (ss.ss_family == AF_INET)
        *port_out = ntohs(((struct sockaddr_in *)&ss)->sin_port);
    else if (ss.ss_family == AF_INET6)
        *port_out = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    else
        *port_out = 0;
    return fd;
}

/* Writes "PORT\n" to path.tmp and renames it to path, so a waiting script never sees a partial file. */
static int write_ready_file(const char *path, unsigned port)
{
    size_t n = strlen(path) + 5;
    char *tmp = malloc(n);
    if (tmp == NULL)
        return -1;
    snprintf(tmp, n, "%s.tmp", path);
    char line[32];
    int len = snprintf(line, sizeof line, "%u\n", port);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || write_all(fd, line, (size_t)len) != 0) {
        warnx_("ready file %s: %s", tmp, strerror(errno));
        if (fd >= 0)
            close(fd);
        free(tmp);
        return -1;
    }
    close(fd);
    if (rename(tmp, path) != 0) {
        warnx_("rename %s -> %s: %s", tmp, path, strerror(errno));
        free(tmp);
        return -1;
    }
    free(tmp);
    return 0;
}

/* read() wrapper retrying EINTR. */
static ssize_t read_retry(int fd, void *buf, size_t len)
{
    ssize_t n;
    do
        n = read(fd, buf, len);
    while (n < 0 && errno == EINTR);
    return n;
}

/* Batching: waits until the socket holds SO_RCVLOWAT bytes (poll reports POLLIN only then, or at
 * EOF / on an error), or until the latency bound expires. Returns 0, or -1 on a poll error. */
static int wait_batch(int sock, struct conn *cs)
{
    struct pollfd pf = { .fd = sock, .events = POLLIN };
    int r;
    do {
        cs->polls++;
        r = poll(&pf, 1, cs->batch_ms);
    } while (r < 0 && errno == EINTR);
    if (r < 0) {
        warnx_("poll: %s", strerror(errno));
        return -1;
    }
    if (r == 0)
        cs->poll_timeouts++;
    return 0;
}

/* One receive from the socket into buf: read() as it comes, or with --batch a poll-guarded
 * recv(MSG_DONTWAIT). Non-blocking because a blocking recv() with SO_RCVLOWAT set waits for the
 * low-water mark itself (tcp_recvmsg's target), which would defeat the latency bound; after a poll
 * timeout it returns whatever is queued. EAGAIN (the bound expired on an empty socket) waits again.
 * Returns bytes read, 0 at EOF, -1 with errno on an error. */
static ssize_t sock_read(int sock, void *buf, size_t len, struct conn *cs)
{
    if (cs->batch == 0) {
        cs->recv_calls++;
        return read_retry(sock, buf, len);
    }
    for (;;) {
        if (wait_batch(sock, cs) != 0)
            return -1;
        ssize_t n;
        do {
            cs->recv_calls++;
            n = recv(sock, buf, len, MSG_DONTWAIT);
        } while (n < 0 && errno == EINTR);
        if (n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
            return n;
    }
}

/* buffered: read whatever arrives, pwrite it at the running offset, until EOF. */
static int recv_buffered(int sock, int fd, unsigned char *buf, size_t bufsz, off_t *off, struct conn *cs)
{
    for (;;) {
        ssize_t n = sock_read(sock, buf, bufsz, cs);
        if (n < 0) {
            warnx_("read from socket: %s", strerror(errno));
            return -1;
        }
        if (n == 0)
            return 0;
        if (pwrite_all(fd, buf, (size_t)n, *off) != 0) {
            warnx_("pwrite at %" PRIu64 ": %s", (uint64_t)*off, strerror(errno));
            return -1;
        }
        *off += n;
        cs->bytes += (uint64_t)n;
    }
}

/* Writes one aligned block set through the O_DIRECT fd (dfd), or through fd when direct writes are
 * off or become impossible (EINVAL from the filesystem, or a short write leaving an unaligned rest). */
static int write_block(int *dfd, int fd, const unsigned char *p, size_t len, off_t *off, struct conn *cs)
{
    while (len > 0) {
        if (*dfd < 0 || ((uintptr_t)p % DIRECT_ALIGN) != 0 || ((uint64_t)*off % DIRECT_ALIGN) != 0 ||
            (len % DIRECT_ALIGN) != 0) {
            if (pwrite_all(fd, p, len, *off) != 0) {
                warnx_("pwrite at %" PRIu64 ": %s", (uint64_t)*off, strerror(errno));
                return -1;
            }
            *off += (off_t)len;
            return 0;
        }
        ssize_t n = pwrite(*dfd, p, len, *off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EINVAL) {
                warnx_("O_DIRECT write rejected (EINVAL) at offset %" PRIu64 ": falling back to buffered",
                       (uint64_t)*off);
                close(*dfd);
                *dfd = -1;
                cs->fell_back = 1;
                continue;
            }
            warnx_("O_DIRECT pwrite at %" PRIu64 ": %s", (uint64_t)*off, strerror(errno));
            return -1;
        }
        if (n == 0) {
            warnx_("O_DIRECT pwrite at %" PRIu64 " wrote nothing", (uint64_t)*off);
            return -1;
        }
        p += n;
        len -= (size_t)n;
        *off += n;
    }
    return 0;
}

/* direct: fill the aligned buffer completely (looping on short reads), write full buffers with
 * O_DIRECT; at EOF write the aligned part of the rest with O_DIRECT and the unaligned tail via fd. */
static int recv_direct(int sock, int fd, int *dfd, unsigned char *buf, size_t bufsz, off_t *off, struct conn *cs)
{
    size_t fill = 0;
    for (;;) {
        ssize_t n = sock_read(sock, buf + fill, bufsz - fill, cs);
        if (n < 0) {
            warnx_("read from socket: %s", strerror(errno));
            return -1;
        }
        if (n == 0)
            break;
        fill += (size_t)n;
        cs->bytes += (uint64_t)n;
        if (fill == bufsz) {
            if (write_block(dfd, fd, buf, bufsz, off, cs) != 0)
                return -1;
            fill = 0;
        }
    }
    size_t aligned = fill - fill % DIRECT_ALIGN;
    if (aligned > 0 && write_block(dfd, fd, buf, aligned, off, cs) != 0)
        return -1;
    if (fill > aligned) {
        if (pwrite_all(fd, buf + aligned, fill - aligned, *off) != 0) {
            warnx_("pwrite tail at %" PRIu64 ": %s", (uint64_t)*off, strerror(errno));
            return -1;
        }
        *off += (off_t)(fill - aligned);
    }
    return 0;
}

/* splice: socket -> pipe (up to the granted pipe size), then pipe -> file at an explicit offset until
 * the pipe is empty. If the file side says EINVAL before any byte reached the file, the bytes already
 * in the pipe are drained with read()+pwrite() and the rest of the stream is received buffered. */
static int recv_splice(int sock, int fd, const int pfd[2], unsigned char *buf, size_t bufsz, off_t *off,
                       struct conn *cs)
{
    size_t chunk = cs->pipe_granted > 0 ? (size_t)cs->pipe_granted : 65536;
    loff_t loff = (loff_t)*off;
    uint64_t in_file = 0;
    /* Batching: splice(2) ignores SO_RCVLOWAT (tcp_splice_read takes what is queued), so the wait is
     * poll's alone, and the splice is non-blocking so that an expired bound on an empty socket polls
     * again. EAGAIN here means the socket is empty: the pipe is always drained before this call. */
    unsigned flags = SPLICE_F_MOVE | SPLICE_F_MORE | (cs->batch > 0 ? SPLICE_F_NONBLOCK : 0);
    for (;;) {
        if (cs->batch > 0 && wait_batch(sock, cs) != 0)
            return -1;
        cs->recv_calls++;
        ssize_t n = splice(sock, NULL, pfd[1], NULL, chunk, flags);
        if (n < 0) {
            if (errno == EINTR || (cs->batch > 0 && errno == EAGAIN))
                continue;
            warnx_("splice socket -> pipe: %s", strerror(errno));
            return -1;
        }
        if (n == 0)
            break;
        size_t inpipe = (size_t)n;
        cs->bytes += (uint64_t)n;
        while (inpipe > 0) {
            ssize_t m = splice(pfd[0], NULL, fd, &loff, inpipe, SPLICE_F_MOVE);
            if (m < 0) {
                if (errno == EINTR)
                    continue;
                if (errno == EINVAL && in_file == 0) {
                    warnx_("splice pipe -> file: EINVAL (not supported by this filesystem): "
                           "falling back to buffered");
                    cs->fell_back = 1;
                    *off = (off_t)loff;
                    while (inpipe > 0) {
                        size_t want = inpipe < bufsz ? inpipe : bufsz;
                        ssize_t r = read_retry(pfd[0], buf, want);
                        if (r <= 0) {
                            warnx_("draining pipe: %s", r < 0 ? strerror(errno) : "unexpected EOF");
                            return -1;
                        }
                        if (pwrite_all(fd, buf, (size_t)r, *off) != 0) {
                            warnx_("pwrite at %" PRIu64 ": %s", (uint64_t)*off, strerror(errno));
                            return -1;
                        }
                        *off += r;
                        inpipe -= (size_t)r;
                    }
                    return recv_buffered(sock, fd, buf, bufsz, off, cs);
                }
                warnx_("splice pipe -> file at %" PRIu64 ": %s", (uint64_t)loff, strerror(errno));
                return -1;
            }
            if (m == 0) {
                warnx_("splice pipe -> file at %" PRIu64 " moved nothing", (uint64_t)loff);
                return -1;
            }
            inpipe -= (size_t)m;
            in_file += (uint64_t)m;
        }
    }
    *off = (off_t)loff;
    return 0;
}

static int handle_one(int lfd, const char *path, const struct opts *o, unsigned char *buf)
{
    struct conn cs;
    memset(&cs, 0, sizeof cs);
    cs.batch = o->batch;
    cs.batch_ms = o->batch_ms;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        warnx_("open %s: %s", path, strerror(errno));
        return -1;
    }
    int dfd = -1;
    int pfd[2] = { -1, -1 };
    int sock = -1;
    int rc = -1;
    if (o->mode == MODE_DIRECT) {
        dfd = open(path, O_WRONLY | O_DIRECT | O_CLOEXEC);
        if (dfd < 0) {
            if (errno != EINVAL) {
                warnx_("open %s with O_DIRECT: %s", path, strerror(errno));
                goto out;
            }
            warnx_("O_DIRECT not supported for %s (EINVAL): falling back to buffered", path);
            cs.fell_back = 1;
        }
    } else if (o->mode == MODE_SPLICE) {
        if (pipe2(pfd, O_CLOEXEC) != 0) {
            warnx_("pipe2: %s", strerror(errno));
            goto out;
        }
        if (o->pipe > (size_t)INT32_MAX || fcntl(pfd[1], F_SETPIPE_SZ, (int)o->pipe) < 0)
            warnx_("F_SETPIPE_SZ %zu: %s (keeping the granted size)", o->pipe,
                   o->pipe > (size_t)INT32_MAX ? "too large" : strerror(errno));
        int g = fcntl(pfd[1], F_GETPIPE_SZ);
        cs.pipe_granted = g > 0 ? g : 0;
    }

    do
        sock = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    while (sock < 0 && errno == EINTR);
    if (sock < 0) {
        warnx_("accept: %s", strerror(errno));
        goto out;
    }

    if (o->batch > 0) {
        /* The kernel caps the value at half the receive buffer limit and grows the buffer to fit
         * (tcp_set_rcvlowat); what it kept is reported as lowat=. */
        int v = (int)o->batch;
        socklen_t vl = sizeof cs.lowat;
        if (setsockopt(sock, SOL_SOCKET, SO_RCVLOWAT, &v, sizeof v) != 0 ||
            getsockopt(sock, SOL_SOCKET, SO_RCVLOWAT, &cs.lowat, &vl) != 0) {
            warnx_("SO_RCVLOWAT %d: %s", v, strerror(errno));
            goto out;
        }
    }

    struct snap t0, t1;
    take_snap(&t0);
    off_t off = 0;
    int r;
    if (o->mode == MODE_SPLICE)
        r = recv_splice(sock, fd, pfd, buf, o->buf, &off, &cs);
    else if (o->mode == MODE_DIRECT)
        r = recv_direct(sock, fd, &dfd, buf, o->buf, &off, &cs);
    else
        r = recv_buffered(sock, fd, buf, o->buf, &off, &cs);
    if (r != 0)
        goto out;
    if ((uint64_t)off != cs.bytes) {
        warnx_("internal error: offset %" PRIu64 " != bytes %" PRIu64, (uint64_t)off, cs.bytes);
        goto out;
    }
    if (o->fsync) {
        int s;
        do
            s = fdatasync(fd);
        while (s != 0 && errno == EINTR);
        if (s != 0) {
            warnx_("fdatasync %s: %s", path, strerror(errno));
            goto out;
        }
    }
    take_snap(&t1);

    double wall = t1.wall - t0.wall;
    double user = tv_s(&t1.ru.ru_utime) - tv_s(&t0.ru.ru_utime);
    double sys = tv_s(&t1.ru.ru_stime) - tv_s(&t0.ru.ru_stime);
    double cpu = t1.thread - t0.thread;
    double gib = (double)cs.bytes / 1073741824.0;
    printf("mode=%s bytes=%" PRIu64 " wall_s=%.6f user_s=%.6f sys_s=%.6f cpu_s=%.6f cpu_s_per_gib=%.6f "
           "mb_per_s=%.6f pipe=%d buf=%zu fallback=%s",
           mode_names[o->mode], cs.bytes, wall, user, sys, cpu, gib > 0 ? cpu / gib : 0.0,
           wall > 0 ? (double)cs.bytes / 1e6 / wall : 0.0, cs.pipe_granted, o->buf,
           cs.fell_back ? "buffered" : "none");
    /* Only on request: the line above is what existing scripts match exactly. ru_maxrss is the
     * process's peak RSS in KiB (VmHWM), over its whole life; the context switches are this
     * connection's deltas (voluntary: each blocking wait that slept). */
    if (o->counters)
        printf(" recv_calls=%" PRIu64 " polls=%" PRIu64 " poll_timeouts=%" PRIu64 " lowat=%d maxrss_kb=%ld"
               " vcsw=%ld ivcsw=%ld",
               cs.recv_calls, cs.polls, cs.poll_timeouts, cs.lowat, t1.ru.ru_maxrss,
               t1.ru.ru_nvcsw - t0.ru.ru_nvcsw, t1.ru.ru_nivcsw - t0.ru.ru_nivcsw);
    putchar('\n');
    if (fflush(stdout) != 0) {
        warnx_("stdout: %s", strerror(errno));
        goto out;
    }
    rc = 0;
out:
    if (sock >= 0)
        close(sock);
    if (pfd[0] >= 0)
        close(pfd[0]);
    if (pfd[1] >= 0)
        close(pfd[1]);
    if (dfd >= 0)
        close(dfd);
    if (close(fd) != 0 && rc == 0) {
        warnx_("close %s: %s", path, strerror(errno));
        rc = -1;
    }
    return rc;
}

int main(int argc, char **argv)
{
    prog_name = "recd-recv-ref";
    struct opts o;
    if (parse_opts(argc, argv, &o) != 0) {
        usage(stderr);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);

    unsigned char *buf = NULL;
    if (o.mode == MODE_DIRECT) {
        void *p = NULL;
        int e = posix_memalign(&p, DIRECT_ALIGN, o.buf);
        if (e != 0) {
            warnx_("posix_memalign %zu: %s", o.buf, strerror(e));
            return 1;
        }
        buf = p;
    } else {
        buf = malloc(o.buf);
        if (buf == NULL) {
            warnx_("malloc %zu: out of memory", o.buf);
            return 1;
        }
    }

    if (o.ready != NULL && unlink(o.ready) != 0 && errno != ENOENT) {
        warnx_("cannot remove stale ready file %s: %s", o.ready, strerror(errno));
        return 1;
    }
    unsigned port = 0;
    int lfd = listen_on(o.listen, &port);
    if (lfd < 0)
        return 1;
    if (o.ready != NULL && write_ready_file(o.ready, port) != 0)
        return 1;

    size_t plen = strlen(o.out) + 24;
    char *path = malloc(plen);
    if (path == NULL) {
        warnx_("out of memory");
        return 1;
    }
    for (uint64_t i = 0; i < o.count; i++) {
        if (i == 0)
            snprintf(path, plen, "%s", o.out);
        else
            snprintf(path, plen, "%s.%" PRIu64, o.out, i);
        if (handle_one(lfd, path, &o, buf) != 0)
            return 1;
    }
    free(path);
    free(buf);
    close(lfd);
    return 0;
}
