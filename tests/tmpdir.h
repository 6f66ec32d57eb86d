/* tmpdir.h — a scratch directory for tests that write files (test code only).
 *   tmp_dir_make("tg_xxx")  creates /tmp/tg_xxx.XXXXXX (false + message on failure)
 *   tmp_path("name")        "<dir>/name" (four rotating static buffers)
 *   tmp_write / tmp_read    whole-file helpers (tmp_read: malloc'd, caller frees)
 *   tmp_dir_remove()        removes the directory and everything in it */
#ifndef TG_TEST_TMPDIR_H
#define TG_TEST_TMPDIR_H

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmp_dir[64];

static inline bool tmp_dir_make(const char *stem) {
    snprintf(tmp_dir, sizeof tmp_dir, "/tmp/%s.XXXXXX", stem);
    if (mkdtemp(tmp_dir)) return true;
    printf("mkdtemp failed: %s\n", strerror(errno));
    return false;
}

static inline const char *tmp_path(const char *name) {
    static char buf[4][256];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmp_dir, name);
    return buf[k];
}

static inline void tmp_remove_tree(const char *p) {
    DIR *d = opendir(p);
    if (!d) return;
    struct dirent *e;
    char f[1024];
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        if (snprintf(f, sizeof f, "%s/%s", p, e->d_name) >= (int)sizeof f) continue;
        struct stat sb;
        if (stat(f, &sb) == 0 && S_ISDIR(sb.st_mode))
            tmp_remove_tree(f);
        else
            unlink(f);
    }
    closedir(d);
    rmdir(p);
}

static inline void tmp_dir_remove(void) { tmp_remove_tree(tmp_dir); }

static inline void tmp_write(const char *p, const void *b, size_t n) {
    FILE *f = fopen(p, "wb");
    if (!f) return;
    fwrite(b, 1, n, f);
    fclose(f);
}

/* The whole file (at most 1 MiB) in a malloc'd buffer, or NULL. */
static inline unsigned char *tmp_read(const char *p, size_t *n) {
    FILE *f = fopen(p, "rb");
    if (!f) return NULL;
    unsigned char *b = malloc(1 << 20);
    *n = b ? fread(b, 1, 1 << 20, f) : 0;
    fclose(f);
    return b;
}

#endif
