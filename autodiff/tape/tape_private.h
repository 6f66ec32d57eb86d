/* tape_private.h — the tape's representation, shared by the files of tape/ only.
 *
 * A tape is an arena (a list of chunks kept across resets), the list of recorded
 * nodes, and the sticky error. arena.c allocates, tape.c records, backward.c sweeps,
 * watch.c checks values and reports what the sweep did, version.c checks that what
 * a node saved is unchanged. */
#ifndef TG_TAPE_PRIVATE_H
#define TG_TAPE_PRIVATE_H

#include <stdbool.h>
#include <tg/core.h>
#include <tg/tape.h>
#include <tg/store.h>

typedef struct chunk {
    struct chunk *next;
    size_t cap, used;
    unsigned char *base; /* 64-byte aligned start of usable memory */
} chunk;

struct tg_tape {
    chunk *first, *cur;
    size_t total_cap;
    tg_node *last;
    size_t n_nodes;
    uint64_t epoch;
    bool grad_enabled;
    bool anomaly;
    const char *who;      /* the op (or function) allocating now, for OOM messages */
    tg_trace_fn trace;
    void *trace_user;
    bool in_sweep;        /* a sweep is running (a trace callback must not start one) */
    bool unread;          /* products recorded now are never read (tg__sweep_unread) */
    unsigned char store_mode; /* TG__STORE_* (tg/store.h) */
    size_t step_leaves;   /* step tensors made with TG_REQUIRES_GRAD since the reset */
    /* For the sweep's fast path (backward.c), since the reset: the version writes
     * count (tg__version_writes) when the first node was recorded; the bytes of a
     * gradient buffer for every recorded output and step leaf (64-byte multiples,
     * saturating at SIZE_MAX); whether a sweep has given outputs gradient buffers. */
    unsigned long long writes_at_first;
    size_t grad_bytes;
    bool swept;
    /* The sweep's working memory (sweep.c), malloc'd and kept across steps and resets
     * (a trace callback may reset the tape mid-sweep; this memory survives it):
     * reachability per node, the leaf hash, the leaves, their saved grad pointers and
     * the saved values of their gradients. */
    struct { void *p; size_t cap; } sw[5];
    tg_status status;
    char msg[512];
};

#define ROUND64(b) (((b) + 63) & ~(size_t)63)

/* The common case of tg_tape_alloc, inlined into the hot paths: room in the current
 * chunk. bytes must already be a multiple of 64. */
static inline void *tg__arena_bump(tg_tape *t, size_t bytes) {
    chunk *c = t->cur;
    if (c && c->cap - c->used >= bytes) {
        void *p = c->base + c->used;
        c->used += bytes;
        return p;
    }
    return tg_tape_alloc(t, bytes);
}

/* watch.c: anomaly detection on a forward output (fails t and returns its status on
 * the first non-finite value), and one node's backward run with the trace hook and
 * the anomaly checks around it. */
tg_status tg__watch_forward(tg_tape *t, const tg_op *op, tg_tensor *const *in, int n_in,
                            const tg_tensor *out);
tg_status tg__watched_backward(tg_tape *t, tg_node *n);

/* version.c: fails t with TG_ERR_STATE for tensor k of n (input k, or the output for
 * k = n->n_in), naming it, the node, its op and both versions (the caller, t->who,
 * opens the message); returns the status. */
tg_status tg__saved_version_error(tg_tape *t, const tg_node *n, int k);

/* TG_OK if every input and the output of n still has the version recorded with n;
 * otherwise tg__saved_version_error. Called by a sweep just before n's local
 * derivative runs; inline, as the sweep runs it for every node. */
static inline tg_status tg__check_saved_versions(tg_tape *t, tg_node *n) {
    const uint64_t *saved = n->saved_version;
    if (!saved) return TG_OK; /* a node not recorded by tg_apply keeps no versions */
    for (int i = 0; i < n->n_in; i++)
        if (tg__version_owner(n->in[i])->version != saved[i]) return tg__saved_version_error(t, n, i);
    if (tg__version_owner(n->out)->version != saved[n->n_in])
        return tg__saved_version_error(t, n, n->n_in);
    return TG_OK;
}
/* ---- store-first gradients (tg/store.h): the sweeps' side ---- */

/* x's gradient buffer (x->grad, just allocated, or kept from an earlier sweep) is
 * this sweep's and unwritten. */
void tg__grad_poison(tg_tensor *x);
static inline void tg__grad_mark_unset(const tg_tape *t, tg_tensor *x) {
    x->flags |= TG__GRAD_UNSET;
    if (t->store_mode == TG__STORE_POISON) tg__grad_poison(x);
}
/* Zeroes x's gradient if it is unset (and clears the bit). */
static inline void tg__grad_settle(tg_tensor *x) {
    if (x->flags & TG__GRAD_UNSET) {
        x->flags &= ~(unsigned)TG__GRAD_UNSET;
        memset(x->grad, 0, x->size * sizeof(tg_real));
    }
}
/* Just before node n's kernel runs (its inputs have their buffers): unless the kernel
 * stores (an ST op, an unwatched sweep, the store mode on), every unset input
 * gradient is zeroed, so that the kernel adds onto zeros. */
static inline void tg__grad_prepare_inputs(const tg_tape *t, tg_node *n) {
    if ((n->op->flags & TG__OPF_STORE) && !t->trace && !t->anomaly && t->store_mode != TG__STORE_ZERO)
        return;
    for (int i = 0; i < n->n_in; i++)
        if (n->in[i]->grad) tg__grad_settle(n->in[i]);
}
/* Seeds x's gradient with seed (NULL: ones): stores when it is unset, else adds. */
void tg__grad_seed(tg_tensor *x, const tg_tensor *seed);

/* sweep.c: frees the sweep's working memory (tg_tape_free). */
void tg__sweep_free(tg_tape *t);
/* Working room for n saved gradient values (kept with the tape; it may move when it
 * grows); NULL on OOM. */
tg_real *tg__sweep_value_store(tg__sweep *s, size_t n);

#endif
