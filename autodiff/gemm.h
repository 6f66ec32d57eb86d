/* gemm.h — the one matrix-multiply kernel of tapegrad (internal, not installed).
 *
 * Row-major GEMM:  C := alpha * op(A) * op(B) + beta * C
 *   op(A) is (M,K): A itself (stored M x K, row stride lda) or, with trans_a, the
 *         transpose of an array stored K x M (row stride lda);
 *   op(B) is (K,N): B (stored K x N, stride ldb) or, with trans_b, the transpose of
 *         an array stored N x K (stride ldb);
 *   C is (M,N), row stride ldc.
 * beta == 0 overwrites C without reading it (NaN or garbage in C do not leak in);
 * beta == 1 accumulates, which the backward rules of tg_matmul use so that
 * dA += G B^T and dB += A^T G need no temporary.
 *
 * Pure and reentrant: no global state, no allocation; packing buffers live on the
 * stack (TG__GEMM_STACK_BYTES), so it may run on several threads at once as long as
 * their C blocks do not overlap. C must not overlap A or B.
 */
#ifndef TG_GEMM_H
#define TG_GEMM_H

#include <stdbool.h>
#include <stddef.h>
#include "tg_core.h"

/* Upper bound of the stack space tg__gemm uses for its packed panels. */
#define TG__GEMM_STACK_BYTES (224 * 1024)

void tg__gemm(bool trans_a, bool trans_b, size_t M, size_t N, size_t K, tg_real alpha,
              const tg_real *A, size_t lda, const tg_real *B, size_t ldb, tg_real beta,
              tg_real *C, size_t ldc);

#endif
