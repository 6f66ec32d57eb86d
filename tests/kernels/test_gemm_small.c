/* test_gemm_small.c — the small-product path (tg/gemm_small.h) gives tg__gemm's bits:
 * at odd sizes (1, 7, 33, 255, 257 and the per-head shapes of attention), with and
 * without transposes, alpha 1 and not, beta 0 (C, full of NaN, is not read) and 1,
 * operands in blocks of wider rows (leading dimensions past their columns), with every
 * GEMM kernel this CPU runs. It takes its own path for the per-head shapes when the
 * AVX-512 kernels are in use, and hands the rest (beta 0.5, K past one rank update,
 * operands past its buffers) to tg__gemm. */
#include <math.h>
#include <stdlib.h>
#include <tg/gemm.h>
#include <tg/gemm_small.h>
#include "check.h"

/* n uniform values in [-1, 1) from the seed, in a fresh buffer */
static tg_real *randoms(size_t n, uint64_t seed) {
    tg_tensor *t = tg_tensor_new(1, (int[]){(int)n}, 0);
    tg_rng g;
    tg_rng_seed(&g, seed);
    tg_tensor_uniform(t, &g, -1, 1);
    tg_real *v = malloc(n * sizeof *v);
    memcpy(v, t->data, n * sizeof *v);
    tg_tensor_free(t);
    return v;
}

static const size_t sizes[] = {1, 7, 33, 255, 257};
enum { N_SIZES = sizeof sizes / sizeof sizes[0], PAD = 5 };

/* One shape, every transpose, alpha and beta: tg__gemm_small against tg__gemm, the
 * operands stored with PAD spare reals on each row. Counts the products that took the
 * small path in *own; false at the first difference. */
static bool same_bits(size_t M, size_t N, size_t K, int *own) {
    size_t lda_max = (M > K ? M : K) + PAD, ldb_max = (N > K ? N : K) + PAD, ldc = N + PAD;
    tg_real *A = randoms(lda_max * (M > K ? M : K), M * 1000 + K), *B = randoms(ldb_max * (N > K ? N : K), N + 7);
    tg_real *C0 = randoms(M * ldc, 11), *C1 = malloc(M * ldc * sizeof *C1), *C2 = malloc(M * ldc * sizeof *C2);
    bool same = true;
    for (int v = 0; v < 16 && same; v++) {
        bool ta = v & 1, tb = v & 2;
        tg_real alpha = v & 4 ? (tg_real)0.17677669529663687 : 1, beta = v & 8 ? 1 : 0;
        size_t lda = (ta ? M : K) + PAD, ldb = (tb ? K : N) + PAD;
        for (size_t i = 0; i < M * ldc; i++) C1[i] = C2[i] = beta != 0 ? C0[i] : (tg_real)NAN;
        tg__gemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C1, ldc);
        tg__gemm_small(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C2, ldc);
        *own += tg__gemm_small_fits(tb, M, N, K, alpha, beta);
        for (size_t i = 0; i < M && same; i++) /* the padding of C is not compared */
            same = memcmp(C1 + i * ldc, C2 + i * ldc, N * sizeof *C1) == 0;
        if (!same)
            printf("small: (%zu,%zu,%zu) ta %d tb %d alpha %g beta %g differs\n", M, N, K, ta, tb,
                   (double)alpha, (double)beta);
    }
    free(A), free(B), free(C0), free(C1), free(C2);
    return same;
}

int main(void) {
    for (int k = 0; k < tg__gemm_isa_count(); k++) {
        const char *isa = tg__gemm_isa_name(k);
        if (!tg__gemm_use_isa(isa)) continue;
        int shapes = 0, ok = 0, own = 0;
        for (int a = 0; a < N_SIZES; a++)
            for (int b = 0; b < N_SIZES; b++)
                for (int c = 0; c < N_SIZES; c++, shapes++) ok += same_bits(sizes[a], sizes[b], sizes[c], &own);
        /* the per-head products of a (B, 64, 128) attention with 4 heads */
        static const size_t heads[][3] = {{64, 64, 32}, {64, 32, 64}, {32, 64, 64}, {64, 64, 64}};
        int own_heads = 0;
        for (int s = 0; s < 4; s++, shapes++) ok += same_bits(heads[s][0], heads[s][1], heads[s][2], &own_heads);
        CHECK(ok == shapes, "%s: tg__gemm_small gives tg__gemm's bits at %d of %d shapes", isa, ok, shapes);
        bool avx512 = strcmp(isa, "avx512") == 0;
        CHECK(avx512 ? own_heads == 4 * 16 && own > 0 : own + own_heads == 0,
              "%s: the small path took %d of the 64 per-head products and %d others", isa, own_heads, own);
        printf("gemm_small %-8s tg__gemm's bits at %d shapes; own path for %d + %d products\n", isa, shapes,
               own_heads, own);
    }
    tg__gemm_use_isa(NULL);
    /* what it hands to tg__gemm */
    CHECK(!tg__gemm_small_fits(false, 64, 64, 32, 1, (tg_real)0.5), "beta 0.5 goes to tg__gemm");
    CHECK(!tg__gemm_small_fits(false, 64, 64, 4096, 1, 0), "K past one rank update goes to tg__gemm");
    CHECK(!tg__gemm_small_fits(true, 257, 257, 257, 1, 0), "operands past the buffers go to tg__gemm");
    CHECK(!tg__gemm_small_fits(false, 64, 64, 32, 0, 1), "alpha 0 goes to tg__gemm");
    CHECK(!tg__gemm_small_fits(false, 3, 64, 32, 1, 0), "fewer than 4 rows (tg__gemm's direct path) go to tg__gemm");
    return check_done();
}
