/* test_conv_fused.c — the fused convolution (tg_conv2d, tg_conv2d_bias, tg_conv1d,
 * tg_conv1d_bias) on many random geometries (stride, padding, dilation, non-square
 * kernels, 1 and several channels, with and without bias, products whose inner
 * dimension passes the GEMM's K-blocking):
 *   - its values are the composition's (unfold, [W2 b], tg_matmul_t, reshape), bit for
 *     bit in the double build;
 *   - its kernel and its graph form give the same gradients bit for bit (double);
 *   - its gradients are the composition's (1e-12 relative in double);
 *   - the arena holds one image's columns for it, not the batch's, and what a node
 *     keeps is exactly the documented bound. */
#include <stdlib.h>
#include "check.h"

typedef struct {
    int dims, N, C, Cout, H, W, k[2], s[2], p[2], d[2];
    bool bias;
} geo;

/* The op under test on in = {x, W, b}. */
static tg_tensor *fused(tg_tape *t, tg_tensor *const *in, void *u) {
    const geo *q = u;
    if (q->dims == 2)
        return q->bias ? tg_conv2d_bias(t, in[0], in[1], in[2], q->s, q->p, q->d) : tg_conv2d(t, in[0], in[1], q->s, q->p, q->d);
    return q->bias ? tg_conv1d_bias(t, in[0], in[1], in[2], q->s[1], q->p[1], q->d[1])
                   : tg_conv1d(t, in[0], in[1], q->s[1], q->p[1], q->d[1]);
}

/* The composition the fused op stands for. */
static tg_tensor *composed(tg_tape *t, tg_tensor *const *in, void *u) {
    const geo *q = u;
    tg_tensor *cols;
    if (q->dims == 2)
        cols = q->bias ? tg_unfold2d_ones(t, in[0], q->k, q->s, q->p, q->d) : tg_unfold2d(t, in[0], q->k, q->s, q->p, q->d);
    else
        cols = q->bias ? tg_unfold1d_ones(t, in[0], q->k[1], q->s[1], q->p[1], q->d[1])
                       : tg_unfold1d(t, in[0], q->k[1], q->s[1], q->p[1], q->d[1]);
    if (!cols) return NULL;
    int R = q->C * q->k[0] * q->k[1];
    tg_tensor *wb = tg_reshape(t, in[1], 2, (int[]){q->Cout, R});
    if (q->bias) wb = tg_concat(t, (tg_tensor *[]){wb, tg_reshape(t, in[2], 2, (int[]){q->Cout, 1})}, 2, 1);
    tg_tensor *y = tg_matmul_t(t, wb, cols, false, false);
    int OH = q->dims == 2 ? (q->H + 2 * q->p[0] - q->d[0] * (q->k[0] - 1) - 1) / q->s[0] + 1 : 1;
    int OW = (q->W + 2 * q->p[1] - q->d[1] * (q->k[1] - 1) - 1) / q->s[1] + 1;
    return q->dims == 2 ? tg_reshape(t, y, 4, (int[]){q->N, q->Cout, OH, OW}) : tg_reshape(t, y, 3, (int[]){q->N, q->Cout, OW});
}

static int pick(tg_rng *g, int lo, int hi) { return lo + (int)(tg_rng_u64(g) % (uint64_t)(hi - lo + 1)); }

/* A random geometry whose kernel fits; `big` gives 2-D outputs of more than 256
 * positions (the inner dimension of the weight gradient's product passes KC). */
static geo random_geo(tg_rng *g, bool big) {
    geo q = {.dims = big ? 2 : pick(g, 1, 2), .N = pick(g, big ? 2 : 1, 3), .C = pick(g, 1, 3), .Cout = pick(g, 1, 4)};
    q.bias = tg_rng_u64(g) & 1;
    for (int a = 0; a < 2; a++) {
        bool on = q.dims == 2 || a == 1;
        q.k[a] = on ? pick(g, 1, 3) : 1;
        q.s[a] = on ? big ? 1 : pick(g, 1, 3) : 1;
        q.p[a] = on ? pick(g, 0, 2) : 0;
        q.d[a] = on ? pick(g, 1, 2) : 1;
        int span = q.d[a] * (q.k[a] - 1) + 1, lo = span - 2 * q.p[a] > 1 ? span - 2 * q.p[a] : 1;
        int in = on ? big ? pick(g, 17, 20) : pick(g, lo, lo + 6) : 1;
        if (a == 0) q.H = in;
        else q.W = in;
    }
    return q;
}

/* x, W, b for q (b always made; used with q->bias). */
static void make_inputs(tg_rng *g, const geo *q, tg_tensor *in[3]) {
    if (q->dims == 2) {
        in[0] = check_input(g, 4, (int[]){q->N, q->C, q->H, q->W}, -2, 2);
        in[1] = check_input(g, 4, (int[]){q->Cout, q->C, q->k[0], q->k[1]}, -2, 2);
    } else {
        in[0] = check_input(g, 3, (int[]){q->N, q->C, q->W}, -2, 2);
        in[1] = check_input(g, 3, (int[]){q->Cout, q->C, q->k[1]}, -2, 2);
    }
    in[2] = check_input(g, 1, (int[]){q->Cout}, -2, 2);
}

static bool same_bits(const tg_real *a, const tg_real *b, size_t n, size_t *at) {
    volatile tg_real zero = 0;
    for (size_t j = 0; j < n; j++) {
        tg_real v = zero + b[j];
#if TG_REAL_IS_DOUBLE
        if (memcmp(&v, &a[j], sizeof v) != 0) {
#else
        if (fabs((double)v - a[j]) > 1e-5 * (1 + fabs((double)a[j]))) {
#endif
            *at = j;
            return false;
        }
    }
    return true;
}

static double max_rel(const tg_real *a, const tg_real *b, size_t n) {
    double m = 0, top = 1e-300;
    for (size_t j = 0; j < n; j++) top = fabs((double)b[j]) > top ? fabs((double)b[j]) : top;
    for (size_t j = 0; j < n; j++) m = fmax(m, fabs((double)a[j] - b[j]) / top);
    return m;
}

static void check_geo(const geo *q, tg_rng *g, int id) {
    tg_tensor *in[3];
    make_inputs(g, q, in);
    int n_in = q->bias ? 3 : 2;
    char label[160];
    snprintf(label, sizeof label, "geometry %d: %dd N %d C %d Cout %d in %dx%d k %dx%d s %dx%d p %dx%d d %dx%d%s", id,
             q->dims, q->N, q->C, q->Cout, q->H, q->W, q->k[0], q->k[1], q->s[0], q->s[1], q->p[0], q->p[1], q->d[0],
             q->d[1], q->bias ? " bias" : "");
    tg_tape *t = tg_tape_new();
    tg_tensor *y = fused(t, in, (void *)q), *yc = composed(t, in, (void *)q);
    CHECK(y && yc && y->size == yc->size && y->rank == yc->rank, "%s: both forms run: %s", label, tg_tape_message(t));
    if (!y || !yc || y->size != yc->size) {
        tg_tape_free(t);
        for (int k = 0; k < 3; k++) tg_tensor_free(in[k]);
        return;
    }
    size_t at = 0;
    CHECK(same_bits(yc->data, y->data, y->size, &at), "%s: values differ from the composition at %zu", label, at);
    /* kernel and graph form for one upstream gradient */
    tg_node *nd = y->node;
    tg_tensor *gy = tg_tape_tensor(t, y->rank, y->shape, NULL, 0);
    for (size_t j = 0; j < gy->size; j++) gy->data[j] = (tg_real)(tg_rng_uniform(g) * 4 - 2);
    y->grad = tg_tape_alloc(t, y->size * sizeof(tg_real));
    memcpy(y->grad, gy->data, y->size * sizeof(tg_real));
    for (int k = 0; k < 3; k++) tg_tensor_zero_grad(in[k]);
    nd->op->backward(nd);
    tg_real *kern[3];
    for (int k = 0; k < n_in; k++) {
        kern[k] = tg_tape_alloc(t, in[k]->size * sizeof(tg_real));
        memcpy(kern[k], in[k]->grad, in[k]->size * sizeof(tg_real));
    }
    tg_tensor *dx[3] = {0};
    CHECK(nd->op->backward_graph(t, nd, gy, dx) == TG_OK, "%s: graph form: %s", label, tg_tape_message(t));
    for (int k = 0; k < n_in; k++)
        CHECK(dx[k] && dx[k]->size == in[k]->size && same_bits(kern[k], dx[k]->data, in[k]->size, &at),
              "%s: kernel and graph form differ for input %d (element %zu)", label, k + 1, at);
    /* the composition's gradients, through its own kernels */
    tg_tape_free(t);
    t = tg_tape_new();
    for (int k = 0; k < 3; k++) tg_tensor_zero_grad(in[k]);
    yc = composed(t, in, (void *)q);
    tg_tensor *seed = tg_tape_tensor(t, yc->rank, yc->shape, NULL, 0);
    tg_rng gs;
    tg_rng_seed(&gs, 77 + (uint64_t)id);
    for (size_t j = 0; j < seed->size; j++) seed->data[j] = (tg_real)(tg_rng_uniform(&gs) * 4 - 2);
    CHECK(tg_backward(t, yc, seed) == TG_OK, "%s: composition backward: %s", label, tg_tape_message(t));
    tg_real *want[3];
    for (int k = 0; k < n_in; k++) {
        want[k] = tg_tape_alloc(t, in[k]->size * sizeof(tg_real));
        memcpy(want[k], in[k]->grad, in[k]->size * sizeof(tg_real));
        tg_tensor_zero_grad(in[k]);
    }
    y = fused(t, in, (void *)q);
    CHECK(tg_backward(t, y, seed) == TG_OK, "%s: fused backward: %s", label, tg_tape_message(t));
    for (int k = 0; k < n_in; k++) {
        double e = max_rel(in[k]->grad, want[k], in[k]->size);
        CHECK(e <= (TG_REAL_IS_DOUBLE ? 1e-12 : 1e-5), "%s: input %d's gradient is the composition's (%.3g)", label,
              k + 1, e);
    }
    tg_tape_free(t);
    for (int k = 0; k < 3; k++) tg_tensor_free(in[k]);
}

/* What one fused node keeps in the arena beyond its output: one image's columns,
 * [W b] and the two weight-gradient blocks, and a few hundred bytes of bookkeeping;
 * the composition keeps the batch's columns. */
static void check_arena(void) {
    geo q = {.dims = 2, .N = 16, .C = 4, .Cout = 6, .H = 14, .W = 14, .k = {3, 3}, .s = {1, 1}, .p = {1, 1},
             .d = {1, 1}, .bias = true};
    tg_rng g;
    tg_rng_seed(&g, 9);
    tg_tensor *in[3];
    make_inputs(&g, &q, in);
    size_t R1 = (size_t)q.C * 9 + 1, L = 14 * 14, out = (size_t)q.N * q.Cout * L * sizeof(tg_real);
    size_t cols = R1 * L * sizeof(tg_real), blocks = 3 * (size_t)q.Cout * R1 * sizeof(tg_real);
    tg_tape *t = tg_tape_new();
    size_t before = tg_tape_arena_used(t);
    tg_tensor *y = fused(t, in, &q);
    size_t node = tg_tape_arena_used(t) - before;
    CHECK(y && node >= out + cols && node <= out + cols + blocks + 1024,
          "a fused node holds its output (%zu bytes) and one image's columns (%zu) plus [W b] and the weight "
          "gradient's blocks (%zu): %zu bytes",
          out, cols, blocks, node);
    tg_tape_reset(t);
    before = tg_tape_arena_used(t);
    CHECK(composed(t, in, &q) != NULL, "the composition runs");
    size_t comp = tg_tape_arena_used(t) - before;
    CHECK(comp >= out + (size_t)q.N * cols, "the composition holds the batch's columns (%zu bytes, %zu)", comp,
          (size_t)q.N * cols);
    /* the backward allocates only the gradients of the output and of the step's tensors */
    tg_tape_reset(t);
    y = fused(t, in, &q);
    before = tg_tape_arena_used(t);
    CHECK(tg_backward(t, y, tg_tape_full(t, y->rank, y->shape, 1)) == TG_OK, "backward: %s", tg_tape_message(t));
    size_t bwd = tg_tape_arena_used(t) - before;
    CHECK(bwd <= 2 * out + 1024, "the fused backward needs no more than the output's gradient and seed (%zu bytes)",
          bwd);
    tg_tape_free(t);
    for (int k = 0; k < 3; k++) tg_tensor_free(in[k]);
}

int main(void) {
    tg_rng g;
    tg_rng_seed(&g, 2026);
    for (int i = 0; i < 120; i++) {
        geo q = random_geo(&g, i >= 112);
        check_geo(&q, &g, i);
    }
    check_arena();
    return check_done();
}
