/* test_parallel.c — threads never change results.
 *
 *   1. Separate tapes and models trained at the same time on several application
 *      threads (pthreads) end bit-identical to the same trainings run one after
 *      another; each thread also saves and reloads its own checkpoint, and provokes
 *      its own error (tg_last_error is per thread).
 *   2. The library's own worker threads (tg_threads.h): training with 1 and with 2
 *      threads gives bit-identical parameters and losses. The model's matrix products
 *      are large enough to be split across the pool.
 *   3. Two runs with the same seed are bit-identical, in this process and in a new one
 *      (this program run again with --hash prints the FNV-1a hash of its parameters
 *      and losses); another seed differs.
 * scripts/tsan.sh runs this (and the rest of the suite) under ThreadSanitizer.
 */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include "check.h"
#include <tapegrad/tg_threads.h>

enum { IN = 32, HID = 256, OUT = 10, BATCH = 64, STEPS = 12, JOBS = 4 };

typedef struct job {
    uint64_t seed;
    /* results */
    tg_real *params;   /* every parameter's values, concatenated */
    size_t n_params;
    double losses[STEPS];
    tg_status st;
    char err[256];
    bool err_is_own;   /* the thread's tg_last_error was its own provoked error */
    bool ckpt_ok;      /* save + load into a fresh model restored every value */
} job;

/* An MLP IN-HID-HID-OUT (relu) trained by Adam on random data of its seed, with a
 * cross-entropy loss. Products: (64,32)x(32,256) 0.5M multiply-adds, (64,256)x(256,256)
 * 4M, and their backward products: above the pool's threshold (2^18). */
static void *train(void *arg) {
    job *j = arg;
    tg_rng g;
    tg_rng_seed(&g, j->seed);
    tg_mlp *m = tg_mlp_new("mlp", 4, (int[]){IN, HID, HID, OUT}, TG_ACT_RELU, TG_ACT_IDENTITY, &g);
    tg_params ps = {0};
    tg_optim *opt = NULL;
    tg_tape *t = tg_tape_new();
    tg_real *x = malloc(sizeof(tg_real) * BATCH * IN);
    int labels[BATCH];
    j->st = m && t && x ? tg_mlp_params(m, &ps) : TG_ERR_NOMEM;
    if (j->st == TG_OK) {
        tg_adam_opts o = tg_adam_defaults();
        o.lr = 1e-3;
        opt = tg_adam_new(&ps, &o);
        if (!opt) j->st = tg_last_status();
    }
    for (int s = 0; s < STEPS && j->st == TG_OK; s++) {
        for (int i = 0; i < BATCH * IN; i++) x[i] = (tg_real)(2 * tg_rng_uniform(&g) - 1);
        for (int i = 0; i < BATCH; i++) labels[i] = (int)(tg_rng_u64(&g) % OUT);
        tg_tape_reset(t);
        tg_optim_zero_grad(opt);
        tg_tensor *xb = tg_tape_tensor(t, 2, (int[]){BATCH, IN}, x, 0);
        tg_tensor *loss = tg_cross_entropy(t, tg_mlp_forward(t, m, xb), labels);
        j->st = tg_backward(t, loss, NULL);
        if (j->st == TG_OK) j->st = tg_optim_step(opt);
        if (j->st == TG_OK) j->losses[s] = (double)tg_item(loss);
        else snprintf(j->err, sizeof j->err, "%s / %s", tg_tape_message(t), tg_last_error());
    }
    if (j->st == TG_OK) {
        j->n_params = tg_params_numel(&ps);
        j->params = malloc(j->n_params * sizeof(tg_real));
        size_t k = 0;
        for (int i = 0; i < ps.n; i++)
            for (size_t e = 0; e < ps.items[i]->size; e++) j->params[k++] = ps.items[i]->data[e];
        /* A checkpoint per thread (different paths may be saved and loaded at once). */
        char path[96];
        snprintf(path, sizeof path, "/tmp/tg_parallel_%ld_%llu.ckpt", (long)getpid(),
                 (unsigned long long)j->seed);
        const tg_params *lists[1] = {&ps};
        tg_rng g2;
        tg_rng_seed(&g2, j->seed + 1000);
        tg_mlp *m2 = tg_mlp_new("mlp", 4, (int[]){IN, HID, HID, OUT}, TG_ACT_RELU, TG_ACT_IDENTITY, &g2);
        tg_params ps2 = {0};
        const tg_params *lists2[1] = {&ps2};
        j->ckpt_ok = m2 && tg_mlp_params(m2, &ps2) == TG_OK &&
                     tg_checkpoint_save(path, lists, 1, NULL) == TG_OK &&
                     tg_checkpoint_load(path, lists2, 1, NULL) == TG_OK;
        for (int i = 0; j->ckpt_ok && i < ps.n; i++)
            j->ckpt_ok = memcmp(ps.items[i]->data, ps2.items[i]->data, ps.items[i]->size * sizeof(tg_real)) == 0;
        unlink(path);
        tg_params_free(&ps2);
        tg_mlp_free(m2);
    }
    /* Each thread's last error is its own. */
    char want[64];
    snprintf(want, sizeof want, "tg_tensor_new: dimension 0 is %d (must be >= 1)", -(int)j->seed);
    tg_tensor_new(1, (int[]){-(int)j->seed}, 0);
    nanosleep(&(struct timespec){0, 1000000}, NULL); /* let the other threads set theirs */
    j->err_is_own = strcmp(tg_last_error(), want) == 0;
    tg_optim_free(opt);
    tg_params_free(&ps);
    tg_mlp_free(m);
    tg_tape_free(t);
    free(x);
    return NULL;
}

static bool same(const job *a, const job *b) {
    return a->st == TG_OK && b->st == TG_OK && a->n_params == b->n_params &&
           memcmp(a->params, b->params, a->n_params * sizeof(tg_real)) == 0 &&
           memcmp(a->losses, b->losses, sizeof a->losses) == 0;
}

/* FNV-1a 64 of the parameters' and losses' bytes. */
static uint64_t job_hash(const job *j) {
    uint64_t h = 0xcbf29ce484222325u;
    const unsigned char *p = (const unsigned char *)j->params;
    for (size_t i = 0; i < j->n_params * sizeof(tg_real); i++) h = (h ^ p[i]) * 0x100000001b3u;
    p = (const unsigned char *)j->losses;
    for (size_t i = 0; i < sizeof j->losses; i++) h = (h ^ p[i]) * 0x100000001b3u;
    return h;
}

static void job_clear(job *j) {
    free(j->params);
    uint64_t seed = j->seed;
    memset(j, 0, sizeof *j);
    j->seed = seed;
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "--hash") == 0) { /* the other run of part 3 */
        job j = {.seed = 42};
        tg_set_num_threads(2);
        train(&j);
        printf("%016llx\n", (unsigned long long)job_hash(&j));
        free(j.params);
        return j.st == TG_OK ? 0 : 1;
    }
    size_t live = tg_alloc_live();
    job seq[JOBS], par[JOBS];
    for (int k = 0; k < JOBS; k++) {
        seq[k] = (job){.seed = (uint64_t)k + 1};
        par[k] = (job){.seed = (uint64_t)k + 1};
    }

    /* 1. one after another, then all at once on JOBS threads */
    CHECK(tg_set_num_threads(2) == TG_OK, "tg_set_num_threads(2): %s", tg_last_error());
    for (int k = 0; k < JOBS; k++) train(&seq[k]);
    pthread_t th[JOBS];
    for (int k = 0; k < JOBS; k++)
        CHECK(pthread_create(&th[k], NULL, train, &par[k]) == 0, "pthread_create %d", k);
    for (int k = 0; k < JOBS; k++) pthread_join(th[k], NULL);
    for (int k = 0; k < JOBS; k++) {
        CHECK(seq[k].st == TG_OK && par[k].st == TG_OK, "job %d: %s / %s", k, seq[k].err, par[k].err);
        CHECK(same(&seq[k], &par[k]), "job %d: parallel training differs from sequential", k);
        CHECK(par[k].err_is_own && seq[k].err_is_own, "job %d: tg_last_error is not per thread", k);
        CHECK(par[k].ckpt_ok && seq[k].ckpt_ok, "job %d: checkpoint round trip failed", k);
        CHECK(seq[k].losses[STEPS - 1] < seq[k].losses[0], "job %d: loss %g -> %g", k,
              seq[k].losses[0], seq[k].losses[STEPS - 1]);
    }
    CHECK(!same(&seq[0], &seq[1]), "different seeds give different models");

    /* 2. 1 library thread vs 2 */
    job one = {.seed = 42}, two = {.seed = 42}, again = {.seed = 42};
    CHECK(tg_set_num_threads(1) == TG_OK && tg_get_num_threads() == 1, "1 thread: %d", tg_get_num_threads());
    train(&one);
    CHECK(tg_set_num_threads(2) == TG_OK, "2 threads: %s", tg_last_error());
    train(&two);
    int n2 = tg_get_num_threads();
    printf("library threads: 1 vs %d (workers that started)\n", n2);
    CHECK(n2 == 2, "2 threads requested, %d usable: %s", n2, tg_last_error());
    CHECK(same(&one, &two), "training with 1 and 2 library threads differs");

    /* 3. the same seed again, here and in a new process */
    train(&again);
    CHECK(same(&two, &again), "two runs with the same seed differ");
    char cmd[600], line[64] = "";
    snprintf(cmd, sizeof cmd, "'%s' --hash", argv[0]);
    FILE *child = popen(cmd, "r");
    CHECK(child && fgets(line, sizeof line, child), "running %s", cmd);
    int rc = child ? pclose(child) : -1;
    char mine[64];
    snprintf(mine, sizeof mine, "%016llx\n", (unsigned long long)job_hash(&two));
    CHECK(rc == 0 && strcmp(line, mine) == 0, "another process trained to %s, this one to %s", line, mine);

    for (int k = 0; k < JOBS; k++) {
        job_clear(&seq[k]);
        job_clear(&par[k]);
    }
    job_clear(&one);
    job_clear(&two);
    job_clear(&again);
    CHECK(tg_alloc_live() == live, "%zu allocations live at the end", tg_alloc_live() - live);
    return check_done();
}
