/* softmax.c — softmax and log-softmax along the LAST axis.
 *
 * Shapes: x of any rank >= 1, viewed as R rows of C = shape[rank-1] contiguous
 * elements (R = size / C); y has x's shape. Rank 0 has no last axis: an error.
 *
 * Stability: both subtract the row maximum m before exponentiating, so every
 * exponent is <= 0 and the largest term is exactly e^0 = 1; the row sum s lies in
 * [1, C] and never overflows or vanishes, whatever the magnitude of x (rows holding
 * +-1e4 or FLT_MAX give an exact one-hot softmax and log-softmax 0 and -(m - x_j)).
 * Sums, differences and logs are taken in double and rounded to tg_real once; the
 * softmax's exponentials come from the vectorised exp of vmath.h (tg__vexp: in the
 * float build within an ulp of e^(x_j - m), m subtracted in tg_real), the hot path
 * of attention.
 *
 * The softmax sums over ALL j of the row, e^{x_i} / sum_j e^{x_j}; the activation table
 * of the lecture notes on neural networks (FFNN, MLP) writes sum_{j != i}, a typo (the
 * outputs would not sum to 1).
 *
 * Notation as unary.c: y = out->data, g = out->grad (dL/dy), dx = in[0]->grad.
 * Nothing is saved in the arena: backward needs only y (for log-softmax the softmax
 * is recovered as e^y).
 */
#include <math.h>
#include <tg/vmath.h>
#include "ops_private.h"

/* Shape rule of both ops: rank >= 1, y has x's shape. */
tg_status tg__infer_softmax(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    if (n->in[0]->rank < 1)
        return tg_tape_fail(t, TG_ERR_SHAPE,
                            "%s: input must have rank >= 1 (it works along the last axis): got shape ()",
                            n->op->name);
    return tg__infer_same(t, n, rank, shape);
}

static tg_tensor *softmax_apply(tg_tape *t, const tg_op *op, tg_tensor *x) {
    return tg_apply(t, op, &x, 1, NULL);
}

/* Row length C and row count R of the node's input. */
static size_t row_len(const tg_node *n) { return (size_t)n->in[0]->shape[n->in[0]->rank - 1]; }

/* softmax: y_j = e^{x_j - m} / s, s = sum_k e^{x_k - m}, m = max_k x_k (per row).
 * dy_j/dx_i = y_j ([i = j] - y_i), so dx_i += y_i (g_i - sum_j g_j y_j). */
tg_status tg__softmax_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    size_t c = row_len(n), rows = n->out->size / c;
    for (size_t r = 0; r < rows; r++) {
        const tg_real *x = n->in[0]->data + r * c;
        tg_real *y = n->out->data + r * c;
        tg_real m = x[0]; /* the maximum, taken with > as tg__row_sumexp: NaN stays NaN */
        for (size_t j = 1; j < c; j++) m = x[j] > m ? x[j] : m;
        /* e_j = e^(x_j - m) by the vectorised exp (vmath.h), each in (0, 1] and the
         * largest exactly 1, so s = sum_j e_j (in double) lies in [1, C]; NaN, an
         * infinite maximum (inf - inf) or an all -inf row give NaN everywhere */
        for (size_t j = 0; j < c; j++) y[j] = x[j] - m;
        tg__vexp(c, y, y);
        double s = 0;
        for (size_t j = 0; j < c; j++) s += y[j];
        for (size_t j = 0; j < c; j++) y[j] = (tg_real)((double)y[j] / s);
    }
    return TG_OK;
}
void tg__softmax_bwd(tg_node *n) {
    tg_real *dx = n->in[0]->grad;
    if (!dx) return;
    size_t c = row_len(n), rows = n->out->size / c;
    for (size_t r = 0; r < rows; r++) {
        const tg_real *y = n->out->data + r * c, *g = n->out->grad + r * c;
        double gy = 0; /* sum_j g_j y_j */
        for (size_t j = 0; j < c; j++) gy += (double)g[j] * y[j];
        for (size_t j = 0; j < c; j++) dx[r * c + j] += (tg_real)(y[j] * ((double)g[j] - gy));
    }
}
tg_tensor *tg_softmax(tg_tape *t, tg_tensor *x) { return softmax_apply(t, &tg__op_softmax, x); }

/* log_softmax: y_j = (x_j - m) - ln s (per row, m and s as above).
 * dy_j/dx_i = [i = j] - softmax_i, so dx_i += g_i - e^{y_i} sum_j g_j. */
tg_status tg__log_softmax_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    size_t c = row_len(n), rows = n->out->size / c;
    for (size_t r = 0; r < rows; r++) {
        const tg_real *x = n->in[0]->data + r * c;
        tg_real *y = n->out->data + r * c;
        double m, ls = log(tg__row_sumexp(x, c, &m)); /* in [0, ln C] */
        for (size_t j = 0; j < c; j++) y[j] = (tg_real)(((double)x[j] - m) - ls);
    }
    return TG_OK;
}
void tg__log_softmax_bwd(tg_node *n) {
    tg_real *dx = n->in[0]->grad;
    if (!dx) return;
    size_t c = row_len(n), rows = n->out->size / c;
    for (size_t r = 0; r < rows; r++) {
        const tg_real *y = n->out->data + r * c, *g = n->out->grad + r * c;
        double gs = 0; /* sum_j g_j */
        for (size_t j = 0; j < c; j++) gs += g[j];
        for (size_t j = 0; j < c; j++) dx[r * c + j] += (tg_real)((double)g[j] - exp((double)y[j]) * gs);
    }
}
tg_tensor *tg_log_softmax(tg_tape *t, tg_tensor *x) {
    return softmax_apply(t, &tg__op_log_softmax, x);
}

/* ---- graph forms (registry.h, `graph`): the kernels' formulas as ops, the row sums
 * by tg_sum_axis (in double, left to right, as the kernels sum). */
/* dx = y (g - sum_j(g y)) */
tg_status tg__softmax_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    tg_tensor *y = n->out;
    if (tg__needs(n, 0))
        dx[0] = tg_mul(t, y, tg_sub(t, g, tg_sum_axis(t, tg_mul(t, g, y), -1, true)));
    return tg__graph_status(t);
}
/* dx = g - e^y sum_j(g) */
tg_status tg__log_softmax_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    tg_tensor *y = n->out;
    if (tg__needs(n, 0))
        dx[0] = tg_sub(t, g, tg_mul(t, tg_exp(t, y), tg_sum_axis(t, g, -1, true)));
    return tg__graph_status(t);
}
