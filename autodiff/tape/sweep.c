/* sweep.c — the plan of one backward sweep: the checks every sweep makes on y and
 * its seed, the nodes on a path to y, and the leaves those paths reach.
 *
 * tg_backward uses the plan to make a failed sweep leave every leaf's gradient as it
 * was (it saves them first); tg_grad uses it to run the sweep into per-call buffers
 * (leaves' ->grad untouched) and to tell which xs do not reach y. The working memory
 * is the tape's (t->sw), malloc'd at the first sweep that needs it and kept, so a
 * steady training loop allocates nothing, and nothing of it lives in the arena, which
 * a trace callback may reset under the sweep's feet. */
#include <math.h>
#include <string.h>
#include "tape_private.h"

enum { SW_REACH, SW_HASH, SW_LEAVES, SW_SAVED, SW_VALUES };

/* Reach flags of the seeded sweep, beside the plan's 1: 2 = the node's gradient is
 * this sweep's (zeroed when first reached), 4 = it is still its root's seed itself
 * (read-only: copied before anything adds into it). */
enum { R_FRESH = 2, R_SEED = 4 };

void tg__sweep_free(tg_tape *t) {
    for (size_t i = 0; i < sizeof t->sw / sizeof t->sw[0]; i++) {
        tg__free(t->sw[i].p);
        t->sw[i].p = NULL;
        t->sw[i].cap = 0;
    }
}

/* Room for `need` elements of `elem` bytes in working area k; false when out of memory. */
static bool reserve(tg_tape *t, int k, size_t need, size_t elem) {
    if (need <= t->sw[k].cap) return true;
    return tg__grow(&t->sw[k].p, &t->sw[k].cap, need, elem, 64);
}

static size_t hash_ptr(const void *p, size_t mask) {
    uint64_t h = (uint64_t)(uintptr_t)p * 0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 32) & mask;
}

/* Slot of x in the open-addressing table (its index in leaves, or the empty slot
 * where it would go). */
static size_t *probe(const tg__sweep *s, size_t *table, size_t mask, const tg_tensor *x) {
    for (size_t i = hash_ptr(x, mask);; i = (i + 1) & mask)
        if (table[i] == SIZE_MAX || s->leaves[table[i]] == x) return &table[i];
}

/* The plan from roots[0..n-1] (those requiring a gradient): s->start is the latest
 * of their nodes; reach and, with plan_leaves, the leaves on paths to them. */
static tg_status plan(tg_tape *t, const char *who, tg_tensor *const *roots, int n, bool plan_leaves,
                      tg__sweep *s) {
    s->t = t;
    s->who = who;
    s->epoch = t->epoch;
    for (int r = 0; r < n; r++)
        if (tg__requires_grad(roots[r]) && roots[r]->node && (!s->start || roots[r]->node->id > s->start->id))
            s->start = roots[r]->node;
    size_t nodes = s->start ? s->start->id + 1 : 1;
    s->hash_mask = 63;
    if (!reserve(t, SW_REACH, nodes, 1) || !reserve(t, SW_HASH, s->hash_mask + 1, sizeof(size_t)) ||
        !reserve(t, SW_LEAVES, 16, sizeof(tg_tensor *)) || !reserve(t, SW_SAVED, 16, sizeof(tg_real *)))
        return tg_tape_fail(t, TG_ERR_NOMEM, "%s: out of memory planning the sweep over %zu nodes",
                            who, nodes);
    s->reach = t->sw[SW_REACH].p;
    s->leaves = t->sw[SW_LEAVES].p;
    s->saved_grad = t->sw[SW_SAVED].p;
    memset(s->reach, 0, nodes);
    memset(t->sw[SW_HASH].p, 0xff, (s->hash_mask + 1) * sizeof(size_t));
    for (int r = 0; r < n; r++)
        if (tg__requires_grad(roots[r]) && roots[r]->node) s->reach[roots[r]->node->id] = 1;
    for (tg_node *nd = s->start; plan_leaves && nd; nd = nd->prev) {
        if (!s->reach[nd->id]) continue;
        for (int i = 0; i < nd->n_in; i++) {
            tg_tensor *x = nd->in[i];
            if (!tg__requires_grad(x)) continue;
            if (x->node) s->reach[x->node->id] = 1;
            else if (tg__sweep_leaf_add(s, x) < 0)
                return tg_tape_fail(t, TG_ERR_NOMEM, "%s: out of memory planning the sweep over %zu nodes",
                                    who, nodes);
        }
    }
    t->in_sweep = true;
    return TG_OK;
}

tg_status tg__sweep_begin(tg_tape *t, const char *who, int y_arg, tg_tensor *y,
                          const tg_tensor *seed, bool plan_leaves, tg__sweep *s) {
    memset(s, 0, sizeof *s);
    if (!t) return tg__error(TG_ERR_ARG, "%s: tape is NULL", who);
    if (t->status != TG_OK)
        return tg__error(t->status, "%s: the tape has failed earlier: %s", who, t->msg);
    if (t->in_sweep)
        return tg_tape_fail(t, TG_ERR_STATE,
                            "%s: a sweep is already running on this tape (called from a trace callback?)", who);
    if (!y) return tg_tape_fail(t, TG_ERR_ARG, "%s: argument %d (y) is NULL", who, y_arg);
    if (!tg__tensor_live(t, y))
        return tg_tape_fail(t, TG_ERR_STATE,
                            "%s: y belongs to another tape or to a step before the last tg_tape_reset", who);
    if (!tg__requires_grad(y) || !y->node)
        return tg_tape_fail(t, TG_ERR_STATE,
                            "%s: y does not require a gradient (no parameter reaches it, or it was computed with gradients disabled)",
                            who);
    char b1[128], b2[128];
    if (seed && !tg__tensor_live(t, seed))
        return tg_tape_fail(t, TG_ERR_STATE,
                            "%s: seed belongs to another tape or to a step before the last tg_tape_reset", who);
    if (!seed && y->size != 1)
        return tg_tape_fail(t, TG_ERR_SHAPE,
                            "%s: y has shape %s; a seed gradient is needed unless y has one element",
                            who, tg_shape_str(y, b1, sizeof b1));
    if (seed && (seed->size != y->size || !tg__same_shape(seed, y)))
        return tg_tape_fail(t, TG_ERR_SHAPE, "%s: seed shape %s differs from y shape %s", who,
                            tg_shape_str(seed, b1, sizeof b1), tg_shape_str(y, b2, sizeof b2));

    return plan(t, who, &y, 1, plan_leaves, s);
}

tg_status tg__sweep_begin_roots(tg_tape *t, const char *who, tg_tensor *const *roots, int n,
                                tg__sweep *s) {
    memset(s, 0, sizeof *s);
    if (t->status != TG_OK) return t->status;
    if (t->in_sweep)
        return tg_tape_fail(t, TG_ERR_STATE,
                            "%s: a sweep is already running on this tape (called from a trace callback?)", who);
    return plan(t, who, roots, n, true, s);
}

int tg__sweep_leaf_add(tg__sweep *s, tg_tensor *x) {
    tg_tape *t = s->t;
    if (*probe(s, t->sw[SW_HASH].p, s->hash_mask, x) != SIZE_MAX) return 0;
    size_t n = s->n_leaves;
    if (!reserve(t, SW_LEAVES, n + 1, sizeof(tg_tensor *)) || !reserve(t, SW_SAVED, n + 1, sizeof(tg_real *)))
        return -1;
    s->leaves = t->sw[SW_LEAVES].p;
    s->saved_grad = t->sw[SW_SAVED].p;
    if (2 * (n + 1) > s->hash_mask + 1) { /* keep the table at most half full */
        size_t cap = 2 * (s->hash_mask + 1);
        if (!reserve(t, SW_HASH, cap, sizeof(size_t))) return -1;
        s->hash_mask = cap - 1;
        size_t *table = t->sw[SW_HASH].p;
        memset(table, 0xff, cap * sizeof *table);
        for (size_t k = 0; k < n; k++) *probe(s, table, s->hash_mask, s->leaves[k]) = k;
    }
    *probe(s, t->sw[SW_HASH].p, s->hash_mask, x) = n;
    s->saved_grad[n] = x->grad;
    s->leaves[n] = x;
    s->n_leaves = n + 1;
    return 1;
}

void tg__sweep_end(tg__sweep *s) {
    if (s->t) s->t->in_sweep = false;
}

void tg__sweep_set_unread(tg_tape *t, bool unread) { t->unread = unread; }

bool tg__sweep_unread(const tg_tape *t) { return t->unread; }

size_t tg__sweep_leaf(const tg__sweep *s, const tg_tensor *x) {
    if (x->node || !s->t) return SIZE_MAX;
    return *probe(s, s->t->sw[SW_HASH].p, s->hash_mask, x);
}

bool tg__sweep_reaches(const tg__sweep *s, const tg_tensor *x) {
    if (!tg__requires_grad(x) || !s->start) return false;
    if (x->node) return x->node->id <= s->start->id && s->reach[x->node->id];
    return tg__sweep_leaf(s, x) != SIZE_MAX;
}

const tg_real *tg__sweep_grad(const tg__sweep *s, const tg_tensor *x) {
    if (!tg__requires_grad(x) || !s->start) return NULL;
    if (x->node) return x->node->id <= s->start->id && (s->reach[x->node->id] & R_FRESH) ? x->grad : NULL;
    return tg__sweep_leaf(s, x) != SIZE_MAX ? x->grad : NULL;
}

bool tg__sweep_was_reset(tg__sweep *s) {
    if (s->t->epoch == s->epoch) return false;
    tg_tape_fail(s->t, TG_ERR_STATE,
                 "%s: the tape was reset during the sweep (by a trace callback?); the sweep stopped and no gradient was changed",
                 s->who);
    return true;
}

tg_status tg__sweep_swap_leaves(tg__sweep *s, tg_tensor *const *xs, int n, tg_tensor **out) {
    tg_tape *t = s->t;
    for (size_t k = 0; k < s->n_leaves; k++) s->leaves[k]->grad = NULL;
    for (int i = 0; i < n; i++) { /* the leaves asked for: straight into their out[i] */
        tg_tensor *x = xs[i];
        if (x->node || tg__sweep_leaf(s, x) == SIZE_MAX || x->grad) continue;
        out[i] = tg_tape_tensor(t, x->rank, x->shape, NULL, 0);
        if (!out[i]) break;
        x->grad = out[i]->data;
    }
    for (size_t k = 0; k < s->n_leaves && t->status == TG_OK; k++) {
        tg_tensor *x = s->leaves[k];
        if (x->grad) continue;
        x->grad = tg_tape_alloc(t, x->size * sizeof(tg_real));
        if (x->grad) memset(x->grad, 0, x->size * sizeof(tg_real));
    }
    if (t->status != TG_OK) {
        tg__sweep_restore_leaves(s);
        return t->status;
    }
    return TG_OK;
}

/* Makes x's gradient this sweep's the first time the sweep reaches x: an older buffer
 * becomes unset (tg/store.h), a missing one comes from the arena unset; a root's
 * borrowed seed is copied. */
static tg_status fresh_grad(tg__sweep *s, tg_tensor *x) {
    unsigned char *r = &s->reach[x->node->id];
    if ((*r & (R_FRESH | R_SEED)) == R_FRESH) return TG_OK;
    const tg_real *seed = *r & R_SEED ? x->grad : NULL;
    *r = 1 | R_FRESH;
    if (!x->grad || seed) x->grad = tg_tape_alloc(s->t, x->size * sizeof(tg_real));
    if (!x->grad) return s->t->status;
    if (seed) memcpy(x->grad, seed, x->size * sizeof(tg_real));
    else tg__grad_mark_unset(s->t, x);
    return TG_OK;
}

tg_status tg__sweep_seeded(tg__sweep *s, tg_tensor *const *roots, const tg_tensor *const *seeds, int n) {
    tg_tape *t = s->t;
    if (tg__sweep_check_versions(s) != TG_OK) return t->status;
    /* Nodes' ->grad buffers are written below and kept: a later tg_backward must
     * clear them (it takes its no-pass fast path only on a tape no sweep has run on). */
    t->swept = true;
    s->roots = roots;
    s->n_roots = n;
    for (int r = 0; r < n; r++) {
        tg_tensor *y = roots[r];
        if (!tg__requires_grad(y) || !y->node) continue; /* a constant: nothing flows */
        const tg_tensor *seed = seeds ? seeds[r] : NULL;
        unsigned char *f = &s->reach[y->node->id];
        if (seed && !(*f & R_FRESH) && !y->grad) { /* borrowed until something adds */
            y->grad = seed->data;
            *f |= R_FRESH | R_SEED;
            continue;
        }
        if (fresh_grad(s, y) != TG_OK) return t->status;
        tg__grad_seed(y, seed);
    }
    for (tg_node *nd = s->start; nd; nd = nd->prev) {
        /* Only nodes a gradient reached run: on a path to a root, yet given nothing
         * (behind an op without backward), is a zero gradient. */
        if ((s->reach[nd->id] & R_FRESH) == 0) continue;
        if (nd->out->flags & TG__GRAD_UNSET) tg__grad_settle(nd->out); /* no consumer wrote it */
        if (!nd->op->backward) continue;
        for (int i = 0; i < nd->n_in; i++) {
            tg_tensor *x = nd->in[i];
            if (tg__requires_grad(x) && x->node && fresh_grad(s, x) != TG_OK) return t->status;
        }
        tg__grad_prepare_inputs(t, nd);
        if (t->trace || t->anomaly) {
            tg_status st = tg__watched_backward(t, nd);
            if (tg__sweep_was_reset(s) || st != TG_OK || t->status != TG_OK) return t->status;
        } else {
            nd->op->backward(nd);
        }
    }
    return TG_OK;
}

void tg__sweep_restore_leaves(tg__sweep *s) {
    bool reset = s->t->epoch != s->epoch;
    for (int r = 0; !reset && r < s->n_roots; r++) { /* give back borrowed seeds */
        tg_tensor *y = s->roots[r];
        if (y->node && y->node->id <= s->start->id && (s->reach[y->node->id] & R_SEED)) {
            y->grad = NULL;
            s->reach[y->node->id] = 1;
        }
    }
    for (size_t k = 0; k < s->n_leaves; k++)
        if (!reset || !s->leaves[k]->tape) s->leaves[k]->grad = s->saved_grad[k];
}

tg_real *tg__sweep_value_store(tg__sweep *s, size_t n) {
    if (!reserve(s->t, SW_VALUES, n + 1, sizeof(tg_real))) return NULL;
    return s->t->sw[SW_VALUES].p;
}

/* ---- store-first gradients (tg/store.h) ---- */

void tg__tape_set_store_mode(tg_tape *t, int mode) {
    if (t && mode >= TG__STORE_ON && mode <= TG__STORE_POISON) t->store_mode = (unsigned char)mode;
}

void tg__grad_poison(tg_tensor *x) {
    for (size_t i = 0; i < x->size; i++) x->grad[i] = (tg_real)NAN;
}

void tg__grad_seed(tg_tensor *x, const tg_tensor *seed) {
    bool first = tg__grad_first(x);
    if (seed) TG__GRAD_PUT(first, x->grad, x->size, i, seed->data[i]);
    else TG__GRAD_PUT(first, x->grad, x->size, i, (tg_real)1);
}
