/* gradcheck.c — central finite differences against the backward sweep. */
#include <math.h>
#include <string.h>
#include "inspect_private.h"

tg_gradcheck_opts tg_gradcheck_defaults(void) {
#if TG_REAL_IS_DOUBLE
    return (tg_gradcheck_opts){.eps = 1e-6, .atol = 1e-5, .rtol = 1e-3};
#else
    return (tg_gradcheck_opts){.eps = 1e-2, .atol = 1e-2, .rtol = 1e-2};
#endif
}

/* f on a fresh step; the value in double, or NAN with an error. */
static double eval(tg_tape *t, tg_loss_fn f, void *user, tg_tensor *const *p, int n,
                   tg_status *st) {
    tg_tape_reset(t);
    tg_tensor *y = f(t, p, n, user);
    if (!y || tg_tape_status(t) != TG_OK) {
        *st = tg__error(tg_tape_status(t) != TG_OK ? tg_tape_status(t) : TG_ERR_ARG,
                        "tg_gradcheck: the function failed: %s",
                        tg_tape_status(t) != TG_OK ? tg_tape_message(t) : "it returned NULL");
        return NAN;
    }
    if (y->size != 1) {
        char b[64];
        *st = tg__error(TG_ERR_SHAPE, "tg_gradcheck: the function must return one element, got shape %s",
                        tg_shape_str(y, b, sizeof b));
        return NAN;
    }
    *st = TG_OK;
    return (double)y->data[0];
}

typedef struct rerun_ctx {
    tg_tape *t;
    tg_loss_fn f;
    void *user;
    tg_tensor *const *params;
    int n;
} rerun_ctx;

/* f's value on a fresh step (tg__central_diff's eval). */
static tg_status rerun(void *ctx, double *value) {
    const rerun_ctx *c = ctx;
    tg_status st;
    *value = eval(c->t, c->f, c->user, c->params, c->n, &st);
    return st;
}

tg_status tg_gradcheck(tg_loss_fn f, void *user, tg_tensor *const *params, int n_params,
                       const tg_gradcheck_opts *opts, tg_gradcheck_result *results,
                       bool *passed) {
    if (passed) *passed = false;
    if (!f || !params || n_params < 1)
        return tg__error(TG_ERR_ARG, "tg_gradcheck: %s", !f ? "f is NULL"
                         : !params ? "params is NULL" : "n_params must be >= 1");
    size_t total = 0;
    for (int k = 0; k < n_params; k++) {
        if (!params[k]) return tg__error(TG_ERR_ARG, "tg_gradcheck: params[%d] is NULL", k);
        if (params[k]->tape || !params[k]->grad)
            return tg__error(TG_ERR_ARG,
                             "tg_gradcheck: params[%d] must be a long-lived tensor with a gradient buffer (tg_param_new)", k);
        if (!tg__add_size(total, params[k]->size, &total)) total = SIZE_MAX; /* refused below */
    }
    tg_gradcheck_opts o = opts ? *opts : tg_gradcheck_defaults();
    if (!(o.eps > 0) || !(o.atol >= 0) || !(o.rtol >= 0))
        return tg__error(TG_ERR_VALUE, "tg_gradcheck: need eps > 0, atol >= 0, rtol >= 0; got eps=%g atol=%g rtol=%g",
                         o.eps, o.atol, o.rtol);

    tg_tape *t = tg_tape_new();
    /* saved[0..total): the caller's gradients; analytic[0..total): the tape's. */
    size_t bytes = 0; /* the same parameter listed many times could add up past size_t */
    bool fits = tg__mul_size(total, sizeof(tg_real), &bytes) && tg__add_size(bytes, 1, &bytes);
    tg_real *saved = fits ? tg__malloc(bytes) : NULL;
    tg_real *analytic = fits ? tg__malloc(bytes) : NULL;
    tg_status st = TG_OK;
    if (!t || !saved || !analytic) {
        st = tg__error(TG_ERR_NOMEM, "tg_gradcheck: out of memory");
        goto done;
    }
    size_t off = 0;
    for (int k = 0; k < n_params; k++) {
        memcpy(saved + off, params[k]->grad, params[k]->size * sizeof(tg_real));
        tg_tensor_zero_grad(params[k]);
        off += params[k]->size;
    }
    /* Analytic gradients from one sweep. */
    tg_tape_reset(t);
    tg_tensor *y = f(t, params, n_params, user);
    if (y && y->size == 1 && tg__requires_grad(y)) {
        if (tg_backward(t, y, NULL) != TG_OK)
            st = tg__error(tg_tape_status(t), "tg_gradcheck: backward failed: %s", tg_tape_message(t));
    } else if (!y || tg_tape_status(t) != TG_OK) {
        /* Report this run's failure; running f again could succeed (an allocation
         * that failed once) and lose the reason. */
        st = tg__error(tg_tape_status(t) != TG_OK ? tg_tape_status(t) : TG_ERR_ARG,
                       "tg_gradcheck: the function failed: %s",
                       tg_tape_status(t) != TG_OK ? tg_tape_message(t) : "it returned NULL");
    } else if (y->size != 1) {
        eval(t, f, user, params, n_params, &st);
    } /* else: no parameter reaches y: all analytic gradients are 0 */
    off = 0;
    for (int k = 0; k < n_params; k++) {
        memcpy(analytic + off, params[k]->grad, params[k]->size * sizeof(tg_real));
        off += params[k]->size;
    }
    if (st != TG_OK) goto restore;

    bool all = true;
    bool old = tg_tape_set_grad_enabled(t, false);
    rerun_ctx ev = {t, f, user, params, n_params};
    off = 0;
    for (int k = 0; k < n_params && st == TG_OK; k++) {
        tg_tensor *p = params[k];
        tg_gradcheck_result r = {0};
        r.passed = true;
        double worst = -INFINITY;
        for (size_t j = 0; j < p->size; j++) {
            double num;
            st = tg__central_diff(&p->data[j], o.eps, rerun, &ev, &num);
            if (st != TG_OK) break;
            double a = (double)analytic[off + j];
            double err = fabs(a - num);
            double den = fmax(fabs(a), fabs(num));
            double excess = err - (o.atol + o.rtol * fabs(num));
            if (err > r.max_abs_err) r.max_abs_err = err;
            if (den > 0 && err / den > r.max_rel_err) r.max_rel_err = err / den;
            if (excess > worst || isnan(excess)) {
                worst = isnan(excess) ? INFINITY : excess;
                r.worst_index = j;
                r.worst_analytic = a;
                r.worst_numeric = num;
            }
            if (!(excess <= 0)) r.passed = false;
        }
        if (results) results[k] = r;
        all = all && r.passed;
        off += p->size;
    }
    tg_tape_set_grad_enabled(t, old);
    if (passed) *passed = all && st == TG_OK;

restore:
    off = 0;
    for (int k = 0; k < n_params; k++) {
        memcpy(params[k]->grad, saved + off, params[k]->size * sizeof(tg_real));
        off += params[k]->size;
    }
done:
    tg__free(saved);
    tg__free(analytic);
    tg_tape_free(t);
    return st;
}
