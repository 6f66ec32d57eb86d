/* binary.c — elementwise binary ops with NumPy broadcasting.
 *
 * Shape rule (all four ops): align shapes on the right; each pair of dimensions is
 * equal or one of them is 1; the output takes the larger. A missing leading dimension
 * counts as 1.
 *
 * Kernels run row by row over the output's last axis with per-input strides that are
 * 0 along broadcast dimensions. The backward kernels use the same strides, so
 * "da[ia] += ..." with stride 0 sums the gradient over the broadcast dimension: this
 * is exactly the reduction back to the input's shape.
 */
#include <string.h>
#include "ops_private.h"
#include <tg/vmath.h> /* TG__CLONES */

/* Per-node iteration plan: out shape and each input's element strides (0 = broadcast). */
typedef struct {
    int rank;                 /* >= 1 */
    int shape[TG_MAX_RANK];
    size_t sa[TG_MAX_RANK], sb[TG_MAX_RANK];
} bplan;

tg_status tg__infer_bcast(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    const tg_tensor *a = n->in[0], *b = n->in[1];
    if (tg__same_shape(a, b)) {
        *rank = a->rank; /* the common case: equal shapes */
        memcpy(shape, a->shape, sizeof a->shape);
        return TG_OK;
    }
    int r = a->rank > b->rank ? a->rank : b->rank;
    for (int i = 0; i < r; i++) {
        int da = i < r - a->rank ? 1 : a->shape[i - (r - a->rank)];
        int db = i < r - b->rank ? 1 : b->shape[i - (r - b->rank)];
        if (da != db && da != 1 && db != 1) {
            char s1[128], s2[128];
            return tg_tape_fail(t, TG_ERR_SHAPE, "%s: shapes cannot broadcast: %s and %s (axis %d: %d vs %d)",
                                n->op->name, tg_shape_str(a, s1, sizeof s1), tg_shape_str(b, s2, sizeof s2),
                                i, da, db);
        }
        shape[i] = da > db ? da : db;
    }
    *rank = r;
    return TG_OK;
}

static void input_strides(const tg_tensor *x, const tg_tensor *out, size_t *s) {
    int r = out->rank, off = r - x->rank;
    size_t st = 1;
    for (int i = r - 1; i >= 0; i--) {
        int d = i < off ? 1 : x->shape[i - off];
        s[i] = d == 1 && out->shape[i] != 1 ? 0 : st;
        st *= (size_t)d;
    }
}

static void make_plan(const tg_node *n, bplan *p) {
    /* (Equal sizes and single values never get here: one_row handles them.) */
    const tg_tensor *a = n->in[0], *b = n->in[1], *y = n->out;
    p->rank = y->rank;
    for (int i = 0; i < y->rank; i++) p->shape[i] = y->shape[i];
    input_strides(a, y, p->sa);
    input_strides(b, y, p->sb);
}

/* Row kernels: n elements along the last axis; sa, sb in {0, 1}. A backward row
 * kernel stores into da (db) when fa (fb) is set, else adds (tg/store.h); along a
 * broadcast last axis (stride 0) it sums in a register and writes once. Each is an
 * inline body (called directly for a few elements: no dispatch, no loop set-up) and a
 * TG__CLONES copy of it for longer rows. */
typedef void (*row_fwd_fn)(size_t n, const tg_real *a, size_t sa, const tg_real *b, size_t sb,
                           tg_real *y);
typedef void (*row_bwd_fn)(size_t n, const tg_real *a, size_t sa, const tg_real *b, size_t sb,
                           const tg_real *g, tg_real *da, bool fa, tg_real *db, bool fb);
enum { SHORT = 8 }; /* rows up to this many elements take the inline body */

/* Visits every output row with the matching input offsets (an odometer over the
 * leading axes). Backward passes da/db (may be NULL) with the same offsets; an input
 * of the output's size is visited once per element, so it may store (fa, fb); a
 * broadcast one has been zeroed first when it was unset. */
static void run_plan(const bplan *p, const tg_node *n, row_fwd_fn f, row_bwd_fn bw, bool fa, bool fb) {
    const tg_tensor *a = n->in[0], *b = n->in[1], *y = n->out;
    int r = p->rank;
    size_t len = (size_t)p->shape[r - 1], rows = y->size / len;
    int idx[TG_MAX_RANK] = {0};
    size_t ia = 0, ib = 0;
    for (size_t row = 0; row < rows; row++) {
        size_t iy = row * len;
        if (f)
            f(len, a->data + ia, p->sa[r - 1], b->data + ib, p->sb[r - 1], y->data + iy);
        else
            bw(len, a->data + ia, p->sa[r - 1], b->data + ib, p->sb[r - 1], y->grad + iy,
               a->grad ? a->grad + ia : NULL, fa, b->grad ? b->grad + ib : NULL, fb);
        for (int d = r - 2; d >= 0; d--) { /* advance the odometer */
            ia += p->sa[d];
            ib += p->sb[d];
            if (++idx[d] < p->shape[d]) break;
            ia -= p->sa[d] * (size_t)p->shape[d];
            ib -= p->sb[d] * (size_t)p->shape[d];
            idx[d] = 0;
        }
    }
}

/* Equal sizes, or one operand a single value: one row, no plan. */
static inline bool one_row(const tg_node *n, size_t *sa, size_t *sb) {
    size_t na = n->in[0]->size, nb = n->in[1]->size, ny = n->out->size;
    if ((na != ny && na != 1) || (nb != ny && nb != 1)) return false;
    *sa = na == ny, *sb = nb == ny;
    return true;
}

static inline tg_status binary_fwd(tg_node *n, row_fwd_fn inl, row_fwd_fn f) {
    size_t sa, sb, m = n->out->size;
    if (one_row(n, &sa, &sb)) {
        (m <= SHORT ? inl : f)(m, n->in[0]->data, sa, n->in[1]->data, sb, n->out->data);
        return TG_OK;
    }
    bplan p;
    make_plan(n, &p);
    run_plan(&p, n, f, NULL, false, false);
    return TG_OK;
}

/* Takes input x's unset bit for the backward (tg/store.h): true when the kernel must
 * store. A broadcast input (fewer elements than the output, visited more than once
 * outside a single row) is zeroed instead and added into. */
static inline bool take(tg_tensor *x, bool once) {
    if (!x->grad) return false;
    if (once) return tg__grad_first(x);
    tg__grad_zero_unset(x);
    return false;
}

/* (Both bits are taken before the kernel runs: for mul(x, x) the second take sees the
 * first's cleared bit, and a row kernel finishes da before it touches db.) */
static inline void binary_bwd(tg_node *n, row_bwd_fn inl, row_bwd_fn bw) {
    tg_tensor *a = n->in[0], *b = n->in[1];
    size_t sa, sb, m = n->out->size;
    if (one_row(n, &sa, &sb)) {
        bool fa = take(a, true), fb = take(b, true);
        (m <= SHORT ? inl : bw)(m, a->data, sa, b->data, sb, n->out->grad, a->grad, fa, b->grad, fb);
        return;
    }
    bool fa = take(a, a->size == m), fb = take(b, b->size == m);
    bplan p;
    make_plan(n, &p);
    run_plan(&p, n, NULL, bw, fa, fb);
}

static tg_tensor *binary(tg_tape *t, const tg_op *op, tg_tensor *a, tg_tensor *b) {
    tg_tensor *in[2] = {a, b};
    return tg_apply(t, op, in, 2, NULL);
}

/* One input's gradient row: d[j * s] = (f ? 0 : d[j * s]) OP v(j), for s in {0, 1}
 * (s = 0: the sum over the row, in a register, written once). */
#define GRAD_ROW(d, s, f, OP, v)                                                  \
    do {                                                                          \
        if (!(d)) break;                                                          \
        if (s) {                                                                  \
            if (f) for (size_t j = 0; j < n; j++) (d)[j] = TG__Z OP(v);           \
            else for (size_t j = 0; j < n; j++) (d)[j] = (d)[j] OP(v);            \
        } else {                                                                  \
            tg_real acc_ = (f) ? TG__Z : (d)[0];                                  \
            for (size_t j = 0; j < n; j++) acc_ = acc_ OP(v);                     \
            (d)[0] = acc_;                                                        \
        }                                                                         \
    } while (0)

/* The four kernels of an op from its inline bodies: NAME_row / NAME_row_bwd (inline)
 * and their TG__CLONES copies NAME_rowv / NAME_row_bwdv. */
#define ROW_KERNELS(name, clones)                                                               \
    clones static void name##_rowv(size_t n, const tg_real *a, size_t sa, const tg_real *b,     \
                                   size_t sb, tg_real *y) {                                     \
        name##_row(n, a, sa, b, sb, y);                                                         \
    }                                                                                           \
    clones static void name##_row_bwdv(size_t n, const tg_real *a, size_t sa, const tg_real *b, \
                                       size_t sb, const tg_real *g, tg_real *da, bool fa,       \
                                       tg_real *db, bool fb) {                                  \
        name##_row_bwd(n, a, sa, b, sb, g, da, fa, db, fb);                                     \
    }                                                                                           \
    tg_status tg__##name##_fwd(tg_tape *t, tg_node *n) {                                        \
        (void)t;                                                                                \
        return binary_fwd(n, name##_row, name##_rowv);                                          \
    }                                                                                           \
    void tg__##name##_bwd(tg_node *n) { binary_bwd(n, name##_row_bwd, name##_row_bwdv); }

/* add: y = a + b; da += g, db += g */
static inline void add_row(size_t n, const tg_real *a, size_t sa, const tg_real *b, size_t sb, tg_real *y) {
    for (size_t j = 0; j < n; j++) y[j] = a[j * sa] + b[j * sb];
}
static inline void add_row_bwd(size_t n, const tg_real *a, size_t sa, const tg_real *b, size_t sb,
                               const tg_real *g, tg_real *da, bool fa, tg_real *db, bool fb) {
    (void)a, (void)b;
    GRAD_ROW(da, sa, fa, +, g[j]);
    GRAD_ROW(db, sb, fb, +, g[j]);
}
ROW_KERNELS(add, TG__CLONES)
tg_tensor *tg_add(tg_tape *t, tg_tensor *a, tg_tensor *b) { return binary(t, &tg__op_add, a, b); }

/* sub: y = a - b; da += g, db -= g */
static inline void sub_row(size_t n, const tg_real *a, size_t sa, const tg_real *b, size_t sb, tg_real *y) {
    for (size_t j = 0; j < n; j++) y[j] = a[j * sa] - b[j * sb];
}
static inline void sub_row_bwd(size_t n, const tg_real *a, size_t sa, const tg_real *b, size_t sb,
                               const tg_real *g, tg_real *da, bool fa, tg_real *db, bool fb) {
    (void)a, (void)b;
    GRAD_ROW(da, sa, fa, +, g[j]);
    GRAD_ROW(db, sb, fb, -, g[j]);
}
ROW_KERNELS(sub, TG__CLONES)
tg_tensor *tg_sub(tg_tape *t, tg_tensor *a, tg_tensor *b) { return binary(t, &tg__op_sub, a, b); }

/* mul: y = a b; da += g b, db += g a */
static inline void mul_row(size_t n, const tg_real *a, size_t sa, const tg_real *b, size_t sb, tg_real *y) {
    for (size_t j = 0; j < n; j++) y[j] = a[j * sa] * b[j * sb];
}
static inline void mul_row_bwd(size_t n, const tg_real *a, size_t sa, const tg_real *b, size_t sb,
                               const tg_real *g, tg_real *da, bool fa, tg_real *db, bool fb) {
    GRAD_ROW(da, sa, fa, +, g[j] * b[j * sb]);
    GRAD_ROW(db, sb, fb, +, g[j] * a[j * sa]);
}
ROW_KERNELS(mul, TG__CLONES)
tg_tensor *tg_mul(tg_tape *t, tg_tensor *a, tg_tensor *b) { return binary(t, &tg__op_mul, a, b); }

/* div: y = a / b; da += g / b, db -= g (a / b) / b  (b = 0 gives inf/NaN, as IEEE).
 * (a / b) / b rather than a / b^2: b^2 under- or overflows where the quotient does
 * not (a = b = 1e200: -1e-200, not 0), and it is PyTorch's form, NaN for NaN. */
static inline void div_row(size_t n, const tg_real *a, size_t sa, const tg_real *b, size_t sb, tg_real *y) {
    for (size_t j = 0; j < n; j++) y[j] = a[j * sa] / b[j * sb];
}
static inline void div_row_bwd(size_t n, const tg_real *a, size_t sa, const tg_real *b, size_t sb,
                               const tg_real *g, tg_real *da, bool fa, tg_real *db, bool fb) {
    GRAD_ROW(da, sa, fa, +, g[j] / b[j * sb]);
    GRAD_ROW(db, sb, fb, -, g[j] * (a[j * sa] / b[j * sb] / b[j * sb]));
}
ROW_KERNELS(div, )
tg_tensor *tg_div(tg_tape *t, tg_tensor *a, tg_tensor *b) { return binary(t, &tg__op_div, a, b); }

/* ---- graph forms (registry.h, `graph`): the same derivatives recorded with ops.
 * Summing down to an input's shape (tg_sum_to) adds in the order the strided kernels
 * above add, and "db -= t" from zero is -(sum of t) exactly, so each agrees with its
 * kernel bit for bit. */
tg_status tg__add_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    if (tg__needs(n, 0)) dx[0] = tg__sum_to_like(t, g, n->in[0]);
    if (tg__needs(n, 1)) dx[1] = tg__sum_to_like(t, g, n->in[1]);
    return tg__graph_status(t);
}
tg_status tg__sub_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    if (tg__needs(n, 0)) dx[0] = tg__sum_to_like(t, g, n->in[0]);
    if (tg__needs(n, 1)) dx[1] = tg_neg(t, tg__sum_to_like(t, g, n->in[1]));
    return tg__graph_status(t);
}
/* da = sum_to(g b), db = sum_to(g a) */
tg_status tg__mul_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    tg_tensor *a = n->in[0], *b = n->in[1];
    if (tg__needs(n, 0)) dx[0] = tg__sum_to_like(t, tg_mul(t, g, b), a);
    if (tg__needs(n, 1)) dx[1] = tg__sum_to_like(t, tg_mul(t, g, a), b);
    return tg__graph_status(t);
}
/* da = sum_to(g / b), db = -sum_to((g a) / (b b)) */
tg_status tg__div_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    tg_tensor *a = n->in[0], *b = n->in[1];
    if (tg__needs(n, 0)) dx[0] = tg__sum_to_like(t, tg_div(t, g, b), a);
    if (tg__needs(n, 1))
        dx[1] = tg_neg(t, tg__sum_to_like(t, tg_mul(t, g, tg_div(t, tg_div(t, a, b), b)), b));
    return tg__graph_status(t);
}
