/* test_alloc.c — the memory model: after the first step of a training loop, no
 * allocation at all (the allocation counter stays flat) and the arena stays the same
 * size, over 1,000 steps of a small MLP with every kind of op the layers use. */
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

int main(void) {
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
    CHECK(tg_alloc_live() == 0, "everything freed: %zu live", tg_alloc_live());
    return check_done();
}
