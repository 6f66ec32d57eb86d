/* test_reduce.c — sum, mean, sum_axis, mean_axis, max_axis. */
#include "check.h"

typedef struct { int which, axis; bool keep; } red;
static tg_tensor *build_red(tg_tape *t, tg_tensor *const *in, void *user) {
    const red *r = user;
    switch (r->which) {
    case 0: return tg_sum(t, in[0]);
    case 1: return tg_mean(t, in[0]);
    case 2: return tg_sum_axis(t, in[0], r->axis, r->keep);
    case 3: return tg_mean_axis(t, in[0], r->axis, r->keep);
    default: return tg_max_axis(t, in[0], r->axis, r->keep);
    }
}

static void test_forward(void) {
    tg_tape *t = tg_tape_new();
    tg_tensor *x = tg_tape_tensor(t, 2, (int[]){2, 3}, (tg_real[]){1, 5, 3, 4, 2, 6}, 0);
    CHECK_NEAR(tg_item(tg_sum(t, x)), 21, 0);
    CHECK_NEAR(tg_item(tg_mean(t, x)), 3.5, 0);
    tg_tensor *s0 = tg_sum_axis(t, x, 0, false);
    CHECK(s0->rank == 1 && s0->shape[0] == 3, "sum_axis 0 shape");
    CHECK(s0->data[0] == 5 && s0->data[1] == 7 && s0->data[2] == 9, "sum_axis 0 values");
    tg_tensor *s1 = tg_sum_axis(t, x, -1, true);
    CHECK(s1->rank == 2 && s1->shape[0] == 2 && s1->shape[1] == 1, "keepdim shape");
    CHECK(s1->data[0] == 9 && s1->data[1] == 12, "sum_axis -1 values");
    tg_tensor *m1 = tg_mean_axis(t, x, 1, false);
    CHECK_NEAR(m1->data[0], 3, 1e-6);
    CHECK_NEAR(m1->data[1], 4, 1e-6);
    tg_tensor *mx = tg_max_axis(t, x, 1, false);
    CHECK(mx->data[0] == 5 && mx->data[1] == 6, "max values");
    /* The gradient of max goes to the first arg-max only. */
    tg_tensor *p = tg_param_new("p", 1, (int[]){4});
    tg_tensor_copy_from(p, (tg_real[]){1, 7, 7, 2}, 4);
    tg_tensor *l = tg_max_axis(t, p, 0, false);
    CHECK(tg_backward(t, l, NULL) == TG_OK, "backward max");
    CHECK(p->grad[0] == 0 && p->grad[1] == 1 && p->grad[2] == 0 && p->grad[3] == 0, "argmax gradient");
    CHECK(tg_tape_status(t) == TG_OK, "%s", tg_tape_message(t));
    tg_tensor_free(p);
    tg_tape_free(t);
}

static void test_gradients(void) {
    static const int sh[][3] = {{1, 1, 1}, {5, 1, 1}, {3, 4, 1}, {2, 3, 4}};
    static const int rk[] = {1, 1, 2, 3};
    tg_rng g;
    tg_rng_seed(&g, 5);
    for (int s = 0; s < 4; s++) {
        for (int which = 0; which < 5; which++) {
            int naxes = which < 2 ? 1 : rk[s];
            for (int ax = 0; ax < naxes; ax++)
                for (int keep = 0; keep < 2; keep++) {
                    red r = {which, ax, keep};
                    /* Distinct values so max has a unique arg-max (no kink). */
                    tg_tensor *x = check_input(&g, rk[s], sh[s], -2, 2);
                    for (size_t i = 0; i < x->size; i++) x->data[i] += (tg_real)(0.05 * i);
                    char label[64];
                    snprintf(label, sizeof label, "reduce %d shape %d axis %d keep %d", which, s, ax, keep);
                    check_op_grad(label, build_red, &r, &x, 1);
                    tg_tensor_free(x);
                }
        }
    }
}

static void test_errors(void) {
    tg_tape *t = tg_tape_new();
    tg_tensor *x = tg_tape_full(t, 2, (int[]){2, 3}, 1);
    CHECK(tg_sum_axis(t, x, 2, false) == NULL, "axis 2");
    CHECK_ERR(t, TG_ERR_RANGE, "tg_sum_axis: axis 2 is outside -2..1 for shape (2,3)");
    tg_tape_reset(t);
    x = tg_tape_full(t, 2, (int[]){2, 3}, 1);
    CHECK(tg_max_axis(t, x, -3, true) == NULL, "axis -3");
    CHECK_ERR(t, TG_ERR_RANGE, "tg_max_axis: axis -3 is outside -2..1 for shape (2,3)");
    tg_tape_reset(t);
    x = tg_tape_full(t, 0, NULL, 1);
    CHECK(tg_mean_axis(t, x, 0, false) == NULL, "rank 0");
    CHECK_ERR(t, TG_ERR_RANGE, "tg_mean_axis: axis 0 is outside -0..-1 for shape ()");
    CHECK(tg_sum(t, x) == NULL, "sticky");
    tg_tape_reset(t);
    CHECK(tg_mean(t, NULL) == NULL, "NULL");
    CHECK_ERR(t, TG_ERR_ARG, "tg_mean: argument 1 is NULL");
    tg_tape_free(t);
}

int main(void) {
    test_forward();
    test_gradients();
    test_errors();
    return check_done();
}
