/* tg_init.h — parameter initialisation from the caller's seeded generator.
 *
 * Every layer draws its initial weights from a tg_rng the caller passes, so a model
 * is reproducible from one seed on every machine. The schemes:
 *
 *   TG_INIT_GLOROT  W ~ U(-a, a), a = sqrt(6 / (fan_in + fan_out)); b = 0.
 *                   Glorot & Bengio 2010; keeps activation variance through tanh and
 *                   sigmoid layers. Default for identity/sigmoid/tanh/softmax/step.
 *   TG_INIT_HE      W ~ U(-a, a), a = sqrt(6 / fan_in) (variance 2 / fan_in); b = 0.
 *                   He et al. 2015; default for relu/leaky_relu/softplus layers.
 *   TG_INIT_TORCH   W, b ~ U(-k, k), k = 1 / sqrt(fan_in): what nn.Linear does. The
 *                   recurrent layers always use k = 1 / sqrt(hidden) for every
 *                   weight and bias, as nn.RNN / nn.LSTM / nn.GRU do.
 *   TG_INIT_ZEROS   W = 0, b = 0 (a perceptron's classic start; useless for hidden
 *                   layers, whose units would stay identical).
 *
 * fan_in is the number of inputs of a unit (rows of our (in,out) weight), fan_out
 * the number of units (its columns).
 */
#ifndef TG_INIT_H
#define TG_INIT_H

#include <tapegrad/tg_core.h>
#include <tapegrad/tg_activation.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tg_init {
    TG_INIT_GLOROT = 0,
    TG_INIT_HE,
    TG_INIT_TORCH,
    TG_INIT_ZEROS,
    TG_INIT_COUNT
} tg_init;

/* The default scheme for a layer followed by activation a (see above). */
tg_init tg_init_for_act(tg_act a);

/* Fills x uniformly in [-bound, bound). Errors (TG_ERR_ARG, tg_last_error):
 * x or r NULL, bound negative or not finite. */
tg_status tg_init_uniform(tg_tensor *x, tg_rng *r, double bound);
/* Glorot/Xavier uniform: bound sqrt(6 / (fan_in + fan_out)). Fans must be >= 1. */
tg_status tg_init_glorot(tg_tensor *x, tg_rng *r, int fan_in, int fan_out);
/* He/Kaiming uniform: bound sqrt(6 / fan_in). fan_in must be >= 1. */
tg_status tg_init_he(tg_tensor *x, tg_rng *r, int fan_in);

/* Initialises a weight W (fan_in, fan_out) and a bias b (fan_out; may be NULL) by
 * scheme `init`. r may be NULL only for TG_INIT_ZEROS. */
tg_status tg_init_weights(tg_tensor *W, tg_tensor *b, tg_init init, tg_rng *r, int fan_in,
                          int fan_out);

#ifdef __cplusplus
}
#endif
#endif
