/* bad_input.c — the harness of the bad-input matrix (bad_input.h): the fixture, the
 * captures, the comparison of a row's status and message, the rows shared by every
 * function taking a tape and tensors, and the check that a header's every function
 * has a row. */
#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "bad_input.h"
#include "check.h"

#ifndef TG_SOURCE_ROOT
#define TG_SOURCE_ROOT "."
#endif

char bad_dir[64];

/* ---- the fixture: everything a row may need, fresh for every row ---- */

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
    snprintf(f->ckpt_a, sizeof f->ckpt_a, "%s/a.ckpt", bad_dir);
    snprintf(f->ckpt_b, sizeof f->ckpt_b, "%s/b.ckpt", bad_dir);
    snprintf(f->corrupt, sizeof f->corrupt, "%s/corrupt.ckpt", bad_dir);
    snprintf(f->missing, sizeof f->missing, "%s/missing", bad_dir);
    snprintf(f->csv, sizeof f->csv, "%s/x.csv", bad_dir);
    snprintf(f->idx, sizeof f->idx, "%s/x.idx", bad_dir);
    snprintf(f->txt, sizeof f->txt, "%s/empty.txt", bad_dir);
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
    snprintf(path, sizeof path, "%s/a_wide.ckpt", bad_dir);
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

/* The tape's first error (tape functions); the call must have returned NULL. */
void on_tape(out *o, const tg_tape *t, const void *ret) {
    o->st = tg_tape_status(t);
    snprintf(o->msg, sizeof o->msg, "%s", tg_tape_message(t));
    if (ret) o->bad = "a tensor (expected NULL)";
}

/* The thread's last error (the call was preceded by tg_clear_error). */
void on_thread(out *o) {
    o->st = tg_last_status();
    snprintf(o->msg, sizeof o->msg, "%s", tg_last_error());
}

/* A call returning a status: the status and the thread's message must agree. */
void on_status(out *o, tg_status st) {
    on_thread(o);
    if (st != o->st) o->bad = "the returned status differs from tg_last_status()";
}

/* A constructor or getter that must return NULL. */
void on_null(out *o, const void *ret) {
    on_thread(o);
    if (ret) o->bad = "a pointer (expected NULL)";
}

/* A call whose return value is checked by the row (cond true when right). */
void on_value(out *o, bool cond, const char *expected) {
    on_thread(o);
    if (!cond) o->bad = expected;
}

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
            k += (size_t)snprintf(buf + k, cap - k, "%s", bad_dir);
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

static fx the_fixture;
static size_t live; /* allocations live before the rows (the fixture's files) */

fx *row(out **o, const char *fn, const char *what) {
    fx_make(&the_fixture);
    *o = &the_fixture.o;
    the_fixture.row_fn = fn;
    the_fixture.row_what = what;
    tg_clear_error();
    return &the_fixture;
}

void expect_named(fx *f, tg_status want, const char *msg, const char *named) {
    check(f->row_fn, f->row_what, &f->o, want, msg, named);
    const char *fn = f->row_fn, *what = f->row_what;
    fx_free(f);
    CHECK(tg_alloc_live() == live, "%s (%s): %zu allocations leaked", fn, what, tg_alloc_live() - live);
    live = tg_alloc_live();
}

void expect(fx *f, tg_status want, const char *msg) { expect_named(f, want, msg, NULL); }

/* ---- rows shared by functions taking a tape and tensors ---- */

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

void bad_generated(const gen1 *g1, size_t n1, const gen2 *g2, size_t n2) {
    char want[300], what[64];
    for (size_t k = 0; k < n1; k++) {
        const gen1 *g = &g1[k];
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
    for (size_t k = 0; k < n2; k++) {
        const gen2 *g = &g2[k];
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

/* ---- shared by several programs ---- */

tg_tensor *bad_loss_ok(tg_tape *t, tg_tensor *const *p, int n, void *u) {
    (void)n, (void)u;
    return tg_sum(t, tg_square(t, p[0]));
}
tg_tensor *bad_loss_fail(tg_tape *t, tg_tensor *const *p, int n, void *u) {
    (void)n, (void)u;
    return tg_matmul(t, p[0], p[0]);
}

/* ---- a header's functions ---- */

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

void bad_begin(int argc, char **argv) {
    dump = argc > 1 && strcmp(argv[1], "--dump") == 0;
    snprintf(bad_dir, sizeof bad_dir, "/tmp/tg_bad_input_%ld", (long)getpid());
    mkdir(bad_dir, 0700);
    make_files();
    live = tg_alloc_live();
}

int bad_done(const char *header) {
    static char names[256][40];
    char path[512];
    snprintf(path, sizeof path, "%s/%s", TG_SOURCE_ROOT, header);
    int n = scan_header(path, names, 0, 256);
    int missing = 0;
    for (int i = 0; i < n; i++) {
        bool found = false;
        for (int k = 0; k < n_covered && !found; k++) found = strcmp(covered[k], names[i]) == 0;
        if (!found) {
            missing++;
            printf("public function without a row: %s\n", names[i]);
        }
    }
    printf("%s: %d public functions; %d rows (%d known gaps)\n", header, n, n_rows, n_gaps);
    CHECK(missing == 0, "%d public functions of %s have no row", missing, header);
    CHECK(n > 0, "no function found in %s: is TG_SOURCE_ROOT right?", header);
    remove_dir(bad_dir);
    return check_done();
}
