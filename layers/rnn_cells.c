/* rnn_cells.c — the recurrent equations (tg_rnn.h) as compositions of primitive ops,
 * and the time loop over a (T,B,F) sequence. Gate equations: lecture notes
 * ../shared/seeds/000_… (LSTM, GRU) and 001_…/004_… (Elman RNN).
 * Shapes: B batch rows, H hidden, G gates; xw is x W_x + b for one step, (B, G*H). */
#include "layers_private.h"

/* One layer as a step sees it. For TG_RNN_GRU the candidate's recurrent matmul must
 * wait for r, so W_h's column blocks are sliced apart once per call (two tg_slice
 * nodes per forward, not per step). */
typedef struct {
    const tg_rnn *m;
    const tg_rnn_layer *p;
    tg_tensor *W_h_rz;  /* (H,2H) W_h[:, 0:2H]   TG_RNN_GRU only */
    tg_tensor *W_h_n;   /* (H,H)  W_h[:, 2H:3H]  TG_RNN_GRU only */
} layer_view;

static void view_init(tg_tape *t, const tg_rnn *m, int l, layer_view *v) {
    int H = m->hidden_size;
    v->m = m;
    v->p = &m->layers[l];
    v->W_h_rz = v->W_h_n = NULL;
    if (m->kind == TG_RNN_GRU) {
        v->W_h_rz = tg_slice(t, v->p->W_h, 1, 0, 2 * H);
        v->W_h_n = tg_slice(t, v->p->W_h, 1, 2 * H, H);
    }
}

/* Elman: h' = act(x W_x + b + h W_h) */
static tg_tensor *step_elman(tg_tape *t, const layer_view *v, tg_tensor *xw, tg_tensor *h) {
    tg_tensor *a = tg_add(t, xw, tg_matmul(t, h, v->p->W_h)); /* (B,H) */
    return v->m->kind == TG_RNN_RELU ? tg_relu(t, a) : tg_tanh(t, a);
}

/* LSTM, blocks [i f g o] of a = x W_x + b + h W_h (B,4H): one recurrent matmul for
 * all four gates, one sigmoid over all blocks (the g block of it is unused), then
 * slices. */
static tg_tensor *step_lstm(tg_tape *t, const layer_view *v, tg_tensor *xw, tg_tensor *h,
                            tg_tensor *c, tg_tensor **c_out) {
    int H = v->m->hidden_size;
    tg_tensor *a = tg_add(t, xw, tg_matmul(t, h, v->p->W_h)); /* (B,4H) */
    tg_tensor *s = tg_sigmoid(t, a);
    tg_tensor *i = tg_slice(t, s, 1, 0, H);                   /* i = sigma(a_i) */
    tg_tensor *f = tg_slice(t, s, 1, H, H);                   /* f = sigma(a_f) */
    tg_tensor *o = tg_slice(t, s, 1, 3 * H, H);               /* o = sigma(a_o) */
    tg_tensor *g = tg_tanh(t, tg_slice(t, a, 1, 2 * H, H));   /* g = tanh(a_g) */
    /* c' = f (.) c + i (.) g */
    tg_tensor *c2 = tg_add(t, tg_mul(t, f, c), tg_mul(t, i, g));
    *c_out = c2;
    /* h' = o (.) tanh(c') */
    return tg_mul(t, o, tg_tanh(t, c2));
}

/* h' = (1 - z) (.) n + z (.) h, written n + z (.) (h - n): one op fewer. */
static tg_tensor *gru_blend(tg_tape *t, tg_tensor *n, tg_tensor *z, tg_tensor *h) {
    return tg_add(t, n, tg_mul(t, z, tg_sub(t, h, n)));
}

/* GRU of the notes, blocks [r z n]: reset applied to h BEFORE its matmul. */
static tg_tensor *step_gru(tg_tape *t, const layer_view *v, tg_tensor *xw, tg_tensor *h) {
    int H = v->m->hidden_size;
    /* [r z] = sigma(x W_x[:, :2H] + b[:2H] + h W_h[:, :2H])   (B,2H) */
    tg_tensor *s = tg_sigmoid(t, tg_add(t, tg_slice(t, xw, 1, 0, 2 * H),
                                        tg_matmul(t, h, v->W_h_rz)));
    tg_tensor *r = tg_slice(t, s, 1, 0, H);
    tg_tensor *z = tg_slice(t, s, 1, H, H);
    /* n = tanh(x W_xn + b_n + (r (.) h) W_hn) */
    tg_tensor *n = tg_tanh(t, tg_add(t, tg_slice(t, xw, 1, 2 * H, H),
                                     tg_matmul(t, tg_mul(t, r, h), v->W_h_n)));
    return gru_blend(t, n, z, h);
}

/* nn.GRU, blocks [r z n]: hh = h W_h (B,3H) in one matmul; reset applied AFTER it. */
static tg_tensor *step_gru_torch(tg_tape *t, const layer_view *v, tg_tensor *xw,
                                 tg_tensor *h) {
    int H = v->m->hidden_size;
    tg_tensor *hh = tg_matmul(t, h, v->p->W_h);               /* (B,3H) */
    /* [r z] = sigma(xw + hh) on the first 2H columns (the n block of it is unused) */
    tg_tensor *s = tg_sigmoid(t, tg_add(t, xw, hh));
    tg_tensor *r = tg_slice(t, s, 1, 0, H);
    tg_tensor *z = tg_slice(t, s, 1, H, H);
    /* n = tanh(x W_xn + b_n + r (.) (h W_hn + b_hn)) */
    tg_tensor *hn = tg_add(t, tg_slice(t, hh, 1, 2 * H, H), v->p->b_hn);
    tg_tensor *n = tg_tanh(t, tg_add(t, tg_slice(t, xw, 1, 2 * H, H), tg_mul(t, r, hn)));
    return gru_blend(t, n, z, h);
}

/* One step of any kind; *c_out is set for LSTM only. */
static tg_tensor *step(tg_tape *t, const layer_view *v, tg_tensor *xw, tg_tensor *h,
                       tg_tensor *c, tg_tensor **c_out) {
    switch (v->m->kind) {
    case TG_RNN_LSTM: return step_lstm(t, v, xw, h, c, c_out);
    case TG_RNN_GRU: return step_gru(t, v, xw, h);
    case TG_RNN_GRU_TORCH: return step_gru_torch(t, v, xw, h);
    default: return step_elman(t, v, xw, h);
    }
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
                     m->name, arg, B, H, tg__shp(s, b, sizeof b));
    else
        tg_tape_fail(t, TG_ERR_SHAPE, "%s: '%s': %s must have shape (%d,%d,%d), got %s", fn,
                     m->name, arg, L, B, H, tg__shp(s, b, sizeof b));
    return false;
}

/* Common checks of tg_rnn_forward and tg_rnn_cell before any op is recorded. */
static tg_status check_common(tg_tape *t, const char *fn, const tg_rnn *m, tg_tensor *x,
                              tg_tensor *c, const char *c_arg) {
    if (!t) return tg__error(TG_ERR_ARG, "%s: tape is NULL", fn);
    if (tg_tape_status(t) != TG_OK) return tg_tape_status(t);
    if (!m) return tg_tape_fail(t, TG_ERR_ARG, "%s: layer is NULL", fn);
    if (!tg__arg_ok(t, fn, m->name, "x", x)) return tg_tape_status(t);
    if (c && m->kind != TG_RNN_LSTM)
        return tg_tape_fail(t, TG_ERR_ARG, "%s: '%s': %s is only used by LSTM layers, this is %s",
                            fn, m->name, c_arg, tg_rnn_kind_name(m->kind));
    return TG_OK;
}

tg_status tg_rnn_cell(tg_tape *t, const tg_rnn *m, int layer, tg_tensor *x, tg_tensor *h,
                      tg_tensor *c, tg_tensor **h_out, tg_tensor **c_out) {
    const char *fn = "tg_rnn_cell";
    if (h_out) *h_out = NULL;
    if (c_out) *c_out = NULL;
    tg_status st = check_common(t, fn, m, x, c, "c");
    if (st != TG_OK) return st;
    if (!h_out) return tg_tape_fail(t, TG_ERR_ARG, "%s: '%s': h_out is NULL", fn, m->name);
    if (layer < 0 || layer >= m->num_layers)
        return tg_tape_fail(t, TG_ERR_RANGE, "%s: '%s': layer %d is out of range 0..%d", fn,
                            m->name, layer, m->num_layers - 1);
    const tg_rnn_layer *p = &m->layers[layer];
    char b[96];
    if (x->rank != 2 || x->shape[1] != p->in)
        return tg_tape_fail(t, TG_ERR_SHAPE, "%s: '%s': layer %d: x must have shape (B,%d), got %s",
                            fn, m->name, layer, p->in, tg__shp(x, b, sizeof b));
    int B = x->shape[0], H = m->hidden_size;
    if (!state_ok(t, fn, m, "h", h, 2, 1, B) || !state_ok(t, fn, m, "c", c, 2, 1, B))
        return tg_tape_status(t);
    bool lstm = m->kind == TG_RNN_LSTM;
    tg_tensor *zero = (!h || (lstm && !c)) ? tg_tape_full(t, 2, (int[]){B, H}, 0) : NULL;
    if (!h) h = zero;
    if (lstm && !c) c = zero;
    layer_view v;
    view_init(t, m, layer, &v);
    tg_tensor *xw = tg_add(t, tg_matmul(t, x, p->W_x), p->b); /* (B,G*H) */
    tg_tensor *c2 = NULL;
    tg_tensor *h2 = xw ? step(t, &v, xw, h, c, &c2) : NULL;
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
    tg_status st = check_common(t, fn, m, x, c0, "c0");
    if (st != TG_OK) return st;
    char b[96];
    int F = m->input_size, H = m->hidden_size, L = m->num_layers;
    if (x->rank != 3 || x->shape[2] != F)
        return tg_tape_fail(t, TG_ERR_SHAPE, "%s: '%s': x must have shape (T,B,%d), got %s", fn,
                            m->name, F, tg__shp(x, b, sizeof b));
    int T = x->shape[0], B = x->shape[1];
    if (!state_ok(t, fn, m, "h0", h0, 3, L, B) || !state_ok(t, fn, m, "c0", c0, 3, L, B))
        return tg_tape_status(t);
    bool lstm = m->kind == TG_RNN_LSTM;

    /* Initial states: layer l's rows l*B..l*B+B-1 of h0 viewed as (L*B,H) (views, no
     * copy), or one shared constant zero (B,H). */
    tg_tensor *zero = (!h0 || (lstm && !c0)) ? tg_tape_full(t, 2, (int[]){B, H}, 0) : NULL;
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
        layer_view v;
        view_init(t, m, l, &v);
        /* The input projection of all T steps at once: (T*B,in) x (in,G*H) + b. */
        tg_tensor *xw = tg_add(t, tg_matmul(t, in, p->W_x), p->b);
        tg_tensor *h = h0r ? tg_slice(t, h0r, 0, l * B, B) : zero;
        tg_tensor *c = lstm ? (c0r ? tg_slice(t, c0r, 0, l * B, B) : zero) : NULL;
        for (int s = 0; s < T; s++) {
            tg_tensor *xw_s = tg_slice(t, xw, 0, s * B, B); /* (B,G*H), a view */
            h = step(t, &v, xw_s, h, c, &c);
            if (!h) return tg_tape_status(t);
            hs[s] = h;
        }
        /* All hidden states of this layer, (T*B,H): the next layer's input rows. */
        in = tg_concat(t, hs, T, 0);
        hl[l] = h;
        cl[l] = c;
    }
    if (tg_tape_status(t) != TG_OK) return tg_tape_status(t);
    tg_tensor *o = out ? tg_reshape(t, in, 3, (int[]){T, B, H}) : NULL;
    tg_tensor *hn = h_n ? tg_reshape(t, tg_concat(t, hl, L, 0), 3, (int[]){L, B, H}) : NULL;
    tg_tensor *cn = c_n && lstm ? tg_reshape(t, tg_concat(t, cl, L, 0), 3, (int[]){L, B, H}) : NULL;
    st = tg_tape_status(t);
    if (st != TG_OK) return st;
    if (out) *out = o;
    if (h_n) *h_n = hn;
    if (c_n) *c_n = cn;
    return TG_OK;
}
