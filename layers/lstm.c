/* lstm.c — the LSTM cell (tg_rnn.h, TG_RNN_LSTM) as a composition of primitive ops.
 * Equations: the lecture notes' section on gates in LSTM, with biases. The four gate
 * blocks of W_x, W_h and b are addressed by tg_lstm_gate: block k is columns
 * k*H..(k+1)*H-1. Shapes: B batch rows, H hidden. */
#include "rnn_private.h"

_Static_assert(TG_LSTM_GATES <= TG__RNN_GATES_MAX, "the LSTM's blocks fit the bound");

/* a = x W_x + b + h W_h (B,4H): one recurrent matmul for all four gates, one sigmoid
 * over all blocks (its TG_LSTM_CELL block is unused), then slices. a's cell block is
 * sliced before the sigmoid is recorded. Gradients flow in reverse recording order, so
 * the sigmoid then writes the whole of a's gradient first and the slice adds its block
 * onto it; in the other order three blocks would be zeroed first. */
static tg_tensor *step_lstm(tg_tape *t, const tg__rnn_view *v, tg_tensor *xw, tg_tensor *h,
                            tg_tensor *c, tg_tensor **c_out) {
    int H = v->m->hidden_size, k = v->step;
    const tg_tensor *own = v->p->W_x; /* names "<prefix>.<layer>.t<k>.f" */
    tg_tensor *hw = tg__label(tg_matmul(t, h, v->p->W_h), own, "hW", k);
    tg_tensor *a = tg__label(tg_add(t, xw, hw), own, "a", k);             /* (B,4H) */
    tg_tensor *ag = tg__label(tg_slice(t, a, 1, TG_LSTM_CELL * H, H), own, "a_g", k);
    tg_tensor *s = tg__label(tg_sigmoid(t, a), own, "sigma", k);
    tg_tensor *i = tg__label(tg_slice(t, s, 1, TG_LSTM_INPUT * H, H), own, "i", k);   /* i = sigma(a_i) */
    tg_tensor *f = tg__label(tg_slice(t, s, 1, TG_LSTM_FORGET * H, H), own, "f", k);  /* f = sigma(a_f) */
    tg_tensor *o = tg__label(tg_slice(t, s, 1, TG_LSTM_OUTPUT * H, H), own, "o", k);  /* o = sigma(a_o) */
    tg_tensor *g = tg__label(tg_tanh(t, ag), own, "g", k);                /* g = tanh(a_g) */
    /* c' = f (.) c + i (.) g */
    tg_tensor *fc = tg__label(tg_mul(t, f, c), own, "fc", k);
    tg_tensor *ig = tg__label(tg_mul(t, i, g), own, "ig", k);
    tg_tensor *c2 = tg__label(tg_add(t, fc, ig), own, "c", k);
    *c_out = c2;
    /* h' = o (.) tanh(c') */
    tg_tensor *tc = tg__label(tg_tanh(t, c2), own, "tanh_c", k);
    return tg__label(tg_mul(t, o, tc), own, "h", k);
}

/* forget_bias_one: b_f = 1 after the draws (Jozefowicz et al. 2015), so the cell
 * keeps its state by default. */
static void init_lstm(tg_rnn_layer *p, int H, const tg_rnn_config *cfg) {
    if (!cfg->forget_bias_one) return;
    for (int j = TG_LSTM_FORGET * H; j < (TG_LSTM_FORGET + 1) * H; j++) p->b->data[j] = 1;
    tg_tensor_mark_dirty(p->b);
}

const tg__rnn_cell tg__lstm_cell = {
    .name = "lstm", .gates = TG_LSTM_GATES, .cell_state = true,
    .step = step_lstm, .init = init_lstm,
};
