/* test_unary.c — elementwise unary ops and activations: hand-computed forward
 * values, gradient checks on several shapes away from kinks, and error paths. */
#include "check.h"

typedef tg_tensor *(*unary_fn)(tg_tape *, tg_tensor *);
typedef struct {
    const char *name;
    unary_fn fn;
    double lo, hi; /* input range for the gradient check (away from kinks/poles) */
    bool zero_grad; /* step, sign: gradient is identically zero */
} unary_case;

static tg_tensor *build_unary(tg_tape *t, tg_tensor *const *in, void *user) {
    return ((unary_case *)user)->fn(t, in[0]);
}

/* Scalar-argument ops wrapped to the unary form with fixed arguments. */
static tg_tensor *add_scalar_(tg_tape *t, tg_tensor *x) { return tg_add_scalar(t, x, (tg_real)1.5); }
static tg_tensor *mul_scalar_(tg_tape *t, tg_tensor *x) { return tg_mul_scalar(t, x, (tg_real)-2.5); }
static tg_tensor *pow_scalar_(tg_tape *t, tg_tensor *x) { return tg_pow_scalar(t, x, (tg_real)2.7); }
static tg_tensor *pow_int_(tg_tape *t, tg_tensor *x) { return tg_pow_scalar(t, x, (tg_real)3); }
static tg_tensor *clamp_(tg_tape *t, tg_tensor *x) { return tg_clamp(t, x, (tg_real)-0.5, (tg_real)0.5); }
static tg_tensor *leaky_(tg_tape *t, tg_tensor *x) { return tg_leaky_relu(t, x, (tg_real)0.1); }

static const unary_case cases[] = {
    {"tg_neg", tg_neg, -2, 2, false},
    {"tg_add_scalar", add_scalar_, -2, 2, false},
    {"tg_mul_scalar", mul_scalar_, -2, 2, false},
    {"tg_pow_scalar", pow_scalar_, 0.5, 2, false},
    {"tg_pow_scalar(int)", pow_int_, -2, 2, false},
    {"tg_square", tg_square, -2, 2, false},
    {"tg_sqrt", tg_sqrt, 0.5, 3, false},
    {"tg_exp", tg_exp, -2, 2, false},
    {"tg_log", tg_log, 0.5, 3, false},
    {"tg_abs", tg_abs, 0.2, 2, false},
    {"tg_abs(neg)", tg_abs, -2, -0.2, false},
    {"tg_clamp", clamp_, -0.45, 0.45, false},
    {"tg_clamp(out)", clamp_, 0.6, 2, false},
    {"tg_relu", tg_relu, 0.1, 2, false},
    {"tg_relu(neg)", tg_relu, -2, -0.1, false},
    {"tg_leaky_relu", leaky_, -2, -0.1, false},
    {"tg_leaky_relu(pos)", leaky_, 0.1, 2, false},
    {"tg_softplus", tg_softplus, -3, 3, false},
    {"tg_sigmoid", tg_sigmoid, -3, 3, false},
    {"tg_tanh", tg_tanh, -2, 2, false},
    {"tg_step", tg_step, 0.1, 2, true},
    {"tg_sign", tg_sign, -2, -0.1, true},
};

static void test_gradients(void) {
    static const int shapes[][3] = {{1, 1, 1}, {7, 1, 1}, {3, 4, 1}, {2, 3, 2}};
    static const int ranks[] = {1, 1, 2, 3};
    tg_rng g;
    tg_rng_seed(&g, 7);
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        for (int s = 0; s < 4; s++) {
            tg_tensor *x = check_input(&g, ranks[s], shapes[s], cases[c].lo, cases[c].hi);
            char label[96];
            snprintf(label, sizeof label, "%s rank %d", cases[c].name, ranks[s]);
            check_op_grad(label, build_unary, (void *)&cases[c], &x, 1);
            if (cases[c].zero_grad) {
                /* The sweep sends exactly zero back. */
                tg_tape *t = tg_tape_new();
                tg_tensor *l = tg_sum(t, cases[c].fn(t, x));
                CHECK(l && tg_backward(t, l, NULL) == TG_OK, "%s backward", label);
                double m = 0;
                for (size_t i = 0; i < x->size; i++) m = fmax(m, fabs((double)x->grad[i]));
                CHECK(m == 0, "%s: gradient should be exactly 0, max |g| = %g", label, m);
                tg_tensor_zero_grad(x);
                tg_tape_free(t);
            }
            tg_tensor_free(x);
        }
    }
}

static void test_forward_values(void) {
    tg_tape *t = tg_tape_new();
    tg_real xs[5] = {-2, -0.5, 0, 0.5, 2};
    tg_tensor *x = tg_tape_tensor(t, 1, (int[]){5}, xs, 0);
    tg_tensor *r = tg_relu(t, x), *lr = tg_leaky_relu(t, x, (tg_real)0.01);
    tg_tensor *st = tg_step(t, x), *sg = tg_sign(t, x), *sig = tg_sigmoid(t, x);
    tg_tensor *th = tg_tanh(t, x), *sp = tg_softplus(t, x), *ab = tg_abs(t, x);
    tg_tensor *cl = tg_clamp(t, x, (tg_real)-1, (tg_real)1);
    const double tol = TG_REAL_IS_DOUBLE ? 1e-15 : 1e-6;
    for (int i = 0; i < 5; i++) {
        double v = (double)xs[i];
        CHECK_NEAR(r->data[i], v > 0 ? v : 0, tol);
        CHECK_NEAR(lr->data[i], v > 0 ? v : 0.01 * v, tol);
        CHECK_NEAR(st->data[i], v >= 0 ? 1 : 0, 0);
        CHECK_NEAR(sg->data[i], v > 0 ? 1 : v < 0 ? -1 : 0, 0);
        CHECK_NEAR(sig->data[i], 1 / (1 + exp(-v)), tol);
        CHECK_NEAR(th->data[i], tanh(v), tol);
        CHECK_NEAR(sp->data[i], log(1 + exp(v)), tol);
        CHECK_NEAR(ab->data[i], fabs(v), 0);
        CHECK_NEAR(cl->data[i], v < -1 ? -1 : v > 1 ? 1 : v, 0);
    }
    /* The W6 lecture's neuron: sigmoid(1) = 0.731. */
    tg_tensor *one = tg_tape_full(t, 0, NULL, 1);
    CHECK_NEAR(tg_item(tg_sigmoid(t, one)), 0.7310585786300049, tol);
    /* Extremes stay finite and exact in the limit. */
    tg_real big[4] = {-1000, 1000, (tg_real)-1e4, (tg_real)1e4};
    tg_tensor *b = tg_tape_tensor(t, 1, (int[]){4}, big, 0);
    tg_tensor *bs = tg_sigmoid(t, b), *bp = tg_softplus(t, b), *bt = tg_tanh(t, b);
    CHECK(bs->data[0] == 0 && bs->data[1] == 1, "sigmoid(+-1000) = %g %g", (double)bs->data[0], (double)bs->data[1]);
    CHECK(bp->data[0] == 0 && bp->data[1] == 1000, "softplus(+-1000) = %g %g", (double)bp->data[0], (double)bp->data[1]);
    CHECK(bt->data[2] == -1 && bt->data[3] == 1, "tanh(+-1e4)");
    CHECK(tg_tape_status(t) == TG_OK, "tape ok: %s", tg_tape_message(t));
    tg_tape_free(t);
}

static void test_errors(void) {
    tg_tape *t = tg_tape_new();
    tg_tensor *x = tg_tape_full(t, 1, (int[]){3}, 1);
    CHECK(tg_tanh(t, NULL) == NULL, "NULL input gives NULL");
    CHECK_ERR(t, TG_ERR_ARG, "tg_tanh: argument 1 is NULL");
    /* Sticky: later ops on the failed tape return NULL and keep the first message. */
    CHECK(tg_exp(t, x) == NULL, "failed tape returns NULL");
    CHECK_ERR(t, TG_ERR_ARG, "tg_tanh: argument 1 is NULL");
    tg_tape_reset(t);
    x = tg_tape_full(t, 1, (int[]){3}, 1);
    CHECK(tg_clamp(t, x, 2, 1) == NULL, "clamp lo > hi");
    CHECK_ERR(t, TG_ERR_VALUE, "tg_clamp: bounds must satisfy lo <= hi, got lo=2 hi=1");
    tg_tape_reset(t);
    x = tg_tape_full(t, 1, (int[]){3}, 1);
    CHECK(tg_leaky_relu(t, x, (tg_real)NAN) == NULL, "leaky nan slope");
    CHECK_ERR(t, TG_ERR_VALUE, "tg_leaky_relu: slope must be finite");
    tg_tape_reset(t);
    x = tg_tape_full(t, 1, (int[]){3}, 1);
    CHECK(tg_pow_scalar(t, x, (tg_real)INFINITY) == NULL, "pow inf");
    CHECK_ERR(t, TG_ERR_VALUE, "tg_pow_scalar: exponent must be finite");
    /* A tensor from before the reset is refused. */
    tg_tape_reset(t);
    CHECK(tg_sigmoid(t, x) == NULL, "stale tensor");
    CHECK_ERR(t, TG_ERR_STATE, "tg_sigmoid: argument 1 belongs to another tape or to a step before the last tg_tape_reset");
    CHECK(tg_relu(NULL, x) == NULL, "NULL tape");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_relu: tape is NULL");
    tg_tape_free(t);
}

int main(void) {
    test_forward_values();
    test_gradients();
    test_errors();
    return check_done();
}
