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

/* The head check of tg__read_file_checked, while a stream is read. */
typedef struct head_check {
    tg__read_head_fn fn;
    void *user;
    size_t want;
    uint64_t can_hold;
    size_t limit; /* SIZE_MAX until the check has run */
    bool done;
} head_check;

/* Reads f to EOF into a buffer of first bytes at the start, growing as needed; with
 * hc, stops as the data passes hc's limit. */
static tg_status read_stream(const char *fn, const char *path, FILE *f, unsigned flags,
                             size_t first, head_check *hc, unsigned char **out, size_t *out_n) {
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
        size_t room = cap - 1 - n;
        /* With a limit known, ask for no more than one byte past it. */
        if (hc && hc->done && hc->limit < SIZE_MAX && hc->limit - n < room) room = hc->limit - n + 1;
        size_t k = fread(buf + n, 1, room, f);
        n += k;
        if (ferror(f)) {
            int e = errno;
            tg__free(buf);
            return tg__error(TG_ERR_IO, "%s: %s: read error: %s", fn, path, strerror(e));
        }
        /* Data that ends sooner is all in memory: the caller's parser sees it whole. */
        if (hc && !hc->done && n >= hc->want) {
            hc->done = true;
            tg_status st = hc->fn(hc->user, buf, n, hc->can_hold, &hc->limit);
            if (st != TG_OK) {
                tg__free(buf);
                return st;
            }
        }
        if (hc && hc->done && n > hc->limit) {
            tg__free(buf);
            return tg__error(TG_ERR_FORMAT, "%s: %s: the inflated data is longer than the %zu bytes its header declares",
                             fn, path, hc->limit);
        }
        if (feof(f)) break;
    }
    buf[n] = '\0';
    *out = buf;
    *out_n = n;
    return TG_OK;
}

static tg_status read_gzip(const char *fn, const char *path, unsigned flags, head_check *hc,
                           unsigned char **out, size_t *n) {
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
    tg_status st = read_stream(fn, path, p, flags, FIRST_CAP, hc, out, n);
    int ws = pclose(p); /* a stream cut short ends gzip with SIGPIPE: st says why */
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

static tg_status read_file(const char *fn, const char *path, unsigned flags, head_check *hc,
                           unsigned char **out, size_t *n) {
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
            struct stat gb;
            if (hc) { /* what the compressed file can inflate to at most */
                uint64_t stored = fstat(fileno(f), &gb) == 0 && gb.st_size > 0 ? (uint64_t)gb.st_size : 0;
                hc->can_hold = stored > UINT64_MAX / TG__GZIP_MAX_RATIO ? UINT64_MAX
                                                                       : stored * TG__GZIP_MAX_RATIO;
                if (stored == 0 || !S_ISREG(gb.st_mode)) hc->can_hold = UINT64_MAX; /* a pipe: unknown */
            }
            fclose(f);
            return read_gzip(fn, path, flags, hc, out, n);
        }
        rewind(f);
    }
    size_t first = FIRST_CAP;
    struct stat sb;
    if (fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0 &&
        (uintmax_t)sb.st_size <= SIZE_MAX - 2)
        first = (size_t)sb.st_size + 2;
    tg_status st = read_stream(fn, path, f, flags, first, NULL, out, n);
    fclose(f);
    return st;
}

tg_status tg__read_file(const char *fn, const char *path, unsigned flags, unsigned char **out,
                        size_t *n) {
    return read_file(fn, path, flags, NULL, out, n);
}

tg_status tg__read_file_checked(const char *fn, const char *path, unsigned flags, size_t want,
                                tg__read_head_fn check, void *user, unsigned char **out,
                                size_t *n) {
    head_check hc = {.fn = check, .user = user, .want = want, .can_hold = UINT64_MAX,
                     .limit = SIZE_MAX};
    return read_file(fn, path, flags, check ? &hc : NULL, out, n);
}
