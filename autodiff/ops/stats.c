/* stats.c — statistics along an axis: logsumexp, var, std, cumsum.
 *
 * x is viewed as (O, D, I) around the axis (outer, len, inner). Reductions write
 * (O, I), shaped with the axis removed or kept as 1 (keepdim). Sums run in double.
 * When I = 1 (the last axis, the common case) each reduction reads one contiguous
 * row; otherwise the loops run k outer, i inner so every pass reads contiguous memory.
 */
#include <math.h>
#include <tg/vmath.h>
#include <tapegrad/tg_ops_nn.h>
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
    bool f = tg__grad_first(n->in[0]); /* every element written (0 on a skipped line) */
    for (size_t o = 0; o < v.outer; o++)
        for (size_t k = 0; k < v.len; k++) {
            size_t base = (o * v.len + k) * v.inner;
            for (size_t i = 0; i < v.inner; i++) {
                tg_real yo = y[o * v.inner + i];
                if (isinf(yo) && yo < 0) {
                    if (f) dx[base + i] = 0;
                    continue;
                }
                TG__ACC(f, dx[base + i], g[o * v.inner + i] * (tg_real)exp((double)x[base + i] - yo));
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
    bool f = tg__grad_first(n->in[0]); /* every element of dx is written once */
    for (size_t o = 0; o < v.outer; o++)
        for (size_t k = 0; k < v.len; k++) {
            size_t base = (o * v.len + k) * v.inner;
            for (size_t i = 0; i < v.inner; i++) {
                size_t c = o * v.inner + i;
                double scale = root ? (y[c] > 0 ? 1 / (den * y[c]) : 0) : 2 / den;
                TG__ACC(f, dx[base + i], (tg_real)(g[c] * scale * (x[base + i] - mean[c])));
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
    bool f = tg__grad_first(n->in[0]); /* every element of dx is written once */
    for (size_t o = 0; o < v.outer; o++)
        for (size_t i = 0; i < v.inner; i++) {
            double s = 0;
            for (size_t k = v.len; k-- > 0;) {
                size_t at = (o * v.len + k) * v.inner + i;
                s += g[at];
                TG__ACC(f, dx[at], (tg_real)s);
            }
        }
}
tg_tensor *tg_cumsum(tg_tape *t, tg_tensor *x, int axis) {
    tg_op_args args = {.i = {axis}};
    return tg_apply(t, &tg__op_cumsum, &x, 1, &args);
}

/* ---- graph forms (registry.h, `graph`): each kernel's formula recorded with ops, in
 * the kernel's order and roundings, so that the two agree bit for bit in the double
 * build. A reduced tensor (the output, g) is put back with the axis as 1 (a view) and
 * broadcast by the elementwise op that uses it. */

/* r (the node's output shape, or g) with the reduced axis as 1: r itself with keepdim. */
static tg_tensor *keep_axis(tg_tape *t, const tg_node *n, tg_tensor *r) {
    const tg_tensor *x = n->in[0];
    if (n->args.i[1]) return r;
    int shape[TG_MAX_RANK];
    memcpy(shape, x->shape, sizeof shape);
    shape[tg__norm_axis(n->args.i[0], x->rank)] = 1;
    return tg_reshape(t, r, x->rank, shape);
}
/* A constant of y's shape: 1 where skip(y_i) holds, 0 elsewhere; NULL when it holds
 * nowhere (the common case: no extra op is recorded). */
static tg_tensor *rows_where(tg_tape *t, const tg_tensor *y, bool (*skip)(tg_real)) {
    size_t hits = 0;
    for (size_t i = 0; i < y->size; i++) hits += skip(y->data[i]);
    if (!hits) return NULL;
    tg_tensor *m = tg_tape_tensor(t, y->rank, y->shape, NULL, 0);
    if (m) for (size_t i = 0; i < y->size; i++) m->data[i] = skip(y->data[i]) ? 1 : 0;
    return m;
}
static bool is_neg_inf(tg_real v) { return isinf(v) && v < 0; }
static bool not_positive(tg_real v) { return !(v > 0); }

/* logsumexp: g e^(x - y). A row with y = -inf (all -inf) gets no gradient in the
 * kernel; here its differences are filled with -inf before the exponential, so the
 * row's derivative is e^-inf = 0 and no NaN of -inf - -inf reaches a higher order. */
tg_status tg__logsumexp_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    if (!tg__needs(n, 0)) return tg__graph_status(t);
    tg_tensor *d = tg_sub(t, n->in[0], keep_axis(t, n, n->out));
    tg_tensor *dead = rows_where(t, n->out, is_neg_inf);
    if (dead) d = tg_masked_fill(t, d, keep_axis(t, n, dead), -INFINITY);
    dx[0] = tg_mul(t, keep_axis(t, n, g), tg_exp(t, d));
    return tg__graph_status(t);
}

/* var, std: (g scale) (x - mean), mean = sum_axis(x) / D (the kernel's division),
 * scale = 2 / (D - c) for var, 1 / ((D - c) y) for std (0 where y is not > 0: y is
 * replaced by 1 there and the scale multiplied by 0, so no 1/0 reaches a higher
 * order). */
static tg_status var_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx, bool root) {
    if (!tg__needs(n, 0)) return tg__graph_status(t);
    tg_tensor *x = n->in[0];
    int a = tg__norm_axis(n->args.i[0], x->rank);
    double den = (double)x->shape[a] - n->args.f[0];
    tg_tensor *mean = tg_div(t, tg_sum_axis(t, x, a, true), tg__scalar(t, (tg_real)x->shape[a]));
    tg_tensor *gs;
    if (!root) {
        gs = tg_mul_scalar(t, keep_axis(t, n, g), (tg_real)(2 / den));
    } else {
        tg_tensor *y = keep_axis(t, n, n->out), *flat = rows_where(t, n->out, not_positive);
        if (flat) flat = keep_axis(t, n, flat);
        if (flat) y = tg_where(t, flat, tg__scalar(t, 1), y);
        tg_tensor *scale = tg_div(t, tg__scalar(t, 1), tg_mul_scalar(t, y, (tg_real)den));
        if (flat) scale = tg_mul(t, scale, tg_add_scalar(t, tg_neg(t, flat), 1));
        gs = tg_mul(t, keep_axis(t, n, g), scale);
    }
    dx[0] = tg_mul(t, gs, tg_sub(t, x, mean));
    return tg__graph_status(t);
}
tg_status tg__var_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    return var_vjp(t, n, g, dx, false);
}
tg_status tg__std_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    return var_vjp(t, n, g, dx, true);
}

/* cumsum: the reversed cumulative sum of g as flip(cumsum(flip(g))), flip an
 * index_select with the reversed indices. The kernel's running sum starts from the
 * last element and adds towards the first: the same additions in the same order. */
tg_status tg__cumsum_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    if (!tg__needs(n, 0)) return tg__graph_status(t);
    int a = tg__norm_axis(n->args.i[0], n->in[0]->rank), len = n->in[0]->shape[a];
    int *rev = tg_tape_alloc(t, (size_t)len * sizeof *rev);
    if (!rev) return tg__graph_status(t);
    for (int k = 0; k < len; k++) rev[k] = len - 1 - k;
    dx[0] = tg_index_select(t, tg_cumsum(t, tg_index_select(t, g, a, rev, len), a), a, rev, len);
    return tg__graph_status(t);
}
