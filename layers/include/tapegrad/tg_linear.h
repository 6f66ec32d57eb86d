/* tg_linear.h — fully connected layers: Linear and the multi-layer perceptron (MLP).
 *
 * Linear:  y = x W + b
 *   x (..., in) of any rank >= 1, W (in,out), b (out)  ->  y (..., out).
 *   W is stored (in,out), i.e. TRANSPOSED with respect to PyTorch's nn.Linear.weight
 *   (out,in): our W = weight^T, our b = nn.Linear.bias. Storing (in,out) lets a batch
 *   of row vectors (N,in) multiply W with no transpose, and W[i][j] is the weight
 *   w_{i,j} from input i to unit j of the lecture notes (their section on neural
 *   network models: in_j = sum_i w_ij a_i).
 *   Parameter count in*out + out, the same as nn.Linear.
 *
 * MLP:  a_0 = x;  a_l = g_l(a_{l-1} W_l + b_l), l = 1..L
 *   sizes[0] = in, sizes[L] = out; g_l = hidden for l < L and output for l = L
 *   (the notes' forward phase: h_w(x) = g2(W2 g1(W1 x))). Any activation of
 *   tg_activation.h; softmax is meant for the output (along the last axis). Layer l
 *   is a tg_linear whose parameters are "<prefix>.<l-1>.W" and "<prefix>.<l-1>.b"; it
 *   is initialised by the default scheme of its own activation (tg_init_for_act: He
 *   for the relu family, Glorot otherwise).
 *
 * Ownership: layers own their parameter tensors and free them in *_free (NULL is
 * fine). Outputs are step tensors of the tape (die at tg_tape_reset).
 * Errors: constructors return NULL with tg_last_error ("tg_linear_new: in must be
 * >= 1, got 0"); forward functions return NULL with the error on the tape, naming the
 * layer: "tg_linear_forward: 'mlp.1': x must have last dimension 5, got (4,3)".
 */
#ifndef TG_LINEAR_H
#define TG_LINEAR_H

#include <tapegrad/tg_activation.h>
#include <tapegrad/tg_init.h>
#include <tapegrad/tg_params.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tg_linear {
    int in, out;
    tg_tensor *W;   /* (in,out)  "<prefix>.W" */
    tg_tensor *b;   /* (out)     "<prefix>.b" */
    char name[48];  /* the prefix, for messages */
} tg_linear;

/* A linear layer in -> out initialised by scheme init from rng (rng may be NULL only
 * for TG_INIT_ZEROS). Caller owns it: tg_linear_free. NULL + tg_last_error on a bad
 * prefix (NULL, empty, more than 32 characters), in or out < 1, or OOM. */
tg_linear *tg_linear_new(const char *prefix, int in, int out, tg_init init, tg_rng *rng);
void tg_linear_free(tg_linear *l);
/* Appends W, b to ps (errors as tg_params_add). */
tg_status tg_linear_params(const tg_linear *l, tg_params *ps);
/* y = x W + b, x (..., in) -> (..., out). */
tg_tensor *tg_linear_forward(tg_tape *t, const tg_linear *l, tg_tensor *x);

typedef struct tg_mlp {
    int n_layers;       /* number of linear layers L (>= 1) */
    int *sizes;         /* L + 1 widths: sizes[0] = in ... sizes[L] = out */
    tg_linear *layers;  /* L layers */
    tg_act hidden;      /* activation after layers 0..L-2 */
    tg_act output;      /* activation after the last layer */
    tg_real slope;      /* leaky relu slope, TG_LEAKY_SLOPE_DEFAULT unless changed */
    char name[48];
} tg_mlp;

/* An MLP with widths sizes[0..n_sizes-1] (n_sizes >= 2, each >= 1), activations
 * hidden and output, initialised from rng (required). Caller owns it: tg_mlp_free.
 * NULL + tg_last_error, e.g. "tg_mlp_new: sizes[2] must be >= 1, got 0". */
tg_mlp *tg_mlp_new(const char *prefix, int n_sizes, const int *sizes, tg_act hidden,
                   tg_act output, tg_rng *rng);
void tg_mlp_free(tg_mlp *m);
/* Appends every layer's W, b in order (2 L tensors). */
tg_status tg_mlp_params(const tg_mlp *m, tg_params *ps);
/* The network's output for x (..., sizes[0]) -> (..., sizes[L]). */
tg_tensor *tg_mlp_forward(tg_tape *t, const tg_mlp *m, tg_tensor *x);

#ifdef __cplusplus
}
#endif
#endif
