/* lecture_03_two_layer.c — example 3: the two-layer networks of the lecture notes
 * (the W6 lecture, "From Single Neurons to a Network" and "Network Definition in
 * Matrix Form"), in matrix form:
 *
 *   h = g(x W1 + b),  y = g(h W2 + b3),   W1 = [w1 w3; w2 w4], W2 = [w5; w6], b = (b1, b2)
 *
 * (x is a row vector, so W1 is the transpose of the notes' [w1 w2; w3 w4]: column j
 * holds the weights of hidden unit j.)
 *   ReLU in-class exercise: x = (20, 3), w = (-0.2, 1, -0.5, 0.3, -1, 0), b = (1, -0.2, 0.5)
 *     -> h1 = h2 = 0, y = 0.5 (the notes). Both hidden units sit at or below 0, where
 *     ReLU passes no gradient: dy/dW1 is all zero.
 *   Sigmoid example: x = (70, 1.75), w = (0.2, 0.4, -0.5, 0.3, 1, -1.5), b = (0.1, -0.1, 0.5)
 * Run: ./build/examples/lecture_03_two_layer
 */
#include <stdio.h>
#include <tapegrad.h>
#include "cli.h"

typedef struct lec03_net { double h[2], y, dW1[4], dW2[2]; } lec03_net;
typedef struct lec03 { lec03_net relu, sigmoid; } lec03;

/* One forward and backward pass of the notes' network; w[0..5] = w1..w6, bs = b1..b3. */
static int lec03_net_run(FILE *out, const char *title, tg_act act, const double x[2],
                         const double w[6], const double bs[3], lec03_net *r) {
    tg_tensor *W1 = tg_param_new("W1", 2, (int[]){2, 2}), *b = tg_param_new("b", 1, (int[]){2});
    tg_tensor *W2 = tg_param_new("W2", 2, (int[]){2, 1}), *b3 = tg_param_new("b3", 1, (int[]){1});
    tg_tensor_copy_from(W1, (tg_real[]){w[0], w[2], w[1], w[3]}, 4);
    tg_tensor_copy_from(W2, (tg_real[]){w[4], w[5]}, 2);
    tg_tensor_copy_from(b, (tg_real[]){bs[0], bs[1]}, 2);
    b3->data[0] = (tg_real)bs[2];
    tg_tape *t = tg_tape_new();
    tg_tensor *xs = tg_tape_tensor(t, 2, (int[]){1, 2}, (tg_real[]){x[0], x[1]}, 0);
    tg_tensor *h = tg_activate(t, tg_add(t, tg_matmul(t, xs, W1), b), act, 0);   /* (1,2) */
    tg_tensor *y = tg_activate(t, tg_add(t, tg_matmul(t, h, W2), b3), act, 0);   /* (1,1) */
    int rc = !y || tg_backward(t, y, NULL) != TG_OK;
    if (rc) {
        fprintf(stderr, "lecture_03_two_layer: %s\n", tg_tape_message(t));
    } else {
        *r = (lec03_net){.h = {h->data[0], h->data[1]}, .y = tg_item(y),
                         .dW1 = {W1->grad[0], W1->grad[1], W1->grad[2], W1->grad[3]},
                         .dW2 = {W2->grad[0], W2->grad[1]}};
        fprintf(out, "%s: x = (%g, %g)\n", title, x[0], x[1]);
        fprintf(out, "  h1 = %s(%g*%g + %g*%g + %g) = %.10g\n", tg_act_name(act), w[0], x[0], w[1], x[1], bs[0], r->h[0]);
        fprintf(out, "  h2 = %s(%g*%g + %g*%g + %g) = %.10g\n", tg_act_name(act), w[2], x[0], w[3], x[1], bs[1], r->h[1]);
        fprintf(out, "  y  = %s(%g*h1 + %g*h2 + %g) = %.6f\n", tg_act_name(act), w[4], w[5], bs[2], r->y);
        fprintf(out, "  dy/dW1 = [%.4g, %.4g; %.4g, %.4g], dy/dW2 = [%.4g; %.4g]   (from the tape)\n",
                r->dW1[0], r->dW1[1], r->dW1[2], r->dW1[3], r->dW2[0], r->dW2[1]);
    }
    tg_tape_free(t);
    tg_tensor_free(W1);
    tg_tensor_free(b);
    tg_tensor_free(W2);
    tg_tensor_free(b3);
    return rc;
}

static int lec03_run(FILE *out, lec03 *res) {
    lec03 r = {0};
    int rc = lec03_net_run(out, "ReLU in-class exercise", TG_ACT_RELU, (double[]){20, 3},
                           (double[]){-0.2, 1, -0.5, 0.3, -1, 0}, (double[]){1, -0.2, 0.5}, &r.relu);
    fprintf(out, "  (the notes: h1 = h2 = 0, y = 0.5; no gradient reaches W1 through a unit at or below 0)\n\n");
    rc |= lec03_net_run(out, "sigmoid network", TG_ACT_SIGMOID, (double[]){70, 1.75},
                        (double[]){0.2, 0.4, -0.5, 0.3, 1, -1.5}, (double[]){0.1, -0.1, 0.5}, &r.sigmoid);
    fprintf(out, "  (h1 = sigmoid(14.8), h2 = sigmoid(-34.575): both saturated, so dy/dW1 is tiny)\n");
    if (res) *res = r;
    return rc;
}

#ifndef LECTURE_TEST
int main(int argc, char **argv) {
    cli c = {"lecture_03_two_layer", "",
             "Example 3 of the lecture notes: the two-layer networks in matrix form, forward\n"
             "and backward; prints every quantity.\n",
             cli_no_options, 0, NULL, 0, false};
    int rc = cli_parse(&c, argc, argv);
    return rc != CLI_RUN ? rc : lec03_run(stdout, NULL);
}
#endif
