/* bad_tg_linear.c — the bad-input rows of <tapegrad/tg_linear.h>: every function it declares,
 * called with the mistakes a caller makes (bad_input.h). */
#include "bad_input.h"

/* Wrappers for the shared rows: each calls one function with the tensor(s) given
 * and valid values for everything else. */
W1(linear_forward, tg_linear_forward(t, f->lin, x)) W1(mlp_forward, tg_mlp_forward(t, f->ma, x))

static const gen1 gen1s[] = {
    {"tg_linear_forward", w_linear_forward, "lin", NULL},
    {"tg_mlp_forward", w_mlp_forward, "a.0", "tg_linear_forward"}, /* documented in tg_linear.h */
};

int main(int argc, char **argv) {
    fx *f;
    out *o;
    bad_begin(argc, argv);
    bad_generated(gen1s, sizeof gen1s / sizeof gen1s[0], NULL, 0);

    f = row(&o, "tg_linear_new", "prefix empty");
    on_null(o, tg_linear_new("", 3, 2, TG_INIT_GLOROT, &f->rng));
    expect(f, TG_ERR_ARG, "tg_linear_new: prefix '' must have 1..32 characters, has 0");

    f = row(&o, "tg_linear_new", "in and out 2^30: W's bytes would wrap, initialisation overran");
    {
        char want[300];
        snprintf(want, sizeof want, "tg_linear_new: cannot make parameter 'l.W': tg_param_new: out of memory for a tensor of shape (1073741824,1073741824) (1152921504606846976 elements; at most %zu fit the address space)",
                 SIZE_MAX / 4 / sizeof(tg_real));
        on_null(o, tg_linear_new("l", 1 << 30, 1 << 30, TG_INIT_GLOROT, &f->rng));
        expect(f, TG_ERR_NOMEM, want);
    }

    f = row(&o, "tg_linear_new", "in 0");
    on_null(o, tg_linear_new("l", 0, 2, TG_INIT_GLOROT, &f->rng));
    expect(f, TG_ERR_ARG, "tg_linear_new: in must be >= 1, got 0");

    f = row(&o, "tg_linear_new", "out negative");
    on_null(o, tg_linear_new("l", 3, -1, TG_INIT_GLOROT, &f->rng));
    expect(f, TG_ERR_ARG, "tg_linear_new: out must be >= 1, got -1");

    f = row(&o, "tg_linear_new", "rng NULL");
    on_null(o, tg_linear_new("l", 3, 2, TG_INIT_GLOROT, NULL));
    expect_named(f, TG_ERR_ARG, "tg_init_weights: rng is NULL (only TG_INIT_ZEROS needs none)", "tg_init_weights");

    f = row(&o, "tg_linear_new", "unknown init scheme");
    on_null(o, tg_linear_new("l", 3, 2, (tg_init)7, &f->rng));
    expect_named(f, TG_ERR_ARG, "tg_init_weights: unknown scheme 7", "tg_init_weights");

    f = row(&o, "tg_linear_free", "NULL");
    tg_linear_free(NULL);
    on_value(o, true, "");
    expect(f, TG_OK, "");

    f = row(&o, "tg_linear_params", "layer NULL");
    on_status(o, tg_linear_params(NULL, &f->pa));
    expect(f, TG_ERR_ARG, "tg_linear_params: layer is NULL");

    f = row(&o, "tg_linear_params", "ps NULL");
    on_status(o, tg_linear_params(f->lin, NULL));
    expect_named(f, TG_ERR_ARG, "tg_params_add: ps is NULL", "tg_params_add");

    f = row(&o, "tg_linear_params", "added twice");
    tg_linear_params(f->lin, &f->pb);
    on_status(o, tg_linear_params(f->lin, &f->pb));
    expect_named(f, TG_ERR_ARG, "tg_params_add: tensor 'lin.W' is already in the list", "tg_params_add");

    f = row(&o, "tg_linear_forward", "layer NULL");
    on_tape(o, f->t, tg_linear_forward(f->t, NULL, f->a));
    expect(f, TG_ERR_ARG, "tg_linear_forward: layer is NULL");

    f = row(&o, "tg_linear_forward", "x of another width");
    on_tape(o, f->t, tg_linear_forward(f->t, f->lin, f->m45));
    expect(f, TG_ERR_SHAPE, "tg_linear_forward: 'lin': x must have last dimension 3, got (4,5)");

    f = row(&o, "tg_linear_forward", "x of rank 0");
    on_tape(o, f->t, tg_linear_forward(f->t, f->lin, f->s0));
    expect(f, TG_ERR_SHAPE, "tg_linear_forward: 'lin': x must have last dimension 3, got ()");

    f = row(&o, "tg_mlp_new", "sizes NULL");
    on_null(o, tg_mlp_new("m", 3, NULL, TG_ACT_RELU, TG_ACT_IDENTITY, &f->rng));
    expect(f, TG_ERR_ARG, "tg_mlp_new: need at least 2 sizes (input and output), got 0");

    f = row(&o, "tg_mlp_new", "one size");
    on_null(o, tg_mlp_new("m", 1, (int[]){3}, TG_ACT_RELU, TG_ACT_IDENTITY, &f->rng));
    expect(f, TG_ERR_ARG, "tg_mlp_new: need at least 2 sizes (input and output), got 1");

    f = row(&o, "tg_mlp_new", "a zero size");
    on_null(o, tg_mlp_new("m", 3, (int[]){3, 4, 0}, TG_ACT_RELU, TG_ACT_IDENTITY, &f->rng));
    expect(f, TG_ERR_ARG, "tg_mlp_new: sizes[2] must be >= 1, got 0");

    f = row(&o, "tg_mlp_new", "unknown activation");
    on_null(o, tg_mlp_new("m", 2, (int[]){3, 4}, (tg_act)40, TG_ACT_IDENTITY, &f->rng));
    expect(f, TG_ERR_ARG, "tg_mlp_new: unknown hidden activation 40");

    f = row(&o, "tg_mlp_new", "rng NULL");
    on_null(o, tg_mlp_new("m", 2, (int[]){3, 4}, TG_ACT_RELU, TG_ACT_IDENTITY, NULL));
    expect(f, TG_ERR_ARG, "tg_mlp_new: rng is NULL");

    f = row(&o, "tg_mlp_new", "prefix NULL");
    on_null(o, tg_mlp_new(NULL, 2, (int[]){3, 4}, TG_ACT_RELU, TG_ACT_IDENTITY, &f->rng));
    expect(f, TG_ERR_ARG, "tg_mlp_new: prefix is NULL");

    f = row(&o, "tg_mlp_free", "NULL");
    tg_mlp_free(NULL);
    on_value(o, true, "");
    expect(f, TG_OK, "");

    f = row(&o, "tg_mlp_params", "mlp NULL");
    on_status(o, tg_mlp_params(NULL, &f->pa));
    expect(f, TG_ERR_ARG, "tg_mlp_params: mlp is NULL");

    f = row(&o, "tg_mlp_params", "added twice");
    on_status(o, tg_mlp_params(f->ma, &f->pa));
    expect_named(f, TG_ERR_ARG, "tg_params_add: tensor 'a.0.W' is already in the list", "tg_params_add");

    f = row(&o, "tg_mlp_forward", "mlp NULL");
    on_tape(o, f->t, tg_mlp_forward(f->t, NULL, f->a));
    expect(f, TG_ERR_ARG, "tg_mlp_forward: mlp is NULL");

    f = row(&o, "tg_mlp_forward", "x of another width");
    on_tape(o, f->t, tg_mlp_forward(f->t, f->ma, f->m45));
    expect_named(f, TG_ERR_SHAPE, "tg_linear_forward: 'a.0': x must have last dimension 3, got (4,5)", "tg_linear_forward");

    return bad_done("layers/include/tapegrad/tg_linear.h");
}
