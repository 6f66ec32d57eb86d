/* backward.c — the one generic backward sweep.
 *
 * The tape is in recording order, which is already topological: every input of a node
 * was produced before it. So the sweep is one reverse loop over the nodes from y back
 * to the first: for each node on a path to y it makes sure the inputs that need a
 * gradient have a buffer, then calls the node's op's local derivative, which ADDS
 * dL/d(input) into those buffers. No sort, no recursion: a chain of any length runs
 * in constant stack. */
#include <string.h>
#include "tape_private.h"

static tg_status ensure_grad(tg_tape *t, tg_tensor *x) {
    if (x->grad) return TG_OK;
    size_t bytes = x->size * sizeof(tg_real);
    x->grad = bytes <= SIZE_MAX / 4 ? tg__arena_bump(t, ROUND64(bytes)) : tg_tape_alloc(t, bytes);
    if (!x->grad) return TG_ERR_NOMEM;
    memset(x->grad, 0, x->size * sizeof(tg_real));
    return TG_OK;
}

tg_status tg_backward(tg_tape *t, tg_tensor *y, const tg_tensor *seed) {
    if (!t) return tg__error(TG_ERR_ARG, "tg_backward: tape is NULL");
    if (t->status != TG_OK)
        return tg__error(t->status, "tg_backward: the tape has failed earlier: %s", t->msg);
    t->who = "tg_backward";
    if (!y) return tg_tape_fail(t, TG_ERR_ARG, "tg_backward: argument 1 (y) is NULL");
    if (!tg__tensor_live(t, y))
        return tg_tape_fail(t, TG_ERR_STATE,
                            "tg_backward: y belongs to another tape or to a step before the last tg_tape_reset");
    if (!tg__requires_grad(y))
        return tg_tape_fail(t, TG_ERR_STATE,
                            "tg_backward: y does not require a gradient (no parameter reaches it, or it was computed with gradients disabled)");
    char b1[128], b2[128];
    if (!seed && y->size != 1)
        return tg_tape_fail(t, TG_ERR_SHAPE,
                            "tg_backward: y has shape %s; a seed gradient is needed unless y has one element",
                            tg_shape_str(y, b1, sizeof b1));
    if (seed && (seed->size != y->size || !tg__same_shape(seed, y)))
        return tg_tape_fail(t, TG_ERR_SHAPE, "tg_backward: seed shape %s differs from y shape %s",
                            tg_shape_str(seed, b1, sizeof b1), tg_shape_str(y, b2, sizeof b2));

    /* Intermediate gradients of this sweep start from zero (a second sweep over the
     * same tape recomputes them); ancestors of y were all recorded before it. */
    tg_node *start = y->node;
    for (tg_node *n = start; n; n = n->prev)
        if (n->out->grad) memset(n->out->grad, 0, n->out->size * sizeof(tg_real));
    if (ensure_grad(t, y) != TG_OK) return t->status;
    for (size_t i = 0; i < y->size; i++) y->grad[i] += seed ? seed->data[i] : (tg_real)1;

    for (tg_node *n = start; n; n = n->prev) {
        if (!n->out->grad || !n->op->backward) continue; /* not on a path to y */
        for (int i = 0; i < n->n_in; i++)
            if (tg__requires_grad(n->in[i]) && ensure_grad(t, n->in[i]) != TG_OK)
                return t->status;
        if (tg__check_saved_versions(t, n) != TG_OK) return t->status;
        if (t->trace || t->anomaly) {
            if (tg__watched_backward(t, n) != TG_OK) return t->status;
        } else {
            n->op->backward(n);
        }
    }
    t->who = NULL;
    return TG_OK;
}
