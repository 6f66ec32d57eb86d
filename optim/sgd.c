/* sgd.c — stochastic gradient descent with momentum, dampening, Nesterov momentum and
 * weight decay (torch.optim.SGD).
 *
 * The lecture notes on optimizers (Momentum, Adagrad, RMSProp), "Momentum":
 *   phi_t = eta * g_{t-1} + gamma * phi_{t-1},  Theta_t = Theta_{t-1} - phi_t.
 * PyTorch keeps the learning rate outside the buffer (identical while lr is constant,
 * and what a schedule needs):
 *   d   = g + weight_decay * p
 *   buf = d                                         on the first step (no dampening)
 *   buf = momentum * buf + (1 - dampening) * d      afterwards
 *   d   = nesterov ? d + momentum * buf : buf
 *   p   = p - lr * d
 * State: momentum_buffer, only with momentum != 0 (plain SGD keeps only the step count).
 */
#include <math.h>
#include "optim_private.h"

enum { MOMENTUM_BUFFER, SGD_SLOTS };
static const char *const slot_names[SGD_SLOTS] = {"momentum_buffer"};

/* PyTorch requires an lr; 0.01 is the usual choice. The rest are PyTorch's. */
tg_sgd_opts tg_sgd_defaults(void) { return (tg_sgd_opts){.lr = 0.01}; }

static bool check(const char *fn, const void *opts) {
    const tg_sgd_opts *s = opts;
    if (!tg__optim_ge0(fn, "lr", s->lr) || !tg__optim_ge0(fn, "momentum", s->momentum) ||
        !tg__optim_ge0(fn, "weight_decay", s->weight_decay))
        return false;
    if (!isfinite(s->dampening)) {
        tg__error(TG_ERR_VALUE, "%s: dampening must be finite, got %g", fn, s->dampening);
        return false;
    }
    if (s->nesterov && (s->momentum <= 0 || s->dampening != 0)) {
        tg__error(TG_ERR_VALUE,
                  "%s: nesterov needs momentum > 0 and dampening == 0, got momentum %g, dampening %g",
                  fn, s->momentum, s->dampening);
        return false;
    }
    return true;
}

static unsigned uses(const void *opts) {
    const tg_sgd_opts *s = opts;
    return s->momentum != 0 ? 1u << MOMENTUM_BUFFER : 0;
}

static void update(tg_optim *o, double t) {
    const tg_sgd_opts *s = tg__optim_opts(o);
    const double lr = o->lr, wd = s->weight_decay, mu = s->momentum;
    const double damp1 = 1.0 - s->dampening;
    for (int i = 0; i < o->n; i++) {
        tg_real *p = o->p[i]->data;
        const tg_real *g = o->p[i]->grad;
        tg_real *buf = tg__optim_slot(o, i, MOMENTUM_BUFFER); /* NULL without momentum */
        for (size_t j = 0; j < o->size[i]; j++) {
            double d = (double)g[j];
            if (wd != 0) d = d + wd * (double)p[j];
            if (buf) {
                double b = t == 1 ? d : (double)buf[j] * mu + damp1 * d;
                buf[j] = (tg_real)b;
                d = s->nesterov ? d + mu * b : b;
            }
            p[j] = (tg_real)((double)p[j] + (-lr) * d);
        }
    }
}

static const tg__optim_desc sgd = {
    .name = "sgd", .fn = "tg_sgd_new",
    .nslots = SGD_SLOTS, .slot = slot_names, .opts_size = sizeof(tg_sgd_opts),
    .check = check, .uses = uses, .update = update,
};

tg_optim *tg_sgd_new(const tg_params *ps, const tg_sgd_opts *opts) {
    tg_sgd_opts s = opts ? *opts : tg_sgd_defaults();
    return tg__optim_new(&sgd, ps, &s, s.lr);
}
