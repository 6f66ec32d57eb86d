/* gemm_body.h — the parts of the GEMM that depend on the instruction set: packing,
 * the register-blocked micro-kernel, the loop nest around it, and the direct
 * (unpacked) product. The algorithm and the driver are described in gemm.c.
 *
 * Written once, compiled once per instruction set: each of gemm_generic.c,
 * gemm_avx2.c and gemm_avx512.c defines, before including this file,
 *   enum { VEC_BYTES = ..., MR = ..., NV = ..., FUSED = ... };
 * VEC_BYTES: the size of one vector register (16, 32, 64); MR: rows of the register
 * tile; NV: vectors per row of the tile; FUSED: 1 if the direct product uses fma() (the TU is then also compiled with
 * -ffp-contract=fast, so that the micro-kernel's a * b + c is one FMA), 0 for
 * multiply then add. meson.build gives each file its instruction set's flags; the
 * file then exports one tg__gemm_kernels (gemm_kernels.h) built from the functions
 * below, and gemm.c checks the CPU before calling any of them.
 *
 * Micro-kernel: MR rows x NV vectors of accumulators, NR = NV * VEC_BYTES /
 * sizeof(tg_real) columns, in GCC vector extensions.
 *
 * Blocking (reals: float / double): KC = 1 KiB of a row (256 / 128), so a KC x NR panel
 * of B (32 KiB for two 64-byte vectors) stays in L1 while MR-panels of A stream from
 * L2 (four vectors make it 64 KiB, partly in L2, and the wider tile still wins);
 * MC = 96 rows of A per packed block (96 KiB, L2); NC, the columns of B per packed
 * block, is chosen by the caller from the buffer it has (gemm.c).
 *
 * This file has no include guard: it is meant to be included once per translation
 * unit, and only by those three files. */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "gemm_kernels.h"

#if TG_REAL_IS_DOUBLE
#define FMA_R fma
#else
#define FMA_R fmaf
#endif
#define AI static inline __attribute__((always_inline))

typedef tg_real vec __attribute__((vector_size(VEC_BYTES)));
enum {
    VL = (int)(VEC_BYTES / sizeof(tg_real)), /* reals per vector */
    NR = NV * VL,                            /* columns of the tile */
    KC = TG__GEMM_KC_BYTES / (int)sizeof(tg_real),
    MC = TG__GEMM_MC,
};

static inline size_t min_sz(size_t a, size_t b) { return a < b ? a : b; }

/* ---- the micro-kernel ----
 * C[0:mr, 0:nr] (+)= sum_p a[p,:]^T b[p,:] for one packed MR-panel a (kc x MR, element
 * (p,i) at p*MR + i) and NR-panel b (kc x NR); add == false overwrites. An edge tile
 * (mr < MR or nr < NR) is stored to `tile` first and its valid part written with the
 * same single additions as a full tile. */

AI void write_tile(const tg_real *tile, tg_real *C, size_t ldc, size_t mr, size_t nr, bool add) {
    for (size_t i = 0; i < mr; i++)
        for (size_t j = 0; j < nr; j++) {
            tg_real v = tile[i * (size_t)NR + j];
            C[i * ldc + j] = add ? C[i * ldc + j] + v : v;
        }
}

/* Where a tile finds op(A)(i,p): in a packed panel (a[p*MR + i]), or, when op(A) = A
 * and alpha == 1, in the rows of A itself (a[i*lda + p]): packing would then only copy,
 * and the broadcasts read the rows as well as the panel. The same values meet the same
 * multiply-adds in the same order, so the bits are the packed path's. An edge tile
 * reads its last valid row in place of the rows past it (in bounds; their sums are
 * never written), where a packed panel holds zeros. */
enum { A_PACKED, A_ROWS };

/* The tile with R rows of accumulators (R == MR, or fewer for an edge tile of at
 * most R valid rows: a batch of 32 on 6-row tiles leaves 2 in the last, which then
 * costs a third of a full tile, not a whole one). Each element's sum is the same
 * chain of multiply-adds whatever R, so the bits do not depend on it. */
AI void kernel_r(const int R, const int mode, size_t kc, const tg_real *restrict a, size_t lda,
                 const tg_real *restrict b, tg_real *restrict C, size_t ldc, size_t mr, size_t nr,
                 bool add) {
    if (add) /* C's tile is read at the end: start fetching it now (it may be in L3) */
#pragma GCC unroll 16
        for (int i = 0; i < R; i++) {
            __builtin_prefetch(C + (size_t)i * ldc, 1, 3);
            __builtin_prefetch(C + (size_t)i * ldc + NR - 1, 1, 3);
        }
    const tg_real *rp[R]; /* A_ROWS: row i of the tile, or its last valid row */
#pragma GCC unroll 16
    for (int i = 0; i < R; i++) rp[i] = a + ((size_t)i < mr ? (size_t)i : mr - 1) * lda;
    vec acc[R][NV];
#pragma GCC unroll 16
    for (int i = 0; i < R; i++)
#pragma GCC unroll 4
        for (int j = 0; j < NV; j++) acc[i][j] = (vec){0};
#define KERNEL_LOOP(AIP, STEP)                                                                     \
    _Pragma("GCC unroll 4") for (size_t p = 0; p < kc; p++, b += NR, STEP) {                       \
        vec bv[NV];                                                                                \
        _Pragma("GCC unroll 4") for (int j = 0; j < NV; j++)                                       \
            memcpy(&bv[j], b + j * VL, sizeof bv[j]);                                              \
        _Pragma("GCC unroll 16") for (int i = 0; i < R; i++) {                                     \
            tg_real ai = (AIP);                                                                    \
            _Pragma("GCC unroll 4") for (int j = 0; j < NV; j++) acc[i][j] += ai * bv[j];         \
        }                                                                                          \
    }
    if (mode == A_PACKED) {
        KERNEL_LOOP(a[i], a += MR)
    } else {
        size_t q = 0;
        KERNEL_LOOP(rp[i][q], q++)
    }
#undef KERNEL_LOOP
    if (R == MR && mr == (size_t)MR && nr == NR) {
#pragma GCC unroll 16
        for (int i = 0; i < R; i++)
#pragma GCC unroll 4
            for (int j = 0; j < NV; j++) {
                vec c = acc[i][j];
                if (add) {
                    memcpy(&c, C + (size_t)i * ldc + j * VL, sizeof c);
                    c += acc[i][j];
                }
                memcpy(C + (size_t)i * ldc + j * VL, &c, sizeof c);
            }
    } else {
        _Alignas(64) tg_real tile[MR * NR];
#pragma GCC unroll 16
        for (int i = 0; i < R; i++) /* from the registers (a copy of the whole of acc would
                                     * keep an image of it in memory, zeroed at the start) */
#pragma GCC unroll 4
            for (int j = 0; j < NV; j++) memcpy(tile + i * NR + j * VL, &acc[i][j], sizeof(vec));
        write_tile(tile, C, ldc, mr, nr, add);
    }
}

#define KERNEL_OF(NAME, MODE)                                                                      \
    static void NAME(size_t kc, const tg_real *restrict a, size_t lda, const tg_real *restrict b,  \
                     tg_real *restrict C, size_t ldc, size_t mr, size_t nr, bool add) {            \
        if (mr > 4 || MR <= 4) kernel_r(MR, MODE, kc, a, lda, b, C, ldc, mr, nr, add);             \
        else if (mr > 2) kernel_r(4, MODE, kc, a, lda, b, C, ldc, mr, nr, add);                    \
        else kernel_r(2, MODE, kc, a, lda, b, C, ldc, mr, nr, add);                                \
    }
KERNEL_OF(kernel_packed, A_PACKED)
KERNEL_OF(kernel_rows, A_ROWS)
#undef KERNEL_OF

/* ---- packing ---- */

/* Gathering MR (or NR) rows side by side into panels is a transpose. Blocks of 8 x 8
 * go through vector registers: 8 row loads, 24 two-vector shuffles, 8 stores. */
typedef tg_real v8r __attribute__((vector_size(8 * sizeof(tg_real))));
#if TG_REAL_IS_DOUBLE
typedef int64_t v8i __attribute__((vector_size(64)));
#else
typedef int32_t v8i __attribute__((vector_size(32)));
#endif

/* dst[p*ldd + i] = s * src[i*lds + p] for i, p < 8. */
AI void transpose8(const tg_real *src, size_t lds, tg_real *dst, size_t ldd, tg_real s) {
    v8r r[8], t[8], u[8];
    for (int i = 0; i < 8; i++) {
        memcpy(&r[i], src + (size_t)i * lds, sizeof r[i]);
        r[i] *= s;
    }
    for (int i = 0; i < 8; i += 2) { /* pairs of rows interleaved */
        t[i] = __builtin_shuffle(r[i], r[i + 1], (v8i){0, 8, 1, 9, 4, 12, 5, 13});
        t[i + 1] = __builtin_shuffle(r[i], r[i + 1], (v8i){2, 10, 3, 11, 6, 14, 7, 15});
    }
    for (int i = 0; i < 8; i += 4) { /* then pairs of pairs */
        u[i] = __builtin_shuffle(t[i], t[i + 2], (v8i){0, 1, 8, 9, 4, 5, 12, 13});
        u[i + 1] = __builtin_shuffle(t[i], t[i + 2], (v8i){2, 3, 10, 11, 6, 7, 14, 15});
        u[i + 2] = __builtin_shuffle(t[i + 1], t[i + 3], (v8i){0, 1, 8, 9, 4, 5, 12, 13});
        u[i + 3] = __builtin_shuffle(t[i + 1], t[i + 3], (v8i){2, 3, 10, 11, 6, 7, 14, 15});
    }
    for (int p = 0; p < 4; p++) { /* then the halves: column p and column p + 4 */
        v8r lo = __builtin_shuffle(u[p], u[p + 4], (v8i){0, 1, 2, 3, 8, 9, 10, 11});
        v8r hi = __builtin_shuffle(u[p], u[p + 4], (v8i){4, 5, 6, 7, 12, 13, 14, 15});
        memcpy(dst + (size_t)p * ldd, &lo, sizeof lo);
        memcpy(dst + (size_t)(p + 4) * ldd, &hi, sizeof hi);
    }
}

/* Panel[p*W + i] = s * src[i*lds + p] for i < W (W rows of src side by side), p < kc:
 * 8 x 8 blocks when W is a multiple of 8, one value at a time otherwise. */
AI void gather_rows(const int W, size_t kc, tg_real s, const tg_real *src, size_t lds,
                    tg_real *restrict panel) {
    size_t p = 0;
    if (W % 8 == 0)
        for (; p + 8 <= kc; p += 8)
            for (int i = 0; i < W; i += 8)
                transpose8(src + (size_t)i * lds + p, lds, panel + p * W + i, (size_t)W, s);
    for (; p < kc; p++)
#pragma GCC unroll 32
        for (int i = 0; i < W; i++) panel[p * W + i] = s * src[(size_t)i * lds + p];
}

/* Ap <- alpha op(A)[0:mc, 0:kc] (A at the block's first row and column) as
 * ceil(mc/MR) panels, each kc x MR, element (i,p) of a panel at p*MR + i; rows past mc
 * are zero. alpha * x is x exactly when alpha == 1. In a product of segments (ar not
 * NULL; op(A) = A^T) row p of A starts at ar[p] + col. */
AI void pack_a(const tg__gemm_args *g, size_t mc, size_t kc, const tg_real *A,
               const tg_real *const *ar, size_t col, tg_real *restrict Ap) {
    size_t lda = g->lda;
    tg_real alpha = g->alpha;
    if (g->trans_a) { /* op(A)(i,p) = A[p][i]: read row p of A once, across every panel */
        for (size_t p = 0; p < kc; p++) {
            const tg_real *src = ar ? ar[p] + col : A + p * lda;
            tg_real *dst = Ap + p * MR;
            size_t ir = 0;
            for (; ir + MR <= mc; ir += MR, dst += kc * MR)
#pragma GCC unroll 16
                for (int i = 0; i < MR; i++) dst[i] = alpha * src[ir + i];
            if (ir < mc)
                for (size_t i = 0; i < (size_t)MR; i++) dst[i] = ir + i < mc ? alpha * src[ir + i] : 0;
        }
        return;
    }
    /* op(A)(i,p) = A[i][p]: MR rows read side by side */
    for (size_t ir = 0; ir < mc; ir += MR, Ap += kc * MR) {
        size_t mr = min_sz(MR, mc - ir);
        const tg_real *src = A + ir * lda;
        if (mr == (size_t)MR) {
            gather_rows(MR, kc, alpha, src, lda, Ap);
        } else {
            for (size_t p = 0; p < kc; p++)
                for (size_t i = 0; i < (size_t)MR; i++)
                    Ap[p * MR + i] = i < mr ? alpha * src[i * lda + p] : 0;
        }
    }
}

/* Bp <- op(B)[0:kc, 0:nc] (B at the block's first row and column) as ceil(nc/NR)
 * panels, each kc x NR, element (p,j) of a panel at p*NR + j; columns past nc are 0.
 * In a product of segments (br not NULL) row p of B starts at br[p] + col. Exported as
 * the kernels' pack_b (gemm_kernels.h). */
AI void pack_b_rows(const tg__gemm_args *g, size_t kc, size_t nc, const tg_real *B,
                    const tg_real *const *br, size_t col, tg_real *restrict Bp) {
    size_t ldb = g->ldb;
    if (!g->trans_b) { /* op(B)(p,j) = B[p][j]: NR contiguous values per row. Rows are
                        * taken 8 at a time across every panel: 8 sequential read streams
                        * and 1 KiB contiguous writes (one panel at a time would read NR
                        * values per page; one row at a time, write with a stride of
                        * kc*NR). */
        for (size_t p0 = 0; p0 < kc; p0 += 8) {
            size_t p1 = min_sz(p0 + 8, kc);
            tg_real *dst = Bp;
            size_t jr = 0;
            for (; jr + NR <= nc; jr += NR, dst += kc * NR)
                for (size_t p = p0; p < p1; p++) {
                    const tg_real *src = br ? br[p] + col : B + p * ldb;
#pragma GCC unroll 32
                    for (int j = 0; j < NR; j++) dst[p * NR + j] = src[jr + j];
                }
            if (jr < nc)
                for (size_t p = p0; p < p1; p++) {
                    const tg_real *src = br ? br[p] + col : B + p * ldb;
                    for (size_t j = 0; j < (size_t)NR; j++) dst[p * NR + j] = jr + j < nc ? src[jr + j] : 0;
                }
        }
        return;
    }
    /* op(B)(p,j) = B[j][p]: NR rows read side by side */
    for (size_t jr = 0; jr < nc; jr += NR, Bp += kc * NR) {
        size_t nr = min_sz(NR, nc - jr);
        const tg_real *src = B + jr * ldb;
        if (nr == (size_t)NR) {
            gather_rows(NR, kc, 1, src, ldb, Bp);
        } else {
            for (size_t p = 0; p < kc; p++)
                for (size_t j = 0; j < (size_t)NR; j++) Bp[p * NR + j] = j < nr ? src[j * ldb + p] : 0;
        }
    }
}

static void pack_b(const tg__gemm_args *g, size_t kc, size_t nc, const tg_real *B, tg_real *Bp) {
    pack_b_rows(g, kc, nc, B, NULL, 0, Bp);
}

/* The panels of op(B)[pc:pc+kc, 0:nc] of a block whose B (at row pc and the block's
 * column) is Bb: packed now into Bp, or found in the prepacked op(B) (g->bp, where
 * Bb - g->bp is the column). */
AI const tg_real *panels_b(const tg__gemm_args *g, size_t pc, size_t kc, size_t nc, const tg_real *Bb,
                           const tg_real *const *br, size_t col, tg_real *Bp) {
    if (g->bp) return g->bp + pc * g->ldp + (size_t)(Bb - g->bp) * kc;
    pack_b_rows(g, kc, nc, Bb, br, col, Bp);
    return Bp;
}

/* Where a block's rows pc.. of op(A) and op(B) start (A and B at the block's first row
 * and column); NULL in a product of segments, whose rows come from seg_rows. */
AI const tg_real *a_at(const tg__gemm_args *g, const tg_real *A, size_t pc) {
    return g->seg ? NULL : g->trans_a ? A + pc * g->lda : A + pc;
}
AI const tg_real *b_at(const tg__gemm_args *g, const tg_real *B, size_t pc, size_t jc) {
    return g->seg ? NULL : g->trans_b ? B + jc * g->ldb + pc : B + pc * g->ldb + jc;
}

/* The rows of a product of segments: the next kc rows of A and of B (pointers to
 * their column 0), from cursor c, which moves past them. */
typedef struct { const tg__gemm_seg *s; size_t row; } seg_cursor;
AI void seg_rows(const tg__gemm_args *g, seg_cursor *c, size_t kc, const tg_real **ar,
                 const tg_real **br) {
    for (size_t p = 0; p < kc; p++) {
        while (c->row == c->s->k) c->s = c->s->next, c->row = 0;
        ar[p] = c->s->a + c->row * g->lda;
        br[p] = c->s->b + c->row * g->ldb;
        c->row++;
    }
}

/* ---- the loop nest around the micro-kernel (gemm.c's picture) ---- */

/* Whether tiles read op(A) from the rows of A (kernel_rows) instead of packed panels:
 * op(A) = A, alpha == 1 (packing would copy), not a product of segments, and rows at
 * most 2 KiB apart. Farther apart, a tile's rows fall into few sets of the L1
 * cache (all into the same ones at multiples of 4 KiB) and evict each other, where a
 * packed panel is contiguous: square products from n = 1024 up ran 5-10 % slower
 * unpacked. The layers' products (rows of 128 to 512 reals) gain. */
AI bool unpacked_a(const tg__gemm_args *g) {
    return !g->trans_a && g->alpha == 1 && !g->seg && g->lda * sizeof(tg_real) <= 2048;
}

/* C[0:M, 0:nc] (+)= alpha op(A)[0:M, 0:kc] Bp for one packed kc x nc block Bp of op(B)
 * (A at the block's first row and column, or its rows from ar at column m0): A packed
 * MC rows at a time into Ap, then every MR x NR tile. add == false stores the first
 * rank-kc update. */
AI void rows_at(const tg__gemm_args *g, size_t M, size_t nc, size_t kc, bool add, const tg_real *A,
                const tg_real *const *ar, size_t m0, const tg_real *Bp, tg_real *C, tg_real *Ap) {
    bool in_place = !ar && unpacked_a(g);
    for (size_t ic = 0; ic < M; ic += MC) {
        size_t mc = min_sz(MC, M - ic);
        const tg_real *Ab = ar ? NULL : g->trans_a ? A + ic : A + ic * g->lda;
        if (!in_place) pack_a(g, mc, kc, Ab, ar, m0 + ic, Ap);
        for (size_t jr = 0; jr < nc; jr += NR) {
            const tg_real *bp = Bp + (jr / NR) * kc * NR;
            for (size_t ir = 0; ir < mc; ir += MR) {
                tg_real *Ct = C + (ic + ir) * g->ldc + jr;
                size_t mr = min_sz(MR, mc - ir), nr = min_sz(NR, nc - jr);
                if (!in_place)
                    kernel_packed(kc, Ap + (ir / MR) * kc * MR, 0, bp, Ct, g->ldc, mr, nr, add);
                else
                    kernel_rows(kc, Ab + ir * g->lda, g->lda, bp, Ct, g->ldc, mr, nr, add);
            }
        }
    }
}

/* Exported as the kernels' rows (gemm_kernels.h). */
static void rows(const tg__gemm_args *g, size_t M, size_t nc, size_t kc, bool add, const tg_real *A,
                 const tg_real *Bp, tg_real *C, tg_real *Ap) {
    rows_at(g, M, nc, kc, add, A, NULL, 0, Bp, C, Ap);
}

/* C[0:M, 0:N] (+)= alpha op(A) op(B) for at most MC rows: a single block of rows, so
 * each panel of B serves the MR-tiles of one block and is then done with. It is
 * packed just before its tiles, into a buffer that stays in L1, instead of packing
 * NC columns into L2 first (written there, then read back). Same packed panels, same
 * kernel calls: the same result, bit for bit. */
AI void few_rows(const tg__gemm_args *g, size_t M, size_t N, const tg_real *A, const tg_real *B,
                 tg_real *C, tg_real *Ap, tg_real *Bp, size_t m0, size_t n0) {
    const tg_real *ar[KC], *br[KC], *const *sa = NULL, *const *sb = NULL;
    seg_cursor cur = {g->seg, 0};
    bool in_place = unpacked_a(g);
    for (size_t pc = 0; pc < g->K; pc += KC) {
        size_t kc = min_sz(KC, g->K - pc);
        bool add = pc > 0 || !g->overwrite;
        if (g->seg) seg_rows(g, &cur, kc, ar, br), sa = ar, sb = br;
        const tg_real *Ab = a_at(g, A, pc);
        if (!in_place) pack_a(g, M, kc, Ab, sa, m0, Ap);
        for (size_t jr = 0; jr < N; jr += NR) {
            size_t nr = min_sz(NR, N - jr);
            const tg_real *bp = panels_b(g, pc, kc, nr, b_at(g, B, pc, jr), sb, n0 + jr, Bp);
            for (size_t ir = 0; ir < M; ir += MR) {
                tg_real *Ct = C + ir * g->ldc + jr;
                size_t mr = min_sz(MR, M - ir);
                if (in_place) kernel_rows(kc, Ab + ir * g->lda, g->lda, bp, Ct, g->ldc, mr, nr, add);
                else kernel_packed(kc, Ap + (ir / MR) * kc * MR, 0, bp, Ct, g->ldc, mr, nr, add);
            }
        }
    }
}

/* The whole nest for one block of C: B packed NC columns x KC rows at a time (or one
 * panel at a time for few rows, above). Exported as the kernels' packed. */
static void packed(const tg__gemm_args *g, size_t M, size_t N, const tg_real *A,
                   const tg_real *B, tg_real *C, tg_real *buf, size_t NC, size_t m0, size_t n0) {
    tg_real *Ap = buf, *Bp = buf + (size_t)MC * KC;
    if (M <= (size_t)MC) {
        few_rows(g, M, N, A, B, C, Ap, Bp, m0, n0);
        return;
    }
    const tg_real *ar[KC], *br[KC], *const *sa = NULL, *const *sb = NULL;
    for (size_t jc = 0; jc < N; jc += NC) {
        size_t nc = min_sz(NC, N - jc);
        seg_cursor cur = {g->seg, 0};
        for (size_t pc = 0; pc < g->K; pc += KC) {
            size_t kc = min_sz(KC, g->K - pc);
            if (g->seg) seg_rows(g, &cur, kc, ar, br), sa = ar, sb = br;
            const tg_real *bp = panels_b(g, pc, kc, nc, b_at(g, B, pc, jc), sb, n0 + jc, Bp);
            rows_at(g, M, nc, kc, pc > 0 || !g->overwrite, a_at(g, A, pc), sa, m0, bp, C + jc, Ap);
        }
    }
}

/* The prepacked op(B) (gemm_kernels.h): each KC-block of rows as pack_b packs it. */
static void pack_all(const tg__gemm_args *g, size_t K, size_t N, const tg_real *B, tg_real *dst,
                     size_t ldp) {
    for (size_t pc = 0; pc < K; pc += KC)
        pack_b(g, min_sz(KC, K - pc), N, b_at(g, B, pc, 0), dst + pc * ldp);
}

/* ---- the direct product (gemm.c) ----
 *   op(B) = B:   C[i,:] += (alpha op(A)(i,p)) B[p,:]   axpy over contiguous rows of B
 *   op(B) = B^T: C[i,j] += alpha <A[i,:], B[j,:]>     LANES partial sums, so that it
 *                vectorises without reassociating
 * FUSED: every multiply-add is one explicit fma (the same instruction for every
 * element, in the vector body and in the remainder alike); otherwise multiply, add. */
enum { LANES = 8 };

static void direct(const tg__gemm_args *g, size_t M, size_t N, const tg_real *A, const tg_real *B,
                   tg_real *C) {
    size_t K = g->K, lda = g->lda, ldb = g->ldb;
    tg_real alpha = g->alpha;
    for (size_t i = 0; i < M; i++) {
        tg_real *restrict c = C + i * g->ldc;
        if (!g->trans_b) {
            for (size_t p = 0; p < K; p++) {
                tg_real a = alpha * (g->trans_a ? A[p * lda + i] : A[i * lda + p]);
                const tg_real *restrict b = B + p * ldb;
                for (size_t j = 0; j < N; j++) c[j] = FUSED ? FMA_R(a, b[j], c[j]) : c[j] + a * b[j];
            }
        } else {
            for (size_t j = 0; j < N; j++) {
                const tg_real *b = B + j * ldb;
                tg_real lane[LANES] = {0}, s = 0;
                size_t p = 0;
                for (; p + LANES <= K; p += LANES)
                    for (int l = 0; l < LANES; l++) {
                        tg_real a = g->trans_a ? A[(p + l) * lda + i] : A[i * lda + p + l];
                        lane[l] = FUSED ? FMA_R(a, b[p + l], lane[l]) : lane[l] + a * b[p + l];
                    }
                for (; p < K; p++) {
                    tg_real a = g->trans_a ? A[p * lda + i] : A[i * lda + p];
                    s = FUSED ? FMA_R(a, b[p], s) : s + a * b[p];
                }
                for (int l = 0; l < LANES; l++) s += lane[l];
                c[j] = FUSED ? FMA_R(alpha, s, c[j]) : c[j] + alpha * s;
            }
        }
    }
}

/* ---- the peak: a pure multiply-add loop (gemm.h, tg__gemm_fma_loop) ----
 * ACCS independent accumulator vectors, acc = acc * m + c each iteration: enough
 * chains to cover the FMA latency on both FMA pipes (4 cycles x 2 pipes needs 8),
 * few enough to stay in registers (16 on AVX2). m and c come through volatiles and
 * the sum goes to one, so the loop is neither folded nor dropped; m < 1 keeps the
 * values bounded and normal. Returns the FLOPs done (2 per lane per accumulator per
 * iteration). */
enum { ACCS = 12 };
static volatile tg_real fma_sink;

static double fma_loop(long iters) {
    volatile tg_real mv = (tg_real)0.999, cv = (tg_real)0.001;
    vec m = (vec){0} + mv, c = (vec){0} + cv, acc[ACCS];
#pragma GCC unroll 16
    for (int i = 0; i < ACCS; i++) acc[i] = c * (tg_real)(i + 1);
    for (long n = 0; n < iters; n++) {
#pragma GCC unroll 16
        for (int i = 0; i < ACCS; i++) acc[i] = acc[i] * m + c;
    }
    vec s = (vec){0};
    for (int i = 0; i < ACCS; i++) s += acc[i];
    tg_real t = 0;
    for (int l = 0; l < VL; l++) t += s[l];
    fma_sink = t;
    return 2.0 * ACCS * VL * (double)iters;
}
