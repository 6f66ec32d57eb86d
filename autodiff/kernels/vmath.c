/* vmath.c — vectorised exp, sigmoid, tanh and erf over arrays (see vmath.h).
 *
 * Float build. sigmoid in float arithmetic (below, at sigmoid_body). For exp and
 * tanh each x is widened to double and
 *   exp:      e^x = 2^n e^r,  n = rint(x log2 e),  r = x - n ln 2,  |r| <= ln2 / 2,
 *             e^r by its Taylor polynomial of degree 11 (truncation below 7e-15),
 *             2^n written straight into a double's exponent bits; x is first clamped
 *             to [-120, 120], where e^x is a normal double and rounds to float 0 or
 *             inf exactly as the true value would (NaN passes through the clamp);
 * then rounded once to float. No FMA is used, so every instruction set gives the same
 * bits. The rounding step n = rint(...) uses the 1.5 * 2^52 shifter: bits(t) of
 * t = y + 1.5 * 2^52 are bits(1.5 * 2^52) + rint(y), and (bits(t) + 1023) << 52 is
 * the double 2^n (the shifter's own bits fall off the top). All of it is branch-free
 * so that GCC vectorises the loops (8 doubles per AVX-512 vector).
 *
 * exp_neg (x <= 0, the softmax's): expneg_f, in float arithmetic, as sigmoid uses it.
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

/* ---- erf, both builds: one double-precision erf for every caller, so that an op's
 * kernel and its graph form (tg_erf) agree to the bit. Branch-free on a = |x|, the
 * sign put back at the end (erf is odd; erf(-0) = -0):
 *   a < 1:      a P(a^2),                      P of degree 13 (ERF_A)
 *   1 <= a < 2: Q(a - 3/2),                    Q of degree 18 (ERF_B)
 *   a >= 2:     1 - e^(-c^2) S(1/c - 1/3), c = min(a, 6), S of degree 15 (ERF_C)
 *               fitting erfc(c) e^(c^2); erfc(6) = 2e-17 is below half an ulp of 1,
 *               so from about 5.9 on the result is exactly 1 (inf included).
 * The polynomials are near-minimax (Chebyshev) fits of the functions named, their
 * errors far below an ulp of the result; each is evaluated by Horner's rule. e^y for
 * y in [-36, -4] is 2^k e^r, k = rint(y log2 e), r = y - k ln2 in two parts (Cody
 * and Waite: k ln2_hi is exact), e^r by its Taylor polynomial of degree 13
 * (truncation below 5e-18). NaN gives NaN. No FMA, so every instruction set gives the
 * same bits; tests/kernels/test_vmath.c bounds the error against libm's erf. */
/* ERF_A: degree 13, max error 2.16e-21 */
static const double ERF_A[14] = {
    -4.230945824295338e-12, 8.709045129053106e-11, -1.216456005728345e-09,
    1.4792401209404813e-08, -1.6364642158167616e-07, 1.6462045441468418e-06,
    -1.4925647567519332e-05, 0.00012055332902888736, -0.000854832702193483,
    0.0052239776254232985, -0.02686617064512984, 0.1128379167095512,
    -0.37612638903183754, 1.1283791670955126,
};
/* ERF_B: degree 18, max error 3.26e-19 */
static const double ERF_B[19] = {
    -1.0105765937126117e-07, -2.8070456752601277e-07, 1.5308229035011648e-06,
    5.683602380200433e-07, -1.4091941667864247e-05, 1.7962605539251335e-05,
    7.768994601400183e-05, -0.0002544495759217921, -9.291428106724173e-05,
    0.0017098196672546224, -0.0023626776211650162, -0.004743053207835929,
    0.01932617199885317, -0.014866286152746044, -0.044598858458861204,
    0.13875200409423133, -0.17839543383544407, 0.11893028922362939,
    0.9661051464753108,
};
/* ERF_C: degree 15, max error 5.64e-17 */
static const double ERF_C[16] = {
    3.586406604048527, -1.3271449305035954, -0.6686072573809234,
    0.9989363349361461, -0.6508548181638285, 0.16324701037124956,
    0.17991584144147027, -0.27846985499680166, 0.18107643257615744,
    -0.004657735518726179, -0.134841286913459, 0.1614728561865362,
    -0.05014611072271878, -0.18141695624433918, 0.4893503400645558,
    0.17900115118139,
};

#define AIE static inline __attribute__((always_inline))

/* c[0] x^(n-1) + ... + c[n-1] by Horner's rule, written out (GCC vectorises the
 * callers' loops only with straight-line bodies). */
#define H2(c, x, i) (c[i] * (x) + c[i + 1])
#define HSTEP(p, c, x, i) ((p) * (x) + c[i])
AIE double horner14(const double *c, double x) {
    double p = H2(c, x, 0);
    p = HSTEP(p, c, x, 2), p = HSTEP(p, c, x, 3), p = HSTEP(p, c, x, 4), p = HSTEP(p, c, x, 5);
    p = HSTEP(p, c, x, 6), p = HSTEP(p, c, x, 7), p = HSTEP(p, c, x, 8), p = HSTEP(p, c, x, 9);
    p = HSTEP(p, c, x, 10), p = HSTEP(p, c, x, 11), p = HSTEP(p, c, x, 12);
    return HSTEP(p, c, x, 13);
}
AIE double horner16(const double *c, double x) {
    double p = horner14(c, x);
    p = HSTEP(p, c, x, 14);
    return HSTEP(p, c, x, 15);
}
AIE double horner19(const double *c, double x) {
    double p = horner16(c, x);
    p = HSTEP(p, c, x, 16), p = HSTEP(p, c, x, 17);
    return HSTEP(p, c, x, 18);
}

AIE double sel_d(int c, double a, double b) {
    uint64_t ba, bb, m = -(uint64_t)(c != 0);
    memcpy(&ba, &a, sizeof ba);
    memcpy(&bb, &b, sizeof bb);
    ba = (ba & m) | (bb & ~m);
    memcpy(&a, &ba, sizeof a);
    return a;
}

/* e^y for y in [-36, -4] (c^2 for c in [2, 6]), to about an ulp. */
AIE double exp_erfc(double y) {
    const double shifter = 0x1.8p52, log2e = 1.4426950408889634;
    const double ln2_hi = 0x1.62e42fee00000p-1, ln2_lo = 0x1.a39ef35793c76p-33;
    double t = y * log2e + shifter;
    double k = t - shifter;
    double r = (y - k * ln2_hi) - k * ln2_lo;
    double p = 1.0 / 6227020800; /* 1/13! */
    p = p * r + 1.0 / 479001600;
    p = p * r + 1.0 / 39916800;
    p = p * r + 1.0 / 3628800;
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

AIE double erf_one(double x) {
    double a = fabs(x);
    double ya = a * horner14(ERF_A, a * a);
    double yb = horner19(ERF_B, a - 1.5);
    double c = sel_d(isless(a, 2.0), 2.0, sel_d(isgreater(a, 6.0), 6.0, a));
    double yc = 1.0 - exp_erfc(-(c * c)) * horner16(ERF_C, 1.0 / c - 1.0 / 3);
    double y = sel_d(isless(a, 1.0), ya, sel_d(isless(a, 2.0), yb, yc));
    return copysign(y, x);
}

TG__CLONES static void erf_d_body(size_t n, const double *x, double *y) {
    for (size_t i = 0; i < n; i++) y[i] = erf_one(x[i]);
}
TG__CLONES static void erf_r_body(size_t n, const tg_real *x, tg_real *y) {
    for (size_t i = 0; i < n; i++) y[i] = (tg_real)erf_one((double)x[i]);
}
void tg__verf_d(size_t n, const double *x, double *y) { erf_d_body(n, x, y); }
void tg__verf(size_t n, const tg_real *x, tg_real *y) { erf_r_body(n, x, y); }

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
void tg__vexp_d(size_t n, const double *x, double *y) {
    for (size_t i = 0; i < n; i++) y[i] = exp(x[i]);
}
void tg__vexp_neg(size_t n, const tg_real *x, tg_real *y) { tg__vexp(n, x, y); }
void tg__vexp_generic(size_t n, const tg_real *x, tg_real *y) { tg__vexp(n, x, y); }
void tg__vexp_neg_generic(size_t n, const tg_real *x, tg_real *y) { tg__vexp(n, x, y); }
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

/* e^x in double to the polynomial's accuracy (relative error below 1e-12), for
 * kernels that round to float at the end. */
TG__CLONES static void expd_body(size_t n, const double *x, double *y) {
    for (size_t i = 0; i < n; i++) y[i] = exp_d(x[i]);
}

AI void exp_body(size_t n, const float *restrict x, float *restrict y) {
    for (size_t i = 0; i < n; i++) y[i] = (float)exp_d(x[i]);
}
/* ---- sigmoid in float arithmetic (16 lanes per AVX-512 vector, and float division:
 * twice the speed of the double form). No FMA, so every instruction
 * set gives the same bits. Error bounds: vmath.h, tested in test_vmath.c. */

/* c ? a : b for floats as a bit select (the float form of sel_d). */
AI float select_f(int c, float a, float b) {
    uint32_t ba, bb, m = -(uint32_t)(c != 0);
    memcpy(&ba, &a, sizeof ba);
    memcpy(&bb, &b, sizeof bb);
    ba = (ba & m) | (bb & ~m);
    memcpy(&a, &ba, sizeof a);
    return a;
}

/* Q(r) = (e^r - 1 - r) / r^2 on |r| <= 0.354, degree 4, coefficients from a
 * least-squares fit on Chebyshev nodes: 1 + r + r^2 Q(r) is e^r within 1.2e-8
 * relative, far below float's rounding (6e-8). */
static const float EXPF_Q[5] = {0.00139354542f, 0.00836438313f, 0.0416664481f, 0.166665703f, 0.5f};

/* e^x in float for x <= 0 (NaN gives NaN). x is clamped at -104, where e^x is below
 * half the smallest subnormal float, so everything from there down rounds to 0.
 * x = k ln2 + r with k = rint(x log2 e) (the shifter of exp_d, 1.5 * 2^23 for
 * floats) and r in two parts (Cody and Waite: k ln2_hi is exact for |k| < 2^9, and
 * so is x - k ln2_hi); e^x = 2^k e^r. 2^k is written into a float's exponent bits;
 * below k = -120 it is 2^(k + 64) and the product is scaled by 2^-64 afterwards, so
 * that a subnormal result is rounded once. */
AI float expneg_f(float x) {
    const float shifter = 0x1.8p23f, log2e = 0x1.715476p0f;
    const float ln2_hi = 0x1.62e4p-1f, ln2_lo = 0x1.7f7d1cp-20f;
    x = select_f(isless(x, -104.0f), -104.0f, x);
    float t = x * log2e + shifter;
    float k = t - shifter;
    float r = (x - k * ln2_hi) - k * ln2_lo;
    float q = EXPF_Q[0];
    q = q * r + EXPF_Q[1];
    q = q * r + EXPF_Q[2];
    q = q * r + EXPF_Q[3];
    q = q * r + EXPF_Q[4];
    float p = 1.0f + (r + (r * r) * q);
    int low = isless(k, -120.0f);
    uint32_t bits;
    memcpy(&bits, &t, sizeof bits);
    bits = (bits + 127 + (-(uint32_t)low & 64)) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return (p * scale) * select_f(low, 0x1p-64f, 1.0f);
}

/* sigmoid(x) from t = e^-|x| in (0, 1]: 1 / (1 + t) for x >= 0, t / (1 + t) for
 * x < 0 (the two-sided form of tg__sigmoid, so nothing overflows; -0 counts as
 * negative, which gives the same 1/2). One division: the numerator is chosen first.
 * d = 1 + t is rounded; e = (1 - d) + t is its rounding error exactly (1 >= t), and
 * num / (d + e) = y (1 - e / d) to first order, with 1 / d = y for x >= 0 and
 * 1 - y for x < 0: so only the quotient's own rounding and e^-|x|'s error remain. */
AI void sigmoid_body(size_t n, const float *restrict x, float *restrict y) {
    for (size_t i = 0; i < n; i++) {
        float v = x[i];
        uint32_t b;
        memcpy(&b, &v, sizeof b);
        int neg = (int)(b >> 31);
        float t = expneg_f(-fabsf(v));
        float d = 1.0f + t, e = (1.0f - d) + t;
        float q = select_f(neg, t, 1.0f) / d;
        float inv = select_f(neg, 1.0f - q, q);
        y[i] = q - (q * e) * inv;
    }
}

/* e^x for x <= 0 in float arithmetic (expneg_f): the softmax's exponentials. */
AI void expneg_body(size_t n, const float *restrict x, float *restrict y) {
    for (size_t i = 0; i < n; i++) y[i] = expneg_f(x[i]);
}

/* tanh|x| = 1 - 2 / (e^(2|x|) + 1) in double: for |x| >= 2^-12 the subtraction loses
 * at most 1e-16 absolute, 4e-13 relative; e^(2|x|) = inf gives exactly 1; |x| < 2^-12
 * returns x, which is tanh(x) correctly rounded to float (x^3/3 is below half an
 * ulp). Then rounded once to float. */
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
static void expneg_generic(size_t n, const float *x, float *y) { expneg_body(n, x, y); }

typedef struct { vfn exp, sigmoid, tanh, expneg; } vset;
static const vset generic = {exp_generic, sigmoid_generic, tanh_generic, expneg_generic};

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define T512 __attribute__((target("avx512f,avx512dq")))
#define T256 __attribute__((target("avx2")))
T512 static void exp_avx512(size_t n, const float *x, float *y) { exp_body(n, x, y); }
T512 static void sigmoid_avx512(size_t n, const float *x, float *y) { sigmoid_body(n, x, y); }
T512 static void tanh_avx512(size_t n, const float *x, float *y) { tanh_body(n, x, y); }
T512 static void expneg_avx512(size_t n, const float *x, float *y) { expneg_body(n, x, y); }
/* The AVX2 versions, for CPUs with AVX2 but without AVX-512: the same body. */
T256 static void exp_avx2(size_t n, const float *x, float *y) { exp_body(n, x, y); }
T256 static void sigmoid_avx2(size_t n, const float *x, float *y) { sigmoid_body(n, x, y); }
T256 static void tanh_avx2(size_t n, const float *x, float *y) { tanh_body(n, x, y); }
T256 static void expneg_avx2(size_t n, const float *x, float *y) { expneg_body(n, x, y); }
static const vset avx512 = {exp_avx512, sigmoid_avx512, tanh_avx512, expneg_avx512};
static const vset avx2 = {exp_avx2, sigmoid_avx2, tanh_avx2, expneg_avx2};
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
void tg__vexp_d(size_t n, const double *x, double *y) { expd_body(n, x, y); }
void tg__vsigmoid(size_t n, const tg_real *x, tg_real *y) { impl()->sigmoid(n, x, y); }
void tg__vtanh(size_t n, const tg_real *x, tg_real *y) { impl()->tanh(n, x, y); }
void tg__vexp_generic(size_t n, const tg_real *x, tg_real *y) { exp_generic(n, x, y); }
void tg__vsigmoid_generic(size_t n, const tg_real *x, tg_real *y) { sigmoid_generic(n, x, y); }
void tg__vtanh_generic(size_t n, const tg_real *x, tg_real *y) { tanh_generic(n, x, y); }
void tg__vexp_neg(size_t n, const tg_real *x, tg_real *y) { impl()->expneg(n, x, y); }
void tg__vexp_neg_generic(size_t n, const tg_real *x, tg_real *y) { expneg_generic(n, x, y); }

#endif
