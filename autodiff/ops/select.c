/* select.c — ops that choose values rather than compute them: where, masked_fill,
 * maximum, minimum (elementwise, broadcasting), min_axis, argmax, argmin.
 *
 * NaN safety: where and masked_fill pick one value per element and never multiply by
 * a 0/1 mask, so a NaN or infinity in the branch not taken reaches neither the output
 * nor (backward routes g, it does not scale it) any gradient. That is the difference
 * from c*a + (1-c)*b, where 0 * inf = NaN leaks.
 *
 * Conditions and masks are tensors of tg_real: nonzero (NaN included) means true.
 * They receive no gradient (the derivative with respect to a boolean is zero).
 */
#include <math.h>
#include "nn_private.h"

/* The kernels below visit the output row by row (tg__bc_plan): off[j] is input j's
 * offset at the row's start, base the output's; the inner loop is contiguous. */
/* ---- where --------------------------------------------------------------------
 * y = cond != 0 ? a : b (broadcasting cond, a, b together);
 * da += g where cond, db += g where not cond (each summed back to its shape). */
tg_status tg__infer_where(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    return tg__bc_infer(t, n, 3, rank, shape);
}
tg_status tg__where_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    tg__bc_plan p;
    tg__bc_make(&p, n->out, n->in, 3);
    const tg_real *c = n->in[0]->data, *a = n->in[1]->data, *b = n->in[2]->data;
    size_t sc = p.st[0][p.rank - 1], sa = p.st[1][p.rank - 1], sb = p.st[2][p.rank - 1];
    tg_real *y = n->out->data;
    int idx[TG_MAX_RANK] = {0};
    size_t off[3] = {0, 0, 0};
    for (size_t row = 0, base = 0; row < p.rows; row++, base += p.len, tg__bc_next(&p, idx, off)) {
        const tg_real *cr = c + off[0], *ar = a + off[1], *br = b + off[2];
        for (size_t j = 0; j < p.len; j++) y[base + j] = cr[j * sc] != 0 ? ar[j * sa] : br[j * sb];
    }
    return TG_OK;
}
void tg__where_bwd(tg_node *n) {
    tg__bc_plan p;
    tg__bc_make(&p, n->out, n->in, 3);
    const tg_real *c = n->in[0]->data, *g = n->out->grad;
    tg_real *da = n->in[1]->grad, *db = n->in[2]->grad;
    size_t sc = p.st[0][p.rank - 1], sa = p.st[1][p.rank - 1], sb = p.st[2][p.rank - 1];
    if (!da && !db) return;
    /* An unset input of the output's size stores every element (g or 0); a
     * broadcast one is zeroed first (tg/store.h). */
    bool fa = da && tg__store_or_zero(n->in[1], n->out), fb = db && tg__store_or_zero(n->in[2], n->out);
    int idx[TG_MAX_RANK] = {0};
    size_t off[3] = {0, 0, 0};
    for (size_t row = 0, base = 0; row < p.rows; row++, base += p.len, tg__bc_next(&p, idx, off)) {
        const tg_real *cr = c + off[0];
        for (size_t j = 0; j < p.len; j++) {
            bool in_a = cr[j * sc] != 0;
            if (fa) da[off[1] + j * sa] = in_a ? TG__Z + g[base + j] : 0;
            else if (da && in_a) da[off[1] + j * sa] += g[base + j];
            if (fb) db[off[2] + j * sb] = in_a ? 0 : TG__Z + g[base + j];
            else if (db && !in_a) db[off[2] + j * sb] += g[base + j];
        }
    }
}
tg_tensor *tg_where(tg_tape *t, tg_tensor *cond, tg_tensor *a, tg_tensor *b) {
    tg_tensor *in[3] = {cond, a, b};
    return tg_apply(t, &tg__op_where, in, 3, NULL);
}

/* ---- masked_fill -----------------------------------------------------------------
 * y = mask != 0 ? value : x (x and mask broadcast together); dx += g where not mask.
 * value may be -inf (attention masks) or any other number: the op carries
 * TG_OPF_FILLS, so anomaly detection skips the elements the mask selects and checks
 * the others. args: f[0] = value. */
tg_status tg__infer_masked_fill(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    return tg__bc_infer(t, n, 2, rank, shape);
}
tg_status tg__masked_fill_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    tg__bc_plan p;
    tg__bc_make(&p, n->out, n->in, 2);
    const tg_real *x = n->in[0]->data, *m = n->in[1]->data;
    size_t sx = p.st[0][p.rank - 1], sm = p.st[1][p.rank - 1];
    tg_real v = (tg_real)n->args.f[0], *y = n->out->data;
    int idx[TG_MAX_RANK] = {0};
    size_t off[3] = {0, 0, 0};
    for (size_t row = 0, base = 0; row < p.rows; row++, base += p.len, tg__bc_next(&p, idx, off)) {
        const tg_real *xr = x + off[0], *mr = m + off[1];
        for (size_t j = 0; j < p.len; j++) y[base + j] = mr[j * sm] != 0 ? v : xr[j * sx];
    }
    return TG_OK;
}
void tg__masked_fill_bwd(tg_node *n) {
    tg_real *dx = n->in[0]->grad;
    if (!dx) return;
    tg__bc_plan p;
    tg__bc_make(&p, n->out, n->in, 2);
    const tg_real *m = n->in[1]->data, *g = n->out->grad;
    size_t sx = p.st[0][p.rank - 1], sm = p.st[1][p.rank - 1];
    bool f = tg__store_or_zero(n->in[0], n->out);
    int idx[TG_MAX_RANK] = {0};
    size_t off[3] = {0, 0, 0};
    for (size_t row = 0, base = 0; row < p.rows; row++, base += p.len, tg__bc_next(&p, idx, off)) {
        const tg_real *mr = m + off[1];
        for (size_t j = 0; j < p.len; j++)
            if (f) dx[off[0] + j * sx] = mr[j * sm] == 0 ? TG__Z + g[base + j] : 0;
            else if (mr[j * sm] == 0) dx[off[0] + j * sx] += g[base + j];
    }
}
tg_tensor *tg_masked_fill(tg_tape *t, tg_tensor *x, tg_tensor *mask, tg_real value) {
    tg_tensor *in[2] = {x, mask};
    tg_op_args args = {.f = {value}};
    return tg_apply(t, &tg__op_masked_fill, in, 2, &args);
}

/* ---- maximum, minimum ----------------------------------------------------------------
 * maximum: y = max(a, b); da += g [a > b] + g/2 [a == b], db += g [b > a] + g/2 [a == b]
 * (ties split the gradient equally, as PyTorch's torch.maximum). A NaN on either side
 * is the result (NaN propagates, as PyTorch) and takes the whole gradient.
 * minimum: the same with < for >. sense = +1 (maximum) or -1 (minimum). */
static tg_status extremum_fwd(tg_node *n, int sense) {
    tg__bc_plan p;
    tg__bc_make(&p, n->out, n->in, 2);
    const tg_real *a = n->in[0]->data, *b = n->in[1]->data;
    size_t sa = p.st[0][p.rank - 1], sb = p.st[1][p.rank - 1];
    tg_real *y = n->out->data;
    int idx[TG_MAX_RANK] = {0};
    size_t off[3] = {0, 0, 0};
    for (size_t row = 0, base = 0; row < p.rows; row++, base += p.len, tg__bc_next(&p, idx, off)) {
        const tg_real *ar = a + off[0], *br = b + off[1];
        for (size_t j = 0; j < p.len; j++) {
            tg_real u = ar[j * sa], v = br[j * sb];
            y[base + j] = isnan(u) || (sense > 0 ? u >= v : u <= v) ? u : v;
        }
    }
    return TG_OK;
}
static void extremum_bwd(tg_node *n, int sense) {
    tg_real *da = n->in[0]->grad, *db = n->in[1]->grad;
    if (!da && !db) return;
    tg__bc_plan p;
    tg__bc_make(&p, n->out, n->in, 2);
    const tg_real *a = n->in[0]->data, *b = n->in[1]->data, *g = n->out->grad;
    size_t sa = p.st[0][p.rank - 1], sb = p.st[1][p.rank - 1];
    bool fa = da && tg__store_or_zero(n->in[0], n->out), fb = db && tg__store_or_zero(n->in[1], n->out);
    int idx[TG_MAX_RANK] = {0};
    size_t off[3] = {0, 0, 0};
    for (size_t row = 0, base = 0; row < p.rows; row++, base += p.len, tg__bc_next(&p, idx, off)) {
        for (size_t j = 0; j < p.len; j++) {
            tg_real u = a[off[0] + j * sa], v = b[off[1] + j * sb], gj = g[base + j];
            tg_real wa; /* the share of g that goes to a */
            if (u == v) wa = gj / 2;
            else if (isnan(u)) wa = gj;
            else if (isnan(v)) wa = 0;
            else wa = (sense > 0 ? u > v : u < v) ? gj : 0;
            if (da) TG__ACC(fa, da[off[0] + j * sa], wa);
            if (db) TG__ACC(fb, db[off[1] + j * sb], gj - wa);
        }
    }
}
tg_status tg__infer_extremum(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    return tg__bc_infer(t, n, 2, rank, shape);
}
tg_status tg__maximum_fwd(tg_tape *t, tg_node *n) { (void)t; return extremum_fwd(n, 1); }
void tg__maximum_bwd(tg_node *n) { extremum_bwd(n, 1); }
tg_status tg__minimum_fwd(tg_tape *t, tg_node *n) { (void)t; return extremum_fwd(n, -1); }
void tg__minimum_bwd(tg_node *n) { extremum_bwd(n, -1); }
tg_tensor *tg_maximum(tg_tape *t, tg_tensor *a, tg_tensor *b) {
    tg_tensor *in[2] = {a, b};
    return tg_apply(t, &tg__op_maximum, in, 2, NULL);
}
tg_tensor *tg_minimum(tg_tape *t, tg_tensor *a, tg_tensor *b) {
    tg_tensor *in[2] = {a, b};
    return tg_apply(t, &tg__op_minimum, in, 2, NULL);
}

/* ---- min_axis, argmax, argmin: one pass along an axis ----
 * args: i[0] = axis, i[1] = keepdim. The output is x's shape without the axis (or with
 * it as 1). pick() finds, for each (outer, inner) position, the index k* of the first
 * minimum (sense -1) or maximum (sense +1) along the axis; a NaN counts as the extreme
 * (the first NaN wins), as PyTorch's argmax/argmin and min do. */
tg_status tg__infer_pick(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    const tg_tensor *x = n->in[0];
    int a = tg__axis_check(t, n, x, n->args.i[0]);
    if (a < 0) return tg_tape_status(t);
    *rank = tg__drop_axis(x, a, n->args.i[1] != 0, shape);
    return TG_OK;
}
/* Writes k* for every output position into arg (size outer*inner) and, if y is not
 * NULL, the value there. */
static void pick(const tg_node *n, int sense, size_t *arg, tg_real *y) {
    const tg_tensor *x = n->in[0];
    tg__axis_view v = tg__view_at(x, tg__norm_axis(n->args.i[0], x->rank));
    for (size_t o = 0; o < v.outer; o++) {
        const tg_real *xo = x->data + o * v.len * v.inner;
        size_t *ao = arg + o * v.inner;
        for (size_t i = 0; i < v.inner; i++) ao[i] = 0;
        /* k outer, i inner: each pass reads one contiguous row of the slab */
        for (size_t k = 1; k < v.len; k++) {
            const tg_real *xk = xo + k * v.inner;
            for (size_t i = 0; i < v.inner; i++) {
                tg_real best = xo[ao[i] * v.inner + i], c = xk[i];
                if (isnan(best)) continue;
                if (isnan(c) || (sense > 0 ? c > best : c < best)) ao[i] = k;
            }
        }
        if (y)
            for (size_t i = 0; i < v.inner; i++) y[o * v.inner + i] = xo[ao[i] * v.inner + i];
    }
}
static size_t *pick_buffer(tg_tape *t, const tg_node *n) {
    const tg_tensor *x = n->in[0];
    tg__axis_view v = tg__view_at(x, tg__norm_axis(n->args.i[0], x->rank));
    return tg_tape_alloc(t, v.outer * v.inner * sizeof(size_t));
}

/* min_axis: y = min_k x[o,k,i]; dx[o,k*,i] += g[o,i] at the first arg-min k* (as
 * max_axis does for the maximum). */
tg_status tg__min_axis_fwd(tg_tape *t, tg_node *n) {
    size_t *arg = pick_buffer(t, n);
    if (!arg) return TG_ERR_NOMEM;
    pick(n, -1, arg, n->out->data);
    n->saved = arg;
    return TG_OK;
}
void tg__min_axis_bwd(tg_node *n) {
    tg_real *dx = n->in[0]->grad;
    if (!dx) return;
    const tg_tensor *x = n->in[0];
    tg__axis_view v = tg__view_at(x, tg__norm_axis(n->args.i[0], x->rank));
    const size_t *arg = n->saved;
    const tg_real *g = n->out->grad;
    tg__grad_zero_unset(n->in[0]); /* writes one element per line */
    for (size_t o = 0; o < v.outer; o++)
        for (size_t i = 0; i < v.inner; i++)
            dx[(o * v.len + arg[o * v.inner + i]) * v.inner + i] += g[o * v.inner + i];
}
tg_tensor *tg_min_axis(tg_tape *t, tg_tensor *x, int axis, bool keepdim) {
    tg_op_args args = {.i = {axis, keepdim ? 1 : 0}};
    return tg_apply(t, &tg__op_min_axis, &x, 1, &args);
}

/* argmax, argmin: y = k* as a tg_real integer (0 .. len-1; exact, since a dimension
 * is at most INT_MAX and float holds integers exactly up to 2^24: longer axes are
 * refused in the float build). Not differentiable: dx += 0. */
static tg_status arg_fwd(tg_tape *t, tg_node *n, int sense) {
    const tg_tensor *x = n->in[0];
    int a = tg__norm_axis(n->args.i[0], x->rank);
    if (a < 0) return TG_ERR_RANGE; /* the shape rule has reported it */
    if ((double)(tg_real)(x->shape[a] - 1) != (double)(x->shape[a] - 1))
        return tg_tape_fail(t, TG_ERR_SHAPE, "%s: axis %d has %d entries; %s cannot hold every index exactly",
                            n->op->name, a, x->shape[a], TG_REAL_NAME);
    size_t *arg = pick_buffer(t, n);
    if (!arg) return TG_ERR_NOMEM;
    pick(n, sense, arg, NULL);
    for (size_t j = 0; j < n->out->size; j++) n->out->data[j] = (tg_real)arg[j];
    return TG_OK;
}
tg_status tg__argmax_fwd(tg_tape *t, tg_node *n) { return arg_fwd(t, n, 1); }
tg_status tg__argmin_fwd(tg_tape *t, tg_node *n) { return arg_fwd(t, n, -1); }
tg_tensor *tg_argmax(tg_tape *t, tg_tensor *x, int axis, bool keepdim) {
    tg_op_args args = {.i = {axis, keepdim ? 1 : 0}};
    return tg_apply(t, &tg__op_argmax, &x, 1, &args);
}
tg_tensor *tg_argmin(tg_tape *t, tg_tensor *x, int axis, bool keepdim) {
    tg_op_args args = {.i = {axis, keepdim ? 1 : 0}};
    return tg_apply(t, &tg__op_argmin, &x, 1, &args);
}

/* ---- graph forms (registry.h, `graph`): the kernels' sums recorded with ops. The
 * unselected elements contribute +0, which leaves every sum's bits alone; sum_to adds
 * in the broadcasting kernels' order. */
/* where: da = sum_to(where(cond, g, 0)), db = sum_to(where(cond, 0, g)) */
tg_status tg__where_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    tg_tensor *c = n->in[0], *zero = tg__scalar(t, 0);
    if (tg__needs(n, 1)) dx[1] = tg__sum_to_like(t, tg_where(t, c, g, zero), n->in[1]);
    if (tg__needs(n, 2)) dx[2] = tg__sum_to_like(t, tg_where(t, c, zero, g), n->in[2]);
    return tg__graph_status(t);
}
/* masked_fill: dx = sum_to(masked_fill(g, mask, 0)) */
tg_status tg__masked_fill_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    if (tg__needs(n, 0)) dx[0] = tg__sum_to_like(t, tg_masked_fill(t, g, n->in[1], 0), n->in[0]);
    return tg__graph_status(t);
}
/* maximum, minimum: W = the share of g that goes to a (1, 1/2 at a tie, 0; a NaN
 * wins), a constant from the values; da = sum_to(g W), db = sum_to(g - g W), the
 * kernel's wa and gj - wa (g / 2 is g * 0.5 exactly). */
static tg_tensor *extremum_share(tg_tape *t, const tg_node *n, int sense) {
    tg_tensor *w = tg_tape_tensor(t, n->out->rank, n->out->shape, NULL, 0);
    if (!w) return NULL;
    tg__bc_plan p;
    tg__bc_make(&p, n->out, n->in, 2);
    const tg_real *a = n->in[0]->data, *b = n->in[1]->data;
    size_t sa = p.st[0][p.rank - 1], sb = p.st[1][p.rank - 1];
    int idx[TG_MAX_RANK] = {0};
    size_t off[3] = {0, 0, 0};
    for (size_t row = 0, base = 0; row < p.rows; row++, base += p.len, tg__bc_next(&p, idx, off))
        for (size_t j = 0; j < p.len; j++) {
            tg_real u = a[off[0] + j * sa], v = b[off[1] + j * sb];
            w->data[base + j] = u == v ? (tg_real)0.5 : isnan(u) ? 1 : isnan(v) ? 0
                                : (sense > 0 ? u > v : u < v) ? 1 : 0;
        }
    return w;
}
static tg_status extremum_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx, int sense) {
    tg_tensor *wa = tg_mul(t, g, extremum_share(t, n, sense));
    if (tg__needs(n, 0)) dx[0] = tg__sum_to_like(t, wa, n->in[0]);
    if (tg__needs(n, 1)) dx[1] = tg__sum_to_like(t, tg_sub(t, g, wa), n->in[1]);
    return tg__graph_status(t);
}
tg_status tg__maximum_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    return extremum_vjp(t, n, g, dx, 1);
}
tg_status tg__minimum_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    return extremum_vjp(t, n, g, dx, -1);
}
/* min_axis: g repeated along the axis times the one-hot of the first arg-min (the
 * saved indices): g where the kernel adds it, +0 elsewhere. */
tg_status tg__min_axis_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    if (!tg__needs(n, 0)) return tg__graph_status(t);
    tg_tensor *x = n->in[0];
    int a = tg__norm_axis(n->args.i[0], x->rank), shape[TG_MAX_RANK];
    tg__axis_view v = tg__view_at(x, a);
    const size_t *arg = n->saved;
    tg_tensor *m = tg_tape_tensor(t, x->rank, x->shape, NULL, 0);
    if (m && arg)
        for (size_t o = 0; o < v.outer; o++)
            for (size_t i = 0; i < v.inner; i++) m->data[(o * v.len + arg[o * v.inner + i]) * v.inner + i] = 1;
    memcpy(shape, x->shape, sizeof shape);
    shape[a] = 1;
    dx[0] = tg_mul(t, tg__expand_like(t, tg_reshape(t, g, x->rank, shape), x), m);
    return tg__graph_status(t);
}
