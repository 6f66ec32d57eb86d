/* random.c — dropout (Srivastava et al., "Dropout: a simple way to prevent neural
 * networks from overfitting", 2014; the "inverted" form PyTorch uses).
 *
 * Randomness comes only from the caller's tg_rng (explicit state, no global): one
 * tg_rng_uniform per element, in row-major order, so the mask is a function of the
 * seed and the element count, the same on every machine and thread count.
 */
#include <math.h>
#include <stdint.h>
#include <tg/vmath.h> /* TG__CLONES */
#include "nn_private.h"

/* ---- dropout ---------------------------------------------------------------------
 * train and 0 < p < 1: m_i = [u_i >= p], u_i uniform in [0,1) from rng, and
 *     y_i = x_i m_i / (1 - p);   dx_i += g_i m_i / (1 - p).
 * p = 1: y = 0, dx += 0.  p = 0, or eval (train false): y = x, dx += g, and rng is not
 * read (it may be NULL).
 * Shape check: p in [0, 1]; rng not NULL when it will be drawn from.
 * args: f[0] = p, i[0] = train, p = rng (read by forward, then dropped).
 * saved: the multiplier per element, m_i / (1 - p), as tg_real (NULL for the identity). */
static bool dropout_draws(const tg_node *n) {
    return n->args.i[0] && n->args.f[0] > 0;
}
/* mult[i] = [u_i >= p] / (1 - p) for N draws u_i = tg_rng_uniform(rng), 0 < p <= 1.
 * The same draws and the same mask as N calls of tg_rng_uniform, at a fraction of
 * their cost: tg__xoshiro_next runs inline on a copy of the state, and u >= p is decided
 * on the integer k = x >> 11 (u = k 2^-53 exactly, so u >= p exactly when
 * k >= ceil(p 2^53), an integer since p 2^53 < 2^53 is exact). */
static void draw_mask(tg_rng *rng, double p, tg_real *restrict mult, size_t N) {
    const tg_real scale = p < 1 ? (tg_real)(1 / (1 - p)) : 0;
    const uint64_t thr = p < 1 ? (uint64_t)ceil(ldexp(p, 53)) : UINT64_MAX;
    uint64_t s[4];
    memcpy(s, rng->s, sizeof s);
    for (size_t i = 0; i < N; i++) mult[i] = (tg__xoshiro_next(s) >> 11) >= thr ? scale : 0;
    memcpy(rng->s, s, sizeof s);
}
/* y = x m where m != 0, else +0 (a dropped inf or NaN does not reach y). */
TG__CLONES static void scale_kept(const tg_real *restrict x, const tg_real *restrict mult,
                                  tg_real *restrict y, size_t N) {
    for (size_t i = 0; i < N; i++) y[i] = mult[i] != 0 ? x[i] * mult[i] : 0;
}
TG__CLONES static void dropout_grad(bool first, tg_real *restrict dx, const tg_real *restrict g,
                                    const tg_real *restrict mult, size_t N) {
    /* a dropped element adds nothing (stores +0): g m would be NaN for g = inf */
    TG__GRAD_PUT(first, dx, N, i, mult[i] != 0 ? g[i] * mult[i] : 0);
}
tg_status tg__infer_dropout(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    double p = n->args.f[0];
    if (!(p >= 0 && p <= 1))
        return tg_tape_fail(t, TG_ERR_VALUE, "tg_dropout: p must be in [0, 1], got %g", p);
    if (dropout_draws(n) && !n->args.p)
        return tg_tape_fail(t, TG_ERR_ARG, "tg_dropout: rng is NULL (needed in training mode with p = %g)", p);
    *rank = n->in[0]->rank;
    memcpy(shape, n->in[0]->shape, sizeof n->in[0]->shape);
    return TG_OK;
}
tg_status tg__dropout_fwd(tg_tape *t, tg_node *n) {
    const tg_real *x = n->in[0]->data;
    tg_real *y = n->out->data;
    size_t N = n->out->size;
    tg_rng *rng = (tg_rng *)n->args.p;
    n->args.p = NULL;
    n->saved = NULL;
    if (!dropout_draws(n)) {
        memcpy(y, x, N * sizeof *y);
        return TG_OK;
    }
    double p = n->args.f[0];
    tg_real *mult = tg_tape_alloc(t, N * sizeof *mult);
    if (!mult) return TG_ERR_NOMEM;
    draw_mask(rng, p, mult, N);
    scale_kept(x, mult, y, N);
    n->saved = mult;
    return TG_OK;
}
void tg__dropout_bwd(tg_node *n) {
    tg_real *dx = n->in[0]->grad;
    if (!dx) return;
    const tg_real *g = n->out->grad, *mult = n->saved;
    size_t N = n->out->size;
    bool first = tg__grad_first(n->in[0]);
    if (!mult) {
        TG__GRAD_PUT(first, dx, N, i, g[i]);
        return;
    }
    dropout_grad(first, dx, g, mult, N);
}
tg_tensor *tg_dropout(tg_tape *t, tg_tensor *x, tg_real p, tg_rng *rng, bool train) {
    tg_op_args args = {.f = {p}, .i = {train ? 1 : 0}, .p = rng};
    return tg_apply(t, &tg__op_dropout, &x, 1, &args);
}

/* The graph form: g times the saved multiplier (0 or 1 / (1 - p)) as a constant,
 * the kernel's g m (its skipped zeros are +0 here); g itself when nothing was drawn. */
tg_status tg__dropout_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    if (!tg__needs(n, 0)) return tg__graph_status(t);
    const tg_real *mult = n->saved;
    if (!mult) {
        dx[0] = g;
        return tg__graph_status(t);
    }
    tg_tensor *m = tg_tape_tensor(t, n->out->rank, n->out->shape, mult, 0);
    dx[0] = tg_mul(t, g, m);
    return tg__graph_status(t);
}
