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
        tg_gradcheck_opts d = {.eps = 0, .atol = 1e-5, .rtol = 1e-3};
        on_status(o, tg_gradcheck(bad_loss_ok, NULL, &f->P, 1, &d, NULL, NULL));
    }
    expect(f, TG_ERR_VALUE, "tg_gradcheck: need eps > 0, atol >= 0, rtol >= 0; got eps=0 atol=1e-05 rtol=0.001");

    f = row(&o, "tg_gradcheck", "f returns 6 elements");
    on_status(o, tg_gradcheck(gc_vec, NULL, &f->P, 1, NULL, NULL, NULL));
    expect(f, TG_ERR_SHAPE, "tg_gradcheck: the function must return one element, got shape (2,3)");

    f = row(&o, "tg_gradcheck", "f fails");
    on_status(o, tg_gradcheck(bad_loss_fail, NULL, &f->P, 1, NULL, NULL, NULL));
    expect(f, TG_ERR_SHAPE, "tg_gradcheck: the function failed: tg_matmul: inner dimensions differ: (2,3) x (2,3)");

    f = row(&o, "tg_gradcheck", "order 3");
    {
        tg_gradcheck_opts d = tg_gradcheck_defaults();
        d.order = 3;
        on_status(o, tg_gradcheck(bad_loss_ok, NULL, &f->P, 1, &d, NULL, NULL));
    }
    expect(f, TG_ERR_VALUE, "tg_gradcheck: order must be 2 or 4 and n_dirs -1..1000; got order=3 n_dirs=4");

    f = row(&o, "tg_verdict_name", "a value out of range");
    on_value(o, strcmp(tg_verdict_name((tg_verdict)7), "?") == 0 &&
                    strcmp(tg_verdict_name(TG_CHECK_INCONCLUSIVE), "INCONCLUSIVE") == 0, "\"?\"");
    expect(f, TG_OK, "");

    f = row(&o, "tg_gradcheck_print", "out NULL");
    on_status(o, tg_gradcheck_print(NULL, NULL, 0));
    expect(f, TG_ERR_ARG, "tg_gradcheck_print: out is NULL");

    f = row(&o, "tg_gradcheck_print", "results NULL with n 1");
    on_status(o, tg_gradcheck_print(stdout, NULL, 1));
    expect(f, TG_ERR_ARG, "tg_gradcheck_print: results is NULL");

    f = row(&o, "tg_gradcheck_print", "n -1");
    on_status(o, tg_gradcheck_print(stdout, NULL, -1));
    expect(f, TG_ERR_ARG, "tg_gradcheck_print: n must be >= 0");

    {
        size_t n;
        const tg_op *mm = NULL;
        const tg_op_info *tab = tg_op_table(&n);
        for (size_t i = 0; i < n; i++)
            if (strcmp(tab[i].op->name, "tg_matmul") == 0) mm = tab[i].op;
        tg_opcheck_input two[2] = {{2, {3, 4}, 0, 0}, {2, {4, 2}, 0, 0}};
        tg_opcheck_report rep;

        f = row(&o, "tg_opcheck", "op NULL");
        on_status(o, tg_opcheck(NULL, NULL, two, 2, NULL, &rep));
        expect(f, TG_ERR_ARG, "tg_opcheck: op is NULL");

        f = row(&o, "tg_opcheck", "in NULL");
        on_status(o, tg_opcheck(NULL, mm, NULL, 2, NULL, &rep));
        expect(f, TG_ERR_ARG, "tg_opcheck: in is NULL");

        f = row(&o, "tg_opcheck", "n_in 5");
        on_status(o, tg_opcheck(NULL, mm, two, 5, NULL, &rep));
        expect(f, TG_ERR_ARG, "tg_opcheck: n_in must be 1..4");

        f = row(&o, "tg_opcheck", "n_in 1 for a two-input op");
        on_status(o, tg_opcheck(NULL, mm, two, 1, NULL, &rep));
        expect(f, TG_ERR_ARG, "tg_opcheck: the op takes a different number of inputs");

        f = row(&o, "tg_opcheck", "shapes the op rejects");
        {
            tg_opcheck_input bad[2] = {{2, {3, 4}, 0, 0}, {2, {5, 2}, 0, 0}};
            on_status(o, tg_opcheck(NULL, mm, bad, 2, NULL, &rep));
        }
        expect(f, TG_ERR_SHAPE, "tg_opcheck: tg_matmul on the given shapes: tg_matmul: inner dimensions differ: (3,4) x (5,2)");

        f = row(&o, "tg_opcheck", "rank -1");
        {
            tg_opcheck_input bad[2] = {{-1, {3}, 0, 0}, {2, {4, 2}, 0, 0}};
            on_status(o, tg_opcheck(NULL, mm, bad, 2, NULL, &rep));
        }
        expect(f, TG_ERR_SHAPE, "tg_opcheck: input 0: tg_param_new: rank -1 is outside 0..8");

        f = row(&o, "tg_opcheck", "n_wrong 1 without wrong");
        on_status(o, tg_opcheck(NULL, mm, two, 2, &(tg_opcheck_opts){.n_wrong = 1}, &rep));
        expect(f, TG_ERR_ARG, "tg_opcheck: n_wrong must be >= 0, with wrong given");
    }

    f = row(&o, "tg_gradcheck_locate", "f NULL");
    {
        tg_locate_result lr;
        on_status(o, tg_gradcheck_locate(NULL, NULL, NULL, &f->P, 1, NULL, &lr));
    }
    expect(f, TG_ERR_ARG, "tg_gradcheck_locate: f is NULL");

    f = row(&o, "tg_gradcheck_locate", "res NULL");
    on_status(o, tg_gradcheck_locate(NULL, bad_loss_ok, NULL, &f->P, 1, NULL, NULL));
    expect(f, TG_ERR_ARG, "tg_gradcheck_locate: res is NULL");

    f = row(&o, "tg_gradcheck_locate", "a step tensor as parameter");
    {
        tg_locate_result lr;
        on_status(o, tg_gradcheck_locate(NULL, bad_loss_ok, NULL, &f->a, 1, NULL, &lr));
    }
    expect(f, TG_ERR_ARG, "tg_gradcheck_locate: params[0] must be a long-lived tensor");

    f = row(&o, "tg_gradcheck_locate", "f fails");
    {
        tg_locate_result lr;
        on_status(o, tg_gradcheck_locate(NULL, bad_loss_fail, NULL, &f->P, 1, NULL, &lr));
    }
    expect(f, TG_ERR_SHAPE, "tg_gradcheck_locate: the function failed: tg_matmul: inner dimensions differ: (2,3) x (2,3)");
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
        tg_gradcheck_opts d = {.eps = 1e-6, .atol = 1e-5, .rtol = -1};
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
