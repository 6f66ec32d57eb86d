/* test_gemm.c — every GEMM micro-kernel this CPU supports (tg__gemm_use_isa) computes
 * the same products as a plain triple loop, on the packed and the direct paths, with
 * and without transposes, beta 0 and 1; unknown kernels are refused; each one's FMA
 * loop (the benchmarks' peak) counts its FLOPs. */
#include <stdlib.h>
#include <tg/gemm.h>
#include "check.h"

/* C = alpha op(A) op(B) + beta C by the definition, in double. */
static void gemm_ref(bool ta, bool tb, size_t M, size_t N, size_t K, double alpha, const tg_real *A,
                     const tg_real *B, double beta, double *C) {
    for (size_t i = 0; i < M; i++)
        for (size_t j = 0; j < N; j++) {
            double s = 0;
            for (size_t p = 0; p < K; p++)
                s += (double)(ta ? A[p * M + i] : A[i * K + p]) * (double)(tb ? B[j * K + p] : B[p * N + j]);
            C[i * N + j] = alpha * s + beta * C[i * N + j];
        }
}

static void gemm_isas(void) {
    static const size_t shapes[][3] = {
        {1, 7, 5}, {3, 17, 2}, {5, 9, 33}, {13, 37, 19}, {70, 130, 90}, {200, 300, 64}, {6, 600, 700},
    };
    size_t big = 700 * 700;
    tg_real *A = malloc(big * sizeof *A), *B = malloc(big * sizeof *B), *C = malloc(big * sizeof *C);
    double *R = malloc(big * sizeof *R);
    tg_rng g;
    tg_rng_seed(&g, 11);
    for (size_t i = 0; i < big; i++) {
        A[i] = (tg_real)(tg_rng_uniform(&g) - 0.5);
        B[i] = (tg_real)(tg_rng_uniform(&g) - 0.5);
    }
    int tried = 0;
    for (int k = 0; k < tg__gemm_isa_count(); k++) {
        const char *isa = tg__gemm_isa_name(k);
        if (!tg__gemm_use_isa(isa)) {
            printf("gemm: %s is not supported by this CPU (skipped)\n", isa);
            continue;
        }
        CHECK(strcmp(tg__gemm_isa(), isa) == 0, "in use: %s, asked %s", tg__gemm_isa(), isa);
        tried++;
        double f1 = tg__gemm_fma_loop(1), f3 = tg__gemm_fma_loop(3);
        CHECK(f1 >= 2 * 8 && f3 == 3 * f1 && tg__gemm_fma_loop(0) == 0,
              "%s: the FMA loop counts 2 FLOPs per lane per accumulator per iteration (%g, %g)",
              isa, f1, f3);
        double worst = 0;
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
            for (int v = 0; v < 8; v++) {
                bool ta = v & 1, tb = v & 2, acc = v & 4;
                size_t M = shapes[s][0], N = shapes[s][1], K = shapes[s][2];
                for (size_t i = 0; i < M * N; i++) C[i] = (tg_real)(0.25 * (double)(i % 7)), R[i] = (double)C[i];
                double alpha = 0.5 + (double)v, beta = acc ? 1 : 0;
                tg__gemm(ta, tb, M, N, K, (tg_real)alpha, A, ta ? M : K, B, tb ? K : N, (tg_real)beta, C, N);
                gemm_ref(ta, tb, M, N, K, alpha, A, B, beta, R);
                for (size_t i = 0; i < M * N; i++) {
                    double e = fabs((double)C[i] - R[i]) / (1 + fabs(R[i]));
                    if (e > worst) worst = e;
                }
            }
        /* K up to 700 terms of size 0.25 in float: a few 1e-6 relative */
        double tol = sizeof(tg_real) == sizeof(float) ? 1e-4 : 1e-12;
        CHECK(worst <= tol, "gemm %s: worst relative error %g", isa, worst);
        printf("gemm %-8s worst relative error %.2g over %zu shapes x 8 variants\n", isa, worst,
               sizeof shapes / sizeof shapes[0]);
    }
    CHECK(tried >= 1, "no GEMM kernel runs here");
    CHECK(!tg__gemm_use_isa("no-such-isa") && tg__gemm_isa_name(-1) == NULL &&
              tg__gemm_isa_name(tg__gemm_isa_count()) == NULL, "unknown ISAs are refused");
    CHECK(tg__gemm_use_isa(NULL), "back to the automatic choice");
    free(A);
    free(B);
    free(C);
    free(R);
}

int main(void) {
    gemm_isas();
    return check_done();
}
