/* second_order.c — second derivatives from the tape: tg_grad with
 * TG_GRAD_CREATE_GRAPH records the backward sweep itself, so a gradient can be
 * differentiated again.
 *
 * 1. The single neuron of the lecture notes (the W6 lecture, "Simple Example of
 *    Computing Gradient"): x = 2, y = 1, w = 0.5, b = 0, yhat = sigmoid(w x),
 *    L = 1/2 (y - yhat)^2. By hand, with s = sigmoid(z), s' = s (1 - s) and
 *    s'' = s' (1 - 2 s):
 *        dL/dw   = (s - y) s' x
 *        d2L/dw2 = (s'^2 + (s - y) s'') x^2
 *    The program prints both from the tape beside these formulas, then one gradient
 *    step (alpha = 0.1, the exercise's rate) and one Newton step (w - L'/L''), and
 *    the loss after each.
 * 2. The exercise of the same lecture (x = (0.5, 0.85), y = 1.2, w = (0.4, 0.6),
 *    b = 0.2): the 3x3 Hessian of L in (w1, w2, b), one row per second sweep, beside
 *    the hand form d2L/dz2 u u^T, u = (x1, x2, 1).
 *
 * 3. With --tape: the nodes a recorded sweep adds, for d/dx tanh x at x = 0.5, as the
 *    table shows them ("backward of tg_tanh (node 0)"), and the traced sweep over
 *    them that gives d2/dx2 tanh x = -2 tanh x (1 - tanh^2 x).
 *
 * 4. With --trace: the neuron's dL/dw recorded as a tensor g, and the traced sweep
 *    from g: every line upstream * local = contribution, over the recorded nodes and
 *    then the forward ones, ending at d2L/dw2 = 0.25237. With --html FILE: the same
 *    sweep in the viewer, the recorded nodes in a band of their own.
 *
 * Run: ./build/examples/second_order [--tape | --trace | --html FILE]
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <tapegrad.h>
#include "cli.h"

/* L = 1/2 (y - sigmoid(z))^2 with z = sum_i w_i x_i + b, on t. */
static tg_tensor *so_loss(tg_tape *t, tg_tensor *const *w, const double *x, int n, tg_tensor *b,
                              double y) {
    tg_tensor *z = b;
    for (int i = 0; i < n; i++) z = tg_add(t, z, tg_mul_scalar(t, w[i], (tg_real)x[i]));
    tg_tensor *err = tg_add_scalar(t, tg_neg(t, tg_sigmoid(t, z)), (tg_real)y);
    return tg_mul_scalar(t, tg_square(t, err), (tg_real)0.5);
}

/* The loss of the single neuron at w (a value, for printing after a step). */
static double so_loss_at(double w) {
    double s = 1 / (1 + exp(-2 * w));
    return 0.5 * (1 - s) * (1 - s);
}

static int so_neuron(FILE *out, tg_tape *t) {
    tg_tensor *w = tg_param_new("w", 0, NULL), *b = tg_param_new("b", 0, NULL);
    w->data[0] = (tg_real)0.5;
    const double x = 2, y = 1;
    tg_tensor *L = so_loss(t, &w, &x, 1, b, y);
    tg_tensor *dw, *d2w;
    /* dL/dw as a tensor on the tape, then its own derivative */
    if (tg_grad(t, L, NULL, &w, 1, TG_GRAD_CREATE_GRAPH, &dw) != TG_OK ||
        tg_grad(t, dw, NULL, &w, 1, 0, &d2w) != TG_OK) {
        fprintf(stderr, "second_order: %s\n", tg_tape_message(t));
        return 1;
    }
    double s = 1 / (1 + exp(-(0.5 * x))), s1 = s * (1 - s), s2 = s1 * (1 - 2 * s);
    double g = (s - y) * s1 * x, h = (s1 * s1 + (s - y) * s2) * x * x;
    fprintf(out, "the single neuron (the W6 lecture): x = 2, y = 1, w = 0.5, b = 0\n");
    fprintf(out, "  yhat = s = sigmoid(w x) = %.5f, L = 1/2 (y - yhat)^2 = %.5f\n", s, (double)tg_item(L));
    fprintf(out, "  s' = s (1 - s) = %.5f, s'' = s' (1 - 2 s) = %.5f\n", s1, s2);
    fprintf(out, "                 tape        by hand\n");
    fprintf(out, "  dL/dw      %9.5f   %9.5f   (s - y) s' x\n", (double)tg_item(dw), g);
    fprintf(out, "  d2L/dw2    %9.5f   %9.5f   (s'^2 + (s - y) s'') x^2\n", (double)tg_item(d2w), h);
    double w_gd = 0.5 - 0.1 * tg_item(dw), w_nt = 0.5 - tg_item(dw) / tg_item(d2w);
    fprintf(out, "one step from w = 0.5 (L = %.5f):\n", so_loss_at(0.5));
    fprintf(out, "  gradient step, w - 0.1 L'  : w = %.5f, L = %.5f\n", w_gd, so_loss_at(w_gd));
    fprintf(out, "  Newton step,   w - L'/L''  : w = %.5f, L = %.5f\n", w_nt, so_loss_at(w_nt));
    tg_tensor_free(w);
    tg_tensor_free(b);
    return 0;
}

static int so_hessian(FILE *out, tg_tape *t) {
    tg_tensor *p[3] = {tg_param_new("w1", 0, NULL), tg_param_new("w2", 0, NULL), tg_param_new("b", 0, NULL)};
    p[0]->data[0] = (tg_real)0.4, p[1]->data[0] = (tg_real)0.6, p[2]->data[0] = (tg_real)0.2;
    const double x[2] = {0.5, 0.85}, y = 1.2, u[3] = {0.5, 0.85, 1};
    tg_tensor *L = so_loss(t, p, x, 2, p[2], y);
    tg_tensor *g[3], *row[3];
    int rc = tg_grad(t, L, NULL, p, 3, TG_GRAD_CREATE_GRAPH, g) != TG_OK;
    double s = 1 / (1 + exp(-(0.5 * 0.4 + 0.85 * 0.6 + 0.2))), s1 = s * (1 - s), s2 = s1 * (1 - 2 * s);
    double lzz = s1 * s1 + (s - y) * s2;
    fprintf(out, "\nthe exercise (the W6 lecture): x = (0.5, 0.85), y = 1.2, w = (0.4, 0.6), b = 0.2\n");
    fprintf(out, "  z = 0.91, s = %.5f, d2L/dz2 = s'^2 + (s - y) s'' = %.5f\n", s, lzz);
    fprintf(out, "  Hessian of L in (w1, w2, b):   tape                      | by hand, d2L/dz2 u u^T\n");
    for (int i = 0; i < 3 && !rc; i++) {
        /* row i: the gradient of dL/dp_i (one more sweep) */
        rc = tg_grad(t, g[i], NULL, p, 3, TG_GRAD_ALLOW_UNUSED, row) != TG_OK;
        if (rc) break;
        fprintf(out, "  %-4s", i == 0 ? "w1" : i == 1 ? "w2" : "b");
        for (int j = 0; j < 3; j++) fprintf(out, " %9.5f", (double)tg_item(row[j]));
        fprintf(out, "   |");
        for (int j = 0; j < 3; j++) fprintf(out, " %9.5f", lzz * u[i] * u[j]);
        fprintf(out, "\n");
    }
    if (rc) fprintf(stderr, "second_order: %s\n", tg_tape_message(t));
    for (int i = 0; i < 3; i++) tg_tensor_free(p[i]);
    return rc;
}

static int so_tape(FILE *out) {
    tg_tape *t = tg_tape_new();
    tg_tensor *x = tg_name(tg_tape_tensor(t, 0, NULL, (tg_real[]){0.5}, TG_REQUIRES_GRAD), "x");
    tg_tensor *y = tg_name(tg_tanh(t, x), "y"), *dy = NULL;
    int rc = tg_grad(t, y, NULL, &x, 1, TG_GRAD_CREATE_GRAPH, &dy) != TG_OK;
    if (!rc) {
        fprintf(out, "dy/dx = 1 - y^2 recorded on the tape (n1, one tanh_backward):\n");
        tg_tape_print(out, t, NULL, NULL);
        fprintf(out, "\nthe sweep over it, d2y/dx2 = -2 y (1 - y^2) = %.4f:\n",
                -2 * tanh(0.5) * (1 - tanh(0.5) * tanh(0.5)));
        rc = tg_backward_trace(out, t, dy, NULL, NULL) != TG_OK;
    }
    if (rc) fprintf(stderr, "second_order: %s\n", tg_tape_message(t));
    tg_tape_free(t);
    return rc;
}

/* The neuron again, its tensors named, and dL/dw recorded as the tensor g; then the
 * sweep from g, traced (html NULL) or written as the sweep viewer's page at html.
 * Its last line is d2L/dw2 = dg/dw, beside the hand value. */
static int so_trace(FILE *out, const char *html) {
    tg_tensor *w = tg_param_new("w", 0, NULL), *b = tg_param_new("b", 0, NULL);
    tg_tape *t = tg_tape_new();
    if (!w || !b || !t) return 1;
    w->data[0] = (tg_real)0.5;
    tg_tensor *z = tg_name(tg_add(t, b, tg_name(tg_mul_scalar(t, w, 2), "wx")), "z");
    tg_tensor *yhat = tg_name(tg_sigmoid(t, z), "yhat");
    tg_tensor *e = tg_name(tg_add_scalar(t, tg_neg(t, yhat), 1), "e");     /* y - yhat */
    tg_tensor *L = tg_name(tg_mul_scalar(t, tg_square(t, e), (tg_real)0.5), "L");
    tg_tensor *g = NULL;
    int rc = tg_grad(t, L, NULL, &w, 1, TG_GRAD_CREATE_GRAPH, &g) != TG_OK;
    if (!rc) {
        tg_name(g, "g"); /* g = dL/dw, a tensor on the tape */
        size_t fwd = L->node->id + 1; /* the nodes recorded up to L (ids count from 0) */
        fprintf(out, "g = dL/dw recorded: %zu forward nodes, %zu of the recorded sweep; its sweep gives d2L/dw2:\n",
                fwd, tg_tape_node_count(t) - fwd);
        if (html) {
            tg_html_opts ho = {.root = g, .title = "tapegrad: the second derivative of the neuron"};
            rc = tg_tape_html(t, html, &ho) != TG_OK;
            if (!rc) fprintf(out, "wrote %s: the recorded sweep in its own band; press \"step\"\n", html);
        } else {
            rc = tg_backward_trace(out, t, g, NULL, NULL) != TG_OK;
        }
    }
    if (!rc) {
        double s = 1 / (1 + exp(-1.0)), s1 = s * (1 - s), s2 = s1 * (1 - 2 * s);
        fprintf(out, "d2L/dw2 = dg/dw = %.5f; by hand (s'^2 + (s - y) s'') x^2 = %.5f\n", (double)w->grad[0],
                (s1 * s1 + (s - 1) * s2) * 4);
    }
    if (rc) fprintf(stderr, "second_order: %s\n", tg_last_error());
    tg_tape_free(t);
    tg_tensor_free(w);
    tg_tensor_free(b);
    return rc;
}

static int so_run(FILE *out) {
    tg_tape *t = tg_tape_new();
    int rc = !t || so_neuron(out, t);
    if (!rc) {
        tg_tape_reset(t);
        rc = so_hessian(out, t);
    }
    tg_tape_free(t);
    return rc;
}

#ifndef LECTURE_TEST
int main(int argc, char **argv) {
    bool tape = false, trace = false;
    const char *html = NULL;
    const cli_opt opts[] = {
        {"--tape", NULL, CLI_FLAG, &tape, 0, 0,
         "show the nodes a recorded sweep adds for d/dx tanh x and the traced sweep over them",
         NULL, NULL},
        {"--trace", NULL, CLI_FLAG, &trace, 0, 0,
         "trace the sweep over the neuron's recorded dL/dw: its second derivative, line by line",
         NULL, NULL},
        {"--html", "FILE", CLI_STR, &html, 0, 0,
         "write the sweep viewer's page of that second sweep to FILE", NULL, NULL},
        {0}};
    cli c = {"second_order", "",
             "Second derivatives from the tape: the lecture's neuron (first and second derivative\n"
             "beside the hand formulas, a gradient and a Newton step) and the exercise's Hessian.\n",
             opts, 0, NULL, 0, false};
    int rc = cli_parse(&c, argc, argv);
    if (rc != CLI_RUN) return rc;
    if (trace || html) return so_trace(stdout, html);
    return tape ? so_tape(stdout) : so_run(stdout);
}
#endif
