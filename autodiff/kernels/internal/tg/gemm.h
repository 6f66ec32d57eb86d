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
 * Reentrant, no allocation: packing buffers live in the scratch area of the pool
 * thread that computes a block (tg/threads.h) or, for a product run outside the
 * pool, on the calling thread's stack (TG__GEMM_STACK_BYTES). Large products are
 * split across the thread pool (tg_threads.h) with results independent of the thread
 * count. C must not overlap A or B.
 */
#ifndef TG_GEMM_H
#define TG_GEMM_H

#include <stdbool.h>
#include <stddef.h>
#include <tapegrad/tg_core.h>

/* Upper bound of the stack space tg__gemm uses for its packed panels. */
#define TG__GEMM_STACK_BYTES (224 * 1024)

void tg__gemm(bool trans_a, bool trans_b, size_t M, size_t N, size_t K, tg_real alpha,
              const tg_real *A, size_t lda, const tg_real *B, size_t ldb, tg_real beta,
              tg_real *C, size_t ldc);

/* Micro-kernels by instruction set ("avx512", "avx2", "generic"; the list depends on
 * the architecture). The best one this CPU supports is chosen at the first product. */
int tg__gemm_isa_count(void);
const char *tg__gemm_isa_name(int k);   /* NULL if k is out of range */
const char *tg__gemm_isa(void);         /* the one in use */
/* Tests and benchmarks: use kernel `name` from now on (false, and no change, if this
 * CPU lacks it); NULL returns to the automatic choice. Not thread-safe with running
 * products. */
bool tg__gemm_use_isa(const char *name);

/* Benchmarks: `iters` iterations of a loop of independent vector multiply-adds in the
 * kernel in use (fused on AVX2 and AVX-512), nothing else: the arithmetic peak of one
 * core with that kernel's instructions. Returns the FLOPs done (a multiply-add counts
 * as two). */
double tg__gemm_fma_loop(long iters);

#endif
