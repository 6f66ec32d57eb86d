/* reduce.c — sum, mean (over everything or one axis) and max along an axis.
 *
 * An axis reduction views x as (outer, len, inner): outer = product of the dimensions
 * before the axis, inner = product after it. The output is (outer, inner), shaped
 * with the axis removed, or kept as 1 with keepdim. Sums accumulate in double so a
 * float loss does not lose digits the gradient check needs.
 */
#include <math.h>
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
    if (dx) for (size_t i = 0; i < n->in[0]->size; i++) dx[i] += g;
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
    if (dx) for (size_t i = 0; i < n->in[0]->size; i++) dx[i] += g;
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
    for (size_t o = 0; o < v.outer; o++)
        for (size_t k = 0; k < v.len; k++)
            for (size_t i = 0; i < v.inner; i++)
                dx[(o * v.len + k) * v.inner + i] += (tg_real)(g[o * v.inner + i] * scale);
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
    axis_view v = view_of(n->in[0], axis_of(n));
    const tg_real *g = n->out->grad;
    for (size_t o = 0; o < v.outer; o++)
        for (size_t i = 0; i < v.inner; i++)
            dx[(o * v.len + arg[o * v.inner + i]) * v.inner + i] += g[o * v.inner + i];
}
tg_tensor *tg_max_axis(tg_tape *t, tg_tensor *x, int axis, bool keepdim) {
    return axis_op(t, &tg__op_max_axis, x, axis, keepdim);
}
