/* test_bad_input.c — the bad-input matrix: every public function of the installed
 * headers, called with the mistakes a caller makes, must fail cleanly — no crash, no
 * leak — with the exact status code and a message that names the function and the
 * values involved.
 *
 * Mistakes: NULL arguments, wrong rank, mismatched shapes, zero and negative sizes,
 * sizes whose element count overflows size_t, labels and indices out of range, a
 * tensor of a reset tape (a stale tensor: its epoch is old; its memory is still the
 * tape's, so reading it is not a use after free) or of another tape, a tape that has
 * already failed (the first error stays), parameters of another model given to an
 * optimizer, a checkpoint of another model.
 *
 * Two kinds of rows:
 *   - generated rows for the functions that share a calling pattern (every op taking a
 *     tape and tensors, every layer forward): NULL tape, NULL tensor, stale tensor,
 *     tensor of another tape, failed tape, each with its formulaic message;
 *   - the table `rows` for everything else, one mistake per row.
 * Each row runs on a fresh fixture (tapes, tensors, two models with optimizers, a
 * checkpoint of each) and compares status and message exactly ("$DIR" stands for the
 * test's temporary folder). A message must start with "<the row's function>:" unless
 * the row expects the failed tape's earlier message (sticky errors).
 *
 * Coverage of the API: the test reads the public headers (TG_SOURCE_ROOT/autodiff,
 * layers, optim, data: tg_*.h), collects every declared function `tg_xxx(` outside
 * comments, and FAILS if one has no row. A new public function needs a row here.
 *
 * `test_bad_input --dump` prints every row's actual status and message instead of
 * checking (for writing new rows).
 */
#include <ctype.h>
#include <dirent.h>
#include <float.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check.h"
#include <tg/core.h>
#include <tapegrad/tg_threads.h>

#ifndef TG_SOURCE_ROOT
#define TG_SOURCE_ROOT "."
#endif

#define FIRST "tg_first: the first error: (2,3)"

static char dir[64];

/* ---- the fixture: everything a row may need, fresh for every row ---- */

typedef struct fx {
    tg_tape *t;          /* fresh tape */
    tg_tape *t2;         /* another tape */
    tg_tape *tf;         /* a tape that has failed with FIRST */
    tg_tensor *a, *b;    /* (2,3) step tensors on t, values 0.1 .. 0.6 */
    tg_tensor *v3;       /* (3) */
    tg_tensor *s0;       /* () */
    tg_tensor *m34, *m45;/* (3,4), (4,5) */
    tg_tensor *r4;       /* (2,3,4,5) */
    tg_tensor *stale;    /* (2,3) on t, from before the last reset */
    tg_tensor *other;    /* (2,3) on t2 */
    tg_tensor *onf;      /* (2,3) on tf, made before it failed */
    tg_tensor *P;        /* long-lived parameter "p" (2,3) */
    tg_tensor *C;        /* long-lived constant (2,3), no gradient */
    tg_tensor *y;        /* rank 0 on t, requires a gradient: sum(a * P) */
    tg_rng rng;
    tg_mlp *ma, *mb;     /* model A "a" 3-4-2, model B "b" 3-5-2 */
    tg_params pa, pb;    /* their parameters */
    tg_optim *oa, *ob;   /* Adam on each */
    tg_params sa;        /* A's optimizer state */
    tg_sched *sc;        /* cosine schedule on oa */
    tg_linear *lin;      /* "lin" 3 -> 2 */
    tg_neuron *neu;      /* "neu" 3 inputs, sigmoid */
    tg_embedding *emb;   /* "emb" 5 x 3 */
    tg_rnn *lstm, *gru;  /* "lstm" (3 -> 4, 1 layer), "gru" (3 -> 4, 1 layer) */
    char ckpt_a[128], ckpt_b[128], corrupt[128], missing[128], csv[128], idx[128], txt[128];
    FILE *out;           /* /dev/null for the printing functions */
} fx;

static tg_tensor *range23(tg_tape *t) {
    tg_tensor *x = tg_tape_tensor(t, 2, (int[]){2, 3}, NULL, 0);
    for (size_t i = 0; i < x->size; i++) x->data[i] = (tg_real)(0.1 * (double)(i + 1));
    return x;
}

static void fx_make(fx *f) {
    memset(f, 0, sizeof *f);
    tg_rng_seed(&f->rng, 5);
    f->t = tg_tape_new();
    /* Padding first, so the stale tensor's header lies beyond what this step uses. */
    tg_tape_alloc(f->t, 1 << 16);
    f->stale = tg_tape_tensor(f->t, 2, (int[]){2, 3}, NULL, 0);
    tg_tape_reset(f->t);
    f->a = range23(f->t);
    f->b = range23(f->t);
    f->v3 = tg_tape_tensor(f->t, 1, (int[]){3}, NULL, 0);
    f->s0 = tg_tape_full(f->t, 0, NULL, 2);
    f->m34 = tg_tape_full(f->t, 2, (int[]){3, 4}, 1);
    f->m45 = tg_tape_full(f->t, 2, (int[]){4, 5}, 1);
    f->r4 = tg_tape_full(f->t, 4, (int[]){2, 3, 4, 5}, 1);
    f->t2 = tg_tape_new();
    f->other = range23(f->t2);
    f->tf = tg_tape_new();
    f->onf = range23(f->tf);
    tg_tape_fail(f->tf, TG_ERR_SHAPE, "tg_first: the first error: %s", "(2,3)");
    f->P = tg_param_new("p", 2, (int[]){2, 3});
    tg_tensor_fill(f->P, (tg_real)0.5);
    f->C = tg_tensor_new(2, (int[]){2, 3}, 0);
    f->y = tg_sum(f->t, tg_mul(f->t, f->a, f->P));
    f->ma = tg_mlp_new("a", 3, (int[]){3, 4, 2}, TG_ACT_TANH, TG_ACT_IDENTITY, &f->rng);
    f->mb = tg_mlp_new("b", 3, (int[]){3, 5, 2}, TG_ACT_TANH, TG_ACT_IDENTITY, &f->rng);
    tg_mlp_params(f->ma, &f->pa);
    tg_mlp_params(f->mb, &f->pb);
    f->oa = tg_adam_new(&f->pa, NULL);
    f->ob = tg_adam_new(&f->pb, NULL);
    tg_optim_state(f->oa, &f->sa);
    f->sc = tg_sched_cosine_new(f->oa, 10, 0);
    f->lin = tg_linear_new("lin", 3, 2, TG_INIT_GLOROT, &f->rng);
    f->neu = tg_neuron_new("neu", 3, TG_ACT_SIGMOID, &f->rng);
    f->emb = tg_embedding_new("emb", 5, 3, &f->rng);
    f->lstm = tg_rnn_new("lstm", &(tg_rnn_config){TG_RNN_LSTM, 3, 4, 1, false}, &f->rng);
    f->gru = tg_rnn_new("gru", &(tg_rnn_config){TG_RNN_GRU, 3, 4, 1, false}, &f->rng);
    snprintf(f->ckpt_a, sizeof f->ckpt_a, "%s/a.ckpt", dir);
    snprintf(f->ckpt_b, sizeof f->ckpt_b, "%s/b.ckpt", dir);
    snprintf(f->corrupt, sizeof f->corrupt, "%s/corrupt.ckpt", dir);
    snprintf(f->missing, sizeof f->missing, "%s/missing", dir);
    snprintf(f->csv, sizeof f->csv, "%s/x.csv", dir);
    snprintf(f->idx, sizeof f->idx, "%s/x.idx", dir);
    snprintf(f->txt, sizeof f->txt, "%s/empty.txt", dir);
    f->out = fopen("/dev/null", "w");
}

static void fx_free(fx *f) {
    tg_tape_free(f->t);
    tg_tape_free(f->t2);
    tg_tape_free(f->tf);
    tg_tensor_free(f->P);
    tg_tensor_free(f->C);
    tg_sched_free(f->sc);
    tg_optim_free(f->oa);
    tg_optim_free(f->ob);
    tg_params_free(&f->sa);
    tg_params_free(&f->pa);
    tg_params_free(&f->pb);
    tg_mlp_free(f->ma);
    tg_mlp_free(f->mb);
    tg_linear_free(f->lin);
    tg_neuron_free(f->neu);
    tg_embedding_free(f->emb);
    tg_rnn_free(f->lstm);
    tg_rnn_free(f->gru);
    if (f->out) fclose(f->out);
}

/* Files the fixture names: checkpoints of models A and B, a corrupted copy of A's, a
 * CSV, an IDX and an empty text file. Written once. */
static void make_files(void) {
    fx f;
    fx_make(&f);
    const tg_params *la[2] = {&f.pa, &f.sa}, *lb[1] = {&f.pb};
    tg_checkpoint_save(f.ckpt_a, la, 2, NULL);
    tg_checkpoint_save(f.ckpt_b, lb, 1, NULL);
    FILE *in = fopen(f.ckpt_a, "rb"), *o = fopen(f.corrupt, "wb");
    unsigned char buf[8192];
    size_t n = in ? fread(buf, 1, sizeof buf, in) : 0;
    if (n > 40) buf[40] ^= 0xFF;
    if (o) fwrite(buf, 1, n, o);
    if (in) fclose(in);
    if (o) fclose(o);
    /* model "a" again, with another hidden width: the same names, other shapes */
    tg_mlp *wide = tg_mlp_new("a", 3, (int[]){3, 5, 2}, TG_ACT_TANH, TG_ACT_IDENTITY, &f.rng);
    tg_params pw = {0};
    tg_mlp_params(wide, &pw);
    const tg_params *lw[1] = {&pw};
    char path[160];
    snprintf(path, sizeof path, "%s/a_wide.ckpt", dir);
    tg_checkpoint_save(path, lw, 1, NULL);
    tg_params_free(&pw);
    tg_mlp_free(wide);
    FILE *c = fopen(f.csv, "w");
    if (c) fputs("x,y\n1,2\n3,oops\n", c), fclose(c);
    FILE *i = fopen(f.idx, "wb");
    if (i) fwrite("\0\0\x08\x01\0\0\0\x05" "ab", 1, 10, i), fclose(i);
    FILE *e = fopen(f.txt, "wb");
    if (e) fclose(e);
    fx_free(&f);
}

/* ---- what a call left ---- */

typedef struct out {
    tg_status st;
    char msg[600];
    const char *bad; /* the return value was wrong (what was expected), or NULL */
} out;

/* The tape's first error (tape functions); the call must have returned NULL. */
static void on_tape(out *o, const tg_tape *t, const void *ret) {
    o->st = tg_tape_status(t);
    snprintf(o->msg, sizeof o->msg, "%s", tg_tape_message(t));
    if (ret) o->bad = "a tensor (expected NULL)";
}

/* The thread's last error (the call was preceded by tg_clear_error). */
static void on_thread(out *o) {
    o->st = tg_last_status();
    snprintf(o->msg, sizeof o->msg, "%s", tg_last_error());
}

/* A call returning a status: the status and the thread's message must agree. */
static void on_status(out *o, tg_status st) {
    on_thread(o);
    if (st != o->st) o->bad = "the returned status differs from tg_last_status()";
}

/* A constructor or getter that must return NULL. */
static void on_null(out *o, const void *ret) {
    on_thread(o);
    if (ret) o->bad = "a pointer (expected NULL)";
}

/* A call whose return value is checked by the row (cond true when right). */
static void on_value(out *o, bool cond, const char *expected) {
    on_thread(o);
    if (!cond) o->bad = expected;
}

typedef void (*call_fn)(fx *f, out *o);

typedef struct row {
    const char *fn;    /* the public function the row covers */
    const char *what;  /* the mistake */
    call_fn call;
    tg_status want;    /* or GAP */
    const char *msg;   /* exact expected message; "$DIR" and "$PID" are replaced */
    const char *named; /* the function the message names when not fn (documented: a
                          layer reports through the function it calls), or NULL */
} row;

/* A known gap: the library does not (yet) report this mistake as it should. The row
 * still runs (no crash, no leak) and its result is printed; msg is what it should
 * say. Each is listed in the hardening report for the owner of the file. */
#define GAP ((tg_status)-1)

/* ---- checking a row ---- */

static bool dump;
static int n_rows, n_gaps;
static char covered[512][40];
static int n_covered;

static void mark(const char *fn) {
    for (int i = 0; i < n_covered; i++)
        if (strcmp(covered[i], fn) == 0) return;
    if (n_covered < 512) snprintf(covered[n_covered++], sizeof covered[0], "%s", fn);
}

/* want_msg with "$DIR" replaced by the test's folder, "$PID" by the process id and
 * "$STEPMAX" by the optimizer's step limit of this build (2^24 or 2^53). */
static void expand(const char *want, char *buf, size_t cap) {
    size_t k = 0;
    for (const char *p = want; *p && k + 1 < cap;) {
        if (strncmp(p, "$DIR", 4) == 0) {
            k += (size_t)snprintf(buf + k, cap - k, "%s", dir);
            p += 4;
        } else if (strncmp(p, "$STEPMAX", 8) == 0) { /* steps a tg_real counts exactly */
            k += (size_t)snprintf(buf + k, cap - k, "%s", TG_REAL_IS_DOUBLE ? "9007199254740992" : "16777216");
            p += 8;
        } else if (strncmp(p, "$PID", 4) == 0) {
            k += (size_t)snprintf(buf + k, cap - k, "%ld", (long)getpid());
            p += 4;
        } else {
            buf[k++] = *p++;
        }
    }
    buf[k < cap ? k : cap - 1] = '\0';
}

/* named: the function the message names when it is not fn itself (a layer function
 * whose check is done by the layer function it calls, as documented), or NULL. */
static void check(const char *fn, const char *what, const out *o, tg_status want, const char *msg,
                  const char *named) {
    n_rows++;
    mark(fn);
    if (dump) {
        printf("%-24s %-40s %-14s \"%s\"%s%s\n", fn, what, tg_status_name(o->st), o->msg,
               o->bad ? "  BAD RETURN: " : "", o->bad ? o->bad : "");
        return;
    }
    if (want == GAP) {
        n_gaps++;
        printf("KNOWN GAP %s (%s): got %s \"%s\"%s; should be \"%s\"\n", fn, what,
               tg_status_name(o->st), o->msg, o->bad ? " and a non-NULL result" : "", msg);
        return;
    }
    char w[600];
    expand(msg, w, sizeof w);
    CHECK(o->bad == NULL, "%s (%s): returned %s", fn, what, o->bad);
    /* A final '*' matches any rest (values that differ between builds, e.g. checksums). */
    size_t wl = strlen(w);
    bool same = wl && w[wl - 1] == '*' ? strncmp(o->msg, w, wl - 1) == 0 : strcmp(o->msg, w) == 0;
    CHECK(o->st == want && same, "%s (%s):\n    got      %s \"%s\"\n    expected %s \"%s\"",
          fn, what, tg_status_name(o->st), o->msg, tg_status_name(want), w);
    /* An error names the function, unless it is the failed tape's earlier one. */
    const char *nm = named ? named : fn;
    size_t n = strlen(nm);
    if (want != TG_OK && strcmp(msg, FIRST) != 0)
        CHECK(strncmp(o->msg, nm, n) == 0 && o->msg[n] == ':', "%s (%s): message does not start with '%s:': %s",
              fn, what, nm, o->msg);
}

/* ---- generated rows: ops and layer functions taking a tape and tensors ----
 * Each wrapper calls one public function with the tensor(s) given and valid values
 * for everything else. */
typedef tg_tensor *(*op1_fn)(fx *f, tg_tape *t, tg_tensor *x);
typedef tg_tensor *(*op2_fn)(fx *f, tg_tape *t, tg_tensor *a, tg_tensor *b);

#define W1(name, expr) \
    static tg_tensor *w_##name(fx *f, tg_tape *t, tg_tensor *x) { (void)f; return expr; }
W1(neg, tg_neg(t, x)) W1(square, tg_square(t, x)) W1(sqrt, tg_sqrt(t, x)) W1(exp, tg_exp(t, x))
W1(log, tg_log(t, x)) W1(abs, tg_abs(t, x)) W1(relu, tg_relu(t, x)) W1(softplus, tg_softplus(t, x))
W1(sigmoid, tg_sigmoid(t, x)) W1(tanh, tg_tanh(t, x)) W1(step, tg_step(t, x)) W1(sign, tg_sign(t, x))
W1(sum, tg_sum(t, x)) W1(mean, tg_mean(t, x)) W1(softmax, tg_softmax(t, x))
W1(log_softmax, tg_log_softmax(t, x)) W1(add_scalar, tg_add_scalar(t, x, 1))
W1(mul_scalar, tg_mul_scalar(t, x, 2)) W1(pow_scalar, tg_pow_scalar(t, x, 2))
W1(clamp, tg_clamp(t, x, 0, 1)) W1(leaky_relu, tg_leaky_relu(t, x, (tg_real)0.1))
W1(transpose, tg_transpose(t, x, 0, 1)) W1(reshape, tg_reshape(t, x, 1, (int[]){6}))
W1(slice, tg_slice(t, x, 0, 0, 1)) W1(sum_axis, tg_sum_axis(t, x, 0, false))
W1(mean_axis, tg_mean_axis(t, x, 0, false)) W1(max_axis, tg_max_axis(t, x, 1, true))
W1(gather_rows, tg_gather_rows(t, x, (int[]){1, 0}, 2))
W1(cross_entropy, tg_cross_entropy(t, x, (int[]){0, 2}))
W1(concat1, tg_concat(t, (tg_tensor *[]){x, f->b}, 2, 0))
W1(activate, tg_activate(t, x, TG_ACT_TANH, 0))
W1(linear_forward, tg_linear_forward(t, f->lin, x)) W1(mlp_forward, tg_mlp_forward(t, f->ma, x))
W1(neuron_preact, tg_neuron_preact(t, f->neu, x)) W1(neuron_forward, tg_neuron_forward(t, f->neu, x))
#undef W1
#define W2(name, expr) \
    static tg_tensor *w_##name(fx *f, tg_tape *t, tg_tensor *a, tg_tensor *b) { (void)f; return expr; }
W2(add, tg_add(t, a, b)) W2(sub, tg_sub(t, a, b)) W2(mul, tg_mul(t, a, b)) W2(div, tg_div(t, a, b))
W2(matmul, tg_matmul(t, a, b)) W2(mse_loss, tg_mse_loss(t, a, b))
W2(bce_loss, tg_bce_loss(t, a, b)) W2(bce_with_logits, tg_bce_with_logits(t, a, b))
W2(concat2, tg_concat(t, (tg_tensor *[]){a, b}, 2, 1))
W2(perceptron_loss, tg_perceptron_loss(t, f->neu, a, b))
W2(neuron_l2_loss, tg_neuron_l2_loss(t, f->neu, a, b))
#undef W2

typedef struct gen1 {
    const char *fn;
    op1_fn f;
    const char *layer; /* layer functions name the layer and the argument: "'lin': x" */
    const char *named; /* the function whose check reports x's problems, if not fn */
} gen1;

static const gen1 ops1[] = {
    {"tg_neg", w_neg, NULL, NULL}, {"tg_square", w_square, NULL, NULL}, {"tg_sqrt", w_sqrt, NULL, NULL},
    {"tg_exp", w_exp, NULL, NULL}, {"tg_log", w_log, NULL, NULL}, {"tg_abs", w_abs, NULL, NULL},
    {"tg_relu", w_relu, NULL, NULL}, {"tg_softplus", w_softplus, NULL, NULL}, {"tg_sigmoid", w_sigmoid, NULL, NULL},
    {"tg_tanh", w_tanh, NULL, NULL}, {"tg_step", w_step, NULL, NULL}, {"tg_sign", w_sign, NULL, NULL},
    {"tg_sum", w_sum, NULL, NULL}, {"tg_mean", w_mean, NULL, NULL}, {"tg_softmax", w_softmax, NULL, NULL},
    {"tg_log_softmax", w_log_softmax, NULL, NULL}, {"tg_add_scalar", w_add_scalar, NULL, NULL},
    {"tg_mul_scalar", w_mul_scalar, NULL, NULL}, {"tg_pow_scalar", w_pow_scalar, NULL, NULL},
    {"tg_clamp", w_clamp, NULL, NULL}, {"tg_leaky_relu", w_leaky_relu, NULL, NULL},
    {"tg_transpose", w_transpose, NULL, NULL}, {"tg_reshape", w_reshape, NULL, NULL},
    {"tg_slice", w_slice, NULL, NULL}, {"tg_sum_axis", w_sum_axis, NULL, NULL},
    {"tg_mean_axis", w_mean_axis, NULL, NULL}, {"tg_max_axis", w_max_axis, NULL, NULL},
    {"tg_gather_rows", w_gather_rows, NULL, NULL}, {"tg_cross_entropy", w_cross_entropy, NULL, NULL},
    {"tg_concat", w_concat1, NULL, NULL}, {"tg_activate", w_activate, "-", NULL},
    {"tg_linear_forward", w_linear_forward, "lin", NULL},
    {"tg_mlp_forward", w_mlp_forward, "a.0", "tg_linear_forward"}, /* documented in tg_linear.h */
    {"tg_neuron_preact", w_neuron_preact, "neu", NULL},
    {"tg_neuron_forward", w_neuron_forward, "neu", "tg_neuron_preact"}, /* tg_neuron.h */
};

typedef struct gen2 {
    const char *fn;
    op2_fn f;
    const char *layer;
    const char *named; /* as in gen1, for argument 1 */
} gen2;

static const gen2 ops2[] = {
    {"tg_add", w_add, NULL, NULL}, {"tg_sub", w_sub, NULL, NULL}, {"tg_mul", w_mul, NULL, NULL}, {"tg_div", w_div, NULL, NULL},
    {"tg_matmul", w_matmul, NULL, NULL}, {"tg_mse_loss", w_mse_loss, NULL, NULL}, {"tg_bce_loss", w_bce_loss, NULL, NULL},
    {"tg_bce_with_logits", w_bce_with_logits, NULL, NULL}, {"tg_concat", w_concat2, NULL, NULL},
    {"tg_perceptron_loss", w_perceptron_loss, "neu", "tg_neuron_preact"},
    {"tg_neuron_l2_loss", w_neuron_l2_loss, "neu", "tg_neuron_preact"},
};

/* The messages of the shared checks. Ops (tg_apply) number their tensor arguments;
 * layer functions name the layer and the argument. */
static void msg_null(char *buf, size_t n, const char *fn, const char *layer, int arg) {
    if (!layer)
        snprintf(buf, n, "%s: argument %d is NULL", fn, arg);
    else if (strcmp(layer, "-") == 0)
        snprintf(buf, n, "%s: %s is NULL", fn, arg == 1 ? "x" : "y");
    else
        snprintf(buf, n, "%s: '%s': %s is NULL", fn, layer, arg == 1 ? "x" : "y");
}

static void msg_stale(char *buf, size_t n, const char *fn, const char *layer, int arg) {
    const char *tail = "belongs to another tape or to a step before the last tg_tape_reset";
    if (!layer)
        snprintf(buf, n, "%s: argument %d %s", fn, arg, tail);
    else if (strcmp(layer, "-") == 0)
        snprintf(buf, n, "%s: %s %s", fn, arg == 1 ? "x" : "y", tail);
    else
        snprintf(buf, n, "%s: '%s': %s %s", fn, layer, arg == 1 ? "x" : "y", tail);
}

static void run_generated(void) {
    char want[300], what[64];
    for (size_t k = 0; k < sizeof ops1 / sizeof ops1[0]; k++) {
        const gen1 *g = &ops1[k];
        for (int c = 0; c < 5; c++) {
            fx f;
            fx_make(&f);
            out o = {0};
            tg_clear_error();
            tg_status st = TG_ERR_ARG;
            const char *named = NULL;
            switch (c) {
            case 0: /* NULL tape: the thread's error */
                on_null(&o, g->f(&f, NULL, f.a));
                snprintf(want, sizeof want, "%s: tape is NULL", g->fn);
                snprintf(what, sizeof what, "tape is NULL");
                break;
            case 1:
                on_tape(&o, f.t, g->f(&f, f.t, NULL));
                msg_null(want, sizeof want, g->named ? g->named : g->fn, g->layer, 1);
                snprintf(what, sizeof what, "x is NULL");
                named = g->named;
                break;
            case 2:
                on_tape(&o, f.t, g->f(&f, f.t, f.stale));
                msg_stale(want, sizeof want, g->named ? g->named : g->fn, g->layer, 1);
                named = g->named;
                snprintf(what, sizeof what, "x is from before tg_tape_reset");
                st = TG_ERR_STATE;
                break;
            case 3:
                on_tape(&o, f.t, g->f(&f, f.t, f.other));
                msg_stale(want, sizeof want, g->named ? g->named : g->fn, g->layer, 1);
                named = g->named;
                snprintf(what, sizeof what, "x is of another tape");
                st = TG_ERR_STATE;
                break;
            default:
                on_tape(&o, f.tf, g->f(&f, f.tf, f.onf));
                snprintf(want, sizeof want, FIRST);
                snprintf(what, sizeof what, "the tape has failed");
                st = TG_ERR_SHAPE;
            }
            check(g->fn, what, &o, st, want, named);
            fx_free(&f);
        }
    }
    for (size_t k = 0; k < sizeof ops2 / sizeof ops2[0]; k++) {
        const gen2 *g = &ops2[k];
        for (int c = 0; c < 6; c++) {
            fx f;
            fx_make(&f);
            out o = {0};
            tg_clear_error();
            tg_status st = TG_ERR_ARG;
            const char *named = NULL;
            switch (c) {
            case 0:
                on_null(&o, g->f(&f, NULL, f.a, f.b));
                snprintf(want, sizeof want, "%s: tape is NULL", g->fn);
                snprintf(what, sizeof what, "tape is NULL");
                break;
            case 1:
                on_tape(&o, f.t, g->f(&f, f.t, NULL, f.b));
                msg_null(want, sizeof want, g->named ? g->named : g->fn, g->layer, 1);
                named = g->named;
                snprintf(what, sizeof what, "argument 1 is NULL");
                break;
            case 2:
                on_tape(&o, f.t, g->f(&f, f.t, f.a, NULL));
                msg_null(want, sizeof want, g->fn, g->layer, 2);
                snprintf(what, sizeof what, "argument 2 is NULL");
                break;
            case 3:
                on_tape(&o, f.t, g->f(&f, f.t, f.stale, f.b));
                msg_stale(want, sizeof want, g->named ? g->named : g->fn, g->layer, 1);
                named = g->named;
                snprintf(what, sizeof what, "argument 1 is from before tg_tape_reset");
                st = TG_ERR_STATE;
                break;
            case 4:
                on_tape(&o, f.t, g->f(&f, f.t, f.a, f.other));
                msg_stale(want, sizeof want, g->fn, g->layer, 2);
                snprintf(what, sizeof what, "argument 2 is of another tape");
                st = TG_ERR_STATE;
                break;
            default:
                on_tape(&o, f.tf, g->f(&f, f.tf, f.onf, f.onf));
                snprintf(want, sizeof want, FIRST);
                snprintf(what, sizeof what, "the tape has failed");
                st = TG_ERR_SHAPE;
            }
            check(g->fn, what, &o, st, want, named);
            fx_free(&f);
        }
    }
}

/* ---- the table: one mistake per row ----
 * Row functions are named after the function they call; each is one call and one
 * capture of what it left (on_tape, on_status, on_null, on_value). */

/* tg_core.h */
static void r_status_name(fx *f, out *o) {
    (void)f;
    on_value(o, strcmp(tg_status_name((tg_status)99), "TG_ERR_UNKNOWN") == 0 &&
                    strcmp(tg_status_name((tg_status)-1), "TG_ERR_UNKNOWN") == 0, "TG_ERR_UNKNOWN");
}
static void r_last_error(fx *f, out *o) {
    (void)f;
    tg_tensor_new(-1, NULL, 0);
    bool ok = strcmp(tg_last_error(), "tg_tensor_new: rank -1 is outside 0..8") == 0;
    tg_clear_error();
    on_value(o, ok && tg_last_error() != NULL && tg_last_error()[0] == '\0', "the message, then \"\"");
}
static void r_last_status(fx *f, out *o) {
    (void)f;
    tg_tensor_new(-1, NULL, 0);
    bool ok = tg_last_status() == TG_ERR_SHAPE;
    tg_clear_error();
    on_value(o, ok && tg_last_status() == TG_OK, "TG_ERR_SHAPE, then TG_OK");
}
static void r_clear_error(fx *f, out *o) {
    (void)f;
    tg_clear_error();
    tg_clear_error(); /* twice is fine */
    on_value(o, true, "");
}
static void r_new_rank_neg(fx *f, out *o) { (void)f; on_null(o, tg_tensor_new(-1, (int[]){2}, 0)); }
static void r_new_rank_9(fx *f, out *o) { (void)f; on_null(o, tg_tensor_new(9, (int[]){1, 1, 1, 1, 1, 1, 1, 1, 1}, 0)); }
static void r_new_shape_null(fx *f, out *o) { (void)f; on_null(o, tg_tensor_new(2, NULL, 0)); }
static void r_new_dim0(fx *f, out *o) { (void)f; on_null(o, tg_tensor_new(2, (int[]){3, 0}, 0)); }
static void r_new_dimneg(fx *f, out *o) { (void)f; on_null(o, tg_tensor_new(2, (int[]){-2, 3}, 0)); }
static void r_new_overflow(fx *f, out *o) { (void)f; on_null(o, tg_tensor_new(3, (int[]){INT_MAX, INT_MAX, 8}, TG_REQUIRES_GRAD)); }
static void r_from_dim0(fx *f, out *o) { (void)f; on_null(o, tg_tensor_from(1, (int[]){0}, NULL, 0)); }
static void r_from_overflow(fx *f, out *o) { (void)f; on_null(o, tg_tensor_from(3, (int[]){INT_MAX, INT_MAX, 8}, (tg_real[]){1}, 0)); }
static void r_param_rank(fx *f, out *o) { (void)f; on_null(o, tg_param_new("w", 9, (int[]){1, 1, 1, 1, 1, 1, 1, 1, 1})); }
static void r_param_dimneg(fx *f, out *o) { (void)f; on_null(o, tg_param_new("w", 1, (int[]){-4})); }
static void r_param_overflow(fx *f, out *o) { (void)f; on_null(o, tg_param_new("w", 3, (int[]){INT_MAX, INT_MAX, 8})); }
static void r_free_null(fx *f, out *o) {
    tg_tensor_free(NULL);
    tg_tensor_free(f->a); /* a step tensor: its tape owns it; ignored */
    on_value(o, f->a->size == 6, "a step tensor left alone");
}
static void r_fill_null(fx *f, out *o) { (void)f; tg_tensor_fill(NULL, 1); on_value(o, true, ""); }
static void r_copy_x_null(fx *f, out *o) { (void)f; on_status(o, tg_tensor_copy_from(NULL, (tg_real[]){1}, 1)); }
static void r_copy_data_null(fx *f, out *o) { on_status(o, tg_tensor_copy_from(f->P, NULL, 6)); }
static void r_copy_n(fx *f, out *o) { on_status(o, tg_tensor_copy_from(f->P, (tg_real[]){1, 2, 3, 4, 5}, 5)); }
static void r_zero_grad_null(fx *f, out *o) {
    tg_tensor_zero_grad(NULL);
    tg_tensor_zero_grad(f->C); /* no gradient buffer: nothing to do */
    on_value(o, true, "");
}
static void r_get_null(fx *f, out *o) { (void)f; on_value(o, isnan(tg_tensor_get(NULL, (int[]){0})), "NAN"); }
static void r_get_idx_null(fx *f, out *o) { on_value(o, isnan(tg_tensor_get(f->P, NULL)), "NAN"); }
static void r_get_range(fx *f, out *o) { on_value(o, isnan(tg_tensor_get(f->P, (int[]){1, 3})), "NAN"); }
static void r_get_neg(fx *f, out *o) { on_value(o, isnan(tg_tensor_get(f->P, (int[]){-1, 0})), "NAN"); }
static void r_set_null(fx *f, out *o) { (void)f; on_status(o, tg_tensor_set(NULL, (int[]){0}, 1)); }
static void r_set_range(fx *f, out *o) { on_status(o, tg_tensor_set(f->P, (int[]){2, 0}, 1)); }
static void r_item_null(fx *f, out *o) { (void)f; on_value(o, isnan(tg_item(NULL)), "NAN"); }
static void r_item_shape(fx *f, out *o) { on_value(o, isnan(tg_item(f->P)), "NAN"); }
static void r_grad_at_null(fx *f, out *o) { (void)f; on_value(o, tg_grad_at(NULL, 0) == 0, "0"); }
static void r_grad_at_range(fx *f, out *o) { on_value(o, tg_grad_at(f->P, 6) == 0, "0"); }
static void r_shape_str_null(fx *f, out *o) {
    (void)f;
    char b[16];
    bool ok = strcmp(tg_shape_str(NULL, b, sizeof b), "(null)") == 0 && tg_shape_str(f->P, NULL, 8) == NULL;
    char small[4];
    ok = ok && strcmp(tg_shape_str(f->r4, small, sizeof small), "(2,") == 0; /* cut, terminated */
    on_value(o, ok, "\"(null)\", NULL for a NULL buffer, a cut string");
}
static void r_rng_seed_null(fx *f, out *o) { (void)f; tg_rng_seed(NULL, 1); on_value(o, true, ""); }
static void r_rng_u64_null(fx *f, out *o) { (void)f; on_value(o, tg_rng_u64(NULL) == 0, "0"); }
static void r_rng_uniform_null(fx *f, out *o) { (void)f; on_value(o, isnan(tg_rng_uniform(NULL)), "NAN"); }
static void r_rng_normal_null(fx *f, out *o) { (void)f; on_value(o, isnan(tg_rng_normal(NULL)), "NAN"); }
static void r_uniform_x_null(fx *f, out *o) { tg_tensor_uniform(NULL, &f->rng, 0, 1); on_thread(o); }
static void r_uniform_r_null(fx *f, out *o) {
    tg_tensor_uniform(f->P, NULL, 0, 1);
    on_value(o, f->P->data[0] == (tg_real)0.5, "x unchanged");
}
static void r_normal_x_null(fx *f, out *o) { tg_tensor_normal(NULL, &f->rng, 0, 1); on_thread(o); }
static void r_normal_r_null(fx *f, out *o) {
    tg_tensor_normal(f->P, NULL, 0, 1);
    on_value(o, f->P->data[0] == (tg_real)0.5, "x unchanged");
}
static void r_alloc_count(fx *f, out *o) { (void)f; on_value(o, tg_alloc_count() >= tg_alloc_live(), "count >= live"); }
static void r_alloc_live(fx *f, out *o) { (void)f; on_value(o, tg_alloc_live() > 0, "> 0 (the fixture is live)"); }

/* tg_tape.h */
static void r_tape_new_oom(fx *f, out *o) {
    (void)f;
    tg__alloc_fail_after(1);
    tg_tape *t = tg_tape_new();
    tg__alloc_fail_after(0);
    on_null(o, t);
    tg_tape_free(t);
}
static void r_tape_free_null(fx *f, out *o) { (void)f; tg_tape_free(NULL); on_value(o, true, ""); }
static void r_tape_reset_null(fx *f, out *o) {
    tg_tape_reset(NULL);
    tg_tape_reset(f->tf); /* clears a failed tape */
    on_value(o, tg_tape_status(f->tf) == TG_OK && tg_tape_message(f->tf)[0] == '\0', "a clean tape");
}
static void r_tape_status_null(fx *f, out *o) { (void)f; on_value(o, tg_tape_status(NULL) == TG_ERR_ARG, "TG_ERR_ARG"); }
static void r_tape_message_null(fx *f, out *o) {
    (void)f;
    on_value(o, strcmp(tg_tape_message(NULL), "tg_tape: tape is NULL") == 0, "\"tg_tape: tape is NULL\"");
}
static void r_tape_fail_null(fx *f, out *o) {
    (void)f;
    on_status(o, tg_tape_fail(NULL, TG_ERR_VALUE, "tg_tape_fail: custom op %s: %d", "sq", 3));
}
static void r_tape_fail_first(fx *f, out *o) {
    tg_tape_fail(f->tf, TG_ERR_RANGE, "tg_tape_fail: a later error");
    on_tape(o, f->tf, NULL);
}
static void r_grad_enabled_null(fx *f, out *o) {
    (void)f;
    on_value(o, !tg_tape_set_grad_enabled(NULL, true) && !tg_tape_grad_enabled(NULL), "false");
}
static void r_grad_enabled(fx *f, out *o) {
    (void)f;
    on_value(o, !tg_tape_grad_enabled(NULL), "false");
}
static void r_node_count_null(fx *f, out *o) { (void)f; on_value(o, tg_tape_node_count(NULL) == 0, "0"); }
static void r_arena_bytes_null(fx *f, out *o) { (void)f; on_value(o, tg_tape_arena_bytes(NULL) == 0, "0"); }
static void r_arena_used_null(fx *f, out *o) { (void)f; on_value(o, tg_tape_arena_used(NULL) == 0, "0"); }
static void r_tape_tensor_null(fx *f, out *o) { (void)f; on_null(o, tg_tape_tensor(NULL, 1, (int[]){2}, NULL, 0)); }
static void r_tape_tensor_rank(fx *f, out *o) { on_tape(o, f->t, tg_tape_tensor(f->t, -1, (int[]){2}, NULL, 0)); }
static void r_tape_tensor_shape_null(fx *f, out *o) { on_tape(o, f->t, tg_tape_tensor(f->t, 2, NULL, NULL, 0)); }
static void r_tape_tensor_dim0(fx *f, out *o) { on_tape(o, f->t, tg_tape_tensor(f->t, 2, (int[]){4, 0}, NULL, 0)); }
static void r_tape_tensor_overflow(fx *f, out *o) {
    on_tape(o, f->t, tg_tape_tensor(f->t, 3, (int[]){INT_MAX, INT_MAX, 8}, NULL, 0));
}
static void r_tape_tensor_huge(fx *f, out *o) {
    /* representable, but no arena can hold it: (2^31-1)^2 elements */
    on_tape(o, f->t, tg_tape_tensor(f->t, 2, (int[]){INT_MAX, INT_MAX / 2}, NULL, 0));
}
static void r_tape_tensor_failed(fx *f, out *o) { on_tape(o, f->tf, tg_tape_tensor(f->tf, 1, (int[]){2}, NULL, 0)); }
static void r_tape_full_null(fx *f, out *o) { (void)f; on_null(o, tg_tape_full(NULL, 1, (int[]){2}, 1)); }
static void r_tape_full_dim(fx *f, out *o) { on_tape(o, f->t, tg_tape_full(f->t, 1, (int[]){-5}, 1)); }
static void r_tape_alloc_null(fx *f, out *o) { (void)f; on_null(o, tg_tape_alloc(NULL, 16)); }
static void r_tape_alloc_huge(fx *f, out *o) {
    tg_tape *t = tg_tape_new(); /* fresh: no op has run on it */
    on_tape(o, t, tg_tape_alloc(t, SIZE_MAX / 2));
    tg_tape_free(t);
    (void)f;
}
static void r_tape_alloc_huge_after_op(fx *f, out *o) { on_tape(o, f->t, tg_tape_alloc(f->t, SIZE_MAX / 2)); }
static void r_detach_null_tape(fx *f, out *o) { on_null(o, tg_detach(NULL, f->a)); }
static void r_detach_null(fx *f, out *o) { on_tape(o, f->t, tg_detach(f->t, NULL)); }
static void r_detach_stale(fx *f, out *o) { on_tape(o, f->t, tg_detach(f->t, f->stale)); }
static void r_detach_failed(fx *f, out *o) { on_tape(o, f->tf, tg_detach(f->tf, f->onf)); }
static void r_backward_null_tape(fx *f, out *o) { on_status(o, tg_backward(NULL, f->y, NULL)); }
static void r_backward_null_y(fx *f, out *o) { tg_backward(f->t, NULL, NULL); on_tape(o, f->t, NULL); }
static void r_backward_stale(fx *f, out *o) { tg_backward(f->t, f->stale, NULL); on_tape(o, f->t, NULL); }
static void r_backward_other(fx *f, out *o) { tg_backward(f->t, f->other, NULL); on_tape(o, f->t, NULL); }
static void r_backward_nograd(fx *f, out *o) { tg_backward(f->t, f->s0, NULL); on_tape(o, f->t, NULL); }
static void r_backward_noseed(fx *f, out *o) {
    tg_backward(f->t, tg_mul(f->t, f->a, f->P), NULL);
    on_tape(o, f->t, NULL);
}
static void r_backward_seed_shape(fx *f, out *o) {
    tg_backward(f->t, tg_mul(f->t, f->a, f->P), f->v3);
    on_tape(o, f->t, NULL);
}
static void r_backward_failed(fx *f, out *o) { on_status(o, tg_backward(f->tf, f->onf, NULL)); }
static void r_apply_null_tape(fx *f, out *o) {
    size_t n;
    on_null(o, tg_apply(NULL, tg_op_table(&n)[0].op, &f->a, 1, NULL));
}
static void r_apply_null_op(fx *f, out *o) { on_tape(o, f->t, tg_apply(f->t, NULL, &f->a, 1, NULL)); }
static void r_apply_n_in(fx *f, out *o) {
    size_t n;
    const tg_op_info *ops = tg_op_table(&n);
    const tg_op *add = NULL;
    for (size_t i = 0; i < n; i++)
        if (strcmp(ops[i].op->name, "tg_add") == 0) add = ops[i].op;
    on_tape(o, f->t, tg_apply(f->t, add, &f->a, 1, NULL));
}
static void r_apply_in_null(fx *f, out *o) {
    size_t n;
    on_tape(o, f->t, tg_apply(f->t, tg_op_table(&n)[0].op, NULL, 2, NULL));
}
static void r_apply_no_fwd(fx *f, out *o) {
    static const tg_op half = {"my_op", 1, 0, NULL, NULL, NULL};
    on_tape(o, f->t, tg_apply(f->t, &half, &f->a, 1, NULL));
}
static void r_anomaly_null(fx *f, out *o) {
    (void)f;
    tg_tape_set_anomaly_detection(NULL, true);
    on_value(o, true, "");
}
static void r_trace_null(fx *f, out *o) { (void)f; tg_tape_set_trace(NULL, NULL, NULL); on_value(o, true, ""); }
static void r_tape_last_null(fx *f, out *o) { (void)f; on_value(o, tg_tape_last(NULL) == NULL, "NULL"); }

/* tg_ops.h: the mistakes particular to each op */
static void r_add_bcast(fx *f, out *o) { on_tape(o, f->t, tg_add(f->t, f->a, f->m45)); }
static void r_sub_bcast(fx *f, out *o) { on_tape(o, f->t, tg_sub(f->t, f->m34, f->a)); }
static void r_mul_bcast(fx *f, out *o) { on_tape(o, f->t, tg_mul(f->t, f->r4, f->m34)); }
static void r_div_bcast(fx *f, out *o) { on_tape(o, f->t, tg_div(f->t, f->v3, f->m34)); }
static void r_clamp_order(fx *f, out *o) { on_tape(o, f->t, tg_clamp(f->t, f->a, 1, 0)); }
static void r_clamp_nan(fx *f, out *o) { on_tape(o, f->t, tg_clamp(f->t, f->a, (tg_real)NAN, 1)); }
static void r_leaky_slope(fx *f, out *o) { on_tape(o, f->t, tg_leaky_relu(f->t, f->a, (tg_real)INFINITY)); }
static void r_pow_nan(fx *f, out *o) { on_tape(o, f->t, tg_pow_scalar(f->t, f->a, (tg_real)NAN)); }
/* A NaN or infinite constant is IEEE arithmetic, not a mistake the op can know of
 * (tg_pow_scalar's exponent, by contrast, must be finite): the result carries it. */
static void r_add_scalar_nan(fx *f, out *o) {
    tg_tensor *y = tg_add_scalar(f->t, f->a, (tg_real)NAN);
    on_value(o, y && isnan(y->data[0]), "a tensor of NaN");
}
static void r_mul_scalar_inf(fx *f, out *o) {
    tg_tensor *y = tg_mul_scalar(f->t, f->a, (tg_real)INFINITY);
    on_value(o, y && isinf(y->data[0]), "a tensor of inf");
}
static void r_matmul_rank(fx *f, out *o) { on_tape(o, f->t, tg_matmul(f->t, f->v3, f->m34)); }
static void r_matmul_inner(fx *f, out *o) { on_tape(o, f->t, tg_matmul(f->t, f->a, f->m45)); }
static void r_matmul_rank4(fx *f, out *o) { on_tape(o, f->t, tg_matmul(f->t, f->r4, f->m45)); }
static void r_matmul_batch(fx *f, out *o) {
    tg_tensor *x = tg_tape_full(f->t, 3, (int[]){2, 2, 3}, 1), *y = tg_tape_full(f->t, 3, (int[]){3, 3, 4}, 1);
    on_tape(o, f->t, tg_matmul(f->t, x, y));
}
static void r_transpose_axis(fx *f, out *o) { on_tape(o, f->t, tg_transpose(f->t, f->a, 0, 2)); }
static void r_transpose_neg(fx *f, out *o) { on_tape(o, f->t, tg_transpose(f->t, f->a, -3, 0)); }
static void r_reshape_count(fx *f, out *o) { on_tape(o, f->t, tg_reshape(f->t, f->a, 2, (int[]){4, 2})); }
static void r_reshape_two_inferred(fx *f, out *o) { on_tape(o, f->t, tg_reshape(f->t, f->a, 2, (int[]){-1, -1})); }
static void r_reshape_infer(fx *f, out *o) { on_tape(o, f->t, tg_reshape(f->t, f->a, 2, (int[]){4, -1})); }
static void r_reshape_null(fx *f, out *o) { on_tape(o, f->t, tg_reshape(f->t, f->a, 2, NULL)); }
static void r_reshape_rank(fx *f, out *o) { on_tape(o, f->t, tg_reshape(f->t, f->a, 9, (int[]){1, 1, 1, 1, 1, 1, 1, 1, 6})); }
static void r_reshape_zero(fx *f, out *o) { on_tape(o, f->t, tg_reshape(f->t, f->a, 2, (int[]){0, 6})); }
static void r_reshape_overflow(fx *f, out *o) {
    on_tape(o, f->t, tg_reshape(f->t, f->a, 3, (int[]){INT_MAX, INT_MAX, 8}));
}
static void r_slice_axis(fx *f, out *o) { on_tape(o, f->t, tg_slice(f->t, f->a, 2, 0, 1)); }
static void r_slice_start(fx *f, out *o) { on_tape(o, f->t, tg_slice(f->t, f->a, 1, -1, 1)); }
static void r_slice_len0(fx *f, out *o) { on_tape(o, f->t, tg_slice(f->t, f->a, 1, 0, 0)); }
static void r_slice_end(fx *f, out *o) { on_tape(o, f->t, tg_slice(f->t, f->a, 1, 2, 2)); }
static void r_concat_n0(fx *f, out *o) { on_tape(o, f->t, tg_concat(f->t, (tg_tensor *[]){f->a}, 0, 0)); }
static void r_concat_nneg(fx *f, out *o) { on_tape(o, f->t, tg_concat(f->t, (tg_tensor *[]){f->a}, -2, 0)); }
static void r_concat_xs_null(fx *f, out *o) { on_tape(o, f->t, tg_concat(f->t, NULL, 2, 0)); }
static void r_concat_shapes(fx *f, out *o) { on_tape(o, f->t, tg_concat(f->t, (tg_tensor *[]){f->a, f->m34}, 2, 0)); }
static void r_concat_rank(fx *f, out *o) { on_tape(o, f->t, tg_concat(f->t, (tg_tensor *[]){f->a, f->v3}, 2, 0)); }
static void r_concat_axis(fx *f, out *o) { on_tape(o, f->t, tg_concat(f->t, (tg_tensor *[]){f->a, f->b}, 2, 2)); }
static void r_gather_idx_null(fx *f, out *o) { on_tape(o, f->t, tg_gather_rows(f->t, f->a, NULL, 2)); }
static void r_gather_n0(fx *f, out *o) { on_tape(o, f->t, tg_gather_rows(f->t, f->a, (int[]){0}, 0)); }
static void r_gather_range(fx *f, out *o) { on_tape(o, f->t, tg_gather_rows(f->t, f->a, (int[]){0, 2}, 2)); }
static void r_gather_neg(fx *f, out *o) { on_tape(o, f->t, tg_gather_rows(f->t, f->a, (int[]){-1}, 1)); }
static void r_gather_rank(fx *f, out *o) { on_tape(o, f->t, tg_gather_rows(f->t, f->v3, (int[]){0}, 1)); }
static void r_sum_axis_range(fx *f, out *o) { on_tape(o, f->t, tg_sum_axis(f->t, f->a, 2, false)); }
static void r_sum_axis_rank0(fx *f, out *o) { on_tape(o, f->t, tg_sum_axis(f->t, f->s0, 0, false)); }
static void r_mean_axis_range(fx *f, out *o) { on_tape(o, f->t, tg_mean_axis(f->t, f->a, -3, true)); }
static void r_max_axis_range(fx *f, out *o) { on_tape(o, f->t, tg_max_axis(f->t, f->r4, 4, false)); }
static void r_softmax_rank0(fx *f, out *o) { on_tape(o, f->t, tg_softmax(f->t, f->s0)); }
static void r_log_softmax_rank0(fx *f, out *o) { on_tape(o, f->t, tg_log_softmax(f->t, f->s0)); }
static void r_mse_shapes(fx *f, out *o) { on_tape(o, f->t, tg_mse_loss(f->t, f->a, f->m34)); }
static void r_bce_p(fx *f, out *o) { on_tape(o, f->t, tg_bce_loss(f->t, tg_mul_scalar(f->t, f->a, 3), f->b)); }
static void r_bce_target(fx *f, out *o) { on_tape(o, f->t, tg_bce_loss(f->t, f->a, tg_add_scalar(f->t, f->b, -1))); }
static void r_bce_shapes(fx *f, out *o) { on_tape(o, f->t, tg_bce_loss(f->t, f->a, f->v3)); }
static void r_bcel_target(fx *f, out *o) { on_tape(o, f->t, tg_bce_with_logits(f->t, f->a, tg_mul_scalar(f->t, f->b, 10))); }
static void r_bcel_shapes(fx *f, out *o) { on_tape(o, f->t, tg_bce_with_logits(f->t, f->m34, f->a)); }
static void r_ce_labels_null(fx *f, out *o) { on_tape(o, f->t, tg_cross_entropy(f->t, f->a, NULL)); }
static void r_ce_rank(fx *f, out *o) { on_tape(o, f->t, tg_cross_entropy(f->t, f->v3, (int[]){0})); }
static void r_ce_label(fx *f, out *o) { on_tape(o, f->t, tg_cross_entropy(f->t, f->a, (int[]){2, 3})); }
static void r_ce_label_neg(fx *f, out *o) { on_tape(o, f->t, tg_cross_entropy(f->t, f->a, (int[]){-1, 0})); }
static void r_op_table_null(fx *f, out *o) {
    (void)f;
    size_t n = 0;
    on_value(o, tg_op_table(NULL) != NULL && tg_op_table(&n) != NULL && n > 30, "the table");
}
static void r_op_info_of(fx *f, out *o) {
    (void)f;
    static const tg_op custom = {"my_op", 1, 0, NULL, NULL, NULL};
    size_t n;
    const tg_op_info *tab = tg_op_table(&n);
    on_value(o, tg_op_info_of(NULL) == NULL && tg_op_info_of(&custom) == NULL &&
                    tg_op_info_of(tab[n - 1].op) == &tab[n - 1], "NULL for NULL and for a custom op");
}

/* tg_gradcheck.h */
static tg_tensor *gc_ok(tg_tape *t, tg_tensor *const *p, int n, void *u) {
    (void)n, (void)u;
    return tg_sum(t, tg_square(t, p[0]));
}
static tg_tensor *gc_vec(tg_tape *t, tg_tensor *const *p, int n, void *u) {
    (void)n, (void)u;
    return tg_square(t, p[0]);
}
static tg_tensor *gc_fail(tg_tape *t, tg_tensor *const *p, int n, void *u) {
    (void)n, (void)u;
    return tg_matmul(t, p[0], p[0]);
}
static void r_gc_defaults(fx *f, out *o) {
    (void)f;
    tg_gradcheck_opts d = tg_gradcheck_defaults();
    on_value(o, d.eps > 0 && d.atol > 0 && d.rtol > 0, "positive tolerances");
}
static void r_gc_f_null(fx *f, out *o) { on_status(o, tg_gradcheck(NULL, NULL, &f->P, 1, NULL, NULL, NULL)); }
static void r_gc_params_null(fx *f, out *o) { (void)f; on_status(o, tg_gradcheck(gc_ok, NULL, NULL, 1, NULL, NULL, NULL)); }
static void r_gc_n0(fx *f, out *o) { on_status(o, tg_gradcheck(gc_ok, NULL, &f->P, 0, NULL, NULL, NULL)); }
static void r_gc_param_null(fx *f, out *o) {
    (void)f;
    on_status(o, tg_gradcheck(gc_ok, NULL, (tg_tensor *[]){NULL}, 1, NULL, NULL, NULL));
}
static void r_gc_no_grad(fx *f, out *o) { on_status(o, tg_gradcheck(gc_ok, NULL, &f->C, 1, NULL, NULL, NULL)); }
static void r_gc_step(fx *f, out *o) { on_status(o, tg_gradcheck(gc_ok, NULL, &f->a, 1, NULL, NULL, NULL)); }
static void r_gc_eps(fx *f, out *o) {
    tg_gradcheck_opts d = {0, 1e-5, 1e-3}; /* eps 0 */
    on_status(o, tg_gradcheck(gc_ok, NULL, &f->P, 1, &d, NULL, NULL));
}
static void r_gc_vec(fx *f, out *o) { on_status(o, tg_gradcheck(gc_vec, NULL, &f->P, 1, NULL, NULL, NULL)); }
static void r_gc_fails(fx *f, out *o) { on_status(o, tg_gradcheck(gc_fail, NULL, &f->P, 1, NULL, NULL, NULL)); }

/* tg_params.h */
static void r_padd_ps_null(fx *f, out *o) { on_status(o, tg_params_add(NULL, f->P)); }
static void r_padd_p_null(fx *f, out *o) { on_status(o, tg_params_add(&f->pa, NULL)); }
static void r_padd_step(fx *f, out *o) { on_status(o, tg_params_add(&f->pa, f->a)); }
static void r_padd_no_grad(fx *f, out *o) {
    snprintf(f->C->name, sizeof f->C->name, "c");
    on_status(o, tg_params_add(&f->pa, f->C));
}
static void r_padd_twice(fx *f, out *o) { on_status(o, tg_params_add(&f->pa, f->pa.items[1])); }
static void r_padd_dup_name(fx *f, out *o) {
    snprintf(f->P->name, sizeof f->P->name, "a.0.W");
    on_status(o, tg_params_add(&f->pa, f->P));
}
static void r_pfree_null(fx *f, out *o) { (void)f; tg_params_free(NULL); on_value(o, true, ""); }
static void r_pzero_null(fx *f, out *o) { (void)f; tg_params_zero_grad(NULL); on_value(o, true, ""); }
static void r_pfind_null(fx *f, out *o) {
    on_value(o, !tg_params_find(NULL, "a.0.W") && !tg_params_find(&f->pa, NULL) &&
                    !tg_params_find(&f->pa, "b.0.W"), "NULL");
}
static void r_pnumel_null(fx *f, out *o) { (void)f; on_value(o, tg_params_numel(NULL) == 0, "0"); }

/* tg_checkpoint.h */
static void r_meta_add_null(fx *f, out *o) { (void)f; on_status(o, tg_checkpoint_meta_add(NULL, 1)); }
static void r_meta_add_full(fx *f, out *o) {
    (void)f;
    tg_checkpoint_meta m = {.n = TG_CHECKPOINT_META_MAX};
    on_status(o, tg_checkpoint_meta_add(&m, 1));
}
static void r_meta_add_neg(fx *f, out *o) {
    (void)f;
    tg_checkpoint_meta m = {.n = -1};
    on_status(o, tg_checkpoint_meta_add(&m, 1));
}
static void r_meta_rng_null(fx *f, out *o) { on_status(o, tg_checkpoint_meta_add_rng(NULL, &f->rng)); }
static void r_meta_rng_r_null(fx *f, out *o) {
    (void)f;
    tg_checkpoint_meta m = {0};
    on_status(o, tg_checkpoint_meta_add_rng(&m, NULL));
}
static void r_meta_rng_room(fx *f, out *o) {
    tg_checkpoint_meta m = {.n = TG_CHECKPOINT_META_MAX - 5};
    on_status(o, tg_checkpoint_meta_add_rng(&m, &f->rng));
}
static void r_meta_get_null(fx *f, out *o) { on_status(o, tg_checkpoint_meta_get_rng(NULL, 0, &f->rng)); }
static void r_meta_get_r_null(fx *f, out *o) {
    (void)f;
    tg_checkpoint_meta m = {.n = 6};
    on_status(o, tg_checkpoint_meta_get_rng(&m, 0, NULL));
}
static void r_meta_get_range(fx *f, out *o) {
    tg_checkpoint_meta m = {.n = 7};
    on_status(o, tg_checkpoint_meta_get_rng(&m, 2, &f->rng));
}
static void r_meta_get_neg(fx *f, out *o) {
    tg_checkpoint_meta m = {.n = 7};
    on_status(o, tg_checkpoint_meta_get_rng(&m, -1, &f->rng));
}
static const tg_params *lists_a(fx *f, const tg_params *l[2]) {
    l[0] = &f->pa;
    l[1] = &f->sa;
    return *l;
}
static void r_save_path_null(fx *f, out *o) {
    const tg_params *l[2];
    lists_a(f, l);
    on_status(o, tg_checkpoint_save(NULL, l, 2, NULL));
}
static void r_save_path_empty(fx *f, out *o) {
    const tg_params *l[2];
    lists_a(f, l);
    on_status(o, tg_checkpoint_save("", l, 2, NULL));
}
static void r_save_n_neg(fx *f, out *o) { on_status(o, tg_checkpoint_save(f->ckpt_a, NULL, -1, NULL)); }
static void r_save_lists_null(fx *f, out *o) { on_status(o, tg_checkpoint_save(f->ckpt_a, NULL, 2, NULL)); }
static void r_save_list_null(fx *f, out *o) {
    const tg_params *l[2] = {&f->pa, NULL};
    on_status(o, tg_checkpoint_save(f->ckpt_a, l, 2, NULL));
}
static void r_save_unnamed(fx *f, out *o) {
    tg_params ps = {0};
    tg_tensor *u = tg_param_new(NULL, 1, (int[]){2});
    tg_params_add(&ps, u);
    const tg_params *l[1] = {&ps};
    on_status(o, tg_checkpoint_save(f->ckpt_a, l, 1, NULL));
    tg_params_free(&ps);
    tg_tensor_free(u);
}
static void r_save_dup(fx *f, out *o) {
    const tg_params *l[2] = {&f->pa, &f->pa};
    on_status(o, tg_checkpoint_save(f->ckpt_a, l, 2, NULL));
}
static void r_save_step(fx *f, out *o) {
    tg_tensor *items[1] = {f->a};
    tg_params ps = {items, 1, 1};
    snprintf(f->a->name, sizeof f->a->name, "x");
    const tg_params *l[1] = {&ps};
    on_status(o, tg_checkpoint_save(f->ckpt_a, l, 1, NULL));
}
static void r_save_meta(fx *f, out *o) {
    const tg_params *l[2];
    lists_a(f, l);
    tg_checkpoint_meta m = {.n = 33};
    on_status(o, tg_checkpoint_save(f->ckpt_a, l, 2, &m));
}
static void r_save_dir(fx *f, out *o) {
    const tg_params *l[2];
    lists_a(f, l);
    char p[160];
    snprintf(p, sizeof p, "%s/no/such/dir/x.ckpt", dir);
    on_status(o, tg_checkpoint_save(p, l, 2, NULL));
}
static void r_load_path_null(fx *f, out *o) {
    const tg_params *l[2];
    lists_a(f, l);
    on_status(o, tg_checkpoint_load(NULL, l, 2, NULL));
}
static void r_load_missing(fx *f, out *o) {
    const tg_params *l[2];
    lists_a(f, l);
    on_status(o, tg_checkpoint_load(f->missing, l, 2, NULL));
}
static void r_load_other_model(fx *f, out *o) {
    const tg_params *l[2];
    lists_a(f, l);
    on_status(o, tg_checkpoint_load(f->ckpt_b, l, 2, NULL));
}
static void r_load_extra(fx *f, out *o) {
    const tg_params *l[1] = {&f->pa}; /* the file also holds the optimizer state */
    on_status(o, tg_checkpoint_load(f->ckpt_a, l, 1, NULL));
}
static void r_load_shape(fx *f, out *o) {
    const tg_params *l[1] = {&f->pa};
    char p[160];
    snprintf(p, sizeof p, "%s/a_wide.ckpt", dir);
    on_status(o, tg_checkpoint_load(p, l, 1, NULL));
}
static void r_load_corrupt(fx *f, out *o) {
    const tg_params *l[2];
    lists_a(f, l);
    on_status(o, tg_checkpoint_load(f->corrupt, l, 2, NULL));
}
static void r_load_dir(fx *f, out *o) {
    const tg_params *l[2];
    lists_a(f, l);
    on_status(o, tg_checkpoint_load(dir, l, 2, NULL));
}
static void r_load_mem_null(fx *f, out *o) {
    const tg_params *l[2];
    lists_a(f, l);
    on_status(o, tg_checkpoint_load_mem(NULL, 10, "buf", l, 2, NULL));
}
static void r_load_mem_empty(fx *f, out *o) {
    const tg_params *l[2];
    lists_a(f, l);
    on_status(o, tg_checkpoint_load_mem("", 0, NULL, l, 2, NULL));
}
static void r_load_mem_text(fx *f, out *o) {
    const tg_params *l[2];
    lists_a(f, l);
    on_status(o, tg_checkpoint_load_mem("hello, world", 12, "greeting", l, 2, NULL));
}

/* tg_show.h */
static void r_show_defaults(fx *f, out *o) {
    (void)f;
    tg_show_opts d = tg_show_defaults();
    on_value(o, d.precision > 0 && d.max_elems > 0, "positive");
}
static void r_name_null(fx *f, out *o) {
    (void)f;
    on_value(o, tg_name(NULL, "z") == NULL && tg_name(f->a, NULL) == f->a, "NULL passes through");
}
static void r_find_null(fx *f, out *o) {
    on_value(o, tg_find(NULL, "z") == NULL && tg_find(f->t, NULL) == NULL && tg_find(f->t, "nope") == NULL,
             "NULL");
}
static void r_print_out_null(fx *f, out *o) { on_status(o, tg_tape_print(NULL, f->t, NULL, NULL)); }
static void r_print_tape_null(fx *f, out *o) { on_status(o, tg_tape_print(f->out, NULL, NULL, NULL)); }
static void r_print_stale(fx *f, out *o) { on_status(o, tg_tape_print(f->out, f->t, f->stale, NULL)); }
static void r_dot_out_null(fx *f, out *o) { on_status(o, tg_tape_dot(NULL, f->t, NULL, NULL)); }
static void r_dot_tape_null(fx *f, out *o) { on_status(o, tg_tape_dot(f->out, NULL, NULL, NULL)); }
static void r_dot_other(fx *f, out *o) { on_status(o, tg_tape_dot(f->out, f->t, f->other, NULL)); }
static void r_trace_out_null(fx *f, out *o) { on_status(o, tg_backward_trace(NULL, f->t, f->y, NULL, NULL)); }
static void r_trace_tape_null(fx *f, out *o) { on_status(o, tg_backward_trace(f->out, NULL, f->y, NULL, NULL)); }
static void r_trace_y_null(fx *f, out *o) { on_status(o, tg_backward_trace(f->out, f->t, NULL, NULL, NULL)); }
static void r_trace_failed(fx *f, out *o) { on_status(o, tg_backward_trace(f->out, f->tf, f->onf, NULL, NULL)); }
static void r_hc_defaults(fx *f, out *o) {
    (void)f;
    tg_handcheck_opts d = tg_handcheck_defaults();
    on_value(o, d.fd.eps > 0 && d.rtol > 0, "positive");
}
static const tg_real hand6[6] = {0};
static void r_hc_f_null(fx *f, out *o) {
    tg_hand h = {"p", hand6, 6, NULL, NULL};
    on_status(o, tg_handcheck(NULL, NULL, NULL, &f->P, 1, &h, 1, NULL, NULL, NULL));
}
static void r_hc_param(fx *f, out *o) {
    tg_hand h = {"p", hand6, 6, NULL, NULL};
    on_status(o, tg_handcheck(NULL, gc_ok, NULL, &f->C, 1, &h, 1, NULL, NULL, NULL));
}
static void r_hc_hand(fx *f, out *o) {
    tg_hand h = {"p", NULL, 6, NULL, NULL};
    on_status(o, tg_handcheck(NULL, gc_ok, NULL, &f->P, 1, &h, 1, NULL, NULL, NULL));
}
static void r_hc_name(fx *f, out *o) {
    tg_hand h = {"zz", hand6, 6, NULL, NULL};
    on_status(o, tg_handcheck(NULL, gc_ok, NULL, &f->P, 1, &h, 1, NULL, NULL, NULL));
}
static void r_hc_size(fx *f, out *o) {
    tg_hand h = {"p", hand6, 5, NULL, NULL};
    on_status(o, tg_handcheck(NULL, gc_ok, NULL, &f->P, 1, &h, 1, NULL, NULL, NULL));
}
static void r_hc_eps(fx *f, out *o) {
    tg_hand h = {"p", hand6, 6, NULL, NULL};
    tg_handcheck_opts d = tg_handcheck_defaults();
    d.fd.eps = -1;
    on_status(o, tg_handcheck(NULL, gc_ok, NULL, &f->P, 1, &h, 1, &d, NULL, NULL));
}
static void r_hc_fails(fx *f, out *o) {
    tg_hand h = {"p", hand6, 6, NULL, NULL};
    on_status(o, tg_handcheck(NULL, gc_fail, NULL, &f->P, 1, &h, 1, NULL, NULL, NULL));
}
static tg_tensor *jac_sq(tg_tape *t, tg_tensor *x, void *u) { (void)u; return tg_square(t, x); }
static tg_tensor *jac_bad(tg_tape *t, tg_tensor *x, void *u) { (void)u; return tg_matmul(t, x, x); }
static void r_jac_f_null(fx *f, out *o) {
    tg_jacobian j;
    on_status(o, tg_jacobian_view(NULL, "J", NULL, NULL, f->a, NULL, &j));
}
static void r_jac_x_null(fx *f, out *o) {
    (void)f;
    tg_jacobian j;
    on_status(o, tg_jacobian_view(NULL, "J", jac_sq, NULL, NULL, NULL, &j));
}
static void r_jac_res_null(fx *f, out *o) { on_status(o, tg_jacobian_view(NULL, "J", jac_sq, NULL, f->a, NULL, NULL)); }
static void r_jac_big(fx *f, out *o) {
    tg_jacobian j;
    on_status(o, tg_jacobian_view(NULL, "J", jac_sq, NULL, f->r4, NULL, &j));
}
static void r_jac_fails(fx *f, out *o) {
    tg_jacobian j;
    on_status(o, tg_jacobian_view(NULL, "J", jac_bad, NULL, f->a, NULL, &j));
}
static void r_jac_u(fx *f, out *o) {
    tg_jacobian j;
    on_status(o, tg_jacobian_view(NULL, "J", jac_sq, NULL, f->a, f->v3, &j));
}

/* tg_threads.h */
static void r_threads_0(fx *f, out *o) {
    (void)f;
    int before = tg_get_num_threads();
    tg_status st = tg_set_num_threads(0);
    on_status(o, st);
    if (tg_get_num_threads() != before) o->bad = "the setting changed";
}
static void r_threads_65(fx *f, out *o) { (void)f; on_status(o, tg_set_num_threads(TG_MAX_THREADS + 1)); }
static void r_threads_get(fx *f, out *o) {
    (void)f;
    int n = tg_get_num_threads();
    tg_clear_error();
    on_value(o, n >= 1 && n <= TG_MAX_THREADS, "1..TG_MAX_THREADS");
}

/* layers: tg_activation.h, tg_init.h, tg_embedding.h, tg_linear.h, tg_neuron.h, tg_rnn.h */
static void r_act_name(fx *f, out *o) {
    (void)f;
    on_value(o, strcmp(tg_act_name((tg_act)99), "?") == 0 && strcmp(tg_act_name((tg_act)-1), "?") == 0, "\"?\"");
}
static void r_activate_act(fx *f, out *o) { on_tape(o, f->t, tg_activate(f->t, f->a, (tg_act)12, 0)); }
static void r_init_for_act(fx *f, out *o) {
    (void)f;
    on_value(o, tg_init_for_act((tg_act)99) == TG_INIT_GLOROT, "TG_INIT_GLOROT (the default)");
}
static void r_init_uniform_x(fx *f, out *o) { on_status(o, tg_init_uniform(NULL, &f->rng, 1)); }
static void r_init_uniform_r(fx *f, out *o) { on_status(o, tg_init_uniform(f->P, NULL, 1)); }
static void r_init_uniform_bound(fx *f, out *o) { on_status(o, tg_init_uniform(f->P, &f->rng, -1)); }
static void r_init_uniform_nan(fx *f, out *o) { on_status(o, tg_init_uniform(f->P, &f->rng, NAN)); }
static void r_init_glorot(fx *f, out *o) { on_status(o, tg_init_glorot(f->P, &f->rng, 0, 3)); }
static void r_init_he(fx *f, out *o) { on_status(o, tg_init_he(f->P, &f->rng, -2)); }
static void r_init_w_null(fx *f, out *o) { on_status(o, tg_init_weights(NULL, NULL, TG_INIT_HE, &f->rng, 2, 3)); }
static void r_init_w_fans(fx *f, out *o) { on_status(o, tg_init_weights(f->P, NULL, TG_INIT_HE, &f->rng, 2, 0)); }
static void r_init_w_rng(fx *f, out *o) { on_status(o, tg_init_weights(f->P, NULL, TG_INIT_TORCH, NULL, 2, 3)); }
static void r_init_w_scheme(fx *f, out *o) { on_status(o, tg_init_weights(f->P, NULL, (tg_init)9, &f->rng, 2, 3)); }
static void r_emb_prefix(fx *f, out *o) { on_null(o, tg_embedding_new(NULL, 5, 3, &f->rng)); }
static void r_emb_prefix_long(fx *f, out *o) {
    on_null(o, tg_embedding_new("a_prefix_much_longer_than_32_chars", 5, 3, &f->rng));
}
static void r_emb_num(fx *f, out *o) { on_null(o, tg_embedding_new("e", 0, 3, &f->rng)); }
static void r_emb_dim(fx *f, out *o) { on_null(o, tg_embedding_new("e", 5, -3, &f->rng)); }
static void r_emb_rng(fx *f, out *o) { (void)f; on_null(o, tg_embedding_new("e", 5, 3, NULL)); }
static void r_emb_free(fx *f, out *o) { (void)f; tg_embedding_free(NULL); on_value(o, true, ""); }
static void r_emb_params(fx *f, out *o) { on_status(o, tg_embedding_params(NULL, &f->pa)); }
static void r_emb_params_ps(fx *f, out *o) { on_status(o, tg_embedding_params(f->emb, NULL)); }
static void r_emb_fwd_tape(fx *f, out *o) { on_null(o, tg_embedding_forward(NULL, f->emb, (int[]){0}, 1)); }
static void r_emb_fwd_null(fx *f, out *o) { on_tape(o, f->t, tg_embedding_forward(f->t, NULL, (int[]){0}, 1)); }
static void r_emb_fwd_idx(fx *f, out *o) { on_tape(o, f->t, tg_embedding_forward(f->t, f->emb, NULL, 1)); }
static void r_emb_fwd_n(fx *f, out *o) { on_tape(o, f->t, tg_embedding_forward(f->t, f->emb, (int[]){0}, 0)); }
static void r_emb_fwd_range(fx *f, out *o) { on_tape(o, f->t, tg_embedding_forward(f->t, f->emb, (int[]){1, 5}, 2)); }
static void r_emb_fwd_neg(fx *f, out *o) { on_tape(o, f->t, tg_embedding_forward(f->t, f->emb, (int[]){-1}, 1)); }
static void r_emb_fwd_failed(fx *f, out *o) { on_tape(o, f->tf, tg_embedding_forward(f->tf, f->emb, (int[]){0}, 1)); }
static void r_lin_prefix(fx *f, out *o) { on_null(o, tg_linear_new("", 3, 2, TG_INIT_GLOROT, &f->rng)); }
static void r_lin_in(fx *f, out *o) { on_null(o, tg_linear_new("l", 0, 2, TG_INIT_GLOROT, &f->rng)); }
static void r_lin_out(fx *f, out *o) { on_null(o, tg_linear_new("l", 3, -1, TG_INIT_GLOROT, &f->rng)); }
static void r_lin_rng(fx *f, out *o) { (void)f; on_null(o, tg_linear_new("l", 3, 2, TG_INIT_GLOROT, NULL)); }
static void r_lin_init(fx *f, out *o) { on_null(o, tg_linear_new("l", 3, 2, (tg_init)7, &f->rng)); }
static void r_lin_free(fx *f, out *o) { (void)f; tg_linear_free(NULL); on_value(o, true, ""); }
static void r_lin_params(fx *f, out *o) { on_status(o, tg_linear_params(NULL, &f->pa)); }
static void r_lin_params_ps(fx *f, out *o) { on_status(o, tg_linear_params(f->lin, NULL)); }
static void r_lin_params_dup(fx *f, out *o) {
    tg_linear_params(f->lin, &f->pb);
    on_status(o, tg_linear_params(f->lin, &f->pb));
}
static void r_lin_fwd_null(fx *f, out *o) { on_tape(o, f->t, tg_linear_forward(f->t, NULL, f->a)); }
static void r_lin_fwd_dim(fx *f, out *o) { on_tape(o, f->t, tg_linear_forward(f->t, f->lin, f->m45)); }
static void r_lin_fwd_rank0(fx *f, out *o) { on_tape(o, f->t, tg_linear_forward(f->t, f->lin, f->s0)); }
static void r_mlp_sizes_null(fx *f, out *o) { on_null(o, tg_mlp_new("m", 3, NULL, TG_ACT_RELU, TG_ACT_IDENTITY, &f->rng)); }
static void r_mlp_n_sizes(fx *f, out *o) { on_null(o, tg_mlp_new("m", 1, (int[]){3}, TG_ACT_RELU, TG_ACT_IDENTITY, &f->rng)); }
static void r_mlp_size0(fx *f, out *o) { on_null(o, tg_mlp_new("m", 3, (int[]){3, 4, 0}, TG_ACT_RELU, TG_ACT_IDENTITY, &f->rng)); }
static void r_mlp_act(fx *f, out *o) { on_null(o, tg_mlp_new("m", 2, (int[]){3, 4}, (tg_act)40, TG_ACT_IDENTITY, &f->rng)); }
static void r_mlp_rng(fx *f, out *o) { (void)f; on_null(o, tg_mlp_new("m", 2, (int[]){3, 4}, TG_ACT_RELU, TG_ACT_IDENTITY, NULL)); }
static void r_mlp_prefix(fx *f, out *o) { on_null(o, tg_mlp_new(NULL, 2, (int[]){3, 4}, TG_ACT_RELU, TG_ACT_IDENTITY, &f->rng)); }
static void r_mlp_free(fx *f, out *o) { (void)f; tg_mlp_free(NULL); on_value(o, true, ""); }
static void r_mlp_params(fx *f, out *o) { on_status(o, tg_mlp_params(NULL, &f->pa)); }
static void r_mlp_params_dup(fx *f, out *o) { on_status(o, tg_mlp_params(f->ma, &f->pa)); }
static void r_mlp_fwd_null(fx *f, out *o) { on_tape(o, f->t, tg_mlp_forward(f->t, NULL, f->a)); }
static void r_mlp_fwd_dim(fx *f, out *o) { on_tape(o, f->t, tg_mlp_forward(f->t, f->ma, f->m45)); }
static void r_neu_prefix(fx *f, out *o) { on_null(o, tg_neuron_new("", 3, TG_ACT_STEP, &f->rng)); }
static void r_neu_in(fx *f, out *o) { on_null(o, tg_neuron_new("n", 0, TG_ACT_STEP, &f->rng)); }
static void r_neu_act(fx *f, out *o) { on_null(o, tg_neuron_new("n", 3, (tg_act)-1, &f->rng)); }
static void r_neu_free(fx *f, out *o) { (void)f; tg_neuron_free(NULL); on_value(o, true, ""); }
static void r_neu_params(fx *f, out *o) { on_status(o, tg_neuron_params(NULL, &f->pa)); }
static void r_neu_preact_null(fx *f, out *o) { on_tape(o, f->t, tg_neuron_preact(f->t, NULL, f->a)); }
static void r_neu_preact_shape(fx *f, out *o) { on_tape(o, f->t, tg_neuron_preact(f->t, f->neu, f->m45)); }
static void r_neu_fwd_shape(fx *f, out *o) { on_tape(o, f->t, tg_neuron_forward(f->t, f->neu, f->v3)); }
static void r_perc_y(fx *f, out *o) { on_tape(o, f->t, tg_perceptron_loss(f->t, f->neu, f->a, f->v3)); }
static void r_perc_null(fx *f, out *o) { on_tape(o, f->t, tg_perceptron_loss(f->t, NULL, f->a, f->v3)); }
static void r_l2_y(fx *f, out *o) { on_tape(o, f->t, tg_neuron_l2_loss(f->t, f->neu, f->a, f->m34)); }
static void r_rnn_kind_name(fx *f, out *o) {
    (void)f;
    on_value(o, strcmp(tg_rnn_kind_name((tg_rnn_kind)9), "?") == 0, "\"?\"");
}
static tg_rnn_config cfg_lstm(void) { return (tg_rnn_config){TG_RNN_LSTM, 3, 4, 1, false}; }
static void r_rnn_prefix(fx *f, out *o) { tg_rnn_config c = cfg_lstm(); on_null(o, tg_rnn_new(NULL, &c, &f->rng)); }
static void r_rnn_cfg(fx *f, out *o) { on_null(o, tg_rnn_new("r", NULL, &f->rng)); }
static void r_rnn_rng(fx *f, out *o) { (void)f; tg_rnn_config c = cfg_lstm(); on_null(o, tg_rnn_new("r", &c, NULL)); }
static void r_rnn_kind(fx *f, out *o) {
    tg_rnn_config c = cfg_lstm();
    c.kind = (tg_rnn_kind)7;
    on_null(o, tg_rnn_new("r", &c, &f->rng));
}
static void r_rnn_input(fx *f, out *o) {
    tg_rnn_config c = cfg_lstm();
    c.input_size = 0;
    on_null(o, tg_rnn_new("r", &c, &f->rng));
}
static void r_rnn_hidden(fx *f, out *o) {
    tg_rnn_config c = cfg_lstm();
    c.hidden_size = -4;
    on_null(o, tg_rnn_new("r", &c, &f->rng));
}
static void r_rnn_layers(fx *f, out *o) {
    tg_rnn_config c = cfg_lstm();
    c.num_layers = 0;
    on_null(o, tg_rnn_new("r", &c, &f->rng));
}
static void r_rnn_hidden_huge(fx *f, out *o) {
    tg_rnn_config c = cfg_lstm();
    c.hidden_size = INT_MAX / 2;
    on_null(o, tg_rnn_new("r", &c, &f->rng));
}
static void r_rnn_free(fx *f, out *o) { (void)f; tg_rnn_free(NULL); on_value(o, true, ""); }
static void r_rnn_params(fx *f, out *o) { on_status(o, tg_rnn_params(NULL, &f->pa)); }
static void r_rnn_params_ps(fx *f, out *o) { on_status(o, tg_rnn_params(f->lstm, NULL)); }
static tg_tensor *seq(fx *f, int T, int B, int F) { return tg_tape_full(f->t, 3, (int[]){T, B, F}, (tg_real)0.5); }
static void r_rnnf_tape(fx *f, out *o) { on_status(o, tg_rnn_forward(NULL, f->lstm, f->a, NULL, NULL, NULL, NULL, NULL)); }
static void r_rnnf_layer(fx *f, out *o) { tg_rnn_forward(f->t, NULL, seq(f, 2, 1, 3), NULL, NULL, NULL, NULL, NULL); on_tape(o, f->t, NULL); }
static void r_rnnf_x(fx *f, out *o) { tg_rnn_forward(f->t, f->lstm, NULL, NULL, NULL, NULL, NULL, NULL); on_tape(o, f->t, NULL); }
static void r_rnnf_rank(fx *f, out *o) { tg_rnn_forward(f->t, f->lstm, f->a, NULL, NULL, NULL, NULL, NULL); on_tape(o, f->t, NULL); }
static void r_rnnf_F(fx *f, out *o) { tg_rnn_forward(f->t, f->lstm, seq(f, 2, 1, 4), NULL, NULL, NULL, NULL, NULL); on_tape(o, f->t, NULL); }
static void r_rnnf_stale(fx *f, out *o) { tg_rnn_forward(f->t, f->lstm, f->stale, NULL, NULL, NULL, NULL, NULL); on_tape(o, f->t, NULL); }
static void r_rnnf_h0(fx *f, out *o) {
    tg_tensor *out_ = (tg_tensor *)1;
    tg_rnn_forward(f->t, f->lstm, seq(f, 2, 1, 3), f->a, NULL, &out_, NULL, NULL);
    on_tape(o, f->t, out_);
}
static void r_rnnf_h0_other(fx *f, out *o) {
    tg_tensor *h0 = tg_tape_full(f->t2, 3, (int[]){1, 1, 4}, 0);
    tg_rnn_forward(f->t, f->lstm, seq(f, 2, 1, 3), h0, NULL, NULL, NULL, NULL);
    on_tape(o, f->t, NULL);
}
static void r_rnnf_c0_gru(fx *f, out *o) {
    tg_tensor *c0 = tg_tape_full(f->t, 3, (int[]){1, 1, 4}, 0);
    tg_rnn_forward(f->t, f->gru, seq(f, 2, 1, 3), NULL, c0, NULL, NULL, NULL);
    on_tape(o, f->t, NULL);
}
static void r_rnnf_failed(fx *f, out *o) {
    /* returns the tape's status (tg_rnn.h); the first error stays on the tape */
    tg_status st = tg_rnn_forward(f->tf, f->lstm, f->onf, NULL, NULL, NULL, NULL, NULL);
    on_tape(o, f->tf, NULL);
    if (st != o->st) o->bad = "the tape's status";
}
static void r_cell_layer(fx *f, out *o) {
    tg_tensor *h = NULL;
    tg_rnn_cell(f->t, f->lstm, 1, f->a, NULL, NULL, &h, NULL);
    on_tape(o, f->t, h);
}
static void r_cell_hout(fx *f, out *o) { tg_rnn_cell(f->t, f->lstm, 0, f->a, NULL, NULL, NULL, NULL); on_tape(o, f->t, NULL); }
static void r_cell_x(fx *f, out *o) {
    tg_tensor *h = NULL;
    tg_rnn_cell(f->t, f->lstm, 0, f->m34, NULL, NULL, &h, NULL);
    on_tape(o, f->t, h);
}
static void r_cell_h(fx *f, out *o) {
    tg_tensor *h = NULL;
    tg_rnn_cell(f->t, f->lstm, 0, f->a, f->a, NULL, &h, NULL);
    on_tape(o, f->t, h);
}
static void r_cell_tape(fx *f, out *o) {
    tg_tensor *h = NULL;
    on_status(o, tg_rnn_cell(NULL, f->lstm, 0, f->a, NULL, NULL, &h, NULL));
}

/* tg_optim.h */
static void r_defaults(fx *f, out *o) {
    (void)f;
    on_value(o, tg_sgd_defaults().lr == 0.01 && tg_adagrad_defaults().eps == 1e-10 &&
                    tg_rmsprop_defaults().alpha == 0.99 && tg_adam_defaults().beta2 == 0.999 &&
                    tg_adamw_defaults().weight_decay == 1e-2, "PyTorch's defaults");
}
static void r_sgd_ps(fx *f, out *o) { (void)f; on_null(o, tg_sgd_new(NULL, NULL)); }
static void r_sgd_empty(fx *f, out *o) { (void)f; tg_params e = {0}; on_null(o, tg_sgd_new(&e, NULL)); }
static void r_sgd_lr(fx *f, out *o) { tg_sgd_opts s = tg_sgd_defaults(); s.lr = -1; on_null(o, tg_sgd_new(&f->pa, &s)); }
static void r_sgd_nesterov(fx *f, out *o) {
    tg_sgd_opts s = tg_sgd_defaults();
    s.nesterov = true;
    on_null(o, tg_sgd_new(&f->pa, &s));
}
static void r_sgd_state_list(fx *f, out *o) { on_null(o, tg_sgd_new(&f->sa, NULL)); }
static void r_sgd_entry_null(fx *f, out *o) {
    tg_tensor *items[2] = {f->pa.items[0], NULL};
    tg_params ps = {items, 2, 2};
    on_null(o, tg_sgd_new(&ps, NULL));
}
static void r_adagrad_eps(fx *f, out *o) {
    tg_adagrad_opts s = tg_adagrad_defaults();
    s.eps = 0;
    on_null(o, tg_adagrad_new(&f->pa, &s));
}
static void r_adagrad_ps(fx *f, out *o) { (void)f; on_null(o, tg_adagrad_new(NULL, NULL)); }
static void r_rmsprop_alpha(fx *f, out *o) {
    tg_rmsprop_opts s = tg_rmsprop_defaults();
    s.alpha = 1.5;
    on_null(o, tg_rmsprop_new(&f->pa, &s));
}
static void r_rmsprop_ps(fx *f, out *o) { (void)f; on_null(o, tg_rmsprop_new(NULL, NULL)); }
static void r_adam_beta1(fx *f, out *o) {
    tg_adam_opts s = tg_adam_defaults();
    s.beta1 = 1;
    on_null(o, tg_adam_new(&f->pa, &s));
}
static void r_adam_lr_nan(fx *f, out *o) {
    tg_adam_opts s = tg_adam_defaults();
    s.lr = NAN;
    on_null(o, tg_adam_new(&f->pa, &s));
}
static void r_adam_other_state(fx *f, out *o) { on_null(o, tg_adam_new(&f->sa, NULL)); }
static void r_adamw_wd(fx *f, out *o) {
    tg_adam_opts s = tg_adamw_defaults();
    s.weight_decay = -1;
    on_null(o, tg_adamw_new(&f->pa, &s));
}
static void r_adamw_ps(fx *f, out *o) { (void)f; on_null(o, tg_adamw_new(NULL, NULL)); }
static void r_step_null(fx *f, out *o) { (void)f; on_status(o, tg_optim_step(NULL)); }
static void r_step_nan(fx *f, out *o) {
    f->pa.items[1]->grad[2] = (tg_real)NAN;
    tg_real before = f->pa.items[0]->data[0];
    on_status(o, tg_optim_step(f->oa));
    if (f->pa.items[0]->data[0] != before) o->bad = "a parameter changed";
}
static void r_step_count(fx *f, out *o) {
    tg_params_find(&f->sa, "optim.step")->data[0] = (tg_real)2.5;
    on_status(o, tg_optim_step(f->oa));
}
static void r_ozero_null(fx *f, out *o) { (void)f; tg_optim_zero_grad(NULL); on_value(o, true, ""); }
static void r_get_lr_null(fx *f, out *o) { (void)f; on_value(o, isnan(tg_optim_get_lr(NULL)), "NAN"); }
static void r_set_lr_null(fx *f, out *o) { (void)f; on_status(o, tg_optim_set_lr(NULL, 0.1)); }
static void r_set_lr_neg(fx *f, out *o) {
    on_status(o, tg_optim_set_lr(f->oa, -0.5));
    if (tg_optim_get_lr(f->oa) != 1e-3) o->bad = "the lr changed";
}
static void r_set_lr_inf(fx *f, out *o) { on_status(o, tg_optim_set_lr(f->oa, INFINITY)); }
static void r_oname_null(fx *f, out *o) { (void)f; on_value(o, strcmp(tg_optim_name(NULL), "") == 0, "\"\""); }
static void r_state_size_null(fx *f, out *o) { (void)f; on_value(o, tg_optim_state_size(NULL) == 0, "0"); }
static void r_ofree_null(fx *f, out *o) { (void)f; tg_optim_free(NULL); on_value(o, true, ""); }
static void r_state_null(fx *f, out *o) { on_status(o, tg_optim_state(NULL, &f->sa)); }
static void r_state_out_null(fx *f, out *o) { on_status(o, tg_optim_state(f->oa, NULL)); }
static void r_state_twice(fx *f, out *o) { on_status(o, tg_optim_state(f->oa, &f->sa)); }
static void r_load_state_null(fx *f, out *o) { on_status(o, tg_optim_load_state(NULL, &f->sa)); }
static void r_load_state_src_null(fx *f, out *o) { on_status(o, tg_optim_load_state(f->oa, NULL)); }
static void r_load_state_other(fx *f, out *o) {
    tg_params sb = {0};
    tg_optim_state(f->ob, &sb); /* model B's optimizer state given to A's optimizer */
    on_status(o, tg_optim_load_state(f->oa, &sb));
    tg_params_free(&sb);
}
static void r_load_state_shape(fx *f, out *o) {
    /* same names as A's state, other shapes: an optimizer of a wider model "a" */
    tg_mlp *w = tg_mlp_new("a", 3, (int[]){3, 5, 2}, TG_ACT_TANH, TG_ACT_IDENTITY, &f->rng);
    tg_params pw = {0}, sw = {0};
    tg_mlp_params(w, &pw);
    tg_optim *ow = tg_adam_new(&pw, NULL);
    tg_optim_state(ow, &sw);
    on_status(o, tg_optim_load_state(f->oa, &sw));
    tg_params_free(&sw);
    tg_optim_free(ow);
    tg_params_free(&pw);
    tg_mlp_free(w);
}
static void r_load_state_step(fx *f, out *o) {
    tg_params sc = {0};
    tg_optim *o2 = tg_adam_new(&f->pa, NULL);
    tg_optim_state(o2, &sc);
    tg_params_find(&sc, "optim.step")->data[0] = -3;
    on_status(o, tg_optim_load_state(f->oa, &sc));
    tg_params_free(&sc);
    tg_optim_free(o2);
}
static void r_clip_ps(fx *f, out *o) { (void)f; on_status(o, tg_clip_grad_norm(NULL, 1, 2, NULL)); }
static void r_clip_max(fx *f, out *o) { on_status(o, tg_clip_grad_norm(&f->pa, -1, 2, NULL)); }
static void r_clip_type(fx *f, out *o) { on_status(o, tg_clip_grad_norm(&f->pa, 1, 0, NULL)); }
static void r_clip_inf(fx *f, out *o) {
    f->pa.items[0]->grad[1] = (tg_real)INFINITY;
    double total = 0;
    on_status(o, tg_clip_grad_norm(&f->pa, 1, 2, &total));
    if (!isinf(total)) o->bad = "*total_norm = inf";
}
static void r_clipv_ps(fx *f, out *o) { (void)f; on_status(o, tg_clip_grad_value(NULL, 1)); }
static void r_clipv_neg(fx *f, out *o) { on_status(o, tg_clip_grad_value(&f->pa, -0.5)); }
static void r_sd_opt(fx *f, out *o) { (void)f; on_null(o, tg_sched_step_decay_new(NULL, 2, 0.5)); }
static void r_sd_size(fx *f, out *o) { on_null(o, tg_sched_step_decay_new(f->oa, 0, 0.5)); }
static void r_sd_gamma(fx *f, out *o) { on_null(o, tg_sched_step_decay_new(f->oa, 2, 0)); }
static void r_exp_gamma(fx *f, out *o) { on_null(o, tg_sched_exponential_new(f->oa, NAN)); }
static void r_exp_opt(fx *f, out *o) { (void)f; on_null(o, tg_sched_exponential_new(NULL, 0.9)); }
static void r_cos_tmax(fx *f, out *o) { on_null(o, tg_sched_cosine_new(f->oa, 0, 0)); }
static void r_cos_eta(fx *f, out *o) { on_null(o, tg_sched_cosine_new(f->oa, 10, -1)); }
static void r_lin_start(fx *f, out *o) { on_null(o, tg_sched_linear_new(f->oa, 1.5, 1, 5)); }
static void r_lin_total(fx *f, out *o) { on_null(o, tg_sched_linear_new(f->oa, 0.1, 1, 0)); }
static void r_seq_opt(fx *f, out *o) { (void)f; on_null(o, tg_sched_sequential_new(NULL, NULL, 0, NULL)); }
static void r_seq_n(fx *f, out *o) { on_null(o, tg_sched_sequential_new(f->oa, (tg_sched *[]){NULL}, 0, NULL)); }
static void r_seq_other(fx *f, out *o) {
    tg_sched *s[2] = {tg_sched_exponential_new(f->oa, 0.9), tg_sched_exponential_new(f->ob, 0.9)};
    on_null(o, tg_sched_sequential_new(f->oa, s, 2, (int[]){3})); /* frees both */
}
static void r_seq_milestones(fx *f, out *o) {
    tg_sched *s[3] = {tg_sched_exponential_new(f->oa, 0.9), tg_sched_cosine_new(f->oa, 5, 0),
                      tg_sched_exponential_new(f->oa, 0.5)};
    on_null(o, tg_sched_sequential_new(f->oa, s, 3, (int[]){4, 4}));
}
static void r_seq_ms_null(fx *f, out *o) {
    tg_sched *s[2] = {tg_sched_exponential_new(f->oa, 0.9), tg_sched_cosine_new(f->oa, 5, 0)};
    on_null(o, tg_sched_sequential_new(f->oa, s, 2, NULL));
}
static void r_seq_same(fx *f, out *o) {
    tg_sched *e = tg_sched_exponential_new(f->oa, 0.9);
    tg_sched *s[2] = {e, e};
    on_null(o, tg_sched_sequential_new(f->oa, s, 2, (int[]){3}));
}
static void r_sstep_null(fx *f, out *o) { (void)f; on_status(o, tg_sched_step(NULL)); }
static void r_sepoch_null(fx *f, out *o) { (void)f; on_value(o, tg_sched_epoch(NULL) == -1, "-1"); }
static void r_set_epoch_neg(fx *f, out *o) { on_status(o, tg_sched_set_epoch(f->sc, -1)); }
static void r_set_epoch_null(fx *f, out *o) { (void)f; on_status(o, tg_sched_set_epoch(NULL, 3)); }
static void r_lr_at(fx *f, out *o) { on_value(o, isnan(tg_sched_lr_at(f->sc, -1)) && isnan(tg_sched_lr_at(NULL, 0)), "NAN"); }
static void r_sfree_null(fx *f, out *o) { (void)f; tg_sched_free(NULL); on_value(o, true, ""); }

/* tg_data.h */
static void r_idx_out(fx *f, out *o) { (void)f; on_status(o, tg_idx_parse("", 0, "x", NULL)); }
static void r_idx_buf(fx *f, out *o) { (void)f; tg_idx x; on_status(o, tg_idx_parse(NULL, 4, "x", &x)); }
static void r_idx_trunc(fx *f, out *o) {
    (void)f;
    tg_idx x;
    on_status(o, tg_idx_parse("\0\0\x08\x02\0\0\0\x02\0\0\0\x03" "abc", 15, NULL, &x));
}
static void r_idx_rank(fx *f, out *o) { (void)f; tg_idx x; on_status(o, tg_idx_parse("\0\0\x08\x09", 4, "x", &x)); }
static void r_idx_read_path(fx *f, out *o) { (void)f; tg_idx x; on_status(o, tg_idx_read(NULL, &x)); }
static void r_idx_read_out(fx *f, out *o) { on_status(o, tg_idx_read(f->idx, NULL)); }
static void r_idx_read_missing(fx *f, out *o) { tg_idx x; on_status(o, tg_idx_read(f->missing, &x)); }
static void r_idx_read_trunc(fx *f, out *o) { tg_idx x; on_status(o, tg_idx_read(f->idx, &x)); }
static void r_idx_free(fx *f, out *o) { (void)f; tg_idx_free(NULL); on_value(o, true, ""); }
static void r_fm_images(fx *f, out *o) { (void)f; tg_idx l; on_status(o, tg_fashion_mnist_load(NULL, "train", NULL, &l)); }
static void r_fm_split_null(fx *f, out *o) { (void)f; tg_idx i, l; on_status(o, tg_fashion_mnist_load(NULL, NULL, &i, &l)); }
static void r_fm_split(fx *f, out *o) { (void)f; tg_idx i, l; on_status(o, tg_fashion_mnist_load(NULL, "val", &i, &l)); }
static void r_fm_dir(fx *f, out *o) { tg_idx i, l; on_status(o, tg_fashion_mnist_load(f->missing, "train", &i, &l)); }
static void r_csv_out(fx *f, out *o) { (void)f; on_status(o, tg_csv_parse("x\n1\n", 4, "c", NULL, 0, NULL)); }
static void r_csv_buf(fx *f, out *o) { (void)f; tg_csv c; on_status(o, tg_csv_parse(NULL, 4, "c", NULL, 0, &c)); }
static void r_csv_ncols(fx *f, out *o) {
    (void)f;
    tg_csv c;
    on_status(o, tg_csv_parse("x\n1\n", 4, "c", (const char *[]){"x"}, 0, &c));
}
static void r_csv_col_null(fx *f, out *o) {
    (void)f;
    tg_csv c;
    on_status(o, tg_csv_parse("x\n1\n", 4, "c", (const char *[]){"x", NULL}, 2, &c));
}
static void r_csv_cols_null(fx *f, out *o) { (void)f; tg_csv c; on_status(o, tg_csv_parse("x\n1\n", 4, "c", NULL, 2, &c)); }
static void r_csv_missing_col(fx *f, out *o) {
    (void)f;
    tg_csv c;
    on_status(o, tg_csv_parse("x,y\n1,2\n", 8, "c", (const char *[]){"z"}, 1, &c));
}
static void r_csv_fields(fx *f, out *o) { (void)f; tg_csv c; on_status(o, tg_csv_parse("x,y\n1,2,3\n", 10, "c", NULL, 0, &c)); }
static void r_csv_read_path(fx *f, out *o) { (void)f; tg_csv c; on_status(o, tg_csv_read(NULL, NULL, 0, &c)); }
static void r_csv_read_missing(fx *f, out *o) { tg_csv c; on_status(o, tg_csv_read(f->missing, NULL, 0, &c)); }
static void r_csv_read_number(fx *f, out *o) { tg_csv c; on_status(o, tg_csv_read(f->csv, NULL, 0, &c)); }
static void r_csv_read_out(fx *f, out *o) { on_status(o, tg_csv_read(f->csv, NULL, 0, NULL)); }
static void r_csv_column(fx *f, out *o) {
    (void)f;
    tg_csv z = {0};
    on_value(o, tg_csv_column(NULL, "x") == -1 && tg_csv_column(&z, "x") == -1, "-1");
}
static void r_csv_free(fx *f, out *o) { (void)f; tg_csv_free(NULL); on_value(o, true, ""); }
static void r_text_out(fx *f, out *o) { (void)f; on_status(o, tg_text_from("a", 1, "t", NULL)); }
static void r_text_empty(fx *f, out *o) { (void)f; tg_text x; on_status(o, tg_text_from("", 0, "t", &x)); }
static void r_text_buf(fx *f, out *o) { (void)f; tg_text x; on_status(o, tg_text_from(NULL, 3, NULL, &x)); }
static void r_text_read_path(fx *f, out *o) { (void)f; tg_text x; on_status(o, tg_text_read(NULL, &x)); }
static void r_text_read_missing(fx *f, out *o) { tg_text x; on_status(o, tg_text_read(f->missing, &x)); }
static void r_text_read_empty(fx *f, out *o) { tg_text x; on_status(o, tg_text_read(f->txt, &x)); }
static void r_text_free(fx *f, out *o) { (void)f; tg_text_free(NULL); on_value(o, true, ""); }

static const row rows[] = {
    {"tg_status_name", "a status out of range", r_status_name,
     TG_OK, "", NULL},
    {"tg_last_error", "the last message, then \"\" after tg_clear_error", r_last_error,
     TG_OK, "", NULL},
    {"tg_last_status", "the last status, then TG_OK after tg_clear_error", r_last_status,
     TG_OK, "", NULL},
    {"tg_clear_error", "called twice", r_clear_error,
     TG_OK, "", NULL},
    {"tg_tensor_new", "rank -1", r_new_rank_neg,
     TG_ERR_SHAPE, "tg_tensor_new: rank -1 is outside 0..8", NULL},
    {"tg_tensor_new", "rank 9", r_new_rank_9,
     TG_ERR_SHAPE, "tg_tensor_new: rank 9 is outside 0..8", NULL},
    {"tg_tensor_new", "shape NULL with rank 2", r_new_shape_null,
     TG_ERR_ARG, "tg_tensor_new: shape is NULL for rank 2", NULL},
    {"tg_tensor_new", "a zero dimension", r_new_dim0,
     TG_ERR_SHAPE, "tg_tensor_new: dimension 1 is 0 (must be >= 1)", NULL},
    {"tg_tensor_new", "a negative dimension", r_new_dimneg,
     TG_ERR_SHAPE, "tg_tensor_new: dimension 0 is -2 (must be >= 1)", NULL},
    {"tg_tensor_new", "element count overflows size_t", r_new_overflow,
     TG_ERR_SHAPE, "tg_tensor_new: element count of (2147483647,2147483647,8) overflows size_t", NULL},
    {"tg_tensor_from", "a zero dimension", r_from_dim0,
     TG_ERR_SHAPE, "tg_tensor_from: dimension 0 is 0 (must be >= 1)", NULL},
    {"tg_tensor_from", "element count overflows size_t", r_from_overflow,
     TG_ERR_SHAPE, "tg_tensor_from: element count of (2147483647,2147483647,8) overflows size_t", NULL},
    {"tg_param_new", "rank 9", r_param_rank,
     TG_ERR_SHAPE, "tg_param_new: rank 9 is outside 0..8", NULL},
    {"tg_param_new", "a negative dimension", r_param_dimneg,
     TG_ERR_SHAPE, "tg_param_new: dimension 0 is -4 (must be >= 1)", NULL},
    {"tg_param_new", "element count overflows size_t", r_param_overflow,
     TG_ERR_SHAPE, "tg_param_new: element count of (2147483647,2147483647,8) overflows size_t", NULL},
    {"tg_tensor_free", "NULL, and a step tensor (ignored)", r_free_null,
     TG_OK, "", NULL},
    {"tg_tensor_fill", "x NULL (nothing to do)", r_fill_null,
     TG_OK, "", NULL},
    {"tg_tensor_copy_from", "x NULL", r_copy_x_null,
     TG_ERR_ARG, "tg_tensor_copy_from: x is NULL", NULL},
    {"tg_tensor_copy_from", "data NULL", r_copy_data_null,
     TG_ERR_ARG, "tg_tensor_copy_from: data is NULL", NULL},
    {"tg_tensor_copy_from", "n differs from the size", r_copy_n,
     TG_ERR_SHAPE, "tg_tensor_copy_from: 5 values given for a tensor of shape (2,3) (6 elements)", NULL},
    {"tg_tensor_zero_grad", "NULL, and no gradient buffer", r_zero_grad_null,
     TG_OK, "", NULL},
    {"tg_tensor_get", "x NULL", r_get_null,
     TG_ERR_ARG, "tg_tensor_get: x is NULL", NULL},
    {"tg_tensor_get", "idx NULL", r_get_idx_null,
     TG_ERR_ARG, "tg_tensor_get: idx is NULL", NULL},
    {"tg_tensor_get", "index out of range", r_get_range,
     TG_ERR_RANGE, "tg_tensor_get: index 3 on axis 1 is outside 0..2 of shape (2,3)", NULL},
    {"tg_tensor_get", "negative index", r_get_neg,
     TG_ERR_RANGE, "tg_tensor_get: index -1 on axis 0 is outside 0..1 of shape (2,3)", NULL},
    {"tg_tensor_set", "x NULL", r_set_null,
     TG_ERR_ARG, "tg_tensor_set: x is NULL", NULL},
    {"tg_tensor_set", "index out of range", r_set_range,
     TG_ERR_RANGE, "tg_tensor_set: index 2 on axis 0 is outside 0..1 of shape (2,3)", NULL},
    {"tg_item", "x NULL", r_item_null,
     TG_ERR_ARG, "tg_item: expected one element, got NULL", NULL},
    {"tg_item", "more than one element", r_item_shape,
     TG_ERR_SHAPE, "tg_item: expected one element, got (2,3)", NULL},
    {"tg_grad_at", "x NULL", r_grad_at_null,
     TG_ERR_ARG, "tg_grad_at: x is NULL", NULL},
    {"tg_grad_at", "index out of range", r_grad_at_range,
     TG_ERR_RANGE, "tg_grad_at: index 6 is outside 0..5 of shape (2,3)", NULL},
    {"tg_shape_str", "x NULL, buf NULL, a short buffer", r_shape_str_null,
     TG_OK, "", NULL},
    {"tg_rng_seed", "r NULL (nothing to do)", r_rng_seed_null,
     TG_OK, "", NULL},
    {"tg_rng_u64", "r NULL", r_rng_u64_null,
     TG_ERR_ARG, "tg_rng_u64: r is NULL", NULL},
    {"tg_rng_uniform", "r NULL", r_rng_uniform_null,
     TG_ERR_ARG, "tg_rng_uniform: r is NULL", NULL},
    {"tg_rng_normal", "r NULL", r_rng_normal_null,
     TG_ERR_ARG, "tg_rng_normal: r is NULL", NULL},
    {"tg_tensor_uniform", "x NULL", r_uniform_x_null,
     TG_ERR_ARG, "tg_tensor_uniform: x is NULL", NULL},
    {"tg_tensor_uniform", "r NULL", r_uniform_r_null,
     TG_ERR_ARG, "tg_tensor_uniform: r is NULL", NULL},
    {"tg_tensor_normal", "x NULL", r_normal_x_null,
     TG_ERR_ARG, "tg_tensor_normal: x is NULL", NULL},
    {"tg_tensor_normal", "r NULL", r_normal_r_null,
     TG_ERR_ARG, "tg_tensor_normal: r is NULL", NULL},
    {"tg_alloc_count", "no arguments: never fails", r_alloc_count,
     TG_OK, "", NULL},
    {"tg_alloc_live", "no arguments: never fails", r_alloc_live,
     TG_OK, "", NULL},
    {"tg_tape_new", "out of memory", r_tape_new_oom,
     TG_ERR_NOMEM, "tg_tape_new: out of memory", NULL},
    {"tg_tape_free", "NULL", r_tape_free_null,
     TG_OK, "", NULL},
    {"tg_tape_reset", "NULL; a failed tape is cleared", r_tape_reset_null,
     TG_OK, "", NULL},
    {"tg_tape_status", "NULL", r_tape_status_null,
     TG_OK, "", NULL},
    {"tg_tape_message", "NULL", r_tape_message_null,
     TG_OK, "", NULL},
    {"tg_tape_fail", "NULL tape: the thread's error only", r_tape_fail_null,
     TG_ERR_VALUE, "tg_tape_fail: custom op sq: 3", NULL},
    {"tg_tape_fail", "a failed tape keeps its first error", r_tape_fail_first,
     TG_ERR_SHAPE, "tg_first: the first error: (2,3)", NULL},
    {"tg_tape_set_grad_enabled", "NULL", r_grad_enabled_null,
     TG_OK, "", NULL},
    {"tg_tape_grad_enabled", "NULL", r_grad_enabled,
     TG_OK, "", NULL},
    {"tg_tape_node_count", "NULL", r_node_count_null,
     TG_OK, "", NULL},
    {"tg_tape_arena_bytes", "NULL", r_arena_bytes_null,
     TG_OK, "", NULL},
    {"tg_tape_arena_used", "NULL", r_arena_used_null,
     TG_OK, "", NULL},
    {"tg_tape_tensor", "tape NULL", r_tape_tensor_null,
     TG_ERR_ARG, "tg_tape_tensor: tape is NULL", NULL},
    {"tg_tape_tensor", "rank -1", r_tape_tensor_rank,
     TG_ERR_SHAPE, "tg_tape_tensor: rank -1 is outside 0..8", NULL},
    {"tg_tape_tensor", "shape NULL", r_tape_tensor_shape_null,
     TG_ERR_ARG, "tg_tape_tensor: shape is NULL for rank 2", NULL},
    {"tg_tape_tensor", "a zero dimension", r_tape_tensor_dim0,
     TG_ERR_SHAPE, "tg_tape_tensor: dimension 1 is 0 (must be >= 1)", NULL},
    {"tg_tape_tensor", "element count overflows size_t", r_tape_tensor_overflow,
     TG_ERR_SHAPE, "tg_tape_tensor: element count of (2147483647,2147483647,8) overflows size_t", NULL},
    {"tg_tape_tensor", "too large for any arena", r_tape_tensor_huge,
     TG_ERR_NOMEM, "tg_tape_tensor: out of memory growing the tape's arena by 4611686018427388096 bytes", NULL},
    {"tg_tape_tensor", "the tape has failed", r_tape_tensor_failed,
     TG_ERR_SHAPE, "tg_first: the first error: (2,3)", NULL},
    {"tg_tape_full", "tape NULL", r_tape_full_null,
     TG_ERR_ARG, "tg_tape_full: tape is NULL", NULL},
    {"tg_tape_full", "a negative dimension", r_tape_full_dim,
     TG_ERR_SHAPE, "tg_tape_full: dimension 0 is -5 (must be >= 1)", NULL},
    {"tg_tape_alloc", "tape NULL", r_tape_alloc_null,
     TG_ERR_ARG, "tg_tape_alloc: tape is NULL", NULL},
    {"tg_tape_alloc", "too many bytes, fresh tape", r_tape_alloc_huge,
     TG_ERR_NOMEM, "tg_tape_alloc: out of memory growing the tape's arena by 9223372036854775807 bytes", NULL},
    {"tg_tape_alloc", "too many bytes, after an op", r_tape_alloc_huge_after_op,
     TG_ERR_NOMEM, "tg_tape_alloc: out of memory growing the tape's arena by 9223372036854775807 bytes", NULL},
    {"tg_detach", "tape NULL", r_detach_null_tape,
     TG_ERR_ARG, "tg_detach: tape is NULL", NULL},
    {"tg_detach", "x NULL", r_detach_null,
     TG_ERR_ARG, "tg_detach: argument 1 (x) is NULL", NULL},
    {"tg_detach", "x from before tg_tape_reset", r_detach_stale,
     TG_ERR_STATE, "tg_detach: argument 1 (x) belongs to another tape or to a step before the last tg_tape_reset", NULL},
    {"tg_detach", "the tape has failed", r_detach_failed,
     TG_ERR_SHAPE, "tg_first: the first error: (2,3)", NULL},
    {"tg_backward", "tape NULL", r_backward_null_tape,
     TG_ERR_ARG, "tg_backward: tape is NULL", NULL},
    {"tg_backward", "y NULL", r_backward_null_y,
     TG_ERR_ARG, "tg_backward: argument 1 (y) is NULL", NULL},
    {"tg_backward", "y from before tg_tape_reset", r_backward_stale,
     TG_ERR_STATE, "tg_backward: y belongs to another tape or to a step before the last tg_tape_reset", NULL},
    {"tg_backward", "y of another tape", r_backward_other,
     TG_ERR_STATE, "tg_backward: y belongs to another tape or to a step before the last tg_tape_reset", NULL},
    {"tg_backward", "y needs no gradient", r_backward_nograd,
     TG_ERR_STATE, "tg_backward: y does not require a gradient (no parameter reaches it, or it was computed with gradients disabled)", NULL},
    {"tg_backward", "y has 6 elements and no seed", r_backward_noseed,
     TG_ERR_SHAPE, "tg_backward: y has shape (2,3); a seed gradient is needed unless y has one element", NULL},
    {"tg_backward", "seed of another shape", r_backward_seed_shape,
     TG_ERR_SHAPE, "tg_backward: seed shape (3) differs from y shape (2,3)", NULL},
    {"tg_backward", "the tape has failed", r_backward_failed,
     TG_ERR_SHAPE, "tg_backward: the tape has failed earlier: tg_first: the first error: (2,3)", NULL},
    {"tg_apply", "tape NULL", r_apply_null_tape,
     TG_ERR_ARG, "tg_add: tape is NULL", "tg_add"},
    {"tg_apply", "op NULL", r_apply_null_op,
     TG_ERR_ARG, "tg_apply: op (NULL) has no shape or forward function", NULL},
    {"tg_apply", "wrong number of inputs", r_apply_n_in,
     TG_ERR_ARG, "tg_add: expected 2 inputs, got 1", "tg_add"},
    {"tg_apply", "in NULL", r_apply_in_null,
     TG_ERR_ARG, "tg_add: the input array is NULL", "tg_add"},
    {"tg_apply", "op without shape and forward functions", r_apply_no_fwd,
     TG_ERR_ARG, "tg_apply: op my_op has no shape or forward function", NULL},
    {"tg_tape_set_anomaly_detection", "NULL", r_anomaly_null,
     TG_OK, "", NULL},
    {"tg_tape_set_trace", "NULL", r_trace_null,
     TG_OK, "", NULL},
    {"tg_tape_last", "NULL", r_tape_last_null,
     TG_OK, "", NULL},
    {"tg_add", "shapes do not broadcast", r_add_bcast,
     TG_ERR_SHAPE, "tg_add: shapes cannot broadcast: (2,3) and (4,5) (axis 0: 2 vs 4)", NULL},
    {"tg_sub", "shapes do not broadcast", r_sub_bcast,
     TG_ERR_SHAPE, "tg_sub: shapes cannot broadcast: (3,4) and (2,3) (axis 0: 3 vs 2)", NULL},
    {"tg_mul", "shapes do not broadcast (rank 4 and 2)", r_mul_bcast,
     TG_ERR_SHAPE, "tg_mul: shapes cannot broadcast: (2,3,4,5) and (3,4) (axis 2: 4 vs 3)", NULL},
    {"tg_div", "shapes do not broadcast", r_div_bcast,
     TG_ERR_SHAPE, "tg_div: shapes cannot broadcast: (3) and (3,4) (axis 1: 3 vs 4)", NULL},
    {"tg_clamp", "lo > hi", r_clamp_order,
     TG_ERR_VALUE, "tg_clamp: bounds must satisfy lo <= hi, got lo=1 hi=0", NULL},
    {"tg_clamp", "lo NaN", r_clamp_nan,
     TG_ERR_VALUE, "tg_clamp: bounds must satisfy lo <= hi, got lo=nan hi=1", NULL},
    {"tg_leaky_relu", "slope infinite", r_leaky_slope,
     TG_ERR_VALUE, "tg_leaky_relu: slope must be finite, got inf", NULL},
    {"tg_pow_scalar", "p NaN", r_pow_nan,
     TG_ERR_VALUE, "tg_pow_scalar: exponent must be finite, got nan", NULL},
    {"tg_add_scalar", "c NaN", r_add_scalar_nan,
     TG_OK, "", NULL},
    {"tg_mul_scalar", "c infinite", r_mul_scalar_inf,
     TG_OK, "", NULL},
    {"tg_matmul", "rank 1", r_matmul_rank,
     TG_ERR_SHAPE, "tg_matmul: inputs must have rank 2 or 3: (3) x (3,4)", NULL},
    {"tg_matmul", "inner dimensions differ", r_matmul_inner,
     TG_ERR_SHAPE, "tg_matmul: inner dimensions differ: (2,3) x (4,5)", NULL},
    {"tg_matmul", "rank 4", r_matmul_rank4,
     TG_ERR_SHAPE, "tg_matmul: inputs must have rank 2 or 3: (2,3,4,5) x (4,5)", NULL},
    {"tg_matmul", "batch sizes differ", r_matmul_batch,
     TG_ERR_SHAPE, "tg_matmul: batch sizes differ: (2,2,3) x (3,3,4)", NULL},
    {"tg_transpose", "axis out of range", r_transpose_axis,
     TG_ERR_RANGE, "tg_transpose: axis 2 is out of range for shape (2,3)", NULL},
    {"tg_transpose", "negative axis out of range", r_transpose_neg,
     TG_ERR_RANGE, "tg_transpose: axis -3 is out of range for shape (2,3)", NULL},
    {"tg_reshape", "element counts differ", r_reshape_count,
     TG_ERR_SHAPE, "tg_reshape: element counts differ: (2,3) has 6, (4,2) has 8", NULL},
    {"tg_reshape", "two -1", r_reshape_two_inferred,
     TG_ERR_SHAPE, "tg_reshape: more than one dimension is -1: (-1,-1)", NULL},
    {"tg_reshape", "-1 cannot be inferred", r_reshape_infer,
     TG_ERR_SHAPE, "tg_reshape: cannot infer the -1 in (4,-1): 6 elements of (2,3) are not a multiple of 4", NULL},
    {"tg_reshape", "shape NULL", r_reshape_null,
     TG_ERR_ARG, "tg_reshape: shape is NULL for rank 2", NULL},
    {"tg_reshape", "rank 9", r_reshape_rank,
     TG_ERR_SHAPE, "tg_reshape: rank 9 is outside 0..8", NULL},
    {"tg_reshape", "a zero dimension", r_reshape_zero,
     TG_ERR_SHAPE, "tg_reshape: dimension 0 is 0 (must be >= 1, or -1 once): (0,6)", NULL},
    {"tg_reshape", "element count overflows size_t", r_reshape_overflow,
     TG_ERR_SHAPE, "tg_reshape: element counts differ: (2,3) has 6, (2147483647,2147483647,8) has 36893488113059364864", NULL},
    {"tg_slice", "axis out of range", r_slice_axis,
     TG_ERR_RANGE, "tg_slice: axis 2 is out of range for shape (2,3)", NULL},
    {"tg_slice", "negative start", r_slice_start,
     TG_ERR_RANGE, "tg_slice: start -1 is outside 0..2 for axis 1 of shape (2,3)", NULL},
    {"tg_slice", "zero length", r_slice_len0,
     TG_ERR_RANGE, "tg_slice: length 0 must be >= 1 (axis 1 of shape (2,3))", NULL},
    {"tg_slice", "past the end", r_slice_end,
     TG_ERR_RANGE, "tg_slice: start 2 + length 2 exceeds 3 on axis 1 of shape (2,3)", NULL},
    {"tg_concat", "n 0", r_concat_n0,
     TG_ERR_ARG, "tg_concat: need at least one input, got n = 0", NULL},
    {"tg_concat", "n negative", r_concat_nneg,
     TG_ERR_ARG, "tg_concat: need at least one input, got n = -2", NULL},
    {"tg_concat", "xs NULL", r_concat_xs_null,
     TG_ERR_ARG, "tg_concat: xs is NULL", NULL},
    {"tg_concat", "other dimensions differ", r_concat_shapes,
     TG_ERR_SHAPE, "tg_concat: input 2 has shape (3,4), input 1 has (2,3): they must match outside axis 0", NULL},
    {"tg_concat", "ranks differ", r_concat_rank,
     TG_ERR_SHAPE, "tg_concat: input 2 has shape (3), input 1 has (2,3): they must match outside axis 0", NULL},
    {"tg_concat", "axis out of range", r_concat_axis,
     TG_ERR_RANGE, "tg_concat: axis 2 is out of range for shape (2,3)", NULL},
    {"tg_gather_rows", "idx NULL", r_gather_idx_null,
     TG_ERR_ARG, "tg_gather_rows: idx is NULL", NULL},
    {"tg_gather_rows", "n 0", r_gather_n0,
     TG_ERR_VALUE, "tg_gather_rows: n must be >= 1, got 0", NULL},
    {"tg_gather_rows", "index out of range", r_gather_range,
     TG_ERR_RANGE, "tg_gather_rows: index 2 at position 1 is outside 0..1", NULL},
    {"tg_gather_rows", "negative index", r_gather_neg,
     TG_ERR_RANGE, "tg_gather_rows: index -1 at position 0 is outside 0..1", NULL},
    {"tg_gather_rows", "table of rank 1", r_gather_rank,
     TG_ERR_SHAPE, "tg_gather_rows: table must have rank 2 (V,D), got shape (3)", NULL},
    {"tg_sum_axis", "axis out of range", r_sum_axis_range,
     TG_ERR_RANGE, "tg_sum_axis: axis 2 is outside -2..1 for shape (2,3)", NULL},
    {"tg_sum_axis", "rank 0", r_sum_axis_rank0,
     TG_ERR_RANGE, "tg_sum_axis: axis 0 is outside -0..-1 for shape ()", NULL},
    {"tg_mean_axis", "negative axis out of range", r_mean_axis_range,
     TG_ERR_RANGE, "tg_mean_axis: axis -3 is outside -2..1 for shape (2,3)", NULL},
    {"tg_max_axis", "axis out of range", r_max_axis_range,
     TG_ERR_RANGE, "tg_max_axis: axis 4 is outside -4..3 for shape (2,3,4,5)", NULL},
    {"tg_softmax", "rank 0", r_softmax_rank0,
     TG_ERR_SHAPE, "tg_softmax: input must have rank >= 1 (it works along the last axis): got shape ()", NULL},
    {"tg_log_softmax", "rank 0", r_log_softmax_rank0,
     TG_ERR_SHAPE, "tg_log_softmax: input must have rank >= 1 (it works along the last axis): got shape ()", NULL},
    {"tg_mse_loss", "shapes differ", r_mse_shapes,
     TG_ERR_SHAPE, "tg_mse_loss: shapes differ: (2,3) vs (3,4)", NULL},
    {"tg_bce_loss", "p outside [0,1]", r_bce_p,
     TG_ERR_VALUE, "tg_bce_loss: p must lie in [0,1]: p[3] = 1.2", NULL},
    {"tg_bce_loss", "target outside [0,1]", r_bce_target,
     TG_ERR_VALUE, "tg_bce_loss: target must lie in [0,1]: target[0] = -0.9", NULL},
    {"tg_bce_loss", "shapes differ", r_bce_shapes,
     TG_ERR_SHAPE, "tg_bce_loss: shapes differ: (2,3) vs (3)", NULL},
    {"tg_bce_with_logits", "target outside [0,1]", r_bcel_target,
     TG_ERR_VALUE, "tg_bce_with_logits: target must lie in [0,1]: target[1] = 2", NULL},
    {"tg_bce_with_logits", "shapes differ", r_bcel_shapes,
     TG_ERR_SHAPE, "tg_bce_with_logits: shapes differ: (3,4) vs (2,3)", NULL},
    {"tg_cross_entropy", "labels NULL", r_ce_labels_null,
     TG_ERR_ARG, "tg_cross_entropy: labels is NULL", NULL},
    {"tg_cross_entropy", "logits of rank 1", r_ce_rank,
     TG_ERR_SHAPE, "tg_cross_entropy: logits must have rank 2 (N,C): got (3)", NULL},
    {"tg_cross_entropy", "label out of range", r_ce_label,
     TG_ERR_RANGE, "tg_cross_entropy: label 3 at row 1 is outside 0..2", NULL},
    {"tg_cross_entropy", "negative label", r_ce_label_neg,
     TG_ERR_RANGE, "tg_cross_entropy: label -1 at row 0 is outside 0..2", NULL},
    {"tg_op_table", "n NULL", r_op_table_null,
     TG_OK, "", NULL},
    {"tg_op_info_of", "NULL, and an op that is not built in", r_op_info_of,
     TG_OK, "", NULL},
    {"tg_gradcheck_defaults", "no arguments", r_gc_defaults,
     TG_OK, "", NULL},
    {"tg_gradcheck", "f NULL", r_gc_f_null,
     TG_ERR_ARG, "tg_gradcheck: f is NULL", NULL},
    {"tg_gradcheck", "params NULL", r_gc_params_null,
     TG_ERR_ARG, "tg_gradcheck: params is NULL", NULL},
    {"tg_gradcheck", "n_params 0", r_gc_n0,
     TG_ERR_ARG, "tg_gradcheck: n_params must be >= 1", NULL},
    {"tg_gradcheck", "params[0] NULL", r_gc_param_null,
     TG_ERR_ARG, "tg_gradcheck: params[0] is NULL", NULL},
    {"tg_gradcheck", "a parameter without gradient buffer", r_gc_no_grad,
     TG_ERR_ARG, "tg_gradcheck: params[0] must be a long-lived tensor with a gradient buffer (tg_param_new)", NULL},
    {"tg_gradcheck", "a step tensor as parameter", r_gc_step,
     TG_ERR_ARG, "tg_gradcheck: params[0] must be a long-lived tensor with a gradient buffer (tg_param_new)", NULL},
    {"tg_gradcheck", "eps 0", r_gc_eps,
     TG_ERR_VALUE, "tg_gradcheck: need eps > 0, atol >= 0, rtol >= 0; got eps=0 atol=1e-05 rtol=0.001", NULL},
    {"tg_gradcheck", "f returns 6 elements", r_gc_vec,
     TG_ERR_SHAPE, "tg_gradcheck: the function must return one element, got shape (2,3)", NULL},
    {"tg_gradcheck", "f fails", r_gc_fails,
     TG_ERR_SHAPE, "tg_gradcheck: the function failed: tg_matmul: inner dimensions differ: (2,3) x (2,3)", NULL},
    {"tg_params_add", "ps NULL", r_padd_ps_null,
     TG_ERR_ARG, "tg_params_add: ps is NULL", NULL},
    {"tg_params_add", "p NULL", r_padd_p_null,
     TG_ERR_ARG, "tg_params_add: p is NULL", NULL},
    {"tg_params_add", "a step tensor", r_padd_step,
     TG_ERR_ARG, "tg_params_add: '' must be a long-lived tensor with a gradient buffer (tg_param_new)", NULL},
    {"tg_params_add", "no gradient buffer", r_padd_no_grad,
     TG_ERR_ARG, "tg_params_add: 'c' must be a long-lived tensor with a gradient buffer (tg_param_new)", NULL},
    {"tg_params_add", "the same tensor twice", r_padd_twice,
     TG_ERR_ARG, "tg_params_add: tensor 'a.0.b' is already in the list", NULL},
    {"tg_params_add", "a duplicate name", r_padd_dup_name,
     TG_ERR_ARG, "tg_params_add: duplicate parameter name 'a.0.W'", NULL},
    {"tg_params_free", "NULL", r_pfree_null,
     TG_OK, "", NULL},
    {"tg_params_zero_grad", "NULL", r_pzero_null,
     TG_OK, "", NULL},
    {"tg_params_find", "NULL list, NULL name, unknown name", r_pfind_null,
     TG_OK, "", NULL},
    {"tg_params_numel", "NULL", r_pnumel_null,
     TG_OK, "", NULL},
    {"tg_checkpoint_meta_add", "m NULL", r_meta_add_null,
     TG_ERR_ARG, "tg_checkpoint_meta_add: m is NULL", NULL},
    {"tg_checkpoint_meta_add", "meta full", r_meta_add_full,
     TG_ERR_RANGE, "tg_checkpoint_meta_add: meta holds 32 words (at most 32)", NULL},
    {"tg_checkpoint_meta_add", "n negative", r_meta_add_neg,
     TG_ERR_RANGE, "tg_checkpoint_meta_add: meta holds -1 words (at most 32)", NULL},
    {"tg_checkpoint_meta_add_rng", "m NULL", r_meta_rng_null,
     TG_ERR_ARG, "tg_checkpoint_meta_add_rng: m is NULL", NULL},
    {"tg_checkpoint_meta_add_rng", "r NULL", r_meta_rng_r_null,
     TG_ERR_ARG, "tg_checkpoint_meta_add_rng: r is NULL", NULL},
    {"tg_checkpoint_meta_add_rng", "no room for 6 words", r_meta_rng_room,
     TG_ERR_RANGE, "tg_checkpoint_meta_add_rng: meta holds 27 words, no room for 6 more (at most 32)", NULL},
    {"tg_checkpoint_meta_get_rng", "m NULL", r_meta_get_null,
     TG_ERR_ARG, "tg_checkpoint_meta_get_rng: m is NULL", NULL},
    {"tg_checkpoint_meta_get_rng", "r NULL", r_meta_get_r_null,
     TG_ERR_ARG, "tg_checkpoint_meta_get_rng: r is NULL", NULL},
    {"tg_checkpoint_meta_get_rng", "words past the end", r_meta_get_range,
     TG_ERR_RANGE, "tg_checkpoint_meta_get_rng: words 2..7 are not in use (meta holds 7)", NULL},
    {"tg_checkpoint_meta_get_rng", "negative position", r_meta_get_neg,
     TG_ERR_RANGE, "tg_checkpoint_meta_get_rng: words -1..4 are not in use (meta holds 7)", NULL},
    {"tg_checkpoint_save", "path NULL", r_save_path_null,
     TG_ERR_ARG, "tg_checkpoint_save: path is NULL", NULL},
    {"tg_checkpoint_save", "path empty", r_save_path_empty,
     TG_ERR_ARG, "tg_checkpoint_save: path is empty", NULL},
    {"tg_checkpoint_save", "n_lists negative", r_save_n_neg,
     TG_ERR_ARG, "tg_checkpoint_save: $DIR/a.ckpt: n_lists is -1", NULL},
    {"tg_checkpoint_save", "lists NULL with n_lists 2", r_save_lists_null,
     TG_ERR_ARG, "tg_checkpoint_save: $DIR/a.ckpt: lists is NULL but n_lists is 2", NULL},
    {"tg_checkpoint_save", "a NULL list", r_save_list_null,
     TG_ERR_ARG, "tg_checkpoint_save: $DIR/a.ckpt: list 1 is NULL", NULL},
    {"tg_checkpoint_save", "an unnamed tensor", r_save_unnamed,
     TG_ERR_ARG, "tg_checkpoint_save: $DIR/a.ckpt: list 0 entry 0 has no name (checkpoints match tensors by name)", NULL},
    {"tg_checkpoint_save", "duplicate names", r_save_dup,
     TG_ERR_ARG, "tg_checkpoint_save: $DIR/a.ckpt: duplicate tensor name 'a.0.W' (list 0 entry 0 and list 1 entry 0)", NULL},
    {"tg_checkpoint_save", "a step tensor", r_save_step,
     TG_ERR_ARG, "tg_checkpoint_save: $DIR/a.ckpt: list 0 entry 0 ('x') is a step tensor of a tape; only long-lived tensors can be checkpointed", NULL},
    {"tg_checkpoint_save", "meta->n 33", r_save_meta,
     TG_ERR_ARG, "tg_checkpoint_save: $DIR/a.ckpt: meta->n is 33 (must be 0..32)", NULL},
    {"tg_checkpoint_save", "folder does not exist", r_save_dir,
     TG_ERR_IO, "tg_checkpoint_save: $DIR/no/such/dir/x.ckpt: cannot create temporary file $DIR/no/such/dir/x.ckpt.tmp.$PID: No such file or directory", NULL},
    {"tg_checkpoint_load", "path NULL", r_load_path_null,
     TG_ERR_ARG, "tg_checkpoint_load: path is NULL", NULL},
    {"tg_checkpoint_load", "no such file", r_load_missing,
     TG_ERR_IO, "tg_checkpoint_load: $DIR/missing: cannot open: No such file or directory", NULL},
    {"tg_checkpoint_load", "a checkpoint of another model", r_load_other_model,
     TG_ERR_ARG, "tg_checkpoint_load: $DIR/b.ckpt: tensor 'a.0.W' of the model is not in the file", NULL},
    {"tg_checkpoint_load", "the file holds more tensors", r_load_extra,
     TG_ERR_ARG, "tg_checkpoint_load: $DIR/a.ckpt: the file holds 13 tensors, the model 4: 'a.0.W.exp_avg' is not in the model", NULL},
    {"tg_checkpoint_load", "same names, other shapes", r_load_shape,
     TG_ERR_SHAPE, "tg_checkpoint_load: $DIR/a_wide.ckpt: tensor 'a.0.W' has shape (3,5) in the file but (3,4) in the model", NULL},
    {"tg_checkpoint_load", "a corrupted byte", r_load_corrupt,
     TG_ERR_FORMAT, "tg_checkpoint_load: $DIR/corrupt.ckpt: checksum mismatch (corrupted file): stored 0x*", NULL},
    {"tg_checkpoint_load", "a folder", r_load_dir,
     TG_ERR_IO, "tg_checkpoint_load: $DIR: read error: Is a directory", NULL},
    {"tg_checkpoint_load_mem", "buf NULL with n 10", r_load_mem_null,
     TG_ERR_ARG, "tg_checkpoint_load: buf: buf is NULL", "tg_checkpoint_load"},
    {"tg_checkpoint_load_mem", "no bytes", r_load_mem_empty,
     TG_ERR_FORMAT, "tg_checkpoint_load: <memory>: truncated: the magic at byte 0 needs 8 bytes, the file ends at byte 0", "tg_checkpoint_load"},
    {"tg_checkpoint_load_mem", "not a checkpoint", r_load_mem_text,
     TG_ERR_FORMAT, "tg_checkpoint_load: greeting: bad magic (not a tapegrad checkpoint)", "tg_checkpoint_load"},
    {"tg_show_defaults", "no arguments", r_show_defaults,
     TG_OK, "", NULL},
    {"tg_name", "x NULL, name NULL", r_name_null,
     TG_OK, "", NULL},
    {"tg_find", "NULL tape, NULL name, unknown name", r_find_null,
     TG_OK, "", NULL},
    {"tg_tape_print", "out NULL", r_print_out_null,
     TG_ERR_ARG, "tg_tape_print: out is NULL", NULL},
    {"tg_tape_print", "tape NULL", r_print_tape_null,
     TG_ERR_ARG, "tg_tape_print: tape is NULL", NULL},
    {"tg_tape_print", "root from before tg_tape_reset", r_print_stale,
     TG_ERR_STATE, "tg_tape_print: root belongs to another tape or to a step before the last tg_tape_reset", NULL},
    {"tg_tape_dot", "out NULL", r_dot_out_null,
     TG_ERR_ARG, "tg_tape_dot: out is NULL", NULL},
    {"tg_tape_dot", "tape NULL", r_dot_tape_null,
     TG_ERR_ARG, "tg_tape_dot: tape is NULL", NULL},
    {"tg_tape_dot", "root of another tape", r_dot_other,
     TG_ERR_STATE, "tg_tape_dot: root belongs to another tape or to a step before the last tg_tape_reset", NULL},
    {"tg_backward_trace", "out NULL", r_trace_out_null,
     TG_ERR_ARG, "tg_backward_trace: out is NULL", NULL},
    {"tg_backward_trace", "tape NULL", r_trace_tape_null,
     TG_ERR_ARG, "tg_backward_trace: tape is NULL", NULL},
    {"tg_backward_trace", "y NULL", r_trace_y_null,
     TG_ERR_ARG, "tg_backward: argument 1 (y) is NULL", "tg_backward"},
    {"tg_backward_trace", "the tape has failed", r_trace_failed,
     TG_ERR_SHAPE, "tg_first: the first error: (2,3)", NULL},
    {"tg_handcheck_defaults", "no arguments", r_hc_defaults,
     TG_OK, "", NULL},
    {"tg_handcheck", "f NULL", r_hc_f_null,
     TG_ERR_ARG, "tg_handcheck: f is NULL", NULL},
    {"tg_handcheck", "a parameter without gradient buffer", r_hc_param,
     TG_ERR_ARG, "tg_handcheck: params[0] must be a long-lived tensor with a gradient buffer (tg_param_new)", NULL},
    {"tg_handcheck", "a hand without grad and fn", r_hc_hand,
     TG_ERR_ARG, "tg_handcheck: hands[0] needs a name and grad or fn", NULL},
    {"tg_handcheck", "no tensor of that name", r_hc_name,
     TG_ERR_ARG, "tg_handcheck: no tensor named 'zz'", NULL},
    {"tg_handcheck", "5 hand values for 6 elements", r_hc_size,
     TG_ERR_SHAPE, "tg_handcheck: 'p' has shape (2,3) (6 elements); 5 hand values given", NULL},
    {"tg_handcheck", "eps negative", r_hc_eps,
     TG_ERR_VALUE, "tg_handcheck: eps must be > 0, got -1", NULL},
    {"tg_handcheck", "f fails", r_hc_fails,
     TG_ERR_SHAPE, "tg_handcheck: the function failed: tg_matmul: inner dimensions differ: (2,3) x (2,3)", NULL},
    {"tg_jacobian_view", "f NULL", r_jac_f_null,
     TG_ERR_ARG, "tg_jacobian_view: f is NULL", NULL},
    {"tg_jacobian_view", "x NULL", r_jac_x_null,
     TG_ERR_ARG, "tg_jacobian_view: x is NULL", NULL},
    {"tg_jacobian_view", "res NULL", r_jac_res_null,
     TG_ERR_ARG, "tg_jacobian_view: res is NULL", NULL},
    {"tg_jacobian_view", "x has 120 elements", r_jac_big,
     TG_ERR_SHAPE, "tg_jacobian_view: x has 120 elements; at most 16 are shown", NULL},
    {"tg_jacobian_view", "f fails", r_jac_fails,
     TG_ERR_SHAPE, "tg_jacobian_view: f failed: tg_matmul: inner dimensions differ: (2,3) x (2,3)", NULL},
    {"tg_jacobian_view", "u of another shape", r_jac_u,
     TG_ERR_SHAPE, "tg_jacobian_view: u must have as many elements as y", NULL},
    {"tg_set_num_threads", "n 0", r_threads_0,
     TG_ERR_VALUE, "tg_set_num_threads: n must be in 1..64, got 0", NULL},
    {"tg_set_num_threads", "n 65", r_threads_65,
     TG_ERR_VALUE, "tg_set_num_threads: n must be in 1..64, got 65", NULL},
    {"tg_get_num_threads", "no arguments", r_threads_get,
     TG_OK, "", NULL},
    {"tg_act_name", "activation out of range", r_act_name,
     TG_OK, "", NULL},
    {"tg_activate", "unknown activation", r_activate_act,
     TG_ERR_ARG, "tg_activate: unknown activation 12", NULL},
    {"tg_init_for_act", "activation out of range", r_init_for_act,
     TG_OK, "", NULL},
    {"tg_init_uniform", "x NULL", r_init_uniform_x,
     TG_ERR_ARG, "tg_init_uniform: tensor is NULL", NULL},
    {"tg_init_uniform", "rng NULL", r_init_uniform_r,
     TG_ERR_ARG, "tg_init_uniform: rng is NULL", NULL},
    {"tg_init_uniform", "negative bound", r_init_uniform_bound,
     TG_ERR_ARG, "tg_init_uniform: bound must be finite and >= 0, got -1", NULL},
    {"tg_init_uniform", "bound NaN", r_init_uniform_nan,
     TG_ERR_ARG, "tg_init_uniform: bound must be finite and >= 0, got nan", NULL},
    {"tg_init_glorot", "fan_in 0", r_init_glorot,
     TG_ERR_ARG, "tg_init_glorot: fans must be >= 1, got fan_in 0 fan_out 3", NULL},
    {"tg_init_he", "fan_in negative", r_init_he,
     TG_ERR_ARG, "tg_init_he: fan_in must be >= 1, got -2", NULL},
    {"tg_init_weights", "W NULL", r_init_w_null,
     TG_ERR_ARG, "tg_init_weights: W is NULL", NULL},
    {"tg_init_weights", "fan_out 0", r_init_w_fans,
     TG_ERR_ARG, "tg_init_weights: fans must be >= 1, got fan_in 2 fan_out 0", NULL},
    {"tg_init_weights", "rng NULL", r_init_w_rng,
     TG_ERR_ARG, "tg_init_weights: rng is NULL (only TG_INIT_ZEROS needs none)", NULL},
    {"tg_init_weights", "unknown scheme", r_init_w_scheme,
     TG_ERR_ARG, "tg_init_weights: unknown scheme 9", NULL},
    {"tg_embedding_new", "prefix NULL", r_emb_prefix,
     TG_ERR_ARG, "tg_embedding_new: prefix is NULL", NULL},
    {"tg_embedding_new", "prefix too long", r_emb_prefix_long,
     TG_ERR_ARG, "tg_embedding_new: prefix 'a_prefix_much_longer_than_32_chars' must have 1..32 characters, has 34", NULL},
    {"tg_embedding_new", "num 0", r_emb_num,
     TG_ERR_ARG, "tg_embedding_new: num must be >= 1, got 0", NULL},
    {"tg_embedding_new", "dim negative", r_emb_dim,
     TG_ERR_ARG, "tg_embedding_new: dim must be >= 1, got -3", NULL},
    {"tg_embedding_new", "rng NULL", r_emb_rng,
     TG_ERR_ARG, "tg_embedding_new: rng is NULL", NULL},
    {"tg_embedding_free", "NULL", r_emb_free,
     TG_OK, "", NULL},
    {"tg_embedding_params", "layer NULL", r_emb_params,
     TG_ERR_ARG, "tg_embedding_params: layer is NULL", NULL},
    {"tg_embedding_params", "ps NULL", r_emb_params_ps,
     TG_ERR_ARG, "tg_params_add: ps is NULL", "tg_params_add"},
    {"tg_embedding_forward", "tape NULL", r_emb_fwd_tape,
     TG_ERR_ARG, "tg_embedding_forward: tape is NULL", NULL},
    {"tg_embedding_forward", "layer NULL", r_emb_fwd_null,
     TG_ERR_ARG, "tg_embedding_forward: layer is NULL", NULL},
    {"tg_embedding_forward", "idx NULL", r_emb_fwd_idx,
     TG_ERR_ARG, "tg_embedding_forward: idx is NULL", NULL},
    {"tg_embedding_forward", "n 0", r_emb_fwd_n,
     TG_ERR_ARG, "tg_embedding_forward: 'emb': n must be >= 1, got 0", NULL},
    {"tg_embedding_forward", "index out of range", r_emb_fwd_range,
     TG_ERR_RANGE, "tg_embedding_forward: 'emb': idx[1] = 5 is out of range 0..4", NULL},
    {"tg_embedding_forward", "negative index", r_emb_fwd_neg,
     TG_ERR_RANGE, "tg_embedding_forward: 'emb': idx[0] = -1 is out of range 0..4", NULL},
    {"tg_embedding_forward", "the tape has failed", r_emb_fwd_failed,
     TG_ERR_SHAPE, "tg_first: the first error: (2,3)", NULL},
    {"tg_linear_new", "prefix empty", r_lin_prefix,
     TG_ERR_ARG, "tg_linear_new: prefix '' must have 1..32 characters, has 0", NULL},
    {"tg_linear_new", "in 0", r_lin_in,
     TG_ERR_ARG, "tg_linear_new: in must be >= 1, got 0", NULL},
    {"tg_linear_new", "out negative", r_lin_out,
     TG_ERR_ARG, "tg_linear_new: out must be >= 1, got -1", NULL},
    {"tg_linear_new", "rng NULL", r_lin_rng,
     TG_ERR_ARG, "tg_init_weights: rng is NULL (only TG_INIT_ZEROS needs none)", "tg_init_weights"},
    {"tg_linear_new", "unknown init scheme", r_lin_init,
     TG_ERR_ARG, "tg_init_weights: unknown scheme 7", "tg_init_weights"},
    {"tg_linear_free", "NULL", r_lin_free,
     TG_OK, "", NULL},
    {"tg_linear_params", "layer NULL", r_lin_params,
     TG_ERR_ARG, "tg_linear_params: layer is NULL", NULL},
    {"tg_linear_params", "ps NULL", r_lin_params_ps,
     TG_ERR_ARG, "tg_params_add: ps is NULL", "tg_params_add"},
    {"tg_linear_params", "added twice", r_lin_params_dup,
     TG_ERR_ARG, "tg_params_add: tensor 'lin.W' is already in the list", "tg_params_add"},
    {"tg_linear_forward", "layer NULL", r_lin_fwd_null,
     TG_ERR_ARG, "tg_linear_forward: layer is NULL", NULL},
    {"tg_linear_forward", "x of another width", r_lin_fwd_dim,
     TG_ERR_SHAPE, "tg_linear_forward: 'lin': x must have last dimension 3, got (4,5)", NULL},
    {"tg_linear_forward", "x of rank 0", r_lin_fwd_rank0,
     TG_ERR_SHAPE, "tg_linear_forward: 'lin': x must have last dimension 3, got ()", NULL},
    {"tg_mlp_new", "sizes NULL", r_mlp_sizes_null,
     TG_ERR_ARG, "tg_mlp_new: need at least 2 sizes (input and output), got 0", NULL},
    {"tg_mlp_new", "one size", r_mlp_n_sizes,
     TG_ERR_ARG, "tg_mlp_new: need at least 2 sizes (input and output), got 1", NULL},
    {"tg_mlp_new", "a zero size", r_mlp_size0,
     TG_ERR_ARG, "tg_mlp_new: sizes[2] must be >= 1, got 0", NULL},
    {"tg_mlp_new", "unknown activation", r_mlp_act,
     TG_ERR_ARG, "tg_mlp_new: unknown hidden activation 40", NULL},
    {"tg_mlp_new", "rng NULL", r_mlp_rng,
     TG_ERR_ARG, "tg_mlp_new: rng is NULL", NULL},
    {"tg_mlp_new", "prefix NULL", r_mlp_prefix,
     TG_ERR_ARG, "tg_mlp_new: prefix is NULL", NULL},
    {"tg_mlp_free", "NULL", r_mlp_free,
     TG_OK, "", NULL},
    {"tg_mlp_params", "mlp NULL", r_mlp_params,
     TG_ERR_ARG, "tg_mlp_params: mlp is NULL", NULL},
    {"tg_mlp_params", "added twice", r_mlp_params_dup,
     TG_ERR_ARG, "tg_params_add: tensor 'a.0.W' is already in the list", "tg_params_add"},
    {"tg_mlp_forward", "mlp NULL", r_mlp_fwd_null,
     TG_ERR_ARG, "tg_mlp_forward: mlp is NULL", NULL},
    {"tg_mlp_forward", "x of another width", r_mlp_fwd_dim,
     TG_ERR_SHAPE, "tg_linear_forward: 'a.0': x must have last dimension 3, got (4,5)", "tg_linear_forward"},
    {"tg_neuron_new", "prefix empty", r_neu_prefix,
     TG_ERR_ARG, "tg_neuron_new: prefix '' must have 1..32 characters, has 0", NULL},
    {"tg_neuron_new", "in 0", r_neu_in,
     TG_ERR_ARG, "tg_neuron_new: in must be >= 1, got 0", NULL},
    {"tg_neuron_new", "unknown activation", r_neu_act,
     TG_ERR_ARG, "tg_neuron_new: unknown activation -1", NULL},
    {"tg_neuron_free", "NULL", r_neu_free,
     TG_OK, "", NULL},
    {"tg_neuron_params", "neuron NULL", r_neu_params,
     TG_ERR_ARG, "tg_neuron_params: neuron is NULL", NULL},
    {"tg_neuron_preact", "neuron NULL", r_neu_preact_null,
     TG_ERR_ARG, "tg_neuron_preact: neuron is NULL", NULL},
    {"tg_neuron_preact", "x of another shape", r_neu_preact_shape,
     TG_ERR_SHAPE, "tg_neuron_preact: 'neu': x must have shape (N,3), got (4,5)", NULL},
    {"tg_neuron_forward", "x of rank 1", r_neu_fwd_shape,
     TG_ERR_SHAPE, "tg_neuron_preact: 'neu': x must have shape (N,3), got (3)", "tg_neuron_preact"},
    {"tg_perceptron_loss", "y of another size", r_perc_y,
     TG_ERR_SHAPE, "tg_perceptron_loss: 'neu': y must have 2 elements, shape (2) or (2,1), got (3)", NULL},
    {"tg_perceptron_loss", "neuron NULL", r_perc_null,
     TG_ERR_ARG, "tg_neuron_preact: neuron is NULL", "tg_neuron_preact"},
    {"tg_neuron_l2_loss", "y of another size", r_l2_y,
     TG_ERR_SHAPE, "tg_neuron_l2_loss: 'neu': y must have 2 elements, shape (2) or (2,1), got (3,4)", NULL},
    {"tg_rnn_kind_name", "kind out of range", r_rnn_kind_name,
     TG_OK, "", NULL},
    {"tg_rnn_new", "prefix NULL", r_rnn_prefix,
     TG_ERR_ARG, "tg_rnn_new: prefix is NULL", NULL},
    {"tg_rnn_new", "cfg NULL", r_rnn_cfg,
     TG_ERR_ARG, "tg_rnn_new: cfg is NULL", NULL},
    {"tg_rnn_new", "rng NULL", r_rnn_rng,
     TG_ERR_ARG, "tg_rnn_new: rng is NULL", NULL},
    {"tg_rnn_new", "unknown kind", r_rnn_kind,
     TG_ERR_ARG, "tg_rnn_new: unknown kind 7", NULL},
    {"tg_rnn_new", "input_size 0", r_rnn_input,
     TG_ERR_ARG, "tg_rnn_new: input_size must be >= 1, got 0", NULL},
    {"tg_rnn_new", "hidden_size negative", r_rnn_hidden,
     TG_ERR_ARG, "tg_rnn_new: hidden_size must be >= 1, got -4", NULL},
    {"tg_rnn_new", "num_layers 0", r_rnn_layers,
     TG_ERR_ARG, "tg_rnn_new: num_layers must be >= 1, got 0", NULL},
    {"tg_rnn_new", "hidden_size too large", r_rnn_hidden_huge,
     TG_ERR_ARG, "tg_rnn_new: hidden_size 1073741823 is too large", NULL},
    {"tg_rnn_free", "NULL", r_rnn_free,
     TG_OK, "", NULL},
    {"tg_rnn_params", "layer NULL", r_rnn_params,
     TG_ERR_ARG, "tg_rnn_params: layer is NULL", NULL},
    {"tg_rnn_params", "ps NULL", r_rnn_params_ps,
     TG_ERR_ARG, "tg_params_add: ps is NULL", "tg_params_add"},
    {"tg_rnn_forward", "tape NULL", r_rnnf_tape,
     TG_ERR_ARG, "tg_rnn_forward: tape is NULL", NULL},
    {"tg_rnn_forward", "layer NULL", r_rnnf_layer,
     TG_ERR_ARG, "tg_rnn_forward: layer is NULL", NULL},
    {"tg_rnn_forward", "x NULL", r_rnnf_x,
     TG_ERR_ARG, "tg_rnn_forward: 'lstm': x is NULL", NULL},
    {"tg_rnn_forward", "x of rank 2", r_rnnf_rank,
     TG_ERR_SHAPE, "tg_rnn_forward: 'lstm': x must have shape (T,B,3), got (2,3)", NULL},
    {"tg_rnn_forward", "x of another width", r_rnnf_F,
     TG_ERR_SHAPE, "tg_rnn_forward: 'lstm': x must have shape (T,B,3), got (2,1,4)", NULL},
    {"tg_rnn_forward", "x from before tg_tape_reset", r_rnnf_stale,
     TG_ERR_STATE, "tg_rnn_forward: 'lstm': x belongs to another tape or to a step before the last tg_tape_reset", NULL},
    {"tg_rnn_forward", "h0 of another shape", r_rnnf_h0,
     TG_ERR_SHAPE, "tg_rnn_forward: 'lstm': h0 must have shape (1,1,4), got (2,3)", NULL},
    {"tg_rnn_forward", "h0 of another tape", r_rnnf_h0_other,
     TG_ERR_STATE, "tg_rnn_forward: 'lstm': h0 belongs to another tape or to a step before the last tg_tape_reset", NULL},
    {"tg_rnn_forward", "c0 for a GRU", r_rnnf_c0_gru,
     TG_ERR_ARG, "tg_rnn_forward: 'gru': c0 is only used by LSTM layers, this is gru", NULL},
    {"tg_rnn_forward", "the tape has failed", r_rnnf_failed,
     TG_ERR_SHAPE, "tg_first: the first error: (2,3)", NULL},
    {"tg_rnn_cell", "tape NULL", r_cell_tape,
     TG_ERR_ARG, "tg_rnn_cell: tape is NULL", NULL},
    {"tg_rnn_cell", "layer out of range", r_cell_layer,
     TG_ERR_RANGE, "tg_rnn_cell: 'lstm': layer 1 is out of range 0..0", NULL},
    {"tg_rnn_cell", "h_out NULL", r_cell_hout,
     TG_ERR_ARG, "tg_rnn_cell: 'lstm': h_out is NULL", NULL},
    {"tg_rnn_cell", "x of another width", r_cell_x,
     TG_ERR_SHAPE, "tg_rnn_cell: 'lstm': layer 0: x must have shape (B,3), got (3,4)", NULL},
    {"tg_rnn_cell", "h of another shape", r_cell_h,
     TG_ERR_SHAPE, "tg_rnn_cell: 'lstm': h must have shape (2,4), got (2,3)", NULL},
    {"tg_sgd_defaults", "no arguments", r_defaults,
     TG_OK, "", NULL},
    {"tg_adagrad_defaults", "no arguments", r_defaults,
     TG_OK, "", NULL},
    {"tg_rmsprop_defaults", "no arguments", r_defaults,
     TG_OK, "", NULL},
    {"tg_adam_defaults", "no arguments", r_defaults,
     TG_OK, "", NULL},
    {"tg_adamw_defaults", "no arguments", r_defaults,
     TG_OK, "", NULL},
    {"tg_sgd_new", "ps NULL", r_sgd_ps,
     TG_ERR_ARG, "tg_sgd_new: ps is NULL", NULL},
    {"tg_sgd_new", "empty list", r_sgd_empty,
     TG_ERR_ARG, "tg_sgd_new: the parameter list is empty", NULL},
    {"tg_sgd_new", "lr negative", r_sgd_lr,
     TG_ERR_VALUE, "tg_sgd_new: lr must be finite and >= 0, got -1", NULL},
    {"tg_sgd_new", "nesterov without momentum", r_sgd_nesterov,
     TG_ERR_VALUE, "tg_sgd_new: nesterov needs momentum > 0 and dampening == 0, got momentum 0, dampening 0", NULL},
    {"tg_sgd_new", "another optimizer's state as parameters", r_sgd_state_list,
     TG_ERR_ARG, "tg_sgd_new: parameter 0 ('a.0.W.exp_avg') must be a long-lived tensor with a gradient buffer", NULL},
    {"tg_sgd_new", "a NULL entry", r_sgd_entry_null,
     TG_ERR_ARG, "tg_sgd_new: parameter 1 is NULL", NULL},
    {"tg_adagrad_new", "eps 0", r_adagrad_eps,
     TG_ERR_VALUE, "tg_adagrad_new: eps must be finite and > 0, got 0", NULL},
    {"tg_adagrad_new", "ps NULL", r_adagrad_ps,
     TG_ERR_ARG, "tg_adagrad_new: ps is NULL", NULL},
    {"tg_rmsprop_new", "alpha 1.5", r_rmsprop_alpha,
     TG_ERR_VALUE, "tg_rmsprop_new: alpha must be in [0, 1], got 1.5", NULL},
    {"tg_rmsprop_new", "ps NULL", r_rmsprop_ps,
     TG_ERR_ARG, "tg_rmsprop_new: ps is NULL", NULL},
    {"tg_adam_new", "beta1 1", r_adam_beta1,
     TG_ERR_VALUE, "tg_adam_new: beta1 must be in [0, 1), got 1", NULL},
    {"tg_adam_new", "lr NaN", r_adam_lr_nan,
     TG_ERR_VALUE, "tg_adam_new: lr must be finite and >= 0, got nan", NULL},
    {"tg_adam_new", "another optimizer's state as parameters", r_adam_other_state,
     TG_ERR_ARG, "tg_adam_new: parameter 0 ('a.0.W.exp_avg') must be a long-lived tensor with a gradient buffer", NULL},
    {"tg_adamw_new", "weight_decay negative", r_adamw_wd,
     TG_ERR_VALUE, "tg_adamw_new: weight_decay must be finite and >= 0, got -1", NULL},
    {"tg_adamw_new", "ps NULL", r_adamw_ps,
     TG_ERR_ARG, "tg_adamw_new: ps is NULL", NULL},
    {"tg_optim_step", "opt NULL", r_step_null,
     TG_ERR_ARG, "tg_optim_step: opt is NULL", NULL},
    {"tg_optim_step", "a NaN gradient (nothing changes)", r_step_nan,
     TG_ERR_VALUE, "tg_optim_step: gradient of 'a.0.b' is not finite at element 2: nan", NULL},
    {"tg_optim_step", "step count not an integer", r_step_count,
     TG_ERR_STATE, "tg_optim_step: the step count in the state is 2.5, not an integer in [0, $STEPMAX)", NULL},
    {"tg_optim_zero_grad", "NULL", r_ozero_null,
     TG_OK, "", NULL},
    {"tg_optim_get_lr", "NULL", r_get_lr_null,
     TG_ERR_ARG, "tg_optim_get_lr: opt is NULL", NULL},
    {"tg_optim_set_lr", "opt NULL", r_set_lr_null,
     TG_ERR_ARG, "tg_optim_set_lr: opt is NULL", NULL},
    {"tg_optim_set_lr", "lr negative (unchanged)", r_set_lr_neg,
     TG_ERR_VALUE, "tg_optim_set_lr: lr must be finite and >= 0, got -0.5", NULL},
    {"tg_optim_set_lr", "lr infinite", r_set_lr_inf,
     TG_ERR_VALUE, "tg_optim_set_lr: lr must be finite and >= 0, got inf", NULL},
    {"tg_optim_name", "NULL", r_oname_null,
     TG_OK, "", NULL},
    {"tg_optim_state_size", "NULL", r_state_size_null,
     TG_OK, "", NULL},
    {"tg_optim_free", "NULL", r_ofree_null,
     TG_OK, "", NULL},
    {"tg_optim_state", "opt NULL", r_state_null,
     TG_ERR_ARG, "tg_optim_state: opt is NULL", NULL},
    {"tg_optim_state", "out NULL", r_state_out_null,
     TG_ERR_ARG, "tg_optim_state: out is NULL", NULL},
    {"tg_optim_state", "names already in the list", r_state_twice,
     TG_ERR_ARG, "tg_optim_state: 'a.0.W.exp_avg' is already in the list", NULL},
    {"tg_optim_load_state", "opt NULL", r_load_state_null,
     TG_ERR_ARG, "tg_optim_load_state: opt is NULL", NULL},
    {"tg_optim_load_state", "src NULL", r_load_state_src_null,
     TG_ERR_ARG, "tg_optim_load_state: src is NULL", NULL},
    {"tg_optim_load_state", "state of another model", r_load_state_other,
     TG_ERR_ARG, "tg_optim_load_state: state tensor 'a.0.W.exp_avg' is missing", NULL},
    {"tg_optim_load_state", "same names, other shapes", r_load_state_shape,
     TG_ERR_SHAPE, "tg_optim_load_state: 'a.0.W.exp_avg' has shape (3,5), expected (3,4)", NULL},
    {"tg_optim_load_state", "step count negative", r_load_state_step,
     TG_ERR_VALUE, "tg_optim_load_state: 'optim.step' must be an integer in [0, $STEPMAX), got -3", NULL},
    {"tg_clip_grad_norm", "ps NULL", r_clip_ps,
     TG_ERR_ARG, "tg_clip_grad_norm: ps is NULL", NULL},
    {"tg_clip_grad_norm", "max_norm negative", r_clip_max,
     TG_ERR_VALUE, "tg_clip_grad_norm: max_norm must be >= 0, got -1", NULL},
    {"tg_clip_grad_norm", "norm_type 0", r_clip_type,
     TG_ERR_VALUE, "tg_clip_grad_norm: norm_type must be > 0 (or INFINITY), got 0", NULL},
    {"tg_clip_grad_norm", "an infinite gradient", r_clip_inf,
     TG_ERR_VALUE, "tg_clip_grad_norm: the total gradient norm is not finite (inf); gradients left unchanged", NULL},
    {"tg_clip_grad_value", "ps NULL", r_clipv_ps,
     TG_ERR_ARG, "tg_clip_grad_value: ps is NULL", NULL},
    {"tg_clip_grad_value", "clip negative", r_clipv_neg,
     TG_ERR_VALUE, "tg_clip_grad_value: clip must be >= 0, got -0.5", NULL},
    {"tg_sched_step_decay_new", "opt NULL", r_sd_opt,
     TG_ERR_ARG, "tg_sched_step_decay_new: opt is NULL", NULL},
    {"tg_sched_step_decay_new", "step_size 0", r_sd_size,
     TG_ERR_VALUE, "tg_sched_step_decay_new: step_size must be >= 1, got 0", NULL},
    {"tg_sched_step_decay_new", "gamma 0", r_sd_gamma,
     TG_ERR_VALUE, "tg_sched_step_decay_new: gamma must be finite and > 0, got 0", NULL},
    {"tg_sched_exponential_new", "gamma NaN", r_exp_gamma,
     TG_ERR_VALUE, "tg_sched_exponential_new: gamma must be finite and > 0, got nan", NULL},
    {"tg_sched_exponential_new", "opt NULL", r_exp_opt,
     TG_ERR_ARG, "tg_sched_exponential_new: opt is NULL", NULL},
    {"tg_sched_cosine_new", "T_max 0", r_cos_tmax,
     TG_ERR_VALUE, "tg_sched_cosine_new: T_max must be >= 1, got 0", NULL},
    {"tg_sched_cosine_new", "eta_min negative", r_cos_eta,
     TG_ERR_VALUE, "tg_sched_cosine_new: eta_min must be finite and >= 0, got -1", NULL},
    {"tg_sched_linear_new", "start_factor 1.5", r_lin_start,
     TG_ERR_VALUE, "tg_sched_linear_new: start_factor must be in [0, 1], got 1.5", NULL},
    {"tg_sched_linear_new", "total_iters 0", r_lin_total,
     TG_ERR_VALUE, "tg_sched_linear_new: total_iters must be >= 1, got 0", NULL},
    {"tg_sched_sequential_new", "opt NULL", r_seq_opt,
     TG_ERR_ARG, "tg_sched_sequential_new: opt is NULL", NULL},
    {"tg_sched_sequential_new", "n 0", r_seq_n,
     TG_ERR_VALUE, "tg_sched_sequential_new: n must be >= 1, got 0", NULL},
    {"tg_sched_sequential_new", "a schedule of another optimizer", r_seq_other,
     TG_ERR_ARG, "tg_sched_sequential_new: schedule 1 is bound to another optimizer", NULL},
    {"tg_sched_sequential_new", "milestones not increasing", r_seq_milestones,
     TG_ERR_VALUE, "tg_sched_sequential_new: milestones must be >= 1 and increasing, got 4 at 1", NULL},
    {"tg_sched_sequential_new", "milestones NULL", r_seq_ms_null,
     TG_ERR_ARG, "tg_sched_sequential_new: milestones is NULL", NULL},
    {"tg_sched_sequential_new", "the same schedule twice", r_seq_same,
     TG_ERR_ARG, "tg_sched_sequential_new: schedules 0 and 1 are the same", NULL},
    {"tg_sched_step", "NULL", r_sstep_null,
     TG_ERR_ARG, "tg_sched_step: s is NULL", NULL},
    {"tg_sched_epoch", "NULL", r_sepoch_null,
     TG_OK, "", NULL},
    {"tg_sched_set_epoch", "epoch negative", r_set_epoch_neg,
     TG_ERR_VALUE, "tg_sched_set_epoch: epoch must be in [0, INT_MAX], got -1", NULL},
    {"tg_sched_set_epoch", "NULL", r_set_epoch_null,
     TG_ERR_ARG, "tg_sched_set_epoch: s is NULL", NULL},
    {"tg_sched_lr_at", "negative epoch, NULL", r_lr_at,
     TG_OK, "", NULL},
    {"tg_sched_free", "NULL", r_sfree_null,
     TG_OK, "", NULL},
    {"tg_idx_parse", "out NULL", r_idx_out,
     TG_ERR_ARG, "tg_idx_parse: out is NULL", NULL},
    {"tg_idx_parse", "buf NULL with n 4", r_idx_buf,
     TG_ERR_ARG, "tg_idx_parse: x: buf is NULL", NULL},
    {"tg_idx_parse", "truncated data", r_idx_trunc,
     TG_ERR_FORMAT, "tg_idx_parse: <memory>: truncated: shape (2,3) needs more data than the 3 bytes present", NULL},
    {"tg_idx_parse", "9 dimensions", r_idx_rank,
     TG_ERR_FORMAT, "tg_idx_parse: x: 9 dimensions (must be 1..8)", NULL},
    {"tg_idx_read", "path NULL", r_idx_read_path,
     TG_ERR_ARG, "tg_idx_read: path is NULL", NULL},
    {"tg_idx_read", "out NULL", r_idx_read_out,
     TG_ERR_ARG, "tg_idx_read: out is NULL", NULL},
    {"tg_idx_read", "no such file", r_idx_read_missing,
     TG_ERR_IO, "tg_idx_read: $DIR/missing: No such file or directory", NULL},
    {"tg_idx_read", "truncated file", r_idx_read_trunc,
     TG_ERR_FORMAT, "tg_idx_read: $DIR/x.idx: truncated: shape (5) needs more data than the 2 bytes present", NULL},
    {"tg_idx_free", "NULL", r_idx_free,
     TG_OK, "", NULL},
    {"tg_fashion_mnist_load", "images NULL", r_fm_images,
     TG_ERR_ARG, "tg_fashion_mnist_load: images is NULL", NULL},
    {"tg_fashion_mnist_load", "split NULL", r_fm_split_null,
     TG_ERR_ARG, "tg_fashion_mnist_load: split is NULL", NULL},
    {"tg_fashion_mnist_load", "unknown split", r_fm_split,
     TG_ERR_ARG, "tg_fashion_mnist_load: split is 'val' (must be \"train\", \"t10k\" or \"test\")", NULL},
    {"tg_fashion_mnist_load", "no such folder", r_fm_dir,
     TG_ERR_IO, "tg_fashion_mnist_load: $DIR/missing/train-images-idx3-ubyte.gz: no such file (nor without .gz); install the Debian package dataset-fashion-mnist (apt-get install dataset-fashion-mnist) or give the directory that holds the files", NULL},
    {"tg_csv_parse", "out NULL", r_csv_out,
     TG_ERR_ARG, "tg_csv_parse: out is NULL", NULL},
    {"tg_csv_parse", "buf NULL with n 4", r_csv_buf,
     TG_ERR_ARG, "tg_csv_parse: c: buf is NULL", NULL},
    {"tg_csv_parse", "columns with n_columns 0", r_csv_ncols,
     TG_ERR_ARG, "tg_csv_parse: c: n_columns is 0 (must be >= 1 with columns)", NULL},
    {"tg_csv_parse", "a NULL column name", r_csv_col_null,
     TG_ERR_ARG, "tg_csv_parse: c: columns[1] is NULL", NULL},
    {"tg_csv_parse", "columns NULL with n_columns 2", r_csv_cols_null,
     TG_ERR_ARG, "tg_csv_parse: c: columns is NULL but n_columns is 2", NULL},
    {"tg_csv_parse", "no such column", r_csv_missing_col,
     TG_ERR_FORMAT, "tg_csv_parse: c: line 1: no column 'z' in the header 'x,y'", NULL},
    {"tg_csv_parse", "a line with another number of fields", r_csv_fields,
     TG_ERR_FORMAT, "tg_csv_parse: c: line 2: 3 fields, the header has 2", NULL},
    {"tg_csv_read", "path NULL", r_csv_read_path,
     TG_ERR_ARG, "tg_csv_read: path is NULL", NULL},
    {"tg_csv_read", "no such file", r_csv_read_missing,
     TG_ERR_IO, "tg_csv_read: $DIR/missing: No such file or directory", NULL},
    {"tg_csv_read", "a bad number", r_csv_read_number,
     TG_ERR_FORMAT, "tg_csv_read: $DIR/x.csv: line 3, column 2 ('y'): 'oops' is not a number", NULL},
    {"tg_csv_read", "out NULL", r_csv_read_out,
     TG_ERR_ARG, "tg_csv_read: out is NULL", NULL},
    {"tg_csv_column", "NULL, and an empty struct", r_csv_column,
     TG_OK, "", NULL},
    {"tg_csv_free", "NULL", r_csv_free,
     TG_OK, "", NULL},
    {"tg_text_from", "out NULL", r_text_out,
     TG_ERR_ARG, "tg_text_from: out is NULL", NULL},
    {"tg_text_from", "no bytes", r_text_empty,
     TG_ERR_FORMAT, "tg_text_from: t: the text is empty", NULL},
    {"tg_text_from", "buf NULL with n 3", r_text_buf,
     TG_ERR_ARG, "tg_text_from: <memory>: buf is NULL", NULL},
    {"tg_text_read", "path NULL", r_text_read_path,
     TG_ERR_ARG, "tg_text_read: path is NULL", NULL},
    {"tg_text_read", "no such file", r_text_read_missing,
     TG_ERR_IO, "tg_text_read: $DIR/missing: No such file or directory", NULL},
    {"tg_text_read", "an empty file", r_text_read_empty,
     TG_ERR_FORMAT, "tg_text_read: $DIR/empty.txt: the text is empty", NULL},
    {"tg_text_free", "NULL", r_text_free,
     TG_OK, "", NULL},
};

/* ---- the public headers' functions ---- */

/* Appends to names[] every function declared in the header at path: an identifier
 * tg_xxx followed by '(' outside comments and string literals. */
static int scan_header(const char *path, char names[][40], int n, int cap) {
    FILE *fp = fopen(path, "r");
    CHECK(fp != NULL, "cannot read %s", path);
    if (!fp) return n;
    static char text[1 << 17];
    size_t len = fread(text, 1, sizeof text - 1, fp);
    fclose(fp);
    text[len] = '\0';
    /* Blank out comments and strings so only code remains. */
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '/' && text[i + 1] == '*') {
            size_t j = i + 2;
            while (j + 1 < len && !(text[j] == '*' && text[j + 1] == '/')) j++;
            for (size_t k = i; k < j + 2 && k < len; k++) text[k] = text[k] == '\n' ? '\n' : ' ';
            i = j + 1;
        } else if (text[i] == '/' && text[i + 1] == '/') {
            while (i < len && text[i] != '\n') text[i++] = ' ';
        } else if (text[i] == '"') {
            size_t j = i + 1;
            while (j < len && text[j] != '"') j += text[j] == '\\' ? 2 : 1;
            for (size_t k = i; k <= j && k < len; k++) text[k] = ' ';
            i = j;
        }
    }
    for (size_t i = 0; i + 3 < len; i++) {
        bool start = i == 0 || !(isalnum((unsigned char)text[i - 1]) || text[i - 1] == '_');
        if (!start || strncmp(text + i, "tg_", 3) != 0) continue;
        size_t j = i;
        while (j < len && (isalnum((unsigned char)text[j]) || text[j] == '_')) j++;
        size_t k = j;
        while (k < len && (text[k] == ' ' || text[k] == '\t')) k++;
        size_t q = k + 1; /* "tg_status (*infer)(...)" declares a pointer, not a function */
        while (q < len && (text[q] == ' ' || text[q] == '\t')) q++;
        if (k < len && text[k] == '(' && (q >= len || text[q] != '*') && j - i < 40 && n < cap) {
            char nm[40];
            memcpy(nm, text + i, j - i);
            nm[j - i] = '\0';
            bool dup = false;
            for (int q = 0; q < n && !dup; q++) dup = strcmp(names[q], nm) == 0;
            if (!dup) snprintf(names[n++], 40, "%s", nm);
        }
        i = j;
    }
    return n;
}

/* Every public function has at least one row. */
static void check_api_covered(void) {
    static const char *const folders[] = {
        "autodiff/core", "autodiff/tape", "autodiff/kernels", "autodiff/ops", "autodiff/inspect",
        "autodiff/io", "layers", "optim", "data"};
    static char names[512][40];
    int n = 0, headers = 0;
    for (size_t d = 0; d < sizeof folders / sizeof folders[0]; d++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s/include/tapegrad", TG_SOURCE_ROOT, folders[d]);
        DIR *dp = opendir(path);
        CHECK(dp != NULL, "cannot open %s", path);
        if (!dp) continue;
        struct dirent *e;
        while ((e = readdir(dp))) {
            size_t l = strlen(e->d_name);
            if (strncmp(e->d_name, "tg_", 3) != 0 || l < 3 || strcmp(e->d_name + l - 2, ".h") != 0) continue;
            if (strcmp(e->d_name, "tg_internal.h") == 0) continue; /* not installed */
            char hp[1024];
            snprintf(hp, sizeof hp, "%s/%s", path, e->d_name);
            n = scan_header(hp, names, n, 512);
            headers++;
        }
        closedir(dp);
    }
    int missing = 0;
    for (int i = 0; i < n; i++) {
        bool found = false;
        for (int k = 0; k < n_covered && !found; k++) found = strcmp(covered[k], names[i]) == 0;
        if (!found) {
            missing++;
            printf("public function without a row: %s\n", names[i]);
        }
    }
    printf("%d public functions in %d headers; %d rows (%d known gaps); %d functions have rows\n",
           n, headers, n_rows, n_gaps, n_covered);
    CHECK(missing == 0, "%d public functions have no row in the bad-input matrix", missing);
    CHECK(n > 150, "only %d public functions found: is TG_SOURCE_ROOT right?", n);
}

static void remove_dir(const char *p) {
    DIR *d = opendir(p);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char f[512];
        snprintf(f, sizeof f, "%s/%s", p, e->d_name);
        struct stat sb;
        if (stat(f, &sb) == 0 && S_ISDIR(sb.st_mode)) remove_dir(f);
        else unlink(f);
    }
    closedir(d);
    rmdir(p);
}

int main(int argc, char **argv) {
    dump = argc > 1 && strcmp(argv[1], "--dump") == 0;
    snprintf(dir, sizeof dir, "/tmp/tg_bad_input_%ld", (long)getpid());
    mkdir(dir, 0700);
    size_t live = tg_alloc_live();
    make_files();
    run_generated();
    for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
        const row *r = &rows[k];
        fx f;
        fx_make(&f);
        out o = {0};
        tg_clear_error();
        r->call(&f, &o);
        if (dump) printf("ROW %zu ", k);
        check(r->fn, r->what, &o, r->want, r->msg, r->named);
        fx_free(&f);
        CHECK(tg_alloc_live() == live, "%s (%s): %zu allocations leaked", r->fn, r->what,
              tg_alloc_live() - live);
        live = tg_alloc_live();
    }
    remove_dir(dir);
    check_api_covered();
    CHECK(tg_alloc_live() == live, "%zu allocations live at the end", tg_alloc_live() - live);
    return check_done();
}
