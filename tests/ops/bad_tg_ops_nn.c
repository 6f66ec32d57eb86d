/* bad_tg_ops_nn.c — the bad-input rows of <tapegrad/tg_ops_nn.h>: every function it
 * declares, called with the mistakes a caller makes (bad_input.h). */
#include "bad_input.h"

/* tg_split as a one-tensor call for the shared rows: its first piece. */
static tg_tensor *split_first(tg_tape *t, tg_tensor *x) {
    tg_tensor *o[2] = {NULL, NULL};
    return tg_split(t, x, 1, (int[]){1, 2}, 2, o) == TG_OK ? o[0] : NULL;
}

/* A (2,5,4) step tensor of ones: q, k and v of the attention rows. */
static tg_tensor *r3(fx *f) { return tg_tape_full(f->t, 3, (int[]){2, 5, 4}, 1); }

W1(min_axis, tg_min_axis(t, x, 1, false)) W1(argmax, tg_argmax(t, x, 1, false))
W1(argmin, tg_argmin(t, x, 0, true)) W1(index_select, tg_index_select(t, x, 1, (int[]){2, 0}, 2))
W1(gather, tg_gather(t, x, 1, (int[]){0, 2}, 1)) W1(permute, tg_permute(t, x, 2, (int[]){1, 0}))
W1(expand, tg_expand(t, x, 3, (int[]){4, 2, 3})) W1(stack1, tg_stack(t, (tg_tensor *[]){x, f->b}, 2, 0))
W1(split, split_first(t, x)) W1(logsumexp, tg_logsumexp(t, x, 1, false))
W1(var, tg_var(t, x, 1, 1, false)) W1(std, tg_std(t, x, 1, 0, true)) W1(cumsum, tg_cumsum(t, x, 1))
W1(gelu, tg_gelu(t, x)) W1(gelu_tanh, tg_gelu_tanh(t, x)) W1(sin, tg_sin(t, x)) W1(cos, tg_cos(t, x))
W1(erf, tg_erf(t, x)) W1(unfold2d, tg_unfold2d(t, x, (int[]){1, 1}, NULL, NULL, NULL))
W1(unfold1d, tg_unfold1d(t, x, 1, 1, 0, 1)) W1(fold1d, tg_fold1d(t, x, 3, 1, 1, 0, 1))
W1(fold2d, tg_fold2d(t, x, (int[]){1, 3}, (int[]){1, 1}, NULL, NULL, NULL)) W1(dropout, tg_dropout(t, x, (tg_real)0.5, &f->rng, true))
W1(unfold_max2d, tg_unfold_max2d(t, x, (int[]){1, 1}, NULL, NULL))
W1(unfold2d_ones, tg_unfold2d_ones(t, x, (int[]){1, 1}, NULL, NULL, NULL)) W1(unfold1d_ones, tg_unfold1d_ones(t, x, 1, 1, 0, 1))
W1(standardize, tg_standardize(t, x, (tg_real)1e-5))
W2(where, tg_where(t, a, b, f->b)) W2(masked_fill, tg_masked_fill(t, a, b, (tg_real)-INFINITY))
W2(maximum, tg_maximum(t, a, b)) W2(minimum, tg_minimum(t, a, b))
W2(scatter_add, tg_scatter_add(t, a, 0, (int[]){0, 1, 0, 1, 1, 0}, b))
W2(stack2, tg_stack(t, (tg_tensor *[]){a, b}, 2, 1)) W2(matmul_t, tg_matmul_t(t, a, b, false, true))
W2(conv2d, tg_conv2d(t, a, b, NULL, NULL, NULL)) W2(conv1d, tg_conv1d(t, a, b, 1, 0, 1))
W2(conv2d_bias, tg_conv2d_bias(t, a, b, f->b, NULL, NULL, NULL)) W2(conv1d_bias, tg_conv1d_bias(t, a, b, f->b, 1, 0, 1))
W2(head_scores, tg_head_scores(t, a, 0, b, 0, 1, 1, 1)) W2(head_mix, tg_head_mix(t, a, false, b, 0, 1, 0, 1, 1))
W2(standardize_affine, tg_standardize_affine(t, a, b, b == NULL ? NULL : tg_tape_full(t, b->rank, b->shape, 0), (tg_real)1e-5))
W2(head_attention, tg_head_attention(t, a, 0, b, 0, b, 1, NULL, 1, 1, 1))

static const gen1 gen1s[] = {
    {"tg_min_axis", w_min_axis, NULL, NULL},       {"tg_argmax", w_argmax, NULL, NULL},
    {"tg_argmin", w_argmin, NULL, NULL},           {"tg_index_select", w_index_select, NULL, NULL},
    {"tg_gather", w_gather, NULL, NULL},           {"tg_permute", w_permute, NULL, NULL},
    {"tg_expand", w_expand, NULL, NULL},           {"tg_stack", w_stack1, NULL, NULL},
    {"tg_split", w_split, NULL, NULL},             {"tg_logsumexp", w_logsumexp, NULL, NULL},
    {"tg_var", w_var, NULL, NULL},                 {"tg_std", w_std, NULL, NULL},
    {"tg_cumsum", w_cumsum, NULL, NULL},           {"tg_gelu", w_gelu, NULL, NULL},
    {"tg_gelu_tanh", w_gelu_tanh, NULL, NULL},     {"tg_sin", w_sin, NULL, NULL},
    {"tg_cos", w_cos, NULL, NULL},                 {"tg_erf", w_erf, NULL, NULL},
    {"tg_unfold2d", w_unfold2d, NULL, NULL},       {"tg_unfold1d", w_unfold1d, NULL, NULL},
    {"tg_fold1d", w_fold1d, NULL, NULL},         {"tg_fold2d", w_fold2d, NULL, NULL},
    {"tg_dropout", w_dropout, NULL, NULL},         {"tg_unfold_max2d", w_unfold_max2d, NULL, NULL},
    {"tg_unfold2d_ones", w_unfold2d_ones, NULL, NULL}, {"tg_unfold1d_ones", w_unfold1d_ones, NULL, NULL},
    {"tg_standardize", w_standardize, NULL, NULL},
};

static const gen2 gen2s[] = {
    {"tg_where", w_where, NULL, NULL},             {"tg_masked_fill", w_masked_fill, NULL, NULL},
    {"tg_maximum", w_maximum, NULL, NULL},         {"tg_minimum", w_minimum, NULL, NULL},
    {"tg_scatter_add", w_scatter_add, NULL, NULL}, {"tg_stack", w_stack2, NULL, NULL},
    {"tg_matmul_t", w_matmul_t, NULL, NULL},
    {"tg_conv2d", w_conv2d, NULL, NULL},           {"tg_conv1d", w_conv1d, NULL, NULL},
    {"tg_conv2d_bias", w_conv2d_bias, NULL, NULL}, {"tg_conv1d_bias", w_conv1d_bias, NULL, NULL},
    {"tg_head_scores", w_head_scores, NULL, NULL}, {"tg_head_mix", w_head_mix, NULL, NULL},
    {"tg_head_attention", w_head_attention, NULL, NULL}, {"tg_standardize_affine", w_standardize_affine, NULL, NULL},
};

int main(int argc, char **argv) {
    fx *f;
    out *o;
    tg_tensor *outs[4];
    bad_begin(argc, argv);
    bad_generated(gen1s, sizeof gen1s / sizeof gen1s[0], gen2s, sizeof gen2s / sizeof gen2s[0]);

    f = row(&o, "tg_where", "shapes do not broadcast");
    on_tape(o, f->t, tg_where(f->t, f->a, f->m34, f->b));
    expect(f, TG_ERR_SHAPE, "tg_where: shapes cannot broadcast: (2,3) and (3,4) and (2,3) (axis 0: 2 vs 3)");

    f = row(&o, "tg_masked_fill", "shapes do not broadcast");
    on_tape(o, f->t, tg_masked_fill(f->t, f->m34, f->a, 0));
    expect(f, TG_ERR_SHAPE, "tg_masked_fill: shapes cannot broadcast: (3,4) and (2,3) (axis 0: 3 vs 2)");

    f = row(&o, "tg_maximum", "shapes do not broadcast");
    on_tape(o, f->t, tg_maximum(f->t, f->a, f->m45));
    expect(f, TG_ERR_SHAPE, "tg_maximum: shapes cannot broadcast: (2,3) and (4,5) (axis 0: 2 vs 4)");

    f = row(&o, "tg_minimum", "shapes do not broadcast (rank 4 and 2)");
    on_tape(o, f->t, tg_minimum(f->t, f->r4, f->m34));
    expect(f, TG_ERR_SHAPE, "tg_minimum: shapes cannot broadcast: (2,3,4,5) and (3,4) (axis 2: 4 vs 3)");

    f = row(&o, "tg_min_axis", "axis 2 of a rank-2 tensor");
    on_tape(o, f->t, tg_min_axis(f->t, f->a, 2, false));
    expect(f, TG_ERR_RANGE, "tg_min_axis: axis 2 is outside -2..1 for shape (2,3)");

    f = row(&o, "tg_min_axis", "rank 0");
    on_tape(o, f->t, tg_min_axis(f->t, f->s0, 0, false));
    expect(f, TG_ERR_RANGE, "tg_min_axis: axis 0: a rank-0 tensor has no axis");

    f = row(&o, "tg_argmax", "axis -3 of a rank-2 tensor");
    on_tape(o, f->t, tg_argmax(f->t, f->a, -3, false));
    expect(f, TG_ERR_RANGE, "tg_argmax: axis -3 is outside -2..1 for shape (2,3)");

    f = row(&o, "tg_argmin", "rank 0");
    on_tape(o, f->t, tg_argmin(f->t, f->s0, 0, true));
    expect(f, TG_ERR_RANGE, "tg_argmin: axis 0: a rank-0 tensor has no axis");

    f = row(&o, "tg_index_select", "axis out of range");
    on_tape(o, f->t, tg_index_select(f->t, f->a, 2, (int[]){0}, 1));
    expect(f, TG_ERR_RANGE, "tg_index_select: axis 2 is outside -2..1 for shape (2,3)");

    f = row(&o, "tg_index_select", "n = 0");
    on_tape(o, f->t, tg_index_select(f->t, f->a, 1, (int[]){0}, 0));
    expect(f, TG_ERR_VALUE, "tg_index_select: n must be >= 1, got 0");

    f = row(&o, "tg_index_select", "idx NULL");
    on_tape(o, f->t, tg_index_select(f->t, f->a, 1, NULL, 2));
    expect(f, TG_ERR_ARG, "tg_index_select: idx is NULL");

    f = row(&o, "tg_index_select", "index out of range");
    on_tape(o, f->t, tg_index_select(f->t, f->a, 1, (int[]){2, 3}, 2));
    expect(f, TG_ERR_RANGE, "tg_index_select: index 3 at position 1 is outside 0..2 (axis 1)");

    f = row(&o, "tg_index_select", "negative index");
    on_tape(o, f->t, tg_index_select(f->t, f->a, 0, (int[]){-1}, 1));
    expect(f, TG_ERR_RANGE, "tg_index_select: index -1 at position 0 is outside 0..1 (axis 0)");

    f = row(&o, "tg_gather", "axis out of range");
    on_tape(o, f->t, tg_gather(f->t, f->a, -3, (int[]){0, 0}, 1));
    expect(f, TG_ERR_RANGE, "tg_gather: axis -3 is outside -2..1 for shape (2,3)");

    f = row(&o, "tg_gather", "n = 0");
    on_tape(o, f->t, tg_gather(f->t, f->a, 1, (int[]){0, 0}, 0));
    expect(f, TG_ERR_VALUE, "tg_gather: n must be >= 1, got 0");

    f = row(&o, "tg_gather", "idx NULL");
    on_tape(o, f->t, tg_gather(f->t, f->a, 1, NULL, 1));
    expect(f, TG_ERR_ARG, "tg_gather: idx is NULL");

    f = row(&o, "tg_gather", "index out of range");
    on_tape(o, f->t, tg_gather(f->t, f->a, 1, (int[]){0, 3}, 1));
    expect(f, TG_ERR_RANGE, "tg_gather: index 3 at position 1 is outside 0..2 (axis 1)");

    f = row(&o, "tg_scatter_add", "src's shape differs outside the axis");
    on_tape(o, f->t, tg_scatter_add(f->t, f->a, 1, (int[]){0, 0, 0}, f->m34));
    expect(f, TG_ERR_SHAPE, "tg_scatter_add: src has shape (3,4), x has (2,3): they must match outside axis 1");

    f = row(&o, "tg_scatter_add", "src of another rank");
    on_tape(o, f->t, tg_scatter_add(f->t, f->a, 0, (int[]){0, 0, 0}, f->v3));
    expect(f, TG_ERR_SHAPE, "tg_scatter_add: src has shape (3), x has (2,3): they must match outside axis 0");

    f = row(&o, "tg_scatter_add", "idx NULL");
    on_tape(o, f->t, tg_scatter_add(f->t, f->a, 1, NULL, f->b));
    expect(f, TG_ERR_ARG, "tg_scatter_add: idx is NULL");

    f = row(&o, "tg_scatter_add", "index out of range");
    on_tape(o, f->t, tg_scatter_add(f->t, f->a, 0, (int[]){0, 1, 0, 1, 2, 0}, f->b));
    expect(f, TG_ERR_RANGE, "tg_scatter_add: index 2 at position 4 is outside 0..1 (axis 0)");

    f = row(&o, "tg_scatter_add", "axis out of range");
    on_tape(o, f->t, tg_scatter_add(f->t, f->a, 2, (int[]){0, 0, 0, 0, 0, 0}, f->b));
    expect(f, TG_ERR_RANGE, "tg_scatter_add: axis 2 is outside -2..1 for shape (2,3)");

    f = row(&o, "tg_permute", "rank differs");
    on_tape(o, f->t, tg_permute(f->t, f->a, 3, (int[]){0, 1, 2}));
    expect(f, TG_ERR_SHAPE, "tg_permute: 3 axes given for shape (2,3) of rank 2");

    f = row(&o, "tg_permute", "perm NULL");
    on_tape(o, f->t, tg_permute(f->t, f->a, 2, NULL));
    expect(f, TG_ERR_ARG, "tg_permute: perm is NULL");

    f = row(&o, "tg_permute", "entry out of range");
    on_tape(o, f->t, tg_permute(f->t, f->a, 2, (int[]){0, 2}));
    expect(f, TG_ERR_RANGE, "tg_permute: perm[1] = 2 is out of range for shape (2,3)");

    f = row(&o, "tg_permute", "repeated axis");
    on_tape(o, f->t, tg_permute(f->t, f->a, 2, (int[]){1, -1}));
    expect(f, TG_ERR_VALUE, "tg_permute: axis 1 appears twice in perm (shape (2,3))");

    f = row(&o, "tg_expand", "dimension not 1 and not equal");
    on_tape(o, f->t, tg_expand(f->t, f->a, 2, (int[]){4, 3}));
    expect(f, TG_ERR_SHAPE, "tg_expand: cannot expand (2,3) to (4,3) (axis 0: 2 to 4)");

    f = row(&o, "tg_expand", "rank below x's");
    on_tape(o, f->t, tg_expand(f->t, f->a, 1, (int[]){3}));
    expect(f, TG_ERR_SHAPE, "tg_expand: rank 1 is outside 2..8 for shape (2,3)");

    f = row(&o, "tg_expand", "rank above 8");
    on_tape(o, f->t, tg_expand(f->t, f->a, 9, (int[]){1, 1, 1, 1, 1, 1, 1, 2, 3}));
    expect(f, TG_ERR_SHAPE, "tg_expand: rank 9 is outside 2..8 for shape (2,3)");

    f = row(&o, "tg_expand", "shape NULL");
    on_tape(o, f->t, tg_expand(f->t, f->a, 2, NULL));
    expect(f, TG_ERR_ARG, "tg_expand: shape is NULL");

    f = row(&o, "tg_expand", "dimension 0");
    on_tape(o, f->t, tg_expand(f->t, f->a, 3, (int[]){0, 2, 3}));
    expect(f, TG_ERR_SHAPE, "tg_expand: cannot expand (2,3) to (0,2,3) (axis 0: 1 to 0)");

    f = row(&o, "tg_expand", "-1 on a new axis");
    on_tape(o, f->t, tg_expand(f->t, f->a, 3, (int[]){-1, 2, 3}));
    expect(f, TG_ERR_SHAPE, "tg_expand: cannot expand (2,3) to (-1,2,3) (axis 0: 1 to -1)");

    f = row(&o, "tg_expand", "element count overflows");
    on_tape(o, f->t, tg_expand(f->t, f->a, 5, (int[]){INT_MAX, INT_MAX, INT_MAX, 2, 3}));
    expect(f, TG_ERR_SHAPE, "tg_expand: element count of (2147483647,2147483647,2147483647,2,3) overflows size_t");

    f = row(&o, "tg_stack", "shapes differ");
    on_tape(o, f->t, tg_stack(f->t, (tg_tensor *[]){f->a, f->m34}, 2, 0));
    expect(f, TG_ERR_SHAPE, "tg_stack: input 2 has shape (3,4), input 1 has (2,3)");

    f = row(&o, "tg_stack", "axis out of range");
    on_tape(o, f->t, tg_stack(f->t, (tg_tensor *[]){f->a, f->b}, 2, 3));
    expect(f, TG_ERR_RANGE, "tg_stack: axis 3 is outside -3..2 for inputs of shape (2,3)");

    f = row(&o, "tg_stack", "xs NULL");
    on_tape(o, f->t, tg_stack(f->t, NULL, 2, 0));
    expect(f, TG_ERR_ARG, "tg_stack: xs is NULL");

    f = row(&o, "tg_stack", "n = 0");
    on_tape(o, f->t, tg_stack(f->t, (tg_tensor *[]){f->a}, 0, 0));
    expect(f, TG_ERR_ARG, "tg_stack: need at least one input, got n = 0");

    f = row(&o, "tg_stack", "one input NULL");
    on_tape(o, f->t, tg_stack(f->t, (tg_tensor *[]){f->a, NULL}, 2, 0));
    expect(f, TG_ERR_ARG, "tg_stack: argument 2 is NULL");

    f = row(&o, "tg_split", "sizes do not add up");
    on_tape(o, f->t, tg_split(f->t, f->a, 1, (int[]){1, 1}, 2, outs) == TG_OK ? (void *)1 : NULL);
    expect(f, TG_ERR_SHAPE, "tg_split: sizes add up to 2, axis 1 of shape (2,3) has 3");

    f = row(&o, "tg_split", "size 0");
    on_tape(o, f->t, tg_split(f->t, f->a, 1, (int[]){3, 0}, 2, outs) == TG_OK ? (void *)1 : NULL);
    expect(f, TG_ERR_VALUE, "tg_split: sizes[1] = 0 must be >= 1");

    f = row(&o, "tg_split", "sizes NULL");
    on_tape(o, f->t, tg_split(f->t, f->a, 1, NULL, 2, outs) == TG_OK ? (void *)1 : NULL);
    expect(f, TG_ERR_ARG, "tg_split: sizes is NULL");

    f = row(&o, "tg_split", "out NULL");
    on_tape(o, f->t, tg_split(f->t, f->a, 1, (int[]){3}, 1, NULL) == TG_OK ? (void *)1 : NULL);
    expect(f, TG_ERR_ARG, "tg_split: out is NULL");

    f = row(&o, "tg_split", "n = 0");
    on_tape(o, f->t, tg_split(f->t, f->a, 1, (int[]){3}, 0, outs) == TG_OK ? (void *)1 : NULL);
    expect(f, TG_ERR_ARG, "tg_split: need at least one piece, got n = 0");

    f = row(&o, "tg_split", "axis out of range");
    on_tape(o, f->t, tg_split(f->t, f->a, 2, (int[]){3}, 1, outs) == TG_OK ? (void *)1 : NULL);
    expect(f, TG_ERR_RANGE, "tg_split: axis 2 is out of range for shape (2,3)");

    f = row(&o, "tg_logsumexp", "axis out of range");
    on_tape(o, f->t, tg_logsumexp(f->t, f->a, 2, false));
    expect(f, TG_ERR_RANGE, "tg_logsumexp: axis 2 is outside -2..1 for shape (2,3)");

    f = row(&o, "tg_var", "axis out of range");
    on_tape(o, f->t, tg_var(f->t, f->a, -3, 1, false));
    expect(f, TG_ERR_RANGE, "tg_var: axis -3 is outside -2..1 for shape (2,3)");

    f = row(&o, "tg_var", "negative correction");
    on_tape(o, f->t, tg_var(f->t, f->a, 1, -1, false));
    expect(f, TG_ERR_VALUE, "tg_var: correction must be finite and >= 0, got -1");

    f = row(&o, "tg_var", "NaN correction");
    on_tape(o, f->t, tg_var(f->t, f->a, 1, (tg_real)NAN, false));
    expect(f, TG_ERR_VALUE, "tg_var: correction must be finite and >= 0, got nan");

    f = row(&o, "tg_var", "correction = D");
    on_tape(o, f->t, tg_var(f->t, f->a, 0, 2, false));
    expect(f, TG_ERR_VALUE, "tg_var: correction 2 leaves no degrees of freedom: axis 0 of shape (2,3) has 2");

    f = row(&o, "tg_std", "infinite correction");
    on_tape(o, f->t, tg_std(f->t, f->a, 1, (tg_real)INFINITY, true));
    expect(f, TG_ERR_VALUE, "tg_std: correction must be finite and >= 0, got inf");

    f = row(&o, "tg_std", "correction > D");
    on_tape(o, f->t, tg_std(f->t, f->a, 1, 4, true));
    expect(f, TG_ERR_VALUE, "tg_std: correction 4 leaves no degrees of freedom: axis 1 of shape (2,3) has 3");

    f = row(&o, "tg_cumsum", "axis out of range");
    on_tape(o, f->t, tg_cumsum(f->t, f->a, 5));
    expect(f, TG_ERR_RANGE, "tg_cumsum: axis 5 is outside -2..1 for shape (2,3)");

    f = row(&o, "tg_cumsum", "rank 0");
    on_tape(o, f->t, tg_cumsum(f->t, f->s0, 0));
    expect(f, TG_ERR_RANGE, "tg_cumsum: axis 0: a rank-0 tensor has no axis");

    f = row(&o, "tg_unfold2d", "rank 2");
    on_tape(o, f->t, tg_unfold2d(f->t, f->a, (int[]){1, 1}, NULL, NULL, NULL));
    expect(f, TG_ERR_SHAPE, "tg_unfold2d: x must have rank 4 (N,C,H,W), got shape (2,3)");

    f = row(&o, "tg_unfold2d", "kernel NULL");
    on_tape(o, f->t, tg_unfold2d(f->t, f->r4, NULL, NULL, NULL, NULL));
    expect(f, TG_ERR_ARG, "tg_unfold2d: kernel is NULL");

    f = row(&o, "tg_unfold2d", "kernel 0");
    on_tape(o, f->t, tg_unfold2d(f->t, f->r4, (int[]){0, 1}, NULL, NULL, NULL));
    expect(f, TG_ERR_VALUE, "tg_unfold2d: kernel 0, stride 1, dilation 1 must be >= 1 and padding 0 >= 0 (height)");

    f = row(&o, "tg_unfold2d", "stride 0");
    on_tape(o, f->t, tg_unfold2d(f->t, f->r4, (int[]){1, 1}, (int[]){1, 0}, NULL, NULL));
    expect(f, TG_ERR_VALUE, "tg_unfold2d: kernel 1, stride 0, dilation 1 must be >= 1 and padding 0 >= 0 (width)");

    f = row(&o, "tg_unfold2d", "negative padding");
    on_tape(o, f->t, tg_unfold2d(f->t, f->r4, (int[]){1, 1}, NULL, (int[]){-1, 0}, NULL));
    expect(f, TG_ERR_VALUE, "tg_unfold2d: kernel 1, stride 1, dilation 1 must be >= 1 and padding -1 >= 0 (height)");

    f = row(&o, "tg_unfold2d", "dilation 0");
    on_tape(o, f->t, tg_unfold2d(f->t, f->r4, (int[]){1, 1}, NULL, NULL, (int[]){1, 0}));
    expect(f, TG_ERR_VALUE, "tg_unfold2d: kernel 1, stride 1, dilation 0 must be >= 1 and padding 0 >= 0 (width)");

    f = row(&o, "tg_unfold2d", "kernel wider than the padded input");
    on_tape(o, f->t, tg_unfold2d(f->t, f->r4, (int[]){2, 4}, NULL, NULL, (int[]){1, 2}));
    expect(f, TG_ERR_SHAPE, "tg_unfold2d: kernel 4 with dilation 2 spans 7, more than input 5 + 2 x padding 0 (width) (shape (2,3,4,5))");

    f = row(&o, "tg_unfold2d", "rows overflow int");
    on_tape(o, f->t, tg_unfold2d(f->t, f->r4, (int[]){50000, 50000}, NULL, (int[]){25000, 25000}, NULL));
    expect(f, TG_ERR_SHAPE, "tg_unfold2d: the unfolded shape of (2,3,4,5) is too large (7500000000 rows, 30 columns)");

    f = row(&o, "tg_unfold2d", "columns overflow int");
    on_tape(o, f->t, tg_unfold2d(f->t, f->r4, (int[]){1, 1}, NULL, (int[]){INT_MAX / 2, INT_MAX / 2}, NULL));
    expect(f, TG_ERR_SHAPE, "tg_unfold2d: the unfolded shape of (2,3,4,5) is too large (3 rows, 2147483650 columns)");

    f = row(&o, "tg_unfold1d", "rank 2");
    on_tape(o, f->t, tg_unfold1d(f->t, f->a, 1, 1, 0, 1));
    expect(f, TG_ERR_SHAPE, "tg_unfold1d: x must have rank 3 (N,C,L), got shape (2,3)");

    f = row(&o, "tg_unfold1d", "kernel 0");
    on_tape(o, f->t, tg_unfold1d(f->t, tg_tape_full(f->t, 3, (int[]){1, 2, 3}, 1), 0, 1, 0, 1));
    expect(f, TG_ERR_VALUE, "tg_unfold1d: kernel 0, stride 1, dilation 1 must be >= 1 and padding 0 >= 0");

    f = row(&o, "tg_unfold1d", "kernel longer than the padded input");
    on_tape(o, f->t, tg_unfold1d(f->t, tg_tape_full(f->t, 3, (int[]){1, 2, 3}, 1), 4, 1, 1, 3));
    expect(f, TG_ERR_SHAPE, "tg_unfold1d: kernel 4 with dilation 3 spans 10, more than input 3 + 2 x padding 1 (shape (1,2,3))");

    f = row(&o, "tg_unfold1d", "negative stride");
    on_tape(o, f->t, tg_unfold1d(f->t, tg_tape_full(f->t, 3, (int[]){1, 2, 3}, 1), 1, -2, 0, 1));
    expect(f, TG_ERR_VALUE, "tg_unfold1d: kernel 1, stride -2, dilation 1 must be >= 1 and padding 0 >= 0");

    f = row(&o, "tg_unfold2d_ones", "kernel NULL");
    on_tape(o, f->t, tg_unfold2d_ones(f->t, f->r4, NULL, NULL, NULL, NULL));
    expect(f, TG_ERR_ARG, "tg_unfold2d_ones: kernel is NULL");

    f = row(&o, "tg_unfold2d_ones", "rank 2");
    on_tape(o, f->t, tg_unfold2d_ones(f->t, f->a, (int[]){1, 1}, NULL, NULL, NULL));
    expect(f, TG_ERR_SHAPE, "tg_unfold2d_ones: x must have rank 4 (N,C,H,W), got shape (2,3)");

    f = row(&o, "tg_unfold2d_ones", "dilation 0");
    on_tape(o, f->t, tg_unfold2d_ones(f->t, f->r4, (int[]){1, 1}, NULL, NULL, (int[]){1, 0}));
    expect(f, TG_ERR_VALUE, "tg_unfold2d_ones: kernel 1, stride 1, dilation 0 must be >= 1 and padding 0 >= 0 (width)");

    f = row(&o, "tg_unfold1d_ones", "kernel longer than the padded input");
    on_tape(o, f->t, tg_unfold1d_ones(f->t, tg_tape_full(f->t, 3, (int[]){1, 2, 3}, 1), 4, 1, 1, 3));
    expect(f, TG_ERR_SHAPE, "tg_unfold1d_ones: kernel 4 with dilation 3 spans 10, more than input 3 + 2 x padding 1 (shape (1,2,3))");

    f = row(&o, "tg_unfold_max2d", "rank 2");
    on_tape(o, f->t, tg_unfold_max2d(f->t, f->a, (int[]){1, 1}, NULL, NULL));
    expect(f, TG_ERR_SHAPE, "tg_unfold_max2d: x must have rank 4 (N,C,H,W), got shape (2,3)");

    f = row(&o, "tg_unfold_max2d", "kernel NULL");
    on_tape(o, f->t, tg_unfold_max2d(f->t, f->r4, NULL, NULL, NULL));
    expect(f, TG_ERR_ARG, "tg_unfold_max2d: kernel is NULL");

    f = row(&o, "tg_unfold_max2d", "stride 0");
    on_tape(o, f->t, tg_unfold_max2d(f->t, f->r4, (int[]){2, 2}, (int[]){1, 0}, NULL));
    expect(f, TG_ERR_VALUE, "tg_unfold_max2d: kernel 2, stride 0, dilation 1 must be >= 1 and padding 0 >= 0 (width)");

    f = row(&o, "tg_unfold_max2d", "padding more than half the kernel");
    on_tape(o, f->t, tg_unfold_max2d(f->t, f->r4, (int[]){3, 2}, NULL, (int[]){1, 2}));
    expect(f, TG_ERR_VALUE, "tg_unfold_max2d: padding 2 is more than half the kernel 2 (width)");

    f = row(&o, "tg_unfold_max2d", "kernel wider than the padded input");
    on_tape(o, f->t, tg_unfold_max2d(f->t, f->r4, (int[]){2, 6}, NULL, NULL));
    expect(f, TG_ERR_SHAPE, "tg_unfold_max2d: kernel 6 with dilation 1 spans 6, more than input 5 + 2 x padding 0 (width) (shape (2,3,4,5))");

    f = row(&o, "tg_fold2d", "cols of rank 2");
    on_tape(o, f->t, tg_fold2d(f->t, f->a, (int[]){2, 2}, (int[]){1, 1}, NULL, NULL, NULL));
    expect(f, TG_ERR_SHAPE, "tg_fold2d: cols must have rank 3 (N, C*kernel, L), got shape (2,3)");

    f = row(&o, "tg_fold2d", "out_size NULL");
    on_tape(o, f->t, tg_fold2d(f->t, f->v3, NULL, (int[]){1, 1}, NULL, NULL, NULL));
    expect(f, TG_ERR_ARG, "tg_fold2d: out_size is NULL");

    f = row(&o, "tg_fold2d", "kernel NULL");
    on_tape(o, f->t, tg_fold2d(f->t, f->v3, (int[]){2, 2}, NULL, NULL, NULL, NULL));
    expect(f, TG_ERR_ARG, "tg_fold2d: kernel is NULL");

    f = row(&o, "tg_fold2d", "output size 0");
    on_tape(o, f->t, tg_fold2d(f->t, tg_tape_full(f->t, 3, (int[]){1, 4, 6}, 1), (int[]){0, 3}, (int[]){2, 2}, NULL, NULL, NULL));
    expect(f, TG_ERR_VALUE, "tg_fold2d: output size 0 x 3 must be >= 1");

    f = row(&o, "tg_fold2d", "columns do not match the output size");
    on_tape(o, f->t, tg_fold2d(f->t, tg_tape_full(f->t, 3, (int[]){1, 4, 6}, 1), (int[]){3, 3}, (int[]){2, 2}, NULL, NULL, NULL));
    expect(f, TG_ERR_SHAPE, "tg_fold2d: cols (1,4,6) must be (N, C x 4, 4) for this kernel and output size");

    f = row(&o, "tg_fold2d", "rows not a multiple of the kernel");
    on_tape(o, f->t, tg_fold2d(f->t, tg_tape_full(f->t, 3, (int[]){1, 5, 4}, 1), (int[]){3, 3}, (int[]){2, 2}, NULL, NULL, NULL));
    expect(f, TG_ERR_SHAPE, "tg_fold2d: cols (1,5,4) must be (N, C x 4, 4) for this kernel and output size");

    f = row(&o, "tg_fold2d", "stride 0");
    on_tape(o, f->t, tg_fold2d(f->t, tg_tape_full(f->t, 3, (int[]){1, 4, 4}, 1), (int[]){3, 3}, (int[]){2, 2}, (int[]){0, 1}, NULL, NULL));
    expect(f, TG_ERR_VALUE, "tg_fold2d: kernel 2, stride 0, dilation 1 must be >= 1 and padding 0 >= 0 (height)");

    f = row(&o, "tg_fold2d", "kernel wider than the padded output");
    on_tape(o, f->t, tg_fold2d(f->t, tg_tape_full(f->t, 3, (int[]){1, 4, 4}, 1), (int[]){3, 3}, (int[]){4, 1}, NULL, NULL, NULL));
    expect(f, TG_ERR_SHAPE, "tg_fold2d: kernel 4 with dilation 1 spans 4, more than output 3 + 2 x padding 0 (height) (shape (1,4,4))");

    f = row(&o, "tg_fold1d", "cols of rank 4");
    on_tape(o, f->t, tg_fold1d(f->t, f->r4, 5, 1, 1, 0, 1));
    expect(f, TG_ERR_SHAPE, "tg_fold1d: cols must have rank 3 (N, C*kernel, L), got shape (2,3,4,5)");

    f = row(&o, "tg_fold1d", "columns do not match");
    on_tape(o, f->t, tg_fold1d(f->t, tg_tape_full(f->t, 3, (int[]){1, 2, 3}, 1), 5, 1, 1, 0, 1));
    expect(f, TG_ERR_SHAPE, "tg_fold1d: cols (1,2,3) must be (N, C x 1, 5) for this kernel and output size");

    f = row(&o, "tg_fold1d", "dilation 0");
    on_tape(o, f->t, tg_fold1d(f->t, tg_tape_full(f->t, 3, (int[]){1, 2, 3}, 1), 3, 1, 1, 0, 0));
    expect(f, TG_ERR_VALUE, "tg_fold1d: kernel 1, stride 1, dilation 0 must be >= 1 and padding 0 >= 0");

    f = row(&o, "tg_fold1d", "output length 0");
    on_tape(o, f->t, tg_fold1d(f->t, tg_tape_full(f->t, 3, (int[]){1, 2, 3}, 1), 0, 1, 1, 0, 1));
    expect(f, TG_ERR_VALUE, "tg_fold1d: output length 0 must be >= 1");

    f = row(&o, "tg_dropout", "p < 0");
    on_tape(o, f->t, tg_dropout(f->t, f->a, (tg_real)-0.1, &f->rng, true));
    expect(f, TG_ERR_VALUE, "tg_dropout: p must be in [0, 1], got -0.1");

    f = row(&o, "tg_dropout", "p > 1");
    on_tape(o, f->t, tg_dropout(f->t, f->a, (tg_real)1.5, &f->rng, true));
    expect(f, TG_ERR_VALUE, "tg_dropout: p must be in [0, 1], got 1.5");

    f = row(&o, "tg_dropout", "p NaN");
    on_tape(o, f->t, tg_dropout(f->t, f->a, (tg_real)NAN, &f->rng, false));
    expect(f, TG_ERR_VALUE, "tg_dropout: p must be in [0, 1], got nan");

    f = row(&o, "tg_dropout", "rng NULL in training");
    on_tape(o, f->t, tg_dropout(f->t, f->a, (tg_real)0.5, NULL, true));
    expect(f, TG_ERR_ARG, "tg_dropout: rng is NULL (needed in training mode with p = 0.5)");

    f = row(&o, "tg_matmul_t", "rank 1");
    on_tape(o, f->t, tg_matmul_t(f->t, f->v3, f->m34, false, false));
    expect(f, TG_ERR_SHAPE, "tg_matmul_t: inputs must have rank >= 2: (3) x (3,4)");

    f = row(&o, "tg_matmul_t", "inner dimensions differ");
    on_tape(o, f->t, tg_matmul_t(f->t, f->a, f->m34, true, false));
    expect(f, TG_ERR_SHAPE, "tg_matmul_t: inner dimensions differ: (2,3)^T x (3,4) (2 vs 3)");

    f = row(&o, "tg_matmul_t", "inner dimensions differ (b transposed)");
    on_tape(o, f->t, tg_matmul_t(f->t, f->m34, f->m45, false, true));
    expect(f, TG_ERR_SHAPE, "tg_matmul_t: inner dimensions differ: (3,4) x (4,5)^T (4 vs 5)");

    f = row(&o, "tg_matmul_t", "batch dimensions differ");
    on_tape(o, f->t, tg_matmul_t(f->t, f->r4, tg_tape_full(f->t, 3, (int[]){3, 5, 2}, 1), false, false));
    expect(f, TG_ERR_SHAPE, "tg_matmul_t: batch dimensions differ: (2,3,4,5) x (3,5,2)");

    f = row(&o, "tg_conv2d", "x of rank 2");
    on_tape(o, f->t, tg_conv2d(f->t, f->a, f->r4, NULL, NULL, NULL));
    expect(f, TG_ERR_SHAPE, "tg_conv2d: x must have rank 4 (N,C,H,W), got shape (2,3)");

    f = row(&o, "tg_conv2d", "W of rank 2");
    on_tape(o, f->t, tg_conv2d(f->t, f->r4, f->a, NULL, NULL, NULL));
    expect(f, TG_ERR_SHAPE, "tg_conv2d: W must have rank 4 (Cout,C,kh,kw), got shape (2,3)");

    f = row(&o, "tg_conv2d", "W for 4 channels, x with 3");
    on_tape(o, f->t, tg_conv2d(f->t, f->r4, tg_tape_full(f->t, 4, (int[]){2, 4, 1, 1}, 1), NULL, NULL, NULL));
    expect(f, TG_ERR_SHAPE, "tg_conv2d: x (2,3,4,5) has 3 channels, W (2,4,1,1) takes 4");

    f = row(&o, "tg_conv2d", "kernel taller than the padded input");
    on_tape(o, f->t, tg_conv2d(f->t, f->r4, tg_tape_full(f->t, 4, (int[]){1, 3, 5, 1}, 1), NULL, NULL, NULL));
    expect(f, TG_ERR_SHAPE, "tg_conv2d: kernel 5 with dilation 1 spans 5, more than input 4 + 2 x padding 0 (height) (shape (2,3,4,5))");

    f = row(&o, "tg_conv2d", "stride 0");
    on_tape(o, f->t, tg_conv2d(f->t, f->r4, tg_tape_full(f->t, 4, (int[]){1, 3, 1, 1}, 1), (int[]){1, 0}, NULL, NULL));
    expect(f, TG_ERR_VALUE, "tg_conv2d: kernel 1, stride 0, dilation 1 must be >= 1 and padding 0 >= 0 (width)");

    f = row(&o, "tg_conv2d", "negative padding");
    on_tape(o, f->t, tg_conv2d(f->t, f->r4, tg_tape_full(f->t, 4, (int[]){1, 3, 1, 1}, 1), NULL, (int[]){-1, 0}, NULL));
    expect(f, TG_ERR_VALUE, "tg_conv2d: kernel 1, stride 1, dilation 1 must be >= 1 and padding -1 >= 0 (height)");

    f = row(&o, "tg_conv2d", "dilation 0");
    on_tape(o, f->t, tg_conv2d(f->t, f->r4, tg_tape_full(f->t, 4, (int[]){1, 3, 1, 1}, 1), NULL, NULL, (int[]){0, 1}));
    expect(f, TG_ERR_VALUE, "tg_conv2d: kernel 1, stride 1, dilation 0 must be >= 1 and padding 0 >= 0 (height)");

    f = row(&o, "tg_conv2d", "columns overflow int");
    on_tape(o, f->t, tg_conv2d(f->t, f->r4, tg_tape_full(f->t, 4, (int[]){1, 3, 1, 1}, 1), NULL,
                               (int[]){INT_MAX / 2, INT_MAX / 2}, NULL));
    expect(f, TG_ERR_SHAPE, "tg_conv2d: the columns of (2,3,4,5) are too large (3 rows, 2147483650 columns)");

    f = row(&o, "tg_conv2d_bias", "b NULL");
    on_tape(o, f->t, tg_conv2d_bias(f->t, f->r4, tg_tape_full(f->t, 4, (int[]){2, 3, 1, 1}, 1), NULL, NULL, NULL, NULL));
    expect(f, TG_ERR_ARG, "tg_conv2d_bias: argument 3 is NULL");

    f = row(&o, "tg_conv2d_bias", "b of the wrong shape");
    on_tape(o, f->t, tg_conv2d_bias(f->t, f->r4, tg_tape_full(f->t, 4, (int[]){2, 3, 1, 1}, 1), f->a, NULL, NULL, NULL));
    expect(f, TG_ERR_SHAPE, "tg_conv2d_bias: b must have shape (2) for W (2,3,1,1), got (2,3)");

    f = row(&o, "tg_conv2d_bias", "b of another tape");
    on_tape(o, f->t, tg_conv2d_bias(f->t, f->r4, tg_tape_full(f->t, 4, (int[]){2, 3, 1, 1}, 1), f->other, NULL, NULL,
                                    NULL));
    expect_named(f, TG_ERR_STATE, "tg_conv2d_bias: argument 3 belongs to another tape or to a step before the last tg_tape_reset", NULL);

    f = row(&o, "tg_conv1d", "x of rank 4");
    on_tape(o, f->t, tg_conv1d(f->t, f->r4, f->r4, 1, 0, 1));
    expect(f, TG_ERR_SHAPE, "tg_conv1d: x must have rank 3 (N,C,L), got shape (2,3,4,5)");

    f = row(&o, "tg_conv1d", "kernel longer than the padded input");
    on_tape(o, f->t, tg_conv1d(f->t, tg_tape_full(f->t, 3, (int[]){1, 2, 3}, 1),
                               tg_tape_full(f->t, 3, (int[]){1, 2, 3}, 1), 1, 1, 3));
    expect(f, TG_ERR_SHAPE, "tg_conv1d: kernel 3 with dilation 3 spans 7, more than input 3 + 2 x padding 1 (shape (1,2,3))");

    f = row(&o, "tg_conv1d", "negative stride");
    on_tape(o, f->t, tg_conv1d(f->t, tg_tape_full(f->t, 3, (int[]){1, 2, 3}, 1),
                               tg_tape_full(f->t, 3, (int[]){1, 2, 1}, 1), -2, 0, 1));
    expect(f, TG_ERR_VALUE, "tg_conv1d: kernel 1, stride -2, dilation 1 must be >= 1 and padding 0 >= 0");

    f = row(&o, "tg_conv1d_bias", "b of rank 0");
    on_tape(o, f->t, tg_conv1d_bias(f->t, tg_tape_full(f->t, 3, (int[]){1, 2, 3}, 1),
                                    tg_tape_full(f->t, 3, (int[]){1, 2, 1}, 1), f->s0, 1, 0, 1));
    expect(f, TG_ERR_SHAPE, "tg_conv1d_bias: b must have shape (1) for W (1,2,1), got ()");
    f = row(&o, "tg_standardize", "rank 0");
    on_tape(o, f->t, tg_standardize(f->t, f->s0, (tg_real)1e-5));
    expect(f, TG_ERR_SHAPE, "tg_standardize: input must have rank >= 1 (it works along the last axis): got shape ()");

    f = row(&o, "tg_standardize", "eps 0");
    on_tape(o, f->t, tg_standardize(f->t, f->a, 0));
    expect(f, TG_ERR_VALUE, "tg_standardize: eps must be finite and > 0, got 0");

    f = row(&o, "tg_standardize", "eps NaN");
    on_tape(o, f->t, tg_standardize(f->t, f->a, (tg_real)NAN));
    expect(f, TG_ERR_VALUE, "tg_standardize: eps must be finite and > 0, got nan");

    f = row(&o, "tg_standardize", "eps inf");
    on_tape(o, f->t, tg_standardize(f->t, f->a, (tg_real)INFINITY));
    expect(f, TG_ERR_VALUE, "tg_standardize: eps must be finite and > 0, got inf");

    f = row(&o, "tg_head_scores", "rank 2");
    on_tape(o, f->t, tg_head_scores(f->t, f->a, 0, f->b, 0, 1, 1, 1));
    expect(f, TG_ERR_SHAPE, "tg_head_scores: inputs must be (B,Ta,Ca) and (B,Tb,Cb): got (2,3) and (2,3)");

    f = row(&o, "tg_head_scores", "batch sizes differ");
    on_tape(o, f->t, tg_head_scores(f->t, tg_tape_full(f->t, 3, (int[]){2, 3, 4}, 1), 0,
                                    tg_tape_full(f->t, 3, (int[]){3, 3, 4}, 1), 0, 1, 1, 1));
    expect(f, TG_ERR_SHAPE, "tg_head_scores: inputs must be (B,Ta,Ca) and (B,Tb,Cb): got (2,3,4) and (3,3,4)");

    f = row(&o, "tg_head_scores", "heads 0");
    on_tape(o, f->t, tg_head_scores(f->t, tg_tape_full(f->t, 3, (int[]){2, 3, 4}, 1), 0,
                                    tg_tape_full(f->t, 3, (int[]){2, 5, 4}, 1), 0, 0, 2, 1));
    expect(f, TG_ERR_VALUE, "tg_head_scores: heads and head_dim must be >= 1, got 0 and 2");

    f = row(&o, "tg_head_scores", "blocks past the columns");
    on_tape(o, f->t, tg_head_scores(f->t, tg_tape_full(f->t, 3, (int[]){2, 3, 4}, 1), 1,
                                    tg_tape_full(f->t, 3, (int[]){2, 5, 4}, 1), 0, 2, 2, 1));
    expect(f, TG_ERR_SHAPE, "tg_head_scores: 2 heads of 2 columns at offsets 1 and 0 do not fit (2,3,4) and (2,5,4)");

    f = row(&o, "tg_head_scores", "negative offset");
    on_tape(o, f->t, tg_head_scores(f->t, tg_tape_full(f->t, 3, (int[]){2, 3, 4}, 1), 0,
                                    tg_tape_full(f->t, 3, (int[]){2, 5, 4}, 1), -1, 1, 2, 1));
    expect(f, TG_ERR_SHAPE, "tg_head_scores: 1 heads of 2 columns at offsets 0 and -1 do not fit (2,3,4) and (2,5,4)");

    f = row(&o, "tg_head_mix", "p of rank 3");
    on_tape(o, f->t, tg_head_mix(f->t, tg_tape_full(f->t, 3, (int[]){2, 3, 4}, 1), false,
                                 tg_tape_full(f->t, 3, (int[]){2, 4, 4}, 1), 0, 4, 0, 2, 1));
    expect(f, TG_ERR_SHAPE, "tg_head_mix: inputs must be (B,H,P1,P2) and (B,Tv,Cv): got (2,3,4) and (2,4,4)");

    f = row(&o, "tg_head_mix", "head_dim 0");
    on_tape(o, f->t, tg_head_mix(f->t, f->r4, false, tg_tape_full(f->t, 3, (int[]){2, 5, 6}, 1), 0, 6, 0, 0, 1));
    expect(f, TG_ERR_VALUE, "tg_head_mix: head_dim must be in 1..6, got 0");

    f = row(&o, "tg_head_mix", "p's columns vs v's rows");
    on_tape(o, f->t, tg_head_mix(f->t, f->r4, true, tg_tape_full(f->t, 3, (int[]){2, 5, 6}, 1), 0, 6, 0, 2, 1));
    expect(f, TG_ERR_SHAPE, "tg_head_mix: (2,3,4,5)^T has 4 columns but v (2,5,6) has 5 rows");

    f = row(&o, "tg_head_mix", "blocks past the width");
    on_tape(o, f->t, tg_head_mix(f->t, f->r4, false, tg_tape_full(f->t, 3, (int[]){2, 5, 6}, 1), 0, 6, 1, 2, 1));
    expect(f, TG_ERR_SHAPE, "tg_head_mix: 3 heads of 2 columns at offsets 0 (v (2,5,6)) and 1 (width 6) do not fit");

    f = row(&o, "tg_standardize_affine", "x of rank 0");
    on_tape(o, f->t, tg_standardize_affine(f->t, f->s0, f->v3, f->v3, (tg_real)1e-5));
    expect(f, TG_ERR_SHAPE, "tg_standardize_affine: x must have rank >= 1 (it works along the last axis): got shape ()");

    f = row(&o, "tg_standardize_affine", "gamma of the wrong length");
    on_tape(o, f->t, tg_standardize_affine(f->t, f->m34, f->v3, tg_tape_full(f->t, 1, (int[]){4}, 0), (tg_real)1e-5));
    expect(f, TG_ERR_SHAPE, "tg_standardize_affine: gamma and beta must be (4) for x (3,4), got (3) and (4)");

    f = row(&o, "tg_standardize_affine", "beta of rank 2");
    on_tape(o, f->t, tg_standardize_affine(f->t, f->a, f->v3, f->a, (tg_real)1e-5));
    expect(f, TG_ERR_SHAPE, "tg_standardize_affine: gamma and beta must be (3) for x (2,3), got (3) and (2,3)");

    f = row(&o, "tg_standardize_affine", "eps negative");
    on_tape(o, f->t, tg_standardize_affine(f->t, f->a, f->v3, tg_tape_full(f->t, 1, (int[]){3}, 0), (tg_real)-1));
    expect(f, TG_ERR_VALUE, "tg_standardize_affine: eps must be finite and > 0, got -1");

    f = row(&o, "tg_standardize_affine", "eps NaN");
    on_tape(o, f->t, tg_standardize_affine(f->t, f->a, f->v3, tg_tape_full(f->t, 1, (int[]){3}, 0), (tg_real)NAN));
    expect(f, TG_ERR_VALUE, "tg_standardize_affine: eps must be finite and > 0, got nan");

    f = row(&o, "tg_standardize_affine", "gamma NULL");
    on_tape(o, f->t, tg_standardize_affine(f->t, f->a, NULL, f->v3, (tg_real)1e-5));
    expect(f, TG_ERR_ARG, "tg_standardize_affine: argument 2 is NULL");

    f = row(&o, "tg_head_attention", "q of rank 2");
    on_tape(o, f->t, tg_head_attention(f->t, f->a, 0, r3(f), 0, r3(f), 2, NULL, 1, 2, 1));
    expect(f, TG_ERR_SHAPE, "tg_head_attention: q, k, v must be (B,Tq,Cq), (B,Tk,Ck), (B,Tk,Cv): got (2,3), (2,5,4), (2,5,4)");

    f = row(&o, "tg_head_attention", "batch sizes differ");
    on_tape(o, f->t, tg_head_attention(f->t, tg_tape_full(f->t, 3, (int[]){3, 5, 4}, 1), 0, r3(f), 0, r3(f), 2, NULL,
                                       1, 2, 1));
    expect(f, TG_ERR_SHAPE, "tg_head_attention: q, k, v must be (B,Tq,Cq), (B,Tk,Ck), (B,Tk,Cv): got (3,5,4), (2,5,4), (2,5,4)");

    f = row(&o, "tg_head_attention", "k and v lengths differ");
    on_tape(o, f->t, tg_head_attention(f->t, r3(f), 0, r3(f), 2, tg_tape_full(f->t, 3, (int[]){2, 4, 4}, 1), 0, NULL,
                                       1, 2, 1));
    expect(f, TG_ERR_SHAPE, "tg_head_attention: k (2,5,4) and v (2,4,4) must have as many rows (keys)");

    f = row(&o, "tg_head_attention", "heads 0");
    on_tape(o, f->t, tg_head_attention(f->t, r3(f), 0, r3(f), 0, r3(f), 2, NULL, 0, 2, 1));
    expect(f, TG_ERR_VALUE, "tg_head_attention: heads and head_dim must be >= 1, got 0 and 2");

    f = row(&o, "tg_head_attention", "head_dim negative");
    on_tape(o, f->t, tg_head_attention(f->t, r3(f), 0, r3(f), 0, r3(f), 2, NULL, 1, -3, 1));
    expect(f, TG_ERR_VALUE, "tg_head_attention: heads and head_dim must be >= 1, got 1 and -3");

    f = row(&o, "tg_head_attention", "blocks past the columns");
    on_tape(o, f->t, tg_head_attention(f->t, r3(f), 0, r3(f), 2, tg_tape_full(f->t, 3, (int[]){2, 5, 4}, 1), 3, NULL,
                                       1, 2, 1));
    expect(f, TG_ERR_SHAPE, "tg_head_attention: 1 heads of 2 columns at offsets 0, 2, 3 do not fit (2,5,4), (2,5,4), (2,5,4)");

    f = row(&o, "tg_head_attention", "a negative offset");
    on_tape(o, f->t, tg_head_attention(f->t, r3(f), -1, r3(f), 1, r3(f), 3, NULL, 1, 1, 1));
    expect(f, TG_ERR_SHAPE, "tg_head_attention: 1 heads of 1 columns at offsets -1, 1, 3 do not fit (2,5,4), (2,5,4), (2,5,4)");

    f = row(&o, "tg_head_attention", "heads x head_dim past int");
    on_tape(o, f->t, tg_head_attention(f->t, r3(f), 0, r3(f), 0, r3(f), 0, NULL, 1 << 20, 1 << 20, 1));
    expect(f, TG_ERR_SHAPE, "tg_head_attention: 1048576 heads of 1048576 columns at offsets 0, 0, 0 do not fit (2,5,4), (2,5,4), (2,5,4)");

    f = row(&o, "tg_head_attention", "a mask that does not broadcast");
    on_tape(o, f->t, tg_head_attention(f->t, r3(f), 0, r3(f), 2, r3(f), 2, tg_tape_full(f->t, 2, (int[]){5, 4}, 0), 1,
                                       2, 1));
    expect(f, TG_ERR_SHAPE, "tg_head_attention: mask (5,4) does not broadcast to the scores (2,1,5,5)");

    f = row(&o, "tg_head_attention", "overlapping blocks and a mask that does not broadcast");
    {
        tg_tensor *x = r3(f);
        on_tape(o, f->t, tg_head_attention(f->t, x, 0, x, 0, x, 2, tg_tape_full(f->t, 2, (int[]){5, 4}, 0), 1, 2, 1));
    }
    expect(f, TG_ERR_SHAPE, "tg_head_attention: mask (5,4) does not broadcast to the scores (2,1,5,5)");

    f = row(&o, "tg_head_attention", "overlapping blocks past the columns");
    {
        tg_tensor *x = r3(f);
        on_tape(o, f->t, tg_head_attention(f->t, x, 0, x, 1, x, 3, NULL, 1, 2, 1));
    }
    expect(f, TG_ERR_SHAPE, "tg_head_attention: 1 heads of 2 columns at offsets 0, 1, 3 do not fit (2,5,4), (2,5,4), (2,5,4)");

    f = row(&o, "tg_head_attention", "overlapping q and k, v NULL");
    {
        tg_tensor *x = r3(f);
        on_tape(o, f->t, tg_head_attention(f->t, x, 0, x, 0, NULL, 2, NULL, 1, 2, 1));
    }
    expect(f, TG_ERR_ARG, "tg_head_attention: argument 3 is NULL");

    f = row(&o, "tg_head_attention", "a mask of rank 5");
    on_tape(o, f->t, tg_head_attention(f->t, r3(f), 0, r3(f), 2, r3(f), 2,
                                       tg_tape_full(f->t, 5, (int[]){1, 2, 1, 5, 5}, 0), 1, 2, 1));
    expect(f, TG_ERR_SHAPE, "tg_head_attention: mask (1,2,1,5,5) does not broadcast to the scores (2,1,5,5)");

    f = row(&o, "tg_head_attention", "mask on a dead tape");
    {
        tg_tape *t2 = tg_tape_new();
        tg_tensor *m2 = tg_tape_full(t2, 2, (int[]){5, 5}, 0);
        tg_tape_reset(t2);
        on_tape(o, f->t, tg_head_attention(f->t, r3(f), 0, r3(f), 2, r3(f), 2, m2, 1, 2, 1));
        tg_tape_free(t2);
    }
    expect(f, TG_ERR_STATE, "tg_head_attention: argument 4 belongs to another tape or to a step before the last tg_tape_reset");

    f = row(&o, "tg_affine", "W of rank 1");
    on_tape(o, f->t, tg_affine(f->t, f->a, f->v3, f->v3));
    expect(f, TG_ERR_SHAPE, "tg_affine: x must be (...,K), W (K,N) and b (N): got (2,3), (3) and (3)");

    f = row(&o, "tg_affine", "x's last axis vs W's rows");
    on_tape(o, f->t, tg_affine(f->t, f->a, f->m45, tg_tape_full(f->t, 1, (int[]){5}, 1)));
    expect(f, TG_ERR_SHAPE, "tg_affine: shapes do not match: x (2,3), W (4,5), b (5)");

    f = row(&o, "tg_affine", "b vs W's columns");
    on_tape(o, f->t, tg_affine(f->t, f->m34, f->m45, f->v3));
    expect(f, TG_ERR_SHAPE, "tg_affine: shapes do not match: x (3,4), W (4,5), b (3)");

    f = row(&o, "tg_affine", "x NULL");
    on_tape(o, f->t, tg_affine(f->t, NULL, f->m45, f->v3));
    expect(f, TG_ERR_ARG, "tg_affine: argument 1 is NULL");

    f = row(&o, "tg_affine_relu", "W of rank 1");
    on_tape(o, f->t, tg_affine_relu(f->t, f->a, f->v3, f->v3));
    expect(f, TG_ERR_SHAPE, "tg_affine_relu: x must be (...,K), W (K,N) and b (N): got (2,3), (3) and (3)");

    f = row(&o, "tg_affine_relu", "x's last axis vs W's rows");
    on_tape(o, f->t, tg_affine_relu(f->t, f->a, f->m45, tg_tape_full(f->t, 1, (int[]){5}, 1)));
    expect(f, TG_ERR_SHAPE, "tg_affine_relu: shapes do not match: x (2,3), W (4,5), b (5)");

    f = row(&o, "tg_affine_relu", "b vs W's columns");
    on_tape(o, f->t, tg_affine_relu(f->t, f->m34, f->m45, f->v3));
    expect(f, TG_ERR_SHAPE, "tg_affine_relu: shapes do not match: x (3,4), W (4,5), b (3)");

    f = row(&o, "tg_affine_relu", "b of rank 2");
    on_tape(o, f->t, tg_affine_relu(f->t, f->m34, f->m45, f->m45));
    expect(f, TG_ERR_SHAPE, "tg_affine_relu: x must be (...,K), W (K,N) and b (N): got (3,4), (4,5) and (4,5)");

    f = row(&o, "tg_affine_relu", "x of rank 0");
    on_tape(o, f->t, tg_affine_relu(f->t, f->s0, f->m45, tg_tape_full(f->t, 1, (int[]){5}, 1)));
    expect(f, TG_ERR_SHAPE, "tg_affine_relu: x must be (...,K), W (K,N) and b (N): got (), (4,5) and (5)");

    f = row(&o, "tg_affine_relu", "W NULL");
    on_tape(o, f->t, tg_affine_relu(f->t, f->a, NULL, f->v3));
    expect(f, TG_ERR_ARG, "tg_affine_relu: argument 2 is NULL");

    f = row(&o, "tg_dropout", "rng NULL in eval mode is fine");
    {
        tg_tensor *y = tg_dropout(f->t, f->a, (tg_real)0.5, NULL, false);
        on_value(o, y && y->data[1] == f->a->data[1], "the identity");
    }
    expect(f, TG_OK, "");

    f = row(&o, "tg_masked_fill", "a NaN fill is the caller's value");
    {
        tg_tensor *y = tg_masked_fill(f->t, f->a, f->s0, (tg_real)NAN);
        on_value(o, y && isnan(y->data[0]), "a tensor of NaN");
    }
    expect(f, TG_OK, "");

    (void)outs;
    return bad_done("autodiff/ops/include/tapegrad/tg_ops_nn.h");
}
