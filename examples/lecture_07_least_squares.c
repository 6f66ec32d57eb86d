/* lecture_07_least_squares.c — example 7: linear regression by least squares, by
 * gradient descent (the introductory lecture, "Practice: Partial Derivatives for
 * Linear Equations"):
 *
 *   data (1, 2), (2, 3), (3, 4);  y = m x + c;  MSE = 1/n sum (y_i - (m x_i + c))^2
 *   dMSE/dm = 2/n sum -x_i (y_i - (m x_i + c)),  dMSE/dc = 2/n sum -(y_i - (m x_i + c))
 *   start m = 1, c = 0, learning rate 0.01
 *
 * The notes' first step: MSE = 1, dMSE/dm = -4, dMSE/dc = -2, so y = 1.04 x + 0.02.
 * Gradient descent (gradients from the tape, tg_mse_loss) then converges to the
 * closed-form least-squares line m = cov(x, y) / var(x), c = mean(y) - m mean(x),
 * here y = x + 1 exactly. The slow direction of the loss has curvature 0.24, so at
 * rate 0.01 the error shrinks by about 0.24% per step: 20,000 steps.
 * Run: ./build/examples/lecture_07_least_squares
 */
#include <math.h>
#include <stdio.h>
#include <tapegrad.h>
#include "cli.h"

#define LEC07_STEPS 20000

typedef struct lec07 {
    double mse0, dm0, dc0;    /* at the start */
    double m1, c1;            /* after the first step */
    double m, c, mse;         /* after LEC07_STEPS */
    double m_closed, c_closed;
} lec07;

static int lec07_run(FILE *out, lec07 *res) {
    static const tg_real X[3] = {1, 2, 3}, Y[3] = {2, 3, 4};
    lec07 r = {0};
    /* Closed form (normal equations), in double. */
    double mx = 0, my = 0, sxy = 0, sxx = 0;
    for (int i = 0; i < 3; i++) mx += X[i] / 3.0, my += Y[i] / 3.0;
    for (int i = 0; i < 3; i++) sxy += (X[i] - mx) * (Y[i] - my), sxx += (X[i] - mx) * (X[i] - mx);
    r.m_closed = sxy / sxx;
    r.c_closed = my - r.m_closed * mx;

    tg_tensor *m = tg_param_new("m", 1, (int[]){1}), *c = tg_param_new("c", 1, (int[]){1});
    m->data[0] = 1;
    tg_tape *t = tg_tape_new();
    const double lr = 0.01;
    fprintf(out, "least squares by gradient descent (the introductory lecture)\n"
                 "data (1,2), (2,3), (3,4), m = 1, c = 0, rate 0.01\n");
    fprintf(out, " step        m           c          MSE      dMSE/dm     dMSE/dc\n");
    for (int step = 0; step <= LEC07_STEPS; step++) {
        tg_tape_reset(t);
        tg_tensor *x = tg_tape_tensor(t, 1, (int[]){3}, X, 0), *y = tg_tape_tensor(t, 1, (int[]){3}, Y, 0);
        tg_tensor *mse = tg_mse_loss(t, tg_add(t, tg_mul(t, x, m), c), y);   /* mean((m x + c - y)^2) */
        if (!mse || tg_backward(t, mse, NULL) != TG_OK) {
            fprintf(stderr, "lecture_07_least_squares: %s\n", tg_tape_message(t));
            return 1;
        }
        if (step == 0) r.mse0 = tg_item(mse), r.dm0 = m->grad[0], r.dc0 = c->grad[0];
        r.m = m->data[0], r.c = c->data[0], r.mse = tg_item(mse);
        if (step == 0 || step == 1 || step == 10 || step == 100 || step == 1000 || step % 5000 == 0)
            fprintf(out, "%5d  %10.6f  %10.6f  %10.3e  %10.3e  %10.3e\n", step, r.m, r.c, r.mse,
                    (double)m->grad[0], (double)c->grad[0]);
        if (step == LEC07_STEPS) break;
        m->data[0] -= (tg_real)(lr * m->grad[0]);
        c->data[0] -= (tg_real)(lr * c->grad[0]);
        tg_tensor_zero_grad(m);
        tg_tensor_zero_grad(c);
        if (step == 0) r.m1 = m->data[0], r.c1 = c->data[0];
    }
    fprintf(out, "first step: y = %.2f x + %.2f (the notes: y = 1.04x + 0.02)\n", r.m1, r.c1);
    fprintf(out, "after %d steps: y = %.6f x + %.6f; closed form: y = %.6f x + %.6f\n", LEC07_STEPS,
            r.m, r.c, r.m_closed, r.c_closed);
    if (res) *res = r;
    tg_tape_free(t);
    tg_tensor_free(m);
    tg_tensor_free(c);
    return 0;
}

#ifndef LECTURE_TEST
int main(int argc, char **argv) {
    cli c = {"lecture_07_least_squares", "",
             "Example 7 of the lecture notes: linear regression by gradient descent on the\n"
             "least-squares error.\n",
             cli_no_options, 0, NULL, 0, false};
    int rc = cli_parse(&c, argc, argv);
    return rc != CLI_RUN ? rc : lec07_run(stdout, NULL);
}
#endif
