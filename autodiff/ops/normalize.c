/* normalize.c — standardisation along the last axis, the statistics part of layer
 * normalisation (Ba, Kiros & Hinton, "Layer normalization", 2016) in one pass over
 * each row instead of the six ops of its composition (mean, difference, square,
 * mean, power, product) with their intermediate tensors.
 *
 * For each row x of the last axis (D = its length):
 *   m = mean(x),  v = mean((x - m)^2) (the population variance),
 *   r = (v + eps)^(-1/2),  y = (x - m) r.
 * dy_j/dx_i = (r / D) (D [i = j] - 1 - y_i y_j), so
 *   dx = r (g - mean(g) - y mean(g y)).
 *
 * The kernels take every step of that composition in its ops' order and precision:
 * means as tg_mean_axis takes them (a sum in double from left to right, times 1/D,
 * rounded to tg_real), the differences, squares and products in tg_real, r as
 * tg_pow_scalar(tg_add_scalar(v, eps), -0.5) computes it. The graph form records that
 * very composition, so the two agree to the last bit in the double build (what
 * tests/ops/test_optable.c checks). Speed comes from doing eight rows at a time: the
 * rows' sums are independent chains of additions that overlap in the pipeline, each
 * still in its own left-to-right order.
 *
 * Shapes: x of rank >= 1; y has x's shape. saved: r of every row (tg_real).
 * args: f[0] = eps (> 0, finite).
 */
#include <math.h>
#include <tapegrad/tg_ops_nn.h>
#include "ops_private.h"

tg_status tg__infer_standardize(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    if (n->in[0]->rank < 1)
        return tg_tape_fail(t, TG_ERR_SHAPE,
                            "tg_standardize: input must have rank >= 1 (it works along the last axis): got shape ()");
    double eps = n->args.f[0];
    if (!(eps > 0) || isinf(eps))
        return tg_tape_fail(t, TG_ERR_VALUE, "tg_standardize: eps must be finite and > 0, got %g", eps);
    return tg__infer_same(t, n, rank, shape);
}

enum { RB = 8 }; /* rows per block */

/* s[k] = sum_j a[k*D + j] (double, left to right) for k < nr. */
static void row_sums(const tg_real *a, size_t D, size_t nr, double *s) {
    double acc[RB] = {0};
    if (nr == RB) {
        for (size_t j = 0; j < D; j++)
            for (int k = 0; k < RB; k++) acc[k] += a[(size_t)k * D + j];
    } else {
        for (size_t k = 0; k < nr; k++)
            for (size_t j = 0; j < D; j++) acc[k] += a[k * D + j];
    }
    for (size_t k = 0; k < nr; k++) s[k] = acc[k];
}

/* s[k] = sum_j sq(a[k*D + j] - m[k]), sq(d) = d d in tg_real: the variance's sum. */
static void row_sq_sums(const tg_real *a, const tg_real *m, size_t D, size_t nr, double *s) {
    double acc[RB] = {0};
    if (nr == RB) {
        for (size_t j = 0; j < D; j++)
            for (int k = 0; k < RB; k++) {
                tg_real d = a[(size_t)k * D + j] - m[k];
                acc[k] += (tg_real)(d * d);
            }
    } else {
        for (size_t k = 0; k < nr; k++)
            for (size_t j = 0; j < D; j++) {
                tg_real d = a[k * D + j] - m[k];
                acc[k] += (tg_real)(d * d);
            }
    }
    for (size_t k = 0; k < nr; k++) s[k] = acc[k];
}

/* s[k] = sum_j (g y)[k*D + j], the product rounded to tg_real as tg_mul rounds it. */
static void row_dot_sums(const tg_real *g, const tg_real *y, size_t D, size_t nr, double *s) {
    double acc[RB] = {0};
    if (nr == RB) {
        for (size_t j = 0; j < D; j++)
            for (int k = 0; k < RB; k++) {
                size_t i = (size_t)k * D + j;
                acc[k] += (tg_real)(g[i] * y[i]);
            }
    } else {
        for (size_t k = 0; k < nr; k++)
            for (size_t j = 0; j < D; j++) acc[k] += (tg_real)(g[k * D + j] * y[k * D + j]);
    }
    for (size_t k = 0; k < nr; k++) s[k] = acc[k];
}

tg_status tg__standardize_fwd(tg_tape *t, tg_node *n) {
    size_t D = (size_t)n->in[0]->shape[n->in[0]->rank - 1], rows = n->out->size / D;
    tg_real *r = tg_tape_alloc(t, rows * sizeof *r);
    if (!r) return TG_ERR_NOMEM;
    const tg_real eps = (tg_real)n->args.f[0];
    const double inv_d = 1.0 / (double)D;
    for (size_t r0 = 0; r0 < rows; r0 += RB) {
        size_t nr = rows - r0 < RB ? rows - r0 : RB;
        const tg_real *x = n->in[0]->data + r0 * D;
        tg_real *y = n->out->data + r0 * D;
        double s[RB];
        tg_real m[RB];
        row_sums(x, D, nr, s);
        for (size_t k = 0; k < nr; k++) m[k] = (tg_real)(s[k] * inv_d);
        row_sq_sums(x, m, D, nr, s);
        for (size_t k = 0; k < nr; k++) {
            tg_real ve = (tg_real)(s[k] * inv_d) + eps;
            tg_real rk = (tg_real)(1 / sqrt((double)ve));
            r[r0 + k] = rk;
            for (size_t j = 0; j < D; j++) y[k * D + j] = (tg_real)(x[k * D + j] - m[k]) * rk;
        }
    }
    n->saved = r;
    return TG_OK;
}

void tg__standardize_bwd(tg_node *n) {
    tg_real *dx = n->in[0]->grad;
    if (!dx) return;
    size_t D = (size_t)n->in[0]->shape[n->in[0]->rank - 1], rows = n->out->size / D;
    const tg_real *r = n->saved;
    const double inv_d = 1.0 / (double)D;
    bool first = tg__grad_first(n->in[0]);
    for (size_t r0 = 0; r0 < rows; r0 += RB) {
        size_t nr = rows - r0 < RB ? rows - r0 : RB;
        const tg_real *g = n->out->grad + r0 * D, *y = n->out->data + r0 * D;
        double sg[RB], sgy[RB];
        row_sums(g, D, nr, sg);
        row_dot_sums(g, y, D, nr, sgy);
        for (size_t k = 0; k < nr; k++) {
            tg_real mg = (tg_real)(sg[k] * inv_d), mgy = (tg_real)(sgy[k] * inv_d), rk = r[r0 + k];
            const tg_real *gk = g + k * D, *yk = y + k * D;
            tg_real *dk = dx + (r0 + k) * D;
            TG__GRAD_PUT(first, dk, D, j, (tg_real)(gk[j] - mg - yk[j] * mgy) * rk);
        }
    }
}

/* The graph form: the composition the kernels follow, r recomputed from x by its ops
 * (so that higher orders see r's dependence on x), y the node's own output. */
tg_status tg__standardize_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    if (!tg__needs(n, 0)) return tg__graph_status(t);
    tg_tensor *x = n->in[0], *y = n->out;
    tg_tensor *xc = tg_sub(t, x, tg_mean_axis(t, x, -1, true));
    tg_tensor *v = tg_mean_axis(t, tg_square(t, xc), -1, true);
    tg_tensor *r = tg_pow_scalar(t, tg_add_scalar(t, v, (tg_real)n->args.f[0]), (tg_real)-0.5);
    tg_tensor *mgy = tg_mean_axis(t, tg_mul(t, g, y), -1, true);
    tg_tensor *a = tg_sub(t, g, tg_mean_axis(t, g, -1, true));
    dx[0] = tg_mul(t, tg_sub(t, a, tg_mul(t, y, mgy)), r);
    return tg__graph_status(t);
}

tg_tensor *tg_standardize(tg_tape *t, tg_tensor *x, tg_real eps) {
    tg_op_args args = {.f = {eps}};
    return tg_apply(t, &tg__op_standardize, &x, 1, &args);
}
