/* tg_conv.h — convolution and pooling layers on the primitive ops (tg_conv2d_bias
 * and friends, tg_unfold_max2d, tg_unfold2d, tg_reshape, tg_mean_axis): no
 * derivative is written here; the gradients come from the ops'.
 *
 * Convolution (2-D; 1-D is the same with one spatial axis), as nn.Conv2d computes it
 * (a cross-correlation):
 *   y[n, o, oy, ox] = b[o] + sum_{c, i, j} W[o, c, i, j] x[n, c, oy*sh - ph + i*dh, ox*sw - pw + j*dw]
 *   x (N, Cin, H, W) -> y (N, Cout, OH, OW), OH = (H + 2 ph - dh (kh - 1) - 1) / sh + 1.
 *   One op, tg_conv2d_bias (tg_conv2d without bias; tg_ops_nn.h): the composition
 *   cols = unfold(x) (N, Cin*kh*kw, OH*OW) with a row of ones, y = [W2 b] cols with
 *   W2 = W viewed as (Cout, Cin*kh*kw), computed image by image. A layer holds one
 *   image's columns per step (never the batch's, nor their gradient).
 * PyTorch mapping: W = nn.Conv2d.weight (Cout, Cin, kh, kw), the same layout;
 *   b = nn.Conv2d.bias (Cout) (NULL here when bias=False); kernel = kernel_size,
 *   stride, padding, dilation as PyTorch's (h, w) pairs; groups = 1 and
 *   padding_mode = 'zeros' only. Conv1d: W (Cout, Cin, k).
 *   Initialisation: TG_INIT_TORCH, W and b ~ U(-k, k), k = 1 / sqrt(Cin kh kw), the
 *   bound nn.Conv2d's default initialisation gives.
 *
 * Pooling (functions, no parameters), x (N, C, H, W) -> (N, C, OH, OW), OH as above
 * with dilation 1; stride NULL means stride = kernel (PyTorch's default):
 *   max_pool2d: y = the maximum of each window; nn.MaxPool2d (ceil_mode False). The
 *     padding counts as -inf (as PyTorch), so it never wins; a tie sends the gradient
 *     to the first maximum in window order (row by row), as PyTorch's CPU kernel.
 *   avg_pool2d: y = the window's sum / (kh kw), padding counted as zeros:
 *     nn.AvgPool2d with count_include_pad=True (its default), ceil_mode False.
 *   Padding must be at most half the kernel (PyTorch's rule).
 *
 * Ownership and errors as tg_linear.h: constructors return NULL with tg_last_error;
 * forward functions return NULL with the error on the tape, naming the layer.
 */
#ifndef TG_CONV_H
#define TG_CONV_H

#include <stdbool.h>
#include <tapegrad/tg_init.h>
#include <tapegrad/tg_params.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tg_conv {
    int dims;                       /* 1 or 2 spatial axes */
    int in, out;                    /* channels */
    int kernel[2], stride[2], padding[2], dilation[2]; /* (h, w); h entries 1/0 for 1-D */
    tg_tensor *W;                   /* (out, in, kh, kw) or (out, in, k)  "<prefix>.W" */
    tg_tensor *b;                   /* (out) "<prefix>.b", or NULL without bias */
    char name[48];
} tg_conv;

/* A 2-D convolution in -> out channels with kernel {kh, kw}; stride, padding,
 * dilation are {h, w} pairs (NULL: 1, 0, 1); bias adds b. Initialised by `init`
 * (TG_INIT_TORCH as nn.Conv2d; fans Cin kh kw and Cout kh kw) from rng. Caller owns
 * it: tg_conv_free. NULL + tg_last_error on a bad prefix, channels < 1, kernel,
 * stride or dilation < 1, padding < 0, or OOM. */
tg_conv *tg_conv2d_new(const char *prefix, int in, int out, const int kernel[2], const int stride[2],
                       const int padding[2], const int dilation[2], bool bias, tg_init init,
                       tg_rng *rng);
/* A 1-D convolution (nn.Conv1d): W (out, in, kernel). */
tg_conv *tg_conv1d_new(const char *prefix, int in, int out, int kernel, int stride, int padding,
                       int dilation, bool bias, tg_init init, tg_rng *rng);
void tg_conv_free(tg_conv *c);
/* Appends W (and b if present) to ps. */
tg_status tg_conv_params(const tg_conv *c, tg_params *ps);
/* y = conv(x): x (N, in, H, W) -> (N, out, OH, OW) for 2-D, (N, in, L) -> (N, out, Lout)
 * for 1-D. Errors on the tape: x's rank or channel count, a kernel wider than the
 * padded input (from the op, tg_conv2d_bias or tg_conv2d, named as such). */
tg_tensor *tg_conv_forward(tg_tape *t, const tg_conv *c, tg_tensor *x);

/* Max and average pooling over windows kernel {kh, kw}, stride (NULL: = kernel),
 * padding (NULL: 0; each at most half the kernel). x (N, C, H, W). */
tg_tensor *tg_max_pool2d(tg_tape *t, tg_tensor *x, const int kernel[2], const int stride[2],
                         const int padding[2]);
tg_tensor *tg_avg_pool2d(tg_tape *t, tg_tensor *x, const int kernel[2], const int stride[2],
                         const int padding[2]);

#ifdef __cplusplus
}
#endif
#endif
