/* test_tape.c — the tape and the backward sweep: fan-out, accumulation across
 * sweeps, zeroing, no-grad, detach, non-scalar seeds, leaves on the tape, errors. */
#include <limits.h>
#include "check.h"

static tg_tensor *scalar_param(const char *name, tg_real v) {
    tg_tensor *p = tg_param_new(name, 0, NULL);
    p->data[0] = v;
    return p;
}

static void test_fan_out(void) {
    tg_tape *t = tg_tape_new();
    tg_tensor *x = scalar_param("x", 3);
    /* y = x*x: dy/dx = 2x = 6 (x reaches mul twice) */
    CHECK(tg_backward(t, tg_mul(t, x, x), NULL) == TG_OK, "x*x");
    CHECK_NEAR(x->grad[0], 6, 0);
    tg_tensor_zero_grad(x);
    /* y = x*x*x + x: 3x^2 + 1 = 28, x used four times */
    tg_tensor *y = tg_add(t, tg_mul(t, tg_mul(t, x, x), x), x);
    CHECK(tg_backward(t, y, NULL) == TG_OK, "x^3 + x");
    CHECK_NEAR(x->grad[0], 28, 0);
    CHECK_NEAR(tg_item(y), 30, 0);
    /* A second sweep over the same tape accumulates into the leaf, as in PyTorch. */
    CHECK(tg_backward(t, y, NULL) == TG_OK, "second sweep");
    CHECK_NEAR(x->grad[0], 56, 0);
    tg_tensor_zero_grad(x);
    CHECK_NEAR(x->grad[0], 0, 0);
    /* Diamond: u = exp(x); y = u*u + u -> dy/dx = (2u + 1) u */
    tg_tape_reset(t);
    tg_tensor *u = tg_exp(t, x);
    y = tg_add(t, tg_mul(t, u, u), u);
    CHECK(tg_backward(t, y, NULL) == TG_OK, "diamond");
    double e3 = exp(3.0);
    CHECK_NEAR(x->grad[0], (2 * e3 + 1) * e3, 1e-9 * e3 * e3 * (TG_REAL_IS_DOUBLE ? 1 : 1e5));
    /* Accumulation across steps until zeroed (tape reset keeps parameter grads). */
    tg_tensor_zero_grad(x);
    for (int k = 0; k < 3; k++) {
        tg_tape_reset(t);
        CHECK(tg_backward(t, tg_mul_scalar(t, x, 2), NULL) == TG_OK, "accumulate");
    }
    CHECK_NEAR(x->grad[0], 6, 0);
    tg_tensor_free(x);
    tg_tape_free(t);
}

static void test_no_grad_and_detach(void) {
    tg_tape *t = tg_tape_new();
    tg_tensor *x = scalar_param("x", 2);
    CHECK(tg_tape_grad_enabled(t), "enabled by default");
    bool old = tg_tape_set_grad_enabled(t, false);
    CHECK(old, "previous setting returned");
    tg_tensor *y = tg_mul(t, x, x);
    CHECK(y && y->data[0] == 4, "no-grad still computes");
    CHECK(!(y->flags & TG_REQUIRES_GRAD) && tg_tape_node_count(t) == 0, "nothing recorded");
    CHECK(tg_backward(t, y, NULL) == TG_ERR_STATE, "backward of a no-grad value");
    CHECK_ERR(t, TG_ERR_STATE, "tg_backward: y does not require a gradient");
    tg_tape_reset(t);
    tg_tape_set_grad_enabled(t, true);
    /* detach: y = x * detach(x) -> dy/dx = detach(x) = 2 (not 2x = 4) */
    tg_tensor *d = tg_detach(t, x);
    CHECK(d && d->data == x->data && !(d->flags & TG_REQUIRES_GRAD), "detach shares values");
    y = tg_mul(t, x, d);
    CHECK(tg_backward(t, y, NULL) == TG_OK, "backward through detach");
    CHECK_NEAR(x->grad[0], 2, 0);
    CHECK(tg_tape_node_count(t) == 1, "one node recorded, got %zu", tg_tape_node_count(t));
    tg_tensor_free(x);
    tg_tape_free(t);
}

static void test_seed_and_leaves(void) {
    tg_tape *t = tg_tape_new();
    /* A step-tensor input that asks for its gradient. */
    tg_tensor *x = tg_tape_tensor(t, 1, (int[]){3}, (tg_real[]){1, 2, 3}, TG_REQUIRES_GRAD);
    tg_tensor *y = tg_square(t, x);
    tg_tensor *seed = tg_tape_tensor(t, 1, (int[]){3}, (tg_real[]){1, 10, 100}, 0);
    CHECK(tg_backward(t, y, seed) == TG_OK, "seeded sweep");
    CHECK(x->grad && x->grad[0] == 2 && x->grad[1] == 40 && x->grad[2] == 600, "dL/dx = seed * 2x");
    /* Errors of tg_backward. */
    CHECK(tg_backward(t, y, NULL) == TG_ERR_SHAPE, "non-scalar needs a seed");
    CHECK_ERR(t, TG_ERR_SHAPE, "tg_backward: y has shape (3); a seed gradient is needed unless y has one element");
    tg_tape_reset(t);
    x = tg_tape_tensor(t, 1, (int[]){3}, NULL, TG_REQUIRES_GRAD);
    y = tg_square(t, x);
    seed = tg_tape_full(t, 1, (int[]){2}, 1);
    CHECK(tg_backward(t, y, seed) == TG_ERR_SHAPE, "seed shape");
    CHECK_ERR(t, TG_ERR_SHAPE, "tg_backward: seed shape (2) differs from y shape (3)");
    CHECK(tg_backward(t, y, NULL) == TG_ERR_SHAPE, "failed tape refuses");
    CHECK(strstr(tg_last_error(), "tg_backward: the tape has failed earlier") != NULL, "%s", tg_last_error());
    tg_tape_reset(t);
    CHECK(tg_backward(t, NULL, NULL) == TG_ERR_ARG, "NULL y");
    CHECK_ERR(t, TG_ERR_ARG, "tg_backward: argument 1 (y) is NULL");
    CHECK(tg_backward(NULL, NULL, NULL) == TG_ERR_ARG, "NULL tape");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_backward: tape is NULL");
    /* A tensor of another tape. */
    tg_tape_reset(t);
    tg_tape *t2 = tg_tape_new();
    tg_tensor *z = tg_tape_full(t2, 1, (int[]){1}, 1);
    CHECK(tg_exp(t, z) == NULL, "other tape");
    CHECK_ERR(t, TG_ERR_STATE, "tg_exp: argument 1 belongs to another tape");
    tg_tape_free(t2);
    tg_tape_free(t);
}

static void test_tape_tensors(void) {
    tg_tape *t = tg_tape_new();
    CHECK(tg_tape_tensor(t, 2, (int[]){2, 0}, NULL, 0) == NULL, "zero dim");
    CHECK_ERR(t, TG_ERR_SHAPE, "tg_tape_tensor: dimension 1 is 0 (must be >= 1)");
    tg_tape_reset(t);
    CHECK(tg_tape_status(t) == TG_OK && tg_tape_message(t)[0] == 0, "reset clears the error");
    CHECK(tg_tape_tensor(t, 9, (int[]){1, 1, 1, 1, 1, 1, 1, 1, 1}, NULL, 0) == NULL, "rank 9");
    CHECK_ERR(t, TG_ERR_SHAPE, "tg_tape_tensor: rank 9 is outside 0..8");
    tg_tape_reset(t);
    /* 2^60 elements: a valid count, but no machine has the memory. */
    CHECK(tg_tape_tensor(t, 2, (int[]){1 << 30, 1 << 30}, NULL, 0) == NULL, "huge");
    CHECK_ERR(t, TG_ERR_NOMEM, "tg_tape_tensor: out of memory for a tensor of shape (1073741824,1073741824)");
    tg_tape_reset(t);
    CHECK(tg_tape_tensor(t, 4, (int[]){1 << 30, 1 << 30, 1 << 30, 1 << 30}, NULL, 0) == NULL, "overflow");
    CHECK_ERR(t, TG_ERR_SHAPE, "tg_tape_tensor: element count of (1073741824,1073741824,1073741824,1073741824) overflows size_t");
    tg_tape_reset(t);
    CHECK(tg_detach(t, NULL) == NULL, "detach NULL");
    CHECK_ERR(t, TG_ERR_ARG, "tg_detach: argument 1 (x) is NULL");
    tg_tape_free(NULL); /* allowed */
    tg_tape_reset(NULL);
    CHECK(tg_tape_status(NULL) == TG_ERR_ARG, "NULL tape status");
    tg_tape_free(t);
}

/* A deep chain (100,000 nodes) must not overflow the stack: the sweep is a loop. */
static void test_deep_chain(void) {
    tg_tape *t = tg_tape_new();
    tg_tensor *x = scalar_param("x", (tg_real)0.5);
    tg_tensor *y = x;
    for (int i = 0; i < 100000; i++) y = tg_mul_scalar(t, y, 1);
    CHECK(tg_backward(t, y, NULL) == TG_OK && x->grad[0] == 1, "deep chain");
    CHECK(tg_tape_node_count(t) == 100000, "node count %zu", tg_tape_node_count(t));
    tg_tensor_free(x);
    tg_tape_free(t);
}

/* Anomaly detection: the first op whose output or gradient is not finite. */
static void test_anomaly(void) {
    tg_tape *t = tg_tape_new();
    tg_tensor *x = tg_param_new("x", 1, (int[]){3});
    tg_tensor_copy_from(x, (tg_real[]){0, 1, 2}, 3);
    /* Off: log(0) = -inf flows on silently. */
    tg_tensor *y = tg_log(t, x);
    CHECK(y && isinf((double)y->data[0]), "log(0) = -inf without detection");
    tg_tape_set_anomaly_detection(t, true);
    tg_tensor *z = tg_exp(t, x); /* fine */
    CHECK(z != NULL, "finite op passes");
    CHECK(tg_log(t, x) == NULL, "log(0) detected");
    CHECK_ERR(t, TG_ERR_VALUE, "tg_log: anomaly in forward at node 2: output[0] = -inf; input 1 (3) = [0, 1, 2]");
    /* Division by zero. */
    tg_tape_reset(t);
    tg_tensor *d = tg_tape_tensor(t, 1, (int[]){3}, (tg_real[]){1, 0, 2}, 0);
    CHECK(tg_div(t, x, d) == NULL, "x / 0 detected");
    CHECK_ERR(t, TG_ERR_VALUE, "tg_div: anomaly in forward at node 0: output[1] = inf; input 1 (3) = [0, 1, 2]; input 2 (3) = [1, 0, 2]");
    /* Backward: sqrt at 0 is finite (0) forward but its gradient 1/(2*0) is not. */
    tg_tape_reset(t);
    tg_tensor *s = tg_sum(t, tg_sqrt(t, x));
    CHECK(s != NULL, "sqrt(0) is finite");
    CHECK(tg_backward(t, s, NULL) == TG_ERR_VALUE, "backward anomaly");
    CHECK_ERR(t, TG_ERR_VALUE, "tg_sqrt: anomaly in backward at node 0: gradient of input 1[0] = inf");
    tg_tensor_free(x);
    tg_tape_free(t);
}

/* The trace reports exactly what each node added to each input's gradient. */
typedef struct { int calls; double contrib[8]; const char *ops[8]; int input[8]; } trace_log;
static void record(const tg_node *n, int input, const tg_real *contrib, void *user) {
    trace_log *l = user;
    if (l->calls < 8) {
        l->contrib[l->calls] = (double)contrib[0];
        l->ops[l->calls] = n->op->name;
        l->input[l->calls] = input;
    }
    l->calls++;
}

static void test_trace(void) {
    tg_tape *t = tg_tape_new();
    tg_tensor *w = scalar_param("w", (tg_real)0.5);
    tg_tensor *x = tg_tape_full(t, 0, NULL, 2);
    /* L = sigmoid(w x): upstream 1, dL/d(wx) = s(1-s), dL/dw = s(1-s) x */
    tg_tensor *L = tg_sigmoid(t, tg_mul(t, w, x));
    trace_log log = {0};
    tg_tape_set_trace(t, record, &log);
    CHECK(tg_backward(t, L, NULL) == TG_OK, "traced backward");
    double s = 1 / (1 + exp(-1.0));
    CHECK(log.calls == 2, "two contributions (sigmoid -> mul, mul -> w), got %d", log.calls);
    CHECK(strcmp(log.ops[0], "tg_sigmoid") == 0 && strcmp(log.ops[1], "tg_mul") == 0, "reverse order");
    CHECK_NEAR(log.contrib[0], s * (1 - s), 1e-6);
    CHECK_NEAR(log.contrib[1], s * (1 - s) * 2, 1e-6);
    CHECK(log.input[1] == 0, "w is input 0 of mul");
    /* x * x: one call carrying both halves. */
    tg_tape_reset(t);
    log.calls = 0;
    tg_tensor *y = tg_mul(t, w, w);
    CHECK(tg_backward(t, y, NULL) == TG_OK && log.calls == 1, "repeated input traced once");
    CHECK_NEAR(log.contrib[0], 1.0, 1e-6); /* 2w = 1 */
    tg_tensor_free(w);
    tg_tape_free(t);
}

/* A custom op y = 3x (its backward is never needed here). */
static tg_status triple_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    for (size_t i = 0; i < n->out->size; i++) n->out->data[i] = 3 * n->in[0]->data[i];
    return TG_OK;
}
/* An op whose shape rule asks for more elements than size_t can count. */
static tg_status huge_infer(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    (void)t, (void)n;
    *rank = 3;
    shape[0] = shape[1] = INT_MAX;
    shape[2] = 8;
    return TG_OK;
}
static const tg_op huge_op = {"my_huge", 1, 0, huge_infer, triple_fwd, NULL, NULL};

/* An op's shape rule whose element count overflows is refused by tg_apply. */
static void test_overflowing_op(void) {
    tg_tape *t = tg_tape_new();
    tg_tensor *x = tg_tape_full(t, 1, (int[]){2}, 1);
    CHECK(tg_apply(t, &huge_op, &x, 1, NULL) == NULL, "overflowing op");
    CHECK_ERR(t, TG_ERR_SHAPE, "my_huge: element count of (2147483647,2147483647,8) overflows size_t");
    tg_tape_free(t);
}

int main(void) {
    test_anomaly();
    test_trace();
    test_fan_out();
    test_no_grad_and_detach();
    test_seed_and_leaves();
    test_tape_tensors();
    test_deep_chain();
    test_overflowing_op();
    return check_done();
}
