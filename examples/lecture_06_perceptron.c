/* lecture_06_perceptron.c — example 6: the perceptron rule (the lecture notes'
 * overview, "Training Process": if misclassified, w_i <- w_i + alpha (y - yhat) x_i)
 * on a linearly separable set (AND), where it converges, and on XOR, where it never
 * does; then an MLP that learns XOR.
 *
 * The rule is one SGD step on the perceptron criterion L = -(y - stop(yhat)) z of
 * tg_perceptron_loss (<tapegrad/tg_neuron.h>): its gradient is -(y - yhat) x, so
 * w <- w - alpha dL/dw is the rule, taken from the tape. Start w = 0, b = 0,
 * alpha = 1, samples in the order 00, 01, 10, 11; yhat = step(z) = [z >= 0].
 * The MLP: 2 -> 4 (tanh) -> 1 (sigmoid), binary cross-entropy, Adam, 600 full steps.
 * Run: ./build/examples/lecture_06_perceptron
 */
#include <stdio.h>
#include <tapegrad.h>
#include "cli.h"

#define LEC06_EPOCHS 12

typedef struct lec06 {
    int and_errors[LEC06_EPOCHS], xor_errors[LEC06_EPOCHS];
    int and_epochs;            /* epochs until an epoch without error (0: never) */
    double w[2], b;            /* the perceptron learned for AND */
    double mlp_y[4], mlp_loss; /* the MLP's outputs on 00, 01, 10, 11 and final loss */
} lec06;

static const tg_real lec06_X[8] = {0, 0, 0, 1, 1, 0, 1, 1};

/* Trains a perceptron with the rule; errors[e] = misclassified samples in epoch e. */
static int lec06_perceptron(const tg_real Y[4], int errors[LEC06_EPOCHS], double w[2], double *b) {
    tg_neuron *n = tg_neuron_new("p", 2, TG_ACT_STEP, NULL); /* w = b = 0 */
    tg_tape *t = tg_tape_new();
    if (!n || !t) return 1;
    for (int e = 0; e < LEC06_EPOCHS; e++) {
        errors[e] = 0;
        for (int i = 0; i < 4; i++) {
            tg_tape_reset(t);
            tg_tensor *x = tg_tape_tensor(t, 2, (int[]){1, 2}, lec06_X + 2 * i, 0);
            tg_tensor *y = tg_tape_tensor(t, 1, (int[]){1}, Y + i, 0);
            tg_tensor *yhat = tg_neuron_forward(t, n, x);
            tg_tensor *L = tg_perceptron_loss(t, n, x, y);
            if (!L || tg_backward(t, L, NULL) != TG_OK) return 1;
            errors[e] += yhat->data[0] != Y[i];
            /* w <- w - alpha dL/dw = w + alpha (y - yhat) x, alpha = 1 */
            for (int k = 0; k < 2; k++) n->w->data[k] -= n->w->grad[k];
            n->b->data[0] -= n->b->grad[0];
            tg_tensor_zero_grad(n->w);
            tg_tensor_zero_grad(n->b);
        }
    }
    w[0] = n->w->data[0];
    w[1] = n->w->data[1];
    *b = n->b->data[0];
    tg_tape_free(t);
    tg_neuron_free(n);
    return 0;
}

static int lec06_mlp(lec06 *r) {
    static const tg_real Y[4] = {0, 1, 1, 0};
    tg_rng rng;
    tg_rng_seed(&rng, 2024);
    tg_mlp *net = tg_mlp_new("mlp", 3, (int[]){2, 4, 1}, TG_ACT_TANH, TG_ACT_SIGMOID, &rng);
    tg_params ps = {0};
    tg_adam_opts ao = tg_adam_defaults();
    ao.lr = 0.05;
    tg_optim *opt = net && tg_mlp_params(net, &ps) == TG_OK ? tg_adam_new(&ps, &ao) : NULL;
    tg_tape *t = tg_tape_new();
    int rc = !opt || !t;
    for (int step = 0; step < 600 && !rc; step++) {
        tg_tape_reset(t);
        tg_tensor *x = tg_tape_tensor(t, 2, (int[]){4, 2}, lec06_X, 0);
        tg_tensor *y = tg_tape_tensor(t, 2, (int[]){4, 1}, Y, 0);
        tg_tensor *yhat = tg_mlp_forward(t, net, x);
        tg_tensor *loss = tg_bce_loss(t, yhat, y);
        tg_optim_zero_grad(opt);
        rc = tg_backward(t, loss, NULL) != TG_OK || tg_optim_step(opt) != TG_OK;
        if (!rc) {
            for (int i = 0; i < 4; i++) r->mlp_y[i] = yhat->data[i]; /* before this step */
            r->mlp_loss = tg_item(loss);
        }
    }
    tg_tape_free(t);
    tg_optim_free(opt);
    tg_params_free(&ps);
    tg_mlp_free(net);
    return rc;
}

static int lec06_run(FILE *out, lec06 *res) {
    static const tg_real AND[4] = {0, 0, 0, 1}, XOR[4] = {0, 1, 1, 0};
    lec06 r = {.and_epochs = 0};
    double wx[2], bx;
    if (lec06_perceptron(AND, r.and_errors, r.w, &r.b) || lec06_perceptron(XOR, r.xor_errors, wx, &bx) ||
        lec06_mlp(&r)) {
        fprintf(stderr, "lecture_06_perceptron: %s\n", tg_last_error());
        return 1;
    }
    for (int e = 0; e < LEC06_EPOCHS && !r.and_epochs; e++)
        if (r.and_errors[e] == 0) r.and_epochs = e + 1;
    fprintf(out, "perceptron rule (the lecture notes' overview): w <- w + alpha (y - yhat) x\n"
                 "alpha = 1, w = b = 0 at start\n");
    fprintf(out, "errors per epoch:\nepoch  AND  XOR\n");
    for (int e = 0; e < LEC06_EPOCHS; e++)
        fprintf(out, "%5d  %3d  %3d\n", e + 1, r.and_errors[e], r.xor_errors[e]);
    fprintf(out, "AND: no error from epoch %d on: w = (%g, %g), b = %g\n", r.and_epochs, r.w[0], r.w[1], r.b);
    fprintf(out, "XOR: no line separates {01, 10} from {00, 11}; the rule cycles and never converges\n\n");
    fprintf(out, "an MLP 2 -> 4 (tanh) -> 1 (sigmoid), Adam lr 0.05, 600 steps: BCE loss %.4f\n", r.mlp_loss);
    for (int i = 0; i < 4; i++)
        fprintf(out, "  %d %d -> %.3f\n", (int)lec06_X[2 * i], (int)lec06_X[2 * i + 1], r.mlp_y[i]);
    if (res) *res = r;
    return 0;
}

#ifndef LECTURE_TEST
int main(int argc, char **argv) {
    cli c = {"lecture_06_perceptron", "",
             "Example 6 of the lecture notes: the perceptron rule on AND (it converges) and\n"
             "on XOR (it never does), then an MLP that learns XOR.\n",
             cli_no_options, 0, NULL, 0, false};
    int rc = cli_parse(&c, argc, argv);
    return rc != CLI_RUN ? rc : lec06_run(stdout, NULL);
}
#endif
