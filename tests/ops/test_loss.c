/* test_loss.c — tg_mse_loss, tg_bce_loss, tg_bce_with_logits, tg_cross_entropy:
 * hand-computed values (the MSE example of the introductory lecture), gradient checks
 * to both inputs on several shapes, the clamp band of BCE, exact limits for logits of
 * +-1000 and +-1e4, and every error path with its message. */
#include <float.h>
#include "check.h"

typedef tg_tensor *(*loss_fn)(tg_tape *, tg_tensor *, tg_tensor *);

static tg_tensor *build_pair(tg_tape *t, tg_tensor *const *in, void *user) {
    return (*(loss_fn *)user)(t, in[0], in[1]);
}
static tg_tensor *build_ce(tg_tape *t, tg_tensor *const *in, void *user) {
    return tg_cross_entropy(t, in[0], (const int *)user);
}

static const double tol = TG_REAL_IS_DOUBLE ? 1e-14 : 1e-6;

/* A rank-1 step tensor holding v[0..n-1]. */
static tg_tensor *vec(tg_tape *t, int n, const tg_real *v, unsigned flags) {
    return tg_tape_tensor(t, 1, (int[]){n}, v, flags);
}

static void test_mse(void) {
    /* The introductory lecture: points (1,2), (2,3), (3,4), model y = m x + c at m = 1, c = 0:
     * MSE = ((2-1)^2 + (3-2)^2 + (4-3)^2) / 3 = 1, dMSE/dc = -2, dMSE/dm = -4. */
    tg_tape *t = tg_tape_new();
    tg_tensor *m = vec(t, 1, (tg_real[]){1}, TG_REQUIRES_GRAD);
    tg_tensor *c = vec(t, 1, (tg_real[]){0}, TG_REQUIRES_GRAD);
    tg_tensor *x = vec(t, 3, (tg_real[]){1, 2, 3}, 0);
    tg_tensor *y = vec(t, 3, (tg_real[]){2, 3, 4}, TG_REQUIRES_GRAD);
    tg_tensor *pred = tg_add(t, tg_mul(t, x, m), c);
    tg_tensor *l = tg_mse_loss(t, pred, y);
    CHECK(l && l->rank == 0, "mse is rank 0");
    CHECK_NEAR(tg_item(l), 1, 0);
    CHECK(tg_backward(t, l, NULL) == TG_OK, "mse backward: %s", tg_tape_message(t));
    CHECK_NEAR(tg_grad_at(c, 0), -2, tol);
    CHECK_NEAR(tg_grad_at(m, 0), -4, tol);
    for (int i = 0; i < 3; i++) {
        CHECK_NEAR(tg_grad_at(pred, (size_t)i), -2.0 / 3, tol);
        CHECK_NEAR(tg_grad_at(y, (size_t)i), 2.0 / 3, tol);
    }
    tg_tape_free(t);
}

/* The vector kernels of mse (eight partial sums; one loop per gradient case) at sizes
 * that leave every remainder: the value within a few roundings of the plain sequential
 * sum in double, the gradients to the bit the element-by-element formula, stored into
 * unset gradients and added into set ones (a second backward doubles them exactly). */
static void test_mse_sizes(void) {
    static const int sizes[] = {1, 7, 33, 255, 257};
    tg_rng g;
    tg_rng_seed(&g, 11);
    for (int s = 0; s < 5; s++) {
        int n = sizes[s];
        tg_tape *t = tg_tape_new();
        tg_tensor *a = tg_tensor_new(1, (int[]){n}, TG_REQUIRES_GRAD);
        tg_tensor *b = tg_tensor_new(1, (int[]){n}, TG_REQUIRES_GRAD);
        tg_tensor_uniform(a, &g, -3, 3);
        tg_tensor_uniform(b, &g, -3, 3);
        tg_tensor *l = tg_mse_loss(t, a, b);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double d = (double)a->data[i] - b->data[i];
            sum += d * d;
        }
        double want = sum / n;
        CHECK(l && fabs(tg_item(l) - want) <= (TG_REAL_IS_DOUBLE ? 1e-15 : 1e-7) * want,
              "mse of %d elements: %.17g, sequential %.17g", n, l ? tg_item(l) : NAN, want);
        bool same = true;
        for (int pass = 1; pass <= 2; pass++) {
            CHECK(tg_backward(t, l, NULL) == TG_OK, "mse backward: %s", tg_tape_message(t));
            double k = 2.0 / n;
            for (int i = 0; i < n; i++) {
                tg_real d = (tg_real)(k * ((double)a->data[i] - b->data[i]));
                same &= a->grad[i] == pass * d && b->grad[i] == -(pass * d);
            }
        }
        CHECK(same, "mse gradients of %d elements: the element-by-element formula, stored then added", n);
        tg_tensor_free(a);
        tg_tensor_free(b);
        tg_tape_free(t);
    }
}

static void test_bce(void) {
    tg_tape *t = tg_tape_new();
    /* p = (0.9, 0.2, 0.5), y = (1, 0, 0.3):
     * L = -(ln 0.9 + ln 0.8 + 0.3 ln 0.5 + 0.7 ln 0.5) / 3. */
    tg_tensor *p = vec(t, 3, (tg_real[]){(tg_real)0.9, (tg_real)0.2, (tg_real)0.5}, 0);
    tg_tensor *y = vec(t, 3, (tg_real[]){1, 0, (tg_real)0.3}, 0);
    double want = -(log(0.9) + log(0.8) + log(0.5)) / 3;
    CHECK_NEAR(tg_item(tg_bce_loss(t, p, y)), want, tol);
    /* On logits: the same loss at z = logit(p). And z = 0 gives ln 2 for any y. */
    tg_tensor *z = vec(t, 3, (tg_real[]){(tg_real)log(9.0), (tg_real)log(0.25), 0}, 0);
    CHECK_NEAR(tg_item(tg_bce_with_logits(t, z, y)), want, 4 * tol);
    tg_tensor *z0 = tg_tape_full(t, 2, (int[]){2, 2}, 0);
    tg_tensor *y0 = tg_tape_tensor(t, 2, (int[]){2, 2}, (tg_real[]){0, 1, (tg_real)0.25, (tg_real)0.5}, 0);
    CHECK_NEAR(tg_item(tg_bce_with_logits(t, z0, y0)), log(2.0), tol);
    CHECK(tg_tape_status(t) == TG_OK, "tape ok: %s", tg_tape_message(t));

    /* The clamp band: p in {0, 1} gives a finite loss, that of p clamped to
     * [eps, 1-eps] (eps = 1e-12 in double, 1e-7 in float), and a zero gradient. */
    tg_tape_reset(t);
    const double eps = TG_REAL_IS_DOUBLE ? 1e-12 : 1e-7;
    const double lo = (tg_real)eps, hi = (tg_real)(1 - eps);
    p = vec(t, 4, (tg_real[]){0, 1, 0, 1}, TG_REQUIRES_GRAD);
    y = vec(t, 4, (tg_real[]){1, 0, 0, 1}, 0);
    tg_tensor *l = tg_bce_loss(t, p, y);
    want = (-log(lo) - log1p(-hi) - log1p(-lo) - log(hi)) / 4;
    CHECK(l && isfinite(tg_item(l)), "clamped bce finite");
    CHECK_NEAR(tg_item(l), want, want * (TG_REAL_IS_DOUBLE ? 1e-15 : 1e-6));
    CHECK(l && tg_backward(t, l, NULL) == TG_OK, "clamped backward");
    for (int i = 0; i < 4; i++)
        CHECK(tg_grad_at(p, (size_t)i) == 0, "grad outside the clamp band is 0: %g",
              (double)tg_grad_at(p, (size_t)i));
    tg_tape_free(t);
}

/* Exact limits of BCE on logits: loss max(z,0) - z y, gradient sigmoid(z) - y with
 * sigmoid(+-big) = 1 or 0, and dy = -z; all divided by N = 8 (exact in binary). */
static void test_bce_logits_extremes(void) {
    tg_tape *t = tg_tape_new();
    const tg_real z[8] = {1000, -1000, 1000, -1000, (tg_real)1e4, (tg_real)-1e4, (tg_real)1e4, (tg_real)-1e4};
    const tg_real y[8] = {0, 0, 1, 1, 0, 0, 1, 1};
    const double loss[8] = {1000, 0, 0, 1000, 1e4, 0, 0, 1e4};
    const double dz[8] = {1, 0, 0, -1, 1, 0, 0, -1};
    tg_tensor *zt = vec(t, 8, z, TG_REQUIRES_GRAD), *yt = vec(t, 8, y, TG_REQUIRES_GRAD);
    tg_tensor *l = tg_bce_with_logits(t, zt, yt);
    double sum = 0;
    for (int i = 0; i < 8; i++) sum += loss[i];
    CHECK(l && tg_item(l) == (tg_real)(sum / 8), "bce_with_logits at +-1000, +-1e4 = %.17g, expected %.17g",
          l ? (double)tg_item(l) : NAN, sum / 8);
    CHECK(l && tg_backward(t, l, NULL) == TG_OK, "backward: %s", tg_tape_message(t));
    for (int i = 0; i < 8; i++) {
        CHECK(tg_grad_at(zt, (size_t)i) == (tg_real)(dz[i] / 8), "dz[%d] = %.17g, expected %g", i,
              (double)tg_grad_at(zt, (size_t)i), dz[i] / 8);
        CHECK(tg_grad_at(yt, (size_t)i) == (tg_real)(-z[i] / 8), "dy[%d] = %.17g, expected %g", i,
              (double)tg_grad_at(yt, (size_t)i), (double)-z[i] / 8);
    }
    /* One element at a time: each limit exactly. */
    for (int i = 0; i < 8; i++) {
        tg_tape_reset(t);
        l = tg_bce_with_logits(t, vec(t, 1, &z[i], 0), vec(t, 1, &y[i], 0));
        CHECK(l && tg_item(l) == (tg_real)loss[i], "bce_with_logits(z=%g, y=%g) = %.17g, expected %g",
              (double)z[i], (double)y[i], l ? (double)tg_item(l) : NAN, loss[i]);
    }
    tg_tape_free(t);
}

static void test_cross_entropy(void) {
    tg_tape *t = tg_tape_new();
    /* Rows (1,2,3) with labels 2 and 0: -log_softmax = 0.4076059644443803 and
     * 2.4076059644443803, mean 1.4076059644443803. dz = (softmax - onehot) / 2. */
    const double sm[3] = {0.09003057317038046, 0.24472847105479767, 0.66524095577482189};
    tg_tensor *z = tg_tape_tensor(t, 2, (int[]){2, 3}, (tg_real[]){1, 2, 3, 1, 2, 3}, TG_REQUIRES_GRAD);
    int labels[2] = {2, 0};
    tg_tensor *l = tg_cross_entropy(t, z, labels);
    CHECK(l && l->rank == 0, "ce is rank 0");
    CHECK_NEAR(tg_item(l), 1.40760596444438030, 4 * tol);
    /* Labels are copied: changing the caller's array does not change backward. */
    labels[0] = 1;
    labels[1] = 1;
    CHECK(tg_backward(t, l, NULL) == TG_OK, "ce backward: %s", tg_tape_message(t));
    for (int j = 0; j < 3; j++) {
        CHECK_NEAR(tg_grad_at(z, (size_t)j), (sm[j] - (j == 2)) / 2, tol);
        CHECK_NEAR(tg_grad_at(z, (size_t)(3 + j)), (sm[j] - (j == 0)) / 2, tol);
    }
    /* CE = -mean of the picked log_softmax entries. */
    tg_tensor *ls = tg_log_softmax(t, z);
    CHECK_NEAR(tg_item(l), -(ls->data[2] + ls->data[3]) / 2, 4 * tol);

    /* Extremes: exact. (1e4, 0, -1e4) with label 0 costs 0, with label 2 costs 2e4;
     * (FLT_MAX, 0) with label 1 costs FLT_MAX. */
    tg_tape_reset(t);
    tg_real big[9] = {(tg_real)1e4, 0, (tg_real)-1e4, (tg_real)1e4, 0, (tg_real)-1e4, FLT_MAX, 0, 0};
    z = tg_tape_tensor(t, 2, (int[]){3, 3}, big, TG_REQUIRES_GRAD);
    l = tg_cross_entropy(t, z, (int[]){0, 2, 0});
    CHECK(l && tg_item(l) == (tg_real)(2e4 / 3), "ce extremes = %.17g", l ? (double)tg_item(l) : NAN);
    CHECK(l && tg_backward(t, l, NULL) == TG_OK, "ce extremes backward");
    /* softmax rows are one-hot at 0, so dz = (onehot(0) - onehot(label)) / 3. */
    const double want[9] = {0, 0, 0, 1, 0, -1, 0, 0, 0};
    for (int i = 0; i < 9; i++)
        CHECK(tg_grad_at(z, (size_t)i) == (tg_real)(want[i] / 3), "ce extreme dz[%d] = %.17g", i,
              (double)tg_grad_at(z, (size_t)i));
    tg_tape_reset(t);
    z = tg_tape_tensor(t, 2, (int[]){1, 2}, (tg_real[]){FLT_MAX, 0}, 0);
    l = tg_cross_entropy(t, z, (int[]){1});
    CHECK(l && tg_item(l) == FLT_MAX, "ce (FLT_MAX, 0) label 1 = %.17g", l ? (double)tg_item(l) : NAN);
    /* C = 1: the only class is always right. */
    tg_tape_reset(t);
    z = tg_tape_full(t, 2, (int[]){3, 1}, (tg_real)4.5);
    l = tg_cross_entropy(t, z, (int[]){0, 0, 0});
    CHECK(l && tg_item(l) == 0, "ce with C = 1 is 0");
    tg_tape_free(t);
}

static void test_gradients(void) {
    static const int shapes[][3] = {{1, 1, 1}, {5, 1, 1}, {3, 4, 1}, {2, 3, 2}};
    static const int ranks[] = {1, 1, 2, 3};
    static loss_fn fns[3] = {tg_mse_loss, tg_bce_loss, tg_bce_with_logits};
    static const char *names[3] = {"tg_mse_loss", "tg_bce_loss", "tg_bce_with_logits"};
    /* Input ranges: p and targets well inside (0,1), so finite differences (step
     * 1e-2 in float) stay in the clamp band and in the valid range of targets. */
    static const double lo[3][2] = {{-2, -2}, {0.1, 0.05}, {-4, 0.05}};
    static const double hi[3][2] = {{2, 2}, {0.9, 0.95}, {4, 0.95}};
    tg_rng g;
    tg_rng_seed(&g, 21);
    for (int f = 0; f < 3; f++)
        for (int s = 0; s < 4; s++) {
            tg_tensor *in[2] = {check_input(&g, ranks[s], shapes[s], lo[f][0], hi[f][0]),
                                check_input(&g, ranks[s], shapes[s], lo[f][1], hi[f][1])};
            char label[96];
            snprintf(label, sizeof label, "%s rank %d", names[f], ranks[s]);
            check_op_grad(label, build_pair, &fns[f], in, 2);
            tg_tensor_free(in[0]);
            tg_tensor_free(in[1]);
        }
    /* Cross-entropy: N = 1, odd N and C, C = 1, C = 2. */
    static const int ce_shapes[][2] = {{1, 4}, {3, 5}, {5, 3}, {4, 1}, {7, 2}};
    for (int s = 0; s < 5; s++) {
        int labels[8];
        for (int i = 0; i < ce_shapes[s][0]; i++)
            labels[i] = (int)(tg_rng_u64(&g) % (uint64_t)ce_shapes[s][1]);
        tg_tensor *z = check_input(&g, 2, ce_shapes[s], -3, 3);
        char label[96];
        snprintf(label, sizeof label, "tg_cross_entropy (%d,%d)", ce_shapes[s][0], ce_shapes[s][1]);
        check_op_grad(label, build_ce, labels, &z, 1);
        tg_tensor_free(z);
    }
}

static void test_errors(void) {
    tg_tape *t = tg_tape_new();
    tg_tensor *a, *b;
    static loss_fn fns[3] = {tg_mse_loss, tg_bce_loss, tg_bce_with_logits};
    static const char *msgs[3] = {"tg_mse_loss: shapes differ: (3,4) vs (4,3)",
                                  "tg_bce_loss: shapes differ: (3,4) vs (4,3)",
                                  "tg_bce_with_logits: shapes differ: (3,4) vs (4,3)"};
    for (int f = 0; f < 3; f++) {
        tg_tape_reset(t);
        a = tg_tape_full(t, 2, (int[]){3, 4}, (tg_real)0.5);
        b = tg_tape_full(t, 2, (int[]){4, 3}, (tg_real)0.5);
        CHECK(fns[f](t, a, b) == NULL, "shape mismatch %d", f);
        CHECK_ERR(t, TG_ERR_SHAPE, msgs[f]);
        tg_tape_reset(t);
        a = tg_tape_full(t, 1, (int[]){12}, (tg_real)0.5);
        CHECK(fns[f](t, a, NULL) == NULL, "NULL target %d", f);
        CHECK_ERR(t, TG_ERR_ARG, "argument 2 is NULL");
    }
    /* Rank differs with equal element counts. */
    tg_tape_reset(t);
    a = tg_tape_full(t, 1, (int[]){4}, 0);
    b = tg_tape_full(t, 2, (int[]){1, 4}, 0);
    CHECK(tg_mse_loss(t, a, b) == NULL, "rank mismatch");
    CHECK_ERR(t, TG_ERR_SHAPE, "tg_mse_loss: shapes differ: (4) vs (1,4)");

    /* BCE values outside [0,1]: the first bad index and value are named. */
    tg_tape_reset(t);
    a = vec(t, 3, (tg_real[]){(tg_real)0.5, (tg_real)1.5, -1}, 0);
    b = vec(t, 3, (tg_real[]){0, 1, 0}, 0);
    CHECK(tg_bce_loss(t, a, b) == NULL, "p > 1");
    CHECK_ERR(t, TG_ERR_VALUE, "tg_bce_loss: p must lie in [0,1]: p[1] = 1.5");
    tg_tape_reset(t);
    a = vec(t, 3, (tg_real[]){(tg_real)0.5, (tg_real)0.5, NAN}, 0);
    b = vec(t, 3, (tg_real[]){0, 1, 0}, 0);
    CHECK(tg_bce_loss(t, a, b) == NULL, "p NaN");
    CHECK_ERR(t, TG_ERR_VALUE, "tg_bce_loss: p must lie in [0,1]: p[2] = nan");
    tg_tape_reset(t);
    a = vec(t, 3, (tg_real[]){(tg_real)0.5, (tg_real)0.5, (tg_real)0.5}, 0);
    b = vec(t, 3, (tg_real[]){0, 1, (tg_real)-0.25}, 0);
    CHECK(tg_bce_loss(t, a, b) == NULL, "target < 0");
    CHECK_ERR(t, TG_ERR_VALUE, "tg_bce_loss: target must lie in [0,1]: target[2] = -0.25");
    tg_tape_reset(t);
    a = vec(t, 3, (tg_real[]){50, -3, 0}, 0);
    b = vec(t, 3, (tg_real[]){2, 1, 0}, 0);
    CHECK(tg_bce_with_logits(t, a, b) == NULL, "logits target > 1");
    CHECK_ERR(t, TG_ERR_VALUE, "tg_bce_with_logits: target must lie in [0,1]: target[0] = 2");

    /* Cross-entropy. */
    tg_tape_reset(t);
    tg_tensor *z = tg_tape_full(t, 2, (int[]){3, 5}, 0);
    CHECK(tg_cross_entropy(t, z, (int[]){0, 4, 7}) == NULL, "label 7");
    CHECK_ERR(t, TG_ERR_RANGE, "tg_cross_entropy: label 7 at row 2 is outside 0..4");
    tg_tape_reset(t);
    z = tg_tape_full(t, 2, (int[]){3, 5}, 0);
    CHECK(tg_cross_entropy(t, z, (int[]){-1, 0, 0}) == NULL, "label -1");
    CHECK_ERR(t, TG_ERR_RANGE, "tg_cross_entropy: label -1 at row 0 is outside 0..4");
    tg_tape_reset(t);
    z = tg_tape_full(t, 2, (int[]){3, 5}, 0);
    CHECK(tg_cross_entropy(t, z, NULL) == NULL, "NULL labels");
    CHECK_ERR(t, TG_ERR_ARG, "tg_cross_entropy: labels is NULL");
    tg_tape_reset(t);
    z = tg_tape_full(t, 1, (int[]){5}, 0);
    CHECK(tg_cross_entropy(t, z, (int[]){0}) == NULL, "rank 1 logits");
    CHECK_ERR(t, TG_ERR_SHAPE, "tg_cross_entropy: logits must have rank 2 (N,C): got (5)");
    tg_tape_reset(t);
    z = tg_tape_full(t, 3, (int[]){2, 3, 4}, 0);
    CHECK(tg_cross_entropy(t, z, (int[]){0, 0}) == NULL, "rank 3 logits");
    CHECK_ERR(t, TG_ERR_SHAPE, "tg_cross_entropy: logits must have rank 2 (N,C): got (2,3,4)");
    tg_tape_reset(t);
    CHECK(tg_cross_entropy(t, NULL, (int[]){0}) == NULL, "NULL logits");
    CHECK_ERR(t, TG_ERR_ARG, "tg_cross_entropy: argument 1 is NULL");
    CHECK(tg_mse_loss(NULL, a, b) == NULL, "NULL tape");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_mse_loss: tape is NULL");
    tg_tape_free(t);
}

int main(void) {
    test_mse();
    test_mse_sizes();
    test_bce();
    test_bce_logits_extremes();
    test_cross_entropy();
    test_gradients();
    test_errors();
    return check_done();
}
