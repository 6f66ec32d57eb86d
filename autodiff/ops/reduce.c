/* reduce.c — sum, mean (over everything or one axis) and max along an axis.
 *
 * An axis reduction views x as (outer, len, inner): outer = product of the dimensions
 * before the axis, inner = product after it. The output is (outer, inner), shaped
 * with the axis removed, or kept as 1 with keepdim. Sums accumulate in double so a
 * float loss does not lose digits the gradient check needs.
 */
#include <math.h>
#include <string.h>
#include "ops_private.h"

/* ---- sum and mean of all elements: rank-0 output ---- */

tg_status tg__infer_scalar(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    (void)t, (void)n, (void)shape;
    *rank = 0;
    return TG_OK;
}

static double sum_all(const tg_tensor *x) {
    double s = 0;
    for (size_t i = 0; i < x->size; i++) s += x->data[i];
    return s;
}

/* sum: y = sum_i x_i; dx_i += g */
tg_status tg__sum_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    n->out->data[0] = (tg_real)sum_all(n->in[0]);
    return TG_OK;
}
void tg__sum_bwd(tg_node *n) {
    tg_real g = n->out->grad[0];
    tg_real *dx = n->in[0]->grad;
    if (dx) {
        bool f = tg__grad_first(n->in[0]);
        TG__GRAD_PUT(f, dx, n->in[0]->size, i, g);
    }
}
tg_tensor *tg_sum(tg_tape *t, tg_tensor *x) { return tg_apply(t, &tg__op_sum, &x, 1, NULL); }

/* mean: y = sum_i x_i / N; dx_i += g / N */
tg_status tg__mean_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    n->out->data[0] = (tg_real)(sum_all(n->in[0]) / (double)n->in[0]->size);
    return TG_OK;
}
void tg__mean_bwd(tg_node *n) {
    tg_real g = (tg_real)(n->out->grad[0] / (double)n->in[0]->size);
    tg_real *dx = n->in[0]->grad;
    if (dx) {
        bool f = tg__grad_first(n->in[0]);
        TG__GRAD_PUT(f, dx, n->in[0]->size, i, g);
    }
}
tg_tensor *tg_mean(tg_tape *t, tg_tensor *x) { return tg_apply(t, &tg__op_mean, &x, 1, NULL); }

/* ---- axis reductions: args.i[0] = axis (normalised), args.i[1] = keepdim ---- */

typedef struct { size_t outer, len, inner; } axis_view;

static axis_view view_of(const tg_tensor *x, int axis) {
    axis_view v = {1, (size_t)x->shape[axis], 1};
    for (int i = 0; i < axis; i++) v.outer *= (size_t)x->shape[i];
    for (int i = axis + 1; i < x->rank; i++) v.inner *= (size_t)x->shape[i];
    return v;
}

tg_status tg__infer_axis(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    const tg_tensor *x = n->in[0];
    long axis = n->args.i[0];
    if (x->rank == 0 || axis < -x->rank || axis >= x->rank) {
        char b[128];
        return tg_tape_fail(t, TG_ERR_RANGE, "%s: axis %ld is outside -%d..%d for shape %s",
                            n->op->name, axis, x->rank, x->rank - 1, tg_shape_str(x, b, sizeof b));
    }
    if (axis < 0) axis += x->rank;
    int r = 0;
    for (int i = 0; i < x->rank; i++) {
        if (i == axis) {
            if (n->args.i[1]) shape[r++] = 1;
        } else {
            shape[r++] = x->shape[i];
        }
    }
    *rank = r;
    return TG_OK;
}

/* The node's axis, made non-negative (the shape rule has checked it). */
static int axis_of(const tg_node *n) { return tg__norm_axis(n->args.i[0], n->in[0]->rank); }

static tg_tensor *axis_op(tg_tape *t, const tg_op *op, tg_tensor *x, int axis, bool keepdim) {
    tg_op_args args = {.i = {axis, keepdim ? 1 : 0}};
    return tg_apply(t, op, &x, 1, &args);
}

/* sum_axis: y[o,i] = sum_k x[o,k,i]; dx[o,k,i] += g[o,i]
 * mean_axis: the same divided by len. scale = 1 or 1/len. */
static void sum_axis_kernel(tg_node *n, double scale) {
    axis_view v = view_of(n->in[0], axis_of(n));
    const tg_real *x = n->in[0]->data;
    tg_real *y = n->out->data;
    for (size_t o = 0; o < v.outer; o++)
        for (size_t i = 0; i < v.inner; i++) {
            double s = 0;
            for (size_t k = 0; k < v.len; k++) s += x[(o * v.len + k) * v.inner + i];
            y[o * v.inner + i] = (tg_real)(s * scale);
        }
}
static void sum_axis_bwd_kernel(tg_node *n, double scale) {
    tg_real *dx = n->in[0]->grad;
    if (!dx) return;
    axis_view v = view_of(n->in[0], axis_of(n));
    const tg_real *g = n->out->grad;
    bool f = tg__grad_first(n->in[0]); /* every element of dx is written once */
    for (size_t o = 0; o < v.outer; o++)
        for (size_t k = 0; k < v.len; k++) {
            tg_real *d = dx + (o * v.len + k) * v.inner;
            TG__GRAD_PUT(f, d, v.inner, i, (tg_real)(g[o * v.inner + i] * scale));
        }
}

tg_status tg__sum_axis_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    sum_axis_kernel(n, 1.0);
    return TG_OK;
}
void tg__sum_axis_bwd(tg_node *n) { sum_axis_bwd_kernel(n, 1.0); }
tg_tensor *tg_sum_axis(tg_tape *t, tg_tensor *x, int axis, bool keepdim) {
    return axis_op(t, &tg__op_sum_axis, x, axis, keepdim);
}

tg_status tg__mean_axis_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    sum_axis_kernel(n, 1.0 / n->in[0]->shape[axis_of(n)]);
    return TG_OK;
}
void tg__mean_axis_bwd(tg_node *n) {
    sum_axis_bwd_kernel(n, 1.0 / n->in[0]->shape[axis_of(n)]);
}
tg_tensor *tg_mean_axis(tg_tape *t, tg_tensor *x, int axis, bool keepdim) {
    return axis_op(t, &tg__op_mean_axis, x, axis, keepdim);
}

/* max_axis: y[o,i] = max_k x[o,k,i]; dx[o,k*,i] += g[o,i] at the first arg-max k*
 * (saved in forward as one index per output element). NaN propagates as in PyTorch's
 * max(dim): the first NaN along the axis is the maximum, and takes the gradient. */
tg_status tg__max_axis_fwd(tg_tape *t, tg_node *n) {
    axis_view v = view_of(n->in[0], axis_of(n));
    const tg_real *x = n->in[0]->data;
    tg_real *y = n->out->data;
    size_t *arg = NULL;
    if (n->out->flags & TG_REQUIRES_GRAD) {
        arg = tg_tape_alloc(t, v.outer * v.inner * sizeof *arg);
        if (!arg) return TG_ERR_NOMEM;
    }
    for (size_t o = 0; o < v.outer; o++)
        for (size_t i = 0; i < v.inner; i++) {
            size_t best = 0;
            tg_real m = x[o * v.len * v.inner + i];
            for (size_t k = 1; k < v.len; k++) {
                tg_real xv = x[(o * v.len + k) * v.inner + i];
                if (xv > m || (isnan(xv) && !isnan(m))) { /* greater, or the first NaN */
                    m = xv;
                    best = k;
                }
            }
            y[o * v.inner + i] = m;
            if (arg) arg[o * v.inner + i] = best;
        }
    n->saved = arg;
    return TG_OK;
}
void tg__max_axis_bwd(tg_node *n) {
    tg_real *dx = n->in[0]->grad;
    const size_t *arg = n->saved;
    if (!dx) return;
    tg__grad_zero_unset(n->in[0]); /* writes one element per line */
    axis_view v = view_of(n->in[0], axis_of(n));
    const tg_real *g = n->out->grad;
    for (size_t o = 0; o < v.outer; o++)
        for (size_t i = 0; i < v.inner; i++)
            dx[(o * v.len + arg[o * v.inner + i]) * v.inner + i] += g[o * v.inner + i];
}
tg_tensor *tg_max_axis(tg_tape *t, tg_tensor *x, int axis, bool keepdim) {
    return axis_op(t, &tg__op_max_axis, x, axis, keepdim);
}

/* ---- sum_to: the backward op of broadcasting ----------------------------------------
 * y = x summed over the dimensions where the target shape has 1 (or lacks, aligned
 * on the right, as NumPy broadcasting): the gradient of an input that a broadcasting
 * op repeated. Each y element adds its x elements in row-major order of x, from
 * zero, in tg_real: the order in which the broadcasting kernels' strided "+=" add
 * them. dx += gy repeated back to x's shape. args: i[0] = target rank, p = target
 * shape (the caller's; the resolved shape is out->shape). */
tg_status tg__infer_sum_to(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    const tg_tensor *x = n->in[0];
    long r = n->args.i[0];
    const int *want = n->args.p;
    char sx[128], sw[128];
    if (r < 0 || r > x->rank || (r > 0 && !want))
        return tg_tape_fail(t, TG_ERR_SHAPE, "tg_sum_to: target rank %ld must be in 0..%d (the rank of %s) with a shape",
                            r, x->rank, tg_shape_str(x, sx, sizeof sx));
    for (long i = 0; i < r; i++) {
        int d = want[i], xd = x->shape[x->rank - r + i];
        if (d != xd && d != 1)
            return tg_tape_fail(t, TG_ERR_SHAPE, "tg_sum_to: %s does not broadcast to %s",
                                tg__shape_fmt((int)r, want, sw, sizeof sw), tg_shape_str(x, sx, sizeof sx));
        shape[i] = d;
    }
    *rank = (int)r;
    return TG_OK;
}
/* Offset into y of x's element at odometer idx (strides 0 along summed axes). */
static void sum_to_strides(const tg_tensor *x, const tg_tensor *y, size_t *s) {
    int off = x->rank - y->rank;
    size_t st = 1;
    for (int i = x->rank - 1; i >= 0; i--) {
        int d = i < off ? 1 : y->shape[i - off];
        s[i] = d == 1 ? 0 : st;
        st *= (size_t)d;
    }
}
/* C when y is x's trailing C elements (leading axes summed: a bias's gradient), so x
 * is (size / C, C) rows; else 0. */
static size_t sum_to_rows(const tg_tensor *x, const tg_tensor *y) {
    int off = x->rank - y->rank, i = 0;
    while (i < y->rank && y->shape[i] == 1) i++;
    for (; i < y->rank; i++)
        if (y->shape[i] != x->shape[off + i]) return 0;
    return y->size;
}
/* y[map(j)] += x[j] (forward, add = true) or dx[j] += gy[map(j)] (backward; with
 * first, dx[j] = 0 + gy[map(j)]: dx is unset, tg/store.h). The rows case adds in the
 * same order (each y element takes x's rows in turn). */
static void sum_to_walk(const tg_tensor *x, const tg_tensor *y, tg_real *xs, tg_real *ys, bool fwd,
                        bool first) {
    size_t C = sum_to_rows(x, y);
    if (C) {
        for (size_t r = 0; r < x->size / C; r++) {
            tg_real *row = xs + r * C;
            if (fwd) for (size_t c = 0; c < C; c++) ys[c] += row[c];
            else TG__GRAD_PUT(first, row, C, c, ys[c]);
        }
        return;
    }
    size_t s[TG_MAX_RANK];
    int idx[TG_MAX_RANK] = {0}, r = x->rank;
    sum_to_strides(x, y, s);
    size_t iy = 0;
    for (size_t j = 0; j < x->size; j++) {
        if (fwd) ys[iy] += xs[j];
        else if (first) xs[j] = TG__Z + ys[iy];
        else xs[j] += ys[iy];
        for (int d = r - 1; d >= 0; d--) {
            iy += s[d];
            if (++idx[d] < x->shape[d]) break;
            iy -= s[d] * (size_t)x->shape[d];
            idx[d] = 0;
        }
    }
}
tg_status tg__sum_to_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    memset(n->out->data, 0, n->out->size * sizeof(tg_real));
    sum_to_walk(n->in[0], n->out, n->in[0]->data, n->out->data, true, false);
    n->args.p = NULL; /* keep no caller pointer */
    return TG_OK;
}
void tg__sum_to_bwd(tg_node *n) {
    if (n->in[0]->grad)
        sum_to_walk(n->in[0], n->out, n->in[0]->grad, n->out->grad, false, tg__grad_first(n->in[0]));
}
tg_status tg__sum_to_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    if (tg__needs(n, 0)) dx[0] = tg__expand_like(t, g, n->in[0]);
    return tg__graph_status(t);
}
tg_tensor *tg_sum_to(tg_tape *t, tg_tensor *x, int rank, const int *shape) {
    tg_op_args args = {.i = {rank}, .p = shape};
    return tg_apply(t, &tg__op_sum_to, &x, 1, &args);
}

/* ---- graph forms (registry.h, `graph`) ---- */
tg_status tg__sum_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    if (tg__needs(n, 0)) dx[0] = tg__expand_like(t, g, n->in[0]);
    return tg__graph_status(t);
}
/* g / N (the kernel's division), repeated */
tg_status tg__mean_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    if (tg__needs(n, 0))
        dx[0] = tg__expand_like(t, tg_div(t, g, tg__scalar(t, (tg_real)n->in[0]->size)), n->in[0]);
    return tg__graph_status(t);
}
/* g with the axis put back as 1 (a view), repeated along it; mean_axis scales first
 * by 1/len as its kernel does. */
static tg_tensor *axis_back(tg_tape *t, const tg_node *n, tg_tensor *g) {
    int a = axis_of(n), shape[TG_MAX_RANK];
    memcpy(shape, n->in[0]->shape, sizeof shape);
    shape[a] = 1;
    return tg__expand_like(t, tg_reshape(t, g, n->in[0]->rank, shape), n->in[0]);
}
tg_status tg__sum_axis_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    if (tg__needs(n, 0)) dx[0] = axis_back(t, n, g);
    return tg__graph_status(t);
}
tg_status tg__mean_axis_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    double scale = 1.0 / n->in[0]->shape[axis_of(n)];
    if (tg__needs(n, 0)) dx[0] = axis_back(t, n, tg_mul_scalar(t, g, (tg_real)scale));
    return tg__graph_status(t);
}
/* g repeated, times the one-hot mask of the saved arg-max positions. */
tg_status tg__max_axis_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    if (!tg__needs(n, 0)) return tg__graph_status(t);
    const tg_tensor *x = n->in[0];
    axis_view v = view_of(x, axis_of(n));
    const size_t *arg = n->saved;
    tg_tensor *m = tg_tape_tensor(t, x->rank, x->shape, NULL, 0);
    if (m && arg)
        for (size_t o = 0; o < v.outer; o++)
            for (size_t i = 0; i < v.inner; i++)
                m->data[(o * v.len + arg[o * v.inner + i]) * v.inner + i] = 1;
    dx[0] = tg_mul(t, axis_back(t, n, g), m);
    return tg__graph_status(t);
}
