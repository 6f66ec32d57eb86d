/* elman.c — the Elman cell (tg_rnn.h, TG_RNN_TANH and TG_RNN_RELU) as a composition
 * of primitive ops. Equation: the lecture notes' "Equations for RNN",
 * h_t = tanh(W_x x_t + W_h h_{t-1} + b), in row form and with relu as the other
 * choice of activation. One gate block (G = 1): W_x (in,H), W_h (H,H), b (H). */
#include "rnn_private.h"

_Static_assert(1 <= TG__RNN_GATES_MAX, "the Elman cell's one block fits the bound");

/* a = x W_x + b + h W_h   (B,H); xw already holds x W_x + b. */
static tg_tensor *preact(tg_tape *t, const tg__rnn_view *v, tg_tensor *xw, tg_tensor *h) {
    const tg_tensor *own = v->p->W_x; /* names "<prefix>.<layer>.t<k>.a" */
    tg_tensor *hw = tg__label(tg_matmul(t, h, v->p->W_h), own, "hW", v->step);
    return tg__label(tg_add(t, xw, hw), own, "a", v->step);
}

/* h' = tanh(a) */
static tg_tensor *step_tanh(tg_tape *t, const tg__rnn_view *v, tg_tensor *xw, tg_tensor *h,
                            tg_tensor *c, tg_tensor **c_out) {
    (void)c;
    (void)c_out;
    return tg__label(tg_tanh(t, preact(t, v, xw, h)), v->p->W_x, "h", v->step);
}

/* h' = relu(a) */
static tg_tensor *step_relu(tg_tape *t, const tg__rnn_view *v, tg_tensor *xw, tg_tensor *h,
                            tg_tensor *c, tg_tensor **c_out) {
    (void)c;
    (void)c_out;
    return tg__label(tg_relu(t, preact(t, v, xw, h)), v->p->W_x, "h", v->step);
}

const tg__rnn_cell tg__rnn_tanh_cell = {
    .name = "rnn_tanh", .gates = 1, .step = step_tanh,
};

const tg__rnn_cell tg__rnn_relu_cell = {
    .name = "rnn_relu", .gates = 1, .step = step_relu,
};
