/* tg_threads.h — how many threads tapegrad's kernels may use.
 *
 * Large matrix products (tg_matmul forward and backward) are split across a pool of
 * worker threads started once, lazily, by the first product large enough to pay for
 * a hand-off; small ops never hand off. The calling thread always does a share of the
 * work itself, so n threads means n - 1 workers.
 *
 * Results do not depend on the number of threads: work is split by blocks of the
 * output, and every output element is computed by the same sequence of operations
 * whichever thread computes it. Training with 1 or 8 threads gives bit-identical
 * parameters.
 *
 * The count, in order of precedence:
 *   1. tg_set_num_threads(n), any time (the pool grows on the next large product);
 *   2. the environment variable TG_NUM_THREADS (an integer 1..TG_MAX_THREADS), read
 *      once, at the first product large enough to use threads or the first call below;
 *      any other value (0, -1, 1000, "garbage", "2abc") is ignored, and reported by
 *      tg_num_threads_env and tg_get_num_threads (below);
 *   3. the number of online processors (sysconf), at most TG_MAX_THREADS.
 *
 * Several application threads may run tapes at once: one of them uses the pool at a
 * time, the others (and any nested call) compute on their own thread. If the system
 * refuses to start a worker, the kernels run with the workers that did start (still
 * the same results), and tg_get_num_threads reports the threads actually usable.
 * Workers block all signals and sleep (after a short spin) when there is no work.
 */
#ifndef TG_THREADS_H
#define TG_THREADS_H

#include <tapegrad/tg_core.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TG_MAX_THREADS 64

/* Sets the number of threads (the caller's included) for later kernels.
 * Errors: TG_ERR_VALUE if n is outside 1..TG_MAX_THREADS
 * ("tg_set_num_threads: n must be in 1..64, got 0"); the setting is then unchanged. */
tg_status tg_set_num_threads(int n);

/* The number of threads kernels use: the setting above, or fewer if workers could not
 * be started (then tg_last_error() said why, on the thread that tried). If
 * TG_NUM_THREADS is set to an invalid value, it also leaves tg_num_threads_env's
 * message in tg_last_error(). */
int tg_get_num_threads(void);

/* Whether the environment variable TG_NUM_THREADS is usable: TG_OK if it is unset or
 * an integer in 1..TG_MAX_THREADS; TG_ERR_VALUE if it holds anything else, which is
 * then ignored, with the message in tg_last_error(), e.g.
 *   "tg_num_threads_env: TG_NUM_THREADS is '2abc' (must be an integer in 1..64); it
 *    is ignored and the processor count (2) is used"
 * A program that wants to refuse a bad setting calls it at startup. */
tg_status tg_num_threads_env(void);

#ifdef __cplusplus
}
#endif
#endif
