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
#if TG_REAL_IS_DOUBLE
    return (tg_handcheck_opts){.fd = fd, .atol = 1e-5, .rtol = 1e-3};
#else
    return (tg_handcheck_opts){.fd = fd, .atol = 1e-2, .rtol = 1e-2};
#endif
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
    tg_gradcheck_result check;   /* tape against the numbers */
    int index;               /* position in the caller's hands[] */
} hrow;

/* The numbers: y's value with respect to x's elements, by perturbing x's value and
 * replaying the nodes recorded after x, through the finite-difference core. */
typedef struct replayer {
    tg_tape *t;
    const tg__show_map *m;
    size_t from;
    const tg_tensor *y;
} replayer;

/* y's value after the nodes from `from` on are recomputed (the core's eval). */
static tg_status replay_value(void *ctx, double *value) {
    const replayer *r = ctx;
    tg_status st = replay(r->t, r->m, r->from);
    *value = (double)r->y->data[0];
    return st;
}

static tg_status numeric(tg_tape *t, const tg__show_map *m, tg_tensor *y, hrow *h,
                         const tg_gradcheck_opts *o) {
    const tg_node *nd = tg__show_node_of(m, h->x);
    replayer r = {t, m, nd ? nd->id + 1 : 0, y};
    tg__check_in in = {"tg_handcheck", h->x, h->r.label, h->tape, replay_value, &r, o, h->num};
    tg_status st = tg__check_tensor(&in, &h->check);
    if (st == TG_OK) st = replay(t, m, r.from); /* the values of x unperturbed */
    return st;
}

static int by_key(const void *a, const void *b) {
    const hrow *p = a, *q = b;
    if (p->key != q->key) return p->key > q->key ? -1 : 1;
    return p->index - q->index;
}

/* Compares one row and fills r. The element reported is the one with the largest
 * |hand - tape| when the hand values disagree, else the tape check's worst element
 * when the tape disagrees with the numbers, else the largest |tape| (so rounding
 * noise does not pick it). */
static void compare(hrow *h, const tg_handcheck_opts *o) {
    tg_handcheck_row *r = &h->r;
    r->size = h->x->size;
    r->hand_ok = true;
    r->tape_verdict = h->check.verdict;
    r->tape_ok = h->check.verdict != TG_CHECK_FAILED;
    r->max_tape_numeric = h->check.max_abs_err;
    size_t worst_d = 0, big = 0;
    double wd = -1;
    for (size_t j = 0; j < r->size; j++) {
        double a = h->hand[j], tp = h->tape[j];
        double d = o->tape_only ? 0 : fabs(a - tp);
        if (isnan(d)) d = INFINITY;
        if (!(d <= o->atol + o->rtol * fabs(tp))) r->hand_ok = false;
        if (d > r->max_hand_tape) r->max_hand_tape = d;
        if (d > wd) wd = d, worst_d = j;
        if (fabs(tp) > fabs(h->tape[big])) big = j;
    }
    r->worst = !r->hand_ok ? worst_d : !r->tape_ok ? h->check.worst_index : big;
    r->hand = o->tape_only ? NAN : h->hand[r->worst];
    r->tape = h->tape[r->worst];
    r->numeric = h->num[r->worst];
}

/* The ops that read x on this tape, "node 3 tg_tanh, node 5 tg_mul", into buf. */
static void readers(const tg__show_map *m, const tg_tensor *x, char *buf, size_t cap) {
    size_t k = 0;
    buf[0] = '\0';
    for (size_t id = 0; id < m->n_nodes && k + 1 < cap; id++) {
        const tg_node *nd = m->nodes[id];
        bool reads = false;
        for (int i = 0; nd && i < nd->n_in; i++) reads |= nd->in[i] == x;
        if (reads)
            k += (size_t)snprintf(buf + k, cap - k, "%snode %zu %s", k ? ", " : "", id, nd->op->name);
    }
}

/* "[1,2]" for element j of x ("" for one element). */
static void elem_str(const tg_tensor *x, size_t j, char *buf, size_t cap) {
    buf[0] = '\0';
    if (x->size <= 1) return;
    int at[TG_MAX_RANK];
    for (int d = x->rank - 1; d >= 0; d--) at[d] = (int)(j % (size_t)x->shape[d]), j /= (size_t)x->shape[d];
    size_t k = 0;
    for (int d = 0; d < x->rank && k < cap; d++)
        k += (size_t)snprintf(buf + k, cap - k, "%s%d%s", d ? "," : "[", at[d], d == x->rank - 1 ? "]" : "");
}

/* The node tg_gradcheck_locate named, on this recording of f (NULL if none). */
static const tg_node *located(const tg__show_map *m, const tg_locate_result *loc) {
    return loc && loc->found && loc->node_id < m->n_nodes ? m->nodes[loc->node_id] : NULL;
}

/* Row x is the located node's output or one of its inputs. */
static bool touches(const tg_node *nd, const tg_tensor *x) {
    bool r = nd && nd->out == x;
    for (int i = 0; nd && i < nd->n_in; i++) r |= nd->in[i] == x;
    return r;
}

static void report(FILE *out, const hrow *rows, int n, const char *root, double eps,
                   const tg__show_map *m, bool tape_only, const tg_locate_result *loc) {
    const tg_node *wrong = located(m, loc);
    char a[64], b[64], c[64], d[64], el[64];
    fprintf(out, "%s (eps %s), in backward order:\n", tape_only ? "tape against finite differences"
            : "hand against tape and finite differences", tg__check_num(eps, a, sizeof a));
    int bad = -1, tape_bad = -1;
    for (int k = 0; k < n; k++) {
        const tg_handcheck_row *r = &rows[k].r;
        elem_str(rows[k].x, r->worst, el, sizeof el);
        fprintf(out, "  d%s/d%s%s: ", root, strchr(r->label, ' ') ? strchr(r->label, ' ') + 1 : r->label, el);
        if (!tape_only) fprintf(out, "hand %s, ", tg__check_num(r->hand, a, sizeof a));
        fprintf(out, "tape %s, numeric %s", tg__check_num(r->tape, b, sizeof b),
                tg__check_num(r->numeric, c, sizeof c));
        if (!tape_only) fprintf(out, ": %s", r->hand_ok ? "hand = tape" : "hand DIFFERS from tape");
        if (!r->hand_ok) fprintf(out, " by %s", tg__check_num(r->max_hand_tape, d, sizeof d));
        if (!r->tape_ok)
            fprintf(out, "%s tape DIFFERS from numeric by %s", tape_only ? ":" : ";",
                    tg__check_num(r->max_tape_numeric, d, sizeof d));
        else if (tape_only)
            fprintf(out, ": %s", r->tape_verdict == TG_CHECK_PASSED ? "tape = numeric" : "INCONCLUSIVE");
        if (touches(wrong, rows[k].x)) fprintf(out, "  <-- node %zu", wrong->id);
        fprintf(out, "\n");
        if (bad < 0 && !r->hand_ok) bad = k;
        if (tape_bad < 0 && !r->tape_ok) tape_bad = k;
    }
    if (tape_bad >= 0) {
        char ops[256];
        readers(m, rows[tape_bad].x, ops, sizeof ops);
        fprintf(out, "the tape and the numbers part first at %s; ops that read it: %s (the wrong "
                "derivative is there, or in an op between it and the row above)\n",
                rows[tape_bad].r.label, ops[0] ? ops : "none");
    }
    if (wrong) {
        char id[32], nm[96], opn[96];
        tg_show_opts so = tg_show_defaults();
        fprintf(out, "tg_gradcheck_locate: the wrong derivative is node %zu %s, input %d (%s = %s(",
                wrong->id, loc->op, loc->input, tg__show_short(m, wrong->out, nm, sizeof nm),
                tg__show_op(wrong, false, &so, opn, sizeof opn));
        for (int i = 0; i < wrong->n_in; i++)
            fprintf(out, "%s%s", i ? ", " : "", tg__show_short(m, wrong->in[i], id, sizeof id));
        fprintf(out, "))\n");
    } else if (loc) {
        fprintf(out, "tg_gradcheck_locate: every node's derivative agrees with finite differences\n");
    }
    if (tape_only) {
        if (tape_bad < 0) fprintf(out, "the tape agrees with finite differences for every row\n");
        return;
    }
    if (bad < 0) {
        fprintf(out, "every hand-derived gradient agrees with the tape\n");
        return;
    }
    const tg_handcheck_row *r = &rows[bad].r;
    fprintf(out, "they part first at %s: |hand - tape| = %s; the tape %s finite differences\n",
            r->label, tg__check_num(r->max_hand_tape, a, sizeof a),
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
    tg_handcheck_opts o = opts ? *opts : tg_handcheck_defaults();
    for (int k = 0; k < n_hands; k++)
        if (!hands[k].name || (!o.tape_only && !hands[k].grad && !hands[k].fn))
            return tg__error(TG_ERR_ARG, "tg_handcheck: hands[%d] needs a name%s", k,
                             o.tape_only ? "" : " and grad or fn");
    if (!(o.fd.eps > 0))
        return tg__error(TG_ERR_VALUE, "tg_handcheck: eps must be > 0, got %g", o.fd.eps);
    tg_status st = tg__gradcheck_opts(&o.fd, "tg_handcheck", &o.fd);
    if (st != TG_OK) return st;

    size_t saved_n = 0;
    for (int k = 0; k < n_params; k++)
        if (!tg__add_size(saved_n, params[k]->size, &saved_n)) saved_n = SIZE_MAX; /* refused below */
    tg_tape *t = tg_tape_new();
    size_t bytes = 0; /* the same parameter listed many times could add up past size_t */
    bool fits = tg__mul_size(saved_n, sizeof(tg_real), &bytes) && tg__add_size(bytes, 1, &bytes);
    tg_real *saved = fits ? tg__malloc(bytes) : NULL;
    hrow *hr = tg__calloc((size_t)n_hands, sizeof *hr);
    tg__show_map m = {0};
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
    /* Find each tensor, take the fixed hand values. */
    for (int k = 0; k < n_hands && st == TG_OK; k++) {
        hrow *h = &hr[k];
        h->index = k;
        h->x = tg_find(t, hands[k].name);
        if (!h->x) {
            st = tg__error(TG_ERR_ARG, "tg_handcheck: no tensor named '%s'", hands[k].name);
            break;
        }
        size_t n = h->x->size;
        if (hands[k].grad && !o.tape_only && hands[k].n != n) {
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
        if (hands[k].grad && !o.tape_only) memcpy(h->hand, hands[k].grad, n * sizeof *h->hand);
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
    /* fn after the sweep: it sees the forward values and the tape's gradients. */
    for (int k = 0; k < n_hands; k++) {
        if (hr[k].x->grad) memcpy(hr[k].tape, hr[k].x->grad, hr[k].x->size * sizeof(tg_real));
        const tg_hand *hd = &hands[hr[k].index];
        if (!hd->grad && hd->fn && !o.tape_only) hd->fn(t, hr[k].x, hr[k].hand, hd->user);
    }
    bool old = tg_tape_set_grad_enabled(t, false);
    for (int k = 0; k < n_hands && st == TG_OK; k++)
        st = numeric(t, &m, y, &hr[k], &o.fd);
    tg_tape_set_grad_enabled(t, old);
    if (st != TG_OK) { /* out of memory, in the core or when the arena cannot grow */
        if (tg_tape_status(t) != TG_OK)
            st = tg__error(st, "tg_handcheck: re-running the forward pass failed: %s", tg_tape_message(t));
        goto restore;
    }
    for (int k = 0; k < n_hands; k++) compare(&hr[k], &o);
    qsort(hr, (size_t)n_hands, sizeof *hr, by_key);
    if (o.locate) { /* which op is wrong: every node re-checked alone */
        memset(o.locate, 0, sizeof *o.locate);
        if (n_params > 0 && (st = tg_gradcheck_locate(NULL, f, user, params, n_params, &o.fd, o.locate)) != TG_OK)
            goto restore;
    }
    if (out) {
        char root[64];
        report(out, hr, n_hands, tg__show_short(&m, y, root, sizeof root), o.fd.eps, &m, o.tape_only,
               o.locate);
        tg_status io = tg__show_io(out, "tg_handcheck");
        if (io != TG_OK) st = io;
    }
    for (int k = 0; k < n_hands; k++) {
        if (rows) rows[k] = hr[k].r;
        if (first_bad && *first_bad < 0 && !(o.tape_only ? hr[k].r.tape_ok : hr[k].r.hand_ok))
            *first_bad = k;
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
