/* bad_tg_neuron.c — the bad-input rows of <tapegrad/tg_neuron.h>: every function it declares,
 * called with the mistakes a caller makes (bad_input.h). */
#include "bad_input.h"

/* Wrappers for the shared rows: each calls one function with the tensor(s) given
 * and valid values for everything else. */
W1(neuron_preact, tg_neuron_preact(t, f->neu, x))
W1(neuron_forward, tg_neuron_forward(t, f->neu, x))
W2(perceptron_loss, tg_perceptron_loss(t, f->neu, a, b))
W2(neuron_l2_loss, tg_neuron_l2_loss(t, f->neu, a, b))

static const gen1 gen1s[] = {
    {"tg_neuron_preact", w_neuron_preact, "neu", NULL},
    {"tg_neuron_forward", w_neuron_forward, "neu", "tg_neuron_preact"}, /* tg_neuron.h */
};

static const gen2 gen2s[] = {
    {"tg_perceptron_loss", w_perceptron_loss, "neu", "tg_neuron_preact"},
    {"tg_neuron_l2_loss", w_neuron_l2_loss, "neu", "tg_neuron_preact"},
};

int main(int argc, char **argv) {
    fx *f;
    out *o;
    bad_begin(argc, argv);
    bad_generated(gen1s, sizeof gen1s / sizeof gen1s[0], gen2s, sizeof gen2s / sizeof gen2s[0]);

    f = row(&o, "tg_neuron_new", "prefix empty");
    on_null(o, tg_neuron_new("", 3, TG_ACT_STEP, &f->rng));
    expect(f, TG_ERR_ARG, "tg_neuron_new: prefix '' must have 1..32 characters, has 0");

    f = row(&o, "tg_neuron_new", "in 0");
    on_null(o, tg_neuron_new("n", 0, TG_ACT_STEP, &f->rng));
    expect(f, TG_ERR_ARG, "tg_neuron_new: in must be >= 1, got 0");

    f = row(&o, "tg_neuron_new", "unknown activation");
    on_null(o, tg_neuron_new("n", 3, (tg_act)-1, &f->rng));
    expect(f, TG_ERR_ARG, "tg_neuron_new: unknown activation -1");

    f = row(&o, "tg_neuron_free", "NULL");
    tg_neuron_free(NULL);
    on_value(o, true, "");
    expect(f, TG_OK, "");

    f = row(&o, "tg_neuron_params", "neuron NULL");
    on_status(o, tg_neuron_params(NULL, &f->pa));
    expect(f, TG_ERR_ARG, "tg_neuron_params: neuron is NULL");

    f = row(&o, "tg_neuron_preact", "neuron NULL");
    on_tape(o, f->t, tg_neuron_preact(f->t, NULL, f->a));
    expect(f, TG_ERR_ARG, "tg_neuron_preact: neuron is NULL");

    f = row(&o, "tg_neuron_preact", "x of another shape");
    on_tape(o, f->t, tg_neuron_preact(f->t, f->neu, f->m45));
    expect(f, TG_ERR_SHAPE, "tg_neuron_preact: 'neu': x must have shape (N,3), got (4,5)");

    f = row(&o, "tg_neuron_forward", "x of rank 1");
    on_tape(o, f->t, tg_neuron_forward(f->t, f->neu, f->v3));
    expect_named(f, TG_ERR_SHAPE, "tg_neuron_preact: 'neu': x must have shape (N,3), got (3)", "tg_neuron_preact");

    f = row(&o, "tg_perceptron_loss", "y of another size");
    on_tape(o, f->t, tg_perceptron_loss(f->t, f->neu, f->a, f->v3));
    expect(f, TG_ERR_SHAPE, "tg_perceptron_loss: 'neu': y must have 2 elements, shape (2) or (2,1), got (3)");

    f = row(&o, "tg_perceptron_loss", "neuron NULL");
    on_tape(o, f->t, tg_perceptron_loss(f->t, NULL, f->a, f->v3));
    expect_named(f, TG_ERR_ARG, "tg_neuron_preact: neuron is NULL", "tg_neuron_preact");

    f = row(&o, "tg_neuron_l2_loss", "y of another size");
    on_tape(o, f->t, tg_neuron_l2_loss(f->t, f->neu, f->a, f->m34));
    expect(f, TG_ERR_SHAPE, "tg_neuron_l2_loss: 'neu': y must have 2 elements, shape (2) or (2,1), got (3,4)");

    return bad_done("layers/include/tapegrad/tg_neuron.h");
}
