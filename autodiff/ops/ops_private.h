/* ops_private.h — what the files of ops/ share: the declarations of every op's
 * functions and definition, generated from the table in registry.h, and the shape
 * rule of elementwise unary ops. */
#ifndef TG_OPS_PRIVATE_H
#define TG_OPS_PRIVATE_H

#include <tg/core.h>
#include <tg/tape.h>
#include <tapegrad/tg_ops.h>

#define OP(name, inputs, flags, shape, forward, backward, args, derivative)        \
    extern const tg_op tg__op_##name;                                           \
    tg_status tg__infer_##shape(tg_tape *t, const tg_node *n, int *rank,        \
                                int out_shape[TG_MAX_RANK]);                   \
    tg_status tg__##forward(tg_tape *t, tg_node *n);                            \
    void tg__##backward(tg_node *n);
#include "registry.h"
#undef OP

/* Axis `axis` of a rank-`rank` tensor, negative values counting from the end; -1 if
 * out of range (every axis is, for rank 0). */
static inline int tg__norm_axis(long axis, int rank) {
    if (axis < 0) axis += rank;
    return axis >= 0 && axis < rank ? (int)axis : -1;
}

#endif
