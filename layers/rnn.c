/* rnn.c — the recurrent stack of tg_rnn.h, common to every kind: construction,
 * initialisation and parameter lists, argument checks, tg_rnn_cell and the time loop
 * of tg_rnn_forward over a (T,B,F) sequence. The cell equations are in elman.c,
 * lstm.c and gru.c; the kind picks its cell from `cells`.
 * Shapes: T steps, B batch rows, L layers, H hidden, G gates; xw is x W_x + b,
 * (B,G*H) for one step. */
#include <limits.h>
#include <math.h>
#include "rnn_private.h"

/* Indexed by kind; every entry designated, so the order of the enum does not matter. */
static const tg__rnn_cell *const cells[] = {
    [TG_RNN_TANH] = &tg__rnn_tanh_cell, [TG_RNN_RELU] = &tg__rnn_relu_cell,
    [TG_RNN_LSTM] = &tg__lstm_cell,     [TG_RNN_GRU] = &tg__gru_cell,
    [TG_RNN_GRU_TORCH] = &tg__gru_torch_cell,
};
_Static_assert(sizeof cells / sizeof cells[0] == TG_RNN_KIND_COUNT,
               "every recurrent kind has a cell");

/* The cell of kind k, or NULL for a value outside tg_rnn_kind. */
static const tg__rnn_cell *cell_of(tg_rnn_kind k) {
    return (unsigned)k < TG_RNN_KIND_COUNT ? cells[k] : NULL;
}

const char *tg_rnn_kind_name(tg_rnn_kind k) {
    const tg__rnn_cell *cell = cell_of(k);
    return cell ? cell->name : "?";
}

/* Makes layer l's tensors and draws them from U(-k, k), k = 1/sqrt(H), in the order
 * W_x, W_h, b (, b_hn); then the cell may adjust them. */
static tg_status layer_init(tg_rnn *m, const tg__rnn_cell *cell, int l, const char *prefix,
                            const tg_rnn_config *cfg, tg_rng *rng) {
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
    if (cell->b_hn) {
        p->b_hn = tg__layer_param(fn, prefix, 1, (int[]){H}, ".%d.b_hn", l);
        if (!p->b_hn) return tg_last_status();
    }
    double k = 1 / sqrt((double)H);
    tg_init_uniform(p->W_x, rng, k);
    tg_init_uniform(p->W_h, rng, k);
    tg_init_uniform(p->b, rng, k);
    if (p->b_hn) tg_init_uniform(p->b_hn, rng, k);
    if (cell->init) cell->init(p, H, cfg);
    return TG_OK;
}

tg_rnn *tg_rnn_new(const char *prefix, const tg_rnn_config *cfg, tg_rng *rng) {
    const char *fn = "tg_rnn_new";
    if (tg__check_prefix(fn, prefix) != TG_OK) return NULL;
    if (!cfg || !rng) {
        tg__error(TG_ERR_ARG, "%s: %s is NULL", fn, cfg ? "rng" : "cfg");
        return NULL;
    }
    const tg__rnn_cell *cell = cell_of(cfg->kind);
    if (!cell) {
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
    if (cfg->hidden_size > INT_MAX / TG__RNN_GATES_MAX) {
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
    m->gates = cell->gates;
    snprintf(m->name, sizeof m->name, "%s", prefix);
    for (int l = 0; l < m->num_layers; l++)
        if (layer_init(m, cell, l, prefix, cfg, rng) != TG_OK) {
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

/* Layer l of m as its cell's step sees it; records the cell's per-call views. */
static void view_init(tg_tape *t, const tg__rnn_cell *cell, const tg_rnn *m, int l,
                      tg__rnn_view *v) {
    v->m = m;
    v->p = &m->layers[l];
    v->W_h_rz = v->W_h_n = NULL;
    v->step = -1;
    if (cell->prepare) cell->prepare(t, v);
}

/* A state argument (h0/c0 of rank 3 (L,B,H), or h/c of rank 2 (B,H)) must be NULL or
 * of that shape. */
static bool state_ok(tg_tape *t, const char *fn, const tg_rnn *m, const char *arg,
                     const tg_tensor *s, int rank, int L, int B) {
    if (!s) return true;
    if (!tg__arg_ok(t, fn, m->name, arg, s)) return false; /* another tape, old step */
    int H = m->hidden_size;
    bool ok = s->rank == rank && (rank == 2 ? s->shape[0] == B && s->shape[1] == H
                                            : s->shape[0] == L && s->shape[1] == B &&
                                                  s->shape[2] == H);
    if (ok) return true;
    char b[96];
    if (rank == 2)
        tg_tape_fail(t, TG_ERR_SHAPE, "%s: '%s': %s must have shape (%d,%d), got %s", fn,
                     m->name, arg, B, H, tg_shape_str(s, b, sizeof b));
    else
        tg_tape_fail(t, TG_ERR_SHAPE, "%s: '%s': %s must have shape (%d,%d,%d), got %s", fn,
                     m->name, arg, L, B, H, tg_shape_str(s, b, sizeof b));
    return false;
}

/* Common checks of tg_rnn_forward and tg_rnn_cell before any op is recorded; on
 * success *cell is m's cell. */
static tg_status check_common(tg_tape *t, const char *fn, const tg_rnn *m, tg_tensor *x,
                              tg_tensor *c, const char *c_arg, const tg__rnn_cell **cell) {
    if (!t) return tg__error(TG_ERR_ARG, "%s: tape is NULL", fn);
    if (tg_tape_status(t) != TG_OK) return tg_tape_status(t);
    if (!m) return tg_tape_fail(t, TG_ERR_ARG, "%s: layer is NULL", fn);
    if (!tg__arg_ok(t, fn, m->name, "x", x)) return tg_tape_status(t);
    *cell = cell_of(m->kind);
    if (!*cell) /* a tg_rnn not made by tg_rnn_new, or its kind overwritten */
        return tg_tape_fail(t, TG_ERR_ARG, "%s: '%s': unknown kind %d", fn, m->name,
                            (int)m->kind);
    if (c && !(*cell)->cell_state)
        return tg_tape_fail(t, TG_ERR_ARG, "%s: '%s': %s is only used by LSTM layers, this is %s",
                            fn, m->name, c_arg, tg_rnn_kind_name(m->kind));
    return TG_OK;
}

tg_status tg_rnn_cell(tg_tape *t, const tg_rnn *m, int layer, tg_tensor *x, tg_tensor *h,
                      tg_tensor *c, tg_tensor **h_out, tg_tensor **c_out) {
    const char *fn = "tg_rnn_cell";
    if (h_out) *h_out = NULL;
    if (c_out) *c_out = NULL;
    const tg__rnn_cell *cell = NULL;
    tg_status st = check_common(t, fn, m, x, c, "c", &cell);
    if (st != TG_OK) return st;
    if (!h_out) return tg_tape_fail(t, TG_ERR_ARG, "%s: '%s': h_out is NULL", fn, m->name);
    if (layer < 0 || layer >= m->num_layers)
        return tg_tape_fail(t, TG_ERR_RANGE, "%s: '%s': layer %d is out of range 0..%d", fn,
                            m->name, layer, m->num_layers - 1);
    const tg_rnn_layer *p = &m->layers[layer];
    char b[96];
    if (x->rank != 2 || x->shape[1] != p->in)
        return tg_tape_fail(t, TG_ERR_SHAPE, "%s: '%s': layer %d: x must have shape (B,%d), got %s",
                            fn, m->name, layer, p->in, tg_shape_str(x, b, sizeof b));
    int B = x->shape[0], H = m->hidden_size;
    if (!state_ok(t, fn, m, "h", h, 2, 1, B) || !state_ok(t, fn, m, "c", c, 2, 1, B))
        return tg_tape_status(t);
    bool has_c = cell->cell_state;
    tg_tensor *zero = (!h || (has_c && !c)) ? tg_tape_full(t, 2, (int[]){B, H}, 0) : NULL;
    if (!h) h = zero;
    if (has_c && !c) c = zero;
    tg__rnn_view v;
    view_init(t, cell, m, layer, &v);
    tg_tensor *xw = tg__label(tg_add(t, tg__label(tg_matmul(t, x, p->W_x), p->W_x, "xW", -1),
                                     p->b), p->W_x, "xw", -1); /* (B,G*H) */
    tg_tensor *c2 = NULL;
    tg_tensor *h2 = xw ? cell->step(t, &v, xw, h, c, &c2) : NULL;
    if (tg_tape_status(t) != TG_OK) return tg_tape_status(t);
    *h_out = h2;
    if (c_out) *c_out = c2;
    return TG_OK;
}

tg_status tg_rnn_forward(tg_tape *t, const tg_rnn *m, tg_tensor *x, tg_tensor *h0,
                         tg_tensor *c0, tg_tensor **out, tg_tensor **h_n, tg_tensor **c_n) {
    const char *fn = "tg_rnn_forward";
    if (out) *out = NULL;
    if (h_n) *h_n = NULL;
    if (c_n) *c_n = NULL;
    const tg__rnn_cell *cell = NULL;
    tg_status st = check_common(t, fn, m, x, c0, "c0", &cell);
    if (st != TG_OK) return st;
    char b[96];
    int F = m->input_size, H = m->hidden_size, L = m->num_layers;
    if (x->rank != 3 || x->shape[2] != F)
        return tg_tape_fail(t, TG_ERR_SHAPE, "%s: '%s': x must have shape (T,B,%d), got %s", fn,
                            m->name, F, tg_shape_str(x, b, sizeof b));
    int T = x->shape[0], B = x->shape[1];
    /* Rows T*B (the input as one matrix) and L*B (the states) must fit an int shape. */
    if (T > INT_MAX / B || L > INT_MAX / B)
        return tg_tape_fail(t, TG_ERR_SHAPE, "%s: '%s': x of shape %s with %d layers has more than %d rows (T*B or L*B)",
                            fn, m->name, tg_shape_str(x, b, sizeof b), L, INT_MAX);
    if (!state_ok(t, fn, m, "h0", h0, 3, L, B) || !state_ok(t, fn, m, "c0", c0, 3, L, B))
        return tg_tape_status(t);
    bool has_c = cell->cell_state;

    /* Initial states: layer l's rows l*B..l*B+B-1 of h0 viewed as (L*B,H) (views, no
     * copy), or one constant zero (B,H) for every layer. */
    tg_tensor *zero = (!h0 || (has_c && !c0)) ? tg_tape_full(t, 2, (int[]){B, H}, 0) : NULL;
    tg_tensor *h0r = h0 ? tg_reshape(t, h0, 2, (int[]){L * B, H}) : NULL;
    tg_tensor *c0r = c0 ? tg_reshape(t, c0, 2, (int[]){L * B, H}) : NULL;
    tg_tensor **hs = tg_tape_alloc(t, (size_t)T * sizeof *hs);     /* per step (B,H) */
    tg_tensor **hl = tg_tape_alloc(t, (size_t)L * 2 * sizeof *hl); /* final h, c per layer */
    if (!hs || !hl) return tg_tape_status(t);
    tg_tensor **cl = hl + L;

    /* Layer input as rows (T*B, in): time-major, so rows s*B..s*B+B-1 are step s. */
    tg_tensor *in = tg_reshape(t, x, 2, (int[]){T * B, F});
    for (int l = 0; l < L && tg_tape_status(t) == TG_OK; l++) {
        const tg_rnn_layer *p = &m->layers[l];
        tg__rnn_view v;
        view_init(t, cell, m, l, &v);
        /* The input projection of all T steps at once: (T*B,in) x (in,G*H) + b. */
        tg_tensor *xW = tg__label(tg_matmul(t, in, p->W_x), p->W_x, "xW", -1);
        tg_tensor *xw = tg__label(tg_add(t, xW, p->b), p->W_x, "xw", -1);
        tg_tensor *h = h0r ? tg_slice(t, h0r, 0, l * B, B) : zero;
        tg_tensor *c = has_c ? (c0r ? tg_slice(t, c0r, 0, l * B, B) : zero) : NULL;
        for (int s = 0; s < T; s++) {
            v.step = s;
            tg_tensor *xw_s = tg__label(tg_slice(t, xw, 0, s * B, B), p->W_x, "xw", s); /* (B,G*H), a view */
            h = cell->step(t, &v, xw_s, h, c, &c);
            if (!h) return tg_tape_status(t);
            hs[s] = h;
        }
        /* All hidden states of this layer, (T*B,H): the next layer's input rows. */
        in = tg__label(tg_concat(t, hs, T, 0), p->W_x, "hs", -1);
        hl[l] = h;
        cl[l] = c;
    }
    if (tg_tape_status(t) != TG_OK) return tg_tape_status(t);
    tg_tensor *o = out ? tg_reshape(t, in, 3, (int[]){T, B, H}) : NULL;
    tg_tensor *hn = h_n ? tg_reshape(t, tg_concat(t, hl, L, 0), 3, (int[]){L, B, H}) : NULL;
    tg_tensor *cn = c_n && has_c ? tg_reshape(t, tg_concat(t, cl, L, 0), 3, (int[]){L, B, H}) : NULL;
    st = tg_tape_status(t);
    if (st != TG_OK) return st;
    if (out) *out = o;
    if (h_n) *h_n = hn;
    if (c_n) *c_n = cn;
    return TG_OK;
}
