/* optable.c — the table of every built-in op (PyTorch derivatives.yaml in spirit:
 * one reviewable list). tests/test_optable.c fails if any op here lacks a gradient
 * check. */
#include "ops_private.h"

static const tg_op_info table[] = {
    {"tg_add", &tg__op_add},
    {"tg_sub", &tg__op_sub},
    {"tg_mul", &tg__op_mul},
    {"tg_div", &tg__op_div},
    {"tg_neg", &tg__op_neg},
    {"tg_add_scalar", &tg__op_add_scalar},
    {"tg_mul_scalar", &tg__op_mul_scalar},
    {"tg_pow_scalar", &tg__op_pow_scalar},
    {"tg_square", &tg__op_square},
    {"tg_sqrt", &tg__op_sqrt},
    {"tg_exp", &tg__op_exp},
    {"tg_log", &tg__op_log},
    {"tg_abs", &tg__op_abs},
    {"tg_clamp", &tg__op_clamp},
    {"tg_relu", &tg__op_relu},
    {"tg_leaky_relu", &tg__op_leaky_relu},
    {"tg_softplus", &tg__op_softplus},
    {"tg_sigmoid", &tg__op_sigmoid},
    {"tg_tanh", &tg__op_tanh},
    {"tg_step", &tg__op_step},
    {"tg_sign", &tg__op_sign},
    {"tg_matmul", &tg__op_matmul},
    {"tg_transpose", &tg__op_transpose},
    {"tg_reshape", &tg__op_reshape},
    {"tg_slice", &tg__op_slice},
    {"tg_concat", &tg__op_concat},
    {"tg_gather_rows", &tg__op_gather_rows},
    {"tg_sum", &tg__op_sum},
    {"tg_mean", &tg__op_mean},
    {"tg_sum_axis", &tg__op_sum_axis},
    {"tg_mean_axis", &tg__op_mean_axis},
    {"tg_max_axis", &tg__op_max_axis},
    {"tg_softmax", &tg__op_softmax},
    {"tg_log_softmax", &tg__op_log_softmax},
    {"tg_mse_loss", &tg__op_mse_loss},
    {"tg_bce_loss", &tg__op_bce_loss},
    {"tg_bce_with_logits", &tg__op_bce_with_logits},
    {"tg_cross_entropy", &tg__op_cross_entropy},
};
_Static_assert(sizeof table / sizeof table[0] == TG_BUILTIN_OP_COUNT,
               "optable.c lists every op declared in ops_internal.h");

const tg_op_info *tg_op_table(size_t *n) {
    if (n) *n = sizeof table / sizeof table[0];
    return table;
}
