/* bad_tg_params.c — the bad-input rows of <tapegrad/tg_params.h>: every function it declares,
 * called with the mistakes a caller makes (bad_input.h). */
#include "bad_input.h"

int main(int argc, char **argv) {
    fx *f;
    out *o;
    bad_begin(argc, argv);

    f = row(&o, "tg_params_add", "ps NULL");
    on_status(o, tg_params_add(NULL, f->P));
    expect(f, TG_ERR_ARG, "tg_params_add: ps is NULL");

    f = row(&o, "tg_params_add", "p NULL");
    on_status(o, tg_params_add(&f->pa, NULL));
    expect(f, TG_ERR_ARG, "tg_params_add: p is NULL");

    f = row(&o, "tg_params_add", "a step tensor");
    on_status(o, tg_params_add(&f->pa, f->a));
    expect(f, TG_ERR_ARG, "tg_params_add: '' must be a long-lived tensor with a gradient buffer (tg_param_new)");

    f = row(&o, "tg_params_add", "no gradient buffer");
    snprintf(f->C->name, sizeof f->C->name, "c");
    on_status(o, tg_params_add(&f->pa, f->C));
    expect(f, TG_ERR_ARG, "tg_params_add: 'c' must be a long-lived tensor with a gradient buffer (tg_param_new)");

    f = row(&o, "tg_params_add", "the same tensor twice");
    on_status(o, tg_params_add(&f->pa, f->pa.items[1]));
    expect(f, TG_ERR_ARG, "tg_params_add: tensor 'a.0.b' is already in the list");

    f = row(&o, "tg_params_add", "a duplicate name");
    snprintf(f->P->name, sizeof f->P->name, "a.0.W");
    on_status(o, tg_params_add(&f->pa, f->P));
    expect(f, TG_ERR_ARG, "tg_params_add: duplicate parameter name 'a.0.W'");

    f = row(&o, "tg_params_free", "NULL");
    tg_params_free(NULL);
    on_value(o, true, "");
    expect(f, TG_OK, "");

    f = row(&o, "tg_params_zero_grad", "NULL");
    tg_params_zero_grad(NULL);
    on_value(o, true, "");
    expect(f, TG_OK, "");

    f = row(&o, "tg_params_find", "NULL list, NULL name, unknown name");
    on_value(o, !tg_params_find(NULL, "a.0.W") && !tg_params_find(&f->pa, NULL) &&
                    !tg_params_find(&f->pa, "b.0.W"), "NULL");
    expect(f, TG_OK, "");

    f = row(&o, "tg_params_numel", "NULL");
    on_value(o, tg_params_numel(NULL) == 0, "0");
    expect(f, TG_OK, "");

    return bad_done("autodiff/core/include/tapegrad/tg_params.h");
}
