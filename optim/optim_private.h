/* optim_private.h — the optimizer object shared by the optim/ sources. Not installed.
 *
 * An optimizer is the shared object of optim.c (parameter list, state tensors, step
 * count, learning rate, checkpoints) driven by one descriptor, which a file per
 * optimizer (sgd.c, adagrad.c, rmsprop.c, adam.c) defines next to its options check
 * and update rule. optim.c knows no optimizer by name; adding one touches only its
 * own file, its declarations in tg_optim.h and optim/meson.build.
 *
 * optim/ uses only the public core headers and <tg/core.h> (allocation, errors, shape
 * helpers); it never calls the tape.
 */
#ifndef TG_OPTIM_PRIVATE_H
#define TG_OPTIM_PRIVATE_H

#include <stddef.h>
#include <tg/core.h>
#include <tapegrad/tg_optim.h>

/* TG__OPTIM_CLONES before an update loop compiles it three times (AVX-512, AVX2 and
 * the build's baseline) and picks one at load time (GCC target_clones, an ifunc:
 * glibc on x86-64 only; elsewhere, and under AddressSanitizer or ThreadSanitizer,
 * whose runtime does not exist yet when an ifunc resolver runs, it is empty). The
 * build is ISO C (-std=c11: no contraction into fused multiply-adds), so every clone
 * gives the same bits. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) && \
    defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__) && \
    !defined(TG_NO_CLONES)
#define TG__OPTIM_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define TG__OPTIM_CLONES
#endif

/* What optim.c needs to know about one optimizer. The state of a parameter is a set
 * of slots, tensors shaped like it; each optimizer names its slots with an enum in its
 * own file (e.g. EXP_AVG, EXP_AVG_SQ, MAX_EXP_AVG_SQ) and lists their names, PyTorch's
 * state keys, in the same order. The options may leave some slots out (Adam without
 * amsgrad has no MAX_EXP_AVG_SQ). The state lists a parameter's slots in slot order. */
typedef struct tg__optim_desc {
    const char *name;             /* tg_optim_name: "sgd", ... */
    const char *fn;               /* the constructor, for messages: "tg_sgd_new" */
    int nslots;                   /* state slots it may have, 1..32 */
    const char *const *slot;      /* (nslots) their names: "momentum_buffer", ... */
    size_t opts_size;             /* sizeof its options struct */
    /* True if the options are valid; else sets the error (naming fn) and returns false. */
    bool (*check)(const char *fn, const void *opts);
    /* The slots the options use: bit k for slot k. NULL: all of them. */
    unsigned (*uses)(const void *opts);
    /* Initialises the state, which starts at zero. NULL: zero is right. */
    void (*init)(tg_optim *o);
    /* One update of every parameter and its state in place, from the current
     * gradients, which the caller has checked to be finite. t is the number of this
     * step, 1 for the first one. */
    void (*update)(tg_optim *o, double t);
} tg__optim_desc;

struct tg_optim {
    const tg__optim_desc *d;
    double lr;                 /* current learning rate (schedules change it) */
    int n;                     /* number of parameters */
    tg_tensor **p;             /* (n) copy of the list's pointer array */
    size_t *size;              /* (n) their element counts at creation */
    int nused;                 /* slots the options use, per parameter */
    tg_tensor **slot;          /* (n * d->nslots): slot[i * d->nslots + k] = slot k of
                                  parameter i, shaped like p[i]; NULL if unused */
    tg_tensor *step;           /* rank 0: number of steps taken (authoritative copy) */
    max_align_t opts[];        /* the options it was made with (their lr is the
                                  initial lr), d->opts_size bytes */
};

/* Makes an optimizer of kind d with the options at opts (d->opts_size bytes, copied)
 * and the learning rate lr (the options' lr): checks the options (d->check), then the
 * list, allocates the state named "<param>.<slot>" and the step count "optim.step",
 * and initialises the state (d->init). NULL with tg_last_error() naming d->fn. */
tg_optim *tg__optim_new(const tg__optim_desc *d, const tg_params *ps, const void *opts, double lr);

/* The options the optimizer was made with (the struct its descriptor's check took). */
static inline const void *tg__optim_opts(const tg_optim *o) { return o->opts; }

/* Values of slot k of parameter i (o->size[i] of them), NULL if the options do not
 * use slot k. */
static inline tg_real *tg__optim_slot(const tg_optim *o, int i, int k) {
    tg_tensor *s = o->slot[i * o->d->nslots + k];
    return s ? s->data : NULL;
}

/* Option checks for the descriptors' check functions and tg_optim_set_lr. Each names
 * the function, the option and the value in the error; NaN fails every one. */
bool tg__optim_ge0(const char *fn, const char *what, double x);   /* finite, >= 0 */
bool tg__optim_pos(const char *fn, const char *what, double x);   /* finite, > 0 */
bool tg__optim_unit(const char *fn, const char *what, double x,   /* [0, 1) or [0, 1] */
                    bool open_top);

/* The update rules match torch.optim 1.13's single-tensor code path
 * (`_single_tensor_<name>` in torch/optim/<name>.py) operation for operation: the same
 * order of multiplications and additions, evaluated per element in double, so the
 * double build reproduces PyTorch's float64 trajectories to the last bits. The
 * notation follows the lecture notes: p the parameter (Theta), g its gradient
 * dL/dTheta, lr the learning rate (eta). PyTorch's tensor ops map to scalar
 * expressions as:
 *   a.add_(b, alpha=s)         a + s * b
 *   a.mul_(m).add_(b, alpha=s) a * m + s * b
 *   a.addcmul_(b, c, value=s)  a + s * (b * c)
 *   a.addcdiv_(b, c, value=s)  a + s * (b / c)
 * (C11 without -ffp-contract=fast evaluates these without fused multiply-adds.) */

#endif
