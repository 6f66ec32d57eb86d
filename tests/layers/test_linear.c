/* test_linear.c — Linear and MLP: forward values by hand (including the lecture
 * notes' worked examples), gradient checks of every activation, initialisation
 * schemes, parameter names and counts, and every error path. */
#include "check.h"

static void set(tg_tensor *x, const double *v) {
    for (size_t i = 0; i < x->size; i++) x->data[i] = (tg_real)v[i];
}
static double sig(double a) { return 1 / (1 + exp(-a)); }

static void test_linear_forward(void) {
    tg_linear *l = tg_linear_new("fc", 3, 2, TG_INIT_ZEROS, NULL);
    CHECK(l && l->W->shape[0] == 3 && l->W->shape[1] == 2 && l->b->size == 2, "W (3,2), b (2)");
    CHECK(strcmp(l->W->name, "fc.W") == 0 && strcmp(l->b->name, "fc.b") == 0, "names");
    set(l->W, (double[]){1, 2, 3, 4, 5, 6});
    set(l->b, (double[]){0.5, -1});
    tg_tape *t = tg_tape_new();
    /* (2,3) x (3,2) + b */
    tg_tensor *x = tg_tape_tensor(t, 2, (int[]){2, 3}, (tg_real[]){1, 0, -1, 2, 1, 0}, 0);
    tg_tensor *y = tg_linear_forward(t, l, x);
    CHECK(y && y->rank == 2 && y->shape[0] == 2 && y->shape[1] == 2, "y (2,2)");
    if (y) {
        const double e[4] = {1 - 5 + 0.5, 2 - 6 - 1, 2 + 3 + 0.5, 4 + 4 - 1};
        for (int i = 0; i < 4; i++) CHECK_NEAR(y->data[i], e[i], 1e-6);
    }
    /* rank 1: (3) -> (2) */
    tg_tensor *x1 = tg_tape_tensor(t, 1, (int[]){3}, (tg_real[]){1, 0, -1}, 0);
    tg_tensor *y1 = tg_linear_forward(t, l, x1);
    CHECK(y1 && y1->rank == 1 && y1->shape[0] == 2, "rank 1 output (2)");
    if (y1) CHECK_NEAR(y1->data[1], -5, 1e-6);
    /* rank 3: (2,2,3) -> (2,2,2), rows as in rank 2 */
    tg_tensor *x3 = tg_tape_tensor(t, 3, (int[]){2, 2, 3}, (tg_real[]){1, 0, -1, 2, 1, 0, 1, 0, -1, 2, 1, 0}, 0);
    tg_tensor *y3 = tg_linear_forward(t, l, x3);
    CHECK(y3 && y3->rank == 3 && y3->shape[2] == 2, "rank 3 output (2,2,2)");
    if (y3) CHECK_NEAR(y3->data[7], 7, 1e-6);
    tg_tape_free(t);
    tg_linear_free(l);
}

typedef struct { const tg_linear *l; const tg_mlp *m; } fwd_ctx;
static tg_tensor *build_linear(tg_tape *t, tg_tensor *const *in, void *user) {
    return tg_linear_forward(t, ((fwd_ctx *)user)->l, in[2]);
}
static tg_tensor *build_mlp(tg_tape *t, tg_tensor *const *in, void *user) {
    return tg_mlp_forward(t, ((fwd_ctx *)user)->m, in[0]);
}

static void test_linear_grad(void) {
    tg_rng g;
    tg_rng_seed(&g, 5);
    tg_linear *l = tg_linear_new("fc", 4, 3, TG_INIT_GLOROT, &g);
    static const int shapes[3][3] = {{4}, {5, 4}, {2, 3, 4}};
    for (int r = 1; r <= 3; r++) {
        tg_tensor *x = check_input(&g, r, shapes[r - 1], -1, 1);
        tg_tensor *in[3] = {l->W, l->b, x};
        char label[32];
        snprintf(label, sizeof label, "linear rank %d", r);
        check_op_grad(label, build_linear, &(fwd_ctx){l, NULL}, in, 3);
        tg_tensor_free(x);
    }
    tg_linear_free(l);
}

/* The notes' worked example (the W6 lecture): sigmoid hidden and output layers. */
static void test_mlp_notes_examples(void) {
    tg_rng g;
    tg_rng_seed(&g, 1);
    tg_mlp *m = tg_mlp_new("net", 3, (int[]){2, 2, 1}, TG_ACT_SIGMOID, TG_ACT_SIGMOID, &g);
    /* W1[i][j] = weight from input i to hidden unit j: h1 = s(0.2 x1 + 0.4 x2 + 0.1),
     * h2 = s(-0.5 x1 + 0.3 x2 - 0.1), y = s(1 h1 - 1.5 h2 + 0.5) */
    set(m->layers[0].W, (double[]){0.2, -0.5, 0.4, 0.3});
    set(m->layers[0].b, (double[]){0.1, -0.1});
    set(m->layers[1].W, (double[]){1, -1.5});
    set(m->layers[1].b, (double[]){0.5});
    tg_tape *t = tg_tape_new();
    tg_tensor *x = tg_tape_tensor(t, 2, (int[]){1, 2}, (tg_real[]){70, 1.75}, 0);
    tg_tensor *y = tg_mlp_forward(t, m, x);
    double h1 = sig(0.2 * 70 + 0.4 * 1.75 + 0.1), h2 = sig(-0.5 * 70 + 0.3 * 1.75 - 0.1);
    CHECK(y != NULL, "forward: %s", tg_tape_message(t));
    if (y) CHECK_NEAR(y->data[0], sig(h1 - 1.5 * h2 + 0.5), 1e-6);
    tg_mlp_free(m);

    /* The in-class exercise with ReLU: h1 = relu(-0.2*20 + 1*3 + 1) = 0,
     * h2 = relu(-0.5*20 + 0.3*3 - 0.2) = 0, y = relu(-1 h1 + 0 h2 + 0.5) = 0.5 */
    m = tg_mlp_new("net", 3, (int[]){2, 2, 1}, TG_ACT_RELU, TG_ACT_RELU, &g);
    set(m->layers[0].W, (double[]){-0.2, -0.5, 1, 0.3});
    set(m->layers[0].b, (double[]){1, -0.2});
    set(m->layers[1].W, (double[]){-1, 0});
    set(m->layers[1].b, (double[]){0.5});
    x = tg_tape_tensor(t, 2, (int[]){1, 2}, (tg_real[]){20, 3}, 0);
    y = tg_mlp_forward(t, m, x);
    if (y) CHECK_NEAR(y->data[0], 0.5, 1e-6);
    tg_mlp_free(m);

    /* XOR from the introductory lecture: OR and NAND hidden units, AND output, weights +-20. */
    m = tg_mlp_new("xor", 3, (int[]){2, 2, 1}, TG_ACT_SIGMOID, TG_ACT_SIGMOID, &g);
    set(m->layers[0].W, (double[]){20, -20, 20, -20});
    set(m->layers[0].b, (double[]){-10, 30});
    set(m->layers[1].W, (double[]){20, 20});
    set(m->layers[1].b, (double[]){-30});
    x = tg_tape_tensor(t, 2, (int[]){4, 2}, (tg_real[]){0, 0, 0, 1, 1, 0, 1, 1}, 0);
    y = tg_mlp_forward(t, m, x);
    const double xor_[4] = {0, 1, 1, 0};
    for (int i = 0; y && i < 4; i++) CHECK_NEAR(y->data[i], xor_[i], 1e-4);
    tg_mlp_free(m);
    tg_tape_free(t);
}

/* In the float build any usable difference step (1e-3 and up) steps across relu kinks
 * of some of the ~30 pre-activations, so for networks with a kinked activation the
 * float check uses a step of 1e-3 with loose tolerances and only asks that nothing
 * FAILS (INCONCLUSIVE is the honest answer there); the double build (step 1e-6) checks
 * them tightly with the defaults. */
static bool kinked(tg_act a) { return a == TG_ACT_RELU || a == TG_ACT_LEAKY_RELU; }
#if TG_REAL_IS_DOUBLE
static const tg_gradcheck_opts *const kink_opts = NULL;
#else
static const tg_gradcheck_opts kink_loose = {.eps = 1e-3, .atol = 2e-2, .rtol = 2e-2, .n_dirs = -1};
static const tg_gradcheck_opts *const kink_opts = &kink_loose;
#endif

static void test_mlp_grad(void) {
    static const tg_act acts[] = {TG_ACT_IDENTITY, TG_ACT_RELU, TG_ACT_LEAKY_RELU, TG_ACT_SIGMOID,
                                  TG_ACT_TANH, TG_ACT_SOFTPLUS, TG_ACT_SOFTMAX};
    const int n = (int)(sizeof acts / sizeof acts[0]);
    tg_rng g;
    tg_rng_seed(&g, 9);
    for (int h = 0; h < n; h++)
        for (int o = 0; o < n; o++) {
            if (acts[h] == TG_ACT_SOFTMAX) continue; /* softmax is for outputs */
            tg_mlp *m = tg_mlp_new("mlp", 4, (int[]){3, 4, 3, 2}, acts[h], acts[o], &g);
            tg_params ps = {0};
            tg_mlp_params(m, &ps);
            tg_tensor *in[8];
            in[0] = check_input(&g, 2, (int[]){3, 3}, -1, 1);
            for (int i = 0; i < ps.n; i++) in[1 + i] = ps.items[i];
            char label[64];
            snprintf(label, sizeof label, "mlp %s -> %s", tg_act_name(acts[h]), tg_act_name(acts[o]));
            bool k = kinked(acts[h]) || kinked(acts[o]);
            check_op_grad_verdict(label, build_mlp, &(fwd_ctx){NULL, m}, in, 1 + ps.n,
                                  k ? kink_opts : NULL, k && !TG_REAL_IS_DOUBLE);
            tg_tensor_free(in[0]);
            tg_params_free(&ps);
            tg_mlp_free(m);
        }
}

static void test_init(void) {
    tg_rng g;
    tg_rng_seed(&g, 2);
    /* Glorot bound sqrt(6/(in+out)), He sqrt(6/in), torch 1/sqrt(in), biases */
    struct { tg_init init; double wb, bb; } cases[] = {
        {TG_INIT_GLOROT, sqrt(6.0 / (40 + 30)), 0},
        {TG_INIT_HE, sqrt(6.0 / 40), 0},
        {TG_INIT_TORCH, 1 / sqrt(40.0), 1 / sqrt(40.0)},
        {TG_INIT_ZEROS, 0, 0},
    };
    for (int c = 0; c < 4; c++) {
        tg_linear *l = tg_linear_new("fc", 40, 30, cases[c].init, &g);
        double mw = 0, mb = 0, sw = 0;
        for (size_t i = 0; i < l->W->size; i++) {
            mw = fmax(mw, fabs((double)l->W->data[i]));
            sw += (double)l->W->data[i] * l->W->data[i];
        }
        for (size_t i = 0; i < l->b->size; i++) mb = fmax(mb, fabs((double)l->b->data[i]));
        CHECK(mw <= cases[c].wb && mw >= 0.9 * cases[c].wb, "init %d: max |W| %g, bound %g", c, mw,
              cases[c].wb);
        CHECK(mb <= cases[c].bb && mb >= 0.5 * cases[c].bb, "init %d: max |b| %g, bound %g", c, mb,
              cases[c].bb);
        /* variance of U(-a,a) is a^2/3 */
        double var = sw / (double)l->W->size, want = cases[c].wb * cases[c].wb / 3;
        CHECK(fabs(var - want) <= 0.1 * want + 1e-12, "init %d: variance %g, expected %g", c, var, want);
        tg_linear_free(l);
    }
    CHECK(tg_init_for_act(TG_ACT_RELU) == TG_INIT_HE && tg_init_for_act(TG_ACT_LEAKY_RELU) == TG_INIT_HE &&
          tg_init_for_act(TG_ACT_TANH) == TG_INIT_GLOROT && tg_init_for_act(TG_ACT_SIGMOID) == TG_INIT_GLOROT,
          "default scheme per activation");
    /* the MLP uses He before relu, Glorot before the sigmoid output */
    tg_mlp *m = tg_mlp_new("m", 3, (int[]){50, 50, 10}, TG_ACT_RELU, TG_ACT_SIGMOID, &g);
    double m0 = 0, m1 = 0;
    for (size_t i = 0; i < m->layers[0].W->size; i++) m0 = fmax(m0, fabs((double)m->layers[0].W->data[i]));
    for (size_t i = 0; i < m->layers[1].W->size; i++) m1 = fmax(m1, fabs((double)m->layers[1].W->data[i]));
    CHECK(m0 > sqrt(6.0 / 100) && m0 <= sqrt(6.0 / 50), "He in layer 0: %g", m0);
    CHECK(m1 <= sqrt(6.0 / 60), "Glorot in layer 1: %g", m1);
    tg_mlp_free(m);
    /* init errors */
    tg_tensor *w = tg_tensor_new(1, (int[]){3}, 0);
    CHECK(tg_init_uniform(w, &g, -1) == TG_ERR_ARG, "negative bound");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_init_uniform: bound must be finite and >= 0, got -1");
    CHECK(tg_init_uniform(w, NULL, 1) == TG_ERR_ARG, "rng NULL");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_init_uniform: rng is NULL");
    CHECK(tg_init_glorot(w, &g, 0, 3) == TG_ERR_ARG, "fan 0");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_init_glorot: fans must be >= 1, got fan_in 0 fan_out 3");
    CHECK(tg_init_he(w, &g, -1) == TG_ERR_ARG, "he fan");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_init_he: fan_in must be >= 1, got -1");
    CHECK(tg_init_weights(w, NULL, TG_INIT_HE, NULL, 3, 1) == TG_ERR_ARG, "weights rng");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_init_weights: rng is NULL");
    CHECK(tg_init_weights(w, NULL, (tg_init)42, &g, 3, 1) == TG_ERR_ARG, "weights scheme");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_init_weights: unknown scheme 42");
    tg_tensor_free(w);
}

static void test_params_and_errors(void) {
    tg_rng g;
    tg_rng_seed(&g, 4);
    tg_mlp *m = tg_mlp_new("mlp", 4, (int[]){3, 5, 4, 2}, TG_ACT_TANH, TG_ACT_IDENTITY, &g);
    tg_params ps = {0};
    CHECK(tg_mlp_params(m, &ps) == TG_OK && ps.n == 6, "6 tensors");
    static const char *names[6] = {"mlp.0.W", "mlp.0.b", "mlp.1.W", "mlp.1.b", "mlp.2.W", "mlp.2.b"};
    for (int i = 0; i < ps.n && i < 6; i++)
        CHECK(strcmp(ps.items[i]->name, names[i]) == 0, "name %d: %s", i, ps.items[i]->name);
    /* 15+5 + 20+4 + 8+2 = 54, the same as nn.Linear(3,5), (5,4), (4,2) */
    CHECK(tg_params_numel(&ps) == 54, "count %zu", tg_params_numel(&ps));
    /* a second model with the same prefix cannot join the same list */
    tg_linear *dup = tg_linear_new("mlp.0", 3, 5, TG_INIT_GLOROT, &g);
    CHECK(tg_linear_params(dup, &ps) == TG_ERR_ARG, "duplicate names");
    CHECK_ERR(NULL, TG_ERR_ARG, "duplicate parameter name 'mlp.0.W'");
    tg_linear_free(dup);
    tg_params_free(&ps);

    tg_tape *t = tg_tape_new();
    tg_tensor *x = tg_tape_tensor(t, 2, (int[]){4, 2}, NULL, 0);
    CHECK(tg_mlp_forward(t, m, x) == NULL, "input width");
    CHECK_ERR(t, TG_ERR_SHAPE, "tg_linear_forward: 'mlp.0': x must have last dimension 3, got (4,2)");
    tg_tape_reset(t);
    CHECK(tg_mlp_forward(t, m, NULL) == NULL, "x NULL");
    CHECK_ERR(t, TG_ERR_ARG, "tg_linear_forward: 'mlp.0': x is NULL");
    tg_tape_reset(t);
    CHECK(tg_mlp_forward(t, NULL, NULL) == NULL, "mlp NULL");
    CHECK_ERR(t, TG_ERR_ARG, "tg_mlp_forward: mlp is NULL");
    tg_tape_reset(t);
    CHECK(tg_linear_forward(t, NULL, NULL) == NULL, "layer NULL");
    CHECK_ERR(t, TG_ERR_ARG, "tg_linear_forward: layer is NULL");
    /* the first error stays: a later layer's mistake is not reported over it */
    tg_tape_reset(t);
    x = tg_tape_tensor(t, 2, (int[]){4, 7}, NULL, 0);
    tg_linear_forward(t, &m->layers[1], x);
    tg_linear_forward(t, &m->layers[2], x);
    CHECK_ERR(t, TG_ERR_SHAPE, "tg_linear_forward: 'mlp.1': x must have last dimension 5, got (4,7)");
    tg_tape_free(t);
    tg_mlp_free(m);

    CHECK(tg_linear_new("fc", 0, 2, TG_INIT_GLOROT, &g) == NULL, "in 0");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_linear_new: in must be >= 1, got 0");
    CHECK(tg_linear_new("fc", 2, -3, TG_INIT_GLOROT, &g) == NULL, "out -3");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_linear_new: out must be >= 1, got -3");
    CHECK(tg_linear_new("fc", 2, 3, TG_INIT_GLOROT, NULL) == NULL, "rng NULL");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_init_weights: rng is NULL");
    CHECK(tg_linear_new("", 2, 3, TG_INIT_GLOROT, &g) == NULL, "empty prefix");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_linear_new: prefix '' must have 1..32 characters, has 0");
    CHECK(tg_linear_new("a_very_long_prefix_that_is_too_long", 2, 3, TG_INIT_GLOROT, &g) == NULL, "long");
    CHECK_ERR(NULL, TG_ERR_ARG, "must have 1..32 characters, has 35");
    CHECK(tg_mlp_new("m", 1, (int[]){3}, TG_ACT_TANH, TG_ACT_TANH, &g) == NULL, "one size");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_mlp_new: need at least 2 sizes (input and output), got 1");
    CHECK(tg_mlp_new("m", 3, (int[]){3, 4, 0}, TG_ACT_TANH, TG_ACT_TANH, &g) == NULL, "size 0");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_mlp_new: sizes[2] must be >= 1, got 0");
    CHECK(tg_mlp_new("m", 2, (int[]){3, 4}, (tg_act)77, TG_ACT_TANH, &g) == NULL, "bad act");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_mlp_new: unknown hidden activation 77");
    CHECK(tg_mlp_new("m", 2, (int[]){3, 4}, TG_ACT_TANH, TG_ACT_TANH, NULL) == NULL, "rng");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_mlp_new: rng is NULL");
    tg_linear_free(NULL);
    tg_mlp_free(NULL);
}

int main(void) {
    test_linear_forward();
    test_linear_grad();
    test_mlp_notes_examples();
    test_mlp_grad();
    test_init();
    test_params_and_errors();
    return check_done();
}
