/* test_layers.c — activations by value, the perceptron and the sigmoid neuron (their
 * training rules obtained from the tape, as in the notes' comparison table), and the
 * embedding layer. */
#include "check.h"

static void set(tg_tensor *x, const double *v) {
    for (size_t i = 0; i < x->size; i++) x->data[i] = (tg_real)v[i];
}
static double sig(double a) { return 1 / (1 + exp(-a)); }

static void test_activations(void) {
    tg_tape *t = tg_tape_new();
    tg_tensor *x = tg_tape_tensor(t, 2, (int[]){1, 4}, (tg_real[]){-2, -0.5, 0.5, 2}, 0);
    for (int a = 0; a < TG_ACT_COUNT; a++) {
        tg_tensor *y = tg_activate(t, x, (tg_act)a, (tg_real)0.1);
        CHECK(y && y->size == 4, "%s", tg_act_name((tg_act)a));
        double s = 0;
        for (int i = 0; i < 4; i++) s += exp((double)x->data[i]);
        for (int i = 0; y && i < 4; i++) {
            double v = x->data[i], e;
            switch (a) {
            case TG_ACT_IDENTITY: e = v; break;
            case TG_ACT_RELU: e = fmax(v, 0); break;
            case TG_ACT_LEAKY_RELU: e = v > 0 ? v : 0.1 * v; break;
            case TG_ACT_SIGMOID: e = sig(v); break;
            case TG_ACT_TANH: e = tanh(v); break;
            case TG_ACT_SOFTPLUS: e = log1p(exp(v)); break;
            case TG_ACT_SOFTMAX: e = exp(v) / s; break;
            default: e = v >= 0; break;
            }
            CHECK_NEAR(y->data[i], e, 1e-6);
        }
    }
    CHECK(strcmp(tg_act_name(TG_ACT_LEAKY_RELU), "leaky_relu") == 0, "name");
    CHECK(strcmp(tg_act_name((tg_act)-1), "?") == 0, "name out of range");
    CHECK(tg_activate(t, x, (tg_act)40, 0) == NULL, "unknown act");
    CHECK_ERR(t, TG_ERR_ARG, "tg_activate: unknown activation 40");
    tg_tape_free(t);
}

/* One SGD step p -= alpha dL/dp after one backward sweep. */
static void sgd(tg_neuron *n, double alpha) {
    for (size_t i = 0; i < n->w->size; i++) n->w->data[i] -= (tg_real)alpha * n->w->grad[i];
    n->b->data[0] -= (tg_real)alpha * n->b->grad[0];
    tg_tensor_zero_grad(n->w);
    tg_tensor_zero_grad(n->b);
}

/* The perceptron rule w <- w + alpha (y - y_hat) x is SGD on the perceptron criterion. */
static void test_perceptron_rule(void) {
    tg_neuron *p = tg_neuron_new("p", 2, TG_ACT_STEP, NULL);
    CHECK(p && p->w->data[0] == 0 && p->b->data[0] == 0, "rng NULL: zero start");
    set(p->w, (double[]){0.3, -0.8});
    set(p->b, (double[]){0.1});
    tg_tape *t = tg_tape_new();
    const double alpha = 0.25;
    /* sample x = (1, 1), y = 1: z = 0.3 - 0.8 + 0.1 = -0.4 -> y_hat = 0, misclassified */
    tg_tensor *x = tg_tape_tensor(t, 2, (int[]){1, 2}, (tg_real[]){1, 1}, 0);
    tg_tensor *y = tg_tape_tensor(t, 1, (int[]){1}, (tg_real[]){1}, 0);
    tg_tensor *L = tg_perceptron_loss(t, p, x, y);
    CHECK(L && tg_backward(t, L, NULL) == TG_OK, "perceptron backward: %s", tg_tape_message(t));
    sgd(p, alpha);
    CHECK_NEAR(p->w->data[0], 0.3 + alpha * 1 * 1, 1e-7);
    CHECK_NEAR(p->w->data[1], -0.8 + alpha * 1 * 1, 1e-7);
    CHECK_NEAR(p->b->data[0], 0.1 + alpha, 1e-7);
    /* a correctly classified sample changes nothing: x = (0, 1), y = 0, z < 0 */
    tg_tape_reset(t);
    x = tg_tape_tensor(t, 2, (int[]){1, 2}, (tg_real[]){0, 1}, 0);
    y = tg_tape_tensor(t, 2, (int[]){1, 1}, (tg_real[]){0}, 0);
    L = tg_perceptron_loss(t, p, x, y);
    CHECK(L && tg_backward(t, L, NULL) == TG_OK, "backward 2");
    CHECK(p->w->grad[0] == 0 && p->w->grad[1] == 0 && p->b->grad[0] == 0, "no update when right");
    tg_tape_free(t);
    tg_neuron_free(p);
}

/* Trains by the rule sample by sample; returns the final accuracy over the 4 rows. */
static int train_perceptron(const double *targets, int epochs) {
    tg_neuron *p = tg_neuron_new("p", 2, TG_ACT_STEP, NULL);
    const tg_real xs[8] = {0, 0, 0, 1, 1, 0, 1, 1};
    tg_tape *t = tg_tape_new();
    for (int e = 0; e < epochs; e++)
        for (int i = 0; i < 4; i++) {
            tg_tape_reset(t);
            tg_tensor *x = tg_tape_tensor(t, 2, (int[]){1, 2}, xs + 2 * i, 0);
            tg_tensor *y = tg_tape_full(t, 1, (int[]){1}, (tg_real)targets[i]);
            tg_tensor *L = tg_perceptron_loss(t, p, x, y);
            if (!L || tg_backward(t, L, NULL) != TG_OK) break;
            sgd(p, 0.5);
        }
    tg_tape_reset(t);
    tg_tensor *yh = tg_neuron_forward(t, p, tg_tape_tensor(t, 2, (int[]){4, 2}, xs, 0));
    int right = 0;
    for (int i = 0; yh && i < 4; i++) right += yh->data[i] == (tg_real)targets[i];
    tg_tape_free(t);
    tg_neuron_free(p);
    return right;
}

static void test_perceptron_gates(void) {
    /* linearly separable gates are learned; XOR is not (the introductory lecture) */
    CHECK(train_perceptron((double[]){0, 0, 0, 1}, 20) == 4, "AND");
    CHECK(train_perceptron((double[]){0, 1, 1, 1}, 20) == 4, "OR");
    CHECK(train_perceptron((double[]){1, 1, 1, 0}, 20) == 4, "NAND");
    CHECK(train_perceptron((double[]){0, 1, 1, 0}, 100) < 4, "XOR cannot be learned");
}

/* Sigmoid neuron on L = 1/2 (y - h)^2: w <- w + alpha (y - h) h (1 - h) x (the table of the
 * lecture notes' overview). */
static void test_sigmoid_neuron_rule(void) {
    tg_rng g;
    tg_rng_seed(&g, 3);
    tg_neuron *n = tg_neuron_new("s", 3, TG_ACT_SIGMOID, &g);
    double w0[3] = {n->w->data[0], n->w->data[1], n->w->data[2]}, b0 = n->b->data[0];
    const double xv[3] = {0.5, -1, 2}, yv = 1, alpha = 0.3;
    tg_tape *t = tg_tape_new();
    tg_tensor *x = tg_tape_tensor(t, 2, (int[]){1, 3}, NULL, 0);
    set(x, xv);
    tg_tensor *L = tg_neuron_l2_loss(t, n, x, tg_tape_full(t, 1, (int[]){1}, (tg_real)yv));
    CHECK(L && tg_backward(t, L, NULL) == TG_OK, "l2 backward: %s", tg_tape_message(t));
    sgd(n, alpha);
    double h = sig(w0[0] * xv[0] + w0[1] * xv[1] + w0[2] * xv[2] + b0);
    for (int i = 0; i < 3; i++)
        CHECK_NEAR(n->w->data[i], w0[i] + alpha * (yv - h) * h * (1 - h) * xv[i], 1e-6);
    CHECK_NEAR(n->b->data[0], b0 + alpha * (yv - h) * h * (1 - h), 1e-6);
    tg_tape_free(t);
    tg_neuron_free(n);
}

typedef struct { tg_neuron *n; bool perceptron; tg_tensor *y; } nctx;
static tg_tensor *build_neuron_loss(tg_tape *t, tg_tensor *const *in, void *user) {
    nctx *c = user;
    return c->perceptron ? tg_perceptron_loss(t, c->n, in[2], c->y) : tg_neuron_l2_loss(t, c->n, in[2], c->y);
}

static void test_neuron_grad_and_errors(void) {
    tg_rng g;
    tg_rng_seed(&g, 8);
    tg_neuron *n = tg_neuron_new("s", 3, TG_ACT_SIGMOID, &g);
    tg_tensor *x = check_input(&g, 2, (int[]){5, 3}, -1, 1);
    tg_tensor *y = tg_tensor_from(2, (int[]){5, 1}, (tg_real[]){1, 0, 1, 1, 0}, 0);
    tg_tensor *in[3] = {n->w, n->b, x};
    check_op_grad("sigmoid neuron l2", build_neuron_loss, &(nctx){n, false, y}, in, 3);
    /* The criterion with a step neuron: y_hat is piecewise constant, so finite
     * differences (which do see y_hat change) agree away from z = 0. */
    tg_neuron *p = tg_neuron_new("p", 3, TG_ACT_STEP, &g);
    tg_tensor *pin[3] = {p->w, p->b, x};
    check_op_grad("perceptron criterion", build_neuron_loss, &(nctx){p, true, y}, pin, 3);
    tg_neuron_free(p);
    tg_tensor_free(y);

    tg_params ps = {0};
    CHECK(tg_neuron_params(n, &ps) == TG_OK && ps.n == 2 && strcmp(ps.items[0]->name, "s.w") == 0 &&
          strcmp(ps.items[1]->name, "s.b") == 0, "names s.w s.b");
    tg_params_free(&ps);
    tg_tape *t = tg_tape_new();
    tg_tensor *bad = tg_tape_tensor(t, 2, (int[]){4, 2}, NULL, 0);
    CHECK(tg_neuron_forward(t, n, bad) == NULL, "width");
    CHECK_ERR(t, TG_ERR_SHAPE, "tg_neuron_preact: 's': x must have shape (N,3), got (4,2)");
    tg_tape_reset(t);
    tg_tensor *xx = tg_tape_tensor(t, 2, (int[]){4, 3}, NULL, 0);
    tg_tensor *yy = tg_tape_tensor(t, 1, (int[]){3}, NULL, 0);
    CHECK(tg_perceptron_loss(t, n, xx, yy) == NULL, "y size");
    CHECK_ERR(t, TG_ERR_SHAPE, "tg_perceptron_loss: 's': y must have 4 elements, shape (4) or (4,1), got (3)");
    tg_tape_reset(t);
    xx = tg_tape_tensor(t, 2, (int[]){4, 3}, NULL, 0);
    CHECK(tg_neuron_l2_loss(t, n, xx, NULL) == NULL, "y NULL");
    CHECK_ERR(t, TG_ERR_ARG, "tg_neuron_l2_loss: 's': y is NULL");
    tg_tape_reset(t);
    CHECK(tg_neuron_forward(t, NULL, xx) == NULL, "neuron NULL");
    CHECK_ERR(t, TG_ERR_ARG, "tg_neuron_preact: neuron is NULL");
    tg_tape_free(t);
    tg_tensor_free(x);
    tg_neuron_free(n);
    CHECK(tg_neuron_new("p", 0, TG_ACT_STEP, NULL) == NULL, "in 0");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_neuron_new: in must be >= 1, got 0");
    CHECK(tg_neuron_new("p", 2, (tg_act)99, NULL) == NULL, "act");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_neuron_new: unknown activation 99");
    tg_neuron_free(NULL);
}

typedef struct { const tg_embedding *e; const int *idx; int n; } ectx;
static tg_tensor *build_emb(tg_tape *t, tg_tensor *const *in, void *user) {
    (void)in;
    ectx *c = user;
    return tg_embedding_forward(t, c->e, c->idx, c->n);
}

static void test_embedding(void) {
    tg_rng g;
    tg_rng_seed(&g, 6);
    tg_embedding *e = tg_embedding_new("emb", 10, 4, &g);
    CHECK(e && e->E->shape[0] == 10 && e->E->shape[1] == 4 && strcmp(e->E->name, "emb.E") == 0,
          "E (10,4) named emb.E");
    double s = 0, s2 = 0;
    for (size_t i = 0; i < e->E->size; i++) s += e->E->data[i], s2 += (double)e->E->data[i] * e->E->data[i];
    CHECK(fabs(s / 40) < 0.5 && s2 / 40 > 0.4 && s2 / 40 < 2, "E ~ N(0,1): mean %g, E[x^2] %g", s / 40, s2 / 40);
    const int idx[6] = {3, 0, 9, 3, 3, 7};
    tg_tape *t = tg_tape_new();
    tg_tensor *y = tg_embedding_forward(t, e, idx, 6);
    CHECK(y && y->shape[0] == 6 && y->shape[1] == 4, "(6,4)");
    for (int i = 0; y && i < 6; i++)
        for (int j = 0; j < 4; j++) CHECK(y->data[i * 4 + j] == e->E->data[idx[i] * 4 + j], "row %d", i);
    /* repeated rows accumulate: dE[3] = 3 * upstream when the upstream is all ones */
    tg_tensor *L = tg_sum(t, y);
    CHECK(L && tg_backward(t, L, NULL) == TG_OK, "backward: %s", tg_tape_message(t));
    CHECK(e->E->grad[3 * 4] == 3 && e->E->grad[0] == 1 && e->E->grad[4] == 0, "gradient counts");
    tg_tensor_zero_grad(e->E);
    tg_tensor *in[1] = {e->E};
    check_op_grad("embedding", build_emb, &(ectx){e, idx, 6}, in, 1);
    tg_tape_reset(t);
    CHECK(tg_embedding_forward(t, e, (int[]){1, 2, 3, 12}, 4) == NULL, "range");
    CHECK_ERR(t, TG_ERR_RANGE, "tg_embedding_forward: 'emb': idx[3] = 12 is out of range 0..9");
    tg_tape_reset(t);
    CHECK(tg_embedding_forward(t, e, idx, 0) == NULL, "n 0");
    CHECK_ERR(t, TG_ERR_ARG, "tg_embedding_forward: 'emb': n must be >= 1, got 0");
    tg_tape_reset(t);
    CHECK(tg_embedding_forward(t, e, NULL, 2) == NULL, "idx NULL");
    CHECK_ERR(t, TG_ERR_ARG, "tg_embedding_forward: idx is NULL");
    tg_tape_free(t);
    tg_params ps = {0};
    CHECK(tg_embedding_params(e, &ps) == TG_OK && tg_params_numel(&ps) == 40, "40 parameters");
    tg_params_free(&ps);
    tg_embedding_free(e);
    CHECK(tg_embedding_new("emb", 10, 0, &g) == NULL, "dim 0");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_embedding_new: dim must be >= 1, got 0");
    CHECK(tg_embedding_new("emb", 10, 3, NULL) == NULL, "rng");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_embedding_new: rng is NULL");
    tg_embedding_free(NULL);
}

/* A whole model's parameters in one list, and no allocation in a steady loop. */
static void test_model_params_and_steady_memory(void) {
    tg_rng g;
    tg_rng_seed(&g, 12);
    tg_embedding *e = tg_embedding_new("emb", 6, 3, &g);
    tg_rnn *r = tg_rnn_new("lstm", &(tg_rnn_config){TG_RNN_LSTM, 3, 4, 2, true}, &g);
    tg_linear *head = tg_linear_new("head", 4, 6, TG_INIT_GLOROT, &g);
    tg_params ps = {0};
    CHECK(tg_embedding_params(e, &ps) == TG_OK && tg_rnn_params(r, &ps) == TG_OK &&
          tg_linear_params(head, &ps) == TG_OK, "one list");
    CHECK(ps.n == 1 + 6 + 2, "9 tensors, got %d", ps.n);
    const int toks[10] = {1, 2, 3, 4, 5, 0, 1, 2, 3, 4}; /* (T=5, B=2) */
    tg_tape *t = tg_tape_new();
    size_t allocs = 0;
    for (int step = 0; step < 3; step++) {
        if (step == 2) allocs = tg_alloc_count();
        tg_tape_reset(t);
        tg_tensor *x = tg_reshape(t, tg_embedding_forward(t, e, toks, 10), 3, (int[]){5, 2, 3});
        tg_tensor *out;
        tg_rnn_forward(t, r, x, NULL, NULL, &out, NULL, NULL);
        tg_tensor *logits = tg_linear_forward(t, head, tg_reshape(t, out, 2, (int[]){10, 4}));
        int labels[10] = {2, 3, 4, 5, 0, 1, 2, 3, 4, 5};
        tg_tensor *L = tg_cross_entropy(t, logits, labels);
        CHECK(L && tg_backward(t, L, NULL) == TG_OK, "step %d: %s", step, tg_tape_message(t));
        tg_params_zero_grad(&ps);
    }
    CHECK(tg_alloc_count() == allocs, "a steady step allocates nothing (%zu new)", tg_alloc_count() - allocs);
    tg_tape_free(t);
    tg_params_free(&ps);
    tg_embedding_free(e);
    tg_rnn_free(r);
    tg_linear_free(head);
}

int main(void) {
    test_activations();
    test_perceptron_rule();
    test_perceptron_gates();
    test_sigmoid_neuron_rule();
    test_neuron_grad_and_errors();
    test_embedding();
    test_model_params_and_steady_memory();
    return check_done();
}
