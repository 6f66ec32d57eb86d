/* tg_gradcheck.h — compare the tape's gradients with central finite differences.
 *
 * For any function f(params) -> scalar that a caller writes with tapegrad ops,
 * tg_gradcheck computes every dL/dparam[k][j] twice: once by the backward sweep and
 * once as (f(p + eps e_j) - f(p - eps e_j)) / (2 eps), and compares them per element
 * with PyTorch's gradcheck criterion |analytic - numeric| <= atol + rtol |numeric|.
 *
 * Defaults (tg_gradcheck_defaults):
 *   double build: eps 1e-6, atol 1e-5, rtol 1e-3 (PyTorch's gradcheck defaults);
 *   float build:  eps 1e-2, atol 1e-2, rtol 1e-2. In float a difference quotient
 *   carries a rounding error of about 6e-8 |f| / eps, so eps must be large; the
 *   truncation error then grows as eps^2 |f'''| / 6, and 1e-2 balances the two for
 *   functions of unit scale (see examples/ for the V-shaped curve).
 *
 * Usage:
 *   static tg_tensor *f(tg_tape *t, tg_tensor *const *p, int n, void *user) {
 *       return tg_sum(t, tg_tanh(t, tg_matmul(t, p[0], p[1])));
 *   }
 *   tg_tensor *ps[2] = {A, B};           // long-lived, TG_REQUIRES_GRAD
 *   tg_gradcheck_result res[2];
 *   bool ok;
 *   tg_gradcheck(f, NULL, ps, 2, NULL, res, &ok);
 *
 * f must be deterministic and must return a one-element tensor on t (or NULL with
 * the error on t). Parameters' values and gradients are restored on return.
 */
#ifndef TG_GRADCHECK_H
#define TG_GRADCHECK_H

#include <stdbool.h>
#include <tapegrad/tg_tape.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef tg_tensor *(*tg_loss_fn)(tg_tape *t, tg_tensor *const *params, int n_params,
                                 void *user);

typedef struct tg_gradcheck_opts {
    double eps;   /* finite-difference step */
    double atol;  /* absolute tolerance */
    double rtol;  /* relative tolerance */
} tg_gradcheck_opts;

typedef struct tg_gradcheck_result {
    double max_abs_err;   /* max_j |analytic_j - numeric_j| */
    double max_rel_err;   /* max_j |a - n| / max(|a|, |n|) over elements where that is > 0 */
    size_t worst_index;   /* element j with the largest |a - n| - atol - rtol |n| */
    double worst_analytic, worst_numeric;
    bool passed;          /* every element met the criterion */
} tg_gradcheck_result;

/* The defaults above for this build's tg_real. */
tg_gradcheck_opts tg_gradcheck_defaults(void);

/* Runs the check. params[k] must be long-lived tensors with a gradient buffer
 * (tg_param_new or TG_REQUIRES_GRAD). opts NULL means defaults. results (may be NULL)
 * receives one entry per parameter. *passed (may be NULL) is true when every
 * parameter passed. Returns TG_OK when the check ran (whatever its verdict), or an
 * error (bad arguments, f failed, out of memory) with tg_last_error() set. */
tg_status tg_gradcheck(tg_loss_fn f, void *user, tg_tensor *const *params, int n_params,
                       const tg_gradcheck_opts *opts, tg_gradcheck_result *results,
                       bool *passed);

/* Second derivatives, checked as torch.autograd.gradgradcheck does: with fixed
 * pseudo-random directions r (one per parameter), the Hessian-vector product H r
 * that the recorded sweep gives (tg_hvp, tg_grad.h) is compared per element with
 * central differences of sum_k sum(df/dp_k * r_k), each computed by a first-order
 * tg_grad. Arguments, defaults, results and errors as tg_gradcheck's (the results
 * describe H r per parameter). Parameters' values are restored; their gradients are
 * never touched. */
tg_status tg_gradgradcheck(tg_loss_fn f, void *user, tg_tensor *const *params, int n_params,
                           const tg_gradcheck_opts *opts, tg_gradcheck_result *results,
                           bool *passed);

#ifdef __cplusplus
}
#endif
#endif
