/* handcheck.c — a student's hand-derived gradients against the tape and against
 * central finite differences (tg_handcheck). See tg_show.h. Nothing here
 * differentiates: gradients come from tg_backward, numbers from re-running forward
 * kernels. */
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
typedef struct replayer {
    tg_tape *t;
    const tg__show_map *m;
    size_t from;
    const tg_tensor *y;
} replayer;

/* y's value after the nodes from `from` on are recomputed (tg__central_diff's eval). */
static tg_status replay_value(void *ctx, double *value) {
    const replayer *r = ctx;
    tg_status st = replay(r->t, r->m, r->from);
    *value = (double)r->y->data[0];
    return st;
}

static tg_status numeric(tg_tape *t, const tg__show_map *m, tg_tensor *y, tg_tensor *x,
                         double eps, double *num) {
    const tg_node *nd = tg__show_node_of(m, x);
    replayer r = {t, m, nd ? nd->id + 1 : 0, y};
    tg_status st = TG_OK;
    for (size_t j = 0; j < x->size && st == TG_OK; j++) {
        st = tg__central_diff(&x->data[j], eps, replay_value, &r, &num[j]);
        if (st == TG_OK) st = replay(t, m, r.from); /* the values of x unperturbed */
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
    for (int k = 0; k < n_params; k++)
        if (!tg__add_size(saved_n, params[k]->size, &saved_n)) saved_n = SIZE_MAX; /* refused below */
    tg_tape *t = tg_tape_new();
    size_t bytes = 0; /* the same parameter listed many times could add up past size_t */
    bool fits = tg__mul_size(saved_n, sizeof(tg_real), &bytes) && tg__add_size(bytes, 1, &bytes);
    tg_real *saved = fits ? tg__malloc(bytes) : NULL;
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
