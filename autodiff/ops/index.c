/* index.c — indexing along any axis: index_select, gather, scatter_add.
 *
 * Indices are plain C ints owned by the caller, in the style of tg_gather_rows: the
 * builder reads them (the shape rule checks every one of them against the axis
 * length), forward copies them into the tape's arena for backward, so the caller may
 * reuse its array as soon as the builder returns. A tensor x is viewed as
 * (O, D, I) around the axis: O = product of the dimensions before it, D its length,
 * I the product after it. Each inner step moves I contiguous values.
 */
#include <limits.h>
#include "nn_private.h"

/* Checks idx[0..cnt) against 0..D-1; fails t naming the op and the position. */
static tg_status check_indices(tg_tape *t, const tg_node *n, const int *idx, size_t cnt, int D,
                               int axis) {
    if (!idx) return tg_tape_fail(t, TG_ERR_ARG, "%s: idx is NULL", n->op->name);
    for (size_t k = 0; k < cnt; k++)
        if (idx[k] < 0 || idx[k] >= D)
            return tg_tape_fail(t, TG_ERR_RANGE, "%s: index %d at position %zu is outside 0..%d (axis %d)",
                                n->op->name, idx[k], k, D - 1, axis);
    return TG_OK;
}

/* The caller's indices, copied into the arena (args.p then points at the copy). */
static const int *keep_indices(tg_tape *t, tg_node *n, size_t cnt) {
    int *idx = tg_tape_alloc(t, cnt * sizeof *idx);
    if (!idx) return NULL;
    memcpy(idx, n->args.p, cnt * sizeof *idx);
    n->args.p = idx;
    n->saved = idx;
    return idx;
}

/* ---- index_select ------------------------------------------------------------------
 * y[o, j, i] = x[o, idx[j], i] for j < n: x's shape with the axis' length n;
 * dx[o, idx[j], i] += g[o, j, i] (repeated indices accumulate).
 * args: i[0] = axis, i[1] = n, p = idx. */
tg_status tg__infer_index_select(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    const tg_tensor *x = n->in[0];
    int a = tg__axis_check(t, n, x, n->args.i[0]);
    if (a < 0) return tg_tape_status(t);
    long cnt = n->args.i[1];
    if (cnt < 1) return tg_tape_fail(t, TG_ERR_VALUE, "tg_index_select: n must be >= 1, got %ld", cnt);
    tg_status st = check_indices(t, n, n->args.p, (size_t)cnt, x->shape[a], a);
    if (st != TG_OK) return st;
    *rank = x->rank;
    memcpy(shape, x->shape, sizeof x->shape);
    shape[a] = (int)cnt;
    return TG_OK;
}
tg_status tg__index_select_fwd(tg_tape *t, tg_node *n) {
    const tg_tensor *x = n->in[0];
    tg__axis_view v = tg__view_at(x, tg__norm_axis(n->args.i[0], x->rank));
    size_t cnt = (size_t)n->args.i[1];
    const int *idx = keep_indices(t, n, cnt);
    if (!idx) return TG_ERR_NOMEM;
    tg_real *y = n->out->data;
    for (size_t o = 0; o < v.outer; o++)
        for (size_t j = 0; j < cnt; j++, y += v.inner)
            memcpy(y, x->data + (o * v.len + (size_t)idx[j]) * v.inner, v.inner * sizeof *y);
    return TG_OK;
}
void tg__index_select_bwd(tg_node *n) {
    tg_real *dx = n->in[0]->grad;
    if (!dx) return;
    const tg_tensor *x = n->in[0];
    tg__axis_view v = tg__view_at(x, tg__norm_axis(n->args.i[0], x->rank));
    size_t cnt = (size_t)n->args.i[1];
    const int *idx = n->saved;
    const tg_real *g = n->out->grad;
    tg__grad_zero_unset(n->in[0]); /* scattered writes (tg/store.h) */
    for (size_t o = 0; o < v.outer; o++)
        for (size_t j = 0; j < cnt; j++, g += v.inner) {
            tg_real *d = dx + (o * v.len + (size_t)idx[j]) * v.inner;
            for (size_t i = 0; i < v.inner; i++) d[i] += g[i];
        }
}
tg_tensor *tg_index_select(tg_tape *t, tg_tensor *x, int axis, const int *idx, int n) {
    tg_op_args args = {.i = {axis, n}, .p = idx};
    return tg_apply(t, &tg__op_index_select, &x, 1, &args);
}

/* ---- gather ----------------------------------------------------------------------------
 * y[o, j, i] = x[o, idx[o, j, i], i]: idx has x's shape with the axis' length n (what
 * torch.gather / take_along_axis do when the other dimensions are equal);
 * dx[o, idx[o,j,i], i] += g[o, j, i]. args: i[0] = axis, i[1] = n, p = idx (row-major,
 * O*n*I entries). */
tg_status tg__infer_gather_axis(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    const tg_tensor *x = n->in[0];
    int a = tg__axis_check(t, n, x, n->args.i[0]);
    if (a < 0) return tg_tape_status(t);
    long cnt = n->args.i[1];
    if (cnt < 1 || cnt > INT_MAX) return tg_tape_fail(t, TG_ERR_VALUE, "tg_gather: n must be >= 1, got %ld", cnt);
    *rank = x->rank;
    memcpy(shape, x->shape, sizeof x->shape);
    shape[a] = (int)cnt;
    tg_status st;
    size_t total = tg__shape_size("tg_gather", *rank, shape, &st);
    if (st != TG_OK) return tg_tape_fail(t, st, "%s", tg_last_error());
    return check_indices(t, n, n->args.p, total, x->shape[a], a);
}
tg_status tg__gather_axis_fwd(tg_tape *t, tg_node *n) {
    const tg_tensor *x = n->in[0];
    tg__axis_view v = tg__view_at(x, tg__norm_axis(n->args.i[0], x->rank));
    size_t cnt = (size_t)n->args.i[1];
    const int *idx = keep_indices(t, n, n->out->size);
    if (!idx) return TG_ERR_NOMEM;
    tg_real *y = n->out->data;
    for (size_t o = 0; o < v.outer; o++) {
        const tg_real *xo = x->data + o * v.len * v.inner;
        for (size_t j = 0; j < cnt; j++, y += v.inner, idx += v.inner)
            for (size_t i = 0; i < v.inner; i++) y[i] = xo[(size_t)idx[i] * v.inner + i];
    }
    return TG_OK;
}
void tg__gather_axis_bwd(tg_node *n) {
    tg_real *dx = n->in[0]->grad;
    if (!dx) return;
    const tg_tensor *x = n->in[0];
    tg__axis_view v = tg__view_at(x, tg__norm_axis(n->args.i[0], x->rank));
    size_t cnt = (size_t)n->args.i[1];
    const int *idx = n->saved;
    const tg_real *g = n->out->grad;
    tg__grad_zero_unset(n->in[0]); /* scattered writes (tg/store.h) */
    for (size_t o = 0; o < v.outer; o++) {
        tg_real *d = dx + o * v.len * v.inner;
        for (size_t j = 0; j < cnt; j++, g += v.inner, idx += v.inner)
            for (size_t i = 0; i < v.inner; i++) d[(size_t)idx[i] * v.inner + i] += g[i];
    }
}
tg_tensor *tg_gather(tg_tape *t, tg_tensor *x, int axis, const int *idx, int n) {
    tg_op_args args = {.i = {axis, n}, .p = idx};
    return tg_apply(t, &tg__op_gather, &x, 1, &args);
}

/* ---- scatter_add ------------------------------------------------------------------------
 * y = x, then y[o, idx[o,j,i], i] += src[o, j, i]: src has x's shape except along the
 * axis (length n, any n >= 1), idx has src's shape. y has x's shape.
 * dx += g; dsrc[o, j, i] += g[o, idx[o,j,i], i] (a gather of g).
 * args: i[0] = axis, p = idx (src->size entries). */
tg_status tg__infer_scatter_add(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    const tg_tensor *x = n->in[0], *src = n->in[1];
    int a = tg__axis_check(t, n, x, n->args.i[0]);
    if (a < 0) return tg_tape_status(t);
    bool same = x->rank == src->rank;
    for (int i = 0; same && i < x->rank; i++) same = i == a || x->shape[i] == src->shape[i];
    if (!same) {
        char sx[128], ss[128];
        return tg_tape_fail(t, TG_ERR_SHAPE,
                            "tg_scatter_add: src has shape %s, x has %s: they must match outside axis %d",
                            tg_shape_str(src, ss, sizeof ss), tg_shape_str(x, sx, sizeof sx), a);
    }
    tg_status st = check_indices(t, n, n->args.p, src->size, x->shape[a], a);
    if (st != TG_OK) return st;
    *rank = x->rank;
    memcpy(shape, x->shape, sizeof x->shape);
    return TG_OK;
}
tg_status tg__scatter_add_fwd(tg_tape *t, tg_node *n) {
    const tg_tensor *x = n->in[0], *src = n->in[1];
    int a = tg__norm_axis(n->args.i[0], x->rank);
    tg__axis_view v = tg__view_at(x, a);
    size_t cnt = (size_t)src->shape[a];
    const int *idx = keep_indices(t, n, src->size);
    if (!idx) return TG_ERR_NOMEM;
    tg_real *y = n->out->data;
    const tg_real *s = src->data;
    memcpy(y, x->data, x->size * sizeof *y);
    for (size_t o = 0; o < v.outer; o++) {
        tg_real *yo = y + o * v.len * v.inner;
        for (size_t j = 0; j < cnt; j++, s += v.inner, idx += v.inner)
            for (size_t i = 0; i < v.inner; i++) yo[(size_t)idx[i] * v.inner + i] += s[i];
    }
    return TG_OK;
}
void tg__scatter_add_bwd(tg_node *n) {
    const tg_tensor *x = n->in[0], *src = n->in[1];
    const tg_real *g = n->out->grad;
    if (x->grad) {
        bool f = tg__grad_first(n->in[0]);
        TG__GRAD_PUT(f, x->grad, x->size, k, g[k]);
    }
    tg_real *ds = src->grad;
    if (!ds) return;
    bool fs = tg__grad_first(n->in[1]); /* every element of ds is written once */
    int a = tg__norm_axis(n->args.i[0], x->rank);
    tg__axis_view v = tg__view_at(x, a);
    size_t cnt = (size_t)src->shape[a];
    const int *idx = n->saved;
    for (size_t o = 0; o < v.outer; o++) {
        const tg_real *go = g + o * v.len * v.inner;
        for (size_t j = 0; j < cnt; j++, ds += v.inner, idx += v.inner)
            for (size_t i = 0; i < v.inner; i++) TG__ACC(fs, ds[i], go[(size_t)idx[i] * v.inner + i]);
    }
}
tg_tensor *tg_scatter_add(tg_tape *t, tg_tensor *x, int axis, const int *idx, tg_tensor *src) {
    tg_tensor *in[2] = {x, src};
    tg_op_args args = {.i = {axis}, .p = idx};
    return tg_apply(t, &tg__op_scatter_add, in, 2, &args);
}

/* ---- graph forms (registry.h, `graph`): each gradient is the other op of the pair
 * on the saved indices, adding in the kernels' (o, j, i) order, so the bits agree. */
static tg_tensor *zeros_like(tg_tape *t, const tg_tensor *x) {
    return tg_tape_tensor(t, x->rank, x->shape, NULL, 0);
}
/* index_select: dx = scatter_add(0, axis, idx repeated over g's shape, g) */
tg_status tg__index_select_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    if (!tg__needs(n, 0)) return tg__graph_status(t);
    const tg_tensor *x = n->in[0];
    int a = tg__norm_axis(n->args.i[0], x->rank);
    tg__axis_view v = tg__view_at(x, a);
    size_t cnt = (size_t)n->args.i[1];
    const int *idx = n->saved;
    int *full = tg_tape_alloc(t, g->size * sizeof *full);
    if (!full || !idx) return tg__graph_status(t);
    for (size_t o = 0, k = 0; o < v.outer; o++)
        for (size_t j = 0; j < cnt; j++)
            for (size_t i = 0; i < v.inner; i++) full[k++] = idx[j];
    dx[0] = tg_scatter_add(t, zeros_like(t, x), a, full, g);
    return tg__graph_status(t);
}
/* gather: dx = scatter_add(0, axis, idx, g) */
tg_status tg__gather_axis_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    const tg_tensor *x = n->in[0];
    if (tg__needs(n, 0))
        dx[0] = tg_scatter_add(t, zeros_like(t, x), tg__norm_axis(n->args.i[0], x->rank), n->saved, g);
    return tg__graph_status(t);
}
/* scatter_add: dx = g, dsrc = gather(g, axis, idx) */
tg_status tg__scatter_add_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    const tg_tensor *x = n->in[0], *src = n->in[1];
    int a = tg__norm_axis(n->args.i[0], x->rank);
    if (tg__needs(n, 0)) dx[0] = g;
    if (tg__needs(n, 1)) dx[1] = tg_gather(t, g, a, n->saved, src->shape[a]);
    return tg__graph_status(t);
}
