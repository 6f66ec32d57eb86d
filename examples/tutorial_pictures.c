/* tutorial_pictures.c — the tutorial's matrix traces and big pictures
 * (examples/TUTORIAL.md, sections 5, 6 and 8).
 *
 *   ./build/examples/tutorial_pictures          the sweep of a two-layer network in
 *                                               matrix form, then a batch of four
 *   ./build/examples/tutorial_pictures --big    DOT files of a 2-layer LSTM over 20
 *                                               steps, whole and collapsed, and its
 *                                               sweep viewer
 *   ./build/examples/tutorial_pictures --wrong  an op with a wrong derivative found
 *                                               and marked in red
 *
 * The first network is the notes' "Network Definition in Matrix Form" (the W6
 * lecture): a1 = x1 W1 + b1, h1 = sigmoid(a1), yhat = h1 W2 + b2, with one sample as
 * a row x1 (1x2), and L = 1/2 (y - yhat)^2. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <tapegrad.h>
#include "cli.h"

static tg_tensor *param(const char *name, int rows, int cols, const tg_real *v) {
    tg_tensor *p = tg_param_new(name, 2, (int[]){rows, cols});
    if (p) tg_tensor_copy_from(p, v, p->size);
    return p;
}

/* The two-layer network on one sample, then a Linear layer "fc" on a batch of 4. */
static int matrix_traces(FILE *out) {
    tg_tensor *W1 = param("W1", 2, 2, (tg_real[]){0.5, -0.25, 0.75, 0.5});
    tg_tensor *b1 = param("b1", 1, 2, (tg_real[]){0.1, -0.1});
    tg_tensor *W2 = param("W2", 2, 1, (tg_real[]){1, -0.5});
    tg_tensor *b2 = param("b2", 1, 1, (tg_real[]){0.2});
    tg_tape *t = tg_tape_new();
    tg_tensor *x1 = tg_name(tg_tape_tensor(t, 2, (int[]){1, 2}, (tg_real[]){1, 2}, 0), "x1");
    tg_tensor *y = tg_name(tg_tape_full(t, 2, (int[]){1, 1}, 1), "y");
    tg_tensor *xW = tg_name(tg_matmul(t, x1, W1), "x1W1");
    tg_tensor *a1 = tg_name(tg_add(t, xW, b1), "a1");                /* a1 = x1 W1 + b1 */
    tg_tensor *h1 = tg_name(tg_sigmoid(t, a1), "h1");                /* h1 = sigmoid(a1) */
    tg_tensor *yhat = tg_name(tg_add(t, tg_matmul(t, h1, W2), b2), "yhat");
    tg_tensor *d = tg_sub(t, y, yhat);
    tg_tensor *L = tg_name(tg_mul_scalar(t, tg_sum(t, tg_square(t, d)), (tg_real)0.5), "L");
    int rc = !L || tg_backward_trace(out, t, L, NULL, NULL) != TG_OK;

    /* A batch: z = x W + b (4x3); b (3) is broadcast over the rows. */
    tg_rng g;
    tg_rng_seed(&g, 1);
    tg_linear *fc = tg_linear_new("fc", 2, 3, TG_INIT_GLOROT, &g);
    tg_tape_reset(t);
    tg_tensor *x = tg_tape_tensor(t, 2, (int[]){4, 2}, (tg_real[]){1, 0, 0, 1, 1, 1, -1, 2}, 0);
    tg_tensor *Lb = tg_name(tg_mean(t, tg_tanh(t, tg_linear_forward(t, fc, x))), "L");
    fprintf(out, "\n");
    rc |= !Lb || tg_backward_trace(out, t, Lb, NULL, NULL) != TG_OK;
    tg_linear_free(fc);
    tg_tape_free(t);
    tg_tensor *ps[] = {W1, b1, W2, b2};
    for (int i = 0; i < 4; i++) tg_tensor_free(ps[i]);
    return rc;
}

static int write_dot(FILE *out, tg_tape *t, tg_tensor *L, const char *path,
                     const tg_show_opts *o, const char *what) {
    FILE *f = fopen(path, "w");
    int rc = !f || tg_tape_dot(f, t, L, o) != TG_OK;
    if (f && fclose(f) != 0) rc = 1;
    if (!rc) fprintf(out, "wrote %-15s %s\n", path, what);
    return rc;
}

/* A 2-layer LSTM (2 -> 3) over T = 20 steps, drawn four ways. */
static int big_pictures(FILE *out) {
    tg_rng g;
    tg_rng_seed(&g, 5);
    tg_rnn_config cfg = {TG_RNN_LSTM, 2, 3, 2, false};
    tg_rnn *m = tg_rnn_new("lstm", &cfg, &g);
    tg_tensor *x = tg_tensor_new(3, (int[]){20, 1, 2}, 0);
    tg_tape *t = tg_tape_new();
    if (!m || !x || !t) return 1;
    for (size_t i = 0; i < x->size; i++) x->data[i] = (tg_real)(tg_rng_uniform(&g) - 0.5);
    tg_tensor *h = NULL;
    int rc = tg_rnn_forward(t, m, x, NULL, NULL, &h, NULL, NULL) != TG_OK;
    tg_tensor *L = tg_mean(t, tg_square(t, h));
    rc |= !L || tg_backward(t, L, NULL) != TG_OK;
    /* The cell state of layer 1 at t = 18, by the name the layer gave it. */
    const tg_tensor *c18 = NULL;
    for (const tg_node *nd = tg_tape_last(t); nd; nd = nd->prev)
        if (nd->out->label && strcmp(nd->out->label, "c") == 0 && nd->out->label_step == 18 &&
            nd->out->label_owner == m->layers[1].W_x)
            c18 = nd->out;
    if (!rc) {
        fprintf(out, "a 2-layer LSTM over 20 steps: %zu nodes on the tape\n", tg_tape_node_count(t));
        tg_show_opts all = {.dir = TG_DOT_TB, .labels = TG_DOT_COMPACT, .clusters = true};
        tg_show_opts steps = {.dir = TG_DOT_TB, .labels = TG_DOT_NO_VALUES, .clusters = true,
                              .collapse_steps = true, .keep_step = 3};
        tg_show_opts layer = {.dir = TG_DOT_TB, .labels = TG_DOT_COMPACT, .clusters = true,
                              .collapse = "lstm.1"};
        tg_show_opts from = {.labels = TG_DOT_COMPACT, .from = c18};
        rc |= write_dot(out, t, L, "lstm.dot", &all, "top to bottom, names only, a frame per layer");
        rc |= write_dot(out, t, L, "lstm_steps.dot", &steps, "every time step but t = 3 in a box");
        rc |= write_dot(out, t, L, "lstm_layer.dot", &layer, "layer lstm.1 in one box");
        rc |= write_dot(out, t, L, "lstm_from.dot", &from, "the paths from lstm.1.t18.c to the loss");
        /* The viewer of the same graph: its columns wrap into strips (the sweep runs
         * again, so the parameters' gradients double; the page shows what it adds). */
        tg_html_opts h = {.root = L, .title = "tapegrad: a 2-layer LSTM over 20 steps"};
        rc |= !rc && tg_tape_html(t, "lstm.html", &h) != TG_OK;
        if (!rc) fprintf(out, "wrote %-15s the sweep viewer, %zu steps\n", "lstm.html", tg_tape_node_count(t));
    }
    if (rc) fprintf(stderr, "tutorial_pictures: %s\n", tg_last_error());
    tg_tape_free(t);
    tg_tensor_free(x);
    tg_rnn_free(m);
    return rc;
}

/* ---- which op is wrong ----
 * A hand-written tanh with the classic slip in its derivative: dx += g (1 - y)
 * instead of g (1 - y^2). */
static tg_status pic_same(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    (void)t;
    *rank = n->in[0]->rank;
    for (int i = 0; i < *rank; i++) shape[i] = n->in[0]->shape[i];
    return TG_OK;
}
static tg_status pic_tanh_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    for (size_t i = 0; i < n->out->size; i++) n->out->data[i] = (tg_real)tanh((double)n->in[0]->data[i]);
    return TG_OK;
}
static void pic_tanh_bwd(tg_node *n) {
    if (!n->in[0]->grad) return;
    for (size_t i = 0; i < n->out->size; i++)
        n->in[0]->grad[i] += n->out->grad[i] * (1 - n->out->data[i]); /* the slip: 1 - y */
}
static const tg_op pic_tanh_op = {"my_tanh", 1, TG_OPF_ELEMENTWISE, pic_same, pic_tanh_fwd, pic_tanh_bwd, NULL};

/* L = 1/2 sum(my_tanh(x W)^2), x = (1, 2), W (2x2). */
static tg_tensor *pic_wrong_fn(tg_tape *t, tg_tensor *const *p, int n, void *user) {
    (void)n, (void)user;
    tg_tensor *x = tg_name(tg_tape_tensor(t, 2, (int[]){1, 2}, (tg_real[]){1, 2}, 0), "x");
    tg_tensor *a = tg_name(tg_matmul(t, x, p[0]), "a");
    tg_tensor *h = tg_name(tg_apply(t, &pic_tanh_op, &a, 1, NULL), "h");
    return tg_name(tg_mul_scalar(t, tg_sum(t, tg_square(t, h)), (tg_real)0.5), "L");
}

/* The tape against the numbers at a and h, tg_gradcheck_locate naming the op, and
 * that node marked in the trace, the DOT picture and the viewer. */
static int wrong_op(FILE *out) {
    tg_tensor *W = param("W", 2, 2, (tg_real[]){0.5, -0.25, 0.25, 0.5});
    tg_tape *t = tg_tape_new();
    if (!W || !t) return 1;
    tg_locate_result loc;
    tg_handcheck_opts ho = tg_handcheck_defaults();
    ho.tape_only = true;
    ho.locate = &loc;
    ho.fd.eps = 1e-3; /* suits both builds, so the float build prints the same */
    const tg_hand hands[] = {{.name = "h"}, {.name = "a"}};
    int rc = tg_handcheck(out, pic_wrong_fn, NULL, &W, 1, hands, 2, &ho, NULL, NULL) != TG_OK || !loc.found;
    tg_tensor *L = rc ? NULL : pic_wrong_fn(t, &W, 1, NULL);
    tg_show_opts so = {.mark = &loc};
    if (L) {
        fprintf(out, "\n");
        rc |= tg_backward_trace(out, t, L, NULL, &so) != TG_OK;
        so.labels = TG_DOT_NO_VALUES;
        rc |= write_dot(out, t, L, "wrong.dot", &so, "the wrong op in red");
        tg_tensor_zero_grad(W); /* the page's sweep starts from zero, as the trace's did */
        tg_html_opts h = {.root = L, .show = {.mark = &loc}, .title = "tapegrad: which op is wrong"};
        rc |= tg_tape_html(t, "wrong.html", &h) != TG_OK;
        if (!rc) fprintf(out, "wrote %-15s the sweep viewer, the wrong op in red\n", "wrong.html");
    }
    if (rc) fprintf(stderr, "tutorial_pictures: %s\n", tg_last_error());
    tg_tape_free(t);
    tg_tensor_free(W);
    return rc;
}

static int pic_run(FILE *out, int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "--big") == 0) return big_pictures(out);
    if (argc > 1 && strcmp(argv[1], "--wrong") == 0) return wrong_op(out);
    return matrix_traces(out);
}

#ifndef LECTURE_TEST
int main(int argc, char **argv) {
    bool big = false, wrong = false;
    const cli_opt opts[] = {
        {"--big", NULL, CLI_FLAG, &big, 0, 0,
         "write lstm.dot, lstm_steps.dot, lstm_layer.dot, lstm_from.dot (a 2-layer LSTM over "
         "20 steps) and its viewer lstm.html into the current folder instead",
         NULL, NULL},
        {"--wrong", NULL, CLI_FLAG, &wrong, 0, 0,
         "find an op with a wrong derivative (tg_gradcheck_locate) and mark it in red in the trace, "
         "wrong.dot and wrong.html",
         NULL, NULL},
        {0}};
    cli c = {"tutorial_pictures", "",
             "The tutorial's matrix traces: the backward sweep of a two-layer network in matrix\n"
             "form, then a batch of four (or, with --big, the DOT files of its big pictures).\n",
             opts, 0, NULL, 0, false};
    int rc = cli_parse(&c, argc, argv);
    if (rc != CLI_RUN) return rc;
    return pic_run(stdout, big || wrong ? 2 : 1, (char *[]){argv[0], wrong ? "--wrong" : "--big", NULL});
}
#endif
