/* backward.c — the one generic backward sweep.
 *
 * The tape is in recording order, which is already topological: every input of a node
 * was produced before it. So the sweep is one reverse loop over the nodes from y back
 * to the first: for each node on a path to y (the plan, sweep.c) it makes sure the
 * inputs that need a gradient have a buffer, then calls the node's op's local
 * derivative, which ADDS dL/d(input) into those buffers (or stores into a buffer
 * nothing has written yet: no buffer is zeroed first, tg/store.h). No sort, no recursion: a
 * chain of any length runs in constant stack.
 *
 * tg_backward is atomic: a failed sweep changes no gradient a caller can see. Without
 * anomaly detection and trace, the only failure is running out of memory, so every
 * gradient buffer the sweep can need is reserved before the first kernel runs; with
 * them (a check or a callback may stop the sweep at any node), each leaf's gradient
 * is saved just before the first kernel adds into it, and put back on failure. The
 * versions of the tensors every reached node saved are checked in a pass before the
 * kernels, so a tensor modified since its node was recorded fails the sweep with
 * nothing changed. */
#include <string.h>
#include <tg/deferred.h>
#include "tape_private.h"

/* Gradient buffers come from one block reserved before the loop (*pool, *left bytes)
 * when the sweep planned one, else from the arena as they are needed. */
typedef struct { unsigned char *p; size_t left; } grad_pool;
enum { SMALL = 32 }; /* bytes of a small gradient buffer (a multiple of 16) */

/* Zeroes a fresh buffer of bytes just before its first use, while it is about to be
 * in cache anyway; a small one (a few elements, most nodes of small models) without
 * a call. */
static inline void zero_buffer(void *p, size_t bytes) {
    if (bytes <= SMALL) memset(p, 0, SMALL);
    else memset(p, 0, bytes);
}

/* A buffer from the pool: SMALL bytes for a few elements, else a 64-byte multiple
 * starting on a line (the pool was counted at 64-byte multiples per buffer, so the
 * bytes the small ones leave cover the realignment of the large). */
static inline tg_real *pool_take(grad_pool *pool, size_t bytes) {
    if (bytes <= SMALL) {
        if (pool->left < SMALL) return NULL;
        tg_real *g = (tg_real *)pool->p;
        pool->p += SMALL;
        pool->left -= SMALL;
        return g;
    }
    size_t pad = (size_t)(-(uintptr_t)pool->p & 63), need = pad + ROUND64(bytes);
    if (need > pool->left) return NULL;
    tg_real *g = (tg_real *)(pool->p + pad);
    pool->p += need;
    pool->left -= need;
    return g;
}

/* A gradient buffer for x if it has none: a node's output gets it unset (tg/store.h:
 * its first writer stores), a leaf's is zeroed (leaves accumulate). */
static tg_status ensure_grad(tg_tape *t, tg_tensor *x, grad_pool *pool) {
    if (x->grad) return TG_OK;
    size_t bytes = x->size * sizeof(tg_real);
    x->grad = pool->p ? pool_take(pool, bytes) : NULL;
    if (!x->grad) {
        x->grad = bytes <= SIZE_MAX / 4 ? tg__arena_bump(t, ROUND64(bytes)) : tg_tape_alloc(t, bytes);
        if (!x->grad) return TG_ERR_NOMEM;
    }
    if (x->node) tg__grad_mark_unset(t, x);
    else zero_buffer(x->grad, bytes);
    return TG_OK;
}

/* One pass over the nodes from the sweep's start, before any gradient changes:
 *  - reach: marked through every reached node with a backward (as the loop below
 *    does again);
 *  - versions: every reached node's saved tensors checked (tg__check_saved_versions);
 *  - with pool: the bytes of every gradient buffer the sweep can need (outputs and
 *    step leaves without one; a leaf used twice is counted twice), reserved in one
 *    piece of the arena, so that no allocation can fail once kernels have
 *    started adding into leaves (the inputs are only looked at when the step has made
 *    leaves, tg_tape_tensor with TG_REQUIRES_GRAD; parameters have their buffers);
 *  - *stale: some node's output has a gradient buffer from an earlier sweep.
 * On a version mismatch nothing has been written but reach and the message. */
static tg_status plan_pass(tg__sweep *s, grad_pool *pool, bool *stale) {
    tg_tape *t = s->t;
    unsigned char *reach = s->reach;
    size_t total = 0;
    bool over = false, leaves = pool && t->step_leaves != 0, old = false;
    const char *who = t->who;
    t->who = s->who; /* a version message opens with the sweep's caller */
    tg_status st = TG_OK;
    for (tg_node *n = s->start; n; n = n->prev) {
        if (n->out->grad) old = true;
        else if (pool) {
            size_t b = ROUND64(n->out->size * sizeof(tg_real));
            over |= b > SIZE_MAX / 4 - total;
            total += b;
        }
        if (!reach[n->id] || !n->op->backward) continue;
        for (int i = 0; i < n->n_in; i++) {
            const tg_tensor *x = n->in[i];
            if (!tg__requires_grad(x)) continue;
            if (x->node) {
                reach[x->node->id] = 1; /* every consumer of x comes before it */
            } else if (leaves && !x->grad && !over) {
                size_t b = ROUND64(x->size * sizeof(tg_real));
                over |= b > SIZE_MAX / 4 - total;
                total += b;
            }
        }
        if ((st = tg__check_saved_versions(t, n)) != TG_OK) break;
    }
    t->who = who;
    *stale = old;
    if (st != TG_OK || !pool) return st;
    pool->left = total;
    pool->p = total ? tg_tape_alloc(t, over ? SIZE_MAX : total) : NULL;
    return total && !pool->p ? t->status : TG_OK;
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

tg_status tg__sweep_check_versions(tg__sweep *s) {
    bool stale;
    return plan_pass(s, NULL, &stale);
}

tg_status tg__sweep_kernels(tg__sweep *s, const tg_tensor *seed, bool save) {
    tg_tape *t = s->t;
    tg_node *start = s->start;
    unsigned char *reach = s->reach;
    tg_tensor *y = start->out;
    const tg_tensor *last_leaf = NULL; /* a leaf used by consecutive nodes is saved once */
    size_t used = 0;
    grad_pool pool = {NULL, 0};
    bool stale;
    /* Every saved tensor is checked before any gradient changes: a modified one fails
     * the sweep with nothing touched. Without watchers nothing can fail once the loop
     * has begun, if the buffers are reserved first: then there is nothing to save (the
     * fast path of tg_backward). */
    bool reserve = save && !t->trace && !t->anomaly;
    if (reserve && !t->swept && t->grad_bytes != SIZE_MAX &&
        atomic_load_explicit(&tg__version_writes, memory_order_relaxed) == t->writes_at_first) {
        /* The fast path: no tensor anywhere was written since the first node was
         * recorded, so every saved version still holds; no sweep has given outputs
         * buffers, so none is stale; the buffers' bytes were counted as the nodes and
         * leaves were made (an upper bound: every recorded output). No pass. */
        pool.left = t->grad_bytes;
        pool.p = pool.left ? tg_tape_alloc(t, pool.left) : NULL;
        if (pool.left && !pool.p) return t->status;
        stale = false;
    } else if (plan_pass(s, reserve ? &pool : NULL, &stale) != TG_OK) {
        return t->status;
    }
    if (reserve) save = false;
    t->swept = true;
    /* Intermediate gradients of this sweep start from zero (a second sweep over the
     * same tape recomputes them): an old buffer becomes unset, as a new one is
     * (tg/store.h); ancestors of y were all recorded before it. */
    for (tg_node *n = start; stale && n; n = n->prev)
        if (n->out->grad) tg__grad_mark_unset(t, n->out);
    if (ensure_grad(t, y, &pool) != TG_OK) return t->status;
    tg__grad_seed(y, seed);

    for (tg_node *n = start; n; n = n->prev) {
        /* Every consumer of n->out has run: a gradient no one wrote is zero. */
        if (n->out->flags & TG__GRAD_UNSET) tg__grad_settle(n->out);
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
            if (ensure_grad(t, x, &pool) != TG_OK) return t->status;
        }
        /* Node n is about to run its local derivative; its saved tensors' versions
         * were checked before the loop (tg__sweep_check_versions). */
        bool plain = tg__grad_plain(t);
        tg__grad_prepare_inputs(plain, n);
        if (!plain && (t->trace || t->anomaly)) {
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
    bool collect = tg__defer_begin(t); /* products handed to the sweep's end (tg/deferred.h) */
    st = tg__sweep_kernels(&s, seed, true);
    if (collect) tg__defer_end(t, st == TG_OK);
    if (st != TG_OK) {
        tg__sweep_settle(&s);
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
