/* loss.c — loss primitives: MSE, binary cross-entropy (on probabilities and on
 * logits) and categorical cross-entropy of logits with integer labels.
 *
 * Every loss returns a rank-0 tensor, the MEAN over the N elements (rows for cross
 * entropy). g = out->grad[0] is the scalar upstream gradient dL/dloss. Sums are
 * accumulated in double and rounded to tg_real once. Each backward ACCUMULATES into
 * every input whose grad is not NULL (targets may require a gradient too, e.g. soft
 * targets produced by another model).
 * Formulas: MSE from the introductory lecture and the W6 lecture on neural networks,
 * binary cross-entropy from the W6 lecture;
 * the stable logit forms are the usual max(z,0) + log1p(e^-|z|) rewriting.
 */
#include <math.h>
#include <tg/vmath.h>
#include "ops_private.h"

/* Shorthands: a = first input (pred, p, z), b = second (target), N = element count. */
#define A_ (n->in[0]->data)
#define B_ (n->in[1]->data)
#define DA_ (n->in[0]->grad)
#define DB_ (n->in[1]->grad)
#define NA_ (n->in[0]->size)
#define G0_ ((double)n->out->grad[0])

static tg_tensor *loss2(tg_tape *t, const tg_op *op, tg_tensor *a, tg_tensor *b) {
    tg_tensor *in[2] = {a, b};
    return tg_apply(t, op, in, 2, NULL);
}

/* Shape rule of the elementwise losses: both inputs have equal shapes; out rank 0. */
tg_status tg__infer_pair(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    (void)shape;
    const tg_tensor *a = n->in[0], *b = n->in[1];
    if (!tg__same_shape(a, b)) {
        char b1[128], b2[128];
        return tg_tape_fail(t, TG_ERR_SHAPE, "%s: shapes differ: %s vs %s", n->op->name,
                            tg_shape_str(a, b1, sizeof b1), tg_shape_str(b, b2, sizeof b2));
    }
    *rank = 0;
    return TG_OK;
}

/* Every element of x lies in [0,1] (NaN does not); else a TG_ERR_VALUE naming the
 * first bad flat index and its value. */
static tg_status check_unit(tg_tape *t, const char *op, const char *what, const tg_tensor *x) {
    for (size_t i = 0; i < x->size; i++)
        if (!(x->data[i] >= 0 && x->data[i] <= 1))
            return tg_tape_fail(t, TG_ERR_VALUE, "%s: %s must lie in [0,1]: %s[%zu] = %g", op,
                                what, what, i, (double)x->data[i]);
    return TG_OK;
}

/* ---- mse_loss: L = (1/N) sum_i (a_i - b_i)^2;
 *      da_i += g 2 (a_i - b_i) / N,  db_i -= g 2 (a_i - b_i) / N ----
 * The sum runs in eight interleaved partial sums (element i into sum i mod 8, the
 * eight added pairwise at the end, then the tail), so that it fills a vector rather
 * than waiting on one add after another; the order is fixed, so every instruction set
 * and call gives the same bits. */
TG__CLONES static double sum_sq_diff(size_t n, const tg_real *a, const tg_real *b) {
    double s[8] = {0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; j++) {
            double d = (double)a[i + j] - b[i + j];
            s[j] += d * d;
        }
    double r = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
    for (; i < n; i++) {
        double d = (double)a[i] - b[i];
        r += d * d;
    }
    return r;
}
tg_status tg__mse_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    n->out->data[0] = (tg_real)(sum_sq_diff(NA_, A_, B_) / (double)NA_);
    return TG_OK;
}
/* d[i] (stored when first, tg/store.h, else added into) plus or minus (dec)
 * k (a_i - b_i), one loop per case so that each is a plain vector loop. */
TG__CLONES static void mse_grad(size_t n, const tg_real *a, const tg_real *b, double k, tg_real *d,
                                bool first, bool dec) {
    if (!dec && first)
        for (size_t i = 0; i < n; i++) d[i] = TG__Z + (tg_real)(k * ((double)a[i] - b[i]));
    else if (!dec)
        for (size_t i = 0; i < n; i++) d[i] = d[i] + (tg_real)(k * ((double)a[i] - b[i]));
    else if (first)
        for (size_t i = 0; i < n; i++) d[i] = TG__Z - (tg_real)(k * ((double)a[i] - b[i]));
    else
        for (size_t i = 0; i < n; i++) d[i] = d[i] - (tg_real)(k * ((double)a[i] - b[i]));
}
void tg__mse_bwd(tg_node *n) {
    double k = 2 * G0_ / (double)NA_;
    bool fa = DA_ && tg__grad_first(n->in[0]), fb = DB_ && tg__grad_first(n->in[1]);
    /* (mse(x, x): da is finished before db is read; a - b is 0 either way.) */
    if (DA_) mse_grad(NA_, A_, B_, k, DA_, fa, false);
    if (DB_) mse_grad(NA_, A_, B_, k, DB_, fb, true);
}
tg_tensor *tg_mse_loss(tg_tape *t, tg_tensor *pred, tg_tensor *target) {
    return loss2(t, &tg__op_mse_loss, pred, target);
}

/* ---- bce_loss on probabilities p (a) and targets y (b), both in [0,1]:
 *   q_i = clamp(p_i, eps, 1-eps)  so ln q and ln(1-q) stay finite at p = 0 or 1,
 *   L = -(1/N) sum_i [ y_i ln q_i + (1 - y_i) ln(1 - q_i) ].
 * eps = 1e-12 in double; 1e-7 in float, where 1-1e-12 would round to 1 (float's
 * spacing below 1 is 6e-8) — PyTorch clamps the logs at -100 instead, we clamp p.
 * The gradient is that of the clamped expression (as tg_clamp): inside the band
 * eps < p < 1-eps,  dp_i += g (q_i - y_i) / (q_i (1 - q_i) N);  outside it 0.
 * dy_i += -g (ln q_i - ln(1 - q_i)) / N. ---- */
#if TG_REAL_IS_DOUBLE
#define BCE_EPS 1e-12
#else
#define BCE_EPS 1e-7
#endif
tg_status tg__infer_bce(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    tg_status st = tg__infer_pair(t, n, rank, shape);
    if (st == TG_OK) st = check_unit(t, "tg_bce_loss", "p", n->in[0]);
    if (st == TG_OK) st = check_unit(t, "tg_bce_loss", "target", n->in[1]);
    return st;
}
/* The clamped probability q, computed in tg_real so the band matches tg_real. */
static double bce_q(tg_real p) {
    const tg_real lo = (tg_real)BCE_EPS, hi = (tg_real)(1 - BCE_EPS);
    return p < lo ? lo : p > hi ? hi : p;
}
tg_status tg__bce_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    double s = 0;
    for (size_t i = 0; i < NA_; i++) {
        double q = bce_q(A_[i]), y = B_[i];
        s += y * log(q) + (1 - y) * log1p(-q);
    }
    n->out->data[0] = (tg_real)(-s / (double)NA_);
    return TG_OK;
}
void tg__bce_bwd(tg_node *n) {
    const tg_real lo = (tg_real)BCE_EPS, hi = (tg_real)(1 - BCE_EPS);
    double k = G0_ / (double)NA_;
    bool fa = DA_ && tg__grad_first(n->in[0]), fb = DB_ && tg__grad_first(n->in[1]);
    for (size_t i = 0; i < NA_; i++) {
        double q = bce_q(A_[i]), y = B_[i];
        if (DA_ && A_[i] > lo && A_[i] < hi) TG__ACC(fa, DA_[i], (tg_real)(k * (q - y) / (q * (1 - q))));
        else if (fa) DA_[i] = 0; /* outside the band: nothing added */
        if (DB_) TG__DEC(fb, DB_[i], (tg_real)(k * (log(q) - log1p(-q))));
    }
}
tg_tensor *tg_bce_loss(tg_tape *t, tg_tensor *p, tg_tensor *target) {
    return loss2(t, &tg__op_bce_loss, p, target);
}

/* ---- bce_with_logits on logits z (a) and targets y (b) in [0,1]:
 *   -[y ln s(z) + (1-y) ln(1-s(z))] = ln(1 + e^z) - z y = max(z,0) - z y + log1p(e^-|z|),
 *   L = (1/N) sum_i of that; e^-|z| <= 1, so |z| = 1e4 is exact (z=1000,y=0 gives 1000).
 *   dz_i += g (sigmoid(z_i) - y_i) / N  (sigmoid in its stable two-branch form),
 *   dy_i += -g z_i / N.
 * Targets are checked to lie in [0,1] as for tg_bce_loss. ---- */
tg_status tg__infer_bcel(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    tg_status st = tg__infer_pair(t, n, rank, shape);
    if (st == TG_OK) st = check_unit(t, "tg_bce_with_logits", "target", n->in[1]);
    return st;
}
tg_status tg__bcel_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    double s = 0;
    for (size_t i = 0; i < NA_; i++) {
        double z = A_[i], y = B_[i];
        /* (1-y) z + max(-z,0) = max(z,0) - z y, grouped as PyTorch does, so the
         * infinities agree: z = -inf with y = 1 is NaN (0 * inf), z = inf with y = 0
         * is inf. */
        s += (1 - y) * z + (z < 0 ? -z : 0) + log1p(exp(-fabs(z)));
    }
    n->out->data[0] = (tg_real)(s / (double)NA_);
    return TG_OK;
}
void tg__bcel_bwd(tg_node *n) {
    double k = G0_ / (double)NA_;
    bool fa = DA_ && tg__grad_first(n->in[0]), fb = DB_ && tg__grad_first(n->in[1]);
    for (size_t i = 0; i < NA_; i++) {
        double z = A_[i], y = B_[i];
        if (DA_) TG__ACC(fa, DA_[i], (tg_real)(k * (tg__sigmoid(z) - y)));
        if (DB_) TG__DEC(fb, DB_[i], (tg_real)(k * z));
    }
}
tg_tensor *tg_bce_with_logits(tg_tape *t, tg_tensor *z, tg_tensor *target) {
    return loss2(t, &tg__op_bce_with_logits, z, target);
}

/* ---- cross_entropy of logits z (N,C) with labels l[0..N-1] in 0..C-1:
 *   per row: m = max_j z_ij, lse_i = m + ln sum_j e^{z_ij - m}  (stable, as softmax),
 *   L = (1/N) sum_i (lse_i - z_{i,l_i}) = -mean_i log_softmax(z)[i, l_i],
 *   dz_ij += g (softmax(z)_ij - [j = l_i]) / N,  softmax(z)_ij = e^{z_ij - lse_i}.
 * The labels pointer travels in args.p; forward copies the labels into the arena
 * (the caller's array may change before backward) and points args.p at the copy.
 * saved: the copy, and m_i and ln sum_j e^{z_ij - m} per row (double), so backward
 * computes softmax as e^{(z - m) - ls} without the rounding of m + ls. Labels carry no gradient. ---- */
typedef struct ce_saved {
    int *labels;  /* (N) */
    double *m;    /* (N) row maxima */
    double *ls;   /* (N) ln sum_j e^{z_ij - m_i}; lse_i = m_i + ls_i */
} ce_saved;

tg_status tg__infer_ce(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    (void)shape;
    const tg_tensor *z = n->in[0];
    const int *labels = n->args.p;
    if (!labels) return tg_tape_fail(t, TG_ERR_ARG, "tg_cross_entropy: labels is NULL");
    if (z->rank != 2) {
        char b[128];
        return tg_tape_fail(t, TG_ERR_SHAPE, "tg_cross_entropy: logits must have rank 2 (N,C): got %s",
                            tg_shape_str(z, b, sizeof b));
    }
    int rows = z->shape[0], c = z->shape[1];
    for (int i = 0; i < rows; i++)
        if (labels[i] < 0 || labels[i] >= c)
            return tg_tape_fail(t, TG_ERR_RANGE, "tg_cross_entropy: label %d at row %d is outside 0..%d",
                                labels[i], i, c - 1);
    *rank = 0;
    return TG_OK;
}
tg_status tg__ce_fwd(tg_tape *t, tg_node *n) {
    const tg_tensor *z = n->in[0];
    size_t rows = (size_t)z->shape[0], c = (size_t)z->shape[1];
    ce_saved *sv = tg_tape_alloc(t, sizeof *sv);
    int *labels = tg_tape_alloc(t, rows * sizeof *labels);
    double *mx = tg_tape_alloc(t, rows * sizeof *mx), *ls = tg_tape_alloc(t, rows * sizeof *ls);
    if (!sv || !labels || !mx || !ls) return TG_ERR_NOMEM; /* tg_tape_alloc recorded it */
    const int *src = n->args.p;
    for (size_t i = 0; i < rows; i++) labels[i] = src[i];
    sv->labels = labels;
    sv->m = mx;
    sv->ls = ls;
    n->saved = sv;
    n->args.p = labels;
    double s = 0;
    for (size_t i = 0; i < rows; i++) {
        const tg_real *zi = z->data + i * c;
        double m;
        ls[i] = log(tg__row_sumexp(zi, c, &m)); /* in [0, ln C] */
        mx[i] = m;
        /* (m - z_l) + ls rather than lse - z_l: exact when one logit dominates. */
        s += (m - (double)zi[labels[i]]) + ls[i];
    }
    n->out->data[0] = (tg_real)(s / (double)rows);
    return TG_OK;
}
void tg__ce_bwd(tg_node *n) {
    tg_real *dz = n->in[0]->grad;
    if (!dz) return;
    const ce_saved *sv = n->saved;
    const tg_tensor *z = n->in[0];
    size_t rows = (size_t)z->shape[0], c = (size_t)z->shape[1];
    double k = G0_ / (double)rows;
    bool f = tg__grad_first(n->in[0]);
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < c; j++) {
            double p = exp(((double)z->data[i * c + j] - sv->m[i]) - sv->ls[i]);
            TG__ACC(f, dz[i * c + j], (tg_real)(k * (p - (j == (size_t)sv->labels[i] ? 1 : 0))));
        }
}
tg_tensor *tg_cross_entropy(tg_tape *t, tg_tensor *logits, const int *labels) {
    tg_op_args args = {.p = labels};
    return tg_apply(t, &tg__op_cross_entropy, &logits, 1, &args);
}

/* ---- graph forms (registry.h, `graph`): the kernels' formulas as ops, in the same
 * order. k = g / N is a rank-0 tensor that broadcasts. */
static tg_tensor *over_n(tg_tape *t, tg_tensor *g, size_t N) {
    return tg_div(t, g, tg__scalar(t, (tg_real)N));
}
/* d = (2 g / N) (a - b); da = d, db = -d */
tg_status tg__mse_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    tg_tensor *d = tg_mul(t, over_n(t, tg_mul_scalar(t, g, 2), NA_), tg_sub(t, n->in[0], n->in[1]));
    if (tg__needs(n, 0)) dx[0] = d;
    if (tg__needs(n, 1)) dx[1] = tg_neg(t, d);
    return tg__graph_status(t);
}
static tg_real m_band(const tg_tensor *x, size_t i, const tg_node *n) {
    (void)n;
    const tg_real lo = (tg_real)BCE_EPS, hi = (tg_real)(1 - BCE_EPS);
    return x->data[i] > lo && x->data[i] < hi ? 1 : 0;
}
/* q = clamp(p); dp = k (q - y) / (q (1 - q)) in the band; dy = -k (ln q - ln(1 - q)) */
tg_status tg__bce_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    tg_tensor *p = n->in[0], *y = n->in[1];
    tg_tensor *k = over_n(t, g, NA_);
    tg_tensor *q = tg_clamp(t, p, (tg_real)BCE_EPS, (tg_real)(1 - BCE_EPS));
    if (tg__needs(n, 0)) {
        tg_tensor *den = tg_mul(t, q, tg_add_scalar(t, tg_neg(t, q), 1));
        dx[0] = tg_mul(t, tg_div(t, tg_mul(t, k, tg_sub(t, q, y)), den), tg__mask(t, p, n, m_band));
    }
    if (tg__needs(n, 1))
        dx[1] = tg_neg(t, tg_mul(t, k, tg_sub(t, tg_log(t, q), tg_log1p(t, tg_neg(t, q)))));
    return tg__graph_status(t);
}
/* dz = k (sigmoid(z) - y); dy = -k z */
tg_status tg__bcel_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    tg_tensor *z = n->in[0], *k = over_n(t, g, NA_);
    if (tg__needs(n, 0)) dx[0] = tg_mul(t, k, tg_sub(t, tg_sigmoid(t, z), n->in[1]));
    if (tg__needs(n, 1)) dx[1] = tg_neg(t, tg_mul(t, k, z));
    return tg__graph_status(t);
}
/* dz = k (softmax(z) - onehot), softmax as e^log_softmax(z): the kernel's
 * e^((z - m) - ln s) with the same m and s, and with its true derivative. */
tg_status tg__ce_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    if (!tg__needs(n, 0)) return tg__graph_status(t);
    tg_tensor *z = n->in[0];
    const ce_saved *sv = n->saved;
    size_t rows = (size_t)z->shape[0], c = (size_t)z->shape[1];
    tg_tensor *hot = tg_tape_tensor(t, 2, z->shape, NULL, 0);
    if (hot) for (size_t i = 0; i < rows; i++) hot->data[i * c + (size_t)sv->labels[i]] = 1;
    tg_tensor *p = tg_exp(t, tg_log_softmax(t, z));
    dx[0] = tg_mul(t, over_n(t, g, rows), tg_sub(t, p, hot));
    return tg__graph_status(t);
}
