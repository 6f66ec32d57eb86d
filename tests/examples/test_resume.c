/* test_resume.c — stop and resume training bit-identically, across processes.
 *
 * For three small models — an MLP trained by SGD with Nesterov momentum, weight decay,
 * a step-decay schedule and mini-batches reshuffled every epoch; an LSTM and a GRU
 * trained by Adam / AdamW with gradient clipping and truncated BPTT (state carried
 * across chunks, a random chunk offset every epoch, noise added to the inputs) — this program runs ITSELF as a
 * child process (fork + exec of argv[0]):
 *   A: 3 epochs from scratch, save;
 *   B: 2 epochs from scratch, save;
 *   C: a NEW process loads B (parameters, optimizer state, epoch, RNG state) and
 *      trains the 3rd epoch, save;
 * and checks that C's parameters equal A's bit for bit (and the files byte for byte:
 * optimizer state, epoch and RNG state as well). Negative controls show the check has
 * teeth: resuming without the RNG state, or without the optimizer state, gives other
 * parameters.
 *
 *   test_resume                                           run every check
 *   test_resume --child KIND EPOCHS SAVE [RESUME MODE]    one training run (internal)
 *     KIND mlp|lstm|gru; MODE full|no-rng|no-optim
 */
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"

#define NPTS 96   /* MLP: points of a 3-class problem */
#define SERIES 240
#define TS 8      /* chunk length */
#define BS 3      /* streams */
#define HID 6

typedef struct {
    const char *kind;
    tg_mlp *mlp;
    tg_rnn *rnn;
    tg_linear *head;
    tg_params ps, state;
    tg_optim *opt;
    tg_sched *sched;
} model;

/* Fixed data, the same in every process (its own generator, not the run's). */
static tg_real px[NPTS * 2];
static int py[NPTS];
static tg_real series[SERIES];

static void make_data(void) {
    tg_rng g;
    tg_rng_seed(&g, 99);
    for (int i = 0; i < NPTS; i++) {
        int c = i % 3;
        double a = 2.0944 * c + 0.3 * tg_rng_normal(&g);
        px[2 * i] = (tg_real)(cos(a) + 0.2 * tg_rng_normal(&g));
        px[2 * i + 1] = (tg_real)(sin(a) + 0.2 * tg_rng_normal(&g));
        py[i] = c;
    }
    for (int i = 0; i < SERIES; i++)
        series[i] = (tg_real)(sin(i * 0.3) + 0.1 * tg_rng_normal(&g));
}

static void model_free(model *m) {
    tg_sched_free(m->sched);
    tg_optim_free(m->opt);
    tg_params_free(&m->state);
    tg_params_free(&m->ps);
    tg_mlp_free(m->mlp);
    tg_rnn_free(m->rnn);
    tg_linear_free(m->head);
    memset(m, 0, sizeof *m);
}

/* The model of `kind`, initialised from rng; its optimizer and the optimizer's state
 * list. Returns 0 or -1. */
static int model_new(model *m, const char *kind, tg_rng *rng) {
    memset(m, 0, sizeof *m);
    m->kind = kind;
    if (!strcmp(kind, "mlp")) {
        m->mlp = tg_mlp_new("mlp", 4, (int[]){2, 12, 12, 3}, TG_ACT_TANH, TG_ACT_IDENTITY, rng);
        if (!m->mlp || tg_mlp_params(m->mlp, &m->ps) != TG_OK) return -1;
        tg_sgd_opts so = tg_sgd_defaults();
        so.lr = 0.1, so.momentum = 0.9, so.nesterov = true, so.weight_decay = 1e-3;
        m->opt = tg_sgd_new(&m->ps, &so);
    } else {
        bool lstm = !strcmp(kind, "lstm");
        tg_rnn_config cfg = {lstm ? TG_RNN_LSTM : TG_RNN_GRU, 1, HID, 2, lstm};
        m->rnn = tg_rnn_new("rnn", &cfg, rng);
        m->head = tg_linear_new("head", HID, 1, TG_INIT_GLOROT, rng);
        if (!m->rnn || !m->head || tg_rnn_params(m->rnn, &m->ps) != TG_OK ||
            tg_linear_params(m->head, &m->ps) != TG_OK)
            return -1;
        tg_adam_opts ao = lstm ? tg_adam_defaults() : tg_adamw_defaults();
        ao.lr = 0.02;
        m->opt = lstm ? tg_adam_new(&m->ps, &ao) : tg_adamw_new(&m->ps, &ao);
    }
    if (!m->opt || tg_optim_state(m->opt, &m->state) != TG_OK) return -1;
    m->sched = tg_sched_step_decay_new(m->opt, 2, 0.5);
    return m->sched ? 0 : -1;
}

/* One epoch. Draws from rng (shuffle; chunk offset and input noise), so a resume must
 * restore it. */
static int train_epoch(model *m, tg_tape *t, tg_rng *rng) {
    if (m->mlp) {
        int perm[NPTS], lab[16];
        for (int i = 0; i < NPTS; i++) perm[i] = i;
        for (int i = NPTS - 1; i > 0; i--) {
            int j = (int)(tg_rng_u64(rng) % (uint64_t)(i + 1)), k = perm[i];
            perm[i] = perm[j], perm[j] = k;
        }
        for (int s = 0; s < NPTS; s += 16) {
            tg_tape_reset(t);
            tg_tensor *x = tg_tape_tensor(t, 2, (int[]){16, 2}, NULL, 0);
            if (!x) return -1;
            for (int i = 0; i < 16; i++) {
                x->data[2 * i] = px[2 * perm[s + i]], x->data[2 * i + 1] = px[2 * perm[s + i] + 1];
                lab[i] = py[perm[s + i]];
            }
            tg_tensor *loss = tg_cross_entropy(t, tg_mlp_forward(t, m->mlp, x), lab);
            tg_optim_zero_grad(m->opt);
            if (tg_backward(t, loss, NULL) != TG_OK || tg_optim_step(m->opt) != TG_OK) return -1;
        }
    } else {
        /* Truncated BPTT: BS streams of the series, chunks of TS, state carried. */
        bool lstm = m->rnn->kind == TG_RNN_LSTM;
        tg_tensor *h = tg_tensor_new(3, (int[]){2, BS, HID}, 0);
        tg_tensor *c = lstm ? tg_tensor_new(3, (int[]){2, BS, HID}, 0) : NULL;
        int off = (int)(tg_rng_u64(rng) % TS), len = (SERIES - 1 - TS) / BS, rc = 0;
        tg_real xs[TS * BS], ys[TS * BS];
        for (int k = 0; rc == 0 && k < len / TS; k++) {
            for (int s = 0; s < TS; s++)
                for (int b = 0; b < BS; b++) {
                    int i = off + b * len + k * TS + s;
                    /* input noise (augmentation): every draw of rng matters */
                    xs[s * BS + b] = series[i] + (tg_real)(0.05 * tg_rng_normal(rng));
                    ys[s * BS + b] = series[i + 1];
                }
            tg_tape_reset(t);
            tg_tensor *out, *hn, *cn;
            tg_rnn_forward(t, m->rnn, tg_tape_tensor(t, 3, (int[]){TS, BS, 1}, xs, 0), h, c, &out,
                           &hn, lstm ? &cn : NULL);
            tg_tensor *loss = tg_mse_loss(t, tg_linear_forward(t, m->head, out),
                                          tg_tape_tensor(t, 3, (int[]){TS, BS, 1}, ys, 0));
            tg_optim_zero_grad(m->opt);
            if (tg_backward(t, loss, NULL) != TG_OK) rc = -1;
            tg_clip_grad_norm(&m->ps, 0.5, 2.0, NULL);
            if (rc == 0 && tg_optim_step(m->opt) != TG_OK) rc = -1;
            if (rc == 0) tg_tensor_copy_from(h, hn->data, hn->size);
            if (rc == 0 && c) tg_tensor_copy_from(c, cn->data, cn->size);
        }
        tg_tensor_free(h);
        tg_tensor_free(c);
        if (rc) return -1;
    }
    return tg_sched_step(m->sched) == TG_OK ? 0 : -1;
}

/* ---- the child: one training run ---- */

static int child(const char *kind, int epochs, const char *save, const char *resume,
                 const char *mode) {
    tg_rng rng;
    tg_rng_seed(&rng, 7);
    model m;
    tg_tape *t = tg_tape_new();
    if (model_new(&m, kind, &rng) != 0 || !t) return 3;
    int epoch = 0;
    if (resume) {
        tg_checkpoint_meta meta = {0};
        model other; /* "no-optim": the saved optimizer state goes into a throwaway copy */
        tg_rng junk;
        tg_rng_seed(&junk, 1);
        bool no_optim = !strcmp(mode, "no-optim");
        if (no_optim && model_new(&other, kind, &junk) != 0) return 3;
        const tg_params *lists[2] = {&m.ps, no_optim ? &other.state : &m.state};
        if (tg_checkpoint_load(resume, lists, 2, &meta) != TG_OK) {
            fprintf(stderr, "child: %s\n", tg_last_error());
            return 4;
        }
        if (no_optim) model_free(&other);
        epoch = (int)meta.v[0];
        if (strcmp(mode, "no-rng") != 0) tg_checkpoint_meta_get_rng(&meta, 1, &rng);
        tg_sched_set_epoch(m.sched, epoch); /* the schedule is a function of the epoch */
    }
    for (; epoch < epochs; epoch++)
        if (train_epoch(&m, t, &rng) != 0) {
            fprintf(stderr, "child: training failed: %s\n", tg_tape_message(t));
            return 5;
        }
    tg_checkpoint_meta meta = {0};
    tg_checkpoint_meta_add(&meta, (uint64_t)epoch);
    tg_checkpoint_meta_add_rng(&meta, &rng);
    const tg_params *lists[2] = {&m.ps, &m.state};
    int rc = tg_checkpoint_save(save, lists, 2, &meta) == TG_OK ? 0 : 6;
    model_free(&m);
    tg_tape_free(t);
    return rc;
}

/* ---- the parent ---- */

static char self[4096], dir[64];

static const char *path_in(const char *kind, const char *name) {
    static char buf[8][256];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s-%s.ckpt", dir, kind, name);
    return buf[k];
}

/* Runs a child; returns its exit status (-1 if it crashed). */
static int spawn(const char *kind, int epochs, const char *save, const char *resume,
                 const char *mode) {
    char ep[16];
    snprintf(ep, sizeof ep, "%d", epochs);
    char *argv[] = {self, "--child", (char *)kind, ep, (char *)save, (char *)resume,
                    (char *)mode, NULL};
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        execv(self, argv);
        _exit(127);
    }
    int ws;
    if (pid < 0 || waitpid(pid, &ws, 0) != pid) return -1;
    return WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
}

/* Loads a checkpoint's parameters into a fresh model; -1 if it cannot. */
static int load(model *m, const char *kind, const char *path) {
    tg_rng g;
    tg_rng_seed(&g, 1);
    if (model_new(m, kind, &g) != 0) return -1;
    const tg_params *lists[2] = {&m->ps, &m->state};
    return tg_checkpoint_load(path, lists, 2, NULL) == TG_OK ? 0 : -1;
}

/* 1 if every parameter of a and b has the same bits. */
static int same_params(const model *a, const model *b) {
    for (int i = 0; i < a->ps.n; i++)
        if (memcmp(a->ps.items[i]->data, b->ps.items[i]->data,
                   a->ps.items[i]->size * sizeof(tg_real)))
            return 0;
    return 1;
}

static int same_files(const char *p, const char *q) {
    FILE *f = fopen(p, "rb"), *g = fopen(q, "rb");
    int same = f && g;
    while (same) {
        int a = fgetc(f), b = fgetc(g);
        same = a == b;
        if (a == EOF) break;
    }
    if (f) fclose(f);
    if (g) fclose(g);
    return same;
}

static void check_kind(const char *kind) {
    const char *full = path_in(kind, "full"), *part = path_in(kind, "part"),
               *res = path_in(kind, "resumed"), *norng = path_in(kind, "no-rng"),
               *noopt = path_in(kind, "no-optim");
    CHECK(spawn(kind, 3, full, NULL, NULL) == 0, "%s: 3 epochs", kind);
    CHECK(spawn(kind, 2, part, NULL, NULL) == 0, "%s: 2 epochs", kind);
    CHECK(spawn(kind, 3, res, part, "full") == 0, "%s: resume + 1 epoch", kind);
    CHECK(spawn(kind, 3, norng, part, "no-rng") == 0, "%s: resume without rng", kind);
    CHECK(spawn(kind, 3, noopt, part, "no-optim") == 0, "%s: resume without optim", kind);
    model a, b, c;
    CHECK(load(&a, kind, full) == 0 && load(&b, kind, res) == 0, "%s: loads", kind);
    CHECK(same_params(&a, &b), "%s: resumed parameters differ from 3 uninterrupted epochs", kind);
    CHECK(same_files(full, res), "%s: checkpoint files differ", kind);
    model_free(&b);
    CHECK(load(&b, kind, part) == 0 && !same_params(&a, &b), "%s: epoch 3 changed nothing", kind);
    model_free(&b);
    CHECK(load(&b, kind, norng) == 0 && load(&c, kind, noopt) == 0, "%s: loads", kind);
    CHECK(!same_params(&a, &b), "%s: resuming WITHOUT the rng state gave the same result", kind);
    CHECK(!same_params(&a, &c), "%s: resuming WITHOUT the optimizer state gave the same result",
          kind);
    model_free(&a);
    model_free(&b);
    model_free(&c);
    const char *files[] = {full, part, res, norng, noopt};
    for (int i = 0; i < 5; i++) remove(files[i]);
}

int main(int argc, char **argv) {
    make_data();
    if (argc >= 5 && !strcmp(argv[1], "--child")) {
        int epochs = atoi(argv[3]);
        return child(argv[2], epochs, argv[4], argc >= 7 ? argv[5] : NULL,
                     argc >= 7 ? argv[6] : "full");
    }
    snprintf(self, sizeof self, "%s", strchr(argv[0], '/') ? argv[0] : "/proc/self/exe");
    snprintf(dir, sizeof dir, "/tmp/tg_resume.XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    check_kind("mlp");
    check_kind("lstm");
    check_kind("gru");
    rmdir(dir);
    return check_done();
}
