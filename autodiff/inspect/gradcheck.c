/* gradcheck.c — the backward sweep against finite differences of the caller's
 * function, parameter by parameter (the comparison itself is fd.c's), and the
 * one-line report of each result. */
#include <math.h>
#include <string.h>
#include "inspect_private.h"

tg_gradcheck_opts tg_gradcheck_defaults(void) {
#if TG_REAL_IS_DOUBLE
    return (tg_gradcheck_opts){.eps = 1e-6, .atol = 1e-7, .rtol = 1e-5, .order = 2,
                               .n_dirs = 4, .sample = 0, .seed = 1};
#else
    return (tg_gradcheck_opts){.eps = 1e-2, .atol = 1e-4, .rtol = 1e-2, .order = 4,
                               .n_dirs = 4, .sample = 0, .seed = 1};
#endif
}

const char *tg_verdict_name(tg_verdict v) {
    switch (v) {
    case TG_CHECK_PASSED: return "PASSED";
    case TG_CHECK_FAILED: return "FAILED";
    case TG_CHECK_INCONCLUSIVE: return "INCONCLUSIVE";
    }
    return "?";
}

tg_status tg__gradcheck_opts(const tg_gradcheck_opts *o, const char *fn, tg_gradcheck_opts *r) {
    tg_gradcheck_opts d = tg_gradcheck_defaults();
    *r = o ? *o : d;
    if (!(r->eps > 0) || !(r->atol >= 0) || !(r->rtol >= 0))
        return tg__error(TG_ERR_VALUE, "%s: need eps > 0, atol >= 0, rtol >= 0; got eps=%g atol=%g rtol=%g",
                         fn, r->eps, r->atol, r->rtol);
    if (r->order == 0) r->order = d.order;
    if (r->n_dirs == 0) r->n_dirs = d.n_dirs;
    if (r->seed == 0) r->seed = d.seed;
    if ((r->order != 2 && r->order != 4) || r->n_dirs < -1 || r->n_dirs > 1000)
        return tg__error(TG_ERR_VALUE, "%s: order must be 2 or 4 and n_dirs -1..1000; got order=%d n_dirs=%d",
                         fn, r->order, r->n_dirs);
    return TG_OK;
}

const char *tg__param_label(const tg_tensor *x, int k, char *buf, size_t n) {
    if (x && x->name[0]) snprintf(buf, n, "%s", x->name);
    else snprintf(buf, n, "params[%d]", k);
    return buf;
}

char *tg__check_num(double v, char *buf, size_t n) {
    if (isnan(v)) snprintf(buf, n, "NaN");
    else if (isinf(v)) snprintf(buf, n, v > 0 ? "inf" : "-inf");
    else tg__num_fmt(v, 4, buf, n);
    return buf;
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

/* f's value on a fresh step (the finite-difference core's eval). */
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
    tg_gradcheck_opts o;
    tg_status st = tg__gradcheck_opts(opts, "tg_gradcheck", &o);
    if (st != TG_OK) return st;

    tg_tape *t = tg_tape_new();
    /* saved[0..total): the caller's gradients; analytic[0..total): the tape's. */
    size_t bytes = 0; /* the same parameter listed many times could add up past size_t */
    bool fits = tg__mul_size(total, sizeof(tg_real), &bytes) && tg__add_size(bytes, 1, &bytes);
    tg_real *saved = fits ? tg__malloc(bytes) : NULL;
    tg_real *analytic = fits ? tg__malloc(bytes) : NULL;
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
        char name[48];
        tg_gradcheck_result r;
        tg__check_in in = {"tg_gradcheck", params[k], tg__param_label(params[k], k, name, sizeof name),
                           analytic + off, rerun, &ev, &o, NULL};
        st = tg__check_tensor(&in, &r);
        if (results) results[k] = r;
        all = all && r.passed;
        off += params[k]->size;
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

void tg__check_where(const tg_gradcheck_result *r, char *buf, size_t n) {
    size_t k = (size_t)snprintf(buf, n, "%s", r->name);
    for (int d = 0; d < r->rank && k < n; d++)
        k += (size_t)snprintf(buf + k, n - k, "%s%d%s", d ? "," : "[", r->worst_at[d],
                              d == r->rank - 1 ? "]" : "");
}

/* A relative error as a percentage: "0.4 %", "1.2e-05 %". */
static char *percent(double s, char *buf, size_t n) {
    char b[32];
    snprintf(buf, n, "%s %%", tg__check_num(100 * s, b, sizeof b));
    return buf;
}

static void print_one(FILE *out, const tg_gradcheck_result *r) {
    char sh[64], at[96], a[32], b[32], c[32], p[40];
    fprintf(out, "%s %s: %s: ", r->name, tg__shape_fmt(r->rank, r->shape, sh, sizeof sh),
            tg_verdict_name(r->verdict));
    tg__check_where(r, at, sizeof at);
    const char *what = r->verdict == TG_CHECK_FAILED ? "differ" : "agree";
    size_t shown = r->verdict == TG_CHECK_FAILED ? r->n_failed : r->n_checked - r->n_failed;
    fprintf(out, "%zu of %zu elements %s", shown, r->n_checked, what);
    if (r->n_dirs)
        fprintf(out, ", %d of %d directions %s", r->verdict == TG_CHECK_FAILED ? r->n_dirs_failed
                : r->n_dirs - r->n_dirs_failed, r->n_dirs, what);
    fprintf(out, "; %s %s: analytic %s, numeric %s", r->verdict == TG_CHECK_FAILED && r->n_failed
            ? "worst" : "closest to failing", at, tg__check_num(r->worst_analytic, a, sizeof a),
            tg__check_num(r->worst_numeric, b, sizeof b));
    if (r->n_failed == 0 && r->n_dirs_failed)
        fprintf(out, "; worst direction: analytic %s, numeric %s",
                tg__check_num(r->dir_analytic, a, sizeof a), tg__check_num(r->dir_numeric, b, sizeof b));
    fprintf(out, "; max rel err %s; step %s, noise %s", tg__check_num(r->max_rel_err, a, sizeof a),
            tg__check_num(r->step, b, sizeof b), tg__check_num(r->noise, c, sizeof c));
    if (r->nonfinite) fprintf(out, "; NaN or inf met");
    if (r->verdict == TG_CHECK_INCONCLUSIVE)
        fprintf(out, "; %s", r->vacuous ? "every |value| is below atol: the check could not have failed"
                : "the noise is not well below the tolerance");
    if (r->sensitivity == 0)
        fprintf(out, "; the derivative is exactly 0: any analytic value above atol would fail");
    else if (isfinite(r->sensitivity))
        fprintf(out, "; %swould detect errors >= %s", r->verdict == TG_CHECK_INCONCLUSIVE
                ? "its best value alone " : "", percent(r->sensitivity, p, sizeof p));
    if (r->sampled) fprintf(out, "; a sample of %zu, seed %llu", r->n_checked, (unsigned long long)r->seed);
    fprintf(out, "\n");
}

tg_status tg_gradcheck_print(FILE *out, const tg_gradcheck_result *results, int n) {
    if (!out || (n > 0 && !results) || n < 0)
        return tg__error(TG_ERR_ARG, "tg_gradcheck_print: %s", !out ? "out is NULL"
                         : n < 0 ? "n must be >= 0" : "results is NULL");
    for (int k = 0; k < n; k++) print_one(out, &results[k]);
    return tg__show_io(out, "tg_gradcheck_print");
}
