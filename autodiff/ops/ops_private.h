/* ops_private.h — what the files of ops/ share: the declarations of every op's
 * functions and definition, generated from the table in registry.h, and the shape
 * rule of elementwise unary ops. */
#ifndef TG_OPS_PRIVATE_H
#define TG_OPS_PRIVATE_H

#include <tg/core.h>
#include <tg/tape.h>
#include <tg/store.h> /* the store-first protocol of backward kernels (registry.h: ST) */
#include <tapegrad/tg_ops.h>

#define OP(name, inputs, flags, shape, forward, backward, graph, args, derivative) \
    extern const tg_op tg__op_##name;                                           \
    tg_status tg__infer_##shape(tg_tape *t, const tg_node *n, int *rank,        \
                                int out_shape[TG_MAX_RANK]);                   \
    tg_status tg__##forward(tg_tape *t, tg_node *n);                            \
    void tg__##backward(tg_node *n);                                            \
    tg_status tg__##graph(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx);
#include "registry.h"
#undef OP

/* Axis `axis` of a rank-`rank` tensor, negative values counting from the end; -1 if
 * out of range (every axis is, for rank 0). */
static inline int tg__norm_axis(long axis, int rank) {
    if (axis < 0) axis += rank;
    return axis >= 0 && axis < rank ? (int)axis : -1;
}

/* The softmax's row kernels (softmax.c), for ops that take a softmax inside
 * (tg_head_attention): rows of c contiguous elements, y = softmax(x) (y may be x),
 * and dx = (first ? TG__Z + v : dx + v) with v = y (g - sum(g y)) per row. The same
 * bits as tg_softmax's forward and backward on the same rows. */
void tg__softmax_rows(const tg_real *x, tg_real *y, size_t rows, size_t c);
void tg__softmax_rows_bwd(const tg_real *y, const tg_real *g, tg_real *dx, size_t rows, size_t c, bool first);

/* ---- shared by the graph forms (tg_op.backward_graph) ---- */

/* Input i of n wants a gradient. */
static inline bool tg__needs(const tg_node *n, int i) { return tg__requires_grad(n->in[i]); }
/* g summed down to x's shape over the dimensions broadcasting added (g itself when
 * the shapes are equal): what a broadcasting op's backward does with its strides. */
tg_tensor *tg__sum_to_like(tg_tape *t, tg_tensor *g, const tg_tensor *x);
/* g (broadcastable to x's shape) repeated to x's shape (tg_expand), bit for bit g. */
tg_tensor *tg__expand_like(tg_tape *t, tg_tensor *g, const tg_tensor *x);
/* A constant step tensor of x's shape (no gradient) with element i = f(x, i, n);
 * the masks by which piecewise-linear ops' derivatives multiply. */
tg_tensor *tg__mask(tg_tape *t, const tg_tensor *x, const tg_node *n,
                    tg_real (*f)(const tg_tensor *x, size_t i, const tg_node *n));
/* A rank-0 constant. */
tg_tensor *tg__scalar(tg_tape *t, tg_real v);
/* The tape's status: what a graph form returns after its builders ran. */
static inline tg_status tg__graph_status(tg_tape *t) { return tg_tape_status(t); }

#endif
