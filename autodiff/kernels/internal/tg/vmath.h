/* vmath.h — exp, logistic sigmoid, tanh and erf over arrays, vectorised (vmath.c).
 * Internal, not installed. y[i] = f(x[i]) for i < n; y may equal x.
 *
 * In the float build exp and tanh are computed in double precision with a polynomial
 * exp (relative error below 1e-12) and rounded once to float, so each result is the
 * correctly rounded value or one of its neighbours. sigmoid is computed in float
 * arithmetic (twice the lanes of double, and float division) and is within 2 ulps of
 * the correctly rounded value (libm's, rounded): on a dense sweep of floats about 3 %
 * of its results are one ulp off and 1 in 10^5 two. NaN, infinities, overflow and
 * underflow (subnormal results included) come out as from libm. The code is compiled
 * for AVX-512, AVX2 and the build's own instruction set, chosen at run time like the
 * GEMM kernels, and every version gives the same bits. In the
 * double build they are libm's exp and tanh, and the stable two-sided sigmoid
 * (tg__sigmoid). Also two scalar helpers for the ops: tg__sigmoid and tg__row_lse. */
#ifndef TG_VMATH_H
#define TG_VMATH_H

#include <math.h>
#include <stddef.h>
#include <string.h> /* for __GLIBC__ */
#include <tapegrad/tg_core.h>

/* TG__CLONES before a small elementwise kernel compiles it three times (AVX-512,
 * AVX2, and the build's baseline) and picks one at load time (GCC target_clones; an
 * ifunc, so glibc on x86-64 only; elsewhere the attribute is empty). Only for kernels
 * without fused multiply-adds to contract, so that every clone gives the same bits.
 * Not under AddressSanitizer or ThreadSanitizer: an ifunc resolver runs while the
 * program is being relocated, before the sanitizer's runtime exists, and the
 * instrumented resolver would crash. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) && \
    defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__) && \
    !defined(TG_NO_CLONES)
#define TG__CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define TG__CLONES
#endif

/* The logistic function 1 / (1 + e^-x) of one value, in double, in its stable
 * two-branch form: for x >= 0, 1 / (1 + e^-x); for x < 0, e^x / (1 + e^x). Either way
 * the exponent is <= 0, so the exponential stays in (0, 1]: no overflow in the first
 * form, no inf / inf in the second. NaN gives NaN. What tg__vsigmoid computes in the
 * double build. */
static inline double tg__sigmoid(double x) {
    if (x >= 0) return 1 / (1 + exp(-x));
    double e = exp(x);
    return e / (1 + e);
}

/* For a row x[0:n] of n >= 1 values: sets *max to the largest of them and returns
 * s = sum_j e^(x_j - *max), all in double. Every exponent is <= 0 and the largest
 * term is e^0 = 1, so s lies in [1, n]: it never overflows or vanishes, whatever the
 * magnitude of x. The row's log-sum-exp is *max + ln s, softmax_j = e^(x_j - *max) / s
 * and log-softmax_j = (x_j - *max) - ln s. A NaN anywhere makes s NaN (and *max too if
 * it is x[0]: the maximum is taken with >), as does an infinite maximum (inf - inf).
 * The sum runs left to right with libm's exp, so the result is the same for any caller
 * and thread count. */
double tg__row_sumexp(const tg_real *x, size_t n, double *max);

void tg__vexp(size_t n, const tg_real *x, tg_real *y);
void tg__vsigmoid(size_t n, const tg_real *x, tg_real *y);
void tg__vtanh(size_t n, const tg_real *x, tg_real *y);
/* e^x for x <= 0 (NaN gives NaN, -inf and x < -104 give 0), the exponentials of a
 * softmax, whose arguments x_j - max are never positive. In the float build it is
 * computed in float arithmetic (the exponential inside sigmoid), within one ulp of
 * the correctly rounded value over every non-positive float, at about a third of
 * tg__vexp's cost; in the double build it is tg__vexp. x > 0 is outside its domain. */
void tg__vexp_neg(size_t n, const tg_real *x, tg_real *y);

/* erf, in both builds the same double-precision function (vmath.c), within a few
 * ulps of the correctly rounded erf (tests/kernels/test_vmath.c bounds it against
 * libm's): tg__verf rounds it to tg_real once, tg__verf_d keeps the double. The one
 * erf of the library: tg_erf and the GELU kernels use it, so that kernels and graph
 * forms agree to the bit. */
void tg__verf(size_t n, const tg_real *x, tg_real *y);
void tg__verf_d(size_t n, const double *x, double *y);
/* e^x over doubles, for kernels that compute in double and round to tg_real once:
 * libm's exp in the double build (what tg_exp computes there), the polynomial exp
 * above in the float build (relative error below 1e-12). y may equal x. */
void tg__vexp_d(size_t n, const double *x, double *y);

/* Tests: the same four through the portable instantiation only (float build; in
 * the double build these equal the functions above). */
void tg__vexp_generic(size_t n, const tg_real *x, tg_real *y);
void tg__vsigmoid_generic(size_t n, const tg_real *x, tg_real *y);
void tg__vtanh_generic(size_t n, const tg_real *x, tg_real *y);
void tg__vexp_neg_generic(size_t n, const tg_real *x, tg_real *y);

#endif
