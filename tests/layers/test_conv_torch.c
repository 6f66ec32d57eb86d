/* test_conv_torch.c — replays the layer fixtures of tests/fixtures/conv/ (written by
 * hand with tests/fixtures/make_op_fixtures.py, float64): nn.Conv1d / nn.Conv2d,
 * nn.MaxPool2d (with ties, and padding around negative values), nn.AvgPool2d and
 * nn.LayerNorm against tg_conv.h and tg_norm.h. For L = sum(r * out), the output and
 * the gradients of the input and of every parameter must match to 1e-12 relative to
 * the largest value (double build; 1e-4 in float). Also: a CNN step allocates
 * nothing after its first, and its arena holds one image's columns per convolution. */
#include "fixture.h"

#if TG_REAL_IS_DOUBLE
#define TOL 1e-12
#else
#define TOL 1e-4
#endif

static double worst;

static void compare(const char *c, const fixture *f, const char *name, const tg_tensor *x, bool grad) {
    const fx_tensor *s = fx_get(f, name);
    const tg_real *v = x ? (grad ? x->grad : x->data) : NULL;
    bool fits = s && v && s->size == x->size;
    CHECK(fits, "%s: %s missing or of another size", c, name);
    if (!fits) return;
    double scale = 0, err = 0;
    for (size_t i = 0; i < s->size; i++) {
        scale = fmax(scale, fabs(s->v[i]));
        err = fmax(err, fabs((double)v[i] - s->v[i]));
    }
    double rel = scale > 0 ? err / scale : err;
    worst = fmax(worst, rel);
    CHECK(rel <= TOL, "%s: %s differs from PyTorch by %.3g relative (tol %g)", c, name, rel, TOL);
}

typedef struct {
    const char *name;
    int kind;                          /* 0 conv2d, 1 conv1d, 2 max pool, 3 avg pool, 4 layer norm */
    int cin, cout, k[2], s[2], p[2], d[2];
    bool bias;
    double eps;
} layer_case;

static const layer_case cases[] = {
    {"conv2d", 0, 3, 4, {3, 2}, {2, 2}, {1, 1}, {2, 2}, true, 0},
    {"conv2d_1ch", 0, 1, 2, {2, 3}, {2, 1}, {1, 0}, {1, 2}, false, 0},
    {"conv2d_pad_both", 0, 2, 3, {1, 3}, {1, 2}, {2, 1}, {1, 1}, true, 0},
    {"conv1d", 1, 3, 4, {1, 3}, {1, 2}, {0, 1}, {1, 2}, true, 0},
    {"conv1d_1ch", 1, 1, 2, {1, 4}, {1, 1}, {0, 2}, {1, 1}, true, 0},
    {"maxpool_ties", 2, 0, 0, {3, 2}, {2, 1}, {1, 1}, {1, 1}, false, 0},
    {"maxpool_default", 2, 0, 0, {2, 2}, {2, 2}, {0, 0}, {1, 1}, false, 0},
    {"maxpool_negative", 2, 0, 0, {3, 3}, {2, 2}, {1, 1}, {1, 1}, false, 0},
    {"avgpool", 3, 0, 0, {3, 2}, {2, 2}, {1, 1}, {1, 1}, false, 0},
    {"avgpool_default", 3, 0, 0, {2, 2}, {2, 2}, {0, 0}, {1, 1}, false, 0},
    {"layernorm", 4, 7, 0, {0}, {0}, {0}, {0}, true, 1e-5},
    {"layernorm_plain", 4, 5, 0, {0}, {0}, {0}, {0}, false, 1e-3},
};

static void run_case(const layer_case *lc) {
    fixture f;
    if (!fx_load_from(&f, "conv", lc->name)) return;
    tg_tensor *x = fx_tensor_of(&f, "x", TG_REQUIRES_GRAD);
    tg_tape *t = tg_tape_new();
    tg_conv *conv = NULL;
    tg_layer_norm *ln = NULL;
    tg_tensor *y = NULL;
    tg_params ps = {0};
    if (lc->kind <= 1) {
        conv = lc->kind == 0 ? tg_conv2d_new("c", lc->cin, lc->cout, lc->k, lc->s, lc->p, lc->d, lc->bias,
                                             TG_INIT_ZEROS, NULL)
                             : tg_conv1d_new("c", lc->cin, lc->cout, lc->k[1], lc->s[1], lc->p[1], lc->d[1],
                                             lc->bias, TG_INIT_ZEROS, NULL);
        CHECK(conv != NULL, "%s: %s", lc->name, tg_last_error());
        if (conv) {
            fx_set(&f, "W", conv->W);
            if (conv->b) fx_set(&f, "b", conv->b);
            tg_conv_params(conv, &ps);
            y = tg_conv_forward(t, conv, x);
        }
    } else if (lc->kind == 4) {
        ln = tg_layer_norm_new("ln", lc->cin, lc->eps, lc->bias);
        if (ln && ln->gamma) {
            fx_set(&f, "gamma", ln->gamma);
            fx_set(&f, "beta", ln->beta);
        }
        tg_layer_norm_params(ln, &ps);
        y = tg_layer_norm_forward(t, ln, x);
    } else {
        y = (lc->kind == 2 ? tg_max_pool2d : tg_avg_pool2d)(t, x, lc->k, lc->s, lc->p);
    }
    CHECK(y != NULL, "%s: %s", lc->name, tg_tape_message(t));
    if (y) {
        compare(lc->name, &f, "out", y, false);
        tg_tensor *r = tg_tape_tensor(t, y->rank, y->shape, NULL, 0);
        fx_set(&f, "r", r);
        tg_tape_set_anomaly_detection(t, true); /* max pooling's -inf padding is a fill */
        tg_status st = tg_backward(t, tg_sum(t, tg_mul(t, y, r)), NULL);
        CHECK(st == TG_OK, "%s: backward: %s", lc->name, tg_tape_message(t));
        compare(lc->name, &f, "grad.x", x, true);
        char nm[64];
        for (int i = 0; i < ps.n; i++) {
            const char *dot = strchr(ps.items[i]->name, '.');
            snprintf(nm, sizeof nm, "grad.%s", dot ? dot + 1 : ps.items[i]->name);
            compare(lc->name, &f, nm, ps.items[i], true);
        }
    }
    tg_params_free(&ps);
    tg_conv_free(conv);
    tg_layer_norm_free(ln);
    tg_tape_free(t);
    tg_tensor_free(x);
    fx_free(&f);
}

/* conv -> relu -> max pool -> conv -> avg pool -> layer norm: steady steps allocate
 * nothing. */
static void test_steady(void) {
    tg_rng g;
    tg_rng_seed(&g, 4);
    tg_conv *c1 = tg_conv2d_new("c1", 1, 4, (int[]){3, 3}, NULL, (int[]){1, 1}, NULL, true, TG_INIT_TORCH, &g);
    tg_conv *c2 = tg_conv2d_new("c2", 4, 3, (int[]){3, 3}, NULL, (int[]){1, 1}, NULL, true, TG_INIT_TORCH, &g);
    tg_layer_norm *ln = tg_layer_norm_new("ln", 2, 1e-5, true);
    tg_tensor *x = tg_tensor_new(4, (int[]){2, 1, 8, 8}, 0);
    tg_tensor_uniform(x, &g, -1, 1);
    tg_tape *t = tg_tape_new();
    size_t before = 0;
    for (int step = 0; step < 3; step++) {
        if (step == 2) before = tg_alloc_count();
        tg_tape_reset(t);
        tg_tensor *h = tg_max_pool2d(t, tg_relu(t, tg_conv_forward(t, c1, x)), (int[]){2, 2}, NULL, (int[]){1, 1});
        h = tg_avg_pool2d(t, tg_conv_forward(t, c2, h), (int[]){2, 2}, NULL, NULL);
        tg_tensor *L = tg_mean(t, tg_square(t, tg_layer_norm_forward(t, ln, h)));
        CHECK(L && tg_backward(t, L, NULL) == TG_OK, "CNN step %d: %s", step, tg_tape_message(t));
    }
    CHECK(tg_alloc_count() == before, "a CNN step allocates nothing (%zu allocations)", tg_alloc_count() - before);
    tg_tape_free(t);
    tg_tensor_free(x);
    tg_conv_free(c1);
    tg_conv_free(c2);
    tg_layer_norm_free(ln);
}

/* What a CNN step keeps in the arena: its tensors (values and gradients) and, per
 * convolution, one image's columns ((Cin kh kw + 1) x OH*OW) and three (Cout,
 * Cin kh kw + 1) blocks, never the batch's columns nor their gradient (which the
 * unfold + matmul composition kept: 2 x N columns per layer). The bound is computed
 * from the shapes, with 16 KiB for nodes and alignment. */
static void test_step_memory(void) {
    enum { N = 16, S = 12, C1 = 4, C2 = 6 };
    tg_rng g;
    tg_rng_seed(&g, 8);
    tg_conv *c1 = tg_conv2d_new("c1", 1, C1, (int[]){3, 3}, NULL, (int[]){1, 1}, NULL, true, TG_INIT_TORCH, &g);
    tg_conv *c2 = tg_conv2d_new("c2", C1, C2, (int[]){3, 3}, NULL, (int[]){1, 1}, NULL, true, TG_INIT_TORCH, &g);
    tg_tensor *xs = tg_tensor_new(4, (int[]){N, 1, S, S}, 0), *ys = tg_tensor_new(4, (int[]){N, C2, S, S}, 0);
    tg_tensor_uniform(xs, &g, -1, 1);
    tg_tensor_uniform(ys, &g, -1, 1);
    tg_tape *t = tg_tape_new();
    size_t used = 0;
    for (int step = 0; step < 2; step++) {
        tg_tape_reset(t);
        tg_tensor *x = tg_tape_tensor(t, 4, xs->shape, xs->data, 0), *y = tg_tape_tensor(t, 4, ys->shape, ys->data, 0);
        tg_tensor *h = tg_conv_forward(t, c2, tg_relu(t, tg_conv_forward(t, c1, x)));
        tg_tensor *L = tg_mse_loss(t, h, y);
        CHECK(L && tg_backward(t, L, NULL) == TG_OK, "step %d: %s", step, tg_tape_message(t));
        used = tg_tape_arena_used(t);
    }
    size_t r = sizeof(tg_real), px = (size_t)S * S, R1[2] = {1 * 9 + 1, C1 * 9 + 1}, out[2] = {C1, C2};
    size_t tensors = r * N * px * (1 + 2 * C1 + 2 * C1 + 2 * C2 + C2); /* x; conv1, relu, conv2 and grads; y */
    size_t layers = 0, batch_cols = 0;
    for (int l = 0; l < 2; l++) {
        layers += r * (R1[l] * px + 3 * out[l] * R1[l]);
        batch_cols += r * N * R1[l] * px;
    }
    size_t bound = tensors + layers + 16384;
    CHECK(used <= bound,
          "a CNN step holds %zu arena bytes: at most its tensors (%zu) + one image's columns and the weight blocks "
          "per layer (%zu) + 16 KiB; the batch's columns alone would be %zu",
          used, tensors, layers, batch_cols);
    printf("CNN step: %zu arena bytes (bound %zu; the batch's columns and their gradient: %zu)\n", used, bound,
           2 * batch_cols);
    tg_tape_free(t);
    tg_tensor_free(xs);
    tg_tensor_free(ys);
    tg_conv_free(c1);
    tg_conv_free(c2);
}

/* The training loop of examples/fashion_cnn in small: conv, max pool, relu (twice),
 * dropout, two linear layers, cross-entropy, Adam, over changing batches: after the
 * first step nothing is allocated (the counter stays flat over 20 steps), and training
 * makes progress. */
static void test_training_loop(void) {
    enum { B = 8, S = 12, STEPS = 20 };
    tg_rng g;
    tg_rng_seed(&g, 6);
    tg_conv *c1 = tg_conv2d_new("c1", 1, 4, (int[]){3, 3}, NULL, (int[]){1, 1}, NULL, true, TG_INIT_TORCH, &g);
    tg_conv *c2 = tg_conv2d_new("c2", 4, 8, (int[]){3, 3}, NULL, (int[]){1, 1}, NULL, true, TG_INIT_TORCH, &g);
    tg_linear *f1 = tg_linear_new("f1", 8 * 3 * 3, 16, TG_INIT_TORCH, &g);
    tg_linear *f2 = tg_linear_new("f2", 16, 10, TG_INIT_TORCH, &g);
    tg_params ps = {0};
    CHECK(c1 && c2 && f1 && f2 && tg_conv_params(c1, &ps) == TG_OK && tg_conv_params(c2, &ps) == TG_OK &&
              tg_linear_params(f1, &ps) == TG_OK && tg_linear_params(f2, &ps) == TG_OK,
          "model: %s", tg_last_error());
    tg_adam_opts ao = tg_adam_defaults();
    ao.lr = 1e-2;
    tg_optim *opt = tg_adam_new(&ps, &ao);
    tg_tensor *xs = tg_tensor_new(4, (int[]){3 * B, 1, S, S}, 0);
    tg_tensor_uniform(xs, &g, 0, 1);
    int labels[3 * B];
    for (int i = 0; i < 3 * B; i++) labels[i] = (int)(tg_rng_u64(&g) % 10);
    tg_tape *t = tg_tape_new();
    size_t after_first = 0;
    double first = 0, last = 0;
    for (int step = 0; step < STEPS && opt; step++) {
        int b0 = (step % 3) * B;
        tg_tape_reset(t);
        tg_tensor *x = tg_tape_tensor(t, 4, (int[]){B, 1, S, S}, xs->data + (size_t)b0 * S * S, 0);
        tg_tensor *h = tg_relu(t, tg_max_pool2d(t, tg_conv_forward(t, c1, x), (int[]){2, 2}, NULL, NULL));
        h = tg_relu(t, tg_max_pool2d(t, tg_conv_forward(t, c2, h), (int[]){2, 2}, NULL, NULL));
        h = tg_dropout(t, tg_reshape(t, h, 2, (int[]){B, 8 * 3 * 3}), (tg_real)0.25, &g, true);
        tg_tensor *L = tg_cross_entropy(t, tg_linear_forward(t, f2, tg_relu(t, tg_linear_forward(t, f1, h))),
                                        labels + b0);
        tg_optim_zero_grad(opt);
        bool ok = L && tg_backward(t, L, NULL) == TG_OK && tg_optim_step(opt) == TG_OK;
        CHECK(ok, "CNN training step %d: %s", step, tg_tape_message(t));
        if (!ok) break;
        if (step == 0) after_first = tg_alloc_count(), first = (double)tg_item(L);
        if (step >= STEPS - 3) last += (double)tg_item(L) / 3;
    }
    CHECK(tg_alloc_count() == after_first, "CNN training steps after the first allocate nothing (%zu allocations)",
          tg_alloc_count() - after_first);
    CHECK(last < first, "training makes progress: loss %.4f -> %.4f", first, last);
    tg_tape_free(t);
    tg_tensor_free(xs);
    tg_optim_free(opt);
    tg_params_free(&ps);
    tg_conv_free(c1);
    tg_conv_free(c2);
    tg_linear_free(f1);
    tg_linear_free(f2);
}

int main(void) {
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) run_case(&cases[i]);
    printf("%zu cases; worst relative difference from PyTorch %.3g\n", sizeof cases / sizeof cases[0], worst);
    test_steady();
    test_step_memory();
    test_training_loop();
    return check_done();
}
