/* bad_tg_norm.c — the bad-input rows of <tapegrad/tg_norm.h>: every function it
 * declares, called with the mistakes a caller makes (bad_input.h). */
#include "bad_input.h"

static tg_layer_norm *ln; /* "ln" over 3 features, made once for the shared rows */

W1(layer_norm_forward, tg_layer_norm_forward(t, ln, x))

static const gen1 gen1s[] = {
    {"tg_layer_norm_forward", w_layer_norm_forward, "ln", NULL},
};

int main(int argc, char **argv) {
    fx *f;
    out *o;
    ln = tg_layer_norm_new("ln", 3, 1e-5, true);
    bad_begin(argc, argv); /* after the layer: its tensors live through every row */
    bad_generated(gen1s, sizeof gen1s / sizeof gen1s[0], NULL, 0);

    f = row(&o, "tg_layer_norm_new", "prefix too long");
    on_null(o, tg_layer_norm_new("a_prefix_that_is_far_too_long_for_names", 3, 1e-5, true));
    expect(f, TG_ERR_ARG, "tg_layer_norm_new: prefix 'a_prefix_that_is_far_too_long_for_names' must have 1..32 characters, has 39");

    f = row(&o, "tg_layer_norm_new", "dim 0");
    on_null(o, tg_layer_norm_new("l", 0, 1e-5, true));
    expect(f, TG_ERR_ARG, "tg_layer_norm_new: dim must be >= 1, got 0");

    f = row(&o, "tg_layer_norm_new", "eps 0");
    on_null(o, tg_layer_norm_new("l", 3, 0, true));
    expect(f, TG_ERR_ARG, "tg_layer_norm_new: eps must be finite and > 0, got 0");

    f = row(&o, "tg_layer_norm_new", "eps NaN");
    on_null(o, tg_layer_norm_new("l", 3, NAN, false));
    expect(f, TG_ERR_ARG, "tg_layer_norm_new: eps must be finite and > 0, got nan");

    f = row(&o, "tg_layer_norm_new", "eps infinite");
    on_null(o, tg_layer_norm_new("l", 3, INFINITY, false));
    expect(f, TG_ERR_ARG, "tg_layer_norm_new: eps must be finite and > 0, got inf");

    f = row(&o, "tg_layer_norm_free", "NULL");
    tg_layer_norm_free(NULL);
    on_value(o, true, "");
    expect(f, TG_OK, "");

    f = row(&o, "tg_layer_norm_params", "layer NULL");
    on_status(o, tg_layer_norm_params(NULL, &f->pa));
    expect(f, TG_ERR_ARG, "tg_layer_norm_params: layer is NULL");

    f = row(&o, "tg_layer_norm_params", "ps NULL");
    on_status(o, tg_layer_norm_params(ln, NULL));
    expect_named(f, TG_ERR_ARG, "tg_params_add: ps is NULL", "tg_params_add");

    f = row(&o, "tg_layer_norm_forward", "layer NULL");
    on_tape(o, f->t, tg_layer_norm_forward(f->t, NULL, f->a));
    expect(f, TG_ERR_ARG, "tg_layer_norm_forward: layer is NULL");

    f = row(&o, "tg_layer_norm_forward", "last dimension differs");
    on_tape(o, f->t, tg_layer_norm_forward(f->t, ln, f->m34));
    expect(f, TG_ERR_SHAPE, "tg_layer_norm_forward: 'ln': x must have last dimension 3, got (3,4)");

    f = row(&o, "tg_layer_norm_forward", "rank 0");
    on_tape(o, f->t, tg_layer_norm_forward(f->t, ln, f->s0));
    expect(f, TG_ERR_SHAPE, "tg_layer_norm_forward: 'ln': x must have last dimension 3, got ()");

    tg_layer_norm_free(ln);
    return bad_done("layers/include/tapegrad/tg_norm.h");
}
