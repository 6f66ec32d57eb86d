/* test_nn_ops.c — what the gradient checks (test_optable.c) and the PyTorch fixtures
 * (test_nn_torch.c) do not show about the ops of <tapegrad/tg_ops_nn.h>: NaN safety
 * of where and masked_fill, anomaly detection with a -inf fill, ties, integer
 * indices, dropout's statistics and reproducibility, split, every form of matmul_t,
 * unfold against a direct im2col on many geometries, edge values, and a steady loop
 * that allocates nothing. */
#include <stdlib.h>
#include "check.h"

static tg_tensor *leaf(int rank, const int *shape, const tg_real *v) {
    return tg_tensor_from(rank, shape, v, TG_REQUIRES_GRAD);
}

static void test_where_nan_safe(void) {
    tg_tape *t = tg_tape_new();
    tg_tape_set_anomaly_detection(t, true);
    tg_tensor *c = tg_tape_tensor(t, 1, (int[]){4}, (tg_real[]){1, 0, 1, 0}, 0);
    tg_tensor *a = leaf(1, (int[]){4}, (tg_real[]){1, NAN, 3, INFINITY});
    tg_tensor *b = leaf(1, (int[]){4}, (tg_real[]){-INFINITY, 20, NAN, 40});
    tg_tensor *y = tg_where(t, c, a, b);
    CHECK(y && y->data[0] == 1 && y->data[1] == 20 && y->data[2] == 3 && y->data[3] == 40,
          "where picks a where cond, b elsewhere, whatever the other branch holds");
    tg_tensor *L = tg_sum(t, tg_mul(t, y, tg_tape_full(t, 1, (int[]){4}, 2)));
    CHECK(tg_backward(t, L, NULL) == TG_OK, "backward through where: %s", tg_tape_message(t));
    CHECK(a->grad[0] == 2 && a->grad[1] == 0 && a->grad[2] == 2 && a->grad[3] == 0 &&
              b->grad[0] == 0 && b->grad[1] == 2 && b->grad[2] == 0 && b->grad[3] == 2,
          "where's gradients: g where taken, an exact 0 (not NaN) where not");
    /* the leak the op avoids: c*a + (1-c)*b */
    tg_tape_reset(t);
    c = tg_tape_tensor(t, 1, (int[]){4}, (tg_real[]){1, 0, 1, 0}, 0);
    tg_tensor *leak = tg_add(t, tg_mul(t, c, a), tg_mul(t, tg_add_scalar(t, tg_neg(t, c), 1), b));
    CHECK(leak == NULL && strstr(tg_tape_message(t), "anomaly"), "c a + (1-c) b leaks the NaN: %s",
          tg_tape_message(t));
    tg_tape_free(t);
    tg_tensor_free(a);
    tg_tensor_free(b);
}

static void test_masked_fill_anomaly(void) {
    tg_tape *t = tg_tape_new();
    tg_tape_set_anomaly_detection(t, true);
    /* a causal mask over (3,3) scores, then softmax: the -inf fill is legitimate */
    tg_tensor *x = leaf(2, (int[]){3, 3}, (tg_real[]){1, 2, 3, 4, 5, 6, 7, 8, 9});
    tg_tensor *m = tg_tape_tensor(t, 2, (int[]){3, 3}, (tg_real[]){0, 1, 1, 0, 0, 1, 0, 0, 0}, 0);
    tg_tensor *f = tg_masked_fill(t, x, m, (tg_real)-INFINITY);
    CHECK(f && isinf(f->data[1]) && f->data[1] < 0 && f->data[3] == 4, "masked_fill writes -inf where masked");
    tg_tensor *p = tg_softmax(t, f);
    CHECK(p && p->data[0] == 1 && p->data[1] == 0 && p->data[2] == 0, "softmax gives the masked entries 0");
    tg_tensor *L = tg_sum(t, tg_mul(t, p, tg_tape_tensor(t, 2, (int[]){3, 3},
                                                         (tg_real[]){1, 2, 3, 4, 5, 6, 7, 8, 9}, 0)));
    CHECK(L && tg_backward(t, L, NULL) == TG_OK, "anomaly detection accepts the fill: %s", tg_tape_message(t));
    CHECK(x->grad[1] == 0 && x->grad[2] == 0 && x->grad[5] == 0 && isfinite(x->grad[4]),
          "no gradient reaches masked entries");
    /* a -inf that is not the fill is still an anomaly */
    tg_tape_reset(t);
    x->data[4] = (tg_real)-INFINITY; /* unmasked */
    m = tg_tape_tensor(t, 2, (int[]){3, 3}, (tg_real[]){0, 1, 1, 0, 0, 1, 0, 0, 0}, 0);
    CHECK(tg_masked_fill(t, x, m, (tg_real)-INFINITY) == NULL &&
              strstr(tg_tape_message(t), "tg_masked_fill: anomaly in forward at node 0: output[4] = -inf"),
          "an unmasked -inf is reported: %s", tg_tape_message(t));
    tg_tape_reset(t);
    x->data[4] = 5;
    x->data[1] = (tg_real)NAN; /* masked: replaced by the fill */
    m = tg_tape_tensor(t, 2, (int[]){3, 3}, (tg_real[]){0, 1, 1, 0, 0, 1, 0, 0, 0}, 0);
    f = tg_masked_fill(t, x, m, (tg_real)-INFINITY);
    CHECK(f != NULL, "a NaN under the mask never shows: %s", tg_tape_message(t));
    /* a computation on the filled values is checked as usual */
    CHECK(tg_add_scalar(t, f, 1) == NULL && strstr(tg_tape_message(t), "tg_add_scalar: anomaly"),
          "an op computing with the -inf is reported: %s", tg_tape_message(t));
    /* a broadcast mask (one row for all) */
    tg_tape_reset(t);
    x->data[1] = 2;
    x->data[2] = (tg_real)INFINITY;
    m = tg_tape_tensor(t, 1, (int[]){3}, (tg_real[]){0, 0, 1}, 0);
    CHECK(tg_masked_fill(t, x, m, (tg_real)INFINITY) != NULL, "a broadcast mask: %s", tg_tape_message(t));
    tg_tape_free(t);
    tg_tensor_free(x);
}

static void test_ties_and_indices(void) {
    tg_tape *t = tg_tape_new();
    tg_tensor *a = leaf(1, (int[]){4}, (tg_real[]){1, 2, 3, NAN});
    tg_tensor *b = leaf(1, (int[]){4}, (tg_real[]){1, 5, 0, 0});
    tg_tensor *y = tg_maximum(t, a, b);
    CHECK(y && y->data[0] == 1 && y->data[1] == 5 && y->data[2] == 3 && isnan(y->data[3]), "maximum");
    tg_backward(t, tg_sum(t, y), NULL);
    CHECK(a->grad[0] == 0.5 && b->grad[0] == 0.5 && a->grad[1] == 0 && b->grad[1] == 1 &&
              a->grad[2] == 1 && a->grad[3] == 1 && b->grad[3] == 0,
          "maximum: a tie splits the gradient, a NaN takes it");
    tg_tape_reset(t);
    tg_tensor *x = tg_tape_tensor(t, 2, (int[]){2, 3}, (tg_real[]){3, 7, 7, 5, NAN, -1}, 0);
    tg_tensor *am = tg_argmax(t, x, 1, false), *an = tg_argmin(t, x, 0, false);
    CHECK(am && am->rank == 1 && am->data[0] == 1 && am->data[1] == 1,
          "argmax: the first maximum, NaN counts as the maximum");
    CHECK(an && an->data[0] == 0 && an->data[1] == 1 && an->data[2] == 1, "argmin along axis 0");
    tg_tensor *mn = tg_min_axis(t, x, 1, true);
    CHECK(mn && mn->rank == 2 && mn->data[0] == 3 && isnan(mn->data[1]), "min_axis");
    tg_tape_free(t);
    tg_tensor_free(a);
    tg_tensor_free(b);
}

static void test_dropout(void) {
    enum { N = 20000 };
    tg_tape *t = tg_tape_new();
    tg_tensor *x = tg_tensor_new(1, (int[]){N}, TG_REQUIRES_GRAD);
    tg_tensor_fill(x, 2);
    tg_rng r1, r2;
    tg_rng_seed(&r1, 9);
    r2 = r1;
    tg_tensor *y = tg_dropout(t, x, (tg_real)0.3, &r1, true);
    size_t zeros = 0;
    bool scaled = true;
    for (size_t i = 0; y && i < N; i++) {
        zeros += y->data[i] == 0;
        scaled &= y->data[i] == 0 || fabs(y->data[i] - 2 / 0.7) < 1e-6;
    }
    CHECK(y && scaled && fabs((double)zeros / N - 0.3) < 0.02, "dropout: %zu of %d zeroed, the rest x/(1-p)",
          zeros, N);
    tg_backward(t, tg_sum(t, y), NULL);
    bool grad_ok = true;
    for (size_t i = 0; y && i < N; i++) grad_ok &= x->grad[i] == (y->data[i] == 0 ? 0 : (tg_real)(1 / 0.7));
    CHECK(grad_ok, "dropout's gradient is the mask / (1-p)");
    tg_tape_reset(t);
    for (int i = 0; i < N; i++) tg_rng_uniform(&r2);
    tg_tensor *y2 = tg_dropout(t, x, 0, &r2, true);
    CHECK(y2 && memcmp(&r1, &r2, sizeof r1) == 0, "the rng advances by one draw per element");
    tg_rng r3;
    tg_rng_seed(&r3, 9);
    tg_tape_reset(t);
    y = tg_dropout(t, x, (tg_real)0.3, &r3, true);
    tg_rng r4;
    tg_rng_seed(&r4, 9);
    tg_tensor *z = tg_dropout(t, x, (tg_real)0.3, &r4, true);
    CHECK(y && z && memcmp(y->data, z->data, N * sizeof(tg_real)) == 0, "the same seed gives the same mask");
    tg_rng before = r4;
    tg_tensor *id0 = tg_dropout(t, x, 0, &r4, true), *ide = tg_dropout(t, x, (tg_real)0.5, NULL, false);
    CHECK(id0 && ide && id0->data[5] == 2 && ide->data[7] == 2 && memcmp(&before, &r4, sizeof r4) == 0,
          "p = 0 and eval mode are the identity and draw nothing");
    tg_tensor *all = tg_dropout(t, x, 1, &r4, true);
    CHECK(all && all->data[0] == 0 && all->data[N - 1] == 0, "p = 1 gives zeros");
    /* Element i is kept exactly when the i-th tg_rng_uniform is >= p, also for p on
     * the uniform's 2^-53 grid (where >= and > differ), below it and next to 1. */
    const double ps[] = {0.3, 0.5, 0x1.8p-3, 3 * 0x1p-53, 0x1p-100, 1 - 0x1p-53, 0.999};
    for (size_t k = 0; k < sizeof ps / sizeof ps[0]; k++) {
        tg_rng a, b;
        tg_rng_seed(&a, 100 + k);
        b = a;
        tg_tape_reset(t);
        tg_tensor *d = tg_dropout(t, x, (tg_real)ps[k], &a, true);
        double pk = (double)(tg_real)ps[k];
        size_t bad = d ? 0 : N;
        for (size_t i = 0; d && i < N; i++) bad += (d->data[i] != 0) != (tg_rng_uniform(&b) >= pk);
        CHECK(bad == 0 && memcmp(&a, &b, sizeof a) == 0,
              "dropout p = %a: the mask is [tg_rng_uniform >= p] (%zu of %d differ)", pk, bad, N);
    }
    tg_tape_free(t);
    tg_tensor_free(x);
}

static void test_split(void) {
    tg_tape *t = tg_tape_new();
    tg_tensor *x = leaf(2, (int[]){2, 5}, (tg_real[]){0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
    tg_tensor *out[3];
    CHECK(tg_split(t, x, -1, (int[]){2, 1, 2}, 3, out) == TG_OK, "split");
    CHECK(out[0]->shape[1] == 2 && out[1]->data[0] == 2 && out[1]->data[1] == 7 && out[2]->data[3] == 9,
          "split's pieces");
    tg_backward(t, tg_sum(t, tg_mul_scalar(t, out[2], 3)), NULL);
    CHECK(x->grad[3] == 3 && x->grad[9] == 3 && x->grad[2] == 0, "split's gradient");
    tg_tape_free(t);
    tg_tensor_free(x);
}

/* matmul_t: every pair of flags on every form of shapes, gradient-checked. */
typedef struct {
    bool ta, tb;
} flags2;
static tg_tensor *b_mt(tg_tape *t, tg_tensor *const *in, void *u) {
    const flags2 *f = u;
    return tg_matmul_t(t, in[0], in[1], f->ta, f->tb);
}
static void test_matmul_t_forms(void) {
    tg_rng g;
    tg_rng_seed(&g, 3);
    /* M=3, K=4, N=2; batch 2 (and (2,2) for rank 4) */
    for (int form = 0; form < 5; form++)
        for (int fl = 0; fl < 4; fl++) {
            flags2 f = {fl & 1, fl & 2};
            int ra = form == 3 ? 2 : form == 4 ? 4 : form == 0 ? 2 : 3;
            int rb = form == 2 ? 2 : form == 4 ? 4 : form == 0 ? 2 : 3;
            int sa[4] = {2, 2, 2, 2}, sb[4] = {2, 2, 2, 2};
            sa[ra - 2] = f.ta ? 4 : 3, sa[ra - 1] = f.ta ? 3 : 4;
            sb[rb - 2] = f.tb ? 2 : 4, sb[rb - 1] = f.tb ? 4 : 2;
            tg_tensor *in[2] = {check_input(&g, ra, sa, -1, 1), check_input(&g, rb, sb, -1, 1)};
            char label[64];
            snprintf(label, sizeof label, "matmul_t form %d, trans %d %d", form, f.ta, f.tb);
            check_op_grad(label, b_mt, &f, in, 2);
            /* against tg_matmul of explicit transposes */
            tg_tape *t = tg_tape_new();
            tg_tensor *a = f.ta ? tg_transpose(t, in[0], -1, -2) : in[0];
            tg_tensor *b = f.tb ? tg_transpose(t, in[1], -1, -2) : in[1];
            tg_tensor *y = tg_matmul_t(t, in[0], in[1], f.ta, f.tb);
            if (ra <= 3 && rb <= 3 && !(ra == 2 && rb == 3)) {
                tg_tensor *ref = tg_matmul(t, a, b);
                double d = 0;
                for (size_t i = 0; y && ref && i < y->size; i++) d = fmax(d, fabs(y->data[i] - ref->data[i]));
                CHECK(y && ref && y->size == ref->size && d < 1e-5, "%s equals tg_matmul (%g)", label, d);
            }
            CHECK(y != NULL, "%s: %s", label, tg_tape_message(t));
            tg_tape_free(t);
            tg_tensor_free(in[0]);
            tg_tensor_free(in[1]);
        }
}

/* unfold against the definition, on geometries that reach every edge case (all of a
 * row in the padding, stride larger than the kernel, a kernel as wide as the input). */
static void test_unfold_geometries(void) {
    tg_rng g;
    tg_rng_seed(&g, 11);
    int checked = 0;
    for (int trial = 0; trial < 200; trial++) {
        int N = 1 + (int)(tg_rng_u64(&g) % 2), C = 1 + (int)(tg_rng_u64(&g) % 3);
        int H = 1 + (int)(tg_rng_u64(&g) % 7), W = 1 + (int)(tg_rng_u64(&g) % 7);
        int k[2], s[2], p[2], d[2];
        for (int a = 0; a < 2; a++) {
            k[a] = 1 + (int)(tg_rng_u64(&g) % 4);
            s[a] = 1 + (int)(tg_rng_u64(&g) % 3);
            p[a] = (int)(tg_rng_u64(&g) % 4);
            d[a] = 1 + (int)(tg_rng_u64(&g) % 3);
        }
        int OH = (H + 2 * p[0] - d[0] * (k[0] - 1) - 1), OW = (W + 2 * p[1] - d[1] * (k[1] - 1) - 1);
        tg_tape *t = tg_tape_new();
        tg_tensor *x = tg_tape_tensor(t, 4, (int[]){N, C, H, W}, NULL, TG_REQUIRES_GRAD);
        for (size_t i = 0; i < x->size; i++) x->data[i] = (tg_real)(i + 1);
        tg_tensor *y = tg_unfold2d(t, x, k, s, p, d);
        if (OH < 0 || OW < 0) {
            CHECK(y == NULL && tg_tape_status(t) == TG_ERR_SHAPE, "a kernel wider than the input fails");
            tg_tape_free(t);
            continue;
        }
        OH = OH / s[0] + 1, OW = OW / s[1] + 1;
        bool ok = y && y->shape[1] == C * k[0] * k[1] && y->shape[2] == OH * OW;
        tg_real *count = calloc(x->size, sizeof *count); /* how often each input is read */
        for (int n = 0; ok && n < N; n++)
            for (int c = 0; c < C; c++)
                for (int i = 0; i < k[0]; i++)
                    for (int j = 0; j < k[1]; j++)
                        for (int oy = 0; oy < OH; oy++)
                            for (int ox = 0; ox < OW; ox++) {
                                int iy = oy * s[0] - p[0] + i * d[0], ix = ox * s[1] - p[1] + j * d[1];
                                bool in = iy >= 0 && iy < H && ix >= 0 && ix < W;
                                size_t at = (((size_t)n * C + c) * H + (in ? iy : 0)) * W + (in ? ix : 0);
                                tg_real want = in ? x->data[at] : 0;
                                size_t r = ((size_t)c * k[0] + i) * k[1] + j;
                                ok &= y->data[((size_t)n * y->shape[1] + r) * y->shape[2] + (size_t)oy * OW + ox] == want;
                                if (in) count[at] += 1;
                            }
        CHECK(ok, "unfold2d N%d C%d %dx%d kernel %dx%d stride %dx%d padding %dx%d dilation %dx%d", N, C, H,
              W, k[0], k[1], s[0], s[1], p[0], p[1], d[0], d[1]);
        tg_backward(t, tg_sum(t, y), NULL);
        bool gok = true;
        for (size_t i = 0; ok && i < x->size; i++) gok &= x->grad[i] == count[i];
        CHECK(gok, "col2im counts every read (geometry of trial %d)", trial);
        /* fold is unfold's adjoint: fold(unfold(x)) = x * (how often each is read) */
        tg_tensor *back = tg_fold2d(t, y, (int[]){H, W}, k, s, p, d);
        bool fok = back && back->size == x->size;
        for (size_t i = 0; fok && i < x->size; i++) fok = back->data[i] == x->data[i] * count[i];
        CHECK(fok, "fold(unfold(x)) = x * count (trial %d): %s", trial, tg_tape_message(t));
        free(count);
        checked++;
        tg_tape_free(t);
    }
    CHECK(checked > 50, "%d geometries checked", checked);
}

/* unfold_max2d against its composition (unfold, the padding filled with -inf, the
 * first maximum along the window axis) and unfold*_ones against unfold: the same bits,
 * values and gradients, with ties and NaN in the input, on geometries that reach the
 * vector path of 2x2 windows and every edge. */
static bool same_real(tg_real a, tg_real b) { return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0; }

static void test_unfold_max_composition(void) {
    tg_rng g;
    tg_rng_seed(&g, 12);
    static const tg_real vals[6] = {-1, 0, 1, 2, 2, NAN};
    for (int trial = 0; trial < 150; trial++) {
        bool two = trial % 3 == 0;
        int N = 1 + (int)(tg_rng_u64(&g) % 2), C = 1 + (int)(tg_rng_u64(&g) % 2);
        int H = 1 + (int)(tg_rng_u64(&g) % 9), W = 1 + (int)(tg_rng_u64(&g) % 20), k[2], s[2], p[2];
        for (int a = 0; a < 2; a++) {
            k[a] = two ? 2 : 1 + (int)(tg_rng_u64(&g) % 3);
            s[a] = two ? 2 : 1 + (int)(tg_rng_u64(&g) % 3);
            p[a] = two ? 0 : (int)(tg_rng_u64(&g) % (k[a] / 2 + 1));
        }
        if (H + 2 * p[0] < k[0] || W + 2 * p[1] < k[1]) continue;
        tg_tape *t = tg_tape_new();
        tg_tensor *x = tg_tape_tensor(t, 4, (int[]){N, C, H, W}, NULL, TG_REQUIRES_GRAD);
        tg_tensor *x2 = tg_tape_tensor(t, 4, (int[]){N, C, H, W}, NULL, TG_REQUIRES_GRAD);
        bool nan = trial % 2 == 0;
        for (size_t i = 0; i < x->size; i++)
            x->data[i] = x2->data[i] = vals[tg_rng_u64(&g) % (nan ? 6 : 5)];
        tg_tensor *y = tg_unfold_max2d(t, x, k, s, p);
        tg_tensor *cols = tg_unfold2d(t, x2, k, s, p, NULL);
        int kk = k[0] * k[1], L = cols ? cols->shape[2] : 0;
        tg_tensor *ones = tg_tape_full(t, 4, (int[]){1, 1, H, W}, 1);
        tg_tensor *pad = tg_add_scalar(t, tg_neg(t, tg_unfold2d(t, ones, k, s, p, NULL)), 1);
        tg_tensor *w = tg_masked_fill(t, tg_reshape(t, cols, 4, (int[]){N, C, kk, L}),
                                      tg_reshape(t, pad, 4, (int[]){1, 1, kk, L}), (tg_real)-INFINITY);
        tg_tensor *ref = tg_max_axis(t, w, 2, false);
        bool ok = y && ref && y->size == ref->size && y->shape[2] * y->shape[3] == L;
        for (size_t i = 0; ok && i < y->size; i++) ok = same_real(y->data[i], ref->data[i]);
        CHECK(ok, "unfold_max2d = max_axis(unfold) (trial %d: %dx%d kernel %dx%d stride %dx%d padding %dx%d)",
              trial, H, W, k[0], k[1], s[0], s[1], p[0], p[1]);
        if (!ok) {
            tg_tape_free(t);
            continue;
        }
        tg_tensor *r = tg_tape_tensor(t, 3, (int[]){N, C, L}, NULL, 0);
        for (size_t i = 0; i < r->size; i++) r->data[i] = (tg_real)(1 + (double)(tg_rng_u64(&g) % 97) / 8);
        tg_tensor *loss = tg_add(t, tg_sum(t, tg_mul(t, tg_reshape(t, y, 3, (int[]){N, C, L}), r)),
                                 tg_sum(t, tg_mul(t, ref, r)));
        CHECK(tg_backward(t, loss, NULL) == TG_OK, "backward: %s", tg_tape_message(t));
        bool gok = true;
        for (size_t i = 0; gok && i < x->size; i++) gok = same_real(x->grad[i], x2->grad[i]);
        CHECK(gok, "unfold_max2d's gradient = the composition's (trial %d)", trial);
        /* unfold2d_ones: unfold's rows, then a row of ones; the same gradient */
        tg_real *xv = malloc(x->size * sizeof *xv); /* x lives on the tape reset below */
        memcpy(xv, x->data, x->size * sizeof *xv);
        tg_tape_reset(t);
        tg_tensor *a = tg_tape_tensor(t, 4, (int[]){N, C, H, W}, xv, TG_REQUIRES_GRAD);
        tg_tensor *b = tg_tape_tensor(t, 4, (int[]){N, C, H, W}, xv, TG_REQUIRES_GRAD);
        free(xv);
        tg_tensor *u1 = tg_unfold2d_ones(t, a, k, s, p, NULL), *u0 = tg_unfold2d(t, b, k, s, p, NULL);
        int R = u0 ? u0->shape[1] : 0;
        bool uok = u1 && u0 && u1->shape[1] == R + 1 && u1->shape[2] == L;
        for (int n = 0; uok && n < N; n++)
            for (int q = 0; q <= R; q++)
                for (int l = 0; l < L; l++) {
                    tg_real v = u1->data[((size_t)n * (R + 1) + q) * L + l];
                    uok &= q == R ? v == 1 : same_real(v, u0->data[((size_t)n * R + q) * L + l]);
                }
        CHECK(uok, "unfold2d_ones = unfold2d and a row of ones (trial %d)", trial);
        if (uok) {
            tg_tensor *l1 = tg_sum(t, tg_mul_scalar(t, tg_slice(t, u1, 1, 0, R), 3));
            tg_tensor *l0 = tg_sum(t, tg_mul_scalar(t, u0, 3));
            CHECK(tg_backward(t, tg_add(t, l1, tg_mul_scalar(t, tg_sum(t, u1), 0)), NULL) == TG_OK &&
                      tg_backward(t, l0, NULL) == TG_OK, "backward: %s", tg_tape_message(t));
            bool bok = true;
            for (size_t i = 0; i < a->size; i++) bok &= same_real(a->grad[i], b->grad[i]);
            CHECK(bok, "unfold2d_ones's gradient = unfold2d's (trial %d)", trial);
        }
        tg_tape_free(t);
    }
}

static void test_edges(void) {
    tg_tape *t = tg_tape_new();
    tg_tensor *x = leaf(2, (int[]){2, 3}, (tg_real[]){4, 4, 4, 1, 2, 3});
    tg_tensor *s = tg_std(t, x, 1, 1, false);
    tg_backward(t, tg_sum(t, s), NULL);
    CHECK(s && s->data[0] == 0 && s->data[1] == 1 && x->grad[0] == 0 && !isnan(x->grad[1]),
          "std of a constant row is 0 with gradient 0 (not NaN)");
    tg_tape_reset(t);
    tg_tensor *ni = tg_tape_tensor(t, 2, (int[]){2, 2}, (tg_real[]){-INFINITY, -INFINITY, 1000, 1000},
                                   TG_REQUIRES_GRAD);
    tg_tensor *l = tg_logsumexp(t, ni, 1, false);
    CHECK(l && isinf(l->data[0]) && l->data[0] < 0 && fabs(l->data[1] - (1000 + log(2.0))) < 1e-3,
          "logsumexp: an all -inf row gives -inf, 1000s do not overflow");
    tg_backward(t, tg_sum(t, tg_slice(t, l, 0, 1, 1)), NULL);
    CHECK(ni->grad[0] == 0 && fabs(ni->grad[2] - 0.5) < 1e-4, "logsumexp's gradient is softmax");
    tg_tape_reset(t);
    tg_tensor *sc = tg_tape_tensor(t, 0, NULL, (tg_real[]){7}, 0);
    tg_tensor *e = tg_expand(t, sc, 2, (int[]){2, 3});
    tg_tensor *pm = tg_permute(t, sc, 0, NULL);
    CHECK(e && e->size == 6 && e->data[5] == 7 && pm && pm->data[0] == 7, "expand and permute of a rank-0 tensor");
    tg_tape_free(t);
    tg_tensor_free(x);
}

/* An attention-like step built from the new ops allocates nothing after its first. */
static void test_steady_loop(void) {
    tg_tape *t = tg_tape_new();
    tg_rng g;
    tg_rng_seed(&g, 1);
    tg_tensor *W = tg_param_new("W", 2, (int[]){6, 6});
    tg_tensor_uniform(W, &g, -1, 1);
    tg_tensor *x = tg_tensor_new(3, (int[]){2, 5, 6}, 0);
    tg_tensor_uniform(x, &g, -1, 1);
    tg_tensor *img = tg_tensor_new(4, (int[]){2, 2, 6, 5}, 0);
    tg_tensor_uniform(img, &g, -1, 1);
    size_t before = 0;
    for (int step = 0; step < 3; step++) {
        if (step == 2) before = tg_alloc_count();
        tg_tape_reset(t);
        tg_tensor *q = tg_matmul_t(t, x, W, false, false);
        tg_tensor *s = tg_matmul_t(t, q, x, false, true); /* (2,5,5) */
        tg_tensor *mask = tg_tape_tensor(t, 2, (int[]){5, 5}, NULL, 0);
        for (int i = 0; i < 5; i++)
            for (int j = i + 1; j < 5; j++) mask->data[i * 5 + j] = 1;
        tg_tensor *a = tg_softmax(t, tg_masked_fill(t, s, mask, (tg_real)-INFINITY));
        tg_tensor *h = tg_gelu(t, tg_dropout(t, tg_matmul(t, a, q), (tg_real)0.1, &g, true));
        tg_tensor *c = tg_unfold2d(t, img, (int[]){3, 3}, NULL, (int[]){1, 1}, NULL);
        tg_tensor *L = tg_add(t, tg_sum(t, tg_logsumexp(t, h, -1, false)), tg_mean(t, tg_var(t, c, 1, 1, false)));
        CHECK(L && tg_backward(t, L, NULL) == TG_OK, "step %d: %s", step, tg_tape_message(t));
    }
    CHECK(tg_alloc_count() == before, "a steady step allocates nothing (%zu allocations)",
          tg_alloc_count() - before);
    tg_tape_free(t);
    tg_tensor_free(W);
    tg_tensor_free(x);
    tg_tensor_free(img);
}

/* The display writes each new op's arguments (registry.c's formatters). */
static void test_display(void) {
    tg_tape *t = tg_tape_new();
    tg_tensor *x = tg_tensor_new(4, (int[]){1, 2, 4, 3}, TG_REQUIRES_GRAD);
    tg_tensor *c = tg_unfold2d(t, x, (int[]){3, 2}, (int[]){1, 1}, (int[]){1, 0}, (int[]){1, 1});
    tg_tensor *p = tg_permute(t, c, 3, (int[]){0, 2, 1});
    tg_tensor *m = tg_matmul_t(t, p, p, false, true);
    tg_tensor *v = tg_var(t, m, 1, 1, true);
    tg_tensor *s = tg_index_select(t, v, 0, (int[]){0, 0}, 2);
    tg_rng g;
    tg_rng_seed(&g, 2);
    tg_tensor *d = tg_dropout(t, s, (tg_real)0.25, &g, true);
    CHECK(d != NULL, "display chain: %s", tg_tape_message(t));
    char buf[4096] = "";
    FILE *f = tmpfile();
    if (f && d) {
        tg_tape_print(f, t, NULL, NULL);
        rewind(f);
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        buf[n] = '\0';
    }
    if (f) fclose(f);
    CHECK(strstr(buf, "kernel 3x2, stride 1x1, padding 1x0, dilation 1x1") && strstr(buf, "permute(0, 2, 1)") &&
              strstr(buf, "A, B^T") && strstr(buf, "axis 1, correction 1, keepdim") &&
              strstr(buf, "axis 0, n 2") && strstr(buf, "p 0.25, train"),
          "the table shows the ops' arguments:\n%s", buf);
    tg_tape_free(t);
    tg_tensor_free(x);
}

int main(void) {
    test_display();
    test_where_nan_safe();
    test_masked_fill_anomaly();
    test_ties_and_indices();
    test_dropout();
    test_split();
    test_matmul_t_forms();
    test_unfold_geometries();
    test_unfold_max_composition();
    test_edges();
    test_steady_loop();
    return check_done();
}
