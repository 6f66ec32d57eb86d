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
 * tg_gradcheck (the same check tapegrad runs on its own ops).
 * Run: ./build/examples/custom_op
 */
#include <math.h>
#include <stdio.h>
#include <tapegrad.h>

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

/* The one-line builder, like the library's own. The data must outlive the tape step. */
static tg_tensor *swish(tg_tape *t, tg_tensor *x, const swish_data *d) {
    tg_op_args a = {.p = d};
    return tg_apply(t, &swish_op, &x, 1, &a);
}

static const swish_data beta15 = {1.5};

/* L = sum(swish(W x)) with x fixed: swish sits between two built-in ops. */
static tg_tensor *loss_fn(tg_tape *t, tg_tensor *const *p, int n, void *user) {
    (void)n, (void)user;
    tg_tensor *x = tg_tape_tensor(t, 2, (int[]){3, 1}, (tg_real[]){0.5, -1.0, 2.0}, 0);
    return tg_sum(t, swish(t, tg_matmul(t, p[0], x), &beta15));
}

int main(void) {
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

    /* A mistake is reported, not crashed on: beta = 0 is refused by the shape rule. */
    tg_tape_reset(t);
    static const swish_data bad = {0};
    tg_tensor *y = swish(t, tg_tape_full(t, 1, (int[]){2}, 1), &bad);
    printf("swish with beta = 0: %s -> \"%s\"\n", y ? "accepted?" : "refused", tg_tape_message(t));

    tg_tape_free(t);
    tg_tensor_free(W);
    return ok && !y ? 0 : 1;
}
