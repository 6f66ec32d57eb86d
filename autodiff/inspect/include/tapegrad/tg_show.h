/* tg_show.h — seeing the chain rule: the tape as a table, as a Graphviz picture, the
 * backward sweep as a trace, hand-derived gradients checked against the tape, and
 * small Jacobians next to the vector-Jacobian product the sweep computes.
 *
 * Everything here prints to a FILE* the caller passes (never on its own) and only
 * reads the tape: nothing in this header computes a derivative. The trace reports
 * what the backward kernels ADDED (tg_tape_set_trace), the Jacobian view runs the
 * sweep once per one-hot seed, the hand check compares with the sweep and with
 * central finite differences.
 *
 * Names in printouts (deterministic; no addresses):
 *   n<k>  the output of node k (tg_node.id, recording order: n0, n1, ...)
 *   p<k>  the k-th parameter (TG_PARAM) the tape reads, in order of first use
 *   i<k>  the k-th other leaf (inputs, constants), in order of first use
 * A tensor may also carry a name: a parameter's own name, or one given to a step
 * tensor with tg_name(x, "z"). Expressions (dL/dz) use the name when there is one,
 * else the id. Values print with %.4g (tg_show_opts.precision), -0 as 0, and
 * tensors with more than max_elems elements elided: [a, b, c, d, e, ..., z].
 *
 * Example (the lecture notes' single neuron, examples/lecture_01_neuron.c):
 *
 *   tg_tensor *z = tg_name(tg_add(t, tg_mul(t, w, x), b), "z");
 *   tg_tensor *yhat = tg_name(tg_sigmoid(t, z), "yhat");
 *   tg_tensor *L = tg_name(tg_mul_scalar(t, tg_square(t, tg_sub(t, y, yhat)), 0.5), "L");
 *   tg_tape_print(stdout, t, L, NULL);        // the table (before or after backward)
 *   tg_backward_trace(stdout, t, L, NULL, NULL);  // runs tg_backward, printing each step
 *   tg_tape_dot(f, t, L, NULL);               // then: dot -Tsvg f.dot > f.svg
 *
 * Errors: functions return TG_OK or a status with tg_last_error() set ("tg_tape_print:
 * out is NULL"); tg_backward_trace returns tg_backward's status. A write error of out
 * is reported as TG_ERR_IO.
 */
#ifndef TG_SHOW_H
#define TG_SHOW_H

#include <stdbool.h>
#include <stdio.h>
#include <tapegrad/tg_gradcheck.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Direction of the DOT picture: inputs to outputs left to right (the default), top
 * to bottom, right to left, bottom to top (Graphviz rankdir LR, TB, RL, BT). */
typedef enum tg_dot_dir { TG_DOT_LR = 0, TG_DOT_TB, TG_DOT_RL, TG_DOT_BT } tg_dot_dir;

/* What a DOT node says: id, name, op, shape, value and gradient (the default); the
 * same without value and gradient; or only the name (the op for a tensor without
 * one), for pictures of hundreds of nodes. */
typedef enum tg_dot_labels { TG_DOT_FULL = 0, TG_DOT_NO_VALUES, TG_DOT_COMPACT } tg_dot_labels;

/* Every field zero (or an options struct that leaves a field out) means its default.
 * The fields after max_elems are read by tg_tape_dot only. */
typedef struct tg_show_opts {
    int precision;   /* significant digits of every number (%.*g); default 4 */
    int max_elems;   /* tensors with more elements are elided; default 6 */
    tg_dot_dir dir;
    tg_dot_labels labels;
    /* One Graphviz cluster (a framed box) per layer: step tensors whose name has the
     * prefix "lstm.0" ("lstm.0.t3.f", "lstm.0.xW") are drawn inside the frame
     * "lstm.0"; the layer's parameters ("lstm.0.W_x") just outside it, so that the
     * frames of consecutive layers stack. The nodes a recorded sweep added (tg_grad
     * with TG_GRAD_CREATE_GRAPH, tg_grad.h) get a frame of their own, "backward
     * sweep (recorded)" (with what is recorded after its first node), so a
     * second-order graph shows its two sweeps apart. */
    bool clusters;
    /* A layer prefix ("lstm.1"): every tensor of that layer becomes one box
     * "lstm.1 (283 nodes)", edges in and out merged. NULL: none. */
    const char *collapse;
    /* Every time step but keep_step of every layer becomes one box "lstm.0.t3
     * (14 nodes)" (tensors named "<prefix>.t<k>.<name>"). */
    bool collapse_steps;
    int keep_step;
    /* Only the tensors on a path from `from` to the root (what from's value reaches,
     * and so where its gradient comes back from), with the leaves they read. NULL:
     * every ancestor of the root. */
    const tg_tensor *from;
    /* "Which op is wrong": the node a tg_gradcheck_locate result names (found, node
     * id k on a tape recorded by the same function; ids are recording order, so they
     * agree on every recording) is marked: drawn in red in tg_tape_dot and
     * tg_tape_html, and its header line in the trace ends with
     * "  <-- WRONG derivative (tg_gradcheck_locate: input 0)" (inputs numbered from
     * 0, as tg_gradcheck_locate numbers them). NULL, or a result with found false: nothing marked.
     * Read by tg_tape_dot, tg_backward_trace and tg_tape_html. */
    const tg_locate_result *mark;
} tg_show_opts;

/* Defaults: precision 4, max_elems 6, the rest zero. */
tg_show_opts tg_show_defaults(void);

/* ---- the tape as a table ----
 * One row per tensor, in recording order: each leaf (parameter p<k>, input i<k>) just
 * before the first node that reads it, then the node:
 *
 *   id  name  op       inputs  shape  value   grad
 *   p0  w     param            ()     0.5     -0.1058
 *   i0        input            ()     2       -
 *   n0        mul      p0 i0   ()     1       -0.05287
 *
 * grad "-" means no gradient buffer (not on a path to the sweep's root, or no sweep
 * yet). root NULL prints every node; otherwise only root and its ancestors. If the
 * tape has failed (an anomaly, a shape error), a last line gives its message. */
tg_status tg_tape_print(FILE *out, const tg_tape *t, const tg_tensor *root,
                        const tg_show_opts *opts);

/* ---- the tape as a Graphviz DOT graph ----
 * Each tensor is a graph node labelled with id, name, op, shape, value and gradient;
 * edges run from inputs to the op that reads them (numbered when the op has several
 * inputs). Parameters are filled blue boxes, other leaves grey dashed boxes, op
 * outputs white ellipses, the root a double ellipse. Render with Graphviz (optional,
 * Debian package graphviz): dot -Tsvg tape.dot > tape.svg. root as in tg_tape_print:
 * the picture is the subgraph that reaches root.
 * Big graphs (an LSTM over 20 steps has hundreds of nodes): opts->dir = TG_DOT_TB,
 * labels = TG_DOT_COMPACT, clusters per layer, and collapse a layer or every time
 * step but one into a box; `from` keeps the paths from one tensor to the root.
 * Boxes are drawn as grey 3-D boxes; collapsed edges, and edges in compact pictures,
 * carry no input numbers. With compact labels, an input more than 4 ranks before its reader (a parameter read at
 * every step, the sequence concatenated at the end) is drawn as a dashed copy next to
 * the reader instead of a long edge: that keeps the picture narrow and quick to lay
 * out (a 2-layer LSTM over 20 steps, 569 nodes: under a second, about 3,100 px wide
 * from top to bottom). */
tg_status tg_tape_dot(FILE *out, const tg_tape *t, const tg_tensor *root,
                      const tg_show_opts *opts);

/* ---- the backward sweep, traced ----
 * Runs tg_backward(t, y, seed) with a trace hook installed and prints, for every node
 * in the order the sweep visits it (reverse recording order), one header line and one
 * line per input that received a gradient, in the lecture notes' notation:
 *
 *   n2 yhat = sigmoid(z)
 *     dL/dz += dL/dyhat * dyhat/dz = -0.2689 * 0.1966 = -0.05287
 *
 * upstream * local = contribution. The contribution is exactly what the op's backward
 * kernel added to the input's gradient (tg_tape_set_trace), not a re-computation.
 * For elementwise ops whose input has the output's shape the local derivative is
 * shown as contribution / upstream, element by element ("?" where the upstream is
 * 0); "*" is then the elementwise product. For every other op (matmul, reductions,
 * softmax, broadcasting) the line shows the contribution tensor, the vector-Jacobian
 * product "dL/dn3 . dn3/dW" that the sweep computes without forming the Jacobian.
 * "+=" because a tensor read by several nodes receives one contribution from each.
 * Second order: traced from a gradient that tg_grad recorded (TG_GRAD_CREATE_GRAPH),
 * the sweep runs over the recorded nodes first, each header naming the node whose
 * derivative it computes ("n13 backward of tg_sigmoid (node 2) = mul(n12, n11)"), then
 * over the forward nodes; the parameters' gradients it leaves are second derivatives
 * (examples/second_order.c --trace: d2L/dw2 of the lecture notes' neuron, 0.25237).
 * opts->mark: the header of the node tg_gradcheck_locate names ends with
 * "  <-- WRONG derivative (tg_gradcheck_locate: input 0)".
 * The sweep's own errors (an anomaly) end the trace with a line "stopped: <message>".
 * The hook is removed afterwards (any other hook on t is replaced). */
tg_status tg_backward_trace(FILE *out, tg_tape *t, tg_tensor *y, const tg_tensor *seed,
                            const tg_show_opts *opts);

/* ---- the sweep viewer ----
 * Writes one self-contained HTML file at path (replacing it): the graph as inline SVG
 * (laid out by the library in columns, no Graphviz needed), the sweep's data and a
 * small inline script; it loads nothing from the network or from other files. The
 * page shows every tensor with its op, shape and running gradient, and steps through
 * the backward sweep ("step", "back", "reset"): each step highlights the node the
 * sweep visits and its inputs, and lists upstream * local = contribution for each
 * input exactly as tg_backward_trace prints it; hovering a tensor shows its forward
 * value.
 * Pictures that scale: the drawing's columns are cut into strips of 24, stacked top to
 * bottom like lines of text, so that the page stays under 4,000 px wide (a 2-layer
 * LSTM over 20 steps, 569 nodes: 3,740 x 6,512 px); an input more than 4 columns
 * before its reader, or in an earlier strip, is named above the reader ("<- W_h")
 * instead of drawn as a long edge; "zoom -", "zoom +" and "fit width" scale the
 * drawing, which scrolls in its own pane, and each step scrolls its node into view.
 * Second order: the nodes a recorded sweep added (tg_grad with TG_GRAD_CREATE_GRAPH)
 * and what follows them are drawn in a band of their own below the forward graph,
 * "backward sweep (recorded)", each box saying whose derivative it computes ("bwd n2
 * sigmoid"); stepping through the sweep from such a gradient shows the second
 * derivative being built. show.mark draws the node tg_gradcheck_locate names in red.
 * For tests and links, "page.html#step=N" opens it N steps in ("#step=N&fit" also
 * fits the width); the page keeps
 * its state in document.title ("sweep 6/6 n0") and in the body's data-step and
 * data-node attributes, and counts script errors in data-errors.
 * Like tg_backward_trace, it RUNS the sweep: tg_backward(t, root, seed), so
 * parameters' gradients accumulate. Gradients on the page show the first
 * show.max_elems values of each tensor (at most 16 travel to the page).
 * Errors: TG_ERR_ARG for t or path NULL, TG_ERR_STATE for a tape without nodes or a
 * root of another step, TG_ERR_IO if the file cannot be written, the sweep's own. */
typedef struct tg_html_opts {
    tg_tensor *root;         /* NULL: the output of the tape's most recent node */
    const tg_tensor *seed;   /* as tg_backward: NULL for a one-element root */
    tg_show_opts show;       /* numbers on the page; zero: the defaults */
    const char *title;       /* page heading; NULL: "tapegrad: the backward sweep" */
} tg_html_opts;

tg_status tg_tape_html(tg_tape *t, const char *path, const tg_html_opts *opts);

/* ---- hand-derived gradients against the tape and finite differences ----
 * A student writes the function as a tg_loss_fn (tg_gradcheck.h), names the tensors
 * of interest inside it with tg_name, and supplies dL/d(tensor) for some of them:
 * either fixed numbers (grad, n values row-major) or a function computing them from
 * the forward values (fn; it may look other tensors up with tg_find). tg_handcheck
 * runs f once, sweeps, and for each named tensor compares
 *   hand   the student's dL/dx,
 *   tape   the gradient the sweep left in x->grad,
 *   numeric a central difference of L in x_j, obtained by perturbing x's value and
 *          re-running the forward kernels of the nodes recorded after x (so it
 *          works for intermediate tensors as well as parameters).
 * The numeric value and the tape-vs-numeric verdict come from the finite-difference
 * core of tg_gradcheck (its step, stencil, noise estimate and tolerances, opts.fd).
 * fn runs after the sweep, so x->grad (the tape's value) is there to look at.
 * Rows are reported in the order the sweep finishes them (backward order); the first
 * row whose hand value differs from the tape is "where they part". Where the tape
 * itself differs from the numbers, the report names the ops that read that tensor
 * (the error entered there or later in the forward order).
 * Tape only (opts.tape_only): no hand values are needed (grad and fn may be NULL); each
 * named tensor's tape gradient is compared with the numbers alone, and the first row
 * where they differ is "where they part". NaN and infinities print as NaN, inf.
 * Limits: f must be deterministic and read x only through recorded ops (a tg_detach
 * of x or a view of it sees the perturbation too). Parameters' values and gradients
 * are restored on return. */
typedef void (*tg_hand_fn)(const tg_tape *t, const tg_tensor *x, tg_real *grad_out,
                           void *user);

typedef struct tg_hand {
    const char *name;     /* a parameter's name or a tg_name given inside f */
    const tg_real *grad;  /* n values of dL/dx, or NULL when fn is given */
    size_t n;             /* must equal x->size when grad is given */
    tg_hand_fn fn;        /* writes x->size values of dL/dx; used when grad is NULL */
    void *user;           /* passed to fn */
} tg_hand;

typedef struct tg_handcheck_opts {
    tg_gradcheck_opts fd; /* eps, and the tape-vs-numeric tolerances; default
                             tg_gradcheck_defaults() */
    double atol, rtol;    /* hand vs tape: |hand - tape| <= atol + rtol |tape|;
                             default 1e-5, 1e-3 (double), 1e-2, 1e-2 (float). Loosen
                             rtol to 5e-3 for values worked to three digits. */
    bool tape_only;       /* compare only the tape with the numbers (no hand values) */
    /* Not NULL: tg_handcheck also runs tg_gradcheck_locate(NULL, f, user, params,
     * n_params, &fd, locate) (n_params >= 1; else locate->found is false) and, when
     * it names a node, the report ends with "tg_gradcheck_locate: the wrong
     * derivative is node 3 wrong_tanh, input 0", and the rows of the tensors that
     * node reads or writes end with "<-- node 3". Pass the same result as
     * tg_show_opts.mark to draw that node in red. */
    tg_locate_result *locate;
} tg_handcheck_opts;

typedef struct tg_handcheck_row {
    char label[64];        /* "n1 z", "p0 w" */
    size_t size;           /* elements of the tensor */
    size_t worst;          /* the element reported: largest |hand - tape| if hand_ok is
                              false, else largest |tape| */
    double hand, tape, numeric;   /* the three values at `worst` */
    double max_hand_tape;  /* max_j |hand_j - tape_j| */
    double max_tape_numeric;      /* max_j |tape_j - numeric_j| */
    bool hand_ok;          /* hand agrees with the tape (atol, rtol); true in tape_only */
    bool tape_ok;          /* the tape is not FAILED against finite differences */
    tg_verdict tape_verdict;      /* the tape against finite differences */
} tg_handcheck_row;

tg_handcheck_opts tg_handcheck_defaults(void);

/* Runs the check and, if out is not NULL, prints one line per row and a verdict.
 * rows (may be NULL) receives n_hands rows in backward order; *first_bad (may be
 * NULL) the index of the first row with !hand_ok (tape_only: !tape_ok), or -1. Returns TG_OK when the check
 * ran (whatever it found); TG_ERR_ARG for a NULL argument, a name that f does not
 * produce ("tg_handcheck: no tensor named 'zz'"), a size mismatch; f's own error. */
tg_status tg_handcheck(FILE *out, tg_loss_fn f, void *user, tg_tensor *const *params,
                       int n_params, const tg_hand *hands, int n_hands,
                       const tg_handcheck_opts *opts, tg_handcheck_row *rows,
                       int *first_bad);

/* ---- small Jacobians ----
 * For y = f(x) with at most TG_JAC_MAX elements each, builds the full Jacobian
 * J[i][j] = dy_i/dx_j row by row, one backward sweep seeded with the one-hot e_i per
 * row, then runs ONE sweep seeded with the upstream gradient u (y's shape; NULL means
 * all ones) and prints J, u, the product u^T J taken from the rows, and the sweep's
 * vector-Jacobian product: they agree, but the sweep never built J (m x n numbers),
 * which is why reverse mode costs one pass per output instead of one per input.
 * x is copied (any long-lived or step tensor); f receives a step tensor of the same
 * shape that requires a gradient, and returns y on that tape. out may be NULL. */
#define TG_JAC_MAX 16

typedef tg_tensor *(*tg_jac_fn)(tg_tape *t, tg_tensor *x, void *user);

typedef struct tg_jacobian {
    size_t m, n;                      /* y->size, x->size */
    double J[TG_JAC_MAX][TG_JAC_MAX]; /* J[i][j] = dy_i / dx_j */
    double u[TG_JAC_MAX];             /* the upstream gradient used */
    double uJ[TG_JAC_MAX];            /* u^T J from the rows */
    double vjp[TG_JAC_MAX];           /* the one seeded sweep */
    double max_diff;                  /* max_j |uJ_j - vjp_j| */
} tg_jacobian;

tg_status tg_jacobian_view(FILE *out, const char *title, tg_jac_fn f, void *user,
                           const tg_tensor *x, const tg_tensor *u, tg_jacobian *res);

#ifdef __cplusplus
}
#endif
#endif
