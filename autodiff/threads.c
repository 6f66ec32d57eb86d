/* threads.c — one pool of worker threads, started lazily, shared by every kernel.
 *
 * Protocol (one job at a time; the `busy` mutex says whose job it is):
 *   - the caller writes the job (fn, ctx, n_tasks), sets `pending` to the number of
 *     workers taking part, then publishes the job by storing a new value of `gen`
 *     (sequence number * 128 + number of threads T taking part);
 *   - worker w (1..started) waits for `gen` to change: first spinning (a job often
 *     follows the last one within microseconds: the matmuls of an RNN's time steps),
 *     then sleeping on the `wake` condition variable. If w < T it runs tasks w, w+T,
 *     w+2T, ... and decrements `pending`; otherwise it goes back to waiting without
 *     reading the job (which a later job may be overwriting);
 *   - the caller runs tasks 0, T, 2T, ..., then waits (spin, then `done`) until
 *     `pending` is 0. Only then may the next job overwrite the fields.
 * Sleeping is race-free because both sides use the Dekker pattern with seq_cst
 * atomics: a worker announces itself in `sleepers` and then re-reads `gen`; the caller
 * stores `gen` and then reads `sleepers` (and symmetrically for `pending` and
 * `caller_waiting`); whoever sees the other takes the mutex before signalling.
 * Memory: the task results are published by the seq_cst decrement of `pending` and
 * acquired by the caller's load of it.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "threads_internal.h"
#include "tg_internal.h"

enum { SPIN_WORKER = 1 << 14, SPIN_CALLER = 1 << 16, GEN_T = 128 };
/* Worker stacks: the scratch area plus room for the kernels' own frames (GEMM's
 * fallback panels are TG__GEMM_STACK_BYTES). */
#define WORKER_STACK ((size_t)1 << 20)
_Static_assert(TG_MAX_THREADS < GEN_T, "the thread count fits in gen's low bits");

static struct {
    pthread_mutex_t busy;            /* held by the thread whose job the pool runs */
    pthread_mutex_t lock;            /* guards sleeping and waking */
    pthread_cond_t wake, done;
    atomic_ulong gen;                /* seq * GEN_T + T of the last published job */
    atomic_int pending;              /* workers still working on the current job */
    atomic_int sleepers;             /* workers blocked on `wake` */
    atomic_int caller_waiting;       /* the caller is blocked on `done` */
    tg__task_fn fn;                  /* the current job (valid while pending > 0) */
    void *ctx;
    int n_tasks;
    int started;                     /* workers running (guarded by busy) */
    atomic_int setting;              /* requested thread count; 0 = not yet read */
    atomic_int limit;                /* started + 1 after a failed start, else MAX */
    atomic_int fail_countdown;       /* test hook */
    unsigned long first_gen[TG_MAX_THREADS]; /* gen when worker w was started */
    pthread_t tid[TG_MAX_THREADS];
    _Alignas(64) unsigned char scratch[TG__SCRATCH_BYTES]; /* thread 0's (guarded by busy) */
} pool = {
    .busy = PTHREAD_MUTEX_INITIALIZER,
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .wake = PTHREAD_COND_INITIALIZER,
    .done = PTHREAD_COND_INITIALIZER,
    .limit = TG_MAX_THREADS,
};

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

int tg__threads_parse(const char *s) {
    if (!s) return 0;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || errno) return 0;
    while (*end == ' ' || *end == '\t' || *end == '\n') end++;
    if (*end || v < 1 || v > TG_MAX_THREADS) return 0;
    return (int)v;
}

/* The setting, initialised on first use from TG_NUM_THREADS or the processor count. */
static int setting(void) {
    int n = atomic_load_explicit(&pool.setting, memory_order_relaxed);
    if (n) return n;
    n = tg__threads_parse(getenv("TG_NUM_THREADS"));
    if (!n) {
        long cpus = 1;
#ifdef _SC_NPROCESSORS_ONLN
        cpus = sysconf(_SC_NPROCESSORS_ONLN);
#endif
        n = cpus < 1 ? 1 : cpus > TG_MAX_THREADS ? TG_MAX_THREADS : (int)cpus;
    }
    int zero = 0; /* a concurrent tg_set_num_threads wins */
    atomic_compare_exchange_strong(&pool.setting, &zero, n);
    return atomic_load(&pool.setting);
}

tg_status tg_set_num_threads(int n) {
    if (n < 1 || n > TG_MAX_THREADS)
        return tg__error(TG_ERR_VALUE, "tg_set_num_threads: n must be in 1..%d, got %d",
                         TG_MAX_THREADS, n);
    atomic_store(&pool.setting, n);
    atomic_store(&pool.limit, TG_MAX_THREADS); /* try again to start what failed */
    return TG_OK;
}

int tg__threads_max(void) {
    int n = setting(), lim = atomic_load_explicit(&pool.limit, memory_order_relaxed);
    return n < lim ? n : lim;
}

int tg_get_num_threads(void) { return tg__threads_max(); }

void tg__threads_fail_start_after(int n) { atomic_store(&pool.fail_countdown, n); }
int tg__threads_started(void) {
    pthread_mutex_lock(&pool.busy);
    int n = pool.started;
    pthread_mutex_unlock(&pool.busy);
    return n;
}

/* Waits until gen differs from seen; returns the new value. */
static unsigned long wait_job(unsigned long seen) {
    unsigned long g;
    for (int i = 0; i < SPIN_WORKER; i++) {
        g = atomic_load_explicit(&pool.gen, memory_order_acquire);
        if (g != seen) return g;
        cpu_relax();
    }
    pthread_mutex_lock(&pool.lock);
    atomic_fetch_add(&pool.sleepers, 1);
    while ((g = atomic_load(&pool.gen)) == seen) pthread_cond_wait(&pool.wake, &pool.lock);
    atomic_fetch_sub(&pool.sleepers, 1);
    pthread_mutex_unlock(&pool.lock);
    return g;
}

static void *worker_main(void *arg) {
    int w = (int)(intptr_t)arg;
    _Alignas(64) unsigned char scratch[TG__SCRATCH_BYTES]; /* the stack is sized for it */
    unsigned long seen = pool.first_gen[w]; /* written before pthread_create */
    for (;;) {
        seen = wait_job(seen);
        int T = (int)(seen % GEN_T);
        if (w >= T) continue; /* not in this job: do not read its fields */
        for (int i = w; i < pool.n_tasks; i += T) pool.fn(pool.ctx, i, scratch);
        if (atomic_fetch_sub(&pool.pending, 1) == 1 && atomic_load(&pool.caller_waiting)) {
            pthread_mutex_lock(&pool.lock);
            pthread_cond_broadcast(&pool.done);
            pthread_mutex_unlock(&pool.lock);
        }
    }
    return NULL;
}

/* Starts workers until `want` run (caller holds busy). On failure, lowers the limit
 * so that later jobs do not retry at every call, and leaves a message. */
static void start_workers(int want) {
    if (want > TG_MAX_THREADS - 1) want = TG_MAX_THREADS - 1;
    while (pool.started < want) {
        int w = pool.started + 1, err = 0;
        int c = atomic_load(&pool.fail_countdown);
        if (c > 0 && atomic_fetch_sub(&pool.fail_countdown, 1) == 1) err = EAGAIN;
        if (!err) {
            /* Workers block every signal: signals stay with the application's threads. */
            sigset_t all, old;
            sigfillset(&all);
            pthread_sigmask(SIG_SETMASK, &all, &old);
            pool.first_gen[w] = atomic_load(&pool.gen);
            pthread_attr_t attr;
            err = pthread_attr_init(&attr);
            if (!err) {
                pthread_attr_setstacksize(&attr, TG__SCRATCH_BYTES + WORKER_STACK);
                err = pthread_create(&pool.tid[w], &attr, worker_main, (void *)(intptr_t)w);
                pthread_attr_destroy(&attr);
            }
            pthread_sigmask(SIG_SETMASK, &old, NULL);
        }
        if (err) {
            atomic_store(&pool.limit, pool.started + 1);
            tg__error(TG_ERR_NOMEM, "tg_threads: could not start worker thread %d (%s); using %d threads",
                      w, strerror(err), pool.started + 1);
            return;
        }
        pool.started = w;
    }
}

void tg__parallel(int n_tasks, tg__task_fn fn, void *ctx) {
    if (n_tasks < 1) return;
    if (pthread_mutex_trylock(&pool.busy) != 0) { /* busy elsewhere, or nested */
        for (int i = 0; i < n_tasks; i++) fn(ctx, i, NULL);
        return;
    }
    int T = n_tasks < tg__threads_max() ? n_tasks : tg__threads_max();
    if (T > 1) start_workers(T - 1);
    if (T > pool.started + 1) T = pool.started + 1;
    if (T > 1) {
        pool.fn = fn;
        pool.ctx = ctx;
        pool.n_tasks = n_tasks;
        atomic_store(&pool.pending, T - 1);
        unsigned long g = atomic_load(&pool.gen);
        atomic_store(&pool.gen, (g / GEN_T + 1) * GEN_T + (unsigned long)T);
        if (atomic_load(&pool.sleepers) > 0) {
            pthread_mutex_lock(&pool.lock);
            pthread_cond_broadcast(&pool.wake);
            pthread_mutex_unlock(&pool.lock);
        }
    }
    for (int i = 0; i < n_tasks; i += T) fn(ctx, i, pool.scratch);
    if (T > 1) {
        int spin = 0;
        while (atomic_load(&pool.pending) != 0 && spin++ < SPIN_CALLER) cpu_relax();
        if (atomic_load(&pool.pending) != 0) {
            pthread_mutex_lock(&pool.lock);
            atomic_store(&pool.caller_waiting, 1);
            while (atomic_load(&pool.pending) != 0) pthread_cond_wait(&pool.done, &pool.lock);
            atomic_store(&pool.caller_waiting, 0);
            pthread_mutex_unlock(&pool.lock);
        }
    }
    pthread_mutex_unlock(&pool.busy);
}
