/* train_util.h — the plumbing the real-data examples share (examples only; not part of
 * the library): command-line options, a progress line, checkpoints that resume
 * training bit-identically, and a few small helpers.
 *
 * Options every program takes (TU_COMMON_OPTS, rows of its cli.h table):
 *   --epochs N      train until N epochs in total are done (resumed ones count)
 *   --seed S        seed of the run's tg_rng (initial weights, shuffling, ...)
 *   --save PATH     write a checkpoint after every epoch (atomic: a crash mid-save
 *                   leaves the previous one intact)
 *   --resume PATH   continue from a checkpoint written with --save
 *   --svg PATH      where the loss curve goes
 *   --quick         a small, fast configuration (meson test runs it)
 *
 * A checkpoint (<tapegrad/tg_checkpoint.h>) holds the model's parameters, the
 * optimizer's state (moments and step count) and meta words: the program's settings
 * fingerprint, the number of epochs done and the complete state of the run's tg_rng.
 * Everything that evolves from epoch to epoch is in it, so training 2 epochs, saving,
 * resuming in a new process and training 1 more gives the parameters that 3
 * uninterrupted epochs give, bit for bit (examples/resume_check.c and
 * tests/examples/test_resume.c prove it).
 *
 * Exit codes of the programs: 0 done, 1 a run-time failure, 2 a bad command line,
 * 77 the data set is not installed (meson counts the test as skipped).
 */
#ifndef TRAIN_UTIL_H
#define TRAIN_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <tapegrad.h>
#include "cli.h"

#define TU_EXIT_USAGE 2
#define TU_EXIT_NODATA 77

typedef struct tu_opts {
    int epochs;          /* --epochs (the program sets its default first) */
    uint64_t seed;       /* --seed */
    const char *save;    /* --save or NULL */
    const char *resume;  /* --resume or NULL */
    const char *svg;     /* --svg (the program sets its default first) */
    bool quick;          /* --quick */
} tu_opts;

/* A training-loss curve with `ticks` points per epoch, each the mean loss of the steps
 * since the previous point (the last step of an epoch always closes a point). */
typedef struct tu_curve {
    double *x, *y;  /* n points: x in epochs, y the mean loss */
    int n, ticks, count;
    double sum;
} tu_curve;
/* Room for `epochs` epochs; false (nothing allocated) if out of memory. */
bool tu_curve_init(tu_curve *c, int epochs, int ticks);
/* Records step s (0-based) of `steps` in epoch `epoch` with its loss. */
void tu_curve_step(tu_curve *c, int epoch, int s, int steps, double loss);
void tu_curve_free(tu_curve *c);

/* Strict number parsing: the whole string must be a number within [lo, hi]. On a
 * mistake prints "<prog>: <opt>: '<s>' is not ..." to stderr and returns -1. */
int tu_parse_int(const char *prog, const char *opt, const char *s, long lo, long hi, int *out);
int tu_parse_double(const char *prog, const char *opt, const char *s, double lo, double hi,
                    double *out);
int tu_parse_u64(const char *prog, const char *opt, const char *s, uint64_t *out);
/* --model: "lstm" (TG_RNN_LSTM) or "gru" (TG_RNN_GRU_TORCH); otherwise prints
 * "<prog>: --model must be lstm or gru, got '<s>'" and returns -1. */
int tu_parse_model(const char *prog, const char *s, tg_rnn_kind *out);

/* The rows of the common options in a program's cli.h table (o is the tu_opts). */
#define TU_COMMON_OPTS(o)                                                                      \
    {"--epochs", "N", CLI_INT, &(o).epochs, 1, 100000,                                         \
     "train until N epochs in total are done (resumed ones count)", NULL, NULL},               \
    {"--seed", "S", CLI_U64, &(o).seed, 0, 0, "seed of the run's random numbers", NULL, NULL}, \
    {"--save", "PATH", CLI_STR, &(o).save, 0, 0, "write a checkpoint after every epoch", NULL,  \
     NULL},                                                                                    \
    {"--resume", "PATH", CLI_STR, &(o).resume, 0, 0, "continue from a checkpoint of --save",   \
     NULL, NULL},                                                                              \
    {"--svg", "PATH", CLI_STR, &(o).svg, 0, 0, "where the loss curve goes", NULL, NULL},       \
    {"--quick", NULL, CLI_FLAG, &(o).quick, 0, 0, "a small, fast configuration (seconds)", NULL, \
     NULL}
/* --model as a CLI_FN option (out: tg_rnn_kind *), through tu_parse_model. */
int tu_cli_model(const char *prog, const char *name, const char *value, void *out);

/* The value of option argv[*i] ("--opt VALUE"): advances *i and returns argv[*i], or
 * prints "<prog>: <opt> needs a value" and returns NULL. */
const char *tu_value(const char *prog, int argc, char **argv, int *i);

/* Handles argv[*i] if it is a common option (see above; advances *i past its value).
 * Returns 1 if handled, 0 if argv[*i] is not a common option, -1 after printing an
 * error (bad or missing value). */
int tu_common_arg(const char *prog, int argc, char **argv, int *i, tu_opts *o);

/* Whether "--quick" is among the arguments (checked before parsing, so the quick
 * configuration's defaults can be set first and explicit options still override them). */
bool tu_has_quick(int argc, char **argv);

/* Seconds on a monotonic clock: the wall clock, or with the environment variable
 * TU_CLOCK=cpu the CPU time of the process (all its threads), which a loaded machine
 * disturbs far less when the program runs on 1 thread (scripts/bpc_race.sh uses it on
 * request). It times training steps, --seconds budgets and the progress line. */
double tu_now(void);

/* ---- progress line ----
 * "epoch 2/10  step 300/938  loss 0.4312  48210 img/s  left 1m12s". On a terminal
 * the line is redrawn in place with '\r' (at most 10 times a second); otherwise a
 * plain line is printed at each quarter of an epoch. Loss is the mean of the epoch so
 * far; throughput and time left are measured over this run. */
typedef struct tu_progress {
    bool tty;
    const char *unit;        /* what an item is: "img", "char", "win" */
    long steps_total;        /* steps this run will take (all epochs) */
    long steps_done;
    double items_done;
    double t0, last_draw;
    double loss_sum;         /* this epoch */
    int loss_n;
    int line_len;            /* characters drawn on the terminal line */
} tu_progress;

void tu_progress_start(tu_progress *p, long steps_total, const char *unit);
/* After step `step` (0-based) of `steps` in epoch `epoch` (0-based) of `epochs`. */
void tu_progress_step(tu_progress *p, int epoch, int epochs, int step, int steps, double loss,
                      long items);
/* Mean loss of the epoch just finished; clears the terminal line and resets the mean. */
double tu_progress_epoch_end(tu_progress *p);

/* ---- checkpoints ----
 * config: a fingerprint of every setting that shapes training (tu_hash of a string
 * such as "fashion_mnist hidden=256 batch=64 lr=0.001 quick=0"); a checkpoint only
 * resumes a run with the same fingerprint. Meta words: [config, epochs done, rng x6]. */
uint64_t tu_hash(const char *s);
/* Saves ps, opt's state, epoch and rng. Returns 0, or -1 after printing the error. */
int tu_save(const char *prog, const char *path, const tg_params *ps, const tg_optim *opt,
            uint64_t config, int epoch, const tg_rng *rng);
/* Loads what tu_save wrote into ps and opt's state and sets *epoch and *rng. On any
 * error prints it and returns -1 with nothing changed. */
int tu_resume(const char *prog, const char *path, const tg_params *ps, tg_optim *opt,
              uint64_t config, int *epoch, tg_rng *rng);

/* A permutation of 0..n-1 (Fisher-Yates with r): the shuffle of an epoch. */
void tu_shuffle(int *idx, int n, tg_rng *r);

/* Counts allocations made by the library during training steps after the first one
 * (there must be none: the tape's arena is reused). Call tu_steady_begin before a
 * step and tu_steady_end after it. */
typedef struct tu_steady {
    size_t before;
    long steps;
    size_t allocs;  /* allocations seen in steps 2, 3, ... */
} tu_steady;
void tu_steady_begin(tu_steady *s);
void tu_steady_end(tu_steady *s);

/* ---- the Fashion-MNIST programs (fashion_mnist, fashion_cnn) ---- */

/* The data set: the 60000 training and 10000 test images and their labels, and how
 * many of each a run uses (--quick: 2000 and 1000). */
typedef struct tu_fashion {
    tg_idx train_img, train_lab, test_img, test_lab;
    int n_train, n_test;
} tu_fashion;
/* Loads it from dir (NULL: the Debian package's folder). 0, or after printing the
 * error the exit code: TU_EXIT_NODATA when the package is not installed, else 1. */
int tu_fashion_load(const char *prog, const char *dir, bool quick, tu_fashion *f);
void tu_fashion_free(tu_fashion *f);

/* What a training run keeps besides the model: the epoch's order of the training
 * images, a batch's labels, the train-loss curve (20 points per epoch) and the test
 * loss after each epoch. */
typedef struct tu_run {
    int *perm, *labels;
    tu_curve curve;
    bool curve_ok;
    double *test_x, *test_y;
    int n_test;
} tu_run;
/* false (out of memory) leaves r safe to tu_run_free. */
bool tu_run_init(tu_run *r, int n_train, int batch, int epochs);
void tu_run_free(tu_run *r);
/* Appends the test loss after `epoch` epochs to the curve of r. */
void tu_run_test_point(tu_run *r, int epoch, double test_loss);
/* Prints "test accuracy A% after N epochs (S s per epoch of training)" after a blank
 * line, with no newline at the end (the caller may add per-class figures). */
void tu_print_accuracy(double acc, int epochs, double train_time, int epochs_run);
/* The end of a run: fails if steady steps allocated; writes the loss curves (train
 * and test) to o->svg under `title`; with --quick fails on an accuracy below 60%.
 * Returns the exit status, 0 or 1, after printing what failed. */
int tu_finish(const char *prog, const char *title, const tu_opts *o, const tu_run *r,
              const tu_steady *steady, double acc);

/* ---- a wall-time budget (--seconds) ----
 * A program with --seconds S stops training after the step that brings its training
 * time (the steps alone: no evaluation, no checkpoint) to S seconds or more, then
 * evaluates as after its last epoch. An epoch cut short is not saved (a checkpoint
 * holds whole epochs only). 0: no budget. scripts/bpc_race.sh gives two programs the
 * same budget. */
#define TU_BUDGET_OPT(var)                                                                     \
    {"--seconds", "S", CLI_DOUBLE, &(var), 0, 1e7,                                             \
     "stop training after S seconds of training steps, then evaluate (0: no limit)", NULL, NULL}
/* Whether the budget is spent: budget > 0 and train_seconds >= budget. */
bool tu_budget_spent(double budget, double train_seconds);
/* The machine-readable line of a finished run, for scripts:
 *   "RESULT <prog> heldout_bpc=<x> train_seconds=<s> steps=<n>" */
void tu_print_result(const char *prog, double bpc, double train_seconds, long steps);

/* ---- character models (charlm, chartransformer) ----
 * The text and its split: the first 90% train, the last 10% are held out. */
typedef struct tu_chars {
    tg_text txt;
    int n, n_train, n_held;  /* n = the characters used (--quick: a prefix) */
    int prime[256], n_prime; /* --prime as ids, or the first 16 held-out characters */
} tu_chars;
/* Reads file (NULL: default_file) into c, keeping at most cap characters, and parses
 * prime (NULL: the default). Returns 0, or the exit code after printing the error
 * (TU_EXIT_NODATA when the default file is missing, 1 otherwise). */
int tu_chars_load(const char *prog, const char *file, const char *default_file, size_t cap,
                  const char *prime, tu_chars *c);
void tu_chars_free(tu_chars *c);
/* Bits per character of the unigram model (add-one smoothed character frequencies of
 * the training text) on the held-out text: the baseline that knows no context. */
double tu_unigram_bpc(const tu_chars *c);
/* Draws a character id from softmax(z / temperature) over z[0..V-1] (in double; p has
 * room for V) with r; temperature 0: the arg max. */
int tu_draw(const tg_real *z, int V, double temperature, double *p, tg_rng *r);
/* Prints "for comparison: a uniform guess ... character frequencies ..." for c. */
void tu_print_baselines(const tu_chars *c);
/* The end of a character model's training: "held-out: B bits per character after N
 * epochs", the budget's steps when it was spent, the best epoch and time per epoch
 * when epochs ran, then the baselines of c and the RESULT line. */
void tu_print_heldout(const char *prog, const tu_chars *c, double bpc, int epoch, bool spent,
                      long steps, double best, double train_time, int epochs_run);

#endif
