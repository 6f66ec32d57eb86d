/* test_threads.c — the thread pool (tg_threads.h): the thread count from the
 * environment and from tg_set_num_threads, results bit-identical for 1, 2, 3 and 4
 * threads (the GEMM at odd sizes, every transpose and beta, every kernel; a short
 * LSTM + MLP training run), nested and concurrent use, and the error paths (bad
 * counts, a worker that cannot be started). */
#include <pthread.h>
#include <stdlib.h>
#include "check.h"
#include <tg/gemm.h>
#include <tg/threads.h>
#include <tapegrad/tg_threads.h>

/* ---- the count ---- */

static void test_env_and_setting(void) {
    /* main() set TG_NUM_THREADS=3 before anything else read it. */
    CHECK(tg_get_num_threads() == 3, "TG_NUM_THREADS=3 read at first use: %d", tg_get_num_threads());
    CHECK(tg__threads_parse("2") == 2 && tg__threads_parse(" 7\n") == 7 &&
              tg__threads_parse("64") == 64,
          "valid values parse");
    const char *bad[] = {NULL, "", " ", "0", "-1", "65", "abc", "2x", "1.5", "99999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(tg__threads_parse(bad[i]) == 0, "'%s' is rejected", bad[i] ? bad[i] : "(NULL)");

    /* An invalid TG_NUM_THREADS is ignored, but no longer silently: tg_num_threads_env
     * and tg_get_num_threads report it. */
    CHECK(tg_num_threads_env() == TG_OK, "TG_NUM_THREADS=3 is valid");
    const char *env_bad[] = {"0", "-1", "1000", "garbage", "2abc", ""};
    for (size_t i = 0; i < sizeof env_bad / sizeof env_bad[0]; i++) {
        setenv("TG_NUM_THREADS", env_bad[i], 1);
        char want[96];
        snprintf(want, sizeof want, "tg_num_threads_env: TG_NUM_THREADS is '%s' (must be an integer in 1..64)", env_bad[i]);
        CHECK(tg_num_threads_env() == TG_ERR_VALUE, "'%s' reported", env_bad[i]);
        CHECK_ERR(NULL, TG_ERR_VALUE, want);
        tg_clear_error();
        CHECK(tg_get_num_threads() == 3, "the setting stays");
        CHECK_ERR(NULL, TG_ERR_VALUE, want);
    }
    setenv("TG_NUM_THREADS", "3", 1);
    tg_clear_error();
    CHECK(tg_num_threads_env() == TG_OK && tg_last_status() == TG_OK, "valid again");
    CHECK(tg_set_num_threads(0) == TG_ERR_VALUE, "0 threads");
    CHECK_ERR(NULL, TG_ERR_VALUE, "tg_set_num_threads: n must be in 1..64, got 0");
    CHECK(tg_set_num_threads(-2) == TG_ERR_VALUE, "negative");
    CHECK_ERR(NULL, TG_ERR_VALUE, "tg_set_num_threads: n must be in 1..64, got -2");
    CHECK(tg_set_num_threads(TG_MAX_THREADS + 1) == TG_ERR_VALUE, "too many");
    CHECK_ERR(NULL, TG_ERR_VALUE, "tg_set_num_threads: n must be in 1..64, got 65");
    CHECK(tg_get_num_threads() == 3, "a rejected setting changes nothing");
    CHECK(tg_set_num_threads(1) == TG_OK && tg_get_num_threads() == 1, "set 1");
    CHECK(tg_set_num_threads(2) == TG_OK && tg_get_num_threads() == 2, "set 2");
}

/* ---- GEMM: the same bits for every thread count ---- */

static tg_real *random_array(tg_rng *g, size_t n) {
    tg_real *a = malloc(sizeof(tg_real) * (n ? n : 1));
    for (size_t i = 0; i < n; i++) a[i] = (tg_real)(2 * tg_rng_uniform(g) - 1);
    return a;
}

/* C := alpha op(A) op(B) + beta C0 with `threads` threads; returns C (malloc'd). */
static tg_real *gemm_with(int threads, bool ta, bool tb, int M, int N, int K, tg_real alpha,
                          const tg_real *A, const tg_real *B, tg_real beta, const tg_real *C0) {
    tg_set_num_threads(threads);
    tg_real *C = malloc(sizeof(tg_real) * (size_t)M * N);
    memcpy(C, C0, sizeof(tg_real) * (size_t)M * N);
    tg__gemm(ta, tb, (size_t)M, (size_t)N, (size_t)K, alpha, A, ta ? (size_t)M : (size_t)K, B,
             tb ? (size_t)K : (size_t)N, beta, C, (size_t)N);
    return C;
}

static int gemm_cases_identical(const char *isa) {
    static const struct { int M, N, K; } sizes[] = {
        {257, 255, 33}, {33, 257, 255}, {255, 33, 257}, /* split along M or N */
        {7, 600, 260}, {3, 2000, 200}, {3, 257, 1},     /* few rows; direct, split in N */
        {300, 900, 4}, {64, 700, 260}, {1, 7, 33},      /* short K; two K blocks; tiny */
        {300, 1100, 20}, {520, 40, 300},                /* split along M: two column blocks;
                                                         * many row chunks, two K blocks */
    };
    static const double betas[] = {0, 1, -0.5};
    tg_rng g;
    tg_rng_seed(&g, 77);
    int differ = 0;
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
        for (int ta = 0; ta < 2; ta++)
            for (int tb = 0; tb < 2; tb++)
                for (int b = 0; b < 3; b++) {
                    int M = sizes[s].M, N = sizes[s].N, K = sizes[s].K;
                    tg_real *A = random_array(&g, (size_t)M * K), *B = random_array(&g, (size_t)K * N);
                    tg_real *C0 = random_array(&g, (size_t)M * N);
                    tg_real alpha = (tg_real)(b == 2 ? 0.75 : 1), beta = (tg_real)betas[b];
                    tg_real *C1 = gemm_with(1, ta, tb, M, N, K, alpha, A, B, beta, C0);
                    for (int T = 2; T <= 4; T++) {
                        tg_real *CT = gemm_with(T, ta, tb, M, N, K, alpha, A, B, beta, C0);
                        bool same = memcmp(C1, CT, sizeof(tg_real) * (size_t)M * N) == 0;
                        if (!same) differ++;
                        CHECK(same, "%s: gemm %dx%dx%d ta=%d tb=%d beta=%g: %d threads differ from 1",
                              isa, M, N, K, ta, tb, (double)beta, T);
                        free(CT);
                    }
                    free(A), free(B), free(C0), free(C1);
                }
    return differ;
}

static void test_gemm_identical(void) {
    for (int k = 0; k < tg__gemm_isa_count(); k++) {
        const char *isa = tg__gemm_isa_name(k);
        if (!tg__gemm_use_isa(isa)) continue; /* not on this CPU */
        gemm_cases_identical(isa);
    }
    tg__gemm_use_isa(NULL);
    tg_set_num_threads(2);
}

/* ---- a training run: LSTM and MLP, Adam, the same parameters for 1 and 2 threads ---- */

/* Trains for `steps` steps with `threads` threads; returns every parameter value
 * after training, concatenated (malloc'd), and its length in *n. */
static tg_real *train(int threads, int steps, size_t *n) {
    tg_set_num_threads(threads);
    tg_rng g;
    tg_rng_seed(&g, 5);
    enum { T = 6, B = 32, F = 64, H = 128 }; /* products large enough to be split */
    tg_rnn *rnn = tg_rnn_new("lstm", &(tg_rnn_config){TG_RNN_LSTM, F, H, 1, false}, &g);
    tg_mlp *mlp = tg_mlp_new("head", 3, (int[]){H, 300, 5}, TG_ACT_TANH, TG_ACT_IDENTITY, &g);
    tg_params ps = {0};
    tg_rnn_params(rnn, &ps);
    tg_mlp_params(mlp, &ps);
    tg_adam_opts ao = tg_adam_defaults();
    tg_optim *opt = tg_adam_new(&ps, &ao);
    tg_tensor *x = tg_tensor_new(3, (int[]){T, B, F}, 0);
    tg_tensor_uniform(x, &g, -1, 1);
    int labels[T * B];
    for (int i = 0; i < T * B; i++) labels[i] = (int)(tg_rng_u64(&g) % 5);
    tg_tape *t = tg_tape_new();
    for (int s = 0; s < steps; s++) {
        tg_tape_reset(t);
        tg_tensor *out = NULL;
        tg_rnn_forward(t, rnn, x, NULL, NULL, &out, NULL, NULL);
        tg_tensor *logits = tg_mlp_forward(t, mlp, tg_reshape(t, out, 2, (int[]){T * B, H}));
        tg_tensor *loss = tg_cross_entropy(t, logits, labels);
        tg_optim_zero_grad(opt);
        bool ok = loss && tg_backward(t, loss, NULL) == TG_OK && tg_optim_step(opt) == TG_OK;
        CHECK(ok, "training step %d with %d threads: %s", s, threads, tg_tape_message(t));
        if (!ok) break;
    }
    *n = tg_params_numel(&ps);
    tg_real *all = malloc(sizeof(tg_real) * *n), *p = all;
    for (int i = 0; i < ps.n; i++) {
        memcpy(p, ps.items[i]->data, sizeof(tg_real) * ps.items[i]->size);
        p += ps.items[i]->size;
    }
    tg_tape_free(t);
    tg_tensor_free(x);
    tg_optim_free(opt);
    tg_params_free(&ps);
    tg_rnn_free(rnn);
    tg_mlp_free(mlp);
    return all;
}

static void test_training_identical(void) {
    size_t n1, n2, n3;
    tg_real *p1 = train(1, 4, &n1), *p2 = train(2, 4, &n2), *p3 = train(3, 4, &n3);
    CHECK(n1 == n2 && n1 == n3 && n1 > 0, "same parameter count");
    CHECK(n1 == n2 && memcmp(p1, p2, sizeof(tg_real) * n1) == 0, "LSTM + MLP training: 2 threads give 1 thread's bits");
    CHECK(n1 == n3 && memcmp(p1, p3, sizeof(tg_real) * n1) == 0, "LSTM + MLP training: 3 threads give 1 thread's bits");
    free(p1), free(p2), free(p3);
    tg_set_num_threads(2);
}

/* ---- nested and concurrent use ---- */

typedef struct {
    int M, N, K;
    const tg_real *A, *B;
    tg_real *C[4];
} nest_ctx;

/* Each task runs a product big enough to want the pool itself. */
static void nested_task(void *p, int i, void *scratch) {
    (void)scratch;
    nest_ctx *c = p;
    tg__gemm(false, false, (size_t)c->M, (size_t)c->N, (size_t)c->K, 1, c->A, (size_t)c->K, c->B,
             (size_t)c->N, 0, c->C[i], (size_t)c->N);
}

static void *concurrent_main(void *p) {
    nest_ctx *c = p;
    for (int r = 0; r < 3; r++) nested_task(c, r + 1, NULL);
    return NULL;
}

/* M x N x K: 70 x 300 x 90 splits along N; 300 x 70 x 300 along M, in rank-KC
 * updates whose rows are handed out (inside a task they all run on one thread, with
 * the stack's panels). */
static void nested_and_concurrent(int M, int N, int K) {
    tg_set_num_threads(3);
    tg_rng g;
    tg_rng_seed(&g, 9);
    nest_ctx c = {M, N, K, NULL, NULL, {NULL}};
    tg_real *A = random_array(&g, (size_t)c.M * c.K), *B = random_array(&g, (size_t)c.K * c.N);
    c.A = A, c.B = B;
    size_t bytes = sizeof(tg_real) * (size_t)c.M * c.N;
    for (int i = 0; i < 4; i++) c.C[i] = malloc(bytes);
    tg_real *ref = malloc(bytes);
    tg_set_num_threads(1);
    tg__gemm(false, false, (size_t)c.M, (size_t)c.N, (size_t)c.K, 1, A, (size_t)c.K, B, (size_t)c.N,
             0, ref, (size_t)c.N);
    tg_set_num_threads(3);
    /* Products inside tasks: the pool is busy, so they run on their own thread. */
    tg__parallel(4, nested_task, &c);
    for (int i = 0; i < 4; i++)
        CHECK(memcmp(c.C[i], ref, bytes) == 0, "%dx%dx%d: nested product %d equals the 1-thread result",
              M, N, K, i);
    /* Two application threads using the pool at once. */
    nest_ctx c2 = c;
    for (int i = 0; i < 4; i++) c2.C[i] = malloc(bytes);
    pthread_t th;
    CHECK(pthread_create(&th, NULL, concurrent_main, &c2) == 0, "second application thread");
    concurrent_main(&c);
    pthread_join(th, NULL);
    for (int i = 1; i < 4; i++)
        CHECK(memcmp(c.C[i], ref, bytes) == 0 && memcmp(c2.C[i], ref, bytes) == 0,
              "%dx%dx%d: concurrent products %d equal the 1-thread result", M, N, K, i);
    for (int i = 0; i < 4; i++) free(c.C[i]), free(c2.C[i]);
    free(A), free(B), free(ref);
}

static void test_nested_and_concurrent(void) {
    nested_and_concurrent(70, 300, 90);
    nested_and_concurrent(300, 70, 300);
}

/* ---- a worker that cannot start ---- */

static void test_start_failure(void) {
    tg_rng g;
    tg_rng_seed(&g, 10);
    int M = 200, N = 300, K = 100;
    tg_real *A = random_array(&g, (size_t)M * K), *B = random_array(&g, (size_t)K * N);
    tg_real *C0 = random_array(&g, (size_t)M * N);
    tg_real *ref = gemm_with(1, false, false, M, N, K, 1, A, B, 0, C0);

    int started = tg__threads_started(); /* 2 by now: 4 threads were used above */
    CHECK(started >= 2, "workers running: %d", started);
    tg_set_num_threads(started + 3);
    tg_clear_error();
    tg__threads_fail_start_after(2); /* the second of the new workers fails */
    tg_real *C = gemm_with(started + 3, false, false, M, N, K, 1, A, B, 0, C0);
    CHECK(memcmp(C, ref, sizeof(tg_real) * (size_t)M * N) == 0, "same result with a failed start");
    CHECK(tg_get_num_threads() == started + 2, "threads usable after the failure: %d (want %d)",
          tg_get_num_threads(), started + 2);
    char want[96];
    snprintf(want, sizeof want, "tg_threads: could not start worker thread %d", started + 2);
    CHECK_ERR(NULL, TG_ERR_NOMEM, want);
    CHECK(tg__threads_started() == started + 1, "one more worker runs");
    free(C);
    /* Later products do not retry; a new setting does. */
    C = malloc(sizeof(tg_real) * (size_t)M * N);
    tg__gemm(false, false, (size_t)M, (size_t)N, (size_t)K, 1, A, (size_t)K, B, (size_t)N, 0, C,
             (size_t)N);
    CHECK(tg__threads_started() == started + 1, "no retry at every product: %d workers, %d before", tg__threads_started(), started);
    free(C);
    CHECK(tg_set_num_threads(started + 3) == TG_OK && tg_get_num_threads() == started + 3, "reset");
    C = gemm_with(started + 3, false, false, M, N, K, 1, A, B, 0, C0);
    CHECK(tg__threads_started() == started + 2, "the retry starts the missing worker");
    CHECK(memcmp(C, ref, sizeof(tg_real) * (size_t)M * N) == 0, "same result with all workers");
    free(C), free(A), free(B), free(C0), free(ref);
    tg__threads_fail_start_after(0);
    tg_set_num_threads(2);
}

int main(void) {
    setenv("TG_NUM_THREADS", "3", 1); /* before the first read */
    size_t live = tg_alloc_live();
    test_env_and_setting();
    test_gemm_identical();
    test_training_identical();
    test_nested_and_concurrent();
    test_start_failure();
    CHECK(tg_alloc_live() == live, "the pool allocates nothing: %zu live, %zu before",
          tg_alloc_live(), live);
    return check_done();
}
