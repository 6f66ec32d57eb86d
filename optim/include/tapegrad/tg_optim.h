/* tg_optim.h — optimizers, gradient clipping and learning-rate schedules.
 *
 * Optimizers read a parameter list (tg_params: each tensor's ->data and ->grad) and
 * update ->data in place. They never touch the tape: any code that fills ->grad (the
 * tape's backward sweep, or a hand-written gradient) can drive them. The update
 * equations match torch.optim 1.13 (single-tensor code path) step for step; the
 * fixtures in tests/fixtures/optim/ are PyTorch's own trajectories.
 *
 * Example:
 *
 *   tg_adam_opts ao = tg_adam_defaults();  ao.lr = 1e-2;
 *   tg_optim *opt = tg_adam_new(&ps, &ao);          // NULL + tg_last_error() on bad opts
 *   tg_sched *s = tg_sched_cosine_new(opt, 100, 0.0);     // optional; sets the lr every epoch
 *   for (int epoch = 0; epoch < 100; epoch++) {
 *       tg_optim_zero_grad(opt);
 *       ... forward, tg_backward(...) fills the gradients ...
 *       tg_clip_grad_norm(&ps, 1.0, 2.0, NULL);      // optional
 *       if (tg_optim_step(opt) != TG_OK) break;      // NaN/Inf gradient: nothing changed
 *       tg_sched_step(s);
 *   }
 *   tg_sched_free(s);  tg_optim_free(opt);
 *
 * Ownership: an optimizer copies the parameter list's pointer array (and sizes) when it
 * is made; later changes to the tg_params do not affect it. The tensors stay owned by
 * their creator and must outlive the optimizer. Its state (moments, step count) is
 * allocated once at creation; tg_optim_step allocates nothing.
 *
 * Errors follow tg_core.h: constructors return NULL, others a tg_status, and the
 * thread's tg_last_error() names the function and the offending value, e.g.
 * "tg_adam_new: beta1 must be in [0, 1), got 1". A failed call changes nothing.
 *
 * Precision: every update is computed per element in double and stored as tg_real, so
 * the double build reproduces PyTorch's float64 trajectories to rounding (~1e-15).
 * One exception, for speed: plain Adam (no weight decay, no AMSGrad) in the float
 * build computes in float, as torch.optim does for float tensors (25-step
 * trajectories still agree with float64 PyTorch to about 1e-6 relative).
 */
#ifndef TG_OPTIM_H
#define TG_OPTIM_H

#include <stdbool.h>
#include <tapegrad/tg_core.h>
#include <tapegrad/tg_params.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tg_optim tg_optim;

/* ---- options: fill from tg_*_defaults() (PyTorch's defaults), then change fields.
 * Passing NULL to a constructor means the defaults. */

/* SGD. g' = g + weight_decay p; with momentum: buf = g' on the first step, then
 * buf = momentum buf + (1 - dampening) g'; the step direction is buf, or
 * g' + momentum buf with nesterov (needs momentum > 0 and dampening == 0);
 * p -= lr * direction. Defaults: lr 0.01 (PyTorch requires one), the rest 0. */
typedef struct tg_sgd_opts {
    double lr, momentum, dampening, weight_decay;
    bool nesterov;
} tg_sgd_opts;

/* Adagrad. g' = g + weight_decay p; sum += g'^2;
 * p -= lr / (1 + (t-1) lr_decay) * g' / (sqrt(sum) + eps), t = 1, 2, ...
 * Defaults: lr 0.01, lr_decay 0, weight_decay 0, initial_accumulator_value 0, eps 1e-10. */
typedef struct tg_adagrad_opts {
    double lr, lr_decay, weight_decay, initial_accumulator_value, eps;
} tg_adagrad_opts;

/* RMSProp. g' = g + weight_decay p; sq = alpha sq + (1-alpha) g'^2;
 * centered: ga = alpha ga + (1-alpha) g', avg = sqrt(sq - ga^2) + eps, else
 * avg = sqrt(sq) + eps; momentum > 0: buf = momentum buf + g'/avg, p -= lr buf;
 * else p -= lr g'/avg. Defaults: lr 0.01, alpha 0.99, eps 1e-8, the rest 0/false. */
typedef struct tg_rmsprop_opts {
    double lr, alpha, eps, weight_decay, momentum;
    bool centered;
} tg_rmsprop_opts;

/* Adam and AdamW. m = b1 m + (1-b1) g'; v = b2 v + (1-b2) g'^2 (amsgrad: vmax =
 * max(vmax, v), used in place of v); p -= (lr / (1 - b1^t)) m / (sqrt(v)/sqrt(1 - b2^t) + eps).
 * Adam: g' = g + weight_decay p (L2 penalty). AdamW: g' = g and p *= 1 - lr weight_decay
 * first (decoupled). Defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight_decay 0
 * (Adam) or 1e-2 (AdamW), amsgrad false. */
typedef struct tg_adam_opts {
    double lr, beta1, beta2, eps, weight_decay;
    bool amsgrad;
} tg_adam_opts;

tg_sgd_opts tg_sgd_defaults(void);
tg_adagrad_opts tg_adagrad_defaults(void);
tg_rmsprop_opts tg_rmsprop_defaults(void);
tg_adam_opts tg_adam_defaults(void);
tg_adam_opts tg_adamw_defaults(void);

/* ---- optimizers: one interface ----
 * Each constructor validates the options (lr >= 0, eps > 0, betas in [0, 1), ...,
 * all finite) and the list (non-empty, every tensor has data and a gradient buffer,
 * state names fit in tg_tensor.name), then allocates the state. Returns a new
 * optimizer owned by the caller (tg_optim_free), or NULL with tg_last_error(). */
tg_optim *tg_sgd_new(const tg_params *ps, const tg_sgd_opts *o);
tg_optim *tg_adagrad_new(const tg_params *ps, const tg_adagrad_opts *o);
tg_optim *tg_rmsprop_new(const tg_params *ps, const tg_rmsprop_opts *o);
tg_optim *tg_adam_new(const tg_params *ps, const tg_adam_opts *o);
tg_optim *tg_adamw_new(const tg_params *ps, const tg_adam_opts *o);

/* One update of every parameter from its current gradient. All gradients are checked
 * first: if any element is NaN or Inf, returns TG_ERR_VALUE ("tg_optim_step: gradient
 * of 'w' is not finite at element 3: nan") and changes nothing (parameters, state,
 * step count). TG_ERR_ARG for NULL; TG_ERR_STATE if the step count in the state was
 * overwritten with something that is not a non-negative integer. No allocation. */
tg_status tg_optim_step(tg_optim *opt);
/* Sets the gradients of the optimizer's parameters to zero. NULL is fine. */
void tg_optim_zero_grad(tg_optim *opt);
/* The current learning rate (NAN and an error for NULL). */
double tg_optim_get_lr(const tg_optim *opt);
/* Changes the learning rate for later steps; lr must be finite and >= 0. */
tg_status tg_optim_set_lr(tg_optim *opt, double lr);
/* "sgd", "adagrad", "rmsprop", "adam" or "adamw" ("" for NULL). */
const char *tg_optim_name(const tg_optim *opt);
/* Number of tg_real scalars of state, the step count included: e.g. Adam on n
 * parameters holds 2n + 1 (3n + 1 with amsgrad); plain SGD holds 1. */
size_t tg_optim_state_size(const tg_optim *opt);
/* Frees the optimizer and its state tensors (not the parameters). NULL is fine. */
void tg_optim_free(tg_optim *opt);

/* ---- state as named tensors (for checkpoints) ----
 * The state is a set of long-lived tensors owned by the optimizer, named after
 * PyTorch's state keys: "<param>.momentum_buffer" (SGD with momentum, RMSProp with
 * momentum), "<param>.sum" (Adagrad), "<param>.square_avg", "<param>.grad_avg"
 * (centered RMSProp), "<param>.exp_avg", "<param>.exp_avg_sq", "<param>.max_exp_avg_sq"
 * (amsgrad), each shaped like its parameter, and "optim.step", a rank-0 tensor holding
 * the number of steps taken (exact up to 2^24 in the float build). A parameter with
 * an empty name is called "param<i>" (its index in the list).
 *
 * tg_optim_state appends pointers to these live tensors to out (the caller owns out's
 * array, the optimizer owns the tensors: they die at tg_optim_free). They have no
 * gradient buffer: do not give that list to an optimizer. Error (nothing appended) if
 * a name is already in out, or out of memory. Writing into their ->data restores a
 * state (a checkpoint loader may do that); tg_optim_load_state does it with checks. */
tg_status tg_optim_state(const tg_optim *opt, tg_params *out);
/* Copies every state tensor's values from the tensor of the same name in src (extra
 * tensors in src are ignored, so a list holding parameters and state is fine).
 * Everything is validated before anything is copied: a missing name (TG_ERR_ARG), a
 * different shape (TG_ERR_SHAPE), a step count that is not a non-negative integer
 * (TG_ERR_VALUE). Restoring parameters and state reproduces the trajectory exactly. */
tg_status tg_optim_load_state(tg_optim *opt, const tg_params *src);

/* ---- gradient clipping (like torch.nn.utils.clip_grad_norm_ / clip_grad_value_) ----
 * tg_clip_grad_norm: total = the norm_type-norm of the vector of every parameter's
 * gradient norm (= the norm of all gradients concatenated; norm_type INFINITY gives the
 * largest |g|); coef = max_norm / (total + 1e-6); if coef < 1 every gradient is
 * multiplied by coef. *total_norm (may be NULL) receives total before clipping.
 * Errors: NULL ps (TG_ERR_ARG); max_norm < 0 or NaN, norm_type <= 0 or NaN
 * (TG_ERR_VALUE); a non-finite total norm (TG_ERR_VALUE, gradients untouched, *total_norm
 * still set). Entries without a gradient buffer are skipped. */
tg_status tg_clip_grad_norm(const tg_params *ps, double max_norm, double norm_type,
                            double *total_norm);
/* Clamps every gradient element to [-clip, clip]. clip must be >= 0 (TG_ERR_VALUE). */
tg_status tg_clip_grad_value(const tg_params *ps, double clip);

/* ---- learning-rate schedules ----
 * A schedule is bound to one optimizer. Its lr is a closed-form function of the epoch
 * and of base_lr, the optimizer's lr when the schedule is made (PyTorch's
 * `_get_closed_form_lr`; PyTorch's chainable step() agrees to rounding, see
 * tests/optim/test_clip_sched.c). Making a schedule sets the optimizer's lr to the value for
 * epoch 0 (as PyTorch's constructors do); tg_sched_step advances one epoch and sets the
 * lr again (tg_optim_set_lr). Call it after tg_optim_step, once per epoch.
 *   step decay:  base_lr gamma^floor(e / step_size)                      (StepLR)
 *   exponential: base_lr gamma^e                                         (ExponentialLR)
 *   cosine:      eta_min + (base_lr - eta_min)(1 + cos(pi e / T_max)) / 2 (CosineAnnealingLR;
 *                periodic past T_max, as PyTorch's)
 *   linear:      base_lr (start + (end - start) min(e, total_iters) / total_iters) (LinearLR)
 * Constructors return NULL with tg_last_error() on a NULL optimizer or bad values
 * (step_size < 1, gamma <= 0 or not finite, T_max < 1, eta_min < 0, factors outside [0, 1],
 * total_iters < 1, ...). The schedule is owned by the caller; it must not outlive the
 * optimizer. */
typedef struct tg_sched tg_sched;

tg_sched *tg_sched_step_decay_new(tg_optim *opt, int step_size, double gamma);
tg_sched *tg_sched_exponential_new(tg_optim *opt, double gamma);
tg_sched *tg_sched_cosine_new(tg_optim *opt, int T_max, double eta_min);
tg_sched *tg_sched_linear_new(tg_optim *opt, double start_factor, double end_factor, int total_iters);
/* Chains schedules like torch SequentialLR: epochs [0, m[0]) follow s[0], epochs
 * [m[0], m[1]) follow s[1] restarted at its epoch 0, and so on; all use the base_lr of
 * s[0]. Takes ownership of s[0..n-1] (also on error: they are freed); every s[i] must
 * be bound to opt; milestones strictly increasing and >= 1. Warm-up then cosine:
 *   tg_sched *s[2] = {tg_sched_linear_new(opt, 0.1, 1.0, 5), tg_sched_cosine_new(opt, 95, 0.0)};
 *   tg_sched *wc = tg_sched_sequential_new(opt, s, 2, (int[]){5});                          */
tg_sched *tg_sched_sequential_new(tg_optim *opt, tg_sched *const *s, int n, const int *milestones);

/* Advances one epoch and sets the optimizer's lr. TG_ERR_ARG for NULL. */
tg_status tg_sched_step(tg_sched *s);
/* The epoch the schedule is at (0 after construction). -1 for NULL. */
int tg_sched_epoch(const tg_sched *s);
/* Jumps to epoch e >= 0 and sets the optimizer's lr (resuming from a checkpoint). */
tg_status tg_sched_set_epoch(tg_sched *s, int e);
/* The lr the schedule gives at epoch e >= 0 (pure; NAN for NULL or e < 0). */
double tg_sched_lr_at(const tg_sched *s, int e);
/* Frees the schedule (and, for a sequential one, its parts). NULL is fine. */
void tg_sched_free(tg_sched *s);

/* ---- names before 0.2.0 (see NEWS), kept until 0.3.0 ----
 * Define TG_NO_DEPRECATED before including tapegrad to leave them out. */
#ifndef TG_NO_DEPRECATED
#define tg_optim_sgd tg_sgd_new
#define tg_optim_adagrad tg_adagrad_new
#define tg_optim_rmsprop tg_rmsprop_new
#define tg_optim_adam tg_adam_new
#define tg_optim_adamw tg_adamw_new
#define tg_sched_step_decay tg_sched_step_decay_new
#define tg_sched_exponential tg_sched_exponential_new
#define tg_sched_cosine tg_sched_cosine_new
#define tg_sched_linear tg_sched_linear_new
#define tg_sched_sequential tg_sched_sequential_new
#endif

#ifdef __cplusplus
}
#endif
#endif
