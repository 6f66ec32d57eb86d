/* act2.c — elementwise functions of the Transformer's arc: gelu (erf and tanh forms),
 * sin, cos, erf. y has x's shape; backward accumulates into dx.
 * Notation: y = out->data, g = out->grad, dx = in[0]->grad.
 * GELU: Hendrycks and Gimpel, "Gaussian Error Linear Units" (2016), as PyTorch's
 * F.gelu(approximate='none') and F.gelu(approximate='tanh').
 */
#include <math.h>
#include <tg/vmath.h>
#include "nn_private.h"

/* (math.h's M_ constants are not C11) */
#define SQRT1_2 0.70710678118654752440   /* 1 / sqrt 2 */
#define TWO_SQRTPI 1.12837916709551257390 /* 2 / sqrt pi */
#define INV_SQRT_2PI 0.39894228040143267794 /* 1 / sqrt(2 pi) */

#define X_ (n->in[0]->data)
#define Y_ (n->out->data)
#define G_ (n->out->grad)
#define DX_ (n->in[0]->grad)
#define N_ (n->out->size)

static tg_tensor *unary(tg_tape *t, const tg_op *op, tg_tensor *x) {
    return tg_apply(t, op, &x, 1, NULL);
}

enum { CH = 256 }; /* elements per chunk of the kernels' double buffers */

/* gelu: y = x Phi(x) = x (1 + erf(x / sqrt 2)) / 2;
 * dx += g (Phi(x) + x phi(x)), phi(x) = e^(-x^2/2) / sqrt(2 pi).
 * In chunks: erf of the chunk by tg__verf_d (vmath.h, tg_erf's erf), e^(-x^2/2) by
 * tg__vexp_d (tg_exp's exp in the double build), both vectorised. */
tg_status tg__gelu_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    double e[CH];
    for (size_t i0 = 0; i0 < N_; i0 += CH) {
        size_t m = N_ - i0 < CH ? N_ - i0 : CH;
        const tg_real *x = X_ + i0;
        for (size_t i = 0; i < m; i++) e[i] = x[i] * SQRT1_2;
        tg__verf_d(m, e, e);
        for (size_t i = 0; i < m; i++) Y_[i0 + i] = (tg_real)(0.5 * x[i] * (1 + e[i]));
    }
    return TG_OK;
}
void tg__gelu_bwd(tg_node *n) {
    if (!DX_) return;
    bool first = tg__grad_first(n->in[0]);
    double e[CH], p[CH];
    for (size_t i0 = 0; i0 < N_; i0 += CH) {
        size_t m = N_ - i0 < CH ? N_ - i0 : CH;
        const tg_real *x = X_ + i0, *g = G_ + i0;
        for (size_t i = 0; i < m; i++) {
            double xi = x[i];
            e[i] = xi * SQRT1_2;
            p[i] = -0.5 * xi * xi;
        }
        tg__verf_d(m, e, e);
        tg__vexp_d(m, p, p);
        TG__GRAD_PUT(first, DX_ + i0, m, i, (tg_real)(g[i] * (0.5 * (1 + e[i]) + x[i] * INV_SQRT_2PI * p[i])));
    }
}
tg_tensor *tg_gelu(tg_tape *t, tg_tensor *x) { return unary(t, &tg__op_gelu, x); }

/* gelu_tanh: y = x (1 + tanh u) / 2, u = sqrt(2/pi) (x + 0.044715 x^3);
 * dx += g ((1 + tanh u) / 2 + x (1 - tanh^2 u) sqrt(2/pi) (1 + 3 0.044715 x^2) / 2).
 * Forward: u into y, the vectorised tanh in place (tg/vmath.h), then the product. */
#define GELU_K0 0.7978845608028654 /* sqrt(2/pi) */
#define GELU_K1 0.044715
tg_status tg__gelu_tanh_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    const tg_real *x = X_;
    tg_real *y = Y_;
    for (size_t i = 0; i < N_; i++) y[i] = (tg_real)(GELU_K0 * (x[i] + GELU_K1 * x[i] * x[i] * x[i]));
    tg__vtanh(N_, y, y);
    for (size_t i = 0; i < N_; i++) y[i] = (tg_real)0.5 * x[i] * (1 + y[i]);
    return TG_OK;
}
static double gelu_tanh_slope(double x) {
    double th = tanh(GELU_K0 * (x + GELU_K1 * x * x * x));
    return 0.5 * (1 + th) + 0.5 * x * (1 - th * th) * GELU_K0 * (1 + 3 * GELU_K1 * x * x);
}
void tg__gelu_tanh_bwd(tg_node *n) {
    if (!DX_) return;
    bool first = tg__grad_first(n->in[0]);
    TG__GRAD_PUT(first, DX_, N_, i, (tg_real)(G_[i] * gelu_tanh_slope(X_[i])));
}
tg_tensor *tg_gelu_tanh(tg_tape *t, tg_tensor *x) { return unary(t, &tg__op_gelu_tanh, x); }

/* sin: y = sin x; dx += g cos x */
tg_status tg__sin_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    for (size_t i = 0; i < N_; i++) Y_[i] = (tg_real)sin(X_[i]);
    return TG_OK;
}
void tg__sin_bwd(tg_node *n) {
    if (!DX_) return;
    bool first = tg__grad_first(n->in[0]);
    TG__GRAD_PUT(first, DX_, N_, i, G_[i] * (tg_real)cos(X_[i]));
}
tg_tensor *tg_sin(tg_tape *t, tg_tensor *x) { return unary(t, &tg__op_sin, x); }

/* cos: y = cos x; dx -= g sin x */
tg_status tg__cos_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    for (size_t i = 0; i < N_; i++) Y_[i] = (tg_real)cos(X_[i]);
    return TG_OK;
}
void tg__cos_bwd(tg_node *n) {
    if (!DX_) return;
    bool first = tg__grad_first(n->in[0]);
    TG__GRAD_SUB(first, DX_, N_, i, G_[i] * (tg_real)sin(X_[i]));
}
tg_tensor *tg_cos(tg_tape *t, tg_tensor *x) { return unary(t, &tg__op_cos, x); }

/* erf: y = erf x = (2/sqrt pi) int_0^x e^(-s^2) ds (tg__verf, vmath.h);
 * dx += g (2/sqrt pi) e^(-x^2), the exponential by tg__vexp_d in chunks. */
tg_status tg__erf_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    tg__verf(N_, X_, Y_);
    return TG_OK;
}
void tg__erf_bwd(tg_node *n) {
    if (!DX_) return;
    bool first = tg__grad_first(n->in[0]);
    double p[CH];
    for (size_t i0 = 0; i0 < N_; i0 += CH) {
        size_t m = N_ - i0 < CH ? N_ - i0 : CH;
        const tg_real *x = X_ + i0, *g = G_ + i0;
        for (size_t i = 0; i < m; i++) p[i] = -(double)x[i] * x[i];
        tg__vexp_d(m, p, p);
        TG__GRAD_PUT(first, DX_ + i0, m, i, (tg_real)(g[i] * TWO_SQRTPI * p[i]));
    }
}
tg_tensor *tg_erf(tg_tape *t, tg_tensor *x) { return unary(t, &tg__op_erf, x); }

/* ---- graph forms (registry.h, `graph`): the kernels' products recorded with ops,
 * in the kernels' order, so each agrees with its kernel bit for bit. */
/* sin: g cos x */
tg_status tg__sin_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    if (tg__needs(n, 0)) dx[0] = tg_mul(t, g, tg_cos(t, n->in[0]));
    return tg__graph_status(t);
}
/* cos: -(g sin x) ("dx -= p" from zero is -p) */
tg_status tg__cos_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    if (tg__needs(n, 0)) dx[0] = tg_neg(t, tg_mul(t, g, tg_sin(t, n->in[0])));
    return tg__graph_status(t);
}
/* erf: (g 2/sqrt(pi)) e^(-x^2), the kernel's products in its order */
tg_status tg__erf_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    if (tg__needs(n, 0))
        dx[0] = tg_mul(t, tg_mul_scalar(t, g, (tg_real)TWO_SQRTPI), tg_exp(t, tg_neg(t, tg_square(t, n->in[0]))));
    return tg__graph_status(t);
}
/* gelu: g (Phi(x) + (x / sqrt(2 pi)) e^(-x^2/2)), Phi(x) = (erf(x / sqrt 2) + 1) / 2,
 * the kernel's operations in its order (halving is exact) */
tg_status tg__gelu_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    if (!tg__needs(n, 0)) return tg__graph_status(t);
    tg_tensor *x = n->in[0];
    tg_tensor *cdf = tg_mul_scalar(t, tg_add_scalar(t, tg_erf(t, tg_mul_scalar(t, x, (tg_real)SQRT1_2)), 1), 0.5);
    tg_tensor *pdf = tg_mul(t, tg_mul_scalar(t, x, (tg_real)INV_SQRT_2PI),
                            tg_exp(t, tg_mul_scalar(t, tg_square(t, x), -0.5)));
    dx[0] = tg_mul(t, g, tg_add(t, cdf, pdf));
    return tg__graph_status(t);
}
/* gelu_tanh: g (0.5 (1 + th) + (((0.5 x)(1 - th^2)) sqrt(2/pi)) (1 + (3 0.044715 x) x)),
 * th = tanh(sqrt(2/pi) (x + ((0.044715 x) x) x)): the kernel's expression, each product
 * and sum in its order (1 - s is -s + 1 exactly). */
tg_status tg__gelu_tanh_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    if (!tg__needs(n, 0)) return tg__graph_status(t);
    tg_tensor *x = n->in[0];
    tg_tensor *x3 = tg_mul(t, tg_mul(t, tg_mul_scalar(t, x, (tg_real)GELU_K1), x), x);
    tg_tensor *th = tg_tanh(t, tg_mul_scalar(t, tg_add(t, x, x3), (tg_real)GELU_K0));
    tg_tensor *half = tg_mul_scalar(t, tg_add_scalar(t, th, 1), 0.5);
    tg_tensor *sech2 = tg_add_scalar(t, tg_neg(t, tg_square(t, th)), 1);
    tg_tensor *du = tg_add_scalar(t, tg_mul(t, tg_mul_scalar(t, x, (tg_real)(3 * GELU_K1)), x), 1);
    tg_tensor *slope = tg_mul(t, tg_mul_scalar(t, tg_mul(t, tg_mul_scalar(t, x, 0.5), sech2), (tg_real)GELU_K0), du);
    dx[0] = tg_mul(t, g, tg_add(t, half, slope));
    return tg__graph_status(t);
}
