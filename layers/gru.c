/* gru.c — the two GRU cells (tg_rnn.h, TG_RNN_GRU and TG_RNN_GRU_TORCH) as
 * compositions of primitive ops. Equations: the lecture notes' section on gates in
 * GRU (TG_RNN_GRU, reset applied to h before its matmul) and what torch.nn.GRU
 * computes (TG_RNN_GRU_TORCH, reset applied after it). The three gate blocks of W_x,
 * W_h and b are addressed by tg_gru_gate: block k is columns k*H..(k+1)*H-1.
 * Shapes: B batch rows, H hidden. */
#include "rnn_private.h"

_Static_assert(TG_GRU_GATES <= TG__RNN_GATES_MAX, "the GRU's blocks fit the bound");
/* r and z are the first two blocks, side by side: one slice of W_h and one sigmoid
 * cover both, and r, z sit at the same columns of that sigmoid as of the full a. */
_Static_assert(TG_GRU_RESET == 0 && TG_GRU_UPDATE == 1, "[r z] are blocks 0 and 1");

/* h' = (1 - z) (.) n + z (.) h, written n + z (.) (h - n): one op fewer. */
static tg_tensor *blend(tg_tape *t, const tg__rnn_view *v, tg_tensor *n, tg_tensor *z,
                        tg_tensor *h) {
    const tg_tensor *own = v->p->W_x;
    tg_tensor *d = tg__label(tg_sub(t, h, n), own, "h-n", v->step);
    return tg__label(tg_add(t, n, tg__label(tg_mul(t, z, d), own, "z(h-n)", v->step)), own, "h",
                     v->step);
}

/* The candidate's recurrent matmul must wait for r, so W_h's blocks are sliced apart
 * once per call (two tg_slice nodes per forward, not per step). */
static void prepare_gru(tg_tape *t, tg__rnn_view *v) {
    int H = v->m->hidden_size;
    v->W_h_rz = tg_slice(t, v->p->W_h, 1, TG_GRU_RESET * H, 2 * H); /* [r z] */
    v->W_h_n = tg_slice(t, v->p->W_h, 1, TG_GRU_NEW * H, H);
}

/* TG_RNN_GRU: reset applied to h BEFORE its matmul. */
static tg_tensor *step_gru(tg_tape *t, const tg__rnn_view *v, tg_tensor *xw, tg_tensor *h,
                           tg_tensor *c, tg_tensor **c_out) {
    (void)c;
    (void)c_out;
    int H = v->m->hidden_size;
    /* [r z] = sigma(x W_x[:, rz] + b[rz] + h W_h[:, rz])   (B,2H) */
    const tg_tensor *own = v->p->W_x; /* names "<prefix>.<layer>.t<k>.z" */
    int k = v->step;
    tg_tensor *s = tg__label(tg_sigmoid(t, tg_add(t, tg_slice(t, xw, 1, TG_GRU_RESET * H, 2 * H),
                                                  tg_matmul(t, h, v->W_h_rz))), own, "sigma", k);
    tg_tensor *r = tg__label(tg_slice(t, s, 1, TG_GRU_RESET * H, H), own, "r", k);
    tg_tensor *z = tg__label(tg_slice(t, s, 1, TG_GRU_UPDATE * H, H), own, "z", k);
    /* n = tanh(x W_xn + b_n + (r (.) h) W_hn) */
    tg_tensor *n = tg__label(tg_tanh(t, tg_add(t, tg_slice(t, xw, 1, TG_GRU_NEW * H, H),
                                               tg_matmul(t, tg_mul(t, r, h), v->W_h_n))), own, "n", k);
    return blend(t, v, n, z, h);
}

/* TG_RNN_GRU_TORCH: hh = h W_h (B,3H) in one matmul; reset applied AFTER it. */
static tg_tensor *step_gru_torch(tg_tape *t, const tg__rnn_view *v, tg_tensor *xw,
                                 tg_tensor *h, tg_tensor *c, tg_tensor **c_out) {
    (void)c;
    (void)c_out;
    int H = v->m->hidden_size;
    const tg_tensor *own = v->p->W_x; /* names "<prefix>.<layer>.t<k>.z" */
    int k = v->step;
    tg_tensor *hh = tg__label(tg_matmul(t, h, v->p->W_h), own, "hW", k); /* (B,3H) */
    /* The n blocks of hh and xw are sliced before their sum is recorded. Gradients flow
     * in reverse recording order, so the sum then writes the whole of hh's and xw's
     * gradients first and the slices add their blocks onto them; in the other order
     * two blocks of each would be zeroed first. */
    tg_tensor *hh_n = tg_slice(t, hh, 1, TG_GRU_NEW * H, H);
    tg_tensor *xw_n = tg_slice(t, xw, 1, TG_GRU_NEW * H, H);
    /* [r z] = sigma(xw + hh) on blocks TG_GRU_RESET, TG_GRU_UPDATE (its TG_GRU_NEW
     * block is unused) */
    tg_tensor *s = tg__label(tg_sigmoid(t, tg_add(t, xw, hh)), own, "sigma", k);
    tg_tensor *r = tg__label(tg_slice(t, s, 1, TG_GRU_RESET * H, H), own, "r", k);
    tg_tensor *z = tg__label(tg_slice(t, s, 1, TG_GRU_UPDATE * H, H), own, "z", k);
    /* n = tanh(x W_xn + b_n + r (.) (h W_hn + b_hn)) */
    tg_tensor *hn = tg_add(t, hh_n, v->p->b_hn);
    tg_tensor *n = tg__label(tg_tanh(t, tg_add(t, xw_n, tg_mul(t, r, hn))), own, "n", k);
    return blend(t, v, n, z, h);
}

const tg__rnn_cell tg__gru_cell = {
    .name = "gru", .gates = TG_GRU_GATES, .prepare = prepare_gru, .step = step_gru,
};

const tg__rnn_cell tg__gru_torch_cell = {
    .name = "gru_torch", .gates = TG_GRU_GATES, .b_hn = true, .step = step_gru_torch,
};
