/* bad_tg_ops.c — the bad-input rows of <tapegrad/tg_ops.h>: every function it declares,
 * called with the mistakes a caller makes (bad_input.h). */
#include "bad_input.h"

/* Wrappers for the shared rows: each calls one function with the tensor(s) given
 * and valid values for everything else. */
W1(neg, tg_neg(t, x)) W1(square, tg_square(t, x)) W1(sqrt, tg_sqrt(t, x)) W1(exp, tg_exp(t, x))
W1(log, tg_log(t, x)) W1(abs, tg_abs(t, x)) W1(relu, tg_relu(t, x))
W1(softplus, tg_softplus(t, x)) W1(sigmoid, tg_sigmoid(t, x)) W1(tanh, tg_tanh(t, x))
W1(step, tg_step(t, x)) W1(sign, tg_sign(t, x)) W1(sum, tg_sum(t, x)) W1(mean, tg_mean(t, x))
W1(softmax, tg_softmax(t, x)) W1(log_softmax, tg_log_softmax(t, x))
W1(add_scalar, tg_add_scalar(t, x, 1)) W1(mul_scalar, tg_mul_scalar(t, x, 2))
W1(pow_scalar, tg_pow_scalar(t, x, 2)) W1(clamp, tg_clamp(t, x, 0, 1))
W1(leaky_relu, tg_leaky_relu(t, x, (tg_real)0.1)) W1(transpose, tg_transpose(t, x, 0, 1))
W1(reshape, tg_reshape(t, x, 1, (int[]){6})) W1(slice, tg_slice(t, x, 0, 0, 1))
W1(sum_axis, tg_sum_axis(t, x, 0, false)) W1(mean_axis, tg_mean_axis(t, x, 0, false))
W1(max_axis, tg_max_axis(t, x, 1, true)) W1(gather_rows, tg_gather_rows(t, x, (int[]){1, 0}, 2))
W1(cross_entropy, tg_cross_entropy(t, x, (int[]){0, 2}))
W1(log1p, tg_log1p(t, x)) W1(sum_to, tg_sum_to(t, x, 1, (int[]){1}))
W1(scatter_rows, tg_scatter_rows(t, x, (int[]){1, 0}, 2, 3))
W1(concat1, tg_concat(t, (tg_tensor *[]){x, f->b}, 2, 0)) W2(add, tg_add(t, a, b))
W2(sub, tg_sub(t, a, b)) W2(mul, tg_mul(t, a, b)) W2(div, tg_div(t, a, b))
W2(matmul, tg_matmul(t, a, b)) W2(mse_loss, tg_mse_loss(t, a, b))
W2(bce_loss, tg_bce_loss(t, a, b)) W2(bce_with_logits, tg_bce_with_logits(t, a, b))
W2(concat2, tg_concat(t, (tg_tensor *[]){a, b}, 2, 1))
W2(matmul_t, tg_matmul_t(t, a, b, false, true))
W2(tanh_backward, tg_tanh_backward(t, a, b))

static const gen1 gen1s[] = {
    {"tg_neg", w_neg, NULL, NULL},
    {"tg_square", w_square, NULL, NULL},
    {"tg_sqrt", w_sqrt, NULL, NULL},
    {"tg_exp", w_exp, NULL, NULL},
    {"tg_log", w_log, NULL, NULL},
    {"tg_abs", w_abs, NULL, NULL},
    {"tg_relu", w_relu, NULL, NULL},
    {"tg_softplus", w_softplus, NULL, NULL},
    {"tg_sigmoid", w_sigmoid, NULL, NULL},
    {"tg_tanh", w_tanh, NULL, NULL},
    {"tg_step", w_step, NULL, NULL},
    {"tg_sign", w_sign, NULL, NULL},
    {"tg_sum", w_sum, NULL, NULL},
    {"tg_mean", w_mean, NULL, NULL},
    {"tg_softmax", w_softmax, NULL, NULL},
    {"tg_log_softmax", w_log_softmax, NULL, NULL},
    {"tg_add_scalar", w_add_scalar, NULL, NULL},
    {"tg_mul_scalar", w_mul_scalar, NULL, NULL},
    {"tg_pow_scalar", w_pow_scalar, NULL, NULL},
    {"tg_clamp", w_clamp, NULL, NULL},
    {"tg_leaky_relu", w_leaky_relu, NULL, NULL},
    {"tg_transpose", w_transpose, NULL, NULL},
    {"tg_reshape", w_reshape, NULL, NULL},
    {"tg_slice", w_slice, NULL, NULL},
    {"tg_sum_axis", w_sum_axis, NULL, NULL},
    {"tg_mean_axis", w_mean_axis, NULL, NULL},
    {"tg_max_axis", w_max_axis, NULL, NULL},
    {"tg_gather_rows", w_gather_rows, NULL, NULL},
    {"tg_cross_entropy", w_cross_entropy, NULL, NULL},
    {"tg_concat", w_concat1, NULL, NULL},
    {"tg_log1p", w_log1p, NULL, NULL},
    {"tg_sum_to", w_sum_to, NULL, NULL},
    {"tg_scatter_rows", w_scatter_rows, NULL, NULL},
};

static const gen2 gen2s[] = {
    {"tg_add", w_add, NULL, NULL},
    {"tg_sub", w_sub, NULL, NULL},
    {"tg_mul", w_mul, NULL, NULL},
    {"tg_div", w_div, NULL, NULL},
    {"tg_matmul", w_matmul, NULL, NULL},
    {"tg_mse_loss", w_mse_loss, NULL, NULL},
    {"tg_bce_loss", w_bce_loss, NULL, NULL},
    {"tg_bce_with_logits", w_bce_with_logits, NULL, NULL},
    {"tg_concat", w_concat2, NULL, NULL},
    {"tg_matmul_t", w_matmul_t, NULL, NULL},
    {"tg_tanh_backward", w_tanh_backward, NULL, NULL},
};

int main(int argc, char **argv) {
    fx *f;
    out *o;
    bad_begin(argc, argv);
    bad_generated(gen1s, sizeof gen1s / sizeof gen1s[0], gen2s, sizeof gen2s / sizeof gen2s[0]);

    f = row(&o, "tg_add", "shapes do not broadcast");
    on_tape(o, f->t, tg_add(f->t, f->a, f->m45));
    expect(f, TG_ERR_SHAPE, "tg_add: shapes cannot broadcast: (2,3) and (4,5) (axis 0: 2 vs 4)");

    f = row(&o, "tg_sub", "shapes do not broadcast");
    on_tape(o, f->t, tg_sub(f->t, f->m34, f->a));
    expect(f, TG_ERR_SHAPE, "tg_sub: shapes cannot broadcast: (3,4) and (2,3) (axis 0: 3 vs 2)");

    f = row(&o, "tg_mul", "shapes do not broadcast (rank 4 and 2)");
    on_tape(o, f->t, tg_mul(f->t, f->r4, f->m34));
    expect(f, TG_ERR_SHAPE, "tg_mul: shapes cannot broadcast: (2,3,4,5) and (3,4) (axis 2: 4 vs 3)");

    f = row(&o, "tg_div", "shapes do not broadcast");
    on_tape(o, f->t, tg_div(f->t, f->v3, f->m34));
    expect(f, TG_ERR_SHAPE, "tg_div: shapes cannot broadcast: (3) and (3,4) (axis 1: 3 vs 4)");

    f = row(&o, "tg_clamp", "lo > hi");
    on_tape(o, f->t, tg_clamp(f->t, f->a, 1, 0));
    expect(f, TG_ERR_VALUE, "tg_clamp: bounds must satisfy lo <= hi, got lo=1 hi=0");

    f = row(&o, "tg_clamp", "lo NaN");
    on_tape(o, f->t, tg_clamp(f->t, f->a, (tg_real)NAN, 1));
    expect(f, TG_ERR_VALUE, "tg_clamp: bounds must satisfy lo <= hi, got lo=nan hi=1");

    f = row(&o, "tg_leaky_relu", "slope infinite");
    on_tape(o, f->t, tg_leaky_relu(f->t, f->a, (tg_real)INFINITY));
    expect(f, TG_ERR_VALUE, "tg_leaky_relu: slope must be finite, got inf");

    f = row(&o, "tg_pow_scalar", "p NaN");
    on_tape(o, f->t, tg_pow_scalar(f->t, f->a, (tg_real)NAN));
    expect(f, TG_ERR_VALUE, "tg_pow_scalar: exponent must be finite, got nan");

    f = row(&o, "tg_add_scalar", "c NaN");
    {
        tg_tensor *y = tg_add_scalar(f->t, f->a, (tg_real)NAN);
        on_value(o, y && isnan(y->data[0]), "a tensor of NaN");
    }
    expect(f, TG_OK, "");

    f = row(&o, "tg_mul_scalar", "c infinite");
    {
        tg_tensor *y = tg_mul_scalar(f->t, f->a, (tg_real)INFINITY);
        on_value(o, y && isinf(y->data[0]), "a tensor of inf");
    }
    expect(f, TG_OK, "");

    f = row(&o, "tg_matmul", "rank 1");
    on_tape(o, f->t, tg_matmul(f->t, f->v3, f->m34));
    expect(f, TG_ERR_SHAPE, "tg_matmul: inputs must have rank 2 or 3: (3) x (3,4)");

    f = row(&o, "tg_matmul", "inner dimensions differ");
    on_tape(o, f->t, tg_matmul(f->t, f->a, f->m45));
    expect(f, TG_ERR_SHAPE, "tg_matmul: inner dimensions differ: (2,3) x (4,5)");

    f = row(&o, "tg_matmul", "rank 4");
    on_tape(o, f->t, tg_matmul(f->t, f->r4, f->m45));
    expect(f, TG_ERR_SHAPE, "tg_matmul: inputs must have rank 2 or 3: (2,3,4,5) x (4,5)");

    f = row(&o, "tg_matmul", "batch sizes differ");
    {
        tg_tensor *x = tg_tape_full(f->t, 3, (int[]){2, 2, 3}, 1), *y = tg_tape_full(f->t, 3, (int[]){3, 3, 4}, 1);
        on_tape(o, f->t, tg_matmul(f->t, x, y));
    }
    expect(f, TG_ERR_SHAPE, "tg_matmul: batch sizes differ: (2,2,3) x (3,3,4)");

    f = row(&o, "tg_transpose", "axis out of range");
    on_tape(o, f->t, tg_transpose(f->t, f->a, 0, 2));
    expect(f, TG_ERR_RANGE, "tg_transpose: axis 2 is out of range for shape (2,3)");

    f = row(&o, "tg_transpose", "negative axis out of range");
    on_tape(o, f->t, tg_transpose(f->t, f->a, -3, 0));
    expect(f, TG_ERR_RANGE, "tg_transpose: axis -3 is out of range for shape (2,3)");

    f = row(&o, "tg_reshape", "element counts differ");
    on_tape(o, f->t, tg_reshape(f->t, f->a, 2, (int[]){4, 2}));
    expect(f, TG_ERR_SHAPE, "tg_reshape: element counts differ: (2,3) has 6, (4,2) has 8");

    f = row(&o, "tg_reshape", "two -1");
    on_tape(o, f->t, tg_reshape(f->t, f->a, 2, (int[]){-1, -1}));
    expect(f, TG_ERR_SHAPE, "tg_reshape: more than one dimension is -1: (-1,-1)");

    f = row(&o, "tg_reshape", "-1 cannot be inferred");
    on_tape(o, f->t, tg_reshape(f->t, f->a, 2, (int[]){4, -1}));
    expect(f, TG_ERR_SHAPE, "tg_reshape: cannot infer the -1 in (4,-1): 6 elements of (2,3) are not a multiple of 4");

    f = row(&o, "tg_reshape", "shape NULL");
    on_tape(o, f->t, tg_reshape(f->t, f->a, 2, NULL));
    expect(f, TG_ERR_ARG, "tg_reshape: shape is NULL for rank 2");

    f = row(&o, "tg_reshape", "rank 9");
    on_tape(o, f->t, tg_reshape(f->t, f->a, 9, (int[]){1, 1, 1, 1, 1, 1, 1, 1, 6}));
    expect(f, TG_ERR_SHAPE, "tg_reshape: rank 9 is outside 0..8");

    f = row(&o, "tg_reshape", "a zero dimension");
    on_tape(o, f->t, tg_reshape(f->t, f->a, 2, (int[]){0, 6}));
    expect(f, TG_ERR_SHAPE, "tg_reshape: dimension 0 is 0 (must be >= 1, or -1 once): (0,6)");

    f = row(&o, "tg_reshape", "element count overflows size_t");
    on_tape(o, f->t, tg_reshape(f->t, f->a, 3, (int[]){INT_MAX, INT_MAX, 8}));
    expect(f, TG_ERR_SHAPE, "tg_reshape: element counts differ: (2,3) has 6, (2147483647,2147483647,8) has 36893488113059364864");

    f = row(&o, "tg_slice", "axis out of range");
    on_tape(o, f->t, tg_slice(f->t, f->a, 2, 0, 1));
    expect(f, TG_ERR_RANGE, "tg_slice: axis 2 is out of range for shape (2,3)");

    f = row(&o, "tg_slice", "negative start");
    on_tape(o, f->t, tg_slice(f->t, f->a, 1, -1, 1));
    expect(f, TG_ERR_RANGE, "tg_slice: start -1 is outside 0..2 for axis 1 of shape (2,3)");

    f = row(&o, "tg_slice", "zero length");
    on_tape(o, f->t, tg_slice(f->t, f->a, 1, 0, 0));
    expect(f, TG_ERR_RANGE, "tg_slice: length 0 must be >= 1 (axis 1 of shape (2,3))");

    f = row(&o, "tg_slice", "past the end");
    on_tape(o, f->t, tg_slice(f->t, f->a, 1, 2, 2));
    expect(f, TG_ERR_RANGE, "tg_slice: start 2 + length 2 exceeds 3 on axis 1 of shape (2,3)");

    f = row(&o, "tg_concat", "n 0");
    on_tape(o, f->t, tg_concat(f->t, (tg_tensor *[]){f->a}, 0, 0));
    expect(f, TG_ERR_ARG, "tg_concat: need at least one input, got n = 0");

    f = row(&o, "tg_concat", "n negative");
    on_tape(o, f->t, tg_concat(f->t, (tg_tensor *[]){f->a}, -2, 0));
    expect(f, TG_ERR_ARG, "tg_concat: need at least one input, got n = -2");

    f = row(&o, "tg_concat", "xs NULL");
    on_tape(o, f->t, tg_concat(f->t, NULL, 2, 0));
    expect(f, TG_ERR_ARG, "tg_concat: xs is NULL");

    f = row(&o, "tg_concat", "other dimensions differ");
    on_tape(o, f->t, tg_concat(f->t, (tg_tensor *[]){f->a, f->m34}, 2, 0));
    expect(f, TG_ERR_SHAPE, "tg_concat: input 2 has shape (3,4), input 1 has (2,3): they must match outside axis 0");

    f = row(&o, "tg_concat", "ranks differ");
    on_tape(o, f->t, tg_concat(f->t, (tg_tensor *[]){f->a, f->v3}, 2, 0));
    expect(f, TG_ERR_SHAPE, "tg_concat: input 2 has shape (3), input 1 has (2,3): they must match outside axis 0");

    f = row(&o, "tg_concat", "axis out of range");
    on_tape(o, f->t, tg_concat(f->t, (tg_tensor *[]){f->a, f->b}, 2, 2));
    expect(f, TG_ERR_RANGE, "tg_concat: axis 2 is out of range for shape (2,3)");

    f = row(&o, "tg_gather_rows", "idx NULL");
    on_tape(o, f->t, tg_gather_rows(f->t, f->a, NULL, 2));
    expect(f, TG_ERR_ARG, "tg_gather_rows: idx is NULL");

    f = row(&o, "tg_gather_rows", "n 0");
    on_tape(o, f->t, tg_gather_rows(f->t, f->a, (int[]){0}, 0));
    expect(f, TG_ERR_VALUE, "tg_gather_rows: n must be >= 1, got 0");

    f = row(&o, "tg_gather_rows", "index out of range");
    on_tape(o, f->t, tg_gather_rows(f->t, f->a, (int[]){0, 2}, 2));
    expect(f, TG_ERR_RANGE, "tg_gather_rows: index 2 at position 1 is outside 0..1");

    f = row(&o, "tg_sum_to", "target does not broadcast");
    on_tape(o, f->t, tg_sum_to(f->t, f->a, 1, (int[]){2}));
    expect(f, TG_ERR_SHAPE, "tg_sum_to: (2) does not broadcast to (2,3)");

    f = row(&o, "tg_sum_to", "target rank above the input's");
    on_tape(o, f->t, tg_sum_to(f->t, f->a, 3, (int[]){1, 2, 3}));
    expect(f, TG_ERR_SHAPE, "tg_sum_to: target rank 3 must be in 0..2 (the rank of (2,3)) with a shape");

    f = row(&o, "tg_scatter_rows", "index out of range");
    on_tape(o, f->t, tg_scatter_rows(f->t, f->a, (int[]){0, 3}, 2, 3));
    expect(f, TG_ERR_RANGE, "tg_scatter_rows: index 3 at position 1 is outside 0..2");

    f = row(&o, "tg_scatter_rows", "n differs from g's rows");
    on_tape(o, f->t, tg_scatter_rows(f->t, f->a, (int[]){0, 1, 2}, 3, 3));
    expect(f, TG_ERR_SHAPE, "tg_scatter_rows: g must have shape (n,D) with n = 3, got (2,3)");

    f = row(&o, "tg_scatter_rows", "idx NULL");
    on_tape(o, f->t, tg_scatter_rows(f->t, f->a, NULL, 2, 3));
    expect(f, TG_ERR_ARG, "tg_scatter_rows: idx is NULL");

    f = row(&o, "tg_matmul_t", "inner dimensions differ");
    on_tape(o, f->t, tg_matmul_t(f->t, f->a, f->m45, false, false));
    expect(f, TG_ERR_SHAPE, "tg_matmul_t: inner dimensions differ: (2,3) x (4,5) (3 vs 4)");

    f = row(&o, "tg_matmul_t", "a shared operand with other inner dimensions");
    on_tape(o, f->t, tg_matmul_t(f->t, f->a, f->r4, false, false));
    expect(f, TG_ERR_SHAPE, "tg_matmul_t: inner dimensions differ: (2,3) x (2,3,4,5) (3 vs 4)");

    f = row(&o, "tg_gather_rows", "negative index");
    on_tape(o, f->t, tg_gather_rows(f->t, f->a, (int[]){-1}, 1));
    expect(f, TG_ERR_RANGE, "tg_gather_rows: index -1 at position 0 is outside 0..1");

    f = row(&o, "tg_gather_rows", "table of rank 1");
    on_tape(o, f->t, tg_gather_rows(f->t, f->v3, (int[]){0}, 1));
    expect(f, TG_ERR_SHAPE, "tg_gather_rows: table must have rank 2 (V,D), got shape (3)");

    f = row(&o, "tg_sum_axis", "axis out of range");
    on_tape(o, f->t, tg_sum_axis(f->t, f->a, 2, false));
    expect(f, TG_ERR_RANGE, "tg_sum_axis: axis 2 is outside -2..1 for shape (2,3)");

    f = row(&o, "tg_sum_axis", "rank 0");
    on_tape(o, f->t, tg_sum_axis(f->t, f->s0, 0, false));
    expect(f, TG_ERR_RANGE, "tg_sum_axis: axis 0 is outside -0..-1 for shape ()");

    f = row(&o, "tg_mean_axis", "negative axis out of range");
    on_tape(o, f->t, tg_mean_axis(f->t, f->a, -3, true));
    expect(f, TG_ERR_RANGE, "tg_mean_axis: axis -3 is outside -2..1 for shape (2,3)");

    f = row(&o, "tg_max_axis", "axis out of range");
    on_tape(o, f->t, tg_max_axis(f->t, f->r4, 4, false));
    expect(f, TG_ERR_RANGE, "tg_max_axis: axis 4 is outside -4..3 for shape (2,3,4,5)");

    f = row(&o, "tg_softmax", "rank 0");
    on_tape(o, f->t, tg_softmax(f->t, f->s0));
    expect(f, TG_ERR_SHAPE, "tg_softmax: input must have rank >= 1 (it works along the last axis): got shape ()");

    f = row(&o, "tg_log_softmax", "rank 0");
    on_tape(o, f->t, tg_log_softmax(f->t, f->s0));
    expect(f, TG_ERR_SHAPE, "tg_log_softmax: input must have rank >= 1 (it works along the last axis): got shape ()");

    f = row(&o, "tg_mse_loss", "shapes differ");
    on_tape(o, f->t, tg_mse_loss(f->t, f->a, f->m34));
    expect(f, TG_ERR_SHAPE, "tg_mse_loss: shapes differ: (2,3) vs (3,4)");

    f = row(&o, "tg_tanh_backward", "shapes differ");
    on_tape(o, f->t, tg_tanh_backward(f->t, f->a, f->m34));
    expect(f, TG_ERR_SHAPE, "tg_tanh_backward: shapes differ: (2,3) vs (3,4)");

    f = row(&o, "tg_bce_loss", "p outside [0,1]");
    on_tape(o, f->t, tg_bce_loss(f->t, tg_mul_scalar(f->t, f->a, 3), f->b));
    expect(f, TG_ERR_VALUE, "tg_bce_loss: p must lie in [0,1]: p[3] = 1.2");

    f = row(&o, "tg_bce_loss", "target outside [0,1]");
    on_tape(o, f->t, tg_bce_loss(f->t, f->a, tg_add_scalar(f->t, f->b, -1)));
    expect(f, TG_ERR_VALUE, "tg_bce_loss: target must lie in [0,1]: target[0] = -0.9");

    f = row(&o, "tg_bce_loss", "shapes differ");
    on_tape(o, f->t, tg_bce_loss(f->t, f->a, f->v3));
    expect(f, TG_ERR_SHAPE, "tg_bce_loss: shapes differ: (2,3) vs (3)");

    f = row(&o, "tg_bce_with_logits", "target outside [0,1]");
    on_tape(o, f->t, tg_bce_with_logits(f->t, f->a, tg_mul_scalar(f->t, f->b, 10)));
    expect(f, TG_ERR_VALUE, "tg_bce_with_logits: target must lie in [0,1]: target[1] = 2");

    f = row(&o, "tg_bce_with_logits", "shapes differ");
    on_tape(o, f->t, tg_bce_with_logits(f->t, f->m34, f->a));
    expect(f, TG_ERR_SHAPE, "tg_bce_with_logits: shapes differ: (3,4) vs (2,3)");

    f = row(&o, "tg_cross_entropy", "labels NULL");
    on_tape(o, f->t, tg_cross_entropy(f->t, f->a, NULL));
    expect(f, TG_ERR_ARG, "tg_cross_entropy: labels is NULL");

    f = row(&o, "tg_cross_entropy", "logits of rank 1");
    on_tape(o, f->t, tg_cross_entropy(f->t, f->v3, (int[]){0}));
    expect(f, TG_ERR_SHAPE, "tg_cross_entropy: logits must have rank 2 (N,C): got (3)");

    f = row(&o, "tg_cross_entropy", "label out of range");
    on_tape(o, f->t, tg_cross_entropy(f->t, f->a, (int[]){2, 3}));
    expect(f, TG_ERR_RANGE, "tg_cross_entropy: label 3 at row 1 is outside 0..2");

    f = row(&o, "tg_cross_entropy", "negative label");
    on_tape(o, f->t, tg_cross_entropy(f->t, f->a, (int[]){-1, 0}));
    expect(f, TG_ERR_RANGE, "tg_cross_entropy: label -1 at row 0 is outside 0..2");

    f = row(&o, "tg_op_table", "n NULL");
    {
        size_t n = 0;
        on_value(o, tg_op_table(NULL) != NULL && tg_op_table(&n) != NULL && n > 30, "the table");
    }
    expect(f, TG_OK, "");

    f = row(&o, "tg_op_info_of", "NULL, and an op that is not built in");
    {
        static const tg_op custom = {"my_op", 1, 0, NULL, NULL, NULL, NULL};
        size_t n;
        const tg_op_info *tab = tg_op_table(&n);
        on_value(o, tg_op_info_of(NULL) == NULL && tg_op_info_of(&custom) == NULL &&
                        tg_op_info_of(tab[n - 1].op) == &tab[n - 1], "NULL for NULL and for a custom op");
    }
    expect(f, TG_OK, "");

    return bad_done("autodiff/ops/include/tapegrad/tg_ops.h");
}
