/* alloc.c — the library's single allocation path, with counters and a test hook.
 *
 * The hook (tg__alloc_fail_after) exists only in the tests' build of this file
 * (TG_TEST_HOOKS, set by the top meson.build); the shipped library has no trace of it.
 *
 * Counters are atomics so that tapes trained on several threads count correctly.
 * Every allocation of the library goes through tg__malloc or tg__realloc, so the
 * counters see them all (tests/house/check_house.sh fails on a direct malloc).
 */
#define _DEFAULT_SOURCE /* madvise and MADV_HUGEPAGE, besides POSIX */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <tg/core.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

static atomic_size_t n_allocs;
static atomic_size_t n_live;

#ifdef TG_TEST_HOOKS
static atomic_size_t fail_countdown; /* 0: never fail */

void tg__alloc_fail_after(size_t n) { atomic_store(&fail_countdown, n); }

/* Whether this allocation is the one the hook makes fail. */
static bool fail_now(void) {
    /* Decrement; the allocation that brings it to zero fails. */
    return atomic_load(&fail_countdown) != 0 && atomic_fetch_sub(&fail_countdown, 1) == 1;
}
#else
static bool fail_now(void) { return false; }
#endif

void *tg__malloc(size_t bytes) {
    if (fail_now()) return NULL;
    void *p = malloc(bytes ? bytes : 1);
    if (p) {
        atomic_fetch_add(&n_allocs, 1);
        atomic_fetch_add(&n_live, 1);
    }
    return p;
}

void *tg__malloc_large(size_t *bytes) {
    size_t n = *bytes, H = TG__HUGE_BYTES;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (n >= H && n <= SIZE_MAX - H) {
        n = (n + H - 1) / H * H;
        if (fail_now()) return NULL;
        void *p = aligned_alloc(H, n);
        if (!p) return NULL;
        /* Advice only: where huge pages are off, the block keeps small pages. */
        (void)madvise(p, n, MADV_HUGEPAGE);
        atomic_fetch_add(&n_allocs, 1);
        atomic_fetch_add(&n_live, 1);
        *bytes = n;
        return p;
    }
#endif
    (void)H;
    return tg__malloc(n);
}

void *tg__calloc(size_t n, size_t size) {
    if (size && n > SIZE_MAX / size) return NULL;
    void *p = tg__malloc(n * size);
    if (p) memset(p, 0, n * size);
    return p;
}

void *tg__realloc(void *p, size_t bytes) {
    if (!p) return tg__malloc(bytes);
    if (fail_now()) return NULL;
    void *q = realloc(p, bytes ? bytes : 1);
    if (q) atomic_fetch_add(&n_allocs, 1); /* still one block live */
    return q;
}

bool tg__grow(void *array, size_t *cap, size_t need, size_t elem, size_t first) {
    if (need <= *cap) return true;
    size_t n = *cap ? (*cap > SIZE_MAX / 2 ? SIZE_MAX : *cap * 2) : first;
    if (n < need) n = need;
    if (elem && n > SIZE_MAX / elem) {
        n = need; /* doubling overflows; the request itself may still fit */
        if (n > SIZE_MAX / elem) return false;
    }
    void *old;
    memcpy(&old, array, sizeof old);
    void *p = tg__realloc(old, n * elem);
    if (!p) return false;
    memcpy(array, &p, sizeof p);
    *cap = n;
    return true;
}

void tg__free(void *p) {
    if (!p) return;
    atomic_fetch_sub(&n_live, 1);
    free(p);
}

size_t tg_alloc_count(void) { return atomic_load(&n_allocs); }
size_t tg_alloc_live(void) { return atomic_load(&n_live); }
