/* gemm_kernels.h — the per-instruction-set parts of the GEMM, as the driver (gemm.c)
 * sees them: one body (gemm_body.h) compiled once per instruction set, in
 * gemm_generic.c, gemm_avx2.c and gemm_avx512.c. Internal, not installed. */
#ifndef TG_GEMM_KERNELS_H
#define TG_GEMM_KERNELS_H

#include <stdbool.h>
#include <stddef.h>
#include <tapegrad/tg_core.h>
#include <tg/gemm.h>

/* The blocking every instruction set shares: KC_BYTES of a row of op(A) per rank
 * update (KC reals), MC rows of A per packed block; gemm.c sizes its buffers by it. */
enum { TG__GEMM_KC_BYTES = 1024, TG__GEMM_MC = 96 };

/* What every block of one product shares (see gemm.h for the meaning). */
typedef struct {
    bool trans_a, trans_b;
    bool overwrite;      /* beta == 0: the first rank-KC update stores instead of adding */
    size_t K;
    tg_real alpha;
    size_t lda, ldb, ldc;
    /* A prepacked op(B) (tg__gemm_pack_b), or NULL. Then trans_b is false, ldb is 0 and
     * the B a block is given is bp + its first column (a multiple of NR): the panels
     * of rows pc.. and columns j.. are at bp + pc * ldp + j * kc. */
    const tg_real *bp;
    size_t ldp;
    /* Segments (tg__gemm_segs), or NULL: op(A) = A^T and op(B) = B, whose K rows are
     * the segments' rows one after the other; a block's A and B are then NULL and its
     * first row and column of C are given as numbers (m0, n0). */
    const tg__gemm_seg *seg;
} tg__gemm_args;

typedef struct {
    const char *name;    /* "avx512", "avx2", "generic" */
    int mr, nr;          /* register tile MR x NR */
    int kc, mc;          /* KC reals of a row per rank update; MC rows per packed A block */
    /* C[0:M, 0:N] (+)= alpha op(A) op(B) for one block (operands already offset; in a
     * product of segments, the block's first row and column of C are m0, n0), packed
     * panels in buf: MC*KC reals for A, then KC*nc for B (nc % NR == 0). */
    void (*packed)(const tg__gemm_args *g, size_t M, size_t N, const tg_real *A,
                   const tg_real *B, tg_real *C, tg_real *buf, size_t nc, size_t m0, size_t n0);
    /* The two halves of `packed` for one rank-kc update, for products whose rows are
     * shared out among threads (gemm.c):
     * pack_b: Bp <- op(B)[0:kc, 0:nc] (B at the block's first row and column) as
     *   ceil(nc/NR) panels of kc x NR, zero-padded;
     * rows: C[0:M, 0:nc] (+)= alpha op(A)[0:M, 0:kc] Bp (A at the block's first row
     *   and column; add == false stores), A packed into Ap (MC*KC reals). */
    void (*pack_b)(const tg__gemm_args *g, size_t kc, size_t nc, const tg_real *B,
                   tg_real *Bp);
    void (*rows)(const tg__gemm_args *g, size_t M, size_t nc, size_t kc, bool add,
                 const tg_real *A, const tg_real *Bp, tg_real *C, tg_real *Ap);
    /* The prepacked op(B) of a whole K x N product (gemm.h): KC-blocks of rows, block
     * pc at dst + pc * ldp, laid out as pack_b lays out one block. */
    void (*pack_all)(const tg__gemm_args *g, size_t K, size_t N, const tg_real *B, tg_real *dst,
                     size_t ldp);
    /* C[0:M, 0:N] += alpha op(A) op(B) without packing, for few rows or a short K
     * (correct for any shape, fast only for those). */
    void (*direct)(const tg__gemm_args *g, size_t M, size_t N, const tg_real *A,
                   const tg_real *B, tg_real *C);
    /* A loop of multiply-adds only, for the peak (gemm.h): returns the FLOPs done. */
    double (*fma_loop)(long iters);
} tg__gemm_kernels;

/* One per instruction set. The AVX ones exist only in x86 builds whose compiler
 * takes the flags (meson.build defines TG_GEMM_AVX2 / TG_GEMM_AVX512 for gemm.c), and
 * may be called only once gemm.c has found the CPU supports them. */
extern const tg__gemm_kernels tg__gemm_generic; /* the build's own instruction set */
extern const tg__gemm_kernels tg__gemm_avx2;    /* AVX2 + FMA */
extern const tg__gemm_kernels tg__gemm_avx512;  /* AVX-512F + FMA */
extern const tg__gemm_kernels tg__gemm_avx512w; /* the same, 6 x 64 tiles (gemm.c, for_cols) */

#endif
