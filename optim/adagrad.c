/* adagrad.c — Adagrad (torch.optim.Adagrad).
 *
 * The lecture notes on optimizers (Momentum, Adagrad, RMSProp), "Adagrad":
 *   phi_t = phi_{t-1} + g (.) g,  Theta_t = Theta_{t-1} - eta/sqrt(phi_t) g.
 * PyTorch adds eps outside the square root, an lr decay and weight decay:
 *   d   = g + weight_decay * p
 *   clr = lr / (1 + (t - 1) * lr_decay)
 *   sum = sum + d * d                   (sum starts at initial_accumulator_value)
 *   p   = p - clr * d / (sqrt(sum) + eps)
 * State: sum.
 */
#include <math.h>
#include "optim_private.h"

enum { SUM, ADAGRAD_SLOTS };
static const char *const slot_names[ADAGRAD_SLOTS] = {"sum"};

tg_adagrad_opts tg_adagrad_defaults(void) {
    return (tg_adagrad_opts){.lr = 0.01, .eps = 1e-10};
}

static bool check(const char *fn, const void *opts) {
    const tg_adagrad_opts *s = opts;
    return tg__optim_ge0(fn, "lr", s->lr) && tg__optim_ge0(fn, "lr_decay", s->lr_decay) &&
           tg__optim_ge0(fn, "weight_decay", s->weight_decay) &&
           tg__optim_ge0(fn, "initial_accumulator_value", s->initial_accumulator_value) &&
           tg__optim_pos(fn, "eps", s->eps);
}

static void init(tg_optim *o) {
    const tg_adagrad_opts *s = tg__optim_opts(o);
    const tg_real v = (tg_real)s->initial_accumulator_value;
    for (int i = 0; i < o->n; i++) {
        tg_real *sum = tg__optim_slot(o, i, SUM);
        for (size_t j = 0; j < o->size[i]; j++) sum[j] = v;
    }
}

static void update(tg_optim *o, double t) {
    const tg_adagrad_opts *s = tg__optim_opts(o);
    const double wd = s->weight_decay, eps = s->eps;
    const double clr = o->lr / (1 + (t - 1) * s->lr_decay);
    for (int i = 0; i < o->n; i++) {
        tg_real *p = o->p[i]->data;
        const tg_real *g = o->p[i]->grad;
        tg_real *sum = tg__optim_slot(o, i, SUM);
        for (size_t j = 0; j < o->size[i]; j++) {
            double d = (double)g[j];
            if (wd != 0) d = d + wd * (double)p[j];
            double acc = (double)sum[j] + 1.0 * (d * d);
            sum[j] = (tg_real)acc;
            double std = sqrt((double)sum[j]) + eps;
            p[j] = (tg_real)((double)p[j] + (-clr) * (d / std));
        }
    }
}

static const tg__optim_desc adagrad = {
    .name = "adagrad", .fn = "tg_adagrad_new",
    .nslots = ADAGRAD_SLOTS, .slot = slot_names, .opts_size = sizeof(tg_adagrad_opts),
    .check = check, .init = init, .update = update,
};

tg_optim *tg_adagrad_new(const tg_params *ps, const tg_adagrad_opts *opts) {
    tg_adagrad_opts s = opts ? *opts : tg_adagrad_defaults();
    return tg__optim_new(&adagrad, ps, &s, s.lr);
}
