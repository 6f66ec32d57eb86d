/* tg_activation.h — activation functions chosen by value, for layers that let the
 * caller pick one (neuron, MLP, Elman RNN). Each is ONE primitive op of tg_ops.h;
 * its gradient is that op's own rule, nothing here differentiates.
 *
 * Formulas (the lecture notes' section on activation functions):
 *   TG_ACT_IDENTITY    y = x
 *   TG_ACT_RELU        y = max(0, x)
 *   TG_ACT_LEAKY_RELU  y = x if x > 0 else slope x
 *   TG_ACT_SIGMOID     y = 1 / (1 + e^-x)
 *   TG_ACT_TANH        y = tanh x
 *   TG_ACT_SOFTPLUS    y = ln(1 + e^x)
 *   TG_ACT_SOFTMAX     y_j = e^{x_j} / sum_k e^{x_k} along the LAST axis (output layers)
 *   TG_ACT_STEP        y = 1 if x >= 0 else 0 (the perceptron's threshold; no
 *                      gradient flows through it, see tg_step)
 */
#ifndef TG_ACTIVATION_H
#define TG_ACTIVATION_H

#include <tapegrad/tg_ops.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tg_act {
    TG_ACT_IDENTITY = 0,
    TG_ACT_RELU,
    TG_ACT_LEAKY_RELU,
    TG_ACT_SIGMOID,
    TG_ACT_TANH,
    TG_ACT_SOFTPLUS,
    TG_ACT_SOFTMAX,
    TG_ACT_STEP,
    TG_ACT_COUNT
} tg_act;

/* The slope of TG_ACT_LEAKY_RELU used by layers unless the caller changes the
 * layer's `slope` field (PyTorch's nn.LeakyReLU default). */
#define TG_LEAKY_SLOPE_DEFAULT 0.01

/* Lower-case name of an activation ("tanh", "leaky_relu", ...); "?" if out of range. */
const char *tg_act_name(tg_act a);

/* y = act(x), same shape as x (softmax along the last axis). slope is used by
 * TG_ACT_LEAKY_RELU only. Returns a step tensor owned by t, or NULL with the error
 * on t (an act out of range: TG_ERR_ARG "tg_activate: unknown activation 12"). */
tg_tensor *tg_activate(tg_tape *t, tg_tensor *x, tg_act act, tg_real slope);

#ifdef __cplusplus
}
#endif
#endif
