/* test_gru.c — GRU in both variants: the notes' (reset applied to h BEFORE the
 * matmul) and PyTorch's (AFTER, with b_hn). Forward against plain-loop references,
 * gradient checks through 8+ steps of a 2-layer stack, cells vs sequence, truncated
 * BPTT, parameter counts, errors. */
#include "rnn_check.h"

static double sig(double a) { return 1 / (1 + exp(-a)); }

/* Blocks [r z n]; h' = (1 - z) n + z h. */
static void test_forward_by_hand(tg_rnn_kind kind) {
    enum { F = 2, H = 3, T = 4, G = 3 * H };
    tg_rng g;
    tg_rng_seed(&g, 21 + (uint64_t)kind);
    tg_rnn *m = tg_rnn_new("g", &(tg_rnn_config){kind, F, H, 1, false}, &g);
    tg_tensor *x = check_input(&g, 3, (int[]){T, 1, F}, -1, 1);
    tg_tensor *h0 = check_input(&g, 3, (int[]){1, 1, H}, -1, 1);
    tg_tape *t = tg_tape_new();
    tg_tensor *out;
    CHECK(tg_rnn_forward(t, m, x, h0, NULL, &out, NULL, NULL) == TG_OK, "forward: %s",
          tg_tape_message(t));
    const tg_rnn_layer *p = &m->layers[0];
    const tg_real *Wx = p->W_x->data, *Wh = p->W_h->data, *b = p->b->data;
    double h[H];
    for (int j = 0; j < H; j++) h[j] = h0->data[j];
    for (int s = 0; s < T && out; s++) {
        double xw[G], hw[G], r[H], z[H], n[H];
        for (int j = 0; j < G; j++) {
            xw[j] = b[j];
            hw[j] = 0;
            for (int i = 0; i < F; i++) xw[j] += x->data[s * F + i] * Wx[i * G + j];
            for (int k = 0; k < H; k++) hw[j] += h[k] * Wh[k * G + j];
        }
        for (int j = 0; j < H; j++) {
            r[j] = sig(xw[j] + hw[j]);
            z[j] = sig(xw[H + j] + hw[H + j]);
        }
        for (int j = 0; j < H; j++) {
            double rec;
            if (kind == TG_RNN_GRU) { /* (r (.) h) W_hn */
                rec = 0;
                for (int k = 0; k < H; k++) rec += r[k] * h[k] * Wh[k * G + 2 * H + j];
            } else { /* r (.) (h W_hn + b_hn) */
                rec = r[j] * (hw[2 * H + j] + p->b_hn->data[j]);
            }
            n[j] = tanh(xw[2 * H + j] + rec);
        }
        for (int j = 0; j < H; j++) {
            h[j] = (1 - z[j]) * n[j] + z[j] * h[j];
            CHECK_NEAR(out->data[s * H + j], h[j], 1e-6);
        }
    }
    tg_tape_free(t);
    tg_tensor_free(x);
    tg_tensor_free(h0);
    tg_rnn_free(m);
}

static void test_params(void) {
    tg_rng g;
    tg_rng_seed(&g, 3);
    tg_rnn *m = tg_rnn_new("gru", &(tg_rnn_config){TG_RNN_GRU, 3, 5, 2, false}, &g);
    tg_params ps = {0};
    CHECK(tg_rnn_params(m, &ps) == TG_OK && ps.n == 6, "seed GRU: 6 tensors, got %d", ps.n);
    CHECK(m->layers[0].b_hn == NULL, "no b_hn in the notes' GRU");
    /* 3(15+25+5) + 3(25+25+5) = 300; nn.GRU(3,5,2) has 330 */
    CHECK(tg_params_numel(&ps) == 300, "count %zu", tg_params_numel(&ps));
    tg_params_free(&ps);
    tg_rnn_free(m);
    m = tg_rnn_new("gru", &(tg_rnn_config){TG_RNN_GRU_TORCH, 3, 5, 2, false}, &g);
    CHECK(tg_rnn_params(m, &ps) == TG_OK && ps.n == 8, "torch GRU: 8 tensors, got %d", ps.n);
    CHECK(tg_params_find(&ps, "gru.1.b_hn") && tg_params_find(&ps, "gru.1.b_hn")->size == 5,
          "gru.1.b_hn (5)");
    CHECK(tg_params_numel(&ps) == 310, "count %zu", tg_params_numel(&ps));
    tg_params_free(&ps);
    tg_rnn_free(m);
}

int main(void) {
    test_forward_by_hand(TG_RNN_GRU);
    test_forward_by_hand(TG_RNN_GRU_TORCH);
    test_params();
    for (int k = 0; k < 2; k++) {
        tg_rnn_kind kind = k ? TG_RNN_GRU_TORCH : TG_RNN_GRU;
        rc_gradcheck(kind, 2, 3, 2, 8, 2, true, NULL);
        rc_gradcheck(kind, 3, 2, 1, 9, 1, false, NULL);
        rc_cell_matches_sequence(kind);
        rc_truncated_bptt(kind);
        rc_errors(kind);
    }
    return check_done();
}
