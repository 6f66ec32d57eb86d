/* lecture_10_fd_eps.c — example 10: the numerics of gradient checking. The central
 * difference (f(x + eps) - f(x - eps)) / 2 eps against the tape's derivative, for
 * f(x) = exp(x) at x = 1 (f = f' = f''' = e), as eps goes from 1e-1 to 1e-12:
 *
 *   error(eps) ~ eps^2 |f'''| / 6     truncation (Taylor), falls with eps
 *              + u |f| / eps          rounding: f is computed to relative precision u
 *                                     and the difference cancels its leading digits
 *
 * a V on a log-log chart with its bottom at eps* = (3 u |f| / |f'''|)^(1/3):
 *   float  (u = 2^-24 ~ 6.0e-8):  eps* ~ 5.6e-3, best error ~ 4e-5 |f'|
 *   double (u = 2^-53 ~ 1.1e-16): eps* ~ 6.9e-6, best error ~ 7e-11 |f'|
 * The program measures the curve in this build's tg_real (build with -Dreal=float and
 * -Dreal=double to see both), prints the model for both types, and writes an SVG chart.
 * This is where tg_gradcheck_defaults() (tg_gradcheck.h) come from: double eps 1e-6 is
 * near its optimum and the error there (~1e-10) sits far below atol 1e-5 + rtol 1e-3;
 * float cannot go below ~1e-3 (the rounding term explodes), so eps 1e-2 with tolerances
 * 1e-2 leaves room for functions with larger third derivatives than exp at 1.
 * The step is divided by the step actually taken ((x+eps) - (x-eps) after rounding), as
 * tg_gradcheck does; where x + eps rounds back to x the row says so.
 * Run: ./build/examples/lecture_10_fd_eps [chart.svg]   (default ./fd_eps.svg)
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <tapegrad.h>
#ifndef LECTURE_TEST
#include "svg_chart.h"
#include "cli.h"
#endif

#define LEC10_N 23 /* eps = 10^(-1 - k/2), k = 0..22: 1e-1 .. 1e-12 */

typedef struct lec10 {
    double eps[LEC10_N], err[LEC10_N];  /* err NAN where the step vanished */
    double model_float[LEC10_N], model_double[LEC10_N];
    double tape;                         /* f'(1) from the tape */
    double best_eps, best_err;           /* bottom of the measured V */
    double default_eps, default_err;     /* at tg_gradcheck_defaults().eps */
} lec10;

/* f(x) = exp(x) on a fresh step, computed in tg_real. */
static double lec10_f(tg_tape *t, tg_real x) {
    tg_tape_reset(t);
    tg_tensor *y = tg_exp(t, tg_tape_full(t, 0, NULL, x));
    return y ? (double)y->data[0] : NAN;
}

/* |central difference - tape| at step eps; NAN if x +- eps rounds to x. */
static double lec10_err(tg_tape *t, double eps, double tape) {
    tg_real hi = (tg_real)(1 + eps), lo = (tg_real)(1 - eps);
    if (hi == lo) return NAN;
    return fabs((lec10_f(t, hi) - lec10_f(t, lo)) / ((double)hi - (double)lo) - tape);
}

static int lec10_compute(lec10 *r) {
    tg_tape *t = tg_tape_new();
    tg_tensor *x = tg_tape_full(t, 0, NULL, 1);
    x->flags |= TG_REQUIRES_GRAD;
    tg_tensor *y = tg_exp(t, x);
    if (!y || tg_backward(t, y, NULL) != TG_OK) return 1;
    r->tape = x->grad[0];
    const double e = exp(1.0), uf = FLT_EPSILON / 2, ud = DBL_EPSILON / 2;
    r->best_err = INFINITY;
    for (int k = 0; k < LEC10_N; k++) {
        r->eps[k] = pow(10, -1 - k / 2.0);
        r->err[k] = lec10_err(t, r->eps[k], r->tape);
        double trunc = r->eps[k] * r->eps[k] * e / 6;
        r->model_float[k] = trunc + uf * e / r->eps[k];
        r->model_double[k] = trunc + ud * e / r->eps[k];
        if (r->err[k] < r->best_err) r->best_err = r->err[k], r->best_eps = r->eps[k];
    }
    r->default_eps = tg_gradcheck_defaults().eps;
    r->default_err = lec10_err(t, r->default_eps, r->tape);
    tg_tape_free(t);
    return 0;
}

static int lec10_run(FILE *out, const char *svg, lec10 *res) {
    lec10 r = {.tape = 0};
    if (lec10_compute(&r)) {
        fprintf(stderr, "lecture_10_fd_eps: %s\n", tg_last_error());
        return 1;
    }
    tg_gradcheck_opts d = tg_gradcheck_defaults();
    fprintf(out, "central difference of exp at 1 against the tape (f' = %.6f), tg_real = %s\n", r.tape, TG_REAL_NAME);
    fprintf(out, "     eps   error (%s)   model float   model double\n", TG_REAL_NAME);
    for (int k = 0; k < LEC10_N; k++) {
        fprintf(out, "%8.1e  ", r.eps[k]);
        if (isnan(r.err[k])) fprintf(out, "%14s", "(x+eps == x)");
        else fprintf(out, "%14.2e", r.err[k]);
        fprintf(out, "  %12.2e  %13.2e\n", r.model_float[k], r.model_double[k]);
    }
    fprintf(out, "smallest error %.2e at eps = %.1e (model: float 5.6e-03, double 6.9e-06)\n", r.best_err, r.best_eps);
    fprintf(out, "tg_gradcheck_defaults() in %s: eps %g, atol %g, rtol %g; error at that eps %.2e\n",
            TG_REAL_NAME, d.eps, d.atol, d.rtol, r.default_err);
#ifndef LECTURE_TEST
    if (svg) {
        double lx[LEC10_N];
        for (int k = 0; k < LEC10_N; k++) lx[k] = log10(r.eps[k]);
        svg_chart *c = svg_chart_new("Central difference error against eps (exp at 1)", "log10(eps)",
                                     "|numeric - tape| (log scale)");
        svg_chart_set_log_y(c, 1);
        char name[64];
        snprintf(name, sizeof name, "measured (%s build)", TG_REAL_NAME);
        svg_chart_add(c, name, lx, r.err, LEC10_N);
        svg_chart_add(c, "model, float: e eps^2/6 + u e/eps", lx, r.model_float, LEC10_N);
        svg_chart_add(c, "model, double", lx, r.model_double, LEC10_N);
        if (!c || svg_chart_write(c, svg) != 0) {
            cli_write_failed("lecture_10_fd_eps", svg);
            svg_chart_free(c);
            return 1;
        }
        svg_chart_free(c);
        fprintf(out, "chart written to %s\n", svg);
    }
#else
    (void)svg;
#endif
    if (res) *res = r;
    return 0;
}

#ifndef LECTURE_TEST
int main(int argc, char **argv) {
    const char *svg = "fd_eps.svg";
    cli c = {"lecture_10_fd_eps", "[CHART.svg]",
             "Example 10 of the lecture notes: the error of finite differences against the step\n"
             "eps; prints the table and writes it as a chart to CHART.svg (default fd_eps.svg).\n",
             cli_no_options, 1, &svg, 0, false};
    int rc = cli_parse(&c, argc, argv);
    return rc != CLI_RUN ? rc : lec10_run(stdout, svg, NULL);
}
#endif
