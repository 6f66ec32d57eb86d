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
#include "nn_private.h"

typedef struct {
    int dims;                                  /* 1 or 2 */
    int k[2], s[2], p[2], d[2];                /* kernel, stride, padding, dilation (h, w) */
    int C, H, W, OH, OW;                       /* filled by forward (fold: H, W by the builder) */
    int fold;                                  /* 1 for fold (col2im), 0 for unfold */
} unfold_geom;

/* The op's name for messages (unfold or its adjoint fold, 1-D or 2-D). */
static const char *unfold_name(const unfold_geom *g) {
    static const char *names[2][2] = {{"tg_unfold1d", "tg_unfold2d"}, {"tg_fold1d", "tg_fold2d"}};
    return names[g->fold][g->dims == 2];
}

/* Output length along one axis, or < 1 if the kernel does not fit. */
static long long out_len(long long in, int k, int s, int p, int d) {
    long long span = (long long)d * (k - 1) + 1, padded = in + 2LL * p;
    if (span > padded) return -1;
    return (padded - span) / s + 1;
}

/* Checks the geometry along spatial axis a (0 height, 1 width) for an image
 * dimension `in`; *o receives the output length. Fails t naming the op. */
static tg_status axis_check(tg_tape *t, const unfold_geom *g, int a, int in, const char *sx, long long *o) {
    const char *nm = unfold_name(g), *ax = g->dims == 1 ? "" : a == 0 ? " (height)" : " (width)";
    if (g->k[a] < 1 || g->s[a] < 1 || g->d[a] < 1 || g->p[a] < 0)
        return tg_tape_fail(t, TG_ERR_VALUE, "%s: kernel %d, stride %d, dilation %d must be >= 1 and padding %d >= 0%s",
                            nm, g->k[a], g->s[a], g->d[a], g->p[a], ax);
    *o = out_len(in, g->k[a], g->s[a], g->p[a], g->d[a]);
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
        tg_status st = axis_check(t, g, a, x->shape[x->rank - 2 + a], sx, &o);
        if (st != TG_OK) return st;
        L *= o;
        rows *= g->k[a];
        if (L > INT_MAX || rows > INT_MAX)
            return tg_tape_fail(t, TG_ERR_SHAPE, "%s: the unfolded shape of %s is too large (%lld rows, %lld columns)",
                                nm, sx, rows, L);
    }
    *rank = 3;
    shape[0] = x->shape[0];
    shape[1] = (int)rows;
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

/* How a pass moves values between the image (N, C, H, W) and the columns
 * (N, C*kh*kw, OH*OW): cols = im2col(img) (padding written as 0), cols += im2col(img)
 * (fold's backward), or img += col2im(cols) (unfold's backward, fold's forward). */
typedef enum { IM2COL_SET, IM2COL_ADD, COL2IM_ADD } pass_mode;

/* One pass over every (n, c, ki, kj, oy, ox) of the N images. */
static void pass(const unfold_geom *g, int N, tg_real *img, tg_real *cols, pass_mode mode) {
    int C = g->C, H = g->H, W = g->W, OH = g->OH, OW = g->OW;
    int kh = g->k[0], kw = g->k[1], sh = g->s[0], sw = g->s[1], ph = g->p[0], pw = g->p[1];
    int dh = g->d[0], dw = g->d[1];
    size_t L = (size_t)OH * (size_t)OW, R = (size_t)C * kh * kw;
    for (int b = 0; b < N; b++)
        for (int c = 0; c < C; c++) {
            size_t xoff = ((size_t)b * C + c) * (size_t)H * W;
            for (int ki = 0; ki < kh; ki++)
                for (int kj = 0; kj < kw; kj++) {
                    size_t row = ((size_t)c * kh + ki) * kw + kj;
                    size_t yoff = ((size_t)b * R + row) * L;
                    int lo, hi;
                    ptrdiff_t tap = (ptrdiff_t)kj * dw - pw; /* input column of ox = 0 */
                    valid_range(OW, W, sw, pw, kj * dw, &lo, &hi);
                    for (int oy = 0; oy < OH; oy++) {
                        int iy = oy * sh - ph + ki * dh;
                        tg_real *crow = cols + yoff + (size_t)oy * OW;
                        bool inside = iy >= 0 && iy < H;
                        if (mode != IM2COL_SET) {
                            if (!inside) continue;
                            tg_real *xr = img + xoff + (size_t)iy * W;
                            if (mode == COL2IM_ADD)
                                for (int ox = lo; ox < hi; ox++) xr[(ptrdiff_t)ox * sw + tap] += crow[ox];
                            else
                                for (int ox = lo; ox < hi; ox++) crow[ox] += xr[(ptrdiff_t)ox * sw + tap];
                            continue;
                        }
                        if (!inside) {
                            memset(crow, 0, (size_t)OW * sizeof *crow);
                            continue;
                        }
                        const tg_real *xr = img + xoff + (size_t)iy * W;
                        for (int ox = 0; ox < lo; ox++) crow[ox] = 0;
                        if (sw == 1 && hi > lo)
                            memcpy(crow + lo, xr + lo + tap, (size_t)(hi - lo) * sizeof *crow);
                        else
                            for (int ox = lo; ox < hi; ox++) crow[ox] = xr[(ptrdiff_t)ox * sw + tap];
                        for (int ox = hi; ox < OW; ox++) crow[ox] = 0;
                    }
                }
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
    g->OH = (int)out_len(g->H, g->k[0], g->s[0], g->p[0], g->d[0]);
    g->OW = (int)out_len(g->W, g->k[1], g->s[1], g->p[1], g->d[1]);
    n->args.p = g;
    n->saved = g;
    pass(g, x->shape[0], x->data, n->out->data, IM2COL_SET);
    return TG_OK;
}
void tg__unfold_bwd(tg_node *n) {
    tg_tensor *x = n->in[0];
    if (x->grad) pass(n->saved, x->shape[0], x->grad, n->out->grad, COL2IM_ADD);
}

static int pick2(const int *v, int i, int dflt) { return v ? v[i] : dflt; }

tg_tensor *tg_unfold2d(tg_tape *t, tg_tensor *x, const int kernel[2], const int stride[2],
                       const int padding[2], const int dilation[2]) {
    if (t && tg_tape_status(t) == TG_OK && !kernel) {
        tg_tape_fail(t, TG_ERR_ARG, "tg_unfold2d: kernel is NULL");
        return NULL;
    }
    unfold_geom g = {.dims = 2};
    for (int a = 0; a < 2 && kernel; a++) {
        g.k[a] = kernel[a];
        g.s[a] = pick2(stride, a, 1);
        g.p[a] = pick2(padding, a, 0);
        g.d[a] = pick2(dilation, a, 1);
    }
    tg_op_args args = {.p = &g};
    return tg_apply(t, &tg__op_unfold2d, &x, 1, &args);
}

tg_tensor *tg_unfold1d(tg_tape *t, tg_tensor *x, int kernel, int stride, int padding, int dilation) {
    unfold_geom g = {.dims = 1, .k = {1, kernel}, .s = {1, stride}, .p = {0, padding}, .d = {1, dilation}};
    tg_op_args args = {.p = &g};
    return tg_apply(t, &tg__op_unfold1d, &x, 1, &args);
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
        tg_status st = axis_check(t, g, a, a == 0 ? g->H : g->W, sc, &o);
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
    g->OH = (int)out_len(g->H, g->k[0], g->s[0], g->p[0], g->d[0]);
    g->OW = (int)out_len(g->W, g->k[1], g->s[1], g->p[1], g->d[1]);
    n->args.p = g;
    n->saved = g;
    memset(n->out->data, 0, n->out->size * sizeof(tg_real));
    pass(g, n->out->shape[0], n->out->data, n->in[0]->data, COL2IM_ADD);
    return TG_OK;
}
void tg__fold_bwd(tg_node *n) {
    tg_tensor *c = n->in[0];
    if (c->grad) pass(n->saved, n->out->shape[0], n->out->grad, c->grad, IM2COL_ADD);
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
    f.fold = 1; /* H, W: x's, the fold's output size */
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
