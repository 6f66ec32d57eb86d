/* test_gradcheck_corpus.c — the gradient check can fail: a corpus of deliberately
 * wrong derivatives (wrong_ops.h), each of which the default check must catch (every
 * one in double; every one of 5 % or more in float; a miss is a failure), and
 * tg_gradcheck_locate must name the wrong op; a 5 %-wrong tanh inside an LSTM cell;
 * tg_opcheck on a wrong custom op and on a built-in one with a wrong shape; the
 * vacuous check at a trained optimum is INCONCLUSIVE. Prints the corpus table. */
#include "check.h"
#include "wrong_ops.h"

typedef struct wcase {
    const char *label;
    const tg_op *op;
    double k, k1;       /* args.f[0], f[1] */
    long elem;          /* args.i[0] */
    int n_in;
    int rank[2], shape[2][2];
    double rel;         /* size of the error, relative */
    int kind;           /* 0: op(in...), 1: fan-out op(x) + x^2 */
} wcase;

static tg_tensor *build_case(tg_tape *t, tg_tensor *const *in, void *user) {
    const wcase *c = user;
    tg_op_args a = {.f = {c->k, c->k1}, .i = {c->elem}};
    tg_tensor *y = tg_apply(t, c->op, in, c->n_in, &a);
    return c->kind == 1 ? tg_add(t, y, tg_square(t, in[0])) : y;
}

static const wcase cases[] = {
    {"sign flip", &wo_tanh, -1, 0, 0, 1, {2}, {{3, 4}}, 2, 0},
    {"factor 1.25", &wo_tanh, 1.25, 0, 0, 1, {2}, {{3, 4}}, 0.25, 0},
    {"factor 1.05", &wo_tanh, 1.05, 0, 0, 1, {2}, {{3, 4}}, 0.05, 0},
    {"factor 1.0001", &wo_tanh, 1.0001, 0, 0, 1, {2}, {{3, 4}}, 1e-4, 0},
    {"one wrong element (x1.25 at [1,2])", &wo_tanh, 1, 1.25, 7, 1, {2}, {{3, 4}}, 0.25, 0},
    {"missing broadcast reduction", &wo_bias, 0, 0, 0, 2, {2, 1}, {{3, 4}, {4}}, 0.5, 0},
    {"= instead of += on fan-out", &wo_tanh_assign, 0, 0, 0, 1, {2}, {{3, 4}}, 0.5, 1},
    {"transposed matmul gradient", &wo_mm, 0, 0, 0, 2, {2, 2}, {{3, 3}, {3, 3}}, 0.5, 0},
    {"wrong only at 0", &wo_sin, 0, 0, 0, 1, {2}, {{3, 4}}, 1, 0},
};

static void corpus(void) {
    tg_rng g;
    tg_rng_seed(&g, 3);
    printf("%-38s %-7s %-8s %s\n", "wrong derivative", "build", "result", "locate");
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const wcase *w = &cases[c];
        tg_tensor *in[2];
        for (int k = 0; k < w->n_in; k++) in[k] = check_input(&g, w->rank[k], w->shape[k], -1.5, 1.5);
        if (w->op == &wo_sin) in[0]->data[5] = 0; /* the one point where it is wrong */
        check_op_ctx ctx = {build_case, (void *)w};
        tg_gradcheck_result res[2];
        bool ok = true;
        tg_status st = tg_gradcheck(check_op_loss, &ctx, in, w->n_in, NULL, res, &ok);
        bool failed = false;
        for (int k = 0; k < w->n_in; k++) failed |= res[k].verdict == TG_CHECK_FAILED;
        bool caught = st == TG_OK && !ok && failed;
        bool must = TG_REAL_IS_DOUBLE || w->rel >= 0.05;
        tg_locate_result loc;
        st = tg_gradcheck_locate(NULL, check_op_loss, &ctx, in, w->n_in, NULL, &loc);
        bool named = st == TG_OK && loc.found && strcmp(loc.op, w->op->name) == 0;
        printf("%-38s %-7s %-8s %s\n", w->label, TG_REAL_NAME, caught ? "caught" : "MISSED",
               named ? "names it" : loc.found ? "names another op" : "finds nothing");
        if (must) {
            CHECK(caught, "%s: the check must FAIL", w->label);
            CHECK(named, "%s: locate must name %s", w->label, w->op->name);
        }
        if (!caught || (must && !named) || c == 4) tg_gradcheck_print(stdout, res, w->n_in);
        if (c == 4) /* the one wrong element is the one reported */
            CHECK(res[0].n_failed >= 1 && res[0].worst_at[0] == 1 && res[0].worst_at[1] == 2 &&
                      strcmp(res[0].name, "x") == 0, "worst x[%d,%d], %zu failing",
                  res[0].worst_at[0], res[0].worst_at[1], res[0].n_failed);
        if (c == 5) /* only b is wrong */
            CHECK(res[0].passed && res[1].verdict == TG_CHECK_FAILED, "broadcast: a passes, b fails");
        for (int k = 0; k < w->n_in; k++) tg_tensor_free(in[k]);
    }
}

/* ---- an LSTM cell whose candidate tanh has a 5 %-wrong derivative ----
 * gates = x W_x + h W_h + b, (B, 4H), blocks i f g o; c' = f c + i g; h' = o tanh(c') */
enum { LB = 2, LI = 3, LH = 4 };
static tg_tensor *lstm_cell(tg_tape *t, tg_tensor *const *p, int n, void *user) {
    (void)n;
    const double *k = user;
    tg_tensor *x = p[3], *h = p[4], *c = p[5];
    tg_tensor *z = tg_add(t, tg_add(t, tg_matmul(t, x, p[0]), tg_matmul(t, h, p[1])), p[2]);
    tg_tensor *i = tg_sigmoid(t, tg_slice(t, z, 1, 0, LH));
    tg_tensor *f = tg_sigmoid(t, tg_slice(t, z, 1, LH, LH));
    tg_op_args a = {.f = {*k}};
    tg_tensor *gs = tg_slice(t, z, 1, 2 * LH, LH);
    tg_tensor *g = tg_apply(t, &wo_tanh, &gs, 1, &a);
    tg_tensor *o = tg_sigmoid(t, tg_slice(t, z, 1, 3 * LH, LH));
    tg_tensor *c2 = tg_add(t, tg_mul(t, f, c), tg_mul(t, i, g));
    tg_tensor *h2 = tg_mul(t, o, tg_tanh(t, c2));
    return tg_add(t, tg_sum(t, tg_mul(t, h2, h2)), tg_sum(t, c2));
}

static void lstm(void) {
    tg_rng g;
    tg_rng_seed(&g, 5);
    tg_tensor *p[6] = {
        check_input(&g, 2, (int[]){LI, 4 * LH}, -0.8, 0.8), check_input(&g, 2, (int[]){LH, 4 * LH}, -0.8, 0.8),
        check_input(&g, 1, (int[]){4 * LH}, -0.5, 0.5), check_input(&g, 2, (int[]){LB, LI}, -1, 1),
        check_input(&g, 2, (int[]){LB, LH}, -1, 1), check_input(&g, 2, (int[]){LB, LH}, -1, 1)};
    const char *names[6] = {"W_x", "W_h", "b", "x", "h", "c"};
    for (int k = 0; k < 6; k++) tg_name(p[k], names[k]);
    tg_gradcheck_result res[6];
    bool ok = false;
    double right = 1, wrong = 1.05;
    CHECK(tg_gradcheck(lstm_cell, &right, p, 6, NULL, res, &ok) == TG_OK && ok, "the right cell passes");
    if (!ok) tg_gradcheck_print(stdout, res, 6);
    CHECK(tg_gradcheck(lstm_cell, &wrong, p, 6, NULL, res, &ok) == TG_OK && !ok, "5 %% wrong tanh fails");
    int failed = 0;
    for (int k = 0; k < 6; k++) failed += res[k].verdict == TG_CHECK_FAILED;
    CHECK(failed >= 1, "some parameter FAILED");
    printf("LSTM cell, candidate tanh derivative 5 %% wrong (%s):\n", TG_REAL_NAME);
    tg_gradcheck_print(stdout, res, 6);
    tg_locate_result loc;
    CHECK(tg_gradcheck_locate(stdout, lstm_cell, &wrong, p, 6, NULL, &loc) == TG_OK && loc.found &&
              strcmp(loc.op, "wrong_tanh") == 0, "locate names wrong_tanh, got %s", loc.op);
    CHECK(tg_gradcheck_locate(NULL, lstm_cell, &right, p, 6, NULL, &loc) == TG_OK && !loc.found &&
              loc.n_checked > 10, "locate finds nothing in the right cell (%zu nodes)", loc.n_checked);
    for (int k = 0; k < 6; k++) tg_tensor_free(p[k]);
}

/* ---- tg_opcheck ---- */
static void opcheck(void) {
    tg_opcheck_report rep;
    tg_op_args a = {.f = {1.25}};
    tg_opcheck_opts o = {.args = &a, .seed = 7};
    tg_opcheck_input x = {2, {3, 4}, -1.5, 1.5};
    CHECK(tg_opcheck(stdout, &wo_tanh, &x, 1, &o, &rep) == TG_OK && rep.verdict == TG_CHECK_FAILED &&
              rep.first[0].verdict == TG_CHECK_FAILED, "opcheck fails the 25 %% wrong tanh");
    a.f[0] = 1;
    CHECK(tg_opcheck(NULL, &wo_tanh, &x, 1, &o, &rep) == TG_OK && rep.verdict == TG_CHECK_PASSED,
          "opcheck passes the right tanh: %s", tg_verdict_name(rep.verdict));
    CHECK(!rep.second_order_checked, "an op without a graph form: second order not checked");
    /* a built-in op from the table, and its shape rule given (3,4) x (5,2) */
    size_t n;
    const tg_op_info *tab = tg_op_table(&n);
    const tg_op *mm = NULL;
    for (size_t i = 0; i < n; i++)
        if (strcmp(tab[i].op->name, "tg_matmul") == 0) mm = tab[i].op;
    tg_opcheck_input ab[2] = {{2, {3, 4}, 0, 0}, {2, {4, 2}, 0, 0}};
    tg_opcheck_input bad[2] = {{2, {3, 4}, 0, 0}, {2, {5, 2}, 0, 0}};
    tg_opcheck_opts mo = {.wrong = bad, .n_wrong = 1};
    CHECK(mm && tg_opcheck(stdout, mm, ab, 2, &mo, &rep) == TG_OK && rep.verdict == TG_CHECK_PASSED &&
              rep.n_wrong_rejected == 1 && strstr(rep.wrong_message, "tg_matmul: inner dimensions differ"),
          "opcheck of tg_matmul: %s, %s", tg_verdict_name(rep.verdict), rep.wrong_message);
    /* tg_matmul has a graph form: its second order is checked too (and a product's
     * Hessian-vector product is exact, so it passes); wo_tanh has none */
    CHECK(rep.second_order_checked && rep.second[0].verdict == TG_CHECK_PASSED &&
              rep.second[1].verdict == TG_CHECK_PASSED,
          "opcheck of tg_matmul checks its second order: %d, %s %s", rep.second_order_checked,
          tg_verdict_name(rep.second[0].verdict), tg_verdict_name(rep.second[1].verdict));
    /* a shape rule that accepts what it should not: the fan-out op takes any shape,
     * so "wrong" shapes for it are accepted and reported */
    tg_opcheck_input any[1] = {{1, {5}, 0, 0}};
    tg_opcheck_opts ao = {.wrong = any, .n_wrong = 1};
    CHECK(tg_opcheck(NULL, &wo_tanh, &x, 1, &ao, &rep) == TG_OK && rep.verdict == TG_CHECK_FAILED &&
              rep.n_wrong_rejected == 0 && strstr(rep.wrong_message, "accepted"), "accepted shape: %s",
          rep.wrong_message);
    CHECK(tg_opcheck(NULL, NULL, &x, 1, NULL, &rep) == TG_ERR_ARG, "NULL op");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_opcheck: op is NULL");
    CHECK(tg_opcheck(NULL, &wo_tanh, &x, 2, NULL, &rep) == TG_ERR_ARG, "n_in");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_opcheck: the op takes a different number of inputs");
}

/* ---- vacuity: at a trained optimum the check cannot fail ----
 * L = mean((x W - y)^2) with y = x W*, W = W* + 1e-8: gradients ~1e-8. */
static tg_tensor *regress(tg_tape *t, tg_tensor *const *p, int n, void *user) {
    (void)n;
    tg_tensor *const *d = user;
    return tg_mse_loss(t, tg_matmul(t, d[0], p[0]), d[1]);
}

static void vacuity(void) {
    tg_rng g;
    tg_rng_seed(&g, 8);
    tg_tensor *W = tg_name(check_input(&g, 2, (int[]){3, 2}, -1, 1), "W");
    tg_tensor *x = tg_tensor_new(2, (int[]){5, 3}, 0), *y = tg_tensor_new(2, (int[]){5, 2}, 0);
    tg_tensor_uniform(x, &g, -1, 1);
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 2; j++) {
            double s = 0;
            for (int k = 0; k < 3; k++) s += (double)x->data[i * 3 + k] * W->data[k * 2 + j];
            y->data[i * 2 + j] = (tg_real)s;
        }
    for (size_t i = 0; i < W->size; i++) W->data[i] += (tg_real)(TG_REAL_IS_DOUBLE ? 1e-8 : 1e-6);
    tg_tensor *d[2] = {x, y};
    tg_gradcheck_result r;
    bool ok = true;
    CHECK(tg_gradcheck(regress, d, &W, 1, NULL, &r, &ok) == TG_OK && !ok && !r.passed &&
              r.verdict == TG_CHECK_INCONCLUSIVE, "at the optimum: %s", tg_verdict_name(r.verdict));
    tg_gradcheck_print(stdout, &r, 1);
    tg_tensor_free(W), tg_tensor_free(x), tg_tensor_free(y);
}

int main(void) {
    corpus();
    lstm();
    opcheck();
    vacuity();
    return check_done();
}
