/* gemm_small_avx512.c — the small-product kernel (tg/gemm_small.h) for AVX-512F with
 * FMA, compiled with -mavx512f -mfma -ffp-contract=fast (meson.build), so that
 * `acc += a * b` on vectors is one fused multiply-add, as in the packed kernels.
 *
 * C is covered by tiles of MR = 8 rows x two vectors (NR = 32 float / 16 double
 * columns), as the packed micro-kernel does; for each p of the sum a tile loads its
 * two vectors of row p of op(B) and broadcasts its 8 values of column p of op(A)
 * straight from the operands. op(B) must have rows of contiguous columns: when it is a
 * transpose, or when N is not a multiple of NR (a tile would read past a row), it is
 * first copied into a zero-padded K x ldp buffer. An alpha other than 1 is applied to
 * a copy of A, as packing applies it: the product alpha A(i,p) is rounded before the
 * multiply-add, so each element has the packed path's bits. */
#include <string.h>
#include "gemm_small_kernels.h"

enum {
    VL = 64 / (int)sizeof(tg_real), /* reals per vector */
    NR = 2 * VL,
    MR = 8,
    KC = 1024 / (int)sizeof(tg_real), /* the packed path's rank update (gemm_kernels.h) */
};
_Static_assert((int)NR == (int)TG__GEMM_SMALL_NR, "the header's tile width");
typedef tg_real vec __attribute__((vector_size(64)));

static inline size_t min_sz(size_t a, size_t b) { return a < b ? a : b; }

/* ---- op(B) = B^T copied as rows ----
 * An 8 x 8 block is transposed in registers by three rounds of swapping the
 * off-diagonal s x s sub-blocks of each 2s x 2s block (s = 4, 2, 1): rows i and i + s
 * exchange lanes l + s of row i with lanes l of row i + s (l & s == 0). */
typedef tg_real row8 __attribute__((vector_size(8 * sizeof(tg_real))));
#if TG_REAL_IS_DOUBLE
typedef long long lanes8 __attribute__((vector_size(64)));
#else
typedef int lanes8 __attribute__((vector_size(32)));
#endif

static inline void swap_blocks(row8 *x, row8 *y, lanes8 lo, lanes8 hi) {
    row8 a = __builtin_shuffle(*x, *y, lo), b = __builtin_shuffle(*x, *y, hi);
    *x = a, *y = b;
}

/* dst[p * ldd + j] = src[j * lds + p] for j, p < 8 */
static inline void transpose8x8(const tg_real *src, size_t lds, tg_real *dst, size_t ldd) {
    row8 r[8];
    for (int i = 0; i < 8; i++) memcpy(&r[i], src + (size_t)i * lds, sizeof r[i]);
    for (int i = 0; i < 4; i++)
        swap_blocks(&r[i], &r[i + 4], (lanes8){0, 1, 2, 3, 8, 9, 10, 11}, (lanes8){4, 5, 6, 7, 12, 13, 14, 15});
    for (int i = 0; i < 8; i += (i & 1) ? 3 : 1) /* 0, 1, 4, 5 */
        swap_blocks(&r[i], &r[i + 2], (lanes8){0, 1, 8, 9, 4, 5, 12, 13}, (lanes8){2, 3, 10, 11, 6, 7, 14, 15});
    for (int i = 0; i < 8; i += 2)
        swap_blocks(&r[i], &r[i + 1], (lanes8){0, 8, 2, 10, 4, 12, 6, 14}, (lanes8){1, 9, 3, 11, 5, 13, 7, 15});
    for (int i = 0; i < 8; i++) memcpy(dst + (size_t)i * ldd, &r[i], sizeof r[i]);
}

/* dst (K rows of ldp, zero past column N) <- B^T, B stored N x K with row stride ldb */
static void transpose_b(size_t K, size_t N, const tg_real *B, size_t ldb, tg_real *dst, size_t ldp) {
    size_t K8 = K / 8 * 8, N8 = N / 8 * 8;
    for (size_t j = 0; j < N8; j += 8)
        for (size_t p = 0; p < K8; p += 8) transpose8x8(B + j * ldb + p, ldb, dst + p * ldp + j, ldp);
    for (size_t p = 0; p < K; p++) {
        tg_real *d = dst + p * ldp;
        for (size_t j = p < K8 ? N8 : 0; j < N; j++) d[j] = B[j * ldb + p];
        for (size_t j = N; j < ldp; j++) d[j] = 0;
    }
}

/* The sums of one tile: acc[i][.] = sum_p a(i,p) (row p of op(B)), a(i,p) at
 * a + i * ais + p * aps, row p of op(B) at b + p * ldb. A_ROWS: a(i,.) contiguous
 * (aps == 1), else a(.,p) contiguous (ais == 1); the addresses then take few
 * registers. Rows past mr repeat the last valid row (in bounds; their sums are
 * dropped) in the generic form, used for edge tiles. */
typedef vec tile_acc[MR][2];

#define TILE_STEP(S)                                                                               \
    do {                                                                                           \
        vec b0, b1;                                                                                \
        memcpy(&b0, b, sizeof b0);                                                                 \
        memcpy(&b1, b + VL, sizeof b1);                                                            \
        _Pragma("GCC unroll 8") for (int i = 0; i < MR; i++) {                                     \
            tg_real s = (S);                                                                       \
            acc[i][0] += s * b0;                                                                   \
            acc[i][1] += s * b1;                                                                   \
        }                                                                                          \
    } while (0)

static inline void sums(size_t K, const tg_real *a, size_t ais, size_t aps, const tg_real *b,
                        size_t ldb, size_t mr, tile_acc acc) {
#pragma GCC unroll 8
    for (int i = 0; i < MR; i++) acc[i][0] = acc[i][1] = (vec){0};
    if (mr == (size_t)MR && aps == 1) {
        for (size_t p = 0; p < K; p++, b += ldb, a++) TILE_STEP(a[(size_t)i * ais]);
    } else if (mr == (size_t)MR && ais == 1) {
        for (size_t p = 0; p < K; p++, b += ldb, a += aps) TILE_STEP(a[i]);
    } else {
        size_t last = mr - 1;
        for (size_t p = 0; p < K; p++, b += ldb)
            TILE_STEP(a[((size_t)i < last ? (size_t)i : last) * ais + p * aps]);
    }
}

/* One MR x NR tile of C at row i0 (mr valid rows) and column j0 (nr valid columns). */
static void tile(size_t K, const tg_real *a, size_t ais, size_t aps, const tg_real *b, size_t ldb,
                 tg_real *C, size_t ldc, size_t mr, size_t nr, bool add) {
    tile_acc acc;
    sums(K, a, ais, aps, b, ldb, mr, acc);
    if (mr == (size_t)MR && nr == (size_t)NR) {
#pragma GCC unroll 8
        for (int i = 0; i < MR; i++)
#pragma GCC unroll 2
            for (int j = 0; j < 2; j++) {
                vec c = acc[i][j];
                tg_real *dst = C + (size_t)i * ldc + (size_t)j * VL;
                if (add) {
                    memcpy(&c, dst, sizeof c);
                    c += acc[i][j];
                }
                memcpy(dst, &c, sizeof c);
            }
        return;
    }
    _Alignas(64) tg_real t[MR * NR];
    memcpy(t, acc, sizeof acc);
    for (size_t i = 0; i < mr; i++)
        for (size_t j = 0; j < nr; j++) {
            tg_real v = t[i * (size_t)NR + j];
            C[i * ldc + j] = add ? C[i * ldc + j] + v : v;
        }
}

void tg__gemm_small_avx512(bool trans_a, bool trans_b, size_t M, size_t N, size_t K, tg_real alpha,
                           const tg_real *A, size_t lda, const tg_real *B, size_t ldb, bool add,
                           tg_real *C, size_t ldc) {
    _Alignas(64) tg_real abuf[TG__GEMM_SMALL_REALS], bbuf[TG__GEMM_SMALL_REALS];
    /* op(A)(i,p) at A + i * ais + p * aps */
    size_t ais = trans_a ? 1 : lda, aps = trans_a ? lda : 1;
    if (alpha != 1) { /* alpha A, rows of A (K of M when transposed, else M of K) packed */
        size_t rows = trans_a ? K : M, cols = trans_a ? M : K;
        for (size_t r = 0; r < rows; r++)
            for (size_t c = 0; c < cols; c++) abuf[r * cols + c] = alpha * A[r * lda + c];
        A = abuf;
        ais = trans_a ? 1 : K, aps = trans_a ? M : 1;
    }
    if (trans_b || N % NR != 0) { /* op(B) as K rows of ldp columns, zero beyond N */
        size_t ldp = (N + NR - 1) / NR * NR;
        if (trans_b)
            transpose_b(K, N, B, ldb, bbuf, ldp);
        else
            for (size_t p = 0; p < K; p++) {
                memcpy(bbuf + p * ldp, B + p * ldb, N * sizeof *bbuf);
                memset(bbuf + p * ldp + N, 0, (ldp - N) * sizeof *bbuf);
            }
        B = bbuf, ldb = ldp;
    }
    for (size_t i0 = 0; i0 < M; i0 += MR)
        for (size_t j0 = 0; j0 < N; j0 += NR)
            tile(K, A + i0 * ais, ais, aps, B + j0, ldb, C + i0 * ldc + j0, ldc, min_sz(MR, M - i0),
                 min_sz(NR, N - j0), add);
}
