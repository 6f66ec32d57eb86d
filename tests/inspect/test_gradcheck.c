/* test_gradcheck.c — the gradient-check API itself: it passes correct gradients,
 * catches a wrong one (naming the element), restores the caller's state, and reports
 * bad arguments. */
#include "check.h"

static tg_tensor *f_ok(tg_tape *t, tg_tensor *const *p, int n, void *user) {
    (void)n, (void)user;
    /* sum(tanh(a * b) + exp(a) / b) */
    return tg_sum(t, tg_add(t, tg_tanh(t, tg_mul(t, p[0], p[1])), tg_div(t, tg_exp(t, p[0]), p[1])));
}

/* A custom op with a deliberately wrong derivative: y = x^2 with dx += g x (should be 2 g x). */
static tg_status wrong_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    for (size_t i = 0; i < n->out->size; i++) n->out->data[i] = n->in[0]->data[i] * n->in[0]->data[i];
    return TG_OK;
}
static tg_status same_shape(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    (void)t;
    *rank = n->in[0]->rank;
    for (int i = 0; i < *rank; i++) shape[i] = n->in[0]->shape[i];
    return TG_OK;
}
static void wrong_bwd(tg_node *n) {
    for (size_t i = 0; i < n->out->size; i++) n->in[0]->grad[i] += n->out->grad[i] * n->in[0]->data[i];
}
static const tg_op wrong_square = {"wrong_square", 1, 0, same_shape, wrong_fwd, wrong_bwd, NULL};

static tg_tensor *f_wrong(tg_tape *t, tg_tensor *const *p, int n, void *user) {
    (void)n, (void)user;
    return tg_sum(t, tg_apply(t, &wrong_square, &p[0], 1, NULL));
}
static tg_tensor *f_vector(tg_tape *t, tg_tensor *const *p, int n, void *user) {
    (void)n, (void)user;
    return tg_exp(t, p[0]);
}
static tg_tensor *f_fails(tg_tape *t, tg_tensor *const *p, int n, void *user) {
    (void)n, (void)user;
    return tg_add(t, p[0], p[1]); /* (3) + (2): cannot broadcast */
}

int main(void) {
    tg_rng g;
    tg_rng_seed(&g, 11);
    tg_tensor *a = check_input(&g, 1, (int[]){3}, -1, 1);
    tg_tensor *b = check_input(&g, 1, (int[]){3}, 0.5, 2);
    tg_tensor *ps[2] = {a, b};
    tg_gradcheck_result res[2];
    bool ok = false;
    a->grad[0] = 42; /* the caller's gradient must survive */
    tg_real a0 = a->data[0];
    CHECK(tg_gradcheck(f_ok, NULL, ps, 2, NULL, res, &ok) == TG_OK && ok, "correct gradients pass");
    CHECK(res[0].passed && res[1].passed && res[0].max_abs_err < 1e-2, "per-tensor results");
    CHECK(a->grad[0] == 42 && a->data[0] == a0, "state restored");
    printf("gradcheck of a correct function: max abs err %.3g / %.3g, max rel err %.3g / %.3g\n",
           res[0].max_abs_err, res[1].max_abs_err, res[0].max_rel_err, res[1].max_rel_err);

    /* The wrong derivative is caught, and the report says where and by how much. */
    tg_tensor_copy_from(a, (tg_real[]){0.5, -1, 2}, 3);
    CHECK(tg_gradcheck(f_wrong, NULL, ps, 1, NULL, res, &ok) == TG_OK && !ok, "wrong gradient fails");
    CHECK(!res[0].passed && res[0].worst_index == 2, "worst element is 2 (largest |x|), got %zu", res[0].worst_index);
    CHECK_NEAR(res[0].worst_analytic, 2, 1e-6);
    CHECK_NEAR(res[0].worst_numeric, 4, 1e-3);
    CHECK_NEAR(res[0].max_rel_err, 0.5, 1e-3);

    /* Defaults as documented. */
    tg_gradcheck_opts d = tg_gradcheck_defaults();
    if (TG_REAL_IS_DOUBLE)
        CHECK(d.eps == 1e-6 && d.atol == 1e-5 && d.rtol == 1e-3, "double defaults = PyTorch's");
    else
        CHECK(d.eps == 1e-2 && d.atol == 1e-2 && d.rtol == 1e-2, "float defaults");

    /* Errors. */
    CHECK(tg_gradcheck(NULL, NULL, ps, 2, NULL, NULL, NULL) == TG_ERR_ARG, "NULL f");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_gradcheck: f is NULL");
    CHECK(tg_gradcheck(f_ok, NULL, ps, 0, NULL, NULL, NULL) == TG_ERR_ARG, "n 0");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_gradcheck: n_params must be >= 1");
    tg_tensor *c = tg_tensor_new(1, (int[]){3}, 0);
    tg_tensor *bad[2] = {a, c};
    CHECK(tg_gradcheck(f_ok, NULL, bad, 2, NULL, NULL, NULL) == TG_ERR_ARG, "no grad buffer");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_gradcheck: params[1] must be a long-lived tensor with a gradient buffer");
    CHECK(tg_gradcheck(f_vector, NULL, ps, 1, NULL, NULL, &ok) == TG_ERR_SHAPE && !ok, "non-scalar f");
    CHECK_ERR(NULL, TG_ERR_SHAPE, "tg_gradcheck: the function must return one element, got shape (3)");
    tg_tensor *e = check_input(&g, 1, (int[]){2}, 0, 1);
    tg_tensor *mism[2] = {a, e};
    CHECK(tg_gradcheck(f_fails, NULL, mism, 2, NULL, NULL, &ok) == TG_ERR_SHAPE && !ok, "f fails");
    CHECK_ERR(NULL, TG_ERR_SHAPE, "tg_gradcheck: the function failed: tg_add: shapes cannot broadcast: (3) and (2)");
    tg_gradcheck_opts neg = {.eps = -1, .atol = 0, .rtol = 0};
    CHECK(tg_gradcheck(f_ok, NULL, ps, 2, &neg, NULL, NULL) == TG_ERR_VALUE, "eps < 0");
    CHECK_ERR(NULL, TG_ERR_VALUE, "tg_gradcheck: need eps > 0");
    CHECK(a->grad[0] == 42, "state restored after errors");
    tg_tensor_free(a);
    tg_tensor_free(b);
    tg_tensor_free(c);
    tg_tensor_free(e);
    return check_done();
}
