/* bad_tg_conv.c — the bad-input rows of <tapegrad/tg_conv.h>: every function it
 * declares, called with the mistakes a caller makes (bad_input.h). */
#include "bad_input.h"

static tg_conv *conv; /* "cv": 3 -> 2 channels, kernel 2x2, made once for the shared rows */

W1(conv_forward, tg_conv_forward(t, conv, x))
W1(max_pool2d, tg_max_pool2d(t, x, (int[]){2, 2}, NULL, NULL))
W1(avg_pool2d, tg_avg_pool2d(t, x, (int[]){2, 2}, NULL, NULL))

static const gen1 gen1s[] = {
    {"tg_conv_forward", w_conv_forward, "cv", NULL},
    {"tg_max_pool2d", w_max_pool2d, "-", NULL},
    {"tg_avg_pool2d", w_avg_pool2d, "-", NULL},
};

int main(int argc, char **argv) {
    fx *f;
    out *o;
    tg_rng g;
    tg_rng_seed(&g, 1);
    conv = tg_conv2d_new("cv", 3, 2, (int[]){2, 2}, NULL, NULL, NULL, true, TG_INIT_TORCH, &g);
    bad_begin(argc, argv); /* after the layer: its tensors live through every row */
    bad_generated(gen1s, sizeof gen1s / sizeof gen1s[0], NULL, 0);

    f = row(&o, "tg_conv2d_new", "prefix empty");
    on_null(o, tg_conv2d_new("", 3, 2, (int[]){2, 2}, NULL, NULL, NULL, true, TG_INIT_TORCH, &f->rng));
    expect(f, TG_ERR_ARG, "tg_conv2d_new: prefix '' must have 1..32 characters, has 0");

    f = row(&o, "tg_conv2d_new", "in 0");
    on_null(o, tg_conv2d_new("c", 0, 2, (int[]){2, 2}, NULL, NULL, NULL, true, TG_INIT_TORCH, &f->rng));
    expect(f, TG_ERR_ARG, "tg_conv2d_new: in channels must be >= 1, got 0");

    f = row(&o, "tg_conv2d_new", "out negative");
    on_null(o, tg_conv2d_new("c", 3, -2, (int[]){2, 2}, NULL, NULL, NULL, true, TG_INIT_TORCH, &f->rng));
    expect(f, TG_ERR_ARG, "tg_conv2d_new: out channels must be >= 1, got -2");

    f = row(&o, "tg_conv2d_new", "kernel NULL");
    on_null(o, tg_conv2d_new("c", 3, 2, NULL, NULL, NULL, NULL, true, TG_INIT_TORCH, &f->rng));
    expect(f, TG_ERR_ARG, "tg_conv2d_new: kernel is NULL");

    f = row(&o, "tg_conv2d_new", "kernel 0");
    on_null(o, tg_conv2d_new("c", 3, 2, (int[]){0, 2}, NULL, NULL, NULL, true, TG_INIT_TORCH, &f->rng));
    expect(f, TG_ERR_ARG, "tg_conv2d_new: kernel 0, stride 1, dilation 1 must be >= 1 and padding 0 >= 0");

    f = row(&o, "tg_conv2d_new", "stride 0");
    on_null(o, tg_conv2d_new("c", 3, 2, (int[]){2, 2}, (int[]){1, 0}, NULL, NULL, true, TG_INIT_TORCH, &f->rng));
    expect(f, TG_ERR_ARG, "tg_conv2d_new: kernel 2, stride 0, dilation 1 must be >= 1 and padding 0 >= 0");

    f = row(&o, "tg_conv2d_new", "negative padding");
    on_null(o, tg_conv2d_new("c", 3, 2, (int[]){2, 2}, NULL, (int[]){-1, 0}, NULL, true, TG_INIT_TORCH, &f->rng));
    expect(f, TG_ERR_ARG, "tg_conv2d_new: kernel 2, stride 1, dilation 1 must be >= 1 and padding -1 >= 0");

    f = row(&o, "tg_conv2d_new", "dilation 0");
    on_null(o, tg_conv2d_new("c", 3, 2, (int[]){2, 2}, NULL, NULL, (int[]){0, 1}, true, TG_INIT_TORCH, &f->rng));
    expect(f, TG_ERR_ARG, "tg_conv2d_new: kernel 2, stride 1, dilation 0 must be >= 1 and padding 0 >= 0");

    f = row(&o, "tg_conv2d_new", "weights per channel overflow int");
    on_null(o, tg_conv2d_new("c", 100000, 2, (int[]){1000, 1000}, NULL, NULL, NULL, true, TG_INIT_TORCH, &f->rng));
    expect(f, TG_ERR_ARG, "tg_conv2d_new: 100000 x 1000 x 1000 weights per output channel are too many");

    f = row(&o, "tg_conv2d_new", "rng NULL");
    on_null(o, tg_conv2d_new("c", 3, 2, (int[]){2, 2}, NULL, NULL, NULL, true, TG_INIT_TORCH, NULL));
    expect_named(f, TG_ERR_ARG, "tg_init_weights: rng is NULL (only TG_INIT_ZEROS needs none)", "tg_init_weights");

    f = row(&o, "tg_conv1d_new", "kernel 0");
    on_null(o, tg_conv1d_new("c", 3, 2, 0, 1, 0, 1, true, TG_INIT_TORCH, &f->rng));
    expect(f, TG_ERR_ARG, "tg_conv1d_new: kernel 0, stride 1, dilation 1 must be >= 1 and padding 0 >= 0");

    f = row(&o, "tg_conv1d_new", "in 0");
    on_null(o, tg_conv1d_new("c", 0, 2, 3, 1, 0, 1, false, TG_INIT_TORCH, &f->rng));
    expect(f, TG_ERR_ARG, "tg_conv1d_new: in channels must be >= 1, got 0");

    f = row(&o, "tg_conv1d_new", "prefix NULL");
    on_null(o, tg_conv1d_new(NULL, 3, 2, 3, 1, 0, 1, false, TG_INIT_TORCH, &f->rng));
    expect(f, TG_ERR_ARG, "tg_conv1d_new: prefix is NULL");

    f = row(&o, "tg_conv_free", "NULL");
    tg_conv_free(NULL);
    on_value(o, true, "");
    expect(f, TG_OK, "");

    f = row(&o, "tg_conv_params", "layer NULL");
    on_status(o, tg_conv_params(NULL, &f->pa));
    expect(f, TG_ERR_ARG, "tg_conv_params: layer is NULL");

    f = row(&o, "tg_conv_params", "ps NULL");
    on_status(o, tg_conv_params(conv, NULL));
    expect_named(f, TG_ERR_ARG, "tg_params_add: ps is NULL", "tg_params_add");

    f = row(&o, "tg_conv_forward", "layer NULL");
    on_tape(o, f->t, tg_conv_forward(f->t, NULL, f->r4));
    expect(f, TG_ERR_ARG, "tg_conv_forward: layer is NULL");

    f = row(&o, "tg_conv_forward", "rank 2");
    on_tape(o, f->t, tg_conv_forward(f->t, conv, f->a));
    expect(f, TG_ERR_SHAPE, "tg_conv_forward: 'cv': x must be (N, 3, H, W), got (2,3)");

    f = row(&o, "tg_conv_forward", "4 channels for 3");
    on_tape(o, f->t, tg_conv_forward(f->t, conv, tg_tape_full(f->t, 4, (int[]){1, 4, 3, 3}, 1)));
    expect(f, TG_ERR_SHAPE, "tg_conv_forward: 'cv': x must be (N, 3, H, W), got (1,4,3,3)");

    f = row(&o, "tg_conv_forward", "kernel wider than the input");
    on_tape(o, f->t, tg_conv_forward(f->t, conv, tg_tape_full(f->t, 4, (int[]){1, 3, 1, 3}, 1)));
    expect_named(f, TG_ERR_SHAPE, "tg_conv2d_bias: kernel 2 with dilation 1 spans 2, more than input 1 + 2 x padding 0 (height) (shape (1,3,1,3))", "tg_conv2d_bias");

    f = row(&o, "tg_max_pool2d", "rank 2");
    on_tape(o, f->t, tg_max_pool2d(f->t, f->a, (int[]){2, 2}, NULL, NULL));
    expect(f, TG_ERR_SHAPE, "tg_max_pool2d: x must be (N, C, H, W), got (2,3)");

    f = row(&o, "tg_max_pool2d", "kernel NULL");
    on_tape(o, f->t, tg_max_pool2d(f->t, f->r4, NULL, NULL, NULL));
    expect(f, TG_ERR_ARG, "tg_max_pool2d: kernel is NULL");

    f = row(&o, "tg_max_pool2d", "padding more than half the kernel");
    on_tape(o, f->t, tg_max_pool2d(f->t, f->r4, (int[]){2, 2}, NULL, (int[]){0, 2}));
    expect(f, TG_ERR_VALUE, "tg_max_pool2d: padding 2 must be between 0 and half the kernel 2");

    f = row(&o, "tg_max_pool2d", "kernel 0");
    on_tape(o, f->t, tg_max_pool2d(f->t, f->r4, (int[]){0, 2}, (int[]){1, 1}, NULL));
    expect_named(f, TG_ERR_VALUE, "tg_unfold_max2d: kernel 0, stride 1, dilation 1 must be >= 1 and padding 0 >= 0 (height)", "tg_unfold_max2d");

    f = row(&o, "tg_max_pool2d", "kernel larger than the input");
    on_tape(o, f->t, tg_max_pool2d(f->t, f->r4, (int[]){5, 1}, NULL, NULL));
    expect_named(f, TG_ERR_SHAPE, "tg_unfold_max2d: kernel 5 with dilation 1 spans 5, more than input 4 + 2 x padding 0 (height) (shape (2,3,4,5))", "tg_unfold_max2d");

    f = row(&o, "tg_avg_pool2d", "rank 3");
    on_tape(o, f->t, tg_avg_pool2d(f->t, tg_tape_full(f->t, 3, (int[]){1, 4, 4}, 1), (int[]){2, 2}, NULL, NULL));
    expect(f, TG_ERR_SHAPE, "tg_avg_pool2d: x must be (N, C, H, W), got (1,4,4)");

    f = row(&o, "tg_avg_pool2d", "kernel NULL");
    on_tape(o, f->t, tg_avg_pool2d(f->t, f->r4, NULL, NULL, NULL));
    expect(f, TG_ERR_ARG, "tg_avg_pool2d: kernel is NULL");

    f = row(&o, "tg_avg_pool2d", "negative padding");
    on_tape(o, f->t, tg_avg_pool2d(f->t, f->r4, (int[]){2, 2}, NULL, (int[]){-1, 0}));
    expect(f, TG_ERR_VALUE, "tg_avg_pool2d: padding -1 must be between 0 and half the kernel 2");

    f = row(&o, "tg_avg_pool2d", "stride 0");
    on_tape(o, f->t, tg_avg_pool2d(f->t, f->r4, (int[]){2, 2}, (int[]){0, 1}, NULL));
    expect_named(f, TG_ERR_VALUE, "tg_unfold2d: kernel 2, stride 0, dilation 1 must be >= 1 and padding 0 >= 0 (height)", "tg_unfold2d");

    tg_conv_free(conv);
    return bad_done("layers/include/tapegrad/tg_conv.h");
}
