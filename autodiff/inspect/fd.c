/* fd.c — the one finite-difference core of every check in inspect/ (tg_gradcheck,
 * tg_opcheck, tg_gradcheck_locate, tg_handcheck, and the second-order check): a
 * difference quotient along a direction with its noise estimate (tg__fd_deriv), and
 * the comparison of one tensor's analytic gradient with it that gives the verdict
 * (tg__check_tensor). Each caller supplies only how to evaluate its scalar: re-run the
 * caller's function, replay the recorded forward kernels, or run one op. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "inspect_private.h"

tg_status tg__central_diff(tg_real *x, double eps, tg__eval_fn eval, void *ctx, double *d) {
    tg_real x0 = *x;
    double fp = NAN, fm = NAN;
    *x = (tg_real)(x0 + eps);
    double hi = (double)*x;
    tg_status st = eval(ctx, &fp);
    *x = (tg_real)(x0 - eps);
    double lo = (double)*x;
    if (st == TG_OK) st = eval(ctx, &fm);
    *x = x0;
    /* Divided by the step actually taken: in float, x0 +- eps rounds. */
    *d = hi != lo ? (fp - fm) / (hi - lo) : NAN;
    return st;
}

/* The points of the two stencils, as multiples of h along v: order 2 uses +-h/2 and
 * +-h, order 4 also +-2h, and the +-h points serve both. Coefficients of f at each
 * point, times h: stencil H (step h, the value reported) and stencil H2 (step h/2,
 * for the noise estimate).
 *   order 2: D(s) = (f(s) - f(-s)) / 2s
 *   order 4: D(s) = (8 (f(s) - f(-s)) - (f(2s) - f(-2s))) / 12s */
static const double pt_mult[6] = {0.5, -0.5, 1, -1, 2, -2};
static const double c2_h[6] = {0, 0, 0.5, -0.5, 0, 0}, c2_h2[6] = {1, -1, 0, 0, 0, 0};
static const double c4_h[6] = {0, 0, 8.0 / 12, -8.0 / 12, -1.0 / 12, 1.0 / 12};
static const double c4_h2[6] = {8.0 / 6, -8.0 / 6, -1.0 / 6, 1.0 / 6, 0, 0};

tg_status tg__fd_deriv(tg_real *x, size_t n, const double *v, double h, int order,
                       tg__eval_fn eval, void *ctx, tg_real *x0, double *w, double *d,
                       double *noise) {
    const double *ch = order == 4 ? c4_h : c2_h, *ch2 = order == 4 ? c4_h2 : c2_h2;
    int np = order == 4 ? 6 : 4;
    memcpy(x0, x, n * sizeof *x0);
    for (size_t i = 0; i < n; i++) w[i] = 0;
    /* D ~ g . (step taken); proj = (step taken) . v rescales D(h/2) to D(h)'s step */
    double fbig = 0, Dh = 0, Dh2 = 0, ph = 0, ph2 = 0;
    tg_status st = TG_OK;
    for (int k = 0; k < np && st == TG_OK; k++) {
        double s = pt_mult[k] * h, f = NAN, proj = 0;
        for (size_t i = 0; i < n; i++) {
            double vi = v ? v[i] : 1.0;
            x[i] = (tg_real)((double)x0[i] + s * vi);
            double disp = (double)x[i] - (double)x0[i];
            w[i] += ch[k] / h * disp;
            proj += disp * vi;
        }
        st = eval(ctx, &f);
        fbig = isnan(f) ? INFINITY : fmax(fbig, fabs(f));
        Dh += ch[k] / h * f, Dh2 += ch2[k] / h * f;
        ph += ch[k] / h * proj, ph2 += ch2[k] / h * proj;
    }
    memcpy(x, x0, n * sizeof *x0);
    const double u = sizeof(tg_real) == sizeof(double) ? DBL_EPSILON : FLT_EPSILON;
    double floor = u * fbig / h * (order == 4 ? 1.5 : 1.0);
    *d = Dh;
    /* both estimates in the units of the reported one */
    *noise = fmax(fabs(Dh - Dh2 * (ph / ph2)), floor);
    if (isnan(*noise)) *noise = INFINITY;
    return st;
}

/* ---- one tensor's verdict ---- */

/* One compared value: analytic a, numeric d with noise s. */
typedef struct judged {
    double err, tol, excess;  /* excess = err - max(tol, 3 s): > 0 fails */
    bool fail, nonfinite;
} judged;

static judged judge(double a, double d, double s, const tg_gradcheck_opts *o) {
    judged j;
    j.nonfinite = !isfinite(a) || !isfinite(d);
    j.err = fabs(a - d);
    j.tol = o->atol + o->rtol * fabs(d);
    j.excess = j.nonfinite ? INFINITY : j.err - fmax(j.tol, 3 * s);
    j.fail = j.nonfinite || j.excess > 0;
    return j;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Running summary of one group of compared values (elements or directions). */
typedef struct group {
    double *noise;          /* each value's noise, for the median */
    size_t n;
    double max_num, max_mag, sens;
    bool all_zero;
} group;

static void group_add(group *g, double a, double d, double s, const judged *j) {
    g->noise[g->n++] = s;
    g->max_num = fmax(g->max_num, fabs(d));
    g->max_mag = fmax(g->max_mag, fmax(fabs(a), fabs(d)));
    if (!(a == 0 && d == 0)) g->all_zero = false;
    if (fabs(d) > 0 && !j->nonfinite) g->sens = fmin(g->sens, fmax(j->tol, 3 * s) / fabs(d));
}

/* The group's median noise, and whether it is well below the tolerance. */
static bool group_conclusive(group *g, const tg_gradcheck_opts *o, double *med) {
    if (g->n == 0) return false;
    qsort(g->noise, g->n, sizeof *g->noise, cmp_double);
    *med = g->noise[g->n / 2];
    return 3 * *med <= o->atol + o->rtol * g->max_num;
}

static void multi_index(tg_gradcheck_result *r, size_t j) {
    for (int d = r->rank - 1; d >= 0; d--) {
        r->worst_at[d] = (int)(j % (size_t)r->shape[d]);
        j /= (size_t)r->shape[d];
    }
}

/* The elements to compare: all, or a seeded sample of k (partial Fisher-Yates). */
static void pick(size_t *idx, size_t n, size_t k, uint64_t seed) {
    for (size_t i = 0; i < n; i++) idx[i] = i;
    if (k >= n) return;
    tg_rng g;
    tg_rng_seed(&g, seed);
    for (size_t i = 0; i < k; i++) {
        size_t j = i + (size_t)(tg_rng_u64(&g) % (uint64_t)(n - i));
        size_t t = idx[i];
        idx[i] = idx[j], idx[j] = t;
    }
}

static int cmp_size(const void *a, const void *b) {
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

tg_status tg__check_tensor(const tg__check_in *in, tg_gradcheck_result *r) {
    const tg_gradcheck_opts *o = in->opts;
    tg_tensor *x = in->x;
    size_t n = x->size;
    memset(r, 0, sizeof *r);
    snprintf(r->name, sizeof r->name, "%s", in->name);
    r->rank = x->rank;
    memcpy(r->shape, x->shape, sizeof r->shape);
    r->size = n;
    r->seed = o->seed;
    r->n_checked = o->sample > 0 && o->sample < n ? o->sample : n;
    r->sampled = r->n_checked < n;
    r->n_dirs = o->n_dirs > 0 && n > 1 ? o->n_dirs : 0;
    double ss = 0;
    for (size_t i = 0; i < n; i++) ss += (double)x->data[i] * x->data[i];
    r->step = o->eps * fmax(1.0, sqrt(ss / (double)n));

    size_t *idx = tg__malloc(n * sizeof *idx + 1);
    double *buf = tg__malloc((2 * n + r->n_checked + (size_t)r->n_dirs) * sizeof *buf + 1);
    tg_real *x0 = tg__malloc(n * sizeof *x0 + 1);
    if (!idx || !buf || !x0) {
        tg__free(idx), tg__free(buf), tg__free(x0);
        return tg__error(TG_ERR_NOMEM, "%s: out of memory", in->fn);
    }
    double *v = buf, *w = buf + n;
    group ge = {buf + 2 * n, 0, 0, 0, INFINITY, true};
    group gd = {buf + 2 * n + r->n_checked, 0, 0, 0, INFINITY, true};
    pick(idx, n, r->n_checked, o->seed);
    if (r->sampled) qsort(idx, r->n_checked, sizeof *idx, cmp_size);
    if (in->numeric_out)
        for (size_t j = 0; j < n; j++) in->numeric_out[j] = NAN;

    tg_status st = TG_OK;
    double worst = -INFINITY;
    for (size_t q = 0; q < r->n_checked && st == TG_OK; q++) {
        size_t j = idx[q];
        double D, s, wj;
        st = tg__fd_deriv(&x->data[j], 1, NULL, r->step, o->order, in->eval, in->ctx, x0,
                          &wj, &D, &s);
        if (st != TG_OK) break;
        double d = wj != 0 ? D / wj : NAN, sn = wj != 0 ? s / fabs(wj) : INFINITY;
        double a = (double)in->analytic[j];
        if (in->numeric_out) in->numeric_out[j] = d;
        judged jd = judge(a, d, sn, o);
        if (jd.err > r->max_abs_err || isnan(jd.err)) r->max_abs_err = isnan(jd.err) ? INFINITY : jd.err;
        double den = fmax(fabs(a), fabs(d));
        if (den > 0 && jd.err / den > r->max_rel_err) r->max_rel_err = jd.err / den;
        if (jd.excess > worst || q == 0) {
            worst = jd.excess;
            r->worst_index = j;
            r->worst_analytic = a;
            r->worst_numeric = d;
        }
        r->n_failed += jd.fail;
        r->nonfinite |= jd.nonfinite;
        group_add(&ge, a, d, sn, &jd);
    }
    /* Directions: v_i = +-1/sqrt(n), moved by step * sqrt(n) so each element moves by
     * the step. */
    tg_rng g;
    tg_rng_seed(&g, o->seed ^ 0x9e3779b97f4a7c15ull);
    double dworst = -INFINITY;
    for (int k = 0; k < r->n_dirs && st == TG_OK; k++) {
        double vn = 1 / sqrt((double)n);
        for (size_t i = 0; i < n; i++) v[i] = tg_rng_u64(&g) >> 63 ? vn : -vn;
        double D, s;
        st = tg__fd_deriv(x->data, n, v, r->step * sqrt((double)n), o->order, in->eval,
                          in->ctx, x0, w, &D, &s);
        if (st != TG_OK) break;
        double a = 0, wn = 0;
        for (size_t i = 0; i < n; i++) a += (double)in->analytic[i] * w[i], wn += w[i] * w[i];
        /* normalised to the unit direction actually taken */
        wn = sqrt(wn);
        if (wn > 0) a /= wn, D /= wn, s /= wn;
        judged jd = judge(a, D, s, o);
        if (jd.excess > dworst || k == 0) {
            dworst = jd.excess;
            r->dir_analytic = a;
            r->dir_numeric = D;
        }
        r->n_dirs_failed += jd.fail;
        r->nonfinite |= jd.nonfinite;
        group_add(&gd, a, D, s, &jd);
    }
    if (st == TG_OK) {
        multi_index(r, r->worst_index);
        double me = INFINITY, md = INFINITY;
        bool ce = group_conclusive(&ge, o, &me), cd = group_conclusive(&gd, o, &md);
        r->noise = cd && !ce ? md : ge.n ? me : md;
        r->sensitivity = fmin(ge.sens, gd.sens);
        double mag = fmax(ge.max_mag, gd.max_mag);
        if (r->n_failed || r->n_dirs_failed || r->nonfinite)
            r->verdict = TG_CHECK_FAILED;
        else if (ge.all_zero && gd.all_zero)
            r->verdict = TG_CHECK_PASSED, r->sensitivity = 0;
        else if (mag < o->atol || !(ce || cd))
            r->verdict = TG_CHECK_INCONCLUSIVE, r->vacuous = mag < o->atol;
        else
            r->verdict = TG_CHECK_PASSED;
        r->passed = r->verdict == TG_CHECK_PASSED;
    }
    tg__free(idx), tg__free(buf), tg__free(x0);
    return st;
}
