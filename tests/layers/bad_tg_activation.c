/* bad_tg_activation.c — the bad-input rows of <tapegrad/tg_activation.h>: every function it declares,
 * called with the mistakes a caller makes (bad_input.h). */
#include "bad_input.h"

/* Wrappers for the shared rows: each calls one function with the tensor(s) given
 * and valid values for everything else. */
W1(activate, tg_activate(t, x, TG_ACT_TANH, 0))

static const gen1 gen1s[] = {
    {"tg_activate", w_activate, "-", NULL},
};

int main(int argc, char **argv) {
    fx *f;
    out *o;
    bad_begin(argc, argv);
    bad_generated(gen1s, sizeof gen1s / sizeof gen1s[0], NULL, 0);

    f = row(&o, "tg_act_name", "activation out of range");
    on_value(o, strcmp(tg_act_name((tg_act)99), "?") == 0 && strcmp(tg_act_name((tg_act)-1), "?") == 0, "\"?\"");
    expect(f, TG_OK, "");

    f = row(&o, "tg_activate", "unknown activation");
    on_tape(o, f->t, tg_activate(f->t, f->a, (tg_act)12, 0));
    expect(f, TG_ERR_ARG, "tg_activate: unknown activation 12");

    return bad_done("layers/include/tapegrad/tg_activation.h");
}
