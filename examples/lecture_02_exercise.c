/* lecture_02_exercise.c — example 2: the exercise of the lecture notes (the W6
 * lecture, "Exercise: Forward Propagation in a Simple Neural Network"): one gradient
 * step.
 *
 *   x = (0.5, 0.85), y = 1.2, w = (0.4, 0.6), b = 0.2, sigmoid, L = (y - yhat)^2 / 2
 *   z = x . w + b = 0.91,  yhat = 0.713,  L = 0.12
 *   dL/dw_i = (yhat - y) * yhat (1 - yhat) * x_i,   w_i <- w_i - 0.1 dL/dw_i
 *
 * The notes give w1 ~ 0.405 and w2 ~ 0.608 after the step.
 * Run: ./build/examples/lecture_02_exercise
 */
#include <stdio.h>
#include <tapegrad.h>
#include "cli.h"

typedef struct lec02 { double z, yhat, L, dw[2], db, w[2], b; } lec02;

static int lec02_run(FILE *out, lec02 *res) {
    tg_tensor *w = tg_param_new("w", 2, (int[]){2, 1}), *b = tg_param_new("b", 1, (int[]){1});
    tg_tensor_copy_from(w, (tg_real[]){0.4, 0.6}, 2);
    b->data[0] = (tg_real)0.2;
    tg_tape *t = tg_tape_new();
    tg_tensor *x = tg_tape_tensor(t, 2, (int[]){1, 2}, (tg_real[]){0.5, 0.85}, 0);
    tg_tensor *y = tg_tape_full(t, 2, (int[]){1, 1}, (tg_real)1.2);
    tg_tensor *z = tg_add(t, tg_matmul(t, x, w), b);                  /* (1,2) x (2,1) + (1) */
    tg_tensor *yhat = tg_sigmoid(t, z);
    tg_tensor *L = tg_mul_scalar(t, tg_square(t, tg_sub(t, y, yhat)), (tg_real)0.5);
    if (!L || tg_backward(t, L, NULL) != TG_OK) {
        fprintf(stderr, "lecture_02_exercise: %s\n", tg_tape_message(t));
        return 1;
    }
    lec02 r = {.z = tg_item(z), .yhat = tg_item(yhat), .L = tg_item(L),
               .dw = {w->grad[0], w->grad[1]}, .db = b->grad[0]};
    const double alpha = 0.1; /* one step of gradient descent: p <- p - alpha dL/dp */
    for (int i = 0; i < 2; i++) r.w[i] = w->data[i] = (tg_real)(w->data[i] - alpha * w->grad[i]);
    r.b = b->data[0] = (tg_real)(b->data[0] - alpha * b->grad[0]);

    fprintf(out, "exercise (the W6 lecture)\n"
                 "x = (0.5, 0.85), y = 1.2, w = (0.4, 0.6), b = 0.2, alpha = 0.1\n");
    fprintf(out, "  z     = 0.5*0.4 + 0.85*0.6 + 0.2 = %.2f\n", r.z);
    fprintf(out, "  yhat  = sigmoid(z)            = %.3f\n", r.yhat);
    fprintf(out, "  L     = (y - yhat)^2 / 2      = %.3f   (the notes round to 0.12)\n", r.L);
    fprintf(out, "  dL/dz = (yhat - y) yhat (1 - yhat) = %.5f\n", (double)z->grad[0]);
    fprintf(out, "  dL/dw = (%.5f, %.5f), dL/db = %.5f   (from the tape)\n", r.dw[0], r.dw[1], r.db);
    fprintf(out, "after one step: w1 = %.3f, w2 = %.3f, b = %.3f   (the notes: 0.405, 0.608)\n",
            r.w[0], r.w[1], r.b);
    if (res) *res = r;
    tg_tape_free(t);
    tg_tensor_free(w);
    tg_tensor_free(b);
    return 0;
}

#ifndef LECTURE_TEST
int main(int argc, char **argv) {
    cli c = {"lecture_02_exercise", "",
             "Example 2 of the lecture notes: one gradient step of a sigmoid neuron with two\n"
             "inputs (the exercise on forward propagation); prints every quantity.\n",
             cli_no_options, 0, NULL, 0, false};
    int rc = cli_parse(&c, argc, argv);
    return rc != CLI_RUN ? rc : lec02_run(stdout, NULL);
}
#endif
