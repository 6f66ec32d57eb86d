/* test_viewer.c — pictures that scale and the sweep viewer (tg_show.h): the names
 * layers give their step tensors, the DOT options on a 2-layer LSTM over 20 steps
 * (cluster and node counts, collapsed boxes, the paths from one tensor, rendered
 * with Graphviz when `dot` is installed: at most 4,000 px wide), the matrix-form
 * trace of a layer, and the HTML page of the lecture notes' neuron (self-contained,
 * one step per node, every contribution), its strips (the LSTM's page under 4,000 px),
 * the second derivative of the neuron traced and viewed (the recorded sweep in a
 * band and a frame of its own), and the op tg_gradcheck_locate names marked in red
 * in the picture, the viewer, the trace and the hand check. The page in a real
 * browser: test_viewer_browser.sh. */
#include <math.h>
#include <stdlib.h>
#include "show_check.h"
#include "tmpdir.h"
#include "wrong_ops.h"

/* Occurrences of s in text. */
static int count(const char *text, const char *s) {
    int n = 0;
    for (const char *p = text; (p = strstr(p, s)) != NULL; p += strlen(s)) n++;
    return n;
}

/* Graph nodes declared in a DOT text: lines "  <id> [" outside edges. */
static int dot_nodes(const char *dot) {
    int n = 0;
    for (const char *p = dot; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p)) {
        const char *q = p;
        while (*q == ' ') q++;
        if ((*q == 'n' || *q == 'p' || *q == 'i' || *q == 'g') && strncmp(q, "node ", 5) != 0) {
            const char *e = q + 1;
            while (*e >= '0' && *e <= '9') e++;
            if (e > q + 1 && strncmp(e, " [", 2) == 0) n++;
        }
    }
    return n;
}

static char *dot_text(tg_tape *t, tg_tensor *root, const tg_show_opts *o) {
    show_buf b;
    show_open(&b);
    CHECK(tg_tape_dot(b.f, t, root, o) == TG_OK, "dot: %s", tg_last_error());
    return show_close(&b);
}

/* Renders dot with Graphviz into an SVG and prints its size; returns its width in px
 * (96 per inch, the SVG's "pt" are 1/72 inch), or -1 when dot is missing, -2 when it
 * failed. */
static double render_width(const char *dot, const char *name) {
    if (system("dot -V > /dev/null 2>&1") != 0) return -1;
    char in[300], out[320], cmd[800];
    snprintf(in, sizeof in, "%s", tmp_path(name));
    snprintf(out, sizeof out, "%s.svg", in);
    tmp_write(in, dot, strlen(dot));
    snprintf(cmd, sizeof cmd, "dot -Tsvg '%s' -o '%s' 2> /dev/null", in, out);
    if (system(cmd) != 0) return -2;
    size_t n = 0;
    unsigned char *svg = tmp_read(out, &n);
    if (!svg) return -2;
    svg[n < (1 << 20) ? n : (1 << 20) - 1] = '\0';
    const char *w = strstr((char *)svg, "<svg width=\""), *h = w ? strstr(w, " height=\"") : NULL;
    double pt = w ? atof(w + 12) : -2, ph = h ? atof(h + 9) : -2;
    free(svg);
    if (pt > 0) printf("rendered %s: %.0f x %.0f px\n", name, pt * 96 / 72, ph * 96 / 72);
    return pt > 0 ? pt * 96 / 72 : -2;
}

typedef struct lstm_net { tg_tape *t; tg_rnn *m; tg_tensor *x, *L; } lstm_net;

/* A 2-layer LSTM (F 2, H 3, B 1) over T = 20 steps, L = mean(out^2). */
static lstm_net lstm_net_new(void) {
    lstm_net n = {.t = tg_tape_new()};
    tg_rng g;
    tg_rng_seed(&g, 5);
    tg_rnn_config cfg = {TG_RNN_LSTM, 2, 3, 2, false};
    n.m = tg_rnn_new("lstm", &cfg, &g);
    n.x = tg_tensor_new(3, (int[]){20, 1, 2}, 0);
    for (size_t i = 0; i < n.x->size; i++) n.x->data[i] = (tg_real)(tg_rng_uniform(&g) - 0.5);
    tg_tensor *out = NULL;
    CHECK(tg_rnn_forward(n.t, n.m, n.x, NULL, NULL, &out, NULL, NULL) == TG_OK, "lstm forward");
    n.L = tg_mean(n.t, tg_square(n.t, out));
    CHECK(n.L && tg_backward(n.t, n.L, NULL) == TG_OK, "lstm backward");
    return n;
}

static void lstm_net_free(lstm_net *n) {
    tg_tape_free(n->t);
    tg_rnn_free(n->m);
    tg_tensor_free(n->x);
}

static void test_names(void) {
    lstm_net n = lstm_net_new();
    show_buf b;
    show_open(&b);
    tg_tape_print(b.f, n.t, n.L, NULL);
    char *s = show_close(&b);
    /* The forget gate of layer 0 at t = 3, the cell state of layer 1 at t = 19, the
     * input projection of layer 1: named with no call by the user. */
    CHECK(strstr(s, " lstm.0.t3.f ") && strstr(s, " lstm.1.t19.c ") && strstr(s, " lstm.1.xW "),
          "layer names in the table");
    free(s);
    /* A tg_name wins over the label. */
    tg_tensor *f3 = NULL;
    for (const tg_node *nd = tg_tape_last(n.t); nd; nd = nd->prev)
        if (nd->out->label && strcmp(nd->out->label, "f") == 0 && nd->out->label_step == 3 &&
            nd->out->label_owner == n.m->layers[0].W_x)
            f3 = nd->out;
    CHECK(f3 != NULL, "the forget gate at t = 3 carries its label");
    if (f3) {
        tg_name(f3, "forget3");
        show_open(&b);
        tg_tape_print(b.f, n.t, n.L, NULL);
        s = show_close(&b);
        CHECK(strstr(s, " forget3 ") && !strstr(s, " lstm.0.t3.f "), "tg_name wins");
        free(s);
    }
    lstm_net_free(&n);
}

static void test_big_dot(void) {
    lstm_net n = lstm_net_new();
    size_t nodes = tg_tape_node_count(n.t);
    CHECK(nodes >= 500 && nodes <= 700, "a 500-node graph: %zu nodes", nodes);
    /* Full picture with the default options: every node and leaf, no cluster. */
    char *full = dot_text(n.t, n.L, NULL);
    int all = dot_nodes(full);
    CHECK(all > (int)nodes && count(full, "subgraph") == 0, "full: %d graph nodes", all);
    /* Big-graph options: top to bottom, compact, one cluster per layer. */
    tg_show_opts o = {.dir = TG_DOT_TB, .labels = TG_DOT_COMPACT, .clusters = true};
    char *big = dot_text(n.t, n.L, &o);
    CHECK(count(big, " {\n    label=\"") == 2 && strstr(big, "label=\"lstm.0\"") &&
          strstr(big, "label=\"lstm.1\"") && strstr(big, "rankdir=TB"), "two layer clusters");
    CHECK(dot_nodes(big) == all, "clusters keep every node: %d", dot_nodes(big));
    CHECK(strstr(big, "label=\"lstm.0.t3.f\"") != NULL, "compact labels are the names");
    double w = render_width(big, "lstm_tb.dot");
    if (w == -1) printf("SKIP rendering: Graphviz's dot is not installed\n");
    else CHECK(w > 0 && w <= 4000, "500-node LSTM, top to bottom: %.0f px wide", w);
    if (w > 0) printf("lstm, %zu nodes, TB compact clusters: %.0f px wide\n", nodes, w);
    /* Every step but t = 3 collapsed: 19 boxes per layer, 14 expanded step nodes per
     * layer, the rest as before. */
    o.collapse_steps = true;
    o.keep_step = 3;
    o.labels = TG_DOT_NO_VALUES;
    char *steps = dot_text(n.t, n.L, &o);
    int boxes = count(steps, "shape=box3d");
    CHECK(boxes == 2 * 19, "a box per collapsed step: %d", boxes);
    CHECK(dot_nodes(steps) == all - 2 * 19 * 14 + boxes, "node count after collapse: %d of %d",
          dot_nodes(steps), all);
    CHECK(strstr(steps, "label=\"lstm.1.t7\\n(14 nodes)\"") && strstr(steps, "lstm.0.t3.f"),
          "step boxes and the kept step");
    /* A marked node inside a collapsed step: its box is drawn red, nothing else. */
    tg_locate_result at7 = {.found = true};
    for (const tg_node *nd = tg_tape_last(n.t); nd; nd = nd->prev)
        if (nd->out->label && !strcmp(nd->out->label, "f") && nd->out->label_step == 7 &&
            nd->out->label_owner == n.m->layers[0].W_x)
            at7.node_id = nd->id;
    o.mark = &at7;
    char *marked = dot_text(n.t, n.L, &o);
    const char *box7 = strstr(marked, "label=\"lstm.0.t7\\n(14 nodes)\"");
    CHECK(at7.node_id > 0 && box7 && count(marked, "#d00000") == 2 && strstr(marked, "#d00000") < box7 &&
          strstr(marked, "#d00000") > box7 - 120, "the box of lstm.0.t7 in red (node %zu)", at7.node_id);
    free(marked);
    o.mark = NULL;
    double ws = render_width(steps, "lstm_steps.dot");
    if (ws > 0) printf("lstm, steps but t3 collapsed: %.0f px wide\n", ws);
    CHECK(ws == -1 || (ws > 0 && ws <= 4000), "collapsed: %.0f px wide", ws);
    /* A collapsed layer: layer 1 is one box. */
    tg_show_opts c = {.dir = TG_DOT_TB, .labels = TG_DOT_COMPACT, .collapse = "lstm.1", .clusters = true};
    char *lay = dot_text(n.t, n.L, &c);
    CHECK(count(lay, "shape=box3d") == 1 && count(lay, " {\n    label=\"") == 1 &&
          strstr(lay, "label=\"lstm.1\\n("), "layer 1 collapsed");
    CHECK(!strstr(lay, "lstm.1.t"), "nothing of layer 1 is drawn on its own");
    double wl = render_width(lay, "lstm_layer.dot");
    if (wl > 0) printf("lstm, layer 1 collapsed: %.0f px wide\n", wl);
    CHECK(wl == -1 || (wl > 0 && wl <= 4000), "layer collapsed: %.0f px wide", wl);
    /* The paths from the cell state at t = 18 of layer 1 to the loss. */
    const tg_tensor *c18 = NULL;
    for (const tg_node *nd = tg_tape_last(n.t); nd; nd = nd->prev)
        if (nd->out->label && !strcmp(nd->out->label, "c") && nd->out->label_step == 18 &&
            nd->out->label_owner == n.m->layers[1].W_x)
            c18 = nd->out;
    tg_show_opts f = {.labels = TG_DOT_COMPACT, .from = c18};
    char *from = dot_text(n.t, n.L, &f);
    CHECK(c18 && dot_nodes(from) < 80 && strstr(from, "lstm.1.t19.h") && !strstr(from, "lstm.1.t17") &&
          !strstr(from, "lstm.0.t"), "from c18: %d nodes", dot_nodes(from));
    /* The viewer of the same graph: one step per node, every tensor drawn. */
    const char *path = tmp_path("lstm.html");
    tg_html_opts ho = {.root = n.L};
    CHECK(tg_tape_html(n.t, path, &ho) == TG_OK, "lstm html: %s", tg_last_error());
    size_t len = 0;
    char *page = (char *)tmp_read(path, &len);
    CHECK(page && len > 0 && len < (1 << 20), "lstm page: %zu bytes", len);
    if (page) {
        page[len] = '\0';
        CHECK(count(page, "\n{n:") == (int)nodes && count(page, "class=\"it ") == all,
              "lstm page: %d steps, %d tensors", count(page, "\n{n:"), count(page, "class=\"it "));
        CHECK(strstr(page, "lstm.0.t3.f") != NULL, "names on the page");
        /* Pictures that scale: the columns wrap into strips; far inputs are named. */
        const char *sv = strstr(page, "<svg id=\"graph\"");
        const char *dw = sv ? strstr(sv, "data-w=\"") : NULL, *dh = sv ? strstr(sv, "data-h=\"") : NULL;
        int pw = dw ? atoi(dw + 8) : -1, ph = dh ? atoi(dh + 8) : -1;
        printf("lstm viewer page: %d x %d px\n", pw, ph);
        CHECK(pw > 1000 && pw <= 4000 && ph > 1000, "the viewer's drawing: %d x %d px", pw, ph);
        CHECK(count(page, "class=\"gh\"") > 40 && strstr(page, "&#8592; lstm.0.W_h"),
              "far inputs named above their readers: %d", count(page, "class=\"gh\""));
        CHECK(count(page, "class=\"band") == 0, "one band without a recorded sweep");
        free(page);
    }
    free(full);
    free(big);
    free(steps);
    free(lay);
    free(from);
    lstm_net_free(&n);
}

/* A linear layer's trace names its tensors and speaks matrices. */
static void test_layer_trace(void) {
    tg_rng g;
    tg_rng_seed(&g, 2);
    tg_linear *l = tg_linear_new("fc", 2, 3, TG_INIT_GLOROT, &g);
    tg_tape *t = tg_tape_new();
    tg_tensor *x = tg_tape_tensor(t, 2, (int[]){4, 2}, (tg_real[]){1, 2, 3, 4, 5, 6, 7, 8}, 0);
    tg_tensor *L = tg_name(tg_sum(t, tg_tanh(t, tg_linear_forward(t, l, x))), "L");
    show_buf b;
    show_open(&b);
    CHECK(tg_backward_trace(b.f, t, L, NULL, NULL) == TG_OK, "trace");
    char *s = show_close(&b);
    CHECK(strstr(s, "dL/dfc.b (3) += sum over rows of dL/dfc.z (4x3) = [") != NULL, "%s", s);
    CHECK(strstr(s, "dL/dfc.W (2x3) += i0\u1d40 (2x4) \u00b7 dL/dfc.xW (4x3) =\n    [[") != NULL, "%s", s);
    CHECK(strstr(s, "= add(fc.xW, fc.b); upstream dL/dfc.z (4x3) =\n") != NULL, "%s", s);
    free(s);
    tg_tape_free(t);
    tg_linear_free(l);
}

static void test_html(void) {
    tg_tape *t = tg_tape_new();
    tg_tensor *w = tg_param_new("w", 0, NULL), *bb = tg_param_new("b", 0, NULL);
    w->data[0] = (tg_real)0.5;
    tg_tensor *x = tg_name(tg_tape_full(t, 0, NULL, 2), "x");
    tg_tensor *y = tg_name(tg_tape_full(t, 0, NULL, 1), "y");
    tg_tensor *z = tg_name(tg_add(t, tg_mul(t, w, x), bb), "z");
    tg_tensor *yhat = tg_name(tg_sigmoid(t, z), "yhat");
    tg_tensor *L = tg_name(tg_mul_scalar(t, tg_square(t, tg_sub(t, y, yhat)), (tg_real)0.5), "L");
    const char *path = tmp_path("neuron.html");
    CHECK(tg_tape_html(t, path, NULL) == TG_OK, "html: %s", tg_last_error());
    CHECK_NEAR(w->grad[0], -0.10575419, 1e-6); /* the sweep ran, from the last node */
    size_t n = 0;
    char *page = (char *)tmp_read(path, &n);
    CHECK(page && n > 1000 && n < (1 << 20), "page written (%zu bytes)", n);
    if (page) {
        page[n] = '\0';
        /* Self-contained: the one URL is the SVG namespace; nothing is loaded. */
        CHECK(count(page, "http") == 1 && count(page, "http://www.w3.org/2000/svg") == 1 &&
              !strstr(page, " src=") && !strstr(page, "<link") && !strstr(page, "import "),
              "loads nothing");
        CHECK(count(page, "<svg") == 1 && count(page, "<script>") == 1, "inline SVG and script");
        CHECK(count(page, "class=\"it ") == 10, "ten tensors drawn: %d", count(page, "class=\"it "));
        CHECK(count(page, ",c:[") == 6, "one step per node: %d", count(page, ",c:["));
        CHECK(strstr(page, "dL/dz += dL/dyhat * dyhat/dz = -0.2689 * 0.1966 = -0.05288") != NULL,
              "the trace's lines");
        CHECK(strstr(page, "n2 value 0.7311") != NULL, "forward value on hover");
        free(page);
    }
    /* Errors: nothing written, the message names the function. */
    CHECK(tg_tape_html(t, "/nonexistent-dir/x.html", NULL) == TG_ERR_IO &&
              strstr(tg_last_error(), "tg_tape_html: cannot open '/nonexistent-dir/x.html'"),
          "%s", tg_last_error());
    tg_tape_reset(t);
    CHECK(tg_tape_html(t, path, NULL) == TG_ERR_STATE, "empty tape");
    (void)L;
    tg_tape_free(t);
    tg_tensor_free(w);
    tg_tensor_free(bb);
}

/* The lecture notes' neuron with dL/dw recorded as g (TG_GRAD_CREATE_GRAPH). */
typedef struct so_net { tg_tape *t; tg_tensor *w, *b, *g; } so_net;
static so_net so_net_new(void) {
    so_net n = {tg_tape_new(), tg_param_new("w", 0, NULL), tg_param_new("b", 0, NULL), NULL};
    n.w->data[0] = (tg_real)0.5;
    tg_tape *t = n.t;
    tg_tensor *z = tg_name(tg_add(t, n.b, tg_name(tg_mul_scalar(t, n.w, 2), "wx")), "z");
    tg_tensor *e = tg_name(tg_add_scalar(t, tg_neg(t, tg_name(tg_sigmoid(t, z), "yhat")), 1), "e");
    tg_tensor *L = tg_name(tg_mul_scalar(t, tg_square(t, e), (tg_real)0.5), "L");
    CHECK(tg_grad(t, L, NULL, &n.w, 1, TG_GRAD_CREATE_GRAPH, &n.g) == TG_OK, "%s", tg_last_error());
    tg_name(n.g, "g");
    return n;
}
static void so_net_free(so_net *n) {
    tg_tape_free(n->t);
    tg_tensor_free(n->w);
    tg_tensor_free(n->b);
}

/* Every "= a * b = c" of a scalar trace: upstream times local is the contribution. */
static int products_agree(const char *s, int *lines) {
    int bad = 0;
    *lines = 0;
    for (const char *p = s; (p = strstr(p, "/d")) != NULL; p++) {
        const char *eq = strstr(p, " = "), *nl = strchr(p, '\n');
        if (!eq || (nl && eq > nl) || strchr("[(", eq[3])) continue;
        double a, b, c;
        if (sscanf(eq, " = %lf * %lf = %lf", &a, &b, &c) == 3) {
            (*lines)++;
            bad += fabs(a * b - c) > 1e-3 * (fabs(c) + 1e-3);
        }
        p = nl ? nl : p + strlen(p) - 1;
    }
    return bad;
}

static void test_second_order(void) {
    so_net n = so_net_new();
    size_t nodes = tg_tape_node_count(n.t);
    CHECK(nodes == 15, "7 forward nodes and 8 recorded: %zu", nodes);
    show_buf b;
    show_open(&b);
    CHECK(tg_backward_trace(b.f, n.t, n.g, NULL, NULL) == TG_OK, "trace: %s", tg_last_error());
    char *s = show_close(&b);
    double sg = 1 / (1 + exp(-1.0)), s1 = sg * (1 - sg), s2 = s1 * (1 - 2 * sg);
    double hand = (s1 * s1 + (sg - 1) * s2) * 4; /* (s'^2 + (s - y) s'') x^2 */
    CHECK(fabs(hand - 0.25237) < 1e-5, "the hand value %.5f", hand);
    CHECK_NEAR(n.w->grad[0], hand, 1e-6);
    CHECK(strstr(s, "backward sweep from g (n14): seed dg/dg = 1\n") &&
          strstr(s, "\nn13 backward of tg_sigmoid (node 2) = mul(n12, n11)\n") &&
          strstr(s, "\nn7 backward of tg_square (node 5) = mul_scalar(e, 2)\n"),
          "the recorded nodes' headers name whose derivative they compute:\n%s", s);
    CHECK(strstr(s, "  dg/dw += dg/dwx * dwx/dw = 0.1262 * 2 = 0.2524\n") != NULL, "the last line: %s", s);
    /* yhat receives three contributions, one per reader: two recorded, one forward. */
    CHECK(count(s, "  dg/dyhat += ") == 3, "three contributions to dg/dyhat");
    int lines = 0;
    CHECK(products_agree(s, &lines) == 0 && lines == 16, "upstream x local = contribution on %d lines", lines);
    free(s);
    /* The DOT picture: the recorded sweep in its own frame. */
    tg_show_opts o = {.clusters = true, .labels = TG_DOT_COMPACT};
    char *dot = dot_text(n.t, n.g, &o);
    char *fr = strstr(dot, "label=\"backward sweep (recorded)\"");
    char *end = fr ? strstr(fr, "\n  }\n") : NULL;
    if (end) *end = '\0'; /* the frame alone */
    CHECK(fr && end && count(fr, "label=\"n") == 7 && strstr(fr, "label=\"g\"") && !strstr(fr, "label=\"z\""),
          "one frame with the 8 recorded nodes (g among them):\n%s", dot);
    if (end) *end = '\n';
    double w = render_width(dot, "second.dot");
    CHECK(w == -1 || w > 0, "second.dot renders");
    free(dot);
    so_net_free(&n);
    /* The viewer: a band for the recorded nodes, one step per node the sweep visits. */
    n = so_net_new();
    const char *path = tmp_path("second.html");
    tg_html_opts ho = {.root = n.g};
    CHECK(tg_tape_html(n.t, path, &ho) == TG_OK, "second html: %s", tg_last_error());
    CHECK_NEAR(n.w->grad[0], hand, 1e-6);
    size_t len = 0;
    char *page = (char *)tmp_read(path, &len);
    if (page) {
        page[len] = '\0';
        CHECK(count(page, "<g class=\"band") == 2 && strstr(page, "<g class=\"band rec\">"), "two bands");
        CHECK(count(page, "class=\"it op rec") == 8 && count(page, "class=\"it op\"") == 5,
              "8 recorded boxes, the 5 forward nodes g reads: %d %d", count(page, "class=\"it op rec"), count(page, "class=\"it op\""));
        CHECK(count(page, "\n{n:") == 13 && strstr(page, "bwd n2 sigmoid"), "13 steps: %d", count(page, "\n{n:"));
        CHECK(strstr(page, "dg/dw += dg/dwx * dwx/dw = 0.1262 * 2 = 0.2524") != NULL, "the last line on the page");
        /* the recorded band lies below the forward one */
        const char *b0 = strstr(page, "<g class=\"band\"><rect x=\"4\" y=\""), *b1 = strstr(page, "<g class=\"band rec\"><rect x=\"4\" y=\"");
        CHECK(b0 && b1 && atoi(b1 + 35) > atoi(b0 + 31), "bands stacked");
        free(page);
    }
    so_net_free(&n);
}

/* Second order on the 2-layer LSTM: the gradient penalty ||dL/dW_x||^2 of layer 0's
 * input weights, recorded, then swept: the viewer draws the recorded sweep in its
 * own band, strips keep it under 4,000 px, and the DOT frame holds every recorded
 * node. */
static void test_lstm_second_order(void) {
    lstm_net n = lstm_net_new();
    size_t fwd = tg_tape_node_count(n.t);
    tg_tensor *W = n.m->layers[0].W_x, *g = NULL;
    CHECK(tg_grad(n.t, n.L, NULL, &W, 1, TG_GRAD_CREATE_GRAPH, &g) == TG_OK, "%s", tg_last_error());
    tg_tensor *P = tg_name(tg_sum(n.t, tg_square(n.t, g)), "penalty");
    size_t all = tg_tape_node_count(n.t);
    CHECK(P && all > 2 * fwd, "%zu forward nodes, %zu in all", fwd, all);
    const char *path = tmp_path("lstm2.html");
    tg_html_opts ho = {.root = P};
    CHECK(tg_tape_html(n.t, path, &ho) == TG_OK, "lstm second-order html: %s", tg_last_error());
    size_t len = 0;
    char *page = (char *)tmp_read(path, &len); /* its first MiB: the drawing and the bands */
    FILE *pf = fopen(path, "rb");
    long bytes = pf && fseek(pf, 0, SEEK_END) == 0 ? ftell(pf) : -1;
    if (pf) fclose(pf);
    if (page) {
        page[len < (1 << 20) ? len : (1 << 20) - 1] = '\0';
        const char *dw = strstr(page, "data-w=\""), *dh = strstr(page, "data-h=\"");
        int pw = dw ? atoi(dw + 8) : -1, ph = dh ? atoi(dh + 8) : -1;
        printf("lstm second order: %zu nodes, viewer page %d x %d px, %ld bytes\n", all, pw, ph, bytes);
        CHECK(pw > 0 && pw <= 4000, "%d px wide", pw);
        CHECK(count(page, "<g class=\"band") == 2 && count(page, "class=\"it op rec") > (int)fwd,
              "the recorded band: %d boxes", count(page, "class=\"it op rec"));
        free(page);
    }
    tg_show_opts o = {.dir = TG_DOT_TB, .labels = TG_DOT_COMPACT, .clusters = true};
    char *dot = dot_text(n.t, P, &o);
    CHECK(count(dot, "    label=\"") == 3 && strstr(dot, "label=\"backward sweep (recorded)\""),
          "frames lstm.0, lstm.1 and the recorded sweep");
    free(dot);
    lstm_net_free(&n);
}

/* L = sum(wrong_tanh(x W)^2): the tanh's derivative is doubled (wrong_ops.h). */
static const tg_op_args wrong_k2 = {.f = {2, 0}};
static tg_tensor *wrong_fn(tg_tape *t, tg_tensor *const *p, int n, void *user) {
    (void)n, (void)user;
    tg_tensor *x = tg_name(tg_tape_tensor(t, 2, (int[]){1, 2}, (tg_real[]){1, 2}, 0), "x");
    tg_tensor *a = tg_name(tg_matmul(t, x, p[0]), "a");
    tg_tensor *h = tg_name(tg_apply(t, &wo_tanh, &a, 1, &wrong_k2), "h");
    return tg_name(tg_sum(t, tg_square(t, h)), "L");
}

static void test_mark(void) {
    tg_tensor *W = tg_param_new("W", 2, (int[]){2, 2});
    tg_tensor_copy_from(W, (tg_real[]){0.5, -0.25, 0.25, 0.5}, 4);
    /* The hand check runs tg_gradcheck_locate and points at node 1. */
    tg_locate_result loc;
    tg_handcheck_opts hc = tg_handcheck_defaults();
    hc.tape_only = true;
    hc.locate = &loc;
    const tg_hand hands[] = {{.name = "h"}, {.name = "a"}};
    show_buf b;
    show_open(&b);
    CHECK(tg_handcheck(b.f, wrong_fn, NULL, &W, 1, hands, 2, &hc, NULL, NULL) == TG_OK, "%s", tg_last_error());
    char *s = show_close(&b);
    CHECK(loc.found && loc.node_id == 1 && loc.input == 0 && !strcmp(loc.op, "wrong_tanh"), "located node %zu", loc.node_id);
    CHECK(strstr(s, "tg_gradcheck_locate: the wrong derivative is node 1 wrong_tanh, input 0 (h = wrong_tanh(a))\n") &&
          count(s, "<-- node 1\n") == 2, "the report names it:\n%s", s);
    free(s);
    tg_tape *t = tg_tape_new();
    tg_tensor *L = wrong_fn(t, &W, 1, NULL);
    tg_show_opts o = {.labels = TG_DOT_NO_VALUES, .mark = &loc};
    char *dot = dot_text(t, L, &o);
    const char *red = strstr(dot, "  n1 [");
    CHECK(count(dot, "#d00000") == 2 && red && strstr(red, "color=\"#d00000\"") &&
          strstr(red, "color=\"#d00000\"") < strchr(red, '\n') && strstr(dot, "WRONG derivative (input 0)"),
          "n1 alone in red:\n%s", dot);
    CHECK(render_width(dot, "wrong.dot") != -2, "wrong.dot renders");
    free(dot);
    /* An unmarked picture has no red. */
    tg_show_opts none = {.labels = TG_DOT_NO_VALUES};
    dot = dot_text(t, L, &none);
    CHECK(!strstr(dot, "#d00000") && !strstr(dot, "WRONG"), "nothing marked without opts.mark");
    free(dot);
    tg_locate_result nf = loc;
    nf.found = false;
    o.mark = &nf;
    dot = dot_text(t, L, &o);
    CHECK(!strstr(dot, "#d00000"), "a result that found nothing marks nothing");
    free(dot);
    o.mark = &loc;
    show_open(&b);
    CHECK(tg_backward_trace(b.f, t, L, NULL, &o) == TG_OK, "trace");
    s = show_close(&b);
    CHECK(count(s, "WRONG") == 1 && strstr(s, "\nn1 h = wrong_tanh(a)  <-- WRONG derivative (tg_gradcheck_locate: input 0)"),
          "the trace marks n1:\n%s", s);
    free(s);
    const char *path = tmp_path("wrong.html");
    tg_html_opts ho = {.root = L, .show = {.mark = &loc}};
    CHECK(tg_tape_html(t, path, &ho) == TG_OK, "wrong html: %s", tg_last_error());
    size_t len = 0;
    char *page = (char *)tmp_read(path, &len);
    if (page) {
        page[len] = '\0';
        char id[64];
        snprintf(id, sizeof id, "class=\"it op wrong\" id=\"it%d\"", 2 + 1); /* leaves x, W; node 1 */
        CHECK(count(page, " wrong\"") == 1 && strstr(page, id), "one red box, n1's: %s", id);
        CHECK(strstr(page, "<-- WRONG derivative") || strstr(page, "\\u003c-- WRONG derivative"), "its step says so");
        free(page);
    }
    tg_tape_free(t);
    tg_tensor_free(W);
}

int main(void) {
    if (!tmp_dir_make("tg_viewer")) return 1;
    test_names();
    test_big_dot();
    test_layer_trace();
    test_html();
    test_second_order();
    test_lstm_second_order();
    test_mark();
    tmp_dir_remove();
    return check_done();
}
