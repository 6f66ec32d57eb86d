/* rnn.c — construction, initialisation and parameter lists of the recurrent layers
 * (tg_rnn.h). The equations themselves are in rnn_cells.c. */
#include <limits.h>
#include <math.h>
#include "layers_private.h"

static const char *const kind_names[TG_RNN_KIND_COUNT] = {
    [TG_RNN_TANH] = "rnn_tanh", [TG_RNN_RELU] = "rnn_relu", [TG_RNN_LSTM] = "lstm",
    [TG_RNN_GRU] = "gru", [TG_RNN_GRU_TORCH] = "gru_torch",
};
_Static_assert(sizeof kind_names / sizeof kind_names[0] == TG_RNN_KIND_COUNT,
               "every recurrent kind has a name");

const char *tg_rnn_kind_name(tg_rnn_kind k) {
    return (unsigned)k < TG_RNN_KIND_COUNT ? kind_names[k] : "?";
}

static int gates_of(tg_rnn_kind k) {
    switch (k) {
    case TG_RNN_LSTM: return 4;
    case TG_RNN_GRU:
    case TG_RNN_GRU_TORCH: return 3;
    default: return 1;
    }
}

/* Makes layer l's tensors and draws them from U(-k, k), k = 1/sqrt(H). */
static tg_status layer_init(tg_rnn *m, int l, const char *prefix, const tg_rnn_config *cfg,
                            tg_rng *rng) {
    const char *fn = "tg_rnn_new";
    tg_rnn_layer *p = &m->layers[l];
    int H = m->hidden_size, GH = m->gates * H;
    p->in = l == 0 ? m->input_size : H;
    p->W_x = tg__layer_param(fn, prefix, 2, (int[]){p->in, GH}, ".%d.W_x", l);
    if (!p->W_x) return tg_last_status();
    p->W_h = tg__layer_param(fn, prefix, 2, (int[]){H, GH}, ".%d.W_h", l);
    if (!p->W_h) return tg_last_status();
    p->b = tg__layer_param(fn, prefix, 1, (int[]){GH}, ".%d.b", l);
    if (!p->b) return tg_last_status();
    if (m->kind == TG_RNN_GRU_TORCH) {
        p->b_hn = tg__layer_param(fn, prefix, 1, (int[]){H}, ".%d.b_hn", l);
        if (!p->b_hn) return tg_last_status();
    }
    double k = 1 / sqrt((double)H);
    tg_init_uniform(p->W_x, rng, k);
    tg_init_uniform(p->W_h, rng, k);
    tg_init_uniform(p->b, rng, k);
    if (p->b_hn) tg_init_uniform(p->b_hn, rng, k);
    if (m->kind == TG_RNN_LSTM && cfg->forget_bias_one)
        for (int j = H; j < 2 * H; j++) p->b->data[j] = 1; /* block [i f g o]: f */
    return TG_OK;
}

tg_rnn *tg_rnn_new(const char *prefix, const tg_rnn_config *cfg, tg_rng *rng) {
    const char *fn = "tg_rnn_new";
    if (tg__check_prefix(fn, prefix) != TG_OK) return NULL;
    if (!cfg || !rng) {
        tg__error(TG_ERR_ARG, "%s: %s is NULL", fn, cfg ? "rng" : "cfg");
        return NULL;
    }
    if ((unsigned)cfg->kind >= TG_RNN_KIND_COUNT) {
        tg__error(TG_ERR_ARG, "%s: unknown kind %d", fn, (int)cfg->kind);
        return NULL;
    }
    const char *bad = cfg->input_size < 1 ? "input_size"
                      : cfg->hidden_size < 1 ? "hidden_size"
                      : cfg->num_layers < 1 ? "num_layers" : NULL;
    if (bad) {
        int v = cfg->input_size < 1 ? cfg->input_size
                : cfg->hidden_size < 1 ? cfg->hidden_size : cfg->num_layers;
        tg__error(TG_ERR_ARG, "%s: %s must be >= 1, got %d", fn, bad, v);
        return NULL;
    }
    if (cfg->hidden_size > INT_MAX / 4) {
        tg__error(TG_ERR_ARG, "%s: hidden_size %d is too large", fn, cfg->hidden_size);
        return NULL;
    }
    tg_rnn *m = tg__calloc(1, sizeof *m);
    if (m) m->layers = tg__calloc((size_t)cfg->num_layers, sizeof *m->layers);
    if (!m || !m->layers) {
        tg__free(m);
        tg__error(TG_ERR_NOMEM, "%s: out of memory", fn);
        return NULL;
    }
    m->kind = cfg->kind;
    m->input_size = cfg->input_size;
    m->hidden_size = cfg->hidden_size;
    m->num_layers = cfg->num_layers;
    m->gates = gates_of(cfg->kind);
    snprintf(m->name, sizeof m->name, "%s", prefix);
    for (int l = 0; l < m->num_layers; l++)
        if (layer_init(m, l, prefix, cfg, rng) != TG_OK) {
            tg_rnn_free(m);
            return NULL;
        }
    return m;
}

void tg_rnn_free(tg_rnn *m) {
    if (!m) return;
    for (int l = 0; l < m->num_layers; l++) {
        tg_tensor_free(m->layers[l].W_x);
        tg_tensor_free(m->layers[l].W_h);
        tg_tensor_free(m->layers[l].b);
        tg_tensor_free(m->layers[l].b_hn);
    }
    tg__free(m->layers);
    tg__free(m);
}

tg_status tg_rnn_params(const tg_rnn *m, tg_params *ps) {
    if (!m) return tg__error(TG_ERR_ARG, "tg_rnn_params: layer is NULL");
    for (int l = 0; l < m->num_layers; l++) {
        const tg_rnn_layer *p = &m->layers[l];
        tg_tensor *list[4] = {p->W_x, p->W_h, p->b, p->b_hn};
        for (int k = 0; k < 4 && list[k]; k++) {
            tg_status st = tg_params_add(ps, list[k]);
            if (st != TG_OK) return st;
        }
    }
    return TG_OK;
}
