/* test_deferred.c — the recurrent layers' weight gradients handed to the end of the
 * sweep (one product over every time step's rows) and the packs of a weight shared by
 * the products of a step give the gradients of the plain products:
 *  - a traced sweep (which adds each product's dW at once, and reports it) shows
 *    every time step's own contribution to W_h, and they add up to the gradient of
 *    the untraced sweep, whose products over W_h are deferred;
 *  - tg_backward twice accumulates twice; tg_grad (never deferred) agrees;
 *  - 1 and 2 threads give the same bits;
 *  - a weight written between two products of a step is packed again.
 * Every kind of cell, at odd sizes. */
#include <stdlib.h>
#include "check.h"

static const double TOL = sizeof(tg_real) == sizeof(float) ? 2e-5 : 1e-12;

/* Relative difference of two arrays, worst element (scaled by the largest value). */
static double rel_diff(const tg_real *a, const tg_real *b, size_t n) {
    double worst = 0, scale = 1e-30;
    for (size_t i = 0; i < n; i++) scale = fmax(scale, fabs((double)b[i]));
    for (size_t i = 0; i < n; i++) worst = fmax(worst, fabs((double)a[i] - (double)b[i]));
    return worst / scale;
}

typedef struct {
    const tg_tensor *w;  /* the weight watched */
    tg_real *sum;        /* its contributions added up */
    int products;        /* tg_matmul nodes that contributed to it */
} watch;

static void on_contrib(const tg_node *n, int input, const tg_real *contrib, void *user) {
    watch *w = user;
    if (n->in[input] != w->w) return;
    if (strcmp(n->op->name, "tg_matmul") == 0) w->products++;
    for (size_t i = 0; i < w->w->size; i++) w->sum[i] += contrib[i];
}

typedef struct {
    tg_rnn *m;
    tg_params ps;
    tg_tensor *x, *r;
    int T, B;
} model;

static bool model_new(model *md, tg_rnn_kind kind, int F, int H, int T, int B, int layers) {
    tg_rng g;
    tg_rng_seed(&g, 40 + (uint64_t)kind);
    tg_rnn_config cfg = {kind, F, H, layers, false};
    md->m = tg_rnn_new("d", &cfg, &g);
    md->ps = (tg_params){0};
    if (!md->m || tg_rnn_params(md->m, &md->ps) != TG_OK) return false;
    md->x = tg_tensor_new(3, (int[]){T, B, F}, 0);
    md->r = tg_tensor_new(3, (int[]){T, B, H}, 0);
    if (!md->x || !md->r) return false;
    tg_init_uniform(md->x, &g, 1);
    tg_init_uniform(md->r, &g, 1);
    md->T = T, md->B = B;
    return true;
}

static void model_free(model *md) {
    tg_params_free(&md->ps);
    tg_rnn_free(md->m);
    tg_tensor_free(md->x);
    tg_tensor_free(md->r);
}

/* L = sum(r * out) on a reset tape; NULL on failure. */
static tg_tensor *loss(tg_tape *t, const model *md) {
    tg_tape_reset(t);
    tg_tensor *out = NULL;
    if (tg_rnn_forward(t, md->m, md->x, NULL, NULL, &out, NULL, NULL) != TG_OK) return NULL;
    return tg_sum(t, tg_mul(t, out, md->r));
}

/* Every parameter gradient of one tg_backward from zero, concatenated into g. */
static bool grads(tg_tape *t, const model *md, tg_real *g) {
    tg_params_zero_grad(&md->ps);
    tg_tensor *l = loss(t, md);
    if (!l || tg_backward(t, l, NULL) != TG_OK) return false;
    size_t off = 0;
    for (int k = 0; k < md->ps.n; k++) {
        memcpy(g + off, md->ps.items[k]->grad, md->ps.items[k]->size * sizeof *g);
        off += md->ps.items[k]->size;
    }
    return true;
}

static void one_kind(tg_rnn_kind kind, int F, int H, int T, int B, int layers) {
    const char *name = tg_rnn_kind_name(kind);
    model md;
    tg_tape *t = tg_tape_new();
    CHECK(t && model_new(&md, kind, F, H, T, B, layers), "%s: setup: %s", name, tg_last_error());
    size_t total = tg_params_numel(&md.ps);
    tg_real *g1 = calloc(total, sizeof *g1), *g2 = calloc(total, sizeof *g2);

    /* the deferred sweep, then the traced one (each product's dW added at once) */
    tg_set_num_threads(1);
    CHECK(grads(t, &md, g1), "%s: backward: %s", name, tg_tape_message(t));
    tg_tensor *W_h = md.m->layers[0].W_h;
    watch w = {W_h, calloc(W_h->size, sizeof(tg_real)), 0};
    tg_tape_set_trace(t, on_contrib, &w);
    CHECK(grads(t, &md, g2), "%s: traced backward: %s", name, tg_tape_message(t));
    tg_tape_set_trace(t, NULL, NULL);
    /* TG_RNN_GRU multiplies by slices of W_h, which are not leaves: no product of its
     * own reaches W_h there (the slices' backward does) */
    int expect = kind == TG_RNN_GRU ? 0 : T;
    CHECK(w.products == expect, "%s: the trace shows %d products' own contributions to W_h, expected %d",
          name, w.products, expect);
    double e_trace = rel_diff(W_h->grad, w.sum, W_h->size);
    CHECK(e_trace <= TOL, "%s: the traced contributions add up to the gradient of W_h (%.3g)", name,
          e_trace);
    double e = rel_diff(g1, g2, total);
    CHECK(e <= TOL, "%s: deferred and immediate weight gradients agree (%.3g)", name, e);
    size_t off = 0; /* W_h of layer 0: the deferred one matches the traced sum */
    for (int k = 0; k < md.ps.n && md.ps.items[k] != W_h; k++) off += md.ps.items[k]->size;
    double e_wh = rel_diff(g1 + off, w.sum, W_h->size);
    CHECK(e_wh <= TOL, "%s: deferred W_h gradient = the sum of the traced contributions (%.3g)",
          name, e_wh);

    /* two sweeps accumulate: the second adds the same again */
    tg_params_zero_grad(&md.ps);
    tg_tensor *l = loss(t, &md);
    CHECK(l && tg_backward(t, l, NULL) == TG_OK && tg_backward(t, l, NULL) == TG_OK,
          "%s: two sweeps: %s", name, tg_tape_message(t));
    for (size_t i = 0; i < W_h->size; i++) w.sum[i] = 2 * g1[off + i];
    double e2 = rel_diff(W_h->grad, w.sum, W_h->size);
    CHECK(e2 <= TOL, "%s: two sweeps give twice the gradient (%.3g)", name, e2);

    /* tg_grad: its sweep defers nothing */
    l = loss(t, &md);
    tg_tensor *dw = NULL;
    CHECK(l && tg_grad(t, l, NULL, (tg_tensor *[]){W_h}, 1, 0, &dw) == TG_OK && dw,
          "%s: tg_grad: %s", name, tg_tape_message(t));
    if (dw) {
        double eg = rel_diff(dw->data, g1 + off, W_h->size);
        CHECK(eg <= TOL, "%s: tg_grad's dW_h agrees with tg_backward's (%.3g)", name, eg);
    }

    /* threads: the same bits */
    tg_set_num_threads(2);
    CHECK(grads(t, &md, g2), "%s: backward on 2 threads: %s", name, tg_tape_message(t));
    CHECK(memcmp(g1, g2, total * sizeof *g1) == 0, "%s: 1 and 2 threads give the same bits", name);
    tg_set_num_threads(1);
    printf("%-9s T %d B %d H %d: trace %d products, deferred vs traced %.2g, vs immediate %.2g\n",
           name, T, B, H, w.products, e_wh, e);
    free(w.sum);
    free(g1);
    free(g2);
    model_free(&md);
    tg_tape_free(t);
}

/* A weight written between the products of one step: the later products use its new
 * values (its pack is made again), as a fresh tape computes them. */
static void pack_invalidated(void) {
    tg_rng g;
    tg_rng_seed(&g, 7);
    tg_tensor *W = tg_param_new("W", 2, (int[]){33, 257});
    tg_tensor *h = tg_tensor_new(2, (int[]){7, 33}, 0);
    CHECK(W && h, "setup: %s", tg_last_error());
    tg_init_uniform(W, &g, 1);
    tg_init_uniform(h, &g, 1);
    tg_tape *t = tg_tape_new(), *u = tg_tape_new();
    tg_tensor *y1 = tg_matmul(t, h, W), *y2 = tg_matmul(t, h, W); /* the second packs W */
    CHECK(y1 && y2 && memcmp(y1->data, y2->data, y1->size * sizeof(tg_real)) == 0,
          "a packed W gives the same bits");
    W->data[5] += 1;
    tg_tensor_mark_dirty(W);
    tg_tensor *y3 = tg_matmul(t, h, W);
    tg_tape_set_grad_enabled(u, false);
    tg_tensor *ref = tg_matmul(u, h, W);
    CHECK(y3 && ref && memcmp(y3->data, ref->data, ref->size * sizeof(tg_real)) == 0,
          "after a write to W, its products use the new values");
    CHECK(y3 && memcmp(y3->data, y1->data, y1->size * sizeof(tg_real)) != 0, "and they differ");
    tg_tape_free(t);
    tg_tape_free(u);
    tg_tensor_free(W);
    tg_tensor_free(h);
}

int main(void) {
    one_kind(TG_RNN_LSTM, 7, 33, 9, 7, 2);
    one_kind(TG_RNN_LSTM, 5, 65, 40, 17, 1); /* the final product splits across threads */
    one_kind(TG_RNN_GRU_TORCH, 7, 33, 9, 5, 1);
    one_kind(TG_RNN_GRU, 7, 33, 9, 5, 1);
    one_kind(TG_RNN_TANH, 7, 33, 9, 5, 1);
    pack_invalidated();
    return check_done();
}
