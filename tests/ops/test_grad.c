/* test_grad.c — tg_grad and tg_hvp semantics:
 *   - tg_grad never touches ->grad, gives constants or recorded tensors, checks
 *     unused xs, matches tg_backward bit for bit, works on intermediate xs;
 *   - a custom op without a graph form: first order works, create-graph fails
 *     naming it; with one, second order works;
 *   - recorded nodes are named "backward of <op> (node k)" and anomaly detection
 *     sees them;
 *   - tg_hvp (one sweep from every g_j seeded with v_j, products it never reads left
 *     uncomputed) equals tg_grad of sum_j sum(g_j * v_j) written out, with and
 *     without create-graph, on graphs where a weight is used once or twice, through
 *     batched products, with a step leaf among the xs; the v_j are not changed, and
 *     a tg_backward over the same tape afterwards leaves them alone. */
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
    z = tg_sum(t, tg_sigmoid(t, x));
    tg_grad(t, z, NULL, &x, 1, TG_GRAD_CREATE_GRAPH, &g);
    tg_tape_set_trace(t, count_cb, NULL);
    CHECK(tg_backward(t, tg_sum(t, g), NULL) == TG_OK, "backward over recorded nodes");
    tg_tape_set_trace(t, NULL, NULL);
    CHECK(traced_backward_of >= 3, "the trace reports the recorded nodes (%d)", traced_backward_of);
    tg_tensor_free(x);
    tg_tape_free(t);
}

/* A custom op y = 2 x, x (3,3), whose graph form puts a product inside other ops
 * that read it: 2 (g I)^2 / g (tg_hvp must compute that product after all). */
static tg_status twice_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    for (size_t i = 0; i < n->out->size; i++) n->out->data[i] = 2 * n->in[0]->data[i];
    return TG_OK;
}
static void twice_bwd(tg_node *n) {
    if (n->in[0]->grad)
        for (size_t i = 0; i < n->out->size; i++) n->in[0]->grad[i] += 2 * n->out->grad[i];
}
static tg_status twice_graph(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    (void)n;
    tg_tensor *eye = tg_tape_tensor(t, 2, (int[]){3, 3}, (tg_real[]){1, 0, 0, 0, 1, 0, 0, 0, 1}, 0);
    dx[0] = tg_mul_scalar(t, tg_div(t, tg_square(t, tg_matmul_t(t, g, eye, false, false)), g), 2);
    return tg_tape_status(t);
}
static const tg_op twice_op = {.name = "my_twice", .n_in = 1, .infer = cube_infer, .forward = twice_fwd,
                               .backward = twice_bwd, .backward_graph = twice_graph};

/* The graphs of the tg_hvp check: params p[0..3] (W (3,3), b (3), A (2,3), x (4,3) a
 * step leaf) and a constant input batch. */
static tg_tensor *hvp_case(tg_tape *t, int k, tg_tensor *const *p, tg_tensor *in3) {
    tg_tensor *W = p[0], *b = p[1], *A = p[2], *x = p[3];
    switch (k) {
    case 0: /* W used once: its gradient is a product nothing reads */
        return tg_sum(t, tg_square(t, tg_tanh(t, tg_add(t, tg_matmul(t, x, W), b))));
    case 1: /* W used twice */
        return tg_sum(t, tg_square(t, tg_matmul(t, tg_tanh(t, tg_matmul(t, x, W)), W)));
    case 2: /* a batch (2,4,3) times W: the graph form reshapes around the product */
        return tg_sum(t, tg_square(t, tg_tanh(t, tg_matmul(t, tg_mul(t, in3, in3), W))));
    case 3: /* A shared by a batch of right operands: its gradient is summed */
        return tg_sum(t, tg_square(t, tg_tanh(t, tg_matmul_t(t, A, tg_add(t, in3, b), false, true))));
    default: /* a graph form whose product other recorded ops read */
        return tg_sum(t, tg_tanh(t, tg_square(t, tg_tanh(t, tg_apply(t, &twice_op, &W, 1, NULL)))));
    }
}

static void hvp_composition(void) {
    tg_rng g;
    tg_rng_seed(&g, 5);
    int shapes[4][2] = {{3, 3}, {3, 0}, {2, 3}, {4, 3}};
    tg_tensor *p[4], *v[4], *hv[4], *ref[4], *gr[4];
    for (int k = 0; k < 4; k++) {
        p[k] = tg_param_new("p", shapes[k][1] ? 2 : 1, shapes[k][1] ? shapes[k] : (int[]){3});
        v[k] = tg_tensor_new(p[k]->rank, p[k]->shape, 0);
        tg_tensor_uniform(p[k], &g, -1, 1);
        tg_tensor_uniform(v[k], &g, -1, 1);
    }
    tg_tensor *in3 = tg_tensor_new(3, (int[]){2, 4, 3}, 0), *keep = tg_tensor_new(1, (int[]){9}, 0);
    tg_tensor_uniform(in3, &g, -1, 1);
    tg_tape *t = tg_tape_new();
    for (int c = 0; c < 10; c++) {
        unsigned fl = c & 1 ? TG_GRAD_CREATE_GRAPH : 0;
        tg_tape_reset(t);
        tg_tensor *ps[4] = {p[0], p[1], p[2], tg_tape_tensor(t, 2, shapes[3], p[3]->data, TG_REQUIRES_GRAD)};
        tg_tensor_copy_from(keep, v[0]->data, 9);
        tg_status st = tg_hvp(t, hvp_case(t, c / 2, ps, in3), ps, v, 4, fl | TG_GRAD_ALLOW_UNUSED, hv);
        CHECK(st == TG_OK, "case %d: tg_hvp: %s", c, tg_tape_message(t));
        CHECK(memcmp(keep->data, v[0]->data, 9 * sizeof(tg_real)) == 0, "case %d: v unchanged", c);
        tg_tensor *y = hvp_case(t, c / 2, ps, in3), *s = NULL;
        tg_grad(t, y, NULL, ps, 4, TG_GRAD_CREATE_GRAPH | TG_GRAD_ALLOW_UNUSED, gr);
        for (int k = 0; k < 4; k++) {
            tg_tensor *term = tg_sum(t, tg_mul(t, gr[k], v[k]));
            s = s ? tg_add(t, s, term) : term;
        }
        st = tg_grad(t, s, NULL, ps, 4, fl | TG_GRAD_ALLOW_UNUSED, ref);
        CHECK(st == TG_OK, "case %d: the composition: %s", c, tg_tape_message(t));
        double worst = 0, big = 0;
        for (int k = 0; st == TG_OK && k < 4; k++)
            for (size_t i = 0; i < ref[k]->size; i++) {
                double d = fabs((double)hv[k]->data[i] - ref[k]->data[i]);
                worst = d <= worst ? worst : d == d ? d : INFINITY; /* a NaN fails */
                big = fmax(big, fabs((double)ref[k]->data[i]));
            }
        CHECK(big > 0 && worst <= 1e-5 * big, "case %d: tg_hvp vs the composition: %.3g of %.3g", c, worst, big);
        if (fl) { /* the products are differentiable again, and backward leaves v alone */
            tg_tensor *h = hv[0]->flags & TG_REQUIRES_GRAD ? hv[0] : hv[2];
            CHECK(tg_backward(t, tg_sum(t, tg_square(t, h)), NULL) == TG_OK, "case %d: backward: %s", c,
                  tg_tape_message(t));
            CHECK(memcmp(keep->data, v[0]->data, 9 * sizeof(tg_real)) == 0, "case %d: v still unchanged", c);
        }
    }
    for (int k = 0; k < 4; k++) tg_tensor_free(p[k]), tg_tensor_free(v[k]);
    tg_tensor_free(in3), tg_tensor_free(keep);
    tg_tape_free(t);
}

int main(void) {
    grad_semantics();
    hvp_composition();
    custom_ops();
    watching();
    return check_done();
}
