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
 * softmax's exponentials come from the vectorised exp of vmath.h for arguments <= 0
 * (tg__vexp_neg: in the float build within an ulp of e^(x_j - m), m subtracted in
 * tg_real), the hot path of attention.
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
#include <tg/rows8.h>
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

enum { LANES = 8, RB = 8 };

/* The maximum of x[0:c], taken with > in LANES running maxima that start at x[0]: the
 * largest value when the row has no NaN (a NaN is never taken; it reaches the softmax
 * through its own exponential). */
TG__CLONES static tg_real row_max(const tg_real *x, size_t c) {
    tg_real m[LANES];
    for (int l = 0; l < LANES; l++) m[l] = x[0];
    size_t j = 0;
    for (; j + LANES <= c; j += LANES)
        for (int l = 0; l < LANES; l++) m[l] = x[j + l] > m[l] ? x[j + l] : m[l];
    for (; j < c; j++) m[0] = x[j] > m[0] ? x[j] : m[0];
    for (int l = 1; l < LANES; l++) m[0] = m[l] > m[0] ? m[l] : m[0];
    return m[0];
}

/* y = x - m; returns nothing: the exponentials follow in place. */
TG__CLONES static void row_shift(const tg_real *x, tg_real m, tg_real *y, size_t c) {
    for (size_t j = 0; j < c; j++) y[j] = x[j] - m;
}

/* y /= sum_j y_j: the sum in double in LANES partial sums, each y_j then multiplied by
 * the sum's reciprocal in double and rounded once. */
TG__CLONES static void row_normalise(tg_real *y, size_t c) {
    double p[LANES] = {0};
    size_t j = 0;
    for (; j + LANES <= c; j += LANES)
        for (int l = 0; l < LANES; l++) p[l] += y[j + l];
    for (; j < c; j++) p[0] += y[j];
    double s = 0;
    for (int l = 0; l < LANES; l++) s += p[l];
    double inv = 1 / s;
    for (j = 0; j < c; j++) y[j] = (tg_real)((double)y[j] * inv);
}

void tg__softmax_rows(const tg_real *x, tg_real *y, size_t rows, size_t c) {
    for (size_t r = 0; r < rows; r++, x += c, y += c) {
        /* e_j = e^(x_j - m) by the vectorised exp (vmath.h), each in (0, 1] and the
         * largest exactly 1, so s = sum_j e_j (in double) lies in [1, C]; NaN, an
         * infinite maximum (inf - inf) or an all -inf row give NaN everywhere */
        row_shift(x, row_max(x, c), y, c);
        tg__vexp_neg(c, y, y);
        row_normalise(y, c);
    }
}

tg_status tg__softmax_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    size_t c = row_len(n);
    tg__softmax_rows(n->in[0]->data, n->out->data, n->out->size / c, c);
    return TG_OK;
}

/* gy[k] = sum_j g_j y_j of rows r0 .. r0 + nr - 1 (nr <= RB), each in double from left
 * to right (the order of tg_sum_axis, which the graph form uses): the rows' chains of
 * additions run side by side. */
TG__CLONES static void row_dots(const tg_real *g, const tg_real *y, size_t c, size_t nr, double *gy) {
    double s[RB] = {0};
    if (nr == RB) { /* eight columns at a time in vectors (rows8.h) */
        tg__rows8_dots(g, y, c, c, false, s);
    } else {
        for (size_t k = 0; k < nr; k++)
            for (size_t j = 0; j < c; j++) s[k] += (double)g[k * c + j] * y[k * c + j];
    }
    for (size_t k = 0; k < nr; k++) gy[k] = s[k];
}

/* dx = TG__Z + v when first (tg/store.h), else dx += v. */
TG__CLONES static void softmax_row_bwd(const tg_real *y, const tg_real *g, double gy, tg_real *dx, size_t c,
                                       bool first) {
    TG__GRAD_PUT(first, dx, c, j, (tg_real)(y[j] * ((double)g[j] - gy)));
}

void tg__softmax_rows_bwd(const tg_real *y, const tg_real *g, tg_real *dx, size_t rows, size_t c, bool first) {
    for (size_t r0 = 0; r0 < rows; r0 += RB) {
        size_t nr = rows - r0 < RB ? rows - r0 : RB;
        double gy[RB]; /* sum_j g_j y_j of each row */
        row_dots(g + r0 * c, y + r0 * c, c, nr, gy);
        for (size_t k = 0; k < nr; k++) {
            size_t o = (r0 + k) * c;
            softmax_row_bwd(y + o, g + o, gy[k], dx + o, c, first);
        }
    }
}

void tg__softmax_bwd(tg_node *n) {
    tg_real *dx = n->in[0]->grad;
    if (!dx) return;
    size_t c = row_len(n);
    bool first = tg__grad_first(n->in[0]);
    tg__softmax_rows_bwd(n->out->data, n->out->grad, dx, n->out->size / c, c, first);
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
    bool first = tg__grad_first(n->in[0]);
    for (size_t r = 0; r < rows; r++) {
        const tg_real *y = n->out->data + r * c, *g = n->out->grad + r * c;
        double gs = 0; /* sum_j g_j */
        for (size_t j = 0; j < c; j++) gs += g[j];
        TG__GRAD_PUT(first, dx + r * c, c, j, (tg_real)((double)g[j] - exp((double)y[j]) * gs));
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
