/* fuzz_targets.h — what each fuzz target does with one input, shared by the libFuzzer
 * harnesses (fuzz/fuzz_<target>.c, built with clang by fuzz/run.sh) and by the corpus
 * replay test (tests/io/test_fuzz_replay.c, built with gcc by meson), so that every input
 * the fuzzers kept is replayed in CI through exactly the same calls and checks.
 *
 * Besides "no crash, no sanitizer report", every target checks the readers' contracts:
 *   - on error: a status other than TG_OK, a message naming the function, the output
 *     struct left zeroed (data readers) or the model untouched (checkpoint), and no
 *     allocation left live (tg_alloc_live back to its value before the call);
 *   - on success: the result is consistent with the input (sizes, shapes, ids, values
 *     finite), and the *_free functions release everything.
 * A broken contract goes through FUZZ_ASSERT: abort() in the fuzzers (libFuzzer saves
 * the input as a crash), a counted failure in the replay test.
 */
#ifndef TG_FUZZ_TARGETS_H
#define TG_FUZZ_TARGETS_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <tapegrad.h>

#ifndef FUZZ_ASSERT
#define FUZZ_ASSERT(cond, ...)                                                \
    do {                                                                      \
        if (!(cond)) {                                                        \
            fprintf(stderr, "fuzz contract broken at %s:%d: ", __FILE__, __LINE__); \
            fprintf(stderr, __VA_ARGS__);                                     \
            fprintf(stderr, "\n");                                            \
            abort();                                                          \
        }                                                                     \
    } while (0)
#endif

/* True if every byte of the n bytes at p is zero. */
static inline int fuzz_all_zero(const void *p, size_t n) {
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i]) return 0;
    return 1;
}

/* An error left a message that names fn. */
static inline void fuzz_check_error(tg_status st, const char *fn) {
    FUZZ_ASSERT(st > TG_OK && st < TG_STATUS_COUNT, "%s: status %d out of range", fn, (int)st);
    FUZZ_ASSERT(tg_last_status() == st, "%s: returned %s but tg_last_status is %s", fn,
                tg_status_name(st), tg_status_name(tg_last_status()));
    FUZZ_ASSERT(strstr(tg_last_error(), fn) != NULL, "%s: message does not name it: %s", fn,
                tg_last_error());
}

/* ---- IDX: tg_idx_parse ---- */
static inline void fuzz_idx(const uint8_t *d, size_t n) {
    size_t live = tg_alloc_live();
    tg_idx x;
    tg_status st = tg_idx_parse(d, n, "fuzz", &x);
    if (st != TG_OK) {
        fuzz_check_error(st, "tg_idx_parse");
        FUZZ_ASSERT(fuzz_all_zero(&x, sizeof x), "tg_idx_parse: struct not zeroed on error");
    } else {
        FUZZ_ASSERT(x.rank >= 1 && x.rank <= TG_MAX_RANK, "rank %d", x.rank);
        size_t size = 1;
        for (int i = 0; i < x.rank; i++) {
            FUZZ_ASSERT(x.shape[i] >= 1, "shape[%d] = %d", i, x.shape[i]);
            size *= (size_t)x.shape[i];
        }
        size_t hdr = 4 + 4 * (size_t)x.rank;
        FUZZ_ASSERT(size == x.size && hdr + size == n, "size %zu, product %zu, n %zu", x.size, size, n);
        FUZZ_ASSERT(x.data && memcmp(x.data, d + hdr, size) == 0, "data differs from the input");
    }
    tg_idx_free(&x);
    tg_idx_free(&x); /* freeing a freed (zeroed) struct is fine */
    FUZZ_ASSERT(tg_alloc_live() == live, "tg_idx_parse: %zu allocations leaked", tg_alloc_live() - live);
}

/* ---- IDX, gzipped: tg_idx_read of the input compressed by gzip ----
 * The gzip path checks the header from the first inflated bytes and stops inflating
 * where the declared data ends; whatever it decides must be what tg_idx_parse decides
 * on the same bytes uncompressed (same status, same array). Two processes per input
 * (gzip to write, gzip -dc to read): slow, so the harness runs beside the others. */
static inline void fuzz_idx_gz(const uint8_t *d, size_t n) {
    char path[64], cmd[96];
    snprintf(path, sizeof path, "/tmp/tg_fuzz_idx_gz_%ld.gz", (long)getpid());
    snprintf(cmd, sizeof cmd, "gzip -1 -c > %s", path);
    FILE *p = popen(cmd, "w");
    if (!p) return;
    fwrite(d, 1, n, p);
    if (pclose(p) != 0) return;
    size_t live = tg_alloc_live();
    tg_idx a, b;
    tg_status sa = tg_idx_read(path, &a), sb = tg_idx_parse(d, n, "m", &b);
    unlink(path);
    FUZZ_ASSERT((sa == TG_OK) == (sb == TG_OK), "gzipped read %s, memory parse %s: %s",
                tg_status_name(sa), tg_status_name(sb), tg_last_error());
    if (sa != TG_OK) {
        FUZZ_ASSERT(fuzz_all_zero(&a, sizeof a), "tg_idx_read: struct not zeroed on error");
    } else {
        FUZZ_ASSERT(a.size == b.size && a.rank == b.rank && memcmp(a.data, b.data, a.size) == 0,
                    "gzipped read differs from the memory parse");
    }
    tg_idx_free(&a);
    tg_idx_free(&b);
    FUZZ_ASSERT(tg_alloc_live() == live, "tg_idx_read (gzip): %zu allocations leaked", tg_alloc_live() - live);
}

/* ---- CSV: tg_csv_parse, with three column selections ---- */
static inline void fuzz_csv_one(const uint8_t *d, size_t n, const char *const *cols, int n_cols) {
    size_t live = tg_alloc_live();
    tg_csv c;
    tg_status st = tg_csv_parse((const char *)d, n, "fuzz", cols, n_cols, &c);
    if (st != TG_OK) {
        fuzz_check_error(st, "tg_csv_parse");
        FUZZ_ASSERT(fuzz_all_zero(&c, sizeof c), "tg_csv_parse: struct not zeroed on error");
    } else {
        FUZZ_ASSERT(c.rows >= 1 && c.cols >= 1 && c.values && c.names, "rows %d cols %d", c.rows, c.cols);
        if (cols) FUZZ_ASSERT(c.cols == n_cols, "cols %d, selected %d", c.cols, n_cols);
        for (int k = 0; k < c.cols; k++) {
            if (cols) FUZZ_ASSERT(strcmp(c.names[k], cols[k]) == 0, "name %d '%s'", k, c.names[k]);
            int at = tg_csv_column(&c, c.names[k]);
            FUZZ_ASSERT(at >= 0 && at <= k, "tg_csv_column('%s') = %d", c.names[k], at);
        }
        /* Every value comes from the text: finite. Reading them all also lets ASan
         * check that the buffer really holds rows * cols doubles. */
        for (size_t i = 0; i < (size_t)c.rows * (size_t)c.cols; i++)
            FUZZ_ASSERT(isfinite(c.values[i]), "value %zu is %g", i, c.values[i]);
    }
    tg_csv_free(&c);
    tg_csv_free(&c);
    FUZZ_ASSERT(tg_alloc_live() == live, "tg_csv_parse: %zu allocations leaked", tg_alloc_live() - live);
}

static inline void fuzz_csv(const uint8_t *d, size_t n) {
    static const char *const one[] = {"x"};
    static const char *const two[] = {"y", "x"};
    fuzz_csv_one(d, n, NULL, 0);
    fuzz_csv_one(d, n, one, 1);
    fuzz_csv_one(d, n, two, 2);
}

/* ---- text: tg_text_from ---- */
static inline void fuzz_text(const uint8_t *d, size_t n) {
    size_t live = tg_alloc_live();
    tg_text x;
    tg_status st = tg_text_from(d, n, "fuzz", &x);
    if (st != TG_OK) {
        fuzz_check_error(st, "tg_text_from");
        FUZZ_ASSERT(fuzz_all_zero(&x, sizeof x), "tg_text_from: struct not zeroed on error");
        FUZZ_ASSERT(n == 0, "tg_text_from failed on %zu bytes: %s", n, tg_last_error());
    } else {
        FUZZ_ASSERT(x.n == n && x.bytes && x.ids && x.bytes[n] == 0, "n %zu of %zu", x.n, n);
        FUZZ_ASSERT(x.vocab_size >= 1 && x.vocab_size <= 256, "vocab %d", x.vocab_size);
        for (int v = 1; v < x.vocab_size; v++)
            FUZZ_ASSERT(x.vocab[v - 1] < x.vocab[v], "vocab not increasing at %d", v);
        for (size_t i = 0; i < n; i++) {
            int id = x.ids[i];
            FUZZ_ASSERT(id >= 0 && id < x.vocab_size && x.vocab[id] == d[i] && x.index[d[i]] == id,
                        "id %d at byte %zu", id, i);
        }
    }
    tg_text_free(&x);
    tg_text_free(&x);
    FUZZ_ASSERT(tg_alloc_live() == live, "tg_text_from: %zu allocations leaked", tg_alloc_live() - live);
}

/* ---- checkpoint: tg_checkpoint_load_mem into a fixed small model ----
 * The model: "w" (2,3), "b" (3) and an optimizer-like "optim.step" (rank 0), in two
 * lists as a training program passes them. fuzz/make_seeds.c saves exactly this model
 * (float and double files), so the fuzzer starts from valid checkpoints. */
#define FUZZ_CKPT_N 3
static tg_tensor *fuzz_ckpt_t[FUZZ_CKPT_N];
static tg_params fuzz_ckpt_model, fuzz_ckpt_state;

/* Makes the model once (it lives until the process exits, or fuzz_ckpt_free). */
static inline void fuzz_ckpt_init(void) {
    if (fuzz_ckpt_t[0]) return;
    fuzz_ckpt_t[0] = tg_param_new("w", 2, (int[]){2, 3});
    fuzz_ckpt_t[1] = tg_param_new("b", 1, (int[]){3});
    fuzz_ckpt_t[2] = tg_param_new("optim.step", 0, NULL);
    tg_params_add(&fuzz_ckpt_model, fuzz_ckpt_t[0]);
    tg_params_add(&fuzz_ckpt_model, fuzz_ckpt_t[1]);
    tg_params_add(&fuzz_ckpt_state, fuzz_ckpt_t[2]);
}

static inline void fuzz_ckpt_free(void) {
    for (int i = 0; i < FUZZ_CKPT_N; i++) {
        tg_tensor_free(fuzz_ckpt_t[i]);
        fuzz_ckpt_t[i] = NULL;
    }
    tg_params_free(&fuzz_ckpt_model);
    tg_params_free(&fuzz_ckpt_state);
}

/* The model's values: 0.25 * (k+1), a pattern no valid seed file holds. */
static inline void fuzz_ckpt_fill(void) {
    int k = 0;
    for (int i = 0; i < FUZZ_CKPT_N; i++)
        for (size_t e = 0; e < fuzz_ckpt_t[i]->size; e++) fuzz_ckpt_t[i]->data[e] = (tg_real)(0.25 * ++k);
}

static inline int fuzz_ckpt_unchanged(void) {
    int k = 0;
    for (int i = 0; i < FUZZ_CKPT_N; i++)
        for (size_t e = 0; e < fuzz_ckpt_t[i]->size; e++)
            if (fuzz_ckpt_t[i]->data[e] != (tg_real)(0.25 * ++k)) return 0;
    return 1;
}

static inline void fuzz_checkpoint_once(const uint8_t *d, size_t n) {
    const tg_params *lists[2] = {&fuzz_ckpt_model, &fuzz_ckpt_state};
    /* Two list configurations: the whole model, and no tensors at all (only a file
     * with zero tensors loads then; its meta words are read). */
    for (int cfg = 0; cfg < 2; cfg++) {
        fuzz_ckpt_fill();
        tg_checkpoint_meta meta;
        memset(&meta, 0xA5, sizeof meta);
        tg_checkpoint_meta before = meta;
        size_t live = tg_alloc_live();
        tg_status st = tg_checkpoint_load_mem(d, n, "fuzz", cfg == 0 ? lists : NULL,
                                              cfg == 0 ? 2 : 0, &meta);
        FUZZ_ASSERT(tg_alloc_live() == live, "tg_checkpoint_load_mem: %zu allocations leaked",
                    tg_alloc_live() - live);
        if (st != TG_OK) {
            fuzz_check_error(st, "tg_checkpoint_load");
            FUZZ_ASSERT(fuzz_ckpt_unchanged(), "a failed load changed the model: %s", tg_last_error());
            FUZZ_ASSERT(memcmp(&meta, &before, sizeof meta) == 0, "a failed load changed the meta");
        } else {
            FUZZ_ASSERT(meta.n >= 0 && meta.n <= TG_CHECKPOINT_META_MAX, "meta.n %d", meta.n);
            if (cfg == 1) FUZZ_ASSERT(fuzz_ckpt_unchanged(), "an empty load changed the model");
            FUZZ_ASSERT(n >= 28, "a %zu-byte file loaded", n);
        }
    }
}

/* The input as it is, then (if it has room for one) with its last 8 bytes replaced by
 * the right checksum of the rest: random mutations nearly always break the FNV-1a
 * checksum, and only a file that passes it reaches the name and shape matching and
 * the dtype conversion, so the second call lets the fuzzer explore those too. */
static inline void fuzz_checkpoint(const uint8_t *d, size_t n) {
    fuzz_ckpt_init();
    FUZZ_ASSERT(fuzz_ckpt_t[2] != NULL, "cannot make the model: %s", tg_last_error());
    fuzz_checkpoint_once(d, n);
    if (n < 28) return;
    uint8_t *c = malloc(n);
    if (!c) return;
    memcpy(c, d, n);
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < n - 8; i++) h = (h ^ c[i]) * 0x100000001b3u;
    for (int k = 0; k < 8; k++) c[n - 8 + k] = (uint8_t)(h >> (8 * k));
    fuzz_checkpoint_once(c, n);
    free(c);
}

#endif
