/* gemm.c — cache-blocked, packed GEMM with register-blocked micro-kernels chosen at
 * run time for the CPU, split across the thread pool by blocks of C.
 *
 * The structure is the classic one of GotoBLAS/BLIS (Goto & van de Geijn, "Anatomy of
 * high-performance matrix multiplication", 2008), for one block of C:
 *
 *   for jc in steps of NC over N          columns of C and op(B)
 *     for pc in steps of KC over K        one rank-KC update
 *       pack op(B)[pc:pc+KC, jc:jc+NC] into Bp: NR-wide column panels   (L2)
 *       for ic in steps of MC over M
 *         pack alpha op(A)[ic:ic+MC, pc:pc+KC] into Ap: MR-tall panels  (L2)
 *         for jr in steps of NR, ir in steps of MR
 *           C[ir:ir+MR, jr:jr+NR] += Ap_panel * Bp_panel   (registers; the B panel,
 *                                                           KC x NR, stays in L1)
 * Packing makes the micro-kernel's loads contiguous whatever the transposes and
 * strides, and pads edge panels with zeros so the micro-kernel always computes a full
 * MR x NR tile (the zeros keep stale values, possibly NaN, out of the lanes that are
 * written); only the valid part of an edge tile is written back.
 *
 * Micro-kernels (GCC vector extensions; MR x NV vectors of accumulators):
 *   avx512  MR = 12, two 64-byte vectors per row (NR = 32 float / 16 double): 24 of
 *           the 32 zmm registers accumulate, fused multiply-adds
 *   avx2    MR = 6, two 32-byte vectors (NR = 16 / 8), fused multiply-adds
 *   generic MR = 6, two 16-byte vectors (NR = 8 / 4), separate multiply and add: the
 *           build's own instruction set (SSE2 on x86-64, NEON on arm64, ...)
 * The avx512 and avx2 kernels are compiled with target attributes and chosen once by
 * __builtin_cpu_supports, so the default (portable) build runs at the machine's
 * speed; -Dnative=true only changes the rest of the library. FMA is asked for per
 * function (optimize("fp-contract=fast")) because -std=c11 turns contraction off.
 *
 * Few rows or a short inner dimension (batch-1 RNN steps, rank-few updates): packing
 * would cost as much as the product, so `direct` works on the rows of C:
 *   op(B) = B:   C[i,:] += (alpha op(A)(i,p)) B[p,:]   (axpy over contiguous rows of B)
 *   op(B) = B^T: C[i,j] += alpha <A[i,:], B[j,:]>     (LANES partial sums, so that it
 *                vectorises without reassociation)
 *
 * Threads and determinism: a product large enough is split into tasks by blocks of
 * C — along N at multiples of NR, or along M at multiples of MR — and each task runs
 * the code above on its block. An element's value is a function of its row of
 * op(A), its column of op(B), the K-blocking and its lane in the tile, none of which
 * depends on the split; in `direct` every element is one chain of explicit fma (or of
 * multiply then add in the generic kernel). So results are bit-identical for any
 * thread count. (They do depend on the kernel: FMA rounds once, multiply-add twice.)
 */
#include <math.h>
#include <stdatomic.h>
#include <string.h>
#include "gemm.h"
#include "threads_internal.h"

#if TG_REAL_IS_DOUBLE
#define FMA_R fma
#else
#define FMA_R fmaf
#endif

#if defined(__GNUC__) && !defined(__clang__)
#define TG_CONTRACT __attribute__((optimize("fp-contract=fast")))
#else
#define TG_CONTRACT
#endif
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define TG_GEMM_X86 1
#else
#define TG_GEMM_X86 0
#endif

typedef tg_real v16r __attribute__((vector_size(16)));
typedef tg_real v32r __attribute__((vector_size(32)));
typedef tg_real v64r __attribute__((vector_size(64)));

static size_t min_sz(size_t a, size_t b) { return a < b ? a : b; }

/* ---- micro-kernels ----
 * C[0:mr, 0:nr] (+)= sum_p a[p,:]^T b[p,:] for one packed MR-panel a (kc x MR, element
 * (p,i) at p*MR + i) and NR-panel b (kc x NR). add == false overwrites C. The three
 * bodies are the same code over three vector types. Edge tiles go through `tile` so
 * that the valid part is written with the same additions as a full tile. */
typedef void (*kernel_fn)(size_t kc, const tg_real *a, const tg_real *b, tg_real *C,
                          size_t ldc, size_t mr, size_t nr, bool add);

/* Writes acc (MR x NR reals, row-major) into C's mr x nr corner. */
static inline __attribute__((always_inline)) void write_tile(const tg_real *acc, int MR,
                                                            int NR, tg_real *C, size_t ldc,
                                                            size_t mr, size_t nr, bool add) {
    for (size_t i = 0; i < mr; i++)
        for (size_t j = 0; j < nr; j++)
            C[i * ldc + j] = add ? C[i * ldc + j] + acc[i * (size_t)NR + j] : acc[i * (size_t)NR + j];
    (void)MR;
}

static inline __attribute__((always_inline)) void kernel_v64(
    const int MR, size_t kc, const tg_real *restrict a, const tg_real *restrict b,
    tg_real *restrict C, size_t ldc, size_t mr, size_t nr, bool add) {
    enum { NV = 2, L = (int)(sizeof(v64r) / sizeof(tg_real)), NR = NV * L };
    v64r acc[12][NV];
#pragma GCC unroll 16
    for (int i = 0; i < MR; i++)
#pragma GCC unroll 4
        for (int j = 0; j < NV; j++) acc[i][j] = (v64r){0};
    for (size_t p = 0; p < kc; p++, a += MR, b += NR) {
        v64r bv[NV];
#pragma GCC unroll 4
        for (int j = 0; j < NV; j++) memcpy(&bv[j], b + j * L, sizeof bv[j]);
#pragma GCC unroll 16
        for (int i = 0; i < MR; i++) {
            tg_real ai = a[i];
#pragma GCC unroll 4
            for (int j = 0; j < NV; j++) acc[i][j] += ai * bv[j];
        }
    }
    if (mr == (size_t)MR && nr == NR) {
#pragma GCC unroll 16
        for (int i = 0; i < MR; i++)
#pragma GCC unroll 4
            for (int j = 0; j < NV; j++) {
                v64r c = acc[i][j];
                if (add) {
                    memcpy(&c, C + (size_t)i * ldc + j * L, sizeof c);
                    c += acc[i][j];
                }
                memcpy(C + (size_t)i * ldc + j * L, &c, sizeof c);
            }
    } else {
        _Alignas(64) tg_real tile[12 * NR];
        memcpy(tile, acc, sizeof(tg_real) * (size_t)MR * NR);
        write_tile(tile, MR, NR, C, ldc, mr, nr, add);
    }
}

static inline __attribute__((always_inline)) void kernel_v32(
    const int MR, size_t kc, const tg_real *restrict a, const tg_real *restrict b,
    tg_real *restrict C, size_t ldc, size_t mr, size_t nr, bool add) {
    enum { NV = 2, L = (int)(sizeof(v32r) / sizeof(tg_real)), NR = NV * L };
    v32r acc[6][NV];
#pragma GCC unroll 8
    for (int i = 0; i < MR; i++)
#pragma GCC unroll 4
        for (int j = 0; j < NV; j++) acc[i][j] = (v32r){0};
    for (size_t p = 0; p < kc; p++, a += MR, b += NR) {
        v32r bv[NV];
#pragma GCC unroll 4
        for (int j = 0; j < NV; j++) memcpy(&bv[j], b + j * L, sizeof bv[j]);
#pragma GCC unroll 8
        for (int i = 0; i < MR; i++) {
            tg_real ai = a[i];
#pragma GCC unroll 4
            for (int j = 0; j < NV; j++) acc[i][j] += ai * bv[j];
        }
    }
    if (mr == (size_t)MR && nr == NR) {
#pragma GCC unroll 8
        for (int i = 0; i < MR; i++)
#pragma GCC unroll 4
            for (int j = 0; j < NV; j++) {
                v32r c = acc[i][j];
                if (add) {
                    memcpy(&c, C + (size_t)i * ldc + j * L, sizeof c);
                    c += acc[i][j];
                }
                memcpy(C + (size_t)i * ldc + j * L, &c, sizeof c);
            }
    } else {
        _Alignas(64) tg_real tile[6 * NR];
        memcpy(tile, acc, sizeof(tg_real) * (size_t)MR * NR);
        write_tile(tile, MR, NR, C, ldc, mr, nr, add);
    }
}

static inline __attribute__((always_inline)) void kernel_v16(
    const int MR, size_t kc, const tg_real *restrict a, const tg_real *restrict b,
    tg_real *restrict C, size_t ldc, size_t mr, size_t nr, bool add) {
    enum { NV = 2, L = (int)(sizeof(v16r) / sizeof(tg_real)), NR = NV * L };
    v16r acc[6][NV];
#pragma GCC unroll 8
    for (int i = 0; i < MR; i++)
#pragma GCC unroll 4
        for (int j = 0; j < NV; j++) acc[i][j] = (v16r){0};
    for (size_t p = 0; p < kc; p++, a += MR, b += NR) {
        v16r bv[NV];
#pragma GCC unroll 4
        for (int j = 0; j < NV; j++) memcpy(&bv[j], b + j * L, sizeof bv[j]);
#pragma GCC unroll 8
        for (int i = 0; i < MR; i++) {
            tg_real ai = a[i];
#pragma GCC unroll 4
            for (int j = 0; j < NV; j++) acc[i][j] += ai * bv[j];
        }
    }
    if (mr == (size_t)MR && nr == NR) {
#pragma GCC unroll 8
        for (int i = 0; i < MR; i++)
#pragma GCC unroll 4
            for (int j = 0; j < NV; j++) {
                v16r c = acc[i][j];
                if (add) {
                    memcpy(&c, C + (size_t)i * ldc + j * L, sizeof c);
                    c += acc[i][j];
                }
                memcpy(C + (size_t)i * ldc + j * L, &c, sizeof c);
            }
    } else {
        _Alignas(64) tg_real tile[6 * NR];
        memcpy(tile, acc, sizeof(tg_real) * (size_t)MR * NR);
        write_tile(tile, MR, NR, C, ldc, mr, nr, add);
    }
}

/* ---- direct product for few rows or a short inner dimension (see the top) ---- */
enum { LANES = 8 };

static inline __attribute__((always_inline)) void direct_body(
    bool fused, bool trans_a, bool trans_b, size_t M, size_t N, size_t K, tg_real alpha,
    const tg_real *A, size_t lda, const tg_real *B, size_t ldb, tg_real *C, size_t ldc) {
    for (size_t i = 0; i < M; i++) {
        tg_real *restrict c = C + i * ldc;
        if (!trans_b) {
            for (size_t p = 0; p < K; p++) {
                tg_real a = alpha * (trans_a ? A[p * lda + i] : A[i * lda + p]);
                const tg_real *restrict b = B + p * ldb;
                for (size_t j = 0; j < N; j++) c[j] = fused ? FMA_R(a, b[j], c[j]) : c[j] + a * b[j];
            }
        } else {
            const tg_real *restrict a = A + i * lda; /* !trans_a here */
            for (size_t j = 0; j < N; j++) {
                const tg_real *restrict b = B + j * ldb;
                tg_real lane[LANES] = {0}, s = 0;
                size_t p = 0;
                for (; p + LANES <= K; p += LANES)
                    for (int l = 0; l < LANES; l++)
                        lane[l] = fused ? FMA_R(a[p + l], b[p + l], lane[l]) : lane[l] + a[p + l] * b[p + l];
                for (; p < K; p++) s = fused ? FMA_R(a[p], b[p], s) : s + a[p] * b[p];
                for (int l = 0; l < LANES; l++) s += lane[l];
                c[j] = fused ? FMA_R(alpha, s, c[j]) : c[j] + alpha * s;
            }
        }
    }
}
typedef void (*direct_fn)(bool trans_a, bool trans_b, size_t M, size_t N, size_t K,
                          tg_real alpha, const tg_real *A, size_t lda, const tg_real *B,
                          size_t ldb, tg_real *C, size_t ldc);

/* ---- the kernels per instruction set ---- */
static void kern_generic(size_t kc, const tg_real *a, const tg_real *b, tg_real *C,
                         size_t ldc, size_t mr, size_t nr, bool add) {
    kernel_v16(6, kc, a, b, C, ldc, mr, nr, add);
}
static void direct_generic(bool ta, bool tb, size_t M, size_t N, size_t K, tg_real alpha,
                           const tg_real *A, size_t lda, const tg_real *B, size_t ldb,
                           tg_real *C, size_t ldc) {
    direct_body(false, ta, tb, M, N, K, alpha, A, lda, B, ldb, C, ldc);
}
#if TG_GEMM_X86
__attribute__((target("avx2,fma"))) TG_CONTRACT static void
kern_avx2(size_t kc, const tg_real *a, const tg_real *b, tg_real *C, size_t ldc, size_t mr,
          size_t nr, bool add) {
    kernel_v32(6, kc, a, b, C, ldc, mr, nr, add);
}
__attribute__((target("avx2,fma"))) TG_CONTRACT static void
direct_avx2(bool ta, bool tb, size_t M, size_t N, size_t K, tg_real alpha, const tg_real *A,
            size_t lda, const tg_real *B, size_t ldb, tg_real *C, size_t ldc) {
    direct_body(true, ta, tb, M, N, K, alpha, A, lda, B, ldb, C, ldc);
}
__attribute__((target("avx512f,fma"))) TG_CONTRACT static void
kern_avx512(size_t kc, const tg_real *a, const tg_real *b, tg_real *C, size_t ldc,
            size_t mr, size_t nr, bool add) {
    kernel_v64(12, kc, a, b, C, ldc, mr, nr, add);
}
__attribute__((target("avx512f,fma"))) TG_CONTRACT static void
direct_avx512(bool ta, bool tb, size_t M, size_t N, size_t K, tg_real alpha,
              const tg_real *A, size_t lda, const tg_real *B, size_t ldb, tg_real *C,
              size_t ldc) {
    direct_body(true, ta, tb, M, N, K, alpha, A, lda, B, ldb, C, ldc);
}
#endif

/* Blocking: KC reals of a row (a KC x NR panel of B in L1), MC rows of A and NC
 * columns of B per packed block (both in L2). MC % MR == 0, NC % NR == 0. */
typedef struct {
    const char *name;
    int mr, nr, kc, mc, nc;
    kernel_fn kernel;
    direct_fn direct;
} gemm_isa;

#define RB (int)sizeof(tg_real)
static const gemm_isa isas[] = {
#if TG_GEMM_X86
    {"avx512", 12, 128 / RB, 1024 / RB, 96, 128, kern_avx512, direct_avx512},
    {"avx2", 6, 64 / RB, 1024 / RB, 96, 128, kern_avx2, direct_avx2},
#endif
    {"generic", 6, 32 / RB, 1024 / RB, 96, 128, kern_generic, direct_generic},
};
enum { N_ISAS = sizeof isas / sizeof isas[0], NC_MAX = 2048 };
_Static_assert((size_t)(96 * (1024 / RB) + (1024 / RB) * 128) * sizeof(tg_real) <= TG__GEMM_STACK_BYTES,
               "packing buffers fit the documented stack bound");

static bool isa_supported(int k) {
#if TG_GEMM_X86
    __builtin_cpu_init();
    if (strcmp(isas[k].name, "avx512") == 0) return __builtin_cpu_supports("avx512f");
    if (strcmp(isas[k].name, "avx2") == 0)
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
    return strcmp(isas[k].name, "generic") == 0;
}

static _Atomic(const gemm_isa *) active;

static const gemm_isa *current_isa(void) {
    const gemm_isa *g = atomic_load_explicit(&active, memory_order_acquire);
    if (g) return g;
    for (int k = 0; k < N_ISAS; k++)
        if (isa_supported(k)) {
            atomic_store(&active, &isas[k]);
            return &isas[k];
        }
    return &isas[N_ISAS - 1];
}

int tg__gemm_isa_count(void) { return N_ISAS; }
const char *tg__gemm_isa_name(int k) { return k >= 0 && k < N_ISAS ? isas[k].name : NULL; }
const char *tg__gemm_isa(void) { return current_isa()->name; }
bool tg__gemm_use_isa(const char *name) {
    for (int k = 0; k < N_ISAS; k++)
        if (name && strcmp(isas[k].name, name) == 0 && isa_supported(k)) {
            atomic_store(&active, &isas[k]);
            return true;
        }
    if (!name) atomic_store(&active, (const gemm_isa *)NULL);
    return false;
}

/* ---- packing ---- */

/* Ap <- alpha op(A)[i0:i0+mc, p0:p0+kc] as ceil(mc/MR) panels, each kc x MR (element
 * (i,p) of a panel at p*MR + i); rows past mc are zero. */
static void pack_a(int MR, bool trans, size_t mc, size_t kc, tg_real alpha, const tg_real *A,
                   size_t lda, size_t i0, size_t p0, tg_real *restrict Ap) {
    for (size_t ir = 0; ir < mc; ir += MR, Ap += kc * MR) {
        size_t mr = min_sz(MR, mc - ir);
        if (trans) { /* op(A)(i,p) = A[p][i]: rows of A are contiguous in i */
            for (size_t p = 0; p < kc; p++) {
                const tg_real *src = A + (p0 + p) * lda + i0 + ir;
                size_t i = 0;
                for (; i < mr; i++) Ap[p * MR + i] = alpha * src[i];
                for (; i < (size_t)MR; i++) Ap[p * MR + i] = 0;
            }
        } else { /* op(A)(i,p) = A[i][p]: read each row contiguously */
            size_t i = 0;
            for (; i < mr; i++) {
                const tg_real *src = A + (i0 + ir + i) * lda + p0;
                for (size_t p = 0; p < kc; p++) Ap[p * MR + i] = alpha * src[p];
            }
            for (; i < (size_t)MR; i++)
                for (size_t p = 0; p < kc; p++) Ap[p * MR + i] = 0;
        }
    }
}

/* Bp <- op(B)[p0:p0+kc, j0:j0+nc] as ceil(nc/NR) panels, each kc x NR (element
 * (p,j) of a panel at p*NR + j); columns past nc are zero. */
static void pack_b(int NR, bool trans, size_t kc, size_t nc, const tg_real *B, size_t ldb,
                   size_t p0, size_t j0, tg_real *restrict Bp) {
    for (size_t jr = 0; jr < nc; jr += NR, Bp += kc * NR) {
        size_t nr = min_sz(NR, nc - jr);
        if (trans) { /* op(B)(p,j) = B[j][p] */
            size_t j = 0;
            for (; j < nr; j++) {
                const tg_real *src = B + (j0 + jr + j) * ldb + p0;
                for (size_t p = 0; p < kc; p++) Bp[p * NR + j] = src[p];
            }
            for (; j < (size_t)NR; j++)
                for (size_t p = 0; p < kc; p++) Bp[p * NR + j] = 0;
        } else { /* op(B)(p,j) = B[p][j]: contiguous in j */
            for (size_t p = 0; p < kc; p++) {
                const tg_real *src = B + (p0 + p) * ldb + j0 + jr;
                tg_real *dst = Bp + p * NR;
                if (nr == (size_t)NR) {
                    memcpy(dst, src, sizeof(tg_real) * (size_t)NR);
                } else {
                    memcpy(dst, src, sizeof(tg_real) * nr);
                    memset(dst + nr, 0, sizeof(tg_real) * (NR - nr));
                }
            }
        }
    }
}

/* ---- one block of C ---- */

typedef struct {
    const gemm_isa *g;
    bool trans_a, trans_b, direct, split_n;
    size_t M, N, K;
    tg_real alpha, beta;
    const tg_real *A, *B;
    size_t lda, ldb, ldc;
    tg_real *C;
    size_t unit, units; /* the split: `units` pieces of `unit` rows or columns */
    int tasks;
} gemm_job;

/* The packed algorithm on one block of C (M x N, operands already offset), with
 * panels in buf: Ap (MC x KC) then Bp (KC x NC). */
static void packed(const gemm_job *jb, size_t M, size_t N, const tg_real *A, const tg_real *B,
                   tg_real *C, tg_real *buf, size_t NC) {
    const gemm_isa *g = jb->g;
    size_t K = jb->K, ldc = jb->ldc;
    size_t MR = (size_t)g->mr, NR = (size_t)g->nr, KC = (size_t)g->kc, MC = (size_t)g->mc;
    tg_real *Ap = buf, *Bp = buf + MC * KC;
    for (size_t jc = 0; jc < N; jc += NC) {
        size_t nc = min_sz(NC, N - jc);
        for (size_t pc = 0; pc < K; pc += KC) {
            size_t kc = min_sz(KC, K - pc);
            bool add = pc > 0 || jb->beta != 0;
            pack_b(g->nr, jb->trans_b, kc, nc, B, jb->ldb, pc, jc, Bp);
            for (size_t ic = 0; ic < M; ic += MC) {
                size_t mc = min_sz(MC, M - ic);
                pack_a(g->mr, jb->trans_a, mc, kc, jb->alpha, A, jb->lda, ic, pc, Ap);
                for (size_t jr = 0; jr < nc; jr += NR) {
                    size_t nr = min_sz(NR, nc - jr);
                    const tg_real *bp = Bp + (jr / NR) * kc * NR;
                    for (size_t ir = 0; ir < mc; ir += MR)
                        g->kernel(kc, Ap + (ir / MR) * kc * MR, bp, C + (ic + ir) * ldc + jc + jr,
                                  ldc, min_sz(MR, mc - ir), nr, add);
                }
            }
        }
    }
}

/* Outside the pool: panels on this thread's stack, NC = NC_STACK columns at a time. */
enum { NC_STACK = 128 };
static void packed_on_stack(const gemm_job *jb, size_t M, size_t N, const tg_real *A,
                            const tg_real *B, tg_real *C) {
    _Alignas(64) tg_real buf[TG__GEMM_STACK_BYTES / sizeof(tg_real)];
    packed(jb, M, N, A, B, C, buf, NC_STACK);
}

/* C[0:M, 0:N] := beta C + alpha op(A) op(B) for one block (operands already offset).
 * scratch (TG__SCRATCH_BYTES) or, if NULL, the stack holds the packed panels; the
 * K-blocking, and so every result, is the same either way. */
static void gemm_block(const gemm_job *jb, size_t M, size_t N, const tg_real *A,
                       const tg_real *B, tg_real *C, void *scratch) {
    const gemm_isa *g = jb->g;
    size_t ldc = jb->ldc;
    bool beta0 = jb->beta == 0;
    /* C := beta C first, except that the packed path's first rank-KC update
     * overwrites C when beta == 0 (so C is never read: NaN in it does not leak). */
    if (jb->beta != 1 && (jb->direct || !beta0))
        for (size_t i = 0; i < M; i++) {
            tg_real *c = C + i * ldc;
            if (beta0) memset(c, 0, N * sizeof *c);
            else for (size_t j = 0; j < N; j++) c[j] *= jb->beta;
        }
    if (jb->direct) {
        g->direct(jb->trans_a, jb->trans_b, M, N, jb->K, jb->alpha, A, jb->lda, B, jb->ldb, C, ldc);
    } else if (scratch) {
        /* As many columns of B per packed block as fit after A's block. */
        size_t KC = (size_t)g->kc, NR = (size_t)g->nr;
        size_t nc = (TG__SCRATCH_BYTES / sizeof(tg_real) - (size_t)g->mc * KC) / KC / NR * NR;
        packed(jb, M, N, A, B, C, scratch, nc < NC_MAX ? nc : NC_MAX);
    } else {
        packed_on_stack(jb, M, N, A, B, C);
    }
}

/* Task i of a split product: its share of whole units, as even as possible. */
static void gemm_task(void *ctx, int i, void *scratch) {
    const gemm_job *jb = ctx;
    size_t per = jb->units / (size_t)jb->tasks, extra = jb->units % (size_t)jb->tasks;
    size_t u0 = (size_t)i * per + min_sz((size_t)i, extra);
    size_t nu = per + ((size_t)i < extra);
    size_t lo = u0 * jb->unit, len = nu * jb->unit;
    if (jb->split_n) {
        if (lo >= jb->N) return;
        len = min_sz(len, jb->N - lo);
        const tg_real *B = jb->trans_b ? jb->B + lo * jb->ldb : jb->B + lo;
        gemm_block(jb, jb->M, len, jb->A, B, jb->C + lo, scratch);
    } else {
        if (lo >= jb->M) return;
        len = min_sz(len, jb->M - lo);
        const tg_real *A = jb->trans_a ? jb->A + lo : jb->A + lo * jb->lda;
        gemm_block(jb, len, jb->N, A, jb->B, jb->C + lo * jb->ldc, scratch);
    }
}

/* Few rows, or an inner dimension this short: the direct path. */
enum { DIRECT_M = 4, DIRECT_K = 4 };
/* Products below this many multiply-adds stay on the calling thread (a hand-off to a
 * spinning worker costs ~1 us, to a sleeping one ~10-50 us). */
#define PAR_MIN_FMAS ((double)(1 << 18))

void tg__gemm(bool trans_a, bool trans_b, size_t M, size_t N, size_t K, tg_real alpha,
              const tg_real *A, size_t lda, const tg_real *B, size_t ldb, tg_real beta,
              tg_real *C, size_t ldc) {
    if (M == 0 || N == 0) return;
    if (K == 0 || alpha == 0) { /* C := beta C only */
        K = 0;
        alpha = 0;
    }
    gemm_job jb = {current_isa(), trans_a, trans_b, false, true, M, N, K, alpha, beta,
                   A, B, lda, ldb, ldc, C, N, 1, 1}; /* one task: the whole of C */
    jb.direct = K == 0 || (!trans_b && (M < DIRECT_M || K <= DIRECT_K)) ||
                (trans_b && !trans_a && M < DIRECT_M);
    int T = tg__threads_max();
    double fmas = (double)M * (double)N * (double)K;
    if (T > 1 && fmas >= PAR_MIN_FMAS) {
        size_t MR = (size_t)jb.g->mr, NR = (size_t)jb.g->nr;
        size_t tiles_m = (M + MR - 1) / MR, tiles_n = (N + NR - 1) / NR;
        if (jb.direct) { /* direct: split columns in chunks of 64 */
            jb.split_n = true, jb.unit = 64, jb.units = (N + 63) / 64;
        } else if (tiles_n >= tiles_m) {
            jb.split_n = true, jb.unit = NR, jb.units = tiles_n;
        } else {
            jb.split_n = false, jb.unit = MR, jb.units = tiles_m;
        }
        jb.tasks = jb.units < (size_t)T ? (int)jb.units : T;
    }
    /* Packed products wider than the stack's panels go through the pool even on one
     * thread, for its scratch areas; the rest run here. */
    if (jb.tasks > 1 || (!jb.direct && N > NC_STACK && fmas >= PAR_MIN_FMAS))
        tg__parallel(jb.tasks, gemm_task, &jb);
    else
        gemm_block(&jb, M, N, A, B, C, NULL);
}
