/* test_torch_fixtures.c — replays the PyTorch fixtures of tests/fixtures/layers/
 * (written by hand with tests/fixtures/make_layer_fixtures.py, float64) and asserts
 * that our layers give the same outputs and the same gradient of
 *     L = sum(r.out * out) + sum(r.h_n * h_n) [+ sum(r.c_n * c_n)]
 * for every parameter and input.
 *
 * Error measure per tensor: max_i |ours_i - torch_i| / max_i |torch_i| (relative to
 * the tensor's scale, so elements near zero do not blow it up). Tolerance: 1e-9 in
 * the double build; 1e-4 in the float build (float rounding of 7 steps x 2 layers;
 * the double build is the real check). Prints the largest difference per fixture and
 * our parameter count next to PyTorch's. */
#include <stdlib.h>
#include "check.h"
#include "fixture.h"

#ifndef TG_SOURCE_ROOT
#define TG_SOURCE_ROOT "."
#endif

#if TG_REAL_IS_DOUBLE
#define TOL 1e-9
#else
#define TOL 1e-4
#endif

/* The fixtures of tests/fixtures/layers/, read by the shared reader (fixture.h). */
static bool fx_load(fixture *f, const char *name) { return fx_load_from(f, "layers", name); }

/* A long-lived input with a gradient buffer holding fixture tensor `name`, or NULL
 * if the fixture has none. */
static tg_tensor *fx_input(const fixture *f, const char *name) {
    return fx_tensor_of(f, name, TG_REQUIRES_GRAD);
}

static double worst_rel; /* largest error of the current fixture */
static double worst_abs;

static void compare(const char *fixture_name, const fixture *f, const char *name,
                    const tg_real *ours, size_t n) {
    const fx_tensor *s = fx_get(f, name);
    CHECK(s && ours && s->size == n, "%s: %s missing (fixture %p, ours %p) or size differs",
          fixture_name, name, (const void *)s, (const void *)ours);
    if (!s || !ours || s->size != n) return;
    double scale = 0, err = 0;
    for (size_t i = 0; i < n; i++) {
        scale = fmax(scale, fabs(s->v[i]));
        err = fmax(err, fabs((double)ours[i] - s->v[i]));
    }
    double rel = scale > 0 ? err / scale : err;
    worst_rel = fmax(worst_rel, rel);
    worst_abs = fmax(worst_abs, err);
    CHECK(rel <= TOL, "%s: %s differs from PyTorch: max abs %.3g, relative %.3g (tol %g)",
          fixture_name, name, err, rel, TOL);
}

static void compare_grads(const char *fname, const fixture *f, const tg_params *ps) {
    for (int i = 0; i < ps->n; i++) {
        char g[80];
        snprintf(g, sizeof g, "grad.%s", ps->items[i]->name);
        compare(fname, f, g, ps->items[i]->grad, ps->items[i]->size);
    }
}

/* Loads every parameter of ps from the fixture (each must be there). */
static bool load_params(const fixture *f, const tg_params *ps) {
    bool ok = true;
    for (int i = 0; i < ps->n; i++) ok = fx_set(f, ps->items[i]->name, ps->items[i]) && ok;
    return ok;
}

/* sum(r * y) with r the fixture's r.<name>, as a tape tensor. */
static tg_tensor *weighted(tg_tape *t, const fixture *f, const char *rname, tg_tensor *y) {
    const fx_tensor *s = fx_get(f, rname);
    if (!s || !y) return NULL;
    tg_tensor *r = tg_tape_tensor(t, y->rank, y->shape, NULL, 0);
    if (!r || r->size != s->size) return NULL;
    for (size_t i = 0; i < s->size; i++) r->data[i] = (tg_real)s->v[i];
    return tg_sum(t, tg_mul(t, y, r));
}

typedef struct {
    const char *name;
    size_t ours, torch;
    double rel, abs;
} summary;
static summary table[16];
static int n_table;

static tg_act act_by_name(const char *s) {
    for (int a = 0; a < TG_ACT_COUNT; a++)
        if (s && strcmp(s, tg_act_name((tg_act)a)) == 0) return (tg_act)a;
    return TG_ACT_COUNT;
}

static void run_mlp(const char *name) {
    fixture f;
    if (!fx_load(&f, name)) return;
    int sizes[8], n = 0;
    const char *sz = fx_meta(&f, "sizes");
    for (char *p = (char *)sz; p && *p && n < 8;) {
        sizes[n++] = (int)strtol(p, &p, 10);
        if (*p != ',') break;
        p++;
    }
    tg_rng g;
    tg_rng_seed(&g, 1);
    tg_mlp *m = tg_mlp_new("mlp", n, sizes, act_by_name(fx_meta(&f, "hidden")),
                           act_by_name(fx_meta(&f, "output")), &g);
    CHECK(m != NULL, "%s: tg_mlp_new: %s", name, tg_last_error());
    tg_params ps = {0};
    if (m && tg_mlp_params(m, &ps) == TG_OK && load_params(&f, &ps)) {
        tg_tensor *x = fx_input(&f, "x");
        tg_tape *t = tg_tape_new();
        tg_tensor *y = tg_mlp_forward(t, m, x);
        tg_tensor *loss = weighted(t, &f, "r.out", y);
        CHECK(loss && tg_backward(t, loss, NULL) == TG_OK, "%s: forward/backward: %s", name,
              tg_tape_message(t));
        worst_rel = worst_abs = 0;
        if (loss) {
            compare(name, &f, "out", y->data, y->size);
            compare(name, &f, "grad.x", x->grad, x->size);
            compare_grads(name, &f, &ps);
        }
        const char *tp = fx_meta(&f, "torch_params");
        table[n_table++] = (summary){name, tg_params_numel(&ps), tp ? (size_t)atol(tp) : 0,
                                     worst_rel, worst_abs};
        tg_tape_free(t);
        tg_tensor_free(x);
    }
    tg_params_free(&ps);
    tg_mlp_free(m);
    fx_free(&f);
}

static tg_rnn_kind kind_by_name(const char *s) {
    for (int k = 0; k < TG_RNN_KIND_COUNT; k++)
        if (s && strcmp(s, tg_rnn_kind_name((tg_rnn_kind)k)) == 0) return (tg_rnn_kind)k;
    return TG_RNN_KIND_COUNT;
}

static void run_rnn(const char *name) {
    fixture f;
    if (!fx_load(&f, name)) return;
    const char *mi = fx_meta(&f, "input"), *mh = fx_meta(&f, "hidden"), *ml = fx_meta(&f, "layers");
    tg_rnn_config cfg = {kind_by_name(fx_meta(&f, "kind")), mi ? atoi(mi) : 0, mh ? atoi(mh) : 0,
                         ml ? atoi(ml) : 0, false};
    tg_rng g;
    tg_rng_seed(&g, 1);
    const char *prefix = fx_meta(&f, "prefix");
    tg_rnn *m = tg_rnn_new(prefix ? prefix : "?", &cfg, &g);
    CHECK(m != NULL, "%s: tg_rnn_new: %s", name, tg_last_error());
    tg_params ps = {0};
    if (m && tg_rnn_params(m, &ps) == TG_OK && load_params(&f, &ps)) {
        tg_tensor *x = fx_input(&f, "x"), *h0 = fx_input(&f, "h0"), *c0 = fx_input(&f, "c0");
        tg_tape *t = tg_tape_new();
        tg_tensor *out, *hn, *cn;
        tg_status st = tg_rnn_forward(t, m, x, h0, c0, &out, &hn, &cn);
        CHECK(st == TG_OK, "%s: tg_rnn_forward: %s", name, tg_tape_message(t));
        tg_tensor *loss = tg_add(t, weighted(t, &f, "r.out", out), weighted(t, &f, "r.h_n", hn));
        if (cfg.kind == TG_RNN_LSTM) loss = tg_add(t, loss, weighted(t, &f, "r.c_n", cn));
        CHECK(loss && tg_backward(t, loss, NULL) == TG_OK, "%s: backward: %s", name,
              tg_tape_message(t));
        worst_rel = worst_abs = 0;
        if (loss) {
            compare(name, &f, "out", out->data, out->size);
            compare(name, &f, "h_n", hn->data, hn->size);
            if (cn) compare(name, &f, "c_n", cn->data, cn->size);
            compare(name, &f, "grad.x", x->grad, x->size);
            if (h0) compare(name, &f, "grad.h0", h0->grad, h0->size);
            if (c0) compare(name, &f, "grad.c0", c0->grad, c0->size);
            compare_grads(name, &f, &ps);
        }
        const char *tp = fx_meta(&f, "torch_params");
        table[n_table++] = (summary){name, tg_params_numel(&ps), tp ? (size_t)atol(tp) : 0,
                                     worst_rel, worst_abs};
        tg_tape_free(t);
        tg_tensor_free(x);
        tg_tensor_free(h0);
        tg_tensor_free(c0);
    }
    tg_params_free(&ps);
    tg_rnn_free(m);
    fx_free(&f);
}

/* Two chunks of truncated BPTT (tests/fixtures/make_tbptt_fixture.py): chunk 1 from
 * the given (h0, c0), backward; its final state copied into the long-lived h0, c0
 * AFTER that backward (as examples/charlm.c does; before it, the sweep would refuse:
 * the first step saved h0 and c0); chunk 2 from there, backward; the parameters'
 * gradients hold the sum of both chunks'. */
static void run_tbptt(const char *name) {
    fixture f;
    if (!fx_load(&f, name)) return;
    tg_rnn_config cfg = {TG_RNN_LSTM, atoi(fx_meta(&f, "input")), atoi(fx_meta(&f, "hidden")),
                         atoi(fx_meta(&f, "layers")), false};
    tg_rng g;
    tg_rng_seed(&g, 1);
    tg_rnn *m = tg_rnn_new("lstm", &cfg, &g);
    tg_params ps = {0};
    CHECK(m && tg_rnn_params(m, &ps) == TG_OK && load_params(&f, &ps), "%s: model: %s", name, tg_last_error());
    tg_tensor *x1 = fx_input(&f, "x1"), *x2 = fx_input(&f, "x2");
    tg_tensor *h0 = fx_input(&f, "h0"), *c0 = fx_input(&f, "c0");
    tg_tape *t = tg_tape_new();
    worst_rel = worst_abs = 0;
    for (int chunk = 1; chunk <= 2 && m; chunk++) {
        tg_tape_reset(t);
        tg_tensor *out, *hn, *cn;
        tg_status st = tg_rnn_forward(t, m, chunk == 1 ? x1 : x2, h0, c0, &out, &hn, &cn);
        tg_tensor *loss = st == TG_OK ? weighted(t, &f, chunk == 1 ? "r1.out" : "r2.out", out) : NULL;
        CHECK(loss && tg_backward(t, loss, NULL) == TG_OK, "%s: chunk %d: %s", name, chunk, tg_tape_message(t));
        if (!loss) break;
        compare(name, &f, chunk == 1 ? "out1" : "out2", out->data, out->size);
        compare(name, &f, chunk == 1 ? "h_n1" : "h_n2", hn->data, hn->size);
        compare(name, &f, chunk == 1 ? "c_n1" : "c_n2", cn->data, cn->size);
        if (chunk == 1) {
            compare(name, &f, "grad.h0", h0->grad, h0->size);
            compare(name, &f, "grad.c0", c0->grad, c0->size);
            /* The carried state: plain values, and no gradient into chunk 1. */
            h0->flags &= ~(unsigned)TG_REQUIRES_GRAD;
            c0->flags &= ~(unsigned)TG_REQUIRES_GRAD;
        }
        tg_tensor_copy_from(h0, hn->data, hn->size);
        tg_tensor_copy_from(c0, cn->data, cn->size);
    }
    compare_grads(name, &f, &ps);
    const char *tp = fx_meta(&f, "torch_params");
    table[n_table++] = (summary){name, tg_params_numel(&ps), tp ? (size_t)atol(tp) : 0, worst_rel, worst_abs};

    /* The mistake the examples made: copying the state before the sweep. */
    tg_tape_reset(t);
    tg_tensor *out, *hn, *cn;
    tg_rnn_forward(t, m, x1, h0, c0, &out, &hn, &cn);
    tg_tensor *loss = weighted(t, &f, "r1.out", out);
    tg_tensor_copy_from(h0, hn->data, hn->size);
    CHECK(tg_backward(t, loss, NULL) == TG_ERR_STATE, "%s: state copied before the sweep is refused", name);
    CHECK_ERR(t, TG_ERR_STATE, "tg_backward: input 1 (2,5) was modified after node");
    tg_tape_free(t);
    tg_tensor_free(x1);
    tg_tensor_free(x2);
    tg_tensor_free(h0);
    tg_tensor_free(c0);
    tg_params_free(&ps);
    tg_rnn_free(m);
    fx_free(&f);
}

int main(void) {
    static const char *mlps[] = {"mlp_tanh", "mlp_relu_softmax", "mlp_leaky_sigmoid",
                                 "mlp_softplus_tanh"};
    static const char *rnns[] = {"rnn_tanh", "rnn_relu", "lstm", "lstm_zero_state", "gru_torch",
                                 "gru_torch_zero_state", "gru", "gru_zero_state"};
    for (size_t i = 0; i < sizeof mlps / sizeof *mlps; i++) run_mlp(mlps[i]);
    for (size_t i = 0; i < sizeof rnns / sizeof *rnns; i++) run_rnn(rnns[i]);
    run_tbptt("lstm_tbptt");
    printf("%-22s %12s %12s %8s %8s\n", "fixture (" TG_REAL_NAME ")", "max rel diff",
           "max abs diff", "params", "torch");
    for (int i = 0; i < n_table; i++)
        printf("%-22s %12.3g %12.3g %8zu %8zu\n", table[i].name, table[i].rel, table[i].abs,
               table[i].ours, table[i].torch);
    return check_done();
}
