/* test_higher_arch.c — the Architectures layers get second order for free: a
 * gradgradcheck (tg_gradgradcheck: Hessian-vector products of the recorded sweep
 * against finite differences of first derivatives) of a loss through each of
 *   - layer norm (affine, and without the affine part),
 *   - a 2-D convolution followed by max pooling, and one followed by average pooling
 *     (padding, stride), and a 1-D convolution,
 *   - multi-head attention with a causal mask and a key-padding mask (separate and
 *     fused projections, self- and cross-attention),
 *   - one encoder block (post-norm, GELU) and one decoder block (pre-norm, ReLU,
 *     causal, a memory padding mask),
 * with respect to every parameter and the layer's input. Shapes are tiny so the
 * check stays fast. The loss is sum(tanh(out)^2), so that every second derivative
 * of the layer matters. Double build: every tensor PASSES at the default
 * tolerances, but for the key projection's bias, on which the loss does not depend
 * (vacuously INCONCLUSIVE: every value is 0 up to rounding). Float build: loose
 * tolerances; a tensor whose every second derivative is below the loose atol is
 * vacuously INCONCLUSIVE, and every other must PASS (as tests/ops/test_higher.c
 * checks the recurrent layers). */
#include <stdlib.h>
#include "check.h"

enum { LN, CONV_MAX, CONV_AVG, CONV1D, MHA, MHA_CROSS, ENCODER, DECODER };

typedef struct {
    int kind;
    void *layer;
    tg_tensor *x, *mem;      /* the input (also checked), the decoder's memory */
    tg_tensor *pad, *mem_pad; /* long-lived masks, or NULL */
} arch_case;

static tg_tensor *arch_loss(tg_tape *t, tg_tensor *const *p, int n, void *u) {
    (void)p, (void)n;
    arch_case *c = u;
    tg_tensor *out = NULL;
    const int k2[2] = {2, 2}, s2[2] = {2, 2}, s1[2] = {1, 1}, p1[2] = {1, 1}, p0[2] = {0, 0};
    switch (c->kind) {
    case LN: out = tg_layer_norm_forward(t, c->layer, c->x); break;
    case CONV_MAX: out = tg_max_pool2d(t, tg_conv_forward(t, c->layer, c->x), k2, s2, p0); break;
    case CONV_AVG: out = tg_avg_pool2d(t, tg_conv_forward(t, c->layer, c->x), (int[]){3, 3}, s1, p1); break;
    case CONV1D: out = tg_conv_forward(t, c->layer, c->x); break;
    case MHA: out = tg_mha_forward(t, c->layer, c->x, c->x, c->x, c->pad, true, NULL, false); break;
    case MHA_CROSS: out = tg_mha_forward(t, c->layer, c->x, c->mem, c->mem, c->mem_pad, false, NULL, false); break;
    case ENCODER: out = tg_encoder_forward(t, c->layer, c->x, c->pad, true, NULL, false); break;
    case DECODER:
        out = tg_decoder_forward(t, c->layer, c->x, c->mem, c->pad, c->mem_pad, true, NULL, false);
        break;
    }
    return tg_sum(t, tg_square(t, tg_tanh(t, out)));
}

/* gradgradcheck of the case over ps plus the input x (and the memory, if any). */
static void check_arch(const char *label, arch_case *c, tg_params *ps) {
    tg_params_add(ps, c->x);
    if (c->mem) tg_params_add(ps, c->mem);
    tg_gradcheck_result *res = calloc((size_t)ps->n, sizeof *res);
    bool ok = false;
#if TG_REAL_IS_DOUBLE
    const tg_gradcheck_opts *o = NULL;
#else
    const tg_gradcheck_opts loose = {.eps = 1e-2, .atol = 5e-2, .rtol = 5e-2}, *o = &loose;
#endif
    tg_status st = tg_gradgradcheck(arch_loss, c, ps->items, ps->n, o, res, &ok);
    bool all = st == TG_OK;
    int vacuous = 0;
    for (int k = 0; all && k < ps->n; k++) {
        bool vac = res[k].verdict == TG_CHECK_INCONCLUSIVE && res[k].vacuous;
        /* The key projection's bias adds q . b_k to every score of a query's row, and
         * softmax ignores a shift of its row: the loss does not depend on b_k at all,
         * so its second derivatives are 0 (rounding) and its check is vacuous in
         * either build. */
        size_t len = strlen(res[k].name);
        bool key_bias = len >= 4 && strcmp(res[k].name + len - 4, ".k.b") == 0;
        all = res[k].verdict == TG_CHECK_PASSED || (vac && (key_bias || !TG_REAL_IS_DOUBLE));
        vacuous += vac;
    }
    double worst = 0;
    for (int k = 0; st == TG_OK && k < ps->n; k++) worst = fmax(worst, res[k].max_abs_err);
    if (st == TG_OK && !all) tg_gradcheck_print(stdout, res, ps->n);
    printf("%s: gradgradcheck of %d tensors (%zu values): %s, max abs err %.3g (%d vacuous)\n", label, ps->n,
           tg_params_numel(ps), all ? "passed" : "FAILED", worst, vacuous);
    CHECK(st == TG_OK && all, "%s: gradgradcheck %s: %s", label, all ? "passed" : "failed",
          st == TG_OK ? "see the table above" : tg_last_error());
    free(res);
}

static tg_tensor *input(tg_rng *g, const char *name, int rank, const int *shape) {
    tg_tensor *x = tg_param_new(name, rank, shape);
    tg_tensor_uniform(x, g, -1, 1);
    return x;
}

static void norms(tg_rng *g) {
    for (int affine = 1; affine >= 0; affine--) {
        tg_layer_norm *l = tg_layer_norm_new("ln", 5, 1e-5, affine);
        /* gamma and beta away from their 1 and 0, so that they matter */
        if (affine) {
            tg_tensor_uniform(l->gamma, g, (tg_real)0.5, (tg_real)1.5);
            tg_tensor_uniform(l->beta, g, (tg_real)-0.5, (tg_real)0.5);
        }
        tg_params ps = {0};
        tg_layer_norm_params(l, &ps);
        arch_case c = {LN, l, input(g, "x", 3, (int[]){2, 3, 5}), NULL, NULL, NULL};
        check_arch(affine ? "layer norm (affine)" : "layer norm (no affine part)", &c, &ps);
        tg_params_free(&ps);
        tg_tensor_free(c.x);
        tg_layer_norm_free(l);
    }
}

static void convs(tg_rng *g) {
    const int k3[2] = {3, 3}, s1[2] = {1, 1}, p1[2] = {1, 1}, d1[2] = {1, 1};
    for (int kind = CONV_MAX; kind <= CONV1D; kind++) {
        tg_conv *cv = kind == CONV1D ? tg_conv1d_new("c1", 2, 3, 3, 2, 1, 2, true, TG_INIT_GLOROT, g)
                                     : tg_conv2d_new("c2", 2, 3, k3, s1, p1, d1, true, TG_INIT_GLOROT, g);
        tg_params ps = {0};
        tg_conv_params(cv, &ps);
        arch_case c = {kind, cv, kind == CONV1D ? input(g, "x", 3, (int[]){2, 2, 7}) : input(g, "x", 4, (int[]){2, 2, 4, 4}),
                       NULL, NULL, NULL};
        const char *label[] = {"conv2d 3x3 pad 1 + max pool 2x2", "conv2d 3x3 pad 1 + avg pool 3x3 pad 1",
                               "conv1d k 3 stride 2 pad 1 dilation 2"};
        check_arch(label[kind - CONV_MAX], &c, &ps);
        tg_params_free(&ps);
        tg_tensor_free(c.x);
        tg_conv_free(cv);
    }
}

/* key_pad (B=2, T=3): the second sequence's last key is padding */
static tg_tensor *pad_mask(void) {
    tg_tensor *m = tg_tensor_new(2, (int[]){2, 3}, 0);
    m->data[5] = 1;
    return m;
}

static void attention(tg_rng *g) {
    for (int fused = 0; fused < 2; fused++) {
        tg_mha *m = tg_mha_new("mha", 4, 2, fused, 0, g);
        tg_params ps = {0};
        tg_mha_params(m, &ps);
        arch_case c = {MHA, m, input(g, "x", 3, (int[]){2, 3, 4}), NULL, pad_mask(), NULL};
        check_arch(fused ? "multi-head attention, fused, causal, key padding"
                         : "multi-head attention, causal, key padding", &c, &ps);
        tg_params_free(&ps);
        tg_tensor_free(c.x), tg_tensor_free(c.pad);
        if (!fused) {
            tg_mha_params(m, &ps);
            c = (arch_case){MHA_CROSS, m, input(g, "x", 3, (int[]){2, 2, 4}), input(g, "mem", 3, (int[]){2, 3, 4}), NULL,
                            pad_mask()};
            check_arch("multi-head cross-attention, memory padding", &c, &ps);
            tg_params_free(&ps);
            tg_tensor_free(c.x), tg_tensor_free(c.mem), tg_tensor_free(c.mem_pad);
        }
        tg_mha_free(m);
    }
}

static void blocks(tg_rng *g) {
    for (int dec = 0; dec < 2; dec++) {
        /* ReLU's kinks: the float build's step (1e-2) crosses them, and a finite
         * difference of first derivatives across a kink is no second derivative, so
         * the float build checks the decoder with GELU. */
        tg_block_config cfg = {.dim = 4, .heads = 2, .ff_dim = 6, .dropout = 0,
                               .act = dec && TG_REAL_IS_DOUBLE ? TG_FF_RELU : TG_FF_GELU, .norm_first = dec,
                               .eps = 1e-5};
        tg_block *b = tg_block_new(dec ? "dec" : "enc", &cfg, dec, g);
        tg_params ps = {0};
        tg_block_params(b, &ps);
        arch_case c = {dec ? DECODER : ENCODER, b, input(g, "x", 3, (int[]){2, 3, 4}),
                       dec ? input(g, "mem", 3, (int[]){2, 3, 4}) : NULL, pad_mask(), dec ? pad_mask() : NULL};
        check_arch(dec ? (TG_REAL_IS_DOUBLE ? "decoder block (pre-norm, relu, causal, padding)"
                                            : "decoder block (pre-norm, gelu, causal, padding)")
                       : "encoder block (post-norm, gelu, causal, padding)", &c, &ps);
        tg_params_free(&ps);
        tg_tensor_free(c.x), tg_tensor_free(c.mem), tg_tensor_free(c.pad), tg_tensor_free(c.mem_pad);
        tg_block_free(b);
    }
}

int main(void) {
    tg_rng g;
    tg_rng_seed(&g, 11);
    norms(&g);
    convs(&g);
    attention(&g);
    blocks(&g);
    return check_done();
}
