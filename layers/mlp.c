/* mlp.c — the multi-layer perceptron as a chain of Linear layers and activations,
 * a_l = g_l(a_{l-1} W_l + b_l) (tg_linear.h). */
#include <string.h>
#include "layers_private.h"

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
        if (tg__linear_init(fn, &m->layers[l], sub, sizes[l], sizes[l + 1], tg_init_for_act(a),
                             rng) != TG_OK) {
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
        a = tg__label(tg_activate(t, tg_linear_forward(t, &m->layers[l], a), g, m->slope),
                      m->layers[l].W, "a", -1);
        if (!a) return NULL;
    }
    return a;
}
