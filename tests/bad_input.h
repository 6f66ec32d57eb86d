/* bad_input.h — the harness of the bad-input matrix (tests/<room>/bad_<header>.c).
 *
 * Every public function, called with the mistakes a caller makes, must fail cleanly —
 * no crash, no leak — with the exact status code and a message that names the
 * function and the values involved. Mistakes: NULL arguments, wrong rank, mismatched
 * shapes, zero and negative sizes, sizes whose element count overflows size_t, labels
 * and indices out of range, a tensor of a reset tape (a stale tensor: its epoch is
 * old; its memory is still the tape's, so reading it is not a use after free) or of
 * another tape, a tape that has already failed (the first error stays), parameters of
 * another model given to an optimizer, a checkpoint of another model.
 *
 * One program per public header. Each row is three steps, the call next to what it
 * must leave:
 *
 *     f = row(&o, "tg_tensor_new", "rank -1");
 *     on_null(o, tg_tensor_new(-1, (int[]){2}, 0));
 *     expect(f, TG_ERR_SHAPE, "tg_tensor_new: rank -1 is outside 0..8");
 *
 * row() makes a fresh fixture (tapes, tensors, two models with optimizers, a
 * checkpoint of each) and clears the thread's error; on_*() captures what the call
 * left; expect() compares status and message exactly ("$DIR" stands for the test's
 * temporary folder), checks that the message starts with "<fn>:" (unless the row
 * expects the failed tape's earlier message, FIRST), frees the fixture and checks
 * that nothing leaked. bad_generated() runs the rows shared by every function taking
 * a tape and tensors (NULL tape, NULL tensor, stale tensor, tensor of another tape,
 * failed tape). bad_done(header) FAILS if a function declared in the header (outside
 * comments) has no row in the program. `<program> --dump` prints every row's status
 * and message instead of checking them (for writing new rows).
 */
#ifndef TG_TEST_BAD_INPUT_H
#define TG_TEST_BAD_INPUT_H

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <tapegrad.h>
#include <tg/core.h> /* tg__alloc_fail_after: out-of-memory rows */

/* The failed tape's message (every fixture's tf has failed with it). */
#define FIRST "tg_first: the first error: (2,3)"

typedef struct out {
    tg_status st;
    char msg[600];
    const char *bad; /* the return value was wrong (what was expected), or NULL */
} out;

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
    out o;               /* what the row's call left (on_tape, on_status, ...) */
    const char *row_fn, *row_what; /* the row being run */
} fx;

/* The test's temporary folder ("$DIR" in expected messages). */
extern char bad_dir[64];

/* The tape's first error (tape functions); the call must have returned NULL. */
void on_tape(out *o, const tg_tape *t, const void *ret);
/* The thread's last error (the call was preceded by tg_clear_error). */
void on_thread(out *o);
/* A call returning a status: the status and the thread's message must agree. */
void on_status(out *o, tg_status st);
/* A constructor or getter that must return NULL. */
void on_null(out *o, const void *ret);
/* A call whose return value is checked by the row (cond true when right). */
void on_value(out *o, bool cond, const char *expected);

/* A fresh fixture for one row of function fn, with the mistake `what`; *o receives
 * the place its call's result is captured (&f->o). */
fx *row(out **o, const char *fn, const char *what);
/* The row's call left status want and message msg; named, when not NULL, is the
 * function the message names if not fn (a layer function whose check is done by the
 * layer function it calls, as documented). Frees the fixture, checks for leaks. */
void expect(fx *f, tg_status want, const char *msg);
void expect_named(fx *f, tg_status want, const char *msg, const char *named);

/* A known gap: the library does not (yet) report this mistake as it should. The row
 * still runs (no crash, no leak) and its result is printed; msg is what it should
 * say. Each is listed in the hardening report for the owner of the file. */
#define GAP ((tg_status)-1)

/* ---- rows shared by functions taking a tape and tensors ----
 * Each wrapper calls one public function with the tensor(s) given and valid values
 * for everything else. */
typedef tg_tensor *(*op1_fn)(fx *f, tg_tape *t, tg_tensor *x);
typedef tg_tensor *(*op2_fn)(fx *f, tg_tape *t, tg_tensor *a, tg_tensor *b);

typedef struct gen1 {
    const char *fn;
    op1_fn f;
    const char *layer; /* layer functions name the layer and the argument: "'lin': x" */
    const char *named; /* the function whose check reports x's problems, if not fn */
} gen1;

typedef struct gen2 {
    const char *fn;
    op2_fn f;
    const char *layer;
    const char *named; /* as in gen1, for argument 1 */
} gen2;

/* Wrapper definitions: W1(neg, tg_neg(t, x)) defines w_neg (one tensor x),
 * W2(add, tg_add(t, a, b)) defines w_add (two tensors a and b). */
#define W1(name, expr) \
    static tg_tensor *w_##name(fx *f, tg_tape *t, tg_tensor *x) { (void)f; return expr; }
#define W2(name, expr) \
    static tg_tensor *w_##name(fx *f, tg_tape *t, tg_tensor *a, tg_tensor *b) { (void)f; return expr; }

/* Runs the shared rows of every function of g1[0..n1) and g2[0..n2). */
void bad_generated(const gen1 *g1, size_t n1, const gen2 *g2, size_t n2);

/* ---- shared by several programs ---- */
/* sum(p[0]^2): a function gradient checks accept. */
tg_tensor *bad_loss_ok(tg_tape *t, tg_tensor *const *p, int n, void *u);
/* p[0] x p[0] of a (2,3): fails on the tape with tg_matmul's message. */
tg_tensor *bad_loss_fail(tg_tape *t, tg_tensor *const *p, int n, void *u);

/* Makes the test folder and the fixture's files; reads --dump. */
void bad_begin(int argc, char **argv);
/* Checks that every function declared in `header` (a path below the source root) has
 * a row, removes the test folder, prints the counts; the program's exit status. */
int bad_done(const char *header);

#endif
