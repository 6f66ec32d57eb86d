/* tg_ops_nn.h — the primitive ops that convolutional networks and Transformers are
 * composed from: NaN-safe selection, elementwise extremes, indexing along any axis,
 * layout, statistics, GELU and friends, unfold (im2col), the fused convolution,
 * dropout, and the matrix product with transposed operands. Each carries its own
 * local derivative (the ops files) and is listed in the op table (tg_op_table) like
 * the ops of tg_ops.h, under the same contract: a step tensor owned by t, NULL and a
 * message on t on a mistake ("<op>: <problem>: <details>"), inputs never changed.
 * Axes may be negative (counting from the end). "g" is dL/dy.
 *
 * Booleans (conditions, masks) are tensors of tg_real: nonzero means true. They get
 * no gradient. Indices are C ints owned by the caller, copied by the builder (the
 * style of tg_gather_rows); each is checked against the axis length.
 */
#ifndef TG_OPS_NN_H
#define TG_OPS_NN_H

#include <tapegrad/tg_tape.h>
#include <tapegrad/tg_ops.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- selection (ops/select.c) ---- */
/* y = cond != 0 ? a : b, with cond, a and b broadcast together (NumPy rules).
 * NaN-safe: each element is picked, never multiplied by a 0/1 mask, so a NaN or
 * infinity in the branch not taken reaches neither y nor any gradient.
 * da += g where cond (summed back to a's shape), db += g where not cond; cond: none.
 * Errors: TG_ERR_SHAPE if the three shapes do not broadcast. */
tg_tensor *tg_where(tg_tape *t, tg_tensor *cond, tg_tensor *a, tg_tensor *b);
/* y = mask != 0 ? value : x (x and mask broadcast together); dx += g where not mask.
 * value may be any number, -INFINITY included (attention masks): anomaly detection
 * (tg_tape_set_anomaly_detection) skips the filled elements and still checks the
 * others. A later op that computes with the -inf (say tg_add) is reported as usual;
 * tg_softmax and tg_logsumexp turn a -inf into an exact 0 weight.
 * Errors: TG_ERR_SHAPE if x and mask do not broadcast. */
tg_tensor *tg_masked_fill(tg_tape *t, tg_tensor *x, tg_tensor *mask, tg_real value);
/* Elementwise max(a, b) / min(a, b), broadcasting. Ties split the gradient equally
 * (g/2 to each, as PyTorch); a NaN wins and takes the whole gradient.
 * maximum: da += g [a > b] + g/2 [a == b], db += g [b > a] + g/2 [a == b].
 * Errors: TG_ERR_SHAPE if the shapes do not broadcast. */
tg_tensor *tg_maximum(tg_tape *t, tg_tensor *a, tg_tensor *b);
tg_tensor *tg_minimum(tg_tape *t, tg_tensor *a, tg_tensor *b);
/* Minimum along axis (keepdim keeps it as 1); the gradient goes to the first
 * arg-min only (as tg_max_axis). A NaN counts as the minimum. Errors: TG_ERR_RANGE
 * for an axis outside -rank..rank-1 (every axis of a rank-0 x). */
tg_tensor *tg_min_axis(tg_tape *t, tg_tensor *x, int axis, bool keepdim);
/* Index of the first maximum / minimum along axis, as a tensor of tg_real holding
 * integers 0..len-1 (exact; read them with (int)y->data[i]), shaped like
 * tg_max_axis's result. NaN counts as the extreme (as PyTorch). NOT differentiable:
 * no gradient flows back through it (dx += 0). Errors: TG_ERR_RANGE (axis);
 * TG_ERR_SHAPE in the float build for an axis longer than 2^24 + 1. */
tg_tensor *tg_argmax(tg_tape *t, tg_tensor *x, int axis, bool keepdim);
tg_tensor *tg_argmin(tg_tape *t, tg_tensor *x, int axis, bool keepdim);

/* ---- indexing along any axis (ops/index.c) ----
 * x viewed as (O, D, I) around the axis: O the product of the dimensions before it,
 * D its length, I the product after it. */
/* y[o, j, i] = x[o, idx[j], i] for j < n: x's shape with the axis' length n.
 * dx[o, idx[j], i] += g[o, j, i] (repeats accumulate). idx: n ints in 0..D-1.
 * Errors: TG_ERR_RANGE (axis, an index), TG_ERR_VALUE (n < 1), TG_ERR_ARG (idx NULL). */
tg_tensor *tg_index_select(tg_tape *t, tg_tensor *x, int axis, const int *idx, int n);
/* y[o, j, i] = x[o, idx[o, j, i], i]: idx holds x's shape with the axis' length n
 * (row-major, O*n*I ints in 0..D-1), y has that shape (torch.gather with an index of
 * x's size outside the axis). dx[o, idx[o,j,i], i] += g[o, j, i].
 * Errors: as tg_index_select. */
tg_tensor *tg_gather(tg_tape *t, tg_tensor *x, int axis, const int *idx, int n);
/* y = x, then y[o, idx[o,j,i], i] += src[o, j, i] for every element of src. src has
 * x's shape except along the axis (any length), idx has src's shape (src->size ints
 * in 0..D-1). dx += g; dsrc[o, j, i] += g[o, idx[o,j,i], i].
 * Errors: TG_ERR_RANGE (axis, an index), TG_ERR_SHAPE (src's shape), TG_ERR_ARG. */
tg_tensor *tg_scatter_add(tg_tape *t, tg_tensor *x, int axis, const int *idx, tg_tensor *src);

/* ---- layout (ops/layout.c; tg_slice of tg_ops.h slices along any axis) ---- */
/* y.shape[k] = x.shape[perm[k]] and y[j] = x[i] with i_{perm[k]} = j_k (a copy);
 * dx += g permuted back. rank must be x's rank, perm a permutation of 0..rank-1
 * (negative entries count from the end; read while the builder runs).
 * Errors: TG_ERR_SHAPE (rank), TG_ERR_RANGE (an entry), TG_ERR_VALUE (a repeat),
 * TG_ERR_ARG (perm NULL). */
tg_tensor *tg_permute(tg_tape *t, tg_tensor *x, int rank, const int *perm);
/* x broadcast to shape[0..rank) (NumPy rules; -1 keeps x's dimension); a copy, since
 * tensors are dense. dx += g summed over the broadcast dimensions. Ops that broadcast
 * (tg_add, tg_where, ...) need no tg_expand. Errors: TG_ERR_SHAPE, TG_ERR_ARG. */
tg_tensor *tg_expand(tg_tape *t, tg_tensor *x, int rank, const int *shape);
/* The n inputs, all of one shape, stacked along a new axis (0..rank; negative counts
 * from the end of the result's rank); dx_k += g[.., k, ..].
 * Errors: TG_ERR_SHAPE (shapes differ), TG_ERR_RANGE (axis), TG_ERR_ARG. */
tg_tensor *tg_stack(tg_tape *t, tg_tensor *const *xs, int n, int axis);
/* Splits x along axis into n pieces of sizes[0..n) (they must add up to the axis'
 * length): out[k] = tg_slice(x, axis, sizes[0] + ... + sizes[k-1], sizes[k]). Not a
 * primitive: the gradient is the slices'. out (n pointers, the caller's) receives
 * step tensors of t. Returns TG_OK or the tape's error. */
tg_status tg_split(tg_tape *t, tg_tensor *x, int axis, const int *sizes, int n, tg_tensor **out);

/* ---- statistics along an axis (ops/stats.c) ---- */
/* y = m + ln sum_k e^(x_k - m), m the maximum along axis (no overflow);
 * dx_k += g e^(x_k - y). An all -inf line gives -inf and no gradient. */
tg_tensor *tg_logsumexp(tg_tape *t, tg_tensor *x, int axis, bool keepdim);
/* var: y = sum_k (x_k - mean)^2 / (D - correction) (correction 1: Bessel's unbiased
 * variance, torch.var's default; 0: the population variance, as layer norm uses);
 * dx_k += g 2 (x_k - mean) / (D - c). std = sqrt(var); dx_k += g (x_k - mean) /
 * ((D - c) y), 0 where y = 0. Errors: TG_ERR_RANGE (axis), TG_ERR_VALUE (correction
 * negative, not finite, or >= D). */
tg_tensor *tg_var(tg_tape *t, tg_tensor *x, int axis, tg_real correction, bool keepdim);
tg_tensor *tg_std(tg_tape *t, tg_tensor *x, int axis, tg_real correction, bool keepdim);
/* y_k = x_0 + ... + x_k along axis (x's shape); dx_k += g_k + ... + g_{D-1}. */
tg_tensor *tg_cumsum(tg_tape *t, tg_tensor *x, int axis);

/* ---- standardisation along the last axis (ops/normalize.c) ---- */
/* For each row of the last axis (length D): y = (x - m) r, m = mean(x), r = (v + eps)^(-1/2),
 * v = mean((x - m)^2) the population variance; dx += r (g - mean(g) - y mean(g y)).
 * Layer normalisation before its affine part (tg_layer_norm_forward) in one pass per
 * row, where its composition makes six ops and five intermediate tensors. The values
 * and gradients are those of that composition to the bit in the double build:
 * m = tg_mean_axis(x, -1, true), xc = tg_sub(x, m),
 * r = tg_pow_scalar(tg_add_scalar(tg_mean_axis(tg_square(xc), -1, true), eps), -0.5),
 * y = tg_mul(xc, r). Shapes: x of rank >= 1, y has x's shape. Errors: TG_ERR_SHAPE
 * (rank 0), TG_ERR_VALUE (eps not finite or not > 0). */
tg_tensor *tg_standardize(tg_tape *t, tg_tensor *x, tg_real eps);
/* Layer normalisation with its elementwise affine part: x (..., D), gamma and beta (D)
 * -> z = standardize(x) gamma + beta (PyTorch's F.layer_norm(x, (D,), gamma, beta,
 * eps)). Values and gradients are, to the bit, those of
 * tg_add(t, tg_mul(t, tg_standardize(t, x, eps), gamma), beta), in one pass over each
 * row forward and one backward, keeping two numbers per row (the composition keeps
 * two x-sized tensors). Errors: TG_ERR_SHAPE (x of rank 0; gamma or beta not (D)),
 * TG_ERR_VALUE (eps not finite and > 0). */
tg_tensor *tg_standardize_affine(tg_tape *t, tg_tensor *x, tg_tensor *gamma, tg_tensor *beta, tg_real eps);

/* ---- the per-head products of attention (ops/heads.c) ---- */
/* Head i of a (B,T,C) tensor x at column offset off is the (T, head_dim) block
 * X_i = x[b, :, off + i head_dim : off + (i+1) head_dim] (row stride C): the heads
 * of a projection are read and written where they are, with no split into
 * (B,H,T,head_dim) and no merge back.
 * tg_head_scores: a (B,Ta,Ca), b (B,Tb,Cb) -> (B,heads,Ta,Tb), out[b,i] = alpha A_i B_i^T
 *   (attention's scores, alpha = 1/sqrt(head_dim)); dA_i += alpha G_i B_i,
 *   dB_i += alpha G_i^T A_i. a and b may be the same tensor (a fused projection, at
 *   two offsets). Errors: TG_ERR_SHAPE (ranks, batch sizes, blocks past C),
 *   TG_ERR_VALUE (heads or head_dim < 1). */
tg_tensor *tg_head_scores(tg_tape *t, tg_tensor *a, int a_off, tg_tensor *b, int b_off, int heads,
                          int head_dim, tg_real alpha);
/* tg_head_mix: p (B,H,P1,P2), op(P_i) = P_i, or P_i^T with trans_p, of shape (To,Tv);
 *   v (B,Tv,Cv) -> (B,To,width), zero but for the head blocks at out_off:
 *   O_i = alpha op(P_i) V_i (attention's weighted values, alpha = 1);
 *   d op(P_i) += alpha G_i V_i^T, dV_i += alpha op(P_i)^T G_i. Errors: TG_ERR_SHAPE
 *   (ranks, batch sizes, op(P)'s columns vs v's rows, blocks past Cv or width),
 *   TG_ERR_VALUE (head_dim not in 1..Cv). Each is the other's derivative: both are
 *   their own graph forms. */
tg_tensor *tg_head_mix(tg_tape *t, tg_tensor *p, bool trans_p, tg_tensor *v, int v_off, int width, int out_off,
                       int head_dim, tg_real alpha);
/* tg_head_attention: scaled dot-product attention over heads blocks of q (B,Tq,Cq),
 *   k (B,Tk,Ck) and v (B,Tk,Cv) -> (B,Tq,heads*head_dim), head i written at columns
 *   i*head_dim:
 *     S_i = alpha Q_i K_i^T, -inf where mask != 0;  P_i = softmax(S_i) by rows;
 *     O_i = P_i V_i.
 *   mask (NULL for none; nonzero = hidden, NaN included) broadcasts to the scores'
 *   (B,heads,Tq,Tk) from the right: a key-padding mask as (B,1,1,Tk), a causal one
 *   as (Tq,Tk); it gets no gradient. A row whose every key is hidden gives NaN, as
 *   the softmax of an all -inf row does.
 *   Values and gradients are, to the bit, those of
 *     tg_head_mix(t, tg_softmax(t, tg_masked_fill(t, tg_head_scores(t, q, q_off, k,
 *     k_off, heads, head_dim, alpha), mask, -INFINITY)), false, v, v_off,
 *     heads*head_dim, 0, head_dim, 1)
 *   but one head at a time: the scores and their gradients stay in two (Tq,Tk)
 *   blocks instead of four (B,heads,Tq,Tk) tensors, and only the weights P are kept
 *   for backward (none when nothing needs a gradient). q, k and v may be one tensor
 *   (a fused projection, at three offsets); when two of them are one tensor with
 *   overlapping blocks the call records exactly that composition instead.
 *   Errors: TG_ERR_SHAPE (ranks, batch sizes, k and v lengths, blocks past the
 *   columns, a mask that does not broadcast), TG_ERR_VALUE (heads or head_dim < 1). */
tg_tensor *tg_head_attention(tg_tape *t, tg_tensor *q, int q_off, tg_tensor *k, int k_off, tg_tensor *v, int v_off,
                             tg_tensor *mask, int heads, int head_dim, tg_real alpha);

/* ---- elementwise functions (ops/act2.c) ---- */
/* GELU, erf form: y = x Phi(x) = x (1 + erf(x/sqrt 2)) / 2; dx += g (Phi(x) + x phi(x)),
 * phi the standard normal density. PyTorch's F.gelu(x). */
tg_tensor *tg_gelu(tg_tape *t, tg_tensor *x);
/* GELU, tanh form: y = x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) / 2; PyTorch's
 * F.gelu(x, approximate='tanh'). */
tg_tensor *tg_gelu_tanh(tg_tape *t, tg_tensor *x);
tg_tensor *tg_sin(tg_tape *t, tg_tensor *x); /* sin x; dx += g cos x */
tg_tensor *tg_cos(tg_tape *t, tg_tensor *x); /* cos x; dx -= g sin x */
tg_tensor *tg_erf(tg_tape *t, tg_tensor *x); /* erf x; dx += g 2/sqrt(pi) e^(-x^2) */

/* ---- unfold (im2col; ops/conv.c) ----
 * 2-D: x (N, C, H, W) -> (N, C*kh*kw, OH*OW) with
 *   y[n, (c*kh + i)*kw + j, oy*OW + ox] = x[n, c, oy*sh - ph + i*dh, ox*sw - pw + j*dw]
 *   (0 in the padding), OH = (H + 2 ph - dh (kh-1) - 1) / sh + 1, OW likewise: exactly
 *   torch.nn.functional.unfold. kernel = {kh, kw}; stride, padding, dilation are
 *   {h, w} pairs, NULL for 1, 0, 1. Backward is col2im: dx += the sum of every g that
 *   read each position. No index array is built.
 * A convolution is tg_matmul_t(t, W2, y, false, false) with W2 the (Cout, C*kh*kw)
 * weights (W shared by the batch): (N, Cout, OH*OW), reshaped to (N, Cout, OH, OW).
 * Errors: TG_ERR_SHAPE (rank, a kernel wider than the padded input, a result too
 * large), TG_ERR_VALUE (kernel, stride, dilation < 1; padding < 0), TG_ERR_ARG. */
tg_tensor *tg_unfold2d(tg_tape *t, tg_tensor *x, const int kernel[2], const int stride[2],
                       const int padding[2], const int dilation[2]);
/* 1-D: x (N, C, L) -> (N, C*k, Lout), Lout = (L + 2 padding - dilation (k-1) - 1) /
 * stride + 1, as the 2-D case with a height of 1. */
tg_tensor *tg_unfold1d(tg_tape *t, tg_tensor *x, int kernel, int stride, int padding, int dilation);
/* unfold with a row of ones after each image's rows: x (N, C, H, W) -> (N, C*kh*kw + 1,
 * OH*OW), rows 0 .. C*kh*kw - 1 those of tg_unfold2d and the last all 1. Then
 * tg_matmul_t(t, Wb, y, false, false) with Wb = [W2 b] (Cout, C*kh*kw + 1) is the
 * convolution plus its bias in one product (no separate broadcast add, whose gradient
 * would reduce over every position). dx += col2im(g's rows but the last).
 * Errors: as tg_unfold2d. 1-D: x (N, C, L) -> (N, C*k + 1, Lout). */
tg_tensor *tg_unfold2d_ones(tg_tape *t, tg_tensor *x, const int kernel[2], const int stride[2],
                            const int padding[2], const int dilation[2]);
tg_tensor *tg_unfold1d_ones(tg_tape *t, tg_tensor *x, int kernel, int stride, int padding, int dilation);
/* fold (col2im), unfold's adjoint: cols (N, C*kh*kw, L) -> (N, C, H, W) for
 * out_size = {H, W}, each column entry ADDED at the position unfold reads it from
 * (overlaps sum, padding dropped): torch.nn.functional.fold. L must be OH*OW for that
 * size. dcols += unfold(g). It is the derivative of unfold written as an op (and
 * unfold that of fold), so both can be recorded for second order.
 * Errors: as unfold, and TG_ERR_SHAPE when cols does not fit the size and kernel,
 * TG_ERR_VALUE for an output size < 1. */
tg_tensor *tg_fold2d(tg_tape *t, tg_tensor *cols, const int out_size[2], const int kernel[2],
                     const int stride[2], const int padding[2], const int dilation[2]);
/* 1-D: cols (N, C*k, L) -> (N, C, out_len). */
tg_tensor *tg_fold1d(tg_tape *t, tg_tensor *cols, int out_len, int kernel, int stride, int padding,
                     int dilation);
/* The maximum over each window of tg_unfold2d(x, kernel, stride, padding) (dilation 1),
 * without building the windows: max pooling. x (N, C, H, W) -> (N, C, OH, OW),
 *   y[n, c, oy, ox] = max_{i, j} x[n, c, oy*sh - ph + i, ox*sw - pw + j]
 * over the positions inside the image (the padding never wins: it counts as -inf).
 * stride NULL means stride = kernel, padding NULL means 0. The first maximum in window
 * order (row by row) wins ties, and a NaN (the first) wins over any number, as
 * tg_max_axis over the unfolded windows; dx[that position] += g.
 * Errors: as unfold, and TG_ERR_VALUE for a padding more than half the kernel. */
tg_tensor *tg_unfold_max2d(tg_tape *t, tg_tensor *x, const int kernel[2], const int stride[2],
                           const int padding[2]);

/* ---- the fused convolution (ops/conv_fused.c) ----
 * 2-D, as F.conv2d (a cross-correlation; groups 1, zero padding):
 *   y[n, o, oy, ox] = b[o] + sum_{c, i, j} W[o, c, i, j] x[n, c, oy*sh - ph + i*dh, ox*sw - pw + j*dw]
 *   x (N, C, H, W), W (Cout, C, kh, kw), b (Cout) -> y (N, Cout, OH, OW), OH and OW
 *   as tg_unfold2d's; the kernel is W's last two dimensions. stride, padding,
 *   dilation are {h, w} pairs, NULL for 1, 0, 1. tg_conv2d has no bias.
 * The same values and derivatives, to the last bit in the double build, as the
 * composition tg_matmul_t(W2 (Cout, C*kh*kw), tg_unfold2d(x), false, false) (with a
 * bias, [W2 b] and tg_unfold2d_ones), and its derivative in graph form (second
 * order) is that composition; but it runs image by image, so the tape's arena holds
 * one image's columns ((C kh kw + 1) x OH*OW) per node, never the batch's columns
 * nor their gradient; backward recomputes each image's columns. dW (and db) +=
 * sum_n G_n [cols_n; 1]^T, dx_n += col2im(W2^T G_n).
 * Errors: TG_ERR_SHAPE (ranks; W's channels not x's; b not (Cout); a kernel wider
 * than the padded input; a result too large), TG_ERR_VALUE (stride or dilation < 1,
 * padding < 0), TG_ERR_ARG (a NULL tensor). */
tg_tensor *tg_conv2d(tg_tape *t, tg_tensor *x, tg_tensor *w, const int stride[2], const int padding[2],
                     const int dilation[2]);
tg_tensor *tg_conv2d_bias(tg_tape *t, tg_tensor *x, tg_tensor *w, tg_tensor *b, const int stride[2],
                          const int padding[2], const int dilation[2]);
/* 1-D, as F.conv1d: x (N, C, L), W (Cout, C, k), b (Cout) -> (N, Cout, Lout), Lout
 * as tg_unfold1d's; the 2-D case with a height of 1. Errors as tg_conv2d. */
tg_tensor *tg_conv1d(tg_tape *t, tg_tensor *x, tg_tensor *w, int stride, int padding, int dilation);
tg_tensor *tg_conv1d_bias(tg_tape *t, tg_tensor *x, tg_tensor *w, tg_tensor *b, int stride, int padding,
                          int dilation);

/* ---- dropout (ops/random.c) ----
 * train and p > 0: y = x m / (1 - p), m_i = [u_i >= p] with u_i = tg_rng_uniform(rng)
 * drawn in row-major order (the same seed gives the same mask); dx += g m / (1 - p).
 * p = 1 gives zeros. p = 0 or train false: y = x (a copy), dx += g, rng not read (may
 * be NULL). rng is the caller's and advances by x->size draws.
 * Errors: TG_ERR_VALUE (p outside [0, 1]), TG_ERR_ARG (rng NULL when drawn from). */
tg_tensor *tg_dropout(tg_tape *t, tg_tensor *x, tg_real p, tg_rng *rng, bool train);

/* The matrix product with transposed operands, tg_matmul_t (ops/matmul_t.c), is
 * declared in tg_ops.h. */

/* ---- a linear layer's rows (ops/matmul_t.c) ---- */
/* y = x W + b over the rows of x: x (..., K), W (K,N), b (N) -> (..., N), one (R,K) x
 * (K,N) product for the R rows; dx += G W^T, dW += x^T G, db += the sum of G's rows.
 * The values of tg_add(tg_matmul(x, W), b) to the bit; the gradients come from G
 * directly (no intermediate tensor for x W, nor its gradient). Errors: TG_ERR_SHAPE
 * (ranks; x's last axis vs W's rows; b vs W's columns). */
tg_tensor *tg_affine(tg_tape *t, tg_tensor *x, tg_tensor *W, tg_tensor *b);
/* y = relu(x W + b): tg_affine and tg_relu in one op, with the values and gradients
 * of tg_relu(tg_affine(x, W, b)) to the bit. The ReLU is applied in the pass that adds
 * b, and its backward (dz = g where y > 0 or y is NaN, else 0) in the pass that sums
 * db; there is no tensor for x W + b nor for its gradient. Shapes and errors:
 * tg_affine's (messages name tg_affine_relu). */
tg_tensor *tg_affine_relu(tg_tape *t, tg_tensor *x, tg_tensor *W, tg_tensor *b);

#ifdef __cplusplus
}
#endif
#endif
