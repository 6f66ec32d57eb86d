/* handcheck.c — a student's hand-derived gradients against the tape and against
 * central finite differences (tg_handcheck), and small Jacobians built from one-hot
 * seeded sweeps next to the one vector-Jacobian product (tg_jacobian_view).
 * See tg_show.h. Nothing here differentiates: gradients come from tg_backward, numbers
 * from re-running forward kernels. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "inspect_private.h"

tg_handcheck_opts tg_handcheck_defaults(void) {
    tg_gradcheck_opts fd = tg_gradcheck_defaults();
    return (tg_handcheck_opts){.fd = fd, .atol = fd.atol, .rtol = fd.rtol};
}

/* Re-runs the forward kernels of nodes[from..n) in recording order: after a change to
 * the value of a tensor produced before node `from` (or of a leaf), every later value
 * is recomputed from it. The tape is the handcheck's own; its nodes are written only
 * here (hence the casts from tg_tape_last's read-only view). */
static tg_status replay(tg_tape *t, const tg__show_map *m, size_t from) {
    for (size_t id = from; id < m->n_nodes; id++) {
        tg_node *nd = (tg_node *)m->nodes[id];
        if (nd && nd->op->forward(t, nd) != TG_OK) return tg_tape_status(t);
    }
    return TG_OK;
}

typedef struct hrow {
    tg_tensor *x;
    double key;              /* backward order: larger first */
    tg_real *hand, *tape;    /* x->size each */
    double *num;
    tg_handcheck_row r;
    int index;               /* position in the caller's hands[] */
} hrow;

/* Central difference of y with respect to every element of x, by perturbing x's value
 * and replaying the nodes recorded after x. Divides by the step actually taken (in
 * float, x +- eps rounds). */
static tg_status numeric(tg_tape *t, const tg__show_map *m, tg_tensor *y, tg_tensor *x,
                         double eps, double *num) {
    const tg_node *nd = tg__show_node_of(m, x);
    size_t from = nd ? nd->id + 1 : 0;
    tg_status st = TG_OK;
    for (size_t j = 0; j < x->size && st == TG_OK; j++) {
        tg_real x0 = x->data[j];
        x->data[j] = (tg_real)(x0 + eps);
        double hi = (double)x->data[j];
        st = replay(t, m, from);
        double fp = (double)y->data[0];
        x->data[j] = (tg_real)(x0 - eps);
        double lo = (double)x->data[j];
        if (st == TG_OK) st = replay(t, m, from);
        double fm = (double)y->data[0];
        x->data[j] = x0;
        if (st == TG_OK) st = replay(t, m, from);
        num[j] = hi != lo ? (fp - fm) / (hi - lo) : NAN;
    }
    return st;
}

static int by_key(const void *a, const void *b) {
    const hrow *p = a, *q = b;
    if (p->key != q->key) return p->key > q->key ? -1 : 1;
    return p->index - q->index;
}

/* Compares one row and fills r. The element reported is the one with the largest
 * |hand - tape| when the hand values disagree, else the largest |tape| (so rounding
 * noise does not pick it). */
static void compare(hrow *h, const tg_handcheck_opts *o) {
    tg_handcheck_row *r = &h->r;
    r->size = h->x->size;
    r->hand_ok = r->tape_ok = true;
    size_t worst_d = 0, big = 0;
    double wd = -1;
    for (size_t j = 0; j < r->size; j++) {
        double a = h->hand[j], tp = h->tape[j], nu = h->num[j];
        double d = fabs(a - tp), e = fabs(tp - nu);
        if (isnan(d)) d = INFINITY;
        if (isnan(e)) e = INFINITY;
        if (!(d <= o->atol + o->rtol * fabs(tp))) r->hand_ok = false;
        if (!(e <= o->fd.atol + o->fd.rtol * fabs(nu))) r->tape_ok = false;
        if (d > r->max_hand_tape) r->max_hand_tape = d;
        if (e > r->max_tape_numeric) r->max_tape_numeric = e;
        if (d > wd) wd = d, worst_d = j;
        if (fabs(tp) > fabs(h->tape[big])) big = j;
    }
    r->worst = r->hand_ok ? big : worst_d;
    r->hand = h->hand[r->worst];
    r->tape = h->tape[r->worst];
    r->numeric = h->num[r->worst];
}

static void report(FILE *out, const hrow *rows, int n, const char *root, double eps,
                   const tg_show_opts *o) {
    char a[64], b[64], c[64], d[64];
    fprintf(out, "hand against tape and finite differences (eps %s), in backward order:\n",
            tg__show_num(eps, o, a, sizeof a));
    int bad = -1;
    for (int k = 0; k < n; k++) {
        const tg_handcheck_row *r = &rows[k].r;
        char el[32] = "";
        if (r->size > 1) snprintf(el, sizeof el, "[%zu]", r->worst);
        fprintf(out, "  d%s/d%s%s: hand %s, tape %s, numeric %s: %s", root,
                strchr(r->label, ' ') ? strchr(r->label, ' ') + 1 : r->label, el,
                tg__show_num(r->hand, o, a, sizeof a), tg__show_num(r->tape, o, b, sizeof b),
                tg__show_num(r->numeric, o, c, sizeof c),
                r->hand_ok ? "hand = tape" : "hand DIFFERS from tape");
        if (!r->hand_ok) fprintf(out, " by %s", tg__show_num(r->max_hand_tape, o, d, sizeof d));
        if (!r->tape_ok)
            fprintf(out, "; tape differs from numeric by %s (an op's derivative is wrong?)",
                    tg__show_num(r->max_tape_numeric, o, d, sizeof d));
        fprintf(out, "\n");
        if (bad < 0 && !r->hand_ok) bad = k;
    }
    if (bad < 0) {
        fprintf(out, "every hand-derived gradient agrees with the tape\n");
        return;
    }
    const tg_handcheck_row *r = &rows[bad].r;
    fprintf(out, "they part first at %s: |hand - tape| = %s; the tape %s finite differences\n",
            r->label, tg__show_num(r->max_hand_tape, o, a, sizeof a),
            r->tape_ok ? "agrees with" : "also differs from");
}

tg_status tg_handcheck(FILE *out, tg_loss_fn f, void *user, tg_tensor *const *params,
                       int n_params, const tg_hand *hands, int n_hands,
                       const tg_handcheck_opts *opts, tg_handcheck_row *rows,
                       int *first_bad) {
    if (first_bad) *first_bad = -1;
    if (!f || n_hands < 1 || !hands || (n_params > 0 && !params) || n_params < 0)
        return tg__error(TG_ERR_ARG, "tg_handcheck: %s", !f ? "f is NULL"
                         : !hands || n_hands < 1 ? "no hand gradients given"
                         : "params is NULL or n_params < 0");
    for (int k = 0; k < n_params; k++)
        if (!params[k] || params[k]->tape || !params[k]->grad)
            return tg__error(TG_ERR_ARG, "tg_handcheck: params[%d] must be a long-lived tensor with a gradient buffer (tg_param_new)", k);
    for (int k = 0; k < n_hands; k++)
        if (!hands[k].name || (!hands[k].grad && !hands[k].fn))
            return tg__error(TG_ERR_ARG, "tg_handcheck: hands[%d] needs a name and grad or fn", k);
    tg_handcheck_opts o = opts ? *opts : tg_handcheck_defaults();
    if (!(o.fd.eps > 0))
        return tg__error(TG_ERR_VALUE, "tg_handcheck: eps must be > 0, got %g", o.fd.eps);
    tg_show_opts so = tg_show_defaults();

    size_t saved_n = 0;
    for (int k = 0; k < n_params; k++) saved_n += params[k]->size;
    tg_tape *t = tg_tape_new();
    tg_real *saved = tg__malloc(saved_n * sizeof *saved + 1);
    hrow *hr = tg__calloc((size_t)n_hands, sizeof *hr);
    tg__show_map m = {0};
    tg_status st = TG_OK;
    if (!t || !saved || !hr) {
        st = tg__error(TG_ERR_NOMEM, "tg_handcheck: out of memory");
        goto done;
    }
    for (size_t k = 0, off = 0; k < (size_t)n_params; off += params[k]->size, k++) {
        memcpy(saved + off, params[k]->grad, params[k]->size * sizeof *saved);
        tg_tensor_zero_grad(params[k]);
    }
    tg_tensor *y = f(t, params, n_params, user);
    if (!y || tg_tape_status(t) != TG_OK || y->size != 1 || !(y->flags & TG_REQUIRES_GRAD)) {
        char b[64];
        st = tg__error(tg_tape_status(t) != TG_OK ? tg_tape_status(t) : TG_ERR_ARG,
                       "tg_handcheck: the function %s%s",
                       tg_tape_status(t) != TG_OK ? "failed: " : !y ? "returned NULL"
                       : y->size != 1 ? "must return one element, got shape "
                       : "returned a value no gradient reaches",
                       tg_tape_status(t) != TG_OK ? tg_tape_message(t)
                       : y && y->size != 1 ? tg_shape_str(y, b, sizeof b) : "");
        goto restore;
    }
    if ((st = tg__show_map_build(&m, t, NULL, "tg_handcheck")) != TG_OK) goto restore;
    /* Find each tensor, take the hand values (fn sees the forward values). */
    for (int k = 0; k < n_hands && st == TG_OK; k++) {
        hrow *h = &hr[k];
        h->index = k;
        h->x = tg_find(t, hands[k].name);
        if (!h->x) {
            st = tg__error(TG_ERR_ARG, "tg_handcheck: no tensor named '%s'", hands[k].name);
            break;
        }
        size_t n = h->x->size;
        if (hands[k].grad && hands[k].n != n) {
            char b[64];
            st = tg__error(TG_ERR_SHAPE, "tg_handcheck: '%s' has shape %s (%zu elements); %zu hand values given",
                           hands[k].name, tg_shape_str(h->x, b, sizeof b), n, hands[k].n);
            break;
        }
        h->hand = tg__calloc(n, sizeof *h->hand);
        h->tape = tg__calloc(n, sizeof *h->tape);
        h->num = tg__calloc(n, sizeof *h->num);
        if (!h->hand || !h->tape || !h->num) {
            st = tg__error(TG_ERR_NOMEM, "tg_handcheck: out of memory");
            break;
        }
        if (hands[k].grad) memcpy(h->hand, hands[k].grad, n * sizeof *h->hand);
        else hands[k].fn(t, h->x, h->hand, hands[k].user);
        char id[32];
        snprintf(h->r.label, sizeof h->r.label, "%s %s", tg__show_id(&m, h->x, id, sizeof id),
                 hands[k].name);
        /* The sweep finishes a node's output when it reaches the node, a leaf when it
         * reaches the leaf's first reader. */
        const tg_node *nd = tg__show_node_of(&m, h->x);
        size_t lf = tg__show_leaf_index(&m, h->x);
        h->key = nd ? (double)nd->id : lf != (size_t)-1 ? (double)m.leaf_first[lf] - 0.5 : -1;
    }
    if (st != TG_OK) goto restore;
    if (tg_backward(t, y, NULL) != TG_OK) {
        st = tg__error(tg_tape_status(t), "tg_handcheck: backward failed: %s", tg_tape_message(t));
        goto restore;
    }
    for (int k = 0; k < n_hands; k++)
        if (hr[k].x->grad) memcpy(hr[k].tape, hr[k].x->grad, hr[k].x->size * sizeof(tg_real));
    bool old = tg_tape_set_grad_enabled(t, false);
    for (int k = 0; k < n_hands && st == TG_OK; k++)
        st = numeric(t, &m, y, hr[k].x, o.fd.eps, hr[k].num);
    tg_tape_set_grad_enabled(t, old);
    if (st != TG_OK) { /* only if the arena cannot grow during the replay (out of memory) */
        st = tg__error(st, "tg_handcheck: re-running the forward pass failed: %s", tg_tape_message(t));
        goto restore;
    }
    for (int k = 0; k < n_hands; k++) compare(&hr[k], &o);
    qsort(hr, (size_t)n_hands, sizeof *hr, by_key);
    if (out) {
        char root[64];
        report(out, hr, n_hands, tg__show_short(&m, y, root, sizeof root), o.fd.eps, &so);
        tg_status io = tg__show_io(out, "tg_handcheck");
        if (io != TG_OK) st = io;
    }
    for (int k = 0; k < n_hands; k++) {
        if (rows) rows[k] = hr[k].r;
        if (first_bad && *first_bad < 0 && !hr[k].r.hand_ok) *first_bad = k;
    }
restore:
    for (size_t k = 0, off = 0; k < (size_t)n_params; off += params[k]->size, k++)
        memcpy(params[k]->grad, saved + off, params[k]->size * sizeof *saved);
done:
    for (int k = 0; hr && k < n_hands; k++) {
        tg__free(hr[k].hand);
        tg__free(hr[k].tape);
        tg__free(hr[k].num);
    }
    tg__show_map_free(&m);
    tg__free(hr);
    tg__free(saved);
    tg_tape_free(t);
    return st;
}

/* ---- small Jacobians ---- */

/* Prints J with row and column heads, numbers right-aligned in a common width. */
static void print_matrix(FILE *out, const tg_jacobian *r, const tg_show_opts *o) {
    char b[64];
    int w = 2;
    for (size_t i = 0; i < r->m; i++)
        for (size_t j = 0; j < r->n; j++) {
            int l = (int)strlen(tg__show_num(r->J[i][j], o, b, sizeof b));
            if (l > w) w = l;
        }
    fprintf(out, "      ");
    for (size_t j = 0; j < r->n; j++) {
        snprintf(b, sizeof b, "x%zu", j);
        fprintf(out, "  %*s", w, b);
    }
    fprintf(out, "\n");
    for (size_t i = 0; i < r->m; i++) {
        fprintf(out, "  y%-3zu", i);
        for (size_t j = 0; j < r->n; j++)
            fprintf(out, "  %*s", w, tg__show_num(r->J[i][j], o, b, sizeof b));
        fprintf(out, "\n");
    }
}

tg_status tg_jacobian_view(FILE *out, const char *title, tg_jac_fn f, void *user,
                           const tg_tensor *x, const tg_tensor *u, tg_jacobian *res) {
    if (!f || !x || !res)
        return tg__error(TG_ERR_ARG, "tg_jacobian_view: %s is NULL", !f ? "f" : !x ? "x" : "res");
    if (x->size > TG_JAC_MAX)
        return tg__error(TG_ERR_SHAPE, "tg_jacobian_view: x has %zu elements; at most %d are shown",
                         x->size, TG_JAC_MAX);
    memset(res, 0, sizeof *res);
    tg_tape *t = tg_tape_new();
    if (!t) return tg__error(TG_ERR_NOMEM, "tg_jacobian_view: out of memory");
    tg_status st = TG_OK;
    tg_tensor *xs = tg_tape_tensor(t, x->rank, x->shape, x->data, TG_REQUIRES_GRAD);
    tg_tensor *y = xs ? f(t, xs, user) : NULL;
    char b1[64], b2[64];
    if (!y || tg_tape_status(t) != TG_OK) {
        st = tg__error(tg_tape_status(t) != TG_OK ? tg_tape_status(t) : TG_ERR_ARG,
                       "tg_jacobian_view: f failed: %s",
                       tg_tape_status(t) != TG_OK ? tg_tape_message(t) : "it returned NULL");
        goto done;
    }
    if (y->size > TG_JAC_MAX || !(y->flags & TG_REQUIRES_GRAD) ||
        (u && u->size != y->size)) {
        st = tg__error(y->flags & TG_REQUIRES_GRAD ? TG_ERR_SHAPE : TG_ERR_ARG,
                       "tg_jacobian_view: %s", !(y->flags & TG_REQUIRES_GRAD)
                       ? "f's result does not depend on x"
                       : y->size > TG_JAC_MAX ? "y has more than 16 elements"
                       : "u must have as many elements as y");
        goto done;
    }
    res->m = y->size;
    res->n = xs->size;
    /* Row i of J: one sweep seeded with e_i. x is a leaf, whose gradient accumulates
     * across sweeps, so it is zeroed before each. */
    tg_tensor *seed = tg_tape_tensor(t, y->rank, y->shape, NULL, 0);
    for (size_t i = 0; seed && i < res->m && st == TG_OK; i++) {
        tg_tensor_fill(seed, 0);
        seed->data[i] = 1;
        if (xs->grad) memset(xs->grad, 0, xs->size * sizeof(tg_real));
        st = tg_backward(t, y, seed);
        for (size_t j = 0; j < res->n; j++) res->J[i][j] = (double)tg_grad_at(xs, j);
    }
    /* The vector-Jacobian product of one sweep seeded with u. */
    for (size_t i = 0; seed && i < res->m; i++) {
        seed->data[i] = u ? u->data[i] : 1;
        res->u[i] = (double)seed->data[i];
    }
    if (xs->grad) memset(xs->grad, 0, xs->size * sizeof(tg_real));
    if (st == TG_OK && seed) st = tg_backward(t, y, seed);
    if (st != TG_OK || !seed) {
        st = tg__error(tg_tape_status(t), "tg_jacobian_view: backward failed: %s", tg_tape_message(t));
        goto done;
    }
    for (size_t j = 0; j < res->n; j++) {
        double s = 0;
        for (size_t i = 0; i < res->m; i++) s += res->u[i] * res->J[i][j];
        res->uJ[j] = s;
        res->vjp[j] = (double)tg_grad_at(xs, j);
        res->max_diff = fmax(res->max_diff, fabs(res->uJ[j] - res->vjp[j]));
    }
    if (out) {
        tg_show_opts o = tg_show_defaults();
        char v[TG__SHOW_BUF];
        fprintf(out, "Jacobian of %s: y %s from x %s, J[i][j] = dy_i/dx_j\n",
                title ? title : "f", tg_shape_str(y, b1, sizeof b1), tg_shape_str(xs, b2, sizeof b2));
        fprintf(out, "(%zu backward sweeps, row i seeded with the one-hot e_i)\n", res->m);
        print_matrix(out, res, &o);
        fprintf(out, "upstream u = dL/dy         = %s\n", tg__show_dvals(res->u, res->m, &o, v, sizeof v));
        fprintf(out, "u^T J from the rows above  = %s\n", tg__show_dvals(res->uJ, res->n, &o, v, sizeof v));
        fprintf(out, "one sweep seeded with u    = %s\n", tg__show_dvals(res->vjp, res->n, &o, v, sizeof v));
        fprintf(out, "the sweep gives u^T J directly and never forms the %zu x %zu matrix\n",
                res->m, res->n);
        st = tg__show_io(out, "tg_jacobian_view");
    }
done:
    tg_tape_free(t);
    return st;
}
