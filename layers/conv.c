/* conv.c — convolution and pooling layers on the primitive ops (tg_conv.h): the fused
 * convolution op (unfold and product image by image), and the pooling reductions
 * over each window. */
#include <limits.h>
#include <math.h>
#include <string.h>
#include <tapegrad/tg_ops_nn.h>
#include "layers_private.h"

static int pair(const int *v, int i, int dflt) { return v ? v[i] : dflt; }

static tg_conv *conv_new(const char *fn, const char *prefix, int dims, int in, int out, const int k[2],
                         const int s[2], const int p[2], const int d[2], bool bias, tg_init init,
                         tg_rng *rng) {
    if (tg__check_prefix(fn, prefix) != TG_OK) return NULL;
    if (in < 1 || out < 1) {
        tg__error(TG_ERR_ARG, "%s: %s channels must be >= 1, got %d", fn, in < 1 ? "in" : "out",
                  in < 1 ? in : out);
        return NULL;
    }
    for (int a = 2 - dims; a < 2; a++)
        if (k[a] < 1 || s[a] < 1 || d[a] < 1 || p[a] < 0) {
            tg__error(TG_ERR_ARG, "%s: kernel %d, stride %d, dilation %d must be >= 1 and padding %d >= 0",
                      fn, k[a], s[a], d[a], p[a]);
            return NULL;
        }
    long long fan_in = (long long)in * k[0] * k[1], fan_out = (long long)out * k[0] * k[1];
    if (fan_in > INT_MAX || fan_out > INT_MAX) {
        tg__error(TG_ERR_ARG, "%s: %d x %d x %d weights per output channel are too many", fn, in, k[0], k[1]);
        return NULL;
    }
    tg_conv *c = tg__calloc(1, sizeof *c);
    if (!c) {
        tg__error(TG_ERR_NOMEM, "%s: out of memory", fn);
        return NULL;
    }
    c->dims = dims, c->in = in, c->out = out;
    for (int a = 0; a < 2; a++)
        c->kernel[a] = k[a], c->stride[a] = s[a], c->padding[a] = p[a], c->dilation[a] = d[a];
    snprintf(c->name, sizeof c->name, "%s", prefix);
    int wshape[4] = {out, in, dims == 2 ? k[0] : k[1], k[1]};
    c->W = tg__layer_param(fn, prefix, dims + 2, wshape, ".W");
    if (c->W && bias) c->b = tg__layer_param(fn, prefix, 1, (int[]){out}, ".b");
    tg_status st = c->W && (c->b || !bias)
                       ? tg_init_weights(c->W, c->b, init, rng, (int)fan_in, (int)fan_out)
                       : tg_last_status();
    if (st != TG_OK) {
        tg_conv_free(c);
        return NULL;
    }
    return c;
}

tg_conv *tg_conv2d_new(const char *prefix, int in, int out, const int kernel[2], const int stride[2],
                       const int padding[2], const int dilation[2], bool bias, tg_init init,
                       tg_rng *rng) {
    if (!kernel) {
        tg__error(TG_ERR_ARG, "tg_conv2d_new: kernel is NULL");
        return NULL;
    }
    int s[2] = {pair(stride, 0, 1), pair(stride, 1, 1)}, p[2] = {pair(padding, 0, 0), pair(padding, 1, 0)};
    int d[2] = {pair(dilation, 0, 1), pair(dilation, 1, 1)};
    return conv_new("tg_conv2d_new", prefix, 2, in, out, kernel, s, p, d, bias, init, rng);
}

tg_conv *tg_conv1d_new(const char *prefix, int in, int out, int kernel, int stride, int padding,
                       int dilation, bool bias, tg_init init, tg_rng *rng) {
    return conv_new("tg_conv1d_new", prefix, 1, in, out, (int[]){1, kernel}, (int[]){1, stride},
                    (int[]){0, padding}, (int[]){1, dilation}, bias, init, rng);
}

void tg_conv_free(tg_conv *c) {
    if (!c) return;
    tg_tensor_free(c->W);
    tg_tensor_free(c->b);
    tg__free(c);
}

tg_status tg_conv_params(const tg_conv *c, tg_params *ps) {
    if (!c) return tg__error(TG_ERR_ARG, "tg_conv_params: layer is NULL");
    tg_status st = tg_params_add(ps, c->W);
    return st == TG_OK && c->b ? tg_params_add(ps, c->b) : st;
}

/* Output length of one spatial axis (the unfold's; the shape rule has checked it):
 * the pooling's output shape. */
static int out_len(int in, int k, int s, int p, int d) { return (in + 2 * p - d * (k - 1) - 1) / s + 1; }

tg_tensor *tg_conv_forward(tg_tape *t, const tg_conv *c, tg_tensor *x) {
    if (!tg__tape_ok(t, "tg_conv_forward")) return NULL;
    if (!c) {
        tg_tape_fail(t, TG_ERR_ARG, "tg_conv_forward: layer is NULL");
        return NULL;
    }
    if (!tg__arg_ok(t, "tg_conv_forward", c->name, "x", x)) return NULL;
    if (x->rank != c->dims + 2 || x->shape[1] != c->in) {
        char b[96];
        tg_tape_fail(t, TG_ERR_SHAPE, "tg_conv_forward: '%s': x must be (N, %d, %s), got %s", c->name, c->in,
                     c->dims == 2 ? "H, W" : "L", tg_shape_str(x, b, sizeof b));
        return NULL;
    }
    /* The fused op (tg_conv2d_bias and friends): the composition W2 unfold(x) (+ b
     * through a row of ones), computed image by image so that the step holds one
     * image's columns instead of the batch's columns and their gradient. */
    const int *s = c->stride, *p = c->padding, *d = c->dilation;
    if (c->dims == 2)
        return c->b ? tg_conv2d_bias(t, x, c->W, c->b, s, p, d) : tg_conv2d(t, x, c->W, s, p, d);
    return c->b ? tg_conv1d_bias(t, x, c->W, c->b, s[1], p[1], d[1]) : tg_conv1d(t, x, c->W, s[1], p[1], d[1]);
}

/* ---- pooling ---- */

/* Checks x and the window geometry (k, s, p receive it, stride NULL meaning the
 * kernel); false with the error on the tape. */
static bool pool_check(tg_tape *t, const char *fn, tg_tensor *x, const int *kernel, const int *stride,
                       const int *padding, int k[2], int s[2], int p[2]) {
    if (!tg__tape_ok(t, fn)) return false;
    if (!x || !tg__tensor_live(t, x)) {
        tg_tape_fail(t, x ? TG_ERR_STATE : TG_ERR_ARG, "%s: x %s", fn,
                     x ? "belongs to another tape or to a step before the last tg_tape_reset" : "is NULL");
        return false;
    }
    if (!kernel) {
        tg_tape_fail(t, TG_ERR_ARG, "%s: kernel is NULL", fn);
        return false;
    }
    for (int a = 0; a < 2; a++)
        k[a] = kernel[a], s[a] = pair(stride, a, k[a]), p[a] = pair(padding, a, 0);
    char b[96];
    if (x->rank != 4) {
        tg_tape_fail(t, TG_ERR_SHAPE, "%s: x must be (N, C, H, W), got %s", fn, tg_shape_str(x, b, sizeof b));
        return false;
    }
    for (int a = 0; a < 2; a++)
        if (k[a] >= 1 && (p[a] < 0 || p[a] > k[a] / 2)) {
            tg_tape_fail(t, TG_ERR_VALUE, "%s: padding %d must be between 0 and half the kernel %d", fn, p[a], k[a]);
            return false;
        }
    return true;
}

/* The maximum of each window, tg_unfold_max2d: the windows are never built. */
tg_tensor *tg_max_pool2d(tg_tape *t, tg_tensor *x, const int kernel[2], const int stride[2],
                         const int padding[2]) {
    int k[2], s[2], p[2];
    if (!pool_check(t, "tg_max_pool2d", x, kernel, stride, padding, k, s, p)) return NULL;
    return tg_unfold_max2d(t, x, k, s, p);
}

/* The windows unfolded as (N, C, kh*kw, L), their mean over kh*kw, reshaped. */
tg_tensor *tg_avg_pool2d(tg_tape *t, tg_tensor *x, const int kernel[2], const int stride[2],
                         const int padding[2]) {
    int k[2], s[2], p[2];
    if (!pool_check(t, "tg_avg_pool2d", x, kernel, stride, padding, k, s, p)) return NULL;
    tg_tensor *cols = tg_unfold2d(t, x, k, s, p, NULL);
    if (!cols) return NULL;
    int N = x->shape[0], C = x->shape[1], L = cols->shape[2];
    int shape[4] = {N, C, out_len(x->shape[2], k[0], s[0], p[0], 1), out_len(x->shape[3], k[1], s[1], p[1], 1)};
    tg_tensor *w = tg_reshape(t, cols, 4, (int[]){N, C, k[0] * k[1], L});
    return tg_reshape(t, tg_mean_axis(t, w, 2, false), 4, shape);
}
