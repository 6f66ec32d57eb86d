/* tg/store.h — store-first gradients: the protocol between the backward sweep and the
 * ops' backward kernels that lets a sweep skip zeroing gradient buffers.
 *
 * The sweeps (tape/backward.c, tape/sweep.c) hand out a node output's gradient buffer
 * without zeroing it, and set TG__GRAD_UNSET in the tensor's flags: "not written yet
 * in this sweep". Leaves (parameters, step inputs) never carry the bit: their
 * gradients always accumulate. Before node n's backward kernel runs, the sweep
 *   - zeroes n->out's gradient if it is still unset (no consumer wrote it: it is
 *     final now, every consumer of n->out came later on the tape);
 *   - zeroes every unset gradient of n's inputs, unless n's op has TG__OPF_STORE and
 *     the sweep is not watched (trace, anomaly detection) nor forced to zero
 *     (tg__tape_set_store_mode). Custom ops and kernels not converted therefore add
 *     onto zeros exactly as before.
 * A kernel of an op flagged TG__OPF_STORE honours the bit, input by input:
 *
 *     tg_tensor *x = n->in[i];
 *     if (x->grad) {
 *         if (tg__grad_first(x))  // reads and clears the bit
 *             for (j ...) x->grad[j] = TG__Z + v[j];   // store
 *         else
 *             for (j ...) x->grad[j] += v[j];          // accumulate
 *     }
 *
 *   - TG__Z + v (TG__Z - v for a kernel that subtracts) is what adding onto a zeroed
 *     buffer computes, to the bit (0 + -0.0 is +0.0; 0 + v is v otherwise), so both
 *     paths give the same gradients; tests/ops/test_optable.c compares them for every
 *     op. (The compiler may not drop the 0 +: it changes the sign of a zero.)
 *   - Once a kernel has called tg__grad_first on x it writes EVERY element of
 *     x->grad. A kernel that writes only some (a slice, scattered rows, the arg-max)
 *     calls tg__grad_zero_unset(x) first and adds. A kernel that writes nothing into
 *     x (a zero derivative) leaves the bit alone.
 *   - The same tensor as two inputs (mul(x, x)): the kernel calls tg__grad_first for
 *     each input just before writing it, after the writes of the input before: the
 *     second call sees the bit cleared and adds.
 *   - A gradient summed over broadcast elements stores on each element's first
 *     visit only (binary.c's run_plan), or sums in a register and stores once.
 *   - Threads: call tg__grad_first in the calling thread, before the work is split,
 *     and give the workers its answer.
 */
#ifndef TG_INTERNAL_STORE_H
#define TG_INTERNAL_STORE_H

#include <stdbool.h>
#include <string.h>
#include <tg/core.h>
#include <tapegrad/tg_tape.h>

/* Tensor flag (bits 16 and up of tg_tensor.flags are the library's own): the
 * tensor's gradient buffer has not been written in the running sweep. */
enum { TG__GRAD_UNSET = 1u << 16 };
/* Op flag (bits 16 and up of tg_op.flags are the library's own): the op's backward
 * kernel honours TG__GRAD_UNSET (the registry's ST). */
enum { TG__OPF_STORE = 1u << 16 };

/* The zero a store adds to: (tg_real)0 + v has the bits of v added onto a zeroed
 * buffer. */
#define TG__Z ((tg_real)0)

/* True when x's gradient buffer is unset (the kernel must store into every element);
 * clears the bit either way. */
static inline bool tg__grad_first(tg_tensor *x) {
    unsigned f = x->flags;
    x->flags = f & ~(unsigned)TG__GRAD_UNSET;
    return (f & TG__GRAD_UNSET) != 0;
}

/* For a kernel that writes only some elements of x's gradient: zeroes it if unset
 * (and clears the bit); the kernel then adds. */
static inline void tg__grad_zero_unset(tg_tensor *x) {
    if (tg__grad_first(x)) memset(x->grad, 0, x->size * sizeof *x->grad);
}

/* d[0..n) = TG__Z + v, or d[0..n) += v, where v is an expression of the index i
 * (declared by the macro): the two loops of the protocol for a whole buffer. */
#define TG__GRAD_PUT(first, d, n, i, v)                                      \
    do {                                                                     \
        tg_real *restrict d_ = (d);                                          \
        size_t n_ = (n);                                                     \
        if (first)                                                           \
            for (size_t i = 0; i < n_; i++) d_[i] = TG__Z + (v);             \
        else                                                                 \
            for (size_t i = 0; i < n_; i++) d_[i] += (v);                    \
    } while (0)
/* The same for a kernel that subtracts: d = TG__Z - v, or d -= v. */
#define TG__GRAD_SUB(first, d, n, i, v)                                      \
    do {                                                                     \
        tg_real *restrict d_ = (d);                                          \
        size_t n_ = (n);                                                     \
        if (first)                                                           \
            for (size_t i = 0; i < n_; i++) d_[i] = TG__Z - (v);             \
        else                                                                 \
            for (size_t i = 0; i < n_; i++) d_[i] -= (v);                    \
    } while (0)

/* What the sweeps do with the bit (tests: the same gradients whichever runs). */
enum {
    TG__STORE_ON = 0,     /* the protocol above (the default) */
    TG__STORE_ZERO = 1,   /* every unset buffer is zeroed before any kernel sees it */
    TG__STORE_POISON = 2  /* as ON, and every buffer is filled with NaN when handed out
                             unset, so that a kernel reading one before writing it, or
                             leaving an element unwritten, shows */
};
void tg__tape_set_store_mode(tg_tape *t, int mode);

#endif
