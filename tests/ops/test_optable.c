/* test_optable.c — walks the table of built-in ops (tg_op_table) and checks every
 * entry through one generic harness, on each of its rows below:
 *   - a gradient check (tg_gradcheck of sum(r * op(inputs)));
 *   - a gradient-of-gradient check (tg_gradgradcheck of the same function: the
 *     recorded sweep's Hessian-vector products against finite differences of first
 *     derivatives), ops with zero second derivative included;
 *   - the bit-agreement of the op's two forms of its derivative: its kernel (what
 *     tg_backward runs) and its graph form (what tg_grad records with
 *     TG_GRAD_CREATE_GRAPH) give the same bits in the double build (float: equal to
 *     rounding), for the same upstream gradient;
 *   - the bit-agreement of the sweep's two ways into a gradient buffer (tg/store.h):
 *     the op's kernel storing into buffers nothing has written yet, against every
 *     buffer zeroed first (both builds, bit for bit).
 * An op added to the library without a row here, or without a graph form, fails this
 * test: no op can ship without its first- and second-order checks. The family tests
 * beside it (tests/ops/test_unary.c, test_binary.c, ...) go further (shapes,
 * broadcasting, error paths); this one guarantees coverage. */
#include "check.h"
#include <tg/store.h>

static const int labels3[3] = {2, 0, 1};
static const int rows4[4] = {1, 0, 3, 1};

/* in[0..n) are long-lived inputs filled from [lo, hi); build makes the op's output. */
typedef struct {
    const char *name;
    int n_in;
    int rank[3];
    int shape[3][4];
    double lo, hi;
    tg_tensor *(*build)(tg_tape *t, tg_tensor *const *in, void *user);
} row;

static tg_tensor *b_add(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_add(t, in[0], in[1]); }
static tg_tensor *b_sub(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_sub(t, in[0], in[1]); }
static tg_tensor *b_mul(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_mul(t, in[0], in[1]); }
static tg_tensor *b_div(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_div(t, in[0], in[1]); }
static tg_tensor *b_neg(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_neg(t, in[0]); }
static tg_tensor *b_adds(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_add_scalar(t, in[0], 2); }
static tg_tensor *b_muls(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_mul_scalar(t, in[0], 3); }
static tg_tensor *b_pow(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_pow_scalar(t, in[0], (tg_real)1.5); }
static tg_tensor *b_square(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_square(t, in[0]); }
static tg_tensor *b_sqrt(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_sqrt(t, in[0]); }
static tg_tensor *b_exp(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_exp(t, in[0]); }
static tg_tensor *b_log(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_log(t, in[0]); }
static tg_tensor *b_abs(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_abs(t, in[0]); }
static tg_tensor *b_clamp(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_clamp(t, in[0], -1, 1); }
static tg_tensor *b_relu(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_relu(t, in[0]); }
static tg_tensor *b_leaky(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_leaky_relu(t, in[0], (tg_real)0.2); }
static tg_tensor *b_softplus(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_softplus(t, in[0]); }
static tg_tensor *b_sigmoid(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_sigmoid(t, in[0]); }
static tg_tensor *b_tanh(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_tanh(t, in[0]); }
static tg_tensor *b_tanh_backward(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_tanh_backward(t, in[0], in[1]); }
static tg_tensor *b_step(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_step(t, in[0]); }
static tg_tensor *b_sign(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_sign(t, in[0]); }
static tg_tensor *b_matmul(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_matmul(t, in[0], in[1]); }
static tg_tensor *b_transpose(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_transpose(t, in[0], 0, -1); }
static tg_tensor *b_reshape(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_reshape(t, in[0], 2, (int[]){4, -1}); }
static tg_tensor *b_slice(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_slice(t, in[0], 1, 1, 2); }
static tg_tensor *b_concat(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_concat(t, in, 2, 1); }
static tg_tensor *b_gather(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_gather_rows(t, in[0], rows4, 4); }
static tg_tensor *b_sum(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_sum(t, in[0]); }
static tg_tensor *b_mean(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_mean(t, in[0]); }
static tg_tensor *b_sum_axis(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_sum_axis(t, in[0], 1, false); }
static tg_tensor *b_mean_axis(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_mean_axis(t, in[0], 0, true); }
static tg_tensor *b_max_axis(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_max_axis(t, in[0], 1, false); }
static tg_tensor *b_softmax(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_softmax(t, in[0]); }
static tg_tensor *b_log_softmax(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_log_softmax(t, in[0]); }
static tg_tensor *b_mse(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_mse_loss(t, in[0], in[1]); }
static tg_tensor *b_bce(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_bce_loss(t, in[0], in[1]); }
static tg_tensor *b_bcel(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_bce_with_logits(t, in[0], in[1]); }
static tg_tensor *b_ce(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_cross_entropy(t, in[0], labels3); }
static tg_tensor *b_log1p(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_log1p(t, in[0]); }
static tg_tensor *b_sum_to(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_sum_to(t, in[0], 2, (int[]){3, 1}); }
static tg_tensor *b_sum_to0(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_sum_to(t, in[0], 0, NULL); }
static tg_tensor *b_scatter(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_scatter_rows(t, in[0], rows4, 4, 5); }
static tg_tensor *b_mt00(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_matmul_t(t, in[0], in[1], false, false); }
static tg_tensor *b_mt01(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_matmul_t(t, in[0], in[1], false, true); }
static tg_tensor *b_mt10(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_matmul_t(t, in[0], in[1], true, false); }
static tg_tensor *b_mt11(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_matmul_t(t, in[0], in[1], true, true); }
static tg_tensor *b_slice0(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_slice(t, in[0], 0, 1, 1); }
static tg_tensor *b_mean_axis2(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_mean_axis(t, in[0], -1, false); }

/* ---- the ops of tg_ops_nn.h ---- */
static const int sel3[3] = {3, 1, 1};
static const int gat6[6] = {2, 0, 3, 3, 1, 0};   /* (3,2) */
static const int sca6[6] = {1, 1, 0, 3, 2, 0};   /* (3,2), repeats accumulate */
static tg_tensor *b_where(tg_tape *t, tg_tensor *const *in, void *u) {
    (void)u;
    tg_tensor *c = tg_tape_tensor(t, 2, (int[]){3, 1}, (tg_real[]){1, 0, 1}, 0);
    return tg_where(t, c, in[0], in[1]);
}
static tg_tensor *b_masked_fill(tg_tape *t, tg_tensor *const *in, void *u) {
    (void)u;
    tg_tensor *m = tg_tape_tensor(t, 1, (int[]){4}, (tg_real[]){0, 1, 0, 0}, 0);
    return tg_masked_fill(t, in[0], m, 7); /* -inf: tests/ops/test_nn_ops.c */
}
static tg_tensor *b_maximum(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_maximum(t, in[0], in[1]); }
static tg_tensor *b_minimum(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_minimum(t, in[0], in[1]); }
static tg_tensor *b_min_axis(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_min_axis(t, in[0], 0, true); }
static tg_tensor *b_argmax(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_argmax(t, in[0], 1, false); }
static tg_tensor *b_argmin(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_argmin(t, in[0], 0, true); }
static tg_tensor *b_index_select(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_index_select(t, in[0], -1, sel3, 3); }
static tg_tensor *b_gather_ax(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_gather(t, in[0], 1, gat6, 2); }
static tg_tensor *b_scatter_add(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_scatter_add(t, in[0], 1, sca6, in[1]); }
static tg_tensor *b_permute(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_permute(t, in[0], 3, (int[]){2, 0, 1}); }
static tg_tensor *b_expand(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_expand(t, in[0], 3, (int[]){2, -1, 4}); }
static tg_tensor *b_stack(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_stack(t, in, 2, 1); }
static tg_tensor *b_logsumexp(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_logsumexp(t, in[0], 1, false); }
static tg_tensor *b_var(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_var(t, in[0], 0, 1, false); }
static tg_tensor *b_std(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_std(t, in[0], 1, 0, true); }
static tg_tensor *b_cumsum(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_cumsum(t, in[0], 0); }
static tg_tensor *b_logsumexp_last(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_logsumexp(t, in[0], -1, true); }
static tg_tensor *b_var_mid(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_var(t, in[0], 1, 0, true); }
static tg_tensor *b_std_first(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_std(t, in[0], 0, 1, false); }
static tg_tensor *b_cumsum_last(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_cumsum(t, in[0], -1); }
static tg_tensor *b_cumsum_mid(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_cumsum(t, in[0], 1); }
static tg_tensor *b_hs(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_head_scores(t, in[0], 1, in[1], 0, 2, 2, (tg_real)0.5); }
static tg_tensor *b_hs_odd(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_head_scores(t, in[0], 2, in[1], 1, 1, 3, (tg_real)0.7); }
/* all heads of both inputs: the store-first path of both gradients (and, with one
 * tensor as both, the second adding onto the first's stores) */
static tg_tensor *b_hs_full(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_head_scores(t, in[0], 0, in[1], 0, 2, 2, (tg_real)0.5); }
/* blocks that overlap at different offsets: with one tensor as both, dB_0 meets dA_1 */
static tg_tensor *b_hs_overlap(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_head_scores(t, in[0], 0, in[1], 1, 2, 2, (tg_real)0.5); }
/* head_attention: q (2,3,5) at 1 and [k v] (2,4,8) at 0 and 4; one qkv tensor (2,3,12)
 * that the blocks cover (store-first); q, k, v apart with alpha 1. Masked: a causal
 * (3,3) mask on the qkv tensor; a (2,1,3,4) key mask, a NaN among its hidden values. */
static tg_tensor *b_ha(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_head_attention(t, in[0], 1, in[1], 0, in[1], 4, NULL, 2, 2, (tg_real)0.5); }
static tg_tensor *b_ha_qkv(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_head_attention(t, in[0], 0, in[0], 4, in[0], 8, NULL, 2, 2, (tg_real)0.7); }
static tg_tensor *b_ha_sep(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_head_attention(t, in[0], 0, in[1], 0, in[2], 2, NULL, 2, 2, 1); }
static tg_tensor *b_ham_causal(tg_tape *t, tg_tensor *const *in, void *u) {
    (void)u;
    tg_tensor *m = tg_tape_tensor(t, 2, (int[]){3, 3}, (tg_real[]){0, 1, 1, 0, 0, 1, 0, 0, 0}, 0);
    return tg_head_attention(t, in[0], 0, in[0], 4, in[0], 8, m, 2, 2, (tg_real)0.7);
}
static tg_tensor *b_ham_keys(tg_tape *t, tg_tensor *const *in, void *u) {
    (void)u;
    tg_real mv[24] = {0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 1, 1, 0};
    mv[21] = (tg_real)NAN;
    tg_tensor *m = tg_tape_tensor(t, 4, (int[]){2, 1, 3, 4}, mv, 0);
    return tg_head_attention(t, in[0], 1, in[1], 0, in[1], 4, m, 2, 2, (tg_real)0.5);
}
static tg_tensor *b_hm(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_head_mix(t, in[0], false, in[1], 1, 6, 1, 2, (tg_real)0.5); }
static tg_tensor *b_hm_t(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_head_mix(t, in[0], true, in[1], 0, 4, 0, 2, 1); }
static tg_tensor *b_affine(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_affine(t, in[0], in[1], in[2]); }
static tg_tensor *b_affine_relu(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_affine_relu(t, in[0], in[1], in[2]); }
static tg_tensor *b_std_affine(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_standardize_affine(t, in[0], in[1], in[2], (tg_real)0.1); }
static tg_tensor *b_standardize(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_standardize(t, in[0], (tg_real)0.1); }
static tg_tensor *b_gelu(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_gelu(t, in[0]); }
static tg_tensor *b_gelu_tanh(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_gelu_tanh(t, in[0]); }
static tg_tensor *b_sin(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_sin(t, in[0]); }
static tg_tensor *b_cos(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_cos(t, in[0]); }
static tg_tensor *b_erf(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_erf(t, in[0]); }
static tg_tensor *b_unfold(tg_tape *t, tg_tensor *const *in, void *u) {
    (void)u;
    return tg_unfold2d(t, in[0], (int[]){3, 2}, (int[]){2, 1}, (int[]){1, 0}, (int[]){1, 2});
}
static tg_tensor *b_unfold1d(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_unfold1d(t, in[0], 3, 2, 1, 2); }
static tg_tensor *b_unfold2d_ones(tg_tape *t, tg_tensor *const *in, void *u) {
    (void)u;
    return tg_unfold2d_ones(t, in[0], (int[]){3, 2}, (int[]){2, 1}, (int[]){1, 0}, (int[]){1, 2});
}
static tg_tensor *b_unfold1d_ones(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_unfold1d_ones(t, in[0], 3, 2, 1, 2); }
/* fold1d: (2, 3*3, 4) -> (2, 3, 9) with k 3, stride 2, padding 1, dilation 2 */
static tg_tensor *b_fold1d(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_fold1d(t, in[0], 9, 3, 2, 1, 2); }
/* fold2d: (2, 2*3*2, 6) -> (2, 2, 5, 4), b_unfold's geometry (its OH*OW = 3*2) */
static tg_tensor *b_fold2d(tg_tape *t, tg_tensor *const *in, void *u) {
    (void)u;
    return tg_fold2d(t, in[0], (int[]){5, 4}, (int[]){3, 2}, (int[]){2, 1}, (int[]){1, 0}, (int[]){1, 2});
}
/* unfold_max2d: (2, 2, 5, 4) -> (2, 2, 3, 3), windows 3x2 overlapping in both axes */
static tg_tensor *b_unfold_max(tg_tape *t, tg_tensor *const *in, void *u) {
    (void)u;
    return tg_unfold_max2d(t, in[0], (int[]){3, 2}, (int[]){2, 1}, (int[]){1, 0});
}
/* the fused convolution: x (2, 2, 5, 6), W (3, 2, 3, 2) -> (2, 3, 3, 4) with stride 2x1,
 * padding 1x0, dilation 1x2; 1-D: x (2, 3, 7), W (2, 3, 3) -> (2, 2, 3), stride 2,
 * padding 1, dilation 2 */
static const int cs[2] = {2, 1}, cp[2] = {1, 0}, cd[2] = {1, 2};
static tg_tensor *b_conv2d(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_conv2d(t, in[0], in[1], cs, cp, cd); }
static tg_tensor *b_conv2d_bias(tg_tape *t, tg_tensor *const *in, void *u) {
    (void)u;
    return tg_conv2d_bias(t, in[0], in[1], in[2], cs, cp, cd);
}
static tg_tensor *b_conv1d(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_conv1d(t, in[0], in[1], 2, 1, 2); }
static tg_tensor *b_conv1d_bias(tg_tape *t, tg_tensor *const *in, void *u) {
    (void)u;
    return tg_conv1d_bias(t, in[0], in[1], in[2], 2, 1, 2);
}
static tg_tensor *b_dropout(tg_tape *t, tg_tensor *const *in, void *u) {
    (void)u;
    tg_rng r; /* the same mask at every evaluation */
    tg_rng_seed(&r, 5);
    return tg_dropout(t, in[0], (tg_real)0.3, &r, true);
}
static tg_tensor *b_matmul_t(tg_tape *t, tg_tensor *const *in, void *u) { (void)u; return tg_matmul_t(t, in[0], in[1], true, true); }

static const row rows[] = {
    {"tg_add", 2, {2, 1}, {{3, 4}, {4}}, -2, 2, b_add},
    {"tg_sub", 2, {2, 2}, {{3, 1}, {1, 4}}, -2, 2, b_sub},
    {"tg_mul", 2, {2, 1}, {{3, 4}, {4}}, -2, 2, b_mul},
    {"tg_div", 2, {2, 2}, {{3, 4}, {3, 4}}, 0.5, 2, b_div},
    {"tg_neg", 1, {2}, {{3, 4}}, -2, 2, b_neg},
    {"tg_add_scalar", 1, {2}, {{3, 4}}, -2, 2, b_adds},
    {"tg_mul_scalar", 1, {2}, {{3, 4}}, -2, 2, b_muls},
    {"tg_pow_scalar", 1, {2}, {{3, 4}}, 0.5, 2, b_pow},
    {"tg_square", 1, {2}, {{3, 4}}, -2, 2, b_square},
    {"tg_sqrt", 1, {2}, {{3, 4}}, 0.5, 2, b_sqrt},
    {"tg_exp", 1, {2}, {{3, 4}}, -2, 2, b_exp},
    {"tg_log", 1, {2}, {{3, 4}}, 0.5, 2, b_log},
    {"tg_abs", 1, {2}, {{3, 4}}, 0.2, 2, b_abs},
    {"tg_clamp", 1, {2}, {{3, 4}}, -0.9, 0.9, b_clamp},
    {"tg_relu", 1, {2}, {{3, 4}}, 0.2, 2, b_relu},
    {"tg_leaky_relu", 1, {2}, {{3, 4}}, -2, -0.2, b_leaky},
    {"tg_softplus", 1, {2}, {{3, 4}}, -2, 2, b_softplus},
    {"tg_sigmoid", 1, {2}, {{3, 4}}, -2, 2, b_sigmoid},
    {"tg_tanh", 1, {2}, {{3, 4}}, -2, 2, b_tanh},
    {"tg_tanh_backward", 2, {2, 2}, {{3, 4}, {3, 4}}, -2, 2, b_tanh_backward},
    {"tg_step", 1, {2}, {{3, 4}}, 0.2, 2, b_step},
    {"tg_sign", 1, {2}, {{3, 4}}, 0.2, 2, b_sign},
    {"tg_matmul", 2, {2, 2}, {{3, 4}, {4, 2}}, -2, 2, b_matmul},
    {"tg_transpose", 1, {3}, {{2, 3, 4}}, -2, 2, b_transpose},
    {"tg_reshape", 1, {2}, {{2, 6}}, -2, 2, b_reshape},
    {"tg_slice", 1, {2}, {{3, 4}}, -2, 2, b_slice},
    {"tg_concat", 2, {2, 2}, {{3, 4}, {3, 2}}, -2, 2, b_concat},
    {"tg_gather_rows", 1, {2}, {{4, 3}}, -2, 2, b_gather},
    {"tg_sum", 1, {2}, {{3, 4}}, -2, 2, b_sum},
    {"tg_mean", 1, {2}, {{3, 4}}, -2, 2, b_mean},
    {"tg_sum_axis", 1, {2}, {{3, 4}}, -2, 2, b_sum_axis},
    {"tg_mean_axis", 1, {2}, {{3, 4}}, -2, 2, b_mean_axis},
    {"tg_max_axis", 1, {2}, {{3, 4}}, -2, 2, b_max_axis},
    {"tg_softmax", 1, {2}, {{3, 4}}, -2, 2, b_softmax},
    {"tg_log_softmax", 1, {2}, {{3, 4}}, -2, 2, b_log_softmax},
    {"tg_mse_loss", 2, {2, 2}, {{3, 4}, {3, 4}}, -2, 2, b_mse},
    {"tg_bce_loss", 2, {2, 2}, {{3, 4}, {3, 4}}, 0.1, 0.9, b_bce},
    {"tg_bce_with_logits", 2, {2, 2}, {{3, 4}, {3, 4}}, 0.1, 0.9, b_bcel},
    {"tg_cross_entropy", 1, {2}, {{3, 4}}, -2, 2, b_ce},
    /* tg_ops_nn.h */
    {"tg_where", 2, {2, 1}, {{3, 4}, {4}}, -2, 2, b_where},
    {"tg_masked_fill", 1, {2}, {{3, 4}}, -2, 2, b_masked_fill},
    {"tg_maximum", 2, {2, 1}, {{3, 4}, {4}}, -2, 2, b_maximum},
    {"tg_minimum", 2, {2, 2}, {{3, 1}, {1, 4}}, -2, 2, b_minimum},
    {"tg_min_axis", 1, {2}, {{3, 4}}, -2, 2, b_min_axis},
    {"tg_argmax", 1, {2}, {{3, 4}}, -2, 2, b_argmax},
    {"tg_argmin", 1, {2}, {{3, 4}}, -2, 2, b_argmin},
    {"tg_index_select", 1, {2}, {{3, 4}}, -2, 2, b_index_select},
    {"tg_gather", 1, {2}, {{3, 4}}, -2, 2, b_gather_ax},
    {"tg_scatter_add", 2, {2, 2}, {{3, 4}, {3, 2}}, -2, 2, b_scatter_add},
    {"tg_permute", 1, {3}, {{2, 3, 4}}, -2, 2, b_permute},
    {"tg_expand", 1, {2}, {{3, 1}}, -2, 2, b_expand},
    {"tg_stack", 2, {2, 2}, {{3, 4}, {3, 4}}, -2, 2, b_stack},
    {"tg_logsumexp", 1, {2}, {{3, 4}}, -2, 2, b_logsumexp},
    {"tg_var", 1, {2}, {{3, 4}}, -2, 2, b_var},
    {"tg_std", 1, {2}, {{3, 4}}, -2, 2, b_std},
    {"tg_cumsum", 1, {2}, {{3, 4}}, -2, 2, b_cumsum},
    {"tg_gelu", 1, {2}, {{3, 4}}, -2, 2, b_gelu},
    {"tg_gelu_tanh", 1, {2}, {{3, 4}}, -2, 2, b_gelu_tanh},
    {"tg_sin", 1, {2}, {{3, 4}}, -3, 3, b_sin},
    {"tg_cos", 1, {2}, {{3, 4}}, -3, 3, b_cos},
    {"tg_erf", 1, {2}, {{3, 4}}, -2, 2, b_erf},
    {"tg_unfold1d", 1, {3}, {{2, 3, 7}}, -2, 2, b_unfold1d},
    {"tg_unfold2d", 1, {4}, {{2, 2, 5, 4}}, -2, 2, b_unfold},
    {"tg_unfold1d_ones", 1, {3}, {{2, 3, 7}}, -2, 2, b_unfold1d_ones},
    {"tg_unfold2d_ones", 1, {4}, {{2, 2, 5, 4}}, -2, 2, b_unfold2d_ones},
    {"tg_fold1d", 1, {3}, {{2, 9, 4}}, -2, 2, b_fold1d},
    {"tg_fold2d", 1, {3}, {{2, 12, 6}}, -2, 2, b_fold2d},
    {"tg_unfold_max2d", 1, {4}, {{2, 2, 5, 4}}, -2, 2, b_unfold_max},
    {"tg_conv2d", 2, {4, 4}, {{2, 2, 5, 6}, {3, 2, 3, 2}}, -2, 2, b_conv2d},
    {"tg_conv2d_bias", 3, {4, 4, 1}, {{2, 2, 5, 6}, {3, 2, 3, 2}, {3}}, -2, 2, b_conv2d_bias},
    {"tg_conv1d", 2, {3, 3}, {{2, 3, 7}, {2, 3, 3}}, -2, 2, b_conv1d},
    {"tg_conv1d_bias", 3, {3, 3, 1}, {{2, 3, 7}, {2, 3, 3}, {2}}, -2, 2, b_conv1d_bias},
    {"tg_dropout", 1, {2}, {{3, 4}}, -2, 2, b_dropout},
    {"tg_matmul_t", 2, {3, 3}, {{2, 4, 3}, {2, 5, 4}}, -2, 2, b_matmul_t},
    {"tg_matmul_t", 2, {3, 2}, {{2, 4, 3}, {5, 4}}, -2, 2, b_matmul_t},
    {"tg_matmul_t", 2, {3, 2}, {{2, 3, 4}, {4, 2}}, -2, 2, b_mt00},
    {"tg_matmul_t", 2, {3, 2}, {{2, 3, 4}, {2, 4}}, -2, 2, b_mt01},
    {"tg_matmul_t", 2, {2, 3}, {{3, 4}, {2, 4, 2}}, -2, 2, b_mt00},
    {"tg_matmul_t", 2, {2, 3}, {{4, 3}, {2, 2, 4}}, -2, 2, b_mt11},
    {"tg_log1p", 1, {2}, {{3, 4}}, -0.5, 2, b_log1p},
    {"tg_sum_to", 1, {3}, {{2, 3, 4}}, -2, 2, b_sum_to},
    {"tg_sum_to", 1, {2}, {{3, 4}}, -2, 2, b_sum_to0},
    {"tg_scatter_rows", 1, {2}, {{4, 3}}, -2, 2, b_scatter},
    {"tg_matmul_t", 2, {2, 2}, {{3, 4}, {4, 2}}, -2, 2, b_mt00},
    {"tg_matmul_t", 2, {2, 2}, {{3, 4}, {2, 4}}, -2, 2, b_mt01},
    {"tg_matmul_t", 2, {3, 3}, {{2, 4, 3}, {2, 4, 2}}, -2, 2, b_mt10},
    {"tg_matmul_t", 2, {3, 3}, {{2, 4, 3}, {2, 2, 4}}, -2, 2, b_mt11},
    {"tg_matmul_t", 2, {3, 3}, {{2, 3, 3}, {2, 3, 3}}, -2, 2, b_mt10}, /* one tensor as both: x^T x */
    /* more forms of the ops above: every branch of their graph forms */
    {"tg_matmul", 2, {3, 2}, {{2, 3, 4}, {4, 2}}, -2, 2, b_matmul},
    {"tg_matmul", 2, {3, 3}, {{2, 3, 4}, {2, 4, 2}}, -2, 2, b_matmul},
    {"tg_add", 2, {2, 2}, {{3, 1}, {1, 4}}, -2, 2, b_add},
    {"tg_mul", 2, {2, 1}, {{3, 4}, {1}}, -2, 2, b_mul},
    {"tg_div", 2, {2, 1}, {{3, 4}, {4}}, 0.5, 2, b_div},
    {"tg_slice", 1, {2}, {{3, 4}}, -2, 2, b_slice0},
    {"tg_mean_axis", 1, {3}, {{2, 3, 4}}, -2, 2, b_mean_axis2},
    {"tg_logsumexp", 1, {3}, {{2, 3, 4}}, -2, 2, b_logsumexp},
    {"tg_logsumexp", 1, {3}, {{2, 3, 4}}, -2, 2, b_logsumexp_last},
    {"tg_var", 1, {3}, {{2, 3, 4}}, -2, 2, b_var_mid},
    {"tg_std", 1, {3}, {{3, 2, 4}}, -2, 2, b_std_first},
    {"tg_std", 1, {1}, {{5}}, -2, 2, b_std_first},
    {"tg_cumsum", 1, {3}, {{2, 3, 4}}, -2, 2, b_cumsum_last},
    {"tg_cumsum", 1, {3}, {{2, 3, 4}}, -2, 2, b_cumsum_mid},
    {"tg_standardize", 1, {2}, {{3, 4}}, -2, 2, b_standardize},
    {"tg_affine", 3, {3, 2, 1}, {{2, 3, 4}, {4, 5}, {5}}, -2, 2, b_affine},
    {"tg_affine", 3, {2, 2, 1}, {{3, 4}, {4, 2}, {2}}, -2, 2, b_affine},
    {"tg_affine_relu", 3, {3, 2, 1}, {{2, 3, 4}, {4, 5}, {5}}, -2, 2, b_affine_relu},
    {"tg_affine_relu", 3, {2, 2, 1}, {{3, 4}, {4, 2}, {2}}, 0.2, 2, b_affine_relu}, /* no unit masked */
    {"tg_head_scores", 2, {3, 3}, {{2, 3, 5}, {2, 4, 4}}, -2, 2, b_hs},
    {"tg_head_scores", 2, {3, 3}, {{2, 3, 5}, {2, 2, 4}}, -2, 2, b_hs_odd},
    {"tg_head_scores", 2, {3, 3}, {{2, 3, 4}, {2, 3, 4}}, -2, 2, b_hs_full},
    {"tg_head_scores", 2, {3, 3}, {{2, 3, 6}, {2, 3, 6}}, -2, 2, b_hs_overlap},
    {"tg_head_mix", 2, {4, 3}, {{2, 2, 3, 4}, {2, 4, 5}}, -2, 2, b_hm},
    {"tg_head_mix", 2, {4, 3}, {{2, 2, 4, 3}, {2, 4, 4}}, -2, 2, b_hm_t},
    {"tg_head_attention", 2, {3, 3}, {{2, 3, 5}, {2, 4, 8}}, -2, 2, b_ha},
    {"tg_head_attention", 1, {3}, {{2, 3, 12}}, -2, 2, b_ha_qkv},
    {"tg_head_attention", 3, {3, 3, 3}, {{2, 3, 4}, {2, 2, 4}, {2, 2, 6}}, -2, 2, b_ha_sep},
    {"tg_head_attention", 1, {3}, {{2, 3, 12}}, -2, 2, b_ham_causal},
    {"tg_head_attention", 2, {3, 3}, {{2, 3, 5}, {2, 4, 8}}, -2, 2, b_ham_keys},
    {"tg_standardize", 1, {3}, {{2, 3, 5}}, -2, 2, b_standardize},
    {"tg_standardize", 1, {2}, {{9, 4}}, -2, 2, b_standardize},
    {"tg_standardize_affine", 3, {2, 1, 1}, {{3, 4}, {4}, {4}}, -2, 2, b_std_affine},
    {"tg_standardize_affine", 3, {3, 1, 1}, {{2, 5, 3}, {3}, {3}}, -2, 2, b_std_affine},
};

/* The ops that have no graph form yet, the one list of them, ended by NULL (today
 * none: every op has one). A listed op's rows get the first-order check only, and a
 * listed op that has a graph form fails (the list only shrinks). Every other op
 * without a graph form fails. */
static const char *const lacking_graph[] = {NULL};

static bool lacks_graph(const char *name) {
    for (size_t k = 0; lacking_graph[k]; k++)
        if (strcmp(lacking_graph[k], name) == 0) return true;
    return false;
}

/* Kernel and graph form of the op's derivative, for upstream gradient g (random):
 * bit for bit in the double build, to rounding in float. The kernel runs from zeroed
 * input gradients; the graph form's result is added to zero as the sweep adds it. */
static void check_forms(const row *r, tg_tensor *const *in, tg_rng *rng) {
    tg_tape *t = tg_tape_new();
    tg_tensor *y = r->build(t, in, NULL);
    CHECK(y && y->node && strcmp(y->node->op->name, r->name) == 0, "%s: the row builds the op", r->name);
    if (!y || !y->node || !y->node->op->backward_graph) {
        tg_tape_free(t);
        return;
    }
    tg_node *nd = y->node;
    tg_tensor *g = tg_tape_tensor(t, y->rank, y->shape, NULL, 0);
    for (size_t j = 0; j < g->size; j++) g->data[j] = (tg_real)(tg_rng_uniform(rng) * 4 - 2);
    y->grad = tg_tape_alloc(t, y->size * sizeof(tg_real));
    memcpy(y->grad, g->data, y->size * sizeof(tg_real));
    tg_real *kern[3] = {0};
    for (int k = 0; k < r->n_in; k++) tg_tensor_zero_grad(in[k]);
    nd->op->backward(nd);
    for (int k = 0; k < r->n_in; k++) {
        kern[k] = tg_tape_alloc(t, in[k]->size * sizeof(tg_real));
        memcpy(kern[k], in[k]->grad, in[k]->size * sizeof(tg_real));
        tg_tensor_zero_grad(in[k]);
    }
    tg_tensor *dxn[4] = {0};
    CHECK(nd->op->backward_graph(t, nd, g, dxn) == TG_OK, "%s: graph form ran: %s", r->name, tg_tape_message(t));
    /* the row's inputs among the node's (tg_where's row makes its condition itself); an
     * input in several slots (one qkv tensor) gets their sum, in slot order, as the
     * sweep adds them */
    volatile tg_real zero = 0;
    for (int k = 0; k < r->n_in; k++) {
        bool shaped = true;
        for (int q = 0; q < nd->n_in && q < 4; q++)
            if (nd->in[q] == in[k] && dxn[q])
                shaped = shaped && dxn[q]->size == in[k]->size && dxn[q]->rank == in[k]->rank;
        CHECK(shaped, "%s: graph form's gradient of input %d has the input's shape", r->name, k + 1);
        if (!shaped) continue;
        size_t bad = SIZE_MAX;
        tg_real v = 0;
        for (size_t j = 0; j < in[k]->size && bad == SIZE_MAX; j++) {
            v = zero;
            for (int q = 0; q < nd->n_in && q < 4; q++)
                if (nd->in[q] == in[k] && dxn[q]) v = v + dxn[q]->data[j];
#if TG_REAL_IS_DOUBLE
            if (memcmp(&v, &kern[k][j], sizeof v) != 0) bad = j;
#else
            if (fabs((double)v - kern[k][j]) > 1e-5 * (1 + fabs((double)kern[k][j]))) bad = j;
#endif
        }
        CHECK(bad == SIZE_MAX, "%s: kernel and graph form differ for input %d at element %zu: %.17g vs %.17g",
              r->name, k + 1, bad, bad == SIZE_MAX ? 0.0 : (double)kern[k][bad], (double)v);
    }
    tg_tape_free(t);
}

/* Second derivatives of sum(r * op(inputs)) by tg_gradgradcheck. */
static void check_second(const row *r, tg_tensor *const *in) {
    check_op_ctx c = {r->build, NULL};
    tg_gradcheck_result res[3];
    bool ok = false;
#if TG_REAL_IS_DOUBLE
    const tg_gradcheck_opts *o = NULL;
#else
    const tg_gradcheck_opts loose = {.eps = 1e-2, .atol = 5e-2, .rtol = 5e-2}, *o = &loose;
#endif
    tg_status st = tg_gradgradcheck(check_op_loss, &c, in, r->n_in, o, res, &ok);
    CHECK(st == TG_OK, "%s: gradgradcheck did not run: %s", r->name, tg_last_error());
    for (int k = 0; st == TG_OK && k < r->n_in; k++)
        CHECK(res[k].passed,
              "%s: second derivative, input %d: max abs err %.3g, max rel err %.3g; worst element %zu: analytic %.10g numeric %.10g",
              r->name, k, res[k].max_abs_err, res[k].max_rel_err, res[k].worst_index,
              res[k].worst_analytic, res[k].worst_numeric);
}

/* The lines that the kernels of logsumexp and std skip: an all -inf line (y = -inf)
 * and a constant line (y = 0) get no gradient from the kernel. The graph form gives
 * the same bits (double; float: equal to rounding), and the gradient of its gradient
 * is finite: 0 on the skipped line, and the line beside it as a line alone has. */
static tg_tensor *special_loss(tg_tape *t, tg_tensor *x, int op) {
    tg_tensor *y = op ? tg_std(t, x, 1, 0, false) : tg_logsumexp(t, x, 1, false);
    tg_tensor *w = tg_tape_tensor(t, 1, (int[]){2}, (tg_real[]){1.5, -0.5}, 0);
    return tg_sum(t, tg_mul(t, y, w));
}
static void special_lines(void) {
    const char *name[2] = {"tg_logsumexp (an all -inf line)", "tg_std (a constant line)"};
    for (int op = 0; op < 2; op++) {
        tg_real skip = op ? (tg_real)0.5 : (tg_real)-INFINITY;
        tg_tensor *x = tg_tensor_new(2, (int[]){2, 4}, TG_REQUIRES_GRAD);
        tg_tensor *v = tg_tensor_new(2, (int[]){2, 4}, 0);
        const tg_real live[4] = {(tg_real)0.3, (tg_real)-1.2, (tg_real)0.7, 2};
        for (int j = 0; j < 4; j++) {
            x->data[j] = skip, x->data[4 + j] = live[j];
            v->data[j] = v->data[4 + j] = (tg_real)(0.25 * j - 0.4);
        }
        tg_tape *t = tg_tape_new(), *t1 = tg_tape_new();
        tg_tensor *g = NULL, *hv = NULL;
        tg_tensor_zero_grad(x);
        CHECK(tg_backward(t1, special_loss(t1, x, op), NULL) == TG_OK, "%s: backward: %s", name[op],
              tg_tape_message(t1));
        CHECK(tg_grad(t, special_loss(t, x, op), NULL, &x, 1, TG_GRAD_CREATE_GRAPH, &g) == TG_OK, "%s: tg_grad: %s",
              name[op], tg_tape_message(t));
        for (int j = 0; g && j < 8; j++) {
#if TG_REAL_IS_DOUBLE
            volatile tg_real zero = 0, a = zero + g->data[j];
            bool same = memcmp((const void *)&a, &x->grad[j], sizeof a) == 0;
#else
            bool same = fabs((double)g->data[j] - x->grad[j]) <= 1e-5 * (1 + fabs((double)x->grad[j]));
#endif
            CHECK(same && (j >= 4 || x->grad[j] == 0), "%s: element %d: kernel %.17g, graph form %.17g", name[op], j,
                  (double)x->grad[j], (double)g->data[j]);
        }
        tg_tape_reset(t);
        CHECK(tg_hvp(t, special_loss(t, x, op), &x, &v, 1, 0, &hv) == TG_OK, "%s: tg_hvp: %s", name[op],
              tg_tape_message(t));
        /* the live line alone: its Hessian-vector product must be the same */
        tg_tensor *x1 = tg_tensor_new(2, (int[]){1, 4}, TG_REQUIRES_GRAD);
        tg_tensor *v1 = tg_tensor_new(2, (int[]){1, 4}, 0), *hv1 = NULL;
        memcpy(x1->data, x->data + 4, 4 * sizeof(tg_real));
        memcpy(v1->data, v->data + 4, 4 * sizeof(tg_real));
        tg_tape_reset(t1);
        tg_tensor *y1 = op ? tg_std(t1, x1, 1, 0, false) : tg_logsumexp(t1, x1, 1, false);
        CHECK(tg_hvp(t1, tg_mul_scalar(t1, tg_sum(t1, y1), (tg_real)-0.5), &x1, &v1, 1, 0, &hv1) == TG_OK,
              "%s: tg_hvp of the live line: %s", name[op], tg_tape_message(t1));
        for (int j = 0; hv && hv1 && j < 8; j++) {
            double want = j < 4 ? 0 : (double)hv1->data[j - 4], got = (double)hv->data[j];
            CHECK(isfinite(got) && fabs(got - want) <= 1e-12 + 1e-5 * fabs(want),
                  "%s: Hessian-vector product, element %d: %.17g, want %.17g", name[op], j, got, want);
        }
        tg_tensor_free(x), tg_tensor_free(v), tg_tensor_free(x1), tg_tensor_free(v1);
        tg_tape_free(t), tg_tape_free(t1);
    }
}

/* Store-first against zero-first (tg/store.h), bit for bit in both builds: the op is
 * applied to u_k = 1 * in_k, so that its backward meets the buffers of u_k as the
 * sweep hands them out, unset; in the store run they are filled with NaN, so a kernel
 * that reads one before writing it, or leaves an element unwritten, shows. Forms:
 * 0, loss = sum(w * op(u)) (the op's backward writes u's gradients first); 1, plus a
 * second use of u_0 recorded after the op (its backward stores, the op's adds); 2,
 * for two inputs of one shape, u_0 as both (mul(x, x)). Compared: the gradients of
 * the u_k and of the inputs. */
static void check_store(const row *r, tg_tensor *const *in) {
    for (int form = 0; form < 3; form++) {
        if (form == 2 && (r->n_in != 2 || !in[1] || in[0]->rank != in[1]->rank ||
                          memcmp(in[0]->shape, in[1]->shape, sizeof in[0]->shape) != 0))
            continue;
        tg_tape *t[2];
        tg_tensor *u[2][3] = {{0}};
        tg_real *got[2][3] = {{0}};
        bool ran[2] = {false, false};
        for (int m = 0; m < 2; m++) {
            t[m] = tg_tape_new();
            tg__tape_set_store_mode(t[m], m ? TG__STORE_POISON : TG__STORE_ZERO);
            for (int k = 0; k < r->n_in; k++) u[m][k] = tg_mul_scalar(t[m], in[k], 1);
            if (form == 2) u[m][1] = u[m][0];
            tg_tensor *y = r->build(t[m], u[m], NULL);
            if (!y || !(y->flags & TG_REQUIRES_GRAD)) continue;
            tg_tensor *w = tg_tape_tensor(t[m], y->rank, y->shape, NULL, 0);
            for (size_t j = 0; w && j < w->size; j++) w->data[j] = (tg_real)(0.25 * (double)(j % 7) - 0.75);
            tg_tensor *loss = tg_sum(t[m], tg_mul(t[m], y, w));
            if (form == 1) loss = tg_add(t[m], loss, tg_sum(t[m], tg_mul_scalar(t[m], u[m][0], (tg_real)0.5)));
            for (int k = 0; k < r->n_in; k++) tg_tensor_zero_grad(in[k]);
            ran[m] = tg_backward(t[m], loss, NULL) == TG_OK;
            CHECK(ran[m], "%s: store check, form %d: backward: %s", r->name, form, tg_tape_message(t[m]));
            for (int k = 0; ran[m] && k < r->n_in; k++) {
                size_t sz = in[k]->size;
                got[m][k] = tg_tape_alloc(t[m], 2 * sz * sizeof(tg_real));
                memcpy(got[m][k], in[k]->grad, sz * sizeof(tg_real));
                if (u[m][k]->grad) memcpy(got[m][k] + sz, u[m][k]->grad, sz * sizeof(tg_real));
                else memset(got[m][k] + sz, 0, sz * sizeof(tg_real));
            }
        }
        for (int k = 0; ran[0] && ran[1] && k < r->n_in; k++) {
            size_t bad = SIZE_MAX, sz = in[k]->size;
            for (size_t j = 0; j < 2 * sz && bad == SIZE_MAX; j++)
                if (memcmp(&got[0][k][j], &got[1][k][j], sizeof(tg_real)) != 0) bad = j;
            CHECK(bad == SIZE_MAX, "%s: store check, form %d: the gradient of %s %d differs at element %zu: zero-first %.17g, store-first %.17g",
                  r->name, form, bad < sz ? "input" : "u", k + 1, bad % (sz ? sz : 1),
                  bad == SIZE_MAX ? 0.0 : (double)got[0][k][bad], bad == SIZE_MAX ? 0.0 : (double)got[1][k][bad]);
        }
        tg_tape_free(t[0]), tg_tape_free(t[1]);
    }
}

static void check_row(const row *r, tg_rng *g) {
    tg_tensor *in[3] = {0};
    for (int k = 0; k < r->n_in; k++) {
        in[k] = check_input(g, r->rank[k], r->shape[k], r->lo, r->hi);
        /* values at least 0.3 apart keep max_axis away from ties, even for the
         * float build's finite-difference step */
        if (strcmp(r->name, "tg_max_axis") == 0 || strcmp(r->name, "tg_min_axis") == 0 ||
            strcmp(r->name, "tg_argmax") == 0 || strcmp(r->name, "tg_argmin") == 0 ||
            strcmp(r->name, "tg_unfold_max2d") == 0)
            for (size_t j = 0; j < in[k]->size; j++)
                in[k]->data[j] = (tg_real)(0.3 * (double)((j * 7) % in[k]->size) - 1.5);
    }
    check_op_grad(r->name, r->build, NULL, in, r->n_in);
    if (!lacks_graph(r->name)) {
        check_second(r, in);
        check_forms(r, in, g);
    }
    check_store(r, in);
    /* Bad input common to every op: each argument NULL in turn. */
    for (int k = 0; k < r->n_in; k++) {
        tg_tape *t = tg_tape_new();
        tg_tensor *saved = in[k];
        in[k] = NULL;
        CHECK(r->build(t, in, NULL) == NULL, "%s with argument %d NULL returns NULL", r->name, k + 1);
        char want[96];
        /* tg_where's row makes its condition itself: the inputs are arguments 2, 3 */
        snprintf(want, sizeof want, "%s: argument %d is NULL", r->name,
                 k + 1 + (strcmp(r->name, "tg_where") == 0));
        CHECK_ERR(t, TG_ERR_ARG, want);
        in[k] = saved;
        tg_tape_free(t);
    }
    for (int k = 0; k < r->n_in; k++) tg_tensor_free(in[k]);
}

int main(void) {
    size_t n = 0;
    const tg_op_info *table = tg_op_table(&n);
    CHECK(n >= 42, "the table lists %zu ops", n);
    tg_rng g;
    tg_rng_seed(&g, 17);
    for (size_t i = 0; i < n; i++) {
        const char *name = table[i].op && table[i].op->name ? table[i].op->name : "(unnamed)";
        CHECK(table[i].op && table[i].op->infer && table[i].op->forward && table[i].op->backward &&
                  (table[i].op->backward_graph != NULL) != lacks_graph(name) && strncmp(name, "tg_", 3) == 0 &&
                  tg_op_info_of(table[i].op) == &table[i] && table[i].derivative &&
                  table[i].derivative[0] && table[i].format_args,
              "op %s is defined (shape rule, forward, backward, graph form unless listed in lacking_graph and only then, name, derivative, formatter)", name);
        int found = 0;
        for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++)
            if (strcmp(rows[k].name, name) == 0 && table[i].op->infer) {
                found++;
                check_row(&rows[k], &g);
            }
        CHECK(found > 0, "op %s has no gradient check in test_optable.c", name);
    }
    special_lines();
    return check_done();
}
