/* lecture_01_neuron.c — example 1: the single neuron of the lecture notes
 * (the W6 lecture, "Simple Example of Computing Gradient"), watched on the tape.
 *
 *   x = 2, y = 1, w = 0.5, b = 0
 *   z = w x + b,  yhat = sigmoid(z),  L = 1/2 (y - yhat)^2
 *   dL/dw = dL/dyhat * dyhat/dz * dz/dw = -(y - yhat) * yhat (1 - yhat) * x
 *
 * The notes give yhat = 0.731, L = 0.036, dL/dw = -0.106. This program prints the tape
 * as a table and the traced backward sweep, in which the three chain-rule factors
 * appear as the lines of the sigmoid node and of the product w x.
 *
 *   ./build/examples/lecture_01_neuron          table and trace
 *   ./build/examples/lecture_01_neuron --dot    the tape as Graphviz DOT
 *     (render: ... --dot > neuron.dot && dot -Tsvg neuron.dot > neuron.svg)
 *   ./build/examples/lecture_01_neuron --html neuron.html   the sweep viewer
 */
#include <stdio.h>
#include <string.h>
#include <tapegrad.h>
#include "cli.h"

typedef struct lec01 {
    double z, yhat, L, dw, db;
    double dL_dyhat, dyhat_dz, dz_dw; /* the three factors, read off the tape */
} lec01;

static int lec01_run(FILE *out, int argc, char **argv, lec01 *res) {
    int dot = argc > 1 && strcmp(argv[1], "--dot") == 0;
    const char *html = argc > 2 && strcmp(argv[1], "--html") == 0 ? argv[2] : NULL;
    tg_tensor *w = tg_param_new("w", 0, NULL), *b = tg_param_new("b", 0, NULL);
    tg_tape *t = tg_tape_new();
    w->data[0] = (tg_real)0.5;
    tg_tensor *x = tg_name(tg_tape_full(t, 0, NULL, 2), "x");
    tg_tensor *y = tg_name(tg_tape_full(t, 0, NULL, 1), "y");
    tg_tensor *z = tg_name(tg_add(t, tg_mul(t, w, x), b), "z");            /* z = w x + b */
    tg_tensor *yhat = tg_name(tg_sigmoid(t, z), "yhat");                   /* yhat = sigmoid(z) */
    tg_tensor *L = tg_name(tg_mul_scalar(t, tg_square(t, tg_sub(t, y, yhat)), (tg_real)0.5), "L");
    int rc = 0;
    if (!L) {
        fprintf(stderr, "lecture_01_neuron: %s\n", tg_tape_message(t));
        rc = 1;
    } else if (html) {
        tg_html_opts ho = {.root = L, .title = "the single neuron of the W6 lecture"};
        rc = tg_tape_html(t, html, &ho) != TG_OK;
        if (rc) fprintf(stderr, "lecture_01_neuron: %s\n", tg_last_error());
        else fprintf(out, "wrote %s: open it in a browser and press \"step\"\n", html);
    } else if (dot) {
        tg_backward(t, L, NULL);
        rc = tg_tape_dot(out, t, L, NULL) != TG_OK;
    } else {
        fprintf(out, "single neuron (the W6 lecture): x = 2, y = 1, w = 0.5, b = 0, L = 1/2 (y - yhat)^2\n\n");
        fprintf(out, "the backward sweep, node by node (upstream * local = contribution):\n");
        rc = tg_backward_trace(out, t, L, NULL, NULL) != TG_OK;
        fprintf(out, "\nthe tape after the sweep:\n");
        tg_tape_print(out, t, L, NULL);
        fprintf(out, "\nyhat = %.3f, L = %.3f, dL/dw = %.3f (the notes: 0.731, 0.036, -0.106)\n",
                (double)tg_item(yhat), (double)tg_item(L), (double)w->grad[0]);
        fprintf(out, "chain rule: dL/dyhat * dyhat/dz * dz/dw = %.4f * %.4f * %.0f = %.4f\n",
                (double)yhat->grad[0], (double)(z->grad[0] / yhat->grad[0]),
                (double)(w->grad[0] / z->grad[0]), (double)w->grad[0]);
    }
    if (res && L && w->grad) {
        *res = (lec01){.z = tg_item(z), .yhat = tg_item(yhat), .L = tg_item(L), .dw = w->grad[0],
                       .db = b->grad[0], .dL_dyhat = yhat->grad[0],
                       .dyhat_dz = z->grad[0] / yhat->grad[0], .dz_dw = w->grad[0] / z->grad[0]};
    }
    tg_tape_free(t);
    tg_tensor_free(w);
    tg_tensor_free(b);
    return rc;
}

#ifndef LECTURE_TEST
int main(int argc, char **argv) {
    bool dot = false;
    const char *html = NULL;
    const cli_opt opts[] = {
        {"--dot", NULL, CLI_FLAG, &dot, 0, 0, "print the tape as Graphviz DOT instead", NULL, NULL},
        {"--html", "PATH", CLI_STR, &html, 0, 0,
         "write the sweep viewer (one self-contained HTML page) to PATH instead", "none", NULL},
        {0}};
    cli c = {"lecture_01_neuron", "",
             "Example 1 of the lecture notes: the single neuron on the tape, printed as a table\n"
             "and as the traced backward sweep (or, with --dot, as a Graphviz graph; with --html,\n"
             "as a page that steps through the sweep in a browser).\n",
             opts, 0, NULL, 0, false};
    int rc = cli_parse(&c, argc, argv);
    if (rc != CLI_RUN) return rc;
    if (html) return lec01_run(stdout, 3, (char *[]){argv[0], "--html", (char *)html, NULL}, NULL);
    return lec01_run(stdout, dot ? 2 : 1, (char *[]){argv[0], "--dot", NULL}, NULL);
}
#endif
