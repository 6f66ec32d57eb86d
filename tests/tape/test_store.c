/* test_store.c — store-first gradients (tg/store.h): the sweep hands out gradient
 * buffers unset and the first writer stores. Every case runs with the buffers
 * zeroed first (TG__STORE_ZERO, what the sweep did before) and with the store path
 * on and every unset buffer filled with NaN (TG__STORE_POISON), and the gradients
 * must be the same bits: a read before a write, or an element no one wrote, shows as
 * NaN. Cases: a -0.0 store, a node whose output no consumer writes, a custom op that
 * knows nothing of the protocol, the same tensor as both inputs, a second sweep over
 * the same tape, the trace, tg_grad, tg_hvp, and a small network. (Every op of the
 * registry is checked the same way in tests/ops/test_optable.c.) */
#include "check.h"
#include <tg/store.h>

enum { MODES = 2 };
static const int mode_of[MODES] = {TG__STORE_ZERO, TG__STORE_POISON};

static bool same_bits(const tg_real *a, const tg_real *b, size_t n, size_t *bad) {
    for (size_t i = 0; i < n; i++)
        if (memcmp(&a[i], &b[i], sizeof a[i]) != 0) {
            *bad = i;
            return false;
        }
    return true;
}

/* A leaf (long-lived, requires a gradient) of n elements, values from a pattern. */
static tg_tensor *leaf(int rank, const int *shape, double phase) {
    tg_tensor *x = tg_tensor_new(rank, shape, TG_REQUIRES_GRAD);
    for (size_t i = 0; x && i < x->size; i++) x->data[i] = (tg_real)(sin(1.3 * (double)i + phase) * 1.5);
    return x;
}

/* ---- a custom op, without TG__OPF_STORE: y = 3 x, dx += 3 g (it adds) ---- */
static tg_status triple_infer(tg_tape *t, const tg_node *n, int *rank, int shape[TG_MAX_RANK]) {
    (void)t;
    *rank = n->in[0]->rank;
    memcpy(shape, n->in[0]->shape, sizeof n->in[0]->shape);
    return TG_OK;
}
static tg_status triple_fwd(tg_tape *t, tg_node *n) {
    (void)t;
    for (size_t i = 0; i < n->out->size; i++) n->out->data[i] = 3 * n->in[0]->data[i];
    return TG_OK;
}
static void triple_bwd(tg_node *n) {
    if (n->in[0]->grad)
        for (size_t i = 0; i < n->out->size; i++) n->in[0]->grad[i] += 3 * n->out->grad[i];
}
static const tg_op triple = {"triple", 1, 0, triple_infer, triple_fwd, triple_bwd, NULL};

/* The graphs: each returns a scalar loss built from the leaves x[0..2] on t and
 * fills mid[] with intermediate tensors whose gradients are compared too. */
typedef tg_tensor *(*graph_fn)(tg_tape *t, tg_tensor *const *x, tg_tensor **mid);

/* u = 1 x; loss = sum(u * -0.0 ...): du is -0.0 + ..., stored as 0 + (-0.0) = +0.0 */
static tg_tensor *g_negzero(tg_tape *t, tg_tensor *const *x, tg_tensor **mid) {
    tg_tensor *u = mid[0] = tg_mul_scalar(t, x[0], 1);
    tg_tensor *c = tg_tape_full(t, x[0]->rank, x[0]->shape, (tg_real)-0.0);
    return tg_sum(t, tg_mul(t, u, c));
}
/* v = x^2 feeds only pow(v, 0) (a zero derivative: its kernel writes nothing) and
 * argmax: v's gradient must come out zero, not NaN. */
static tg_tensor *g_unwritten(tg_tape *t, tg_tensor *const *x, tg_tensor **mid) {
    tg_tensor *v = mid[0] = tg_square(t, x[0]);
    tg_tensor *p = tg_pow_scalar(t, v, 0);
    tg_tensor *w = mid[1] = tg_tanh(t, x[1]);
    return tg_add(t, tg_sum(t, tg_mul(t, p, w)), tg_sum(t, tg_argmax(t, v, 0, false)));
}
/* A custom op between converted ones, and its input used by a converted op after. */
static tg_tensor *g_custom(tg_tape *t, tg_tensor *const *x, tg_tensor **mid) {
    tg_tensor *u = mid[0] = tg_sigmoid(t, x[0]);
    tg_tensor *in[1] = {u};
    tg_tensor *y = mid[1] = tg_apply(t, &triple, in, 1, NULL);
    return tg_add(t, tg_sum(t, tg_mul(t, y, x[1])), tg_mean(t, tg_exp(t, u)));
}
/* The same tensor as both inputs, of mul, sub, div and concat; and used three times. */
static tg_tensor *g_twice(tg_tape *t, tg_tensor *const *x, tg_tensor **mid) {
    tg_tensor *u = mid[0] = tg_mul_scalar(t, x[0], (tg_real)0.5);
    tg_tensor *a = mid[1] = tg_mul(t, u, u);
    tg_tensor *b = tg_sub(t, u, u), *c = tg_div(t, u, tg_add_scalar(t, tg_mul(t, u, u), 1));
    tg_tensor *pair[2] = {u, u};
    tg_tensor *d = tg_sum_axis(t, tg_concat(t, pair, 2, 0), 0, false);
    return tg_sum(t, tg_add(t, tg_add(t, a, b), tg_add(t, c, d)));
}
/* Broadcasting: a (3,4) + row (4) + column (3,1), a scalar times everything. */
static tg_tensor *g_bcast(tg_tape *t, tg_tensor *const *x, tg_tensor **mid) {
    tg_tensor *row = mid[0] = tg_tanh(t, x[1]);
    tg_tensor *col = mid[1] = tg_sum_axis(t, x[0], 1, true);
    tg_tensor *s = mid[2] = tg_mean(t, x[2]);
    tg_tensor *y = tg_mul(t, tg_sub(t, tg_add(t, x[0], row), col), s);
    tg_tensor *q = tg_div(t, y, tg_add_scalar(t, tg_square(t, col), 1));
    return tg_sum(t, tg_mul(t, q, q));
}
/* A small network: tanh(x W1 + b) W2, softmax cross-entropy, and an MSE beside it. */
static const int labels4[4] = {1, 0, 2, 2};
static tg_tensor *g_net(tg_tape *t, tg_tensor *const *x, tg_tensor **mid) {
    tg_tensor *h = mid[0] = tg_tanh(t, tg_add(t, tg_matmul(t, x[0], x[1]), tg_slice(t, x[2], 0, 0, 1)));
    tg_tensor *z = mid[1] = tg_matmul(t, h, tg_transpose(t, tg_slice(t, x[2], 0, 1, 3), 0, 1));
    tg_tensor *r = tg_reshape(t, z, 1, (int[]){12});
    return tg_add(t, tg_cross_entropy(t, z, labels4), tg_mse_loss(t, r, tg_tape_full(t, 1, (int[]){12}, 0.25)));
}

typedef struct {
    const char *name;
    graph_fn f;
    int rank[3], shape[3][2];
} graph_case;

static const graph_case cases[] = {
    {"a -0.0 gradient", g_negzero, {2, 1, 1}, {{3, 4}, {1}, {1}}},
    {"an output no consumer writes", g_unwritten, {1, 1, 1}, {{5}, {5}, {1}}},
    {"a custom op", g_custom, {2, 2, 1}, {{2, 3}, {2, 3}, {1}}},
    {"one tensor as both inputs", g_twice, {2, 1, 1}, {{2, 3}, {1}, {1}}},
    {"broadcasting", g_bcast, {2, 1, 1}, {{3, 4}, {4}, {5}}},
    {"a network", g_net, {2, 2, 2}, {{4, 5}, {5, 4}, {4, 4}}},
};

/* How a case is run: plain tg_backward; twice on one tape (the second sweep meets
 * the first's buffers); with the trace on; tg_grad of x[0], x[1]; tg_hvp. */
enum { RUN_BACKWARD, RUN_TWICE, RUN_TRACE, RUN_GRAD, RUN_HVP, RUNS };
static const char *const run_name[RUNS] = {"tg_backward", "tg_backward twice", "the trace", "tg_grad", "tg_hvp"};

typedef struct { tg_real sum; int calls; } trace_acc;
static void on_trace(const tg_node *n, int input, const tg_real *contrib, void *user) {
    trace_acc *a = user;
    for (size_t i = 0; i < n->in[input]->size; i++) a->sum += contrib[i] * (tg_real)(1 + (i % 3));
    a->calls++;
}

/* Runs case c in mode m; writes every compared value to out (returns how many). */
static size_t run_case(const graph_case *c, int run, int m, tg_tensor *const *x, tg_real *out) {
    tg_tape *t = tg_tape_new();
    tg__tape_set_store_mode(t, mode_of[m]);
    tg_tensor *mid[3] = {0};
    size_t k = 0;
    trace_acc acc = {0, 0};
    for (int i = 0; i < 3; i++) tg_tensor_zero_grad(x[i]);
    if (run == RUN_TRACE) tg_tape_set_trace(t, on_trace, &acc);
    tg_tensor *loss = c->f(t, x, mid);
    tg_status st = TG_ERR_STATE;
    if (run <= RUN_TRACE) {
        st = tg_backward(t, loss, NULL);
        if (run == RUN_TWICE && st == TG_OK) st = tg_backward(t, loss, NULL);
        for (int i = 0; i < 3; i++)
            for (size_t j = 0; j < x[i]->size; j++) out[k++] = x[i]->grad[j];
        for (int i = 0; i < 3 && mid[i]; i++)
            for (size_t j = 0; j < mid[i]->size; j++) out[k++] = mid[i]->grad ? mid[i]->grad[j] : 0;
        out[k++] = acc.sum;
        out[k++] = (tg_real)acc.calls;
    } else {
        tg_tensor *xs[2] = {x[0], x[1]}, *g[2] = {0};
        if (run == RUN_GRAD) {
            st = tg_grad(t, loss, NULL, xs, 2, TG_GRAD_ALLOW_UNUSED, g);
        } else {
            tg_tensor *v[2] = {tg_tape_full(t, x[0]->rank, x[0]->shape, (tg_real)0.5),
                               tg_tape_full(t, x[1]->rank, x[1]->shape, (tg_real)-1)};
            st = tg_hvp(t, loss, xs, v, 2, TG_GRAD_ALLOW_UNUSED, g);
        }
        for (int i = 0; i < 2 && st == TG_OK; i++)
            for (size_t j = 0; j < g[i]->size; j++) out[k++] = g[i]->data[j];
    }
    CHECK(st == TG_OK, "%s, %s, mode %d: %s", c->name, run_name[run], mode_of[m], tg_tape_message(t));
    tg_tape_free(t);
    return k;
}

static void check_cases(void) {
    enum { CAP = 512 };
    static tg_real got[MODES][CAP];
    for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
        const graph_case *c = &cases[ci];
        tg_tensor *x[3];
        for (int i = 0; i < 3; i++) x[i] = leaf(c->rank[i], c->shape[i], 0.4 * i + 0.1);
        for (int run = 0; run < RUNS; run++) {
            if (run == RUN_HVP && c->f == g_custom) continue; /* the custom op has no graph form */
            size_t n[MODES];
            for (int m = 0; m < MODES; m++) n[m] = run_case(c, run, m, x, got[m]);
            size_t bad = 0;
            CHECK(n[0] == n[1] && n[0] > 0 && same_bits(got[0], got[1], n[0], &bad),
                  "%s, %s: zero-first and store-first differ at value %zu of %zu: %.17g vs %.17g", c->name,
                  run_name[run], bad, n[0], (double)got[0][bad], (double)got[1][bad]);
            for (size_t j = 0; j < n[1]; j++)
                if (isnan(got[1][j])) {
                    CHECK(false, "%s, %s: value %zu is NaN", c->name, run_name[run], j);
                    break;
                }
        }
        for (int i = 0; i < 3; i++) tg_tensor_free(x[i]);
    }
}

/* The stored -0.0 is +0.0, as the add onto zeros gives, in the default mode too. */
static void check_negzero(void) {
    tg_tensor *x = leaf(1, (int[]){3}, 0);
    tg_tape *t = tg_tape_new();
    tg_tensor *mid[3] = {0};
    CHECK(tg_backward(t, g_negzero(t, &x, mid), NULL) == TG_OK, "backward: %s", tg_tape_message(t));
    for (size_t i = 0; i < 3; i++) {
        tg_real v = mid[0]->grad[i], pz = 0;
        CHECK(memcmp(&v, &pz, sizeof v) == 0, "du[%zu] = %g with sign bit %d: want +0", i, (double)v, signbit(v) != 0);
    }
    tg_tape_free(t);
    tg_tensor_free(x);
}

/* The default mode (no poison) sees the same as zero-first, on a longer chain. */
static void check_default(void) {
    tg_tensor *w = leaf(1, (int[]){1}, 0.3);
    tg_real want = 0;
    for (int mode = 0; mode < 2; mode++) {
        tg_tape *t = tg_tape_new();
        if (mode) tg__tape_set_store_mode(t, TG__STORE_ZERO);
        tg_tensor_zero_grad(w);
        tg_tensor *y = tg_tape_full(t, 1, (int[]){1}, 1);
        for (int k = 0; k < 50; k++) y = tg_tanh(t, tg_add_scalar(t, tg_mul(t, y, w), (tg_real)0.1));
        CHECK(tg_backward(t, y, NULL) == TG_OK, "chain: %s", tg_tape_message(t));
        if (mode) CHECK(memcmp(&want, &w->grad[0], sizeof want) == 0, "chain: %.17g vs %.17g", (double)want, (double)w->grad[0]);
        want = w->grad[0];
        tg_tape_free(t);
    }
    tg_tensor_free(w);
}

int main(void) {
    check_cases();
    check_negzero();
    check_default();
    return check_done();
}
