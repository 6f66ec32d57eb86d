/* bad_tg_optim.c — the bad-input rows of <tapegrad/tg_optim.h>: every function it declares,
 * called with the mistakes a caller makes (bad_input.h). */
#include "bad_input.h"

int main(int argc, char **argv) {
    fx *f;
    out *o;
    bad_begin(argc, argv);

    f = row(&o, "tg_sgd_defaults", "no arguments");
    on_value(o, tg_sgd_defaults().lr == 0.01 && tg_adagrad_defaults().eps == 1e-10 &&
                    tg_rmsprop_defaults().alpha == 0.99 && tg_adam_defaults().beta2 == 0.999 &&
                    tg_adamw_defaults().weight_decay == 1e-2, "PyTorch's defaults");
    expect(f, TG_OK, "");

    f = row(&o, "tg_adagrad_defaults", "no arguments");
    on_value(o, tg_sgd_defaults().lr == 0.01 && tg_adagrad_defaults().eps == 1e-10 &&
                    tg_rmsprop_defaults().alpha == 0.99 && tg_adam_defaults().beta2 == 0.999 &&
                    tg_adamw_defaults().weight_decay == 1e-2, "PyTorch's defaults");
    expect(f, TG_OK, "");

    f = row(&o, "tg_rmsprop_defaults", "no arguments");
    on_value(o, tg_sgd_defaults().lr == 0.01 && tg_adagrad_defaults().eps == 1e-10 &&
                    tg_rmsprop_defaults().alpha == 0.99 && tg_adam_defaults().beta2 == 0.999 &&
                    tg_adamw_defaults().weight_decay == 1e-2, "PyTorch's defaults");
    expect(f, TG_OK, "");

    f = row(&o, "tg_adam_defaults", "no arguments");
    on_value(o, tg_sgd_defaults().lr == 0.01 && tg_adagrad_defaults().eps == 1e-10 &&
                    tg_rmsprop_defaults().alpha == 0.99 && tg_adam_defaults().beta2 == 0.999 &&
                    tg_adamw_defaults().weight_decay == 1e-2, "PyTorch's defaults");
    expect(f, TG_OK, "");

    f = row(&o, "tg_adamw_defaults", "no arguments");
    on_value(o, tg_sgd_defaults().lr == 0.01 && tg_adagrad_defaults().eps == 1e-10 &&
                    tg_rmsprop_defaults().alpha == 0.99 && tg_adam_defaults().beta2 == 0.999 &&
                    tg_adamw_defaults().weight_decay == 1e-2, "PyTorch's defaults");
    expect(f, TG_OK, "");

    f = row(&o, "tg_sgd_new", "ps NULL");
    on_null(o, tg_sgd_new(NULL, NULL));
    expect(f, TG_ERR_ARG, "tg_sgd_new: ps is NULL");

    f = row(&o, "tg_sgd_new", "empty list");
    {
        tg_params e = {0};
        on_null(o, tg_sgd_new(&e, NULL));
    }
    expect(f, TG_ERR_ARG, "tg_sgd_new: the parameter list is empty");

    f = row(&o, "tg_sgd_new", "lr negative");
    {
        tg_sgd_opts s = tg_sgd_defaults();
        s.lr = -1;
        on_null(o, tg_sgd_new(&f->pa, &s));
    }
    expect(f, TG_ERR_VALUE, "tg_sgd_new: lr must be finite and >= 0, got -1");

    f = row(&o, "tg_sgd_new", "nesterov without momentum");
    {
        tg_sgd_opts s = tg_sgd_defaults();
        s.nesterov = true;
        on_null(o, tg_sgd_new(&f->pa, &s));
    }
    expect(f, TG_ERR_VALUE, "tg_sgd_new: nesterov needs momentum > 0 and dampening == 0, got momentum 0, dampening 0");

    f = row(&o, "tg_sgd_new", "another optimizer's state as parameters");
    on_null(o, tg_sgd_new(&f->sa, NULL));
    expect(f, TG_ERR_ARG, "tg_sgd_new: parameter 0 ('a.0.W.exp_avg') must be a long-lived tensor with a gradient buffer");

    f = row(&o, "tg_sgd_new", "a NULL entry");
    {
        tg_tensor *items[2] = {f->pa.items[0], NULL};
        tg_params ps = {items, 2, 2};
        on_null(o, tg_sgd_new(&ps, NULL));
    }
    expect(f, TG_ERR_ARG, "tg_sgd_new: parameter 1 is NULL");

    f = row(&o, "tg_adagrad_new", "eps 0");
    {
        tg_adagrad_opts s = tg_adagrad_defaults();
        s.eps = 0;
        on_null(o, tg_adagrad_new(&f->pa, &s));
    }
    expect(f, TG_ERR_VALUE, "tg_adagrad_new: eps must be finite and > 0, got 0");

    f = row(&o, "tg_adagrad_new", "ps NULL");
    on_null(o, tg_adagrad_new(NULL, NULL));
    expect(f, TG_ERR_ARG, "tg_adagrad_new: ps is NULL");

    f = row(&o, "tg_rmsprop_new", "alpha 1.5");
    {
        tg_rmsprop_opts s = tg_rmsprop_defaults();
        s.alpha = 1.5;
        on_null(o, tg_rmsprop_new(&f->pa, &s));
    }
    expect(f, TG_ERR_VALUE, "tg_rmsprop_new: alpha must be in [0, 1], got 1.5");

    f = row(&o, "tg_rmsprop_new", "ps NULL");
    on_null(o, tg_rmsprop_new(NULL, NULL));
    expect(f, TG_ERR_ARG, "tg_rmsprop_new: ps is NULL");

    f = row(&o, "tg_adam_new", "beta1 1");
    {
        tg_adam_opts s = tg_adam_defaults();
        s.beta1 = 1;
        on_null(o, tg_adam_new(&f->pa, &s));
    }
    expect(f, TG_ERR_VALUE, "tg_adam_new: beta1 must be in [0, 1), got 1");

    f = row(&o, "tg_adam_new", "lr NaN");
    {
        tg_adam_opts s = tg_adam_defaults();
        s.lr = NAN;
        on_null(o, tg_adam_new(&f->pa, &s));
    }
    expect(f, TG_ERR_VALUE, "tg_adam_new: lr must be finite and >= 0, got nan");

    f = row(&o, "tg_adam_new", "another optimizer's state as parameters");
    on_null(o, tg_adam_new(&f->sa, NULL));
    expect(f, TG_ERR_ARG, "tg_adam_new: parameter 0 ('a.0.W.exp_avg') must be a long-lived tensor with a gradient buffer");

    f = row(&o, "tg_adamw_new", "weight_decay negative");
    {
        tg_adam_opts s = tg_adamw_defaults();
        s.weight_decay = -1;
        on_null(o, tg_adamw_new(&f->pa, &s));
    }
    expect(f, TG_ERR_VALUE, "tg_adamw_new: weight_decay must be finite and >= 0, got -1");

    f = row(&o, "tg_adamw_new", "ps NULL");
    on_null(o, tg_adamw_new(NULL, NULL));
    expect(f, TG_ERR_ARG, "tg_adamw_new: ps is NULL");

    f = row(&o, "tg_optim_step", "opt NULL");
    on_status(o, tg_optim_step(NULL));
    expect(f, TG_ERR_ARG, "tg_optim_step: opt is NULL");

    f = row(&o, "tg_optim_step", "a NaN gradient (nothing changes)");
    {
        f->pa.items[1]->grad[2] = (tg_real)NAN;
        tg_real before = f->pa.items[0]->data[0];
        on_status(o, tg_optim_step(f->oa));
        if (f->pa.items[0]->data[0] != before) o->bad = "a parameter changed";
    }
    expect(f, TG_ERR_VALUE, "tg_optim_step: gradient of 'a.0.b' is not finite at element 2: nan");

    f = row(&o, "tg_optim_step", "step count not an integer");
    tg_params_find(&f->sa, "optim.step")->data[0] = (tg_real)2.5;
    on_status(o, tg_optim_step(f->oa));
    expect(f, TG_ERR_STATE, "tg_optim_step: the step count in the state is 2.5, not an integer in [0, $STEPMAX)");

    f = row(&o, "tg_optim_zero_grad", "NULL");
    tg_optim_zero_grad(NULL);
    on_value(o, true, "");
    expect(f, TG_OK, "");

    f = row(&o, "tg_optim_get_lr", "NULL");
    on_value(o, isnan(tg_optim_get_lr(NULL)), "NAN");
    expect(f, TG_ERR_ARG, "tg_optim_get_lr: opt is NULL");

    f = row(&o, "tg_optim_set_lr", "opt NULL");
    on_status(o, tg_optim_set_lr(NULL, 0.1));
    expect(f, TG_ERR_ARG, "tg_optim_set_lr: opt is NULL");

    f = row(&o, "tg_optim_set_lr", "lr negative (unchanged)");
    on_status(o, tg_optim_set_lr(f->oa, -0.5));
    if (tg_optim_get_lr(f->oa) != 1e-3) o->bad = "the lr changed";
    expect(f, TG_ERR_VALUE, "tg_optim_set_lr: lr must be finite and >= 0, got -0.5");

    f = row(&o, "tg_optim_set_lr", "lr infinite");
    on_status(o, tg_optim_set_lr(f->oa, INFINITY));
    expect(f, TG_ERR_VALUE, "tg_optim_set_lr: lr must be finite and >= 0, got inf");

    f = row(&o, "tg_optim_name", "NULL");
    on_value(o, strcmp(tg_optim_name(NULL), "") == 0, "\"\"");
    expect(f, TG_OK, "");

    f = row(&o, "tg_optim_state_size", "NULL");
    on_value(o, tg_optim_state_size(NULL) == 0, "0");
    expect(f, TG_OK, "");

    f = row(&o, "tg_optim_free", "NULL");
    tg_optim_free(NULL);
    on_value(o, true, "");
    expect(f, TG_OK, "");

    f = row(&o, "tg_optim_state", "opt NULL");
    on_status(o, tg_optim_state(NULL, &f->sa));
    expect(f, TG_ERR_ARG, "tg_optim_state: opt is NULL");

    f = row(&o, "tg_optim_state", "out NULL");
    on_status(o, tg_optim_state(f->oa, NULL));
    expect(f, TG_ERR_ARG, "tg_optim_state: out is NULL");

    f = row(&o, "tg_optim_state", "names already in the list");
    on_status(o, tg_optim_state(f->oa, &f->sa));
    expect(f, TG_ERR_ARG, "tg_optim_state: 'a.0.W.exp_avg' is already in the list");

    f = row(&o, "tg_optim_load_state", "opt NULL");
    on_status(o, tg_optim_load_state(NULL, &f->sa));
    expect(f, TG_ERR_ARG, "tg_optim_load_state: opt is NULL");

    f = row(&o, "tg_optim_load_state", "src NULL");
    on_status(o, tg_optim_load_state(f->oa, NULL));
    expect(f, TG_ERR_ARG, "tg_optim_load_state: src is NULL");

    f = row(&o, "tg_optim_load_state", "state of another model");
    {
        tg_params sb = {0};
        tg_optim_state(f->ob, &sb); /* model B's optimizer state given to A's optimizer */
        on_status(o, tg_optim_load_state(f->oa, &sb));
        tg_params_free(&sb);
    }
    expect(f, TG_ERR_ARG, "tg_optim_load_state: state tensor 'a.0.W.exp_avg' is missing");

    f = row(&o, "tg_optim_load_state", "same names, other shapes");
    {
        /* same names as A's state, other shapes: an optimizer of a wider model "a" */
        tg_mlp *w = tg_mlp_new("a", 3, (int[]){3, 5, 2}, TG_ACT_TANH, TG_ACT_IDENTITY, &f->rng);
        tg_params pw = {0}, sw = {0};
        tg_mlp_params(w, &pw);
        tg_optim *ow = tg_adam_new(&pw, NULL);
        tg_optim_state(ow, &sw);
        on_status(o, tg_optim_load_state(f->oa, &sw));
        tg_params_free(&sw);
        tg_optim_free(ow);
        tg_params_free(&pw);
        tg_mlp_free(w);
    }
    expect(f, TG_ERR_SHAPE, "tg_optim_load_state: 'a.0.W.exp_avg' has shape (3,5), expected (3,4)");

    f = row(&o, "tg_optim_load_state", "step count negative");
    {
        tg_params sc = {0};
        tg_optim *o2 = tg_adam_new(&f->pa, NULL);
        tg_optim_state(o2, &sc);
        tg_params_find(&sc, "optim.step")->data[0] = -3;
        on_status(o, tg_optim_load_state(f->oa, &sc));
        tg_params_free(&sc);
        tg_optim_free(o2);
    }
    expect(f, TG_ERR_VALUE, "tg_optim_load_state: 'optim.step' must be an integer in [0, $STEPMAX), got -3");

    f = row(&o, "tg_clip_grad_norm", "ps NULL");
    on_status(o, tg_clip_grad_norm(NULL, 1, 2, NULL));
    expect(f, TG_ERR_ARG, "tg_clip_grad_norm: ps is NULL");

    f = row(&o, "tg_clip_grad_norm", "max_norm negative");
    on_status(o, tg_clip_grad_norm(&f->pa, -1, 2, NULL));
    expect(f, TG_ERR_VALUE, "tg_clip_grad_norm: max_norm must be >= 0, got -1");

    f = row(&o, "tg_clip_grad_norm", "norm_type 0");
    on_status(o, tg_clip_grad_norm(&f->pa, 1, 0, NULL));
    expect(f, TG_ERR_VALUE, "tg_clip_grad_norm: norm_type must be > 0 (or INFINITY), got 0");

    f = row(&o, "tg_clip_grad_norm", "an infinite gradient");
    {
        f->pa.items[0]->grad[1] = (tg_real)INFINITY;
        double total = 0;
        on_status(o, tg_clip_grad_norm(&f->pa, 1, 2, &total));
        if (!isinf(total)) o->bad = "*total_norm = inf";
    }
    expect(f, TG_ERR_VALUE, "tg_clip_grad_norm: the total gradient norm is not finite (inf); gradients left unchanged");

    f = row(&o, "tg_clip_grad_value", "ps NULL");
    on_status(o, tg_clip_grad_value(NULL, 1));
    expect(f, TG_ERR_ARG, "tg_clip_grad_value: ps is NULL");

    f = row(&o, "tg_clip_grad_value", "clip negative");
    on_status(o, tg_clip_grad_value(&f->pa, -0.5));
    expect(f, TG_ERR_VALUE, "tg_clip_grad_value: clip must be >= 0, got -0.5");

    f = row(&o, "tg_sched_step_decay_new", "opt NULL");
    on_null(o, tg_sched_step_decay_new(NULL, 2, 0.5));
    expect(f, TG_ERR_ARG, "tg_sched_step_decay_new: opt is NULL");

    f = row(&o, "tg_sched_step_decay_new", "step_size 0");
    on_null(o, tg_sched_step_decay_new(f->oa, 0, 0.5));
    expect(f, TG_ERR_VALUE, "tg_sched_step_decay_new: step_size must be >= 1, got 0");

    f = row(&o, "tg_sched_step_decay_new", "gamma 0");
    on_null(o, tg_sched_step_decay_new(f->oa, 2, 0));
    expect(f, TG_ERR_VALUE, "tg_sched_step_decay_new: gamma must be finite and > 0, got 0");

    f = row(&o, "tg_sched_exponential_new", "gamma NaN");
    on_null(o, tg_sched_exponential_new(f->oa, NAN));
    expect(f, TG_ERR_VALUE, "tg_sched_exponential_new: gamma must be finite and > 0, got nan");

    f = row(&o, "tg_sched_exponential_new", "opt NULL");
    on_null(o, tg_sched_exponential_new(NULL, 0.9));
    expect(f, TG_ERR_ARG, "tg_sched_exponential_new: opt is NULL");

    f = row(&o, "tg_sched_cosine_new", "T_max 0");
    on_null(o, tg_sched_cosine_new(f->oa, 0, 0));
    expect(f, TG_ERR_VALUE, "tg_sched_cosine_new: T_max must be >= 1, got 0");

    f = row(&o, "tg_sched_cosine_new", "eta_min negative");
    on_null(o, tg_sched_cosine_new(f->oa, 10, -1));
    expect(f, TG_ERR_VALUE, "tg_sched_cosine_new: eta_min must be finite and >= 0, got -1");

    f = row(&o, "tg_sched_linear_new", "start_factor 1.5");
    on_null(o, tg_sched_linear_new(f->oa, 1.5, 1, 5));
    expect(f, TG_ERR_VALUE, "tg_sched_linear_new: start_factor must be in [0, 1], got 1.5");

    f = row(&o, "tg_sched_linear_new", "total_iters 0");
    on_null(o, tg_sched_linear_new(f->oa, 0.1, 1, 0));
    expect(f, TG_ERR_VALUE, "tg_sched_linear_new: total_iters must be >= 1, got 0");

    f = row(&o, "tg_sched_sequential_new", "opt NULL");
    on_null(o, tg_sched_sequential_new(NULL, NULL, 0, NULL));
    expect(f, TG_ERR_ARG, "tg_sched_sequential_new: opt is NULL");

    f = row(&o, "tg_sched_sequential_new", "n 0");
    on_null(o, tg_sched_sequential_new(f->oa, (tg_sched *[]){NULL}, 0, NULL));
    expect(f, TG_ERR_VALUE, "tg_sched_sequential_new: n must be >= 1, got 0");

    f = row(&o, "tg_sched_sequential_new", "a schedule of another optimizer");
    {
        tg_sched *s[2] = {tg_sched_exponential_new(f->oa, 0.9), tg_sched_exponential_new(f->ob, 0.9)};
        on_null(o, tg_sched_sequential_new(f->oa, s, 2, (int[]){3})); /* frees both */
    }
    expect(f, TG_ERR_ARG, "tg_sched_sequential_new: schedule 1 is bound to another optimizer");

    f = row(&o, "tg_sched_sequential_new", "milestones not increasing");
    {
        tg_sched *s[3] = {tg_sched_exponential_new(f->oa, 0.9), tg_sched_cosine_new(f->oa, 5, 0),
                          tg_sched_exponential_new(f->oa, 0.5)};
        on_null(o, tg_sched_sequential_new(f->oa, s, 3, (int[]){4, 4}));
    }
    expect(f, TG_ERR_VALUE, "tg_sched_sequential_new: milestones must be >= 1 and increasing, got 4 at 1");

    f = row(&o, "tg_sched_sequential_new", "milestones NULL");
    {
        tg_sched *s[2] = {tg_sched_exponential_new(f->oa, 0.9), tg_sched_cosine_new(f->oa, 5, 0)};
        on_null(o, tg_sched_sequential_new(f->oa, s, 2, NULL));
    }
    expect(f, TG_ERR_ARG, "tg_sched_sequential_new: milestones is NULL");

    f = row(&o, "tg_sched_sequential_new", "the same schedule twice");
    {
        tg_sched *e = tg_sched_exponential_new(f->oa, 0.9);
        tg_sched *s[2] = {e, e};
        on_null(o, tg_sched_sequential_new(f->oa, s, 2, (int[]){3}));
    }
    expect(f, TG_ERR_ARG, "tg_sched_sequential_new: schedules 0 and 1 are the same");

    f = row(&o, "tg_sched_step", "NULL");
    on_status(o, tg_sched_step(NULL));
    expect(f, TG_ERR_ARG, "tg_sched_step: s is NULL");

    f = row(&o, "tg_sched_epoch", "NULL");
    on_value(o, tg_sched_epoch(NULL) == -1, "-1");
    expect(f, TG_OK, "");

    f = row(&o, "tg_sched_set_epoch", "epoch negative");
    on_status(o, tg_sched_set_epoch(f->sc, -1));
    expect(f, TG_ERR_VALUE, "tg_sched_set_epoch: epoch must be in [0, INT_MAX], got -1");

    f = row(&o, "tg_sched_set_epoch", "NULL");
    on_status(o, tg_sched_set_epoch(NULL, 3));
    expect(f, TG_ERR_ARG, "tg_sched_set_epoch: s is NULL");

    f = row(&o, "tg_sched_lr_at", "negative epoch, NULL");
    on_value(o, isnan(tg_sched_lr_at(f->sc, -1)) && isnan(tg_sched_lr_at(NULL, 0)), "NAN");
    expect(f, TG_OK, "");

    f = row(&o, "tg_sched_free", "NULL");
    tg_sched_free(NULL);
    on_value(o, true, "");
    expect(f, TG_OK, "");

    return bad_done("optim/include/tapegrad/tg_optim.h");
}
