/* layers_private.h — helpers shared by the layers/ source files. Not installed.
 * Layers use only the public op builders of tg_ops.h; from the engine's in-tree
 * interfaces they take just the counted allocator and the thread error (<tg/core.h>)
 * and the check that a tensor is live on a tape (<tg/tape.h>). */
#ifndef TG_LAYERS_PRIVATE_H
#define TG_LAYERS_PRIVATE_H

#include <stdio.h>
#include <tg/core.h>
#include <tg/tape.h>
#include <tapegrad/tg_layers.h>

/* Longest prefix a caller may give a layer: the parameter names built from it
 * ("<prefix>.<layer>.W_x") must fit tg_tensor.name (47 characters). */
#define TG__PREFIX_MAX 32

/* Checks a layer prefix (non-NULL, 1..TG__PREFIX_MAX characters); on failure sets
 * the thread error "<fn>: ..." and returns its status. */
tg_status tg__check_prefix(const char *fn, const char *prefix);

/* A parameter named "<prefix><suffix>" (suffix printf-style, e.g. ".%d.W_x").
 * NULL with "<fn>: ..." in tg_last_error on a name that does not fit, or OOM. */
tg_tensor *tg__layer_param(const char *fn, const char *prefix, int rank, const int *shape,
                           const char *suffix_fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/* x must be a live tensor of t (not NULL, not of another tape or an earlier step);
 * else fails t with "<fn>: '<layer>': <arg> is NULL" (or "... belongs to another
 * tape ..."). Returns true when usable. A NULL from an earlier failed op is not
 * reported again (the tape already holds the first error). */
bool tg__arg_ok(tg_tape *t, const char *fn, const char *layer, const char *arg,
                const tg_tensor *x);

/* The tape a layer function was given is usable: false, with the thread error
 * "<fn>: tape is NULL", for NULL; false (nothing new recorded) if it has failed. */
bool tg__tape_ok(tg_tape *t, const char *fn);

/* Names x for printouts after owner's prefix (tg_tensor.label): label is static text,
 * step the time step or -1. Three stores, no string is formatted. NULL x (a failed
 * op) passes through. */
static inline tg_tensor *tg__label(tg_tensor *x, const tg_tensor *owner, const char *label,
                                   int step) {
    if (x) {
        x->label = label;
        x->label_owner = owner;
        x->label_step = step;
    }
    return x;
}

/* Fills *l as a Linear layer in -> out with parameters "<prefix>.W", "<prefix>.b"
 * initialised by scheme init (tg_linear_new, and each layer of tg_mlp_new); fn names
 * the public caller in messages. On failure *l holds no tensors. */
tg_status tg__linear_init(const char *fn, tg_linear *l, const char *prefix, int in, int out,
                          tg_init init, tg_rng *rng);

/* x (..., in) W + b of Linear l for x of rank >= 2, with the rank-2 W shared by the
 * leading axes (one tg_matmul folds them into the rows of one GEMM; no reshape is
 * recorded, unlike tg_linear_forward's flattening). The attention and Transformer
 * blocks' projections. NULL x passes through. */
tg_tensor *tg__linear_rows(tg_tape *t, const tg_linear *l, tg_tensor *x);
/* relu(x W + b) over the rows of x, in one op (tg_affine_relu): the Transformer's
 * feed-forward with the ReLU. */
tg_tensor *tg__linear_rows_relu(tg_tape *t, const tg_linear *l, tg_tensor *x);

#endif
