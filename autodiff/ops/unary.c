/* unary.c — elementwise unary ops and activations.
 *
 * Each op is one region: the math and its derivative, the shape rule (output shape =
 * input shape for all of them), the forward kernel, the backward kernel (which
 * ACCUMULATES into dx), the op definition, and the one-line builder.
 * Notation: y = out->data, g = out->grad (dL/dy), dx = in[0]->grad (dL/dx).
 * Formulas: the lecture notes' overview of activation functions (ReLU, softplus,
 * logistic, tanh) and the in-class notes on backpropagation (step, sign, leaky ReLU).
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
/* dx += v, or dx -= v, over every element i (v an expression of i); dx = TG__Z + v
 * (TG__Z - v) when the sweep handed dx out unset (tg/store.h). */
#define DX_ADD(v) do { if (DX_) { bool f_ = tg__grad_first(n->in[0]); TG__GRAD_PUT(f_, DX_, N_, i, v); } } while (0)
#define DX_SUB(v) do { if (DX_) { bool f_ = tg__grad_first(n->in[0]); TG__GRAD_SUB(f_, DX_, N_, i, v); } } while (0)
/* dx += v for a v that selects by a comparison of x (relu, leaky_relu, abs): dx is
 * zeroed first when unset. The compiler vectorises dx[i] += (c ? 0 : g[i]) with
 * masked loads, but not the store of TG__Z + (c ? 0 : g[i]), which it splits into
 * branches. */
#define DX_ADD_SEL(v) do { if (DX_) { tg__grad_zero_unset(n->in[0]); for (size_t i = 0; i < N_; i++) DX_[i] += (v); } } while (0)

/* neg: y = -x; dx += -g */
tg_status tg__neg_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    for (size_t i = 0; i < N_; i++) Y_[i] = -X_[i];
    return TG_OK;
}
void tg__neg_bwd(tg_node *n) {
    DX_SUB(G_[i]);
}
tg_tensor *tg_neg(tg_tape *t, tg_tensor *x) { return unary(t, &tg__op_neg, x, 0, 0); }

/* add_scalar: y = x + c; dx += g */
tg_status tg__add_scalar_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    tg_real c = (tg_real)n->args.f[0];
    for (size_t i = 0; i < N_; i++) Y_[i] = X_[i] + c;
    return TG_OK;
}
void tg__add_scalar_bwd(tg_node *n) {
    DX_ADD(G_[i]);
}
tg_tensor *tg_add_scalar(tg_tape *t, tg_tensor *x, tg_real c) {
    return unary(t, &tg__op_add_scalar, x, c, 0);
}

/* mul_scalar: y = c x; dx += c g */
tg_status tg__mul_scalar_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    tg_real c = (tg_real)n->args.f[0];
    for (size_t i = 0; i < N_; i++) Y_[i] = c * X_[i];
    return TG_OK;
}
void tg__mul_scalar_bwd(tg_node *n) {
    tg_real c = (tg_real)n->args.f[0];
    DX_ADD(c * G_[i]);
}
tg_tensor *tg_mul_scalar(tg_tape *t, tg_tensor *x, tg_real c) {
    return unary(t, &tg__op_mul_scalar, x, c, 0);
}

/* pow_scalar: y = x^p; dx += g p x^(p-1), and dx += 0 for p = 0 (the derivative of
 * the constant 1, also at x = 0 where p x^(p-1) would be 0 * inf). As PyTorch, the
 * exponents 0.5, -0.5, -1, 2, 3 and -2 go through sqrt, 1/sqrt, 1/x and products,
 * not pow (so (-inf)^0.5 is NaN and (-0)^-0.5 is -inf, as the square root says).
 * Shape check: p must be finite. */
static double pow_of(double x, double p) {
    if (p == 2) return x * x;
    if (p == 0.5) return sqrt(x);
    if (p == -1) return 1 / x;
    if (p == 3) return x * x * x;
    if (p == -0.5) return 1 / sqrt(x);
    if (p == -2) return 1 / (x * x);
    return pow(x, p);
}
tg_status tg__infer_pow(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    if (!isfinite(n->args.f[0]))
        return tg_tape_fail(t, TG_ERR_VALUE, "tg_pow_scalar: exponent must be finite, got %g",
                            n->args.f[0]);
    return tg__infer_same(t, n, rank, shape);
}
tg_status tg__pow_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    tg_real p = (tg_real)n->args.f[0];
    for (size_t i = 0; i < N_; i++) Y_[i] = (tg_real)pow_of(X_[i], p);
    return TG_OK;
}
void tg__pow_bwd(tg_node *n) {
    tg_real p = (tg_real)n->args.f[0];
    if (!DX_ || p == 0) return; /* adds nothing: an unset dx stays unset */
    DX_ADD(G_[i] * p * (tg_real)pow_of(X_[i], p - 1));
}
tg_tensor *tg_pow_scalar(tg_tape *t, tg_tensor *x, tg_real p) {
    return unary(t, &tg__op_pow_scalar, x, p, 0);
}

/* square: y = x^2; dx += 2 x g */
tg_status tg__square_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    for (size_t i = 0; i < N_; i++) Y_[i] = X_[i] * X_[i];
    return TG_OK;
}
void tg__square_bwd(tg_node *n) {
    DX_ADD(2 * X_[i] * G_[i]);
}
tg_tensor *tg_square(tg_tape *t, tg_tensor *x) { return unary(t, &tg__op_square, x, 0, 0); }

/* sqrt: y = sqrt(x); dx += g / (2 y)  (x <= 0: NaN or infinite, as sqrt) */
tg_status tg__sqrt_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    for (size_t i = 0; i < N_; i++) Y_[i] = sqrt(X_[i]);
    return TG_OK;
}
void tg__sqrt_bwd(tg_node *n) {
    DX_ADD(G_[i] / (2 * Y_[i]));
}
tg_tensor *tg_sqrt(tg_tape *t, tg_tensor *x) { return unary(t, &tg__op_sqrt, x, 0, 0); }

/* exp: y = e^x; dx += g y */
tg_status tg__exp_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    tg__vexp(N_, X_, Y_); /* vmath.c: vectorised */
    return TG_OK;
}
TG__CLONES void tg__exp_bwd(tg_node *n) {
    tg_real *restrict dx = DX_;
    const tg_real *restrict g = G_, *restrict y = Y_;
    if (dx) {
        bool f = tg__grad_first(n->in[0]);
        TG__GRAD_PUT(f, dx, N_, i, g[i] * y[i]);
    }
}
tg_tensor *tg_exp(tg_tape *t, tg_tensor *x) { return unary(t, &tg__op_exp, x, 0, 0); }

/* log: y = ln x; dx += g / x  (x = 0 gives -inf, x < 0 NaN, as log) */
tg_status tg__log_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    for (size_t i = 0; i < N_; i++) Y_[i] = log(X_[i]);
    return TG_OK;
}
void tg__log_bwd(tg_node *n) {
    DX_ADD(G_[i] / X_[i]);
}
tg_tensor *tg_log(tg_tape *t, tg_tensor *x) { return unary(t, &tg__op_log, x, 0, 0); }

/* abs: y = |x|; dx += g sign(x), with sign(0) = 0 (the subgradient PyTorch uses) */
tg_status tg__abs_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    for (size_t i = 0; i < N_; i++) Y_[i] = fabs(X_[i]);
    return TG_OK;
}
void tg__abs_bwd(tg_node *n) {
    DX_ADD_SEL(X_[i] > 0 ? G_[i] : X_[i] < 0 ? -G_[i] : 0);
}
tg_tensor *tg_abs(tg_tape *t, tg_tensor *x) { return unary(t, &tg__op_abs, x, 0, 0); }

/* clamp: y = min(max(x, lo), hi); dx += g where lo < x < hi (0 at and beyond the
 * bounds). Shape check: lo <= hi, neither NaN. */
tg_status tg__infer_clamp(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    double lo = n->args.f[0], hi = n->args.f[1];
    if (isnan(lo) || isnan(hi) || lo > hi)
        return tg_tape_fail(t, TG_ERR_VALUE, "tg_clamp: bounds must satisfy lo <= hi, got lo=%g hi=%g",
                            lo, hi);
    return tg__infer_same(t, n, rank, shape);
}
tg_status tg__clamp_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    tg_real lo = (tg_real)n->args.f[0], hi = (tg_real)n->args.f[1];
    for (size_t i = 0; i < N_; i++) Y_[i] = X_[i] < lo ? lo : X_[i] > hi ? hi : X_[i];
    return TG_OK;
}
void tg__clamp_bwd(tg_node *n) {
    tg_real lo = (tg_real)n->args.f[0], hi = (tg_real)n->args.f[1];
    if (DX_ && tg__grad_first(n->in[0]))
        for (size_t i = 0; i < N_; i++) DX_[i] = X_[i] > lo && X_[i] < hi ? TG__Z + G_[i] : 0;
    else if (DX_)
        for (size_t i = 0; i < N_; i++)
            if (X_[i] > lo && X_[i] < hi) DX_[i] += G_[i];
}
tg_tensor *tg_clamp(tg_tape *t, tg_tensor *x, tg_real lo, tg_real hi) {
    return unary(t, &tg__op_clamp, x, lo, hi);
}

/* ---- activations ---- */

/* relu: y = max(0, x); dx += g [x > 0]  (derivative 0 at the kink, as PyTorch).
 * NaN propagates as in PyTorch: relu(NaN) = NaN, and its gradient passes g (the test
 * is "x <= 0 gives 0"), so a NaN inside a ReLU network reaches anomaly detection. */
TG__CLONES tg_status tg__relu_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    const tg_real *restrict x = X_;
    tg_real *restrict y = Y_;
    for (size_t i = 0, m = N_; i < m; i++) y[i] = x[i] <= 0 ? 0 : x[i];
    return TG_OK;
}
TG__CLONES void tg__relu_bwd(tg_node *n) {
    tg_real *restrict dx = DX_;
    const tg_real *restrict g = G_, *restrict x = X_;
    if (dx && tg__grad_first(n->in[0]))
        for (size_t i = 0, m = N_; i < m; i++) dx[i] = x[i] <= 0 ? 0 : TG__Z + g[i];
    else if (dx)
        for (size_t i = 0, m = N_; i < m; i++) dx[i] += x[i] <= 0 ? 0 : g[i];
}
tg_tensor *tg_relu(tg_tape *t, tg_tensor *x) { return unary(t, &tg__op_relu, x, 0, 0); }

/* leaky_relu: y = x > 0 ? x : s x; dx += g (x > 0 ? 1 : s). Check: s finite. */
tg_status tg__infer_leaky(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    if (!isfinite(n->args.f[0]))
        return tg_tape_fail(t, TG_ERR_VALUE, "tg_leaky_relu: slope must be finite, got %g",
                            n->args.f[0]);
    return tg__infer_same(t, n, rank, shape);
}
tg_status tg__leaky_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    tg_real s = (tg_real)n->args.f[0];
    for (size_t i = 0; i < N_; i++) Y_[i] = X_[i] > 0 ? X_[i] : s * X_[i];
    return TG_OK;
}
void tg__leaky_bwd(tg_node *n) {
    tg_real s = (tg_real)n->args.f[0];
    DX_ADD_SEL(X_[i] > 0 ? G_[i] : s * G_[i]);
}
tg_tensor *tg_leaky_relu(tg_tape *t, tg_tensor *x, tg_real slope) {
    return unary(t, &tg__op_leaky_relu, x, slope, 0);
}

/* sigmoid: y = 1/(1+e^-x); dx += g y (1 - y).
 * Stable form (tg/vmath.h): for x < 0, e^x/(1+e^x), so e^-x never overflows. */
tg_status tg__sigmoid_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    tg__vsigmoid(N_, X_, Y_); /* vmath.c: vectorised, as stable as tg__sigmoid */
    return TG_OK;
}
TG__CLONES void tg__sigmoid_bwd(tg_node *n) {
    tg_real *restrict dx = DX_;
    const tg_real *restrict g = G_, *restrict y = Y_;
    if (dx) {
        bool f = tg__grad_first(n->in[0]);
        TG__GRAD_PUT(f, dx, N_, i, g[i] * y[i] * (1 - y[i]));
    }
}
tg_tensor *tg_sigmoid(tg_tape *t, tg_tensor *x) { return unary(t, &tg__op_sigmoid, x, 0, 0); }

/* softplus: y = ln(1 + e^x) = max(x,0) + log1p(e^-|x|) (stable); dx += g sigmoid(x) */
tg_status tg__softplus_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    for (size_t i = 0; i < N_; i++) {
        tg_real x = X_[i];
        Y_[i] = (x > 0 ? x : 0) + log1p(exp(-fabs(x)));
    }
    return TG_OK;
}
void tg__softplus_bwd(tg_node *n) {
    DX_ADD(G_[i] * (tg_real)tg__sigmoid(X_[i]));
}
tg_tensor *tg_softplus(tg_tape *t, tg_tensor *x) { return unary(t, &tg__op_softplus, x, 0, 0); }

/* tanh: y = tanh x; dx += g (1 - y^2) */
tg_status tg__tanh_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    tg__vtanh(N_, X_, Y_); /* vmath.c: vectorised */
    return TG_OK;
}
TG__CLONES void tg__tanh_bwd(tg_node *n) {
    tg_real *restrict dx = DX_;
    const tg_real *restrict g = G_, *restrict y = Y_;
    if (dx) {
        bool f = tg__grad_first(n->in[0]);
        TG__GRAD_PUT(f, dx, N_, i, g[i] * (1 - y[i] * y[i]));
    }
}
tg_tensor *tg_tanh(tg_tape *t, tg_tensor *x) { return unary(t, &tg__op_tanh, x, 0, 0); }

/* step: y = [x >= 0] (Heaviside, the lecture notes' threshold); dy/dx = 0 wherever it
 * exists, so the backward adds nothing: it is written out (not NULL) so that the sweep
 * treats it like every other op and a trace shows the zero. */
tg_status tg__step_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    for (size_t i = 0; i < N_; i++) Y_[i] = X_[i] >= 0 ? 1 : 0;
    return TG_OK;
}
void tg__zero_bwd(tg_node *n) { (void)n; /* dx += g * 0 */ }
tg_tensor *tg_step(tg_tape *t, tg_tensor *x) { return unary(t, &tg__op_step, x, 0, 0); }

/* sign: y = -1, 0, 1; zero derivative as step. */
tg_status tg__sign_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    for (size_t i = 0; i < N_; i++) Y_[i] = X_[i] > 0 ? 1 : X_[i] < 0 ? -1 : 0;
    return TG_OK;
}
tg_tensor *tg_sign(tg_tape *t, tg_tensor *x) { return unary(t, &tg__op_sign, x, 0, 0); }

/* log1p: y = ln(1 + x), accurate near 0 (the binary cross-entropy's ln(1 - q) is
 * log1p(-q)); dx += g / (1 + x) */
tg_status tg__log1p_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    for (size_t i = 0; i < N_; i++) Y_[i] = log1p(X_[i]);
    return TG_OK;
}
void tg__log1p_bwd(tg_node *n) {
    DX_ADD(G_[i] / (X_[i] + 1));
}
tg_tensor *tg_log1p(tg_tape *t, tg_tensor *x) { return unary(t, &tg__op_log1p, x, 0, 0); }

/* ---- graph forms (registry.h, `graph`): each records exactly what its kernel above
 * adds (same operations in the same order, so the same bits in the double build).
 * Piecewise-linear ops multiply g by a constant mask: the mask's own derivative is
 * zero wherever it exists, which is what their second derivative is. */
#define NEED0 (tg__needs(n, 0))
#define XT_ (n->in[0])
#define YT_ (n->out)

tg_status tg__neg_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    if (NEED0) dx[0] = tg_neg(t, g);
    return tg__graph_status(t);
}
tg_status tg__add_scalar_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    if (NEED0) dx[0] = g;
    return tg__graph_status(t);
}
tg_status tg__mul_scalar_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    if (NEED0) dx[0] = tg_mul_scalar(t, g, (tg_real)n->args.f[0]);
    return tg__graph_status(t);
}
/* (g p) x^(p-1) */
tg_status tg__pow_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    tg_real p = (tg_real)n->args.f[0];
    /* p = 0: no gradient at all, as the kernel (not 0 x^-1, NaN at 0) */
    if (NEED0 && p != 0) dx[0] = tg_mul(t, tg_mul_scalar(t, g, p), tg_pow_scalar(t, XT_, p - 1));
    return tg__graph_status(t);
}
/* (2 x) g */
tg_status tg__square_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    if (NEED0) dx[0] = tg_mul(t, tg_mul_scalar(t, XT_, 2), g);
    return tg__graph_status(t);
}
/* g / (2 y) */
tg_status tg__sqrt_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    if (NEED0) dx[0] = tg_div(t, g, tg_mul_scalar(t, YT_, 2));
    return tg__graph_status(t);
}
tg_status tg__exp_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    if (NEED0) dx[0] = tg_mul(t, g, YT_);
    return tg__graph_status(t);
}
tg_status tg__log_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    if (NEED0) dx[0] = tg_div(t, g, XT_);
    return tg__graph_status(t);
}
tg_status tg__log1p_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    if (NEED0) dx[0] = tg_div(t, g, tg_add_scalar(t, XT_, 1));
    return tg__graph_status(t);
}
static tg_real m_sign(const tg_tensor *x, size_t i, const tg_node *n) {
    (void)n;
    return x->data[i] > 0 ? 1 : x->data[i] < 0 ? -1 : 0;
}
static tg_real m_clamp(const tg_tensor *x, size_t i, const tg_node *n) {
    tg_real lo = (tg_real)n->args.f[0], hi = (tg_real)n->args.f[1];
    return x->data[i] > lo && x->data[i] < hi ? 1 : 0;
}
/* 1 where not x <= 0, as the kernel: a NaN passes its gradient */
static tg_real m_relu(const tg_tensor *x, size_t i, const tg_node *n) {
    (void)n;
    return x->data[i] <= 0 ? 0 : 1;
}
static tg_real m_leaky(const tg_tensor *x, size_t i, const tg_node *n) {
    return x->data[i] > 0 ? 1 : (tg_real)n->args.f[0];
}
tg_status tg__abs_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    if (NEED0) dx[0] = tg_mul(t, g, tg__mask(t, XT_, n, m_sign));
    return tg__graph_status(t);
}
tg_status tg__clamp_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    if (NEED0) dx[0] = tg_mul(t, g, tg__mask(t, XT_, n, m_clamp));
    return tg__graph_status(t);
}
tg_status tg__relu_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    if (NEED0) dx[0] = tg_mul(t, g, tg__mask(t, XT_, n, m_relu));
    return tg__graph_status(t);
}
tg_status tg__leaky_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    if (NEED0) dx[0] = tg_mul(t, g, tg__mask(t, XT_, n, m_leaky));
    return tg__graph_status(t);
}
/* (g y) (1 - y), with 1 - y as (-y) + 1 (the same rounding) */
tg_status tg__sigmoid_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    if (NEED0) dx[0] = tg_mul(t, tg_mul(t, g, YT_), tg_add_scalar(t, tg_neg(t, YT_), 1));
    return tg__graph_status(t);
}
tg_status tg__softplus_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    if (NEED0) dx[0] = tg_mul(t, g, tg_sigmoid(t, XT_));
    return tg__graph_status(t);
}
/* g (1 - y^2), one op (act_bwd.c) with the kernel's arithmetic */
tg_status tg__tanh_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    if (NEED0) dx[0] = tg_tanh_backward(t, g, YT_);
    return tg__graph_status(t);
}
/* step, sign: nothing flows back (dx[0] stays NULL: zero). */
tg_status tg__zero_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    (void)n, (void)g, (void)dx;
    return tg__graph_status(t);
}
