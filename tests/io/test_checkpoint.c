/* test_checkpoint.c — checkpoints: round trip, atomic save, every validation error
 * with its message, truncation at every byte, a corrupted byte at every offset,
 * allocation failure at every point; the model unchanged after each failure.
 *
 * The test has its own writer of the format (write_ckpt, from the spec in
 * tg_checkpoint.h), checked byte for byte against the library's save; it crafts the
 * malformed files.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check.h"
#include "tmpdir.h"
#include <tg/core.h>



/* Number of files in dir whose name contains ".tmp.". */
static int temp_files(void) {
    int n = 0;
    DIR *d = opendir(tmp_dir);
    if (!d) return -1;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strstr(e->d_name, ".tmp.")) n++;
    closedir(d);
    return n;
}




/* ---- a small model: parameters w (2,3), b (3), s (); "optimizer state" w.m, step ---- */

typedef struct model {
    tg_tensor *w, *b, *s, *m, *step;
    tg_params ps, st;
    const tg_params *lists[2];
} model;

static void model_init(model *md, uint64_t seed) {
    memset(md, 0, sizeof *md);
    md->w = tg_param_new("w", 2, (int[]){2, 3});
    md->b = tg_param_new("b", 1, (int[]){3});
    md->s = tg_param_new("s", 0, NULL);
    md->m = tg_param_new("w.m", 2, (int[]){2, 3});
    md->step = tg_param_new("optim.step", 0, NULL);
    tg_rng g;
    tg_rng_seed(&g, seed);
    tg_tensor_normal(md->w, &g, 0, 1);
    tg_tensor_normal(md->b, &g, 0, 1);
    tg_tensor_normal(md->s, &g, 0, 1);
    tg_tensor_normal(md->m, &g, 0, 1);
    md->step->data[0] = 7;
    tg_params_add(&md->ps, md->w);
    tg_params_add(&md->ps, md->b);
    tg_params_add(&md->ps, md->s);
    tg_params_add(&md->st, md->m);
    tg_params_add(&md->st, md->step);
    md->lists[0] = &md->ps;
    md->lists[1] = &md->st;
}

static void model_free(model *md) {
    tg_params_free(&md->ps);
    tg_params_free(&md->st);
    tg_tensor_free(md->w);
    tg_tensor_free(md->b);
    tg_tensor_free(md->s);
    tg_tensor_free(md->m);
    tg_tensor_free(md->step);
}

/* All 17 values of the model, for "unchanged" checks (bitwise). */
typedef struct snap { tg_real v[17]; } snap;
static snap model_snap(const model *md) {
    snap s;
    memset(&s, 0, sizeof s);
    memcpy(s.v, md->w->data, 6 * sizeof(tg_real));
    memcpy(s.v + 6, md->b->data, 3 * sizeof(tg_real));
    s.v[9] = md->s->data[0];
    memcpy(s.v + 10, md->m->data, 6 * sizeof(tg_real));
    s.v[16] = md->step->data[0];
    return s;
}
static bool snap_eq(snap a, snap b) { return memcmp(&a, &b, sizeof a) == 0; }

/* ---- an independent writer of the format ---- */

typedef struct trec {
    const char *name;
    int name_len;  /* -1: strlen(name) */
    int dtype;     /* 4 or 8 (others write 4-byte values) */
    int rank;
    int shape[10];
    const double *vals; /* product(shape) values (NULL: i + 0.5) */
} trec;

typedef struct tfile {
    uint32_t version, count; /* count UINT32_MAX: use n */
    uint32_t n_meta;
    const uint64_t *meta;
    const trec *r;
    int n;
} tfile;

static uint64_t fnv(const unsigned char *p, size_t n) {
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3u;
    return h;
}

static size_t le(unsigned char *p, uint64_t v, int bytes) {
    for (int i = 0; i < bytes; i++) p[i] = (unsigned char)(v >> (8 * i));
    return (size_t)bytes;
}

static size_t write_ckpt(unsigned char *out, const tfile *f) {
    size_t k = 0;
    memcpy(out, "TGCKPT\r\n", 8);
    k = 8;
    k += le(out + k, f->version, 4);
    k += le(out + k, f->count == UINT32_MAX ? (uint32_t)f->n : f->count, 4);
    k += le(out + k, f->n_meta, 4);
    for (uint32_t i = 0; i < f->n_meta; i++) k += le(out + k, f->meta[i], 8);
    for (int t = 0; t < f->n; t++) {
        const trec *r = &f->r[t];
        size_t len = r->name_len >= 0 ? (size_t)r->name_len : strlen(r->name);
        k += le(out + k, len, 2);
        memcpy(out + k, r->name, len);
        k += len;
        out[k++] = (unsigned char)r->dtype;
        out[k++] = (unsigned char)r->rank;
        size_t size = 1;
        for (int d = 0; d < r->rank; d++) {
            k += le(out + k, (uint32_t)r->shape[d], 4);
            size *= (size_t)r->shape[d];
        }
        for (size_t e = 0; e < size; e++) {
            double v = r->vals ? r->vals[e] : (double)e + 0.5;
            if (r->dtype == 8) {
                uint64_t u;
                memcpy(&u, &v, 8);
                k += le(out + k, u, 8);
            } else {
                float fv = (float)v;
                uint32_t u;
                memcpy(&u, &fv, 4);
                k += le(out + k, u, 4);
            }
        }
    }
    k += le(out + k, fnv(out, k), 8);
    return k;
}

/* Values of the model, as doubles, in the writer's form. */
static void model_values(const model *md, double v[17]) {
    snap s = model_snap(md);
    for (int i = 0; i < 17; i++) v[i] = (double)s.v[i];
}

#define DT ((int)sizeof(tg_real))

/* The five records of the model, in list order, with its values. */
static void model_recs(const model *md, trec r[5], double v[17]) {
    model_values(md, v);
    trec t[5] = {
        {"w", -1, DT, 2, {2, 3}, v},     {"b", -1, DT, 1, {3}, v + 6},
        {"s", -1, DT, 0, {0}, v + 9},     {"w.m", -1, DT, 2, {2, 3}, v + 10},
        {"optim.step", -1, DT, 0, {0}, v + 16},
    };
    memcpy(r, t, sizeof t);
}

/* Loads f into md (from memory) and checks: status s, message containing sub, and
 * (on failure) the model unchanged. */
static void expect_load(model *md, const unsigned char *buf, size_t n, tg_status s, const char *sub) {
    snap before = model_snap(md);
    tg_status st = tg_checkpoint_load_mem(buf, n, "crafted.ckpt", md->lists, 2, NULL);
    CHECK(st == s, "status %s, expected %s (%s)", tg_status_name(st), tg_status_name(s), tg_last_error());
    if (s != TG_OK) {
        CHECK_ERR(NULL, s, sub);
        CHECK(snap_eq(before, model_snap(md)), "model changed by a failed load (%s)", sub);
    }
}

/* ---- tests ---- */

static void test_round_trip(void) {
    model a, b;
    model_init(&a, 1);
    model_init(&b, 2);
    tg_rng g, g2;
    tg_rng_seed(&g, 99);
    (void)tg_rng_normal(&g); /* leaves a spare normal in the state */
    tg_checkpoint_meta meta = {0}, got = {0};
    CHECK(tg_checkpoint_meta_add(&meta, 3) == TG_OK, "meta add");
    CHECK(tg_checkpoint_meta_add(&meta, 1234567890123ull) == TG_OK, "meta add");
    CHECK(tg_checkpoint_meta_add_rng(&meta, &g) == TG_OK, "meta add rng");
    const char *p = tmp_path("model.ckpt");
    CHECK(tg_checkpoint_save(p, a.lists, 2, &meta) == TG_OK, "save: %s", tg_last_error());
    CHECK(temp_files() == 0, "temporary file left after a save");
    CHECK(!snap_eq(model_snap(&a), model_snap(&b)), "models differ before loading");
    CHECK(tg_checkpoint_load(p, b.lists, 2, &got) == TG_OK, "load: %s", tg_last_error());
    CHECK(snap_eq(model_snap(&a), model_snap(&b)), "loaded values are bit-identical");
    CHECK(got.n == 8 && got.v[0] == 3 && got.v[1] == 1234567890123ull, "meta round trip (n %d)", got.n);
    CHECK(tg_checkpoint_meta_get_rng(&got, 2, &g2) == TG_OK, "get rng");
    CHECK(memcmp(g.s, g2.s, sizeof g.s) == 0 && g.has_spare == g2.has_spare && g.spare == g2.spare,
          "rng state restored");
    bool same = true;
    for (int i = 0; i < 10; i++) same = same && tg_rng_normal(&g) == tg_rng_normal(&g2);
    CHECK(same, "restored rng draws the same numbers");

    /* The file is exactly what the spec says (independent writer, byte for byte). */
    size_t n;
    unsigned char *file = tmp_read(p, &n), ref[1024];
    trec r[5];
    double v[17];
    model_recs(&a, r, v);
    size_t rn = write_ckpt(ref, &(tfile){1, UINT32_MAX, 8, meta.v, r, 5});
    size_t expect = 20 + 8 * 8 + (2 + 1 + 2 + 8 + 6 * DT) + (2 + 1 + 2 + 4 + 3 * DT) +
                    (2 + 1 + 2 + DT) + (2 + 3 + 2 + 8 + 6 * DT) + (2 + 10 + 2 + DT) + 8;
    CHECK(n == expect && rn == n, "file size %zu, writer %zu, expected %zu", n, rn, expect);
    CHECK(file && memcmp(file, ref, n) == 0, "saved bytes match the format spec");
    for (size_t i = 0; file && i < n; i++)
        if (file[i] != ref[i]) {
            printf("first difference at byte %zu: %02x vs %02x\n", i, file[i], ref[i]);
            break;
        }
    free(file);

    /* Lists grouped differently and in another order: matching is by name. */
    model c;
    model_init(&c, 3);
    tg_params all = {0};
    tg_params_add(&all, c.step);
    tg_params_add(&all, c.m);
    tg_params_add(&all, c.s);
    tg_params_add(&all, c.b);
    tg_params_add(&all, c.w);
    const tg_params *one[1] = {&all};
    CHECK(tg_checkpoint_load(p, one, 1, NULL) == TG_OK, "load in another order: %s", tg_last_error());
    CHECK(snap_eq(model_snap(&a), model_snap(&c)), "values by name");
    tg_params_free(&all);

    /* Overwriting an existing checkpoint; an empty one (meta only). */
    tg_tensor_fill(a.w, 0.25);
    CHECK(tg_checkpoint_save(p, a.lists, 2, NULL) == TG_OK, "save over: %s", tg_last_error());
    CHECK(tg_checkpoint_load(p, b.lists, 2, &got) == TG_OK && got.n == 0 && b.w->data[5] == 0.25,
          "second save replaced the first");
    const char *pe = tmp_path("empty.ckpt");
    CHECK(tg_checkpoint_save(pe, NULL, 0, &meta) == TG_OK, "save meta only: %s", tg_last_error());
    CHECK(tg_checkpoint_load(pe, NULL, 0, &got) == TG_OK && got.n == 8 && got.v[1] == meta.v[1],
          "load meta only");
    expect_load(&b, (const unsigned char *)"", 0, TG_ERR_FORMAT, "truncated: the magic at byte 0 needs 8 bytes, the file ends at byte 0");
    model_free(&a);
    model_free(&b);
    model_free(&c);
}

/* A file of the other precision converts on load. */
static void test_dtype_conversion(void) {
    model a;
    model_init(&a, 5);
    unsigned char buf[1024];
    double v[17];
    for (int i = 0; i < 17; i++) v[i] = (i - 7) * 0.375; /* exact in float */
    int other = DT == 4 ? 8 : 4;
    trec r[5] = {
        {"w", -1, other, 2, {2, 3}, v},   {"b", -1, other, 1, {3}, v + 6},
        {"s", -1, other, 0, {0}, v + 9},  {"w.m", -1, other, 2, {2, 3}, v + 10},
        {"optim.step", -1, other, 0, {0}, v + 16},
    };
    size_t n = write_ckpt(buf, &(tfile){1, UINT32_MAX, 0, NULL, r, 5});
    expect_load(&a, buf, n, TG_OK, "");
    snap s = model_snap(&a);
    bool ok = true;
    for (int i = 0; i < 17; i++) ok = ok && s.v[i] == (tg_real)v[i];
    CHECK(ok, "a dtype-%d file loads into the %s build", other, TG_REAL_NAME);
#if !TG_REAL_IS_DOUBLE
    /* A double that does not fit in a float is refused, nothing changed. */
    v[3] = 1e39;
    n = write_ckpt(buf, &(tfile){1, UINT32_MAX, 0, NULL, r, 5});
    expect_load(&a, buf, n, TG_ERR_VALUE,
                "tg_checkpoint_load: crafted.ckpt: tensor 'w' element 3 is 1e+39 in the file, outside the float range");
    v[3] = 0.1; /* rounds to nearest */
    n = write_ckpt(buf, &(tfile){1, UINT32_MAX, 0, NULL, r, 5});
    expect_load(&a, buf, n, TG_OK, "");
    CHECK(a.w->data[3] == 0.1f, "double 0.1 rounds to float 0.1f");
#endif
    model_free(&a);
}

static void test_argument_errors(void) {
    model a;
    model_init(&a, 1);
    const char *p = tmp_path("args.ckpt");
    CHECK(tg_checkpoint_save(NULL, a.lists, 2, NULL) == TG_ERR_ARG, "NULL path");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_checkpoint_save: path is NULL");
    CHECK(tg_checkpoint_load("", a.lists, 2, NULL) == TG_ERR_ARG, "empty path");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_checkpoint_load: path is empty");
    CHECK(tg_checkpoint_save(p, a.lists, -1, NULL) == TG_ERR_ARG, "n_lists -1");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_checkpoint_save: ");
    CHECK_ERR(NULL, TG_ERR_ARG, "args.ckpt: n_lists is -1");
    CHECK(tg_checkpoint_save(p, NULL, 2, NULL) == TG_ERR_ARG, "lists NULL");
    CHECK_ERR(NULL, TG_ERR_ARG, "args.ckpt: lists is NULL but n_lists is 2");
    const tg_params *withnull[2] = {&a.ps, NULL};
    CHECK(tg_checkpoint_load(p, withnull, 2, NULL) == TG_ERR_ARG, "list NULL");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_checkpoint_load: ");
    CHECK_ERR(NULL, TG_ERR_ARG, "args.ckpt: list 1 is NULL");
    tg_params bad = {0};
    tg_tensor *unnamed = tg_param_new(NULL, 1, (int[]){2});
    tg_params_add(&bad, unnamed);
    const tg_params *lb[1] = {&bad};
    CHECK(tg_checkpoint_save(p, lb, 1, NULL) == TG_ERR_ARG, "unnamed tensor");
    CHECK_ERR(NULL, TG_ERR_ARG, "list 0 entry 0 has no name (checkpoints match tensors by name)");
    tg_params_free(&bad);
    /* The same name in two lists. */
    tg_tensor *w2 = tg_param_new("w", 1, (int[]){2});
    tg_params_add(&bad, w2);
    const tg_params *dup[3] = {&a.ps, &a.st, &bad};
    CHECK(tg_checkpoint_save(p, dup, 3, NULL) == TG_ERR_ARG, "duplicate name");
    CHECK_ERR(NULL, TG_ERR_ARG, "duplicate tensor name 'w' (list 0 entry 0 and list 2 entry 0)");
    tg_params_free(&bad);
    /* A step tensor (owned by a tape) cannot be checkpointed. */
    tg_tape *t = tg_tape_new();
    tg_tensor *x = tg_tape_tensor(t, 1, (int[]){2}, NULL, 0);
    snprintf(x->name, sizeof x->name, "x");
    tg_tensor *items[1] = {x};
    tg_params step = {items, 1, 1};
    const tg_params *ls[1] = {&step};
    CHECK(tg_checkpoint_save(p, ls, 1, NULL) == TG_ERR_ARG, "step tensor");
    CHECK_ERR(NULL, TG_ERR_ARG, "list 0 entry 0 ('x') is a step tensor of a tape");
    tg_tape_free(t);
    tg_checkpoint_meta meta = {0};
    meta.n = 40;
    CHECK(tg_checkpoint_save(p, a.lists, 2, &meta) == TG_ERR_ARG, "meta n");
    CHECK_ERR(NULL, TG_ERR_ARG, "meta->n is 40 (must be 0..32)");
    CHECK(access(p, F_OK) != 0, "no file written by failed saves");
    /* Missing file, a directory. */
    snap before = model_snap(&a);
    CHECK(tg_checkpoint_load(tmp_path("nope.ckpt"), a.lists, 2, NULL) == TG_ERR_IO, "missing file");
    CHECK_ERR(NULL, TG_ERR_IO, "nope.ckpt: cannot open: No such file or directory");
    CHECK(tg_checkpoint_load(tmp_dir, a.lists, 2, NULL) == TG_ERR_IO, "a directory");
    CHECK_ERR(NULL, TG_ERR_IO, "Is a directory");
    CHECK(snap_eq(before, model_snap(&a)), "model unchanged");
    CHECK(tg_checkpoint_load_mem(NULL, 5, NULL, a.lists, 2, NULL) == TG_ERR_ARG, "NULL buf");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_checkpoint_load: <memory>: buf is NULL");
    /* Meta helpers. */
    meta.n = 0;
    for (int i = 0; i < TG_CHECKPOINT_META_MAX; i++) tg_checkpoint_meta_add(&meta, (uint64_t)i);
    CHECK(tg_checkpoint_meta_add(&meta, 1) == TG_ERR_RANGE, "meta full");
    CHECK_ERR(NULL, TG_ERR_RANGE, "tg_checkpoint_meta_add: meta holds 32 words (at most 32)");
    meta.n = 28;
    tg_rng g;
    tg_rng_seed(&g, 1);
    CHECK(tg_checkpoint_meta_add_rng(&meta, &g) == TG_ERR_RANGE, "no room for rng");
    CHECK_ERR(NULL, TG_ERR_RANGE, "tg_checkpoint_meta_add_rng: meta holds 28 words, no room for 6 more (at most 32)");
    CHECK(tg_checkpoint_meta_get_rng(&meta, 25, &g) == TG_ERR_RANGE, "rng words out of range");
    CHECK_ERR(NULL, TG_ERR_RANGE, "tg_checkpoint_meta_get_rng: words 25..30 are not in use (meta holds 28)");
    CHECK(tg_checkpoint_meta_add(NULL, 1) == TG_ERR_ARG && tg_checkpoint_meta_get_rng(&meta, 0, NULL) == TG_ERR_ARG,
          "meta NULL arguments");
    tg_tensor_free(unnamed);
    tg_tensor_free(w2);
    model_free(&a);
}

/* A failed save leaves the previous checkpoint intact and no temporary file. */
static void test_atomic_save(void) {
    model a, big;
    model_init(&a, 1);
    const char *p = tmp_path("atomic.ckpt");
    CHECK(tg_checkpoint_save(p, a.lists, 2, NULL) == TG_OK, "first save");
    size_t n0;
    unsigned char *orig = tmp_read(p, &n0);

    /* 1. Into a directory that does not exist: the temporary file cannot be made. */
    CHECK(tg_checkpoint_save(tmp_path("no/such/dir.ckpt"), a.lists, 2, NULL) == TG_ERR_IO, "no dir");
    CHECK_ERR(NULL, TG_ERR_IO, "tg_checkpoint_save: ");
    CHECK_ERR(NULL, TG_ERR_IO, "dir.ckpt: cannot create temporary file ");
    CHECK_ERR(NULL, TG_ERR_IO, "dir.ckpt.tmp.");
    CHECK_ERR(NULL, TG_ERR_IO, ": No such file or directory");

    /* 2. The rename fails (the target is a directory): the temporary file is removed. */
    const char *pd = tmp_path("isdir.ckpt");
    mkdir(pd, 0755);
    CHECK(tg_checkpoint_save(pd, a.lists, 2, NULL) == TG_ERR_IO, "rename over a directory");
    CHECK_ERR(NULL, TG_ERR_IO, "cannot rename ");
    CHECK(temp_files() == 0, "temporary file removed after a failed rename");

    /* 3. The write fails half way (file size limit, like a full disk): the old file
     * stays. The new model is larger than the limit. */
    model_init(&big, 2);
    tg_tensor *huge = tg_param_new("huge", 1, (int[]){4096});
    tg_params_add(&big.st, huge);
    struct rlimit old;
    getrlimit(RLIMIT_FSIZE, &old);
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    struct rlimit lim = {1024, old.rlim_max};
    if (setrlimit(RLIMIT_FSIZE, &lim) == 0) {
        tg_status st = tg_checkpoint_save(p, big.lists, 2, NULL);
        setrlimit(RLIMIT_FSIZE, &old);
        CHECK(st == TG_ERR_IO, "write beyond the size limit fails: %s", tg_last_error());
        CHECK_ERR(NULL, TG_ERR_IO, "cannot write ");
        CHECK_ERR(NULL, TG_ERR_IO, "File too large");
        size_t nk;
        unsigned char *kept = tmp_read(p, &nk);
        CHECK(kept && nk == n0 && memcmp(kept, orig, n0) == 0, "old file intact after a failed write");
        free(kept);
    } else {
        printf("note: setrlimit(RLIMIT_FSIZE) failed (%s); write-failure case skipped\n", strerror(errno));
    }
    signal(SIGXFSZ, prev);
    CHECK(temp_files() == 0, "temporary file removed after a failed write");

    /* 4. Allocation failure at every point of a save. */
    for (size_t k = 1; k < 10; k++) {
        size_t live = tg_alloc_live();
        tg__alloc_fail_after(k);
        tg_status st = tg_checkpoint_save(p, big.lists, 2, NULL);
        tg__alloc_fail_after(0);
        CHECK(tg_alloc_live() == live, "no leak after allocation %zu fails", k);
        if (st == TG_OK) break;
        CHECK(st == TG_ERR_NOMEM, "allocation %zu: %s", k, tg_last_error());
        CHECK_ERR(NULL, TG_ERR_NOMEM, "tg_checkpoint_save: ");
        size_t nk;
        unsigned char *kept = tmp_read(p, &nk);
        CHECK(kept && nk == n0 && memcmp(kept, orig, n0) == 0, "old file intact after allocation %zu fails", k);
        free(kept);
    }

    size_t n1;
    unsigned char *now = tmp_read(p, &n1);
    /* The last sweep step succeeded and replaced the file; before it, the file must
     * have been the original: check by saving again after restoring. */
    CHECK(now && n1 > n0, "the successful save wrote the new model");
    free(now);
    tmp_write(p, orig, n0);
    model b;
    model_init(&b, 3);
    CHECK(tg_checkpoint_load(p, b.lists, 2, NULL) == TG_OK && snap_eq(model_snap(&a), model_snap(&b)),
          "previous checkpoint still loads");
    CHECK(temp_files() == 0, "no temporary file left");
    free(orig);
    tg_tensor_free(huge);
    model_free(&a);
    model_free(&big);
    model_free(&b);
}

/* The file survives failed saves: one check with the previous file's bytes. */
static void test_failed_save_keeps_file(void) {
    model a, big;
    model_init(&a, 1);
    model_init(&big, 2);
    const char *p = tmp_path("keep.ckpt");
    tg_checkpoint_save(p, a.lists, 2, NULL);
    size_t n0, n1;
    unsigned char *before = tmp_read(p, &n0);
    tg__alloc_fail_after(1);
    tg_status st = tg_checkpoint_save(p, big.lists, 2, NULL);
    tg__alloc_fail_after(0);
    CHECK(st == TG_ERR_NOMEM, "save with no memory fails");
    CHECK_ERR(NULL, TG_ERR_NOMEM, "keep.ckpt: out of memory for a ");
    struct rlimit old, lim;
    getrlimit(RLIMIT_FSIZE, &old);
    lim = (struct rlimit){64, old.rlim_max};
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    if (setrlimit(RLIMIT_FSIZE, &lim) == 0) {
        st = tg_checkpoint_save(p, big.lists, 2, NULL);
        setrlimit(RLIMIT_FSIZE, &old);
        CHECK(st == TG_ERR_IO, "short write fails");
    }
    signal(SIGXFSZ, prev);
    unsigned char *after = tmp_read(p, &n1);
    CHECK(before && after && n0 == n1 && memcmp(before, after, n0) == 0,
          "previous file byte-identical after failed saves");
    CHECK(temp_files() == 0, "no temporary file left");
    free(before);
    free(after);
    model_free(&a);
    model_free(&big);
}

static void test_validation_errors(void) {
    model a;
    model_init(&a, 1);
    unsigned char buf[2048];
    trec r[6];
    double v[17];
    model_recs(&a, r, v);
    size_t n;

    /* A valid crafted file loads. */
    model b;
    model_init(&b, 7);
    n = write_ckpt(buf, &(tfile){1, UINT32_MAX, 0, NULL, r, 5});
    expect_load(&b, buf, n, TG_OK, "");

    /* Magic and version. */
    buf[0] = 'X';
    expect_load(&b, buf, n, TG_ERR_FORMAT, "tg_checkpoint_load: crafted.ckpt: bad magic (not a tapegrad checkpoint)");
    n = write_ckpt(buf, &(tfile){2, UINT32_MAX, 0, NULL, r, 5});
    expect_load(&b, buf, n, TG_ERR_FORMAT,
                "tg_checkpoint_load: crafted.ckpt: version 2 is not supported (this library reads version 1)");

    /* Names: another model's tensor. */
    trec rn[5];
    memcpy(rn, r, sizeof rn);
    rn[1].name = "bias";
    n = write_ckpt(buf, &(tfile){1, UINT32_MAX, 0, NULL, rn, 5});
    expect_load(&b, buf, n, TG_ERR_ARG, "tg_checkpoint_load: crafted.ckpt: tensor 'b' of the model is not in the file");

    /* Shape. */
    memcpy(rn, r, sizeof rn);
    rn[0].shape[0] = 3, rn[0].shape[1] = 2;
    n = write_ckpt(buf, &(tfile){1, UINT32_MAX, 0, NULL, rn, 5});
    expect_load(&b, buf, n, TG_ERR_SHAPE,
                "tg_checkpoint_load: crafted.ckpt: tensor 'w' has shape (3,2) in the file but (2,3) in the model");
    rn[0].rank = 1, rn[0].shape[0] = 6;
    n = write_ckpt(buf, &(tfile){1, UINT32_MAX, 0, NULL, rn, 5});
    expect_load(&b, buf, n, TG_ERR_SHAPE, "tensor 'w' has shape (6) in the file but (2,3) in the model");

    /* Count: one tensor fewer, one more, a duplicate; a count field that disagrees. */
    n = write_ckpt(buf, &(tfile){1, UINT32_MAX, 0, NULL, r, 4});
    expect_load(&b, buf, n, TG_ERR_ARG, "tensor 'optim.step' of the model is not in the file");
    memcpy(r + 5, &(trec){"extra", -1, DT, 1, {2}, v}, sizeof(trec));
    n = write_ckpt(buf, &(tfile){1, UINT32_MAX, 0, NULL, r, 6});
    expect_load(&b, buf, n, TG_ERR_ARG,
                "tg_checkpoint_load: crafted.ckpt: the file holds 6 tensors, the model 5: 'extra' is not in the model");
    memcpy(r + 5, &r[2], sizeof(trec));
    n = write_ckpt(buf, &(tfile){1, UINT32_MAX, 0, NULL, r, 6});
    expect_load(&b, buf, n, TG_ERR_FORMAT, "tg_checkpoint_load: crafted.ckpt: tensor name 's' appears twice in the file");
    n = write_ckpt(buf, &(tfile){1, 6, 0, NULL, r, 5}); /* says 6, holds 5: reads the checksum */
    expect_load(&b, buf, n, TG_ERR_FORMAT, "tg_checkpoint_load: crafted.ckpt: ");
    n = write_ckpt(buf, &(tfile){1, 4, 0, NULL, r, 5}); /* says 4, holds 5 */
    expect_load(&b, buf, n, TG_ERR_FORMAT, "unexpected bytes after the checksum at byte");
    n = write_ckpt(buf, &(tfile){1, 1000000, 0, NULL, r, 5});
    expect_load(&b, buf, n, TG_ERR_FORMAT, "truncated: 1000000 tensors cannot fit in the ");

    /* Truncated inside the data of 'w' (header 20, record head 2+1+2+8 = 13). */
    n = write_ckpt(buf, &(tfile){1, UINT32_MAX, 0, NULL, r, 1});
    char msg[160];
    snprintf(msg, sizeof msg,
             "tg_checkpoint_load: crafted.ckpt: truncated: tensor 'w': data at byte 33 needs %d bytes, the file ends at byte 43",
             6 * DT);
    expect_load(&b, buf, 43, TG_ERR_FORMAT, msg);
    expect_load(&b, buf, n - 3, TG_ERR_FORMAT, "truncated: the checksum at byte ");

    /* Checksum: one flipped value bit; trailing bytes. */
    n = write_ckpt(buf, &(tfile){1, UINT32_MAX, 0, NULL, r, 5});
    buf[40] ^= 0x10;
    expect_load(&b, buf, n, TG_ERR_FORMAT, "tg_checkpoint_load: crafted.ckpt: checksum mismatch (corrupted file): stored 0x");
    buf[40] ^= 0x10;
    buf[n] = 0;
    expect_load(&b, buf, n + 1, TG_ERR_FORMAT, "1 unexpected bytes after the checksum at byte");

    /* Record fields. */
    memcpy(rn, r, sizeof rn);
    rn[1].dtype = 3;
    n = write_ckpt(buf, &(tfile){1, UINT32_MAX, 0, NULL, rn, 5});
    expect_load(&b, buf, n, TG_ERR_FORMAT, "tensor 'b': dtype code 3 is not 4 (float32) or 8 (float64)");
    memcpy(rn, r, sizeof rn);
    rn[1] = (trec){"b", -1, DT, 9, {1, 1, 1, 1, 1, 1, 1, 1, 3}, v};
    n = write_ckpt(buf, &(tfile){1, UINT32_MAX, 0, NULL, rn, 5});
    expect_load(&b, buf, n, TG_ERR_FORMAT, "tensor 'b': rank 9 is outside 0..8");
    rn[1] = (trec){"b", -1, DT, 2, {3, 0}, v};
    n = write_ckpt(buf, &(tfile){1, UINT32_MAX, 0, NULL, rn, 5});
    expect_load(&b, buf, n, TG_ERR_FORMAT, "tensor 'b': dimension 1 is 0 (must be 1..2147483647)");
    rn[1] = (trec){"b", 0, DT, 1, {3}, v};
    n = write_ckpt(buf, &(tfile){1, UINT32_MAX, 0, NULL, rn, 5});
    expect_load(&b, buf, n, TG_ERR_FORMAT, "tensor 1: name length 0 at byte ");
    rn[1] = (trec){"b\0c", 3, DT, 1, {3}, v};
    n = write_ckpt(buf, &(tfile){1, UINT32_MAX, 0, NULL, rn, 5});
    expect_load(&b, buf, n, TG_ERR_FORMAT, "tensor 1: name 'b?c' contains a NUL byte");
    {
        /* A huge shape whose data is absent: caught before any allocation. */
        unsigned char h[64];
        size_t k = 0;
        memcpy(h, "TGCKPT\r\n", 8);
        k = 8 + le(h + 8, 1, 4);
        k += le(h + k, 1, 4);
        k += le(h + k, 0, 4);
        k += le(h + k, 1, 2);
        h[k++] = 'w';
        h[k++] = 4;
        h[k++] = 3;
        k += le(h + k, 2147483647u, 4);
        k += le(h + k, 2147483647u, 4);
        k += le(h + k, 2147483647u, 4);
        k += le(h + k, 0, 8);
        expect_load(&b, h, k, TG_ERR_FORMAT,
                    "truncated: tensor 'w' of shape (2147483647,2147483647,2147483647) at byte 37 is larger than any file");
    }
    uint64_t meta[33] = {0};
    n = write_ckpt(buf, &(tfile){1, UINT32_MAX, 33, meta, r, 5});
    expect_load(&b, buf, n, TG_ERR_FORMAT, "crafted.ckpt: 33 meta words (at most 32)");
    model_free(&a);
    model_free(&b);
}

/* Truncation at every byte offset and a corrupted byte at every offset: each load
 * fails cleanly, the model unchanged; no leak. */
static void test_every_offset(void) {
    model a, b;
    model_init(&a, 1);
    model_init(&b, 2);
    tg_checkpoint_meta meta = {0};
    tg_checkpoint_meta_add(&meta, 42);
    const char *p = tmp_path("small.ckpt"), *pt = tmp_path("cut.ckpt");
    CHECK(tg_checkpoint_save(p, a.lists, 2, &meta) == TG_OK, "save");
    size_t n;
    unsigned char *file = tmp_read(p, &n);
    snap before = model_snap(&b);
    size_t live = tg_alloc_live();
    int trunc_ok = 0, trunc_file_ok = 0, corrupt_ok = 0, meta_ok = 0;
    for (size_t k = 0; k < n; k++) {
        tg_checkpoint_meta got = {.n = -5};
        tg_status st = tg_checkpoint_load_mem(file, k, "cut", b.lists, 2, &got);
        if (st == TG_ERR_FORMAT && strstr(tg_last_error(), "truncated") && snap_eq(before, model_snap(&b)))
            trunc_ok++;
        else
            printf("truncated at %zu: %s %s\n", k, tg_status_name(st), tg_last_error());
        meta_ok += got.n == -5;
        tmp_write(pt, file, k);
        st = tg_checkpoint_load(pt, b.lists, 2, NULL);
        trunc_file_ok += st == TG_ERR_FORMAT && snap_eq(before, model_snap(&b));
    }
    CHECK(trunc_ok == (int)n, "truncation at every offset 0..%zu fails with 'truncated' (%d ok)", n - 1, trunc_ok);
    CHECK(trunc_file_ok == (int)n, "truncated files fail (%d of %zu)", trunc_file_ok, n);
    CHECK(meta_ok == (int)n, "meta untouched by failed loads");
    static const unsigned char masks[3] = {0x01, 0x80, 0xff};
    for (size_t k = 0; k < n; k++) {
        bool all = true;
        for (int m = 0; m < 3; m++) {
            file[k] ^= masks[m];
            tg_status st = tg_checkpoint_load_mem(file, n, "bad", b.lists, 2, NULL);
            file[k] ^= masks[m];
            if (st == TG_OK || !snap_eq(before, model_snap(&b))) {
                all = false;
                printf("corrupted byte %zu ^ 0x%02x: %s\n", k, masks[m], tg_status_name(st));
            }
        }
        corrupt_ok += all;
    }
    CHECK(corrupt_ok == (int)n, "a corrupted byte at every offset fails (%d of %zu)", corrupt_ok, n);
    CHECK(tg_alloc_live() == live, "no leak over %zu failed loads", 4 * n);
    /* Intact, it still loads. */
    CHECK(tg_checkpoint_load_mem(file, n, "good", b.lists, 2, NULL) == TG_OK, "intact file loads");
    CHECK(snap_eq(model_snap(&a), model_snap(&b)), "values");
    free(file);
    model_free(&a);
    model_free(&b);
}

/* Allocation failure at every point of a load: NOMEM, model unchanged, no leak. */
static void test_load_alloc_failure(void) {
    model a, b;
    model_init(&a, 1);
    model_init(&b, 2);
    const char *p = tmp_path("oom.ckpt");
    tg_checkpoint_save(p, a.lists, 2, NULL);
    snap before = model_snap(&b);
    int fails = 0;
    for (size_t k = 1; k < 20; k++) {
        size_t live = tg_alloc_live();
        tg__alloc_fail_after(k);
        tg_status st = tg_checkpoint_load(p, b.lists, 2, NULL);
        tg__alloc_fail_after(0);
        CHECK(tg_alloc_live() == live, "no leak when allocation %zu fails", k);
        if (st == TG_OK) break;
        fails++;
        CHECK(st == TG_ERR_NOMEM, "allocation %zu: %s %s", k, tg_status_name(st), tg_last_error());
        CHECK_ERR(NULL, TG_ERR_NOMEM, "tg_checkpoint_load: ");
        CHECK_ERR(NULL, TG_ERR_NOMEM, "oom.ckpt: out of memory");
        CHECK(snap_eq(before, model_snap(&b)), "model unchanged when allocation %zu fails", k);
    }
    CHECK(fails == 3, "a load makes 3 allocations (%d)", fails);
    CHECK(snap_eq(model_snap(&a), model_snap(&b)), "the load after the sweep succeeded");
    model_free(&a);
    model_free(&b);
}

int main(void) {
    if (!tmp_dir_make("tg-ckpt")) return 1;
    size_t live = tg_alloc_live();
    test_round_trip();
    test_dtype_conversion();
    test_argument_errors();
    test_atomic_save();
    test_failed_save_keeps_file();
    test_validation_errors();
    test_every_offset();
    test_load_alloc_failure();
    CHECK(tg_alloc_live() == live, "all library allocations freed (%zu live)", tg_alloc_live() - live);
    tmp_dir_remove();
    return check_done();
}
