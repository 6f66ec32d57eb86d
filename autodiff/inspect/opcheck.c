/* opcheck.c — one op alone (tg_opcheck): first-order check of L = sum(r * op(inputs))
 * on seeded random inputs through tg_gradcheck, its second order through
 * tg_gradgradcheck when the op has a graph form, and the op's shape rule handed wrong
 * shapes. See tg_gradcheck.h. */
#include <math.h>
#include <string.h>
#include "inspect_private.h"

typedef struct opc {
    const tg_op *op;
    const tg_op_args *args;
    uint64_t seed;
} opc;

/* L = sum(r * op(p)), r fixed by the seed: entries in [0.5, 1.5) with random signs,
 * so every output element matters. */
static tg_tensor *op_loss(tg_tape *t, tg_tensor *const *p, int n, void *user) {
    const opc *c = user;
    tg_tensor *y = tg_apply(t, c->op, p, n, c->args);
    if (!y) return NULL;
    tg_tensor *r = tg_tape_tensor(t, y->rank, y->shape, NULL, 0);
    if (!r) return NULL;
    tg_rng g;
    tg_rng_seed(&g, c->seed ^ 0x5bd1e995u);
    for (size_t i = 0; i < r->size; i++) {
        double v = 0.5 + tg_rng_uniform(&g);
        r->data[i] = (tg_real)(tg_rng_u64(&g) & 1 ? v : -v);
    }
    return tg_sum(t, tg_mul(t, y, r));
}

/* The op handed one row of wrong shapes on a fresh tape: it must fail, with a message
 * that names it. Returns whether it did; msg receives the message or the reason. */
static tg_status reject(const tg_op *op, const tg_op_args *args, const tg_opcheck_input *w,
                        int n_in, char *msg, size_t cap, bool *rejected) {
    *rejected = false;
    tg_tape *t = tg_tape_new();
    if (!t) return tg__error(TG_ERR_NOMEM, "tg_opcheck: out of memory");
    tg_tensor *in[TG_OP_MAX_ARGS] = {0};
    for (int k = 0; k < n_in; k++)
        if (!(in[k] = tg_tape_tensor(t, w[k].rank, w[k].shape, NULL, TG_REQUIRES_GRAD))) break;
    tg_status st = TG_OK;
    if (tg_tape_status(t) != TG_OK) {
        st = tg__error(tg_tape_status(t), "tg_opcheck: wrong shapes: %s", tg_tape_message(t));
    } else {
        tg_tensor *y = tg_apply(t, op, in, n_in, args);
        const char *m = tg_tape_message(t);
        size_t l = strlen(op->name);
        *rejected = !y && tg_tape_status(t) != TG_OK && strncmp(m, op->name, l) == 0;
        if (*rejected) snprintf(msg, cap, "%s", m);
        else if (y) snprintf(msg, cap, "%s accepted the wrong shapes", op->name);
        else snprintf(msg, cap, "%s rejected them but its message does not name it: %s", op->name, m);
    }
    tg_tape_free(t);
    return st;
}

/* Second order: an op with a graph form of its derivative (backward_graph) has its
 * second derivatives of the same L checked by tg_gradgradcheck (the recorded sweep's
 * Hessian-vector products against finite differences of first derivatives); without
 * one, the report says it was not checked. */
static tg_status second_order(const opc *c, tg_tensor *const *in, int n_in,
                              const tg_gradcheck_opts *o, tg_opcheck_report *rep) {
    rep->second_order_checked = false;
    if (!c->op->backward || !c->op->backward_graph) return TG_OK;
    bool ok = false;
    tg_status st = tg_gradgradcheck(op_loss, (void *)c, in, n_in, o, rep->second, &ok);
    if (st != TG_OK) {
        char m[512];
        snprintf(m, sizeof m, "%s", tg_last_error());
        return tg__error(st, "tg_opcheck: %s, second order: %s", c->op->name, m);
    }
    rep->second_order_checked = true;
    return TG_OK;
}

tg_status tg_opcheck(FILE *out, const tg_op *op, const tg_opcheck_input *in, int n_in,
                     const tg_opcheck_opts *opts, tg_opcheck_report *rep) {
    if (!op || !in || !rep || n_in < 1 || n_in > TG_OP_MAX_ARGS)
        return tg__error(TG_ERR_ARG, "tg_opcheck: %s", !op ? "op is NULL" : !in ? "in is NULL"
                         : !rep ? "rep is NULL" : "n_in must be 1..4");
    if (!op->name || !op->infer || !op->forward || (op->n_in >= 0 && op->n_in != n_in))
        return tg__error(TG_ERR_ARG, "tg_opcheck: %s", !op->name || !op->infer || !op->forward
                         ? "the op needs a name, a shape rule and a forward kernel"
                         : "the op takes a different number of inputs");
    tg_opcheck_opts oo = opts ? *opts : (tg_opcheck_opts){0};
    /* gc left without tolerances: the defaults, with its other fields (0: default) */
    tg_gradcheck_opts gc, in_gc = oo.gc;
    if (in_gc.eps == 0 && in_gc.atol == 0 && in_gc.rtol == 0) {
        tg_gradcheck_opts d = tg_gradcheck_defaults();
        in_gc.eps = d.eps, in_gc.atol = d.atol, in_gc.rtol = d.rtol;
    }
    tg_status st = tg__gradcheck_opts(&in_gc, "tg_opcheck", &gc);
    if (st != TG_OK) return st;
    if (oo.n_wrong < 0 || (oo.n_wrong > 0 && !oo.wrong))
        return tg__error(TG_ERR_ARG, "tg_opcheck: n_wrong must be >= 0, with wrong given");
    memset(rep, 0, sizeof *rep);
    rep->n_in = n_in;
    opc c = {op, oo.args, oo.seed ? oo.seed : 1};
    tg_tensor *x[TG_OP_MAX_ARGS] = {0};
    tg_rng g;
    tg_rng_seed(&g, c.seed);
    for (int k = 0; k < n_in && st == TG_OK; k++) {
        char name[16];
        snprintf(name, sizeof name, "in%d", k);
        x[k] = tg_param_new(name, in[k].rank, in[k].shape);
        if (!x[k]) {
            char m[256];
            snprintf(m, sizeof m, "%s", tg_last_error());
            st = tg__error(tg_last_status(), "tg_opcheck: input %d: %s", k, m);
            goto done;
        }
        double lo = in[k].lo, hi = in[k].hi;
        if (lo == 0 && hi == 0) lo = -1, hi = 1;
        tg_tensor_uniform(x[k], &g, (tg_real)lo, (tg_real)hi);
    }
    bool ok = false;
    if (st == TG_OK) st = tg_gradcheck(op_loss, &c, x, n_in, &gc, rep->first, &ok);
    if (st != TG_OK) { /* the op's own message, without tg_gradcheck's wrapping */
        char m[512];
        const char *e = tg_last_error(), *w = "tg_gradcheck: the function failed: ";
        snprintf(m, sizeof m, "%s", strncmp(e, w, strlen(w)) == 0 ? e + strlen(w) : e);
        st = tg__error(st, "tg_opcheck: %s on the given shapes: %s", op->name, m);
        goto done;
    }
    if ((st = second_order(&c, x, n_in, &gc, rep)) != TG_OK) goto done;
    bool inconclusive = false, failed = false;
    for (int k = 0; k < n_in; k++) {
        failed |= rep->first[k].verdict == TG_CHECK_FAILED;
        inconclusive |= rep->first[k].verdict == TG_CHECK_INCONCLUSIVE;
        if (!rep->second_order_checked) continue;
        failed |= rep->second[k].verdict == TG_CHECK_FAILED;
        inconclusive |= rep->second[k].verdict == TG_CHECK_INCONCLUSIVE;
    }
    /* wrong_message: the first shape that was not rejected, else the first rejection */
    bool accepted = false;
    for (int w = 0; w < oo.n_wrong && st == TG_OK; w++) {
        bool rj;
        char msg[sizeof rep->wrong_message];
        st = reject(op, oo.args, oo.wrong + (size_t)w * (size_t)n_in, n_in, msg, sizeof msg, &rj);
        rep->n_wrong_rejected += rj;
        if (st == TG_OK && (w == 0 || (!rj && !accepted)))
            snprintf(rep->wrong_message, sizeof rep->wrong_message, "%s", msg);
        accepted |= !rj;
    }
    failed |= accepted;
    if (st != TG_OK) goto done;
    rep->verdict = failed ? TG_CHECK_FAILED : inconclusive ? TG_CHECK_INCONCLUSIVE : TG_CHECK_PASSED;
    if (out) {
        fprintf(out, "opcheck %s, seed %llu:\n", op->name, (unsigned long long)c.seed);
        for (int k = 0; k < n_in; k++) {
            fprintf(out, "  ");
            tg_gradcheck_print(out, &rep->first[k], 1);
        }
        fprintf(out, "  second order: %s\n", rep->second_order_checked ? "checked" : "not checked (no graph form)");
        for (int k = 0; rep->second_order_checked && k < n_in; k++) {
            fprintf(out, "    ");
            tg_gradcheck_print(out, &rep->second[k], 1);
        }
        if (oo.n_wrong)
            fprintf(out, "  shape rule: %d of %d wrong shapes rejected: %s\n", rep->n_wrong_rejected,
                    oo.n_wrong, rep->wrong_message);
        fprintf(out, "  %s: %s\n", op->name, tg_verdict_name(rep->verdict));
        st = tg__show_io(out, "tg_opcheck");
    }
done:
    for (int k = 0; k < n_in; k++) tg_tensor_free(x[k]);
    return st;
}
