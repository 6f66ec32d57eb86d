/* gemm.c — cache-blocked, packed GEMM with a register-blocked micro-kernel.
 *
 * The structure is the classic one of GotoBLAS/BLIS (Goto & van de Geijn, "Anatomy of
 * high-performance matrix multiplication", 2008):
 *
 *   for jc in steps of NC over N          columns of C and op(B)
 *     for pc in steps of KC over K        one rank-KC update
 *       pack op(B)[pc:pc+KC, jc:jc+NC] into Bp: NR-wide column panels   (L2/L3)
 *       for ic in steps of MC over M
 *         pack op(A)[ic:ic+MC, pc:pc+KC] into Ap: MR-tall row panels    (L2)
 *         for jr in steps of NR, ir in steps of MR
 *           C[ir:ir+MR, jr:jr+NR] += alpha * Ap_panel * Bp_panel        (registers)
 *
 * Packing makes the micro-kernel's loads contiguous whatever the transposes and
 * strides, and pads edge panels with zeros so the micro-kernel always computes a full
 * MR x NR tile (the zeros keep stale values, possibly NaN, out of the unused lanes);
 * only the valid mr x nr part is written back. Products with fewer than SMALL_M rows
 * (batch-1 RNN steps) skip packing: see gemm_small_m. The micro-kernel is plain
 * C with constant trip counts: GCC unrolls the MR loop and vectorises the NR loop,
 * keeping the MR x NR accumulator array in vector registers (NR = two vectors, MR = 6
 * gives 12 accumulator registers out of 16 on SSE2/AVX).
 *
 * Sizes (tg_real = float / double):
 *   MR = 6, NR = 2 vectors (8/4 on SSE2, 16/8 on AVX, 32/16 on AVX-512)
 *   KC = 1 KiB of one row of reals (256 / 128): a KC x NR panel of B stays in L1
 *   MC = 96 rows: Ap = 96 KiB;  NC = 128 columns: Bp = 128 KiB.
 * Measured on one core of a Xeon (GCC 12, 512^3): float ~20 GFLOP/s in the portable
 * SSE2 build, ~60 with -march=native; double ~8 / ~20. The project compiles with
 * -std=c11, which turns off FMA contraction; the kernel does not ask for it, so
 * -march changes the speed, not the order of the sums.
 */
#include <string.h>
#include "gemm.h"

#if defined(TG_GEMM_VEC_BYTES) /* tuning knob: -DTG_GEMM_VEC_BYTES=32 etc. */
#define VEC_BYTES TG_GEMM_VEC_BYTES
#elif defined(__AVX512F__)
#define VEC_BYTES 64
#elif defined(__AVX__)
#define VEC_BYTES 32
#else
#define VEC_BYTES 16
#endif

enum {
    MR = 6,
    NR = 2 * VEC_BYTES / (int)sizeof(tg_real),
    KC = 1024 / (int)sizeof(tg_real),
    MC = 16 * MR,
    NC = 128
};
_Static_assert(NC % NR == 0, "NC is a multiple of NR");
_Static_assert((size_t)(MC * KC + KC * NC) * sizeof(tg_real) <= TG__GEMM_STACK_BYTES,
               "packing buffers fit the documented stack bound");

static size_t min_sz(size_t a, size_t b) { return a < b ? a : b; }

/* Ap <- op(A)[i0:i0+mc, p0:p0+kc] as ceil(mc/MR) panels, each kc x MR (element
 * (i,p) of a panel at p*MR + i); rows past mc are zero. */
static void pack_a(bool trans, size_t mc, size_t kc, const tg_real *A, size_t lda,
                   size_t i0, size_t p0, tg_real *restrict Ap) {
    for (size_t ir = 0; ir < mc; ir += MR, Ap += kc * MR) {
        size_t mr = min_sz(MR, mc - ir);
        if (trans) { /* op(A)(i,p) = A[p][i]: rows of A are contiguous in i */
            for (size_t p = 0; p < kc; p++) {
                const tg_real *src = A + (p0 + p) * lda + i0 + ir;
                size_t i = 0;
                for (; i < mr; i++) Ap[p * MR + i] = src[i];
                for (; i < MR; i++) Ap[p * MR + i] = 0;
            }
        } else { /* op(A)(i,p) = A[i][p]: read each row contiguously */
            size_t i = 0;
            for (; i < mr; i++) {
                const tg_real *src = A + (i0 + ir + i) * lda + p0;
                for (size_t p = 0; p < kc; p++) Ap[p * MR + i] = src[p];
            }
            for (; i < MR; i++)
                for (size_t p = 0; p < kc; p++) Ap[p * MR + i] = 0;
        }
    }
}

/* Bp <- op(B)[p0:p0+kc, j0:j0+nc] as ceil(nc/NR) panels, each kc x NR (element
 * (p,j) of a panel at p*NR + j); columns past nc are zero. */
static void pack_b(bool trans, size_t kc, size_t nc, const tg_real *B, size_t ldb,
                   size_t p0, size_t j0, tg_real *restrict Bp) {
    for (size_t jr = 0; jr < nc; jr += NR, Bp += kc * NR) {
        size_t nr = min_sz(NR, nc - jr);
        if (trans) { /* op(B)(p,j) = B[j][p] */
            size_t j = 0;
            for (; j < nr; j++) {
                const tg_real *src = B + (j0 + jr + j) * ldb + p0;
                for (size_t p = 0; p < kc; p++) Bp[p * NR + j] = src[p];
            }
            for (; j < NR; j++)
                for (size_t p = 0; p < kc; p++) Bp[p * NR + j] = 0;
        } else { /* op(B)(p,j) = B[p][j]: contiguous in j */
            for (size_t p = 0; p < kc; p++) {
                const tg_real *src = B + (p0 + p) * ldb + j0 + jr;
                size_t j = 0;
                for (; j < nr; j++) Bp[p * NR + j] = src[j];
                for (; j < NR; j++) Bp[p * NR + j] = 0;
            }
        }
    }
}

/* C[0:mr, 0:nr] += alpha * sum_p a[p,:]^T b[p,:] for one packed MR-panel a (kc x MR)
 * and NR-panel b (kc x NR): kc rank-1 updates of the MR x NR register tile acc.
 * Written so that GCC keeps acc in registers for every (MR, NR, tg_real, -march):
 * the row of b is copied into a local first (so the compiler sees no aliasing with
 * acc) and both tile loops are unrolled completely (the pragmas matter: without them
 * GCC 12 vectorises a 6 x 16 tile along the wrong axis and runs 10x slower). */
static void micro_kernel(size_t kc, const tg_real *restrict a, const tg_real *restrict b,
                         tg_real *restrict C, size_t ldc, size_t mr, size_t nr,
                         tg_real alpha) {
    tg_real acc[MR][NR];
    for (int i = 0; i < MR; i++)
        for (int j = 0; j < NR; j++) acc[i][j] = 0;
    for (size_t p = 0; p < kc; p++, a += MR, b += NR) {
        tg_real bv[NR];
        for (int j = 0; j < NR; j++) bv[j] = b[j];
#pragma GCC unroll 8
        for (int i = 0; i < MR; i++) {
            tg_real ai = a[i];
#pragma GCC unroll 64
            for (int j = 0; j < NR; j++) acc[i][j] += ai * bv[j];
        }
    }
    if (mr == MR && nr == NR) {
        for (int i = 0; i < MR; i++)
            for (int j = 0; j < NR; j++) C[(size_t)i * ldc + j] += alpha * acc[i][j];
    } else {
        for (size_t i = 0; i < mr; i++)
            for (size_t j = 0; j < nr; j++) C[i * ldc + j] += alpha * acc[i][j];
    }
}

/* Few rows (M < SMALL_M): packing would cost as much as the product and most of the
 * MR-tall tile would be padding, so work on C's rows directly.
 *   op(B) = B:   C[i,:] += (alpha A(i,p)) B[p,:]   (axpy over contiguous rows of B)
 *   op(B) = B^T: C[i,j] += alpha <A[i,:], B[j,:]>  (dot of two contiguous rows, with
 *                LANES partial sums so that it vectorises without -ffast-math)
 * The transposed-A, transposed-B case is not handled here (A's row is strided). */
enum { SMALL_M = 4, LANES = 8 };

static void gemm_small_m(bool trans_a, bool trans_b, size_t M, size_t N, size_t K,
                         tg_real alpha, const tg_real *A, size_t lda, const tg_real *B,
                         size_t ldb, tg_real *C, size_t ldc) {
    for (size_t i = 0; i < M; i++) {
        tg_real *restrict c = C + i * ldc;
        if (!trans_b) {
            for (size_t p = 0; p < K; p++) {
                tg_real a = alpha * (trans_a ? A[p * lda + i] : A[i * lda + p]);
                const tg_real *restrict b = B + p * ldb;
                for (size_t j = 0; j < N; j++) c[j] += a * b[j];
            }
        } else {
            const tg_real *restrict a = A + i * lda; /* !trans_a here */
            for (size_t j = 0; j < N; j++) {
                const tg_real *restrict b = B + j * ldb;
                tg_real lane[LANES] = {0}, s = 0;
                size_t p = 0;
                for (; p + LANES <= K; p += LANES)
                    for (int l = 0; l < LANES; l++) lane[l] += a[p + l] * b[p + l];
                for (; p < K; p++) s += a[p] * b[p];
                for (int l = 0; l < LANES; l++) s += lane[l];
                c[j] += alpha * s;
            }
        }
    }
}

/* C := beta C, with beta == 0 meaning "overwrite" (never reads C). */
static void scale_c(size_t M, size_t N, tg_real beta, tg_real *C, size_t ldc) {
    if (beta == 1) return;
    for (size_t i = 0; i < M; i++) {
        tg_real *c = C + i * ldc;
        if (beta == 0) memset(c, 0, N * sizeof *c);
        else for (size_t j = 0; j < N; j++) c[j] *= beta;
    }
}

void tg__gemm(bool trans_a, bool trans_b, size_t M, size_t N, size_t K, tg_real alpha,
              const tg_real *A, size_t lda, const tg_real *B, size_t ldb, tg_real beta,
              tg_real *C, size_t ldc) {
    if (M == 0 || N == 0) return;
    scale_c(M, N, beta, C, ldc);
    if (K == 0 || alpha == 0) return;
    if (M < SMALL_M && !(trans_a && trans_b)) {
        gemm_small_m(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, C, ldc);
        return;
    }

    /* 64-byte aligned so the micro-kernel's panel loads are aligned vectors. */
    _Alignas(64) tg_real Ap[MC * KC];
    _Alignas(64) tg_real Bp[KC * NC];

    for (size_t jc = 0; jc < N; jc += NC) {
        size_t nc = min_sz(NC, N - jc);
        for (size_t pc = 0; pc < K; pc += KC) {
            size_t kc = min_sz(KC, K - pc);
            pack_b(trans_b, kc, nc, B, ldb, pc, jc, Bp);
            for (size_t ic = 0; ic < M; ic += MC) {
                size_t mc = min_sz(MC, M - ic);
                pack_a(trans_a, mc, kc, A, lda, ic, pc, Ap);
                for (size_t jr = 0; jr < nc; jr += NR) {
                    size_t nr = min_sz(NR, nc - jr);
                    const tg_real *bp = Bp + (jr / NR) * kc * NR;
                    for (size_t ir = 0; ir < mc; ir += MR) {
                        size_t mr = min_sz(MR, mc - ir);
                        micro_kernel(kc, Ap + (ir / MR) * kc * MR, bp,
                                     C + (ic + ir) * ldc + jc + jr, ldc, mr, nr, alpha);
                    }
                }
            }
        }
    }
}
