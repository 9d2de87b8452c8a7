/* recd-faultfs: a FUSE passthrough filesystem that injects storage faults on command.
 *
 *   recd-faultfs --rules FILE BACKING MOUNTPOINT [-f] [-o FUSE-OPTION,...]
 *
 * Mirrors the folder BACKING at MOUNTPOINT (libfuse3 high-level API, multithreaded loop, so one
 * stalled call does not hold up the others). Every call is passed to the backing filesystem unless
 * a rule in FILE says otherwise. The tests run it with -f and unmount it with `fusermount3 -u`.
 *
 * Control interface: the rules file. It is stat()ed on every call and re-read when its mtime, size
 * or inode changes (write a new file and rename it over the old one); a missing file means no
 * rules. Loading a file resets every rule's counters. One rule per line, '#' starts a comment:
 *
 *   OP GLOB ACTION [ARG] [WHEN]
 *
 *   OP      write     a WRITE request (write_buf; pwrite, write and splice into a file all arrive here)
 *           fsync     fsync and fdatasync of a file        fdatasync  only the datasync ones
 *           fsyncdir  fsync of a directory                 read, open (open and create), create (and mknod),
 *           flush     close() of a descriptor              release, rename, unlink, mkdir, rmdir,
 *           truncate  truncate and ftruncate               statfs, getattr, readdir, fallocate,
 *           any       every call above                     chmod, chown, utimens
 *   GLOB    fnmatch(3) pattern (flags 0: '*' also matches a leading dot) against the file's last path
 *           component; rename matches if either name does; '*' matches everything
 *   ACTION  error ERRNO          fail the call with ERRNO (a name: EIO, ENOSPC, EDQUOT, EROFS,
 *                                EINVAL, EFBIG, EPERM, EACCES, ENOMEM, EAGAIN, EINTR, ENOTSUP, or a number)
 *           stall SECONDS        sleep SECONDS (fractions allowed), then do the call
 *           stall-intr SECONDS   the same, but a FUSE INTERRUPT (the caller got a signal; the
 *                                kernel sends one when the calling process is killed or exits)
 *                                ends the sleep and fails the call with EINTR, as a server that
 *                                honours interrupts does; without it a dying caller waits in D
 *                                state until the stall ends (fs/fuse/dev.c request_wait_answer)
 *           enospc-file BYTES    write only: a write reaching past BYTES in its file is cut at
 *                                BYTES (short write); a write starting at or past BYTES fails ENOSPC
 *           enospc-total BYTES   write only: the same once BYTES have been written through all
 *                                files the rule matches, counted since the rules file was loaded
 *           log                  do the call, just log it (to learn offsets and sizes)
 *   WHEN    nth N     only the Nth matching call, once: "fsync x.ts error EIO nth 3" is the
 *                     fsyncgate case (Linux reports a writeback error to one fsync, the next succeeds)
 *           after N   the Nth matching call and every one after it
 *           (none)    every matching call
 *   BYTES and N accept k/m/g suffixes (powers of 1024).
 *
 * Every call a rule matches is logged on stderr, one line, whether or not it was faulted:
 *   faultfs: rule=R n=N OP /PATH [off=O len=L] size=S -> pass|ERRNO|short LEN|stall SECONDS
 * and an interrupted stall-intr adds: faultfs: rule=R OP /PATH stall interrupted after T s -> EINTR
 * n counts the rule's matching calls since the load; size is the file's size before the call
 * (for fsync: the bytes the fsync covers). Tests read it to learn what was durable at each fsync.
 * The first rule whose OP and GLOB match a call decides it; a counting rule (nth/after) whose turn
 * has not come yet lets the call pass without looking further.
 *
 * O_DIRECT: opens pass the flag through to the backing file, so the backing filesystem's refusal
 * (if any) is what the caller sees. The kernel hands a FUSE server O_DIRECT data behind a request
 * header, never block-aligned in memory, so such writes go through an aligned bounce buffer.
 * Without -o allow_other only the mounting user sees the mount (the tests run everything as root).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#ifndef _FILE_OFFSET_BITS
#define _FILE_OFFSET_BITS 64
#endif
#define FUSE_USE_VERSION 31

#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <fuse.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/time.h>
#include <sys/types.h>

#include "common.h"

#define MAX_RULES 64
#define DIRECT_ALIGN 4096u

enum op {
    OP_WRITE, OP_FSYNC, OP_FDATASYNC, OP_FSYNCDIR, OP_READ, OP_OPEN, OP_CREATE, OP_FLUSH,
    OP_RELEASE, OP_RENAME, OP_UNLINK, OP_MKDIR, OP_RMDIR, OP_TRUNCATE, OP_STATFS, OP_GETATTR,
    OP_READDIR, OP_FALLOCATE, OP_CHMOD, OP_CHOWN, OP_UTIMENS, OP_ANY, OP_COUNT
};
static const char *const op_names[OP_COUNT] = {
    "write", "fsync", "fdatasync", "fsyncdir", "read", "open", "create", "flush",
    "release", "rename", "unlink", "mkdir", "rmdir", "truncate", "statfs", "getattr",
    "readdir", "fallocate", "chmod", "chown", "utimens", "any"
};

enum action { ACT_ERROR, ACT_STALL, ACT_ENOSPC_FILE, ACT_ENOSPC_TOTAL, ACT_LOG };
enum when { WHEN_ALWAYS, WHEN_NTH, WHEN_AFTER };

struct rule {
    enum op op;
    char glob[256];
    enum action action;
    int err;                /* ACT_ERROR */
    double seconds;         /* ACT_STALL */
    int intr;               /* ACT_STALL from stall-intr: an interrupt ends it */
    uint64_t limit;         /* ACT_ENOSPC_* */
    enum when when;
    uint64_t n;             /* WHEN_NTH / WHEN_AFTER */
    uint64_t calls;         /* matching calls since the load */
    uint64_t written;       /* ACT_ENOSPC_TOTAL: bytes let through */
};

/* What check() decided for one call. */
struct verdict {
    int err;                /* != 0: fail the call with this errno */
    double stall;           /* seconds to sleep before the call */
    int intr;               /* the stall ends early, with EINTR, on a FUSE INTERRUPT */
    int limited;            /* write: only `allowed` bytes may be written */
    size_t allowed;
    int rule;               /* index of the deciding rule, -1 if none matched */
};

static struct {
    int root;               /* O_PATH|O_DIRECTORY descriptor of the backing folder */
    const char *rules_path;
    pthread_mutex_t lock;   /* guards everything below */
    struct timespec mtime;
    ino_t ino;
    off_t size;
    int loaded;             /* a rules file is loaded (0: none, or missing) */
    struct rule rules[MAX_RULES];
    int nrules;
} g = { .root = -1, .lock = PTHREAD_MUTEX_INITIALIZER };

static const struct { const char *name; int value; } errnos[] = {
    { "EIO", EIO }, { "ENOSPC", ENOSPC }, { "EDQUOT", EDQUOT }, { "EROFS", EROFS },
    { "EINVAL", EINVAL }, { "EFBIG", EFBIG }, { "EPERM", EPERM }, { "EACCES", EACCES },
    { "ENOMEM", ENOMEM }, { "EAGAIN", EAGAIN }, { "EINTR", EINTR }, { "ENOTSUP", ENOTSUP },
    { "ENOENT", ENOENT }, { "EBUSY", EBUSY }, { "ENOSYS", ENOSYS },
};

static const char *errno_name(int e)
{
    static _Thread_local char buf[16];
    for (size_t i = 0; i < sizeof errnos / sizeof errnos[0]; i++)
        if (errnos[i].value == e)
            return errnos[i].name;
    snprintf(buf, sizeof buf, "errno%d", e);
    return buf;
}

static int parse_errno(const char *s, int *out)
{
    for (size_t i = 0; i < sizeof errnos / sizeof errnos[0]; i++)
        if (strcmp(errnos[i].name, s) == 0) {
            *out = errnos[i].value;
            return 0;
        }
    uint64_t v;
    if (parse_u64(s, &v) != 0 || v == 0 || v > 4095)
        return -1;
    *out = (int)v;
    return 0;
}

/* Parses one rule line (already stripped of its comment). Returns 1 for a rule, 0 for a blank
 * line, -1 for a malformed one. */
static int parse_rule(char *line, struct rule *r)
{
    char *save = NULL;
    char *w[6] = { 0 };
    int nw = 0;
    for (char *t = strtok_r(line, " \t\r\n", &save); t != NULL; t = strtok_r(NULL, " \t\r\n", &save)) {
        if (nw == 6)
            return -1;
        w[nw++] = t;
    }
    if (nw == 0)
        return 0;
    if (nw < 3)
        return -1;
    memset(r, 0, sizeof *r);
    int op = -1;
    for (int i = 0; i < OP_COUNT; i++)
        if (strcmp(op_names[i], w[0]) == 0)
            op = i;
    if (op < 0 || strlen(w[1]) >= sizeof r->glob)
        return -1;
    r->op = (enum op)op;
    strcpy(r->glob, w[1]);
    int i = 3;
    if (strcmp(w[2], "error") == 0) {
        r->action = ACT_ERROR;
        if (nw < 4 || parse_errno(w[3], &r->err) != 0)
            return -1;
        i = 4;
    } else if (strcmp(w[2], "stall") == 0 || strcmp(w[2], "stall-intr") == 0) {
        r->action = ACT_STALL;
        r->intr = w[2][5] == '-';
        char *end = NULL;
        if (nw < 4 || (r->seconds = strtod(w[3], &end)) < 0 || end == w[3] || *end != '\0')
            return -1;
        i = 4;
    } else if (strcmp(w[2], "enospc-file") == 0 || strcmp(w[2], "enospc-total") == 0) {
        r->action = w[2][7] == 'f' ? ACT_ENOSPC_FILE : ACT_ENOSPC_TOTAL;
        if (nw < 4 || r->op != OP_WRITE || parse_u64(w[3], &r->limit) != 0)
            return -1;
        i = 4;
    } else if (strcmp(w[2], "log") == 0) {
        r->action = ACT_LOG;
    } else {
        return -1;
    }
    if (i == nw)
        return 1;
    if (i + 2 != nw || parse_u64(w[i + 1], &r->n) != 0 || r->n == 0)
        return -1;
    if (strcmp(w[i], "nth") == 0)
        r->when = WHEN_NTH;
    else if (strcmp(w[i], "after") == 0)
        r->when = WHEN_AFTER;
    else
        return -1;
    return 1;
}

/* Re-reads the rules file if it changed since the last look. Called with g.lock held. A rules
 * file with a bad line is still loaded without that line, and the line is reported: a test that
 * mistypes a rule sees it on stderr, and the faults it did spell right still happen. */
static void reload_locked(void)
{
    struct stat st;
    if (stat(g.rules_path, &st) != 0) {
        if (g.loaded)
            warnx_("rules %s gone: no rules", g.rules_path);
        g.loaded = 0;
        g.nrules = 0;
        return;
    }
    if (g.loaded && st.st_ino == g.ino && st.st_size == g.size &&
        st.st_mtim.tv_sec == g.mtime.tv_sec && st.st_mtim.tv_nsec == g.mtime.tv_nsec)
        return;
    FILE *f = fopen(g.rules_path, "re");
    if (f == NULL)
        return; /* replaced between stat and open: the next call looks again */
    g.loaded = 1;
    g.ino = st.st_ino;
    g.size = st.st_size;
    g.mtime = st.st_mtim;
    g.nrules = 0;
    char line[512];
    int lineno = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash != NULL)
            *hash = '\0';
        struct rule r;
        int got = parse_rule(line, &r);
        if (got < 0)
            warnx_("%s:%d: bad rule ignored", g.rules_path, lineno);
        else if (got > 0 && g.nrules == MAX_RULES)
            warnx_("%s:%d: more than %d rules, ignored", g.rules_path, lineno, MAX_RULES);
        else if (got > 0)
            g.rules[g.nrules++] = r;
    }
    fclose(f);
    warnx_("rules %s loaded: %d rule(s)", g.rules_path, g.nrules);
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash != NULL ? slash + 1 : path;
}

static int glob_matches(const struct rule *r, const char *path)
{
    return path != NULL && fnmatch(r->glob, base_name(path), 0) == 0;
}

/* Decides one call. path2 is rename's target (else NULL). For writes, off/len/size describe the
 * request and the file's size; for other calls size is the file's size if known, else -1. */
static struct verdict check(enum op op, const char *path, const char *path2, int64_t off, size_t len, int64_t size)
{
    struct verdict v = { .rule = -1 };
    pthread_mutex_lock(&g.lock);
    reload_locked();
    for (int i = 0; i < g.nrules; i++) {
        struct rule *r = &g.rules[i];
        int op_ok = r->op == op || r->op == OP_ANY || (r->op == OP_FSYNC && op == OP_FDATASYNC) ||
                    (r->op == OP_OPEN && op == OP_CREATE);
        if (!op_ok || !(glob_matches(r, path) || glob_matches(r, path2)))
            continue;
        r->calls++;
        v.rule = i;
        int due = r->when == WHEN_ALWAYS || (r->when == WHEN_NTH && r->calls == r->n) ||
                  (r->when == WHEN_AFTER && r->calls >= r->n);
        char what[64] = "pass";
        if (due) {
            switch (r->action) {
            case ACT_ERROR:
                v.err = r->err;
                break;
            case ACT_STALL:
                v.stall = r->seconds;
                v.intr = r->intr;
                break;
            case ACT_ENOSPC_FILE:
            case ACT_ENOSPC_TOTAL: {
                /* A full disk takes what fits, then refuses: a short write, then ENOSPC. */
                uint64_t used = r->action == ACT_ENOSPC_FILE ? (uint64_t)off : r->written;
                uint64_t room = used >= r->limit ? 0 : r->limit - used;
                if (room == 0)
                    v.err = ENOSPC;
                else if (room < len) {
                    v.limited = 1;
                    v.allowed = (size_t)room;
                }
                if (r->action == ACT_ENOSPC_TOTAL && v.err == 0)
                    r->written += v.limited ? v.allowed : len;
                break;
            }
            case ACT_LOG:
                break;
            }
            if (v.err != 0)
                snprintf(what, sizeof what, "%s", errno_name(v.err));
            else if (v.stall > 0)
                snprintf(what, sizeof what, "stall %gs", v.stall);
            else if (v.limited)
                snprintf(what, sizeof what, "short %zu", v.allowed);
        }
        char io[64] = "";
        if (op == OP_WRITE || op == OP_READ)
            snprintf(io, sizeof io, " off=%" PRId64 " len=%zu", off, len);
        fprintf(stderr, "faultfs: rule=%d n=%" PRIu64 " %s %s%s%s%s size=%" PRId64 " -> %s\n", i + 1, r->calls,
                op_names[op], path, path2 != NULL ? " -> " : "", path2 != NULL ? path2 : "", io, size, what);
        break;
    }
    pthread_mutex_unlock(&g.lock);
    if (v.stall > 0 && !v.intr)
        sleep_us((uint64_t)(v.stall * 1e6));
    else if (v.stall > 0) {
        /* libfuse marks the request on INTERRUPT whatever -o intr says; polling it every 20 ms
         * needs no signal handler in this process. */
        uint64_t slices = (uint64_t)(v.stall * 50.0), i = 0;
        while (i < slices && !fuse_interrupted()) {
            sleep_us(20000);
            i++;
        }
        if (i < slices) {
            v.err = EINTR;
            fprintf(stderr, "faultfs: rule=%d %s %s stall interrupted after %.2f s -> EINTR\n", v.rule + 1,
                    op_names[op], path, (double)i / 50.0);
        }
    }
    return v;
}

static int64_t fd_size(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 ? (int64_t)st.st_size : -1;
}

/* FUSE paths start with '/'; the backing calls are *at() relative to g.root. */
static const char *rel(const char *path)
{
    return path[1] == '\0' ? "." : path + 1;
}

/* The file's size for the log line, or -1. */
static int64_t path_size(const char *path)
{
    struct stat st;
    return fstatat(g.root, rel(path), &st, AT_SYMLINK_NOFOLLOW) == 0 ? (int64_t)st.st_size : -1;
}

#define CHECK(op, path, path2, size) \
    do { \
        struct verdict v_ = check((op), (path), (path2), 0, 0, (size)); \
        if (v_.err != 0) \
            return -v_.err; \
    } while (0)

/* A new file or folder belongs to the caller, as on a real filesystem (we run as root). */
static void give_to_caller(int fd, const char *relpath)
{
    struct fuse_context *c = fuse_get_context();
    if (geteuid() != 0 || c == NULL || (c->uid == 0 && c->gid == 0))
        return;
    int r = fd >= 0 ? fchown(fd, c->uid, c->gid) : fchownat(g.root, relpath, c->uid, c->gid, AT_SYMLINK_NOFOLLOW);
    (void)r; /* ownership is a nicety here; the call itself already succeeded */
}

static void *ffs_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
    (void)conn;
    cfg->use_ino = 1;
    /* No kernel caching of names and attributes: the tests look at the backing folder directly
     * and the mount must not answer from a stale cache. */
    cfg->entry_timeout = 0;
    cfg->attr_timeout = 0;
    cfg->negative_timeout = 0;
    return NULL;
}

static int ffs_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
    CHECK(OP_GETATTR, path, NULL, -1);
    int r = fi != NULL ? fstat((int)fi->fh, st) : fstatat(g.root, rel(path), st, AT_SYMLINK_NOFOLLOW);
    return r == 0 ? 0 : -errno;
}

static int ffs_access(const char *path, int mask)
{
    return faccessat(g.root, rel(path), mask, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : -errno;
}

static int ffs_readlink(const char *path, char *buf, size_t size)
{
    ssize_t n = readlinkat(g.root, rel(path), buf, size - 1);
    if (n < 0)
        return -errno;
    buf[n] = '\0';
    return 0;
}

static int ffs_opendir(const char *path, struct fuse_file_info *fi)
{
    int fd = openat(g.root, rel(path), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    DIR *d = fdopendir(fd);
    if (d == NULL) {
        int e = errno;
        close(fd);
        return -e;
    }
    fi->fh = (uint64_t)(uintptr_t)d;
    return 0;
}

static int ffs_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off, struct fuse_file_info *fi,
                       enum fuse_readdir_flags flags)
{
    (void)flags;
    CHECK(OP_READDIR, path, NULL, -1);
    DIR *d = (DIR *)(uintptr_t)fi->fh;
    /* Offsets are telldir() cookies, so a listing resumed by the kernel continues where it was. */
    if (off != 0)
        seekdir(d, off);
    else
        rewinddir(d);
    struct dirent *e;
    while ((errno = 0, e = readdir(d)) != NULL) {
        struct stat st = { .st_ino = e->d_ino, .st_mode = (mode_t)DTTOIF(e->d_type) };
        if (fill(buf, e->d_name, &st, telldir(d), 0) != 0)
            break;
    }
    return errno != 0 ? -errno : 0;
}

static int ffs_releasedir(const char *path, struct fuse_file_info *fi)
{
    (void)path;
    closedir((DIR *)(uintptr_t)fi->fh);
    return 0;
}

static int ffs_fsyncdir(const char *path, int datasync, struct fuse_file_info *fi)
{
    CHECK(OP_FSYNCDIR, path, NULL, -1);
    int fd = dirfd((DIR *)(uintptr_t)fi->fh);
    int r = datasync ? fdatasync(fd) : fsync(fd);
    return r == 0 ? 0 : -errno;
}

static int ffs_mkdir(const char *path, mode_t mode)
{
    CHECK(OP_MKDIR, path, NULL, -1);
    if (mkdirat(g.root, rel(path), mode) != 0)
        return -errno;
    give_to_caller(-1, rel(path));
    return 0;
}

/* Unix sockets (recd's control socket may live in the storage tree) and fifos are made by mknod. */
static int ffs_mknod(const char *path, mode_t mode, dev_t rdev)
{
    CHECK(OP_CREATE, path, NULL, -1);
    if (mknodat(g.root, rel(path), mode, rdev) != 0)
        return -errno;
    give_to_caller(-1, rel(path));
    return 0;
}

static int ffs_unlink(const char *path)
{
    CHECK(OP_UNLINK, path, NULL, path_size(path));
    return unlinkat(g.root, rel(path), 0) == 0 ? 0 : -errno;
}

static int ffs_rmdir(const char *path)
{
    CHECK(OP_RMDIR, path, NULL, -1);
    return unlinkat(g.root, rel(path), AT_REMOVEDIR) == 0 ? 0 : -errno;
}

static int ffs_symlink(const char *target, const char *path)
{
    if (symlinkat(target, g.root, rel(path)) != 0)
        return -errno;
    give_to_caller(-1, rel(path));
    return 0;
}

static int ffs_rename(const char *from, const char *to, unsigned int flags)
{
    CHECK(OP_RENAME, from, to, path_size(from));
    /* renameat2 carries RENAME_NOREPLACE / RENAME_EXCHANGE through unchanged. */
    return renameat2(g.root, rel(from), g.root, rel(to), flags) == 0 ? 0 : -errno;
}

static int ffs_link(const char *from, const char *to)
{
    return linkat(g.root, rel(from), g.root, rel(to), 0) == 0 ? 0 : -errno;
}

static int ffs_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
    CHECK(OP_CHMOD, path, NULL, -1);
    int r = fi != NULL ? fchmod((int)fi->fh, mode) : fchmodat(g.root, rel(path), mode, 0);
    return r == 0 ? 0 : -errno;
}

static int ffs_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
    CHECK(OP_CHOWN, path, NULL, -1);
    int r = fi != NULL ? fchown((int)fi->fh, uid, gid) : fchownat(g.root, rel(path), uid, gid, AT_SYMLINK_NOFOLLOW);
    return r == 0 ? 0 : -errno;
}

static int ffs_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
    CHECK(OP_TRUNCATE, path, NULL, fi != NULL ? fd_size((int)fi->fh) : path_size(path));
    if (fi != NULL)
        return ftruncate((int)fi->fh, size) == 0 ? 0 : -errno;
    int fd = openat(g.root, rel(path), O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -errno;
    int r = ftruncate(fd, size) == 0 ? 0 : -errno;
    close(fd);
    return r;
}

static int ffs_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
    CHECK(OP_UTIMENS, path, NULL, -1);
    int r = fi != NULL ? futimens((int)fi->fh, tv) : utimensat(g.root, rel(path), tv, AT_SYMLINK_NOFOLLOW);
    return r == 0 ? 0 : -errno;
}

static int ffs_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
    CHECK(OP_CREATE, path, NULL, -1);
    int fd = openat(g.root, rel(path), fi->flags | O_CREAT | O_CLOEXEC, mode);
    if (fd < 0)
        return -errno;
    give_to_caller(fd, NULL);
    fi->fh = (uint64_t)fd;
    return 0;
}

static int ffs_open(const char *path, struct fuse_file_info *fi)
{
    CHECK(OP_OPEN, path, NULL, path_size(path));
    int fd = openat(g.root, rel(path), fi->flags | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    fi->fh = (uint64_t)fd;
    return 0;
}

static int ffs_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
    struct verdict v = check(OP_READ, path, NULL, off, size, -1);
    if (v.err != 0)
        return -v.err;
    ssize_t n = pread((int)fi->fh, buf, size, off);
    return n >= 0 ? (int)n : -errno;
}

/* pwrite through an aligned bounce buffer, for backing descriptors opened with O_DIRECT. */
static ssize_t write_direct(int fd, struct fuse_bufvec *src, size_t len, off_t off)
{
    void *mem = NULL;
    size_t cap = (len + DIRECT_ALIGN - 1) / DIRECT_ALIGN * DIRECT_ALIGN;
    if (posix_memalign(&mem, DIRECT_ALIGN, cap == 0 ? DIRECT_ALIGN : cap) != 0)
        return -ENOMEM;
    struct fuse_bufvec dst = FUSE_BUFVEC_INIT(len);
    dst.buf[0].mem = mem;
    ssize_t got = fuse_buf_copy(&dst, src, 0);
    ssize_t r = got;
    if (got > 0) {
        r = pwrite(fd, mem, (size_t)got, off);
        if (r < 0)
            r = -errno;
    }
    free(mem);
    return r;
}

/* Every WRITE request comes here (libfuse prefers write_buf to write when both exist): pwrite,
 * write and splice into a file alike. The kernel splits a large write into requests of at most
 * max_write bytes, so "nth" counts requests, not the caller's syscalls. */
static int ffs_write_buf(const char *path, struct fuse_bufvec *buf, off_t off, struct fuse_file_info *fi)
{
    int fd = (int)fi->fh;
    size_t len = fuse_buf_size(buf);
    struct verdict v = check(OP_WRITE, path, NULL, off, len, fd_size(fd));
    if (v.err != 0)
        return -v.err;
    if (v.limited)
        len = v.allowed;
    if (fi->flags & O_DIRECT) {
        ssize_t r = write_direct(fd, buf, len, off);
        return (int)r;
    }
    struct fuse_bufvec dst = FUSE_BUFVEC_INIT(len);
    dst.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
    dst.buf[0].fd = fd;
    dst.buf[0].pos = off;
    return (int)fuse_buf_copy(&dst, buf, FUSE_BUF_SPLICE_NONBLOCK);
}

static int ffs_statfs(const char *path, struct statvfs *st)
{
    CHECK(OP_STATFS, path, NULL, -1);
    return fstatvfs(g.root, st) == 0 ? 0 : -errno;
}

static int ffs_flush(const char *path, struct fuse_file_info *fi)
{
    CHECK(OP_FLUSH, path, NULL, fd_size((int)fi->fh));
    /* close() of a dup, so errors the backing filesystem reports at close reach the caller. */
    int fd = dup((int)fi->fh);
    if (fd < 0)
        return -errno;
    return close(fd) == 0 ? 0 : -errno;
}

static int ffs_release(const char *path, struct fuse_file_info *fi)
{
    (void)check(OP_RELEASE, path, NULL, 0, 0, fd_size((int)fi->fh));
    close((int)fi->fh); /* release has no caller left to tell */
    return 0;
}

static int ffs_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
    int fd = (int)fi->fh;
    struct verdict v = check(datasync ? OP_FDATASYNC : OP_FSYNC, path, NULL, 0, 0, fd_size(fd));
    if (v.err != 0)
        return -v.err;
    int r = datasync ? fdatasync(fd) : fsync(fd);
    return r == 0 ? 0 : -errno;
}

static int ffs_fallocate(const char *path, int mode, off_t off, off_t len, struct fuse_file_info *fi)
{
    CHECK(OP_FALLOCATE, path, NULL, fd_size((int)fi->fh));
    return fallocate((int)fi->fh, mode, off, len) == 0 ? 0 : -errno;
}

static const struct fuse_operations ffs_ops = {
    .init = ffs_init,
    .getattr = ffs_getattr,
    .access = ffs_access,
    .readlink = ffs_readlink,
    .opendir = ffs_opendir,
    .readdir = ffs_readdir,
    .releasedir = ffs_releasedir,
    .fsyncdir = ffs_fsyncdir,
    .mknod = ffs_mknod,
    .mkdir = ffs_mkdir,
    .unlink = ffs_unlink,
    .rmdir = ffs_rmdir,
    .symlink = ffs_symlink,
    .rename = ffs_rename,
    .link = ffs_link,
    .chmod = ffs_chmod,
    .chown = ffs_chown,
    .truncate = ffs_truncate,
    .utimens = ffs_utimens,
    .create = ffs_create,
    .open = ffs_open,
    .read = ffs_read,
    .write_buf = ffs_write_buf,
    .statfs = ffs_statfs,
    .flush = ffs_flush,
    .release = ffs_release,
    .fsync = ffs_fsync,
    .fallocate = ffs_fallocate,
};

static void usage(FILE *f)
{
    fprintf(f,
        "usage: recd-faultfs --rules FILE BACKING MOUNTPOINT [-f] [-d] [-o FUSE-OPTION,...]\n"
        "  mirrors BACKING at MOUNTPOINT; FILE holds fault rules, re-read when it changes:\n"
        "    OP GLOB error ERRNO|stall SECONDS|stall-intr SECONDS|enospc-file BYTES|enospc-total BYTES|log [nth N|after N]\n"
        "  see the comment at the top of native/faultfs.c and native/README.md\n");
}

int main(int argc, char **argv)
{
    prog_name = "faultfs";
    if (argc < 4 || strcmp(argv[1], "--rules") != 0) {
        usage(argc > 1 && strcmp(argv[1], "--help") == 0 ? stdout : stderr);
        return argc > 1 && strcmp(argv[1], "--help") == 0 ? 0 : 2;
    }
    /* fuse_main changes to "/" even in the foreground: keep a relative rules path meaningful. */
    static char rules_abs[4096];
    if (argv[2][0] != '/' && getcwd(rules_abs, sizeof rules_abs - strlen(argv[2]) - 2) != NULL) {
        strcat(rules_abs, "/");
        strcat(rules_abs, argv[2]);
        g.rules_path = rules_abs;
    } else {
        g.rules_path = argv[2];
    }
    g.root = open(argv[3], O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (g.root < 0) {
        warnx_("backing folder %s: %s", argv[3], strerror(errno));
        return 1;
    }
    /* The kernel has already applied the caller's umask to create/mkdir modes. */
    umask(0);
    setvbuf(stderr, NULL, _IOLBF, 0);
    pthread_mutex_lock(&g.lock);
    reload_locked();
    pthread_mutex_unlock(&g.lock);
    /* fuse_main sees "PROG MOUNTPOINT [options]". */
    argv[3] = argv[0];
    return fuse_main(argc - 3, argv + 3, &ffs_ops, NULL);
}
