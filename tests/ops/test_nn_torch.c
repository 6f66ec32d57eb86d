/* test_nn_torch.c — replays the PyTorch fixtures of tests/fixtures/ops/ (written by
 * hand with tests/fixtures/make_op_fixtures.py, float64): for every case, the op of
 * <tapegrad/tg_ops_nn.h> on the fixture's inputs must give PyTorch's output and, for
 * L = sum(r * out), PyTorch's gradient of every differentiable input. Convolutions
 * are our composition (unfold, matmul_t with the weights shared by the batch,
 * reshape) and the fused op (tg_conv2d, tg_conv1d) against F.conv1d / F.conv2d.
 * Tolerance: 1e-12 relative to the largest value in the double build, 1e-4 in the
 * float build. */
#include "fixture.h"

#if TG_REAL_IS_DOUBLE
#define TOL 1e-12
#else
#define TOL 1e-4
#endif

/* Index tensors are stored as float64 integers; the ops take C ints. */
static int idx_buf[4][1024];
static const int *ints(const tg_tensor *x, int slot) {
    for (size_t i = 0; i < x->size && i < 1024; i++) idx_buf[slot][i] = (int)x->data[i];
    return idx_buf[slot];
}

/* conv: x (N,C,...), w (Cout,C,k...) -> (N,Cout,...) as unfold + matmul_t + reshape. */
static tg_tensor *conv(tg_tape *t, tg_tensor *x, tg_tensor *w, int dims, const int *k,
                       const int *s, const int *p, const int *d) {
    tg_tensor *cols = dims == 2 ? tg_unfold2d(t, x, k, s, p, d) : tg_unfold1d(t, x, k[1], s[1], p[1], d[1]);
    tg_tensor *w2 = tg_reshape(t, w, 2, (int[]){w->shape[0], -1});
    tg_tensor *y = tg_matmul_t(t, w2, cols, false, false); /* (N, Cout, L) */
    if (!y) return NULL;
    int H = x->shape[2] + 2 * p[0] - d[0] * (k[0] - 1) - 1, W = x->shape[dims + 1] + 2 * p[1] - d[1] * (k[1] - 1) - 1;
    int shape[4] = {x->shape[0], w->shape[0], dims == 2 ? H / s[0] + 1 : W / s[1] + 1, W / s[1] + 1};
    return tg_reshape(t, y, dims + 2, shape);
}

static tg_tensor *build(tg_tape *t, const char *c, tg_tensor **in) {
#define IS(name) (strcmp(c, name) == 0)
    if (IS("where")) return tg_where(t, in[0], in[1], in[2]);
    if (IS("masked_fill")) return tg_masked_fill(t, in[0], in[1], (tg_real)2.5);
    if (IS("masked_softmax")) return tg_softmax(t, tg_masked_fill(t, in[0], in[1], (tg_real)-INFINITY));
    if (IS("maximum")) return tg_maximum(t, in[0], in[1]);
    if (IS("minimum")) return tg_minimum(t, in[0], in[1]);
    if (IS("min_axis")) return tg_min_axis(t, in[0], 1, false);
    if (IS("argmax")) return tg_argmax(t, in[0], -1, false);
    if (IS("argmin")) return tg_argmin(t, in[0], 0, true);
    if (IS("index_select")) return tg_index_select(t, in[0], 1, (int[]){4, 0, 4, 2}, 4);
    if (IS("gather")) return tg_gather(t, in[0], 2, ints(in[1], 0), 2);
    if (IS("scatter_add")) return tg_scatter_add(t, in[0], 1, ints(in[1], 0), in[2]);
    if (IS("permute")) return tg_permute(t, in[0], 4, (int[]){2, 0, 3, 1});
    if (IS("expand")) return tg_expand(t, in[0], 4, (int[]){2, 3, 7, 5});
    if (IS("stack")) return tg_stack(t, in, 3, 1);
    if (IS("logsumexp")) return tg_logsumexp(t, in[0], 1, false);
    if (IS("logsumexp_last")) return tg_logsumexp(t, in[0], -1, true);
    if (IS("var")) return tg_var(t, in[0], 1, 1, false);
    if (IS("var_c2")) return tg_var(t, in[0], -1, 2, true);
    if (IS("std")) return tg_std(t, in[0], 2, 0, false);
    if (IS("cumsum")) return tg_cumsum(t, in[0], 1);
    if (IS("gelu")) return tg_gelu(t, in[0]);
    if (IS("gelu_tanh")) return tg_gelu_tanh(t, in[0]);
    if (IS("sin")) return tg_sin(t, in[0]);
    if (IS("cos")) return tg_cos(t, in[0]);
    if (IS("erf")) return tg_erf(t, in[0]);
    if (IS("unfold2d")) return tg_unfold2d(t, in[0], (int[]){3, 2}, (int[]){2, 2}, (int[]){1, 1}, (int[]){2, 2});
    if (IS("unfold2d_b")) return tg_unfold2d(t, in[0], (int[]){2, 3}, (int[]){2, 1}, (int[]){1, 0}, (int[]){1, 2});
    if (IS("unfold1d")) return tg_unfold1d(t, in[0], 3, 2, 1, 2);
    if (IS("conv2d")) return conv(t, in[0], in[1], 2, (int[]){3, 2}, (int[]){2, 2}, (int[]){1, 1}, (int[]){2, 2});
    if (IS("conv2d_1ch")) return conv(t, in[0], in[1], 2, (int[]){2, 3}, (int[]){2, 1}, (int[]){1, 0}, (int[]){1, 2});
    if (IS("conv1d")) return conv(t, in[0], in[1], 1, (int[]){1, 3}, (int[]){1, 2}, (int[]){0, 1}, (int[]){1, 2});
    if (IS("conv1d_1ch")) return conv(t, in[0], in[1], 1, (int[]){1, 4}, (int[]){1, 1}, (int[]){0, 2}, (int[]){1, 1});
    /* the same fixtures through the fused op */
    if (IS("conv2d_fused")) return tg_conv2d(t, in[0], in[1], (int[]){2, 2}, (int[]){1, 1}, (int[]){2, 2});
    if (IS("conv2d_1ch_fused")) return tg_conv2d(t, in[0], in[1], (int[]){2, 1}, (int[]){1, 0}, (int[]){1, 2});
    if (IS("conv1d_fused")) return tg_conv1d(t, in[0], in[1], 2, 1, 2);
    if (IS("conv1d_1ch_fused")) return tg_conv1d(t, in[0], in[1], 1, 2, 1);
    if (IS("matmul_qkt")) return tg_matmul_t(t, in[0], in[1], false, true);
    if (IS("matmul_xtw")) return tg_matmul_t(t, in[0], in[1], true, false);
    if (IS("matmul_tt")) return tg_matmul_t(t, in[0], in[1], true, true);
    if (IS("matmul_shared_a")) return tg_matmul_t(t, in[0], in[1], false, false);
    if (IS("matmul_shared_b")) return tg_matmul_t(t, in[0], in[1], false, true);
    if (IS("matmul_shared_bt")) return tg_matmul_t(t, in[0], in[1], true, false);
    if (IS("fold2d")) return tg_fold2d(t, in[0], (int[]){7, 6}, (int[]){3, 2}, (int[]){2, 2}, (int[]){1, 1}, (int[]){2, 1});
    if (IS("fold1d")) return tg_fold1d(t, in[0], 11, 3, 2, 1, 2);
#undef IS
    return NULL;
}

static const char *cases[] = {
    "where", "masked_fill", "masked_softmax", "maximum", "minimum", "min_axis", "argmax", "argmin",
    "index_select", "gather", "scatter_add", "permute", "expand", "stack", "logsumexp",
    "logsumexp_last", "var", "var_c2", "std", "cumsum", "gelu", "gelu_tanh", "sin", "cos", "erf",
    "unfold2d", "unfold2d_b", "unfold1d", "conv2d", "conv2d_1ch", "conv1d", "conv1d_1ch",
    "matmul_qkt", "matmul_xtw", "matmul_tt", "matmul_shared_a", "matmul_shared_b",
    "matmul_shared_bt", "fold2d", "fold1d", "conv2d_fused", "conv2d_1ch_fused", "conv1d_fused",
    "conv1d_1ch_fused",
};

/* Largest |ours - theirs| relative to the largest |theirs|; a size mismatch is inf. */
static double rel_err(const fx_tensor *s, const tg_real *ours, size_t n) {
    if (!s || !ours || s->size != n) return INFINITY;
    double scale = 0, err = 0;
    for (size_t i = 0; i < n; i++) {
        scale = fmax(scale, fabs(s->v[i]));
        err = fmax(err, fabs((double)ours[i] - s->v[i]));
    }
    return scale > 0 ? err / scale : err;
}

int main(void) {
    double worst = 0;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        fixture f;
        char file[32]; /* a "_fused" case replays the fixture of its name without it */
        snprintf(file, sizeof file, "%s", cases[c]);
        if (strstr(file, "_fused")) *strstr(file, "_fused") = '\0';
        if (!fx_load_from(&f, "ops", file)) continue;
        tg_tensor *in[8] = {0};
        int n_in = 0;
        char nm[16];
        for (; n_in < 8; n_in++) {
            snprintf(nm, sizeof nm, "in%d", n_in);
            if (!fx_get(&f, nm)) break;
            snprintf(nm, sizeof nm, "grad%d", n_in);
            unsigned flags = fx_get(&f, nm) ? TG_REQUIRES_GRAD : 0;
            snprintf(nm, sizeof nm, "in%d", n_in);
            in[n_in] = fx_tensor_of(&f, nm, flags);
        }
        tg_tape *t = tg_tape_new();
        tg_tensor *y = build(t, cases[c], in);
        CHECK(y != NULL, "%s: %s", cases[c], tg_tape_message(t));
        double err = y ? rel_err(fx_get(&f, "out"), y->data, y->size) : INFINITY;
        CHECK(err <= TOL, "%s: the output differs from PyTorch by %.3g (tol %g)", cases[c], err, TOL);
        worst = fmax(worst, err);
        if (y && (y->flags & TG_REQUIRES_GRAD)) {
            tg_tensor *r = tg_tape_tensor(t, y->rank, y->shape, NULL, 0);
            fx_set(&f, "r", r);
            tg_tensor *L = tg_sum(t, tg_mul(t, y, r));
            CHECK(L && tg_backward(t, L, NULL) == TG_OK, "%s: backward: %s", cases[c], tg_tape_message(t));
            for (int k = 0; k < n_in; k++) {
                snprintf(nm, sizeof nm, "grad%d", k);
                if (!fx_get(&f, nm)) continue;
                double e = rel_err(fx_get(&f, nm), in[k]->grad, in[k]->size);
                CHECK(e <= TOL, "%s: the gradient of input %d differs from PyTorch by %.3g (tol %g)",
                      cases[c], k, e, TOL);
                worst = fmax(worst, e);
            }
        }
        tg_tape_free(t);
        for (int k = 0; k < n_in; k++) tg_tensor_free(in[k]);
        fx_free(&f);
    }
    printf("%zu cases; worst relative difference from PyTorch %.3g\n", sizeof cases / sizeof cases[0], worst);
    return check_done();
}
