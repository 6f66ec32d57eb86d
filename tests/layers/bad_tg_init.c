/* bad_tg_init.c — the bad-input rows of <tapegrad/tg_init.h>: every function it declares,
 * called with the mistakes a caller makes (bad_input.h). */
#include "bad_input.h"

int main(int argc, char **argv) {
    fx *f;
    out *o;
    bad_begin(argc, argv);

    f = row(&o, "tg_init_for_act", "activation out of range");
    on_value(o, tg_init_for_act((tg_act)99) == TG_INIT_GLOROT, "TG_INIT_GLOROT (the default)");
    expect(f, TG_OK, "");

    f = row(&o, "tg_init_uniform", "x NULL");
    on_status(o, tg_init_uniform(NULL, &f->rng, 1));
    expect(f, TG_ERR_ARG, "tg_init_uniform: tensor is NULL");

    f = row(&o, "tg_init_uniform", "rng NULL");
    on_status(o, tg_init_uniform(f->P, NULL, 1));
    expect(f, TG_ERR_ARG, "tg_init_uniform: rng is NULL");

    f = row(&o, "tg_init_uniform", "negative bound");
    on_status(o, tg_init_uniform(f->P, &f->rng, -1));
    expect(f, TG_ERR_ARG, "tg_init_uniform: bound must be finite and >= 0, got -1");

    f = row(&o, "tg_init_uniform", "bound NaN");
    on_status(o, tg_init_uniform(f->P, &f->rng, NAN));
    expect(f, TG_ERR_ARG, "tg_init_uniform: bound must be finite and >= 0, got nan");

    f = row(&o, "tg_init_glorot", "fan_in 0");
    on_status(o, tg_init_glorot(f->P, &f->rng, 0, 3));
    expect(f, TG_ERR_ARG, "tg_init_glorot: fans must be >= 1, got fan_in 0 fan_out 3");

    f = row(&o, "tg_init_he", "fan_in negative");
    on_status(o, tg_init_he(f->P, &f->rng, -2));
    expect(f, TG_ERR_ARG, "tg_init_he: fan_in must be >= 1, got -2");

    f = row(&o, "tg_init_weights", "W NULL");
    on_status(o, tg_init_weights(NULL, NULL, TG_INIT_HE, &f->rng, 2, 3));
    expect(f, TG_ERR_ARG, "tg_init_weights: W is NULL");

    f = row(&o, "tg_init_weights", "fan_out 0");
    on_status(o, tg_init_weights(f->P, NULL, TG_INIT_HE, &f->rng, 2, 0));
    expect(f, TG_ERR_ARG, "tg_init_weights: fans must be >= 1, got fan_in 2 fan_out 0");

    f = row(&o, "tg_init_weights", "rng NULL");
    on_status(o, tg_init_weights(f->P, NULL, TG_INIT_TORCH, NULL, 2, 3));
    expect(f, TG_ERR_ARG, "tg_init_weights: rng is NULL (only TG_INIT_ZEROS needs none)");

    f = row(&o, "tg_init_weights", "unknown scheme");
    on_status(o, tg_init_weights(f->P, NULL, (tg_init)9, &f->rng, 2, 3));
    expect(f, TG_ERR_ARG, "tg_init_weights: unknown scheme 9");

    return bad_done("layers/include/tapegrad/tg_init.h");
}
