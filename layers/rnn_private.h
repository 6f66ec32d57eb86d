/* rnn_private.h — what the recurrent stack (rnn.c) and its cells (elman.c, lstm.c,
 * gru.c) share. Not installed.
 *
 * Each cell file exports one descriptor: its gate count, what its layers hold beyond
 * W_x, W_h, b, and its step as a composition of primitive ops. rnn.c picks the
 * descriptor by kind from one table and runs the same construction, checks and time
 * loop for every kind. */
#ifndef TG_RNN_PRIVATE_H
#define TG_RNN_PRIVATE_H

#include "layers_private.h"

/* The most gate blocks a cell has (the LSTM's); bounds hidden_size so that G*H fits
 * an int. Each cell file asserts its own count against it. */
#define TG__RNN_GATES_MAX 4

/* One layer as a step sees it, made once per tg_rnn_forward / tg_rnn_cell call. */
typedef struct tg__rnn_view {
    const tg_rnn *m;
    const tg_rnn_layer *p;
    tg_tensor *W_h_rz;  /* (H,2H) W_h's [r z] blocks; set by TG_RNN_GRU's prepare only */
    tg_tensor *W_h_n;   /* (H,H)  W_h's n block;     set by TG_RNN_GRU's prepare only */
    int step;           /* the time step being recorded (names "lstm.0.t3.f"), -1 in tg_rnn_cell */
} tg__rnn_view;

typedef struct tg__rnn_cell {
    const char *name;  /* tg_rnn_kind_name: "lstm" */
    int gates;         /* G: gate blocks side by side in W_x (in,G*H), W_h (H,G*H), b (G*H) */
    bool cell_state;   /* the step carries a cell state c besides h (LSTM) */
    bool b_hn;         /* each layer also holds b_hn (H) (TG_RNN_GRU_TORCH) */
    /* Records the per-call views of a layer's parameters into v (after v->m, v->p are
     * set, before the input projection), or NULL when the step needs none. */
    void (*prepare)(tg_tape *t, tg__rnn_view *v);
    /* One time step: xw = x W_x + b of this step (B,G*H), h (B,H) -> h' (B,H).
     * With cell_state, c (B,H) is the cell state and *c_out receives c' (B,H);
     * otherwise c is NULL and *c_out is left as it is. NULL after a failed op. */
    tg_tensor *(*step)(tg_tape *t, const tg__rnn_view *v, tg_tensor *xw, tg_tensor *h,
                       tg_tensor *c, tg_tensor **c_out);
    /* Adjusts layer p's freshly drawn parameters (the LSTM's forget bias), or NULL. */
    void (*init)(tg_rnn_layer *p, int H, const tg_rnn_config *cfg);
} tg__rnn_cell;

extern const tg__rnn_cell tg__rnn_tanh_cell;   /* elman.c, TG_RNN_TANH */
extern const tg__rnn_cell tg__rnn_relu_cell;   /* elman.c, TG_RNN_RELU */
extern const tg__rnn_cell tg__lstm_cell;       /* lstm.c,  TG_RNN_LSTM */
extern const tg__rnn_cell tg__gru_cell;        /* gru.c,   TG_RNN_GRU */
extern const tg__rnn_cell tg__gru_torch_cell;  /* gru.c,   TG_RNN_GRU_TORCH */

#endif
