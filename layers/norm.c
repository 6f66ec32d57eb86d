/* norm.c — layer normalisation as a composition of the primitive ops (tg_norm.h). */
#include <math.h>
#include <tapegrad/tg_ops_nn.h>
#include "layers_private.h"

tg_layer_norm *tg_layer_norm_new(const char *prefix, int dim, double eps, bool affine) {
    const char *fn = "tg_layer_norm_new";
    if (tg__check_prefix(fn, prefix) != TG_OK) return NULL;
    if (dim < 1) {
        tg__error(TG_ERR_ARG, "%s: dim must be >= 1, got %d", fn, dim);
        return NULL;
    }
    if (!(eps > 0) || isinf(eps)) {
        tg__error(TG_ERR_ARG, "%s: eps must be finite and > 0, got %g", fn, eps);
        return NULL;
    }
    tg_layer_norm *l = tg__calloc(1, sizeof *l);
    if (!l) {
        tg__error(TG_ERR_NOMEM, "%s: out of memory", fn);
        return NULL;
    }
    l->dim = dim;
    l->eps = eps;
    snprintf(l->name, sizeof l->name, "%s", prefix);
    if (affine) {
        l->gamma = tg__layer_param(fn, prefix, 1, (int[]){dim}, ".gamma");
        l->beta = l->gamma ? tg__layer_param(fn, prefix, 1, (int[]){dim}, ".beta") : NULL;
        if (!l->beta) {
            tg_layer_norm_free(l);
            return NULL;
        }
        tg_tensor_fill(l->gamma, 1);
    }
    return l;
}

void tg_layer_norm_free(tg_layer_norm *l) {
    if (!l) return;
    tg_tensor_free(l->gamma);
    tg_tensor_free(l->beta);
    tg__free(l);
}

tg_status tg_layer_norm_params(const tg_layer_norm *l, tg_params *ps) {
    if (!l) return tg__error(TG_ERR_ARG, "tg_layer_norm_params: layer is NULL");
    if (!l->gamma) return TG_OK;
    tg_status st = tg_params_add(ps, l->gamma);
    return st == TG_OK ? tg_params_add(ps, l->beta) : st;
}

tg_tensor *tg_layer_norm_forward(tg_tape *t, const tg_layer_norm *l, tg_tensor *x) {
    const char *fn = "tg_layer_norm_forward";
    if (!tg__tape_ok(t, fn)) return NULL;
    if (!l) {
        tg_tape_fail(t, TG_ERR_ARG, "%s: layer is NULL", fn);
        return NULL;
    }
    if (!tg__arg_ok(t, fn, l->name, "x", x)) return NULL;
    if (x->rank < 1 || x->shape[x->rank - 1] != l->dim) {
        char b[96];
        tg_tape_fail(t, TG_ERR_SHAPE, "%s: '%s': x must have last dimension %d, got %s", fn, l->name,
                     l->dim, tg_shape_str(x, b, sizeof b));
        return NULL;
    }
    /* y = (x - mean) r, r = (var + eps)^(-1/2), var the biased variance (correction
     * 0): the statistics part is one primitive that takes a row in one pass
     * (tg_standardize: the composition mean, difference, square, mean, power,
     * product, computed to the same bits), then the elementwise affine part */
    if (!l->gamma) return tg_standardize(t, x, (tg_real)l->eps);
    /* y gamma + beta: tg_standardize_affine computes tg_add(tg_mul(y, gamma), beta),
     * to the bit, in one pass over each row */
    return tg_standardize_affine(t, x, l->gamma, l->beta, (tg_real)l->eps);
}
