/* atomic.c — writing a whole file so that a reader, or a crash, sees the old file or
 * the new one, never part of one (tg/io.h).
 *
 * The bytes go to a temporary file beside the target, "<path>.tmp.<pid>": the same
 * directory, so the same file system, where rename is atomic on POSIX. It is fsync'ed
 * before the rename, so the new name never points at data still in the page cache,
 * and the directory is fsync'ed after it, so the rename itself survives a crash.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <tg/io.h>

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
    int fd = open(dir, O_RDONLY);
    if (fd < 0) return;
    (void)fsync(fd);
    close(fd);
}

tg_status tg__write_atomic(const char *fn, const char *path, const void *data, size_t n) {
    size_t plen = strlen(path);
    char *tmp = tg__malloc(plen + 32); /* ".tmp." and a long's digits */
    if (!tmp) return tg__error(TG_ERR_NOMEM, "%s: %s: out of memory", fn, path);
    snprintf(tmp, plen + 32, "%s.tmp.%ld", path, (long)getpid());
    const char *step = "cannot create temporary file";
    int err = 0;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        err = errno;
        tg__error(TG_ERR_IO, "%s: %s: %s %s: %s", fn, path, step, tmp, strerror(err));
        tg__free(tmp);
        return TG_ERR_IO;
    }
    if ((err = write_all(fd, data, n)) != 0) {
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
