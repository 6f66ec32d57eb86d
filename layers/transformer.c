/* transformer.c — the Transformer encoder and decoder blocks as compositions of
 * attention, linear, layer norm, activation and dropout (tg_transformer.h). */
#include <math.h>
#include <string.h>
#include <tapegrad/tg_ops_nn.h>
#include "layers_private.h"

/* The block's sub-layer names add at most 4 characters ("<prefix>.sa") before the
 * sub-layers' own limit of TG__PREFIX_MAX. */
#define BLOCK_PREFIX_MAX (TG__PREFIX_MAX - 4)

static tg_status check_config(const char *fn, const char *prefix, const tg_block_config *c) {
    if (!prefix || !*prefix || strlen(prefix) > BLOCK_PREFIX_MAX)
        return tg__error(TG_ERR_ARG, "%s: prefix '%s' must have 1..%d characters, has %zu", fn,
                         prefix ? prefix : "(null)", BLOCK_PREFIX_MAX, prefix ? strlen(prefix) : 0);
    if (!c) return tg__error(TG_ERR_ARG, "%s: cfg is NULL", fn);
    if (c->dim < 1 || c->heads < 1 || c->ff_dim < 1) {
        const char *w = c->dim < 1 ? "dim" : c->heads < 1 ? "heads" : "ff_dim";
        int v = c->dim < 1 ? c->dim : c->heads < 1 ? c->heads : c->ff_dim;
        return tg__error(TG_ERR_ARG, "%s: %s must be >= 1, got %d", fn, w, v);
    }
    if (c->dim % c->heads != 0)
        return tg__error(TG_ERR_ARG, "%s: dim %d is not divisible by heads %d", fn, c->dim, c->heads);
    if (!(c->dropout >= 0 && c->dropout < 1))
        return tg__error(TG_ERR_ARG, "%s: dropout must be in [0, 1), got %g", fn, (double)c->dropout);
    if (c->act != TG_FF_RELU && c->act != TG_FF_GELU)
        return tg__error(TG_ERR_ARG, "%s: act must be TG_FF_RELU or TG_FF_GELU, got %d", fn, (int)c->act);
    if (!(c->eps > 0) || isinf(c->eps))
        return tg__error(TG_ERR_ARG, "%s: eps must be finite and > 0, got %g", fn, c->eps);
    return TG_OK;
}

tg_block *tg_block_new(const char *prefix, const tg_block_config *cfg, bool decoder, tg_rng *rng) {
    const char *fn = "tg_block_new";
    if (check_config(fn, prefix, cfg) != TG_OK) return NULL;
    if (!rng) {
        tg__error(TG_ERR_ARG, "%s: rng is NULL", fn);
        return NULL;
    }
    tg_block *b = tg__calloc(1, sizeof *b);
    if (!b) {
        tg__error(TG_ERR_NOMEM, "%s: out of memory", fn);
        return NULL;
    }
    b->cfg = *cfg;
    b->decoder = decoder;
    snprintf(b->name, sizeof b->name, "%s", prefix);
    char sub[64];
    int d = cfg->dim;
    bool ok = true;
#define SUB(s) (snprintf(sub, sizeof sub, "%s." s, prefix), sub)
    ok = ok && (b->sa = tg_mha_new(SUB("sa"), d, cfg->heads, true, cfg->dropout, rng)) != NULL;
    ok = ok && (!decoder || (b->ca = tg_mha_new(SUB("ca"), d, cfg->heads, true, cfg->dropout, rng)) != NULL);
    ok = ok && tg__linear_init(fn, &b->ff1, SUB("ff1"), d, cfg->ff_dim, TG_INIT_TORCH, rng) == TG_OK;
    ok = ok && tg__linear_init(fn, &b->ff2, SUB("ff2"), cfg->ff_dim, d, TG_INIT_TORCH, rng) == TG_OK;
    ok = ok && (b->n1 = tg_layer_norm_new(SUB("n1"), d, cfg->eps, true)) != NULL;
    ok = ok && (b->n2 = tg_layer_norm_new(SUB("n2"), d, cfg->eps, true)) != NULL;
    ok = ok && (!decoder || (b->n3 = tg_layer_norm_new(SUB("n3"), d, cfg->eps, true)) != NULL);
#undef SUB
    if (!ok) {
        /* the sub-layer's message, behind this function's name */
        char msg[400];
        snprintf(msg, sizeof msg, "%s", tg_last_error());
        tg_status st = tg_last_status();
        tg_block_free(b);
        tg__error(st, "%s: '%s': %s", fn, prefix, msg);
        return NULL;
    }
    return b;
}

void tg_block_free(tg_block *b) {
    if (!b) return;
    tg_mha_free(b->sa);
    tg_mha_free(b->ca);
    tg_tensor_free(b->ff1.W);
    tg_tensor_free(b->ff1.b);
    tg_tensor_free(b->ff2.W);
    tg_tensor_free(b->ff2.b);
    tg_layer_norm_free(b->n1);
    tg_layer_norm_free(b->n2);
    tg_layer_norm_free(b->n3);
    tg__free(b);
}

tg_status tg_block_params(const tg_block *b, tg_params *ps) {
    if (!b) return tg__error(TG_ERR_ARG, "tg_block_params: layer is NULL");
    tg_status st = tg_mha_params(b->sa, ps);
    if (st == TG_OK && b->ca) st = tg_mha_params(b->ca, ps);
    if (st == TG_OK) st = tg_linear_params(&b->ff1, ps);
    if (st == TG_OK) st = tg_linear_params(&b->ff2, ps);
    if (st == TG_OK) st = tg_layer_norm_params(b->n1, ps);
    if (st == TG_OK) st = tg_layer_norm_params(b->n2, ps);
    if (st == TG_OK && b->n3) st = tg_layer_norm_params(b->n3, ps);
    return st;
}

typedef struct {
    const tg_block *b;
    tg_rng *rng;
    bool train;
} run;

static tg_tensor *drop(tg_tape *t, const run *r, tg_tensor *x) {
    if (!r->train || r->b->cfg.dropout == 0) return x;
    return tg_dropout(t, x, r->b->cfg.dropout, r->rng, true);
}

/* FF(x) = W_2 dropout(act(x W_1 + b_1)) + b_2 */
static tg_tensor *ff(tg_tape *t, const run *r, tg_tensor *x) {
    tg_tensor *h = r->b->cfg.act == TG_FF_GELU ? tg_gelu(t, tg__linear_rows(t, &r->b->ff1, x))
                                                : tg__linear_rows_relu(t, &r->b->ff1, x);
    return tg__linear_rows(t, &r->b->ff2, drop(t, r, h));
}

/* One residual sub-layer: post-norm x = LN(x + D(f(x))); pre-norm x = x + D(f(LN(x))).
 * kind 0 self-attention, 1 cross-attention over mem, 2 feed-forward. */
static tg_tensor *sublayer(tg_tape *t, const run *r, const tg_layer_norm *ln, int kind, tg_tensor *x,
                           tg_tensor *mem, tg_tensor *pad, bool causal) {
    bool pre = r->b->cfg.norm_first;
    tg_tensor *in = pre ? tg_layer_norm_forward(t, ln, x) : x;
    tg_tensor *f;
    if (kind == 0)
        f = tg_mha_forward(t, r->b->sa, in, in, in, pad, causal, r->rng, r->train);
    else if (kind == 1)
        f = tg_mha_forward(t, r->b->ca, in, mem, mem, pad, false, r->rng, r->train);
    else
        f = ff(t, r, in);
    tg_tensor *y = tg_add(t, x, drop(t, r, f));
    return pre ? y : tg_layer_norm_forward(t, ln, y);
}

static bool block_ok(tg_tape *t, const char *fn, const tg_block *b, bool decoder, const tg_tensor *x) {
    if (!tg__tape_ok(t, fn)) return false;
    if (!b) {
        tg_tape_fail(t, TG_ERR_ARG, "%s: layer is NULL", fn);
        return false;
    }
    if (b->decoder != decoder) {
        tg_tape_fail(t, TG_ERR_ARG, "%s: '%s' is %s block", fn, b->name,
                     b->decoder ? "a decoder" : "an encoder");
        return false;
    }
    return tg__arg_ok(t, fn, b->name, "x", x);
}

tg_tensor *tg_encoder_forward(tg_tape *t, const tg_block *b, tg_tensor *x, tg_tensor *key_pad,
                              bool causal, tg_rng *rng, bool train) {
    if (!block_ok(t, "tg_encoder_forward", b, false, x)) return NULL;
    run r = {b, rng, train};
    x = sublayer(t, &r, b->n1, 0, x, NULL, key_pad, causal);
    return sublayer(t, &r, b->n2, 2, x, NULL, NULL, false);
}

tg_tensor *tg_decoder_forward(tg_tape *t, const tg_block *b, tg_tensor *x, tg_tensor *mem,
                              tg_tensor *key_pad, tg_tensor *mem_pad, bool causal, tg_rng *rng,
                              bool train) {
    if (!block_ok(t, "tg_decoder_forward", b, true, x) ||
        !tg__arg_ok(t, "tg_decoder_forward", b->name, "mem", mem)) return NULL;
    run r = {b, rng, train};
    x = sublayer(t, &r, b->n1, 0, x, NULL, key_pad, causal);
    x = sublayer(t, &r, b->n2, 1, x, mem, mem_pad, false);
    return sublayer(t, &r, b->n3, 2, x, NULL, NULL, false);
}
