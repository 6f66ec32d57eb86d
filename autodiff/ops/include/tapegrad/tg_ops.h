/* tg_ops.h — the primitive ops. Each records itself on the tape t when an input
 * requires a gradient, and carries its own local derivative (see the op's .c file,
 * where forward and backward sit side by side).
 *
 * Common contract of every builder below:
 *   - returns a step tensor owned by t (dies at tg_tape_reset / tg_tape_free);
 *   - returns NULL if t has already failed or any input is NULL, and on a caller's
 *     mistake records "<op>: <problem>: <details>" on t (see tg_tape.h);
 *   - never changes its inputs.
 * "x" may be a long-lived tensor (parameter, constant) or a step tensor of t's
 * current step.
 *
 * Broadcasting follows NumPy: shapes are aligned on the right; each pair of
 * dimensions must be equal or one of them 1. The backward rule sums the gradient back
 * over broadcast dimensions, so every input's gradient has the input's shape.
 */
#ifndef TG_OPS_H
#define TG_OPS_H

#include <tapegrad/tg_tape.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- elementwise binary, broadcasting (ops/binary.c) ---- */
tg_tensor *tg_add(tg_tape *t, tg_tensor *a, tg_tensor *b); /* a + b; da += g, db += g */
tg_tensor *tg_sub(tg_tape *t, tg_tensor *a, tg_tensor *b); /* a - b; da += g, db -= g */
tg_tensor *tg_mul(tg_tape *t, tg_tensor *a, tg_tensor *b); /* a * b; da += g b, db += g a */
tg_tensor *tg_div(tg_tape *t, tg_tensor *a, tg_tensor *b); /* a / b; da += g/b, db -= g a/b^2 */

/* ---- elementwise unary (ops/unary.c) ---- */
tg_tensor *tg_neg(tg_tape *t, tg_tensor *x);                   /* -x */
tg_tensor *tg_add_scalar(tg_tape *t, tg_tensor *x, tg_real c); /* x + c */
tg_tensor *tg_mul_scalar(tg_tape *t, tg_tensor *x, tg_real c); /* c x */
/* x^p for a scalar p. For non-integer p, x must be > 0 where the value is used
 * (NaN otherwise, as pow does); dx += g p x^(p-1). */
tg_tensor *tg_pow_scalar(tg_tape *t, tg_tensor *x, tg_real p);
tg_tensor *tg_square(tg_tape *t, tg_tensor *x);  /* x^2; dx += 2 x g */
tg_tensor *tg_sqrt(tg_tape *t, tg_tensor *x);    /* sqrt(x); dx += g / (2 y) */
tg_tensor *tg_exp(tg_tape *t, tg_tensor *x);     /* e^x; dx += g y */
tg_tensor *tg_log(tg_tape *t, tg_tensor *x);     /* ln x; dx += g / x */
/* ln(1 + x), accurate for small x (x <= -1 gives -inf or NaN, as log1p);
 * dx += g / (1 + x) */
tg_tensor *tg_log1p(tg_tape *t, tg_tensor *x);
tg_tensor *tg_abs(tg_tape *t, tg_tensor *x);     /* |x|; dx += g sign(x) (0 at 0) */
/* min(max(x, lo), hi); dx += g where lo < x < hi, else 0. lo may be -INFINITY and
 * hi INFINITY for a one-sided clamp. Error if lo > hi or either is NaN. */
tg_tensor *tg_clamp(tg_tape *t, tg_tensor *x, tg_real lo, tg_real hi);

/* ---- activations (ops/unary.c) ---- */
tg_tensor *tg_relu(tg_tape *t, tg_tensor *x);    /* max(0,x); dx += g [x > 0] */
/* x if x > 0 else slope x; dx += g (x > 0 ? 1 : slope). slope must be finite. */
tg_tensor *tg_leaky_relu(tg_tape *t, tg_tensor *x, tg_real slope);
tg_tensor *tg_softplus(tg_tape *t, tg_tensor *x); /* ln(1 + e^x), stable; dx += g sigmoid(x) */
tg_tensor *tg_sigmoid(tg_tape *t, tg_tensor *x);  /* 1/(1+e^-x), stable; dx += g y (1 - y) */
tg_tensor *tg_tanh(tg_tape *t, tg_tensor *x);     /* tanh x; dx += g (1 - y^2) */
/* Heaviside step: 1 if x >= 0 else 0 (the lecture notes' perceptron threshold). Its
 * derivative is zero wherever it exists, so NO gradient flows back through it
 * (dx += 0). */
tg_tensor *tg_step(tg_tape *t, tg_tensor *x);
/* sign(x) in {-1, 0, 1}; zero derivative as tg_step. */
tg_tensor *tg_sign(tg_tape *t, tg_tensor *x);
/* z = g (1 - y^2): tanh's derivative given its output y = tanh x, times g (PyTorch's
 * tanh_backward; ops/act_bwd.c). tanh's recorded derivative is this one op, so a
 * gradient of a gradient differentiates one node. g and y have one shape, z has it;
 * dg += gz (1 - y^2), dy += -2 gz g y. Errors: TG_ERR_SHAPE (the shapes differ). */
tg_tensor *tg_tanh_backward(tg_tape *t, tg_tensor *g, tg_tensor *y);

/* ---- matrix product and shapes (ops/matmul.c, ops/shape.c) ---- */
/* (M,K) x (K,N) -> (M,N); (B,M,K) x (B,K,N) -> (B,M,N); (B,M,K) x (K,N) -> (B,M,N).
 * dA += G B^T, dB += A^T G (summed over the batch when B is shared). */
tg_tensor *tg_matmul(tg_tape *t, tg_tensor *a, tg_tensor *b);
/* C = op(a) op(b), op(a) = a^T if trans_a (a stored (K,M)), else a; op(b) = b^T if
 * trans_b (b stored (N,K)), else b. No transposed copy: the GEMM reads the operand
 * through its packing. Q K^T is tg_matmul_t(t, Q, K, false, true).
 * The last two axes are the matrices; leading axes are a batch:
 *   (M,K) x (K,N) -> (M,N);  (..., M,K) x (..., K,N) -> (..., M,N) (equal batches);
 *   (..., M,K) x (K,N) and (M,K) x (..., K,N): the rank-2 side is shared.
 * d op(a) += G op(b)^T, d op(b) += op(a)^T G (summed over the batch when shared).
 * It is also the backward op of tg_matmul (whose gradients are such products); its
 * own gradients are matmul_t products again, so products differentiate to any order.
 * Errors: TG_ERR_SHAPE (rank < 2, batches or inner dimensions differ). */
tg_tensor *tg_matmul_t(tg_tape *t, tg_tensor *a, tg_tensor *b, bool trans_a, bool trans_b);
/* Swaps axes a0 and a1 (negative counts from the end). The result is a copy. */
tg_tensor *tg_transpose(tg_tape *t, tg_tensor *x, int a0, int a1);
/* Same values, new shape (element counts must match; one dimension may be -1 and is
 * inferred). Shares x's storage (a view): no copy. */
tg_tensor *tg_reshape(tg_tape *t, tg_tensor *x, int rank, const int *shape);
/* x[..., start:start+len, ...] along axis (negative counts from the end). Along axis
 * 0 it is a view (no copy). */
tg_tensor *tg_slice(tg_tape *t, tg_tensor *x, int axis, int start, int len);
/* Joins n tensors along axis (negative counts from the end); all other dimensions
 * must match. */
tg_tensor *tg_concat(tg_tape *t, tg_tensor *const *xs, int n, int axis);
/* Rows of a (V,D) table by index: out[i,:] = table[idx[i],:], shape (n,D). Indices are
 * copied; each must be in 0..V-1. dtable[idx[i],:] += g[i,:] (repeats accumulate). */
tg_tensor *tg_gather_rows(tg_tape *t, tg_tensor *table, const int *idx, int n);
/* The adjoint of tg_gather_rows (its backward op): g (n,D) -> (rows,D) zeros with
 * out[idx[i],:] += g[i,:] in order (repeats add). Indices are copied; each in
 * 0..rows-1. dg[i,:] += gout[idx[i],:]. */
tg_tensor *tg_scatter_rows(tg_tape *t, tg_tensor *g, const int *idx, int n, int rows);

/* ---- reductions (ops/reduce.c) ---- */
tg_tensor *tg_sum(tg_tape *t, tg_tensor *x);   /* all elements -> rank 0 */
tg_tensor *tg_mean(tg_tape *t, tg_tensor *x);  /* all elements -> rank 0 */
/* Along one axis (negative counts from the end); keepdim keeps it as size 1. */
tg_tensor *tg_sum_axis(tg_tape *t, tg_tensor *x, int axis, bool keepdim);
tg_tensor *tg_mean_axis(tg_tape *t, tg_tensor *x, int axis, bool keepdim);
/* Maximum along axis; the gradient goes to the first arg-max only. */
tg_tensor *tg_max_axis(tg_tape *t, tg_tensor *x, int axis, bool keepdim);
/* x summed down to shape (rank <= x's rank), which must broadcast to x's shape
 * (NumPy rules, aligned on the right): the backward op of broadcasting, what a
 * broadcast input's gradient is. dx += g repeated back to x's shape. */
tg_tensor *tg_sum_to(tg_tape *t, tg_tensor *x, int rank, const int *shape);

/* ---- softmax (ops/softmax.c): along the last axis, max-subtracted (stable) ---- */
tg_tensor *tg_softmax(tg_tape *t, tg_tensor *x);     /* dx = y (g - sum(g y)) */
tg_tensor *tg_log_softmax(tg_tape *t, tg_tensor *x); /* dx = g - softmax(x) sum(g) */

/* ---- losses (ops/loss.c): all return a rank-0 mean ---- */
/* mean((pred - target)^2) over all elements; shapes must be equal. */
tg_tensor *tg_mse_loss(tg_tape *t, tg_tensor *pred, tg_tensor *target);
/* -mean(y ln p + (1-y) ln(1-p)); p in [0,1] (clamped away from 0 and 1 by 1e-12 in
 * double, 1e-7 in float, as documented), y in [0,1]; shapes equal. */
tg_tensor *tg_bce_loss(tg_tape *t, tg_tensor *p, tg_tensor *target);
/* The same on logits z: mean(max(z,0) - z y + ln(1 + e^-|z|)); stable for |z| of 1000. */
tg_tensor *tg_bce_with_logits(tg_tape *t, tg_tensor *z, tg_tensor *target);
/* Categorical cross-entropy of logits (N,C) with integer labels[0..N-1] in 0..C-1:
 * -mean_i log_softmax(z)[i, labels[i]]. Labels are copied. */
tg_tensor *tg_cross_entropy(tg_tape *t, tg_tensor *logits, const int *labels);

/* ---- the op table ----
 * Every built-in op with its local derivative in words and the formatter the display
 * uses for its scalar arguments, for tests that walk every op (each must have a
 * gradient check) and for printing. The entries are static and never change. */
typedef struct tg_op_info {
    const tg_op *op;          /* the definition; op->name is the builder, "tg_tanh" */
    const char *derivative;   /* "dx += g (1 - y^2)": g = dL/dy, y the output */
    /* Writes the node's scalar arguments ("0.5", "axis 1, keepdim"; "" if none), numbers
     * with `precision` significant digits, into buf (cap bytes, NUL-terminated). */
    void (*format_args)(const tg_node *n, int precision, char *buf, size_t cap);
} tg_op_info;
/* The table of built-in ops; *n (may be NULL) receives its length. */
const tg_op_info *tg_op_table(size_t *n);
/* The table entry of op, or NULL when op is not a built-in one (a custom op) or NULL. */
const tg_op_info *tg_op_info_of(const tg_op *op);

#ifdef __cplusplus
}
#endif
#endif
