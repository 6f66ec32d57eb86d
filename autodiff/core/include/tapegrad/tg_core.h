/* tg_core.h — tapegrad's basic types: the scalar, status codes, tensors, the RNG.
 *
 * A tg_tensor is a dense, contiguous, row-major array of tg_real of rank 0..TG_MAX_RANK.
 * Two kinds exist, with different owners:
 *
 *   - long-lived tensors (parameters, datasets, constants) made by tg_tensor_new /
 *     tg_param_new: the caller owns them and frees them with tg_tensor_free;
 *   - step tensors made by ops (or by tg_tape_tensor) inside a tape's arena: the tape
 *     owns them and they die at the next tg_tape_reset or tg_tape_free.
 *
 * Fields of tg_tensor are readable by anyone (llm.c style: `x->data[i]`).
 *
 * Versions (as PyTorch's): every tensor has a version counter that every library
 * write to its values bumps (tg_tensor_fill, _copy_from, _set, _uniform, _normal, the
 * tg_init_* schemes, optimizer steps, tg_checkpoint_load). A view (tg_reshape,
 * tg_slice, tg_detach, a custom view op) shares its base's counter, so a write
 * through either is seen by both. Each recorded node keeps the versions of its inputs
 * and output; tg_backward refuses, with TG_ERR_STATE, to run a node whose tensors
 * changed since (the gradient would silently use the new values). Writing
 * `x->data[i]` directly is not seen: call tg_tensor_mark_dirty(x) after such a
 * write if a recorded op still needs x's old values (writes after tg_backward, such
 * as a hand-written SGD update, need nothing).
 *
 * Errors: functions that make or change long-lived objects return NULL or a tg_status
 * and leave a message for the calling thread in tg_last_error() (like errno/dlerror);
 * ops on a tape additionally keep the first error on the tape (see tg_tape.h).
 */
#ifndef TG_CORE_H
#define TG_CORE_H

#include <stddef.h>
#include <stdint.h>
#include <tapegrad/tg_config.h>

#ifdef __cplusplus
extern "C" {
#endif

#if TG_REAL_IS_DOUBLE
typedef double tg_real;
#define TG_REAL_NAME "double"
#else
typedef float tg_real;
#define TG_REAL_NAME "float"
#endif

/* Ranks up to 8 cost nothing; everything in tapegrad needs at most 4. */
#define TG_MAX_RANK 8

/* Result codes. TG_OK is 0; every other value names a class of caller mistake. */
typedef enum tg_status {
    TG_OK = 0,
    TG_ERR_ARG,    /* a NULL or otherwise invalid argument */
    TG_ERR_SHAPE,  /* shapes do not fit the operation */
    TG_ERR_RANGE,  /* an index, axis or label is out of range */
    TG_ERR_VALUE,  /* a scalar argument has a value the op cannot take */
    TG_ERR_NOMEM,  /* an allocation failed */
    TG_ERR_STATE,  /* the object is in the wrong state (failed tape, stale tensor, ...) */
    TG_ERR_IO,     /* reading or writing a file failed */
    TG_ERR_FORMAT, /* a file's contents are malformed */
    TG_STATUS_COUNT
} tg_status;

/* Short upper-case name of a status, e.g. "TG_ERR_SHAPE". Never NULL. */
const char *tg_status_name(tg_status s);

/* The last error message recorded on the calling thread ("" if none), and its code.
 * The string is owned by the library and valid until the thread's next failing call. */
const char *tg_last_error(void);
tg_status tg_last_status(void);
void tg_clear_error(void);

/* Tensor flags. */
enum {
    TG_REQUIRES_GRAD = 1u << 0, /* gradients flow into this tensor */
    TG_PARAM = 1u << 1,         /* a long-lived parameter with its own grad buffer */
    TG_OWNED = 1u << 2          /* internal: storage malloc'd by tg_tensor_new */
};

typedef struct tg_tape tg_tape;
typedef struct tg_node tg_node;

typedef struct tg_tensor {
    tg_real *data;            /* size elements, row-major */
    tg_real *grad;            /* same size; NULL while no gradient flows here */
    size_t size;              /* product of shape (1 for rank 0) */
    int rank;                 /* 0..TG_MAX_RANK */
    int shape[TG_MAX_RANK];   /* shape[0..rank-1]; the rest are 1 */
    unsigned flags;           /* TG_REQUIRES_GRAD | TG_PARAM | ... */
    tg_node *node;            /* the recorded op that produced it, or NULL (leaf) */
    const char *label;        /* a layer's name for it, or NULL: see label_owner */
    tg_tape *tape;            /* tape whose arena holds it; NULL for long-lived */
    uint64_t epoch;           /* tape epoch at creation (detects use after reset) */
    char name[48];            /* parameters: "lstm.0.W_x"; "" otherwise */
    uint64_t version;         /* writes to the values so far (use tg_tensor_version) */
    struct tg_tensor *base;   /* a view: the tensor whose storage (and version counter)
                                 it shares; NULL otherwise */
    /* label: a name that costs nothing unless displayed: a layer stores static text, the
     * parameter it belongs to and the time step (three stores, no formatting), and
     * the printouts of tg_show.h build "<prefix>.t<label_step>.<label>" from them, or
     * "<prefix>.<label>" when label_step < 0, where prefix is label_owner's name up to
     * its last '.' ("lstm.0.W_x" gives "lstm.0": the forget gate at t = 3 is
     * "lstm.0.t3.f"). NULL label: none; label_owner and label_step are read only
     * when label is set, and label_owner must outlive the printout. name wins.
     * (label sits next to node so that a step tensor's header clears both with one
     * store.) */
    const struct tg_tensor *label_owner;
    int label_step;
} tg_tensor;

/* ---- long-lived tensors (caller owns; free with tg_tensor_free) ---- */

/* A zero-filled tensor of the given shape. flags may hold TG_REQUIRES_GRAD, which
 * also allocates a zeroed gradient buffer. Returns NULL (see tg_last_error) on a bad
 * shape (NULL, rank outside 0..TG_MAX_RANK, a dimension < 1, element count overflow)
 * or out of memory. */
tg_tensor *tg_tensor_new(int rank, const int *shape, unsigned flags);
/* As tg_tensor_new, then copies size elements from data (data may be NULL: zeros). */
tg_tensor *tg_tensor_from(int rank, const int *shape, const tg_real *data, unsigned flags);
/* A named parameter: zero values, zero gradient, TG_PARAM | TG_REQUIRES_GRAD.
 * name is copied (at most 47 bytes kept); NULL means "". */
tg_tensor *tg_param_new(const char *name, int rank, const int *shape);
/* Frees a long-lived tensor and its buffers. NULL is fine; step tensors are ignored
 * (their tape owns them). */
void tg_tensor_free(tg_tensor *x);

/* Gives x a name for printouts (copied, at most 47 bytes kept) and returns x, so it can wrap
 * an expression: tg_tensor *z = tg_name(tg_add(t, a, b), "z"). NULL x returns NULL
 * (a failed op passes through). Meant for step tensors; on a parameter it renames the
 * parameter (whose name checkpoints and tg_params_find use). */
tg_tensor *tg_name(tg_tensor *x, const char *name);

/* The first tensor named `name` on t's current step, looking at node outputs and
 * their inputs in recording order (parameters by their own name). NULL if none. The
 * result is not the caller's to free: a step tensor dies with the step, a parameter
 * belongs to whoever made it. */
/* ---- filling and reading (any tensor) ---- */
void tg_tensor_fill(tg_tensor *x, tg_real v);        /* zeros: v = 0, ones: v = 1 */
tg_status tg_tensor_copy_from(tg_tensor *x, const tg_real *data, size_t n); /* n == size */
void tg_tensor_zero_grad(tg_tensor *x);              /* grad := 0 if present */
/* Records that x's values were written directly (x->data[i] = ...): bumps the version
 * counter x shares with its base and views, so that tg_backward refuses a node that
 * saved x before the write. NULL is ignored. */
void tg_tensor_mark_dirty(tg_tensor *x);
/* x's version: the number of library writes (and tg_tensor_mark_dirty calls) to the
 * storage x shares with its base. 0 for NULL. */
uint64_t tg_tensor_version(const tg_tensor *x);
/* Element at a multi-index idx[0..rank-1]; out-of-range indices give NAN and set
 * tg_last_error. */
tg_real tg_tensor_get(const tg_tensor *x, const int *idx);
tg_status tg_tensor_set(tg_tensor *x, const int *idx, tg_real v);
/* The single value of a size-1 tensor (NAN otherwise). */
tg_real tg_item(const tg_tensor *x);
/* Gradient element i in row-major order (0 if no gradient buffer; 0 and an error for a
 * NULL x or an i outside 0..size-1). */
tg_real tg_grad_at(const tg_tensor *x, size_t i);
/* Writes "(3,4)" into buf (always NUL-terminated); returns buf. */
char *tg_shape_str(const tg_tensor *x, char *buf, size_t n);

/* ---- random numbers: explicit state, the same numbers on every machine ----
 * xoshiro256** seeded through splitmix64. Uniform numbers are exact functions of the
 * 64-bit stream; normals use Box-Muller with libm log/cos/sin in double. */
typedef struct tg_rng { uint64_t s[4]; int has_spare; double spare; } tg_rng;
void tg_rng_seed(tg_rng *r, uint64_t seed);
uint64_t tg_rng_u64(tg_rng *r);
double tg_rng_uniform(tg_rng *r);                 /* [0, 1) with 53 random bits */
double tg_rng_normal(tg_rng *r);                  /* mean 0, std 1 */
/* (A NULL r gives 0 or NAN and TG_ERR_ARG; the fills below then change nothing.) */
void tg_tensor_uniform(tg_tensor *x, tg_rng *r, tg_real lo, tg_real hi);
void tg_tensor_normal(tg_tensor *x, tg_rng *r, tg_real mean, tg_real std);

/* ---- allocation accounting ----
 * Every allocation the library makes goes through one internal function; these
 * counters let tests prove that a steady training loop makes none. */
size_t tg_alloc_count(void);   /* successful allocations since the process started */
size_t tg_alloc_live(void);    /* allocations not yet freed */

#ifdef __cplusplus
}
#endif
#endif
