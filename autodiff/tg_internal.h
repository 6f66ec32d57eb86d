/* tg_internal.h — helpers shared by autodiff/ source files. Not installed. */
#ifndef TG_INTERNAL_H
#define TG_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include "tg_core.h" /* not tg_tape.h: optim/ uses this header and never the tape */

/* The one allocation function of the library (counted; see tg_alloc_count). */
void *tg__malloc(size_t bytes);
void *tg__calloc(size_t n, size_t size);
void tg__free(void *p);
/* Test hook: the n-th allocation from now fails (0 disables). Issue: hardening. */
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

/* A tensor is "live" on t if it is long-lived or belongs to t's current epoch. */
bool tg__tensor_live(const tg_tape *t, const tg_tensor *x);

/* Unary ops that do not go through tg_apply's arg checks. */
static inline bool tg__requires_grad(const tg_tensor *x) {
    return (x->flags & TG_REQUIRES_GRAD) != 0;
}

#endif
