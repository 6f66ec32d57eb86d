/* test_softmax.c — tg_softmax and tg_log_softmax along the last axis:
 * hand-computed values, gradient checks on ranks 1..3, extreme rows (+-1e4, FLT_MAX)
 * that a naive exp would overflow, and every error path with its message. */
#include <float.h>
#include "check.h"

typedef tg_tensor *(*unary_fn)(tg_tape *, tg_tensor *);

static tg_tensor *build_unary(tg_tape *t, tg_tensor *const *in, void *user) {
    return (*(unary_fn *)user)(t, in[0]);
}

static const double tol = TG_REAL_IS_DOUBLE ? 1e-15 : 1e-6;

static void test_forward_values(void) {
    tg_tape *t = tg_tape_new();
    /* softmax(1,2,3) = e^{i-3} / (e^-2 + e^-1 + 1); ln of the sum is 0.4076059644443803. */
    tg_real r[6] = {1, 2, 3, 5, 5, 5};
    tg_tensor *x = tg_tape_tensor(t, 2, (int[]){2, 3}, r, 0);
    tg_tensor *y = tg_softmax(t, x), *ly = tg_log_softmax(t, x);
    const double sm[3] = {0.09003057317038046, 0.24472847105479767, 0.66524095577482189};
    const double lsm[3] = {-2.40760596444438030, -1.40760596444438030, -0.40760596444438030};
    for (int j = 0; j < 3; j++) {
        CHECK_NEAR(y->data[j], sm[j], tol);
        CHECK_NEAR(ly->data[j], lsm[j], 4 * tol);
        /* The second row is constant: uniform. */
        CHECK_NEAR(y->data[3 + j], 1.0 / 3, tol);
        CHECK_NEAR(ly->data[3 + j], -log(3.0), 4 * tol);
    }
    CHECK(y->rank == 2 && y->shape[0] == 2 && y->shape[1] == 3, "softmax keeps the shape");
    /* Rank 1 and rank 3: every row along the last axis sums to 1 and
     * exp(log_softmax) = softmax. */
    tg_tensor *v = tg_tape_tensor(t, 1, (int[]){3}, r, 0);
    tg_tensor *vy = tg_softmax(t, v);
    for (int j = 0; j < 3; j++) CHECK_NEAR(vy->data[j], sm[j], tol);
    tg_rng g;
    tg_rng_seed(&g, 3);
    tg_tensor *z = tg_tape_tensor(t, 3, (int[]){2, 3, 4}, NULL, 0);
    tg_tensor_uniform(z, &g, -3, 3);
    tg_tensor *zy = tg_softmax(t, z), *zl = tg_log_softmax(t, z);
    for (int row = 0; row < 6; row++) {
        double s = 0;
        for (int j = 0; j < 4; j++) {
            s += zy->data[row * 4 + j];
            CHECK_NEAR(exp(zl->data[row * 4 + j]), zy->data[row * 4 + j], 4 * tol);
        }
        CHECK_NEAR(s, 1, 4 * tol);
    }
    /* A single-element row: softmax 1, log-softmax 0, whatever the value. */
    tg_tensor *one = tg_tape_full(t, 2, (int[]){2, 1}, (tg_real)-7.5);
    CHECK(tg_softmax(t, one)->data[1] == 1 && tg_log_softmax(t, one)->data[0] == 0, "C = 1");
    CHECK(tg_tape_status(t) == TG_OK, "tape ok: %s", tg_tape_message(t));
    tg_tape_free(t);
}

static void test_gradients(void) {
    static const int shapes[][3] = {{5, 1, 1}, {1, 1, 1}, {3, 4, 1}, {4, 1, 1}, {2, 3, 4}, {3, 1, 5}};
    static const int ranks[] = {1, 1, 2, 2, 3, 3};
    static unary_fn fns[2] = {tg_softmax, tg_log_softmax};
    static const char *names[2] = {"tg_softmax", "tg_log_softmax"};
    tg_rng g;
    tg_rng_seed(&g, 11);
    for (int f = 0; f < 2; f++)
        for (int s = 0; s < 6; s++) {
            tg_tensor *x = check_input(&g, ranks[s], shapes[s], -3, 3);
            char label[96];
            snprintf(label, sizeof label, "%s shape (%d,%d,%d) rank %d", names[f], shapes[s][0],
                     shapes[s][1], shapes[s][2], ranks[s]);
            check_op_grad(label, build_unary, &fns[f], &x, 1);
            tg_tensor_free(x);
        }
}

/* Rows whose naive e^x overflows: the result is finite and exact. Also the backward
 * sweep through them stays finite. */
static void check_extreme(const char *what, tg_real a, tg_real b, tg_real c,
                          const double sm[3], const double lsm[3]) {
    tg_tape *t = tg_tape_new();
    tg_real v[3] = {a, b, c};
    tg_tensor *x = tg_tape_tensor(t, 2, (int[]){1, 3}, v, TG_REQUIRES_GRAD);
    tg_tensor *y = tg_softmax(t, x), *ly = tg_log_softmax(t, x);
    CHECK(y && ly, "%s: built", what);
    if (!y || !ly) {
        tg_tape_free(t);
        return;
    }
    for (int j = 0; j < 3; j++) {
        CHECK(y->data[j] == (tg_real)sm[j], "%s: softmax[%d] = %.17g, expected %.17g", what, j,
              (double)y->data[j], sm[j]);
        CHECK(ly->data[j] == (tg_real)lsm[j], "%s: log_softmax[%d] = %.17g, expected %.17g", what,
              j, (double)ly->data[j], lsm[j]);
    }
    /* dL/dx of L = sum(w * softmax) + sum(w * log_softmax) for fixed w, finite. */
    tg_tensor *w = tg_tape_tensor(t, 2, (int[]){1, 3}, (tg_real[]){0.5, -1, 2}, 0);
    tg_tensor *l = tg_add(t, tg_sum(t, tg_mul(t, y, w)), tg_sum(t, tg_mul(t, ly, w)));
    CHECK(l && tg_backward(t, l, NULL) == TG_OK, "%s: backward: %s", what, tg_tape_message(t));
    for (int j = 0; j < 3 && x->grad; j++)
        CHECK(isfinite(x->grad[j]), "%s: dx[%d] = %g", what, j, (double)x->grad[j]);
    tg_tape_free(t);
}

static void test_extremes(void) {
    const double ln2 = 0.69314718055994531;
    const double F = FLT_MAX;
    check_extreme("(1e4,0,-1e4)", (tg_real)1e4, 0, (tg_real)-1e4, (double[]){1, 0, 0},
                  (double[]){0, -1e4, -2e4});
    check_extreme("(-1e4,1e4,-1e4)", (tg_real)-1e4, (tg_real)1e4, (tg_real)-1e4,
                  (double[]){0, 1, 0}, (double[]){-2e4, 0, -2e4});
    check_extreme("(FLT_MAX,0,1)", FLT_MAX, 0, 1, (double[]){1, 0, 0},
                  (double[]){0, -F, (double)(tg_real)(1 - F)});
    check_extreme("(-FLT_MAX,0,-FLT_MAX)", -FLT_MAX, 0, -FLT_MAX, (double[]){0, 1, 0},
                  (double[]){-F, 0, -F});
    check_extreme("(FLT_MAX,FLT_MAX,0)", FLT_MAX, FLT_MAX, 0, (double[]){0.5, 0.5, 0},
                  (double[]){-ln2, -ln2, (double)(tg_real)(-F - ln2)});
#if TG_REAL_IS_DOUBLE
    check_extreme("(DBL_MAX,0,-1)", DBL_MAX, 0, -1, (double[]){1, 0, 0},
                  (double[]){0, -DBL_MAX, -DBL_MAX});
#endif
    /* The backward through a one-hot softmax is exactly zero: y (g - g.y) = 0. */
    tg_tape *t = tg_tape_new();
    tg_tensor *x = tg_tape_tensor(t, 1, (int[]){3}, (tg_real[]){(tg_real)1e4, 0, (tg_real)-1e4},
                                  TG_REQUIRES_GRAD);
    tg_tensor *w = tg_tape_tensor(t, 1, (int[]){3}, (tg_real[]){3, -1, 2}, 0);
    tg_tensor *l = tg_sum(t, tg_mul(t, tg_softmax(t, x), w));
    CHECK(l && tg_backward(t, l, NULL) == TG_OK, "one-hot backward: %s", tg_tape_message(t));
    for (int j = 0; j < 3 && x->grad; j++)
        CHECK(x->grad[j] == 0, "one-hot softmax dx[%d] = %g", j, (double)x->grad[j]);
    /* log_softmax there: dx = g - onehot sum(g) = (3 - 4, -1, 2). */
    tg_tensor *x2 = tg_tape_tensor(t, 1, (int[]){3}, x->data, TG_REQUIRES_GRAD);
    l = tg_sum(t, tg_mul(t, tg_log_softmax(t, x2), w));
    CHECK(l && tg_backward(t, l, NULL) == TG_OK, "log one-hot backward");
    const double want[3] = {-1, -1, 2};
    for (int j = 0; j < 3 && x2->grad; j++)
        CHECK(x2->grad[j] == (tg_real)want[j], "one-hot log_softmax dx[%d] = %g", j,
              (double)x2->grad[j]);
    tg_tape_free(t);
}

static void test_errors(void) {
    tg_tape *t = tg_tape_new();
    tg_tensor *s = tg_tape_full(t, 0, NULL, 1);
    CHECK(tg_softmax(t, s) == NULL, "softmax rank 0");
    CHECK_ERR(t, TG_ERR_SHAPE,
              "tg_softmax: input must have rank >= 1 (it works along the last axis): got shape ()");
    tg_tape_reset(t);
    s = tg_tape_full(t, 0, NULL, 1);
    CHECK(tg_log_softmax(t, s) == NULL, "log_softmax rank 0");
    CHECK_ERR(t, TG_ERR_SHAPE,
              "tg_log_softmax: input must have rank >= 1 (it works along the last axis): got shape ()");
    tg_tape_reset(t);
    CHECK(tg_softmax(t, NULL) == NULL, "NULL input");
    CHECK_ERR(t, TG_ERR_ARG, "tg_softmax: argument 1 is NULL");
    tg_tape_reset(t);
    CHECK(tg_log_softmax(t, NULL) == NULL, "NULL input");
    CHECK_ERR(t, TG_ERR_ARG, "tg_log_softmax: argument 1 is NULL");
    tg_tape_reset(t);
    tg_tensor *x = tg_tape_full(t, 1, (int[]){3}, 1);
    CHECK(tg_log_softmax(NULL, x) == NULL, "NULL tape");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_log_softmax: tape is NULL");
    tg_tape_reset(t);
    CHECK(tg_softmax(t, x) == NULL, "stale tensor");
    CHECK_ERR(t, TG_ERR_STATE, "tg_softmax: argument 1 belongs to another tape");
    tg_tape_free(t);
}

int main(void) {
    test_forward_values();
    test_gradients();
    test_extremes();
    test_errors();
    return check_done();
}
