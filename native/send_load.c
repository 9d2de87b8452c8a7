/* recd-send-load: load sender and pattern generator for recd tests and benchmarks.
 *
 * The pattern (same bytes for the same (seed, offset), on every architecture and endianness):
 *
 *   word(k)   = SplitMix64 output number k+1 for seed S
 *             = mix64(S + (k + 1) * 0x9E3779B97F4A7C15)            (all arithmetic mod 2^64)
 *   mix64(z)  : z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
 *               z = (z ^ (z >> 27)) * 0x94D049BB133111EB
 *               z =  z ^ (z >> 31)
 *   byte(i)   = (word(i / 8) >> (8 * (i % 8))) & 0xFF              (little-endian within each word)
 *
 * Every 8-byte word is a distinct hash of its index, so the stream has no period at all (in
 * particular none of 4096): a page written at the wrong offset, duplicated or dropped changes the
 * checksum. Being counter-based, any offset can be generated directly, 8 bytes per mix64 call.
 * Python equivalent, for other test code:
 *   M=(1<<64)-1
 *   def word(s,k):
 *       z=(s+(k+1)*0x9E3779B97F4A7C15)&M
 *       z=((z^(z>>30))*0xBF58476D1CE4E5B9)&M; z=((z^(z>>27))*0x94D049BB133111EB)&M
 *       return z^(z>>31)
 *   def emit(n,s=1): return b''.join(word(s,k).to_bytes(8,'little') for k in range((n+7)//8))[:n]
 *
 * Modes: --emit N (pattern to stdout), --connect ADDR:PORT raw stream, --http-put PATH (HTTP/1.1 PUT
 * with Content-Length or chunked body), --file F (sendfile instead of the pattern), --rate BITS
 * (--streams N paced streams from one thread, like live TV: fixed-size sends on a fixed schedule).
 * See README.md. */
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
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "common.h"

#define GOLDEN UINT64_C(0x9E3779B97F4A7C15)

static inline uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static inline uint64_t pattern_word(uint64_t seed, uint64_t k)
{
    return mix64(seed + (k + 1) * GOLDEN);
}

/* Fills buf with pattern bytes [off, off + len). */
static void pattern_fill(uint64_t seed, uint64_t off, unsigned char *buf, size_t len)
{
    uint64_t k = off >> 3;
    unsigned sh = (unsigned)(off & 7);
    if (sh != 0 && len > 0) {
        uint64_t w = pattern_word(seed, k++);
        for (; sh < 8 && len > 0; sh++, len--)
            *buf++ = (unsigned char)(w >> (8 * sh));
    }
    while (len >= 8) {
        uint64_t w = pattern_word(seed, k++);
        buf[0] = (unsigned char)w;
        buf[1] = (unsigned char)(w >> 8);
        buf[2] = (unsigned char)(w >> 16);
        buf[3] = (unsigned char)(w >> 24);
        buf[4] = (unsigned char)(w >> 32);
        buf[5] = (unsigned char)(w >> 40);
        buf[6] = (unsigned char)(w >> 48);
        buf[7] = (unsigned char)(w >> 56);
        buf += 8;
        len -= 8;
    }
    if (len > 0) {
        uint64_t w = pattern_word(seed, k);
        for (unsigned i = 0; i < len; i++)
            buf[i] = (unsigned char)(w >> (8 * i));
    }
}

#define MAX_HEADERS 64
#define MAX_STREAMS 256

struct opts {
    int emit;
    uint64_t emit_n;
    uint64_t seed;
    const char *connect;
    int has_bytes;
    uint64_t bytes;
    size_t write_sz;
    uint64_t delay_us;
    const char *http_put;
    size_t chunked;               /* 0 = Content-Length body */
    const char *headers[MAX_HEADERS];
    int nheaders;
    int has_abort;
    uint64_t abort_after;
    const char *file;
    const char *connects[MAX_STREAMS]; /* --connect, repeatable with --rate: stream i uses i mod n */
    int nconnect;
    uint64_t rate;                /* --rate: bits per second per stream; 0 = as fast as possible */
    uint64_t streams;             /* --streams, with --rate */
    uint64_t spread_ms;           /* --spread-ms, with --rate: stream i starts at i / N of it */
    int follow;                   /* --follow-server: recd calibrate says what each connection sends */
    const char *bind;             /* --bind ADDR, with --follow-server: the source address */
};

/* Body source and send state. */
struct sender {
    int sock;
    const struct opts *o;
    int filefd;                   /* -1 = pattern */
    unsigned char *gbuf;          /* pattern window */
    size_t gcap;
    uint64_t gstart;
    size_t glen;
    uint64_t sent;                /* body bytes sent so far */
    uint64_t abort_at;            /* UINT64_MAX when no --abort-after */
    int first_write;
};

static void usage(FILE *f)
{
    fprintf(f,
        "usage: recd-send-load --emit N [--seed S]\n"
        "       recd-send-load --connect ADDR:PORT (--bytes N | --file F [--bytes N]) [--seed S]\n"
        "                      [--write BYTES] [--delay-us U] [--abort-after K]\n"
        "                      [--http-put PATH [--chunked CHUNK] [--header 'K: V']...]\n"
        "       recd-send-load --connect ADDR:PORT [--connect ADDR:PORT]... --bytes N --rate BITS\n"
        "                      [--streams N] [--write BYTES] [--seed S] [--http-put PATH [--header 'K: V']...]\n"
        "       recd-send-load --connect ADDR:PORT --follow-server [--bind ADDR] [--seed S]\n"
        "  --emit N          write N pattern bytes to stdout\n"
        "  --connect A:P     connect over TCP and send the body\n"
        "  --bytes N         body size (pattern); with --file, send only the first N bytes\n"
        "  --seed S          pattern seed (default 1)\n"
        "  --write BYTES     size of each send()/sendfile() call (default 262144)\n"
        "  --delay-us U      sleep U microseconds between writes\n"
        "  --http-put PATH   send an HTTP/1.1 PUT PATH (Content-Length unless --chunked); exit 3 on non-2xx\n"
        "  --chunked CHUNK   Transfer-Encoding: chunked with CHUNK-byte chunks\n"
        "  --header 'K: V'   extra request header (repeatable)\n"
        "  --abort-after K   after K body bytes, close with SO_LINGER 0 (reset) and exit 0\n"
        "  --file F          send F with sendfile(2) instead of the pattern\n"
        "  --rate BITS       pace each stream at BITS bit/s in --write sized sends (N = bytes per stream)\n"
        "  --streams N       with --rate: N concurrent connections (stream i to the (i mod n)-th --connect,\n"
        "                    seed S+i, '{i}' in the --http-put path replaced by i); default 1\n"
        "  --spread-ms MS    with --rate: stream i's first send MS * i / N ms after the start (default 0)\n"
        "  --follow-server   serve recd calibrate --sender: each connection reads one RECD-CAL line\n"
        "                    (bulk BYTES MS | live RATE_BPS SEGMENT BYTES | done), sends that, reconnects\n"
        "  --bind ADDR       with --follow-server: connect from this local address\n"
        "Sizes accept k/m/g suffixes (powers of 1024).\n"
        "Output (connect modes): bytes=N wall_s=F mb_per_s=F\n"
        "Output (--rate): bytes=TOTAL wall_s=F mb_per_s=F streams=N start_mono=F interval_s=F max_late_s=F\n"
        "Output (--follow-server, one line per trial): trial=bulk|live bytes=N wall_s=F mb_per_s=F\n");
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
    static const struct option lo[] = {
        { "emit", required_argument, NULL, 'e' },
        { "seed", required_argument, NULL, 's' },
        { "connect", required_argument, NULL, 'c' },
        { "bytes", required_argument, NULL, 'n' },
        { "write", required_argument, NULL, 'w' },
        { "delay-us", required_argument, NULL, 'd' },
        { "http-put", required_argument, NULL, 'p' },
        { "chunked", required_argument, NULL, 'k' },
        { "header", required_argument, NULL, 'H' },
        { "abort-after", required_argument, NULL, 'a' },
        { "file", required_argument, NULL, 'f' },
        { "rate", required_argument, NULL, 'R' },
        { "streams", required_argument, NULL, 'N' },
        { "spread-ms", required_argument, NULL, 'S' },
        { "follow-server", no_argument, NULL, 'F' },
        { "bind", required_argument, NULL, 'B' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    memset(o, 0, sizeof *o);
    o->seed = 1;
    o->write_sz = 262144;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (c) {
        case 'e':
            if (parse_u64(optarg, &o->emit_n) != 0) { warnx_("bad --emit '%s'", optarg); return -1; }
            o->emit = 1;
            break;
        case 's':
            if (parse_u64(optarg, &o->seed) != 0) { warnx_("bad --seed '%s'", optarg); return -1; }
            break;
        case 'c':
            if (o->nconnect >= MAX_STREAMS) { warnx_("too many --connect"); return -1; }
            o->connects[o->nconnect++] = optarg;
            o->connect = o->connects[0];
            break;
        case 'n':
            if (parse_u64(optarg, &o->bytes) != 0) { warnx_("bad --bytes '%s'", optarg); return -1; }
            o->has_bytes = 1;
            break;
        case 'w':
            if (parse_size(optarg, 1, (size_t)1 << 30, &o->write_sz) != 0) {
                warnx_("bad --write '%s' (1..1GiB)", optarg);
                return -1;
            }
            break;
        case 'd':
            if (parse_u64(optarg, &o->delay_us) != 0) { warnx_("bad --delay-us '%s'", optarg); return -1; }
            break;
        case 'p': o->http_put = optarg; break;
        case 'k':
            if (parse_size(optarg, 1, (size_t)1 << 30, &o->chunked) != 0) {
                warnx_("bad --chunked '%s' (1..1GiB)", optarg);
                return -1;
            }
            break;
        case 'H':
            if (o->nheaders >= MAX_HEADERS) { warnx_("too many --header"); return -1; }
            if (strpbrk(optarg, "\r\n") != NULL || strchr(optarg, ':') == NULL) {
                warnx_("bad --header '%s' (want 'Name: value', no CR/LF)", optarg);
                return -1;
            }
            o->headers[o->nheaders++] = optarg;
            break;
        case 'a':
            if (parse_u64(optarg, &o->abort_after) != 0) { warnx_("bad --abort-after '%s'", optarg); return -1; }
            o->has_abort = 1;
            break;
        case 'f': o->file = optarg; break;
        case 'R':
            if (parse_u64(optarg, &o->rate) != 0 || o->rate == 0) { warnx_("bad --rate '%s'", optarg); return -1; }
            break;
        case 'N':
            if (parse_u64(optarg, &o->streams) != 0 || o->streams == 0 || o->streams > MAX_STREAMS) {
                warnx_("bad --streams '%s' (1..%d)", optarg, MAX_STREAMS);
                return -1;
            }
            break;
        case 'S':
            if (parse_u64(optarg, &o->spread_ms) != 0 || o->spread_ms > 60000) { warnx_("bad --spread-ms '%s' (0..60000)", optarg); return -1; }
            break;
        case 'F': o->follow = 1; break;
        case 'B': o->bind = optarg; break;
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
    if (o->emit) {
        if (o->connect || o->http_put || o->file || o->has_bytes || o->chunked || o->nheaders || o->has_abort) {
            warnx_("--emit takes only --seed");
            return -1;
        }
        return 0;
    }
    if (o->connect == NULL) {
        warnx_("need --emit N or --connect ADDR:PORT");
        return -1;
    }
    if (o->bind != NULL && !o->follow) {
        warnx_("--bind needs --follow-server");
        return -1;
    }
    if (o->follow) {
        /* The server says what to send: every body option would contradict it. */
        if (o->has_bytes || o->file || o->http_put || o->rate || o->streams || o->nconnect > 1 || o->has_abort
            || o->delay_us || o->chunked || o->nheaders) {
            warnx_("--follow-server takes one --connect, --bind and --seed only");
            return -1;
        }
        return 0;
    }
    if (!o->has_bytes && o->file == NULL) {
        warnx_("--connect needs --bytes N (or --file F)");
        return -1;
    }
    if (o->rate == 0 && (o->streams || o->nconnect > 1 || o->spread_ms)) {
        warnx_("--streams, --spread-ms and a repeated --connect need --rate");
        return -1;
    }
    if (o->rate != 0 && (o->file || o->chunked || o->has_abort || o->delay_us || !o->has_bytes)) {
        warnx_("--rate takes --bytes N per stream, and no --file, --chunked, --abort-after or --delay-us");
        return -1;
    }
    if (o->streams == 0)
        o->streams = 1;
    if (o->http_put == NULL && (o->chunked || o->nheaders)) {
        warnx_("--chunked and --header need --http-put");
        return -1;
    }
    if (o->http_put != NULL && (o->http_put[0] == '\0' || strpbrk(o->http_put, " \r\n") != NULL)) {
        warnx_("bad --http-put path '%s'", o->http_put);
        return -1;
    }
    return 0;
}

static int do_emit(const struct opts *o)
{
    size_t cap = 1 << 20;
    unsigned char *buf = malloc(cap);
    if (buf == NULL) {
        warnx_("out of memory");
        return 1;
    }
    uint64_t off = 0;
    while (off < o->emit_n) {
        uint64_t left = o->emit_n - off;
        size_t n = left < cap ? (size_t)left : cap;
        pattern_fill(o->seed, off, buf, n);
        if (write_all(STDOUT_FILENO, buf, n) != 0) {
            warnx_("write to stdout: %s", strerror(errno));
            free(buf);
            return 1;
        }
        off += n;
    }
    free(buf);
    return 0;
}

/* Binds fd to the numeric address addr, port 0, when its family matches. */
static int bind_local(int fd, int family, const char *addr)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = family;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE;
    if (getaddrinfo(addr, "0", &hints, &res) != 0 || res == NULL) {
        errno = EAFNOSUPPORT;
        return -1;
    }
    int r = bind(fd, res->ai_addr, res->ai_addrlen);
    freeaddrinfo(res);
    return r;
}

/* Connects to spec (from local address local unless NULL). -1 with errno set on failure; quiet leaves
 * an ECONNREFUSED unreported (--follow-server: refused is how a finished calibration says so). */
static int connect_from(const char *spec, const char *local, int quiet, char *host, size_t hostlen)
{
    char port[16];
    if (split_hostport(spec, host, hostlen, port, sizeof port) != 0 || host[0] == '\0') {
        warnx_("bad --connect '%s' (want ADDR:PORT)", spec);
        return -1;
    }
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    int gai = getaddrinfo(host, port, &hints, &res);
    if (gai != 0) {
        warnx_("getaddrinfo %s: %s", spec, gai_strerror(gai));
        return -1;
    }
    int fd = -1, err = 0;
    for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            err = errno;
            continue;
        }
        if (local != NULL && bind_local(fd, ai->ai_family, local) != 0) {
            err = errno;
            close(fd);
            fd = -1;
            continue;
        }
        int r = connect(fd, ai->ai_addr, ai->ai_addrlen);
        if (r != 0 && errno == EINTR) {
            /* The connection attempt continues in the background: wait for it, then read its result. */
            struct pollfd pf = { .fd = fd, .events = POLLOUT };
            int pr;
            do
                pr = poll(&pf, 1, -1);
            while (pr < 0 && errno == EINTR);
            int soerr = 0;
            socklen_t sl = sizeof soerr;
            if (pr > 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0) {
                r = soerr == 0 ? 0 : -1;
                errno = soerr;
            }
        }
        if (r == 0)
            break;
        err = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        if (!(quiet && err == ECONNREFUSED))
            warnx_("connect %s%s%s: %s", spec, local ? " from " : "", local ? local : "", strerror(err));
        errno = err;
        return -1;
    }
    /* Each send() leaves as its own segment(s): makes --write 1 / 1000 a real dribble. */
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static int connect_to(const char *spec, char *host, size_t hostlen)
{
    return connect_from(spec, NULL, 0, host, hostlen);
}

/* send() the whole buffer (MSG_NOSIGNAL), retrying EINTR and short sends. */
static int send_all(int sock, const void *buf, size_t len)
{
    const unsigned char *p = buf;
    while (len > 0) {
        ssize_t n = send(sock, p, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int send_str(int sock, const char *s)
{
    return send_all(sock, s, strlen(s));
}

/* Sends body bytes [off, off + len) in --write sized calls (with --delay-us between them).
 * Returns 0 when done, 1 when the --abort-after limit stopped it before the end, -1 on error. */
static int send_body(struct sender *s, uint64_t off, uint64_t len)
{
    const struct opts *o = s->o;
    while (len > 0) {
        if (s->sent >= s->abort_at)
            return 1;
        uint64_t piece = len;
        if (piece > o->write_sz)
            piece = o->write_sz;
        if (piece > s->abort_at - s->sent)
            piece = s->abort_at - s->sent;
        if (!s->first_write && o->delay_us > 0)
            sleep_us(o->delay_us);
        s->first_write = 0;
        if (s->filefd >= 0) {
            off_t foff = (off_t)off;
            uint64_t left = piece;
            while (left > 0) {
                ssize_t n = sendfile(s->sock, s->filefd, &foff, (size_t)left);
                if (n < 0) {
                    if (errno == EINTR)
                        continue;
                    return -1;
                }
                if (n == 0) {
                    warnx_("sendfile: %s shrank while sending", o->file);
                    errno = EIO;
                    return -1;
                }
                left -= (uint64_t)n;
            }
        } else {
            if (off < s->gstart || off + piece > s->gstart + s->glen) {
                size_t n = s->gcap;
                if ((uint64_t)n > len)
                    n = (size_t)len;
                if ((uint64_t)n < piece)
                    n = (size_t)piece;
                pattern_fill(o->seed, off, s->gbuf, n);
                s->gstart = off;
                s->glen = n;
            }
            if (send_all(s->sock, s->gbuf + (off - s->gstart), (size_t)piece) != 0)
                return -1;
        }
        off += piece;
        len -= piece;
        s->sent += piece;
    }
    return 0; /* limit reached exactly at the end: the caller finishes the request, then resets */
}

/* The request head of an HTTP/1.1 PUT of total bytes (Content-Length, or chunked with --chunked), in a
 * malloc'd string of *len bytes; NULL when out of memory. */
static char *put_head(const struct opts *o, const char *path, const char *host, uint64_t total, int *len)
{
    size_t hcap = 512 + strlen(path) + strlen(host);
    for (int i = 0; i < o->nheaders; i++)
        hcap += strlen(o->headers[i]) + 2;
    char *head = malloc(hcap);
    if (head == NULL)
        return NULL;
    int hl = snprintf(head, hcap, "PUT %s HTTP/1.1\r\nHost: %s\r\n", path, host);
    if (o->chunked)
        hl += snprintf(head + hl, hcap - (size_t)hl, "Transfer-Encoding: chunked\r\n");
    else
        hl += snprintf(head + hl, hcap - (size_t)hl, "Content-Length: %" PRIu64 "\r\n", total);
    hl += snprintf(head + hl, hcap - (size_t)hl, "Connection: close\r\n");
    for (int i = 0; i < o->nheaders; i++)
        hl += snprintf(head + hl, hcap - (size_t)hl, "%s\r\n", o->headers[i]);
    hl += snprintf(head + hl, hcap - (size_t)hl, "\r\n");
    *len = hl;
    return head;
}

/* Reads the response until EOF (or reset after some data). Returns the status code, or -1 if no
 * status line could be read; prints the status line on stderr. */
static int read_http_response(int sock)
{
    char head[8192];
    size_t hl = 0;
    char sink[65536];
    for (;;) {
        ssize_t n;
        if (hl < sizeof head - 1)
            n = recv(sock, head + hl, sizeof head - 1 - hl, 0);
        else
            n = recv(sock, sink, sizeof sink, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (hl == 0) {
                warnx_("reading response: %s", strerror(errno));
                return -1;
            }
            break;
        }
        if (n == 0)
            break;
        if (hl < sizeof head - 1)
            hl += (size_t)n;
    }
    head[hl] = '\0';
    char *eol = strpbrk(head, "\r\n");
    if (eol != NULL)
        *eol = '\0';
    if (hl == 0) {
        warnx_("no response (connection closed without a status line)");
        return -1;
    }
    fprintf(stderr, "%s\n", head);
    int a, b, code;
    if (sscanf(head, "HTTP/%d.%d %3d", &a, &b, &code) != 3) {
        warnx_("malformed status line");
        return -1;
    }
    return code;
}

/* Waits for the peer to close: reads and discards until EOF. */
static int drain_to_eof(int sock)
{
    char sink[16384];
    for (;;) {
        ssize_t n = recv(sock, sink, sizeof sink, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            warnx_("waiting for the peer to close: %s", strerror(errno));
            return -1;
        }
        if (n == 0)
            return 0;
    }
}

static void abort_conn(int sock)
{
    struct linger lg = { .l_onoff = 1, .l_linger = 0 };
    setsockopt(sock, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close(sock);
}

static void print_stats(uint64_t bytes, double wall)
{
    printf("bytes=%" PRIu64 " wall_s=%.6f mb_per_s=%.6f\n", bytes, wall,
           wall > 0 ? (double)bytes / 1e6 / wall : 0.0);
    fflush(stdout);
}

static int do_connect(const struct opts *o)
{
    struct sender s;
    memset(&s, 0, sizeof s);
    s.o = o;
    s.filefd = -1;
    s.abort_at = o->has_abort ? o->abort_after : UINT64_MAX;
    s.first_write = 1;
    uint64_t total = o->bytes;

    if (o->file != NULL) {
        s.filefd = open(o->file, O_RDONLY | O_CLOEXEC);
        struct stat st;
        if (s.filefd < 0 || fstat(s.filefd, &st) != 0) {
            warnx_("open %s: %s", o->file, strerror(errno));
            return 1;
        }
        if (!o->has_bytes)
            total = (uint64_t)st.st_size;
        else if (total > (uint64_t)st.st_size) {
            warnx_("--bytes %" PRIu64 " exceeds the size of %s (%" PRIu64 ")", total, o->file,
                   (uint64_t)st.st_size);
            return 1;
        }
    } else {
        s.gcap = o->write_sz > 262144 ? o->write_sz : 262144;
        s.gbuf = malloc(s.gcap);
        if (s.gbuf == NULL) {
            warnx_("out of memory");
            return 1;
        }
    }

    char host[256];
    s.sock = connect_to(o->connect, host, sizeof host);
    if (s.sock < 0)
        return 1;
    double t0 = now_mono();
    int r;

    if (o->http_put == NULL) {
        r = send_body(&s, 0, total);
        if (r < 0) {
            warnx_("send after %" PRIu64 " bytes: %s", s.sent, strerror(errno));
            return 1;
        }
        if (r == 1 || o->has_abort) {
            abort_conn(s.sock);
            print_stats(s.sent, now_mono() - t0);
            return 0;
        }
        if (shutdown(s.sock, SHUT_WR) != 0) {
            warnx_("shutdown: %s", strerror(errno));
            return 1;
        }
        if (drain_to_eof(s.sock) != 0)
            return 1;
        print_stats(s.sent, now_mono() - t0);
        close(s.sock);
        return 0;
    }

    /* HTTP/1.1 PUT. */
    int hl;
    char *head = put_head(o, o->http_put, host, total, &hl);
    if (head == NULL) {
        warnx_("out of memory");
        return 1;
    }

    int send_failed = 0;
    r = send_all(s.sock, head, (size_t)hl) == 0 ? 0 : -1;
    free(head);
    if (r == 0 && o->chunked) {
        for (uint64_t off = 0; off < total && r == 0; off += o->chunked) {
            uint64_t c = total - off < o->chunked ? total - off : o->chunked;
            char line[32];
            snprintf(line, sizeof line, "%" PRIx64 "\r\n", c);
            if (s.sent >= s.abort_at) {
                r = 1;
                break;
            }
            if (send_str(s.sock, line) != 0) {
                r = -1;
                break;
            }
            r = send_body(&s, off, c);
            if (r == 0 && send_str(s.sock, "\r\n") != 0)
                r = -1;
        }
        if (r == 0 && send_str(s.sock, "0\r\n\r\n") != 0)
            r = -1;
    } else if (r == 0) {
        r = send_body(&s, 0, total);
    }
    if (r == 1 || (r == 0 && o->has_abort)) {
        abort_conn(s.sock);
        print_stats(s.sent, now_mono() - t0);
        return 0;
    }
    if (r < 0) {
        /* The server may have answered early (e.g. 4xx) and closed: still try to read its status. */
        warnx_("send after %" PRIu64 " body bytes: %s", s.sent, strerror(errno));
        send_failed = 1;
    }
    int code = read_http_response(s.sock);
    double wall = now_mono() - t0;
    close(s.sock);
    if (code < 0)
        return 1;
    print_stats(s.sent, wall);
    if (code < 200 || code > 299)
        return 3;
    return send_failed ? 1 : 0;
}

/* The --http-put path of stream i: every "{i}" replaced by i. malloc'd; NULL when out of memory. */
static char *stream_path(const char *tmpl, uint64_t i)
{
    char num[24];
    int nl = snprintf(num, sizeof num, "%" PRIu64, i);
    size_t cap = strlen(tmpl) + 1;
    for (const char *p = strstr(tmpl, "{i}"); p != NULL; p = strstr(p + 3, "{i}"))
        cap += (size_t)nl;
    char *out = malloc(cap);
    if (out == NULL)
        return NULL;
    char *w = out;
    for (const char *p = tmpl; *p != '\0';) {
        if (strncmp(p, "{i}", 3) == 0) {
            memcpy(w, num, (size_t)nl);
            w += nl;
            p += 3;
        } else {
            *w++ = *p++;
        }
    }
    *w = '\0';
    return out;
}

static void sleep_until(double t)
{
    struct timespec ts = { .tv_sec = (time_t)t, .tv_nsec = (long)((t - (double)(time_t)t) * 1e9) };
    if (ts.tv_nsec >= 1000000000L)
        ts.tv_nsec = 999999999L;
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

/* --rate: N streams from one thread, each sending --write bytes every interval = write * 8 / rate
 * seconds. Stream i's k-th send is due at start + (i / N + k) * interval: the streams are spread
 * evenly over one interval (independent live sources do not send in step), and the schedule is
 * absolute, so a late send does not shift the ones after it. --spread-ms adds i / N of a longer span
 * to stream i's start: streams started in step at equal rates fill a receiver's batch (SO_RCVLOWAT)
 * within a millisecond of each other every time, so a receiver wakes for them in one burst, the first
 * of it from idle (on the test VM that one paid about 2x per byte, run after run); independent live
 * sources are not in step. A receiver that falls behind shows as
 * max_late_s (the blocking send() waits for its window). The due times are printed (start_mono,
 * CLOCK_MONOTONIC, and interval_s), so a caller can tell when any byte was sent. */
static int do_paced(const struct opts *o)
{
    uint64_t n = o->streams;
    int socks[MAX_STREAMS];
    uint64_t sent[MAX_STREAMS];
    double next[MAX_STREAMS];
    unsigned char *buf = malloc(o->write_sz);
    if (buf == NULL) {
        warnx_("out of memory");
        return 1;
    }
    char host[256];
    for (uint64_t i = 0; i < n; i++) {
        socks[i] = connect_to(o->connects[i % (uint64_t)o->nconnect], host, sizeof host);
        if (socks[i] < 0)
            return 1;
        sent[i] = 0;
        if (o->http_put != NULL) {
            char *path = stream_path(o->http_put, i);
            int hl = 0;
            char *head = path != NULL ? put_head(o, path, host, o->bytes, &hl) : NULL;
            if (head == NULL) {
                warnx_("out of memory");
                return 1;
            }
            int r = send_all(socks[i], head, (size_t)hl);
            free(head);
            free(path);
            if (r != 0) {
                warnx_("stream %" PRIu64 ": sending the request head: %s", i, strerror(errno));
                return 1;
            }
        }
    }
    double interval = (double)o->write_sz * 8.0 / (double)o->rate;
    double t0 = now_mono();
    for (uint64_t i = 0; i < n; i++)
        next[i] = t0 + interval * (double)i / (double)n + (double)o->spread_ms / 1000.0 * (double)i / (double)n;
    double max_late = 0;
    uint64_t left = n;
    while (left > 0) {
        uint64_t i = n;
        for (uint64_t j = 0; j < n; j++)
            if (sent[j] < o->bytes && (i == n || next[j] < next[i]))
                i = j;
        sleep_until(next[i]);
        double late = now_mono() - next[i];
        if (late > max_late)
            max_late = late;
        uint64_t piece = o->bytes - sent[i] < o->write_sz ? o->bytes - sent[i] : o->write_sz;
        pattern_fill(o->seed + i, sent[i], buf, (size_t)piece);
        if (send_all(socks[i], buf, (size_t)piece) != 0) {
            warnx_("stream %" PRIu64 ": send after %" PRIu64 " bytes: %s", i, sent[i], strerror(errno));
            return 1;
        }
        sent[i] += piece;
        next[i] += interval;
        if (sent[i] == o->bytes)
            left--;
    }
    free(buf);
    int rc = 0;
    for (uint64_t i = 0; i < n; i++) {
        if (o->http_put != NULL) {
            int code = read_http_response(socks[i]);
            if (code < 0)
                rc = 1;
            else if ((code < 200 || code > 299) && rc == 0)
                rc = 3;
        } else if (shutdown(socks[i], SHUT_WR) != 0 || drain_to_eof(socks[i]) != 0) {
            warnx_("stream %" PRIu64 ": shutdown/close: %s", i, strerror(errno));
            rc = 1;
        }
        close(socks[i]);
    }
    double wall = now_mono() - t0;
    uint64_t total = o->bytes * n;
    printf("bytes=%" PRIu64 " wall_s=%.6f mb_per_s=%.6f streams=%" PRIu64 " start_mono=%.6f interval_s=%.9f "
           "max_late_s=%.6f\n", total, wall, wall > 0 ? (double)total / 1e6 / wall : 0.0, n, t0, interval, max_late);
    fflush(stdout);
    return rc;
}

/* --follow-server: recd calibrate --sender directs every trial (docs/calibration.md, "The remote
 * sender protocol"). On each connection: read one line, do what it says, end, connect again.
 *   RECD-CAL bulk BYTES MS                 up to BYTES as fast as the path takes them, for at most MS ms
 *   RECD-CAL live RATE_BPS SEGMENT BYTES   exactly BYTES (the pattern from offset 0) in SEGMENT-byte
 *                                          sends, send k due at start + k * SEGMENT * 8 / RATE_BPS
 *   RECD-CAL done                          the run is over: exit 0
 * A trial ends with shutdown(SHUT_WR) and a read to EOF: the receiver closes once it has every byte.
 * The receiver ending a trial first (EPIPE, ECONNRESET: a bulk trial's deadline is the receiver's) is
 * that trial's normal end. Refused after a trial: the run is over (exit 0). Refused before the first,
 * or a connection closed before its line (this host turned away), retries every 200 ms, 300 times. */
#define FOLLOW_RETRIES 300

/* One instruction line without its newline into line; 0 = got one, -1 = closed or reset first. */
static int read_line(int sock, char *line, size_t cap)
{
    size_t n = 0;
    while (n + 1 < cap) {
        ssize_t r = recv(sock, line + n, 1, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        if (line[n] == '\n') {
            line[n] = '\0';
            return 0;
        }
        n++;
    }
    errno = EMSGSIZE;
    return -1;
}

/* One trial on sock as line says. Returns bytes sent, or -1 on a send error other than the end. */
static int64_t follow_trial(int sock, const char *line, uint64_t seed, unsigned char *buf, size_t cap, const char **kind)
{
    uint64_t rate, seg, bytes, ms;
    uint64_t sent = 0;
    double t0 = now_mono();
    int r = 0;
    if (sscanf(line, "RECD-CAL bulk %" SCNu64 " %" SCNu64, &bytes, &ms) == 2) {
        *kind = "bulk";
        pattern_fill(seed, 0, buf, cap); /* one window, sent again and again: generating more would bill this CPU */
        double end = t0 + (double)ms / 1e3;
        while (sent < bytes && now_mono() < end && r == 0) {
            size_t piece = bytes - sent < cap ? (size_t)(bytes - sent) : cap;
            if ((r = send_all(sock, buf, piece)) == 0)
                sent += piece;
        }
    } else if (sscanf(line, "RECD-CAL live %" SCNu64 " %" SCNu64 " %" SCNu64, &rate, &seg, &bytes) == 3
               && rate > 0 && seg > 0 && seg <= cap) {
        *kind = "live";
        double interval = (double)seg * 8.0 / (double)rate;
        for (uint64_t k = 0; sent < bytes && r == 0; k++) {
            sleep_until(t0 + interval * (double)k);
            size_t piece = bytes - sent < seg ? (size_t)(bytes - sent) : (size_t)seg;
            pattern_fill(seed, sent, buf, piece);
            if ((r = send_all(sock, buf, piece)) == 0)
                sent += piece;
        }
    } else {
        warnx_("unknown instruction '%s'", line);
        errno = EPROTO;
        return -1;
    }
    if (r != 0 && errno != EPIPE && errno != ECONNRESET) {
        warnx_("%s trial: send after %" PRIu64 " bytes: %s", *kind, sent, strerror(errno));
        return -1;
    }
    if (r == 0) {
        shutdown(sock, SHUT_WR);
        char sink[4096];
        ssize_t n;
        do /* EOF or reset: either way the receiver is done with this connection */
            n = recv(sock, sink, sizeof sink, 0);
        while (n > 0 || (n < 0 && errno == EINTR));
    }
    double wall = now_mono() - t0;
    printf("trial=%s bytes=%" PRIu64 " wall_s=%.6f mb_per_s=%.6f\n", *kind, sent, wall, wall > 0 ? (double)sent / 1e6 / wall : 0.0);
    fflush(stdout);
    return (int64_t)sent;
}

static int do_follow(const struct opts *o)
{
    size_t cap = 262144;
    unsigned char *buf = malloc(cap);
    if (buf == NULL) {
        warnx_("out of memory");
        return 1;
    }
    char host[256], line[128];
    int trials = 0, misses = 0, rc = 0;
    for (;;) {
        int sock = connect_from(o->connect, o->bind, 1, host, sizeof host);
        if (sock < 0 && errno == ECONNREFUSED && trials > 0)
            break; /* the listener is gone: calibrate has finished */
        if (sock >= 0 && read_line(sock, line, sizeof line) == 0) {
            misses = 0;
            if (strcmp(line, "RECD-CAL done") == 0) {
                close(sock);
                break;
            }
            const char *kind = "?";
            int64_t n = follow_trial(sock, line, o->seed, buf, cap, &kind);
            close(sock);
            if (n < 0) {
                rc = 1;
                break;
            }
            trials++;
            continue;
        }
        if (sock >= 0)
            close(sock);
        else if (errno != ECONNREFUSED) {
            rc = 1;
            break;
        }
        if (++misses >= FOLLOW_RETRIES) {
            warnx_("no instruction from %s after %d attempts (refused, or this host turned away)", o->connect, misses);
            rc = 1;
            break;
        }
        sleep_us(200000);
    }
    free(buf);
    fprintf(stderr, "recd-send-load: --follow-server: %d trial(s)\n", trials);
    return rc;
}

int main(int argc, char **argv)
{
    prog_name = "recd-send-load";
    struct opts o;
    if (parse_opts(argc, argv, &o) != 0) {
        usage(stderr);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    if (o.emit)
        return do_emit(&o);
    if (o.follow)
        return do_follow(&o);
    if (o.rate != 0)
        return do_paced(&o);
    return do_connect(&o);
}
