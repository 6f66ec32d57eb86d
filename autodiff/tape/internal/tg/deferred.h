/* tg/deferred.h — products a backward kernel hands to the end of tg_backward's sweep
 * (in-tree only, not installed).
 *
 * The gradient of a weight used at T time steps is a sum of T products, one per
 * step, each of K = batch rows (matmul: dW += A_t^T G_t). Run as one product with
 * K = T * batch at the end of the sweep, the weight's gradient is read and written
 * once instead of T times, and the tiles of the sum stay in registers across the
 * steps. So a backward kernel may, instead of computing such a contribution, hand an
 * entry to the sweep (tg__defer); the sweep runs every entry before it returns
 * (tg__defer_end), entries with the same key together in one call of their run
 * function, in the order they were handed over.
 *
 * Only tg_backward collects entries, and only without a trace or anomaly detection
 * (those report what each node adds, when it adds it): then tg__defer returns false
 * and the kernel computes its contribution at once, as it always may. Nothing in
 * here allocates: an entry is memory its node reserved when it was recorded, so the
 * sweep cannot fail once its kernels have started (tg_backward's atomicity). The
 * inputs an entry reads (a node's values, an output's gradient) are not written again
 * by the sweep. State is per thread: a sweep runs its kernels on the thread that
 * called it. */
#ifndef TG_DEFERRED_H
#define TG_DEFERRED_H

#include <stdbool.h>
#include <tapegrad/tg_tape.h>

typedef struct tg__deferred {
    const void *key;                             /* entries with the same key and run */
    void (*run)(struct tg__deferred *first);     /* are run together: first, then ->same */
    struct tg__deferred *next, *same;            /* set by tg__defer and tg__defer_end */
    bool done;
} tg__deferred;

/* tg_backward, before its kernels: true if this sweep on t collects entries (no
 * trace, no anomaly detection, no other sweep collecting on this thread); it must
 * then call tg__defer_end. */
bool tg__defer_begin(tg_tape *t);
/* A backward kernel of a node of t: hands e (key and run set) to the collecting
 * sweep, or returns false when t's sweep does not collect (compute it now). */
bool tg__defer(const tg_tape *t, tg__deferred *e);
/* After the kernels: with run, runs every entry handed over (grouped by key and run,
 * groups in the order of their first entry); without (a failed sweep), or after a
 * tg_tape_reset since tg__defer_begin (their memory is gone), drops them.
 * The thread collects nothing until the next tg__defer_begin. */
void tg__defer_end(tg_tape *t, bool run);

#endif
