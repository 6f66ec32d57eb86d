/* atomic.c — writing a whole file so that a reader, or a crash, sees the old file or
 * the new one, never part of one (tg/io.h), and so that a shared folder cannot turn
 * the save against the saver.
 *
 * The bytes go to a temporary file beside the target, "<path>.tmp.<10 random
 * characters>": the same directory, so the same file system, where rename is atomic
 * on POSIX. The name is unpredictable (60 bits from /dev/urandom, or from the clock,
 * the pid and an address where that is missing) and the file is created with
 * O_CREAT | O_EXCL | O_NOFOLLOW, as mkstemp does: a file or symlink planted at any
 * name makes the open fail (and another name is tried), so the save never writes
 * through someone else's link. The new file gets the existing target's permission
 * bits (a 0600 checkpoint stays 0600), or 0666 less the umask for a new target. It is
 * fsync'ed before the rename, so the new name never points at data still in the page
 * cache, and the directory is fsync'ed after it, so the rename itself survives a
 * crash.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <tg/io.h>

#ifndef O_NOFOLLOW
#define O_NOFOLLOW 0
#endif
#ifndef O_DIRECTORY
#define O_DIRECTORY 0
#endif

enum { RANDOM_CHARS = 10, TRIES = 64 };

/* Writes all n bytes to fd (retrying short writes and EINTR); 0 or an errno. */
static int write_all(int fd, const unsigned char *p, size_t n) {
    while (n > 0) {
        ssize_t k = write(fd, p, n);
        if (k < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* 64 unpredictable bits: /dev/urandom, else the clock, the pid, an address and a
 * counter mixed by splitmix64 (not secret, but not guessable from the pid alone). */
static uint64_t random_bits(void) {
    uint64_t r = 0;
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t k = read(fd, &r, sizeof r);
        close(fd);
        if (k == (ssize_t)sizeof r) return r;
    }
    static _Thread_local uint64_t counter;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t z = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^ ((uint64_t)getpid() << 12) ^
                 (uint64_t)(uintptr_t)&counter ^ (++counter * 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Replaces the last RANDOM_CHARS characters of name with random ones. */
static void randomise(char *name) {
    static const char set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    uint64_t r = random_bits();
    char *p = name + strlen(name) - RANDOM_CHARS;
    for (int i = 0; i < RANDOM_CHARS; i++, r /= 62) p[i] = set[r % 62];
}

/* Best effort: make the rename itself durable by syncing the directory. A directory
 * name longer than the buffer is not synced (the file itself already is). */
static void sync_parent_dir(const char *path) {
    const char *slash = strrchr(path, '/');
    char dir[4096];
    if (!slash) {
        strcpy(dir, ".");
    } else {
        size_t k = slash == path ? 1 : (size_t)(slash - path);
        if (k >= sizeof dir) return;
        memcpy(dir, path, k);
        dir[k] = '\0';
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    (void)fsync(fd);
    close(fd);
}

/* "<path>.tmp.XXXXXXXXXX" into tmp (plen + sizeof ".tmp." + RANDOM_CHARS bytes). */
static void template_name(char *tmp, const char *path, size_t plen) {
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp.", 5);
    memset(tmp + plen + 5, 'X', RANDOM_CHARS);
    tmp[plen + 5 + RANDOM_CHARS] = '\0';
}

tg_status tg__write_atomic(const char *fn, const char *path, const void *data, size_t n) {
    size_t plen = strlen(path), cap;
    if (!tg__add_size(plen, sizeof ".tmp." + RANDOM_CHARS, &cap))
        return tg__error(TG_ERR_ARG, "%s: path is too long", fn);
    char *tmp = tg__malloc(cap);
    if (!tmp) return tg__error(TG_ERR_NOMEM, "%s: %s: out of memory", fn, path);
    template_name(tmp, path, plen);
    /* Keep the permission bits of the file being replaced; a new file gets the usual
     * 0666 less the umask (the open's mode below). */
    struct stat sb;
    bool keep_mode = stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
    const char *step = "cannot create temporary file";
    int err = 0, fd = -1;
    for (int k = 0; k < TRIES && fd < 0; k++) {
        randomise(tmp);
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, keep_mode ? 0600 : 0666);
        if (fd < 0 && errno != EEXIST && errno != ELOOP) break;
    }
    if (fd < 0) {
        err = errno;
        template_name(tmp, path, plen); /* the message shows the pattern tried */
        tg__error(TG_ERR_IO, "%s: %s: %s %s: %s", fn, path, step, tmp, strerror(err));
        tg__free(tmp);
        return TG_ERR_IO;
    }
    if (keep_mode && fchmod(fd, sb.st_mode & 0777) != 0) {
        err = errno;
        step = "cannot set the mode of";
    } else if ((err = write_all(fd, data, n)) != 0) {
        step = "cannot write";
    } else if (fsync(fd) != 0) {
        /* fsync and close fail only on a device that reports write-back errors late
         * (NFS, a failing disk); the step only names the failure in the message. */
        err = errno;
        step = "cannot sync";
    }
    if (close(fd) != 0 && !err) {
        err = errno;
        step = "cannot close";
    }
    if (!err && rename(tmp, path) != 0) {
        err = errno;
        step = "cannot rename";
    }
    if (err) {
        unlink(tmp);
        tg__error(TG_ERR_IO, "%s: %s: %s %s: %s", fn, path, step, tmp, strerror(err));
        tg__free(tmp);
        return TG_ERR_IO;
    }
    tg__free(tmp);
    sync_parent_dir(path);
    return TG_OK;
}
