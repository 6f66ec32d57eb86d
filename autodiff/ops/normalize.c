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
#include <tg/rows8.h>
#include <tg/vmath.h> /* TG__CLONES */
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

enum { RB = 8 }; /* rows per block: one block of rows8.h */

/* The sums of nr <= RB rows of D (row k at k*D), each in double from left to right
 * (rows8.h): full blocks of RB rows eight columns at a time in vectors, the rest
 * row by row. */

/* s[k] = sum_j a[k*D + j]. */
TG__CLONES static void row_sums(const tg_real *a, size_t D, size_t nr, double *s) {
    double acc[RB] = {0};
    if (nr == RB) {
        tg__d8 v = {0};
        size_t j = 0;
        for (; j + 8 <= D; j += 8) {
            tg__r8 r[8];
            tg__load8(a + j, D, r);
            tg__transpose8(r);
            for (int c = 0; c < 8; c++) v += TG__COLS8_D(r[c]);
        }
        for (int k = 0; k < RB; k++) acc[k] = v[k];
        for (; j < D; j++)
            for (int k = 0; k < RB; k++) acc[k] += a[(size_t)k * D + j];
    } else {
        for (size_t k = 0; k < nr; k++)
            for (size_t j = 0; j < D; j++) acc[k] += a[k * D + j];
    }
    for (size_t k = 0; k < nr; k++) s[k] = acc[k];
}

/* s[k] = sum_j sq(a[k*D + j] - m[k]), sq(d) = d d in tg_real: the variance's sum. */
TG__CLONES static void row_sq_sums(const tg_real *a, const tg_real *m, size_t D, size_t nr, double *s) {
    double acc[RB] = {0};
    if (nr == RB) {
        tg__d8 v = {0};
        tg__r8 mv;
        memcpy(&mv, m, sizeof mv);
        size_t j = 0;
        for (; j + 8 <= D; j += 8) {
            tg__r8 r[8];
            tg__load8(a + j, D, r);
            tg__transpose8(r);
            for (int c = 0; c < 8; c++) {
                tg__r8 d = r[c] - mv;
                v += TG__COLS8_D(d * d);
            }
        }
        for (int k = 0; k < RB; k++) acc[k] = v[k];
        for (; j < D; j++)
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
TG__CLONES static void row_dot_sums(const tg_real *g, const tg_real *y, size_t D, size_t nr, double *s) {
    double acc[RB] = {0};
    if (nr == RB) {
        tg__rows8_dots(g, y, D, D, true, acc);
    } else {
        for (size_t k = 0; k < nr; k++)
            for (size_t j = 0; j < D; j++) acc[k] += (tg_real)(g[k * D + j] * y[k * D + j]);
    }
    for (size_t k = 0; k < nr; k++) s[k] = acc[k];
}

/* The mean m[k] and r[k] = (v + eps)^(-1/2) of the nr rows at x. */
static void row_stats(const tg_real *x, size_t D, size_t nr, tg_real eps, tg_real *m, tg_real *r) {
    const double inv_d = 1.0 / (double)D;
    double s[RB];
    row_sums(x, D, nr, s);
    for (size_t k = 0; k < nr; k++) m[k] = (tg_real)(s[k] * inv_d);
    row_sq_sums(x, m, D, nr, s);
    for (size_t k = 0; k < nr; k++) {
        tg_real ve = (tg_real)(s[k] * inv_d) + eps;
        r[k] = (tg_real)(1 / sqrt((double)ve));
    }
}

/* Starts fetching the next block of RB rows (n reals at p, or fewer at the end) while
 * this one is computed: a block of 8 rows of 128 is one 4 KiB page, where the
 * hardware's streams stop, so without this every block would begin with a wait. */
static inline void prefetch_rows(const tg_real *p, size_t n) {
    for (size_t i = 0; i < n; i += 64 / sizeof(tg_real)) __builtin_prefetch(p + i);
}

/* One element of y: (x - m) r, the difference rounded to tg_real first. */
static inline tg_real std_y(tg_real x, tg_real m, tg_real r) { return (tg_real)(x - m) * r; }

/* y = (x - m) r for one row. */
static void row_y(const tg_real *x, tg_real m, tg_real r, size_t D, tg_real *y) {
    for (size_t j = 0; j < D; j++) y[j] = std_y(x[j], m, r);
}

/* dx (nr rows; stored when first, else added) from dy and y: r (dy - mean(dy) - y
 * mean(dy y)) row by row. */
static void rows_dx(const tg_real *g, const tg_real *y, const tg_real *r, size_t D, size_t nr, tg_real *dx,
                    bool first) {
    const double inv_d = 1.0 / (double)D;
    double sg[RB], sgy[RB];
    row_sums(g, D, nr, sg);
    row_dot_sums(g, y, D, nr, sgy);
    for (size_t k = 0; k < nr; k++) {
        tg_real mg = (tg_real)(sg[k] * inv_d), mgy = (tg_real)(sgy[k] * inv_d), rk = r[k];
        const tg_real *gk = g + k * D, *yk = y + k * D;
        tg_real *dk = dx + k * D;
        TG__GRAD_PUT(first, dk, D, j, (tg_real)(gk[j] - mg - yk[j] * mgy) * rk);
    }
}

tg_status tg__standardize_fwd(tg_tape *t, tg_node *n) {
    size_t D = (size_t)n->in[0]->shape[n->in[0]->rank - 1], rows = n->out->size / D;
    tg_real *r = tg_tape_alloc(t, rows * sizeof *r);
    if (!r) return TG_ERR_NOMEM;
    const tg_real eps = (tg_real)n->args.f[0];
    for (size_t r0 = 0; r0 < rows; r0 += RB) {
        size_t nr = rows - r0 < RB ? rows - r0 : RB;
        const tg_real *x = n->in[0]->data + r0 * D;
        tg_real m[RB];
        row_stats(x, D, nr, eps, m, r + r0);
        for (size_t k = 0; k < nr; k++) row_y(x + k * D, m[k], r[r0 + k], D, n->out->data + (r0 + k) * D);
    }
    n->saved = r;
    return TG_OK;
}

void tg__standardize_bwd(tg_node *n) {
    tg_real *dx = n->in[0]->grad;
    if (!dx) return;
    size_t D = (size_t)n->in[0]->shape[n->in[0]->rank - 1], rows = n->out->size / D;
    const tg_real *r = n->saved;
    bool first = tg__grad_first(n->in[0]);
    for (size_t r0 = 0; r0 < rows; r0 += RB) {
        size_t nr = rows - r0 < RB ? rows - r0 : RB;
        rows_dx(n->out->grad + r0 * D, n->out->data + r0 * D, r + r0, D, nr, dx + r0 * D, first);
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

/* ---- standardize_affine: z = standardize(x) gamma + beta, gamma and beta (D) ----
 * Layer normalisation with its elementwise affine part, one pass over each row where
 * the composition tg_add(tg_mul(tg_standardize(x), gamma), beta) makes three (and
 * keeps y and y gamma besides z). It computes that composition's steps in their order
 * and precision: y as above, y gamma rounded, then + beta; backward, with gz = 0 + g
 * (what tg_add hands on),
 *   dbeta += gz and dgamma += gz y, each summed over the rows in row order onto the
 *   gradient as tg_add's and tg_mul's broadcast kernels sum,
 *   dy = 0 + gz gamma, then dx = r (dy - mean(dy) - y mean(dy y)) as standardize's.
 * y is recomputed from x and the saved m and r of each row; a block of RB rows of y
 * and dy lives in two scratch blocks that stay in L1. The graph form is the
 * composition's graph forms (add's, mul's, standardize's), so the two forms agree to
 * the bit. tg_standardize_affine records the composition itself when two of x, gamma,
 * beta are one tensor (their terms would meet in another order).
 * saved: m and r of every row, the scratch blocks. args: f[0] = eps. */

/* The op's contract, for its shape rule and for the builder's composition path. */
static tg_status check_affine(tg_tape *t, const tg_tensor *x, const tg_tensor *gm, const tg_tensor *bt, double eps) {
    char sx[128], sg[128], sb[128];
    if (x->rank < 1)
        return tg_tape_fail(t, TG_ERR_SHAPE,
                            "tg_standardize_affine: x must have rank >= 1 (it works along the last axis): got shape ()");
    int D = x->shape[x->rank - 1];
    if (gm->rank != 1 || bt->rank != 1 || gm->shape[0] != D || bt->shape[0] != D)
        return tg_tape_fail(t, TG_ERR_SHAPE, "tg_standardize_affine: gamma and beta must be (%d) for x %s, got %s and %s",
                            D, tg_shape_str(x, sx, sizeof sx), tg_shape_str(gm, sg, sizeof sg),
                            tg_shape_str(bt, sb, sizeof sb));
    if (!(eps > 0) || isinf(eps))
        return tg_tape_fail(t, TG_ERR_VALUE, "tg_standardize_affine: eps must be finite and > 0, got %g", eps);
    return TG_OK;
}

tg_status tg__infer_standardize_affine(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    tg_status st = check_affine(t, n->in[0], n->in[1], n->in[2], n->args.f[0]);
    return st != TG_OK ? st : tg__infer_same(t, n, rank, shape);
}

typedef struct {
    tg_real *m, *r;  /* per row */
    tg_real *y, *dy; /* RB x D scratch each; NULL when no gradient is asked */
} saff_saved;

/* z = (x - m) r gamma + beta for one row, each step rounded as its op rounds it. */
TG__CLONES static void affine_row(size_t D, const tg_real *restrict x, tg_real m, tg_real r,
                                  const tg_real *restrict gm, const tg_real *restrict bt, tg_real *restrict z) {
    for (size_t j = 0; j < D; j++) {
        tg_real yv = std_y(x[j], m, r), p = yv * gm[j];
        z[j] = p + bt[j];
    }
}

/* One row backward: y recomputed, dy = 0 + gz gamma, and (when they exist) db += gz,
 * dg += gz y, with gz = 0 + g. */
TG__CLONES static void affine_row_bwd(size_t D, const tg_real *restrict x, tg_real m, tg_real r,
                                      const tg_real *restrict g, const tg_real *restrict gm, tg_real *restrict y,
                                      tg_real *restrict dy, tg_real *restrict db, tg_real *restrict dg) {
    if (db && dg)
        for (size_t j = 0; j < D; j++) {
            tg_real gz = TG__Z + g[j], yv = std_y(x[j], m, r);
            y[j] = yv;
            db[j] = db[j] + gz;
            dg[j] = dg[j] + gz * yv;
            dy[j] = TG__Z + gz * gm[j];
        }
    else
        for (size_t j = 0; j < D; j++) {
            tg_real gz = TG__Z + g[j], yv = std_y(x[j], m, r);
            y[j] = yv;
            if (db) db[j] = db[j] + gz;
            if (dg) dg[j] = dg[j] + gz * yv;
            dy[j] = TG__Z + gz * gm[j];
        }
}

tg_status tg__standardize_affine_fwd(tg_tape *t, tg_node *n) {
    const tg_tensor *x = n->in[0];
    const tg_real *gm = n->in[1]->data, *bt = n->in[2]->data;
    size_t D = (size_t)x->shape[x->rank - 1], rows = n->out->size / D;
    saff_saved *s = tg_tape_alloc(t, sizeof *s);
    if (!s) return TG_ERR_NOMEM;
    s->m = tg_tape_alloc(t, 2 * rows * sizeof(tg_real));
    if (!s->m) return TG_ERR_NOMEM;
    s->r = s->m + rows;
    s->y = s->dy = NULL;
    if (n->out->flags & TG_REQUIRES_GRAD) {
        s->y = tg_tape_alloc(t, 2 * RB * D * sizeof(tg_real));
        if (!s->y) return TG_ERR_NOMEM;
        s->dy = s->y + RB * D;
    }
    n->saved = s;
    const tg_real eps = (tg_real)n->args.f[0];
    for (size_t r0 = 0; r0 < rows; r0 += RB) {
        size_t nr = rows - r0 < RB ? rows - r0 : RB;
        if (r0 + RB < rows) prefetch_rows(x->data + (r0 + RB) * D, (rows - r0 - RB < RB ? rows - r0 - RB : RB) * D);
        row_stats(x->data + r0 * D, D, nr, eps, s->m + r0, s->r + r0);
        for (size_t k = 0; k < nr; k++)
            affine_row(D, x->data + (r0 + k) * D, s->m[r0 + k], s->r[r0 + k], gm, bt, n->out->data + (r0 + k) * D);
    }
    return TG_OK;
}

void tg__standardize_affine_bwd(tg_node *n) {
    tg_tensor *x = n->in[0], *gmt = n->in[1], *btt = n->in[2];
    const saff_saved *s = n->saved;
    size_t D = (size_t)x->shape[x->rank - 1], rows = n->out->size / D;
    tg_real *dg = gmt->grad, *db = btt->grad, *dx = x->grad;
    if (dg) tg__grad_zero_unset(gmt); /* summed over rows: zeroed first, then added into */
    if (db) tg__grad_zero_unset(btt);
    bool first = dx && tg__grad_first(x);
    for (size_t r0 = 0; r0 < rows; r0 += RB) {
        size_t nr = rows - r0 < RB ? rows - r0 : RB;
        if (r0 + RB < rows) {
            size_t next = (rows - r0 - RB < RB ? rows - r0 - RB : RB) * D;
            prefetch_rows(x->data + (r0 + RB) * D, next);
            prefetch_rows(n->out->grad + (r0 + RB) * D, next);
        }
        for (size_t k = 0; k < nr; k++)
            affine_row_bwd(D, x->data + (r0 + k) * D, s->m[r0 + k], s->r[r0 + k], n->out->grad + (r0 + k) * D,
                           gmt->data, s->y + k * D, s->dy + k * D, db, dg);
        if (dx) rows_dx(s->dy, s->y, s->r + r0, D, nr, dx + r0 * D, first);
    }
}

/* The composition's graph forms, from the output back: add's (dbeta = sum_to(g), g
 * handed on), mul's (dgamma = sum_to(g y), dy = g gamma) and standardize's, for
 * y = standardize(x) computed again. Standardize's graph form reads only its node's
 * input, output and eps, so it runs on a node made here: the sweeps also run graph
 * forms unrecorded, where y has no node of its own. */
tg_status tg__standardize_affine_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    tg_tensor *x = n->in[0], *gm = n->in[1], *bt = n->in[2];
    tg_tensor *y = tg_standardize(t, x, (tg_real)n->args.f[0]);
    if (!y) return tg__graph_status(t);
    if (tg__needs(n, 2)) dx[2] = tg__sum_to_like(t, g, bt);
    if (tg__needs(n, 1)) dx[1] = tg__sum_to_like(t, tg_mul(t, g, y), gm);
    if (tg__needs(n, 0)) {
        tg_tensor *in[1] = {x}, *dy[1] = {NULL};
        tg_node sn = {.op = &tg__op_standardize, .in = in, .n_in = 1, .out = y, .args = {.f = {n->args.f[0]}}};
        if (tg__standardize_vjp(t, &sn, tg_mul(t, g, gm), dy) == TG_OK) dx[0] = dy[0];
    }
    return tg__graph_status(t);
}

tg_tensor *tg_standardize_affine(tg_tape *t, tg_tensor *x, tg_tensor *gamma, tg_tensor *beta, tg_real eps) {
    if (t && x && gamma && beta && (x == gamma || x == beta || gamma == beta) && tg_tape_status(t) == TG_OK &&
        tg__tensor_live(t, x) && tg__tensor_live(t, gamma) && tg__tensor_live(t, beta) &&
        check_affine(t, x, gamma, beta, eps) == TG_OK) /* one tensor twice: the composition */
        return tg_add(t, tg_mul(t, tg_standardize(t, x, eps), gamma), beta);
    tg_tensor *in[3] = {x, gamma, beta};
    tg_op_args args = {.f = {eps}};
    return tg_apply(t, &tg__op_standardize_affine, in, 3, &args);
}
