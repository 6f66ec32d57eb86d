/* trace.c — the backward sweep as it happens (tg_backward_trace). See tg_show.h.
 *
 * The trace is built on the tape's hook (tg_tape_set_trace): after a node's backward
 * kernel ran, the hook receives exactly what that kernel added to each input's
 * gradient. Nothing here differentiates; the "local derivative" printed for an
 * elementwise op is that contribution divided by the upstream gradient. */
#include <math.h>
#include <string.h>
#include "inspect_private.h"

typedef struct tracer {
    FILE *out;
    tg__show_map m;
    tg_show_opts o;
    char root[64];          /* the short label of y: numerator of every dL/dx */
    const tg_node *current; /* node whose header line was printed last */
} tracer;

/* True if input i of n is shown as upstream * local (same size as the output and an
 * elementwise op), false if shown as a vector-Jacobian product. */
static bool as_product(const tg_node *n, int i) {
    return (n->op->flags & TG_OPF_ELEMENTWISE) && n->in[i]->size == n->out->size;
}

typedef struct ratio { const tg_real *num, *den; } ratio;
static double get_ratio(const void *ctx, size_t i) {
    const ratio *r = ctx;
    return r->den[i] != 0 ? (double)r->num[i] / (double)r->den[i] : NAN;
}

/* Header "n2 yhat = sigmoid(z)", with the upstream gradient appended when some line of
 * the node will not repeat it. */
static void header(tracer *tr, const tg_node *n) {
    char id[32], nm[64], opn[160], b[64], up[TG__SHOW_BUF];
    FILE *out = tr->out;
    fprintf(out, "%s", tg__show_id(&tr->m, n->out, id, sizeof id));
    if (n->out->name[0]) fprintf(out, " %s", n->out->name);
    tg__show_op(n, false, &tr->o, opn, sizeof opn);
    fprintf(out, " = %s(", opn);
    bool all_products = true;
    for (int i = 0; i < n->n_in; i++) {
        fprintf(out, "%s%s", i ? ", " : "", tg__show_short(&tr->m, n->in[i], nm, sizeof nm));
        if (n->in[i]->grad && !as_product(n, i)) all_products = false;
    }
    /* Scalar arguments: "mul_scalar(n4, 0.5)". */
    tg__show_op(n, true, &tr->o, b, sizeof b);
    char *paren = strchr(b, '(');
    if (paren) fprintf(out, ", %.*s", (int)(strlen(paren) - 2), paren + 1);
    fprintf(out, ")");
    if (!all_products)
        fprintf(out, "; upstream d%s/d%s = %s", tr->root,
                tg__show_short(&tr->m, n->out, nm, sizeof nm),
                tg__show_vals(n->out->grad, n->out->size, &tr->o, up, sizeof up));
    fprintf(out, "\n");
}

static void on_contrib(const tg_node *n, int input, const tg_real *contrib, void *user) {
    tracer *tr = user;
    if (tr->current != n) {
        header(tr, n);
        tr->current = n;
    }
    const tg_tensor *x = n->in[input];
    char xs[64], ys[64], up[TG__SHOW_BUF], loc[TG__SHOW_BUF], c[TG__SHOW_BUF];
    tg__show_short(&tr->m, x, xs, sizeof xs);
    tg__show_short(&tr->m, n->out, ys, sizeof ys);
    tg__show_vals(contrib, x->size, &tr->o, c, sizeof c);
    if (as_product(n, input)) {
        /* dL/dx += dL/dy * dy/dx = upstream * (contrib / upstream) = contrib */
        ratio r = {contrib, n->out->grad};
        tg__show_seq(x->size, get_ratio, &r, &tr->o, "?", loc, sizeof loc);
        fprintf(tr->out, "  d%s/d%s += d%s/d%s * d%s/d%s = %s * %s = %s\n", tr->root, xs,
                tr->root, ys, ys, xs,
                tg__show_vals(n->out->grad, n->out->size, &tr->o, up, sizeof up), loc, c);
    } else {
        fprintf(tr->out, "  d%s/d%s += d%s/d%s . d%s/d%s = %s\n", tr->root, xs, tr->root, ys,
                ys, xs, c);
    }
}

tg_status tg_backward_trace(FILE *out, tg_tape *t, tg_tensor *y, const tg_tensor *seed,
                            const tg_show_opts *opts) {
    if (!out) return tg__error(TG_ERR_ARG, "tg_backward_trace: out is NULL");
    if (!t) return tg__error(TG_ERR_ARG, "tg_backward_trace: tape is NULL");
    tracer tr = {.out = out, .o = tg__show_opts(opts)};
    tg_status st = tg__show_map_build(&tr.m, t, y, "tg_backward_trace");
    if (st != TG_OK) return st;
    if (y && tg_tape_status(t) == TG_OK) {
        char id[32], sd[TG__SHOW_BUF];
        tg__show_short(&tr.m, y, tr.root, sizeof tr.root);
        tg__show_id(&tr.m, y, id, sizeof id);
        if (seed && seed->size == y->size) tg__show_vals(seed->data, seed->size, &tr.o, sd, sizeof sd);
        else snprintf(sd, sizeof sd, "1");
        fprintf(out, "backward sweep from %s", tr.root);
        if (strcmp(id, tr.root) != 0) fprintf(out, " (%s)", id);
        fprintf(out, ": seed d%s/d%s = %s\n", tr.root, tr.root, sd);
    }
    tg_tape_set_trace(t, on_contrib, &tr);
    st = tg_backward(t, y, seed);
    tg_tape_set_trace(t, NULL, NULL);
    if (st != TG_OK) fprintf(out, "stopped: %s\n", tg_tape_message(t));
    tg__show_map_free(&tr.m);
    tg_status io = tg__show_io(out, "tg_backward_trace");
    if (st != TG_OK) tg__error(st, "%s", tg_tape_message(t)); /* the sweep's message wins */
    return st != TG_OK ? st : io;
}
