/* test_grad.c — tg_grad and tg_hvp semantics:
 *   - tg_grad never touches ->grad, gives constants or recorded tensors, checks
 *     unused xs, matches tg_backward bit for bit, works on intermediate xs;
 *   - a custom op without a graph form: first order works, create-graph fails
 *     naming it; with one, second order works;
 *   - recorded nodes are named "backward of <op> (node k)" and anomaly detection
 *     sees them. */
#include "check.h"

static tg_tensor *P(const char *name, int n, const tg_real *v) {
    tg_tensor *p = tg_param_new(name, 1, (int[]){n});
    tg_tensor_copy_from(p, v, (size_t)n);
    return p;
}

/* y = x1^3 x2 + sin-free: d/dx1 = 3 x1^2 x2, d/dx2 = x1^3; second: d2/dx1^2 = 6 x1 x2 */
static void grad_semantics(void) {
    tg_tensor *a = P("a", 1, (tg_real[]){1.5}), *b = P("b", 1, (tg_real[]){-2});
    tg_tensor *c = P("c", 1, (tg_real[]){4});
    tg_tape *t = tg_tape_new();
    tg_tensor *y = tg_sum(t, tg_mul(t, tg_pow_scalar(t, a, 3), b));
    tg_tensor *g[3];
    CHECK(tg_grad(t, y, NULL, (tg_tensor *[]){a, b}, 2, 0, g) == TG_OK, "tg_grad ran: %s", tg_tape_message(t));
    CHECK_NEAR(g[0]->data[0], 3 * 1.5 * 1.5 * -2, 1e-5);
    CHECK_NEAR(g[1]->data[0], 1.5 * 1.5 * 1.5, 1e-5);
    CHECK(a->grad[0] == 0 && b->grad[0] == 0, "leaves' ->grad untouched");
    CHECK(!(g[0]->flags & TG_REQUIRES_GRAD), "without create-graph the result is a constant");
    CHECK(tg_grad(t, y, NULL, (tg_tensor *[]){a, c}, 2, 0, g) == TG_ERR_ARG, "c does not reach y");
    CHECK(g[0] == NULL && g[1] == NULL, "out[] are NULL on error");
    tg_tape_reset(t);
    y = tg_sum(t, tg_mul(t, tg_pow_scalar(t, a, 3), b));
    CHECK(tg_grad(t, y, NULL, (tg_tensor *[]){a, c}, 2, TG_GRAD_ALLOW_UNUSED, g) == TG_OK, "allow unused");
    CHECK(g[1]->data[0] == 0 && g[1]->rank == 1, "unused x: zeros of its shape");
    CHECK(tg_grad(t, y, NULL, (tg_tensor *[]){a, b}, 2, TG_GRAD_CREATE_GRAPH, g) == TG_OK, "create graph");
    CHECK((g[0]->flags & TG_REQUIRES_GRAD) && g[0]->node, "create-graph gradients are on the tape");
    CHECK(strstr(g[0]->name, "backward of tg_") == g[0]->name, "recorded nodes are named: '%s'", g[0]->name);
    tg_tensor *h[2];
    CHECK(tg_grad(t, tg_sum(t, g[0]), NULL, (tg_tensor *[]){a, b}, 2, 0, h) == TG_OK, "second order");
    CHECK_NEAR(h[0]->data[0], 6 * 1.5 * -2, 1e-5);
    CHECK_NEAR(h[1]->data[0], 3 * 1.5 * 1.5, 1e-5);
    CHECK(a->grad[0] == 0 && b->grad[0] == 0, "still untouched");
    /* tg_backward through a recorded gradient: d/da of (dy/da)^2 accumulates into a */
    tg_tensor *pen = tg_sum(t, tg_square(t, g[0]));
    CHECK(tg_backward(t, pen, NULL) == TG_OK, "backward through the recorded sweep");
    /* pen = (3 a^2 b)^2 = 9 a^4 b^2: d/da = 36 a^3 b^2 */
    CHECK_NEAR(a->grad[0], 36 * 1.5 * 1.5 * 1.5 * 4, 1e-4);

    /* bit-equal with tg_backward, on an intermediate x too */
    tg_tape_reset(t);
    tg_tensor_zero_grad(a);
    tg_tensor_zero_grad(b);
    tg_tensor *mid = tg_tanh(t, tg_mul(t, a, b));
    y = tg_sum(t, tg_mul(t, mid, mid));
    CHECK(tg_grad(t, y, NULL, (tg_tensor *[]){a, mid}, 2, 0, g) == TG_OK, "grad of an intermediate");
    tg_real gm = g[1]->data[0];
    tg_backward(t, y, NULL);
    CHECK(memcmp(g[0]->data, a->grad, sizeof(tg_real)) == 0, "tg_grad == tg_backward bit for bit");
    CHECK(memcmp(&gm, mid->grad, sizeof gm) == 0 && fabs(gm - 2 * mid->data[0]) < 1e-6, "dy/dmid = 2 mid");
    tg_tensor_free(a);
    tg_tensor_free(b);
    tg_tensor_free(c);
    tg_tape_free(t);
}

/* A custom op, y = x^3, with both forms of its derivative (the graph form is written
 * with ops: 3 x^2 g) and one without. */
static tg_status cube_infer(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    (void)t;
    *rank = n->in[0]->rank;
    for (int i = 0; i < *rank; i++) shape[i] = n->in[0]->shape[i];
    return TG_OK;
}
static tg_status cube_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    for (size_t i = 0; i < n->out->size; i++) n->out->data[i] = n->in[0]->data[i] * n->in[0]->data[i] * n->in[0]->data[i];
    return TG_OK;
}
static void cube_bwd(tg_node *n) {
    if (n->in[0]->grad)
        for (size_t i = 0; i < n->out->size; i++)
            n->in[0]->grad[i] += 3 * n->in[0]->data[i] * n->in[0]->data[i] * n->out->grad[i];
}
static tg_status cube_graph(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    dx[0] = tg_mul(t, tg_mul_scalar(t, tg_square(t, n->in[0]), 3), g);
    return tg_tape_status(t);
}
static const tg_op cube_op = {.name = "my_cube", .n_in = 1, .infer = cube_infer, .forward = cube_fwd,
                              .backward = cube_bwd, .backward_graph = cube_graph};
static const tg_op cube_plain = {.name = "my_op", .n_in = 1, .infer = cube_infer, .forward = cube_fwd,
                                 .backward = cube_bwd};

static void custom_ops(void) {
    tg_tensor *x = P("x", 1, (tg_real[]){2});
    tg_tape *t = tg_tape_new();
    tg_tensor *g, *h;
    tg_tensor *y = tg_sum(t, tg_apply(t, &cube_op, &x, 1, NULL));
    CHECK(tg_grad(t, y, NULL, &x, 1, TG_GRAD_CREATE_GRAPH, &g) == TG_OK, "custom op, create graph");
    CHECK(tg_grad(t, g, NULL, &x, 1, 0, &h) == TG_OK && fabs(h->data[0] - 12) < 1e-5,
          "d2/dx2 x^3 = 6x = 12, got %g", (double)h->data[0]);
    tg_tape_reset(t);
    tg_tensor *pre = tg_mul_scalar(t, x, 1);
    pre = tg_mul_scalar(t, pre, 1);
    y = tg_sum(t, tg_apply(t, &cube_plain, &pre, 1, NULL));
    CHECK(tg_grad(t, y, NULL, &x, 1, 0, &g) == TG_OK && fabs(g->data[0] - 12) < 1e-5,
          "first order through an op without a graph form");
    CHECK(tg_grad(t, y, NULL, &x, 1, TG_GRAD_CREATE_GRAPH, &g) == TG_ERR_STATE, "create-graph refused");
    CHECK_ERR(t, TG_ERR_STATE, "tg_grad: op 'my_op' (node 2) has no recordable derivative; give it one to take gradients of its gradient");
    CHECK(x->grad[0] == 0, "nothing written");
    tg_tensor_free(x);
    tg_tape_free(t);
}

/* Anomaly detection and the trace see the recorded sweep's nodes. */
static int traced_backward_of;
static void count_cb(const tg_node *n, int i, const tg_real *c, void *u) {
    (void)i, (void)c, (void)u;
    if (strncmp(n->out->name, "backward of ", 12) == 0) traced_backward_of++;
}
static void watching(void) {
    tg_tensor *x = P("x", 1, (tg_real[]){0});
    tg_tape *t = tg_tape_new();
    tg_tensor *g;
    /* d/dx sqrt(x^2 + 0) at 0 records g / (2 sqrt(...)) = 1/0: inf in a recorded node */
    tg_tensor *y = tg_sum(t, tg_sqrt(t, tg_add_scalar(t, tg_square(t, x), 1e-30)));
    tg_tape_set_anomaly_detection(t, true);
    tg_tensor *z = tg_sum(t, tg_sqrt(t, tg_square(t, x)));
    (void)y;
    CHECK(tg_grad(t, z, NULL, &x, 1, TG_GRAD_CREATE_GRAPH, &g) == TG_ERR_VALUE, "anomaly in a recorded node");
    CHECK_ERR(t, TG_ERR_VALUE, "tg_div: anomaly in forward");
    tg_tape_set_anomaly_detection(t, false);
    tg_tape_reset(t);
    x->data[0] = (tg_real)0.7;
    z = tg_sum(t, tg_tanh(t, x));
    tg_grad(t, z, NULL, &x, 1, TG_GRAD_CREATE_GRAPH, &g);
    tg_tape_set_trace(t, count_cb, NULL);
    CHECK(tg_backward(t, tg_sum(t, g), NULL) == TG_OK, "backward over recorded nodes");
    tg_tape_set_trace(t, NULL, NULL);
    CHECK(traced_backward_of >= 3, "the trace reports the recorded nodes (%d)", traced_backward_of);
    tg_tensor_free(x);
    tg_tape_free(t);
}

int main(void) {
    grad_semantics();
    custom_ops();
    watching();
    return check_done();
}
