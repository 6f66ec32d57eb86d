/* tg/core.h — the core's in-tree interface: the counted allocator, the thread's error,
 * shape helpers. Every room uses it; it is not installed. */
#ifndef TG_INTERNAL_CORE_H
#define TG_INTERNAL_CORE_H

#include <stdarg.h>
#include <stdbool.h>
#include <tapegrad/tg_core.h>

/* The one allocation function of the library (counted; see tg_alloc_count). */
void *tg__malloc(size_t bytes);
void *tg__calloc(size_t n, size_t size);
void tg__free(void *p);
/* Test hook: the n-th allocation from now fails (0 disables). */
void tg__alloc_fail_after(size_t n);

/* Sets the calling thread's last error; returns s. */
tg_status tg__error(tg_status s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
tg_status tg__verror(tg_status s, const char *fmt, va_list ap);

/* Formats a shape "(3,4)" into buf. */
char *tg__shape_fmt(int rank, const int *shape, char *buf, size_t n);
/* Element count of a shape; 0 and an error naming op if invalid or overflowing. */
size_t tg__shape_size(const char *op, int rank, const int *shape, tg_status *st);

/* Fills a step tensor's header in memory the caller provides (arena). */
void tg__tensor_init(tg_tensor *x, int rank, const int *shape, size_t size);

/* True when gradients flow into x. */
static inline bool tg__requires_grad(const tg_tensor *x) {
    return (x->flags & TG_REQUIRES_GRAD) != 0;
}

#endif
