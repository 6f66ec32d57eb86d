/* bench.c — tapegrad's speed on the workloads it is tuned for, one line per figure:
 *
 *   BENCH <name> <value> <unit>
 *
 *   peak_fma      GFLOP/s  the arithmetic limit: a loop of independent vector multiply-
 *                          adds (the GEMM's kernel's instructions: FMA on AVX2/AVX-512),
 *                          on every thread at once, nothing loaded or stored
 *   gemm_<n>      GFLOP/s  C = A B, n x n float (tg_real) matrices, n = 256 ... 2048
 *   tape_op       ns       one recorded op (1-element tg_mul), forward + backward,
 *                          measured over chains of 1000 ops
 *   xor_step      us       MLP 2-4-1 (tanh, sigmoid), 4 rows, MSE, SGD: one full step
 *   mlp_epoch     s        MLP 784-256-10 (relu), batch 64, cross-entropy, Adam:
 *                          one epoch of 60,000 rows (timed over 100 batches, scaled)
 *   lstm_32x128   ms       one training step on a 64-step sequence: forward +
 *   gru_32x128             backward + Adam; input 64, batch x hidden as named, loss
 *   rnn_32x128             MSE of the outputs against a random target
 *   lstm_32x512
 *   lstm_1x32
 *   conv_step     ms       examples/fashion_cnn's training step at batch 64: input
 *                          (64,1,28,28), conv 3x3 16 + max pool 2 + relu, conv 3x3 32 +
 *                          max pool 2 + relu, dropout 0.25, linear 1568-128 + relu,
 *                          linear 128-10, cross-entropy, Adam
 *   attn_step     ms       one Transformer encoder block (tg_encoder_forward), batch-first
 *                          (32,64,128), 4 heads, feed-forward 512 with relu, pre-norm,
 *                          dropout 0, no mask: forward + backward (loss MSE against a
 *                          random target) + Adam
 *   hvp_mlp       ms       one Hessian-vector product of an MLP 784-256-10 (tanh),
 *                          batch 64, cross-entropy, with respect to every weight
 *                          (forward + tg_hvp: a recorded sweep and a sweep over it)
 *
 * Matmul-bound figures (gemm_<n>, and the rnn/lstm/gru steps at batch 32) are
 * followed by
 *
 *   BENCH <name>.gflop  <FLOPs of one iteration / 1e9>  GFLOP    (not for gemm_<n>)
 *   BENCH <name>.peak   <achieved GFLOP/s / peak_fma>   fraction
 *
 * peak_fma measured in the same process (once, when first needed) with the same
 * threads. A recurrent step's FLOPs are those of its products (2 per multiply-add),
 * T steps, batch B, input F, hidden H, G gates (LSTM 4, GRU 3, tanh RNN 1):
 * forward x W_x and h W_h, 2 T B GH (F + H); backward dW_x, dW_h and dh,
 * 2 T B GH (F + 2H) (the input needs no gradient): 2 T B GH (2F + 3H) in all. The
 * element-wise work (gates, loss, Adam) is not counted: the fraction is of the limit
 * the products alone would set.
 *
 * All on random data with fixed seeds. Each figure is the median of --reps timed
 * repetitions (default 5) after one warm-up; a repetition runs at least ~0.1 s.
 *
 *   usage: bench [--threads N] [--reps R] [--cpu-clock] [--isa avx512|avx2|generic] [NAME...]
 *          (--help)
 * Names select figures by prefix ("gemm" runs every gemm_<n>); none runs all.
 * benchmarks/compare.py runs the same workloads in PyTorch and prints ratios.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <tg/gemm.h>
#include <tg/threads.h>
#include <tapegrad.h>
#include <tapegrad/tg_threads.h>
#include "examples/cli.h"

/* --cpu-clock: the process's CPU time instead of the wall clock, so that time the
 * scheduler gives other processes does not count (a loaded shared machine). */
static bool cpu_clock;

static double now(void) {
    struct timespec ts;
    clock_gettime(cpu_clock ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void die(const char *what, const char *msg) {
    fprintf(stderr, "bench: %s: %s\n", what, msg);
    exit(1);
}

/* ---- gemm ---- */
typedef struct { int n; tg_real *A, *B, *C; } gemm_ctx;
static void gemm_run(void *p, long iters) {
    gemm_ctx *g = p;
    size_t n = (size_t)g->n;
    for (long i = 0; i < iters; i++) tg__gemm(false, false, n, n, n, 1, g->A, n, g->B, n, 0, g->C, n);
}

/* ---- peak_fma: the FMA loop, one task per thread ---- */
static void peak_task(void *p, int i, void *scratch) {
    (void)i, (void)scratch;
    tg__gemm_fma_loop(*(const long *)p);
}
static void peak_run(void *p, long iters) {
    for (long i = 0; i < iters; i++) tg__parallel(tg__threads_max(), peak_task, p);
}

/* ---- tape_op: y = y * w, 1000 times, then backward ---- */
enum { CHAIN = 1000 };
typedef struct { tg_tape *t; tg_tensor *w; } tape_ctx;
static void tape_run(void *p, long iters) {
    tape_ctx *c = p;
    for (long i = 0; i < iters; i++) {
        tg_tape_reset(c->t);
        tg_tensor *y = tg_tape_full(c->t, 1, (int[]){1}, 1);
        for (int k = 0; k < CHAIN; k++) y = tg_mul(c->t, y, c->w);
        if (tg_backward(c->t, y, NULL) != TG_OK) die("tape_op", tg_tape_message(c->t));
    }
}

/* ---- models trained on random data ---- */
typedef struct {
    tg_tape *t;
    tg_mlp *mlp;
    tg_rnn *rnn;
    tg_conv *conv[2];
    tg_block *block;
    tg_linear *fc[2];
    tg_rng rng;        /* conv: dropout's draws */
    tg_params ps;
    tg_optim *opt;
    tg_tensor *x, *y;  /* long-lived inputs and targets */
    int *labels;
    int batch, rows;   /* mlp: batch size and rows in the pool of inputs */
    long cursor;
} model_ctx;

/* zero_grad, backward from loss, optimizer step. */
static void train_step(model_ctx *m, tg_tensor *loss) {
    tg_optim_zero_grad(m->opt);
    if (!loss || tg_backward(m->t, loss, NULL) != TG_OK || tg_optim_step(m->opt) != TG_OK)
        die("training step", tg_tape_message(m->t));
}

static void xor_run(void *p, long iters) {
    model_ctx *m = p;
    for (long i = 0; i < iters; i++) {
        tg_tape_reset(m->t);
        tg_tensor *out = tg_mlp_forward(m->t, m->mlp, m->x);
        train_step(m, tg_mse_loss(m->t, out, m->y));
    }
}

static void mlp_run(void *p, long iters) {
    model_ctx *m = p;
    for (long i = 0; i < iters; i++) {
        int r0 = (int)(m->cursor++ % (m->rows / m->batch)) * m->batch;
        tg_tape_reset(m->t);
        tg_tensor *x = tg_tape_tensor(m->t, 2, (int[]){m->batch, 784},
                                      m->x->data + (size_t)r0 * 784, 0);
        tg_tensor *logits = tg_mlp_forward(m->t, m->mlp, x);
        train_step(m, tg_cross_entropy(m->t, logits, m->labels + r0));
    }
}

static void rnn_run(void *p, long iters) {
    model_ctx *m = p;
    for (long i = 0; i < iters; i++) {
        tg_tape_reset(m->t);
        tg_tensor *out = NULL;
        tg_rnn_forward(m->t, m->rnn, m->x, NULL, NULL, &out, NULL, NULL);
        train_step(m, tg_mse_loss(m->t, out, m->y));
    }
}

static void conv_run(void *p, long iters) {
    static const int k2[2] = {2, 2};
    model_ctx *m = p;
    for (long i = 0; i < iters; i++) {
        int r0 = (int)(m->cursor++ % (m->rows / m->batch)) * m->batch;
        tg_tape *t = m->t;
        tg_tape_reset(t);
        tg_tensor *h = tg_tape_tensor(t, 4, (int[]){m->batch, 1, 28, 28},
                                      m->x->data + (size_t)r0 * 784, 0);
        for (int l = 0; l < 2; l++)
            h = tg_relu(t, tg_max_pool2d(t, tg_conv_forward(t, m->conv[l], h), k2, NULL, NULL)); /* as fashion_cnn */
        h = tg_dropout(t, tg_reshape(t, h, 2, (int[]){m->batch, 32 * 7 * 7}), (tg_real)0.25,
                       &m->rng, true);
        h = tg_linear_forward(t, m->fc[1], tg_relu(t, tg_linear_forward(t, m->fc[0], h)));
        train_step(m, tg_cross_entropy(t, h, m->labels + r0));
    }
}

static void attn_run(void *p, long iters) {
    model_ctx *m = p;
    for (long i = 0; i < iters; i++) {
        tg_tape_reset(m->t);
        tg_tensor *y = tg_encoder_forward(m->t, m->block, m->x, NULL, false, NULL, true);
        train_step(m, tg_mse_loss(m->t, y, m->y));
    }
}

static tg_tensor *random_tensor(tg_rng *g, int rank, const int *shape) {
    tg_tensor *x = tg_tensor_new(rank, shape, 0);
    if (!x) die("tensor", tg_last_error());
    tg_tensor_uniform(x, g, -1, 1);
    return x;
}

static void model_opt(model_ctx *m, bool adam) {
    if (adam) {
        tg_adam_opts o = tg_adam_defaults();
        m->opt = tg_adam_new(&m->ps, &o);
    } else {
        tg_sgd_opts o = tg_sgd_defaults();
        o.lr = 0.1;
        m->opt = tg_sgd_new(&m->ps, &o);
    }
    m->t = tg_tape_new();
    if (!m->opt || !m->t) die("optimizer", tg_last_error());
}

static void model_free(model_ctx *m) {
    tg_optim_free(m->opt);
    tg_params_free(&m->ps);
    tg_mlp_free(m->mlp);
    tg_rnn_free(m->rnn);
    for (int l = 0; l < 2; l++) tg_conv_free(m->conv[l]), tg_linear_free(m->fc[l]);
    tg_block_free(m->block);
    tg_tensor_free(m->x);
    tg_tensor_free(m->y);
    free(m->labels);
    tg_tape_free(m->t);
}

typedef struct {
    model_ctx m;
    tg_tensor **v, **hv; /* the direction (one per parameter) and the product */
} hvp_ctx;

static void hvp_run(void *p, long iters) {
    hvp_ctx *c = p;
    model_ctx *m = &c->m;
    for (long i = 0; i < iters; i++) {
        tg_tape_reset(m->t);
        tg_tensor *logits = tg_mlp_forward(m->t, m->mlp, m->x);
        if (tg_hvp(m->t, tg_cross_entropy(m->t, logits, m->labels), m->ps.items, c->v, m->ps.n, 0,
                   c->hv) != TG_OK)
            die("hvp_mlp", tg_tape_message(m->t));
    }
}

/* Times `run`: one warm-up, then reps repetitions of enough iterations for ~min_s
 * seconds each; returns the median seconds per iteration. */
static double time_it(void (*run)(void *, long), void *ctx, int reps, double min_s) {
    run(ctx, 1);
    double t0 = now();
    run(ctx, 1);
    double one = now() - t0;
    long iters = one > 0 ? (long)(min_s / one) + 1 : 1000;
    double v[64];
    if (reps > 64) reps = 64;
    for (int r = 0; r < reps; r++) {
        t0 = now();
        run(ctx, iters);
        v[r] = (now() - t0) / (double)iters;
    }
    for (int i = 1; i < reps; i++) /* insertion sort */
        for (int j = i; j > 0 && v[j] < v[j - 1]; j--) {
            double s = v[j]; v[j] = v[j - 1]; v[j - 1] = s;
        }
    return reps % 2 ? v[reps / 2] : (v[reps / 2 - 1] + v[reps / 2]) / 2;
}

static bool selected(const char *name, int argc, const char *const *names) {
    if (argc == 0) return true;
    for (int i = 0; i < argc; i++)
        if (strncmp(name, names[i], strlen(names[i])) == 0) return true;
    return false;
}

static void report(const char *name, double value, const char *unit) {
    printf("BENCH %s %.6g %s\n", name, value, unit);
    fflush(stdout);
}

/* GFLOP/s of the FMA loop on all threads (one task of 1e6 iterations per thread); the
 * first call measures, with `reps` repetitions. */
static double peak_fma(int reps) {
    static double peak;
    if (peak == 0) {
        long iters = 1000000;
        double s = time_it(peak_run, &iters, reps, 0.05);
        peak = tg__gemm_fma_loop(1) * (double)iters * tg__threads_max() / s / 1e9;
        report("peak_fma", peak, "GFLOP/s");
    }
    return peak;
}

/* The lines after a matmul-bound figure: its FLOPs (if gflop > 0) and its fraction of
 * peak_fma, from the GFLOP/s it ran at. */
static void report_peak(const char *name, double gflop, double gflops, int reps) {
    char line[64];
    if (gflop > 0) {
        snprintf(line, sizeof line, "%s.gflop", name);
        report(line, gflop, "GFLOP");
    }
    snprintf(line, sizeof line, "%s.peak", name);
    report(line, gflops / peak_fma(reps), "fraction");
}

static void bench_gemm(int n, int reps) {
    tg_rng g;
    tg_rng_seed(&g, (uint64_t)n);
    tg_tensor *a = random_tensor(&g, 2, (int[]){n, n}), *b = random_tensor(&g, 2, (int[]){n, n});
    tg_tensor *c = random_tensor(&g, 2, (int[]){n, n});
    gemm_ctx ctx = {n, a->data, b->data, c->data};
    double s = time_it(gemm_run, &ctx, reps, 0.2);
    char name[32];
    snprintf(name, sizeof name, "gemm_%d", n);
    double gflops = 2.0 * n * n * (double)n / s / 1e9;
    report(name, gflops, "GFLOP/s");
    report_peak(name, 0, gflops, reps);
    tg_tensor_free(a), tg_tensor_free(b), tg_tensor_free(c);
}

static void bench_tape(int reps) {
    tape_ctx c = {tg_tape_new(), tg_param_new("w", 1, (int[]){1})};
    if (!c.t || !c.w) die("tape_op", tg_last_error());
    c.w->data[0] = 1;
    report("tape_op", time_it(tape_run, &c, reps, 0.1) / CHAIN * 1e9, "ns");
    tg_tape_free(c.t);
    tg_tensor_free(c.w);
}

static void bench_xor(int reps) {
    model_ctx m = {0};
    tg_rng g;
    tg_rng_seed(&g, 1);
    m.mlp = tg_mlp_new("xor", 3, (int[]){2, 4, 1}, TG_ACT_TANH, TG_ACT_SIGMOID, &g);
    if (!m.mlp || tg_mlp_params(m.mlp, &m.ps) != TG_OK) die("xor", tg_last_error());
    m.x = tg_tensor_from(2, (int[]){4, 2}, (tg_real[]){0, 0, 0, 1, 1, 0, 1, 1}, 0);
    m.y = tg_tensor_from(2, (int[]){4, 1}, (tg_real[]){0, 1, 1, 0}, 0);
    model_opt(&m, false);
    report("xor_step", time_it(xor_run, &m, reps, 0.1) * 1e6, "us");
    model_free(&m);
}

static void bench_mlp(int reps) {
    model_ctx m = {0};
    tg_rng g;
    tg_rng_seed(&g, 2);
    m.batch = 64, m.rows = 64 * 64;
    m.mlp = tg_mlp_new("mlp", 3, (int[]){784, 256, 10}, TG_ACT_RELU, TG_ACT_IDENTITY, &g);
    if (!m.mlp || tg_mlp_params(m.mlp, &m.ps) != TG_OK) die("mlp", tg_last_error());
    m.x = random_tensor(&g, 2, (int[]){m.rows, 784});
    m.labels = malloc(sizeof(int) * (size_t)m.rows);
    for (int i = 0; i < m.rows; i++) m.labels[i] = (int)(tg_rng_u64(&g) % 10);
    model_opt(&m, true);
    report("mlp_epoch", time_it(mlp_run, &m, reps, 0.2) * 60000.0 / 64, "s");
    model_free(&m);
}

static void bench_hvp(int reps) {
    hvp_ctx c = {0};
    model_ctx *m = &c.m;
    tg_rng g;
    tg_rng_seed(&g, 11);
    m->mlp = tg_mlp_new("mlp", 3, (int[]){784, 256, 10}, TG_ACT_TANH, TG_ACT_IDENTITY, &g);
    if (!m->mlp || tg_mlp_params(m->mlp, &m->ps) != TG_OK) die("hvp_mlp", tg_last_error());
    m->t = tg_tape_new();
    m->x = random_tensor(&g, 2, (int[]){64, 784});
    m->labels = malloc(64 * sizeof *m->labels);
    c.v = calloc((size_t)m->ps.n, sizeof *c.v);
    c.hv = calloc((size_t)m->ps.n, sizeof *c.hv);
    if (!m->t || !m->labels || !c.v || !c.hv) die("hvp_mlp", "out of memory");
    for (int i = 0; i < 64; i++) m->labels[i] = (int)(tg_rng_u64(&g) % 10);
    for (int k = 0; k < m->ps.n; k++)
        c.v[k] = random_tensor(&g, m->ps.items[k]->rank, m->ps.items[k]->shape);
    report("hvp_mlp", time_it(hvp_run, &c, reps, 0.2) * 1e3, "ms");
    for (int k = 0; k < m->ps.n; k++) tg_tensor_free(c.v[k]);
    free(c.v);
    free(c.hv);
    model_free(m);
}

static void bench_rnn(const char *name, tg_rnn_kind kind, int B, int H, int reps) {
    enum { T = 64, F = 64 };
    model_ctx m = {0};
    tg_rng g;
    tg_rng_seed(&g, 3);
    tg_rnn_config cfg = {kind, F, H, 1, false};
    m.rnn = tg_rnn_new("rnn", &cfg, &g);
    if (!m.rnn || tg_rnn_params(m.rnn, &m.ps) != TG_OK) die(name, tg_last_error());
    m.x = random_tensor(&g, 3, (int[]){T, B, F});
    m.y = random_tensor(&g, 3, (int[]){T, B, H});
    model_opt(&m, true);
    double s = time_it(rnn_run, &m, reps, 0.2);
    report(name, s * 1e3, "ms");
    if (B >= 32) { /* the products dominate (batch 1 is overhead-bound) */
        int G = kind == TG_RNN_LSTM ? 4 : kind == TG_RNN_TANH ? 1 : 3;
        double gflop = 2.0 * T * B * G * H * (2.0 * F + 3.0 * H) / 1e9;
        report_peak(name, gflop, gflop / s, reps);
    }
    model_free(&m);
}

static void bench_conv(int reps) {
    static const int k3[2] = {3, 3}, pad1[2] = {1, 1};
    model_ctx m = {0};
    tg_rng g;
    tg_rng_seed(&g, 4);
    tg_rng_seed(&m.rng, 5);
    m.batch = 64, m.rows = 64 * 16;
    m.conv[0] = tg_conv2d_new("conv1", 1, 16, k3, NULL, pad1, NULL, true, TG_INIT_TORCH, &g);
    m.conv[1] = tg_conv2d_new("conv2", 16, 32, k3, NULL, pad1, NULL, true, TG_INIT_TORCH, &g);
    m.fc[0] = tg_linear_new("fc1", 32 * 7 * 7, 128, TG_INIT_TORCH, &g);
    m.fc[1] = tg_linear_new("fc2", 128, 10, TG_INIT_TORCH, &g);
    for (int l = 0; l < 2; l++)
        if (!m.conv[l] || !m.fc[l] || tg_conv_params(m.conv[l], &m.ps) != TG_OK)
            die("conv_step", tg_last_error());
    for (int l = 0; l < 2; l++)
        if (tg_linear_params(m.fc[l], &m.ps) != TG_OK) die("conv_step", tg_last_error());
    m.x = random_tensor(&g, 2, (int[]){m.rows, 784});
    m.labels = malloc(sizeof(int) * (size_t)m.rows);
    if (!m.labels) die("conv_step", "out of memory");
    for (int i = 0; i < m.rows; i++) m.labels[i] = (int)(tg_rng_u64(&g) % 10);
    model_opt(&m, true);
    report("conv_step", time_it(conv_run, &m, reps, 0.2) * 1e3, "ms");
    model_free(&m);
}

static void bench_attn(int reps) {
    model_ctx m = {0};
    tg_rng g;
    tg_rng_seed(&g, 6);
    tg_block_config cfg = {.dim = 128, .heads = 4, .ff_dim = 512, .dropout = 0, .act = TG_FF_RELU,
                           .norm_first = true, .eps = 1e-5};
    m.block = tg_block_new("enc", &cfg, false, &g);
    if (!m.block || tg_block_params(m.block, &m.ps) != TG_OK) die("attn_step", tg_last_error());
    m.x = random_tensor(&g, 3, (int[]){32, 64, 128});
    m.y = random_tensor(&g, 3, (int[]){32, 64, 128});
    model_opt(&m, true);
    report("attn_step", time_it(attn_run, &m, reps, 0.2) * 1e3, "ms");
    model_free(&m);
}

/* --isa: the GEMM micro-kernel, if this CPU has it. */
static int parse_isa(const char *prog, const char *name, const char *v, void *out) {
    (void)out;
    if (tg__gemm_use_isa(v)) return 0;
    fprintf(stderr, "%s: %s %s: not built or not supported on this CPU\n", prog, name, v);
    return -1;
}

int main(int argc, char **argv) {
    int reps = 5, threads = 0;
    const char *names[64];
    const cli_opt opts[] = {
        {"--threads", "N", CLI_INT, &threads, 1, TG_MAX_THREADS, "worker threads",
         "TG_NUM_THREADS, else the library's default", NULL},
        {"--reps", "R", CLI_INT, &reps, 1, 1000, "timed repetitions per figure (the median is printed)",
         NULL, NULL},
        {"--cpu-clock", NULL, CLI_FLAG, &cpu_clock, 0, 0,
         "time with the process's CPU time, not the wall clock (for A/B runs on a loaded "
         "machine; with --threads 1, as idle workers would count)", NULL, NULL},
        {"--isa", "avx512|avx2|generic", CLI_FN, NULL, 0, 0, "force a GEMM micro-kernel",
         "the best this CPU runs", parse_isa},
        {0}};
    cli c = {"bench", "[NAME...]",
             "Prints \"BENCH <name> <value> <unit>\" for each figure (benchmarks/README.md);\n"
             "NAMEs select figures by prefix (\"gemm\" runs every gemm_<n>), none runs all.\n",
             opts, 64, names, 0, false};
    int rc = cli_parse(&c, argc, argv);
    if (rc != CLI_RUN) return rc;
    if (threads > 0 && tg_set_num_threads(threads) != TG_OK) die("--threads", tg_last_error());
    int n_names = c.npos;
    fprintf(stderr, "bench: %d thread(s), kernel %s, tg_real = %s\n", tg_get_num_threads(),
            tg__gemm_isa(), TG_REAL_NAME);
    if (selected("peak_fma", n_names, names)) peak_fma(reps);
    static const int sizes[] = {256, 512, 1024, 2048};
    for (int i = 0; i < 4; i++) {
        char name[32];
        snprintf(name, sizeof name, "gemm_%d", sizes[i]);
        if (selected(name, n_names, names)) bench_gemm(sizes[i], reps);
    }
    if (selected("tape_op", n_names, names)) bench_tape(reps);
    if (selected("xor_step", n_names, names)) bench_xor(reps);
    if (selected("mlp_epoch", n_names, names)) bench_mlp(reps);
    static const struct { const char *name; tg_rnn_kind kind; int B, H; } rnns[] = {
        {"lstm_32x128", TG_RNN_LSTM, 32, 128},     {"gru_32x128", TG_RNN_GRU_TORCH, 32, 128},
        {"rnn_32x128", TG_RNN_TANH, 32, 128},      {"lstm_32x512", TG_RNN_LSTM, 32, 512},
        {"lstm_1x32", TG_RNN_LSTM, 1, 32},
    };
    for (size_t i = 0; i < sizeof rnns / sizeof rnns[0]; i++)
        if (selected(rnns[i].name, n_names, names))
            bench_rnn(rnns[i].name, rnns[i].kind, rnns[i].B, rnns[i].H, reps);
    if (selected("conv_step", n_names, names)) bench_conv(reps);
    if (selected("attn_step", n_names, names)) bench_attn(reps);
    if (selected("hvp_mlp", n_names, names)) bench_hvp(reps);
    return 0;
}
