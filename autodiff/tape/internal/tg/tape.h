/* tg/tape.h — what the rooms above the tape (ops, inspect, layers) use of it besides
 * the public tg_tape.h. In-tree only, not installed. */
#ifndef TG_INTERNAL_TAPE_H
#define TG_INTERNAL_TAPE_H

#include <stdbool.h>
#include <tapegrad/tg_tape.h>

/* A tensor is "live" on t if it is long-lived or belongs to t's current step. */
bool tg__tensor_live(const tg_tape *t, const tg_tensor *x);

/* ---- the plan of one sweep, shared by tg_backward (tape/) and tg_grad (ops/) ----
 *
 * tg__sweep_begin checks y and the seed as every sweep does, then walks the tape
 * once from y back: which nodes lie on a path to y (reach), and the distinct leaves
 * (tensors that require a gradient and were not produced by a node) on such paths.
 * Its memory is the tape's own working memory (malloc'd once, kept across steps), so
 * a steady loop allocates nothing, and it survives a tg_tape_reset from a callback.
 * While a sweep runs, another cannot start on the same tape (TG_ERR_STATE). */
typedef struct tg__sweep {
    tg_tape *t;
    const char *who;         /* "tg_backward", "tg_grad": the messages' prefix */
    tg_node *start;          /* y->node */
    uint64_t epoch;          /* the tape's epoch when the sweep began */
    unsigned char *reach;    /* reach[k] != 0: node k (k <= start->id) is on a path to y */
    tg_tensor **leaves;      /* n_leaves distinct leaves on a path to y, first seen first */
    tg_real **saved_grad;    /* [n_leaves]: their ->grad pointers before the sweep */
    size_t n_leaves;
    size_t hash_mask;        /* the leaf hash's size - 1 (a power of two - 1) */
    tg_tensor *const *roots; /* tg__sweep_seeded's roots (their gradients may borrow */
    int n_roots;             /* the seeds' values until tg__sweep_restore_leaves) */
} tg__sweep;

/* Checks t (not failed, no sweep running), y (non-NULL, live, requiring a gradient;
 * "argument y_arg (y)" in messages) and seed (NULL only for a one-element y; else
 * live and of y's shape), then, with plan, walks the tape for reach and the leaves
 * (without: the sweep marks reach as it goes, and starts with no leaves). On error,
 * records it on t and returns it. */
tg_status tg__sweep_begin(tg_tape *t, const char *who, int y_arg, tg_tensor *y,
                          const tg_tensor *seed, bool plan, tg__sweep *s);
/* While set (only ever around one graph form of tg_hvp's first sweep, which knows
 * the values will not be read): a product op may record its node and leave its
 * values zero instead of computing them (tg_matmul_t does). */
void tg__sweep_set_unread(tg_tape *t, bool unread);
bool tg__sweep_unread(const tg_tape *t);
/* A sweep from several roots at once (tg_hvp seeds each gradient g_j with v_j):
 * checks only that t has not failed and runs no sweep; s->start is the latest node
 * among the roots that require a gradient (NULL if none does), and the plan marks
 * reach and the leaves as tg__sweep_begin with plan. */
tg_status tg__sweep_begin_roots(tg_tape *t, const char *who, tg_tensor *const *roots, int n,
                                tg__sweep *s);
/* Adds leaf x to s->leaves (with its ->grad pointer) unless there: 1 added, 0 already
 * there, -1 out of memory (nothing changed). */
int tg__sweep_leaf_add(tg__sweep *s, tg_tensor *x);
/* Ends the sweep (another may start). */
void tg__sweep_end(tg__sweep *s);
/* x is on a path to y: a reached node's output or a reached leaf. */
bool tg__sweep_reaches(const tg__sweep *s, const tg_tensor *x);
/* Index of leaf x in s->leaves, or (size_t)-1. */
size_t tg__sweep_leaf(const tg__sweep *s, const tg_tensor *x);
/* True (and the tape failed with TG_ERR_STATE) when the tape was reset since the
 * sweep began: step tensors and nodes of the sweep are gone. */
bool tg__sweep_was_reset(tg__sweep *s);
/* Gives every leaf a fresh zeroed gradient buffer in the arena (the old pointers
 * stay in saved_grad) so that a sweep leaves the caller's gradients alone. A leaf
 * that is xs[i] (the first such i) gets a new zeroed step tensor out[i] and sums into
 * its values directly; out[i] of other xs are left as they were. */
tg_status tg__sweep_swap_leaves(tg__sweep *s, tg_tensor *const *xs, int n, tg_tensor **out);
/* Puts the saved ->grad pointers back (after a reset, only long-lived leaves'), and
 * takes back from the roots of tg__sweep_seeded the seeds they borrowed. */
void tg__sweep_restore_leaves(tg__sweep *s);
/* The first-order sweep with the ops' kernels: intermediate gradients from zero,
 * dL/dy = seed (or 1), then each reached node's backward, into the ->grad buffers
 * (allocated in the arena where missing); it marks reach as it goes. With save, the
 * first time a leaf is about to receive a gradient its ->grad values are saved
 * (tg_backward's atomicity: tape/backward.c puts them back on failure). */
tg_status tg__sweep_kernels(tg__sweep *s, const tg_tensor *seed, bool save);
/* The first-order sweep of tg_grad with the ops' kernels, from several roots: the
 * gradient of roots[r] starts as seeds[r] (all ones when seeds or seeds[r] is NULL;
 * roots that are the same tensor add their seeds), and each node a gradient reaches
 * runs its backward, into buffers zeroed (or allocated) when first reached; only
 * the nodes reached are touched. Leaves need buffers first (tg__sweep_swap_leaves).
 * Checks versions first (tg__sweep_check_versions); trace and anomaly as tg_backward. */
tg_status tg__sweep_seeded(tg__sweep *s, tg_tensor *const *roots, const tg_tensor *const *seeds, int n);
/* After tg__sweep_seeded: x's gradient, NULL when none reached it (zero). */
const tg_real *tg__sweep_grad(const tg__sweep *s, const tg_tensor *x);
/* Marks reach through every reached node with a backward (as the sweeps do) and
 * checks that each such node's inputs and output still have the versions recorded
 * with it; the first that does not fails the tape with TG_ERR_STATE (naming t->who,
 * the tensor, the node and both versions). Run before any gradient changes. */
tg_status tg__sweep_check_versions(tg__sweep *s);

#endif
