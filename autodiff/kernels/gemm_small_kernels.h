/* gemm_small_kernels.h — the instruction-set part of tg__gemm_small (tg/gemm_small.h),
 * as gemm_small.c sees it. Internal, not installed. */
#ifndef TG_GEMM_SMALL_KERNELS_H
#define TG_GEMM_SMALL_KERNELS_H

#include <stdbool.h>
#include <stddef.h>
#include <tapegrad/tg_core.h>

/* The most reals of op(A) (M K) and of op(B) (K times N rounded up to the tile width)
 * that the small path takes: its stack buffers. */
enum { TG__GEMM_SMALL_REALS = 8192 };

/* C (+)= alpha op(A) op(B) (add: beta 1; else beta 0), for K at most one rank update
 * of the packed path and the sizes above; only once gemm.c has found AVX-512. */
void tg__gemm_small_avx512(bool trans_a, bool trans_b, size_t M, size_t N, size_t K, tg_real alpha,
                           const tg_real *A, size_t lda, const tg_real *B, size_t ldb, bool add,
                           tg_real *C, size_t ldc);
/* Its tile width (columns of C per register tile). */
enum { TG__GEMM_SMALL_NR = 2 * 64 / (int)sizeof(tg_real) };

#endif
