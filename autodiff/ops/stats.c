/* stats.c — statistics along an axis: logsumexp, var, std, cumsum.
 *
 * x is viewed as (O, D, I) around the axis (outer, len, inner). Reductions write
 * (O, I), shaped with the axis removed or kept as 1 (keepdim). Sums run in double.
 * When I = 1 (the last axis, the common case) each reduction reads one contiguous
 * row; otherwise the loops run k outer, i inner so every pass reads contiguous memory.
 */
#include <math.h>
#include <tg/vmath.h>
#include "nn_private.h"

static tg__axis_view view_of_node(const tg_node *n) {
    return tg__view_at(n->in[0], tg__norm_axis(n->args.i[0], n->in[0]->rank));
}

/* ---- logsumexp ------------------------------------------------------------------
 * y = m + ln sum_k e^(x_k - m), m = max_k x_k (max-shifted: no overflow for any x);
 * dx_k += g e^(x_k - y) (= g softmax(x)_k). A row that is all -inf gives -inf (as
 * PyTorch) and no gradient. args: i[0] = axis, i[1] = keepdim. */
tg_status tg__logsumexp_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    tg__axis_view v = view_of_node(n);
    const tg_real *x = n->in[0]->data;
    tg_real *y = n->out->data;
    for (size_t o = 0; o < v.outer; o++) {
        const tg_real *xo = x + o * v.len * v.inner;
        if (v.inner == 1) {
            double m, s = tg__row_sumexp(xo, v.len, &m);
            y[o] = (tg_real)(isinf(m) && m < 0 ? m : m + log(s));
            continue;
        }
        for (size_t i = 0; i < v.inner; i++) {
            double m = xo[i];
            for (size_t k = 1; k < v.len; k++) m = xo[k * v.inner + i] > m ? xo[k * v.inner + i] : m;
            double s = 0;
            for (size_t k = 0; k < v.len; k++) s += exp(xo[k * v.inner + i] - m);
            y[o * v.inner + i] = (tg_real)(isinf(m) && m < 0 ? m : m + log(s));
        }
    }
    return TG_OK;
}
void tg__logsumexp_bwd(tg_node *n) {
    tg_real *dx = n->in[0]->grad;
    if (!dx) return;
    tg__axis_view v = view_of_node(n);
    const tg_real *x = n->in[0]->data, *y = n->out->data, *g = n->out->grad;
    for (size_t o = 0; o < v.outer; o++)
        for (size_t k = 0; k < v.len; k++) {
            size_t base = (o * v.len + k) * v.inner;
            for (size_t i = 0; i < v.inner; i++) {
                tg_real yo = y[o * v.inner + i];
                if (isinf(yo) && yo < 0) continue;
                dx[base + i] += g[o * v.inner + i] * (tg_real)exp((double)x[base + i] - yo);
            }
        }
}
tg_tensor *tg_logsumexp(tg_tape *t, tg_tensor *x, int axis, bool keepdim) {
    tg_op_args args = {.i = {axis, keepdim ? 1 : 0}};
    return tg_apply(t, &tg__op_logsumexp, &x, 1, &args);
}

/* ---- var, std ------------------------------------------------------------------------
 * var: y = sum_k (x_k - mean)^2 / (D - c), c the correction (1: Bessel's unbiased
 * estimate, 0: the population variance); dx_k += g 2 (x_k - mean) / (D - c).
 * std: y = sqrt(var); dx_k += g (x_k - mean) / ((D - c) y), 0 where y = 0 (a constant
 * row: the subgradient 0 rather than PyTorch's NaN).
 * Shape check: c >= 0 and finite, D - c > 0.
 * args: i[0] = axis, i[1] = keepdim, f[0] = correction. */
tg_status tg__infer_var(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    const tg_tensor *x = n->in[0];
    int a = tg__axis_check(t, n, x, n->args.i[0]);
    if (a < 0) return tg_tape_status(t);
    double c = n->args.f[0];
    if (!(c >= 0) || isinf(c))
        return tg_tape_fail(t, TG_ERR_VALUE, "%s: correction must be finite and >= 0, got %g", n->op->name, c);
    if (!(x->shape[a] - c > 0)) {
        char s[128];
        return tg_tape_fail(t, TG_ERR_VALUE, "%s: correction %g leaves no degrees of freedom: axis %d of shape %s has %d",
                            n->op->name, c, a, tg_shape_str(x, s, sizeof s), x->shape[a]);
    }
    *rank = tg__drop_axis(x, a, n->args.i[1] != 0, shape);
    return TG_OK;
}
/* mean[o*I + i] (double) of every column, into the arena. */
static double *column_means(tg_tape *t, const tg_node *n, tg__axis_view v, double *stack1) {
    double *mean = v.outer * v.inner == 1 ? stack1 : tg_tape_alloc(t, v.outer * v.inner * sizeof *mean);
    if (!mean) return NULL;
    const tg_real *x = n->in[0]->data;
    for (size_t o = 0; o < v.outer; o++) {
        double *mo = mean + o * v.inner;
        for (size_t i = 0; i < v.inner; i++) mo[i] = 0;
        for (size_t k = 0; k < v.len; k++) {
            const tg_real *xk = x + (o * v.len + k) * v.inner;
            for (size_t i = 0; i < v.inner; i++) mo[i] += xk[i];
        }
        for (size_t i = 0; i < v.inner; i++) mo[i] /= (double)v.len;
    }
    return mean;
}
static tg_status var_fwd(tg_tape *t, tg_node *n, bool root) {
    tg__axis_view v = view_of_node(n);
    double one, *mean = column_means(t, n, v, &one);
    if (!mean) return TG_ERR_NOMEM;
    const tg_real *x = n->in[0]->data;
    tg_real *y = n->out->data;
    double den = (double)v.len - n->args.f[0];
    for (size_t o = 0; o < v.outer; o++)
        for (size_t i = 0; i < v.inner; i++) {
            double s = 0, m = mean[o * v.inner + i];
            for (size_t k = 0; k < v.len; k++) {
                double d = x[(o * v.len + k) * v.inner + i] - m;
                s += d * d;
            }
            y[o * v.inner + i] = (tg_real)(root ? sqrt(s / den) : s / den);
        }
    n->saved = mean == &one ? NULL : mean;
    return TG_OK;
}
static void var_bwd(tg_node *n, bool root) {
    tg_real *dx = n->in[0]->grad;
    if (!dx) return;
    tg__axis_view v = view_of_node(n);
    const tg_real *x = n->in[0]->data, *y = n->out->data, *g = n->out->grad;
    double den = (double)v.len - n->args.f[0], one = 0;
    const double *mean = n->saved;
    if (!mean) { /* one column: its mean was not kept */
        for (size_t k = 0; k < v.len; k++) one += x[k];
        one /= (double)v.len;
        mean = &one;
    }
    for (size_t o = 0; o < v.outer; o++)
        for (size_t k = 0; k < v.len; k++) {
            size_t base = (o * v.len + k) * v.inner;
            for (size_t i = 0; i < v.inner; i++) {
                size_t c = o * v.inner + i;
                double scale = root ? (y[c] > 0 ? 1 / (den * y[c]) : 0) : 2 / den;
                dx[base + i] += (tg_real)(g[c] * scale * (x[base + i] - mean[c]));
            }
        }
}
tg_status tg__var_fwd(tg_tape *t, tg_node *n) { return var_fwd(t, n, false); }
void tg__var_bwd(tg_node *n) { var_bwd(n, false); }
tg_status tg__std_fwd(tg_tape *t, tg_node *n) { return var_fwd(t, n, true); }
void tg__std_bwd(tg_node *n) { var_bwd(n, true); }
tg_tensor *tg_var(tg_tape *t, tg_tensor *x, int axis, tg_real correction, bool keepdim) {
    tg_op_args args = {.i = {axis, keepdim ? 1 : 0}, .f = {correction}};
    return tg_apply(t, &tg__op_var, &x, 1, &args);
}
tg_tensor *tg_std(tg_tape *t, tg_tensor *x, int axis, tg_real correction, bool keepdim) {
    tg_op_args args = {.i = {axis, keepdim ? 1 : 0}, .f = {correction}};
    return tg_apply(t, &tg__op_std, &x, 1, &args);
}

/* ---- cumsum ------------------------------------------------------------------------
 * y[o,k,i] = sum_{k' <= k} x[o,k',i] (y has x's shape);
 * dx[o,k,i] += sum_{k' >= k} g[o,k',i] (the reversed cumulative sum of g).
 * args: i[0] = axis. */
tg_status tg__infer_cumsum(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    const tg_tensor *x = n->in[0];
    if (tg__axis_check(t, n, x, n->args.i[0]) < 0) return tg_tape_status(t);
    *rank = x->rank;
    memcpy(shape, x->shape, sizeof x->shape);
    return TG_OK;
}
tg_status tg__cumsum_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    tg__axis_view v = view_of_node(n);
    const tg_real *x = n->in[0]->data;
    tg_real *y = n->out->data;
    for (size_t o = 0; o < v.outer; o++) {
        size_t b = o * v.len * v.inner;
        memcpy(y + b, x + b, v.inner * sizeof *y);
        for (size_t k = 1; k < v.len; k++) {
            tg_real *yk = y + b + k * v.inner;
            const tg_real *prev = yk - v.inner, *xk = x + b + k * v.inner;
            for (size_t i = 0; i < v.inner; i++) yk[i] = prev[i] + xk[i];
        }
    }
    return TG_OK;
}
void tg__cumsum_bwd(tg_node *n) {
    tg_real *dx = n->in[0]->grad;
    if (!dx) return;
    tg__axis_view v = view_of_node(n);
    const tg_real *g = n->out->grad;
    for (size_t o = 0; o < v.outer; o++)
        for (size_t i = 0; i < v.inner; i++) {
            double s = 0;
            for (size_t k = v.len; k-- > 0;) {
                size_t at = (o * v.len + k) * v.inner + i;
                s += g[at];
                dx[at] += (tg_real)s;
            }
        }
}
tg_tensor *tg_cumsum(tg_tape *t, tg_tensor *x, int axis) {
    tg_op_args args = {.i = {axis}};
    return tg_apply(t, &tg__op_cumsum, &x, 1, &args);
}
