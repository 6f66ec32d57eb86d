/* bad_tg_gradcheck.c — the bad-input rows of <tapegrad/tg_gradcheck.h>: every function it declares,
 * called with the mistakes a caller makes (bad_input.h). */
#include "bad_input.h"

static tg_tensor *gc_vec(tg_tape *t, tg_tensor *const *p, int n, void *u) {
    (void)n, (void)u;
    return tg_square(t, p[0]);
}

int main(int argc, char **argv) {
    fx *f;
    out *o;
    bad_begin(argc, argv);

    f = row(&o, "tg_gradcheck_defaults", "no arguments");
    {
        tg_gradcheck_opts d = tg_gradcheck_defaults();
        on_value(o, d.eps > 0 && d.atol > 0 && d.rtol > 0, "positive tolerances");
    }
    expect(f, TG_OK, "");

    f = row(&o, "tg_gradcheck", "f NULL");
    on_status(o, tg_gradcheck(NULL, NULL, &f->P, 1, NULL, NULL, NULL));
    expect(f, TG_ERR_ARG, "tg_gradcheck: f is NULL");

    f = row(&o, "tg_gradcheck", "params NULL");
    on_status(o, tg_gradcheck(bad_loss_ok, NULL, NULL, 1, NULL, NULL, NULL));
    expect(f, TG_ERR_ARG, "tg_gradcheck: params is NULL");

    f = row(&o, "tg_gradcheck", "n_params 0");
    on_status(o, tg_gradcheck(bad_loss_ok, NULL, &f->P, 0, NULL, NULL, NULL));
    expect(f, TG_ERR_ARG, "tg_gradcheck: n_params must be >= 1");

    f = row(&o, "tg_gradcheck", "params[0] NULL");
    on_status(o, tg_gradcheck(bad_loss_ok, NULL, (tg_tensor *[]){NULL}, 1, NULL, NULL, NULL));
    expect(f, TG_ERR_ARG, "tg_gradcheck: params[0] is NULL");

    f = row(&o, "tg_gradcheck", "a parameter without gradient buffer");
    on_status(o, tg_gradcheck(bad_loss_ok, NULL, &f->C, 1, NULL, NULL, NULL));
    expect(f, TG_ERR_ARG, "tg_gradcheck: params[0] must be a long-lived tensor with a gradient buffer (tg_param_new)");

    f = row(&o, "tg_gradcheck", "a step tensor as parameter");
    on_status(o, tg_gradcheck(bad_loss_ok, NULL, &f->a, 1, NULL, NULL, NULL));
    expect(f, TG_ERR_ARG, "tg_gradcheck: params[0] must be a long-lived tensor with a gradient buffer (tg_param_new)");

    f = row(&o, "tg_gradcheck", "eps 0");
    {
        tg_gradcheck_opts d = {0, 1e-5, 1e-3}; /* eps 0 */
        on_status(o, tg_gradcheck(bad_loss_ok, NULL, &f->P, 1, &d, NULL, NULL));
    }
    expect(f, TG_ERR_VALUE, "tg_gradcheck: need eps > 0, atol >= 0, rtol >= 0; got eps=0 atol=1e-05 rtol=0.001");

    f = row(&o, "tg_gradcheck", "f returns 6 elements");
    on_status(o, tg_gradcheck(gc_vec, NULL, &f->P, 1, NULL, NULL, NULL));
    expect(f, TG_ERR_SHAPE, "tg_gradcheck: the function must return one element, got shape (2,3)");

    f = row(&o, "tg_gradcheck", "f fails");
    on_status(o, tg_gradcheck(bad_loss_fail, NULL, &f->P, 1, NULL, NULL, NULL));
    expect(f, TG_ERR_SHAPE, "tg_gradcheck: the function failed: tg_matmul: inner dimensions differ: (2,3) x (2,3)");

    f = row(&o, "tg_gradgradcheck", "f NULL");
    on_status(o, tg_gradgradcheck(NULL, NULL, &f->P, 1, NULL, NULL, NULL));
    expect(f, TG_ERR_ARG, "tg_gradgradcheck: f is NULL");

    f = row(&o, "tg_gradgradcheck", "params NULL");
    on_status(o, tg_gradgradcheck(bad_loss_ok, NULL, NULL, 1, NULL, NULL, NULL));
    expect(f, TG_ERR_ARG, "tg_gradgradcheck: params is NULL");

    f = row(&o, "tg_gradgradcheck", "n_params 0");
    on_status(o, tg_gradgradcheck(bad_loss_ok, NULL, &f->P, 0, NULL, NULL, NULL));
    expect(f, TG_ERR_ARG, "tg_gradgradcheck: n_params must be in 1..1024");

    f = row(&o, "tg_gradgradcheck", "params[0] NULL");
    on_status(o, tg_gradgradcheck(bad_loss_ok, NULL, (tg_tensor *[]){NULL}, 1, NULL, NULL, NULL));
    expect(f, TG_ERR_ARG, "tg_gradgradcheck: params[0] is NULL");

    f = row(&o, "tg_gradgradcheck", "a step tensor as parameter");
    on_status(o, tg_gradgradcheck(bad_loss_ok, NULL, &f->a, 1, NULL, NULL, NULL));
    expect(f, TG_ERR_ARG, "tg_gradgradcheck: params[0] must be a long-lived tensor with a gradient buffer (tg_param_new)");

    f = row(&o, "tg_gradgradcheck", "rtol negative");
    {
        tg_gradcheck_opts d = {1e-6, 1e-5, -1};
        on_status(o, tg_gradgradcheck(bad_loss_ok, NULL, &f->P, 1, &d, NULL, NULL));
    }
    expect(f, TG_ERR_VALUE, "tg_gradgradcheck: need eps > 0, atol >= 0, rtol >= 0; got eps=1e-06 atol=1e-05 rtol=-1");

    f = row(&o, "tg_gradgradcheck", "f returns 6 elements");
    on_status(o, tg_gradgradcheck(gc_vec, NULL, &f->P, 1, NULL, NULL, NULL));
    expect(f, TG_ERR_SHAPE, "tg_gradgradcheck: the function must return one element, got shape (2,3)");

    f = row(&o, "tg_gradgradcheck", "f fails");
    on_status(o, tg_gradgradcheck(bad_loss_fail, NULL, &f->P, 1, NULL, NULL, NULL));
    expect(f, TG_ERR_SHAPE, "tg_gradgradcheck: the function failed: tg_matmul: inner dimensions differ: (2,3) x (2,3)");

    return bad_done("autodiff/inspect/include/tapegrad/tg_gradcheck.h");
}
