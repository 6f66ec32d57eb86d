/* ops_unary.c — elementwise unary ops and activations.
 *
 * Each op is one region: the math and its derivative, the shape rule (output shape =
 * input shape for all of them), the forward kernel, the backward kernel (which
 * ACCUMULATES into dx), the op definition, and the one-line builder.
 * Notation: y = out->data, g = out->grad (dL/dy), dx = in[0]->grad (dL/dx).
 * Formulas: lecture notes ../shared/seeds/000_… (ReLU, softplus, logistic, tanh) and
 * 002_… (step, sign, leaky ReLU).
 */
#include <math.h>
#include "ops_private.h"
#include <tg/vmath.h>

/* Shape rule shared by every elementwise unary op: y has x's shape. */
tg_status tg__infer_same(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    (void)t;
    *rank = n->in[0]->rank;
    for (int i = 0; i < *rank; i++) shape[i] = n->in[0]->shape[i];
    return TG_OK;
}

static tg_tensor *unary(tg_tape *t, const tg_op *op, tg_tensor *x, double a0, double a1) {
    tg_op_args args = {.f = {a0, a1}};
    return tg_apply(t, op, &x, 1, &args);
}

/* Shorthands used by every kernel below. */
#define X_ (n->in[0]->data)
#define Y_ (n->out->data)
#define G_ (n->out->grad)
#define DX_ (n->in[0]->grad)
#define N_ (n->out->size)

/* neg: y = -x; dx += -g */
static tg_status neg_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    for (size_t i = 0; i < N_; i++) Y_[i] = -X_[i];
    return TG_OK;
}
static void neg_bwd(tg_node *n) {
    if (DX_) for (size_t i = 0; i < N_; i++) DX_[i] -= G_[i];
}
const tg_op tg__op_neg = {"tg_neg", 1, 0, tg__infer_same, neg_fwd, neg_bwd};
tg_tensor *tg_neg(tg_tape *t, tg_tensor *x) { return unary(t, &tg__op_neg, x, 0, 0); }

/* add_scalar: y = x + c; dx += g */
static tg_status add_scalar_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    tg_real c = (tg_real)n->args.f[0];
    for (size_t i = 0; i < N_; i++) Y_[i] = X_[i] + c;
    return TG_OK;
}
static void add_scalar_bwd(tg_node *n) {
    if (DX_) for (size_t i = 0; i < N_; i++) DX_[i] += G_[i];
}
const tg_op tg__op_add_scalar = {"tg_add_scalar", 1, 0, tg__infer_same, add_scalar_fwd, add_scalar_bwd};
tg_tensor *tg_add_scalar(tg_tape *t, tg_tensor *x, tg_real c) {
    return unary(t, &tg__op_add_scalar, x, c, 0);
}

/* mul_scalar: y = c x; dx += c g */
static tg_status mul_scalar_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    tg_real c = (tg_real)n->args.f[0];
    for (size_t i = 0; i < N_; i++) Y_[i] = c * X_[i];
    return TG_OK;
}
static void mul_scalar_bwd(tg_node *n) {
    tg_real c = (tg_real)n->args.f[0];
    if (DX_) for (size_t i = 0; i < N_; i++) DX_[i] += c * G_[i];
}
const tg_op tg__op_mul_scalar = {"tg_mul_scalar", 1, 0, tg__infer_same, mul_scalar_fwd, mul_scalar_bwd};
tg_tensor *tg_mul_scalar(tg_tape *t, tg_tensor *x, tg_real c) {
    return unary(t, &tg__op_mul_scalar, x, c, 0);
}

/* pow_scalar: y = x^p; dx += g p x^(p-1). Shape check: p must be finite. */
static tg_status pow_infer(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    if (!isfinite(n->args.f[0]))
        return tg_tape_fail(t, TG_ERR_VALUE, "tg_pow_scalar: exponent must be finite, got %g",
                            n->args.f[0]);
    return tg__infer_same(t, n, rank, shape);
}
static tg_status pow_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    tg_real p = (tg_real)n->args.f[0];
    for (size_t i = 0; i < N_; i++) Y_[i] = pow(X_[i], p);
    return TG_OK;
}
static void pow_bwd(tg_node *n) {
    tg_real p = (tg_real)n->args.f[0];
    if (DX_) for (size_t i = 0; i < N_; i++) DX_[i] += G_[i] * p * pow(X_[i], p - 1);
}
const tg_op tg__op_pow_scalar = {"tg_pow_scalar", 1, 0, pow_infer, pow_fwd, pow_bwd};
tg_tensor *tg_pow_scalar(tg_tape *t, tg_tensor *x, tg_real p) {
    return unary(t, &tg__op_pow_scalar, x, p, 0);
}

/* square: y = x^2; dx += 2 x g */
static tg_status square_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    for (size_t i = 0; i < N_; i++) Y_[i] = X_[i] * X_[i];
    return TG_OK;
}
static void square_bwd(tg_node *n) {
    if (DX_) for (size_t i = 0; i < N_; i++) DX_[i] += 2 * X_[i] * G_[i];
}
const tg_op tg__op_square = {"tg_square", 1, 0, tg__infer_same, square_fwd, square_bwd};
tg_tensor *tg_square(tg_tape *t, tg_tensor *x) { return unary(t, &tg__op_square, x, 0, 0); }

/* sqrt: y = sqrt(x); dx += g / (2 y)  (x <= 0: NaN or infinite, as sqrt) */
static tg_status sqrt_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    for (size_t i = 0; i < N_; i++) Y_[i] = sqrt(X_[i]);
    return TG_OK;
}
static void sqrt_bwd(tg_node *n) {
    if (DX_) for (size_t i = 0; i < N_; i++) DX_[i] += G_[i] / (2 * Y_[i]);
}
const tg_op tg__op_sqrt = {"tg_sqrt", 1, 0, tg__infer_same, sqrt_fwd, sqrt_bwd};
tg_tensor *tg_sqrt(tg_tape *t, tg_tensor *x) { return unary(t, &tg__op_sqrt, x, 0, 0); }

/* exp: y = e^x; dx += g y */
static tg_status exp_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    tg__vexp(N_, X_, Y_); /* vmath.c: vectorised */
    return TG_OK;
}
TG__CLONES static void exp_bwd(tg_node *n) {
    tg_real *restrict dx = DX_;
    const tg_real *restrict g = G_, *restrict y = Y_;
    if (dx) for (size_t i = 0, m = N_; i < m; i++) dx[i] += g[i] * y[i];
}
const tg_op tg__op_exp = {"tg_exp", 1, 0, tg__infer_same, exp_fwd, exp_bwd};
tg_tensor *tg_exp(tg_tape *t, tg_tensor *x) { return unary(t, &tg__op_exp, x, 0, 0); }

/* log: y = ln x; dx += g / x  (x = 0 gives -inf, x < 0 NaN, as log) */
static tg_status log_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    for (size_t i = 0; i < N_; i++) Y_[i] = log(X_[i]);
    return TG_OK;
}
static void log_bwd(tg_node *n) {
    if (DX_) for (size_t i = 0; i < N_; i++) DX_[i] += G_[i] / X_[i];
}
const tg_op tg__op_log = {"tg_log", 1, 0, tg__infer_same, log_fwd, log_bwd};
tg_tensor *tg_log(tg_tape *t, tg_tensor *x) { return unary(t, &tg__op_log, x, 0, 0); }

/* abs: y = |x|; dx += g sign(x), with sign(0) = 0 (the subgradient PyTorch uses) */
static tg_status abs_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    for (size_t i = 0; i < N_; i++) Y_[i] = fabs(X_[i]);
    return TG_OK;
}
static void abs_bwd(tg_node *n) {
    if (DX_)
        for (size_t i = 0; i < N_; i++)
            DX_[i] += X_[i] > 0 ? G_[i] : X_[i] < 0 ? -G_[i] : 0;
}
const tg_op tg__op_abs = {"tg_abs", 1, 0, tg__infer_same, abs_fwd, abs_bwd};
tg_tensor *tg_abs(tg_tape *t, tg_tensor *x) { return unary(t, &tg__op_abs, x, 0, 0); }

/* clamp: y = min(max(x, lo), hi); dx += g where lo < x < hi (0 at and beyond the
 * bounds). Shape check: lo <= hi, neither NaN. */
static tg_status clamp_infer(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    double lo = n->args.f[0], hi = n->args.f[1];
    if (isnan(lo) || isnan(hi) || lo > hi)
        return tg_tape_fail(t, TG_ERR_VALUE, "tg_clamp: bounds must satisfy lo <= hi, got lo=%g hi=%g",
                            lo, hi);
    return tg__infer_same(t, n, rank, shape);
}
static tg_status clamp_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    tg_real lo = (tg_real)n->args.f[0], hi = (tg_real)n->args.f[1];
    for (size_t i = 0; i < N_; i++) Y_[i] = X_[i] < lo ? lo : X_[i] > hi ? hi : X_[i];
    return TG_OK;
}
static void clamp_bwd(tg_node *n) {
    tg_real lo = (tg_real)n->args.f[0], hi = (tg_real)n->args.f[1];
    if (DX_)
        for (size_t i = 0; i < N_; i++)
            if (X_[i] > lo && X_[i] < hi) DX_[i] += G_[i];
}
const tg_op tg__op_clamp = {"tg_clamp", 1, 0, clamp_infer, clamp_fwd, clamp_bwd};
tg_tensor *tg_clamp(tg_tape *t, tg_tensor *x, tg_real lo, tg_real hi) {
    return unary(t, &tg__op_clamp, x, lo, hi);
}

/* ---- activations ---- */

/* relu: y = max(0, x); dx += g [x > 0]  (derivative 0 at the kink, as PyTorch) */
TG__CLONES static tg_status relu_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    const tg_real *restrict x = X_;
    tg_real *restrict y = Y_;
    for (size_t i = 0, m = N_; i < m; i++) y[i] = x[i] > 0 ? x[i] : 0;
    return TG_OK;
}
TG__CLONES static void relu_bwd(tg_node *n) {
    tg_real *restrict dx = DX_;
    const tg_real *restrict g = G_, *restrict x = X_;
    if (dx) for (size_t i = 0, m = N_; i < m; i++) dx[i] += x[i] > 0 ? g[i] : 0;
}
const tg_op tg__op_relu = {"tg_relu", 1, 0, tg__infer_same, relu_fwd, relu_bwd};
tg_tensor *tg_relu(tg_tape *t, tg_tensor *x) { return unary(t, &tg__op_relu, x, 0, 0); }

/* leaky_relu: y = x > 0 ? x : s x; dx += g (x > 0 ? 1 : s). Check: s finite. */
static tg_status leaky_infer(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    if (!isfinite(n->args.f[0]))
        return tg_tape_fail(t, TG_ERR_VALUE, "tg_leaky_relu: slope must be finite, got %g",
                            n->args.f[0]);
    return tg__infer_same(t, n, rank, shape);
}
static tg_status leaky_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    tg_real s = (tg_real)n->args.f[0];
    for (size_t i = 0; i < N_; i++) Y_[i] = X_[i] > 0 ? X_[i] : s * X_[i];
    return TG_OK;
}
static void leaky_bwd(tg_node *n) {
    tg_real s = (tg_real)n->args.f[0];
    if (DX_) for (size_t i = 0; i < N_; i++) DX_[i] += X_[i] > 0 ? G_[i] : s * G_[i];
}
const tg_op tg__op_leaky_relu = {"tg_leaky_relu", 1, 0, leaky_infer, leaky_fwd, leaky_bwd};
tg_tensor *tg_leaky_relu(tg_tape *t, tg_tensor *x, tg_real slope) {
    return unary(t, &tg__op_leaky_relu, x, slope, 0);
}

/* sigmoid: y = 1/(1+e^-x); dx += g y (1 - y).
 * Stable form: for x < 0 use e^x/(1+e^x) so e^-x never overflows. */
static tg_real sigmoid1(tg_real x) {
    if (x >= 0) return 1 / (1 + exp(-x));
    tg_real e = exp(x);
    return e / (1 + e);
}
static tg_status sigmoid_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    tg__vsigmoid(N_, X_, Y_); /* vmath.c: vectorised, as stable as sigmoid1 */
    return TG_OK;
}
TG__CLONES static void sigmoid_bwd(tg_node *n) {
    tg_real *restrict dx = DX_;
    const tg_real *restrict g = G_, *restrict y = Y_;
    if (dx) for (size_t i = 0, m = N_; i < m; i++) dx[i] += g[i] * y[i] * (1 - y[i]);
}
const tg_op tg__op_sigmoid = {"tg_sigmoid", 1, 0, tg__infer_same, sigmoid_fwd, sigmoid_bwd};
tg_tensor *tg_sigmoid(tg_tape *t, tg_tensor *x) { return unary(t, &tg__op_sigmoid, x, 0, 0); }

/* softplus: y = ln(1 + e^x) = max(x,0) + log1p(e^-|x|) (stable); dx += g sigmoid(x) */
static tg_status softplus_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    for (size_t i = 0; i < N_; i++) {
        tg_real x = X_[i];
        Y_[i] = (x > 0 ? x : 0) + log1p(exp(-fabs(x)));
    }
    return TG_OK;
}
static void softplus_bwd(tg_node *n) {
    if (DX_) for (size_t i = 0; i < N_; i++) DX_[i] += G_[i] * sigmoid1(X_[i]);
}
const tg_op tg__op_softplus = {"tg_softplus", 1, 0, tg__infer_same, softplus_fwd, softplus_bwd};
tg_tensor *tg_softplus(tg_tape *t, tg_tensor *x) { return unary(t, &tg__op_softplus, x, 0, 0); }

/* tanh: y = tanh x; dx += g (1 - y^2) */
static tg_status tanh_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    tg__vtanh(N_, X_, Y_); /* vmath.c: vectorised */
    return TG_OK;
}
TG__CLONES static void tanh_bwd(tg_node *n) {
    tg_real *restrict dx = DX_;
    const tg_real *restrict g = G_, *restrict y = Y_;
    if (dx) for (size_t i = 0, m = N_; i < m; i++) dx[i] += g[i] * (1 - y[i] * y[i]);
}
const tg_op tg__op_tanh = {"tg_tanh", 1, 0, tg__infer_same, tanh_fwd, tanh_bwd};
tg_tensor *tg_tanh(tg_tape *t, tg_tensor *x) { return unary(t, &tg__op_tanh, x, 0, 0); }

/* step: y = [x >= 0] (Heaviside, the seeds' threshold); dy/dx = 0 wherever it
 * exists, so the backward adds nothing: it is written out (not NULL) so that the sweep
 * treats it like every other op and a trace shows the zero. */
static tg_status step_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    for (size_t i = 0; i < N_; i++) Y_[i] = X_[i] >= 0 ? 1 : 0;
    return TG_OK;
}
static void zero_bwd(tg_node *n) { (void)n; /* dx += g * 0 */ }
const tg_op tg__op_step = {"tg_step", 1, 0, tg__infer_same, step_fwd, zero_bwd};
tg_tensor *tg_step(tg_tape *t, tg_tensor *x) { return unary(t, &tg__op_step, x, 0, 0); }

/* sign: y = -1, 0, 1; zero derivative as step. */
static tg_status sign_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    for (size_t i = 0; i < N_; i++) Y_[i] = X_[i] > 0 ? 1 : X_[i] < 0 ? -1 : 0;
    return TG_OK;
}
const tg_op tg__op_sign = {"tg_sign", 1, 0, tg__infer_same, sign_fwd, zero_bwd};
tg_tensor *tg_sign(tg_tape *t, tg_tensor *x) { return unary(t, &tg__op_sign, x, 0, 0); }
