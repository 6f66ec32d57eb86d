/* locate.c — which recorded op has a wrong derivative (tg_gradcheck_locate): each
 * node of the tape re-checked alone, its backward kernel against finite differences
 * of its forward kernel on its saved inputs. See tg_gradcheck.h. */
#include <math.h>
#include <string.h>
#include "inspect_private.h"

/* u . op(inputs) for the node, its forward kernel re-run on the current inputs. */
typedef struct node_ctx {
    tg_tape *t;
    tg_node *nd;
    const tg_real *u;
} node_ctx;

static tg_status node_value(void *ctx, double *value) {
    node_ctx *c = ctx;
    tg_status st = c->nd->op->forward(c->t, c->nd);
    double s = 0;
    for (size_t j = 0; j < c->nd->out->size; j++) s += (double)c->u[j] * c->nd->out->data[j];
    *value = st == TG_OK ? s : NAN;
    return st == TG_OK ? TG_OK : tg__error(st, "tg_gradcheck_locate: %s: forward failed: %s",
                                          c->nd->op->name, tg_tape_message(c->t));
}

static void fill_random(tg_real *v, size_t n, tg_rng *g) {
    for (size_t j = 0; j < n; j++) {
        double a = 0.5 + tg_rng_uniform(g);
        v[j] = (tg_real)(tg_rng_u64(g) & 1 ? a : -a);
    }
}

/* The first earlier input slot holding the same tensor as in[i], or i. */
static int first_slot(const tg_node *nd, int i) {
    for (int j = 0; j < i; j++)
        if (nd->in[j] == nd->in[i]) return j;
    return i;
}

/* Checks every input of nd that needs a gradient; the first FAILED one goes to res. */
static tg_status check_node(FILE *out, tg_tape *t, tg_node *nd, const tg_gradcheck_opts *o,
                            tg_rng *g, tg_locate_result *res) {
    size_t bytes = nd->out->size, m = (size_t)nd->n_in;
    for (int i = 0; i < nd->n_in; i++) bytes += 2 * nd->in[i]->size;
    tg_real *buf = tg__malloc(bytes * sizeof *buf + 1);
    tg_real **ptrs = tg__calloc(3 * m + 1, sizeof *ptrs);
    if (!buf || !ptrs) {
        tg__free(buf), tg__free(ptrs);
        return tg__error(TG_ERR_NOMEM, "tg_gradcheck_locate: out of memory");
    }
    /* Local VJP: out->grad := u; each distinct input that needs a gradient gets a
     * random prior gradient, so a kernel that assigns instead of adding shows. */
    tg_real *u = buf, *p = buf + nd->out->size;
    tg_real **saved_grad = ptrs, **prior = ptrs + m, **vjp = ptrs + 2 * m;
    fill_random(u, nd->out->size, g);
    tg_real *out_grad = nd->out->grad;
    nd->out->grad = u;
    for (int i = 0; i < nd->n_in; i++) {
        tg_tensor *x = nd->in[i];
        saved_grad[i] = x->grad;
        if (first_slot(nd, i) != i || !tg__requires_grad(x)) continue;
        size_t n = x->size;
        prior[i] = p, vjp[i] = p + n, p += 2 * n;
        fill_random(prior[i], n, g);
        memcpy(vjp[i], prior[i], n * sizeof *p);
        x->grad = vjp[i];
    }
    for (int i = 0; i < nd->n_in; i++)
        if (!vjp[first_slot(nd, i)]) nd->in[i]->grad = NULL;
    nd->op->backward(nd);
    for (int i = 0; i < nd->n_in; i++) nd->in[i]->grad = saved_grad[i];
    nd->out->grad = out_grad;

    node_ctx c = {t, nd, u};
    tg_status st = TG_OK;
    for (int i = 0; i < nd->n_in && st == TG_OK && !res->found; i++) {
        if (!vjp[i]) continue;
        tg_tensor *x = nd->in[i];
        for (size_t j = 0; j < x->size; j++) vjp[i][j] = (tg_real)((double)vjp[i][j] - prior[i][j]);
        char name[48]; /* its own name, else the node that made it (n3), else in0 */
        if (x->name[0]) snprintf(name, sizeof name, "%s", x->name);
        else if (x->node) snprintf(name, sizeof name, "n%zu", x->node->id);
        else snprintf(name, sizeof name, "in%d", i);
        tg_gradcheck_result r;
        tg__check_in ci = {"tg_gradcheck_locate", x, name, vjp[i], node_value, &c, o, NULL};
        st = tg__check_tensor(&ci, &r);
        if (st != TG_OK) break;
        res->n_inconclusive += r.verdict == TG_CHECK_INCONCLUSIVE;
        if (out) {
            fprintf(out, "  node %zu %s, input %d: ", nd->id, nd->op->name, i);
            tg_gradcheck_print(out, &r, 1);
        }
        if (r.verdict == TG_CHECK_FAILED) {
            res->found = true;
            res->node_id = nd->id;
            snprintf(res->op, sizeof res->op, "%s", nd->op->name);
            res->input = i;
            res->r = r;
        }
    }
    /* the node's output and saved data as they were */
    tg_status fw = nd->op->forward(t, nd);
    if (st == TG_OK && fw != TG_OK)
        st = tg__error(fw, "tg_gradcheck_locate: %s: forward failed: %s", nd->op->name, tg_tape_message(t));
    tg__free(buf);
    tg__free(ptrs);
    return st;
}

tg_status tg_gradcheck_locate(FILE *out, tg_loss_fn f, void *user, tg_tensor *const *params,
                              int n_params, const tg_gradcheck_opts *opts,
                              tg_locate_result *res) {
    if (!f || !params || n_params < 1 || !res)
        return tg__error(TG_ERR_ARG, "tg_gradcheck_locate: %s", !f ? "f is NULL"
                         : !params ? "params is NULL" : !res ? "res is NULL" : "n_params must be >= 1");
    for (int k = 0; k < n_params; k++)
        if (!params[k] || params[k]->tape)
            return tg__error(TG_ERR_ARG, "tg_gradcheck_locate: params[%d] must be a long-lived tensor", k);
    memset(res, 0, sizeof *res);
    tg_gradcheck_opts o;
    tg_status st = tg__gradcheck_opts(opts, "tg_gradcheck_locate", &o);
    if (st != TG_OK) return st;
    tg_tape *t = tg_tape_new();
    if (!t) return tg__error(TG_ERR_NOMEM, "tg_gradcheck_locate: out of memory");
    tg_tensor *y = f(t, params, n_params, user);
    if (!y || tg_tape_status(t) != TG_OK) {
        st = tg__error(tg_tape_status(t) != TG_OK ? tg_tape_status(t) : TG_ERR_ARG,
                       "tg_gradcheck_locate: the function failed: %s",
                       tg_tape_status(t) != TG_OK ? tg_tape_message(t) : "it returned NULL");
        goto done;
    }
    /* nodes in recording order (the tape links them backwards) */
    size_t n = tg_tape_node_count(t);
    tg_node **nodes = tg__malloc(n * sizeof *nodes + 1);
    if (!nodes) {
        st = tg__error(TG_ERR_NOMEM, "tg_gradcheck_locate: out of memory");
        goto done;
    }
    size_t k = n;
    for (const tg_node *nd = tg_tape_last(t); nd && k > 0; nd = nd->prev) nodes[--k] = (tg_node *)nd;
    res->n_nodes = n;
    bool old = tg_tape_set_grad_enabled(t, false);
    tg_rng g;
    tg_rng_seed(&g, o.seed);
    if (out) fprintf(out, "each node alone, its backward against finite differences of its forward:\n");
    for (size_t i = k; i < n && st == TG_OK && !res->found; i++) {
        if (!nodes[i]->op->backward) continue;
        res->n_checked++;
        st = check_node(out, t, nodes[i], &o, &g, res);
    }
    tg_tape_set_grad_enabled(t, old);
    tg__free(nodes);
    if (st == TG_OK && out) {
        char at[96], a[32], b[32];
        if (res->found) {
            const tg_gradcheck_result *r = &res->r;
            tg__check_where(r, at, sizeof at);
            fprintf(out, "first node that disagrees: node %zu %s, input %d, %s %s: local VJP %s, numeric %s\n",
                    res->node_id, res->op, res->input, r->n_failed ? "element" : "along random directions; closest element",
                    at, tg__check_num(r->worst_analytic, a, sizeof a), tg__check_num(r->worst_numeric, b, sizeof b));
        } else {
            fprintf(out, "no node disagrees (%zu of %zu nodes checked, %zu inputs inconclusive)\n",
                    res->n_checked, res->n_nodes, res->n_inconclusive);
        }
        st = tg__show_io(out, "tg_gradcheck_locate");
    }
done:
    tg_tape_free(t);
    return st;
}
