/* bad_tg_transformer.c — the bad-input rows of <tapegrad/tg_transformer.h>: every
 * function it declares, called with the mistakes a caller makes (bad_input.h). */
#include "bad_input.h"

static tg_block *enc, *dec; /* "enc", "dec": d 4, 2 heads, FF 5, post-norm relu */
static const tg_block_config cfg = {.dim = 4, .heads = 2, .ff_dim = 5, .eps = 1e-5};

W1(encoder_forward, tg_encoder_forward(t, enc, x, NULL, false, NULL, false))
W1(decoder_forward, tg_decoder_forward(t, dec, x, tg_tape_full(t, 3, (int[]){2, 3, 4}, 1), NULL, NULL,
                                       false, NULL, false))

static const gen1 gen1s[] = {
    {"tg_encoder_forward", w_encoder_forward, "enc", NULL},
    {"tg_decoder_forward", w_decoder_forward, "dec", NULL},
};

static tg_block_config with(int dim, int heads, int ff, tg_real p, int act, double eps) {
    tg_block_config c = cfg;
    c.dim = dim, c.heads = heads, c.ff_dim = ff, c.dropout = p, c.act = (tg_ff_act)act, c.eps = eps;
    return c;
}

int main(int argc, char **argv) {
    fx *f;
    out *o;
    tg_rng g;
    tg_rng_seed(&g, 1);
    enc = tg_block_new("enc", &cfg, false, &g);
    dec = tg_block_new("dec", &cfg, true, &g);
    bad_begin(argc, argv); /* after the layers: their tensors live through every row */
    bad_generated(gen1s, sizeof gen1s / sizeof gen1s[0], NULL, 0);
    tg_block_config c;

    f = row(&o, "tg_block_new", "dim not divisible by heads");
    c = with(12, 5, 8, 0, 0, 1e-5);
    on_null(o, tg_block_new("b", &c, false, &f->rng));
    expect(f, TG_ERR_ARG, "tg_block_new: dim 12 is not divisible by heads 5");

    f = row(&o, "tg_block_new", "ff_dim 0");
    c = with(4, 2, 0, 0, 0, 1e-5);
    on_null(o, tg_block_new("b", &c, true, &f->rng));
    expect(f, TG_ERR_ARG, "tg_block_new: ff_dim must be >= 1, got 0");

    f = row(&o, "tg_block_new", "heads -2");
    c = with(4, -2, 3, 0, 0, 1e-5);
    on_null(o, tg_block_new("b", &c, true, &f->rng));
    expect(f, TG_ERR_ARG, "tg_block_new: heads must be >= 1, got -2");

    f = row(&o, "tg_block_new", "dropout -0.1");
    c = with(4, 2, 3, (tg_real)-0.5, 0, 1e-5);
    on_null(o, tg_block_new("b", &c, false, &f->rng));
    expect(f, TG_ERR_ARG, "tg_block_new: dropout must be in [0, 1), got -0.5");

    f = row(&o, "tg_block_new", "activation 7");
    c = with(4, 2, 3, 0, 7, 1e-5);
    on_null(o, tg_block_new("b", &c, false, &f->rng));
    expect(f, TG_ERR_ARG, "tg_block_new: act must be TG_FF_RELU or TG_FF_GELU, got 7");

    f = row(&o, "tg_block_new", "eps 0");
    c = with(4, 2, 3, 0, 1, 0);
    on_null(o, tg_block_new("b", &c, false, &f->rng));
    expect(f, TG_ERR_ARG, "tg_block_new: eps must be finite and > 0, got 0");

    f = row(&o, "tg_block_new", "cfg NULL");
    on_null(o, tg_block_new("b", NULL, false, &f->rng));
    expect(f, TG_ERR_ARG, "tg_block_new: cfg is NULL");

    f = row(&o, "tg_block_new", "rng NULL");
    on_null(o, tg_block_new("b", &cfg, false, NULL));
    expect(f, TG_ERR_ARG, "tg_block_new: rng is NULL");

    f = row(&o, "tg_block_new", "prefix of 29 characters");
    on_null(o, tg_block_new("abcdefghijabcdefghijabcdefghi", &cfg, false, &f->rng));
    expect(f, TG_ERR_ARG, "tg_block_new: prefix 'abcdefghijabcdefghijabcdefghi' must have 1..28 characters, has 29");

    f = row(&o, "tg_block_new", "prefix NULL");
    on_null(o, tg_block_new(NULL, &cfg, false, &f->rng));
    expect(f, TG_ERR_ARG, "tg_block_new: prefix '(null)' must have 1..28 characters, has 0");

    f = row(&o, "tg_block_new", "out of memory in the decoder's norms");
    tg__alloc_fail_after(22);
    on_null(o, tg_block_new("b", &cfg, true, &f->rng));
    tg__alloc_fail_after(0);
    expect(f, TG_ERR_NOMEM, "tg_block_new: 'b': tg_layer_norm_new: out of memory");

    f = row(&o, "tg_block_free", "NULL");
    tg_block_free(NULL);
    on_value(o, true, "");
    expect(f, TG_OK, "");

    f = row(&o, "tg_block_params", "layer NULL");
    on_status(o, tg_block_params(NULL, &f->pa));
    expect(f, TG_ERR_ARG, "tg_block_params: layer is NULL");

    f = row(&o, "tg_block_params", "ps NULL");
    on_status(o, tg_block_params(dec, NULL));
    expect_named(f, TG_ERR_ARG, "tg_params_add: ps is NULL", "tg_params_add");

    f = row(&o, "tg_encoder_forward", "layer NULL");
    on_tape(o, f->t, tg_encoder_forward(f->t, NULL, f->a, NULL, false, NULL, false));
    expect(f, TG_ERR_ARG, "tg_encoder_forward: layer is NULL");

    f = row(&o, "tg_encoder_forward", "a decoder block");
    on_tape(o, f->t, tg_encoder_forward(f->t, dec, f->a, NULL, false, NULL, false));
    expect(f, TG_ERR_ARG, "tg_encoder_forward: 'dec' is a decoder block");

    f = row(&o, "tg_encoder_forward", "x (3,4)");
    on_tape(o, f->t, tg_encoder_forward(f->t, enc, f->m34, NULL, false, NULL, false));
    expect_named(f, TG_ERR_SHAPE, "tg_mha_forward: 'enc.sa': xq must be (B,T,4), got (3,4)", "tg_mha_forward");

    f = row(&o, "tg_encoder_forward", "key_pad of the wrong shape");
    on_tape(o, f->t, tg_encoder_forward(f->t, enc, tg_tape_full(f->t, 3, (int[]){2, 3, 4}, 1), f->m34, false, NULL, false));
    expect_named(f, TG_ERR_SHAPE, "tg_mha_forward: 'enc.sa': key_pad must be (2,3), got (3,4)", "tg_mha_forward");

    f = row(&o, "tg_encoder_forward", "dropout in training without an rng");
    {
        c = with(4, 2, 5, (tg_real)0.5, 0, 1e-5);
        tg_block *b = tg_block_new("e", &c, false, &f->rng);
        on_tape(o, f->t, tg_encoder_forward(f->t, b, tg_tape_full(f->t, 3, (int[]){2, 3, 4}, 1), NULL, false, NULL, true));
        tg_block_free(b);
    }
    expect_named(f, TG_ERR_ARG, "tg_dropout: rng is NULL (needed in training mode with p = 0.5)", "tg_dropout");

    f = row(&o, "tg_decoder_forward", "layer NULL");
    on_tape(o, f->t, tg_decoder_forward(f->t, NULL, f->a, f->a, NULL, NULL, false, NULL, false));
    expect(f, TG_ERR_ARG, "tg_decoder_forward: layer is NULL");

    f = row(&o, "tg_decoder_forward", "an encoder block");
    on_tape(o, f->t, tg_decoder_forward(f->t, enc, f->a, f->a, NULL, NULL, false, NULL, false));
    expect(f, TG_ERR_ARG, "tg_decoder_forward: 'enc' is an encoder block");

    f = row(&o, "tg_decoder_forward", "mem NULL");
    on_tape(o, f->t, tg_decoder_forward(f->t, dec, f->a, NULL, NULL, NULL, false, NULL, false));
    expect(f, TG_ERR_ARG, "tg_decoder_forward: 'dec': mem is NULL");

    f = row(&o, "tg_decoder_forward", "mem stale");
    on_tape(o, f->t, tg_decoder_forward(f->t, dec, f->a, f->stale, NULL, NULL, false, NULL, false));
    expect(f, TG_ERR_STATE, "tg_decoder_forward: 'dec': mem belongs to another tape or to a step before the last tg_tape_reset");

    f = row(&o, "tg_decoder_forward", "mem width differs");
    on_tape(o, f->t, tg_decoder_forward(f->t, dec, tg_tape_full(f->t, 3, (int[]){2, 3, 4}, 1), f->r4, NULL, NULL, false, NULL, false));
    expect_named(f, TG_ERR_SHAPE, "tg_mha_forward: 'dec.ca': xk must be (2,T,4), got (2,3,4,5)", "tg_mha_forward");

    f = row(&o, "tg_decoder_forward", "mem_pad of the wrong shape");
    on_tape(o, f->t, tg_decoder_forward(f->t, dec, tg_tape_full(f->t, 3, (int[]){2, 3, 4}, 1),
                                        tg_tape_full(f->t, 3, (int[]){2, 5, 4}, 1), NULL, f->a, false, NULL, false));
    expect_named(f, TG_ERR_SHAPE, "tg_mha_forward: 'dec.ca': key_pad must be (2,5), got (2,3)", "tg_mha_forward");

    tg_block_free(enc);
    tg_block_free(dec);
    return bad_done("layers/include/tapegrad/tg_transformer.h");
}
