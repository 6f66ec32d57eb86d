/* tg_rnn.h — recurrent layers: Elman RNN (tanh or relu), LSTM and GRU (two variants),
 * as single-step cells and as stacked whole-sequence layers over (T,B,F) input.
 *
 * Every equation below is a handful of primitive ops; the gradients through time
 * (BPTT, the lecture notes' section on backpropagation through time) come from the
 * tape's one reverse sweep.
 * Notation: x_t (B,in) one time step of a batch of B rows; h, c (B,H); H = hidden
 * size; rows are multiplied from the left: x W. sigma = logistic, (.) = elementwise.
 * One layer holds
 *     W_x (in, G*H), W_h (H, G*H), b (G*H)        [+ b_hn (H) for TG_RNN_GRU_TORCH]
 * with the G gate blocks side by side along the last axis, in PyTorch's order: block
 * k (a tg_lstm_gate or tg_gru_gate, declared below) is columns k*H..(k+1)*H-1 of W_x
 * and W_h and elements k*H..(k+1)*H-1 of b. Below, W_xf is block TG_LSTM_FORGET of
 * W_x, b_f that of b, and so on.
 *
 * TG_RNN_TANH / TG_RNN_RELU (Elman; the lecture notes' "Equations for RNN",
 * h_t = tanh(W_x x_t + W_h h_{t-1} + b)), G = 1:
 *     h' = act(x W_x + h W_h + b)
 *
 * TG_RNN_LSTM (the lecture notes' section on gates in LSTM, with biases), G = 4,
 * blocks [i f g o] = TG_LSTM_INPUT, TG_LSTM_FORGET, TG_LSTM_CELL, TG_LSTM_OUTPUT:
 *     i = sigma(x W_xi + h W_hi + b_i)          input gate       TG_LSTM_INPUT
 *     f = sigma(x W_xf + h W_hf + b_f)          forget gate      TG_LSTM_FORGET
 *     g = tanh (x W_xg + h W_hg + b_g)          candidate cell   TG_LSTM_CELL
 *     o = sigma(x W_xo + h W_ho + b_o)          output gate      TG_LSTM_OUTPUT
 *     c' = f (.) c + i (.) g
 *     h' = o (.) tanh(c')
 *
 * TG_RNN_GRU (the lecture notes' section on gates in GRU; Cho et al. 2014), G = 3,
 * blocks [r z n] = TG_GRU_RESET, TG_GRU_UPDATE, TG_GRU_NEW:
 *     r = sigma(x W_xr + h W_hr + b_r)          reset gate       TG_GRU_RESET
 *     z = sigma(x W_xz + h W_hz + b_z)          update gate      TG_GRU_UPDATE
 *     n = tanh (x W_xn + (r (.) h) W_hn + b_n)  candidate        TG_GRU_NEW
 *                                               (reset BEFORE the matmul)
 *     h' = (1 - z) (.) n + z (.) h              (computed as n + z (.) (h - n))
 *
 * TG_RNN_GRU_TORCH (what torch.nn.GRU computes), as TG_RNN_GRU except
 *     n = tanh (x W_xn + b_n + r (.) (h W_hn + b_hn))   reset AFTER the matmul
 *
 * Mapping to PyTorch (nn.RNN / nn.LSTM / nn.GRU, layer l):
 *     W_x = weight_ih_l{l}^T,  W_h = weight_hh_l{l}^T   (PyTorch stores (G*H, in):
 *           its rows k*H..(k+1)*H-1 are our block k, the gates in the same order)
 *     b   = bias_ih_l{l} + bias_hh_l{l}                  (PyTorch keeps two bias vectors
 *           that only ever appear summed, so one suffices)
 *     except TG_RNN_GRU_TORCH, where the n-block's hidden bias sits inside r (.) (...):
 *     b = [b_ir + b_hr, b_iz + b_hz, b_in] and b_hn = bias_hh_l{l}[2H:3H] (its
 *     TG_GRU_NEW block).
 *     The gradient of our b equals PyTorch's bias_ih gradient (and bias_hh's for the
 *     summed blocks); the gradient of b_hn is bias_hh's n-block gradient.
 *     Parameter count per layer: ours G*(in*H + H*H + H) (+ H for GRU_TORCH), PyTorch
 *     G*(in*H + H*H + 2H). For in 3, hidden 5, 2 layers: RNN 100 vs 110, LSTM 400 vs
 *     440, GRU 300 (the notes') / 310 (torch variant) vs 330.
 *
 * Initialisation (as PyTorch): every W_x, W_h, b, b_hn ~ U(-k, k), k = 1/sqrt(H),
 * drawn layer by layer in that order; with forget_bias_one the LSTM's b_f (block
 * TG_LSTM_FORGET of b) is then set to 1 (Jozefowicz et al. 2015), so the cell
 * remembers by default.
 *
 * Speed through composition: the input projection of ALL time steps of a layer is
 * ONE matmul (T*B, in) x (in, G*H) before the time loop (plus one bias add); each step
 * then does ONE recurrent matmul (B,H) x (H, G*H) for all gates together (two for
 * TG_RNN_GRU, whose candidate needs r first) and splits gates with tg_slice.
 *
 * Truncated BPTT: to cut the graph between chunks of a long sequence, carry the final
 * state detached.
 *   - on the same tape: h0 = tg_detach(t, h_n) (and c0 = tg_detach(t, c_n));
 *   - across tg_tape_reset (the usual training loop): copy the values into a
 *     long-lived tensor, tg_tensor_copy_from(state, h_n->data, h_n->size), and pass
 *     `state` as h0 of the next chunk; a long-lived tensor without TG_REQUIRES_GRAD is
 *     a constant to the tape.
 *
 * Ownership: a tg_rnn owns its parameters ("<prefix>.<l>.W_x", ".W_h", ".b", ".b_hn")
 * and frees them in tg_rnn_free. Outputs are step tensors of the tape.
 * Errors: tg_rnn_new returns NULL with tg_last_error ("tg_rnn_new: hidden_size must
 * be >= 1, got 0"); forward and cell return the tape's status and record shape errors
 * naming the layer: "tg_rnn_forward: 'lstm': x must have shape (T,B,3), got (7,2,4)".
 */
#ifndef TG_RNN_H
#define TG_RNN_H

#include <stdbool.h>
#include <tapegrad/tg_ops.h>
#include <tapegrad/tg_params.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tg_rnn_kind {
    TG_RNN_TANH = 0,   /* Elman with tanh (nn.RNN default) */
    TG_RNN_RELU,       /* Elman with relu (nn.RNN nonlinearity='relu') */
    TG_RNN_LSTM,       /* nn.LSTM */
    TG_RNN_GRU,        /* the notes' / original GRU: reset before the matmul */
    TG_RNN_GRU_TORCH,  /* nn.GRU: reset after the matmul, separate b_hn */
    TG_RNN_KIND_COUNT
} tg_rnn_kind;

/* The gate blocks of an LSTM layer: block k of W_x, W_h and b is columns
 * k*H..(k+1)*H-1 (PyTorch's order; e.g. b->data[TG_LSTM_FORGET * H + j] is b_f[j]). */
typedef enum tg_lstm_gate {
    TG_LSTM_INPUT = 0,  /* i, input gate */
    TG_LSTM_FORGET,     /* f, forget gate */
    TG_LSTM_CELL,       /* g, candidate cell (PyTorch's "cell gate") */
    TG_LSTM_OUTPUT,     /* o, output gate */
    TG_LSTM_GATES       /* G = 4, the number of blocks */
} tg_lstm_gate;

/* The gate blocks of a GRU layer (both variants): block k of W_x, W_h and b is
 * columns k*H..(k+1)*H-1 (PyTorch's order). */
typedef enum tg_gru_gate {
    TG_GRU_RESET = 0,   /* r, reset gate */
    TG_GRU_UPDATE,      /* z, update gate */
    TG_GRU_NEW,         /* n, candidate (PyTorch's "new gate") */
    TG_GRU_GATES        /* G = 3, the number of blocks */
} tg_gru_gate;

typedef struct tg_rnn_config {
    tg_rnn_kind kind;
    int input_size;        /* F >= 1 */
    int hidden_size;       /* H >= 1 */
    int num_layers;        /* L >= 1; layer l > 0 reads layer l-1's hidden states */
    bool forget_bias_one;  /* LSTM only: start the forget-gate bias b_f at 1 */
} tg_rnn_config;

typedef struct tg_rnn_layer {
    int in;             /* F for layer 0, H above */
    tg_tensor *W_x;     /* (in, G*H)  "<prefix>.<l>.W_x" */
    tg_tensor *W_h;     /* (H, G*H)   "<prefix>.<l>.W_h" */
    tg_tensor *b;       /* (G*H)      "<prefix>.<l>.b" */
    tg_tensor *b_hn;    /* (H)        "<prefix>.<l>.b_hn"; TG_RNN_GRU_TORCH only, else NULL */
} tg_rnn_layer;

typedef struct tg_rnn {
    tg_rnn_kind kind;
    int input_size, hidden_size, num_layers;
    int gates;              /* G: 1 Elman, 4 LSTM, 3 GRU */
    tg_rnn_layer *layers;   /* num_layers entries */
    char name[48];          /* the prefix, for messages */
} tg_rnn;

/* Lower-case name of a kind: "rnn_tanh", "rnn_relu", "lstm", "gru", "gru_torch". */
const char *tg_rnn_kind_name(tg_rnn_kind k);

/* A stack of cfg->num_layers layers, initialised from rng (required). Caller owns it:
 * tg_rnn_free. NULL + tg_last_error on a bad prefix, size, kind, or OOM. */
tg_rnn *tg_rnn_new(const char *prefix, const tg_rnn_config *cfg, tg_rng *rng);
void tg_rnn_free(tg_rnn *m); /* NULL is fine */
/* Appends every layer's W_x, W_h, b (, b_hn) in layer order. */
tg_status tg_rnn_params(const tg_rnn *m, tg_params *ps);

/* Runs the whole stack over a sequence.
 *   x   (T,B,F)  input, time first (PyTorch's batch_first=False)
 *   h0  (L,B,H)  initial hidden state of each layer, or NULL for zeros
 *   c0  (L,B,H)  initial LSTM cell state, or NULL for zeros; must be NULL otherwise
 * Outputs (each pointer may be NULL when not wanted; set to NULL on failure):
 *   *out (T,B,H) the last layer's hidden state at every step (many-to-many)
 *   *h_n (L,B,H) every layer's final hidden state (h_n[L-1] = out[T-1]: many-to-one)
 *   *c_n (L,B,H) every layer's final cell state (LSTM; NULL for other kinds)
 * Returns tg_tape_status(t). */
tg_status tg_rnn_forward(tg_tape *t, const tg_rnn *m, tg_tensor *x, tg_tensor *h0,
                         tg_tensor *c0, tg_tensor **out, tg_tensor **h_n, tg_tensor **c_n);

/* One time step of layer `layer` (0..L-1):
 *   x (B,in), h (B,H) or NULL for zeros, c (B,H) or NULL (LSTM only)
 *   -> *h_out (B,H), *c_out (B,H) (LSTM; NULL otherwise; c_out may be NULL).
 * tg_rnn_forward computes exactly this per step, with the x projections batched. */
tg_status tg_rnn_cell(tg_tape *t, const tg_rnn *m, int layer, tg_tensor *x, tg_tensor *h,
                      tg_tensor *c, tg_tensor **h_out, tg_tensor **c_out);

#ifdef __cplusplus
}
#endif
#endif
