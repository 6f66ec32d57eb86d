/* grad.c — tg_grad and tg_hvp: gradients returned as tensors, and the recorded
 * (create-graph) sweep that makes gradients of gradients.
 *
 * Both sweeps follow the plan of tape/sweep.c (the nodes on a path to y, the leaves
 * they reach). Without TG_GRAD_CREATE_GRAPH, the ops' fast kernels run, into fresh
 * gradient buffers for the leaves (their ->grad pointers are swapped for the call
 * and put back), and the results are copied out. With it, the same reverse loop calls
 * each node's graph form (registry.h, `graph`), which records the local derivative
 * with ops; the gradient of each tensor is then a tensor on the tape, kept per node
 * (gout[id]) and per leaf (gleaf[k]), and contributions from several consumers are
 * added with tg_add. The ops recorded for node k have outputs named
 * "backward of <op> (node k)", so the table and the trace tell them apart. tg_hvp's
 * second sweep (H v as constants) runs the same graph forms without recording them
 * when every node it reaches has one (the kernels otherwise). This file
 * is in ops/ because the recorded sweep calls ops (tg_add, tg_tape_full); the tape
 * below it knows no op. */
#include <string.h>
#include <tapegrad/tg_grad.h>
#include "ops_private.h"

static const char *const WHO = "tg_grad";

/* The checks tg_grad makes before the plan: everything about xs, n, out and flags. */
static tg_status check_args(const char *who, tg_tape *t, tg_tensor *const *xs, int n, unsigned flags,
                            tg_tensor **out) {
    if (!t) return tg__error(TG_ERR_ARG, "%s: tape is NULL", who);
    if (tg_tape_status(t) != TG_OK)
        return tg__error(tg_tape_status(t), "%s: the tape has failed earlier: %s", who, tg_tape_message(t));
    if (out && n > 0 && n <= TG_GRAD_MAX_XS)
        for (int i = 0; i < n; i++) out[i] = NULL;
    if (!out) return tg_tape_fail(t, TG_ERR_ARG, "%s: out is NULL", who);
    if (n < 1 || n > TG_GRAD_MAX_XS)
        return tg_tape_fail(t, TG_ERR_ARG, "%s: n = %d must be in 1..%d", who, n, TG_GRAD_MAX_XS);
    if (!xs) return tg_tape_fail(t, TG_ERR_ARG, "%s: xs is NULL", who);
    if (flags & ~(unsigned)(TG_GRAD_CREATE_GRAPH | TG_GRAD_ALLOW_UNUSED))
        return tg_tape_fail(t, TG_ERR_ARG, "%s: unknown flags 0x%x", who, flags);
    for (int i = 0; i < n; i++) {
        if (!xs[i]) return tg_tape_fail(t, TG_ERR_ARG, "%s: xs[%d] is NULL", who, i);
        if (!tg__tensor_live(t, xs[i]))
            return tg_tape_fail(t, TG_ERR_STATE,
                                "%s: xs[%d] belongs to another tape or to a step before the last tg_tape_reset",
                                who, i);
    }
    return TG_OK;
}

/* The roots of a sweep and their seeds: tg_grad has one (y, its seed or NULL for
 * 1), tg_hvp one per x (g_j, seeded with v_j). */
typedef struct {
    tg_tensor *const *ys;
    const tg_tensor *const *seeds;
    int n;
} roots;

/* First order: the kernels into per-call buffers; a leaf's gradient is summed in its
 * out[i] directly, other out[i] are copies. */
static tg_status grad_plain(tg__sweep *s, roots r, tg_tensor *const *xs, int n, tg_tensor **out) {
    tg_tape *t = s->t;
    tg_status st = tg__sweep_swap_leaves(s, xs, n, out);
    if (st == TG_OK) st = tg__sweep_seeded(s, r.ys, r.seeds, r.n);
    for (int i = 0; st == TG_OK && i < n; i++) {
        const tg_tensor *x = xs[i];
        if (out[i]) continue;
        out[i] = tg_tape_tensor(t, x->rank, x->shape, tg__sweep_grad(s, x), 0);
        if (!out[i]) st = tg_tape_status(t);
    }
    tg__sweep_restore_leaves(s);
    return st;
}

/* The slot holding the gradient tensor of x (a node's output or a leaf). */
static tg_tensor **slot_of(const tg__sweep *s, tg_tensor **gout, tg_tensor **gleaf, const tg_tensor *x) {
    if (x->node) return &gout[x->node->id];
    size_t k = tg__sweep_leaf(s, x);
    return k == SIZE_MAX ? NULL : &gleaf[k];
}

/* Appends s to the name being built in b[*n..cap-1], as far as it fits (cap - 1
 * characters and the terminating 0, what snprintf would keep). */
static void put(char *b, size_t cap, size_t *n, const char *s) {
    while (*s && *n + 1 < cap) b[(*n)++] = *s++;
    b[*n] = 0;
}

/* Names the outputs of the nodes recorded after `mark` for node nd:
 * TG_GRAD_NAME_PREFIX "<op> (node <id>)", built once and copied (no formatted print
 * per node: a recorded sweep names a dozen tensors per layer). */
static void name_recorded(tg_tape *t, const tg_node *mark, const tg_node *nd) {
    char name[sizeof nd->out->name], digits[24];
    size_t n = 0, k = sizeof digits - 1;
    digits[k] = 0;
    for (size_t id = nd->id;; id /= 10) {
        digits[--k] = (char)('0' + id % 10);
        if (id < 10) break;
    }
    bool built = false;
    for (const tg_node *r = tg_tape_last(t); r && r != mark; r = r->prev) {
        if (r->out->name[0]) continue;
        if (!built) {
            put(name, sizeof name, &n, TG_GRAD_NAME_PREFIX);
            put(name, sizeof name, &n, nd->op->name ? nd->op->name : "");
            put(name, sizeof name, &n, " (node ");
            put(name, sizeof name, &n, digits + k);
            put(name, sizeof name, &n, ")");
            built = true;
        }
        memcpy(r->out->name, name, n + 1);
    }
}

/* For tg_hvp's first sweep, whose gradients of the leaves are only the roots of the
 * second (their values are never read): input i of node nd is such a leaf when nd
 * alone uses it (uses[k]: reached nodes reading leaf k), since nothing else will read
 * its gradient. */
static bool unread_leaf(const tg__sweep *s, const tg_node *nd, int i, const unsigned *uses) {
    const tg_tensor *x = nd->in[i];
    if (!tg__requires_grad(x)) return false;
    size_t k = tg__sweep_leaf(s, x);
    return k != SIZE_MAX && uses[k] == 1;
}

/* Some input of nd is an unread leaf: nd's graph form runs with its products left
 * unread (tg__sweep_unread), and settle_unread computes those that are read after all. */
static bool any_unread_leaf(const tg__sweep *s, const tg_node *nd, const unsigned *uses) {
    for (int i = 0; i < nd->n_in; i++)
        if (unread_leaf(s, nd, i, uses)) return true;
    return false;
}

/* After a graph form that ran with its products left unread: a node it recorded stays
 * as it is only if its output is the gradient of unread leaves alone and no other
 * node it recorded reads it (the second sweep reads a node's inputs, never an unread
 * product's value); every other node it recorded is computed again, in order, with the
 * products computed. A node whose product went unread is computed once that way. */
static tg_status settle_unread(tg_tape *t, const tg__sweep *s, const tg_node *mark, const tg_node *nd,
                               tg_tensor **dx, const unsigned *uses) {
    size_t count = 0;
    for (const tg_node *r = tg_tape_last(t); r && r != mark; r = r->prev) count++;
    if (!count) return tg_tape_status(t);
    tg_node **order = tg_tape_alloc(t, count * sizeof *order);
    bool *keep = tg_tape_alloc(t, count * sizeof *keep);
    if (!order || !keep) return tg_tape_status(t);
    size_t k = count;
    for (const tg_node *r = tg_tape_last(t); r && r != mark; r = r->prev)
        order[--k] = r->out->node; /* the node itself, as its output points to it */
    bool any = false;
    for (k = 0; k < count; k++) {
        bool unread = false, read = false;
        for (int i = 0; i < nd->n_in; i++)
            if (dx[i] == order[k]->out) {
                if (unread_leaf(s, nd, i, uses)) unread = true;
                else read = true;
            }
        for (size_t q = k + 1; !read && q < count; q++)
            for (int i = 0; i < order[q]->n_in; i++) read |= order[q]->in[i] == order[k]->out;
        keep[k] = read || !unread;
        any |= keep[k];
    }
    for (k = 0; any && k < count && tg_tape_status(t) == TG_OK; k++)
        if (keep[k] && order[k]->op->forward(t, order[k]) != TG_OK && tg_tape_status(t) == TG_OK)
            tg_tape_fail(t, TG_ERR_VALUE, "%s: forward failed", order[k]->op->name);
    return tg_tape_status(t);
}

/* Every node the sweep reaches that has a derivative has it in graph form too. */
static bool all_graph_forms(const tg__sweep *s) {
    for (const tg_node *nd = s->start; nd; nd = nd->prev)
        if (s->reach[nd->id] && nd->op->backward && !nd->op->backward_graph) return false;
    return true;
}

/* Every reached node's graph form: recorded (create-graph), or, with record false, run
 * as plain ops whose results are constants. The latter is tg_hvp's second sweep: each
 * gradient is the output of the op that computes it (a product stores into a fresh
 * tensor), where the kernels' sweep zeroes every gradient buffer and then adds into it
 * (the weights' gradients and the products' outputs, 0.8 MB each for a 784 x 256
 * matrix, written twice). unread: tg_hvp's first sweep (settle_unread). */
static tg_status grad_graph(tg__sweep *s, roots r, tg_tensor *const *xs, int n, bool unread,
                            bool record, tg_tensor **out) {
    tg_tape *t = s->t;
    tg_node *start = s->start;
    int max_in = 1;
    for (tg_node *nd = start; nd; nd = nd->prev) {
        if (!s->reach[nd->id] || !nd->op->backward) continue;
        if (!nd->op->backward_graph)
            return tg_tape_fail(t, TG_ERR_STATE,
                                "tg_grad: op '%s' (node %zu) has no recordable derivative; give it one to take gradients of its gradient",
                                nd->op->name ? nd->op->name : "(unnamed)", nd->id);
        if (nd->n_in > max_in) max_in = nd->n_in;
    }
    if (tg__sweep_check_versions(s) != TG_OK) return tg_tape_status(t);
    size_t nodes = start->id + 1;
    tg_tensor **gout = tg_tape_alloc(t, nodes * sizeof *gout);
    tg_tensor **gleaf = tg_tape_alloc(t, (s->n_leaves + 1) * sizeof *gleaf);
    tg_tensor **dx = tg_tape_alloc(t, (size_t)max_in * sizeof *dx);
    unsigned *uses = unread ? tg_tape_alloc(t, (s->n_leaves + 1) * sizeof *uses) : NULL;
    if (!gout || !gleaf || !dx || (unread && !uses)) return tg_tape_status(t);
    if (unread) {
        memset(uses, 0, (s->n_leaves + 1) * sizeof *uses);
        for (tg_node *nd = start; nd; nd = nd->prev)
            for (int i = 0; s->reach[nd->id] && nd->op->backward && i < nd->n_in; i++) {
                size_t k = tg__requires_grad(nd->in[i]) ? tg__sweep_leaf(s, nd->in[i]) : SIZE_MAX;
                if (k != SIZE_MAX) uses[k]++;
            }
    }
    memset(gout, 0, nodes * sizeof *gout);
    memset(gleaf, 0, (s->n_leaves + 1) * sizeof *gleaf);
    bool was_enabled = tg_tape_set_grad_enabled(t, record);
    for (int k = 0; k < r.n; k++) {
        tg_tensor *y = r.ys[k];
        if (!tg__requires_grad(y) || !y->node) continue;
        tg_tensor *seed = r.seeds && r.seeds[k] ? (tg_tensor *)r.seeds[k]
                                                : tg_name(tg_tape_full(t, y->rank, y->shape, 1), "seed");
        tg_tensor **slot = &gout[y->node->id];
        *slot = *slot ? tg_add(t, *slot, seed) : seed;
    }
    for (tg_node *nd = start; nd && tg_tape_status(t) == TG_OK; nd = nd->prev) {
        tg_tensor *g = gout[nd->id];
        if (!s->reach[nd->id] || !nd->op->backward || !g) continue;
        memset(dx, 0, (size_t)nd->n_in * sizeof *dx);
        const tg_node *mark = tg_tape_last(t);
        /* Node nd is about to run its local derivative (recorded); its saved
         * tensors' versions were checked before the loop. */
        bool skip = unread && any_unread_leaf(s, nd, uses);
        tg__sweep_set_unread(t, skip);
        tg_status st = nd->op->backward_graph(t, nd, g, dx);
        tg__sweep_set_unread(t, false);
        if (st != TG_OK || tg_tape_status(t) != TG_OK) break;
        if (skip && settle_unread(t, s, mark, nd, dx, uses) != TG_OK) break;
        name_recorded(t, mark, nd);
        for (int i = 0; i < nd->n_in; i++) {
            tg_tensor *x = nd->in[i];
            if (!dx[i] || !tg__requires_grad(x)) continue;
            if (dx[i]->size != x->size || !tg__same_shape(dx[i], x)) {
                char b1[128], b2[128];
                tg_tape_fail(t, TG_ERR_STATE,
                             "tg_grad: the graph form of op '%s' (node %zu) gave input %d a gradient of shape %s; expected %s",
                             nd->op->name, nd->id, i + 1, tg_shape_str(dx[i], b1, sizeof b1),
                             tg_shape_str(x, b2, sizeof b2));
                break;
            }
            tg_tensor **slot = slot_of(s, gout, gleaf, x);
            if (slot) *slot = *slot ? tg_add(t, *slot, dx[i]) : dx[i];
        }
    }
    for (int i = 0; i < n && tg_tape_status(t) == TG_OK; i++) {
        const tg_tensor *x = xs[i];
        tg_tensor **slot = tg__sweep_reaches(s, x) ? slot_of(s, gout, gleaf, x) : NULL;
        out[i] = slot && *slot ? *slot : tg_tape_full(t, x->rank, x->shape, 0);
        for (int k = 0; !record && r.seeds && k < r.n; k++) /* a result is the caller's own */
            if (out[i] == r.seeds[k]) out[i] = tg_tape_tensor(t, x->rank, x->shape, out[i]->data, 0);
    }
    tg_tape_set_grad_enabled(t, was_enabled);
    return tg_tape_status(t);
}

/* tg_grad; unread: tg_hvp's first sweep, whose results only root the second. */
static tg_status grad_run(tg_tape *t, tg_tensor *y, const tg_tensor *seed, tg_tensor *const *xs, int n,
                          unsigned flags, bool unread, tg_tensor **out) {
    tg_status st = check_args(WHO, t, xs, n, flags, out);
    if (st != TG_OK) return st;
    tg__sweep s;
    st = tg__sweep_begin(t, WHO, 1, y, seed, true, &s);
    if (st != TG_OK) return st;
    for (int i = 0; i < n; i++)
        if (!(flags & TG_GRAD_ALLOW_UNUSED) && !tg__sweep_reaches(&s, xs[i])) {
            tg__sweep_end(&s);
            return tg_tape_fail(t, TG_ERR_ARG,
                                "tg_grad: xs[%d] does not reach y (it does not require a gradient, or no recorded op leads from it to y); pass TG_GRAD_ALLOW_UNUSED for a zero gradient",
                                i);
        }
    roots r = {&y, &seed, 1};
    st = flags & TG_GRAD_CREATE_GRAPH ? grad_graph(&s, r, xs, n, unread, true, out) : grad_plain(&s, r, xs, n, out);
    tg__sweep_end(&s);
    if (st != TG_OK)
        for (int i = 0; i < n; i++) out[i] = NULL;
    return st;
}

tg_status tg_grad(tg_tape *t, tg_tensor *y, const tg_tensor *seed,
                  tg_tensor *const *xs, int n, unsigned flags, tg_tensor **out) {
    return grad_run(t, y, seed, xs, n, flags, false, out);
}

tg_status tg_hvp(tg_tape *t, tg_tensor *y, tg_tensor *const *xs, tg_tensor *const *vs,
                 int n, unsigned flags, tg_tensor **out) {
    tg_status st = check_args("tg_hvp", t, xs, n, flags, out);
    if (st != TG_OK) return st;
    if (!vs) return tg_tape_fail(t, TG_ERR_ARG, "tg_hvp: vs is NULL");
    for (int i = 0; i < n; i++) {
        char b1[128], b2[128];
        if (!vs[i]) return tg_tape_fail(t, TG_ERR_ARG, "tg_hvp: vs[%d] is NULL", i);
        if (!tg__tensor_live(t, vs[i]))
            return tg_tape_fail(t, TG_ERR_STATE,
                                "tg_hvp: vs[%d] belongs to another tape or to a step before the last tg_tape_reset", i);
        if (vs[i]->size != xs[i]->size || !tg__same_shape(vs[i], xs[i]))
            return tg_tape_fail(t, TG_ERR_SHAPE, "tg_hvp: vs[%d] has shape %s, xs[%d] has %s", i,
                                tg_shape_str(vs[i], b1, sizeof b1), i, tg_shape_str(xs[i], b2, sizeof b2));
    }
    tg_tensor **g = tg_tape_alloc(t, (size_t)n * sizeof *g);
    if (!g) return tg_tape_status(t);
    st = grad_run(t, y, NULL, xs, n, TG_GRAD_CREATE_GRAPH | (flags & TG_GRAD_ALLOW_UNUSED), true, g);
    if (st != TG_OK) return st;
    /* H v is the gradient of sum_j sum(g_j * v_j): a sweep from every g_j at once,
     * with dL/dg_j = v_j, with no product or sum recorded to get there; its graph
     * forms run unrecorded unless the caller asks for a graph (or one is missing). */
    tg__sweep s;
    st = tg__sweep_begin_roots(t, "tg_hvp", g, n, &s);
    if (st != TG_OK) return st;
    roots r = {g, (const tg_tensor *const *)vs, n};
    if (!s.start) /* y is linear in xs: H = 0 */
        for (int j = 0; j < n; j++) out[j] = tg_tape_full(t, xs[j]->rank, xs[j]->shape, 0);
    else
        st = flags & TG_GRAD_CREATE_GRAPH || all_graph_forms(&s)
                 ? grad_graph(&s, r, xs, n, false, (flags & TG_GRAD_CREATE_GRAPH) != 0, out)
                 : grad_plain(&s, r, xs, n, out);
    tg__sweep_end(&s);
    st = tg_tape_status(t);
    if (st != TG_OK)
        for (int i = 0; i < n; i++) out[i] = NULL;
    return st;
}
