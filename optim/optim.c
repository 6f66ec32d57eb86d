/* optim.c — the optimizer object: option checks, state allocation, the step (finite
 * check, then the update rule of update.c), learning rate, and state as named tensors.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "optim_private.h"

/* ---- defaults (PyTorch's, except SGD's lr, which PyTorch requires) ---- */

tg_sgd_opts tg_sgd_defaults(void) { return (tg_sgd_opts){.lr = 0.01}; }
tg_adagrad_opts tg_adagrad_defaults(void) {
    return (tg_adagrad_opts){.lr = 0.01, .eps = 1e-10};
}
tg_rmsprop_opts tg_rmsprop_defaults(void) {
    return (tg_rmsprop_opts){.lr = 0.01, .alpha = 0.99, .eps = 1e-8};
}
tg_adam_opts tg_adam_defaults(void) {
    return (tg_adam_opts){.lr = 1e-3, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8};
}
tg_adam_opts tg_adamw_defaults(void) {
    tg_adam_opts o = tg_adam_defaults();
    o.weight_decay = 1e-2;
    return o;
}

/* ---- option checks: each names the function, the option and the value ----
 * Written as !(x >= lo) so that NaN fails too. */

static bool check_ge0(const char *fn, const char *what, double x) {
    if (isfinite(x) && x >= 0) return true;
    tg__error(TG_ERR_VALUE, "%s: %s must be finite and >= 0, got %g", fn, what, x);
    return false;
}
static bool check_pos(const char *fn, const char *what, double x) {
    if (isfinite(x) && x > 0) return true;
    tg__error(TG_ERR_VALUE, "%s: %s must be finite and > 0, got %g", fn, what, x);
    return false;
}
static bool check_unit(const char *fn, const char *what, double x, bool open_top) {
    if (x >= 0 && (open_top ? x < 1 : x <= 1)) return true;
    tg__error(TG_ERR_VALUE, "%s: %s must be in [0, 1%s, got %g", fn, what, open_top ? ")" : "]", x);
    return false;
}

/* ---- construction ---- */

/* The name of parameter i's state buffer: "<param>.<key>", "param<i>.<key>" for an
 * unnamed parameter. False if it does not fit in tg_tensor.name. */
static bool state_name(char out[sizeof((tg_tensor *)0)->name], const tg_tensor *p, int i,
                       const char *key) {
    char tmp[sizeof p->name + 64];
    int k = p->name[0] ? snprintf(tmp, sizeof tmp, "%s.%.40s", p->name, key)
                       : snprintf(tmp, sizeof tmp, "param%d.%.40s", i, key);
    if (k < 0 || (size_t)k >= sizeof p->name) return false;
    memcpy(out, tmp, (size_t)k + 1);
    return true;
}

/* Makes the optimizer common to every kind: copies the list and allocates nbuf
 * zeroed state tensors per parameter (named keys[k]) and the step counter. */
static tg_optim *optim_new(const char *fn, tg__optim_kind kind, const char *name,
                           const tg_params *ps, int nbuf, const char *const *keys) {
    if (!ps) {
        tg__error(TG_ERR_ARG, "%s: ps is NULL", fn);
        return NULL;
    }
    if (ps->n < 1 || !ps->items) {
        tg__error(TG_ERR_ARG, "%s: the parameter list is empty", fn);
        return NULL;
    }
    for (int i = 0; i < ps->n; i++) {
        const tg_tensor *p = ps->items[i];
        if (!p) {
            tg__error(TG_ERR_ARG, "%s: parameter %d is NULL", fn, i);
            return NULL;
        }
        if (!p->data || !p->grad || p->tape) {
            tg__error(TG_ERR_ARG,
                      "%s: parameter %d ('%s') must be a long-lived tensor with a gradient buffer",
                      fn, i, p->name);
            return NULL;
        }
        char nm[sizeof p->name];
        for (int k = 0; k < nbuf; k++) {
            if (!state_name(nm, p, i, keys[k])) {
                tg__error(TG_ERR_ARG,
                          "%s: state name '%s.%s' of parameter %d is longer than %zu characters",
                          fn, p->name, keys[k], i, sizeof p->name - 1);
                return NULL;
            }
        }
    }
    tg_optim *o = tg__calloc(1, sizeof *o);
    if (!o) goto oom;
    o->kind = kind;
    o->name = name;
    o->n = ps->n;
    o->nbuf = nbuf;
    o->p = tg__malloc((size_t)ps->n * sizeof *o->p);
    o->size = tg__malloc((size_t)ps->n * sizeof *o->size);
    o->buf = tg__calloc((size_t)ps->n * (size_t)(nbuf ? nbuf : 1), sizeof *o->buf);
    if (!o->p || !o->size || !o->buf) goto oom;
    o->step = tg_tensor_new(0, NULL, 0);
    if (!o->step) goto oom;
    snprintf(o->step->name, sizeof o->step->name, "optim.step");
    for (int i = 0; i < ps->n; i++) {
        tg_tensor *p = ps->items[i];
        o->p[i] = p;
        o->size[i] = p->size;
        for (int k = 0; k < nbuf; k++) {
            tg_tensor *b = tg_tensor_new(p->rank, p->shape, 0);
            if (!b) goto oom;
            o->buf[i * nbuf + k] = b;
            state_name(b->name, p, i, keys[k]);
        }
    }
    /* Two parameters could give the same state name ("param0" named so, and an unnamed
     * parameter 0); names must be unique for a checkpoint. */
    for (int a = 0; a < o->n * nbuf; a++)
        for (int b = 0; b < a; b++)
            if (strcmp(o->buf[a]->name, o->buf[b]->name) == 0) {
                tg__error(TG_ERR_ARG, "%s: two parameters give the state name '%s'", fn,
                          o->buf[a]->name);
                tg_optim_free(o);
                return NULL;
            }
    return o;
oom:
    tg_optim_free(o);
    tg__error(TG_ERR_NOMEM, "%s: out of memory for the optimizer state", fn);
    return NULL;
}

tg_optim *tg_optim_sgd(const tg_params *ps, const tg_sgd_opts *opts) {
    static const char fn[] = "tg_optim_sgd";
    tg_sgd_opts s = opts ? *opts : tg_sgd_defaults();
    if (!check_ge0(fn, "lr", s.lr) || !check_ge0(fn, "momentum", s.momentum) ||
        !check_ge0(fn, "weight_decay", s.weight_decay))
        return NULL;
    if (!isfinite(s.dampening)) {
        tg__error(TG_ERR_VALUE, "%s: dampening must be finite, got %g", fn, s.dampening);
        return NULL;
    }
    if (s.nesterov && (s.momentum <= 0 || s.dampening != 0)) {
        tg__error(TG_ERR_VALUE,
                  "%s: nesterov needs momentum > 0 and dampening == 0, got momentum %g, dampening %g",
                  fn, s.momentum, s.dampening);
        return NULL;
    }
    static const char *const keys[] = {"momentum_buffer"};
    tg_optim *o = optim_new(fn, TG__OPT_SGD, "sgd", ps, s.momentum != 0 ? 1 : 0, keys);
    if (o) o->o.sgd = s, o->lr = s.lr;
    return o;
}

tg_optim *tg_optim_adagrad(const tg_params *ps, const tg_adagrad_opts *opts) {
    static const char fn[] = "tg_optim_adagrad";
    tg_adagrad_opts s = opts ? *opts : tg_adagrad_defaults();
    if (!check_ge0(fn, "lr", s.lr) || !check_ge0(fn, "lr_decay", s.lr_decay) ||
        !check_ge0(fn, "weight_decay", s.weight_decay) ||
        !check_ge0(fn, "initial_accumulator_value", s.initial_accumulator_value) ||
        !check_pos(fn, "eps", s.eps))
        return NULL;
    static const char *const keys[] = {"sum"};
    tg_optim *o = optim_new(fn, TG__OPT_ADAGRAD, "adagrad", ps, 1, keys);
    if (!o) return NULL;
    o->o.adagrad = s;
    o->lr = s.lr;
    for (int i = 0; i < o->n; i++) tg_tensor_fill(o->buf[i], (tg_real)s.initial_accumulator_value);
    return o;
}

tg_optim *tg_optim_rmsprop(const tg_params *ps, const tg_rmsprop_opts *opts) {
    static const char fn[] = "tg_optim_rmsprop";
    tg_rmsprop_opts s = opts ? *opts : tg_rmsprop_defaults();
    if (!check_ge0(fn, "lr", s.lr) || !check_unit(fn, "alpha", s.alpha, false) ||
        !check_pos(fn, "eps", s.eps) || !check_ge0(fn, "weight_decay", s.weight_decay) ||
        !check_ge0(fn, "momentum", s.momentum))
        return NULL;
    /* Buffer order as update.c expects: square_avg, momentum_buffer?, grad_avg?. */
    const char *keys[3] = {"square_avg", NULL, NULL};
    int nbuf = 1;
    if (s.momentum > 0) keys[nbuf++] = "momentum_buffer";
    if (s.centered) keys[nbuf++] = "grad_avg";
    tg_optim *o = optim_new(fn, TG__OPT_RMSPROP, "rmsprop", ps, nbuf, keys);
    if (o) o->o.rmsprop = s, o->lr = s.lr;
    return o;
}

static tg_optim *adam_new(const char *fn, tg__optim_kind kind, const char *name,
                          const tg_params *ps, tg_adam_opts s) {
    if (!check_ge0(fn, "lr", s.lr) || !check_unit(fn, "beta1", s.beta1, true) ||
        !check_unit(fn, "beta2", s.beta2, true) || !check_pos(fn, "eps", s.eps) ||
        !check_ge0(fn, "weight_decay", s.weight_decay))
        return NULL;
    static const char *const keys[] = {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"};
    tg_optim *o = optim_new(fn, kind, name, ps, s.amsgrad ? 3 : 2, keys);
    if (o) o->o.adam = s, o->lr = s.lr;
    return o;
}

tg_optim *tg_optim_adam(const tg_params *ps, const tg_adam_opts *opts) {
    return adam_new("tg_optim_adam", TG__OPT_ADAM, "adam", ps, opts ? *opts : tg_adam_defaults());
}

tg_optim *tg_optim_adamw(const tg_params *ps, const tg_adam_opts *opts) {
    return adam_new("tg_optim_adamw", TG__OPT_ADAMW, "adamw", ps,
                    opts ? *opts : tg_adamw_defaults());
}

void tg_optim_free(tg_optim *o) {
    if (!o) return;
    if (o->buf)
        for (int i = 0; i < o->n * o->nbuf; i++) tg_tensor_free(o->buf[i]);
    tg_tensor_free(o->step);
    tg__free(o->buf);
    tg__free(o->size);
    tg__free(o->p);
    tg__free(o);
}

/* ---- the step ---- */

/* Largest step count a tg_real holds exactly (2^24 in float, 2^53 in double). */
static double step_limit(void) { return sizeof(tg_real) == sizeof(float) ? 16777216.0 : 9007199254740992.0; }

static bool valid_step(double s) { return s >= 0 && s < step_limit() && s == floor(s); }

/* True when no element of g is NaN or infinite: the exponent bits are all ones only
 * for those. Written as an OR over integer compares so that it vectorises (it runs
 * over every gradient on every step); the caller finds the element on failure. */
static bool all_finite(const tg_real *g, size_t n) {
#if TG_REAL_IS_DOUBLE
    typedef uint64_t bits;
    const bits exp_mask = UINT64_C(0x7ff0000000000000);
#else
    typedef uint32_t bits;
    const bits exp_mask = UINT32_C(0x7f800000);
#endif
    unsigned bad = 0;
    for (size_t j = 0; j < n; j++) {
        bits u;
        memcpy(&u, &g[j], sizeof u);
        bad |= (u & exp_mask) == exp_mask;
    }
    return bad == 0;
}

tg_status tg_optim_step(tg_optim *o) {
    static const char fn[] = "tg_optim_step";
    if (!o) return tg__error(TG_ERR_ARG, "%s: opt is NULL", fn);
    double s = (double)o->step->data[0];
    if (!valid_step(s))
        return tg__error(TG_ERR_STATE, "%s: the step count in the state is %g, not an integer in [0, %.0f)",
                         fn, s, step_limit());
    /* Check everything before touching anything: a failed step changes nothing. */
    for (int i = 0; i < o->n; i++) {
        const tg_tensor *p = o->p[i];
        if (!p->grad || !p->data || p->size != o->size[i])
            return tg__error(TG_ERR_STATE, "%s: parameter %d ('%s') lost its gradient buffer or changed size",
                             fn, i, p->name);
        if (all_finite(p->grad, o->size[i])) continue;
        for (size_t j = 0; j < o->size[i]; j++)
            if (!isfinite((double)p->grad[j]))
                return tg__error(TG_ERR_VALUE, "%s: gradient of '%s' is not finite at element %zu: %g",
                                 fn, p->name, j, (double)p->grad[j]);
    }
    double t = s + 1;
    switch (o->kind) {
    case TG__OPT_SGD: tg__update_sgd(o, t); break;
    case TG__OPT_ADAGRAD: tg__update_adagrad(o, t); break;
    case TG__OPT_RMSPROP: tg__update_rmsprop(o, t); break;
    case TG__OPT_ADAM:
    case TG__OPT_ADAMW: tg__update_adam(o, t); break;
    }
    o->step->data[0] = (tg_real)t;
    return TG_OK;
}

void tg_optim_zero_grad(tg_optim *o) {
    if (!o) return;
    for (int i = 0; i < o->n; i++) tg_tensor_zero_grad(o->p[i]);
}

double tg_optim_get_lr(const tg_optim *o) {
    if (!o) {
        tg__error(TG_ERR_ARG, "tg_optim_get_lr: opt is NULL");
        return NAN;
    }
    return o->lr;
}

tg_status tg_optim_set_lr(tg_optim *o, double lr) {
    if (!o) return tg__error(TG_ERR_ARG, "tg_optim_set_lr: opt is NULL");
    if (!check_ge0("tg_optim_set_lr", "lr", lr)) return TG_ERR_VALUE;
    o->lr = lr;
    return TG_OK;
}

const char *tg_optim_name(const tg_optim *o) { return o ? o->name : ""; }

size_t tg_optim_state_size(const tg_optim *o) {
    if (!o) return 0;
    size_t n = 1; /* the step count */
    for (int i = 0; i < o->n; i++) n += (size_t)o->nbuf * o->size[i];
    return n;
}

/* ---- state as named tensors ---- */

tg_status tg_optim_state(const tg_optim *o, tg_params *out) {
    static const char fn[] = "tg_optim_state";
    if (!o || !out) return tg__error(TG_ERR_ARG, "%s: %s is NULL", fn, o ? "out" : "opt");
    int add = o->n * o->nbuf + 1;
    /* Duplicate names would make a checkpoint ambiguous. */
    for (int k = 0; k < add; k++) {
        const char *nm = k < add - 1 ? o->buf[k]->name : o->step->name;
        if (tg_params_find(out, nm))
            return tg__error(TG_ERR_ARG, "%s: '%s' is already in the list", fn, nm);
    }
    /* tg_params_add insists on a gradient buffer (it is meant for parameters), so the
     * tensors are appended here. */
    tg_status st = tg__params_reserve(out, add);
    if (st != TG_OK)
        return tg__error(st, "%s: %s", fn, st == TG_ERR_NOMEM ? "out of memory" : "the list is full");
    for (int k = 0; k < add - 1; k++) out->items[out->n++] = o->buf[k];
    out->items[out->n++] = o->step;
    return TG_OK;
}

tg_status tg_optim_load_state(tg_optim *o, const tg_params *src) {
    static const char fn[] = "tg_optim_load_state";
    if (!o || !src) return tg__error(TG_ERR_ARG, "%s: %s is NULL", fn, o ? "src" : "opt");
    int n = o->n * o->nbuf + 1;
    /* Validate all, then copy all. */
    for (int k = 0; k < n; k++) {
        const tg_tensor *dst = k < n - 1 ? o->buf[k] : o->step;
        const tg_tensor *s = tg_params_find(src, dst->name);
        if (!s) return tg__error(TG_ERR_ARG, "%s: state tensor '%s' is missing", fn, dst->name);
        if (!s->data || s->size != dst->size || !tg__same_shape(s, dst)) {
            char a[96], b[96];
            return tg__error(TG_ERR_SHAPE, "%s: '%s' has shape %s, expected %s", fn, dst->name,
                             tg_shape_str(s, a, sizeof a), tg_shape_str(dst, b, sizeof b));
        }
        if (dst == o->step && !valid_step((double)s->data[0]))
            return tg__error(TG_ERR_VALUE, "%s: 'optim.step' must be an integer in [0, %.0f), got %g",
                             fn, step_limit(), (double)s->data[0]);
    }
    for (int k = 0; k < n; k++) {
        tg_tensor *dst = k < n - 1 ? o->buf[k] : o->step;
        const tg_tensor *s = tg_params_find(src, dst->name);
        if (s != dst) memcpy(dst->data, s->data, dst->size * sizeof *dst->data);
    }
    return TG_OK;
}
