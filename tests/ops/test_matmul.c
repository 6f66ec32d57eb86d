/* test_matmul.c — tg_matmul and its kernel tg__gemm: hand-computed products,
 * gradient checks of the three shape forms, backward against naive products at odd
 * sizes, the GEMM against a naive triple loop for every transpose combination at
 * sizes 1, 7, 33, 255, 257 (all 125 combinations for the kernel in use, the corners
 * for the CPU's other kernels and for 2 threads), and every error path with its
 * message. */
#include <float.h>
#include <stdlib.h>
#include "check.h"
#include <tg/gemm.h> /* internal kernel, tested directly */
#include <tapegrad/tg_threads.h>

#if TG_REAL_IS_DOUBLE
#define REAL_EPS DBL_EPSILON
#else
#define REAL_EPS FLT_EPSILON
#endif

static const double tol = TG_REAL_IS_DOUBLE ? 1e-14 : 1e-5;

/* ---- forward values by hand ---- */

static void test_forward_values(void) {
    tg_tape *t = tg_tape_new();
    /* (2,3) x (3,2): [1 2 3; 4 5 6] [7 8; 9 10; 11 12] = [58 64; 139 154] */
    tg_tensor *a = tg_tape_tensor(t, 2, (int[]){2, 3}, (tg_real[]){1, 2, 3, 4, 5, 6}, 0);
    tg_tensor *b = tg_tape_tensor(t, 2, (int[]){3, 2}, (tg_real[]){7, 8, 9, 10, 11, 12}, 0);
    tg_tensor *c = tg_matmul(t, a, b);
    CHECK(c && c->rank == 2 && c->shape[0] == 2 && c->shape[1] == 2, "shape (2,2)");
    const double want[4] = {58, 64, 139, 154};
    for (int i = 0; i < 4; i++) CHECK_NEAR(c->data[i], want[i], 0);

    /* The W6 lecture (matrix form): W1 x with W1 = [-0.2 1; -0.5 0.3], x = (20,3)
     * gives (-0.2*20 + 1*3, -0.5*20 + 0.3*3) = (-1, -9.1). */
    tg_tensor *w1 = tg_tape_tensor(t, 2, (int[]){2, 2}, (tg_real[]){-0.2, 1, -0.5, 0.3}, 0);
    tg_tensor *x = tg_tape_tensor(t, 2, (int[]){2, 1}, (tg_real[]){20, 3}, 0);
    tg_tensor *h = tg_matmul(t, w1, x);
    CHECK(h && h->shape[0] == 2 && h->shape[1] == 1, "W1 x is (2,1)");
    CHECK_NEAR(h->data[0], -1, tol * 10);
    CHECK_NEAR(h->data[1], -9.1, tol * 10);

    /* (1,1) x (1,1) */
    tg_tensor *s = tg_matmul(t, tg_tape_full(t, 2, (int[]){1, 1}, 3),
                             tg_tape_full(t, 2, (int[]){1, 1}, -2));
    CHECK(s && s->size == 1 && s->data[0] == -6, "(1,1) x (1,1) = -6");

    /* Batched (2,2,2) x (2,2,2): [1 2; 3 4][1 0; 0 1] = [1 2; 3 4],
     * [0 1; 1 0][5 6; 7 8] = [7 8; 5 6]. */
    tg_tensor *ba = tg_tape_tensor(t, 3, (int[]){2, 2, 2}, (tg_real[]){1, 2, 3, 4, 0, 1, 1, 0}, 0);
    tg_tensor *bb = tg_tape_tensor(t, 3, (int[]){2, 2, 2}, (tg_real[]){1, 0, 0, 1, 5, 6, 7, 8}, 0);
    tg_tensor *bc = tg_matmul(t, ba, bb);
    CHECK(bc && bc->rank == 3 && bc->shape[0] == 2 && bc->shape[1] == 2 && bc->shape[2] == 2,
          "batched shape (2,2,2)");
    const double wb[8] = {1, 2, 3, 4, 7, 8, 5, 6};
    for (int i = 0; i < 8; i++) CHECK_NEAR(bc->data[i], wb[i], 0);

    /* Shared right operand (2,1,2) x (2,3): rows (1,2) and (3,4) times
     * [1 0 2; 0 1 3] = (1,2,8) and (3,4,18). */
    tg_tensor *sa = tg_tape_tensor(t, 3, (int[]){2, 1, 2}, (tg_real[]){1, 2, 3, 4}, 0);
    tg_tensor *sb = tg_tape_tensor(t, 2, (int[]){2, 3}, (tg_real[]){1, 0, 2, 0, 1, 3}, 0);
    tg_tensor *sc = tg_matmul(t, sa, sb);
    CHECK(sc && sc->rank == 3 && sc->shape[0] == 2 && sc->shape[1] == 1 && sc->shape[2] == 3,
          "shared shape (2,1,3)");
    const double ws[6] = {1, 2, 8, 3, 4, 18};
    for (int i = 0; i < 6; i++) CHECK_NEAR(sc->data[i], ws[i], 0);
    CHECK(tg_tape_status(t) == TG_OK, "tape ok: %s", tg_tape_message(t));
    tg_tape_free(t);
}

/* ---- gradient checks ---- */

static tg_tensor *build_matmul(tg_tape *t, tg_tensor *const *in, void *user) {
    (void)user;
    return tg_matmul(t, in[0], in[1]);
}
static tg_tensor *build_square(tg_tape *t, tg_tensor *const *in, void *user) {
    (void)user;
    return tg_matmul(t, in[0], in[0]); /* both gradients land in one buffer */
}

static void test_gradients(void) {
    static const struct { int ra, a[3], rb, b[3]; } cases[] = {
        {2, {1, 1}, 2, {1, 1}},
        {2, {1, 5}, 2, {5, 1}},
        {2, {7, 1}, 2, {1, 3}},
        {2, {3, 4}, 2, {4, 5}},
        {2, {7, 9}, 2, {9, 11}},    /* blocked path, edge tiles in both directions */
        {2, {2, 3}, 2, {3, 9}},     /* few-rows path */
        {3, {1, 1, 1}, 3, {1, 1, 1}},
        {3, {2, 3, 4}, 3, {2, 4, 5}},
        {3, {3, 7, 2}, 3, {3, 2, 9}},
        {3, {3, 2, 4}, 2, {4, 3}},  /* shared B: its gradient sums the batch */
        {3, {2, 5, 3}, 2, {3, 7}},
        {3, {1, 1, 1}, 2, {1, 1}},
    };
    tg_rng g;
    tg_rng_seed(&g, 11);
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        tg_tensor *in[2] = {check_input(&g, cases[c].ra, cases[c].a, -1, 1),
                            check_input(&g, cases[c].rb, cases[c].b, -1, 1)};
        char sa[64], sb[64], label[160];
        snprintf(label, sizeof label, "tg_matmul %s x %s", tg_shape_str(in[0], sa, sizeof sa),
                 tg_shape_str(in[1], sb, sizeof sb));
        check_op_grad(label, build_matmul, NULL, in, 2);
        tg_tensor_free(in[0]);
        tg_tensor_free(in[1]);
    }
    tg_tensor *sq = check_input(&g, 2, (int[]){4, 4}, -1, 1);
    check_op_grad("tg_matmul x x", build_square, NULL, &sq, 1);
    tg_tensor_free(sq);
    tg_tensor *bsq = check_input(&g, 3, (int[]){2, 3, 3}, -1, 1);
    check_op_grad("tg_matmul batched x x", build_square, NULL, &bsq, 1);
    tg_tensor_free(bsq);
}

/* ---- backward at larger odd sizes against naive sums ----
 * C = A B with seed G: dA = G B^T, dB = A^T G (summed over the batch when shared).
 * The backward runs twice: parameter gradients must accumulate (2x). */
static void naive_grads(int batch, bool shared, int M, int K, int N, const tg_real *A,
                        const tg_real *B, const tg_real *G, double *dA, double *dB) {
    memset(dB, 0, sizeof(double) * (size_t)(shared ? 1 : batch) * K * N);
    for (int z = 0; z < batch; z++) {
        const tg_real *Az = A + (size_t)z * M * K, *Gz = G + (size_t)z * M * N;
        const tg_real *Bz = B + (shared ? 0 : (size_t)z * K * N);
        double *dAz = dA + (size_t)z * M * K, *dBz = dB + (shared ? 0 : (size_t)z * K * N);
        for (int m = 0; m < M; m++)
            for (int k = 0; k < K; k++) {
                double s = 0;
                for (int n = 0; n < N; n++) s += (double)Gz[m * N + n] * Bz[k * N + n];
                dAz[m * K + k] = s;
            }
        for (int k = 0; k < K; k++)
            for (int n = 0; n < N; n++) {
                double s = 0;
                for (int m = 0; m < M; m++) s += (double)Az[m * K + k] * Gz[m * N + n];
                dBz[k * N + n] += s;
            }
    }
}

static void check_backward_case(int batch, bool shared, int M, int K, int N) {
    tg_rng g;
    tg_rng_seed(&g, 99);
    int sa[3] = {batch, M, K}, sb[3] = {batch, K, N};
    tg_tensor *a = check_input(&g, 3, sa, -1, 1);
    tg_tensor *b = shared ? check_input(&g, 2, sb + 1, -1, 1) : check_input(&g, 3, sb, -1, 1);
    tg_tape *t = tg_tape_new();
    tg_tensor *c = tg_matmul(t, a, b);
    tg_tensor *seed = tg_tape_tensor(t, 3, (int[]){batch, M, N}, NULL, 0);
    CHECK(c && seed, "matmul (%d,%d,%d) x (%d,%d)", batch, M, K, K, N);
    if (!c || !seed) goto done;
    tg_tensor_uniform(seed, &g, -1, 1);
    CHECK(tg_backward(t, c, seed) == TG_OK && tg_backward(t, c, seed) == TG_OK, "backward: %s",
          tg_tape_message(t));
    double *dA = malloc(sizeof(double) * a->size), *dB = malloc(sizeof(double) * b->size);
    naive_grads(batch, shared, M, K, N, a->data, b->data, seed->data, dA, dB);
    /* Each gradient element sums L terms of size <= 1 (L = N for dA, M per batch entry
     * for dB), twice: |error| <= 2 (L+2) eps L. A wrong index errs by O(1). */
    double LA = N, LB = (double)M * (shared ? batch : 1), worst = 0, w;
    for (size_t i = 0; i < a->size; i++) {
        w = fabs((double)a->grad[i] - 2 * dA[i]) / (2 * (LA + 2) * REAL_EPS * LA);
        worst = w > worst ? w : worst;
    }
    for (size_t i = 0; i < b->size; i++) {
        w = fabs((double)b->grad[i] - 2 * dB[i]) / (2 * (LB + 2) * REAL_EPS * LB);
        worst = w > worst ? w : worst;
    }
    CHECK(worst <= 1, "backward (%d,%d,%d) x %s(%d,%d): error %.3g of the bound", batch, M, K,
          shared ? "shared " : "", K, N, worst);
    free(dA);
    free(dB);
done:
    tg_tape_free(t);
    tg_tensor_free(a);
    tg_tensor_free(b);
}

static void test_backward_sizes(void) {
    check_backward_case(1, false, 33, 7, 257);
    check_backward_case(3, false, 7, 33, 1);
    check_backward_case(2, false, 1, 255, 33);
    check_backward_case(4, true, 33, 33, 7);
    check_backward_case(3, true, 1, 257, 7);
}

/* ---- few columns: the transposed product, bit for bit ----
 * A product with few columns runs as its transpose (matmul.c); its values, and those
 * of dB = A^T G (stored into a fresh gradient and added onto an existing one, in
 * tg_backward's deferred form and in tg_grad's at once), must be the bits of the
 * plain tg__gemm calls, at odd sizes, with K past one K-block (257, 784). */
static int bits_differ(const tg_real *x, const tg_real *y, size_t n) {
    int bad = 0;
    for (size_t i = 0; i < n; i++) bad += memcmp(&x[i], &y[i], sizeof x[i]) != 0;
    return bad;
}

static void check_thin_case(int M, int K, int N) {
    tg_rng g;
    tg_rng_seed(&g, (uint64_t)(M * 1000003 + K * 1009 + N));
    tg_tensor *a = check_input(&g, 2, (int[]){M, K}, -1, 1);
    tg_tensor *b = tg_param_new("b", 2, (int[]){K, N});
    tg_tensor *seed = check_input(&g, 2, (int[]){M, N}, -1, 1);
    tg_tape *t = tg_tape_new();
    size_t kn = (size_t)K * N;
    tg_real *want = malloc(sizeof(tg_real) * (size_t)M * N), *db = malloc(sizeof(tg_real) * kn);
    CHECK(b && t && want && db, "setup (%d,%d) x (%d,%d)", M, K, K, N);
    if (!b || !t || !want || !db) goto done;
    tg_tensor_uniform(b, &g, -1, 1);
    tg__gemm(false, false, (size_t)M, (size_t)N, (size_t)K, 1, a->data, (size_t)K, b->data, (size_t)N, 0, want,
             (size_t)N);
    for (int pass = 0; pass < 3; pass++) { /* 0, 1: tg_backward twice (onto 0, then adding); 2: tg_grad */
        tg_tape_reset(t);
        tg_tensor *c = tg_matmul(t, a, b);
        CHECK(c && bits_differ(c->data, want, (size_t)M * N) == 0, "forward (%d,%d) x (%d,%d): bits differ", M,
              K, K, N);
        if (!c) continue;
        tg_tensor *out = NULL;
        if (pass < 2) {
            if (b->grad) memcpy(db, b->grad, kn * sizeof(tg_real));
            else memset(db, 0, kn * sizeof(tg_real));
            CHECK(tg_backward(t, c, seed) == TG_OK, "backward: %s", tg_tape_message(t));
        } else {
            memset(db, 0, kn * sizeof(tg_real));
            CHECK(tg_grad(t, c, seed, &b, 1, 0, &out) == TG_OK && out, "tg_grad: %s", tg_tape_message(t));
            if (!out) continue;
        }
        tg__gemm(true, false, (size_t)K, (size_t)N, (size_t)M, 1, a->data, (size_t)K, seed->data, (size_t)N,
                 1, db, (size_t)N);
        CHECK(bits_differ(out ? out->data : b->grad, db, kn) == 0, "dB (%d,%d) x (%d,%d), pass %d: bits differ",
              M, K, K, N, pass);
    }
done:
    free(want);
    free(db);
    tg_tape_free(t);
    tg_tensor_free(a);
    tg_tensor_free(b);
    tg_tensor_free(seed);
}

static void test_thin_bits(void) {
    static const int sizes[][3] = {{33, 7, 1}, {64, 256, 10}, {64, 784, 10}, {257, 33, 7}, {255, 257, 16},
                                   {7, 255, 3}, {33, 1, 7}, {256, 64, 10}, {1, 7, 1}, {32, 257, 5}};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        check_thin_case(sizes[i][0], sizes[i][1], sizes[i][2]);
}

/* ---- the GEMM kernel against a naive triple loop ---- */

/* C := alpha op(A) op(B) + beta C in double, and bound[i,j] = |alpha| sum_k
 * |op(A)[i,k] op(B)[k,j]| + |beta C[i,j]| for the error bound. */
static void naive_gemm(bool ta, bool tb, int M, int N, int K, double alpha, const tg_real *A,
                       int lda, const tg_real *B, int ldb, double beta, const tg_real *C,
                       int ldc, double *ref, double *bound) {
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            double s = 0, sa = 0;
            for (int k = 0; k < K; k++) {
                double a = ta ? A[(size_t)k * lda + i] : A[(size_t)i * lda + k];
                double b = tb ? B[(size_t)j * ldb + k] : B[(size_t)k * ldb + j];
                s += a * b;
                sa += fabs(a * b);
            }
            double c0 = beta == 0 ? 0 : beta * C[(size_t)i * ldc + j];
            ref[(size_t)i * N + j] = alpha * s + c0;
            bound[(size_t)i * N + j] = fabs(alpha) * sa + fabs(c0);
        }
}

/* One comparison. pad > 0 makes every leading dimension larger than its row. Returns
 * the worst error relative to the bound (K+2) eps |.|, which must be <= 1. */
static double gemm_case(tg_rng *g, bool ta, bool tb, int M, int N, int K, double alpha,
                        double beta, int pad) {
    int ra = ta ? K : M, ca = ta ? M : K, rb = tb ? N : K, cb = tb ? K : N;
    int lda = ca + pad, ldb = cb + pad, ldc = N + pad;
    tg_real *A = malloc(sizeof(tg_real) * (size_t)ra * lda);
    tg_real *B = malloc(sizeof(tg_real) * (size_t)rb * ldb);
    tg_real *C = malloc(sizeof(tg_real) * (size_t)M * ldc);
    tg_real *C0 = malloc(sizeof(tg_real) * (size_t)M * ldc);
    double *ref = malloc(sizeof(double) * (size_t)M * N), *bound = malloc(sizeof(double) * (size_t)M * N);
    for (size_t i = 0; i < (size_t)ra * lda; i++) A[i] = (tg_real)(2 * tg_rng_uniform(g) - 1);
    for (size_t i = 0; i < (size_t)rb * ldb; i++) B[i] = (tg_real)(2 * tg_rng_uniform(g) - 1);
    for (size_t i = 0; i < (size_t)M * ldc; i++)
        C0[i] = beta == 0 ? (tg_real)NAN : (tg_real)(2 * tg_rng_uniform(g) - 1); /* never read */
    memcpy(C, C0, sizeof(tg_real) * (size_t)M * ldc);
    naive_gemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C0, ldc, ref, bound);
    tg__gemm(ta, tb, (size_t)M, (size_t)N, (size_t)K, (tg_real)alpha, A, (size_t)lda, B,
             (size_t)ldb, (tg_real)beta, C, (size_t)ldc);
    double worst = 0;
    for (int i = 0; i < M; i++) {
        for (int j = 0; j < N; j++) {
            double e = fabs((double)C[(size_t)i * ldc + j] - ref[(size_t)i * N + j]);
            double lim = (K + 2) * REAL_EPS * bound[(size_t)i * N + j] + DBL_MIN;
            double w = isnan(e) ? INFINITY : e / lim;
            worst = w > worst ? w : worst;
        }
        /* The padding between rows is not C's: it must be untouched. */
        for (int j = N; j < ldc; j++)
            if (memcmp(&C[(size_t)i * ldc + j], &C0[(size_t)i * ldc + j], sizeof(tg_real)) != 0)
                worst = INFINITY;
    }
    free(A), free(B), free(C), free(C0), free(ref), free(bound);
    return worst;
}

/* full: every (M,N,K) from {1, 7, 33, 255, 257}^3; otherwise the 1 and 257 corners
 * and a few mixed sizes (the other kernels and thread counts, to keep the test quick). */
static void gemm_vs_naive(const char *isa, int threads, bool full) {
    static const int sizes[] = {1, 7, 33, 255, 257};
    static const int few[][3] = {{1, 1, 1}, {257, 257, 257}, {1, 257, 257}, {257, 1, 257},
                                 {257, 257, 1}, {7, 33, 255}, {255, 7, 33}, {33, 255, 7}};
    int n_cases = full ? 125 : (int)(sizeof few / sizeof few[0]);
    tg_rng g;
    tg_rng_seed(&g, 2024);
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            double worst = 0;
            int wm = 0, wn = 0, wk = 0;
            for (int c = 0; c < n_cases; c++) {
                int M = full ? sizes[c / 25] : few[c][0];
                int N = full ? sizes[c / 5 % 5] : few[c][1];
                int K = full ? sizes[c % 5] : few[c][2];
                double w = gemm_case(&g, ta, tb, M, N, K, 1, 0, 0);
                if (!(w <= worst)) worst = w, wm = M, wn = N, wk = K;
            }
            CHECK(worst <= 1, "gemm %s, %d thread(s), ta=%d tb=%d: worst error %.3g of the bound at M=%d N=%d K=%d",
                  isa, threads, ta, tb, worst, wm, wn, wk);
        }
    /* alpha, beta (accumulate, scale) and leading dimensions wider than the rows. */
    static const struct { int M, N, K; double alpha, beta; int pad; } extra[] = {
        {7, 33, 255, 1, 1, 0},   {257, 7, 33, 1, 1, 3},   {33, 257, 7, -0.5, 2, 5},
        {1, 255, 257, 2, 1, 1},  {255, 1, 33, 1, 0, 2},   {6, 16, 300, 1, -1, 0},
        {100, 130, 600, 0.25, 0.5, 7}, {3, 5, 0, 1, 0.5, 0}, {4, 4, 4, 0, 1, 0},
    };
    for (size_t c = 0; c < sizeof extra / sizeof extra[0]; c++)
        for (int ta = 0; ta < 2; ta++)
            for (int tb = 0; tb < 2; tb++) {
                double w = gemm_case(&g, ta, tb, extra[c].M, extra[c].N, extra[c].K,
                                     extra[c].alpha, extra[c].beta, extra[c].pad);
                CHECK(w <= 1, "gemm %s, %d thread(s), ta=%d tb=%d M=%d N=%d K=%d alpha=%g beta=%g pad=%d: error %.3g of the bound",
                      isa, threads, ta, tb, extra[c].M, extra[c].N, extra[c].K, extra[c].alpha,
                      extra[c].beta, extra[c].pad, w);
            }
}

/* Every micro-kernel this CPU has (avx512, avx2, generic: the fast paths against the
 * naive product) on one thread; the one in use also on two (split products). */
static void test_gemm_vs_naive(void) {
    tg_set_num_threads(1);
    gemm_vs_naive(tg__gemm_isa(), 1, true);
    for (int k = 0; k < tg__gemm_isa_count(); k++) {
        const char *isa = tg__gemm_isa_name(k);
        if (strcmp(isa, tg__gemm_isa()) == 0 || !tg__gemm_use_isa(isa)) continue;
        gemm_vs_naive(isa, 1, false);
        tg__gemm_use_isa(NULL);
    }
    tg_set_num_threads(2);
    gemm_vs_naive(tg__gemm_isa(), 2, false);
}

/* ---- errors ---- */

static void test_errors(void) {
    tg_tape *t = tg_tape_new();
    tg_tensor *a = tg_tape_full(t, 2, (int[]){3, 4}, 1);
    tg_tensor *b = tg_tape_full(t, 2, (int[]){5, 2}, 1);
    CHECK(tg_matmul(t, a, b) == NULL, "inner mismatch");
    CHECK_ERR(t, TG_ERR_SHAPE, "tg_matmul: inner dimensions differ: (3,4) x (5,2)");
    CHECK(strcmp(tg_tape_message(t), "tg_matmul: inner dimensions differ: (3,4) x (5,2)") == 0,
          "exact message: %s", tg_tape_message(t));
    /* Sticky: the first message stays. */
    CHECK(tg_matmul(t, a, a) == NULL, "failed tape returns NULL");
    CHECK_ERR(t, TG_ERR_SHAPE, "tg_matmul: inner dimensions differ: (3,4) x (5,2)");

    tg_tape_reset(t);
    a = tg_tape_full(t, 3, (int[]){2, 3, 4}, 1);
    b = tg_tape_full(t, 3, (int[]){3, 4, 5}, 1);
    CHECK(tg_matmul(t, a, b) == NULL, "batch mismatch");
    CHECK_ERR(t, TG_ERR_SHAPE, "tg_matmul: batch sizes differ: (2,3,4) x (3,4,5)");

    tg_tape_reset(t);
    a = tg_tape_full(t, 3, (int[]){2, 3, 4}, 1);
    b = tg_tape_full(t, 3, (int[]){2, 5, 5}, 1);
    CHECK(tg_matmul(t, a, b) == NULL, "batched inner mismatch");
    CHECK_ERR(t, TG_ERR_SHAPE, "tg_matmul: inner dimensions differ: (2,3,4) x (2,5,5)");

    tg_tape_reset(t);
    a = tg_tape_full(t, 1, (int[]){3}, 1);
    b = tg_tape_full(t, 2, (int[]){3, 4}, 1);
    CHECK(tg_matmul(t, a, b) == NULL, "rank 1");
    CHECK_ERR(t, TG_ERR_SHAPE, "tg_matmul: inputs must have rank 2 or 3: (3) x (3,4)");

    tg_tape_reset(t);
    a = tg_tape_full(t, 2, (int[]){3, 4}, 1);
    b = tg_tape_full(t, 4, (int[]){1, 1, 4, 2}, 1);
    CHECK(tg_matmul(t, a, b) == NULL, "rank 4");
    CHECK_ERR(t, TG_ERR_SHAPE, "tg_matmul: inputs must have rank 2 or 3: (3,4) x (1,1,4,2)");

    tg_tape_reset(t);
    a = tg_tape_full(t, 0, NULL, 1);
    CHECK(tg_matmul(t, a, a) == NULL, "rank 0");
    CHECK_ERR(t, TG_ERR_SHAPE, "tg_matmul: inputs must have rank 2 or 3: () x ()");

    tg_tape_reset(t);
    a = tg_tape_full(t, 2, (int[]){3, 4}, 1);
    b = tg_tape_full(t, 3, (int[]){2, 4, 5}, 1);
    CHECK(tg_matmul(t, a, b) == NULL, "2-D x 3-D");
    CHECK_ERR(t, TG_ERR_SHAPE,
              "tg_matmul: a batched right operand needs a batched left operand: (3,4) x (2,4,5)");

    tg_tape_reset(t);
    a = tg_tape_full(t, 2, (int[]){3, 4}, 1);
    CHECK(tg_matmul(t, a, NULL) == NULL, "NULL input");
    CHECK_ERR(t, TG_ERR_ARG, "tg_matmul: argument 2 is NULL");
    CHECK(tg_matmul(NULL, a, a) == NULL, "NULL tape");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_matmul: tape is NULL");
    tg_tape_free(t);
}

int main(void) {
    test_forward_values();
    test_gradients();
    test_backward_sizes();
    test_thin_bits();
    test_gemm_vs_naive();
    test_errors();
    return check_done();
}
