/* tg/core.h — the core's in-tree interface: the counted allocator, the thread's error,
 * shape helpers. Every room uses it; it is not installed. */
#ifndef TG_INTERNAL_CORE_H
#define TG_INTERNAL_CORE_H

#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <tapegrad/tg_core.h>
#include <tapegrad/tg_params.h>

/* The one allocation function of the library (counted; see tg_alloc_count). */
void *tg__malloc(size_t bytes);
void *tg__calloc(size_t n, size_t size);
void tg__free(void *p);
/* A large block (the tape's arena chunks): at least *bytes, which it rounds up to what
 * it allocated. Blocks of TG__HUGE_BYTES or more are aligned to and a multiple of it,
 * and, where the system has transparent huge pages (Linux), marked for them: a step's
 * tensors then take few TLB entries. Freed with tg__free, counted like tg__malloc. */
enum { TG__HUGE_BYTES = 1 << 21 };
void *tg__malloc_large(size_t *bytes);
/* realloc through the same counters (one allocation more, none more live); NULL p
 * allocates. On failure returns NULL and p is untouched. */
void *tg__realloc(void *p, size_t bytes);
/* Makes the array at *(T **)array, of *cap elements of elem bytes, hold at least need:
 * it grows to the larger of need and twice *cap (first when *cap is 0), keeping its
 * contents. false, changing nothing, when out of memory or when the size overflows
 * size_t. Usage: if (!tg__grow(&list->items, &list->cap, n + 1, sizeof *list->items, 16)) */
bool tg__grow(void *array, size_t *cap, size_t need, size_t elem, size_t first);
/* Test hook: the n-th allocation from now fails (0 disables). Only in the tests'
 * library (alloc.c built with TG_TEST_HOOKS); the shipped libraries lack it. */
void tg__alloc_fail_after(size_t n);

/* One step of xoshiro256** (Blackman and Vigna) on the state s: returns the next 64
 * random bits. tg_rng_u64 is this on a tg_rng's state; a loop that draws many values
 * (dropout's masks) runs it on a local copy, which the compiler keeps in registers. */
static inline uint64_t tg__xoshiro_next(uint64_t s[4]) {
    uint64_t r = s[1] * 5;
    r = ((r << 7) | (r >> 57)) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = (s[3] << 45) | (s[3] >> 19);
    return r;
}

/* Sets the calling thread's last error; returns s. */
tg_status tg__error(tg_status s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
tg_status tg__verror(tg_status s, const char *fmt, va_list ap);

/* Formats a shape "(3,4)" into buf. */
char *tg__shape_fmt(int rank, const int *shape, char *buf, size_t n);
/* One number with %.{precision}g into buf, -0 as 0 (what every printout uses). */
char *tg__num_fmt(double v, int precision, char *buf, size_t n);
/* The largest block the library asks for: a quarter of the address space, so that a
 * header, a value and a gradient buffer of this size, and alignment slack, still add
 * up without wrapping. */
#define TG__MAX_BYTES (SIZE_MAX / 4)

/* *r = a * b or a + b; false (and *r unchanged) when the result overflows size_t.
 * Every size computation of the library goes through these or checks its own bound. */
static inline bool tg__mul_size(size_t a, size_t b, size_t *r) {
    if (b && a > SIZE_MAX / b) return false;
    *r = a * b;
    return true;
}
static inline bool tg__add_size(size_t a, size_t b, size_t *r) {
    if (a > SIZE_MAX - b) return false;
    *r = a + b;
    return true;
}

/* Element count of a shape; 0 and an error naming op if invalid or overflowing
 * (TG_ERR_SHAPE), or needing more than TG__MAX_BYTES of tg_real values (TG_ERR_NOMEM:
 * a valid shape no machine can hold); every message gives the shape. */
size_t tg__shape_size(const char *op, int rank, const int *shape, tg_status *st);

/* Fills a step tensor's header in memory the caller provides (arena). */
void tg__tensor_init(tg_tensor *x, int rank, const int *shape, size_t size);

/* Room for `more` entries beyond ps->n (the array grows by doubling): TG_OK,
 * TG_ERR_NOMEM, or TG_ERR_RANGE when the count would pass INT_MAX. Sets no message:
 * the caller names itself. */
tg_status tg__params_reserve(tg_params *ps, int more);

/* a and b have the same rank and dimensions. Inline: every binary op asks it. */
static inline bool tg__same_shape(const tg_tensor *a, const tg_tensor *b) {
    if (a->rank != b->rank) return false;
    for (int i = 0; i < a->rank; i++)
        if (a->shape[i] != b->shape[i]) return false;
    return true;
}

/* The tensor whose version counter x uses: its view base, or x itself. */
static inline tg_tensor *tg__version_owner(const tg_tensor *x) {
    return (tg_tensor *)(x->base ? x->base : x);
}
/* Every version increment in the process, counted: a tape all of whose nodes were
 * recorded after the count last moved saw no tensor change, so its sweep can skip
 * comparing versions node by node (tape/backward.c). Relaxed: a write on another
 * thread that this one sees must have been synchronised with it anyway, and the
 * count is then seen to have moved too. */
extern _Atomic unsigned long long tg__version_writes;
/* Records a write to x's values (what tg_tensor_mark_dirty does; inline for the
 * library's own writers). */
static inline void tg__bump(tg_tensor *x) {
    tg__version_owner(x)->version++;
    atomic_fetch_add_explicit(&tg__version_writes, 1, memory_order_relaxed);
}

/* True when gradients flow into x. */
static inline bool tg__requires_grad(const tg_tensor *x) {
    return (x->flags & TG_REQUIRES_GRAD) != 0;
}

#endif
