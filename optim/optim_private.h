/* optim_internal.h — the optimizer object shared by the optim/ sources. Not installed.
 *
 * optim/ uses only tg_core.h, tg_params.h and the allocation/error helpers of
 * tg_internal.h; it never calls the tape.
 */
#ifndef TG_OPTIM_INTERNAL_H
#define TG_OPTIM_INTERNAL_H

#include <tg/core.h>
#include <tapegrad/tg_optim.h>

typedef enum tg__optim_kind {
    TG__OPT_SGD,
    TG__OPT_ADAGRAD,
    TG__OPT_RMSPROP,
    TG__OPT_ADAM,
    TG__OPT_ADAMW
} tg__optim_kind;

#define TG__OPTIM_MAX_BUFS 3

struct tg_optim {
    tg__optim_kind kind;
    const char *name;          /* "sgd", ... */
    double lr;                 /* current learning rate (schedules change it) */
    union {
        tg_sgd_opts sgd;
        tg_adagrad_opts adagrad;
        tg_rmsprop_opts rmsprop;
        tg_adam_opts adam;     /* Adam and AdamW */
    } o;                       /* the options it was made with (o.*.lr is the initial lr) */
    int n;                     /* number of parameters */
    tg_tensor **p;             /* (n) copy of the list's pointer array */
    size_t *size;              /* (n) their element counts at creation */
    int nbuf;                  /* state buffers per parameter, 0..TG__OPTIM_MAX_BUFS */
    tg_tensor **buf;           /* (n * nbuf): buf[i * nbuf + k] = buffer k of parameter i,
                                  shaped like p[i] */
    tg_tensor *step;           /* rank 0: number of steps taken (authoritative copy) */
};

/* Values of buffer k of parameter i. */
static inline tg_real *tg__optim_buf(const tg_optim *o, int i, int k) {
    return o->buf[i * o->nbuf + k]->data;
}

/* The update rules (update.c). t is the number of this step, 1 for the first one.
 * Each updates every parameter and its state in place from the current gradients,
 * which the caller has checked to be finite. */
void tg__update_sgd(tg_optim *o, double t);
void tg__update_adagrad(tg_optim *o, double t);
void tg__update_rmsprop(tg_optim *o, double t);
void tg__update_adam(tg_optim *o, double t);   /* Adam and AdamW (o->kind decides) */

#endif
