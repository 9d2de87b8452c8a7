/* recd-calib-probe: the copy primitives of "recd calibrate", for boards recd itself cannot run on
 * (MIPS, 32-bit ARM today). Same measurements, same JSON keys under "Primitives" as
 * src/Appliance/Calibration/CopyPrimitives.cs, so the two compare key for key:
 *   Memcpy        memcpy, 1 MiB blocks over 16 MiB (DRAM bandwidth on a set-top box's L2)
 *   CopyToUser    read() from a pipe filled by splice from /dev/zero (copy_to_user alone)
 *   CopyFromUser  write() into a pipe drained by splice to /dev/null (copy_from_user alone)
 *   SpliceToFile  splice() pipe -> file in --dir
 *   PageCacheWrite, DirectWrite  pwrite() 1 MiB blocks into a file in --dir, plain and O_DIRECT
 * Only the measured call sits between the clock reads (CLOCK_MONOTONIC and CLOCK_THREAD_CPUTIME_ID).
 * Each primitive runs for --seconds/6 or its byte cap, whichever first; scratch files are removed.
 * usage: recd-calib-probe [--dir DIR] [--seconds N] [--cap BYTES]
 * Exit 0 with the JSON on stdout (a primitive that failed carries "Error"); 2 on bad usage. */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#include <fcntl.h>
#include <getopt.h>
#include <sys/utsname.h>
#include <sys/vfs.h>
#include "common.h"

#define PIPE_CHUNK (64 * 1024)
#define BLOCK (1 << 20)
#define SPAN (16 << 20)

struct clock_sum { uint64_t bytes; double cpu_ns, wall_s; double cpu0, wall0; };
struct figure { double mibps, cpu_ns_per_byte; uint64_t bytes; char error[96]; };

static double now_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void c_start(struct clock_sum *c) { c->cpu0 = now_cpu_ns(); c->wall0 = now_mono(); }
static void c_stop(struct clock_sum *c, ssize_t n)
{
    c->wall_s += now_mono() - c->wall0;
    c->cpu_ns += now_cpu_ns() - c->cpu0;
    if (n > 0) c->bytes += (uint64_t)n;
}

static int going(const struct clock_sum *c, double deadline, uint64_t cap) { return c->bytes < cap && now_mono() < deadline; }

static struct figure done(const struct clock_sum *c)
{
    struct figure f = {0};
    f.bytes = c->bytes;
    f.mibps = c->wall_s > 0 ? (double)c->bytes / c->wall_s / 1048576.0 : 0;
    f.cpu_ns_per_byte = c->bytes > 0 ? c->cpu_ns / (double)c->bytes : 0;
    return f;
}

static struct figure failed(const char *call)
{
    struct figure f = {0};
    snprintf(f.error, sizeof f.error, "%s: %s", call, strerror(errno));
    return f;
}

static struct figure p_memcpy(unsigned char *src, unsigned char *dst, double each, uint64_t cap)
{
    struct clock_sum c = {0};
    double deadline = now_mono() + each;
    for (int i = 0; going(&c, deadline, cap * 4); i = (i + 1) % (SPAN / BLOCK)) {
        c_start(&c);
        memcpy(dst + (size_t)((i + 7) % (SPAN / BLOCK)) * BLOCK, src + (size_t)i * BLOCK, BLOCK);
        c_stop(&c, BLOCK);
    }
    /* keep the copies observable so the compiler cannot drop them */
    if (dst[12345] == 0x11) fputc(' ', stderr);
    return done(&c);
}

static struct figure p_read_pipe(unsigned char *buf, double each, uint64_t cap)
{
    int zero = open("/dev/zero", O_RDONLY | O_CLOEXEC), fds[2];
    if (zero < 0) return failed("open /dev/zero");
    if (pipe2(fds, O_CLOEXEC) != 0) { close(zero); return failed("pipe2"); }
    struct clock_sum c = {0};
    struct figure f;
    double deadline = now_mono() + each;
    for (int i = 0; going(&c, deadline, cap * 4); i = (i + 1) % (SPAN / PIPE_CHUNK)) {
        ssize_t filled = splice(zero, NULL, fds[1], NULL, PIPE_CHUNK, 0);
        if (filled <= 0) { f = failed("splice /dev/zero -> pipe"); goto out; }
        while (filled > 0) {
            c_start(&c);
            ssize_t n = read(fds[0], buf + (size_t)i * PIPE_CHUNK, (size_t)filled);
            c_stop(&c, n);
            if (n <= 0) { f = failed("read pipe"); goto out; }
            filled -= n;
        }
    }
    f = done(&c);
out:
    close(fds[0]); close(fds[1]); close(zero);
    return f;
}

static struct figure p_write_pipe(unsigned char *buf, double each, uint64_t cap)
{
    int nul = open("/dev/null", O_WRONLY | O_CLOEXEC), fds[2];
    if (nul < 0) return failed("open /dev/null");
    if (pipe2(fds, O_CLOEXEC) != 0) { close(nul); return failed("pipe2"); }
    struct clock_sum c = {0};
    struct figure f;
    double deadline = now_mono() + each;
    for (int i = 0; going(&c, deadline, cap * 4); i = (i + 1) % (SPAN / PIPE_CHUNK)) {
        c_start(&c);
        ssize_t n = write(fds[1], buf + (size_t)i * PIPE_CHUNK, PIPE_CHUNK);
        c_stop(&c, n);
        if (n <= 0) { f = failed("write pipe"); goto out; }
        while (n > 0) {
            ssize_t d = splice(fds[0], NULL, nul, NULL, (size_t)n, 0);
            if (d <= 0) { f = failed("splice pipe -> /dev/null"); goto out; }
            n -= d;
        }
    }
    f = done(&c);
out:
    close(fds[0]); close(fds[1]); close(nul);
    return f;
}

static struct figure p_splice_file(const char *path, unsigned char *buf, double each, uint64_t cap)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600), fds[2];
    if (fd < 0) return failed("open");
    if (pipe2(fds, O_CLOEXEC) != 0) { close(fd); unlink(path); return failed("pipe2"); }
    struct clock_sum c = {0};
    struct figure f;
    loff_t offset = 0;
    double deadline = now_mono() + each;
    for (int i = 0; going(&c, deadline, cap); i = (i + 1) % (SPAN / PIPE_CHUNK)) {
        ssize_t n = write(fds[1], buf + (size_t)i * PIPE_CHUNK, PIPE_CHUNK);
        if (n <= 0) { f = failed("write pipe"); goto out; }
        while (n > 0) {
            loff_t off = offset;
            c_start(&c);
            ssize_t m = splice(fds[0], NULL, fd, &off, (size_t)n, SPLICE_F_MOVE);
            c_stop(&c, m);
            if (m <= 0) { f = failed("splice pipe -> file"); goto out; }
            n -= m;
            offset += m;
        }
    }
    f = done(&c);
out:
    close(fds[0]); close(fds[1]); close(fd); unlink(path);
    return f;
}

static struct figure p_file_write(const char *path, unsigned char *buf, int direct, double each, uint64_t cap)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | (direct ? O_DIRECT : 0), 0600);
    if (fd < 0) { struct figure f = failed(direct ? "open O_DIRECT" : "open"); unlink(path); return f; }
    struct clock_sum c = {0};
    struct figure f;
    off_t offset = 0;
    double deadline = now_mono() + each;
    for (int i = 0; going(&c, deadline, cap); i = (i + 1) % (SPAN / BLOCK)) {
        c_start(&c);
        ssize_t n = pwrite(fd, buf + (size_t)i * BLOCK, BLOCK, offset);
        c_stop(&c, n);
        if (n <= 0) { if (n == 0) errno = ENOSPC; f = failed(direct ? "pwrite O_DIRECT" : "pwrite"); goto out; }
        offset += n;
    }
    f = done(&c);
out:
    close(fd); unlink(path);
    return f;
}

static void json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') printf("\\%c", *s);
        else if ((unsigned char)*s < 0x20) printf("\\u%04x", *s);
        else putchar(*s);
    }
    putchar('"');
}

static void json_figure(const char *name, const struct figure *f, int last)
{
    printf("    \"%s\": {\n      \"MiBps\": %.1f,\n      \"CpuNsPerByte\": %.4f,\n      \"Bytes\": %" PRIu64, name, f->mibps, f->cpu_ns_per_byte, f->bytes);
    if (f->error[0]) { printf(",\n      \"Error\": "); json_string(f->error); }
    printf("\n    }%s\n", last ? "" : ",");
}

int main(int argc, char **argv)
{
    prog_name = "recd-calib-probe";
    const char *dir = ".";
    double seconds = 6;
    uint64_t cap = 256u << 20;
    static const struct option opts[] = {
        {"dir", required_argument, 0, 'd'}, {"seconds", required_argument, 0, 's'},
        {"cap", required_argument, 0, 'c'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0},
    };
    for (int o; (o = getopt_long(argc, argv, "", opts, NULL)) != -1;) {
        uint64_t v;
        switch (o) {
        case 'd': dir = optarg; break;
        case 's': if (parse_u64(optarg, &v) != 0 || v < 1 || v > 3600) { warnx_("--seconds: 1 .. 3600"); return 2; } seconds = (double)v; break;
        case 'c': if (parse_u64(optarg, &v) != 0 || v < BLOCK) { warnx_("--cap: at least 1M"); return 2; } cap = v; break;
        default:
            fprintf(stderr, "usage: %s [--dir DIR] [--seconds N (6)] [--cap BYTES (256M)]\n", prog_name);
            return o == 'h' ? 0 : 2;
        }
    }
    unsigned char *src = NULL, *dst = NULL;
    if (posix_memalign((void **)&src, 4096, SPAN) != 0 || posix_memalign((void **)&dst, 4096, SPAN) != 0) { warnx_("out of memory"); return 1; }
    memset(src, 0x47, SPAN); /* touched: page faults are not the copy */
    memset(dst, 0, SPAN);
    double each = seconds / 6.0;
    char path[4096];
    struct figure f[6];
    f[0] = p_memcpy(src, dst, each, cap);
    f[1] = p_read_pipe(dst, each, cap);
    f[2] = p_write_pipe(src, each, cap);
    snprintf(path, sizeof path, "%s/.recd-calib-splice.tmp", dir);
    f[3] = p_splice_file(path, src, each, cap);
    snprintf(path, sizeof path, "%s/.recd-calib-pagecache.tmp", dir);
    f[4] = p_file_write(path, src, 0, each, cap);
    snprintf(path, sizeof path, "%s/.recd-calib-direct.tmp", dir);
    f[5] = p_file_write(path, src, 1, each, cap);

    struct utsname u;
    struct statfs sf;
    char storage[32] = "unknown";
    if (statfs(dir, &sf) == 0) {
        /* The names /proc/mounts uses, as recd's "Storage" says them; others as the magic number. */
        static const struct { unsigned long magic; const char *name; } fs[] = {
            {0xEF53, "ext4"}, {0x01021994, "tmpfs"}, {0x4d44, "vfat"}, {0x2011BAB0, "exfat"}, {0x5346544e, "ntfs"},
            {0x65735546, "fuse"}, {0xF2F52010, "f2fs"}, {0x9123683E, "btrfs"}, {0x58465342, "xfs"}, {0x72b6, "jffs2"},
            {0x24051905, "ubifs"}, {0x73717368, "squashfs"}, {0x794c7630, "overlay"},
        };
        snprintf(storage, sizeof storage, "f_type 0x%lx", (unsigned long)sf.f_type);
        for (size_t i = 0; i < sizeof fs / sizeof fs[0]; i++)
            if ((unsigned long)sf.f_type == fs[i].magic) snprintf(storage, sizeof storage, "%s", fs[i].name);
    }
    printf("{\n  \"Probe\": \"calib_probe\",\n  \"Arch\": ");
    json_string(uname(&u) == 0 ? u.machine : "unknown");
    printf(",\n  \"Storage\": ");
    json_string(storage);
    printf(",\n  \"Primitives\": {\n");
    static const char *names[6] = {"Memcpy", "CopyToUser", "CopyFromUser", "SpliceToFile", "PageCacheWrite", "DirectWrite"};
    for (int i = 0; i < 6; i++) json_figure(names[i], &f[i], i == 5);
    printf("  }\n}\n");
    free(src);
    free(dst);
    return 0;
}
