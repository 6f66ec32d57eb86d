/* tg_gradcheck.h — compare the tape's gradients with finite differences, with
 * verdicts that say what the check proved.
 *
 * For any function f(params) -> scalar written with tapegrad ops, tg_gradcheck
 * computes the gradient twice, once by the backward sweep (analytic) and once by
 * finite differences of f (numeric), and gives every parameter a verdict:
 *
 *   PASSED        every compared value agrees, and the check could have failed: it
 *                 states the smallest relative error it would have caught
 *                 ("would detect errors >= 0.4 %");
 *   FAILED        some value disagrees by more than the tolerance AND by more than
 *                 3 times its noise; NaN or infinity on either side always fails;
 *   INCONCLUSIVE  the check could not have failed: every |numeric| and |analytic| is
 *                 below atol (a trained optimum), or the numeric noise is not well
 *                 below the tolerance (3 x noise > atol + rtol max|numeric|).
 *
 * What is compared, per parameter x of n elements:
 *   - elements: d f / d x_j for every j (or a random sample of `sample` of them);
 *   - directions: d f / d x along n_dirs random unit vectors v (entries +-1/sqrt(n),
 *     as PyTorch's fast_mode): analytic g . v against one difference quotient along
 *     v. All n elements move at once, so the difference of f is sqrt(n) times larger
 *     against the same rounding noise: a float build sees errors of a few per cent
 *     that elements alone cannot.
 * Each value passes when |analytic - numeric| <= max(atol + rtol |numeric|, 3 noise).
 *
 * The numeric derivative: central differences with the step h = eps max(1, rms(x))
 * (per tensor, from its scale), order 2, (f(x+h) - f(x-h)) / 2h, or order 4,
 * (8 (f(x+h) - f(x-h)) - (f(x+2h) - f(x-2h))) / 12h, each divided by the step
 * actually taken (in float x +- h rounds). It is computed at h and at h/2; their
 * difference is the noise estimate (rounding and truncation), floored by the
 * rounding of f itself, machine-eps |f| / h.
 *
 * Defaults (tg_gradcheck_defaults):
 *   double: eps 1e-6, atol 1e-7, rtol 1e-5, order 2, 4 directions: fails a relative
 *           error of 1e-4; at a trained optimum (gradients ~1e-8) INCONCLUSIVE;
 *   float:  eps 1e-2, atol 1e-4, rtol 1e-2, order 4, 4 directions: fails a 5 %
 *           error. In float a difference quotient carries a rounding error of about
 *           6e-8 |f| / h, hence the large step and the fourth-order stencil, whose
 *           truncation error h^4 |f^(5)| / 30 stays small at that step.
 * Cost: f runs once for the sweep, then 4 (order 2) or 6 (order 4) times per
 * compared element and per direction.
 *
 * Usage:
 *   static tg_tensor *f(tg_tape *t, tg_tensor *const *p, int n, void *user) {
 *       return tg_sum(t, tg_tanh(t, tg_matmul(t, p[0], p[1])));
 *   }
 *   tg_tensor *ps[2] = {A, B};           // long-lived, TG_REQUIRES_GRAD
 *   tg_gradcheck_result res[2];
 *   bool ok;
 *   tg_gradcheck(f, NULL, ps, 2, NULL, res, &ok);
 *   tg_gradcheck_print(stdout, res, 2);
 * prints one line per parameter, e.g.
 *   A (3,4): FAILED: 3 of 12 elements differ, worst A[2,1]: analytic 0.5, numeric 0.4 ...
 *
 * f must be deterministic and must return a one-element tensor on t (or NULL with
 * the error on t). Parameters' values and gradients are restored on return.
 */
#ifndef TG_GRADCHECK_H
#define TG_GRADCHECK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <tapegrad/tg_tape.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef tg_tensor *(*tg_loss_fn)(tg_tape *t, tg_tensor *const *params, int n_params,
                                 void *user);

/* Options. Write them with designated initializers ({.eps = 1e-3, .atol = 1e-6,
 * .rtol = 1e-4}) or start from tg_gradcheck_defaults(); every field after rtol left
 * 0 takes its default. */
typedef struct tg_gradcheck_opts {
    double eps;     /* finite-difference step, relative to max(1, rms(x)) */
    double atol;    /* absolute tolerance */
    double rtol;    /* relative tolerance */
    int order;      /* 2 or 4 (stencil); 0: the build's default */
    int n_dirs;     /* random directions per parameter; 0: default 4; -1: none */
    size_t sample;  /* 0: compare every element; k: a random sample of k elements */
    uint64_t seed;  /* seed of the directions and the sample; 0: 1 */
} tg_gradcheck_opts;

typedef enum tg_verdict {
    TG_CHECK_PASSED = 0,
    TG_CHECK_FAILED,
    TG_CHECK_INCONCLUSIVE
} tg_verdict;

/* "PASSED", "FAILED", "INCONCLUSIVE" ("?" for another value). */
const char *tg_verdict_name(tg_verdict v);

typedef struct tg_gradcheck_result {
    double max_abs_err;   /* max_j |analytic_j - numeric_j| over compared elements */
    double max_rel_err;   /* max_j |a - n| / max(|a|, |n|) where that is > 0 */
    size_t worst_index;   /* row-major element with the largest excess over its
                             tolerance (a failing one if any fails) */
    double worst_analytic, worst_numeric;
    bool passed;          /* verdict == TG_CHECK_PASSED: passed and conclusive */
    tg_verdict verdict;
    char name[48];        /* the parameter's name, or "params[k]" */
    int rank, shape[TG_MAX_RANK];
    int worst_at[TG_MAX_RANK];  /* worst_index as a multi-index: W[2,7] */
    size_t size;          /* elements of the parameter */
    size_t n_checked;     /* elements compared (size, or the sample) */
    size_t n_failed;      /* compared elements that fail */
    int n_dirs, n_dirs_failed;
    double dir_analytic, dir_numeric;  /* at the direction with the largest excess */
    double noise;         /* median noise estimate of the compared numeric values */
    double step;          /* h used for this parameter */
    double sensitivity;   /* smallest relative error of the derivative this check
                             would catch (0.004 = 0.4 %); INFINITY when none, 0 when
                             the derivative is exactly 0 (then any analytic value
                             above atol fails) */
    bool nonfinite;       /* NaN or infinity met (always FAILED) */
    bool vacuous;         /* INCONCLUSIVE because every |value| is below atol */
    bool sampled;         /* n_checked < size: a random sample, drawn with `seed` */
    uint64_t seed;
} tg_gradcheck_result;

/* The defaults above for this build's tg_real. */
tg_gradcheck_opts tg_gradcheck_defaults(void);

/* Runs the check. params[k] must be long-lived tensors with a gradient buffer
 * (tg_param_new or TG_REQUIRES_GRAD). opts NULL means defaults. results (may be NULL)
 * receives one entry per parameter. *passed (may be NULL) is true when every
 * parameter PASSED. Returns TG_OK when the check ran (whatever its verdict), or an
 * error (bad arguments, f failed, out of memory) with tg_last_error() set. */
tg_status tg_gradcheck(tg_loss_fn f, void *user, tg_tensor *const *params, int n_params,
                       const tg_gradcheck_opts *opts, tg_gradcheck_result *results,
                       bool *passed);

/* One line per result (for tests and logs): name, shape, verdict, the worst element
 * as a multi-index with analytic and numeric there (NaN and inf as such), failing
 * count out of compared, directions, noise and sensitivity, the sample's seed.
 * TG_ERR_ARG for NULL out or results with n > 0; TG_ERR_IO on a write error. */
tg_status tg_gradcheck_print(FILE *out, const tg_gradcheck_result *results, int n);

/* ---- one op alone ----
 * tg_opcheck draws inputs of the given shapes (uniform in [lo, hi), seeded), checks
 * L = sum(r * op(inputs)) with a fixed random r by tg_gradcheck (first order) and,
 * when the op has a graph form of its derivative (backward_graph), by
 * tg_gradgradcheck (second order; the verdict covers both), and
 * hands the op's shape rule each entry of `wrong` (inputs of wrong shapes): each must
 * be rejected with an error on the tape that names the op, without a crash. This is
 * what a user runs on a new tg_op (built-in ops: tg_op_table()). */
typedef struct tg_opcheck_input {
    int rank;
    int shape[TG_MAX_RANK];
    double lo, hi;        /* value range; lo == hi == 0 means [-1, 1) */
} tg_opcheck_input;

typedef struct tg_opcheck_opts {
    tg_gradcheck_opts gc;            /* eps, atol, rtol all 0: the defaults' */
    uint64_t seed;                   /* inputs and r; 0: 1 */
    const tg_op_args *args;          /* the op's arguments; NULL: all zero */
    const tg_opcheck_input *wrong;   /* n_wrong sets of n_in inputs each, row by row */
    int n_wrong;
} tg_opcheck_opts;

typedef struct tg_opcheck_report {
    tg_verdict verdict;                  /* of the whole op: FAILED if any part failed */
    tg_gradcheck_result first[TG_OP_MAX_ARGS];  /* first order, one per input */
    int n_in;
    bool second_order_checked;           /* the op has a graph form (backward_graph) */
    tg_gradcheck_result second[TG_OP_MAX_ARGS]; /* if checked: tg_gradgradcheck, per input */
    int n_wrong_rejected;                /* of opts.n_wrong */
    char wrong_message[160];             /* the first rejection, or why one failed */
} tg_opcheck_report;

/* Checks op on inputs of shapes in[0..n_in) (n_in <= TG_OP_MAX_ARGS). rep is filled;
 * out (may be NULL) receives the gradcheck lines and the shape-rule result. Returns
 * TG_OK when the check ran; TG_ERR_ARG/SHAPE for bad arguments or when the op fails
 * on the given shapes (with the op's message). */
tg_status tg_opcheck(FILE *out, const tg_op *op, const tg_opcheck_input *in, int n_in,
                     const tg_opcheck_opts *opts, tg_opcheck_report *rep);

/* ---- which op is wrong ----
 * tg_gradcheck_locate records f once and re-checks every node of the tape alone, in
 * recording order: the node's local vector-Jacobian product (its backward, seeded
 * with a random upstream gradient u, added onto random prior gradients so that "="
 * instead of "+=" shows) against finite differences of u . op(inputs) on its saved
 * inputs. It stops at the first node that disagrees and names it: op, node id,
 * input, element. out (may be NULL) receives one line per node checked and the
 * verdict. Nodes of ops without a backward are skipped. */
typedef struct tg_locate_result {
    bool found;               /* a node disagrees */
    size_t node_id;           /* its id on the tape (recording order) */
    char op[48];              /* its op's name, "tg_tanh" */
    int input;                /* which input's gradient is wrong */
    tg_gradcheck_result r;    /* that input's check: r.worst_at is the element */
    size_t n_nodes, n_checked, n_inconclusive;
} tg_locate_result;

tg_status tg_gradcheck_locate(FILE *out, tg_loss_fn f, void *user, tg_tensor *const *params,
                              int n_params, const tg_gradcheck_opts *opts,
                              tg_locate_result *res);
/* Second derivatives, checked as torch.autograd.gradgradcheck does: with fixed
 * pseudo-random directions r (one per parameter), the Hessian-vector product H r
 * that the recorded sweep gives (tg_hvp, tg_grad.h) is compared with finite
 * differences of sum_k sum(df/dp_k * r_k), each computed by a first-order tg_grad,
 * exactly as tg_gradcheck compares (per element and along random directions, with
 * its noise estimate and verdicts). Arguments, defaults, results and errors as tg_gradcheck's (the results
 * describe H r per parameter). Parameters' values are restored; their gradients are
 * never touched. */
tg_status tg_gradgradcheck(tg_loss_fn f, void *user, tg_tensor *const *params, int n_params,
                           const tg_gradcheck_opts *opts, tg_gradcheck_result *results,
                           bool *passed);

#ifdef __cplusplus
}
#endif
#endif
