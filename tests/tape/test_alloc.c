/* test_alloc.c — the memory model: after the first step of a training loop, no
 * allocation at all (the allocation counter stays flat) and the arena stays the same
 * size, over 1,000 steps of a small MLP with every kind of op the layers use, and over
 * 100 steps of a decoder-only Transformer as examples/chartransformer trains it
 * (embedding, positions, causal pre-norm blocks with dropout, layer norm, head,
 * cross-entropy, gradient clipping, AdamW). */
#include <stdint.h>
#include <string.h>
#include <tg/core.h>
#include "check.h"

/* One step of a 4-8-3 MLP on a batch of 5 with softmax cross-entropy, plus a few
 * other ops so their saved data is exercised; plain SGD update. */
static tg_status step(tg_tape *t, tg_tensor *W1, tg_tensor *b1, tg_tensor *W2, tg_tensor *b2,
                      const tg_real *xs, const int *labels, double *loss_out) {
    tg_tape_reset(t);
    tg_tensor *x = tg_tape_tensor(t, 2, (int[]){5, 4}, xs, 0);
    tg_tensor *h = tg_tanh(t, tg_add(t, tg_matmul(t, x, W1), b1));
    tg_tensor *z = tg_add(t, tg_matmul(t, h, W2), b2);
    tg_tensor *ce = tg_cross_entropy(t, z, labels);
    tg_tensor *extra = tg_mean(t, tg_max_axis(t, tg_softmax(t, z), 1, false));
    tg_tensor *loss = tg_add(t, ce, tg_mul_scalar(t, extra, (tg_real)0.01));
    tg_status st = tg_backward(t, loss, NULL);
    if (st != TG_OK) return st;
    *loss_out = (double)tg_item(loss);
    tg_tensor *ps[4] = {W1, b1, W2, b2};
    for (int k = 0; k < 4; k++) {
        for (size_t i = 0; i < ps[k]->size; i++) ps[k]->data[i] -= (tg_real)0.1 * ps[k]->grad[i];
        tg_tensor_zero_grad(ps[k]);
    }
    return TG_OK;
}

/* The Transformer loop: vocabulary 7, d 8, 2 heads, 2 blocks, 3 windows of 6. */
static void test_transformer_loop(void) {
    enum { V = 7, D = 8, B = 3, T = 6 };
    tg_rng g;
    tg_rng_seed(&g, 21);
    tg_block_config cfg = {.dim = D, .heads = 2, .ff_dim = 16, .dropout = 0.1, .act = TG_FF_GELU,
                           .norm_first = true, .eps = 1e-5};
    tg_embedding *emb = tg_embedding_new("emb", V, D, &g);
    tg_pos_embedding *pos = tg_pos_embedding_new("pos", T, D, &g);
    tg_block *blk[2] = {tg_block_new("b0", &cfg, false, &g), tg_block_new("b1", &cfg, false, &g)};
    tg_layer_norm *ln = tg_layer_norm_new("ln", D, 1e-5, true);
    tg_linear *head = tg_linear_new("head", D, V, TG_INIT_TORCH, &g);
    tg_params ps = {0};
    CHECK(emb && pos && blk[0] && blk[1] && ln && head && tg_embedding_params(emb, &ps) == TG_OK &&
          tg_pos_embedding_params(pos, &ps) == TG_OK && tg_block_params(blk[0], &ps) == TG_OK &&
          tg_block_params(blk[1], &ps) == TG_OK && tg_layer_norm_params(ln, &ps) == TG_OK &&
          tg_linear_params(head, &ps) == TG_OK, "Transformer built: %s", tg_last_error());
    tg_adam_opts ao = tg_adamw_defaults();
    ao.lr = 3e-3;
    tg_optim *opt = tg_adamw_new(&ps, &ao);
    tg_tape *t = tg_tape_new();
    int xs[B * T], ys[B * T];
    size_t allocs = 0, live = 0, arena = 0;
    double first = 0, last = 0;
    int failures = 0;
    for (int s = 0; s < 101 && opt && t; s++) {
        for (int i = 0; i < B * T; i++) xs[i] = (i * 3 + i / T) % V, ys[i] = (xs[i] + 1) % V;
        tg_tape_reset(t);
        tg_tensor *x = tg_reshape(t, tg_embedding_forward(t, emb, xs, B * T), 3, (int[]){B, T, D});
        x = tg_dropout(t, tg_pos_embedding_forward(t, pos, x), (tg_real)0.1, &g, true);
        for (int l = 0; l < 2; l++) x = tg_encoder_forward(t, blk[l], x, NULL, true, &g, true);
        x = tg_reshape(t, tg_layer_norm_forward(t, ln, x), 2, (int[]){B * T, D});
        tg_tensor *loss = tg_cross_entropy(t, tg_linear_forward(t, head, x), ys);
        tg_optim_zero_grad(opt);
        failures += !loss || tg_backward(t, loss, NULL) != TG_OK;
        tg_clip_grad_norm(&ps, 1.0, 2.0, NULL);
        failures += tg_optim_step(opt) != TG_OK;
        double l = loss ? (double)tg_item(loss) : NAN;
        if (s == 0) {
            first = l;
            allocs = tg_alloc_count(), live = tg_alloc_live(), arena = tg_tape_arena_bytes(t);
        }
        last = l;
    }
    CHECK(failures == 0, "%d Transformer steps failed: %s", failures, tg_tape_message(t));
    size_t grew = tg_alloc_count() - allocs;
    printf("Transformer: allocations during 100 steps after the first: %zu (arena %zu -> %zu bytes)\n",
           grew, arena, tg_tape_arena_bytes(t));
    CHECK(grew == 0, "%zu allocations in the steady Transformer loop", grew);
    CHECK(tg_alloc_live() == live, "live allocations flat in the Transformer loop");
    CHECK(tg_tape_arena_bytes(t) == arena, "arena size flat in the Transformer loop");
    CHECK(last < first, "the Transformer loop trains: loss %g -> %g", first, last);
    tg_tape_free(t);
    tg_optim_free(opt);
    tg_params_free(&ps);
    tg_embedding_free(emb);
    tg_pos_embedding_free(pos);
    tg_block_free(blk[0]);
    tg_block_free(blk[1]);
    tg_layer_norm_free(ln);
    tg_linear_free(head);
}

/* tg__malloc_large, the arena's allocator: below TG__HUGE_BYTES the block asked for;
 * from there up (on Linux, for transparent huge pages) a block aligned to and rounded
 * up to a multiple of TG__HUGE_BYTES, whose size it reports; counted, freed by
 * tg__free, and failing like every allocation (NULL, size untouched). A tape that
 * needs 3 MiB gets one chunk of 4 MiB, all of it (but the chunk's header) its arena. */
static void test_large_blocks(void) {
    size_t live = tg_alloc_live(), n = 1000;
    unsigned char *p = tg__malloc_large(&n);
    CHECK(p && n == 1000 && tg_alloc_live() == live + 1, "a small block: %zu bytes", n);
    if (p) memset(p, 1, n);
    tg__free(p);
    size_t ask = ((size_t)3 << 20) + 5;
    n = ask;
    p = tg__malloc_large(&n);
#if defined(__linux__)
    CHECK(p && n == (size_t)4 << 20 && (uintptr_t)p % TG__HUGE_BYTES == 0,
          "a large block is aligned to and a multiple of %d bytes: %zu bytes at %p", (int)TG__HUGE_BYTES, n,
          (void *)p);
#else
    CHECK(p && n == ask, "a large block: %zu bytes", n);
#endif
    if (p) memset(p, 1, n), p[n - 1] = 2;
    tg__free(p);
    n = ask;
    tg__alloc_fail_after(1);
    p = tg__malloc_large(&n);
    tg__alloc_fail_after(0);
    CHECK(!p && n == ask, "a failed large block: NULL, the size untouched");
    CHECK(tg_alloc_live() == live, "large blocks freed: %zu live, %zu before", tg_alloc_live(), live);
    tg_tape *t = tg_tape_new();
    tg_tensor *x = tg_tape_tensor(t, 1, (int[]){(int)(((size_t)3 << 20) / sizeof(tg_real))}, NULL, 0);
    CHECK(x && tg_tape_arena_bytes(t) >= ((size_t)3 << 20),
          "a 3 MiB tensor on a fresh tape: arena %zu bytes", tg_tape_arena_bytes(t));
#if defined(__linux__)
    CHECK(tg_tape_arena_bytes(t) > ((size_t)4 << 20) - 4096 && tg_tape_arena_bytes(t) <= (size_t)4 << 20,
          "the chunk uses its whole 4 MiB block but the header: %zu bytes", tg_tape_arena_bytes(t));
#endif
    tg_tape_free(t);
}

int main(void) {
    test_large_blocks();
    tg_rng g;
    tg_rng_seed(&g, 9);
    tg_tensor *W1 = tg_param_new("W1", 2, (int[]){4, 8}), *b1 = tg_param_new("b1", 1, (int[]){8});
    tg_tensor *W2 = tg_param_new("W2", 2, (int[]){8, 3}), *b2 = tg_param_new("b2", 1, (int[]){3});
    tg_tensor_uniform(W1, &g, -0.5, 0.5);
    tg_tensor_uniform(W2, &g, -0.5, 0.5);
    tg_real xs[20];
    for (int i = 0; i < 20; i++) xs[i] = (tg_real)(tg_rng_uniform(&g) * 2 - 1);
    int labels[5] = {0, 1, 2, 1, 0};
    tg_tape *t = tg_tape_new();
    double first = 0, last = 0;
    CHECK(step(t, W1, b1, W2, b2, xs, labels, &first) == TG_OK, "first step: %s", tg_tape_message(t));
    size_t allocs = tg_alloc_count(), live = tg_alloc_live(), arena = tg_tape_arena_bytes(t);
    int failures = 0;
    for (int s = 0; s < 1000; s++) failures += step(t, W1, b1, W2, b2, xs, labels, &last) != TG_OK;
    CHECK(failures == 0, "%d steps failed: %s", failures, tg_tape_message(t));
    size_t grew = tg_alloc_count() - allocs;
    printf("allocations during 1,000 steps after the first: %zu (live %zu -> %zu; arena %zu -> %zu bytes)\n",
           grew, live, tg_alloc_live(), arena, tg_tape_arena_bytes(t));
    CHECK(grew == 0, "%zu allocations in the steady loop", grew);
    CHECK(tg_alloc_live() == live, "live allocations flat");
    CHECK(tg_tape_arena_bytes(t) == arena, "arena size flat");
    CHECK(last < first, "the loop trains: loss %g -> %g", first, last);
    tg_tape_free(t);
    tg_tensor_free(W1);
    tg_tensor_free(b1);
    tg_tensor_free(W2);
    tg_tensor_free(b2);
    test_transformer_loop();
    CHECK(tg_alloc_live() == 0, "everything freed: %zu live", tg_alloc_live());
    return check_done();
}
