/* soak_lstm.h — the small LSTM training loop of the soak benchmark (benchmarks/soak.c,
 * a million steps) and of its short test (tests/system/test_soak.c, 10,000 steps), so both
 * run exactly the same code.
 *
 * Task: predict the next value of a noisy sine wave. Each step takes a window of
 * T = 16 values for B = 4 sequences (T,B,1), runs a one-layer LSTM (hidden 16) and a
 * linear head (16 -> 1) over it, MSE against the values one step ahead; backward,
 * gradient clipping, Adam with a cosine schedule restarted every 1,000 steps.
 * Truncated BPTT: the final h and c are copied into long-lived tensors and are the
 * next window's initial state (tg_tensor_copy_from), so the loop exercises the
 * detach-by-copy path a long sequence uses, and one tape is reset every step.
 */
#ifndef TG_SOAK_LSTM_H
#define TG_SOAK_LSTM_H

#include <math.h>
#include <string.h>
#include <tapegrad.h>

enum { SOAK_T = 16, SOAK_B = 4, SOAK_H = 16 };

typedef struct soak {
    tg_rng rng;
    tg_rnn *lstm;
    tg_linear *head;
    tg_params ps;
    tg_optim *opt;
    tg_sched *sched;
    tg_tape *tape;
    tg_tensor *h, *c;                   /* (1,B,H) carried state, no gradient */
    tg_real x[SOAK_T * SOAK_B];         /* (T,B,1) */
    tg_real y[SOAK_T * SOAK_B];         /* (T,B,1) */
    double phase[SOAK_B];               /* where each sequence is on its wave */
    long step;
    double loss;
} soak;

/* Frees everything (s may be partly made). */
static inline void soak_free(soak *s) {
    tg_tape_free(s->tape);
    tg_sched_free(s->sched);
    tg_optim_free(s->opt);
    tg_params_free(&s->ps);
    tg_rnn_free(s->lstm);
    tg_linear_free(s->head);
    tg_tensor_free(s->h);
    tg_tensor_free(s->c);
    memset(s, 0, sizeof *s);
}

/* Makes the model, optimizer and tape. TG_OK or the error (tg_last_error()). */
static inline tg_status soak_init(soak *s, uint64_t seed) {
    memset(s, 0, sizeof *s);
    tg_rng_seed(&s->rng, seed);
    tg_rnn_config cfg = {.kind = TG_RNN_LSTM, .input_size = 1, .hidden_size = SOAK_H,
                         .num_layers = 1, .forget_bias_one = true};
    s->lstm = tg_rnn_new("lstm", &cfg, &s->rng);
    s->head = tg_linear_new("head", SOAK_H, 1, TG_INIT_TORCH, &s->rng);
    s->h = tg_tensor_new(3, (int[]){1, SOAK_B, SOAK_H}, 0);
    s->c = tg_tensor_new(3, (int[]){1, SOAK_B, SOAK_H}, 0);
    s->tape = tg_tape_new();
    if (!s->lstm || !s->head || !s->h || !s->c || !s->tape) goto fail;
    if (tg_rnn_params(s->lstm, &s->ps) != TG_OK || tg_linear_params(s->head, &s->ps) != TG_OK)
        goto fail;
    tg_adam_opts o = tg_adam_defaults();
    o.lr = 1e-2;
    s->opt = tg_adam_new(&s->ps, &o);
    if (!s->opt || !(s->sched = tg_sched_cosine_new(s->opt, 1000, 1e-3))) goto fail;
    for (int b = 0; b < SOAK_B; b++) s->phase[b] = 6.283185307179586 * b / SOAK_B;
    return TG_OK;
fail:;
    tg_status st = tg_last_status();
    soak_free(s);
    return st != TG_OK ? st : TG_ERR_NOMEM;
}

/* The next window of each sequence: x_t = sin(phase) + noise, target x_{t+1}. */
static inline void soak_data(soak *s) {
    const double dp = 0.1;
    for (int b = 0; b < SOAK_B; b++) {
        double p = s->phase[b];
        for (int t = 0; t < SOAK_T; t++, p += dp) {
            s->x[t * SOAK_B + b] = (tg_real)(sin(p) + 0.01 * (tg_rng_uniform(&s->rng) - 0.5));
            s->y[t * SOAK_B + b] = (tg_real)sin(p + dp);
        }
        s->phase[b] = fmod(p, 6.283185307179586);
    }
}

/* One training step. TG_OK or the error (the tape's message, or tg_last_error()). */
static inline tg_status soak_step(soak *s) {
    tg_tape *t = s->tape;
    tg_tape_reset(t);
    soak_data(s);
    tg_optim_zero_grad(s->opt);
    tg_tensor *x = tg_tape_tensor(t, 3, (int[]){SOAK_T, SOAK_B, 1}, s->x, 0);
    tg_tensor *y = tg_tape_tensor(t, 3, (int[]){SOAK_T, SOAK_B, 1}, s->y, 0);
    tg_tensor *out = NULL, *h_n = NULL, *c_n = NULL;
    tg_rnn_forward(t, s->lstm, x, s->h, s->c, &out, &h_n, &c_n);
    tg_tensor *pred = tg_linear_forward(t, s->head, out); /* (T,B,H) -> (T,B,1) */
    tg_tensor *loss = tg_mse_loss(t, pred, y);
    tg_status st = tg_backward(t, loss, NULL);
    if (st != TG_OK) return st;
    s->loss = (double)tg_item(loss);
    /* truncated BPTT: the state goes on, the graph does not */
    tg_tensor_copy_from(s->h, h_n->data, h_n->size);
    tg_tensor_copy_from(s->c, c_n->data, c_n->size);
    if ((st = tg_clip_grad_norm(&s->ps, 1.0, 2.0, NULL)) != TG_OK) return st;
    if ((st = tg_optim_step(s->opt)) != TG_OK) return st;
    s->step++;
    /* cosine restarted every 1000 steps: the lr stays in a useful range forever, and
     * the optimizer's step count (exact to 2^24 in float) keeps counting */
    return s->step % 1000 == 0 ? tg_sched_set_epoch(s->sched, 0) : tg_sched_step(s->sched);
}

#endif
