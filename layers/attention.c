/* attention.c — multi-head attention and the learned positional embedding as
 * compositions of the primitive ops (tg_attention.h). */
#include <limits.h>
#include <math.h>
#include <string.h>
#include <tapegrad/tg_ops_nn.h>
#include "layers_private.h"

tg_mha *tg_mha_new(const char *prefix, int dim, int heads, bool fused, tg_real dropout, tg_rng *rng) {
    const char *fn = "tg_mha_new";
    if (tg__check_prefix(fn, prefix) != TG_OK) return NULL;
    if (dim < 1 || heads < 1) {
        tg__error(TG_ERR_ARG, "%s: %s must be >= 1, got %d", fn, dim < 1 ? "dim" : "heads",
                  dim < 1 ? dim : heads);
        return NULL;
    }
    if (dim % heads != 0) {
        tg__error(TG_ERR_ARG, "%s: dim %d is not divisible by heads %d", fn, dim, heads);
        return NULL;
    }
    if (!(dropout >= 0 && dropout < 1)) {
        tg__error(TG_ERR_ARG, "%s: dropout must be in [0, 1), got %g", fn, (double)dropout);
        return NULL;
    }
    if (!rng) {
        tg__error(TG_ERR_ARG, "%s: rng is NULL", fn);
        return NULL;
    }
    if (dim > INT_MAX / 3) {
        tg__error(TG_ERR_ARG, "%s: dim %d is too large (3 dim overflows)", fn, dim);
        return NULL;
    }
    tg_mha *m = tg__calloc(1, sizeof *m);
    if (!m) {
        tg__error(TG_ERR_NOMEM, "%s: out of memory", fn);
        return NULL;
    }
    m->dim = dim;
    m->heads = heads;
    m->head_dim = dim / heads;
    m->fused = fused;
    m->dropout = dropout;
    snprintf(m->name, sizeof m->name, "%s", prefix);
    char sub[64];
    tg_status st;
    if (fused) {
        /* Glorot over the fused (d,3d) matrix, as xavier_uniform_ on (3d,d) */
        snprintf(sub, sizeof sub, "%s.qkv", prefix);
        st = tg__linear_init(fn, &m->qkv, sub, dim, 3 * dim, TG_INIT_GLOROT, rng);
    } else {
        tg_linear *ls[3] = {&m->q, &m->k, &m->v};
        const char *nm[3] = {"q", "k", "v"};
        st = TG_OK;
        for (int i = 0; i < 3 && st == TG_OK; i++) {
            snprintf(sub, sizeof sub, "%s.%s", prefix, nm[i]);
            st = tg__linear_init(fn, ls[i], sub, dim, dim, TG_INIT_GLOROT, rng);
        }
    }
    if (st == TG_OK) {
        snprintf(sub, sizeof sub, "%s.out", prefix);
        st = tg__linear_init(fn, &m->out, sub, dim, dim, TG_INIT_GLOROT, rng);
    }
    if (st != TG_OK) {
        tg_mha_free(m);
        return NULL;
    }
    return m;
}

void tg_mha_free(tg_mha *m) {
    if (!m) return;
    tg_linear *ls[5] = {&m->qkv, &m->q, &m->k, &m->v, &m->out};
    for (int i = 0; i < 5; i++) {
        tg_tensor_free(ls[i]->W);
        tg_tensor_free(ls[i]->b);
    }
    tg__free(m);
}

tg_status tg_mha_params(const tg_mha *m, tg_params *ps) {
    if (!m) return tg__error(TG_ERR_ARG, "tg_mha_params: layer is NULL");
    const tg_linear *ls[4] = {&m->qkv, &m->q, &m->k, &m->v};
    tg_status st = TG_OK;
    for (int i = m->fused ? 0 : 1; i < (m->fused ? 1 : 4) && st == TG_OK; i++)
        st = tg_linear_params(ls[i], ps);
    return st == TG_OK ? tg_linear_params(&m->out, ps) : st;
}

tg_tensor *tg__linear_rows(tg_tape *t, const tg_linear *l, tg_tensor *x) {
    return tg__label(tg_affine(t, x, l->W, l->b), l->W, "z", -1);
}

tg_tensor *tg__linear_rows_relu(tg_tape *t, const tg_linear *l, tg_tensor *x) {
    return tg__label(tg_affine_relu(t, x, l->W, l->b), l->W, "h", -1);
}

/* x (B,T,d) W[:, c0:c0+d] + b[c0:c0+d]: one third of the fused projection. */
static tg_tensor *third(tg_tape *t, const tg_linear *l, tg_tensor *x, int c0, int d) {
    return tg_affine(t, x, tg_slice(t, l->W, 1, c0, d), tg_slice(t, l->b, 0, c0, d));
}

static bool check_x(tg_tape *t, const tg_mha *m, const char *arg, const tg_tensor *x, int B) {
    if (x->rank == 3 && x->shape[2] == m->dim && (B < 0 || x->shape[0] == B)) return true;
    char b[96];
    if (B < 0)
        tg_tape_fail(t, TG_ERR_SHAPE, "tg_mha_forward: '%s': %s must be (B,T,%d), got %s", m->name, arg,
                     m->dim, tg_shape_str(x, b, sizeof b));
    else
        tg_tape_fail(t, TG_ERR_SHAPE, "tg_mha_forward: '%s': %s must be (%d,T,%d), got %s", m->name, arg,
                     B, m->dim, tg_shape_str(x, b, sizeof b));
    return false;
}

static bool check_inputs(tg_tape *t, const tg_mha *m, tg_tensor *xq, tg_tensor *xk, tg_tensor *xv,
                         tg_tensor *key_pad, bool causal) {
    const char *fn = "tg_mha_forward";
    if (!tg__arg_ok(t, fn, m->name, "xq", xq) || !tg__arg_ok(t, fn, m->name, "xk", xk) ||
        !tg__arg_ok(t, fn, m->name, "xv", xv))
        return false;
    if (key_pad && !tg__arg_ok(t, fn, m->name, "key_pad", key_pad)) return false;
    if (!check_x(t, m, "xq", xq, -1)) return false;
    int B = xq->shape[0];
    if (!check_x(t, m, "xk", xk, B) || !check_x(t, m, "xv", xv, B)) return false;
    char b1[96], b2[96];
    if (xv->shape[1] != xk->shape[1]) {
        tg_tape_fail(t, TG_ERR_SHAPE, "%s: '%s': xk %s and xv %s must have the same length", fn, m->name,
                     tg_shape_str(xk, b1, sizeof b1), tg_shape_str(xv, b2, sizeof b2));
        return false;
    }
    if (key_pad && (key_pad->rank != 2 || key_pad->shape[0] != B || key_pad->shape[1] != xk->shape[1])) {
        tg_tape_fail(t, TG_ERR_SHAPE, "%s: '%s': key_pad must be (%d,%d), got %s", fn, m->name, B,
                     xk->shape[1], tg_shape_str(key_pad, b1, sizeof b1));
        return false;
    }
    if (causal && xq->shape[1] != xk->shape[1]) {
        tg_tape_fail(t, TG_ERR_SHAPE, "%s: '%s': causal needs as many queries as keys, got xq %s, xk %s",
                     fn, m->name, tg_shape_str(xq, b1, sizeof b1), tg_shape_str(xk, b2, sizeof b2));
        return false;
    }
    return true;
}

tg_tensor *tg_mha_forward(tg_tape *t, const tg_mha *m, tg_tensor *xq, tg_tensor *xk, tg_tensor *xv,
                          tg_tensor *key_pad, bool causal, tg_rng *rng, bool train) {
    const char *fn = "tg_mha_forward";
    if (!tg__tape_ok(t, fn)) return NULL;
    if (!m) {
        tg_tape_fail(t, TG_ERR_ARG, "%s: layer is NULL", fn);
        return NULL;
    }
    if (!check_inputs(t, m, xq, xk, xv, key_pad, causal)) return NULL;
    int B = xq->shape[0], Tq = xq->shape[1], Tk = xk->shape[1], d = m->dim, H = m->heads,
        h = m->head_dim;
    /* Q, K and V are (B,T,.) tensors whose head i is the block of h columns at
     * qo + i h (ko, vo): the fused projection of self-attention is all three at
     * offsets 0, d and 2d, and the head products read them in place */
    tg_tensor *Q, *K, *V;
    int qo = 0, ko = 0, vo = 0;
    if (m->fused && xq == xk && xk == xv) {
        Q = K = V = tg__linear_rows(t, &m->qkv, xq);
        ko = d, vo = 2 * d;
    } else if (m->fused) {
        Q = third(t, &m->qkv, xq, 0, d);
        K = third(t, &m->qkv, xk, d, d);
        V = third(t, &m->qkv, xv, 2 * d, d);
    } else {
        Q = tg__linear_rows(t, &m->q, xq);
        K = tg__linear_rows(t, &m->k, xk);
        V = tg__linear_rows(t, &m->v, xv);
    }
    /* S_i = (Q_i / sqrt(h)) K_i^T: (B,H,Tq,Tk), the scale applied to Q_i as the
     * product reads it (as PyTorch scales q) */
    tg_real alpha = (tg_real)(1.0 / sqrt((double)h));
    /* one fill with the union of the masks: (B,1,1,Tk) key padding and (Tq,Tk) causal
     * broadcast to (B,1,Tq,Tk) by their sum (nonzero = hidden) */
    tg_tensor *mask = key_pad ? tg_reshape(t, key_pad, 4, (int[]){B, 1, 1, Tk}) : NULL;
    if (causal && tg_tape_status(t) == TG_OK) {
        /* 1 above the diagonal, a step tensor (no allocation of its own) */
        tg_tensor *cm = tg_tape_tensor(t, 2, (int[]){Tq, Tk}, NULL, 0);
        if (cm)
            for (int q = 0; q < Tq; q++)
                for (int k = q + 1; k < Tk; k++) cm->data[(size_t)q * (size_t)Tk + (size_t)k] = 1;
        mask = mask ? tg_add(t, mask, cm) : cm;
    }
    tg_tensor *O;
    if (train && m->dropout > 0) { /* A = dropout(softmax(S)) between the two products */
        tg_tensor *S = tg_head_scores(t, Q, qo, K, ko, H, h, alpha);
        if (mask) S = tg_masked_fill(t, S, mask, -INFINITY);
        tg_tensor *A = tg_dropout(t, tg_softmax(t, S), m->dropout, rng, train);
        /* O_i = A_i V_i, written as the head blocks of (B,Tq,d) */
        O = tg_head_mix(t, A, false, V, vo, d, 0, h, 1);
    } else { /* the same three steps (no dropout) as one op, head by head */
        O = tg_head_attention(t, Q, qo, K, ko, V, vo, mask, H, h, alpha);
    }
    return tg__linear_rows(t, &m->out, O);
}

tg_pos_embedding *tg_pos_embedding_new(const char *prefix, int max_len, int dim, tg_rng *rng) {
    const char *fn = "tg_pos_embedding_new";
    if (tg__check_prefix(fn, prefix) != TG_OK) return NULL;
    if (max_len < 1 || dim < 1) {
        tg__error(TG_ERR_ARG, "%s: %s must be >= 1, got %d", fn, max_len < 1 ? "max_len" : "dim",
                  max_len < 1 ? max_len : dim);
        return NULL;
    }
    if (!rng) {
        tg__error(TG_ERR_ARG, "%s: rng is NULL", fn);
        return NULL;
    }
    tg_pos_embedding *p = tg__calloc(1, sizeof *p);
    if (!p) {
        tg__error(TG_ERR_NOMEM, "%s: out of memory", fn);
        return NULL;
    }
    p->max_len = max_len;
    p->dim = dim;
    snprintf(p->name, sizeof p->name, "%s", prefix);
    p->P = tg__layer_param(fn, prefix, 2, (int[]){max_len, dim}, ".P");
    if (!p->P) {
        tg__free(p);
        return NULL;
    }
    tg_tensor_normal(p->P, rng, 0, (tg_real)0.02);
    return p;
}

void tg_pos_embedding_free(tg_pos_embedding *p) {
    if (!p) return;
    tg_tensor_free(p->P);
    tg__free(p);
}

tg_status tg_pos_embedding_params(const tg_pos_embedding *p, tg_params *ps) {
    if (!p) return tg__error(TG_ERR_ARG, "tg_pos_embedding_params: layer is NULL");
    return tg_params_add(ps, p->P);
}

tg_tensor *tg_pos_embedding_forward(tg_tape *t, const tg_pos_embedding *p, tg_tensor *x) {
    const char *fn = "tg_pos_embedding_forward";
    if (!tg__tape_ok(t, fn)) return NULL;
    if (!p) {
        tg_tape_fail(t, TG_ERR_ARG, "%s: layer is NULL", fn);
        return NULL;
    }
    if (!tg__arg_ok(t, fn, p->name, "x", x)) return NULL;
    if ((x->rank != 2 && x->rank != 3) || x->shape[x->rank - 1] != p->dim ||
        x->shape[x->rank - 2] > p->max_len) {
        char b[96];
        tg_tape_fail(t, TG_ERR_SHAPE, "%s: '%s': x must be (B,T,%d) or (T,%d) with T <= %d, got %s", fn,
                     p->name, p->dim, p->dim, p->max_len, tg_shape_str(x, b, sizeof b));
        return NULL;
    }
    /* P[0:T] is a view (a slice along axis 0); the add broadcasts it over the batch */
    return tg_add(t, x, tg_slice(t, p->P, 0, 0, x->shape[x->rank - 2]));
}
