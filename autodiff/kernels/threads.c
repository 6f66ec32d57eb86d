/* threads.c — one pool of worker threads, started lazily, shared by every kernel.
 *
 * A job is n tasks. Tasks are not dealt to threads in advance: every participant (the
 * caller and the workers awake at the time) claims the next unclaimed task until none
 * is left. So a worker that is asleep, or not scheduled because the machine is busy,
 * delays nothing: the caller runs the tasks itself, and a job never costs more than
 * running it on one thread plus a few atomic operations. Which thread runs a task
 * does not change its result (tg/threads.h).
 *
 * Protocol (one job at a time; the `busy` mutex says whose job it is):
 *   - `claim` packs (job sequence number, task count, next task) in one atomic word.
 *     The caller writes the job's fields (fn, ctx), sets `done` to 0, then publishes
 *     the job by storing claim = (seq, n, 0);
 *   - a participant takes task i by a compare-and-swap of claim from (seq, n, i) to
 *     (seq, n, i + 1) with i < n. Success proves job seq is still current and cannot
 *     finish before task i does, so only then does a worker read fn and ctx; after
 *     running the task it increments `done`;
 *   - the caller, out of tasks to claim, waits until done == n (the remaining tasks are
 *     running on workers); only then may the next job overwrite the fields.
 * Idle workers spin on `claim` for about IDLE_SPIN_NS (a job often follows the last
 * one within microseconds: the matmuls of an RNN's time steps) — pausing, then
 * yielding the CPU, so that on a busy machine a spinning thread does not keep the
 * caller off it — and then sleep on the `wake` condition variable. Sleeping is
 * race-free by the Dekker pattern with seq_cst atomics: a worker counts itself in
 * `sleepers` and then re-reads `claim`; the caller stores `claim` and then reads
 * `sleepers`, and whoever sees the other takes the mutex before signalling. The
 * caller's wait for `done` is the same with `caller_waiting` and the `done_cv`
 * condition variable.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <tg/threads.h>
#include <tg/core.h>

/* Spins are bounded in time, not iterations (a pause instruction takes 10 to 150
 * cycles depending on the CPU). */
#define IDLE_SPIN_NS 1000000L /* a worker after its last task */
#define WAIT_SPIN_NS 200000L  /* the caller waiting for running tasks, before yielding */
/* Worker stacks: the scratch area plus room for the kernels' own frames (GEMM's
 * fallback panels are TG__GEMM_STACK_BYTES). */
#define WORKER_STACK ((size_t)1 << 20)

/* claim = seq << 40 | n << 20 | next */
#define CLAIM(seq, n, next) ((uint64_t)(seq) << 40 | (uint64_t)(n) << 20 | (uint64_t)(next))
#define CLAIM_SEQ(c) ((c) >> 40)
#define CLAIM_N(c) (((c) >> 20) & 0xfffff)
#define CLAIM_NEXT(c) ((c) & 0xfffff)
#define MAX_TASKS 0xfffff

static struct {
    pthread_mutex_t busy;            /* held by the thread whose job the pool runs */
    pthread_mutex_t lock;            /* guards sleeping and waking */
    pthread_cond_t wake, done_cv;
    _Atomic uint64_t claim;          /* (seq, n, next) of the current job */
    atomic_int done;                 /* tasks of the current job finished */
    atomic_int sleepers;             /* workers blocked on `wake` */
    atomic_int caller_waiting;       /* the caller is blocked on `done_cv` */
    tg__task_fn fn;                  /* the current job (stable while it runs) */
    void *ctx;
    uint64_t seq;                    /* the current job's sequence number */
    int started;                     /* workers running (guarded by busy) */
    atomic_int setting;              /* requested thread count; 0 = not yet read */
    atomic_int limit;                /* started + 1 after a failed start, else MAX */
    atomic_int fail_countdown;       /* test hook */
    pthread_t tid[TG_MAX_THREADS];
    _Alignas(64) unsigned char scratch[TG__SCRATCH_BYTES]; /* the caller's (guarded by busy) */
} pool = {
    .busy = PTHREAD_MUTEX_INITIALIZER,
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .wake = PTHREAD_COND_INITIALIZER,
    .done_cv = PTHREAD_COND_INITIALIZER,
    .limit = TG_MAX_THREADS,
};

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

static long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000000000L + ts.tv_nsec;
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

static int processors(void);

/* The setting, initialised on first use from TG_NUM_THREADS or the processor count. */
static int setting(void) {
    int n = atomic_load_explicit(&pool.setting, memory_order_relaxed);
    if (n) return n;
    n = tg__threads_parse(getenv("TG_NUM_THREADS"));
    if (!n) n = processors(); /* unset or invalid (tg_num_threads_env says which) */
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

/* The processor count, at most TG_MAX_THREADS. */
static int processors(void) {
    long cpus = 1;
#ifdef _SC_NPROCESSORS_ONLN
    cpus = sysconf(_SC_NPROCESSORS_ONLN);
#endif
    return cpus < 1 ? 1 : cpus > TG_MAX_THREADS ? TG_MAX_THREADS : (int)cpus;
}

tg_status tg_num_threads_env(void) {
    const char *s = getenv("TG_NUM_THREADS");
    if (!s || tg__threads_parse(s)) return TG_OK;
    return tg__error(TG_ERR_VALUE,
                     "tg_num_threads_env: TG_NUM_THREADS is '%.40s%s' (must be an integer in 1..%d); it is ignored and the processor count (%d) is used",
                     s, strlen(s) > 40 ? "..." : "", TG_MAX_THREADS, processors());
}

int tg_get_num_threads(void) {
    (void)tg_num_threads_env(); /* an invalid setting leaves its message (tg_threads.h) */
    return tg__threads_max();
}

/* The test hooks exist only in the tests' build of this file (TG_TEST_HOOKS, the
 * top meson.build): the shipped library has neither the functions nor the check. */
#ifdef TG_TEST_HOOKS
void tg__threads_fail_start_after(int n) { atomic_store(&pool.fail_countdown, n); }
int tg__threads_started(void) {
    pthread_mutex_lock(&pool.busy);
    int n = pool.started;
    pthread_mutex_unlock(&pool.busy);
    return n;
}
#endif

/* Claims the next task of job seq: its index, or -1 if the job has none left (or is
 * over). */
static int claim_task(uint64_t seq) {
    uint64_t c = atomic_load(&pool.claim);
    while (CLAIM_SEQ(c) == seq && CLAIM_NEXT(c) < CLAIM_N(c))
        if (atomic_compare_exchange_weak(&pool.claim, &c, c + 1)) return (int)CLAIM_NEXT(c);
    return -1;
}

static void task_done(void) {
    atomic_fetch_add(&pool.done, 1);
    if (atomic_load(&pool.caller_waiting)) {
        pthread_mutex_lock(&pool.lock);
        pthread_cond_broadcast(&pool.done_cv);
        pthread_mutex_unlock(&pool.lock);
    }
}

/* One step of a spin: pause for the first ~PAUSES rounds, then sched_yield, which
 * costs a microsecond when the CPU is ours and hands it over when another thread (the
 * caller, on a busy machine) is waiting for it. */
enum { PAUSES = 256 };
static void spin_step(int i) {
    if (i < PAUSES) cpu_relax();
    else sched_yield();
}

/* Waits until claim shows a job other than seen with tasks left; returns its seq. */
static uint64_t wait_job(uint64_t seen) {
    long deadline = now_ns() + IDLE_SPIN_NS;
    for (int i = 0;; i++) {
        uint64_t c = atomic_load_explicit(&pool.claim, memory_order_acquire);
        if (CLAIM_SEQ(c) != seen && CLAIM_NEXT(c) < CLAIM_N(c)) return CLAIM_SEQ(c);
        if ((i & 15) == 15 && now_ns() > deadline) break;
        spin_step(i);
    }
    pthread_mutex_lock(&pool.lock);
    atomic_fetch_add(&pool.sleepers, 1);
    uint64_t c;
    while (CLAIM_SEQ(c = atomic_load(&pool.claim)) == seen || CLAIM_NEXT(c) >= CLAIM_N(c)) {
        seen = CLAIM_SEQ(c); /* a job that ended while we slept is not ours either */
        pthread_cond_wait(&pool.wake, &pool.lock);
    }
    atomic_fetch_sub(&pool.sleepers, 1);
    pthread_mutex_unlock(&pool.lock);
    return CLAIM_SEQ(c);
}

static void *worker_main(void *arg) {
    (void)arg;
    _Alignas(64) unsigned char scratch[TG__SCRATCH_BYTES]; /* the stack is sized for it */
    uint64_t seen = 0;
    for (;;) {
        seen = wait_job(seen);
        int i;
        while ((i = claim_task(seen)) >= 0) { /* fn, ctx are stable once we hold a task */
            pool.fn(pool.ctx, i, scratch);
            task_done();
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
#ifdef TG_TEST_HOOKS
        int c = atomic_load(&pool.fail_countdown);
        if (c > 0 && atomic_fetch_sub(&pool.fail_countdown, 1) == 1) err = EAGAIN;
#endif
        if (!err) {
            /* Workers block every signal: signals stay with the application's threads. */
            sigset_t all, old;
            sigfillset(&all);
            pthread_sigmask(SIG_SETMASK, &all, &old);
            pthread_attr_t attr;
            err = pthread_attr_init(&attr);
            if (!err) {
                pthread_attr_setstacksize(&attr, TG__SCRATCH_BYTES + WORKER_STACK);
                err = pthread_create(&pool.tid[w], &attr, worker_main, NULL);
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
    if (n_tasks > MAX_TASKS || pthread_mutex_trylock(&pool.busy) != 0) {
        for (int i = 0; i < n_tasks; i++) fn(ctx, i, NULL); /* busy elsewhere, or nested */
        return;
    }
    int T = n_tasks < tg__threads_max() ? n_tasks : tg__threads_max();
    if (T > 1) start_workers(T - 1);
    if (T < 2 || pool.started == 0) {
        for (int i = 0; i < n_tasks; i++) fn(ctx, i, pool.scratch);
        pthread_mutex_unlock(&pool.busy);
        return;
    }
    uint64_t seq = pool.seq = (pool.seq + 1) & 0xffffff; /* 24 bits in claim */
    pool.fn = fn;
    pool.ctx = ctx;
    atomic_store(&pool.done, 0);
    atomic_store(&pool.claim, CLAIM(seq, n_tasks, 0));
    if (atomic_load(&pool.sleepers) > 0) {
        pthread_mutex_lock(&pool.lock);
        pthread_cond_broadcast(&pool.wake);
        pthread_mutex_unlock(&pool.lock);
    }
    int i, mine = 0;
    while ((i = claim_task(seq)) >= 0) {
        fn(ctx, i, pool.scratch);
        mine++;
    }
    /* The other tasks are running on workers: spin briefly, then yield, then sleep. */
    long deadline = now_ns() + WAIT_SPIN_NS;
    for (int k = 0; atomic_load(&pool.done) + mine < n_tasks; k++) {
        if ((k & 15) != 15 || now_ns() <= deadline) {
            spin_step(k);
        } else {
            pthread_mutex_lock(&pool.lock);
            atomic_store(&pool.caller_waiting, 1);
            while (atomic_load(&pool.done) + mine < n_tasks)
                pthread_cond_wait(&pool.done_cv, &pool.lock);
            atomic_store(&pool.caller_waiting, 0);
            pthread_mutex_unlock(&pool.lock);
        }
    }
    pthread_mutex_unlock(&pool.busy);
}
