/* read_file.c — the one whole-file read of the library (tg/io.h), for the checkpoint
 * loader and the data readers.
 *
 * Sizing: a regular file is read into a buffer of its fstat size plus two bytes, one
 * so that the read which meets end-of-file still has room (no growth for it) and one
 * for the NUL. A pipe, a device, or a regular file that reports size 0 (/proc) starts
 * at 64 KiB; whatever does not fit (also a file that grows while it is read) doubles
 * the buffer through tg__grow.
 *
 * Decompression uses the gzip program through popen (libc only, no zlib): the path
 * is single-quoted for the shell, with each ' written as '\''. gzip's own messages
 * go to /dev/null; its exit status tells us whether the data was sound.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <tg/io.h>

enum { FIRST_CAP = 1 << 16 };

/* Reads f to EOF into a buffer of first bytes at the start, growing as needed. */
static tg_status read_stream(const char *fn, const char *path, FILE *f, unsigned flags,
                             size_t first, unsigned char **out, size_t *out_n) {
    unsigned char *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        /* Room for one byte more than the data and the NUL. */
        if (cap - n < 2 && (n > SIZE_MAX - 2 || !tg__grow(&buf, &cap, n + 2, 1, first))) {
            bool grew = buf != NULL;
            tg__free(buf);
            if (grew && (flags & TG__READ_SAY_SO_FAR))
                return tg__error(TG_ERR_NOMEM, "%s: %s: out of memory reading the file (%zu bytes so far)",
                                 fn, path, n);
            return tg__error(TG_ERR_NOMEM, "%s: %s: out of memory reading the file", fn, path);
        }
        size_t k = fread(buf + n, 1, cap - 1 - n, f);
        n += k;
        if (ferror(f)) {
            int e = errno;
            tg__free(buf);
            return tg__error(TG_ERR_IO, "%s: %s: read error: %s", fn, path, strerror(e));
        }
        if (feof(f)) break;
    }
    buf[n] = '\0';
    *out = buf;
    *out_n = n;
    return TG_OK;
}

static tg_status read_gzip(const char *fn, const char *path, unsigned flags, unsigned char **out,
                           size_t *n) {
    size_t len = strlen(path), cap = 4 * len + 64;
    char *cmd = tg__malloc(cap);
    if (!cmd) return tg__error(TG_ERR_NOMEM, "%s: %s: out of memory", fn, path);
    size_t k = (size_t)snprintf(cmd, cap, "gzip -dc -- '");
    for (size_t i = 0; i < len; i++) {
        if (path[i] == '\'') {
            memcpy(cmd + k, "'\\''", 4);
            k += 4;
        } else {
            cmd[k++] = path[i];
        }
    }
    snprintf(cmd + k, cap - k, "' 2>/dev/null");
    FILE *p = popen(cmd, "r");
    tg__free(cmd);
    if (!p) return tg__error(TG_ERR_IO, "%s: %s: cannot run gzip -dc: %s", fn, path, strerror(errno));
    tg_status st = read_stream(fn, path, p, flags, FIRST_CAP, out, n);
    int ws = pclose(p);
    if (st != TG_OK) return st;
    if (ws == -1 || !WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
        tg__free(*out);
        *out = NULL;
        *n = 0;
        if (ws != -1 && WIFEXITED(ws) && WEXITSTATUS(ws) == 127)
            return tg__error(TG_ERR_IO, "%s: %s: cannot run gzip -dc (is gzip installed?)", fn, path);
        if (ws != -1 && WIFEXITED(ws))
            return tg__error(TG_ERR_FORMAT, "%s: %s: gzip -dc failed with exit status %d (corrupt or truncated gzip data)",
                             fn, path, WEXITSTATUS(ws));
        return tg__error(TG_ERR_IO, "%s: %s: gzip -dc did not finish normally", fn, path);
    }
    return TG_OK;
}

tg_status tg__read_file(const char *fn, const char *path, unsigned flags, unsigned char **out,
                        size_t *n) {
    *out = NULL;
    *n = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return tg__error(TG_ERR_IO, "%s: %s: %s%s", fn, path,
                         (flags & TG__READ_SAY_OPEN) ? "cannot open: " : "", strerror(errno));
    if (flags & TG__READ_GUNZIP) {
        unsigned char m[2];
        size_t k = fread(m, 1, 2, f);
        if (k == 2 && m[0] == 0x1f && m[1] == 0x8b) {
            fclose(f);
            return read_gzip(fn, path, flags, out, n);
        }
        rewind(f);
    }
    size_t first = FIRST_CAP;
    struct stat sb;
    if (fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0 &&
        (uintmax_t)sb.st_size <= SIZE_MAX - 2)
        first = (size_t)sb.st_size + 2;
    tg_status st = read_stream(fn, path, f, flags, first, out, n);
    fclose(f);
    return st;
}
