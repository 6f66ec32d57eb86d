/* tg_neuron.h — one artificial neuron: the perceptron (step activation) and the
 * sigmoid neuron of the lecture notes' comparison table in their section on
 * learning rules.
 *
 *   z = x w + b          x (N,in), w (in,1), b (1)  ->  z (N,1)
 *   y_hat = g(z)         g = the neuron's activation (TG_ACT_STEP: the perceptron)
 *
 * Training rules, both obtained from the tape by ONE reverse sweep and plain SGD
 * (p -= alpha * dL/dp); nothing here differentiates:
 *
 * Perceptron rule  w <- w + alpha (y - y_hat) x,  b <- b + alpha (y - y_hat).
 *   The step function is flat almost everywhere, so the rule is NOT gradient descent
 *   on an error of y_hat. It is gradient descent on the perceptron criterion
 *       L = - sum_n (y_n - stop(y_hat_n)) z_n
 *   where stop() is tg_detach: y_hat is a constant to the sweep. Then
 *   dL/dw = - sum_n (y_n - y_hat_n) x_n and dL/db = - sum_n (y_n - y_hat_n), so one
 *   SGD step on one sample is exactly the rule above; a correctly classified sample
 *   (y = y_hat) contributes nothing, as the notes say. The criterion is a SUM over the
 *   batch (a batch gives the summed rule). With g = sigmoid the same criterion gives
 *   w <- w + alpha (y - h) x, the gradient of the cross-entropy loss.
 *
 * Sigmoid neuron on the L2 loss  w <- w + alpha (y - h) h (1 - h) x,  h = sigmoid(z).
 *   tg_neuron_l2_loss returns L = 1/2 sum_n (y_n - h_n)^2. The factor 1/2 makes one SGD
 *   step equal the notes' table exactly; the notes' L = (y - h)^2 gives the same step
 *   with rate 2 alpha (their derivation carries the 2 and then drops it).
 *
 * Ownership: a tg_neuron owns w and b ("<prefix>.w", "<prefix>.b"); tg_neuron_free
 * frees them. Losses and outputs are step tensors of the tape.
 */
#ifndef TG_NEURON_H
#define TG_NEURON_H

#include <tapegrad/tg_activation.h>
#include <tapegrad/tg_params.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tg_neuron {
    int in;          /* number of inputs */
    tg_act act;      /* g */
    tg_real slope;   /* used when act is TG_ACT_LEAKY_RELU (default 0.01) */
    tg_tensor *w;    /* (in,1)  "<prefix>.w" */
    tg_tensor *b;    /* (1)     "<prefix>.b" */
    char name[48];   /* the prefix, for messages */
} tg_neuron;

/* A neuron with in >= 1 inputs and activation act. rng NULL: w = b = 0 (the classic
 * perceptron start); otherwise w by the default scheme of act (tg_init_for_act with
 * fan_in = in, fan_out = 1) and b = 0. Owned by the caller (tg_neuron_free).
 * NULL with tg_last_error on a bad prefix, in < 1, an unknown act, or OOM, e.g.
 * "tg_neuron_new: in must be >= 1, got 0". */
tg_neuron *tg_neuron_new(const char *prefix, int in, tg_act act, tg_rng *rng);
void tg_neuron_free(tg_neuron *n); /* NULL is fine */
/* Appends w, b to ps. Errors as tg_params_add. */
tg_status tg_neuron_params(const tg_neuron *n, tg_params *ps);

/* z = x w + b, x (N,in) -> (N,1). Error on t if x is not (N,in):
 * "tg_neuron_preact: 'p': x must have shape (N,2), got (4,3)". */
tg_tensor *tg_neuron_preact(tg_tape *t, const tg_neuron *n, tg_tensor *x);
/* y_hat = g(z), (N,1). */
tg_tensor *tg_neuron_forward(tg_tape *t, const tg_neuron *n, tg_tensor *x);
/* Perceptron criterion L = - sum (y - stop(g(z))) z (rank 0). y has N elements,
 * shape (N) or (N,1); else "tg_perceptron_loss: 'p': y must have 4 elements ...". */
tg_tensor *tg_perceptron_loss(tg_tape *t, const tg_neuron *n, tg_tensor *x, tg_tensor *y);
/* L2 loss L = 1/2 sum (y - g(z))^2 (rank 0); y as above. */
tg_tensor *tg_neuron_l2_loss(tg_tape *t, const tg_neuron *n, tg_tensor *x, tg_tensor *y);

#ifdef __cplusplus
}
#endif
#endif
