/* backward.c — the one generic backward sweep.
 *
 * The tape is in recording order, which is already topological: every input of a node
 * was produced before it. So the sweep is one reverse loop over the nodes from y back
 * to the first: for each node on a path to y (the plan, sweep.c) it makes sure the
 * inputs that need a gradient have a buffer, then calls the node's op's local
 * derivative, which ADDS dL/d(input) into those buffers. No sort, no recursion: a
 * chain of any length runs in constant stack.
 *
 * tg_backward is atomic: it saves each leaf's gradient just before the first kernel
 * adds into it, and puts them back if the loop fails (anomaly, out of memory, a reset
 * from a trace callback), so a failed sweep changes no gradient a caller can see. */
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

/* The first time leaf x is about to receive a gradient: its values are appended to
 * the saved store (*used values so far). */
static tg_status save_leaf(tg__sweep *s, tg_tensor *x, size_t *used) {
    int added = tg__sweep_leaf_add(s, x);
    if (added == 0 || (added > 0 && !x->grad)) return TG_OK; /* known, or nothing to save */
    tg_real *store = added > 0 ? tg__sweep_value_store(s, *used + x->size) : NULL;
    if (!store) {
        if (added > 0) s->n_leaves--; /* not saved: forget it (its gradient is untouched) */
        char b[64];
        return tg_tape_fail(s->t, TG_ERR_NOMEM, "%s: out of memory saving the gradient of a leaf of shape %s",
                            s->who, tg_shape_str(x, b, sizeof b));
    }
    memcpy(store + *used, x->grad, x->size * sizeof(tg_real));
    *used += x->size;
    return TG_OK;
}

tg_status tg__sweep_kernels(tg__sweep *s, const tg_tensor *seed, bool save) {
    tg_tape *t = s->t;
    tg_node *start = s->start;
    unsigned char *reach = s->reach;
    tg_tensor *y = start->out;
    const tg_tensor *last_leaf = NULL; /* a leaf used by consecutive nodes is saved once */
    size_t used = 0;
    /* Intermediate gradients of this sweep start from zero (a second sweep over the
     * same tape recomputes them); ancestors of y were all recorded before it. */
    for (tg_node *n = start; n; n = n->prev)
        if (n->out->grad) memset(n->out->grad, 0, n->out->size * sizeof(tg_real));
    if (ensure_grad(t, y) != TG_OK) return t->status;
    for (size_t i = 0; i < y->size; i++) y->grad[i] += seed ? seed->data[i] : (tg_real)1;

    for (tg_node *n = start; n; n = n->prev) {
        if (!reach[n->id] || !n->op->backward) continue; /* not on a path to y */
        for (int i = 0; i < n->n_in; i++) {
            tg_tensor *x = n->in[i];
            if (!tg__requires_grad(x)) continue;
            if (x->node) {
                reach[x->node->id] = 1; /* every consumer of x comes before it */
            } else if (save && x != last_leaf) {
                if (save_leaf(s, x, &used) != TG_OK) return t->status;
                last_leaf = x;
            }
            if (ensure_grad(t, x) != TG_OK) return t->status;
        }
        /* Node n is about to run its local derivative. */
        if (t->trace || t->anomaly) {
            tg_status st = tg__watched_backward(t, n);
            /* A callback may have reset the tape or failed it (any error stops the sweep). */
            if (tg__sweep_was_reset(s) || st != TG_OK || t->status != TG_OK) return t->status;
        } else {
            n->op->backward(n);
        }
    }
    return TG_OK;
}

tg_status tg_backward(tg_tape *t, tg_tensor *y, const tg_tensor *seed) {
    tg__sweep s;
    tg_status st = tg__sweep_begin(t, "tg_backward", 1, y, seed, false, &s);
    if (st != TG_OK) return st;
    t->who = "tg_backward";
    st = tg__sweep_kernels(&s, seed, true);
    if (st != TG_OK) {
        /* Put back every saved leaf gradient, in the order they were saved (step
         * leaves are gone after a reset). */
        bool reset = t->epoch != s.epoch;
        const tg_real *saved = tg__sweep_value_store(&s, 0);
        for (size_t k = 0, off = 0; k < s.n_leaves; k++) {
            tg_tensor *x = s.leaves[k];
            bool alive = !reset || !x->tape;
            if (!s.saved_grad[k]) {
                if (alive) x->grad = NULL;
                continue;
            }
            if (alive) memcpy(x->grad, saved + off, x->size * sizeof(tg_real));
            off += x->size;
        }
    }
    tg__sweep_end(&s);
    t->who = NULL;
    return st;
}
