/* gemm_small.c — the choice between the small-product kernel and tg__gemm
 * (tg/gemm_small.h). */
#include <string.h>
#include <tg/gemm.h>
#include <tg/gemm_small.h>
#include "gemm_small_kernels.h"

bool tg__gemm_small_fits(bool trans_b, size_t M, size_t N, size_t K, tg_real alpha, tg_real beta) {
#if TG_GEMM_AVX512
    const size_t KC = 1024 / sizeof(tg_real), NR = TG__GEMM_SMALL_NR, cap = TG__GEMM_SMALL_REALS;
    /* tg__gemm's packed path in one rank update (its direct path has other bits), the
     * operands within the stack buffers, and the AVX-512 kernels in use */
    return (beta == 0 || beta == 1) && alpha != 0 && M > 0 && N > 0 && K <= KC &&
           tg__gemm_packs(trans_b, M, K) && M <= cap / K && N <= cap / K - NR &&
           strcmp(tg__gemm_isa(), "avx512") == 0;
#else
    (void)trans_b, (void)M, (void)N, (void)K, (void)alpha, (void)beta;
    return false;
#endif
}

void tg__gemm_small(bool trans_a, bool trans_b, size_t M, size_t N, size_t K, tg_real alpha,
                    const tg_real *A, size_t lda, const tg_real *B, size_t ldb, tg_real beta,
                    tg_real *C, size_t ldc) {
#if TG_GEMM_AVX512
    if (tg__gemm_small_fits(trans_b, M, N, K, alpha, beta)) {
        tg__gemm_small_avx512(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta == 1, C, ldc);
        return;
    }
#endif
    tg__gemm(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}
