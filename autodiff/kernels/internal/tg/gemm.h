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

/* ---- a right operand packed once for many products ----
 * op(B) (K x N: B, or with trans_b the transpose of B stored N x K) laid out as the
 * packed path lays out its panels, so that products with the same op(B) skip
 * packing: a parameter used at every time step of a recurrent layer. A pack is tied
 * to the micro-kernel in use when it was made; a product with a pack made by another
 * one (after tg__gemm_use_isa) reads B itself. The products give the same bits as
 * tg__gemm with B. */
typedef struct tg__gemm_pack {
    const void *isa;       /* the kernels that packed it; NULL: not packed */
    size_t K, N, ldp;      /* op(B) is K x N; ldp: N rounded up to the tile width */
    bool trans_b;          /* and what it was packed from, for the products that */
    const tg_real *B;      /* read B itself (the direct path, another kernel) */
    size_t ldb;
    tg_real *data;         /* K * ldp reals */
} tg__gemm_pack;

/* Reals of the pack of a K x N op(B) with the kernel in use (SIZE_MAX on overflow). */
size_t tg__gemm_pack_reals(size_t K, size_t N);
/* Packs op(B) into data (room for cap reals); false, p left unpacked, when cap is
 * short of tg__gemm_pack_reals(K, N). B must keep its values while the pack is used. */
bool tg__gemm_pack_b(tg__gemm_pack *p, bool trans_b, size_t K, size_t N, const tg_real *B,
                     size_t ldb, tg_real *data, size_t cap);
/* tg__gemm(trans_a, p->trans_b, M, p->N, p->K, alpha, A, lda, p->B, p->ldb, beta, C, ldc),
 * with the panels of op(B) taken from the pack. */
void tg__gemm_packed_b(bool trans_a, size_t M, tg_real alpha, const tg_real *A, size_t lda,
                       const tg__gemm_pack *p, tg_real beta, tg_real *C, size_t ldc);
/* True when tg__gemm would pack an (M,K) x (K,N) product (so a pack can serve it). */
bool tg__gemm_packs(bool trans_b, size_t M, size_t K);

/* ---- a product over segments of rows ----
 * C := alpha * sum_s A_s^T B_s + beta C, C (M,N), for a list of segments, each k_s
 * rows of A (stored k_s x M, row stride lda) and of B (k_s x N, stride ldb): the
 * product A^T B of the rows of every segment stacked, without stacking them. It runs
 * as one product with K = sum k_s, C's tiles in registers across the segments (the
 * gradient of a weight used at T time steps: one product with K = T * batch). Same
 * bits as tg__gemm(true, false, ...) on the stacked rows (packed path, M >= 4, K > 4),
 * for any thread count. */
typedef struct tg__gemm_seg {
    const tg_real *a, *b;
    size_t k;
    const struct tg__gemm_seg *next; /* NULL ends the list */
} tg__gemm_seg;
void tg__gemm_segs(size_t M, size_t N, const tg__gemm_seg *first, size_t lda, size_t ldb,
                   tg_real alpha, tg_real beta, tg_real *C, size_t ldc);

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
