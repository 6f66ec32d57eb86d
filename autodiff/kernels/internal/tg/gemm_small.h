/* gemm_small.h — products small enough to sit in L1, run without packing (internal,
 * not installed).
 *
 * tg__gemm_small(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc) is
 * tg__gemm with the same arguments and the same bits (tg/gemm.h): with the AVX-512
 * kernels in use, beta 0 or 1, and operands no larger than a few thousand reals, it
 * reads op(A) and op(B) where they lie (a transposed op(B) or an alpha != 1 costs one
 * copy into a stack buffer) and accumulates each element of C as the packed path does
 * (alpha op(A)(i,p) rounded, then one fused multiply-add per p in order from +0, then
 * stored or added to C); any other product goes to tg__gemm. It is for the many
 * per-head products of attention, whose packing costs as much as their arithmetic.
 * It always runs on the calling thread. */
#ifndef TG_GEMM_SMALL_H
#define TG_GEMM_SMALL_H

#include <stdbool.h>
#include <stddef.h>
#include <tapegrad/tg_core.h>

void tg__gemm_small(bool trans_a, bool trans_b, size_t M, size_t N, size_t K, tg_real alpha,
                    const tg_real *A, size_t lda, const tg_real *B, size_t ldb, tg_real beta,
                    tg_real *C, size_t ldc);

/* Whether tg__gemm_small would take its own path for these sizes and this beta (for
 * the tests, which compare it with tg__gemm). */
bool tg__gemm_small_fits(bool trans_b, size_t M, size_t N, size_t K, tg_real alpha, tg_real beta);

#endif
