/* update.c — the update rules of SGD, Adagrad, RMSProp, Adam and AdamW.
 *
 * Each rule is written to match torch.optim 1.13's single-tensor code path
 * (`_single_tensor_<name>` in torch/optim/<name>.py) operation for operation: the same
 * order of multiplications and additions, evaluated per element in double, so the
 * double build reproduces PyTorch's float64 trajectories to the last bits. The
 * notation follows the lecture notes: p the parameter (Theta), g its gradient
 * dL/dTheta, lr the learning rate (eta).
 *
 * PyTorch's tensor ops map to scalar expressions as:
 *   a.add_(b, alpha=s)        a + s * b
 *   a.mul_(m).add_(b, alpha=s) a * m + s * b
 *   a.addcmul_(b, c, value=s) a + s * (b * c)
 *   a.addcdiv_(b, c, value=s) a + s * (b / c)
 * (C11 without -ffp-contract=fast evaluates these without fused multiply-adds.)
 */
#include <math.h>
#include "optim_private.h"

/* ---- SGD with momentum, dampening, Nesterov and weight decay ----
 * Seed ../shared/seeds/003_568823dc99454fac.txt ("Momentum"):
 *   phi_t = eta * g_{t-1} + gamma * phi_{t-1},  Theta_t = Theta_{t-1} - phi_t.
 * PyTorch keeps the learning rate outside the buffer (identical while lr is constant,
 * and what a schedule needs):
 *   d   = g + weight_decay * p
 *   buf = d                                         on the first step (no dampening)
 *   buf = momentum * buf + (1 - dampening) * d      afterwards
 *   d   = nesterov ? d + momentum * buf : buf
 *   p   = p - lr * d                                                              */
void tg__update_sgd(tg_optim *o, double t) {
    const tg_sgd_opts *s = &o->o.sgd;
    const double lr = o->lr, wd = s->weight_decay, mu = s->momentum;
    const double damp1 = 1.0 - s->dampening;
    for (int i = 0; i < o->n; i++) {
        tg_real *p = o->p[i]->data;
        const tg_real *g = o->p[i]->grad;
        tg_real *buf = mu != 0 ? tg__optim_buf(o, i, 0) : NULL;
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

/* ---- Adagrad ----
 * Seed ../shared/seeds/003_568823dc99454fac.txt ("Adagrad"):
 *   phi_t = phi_{t-1} + g (.) g,  Theta_t = Theta_{t-1} - eta/sqrt(phi_t) g.
 * PyTorch adds eps outside the square root, an lr decay and weight decay:
 *   d   = g + weight_decay * p
 *   clr = lr / (1 + (t - 1) * lr_decay)
 *   sum = sum + d * d                   (sum starts at initial_accumulator_value)
 *   p   = p - clr * d / (sqrt(sum) + eps)                                          */
void tg__update_adagrad(tg_optim *o, double t) {
    const tg_adagrad_opts *s = &o->o.adagrad;
    const double wd = s->weight_decay, eps = s->eps;
    const double clr = o->lr / (1 + (t - 1) * s->lr_decay);
    for (int i = 0; i < o->n; i++) {
        tg_real *p = o->p[i]->data;
        const tg_real *g = o->p[i]->grad;
        tg_real *sum = tg__optim_buf(o, i, 0);
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

/* ---- RMSProp ----
 * Seed ../shared/seeds/003_568823dc99454fac.txt ("RMSProp"):
 *   phi_t = rho phi_{t-1} + (1 - rho) g (.) g,  Theta_t = Theta_{t-1} - eta/sqrt(phi_t) g.
 * PyTorch (alpha = rho):
 *   d   = g + weight_decay * p
 *   sq  = sq * alpha + (1 - alpha) * d * d
 *   centered:  ga = ga * alpha + (1 - alpha) * d;  avg = sqrt(sq - ga * ga) + eps
 *   otherwise: avg = sqrt(sq) + eps
 *   momentum > 0: buf = buf * momentum + d / avg;  p = p - lr * buf   (buf starts at 0)
 *   otherwise:    p = p - lr * d / avg
 * Buffers: 0 square_avg, then momentum_buffer (if momentum > 0), then grad_avg
 * (if centered). */
void tg__update_rmsprop(tg_optim *o, double t) {
    (void)t; /* PyTorch counts steps for RMSProp but its update does not use them */
    const tg_rmsprop_opts *s = &o->o.rmsprop;
    const double lr = o->lr, wd = s->weight_decay, a = s->alpha, a1 = 1.0 - s->alpha;
    const double mu = s->momentum, eps = s->eps;
    const int kbuf = mu > 0 ? 1 : -1;
    const int kga = s->centered ? (mu > 0 ? 2 : 1) : -1;
    for (int i = 0; i < o->n; i++) {
        tg_real *p = o->p[i]->data;
        const tg_real *g = o->p[i]->grad;
        tg_real *sq = tg__optim_buf(o, i, 0);
        tg_real *buf = kbuf >= 0 ? tg__optim_buf(o, i, kbuf) : NULL;
        tg_real *ga = kga >= 0 ? tg__optim_buf(o, i, kga) : NULL;
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

/* ---- Adam (Kingma & Ba 2015; named in ../shared/seeds/000_ead807ba5c04e088.txt,
 * "Adam Optimizer") and AdamW (Loshchilov & Hutter 2019) ----
 *   AdamW: p = p * (1 - lr * weight_decay);  d = g
 *   Adam:  d = g + weight_decay * p
 *   m   = m * beta1 + (1 - beta1) * d                     (exp_avg)
 *   v   = v * beta2 + (1 - beta2) * d * d                 (exp_avg_sq)
 *   bc1 = 1 - beta1^t,  bc2 = 1 - beta2^t
 *   step_size = lr / bc1
 *   amsgrad: vmax = max(vmax, v) and vmax replaces v below
 *   denom = sqrt(v) / sqrt(bc2) + eps
 *   p   = p - step_size * m / denom
 * Buffers: 0 exp_avg, 1 exp_avg_sq, 2 max_exp_avg_sq (amsgrad). */
void tg__update_adam(tg_optim *o, double t) {
    const tg_adam_opts *s = &o->o.adam;
    const bool decoupled = o->kind == TG__OPT_ADAMW;
    const double lr = o->lr, wd = s->weight_decay, eps = s->eps;
    const double b1 = s->beta1, b2 = s->beta2, b1c = 1.0 - b1, b2c = 1.0 - b2;
    const double bc1 = 1 - pow(b1, t), bc2 = 1 - pow(b2, t);
    const double step_size = lr / bc1;
    const double bc2_sqrt = sqrt(bc2);
    const double decay = 1 - lr * wd; /* AdamW's multiplicative decay */
    for (int i = 0; i < o->n; i++) {
        tg_real *p = o->p[i]->data;
        const tg_real *g = o->p[i]->grad;
        tg_real *m = tg__optim_buf(o, i, 0);
        tg_real *v = tg__optim_buf(o, i, 1);
        tg_real *vmax = s->amsgrad ? tg__optim_buf(o, i, 2) : NULL;
        if (!decoupled && wd == 0 && !vmax) {
            /* Plain Adam: the same arithmetic as below without branches, so the
             * compiler vectorises it (with -fno-math-errno, sqrt is an instruction).
             * In the float build it runs in float, as torch.optim does for float
             * tensors: twice the vector width for the sqrt and the division, which
             * dominate the update. */
#if !TG_REAL_IS_DOUBLE
            const float fb1 = (float)b1, fb1c = (float)b1c, fb2 = (float)b2, fb2c = (float)b2c;
            const float fbc2 = (float)bc2_sqrt, feps = (float)eps, fstep = (float)step_size;
            for (size_t j = 0; j < o->size[i]; j++) {
                float d = g[j];
                m[j] = m[j] * fb1 + fb1c * d;
                v[j] = v[j] * fb2 + fb2c * (d * d);
                p[j] = p[j] - fstep * (m[j] / (sqrtf(v[j]) / fbc2 + feps));
            }
            continue;
#endif
            for (size_t j = 0; j < o->size[i]; j++) {
                double d = (double)g[j];
                m[j] = (tg_real)((double)m[j] * b1 + b1c * d);
                v[j] = (tg_real)((double)v[j] * b2 + b2c * (d * d));
                double denom = sqrt((double)v[j]) / bc2_sqrt + eps;
                p[j] = (tg_real)((double)p[j] + (-step_size) * ((double)m[j] / denom));
            }
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
