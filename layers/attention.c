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
    return tg__label(tg_add(t, tg__label(tg_matmul(t, x, l->W), l->W, "xW", -1), l->b), l->W, "z", -1);
}

/* x (B,T,d) W[:, c0:c0+d] + b[c0:c0+d]: one third of the fused projection. */
static tg_tensor *third(tg_tape *t, const tg_linear *l, tg_tensor *x, int c0, int d) {
    return tg_add(t, tg_matmul(t, x, tg_slice(t, l->W, 1, c0, d)), tg_slice(t, l->b, 0, c0, d));
}

/* (B,T,d) -> (B,H,T,h) */
static tg_tensor *split_heads(tg_tape *t, tg_tensor *x, int H, int h) {
    if (!x) return NULL;
    tg_tensor *r = tg_reshape(t, x, 4, (int[]){x->shape[0], x->shape[1], H, h});
    return tg_permute(t, r, 4, (int[]){0, 2, 1, 3});
}

/* The fused projection of self-attention split into heads by one copy: qkv (B,T,3d)
 * viewed as (B,T,3,H,h) and permuted to (3,B,H,T,h), whose three blocks along axis 0
 * are Q, K and V (B,H,T,h) as views (a slice along the first axis is a view). */
static void split_qkv(tg_tape *t, tg_tensor *qkv, int H, int h, tg_tensor *out[3]) {
    out[0] = out[1] = out[2] = NULL;
    if (!qkv) return;
    int B = qkv->shape[0], T = qkv->shape[1];
    tg_tensor *p = tg_permute(t, tg_reshape(t, qkv, 5, (int[]){B, T, 3, H, h}), 5,
                              (int[]){2, 0, 3, 1, 4});
    for (int i = 0; i < 3; i++)
        out[i] = tg_reshape(t, tg_slice(t, p, 0, i, 1), 4, (int[]){B, H, T, h});
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
    tg_tensor *Q, *K, *V; /* (B,H,T,h) */
    if (m->fused && xq == xk && xk == xv) {
        tg_tensor *qkv[3];
        split_qkv(t, tg__linear_rows(t, &m->qkv, xq), H, h, qkv);
        Q = qkv[0], K = qkv[1], V = qkv[2];
    } else if (m->fused) {
        Q = split_heads(t, third(t, &m->qkv, xq, 0, d), H, h);
        K = split_heads(t, third(t, &m->qkv, xk, d, d), H, h);
        V = split_heads(t, third(t, &m->qkv, xv, 2 * d, d), H, h);
    } else {
        Q = split_heads(t, tg__linear_rows(t, &m->q, xq), H, h);
        K = split_heads(t, tg__linear_rows(t, &m->k, xk), H, h);
        V = split_heads(t, tg__linear_rows(t, &m->v, xv), H, h);
    }
    /* S = (Q_i / sqrt(h)) K_i^T: (B,H,Tq,Tk); the scale on Q, the smaller operand
     * when Tk > h (as PyTorch scales q) */
    tg_tensor *S = tg_matmul_t(t, tg_mul_scalar(t, Q, (tg_real)(1.0 / sqrt((double)h))), K, false, true);
    /* one fill with the union of the masks: (B,1,1,Tk) key padding and (Tq,Tk) causal
     * broadcast to (B,1,Tq,Tk) by their sum (nonzero = hidden) */
    tg_tensor *mask = key_pad ? tg_reshape(t, key_pad, 4, (int[]){B, 1, 1, Tk}) : NULL;
    if (causal && S) {
        /* 1 above the diagonal, a step tensor (no allocation of its own) */
        tg_tensor *cm = tg_tape_tensor(t, 2, (int[]){Tq, Tk}, NULL, 0);
        if (cm)
            for (int q = 0; q < Tq; q++)
                for (int k = q + 1; k < Tk; k++) cm->data[(size_t)q * (size_t)Tk + (size_t)k] = 1;
        mask = mask ? tg_add(t, mask, cm) : cm;
    }
    if (mask) S = tg_masked_fill(t, S, mask, -INFINITY);
    tg_tensor *A = tg_softmax(t, S);
    if (train && m->dropout > 0) A = tg_dropout(t, A, m->dropout, rng, train);
    /* O_i = A_i V_i: (B,H,Tq,h) -> (B,Tq,H,h) -> (B,Tq,d) */
    tg_tensor *O = tg_permute(t, tg_matmul_t(t, A, V, false, false), 4, (int[]){0, 2, 1, 3});
    return tg__linear_rows(t, &m->out, tg_reshape(t, O, 3, (int[]){B, Tq, d}));
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
