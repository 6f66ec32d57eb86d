/* wrong_ops.h — custom ops with deliberately wrong derivatives, for the tests that
 * prove the gradient check can fail (test code only). Each forward is right; each
 * backward carries one typical mistake. */
#ifndef TG_TEST_WRONG_OPS_H
#define TG_TEST_WRONG_OPS_H

#include <math.h>
#include <tapegrad.h>

static tg_status wo_same(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    (void)t;
    *rank = n->in[0]->rank;
    for (int i = 0; i < *rank; i++) shape[i] = n->in[0]->shape[i];
    return TG_OK;
}

/* y = tanh(x); dx += k g (1 - y^2), k = args.f[0] (1 is right); element args.i[0] - 1
 * (when args.i[0] > 0) gets k = args.f[1] instead. */
static tg_status wo_tanh_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    for (size_t i = 0; i < n->out->size; i++) n->out->data[i] = (tg_real)tanh((double)n->in[0]->data[i]);
    return TG_OK;
}
static void wo_tanh_bwd(tg_node *n) {
    for (size_t i = 0; i < n->out->size; i++) {
        double k = n->args.i[0] > 0 && (size_t)(n->args.i[0] - 1) == i ? n->args.f[1] : n->args.f[0];
        double y = n->out->data[i];
        n->in[0]->grad[i] += (tg_real)(k * n->out->grad[i] * (1 - y * y));
    }
}
static const tg_op wo_tanh = {"wrong_tanh", 1, 0, wo_same, wo_tanh_fwd, wo_tanh_bwd, NULL};

/* The same with "=" instead of "+=": a tensor read by several ops loses the other
 * contributions (missing accumulation on fan-out). */
static void wo_tanh_assign_bwd(tg_node *n) {
    for (size_t i = 0; i < n->out->size; i++) {
        double y = n->out->data[i];
        n->in[0]->grad[i] = (tg_real)(n->out->grad[i] * (1 - y * y));
    }
}
static const tg_op wo_tanh_assign = {"assign_tanh", 1, 0, wo_same, wo_tanh_fwd, wo_tanh_assign_bwd, NULL};

/* y = sin(x); dx += g cos(x), except dx += 0 where x == 0 exactly (true: g). */
static tg_status wo_sin_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    for (size_t i = 0; i < n->out->size; i++) n->out->data[i] = (tg_real)sin((double)n->in[0]->data[i]);
    return TG_OK;
}
static void wo_sin_bwd(tg_node *n) {
    for (size_t i = 0; i < n->out->size; i++) {
        double x = n->in[0]->data[i];
        n->in[0]->grad[i] += x == 0 ? 0 : (tg_real)(n->out->grad[i] * cos(x));
    }
}
static const tg_op wo_sin = {"wrong_sin_at_0", 1, 0, wo_same, wo_sin_fwd, wo_sin_bwd, NULL};

/* y = a + b with a (R,C) and b (C) broadcast over rows; db += g[0, :] only: the
 * broadcast reduction (the sum over rows) is missing. */
static tg_status wo_bias_infer(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    const tg_tensor *a = n->in[0], *b = n->in[1];
    if (a->rank != 2 || b->rank != 1 || b->shape[0] != a->shape[1])
        return tg_tape_fail(t, TG_ERR_SHAPE, "bias_add: need a (R,C) and b (C)");
    *rank = 2, shape[0] = a->shape[0], shape[1] = a->shape[1];
    return TG_OK;
}
static tg_status wo_bias_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    size_t C = (size_t)n->in[0]->shape[1];
    for (size_t i = 0; i < n->out->size; i++) n->out->data[i] = n->in[0]->data[i] + n->in[1]->data[i % C];
    return TG_OK;
}
static void wo_bias_bwd(tg_node *n) {
    size_t C = (size_t)n->in[0]->shape[1];
    if (n->in[0]->grad)
        for (size_t i = 0; i < n->out->size; i++) n->in[0]->grad[i] += n->out->grad[i];
    if (n->in[1]->grad)
        for (size_t j = 0; j < C; j++) n->in[1]->grad[j] += n->out->grad[j];
}
static const tg_op wo_bias = {"bias_add_unreduced", 2, 0, wo_bias_infer, wo_bias_fwd, wo_bias_bwd, NULL};

/* Y = A B for (n,n) matrices; dA += G B (should be G B^T: the transposed gradient),
 * dB += A^T G (right). */
static tg_status wo_mm_infer(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    const tg_tensor *a = n->in[0], *b = n->in[1];
    if (a->rank != 2 || b->rank != 2 || a->shape[0] != a->shape[1] ||
        b->shape[0] != a->shape[0] || b->shape[1] != a->shape[0])
        return tg_tape_fail(t, TG_ERR_SHAPE, "square_matmul: need two (n,n) matrices");
    *rank = 2, shape[0] = shape[1] = a->shape[0];
    return TG_OK;
}
static tg_status wo_mm_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    int N = n->in[0]->shape[0];
    const tg_real *A = n->in[0]->data, *B = n->in[1]->data;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            double s = 0;
            for (int k = 0; k < N; k++) s += (double)A[i * N + k] * B[k * N + j];
            n->out->data[i * N + j] = (tg_real)s;
        }
    return TG_OK;
}
static void wo_mm_bwd(tg_node *n) {
    int N = n->in[0]->shape[0];
    const tg_real *A = n->in[0]->data, *B = n->in[1]->data, *G = n->out->grad;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            double da = 0, db = 0;
            for (int k = 0; k < N; k++) {
                da += (double)G[i * N + k] * B[k * N + j];   /* G B: wrong, G B^T is right */
                db += (double)A[k * N + i] * G[k * N + j];   /* A^T G */
            }
            if (n->in[0]->grad) n->in[0]->grad[i * N + j] += (tg_real)da;
            if (n->in[1]->grad) n->in[1]->grad[i * N + j] += (tg_real)db;
        }
}
static const tg_op wo_mm = {"transposed_matmul", 2, 0, wo_mm_infer, wo_mm_fwd, wo_mm_bwd, NULL};

#endif
