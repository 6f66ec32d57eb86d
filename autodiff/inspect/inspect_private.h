/* inspect_private.h — what the files of inspect/ share: the names of a tape's tensors
 * (n<k>, p<k>, i<k>; names.c), number and value formatting (format.c), and the one
 * finite-difference core of every check (fd.c) with its option and report helpers
 * (gradcheck.c). */
#ifndef TG_INSPECT_PRIVATE_H
#define TG_INSPECT_PRIVATE_H

#include <tg/core.h>
#include <tg/tape.h>
#include <tapegrad/tg_ops.h>
#include <tapegrad/tg_show.h>
#include <tapegrad/tg_gradcheck.h>

/* Buffer size for one formatted tensor or label. */
#define TG__SHOW_BUF 2048

/* Names of a tape's tensors. Nodes are indexed by id (recording order). Leaves (tensors
 * no node of this step produced) are numbered over the WHOLE tape in order of first
 * use, so every printout of a step names them alike whatever its root. */
typedef struct tg__show_map {
    const tg_node **nodes;      /* nodes[id], id 0..n_nodes-1 */
    size_t n_nodes;
    bool *keep;                 /* node id is the root or one of its ancestors */
    const tg_tensor **leaves;   /* in order of first use */
    char *leaf_kind;            /* 'p' parameter, 'i' other leaf */
    size_t *leaf_num;           /* k in p<k> / i<k> */
    size_t *leaf_first;         /* id of the first node reading the leaf */
    size_t n_leaves;
    size_t first_recorded;      /* id of the first node a recorded sweep added, or -1 */
    const tg_tensor **hkeys;    /* open-addressing hash: tensor -> leaf index */
    size_t *hvals;
    size_t hcap;
} tg__show_map;

/* Builds the map of t's current step; root NULL keeps every node. TG_ERR_NOMEM with
 * tg_last_error naming fn on failure. Free with tg__show_map_free. */
tg_status tg__show_map_build(tg__show_map *m, const tg_tape *t, const tg_tensor *root,
                             const char *fn);
void tg__show_map_free(tg__show_map *m);
/* The node that produced x on this step, or NULL if x is a leaf. */
const tg_node *tg__show_node_of(const tg__show_map *m, const tg_tensor *x);
/* Leaf index of x, or (size_t)-1. */
size_t tg__show_leaf_index(const tg__show_map *m, const tg_tensor *x);
/* "n3", "p0", "i1" ("?" for a tensor the map does not know). */
char *tg__show_id(const tg__show_map *m, const tg_tensor *x, char *buf, size_t n);
/* x's display name: its own name (tg_name, a parameter's), else its node's label
 * built now ("lstm.0.t3.f", tg_node.label), else "". Returns buf. */
char *tg__show_name(const tg__show_map *m, const tg_tensor *x, char *buf, size_t n);
/* x is the output of a node a recorded sweep added (tg_grad with
 * TG_GRAD_CREATE_GRAPH names them "backward of <op> (node k)"). */
bool tg__show_recorded(const tg_tensor *x);
/* Node nd belongs to the second part of the tape: the recorded sweep (tg_grad with
 * TG_GRAD_CREATE_GRAPH) and everything recorded after its first node (a gradient
 * renamed with tg_name, a penalty built on it). */
static inline bool tg__show_second(const tg__show_map *m, const tg_node *nd) {
    return nd && nd->id >= m->first_recorded;
}
/* The frame (DOT cluster, the viewer's band) that holds them. */
#define TG__RECORDED_LAYER "backward sweep (recorded)"
/* The display name if x has one, else its id: what expressions (dL/dz) use; a
 * recorded sweep's node always by its id. */
char *tg__show_short(const tg__show_map *m, const tg_tensor *x, char *buf, size_t n);
/* "mul_scalar(0.5)", "sum_axis(1)", "sigmoid": the op without its tg_ prefix and
 * with its scalar arguments when it has any; with_args false gives the bare name. */
char *tg__show_op(const tg_node *nd, bool with_args, const tg_show_opts *o, char *buf,
                  size_t n);

/* Node n is the one o->mark names (tg_show_opts.mark). */
static inline bool tg__show_marked(const tg_show_opts *o, const tg_node *n) {
    return o->mark && o->mark->found && n && o->mark->node_id == n->id;
}

/* Options with defaults filled in and clamped (precision 1..17, max_elems 2..64). */
tg_show_opts tg__show_opts(const tg_show_opts *o);
/* One number with %.{precision}g; -0 prints as 0. Returns buf. */
char *tg__show_num(double v, const tg_show_opts *o, char *buf, size_t n);
/* n values given by get(ctx, i): a bare number when n == 1, else "[a, b, c]", elided
 * to the first max_elems - 1 and the last when n > max_elems; NaN prints as nan_as
 * when that is not NULL. Returns buf. */
char *tg__show_seq(size_t n, double (*get)(const void *ctx, size_t i), const void *ctx,
                   const tg_show_opts *o, const char *nan_as, char *buf, size_t cap);
/* tg__show_seq of a tg_real array; "-" when v is NULL. */
char *tg__show_vals(const tg_real *v, size_t n, const tg_show_opts *o, char *buf,
                    size_t cap);
/* tg__show_seq of a double array. */
char *tg__show_dvals(const double *v, size_t n, const tg_show_opts *o, char *buf,
                     size_t cap);
/* Appends s to buf (capacity cap, current length *k), truncating. */
void tg__show_put(char *buf, size_t cap, size_t *k, const char *s);
/* x's shape as "(4x3)", "(3)", "()". Returns buf. */
char *tg__show_dims(const tg_tensor *x, char *buf, size_t cap);
/* Appends v (x->size values laid out as x) to buf (capacity cap, length *k) in matrix
 * form, after a space (one line) or a newline (rows on lines): a number for one element; "[a, b]" for a short vector; a small matrix (at most
 * max_elems rows and columns) as "[[a, b]]" on one row, else with its rows on lines
 * that start with indent, columns aligned; anything larger as its Frobenius norm and
 * three largest entries ("norm 3.2, largest 0.5 at [3,4], ..."). "-" for v NULL. */
void tg__show_matrix(char *buf, size_t cap, size_t *k, const tg_real *v, const tg_tensor *x,
                     const tg_show_opts *o, const char *indent);
/* TG_ERR_IO with a message naming fn if out has a write error, else TG_OK. */
tg_status tg__show_io(FILE *out, const char *fn);

/* ---- the traced sweep's text (trace.c), for tg_backward_trace and tg_tape_html ---- */
#define TG__TRACE_BUF 16384
typedef struct tg__trace_ctx {
    const tg__show_map *m;
    tg_show_opts o;
    const tg_tensor *y;   /* the sweep's root */
    char root[96];        /* its short name: the numerator of every dL/dx */
} tg__trace_ctx;
/* Fills c and builds *m for a sweep from y (free m with tg__show_map_free). */
tg_status tg__trace_begin(tg__trace_ctx *c, tg__show_map *m, const tg_tape *t,
                          const tg_tensor *y, const tg_show_opts *opts, const char *fn);
/* The node's header "n2 yhat = sigmoid(z)[; upstream dL/dyhat = ...]", no newline. */
void tg__trace_header(const tg__trace_ctx *c, const tg_node *n, char *buf, size_t cap);
/* The line of one contribution "  dL/dz += dL/dyhat * dyhat/dz = ...", no final
 * newline (a matrix may span lines). */
void tg__trace_line(const tg__trace_ctx *c, const tg_node *n, int input, const tg_real *contrib,
                    char *buf, size_t cap);

/* ---- a layered drawing for the sweep viewer (layout.c) ---- */
#define TG__LAYOUT_W 120   /* box of one tensor, px */
#define TG__LAYOUT_H 52
#define TG__LAYOUT_GAPX 36
#define TG__LAYOUT_GAPY 18
#define TG__LAYOUT_PAD 16
#define TG__LAYOUT_COLS 24 /* columns per strip: 24 x 156 px, a page under 4,000 px */
#define TG__LAYOUT_GAPS 44 /* between strips */
#define TG__LAYOUT_HEAD 28 /* a band's heading */
/* Item it: its strip, column within the strip, row, and the top-left corner of
 * its box. */
typedef struct tg__layout_xy { int strip, col, row, x, y; } tg__layout_xy;
/* A strip of columns: its top and height; recorded: it holds the nodes a recorded
 * sweep added; heading: the first strip of its band, when there are two bands. */
typedef struct tg__layout_strip { int y, h; bool recorded, heading; } tg__layout_strip;
typedef struct tg__layout {
    tg__layout_xy *xy;           /* per item: leaves 0..n_leaves-1, then nodes by id */
    tg__layout_strip *strips;
    int n_strips, w, h;          /* the drawing's size, px */
} tg__layout;
/* Item of x: its leaf index, or n_leaves + its node's id ((size_t)-1 if unknown). */
size_t tg__layout_item(const tg__show_map *m, const tg_tensor *x);
/* Places every shown item; free with tg__layout_free (also after a failure). */
tg_status tg__layout_build(const tg__show_map *m, const bool *shown, tg__layout *L);
void tg__layout_free(tg__layout *L);

/* ---- finite differences (fd.c) ----
 * eval computes the function's value after the caller's perturbation of one element. */
typedef tg_status (*tg__eval_fn)(void *ctx, double *value);
/* Central difference (f(x0 + eps) - f(x0 - eps)) / (step taken) of the value eval
 * computes, perturbing *x and restoring it. NAN when the step rounds to nothing (x0 +-
 * eps == x0 in tg_real). Returns eval's first error. */
tg_status tg__central_diff(tg_real *x, double eps, tg__eval_fn eval, void *ctx, double *d);
/* The derivative of eval's value along v at x[0..n) (v NULL: n == 1 and v = 1),
 * by the stencil of `order` (2 or 4) at step h and at h/2: *d ~ g . w at step h,
 * where w[0..n) receives the direction actually taken (x +- h v rounds in tg_real);
 * *noise = max(|D(h) - D(h/2)|, machine-eps max|f| / h). x0[0..n) is scratch; x is
 * restored. Returns eval's first error. */
tg_status tg__fd_deriv(tg_real *x, size_t n, const double *v, double h, int order,
                       tg__eval_fn eval, void *ctx, tg_real *x0, double *w, double *d,
                       double *noise);

/* One tensor's check: x's elements (all or a sample) and n_dirs random directions,
 * analytic[0..x->size) against the numeric derivative of eval's value with respect
 * to x->data; fills r with the verdict (tg_gradcheck.h). numeric_out (may be NULL)
 * receives each element's numeric derivative (NAN where not sampled). opts must be
 * resolved (tg__gradcheck_opts). fn names the caller in a NOMEM message. */
typedef struct tg__check_in {
    const char *fn;
    tg_tensor *x;
    const char *name;
    const tg_real *analytic;
    tg__eval_fn eval;
    void *ctx;
    const tg_gradcheck_opts *opts;
    double *numeric_out;
} tg__check_in;
tg_status tg__check_tensor(const tg__check_in *in, tg_gradcheck_result *r);

/* opts with defaults filled in for zero fields; TG_ERR_VALUE naming fn when a value
 * is out of range. NULL o gives the defaults. */
tg_status tg__gradcheck_opts(const tg_gradcheck_opts *o, const char *fn, tg_gradcheck_opts *r);
/* "params[k]" or the tensor's own name, into buf. */
const char *tg__param_label(const tg_tensor *x, int k, char *buf, size_t n);
/* The worst element of r as "W[2,7]" (the bare name for a rank-0 tensor). */
void tg__check_where(const tg_gradcheck_result *r, char *buf, size_t n);
/* A number as %.4g with NaN as "NaN" and infinities as "inf" / "-inf". */
char *tg__check_num(double v, char *buf, size_t n);

#endif
