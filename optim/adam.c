/* adam.c — Adam (Kingma & Ba 2015) and AdamW (Loshchilov & Hutter 2019), with
 * AMSGrad (torch.optim.Adam, torch.optim.AdamW). One rule; AdamW decouples the
 * weight decay. Adam is named in the lecture notes' Adam section ("Adam Optimizer",
 * in the history of neural network development).
 *   AdamW: p = p * (1 - lr * weight_decay);  d = g
 *   Adam:  d = g + weight_decay * p
 *   m   = m * beta1 + (1 - beta1) * d                     (exp_avg)
 *   v   = v * beta2 + (1 - beta2) * d * d                 (exp_avg_sq)
 *   bc1 = 1 - beta1^t,  bc2 = 1 - beta2^t
 *   step_size = lr / bc1
 *   amsgrad: vmax = max(vmax, v) and vmax replaces v below  (max_exp_avg_sq)
 *   denom = sqrt(v) / sqrt(bc2) + eps
 *   p   = p - step_size * m / denom
 * State: exp_avg, exp_avg_sq; max_exp_avg_sq with amsgrad.
 */
#include <math.h>
#include "optim_private.h"

enum { EXP_AVG, EXP_AVG_SQ, MAX_EXP_AVG_SQ, ADAM_SLOTS };
static const char *const slot_names[ADAM_SLOTS] = {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"};

tg_adam_opts tg_adam_defaults(void) {
    return (tg_adam_opts){.lr = 1e-3, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8};
}
tg_adam_opts tg_adamw_defaults(void) {
    tg_adam_opts o = tg_adam_defaults();
    o.weight_decay = 1e-2;
    return o;
}

static bool check(const char *fn, const void *opts) {
    const tg_adam_opts *s = opts;
    return tg__optim_ge0(fn, "lr", s->lr) && tg__optim_unit(fn, "beta1", s->beta1, true) &&
           tg__optim_unit(fn, "beta2", s->beta2, true) && tg__optim_pos(fn, "eps", s->eps) &&
           tg__optim_ge0(fn, "weight_decay", s->weight_decay);
}

static unsigned uses(const void *opts) {
    const tg_adam_opts *s = opts;
    return 1u << EXP_AVG | 1u << EXP_AVG_SQ | (s->amsgrad ? 1u << MAX_EXP_AVG_SQ : 0);
}

/* Adam or AdamW over n reals without amsgrad, in tg_real arithmetic (float in the
 * float build, as torch.optim does for float tensors): the arithmetic of update's
 * general loop without its branches, so that each clone runs it in full vectors (with
 * -fno-math-errno, the square root is an instruction; it and the division dominate).
 * decay is AdamW's 1 - lr weight_decay, and 1 for Adam without weight decay (p 1 = p
 * exactly, so Adam's bits do not depend on it). */
#if TG_REAL_IS_DOUBLE
#define REAL_SQRT sqrt
#else
#define REAL_SQRT sqrtf
#endif
TG__OPTIM_CLONES static void adam_plain(size_t n, tg_real *restrict p, const tg_real *restrict g,
                                        tg_real *restrict m, tg_real *restrict v, tg_real b1,
                                        tg_real b1c, tg_real b2, tg_real b2c, tg_real bc2_sqrt,
                                        tg_real eps, tg_real step, tg_real decay) {
    for (size_t j = 0; j < n; j++) {
        tg_real d = g[j];
        tg_real mj = m[j] * b1 + b1c * d;
        tg_real vj = v[j] * b2 + b2c * (d * d);
        m[j] = mj;
        v[j] = vj;
        p[j] = p[j] * decay + (-step) * (mj / (REAL_SQRT(vj) / bc2_sqrt + eps));
    }
}

/* The rule of Adam (decoupled false) and AdamW (true). */
static void update(tg_optim *o, double t, bool decoupled) {
    const tg_adam_opts *s = tg__optim_opts(o);
    const double lr = o->lr, wd = s->weight_decay, eps = s->eps;
    const double b1 = s->beta1, b2 = s->beta2, b1c = 1.0 - b1, b2c = 1.0 - b2;
    const double bc1 = 1 - pow(b1, t), bc2 = 1 - pow(b2, t);
    const double step_size = lr / bc1;
    const double bc2_sqrt = sqrt(bc2);
    const double decay = 1 - lr * wd; /* AdamW's multiplicative decay */
    for (int i = 0; i < o->n; i++) {
        tg_real *p = o->p[i]->data;
        const tg_real *g = o->p[i]->grad;
        tg_real *m = tg__optim_slot(o, i, EXP_AVG);
        tg_real *v = tg__optim_slot(o, i, EXP_AVG_SQ);
        tg_real *vmax = tg__optim_slot(o, i, MAX_EXP_AVG_SQ); /* NULL without amsgrad */
        if (!vmax && (decoupled || wd == 0)) {
            /* Adam without weight decay, or AdamW: the same arithmetic as below without
             * branches, so the compiler vectorises it (in float in the float build). */
            adam_plain(o->size[i], p, g, m, v, (tg_real)b1, (tg_real)b1c, (tg_real)b2,
                       (tg_real)b2c, (tg_real)bc2_sqrt, (tg_real)eps, (tg_real)step_size,
                       decoupled ? (tg_real)decay : 1);
            continue;
        }
        for (size_t j = 0; j < o->size[i]; j++) {
            double d = (double)g[j];
            if (decoupled)
                p[j] = (tg_real)((double)p[j] * decay);
            else if (wd != 0)
                d = d + wd * (double)p[j];
            m[j] = (tg_real)((double)m[j] * b1 + b1c * d);
            v[j] = (tg_real)((double)v[j] * b2 + b2c * (d * d));
            double vv = (double)v[j];
            if (vmax) {
                if (vv > (double)vmax[j]) vmax[j] = v[j];
                vv = (double)vmax[j];
            }
            double denom = sqrt(vv) / bc2_sqrt + eps;
            p[j] = (tg_real)((double)p[j] + (-step_size) * ((double)m[j] / denom));
        }
    }
}

static void update_adam(tg_optim *o, double t) { update(o, t, false); }
static void update_adamw(tg_optim *o, double t) { update(o, t, true); }

static const tg__optim_desc adam = {
    .name = "adam", .fn = "tg_adam_new",
    .nslots = ADAM_SLOTS, .slot = slot_names, .opts_size = sizeof(tg_adam_opts),
    .check = check, .uses = uses, .update = update_adam,
};
static const tg__optim_desc adamw = {
    .name = "adamw", .fn = "tg_adamw_new",
    .nslots = ADAM_SLOTS, .slot = slot_names, .opts_size = sizeof(tg_adam_opts),
    .check = check, .uses = uses, .update = update_adamw,
};

tg_optim *tg_adam_new(const tg_params *ps, const tg_adam_opts *opts) {
    tg_adam_opts s = opts ? *opts : tg_adam_defaults();
    return tg__optim_new(&adam, ps, &s, s.lr);
}

tg_optim *tg_adamw_new(const tg_params *ps, const tg_adam_opts *opts) {
    tg_adam_opts s = opts ? *opts : tg_adamw_defaults();
    return tg__optim_new(&adamw, ps, &s, s.lr);
}
