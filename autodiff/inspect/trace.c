/* trace.c — the backward sweep as it happens (tg_backward_trace), and the text of its
 * lines, which the sweep viewer (html.c) shows too. See tg_show.h.
 *
 * The trace is built on the tape's hook (tg_tape_set_trace): after a node's backward
 * kernel ran, the hook receives exactly what that kernel added to each input's
 * gradient. Nothing here differentiates: the "local derivative" printed for an
 * elementwise op is that contribution divided by the upstream gradient, and the
 * matrix rules (matmul, broadcasting, reductions) are words beside the contribution
 * the kernel computed. */
#include <math.h>
#include <string.h>
#include "inspect_private.h"

/* True if input i of n is shown as upstream * local (same size as the output and an
 * elementwise op), false if shown in matrix form. */
static bool as_product(const tg_node *n, int i) {
    return (n->op->flags & TG_OPF_ELEMENTWISE) && n->in[i]->size == n->out->size;
}

typedef struct ratio { const tg_real *num, *den; } ratio;
static double get_ratio(const void *ctx, size_t i) {
    const ratio *r = ctx;
    return r->den[i] != 0 ? (double)r->num[i] / (double)r->den[i] : NAN;
}

static bool op_is(const tg_node *n, const char *name) {
    return n->op->name && strcmp(n->op->name, name) == 0;
}

/* Appends printf-style text to buf (capacity cap, length *k), truncating. */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static void putf(char *buf, size_t cap, size_t *k, const char *fmt, ...) {
    char s[TG__SHOW_BUF];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s, sizeof s, fmt, ap);
    va_end(ap);
    tg__show_put(buf, cap, k, s);
}

/* " (4x3)" after a name, nothing for a scalar. */
static const char *dims(const tg_tensor *x, char *buf, size_t cap) {
    char d[96];
    if (x->rank == 0) buf[0] = '\0';
    else snprintf(buf, cap, " %s", tg__show_dims(x, d, sizeof d));
    return buf;
}

/* The axes of out that a broadcast input x is summed over, in words: "rows",
 * "columns", "all elements", "axes 0, 2". */
static void summed_axes(const tg_tensor *x, const tg_tensor *out, char *buf, size_t cap) {
    int ax[TG_MAX_RANK], n = 0, off = out->rank - x->rank;
    for (int d = 0; d < out->rank; d++) {
        int xd = d - off >= 0 ? x->shape[d - off] : 1;
        if (xd == 1 && out->shape[d] != 1) ax[n++] = d;
    }
    size_t k = 0;
    buf[0] = '\0';
    if (n == out->rank || n == 0) tg__show_put(buf, cap, &k, "all elements");
    else if (out->rank == 2) tg__show_put(buf, cap, &k, ax[0] == 0 ? "rows" : "columns");
    else
        for (int i = 0; i < n; i++) putf(buf, cap, &k, "%s%d", i ? ", " : "axes ", ax[i]);
}

void tg__trace_header(const tg__trace_ctx *c, const tg_node *n, char *buf, size_t cap) {
    char id[32], nm[96], opn[160], b[160], d[96];
    size_t k = 0;
    buf[0] = '\0';
    tg__show_put(buf, cap, &k, tg__show_id(c->m, n->out, id, sizeof id));
    tg__show_name(c->m, n->out, nm, sizeof nm);
    if (nm[0]) putf(buf, cap, &k, " %s", nm);
    putf(buf, cap, &k, " = %s(", tg__show_op(n, false, &c->o, opn, sizeof opn));
    bool all_products = true;
    for (int i = 0; i < n->n_in; i++) {
        putf(buf, cap, &k, "%s%s", i ? ", " : "", tg__show_short(c->m, n->in[i], nm, sizeof nm));
        if (n->in[i]->grad && !as_product(n, i)) all_products = false;
    }
    /* Scalar arguments: "mul_scalar(n4, 0.5)". */
    tg__show_op(n, true, &c->o, b, sizeof b);
    char *paren = strchr(b, '(');
    if (paren) putf(buf, cap, &k, ", %.*s", (int)(strlen(paren) - 2), paren + 1);
    tg__show_put(buf, cap, &k, ")");
    if (tg__show_marked(&c->o, n))
        putf(buf, cap, &k, "  <-- WRONG derivative (tg_gradcheck_locate: input %d)", c->o.mark->input);
    if (!all_products) {
        putf(buf, cap, &k, "; upstream d%s/d%s%s =", c->root,
             tg__show_short(c->m, n->out, nm, sizeof nm), dims(n->out, d, sizeof d));
        tg__show_matrix(buf, cap, &k, n->out->grad, n->out, &c->o, "    ");
    }
}

/* The rule of a non-elementwise line in matrix form, after "dL/dx (shape) += ";
 * up = "dL/dy", yn = y's short name. */
static void matrix_rule(const tg__trace_ctx *c, const tg_node *n, int input, const char *up,
                        const char *yn, bool at_root, char *buf, size_t cap, size_t *k) {
    const tg_tensor *x = n->in[input], *y = n->out;
    char a[96], b[96], da[96], db[96], dy[96], ax[64], xn[96];
    dims(y, dy, sizeof dy);
    tg__show_short(c->m, x, xn, sizeof xn);
    if (op_is(n, "tg_matmul")) {
        const tg_tensor *A = n->in[0], *B = n->in[1];
        tg__show_short(c->m, A, a, sizeof a);
        tg__show_short(c->m, B, b, sizeof b);
        dims(A, da, sizeof da);
        dims(B, db, sizeof db);
        if (input == 0) /* dA = G B^T; "B^T (NxK)" with B (KxN) */
            putf(buf, cap, k, "%s%s \xc2\xb7 %s\xe1\xb5\x80 (%dx%d)", up, dy, b,
                 B->shape[B->rank - 1], B->shape[B->rank - 2]);
        else
            putf(buf, cap, k, "%s\xe1\xb5\x80 (%dx%d) \xc2\xb7 %s%s", a, A->shape[A->rank - 1],
                 (int)(A->size / (size_t)A->shape[A->rank - 1]), up, dy);
        if (A->rank == 3 && B->rank == 3) tg__show_put(buf, cap, k, ", per batch entry");
        else if (A->rank == 3) tg__show_put(buf, cap, k, ", the batch's rows stacked");
        return;
    }
    if ((n->op->flags & TG_OPF_ELEMENTWISE) && n->n_in == 2) { /* a broadcast input */
        const tg_tensor *other = n->in[1 - input];
        tg__show_short(c->m, other, b, sizeof b);
        summed_axes(x, y, ax, sizeof ax);
        if (op_is(n, "tg_add")) putf(buf, cap, k, "sum over %s of %s%s", ax, up, dy);
        else if (op_is(n, "tg_sub"))
            putf(buf, cap, k, "%ssum over %s of %s%s", input ? "-" : "", ax, up, dy);
        else if (op_is(n, "tg_mul"))
            putf(buf, cap, k, "sum over %s of %s \xe2\x8a\x99 %s%s", ax, up, b, dy);
        else if (op_is(n, "tg_div") && input == 0)
            putf(buf, cap, k, "sum over %s of %s / %s%s", ax, up, b, dy);
        else if (op_is(n, "tg_div"))
            putf(buf, cap, k, "sum over %s of -%s \xe2\x8a\x99 %s / %s\xc2\xb2%s", ax, up, b, xn, dy);
        else
            putf(buf, cap, k, "sum over %s of %s \xe2\x8a\x99 d%s/d%s%s", ax, up, yn, xn, dy);
        return;
    }
    dims(x, da, sizeof da);
    if (op_is(n, "tg_sum")) {
        putf(buf, cap, k, "%s broadcast to %s", up, da + 1);
    } else if (op_is(n, "tg_mean")) {
        putf(buf, cap, k, "%s / %zu broadcast to %s", up, x->size, da + 1);
    } else if (op_is(n, "tg_sum_axis") || op_is(n, "tg_mean_axis")) {
        long axis = n->args.i[0];
        int len = axis >= 0 && axis < x->rank ? x->shape[axis] : 1;
        if (op_is(n, "tg_sum_axis")) putf(buf, cap, k, "%s%s repeated along axis %ld", up, dy, axis);
        else putf(buf, cap, k, "%s%s / %d repeated along axis %ld", up, dy, len, axis);
    } else if (op_is(n, "tg_max_axis")) {
        putf(buf, cap, k, "%s%s at the first arg-max along axis %ld", up, dy, n->args.i[0]);
    } else {
        /* softmax, shapes, losses, custom ops: the vector-Jacobian product, with the
         * registry's rule in words for the built-in ones. */
        const tg_op_info *info = tg_op_info_of(n->op);
        if (at_root) putf(buf, cap, k, "%s . \xe2\x88\x82%s/\xe2\x88\x82%s", up, yn, xn);
        else putf(buf, cap, k, "%s . d%s/d%s", up, yn, xn);
        if (info && info->derivative) putf(buf, cap, k, " [%s]", info->derivative);
    }
}

void tg__trace_line(const tg__trace_ctx *c, const tg_node *n, int input, const tg_real *contrib,
                    char *buf, size_t cap) {
    const tg_tensor *x = n->in[input];
    bool at_root = n->out == c->y;
    char xs[96], ys[96], up[200], s[TG__SHOW_BUF], loc[TG__SHOW_BUF], d[96];
    size_t k = 0;
    buf[0] = '\0';
    tg__show_short(c->m, x, xs, sizeof xs);
    tg__show_short(c->m, n->out, ys, sizeof ys);
    snprintf(up, sizeof up, "d%s/d%s", c->root, ys);
    putf(buf, cap, &k, "  d%s/d%s%s += ", c->root, xs, dims(x, d, sizeof d));
    if (as_product(n, input)) {
        /* dL/dx += dL/dy * dy/dx = upstream * (contrib / upstream) = contrib; at the
         * root the local derivative is written with partials, since dL/dx is the
         * total derivative being computed. */
        ratio r = {contrib, n->out->grad};
        tg__show_seq(x->size, get_ratio, &r, &c->o, "?", loc, sizeof loc);
        if (at_root) putf(buf, cap, &k, "%s * \xe2\x88\x82%s/\xe2\x88\x82%s", up, ys, xs);
        else putf(buf, cap, &k, "%s * d%s/d%s", up, ys, xs);
        putf(buf, cap, &k, " = %s * %s = ", tg__show_vals(n->out->grad, n->out->size, &c->o, s, sizeof s),
             loc);
        tg__show_put(buf, cap, &k, tg__show_vals(contrib, x->size, &c->o, s, sizeof s));
        return;
    }
    matrix_rule(c, n, input, up, ys, at_root, buf, cap, &k);
    tg__show_put(buf, cap, &k, " =");
    tg__show_matrix(buf, cap, &k, contrib, x, &c->o, "    ");
}

typedef struct tracer {
    FILE *out;
    tg__trace_ctx c;
    const tg_node *current; /* node whose header line was printed last */
    char *buf;              /* TG__TRACE_BUF bytes */
} tracer;

static void on_contrib(const tg_node *n, int input, const tg_real *contrib, void *user) {
    tracer *tr = user;
    if (tr->current != n) {
        tg__trace_header(&tr->c, n, tr->buf, TG__TRACE_BUF);
        fprintf(tr->out, "%s\n", tr->buf);
        tr->current = n;
    }
    tg__trace_line(&tr->c, n, input, contrib, tr->buf, TG__TRACE_BUF);
    fprintf(tr->out, "%s\n", tr->buf);
}

tg_status tg__trace_begin(tg__trace_ctx *c, tg__show_map *m, const tg_tape *t,
                          const tg_tensor *y, const tg_show_opts *opts, const char *fn) {
    memset(c, 0, sizeof *c);
    c->o = tg__show_opts(opts);
    c->m = m;
    c->y = y;
    tg_status st = tg__show_map_build(m, t, y, fn);
    if (st == TG_OK && y) tg__show_short(m, y, c->root, sizeof c->root);
    return st;
}

tg_status tg_backward_trace(FILE *out, tg_tape *t, tg_tensor *y, const tg_tensor *seed,
                            const tg_show_opts *opts) {
    if (!out) return tg__error(TG_ERR_ARG, "tg_backward_trace: out is NULL");
    if (!t) return tg__error(TG_ERR_ARG, "tg_backward_trace: tape is NULL");
    tg__show_map m;
    tracer tr = {.out = out};
    tg_status st = tg__trace_begin(&tr.c, &m, t, y, opts, "tg_backward_trace");
    if (st != TG_OK) return st;
    tr.buf = tg__malloc(TG__TRACE_BUF);
    if (!tr.buf) {
        tg__show_map_free(&m);
        return tg__error(TG_ERR_NOMEM, "tg_backward_trace: out of memory");
    }
    if (y && tg_tape_status(t) == TG_OK) {
        char id[32], sd[TG__SHOW_BUF];
        tg__show_id(&m, y, id, sizeof id);
        if (seed && seed->size == y->size) tg__show_vals(seed->data, seed->size, &tr.c.o, sd, sizeof sd);
        else snprintf(sd, sizeof sd, "1");
        fprintf(out, "backward sweep from %s", tr.c.root);
        if (strcmp(id, tr.c.root) != 0) fprintf(out, " (%s)", id);
        fprintf(out, ": seed d%s/d%s = %s\n", tr.c.root, tr.c.root, sd);
    }
    tg_tape_set_trace(t, on_contrib, &tr);
    st = tg_backward(t, y, seed);
    tg_tape_set_trace(t, NULL, NULL);
    if (st != TG_OK) fprintf(out, "stopped: %s\n", tg_tape_message(t));
    tg__free(tr.buf);
    tg__show_map_free(&m);
    tg_status io = tg__show_io(out, "tg_backward_trace");
    if (st != TG_OK) tg__error(st, "%s", tg_tape_message(t)); /* the sweep's message wins */
    return st != TG_OK ? st : io;
}
