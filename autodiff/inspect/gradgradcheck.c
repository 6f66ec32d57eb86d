/* gradgradcheck.c — second derivatives against finite differences of first
 * derivatives, as torch.autograd.gradgradcheck does.
 *
 * With g = df/dp (one tensor per parameter) and fixed pseudo-random tensors r of the
 * parameters' shapes, s(p) = sum_k sum(g_k(p) * r_k) is a scalar whose gradient is
 * the Hessian-vector product H r. The analytic H r comes from the recorded sweep
 * (tg_hvp: tg_grad with TG_GRAD_CREATE_GRAPH, then tg_grad again); the numeric one
 * from finite differences of s, each s computed by a first-order tg_grad. The two
 * are compared by the shared core of every check (fd.c, tg__check_tensor: per
 * element and along random directions, with the noise estimate and the verdicts),
 * exactly as tg_gradcheck compares first derivatives.
 * tg_grad never touches ->grad, so the parameters' gradients need no saving. */
#include <math.h>
#include <string.h>
#include <tapegrad/tg_grad.h>
#include "inspect_private.h"

typedef struct gg_ctx {
    tg_tape *t;
    tg_loss_fn f;
    void *user;
    tg_tensor *const *params;
    int n;
    tg_tensor **r;   /* [n] the fixed directions */
    tg_tensor **out; /* [n] scratch for tg_grad's results */
} gg_ctx;

/* f on a fresh step; NULL with an error naming tg_gradgradcheck when it fails. */
static tg_tensor *run_f(const gg_ctx *c, tg_status *st) {
    tg_tape_reset(c->t);
    tg_tensor *y = c->f(c->t, c->params, c->n, c->user);
    if (!y || tg_tape_status(c->t) != TG_OK) {
        *st = tg__error(tg_tape_status(c->t) != TG_OK ? tg_tape_status(c->t) : TG_ERR_ARG,
                        "tg_gradgradcheck: the function failed: %s",
                        tg_tape_status(c->t) != TG_OK ? tg_tape_message(c->t) : "it returned NULL");
        return NULL;
    }
    if (y->size != 1) {
        char b[64];
        *st = tg__error(TG_ERR_SHAPE, "tg_gradgradcheck: the function must return one element, got shape %s",
                        tg_shape_str(y, b, sizeof b));
        return NULL;
    }
    *st = TG_OK;
    return y;
}

/* s(p) = sum_k sum(df/dp_k * r_k), from a first-order tg_grad (the core's eval). */
static tg_status eval_s(void *ctx, double *value) {
    gg_ctx *c = ctx;
    tg_status st;
    *value = NAN;
    tg_tensor *y = run_f(c, &st);
    if (!y) return st;
    double s = 0;
    if (tg__requires_grad(y)) {
        st = tg_grad(c->t, y, NULL, c->params, c->n, TG_GRAD_ALLOW_UNUSED, c->out);
        if (st != TG_OK)
            return tg__error(st, "tg_gradgradcheck: the first derivative failed: %s", tg_tape_message(c->t));
        for (int k = 0; k < c->n; k++)
            for (size_t j = 0; j < c->out[k]->size; j++)
                s += (double)c->out[k]->data[j] * (double)c->r[k]->data[j];
    }
    *value = s;
    return TG_OK;
}

/* H r from the recorded sweep into analytic[k] (copied out before the next reset). */
static tg_status analytic_hr(gg_ctx *c, tg_real *analytic) {
    tg_status st;
    tg_tensor *y = run_f(c, &st);
    if (!y) return st;
    if (tg__requires_grad(y)) {
        st = tg_hvp(c->t, y, c->params, c->r, c->n, TG_GRAD_ALLOW_UNUSED, c->out);
        if (st != TG_OK)
            return tg__error(st, "tg_gradgradcheck: the second derivative failed: %s", tg_tape_message(c->t));
    }
    size_t off = 0;
    for (int k = 0; k < c->n; k++) {
        size_t m = c->params[k]->size;
        if (tg__requires_grad(y)) memcpy(analytic + off, c->out[k]->data, m * sizeof(tg_real));
        else memset(analytic + off, 0, m * sizeof(tg_real));
        off += m;
    }
    return TG_OK;
}

tg_status tg_gradgradcheck(tg_loss_fn f, void *user, tg_tensor *const *params, int n_params,
                           const tg_gradcheck_opts *opts, tg_gradcheck_result *results,
                           bool *passed) {
    if (passed) *passed = false;
    if (!f || !params || n_params < 1 || n_params > TG_GRAD_MAX_XS)
        return tg__error(TG_ERR_ARG, "tg_gradgradcheck: %s", !f ? "f is NULL"
                         : !params ? "params is NULL" : "n_params must be in 1..1024");
    size_t total = 0;
    for (int k = 0; k < n_params; k++) {
        if (!params[k]) return tg__error(TG_ERR_ARG, "tg_gradgradcheck: params[%d] is NULL", k);
        if (params[k]->tape || !params[k]->grad)
            return tg__error(TG_ERR_ARG,
                             "tg_gradgradcheck: params[%d] must be a long-lived tensor with a gradient buffer (tg_param_new)", k);
        total += params[k]->size;
    }
    tg_gradcheck_opts o;
    tg_status st = tg__gradcheck_opts(opts, "tg_gradgradcheck", &o);
    if (st != TG_OK) return st;
    gg_ctx c = {tg_tape_new(), f, user, params, n_params, NULL, NULL};
    c.r = tg__calloc((size_t)n_params, sizeof *c.r);
    c.out = tg__calloc((size_t)n_params, sizeof *c.out);
    tg_real *analytic = tg__malloc(total * sizeof(tg_real) + 1);
    if (!c.t || !c.r || !c.out || !analytic) st = tg__error(TG_ERR_NOMEM, "tg_gradgradcheck: out of memory");
    tg_rng g;
    tg_rng_seed(&g, 2718);
    for (int k = 0; st == TG_OK && k < n_params; k++) {
        c.r[k] = tg_tensor_new(params[k]->rank, params[k]->shape, 0);
        if (!c.r[k]) st = tg__error(TG_ERR_NOMEM, "tg_gradgradcheck: out of memory");
        for (size_t j = 0; c.r[k] && j < c.r[k]->size; j++) {
            double v = 0.5 + tg_rng_uniform(&g);
            c.r[k]->data[j] = (tg_real)(tg_rng_u64(&g) & 1 ? v : -v);
        }
    }
    if (st == TG_OK) st = analytic_hr(&c, analytic);
    bool all = true;
    size_t off = 0;
    for (int k = 0; k < n_params && st == TG_OK; k++) {
        char name[48];
        tg_gradcheck_result r;
        tg__check_in in = {"tg_gradgradcheck", params[k], tg__param_label(params[k], k, name, sizeof name),
                           analytic + off, eval_s, &c, &o, NULL};
        st = tg__check_tensor(&in, &r);
        if (results) results[k] = r;
        all = all && r.passed;
        off += params[k]->size;
    }
    if (passed) *passed = all && st == TG_OK;
    for (int k = 0; c.r && k < n_params; k++) tg_tensor_free(c.r[k]);
    tg__free(c.r);
    tg__free(c.out);
    tg__free(analytic);
    tg_tape_free(c.t);
    return st;
}
