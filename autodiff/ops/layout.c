/* layout.c — ops that rearrange values: permute, expand, stack; and tg_split, which is
 * not a primitive but one tg_slice per piece (its gradient is the slices').
 *
 * Every backward routes g back to where each value came from with +=.
 */
#include <limits.h>
#include "nn_private.h"

/* ---- permute -----------------------------------------------------------------------
 * y = x with its axes reordered: y.shape[k] = x.shape[perm[k]],
 * y[j_0, ..., j_{r-1}] = x[i] with i_{perm[k]} = j_k; dx += g permuted back.
 * args: i[0] = rank of perm, p = perm (the caller's, read by the shape rule); forward
 * packs the normalised permutation into i[1] (4 bits per axis) and drops p. */
tg_status tg__infer_permute(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    const tg_tensor *x = n->in[0];
    const int *perm = n->args.p;
    char sx[128];
    tg_shape_str(x, sx, sizeof sx);
    if (n->args.i[0] != x->rank)
        return tg_tape_fail(t, TG_ERR_SHAPE, "tg_permute: %ld axes given for shape %s of rank %d",
                            n->args.i[0], sx, x->rank);
    if (!perm && x->rank > 0) return tg_tape_fail(t, TG_ERR_ARG, "tg_permute: perm is NULL");
    bool seen[TG_MAX_RANK] = {false};
    for (int k = 0; k < x->rank; k++) {
        int a = tg__norm_axis(perm[k], x->rank);
        if (a < 0)
            return tg_tape_fail(t, TG_ERR_RANGE, "tg_permute: perm[%d] = %d is out of range for shape %s",
                                k, perm[k], sx);
        if (seen[a])
            return tg_tape_fail(t, TG_ERR_VALUE, "tg_permute: axis %d appears twice in perm (shape %s)",
                                a, sx);
        seen[a] = true;
        shape[k] = x->shape[a];
    }
    *rank = x->rank;
    return TG_OK;
}
static int perm_at(const tg_node *n, int k) { return (int)((n->args.i[1] >> (4 * k)) & 15); }

/* For each output row (last output axis), the input offset; inner stride s_last.
 * Backward visits each element of dx once: with first (dx unset, tg/store.h) it
 * stores. */
static void permute_run(const tg_node *n, bool bwd, bool first) {
    const tg_tensor *x = n->in[0], *y = n->out;
    int r = x->rank;
    if (r == 0) {
        if (bwd) TG__ACC(first, x->grad[0], y->grad[0]);
        else y->data[0] = x->data[0];
        return;
    }
    size_t xs[TG_MAX_RANK], st[TG_MAX_RANK];
    size_t acc = 1;
    for (int i = r - 1; i >= 0; i--) xs[i] = acc, acc *= (size_t)x->shape[i];
    for (int k = 0; k < r; k++) st[k] = xs[perm_at(n, k)];
    size_t len = (size_t)y->shape[r - 1], rows = y->size / len, sl = st[r - 1], off = 0;
    int idx[TG_MAX_RANK] = {0};
    for (size_t row = 0; row < rows; row++) {
        if (bwd) {
            const tg_real *g = y->grad + row * len;
            tg_real *dx = x->grad + off;
            if (first) for (size_t j = 0; j < len; j++) dx[j * sl] = TG__Z + g[j];
            else for (size_t j = 0; j < len; j++) dx[j * sl] += g[j];
        } else {
            tg_real *yr = y->data + row * len;
            const tg_real *xr = x->data + off;
            for (size_t j = 0; j < len; j++) yr[j] = xr[j * sl];
        }
        for (int d = r - 2; d >= 0; d--) {
            off += st[d];
            if (++idx[d] < y->shape[d]) break;
            off -= st[d] * (size_t)y->shape[d];
            idx[d] = 0;
        }
    }
}
tg_status tg__permute_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    const int *perm = n->args.p;
    long packed = 0;
    for (int k = 0; k < n->in[0]->rank; k++) packed |= (long)tg__norm_axis(perm[k], n->in[0]->rank) << (4 * k);
    n->args.i[1] = packed;
    n->args.p = NULL;
    permute_run(n, false, false);
    return TG_OK;
}
void tg__permute_bwd(tg_node *n) {
    if (n->in[0]->grad) permute_run(n, true, tg__grad_first(n->in[0]));
}
tg_tensor *tg_permute(tg_tape *t, tg_tensor *x, int rank, const int *perm) {
    tg_op_args args = {.i = {rank}, .p = perm};
    return tg_apply(t, &tg__op_permute, &x, 1, &args);
}

/* ---- expand ------------------------------------------------------------------------
 * y = x broadcast to `shape` (NumPy rules: x is right-aligned, each of its dimensions
 * equals the target's or is 1; -1 keeps x's dimension); dx += g summed over the
 * broadcast dimensions. Tensors are dense, so y is a copy; the broadcasting ops
 * (tg_add, tg_where, ...) never need it. args: i[0] = rank, p = shape (read by the
 * shape rule only). */
tg_status tg__infer_expand(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    const tg_tensor *x = n->in[0];
    long r = n->args.i[0];
    const int *req = n->args.p;
    char sx[128], sr[128];
    tg_shape_str(x, sx, sizeof sx);
    if (r < x->rank || r > TG_MAX_RANK)
        return tg_tape_fail(t, TG_ERR_SHAPE, "tg_expand: rank %ld is outside %d..%d for shape %s", r,
                            x->rank, TG_MAX_RANK, sx);
    if (!req && r > 0) return tg_tape_fail(t, TG_ERR_ARG, "tg_expand: shape is NULL");
    tg__shape_fmt((int)r, req, sr, sizeof sr);
    for (int i = 0; i < r; i++) {
        int off = (int)r - x->rank, d = i < off ? 1 : x->shape[i - off], w = req[i];
        if (w == -1 && i >= off) w = d;
        if (w < 1 || (d != 1 && d != w))
            return tg_tape_fail(t, TG_ERR_SHAPE, "tg_expand: cannot expand %s to %s (axis %d: %d to %d)",
                                sx, sr, i, d, req[i]);
        shape[i] = w;
    }
    *rank = (int)r;
    return TG_OK;
}
tg_status tg__expand_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    n->args.p = NULL;
    tg__bc_plan p;
    tg__bc_make(&p, n->out, n->in, 1);
    const tg_real *x = n->in[0]->data;
    tg_real *y = n->out->data;
    size_t s = p.st[0][p.rank - 1], off[1] = {0};
    int idx[TG_MAX_RANK] = {0};
    for (size_t row = 0; row < p.rows; row++, y += p.len) {
        for (size_t j = 0; j < p.len; j++) y[j] = x[off[0] + j * s];
        tg__bc_next(&p, idx, off);
    }
    return TG_OK;
}
void tg__expand_bwd(tg_node *n) {
    tg_real *dx = n->in[0]->grad;
    if (!dx) return;
    tg__bc_plan p;
    tg__bc_make(&p, n->out, n->in, 1);
    const tg_real *g = n->out->grad;
    size_t s = p.st[0][p.rank - 1], off[1] = {0};
    int idx[TG_MAX_RANK] = {0};
    tg__grad_zero_unset(n->in[0]); /* sums over the broadcast axes (tg/store.h) */
    for (size_t row = 0; row < p.rows; row++, g += p.len) {
        for (size_t j = 0; j < p.len; j++) dx[off[0] + j * s] += g[j];
        tg__bc_next(&p, idx, off);
    }
}
tg_tensor *tg_expand(tg_tape *t, tg_tensor *x, int rank, const int *shape) {
    tg_op_args args = {.i = {rank}, .p = shape};
    return tg_apply(t, &tg__op_expand, &x, 1, &args);
}

/* ---- stack ----------------------------------------------------------------------------
 * y = the n inputs (all of one shape) stacked along a new axis `axis` (0..rank;
 * negative counts from the end of the output's rank + 1). With each x_k viewed as
 * (O, I) split at axis: y[o, k, i] = x_k[o, i]; dx_k[o, i] += g[o, k, i].
 * args: i[0] = axis. */
tg_status tg__infer_stack(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    const tg_tensor *x0 = n->in[0];
    char s0[128], sk[128];
    tg_shape_str(x0, s0, sizeof s0);
    if (x0->rank >= TG_MAX_RANK)
        return tg_tape_fail(t, TG_ERR_SHAPE, "tg_stack: inputs of rank %d leave no room for an axis (%s)",
                            x0->rank, s0);
    int a = tg__norm_axis(n->args.i[0], x0->rank + 1);
    if (a < 0)
        return tg_tape_fail(t, TG_ERR_RANGE, "tg_stack: axis %ld is outside -%d..%d for inputs of shape %s",
                            n->args.i[0], x0->rank + 1, x0->rank, s0);
    for (int k = 1; k < n->n_in; k++)
        if (!tg__same_shape(n->in[k], x0))
            return tg_tape_fail(t, TG_ERR_SHAPE, "tg_stack: input %d has shape %s, input 1 has %s", k + 1,
                                tg_shape_str(n->in[k], sk, sizeof sk), s0);
    *rank = x0->rank + 1;
    for (int i = 0, j = 0; i < *rank; i++) shape[i] = i == a ? n->n_in : x0->shape[j++];
    return TG_OK;
}
static void stack_dims(const tg_node *n, size_t *O, size_t *I) {
    const tg_tensor *x0 = n->in[0];
    int a = tg__norm_axis(n->args.i[0], x0->rank + 1);
    *O = 1, *I = 1;
    for (int i = 0; i < x0->rank; i++) *(i < a ? O : I) *= (size_t)x0->shape[i];
}
tg_status tg__stack_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    size_t O, I;
    stack_dims(n, &O, &I);
    tg_real *y = n->out->data;
    for (size_t o = 0; o < O; o++)
        for (int k = 0; k < n->n_in; k++, y += I) memcpy(y, n->in[k]->data + o * I, I * sizeof *y);
    return TG_OK;
}
void tg__stack_bwd(tg_node *n) {
    size_t O, I;
    stack_dims(n, &O, &I);
    /* Input by input (an element of a repeated input still takes its parts in input
     * order); input k's part of line o of g is at (o * n_in + k) * I. */
    const tg_real *g = n->out->grad;
    size_t K = (size_t)n->n_in;
    for (int k = 0; k < n->n_in; k++) {
        tg_real *dx = n->in[k]->grad;
        bool f = dx && tg__grad_first(n->in[k]);
        for (size_t o = 0; dx && o < O; o++) TG__GRAD_PUT(f, dx + o * I, I, i, g[(o * K + (size_t)k) * I + i]);
    }
}
tg_tensor *tg_stack(tg_tape *t, tg_tensor *const *xs, int n, int axis) {
    if (t && tg_tape_status(t) == TG_OK) {
        if (!xs) {
            tg_tape_fail(t, TG_ERR_ARG, "tg_stack: xs is NULL");
            return NULL;
        }
        if (n < 1) {
            tg_tape_fail(t, TG_ERR_ARG, "tg_stack: need at least one input, got n = %d", n);
            return NULL;
        }
    }
    tg_op_args args = {.i = {axis}};
    return tg_apply(t, &tg__op_stack, xs, n, &args);
}

/* ---- split (a composition) ---------------------------------------------------------
 * out[k] = tg_slice(x, axis, sizes[0] + ... + sizes[k-1], sizes[k]); the sizes must add
 * up to the axis' length. */
tg_status tg_split(tg_tape *t, tg_tensor *x, int axis, const int *sizes, int n, tg_tensor **out) {
    if (!t) {
        tg_tape_fail(NULL, TG_ERR_ARG, "tg_split: tape is NULL");
        return TG_ERR_ARG;
    }
    if (tg_tape_status(t) != TG_OK) return tg_tape_status(t);
    if (!x) return tg_tape_fail(t, TG_ERR_ARG, "tg_split: argument 1 is NULL");
    if (!tg__tensor_live(t, x))
        return tg_tape_fail(t, TG_ERR_STATE,
                            "tg_split: argument 1 belongs to another tape or to a step before the last tg_tape_reset");
    if (!sizes || !out) return tg_tape_fail(t, TG_ERR_ARG, "tg_split: %s is NULL", sizes ? "out" : "sizes");
    if (n < 1) return tg_tape_fail(t, TG_ERR_ARG, "tg_split: need at least one piece, got n = %d", n);
    char sx[128];
    tg_shape_str(x, sx, sizeof sx);
    int a = tg__norm_axis(axis, x->rank);
    if (a < 0)
        return tg_tape_fail(t, TG_ERR_RANGE, "tg_split: axis %d is out of range for shape %s", axis, sx);
    long long total = 0;
    for (int k = 0; k < n; k++) {
        if (sizes[k] < 1)
            return tg_tape_fail(t, TG_ERR_VALUE, "tg_split: sizes[%d] = %d must be >= 1", k, sizes[k]);
        total += sizes[k];
    }
    if (total != x->shape[a])
        return tg_tape_fail(t, TG_ERR_SHAPE, "tg_split: sizes add up to %lld, axis %d of shape %s has %d",
                            total, a, sx, x->shape[a]);
    int start = 0;
    for (int k = 0; k < n; k++) {
        out[k] = tg_slice(t, x, a, start, sizes[k]);
        if (!out[k]) return tg_tape_status(t);
        start += sizes[k];
    }
    return TG_OK;
}

/* ---- graph forms (registry.h, `graph`) ---- */
/* permute: g with the inverse permutation (a copy: the kernel's bits) */
tg_status tg__permute_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    int inv[TG_MAX_RANK];
    int r = n->in[0]->rank;
    for (int k = 0; k < r; k++) inv[perm_at(n, k)] = k;
    if (tg__needs(n, 0)) dx[0] = tg_permute(t, g, r, inv);
    return tg__graph_status(t);
}
/* expand: g summed back to x's shape, in the kernel's order */
tg_status tg__expand_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    if (tg__needs(n, 0)) dx[0] = tg__sum_to_like(t, g, n->in[0]);
    return tg__graph_status(t);
}
/* stack: dx_k = g[.., k, ..], a slice of g viewed as (O, n, I) (copies: the bits) */
tg_status tg__stack_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    size_t O, I;
    stack_dims(n, &O, &I);
    int s3[3] = {(int)O, n->n_in, (int)I};
    tg_tensor *g3 = tg_reshape(t, g, 3, s3);
    for (int k = 0; k < n->n_in; k++)
        if (tg__needs(n, k))
            dx[k] = tg_reshape(t, tg_slice(t, g3, 1, k, 1), n->in[k]->rank, n->in[k]->shape);
    return tg__graph_status(t);
}
