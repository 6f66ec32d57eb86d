/* clip.c — gradient clipping by global norm and by value.
 *
 * Why: in a deep or recurrent network the gradient is a long product of local
 * derivatives (the lecture notes' overview, "Vanishing gradient":
 * repeated multiplication of small derivatives); when the factors are large the same
 * product explodes, and one huge step destroys the weights. Rescaling the whole
 * gradient when its norm exceeds a threshold keeps its direction and bounds the step
 * (Pascanu et al. 2013).
 *
 * Both functions follow torch.nn.utils (1.13):
 *   clip_grad_norm_:  n_i   = ||g_i||_p for every parameter i
 *                     total = ||(n_1, ..., n_k)||_p    (max_i n_i for p = inf)
 *                     coef  = max_norm / (total + 1e-6); if coef < 1: g_i *= coef
 *   clip_grad_value_: g = min(max(g, -clip), clip)
 * Sums are accumulated in double (the 2-norm's in eight fixed-order partial sums).
 */
#include <math.h>
#include "optim_private.h"

/* The sum of x_j^2 in double, in eight partial sums (lane j mod 8) added in a fixed
 * order at the end: the compiler vectorises it, and every clone gives the same bits. */
TG__OPTIM_CLONES static double sum_squares(const tg_real *restrict x, size_t n) {
    double acc[8] = {0};
    size_t j = 0;
    for (; j + 8 <= n; j += 8)
        for (int k = 0; k < 8; k++) acc[k] += (double)x[j + k] * (double)x[j + k];
    for (int k = 0; j < n; j++, k++) acc[k] += (double)x[j] * (double)x[j];
    return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

/* g = g coef, in double. */
TG__OPTIM_CLONES static void scale(tg_real *restrict g, size_t n, double coef) {
    for (size_t j = 0; j < n; j++) g[j] = (tg_real)((double)g[j] * coef);
}

/* ||x||_p of n values in double; p = INFINITY gives max |x|. */
static double pnorm(const tg_real *x, size_t n, double p) {
    double acc = 0;
    if (isinf(p)) {
        for (size_t j = 0; j < n; j++) {
            double a = fabs((double)x[j]);
            if (a > acc || isnan(a)) acc = a;  /* NaN propagates, as torch's max */
        }
        return acc;
    }
    if (p == 2) return sqrt(sum_squares(x, n));
    if (p == 1) {
        for (size_t j = 0; j < n; j++) acc += fabs((double)x[j]);
        return acc;
    }
    for (size_t j = 0; j < n; j++) acc += pow(fabs((double)x[j]), p);
    return pow(acc, 1 / p);
}

tg_status tg_clip_grad_norm(const tg_params *ps, double max_norm, double norm_type,
                            double *total_norm) {
    static const char fn[] = "tg_clip_grad_norm";
    if (total_norm) *total_norm = NAN;
    if (!ps) return tg__error(TG_ERR_ARG, "%s: ps is NULL", fn);
    if (!(max_norm >= 0))
        return tg__error(TG_ERR_VALUE, "%s: max_norm must be >= 0, got %g", fn, max_norm);
    if (!(norm_type > 0))
        return tg__error(TG_ERR_VALUE, "%s: norm_type must be > 0 (or INFINITY), got %g", fn,
                         norm_type);
    /* total = norm of the per-parameter norms (the order of operations of torch). */
    double total = 0;
    bool inf_norm = isinf(norm_type);
    for (int i = 0; i < ps->n; i++) {
        const tg_tensor *p = ps->items[i];
        if (!p || !p->grad) continue;
        double ni = pnorm(p->grad, p->size, norm_type);
        if (inf_norm) {
            if (ni > total || isnan(ni)) total = ni;
        } else if (norm_type == 2) {
            total += ni * ni;
        } else if (norm_type == 1) {
            total += ni;
        } else {
            total += pow(ni, norm_type);
        }
    }
    if (!inf_norm && norm_type == 2) total = sqrt(total);
    else if (!inf_norm && norm_type != 1) total = pow(total, 1 / norm_type);
    if (total_norm) *total_norm = total;
    if (!isfinite(total))
        return tg__error(TG_ERR_VALUE, "%s: the total gradient norm is not finite (%g); "
                         "gradients left unchanged", fn, total);
    double coef = max_norm / (total + 1e-6);
    if (coef < 1) {
        for (int i = 0; i < ps->n; i++) {
            tg_tensor *p = ps->items[i];
            if (!p || !p->grad) continue;
            scale(p->grad, p->size, coef);
        }
    }
    return TG_OK;
}

tg_status tg_clip_grad_value(const tg_params *ps, double clip) {
    static const char fn[] = "tg_clip_grad_value";
    if (!ps) return tg__error(TG_ERR_ARG, "%s: ps is NULL", fn);
    if (!(clip >= 0)) return tg__error(TG_ERR_VALUE, "%s: clip must be >= 0, got %g", fn, clip);
    for (int i = 0; i < ps->n; i++) {
        tg_tensor *p = ps->items[i];
        if (!p || !p->grad) continue;
        for (size_t j = 0; j < p->size; j++) {
            double g = (double)p->grad[j];
            if (g > clip) p->grad[j] = (tg_real)clip;
            else if (g < -clip) p->grad[j] = (tg_real)-clip;
        }
    }
    return TG_OK;
}
