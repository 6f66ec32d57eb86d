/* rmsprop.c — RMSProp, plain or centred, with momentum and weight decay
 * (torch.optim.RMSprop).
 *
 * The lecture notes on optimizers (Momentum, Adagrad, RMSProp), "RMSProp":
 *   phi_t = rho phi_{t-1} + (1 - rho) g (.) g,  Theta_t = Theta_{t-1} - eta/sqrt(phi_t) g.
 * PyTorch (alpha = rho):
 *   d   = g + weight_decay * p
 *   sq  = sq * alpha + (1 - alpha) * d * d
 *   centered:  ga = ga * alpha + (1 - alpha) * d;  avg = sqrt(sq - ga * ga) + eps
 *   otherwise: avg = sqrt(sq) + eps
 *   momentum > 0: buf = buf * momentum + d / avg;  p = p - lr * buf   (buf starts at 0)
 *   otherwise:    p = p - lr * d / avg
 * State: square_avg; momentum_buffer with momentum > 0; grad_avg when centered.
 */
#include <math.h>
#include "optim_private.h"

enum { SQUARE_AVG, MOMENTUM_BUFFER, GRAD_AVG, RMSPROP_SLOTS };
static const char *const slot_names[RMSPROP_SLOTS] = {"square_avg", "momentum_buffer", "grad_avg"};

tg_rmsprop_opts tg_rmsprop_defaults(void) {
    return (tg_rmsprop_opts){.lr = 0.01, .alpha = 0.99, .eps = 1e-8};
}

static bool check(const char *fn, const void *opts) {
    const tg_rmsprop_opts *s = opts;
    return tg__optim_ge0(fn, "lr", s->lr) && tg__optim_unit(fn, "alpha", s->alpha, false) &&
           tg__optim_pos(fn, "eps", s->eps) && tg__optim_ge0(fn, "weight_decay", s->weight_decay) &&
           tg__optim_ge0(fn, "momentum", s->momentum);
}

static unsigned uses(const void *opts) {
    const tg_rmsprop_opts *s = opts;
    return 1u << SQUARE_AVG | (s->momentum > 0 ? 1u << MOMENTUM_BUFFER : 0) |
           (s->centered ? 1u << GRAD_AVG : 0);
}

static void update(tg_optim *o, double t) {
    (void)t; /* PyTorch counts steps for RMSProp but its update does not use them */
    const tg_rmsprop_opts *s = tg__optim_opts(o);
    const double lr = o->lr, wd = s->weight_decay, a = s->alpha, a1 = 1.0 - s->alpha;
    const double mu = s->momentum, eps = s->eps;
    for (int i = 0; i < o->n; i++) {
        tg_real *p = o->p[i]->data;
        const tg_real *g = o->p[i]->grad;
        tg_real *sq = tg__optim_slot(o, i, SQUARE_AVG);
        tg_real *buf = tg__optim_slot(o, i, MOMENTUM_BUFFER); /* NULL without momentum */
        tg_real *ga = tg__optim_slot(o, i, GRAD_AVG);         /* NULL unless centered */
        for (size_t j = 0; j < o->size[i]; j++) {
            double d = (double)g[j];
            if (wd != 0) d = d + wd * (double)p[j];
            sq[j] = (tg_real)((double)sq[j] * a + a1 * (d * d));
            double avg;
            if (ga) {
                ga[j] = (tg_real)((double)ga[j] * a + a1 * d);
                double gj = (double)ga[j];
                avg = sqrt((double)sq[j] + (-1.0) * (gj * gj));
            } else {
                avg = sqrt((double)sq[j]);
            }
            avg = avg + eps;
            if (buf) {
                buf[j] = (tg_real)((double)buf[j] * mu + d / avg);
                p[j] = (tg_real)((double)p[j] + (-lr) * (double)buf[j]);
            } else {
                p[j] = (tg_real)((double)p[j] + (-lr) * (d / avg));
            }
        }
    }
}

static const tg__optim_desc rmsprop = {
    .name = "rmsprop", .fn = "tg_rmsprop_new",
    .nslots = RMSPROP_SLOTS, .slot = slot_names, .opts_size = sizeof(tg_rmsprop_opts),
    .check = check, .uses = uses, .update = update,
};

tg_optim *tg_rmsprop_new(const tg_params *ps, const tg_rmsprop_opts *opts) {
    tg_rmsprop_opts s = opts ? *opts : tg_rmsprop_defaults();
    return tg__optim_new(&rmsprop, ps, &s, s.lr);
}
