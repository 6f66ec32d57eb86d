/* conv.c — unfold (im2col), the primitive a convolution is built from:
 * conv(x, W) = W_(Cout, C*kh*kw) x unfold(x) (tg_matmul_t with W shared by the batch).
 *
 * unfold, 2-D: x (N, C, H, W) -> y (N, C*kh*kw, L), L = OH*OW,
 *   y[n, (c*kh + ki)*kw + kj, oy*OW + ox] = x[n, c, oy*sh - ph + ki*dh, ox*sw - pw + kj*dw]
 *   (0 where that position falls in the padding), with
 *   OH = (H + 2 ph - dh (kh - 1) - 1) / sh + 1, OW likewise: torch.nn.functional.unfold.
 * 1-D: x (N, C, Lin) -> y (N, C*k, Lout), the same with H = 1, kh = 1.
 * Backward (col2im): dx[n, c, iy, ix] += every g[n, row, l] that read that position.
 *
 * No index array is materialised: the loops compute positions. The inner loop runs
 * over ox, writing y contiguously, over the range of ox whose input column is inside
 * the image (computed once per row: no test per element).
 * Two ops (unfold1d, unfold2d) share these functions; the geometry says which.
 * args: p = the geometry (unfold_geom, whose first nine ints registry.c's formatter
 * reads; the builder's, read by the shape rule, then
 * copied into the arena by forward).
 */
#include <limits.h>
#include <math.h>
#include "conv_private.h"

/* The op's name for messages (unfold or its adjoint fold, 1-D or 2-D; the fused
 * convolution of conv_fused.c, with or without its bias). */
static const char *unfold_name(const unfold_geom *g) {
    static const char *convs[2][2] = {{"tg_conv1d", "tg_conv2d"}, {"tg_conv1d_bias", "tg_conv2d_bias"}};
    if (g->conv) return convs[g->ones][g->dims == 2];
    if (g->max) return "tg_unfold_max2d";
    if (g->ones) return g->dims == 2 ? "tg_unfold2d_ones" : "tg_unfold1d_ones";
    static const char *names[2][2] = {{"tg_unfold1d", "tg_unfold2d"}, {"tg_fold1d", "tg_fold2d"}};
    return names[g->fold][g->dims == 2];
}

long long tg__unfold_out_len(long long in, int k, int s, int p, int d) {
    long long span = (long long)d * (k - 1) + 1, padded = in + 2LL * p;
    if (span > padded) return -1;
    return (padded - span) / s + 1;
}

tg_status tg__unfold_axis_check(tg_tape *t, const unfold_geom *g, int a, int in, const char *sx, long long *o) {
    const char *nm = unfold_name(g), *ax = g->dims == 1 ? "" : a == 0 ? " (height)" : " (width)";
    if (g->k[a] < 1 || g->s[a] < 1 || g->d[a] < 1 || g->p[a] < 0)
        return tg_tape_fail(t, TG_ERR_VALUE, "%s: kernel %d, stride %d, dilation %d must be >= 1 and padding %d >= 0%s",
                            nm, g->k[a], g->s[a], g->d[a], g->p[a], ax);
    *o = tg__unfold_out_len(in, g->k[a], g->s[a], g->p[a], g->d[a]);
    if (*o < 1)
        return tg_tape_fail(t, TG_ERR_SHAPE,
                            "%s: kernel %d with dilation %d spans %lld, more than %s %d + 2 x padding %d%s (shape %s)",
                            nm, g->k[a], g->d[a], (long long)g->d[a] * (g->k[a] - 1) + 1,
                            g->fold ? "output" : "input", in, g->p[a], ax, sx);
    return TG_OK;
}

tg_status tg__infer_unfold(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    const tg_tensor *x = n->in[0];
    const unfold_geom *g = n->args.p;
    const char *nm = unfold_name(g);
    char sx[128];
    tg_shape_str(x, sx, sizeof sx);
    if (x->rank != g->dims + 2)
        return tg_tape_fail(t, TG_ERR_SHAPE, "%s: x must have rank %d (%s), got shape %s", nm, g->dims + 2,
                            g->dims == 1 ? "N,C,L" : "N,C,H,W", sx);
    long long L = 1, rows = x->shape[1];
    for (int a = 2 - g->dims; a < 2; a++) {
        long long o;
        tg_status st = tg__unfold_axis_check(t, g, a, x->shape[x->rank - 2 + a], sx, &o);
        if (st != TG_OK) return st;
        L *= o;
        rows *= g->k[a];
        if (L > INT_MAX || rows > INT_MAX)
            return tg_tape_fail(t, TG_ERR_SHAPE, "%s: the unfolded shape of %s is too large (%lld rows, %lld columns)",
                                nm, sx, rows, L);
    }
    if (g->ones && rows == INT_MAX)
        return tg_tape_fail(t, TG_ERR_SHAPE, "%s: the unfolded shape of %s is too large (%lld rows and one, %lld columns)",
                            nm, sx, rows, L);
    *rank = 3;
    shape[0] = x->shape[0];
    shape[1] = (int)rows + g->ones;
    shape[2] = (int)L;
    return TG_OK;
}

/* First and one-past-last ox with 0 <= ox*s - p + j*d < W (j*d the tap's offset). */
static void valid_range(int OW, int W, int s, int p, int off, int *lo, int *hi) {
    long long a = p - off; /* need ox*s >= p - off */
    long long first = a <= 0 ? 0 : (a + s - 1) / s;
    long long b = (long long)W - 1 + p - off; /* need ox*s <= W - 1 + p - off */
    long long last = b < 0 ? -1 : b / s;
    if (last > OW - 1) last = OW - 1;
    *lo = (int)(first > OW ? OW : first);
    *hi = (int)(last + 1 < *lo ? *lo : last + 1);
}

/* The row loops, on restrict pointers so that they vectorise (d and s never overlap:
 * one is the image, the other the columns). */
static void row_set(tg_real *restrict d, const tg_real *restrict s, ptrdiff_t stride, int n) {
    if (stride == 1)
        for (int i = 0; i < n; i++) d[i] = s[i];
    else
        for (int i = 0; i < n; i++) d[i] = s[(ptrdiff_t)i * stride];
}
static void row_gather_add(tg_real *restrict d, const tg_real *restrict s, ptrdiff_t stride, int n) {
    if (stride == 1)
        for (int i = 0; i < n; i++) d[i] += s[i];
    else
        for (int i = 0; i < n; i++) d[i] += s[(ptrdiff_t)i * stride];
}
static void row_scatter_add(tg_real *restrict d, const tg_real *restrict s, ptrdiff_t stride, int n) {
    if (stride == 1)
        for (int i = 0; i < n; i++) d[i] += s[i];
    else
        for (int i = 0; i < n; i++) d[(ptrdiff_t)i * stride] += s[i];
}

/* One tap (ki, kj) of one image channel: the column row crow (OH*OW) against the
 * channel xc (H*W). */
static void pass_tap(const unfold_geom *g, int ki, int kj, tg_real *xc, tg_real *crow0, pass_mode mode) {
    int H = g->H, W = g->W, OH = g->OH, OW = g->OW, sh = g->s[0], sw = g->s[1];
    int lo, hi;
    ptrdiff_t tap = (ptrdiff_t)kj * g->d[1] - g->p[1]; /* input column of ox = 0 */
    valid_range(OW, W, sw, g->p[1], kj * g->d[1], &lo, &hi);
    /* the rows oy whose input row iy = oy*sh - ph + ki*dh is inside the image */
    int ylo, yhi;
    valid_range(OH, H, sh, g->p[0], ki * g->d[0], &ylo, &yhi);
    ptrdiff_t iy0 = (ptrdiff_t)ki * g->d[0] - g->p[0];
    if (mode == IM2COL_SET) {
        memset(crow0, 0, (size_t)ylo * OW * sizeof *crow0);
        memset(crow0 + (size_t)yhi * OW, 0, (size_t)(OH - yhi) * OW * sizeof *crow0);
        if (sw == 1 && sh == 1 && OW == W && yhi > ylo && hi > lo) {
            /* consecutive output rows read consecutive input rows: one copy for the whole
             * band, then the columns that fall in the padding set to 0 */
            size_t first = (size_t)ylo * OW + (size_t)lo, last = (size_t)(yhi - 1) * OW + (size_t)hi;
            if (last > first) row_set(crow0 + first, xc + (iy0 + ylo) * W + lo + tap, 1, (int)(last - first));
            for (int oy = ylo; oy < yhi; oy++) {
                tg_real *crow = crow0 + (size_t)oy * OW;
                for (int ox = 0; ox < lo; ox++) crow[ox] = 0;
                for (int ox = hi; ox < OW; ox++) crow[ox] = 0;
            }
            return;
        }
    }
    for (int oy = ylo; oy < yhi; oy++) {
        tg_real *crow = crow0 + (size_t)oy * OW;
        tg_real *xr = xc + (iy0 + (ptrdiff_t)oy * sh) * W + tap;
        if (mode == COL2IM_ADD) {
            if (hi > lo) row_scatter_add(xr + (ptrdiff_t)lo * sw, crow + lo, sw, hi - lo);
        } else if (mode == IM2COL_ADD) {
            if (hi > lo) row_gather_add(crow + lo, xr + (ptrdiff_t)lo * sw, sw, hi - lo);
        } else {
            for (int ox = 0; ox < lo; ox++) crow[ox] = 0;
            if (hi > lo) row_set(crow + lo, xr + (ptrdiff_t)lo * sw, sw, hi - lo);
            for (int ox = hi; ox < OW; ox++) crow[ox] = 0;
        }
    }
}

void tg__unfold_pass(const unfold_geom *g, int N, tg_real *img, tg_real *cols, pass_mode mode) {
    int C = g->C, kh = g->k[0], kw = g->k[1];
    size_t L = (size_t)g->OH * (size_t)g->OW, R = (size_t)C * kh * kw + (size_t)g->ones;
    size_t HW = (size_t)g->H * g->W;
    for (int b = 0; b < N; b++) {
        for (int c = 0; c < C; c++)
            for (int ki = 0; ki < kh; ki++)
                for (int kj = 0; kj < kw; kj++) {
                    size_t row = ((size_t)c * kh + ki) * kw + kj;
                    pass_tap(g, ki, kj, img + ((size_t)b * C + c) * HW, cols + ((size_t)b * R + row) * L, mode);
                }
        if (g->ones && mode == IM2COL_SET) /* the ones row; its gradient goes nowhere */
            for (size_t l = 0; l < L; l++) cols[((size_t)b * R + R - 1) * L + l] = 1;
    }
}

tg_status tg__unfold_fwd(tg_tape *t, tg_node *n) {
    unfold_geom *g = tg_tape_alloc(t, sizeof *g);
    if (!g) return TG_ERR_NOMEM;
    *g = *(const unfold_geom *)n->args.p;
    const tg_tensor *x = n->in[0];
    g->C = x->shape[1];
    g->H = g->dims == 2 ? x->shape[2] : 1;
    g->W = x->shape[x->rank - 1];
    g->OH = (int)tg__unfold_out_len(g->H, g->k[0], g->s[0], g->p[0], g->d[0]);
    g->OW = (int)tg__unfold_out_len(g->W, g->k[1], g->s[1], g->p[1], g->d[1]);
    n->args.p = g;
    n->saved = g;
    tg__unfold_pass(g, x->shape[0], x->data, n->out->data, IM2COL_SET);
    return TG_OK;
}
void tg__unfold_bwd(tg_node *n) {
    tg_tensor *x = n->in[0];
    if (x->grad) tg__unfold_pass(n->saved, x->shape[0], x->grad, n->out->grad, COL2IM_ADD);
}

static int pick2(const int *v, int i, int dflt) { return v ? v[i] : dflt; }

/* The 2-D unfolds' builder: geometry g (dims, ones set) completed from the pairs. */
static tg_tensor *unfold2d_apply(tg_tape *t, const tg_op *op, unfold_geom g, tg_tensor *x, const int kernel[2],
                                 const int stride[2], const int padding[2], const int dilation[2]) {
    if (t && tg_tape_status(t) == TG_OK && !kernel) {
        tg_tape_fail(t, TG_ERR_ARG, "%s: kernel is NULL", unfold_name(&g));
        return NULL;
    }
    for (int a = 0; a < 2 && kernel; a++) {
        g.k[a] = kernel[a];
        g.s[a] = pick2(stride, a, 1);
        g.p[a] = pick2(padding, a, 0);
        g.d[a] = pick2(dilation, a, 1);
    }
    tg_op_args args = {.p = &g};
    return tg_apply(t, op, &x, 1, &args);
}

tg_tensor *tg_unfold2d(tg_tape *t, tg_tensor *x, const int kernel[2], const int stride[2],
                       const int padding[2], const int dilation[2]) {
    return unfold2d_apply(t, &tg__op_unfold2d, (unfold_geom){.dims = 2}, x, kernel, stride, padding, dilation);
}

tg_tensor *tg_unfold1d(tg_tape *t, tg_tensor *x, int kernel, int stride, int padding, int dilation) {
    unfold_geom g = {.dims = 1, .k = {1, kernel}, .s = {1, stride}, .p = {0, padding}, .d = {1, dilation}};
    tg_op_args args = {.p = &g};
    return tg_apply(t, &tg__op_unfold1d, &x, 1, &args);
}

/* The same with a row of ones after each image's rows: (N, C*kh*kw + 1, L), so that
 * [W2 b] times it is a convolution plus its bias in one product. */
tg_tensor *tg_unfold2d_ones(tg_tape *t, tg_tensor *x, const int kernel[2], const int stride[2],
                            const int padding[2], const int dilation[2]) {
    return unfold2d_apply(t, &tg__op_unfold2d_ones, (unfold_geom){.dims = 2, .ones = 1}, x, kernel, stride,
                          padding, dilation);
}

tg_tensor *tg_unfold1d_ones(tg_tape *t, tg_tensor *x, int kernel, int stride, int padding, int dilation) {
    unfold_geom g = {.dims = 1, .ones = 1, .k = {1, kernel}, .s = {1, stride}, .p = {0, padding},
                     .d = {1, dilation}};
    tg_op_args args = {.p = &g};
    return tg_apply(t, &tg__op_unfold1d_ones, &x, 1, &args);
}

/* ---- fold (col2im), the adjoint of unfold ----------------------------------------
 * cols (N, C*kh*kw, L) -> y (N, C, H, W): every column entry is added at the image
 * position unfold reads it from (overlapping windows add up; the padding is dropped),
 * torch.nn.functional.fold with output_size (H, W). L must be OH*OW for that size.
 * 1-D: (N, C*k, L) -> (N, C, Lout). dcols += unfold(g) with the same geometry.
 * args: p = the geometry, H and W the output size. */
tg_status tg__infer_fold(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    const tg_tensor *c = n->in[0];
    const unfold_geom *g = n->args.p;
    const char *nm = unfold_name(g);
    char sc[128];
    tg_shape_str(c, sc, sizeof sc);
    if (c->rank != 3)
        return tg_tape_fail(t, TG_ERR_SHAPE, "%s: cols must have rank 3 (N, C*kernel, L), got shape %s", nm, sc);
    if (g->dims == 1 && g->W < 1)
        return tg_tape_fail(t, TG_ERR_VALUE, "%s: output length %d must be >= 1", nm, g->W);
    if (g->H < 1 || g->W < 1)
        return tg_tape_fail(t, TG_ERR_VALUE, "%s: output size %d x %d must be >= 1", nm, g->H, g->W);
    long long L = 1, kk = 1;
    for (int a = 2 - g->dims; a < 2; a++) {
        long long o;
        tg_status st = tg__unfold_axis_check(t, g, a, a == 0 ? g->H : g->W, sc, &o);
        if (st != TG_OK) return st;
        L *= o;
        kk *= g->k[a];
    }
    if (kk > c->shape[1] || c->shape[1] % kk != 0 || L != c->shape[2])
        return tg_tape_fail(t, TG_ERR_SHAPE,
                            "%s: cols %s must be (N, C x %lld, %lld) for this kernel and output size",
                            nm, sc, kk, L);
    *rank = g->dims + 2;
    shape[0] = c->shape[0];
    shape[1] = (int)(c->shape[1] / kk);
    shape[2] = g->H;
    if (g->dims == 2) shape[3] = g->W;
    else shape[2] = g->W;
    return TG_OK;
}
tg_status tg__fold_fwd(tg_tape *t, tg_node *n) {
    unfold_geom *g = tg_tape_alloc(t, sizeof *g);
    if (!g) return TG_ERR_NOMEM;
    *g = *(const unfold_geom *)n->args.p;
    g->C = n->out->shape[1];
    g->OH = (int)tg__unfold_out_len(g->H, g->k[0], g->s[0], g->p[0], g->d[0]);
    g->OW = (int)tg__unfold_out_len(g->W, g->k[1], g->s[1], g->p[1], g->d[1]);
    n->args.p = g;
    n->saved = g;
    memset(n->out->data, 0, n->out->size * sizeof(tg_real));
    tg__unfold_pass(g, n->out->shape[0], n->out->data, n->in[0]->data, COL2IM_ADD);
    return TG_OK;
}
void tg__fold_bwd(tg_node *n) {
    tg_tensor *c = n->in[0];
    if (c->grad) tg__unfold_pass(n->saved, n->out->shape[0], n->out->grad, c->grad, IM2COL_ADD);
}

tg_tensor *tg_fold2d(tg_tape *t, tg_tensor *cols, const int out_size[2], const int kernel[2],
                     const int stride[2], const int padding[2], const int dilation[2]) {
    if (t && tg_tape_status(t) == TG_OK && (!kernel || !out_size)) {
        tg_tape_fail(t, TG_ERR_ARG, "tg_fold2d: %s is NULL", kernel ? "out_size" : "kernel");
        return NULL;
    }
    unfold_geom g = {.dims = 2, .fold = 1};
    for (int a = 0; a < 2 && kernel && out_size; a++) {
        g.k[a] = kernel[a];
        g.s[a] = pick2(stride, a, 1);
        g.p[a] = pick2(padding, a, 0);
        g.d[a] = pick2(dilation, a, 1);
    }
    if (out_size) g.H = out_size[0], g.W = out_size[1];
    tg_op_args args = {.p = &g};
    return tg_apply(t, &tg__op_fold2d, &cols, 1, &args);
}

tg_tensor *tg_fold1d(tg_tape *t, tg_tensor *cols, int out_len, int kernel, int stride, int padding,
                     int dilation) {
    unfold_geom g = {.dims = 1, .fold = 1, .k = {1, kernel}, .s = {1, stride}, .p = {0, padding},
                     .d = {1, dilation}, .H = 1, .W = out_len};
    tg_op_args args = {.p = &g};
    return tg_apply(t, &tg__op_fold1d, &cols, 1, &args);
}

/* ---- graph forms (registry.h, `graph`): unfold and fold are each other's adjoint,
 * so each one's gradient is the other op with the same geometry (the saved one),
 * through the same pass(): the kernels' bits. */
tg_status tg__unfold_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    if (!tg__needs(n, 0)) return tg__graph_status(t);
    unfold_geom f = *(const unfold_geom *)n->saved;
    if (f.ones) g = tg_slice(t, g, 1, 0, g->shape[1] - 1); /* the ones row has no source */
    f.fold = 1, f.ones = 0; /* H, W: x's, the fold's output size */
    tg_op_args args = {.p = &f};
    dx[0] = tg_apply(t, f.dims == 2 ? &tg__op_fold2d : &tg__op_fold1d, &g, 1, &args);
    return tg__graph_status(t);
}
tg_status tg__fold_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    if (!tg__needs(n, 0)) return tg__graph_status(t);
    unfold_geom u = *(const unfold_geom *)n->saved;
    u.fold = 0;
    tg_op_args args = {.p = &u};
    dx[0] = tg_apply(t, u.dims == 2 ? &tg__op_unfold2d : &tg__op_unfold1d, &g, 1, &args);
    return tg__graph_status(t);
}

/* ---- unfold_max2d: the maximum over each window unfold reads (max pooling) ---------
 * x (N, C, H, W) -> y (N, C, OH, OW), OH, OW as unfold's with dilation 1:
 *   y[n, c, oy, ox] = max over the window's positions inside the image of x, i.e. of
 *   unfold(x) with the padding counted as -inf; the padding must be at most half the
 *   kernel, so every window holds a position of the image.
 * The first maximum in window order (row by row) wins, a NaN (the first) over any
 * number, as tg_max_axis over the unfolded windows; that position is saved per
 * output, so the backward is dx[that position] += g, in fold's order of additions. No window is materialised.
 * args: p = the geometry; saved: max_saved (the geometry first, for the formatter). */
typedef struct {
    unfold_geom g;
    int *pos; /* (N, C, OH, OW): the winner's offset in its channel, NULL without gradient */
} max_saved;

tg_status tg__infer_unfold_max(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    const tg_tensor *x = n->in[0];
    const unfold_geom *g = n->args.p;
    char sx[128];
    tg_shape_str(x, sx, sizeof sx);
    if (x->rank != 4)
        return tg_tape_fail(t, TG_ERR_SHAPE, "tg_unfold_max2d: x must have rank 4 (N,C,H,W), got shape %s", sx);
    for (int a = 0; a < 2; a++) {
        long long o;
        tg_status st = tg__unfold_axis_check(t, g, a, x->shape[2 + a], sx, &o);
        if (st != TG_OK) return st;
        if (g->p[a] > g->k[a] / 2)
            return tg_tape_fail(t, TG_ERR_VALUE, "tg_unfold_max2d: padding %d is more than half the kernel %d%s",
                                g->p[a], g->k[a], a == 0 ? " (height)" : " (width)");
        shape[2 + a] = (int)o;
    }
    *rank = 4;
    shape[0] = x->shape[0];
    shape[1] = x->shape[1];
    return TG_OK;
}

/* The maximum of one window: rows [i0, i1) and columns [j0, j1) of the channel xc,
 * window origin (y0, x0) (possibly in the padding); *pos the winner's offset in xc. */
static inline tg_real window_max(const tg_real *xc, int W, int y0, int x0, int i0, int i1, int j0, int j1,
                                 int *pos) {
    int best = (y0 + i0) * W + x0 + j0;
    tg_real m = xc[best];
    for (int i = i0; i < i1; i++) {
        const tg_real *r = xc + (ptrdiff_t)(y0 + i) * W + x0;
        for (int j = i == i0 ? j0 + 1 : j0; j < j1; j++)
            if (r[j] > m || (isnan(r[j]) && !isnan(m))) { /* greater, or the first NaN */
                m = r[j];
                best = (y0 + i) * W + x0 + j;
            }
    }
    *pos = best;
    return m;
}

/* v takes over from (m, best) if greater, or the first NaN: without branches. */
#define MAX_STEP(v, at)                                                  \
    do {                                                                 \
        tg_real v_ = (v);                                                \
        int c_ = (v_ > m) | ((v_ != v_) & (m == m));                     \
        m = c_ ? v_ : m;                                                 \
        best = c_ ? (at) : best;                                         \
    } while (0)

/* One row of outputs of 2x2 windows with stride 2 inside the image: rows r0, r1 (at
 * offset o0 = r0 - xc), the common case of max pooling. VL outputs at a time in vector
 * registers (the even and odd columns split by shuffles, the choice by masks), the
 * rest one by one; the same comparisons either way. */
typedef tg_real pool_vec __attribute__((vector_size(16)));
#if TG_REAL_IS_DOUBLE
typedef long long pool_mask __attribute__((vector_size(16)));
#define EVEN_LANES ((pool_mask){0, 2})
#define ODD_LANES ((pool_mask){1, 3})
#else
typedef int pool_mask __attribute__((vector_size(16)));
#define EVEN_LANES ((pool_mask){0, 2, 4, 6})
#define ODD_LANES ((pool_mask){1, 3, 5, 7})
#endif
enum { POOL_VL = (int)(16 / sizeof(tg_real)) };

static inline void vec_step(pool_vec v, pool_vec *m, pool_mask *tap, int k) {
    pool_mask c = (v > *m) | ((v != v) & (*m == *m));
    *m = (pool_vec)((c & (pool_mask)v) | (~c & (pool_mask)*m));
    *tap = (c & k) | (~c & *tap);
}

static void max_row_2x2(const tg_real *restrict r0, const tg_real *restrict r1, int o0, int W, int OW,
                        tg_real *restrict y, int *restrict pos) {
    int ox = 0;
    for (; ox + POOL_VL <= OW; ox += POOL_VL) {
        pool_vec p0, p1, q0, q1;
        memcpy(&p0, r0 + 2 * ox, sizeof p0);
        memcpy(&p1, r0 + 2 * ox + POOL_VL, sizeof p1);
        memcpy(&q0, r1 + 2 * ox, sizeof q0);
        memcpy(&q1, r1 + 2 * ox + POOL_VL, sizeof q1);
        pool_vec m = __builtin_shuffle(p0, p1, EVEN_LANES);
        pool_mask tap = {0};
        vec_step(__builtin_shuffle(p0, p1, ODD_LANES), &m, &tap, 1);
        vec_step(__builtin_shuffle(q0, q1, EVEN_LANES), &m, &tap, 2);
        vec_step(__builtin_shuffle(q0, q1, ODD_LANES), &m, &tap, 3);
        memcpy(y + ox, &m, sizeof m);
        if (pos)
            for (int l = 0; l < POOL_VL; l++)
                pos[ox + l] = o0 + 2 * (ox + l) + (int)(tap[l] & 1) + (int)(tap[l] >> 1) * W;
    }
    for (; ox < OW; ox++) {
        int at = o0 + 2 * ox, best = at;
        tg_real m = r0[2 * ox];
        MAX_STEP(r0[2 * ox + 1], at + 1);
        MAX_STEP(r1[2 * ox], at + W);
        MAX_STEP(r1[2 * ox + 1], at + W + 1);
        y[ox] = m;
        if (pos) pos[ox] = best;
    }
}

tg_status tg__unfold_max_fwd(tg_tape *t, tg_node *n) {
    max_saved *sv = tg_tape_alloc(t, sizeof *sv);
    if (!sv) return TG_ERR_NOMEM;
    const tg_tensor *x = n->in[0];
    tg_tensor *y = n->out;
    unfold_geom *g = &sv->g;
    *g = *(const unfold_geom *)n->args.p;
    g->C = x->shape[1], g->H = x->shape[2], g->W = x->shape[3], g->OH = y->shape[2], g->OW = y->shape[3];
    sv->pos = NULL;
    if (y->flags & TG_REQUIRES_GRAD) {
        sv->pos = tg_tape_alloc(t, y->size * sizeof *sv->pos);
        if (!sv->pos) return TG_ERR_NOMEM;
    }
    n->args.p = g;
    n->saved = sv;
    int H = g->H, W = g->W, OH = g->OH, OW = g->OW, kh = g->k[0], kw = g->k[1];
    int sh = g->s[0], sw = g->s[1], ph = g->p[0], pw = g->p[1];
    bool two = kh == 2 && kw == 2 && sh == 2 && sw == 2 && ph == 0 && pw == 0;
    size_t planes = (size_t)x->shape[0] * (size_t)g->C;
    for (size_t pl = 0; pl < planes; pl++) {
        const tg_real *xc = x->data + pl * (size_t)H * W;
        tg_real *yc = y->data + pl * (size_t)OH * OW;
        int *pc = sv->pos ? sv->pos + pl * (size_t)OH * OW : NULL;
        for (int oy = 0; oy < OH; oy++) {
            int y0 = oy * sh - ph;
            if (two) {
                max_row_2x2(xc + (size_t)y0 * W, xc + (size_t)(y0 + 1) * W, y0 * W, W, OW, yc + (size_t)oy * OW,
                            pc ? pc + (size_t)oy * OW : NULL);
                continue;
            }
            int i0 = y0 < 0 ? -y0 : 0, i1 = y0 + kh > H ? H - y0 : kh;
            for (int ox = 0; ox < OW; ox++) {
                int x0 = ox * sw - pw, at;
                int j0 = x0 < 0 ? -x0 : 0, j1 = x0 + kw > W ? W - x0 : kw;
                yc[oy * OW + ox] = window_max(xc, W, y0, x0, i0, i1, j0, j1, &at);
                if (pc) pc[oy * OW + ox] = at;
            }
        }
    }
    return TG_OK;
}

/* The winner's tap (i*kw + j) in the window of output (oy, ox). */
static int tap_of(const unfold_geom *g, int pos, int oy, int ox) {
    return (pos / g->W - (oy * g->s[0] - g->p[0])) * g->k[1] + pos % g->W - (ox * g->s[1] - g->p[1]);
}

/* dx[winner] += g, in the order fold adds (tap by tap, then the outputs) when windows
 * overlap; without overlap each position takes at most one value, in any order. */
void tg__unfold_max_bwd(tg_node *n) {
    tg_tensor *x = n->in[0];
    const max_saved *sv = n->saved;
    if (!x->grad || !sv->pos) return;
    const unfold_geom *g = &sv->g;
    int OH = g->OH, OW = g->OW, L = OH * OW;
    int rounds = g->s[0] >= g->k[0] && g->s[1] >= g->k[1] ? 1 : g->k[0] * g->k[1]; /* one, or one per tap */
    size_t planes = (size_t)x->shape[0] * (size_t)g->C;
    const tg_real *gy = n->out->grad;
    for (size_t pl = 0; pl < planes; pl++) {
        tg_real *dx = x->grad + pl * (size_t)g->H * g->W;
        const tg_real *gc = gy + pl * (size_t)L;
        const int *pc = sv->pos + pl * (size_t)L;
        if (rounds == 1) {
            for (int o = 0; o < L; o++) dx[pc[o]] += gc[o];
            continue;
        }
        for (int r = 0; r < rounds; r++)
            for (int oy = 0; oy < OH; oy++)
                for (int ox = 0; ox < OW; ox++) {
                    int o = oy * OW + ox;
                    if (tap_of(g, pc[o], oy, ox) == r) dx[pc[o]] += gc[o];
                }
    }
}

/* The graph form: g spread over each window by the one-hot mask of its winner (a
 * constant), then folded back: fold2d(mask * g), with this op's geometry. */
tg_status tg__unfold_max_vjp(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    if (!tg__needs(n, 0)) return tg__graph_status(t);
    const max_saved *sv = n->saved;
    const unfold_geom *geo = &sv->g;
    int N = n->in[0]->shape[0], C = geo->C, kk = geo->k[0] * geo->k[1], L = geo->OH * geo->OW;
    tg_tensor *m = tg_tape_tensor(t, 4, (int[]){N, C, kk, L}, NULL, 0);
    if (m && sv->pos)
        for (size_t pl = 0; pl < (size_t)N * C; pl++)
            for (int o = 0; o < L; o++)
                m->data[(pl * kk + (size_t)tap_of(geo, sv->pos[pl * L + o], o / geo->OW, o % geo->OW)) * L + o] = 1;
    tg_tensor *spread = tg_mul(t, tg_reshape(t, g, 4, (int[]){N, C, 1, L}), m);
    unfold_geom f = *geo;
    f.fold = 1, f.max = 0; /* H, W: x's, the fold's output size */
    tg_op_args args = {.p = &f};
    tg_tensor *cols = tg_reshape(t, spread, 3, (int[]){N, C * kk, L});
    dx[0] = tg_apply(t, &tg__op_fold2d, &cols, 1, &args);
    return tg__graph_status(t);
}

tg_tensor *tg_unfold_max2d(tg_tape *t, tg_tensor *x, const int kernel[2], const int stride[2],
                           const int padding[2]) {
    if (t && tg_tape_status(t) == TG_OK && !kernel) {
        tg_tape_fail(t, TG_ERR_ARG, "tg_unfold_max2d: kernel is NULL");
        return NULL;
    }
    unfold_geom g = {.dims = 2, .max = 1, .d = {1, 1}};
    for (int a = 0; a < 2 && kernel; a++) {
        g.k[a] = kernel[a];
        g.s[a] = pick2(stride, a, kernel[a]);
        g.p[a] = pick2(padding, a, 0);
    }
    tg_op_args args = {.p = &g};
    return tg_apply(t, &tg__op_unfold_max2d, &x, 1, &args);
}
