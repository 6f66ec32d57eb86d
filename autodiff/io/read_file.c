/* read_file.c — whole-file reads for the data readers, with an optional gunzip pipe.
 *
 * Decompression uses the gzip program through popen (libc only, no zlib): the path
 * is single-quoted for the shell, with each ' written as '\''. gzip's own messages
 * go to /dev/null; its exit status tells us whether the data was sound.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <tg/io.h>

/* Reads f to EOF into a growing buffer (doubling; tg__malloc has no realloc). */
static tg_status read_stream(const char *fn, const char *path, FILE *f, unsigned char **out,
                             size_t *out_n) {
    size_t cap = 1 << 16, n = 0;
    unsigned char *buf = tg__malloc(cap);
    if (!buf) return tg__error(TG_ERR_NOMEM, "%s: %s: out of memory reading the file", fn, path);
    for (;;) {
        if (cap - n < 2) { /* keep room for the NUL */
            size_t ncap = cap > SIZE_MAX / 2 ? SIZE_MAX : cap * 2;
            unsigned char *nb = ncap > cap ? tg__malloc(ncap) : NULL;
            if (!nb) {
                tg__free(buf);
                return tg__error(TG_ERR_NOMEM, "%s: %s: out of memory reading the file (%zu bytes so far)",
                                 fn, path, n);
            }
            memcpy(nb, buf, n);
            tg__free(buf);
            buf = nb;
            cap = ncap;
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

static tg_status read_gzip(const char *fn, const char *path, unsigned char **out, size_t *n) {
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
    tg_status st = read_stream(fn, path, p, out, n);
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

tg_status tg__read_file(const char *fn, const char *path, bool gunzip, unsigned char **out,
                        size_t *n) {
    *out = NULL;
    *n = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return tg__error(TG_ERR_IO, "%s: %s: %s", fn, path, strerror(errno));
    if (gunzip) {
        unsigned char m[2];
        size_t k = fread(m, 1, 2, f);
        if (k == 2 && m[0] == 0x1f && m[1] == 0x8b) {
            fclose(f);
            return read_gzip(fn, path, out, n);
        }
        rewind(f);
    }
    tg_status st = read_stream(fn, path, f, out, n);
    fclose(f);
    return st;
}
