/* sine.c — RNN, LSTM and GRU learn next-step prediction of a noisy sine wave.
 *
 *   Run:  ./build/examples/sine [prefix]     (writes <prefix>_loss.svg, <prefix>_pred.svg;
 *                                             default prefix ./sine)
 *
 * The series s_i = sin(2 pi i / 25) + 0.5 sin(2 pi i / 80) + noise (N(0, 0.1^2)); the
 * first 1000 points train, the last 200 test. Each model is a recurrent layer
 * (<tapegrad/tg_rnn.h>, hidden 16, one layer) followed by a Linear head 16 -> 1
 * applied at every step: x_t = s_i, target s_{i+1}.
 *
 * Training is truncated BPTT, the classic way: the training series is cut into B = 4
 * parallel streams read in chunks of T = 25 steps; the final state of a chunk is
 * copied into a long-lived tensor and fed as the initial state of the next chunk, so
 * the model sees the whole stream but gradients stop at chunk borders (the tape is
 * reset after each chunk). Loss: MSE over every step of the chunk (many-to-many).
 * Adam lr 0.01, gradient norm clipped to 1.
 *
 * Evaluation: (1) streaming: the model reads the whole series with its state carried
 * and predicts each test point from everything before it (many-to-many); (2) windows:
 * 100 windows of 20 test points from a zero state, the prediction read off the final
 * hidden state h_n (many-to-one). The noise variance 0.01 is the best any predictor
 * can do; "repeat the last value" is the baseline to beat. Exit 1 if a model does not
 * beat it in streaming mode.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "svg_chart.h"
#include "cli.h"
#include <tapegrad.h>
#include <tapegrad/tg_optim.h>

#define LEN 1200   /* series length */
#define TRAIN 1000 /* training prefix */
#define B 4        /* parallel streams */
#define T 25       /* truncation length (chunk) */
#define H 16       /* hidden size */
#define EPOCHS 40
#define WIN 20     /* many-to-one window */
#define NPLOT 100  /* test points drawn */

static const double PI = 3.14159265358979323846;

static double series[LEN], clean[LEN];

typedef struct {
    const char *label;
    tg_rnn_kind kind;
    tg_rnn *rnn;
    tg_linear *head;
    tg_params ps;
    double *curve;     /* training loss per update */
    int n_curve;
    double final_loss, stream_mse, window_mse, seconds;
    double pred[LEN];  /* streaming predictions of s_{i+1} made at i */
} model;

/* One chunk: x (T,Bc,1) -> prediction (T,Bc,1); the final states go to *hn, *cn
 * (on the tape) for carry(). */
static tg_tensor *run_chunk(tg_tape *t, model *m, tg_tensor *x, tg_tensor *h, tg_tensor *c,
                            tg_tensor **hn, tg_tensor **cn) {
    tg_tensor *out;
    if (tg_rnn_forward(t, m->rnn, x, h, c, &out, hn, cn) != TG_OK) return NULL;
    return tg_linear_forward(t, m->head, out); /* (T,Bc,H) -> (T,Bc,1) */
}

/* Carries the state to the next chunk as plain numbers (the graph stops here). Only
 * after tg_backward: the chunk's first step saved h and c, and writing them sooner
 * would change its gradients (tg_backward refuses: their versions changed). */
static void carry(tg_tensor *h, tg_tensor *c, const tg_tensor *hn, const tg_tensor *cn) {
    tg_tensor_copy_from(h, hn->data, hn->size);
    if (c && cn) tg_tensor_copy_from(c, cn->data, cn->size);
}

static int train(model *m, tg_tape *t) {
    tg_adam_opts ao = tg_adam_defaults();
    ao.lr = 0.01;
    tg_optim *opt = tg_adam_new(&m->ps, &ao);
    const int stream = (TRAIN - 1) / B, chunks = stream / T;
    bool lstm = m->kind == TG_RNN_LSTM;
    tg_tensor *h = tg_tensor_new(3, (int[]){1, B, H}, 0);
    tg_tensor *c = lstm ? tg_tensor_new(3, (int[]){1, B, H}, 0) : NULL;
    m->curve = calloc((size_t)EPOCHS * chunks, sizeof *m->curve);
    if (!opt || !h || (lstm && !c) || !m->curve) return -1;
    tg_real xs[T * B], ys[T * B];
    for (int e = 0; e < EPOCHS; e++) {
        tg_tensor_fill(h, 0);
        if (c) tg_tensor_fill(c, 0);
        for (int k = 0; k < chunks; k++) {
            for (int s = 0; s < T; s++)
                for (int b = 0; b < B; b++) {
                    int i = b * stream + k * T + s;
                    xs[s * B + b] = (tg_real)series[i];
                    ys[s * B + b] = (tg_real)series[i + 1];
                }
            tg_tape_reset(t);
            tg_tensor *x = tg_tape_tensor(t, 3, (int[]){T, B, 1}, xs, 0);
            tg_tensor *y = tg_tape_tensor(t, 3, (int[]){T, B, 1}, ys, 0);
            tg_tensor *hn = NULL, *cn = NULL;
            tg_tensor *loss = tg_mse_loss(t, run_chunk(t, m, x, h, c, &hn, &cn), y);
            tg_optim_zero_grad(opt);
            if (tg_backward(t, loss, NULL) != TG_OK) {
                fprintf(stderr, "sine: %s: %s\n", m->label, tg_tape_message(t));
                return -1;
            }
            carry(h, c, hn, cn);
            tg_clip_grad_norm(&m->ps, 1.0, 2.0, NULL);
            if (tg_optim_step(opt) != TG_OK) return -1;
            m->curve[m->n_curve++] = (double)tg_item(loss);
        }
    }
    double sum = 0; /* final loss: mean of the last epoch */
    for (int k = 0; k < chunks; k++) sum += m->curve[m->n_curve - 1 - k];
    m->final_loss = sum / chunks;
    tg_tensor_free(h);
    tg_tensor_free(c);
    tg_optim_free(opt);
    return 0;
}

/* Streaming prediction of every point (state carried, no gradients recorded). */
static void evaluate(model *m, tg_tape *t) {
    bool lstm = m->kind == TG_RNN_LSTM;
    tg_tensor *h = tg_tensor_new(3, (int[]){1, 1, H}, 0);
    tg_tensor *c = lstm ? tg_tensor_new(3, (int[]){1, 1, H}, 0) : NULL;
    tg_real xs[T];
    double se = 0;
    int n = 0;
    for (int start = 0; start + 1 < LEN; start += T) {
        int len = start + T < LEN - 1 ? T : LEN - 1 - start;
        for (int s = 0; s < len; s++) xs[s] = (tg_real)series[start + s];
        tg_tape_reset(t);
        tg_tape_set_grad_enabled(t, false);
        tg_tensor *hn = NULL, *cn = NULL;
        tg_tensor *pred = run_chunk(t, m, tg_tape_tensor(t, 3, (int[]){len, 1, 1}, xs, 0), h, c, &hn, &cn);
        if (pred) carry(h, c, hn, cn); /* no backward follows */
        for (int s = 0; pred && s < len; s++) {
            int i = start + s;
            m->pred[i] = (double)pred->data[s];
            if (i + 1 >= TRAIN) se += pow(m->pred[i] - series[i + 1], 2), n++;
        }
    }
    m->stream_mse = se / n;

    /* Many-to-one: windows of WIN points from a zero state; read h_n. */
    tg_rng g;
    tg_rng_seed(&g, 5);
    se = 0;
    for (int w = 0; w < 100; w++) {
        int start = TRAIN + (int)(tg_rng_uniform(&g) * (LEN - TRAIN - WIN - 1));
        for (int s = 0; s < WIN; s++) xs[s] = (tg_real)series[start + s];
        tg_tape_reset(t);
        tg_tensor *hn;
        tg_rnn_forward(t, m->rnn, tg_tape_tensor(t, 3, (int[]){WIN, 1, 1}, xs, 0), NULL, NULL,
                       NULL, &hn, NULL);
        tg_tensor *p = tg_linear_forward(t, m->head, tg_reshape(t, hn, 2, (int[]){1, H}));
        if (p) se += pow((double)p->data[0] - series[start + WIN], 2);
    }
    m->window_mse = se / 100;
    tg_tape_set_grad_enabled(t, true);
    tg_tensor_free(h);
    tg_tensor_free(c);
}

int main(int argc, char **argv) {
    const char *prefix = "sine";
    cli cl = {"sine", "[PREFIX]",
              "RNN, LSTM and GRU learn next-step prediction of a noisy sine; prints the errors\n"
              "against 'repeat last' and writes PREFIX_loss.svg and PREFIX_pred.svg (default\n"
              "PREFIX sine); exits 1 if a model does not beat 'repeat last'.\n",
              cli_no_options, 1, &prefix, 0, false};
    int rc = cli_parse(&cl, argc, argv);
    if (rc != CLI_RUN) return rc;
    tg_rng g;
    tg_rng_seed(&g, 42);
    for (int i = 0; i < LEN; i++) {
        clean[i] = sin(2 * PI * i / 25) + 0.5 * sin(2 * PI * i / 80);
        series[i] = clean[i] + 0.1 * tg_rng_normal(&g);
    }
    double persist = 0;
    for (int i = TRAIN - 1; i + 1 < LEN; i++) persist += pow(series[i + 1] - series[i], 2);
    persist /= LEN - TRAIN;

    static model models[] = {
        {.label = "RNN (tanh)", .kind = TG_RNN_TANH},
        {.label = "LSTM", .kind = TG_RNN_LSTM},
        {.label = "GRU (notes)", .kind = TG_RNN_GRU},
        {.label = "GRU (PyTorch)", .kind = TG_RNN_GRU_TORCH},
    };
    const int n_models = (int)(sizeof models / sizeof models[0]);
    tg_tape *t = tg_tape_new();
    int status = 0;
    printf("next-step prediction of a noisy sine: hidden %d, %d epochs x %d chunks of %d steps,"
           " %d streams\n\n", H, EPOCHS, (TRAIN - 1) / B / T, T, B);
    for (int k = 0; k < n_models; k++) {
        model *m = &models[k];
        tg_rng_seed(&g, 7); /* same initial draws for every model */
        tg_rnn_config cfg = {m->kind, 1, H, 1, m->kind == TG_RNN_LSTM};
        m->rnn = tg_rnn_new("rnn", &cfg, &g);
        m->head = tg_linear_new("head", H, 1, TG_INIT_GLOROT, &g);
        if (!m->rnn || !m->head || tg_rnn_params(m->rnn, &m->ps) != TG_OK ||
            tg_linear_params(m->head, &m->ps) != TG_OK) {
            fprintf(stderr, "sine: %s\n", tg_last_error());
            return 1;
        }
        clock_t c0 = clock();
        if (train(m, t) != 0) {
            fprintf(stderr, "sine: %s: training failed: %s\n", m->label, tg_last_error());
            return 1;
        }
        m->seconds = (double)(clock() - c0) / CLOCKS_PER_SEC;
        evaluate(m, t);
        if (!(m->stream_mse < persist)) status = 1;
    }

    printf("%-14s %7s %8s %11s %11s %11s %7s\n", "model", "params", "PyTorch", "train loss",
           "test stream", "test window", "time");
    for (int k = 0; k < n_models; k++) {
        const model *m = &models[k];
        /* PyTorch's nn.RNN/LSTM/GRU keep two bias vectors per gate: G (F H + H H + 2H);
         * the notes' GRU has no nn counterpart, nn.GRU is shown. Head: 17 in both. */
        int G = m->kind == TG_RNN_LSTM ? 4 : m->kind >= TG_RNN_GRU ? 3 : 1;
        size_t torch = (size_t)G * (1 * H + H * H + 2 * H) + H + 1;
        printf("%-14s %7zu %8zu %11.5f %11.5f %11.5f %6.2fs\n", m->label,
               tg_params_numel(&m->ps), torch, m->final_loss, m->stream_mse, m->window_mse,
               m->seconds);
    }
    printf("%-14s %7s %8s %11s %11.5f\n", "repeat last", "0", "", "", persist);
    printf("%-14s %7s %8s %11s %11.5f   (noise variance: the floor)\n", "noise floor", "", "",
           "", 0.01);
    printf("\nPyTorch: the same model with nn.RNN / nn.LSTM / nn.GRU, which keep two bias\n"
           "vectors per gate (the notes' GRU has no nn module; nn.GRU's count is shown).\n");

    char path[512];
    int write_status = 0;
    svg_chart *c = svg_chart_new("Noisy sine: training loss (MSE per chunk)", "update", "MSE");
    if (c) {
        svg_chart_set_log_y(c, 1);
        for (int k = 0; k < n_models; k++)
            svg_chart_add(c, models[k].label, NULL, models[k].curve, models[k].n_curve);
        snprintf(path, sizeof path, "%s_loss.svg", prefix);
        if (svg_chart_write(c, path) == 0) printf("\nloss curves: %s\n", path);
        else write_status = cli_write_failed("sine", path);
        svg_chart_free(c);
    }
    c = svg_chart_new("Noisy sine: streaming predictions on the test range", "i", "s_i");
    if (c) {
        double xs[NPLOT], ys[NPLOT], yc[NPLOT];
        for (int i = 0; i < NPLOT; i++) {
            xs[i] = TRAIN + i;
            ys[i] = series[TRAIN + i];
            yc[i] = clean[TRAIN + i];
        }
        svg_chart_add(c, "noisy series", xs, ys, NPLOT);
        svg_chart_add(c, "clean sine", xs, yc, NPLOT);
        for (int k = 0; k < n_models; k++) /* pred[i] predicts s_{i+1} */
            svg_chart_add(c, models[k].label, xs, models[k].pred + TRAIN - 1, NPLOT);
        snprintf(path, sizeof path, "%s_pred.svg", prefix);
        if (svg_chart_write(c, path) == 0) printf("predictions: %s\n", path);
        else write_status = cli_write_failed("sine", path);
        svg_chart_free(c);
    }
    for (int k = 0; k < n_models; k++) {
        free(models[k].curve);
        tg_params_free(&models[k].ps);
        tg_rnn_free(models[k].rnn);
        tg_linear_free(models[k].head);
    }
    tg_tape_free(t);
    if (status) printf("\nFAIL: a model did not beat 'repeat last'\n");
    return status | write_status;
}
