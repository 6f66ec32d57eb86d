/* tg_norm.h — layer normalisation (Ba, Kiros and Hinton, "Layer Normalization",
 * 2016), a composition of primitive ops (tg_standardize, and with the affine part
 * tg_standardize_affine): no derivative is written here.
 *
 * Over the last axis of x (..., D):
 *   mu = mean_j x_j,  var = mean_j (x_j - mu)^2  (the biased variance, correction 0)
 *   y = (x - mu) / sqrt(var + eps) * gamma + beta      (gamma, beta of shape (D))
 * computed as tg_standardize(x, eps) = (x - mu) (var + eps)^(-1/2), one primitive
 * that takes each row in one pass (itself the composition of mean, difference,
 * square, mean, power and product, to the bit), then the product by gamma and the
 * sum with beta: with the affine part the op tg_standardize_affine, which computes
 * tg_add(tg_mul(tg_standardize(x, eps), gamma), beta) to the bit in one pass.
 * PyTorch mapping: nn.LayerNorm(D, eps, elementwise_affine): gamma = weight,
 *   beta = bias, initialised to ones and zeros as PyTorch does; without the affine
 *   part there are no parameters. Only normalized_shape = (D,) (the last axis).
 * Parameters "<prefix>.gamma" and "<prefix>.beta". Ownership and errors as
 * tg_linear.h. Dropout, the other layer of a Transformer block that has a training
 * mode, is the op tg_dropout(t, x, p, rng, train) of tg_ops_nn.h.
 */
#ifndef TG_NORM_H
#define TG_NORM_H

#include <stdbool.h>
#include <tapegrad/tg_params.h>
#include <tapegrad/tg_tape.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tg_layer_norm {
    int dim;
    double eps;
    tg_tensor *gamma; /* (dim) "<prefix>.gamma", or NULL without the affine part */
    tg_tensor *beta;  /* (dim) "<prefix>.beta", or NULL */
    char name[48];
} tg_layer_norm;

/* Layer norm over a last axis of length dim (>= 1), eps > 0 and finite (PyTorch's
 * default is 1e-5), with gamma and beta when affine. Caller owns it:
 * tg_layer_norm_free. NULL + tg_last_error on a bad prefix, dim, eps, or OOM. */
tg_layer_norm *tg_layer_norm_new(const char *prefix, int dim, double eps, bool affine);
void tg_layer_norm_free(tg_layer_norm *l);
/* Appends gamma, beta (if present) to ps. */
tg_status tg_layer_norm_params(const tg_layer_norm *l, tg_params *ps);
/* y = layer_norm(x) for x (..., dim). Errors on the tape: x's last dimension. */
tg_tensor *tg_layer_norm_forward(tg_tape *t, const tg_layer_norm *l, tg_tensor *x);

#ifdef __cplusplus
}
#endif
#endif
