/* rows8.h — sums along rows, eight rows at a time, each row's sum in double from left
 * to right. Internal, not installed.
 *
 * The row statistics of layer norm and softmax (means, variances, the dot products of
 * their backward passes) are sums in double whose order is fixed: element 0, then 1,
 * then 2..., the order of tg_sum_axis and tg_mean_axis, which their graph forms use.
 * One such sum is a chain of dependent additions, and eight rows' chains side by side
 * in scalar code need eight loads from eight rows per column. Here a block of 8 rows
 * x 8 columns is loaded as 8 row vectors and transposed in registers, so that vector
 * j holds column j of the 8 rows (lane k is row k); each column then joins the eight
 * chains in one vector addition, in double, with every row's additions in their own
 * order. The results are those of the scalar loops, bit for bit.
 *
 * The element added may be a function of the loaded values (a square, a product): the
 * callers apply it to the transposed columns, lane k being row k, before the
 * conversion to double (TG__COLS8_D). */
#ifndef TG_ROWS8_H
#define TG_ROWS8_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <tapegrad/tg_core.h>

typedef tg_real tg__r8 __attribute__((vector_size(8 * sizeof(tg_real))));
typedef double tg__d8 __attribute__((vector_size(64)));
#if TG_REAL_IS_DOUBLE
typedef long long tg__i8 __attribute__((vector_size(64)));
#else
typedef int tg__i8 __attribute__((vector_size(32)));
#endif

/* The helpers are always inlined: a copy of its own would be compiled for the
 * baseline instruction set, not for the TG__CLONES kernel that calls it. */

/* r[k] <- row k of the block at a (8 rows, row stride ld, 8 columns). */
static inline __attribute__((always_inline)) void tg__load8(const tg_real *a, size_t ld, tg__r8 r[8]) {
    for (int k = 0; k < 8; k++) memcpy(&r[k], a + (size_t)k * ld, sizeof r[k]);
}

/* Transposes the 8 x 8 block r in place (r[j] lane k <- r[k] lane j): pairs of rows
 * interleaved, then pairs of pairs, then the halves. */
static inline __attribute__((always_inline)) void tg__transpose8(tg__r8 r[8]) {
    tg__r8 t[8], u[8];
    for (int i = 0; i < 8; i += 2) {
        t[i] = __builtin_shuffle(r[i], r[i + 1], (tg__i8){0, 8, 1, 9, 4, 12, 5, 13});
        t[i + 1] = __builtin_shuffle(r[i], r[i + 1], (tg__i8){2, 10, 3, 11, 6, 14, 7, 15});
    }
    for (int i = 0; i < 8; i += 4) {
        u[i] = __builtin_shuffle(t[i], t[i + 2], (tg__i8){0, 1, 8, 9, 4, 5, 12, 13});
        u[i + 1] = __builtin_shuffle(t[i], t[i + 2], (tg__i8){2, 3, 10, 11, 6, 7, 14, 15});
        u[i + 2] = __builtin_shuffle(t[i + 1], t[i + 3], (tg__i8){0, 1, 8, 9, 4, 5, 12, 13});
        u[i + 3] = __builtin_shuffle(t[i + 1], t[i + 3], (tg__i8){2, 3, 10, 11, 6, 7, 14, 15});
    }
    for (int p = 0; p < 4; p++) {
        r[p] = __builtin_shuffle(u[p], u[p + 4], (tg__i8){0, 1, 2, 3, 8, 9, 10, 11});
        r[p + 4] = __builtin_shuffle(u[p], u[p + 4], (tg__i8){4, 5, 6, 7, 12, 13, 14, 15});
    }
}

/* A column of 8 rows (a tg__r8) as a double vector. A macro: a function returning a
 * 64-byte vector would change the ABI between the clones' instruction sets. */
#define TG__COLS8_D(c) __builtin_convertvector((c), tg__d8)

/* s[k] = sum_j g[k*ld + j] y[k*ld + j] for j < n, the 8 rows' dot products, each in
 * double from left to right; the product rounded to tg_real first when round_prod (as
 * tg_mul rounds it), else taken in double. */
static inline __attribute__((always_inline)) void tg__rows8_dots(const tg_real *g, const tg_real *y, size_t ld,
                                                                 size_t n, bool round_prod, double s[8]) {
    tg__d8 v = {0};
    size_t j = 0;
    for (; j + 8 <= n; j += 8) {
        tg__r8 rg[8], ry[8];
        tg__load8(g + j, ld, rg);
        tg__load8(y + j, ld, ry);
        tg__transpose8(rg);
        tg__transpose8(ry);
        for (int c = 0; c < 8; c++)
            v += round_prod ? TG__COLS8_D(rg[c] * ry[c]) : TG__COLS8_D(rg[c]) * TG__COLS8_D(ry[c]);
    }
    for (int k = 0; k < 8; k++) s[k] = v[k];
    for (; j < n; j++)
        for (int k = 0; k < 8; k++) {
            size_t i = (size_t)k * ld + j;
            s[k] += round_prod ? (double)(tg_real)(g[i] * y[i]) : (double)g[i] * y[i];
        }
}

#endif
