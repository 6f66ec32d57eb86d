/* shape.c — ops that move values without arithmetic: transpose, reshape, slice,
 * concat, gather_rows. Each backward routes the upstream gradient g back to where the
 * value came from, with += (an input used twice collects both contributions).
 *
 * Views: reshape, and slice along axis 0, share the input's storage (TG_OPF_VIEW:
 * forward sets out->data into in->data). Only values are shared: the output has its
 * own gradient buffer (allocated by the sweep), and backward adds it into dx like any
 * other op, so gradients flow through views exactly as through copies.
 *
 * Pointer arguments (reshape's shape, gather_rows' indices) belong to the caller and
 * may change after the builder returns: infer reads them while the builder runs;
 * forward copies what backward needs into the arena and never leaves args.p pointing
 * at the caller's memory.
 */
#include <limits.h>
#include <string.h>
#include "ops_private.h"

/* Product of shape[lo..hi) (1 if empty). */
static size_t dims_prod(const int *shape, int lo, int hi) {
    size_t p = 1;
    for (int i = lo; i < hi; i++) p *= (size_t)shape[i];
    return p;
}

/* ---- transpose ----------------------------------------------------------------
 * y = x with axes a0 and a1 swapped (a copy); dx += g with the same axes swapped back.
 * With lo < hi the two axes, x is viewed as (P,A,Q,B,R) = (dims before lo, dim lo,
 * dims between, dim hi, dims after) and y is (P,B,Q,A,R). */

/* dst (P,B,Q,A,R) <- src (P,A,Q,B,R) with the A and B axes swapped: a copy (mode
 * COPY), dst += src (ADD) or dst = 0 + src (STORE: dst is an unset gradient,
 * tg/store.h). dst is written in order; each step moves R contiguous values. */
enum { COPY, ADD, STORE };
static void swap_axes(const tg_real *src, tg_real *dst, size_t P, size_t A, size_t Q,
                      size_t B, size_t R, int mode) {
    for (size_t p = 0; p < P; p++)
        for (size_t b = 0; b < B; b++)
            for (size_t q = 0; q < Q; q++)
                for (size_t a = 0; a < A; a++, dst += R) {
                    const tg_real *s = src + (((p * A + a) * Q + q) * B + b) * R;
                    if (mode == COPY) memcpy(dst, s, R * sizeof *s);
                    else TG__GRAD_PUT(mode == STORE, dst, R, r, s[r]);
                }
}

tg_status tg__infer_transpose(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    const tg_tensor *x = n->in[0];
    char sx[128];
    for (int k = 0; k < 2; k++)
        if (tg__norm_axis(n->args.i[k], x->rank) < 0)
            return tg_tape_fail(t, TG_ERR_RANGE, "tg_transpose: axis %ld is out of range for shape %s",
                                n->args.i[k], tg_shape_str(x, sx, sizeof sx));
    int a0 = tg__norm_axis(n->args.i[0], x->rank), a1 = tg__norm_axis(n->args.i[1], x->rank);
    *rank = x->rank;
    for (int i = 0; i < x->rank; i++) shape[i] = x->shape[i];
    shape[a0] = x->shape[a1];
    shape[a1] = x->shape[a0];
    return TG_OK;
}

/* x's shape as (P,A,Q,B,R) around the swapped axes. a0 == a1 gives A = B = Q = 1:
 * a plain copy. */
static void transpose_dims(const tg_node *n, size_t d[5]) {
    const tg_tensor *x = n->in[0];
    int a0 = tg__norm_axis(n->args.i[0], x->rank), a1 = tg__norm_axis(n->args.i[1], x->rank);
    int lo = a0 < a1 ? a0 : a1, hi = a0 < a1 ? a1 : a0;
    if (lo == hi) {
        d[0] = x->size, d[1] = d[2] = d[3] = d[4] = 1;
        return;
    }
    d[0] = dims_prod(x->shape, 0, lo);
    d[1] = (size_t)x->shape[lo];
    d[2] = dims_prod(x->shape, lo + 1, hi);
    d[3] = (size_t)x->shape[hi];
    d[4] = dims_prod(x->shape, hi + 1, x->rank);
}

tg_status tg__transpose_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    size_t d[5];
    transpose_dims(n, d);
    swap_axes(n->in[0]->data, n->out->data, d[0], d[1], d[2], d[3], d[4], COPY);
    return TG_OK;
}
void tg__transpose_bwd(tg_node *n) {
    size_t d[5];
    transpose_dims(n, d);
    /* g is (P,B,Q,A,R); swapping back gives dx's (P,A,Q,B,R). */
    if (n->in[0]->grad)
        swap_axes(n->out->grad, n->in[0]->grad, d[0], d[3], d[2], d[1], d[4],
                  tg__grad_first(n->in[0]) ? STORE : ADD);
}
tg_tensor *tg_transpose(tg_tape *t, tg_tensor *x, int a0, int a1) {
    tg_op_args args = {.i = {a0, a1}};
    return tg_apply(t, &tg__op_transpose, &x, 1, &args);
}

/* ---- reshape (view) -------------------------------------------------------------
 * y = x with a new shape of the same element count; y->data == x->data.
 * dx += g element by element (row-major order is unchanged).
 * args: i[0] = rank, p = shape (the caller's; one entry may be -1: inferred). */
tg_status tg__infer_reshape(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    const tg_tensor *x = n->in[0];
    long r = n->args.i[0];
    const int *req = n->args.p;
    char sx[128], sr[128];
    if (r < 0 || r > TG_MAX_RANK)
        return tg_tape_fail(t, TG_ERR_SHAPE, "tg_reshape: rank %ld is outside 0..%d", r, TG_MAX_RANK);
    if (r > 0 && !req)
        return tg_tape_fail(t, TG_ERR_ARG, "tg_reshape: shape is NULL for rank %ld", r);
    tg_shape_str(x, sx, sizeof sx);
    tg__shape_fmt((int)r, req, sr, sizeof sr);
    int infer_at = -1;
    size_t known = 1;       /* product of the given dimensions, while <= x->size */
    bool too_many = false;  /* that product exceeds x->size */
    double wanted = 1;      /* the same product for messages (exact below 2^53) */
    for (int i = 0; i < r; i++) {
        if (req[i] == -1) {
            if (infer_at >= 0)
                return tg_tape_fail(t, TG_ERR_SHAPE, "tg_reshape: more than one dimension is -1: %s", sr);
            infer_at = i;
            continue;
        }
        if (req[i] < 1)
            return tg_tape_fail(t, TG_ERR_SHAPE,
                                "tg_reshape: dimension %d is %d (must be >= 1, or -1 once): %s", i,
                                req[i], sr);
        wanted *= req[i];
        if ((size_t)req[i] > x->size / known) too_many = true;
        else known *= (size_t)req[i];
    }
    if (infer_at < 0 && (too_many || known != x->size))
        return tg_tape_fail(t, TG_ERR_SHAPE,
                            "tg_reshape: element counts differ: %s has %zu, %s has %.0f", sx,
                            x->size, sr, wanted);
    if (infer_at >= 0 && (too_many || x->size % known != 0))
        return tg_tape_fail(t, TG_ERR_SHAPE,
                            "tg_reshape: cannot infer the -1 in %s: %zu elements of %s are not a multiple of %.0f",
                            sr, x->size, sx, wanted);
    if (infer_at >= 0 && x->size / known > INT_MAX)
        return tg_tape_fail(t, TG_ERR_SHAPE, "tg_reshape: inferred dimension %zu of %s is too large",
                            x->size / known, sr);
    *rank = (int)r;
    for (int i = 0; i < r; i++) shape[i] = i == infer_at ? (int)(x->size / known) : req[i];
    return TG_OK;
}
tg_status tg__reshape_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    n->out->data = n->in[0]->data;
    n->args.p = NULL; /* the resolved shape is out->shape; keep no caller pointer */
    return TG_OK;
}
void tg__reshape_bwd(tg_node *n) {
    tg_real *dx = n->in[0]->grad;
    const tg_real *g = n->out->grad;
    if (dx) {
        bool f = tg__grad_first(n->in[0]);
        TG__GRAD_PUT(f, dx, n->out->size, i, g[i]);
    }
}
tg_tensor *tg_reshape(tg_tape *t, tg_tensor *x, int rank, const int *shape) {
    tg_op_args args = {.i = {rank}, .p = shape};
    return tg_apply(t, &tg__op_reshape, &x, 1, &args);
}

/* ---- slice ------------------------------------------------------------------------
 * y = x[..., start:start+len, ...] along axis. With x viewed as (O, D, I) = (dims
 * before axis, dim axis, dims after): y[o,j,i] = x[o,start+j,i];
 * dx[o,start+j,i] += g[o,j,i]. Along axis 0 (O = 1) y is the contiguous block
 * x->data + start*I: a view. Otherwise forward copies into the arena.
 * args: i[0] = axis, i[1] = start, i[2] = len. */
tg_status tg__infer_slice(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    const tg_tensor *x = n->in[0];
    long axis = n->args.i[0], start = n->args.i[1], len = n->args.i[2];
    char sx[128];
    tg_shape_str(x, sx, sizeof sx);
    int a = tg__norm_axis(axis, x->rank);
    if (a < 0)
        return tg_tape_fail(t, TG_ERR_RANGE, "tg_slice: axis %ld is out of range for shape %s", axis, sx);
    long dim = x->shape[a];
    if (len < 1)
        return tg_tape_fail(t, TG_ERR_RANGE, "tg_slice: length %ld must be >= 1 (axis %ld of shape %s)",
                            len, axis, sx);
    if (start < 0 || start >= dim)
        return tg_tape_fail(t, TG_ERR_RANGE, "tg_slice: start %ld is outside 0..%ld for axis %ld of shape %s",
                            start, dim - 1, axis, sx);
    if (len > dim - start)
        return tg_tape_fail(t, TG_ERR_RANGE,
                            "tg_slice: start %ld + length %ld exceeds %ld on axis %ld of shape %s",
                            start, len, dim, axis, sx);
    *rank = x->rank;
    for (int i = 0; i < x->rank; i++) shape[i] = x->shape[i];
    shape[a] = (int)len;
    return TG_OK;
}
/* x as (O, D, I) around the sliced axis. */
static void slice_dims(const tg_node *n, int *axis, size_t *O, size_t *D, size_t *I) {
    const tg_tensor *x = n->in[0];
    *axis = tg__norm_axis(n->args.i[0], x->rank);
    *O = dims_prod(x->shape, 0, *axis);
    *D = (size_t)x->shape[*axis];
    *I = dims_prod(x->shape, *axis + 1, x->rank);
}
tg_status tg__slice_fwd(tg_tape *t, tg_node *n) {
    int axis;
    size_t O, D, I, start = (size_t)n->args.i[1], len = (size_t)n->args.i[2];
    slice_dims(n, &axis, &O, &D, &I);
    const tg_real *x = n->in[0]->data;
    if (axis == 0) {
        n->out->data = (tg_real *)x + start * I; /* view: y never writes through it */
        return TG_OK;
    }
    tg_real *y = tg_tape_alloc(t, n->out->size * sizeof *y);
    if (!y) return TG_ERR_NOMEM; /* the tape holds the message */
    n->out->data = y;
    for (size_t o = 0; o < O; o++)
        memcpy(y + o * len * I, x + (o * D + start) * I, len * I * sizeof *y);
    return TG_OK;
}
void tg__slice_bwd(tg_node *n) {
    int axis;
    size_t O, D, I, start = (size_t)n->args.i[1], len = (size_t)n->args.i[2];
    slice_dims(n, &axis, &O, &D, &I);
    tg_real *dx = n->in[0]->grad;
    const tg_real *g = n->out->grad;
    if (!dx) return;
    bool f = tg__grad_first(n->in[0]); /* then the rest of each line is zeroed */
    for (size_t o = 0; o < O; o++) {
        tg_real *d = dx + (o * D + start) * I;
        const tg_real *s = g + o * len * I;
        if (f) {
            memset(dx + o * D * I, 0, start * I * sizeof *dx);
            memset(d + len * I, 0, (D - start - len) * I * sizeof *dx);
        }
        TG__GRAD_PUT(f, d, len * I, k, s[k]);
    }
}
/* TG_OPF_VIEW because forward chooses out->data itself (a view or an arena copy). */
tg_tensor *tg_slice(tg_tape *t, tg_tensor *x, int axis, int start, int len) {
    tg_op_args args = {.i = {axis, start, len}};
    return tg_apply(t, &tg__op_slice, &x, 1, &args);
}

/* ---- concat -------------------------------------------------------------------------
 * y = [x_1, ..., x_n] joined along axis; every other dimension equal. With each x_k
 * viewed as (O, D_k, I): y[o, off_k + j, i] = x_k[o, j, i], off_k = D_1 + ... + D_{k-1};
 * dx_k[o,j,i] += g[o, off_k + j, i]. args: i[0] = axis. */
tg_status tg__infer_concat(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    const tg_tensor *x0 = n->in[0];
    long axis = n->args.i[0];
    char s0[128], sk[128];
    tg_shape_str(x0, s0, sizeof s0);
    int a = tg__norm_axis(axis, x0->rank);
    if (a < 0)
        return tg_tape_fail(t, TG_ERR_RANGE, "tg_concat: axis %ld is out of range for shape %s", axis, s0);
    long long total = 0;
    for (int k = 0; k < n->n_in; k++) {
        const tg_tensor *xk = n->in[k];
        bool same = xk->rank == x0->rank;
        for (int i = 0; same && i < x0->rank; i++) same = i == a || xk->shape[i] == x0->shape[i];
        if (!same)
            return tg_tape_fail(t, TG_ERR_SHAPE,
                                "tg_concat: input %d has shape %s, input 1 has %s: they must match outside axis %ld",
                                k + 1, tg_shape_str(xk, sk, sizeof sk), s0, axis);
        total += xk->shape[a];
    }
    if (total > INT_MAX)
        return tg_tape_fail(t, TG_ERR_SHAPE, "tg_concat: the joined axis %ld would have %lld elements",
                            axis, total);
    *rank = x0->rank;
    for (int i = 0; i < x0->rank; i++) shape[i] = x0->shape[i];
    shape[a] = (int)total;
    return TG_OK;
}
/* O and I of the (O, D_k, I) views. */
static int concat_dims(const tg_node *n, size_t *O, size_t *I) {
    const tg_tensor *y = n->out;
    int a = tg__norm_axis(n->args.i[0], y->rank);
    *O = dims_prod(y->shape, 0, a);
    *I = dims_prod(y->shape, a + 1, y->rank);
    return a;
}
tg_status tg__concat_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    size_t O, I;
    int a = concat_dims(n, &O, &I);
    tg_real *y = n->out->data;
    for (size_t o = 0; o < O; o++)
        for (int k = 0; k < n->n_in; k++) {
            size_t cnt = (size_t)n->in[k]->shape[a] * I; /* one (D_k, I) block */
            memcpy(y, n->in[k]->data + o * cnt, cnt * sizeof *y);
            y += cnt;
        }
    return TG_OK;
}
void tg__concat_bwd(tg_node *n) {
    size_t O, I;
    int a = concat_dims(n, &O, &I);
    /* Input by input (each element of a repeated input still takes its parts in
     * input order); input k's (D_k, I) block of line o is at o * row + off. */
    const tg_real *g = n->out->grad;
    size_t row = n->out->size / O, off = 0;
    for (int k = 0; k < n->n_in; k++) {
        size_t cnt = (size_t)n->in[k]->shape[a] * I;
        tg_real *dx = n->in[k]->grad;
        bool f = dx && tg__grad_first(n->in[k]);
        for (size_t o = 0; dx && o < O; o++) TG__GRAD_PUT(f, dx + o * cnt, cnt, i, g[o * row + off + i]);
        off += cnt;
    }
}
tg_tensor *tg_concat(tg_tape *t, tg_tensor *const *xs, int n, int axis) {
    /* Clearer messages than tg_apply's generic input-count check. */
    if (t && tg_tape_status(t) == TG_OK) {
        if (!xs) {
            tg_tape_fail(t, TG_ERR_ARG, "tg_concat: xs is NULL");
            return NULL;
        }
        if (n < 1) {
            tg_tape_fail(t, TG_ERR_ARG, "tg_concat: need at least one input, got n = %d", n);
            return NULL;
        }
    }
    tg_op_args args = {.i = {axis}};
    return tg_apply(t, &tg__op_concat, xs, n, &args);
}

/* ---- gather_rows ------------------------------------------------------------------
 * y[i,:] = table[idx[i],:], table (V,D) -> y (n,D) (an embedding lookup);
 * dtable[idx[i],:] += g[i,:] — a scatter-add, so repeated indices accumulate.
 * args: i[0] = n, p = idx (the caller's; copied into the arena by forward). */
tg_status tg__infer_gather(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    const tg_tensor *table = n->in[0];
    const int *idx = n->args.p;
    long cnt = n->args.i[0];
    char st[128];
    if (table->rank != 2)
        return tg_tape_fail(t, TG_ERR_SHAPE, "tg_gather_rows: table must have rank 2 (V,D), got shape %s",
                            tg_shape_str(table, st, sizeof st));
    if (cnt < 1)
        return tg_tape_fail(t, TG_ERR_VALUE, "tg_gather_rows: n must be >= 1, got %ld", cnt);
    if (!idx) return tg_tape_fail(t, TG_ERR_ARG, "tg_gather_rows: idx is NULL");
    int V = table->shape[0];
    for (long i = 0; i < cnt; i++)
        if (idx[i] < 0 || idx[i] >= V)
            return tg_tape_fail(t, TG_ERR_RANGE,
                                "tg_gather_rows: index %d at position %ld is outside 0..%d", idx[i],
                                i, V - 1);
    *rank = 2;
    shape[0] = (int)cnt;
    shape[1] = table->shape[1];
    return TG_OK;
}
tg_status tg__gather_fwd(tg_tape *t, tg_node *n) {
    size_t cnt = (size_t)n->args.i[0], D = (size_t)n->in[0]->shape[1];
    int *idx = tg_tape_alloc(t, cnt * sizeof *idx);
    if (!idx) return TG_ERR_NOMEM;
    memcpy(idx, n->args.p, cnt * sizeof *idx);
    n->saved = idx;
    n->args.p = idx; /* arena copy: the caller may reuse its array */
    for (size_t i = 0; i < cnt; i++)
        memcpy(n->out->data + i * D, n->in[0]->data + (size_t)idx[i] * D, D * sizeof(tg_real));
    return TG_OK;
}
void tg__gather_bwd(tg_node *n) {
    size_t cnt = (size_t)n->args.i[0], D = (size_t)n->in[0]->shape[1];
    const int *idx = n->saved;
    tg_real *dt = n->in[0]->grad;
    const tg_real *g = n->out->grad;
    if (!dt) return;
    tg__grad_zero_unset(n->in[0]); /* rows not gathered get nothing */
    for (size_t i = 0; i < cnt; i++) {
        tg_real *row = dt + (size_t)idx[i] * D;
        for (size_t j = 0; j < D; j++) row[j] += g[i * D + j];
    }
}
tg_tensor *tg_gather_rows(tg_tape *t, tg_tensor *table, const int *idx, int n) {
    tg_op_args args = {.i = {n}, .p = idx};
    return tg_apply(t, &tg__op_gather_rows, &table, 1, &args);
}

/* ---- scatter_rows: the backward op of gather_rows ---------------------------------
 * y = zeros (V,D); y[idx[i],:] += g[i,:] for i = 0..n-1 in order (repeats add up);
 * dg[i,:] += gy[idx[i],:] (a gather). g is (n,D). args: i[0] = n, i[1] = V,
 * p = idx (the caller's; copied into the arena by forward). */
tg_status tg__infer_scatter(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    const tg_tensor *g = n->in[0];
    const int *idx = n->args.p;
    long cnt = n->args.i[0], V = n->args.i[1];
    char sg[128];
    if (g->rank != 2 || g->shape[0] != cnt)
        return tg_tape_fail(t, TG_ERR_SHAPE, "tg_scatter_rows: g must have shape (n,D) with n = %ld, got %s",
                            cnt, tg_shape_str(g, sg, sizeof sg));
    if (V < 1 || V > INT_MAX)
        return tg_tape_fail(t, TG_ERR_VALUE, "tg_scatter_rows: rows must be in 1..%d, got %ld", INT_MAX, V);
    if (!idx) return tg_tape_fail(t, TG_ERR_ARG, "tg_scatter_rows: idx is NULL");
    for (long i = 0; i < cnt; i++)
        if (idx[i] < 0 || idx[i] >= V)
            return tg_tape_fail(t, TG_ERR_RANGE,
                                "tg_scatter_rows: index %d at position %ld is outside 0..%ld", idx[i], i, V - 1);
    *rank = 2;
    shape[0] = (int)V;
    shape[1] = g->shape[1];
    return TG_OK;
}
tg_status tg__scatter_fwd(tg_tape *t, tg_node *n) {
    size_t cnt = (size_t)n->args.i[0], D = (size_t)n->in[0]->shape[1];
    int *idx = tg_tape_alloc(t, cnt * sizeof *idx);
    if (!idx) return TG_ERR_NOMEM;
    memcpy(idx, n->args.p, cnt * sizeof *idx);
    n->saved = idx;
    n->args.p = idx;
    tg_real *y = n->out->data;
    memset(y, 0, n->out->size * sizeof *y);
    for (size_t i = 0; i < cnt; i++)
        for (size_t j = 0; j < D; j++) y[(size_t)idx[i] * D + j] += n->in[0]->data[i * D + j];
    return TG_OK;
}
void tg__scatter_bwd(tg_node *n) {
    size_t cnt = (size_t)n->args.i[0], D = (size_t)n->in[0]->shape[1];
    const int *idx = n->saved;
    tg_real *dg = n->in[0]->grad;
    if (!dg) return;
    bool f = tg__grad_first(n->in[0]); /* every element of dg is written once */
    for (size_t i = 0; i < cnt; i++)
        TG__GRAD_PUT(f, dg + i * D, D, j, n->out->grad[(size_t)idx[i] * D + j]);
}
tg_tensor *tg_scatter_rows(tg_tape *t, tg_tensor *g, const int *idx, int n, int rows) {
    tg_op_args args = {.i = {n, rows}, .p = idx};
    return tg_apply(t, &tg__op_scatter_rows, &g, 1, &args);
}

/* ---- graph forms (registry.h, `graph`): the routes back, recorded as ops. */
tg_status tg__transpose_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    if (tg__needs(n, 0)) dx[0] = tg_transpose(t, g, (int)n->args.i[0], (int)n->args.i[1]);
    return tg__graph_status(t);
}
tg_status tg__reshape_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    if (tg__needs(n, 0)) dx[0] = tg_reshape(t, g, n->in[0]->rank, n->in[0]->shape);
    return tg__graph_status(t);
}
/* dx = [zeros before, g, zeros after] joined along the axis. */
tg_status tg__slice_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    if (!tg__needs(n, 0)) return tg__graph_status(t);
    const tg_tensor *x = n->in[0];
    int a = tg__norm_axis(n->args.i[0], x->rank);
    int start = (int)n->args.i[1], len = (int)n->args.i[2], after = x->shape[a] - start - len;
    tg_tensor *parts[3];
    int k = 0, shape[TG_MAX_RANK];
    memcpy(shape, x->shape, sizeof shape);
    if (start > 0) {
        shape[a] = start;
        parts[k++] = tg_tape_full(t, x->rank, shape, 0);
    }
    parts[k++] = g;
    if (after > 0) {
        shape[a] = after;
        parts[k++] = tg_tape_full(t, x->rank, shape, 0);
    }
    dx[0] = k == 1 ? g : tg_concat(t, parts, k, a);
    return tg__graph_status(t);
}
tg_status tg__concat_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    int a = tg__norm_axis(n->args.i[0], n->out->rank), off = 0;
    for (int k = 0; k < n->n_in; k++) {
        int d = n->in[k]->shape[a];
        if (tg__needs(n, k)) dx[k] = tg_slice(t, g, a, off, d);
        off += d;
    }
    return tg__graph_status(t);
}
tg_status tg__gather_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    if (tg__needs(n, 0))
        dx[0] = tg_scatter_rows(t, g, n->saved, (int)n->args.i[0], n->in[0]->shape[0]);
    return tg__graph_status(t);
}
tg_status tg__scatter_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    if (tg__needs(n, 0)) dx[0] = tg_gather_rows(t, g, n->saved, (int)n->args.i[0]);
    return tg__graph_status(t);
}
