/* tg_transformer.h — the Transformer encoder block and decoder block (Vaswani et
 * al., 2017), batch-first (B,T,d), as compositions of tg_mha_forward (tg_attention.h),
 * tg_affine (the linear layers; tg_affine_relu for the first feed-forward layer with
 * its ReLU), tg_layer_norm_forward, tg_gelu, tg_dropout and tg_add: no derivative is
 * written here.
 *
 * With SA = self-attention, CA = cross-attention over the encoder output m,
 * FF(x) = W_2 dropout(act(x W_1 + b_1)) + b_2, act = relu or gelu (the exact, erf
 * form, as PyTorch's activation="gelu"), and D = dropout (rate p, training only):
 *   encoder, post-norm:  x = LN1(x + D(SA(x)));          y = LN2(x + D(FF(x)))
 *   encoder, pre-norm:   x = x + D(SA(LN1(x)));          y = x + D(FF(LN2(x)))
 *   decoder, post-norm:  x = LN1(x + D(SA(x)));  x = LN2(x + D(CA(x, m)));
 *                        y = LN3(x + D(FF(x)))
 *   decoder, pre-norm:   x = x + D(SA(LN1(x)));  x = x + D(CA(LN2(x), m));
 *                        y = x + D(FF(LN3(x)))
 * SA may be causal and take a key-padding mask; CA takes the encoder's padding mask.
 *
 * PyTorch mapping: nn.TransformerEncoderLayer(d, H, ff, dropout, activation,
 * layer_norm_eps, batch_first=True, norm_first) and nn.TransformerDecoderLayer(...):
 *   self_attn      -> sa (tg_mha, fused; its mapping in tg_attention.h)
 *   multihead_attn -> ca (decoder only)
 *   linear1        -> ff1: ff1.W (d,ff) = linear1.weight^T, ff1.b = linear1.bias
 *   linear2        -> ff2: ff2.W (ff,d) = linear2.weight^T, ff2.b = linear2.bias
 *   norm1, norm2, norm3 -> n1, n2, n3: gamma = normK.weight, beta = normK.bias
 *   src_mask / tgt_mask = generate_square_subsequent_mask -> causal true;
 *   src_key_padding_mask, tgt_key_padding_mask, memory_key_padding_mask (True =
 *   ignored) -> key_pad, mem_pad with 1.0.
 * PyTorch applies one dropout rate to the attention weights, after the attention,
 * inside FF and after FF; so does cfg.dropout here.
 * Parameters "<prefix>.sa.*", "<prefix>.ca.*", "<prefix>.ff1.W", ".ff1.b", ".ff2.W",
 * ".ff2.b", "<prefix>.n1.gamma", ".n1.beta", ... (prefix at most 28 characters).
 * Initialisation: attention as tg_attention.h; ff1, ff2 as nn.Linear (TG_INIT_TORCH);
 * norms gamma 1, beta 0.
 *
 * Ownership and errors as tg_linear.h.
 */
#ifndef TG_TRANSFORMER_H
#define TG_TRANSFORMER_H

#include <stdbool.h>
#include <tapegrad/tg_attention.h>
#include <tapegrad/tg_norm.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tg_ff_act { TG_FF_RELU = 0, TG_FF_GELU } tg_ff_act;

typedef struct tg_block_config {
    int dim;          /* d, >= 1 */
    int heads;        /* H, divides d */
    int ff_dim;       /* width of FF's hidden layer, >= 1 (PyTorch's dim_feedforward) */
    tg_real dropout;  /* p in [0, 1) */
    tg_ff_act act;    /* TG_FF_RELU or TG_FF_GELU */
    bool norm_first;  /* pre-norm if true, post-norm (PyTorch's default) if false */
    double eps;       /* layer norm eps > 0 (PyTorch's default 1e-5) */
} tg_block_config;

typedef struct tg_block {
    tg_block_config cfg;
    bool decoder;       /* has ca and n3 */
    tg_mha *sa, *ca;    /* ca NULL in an encoder block */
    tg_linear ff1, ff2;
    tg_layer_norm *n1, *n2, *n3; /* n3 NULL in an encoder block */
    char name[48];
} tg_block;

/* An encoder (decoder false) or decoder block of configuration *cfg, initialised
 * from rng (required). Caller owns it: tg_block_free. NULL + tg_last_error on a bad
 * prefix or configuration ("tg_block_new: dim 12 is not divisible by heads 5"). */
tg_block *tg_block_new(const char *prefix, const tg_block_config *cfg, bool decoder, tg_rng *rng);
void tg_block_free(tg_block *b);
/* Appends sa's, ca's, ff1, ff2, n1, n2, n3's parameters in that order. */
tg_status tg_block_params(const tg_block *b, tg_params *ps);
/* The encoder block's output (B,T,d) for x (B,T,d); key_pad NULL or (B,T) (nonzero
 * = ignored); causal masks later positions. rng is read only when train and
 * cfg.dropout > 0. Errors on the tape: a decoder block, shapes as tg_mha_forward. */
tg_tensor *tg_encoder_forward(tg_tape *t, const tg_block *b, tg_tensor *x, tg_tensor *key_pad,
                              bool causal, tg_rng *rng, bool train);
/* The decoder block's output (B,T,d) for x (B,T,d) and the encoder output mem
 * (B,S,d); key_pad NULL or (B,T), mem_pad NULL or (B,S); causal as the encoder's.
 * Errors on the tape: an encoder block, shapes as tg_mha_forward. */
tg_tensor *tg_decoder_forward(tg_tape *t, const tg_block *b, tg_tensor *x, tg_tensor *mem,
                              tg_tensor *key_pad, tg_tensor *mem_pad, bool causal, tg_rng *rng,
                              bool train);

#ifdef __cplusplus
}
#endif
#endif
