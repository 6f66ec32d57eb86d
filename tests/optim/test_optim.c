/* test_optim.c — the optimizer interface: hand-computed steps, every error path with
 * its message, the failed step that changes nothing, the remembered parameter list,
 * state as named tensors (save/restore reproduces the trajectory bit for bit), no
 * allocation per step, and out-of-memory at creation. No tape: gradients are written
 * by hand. (PyTorch agreement: test_optim_torch.c.)
 */
#include <unistd.h>
#include "check.h"
#include <tg/core.h> /* tg__alloc_fail_after: out-of-memory paths */

#if TG_REAL_IS_DOUBLE
#define EPS 1e-14
#else
#define EPS 1e-6
#endif

static tg_tensor *param(const char *name, int n, const double *v) {
    tg_tensor *p = tg_param_new(name, 1, (int[]){n});
    for (int i = 0; i < n; i++) p->data[i] = (tg_real)v[i];
    return p;
}

/* A fixed pseudo-gradient: g = p - target + 0.3 sin(k p) (smooth, not a pure
 * quadratic, different every step k). */
static void fake_grad(tg_params *ps, int k) {
    for (int i = 0; i < ps->n; i++) {
        tg_tensor *p = ps->items[i];
        for (size_t j = 0; j < p->size; j++) {
            double x = (double)p->data[j];
            p->grad[j] = (tg_real)(x - 0.5 * (double)(j + 1) + 0.3 * sin((k + 1) * x));
        }
    }
}

/* ---- hand-computed steps ---- */

static void test_hand_steps(void) {
    tg_tensor *w = param("w", 2, (double[]){1.0, -2.0});
    tg_params ps = {0};
    tg_params_add(&ps, w);

    /* SGD, momentum 0.9, dampening 0.5, weight decay 0.1, lr 0.1, constant g = (1, 2):
     * step 1: d = g + 0.1 p = (1.1, 1.8); buf = d (no dampening on the first step);
     *         p = (1 - 0.11, -2 - 0.18) = (0.89, -2.18)
     * step 2: d = (1.089, 1.782); buf = 0.9 buf + 0.5 d = (1.5345, 2.511);
     *         p = (0.89 - 0.15345, -2.18 - 0.2511) */
    tg_sgd_opts so = {.lr = 0.1, .momentum = 0.9, .dampening = 0.5, .weight_decay = 0.1};
    tg_optim *o = tg_sgd_new(&ps, &so);
    for (int k = 0; k < 2; k++) {
        w->grad[0] = 1, w->grad[1] = 2;
        CHECK(tg_optim_step(o) == TG_OK, "sgd step");
    }
    CHECK_NEAR(w->data[0], 0.89 - 0.15345, EPS);
    CHECK_NEAR(w->data[1], -2.18 - 0.2511, EPS);
    tg_optim_free(o);

    /* Nesterov: d = g + mu buf; first step buf = g -> p -= lr (1 + mu) g. */
    w->data[0] = 1, w->data[1] = -2;
    so = (tg_sgd_opts){.lr = 0.1, .momentum = 0.5, .nesterov = true};
    o = tg_sgd_new(&ps, &so);
    w->grad[0] = 1, w->grad[1] = 2;
    tg_optim_step(o);
    CHECK_NEAR(w->data[0], 1 - 0.15, EPS);
    CHECK_NEAR(w->data[1], -2 - 0.3, EPS);
    tg_optim_free(o);

    /* Adam's first step is lr * g / (|g| + eps) whatever the betas (bias correction). */
    w->data[0] = 1, w->data[1] = -2;
    tg_adam_opts ao = tg_adam_defaults();
    ao.lr = 0.1, ao.beta1 = 0.7, ao.beta2 = 0.8, ao.eps = 1e-3;
    o = tg_adam_new(&ps, &ao);
    w->grad[0] = 0.5, w->grad[1] = -4;
    tg_optim_step(o);
    CHECK_NEAR(w->data[0], 1 - 0.1 * 0.5 / (0.5 + 1e-3), EPS);
    CHECK_NEAR(w->data[1], -2 + 0.1 * 4 / (4 + 1e-3), EPS);
    tg_optim_free(o);

    /* AdamW decays first: p = p (1 - lr wd), then the Adam step. */
    w->data[0] = 1, w->data[1] = -2;
    ao = tg_adamw_defaults();
    ao.lr = 0.1, ao.weight_decay = 0.5, ao.eps = 1e-3;
    o = tg_adamw_new(&ps, &ao);
    w->grad[0] = 0.5, w->grad[1] = -4;
    tg_optim_step(o);
    CHECK_NEAR(w->data[0], 0.95 - 0.1 * 0.5 / (0.5 + 1e-3), EPS);
    CHECK_NEAR(w->data[1], -1.9 + 0.1 * 4 / (4 + 1e-3), EPS);
    tg_optim_free(o);

    /* Adagrad with initial accumulator 1: p -= lr g / (sqrt(1 + g^2) + eps). */
    w->data[0] = 1, w->data[1] = -2;
    tg_adagrad_opts ag = tg_adagrad_defaults();
    ag.lr = 0.5, ag.initial_accumulator_value = 1;
    o = tg_adagrad_new(&ps, &ag);
    w->grad[0] = 0.75, w->grad[1] = 0;
    tg_optim_step(o);
    CHECK_NEAR(w->data[0], 1 - 0.5 * 0.75 / (sqrt(1 + 0.5625) + 1e-10), EPS);
    CHECK_NEAR(w->data[1], -2, 0);
    tg_optim_free(o);

    /* RMSProp: sq = (1 - alpha) g^2, p -= lr g / (sqrt(sq) + eps). */
    w->data[0] = 1, w->data[1] = -2;
    tg_rmsprop_opts ro = tg_rmsprop_defaults();
    ro.lr = 0.01, ro.alpha = 0.75;
    o = tg_rmsprop_new(&ps, &ro);
    w->grad[0] = 2, w->grad[1] = -1;
    tg_optim_step(o);
    CHECK_NEAR(w->data[0], 1 - 0.01 * 2 / (sqrt(0.25 * 4) + 1e-8), EPS);
    CHECK_NEAR(w->data[1], -2 + 0.01 * 1 / (sqrt(0.25) + 1e-8), EPS);
    tg_optim_free(o);

    tg_params_free(&ps);
    tg_tensor_free(w);
}

/* ---- errors ---- */

static void test_option_errors(void) {
    tg_tensor *w = param("w", 2, (double[]){1, 2});
    tg_params ps = {0};
    tg_params_add(&ps, w);

#define BAD(call, st, msg)                                                   \
    do {                                                                     \
        tg_clear_error();                                                    \
        CHECK((call) == NULL, "%s should fail", #call);                      \
        CHECK_ERR(NULL, st, msg);                                            \
    } while (0)
    tg_sgd_opts s = tg_sgd_defaults();
    s.lr = -0.1;
    BAD(tg_sgd_new(&ps, &s), TG_ERR_VALUE, "tg_sgd_new: lr must be finite and >= 0, got -0.1");
    s = tg_sgd_defaults(), s.lr = INFINITY;
    BAD(tg_sgd_new(&ps, &s), TG_ERR_VALUE, "tg_sgd_new: lr must be finite and >= 0, got inf");
    s = tg_sgd_defaults(), s.momentum = -0.5;
    BAD(tg_sgd_new(&ps, &s), TG_ERR_VALUE, "tg_sgd_new: momentum must be finite and >= 0, got -0.5");
    s = tg_sgd_defaults(), s.weight_decay = NAN;
    BAD(tg_sgd_new(&ps, &s), TG_ERR_VALUE, "tg_sgd_new: weight_decay must be finite and >= 0, got nan");
    s = tg_sgd_defaults(), s.dampening = INFINITY;
    BAD(tg_sgd_new(&ps, &s), TG_ERR_VALUE, "tg_sgd_new: dampening must be finite, got inf");
    s = tg_sgd_defaults(), s.nesterov = true;
    BAD(tg_sgd_new(&ps, &s), TG_ERR_VALUE,
        "tg_sgd_new: nesterov needs momentum > 0 and dampening == 0, got momentum 0, dampening 0");
    s.momentum = 0.9, s.dampening = 0.1;
    BAD(tg_sgd_new(&ps, &s), TG_ERR_VALUE,
        "tg_sgd_new: nesterov needs momentum > 0 and dampening == 0, got momentum 0.9, dampening 0.1");

    tg_adagrad_opts a = tg_adagrad_defaults();
    a.eps = 0;
    BAD(tg_adagrad_new(&ps, &a), TG_ERR_VALUE, "tg_adagrad_new: eps must be finite and > 0, got 0");
    a = tg_adagrad_defaults(), a.lr_decay = -1;
    BAD(tg_adagrad_new(&ps, &a), TG_ERR_VALUE, "tg_adagrad_new: lr_decay must be finite and >= 0, got -1");
    a = tg_adagrad_defaults(), a.initial_accumulator_value = -2;
    BAD(tg_adagrad_new(&ps, &a), TG_ERR_VALUE,
        "tg_adagrad_new: initial_accumulator_value must be finite and >= 0, got -2");

    tg_rmsprop_opts r = tg_rmsprop_defaults();
    r.alpha = 1.5;
    BAD(tg_rmsprop_new(&ps, &r), TG_ERR_VALUE, "tg_rmsprop_new: alpha must be in [0, 1], got 1.5");
    r = tg_rmsprop_defaults(), r.eps = -1e-8;
    BAD(tg_rmsprop_new(&ps, &r), TG_ERR_VALUE, "tg_rmsprop_new: eps must be finite and > 0, got -1e-08");
    r = tg_rmsprop_defaults(), r.momentum = -0.1;
    BAD(tg_rmsprop_new(&ps, &r), TG_ERR_VALUE, "tg_rmsprop_new: momentum must be finite and >= 0, got -0.1");

    tg_adam_opts d = tg_adam_defaults();
    d.beta1 = 1;
    BAD(tg_adam_new(&ps, &d), TG_ERR_VALUE, "tg_adam_new: beta1 must be in [0, 1), got 1");
    d = tg_adam_defaults(), d.beta2 = -0.1;
    BAD(tg_adam_new(&ps, &d), TG_ERR_VALUE, "tg_adam_new: beta2 must be in [0, 1), got -0.1");
    d = tg_adam_defaults(), d.beta2 = NAN;
    BAD(tg_adamw_new(&ps, &d), TG_ERR_VALUE, "tg_adamw_new: beta2 must be in [0, 1), got nan");
    d = tg_adam_defaults(), d.eps = 0;
    BAD(tg_adamw_new(&ps, &d), TG_ERR_VALUE, "tg_adamw_new: eps must be finite and > 0, got 0");
    d = tg_adamw_defaults(), d.weight_decay = -0.01;
    BAD(tg_adamw_new(&ps, &d), TG_ERR_VALUE, "tg_adamw_new: weight_decay must be finite and >= 0, got -0.01");
    d = tg_adam_defaults(), d.lr = -1e-3;
    BAD(tg_adam_new(&ps, &d), TG_ERR_VALUE, "tg_adam_new: lr must be finite and >= 0, got -0.001");

    /* The parameter list. */
    BAD(tg_adam_new(NULL, NULL), TG_ERR_ARG, "tg_adam_new: ps is NULL");
    tg_params empty = {0};
    BAD(tg_sgd_new(&empty, NULL), TG_ERR_ARG, "tg_sgd_new: the parameter list is empty");
    /* A list filled by hand with a tensor that has no gradient buffer. */
    tg_tensor *nograd = tg_tensor_new(1, (int[]){3}, 0);
    snprintf(nograd->name, sizeof nograd->name, "frozen");
    tg_tensor *items[2] = {w, nograd};
    tg_params bad = {items, 2, 2};
    BAD(tg_rmsprop_new(&bad, NULL), TG_ERR_ARG,
        "tg_rmsprop_new: parameter 1 ('frozen') must be a long-lived tensor with a gradient buffer");
    items[1] = NULL;
    BAD(tg_rmsprop_new(&bad, NULL), TG_ERR_ARG, "tg_rmsprop_new: parameter 1 is NULL");
    tg_tensor_free(nograd);
    /* A name so long that "<name>.max_exp_avg_sq" does not fit in 47 characters. */
    tg_tensor *longp = tg_param_new("encoder.layers.3.attention.query.weight", 1, (int[]){2});
    tg_params lp = {0};
    tg_params_add(&lp, longp);
    d = tg_adam_defaults(), d.amsgrad = true;
    BAD(tg_adam_new(&lp, &d), TG_ERR_ARG,
        "tg_adam_new: state name 'encoder.layers.3.attention.query.weight.exp_avg_sq' of "
        "parameter 0 is longer than 47 characters");
    tg_optim *ok = tg_sgd_new(&lp, NULL); /* plain SGD has no per-parameter state */
    CHECK(ok != NULL, "long name, no state: %s", tg_last_error());
    tg_optim_free(ok);
    /* Unnamed parameters get "param<i>"; one named so as well would clash. */
    tg_tensor *u0 = tg_param_new(NULL, 1, (int[]){1}), *u1 = tg_param_new("param0", 1, (int[]){1});
    tg_params up = {0};
    tg_params_add(&up, u0);
    tg_params_add(&up, u1);
    BAD(tg_adagrad_new(&up, NULL), TG_ERR_ARG, "tg_adagrad_new: two parameters give the state name 'param0.sum'");
    tg_params_free(&up), tg_params_free(&lp);
    tg_tensor_free(u0), tg_tensor_free(u1), tg_tensor_free(longp);
#undef BAD

    /* The rest of the interface. */
    tg_optim *o = tg_adam_new(&ps, NULL);
    CHECK(tg_optim_set_lr(o, -1) == TG_ERR_VALUE, "set_lr -1");
    CHECK_ERR(NULL, TG_ERR_VALUE, "tg_optim_set_lr: lr must be finite and >= 0, got -1");
    CHECK(tg_optim_get_lr(o) == 1e-3, "lr unchanged after a failed set");
    CHECK(tg_optim_set_lr(o, 0.25) == TG_OK && tg_optim_get_lr(o) == 0.25, "set_lr");
    CHECK(tg_optim_set_lr(NULL, 1) == TG_ERR_ARG, "set_lr NULL");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_optim_set_lr: opt is NULL");
    CHECK(isnan(tg_optim_get_lr(NULL)), "get_lr NULL");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_optim_get_lr: opt is NULL");
    CHECK(tg_optim_step(NULL) == TG_ERR_ARG, "step NULL");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_optim_step: opt is NULL");
    CHECK(strcmp(tg_optim_name(o), "adam") == 0 && strcmp(tg_optim_name(NULL), "") == 0, "name");
    CHECK(tg_optim_state_size(NULL) == 0, "state size NULL");
    tg_optim_zero_grad(NULL);
    tg_optim_free(NULL);
    tg_optim_free(o);
    tg_params_free(&ps);
    tg_tensor_free(w);
}

/* ---- the optimizer kinds under test, with state-heavy options ---- */

#define N_KINDS 8
static tg_optim *make_kind(int k, const tg_params *ps) {
    switch (k) {
    case 0: return tg_sgd_new(ps, &(tg_sgd_opts){.lr = 0.05});
    case 1: return tg_sgd_new(ps, &(tg_sgd_opts){.lr = 0.05, .momentum = 0.9, .nesterov = true, .weight_decay = 0.01});
    case 2: return tg_adagrad_new(ps, &(tg_adagrad_opts){.lr = 0.1, .lr_decay = 0.01, .initial_accumulator_value = 0.1, .eps = 1e-10});
    case 3: return tg_rmsprop_new(ps, &(tg_rmsprop_opts){.lr = 0.01, .alpha = 0.9, .eps = 1e-8, .momentum = 0.5, .centered = true});
    case 4: return tg_rmsprop_new(ps, NULL);
    case 5: return tg_adam_new(ps, NULL);
    case 6: return tg_adam_new(ps, &(tg_adam_opts){.lr = 0.01, .beta1 = 0.9, .beta2 = 0.9, .eps = 1e-8, .amsgrad = true});
    default: return tg_adamw_new(ps, NULL);
    }
}
/* Per-parameter buffers of each kind, and the first buffer's key. */
static const int kind_nbuf[N_KINDS] = {0, 1, 1, 3, 1, 2, 3, 2};
static const char *const kind_key[N_KINDS] = {NULL, "momentum_buffer", "sum", "square_avg",
                                              "square_avg", "exp_avg", "exp_avg", "exp_avg"};

static void snapshot(const tg_params *ps, const tg_params *st, double *out) {
    size_t k = 0;
    for (int i = 0; i < ps->n; i++)
        for (size_t j = 0; j < ps->items[i]->size; j++) out[k++] = (double)ps->items[i]->data[j];
    for (int i = 0; i < st->n; i++)
        for (size_t j = 0; j < st->items[i]->size; j++) out[k++] = (double)st->items[i]->data[j];
}

/* A non-finite gradient: the step fails and changes nothing at all. */
static void test_nonfinite_grad(void) {
    for (int k = 0; k < N_KINDS; k++) {
        tg_tensor *a = param("a", 3, (double[]){0.5, -1, 2}), *b = param("b", 2, (double[]){1, 1});
        tg_params ps = {0}, st = {0};
        tg_params_add(&ps, a), tg_params_add(&ps, b);
        tg_optim *o = make_kind(k, &ps);
        tg_optim_state(o, &st);
        for (int s = 0; s < 3; s++) fake_grad(&ps, s), tg_optim_step(o); /* non-trivial state */
        double before[64], after[64];
        snapshot(&ps, &st, before);
        fake_grad(&ps, 5);
        b->grad[1] = (tg_real)(k % 2 ? NAN : -INFINITY);
        CHECK(tg_optim_step(o) == TG_ERR_VALUE, "%s: step with a bad gradient", tg_optim_name(o));
        CHECK_ERR(NULL, TG_ERR_VALUE, k % 2 ? "tg_optim_step: gradient of 'b' is not finite at element 1: nan"
                                            : "tg_optim_step: gradient of 'b' is not finite at element 1: -inf");
        snapshot(&ps, &st, after);
        size_t n = tg_params_numel(&ps) + tg_params_numel(&st);
        CHECK(memcmp(before, after, n * sizeof *before) == 0, "%s: the failed step changed something",
              tg_optim_name(o));
        tg_optim_free(o);
        tg_params_free(&ps), tg_params_free(&st);
        tg_tensor_free(a), tg_tensor_free(b);
    }
}

/* Plain Adam's vectorised loop and the finiteness check's, at sizes around the vector
 * widths (1, 7, 33, 255, 257), against the rule written out here element by element:
 * the same bits (no fused multiply-adds in either). A non-finite gradient is found at
 * the first and the last element (the vector loops' tails). */
static void test_vector_sizes(void) {
    static const int sizes[] = {1, 7, 33, 255, 257};
    const double b1 = 0.9, b2 = 0.999, lr = 1e-3, eps = 1e-8;
    for (int si = 0; si < 5; si++) {
        int n = sizes[si];
        tg_tensor *w = tg_param_new("w", 1, (int[]){n});
        tg_real ref_p[257], ref_m[257] = {0}, ref_v[257] = {0};
        for (int j = 0; j < n; j++) ref_p[j] = w->data[j] = (tg_real)(0.1 * j - 3 + 0.01 * si);
        tg_params ps = {0}, st = {0};
        tg_params_add(&ps, w);
        tg_optim *o = tg_adam_new(&ps, NULL);
        tg_optim_state(o, &st);
        bool same = st.n == 3 && strcmp(st.items[0]->name, "w.exp_avg") == 0 &&
                    strcmp(st.items[1]->name, "w.exp_avg_sq") == 0; /* and optim.step */
        for (int k = 0; k < 3 && same; k++) {
            fake_grad(&ps, k);
            same = tg_optim_step(o) == TG_OK;
            double bc1 = 1 - pow(b1, k + 1), bc2 = 1 - pow(b2, k + 1);
            double step = lr / bc1, bc2_sqrt = sqrt(bc2);
            for (int j = 0; j < n; j++) {
#if TG_REAL_IS_DOUBLE
                double d = w->grad[j];
                ref_m[j] = ref_m[j] * b1 + (1.0 - b1) * d;
                ref_v[j] = ref_v[j] * b2 + (1.0 - b2) * (d * d);
                ref_p[j] = ref_p[j] + (-step) * (ref_m[j] / (sqrt(ref_v[j]) / bc2_sqrt + eps));
#else
                float d = w->grad[j];
                ref_m[j] = ref_m[j] * (float)b1 + (float)(1.0 - b1) * d;
                ref_v[j] = ref_v[j] * (float)b2 + (float)(1.0 - b2) * (d * d);
                ref_p[j] = ref_p[j] - (float)step * (ref_m[j] / (sqrtf(ref_v[j]) / (float)bc2_sqrt + (float)eps));
#endif
            }
        }
        same = same && memcmp(w->data, ref_p, (size_t)n * sizeof *ref_p) == 0 &&
               memcmp(st.items[0]->data, ref_m, (size_t)n * sizeof *ref_m) == 0 &&
               memcmp(st.items[1]->data, ref_v, (size_t)n * sizeof *ref_v) == 0;
        CHECK(same, "adam, %d elements: the bits of the element-by-element rule", n);
        for (int at = 0; at < 2; at++) {
            fake_grad(&ps, 4);
            w->grad[at ? n - 1 : 0] = (tg_real)NAN;
            CHECK(tg_optim_step(o) == TG_ERR_VALUE && memcmp(w->data, ref_p, (size_t)n * sizeof *ref_p) == 0,
                  "%d elements: a NaN at element %d refused, nothing changed", n, at ? n - 1 : 0);
        }
        tg_optim_free(o);
        tg_params_free(&ps), tg_params_free(&st);
        tg_tensor_free(w);
    }
}

/* The optimizer steps the list it was made with, whatever happens to the caller's. */
static void test_remembered_list(void) {
    tg_tensor *a = param("a", 2, (double[]){1, 2}), *b = param("b", 1, (double[]){3});
    tg_params ps = {0};
    tg_params_add(&ps, a);
    tg_optim *o = tg_sgd_new(&ps, &(tg_sgd_opts){.lr = 0.5});
    tg_params_add(&ps, b); /* added after: not the optimizer's */
    a->grad[0] = 1, a->grad[1] = 1, b->grad[0] = 1;
    tg_params_free(&ps);   /* the caller's array is gone */
    CHECK(tg_optim_step(o) == TG_OK, "step: %s", tg_last_error());
    CHECK(a->data[0] == (tg_real)0.5 && a->data[1] == (tg_real)1.5 && b->data[0] == 3, "only a moved");
    tg_optim_zero_grad(o);
    CHECK(a->grad[0] == 0 && a->grad[1] == 0 && b->grad[0] == 1, "zero_grad of its own list only");
    CHECK(tg_optim_state_size(o) == 1, "plain SGD: just the step count");
    tg_optim_free(o);
    tg_tensor_free(a), tg_tensor_free(b);
}

/* State as named tensors; save after 7 steps, restore into a fresh optimizer on a
 * copy of the parameters, and both continue identically for 13 more steps. */
static void test_state_restore(void) {
    for (int k = 0; k < N_KINDS; k++) {
        tg_tensor *a = param("a", 3, (double[]){0.5, -1, 2}), *b = param("b", 2, (double[]){1, -3});
        tg_params ps = {0}, st = {0};
        tg_params_add(&ps, a), tg_params_add(&ps, b);
        tg_optim *o = make_kind(k, &ps);
        const char *nm = tg_optim_name(o);
        CHECK(tg_optim_state(o, &st) == TG_OK, "%s: state: %s", nm, tg_last_error());
        CHECK(st.n == 2 * kind_nbuf[k] + 1, "%s: %d state tensors", nm, st.n);
        CHECK(tg_optim_state_size(o) == (size_t)kind_nbuf[k] * 5 + 1, "%s: state size %zu", nm,
              tg_optim_state_size(o));
        tg_tensor *step = tg_params_find(&st, "optim.step");
        CHECK(step && step->rank == 0 && step->data[0] == 0, "%s: optim.step", nm);
        if (kind_key[k]) {
            char want[64];
            snprintf(want, sizeof want, "b.%s", kind_key[k]);
            tg_tensor *t = tg_params_find(&st, want);
            CHECK(t && t->rank == 1 && t->shape[0] == 2 && !t->grad, "%s: %s", nm, want);
        }
        /* Appending twice collides. */
        CHECK(tg_optim_state(o, &st) == TG_ERR_ARG, "%s: duplicate", nm);
        char dup[96];
        if (kind_key[k]) snprintf(dup, sizeof dup, "tg_optim_state: 'a.%s' is already in the list", kind_key[k]);
        else snprintf(dup, sizeof dup, "tg_optim_state: 'optim.step' is already in the list");
        CHECK_ERR(NULL, TG_ERR_ARG, dup);
        CHECK(st.n == 2 * kind_nbuf[k] + 1, "%s: nothing appended on error", nm);

        for (int s = 0; s < 7; s++) fake_grad(&ps, s), tg_optim_step(o);
        CHECK(step->data[0] == 7, "%s: 7 steps counted", nm);

        /* A copy of the model, a fresh optimizer, the saved state loaded. */
        tg_tensor *a2 = tg_param_new("a", 1, (int[]){3}), *b2 = tg_param_new("b", 1, (int[]){2});
        memcpy(a2->data, a->data, 3 * sizeof(tg_real));
        memcpy(b2->data, b->data, 2 * sizeof(tg_real));
        tg_params ps2 = {0};
        tg_params_add(&ps2, a2), tg_params_add(&ps2, b2);
        tg_optim *o2 = make_kind(k, &ps2);
        CHECK(tg_optim_load_state(o2, &st) == TG_OK, "%s: load: %s", nm, tg_last_error());
        for (int s = 7; s < 20; s++) {
            fake_grad(&ps, s), fake_grad(&ps2, s);
            tg_optim_step(o), tg_optim_step(o2);
        }
        bool same = memcmp(a->data, a2->data, 3 * sizeof(tg_real)) == 0 &&
                    memcmp(b->data, b2->data, 2 * sizeof(tg_real)) == 0;
        CHECK(same, "%s: restored trajectory differs: %.17g vs %.17g", nm, (double)a->data[0],
              (double)a2->data[0]);
        /* Without the state the continuation differs: the state matters. */
        if (k != 0) {
            tg_tensor *a3 = tg_param_new("a", 1, (int[]){3}), *b3 = tg_param_new("b", 1, (int[]){2});
            memcpy(a3->data, a2->data, 3 * sizeof(tg_real)); /* a2 is at step 20; rerun 7..20 */
            tg_params ps3 = {0};
            tg_params_add(&ps3, a3), tg_params_add(&ps3, b3);
            tg_optim *o3 = make_kind(k, &ps3);
            tg_optim *o4 = make_kind(k, &ps3);
            CHECK(tg_optim_load_state(o4, &st) == TG_OK, "%s: load", nm);
            /* Same start, one optimizer with the saved state and one fresh. */
            memcpy(b3->data, b2->data, 2 * sizeof(tg_real));
            fake_grad(&ps3, 20);
            tg_real g0 = a3->grad[0], p0 = a3->data[0];
            tg_optim_step(o3);
            tg_real fresh = a3->data[0];
            a3->data[0] = p0, a3->grad[0] = g0;
            tg_optim_step(o4);
            CHECK(fresh != a3->data[0], "%s: the loaded state made no difference", nm);
            tg_optim_free(o3), tg_optim_free(o4);
            tg_params_free(&ps3), tg_tensor_free(a3), tg_tensor_free(b3);
        }

        /* Error paths of load_state, each leaving the state untouched. */
        tg_params st2 = {0};
        tg_optim_state(o2, &st2);
        double before[64], after[64];
        snapshot(&ps2, &st2, before);
        tg_params partial = {0};
        tg_optim_state(o2, &partial);
        partial.n--; /* drop "optim.step" */
        CHECK(tg_optim_load_state(o, &partial) == TG_ERR_ARG, "%s: missing", nm);
        CHECK_ERR(NULL, TG_ERR_ARG, "tg_optim_load_state: state tensor 'optim.step' is missing");
        /* Another model: "b" has 3 elements there. */
        if (kind_nbuf[k] > 0) {
            tg_tensor *c1 = tg_param_new("a", 1, (int[]){3}), *c2 = tg_param_new("b", 1, (int[]){3});
            tg_params other = {0}, ost = {0};
            tg_params_add(&other, c1), tg_params_add(&other, c2);
            tg_optim *oo = make_kind(k, &other);
            tg_optim_state(oo, &ost);
            CHECK(tg_optim_load_state(o2, &ost) == TG_ERR_SHAPE, "%s: other model", nm);
            char msg[128];
            snprintf(msg, sizeof msg, "tg_optim_load_state: 'b.%s' has shape (3), expected (2)", kind_key[k]);
            CHECK_ERR(NULL, TG_ERR_SHAPE, msg);
            tg_optim_free(oo);
            tg_params_free(&other), tg_params_free(&ost);
            tg_tensor_free(c1), tg_tensor_free(c2);
        }
        step->data[0] = (tg_real)2.5;
        CHECK(tg_optim_load_state(o2, &st) == TG_ERR_VALUE, "%s: bad step", nm);
        CHECK_ERR(NULL, TG_ERR_VALUE, "tg_optim_load_state: 'optim.step' must be an integer in [0, ");
        snapshot(&ps2, &st2, after);
        CHECK(memcmp(before, after, (tg_params_numel(&ps2) + tg_params_numel(&st2)) * sizeof *before) == 0,
              "%s: failed loads changed the state", nm);
        /* A step count overwritten in place is caught by the step itself. */
        step->data[0] = -1;
        CHECK(tg_optim_step(o) == TG_ERR_STATE, "%s: corrupt step", nm);
        CHECK_ERR(NULL, TG_ERR_STATE, "tg_optim_step: the step count in the state is -1, not an integer in [0, ");
        CHECK(tg_optim_load_state(NULL, &st) == TG_ERR_ARG && tg_optim_state(o, NULL) == TG_ERR_ARG, "NULLs");

        tg_params_free(&partial), tg_params_free(&st2);
        tg_optim_free(o2), tg_optim_free(o);
        tg_params_free(&ps2), tg_params_free(&ps), tg_params_free(&st);
        tg_tensor_free(a2), tg_tensor_free(b2), tg_tensor_free(a), tg_tensor_free(b);
    }
}

/* The checkpoint format round trip: parameters, optimizer state and the schedule's
 * epoch saved after 7 steps; a new process (here: new tensors, a new optimizer and
 * schedule made with the same options) loads them and continues bit for bit. */
static void test_checkpoint_resume(void) {
    char path[64];
    snprintf(path, sizeof path, "test_optim_%ld.ckpt", (long)getpid());
    for (int k = 0; k < N_KINDS; k++) {
        tg_tensor *a = param("a", 3, (double[]){0.5, -1, 2}), *b = param("b", 2, (double[]){1, -3});
        tg_tensor *a2 = tg_param_new("a", 1, (int[]){3}), *b2 = tg_param_new("b", 1, (int[]){2});
        tg_params ps = {0}, st = {0}, ps2 = {0}, st2 = {0};
        tg_params_add(&ps, a), tg_params_add(&ps, b), tg_params_add(&ps2, a2), tg_params_add(&ps2, b2);
        tg_optim *o = make_kind(k, &ps), *o2 = make_kind(k, &ps2);
        tg_sched *s = tg_sched_cosine_new(o, 15, 1e-4), *s2 = tg_sched_cosine_new(o2, 15, 1e-4);
        tg_optim_state(o, &st), tg_optim_state(o2, &st2);
        const char *nm = tg_optim_name(o);
        for (int i = 0; i < 7; i++) fake_grad(&ps, i), tg_optim_step(o), tg_sched_step(s);

        const tg_params *save[2] = {&ps, &st}, *load[2] = {&ps2, &st2};
        tg_checkpoint_meta meta = {0};
        tg_checkpoint_meta_add(&meta, (uint64_t)tg_sched_epoch(s));
        CHECK(tg_checkpoint_save(path, save, 2, &meta) == TG_OK, "%s: save: %s", nm, tg_last_error());
        tg_checkpoint_meta got = {0};
        CHECK(tg_checkpoint_load(path, load, 2, &got) == TG_OK, "%s: load: %s", nm, tg_last_error());
        CHECK(got.n == 1 && tg_sched_set_epoch(s2, (int)got.v[0]) == TG_OK, "%s: epoch", nm);
        CHECK(tg_optim_get_lr(o2) == tg_optim_get_lr(o), "%s: lr after resume", nm);

        for (int i = 7; i < 20; i++) {
            fake_grad(&ps, i), fake_grad(&ps2, i);
            tg_optim_step(o), tg_optim_step(o2);
            tg_sched_step(s), tg_sched_step(s2);
        }
        double x[64], y[64];
        snapshot(&ps, &st, x);
        snapshot(&ps2, &st2, y);
        CHECK(memcmp(x, y, (tg_params_numel(&ps) + tg_params_numel(&st)) * sizeof *x) == 0,
              "%s: resumed run differs: %.17g vs %.17g", nm, x[0], y[0]);

        tg_sched_free(s), tg_sched_free(s2);
        tg_optim_free(o), tg_optim_free(o2);
        tg_params_free(&ps), tg_params_free(&st), tg_params_free(&ps2), tg_params_free(&st2);
        tg_tensor_free(a), tg_tensor_free(b), tg_tensor_free(a2), tg_tensor_free(b2);
    }
    remove(path);
}

/* State is allocated once: steps, zero_grad, set_lr allocate nothing. */
static void test_no_alloc_per_step(void) {
    tg_tensor *a = param("a", 3, (double[]){0.5, -1, 2}), *b = param("b", 2, (double[]){1, -3});
    tg_params ps = {0};
    tg_params_add(&ps, a), tg_params_add(&ps, b);
    for (int k = 0; k < N_KINDS; k++) {
        tg_optim *o = make_kind(k, &ps);
        size_t before = tg_alloc_count();
        for (int s = 0; s < 100; s++) {
            tg_optim_zero_grad(o);
            fake_grad(&ps, s);
            tg_clip_grad_norm(&ps, 1.0, 2.0, NULL);
            tg_optim_step(o);
            tg_optim_set_lr(o, tg_optim_get_lr(o) * 0.99);
        }
        CHECK(tg_alloc_count() == before, "%s: %zu allocations in 100 steps", tg_optim_name(o),
              tg_alloc_count() - before);
        tg_optim_free(o);
    }
    tg_params_free(&ps);
    tg_tensor_free(a), tg_tensor_free(b);
}

/* Out of memory at every allocation of creation: NULL, TG_ERR_NOMEM, nothing leaked. */
static void test_out_of_memory(void) {
    tg_tensor *a = param("a", 3, (double[]){0.5, -1, 2}), *b = param("b", 2, (double[]){1, -3});
    tg_params ps = {0};
    tg_params_add(&ps, a), tg_params_add(&ps, b);
    for (int k = 0; k < N_KINDS; k++) {
        for (size_t n = 1; n < 20; n++) {
            size_t live = tg_alloc_live();
            tg__alloc_fail_after(n);
            tg_optim *o = make_kind(k, &ps);
            tg__alloc_fail_after(0);
            if (o) { /* n exceeds the allocations this kind makes */
                tg_optim_free(o);
                break;
            }
            CHECK_ERR(NULL, TG_ERR_NOMEM, "out of memory for the optimizer state");
            CHECK(tg_alloc_live() == live, "kind %d, failing allocation %zu: leaked %zu", k, n,
                  tg_alloc_live() - live);
        }
    }
    tg_params_free(&ps);
    tg_tensor_free(a), tg_tensor_free(b);
}

int main(void) {
    test_hand_steps();
    test_option_errors();
    test_nonfinite_grad();
    test_vector_sizes();
    test_remembered_list();
    test_state_restore();
    test_checkpoint_resume();
    test_no_alloc_per_step();
    test_out_of_memory();
    return check_done();
}
