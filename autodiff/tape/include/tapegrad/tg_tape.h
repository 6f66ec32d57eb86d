/* tg_tape.h — the tape: an arena that owns one step, the record of every op, and
 * the one backward sweep.
 *
 * Every op that has an input requiring a gradient appends a node to the tape as it
 * runs. Because nodes are appended in the order they were computed, the tape is
 * already topologically sorted: tg_backward is one reverse loop over it (no sort, no
 * recursion, so sequences of any length cannot overflow the stack). For each node it
 * calls that node's op's local derivative rule, which accumulates into the gradients
 * of the node's inputs. Nothing else in tapegrad computes a derivative.
 *
 * Memory: nodes, step tensors, their values, saved forward data and gradients are all
 * bump-allocated in the tape's arena. tg_tape_reset frees the whole step in O(1) and
 * keeps the arena's chunks, so a steady training loop allocates nothing after its
 * first step.
 *
 * Errors are sticky, like ferror(): the first failing op records its status and
 * message on the tape and returns NULL; every later op on that tape (or given a NULL
 * input) returns NULL at once. Check once, at the end: tg_tape_status / _message.
 * A failed tape leaves every long-lived tensor (parameters) untouched; tg_backward
 * refuses to run on it. tg_tape_reset clears the error.
 */
#ifndef TG_TAPE_H
#define TG_TAPE_H

#include <stdbool.h>
#include <tapegrad/tg_core.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Makes an empty tape. Owned by the caller; free with tg_tape_free. NULL on OOM. */
tg_tape *tg_tape_new(void);
/* Frees the tape, its arena and every step tensor on it. NULL is fine. */
void tg_tape_free(tg_tape *t);
/* Forgets every node and step tensor (pointers to them die), clears the error and
 * keeps the arena's memory for the next step. Parameters keep their gradients. */
void tg_tape_reset(tg_tape *t);

tg_status tg_tape_status(const tg_tape *t);     /* TG_OK or the first error */
const char *tg_tape_message(const tg_tape *t);  /* "" or "<op>: <problem>: <details>" */
/* Records an error on the tape (first one wins) and on the thread; returns s.
 * For custom ops' shape checks. printf-style. */
tg_status tg_tape_fail(tg_tape *t, tg_status s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Gradient recording. Disabled: ops compute values but record nothing (inference,
 * finite differences). Returns the previous setting. */
bool tg_tape_set_grad_enabled(tg_tape *t, bool enabled);
bool tg_tape_grad_enabled(const tg_tape *t);

size_t tg_tape_node_count(const tg_tape *t);   /* nodes recorded since reset */
size_t tg_tape_arena_bytes(const tg_tape *t);  /* bytes the arena holds (all chunks) */
size_t tg_tape_arena_used(const tg_tape *t);   /* bytes used by this step */

/* Step tensors (owned by the tape, die at reset). data may be NULL (zeros); else
 * size elements are copied. flags may hold TG_REQUIRES_GRAD to get a gradient for
 * an input. */
tg_tensor *tg_tape_tensor(tg_tape *t, int rank, const int *shape, const tg_real *data,
                          unsigned flags);
/* A step tensor whose every element is v. */
tg_tensor *tg_tape_full(tg_tape *t, int rank, const int *shape, tg_real v);
/* Raw arena memory (aligned to 64 bytes), dies at reset; NULL + tape error on OOM. */
void *tg_tape_alloc(tg_tape *t, size_t bytes);

/* A step tensor sharing x's values with no gradient link: gradients stop here.
 * Used for truncated BPTT and for targets computed from the model's own output. */
tg_tensor *tg_detach(tg_tape *t, tg_tensor *x);

/* The backward sweep. y must be on t and require a gradient. With seed == NULL, y
 * must hold one element and its gradient is seeded with 1; otherwise seed has y's
 * shape, is live on t (long-lived, or a step tensor of t's current step) and is the
 * upstream gradient dL/dy. Gradients of intermediate tensors of this sweep are
 * recomputed from zero; gradients of parameters (and other leaves) ACCUMULATE across
 * calls until tg_tensor_zero_grad, as in PyTorch.
 * Before any node's local derivative runs, the versions of the inputs and output of
 * every node the sweep reaches are compared with those recorded with the node: a
 * tensor written since (see tg_core.h, Versions) fails the sweep with TG_ERR_STATE, e.g.
 *   "tg_backward: 'state.h' was modified after node 12 (tg_matmul) saved it (version 3, saved at 2)"
 * Atomic: a sweep that fails (a modified saved tensor, anomaly detection, out of
 * memory, a trace callback that resets the tape: TG_ERR_STATE) leaves every leaf's
 * ->grad exactly as it was before the call. Calling it from inside a sweep (a trace
 * callback) is TG_ERR_STATE.
 * Returns TG_OK or the error (also recorded on the tape).
 * For gradients as tensors (not accumulated into leaves), and gradients of
 * gradients, see tg_grad in tg_grad.h. */
tg_status tg_backward(tg_tape *t, tg_tensor *y, const tg_tensor *seed);

/* ---- defining ops (built-in and custom) ---------------------------------------
 *
 * A primitive is a tg_op: three functions and a name. tg_apply runs the shape check,
 * allocates the output in the arena, runs the forward kernel and records the node.
 * The backward kernel reads node->out->grad (dL/dy) and ACCUMULATES (+=) dL/dx into
 * node->in[i]->grad for every input whose grad is not NULL. A custom op written by a
 * user is used exactly like a built-in one (see examples/custom_op.c).
 */
#define TG_OP_MAX_ARGS 4

typedef struct tg_op_args {
    double f[TG_OP_MAX_ARGS];   /* scalar arguments (exponent, slope, bounds ...) */
    long i[TG_OP_MAX_ARGS];     /* integer arguments (axis, start, length ...) */
    const void *p;              /* pointer argument (indices, user data); not owned */
} tg_op_args;

struct tg_node {
    const struct tg_op *op;
    tg_tensor *out;             /* the tensor this node produced */
    tg_tensor **in;             /* n_in inputs (arena array) */
    int n_in;
    tg_op_args args;
    void *saved;                /* whatever forward kept for backward (arena) */
    tg_node *prev;              /* previous node on the tape */
    size_t id;                  /* 0, 1, 2 ... in recording order */
    const uint64_t *saved_version; /* versions of in[0..n_in-1], then of out, when the
                                      node was recorded (tg_tensor_version); tg_backward
                                      refuses the node if one has changed since */
};

enum {
    TG_OPF_VIEW = 1u << 0,        /* forward sets out->data itself (may share an input's storage) */
    TG_OPF_ELEMENTWISE = 1u << 1, /* out[i] depends only on element i of each input (after
                                     broadcasting): the backward trace then shows each
                                     contribution as upstream * local derivative */
    TG_OPF_FILLS = 1u << 2        /* the op writes a caller's value where its LAST input (a
                                     mask, broadcast to the output) is nonzero: anomaly
                                     detection accepts non-finite values there (a -inf
                                     attention mask) and checks every other element */
};

typedef struct tg_op {
    const char *name;  /* public builder name, e.g. "tg_tanh"; used in messages */
    int n_in;          /* number of inputs, or -1 for any number >= 1 */
    unsigned flags;    /* TG_OPF_* */
    /* Validates inputs and args and sets the output shape. On a mistake it calls
     * tg_tape_fail with "<name>: <problem>: <details>" and returns its status. */
    tg_status (*infer)(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]);
    /* Computes n->out->data from n->in; may keep data in n->saved (tg_tape_alloc). */
    tg_status (*forward)(tg_tape *t, tg_node *n);
    /* Accumulates input gradients from n->out->grad. NULL: the op is not
     * differentiable and nothing flows back (documented per op). */
    void (*backward)(tg_node *n);
    /* The same local derivative in graph form, for tg_grad with TG_GRAD_CREATE_GRAPH
     * (gradients of gradients; see tg_grad.h): given g = dL/dout as a tensor on t,
     * records dL/d(in[i]) with tapegrad ops and stores it in dx[i] (a tensor of
     * in[i]'s shape, or NULL for "adds nothing"), for every input that requires a
     * gradient; dx[i] of other inputs may be left NULL. It must compute exactly what
     * backward adds. Returns TG_OK or the tape's error. NULL: the op has no
     * recordable derivative, and a create-graph sweep through it fails with
     * TG_ERR_STATE naming it (first-order tg_backward and tg_grad still work). */
    tg_status (*backward_graph)(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx);
} tg_op;

/* Applies op to in[0..n_in-1] with args (may be NULL: all zero). Returns the output
 * step tensor, or NULL with the error on the tape. */
tg_tensor *tg_apply(tg_tape *t, const tg_op *op, tg_tensor *const *in, int n_in,
                    const tg_op_args *args);

/* ---- watching the sweep (teaching, debugging) ----
 *
 * Anomaly detection (off by default): after every op's forward, its output is
 * scanned for NaN and infinities; during tg_backward, after every node's local
 * derivative, the gradients it produced are scanned. The first non-finite value fails
 * the tape with TG_ERR_VALUE and a message naming the op, the node id, the element
 * and the values of the op's inputs, e.g.
 *   "tg_log: anomaly in forward at node 2: output[0] = -inf; input 1 (3) = [0, 1, 2]"
 * Costs one pass over each output and gradient; meant for finding the bug. */
void tg_tape_set_anomaly_detection(tg_tape *t, bool on);

/* Backward trace (off when fn is NULL): during tg_backward, after node n's local
 * derivative ran, fn is called once for each input i that received a gradient, with
 * contrib = exactly what this node added to in[i]->grad (the value after minus the
 * value before, per element; in[i]->size elements, valid during the call only).
 * Upstream dL/dout is n->out->grad. If a node has the same tensor as two inputs
 * (x * x), the call for the first of them carries the sum and later ones are
 * skipped. Tracing costs a copy of each input gradient per node. */
typedef void (*tg_trace_fn)(const tg_node *n, int input, const tg_real *contrib, void *user);
void tg_tape_set_trace(tg_tape *t, tg_trace_fn fn, void *user);

/* The first tensor named `name` on t's current step, looking at node outputs and
 * their inputs in recording order (parameters by their own name). NULL if none. The
 * result is not the caller's to free: a step tensor dies with the step, a parameter
 * belongs to whoever made it. */
tg_tensor *tg_find(const tg_tape *t, const char *name);

/* The most recent node (NULL if none); follow node->prev to walk the tape in reverse
 * recording order. For printing and teaching; read-only. */
const tg_node *tg_tape_last(const tg_tape *t);

#ifdef __cplusplus
}
#endif
#endif
