/* test_extremes.c — the saturating ops at extreme inputs: softmax, log-softmax, the
 * cross-entropies (categorical, binary on logits, binary on probabilities), sigmoid,
 * softplus and tanh give finite values AND finite gradients for inputs of +-1e4 and
 * +-FLT_MAX (and +-DBL_MAX in the double build), equal to the exact limits.
 *
 * Every case runs on a tape with anomaly detection on (any NaN or infinity in a
 * forward output or a backward gradient fails the tape), then compares the values and
 * the gradient of the input, for a fixed upstream gradient g, with the exact answer.
 * "Exact" means the mathematical value rounded to tg_real: e.g. sigmoid(1e4) is
 * 1 - e^-10000, which rounds to 1; its derivative e^-10000 rounds to 0. Values that
 * are not +-0, +-1 or +-M are compared to within 4 ulps (they come out of exp/log).
 * Rows whose exact answer is not representable (log_softmax of [M, -M] is -2M, which
 * overflows when M is the largest finite value) are left out: the result would be
 * -inf by definition, not by a fault.
 */
#include <float.h>
#include "check.h"

#if TG_REAL_IS_DOUBLE
#define REAL_EPS DBL_EPSILON
#else
#define REAL_EPS FLT_EPSILON
#endif

typedef tg_tensor *(*unary_fn)(tg_tape *, tg_tensor *);

/* a is the exact value e rounded to tg_real (within 4 ulps unless e is 0 or +-1). */
static bool close_to(tg_real a, double e) {
    tg_real r = (tg_real)e;
    if (!isfinite(a)) return false;
    if (r == 0 || r == 1 || r == -1) return a == r;
    return fabs((double)a - (double)r) <= 4 * REAL_EPS * fabs((double)r);
}

/* For the ordinary (not saturated) entries some cases add, such as a row of three
 * equal logits: softmax 1/3 is rounded, so sum_j g_j y_j is off by an ulp and a
 * gradient whose exact value is 0 comes out as ~1e-8 in float. Within 16 ulps of 1
 * of the exact value, absolutely (the g's are <= 3). */
static bool near_to(tg_real a, double e) {
    return isfinite(a) && fabs((double)a - e) <= 16 * REAL_EPS * (fabs(e) > 1 ? fabs(e) : 1);
}

/* Runs y = f(x) on a tape with anomaly detection, backward with seed g (y's shape),
 * and checks y == ey and dx == edx element by element: the first n_exact elements
 * with close_to (the saturated ones), the rest with near_to. */
static void check_case_n(const char *label, double M, int rank, const int *shape,
                         tg_tensor *(*build)(tg_tape *, tg_tensor *, void *), void *user,
                         const double *x, const double *ey, size_t ny, const double *g,
                         const double *edx, size_t n_exact) {
    tg_tensor *X = tg_tensor_new(rank, shape, TG_REQUIRES_GRAD);
    for (size_t i = 0; i < X->size; i++) X->data[i] = (tg_real)x[i];
    tg_tape *t = tg_tape_new();
    tg_tape_set_anomaly_detection(t, true);
    tg_tensor *y = build(t, X, user);
    tg_tensor *seed = y ? tg_tape_tensor(t, y->rank, y->shape, NULL, 0) : NULL;
    if (seed)
        for (size_t i = 0; i < seed->size; i++) seed->data[i] = (tg_real)g[i];
    tg_status st = y ? tg_backward(t, y, seed) : tg_tape_status(t);
    CHECK(st == TG_OK, "%s (M = %g): %s", label, M, tg_tape_message(t));
    if (st == TG_OK) {
        CHECK(y->size == ny, "%s: %zu outputs", label, y->size);
        for (size_t i = 0; i < ny && i < y->size; i++)
            CHECK(i < n_exact ? close_to(y->data[i], ey[i]) : near_to(y->data[i], ey[i]), "%s (M = %g): y[%zu] = %.9g, exact %.9g", label, M, i,
                  (double)y->data[i], ey[i]);
        for (size_t i = 0; i < X->size; i++)
            CHECK(i < n_exact ? close_to(X->grad[i], edx[i]) : near_to(X->grad[i], edx[i]), "%s (M = %g): dx[%zu] = %.9g, exact %.9g", label, M,
                  i, (double)X->grad[i], edx[i]);
    }
    tg_tape_free(t);
    tg_tensor_free(X);
}

static void check_case(const char *label, double M, int rank, const int *shape,
                       tg_tensor *(*build)(tg_tape *, tg_tensor *, void *), void *user,
                       const double *x, const double *ey, size_t ny, const double *g,
                       const double *edx) {
    check_case_n(label, M, rank, shape, build, user, x, ey, ny, g, edx, (size_t)-1);
}

static tg_tensor *b_unary(tg_tape *t, tg_tensor *x, void *f) { return ((unary_fn)f)(t, x); }

static tg_tensor *b_ce(tg_tape *t, tg_tensor *x, void *labels) {
    return tg_cross_entropy(t, x, labels);
}

/* bce_with_logits of one logit z = x against the target *y. */
static tg_tensor *b_bcel(tg_tape *t, tg_tensor *x, void *y) {
    tg_tensor *target = tg_tape_full(t, 1, (int[]){1}, (tg_real)*(double *)y);
    return tg_bce_with_logits(t, x, target);
}

/* bce_loss of one probability p = x against the target *y. */
static tg_tensor *b_bce(tg_tape *t, tg_tensor *x, void *y) {
    tg_tensor *target = tg_tape_full(t, 1, (int[]){1}, (tg_real)*(double *)y);
    return tg_bce_loss(t, x, target);
}

/* The elementwise activations at +-M: sigmoid -> 1, 0 (derivative 0 at both),
 * softplus -> M, 0 (derivative sigmoid: 1, 0), tanh -> 1, -1 (derivative 0). The last
 * element, 0, is an ordinary point in the same tensor. */
static void activations(double M) {
    const double x[3] = {M, -M, 0}, g[3] = {1, 1, 1};
    const double sig[3] = {1, 0, 0.5}, dsig[3] = {0, 0, 0.25};
    const double sp[3] = {M, 0, log(2.0)}, dsp[3] = {1, 0, 0.5};
    const double th[3] = {1, -1, 0}, dth[3] = {0, 0, 1};
    check_case("sigmoid", M, 1, (int[]){3}, b_unary, (void *)tg_sigmoid, x, sig, 3, g, dsig);
    check_case("softplus", M, 1, (int[]){3}, b_unary, (void *)tg_softplus, x, sp, 3, g, dsp);
    check_case("tanh", M, 1, (int[]){3}, b_unary, (void *)tg_tanh, x, th, 3, g, dth);
}

/* softmax along rows of 3 with upstream g = (1,2,3) on every row; dx_i = y_i (g_i - sum_j g_j y_j).
 *   [M, 0, -M]     -> (1, 0, 0),        dx = (0, 0, 0)
 *   [M, M, -M]     -> (1/2, 1/2, 0),    sum g y = 3/2, dx = (-1/4, 1/4, 0)
 *   [-M, -M, -M]   -> (1/3, 1/3, 1/3),  sum g y = 2,   dx = (-1/3, 0, 1/3) */
static void softmax(double M) {
    const double x[9] = {M, 0, -M, M, M, -M, -M, -M, -M};
    const double g[9] = {1, 2, 3, 1, 2, 3, 1, 2, 3};
    const double y[9] = {1, 0, 0, 0.5, 0.5, 0, 1.0 / 3, 1.0 / 3, 1.0 / 3};
    const double dx[9] = {0, 0, 0, -0.25, 0.25, 0, -1.0 / 3, 0, 1.0 / 3};
    check_case_n("softmax", M, 2, (int[]){3, 3}, b_unary, (void *)tg_softmax, x, y, 9, g, dx, 6);
}

/* log_softmax along rows of 3, g = (1,2,3) per row; dx_i = g_i - e^{y_i} sum_j g_j.
 *   [M, 0, M/2]    -> (0, -M, -M/2),               dx = (-5, 2, 3)
 *   [M, M, 0]      -> (-ln2, -ln2, -M - ln2),      dx = (-2, -1, 3)
 *   [M, 0, -M]     -> (0, -M, -2M),                dx = (-5, 2, 3)   (M = 1e4 only)
 *   [-M, -M, -M]   -> (-ln3, -ln3, -ln3),          dx = (-1, 0, 1)
 * (-M - ln2 rounds to -M once M is large.) */
static void log_softmax(double M) {
    const double l2 = log(2.0), l3 = log(3.0);
    double x[12] = {M, 0, M / 2, M, M, 0, M, 0, -M, -M, -M, -M};
    double y[12] = {0, -M, -M / 2, -l2, -l2, -M - l2, 0, -M, -2 * M, -l3, -l3, -l3};
    double dx[12] = {-5, 2, 3, -2, -1, 3, -5, 2, 3, -1, 0, 1};
    const double g[12] = {1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3};
    int rows = 4;
    if (M > 1e4) { /* drop the third row: -2M overflows */
        rows = 3;
        for (int i = 6; i < 9; i++) x[i] = x[i + 3], y[i] = y[i + 3], dx[i] = dx[i + 3];
    }
    check_case_n("log_softmax", M, 2, (int[]){rows, 3}, b_unary, (void *)tg_log_softmax, x, y,
                 (size_t)rows * 3, g, dx, (size_t)(rows - 1) * 3);
}

/* cross_entropy of (3,2) logits, mean over 3 rows:
 *   [M, 0] label 1 -> M,  [M, 0] label 0 -> 0,  [-M, -M] label 0 -> ln2;
 *   dz = (softmax - onehot) / 3 = (1, -1)/3, (0, 0), (-1/2, 1/2)/3. */
static void cross_entropy(double M) {
    int labels[3] = {1, 0, 0};
    const double x[6] = {M, 0, M, 0, -M, -M}, g[1] = {1};
    const double y[1] = {(M + 0 + log(2.0)) / 3};
    const double dx[6] = {1.0 / 3, -1.0 / 3, 0, 0, -0.5 / 3, 0.5 / 3};
    check_case("cross_entropy", M, 2, (int[]){3, 2}, b_ce, labels, x, y, 1, g, dx);
}

/* bce_with_logits of one logit z against y: ln(1 + e^z) - z y.
 *   z = M,  y = 0 -> M;      z = -M, y = 1 -> M;      z = M, y = 1 -> 0;
 *   z = -M, y = 0 -> 0;      z = M,  y = 1/2 -> M/2.
 * dz = sigmoid(z) - y: 1, -1, 0, 0, 1/2. */
static void bce_with_logits(double M) {
    const double z[5] = {M, -M, M, -M, M}, yv[5] = {0, 1, 1, 0, 0.5};
    const double loss[5] = {M, M, 0, 0, M / 2}, dz[5] = {1, -1, 0, 0, 0.5}, g[1] = {1};
    for (int k = 0; k < 5; k++) {
        double y = yv[k];
        check_case("bce_with_logits", M, 1, (int[]){1}, b_bcel, &y, &z[k], &loss[k], 1, g, &dz[k]);
    }
}

/* bce_loss on probabilities: the extremes are p = 0 and p = 1, which the op clamps to
 * q in [eps, 1-eps] (eps = 1e-12 in double, 1e-7 in float, as tg_ops.h documents) so
 * that both logs stay finite. Exact values of the clamped expression:
 *   p = 0, y = 1 -> -ln(eps);    p = 1, y = 0 -> -ln(1 - (1-eps));
 *   p = 0, y = 0 -> -ln(1-eps);  p = 1, y = 1 -> -ln(1-eps)
 * (with eps and 1-eps rounded to tg_real first); dp = 0 outside the band (as tg_clamp).
 * Probabilities of +-1e4 or +-M are not probabilities: TG_ERR_VALUE naming the value. */
static void bce(void) {
#if TG_REAL_IS_DOUBLE
    const double eps = 1e-12;
#else
    const double eps = 1e-7;
#endif
    double lo = (double)(tg_real)eps, hi = (double)(tg_real)(1 - eps);
    const double p[4] = {0, 1, 0, 1}, yv[4] = {1, 0, 0, 1}, g[1] = {1}, dp[4] = {0, 0, 0, 0};
    const double loss[4] = {-log(lo), -log1p(-hi), -log1p(-lo), -log(hi)};
    for (int k = 0; k < 4; k++) {
        double y = yv[k];
        check_case("bce_loss", p[k], 1, (int[]){1}, b_bce, &y, &p[k], &loss[k], 1, g, &dp[k]);
    }
    const double bad[3] = {1e4, -1e4, FLT_MAX};
    for (int k = 0; k < 3; k++) {
        tg_tape *t = tg_tape_new();
        tg_tensor *P = tg_tape_full(t, 1, (int[]){1}, (tg_real)bad[k]);
        tg_tensor *Y = tg_tape_full(t, 1, (int[]){1}, 1);
        CHECK(tg_bce_loss(t, P, Y) == NULL, "bce_loss accepted p = %g", bad[k]);
        char want[96];
        snprintf(want, sizeof want, "tg_bce_loss: p must lie in [0,1]: p[0] = %g", (double)(tg_real)bad[k]);
        CHECK_ERR(t, TG_ERR_VALUE, want);
        tg_tape_free(t);
    }
}

/* A whole classifier head at extreme logits: -sum(log_softmax(z) * onehot) / N is the
 * same loss as cross_entropy(z, labels); both finite and equal.
 *   rows [M, 0, M/2] label 1 (loss M) and [0, 0, M] label 2 (loss 0): mean M/2. */
static void composed(double M) {
    tg_tape *t = tg_tape_new();
    tg_tape_set_anomaly_detection(t, true);
    tg_real m = (tg_real)M;
    tg_tensor *z = tg_tensor_from(2, (int[]){2, 3}, (tg_real[]){m, 0, m / 2, 0, 0, m}, TG_REQUIRES_GRAD);
    tg_tensor *onehot = tg_tensor_from(2, (int[]){2, 3}, (tg_real[]){0, 1, 0, 0, 0, 1}, 0);
    tg_tensor *a = tg_mul_scalar(t, tg_sum(t, tg_mul(t, tg_log_softmax(t, z), onehot)), (tg_real)-0.5);
    tg_tensor *b = tg_cross_entropy(t, z, (int[]){1, 2});
    CHECK(a && b && tg_backward(t, tg_add(t, a, b), NULL) == TG_OK, "composed (M = %g): %s", M,
          tg_tape_message(t));
    if (a && b) {
        CHECK(close_to(a->data[0], M / 2), "composed: -mean log_softmax = %g, exact %g",
              (double)a->data[0], M / 2);
        CHECK(a->data[0] == b->data[0], "composed: %g vs cross_entropy %g", (double)a->data[0],
              (double)b->data[0]);
        /* d/dz of both losses: 2 (softmax - onehot) / 2 = (1, -1, 0), (0, 0, 0) */
        const double dz[6] = {1, -1, 0, 0, 0, 0};
        for (size_t i = 0; i < z->size; i++)
            CHECK(close_to(z->grad[i], dz[i]), "composed (M = %g): dz[%zu] = %g, exact %g", M, i,
                  (double)z->grad[i], dz[i]);
    }
    tg_tape_free(t);
    tg_tensor_free(z);
    tg_tensor_free(onehot);
}

int main(void) {
    double Ms[3] = {1e4, FLT_MAX, 0};
    int nM = 2;
#if TG_REAL_IS_DOUBLE
    Ms[nM++] = DBL_MAX;
#endif
    for (int k = 0; k < nM; k++) {
        activations(Ms[k]);
        softmax(Ms[k]);
        log_softmax(Ms[k]);
        cross_entropy(Ms[k]);
        bce_with_logits(Ms[k]);
        composed(Ms[k]);
    }
    bce();
    return check_done();
}
