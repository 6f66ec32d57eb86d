/* jacobian.c — small Jacobians built from one-hot seeded sweeps, next to the one
 * vector-Jacobian product a seeded sweep computes (tg_jacobian_view). See tg_show.h.
 * Nothing here differentiates: every number comes from tg_backward. */
#include <math.h>
#include <string.h>
#include "inspect_private.h"

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
