/* test_gemm.c — every GEMM micro-kernel this CPU supports (tg__gemm_use_isa) computes
 * the same products as a plain triple loop, on the packed and the direct paths, with
 * and without transposes, beta 0 and 1; unknown kernels are refused; each one's FMA
 * loop (the benchmarks' peak) counts its FLOPs. The fast paths give the plain
 * kernel's bits at odd sizes: products with a packed op(B) (tg__gemm_pack_b),
 * products over segments of rows (tg__gemm_segs), products whose tiles read the
 * rows of A in place (alpha 1), and the wide tiles against the narrow ones, on 1 and
 * 2 threads. */
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
        /* odd sizes around the tiles and around a KC block */
        {1, 7, 33}, {7, 1, 255}, {33, 257, 1}, {255, 33, 7}, {257, 255, 33}, {33, 33, 257},
        {255, 257, 257}, {9, 65, 23}, {17, 31, 25},
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

/* Random values in [-0.5, 0.5). */
static tg_real *randoms(size_t n, uint64_t seed) {
    tg_real *v = malloc((n ? n : 1) * sizeof *v);
    tg_rng g;
    tg_rng_seed(&g, seed);
    for (size_t i = 0; i < n; i++) v[i] = (tg_real)(tg_rng_uniform(&g) - 0.5);
    return v;
}

/* The sizes the fast paths are tested at: odd ones around the tiles and blocks. */
static const size_t odd_shapes[][3] = {
    {1, 7, 33}, {7, 1, 255}, {33, 257, 1}, {255, 33, 7}, {257, 255, 33}, {33, 33, 257},
    {7, 257, 255}, {257, 7, 257}, {5, 33, 2}, {255, 257, 257},
};
enum { N_ODD = sizeof odd_shapes / sizeof odd_shapes[0] };

/* For one shape: tg__gemm with B against tg__gemm_packed_b with its pack (both
 * orientations, both transposes of A, beta 0 and 1, on `threads` threads): the same
 * bits. Returns false at the first difference. */
static bool pack_matches(size_t M, size_t N, size_t K) {
    tg_real *A = randoms(M * K, 3), *B = randoms(K * N, 4), *C0 = randoms(M * N, 5);
    tg_real *C1 = malloc(M * N * sizeof *C1), *C2 = malloc(M * N * sizeof *C2);
    size_t cap = tg__gemm_pack_reals(K, N);
    tg_real *data = malloc(cap * sizeof *data);
    bool same = true;
    for (int v = 0; v < 8 && same; v++) {
        bool ta = v & 1, tb = v & 2;
        tg_real beta = v & 4 ? 1 : 0, alpha = (tg_real)(0.5 + v);
        tg__gemm_pack p;
        CHECK(!tg__gemm_pack_b(&p, tb, K, N, B, tb ? K : N, data, cap - 1) && !p.isa,
              "a pack refuses room short by one real");
        same = tg__gemm_pack_b(&p, tb, K, N, B, tb ? K : N, data, cap);
        memcpy(C1, C0, M * N * sizeof *C1);
        memcpy(C2, C0, M * N * sizeof *C2);
        tg__gemm(ta, tb, M, N, K, alpha, A, ta ? M : K, B, tb ? K : N, beta, C1, N);
        tg__gemm_packed_b(ta, M, alpha, A, ta ? M : K, &p, beta, C2, N);
        same = same && memcmp(C1, C2, M * N * sizeof *C1) == 0;
        if (!same) printf("pack: (%zu,%zu,%zu) ta %d tb %d beta %g differs\n", M, N, K, ta, tb, (double)beta);
    }
    free(A), free(B), free(C0), free(C1), free(C2), free(data);
    return same;
}

/* For one shape: C = alpha A^T B + beta C over the K rows cut into segments of
 * uneven lengths (one of them empty), in separate buffers, against tg__gemm on the
 * stacked rows: the same bits where tg__gemm packs, within rounding elsewhere. */
static bool segs_match(size_t M, size_t N, size_t K) {
    tg_real *A = randoms(K * M, 6), *B = randoms(K * N, 7), *C0 = randoms(M * N, 8);
    tg_real *C1 = malloc(M * N * sizeof *C1), *C2 = malloc(M * N * sizeof *C2);
    tg__gemm_seg seg[8];
    tg_real *copies[8];
    size_t n = 0, row = 0, lens[] = {1, 0, 7, 32, 33, 100};
    for (; row < K && n < 7; n++) {
        size_t k = n < 6 ? lens[n] : K - row;
        if (k > K - row) k = K - row;
        copies[n] = malloc((k * (M + N) + 1) * sizeof(tg_real));
        memcpy(copies[n], A + row * M, k * M * sizeof(tg_real));
        memcpy(copies[n] + k * M, B + row * N, k * N * sizeof(tg_real));
        seg[n] = (tg__gemm_seg){copies[n], copies[n] + k * M, k, NULL};
        if (n) seg[n - 1].next = &seg[n];
        row += k;
    }
    bool same = true;
    for (int v = 0; v < 2 && same; v++) {
        tg_real beta = (tg_real)v, alpha = (tg_real)0.75;
        memcpy(C1, C0, M * N * sizeof *C1);
        memcpy(C2, C0, M * N * sizeof *C2);
        tg__gemm(true, false, M, N, K, alpha, A, M, B, N, beta, C1, N);
        tg__gemm_segs(M, N, seg, M, N, alpha, beta, C2, N);
        if (tg__gemm_packs(false, M, K)) {
            same = memcmp(C1, C2, M * N * sizeof *C1) == 0;
        } else {
            double tol = sizeof(tg_real) == sizeof(float) ? 1e-5 : 1e-13;
            for (size_t i = 0; i < M * N; i++)
                same = same && fabs((double)C1[i] - (double)C2[i]) <= tol * (1 + fabs((double)C1[i]));
        }
        if (!same) printf("segments: (%zu,%zu,%zu) beta %d differs\n", M, N, K, v);
    }
    for (size_t i = 0; i < n; i++) free(copies[i]);
    free(A), free(B), free(C0), free(C1), free(C2);
    return same;
}

/* For one shape: with alpha 1 and op(A) = A the tiles read the rows of A itself
 * instead of packed panels (gemm_body.h); the same product with A stored transposed
 * (op(A) = A^T, always packed) has the same values of op(A), so it must give the same
 * bits. Both transposes of B; beta 0 over a C full of NaN (never read) and beta 1;
 * each also within rounding of the plain triple loop. */
static bool rows_match(size_t M, size_t N, size_t K) {
    tg_real *A = randoms(M * K, 11), *B = randoms(K * N, 12), *At = malloc((M * K + 1) * sizeof *At);
    tg_real *C1 = malloc(M * N * sizeof *C1), *C2 = malloc(M * N * sizeof *C2);
    double *R = malloc(M * N * sizeof *R);
    for (size_t i = 0; i < M; i++)
        for (size_t p = 0; p < K; p++) At[p * M + i] = A[i * K + p];
    bool same = true;
    for (int v = 0; v < 4 && same; v++) {
        bool tb = v & 1, acc = v & 2;
        for (size_t i = 0; i < M * N; i++) {
            C1[i] = C2[i] = acc ? (tg_real)(0.25 * (double)(i % 7)) : (tg_real)NAN;
            R[i] = acc ? (double)C1[i] : 0;
        }
        tg__gemm(false, tb, M, N, K, 1, A, K, B, tb ? K : N, acc ? 1 : 0, C1, N);
        tg__gemm(true, tb, M, N, K, 1, At, M, B, tb ? K : N, acc ? 1 : 0, C2, N);
        gemm_ref(false, tb, M, N, K, 1, A, B, acc ? 1 : 0, R);
        if (tg__gemm_packs(tb, M, K)) same = memcmp(C1, C2, M * N * sizeof *C1) == 0;
        double tol = sizeof(tg_real) == sizeof(float) ? 1e-4 : 1e-12;
        for (size_t i = 0; i < M * N; i++) same = same && fabs((double)C1[i] - R[i]) <= tol * (1 + fabs(R[i]));
        if (!same) printf("rows of A: (%zu,%zu,%zu) trans_b %d beta %d differs\n", M, N, K, tb, acc);
    }
    free(A), free(B), free(At), free(C1), free(C2), free(R);
    return same;
}

/* The tile does not change an element's sum: on AVX-512 a product 256 columns wide
 * runs on 6 x 64 tiles and one 200 wide on 8 x 32 (gemm.c, for_cols); the first 200
 * columns of the first must be the second's bits. Both transposes of A, beta 0 over
 * NaN and beta 1, K within and past one rank update. */
static bool tiles_match(size_t M, size_t K) {
    enum { NW = 256, NN = 200 };
    tg_real *A = randoms(M * K, 13), *B = randoms(K * NW, 14);
    tg_real *C1 = malloc(M * NW * sizeof *C1), *C2 = malloc(M * NN * sizeof *C2);
    bool same = true;
    for (int v = 0; v < 4 && same; v++) {
        bool ta = v & 1, acc = v & 2;
        for (size_t i = 0; i < M; i++)
            for (size_t j = 0; j < NW; j++) {
                tg_real c = acc ? (tg_real)(0.25 * (double)((i + j) % 7)) : (tg_real)NAN;
                C1[i * NW + j] = c;
                if (j < NN) C2[i * NN + j] = c;
            }
        tg__gemm(ta, false, M, NW, K, 1, A, ta ? M : K, B, NW, acc ? 1 : 0, C1, NW);
        tg__gemm(ta, false, M, NN, K, 1, A, ta ? M : K, B, NW, acc ? 1 : 0, C2, NN);
        for (size_t i = 0; i < M && same; i++) same = memcmp(C1 + i * NW, C2 + i * NN, NN * sizeof *C1) == 0;
        if (!same) printf("tiles: (%zu,%d|%d,%zu) trans_a %d beta %d differs\n", M, NW, NN, K, ta, acc);
    }
    free(A), free(B), free(C1), free(C2);
    return same;
}

/* Both fast paths at every odd shape, with every kernel this CPU runs, on 1 and 2
 * threads; then a pack made by one kernel is used while another is in use (the
 * product reads B itself), and the 1- and 2-thread results agree bit for bit. */
static void fast_paths(void) {
    for (int k = 0; k < tg__gemm_isa_count(); k++) {
        const char *isa = tg__gemm_isa_name(k);
        if (!tg__gemm_use_isa(isa)) continue;
        for (int threads = 1; threads <= 2; threads++) {
            tg_set_num_threads(threads);
            int ok_pack = 0, ok_seg = 0, ok_rows = 0;
            for (int s = 0; s < N_ODD; s++) {
                ok_pack += pack_matches(odd_shapes[s][0], odd_shapes[s][1], odd_shapes[s][2]);
                ok_seg += segs_match(odd_shapes[s][0], odd_shapes[s][1], odd_shapes[s][2]);
                ok_rows += rows_match(odd_shapes[s][0], odd_shapes[s][1], odd_shapes[s][2]);
            }
            CHECK(ok_rows == N_ODD, "%s, %d thread(s): rows of A read in place give the packed bits at %d of %d shapes",
                  isa, threads, ok_rows, (int)N_ODD);
            static const size_t tm[][2] = {{1, 33}, {7, 1}, {33, 300}, {257, 33}, {100, 257}};
            for (int s = 0; s < 5; s++)
                CHECK(tiles_match(tm[s][0], tm[s][1]), "%s, %d thread(s): 256 and 200 columns agree at M %zu, K %zu",
                      isa, threads, tm[s][0], tm[s][1]);
            CHECK(ok_pack == N_ODD, "%s, %d thread(s): packed op(B) gives tg__gemm's bits at %d of %d shapes",
                  isa, threads, ok_pack, (int)N_ODD);
            CHECK(ok_seg == N_ODD, "%s, %d thread(s): segments give tg__gemm's bits at %d of %d shapes",
                  isa, threads, ok_seg, (int)N_ODD);
            printf("gemm %-8s %d thread(s): pack, segments and rows of A match the plain kernel at %d shapes\n",
                   isa, threads, (int)N_ODD);
        }
    }
    /* thread counts: one large product over segments, 1 vs 2 threads */
    size_t M = 257, N = 255, K = 600;
    tg_real *A = randoms(K * M, 9), *B = randoms(K * N, 10);
    tg_real *C1 = calloc(M * N, sizeof *C1), *C2 = calloc(M * N, sizeof *C2);
    tg__gemm_seg s2 = {A + 300 * M, B + 300 * N, 300, NULL}, s1 = {A, B, 300, &s2};
    tg_set_num_threads(1);
    tg__gemm_segs(M, N, &s1, M, N, 1, 0, C1, N);
    tg_set_num_threads(2);
    tg__gemm_segs(M, N, &s1, M, N, 1, 0, C2, N);
    CHECK(memcmp(C1, C2, M * N * sizeof *C1) == 0, "segments: 1 and 2 threads give the same bits");
    /* a pack from one kernel, used under another: B is read, the plain kernel's bits */
    if (tg__gemm_isa_count() > 1 && tg__gemm_use_isa(tg__gemm_isa_name(tg__gemm_isa_count() - 1))) {
        size_t cap = tg__gemm_pack_reals(K, N);
        tg_real *data = malloc(cap * sizeof *data);
        tg__gemm_pack p;
        bool packed = tg__gemm_pack_b(&p, false, K, N, B, N, data, cap);
        tg__gemm_use_isa(NULL);
        tg__gemm(false, false, 33, N, K, 1, A, K, B, N, 0, C1, N);
        tg__gemm_packed_b(false, 33, 1, A, K, &p, 0, C2, N);
        CHECK(packed && memcmp(C1, C2, 33 * N * sizeof *C1) == 0,
              "a pack made by another kernel: the product reads B (%s)", tg__gemm_isa());
        free(data);
    }
    tg__gemm_use_isa(NULL);
    tg_set_num_threads(1);
    free(A), free(B), free(C1), free(C2);
}

int main(void) {
    gemm_isas();
    fast_paths();
    return check_done();
}
