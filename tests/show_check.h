/* show_check.h — capturing printed output and comparing it with golden files, for
 * tests/inspect/test_show.c and tests/examples/test_lecture_examples.c (test code only).
 *
 *   show_buf b;  show_open(&b);  ... print to b.f ...;  char *s = show_close(&b);
 *   CHECK_GOLDEN("neuron_trace.txt", s);   // tests/golden/neuron_trace.txt, byte for byte
 *
 * Run a test program with --update to (re)write its golden files from the current
 * output instead of comparing (then review the diff before committing).
 */
#ifndef TG_TEST_SHOW_CHECK_H
#define TG_TEST_SHOW_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"

static int show_update; /* set by --update */

typedef struct show_buf {
    FILE *f;
    char *data;
    size_t len;
} show_buf;

/* open_memstream keeps pointers to b's fields: b must stay where it is until closed. */
static inline void show_open(show_buf *b) {
    memset(b, 0, sizeof *b);
    b->f = open_memstream(&b->data, &b->len);
}

/* Closes the stream; returns the text (caller frees). */
static inline char *show_close(show_buf *b) {
    fclose(b->f);
    return b->data;
}

/* The whole file at path (caller frees), or NULL. */
static inline char *show_read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    if (s) s[n] = '\0';
    fclose(f);
    return s;
}

/* Reports the first line where got and want differ. */
static inline void show_diff(const char *what, const char *got, const char *want) {
    int line = 1;
    const char *g = got, *w = want;
    while (*g && *g == *w) {
        if (*g == '\n') line++;
        g++, w++;
    }
    const char *gl = g, *wl = w;
    while (gl > got && gl[-1] != '\n') gl--;
    while (wl > want && wl[-1] != '\n') wl--;
    printf("FAIL %s differs at line %d:\n  got:  %.*s\n  want: %.*s\n", what, line,
           (int)strcspn(gl, "\n"), gl, (int)strcspn(wl, "\n"), wl);
}

/* got equals tests/golden/<name> byte for byte (or, with --update, is written there). */
static inline void show_golden(const char *name, const char *got, const char *file, int line) {
    char path[512];
    snprintf(path, sizeof path, "%s/tests/golden/%s", TG_SOURCE_ROOT, name);
    if (show_update) {
        FILE *f = fopen(path, "wb");
        if (f) fputs(got, f);
        if (!f || fclose(f) != 0) printf("cannot write %s\n", path);
        else printf("wrote %s\n", path);
        return;
    }
    char *want = show_read_file(path);
    if (want && strcmp(got, want) == 0) {
        check_passed++;
    } else {
        check_failed++;
        if (!want) printf("FAIL %s:%d: cannot read %s\n", file, line, path);
        else show_diff(path, got, want);
    }
    free(want);
}
#define CHECK_GOLDEN(name, got) show_golden((name), (got), __FILE__, __LINE__)

#endif
