/* custom_op.c — defining a new primitive in your own code.
 *
 * A primitive is a tg_op: a shape rule, a forward kernel and a local-derivative
 * (backward) kernel, plus any private data passed through tg_op_args.p. Once defined,
 * tg_apply records it on the tape like a built-in op and the one backward sweep calls
 * its derivative. Here: the "swish" activation with a learnable-free slope β,
 *
 *   y = x σ(β x),   dy/dx = σ(βx) + β x σ(βx)(1 − σ(βx)),
 *
 * used inside an expression together with built-in ops, then gradient-checked with
 * tg_gradcheck (the same check tapegrad runs on its own ops); last, tg_opcheck checks
 * the op alone and catches a copy of it with a slip in its derivative.
 *
 * Two kinds of custom op:
 *   - "swish": a backward kernel only. tg_backward and first-order tg_grad work;
 *     gradients of its gradient (tg_grad with TG_GRAD_CREATE_GRAPH) are refused with
 *     a message naming it, never a silent zero.
 *   - "swish2": the same op with its derivative also in graph form (backward_graph),
 *     written with tapegrad ops, so the sweep can record it: second derivatives,
 *     Hessian-vector products and gradient penalties then work through it, and
 *     tg_gradgradcheck checks them.
 * Run: ./build/examples/custom_op
 */
#include <math.h>
#include <stdio.h>
#include <tapegrad.h>
#include "cli.h"

typedef struct { double beta; } swish_data; /* private data of the op */

/* Shape rule: y has x's shape. Errors go on the tape in the library's format. */
static tg_status swish_infer(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    const swish_data *d = n->args.p;
    if (!d || !(d->beta > 0))
        return tg_tape_fail(t, TG_ERR_VALUE, "swish: beta must be > 0");
    *rank = n->in[0]->rank;
    for (int i = 0; i < *rank; i++) shape[i] = n->in[0]->shape[i];
    return TG_OK;
}

/* Forward: y = x σ(βx). Keeps σ(βx) for the derivative in arena memory. */
static tg_status swish_forward(tg_tape *t, tg_node *n) {
    const swish_data *d = n->args.p;
    const tg_tensor *x = n->in[0];
    tg_real *s = tg_tape_alloc(t, x->size * sizeof *s);
    if (!s) return TG_ERR_NOMEM;
    for (size_t i = 0; i < x->size; i++) {
        s[i] = (tg_real)(1 / (1 + exp(-d->beta * x->data[i])));
        n->out->data[i] = x->data[i] * s[i];
    }
    n->saved = s;
    return TG_OK;
}

/* Backward: dx += g (σ + β x σ (1 − σ)). Accumulate; x->grad may be NULL. */
static void swish_backward(tg_node *n) {
    const swish_data *d = n->args.p;
    const tg_real *s = n->saved, *g = n->out->grad, *x = n->in[0]->data;
    tg_real *dx = n->in[0]->grad;
    if (!dx) return;
    for (size_t i = 0; i < n->out->size; i++)
        dx[i] += g[i] * (s[i] + (tg_real)d->beta * x[i] * s[i] * (1 - s[i]));
}

static const tg_op swish_op = {"swish", 1, 0, swish_infer, swish_forward, swish_backward, NULL};

/* The same derivative in graph form: dx = g (s + β x s (1 − s)), s = σ(βx), built
 * from ops so that the sweep can record it (and differentiate it again). */
static tg_status swish_graph(tg_tape *t, const tg_node *n, tg_tensor *g, tg_tensor **dx) {
    const swish_data *d = n->args.p;
    tg_tensor *bx = tg_mul_scalar(t, n->in[0], (tg_real)d->beta);
    tg_tensor *s = tg_sigmoid(t, bx);
    tg_tensor *ds = tg_mul(t, s, tg_add_scalar(t, tg_neg(t, s), 1)); /* s (1 − s) */
    dx[0] = tg_mul(t, g, tg_add(t, s, tg_mul(t, bx, ds)));
    return tg_tape_status(t);
}

static const tg_op swish2_op = {.name = "swish2", .n_in = 1, .infer = swish_infer,
                                .forward = swish_forward, .backward = swish_backward,
                                .backward_graph = swish_graph};

/* The one-line builder, like the library's own. The data must outlive the tape step. */
static tg_tensor *swish(tg_tape *t, tg_tensor *x, const swish_data *d) {
    tg_op_args a = {.p = d};
    return tg_apply(t, &swish_op, &x, 1, &a);
}

static const swish_data beta15 = {1.5};

static tg_tensor *swish2(tg_tape *t, tg_tensor *x, const swish_data *d) {
    tg_op_args a = {.p = d};
    return tg_apply(t, &swish2_op, &x, 1, &a);
}

/* The same loss through swish2. */
static tg_tensor *loss2_fn(tg_tape *t, tg_tensor *const *p, int n, void *user) {
    (void)n, (void)user;
    tg_tensor *x = tg_tape_tensor(t, 2, (int[]){3, 1}, (tg_real[]){0.5, -1.0, 2.0}, 0);
    return tg_sum(t, swish2(t, tg_matmul(t, p[0], x), &beta15));
}

/* L = sum(swish(W x)) with x fixed: swish sits between two built-in ops. */
static tg_tensor *loss_fn(tg_tape *t, tg_tensor *const *p, int n, void *user) {
    (void)n, (void)user;
    tg_tensor *x = tg_tape_tensor(t, 2, (int[]){3, 1}, (tg_real[]){0.5, -1.0, 2.0}, 0);
    return tg_sum(t, swish(t, tg_matmul(t, p[0], x), &beta15));
}

/* ---- checking a new op alone: tg_opcheck ----
 * The same swish with a deliberately wrong derivative, the classic slip of keeping
 * only the first term: dx += g σ(βx). tg_opcheck draws seeded random inputs of the
 * shape given, checks the op's first derivative against finite differences and
 * reports FAILED with the element; the right op PASSES. Returns whether the wrong
 * one was caught and the right one passed. */
static void swish_backward_slip(tg_node *n) {
    const tg_real *s = n->saved, *g = n->out->grad;
    tg_real *dx = n->in[0]->grad;
    if (!dx) return;
    for (size_t i = 0; i < n->out->size; i++) dx[i] += g[i] * s[i];
}

static const tg_op swish_slip_op = {"swish_slip", 1, 0, swish_infer, swish_forward,
                                    swish_backward_slip, NULL};

static bool opcheck_demo(void) {
    tg_op_args a = {.p = &beta15};
    tg_opcheck_input x = {2, {3, 4}, -2, 2};            /* x (3,4) in [-2, 2) */
    tg_opcheck_opts o = {.args = &a, .seed = 1};
    tg_opcheck_report right, slip;
    printf("\ntg_opcheck on the op as written, then with a slip in its derivative:\n");
    if (tg_opcheck(stdout, &swish_op, &x, 1, &o, &right) != TG_OK ||
        tg_opcheck(stdout, &swish_slip_op, &x, 1, &o, &slip) != TG_OK) {
        fprintf(stderr, "custom_op: %s\n", tg_last_error());
        return false;
    }
    return right.verdict == TG_CHECK_PASSED && slip.verdict == TG_CHECK_FAILED;
}

int main(int argc, char **argv) {
    cli c = {"custom_op", "",
             "Defines the swish activation as a new primitive (tg_op, tg_apply), uses it in an\n"
             "expression and checks its gradient with tg_gradcheck.\n",
             cli_no_options, 0, NULL, 0, false};
    int rc = cli_parse(&c, argc, argv);
    if (rc != CLI_RUN) return rc;
    tg_rng rng;
    tg_rng_seed(&rng, 1);
    tg_tensor *W = tg_param_new("W", 2, (int[]){4, 3});
    tg_tensor_uniform(W, &rng, -1, 1);

    tg_tape *t = tg_tape_new();
    tg_tensor *L = loss_fn(t, &W, 1, NULL);
    if (!L || tg_backward(t, L, NULL) != TG_OK) {
        fprintf(stderr, "custom_op: %s\n", tg_tape_message(t));
        return 1;
    }
    printf("custom op 'swish' (beta = 1.5): L = sum(swish(W x)) = %.6f\n", (double)tg_item(L));
    printf("dL/dW[0,:] from the sweep = (%.6f, %.6f, %.6f)\n", (double)W->grad[0],
           (double)W->grad[1], (double)W->grad[2]);

    tg_gradcheck_result r;
    bool ok = false;
    if (tg_gradcheck(loss_fn, NULL, &W, 1, NULL, &r, &ok) != TG_OK) {
        fprintf(stderr, "custom_op: %s\n", tg_last_error());
        return 1;
    }
    printf("gradient check against finite differences: %s (max abs err %.2g, max rel err %.2g)\n",
           ok ? "passed" : "FAILED", r.max_abs_err, r.max_rel_err);

    /* Gradients of gradients: refused through "swish", recorded through "swish2". */
    tg_tape_reset(t);
    tg_tensor *g = NULL;
    tg_status st = tg_grad(t, loss_fn(t, &W, 1, NULL), NULL, &W, 1, TG_GRAD_CREATE_GRAPH, &g);
    printf("second order through 'swish': %s\n  \"%s\"\n", st == TG_OK ? "accepted?" : "refused",
           tg_tape_message(t));
    tg_tape_reset(t);
    tg_status st2 = tg_grad(t, loss2_fn(t, &W, 1, NULL), NULL, &W, 1, TG_GRAD_CREATE_GRAPH, &g);
    tg_tensor *h = NULL;
    if (st2 == TG_OK) st2 = tg_grad(t, tg_sum(t, g), NULL, &W, 1, 0, &h);
    if (st2 == TG_OK)
        printf("second order through 'swish2': d/dW[0,0] sum(dL/dW) = %.6f\n", (double)h->data[0]);
    bool ok2 = false;
    if (st2 == TG_OK && tg_gradgradcheck(loss2_fn, NULL, &W, 1, NULL, &r, &ok2) != TG_OK) ok2 = false;
    printf("second derivatives against finite differences of gradients: %s (max abs err %.2g)\n",
           ok2 ? "passed" : "FAILED", r.max_abs_err);
    ok = ok && st != TG_OK && ok2;

    /* A mistake is reported, not crashed on: beta = 0 is refused by the shape rule. */
    tg_tape_reset(t);
    static const swish_data bad = {0};
    tg_tensor *y = swish(t, tg_tape_full(t, 1, (int[]){2}, 1), &bad);
    printf("swish with beta = 0: %s -> \"%s\"\n", y ? "accepted?" : "refused", tg_tape_message(t));

    bool caught = opcheck_demo();
    tg_tape_free(t);
    tg_tensor_free(W);
    return ok && !y && caught ? 0 : 1;
}
