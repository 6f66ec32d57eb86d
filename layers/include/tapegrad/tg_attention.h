/* tg_attention.h — multi-head scaled dot-product attention (Vaswani et al.,
 * "Attention Is All You Need", 2017) and a learned positional embedding, batch-first,
 * as compositions of the primitive ops (tg_affine, tg_head_attention, or with dropout
 * tg_head_scores, tg_masked_fill, tg_softmax, tg_dropout and tg_head_mix; tg_slice):
 * no derivative is written here. The heads are never copied out: those ops read each
 * head's columns where the projection wrote them (Q, K and V at offsets 0, d and 2d
 * of the fused self-attention projection) and write O's heads into their columns.
 * Without dropout (eval, or p = 0) the scores, mask, softmax and product are the one
 * op tg_head_attention, which gives the bits of the longer composition.
 *
 * Multi-head attention, query x_q (B,Tq,d), keys and values x_k, x_v (B,Tk,d),
 * H heads of width h = d / H:
 *   Q = x_q W_q + b_q,  K = x_k W_k + b_k,  V = x_v W_v + b_v      (B,T,d)
 *   split the last axis into heads: Q_i, K_i, V_i (B,T,h), i = 0..H-1, head i
 *   taking columns i h .. i h + h - 1
 *   S_i = (Q_i / sqrt(h)) K_i^T                                     (B,Tq,Tk)
 *   S_i[b,q,k] = -inf where key_pad[b,k] != 0, or where k > q when causal
 *   A_i = dropout(softmax(S_i)) (softmax along k)
 *   O = concat_i (A_i V_i) W_o + b_o                                (B,Tq,d)
 * A query row whose every key is masked has no defined softmax (PyTorch gives NaN):
 * the caller must leave each query at least one key.
 *
 * PyTorch mapping: nn.MultiheadAttention(d, H, batch_first=True) with its default
 * (fused) projections, in_proj_weight (3d, d) = [W_q^T; W_k^T; W_v^T] by rows:
 *   fused:    in_proj.W (d,3d) = in_proj_weight^T, in_proj.b (3d) = in_proj_bias
 *             (columns 0..d-1 are Q, d..2d-1 K, 2d..3d-1 V);
 *   separate: q.W = in_proj_weight[0:d]^T,  k.W = in_proj_weight[d:2d]^T,
 *             v.W = in_proj_weight[2d:3d]^T, biases the matching thirds of in_proj_bias;
 *   out.W (d,d) = out_proj.weight^T, out.b = out_proj.bias.
 * PyTorch's key_padding_mask (B,Tk) with True = ignored is our key_pad with 1.0;
 * causal is attn_mask = the (Tq,Tk) upper triangle above the diagonal set to -inf
 * (nn.Transformer.generate_square_subsequent_mask, is_causal=True).
 * Parameters: "<prefix>.qkv.W", "<prefix>.qkv.b" (fused) or "<prefix>.q.W", ".q.b",
 * ".k.W", ".k.b", ".v.W", ".v.b" (separate); then "<prefix>.out.W", "<prefix>.out.b".
 * Initialisation: Glorot-uniform projections with zero biases, as PyTorch's
 * _reset_parameters (xavier_uniform_ on in_proj_weight, zeros on the biases).
 *
 * Learned positional embedding (GPT style): y[b,t,:] = x[b,t,:] + P[t,:] for
 * x (B,T,d), T <= max_len, P (max_len,d) "<prefix>.P" drawn from N(0, 0.02^2).
 * PyTorch mapping: P = nn.Embedding(max_len, d).weight, y = x + pos(arange(T)).
 *
 * Ownership and errors as tg_linear.h: layers own their parameters (freed by *_free,
 * NULL is fine); outputs are step tensors of the tape; constructors return NULL with
 * tg_last_error, forward functions NULL with the error on the tape naming the layer.
 */
#ifndef TG_ATTENTION_H
#define TG_ATTENTION_H

#include <stdbool.h>
#include <tapegrad/tg_linear.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tg_mha {
    int dim, heads, head_dim;
    bool fused;      /* one (d,3d) projection instead of three (d,d) */
    tg_real dropout; /* on the attention weights, in training mode */
    tg_linear qkv;   /* fused: (d,3d) "<prefix>.qkv"; else unused (no tensors) */
    tg_linear q, k, v; /* separate: (d,d) each; else unused */
    tg_linear out;   /* (d,d) "<prefix>.out" */
    char name[48];
} tg_mha;

/* Multi-head attention of width dim (>= 1) with heads (>= 1, dividing dim) heads,
 * fused or separate Q/K/V projections, dropout p in [0,1) on the attention weights,
 * initialised from rng (required). Caller owns it: tg_mha_free. NULL +
 * tg_last_error, e.g. "tg_mha_new: dim 12 is not divisible by heads 5". */
tg_mha *tg_mha_new(const char *prefix, int dim, int heads, bool fused, tg_real dropout, tg_rng *rng);
void tg_mha_free(tg_mha *m);
/* Appends the projections' W, b in the order of the names above. */
tg_status tg_mha_params(const tg_mha *m, tg_params *ps);
/* Attention output (B,Tq,d) for xq (B,Tq,d), xk and xv (B,Tk,d) (self-attention:
 * pass one tensor three times; with fused projections it is projected by one
 * matmul). key_pad: NULL or (B,Tk), nonzero = that key is ignored. causal: key k is
 * hidden from query q when k > q (needs Tq == Tk). rng: the dropout's draws, read
 * only when train and dropout > 0. Errors on the tape: shapes of xq, xk, xv,
 * key_pad; causal with Tq != Tk; rng NULL when drawn from. */
tg_tensor *tg_mha_forward(tg_tape *t, const tg_mha *m, tg_tensor *xq, tg_tensor *xk, tg_tensor *xv,
                          tg_tensor *key_pad, bool causal, tg_rng *rng, bool train);

typedef struct tg_pos_embedding {
    int max_len, dim;
    tg_tensor *P; /* (max_len,dim) "<prefix>.P" */
    char name[48];
} tg_pos_embedding;

/* A learned positional embedding for up to max_len (>= 1) positions of width dim
 * (>= 1), drawn from rng (required). Caller owns it: tg_pos_embedding_free. */
tg_pos_embedding *tg_pos_embedding_new(const char *prefix, int max_len, int dim, tg_rng *rng);
void tg_pos_embedding_free(tg_pos_embedding *p);
tg_status tg_pos_embedding_params(const tg_pos_embedding *p, tg_params *ps);
/* y = x + P[0:T] for x (B,T,dim) or (T,dim), T <= max_len. */
tg_tensor *tg_pos_embedding_forward(tg_tape *t, const tg_pos_embedding *p, tg_tensor *x);

#ifdef __cplusplus
}
#endif
#endif
