/* test_show.c — seeing the chain rule (tg_show.h): the table, DOT and trace output
 * against golden files (tests/golden/, byte for byte, the same in the float and double
 * builds), the trace's numbers against the sweep's, anomaly reports, hand-vs-tape
 * checks, the Jacobian view, and every error path. Run with --update to rewrite the
 * golden files. */
#include <math.h>
#include "show_check.h"

/* ---- the lecture notes' neuron, with names ---- */

typedef struct neuron { tg_tape *t; tg_tensor *w, *b, *z, *yhat, *L; } neuron;

static neuron neuron_new(void) {
    neuron n = {.t = tg_tape_new()};
    n.w = tg_param_new("w", 0, NULL);
    n.b = tg_param_new("b", 0, NULL);
    n.w->data[0] = (tg_real)0.5;
    tg_tape *t = n.t;
    tg_tensor *x = tg_name(tg_tape_full(t, 0, NULL, 2), "x");
    tg_tensor *y = tg_name(tg_tape_full(t, 0, NULL, 1), "y");
    n.z = tg_name(tg_add(t, tg_mul(t, n.w, x), n.b), "z");
    n.yhat = tg_name(tg_sigmoid(t, n.z), "yhat");
    n.L = tg_name(tg_mul_scalar(t, tg_square(t, tg_sub(t, y, n.yhat)), (tg_real)0.5), "L");
    return n;
}

static void neuron_free(neuron *n) {
    tg_tape_free(n->t);
    tg_tensor_free(n->w);
    tg_tensor_free(n->b);
}

/* The trace hook's callback in the library is the only source of its numbers: this
 * records them independently to compare with the printed text. */
typedef struct contrib_log { double first[16]; int n; } contrib_log;
static void log_contrib(const tg_node *n, int input, const tg_real *c, void *user) {
    (void)n, (void)input;
    contrib_log *l = user;
    if (l->n < 16) l->first[l->n] = (double)c[0];
    l->n++;
}

static void test_neuron_golden(void) {
    neuron n = neuron_new();
    show_buf b;
    show_open(&b);
    CHECK(tg_tape_print(b.f, n.t, n.L, NULL) == TG_OK, "table before backward");
    char *s = show_close(&b);
    CHECK_GOLDEN("neuron_table_forward.txt", s);
    free(s);

    show_open(&b);
    CHECK(tg_backward_trace(b.f, n.t, n.L, NULL, NULL) == TG_OK, "trace: %s", tg_last_error());
    s = show_close(&b);
    CHECK_GOLDEN("neuron_trace.txt", s);
    /* The notes' three factors appear as the trace's lines. */
    CHECK(strstr(s, "dL/dz += dL/dyhat * dyhat/dz = -0.2689 * 0.1966 = -0.05288") != NULL, "%s", s);
    CHECK(strstr(s, "dL/dw += dL/dn0 * dn0/dw = -0.05288 * 2 = -0.1058") != NULL, "%s", s);
    free(s);
    CHECK_NEAR(n.w->grad[0], -0.10575419, 1e-6); /* the sweep really ran */

    show_open(&b);
    tg_tape_print(b.f, n.t, n.L, NULL);
    s = show_close(&b);
    CHECK_GOLDEN("neuron_table.txt", s);
    free(s);
    show_open(&b);
    CHECK(tg_tape_dot(b.f, n.t, n.L, NULL) == TG_OK, "dot");
    s = show_close(&b);
    CHECK_GOLDEN("neuron.dot", s);
    free(s);
    /* Root filtering: from z, only n0 and n1 and their leaves; names stay the same. */
    show_open(&b);
    tg_tape_print(b.f, n.t, n.z, NULL);
    s = show_close(&b);
    CHECK(strstr(s, "n1  z") && !strstr(s, "n2") && !strstr(s, "i1") && strstr(s, "p1  b"), "%s", s);
    free(s);
    /* A leaf as the root prints its one row. */
    show_open(&b);
    tg_tape_print(b.f, n.t, n.b, NULL);
    s = show_close(&b);
    CHECK(strstr(s, "p1  b     param") && !strstr(s, "n0"), "%s", s);
    free(s);
    CHECK(tg_find(n.t, "yhat") == n.yhat && tg_find(n.t, "w") == n.w && tg_find(n.t, "nope") == NULL,
          "tg_find");
    CHECK(tg_find(n.t, "") == NULL && tg_find(NULL, "w") == NULL, "tg_find edge cases");
    CHECK(tg_name(NULL, "x") == NULL, "tg_name passes NULL through");
    /* The hook is gone: a plain sweep runs (and accumulates into the parameters). */
    CHECK(tg_backward(n.t, n.L, NULL) == TG_OK && fabs((double)n.w->grad[0] + 0.2115084) < 1e-6,
          "hook removed afterwards");
    neuron_free(&n);
}

/* ---- a small network: matmul, broadcasting, softmax, a reduction, elision ---- */

static void test_matrix_golden(void) {
    tg_tape *t = tg_tape_new();
    tg_tensor *W = tg_param_new("W", 2, (int[]){3, 2}), *bias = tg_param_new("bias", 1, (int[]){2});
    tg_tensor_copy_from(W, (tg_real[]){0.5, -1, 0.25, 0.5, -0.5, 1}, 6);
    tg_tensor_copy_from(bias, (tg_real[]){0.25, -0.25}, 2);
    /* x (4,3): 12 elements, elided in the printout. */
    tg_tensor *x = tg_tape_tensor(t, 2, (int[]){4, 3},
                                  (tg_real[]){1, 0, -1, 0.5, 2, 0, -1, 1, 1, 0, 0, 0.5}, 0);
    tg_tensor *h = tg_name(tg_tanh(t, tg_add(t, tg_matmul(t, x, W), bias)), "h"); /* (4,2) */
    tg_tensor *p = tg_softmax(t, h);
    tg_tensor *L = tg_name(tg_mean(t, tg_mul(t, p, h)), "L");
    tg_show_opts o = {.precision = 3, .max_elems = 6};
    show_buf b;
    show_open(&b);
    CHECK(tg_backward_trace(b.f, t, L, NULL, &o) == TG_OK, "trace: %s", tg_last_error());
    char *s = show_close(&b);
    CHECK_GOLDEN("matrix_trace.txt", s);
    /* Non-elementwise ops show the upstream on the header and the rule in matrix form,
     * small matrices with their rows on lines. */
    CHECK(strstr(s, "= matmul(i0, W); upstream dL/dn0 (4x2) =\n    [[") != NULL, "%s", s);
    CHECK(strstr(s, "dL/dW (3x2) += i0\u1d40 (3x4) \u00b7 dL/dn0 (4x2) =\n    [[ 0.0605, 0.00881],\n"
                    "     [ 0.0754,   0.065],\n     [-0.0173,  0.0425]]\n") != NULL, "%s", s);
    CHECK(strstr(s, "dL/dbias (2) += sum over rows of dL/dn1 (4x2) = [0.121, 0.108]") != NULL, "%s", s);
    CHECK(strstr(s, "dL/dn4 (4x2) += dL/dL / 8 broadcast to (4x2) =") != NULL, "%s", s);
    CHECK(strstr(s, "dL/dh (4x2) += dL/dn3 . dn3/dh [dx += y (g - sum(g y))] =") != NULL, "%s", s);
    /* h is read twice (softmax and mul): two contributions, both "+=". */
    free(s);
    show_open(&b);
    tg_tape_print(b.f, t, NULL, &o);
    tg_tape_dot(b.f, t, NULL, &o);
    s = show_close(&b);
    CHECK_GOLDEN("matrix_table_dot.txt", s);
    CHECK(strstr(s, ", ..., ") != NULL, "x is elided");
    free(s);
    tg_tape_free(t);
    tg_tensor_free(W);
    tg_tensor_free(bias);
}

/* The printed contributions are the hook's, and a repeated input is one line. */
static void test_trace_numbers(void) {
    tg_tape *t = tg_tape_new();
    tg_tensor *w = tg_param_new("w", 0, NULL);
    w->data[0] = 3;
    /* One op per statement: C leaves the order of evaluating arguments open, and the
     * node ids follow the order in which ops run. */
    tg_tensor *sq = tg_mul(t, w, w);                    /* n0 */
    tg_tensor *r = tg_relu(t, tg_neg(t, w));            /* n1, n2 */
    tg_tensor *y = tg_name(tg_add(t, sq, r), "y");      /* n3 */
    show_buf b;
    show_open(&b);
    CHECK(tg_backward_trace(b.f, t, y, NULL, NULL) == TG_OK, "trace");
    char *s = show_close(&b);
    /* w*w: one line, local 2w = 6; relu(-3): upstream 1, local 0; neg: upstream 0 -> "?" */
    CHECK(strstr(s, "dy/dw += dy/dn0 * dn0/dw = 1 * 6 = 6") != NULL, "%s", s);
    CHECK(strstr(s, "dy/dn1 += dy/dn2 * dn2/dn1 = 1 * 0 = 0") != NULL, "%s", s);
    CHECK(strstr(s, "dy/dw += dy/dn1 * dn1/dw = 0 * ? = 0") != NULL, "%s", s);
    free(s);
    /* The same numbers from the raw hook. */
    contrib_log l = {{0}, 0};
    tg_tensor_zero_grad(w);
    tg_tape_set_trace(t, log_contrib, &l);
    CHECK(tg_backward(t, y, NULL) == TG_OK && l.n == 5, "five contributions, got %d", l.n);
    CHECK(l.first[4] == 6, "w*w contributes 6 (last: n0 is swept last)");
    tg_tape_set_trace(t, NULL, NULL);
    /* A seeded sweep prints the seed. */
    tg_tape_reset(t);
    tg_tensor *v = tg_tape_tensor(t, 1, (int[]){3}, (tg_real[]){1, 2, 3}, TG_REQUIRES_GRAD);
    sq = tg_square(t, v);
    tg_tensor *seed = tg_tape_tensor(t, 1, (int[]){3}, (tg_real[]){1, 0, -1}, 0);
    show_open(&b);
    CHECK(tg_backward_trace(b.f, t, sq, seed, NULL) == TG_OK, "seeded trace");
    s = show_close(&b);
    CHECK(strstr(s, "backward sweep from n0: seed dn0/dn0 = [1, 0, -1]\n") != NULL, "%s", s);
    /* At the root the local derivative is a partial: dn0/di0 is the total being built. */
    CHECK(strstr(s, "dn0/di0 (3) += dn0/dn0 * \u2202n0/\u2202i0 = [1, 0, -1] * [2, ?, 6] = [2, 0, -6]") != NULL,
          "%s", s);
    free(s);
    tg_tensor_free(w);
    tg_tape_free(t);
}

/* ---- anomaly detection: log of zero, division by zero, a backward infinity ---- */

static void test_anomaly_report(void) {
    tg_tape *t = tg_tape_new();
    tg_tensor *x = tg_param_new("x", 1, (int[]){3});
    tg_tensor_copy_from(x, (tg_real[]){0, 1, 2}, 3);
    tg_tape_set_anomaly_detection(t, true);
    tg_tensor *e = tg_exp(t, x);
    CHECK(e && tg_log(t, x) == NULL, "log(0) stops the tape");
    show_buf b;
    show_open(&b);
    tg_tape_print(b.f, t, NULL, NULL);
    char *s = show_close(&b);
    CHECK_GOLDEN("anomaly_log.txt", s);
    CHECK(strstr(s, "tape failed: tg_log: anomaly in forward at node 1: output[0] = -inf; input 1 (3) = [0, 1, 2]") != NULL, "%s", s);
    free(s);
    /* Division by zero. */
    tg_tape_reset(t);
    tg_tensor *d = tg_name(tg_tape_tensor(t, 1, (int[]){3}, (tg_real[]){1, 0, 2}, 0), "d");
    CHECK(tg_div(t, tg_exp(t, x), d) == NULL, "x / 0 stops the tape");
    show_open(&b);
    tg_tape_print(b.f, t, NULL, NULL);
    s = show_close(&b);
    CHECK(strstr(s, "tape failed: tg_div: anomaly in forward at node 1: output[1] = inf; input 1 (3) = [1, 2.71828, 7.38906]; input 2 (3) = [1, 0, 2]") != NULL, "%s", s);
    free(s);
    /* Backward: sqrt(0) is finite, its gradient is not; the trace stops there. */
    tg_tape_reset(t);
    tg_tensor *L = tg_name(tg_sum(t, tg_sqrt(t, x)), "L");
    show_open(&b);
    CHECK(tg_backward_trace(b.f, t, L, NULL, NULL) == TG_ERR_VALUE, "backward anomaly");
    s = show_close(&b);
    CHECK_GOLDEN("anomaly_sqrt_trace.txt", s);
    CHECK(strstr(s, "stopped: tg_sqrt: anomaly in backward at node 0: gradient of input 1[0] = inf") != NULL, "%s", s);
    CHECK(strstr(tg_last_error(), "tg_sqrt: anomaly in backward") != NULL, "%s", tg_last_error());
    free(s);
    tg_tensor_free(x);
    tg_tape_free(t);
}

/* ---- hand against tape ---- */

/* L(w, b) = 1/2 (1 - sigmoid(2 w + b))^2, the neuron, with z and yhat named. */
static tg_tensor *neuron_loss(tg_tape *t, tg_tensor *const *p, int n, void *user) {
    (void)n, (void)user;
    tg_tensor *z = tg_name(tg_add(t, tg_mul_scalar(t, p[0], 2), p[1]), "z");
    tg_tensor *yhat = tg_name(tg_sigmoid(t, z), "yhat");
    return tg_name(tg_mul_scalar(t, tg_square(t, tg_add_scalar(t, tg_neg(t, yhat), 1)), (tg_real)0.5), "L");
}

/* dL/dz by the notes' formula, from the forward values: (yhat - y) yhat (1 - yhat). */
static void hand_dz(const tg_tape *t, const tg_tensor *z, tg_real *g, void *user) {
    (void)z, (void)user;
    double yh = (double)tg_find(t, "yhat")->data[0];
    g[0] = (tg_real)((yh - 1) * yh * (1 - yh));
}

static void test_handcheck(void) {
    tg_tensor *w = tg_param_new("w", 0, NULL), *b = tg_param_new("b", 0, NULL);
    w->data[0] = (tg_real)0.5;
    b->grad[0] = 7; /* restored afterwards */
    tg_tensor *ps[2] = {w, b};
    double s = 1 / (1 + exp(-1.0));
    tg_real dyhat = (tg_real)(s - 1), dz = (tg_real)((s - 1) * s * (1 - s)), dw = 2 * dz;
    tg_hand ok[4] = {{.name = "w", .grad = &dw, .n = 1}, {.name = "z", .fn = hand_dz},
                     {.name = "yhat", .grad = &dyhat, .n = 1}, {.name = "b", .grad = &dz, .n = 1}};
    tg_handcheck_row rows[4];
    int bad = 99;
    show_buf buf;
    show_open(&buf);
    CHECK(tg_handcheck(buf.f, neuron_loss, NULL, ps, 2, ok, 4, NULL, rows, &bad) == TG_OK, "%s", tg_last_error());
    char *out = show_close(&buf);
    CHECK(bad == -1, "all agree, got %d", bad);
    /* Backward order: yhat (n2), z (n1), then the leaves b (read first by n1) and w. */
    CHECK(strncmp(rows[0].label, "n2 yhat", 7) == 0 && strncmp(rows[1].label, "n1 z", 4) == 0 &&
          strcmp(rows[2].label, "p1 b") == 0 && strcmp(rows[3].label, "p0 w") == 0,
          "order %s, %s, %s, %s", rows[0].label, rows[1].label, rows[2].label, rows[3].label);
    for (int k = 0; k < 4; k++)
        CHECK(rows[k].hand_ok && rows[k].tape_ok && rows[k].size == 1, "row %d", k);
    CHECK_NEAR(rows[3].tape, -0.10575419, 1e-6);
    CHECK_NEAR(rows[3].numeric, -0.10575419, TG_REAL_IS_DOUBLE ? 1e-8 : 1e-3);
    CHECK(strstr(out, "every hand-derived gradient agrees with the tape") != NULL, "%s", out);
    free(out);
    CHECK(b->grad[0] == 7 && w->grad[0] == 0 && w->data[0] == (tg_real)0.5, "params restored");

    /* The classic slip: forgetting the sigmoid's factor yhat (1 - yhat) in dL/dz; dL/dw
     * built on it is then wrong too. They part first at z. */
    tg_real slip_dz = dyhat, slip_dw = 2 * dyhat;
    tg_hand slip[3] = {{.name = "w", .grad = &slip_dw, .n = 1}, {.name = "yhat", .grad = &dyhat, .n = 1},
                       {.name = "z", .grad = &slip_dz, .n = 1}};
    show_open(&buf);
    CHECK(tg_handcheck(buf.f, neuron_loss, NULL, ps, 2, slip, 3, NULL, rows, &bad) == TG_OK, "slip");
    out = show_close(&buf);
    CHECK(bad == 1 && !rows[1].hand_ok && rows[1].tape_ok && rows[0].hand_ok, "parts at z: bad = %d", bad);
    CHECK_NEAR(rows[1].max_hand_tape, fabs((double)slip_dz - (double)dz), 1e-6);
    CHECK(strstr(out, "they part first at n1 z: |hand - tape| = 0.2161; the tape agrees with finite differences") != NULL, "%s", out);
    CHECK(strstr(out, "dL/dz: hand -0.2689, tape -0.05288") != NULL, "%s", out);
    free(out);

    /* A vector tensor: the worst element is reported. */
    tg_hand vec = {.name = "z", .grad = (tg_real[]){0, 0}, .n = 2};
    CHECK(tg_handcheck(NULL, neuron_loss, NULL, ps, 2, &vec, 1, NULL, rows, &bad) == TG_ERR_SHAPE, "size");
    CHECK_ERR(NULL, TG_ERR_SHAPE, "tg_handcheck: 'z' has shape () (1 elements); 2 hand values given");
    /* Errors. */
    tg_hand none = {.name = "zz", .grad = &dz, .n = 1};
    CHECK(tg_handcheck(NULL, neuron_loss, NULL, ps, 2, &none, 1, NULL, NULL, NULL) == TG_ERR_ARG, "name");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_handcheck: no tensor named 'zz'");
    CHECK(tg_handcheck(NULL, NULL, NULL, ps, 2, &none, 1, NULL, NULL, NULL) == TG_ERR_ARG, "f");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_handcheck: f is NULL");
    tg_hand empty = {.name = "z"};
    CHECK(tg_handcheck(NULL, neuron_loss, NULL, ps, 2, &empty, 1, NULL, NULL, NULL) == TG_ERR_ARG, "no values");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_handcheck: hands[0] needs a name and grad or fn");
    tg_handcheck_opts bad_eps = tg_handcheck_defaults();
    bad_eps.fd.eps = 0;
    CHECK(tg_handcheck(NULL, neuron_loss, NULL, ps, 2, ok, 1, &bad_eps, NULL, NULL) == TG_ERR_VALUE, "eps");
    CHECK_ERR(NULL, TG_ERR_VALUE, "tg_handcheck: eps must be > 0, got 0");
    CHECK(b->grad[0] == 7, "params restored after errors");
    tg_tensor_free(w);
    tg_tensor_free(b);
}

/* ---- the Jacobian view ---- */

static tg_tensor *softmax_fn(tg_tape *t, tg_tensor *x, void *user) {
    (void)user;
    return tg_softmax(t, x);
}
static tg_tensor *matmul_fn(tg_tape *t, tg_tensor *x, void *user) {
    return tg_matmul(t, x, (tg_tensor *)user); /* (1,2) x (2,3) */
}

static void test_jacobian(void) {
    tg_tensor *x = tg_tensor_from(1, (int[]){3}, (tg_real[]){1, 2, 3}, 0);
    tg_tensor *u = tg_tensor_from(1, (int[]){3}, (tg_real[]){1, 0, -1}, 0);
    tg_jacobian j;
    show_buf b;
    show_open(&b);
    CHECK(tg_jacobian_view(b.f, "softmax", softmax_fn, NULL, x, u, &j) == TG_OK, "%s", tg_last_error());
    char *s = show_close(&b);
    CHECK_GOLDEN("jacobian_softmax.txt", s);
    free(s);
    /* J = diag(p) - p p^T, symmetric with rows summing to 0. */
    double e[3] = {exp(1.0), exp(2.0), exp(3.0)}, Z = e[0] + e[1] + e[2], p[3];
    for (int i = 0; i < 3; i++) p[i] = e[i] / Z;
    double tol = TG_REAL_IS_DOUBLE ? 1e-12 : 1e-6;
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 3; k++) CHECK_NEAR(j.J[i][k], (i == k) * p[i] - p[i] * p[k], tol);
    CHECK(j.m == 3 && j.n == 3 && j.max_diff <= tol, "vjp = u^T J (%g)", j.max_diff);
    for (int k = 0; k < 3; k++) CHECK_NEAR(j.vjp[k], p[k] * (u->data[k] - (p[0] - p[2])), tol);
    /* A tiny matmul: J[i][k] of y = x A is A[k][i]; u NULL means ones. */
    tg_tensor *A = tg_tensor_from(2, (int[]){2, 3}, (tg_real[]){1, 2, 3, 4, 5, 6}, 0);
    tg_tensor *x2 = tg_tensor_from(2, (int[]){1, 2}, (tg_real[]){1, -1}, 0);
    CHECK(tg_jacobian_view(NULL, NULL, matmul_fn, A, x2, NULL, &j) == TG_OK, "matmul");
    CHECK(j.m == 3 && j.n == 2 && j.J[2][1] == 6 && j.J[0][1] == 4 && j.vjp[0] == 6 && j.vjp[1] == 15,
          "matmul jacobian");
    /* Errors. */
    tg_tensor *big = tg_tensor_new(1, (int[]){17}, 0);
    CHECK(tg_jacobian_view(NULL, NULL, softmax_fn, NULL, big, NULL, &j) == TG_ERR_SHAPE, "too big");
    CHECK_ERR(NULL, TG_ERR_SHAPE, "tg_jacobian_view: x has 17 elements; at most 16 are shown");
    CHECK(tg_jacobian_view(NULL, NULL, softmax_fn, NULL, x, A, &j) == TG_ERR_SHAPE, "u size");
    CHECK_ERR(NULL, TG_ERR_SHAPE, "tg_jacobian_view: u must have as many elements as y");
    CHECK(tg_jacobian_view(NULL, NULL, matmul_fn, A, x, NULL, &j) == TG_ERR_SHAPE, "f fails");
    CHECK_ERR(NULL, TG_ERR_SHAPE, "tg_jacobian_view: f failed: tg_matmul: ");
    CHECK(tg_jacobian_view(NULL, NULL, NULL, NULL, x, NULL, &j) == TG_ERR_ARG, "NULL f");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_jacobian_view: f is NULL");
    tg_tensor_free(big);
    tg_tensor_free(A);
    tg_tensor_free(x2);
    tg_tensor_free(x);
    tg_tensor_free(u);
}

/* ---- argument errors, write errors, formatting ---- */

static void test_errors(void) {
    neuron n = neuron_new();
    CHECK(tg_tape_print(NULL, n.t, NULL, NULL) == TG_ERR_ARG, "NULL out");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_tape_print: out is NULL");
    CHECK(tg_tape_dot(stdout, NULL, NULL, NULL) == TG_ERR_ARG, "NULL tape");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_tape_dot: tape is NULL");
    CHECK(tg_backward_trace(NULL, n.t, n.L, NULL, NULL) == TG_ERR_ARG, "NULL out");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_backward_trace: out is NULL");
    /* tg_backward's own errors come back, with the trace's "stopped" line. */
    show_buf b;
    show_open(&b);
    CHECK(tg_backward_trace(b.f, n.t, NULL, NULL, NULL) == TG_ERR_ARG, "NULL y");
    char *s = show_close(&b);
    CHECK(strcmp(s, "stopped: tg_backward: argument 1 (y) is NULL\n") == 0, "%s", s);
    free(s);
    /* A stream that cannot be written. */
    FILE *ro = fopen(TG_SOURCE_ROOT "/tests/show_check.h", "r");
    CHECK(ro && tg_tape_print(ro, n.t, NULL, NULL) == TG_ERR_IO, "write error");
    CHECK_ERR(NULL, TG_ERR_IO, "tg_tape_print: writing the output failed");
    if (ro) fclose(ro);
    /* Options: precision and elision are clamped to sane values. */
    tg_show_opts o = {.precision = 2, .max_elems = 1};
    tg_tape_reset(n.t);
    tg_tensor *v = tg_tape_tensor(n.t, 1, (int[]){8}, (tg_real[]){-0.0, 1.23456, 2, 3, 4, 5, 6, 7},
                                  TG_REQUIRES_GRAD);
    tg_tensor *y = tg_mul_scalar(n.t, v, -1);
    show_open(&b);
    tg_tape_print(b.f, n.t, NULL, &o);
    s = show_close(&b);
    CHECK(strstr(s, "[0, 1.2, 2, 3, 4, ..., 7]") && strstr(s, "[0, -1.2, -2, -3, -4, ..., -7]") &&
          strstr(s, "mul_scalar(-1)"), "%s", s);
    free(s);
    (void)y;
    neuron_free(&n);
}

/* Every op with scalar or axis arguments, printed by the table, the DOT picture and the
 * trace (each shows them: "clamp(0, 1)"). */
static void test_op_arguments(void) {
    tg_tape *t = tg_tape_new();
    tg_tensor *w = tg_param_new("w", 2, (int[]){2, 3});
    tg_tensor *y = tg_add_scalar(t, w, 1);
    y = tg_clamp(t, tg_mul_scalar(t, tg_pow_scalar(t, tg_leaky_relu(t, y, (tg_real)0.1), 2), 3), 0, 1);
    y = tg_transpose(t, tg_slice(t, y, 1, 0, 2), 0, 1);
    y = tg_concat(t, (tg_tensor *[]){y, y}, 2, 1);
    y = tg_sum(t, tg_max_axis(t, tg_mean_axis(t, tg_sum_axis(t, tg_reshape(t, y, 3, (int[]){2, 2, 2}), 2, true), 1, false), 0, false));
    FILE *out = fopen("/dev/null", "w");
    CHECK(y && tg_tape_print(out, t, y, NULL) == TG_OK && tg_tape_dot(out, t, NULL, NULL) == TG_OK &&
              tg_backward_trace(out, t, y, NULL, NULL) == TG_OK, "printing: %s", tg_tape_message(t));
    CHECK(tg_tape_arena_used(t) > 0 && tg_tape_arena_used(t) <= tg_tape_arena_bytes(t), "arena used");
    fclose(out);
    tg_tape_free(t);
    tg_tensor_free(w);
}

int main(int argc, char **argv) {
    show_update = argc > 1 && strcmp(argv[1], "--update") == 0;
    test_neuron_golden();
    test_matrix_golden();
    test_trace_numbers();
    test_anomaly_report();
    test_handcheck();
    test_jacobian();
    test_errors();
    test_op_arguments();
    return check_done();
}
