/* Shared helpers for recd-recv-ref and recd-send-load (header-only, static functions).
 * Include after the feature-test macros (_GNU_SOURCE, _FILE_OFFSET_BITS=64) of the .c file. */
#ifndef RECD_NATIVE_COMMON_H
#define RECD_NATIVE_COMMON_H

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *prog_name = "recd";

static inline void warnx_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline void warnx_(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", prog_name);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* Parses a non-negative decimal (or 0x hex) integer with an optional binary suffix
 * k/K (KiB), m/M (MiB), g/G (GiB). Returns 0 on success, -1 on a malformed value or overflow. */
static inline int parse_u64(const char *s, uint64_t *out)
{
    if (s == NULL || *s == '\0' || *s == '-' || *s == '+')
        return -1;
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno != 0 || end == s)
        return -1;
    uint64_t mul = 1;
    if (*end != '\0') {
        switch (*end) {
        case 'k': case 'K': mul = UINT64_C(1) << 10; break;
        case 'm': case 'M': mul = UINT64_C(1) << 20; break;
        case 'g': case 'G': mul = UINT64_C(1) << 30; break;
        default: return -1;
        }
        if (end[1] != '\0')
            return -1;
    }
    if (v > UINT64_MAX / mul)
        return -1;
    *out = (uint64_t)v * mul;
    return 0;
}

/* Same, but the value must fit in a size_t and lie in [min, max]. */
static inline int parse_size(const char *s, size_t min, size_t max, size_t *out)
{
    uint64_t v;
    if (parse_u64(s, &v) != 0 || v < (uint64_t)min || v > (uint64_t)max || v > (uint64_t)SIZE_MAX)
        return -1;
    *out = (size_t)v;
    return 0;
}

/* Splits "HOST:PORT" or "[V6ADDR]:PORT" into host and port strings.
 * host may come back empty (meaning "any" for a listener). Returns 0 or -1. */
static inline int split_hostport(const char *s, char *host, size_t hostlen, char *port, size_t portlen)
{
    const char *colon;
    const char *hbeg = s;
    size_t hl;
    if (s[0] == '[') {
        const char *rb = strchr(s, ']');
        if (rb == NULL || rb[1] != ':')
            return -1;
        hbeg = s + 1;
        hl = (size_t)(rb - hbeg);
        colon = rb + 1;
    } else {
        colon = strrchr(s, ':');
        if (colon == NULL)
            return -1;
        hl = (size_t)(colon - s);
    }
    size_t pl = strlen(colon + 1);
    if (hl >= hostlen || pl == 0 || pl >= portlen)
        return -1;
    memcpy(host, hbeg, hl);
    host[hl] = '\0';
    memcpy(port, colon + 1, pl + 1);
    for (const char *p = port; *p; p++)
        if (*p < '0' || *p > '9')
            return -1;
    return 0;
}

static inline double ts_to_s(const struct timespec *ts)
{
    return (double)ts->tv_sec + (double)ts->tv_nsec / 1e9;
}

static inline double now_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts_to_s(&ts);
}

/* write(2) the whole buffer, retrying on EINTR and short writes. */
static inline int write_all(int fd, const void *buf, size_t len)
{
    const unsigned char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (n == 0) {
            errno = EIO;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* pwrite(2) the whole buffer at off, retrying on EINTR and short writes. */
static inline int pwrite_all(int fd, const void *buf, size_t len, off_t off)
{
    const unsigned char *p = buf;
    while (len > 0) {
        ssize_t n = pwrite(fd, p, len, off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (n == 0) {
            errno = EIO;
            return -1;
        }
        p += n;
        len -= (size_t)n;
        off += n;
    }
    return 0;
}

/* Sleeps for us microseconds, resuming after signal interruptions. */
static inline void sleep_us(uint64_t us)
{
    struct timespec ts = { .tv_sec = (time_t)(us / 1000000u), .tv_nsec = (long)(us % 1000000u) * 1000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

#endif
