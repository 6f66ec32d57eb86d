/* vmath.c — vectorised exp, sigmoid and tanh over arrays (see vmath.h).
 *
 * Float build. Each x is widened to double and
 *   exp:      e^x = 2^n e^r,  n = rint(x log2 e),  r = x - n ln 2,  |r| <= ln2 / 2,
 *             e^r by its Taylor polynomial of degree 11 (truncation below 7e-15),
 *             2^n written straight into a double's exponent bits; x is first clamped
 *             to [-120, 120], where e^x is a normal double and rounds to float 0 or
 *             inf exactly as the true value would (NaN passes through the clamp);
 *   sigmoid:  1 / (1 + e^-x);
 *   tanh:     1 - 2 / (e^(2|x|) + 1) with the sign of x put back; |x| < 2^-12
 *             returns x, which is tanh(x) correctly rounded to float (x^3/3 is below
 *             half an ulp);
 * then rounded once to float. No FMA is used, so every instruction set gives the same
 * bits. The rounding step n = rint(...) uses the 1.5 * 2^52 shifter: bits(t) of
 * t = y + 1.5 * 2^52 are bits(1.5 * 2^52) + rint(y), and (bits(t) + 1023) << 52 is
 * the double 2^n (the shifter's own bits fall off the top). All of it is branch-free
 * so that GCC vectorises the loops (8 doubles per AVX-512 vector).
 *
 * Double build: libm's exp and tanh, and tg__sigmoid (the gradient-checking build
 * values accuracy over speed).
 *
 * tg__row_sumexp, the same in both builds, is scalar double code with libm's exp.
 */
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <tg/vmath.h>

double tg__row_sumexp(const tg_real *x, size_t n, double *max) {
    double m = x[0];
    for (size_t j = 1; j < n; j++)
        if (x[j] > m) m = x[j];
    double s = 0;
    for (size_t j = 0; j < n; j++) s += exp((double)x[j] - m);
    *max = m;
    return s;
}

#if TG_REAL_IS_DOUBLE

void tg__vexp(size_t n, const tg_real *x, tg_real *y) {
    for (size_t i = 0; i < n; i++) y[i] = exp(x[i]);
}
void tg__vsigmoid(size_t n, const tg_real *x, tg_real *y) {
    for (size_t i = 0; i < n; i++) y[i] = tg__sigmoid(x[i]);
}
void tg__vtanh(size_t n, const tg_real *x, tg_real *y) {
    for (size_t i = 0; i < n; i++) y[i] = tanh(x[i]);
}
void tg__vexp_generic(size_t n, const tg_real *x, tg_real *y) { tg__vexp(n, x, y); }
void tg__vsigmoid_generic(size_t n, const tg_real *x, tg_real *y) { tg__vsigmoid(n, x, y); }
void tg__vtanh_generic(size_t n, const tg_real *x, tg_real *y) { tg__vtanh(n, x, y); }

#else /* float */

#define AI static inline __attribute__((always_inline))

/* c ? a : b as a bit select, so that GCC vectorises the loops: a conditional
 * expression of doubles stays a branch there (an ordinary comparison may raise
 * "invalid" on NaN, and a branch that sees a constant gets specialised for it). */
AI double select_d(int c, double a, double b) {
    uint64_t ba, bb, m = -(uint64_t)(c != 0);
    memcpy(&ba, &a, sizeof ba);
    memcpy(&bb, &b, sizeof bb);
    ba = (ba & m) | (bb & ~m);
    memcpy(&a, &ba, sizeof a);
    return a;
}

/* x clamped to [-120, 120]; NaN stays NaN (quiet comparison). */
AI double clamp120(double x) {
    return select_d(isgreater(fabs(x), 120.0), copysign(120.0, x), x);
}

/* e^x, any x: e^120 = 1.3e52 is beyond float (inf), e^-120 below it (0). */
AI double exp_d(double x) {
    const double shifter = 0x1.8p52, log2e = 1.4426950408889634, ln2 = 0.6931471805599453;
    x = clamp120(x);
    double t = x * log2e + shifter;
    double k = t - shifter; /* rint(x log2 e) */
    double r = x - k * ln2;
    double p = 1.0 / 39916800;  /* 1/11! */
    p = p * r + 1.0 / 3628800;  /* 1/10! */
    p = p * r + 1.0 / 362880;
    p = p * r + 1.0 / 40320;
    p = p * r + 1.0 / 5040;
    p = p * r + 1.0 / 720;
    p = p * r + 1.0 / 120;
    p = p * r + 1.0 / 24;
    p = p * r + 1.0 / 6;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    uint64_t bits;
    memcpy(&bits, &t, sizeof bits);
    bits = (bits + 1023) << 52;
    double scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

AI void exp_body(size_t n, const float *restrict x, float *restrict y) {
    for (size_t i = 0; i < n; i++) y[i] = (float)exp_d(x[i]);
}
AI void sigmoid_body(size_t n, const float *restrict x, float *restrict y) {
    for (size_t i = 0; i < n; i++) y[i] = (float)(1.0 / (1.0 + exp_d(-(double)x[i])));
}
/* tanh|x| = 1 - 2 / (e^(2|x|) + 1): for |x| >= 2^-12 the subtraction loses at most
 * 1e-16 absolute, 4e-13 relative; e^(2|x|) = inf gives exactly 1. */
AI void tanh_body(size_t n, const float *restrict x, float *restrict y) {
    for (size_t i = 0; i < n; i++) {
        double v = x[i], a = fabs(v);
        double q = 1.0 - 2.0 / (exp_d(2 * a) + 1.0); /* computed always: no branch */
        double r = select_d(isless(a, 0x1p-12), a, q);
        y[i] = (float)copysign(r, v);
    }
}

typedef void (*vfn)(size_t n, const float *x, float *y);

static void exp_generic(size_t n, const float *x, float *y) { exp_body(n, x, y); }
static void sigmoid_generic(size_t n, const float *x, float *y) { sigmoid_body(n, x, y); }
static void tanh_generic(size_t n, const float *x, float *y) { tanh_body(n, x, y); }

typedef struct { vfn exp, sigmoid, tanh; } vset;
static const vset generic = {exp_generic, sigmoid_generic, tanh_generic};

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define T512 __attribute__((target("avx512f,avx512dq")))
#define T256 __attribute__((target("avx2")))
T512 static void exp_avx512(size_t n, const float *x, float *y) { exp_body(n, x, y); }
T512 static void sigmoid_avx512(size_t n, const float *x, float *y) { sigmoid_body(n, x, y); }
T512 static void tanh_avx512(size_t n, const float *x, float *y) { tanh_body(n, x, y); }
/* The AVX2 versions, for CPUs with AVX2 but without AVX-512: the same body. */
T256 static void exp_avx2(size_t n, const float *x, float *y) { exp_body(n, x, y); }
T256 static void sigmoid_avx2(size_t n, const float *x, float *y) { sigmoid_body(n, x, y); }
T256 static void tanh_avx2(size_t n, const float *x, float *y) { tanh_body(n, x, y); }
static const vset avx512 = {exp_avx512, sigmoid_avx512, tanh_avx512};
static const vset avx2 = {exp_avx2, sigmoid_avx2, tanh_avx2};
#endif

static _Atomic(const vset *) active;

static const vset *impl(void) {
    const vset *v = atomic_load_explicit(&active, memory_order_acquire);
    if (v) return v;
    v = &generic;
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq")) v = &avx512;
    else if (__builtin_cpu_supports("avx2")) v = &avx2;
#endif
    atomic_store(&active, v);
    return v;
}

void tg__vexp(size_t n, const tg_real *x, tg_real *y) { impl()->exp(n, x, y); }
void tg__vsigmoid(size_t n, const tg_real *x, tg_real *y) { impl()->sigmoid(n, x, y); }
void tg__vtanh(size_t n, const tg_real *x, tg_real *y) { impl()->tanh(n, x, y); }
void tg__vexp_generic(size_t n, const tg_real *x, tg_real *y) { exp_generic(n, x, y); }
void tg__vsigmoid_generic(size_t n, const tg_real *x, tg_real *y) { sigmoid_generic(n, x, y); }
void tg__vtanh_generic(size_t n, const tg_real *x, tg_real *y) { tanh_generic(n, x, y); }

#endif
