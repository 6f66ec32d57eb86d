/* gemm_kernels.h — the per-instruction-set parts of the GEMM (gemm_kernels.c), as
 * the driver (gemm.c) sees them. Internal, not installed. */
#ifndef TG_GEMM_KERNELS_H
#define TG_GEMM_KERNELS_H

#include <stdbool.h>
#include <stddef.h>
#include <tapegrad/tg_core.h>

/* What every block of one product shares (see gemm.h for the meaning). */
typedef struct {
    bool trans_a, trans_b;
    bool overwrite;      /* beta == 0: the first rank-KC update stores instead of adding */
    size_t K;
    tg_real alpha;
    size_t lda, ldb, ldc;
} tg__gemm_args;

typedef struct {
    const char *name;    /* "avx512", "avx2", "generic" */
    int mr, nr;          /* register tile MR x NR */
    int kc, mc;          /* KC reals of a row per rank update; MC rows per packed A block */
    /* C[0:M, 0:N] (+)= alpha op(A) op(B) for one block (operands already offset),
     * packed panels in buf: MC*KC reals for A, then KC*nc for B (nc % NR == 0). */
    void (*packed)(const tg__gemm_args *g, size_t M, size_t N, const tg_real *A,
                   const tg_real *B, tg_real *C, tg_real *buf, size_t nc);
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
    /* C[0:M, 0:N] += alpha op(A) op(B) without packing, for few rows or a short K
     * (correct for any shape, fast only for those). */
    void (*direct)(const tg__gemm_args *g, size_t M, size_t N, const tg_real *A,
                   const tg_real *B, tg_real *C);
    bool (*supported)(void);
} tg__gemm_kernels;

/* Best first; the last one ("generic") runs everywhere. */
extern const tg__gemm_kernels tg__gemm_isas[];
extern const int tg__gemm_n_isas;

#endif
