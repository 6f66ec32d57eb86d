/* test_coverage_autodiff.c — the paths of autodiff/ that the family tests leave out,
 * found by scripts/coverage.sh:
 *
 *   1. allocation failure at every point of the teaching and checking tools
 *      (tg_gradcheck, tg_handcheck, tg_jacobian_view, tg_tape_print, tg_tape_dot,
 *      tg_backward_trace) and of a checkpoint round trip: each N-th allocation fails in
 *      turn; each call must report TG_ERR_NOMEM naming itself, leak nothing, and
 *      succeed once the hook is off;
 *   2. every GEMM micro-kernel this CPU supports (tg__gemm_use_isa) computes the same
 *      products as a plain triple loop, on the packed and the direct paths, with and
 *      without transposes, beta 0 and 1;
 *   3. checkpoint corners: a file whose size the system does not report (/proc), a
 *      size that overflows size_t, malformed lists;
 *   4. the checking tools' own failure reports: a function whose backward fails (an
 *      anomaly), returns NULL or a value no gradient reaches, a custom op whose
 *      derivative is wrong (the hand check must blame the tape, not the student);
 *   5. shape checks that need sizes no test could allocate (an inferred dimension or
 *      a joined axis beyond INT_MAX), on tensor headers whose data is never read;
 *      an op whose shape rule yields an overflowing shape; printing every op that has
 *      scalar or axis arguments.
 */
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>
#include "check.h"
#include <tg/gemm.h>
#include <tg/core.h>

/* ---- 1. allocation failure in the tools ---- */

typedef struct tools {
    tg_tensor *w, *x;  /* parameters of f */
    FILE *out;         /* /dev/null */
    char path[96];
} tools;

/* L = sum(tanh(w * x)^2) with names for the hand check. */
static tg_tensor *f_loss(tg_tape *t, tg_tensor *const *p, int n, void *u) {
    (void)n, (void)u;
    tg_tensor *z = tg_name(tg_mul(t, p[0], p[1]), "z");
    return tg_sum(t, tg_square(t, tg_tanh(t, z)));
}
static tg_tensor *f_jac(tg_tape *t, tg_tensor *x, void *u) { (void)u; return tg_tanh(t, tg_square(t, x)); }

/* dL/dz = 2 tanh(z) (1 - tanh(z)^2), from the forward values (tg_find). */
static void hand_z(const tg_tape *t, const tg_tensor *x, tg_real *g, void *u) {
    (void)t, (void)u;
    for (size_t i = 0; i < x->size; i++) {
        double th = tanh((double)x->data[i]);
        g[i] = (tg_real)(2 * th * (1 - th * th));
    }
}

static tg_status run_gradcheck(tools *c) {
    tg_gradcheck_result r[2];
    bool ok;
    return tg_gradcheck(f_loss, NULL, (tg_tensor *[]){c->w, c->x}, 2, NULL, r, &ok);
}
static tg_status run_handcheck(tools *c) {
    tg_hand h = {"z", NULL, 0, hand_z, NULL};
    tg_handcheck_row rows[1];
    int bad;
    return tg_handcheck(c->out, f_loss, NULL, (tg_tensor *[]){c->w, c->x}, 2, &h, 1, NULL, rows, &bad);
}
static tg_status run_jacobian(tools *c) {
    tg_jacobian j;
    return tg_jacobian_view(c->out, "J", f_jac, NULL, c->x, NULL, &j);
}
/* The printing tools on a fresh tape: tg_tape_new, the ops, then the tool. */
static tg_status run_printer(tools *c, int which) {
    tg_tape *t = tg_tape_new();
    if (!t) return tg_last_status();
    tg_tensor *L = f_loss(t, (tg_tensor *[]){c->w, c->x}, 2, NULL);
    tg_status st = L ? TG_OK : tg_tape_status(t);
    if (st == TG_OK) {
        if (which == 0) st = tg_tape_print(c->out, t, L, NULL);
        else if (which == 1) st = tg_tape_dot(c->out, t, L, NULL);
        else st = tg_backward_trace(c->out, t, L, NULL, NULL);
    }
    tg_tape_free(t);
    return st;
}
static tg_status run_print(tools *c) { return run_printer(c, 0); }
static tg_status run_dot(tools *c) { return run_printer(c, 1); }
static tg_status run_trace(tools *c) { return run_printer(c, 2); }
static tg_status run_ckpt(tools *c) {
    tg_params ps = {0};
    tg_status st = tg_params_add(&ps, c->w);
    if (st == TG_OK) st = tg_params_add(&ps, c->x);
    const tg_params *l[1] = {&ps};
    if (st == TG_OK) st = tg_checkpoint_save(c->path, l, 1, NULL);
    if (st == TG_OK) st = tg_checkpoint_load(c->path, l, 1, NULL);
    tg_params_free(&ps);
    return st;
}

typedef struct tool {
    const char *name;
    tg_status (*run)(tools *c);
    const char *fns[4]; /* functions an out-of-memory message may start with */
} tool;

static const tool tool_list[] = {
    {"gradcheck", run_gradcheck, {"tg_gradcheck"}},
    {"handcheck", run_handcheck, {"tg_handcheck"}},
    {"jacobian_view", run_jacobian, {"tg_jacobian_view"}},
    {"tape_print", run_print, {"tg_tape_print", "tg_tape_new", "tg_mul", "tg_tanh"}},
    {"tape_dot", run_dot, {"tg_tape_dot", "tg_tape_new", "tg_mul", "tg_tanh"}},
    {"backward_trace", run_trace, {"tg_backward_trace", "tg_tape_new", "tg_mul", "tg_tanh"}},
    {"checkpoint", run_ckpt, {"tg_params_add", "tg_checkpoint_save", "tg_checkpoint_load"}},
};

static bool starts_with_one(const char *msg, const char *const *fns) {
    for (int i = 0; i < 4 && fns[i]; i++) {
        size_t n = strlen(fns[i]);
        if (strncmp(msg, fns[i], n) == 0 && msg[n] == ':') return true;
    }
    return false;
}

static void oom_tools(void) {
    tools c;
    tg_rng g;
    tg_rng_seed(&g, 3);
    c.w = tg_param_new("w", 1, (int[]){3});
    c.x = tg_param_new("x", 1, (int[]){3});
    tg_tensor_uniform(c.w, &g, -1, 1);
    tg_tensor_uniform(c.x, &g, -1, 1);
    c.out = fopen("/dev/null", "w");
    snprintf(c.path, sizeof c.path, "/tmp/tg_cov_%ld.ckpt", (long)getpid());
    for (size_t k = 0; k < sizeof tool_list / sizeof tool_list[0]; k++) {
        const tool *tl = &tool_list[k];
        tg_real w0 = c.w->data[0];
        size_t N;
        int failed = 0;
        for (N = 1; N < 10000; N++) {
            size_t live = tg_alloc_live();
            tg__alloc_fail_after(N);
            tg_status st = tl->run(&c);
            tg__alloc_fail_after(0);
            CHECK(tg_alloc_live() == live, "%s, N=%zu: %zu allocations leaked", tl->name, N,
                  tg_alloc_live() - live);
            CHECK(c.w->data[0] == w0, "%s, N=%zu: parameter changed", tl->name, N);
            if (st == TG_OK) break;
            failed++;
            CHECK(st == TG_ERR_NOMEM && strstr(tg_last_error(), "out of memory") &&
                      starts_with_one(tg_last_error(), tl->fns),
                  "%s, N=%zu: %s \"%s\"", tl->name, N, tg_status_name(st), tg_last_error());
        }
        CHECK(failed > 0 && N < 10000, "%s: %d failures before success at N=%zu", tl->name, failed, N);
        printf("%-15s fails cleanly at each of its %zu allocations\n", tl->name, N - 1);
    }
    unlink(c.path);
    fclose(c.out);
    tg_tensor_free(c.w);
    tg_tensor_free(c.x);
}

/* ---- 2. every GEMM kernel this CPU has ---- */

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

/* ---- 3. checkpoint corners ---- */

static void checkpoint_corners(void) {
    tg_tensor *w = tg_param_new("w", 1, (int[]){2});
    tg_params ps = {0};
    tg_params_add(&ps, w);
    const tg_params *l[1] = {&ps};
    /* /proc files report size 0: the reader must grow its buffer as it reads. */
    CHECK(tg_checkpoint_load("/proc/self/status", l, 1, NULL) == TG_ERR_FORMAT, "a /proc file");
    CHECK_ERR(NULL, TG_ERR_FORMAT, "tg_checkpoint_load: /proc/self/status: bad magic (not a tapegrad checkpoint)");
    /* A tensor whose size could not be written: a header with a huge size (its data
     * is never read, the size check comes first). */
    tg_tensor fake = *w;
    fake.flags = 0;
    fake.size = SIZE_MAX / 2;
    snprintf(fake.name, sizeof fake.name, "huge");
    tg_tensor *items[2] = {w, &fake};
    tg_params two = {items, 2, 2};
    const tg_params *l2[1] = {&two};
    CHECK(tg_checkpoint_save("/tmp/never_written.ckpt", l2, 1, NULL) == TG_ERR_NOMEM, "huge size");
    CHECK_ERR(NULL, TG_ERR_NOMEM, "tg_checkpoint_save: /tmp/never_written.ckpt: checkpoint size overflows size_t");
    CHECK(access("/tmp/never_written.ckpt", F_OK) != 0, "nothing written");
    /* Malformed lists. */
    tg_params neg = {items, -1, 2}, nul = {NULL, 1, 1};
    const tg_params *ln[1] = {&neg}, *lu[1] = {&nul};
    CHECK(tg_checkpoint_save("/tmp/x.ckpt", ln, 1, NULL) == TG_ERR_ARG, "n < 0");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_checkpoint_save: /tmp/x.ckpt: list 0 is invalid (n = -1)");
    CHECK(tg_checkpoint_save("/tmp/x.ckpt", lu, 1, NULL) == TG_ERR_ARG, "items NULL");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_checkpoint_save: /tmp/x.ckpt: list 0 is invalid (n = 1)");
    /* More than INT_MAX tensors in all: refused before any entry of the list is read. */
    tg_params many = {items, INT_MAX, INT_MAX};
    const tg_params *lm[2] = {&ps, &many};
    CHECK(tg_checkpoint_save("/tmp/x.ckpt", lm, 2, NULL) == TG_ERR_ARG, "too many tensors");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_checkpoint_save: /tmp/x.ckpt: too many tensors");
    tg_tensor *withnull[1] = {NULL};
    tg_params en = {withnull, 1, 1};
    const tg_params *le[1] = {&en};
    CHECK(tg_checkpoint_load_mem("x", 1, "m", le, 1, NULL) == TG_ERR_ARG, "a NULL entry");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_checkpoint_load: m: list 0 entry 0 is NULL");
    tg_params_free(&ps);
    tg_tensor_free(w);
}


/* ---- 4. the checking tools' failure reports ---- */

/* sum(sqrt(0 * p)): forward 0, backward g / (2 * 0) = inf, which anomaly detection
 * turns into a failed backward. */
static tg_tensor *f_anomaly(tg_tape *t, tg_tensor *const *p, int n, void *u) {
    (void)n, (void)u;
    tg_tape_set_anomaly_detection(t, true);
    return tg_sum(t, tg_sqrt(t, tg_name(tg_mul_scalar(t, p[0], 0), "z")));
}
static tg_tensor *f_null(tg_tape *t, tg_tensor *const *p, int n, void *u) {
    (void)t, (void)p, (void)n, (void)u;
    return NULL;
}
static tg_tensor *f_const(tg_tape *t, tg_tensor *const *p, int n, void *u) {
    (void)p, (void)n, (void)u;
    return tg_sum(t, tg_tape_full(t, 1, (int[]){2}, 1));
}
/* A custom op y = 3x whose backward adds 2g (wrong on purpose). */
static tg_status triple_infer(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    (void)t;
    *rank = n->in[0]->rank;
    for (int i = 0; i < *rank; i++) shape[i] = n->in[0]->shape[i];
    return TG_OK;
}
static tg_status triple_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    for (size_t i = 0; i < n->out->size; i++) n->out->data[i] = 3 * n->in[0]->data[i];
    return TG_OK;
}
static void triple_bwd_wrong(tg_node *n) {
    if (n->in[0]->grad)
        for (size_t i = 0; i < n->out->size; i++) n->in[0]->grad[i] += 2 * n->out->grad[i];
}
static const tg_op triple_wrong = {"my_triple", 1, 0, triple_infer, triple_fwd, triple_bwd_wrong};
static tg_tensor *f_wrong(tg_tape *t, tg_tensor *const *p, int n, void *u) {
    (void)n, (void)u;
    tg_tensor *x = p[0];
    return tg_sum(t, tg_apply(t, &triple_wrong, &x, 1, NULL));
}
/* sum(log(p)) with anomaly detection: fine at p = 0.25, a NaN once the finite
 * difference steps to p - 0.5 < 0. */
static tg_tensor *f_log(tg_tape *t, tg_tensor *const *p, int n, void *u) {
    (void)n, (void)u;
    tg_tape_set_anomaly_detection(t, true);
    return tg_sum(t, tg_log(t, p[0]));
}
static tg_tensor *j_anomaly(tg_tape *t, tg_tensor *x, void *u) {
    (void)u;
    tg_tape_set_anomaly_detection(t, true);
    return tg_sqrt(t, tg_mul_scalar(t, x, 0));
}

static void tool_failures(void) {
    tg_tensor *p = tg_param_new("p", 1, (int[]){3});
    tg_tensor_fill(p, (tg_real)0.5);
    FILE *out = fopen("/dev/null", "w");
    tg_gradcheck_result r[1];
    bool ok = true;
    CHECK(tg_gradcheck(f_anomaly, NULL, &p, 1, NULL, r, &ok) == TG_ERR_VALUE && !ok, "gradcheck: anomaly");
    CHECK_ERR(NULL, TG_ERR_VALUE, "tg_gradcheck: backward failed: tg_sqrt: anomaly in backward");
    CHECK(tg_gradcheck(f_null, NULL, &p, 1, NULL, r, &ok) == TG_ERR_ARG, "gradcheck: NULL");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_gradcheck: the function failed: it returned NULL");
    CHECK(tg_gradcheck(f_wrong, NULL, &p, 1, NULL, r, &ok) == TG_OK && !ok && !r[0].passed,
          "gradcheck finds the wrong derivative");
    CHECK_NEAR(r[0].worst_analytic, 2, 1e-6);
    CHECK_NEAR(r[0].worst_numeric, 3, 1e-2);

    tg_real hz[3] = {0, 0, 0}, h3[3] = {3, 3, 3};
    tg_handcheck_row row[1];
    int bad = 7;
    CHECK(tg_handcheck(out, f_wrong, NULL, &p, 1, NULL, 0, NULL, row, &bad) == TG_ERR_ARG, "no hands");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_handcheck: no hand gradients given");
    CHECK(tg_handcheck(out, f_wrong, NULL, NULL, 1, &(tg_hand){"p", h3, 3, NULL, NULL}, 1, NULL, row, &bad) ==
              TG_ERR_ARG, "params NULL");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_handcheck: params is NULL or n_params < 0");
    CHECK(tg_handcheck(out, f_anomaly, NULL, &p, 1, &(tg_hand){"z", hz, 3, NULL, NULL}, 1, NULL, row, &bad) ==
              TG_ERR_VALUE, "handcheck: anomaly");
    CHECK_ERR(NULL, TG_ERR_VALUE, "tg_handcheck: backward failed: tg_sqrt: anomaly in backward");
    CHECK(tg_handcheck(out, f_null, NULL, &p, 1, &(tg_hand){"p", h3, 3, NULL, NULL}, 1, NULL, row, &bad) ==
              TG_ERR_ARG, "handcheck: NULL");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_handcheck: the function returned NULL");
    CHECK(tg_handcheck(out, f_const, NULL, &p, 1, &(tg_hand){"p", h3, 3, NULL, NULL}, 1, NULL, row, &bad) ==
              TG_ERR_ARG, "handcheck: no gradient reaches the value");
    CHECK_ERR(NULL, TG_ERR_ARG, "tg_handcheck: the function returned a value no gradient reaches");
    /* the student says 3 (right); the tape says 2 (the op is wrong): tape_ok is false */
    CHECK(tg_handcheck(out, f_wrong, NULL, &p, 1, &(tg_hand){"p", h3, 3, NULL, NULL}, 1, NULL, row, &bad) ==
              TG_OK, "handcheck runs: %s", tg_last_error());
    CHECK(!row[0].tape_ok && !row[0].hand_ok && bad == 0, "the tape disagrees with the numbers");

    /* failures in the finite differences only (the first evaluation is fine) */
    tg_tensor_fill(p, (tg_real)0.25);
    tg_gradcheck_opts wide = {0.5, 1e-5, 1e-3};
    CHECK(tg_gradcheck(f_log, NULL, &p, 1, &wide, r, &ok) == TG_ERR_VALUE, "gradcheck: step to log(-0.25)");
    CHECK_ERR(NULL, TG_ERR_VALUE, "tg_gradcheck: the function failed: tg_log: anomaly in forward");
    tg_handcheck_opts hw = tg_handcheck_defaults();
    hw.fd.eps = 0.5;
    tg_real h4[3] = {4, 4, 4};
    /* the hand check replays the forward kernels itself: the NaN shows as a numeric
     * value that disagrees with the tape, not as an error */
    CHECK(tg_handcheck(out, f_log, NULL, &p, 1, &(tg_hand){"p", h4, 3, NULL, NULL}, 1, &hw, row, &bad) ==
              TG_OK && row[0].hand_ok && !row[0].tape_ok && !isfinite(row[0].max_tape_numeric),
          "handcheck: step to log(-0.25): %s", tg_last_error());
    /* the same tensor checked twice: rows tie on their order and keep the given one */
    tg_handcheck_row rows2[2];
    tg_hand two[2] = {{"p", h4, 3, NULL, NULL}, {"p", h4, 3, NULL, NULL}};
    CHECK(tg_handcheck(out, f_log, NULL, &p, 1, two, 2, NULL, rows2, &bad) == TG_OK && bad == -1 &&
              rows2[0].hand_ok && rows2[1].hand_ok, "two rows of p: %s", tg_last_error());
    tg_tensor_fill(p, (tg_real)0.5);

    tg_jacobian j;
    CHECK(tg_jacobian_view(out, "J", j_anomaly, NULL, p, NULL, &j) == TG_ERR_VALUE, "jacobian: anomaly");
    CHECK_ERR(NULL, TG_ERR_VALUE, "tg_jacobian_view: backward failed: tg_sqrt: anomaly in backward");
    fclose(out);
    tg_tensor_free(p);
}

/* ---- 5. shape checks beyond INT_MAX, an overflowing op, printing op arguments ---- */

/* An op whose shape rule asks for more elements than size_t can count. */
static tg_status huge_infer(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    (void)t, (void)n;
    *rank = 3;
    shape[0] = shape[1] = INT_MAX;
    shape[2] = 8;
    return TG_OK;
}
static const tg_op huge_op = {"my_huge", 1, 0, huge_infer, triple_fwd, NULL};

static void shapes_and_printing(void) {
    tg_tape *t = tg_tape_new();
    tg_tensor *w = tg_param_new("w", 2, (int[]){2, 3});
    /* A header claiming 2^32 elements: reshape's check runs before any data is read. */
    tg_tensor big = *w;
    big.flags = 0;
    big.grad = NULL;
    big.rank = 2;
    big.shape[0] = big.shape[1] = 65536;
    big.size = (size_t)65536 * 65536;
    CHECK(tg_reshape(t, &big, 2, (int[]){1, -1}) == NULL, "inferred > INT_MAX");
    CHECK_ERR(t, TG_ERR_SHAPE, "tg_reshape: inferred dimension 4294967296 of (1,-1) is too large");
    tg_tape_reset(t);
    tg_tensor col = *w;
    col.flags = 0;
    col.grad = NULL;
    col.rank = 2;
    col.shape[0] = INT_MAX / 2 + 1;
    col.shape[1] = 1;
    col.size = (size_t)col.shape[0];
    CHECK(tg_concat(t, (tg_tensor *[]){&col, &col, &col}, 3, 0) == NULL, "joined axis > INT_MAX");
    CHECK_ERR(t, TG_ERR_SHAPE, "tg_concat: the joined axis 0 would have 3221225472 elements");
    tg_tape_reset(t);
    tg_tensor *x = tg_tape_full(t, 1, (int[]){2}, 1);
    CHECK(tg_apply(t, &huge_op, &x, 1, NULL) == NULL, "overflowing op");
    CHECK_ERR(t, TG_ERR_SHAPE, "my_huge: element count of (2147483647,2147483647,8) overflows size_t");
    tg_tape_reset(t);
    /* Every op with arguments, printed (the table shows them: "clamp(0, 1)"). */
    tg_tensor *y = tg_add_scalar(t, w, 1);
    y = tg_clamp(t, tg_mul_scalar(t, tg_pow_scalar(t, tg_leaky_relu(t, y, (tg_real)0.1), 2), 3), 0, 1);
    y = tg_transpose(t, tg_slice(t, y, 1, 0, 2), 0, 1);
    y = tg_concat(t, (tg_tensor *[]){y, y}, 2, 1);
    y = tg_sum(t, tg_max_axis(t, tg_mean_axis(t, tg_sum_axis(t, tg_reshape(t, y, 3, (int[]){2, 2, 2}), 2, true), 1, false), 0, false));
    FILE *out = fopen("/dev/null", "w");
    CHECK(y && tg_tape_print(out, t, y, NULL) == TG_OK && tg_tape_dot(out, t, NULL, NULL) == TG_OK &&
              tg_backward_trace(out, t, y, NULL, NULL) == TG_OK, "printing: %s", tg_tape_message(t));
    CHECK(tg_tape_arena_used(t) > 0 && tg_tape_arena_used(t) <= tg_tape_arena_bytes(t), "arena used");
    fclose(out);
    tg_tape_free(t);
    tg_tensor_free(w);
}

int main(void) {
    size_t live = tg_alloc_live();
    oom_tools();
    gemm_isas();
    checkpoint_corners();
    tool_failures();
    shapes_and_printing();
    CHECK(tg_alloc_live() == live, "%zu allocations live at the end", tg_alloc_live() - live);
    return check_done();
}
