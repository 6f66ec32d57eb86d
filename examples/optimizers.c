/* optimizers.c — every optimizer trains the same small MLP on the same data from the
 * same initial weights, and the loss curves are drawn as an SVG chart.
 *
 *   Run:  ./build/examples/optimizers [chart.svg]      (default: ./optimizers.svg)
 *   Open the SVG in a browser. Exit status 1 if a run fails.
 *
 * The task: regression of y = sin(2x) + x/4 on 64 points x in [-2, 2] with an MLP
 * 1 -> 16 -> 16 -> 1 (tanh hidden layers), full batch, mean squared error, 1000
 * steps. The MLP is composed here from primitive ops (tg_matmul, tg_add, tg_tanh,
 * tg_mse_loss); the tape computes the gradients and tg_optim_step applies them.
 * The table shows the loss after 10, 100 and 1000 steps and the wall time of the
 * 1000 steps (forward + backward + update). Learning rates were picked by hand to be
 * reasonable for each method, not tuned to make any one of them win. On the chart,
 * full-batch Adam shows its typical late loss spikes and RMSProp (no bias correction,
 * no momentum) oscillates; the last run (linear warm-up, cosine decay to 0, gradient
 * norm clipped to 1) shows how a schedule calms them.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "svg_chart.h"
#include "cli.h"
#include <tapegrad.h>

#define N 64      /* data points */
#define H 16      /* hidden width */
#define STEPS 1000

typedef struct {
    tg_tensor *W1, *b1, *W2, *b2, *W3, *b3; /* (1,H) (H) (H,H) (H) (H,1) (1) */
    tg_params ps;
} mlp;

static int mlp_init(mlp *m) {
    memset(m, 0, sizeof *m);
    m->W1 = tg_param_new("W1", 2, (int[]){1, H});
    m->b1 = tg_param_new("b1", 1, (int[]){H});
    m->W2 = tg_param_new("W2", 2, (int[]){H, H});
    m->b2 = tg_param_new("b2", 1, (int[]){H});
    m->W3 = tg_param_new("W3", 2, (int[]){H, 1});
    m->b3 = tg_param_new("b3", 1, (int[]){1});
    tg_tensor *all[6] = {m->W1, m->b1, m->W2, m->b2, m->W3, m->b3};
    for (int i = 0; i < 6; i++)
        if (!all[i] || tg_params_add(&m->ps, all[i]) != TG_OK) return -1;
    return 0;
}

static void mlp_free(mlp *m) {
    for (int i = 0; i < m->ps.n; i++) tg_tensor_free(m->ps.items[i]);
    tg_params_free(&m->ps);
}

/* loss = mean((tanh(tanh(X W1 + b1) W2 + b2) W3 + b3 - Y)^2); X, Y (N,1). */
static tg_tensor *mlp_loss(tg_tape *t, const mlp *m, tg_tensor *X, tg_tensor *Y) {
    tg_tensor *h1 = tg_tanh(t, tg_add(t, tg_matmul(t, X, m->W1), m->b1));   /* (N,H) */
    tg_tensor *h2 = tg_tanh(t, tg_add(t, tg_matmul(t, h1, m->W2), m->b2));  /* (N,H) */
    tg_tensor *out = tg_add(t, tg_matmul(t, h2, m->W3), m->b3);             /* (N,1) */
    return tg_mse_loss(t, out, Y);
}

typedef struct {
    const char *label;
    tg_optim *(*make)(const tg_params *ps);
    bool warmup_cosine; /* drive the lr by a schedule, and clip the gradient norm */
} method;

static tg_optim *sgd(const tg_params *ps) {
    return tg_sgd_new(ps, &(tg_sgd_opts){.lr = 0.05});
}
static tg_optim *momentum(const tg_params *ps) {
    return tg_sgd_new(ps, &(tg_sgd_opts){.lr = 0.01, .momentum = 0.9});
}
static tg_optim *nesterov(const tg_params *ps) {
    return tg_sgd_new(ps, &(tg_sgd_opts){.lr = 0.01, .momentum = 0.9, .nesterov = true});
}
static tg_optim *adagrad(const tg_params *ps) {
    tg_adagrad_opts o = tg_adagrad_defaults();
    o.lr = 0.05;
    return tg_adagrad_new(ps, &o);
}
static tg_optim *rmsprop(const tg_params *ps) {
    tg_rmsprop_opts o = tg_rmsprop_defaults();
    o.lr = 0.003;
    return tg_rmsprop_new(ps, &o);
}
static tg_optim *adam(const tg_params *ps) {
    tg_adam_opts o = tg_adam_defaults();
    o.lr = 0.01;
    return tg_adam_new(ps, &o);
}
static tg_optim *adamw(const tg_params *ps) {
    tg_adam_opts o = tg_adamw_defaults();
    o.lr = 0.01;
    return tg_adamw_new(ps, &o);
}
static tg_optim *adam_big(const tg_params *ps) {
    tg_adam_opts o = tg_adam_defaults();
    o.lr = 0.03;
    return tg_adam_new(ps, &o);
}

static const method methods[] = {
    {"SGD lr 0.05", sgd, false},
    {"SGD lr 0.01 momentum 0.9", momentum, false},
    {"SGD lr 0.01 Nesterov 0.9", nesterov, false},
    {"Adagrad lr 0.05", adagrad, false},
    {"RMSProp lr 0.003", rmsprop, false},
    {"Adam lr 0.01", adam, false},
    {"AdamW lr 0.01", adamw, false},
    {"Adam 0.03 warmup+cos+clip", adam_big, true},
};
#define N_METHODS (int)(sizeof methods / sizeof methods[0])

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv) {
    const char *path = "optimizers.svg";
    cli c = {"optimizers", "[CHART.svg]",
             "Trains one small MLP with every optimizer from the same start, prints the losses\n"
             "and times, and writes the loss curves to CHART.svg (default optimizers.svg).\n",
             cli_no_options, 1, &path, 0, false};
    int rc = cli_parse(&c, argc, argv);
    if (rc != CLI_RUN) return rc;

    /* Data, identical for every run. */
    tg_real xs[N], ys[N];
    for (int i = 0; i < N; i++) {
        double x = -2 + 4.0 * i / (N - 1);
        xs[i] = (tg_real)x;
        ys[i] = (tg_real)(sin(2 * x) + x / 4);
    }
    tg_tensor *X = tg_tensor_from(2, (int[]){N, 1}, xs, 0);
    tg_tensor *Y = tg_tensor_from(2, (int[]){N, 1}, ys, 0);

    /* Initial weights, drawn once (uniform +-1/sqrt(fan_in), biases 0) and copied
     * into the model before every run. */
    mlp m;
    if (!X || !Y || mlp_init(&m) != 0) {
        fprintf(stderr, "optimizers: setup failed: %s\n", tg_last_error());
        return 1;
    }
    tg_rng rng;
    tg_rng_seed(&rng, 2024);
    tg_tensor_uniform(m.W1, &rng, -1, 1);
    tg_tensor_uniform(m.W2, &rng, (tg_real)-0.25, (tg_real)0.25);
    tg_tensor_uniform(m.W3, &rng, (tg_real)-0.25, (tg_real)0.25);
    static tg_real init[H + H + H * H + H + H + 1]; /* W1 b1 W2 b2 W3 b3 */
    size_t numel = tg_params_numel(&m.ps), k = 0;
    if (numel != sizeof init / sizeof init[0]) {
        fprintf(stderr, "optimizers: %zu parameters, expected %zu\n", numel, sizeof init / sizeof init[0]);
        return 1;
    }
    for (int i = 0; i < m.ps.n; i++)
        for (size_t j = 0; j < m.ps.items[i]->size; j++) init[k++] = m.ps.items[i]->data[j];

    static double curve[N_METHODS][STEPS];
    svg_chart *chart = svg_chart_new("MLP 1-16-16-1 on sin(2x) + x/4: training loss", "step", "MSE loss");
    svg_chart_set_log_y(chart, 1);
    tg_tape *t = tg_tape_new();
    int status = 0;

    printf("%zu parameters, %d points, %d full-batch steps (%s build)\n\n", numel, N, STEPS, TG_REAL_NAME);
    printf("%-28s %11s %11s %11s %9s\n", "optimizer", "loss@10", "loss@100", "loss@1000", "time ms");
    for (int r = 0; r < N_METHODS; r++) {
        k = 0;
        for (int i = 0; i < m.ps.n; i++)
            for (size_t j = 0; j < m.ps.items[i]->size; j++) m.ps.items[i]->data[j] = init[k++];
        tg_optim *opt = methods[r].make(&m.ps);
        tg_sched *sch = NULL;
        if (opt && methods[r].warmup_cosine) {
            /* 50 epochs of linear warm-up from lr/10, then cosine decay to 0. */
            tg_sched *parts[2] = {tg_sched_linear_new(opt, 0.1, 1.0, 50), tg_sched_cosine_new(opt, STEPS - 50, 0.0)};
            sch = tg_sched_sequential_new(opt, parts, 2, (int[]){50});
        }
        if (!opt || (methods[r].warmup_cosine && !sch)) {
            fprintf(stderr, "optimizers: %s: %s\n", methods[r].label, tg_last_error());
            status = 1;
            tg_optim_free(opt);
            continue;
        }
        double t0 = now();
        int s;
        for (s = 0; s < STEPS; s++) {
            tg_tape_reset(t);
            tg_optim_zero_grad(opt);
            tg_tensor *loss = mlp_loss(t, &m, X, Y);
            if (!loss || tg_backward(t, loss, NULL) != TG_OK) {
                fprintf(stderr, "optimizers: %s: %s\n", methods[r].label, tg_tape_message(t));
                break;
            }
            curve[r][s] = (double)tg_item(loss);  /* loss before step s+1 */
            if (sch) tg_clip_grad_norm(&m.ps, 1.0, 2.0, NULL);
            if (tg_optim_step(opt) != TG_OK) {
                fprintf(stderr, "optimizers: %s: %s\n", methods[r].label, tg_last_error());
                break;
            }
            if (sch) tg_sched_step(sch);
        }
        double ms = 1e3 * (now() - t0);
        if (s < STEPS) {
            status = 1;
        } else {
            /* "loss after k steps" = the loss evaluated after k updates = curve[k]. */
            tg_tape_reset(t);
            tg_tensor *final = mlp_loss(t, &m, X, Y);
            double last = final ? (double)tg_item(final) : NAN;
            printf("%-28s %11.3e %11.3e %11.3e %9.1f\n", methods[r].label, curve[r][10], curve[r][100],
                   last, ms);
            if (!(last < curve[r][0])) {
                fprintf(stderr, "optimizers: %s did not reduce the loss\n", methods[r].label);
                status = 1;
            }
            svg_chart_add(chart, methods[r].label, NULL, curve[r], STEPS);
        }
        tg_sched_free(sch);
        tg_optim_free(opt);
    }
    if (!chart || svg_chart_write(chart, path) != 0) {
        status = cli_write_failed("optimizers", path);
    } else {
        printf("\nloss curves written to %s\n", path);
    }
    svg_chart_free(chart);
    tg_tape_free(t);
    mlp_free(&m);
    tg_tensor_free(X);
    tg_tensor_free(Y);
    return status;
}
