/* fixture.h — a tiny reader of the PyTorch fixtures under tests/fixtures/ (test code
 * only; the format is in the docstring of tests/fixtures/make_layer_fixtures.py):
 *
 *     # comment lines
 *     meta <key> <value>
 *     tensor <name> <rank> <d0> ... <d_rank-1>
 *     <size values, %.17g>
 */
#ifndef TG_TEST_FIXTURE_H
#define TG_TEST_FIXTURE_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"

typedef struct {
    char name[64];
    int rank, shape[TG_MAX_RANK];
    size_t size;
    double *v;
} fx_tensor;

typedef struct {
    char meta[16][2][64];
    int n_meta;
    fx_tensor t[64];
    int n;
} fixture;

static inline void fx_free(fixture *f) {
    for (int i = 0; i < f->n; i++) free(f->t[i].v);
    f->n = 0;
}

/* Loads tests/fixtures/<folder>/<name>.txt; false (and a failed CHECK) if it cannot. */
static inline bool fx_load_from(fixture *f, const char *folder, const char *name) {
    char path[512];
    snprintf(path, sizeof path, "%s/tests/fixtures/%s/%s.txt", TG_SOURCE_ROOT, folder, name);
    memset(f, 0, sizeof *f);
    FILE *fp = fopen(path, "r");
    CHECK(fp != NULL, "cannot open %s", path);
    if (!fp) return false;
    char word[128];
    bool ok = true;
    while (ok && fscanf(fp, "%127s", word) == 1) {
        if (word[0] == '#') {
            int c;
            while ((c = fgetc(fp)) != EOF && c != '\n') {}
        } else if (strcmp(word, "meta") == 0 && f->n_meta < 16) {
            ok = fscanf(fp, "%63s %63s", f->meta[f->n_meta][0], f->meta[f->n_meta][1]) == 2;
            int c; /* the value's remaining words belong to it */
            while ((c = fgetc(fp)) != EOF && c != '\n') {}
            f->n_meta++;
        } else if (strcmp(word, "tensor") == 0 && f->n < 64) {
            fx_tensor *t = &f->t[f->n];
            ok = fscanf(fp, "%63s %d", t->name, &t->rank) == 2 && t->rank >= 0 && t->rank <= TG_MAX_RANK;
            t->size = 1;
            for (int d = 0; ok && d < t->rank; d++) {
                ok = fscanf(fp, "%d", &t->shape[d]) == 1 && t->shape[d] > 0;
                t->size *= ok ? (size_t)t->shape[d] : 1;
            }
            t->v = ok ? malloc(t->size * sizeof *t->v) : NULL;
            for (size_t i = 0; ok && t->v && i < t->size; i++) ok = fscanf(fp, "%lf", &t->v[i]) == 1;
            ok = ok && t->v;
            f->n++;
        } else {
            ok = false;
        }
    }
    fclose(fp);
    CHECK(ok, "%s: malformed fixture", path);
    return ok;
}

static inline const char *fx_meta(const fixture *f, const char *key) {
    for (int i = 0; i < f->n_meta; i++)
        if (strcmp(f->meta[i][0], key) == 0) return f->meta[i][1];
    return NULL;
}

static inline const fx_tensor *fx_get(const fixture *f, const char *name) {
    for (int i = 0; i < f->n; i++)
        if (strcmp(f->t[i].name, name) == 0) return &f->t[i];
    return NULL;
}

/* Copies fixture tensor `name` into x (sizes must agree). */
static inline bool fx_set(const fixture *f, const char *name, tg_tensor *x) {
    const fx_tensor *s = fx_get(f, name);
    CHECK(s && x && s->size == x->size, "fixture tensor %s missing or of the wrong size", name);
    if (!s || !x || s->size != x->size) return false;
    for (size_t i = 0; i < s->size; i++) x->data[i] = (tg_real)s->v[i];
    return true;
}

/* A long-lived tensor holding fixture tensor `name` (flags as tg_tensor_new), or NULL
 * if the fixture has none. */
static inline tg_tensor *fx_tensor_of(const fixture *f, const char *name, unsigned flags) {
    const fx_tensor *s = fx_get(f, name);
    if (!s) return NULL;
    tg_tensor *x = tg_tensor_new(s->rank, s->shape, flags);
    fx_set(f, name, x);
    return x;
}

#endif
