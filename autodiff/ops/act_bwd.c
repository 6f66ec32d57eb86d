/* act_bwd.c — the derivative of an activation as one op of its own, as PyTorch's
 * tanh_backward: what tanh's graph form records, so that a gradient of a gradient
 * (tg_grad with TG_GRAD_CREATE_GRAPH, tg_hvp) walks one node and one pass over the
 * data where the composition square, neg, add_scalar, mul took four of each.
 *
 * tanh_backward: z = g (1 - y^2), with g and y of one shape (y = tanh x, g = dL/dy):
 *   dg += gz (1 - y^2)          (tanh_backward itself, with gz for g)
 *   dy += (gz g y) (-2)
 * Notation: gz = out->grad, dg = in[0]->grad, dy = in[1]->grad. The forward computes
 * g (1 - y y) in the order of tanh's kernel (unary.c), so a graph form recording it
 * gives that kernel's bits. */
#include <tg/vmath.h>
#include "ops_private.h"

/* Shape rule: two inputs of one shape; the output has it. */
tg_status tg__infer_same2(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    const tg_tensor *a = n->in[0], *b = n->in[1];
    if (a->size != b->size || !tg__same_shape(a, b)) {
        char b1[128], b2[128];
        return tg_tape_fail(t, TG_ERR_SHAPE, "%s: shapes differ: %s vs %s", n->op->name,
                            tg_shape_str(a, b1, sizeof b1), tg_shape_str(b, b2, sizeof b2));
    }
    *rank = a->rank;
    for (int i = 0; i < a->rank; i++) shape[i] = a->shape[i];
    return TG_OK;
}

TG__CLONES static void tanh_bwd_row(size_t m, const tg_real *restrict g, const tg_real *restrict y,
                                    tg_real *restrict z) {
    for (size_t i = 0; i < m; i++) z[i] = g[i] * (1 - y[i] * y[i]);
}

tg_status tg__tanh_backward_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    tanh_bwd_row(n->out->size, n->in[0]->data, n->in[1]->data, n->out->data);
    return TG_OK;
}

TG__CLONES void tg__tanh_backward_bwd(tg_node *n) {
    const tg_real *restrict gz = n->out->grad, *restrict g = n->in[0]->data, *restrict y = n->in[1]->data;
    tg_real *restrict dg = n->in[0]->grad, *restrict dy = n->in[1]->grad;
    size_t m = n->out->size;
    if (dg) for (size_t i = 0; i < m; i++) dg[i] += gz[i] * (1 - y[i] * y[i]);
    if (dy) for (size_t i = 0; i < m; i++) dy[i] += gz[i] * g[i] * y[i] * -2;
}

/* The graph form: dg by the op itself, dy as three products in the kernel's order. */
tg_status tg__tanh_backward_vjp(tg_tape *t, const tg_node *n, tg_tensor *gz, tg_tensor **dx) {
    if (tg__needs(n, 0)) dx[0] = tg_tanh_backward(t, gz, n->in[1]);
    if (tg__needs(n, 1)) dx[1] = tg_mul_scalar(t, tg_mul(t, tg_mul(t, gz, n->in[0]), n->in[1]), -2);
    return tg__graph_status(t);
}

tg_tensor *tg_tanh_backward(tg_tape *t, tg_tensor *g, tg_tensor *y) {
    tg_tensor *in[2] = {g, y};
    return tg_apply(t, &tg__op_tanh_backward, in, 2, NULL);
}
