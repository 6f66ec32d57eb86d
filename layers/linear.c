/* linear.c — the Linear layer, y = x W + b, as a composition of tg_matmul and tg_add
 * (tg_linear.h). */
#include <limits.h>
#include <string.h>
#include "layers_private.h"

tg_status tg__linear_init(const char *fn, tg_linear *l, const char *prefix, int in, int out,
                          tg_init init, tg_rng *rng) {
    if (in < 1 || out < 1)
        return tg__error(TG_ERR_ARG, "%s: %s must be >= 1, got %d", fn, in < 1 ? "in" : "out",
                         in < 1 ? in : out);
    l->in = in;
    l->out = out;
    snprintf(l->name, sizeof l->name, "%s", prefix);
    l->W = tg__layer_param(fn, prefix, 2, (int[]){in, out}, ".W");
    l->b = l->W ? tg__layer_param(fn, prefix, 1, (int[]){out}, ".b") : NULL;
    tg_status st = l->b ? tg_init_weights(l->W, l->b, init, rng, in, out) : tg_last_status();
    if (st != TG_OK) {
        tg_tensor_free(l->W);
        tg_tensor_free(l->b);
        l->W = l->b = NULL;
    }
    return st;
}

tg_linear *tg_linear_new(const char *prefix, int in, int out, tg_init init, tg_rng *rng) {
    if (tg__check_prefix("tg_linear_new", prefix) != TG_OK) return NULL;
    tg_linear *l = tg__calloc(1, sizeof *l);
    if (!l) {
        tg__error(TG_ERR_NOMEM, "tg_linear_new: out of memory");
        return NULL;
    }
    if (tg__linear_init("tg_linear_new", l, prefix, in, out, init, rng) != TG_OK) {
        tg__free(l);
        return NULL;
    }
    return l;
}

void tg_linear_free(tg_linear *l) {
    if (!l) return;
    tg_tensor_free(l->W);
    tg_tensor_free(l->b);
    tg__free(l);
}

tg_status tg_linear_params(const tg_linear *l, tg_params *ps) {
    if (!l) return tg__error(TG_ERR_ARG, "tg_linear_params: layer is NULL");
    tg_status st = tg_params_add(ps, l->W);
    return st == TG_OK ? tg_params_add(ps, l->b) : st;
}

tg_tensor *tg_linear_forward(tg_tape *t, const tg_linear *l, tg_tensor *x) {
    if (!tg__tape_ok(t, "tg_linear_forward")) return NULL;
    if (!l) {
        tg_tape_fail(t, TG_ERR_ARG, "tg_linear_forward: layer is NULL");
        return NULL;
    }
    if (!tg__arg_ok(t, "tg_linear_forward", l->name, "x", x)) return NULL;
    if (x->rank < 1 || x->shape[x->rank - 1] != l->in) {
        char b[96];
        tg_tape_fail(t, TG_ERR_SHAPE, "tg_linear_forward: '%s': x must have last dimension %d, got %s",
                     l->name, l->in, tg_shape_str(x, b, sizeof b));
        return NULL;
    }
    /* y = x W + b. Rows of any leading shape are flattened to (M,in) (a view), so one
     * matmul (M,in) x (in,out) serves every rank, then the leading shape returns. */
    if (x->rank == 2)
        return tg__label(tg_add(t, tg__label(tg_matmul(t, x, l->W), l->W, "xW", -1), l->b), l->W,
                         "z", -1);
    if (x->size / (size_t)l->in > INT_MAX) {
        char b[96];
        tg_tape_fail(t, TG_ERR_SHAPE, "tg_linear_forward: '%s': x of shape %s has more than %d rows",
                     l->name, tg_shape_str(x, b, sizeof b), INT_MAX);
        return NULL;
    }
    int M = (int)(x->size / (size_t)l->in);
    tg_tensor *xW = tg__label(tg_matmul(t, tg_reshape(t, x, 2, (int[]){M, l->in}), l->W), l->W,
                              "xW", -1);
    tg_tensor *y = tg__label(tg_add(t, xW, l->b), l->W, "z", -1);
    int shape[TG_MAX_RANK];
    memcpy(shape, x->shape, sizeof shape);
    shape[x->rank - 1] = l->out;
    return tg_reshape(t, y, x->rank, shape);
}
