/* graph.c — small helpers of the ops' graph-form derivatives (the `graph` column of
 * registry.h): broadcasting a gradient up or summing it down to an input's shape,
 * constant masks, constants. Each is built from ops so that the result can be
 * differentiated again. */
#include <string.h>
#include <tapegrad/tg_ops_nn.h>
#include "ops_private.h"

tg_tensor *tg__sum_to_like(tg_tape *t, tg_tensor *g, const tg_tensor *x) {
    if (!g) return NULL;
    if (g->size == x->size && tg__same_shape(g, x)) return g;
    return tg_sum_to(t, g, x->rank, x->shape);
}

tg_tensor *tg__expand_like(tg_tape *t, tg_tensor *g, const tg_tensor *x) {
    if (!g) return NULL;
    if (g->size == x->size && tg__same_shape(g, x)) return g;
    if (x->size == 0) return tg_mul(t, g, tg_tape_full(t, x->rank, x->shape, 1));
    return tg_expand(t, g, x->rank, x->shape); /* a copy: no tensor of ones to fill and read */
}

tg_tensor *tg__mask(tg_tape *t, const tg_tensor *x, const tg_node *n,
                    tg_real (*f)(const tg_tensor *x, size_t i, const tg_node *n)) {
    tg_tensor *m = tg_tape_tensor(t, x->rank, x->shape, NULL, 0);
    if (m) for (size_t i = 0; i < x->size; i++) m->data[i] = f(x, i, n);
    return m;
}

tg_tensor *tg__scalar(tg_tape *t, tg_real v) { return tg_tape_full(t, 0, NULL, v); }
