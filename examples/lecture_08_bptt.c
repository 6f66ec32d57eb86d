/* lecture_08_bptt.c — example 8: backpropagation through time and the vanishing or
 * exploding gradient (the lecture notes' overview, "Backpropagation Through Time"):
 * the gradient at time T carries a factor w_zz prod_t g'(in_t), so it vanishes when
 * w_zz < 1 and may explode when w_zz > 1; the LSTM's cell c_t = f_t c_{t-1} + i_t g_t
 * is copied from step to step, so with its forget gate open (f ~ 1) the gradient
 * neither vanishes nor explodes: it stays roughly constant.
 *
 * Hidden size H = 4, no input (x_t = 0), h_0 = 0 (and c_0 = 0): the state stays at the
 * origin, where tanh' = 1 and sigmoid = 1/2, so the size of the gradient is set by
 * the weights alone. Q is a fixed rotation (orthogonal), so ||Q||_F = 2.
 *   RNN (tg_rnn, tanh):  h_t = tanh(h_{t-1} W_h),  W_h = w Q,  w = 0.5 and w = 1.5
 *                        -> dh_T/dh_0 = (w Q)^T exactly: ||.||_F = 2 w^T
 *   LSTM (tg_rnn, lstm): forget-gate bias 5 (f = sigmoid(5) = 0.9933), candidate
 *                        weights W_hg = 0.5 Q, every other weight and bias 0
 * For each T the program builds the Jacobian dh_T/dh_0 (4 x 4) row by row, one
 * backward sweep seeded with a one-hot vector per row, and prints its Frobenius norm;
 * the table is also written as an SVG chart (log scale).
 * Run: ./build/examples/lecture_08_bptt [chart.svg]   (default ./bptt.svg)
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <tapegrad.h>
#ifndef LECTURE_TEST
#include "svg_chart.h"
#include "cli.h"
#endif

#define LEC08_T 50
#define LEC08_H 4

typedef struct lec08 { double rnn_small[LEC08_T + 1], rnn_large[LEC08_T + 1], lstm[LEC08_T + 1]; } lec08;

/* norms[T] = ||dh_T/dh_0||_F for T = 1..LEC08_T of the model m. */
static int lec08_norms(tg_rnn *m, double *norms) {
    const int H = LEC08_H;
    tg_tape *t = tg_tape_new();
    tg_tensor *h0 = tg_tape_tensor(t, 2, (int[]){1, H}, NULL, TG_REQUIRES_GRAD);
    tg_tensor *x = tg_tape_tensor(t, 2, (int[]){1, 1}, NULL, 0);
    tg_tensor *hs[LEC08_T + 1] = {h0}, *c = NULL;
    for (int s = 1; s <= LEC08_T; s++)
        if (tg_rnn_cell(t, m, 0, x, hs[s - 1], c, &hs[s], &c) != TG_OK) return 1;
    tg_tensor *seed = tg_tape_tensor(t, 2, (int[]){1, H}, NULL, 0);
    for (int T = 1; T <= LEC08_T; T++) {
        double ss = 0;
        for (int k = 0; k < H; k++) { /* row k of dh_T/dh_0: seed e_k */
            tg_tensor_fill(seed, 0);
            seed->data[k] = 1;
            if (h0->grad) memset(h0->grad, 0, H * sizeof(tg_real)); /* a leaf accumulates */
            if (tg_backward(t, hs[T], seed) != TG_OK) return 1;
            for (int j = 0; j < H; j++) ss += (double)h0->grad[j] * h0->grad[j];
        }
        norms[T] = sqrt(ss);
    }
    tg_tape_free(t);
    return 0;
}

/* Sets block `blk` (of G) of the recurrent weight (H, G*H) to scale * Q, where Q is two
 * 2 x 2 rotations by 90 degrees. */
static void lec08_set_q(tg_tensor *Wh, int G, int blk, double scale) {
    static const double Q[LEC08_H][LEC08_H] = {{0, 1, 0, 0}, {-1, 0, 0, 0}, {0, 0, 0, 1}, {0, 0, -1, 0}};
    for (int i = 0; i < LEC08_H; i++)
        for (int j = 0; j < LEC08_H; j++) Wh->data[i * G * LEC08_H + blk * LEC08_H + j] = (tg_real)(scale * Q[i][j]);
}

static int lec08_model(tg_rnn_kind kind, double w, double *norms) {
    tg_rng rng;
    tg_rng_seed(&rng, 8);
    tg_rnn_config cfg = {.kind = kind, .input_size = 1, .hidden_size = LEC08_H, .num_layers = 1};
    tg_rnn *m = tg_rnn_new("rnn", &cfg, &rng);
    if (!m) return 1;
    tg_rnn_layer *l = &m->layers[0];
    tg_tensor_fill(l->W_x, 0);
    tg_tensor_fill(l->W_h, 0);
    tg_tensor_fill(l->b, 0);
    if (kind == TG_RNN_LSTM) {
        lec08_set_q(l->W_h, 4, 2, w);                                        /* blocks [i f g o] */
        for (int j = 0; j < LEC08_H; j++) l->b->data[LEC08_H + j] = 5;       /* b_f = 5 */
    } else {
        lec08_set_q(l->W_h, 1, 0, w);
    }
    int rc = lec08_norms(m, norms);
    tg_rnn_free(m);
    return rc;
}

static int lec08_compute(lec08 *r) {
    return lec08_model(TG_RNN_TANH, 0.5, r->rnn_small) || lec08_model(TG_RNN_TANH, 1.5, r->rnn_large) ||
           lec08_model(TG_RNN_LSTM, 0.5, r->lstm);
}

static int lec08_run(FILE *out, const char *svg, lec08 *res) {
    lec08 r = {.lstm = {0}};
    if (lec08_compute(&r)) {
        fprintf(stderr, "lecture_08_bptt: %s\n", tg_last_error());
        return 1;
    }
    fprintf(out, "||dh_T/dh_0||_F by backpropagation through time (the lecture notes' overview)\n"
                 "H = 4, x = 0, h_0 = 0\n");
    fprintf(out, "   T   RNN w=0.5   RNN w=1.5   LSTM f=0.9933\n");
    for (int T = 1; T <= LEC08_T; T++)
        if (T <= 2 || T % 5 == 0)
            fprintf(out, "%4d  %10.3e  %10.3e  %10.3e\n", T, r.rnn_small[T], r.rnn_large[T], r.lstm[T]);
    fprintf(out, "RNN: 2 w^T (vanishes for w < 1, explodes for w > 1); LSTM: the cell path keeps it roughly constant\n");
#ifndef LECTURE_TEST
    if (svg) {
        double T[LEC08_T];
        for (int i = 0; i < LEC08_T; i++) T[i] = i + 1;
        svg_chart *c = svg_chart_new("BPTT: ||dh_T/dh_0|| against T", "T", "Frobenius norm (log scale)");
        svg_chart_set_log_y(c, 1);
        svg_chart_add(c, "RNN, w = 0.5", T, r.rnn_small + 1, LEC08_T);
        svg_chart_add(c, "RNN, w = 1.5", T, r.rnn_large + 1, LEC08_T);
        svg_chart_add(c, "LSTM, forget gate open", T, r.lstm + 1, LEC08_T);
        if (!c || svg_chart_write(c, svg) != 0) {
            cli_write_failed("lecture_08_bptt", svg);
            svg_chart_free(c);
            return 1;
        }
        svg_chart_free(c);
        fprintf(out, "chart written to %s\n", svg);
    }
#else
    (void)svg;
#endif
    if (res) *res = r;
    return 0;
}

#ifndef LECTURE_TEST
int main(int argc, char **argv) {
    const char *svg = "bptt.svg";
    cli c = {"lecture_08_bptt", "[CHART.svg]",
             "Example 8 of the lecture notes: ||dh_T/dh_0|| of an RNN and an LSTM against T;\n"
             "prints the table and writes it as a chart to CHART.svg (default bptt.svg).\n",
             cli_no_options, 1, &svg, 0, false};
    int rc = cli_parse(&c, argc, argv);
    return rc != CLI_RUN ? rc : lec08_run(stdout, svg, NULL);
}
#endif
