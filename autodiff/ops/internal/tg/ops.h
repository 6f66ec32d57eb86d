/* ops_internal.h — definitions of the built-in ops, one per op, each in its
 * family's file (ops_unary.c, ...). Not installed. */
#ifndef TG_OPS_INTERNAL_H
#define TG_OPS_INTERNAL_H

#include <tg/core.h>
#include <tapegrad/tg_ops.h>

/* ops_binary.c */
extern const tg_op tg__op_add;
extern const tg_op tg__op_sub;
extern const tg_op tg__op_mul;
extern const tg_op tg__op_div;
/* ops_unary.c */
extern const tg_op tg__op_neg;
extern const tg_op tg__op_add_scalar;
extern const tg_op tg__op_mul_scalar;
extern const tg_op tg__op_pow_scalar;
extern const tg_op tg__op_square;
extern const tg_op tg__op_sqrt;
extern const tg_op tg__op_exp;
extern const tg_op tg__op_log;
extern const tg_op tg__op_abs;
extern const tg_op tg__op_clamp;
extern const tg_op tg__op_relu;
extern const tg_op tg__op_leaky_relu;
extern const tg_op tg__op_softplus;
extern const tg_op tg__op_sigmoid;
extern const tg_op tg__op_tanh;
extern const tg_op tg__op_step;
extern const tg_op tg__op_sign;
/* ops_matmul.c */
extern const tg_op tg__op_matmul;
/* ops_shape.c */
extern const tg_op tg__op_transpose;
extern const tg_op tg__op_reshape;
extern const tg_op tg__op_slice;
extern const tg_op tg__op_concat;
extern const tg_op tg__op_gather_rows;
/* ops_reduce.c */
extern const tg_op tg__op_sum;
extern const tg_op tg__op_mean;
extern const tg_op tg__op_sum_axis;
extern const tg_op tg__op_mean_axis;
extern const tg_op tg__op_max_axis;
/* ops_softmax.c */
extern const tg_op tg__op_softmax;
extern const tg_op tg__op_log_softmax;
/* ops_loss.c */
extern const tg_op tg__op_mse_loss;
extern const tg_op tg__op_bce_loss;
extern const tg_op tg__op_bce_with_logits;
extern const tg_op tg__op_cross_entropy;

/* Shape rule of elementwise unary ops: y has x's shape (ops_unary.c). */
tg_status tg__infer_same(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]);

#define TG_BUILTIN_OP_COUNT 38

#endif
