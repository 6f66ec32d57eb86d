/* tg_grad.h — gradients as tensors, and gradients of gradients.
 *
 * tg_backward (tg_tape.h) accumulates dL/dparam into every parameter's ->grad, the
 * training loop's case. tg_grad instead RETURNS the gradients of y with respect to
 * chosen tensors xs, as step tensors, and leaves every ->grad alone. With
 * TG_GRAD_CREATE_GRAPH the sweep records itself: each op's local derivative runs in
 * its graph form (tg_op.backward_graph, the `graph` column of the op registry), so
 * the returned gradients are ordinary tensors on the tape, functions of the inputs,
 * and can be differentiated again, to any order. That gives
 *   - second derivatives: tg_grad of a first derivative;
 *   - Hessian-vector products: tg_hvp below, one extra sweep, no Hessian;
 *   - gradient penalties (WGAN-GP): loss + lambda ||dD/dx||^2, then tg_backward.
 *
 * Example (d^2/dx^2 tanh x at x = 0.5 = -2 tanh(x) (1 - tanh(x)^2)):
 *   tg_tensor *x = tg_tape_tensor(t, 0, NULL, (tg_real[]){0.5}, TG_REQUIRES_GRAD);
 *   tg_tensor *y = tg_tanh(t, x), *dy, *d2y;
 *   tg_grad(t, y, NULL, &x, 1, TG_GRAD_CREATE_GRAPH, &dy);   // 1 - tanh^2, on the tape
 *   tg_grad(t, dy, NULL, &x, 1, 0, &d2y);                    // a constant
 *
 * Memory: everything lives in the tape's arena and dies at tg_tape_reset. A recorded
 * sweep adds, per node it differentiates, the nodes and values of that node's graph
 * form (a tanh: one tanh_backward of its output's size; a matmul: two products),
 * plus one gradient tensor per x. A first-order tg_grad adds what
 * tg_backward would (a gradient buffer per tensor a gradient reaches) and the
 * results (a leaf's gradient is summed in its result directly). Measured
 * (tests/ops/test_higher.c prints it) on an MLP 784-256-10 (tanh), batch 64,
 * cross-entropy, double: forward 0.41 MB; a first-order tg_grad of all 4 weights
 * +2.0 MB; a recorded sweep +1.9 MB (10 nodes: 1.2 x the weights' 1.6 MB, of which
 * the gradients themselves are 1.0 x); a whole tg_hvp +5.2 MB (3.2 x the weights).
 * The growth is the same every step, so a loop that takes a gradient penalty every
 * step allocates nothing after its first step (the arena keeps its chunks;
 * tests/ops/test_higher.c counts).
 */
#ifndef TG_GRAD_H
#define TG_GRAD_H

#include <tapegrad/tg_tape.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    /* Record the sweep on the tape, so the gradients can be differentiated again. */
    TG_GRAD_CREATE_GRAPH = 1u << 0,
    /* An x that does not reach y gets a zero gradient instead of an error. */
    TG_GRAD_ALLOW_UNUSED = 1u << 1
};

/* The outputs of the nodes a recorded sweep adds are named
 * "backward of <op> (node <k>)": the node whose local derivative they compute. The
 * table shows that name; the trace and the DOT graph refer to them by id (n12). */
#define TG_GRAD_NAME_PREFIX "backward of "

/* The most xs one call takes. */
#define TG_GRAD_MAX_XS 1024

/* Gradients of y with respect to xs[0..n-1], returned as step tensors in out[0..n-1]
 * (same shapes as xs). seed: NULL for a one-element y, else dL/dy of y's shape.
 * flags: TG_GRAD_CREATE_GRAPH records the sweep itself, so out[i] can be
 *        differentiated again (any order); without it out[i] are constants.
 *        TG_GRAD_ALLOW_UNUSED gives zeros for an x that does not reach y
 *        (otherwise TG_ERR_ARG naming the x).
 * Leaves' ->grad buffers are NOT touched by tg_grad (unlike tg_backward).
 * xs may be parameters, step leaves made with TG_REQUIRES_GRAD, or intermediate
 * results of t's current step. out[i] belong to t and die at tg_tape_reset.
 * Errors (TG_ERR_ARG, _STATE, _SHAPE; recorded on t, out[] all NULL, no ->grad
 * written): t NULL or failed; y NULL, stale, or not requiring a gradient; a seed of
 * the wrong shape, tape or step; n <= 0 or > TG_GRAD_MAX_XS; xs or out NULL; xs[i]
 * NULL, stale or from another tape; an x that does not reach y (see above); unknown
 * flags; under TG_GRAD_CREATE_GRAPH, an op on the way without a graph form:
 *   "tg_grad: op 'my_op' (node 7) has no recordable derivative; give it one to take
 *    gradients of its gradient" (TG_ERR_STATE). */
tg_status tg_grad(tg_tape *t, tg_tensor *y, const tg_tensor *seed,
                  tg_tensor *const *xs, int n, unsigned flags, tg_tensor **out);

/* Hessian-vector products of a one-element y:
 *
 *   tg_tensor *loss = tg_mse_loss(t, tg_mlp_forward(t, mlp, x), target);
 *   tg_tensor *hv[4];                       // ps: the MLP's 4 weights (tg_mlp_params)
 *   tg_hvp(t, loss, ps.items, vs, ps.n, 0, hv);   // vs[k]: a direction per weight
 *   // hv[k] = (H v)_k, of ps.items[k]'s shape; tests/ops/test_higher.c checks it
 *   // against (grad(p + e v) - grad(p - e v)) / 2e for an MLP and an LSTM.
 *
 * Definition: out[i] = sum_j (d^2 y / dx_i dx_j) v_j, the gradient of
 * sum_j sum(g_j * v_j) where g = tg_grad(y, xs, CREATE_GRAPH): two sweeps, no
 * Hessian. The second starts from every g_j at once with dL/dg_j = v_j (no product
 * or sum is recorded to get there). Since nothing reads the values of the g_j, the
 * first sweep records a product that only makes the gradient of a leaf used once
 * (the W of x W) without computing it: its node is on the tape (the table shows
 * zeros) and the second sweep differentiates it as any other. Without
 * TG_GRAD_CREATE_GRAPH the second sweep runs the ops' graph forms unrecorded (each
 * gradient is the output of the op that computes it, nothing is zeroed first; a
 * trace callback sees no node of it), or their kernels if a node it reaches has no
 * graph form. vs[j] has xs[j]'s
 * shape (long-lived or step tensors; they are constants here, never written).
 * flags as tg_grad's, applied to the second sweep (TG_GRAD_CREATE_GRAPH gives
 * differentiable products; TG_GRAD_ALLOW_UNUSED zeros for unused xs in both
 * sweeps). Errors as tg_grad's, plus vs or vs[j] NULL or of the wrong shape. */
tg_status tg_hvp(tg_tape *t, tg_tensor *y, tg_tensor *const *xs, tg_tensor *const *vs,
                 int n, unsigned flags, tg_tensor **out);

#ifdef __cplusplus
}
#endif
#endif
