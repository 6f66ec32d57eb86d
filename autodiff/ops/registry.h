/* registry.h — every built-in op, one line each: the one table of tapegrad's primitives.
 *
 * This is where a reviewer reads every local derivative rule on one screen (the role
 * of PyTorch's derivatives.yaml). Each line is
 *
 *   OP(name, inputs, flags, shape, forward, backward, graph, args, derivative)
 *
 *   name        the builder is tg_<name>; its definition is tg__op_<name>
 *   inputs      number of tensor inputs, -1 for any number >= 1
 *   flags       EW: elementwise (out[i] depends on each input's element i after
 *               broadcasting; the trace shows upstream * local derivative);
 *               VIEW: forward sets out->data itself (it may share an input's storage);
 *               ST: backward stores into a gradient nothing has written yet instead
 *               of adding onto zeros (tg/store.h); without it the sweep zeroes first
 *   shape       the shape rule tg__infer_<shape>
 *   forward     tg__<forward>: computes out->data, saves what backward needs
 *   backward    tg__<backward>: ADDS dL/d(input) into every input's ->grad that exists
 *   graph       tg__<graph>: the same derivative in graph form, recorded with tapegrad
 *               ops so that tg_grad(..., TG_GRAD_CREATE_GRAPH) can differentiate it
 *               again (see tg_tape.h, tg_op.backward_graph). It computes exactly what
 *               backward adds, to the last bit in the double build (tests/ops/
 *               test_optable.c proves it for every line), so the kernel stays the
 *               fast path of tg_backward and the graph form serves higher orders.
 *               Where a derivative needs what no op computes, the table has a
 *               "backward op" for it (sum_to, scatter_rows, matmul_t, log1p), with
 *               its own two forms, so any order works.
 *   args        how the display writes the op's scalar arguments (registry.c)
 *   derivative  the local derivative in words: g = dL/dy, y = the output
 *
 * The functions sit together in their family's file (the comment above each group
 * names it), next to the op's public builder. This list is expanded by
 * ops_private.h (declarations) and registry.c (the op definitions and the table that
 * tg_op_table() returns, that the display, the trace and tests/ops/ walk). Adding an
 * op: its region in the family file (forward, backward and graph form), its line here,
 * its declaration in tg_ops.h, its tests (gradient, gradient-of-gradient and
 * bit-agreement checks come from its row in tests/ops/test_optable.c). There is no count to keep: the table's length is
 * the number of lines.
 */

/* ---- elementwise, broadcasting (binary.c) */
OP(add,             2,  EW|ST, bcast,    add_fwd,         add_bwd,         add_vjp,         none,         "da += g, db += g")
OP(sub,             2,  EW|ST, bcast,    sub_fwd,         sub_bwd,         sub_vjp,         none,         "da += g, db -= g")
OP(mul,             2,  EW|ST, bcast,    mul_fwd,         mul_bwd,         mul_vjp,         none,         "da += g b, db += g a")
OP(div,             2,  EW|ST, bcast,    div_fwd,         div_bwd,         div_vjp,         none,         "da += g / b, db -= g (a / b) / b")
/* ---- elementwise unary and activations (unary.c) */
OP(neg,             1,  EW|ST, same,     neg_fwd,         neg_bwd,         neg_vjp,         none,         "dx -= g")
OP(add_scalar,      1,  EW|ST, same,     add_scalar_fwd,  add_scalar_bwd,  add_scalar_vjp,  scalar,       "dx += g")
OP(mul_scalar,      1,  EW|ST, same,     mul_scalar_fwd,  mul_scalar_bwd,  mul_scalar_vjp,  scalar,       "dx += c g")
OP(pow_scalar,      1,  EW|ST, pow,      pow_fwd,         pow_bwd,         pow_vjp,         scalar,       "dx += g p x^(p-1) (0 for p = 0)")
OP(square,          1,  EW|ST, same,     square_fwd,      square_bwd,      square_vjp,      none,         "dx += 2 x g")
OP(sqrt,            1,  EW|ST, same,     sqrt_fwd,        sqrt_bwd,        sqrt_vjp,        none,         "dx += g / (2 y)")
OP(exp,             1,  EW|ST, same,     exp_fwd,         exp_bwd,         exp_vjp,         none,         "dx += g y")
OP(log,             1,  EW|ST, same,     log_fwd,         log_bwd,         log_vjp,         none,         "dx += g / x")
OP(abs,             1,  EW|ST, same,     abs_fwd,         abs_bwd,         abs_vjp,         none,         "dx += g sign(x)")
OP(clamp,           1,  EW|ST, clamp,    clamp_fwd,       clamp_bwd,       clamp_vjp,       bounds,       "dx += g where lo < x < hi")
OP(relu,            1,  EW|ST, same,     relu_fwd,        relu_bwd,        relu_vjp,        none,         "dx += g [not x <= 0] (NaN passes)")
OP(leaky_relu,      1,  EW|ST, leaky,    leaky_fwd,       leaky_bwd,       leaky_vjp,       scalar,       "dx += g (x > 0 ? 1 : slope)")
OP(sigmoid,         1,  EW|ST, same,     sigmoid_fwd,     sigmoid_bwd,     sigmoid_vjp,     none,         "dx += g y (1 - y)")
OP(softplus,        1,  EW|ST, same,     softplus_fwd,    softplus_bwd,    softplus_vjp,    none,         "dx += g sigmoid(x)")
OP(log1p,           1,  EW|ST, same,     log1p_fwd,       log1p_bwd,       log1p_vjp,       none,         "dx += g / (1 + x)")
OP(tanh,            1,  EW|ST, same,     tanh_fwd,        tanh_bwd,        tanh_vjp,        none,         "dx += g (1 - y^2)")
OP(step,            1,  EW|ST, same,     step_fwd,        zero_bwd,        zero_vjp,        none,         "dx += 0 (zero wherever defined)")
OP(sign,            1,  EW|ST, same,     sign_fwd,        zero_bwd,        zero_vjp,        none,         "dx += 0 (zero wherever defined)")
/* ---- matrix product (matmul.c) */
OP(matmul,          2,  ST,   matmul,    matmul_fwd,      matmul_bwd,      matmul_vjp,      none,         "dA += G B^T, dB += A^T G")
/* ---- shapes (shape.c) */
OP(transpose,       1,  ST,   transpose, transpose_fwd,   transpose_bwd,   transpose_vjp,   axes,         "dx += g with the axes swapped back")
OP(reshape,         1,  VIEW|ST, reshape,  reshape_fwd,     reshape_bwd,     reshape_vjp,     none,         "dx += g (same order, old shape)")
OP(slice,           1,  VIEW|ST, slice,    slice_fwd,       slice_bwd,       slice_vjp,       slice,        "dx[.., start:start+len, ..] += g")
OP(concat,          -1, ST,   concat,    concat_fwd,      concat_bwd,      concat_vjp,      axis,         "dx_k += g[.., off_k:off_k+D_k, ..]")
OP(gather_rows,     1,  ST,   gather,    gather_fwd,      gather_bwd,      gather_vjp,      none,         "dtable[idx[i], :] += g[i, :]")
OP(scatter_rows,    1,  ST,   scatter,   scatter_fwd,     scatter_bwd,     scatter_vjp,     none,         "dg[i, :] += gy[idx[i], :]")
/* ---- reductions (reduce.c) */
OP(sum,             1,  ST,   scalar,    sum_fwd,         sum_bwd,         sum_vjp,         none,         "dx += g")
OP(mean,            1,  ST,   scalar,    mean_fwd,        mean_bwd,        mean_vjp,        none,         "dx += g / N")
OP(sum_axis,        1,  ST,   axis,      sum_axis_fwd,    sum_axis_bwd,    sum_axis_vjp,    axis_keepdim, "dx += g repeated along axis")
OP(mean_axis,       1,  ST,   axis,      mean_axis_fwd,   mean_axis_bwd,   mean_axis_vjp,   axis_keepdim, "dx += g / len repeated along axis")
OP(max_axis,        1,  ST,   axis,      max_axis_fwd,    max_axis_bwd,    max_axis_vjp,    axis_keepdim, "dx[argmax] += g (first arg-max; a NaN is the max)")
OP(sum_to,          1,  ST,   sum_to,    sum_to_fwd,      sum_to_bwd,      sum_to_vjp,      none,         "dx += g broadcast back to x's shape")
/* ---- softmax along the last axis (softmax.c) */
OP(softmax,         1,  ST,   softmax,   softmax_fwd,     softmax_bwd,     softmax_vjp,     none,         "dx += y (g - sum(g y))")
OP(log_softmax,     1,  ST,   softmax,   log_softmax_fwd, log_softmax_bwd, log_softmax_vjp, none,         "dx += g - e^y sum(g)")
/* ---- losses, rank-0 means (loss.c) */
OP(mse_loss,        2,  ST,   pair,      mse_fwd,         mse_bwd,         mse_vjp,         none,         "da += 2 g (a - b) / N, db -= the same")
OP(bce_loss,        2,  ST,   bce,       bce_fwd,         bce_bwd,         bce_vjp,         none,         "dp += g (q - y) / (q (1-q) N) in the band, dy -= g logit(q) / N")
OP(bce_with_logits, 2,  ST,   bcel,      bcel_fwd,        bcel_bwd,        bcel_vjp,        none,         "dz += g (sigmoid(z) - y) / N, dy -= g z / N")
OP(cross_entropy,   1,  ST,   ce,        ce_fwd,          ce_bwd,          ce_vjp,          none,         "dz += g (softmax(z) - onehot(label)) / N")
/* ---- selection, NaN-safe; extremes and arg-extremes (select.c) */
OP(where,           3,  EW|ST,   where,        where_fwd,        where_bwd,        where_vjp,        none,         "da += g where cond, db += g where not cond (dcond += 0)")
OP(masked_fill,     2,  EW|FILL|ST, masked_fill,  masked_fill_fwd,  masked_fill_bwd,  masked_fill_vjp,  scalar,       "dx += g where not mask (dmask += 0)")
OP(maximum,         2,  EW|ST,   extremum,     maximum_fwd,      maximum_bwd,      maximum_vjp,      none,         "da += g [a > b] + g/2 [a == b], db += g [b > a] + g/2 [a == b]")
OP(minimum,         2,  EW|ST,   extremum,     minimum_fwd,      minimum_bwd,      minimum_vjp,      none,         "da += g [a < b] + g/2 [a == b], db += g [b < a] + g/2 [a == b]")
OP(min_axis,        1,  ST,      pick,         min_axis_fwd,     min_axis_bwd,     min_axis_vjp,     axis_keepdim, "dx[argmin] += g (first arg-min)")
OP(argmax,          1,  ST,      pick,         argmax_fwd,       zero_bwd,         zero_vjp,         axis_keepdim, "dx += 0 (integer indices: not differentiable)")
OP(argmin,          1,  ST,      pick,         argmin_fwd,       zero_bwd,         zero_vjp,         axis_keepdim, "dx += 0 (integer indices: not differentiable)")
/* ---- indexing along any axis (index.c) */
OP(index_select,    1,  ST,      index_select, index_select_fwd, index_select_bwd, index_select_vjp, axis_n,       "dx[.., idx[j], ..] += g[.., j, ..]")
OP(gather,          1,  ST,      gather_axis,  gather_axis_fwd,  gather_axis_bwd,  gather_axis_vjp,  axis_n,       "dx[.., idx[.., j, ..], ..] += g[.., j, ..]")
OP(scatter_add,     2,  ST,      scatter_add,  scatter_add_fwd,  scatter_add_bwd,  scatter_add_vjp,  axis,         "dx += g, dsrc += gather(g, axis, idx)")
/* ---- layout (layout.c) */
OP(permute,         1,  ST,      permute,      permute_fwd,      permute_bwd,      permute_vjp,      perm,         "dx += g with the inverse permutation")
OP(expand,          1,  ST,      expand,       expand_fwd,       expand_bwd,       expand_vjp,       none,         "dx += g summed over the expanded axes")
OP(stack,           -1, ST,      stack,        stack_fwd,        stack_bwd,        stack_vjp,        axis,         "dx_k += g[.., k, ..]")
/* ---- statistics along an axis (stats.c) */
OP(logsumexp,       1,  ST,      pick,         logsumexp_fwd,    logsumexp_bwd,    logsumexp_vjp,    axis_keepdim, "dx += g e^(x - y)")
OP(var,             1,  ST,      var,          var_fwd,          var_bwd,          var_vjp,          var,          "dx += g 2 (x - mean) / (D - c)")
OP(std,             1,  ST,      var,          std_fwd,          std_bwd,          std_vjp,          var,          "dx += g (x - mean) / ((D - c) y)")
OP(cumsum,          1,  ST,      cumsum,       cumsum_fwd,       cumsum_bwd,       cumsum_vjp,       axis,         "dx += reversed cumsum of g")
/* ---- elementwise functions (act2.c) */
OP(gelu,            1,  EW|ST,   same,         gelu_fwd,         gelu_bwd,         gelu_vjp,         none,         "dx += g (Phi(x) + x phi(x))")
OP(gelu_tanh,       1,  EW|ST,   same,         gelu_tanh_fwd,    gelu_tanh_bwd,    gelu_tanh_vjp,    none,         "dx += g ((1 + tanh u)/2 + x (1 - tanh^2 u) u'(x)/2)")
OP(sin,             1,  EW|ST,   same,         sin_fwd,          sin_bwd,          sin_vjp,          none,         "dx += g cos x")
OP(cos,             1,  EW|ST,   same,         cos_fwd,          cos_bwd,          cos_vjp,          none,         "dx -= g sin x")
OP(erf,             1,  EW|ST,   same,         erf_fwd,          erf_bwd,          erf_vjp,          none,         "dx += g 2/sqrt(pi) e^(-x^2)")
/* ---- derivatives of activations as ops, for gradients of gradients (act_bwd.c) */
OP(tanh_backward,   2,  EW,      same2,        tanh_backward_fwd, tanh_backward_bwd, tanh_backward_vjp, none,      "dg += gz (1 - y^2), dy -= 2 gz g y")
/* ---- convolution's unfold and its adjoint fold (conv.c) */
OP(unfold1d,        1,  0,       unfold,       unfold_fwd,       unfold_bwd,       unfold_vjp,       unfold,       "dx += col2im(g)")
OP(unfold2d,        1,  0,       unfold,       unfold_fwd,       unfold_bwd,       unfold_vjp,       unfold,       "dx += col2im(g)")
OP(unfold1d_ones,   1,  0,       unfold,       unfold_fwd,       unfold_bwd,       unfold_vjp,       unfold,       "dx += col2im(g without its ones row)")
OP(unfold2d_ones,   1,  0,       unfold,       unfold_fwd,       unfold_bwd,       unfold_vjp,       unfold,       "dx += col2im(g without its ones row)")
OP(fold1d,          1,  0,       fold,         fold_fwd,         fold_bwd,         fold_vjp,         unfold,       "dcols += unfold(g)")
OP(fold2d,          1,  0,       fold,         fold_fwd,         fold_bwd,         fold_vjp,         unfold,       "dcols += unfold(g)")
OP(unfold_max2d,     1,  0,       unfold_max,   unfold_max_fwd,   unfold_max_bwd,   unfold_max_vjp,   unfold,       "dx[first arg-max of each window] += g")
/* ---- the fused convolution: unfold and product image by image (conv_fused.c) */
OP(conv1d,          2,  ST,      conv,         conv_fwd,         conv_bwd,         conv_vjp,         unfold,       "dW += sum_n G_n cols_n^T, dx_n += col2im(W^T G_n)")
OP(conv2d,          2,  ST,      conv,         conv_fwd,         conv_bwd,         conv_vjp,         unfold,       "dW += sum_n G_n cols_n^T, dx_n += col2im(W^T G_n)")
OP(conv1d_bias,     3,  ST,      conv,         conv_fwd,         conv_bwd,         conv_vjp,         unfold,       "[dW db] += sum_n G_n [cols_n; 1]^T, dx_n += col2im(W^T G_n)")
OP(conv2d_bias,     3,  ST,      conv,         conv_fwd,         conv_bwd,         conv_vjp,         unfold,       "[dW db] += sum_n G_n [cols_n; 1]^T, dx_n += col2im(W^T G_n)")
/* ---- dropout (random.c) */
OP(dropout,         1,  ST,      dropout,      dropout_fwd,      dropout_bwd,      dropout_vjp,      dropout,      "dx += g m / (1 - p)")
/* ---- matrix product with transposed operands (matmul_t.c) */
OP(matmul_t,        2,  ST,      matmul_t,     matmul_t_fwd,     matmul_t_bwd,     matmul_t_vjp,     trans,        "d op(A) += G op(B)^T, d op(B) += op(A)^T G")
OP(affine,          3,  ST,      affine,       affine_fwd,       affine_bwd,       affine_vjp,       none,         "dx += G W^T, dW += x^T G, db += sum of G's rows")
OP(affine_relu,     3,  ST,      affine,       affine_relu_fwd,  affine_relu_bwd,  affine_relu_vjp,  none,         "dz = G [not y <= 0]; dx += dz W^T, dW += x^T dz, db += sum of dz's rows")
/* ---- standardisation along the last axis (normalize.c) */
OP(standardize,     1,  ST,      standardize,  standardize_fwd,  standardize_bwd,  standardize_vjp,  scalar,       "dx += r (g - mean(g) - y mean(g y)), r = (var + eps)^(-1/2)")
OP(standardize_affine, 3, ST,    standardize_affine, standardize_affine_fwd, standardize_affine_bwd, standardize_affine_vjp, scalar, "dbeta += sum g, dgamma += sum g y, dx += r (dy - mean(dy) - y mean(dy y)), dy = g gamma")
/* ---- the per-head products of attention, and attention itself, in place in (B,T,C) (heads.c) */
OP(head_scores,     2,  ST,      head_scores,  head_scores_fwd,  head_scores_bwd,  head_scores_vjp,  heads,        "dA_i += alpha G_i B_i, dB_i += alpha G_i^T A_i")
OP(head_mix,        2,  ST,      head_mix,     head_mix_fwd,     head_mix_bwd,     head_mix_vjp,     mix,          "d op(P_i) += alpha G_i V_i^T, dV_i += alpha op(P_i)^T G_i")
OP(head_attention,  -1, ST,      head_attention, head_attention_fwd, head_attention_bwd, head_attention_vjp, attention, "dV_i += P_i^T G_i, dS = P_i (G_i V_i^T - rowsum), 0 where masked; dQ_i += alpha dS K_i, dK_i += alpha dS^T Q_i (dmask += 0)")
