/* test_rnn.c — Elman RNN (tanh and relu): forward by hand, gradient checks through
 * 8+ time steps of a 2-layer stack, cells vs sequence, truncated BPTT, parameters,
 * initialisation and every error path. */
#include "rnn_check.h"

static void set(tg_tensor *x, const double *v) {
    for (size_t i = 0; i < x->size; i++) x->data[i] = (tg_real)v[i];
}

/* h_t = act(x_t W_x + h_{t-1} W_h + b), computed here with plain loops. */
static void test_forward_by_hand(tg_rnn_kind kind) {
    tg_rng g;
    tg_rng_seed(&g, 1);
    tg_rnn *m = tg_rnn_new("r", &(tg_rnn_config){kind, 2, 2, 1, false}, &g);
    const double Wx[4] = {0.5, -0.3, 0.2, 0.8}, Wh[4] = {0.1, -0.6, 0.4, 0.3}, b[2] = {0.05, -0.1};
    const double xs[6] = {1, -1, 0.5, 2, -1.5, 0.25};
    set(m->layers[0].W_x, Wx);
    set(m->layers[0].W_h, Wh);
    set(m->layers[0].b, b);
    tg_tape *t = tg_tape_new();
    tg_tensor *x = tg_tape_tensor(t, 3, (int[]){3, 1, 2}, NULL, 0);
    set(x, xs);
    tg_tensor *out, *hn;
    CHECK(tg_rnn_forward(t, m, x, NULL, NULL, &out, &hn, NULL) == TG_OK, "forward: %s",
          tg_tape_message(t));
    double h[2] = {0, 0};
    for (int s = 0; s < 3 && out; s++) {
        double a[2];
        for (int j = 0; j < 2; j++) {
            a[j] = b[j];
            for (int i = 0; i < 2; i++) a[j] += xs[2 * s + i] * Wx[2 * i + j] + h[i] * Wh[2 * i + j];
        }
        for (int j = 0; j < 2; j++) {
            h[j] = kind == TG_RNN_RELU ? fmax(a[j], 0) : tanh(a[j]);
            CHECK_NEAR(out->data[2 * s + j], h[j], 1e-6);
        }
    }
    if (hn) CHECK_NEAR(hn->data[1], h[1], 1e-6);
    tg_tape_free(t);
    tg_rnn_free(m);
}

static void test_params_and_init(void) {
    tg_rng g;
    tg_rng_seed(&g, 3);
    tg_rnn *m = tg_rnn_new("rnn", &(tg_rnn_config){TG_RNN_TANH, 3, 5, 2, false}, &g);
    tg_params ps = {0};
    CHECK(tg_rnn_params(m, &ps) == TG_OK && ps.n == 6, "6 tensors, got %d", ps.n);
    static const char *names[6] = {"rnn.0.W_x", "rnn.0.W_h", "rnn.0.b",
                                   "rnn.1.W_x", "rnn.1.W_h", "rnn.1.b"};
    static const int rows[6] = {3, 5, 5, 5, 5, 5};
    for (int i = 0; i < ps.n && i < 6; i++) {
        CHECK(strcmp(ps.items[i]->name, names[i]) == 0, "name %d: %s", i, ps.items[i]->name);
        CHECK(ps.items[i]->shape[0] == rows[i], "%s rows %d", names[i], ps.items[i]->shape[0]);
        double k = 1 / sqrt(5.0), mx = 0;
        for (size_t j = 0; j < ps.items[i]->size; j++) mx = fmax(mx, fabs((double)ps.items[i]->data[j]));
        /* within the bound; and spread over it where there are enough draws */
        CHECK(mx <= k && (ps.items[i]->size < 15 || mx > 0.7 * k),
              "%s: init within +-1/sqrt(H): max %g", names[i], mx);
    }
    /* ours 100 = (15+25+5) + (25+25+5); PyTorch's nn.RNN(3,5,2) has 110 (two biases) */
    CHECK(tg_params_numel(&ps) == 100, "count %zu", tg_params_numel(&ps));
    tg_params_free(&ps);
    tg_rnn_free(m);
    CHECK(strcmp(tg_rnn_kind_name(TG_RNN_RELU), "rnn_relu") == 0, "kind name");
    CHECK(strcmp(tg_rnn_kind_name((tg_rnn_kind)99), "?") == 0, "kind name out of range");
}

int main(void) {
    test_forward_by_hand(TG_RNN_TANH);
    test_forward_by_hand(TG_RNN_RELU);
    test_params_and_init();
    /* 8 and 9 steps through 2 layers, with and without a given initial state. */
    rc_gradcheck(TG_RNN_TANH, 2, 3, 2, 8, 2, true, NULL);
    rc_gradcheck(TG_RNN_TANH, 3, 2, 1, 9, 1, false, NULL);
    /* relu: in the float build a step of 3e-4 keeps the ~100 pre-activations from
     * crossing the kink (see test_linear.c); double uses the defaults. */
#if TG_REAL_IS_DOUBLE
    rc_gradcheck(TG_RNN_RELU, 2, 3, 2, 8, 2, true, NULL);
#else
    rc_gradcheck(TG_RNN_RELU, 2, 3, 2, 8, 2, true, &(tg_gradcheck_opts){.eps = 3e-4, .atol = 2e-2, .rtol = 2e-2});
#endif
    rc_cell_matches_sequence(TG_RNN_TANH);
    rc_cell_matches_sequence(TG_RNN_RELU);
    rc_truncated_bptt(TG_RNN_TANH);
    rc_errors(TG_RNN_TANH);
    rc_errors(TG_RNN_RELU);
    return check_done();
}
