/* conv_private.h — what conv.c (unfold, fold, max pooling) shares with conv_fused.c
 * (the fused convolution): the geometry of a window op and the im2col / col2im pass
 * over images. */
#ifndef TG_CONV_PRIVATE_H
#define TG_CONV_PRIVATE_H

#include "nn_private.h"

/* The geometry of one window op. Its first nine ints (dims, k, s, p, d) are what
 * registry.c's `unfold` formatter reads. */
typedef struct {
    int dims;                                  /* 1 or 2 */
    int k[2], s[2], p[2], d[2];                /* kernel, stride, padding, dilation (h, w) */
    int C, H, W, OH, OW;                       /* filled by forward (fold: H, W by the builder) */
    int fold;                                  /* 1 for fold (col2im), 0 for unfold */
    int max;                                   /* 1 for unfold_max2d */
    int ones;                                  /* 1: a row of ones after each image's rows */
    int conv;                                  /* 1 for the fused convolution (conv_fused.c) */
} unfold_geom;

/* How a pass moves values between the image (N, C, H, W) and the columns
 * (N, C*kh*kw (+1 with ones), OH*OW): cols = im2col(img) (padding written as 0, the
 * ones row written with ones), cols += im2col(img) (fold's backward), or
 * img += col2im(cols) (unfold's backward, fold's forward; the ones row is not read). */
typedef enum { IM2COL_SET, IM2COL_ADD, COL2IM_ADD } pass_mode;

/* One pass over every (n, c, ki, kj, oy, ox) of the N images, in that order (fold's
 * order of additions, which the graph forms reproduce). g's C, H, W, OH, OW set. */
void tg__unfold_pass(const unfold_geom *g, int N, tg_real *img, tg_real *cols, pass_mode mode);
/* Output length along one axis, or < 1 if the kernel does not fit. */
long long tg__unfold_out_len(long long in, int k, int s, int p, int d);
/* Checks the geometry along spatial axis a (0 height, 1 width) for an image
 * dimension `in` (sx: the shape for the message); *o receives the output length.
 * Fails t naming the op. */
tg_status tg__unfold_axis_check(tg_tape *t, const unfold_geom *g, int a, int in, const char *sx, long long *o);

#endif
