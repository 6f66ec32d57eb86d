/* test_gradcheck.c — the gradient-check API itself: it passes correct gradients,
 * catches a wrong one (naming the element), restores the caller's state, and reports
 * bad arguments. */
#include <stdlib.h>
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

/* The printed line: name, shape, verdict, multi-index, counts, sensitivity. */
static void report_lines(tg_tensor *const *ps) {
    tg_tensor *W = tg_param_new("W", 2, (int[]){3, 4});
    for (size_t i = 0; i < W->size; i++) W->data[i] = (tg_real)(0.1 * (double)i - 0.5);
    W->data[9] = 2; /* W[2,1]: the largest |x|, so the worst of x^2's halved derivative */
    tg_gradcheck_result r;
    bool ok = true;
    CHECK(tg_gradcheck(f_wrong, NULL, &W, 1, NULL, &r, &ok) == TG_OK && !ok && r.verdict == TG_CHECK_FAILED,
          "fails");
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    CHECK(tg_gradcheck_print(m, &r, 1) == TG_OK, "prints");
    fclose(m);
    printf("%s", buf);
    CHECK(strncmp(buf, "W (3,4): FAILED: ", 17) == 0 && strstr(buf, "worst W[2,1]: analytic 2, numeric 4") &&
              strstr(buf, "of 12 elements differ") && strstr(buf, "would detect errors >= "),
          "the line: %s", buf);
    CHECK(r.worst_at[0] == 2 && r.worst_at[1] == 1 && r.size == 12 && r.n_checked == 12 &&
              r.n_failed >= 11 && strcmp(r.name, "W") == 0, "fields");
    free(buf);
    /* an unnamed parameter is params[k]; a passing line states its sensitivity */
    tg_tensor *u = tg_tensor_new(1, (int[]){3}, TG_REQUIRES_GRAD);
    tg_tensor_copy_from(u, ps[0]->data, 3);
    tg_tensor *two[2] = {u, ps[1]};
    tg_gradcheck_result rr[2];
    CHECK(tg_gradcheck(f_ok, NULL, two, 2, NULL, rr, &ok) == TG_OK && ok, "passes");
    CHECK(strcmp(rr[0].name, "params[0]") == 0 && rr[0].sensitivity > 0 &&
              rr[0].sensitivity < (TG_REAL_IS_DOUBLE ? 1e-4 : 0.05), "sensitivity %g", rr[0].sensitivity);
    /* a step so small that rounding swamps the quotient: INCONCLUSIVE, not FAILED */
    tg_gradcheck_opts tiny = tg_gradcheck_defaults();
    tiny.eps = TG_REAL_IS_DOUBLE ? 1e-13 : 1e-6;
    CHECK(tg_gradcheck(f_ok, NULL, two, 2, &tiny, rr, &ok) == TG_OK && !ok &&
              rr[0].verdict == TG_CHECK_INCONCLUSIVE && !rr[0].vacuous && rr[0].noise > 0,
          "tiny step: %s", tg_verdict_name(rr[0].verdict));
    tg_gradcheck_print(stdout, rr, 1);
    CHECK(tg_gradcheck_print(NULL, rr, 1) == TG_ERR_ARG, "NULL out");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_gradcheck_print: out is NULL");
    tg_tensor_free(u);
    tg_tensor_free(W);
}

/* y = sqrt(x) at x = 0: an infinite derivative, printed as inf and always failing. */
static tg_tensor *f_sqrt(tg_tape *t, tg_tensor *const *p, int n, void *user) {
    (void)n, (void)user;
    return tg_sum(t, tg_sqrt(t, tg_square(t, p[0])));
}
static tg_tensor *f_sum_sq(tg_tape *t, tg_tensor *const *p, int n, void *user) {
    (void)n, (void)user;
    return tg_sum(t, tg_square(t, p[0]));
}

static void nan_and_sample(tg_rng *g) {
    tg_tensor *x = tg_param_new("x", 1, (int[]){3});
    tg_tensor_copy_from(x, (tg_real[]){0, 1, 2}, 3);
    tg_gradcheck_result r;
    bool ok = true;
    CHECK(tg_gradcheck(f_sqrt, NULL, &x, 1, NULL, &r, &ok) == TG_OK && !ok && r.verdict == TG_CHECK_FAILED &&
              r.nonfinite, "a NaN derivative fails: %s", tg_verdict_name(r.verdict));
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    tg_gradcheck_print(m, &r, 1);
    fclose(m);
    printf("%s", buf);
    CHECK(strstr(buf, "analytic NaN") && strstr(buf, "NaN or inf met") && !strstr(buf, "nan"), "%s", buf);
    free(buf);
    tg_tensor_free(x);
    /* a sample of 5 of 200 elements, with its seed */
    tg_tensor *big = check_input(g, 2, (int[]){10, 20}, -1, 1);
    tg_gradcheck_opts o = tg_gradcheck_defaults();
    o.sample = 5, o.seed = 42;
    CHECK(tg_gradcheck(f_sum_sq, NULL, &big, 1, &o, &r, &ok) == TG_OK && ok && r.sampled &&
              r.n_checked == 5 && r.seed == 42, "sampled");
    buf = NULL;
    m = open_memstream(&buf, &len);
    tg_gradcheck_print(m, &r, 1);
    fclose(m);
    CHECK(strstr(buf, "5 of 5 elements agree") && strstr(buf, "a sample of 5, seed 42"), "%s", buf);
    free(buf);
    tg_tensor_free(big);
}

/* tg_handcheck: the callback runs after the sweep (x->grad is there); tape-only mode
 * names the op that reads the tensor where the tape and the numbers part. */
static int saw_grad;
static void hand_after(const tg_tape *t, const tg_tensor *x, tg_real *gr, void *u) {
    (void)t, (void)u;
    saw_grad = x->grad != NULL;
    for (size_t i = 0; i < x->size; i++) gr[i] = 2 * x->data[i];
}
static tg_tensor *f_named(tg_tape *t, tg_tensor *const *p, int n, void *user) {
    (void)n, (void)user;
    tg_tensor *z = tg_name(tg_mul_scalar(t, p[0], 1), "z");
    return tg_sum(t, tg_apply(t, &wrong_square, &z, 1, NULL));
}

static void handcheck_modes(void) {
    tg_tensor *a = tg_param_new("a", 1, (int[]){3});
    tg_tensor_copy_from(a, (tg_real[]){0.5, -1, 2}, 3);
    tg_hand h = {.name = "z", .fn = hand_after};
    tg_handcheck_row row;
    int bad = 0;
    CHECK(tg_handcheck(NULL, f_named, NULL, &a, 1, &h, 1, NULL, &row, &bad) == TG_OK && saw_grad,
          "the callback sees x->grad");
    CHECK(!row.hand_ok && !row.tape_ok, "hand right, tape wrong");
    tg_handcheck_opts o = tg_handcheck_defaults();
    o.tape_only = true;
    tg_hand names[2] = {{.name = "z"}, {.name = "a"}};
    tg_handcheck_row rows[2];
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    CHECK(tg_handcheck(m, f_named, NULL, &a, 1, names, 2, &o, rows, &bad) == TG_OK, "%s", tg_last_error());
    fclose(m);
    printf("%s", buf);
    CHECK(bad == 0 && !rows[0].tape_ok && rows[0].hand_ok, "tape only: parts at z, bad %d", bad);
    CHECK(strstr(buf, "the tape and the numbers part first at n0 z; ops that read it: node 1 wrong_square") &&
              strstr(buf, "tape DIFFERS from numeric"), "%s", buf);
    free(buf);
    tg_tensor_free(a);
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
        CHECK(d.eps == 1e-6 && d.atol == 1e-7 && d.rtol == 1e-5 && d.order == 2 && d.n_dirs == 4,
              "double defaults");
    else
        CHECK(d.eps == 1e-2 && d.atol == 1e-4 && d.rtol == 1e-2 && d.order == 4 && d.n_dirs == 4,
              "float defaults");
    report_lines(ps);
    nan_and_sample(&g);
    handcheck_modes();

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
