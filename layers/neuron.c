/* neuron.c — perceptron and sigmoid neuron as compositions of ops (tg_neuron.h). */
#include <string.h>
#include "layers_private.h"

tg_neuron *tg_neuron_new(const char *prefix, int in, tg_act act, tg_rng *rng) {
    if (tg__check_prefix("tg_neuron_new", prefix) != TG_OK) return NULL;
    if (in < 1) {
        tg__error(TG_ERR_ARG, "tg_neuron_new: in must be >= 1, got %d", in);
        return NULL;
    }
    if ((unsigned)act >= TG_ACT_COUNT) {
        tg__error(TG_ERR_ARG, "tg_neuron_new: unknown activation %d", (int)act);
        return NULL;
    }
    tg_neuron *n = tg__calloc(1, sizeof *n);
    if (!n) {
        tg__error(TG_ERR_NOMEM, "tg_neuron_new: out of memory");
        return NULL;
    }
    n->in = in;
    n->act = act;
    n->slope = (tg_real)TG_LEAKY_SLOPE_DEFAULT;
    snprintf(n->name, sizeof n->name, "%s", prefix);
    n->w = tg__layer_param("tg_neuron_new", prefix, 2, (int[]){in, 1}, ".w");
    n->b = n->w ? tg__layer_param("tg_neuron_new", prefix, 1, (int[]){1}, ".b") : NULL;
    if (!n->b ||
        tg_init_weights(n->w, n->b, rng ? tg_init_for_act(act) : TG_INIT_ZEROS, rng, in, 1) != TG_OK) {
        tg_neuron_free(n);
        return NULL;
    }
    return n;
}

void tg_neuron_free(tg_neuron *n) {
    if (!n) return;
    tg_tensor_free(n->w);
    tg_tensor_free(n->b);
    tg__free(n);
}

tg_status tg_neuron_params(const tg_neuron *n, tg_params *ps) {
    if (!n) return tg__error(TG_ERR_ARG, "tg_neuron_params: neuron is NULL");
    tg_status st = tg_params_add(ps, n->w);
    return st == TG_OK ? tg_params_add(ps, n->b) : st;
}

tg_tensor *tg_neuron_preact(tg_tape *t, const tg_neuron *n, tg_tensor *x) {
    if (!tg__tape_ok(t, "tg_neuron_preact")) return NULL;
    if (!n) {
        tg_tape_fail(t, TG_ERR_ARG, "tg_neuron_preact: neuron is NULL");
        return NULL;
    }
    if (!tg__arg_ok(t, "tg_neuron_preact", n->name, "x", x)) return NULL;
    if (x->rank != 2 || x->shape[1] != n->in) {
        char b[96];
        tg_tape_fail(t, TG_ERR_SHAPE, "tg_neuron_preact: '%s': x must have shape (N,%d), got %s",
                     n->name, n->in, tg_shape_str(x, b, sizeof b));
        return NULL;
    }
    /* z = x w + b: (N,in) x (in,1) -> (N,1), b broadcast over rows. */
    return tg__label(tg_add(t, tg__label(tg_matmul(t, x, n->w), n->w, "xw", -1), n->b), n->w,
                     "z", -1);
}

tg_tensor *tg_neuron_forward(tg_tape *t, const tg_neuron *n, tg_tensor *x) {
    if (!tg__tape_ok(t, "tg_neuron_forward")) return NULL;
    tg_tensor *z = tg_neuron_preact(t, n, x);
    return z ? tg__label(tg_activate(t, z, n->act, n->slope), n->w, "yhat", -1) : NULL;
}

/* y of shape (N) or (N,1) as a (N,1) tensor. */
static tg_tensor *target_col(tg_tape *t, const char *fn, const tg_neuron *n, tg_tensor *y,
                             int N) {
    if (!tg__arg_ok(t, fn, n->name, "y", y)) return NULL;
    if (y->size != (size_t)N || y->rank < 1 || y->rank > 2) {
        char b[96];
        tg_tape_fail(t, TG_ERR_SHAPE, "%s: '%s': y must have %d elements, shape (%d) or (%d,1), got %s",
                     fn, n->name, N, N, N, tg_shape_str(y, b, sizeof b));
        return NULL;
    }
    return tg_reshape(t, y, 2, (int[]){N, 1});
}

tg_tensor *tg_perceptron_loss(tg_tape *t, const tg_neuron *n, tg_tensor *x, tg_tensor *y) {
    if (!tg__tape_ok(t, "tg_perceptron_loss")) return NULL;
    tg_tensor *z = tg_neuron_preact(t, n, x); /* (N,1), records the graph to w, b */
    if (!z) return NULL;
    tg_tensor *yc = target_col(t, "tg_perceptron_loss", n, y, z->shape[0]);
    /* y_hat = g(stop(z)): computed from a detached copy, so nothing is recorded and
     * the sweep sees y - y_hat as a constant weight of z. */
    tg_tensor *y_hat = tg_activate(t, tg_detach(t, z), n->act, n->slope);
    tg_tensor *err = tg_sub(t, yc, y_hat);                 /* (N,1) constant */
    return tg_neg(t, tg_sum(t, tg_mul(t, err, z)));        /* L = -sum (y - y_hat) z */
}

tg_tensor *tg_neuron_l2_loss(tg_tape *t, const tg_neuron *n, tg_tensor *x, tg_tensor *y) {
    if (!tg__tape_ok(t, "tg_neuron_l2_loss")) return NULL;
    tg_tensor *h = tg_neuron_forward(t, n, x);             /* (N,1) */
    if (!h) return NULL;
    tg_tensor *yc = target_col(t, "tg_neuron_l2_loss", n, y, h->shape[0]);
    /* L = 1/2 sum (y - h)^2 */
    return tg_mul_scalar(t, tg_sum(t, tg_square(t, tg_sub(t, yc, h))), (tg_real)0.5);
}
