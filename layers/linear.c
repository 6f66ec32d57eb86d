/* linear.c — Linear and MLP as compositions of tg_matmul, tg_add and activations
 * (equations in tg_linear.h). */
#include <string.h>
#include "layers_private.h"

/* Fills *l in place (used by tg_linear_new and, per layer, by tg_mlp_new). fn names
 * the public caller in messages. On failure *l holds no tensors. */
static tg_status linear_init(const char *fn, tg_linear *l, const char *prefix, int in, int out,
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
    if (linear_init("tg_linear_new", l, prefix, in, out, init, rng) != TG_OK) {
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
                     l->name, l->in, tg__shp(x, b, sizeof b));
        return NULL;
    }
    /* y = x W + b. Rows of any leading shape are flattened to (M,in) (a view), so one
     * matmul (M,in) x (in,out) serves every rank, then the leading shape returns. */
    if (x->rank == 2) return tg_add(t, tg_matmul(t, x, l->W), l->b);
    int M = (int)(x->size / (size_t)l->in);
    tg_tensor *y = tg_add(t, tg_matmul(t, tg_reshape(t, x, 2, (int[]){M, l->in}), l->W), l->b);
    int shape[TG_MAX_RANK];
    memcpy(shape, x->shape, sizeof shape);
    shape[x->rank - 1] = l->out;
    return tg_reshape(t, y, x->rank, shape);
}

tg_mlp *tg_mlp_new(const char *prefix, int n_sizes, const int *sizes, tg_act hidden,
                   tg_act output, tg_rng *rng) {
    const char *fn = "tg_mlp_new";
    if (tg__check_prefix(fn, prefix) != TG_OK) return NULL;
    if (!sizes || n_sizes < 2) {
        tg__error(TG_ERR_ARG, "%s: need at least 2 sizes (input and output), got %d", fn,
                  sizes ? n_sizes : 0);
        return NULL;
    }
    for (int i = 0; i < n_sizes; i++)
        if (sizes[i] < 1) {
            tg__error(TG_ERR_ARG, "%s: sizes[%d] must be >= 1, got %d", fn, i, sizes[i]);
            return NULL;
        }
    if ((unsigned)hidden >= TG_ACT_COUNT || (unsigned)output >= TG_ACT_COUNT) {
        tg__error(TG_ERR_ARG, "%s: unknown %s activation %d", fn,
                  (unsigned)hidden >= TG_ACT_COUNT ? "hidden" : "output",
                  (int)((unsigned)hidden >= TG_ACT_COUNT ? hidden : output));
        return NULL;
    }
    if (!rng) {
        tg__error(TG_ERR_ARG, "%s: rng is NULL", fn);
        return NULL;
    }
    tg_mlp *m = tg__calloc(1, sizeof *m);
    int L = n_sizes - 1;
    if (m) {
        m->sizes = tg__malloc((size_t)n_sizes * sizeof *m->sizes);
        m->layers = tg__calloc((size_t)L, sizeof *m->layers);
    }
    if (!m || !m->sizes || !m->layers) {
        tg__error(TG_ERR_NOMEM, "%s: out of memory", fn);
        tg_mlp_free(m);
        return NULL;
    }
    memcpy(m->sizes, sizes, (size_t)n_sizes * sizeof *sizes);
    m->n_layers = L;
    m->hidden = hidden;
    m->output = output;
    m->slope = (tg_real)TG_LEAKY_SLOPE_DEFAULT;
    snprintf(m->name, sizeof m->name, "%s", prefix);
    for (int l = 0; l < L; l++) {
        char sub[48];
        snprintf(sub, sizeof sub, "%s.%d", prefix, l);
        tg_act a = l == L - 1 ? output : hidden;
        if (linear_init(fn, &m->layers[l], sub, sizes[l], sizes[l + 1], tg_init_for_act(a), rng) !=
            TG_OK) {
            tg_mlp_free(m);
            return NULL;
        }
    }
    return m;
}

void tg_mlp_free(tg_mlp *m) {
    if (!m) return;
    if (m->layers)
        for (int l = 0; l < m->n_layers; l++) {
            tg_tensor_free(m->layers[l].W);
            tg_tensor_free(m->layers[l].b);
        }
    tg__free(m->layers);
    tg__free(m->sizes);
    tg__free(m);
}

tg_status tg_mlp_params(const tg_mlp *m, tg_params *ps) {
    if (!m) return tg__error(TG_ERR_ARG, "tg_mlp_params: mlp is NULL");
    for (int l = 0; l < m->n_layers; l++) {
        tg_status st = tg_linear_params(&m->layers[l], ps);
        if (st != TG_OK) return st;
    }
    return TG_OK;
}

tg_tensor *tg_mlp_forward(tg_tape *t, const tg_mlp *m, tg_tensor *x) {
    if (!tg__tape_ok(t, "tg_mlp_forward")) return NULL;
    if (!m) {
        tg_tape_fail(t, TG_ERR_ARG, "tg_mlp_forward: mlp is NULL");
        return NULL;
    }
    /* a_l = g_l(a_{l-1} W_l + b_l); shape errors are reported by tg_linear_forward
     * naming the layer "<prefix>.<l>". */
    tg_tensor *a = x;
    for (int l = 0; l < m->n_layers; l++) {
        tg_act g = l == m->n_layers - 1 ? m->output : m->hidden;
        a = tg_activate(t, tg_linear_forward(t, &m->layers[l], a), g, m->slope);
        if (!a) return NULL;
    }
    return a;
}
