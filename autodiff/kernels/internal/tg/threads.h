/* tg/threads.h — the worker pool as kernels see it (threads.c). Not installed.
 *
 * A kernel splits its output into n independent tasks and calls tg__parallel; task i
 * must write only its own part of the output, and must compute it the same way
 * whichever thread runs it (that is what makes results independent of the thread
 * count). The calling thread runs tasks too; tg__parallel returns when all are done.
 */
#ifndef TG_THREADS_INTERNAL_H
#define TG_THREADS_INTERNAL_H

#include <tapegrad/tg_threads.h>

/* Every thread of the pool owns a scratch area of this many bytes (64-byte aligned)
 * that its tasks may use freely: GEMM's packed panels. */
#define TG__SCRATCH_BYTES ((size_t)2 << 20)

/* Task `task` of a job; scratch is the running thread's scratch area, or NULL when
 * the job runs outside the pool (the pool busy with another application thread). */
typedef void (*tg__task_fn)(void *ctx, int task, void *scratch);

/* The number of threads a kernel may use now (>= 1): the setting (tg_threads.h),
 * lowered if workers could not be started. Cheap: an atomic load after the first call. */
int tg__threads_max(void);

/* Runs fn(ctx, i, scratch) for i = 0..n_tasks-1 and returns when all have finished.
 * Up to tg__threads_max() threads, the caller among them (with a scratch area of its
 * own), claim tasks in index order as they come free. Starts the workers on first use.
 * If the pool is in use (by another application thread, or because this call is
 * nested in a task), the caller runs every task itself, in order, with scratch NULL. */
void tg__parallel(int n_tasks, tg__task_fn fn, void *ctx);

/* Parses a TG_NUM_THREADS value: the integer 1..TG_MAX_THREADS it spells (leading and
 * trailing blanks allowed), or 0 if it is not one. */
int tg__threads_parse(const char *s);

/* Test hooks, only in the tests' library (threads.c built with TG_TEST_HOOKS; the
 * shipped libraries lack them).
 * The n-th worker start from now fails as if pthread_create had refused (0 disables). */
void tg__threads_fail_start_after(int n);

/* The number of worker threads running (0 before the pool starts). */
int tg__threads_started(void);

#endif
