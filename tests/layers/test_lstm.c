/* test_lstm.c — LSTM: forward against the notes' gate equations computed with plain
 * loops, gradient checks through 8+ steps of a 2-layer stack (h, c, x, h0, c0 and
 * every parameter), forget-gate bias, cells vs sequence, truncated BPTT, errors. */
#include "rnn_check.h"

static double sig(double a) { return 1 / (1 + exp(-a)); }

/* Reference: blocks [i f g o] of a = x W_x + h W_h + b, c' = f c + i g, h' = o tanh c'. */
static void test_forward_by_hand(void) {
    enum { F = 2, H = 2, T = 3, G = 4 * H };
    tg_rng g;
    tg_rng_seed(&g, 11);
    tg_rnn *m = tg_rnn_new("l", &(tg_rnn_config){TG_RNN_LSTM, F, H, 1, false}, &g);
    tg_tensor *x = check_input(&g, 3, (int[]){T, 1, F}, -1, 1);
    tg_tape *t = tg_tape_new();
    tg_tensor *out, *hn, *cn;
    CHECK(tg_rnn_forward(t, m, x, NULL, NULL, &out, &hn, &cn) == TG_OK, "forward: %s",
          tg_tape_message(t));
    const tg_real *Wx = m->layers[0].W_x->data, *Wh = m->layers[0].W_h->data, *b = m->layers[0].b->data;
    double h[H] = {0}, c[H] = {0};
    for (int s = 0; s < T && out; s++) {
        double a[G];
        for (int j = 0; j < G; j++) {
            a[j] = b[j];
            for (int i = 0; i < F; i++) a[j] += x->data[s * F + i] * Wx[i * G + j];
            for (int k = 0; k < H; k++) a[j] += h[k] * Wh[k * G + j];
        }
        for (int j = 0; j < H; j++) {
            double ig = sig(a[j]), fg = sig(a[H + j]), gg = tanh(a[2 * H + j]), og = sig(a[3 * H + j]);
            c[j] = fg * c[j] + ig * gg;
            h[j] = og * tanh(c[j]);
        }
        for (int j = 0; j < H; j++) CHECK_NEAR(out->data[s * H + j], h[j], 1e-6);
    }
    if (cn) for (int j = 0; j < H; j++) CHECK_NEAR(cn->data[j], c[j], 1e-6);
    if (hn) for (int j = 0; j < H; j++) CHECK_NEAR(hn->data[j], h[j], 1e-6);
    tg_tape_free(t);
    tg_tensor_free(x);
    tg_rnn_free(m);
}

static void test_params_and_forget_bias(void) {
    tg_rng g;
    tg_rng_seed(&g, 3);
    tg_rnn *m = tg_rnn_new("lstm", &(tg_rnn_config){TG_RNN_LSTM, 3, 5, 2, true}, &g);
    tg_params ps = {0};
    CHECK(tg_rnn_params(m, &ps) == TG_OK && ps.n == 6, "6 tensors, got %d", ps.n);
    CHECK(tg_params_find(&ps, "lstm.1.W_x") && tg_params_find(&ps, "lstm.1.W_x")->shape[1] == 20,
          "lstm.1.W_x is (5,20)");
    /* ours 400 = 4(15+25+5) + 4(25+25+5); nn.LSTM(3,5,2) has 440 */
    CHECK(tg_params_numel(&ps) == 400, "count %zu", tg_params_numel(&ps));
    for (int l = 0; l < 2; l++) {
        const tg_real *b = m->layers[l].b->data;
        bool ones = true, others = true;
        for (int j = 0; j < 20; j++) {
            if (j >= 5 && j < 10) ones = ones && b[j] == 1;
            else others = others && fabs((double)b[j]) <= 1 / sqrt(5.0);
        }
        CHECK(ones && others, "layer %d: forget bias 1, the rest within +-1/sqrt(H)", l);
    }
    tg_params_free(&ps);
    tg_rnn_free(m);
    /* Without the option the forget bias is drawn like the others. */
    tg_rng_seed(&g, 3);
    m = tg_rnn_new("lstm", &(tg_rnn_config){TG_RNN_LSTM, 3, 5, 1, false}, &g);
    CHECK(m && fabs((double)m->layers[0].b->data[5]) < 1 / sqrt(5.0), "forget bias drawn");
    tg_rnn_free(m);
}

int main(void) {
    test_forward_by_hand();
    test_params_and_forget_bias();
    rc_gradcheck(TG_RNN_LSTM, 2, 3, 2, 8, 2, true, NULL);
    rc_gradcheck(TG_RNN_LSTM, 3, 2, 2, 10, 1, false, NULL);
    rc_cell_matches_sequence(TG_RNN_LSTM);
    rc_truncated_bptt(TG_RNN_LSTM);
    rc_errors(TG_RNN_LSTM);
    return check_done();
}
