/* test_vmath.c — the vectorised exp, sigmoid and tanh behind tg_exp, tg_sigmoid and
 * tg_tanh, the exp of non-positive arguments behind softmax, and the erf behind tg_erf and tg_gelu (autodiff/kernels/vmath.c): within the
 * bounds vmath.h states (one ulp of the correctly rounded value; two for the float
 * build's sigmoid, over a dense sweep of floats) over a sweep of arguments, special values (NaN, infinities, zeros, overflow,
 * underflow), array lengths that leave every kind of vector remainder (1, 7, 33, 255,
 * 257), and the same for the portable instantiation. */
#include <float.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include <tg/vmath.h>

typedef void (*vfn)(size_t n, const tg_real *x, tg_real *y);

static double ref_exp(double x) { return exp(x); }
static double ref_sigmoid(double x) { return x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x)); }
static double ref_tanh(double x) { return tanh(x); }

/* Distance in ulps between y and the reference r rounded to tg_real: 0 if equal
 * (NaN with NaN, inf with inf), else the count of representable steps (capped). */
static int ulps(tg_real y, double r) {
    tg_real want = (tg_real)r;
    if (isnan(want) || isnan(y)) return isnan(want) && isnan(y) ? 0 : 1000;
    if (y == want) return 0;
    int k = 0;
    tg_real v = want;
    tg_real dir = y > want ? (tg_real)INFINITY : -(tg_real)INFINITY;
    while (v != y && k < 1000) {
#if TG_REAL_IS_DOUBLE
        v = nextafter(v, dir);
#else
        v = nextafterf(v, dir);
#endif
        k++;
    }
    return k;
}

/* Worst ulp error of f against ref on x[0..n). */
static int worst(vfn f, double (*ref)(double), const tg_real *x, size_t n, size_t *at) {
    tg_real *y = malloc(sizeof(tg_real) * n);
    f(n, x, y);
    int w = 0;
    for (size_t i = 0; i < n; i++) {
        int u = ulps(y[i], ref((double)x[i]));
        if (u > w) w = u, *at = i;
    }
    free(y);
    return w;
}

static void check_fn(const char *name, vfn f, double (*ref)(double), int bound) {
    /* Specials first, then a sweep: wide, near zero, near the overflow edges. */
    static const double special[] = {0.0, -0.0, INFINITY, -INFINITY, NAN, 1, -1, 88.7, 88.8,
                                     -87.3, -103.9, -104, -150, 200, -200, 1e-30, -1e-30,
                                     0x1p-12, -0x1p-12, 0x1.0000p-13, 9.01, 20, -20, 40};
    enum { N = 4096 };
    tg_real *x = malloc(sizeof(tg_real) * N);
    tg_rng g;
    tg_rng_seed(&g, 3);
    size_t ns = sizeof special / sizeof special[0];
    for (size_t i = 0; i < N; i++) {
        double u = tg_rng_uniform(&g);
        x[i] = (tg_real)(i < ns ? special[i]
                         : i % 4 == 0 ? 200 * u - 100
                         : i % 4 == 1 ? 2e-3 * u - 1e-3
                         : i % 4 == 2 ? 20 * u - 10
                                      : 2 * u - 1);
    }
    size_t at = 0;
    int w = worst(f, ref, x, N, &at);
    CHECK(w <= bound, "%s: %d ulps at x = %.9g", name, w, (double)x[at]);
    /* Every remainder length, at several offsets (unaligned starts too). */
    static const size_t lens[] = {1, 7, 33, 255, 257};
    for (size_t l = 0; l < 5; l++)
        for (size_t off = 0; off < 3; off++) {
            w = worst(f, ref, x + off, lens[l], &at);
            CHECK(w <= bound, "%s: length %zu offset %zu: %d ulps at x = %.9g", name, lens[l], off, w,
                  (double)x[off + at]);
        }
    free(x);
}

/* The float build computes sigmoid in float arithmetic (vmath.h): 2 ulps. */
#if TG_REAL_IS_DOUBLE
enum { ACT_ULPS = 1 };
#else
enum { ACT_ULPS = 2 };
#endif

static void test_values(void) {
    check_fn("exp", tg__vexp, ref_exp, 1);
    check_fn("sigmoid", tg__vsigmoid, ref_sigmoid, ACT_ULPS);
    check_fn("tanh", tg__vtanh, ref_tanh, 1);
    check_fn("exp (generic)", tg__vexp_generic, ref_exp, 1);
    check_fn("sigmoid (generic)", tg__vsigmoid_generic, ref_sigmoid, ACT_ULPS);
    check_fn("tanh (generic)", tg__vtanh_generic, ref_tanh, 1);
}

/* Float build: sigmoid and tanh over every 509th float of each sign, subnormals and
 * the subnormal results of sigmoid (x in [-104, -87]) included: the worst error against libm, and the dispatched
 * kernel equal to the portable one to the bit (every instruction set computes the
 * same operations). Prints how many results are off by one and two ulps. */
static void test_dense(void) {
#if !TG_REAL_IS_DOUBLE
    enum { STEP = 509 };
    size_t cap = 2 * (0x7f800000u / STEP + 1), n = 0;
    float *x = malloc(sizeof(float) * cap), *y = malloc(sizeof(float) * cap),
          *yg = malloc(sizeof(float) * cap);
    for (uint32_t b = 0; b < 0x7f800000u; b += STEP) {
        float v;
        memcpy(&v, &b, sizeof v);
        x[n++] = v, x[n++] = -v;
    }
    static const struct { const char *name; vfn f, g; double (*ref)(double); int bound; } fns[] = {
        {"sigmoid", tg__vsigmoid, tg__vsigmoid_generic, ref_sigmoid, ACT_ULPS},
        {"tanh", tg__vtanh, tg__vtanh_generic, ref_tanh, 1},
    };
    for (int k = 0; k < 2; k++) {
        fns[k].f(n, x, y);
        fns[k].g(n, x, yg);
        size_t count[3] = {0}, at = 0;
        int w = 0;
        for (size_t i = 0; i < n; i++) {
            int u = ulps(y[i], fns[k].ref((double)x[i]));
            count[u < 2 ? u : 2]++;
            if (u > w) w = u, at = i;
        }
        CHECK(w <= fns[k].bound, "%s (dense): %d ulps at x = %.9g", fns[k].name, w, (double)x[at]);
        CHECK(memcmp(y, yg, sizeof(float) * n) == 0, "%s (dense): dispatched and portable kernels differ",
              fns[k].name);
        printf("%s: %zu floats, %zu off by one ulp, %zu by two or more (worst %d at x = %.9g)\n",
               fns[k].name, n, count[1], count[2], w, (double)x[at]);
    }
    free(x), free(y), free(yg);
#endif
}

/* Exact values the ops promise: e^0 = 1, sigmoid(0) = 1/2, tanh(0) = 0 with its sign,
 * saturation to 1 and 0, inf and 0 at the ends, NaN through. */
static void test_exact(void) {
    tg_real x[8] = {0, (tg_real)-0.0, 100, -110, (tg_real)INFINITY, -(tg_real)INFINITY, (tg_real)NAN, 30};
    tg_real y[8];
    tg__vexp(8, x, y);
    CHECK(y[0] == 1 && y[1] == 1 && y[5] == 0 && isinf(y[4]) && isnan(y[6]), "exp specials");
#if !TG_REAL_IS_DOUBLE
    CHECK(isinf(y[2]) && y[3] == 0, "exp overflows to inf and underflows to 0 in float");
#endif
    tg__vsigmoid(8, x, y);
    CHECK(y[0] == 0.5 && y[1] == 0.5 && y[2] == 1 && y[3] >= 0 && y[3] < 1e-40 && y[4] == 1 &&
              y[5] == 0 && isnan(y[6]),
          "sigmoid specials");
    tg__vtanh(8, x, y);
    CHECK(y[0] == 0 && !signbit(y[0]) && y[1] == 0 && signbit(y[1]), "tanh(+-0) = +-0");
    CHECK(y[2] == 1 && y[3] == -1 && y[4] == 1 && y[5] == -1 && isnan(y[6]) && y[7] == 1,
          "tanh saturates to +-1; NaN");
}

/* Distance in ulps between two doubles of one sign (0 and -0 count as equal). */
static double ulps_d(double a, double b) {
    if (isnan(a) || isnan(b)) return isnan(a) && isnan(b) ? 0 : 1e9;
    int64_t ia, ib;
    memcpy(&ia, &a, sizeof ia);
    memcpy(&ib, &b, sizeof ib);
    if (ia < 0) ia = INT64_MIN - ia;
    if (ib < 0) ib = INT64_MIN - ib;
    return ia > ib ? (double)(ia - ib) : (double)(ib - ia);
}

/* erf (tg__verf_d in double, tg__verf rounded to tg_real) against libm's erf: a dense
 * grid over [-7, 7] (step 2^-12, every piece and both seams), tiny and huge values;
 * then every array length with a remainder at several offsets, against one-element
 * calls (the loop's scalar tail). */
static void test_erf(void) {
    enum { N = 14 * 4096 + 1 + 64 };
    double *x = malloc(sizeof(double) * N), *y = malloc(sizeof(double) * N);
    tg_real *xr = malloc(sizeof(tg_real) * N), *yr = malloc(sizeof(tg_real) * N);
    size_t n = 0;
    for (int i = -7 * 4096; i <= 7 * 4096; i++) x[n++] = i / 4096.0;
    for (int k = 0; k < 32; k++) x[n++] = ldexp(1.0 + k / 32.0, -1 - 30 * k), x[n++] = -ldexp(1.3, k);
    tg__verf_d(n, x, y);
    double worst = 0, wx = 0;
    for (size_t i = 0; i < n; i++) {
        double u = ulps_d(y[i], erf(x[i]));
        if (u > worst) worst = u, wx = x[i];
    }
    CHECK(worst <= 3, "erf (double): %g ulps at x = %.17g", worst, wx);
    printf("erf (double): worst %g ulps against libm at x = %.17g\n", worst, wx);
    for (size_t i = 0; i < n; i++) xr[i] = (tg_real)x[i];
    tg__verf(n, xr, yr);
    int wr = 0;
    for (size_t i = 0; i < n; i++) {
        int u = ulps(yr[i], erf((double)xr[i]));
        if (u > wr) wr = u, wx = (double)xr[i];
    }
#if TG_REAL_IS_DOUBLE
    CHECK(wr <= 3, "erf (tg_real): %d ulps at x = %.17g", wr, wx);
#else
    CHECK(wr <= 1, "erf (tg_real): %d ulps at x = %.9g", wr, wx);
#endif
    static const size_t lens[] = {1, 7, 33, 255, 257};
    for (size_t l = 0; l < 5; l++)
        for (size_t off = 0; off < 3; off++) {
            size_t o = 3 * 4096 + 97 * l + off, bad = SIZE_MAX; /* around x = -4 .. 1 */
            tg__verf_d(lens[l], x + o, y);
            for (size_t i = 0; i < lens[l] && bad == SIZE_MAX; i++) {
                double one;
                tg__verf_d(1, x + o + i, &one);
                if (memcmp(&one, &y[i], sizeof one) != 0) bad = i;
            }
            CHECK(bad == SIZE_MAX, "erf: length %zu offset %zu: element %zu differs from a one-element call",
                  lens[l], off, bad);
        }
    double sp[8] = {0.0, -0.0, INFINITY, -INFINITY, NAN, 6, -30, 1e-300}, sy[8];
    tg__verf_d(8, sp, sy);
    CHECK(sy[0] == 0 && !signbit(sy[0]) && sy[1] == 0 && signbit(sy[1]) && sy[2] == 1 && sy[3] == -1 &&
              isnan(sy[4]) && sy[5] == 1 && sy[6] == -1 && sy[7] == erf(1e-300),
          "erf specials: +-0, +-inf, NaN, saturation, tiny");
    free(x), free(y), free(xr), free(yr);
}

/* tg__vexp_d: libm's exp in the double build; in float within 1e-12 relative. */
static void test_exp_d(void) {
    double x[257], y[257];
    for (int i = 0; i < 257; i++) x[i] = -40 + i * (80.0 / 256);
    tg__vexp_d(257, x, y);
    double w = 0;
    for (int i = 0; i < 257; i++) w = fmax(w, fabs(y[i] - exp(x[i])) / exp(x[i]));
#if TG_REAL_IS_DOUBLE
    CHECK(w == 0, "exp_d is libm's exp in the double build: %g", w);
#else
    CHECK(w < 1e-12, "exp_d relative error %g", w);
#endif
}

/* tg__vexp_neg over its domain x <= 0: every 509th non-positive float (subnormals,
 * the underflow to subnormal results near -87 .. -104, and below), within one ulp of
 * libm's exp rounded, with the dispatched kernel equal to the portable one to the bit;
 * then specials and every remainder length at several offsets. */
static void test_exp_neg(void) {
    enum { STEP = 509 };
    size_t cap = 0x7f800000u / STEP + 64, n = 0;
    tg_real *x = malloc(sizeof(tg_real) * cap), *y = malloc(sizeof(tg_real) * cap),
            *yg = malloc(sizeof(tg_real) * cap);
    for (uint32_t b = 0; b < 0x7f800000u; b += STEP) {
        float v;
        memcpy(&v, &b, sizeof v);
        x[n++] = (tg_real)-v;
    }
    static const double special[] = {0.0, -0.0, -INFINITY, NAN, -1e-30, -87.3, -103.9, -104, -150, -1e10};
    for (size_t i = 0; i < sizeof special / sizeof special[0]; i++) x[n++] = (tg_real)special[i];
    tg__vexp_neg(n, x, y);
    tg__vexp_neg_generic(n, x, yg);
    size_t off1 = 0, at = 0;
    int w = 0;
    for (size_t i = 0; i < n; i++) {
        int u = ulps(y[i], exp((double)x[i]));
        off1 += u == 1;
        if (u > w) w = u, at = i;
    }
    CHECK(w <= 1, "exp_neg: %d ulps at x = %.9g", w, (double)x[at]);
    CHECK(memcmp(y, yg, sizeof(tg_real) * n) == 0, "exp_neg: dispatched and portable kernels differ");
    printf("exp_neg: %zu arguments, %zu off by one ulp (worst %d at x = %.9g)\n", n, off1, w, (double)x[at]);
    tg_real sx[4] = {0, (tg_real)-0.0, -(tg_real)INFINITY, (tg_real)NAN}, sy[4];
    tg__vexp_neg(4, sx, sy);
    CHECK(sy[0] == 1 && sy[1] == 1 && sy[2] == 0 && !signbit(sy[2]) && isnan(sy[3]),
          "exp_neg specials: e^0 = 1, e^-inf = +0, NaN through");
    static const size_t lens[] = {1, 7, 33, 255, 257};
    for (size_t l = 0; l < 5; l++)
        for (size_t o = 0; o < 3; o++) {
            size_t base = n / 2 + 101 * l + o, bad = SIZE_MAX;
            tg__vexp_neg(lens[l], x + base, y);
            for (size_t i = 0; i < lens[l] && bad == SIZE_MAX; i++) {
                tg_real one;
                tg__vexp_neg(1, x + base + i, &one);
                if (memcmp(&one, &y[i], sizeof one) != 0) bad = i;
            }
            CHECK(bad == SIZE_MAX, "exp_neg: length %zu offset %zu: element %zu differs from a one-element call",
                  lens[l], o, bad);
        }
    free(x), free(y), free(yg);
}

int main(void) {
    test_values();
    test_exp_neg();
    test_dense();
    test_exact();
    test_erf();
    test_exp_d();
    return check_done();
}
