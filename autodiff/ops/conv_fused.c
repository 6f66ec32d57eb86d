/* conv_fused.c — the convolution as one op: unfold and product fused, image by image,
 * so that a layer holds one image's columns instead of the whole batch's columns and
 * their gradient.
 *
 *   y[n, o, oy, ox] = b[o] + sum_{c, i, j} W[o, c, i, j] x[n, c, oy*sh - ph + i*dh, ox*sw - pw + j*dw]
 *   x (N, C, H, W), W (Cout, C, kh, kw), b (Cout) -> y (N, Cout, OH, OW); 1-D: x (N, C, L),
 *   W (Cout, C, k) -> (N, Cout, Lout). OH, OW as tg_unfold2d's (conv.c).
 *
 * It computes what the composition does, in the same order, with cols_n = unfold(x_n)
 * (C*kh*kw rows; with the bias a row of ones after them) and Wb = W as (Cout, C*kh*kw)
 * (with the bias, [W b]):
 *   forward   y_n = Wb cols_n                   one product per image
 *   dW, db    [dW db] = sum_n G_n cols_n^T       each image's product, then their sum
 *                                               from zero in image order (sum_to's)
 *   dx        dx_n += col2im(W^T G_n)            (the ones row has no source)
 * The graph form (second order) is that composition, recorded: unfold(_ones), matmul_t
 * with the batch, sum_to, slice, reshape and fold. The kernel makes the very tg__gemm
 * calls those ops make (the weight operand read in place with its row stride), so the
 * two give the same bits in the double build (tests/ops/test_optable.c, test_conv_fused.c).
 *
 * Memory, per node, in the tape's arena: one image's columns ((C*kh*kw + 1) x OH*OW,
 * which backward reuses for the recomputed columns and then the columns' gradient),
 * [W b] with the bias, and two (Cout, C*kh*kw + 1) blocks (one image's weight
 * gradient and their sum) when W or b needs a gradient. No batch-sized buffer.
 * args: p = the geometry (unfold_geom with conv = 1, ones = the bias), the builder's,
 * copied by forward into the saved state (its first member, for the formatter).
 */
#include <limits.h>
#include <stdint.h>
#include <tg/gemm.h>
#include "conv_private.h"

typedef struct {
    unfold_geom g;       /* first: args.p points here after forward */
    int cout, R, R1, L;  /* output channels; rows C*kh*kw, R + ones; positions OH*OW */
    tg_real *cols;       /* (R1, L): one image's columns, then their gradient (R rows) */
    const tg_real *wb;   /* (cout, R1): [W2 b] (a copy), or W's own values without bias */
    tg_real *prod, *acc; /* (cout, R1): one image's [dW db], their sum; NULL: no gradient */
} conv_saved;

tg_status tg__infer_conv(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    unfold_geom g = *(const unfold_geom *)n->args.p;
    const tg_tensor *x = n->in[0], *w = n->in[1], *b = g.ones ? n->in[2] : NULL;
    const char *nm = n->op->name, *dims = g.dims == 2 ? "N,C,H,W" : "N,C,L";
    char sx[128], sw[128], sb[128];
    tg_shape_str(x, sx, sizeof sx);
    tg_shape_str(w, sw, sizeof sw);
    if (x->rank != g.dims + 2)
        return tg_tape_fail(t, TG_ERR_SHAPE, "%s: x must have rank %d (%s), got shape %s", nm, g.dims + 2, dims, sx);
    if (w->rank != g.dims + 2)
        return tg_tape_fail(t, TG_ERR_SHAPE, "%s: W must have rank %d (%s), got shape %s", nm, g.dims + 2,
                            g.dims == 2 ? "Cout,C,kh,kw" : "Cout,C,k", sw);
    if (w->shape[1] != x->shape[1])
        return tg_tape_fail(t, TG_ERR_SHAPE, "%s: x %s has %d channels, W %s takes %d", nm, sx, x->shape[1], sw,
                            w->shape[1]);
    if (b && (b->rank != 1 || b->shape[0] != w->shape[0]))
        return tg_tape_fail(t, TG_ERR_SHAPE, "%s: b must have shape (%d) for W %s, got %s", nm, w->shape[0], sw,
                            tg_shape_str(b, sb, sizeof sb));
    g.k[0] = g.dims == 2 ? w->shape[2] : 1;
    g.k[1] = w->shape[w->rank - 1];
    long long L = 1, rows = x->shape[1];
    for (int a = 2 - g.dims; a < 2; a++) {
        long long o;
        tg_status st = tg__unfold_axis_check(t, &g, a, x->shape[x->rank - 2 + a], sx, &o);
        if (st != TG_OK) return st;
        L *= o;
        rows *= g.k[a];
        if (L > INT_MAX || rows > INT_MAX - 1)
            return tg_tape_fail(t, TG_ERR_SHAPE, "%s: the columns of %s are too large (%lld rows, %lld columns)",
                                nm, sx, rows + g.ones, L);
        shape[a + g.dims] = (int)o;
    }
    if ((unsigned long long)(rows + 1) * (unsigned long long)L > SIZE_MAX / sizeof(tg_real))
        return tg_tape_fail(t, TG_ERR_SHAPE, "%s: one image's columns of %s are too large (%lld x %lld)", nm, sx,
                            rows + g.ones, L);
    *rank = g.dims + 2;
    shape[0] = x->shape[0];
    shape[1] = w->shape[0];
    return TG_OK;
}

tg_status tg__conv_fwd(tg_tape *t, tg_node *n) {
    conv_saved *s = tg_tape_alloc(t, sizeof *s);
    if (!s) return TG_ERR_NOMEM;
    const tg_tensor *x = n->in[0], *w = n->in[1], *b = n->n_in > 2 ? n->in[2] : NULL;
    unfold_geom *g = &s->g;
    *g = *(const unfold_geom *)n->args.p;
    g->k[0] = g->dims == 2 ? w->shape[2] : 1;
    g->k[1] = w->shape[w->rank - 1];
    g->C = x->shape[1];
    g->H = g->dims == 2 ? x->shape[2] : 1;
    g->W = x->shape[x->rank - 1];
    g->OH = (int)tg__unfold_out_len(g->H, g->k[0], g->s[0], g->p[0], g->d[0]);
    g->OW = (int)tg__unfold_out_len(g->W, g->k[1], g->s[1], g->p[1], g->d[1]);
    s->cout = w->shape[0];
    s->R = g->C * g->k[0] * g->k[1];
    s->R1 = s->R + g->ones;
    s->L = g->OH * g->OW;
    size_t block = (size_t)s->cout * (size_t)s->R1, L = (size_t)s->L, R1 = (size_t)s->R1;
    s->cols = tg_tape_alloc(t, R1 * L * sizeof(tg_real));
    if (!s->cols) return TG_ERR_NOMEM;
    s->wb = w->data;
    if (b) { /* [W2 b]: tg_concat's rows */
        tg_real *wb = tg_tape_alloc(t, block * sizeof(tg_real));
        if (!wb) return TG_ERR_NOMEM;
        for (int o = 0; o < s->cout; o++) {
            memcpy(wb + (size_t)o * R1, w->data + (size_t)o * (size_t)s->R, (size_t)s->R * sizeof(tg_real));
            wb[(size_t)o * R1 + (size_t)s->R] = b->data[o];
        }
        s->wb = wb;
    }
    s->prod = s->acc = NULL;
    if ((n->out->flags & TG_REQUIRES_GRAD) && (tg__requires_grad(w) || (b && tg__requires_grad(b)))) {
        s->prod = tg_tape_alloc(t, 2 * block * sizeof(tg_real));
        if (!s->prod) return TG_ERR_NOMEM;
        s->acc = s->prod + block;
    }
    n->args.p = g;
    n->saved = s;
    size_t img = (size_t)g->C * (size_t)g->H * (size_t)g->W, out = (size_t)s->cout * L;
    for (int i = 0; i < x->shape[0]; i++) { /* y_i = Wb cols_i: matmul_t's product with Wb shared */
        tg__unfold_pass(g, 1, x->data + (size_t)i * img, s->cols, IM2COL_SET);
        tg__gemm(false, false, (size_t)s->cout, L, R1, 1, s->wb, R1, s->cols, L, 0, n->out->data + (size_t)i * out, L);
    }
    return TG_OK;
}

void tg__conv_bwd(tg_node *n) {
    const conv_saved *s = n->saved;
    const unfold_geom *g = &s->g;
    tg_tensor *x = n->in[0], *w = n->in[1], *b = n->n_in > 2 ? n->in[2] : NULL;
    bool dw = s->acc && (w->grad || (b && b->grad));
    if (!dw && !x->grad) return;
    size_t block = (size_t)s->cout * (size_t)s->R1, L = (size_t)s->L, R1 = (size_t)s->R1, cout = (size_t)s->cout;
    size_t img = (size_t)g->C * (size_t)g->H * (size_t)g->W;
    if (dw) memset(s->acc, 0, block * sizeof(tg_real));
    /* col2im adds into dx_i and need not reach every element (a stride beyond the
     * window): an unset dx is zeroed first (tg/store.h) */
    if (x->grad) tg__grad_zero_unset(x);
    for (int i = 0; i < x->shape[0]; i++) {
        const tg_real *gi = n->out->grad + (size_t)i * cout * L;
        if (dw) { /* prod = G_i cols_i^T (matmul_t(G, cols, false, true)), acc += prod (sum_to) */
            tg__unfold_pass(g, 1, x->data + (size_t)i * img, s->cols, IM2COL_SET);
            tg__gemm(false, true, cout, R1, L, 1, gi, L, s->cols, L, 0, s->prod, R1);
            for (size_t j = 0; j < block; j++) s->acc[j] += s->prod[j];
        }
        if (x->grad) { /* cols = W2^T G_i (matmul_t(W2, G, true, false)), then col2im into dx_i */
            tg__gemm(true, false, (size_t)s->R, L, cout, 1, s->wb, R1, gi, L, 0, s->cols, L);
            tg__unfold_pass(g, 1, x->grad + (size_t)i * img, s->cols, COL2IM_ADD);
        }
    }
    if (!dw) return;
    /* dW and db from the sum, stored where nothing has written them yet */
    bool fw = w->grad && tg__grad_first(w), fb = b && b->grad && tg__grad_first(b);
    for (size_t o = 0; o < cout; o++) {
        if (w->grad) TG__GRAD_PUT(fw, w->grad + o * (size_t)s->R, (size_t)s->R, r, s->acc[o * R1 + r]);
        if (b && b->grad) TG__ACC(fb, b->grad[o], s->acc[o * R1 + (size_t)s->R]);
    }
}

/* The graph form: the composition above, recorded (see the top of the file). */
tg_status tg__conv_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    const conv_saved *s = n->saved;
    tg_tensor *x = n->in[0], *w = n->in[1], *b = n->n_in > 2 ? n->in[2] : NULL;
    int N = x->shape[0];
    tg_tensor *g3 = tg_reshape(t, g, 3, (int[]){N, s->cout, s->L});
    if (tg__needs(n, 1) || (b && tg__needs(n, 2))) {
        unfold_geom u = s->g;
        u.conv = 0; /* the unfold (with its ones row for the bias) of this geometry */
        tg_op_args args = {.p = &u};
        const tg_op *op = u.dims == 2 ? b ? &tg__op_unfold2d_ones : &tg__op_unfold2d
                                      : b ? &tg__op_unfold1d_ones : &tg__op_unfold1d;
        tg_tensor *cols = tg_apply(t, op, &x, 1, &args);
        tg_tensor *dwb = tg_sum_to(t, tg_matmul_t(t, g3, cols, false, true), 2, (int[]){s->cout, s->R1});
        if (tg__needs(n, 1)) dx[1] = tg_reshape(t, b ? tg_slice(t, dwb, 1, 0, s->R) : dwb, w->rank, w->shape);
        if (b && tg__needs(n, 2)) dx[2] = tg_reshape(t, tg_slice(t, dwb, 1, s->R, 1), 1, b->shape);
    }
    if (tg__needs(n, 0)) {
        unfold_geom f = s->g;
        f.conv = 0, f.ones = 0, f.fold = 1; /* H, W: x's, the fold's output size */
        tg_op_args args = {.p = &f};
        tg_tensor *w2 = tg_reshape(t, w, 2, (int[]){s->cout, s->R});
        tg_tensor *dcols = tg_matmul_t(t, w2, g3, true, false);
        dx[0] = tg_apply(t, f.dims == 2 ? &tg__op_fold2d : &tg__op_fold1d, &dcols, 1, &args);
    }
    return tg__graph_status(t);
}

static int pick(const int *v, int i, int dflt) { return v ? v[i] : dflt; }

static tg_tensor *conv_apply(tg_tape *t, const tg_op *op, unfold_geom g, tg_tensor *x, tg_tensor *w, tg_tensor *b) {
    tg_tensor *in[3] = {x, w, b};
    tg_op_args args = {.p = &g};
    return tg_apply(t, op, in, g.ones ? 3 : 2, &args);
}

static unfold_geom geom2d(bool bias, const int stride[2], const int padding[2], const int dilation[2]) {
    unfold_geom g = {.dims = 2, .conv = 1, .ones = bias};
    for (int a = 0; a < 2; a++)
        g.s[a] = pick(stride, a, 1), g.p[a] = pick(padding, a, 0), g.d[a] = pick(dilation, a, 1);
    return g;
}

static unfold_geom geom1d(bool bias, int stride, int padding, int dilation) {
    return (unfold_geom){.dims = 1, .conv = 1, .ones = bias, .s = {1, stride}, .p = {0, padding}, .d = {1, dilation}};
}

tg_tensor *tg_conv2d(tg_tape *t, tg_tensor *x, tg_tensor *w, const int stride[2], const int padding[2],
                     const int dilation[2]) {
    return conv_apply(t, &tg__op_conv2d, geom2d(false, stride, padding, dilation), x, w, NULL);
}

tg_tensor *tg_conv2d_bias(tg_tape *t, tg_tensor *x, tg_tensor *w, tg_tensor *b, const int stride[2],
                          const int padding[2], const int dilation[2]) {
    return conv_apply(t, &tg__op_conv2d_bias, geom2d(true, stride, padding, dilation), x, w, b);
}

tg_tensor *tg_conv1d(tg_tape *t, tg_tensor *x, tg_tensor *w, int stride, int padding, int dilation) {
    return conv_apply(t, &tg__op_conv1d, geom1d(false, stride, padding, dilation), x, w, NULL);
}

tg_tensor *tg_conv1d_bias(tg_tape *t, tg_tensor *x, tg_tensor *w, tg_tensor *b, int stride, int padding,
                          int dilation) {
    return conv_apply(t, &tg__op_conv1d_bias, geom1d(true, stride, padding, dilation), x, w, b);
}
