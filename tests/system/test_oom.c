/* test_oom.c — allocation failure at every point of a whole training step (SQLite's
 * "OOM test": make the N-th allocation fail, for N = 1, 2, ... until a run completes).
 *
 * Two scenarios, an MLP and a two-layer LSTM with a linear head. Each is a sequence of
 * phases, exactly what a training program does:
 *
 *   model      make the layers (parameters, initialised from a seeded RNG)
 *   params     list the parameters (tg_params)
 *   optimizer  make the optimizer, list its state, make an LR schedule
 *   step       one training step on a FRESH tape (so its arena must grow from nothing,
 *              several chunks: the batch is large enough to need more than the first
 *              1 MiB chunk), forward, loss, backward, gradient clipping, optimizer step
 *   step'      the same on the reset tape (allocates nothing)
 *   save       checkpoint of parameters and optimizer state (over an older file)
 *   load       the checkpoint back, after one more step
 *
 * A reference run without failures counts A allocations. Then for every N in 1..A+1
 * the scenario runs from scratch with tg__alloc_fail_after(N) and for the phase in
 * which the N-th allocation fails it asserts:
 *   - the status is TG_ERR_NOMEM and the message reads "<fn>: ... out of memory ..."
 *     with <fn> a public function that the phase called, or the op (tg_matmul, ...)
 *     whose output needed the arena to grow;
 *   - no crash (the sanitizer build runs this too) and no leak: tg_alloc_live() is back
 *     at its value before the phase (a failed constructor frees what it made), and at
 *     the end of each run at the value before the run (ASan checks the rest);
 *   - the parameters, the optimizer state, the learning rate and the checkpoint file
 *     on disk are byte for byte what they were before the phase;
 *   - with the hook removed, the same phase then succeeds, and the run goes on: its
 *     final parameters and state are bit-identical to the reference run's.
 * N = A+1 (nothing fails) ends the sweep; every N <= A must fail exactly once.
 */
#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>
#include <unistd.h>
#include "check.h"
#include <tg/core.h>

enum { MLP, LSTM };

typedef struct ctx {
    int kind;
    tg_rng rng;
    tg_mlp *mlp;
    tg_rnn *rnn;
    tg_linear *head;
    tg_params ps, state;
    tg_optim *opt;
    tg_sched *sched;
    tg_tape *tape;
    double loss;
    char msg[512]; /* a failed tape's message (the tape may be gone by then) */
    char path[64];
    /* the data of a batch (fixed) */
    tg_real *x;
    int *labels;
} ctx;

/* Batch sizes: big enough that one step needs several arena chunks. */
#define MLP_B 512
#define MLP_IN 16
#define MLP_H 128
#define MLP_OUT 10
#define RNN_T 6
#define RNN_B 64
#define RNN_F 8
#define RNN_H 32
#define RNN_C 8
#define LR 0.01

/* ---- phases ---- */

static tg_status ph_model(ctx *c) {
    tg_rng_seed(&c->rng, 42); /* a retried phase draws the same weights */
    if (c->kind == MLP) {
        c->mlp = tg_mlp_new("mlp", 3, (int[]){MLP_IN, MLP_H, MLP_OUT}, TG_ACT_TANH,
                            TG_ACT_IDENTITY, &c->rng);
        return c->mlp ? TG_OK : tg_last_status();
    }
    tg_rnn_config cfg = {.kind = TG_RNN_LSTM, .input_size = RNN_F, .hidden_size = RNN_H,
                         .num_layers = 2, .forget_bias_one = true};
    c->rnn = tg_rnn_new("lstm", &cfg, &c->rng);
    if (!c->rnn) return tg_last_status();
    c->head = tg_linear_new("head", RNN_H, RNN_C, TG_INIT_TORCH, &c->rng);
    if (!c->head) {
        tg_status st = tg_last_status();
        tg_rnn_free(c->rnn);
        c->rnn = NULL;
        return st;
    }
    return TG_OK;
}

static tg_status ph_params(ctx *c) {
    tg_params_free(&c->ps); /* a failed append may leave part of the list */
    tg_status st = c->kind == MLP ? tg_mlp_params(c->mlp, &c->ps) : tg_rnn_params(c->rnn, &c->ps);
    if (st == TG_OK && c->kind == LSTM) st = tg_linear_params(c->head, &c->ps);
    if (st != TG_OK) tg_params_free(&c->ps);
    return st;
}

static tg_status ph_optimizer(ctx *c) {
    tg_status st = TG_OK;
    if (c->kind == MLP) {
        tg_adam_opts o = tg_adam_defaults();
        o.lr = LR;
        o.amsgrad = true;
        c->opt = tg_adam_new(&c->ps, &o);
    } else {
        tg_rmsprop_opts o = tg_rmsprop_defaults();
        o.lr = LR;
        o.momentum = 0.9;
        o.centered = true;
        c->opt = tg_rmsprop_new(&c->ps, &o);
    }
    if (!c->opt) return tg_last_status();
    if ((st = tg_optim_state(c->opt, &c->state)) == TG_OK) {
        /* warm-up then cosine; a part that fails to be made is freed by sequential */
        tg_sched *s[2] = {tg_sched_linear_new(c->opt, 0.5, 1.0, 3), NULL};
        if (s[0]) s[1] = tg_sched_cosine_new(c->opt, 20, 0.0);
        c->sched = s[1] ? tg_sched_sequential_new(c->opt, s, 2, (int[]){3}) : NULL;
        if (!c->sched) {
            st = tg_last_status();
            if (!s[1]) tg_sched_free(s[0]);
        }
    }
    if (st != TG_OK) {
        tg_params_free(&c->state);
        tg_optim_free(c->opt);
        c->opt = NULL;
    }
    return st;
}

/* Forward, loss, backward, clip, update on c->tape (which the caller made or reset). */
static tg_status train(ctx *c) {
    tg_tape *t = c->tape;
    tg_optim_zero_grad(c->opt);
    tg_tensor *logits;
    if (c->kind == MLP) {
        tg_tensor *x = tg_tape_tensor(t, 2, (int[]){MLP_B, MLP_IN}, c->x, 0);
        logits = tg_mlp_forward(t, c->mlp, x);
    } else {
        tg_tensor *x = tg_tape_tensor(t, 3, (int[]){RNN_T, RNN_B, RNN_F}, c->x, 0), *out = NULL;
        tg_rnn_forward(t, c->rnn, x, NULL, NULL, &out, NULL, NULL);
        logits = tg_linear_forward(t, c->head, tg_reshape(t, out, 2, (int[]){RNN_T * RNN_B, RNN_H}));
    }
    tg_tensor *loss = tg_cross_entropy(t, logits, c->labels);
    tg_status st = tg_backward(t, loss, NULL);
    if (st != TG_OK) {
        /* tg_backward's own message only says the tape failed earlier; the tape's
         * message names the op that ran out of memory. */
        snprintf(c->msg, sizeof c->msg, "%s", tg_tape_message(t));
        return st;
    }
    c->loss = (double)tg_item(loss);
    if ((st = tg_clip_grad_norm(&c->ps, 5.0, 2.0, NULL)) != TG_OK) return st;
    if ((st = tg_optim_step(c->opt)) != TG_OK) return st;
    return tg_sched_step(c->sched);
}

static tg_status ph_step_fresh(ctx *c) {
    tg_tape_free(c->tape);
    c->tape = tg_tape_new();
    if (!c->tape) return tg_last_status();
    tg_status st = train(c);
    if (st != TG_OK) {
        tg_tape_free(c->tape);
        c->tape = NULL;
    }
    return st;
}

static tg_status ph_step_reused(ctx *c) {
    tg_tape_reset(c->tape);
    return train(c);
}

static tg_status ph_save(ctx *c) {
    const tg_params *lists[2] = {&c->ps, &c->state};
    tg_checkpoint_meta meta = {0};
    tg_checkpoint_meta_add(&meta, 7);
    tg_checkpoint_meta_add_rng(&meta, &c->rng);
    return tg_checkpoint_save(c->path, lists, 2, &meta);
}

static tg_status ph_load(ctx *c) {
    const tg_params *lists[2] = {&c->ps, &c->state};
    tg_checkpoint_meta meta = {0};
    tg_status st = tg_checkpoint_load(c->path, lists, 2, &meta);
    if (st == TG_OK && (meta.n != 1 + TG_CHECKPOINT_RNG_WORDS || meta.v[0] != 7)) st = TG_ERR_FORMAT;
    return st;
}

typedef struct phase {
    const char *name;
    tg_status (*run)(ctx *c);
    const char *fns[8]; /* public functions the phase calls (allowed in messages) */
    bool ops;           /* ops of the op table may name themselves too */
} phase;

static const phase phases[] = {
    {"model", ph_model, {"tg_mlp_new", "tg_rnn_new", "tg_linear_new"}, false},
    {"params", ph_params, {"tg_params_add", "tg_mlp_params", "tg_rnn_params", "tg_linear_params"}, false},
    {"optimizer", ph_optimizer, {"tg_adam_new", "tg_rmsprop_new", "tg_optim_state", "tg_sched_linear_new",
                                 "tg_sched_cosine_new", "tg_sched_sequential_new"}, false},
    {"step (fresh tape)", ph_step_fresh, {"tg_tape_new", "tg_tape_tensor", "tg_backward"}, true},
    {"step (reused tape)", ph_step_reused, {"tg_tape_tensor", "tg_backward"}, true},
    {"save", ph_save, {"tg_checkpoint_save"}, false},
    {"step (reused tape)", ph_step_reused, {"tg_tape_tensor", "tg_backward"}, true},
    {"load", ph_load, {"tg_checkpoint_load"}, false},
    {"step (reused tape)", ph_step_reused, {"tg_tape_tensor", "tg_backward"}, true},
};
enum { N_PHASES = sizeof phases / sizeof phases[0] };

/* ---- snapshots: every byte a failed phase must leave alone ---- */

typedef struct snap {
    unsigned char *b;
    size_t n, cap;
} snap;

/* True if the directory of path holds a "<name of path>.tmp.*" file (a save's
 * temporary file, whose last characters are random). */
static bool temp_left(const char *path) {
    char dir[512];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    const char *base = slash ? slash + 1 : path;
    if (slash) *slash = '\0';
    DIR *d = opendir(slash ? dir : ".");
    size_t bl = strlen(base);
    bool found = false;
    for (struct dirent *e; d && (e = readdir(d));)
        found |= strncmp(e->d_name, base, bl) == 0 && strncmp(e->d_name + bl, ".tmp.", 5) == 0;
    if (d) closedir(d);
    return found;
}

static void snap_put(snap *s, const void *p, size_t n) {
    if (s->n + n > s->cap) {
        s->cap = (s->n + n) * 2;
        s->b = realloc(s->b, s->cap);
    }
    memcpy(s->b + s->n, p, n);
    s->n += n;
}

static void snap_take(const ctx *c, snap *s) {
    s->n = 0;
    for (int i = 0; i < c->ps.n; i++)
        snap_put(s, c->ps.items[i]->data, c->ps.items[i]->size * sizeof(tg_real));
    for (int i = 0; i < c->state.n; i++)
        snap_put(s, c->state.items[i]->data, c->state.items[i]->size * sizeof(tg_real));
    double lr = c->opt ? tg_optim_get_lr(c->opt) : 0;
    snap_put(s, &lr, sizeof lr);
    FILE *f = fopen(c->path, "rb");
    if (f) {
        unsigned char buf[4096];
        size_t k;
        while ((k = fread(buf, 1, sizeof buf, f)) > 0) snap_put(s, buf, k);
        fclose(f);
    }
}

static bool snap_equal(const snap *a, const snap *b) {
    return a->n == b->n && memcmp(a->b, b->b, a->n) == 0;
}

/* ---- checking a failure's message ---- */

/* The function a message starts with: "tg_xxx: ..." -> "tg_xxx". */
static void msg_fn(const char *msg, char *out, size_t cap) {
    size_t k = 0;
    while (msg[k] && (isalnum((unsigned char)msg[k]) || msg[k] == '_') && k + 1 < cap) {
        out[k] = msg[k];
        k++;
    }
    out[k] = '\0';
}

static bool fn_allowed(const phase *p, const char *fn) {
    for (int i = 0; i < 8 && p->fns[i]; i++)
        if (strcmp(p->fns[i], fn) == 0) return true;
    if (p->ops) {
        size_t n;
        const tg_op_info *ops = tg_op_table(&n);
        for (size_t i = 0; i < n; i++)
            if (strcmp(ops[i].op->name, fn) == 0) return true;
    }
    return false;
}

/* Which functions' messages were seen, with one example each (for the report). */
typedef struct seen_fn {
    char fn[48];
    int count;
    char example[200];
} seen_fn;
static seen_fn seen[64];
static int n_seen;

static void note_fn(const char *fn, const char *msg) {
    for (int i = 0; i < n_seen; i++)
        if (strcmp(seen[i].fn, fn) == 0) {
            seen[i].count++;
            return;
        }
    if (n_seen < 64) {
        snprintf(seen[n_seen].fn, sizeof seen[n_seen].fn, "%s", fn);
        size_t k = strlen(msg) < sizeof seen[n_seen].example ? strlen(msg) : sizeof seen[n_seen].example - 1;
        memcpy(seen[n_seen].example, msg, k);
        seen[n_seen].example[k] = '\0';
        seen[n_seen++].count = 1;
    }
}

/* ---- one run of a scenario ---- */

static void write_old_file(const char *path) {
    FILE *f = fopen(path, "wb");
    if (f) {
        fputs("an older file that a failed save must leave alone\n", f);
        fclose(f);
    }
}

/* Frees everything a run made. */
static void teardown(ctx *c) {
    tg_tape_free(c->tape);
    tg_sched_free(c->sched);
    tg_optim_free(c->opt);
    tg_params_free(&c->state);
    tg_params_free(&c->ps);
    tg_mlp_free(c->mlp);
    tg_rnn_free(c->rnn);
    tg_linear_free(c->head);
    c->tape = NULL;
    c->sched = NULL;
    c->opt = NULL;
    c->mlp = NULL;
    c->rnn = NULL;
    c->head = NULL;
}

/* Runs every phase with the N-th allocation failing (N = 0: none). Appends the final
 * parameters and state to *final. Returns the number of phases that failed. */
static int run(ctx *c, size_t N, snap *final, int *failed_phase) {
    static snap before, after;
    size_t live0 = tg_alloc_live();
    int failures = 0;
    write_old_file(c->path);
    tg__alloc_fail_after(N);
    for (int k = 0; k < N_PHASES; k++) {
        const phase *p = &phases[k];
        snap_take(c, &before);
        size_t live = tg_alloc_live();
        tg_clear_error();
        c->msg[0] = '\0';
        tg_status st = p->run(c);
        if (st == TG_OK) continue;
        failures++;
        *failed_phase = k;
        /* The failed call's message: the tape's for tape work, else the thread's. */
        const char *msg = c->msg[0] ? c->msg : tg_last_error();
        char fn[48];
        msg_fn(msg, fn, sizeof fn);
        note_fn(fn, msg);
        CHECK(st == TG_ERR_NOMEM, "N=%zu, phase %s: status %s (%s)", N, p->name, tg_status_name(st), msg);
        CHECK(strstr(msg, "out of memory") != NULL, "N=%zu, phase %s: message '%s'", N, p->name, msg);
        CHECK(fn_allowed(p, fn), "N=%zu, phase %s: message names '%s': %s", N, p->name, fn, msg);
        CHECK(tg_alloc_live() == live, "N=%zu, phase %s: %zu allocations leaked",
              N, p->name, tg_alloc_live() - live);
        snap_take(c, &after);
        CHECK(snap_equal(&before, &after), "N=%zu, phase %s: parameters, optimizer state, lr or file changed",
              N, p->name);
        CHECK(!temp_left(c->path), "N=%zu: a temporary file of %s left behind", N, c->path);
        /* The hook fires once; the same phase must now succeed. */
        tg__alloc_fail_after(0);
        st = p->run(c);
        CHECK(st == TG_OK, "N=%zu, phase %s: retry failed: %s", N, p->name, tg_last_error());
        if (st != TG_OK) break;
    }
    tg__alloc_fail_after(0);
    final->n = 0;
    snap_take(c, final);
    teardown(c);
    unlink(c->path);
    CHECK(tg_alloc_live() == live0, "N=%zu: %zu allocations live after teardown", N,
          tg_alloc_live() - live0);
    return failures;
}

static size_t sweep(int kind, const char *name) {
    ctx c = {.kind = kind};
    /* tmpfs where there is one: every save fsyncs, ~100 times per sweep */
    snprintf(c.path, sizeof c.path, "%s/tg_test_oom_%ld_%d.ckpt",
             access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp", (long)getpid(), kind);
    size_t nx = kind == MLP ? (size_t)MLP_B * MLP_IN : (size_t)RNN_T * RNN_B * RNN_F;
    size_t nl = kind == MLP ? MLP_B : (size_t)RNN_T * RNN_B;
    c.x = malloc(nx * sizeof *c.x);
    c.labels = malloc(nl * sizeof *c.labels);
    tg_rng g;
    tg_rng_seed(&g, 7);
    for (size_t i = 0; i < nx; i++) c.x[i] = (tg_real)(2 * tg_rng_uniform(&g) - 1);
    for (size_t i = 0; i < nl; i++) c.labels[i] = (int)(tg_rng_u64(&g) % (kind == MLP ? MLP_OUT : RNN_C));

    snap ref = {0}, fin = {0};
    int fp = -1;
    size_t a0 = tg_alloc_count();
    int f = run(&c, 0, &ref, &fp);
    size_t A = tg_alloc_count() - a0;
    CHECK(f == 0, "%s: the reference run failed", name);
    double ref_loss = c.loss;

    int per_phase[N_PHASES] = {0};
    int bad_final = 0, wrong_count = 0;
    size_t N;
    for (N = 1; N <= A + 1; N++) {
        fp = -1;
        f = run(&c, N, &fin, &fp);
        if (f != (N <= A ? 1 : 0)) {
            wrong_count++;
            CHECK(0, "%s: N=%zu: %d phases failed (expected %d)", name, N, f, N <= A);
        }
        if (fp >= 0) per_phase[fp]++;
        if (!snap_equal(&ref, &fin) || c.loss != ref_loss) bad_final++;
    }
    CHECK(bad_final == 0, "%s: %d runs ended with parameters or state different from the reference",
          name, bad_final);
    CHECK(wrong_count == 0, "%s: %d runs failed the wrong number of times", name, wrong_count);
    printf("%s: %zu allocations in the scenario, swept N = 1..%zu (%zu runs); failures per phase:",
           name, A, A + 1, A + 1);
    for (int k = 0; k < N_PHASES; k++) printf(" %s %d%s", phases[k].name, per_phase[k], k + 1 < N_PHASES ? "," : "\n");
    free(ref.b);
    free(fin.b);
    free(c.x);
    free(c.labels);
    return A + 1;
}

int main(void) {
    size_t live = tg_alloc_live();
    size_t a = sweep(MLP, "mlp");
    size_t b = sweep(LSTM, "lstm");
    CHECK(a > 20 && b > 20, "sweeps too short: %zu, %zu", a, b);
    printf("functions named by out-of-memory messages:\n");
    for (int i = 0; i < n_seen; i++) printf("  %-22s %4d  e.g. %s\n", seen[i].fn, seen[i].count, seen[i].example);
    CHECK(tg_alloc_live() == live, "live allocations back at %zu: %zu", live, tg_alloc_live());
    return check_done();
}
