/* init.c — initialisation schemes (see tg_init.h for the formulas and sources). */
#include <math.h>
#include "layers_private.h"

tg_init tg_init_for_act(tg_act a) {
    switch (a) {
    case TG_ACT_RELU:
    case TG_ACT_LEAKY_RELU:
    case TG_ACT_SOFTPLUS: return TG_INIT_HE;
    default: return TG_INIT_GLOROT;
    }
}

tg_status tg_init_uniform(tg_tensor *x, tg_rng *r, double bound) {
    if (!x || !r)
        return tg__error(TG_ERR_ARG, "tg_init_uniform: %s is NULL", x ? "rng" : "tensor");
    if (!(bound >= 0) || !isfinite(bound))
        return tg__error(TG_ERR_ARG, "tg_init_uniform: bound must be finite and >= 0, got %g",
                         bound);
    tg_tensor_uniform(x, r, (tg_real)-bound, (tg_real)bound);
    return TG_OK;
}

tg_status tg_init_glorot(tg_tensor *x, tg_rng *r, int fan_in, int fan_out) {
    if (fan_in < 1 || fan_out < 1)
        return tg__error(TG_ERR_ARG, "tg_init_glorot: fans must be >= 1, got fan_in %d fan_out %d",
                         fan_in, fan_out);
    return tg_init_uniform(x, r, sqrt(6.0 / ((double)fan_in + fan_out)));
}

tg_status tg_init_he(tg_tensor *x, tg_rng *r, int fan_in) {
    if (fan_in < 1)
        return tg__error(TG_ERR_ARG, "tg_init_he: fan_in must be >= 1, got %d", fan_in);
    return tg_init_uniform(x, r, sqrt(6.0 / fan_in));
}

tg_status tg_init_weights(tg_tensor *W, tg_tensor *b, tg_init init, tg_rng *r, int fan_in,
                          int fan_out) {
    if (!W) return tg__error(TG_ERR_ARG, "tg_init_weights: W is NULL");
    if (fan_in < 1 || fan_out < 1)
        return tg__error(TG_ERR_ARG,
                         "tg_init_weights: fans must be >= 1, got fan_in %d fan_out %d",
                         fan_in, fan_out);
    if (!r && init != TG_INIT_ZEROS)
        return tg__error(TG_ERR_ARG, "tg_init_weights: rng is NULL (only TG_INIT_ZEROS needs none)");
    tg_status st = TG_OK;
    switch (init) {
    case TG_INIT_GLOROT: st = tg_init_glorot(W, r, fan_in, fan_out); break;
    case TG_INIT_HE: st = tg_init_he(W, r, fan_in); break;
    case TG_INIT_TORCH:
        st = tg_init_uniform(W, r, 1 / sqrt((double)fan_in));
        if (st == TG_OK && b) return tg_init_uniform(b, r, 1 / sqrt((double)fan_in));
        return st;
    case TG_INIT_ZEROS: tg_tensor_fill(W, 0); break;
    default: return tg__error(TG_ERR_ARG, "tg_init_weights: unknown scheme %d", (int)init);
    }
    if (st == TG_OK && b) tg_tensor_fill(b, 0);
    return st;
}
